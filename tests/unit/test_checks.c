/* test_checks: the table of checks (login-spec §3): its rows, its predicates on facts, its engine. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "checks.h"
#include "findings.h"
#include "login.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the rows ------------------------------------------------------------------------------ */

/* login-spec §3: the groups and how many ids each has (A1–L3, 156 in all), plus the tool's L4 and L5. */
static const struct {
    char group;
    int count;
} spec_groups[] = {{'A', 17}, {'B', 18}, {'C', 22}, {'D', 16}, {'E', 9},  {'F', 12},
                   {'G', 4},  {'H', 9},  {'I', 25}, {'J', 13}, {'K', 8},  {'L', 5}};

static int
rows_with_id(const char *id)
{
    int n = 0;
    for (size_t i = 0; i < check_table_len; i++)
        n += strcmp(check_table[i].id, id) == 0;
    return n;
}

Test(checks, every_id_of_the_spec_is_one_row_and_nothing_else_is)
{
    size_t ids = 0;
    for (size_t g = 0; g < NELEMS(spec_groups); g++)
        for (int n = 1; n <= spec_groups[g].count; n++) {
            char id[16];
            snprintf(id, sizeof id, "%c%d", spec_groups[g].group, n);
            cr_expect_eq(rows_with_id(id), 1, "%s is in %d rows", id, rows_with_id(id));
            ids++;
        }
    cr_expect_eq(check_table_len, ids, "%zu rows for %zu ids", check_table_len, ids);
}

Test(checks, a_row_that_is_raised_says_what_it_watches_where_and_in_which_words)
{
    for (size_t i = 0; i < check_table_len; i++) {
        const struct check *c = &check_table[i];
        cr_expect_not_null(c->name, "%s", c->id);
        cr_expect_not_null(c->cite, "%s", c->id);
        if (!c->holds) {
            /* not observable: nothing watched, seen nowhere, and the note says why */
            cr_expect_eq(c->on, 0u, "%s", c->id);
            cr_expect_eq(c->seen, 0u, "%s", c->id);
            cr_expect(c->note && *c->note, "%s has no reason", c->id);
            continue;
        }
        cr_expect_neq(c->on, 0u, "%s watches nothing", c->id);
        cr_expect_eq(c->on >> FACT__COUNT, 0u, "%s watches an unknown fact", c->id);
        cr_expect_neq(c->seen, 0u, "%s is seen nowhere", c->id);
        cr_expect_not_null(c->message, "%s has no wording", c->id);
        for (size_t e = 0; e < NELEMS(c->events); e++)
            cr_expect_lt((unsigned)c->events[e], (unsigned)EV__COUNT, "%s", c->id);
    }
}

Test(checks, the_report_severity_is_the_spec_level_folded)
{
    cr_expect_eq(check_severity(LEVEL_CRITICAL), SEV_ERROR);
    cr_expect_eq(check_severity(LEVEL_HIGH), SEV_ERROR);
    cr_expect_eq(check_severity(LEVEL_MEDIUM), SEV_WARNING);
    cr_expect_eq(check_severity(LEVEL_LOW), SEV_WARNING);
    cr_expect_eq(check_severity(LEVEL_INFO), SEV_INFO);
    /* spot checks of the spec's levels (the whole column: tests/e2e/violations-doc.sh) */
    static const struct {
        const char *id;
        enum spec_level level;
    } levels[] = {{"B1", LEVEL_CRITICAL}, {"E2", LEVEL_CRITICAL}, {"C12", LEVEL_HIGH},
                  {"F5", LEVEL_HIGH},     {"A3", LEVEL_MEDIUM},   {"A4", LEVEL_LOW},
                  {"G2", LEVEL_LOW},      {"C22", LEVEL_INFO},    {"L4", LEVEL_INFO},
                  {"L5", LEVEL_INFO}};
    for (size_t i = 0; i < NELEMS(levels); i++)
        cr_expect_eq(check_find(levels[i].id)->level, levels[i].level, "%s", levels[i].id);
}

