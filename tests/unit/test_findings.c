/* test_findings: the caps on what a session stores, and how the reports show what they left out. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "findings.h"
#include "report.h"
#include "xalloc.h"

/* Rule numbers are the caller's: any that tell codes apart. */
#define R_D5 1
#define R_B1 2

static struct violation *
add(struct findings *f, struct session *s, unsigned rule, const char *code, enum severity sev,
    unsigned seq)
{
    struct violation *v = findings_add(f, s, rule, code, sev, seq);
    if (v && !v->message)
        v->message = xasprintf("%s at %u", code, seq);
    return v;
}

Test(findings, a_code_hit_again_at_its_step_is_counted_on_it)
{
    struct findings f = {0};
    struct session s = {0};
    struct violation *v = add(&f, &s, R_D5, "D5", SEV_INFO, 7);
    cr_assert_not_null(v);
    cr_expect_eq(v->count, 1);
    cr_expect_str_eq(v->code, "D5");
    cr_expect_eq(v->seq, 7);
    struct violation *again = add(&f, &s, R_D5, "D5", SEV_WARNING, 7);
    cr_expect_eq(again, &s.violations[0]);
    cr_expect_eq(s.nviolations, 1);
    cr_expect_eq(s.violations[0].count, 2);
    cr_expect_eq(s.violations[0].severity, SEV_WARNING, "the higher severity is kept");
    cr_expect_str_eq(s.violations[0].message, "D5 at 7", "the first message stays");
    /* another step, another code at the same step: new violations */
    add(&f, &s, R_D5, "D5", SEV_INFO, 8);
    add(&f, &s, R_B1, "B1", SEV_ERROR, 7);
    cr_expect_eq(s.nviolations, 3);
    cr_expect_eq(s.nviolations_dropped, 0);
    findings_clear(&f);
    session_clear(&s);
}

Test(findings, a_code_is_stored_at_its_first_steps_then_counted)
{
    struct findings f = {0};
    struct session s = {0};
    for (unsigned seq = 1; seq <= 1000; seq++) {
        add(&f, &s, R_D5, "D5", SEV_WARNING, seq);
        add(&f, &s, R_D5, "D5", SEV_WARNING, seq); /* a repeat at a dropped step: not counted twice */
    }
    cr_expect_eq(s.nviolations, VIOLATIONS_PER_CODE);
    for (size_t i = 0; i < s.nviolations; i++) {
        cr_expect_eq(s.violations[i].seq, i + 1, "the first steps are the ones stored");
        cr_expect_eq(s.violations[i].count, 2);
    }
    cr_assert_eq(s.nviolations_dropped, 1);
    cr_expect_str_eq(s.violations_dropped[0].code, "D5");
    cr_expect_eq(s.violations_dropped[0].count, 1000 - VIOLATIONS_PER_CODE);
    cr_expect_eq(s.violations_dropped[0].severity, SEV_WARNING);
    /* another code still gets its first */
    cr_expect_not_null(add(&f, &s, R_B1, "B1", SEV_ERROR, 1001));
    findings_clear(&f);
    session_clear(&s);
}

Test(findings, the_first_of_every_code_is_stored_past_the_total_cap)
{
    struct findings f = {0};
    struct session s = {0};
    /* 40 codes at 8 steps each: 320 findings, more than VIOLATIONS_KEPT */
    char codes[40][4];
    for (unsigned c = 0; c < 40; c++)
        snprintf(codes[c], sizeof codes[c], "%c%u", 'A' + c / 10, 1 + c % 10);
    for (unsigned seq = 1; seq <= VIOLATIONS_PER_CODE; seq++)
        for (unsigned c = 0; c < 40; c++)
            add(&f, &s, c, codes[c], SEV_INFO, seq);
    cr_expect_eq(s.nviolations, VIOLATIONS_KEPT + 40);
    unsigned long dropped = 0;
    for (size_t i = 0; i < s.nviolations_dropped; i++)
        dropped += s.violations_dropped[i].count;
    cr_expect_eq(s.nviolations + dropped, 40 * VIOLATIONS_PER_CODE, "every finding stored or counted");
    /* a code never seen before is stored even now */
    cr_expect_not_null(add(&f, &s, 99, "L3", SEV_INFO, 0));
    findings_clear(&f);
    session_clear(&s);
}

Test(findings, phase_events_are_kept_up_to_the_cap)
{
    struct session s = {0};
    cr_expect(findings_phase_kept(&s));
    s.nphases = PHASES_KEPT - 1;
    cr_expect(findings_phase_kept(&s));
    s.nphases = PHASES_KEPT;
    cr_expect_not(findings_phase_kept(&s));
}