/* The sections of |cite| ("RFC 6120 §4.2, §4.3.3; XEP-0170 §2") as "RFC 6120 §4.2" strings. */
static bool
cites(const char *cite, const char *doc, const char *section)
{
    char current[32] = "";
    for (const char *p = cite; *p;) {
        if (strncmp(p, "RFC ", 4) == 0 || strncmp(p, "XEP-", 4) == 0) {
            size_t n = strcspn(p + 4, " ,;") + 4;
            snprintf(current, sizeof current, "%.*s", (int)n, p);
            p += n;
        } else if (strncmp(p, "§", strlen("§")) == 0) {
            p += strlen("§");
            size_t n = strcspn(p, " ,;–");
            if (strcmp(current, doc) == 0 &&
                (!section || (strlen(section) == n && strncmp(p, section, n) == 0)))
                return true;
            p += n;
        } else {
            p++;
        }
    }
    return !section && strstr(cite, doc) != NULL;
}

Test(checks, the_reports_ref_is_a_section_the_spec_cites)
{
    /*
     * The report keeps the refs it printed before the table (reports compare),
     * two of them outside the spec's citation: A9 cites the content namespace
     * (§4.8.2) the check is about, the spec the prefix rules; A16 the order of
     * negotiation (§4.3.7), the spec its security note (§13.3).
     */
    static const char *const elsewhere[] = {"A9", "A16"};
    for (size_t i = 0; i < check_table_len; i++) {
        const struct check *c = &check_table[i];
        if (!c->ref)
            continue;
        bool exception = false;
        for (size_t e = 0; e < NELEMS(elsewhere); e++)
            exception = exception || strcmp(c->id, elsewhere[e]) == 0;
        char doc[32];
        const char *sec = strstr(c->ref, " §");
        snprintf(doc, sizeof doc, "%.*s", sec ? (int)(sec - c->ref) : (int)strcspn(c->ref, " ,"),
                 c->ref);
        if (strncmp(doc, "RFC 6121", 8) == 0)
            snprintf(doc, sizeof doc, "RFC 6121"); /* "RFC 6121 App. E" */
        bool found = cites(c->cite, doc, sec ? sec + strlen(" §") : NULL);
        cr_expect(found != exception, "%s: ref '%s', cite '%s'", c->id, c->ref, c->cite);
    }
}

/*
 * The whole of login-spec §3 against the table, when the spec is at hand
 * (next to the checkout, ../shared/spec/, as in CI; or $SPEC).
 */
static char *
read_spec(void)
{
    const char *path = getenv("SPEC");
    char buf[4096];
    const char *td = getenv("TESTDATA");
    if (!path && td) {
        snprintf(buf, sizeof buf, "%s/../../shared/spec/login-spec.md", td);
        path = buf;
    }
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, m);
    fclose(f);
    fclose(m);
    return text;
}

Test(checks, the_table_is_login_spec_section_3_when_the_spec_is_at_hand)
{
    char *spec = read_spec();
    if (!spec)
        cr_skip_test("login-spec.md is not next to the checkout (set SPEC to check it)");
    const char *from = strstr(spec, "## 3. "), *to = strstr(spec, "## 4. ");
    cr_assert(from && to);
    int rows = 0;
    char group_doc['Z'] = {0};
    char docs['Z'][16];
    for (const char *line = from; line && line < to; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        char id[8], name[64];
        int pos = 0;
        if (sscanf(line, "| %7[A-L0-9] | %n", id, &pos) != 1 || !pos || id[0] < 'A' || id[1] < '1' ||
            id[1] > '9')
            continue;
        const struct check *c = check_find(id);
        cr_expect_not_null(c, "%s is not in the table", id);
        rows++;
        const char *cells[6];
        cells[0] = line + 2;
        for (int k = 1; k < 6; k++)
            cells[k] = strstr(cells[k - 1], " | ") + 3;
        const char *tick = strchr(cells[1], '`');
        cr_assert(tick && sscanf(tick, "`%63[^`]`", name) == 1, "%s", id);
        size_t cite_len = strcspn(cells[5], "|") - 1;
        char cite[256];
        snprintf(cite, sizeof cite, "%.*s", (int)cite_len, cells[5]);
        /* a citation that starts with a section names the document of its group's first row */
        if (!group_doc[(int)id[0]]) {
            group_doc[(int)id[0]] = 1;
            snprintf(docs[(int)id[0]], sizeof docs[0], "%.*s", (int)strcspn(cite, "§") - 1, cite);
        }
        char full[300];
        if (strncmp(cite, "§", strlen("§")) == 0)
            snprintf(full, sizeof full, "%s %s", docs[(int)id[0]], cite);
        else
            snprintf(full, sizeof full, "%s", cite);
        if (!c)
            continue;
        cr_expect_str_eq(c->name, name, "%s", id);
        cr_expect_str_eq(c->cite, full, "%s", id);
        /* the severity cell's first level word is the row's level */
        const char *lv = NULL;
        for (int l = LEVEL_CRITICAL; l >= LEVEL_INFO; l--) {
            const char *at = strstr(cells[2], spec_level_name((enum spec_level)l));
            if (at && at < cells[3] && (!lv || at < lv))
                lv = at;
        }
        cr_expect(lv && strncmp(lv, spec_level_name(c->level), strlen(spec_level_name(c->level))) == 0,
                  "%s: level %s, spec '%.20s'", id, spec_level_name(c->level), cells[2]);
    }
    cr_expect_eq(rows, 156, "%d ids in login-spec §3", rows);
    free(spec);
}

Test(checks, the_doc_lists_every_row)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    checks_write_markdown(m);
    fclose(m);
    size_t rows = 0;
    for (const char *p = text; (p = strstr(p, "\n| ")) != NULL; p++)
        rows += p[3] >= 'A' && p[3] <= 'L' && p[4] >= '1' && p[4] <= '9';
    cr_expect_eq(rows, check_table_len, "%zu rows", rows);
    cr_expect(strstr(text, "| A15 | `restricted-xml` | low | warning | RFC 6120 §11.1, §11.5, §11.6 |"),
              "%s", text);
    free(text);
}

/* ---- the predicates, on hand-made facts ------------------------------------------------------ */

static struct login *
fresh(void)
{
    struct login_options opt = {0};
    struct login *l = login_new(&opt);
    l->state = ST_NEG;
    return l;
}

/* Asks row |id| about |f| in |l|; the finding's wording goes to |*message| (may be NULL). */
static bool
holds(const char *id, const struct login *l, const struct fact *f, struct finding *out)
{
    const struct check *c = check_find(id);
    cr_assert_not_null(c, "%s", id);
    cr_assert_not_null(c->holds, "%s", id);
    memset(out, 0, sizeof *out);
    out->seq = f->seq;
    out->severity = -1;
    out->hits = 1;
    return c->holds(l, f, out);
}

Test(checks, b1_and_b2_hold_on_credentials_read_in_clear_only)
{
    struct login *l = fresh();
    struct attempt a = {.mechanism = "PLAIN"};
    struct sasl_decoded d = {.present = true, .has_secret = true, .authcid = "alice"};
    struct fact f = {.kind = FACT_CREDENTIALS, .dir = 'C', .seq = 7};
    f.u.cred.attempt = &a;
    f.u.cred.sasl = &d;
    struct finding out;
    cr_expect(holds("B1", l, &f, &out));
    cr_expect_str_eq(out.message, "PLAIN password of 'alice' sent without TLS");
    free(out.message);
    cr_expect_not(holds("B2", l, &f, &out), "a readable secret is B1, not B2");
    l->tls_active = true;
    cr_expect_not(holds("B1", l, &f, &out), "over TLS");
    l->tls_active = false;
    struct sasl_decoded scram = {.present = true, .hash_material = true};
    a.mechanism = "SCRAM-SHA-1";
    f.u.cred.sasl = &scram;
    cr_expect_not(holds("B1", l, &f, &out));
    cr_expect(holds("B2", l, &f, &out));
    free(out.message);
    login_free(l);
}