/* ---- the reports ------------------------------------------------------------------------- */

/* A session with a repeated finding, and steps and findings past the caps. */
static struct session *
capped_session(void)
{
    struct session *s = xcalloc(1, sizeof *s);
    s->id = 1;
    s->input = xstrdup("big.pcap");
    s->start = s->end = INT64_C(1795513597644636);
    s->durations.to_tls = s->durations.auth = s->durations.to_bound = -1;
    s->phases = xcalloc(1, sizeof *s->phases);
    s->nphases = 1;
    s->phases[0] = (struct phase_event){.seq = 1,
                                        .dir = 'C',
                                        .time = s->start,
                                        .event = xstrdup("stanza:message"),
                                        .phase = PHASE_ESTABLISHED,
                                        .summary = xstrdup("<message/>")};
    s->phases_dropped = 1234;
    struct findings f = {0};
    add(&f, s, R_D5, "D5", SEV_WARNING, 1);
    add(&f, s, R_D5, "D5", SEV_WARNING, 1);
    add(&f, s, R_D5, "D5", SEV_WARNING, 1);
    for (unsigned seq = 2; seq <= 20; seq++)
        add(&f, s, R_D5, "D5", SEV_WARNING, seq);
    findings_clear(&f);
    return s;
}

static char *
render(enum report_format format)
{
    char *data = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&data, &len);
    cr_assert_not_null(out);
    struct report_options opt = {.format = format, .tool_version = "1.2.3"};
    struct report_writer *w = report_writer_new(&opt, out);
    struct summary *sm = summary_new();
    struct session *s = capped_session();
    summary_add(sm, s);
    report_session(w, s);
    cr_expect_eq(report_finish(w, NULL, 0, sm), 0);
    report_writer_free(w);
    summary_free(sm);
    fclose(out);
    return data;
}

static void
expect_capped_json(json_t *s, const char *format)
{
    json_t *v = json_array_get(json_object_get(s, "violations"), 0);
    cr_expect_eq(json_integer_value(json_object_get(v, "count")), 3, "%s: count", format);
    json_t *v2 = json_array_get(json_object_get(s, "violations"), 1);
    cr_expect_null(json_object_get(v2, "count"), "%s: no count for 1", format);
    cr_expect_eq(json_integer_value(json_object_get(s, "phases_dropped")), 1234, "%s", format);
    json_t *dropped = json_object_get(s, "violations_dropped");
    cr_expect_eq(json_object_size(dropped), 1, "%s", format);
    cr_expect_eq(json_integer_value(json_object_get(dropped, "D5")), 20 - VIOLATIONS_PER_CODE, "%s", format);
}

Test(findings, json_and_jsonl_show_counts_and_what_was_dropped)
{
    char *doc = render(REPORT_JSON);
    json_error_t err;
    json_t *j = json_loads(doc, 0, &err);
    cr_assert_not_null(j, "%s", err.text);
    expect_capped_json(json_array_get(json_object_get(j, "sessions"), 0), "json");
    /* the summary counts a finding per code and step, stored or not, repeats once */
    json_t *by_code = json_object_get(json_object_get(json_object_get(j, "summary"), "violations"), "by_code");
    cr_expect_eq(json_integer_value(json_object_get(by_code, "D5")), 20);
    json_decref(j);
    free(doc);

    char *lines = render(REPORT_JSONL);
    j = json_loadb(lines, strcspn(lines, "\n"), 0, &err);
    cr_assert_not_null(j, "%s", err.text);
    expect_capped_json(j, "jsonl");
    json_decref(j);
    free(lines);
}

Test(findings, text_shows_counts_and_one_line_for_what_was_dropped)
{
    char *text = render(REPORT_TEXT);
    cr_expect_not_null(strstr(text, "step 1   D5 at 1 \xc3\x97" "3\n"), "%s", text);
    cr_expect_not_null(strstr(text, "step 2   D5 at 2\n"), "%s", text);
    char want[160];
    snprintf(want, sizeof want,
             "  Not listed: 1234 steps after step 1; violations D5 \xc3\x97%d (counted in the summary)\n",
             20 - VIOLATIONS_PER_CODE);
    cr_expect_not_null(strstr(text, want), "%s", text);
    cr_expect_not_null(strstr(text, "D5 20"), "summary by code: %s", text);
    free(text);
}