Test(checks, b3_or_b4_by_whether_starttls_was_required)
{
    struct login *l = fresh();
    struct fact f = {.kind = FACT_CLEAR_STEP, .dir = 'C', .ev = EV_AUTH, .seq = 3};
    struct finding out;
    cr_expect_not(holds("B3", l, &f, &out), "STARTTLS not offered");
    l->starttls_offered = true;
    cr_expect(holds("B3", l, &f, &out));
    cr_expect_not(holds("B4", l, &f, &out));
    l->s.tls.required = TRI_TRUE;
    cr_expect_not(holds("B3", l, &f, &out));
    cr_expect(holds("B4", l, &f, &out));
    l->tls_active = true;
    cr_expect_not(holds("B4", l, &f, &out));
    login_free(l);
}

Test(checks, counting_rules_hold_once_at_their_threshold)
{
    struct login *l = fresh();
    struct attempt a = {.mechanism = "PLAIN", .result = AUTH_FAILURE};
    struct fact v = {.kind = FACT_VERDICT, .dir = 'S', .seq = 9};
    v.u.verdict.attempt = &a;
    struct finding out;
    for (unsigned n = 1; n <= 8; n++) {
        l->epoch_failures = n;
        bool c9 = holds("C9", l, &v, &out);
        cr_expect_eq(c9, n == 6, "C9 at %u failures", n); /* more than 5 (RFC 6120 §6.4.5) */
        free(out.message);
    }
    struct fact b = {.kind = FACT_EVENT, .dir = 'S', .ev = EV_BIND_ERROR, .seq = 4};
    for (unsigned n = 9; n <= 12; n++) {
        l->bind_errors = n;
        bool d10 = holds("D10", l, &b, &out);
        cr_expect_eq(d10, n == 11, "D10 at %u errors", n);
        free(out.message);
    }
    struct fact r = {.kind = FACT_REDIRECTS};
    r.u.redirects.src = "192.0.2.1";
    r.u.redirects.src_len = 9;
    for (unsigned run = 4; run <= 7; run++) {
        r.u.redirects.run = run;
        cr_expect_eq(holds("K8", l, &r, &out), run > 5, "K8 at %u", run);
        free(out.message);
    }
    login_free(l);
}

Test(checks, a15_reads_the_framers_mark_not_the_message)
{
    struct login *l = fresh();
    struct frame marked = {.kind = FRAME_ERROR, .message = "restricted XML: comment", .restricted = true};
    struct frame plain = {.kind = FRAME_ERROR, .message = "restricted XML: comment"};
    struct fact f = {.kind = FACT_EVENT, .dir = 'C', .ev = EV_XML_ERROR, .seq = 2};
    struct finding out;
    f.u.xml.frame = &marked;
    cr_expect(holds("A15", l, &f, &out));
    cr_expect_str_eq(out.message, "restricted XML: comment");
    free(out.message);
    f.u.xml.frame = &plain;
    cr_expect_not(holds("A15", l, &f, &out), "the wording alone is no finding");
    login_free(l);
}

Test(checks, severity_and_step_as_the_case_says)
{
    struct login *l = fresh();
    struct finding out;
    struct fact e = {.kind = FACT_EVENT, .dir = 'S', .ev = EV_STREAM_ERROR, .seq = 5,
                     .detail = "not-authorized"};
    cr_expect(holds("K1", l, &e, &out));
    cr_expect_eq(out.severity, SEV_WARNING);
    free(out.message);
    e.detail = "conflict";
    cr_expect(holds("K1", l, &e, &out));
    cr_expect_eq(out.severity, -1, "the row's: info");
    cr_expect_str_eq(out.message, "stream error: conflict");
    free(out.message);
    /* C17 belongs to the <auth/> that carried no data, not to the <success/> */
    struct attempt a = {.mechanism = "PLAIN"};
    l->cur = &a;
    l->auth_no_data = true;
    l->auth_no_data_seq = 3;
    struct fact s = {.kind = FACT_EVENT, .dir = 'S', .ev = EV_SUCCESS, .seq = 8};
    cr_expect(holds("C17", l, &s, &out));
    cr_expect_eq(out.seq, 3u);
    free(out.message);
    l->cur = NULL;
    login_free(l);
}

/* ---- the engine -------------------------------------------------------------------------------- */

static const struct violation *
violation_of(const struct login *l, const char *code)
{
    for (size_t i = 0; i < l->s.nviolations; i++)
        if (strcmp(l->s.violations[i].code, code) == 0)
            return &l->s.violations[i];
    return NULL;
}

Test(checks, an_element_out_of_order_is_named_once_by_the_first_row_that_holds)
{
    struct login *l = fresh();
    l->state = ST_HDR_C;
    struct fact f = {.kind = FACT_OUT_OF_ORDER, .dir = 'C', .ev = EV_AUTH, .seq = 2};
    cr_expect(checks_raise(l, &f));
    cr_expect_eq(l->s.nviolations, 1u);
    cr_expect_not_null(violation_of(l, "C1"), "auth before the features is C1, not A3 too");
    f.ev = EV_STARTTLS;
    f.seq = 3;
    cr_expect(checks_raise(l, &f));
    cr_expect_not_null(violation_of(l, "A3"));
    cr_expect_null(violation_of(l, "B7"));
    l->state = ST_DONE;
    l->authed = true;
    f.ev = EV_STANZA_MESSAGE;
    f.seq = 4;
    cr_expect_not(checks_raise(l, &f), "a stanza once authenticated is D6/D7's, not A16");
    login_free(l);
}

Test(checks, a_rule_broken_twice_at_one_step_is_one_violation_counted_twice)
{
    struct login *l = fresh();
    struct stanza *err = stanza_new("iq", NULL, NS_CLIENT);
    for (int i = 0; i < 2; i++) {
        struct stanza *q = stanza_new("query", NULL, NS_IQ_AUTH);
        struct stanza *pw = stanza_new("password", NULL, NS_IQ_AUTH);
        stanza_add_text(pw, "secret", 6);
        stanza_add_child(q, pw);
        stanza_add_child(err, q);
    }
    struct fact f = {.kind = FACT_EVENT, .dir = 'S', .ev = EV_LEGACY_AUTH_ERROR, .seq = 6, .el = err};
    cr_expect(checks_raise(l, &f));
    const struct violation *v = violation_of(l, "E8");
    cr_assert_not_null(v);
    cr_expect_eq(v->count, 2ul);
    cr_expect_eq(v->seq, 6u);
    cr_expect_eq(v->severity, SEV_ERROR);
    cr_expect_str_eq(v->ref, "XEP-0078 §3.1");
    cr_expect_str_eq(v->message, "the server's error repeats the password it was sent");
    stanza_free(err);
    login_free(l);
}

Test(checks, a_row_that_holds_with_no_wording_says_the_rows)
{
    struct login *l = fresh();
    struct fact f = {.kind = FACT_EVENT, .dir = 'S', .ev = EV_COMPRESSED, .seq = 11};
    cr_expect(checks_raise(l, &f));
    const struct violation *v = violation_of(l, "G2");
    cr_assert_not_null(v);
    cr_expect_str_eq(v->message, check_find("G2")->message);
    cr_expect_eq(v->severity, SEV_WARNING);
    login_free(l);
}
