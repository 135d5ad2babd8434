/* test_report: result records, summary, and the text/json/jsonl writers. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "report.h"
#include "xalloc.h"

#define SECRET "S3cr3t-Test-Pass"
/* 2026-11-24T09:46:37.644636Z */
#define T0 INT64_C(1795513597644636)
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Building sessions by hand. */

static void
add_phase(struct session *s, char dir, usec_t off, const char *event, enum phase ph,
          const char *summary)
{
    s->phases = xreallocarray(s->phases, s->nphases + 1, sizeof(*s->phases));
    struct phase_event *e = &s->phases[s->nphases++];
    memset(e, 0, sizeof(*e));
    e->seq = (unsigned)s->nphases;
    e->dir = dir;
    e->time = s->start + off;
    e->event = xstrdup(event);
    e->phase = ph;
    e->summary = xstrdup(summary);
}

static void
add_attempt(struct session *s, const char *mech, enum auth_result r, const char *cond, enum tri tls,
            bool plaintext, bool has_cred, const char *authzid, const char *authcid,
            const char *password)
{
    s->auth.attempts =
        xreallocarray(s->auth.attempts, s->auth.nattempts + 1, sizeof(*s->auth.attempts));
    struct attempt *a = &s->auth.attempts[s->auth.nattempts++];
    memset(a, 0, sizeof(*a));
    a->mechanism = xstrdup(mech);
    a->result = r;
    a->condition = xstrdup(cond);
    a->tls = tls;
    a->plaintext = plaintext;
    a->has_credentials = has_cred;
    a->credentials.authzid = xstrdup(authzid);
    a->credentials.authcid = xstrdup(authcid);
    a->credentials.password = xstrdup(password);
}

static void
add_violation(struct session *s, const char *code, enum severity sev, unsigned seq,
              const char *message, const char *ref)
{
    s->violations = xreallocarray(s->violations, s->nviolations + 1, sizeof(*s->violations));
    struct violation *v = &s->violations[s->nviolations++];
    memset(v, 0, sizeof(*v));
    snprintf(v->code, sizeof(v->code), "%s", code);
    v->severity = sev;
    v->seq = seq;
    v->message = xstrdup(message);
    v->ref = ref;
}

/* Session 1: a full STARTTLS + PLAIN login read from a log, with one failed try. */
static struct session *
full_session(unsigned id)
{
    struct session *s = xcalloc(1, sizeof(*s));
    s->id = id;
    s->input = xstrdup("ejabberd.log");
    s->transport = TRANSPORT_TCP;
    s->client = xstrdup("127.0.0.1:49354");
    s->server = xstrdup("127.0.0.1:5222");
    s->domain = xstrdup("xmppflow.test");
    s->start = T0;
    s->end = T0 + 123400;
    s->user = xstrdup("alice");
    s->jid = xstrdup("alice@xmppflow.test/laptop");
    s->tls.offered = TRI_TRUE;
    s->tls.required = TRI_FALSE;
    s->tls.negotiated = TRI_TRUE;
    s->tls.before_auth = TRI_TRUE;
    s->auth.offered_known = true;
    s->auth.noffered = 2;
    s->auth.offered = xcalloc(2, sizeof(char *));
    s->auth.offered[0] = xstrdup("SCRAM-SHA-1");
    s->auth.offered[1] = xstrdup("PLAIN");
    s->auth.mechanism = xstrdup("PLAIN");
    s->auth.outcome = AUTH_SUCCESS;
    add_attempt(s, "PLAIN", AUTH_FAILURE, "not-authorized", TRI_TRUE, true, true, NULL, "alice",
                SECRET);
    add_attempt(s, "PLAIN", AUTH_SUCCESS, NULL, TRI_TRUE, true, true, NULL, "alice", SECRET);
    s->outcome = OUTCOME_ESTABLISHED;
    add_phase(s, 'C', 0, "stream-open", PHASE_STREAM,
              "<stream:stream to='xmppflow.test' version='1.0'>");
    add_phase(s, 'S', 1200, "features", PHASE_STREAM,
              "<stream:features><starttls/><mechanisms>...</mechanisms></stream:features>");
    add_phase(s, 'C', 2000, "starttls", PHASE_TLS, "<starttls/>");
    add_phase(s, 'S', 2500, "proceed", PHASE_TLS, "<proceed/>");
    add_phase(s, '-', 20100, "tls-established", PHASE_TLS, "");
    add_phase(s, 'C', 30000, "auth(PLAIN)", PHASE_AUTH,
              "<auth mechanism='PLAIN'>" REPORT_HIDDEN "</auth>");
    add_phase(s, 'S', 32000, "failure(not-authorized)", PHASE_AUTH,
              "<failure><not-authorized/></failure>");
    add_phase(s, 'C', 33000, "auth(PLAIN)", PHASE_AUTH,
              "<auth mechanism='PLAIN'>" REPORT_HIDDEN "</auth>");
    add_phase(s, 'S', 35200, "success", PHASE_AUTH, "<success/>");
    add_phase(s, 'C', 50000, "bind", PHASE_BIND, "<iq type='set'><bind/></iq>");
    add_phase(s, 'S', 60000, "bind-result", PHASE_BIND,
              "<iq type='result'><bind><jid>alice@xmppflow.test/laptop</jid></bind></iq>");
    add_phase(s, 'C', 70000, "other:ping", PHASE_NONE, "<ping/>");
    add_violation(s, "C7", SEV_WARNING, 7, "authentication failed before a retry",
                  "RFC 6120 \302\2476.4.5");
    add_violation(s, "A17", SEV_INFO, 0, "whole-session finding", NULL);
    s->durations.total = 123.4;
    s->durations.to_tls = 20.1;
    s->durations.auth = 5.2;
    s->durations.to_bound = 60.0;
    s->has_log = true;
    s->log_pid = xstrdup("<0.505.0>");
    s->first_line = 3;
    s->last_line = 57;
    return s;
}

/* Session 2: almost nothing known (every nullable field null). */
static struct session *
null_session(unsigned id)
{
    struct session *s = xcalloc(1, sizeof(*s));
    s->id = id;
    s->input = xstrdup("capture.pcap");
    s->transport = TRANSPORT_BOSH;
    s->start = T0 + 1000000;
    s->end = T0 + 1005000;
    s->auth.outcome = AUTH_NONE;
    add_attempt(s, NULL, AUTH_NONE, NULL, TRI_NULL, false, false, NULL, NULL, NULL);
    s->outcome = OUTCOME_INCOMPLETE;
    add_phase(s, '-', 0, "other:foo", PHASE_NONE, "<foo/>");
    s->durations.total = 5.0;
    s->durations.to_tls = -1;
    s->durations.auth = -1;
    s->durations.to_bound = -1;
    return s;
}

/* Session 3: PLAIN without TLS, user known only as the authcid. */
static struct session *
cleartext_session(unsigned id)
{
    struct session *s = xcalloc(1, sizeof(*s));
    s->id = id;
    s->input = xstrdup("capture.pcap");
    s->transport = TRANSPORT_TCP;
    s->client = xstrdup("[2001:db8::1]:40000");
    s->server = xstrdup("[2001:db8::2]:5222");
    s->domain = xstrdup("xmppflow.test");
    s->start = T0 + 2000000;
    s->end = T0 + 2010000;
    s->tls.offered = TRI_FALSE;
    s->tls.required = TRI_FALSE;
    s->tls.negotiated = TRI_FALSE;
    s->tls.before_auth = TRI_FALSE;
    s->auth.offered_known = true; /* features seen, no mechanisms listed */
    s->auth.mechanism = xstrdup("PLAIN");
    s->auth.outcome = AUTH_FAILURE;
    add_attempt(s, "PLAIN", AUTH_FAILURE, "not-authorized", TRI_FALSE, true, true, "admin", "bob",
                SECRET);
    s->outcome = OUTCOME_AUTH_FAILED;
    add_phase(s, 'C', 0, "stream-open", PHASE_STREAM, "<stream:stream>");
    add_phase(s, 'C', 1500, "auth(PLAIN)", PHASE_AUTH, "<auth mechanism='PLAIN'/>");
    add_violation(s, "B1", SEV_ERROR, 2, "PLAIN password readable without TLS",
                  "RFC 6120 \302\24713.8.3");
    s->durations.total = 10.0;
    s->durations.to_tls = -1;
    s->durations.auth = 0.0004; /* rounds to 0.0 */
    s->durations.to_bound = -1;
    s->password_on_wire = true;
    return s;
}

static struct session *
make_session(unsigned id)
{
    switch (id % 3) {
    case 1:
        return full_session(id);
    case 2:
        return null_session(id);
    default:
        return cleartext_session(id);
    }
}

static struct input_info *
make_inputs(size_t *n)
{
    struct input_info *in = xcalloc(3, sizeof(*in));
    in[0].path = xstrdup("ejabberd.log");
    in[0].type = INPUT_EJLOG;
    in[0].size_bytes = 4096;
    in[0].count = 57;
    input_info_add_error(&in[0], "unknown log line", 12, 0, -1);
    in[1].path = xstrdup("capture.pcap");
    in[1].type = INPUT_PCAP;
    in[1].size_bytes = 9000;
    in[1].count = 42;
    input_info_add_error(&in[1], "truncated packet", 0, 41, 8800);
    in[2].path = xstrdup("missing.bin");
    in[2].type = INPUT_UNKNOWN;
    in[2].size_bytes = -1;
    *n = 3;
    return in;
}

static void
free_inputs(struct input_info *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        input_info_clear(&in[i]);
    free(in);
}

/*
 * Writes sessions |ids| (handed over in that order) in |format| into a
 * memory stream and returns the output; the caller frees it.
 */
static char *
render(enum report_format format, bool show_secrets, const unsigned *ids, size_t nids)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    cr_assert_not_null(f);
    struct report_options opt = {.format = format, .show_secrets = show_secrets, .tool_version = "1.2.3"};
    struct report_writer *w = report_writer_new(&opt, f);
    struct summary *sm = summary_new();
    for (size_t i = 0; i < nids; i++) {
        struct session *s = make_session(ids[i]);
        summary_add(sm, s);
        report_session(w, s);
    }
    size_t ninputs;
    struct input_info *inputs = make_inputs(&ninputs);
    cr_expect_eq(report_finish(w, inputs, ninputs, sm), 0);
    report_writer_free(w);
    free_inputs(inputs, ninputs);
    summary_free(sm);
    fclose(f);
    return data;
}

static const unsigned three[] = {2, 3, 1}; /* handed over out of id order */

static json_t *
parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    cr_assert_not_null(j, "json_loads: %s (line %d)", err.text, err.line);
    return j;
}

static void
expect_keys(json_t *o, const char *const *keys, size_t n, const char *what)
{
    cr_assert(json_is_object(o), "%s is an object", what);
    size_t i = 0;
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
        if (i < n)
            cr_expect_str_eq(json_object_iter_key(it), keys[i], "%s key %zu", what, i);
    }
    cr_expect_eq(i, n, "%s has %zu keys, expected %zu", what, i, n);
}

static size_t
count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Names and times */

Test(report, names_are_spelled_as_in_the_schema)
{
    cr_expect_str_eq(transport_name(TRANSPORT_TCP), "tcp");
    cr_expect_str_eq(transport_name(TRANSPORT_WEBSOCKET), "websocket");
    cr_expect_str_eq(outcome_name(OUTCOME_AUTH_FAILED), "auth-failed");
    cr_expect_str_eq(outcome_name(OUTCOME_OPAQUE), "opaque");
    cr_expect_str_eq(auth_result_name(AUTH_NONE), "none");
    cr_expect_str_eq(auth_result_name(AUTH_FAILURE), "failure");
    cr_expect_null(phase_name(PHASE_NONE));
    cr_expect_str_eq(phase_name(PHASE_CONNECT), "CONNECT");
    cr_expect_str_eq(phase_name(PHASE_ESTABLISHED), "ESTABLISHED");
    cr_expect_str_eq(phase_name(PHASE_ERROR), "ERROR");
    cr_expect_str_eq(severity_name(SEV_WARNING), "warning");
    cr_expect_null(input_type_name(INPUT_UNKNOWN));
    cr_expect_str_eq(input_type_name(INPUT_EJLOG), "ejabberd-log");
    cr_expect_str_eq(input_type_name(INPUT_PCAPNG), "pcapng");
}

Test(report, out_of_range_names_do_not_crash)
{
    cr_expect_str_eq(outcome_name((enum outcome)99), "unknown");
    cr_expect_null(phase_name((enum phase)99));
    cr_expect_null(input_type_name((enum input_type)99));
}

Test(report, format_time_writes_rfc3339_utc_with_microseconds)
{
    static const struct {
        usec_t t;
        const char *want;
    } rows[] = {
        {T0, "2026-11-24T09:46:37.644636Z"},
        {0, "1970-01-01T00:00:00.000000Z"},
        {1, "1970-01-01T00:00:00.000001Z"},
        {-1, "1969-12-31T23:59:59.999999Z"},
        {-1000000, "1969-12-31T23:59:59.000000Z"},
        {INT64_C(951782400000000), "2000-02-29T00:00:00.000000Z"},
        {INT64_MAX, "9999-12-31T23:59:59.999999Z"},
        {INT64_MIN, "0001-01-01T00:00:00.000000Z"},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        char out[28];
        format_time(rows[i].t, out, sizeof(out));
        cr_expect_str_eq(out, rows[i].want, "row %zu", i);
    }
}

/* Against the C library over the whole range, leap years and negative times included. */
Test(report, format_time_agrees_with_gmtime_everywhere)
{
    srand(4242);
    for (int i = 0; i < 200000; i++) {
        /* years 0001..9999 */
        int64_t secs = INT64_C(-62135596800) +
                       (int64_t)((((uint64_t)rand() << 31) ^ (uint64_t)rand()) %
                                 UINT64_C(315537897600));
        if (i < 1000) /* and densely around the epoch and 2000-02-29 */
            secs = (i % 2 ? INT64_C(951782400) : 0) + (i - 500) * INT64_C(43201);
        int usec = rand() % 1000000;
        time_t tt = (time_t)secs;
        struct tm tm;
        cr_assert_not_null(gmtime_r(&tt, &tm));
        char want[64], got[40];
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
        format_time(secs * 1000000 + usec, got, sizeof(got));
        cr_assert_str_eq(got, want, "seconds %lld", (long long)secs);
    }
}

Test(report, format_time_respects_a_short_buffer)
{
    char out[12];
    memset(out, 'x', sizeof(out));
    format_time(T0, out, 11);
    cr_expect_str_eq(out, "2026-11-24");
    cr_expect_eq(out[11], 'x');
    format_time(T0, out, 0); /* writes nothing */
    cr_expect_str_eq(out, "2026-11-24");
}

/* Records */

Test(report, session_clear_frees_and_can_run_twice)
{
    struct session *s = full_session(1);
    session_clear(s);
    cr_expect_null(s->phases);
    cr_expect_eq(s->nphases, 0);
    session_clear(s);
    free(s);
}

Test(report, input_info_add_error_copies_message)
{
    struct input_info in = {0};
    char msg[] = "bad frame";
    input_info_add_error(&in, msg, 0, 7, -1);
    input_info_add_error(&in, "second", 3, 0, 10);
    msg[0] = 'X';
    cr_assert_eq(in.nerrors, 2);
    cr_expect_str_eq(in.errors[0].message, "bad frame");
    cr_expect_eq(in.errors[0].packet, 7);
    cr_expect_eq(in.errors[0].offset, -1);
    cr_expect_eq(in.errors[1].line, 3);
    cr_expect_eq(in.errors[1].offset, 10);
    input_info_clear(&in);
    cr_expect_eq(in.nerrors, 0);
    cr_expect_null(in.errors);
}

/* Summary */

Test(summary, percentiles_are_nearest_rank)
{
    struct summary *sm = summary_new();
    /* 1..100 in a scrambled order */
    for (unsigned i = 0; i < 100; i++) {
        struct session s = {0};
        s.durations.to_bound = (double)((i * 37) % 100 + 1);
        summary_add(sm, &s);
    }
    cr_expect_eq(sm->nlatencies, 100);
    cr_expect_eq(summary_percentile(sm, 50), 50.0);
    cr_expect_eq(summary_percentile(sm, 90), 90.0);
    cr_expect_eq(summary_percentile(sm, 99), 99.0);
    cr_expect_eq(summary_percentile(sm, 100), 100.0);
    cr_expect_eq(summary_percentile(sm, 0), 1.0);
    cr_expect_eq(sm->latencies[0], 1.0, "percentiles leave the input order alone");
    cr_expect_eq(sm->latencies[1], 38.0);
    summary_free(sm);
}

Test(summary, percentiles_of_few_values)
{
    static const double v[] = {60.0, 10.0, 30.0, 20.0};
    struct summary *sm = summary_new();
    for (size_t i = 0; i < NELEMS(v); i++) {
        struct session s = {0};
        s.durations.to_bound = v[i];
        summary_add(sm, &s);
    }
    cr_expect_eq(summary_percentile(sm, 50), 20.0); /* rank ceil(2.0) = 2 */
    cr_expect_eq(summary_percentile(sm, 51), 30.0); /* rank ceil(2.04) = 3 */
    cr_expect_eq(summary_percentile(sm, 90), 60.0);
    cr_expect_eq(summary_percentile(sm, 100), 60.0);
    summary_free(sm);
}

Test(summary, percentile_without_latencies_is_negative)
{
    struct summary *sm = summary_new();
    struct session s = {0};
    s.durations.to_bound = -1;
    summary_add(sm, &s);
    cr_expect_eq(sm->nlatencies, 0);
    cr_expect_lt(summary_percentile(sm, 50), 0.0);
    summary_free(sm);
}

Test(summary, counts_outcomes_transports_mechanisms_users_and_codes)
{
    struct summary *sm = summary_new();
    unsigned ids[] = {1, 2, 3, 4, 6};
    for (size_t i = 0; i < NELEMS(ids); i++) {
        struct session *s = make_session(ids[i]);
        summary_add(sm, s);
        session_clear(s);
        free(s);
    }
    /* A second plaintext session of alice, and one with no name at all. */
    struct session *s = cleartext_session(9);
    s->user = xstrdup("alice");
    summary_add(sm, s);
    session_clear(s); /* an empty session: tcp, established, no mechanism, no name */
    s->password_in_log = true;
    s->durations.to_bound = -1;
    summary_add(sm, s);
    free(s);

    cr_expect_eq(sm->sessions, 7);
    cr_expect_eq(sm->by_outcome[OUTCOME_ESTABLISHED], 3);
    cr_expect_eq(sm->by_outcome[OUTCOME_INCOMPLETE], 1);
    cr_expect_eq(sm->by_outcome[OUTCOME_AUTH_FAILED], 3);
    cr_expect_eq(sm->by_outcome[OUTCOME_OPAQUE], 0);
    cr_expect_eq(sm->by_transport[TRANSPORT_TCP], 6);
    cr_expect_eq(sm->by_transport[TRANSPORT_BOSH], 1);

    cr_assert_eq(sm->nby_mechanism, 2);
    cr_expect_str_eq(sm->by_mechanism[0].name, "PLAIN"); /* first seen */
    cr_expect_eq(sm->by_mechanism[0].count, 5);
    cr_expect_str_eq(sm->by_mechanism[1].name, "none");
    cr_expect_eq(sm->by_mechanism[1].count, 2);

    /* Sessions 1, 4 (attempt.plaintext), 3, 6, 9 (on the wire), and the cleared one (log). */
    cr_expect_eq(sm->plaintext_sessions, 6);
    cr_assert_eq(sm->nplaintext_users, 2);
    cr_expect_str_eq(sm->plaintext_users[0], "alice");
    cr_expect_str_eq(sm->plaintext_users[1], "bob"); /* user NULL: the authcid */

    cr_assert_eq(sm->nby_code, 3);
    cr_expect_str_eq(sm->by_code[0].name, "A17");
    cr_expect_eq(sm->by_code[0].count, 2);
    cr_expect_str_eq(sm->by_code[1].name, "B1");
    cr_expect_eq(sm->by_code[1].count, 3);
    cr_expect_str_eq(sm->by_code[2].name, "C7");

    cr_expect_eq(sm->nlatencies, 2);
    summary_free(sm);
}

Test(summary, codes_sort_by_number_within_a_letter)
{
    struct summary *sm = summary_new();
    struct session s = {0};
    s.durations.to_bound = -1;
    add_violation(&s, "A10", SEV_INFO, 0, "x", NULL);
    add_violation(&s, "B1", SEV_INFO, 0, "x", NULL);
    add_violation(&s, "A2", SEV_INFO, 0, "x", NULL);
    add_violation(&s, "A10", SEV_INFO, 0, "x", NULL);
    summary_add(sm, &s);
    session_clear(&s);
    cr_assert_eq(sm->nby_code, 3);
    cr_expect_str_eq(sm->by_code[0].name, "A2");
    cr_expect_str_eq(sm->by_code[1].name, "A10");
    cr_expect_eq(sm->by_code[1].count, 2);
    cr_expect_str_eq(sm->by_code[2].name, "B1");
    summary_free(sm);
}

Test(summary, free_accepts_null)
{
    summary_free(NULL);
    report_writer_free(NULL);
}

/* json */

static const char *const session_keys[] = {
    "id",  "input", "transport", "client",  "server", "domain",     "start",        "end", "user",
    "jid", "tls",   "auth",      "outcome", "phases", "violations", "durations_ms", "log",
};

Test(json, document_has_schema_keys_in_order)
{
    char *out = render(REPORT_JSON, false, three, NELEMS(three));
    json_t *doc = parse(out);
    static const char *const top[] = {"tool", "inputs", "sessions", "summary"};
    expect_keys(doc, top, NELEMS(top), "document");
    json_t *tool = json_object_get(doc, "tool");
    cr_expect_str_eq(json_string_value(json_object_get(tool, "name")), "xmppflow");
    cr_expect_str_eq(json_string_value(json_object_get(tool, "version")), "1.2.3");

    json_t *sessions = json_object_get(doc, "sessions");
    cr_assert_eq(json_array_size(sessions), 3);
    json_t *s1 = json_array_get(sessions, 0);
    expect_keys(s1, session_keys, NELEMS(session_keys), "session 1");
    /* session 2 is BOSH: its TCP connections follow its server (added in 0.2), no log keys */
    static const char *const bosh_keys[] = {
        "id",      "input",  "transport",  "client",       "server", "connections", "domain",
        "start",   "end",    "user",       "jid",          "tls",    "auth",        "outcome",
        "phases",  "violations", "durations_ms",
    };
    expect_keys(json_array_get(sessions, 1), bosh_keys, NELEMS(bosh_keys), "session 2");

    static const char *const tls[] = {"offered", "required", "negotiated", "before_auth"};
    expect_keys(json_object_get(s1, "tls"), tls, NELEMS(tls), "tls");
    static const char *const auth[] = {"offered", "mechanism", "attempts", "outcome"};
    expect_keys(json_object_get(s1, "auth"), auth, NELEMS(auth), "auth");
    json_t *a0 = json_array_get(json_object_get(json_object_get(s1, "auth"), "attempts"), 0);
    static const char *const attempt[] = {"mechanism", "result",    "condition",
                                          "tls",       "plaintext", "credentials"};
    expect_keys(a0, attempt, NELEMS(attempt), "attempt");
    static const char *const cred[] = {"authzid", "authcid", "password"};
    expect_keys(json_object_get(a0, "credentials"), cred, NELEMS(cred), "credentials");
    static const char *const phase[] = {"seq", "dir", "time", "event", "phase", "summary"};
    expect_keys(json_array_get(json_object_get(s1, "phases"), 0), phase, NELEMS(phase), "phase");
    static const char *const viol[] = {"code", "severity", "seq", "message", "ref"};
    expect_keys(json_array_get(json_object_get(s1, "violations"), 0), viol, NELEMS(viol),
                "violation");
    static const char *const dur[] = {"total", "to_tls", "auth", "to_bound"};
    expect_keys(json_object_get(s1, "durations_ms"), dur, NELEMS(dur), "durations");
    static const char *const log[] = {"pid", "first_line", "last_line"};
    expect_keys(json_object_get(s1, "log"), log, NELEMS(log), "log");
    static const char *const sum[] = {"sessions",     "by_outcome",     "by_transport",
                                      "by_mechanism", "plaintext_auth", "plaintext_auth_wire",
                                      "plaintext_auth_log", "violations", "latency_ms"};
    expect_keys(json_object_get(doc, "summary"), sum, NELEMS(sum), "summary");
    json_decref(doc);
    free(out);
}

Test(json, document_is_indented_by_two_and_ends_with_newline)
{
    char *out = render(REPORT_JSON, false, three, NELEMS(three));
    cr_expect(strncmp(out, "{\n  \"tool\": {\n    \"name\": \"xmppflow\",", 36) == 0, "%.60s", out);
    size_t len = strlen(out);
    cr_expect(len > 2 && out[len - 1] == '\n' && out[len - 2] == '}');
    free(out);
}

Test(json, sessions_are_sorted_by_id)
{
    char *out = render(REPORT_JSON, false, three, NELEMS(three));
    json_t *doc = parse(out);
    json_t *sessions = json_object_get(doc, "sessions");
    for (size_t i = 0; i < 3; i++)
        cr_expect_eq(json_integer_value(json_object_get(json_array_get(sessions, i), "id")),
                     (json_int_t)i + 1);
    json_decref(doc);
    free(out);
}

Test(json, session_values)
{
    char *out = render(REPORT_JSON, false, three, NELEMS(three));
    json_t *doc = parse(out);
    json_t *s = json_array_get(json_object_get(doc, "sessions"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(s, "input")), "ejabberd.log");
    cr_expect_str_eq(json_string_value(json_object_get(s, "transport")), "tcp");
    cr_expect_str_eq(json_string_value(json_object_get(s, "client")), "127.0.0.1:49354");
    cr_expect_str_eq(json_string_value(json_object_get(s, "start")), "2026-11-24T09:46:37.644636Z");
    cr_expect_str_eq(json_string_value(json_object_get(s, "end")), "2026-11-24T09:46:37.768036Z");
    cr_expect_str_eq(json_string_value(json_object_get(s, "outcome")), "established");
    cr_expect(json_is_true(json_object_get(json_object_get(s, "tls"), "offered")));
    cr_expect(json_is_false(json_object_get(json_object_get(s, "tls"), "required")));

    json_t *auth = json_object_get(s, "auth");
    json_t *offered = json_object_get(auth, "offered");
    cr_assert_eq(json_array_size(offered), 2);
    cr_expect_str_eq(json_string_value(json_array_get(offered, 0)), "SCRAM-SHA-1");
    cr_expect_str_eq(json_string_value(json_object_get(auth, "outcome")), "success");
    json_t *a0 = json_array_get(json_object_get(auth, "attempts"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(a0, "result")), "failure");
    cr_expect_str_eq(json_string_value(json_object_get(a0, "condition")), "not-authorized");
    cr_expect(json_is_true(json_object_get(a0, "plaintext")));
    json_t *cred = json_object_get(a0, "credentials");
    cr_expect(json_is_null(json_object_get(cred, "authzid")));
    cr_expect_str_eq(json_string_value(json_object_get(cred, "authcid")), "alice");
    cr_expect_str_eq(json_string_value(json_object_get(cred, "password")), REPORT_HIDDEN);

    json_t *phases = json_object_get(s, "phases");
    cr_expect_eq(json_array_size(phases), 12);
    json_t *p5 = json_array_get(phases, 4);
    cr_expect_eq(json_integer_value(json_object_get(p5, "seq")), 5);
    cr_expect_str_eq(json_string_value(json_object_get(p5, "dir")), "-");
    cr_expect_str_eq(json_string_value(json_object_get(p5, "time")), "2026-11-24T09:46:37.664736Z");
    cr_expect_str_eq(json_string_value(json_object_get(p5, "phase")), "TLS");
    json_t *p12 = json_array_get(phases, 11);
    cr_expect_str_eq(json_string_value(json_object_get(p12, "event")), "other:ping");
    cr_expect(json_is_null(json_object_get(p12, "phase")));

    json_t *v = json_object_get(s, "violations");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "code")), "C7");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(v, 0), "seq")), 7);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "ref")),
                     "RFC 6120 \302\2476.4.5");
    cr_expect(json_is_null(json_object_get(json_array_get(v, 1), "seq")));
    cr_expect(json_is_null(json_object_get(json_array_get(v, 1), "ref")));

    json_t *d = json_object_get(s, "durations_ms");
    cr_expect_eq(json_real_value(json_object_get(d, "total")), 123.4);
    cr_expect_eq(json_real_value(json_object_get(d, "to_bound")), 60.0);
    cr_expect(strstr(out, "\"total\": 123.4,") != NULL, "no float noise");

    json_t *log = json_object_get(s, "log");
    cr_expect_str_eq(json_string_value(json_object_get(log, "pid")), "<0.505.0>");
    cr_expect_eq(json_integer_value(json_object_get(log, "first_line")), 3);
    cr_expect_eq(json_integer_value(json_object_get(log, "last_line")), 57);
    json_decref(doc);
    free(out);
}

Test(json, unknown_values_are_null)
{
    char *out = render(REPORT_JSON, false, three, NELEMS(three));
    json_t *doc = parse(out);
    json_t *s = json_array_get(json_object_get(doc, "sessions"), 1);
    static const char *const nulls[] = {"client", "server", "domain", "user", "jid"};
    for (size_t i = 0; i < NELEMS(nulls); i++)
        cr_expect(json_is_null(json_object_get(s, nulls[i])), "%s", nulls[i]);
    json_t *tls = json_object_get(s, "tls");
    cr_expect(json_is_null(json_object_get(tls, "offered")));
    cr_expect(json_is_null(json_object_get(tls, "before_auth")));
    json_t *auth = json_object_get(s, "auth");
    cr_expect(json_is_null(json_object_get(auth, "offered")));
    cr_expect(json_is_null(json_object_get(auth, "mechanism")));
    json_t *a0 = json_array_get(json_object_get(auth, "attempts"), 0);
    cr_expect(json_is_null(json_object_get(a0, "mechanism")));
    cr_expect(json_is_null(json_object_get(a0, "tls")));
    cr_expect(json_is_null(json_object_get(a0, "credentials")));
    cr_expect(json_is_false(json_object_get(a0, "plaintext")));
    json_t *d = json_object_get(s, "durations_ms");
    cr_expect(json_is_number(json_object_get(d, "total")));
    cr_expect(json_is_null(json_object_get(d, "to_tls")));
    cr_expect(json_is_null(json_object_get(d, "auth")));
    cr_expect(json_is_null(json_object_get(d, "to_bound")));
    cr_expect_null(json_object_get(s, "log"), "no log key without has_log");

    /* Session 3: a tiny duration rounds to 0, and no offered mechanisms is []. */
    json_t *s3 = json_array_get(json_object_get(doc, "sessions"), 2);
    json_t *auth3 = json_object_get(s3, "auth");
    cr_expect(json_is_array(json_object_get(auth3, "offered")));
    cr_expect_eq(json_array_size(json_object_get(auth3, "offered")), 0);
    cr_expect_eq(json_real_value(json_object_get(json_object_get(s3, "durations_ms"), "auth")),
                 0.0);
    json_t *cred =
        json_object_get(json_array_get(json_object_get(auth3, "attempts"), 0), "credentials");
    cr_expect_str_eq(json_string_value(json_object_get(cred, "authzid")), "admin");
    json_decref(doc);
    free(out);
}

Test(json, log_lines_are_omitted_when_zero)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    struct report_options opt = {.format = REPORT_JSON, .show_secrets = false, .tool_version = "1"};
    struct report_writer *w = report_writer_new(&opt, f);
    struct session *s = full_session(1);
    s->first_line = 0;
    s->last_line = 0;
    free(s->log_pid);
    s->log_pid = NULL;
    report_session(w, s);
    cr_expect_eq(report_finish(w, NULL, 0, NULL), 0);
    report_writer_free(w);
    fclose(f);
    json_t *doc = parse(data);
    json_t *log = json_object_get(json_array_get(json_object_get(doc, "sessions"), 0), "log");
    static const char *const keys[] = {"pid"};
    expect_keys(log, keys, 1, "log");
    cr_expect(json_is_null(json_object_get(log, "pid")));
    json_decref(doc);
    free(data);
}

Test(json, inputs_follow_their_type)
{
    char *out = render(REPORT_JSON, false, three, NELEMS(three));
    json_t *doc = parse(out);
    json_t *inputs = json_object_get(doc, "inputs");
    cr_assert_eq(json_array_size(inputs), 3);

    static const char *const log_keys[] = {"path", "type", "size_bytes", "lines", "log_eras", "log_formats", "errors"};
    json_t *in0 = json_array_get(inputs, 0);
    expect_keys(in0, log_keys, NELEMS(log_keys), "log input");
    cr_expect_str_eq(json_string_value(json_object_get(in0, "type")), "ejabberd-log");
    cr_expect_eq(json_integer_value(json_object_get(in0, "lines")), 57);
    json_t *e0 = json_array_get(json_object_get(in0, "errors"), 0);
    static const char *const e0_keys[] = {"message", "line"};
    expect_keys(e0, e0_keys, NELEMS(e0_keys), "log error");

    static const char *const pcap_keys[] = {"path", "type", "size_bytes", "packets", "errors"};
    json_t *in1 = json_array_get(inputs, 1);
    expect_keys(in1, pcap_keys, NELEMS(pcap_keys), "pcap input");
    json_t *e1 = json_array_get(json_object_get(in1, "errors"), 0);
    static const char *const e1_keys[] = {"message", "packet", "offset"};
    expect_keys(e1, e1_keys, NELEMS(e1_keys), "pcap error");
    cr_expect_eq(json_integer_value(json_object_get(e1, "offset")), 8800);

    static const char *const unknown_keys[] = {"path", "type", "size_bytes", "errors"};
    json_t *in2 = json_array_get(inputs, 2);
    expect_keys(in2, unknown_keys, NELEMS(unknown_keys), "unknown input");
    cr_expect(json_is_null(json_object_get(in2, "type")));
    cr_expect(json_is_null(json_object_get(in2, "size_bytes")));
    cr_expect_eq(json_array_size(json_object_get(in2, "errors")), 0);
    json_decref(doc);
    free(out);
}

Test(json, summary_values)
{
    char *out = render(REPORT_JSON, false, three, NELEMS(three));
    json_t *doc = parse(out);
    json_t *sm = json_object_get(doc, "summary");
    cr_expect_eq(json_integer_value(json_object_get(sm, "sessions")), 3);
    static const char *const outcomes[] = {"established", "auth-failed", "incomplete"};
    expect_keys(json_object_get(sm, "by_outcome"), outcomes, NELEMS(outcomes), "by_outcome");
    static const char *const transports[] = {"tcp", "bosh"};
    expect_keys(json_object_get(sm, "by_transport"), transports, NELEMS(transports),
                "by_transport");
    /* Handed over as 2, 3, 1: first seen is "none" (session 2). */
    static const char *const mechs[] = {"none", "PLAIN"};
    expect_keys(json_object_get(sm, "by_mechanism"), mechs, NELEMS(mechs), "by_mechanism");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(sm, "by_mechanism"), "PLAIN")),
                 2);
    json_t *plain = json_object_get(sm, "plaintext_auth");
    cr_expect_eq(json_integer_value(json_object_get(plain, "sessions")), 2);
    json_t *users = json_object_get(plain, "users");
    cr_assert_eq(json_array_size(users), 2);
    cr_expect_str_eq(json_string_value(json_array_get(users, 0)), "alice");
    cr_expect_str_eq(json_string_value(json_array_get(users, 1)), "bob");
    static const char *const codes[] = {"A17", "B1", "C7"};
    expect_keys(json_object_get(json_object_get(sm, "violations"), "by_code"), codes, NELEMS(codes),
                "by_code");
    json_t *lat = json_object_get(sm, "latency_ms");
    cr_expect_eq(json_real_value(json_object_get(lat, "p50")), 60.0);
    cr_expect_eq(json_real_value(json_object_get(lat, "max")), 60.0);
    json_decref(doc);
    free(out);
}

Test(json, empty_run_has_null_latencies_and_empty_maps)
{
    char *out = render(REPORT_JSON, false, NULL, 0);
    json_t *doc = parse(out);
    cr_expect_eq(json_array_size(json_object_get(doc, "sessions")), 0);
    json_t *sm = json_object_get(doc, "summary");
    cr_expect_eq(json_integer_value(json_object_get(sm, "sessions")), 0);
    cr_expect_eq(json_object_size(json_object_get(sm, "by_outcome")), 0);
    cr_expect_eq(json_object_size(json_object_get(sm, "by_mechanism")), 0);
    json_t *lat = json_object_get(sm, "latency_ms");
    static const char *const keys[] = {"p50", "p90", "p99", "max"};
    for (size_t i = 0; i < NELEMS(keys); i++)
        cr_expect(json_is_null(json_object_get(lat, keys[i])), "%s", keys[i]);
    json_decref(doc);
    free(out);
}

Test(json, invalid_utf8_in_input_text_still_gives_valid_json)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    struct report_options opt = {.format = REPORT_JSON, .show_secrets = false, .tool_version = "1"};
    struct report_writer *w = report_writer_new(&opt, f);
    struct session *s = null_session(1);
    free(s->phases[0].summary);
    s->phases[0].summary = xstrdup("<body>caf\xe9 \xed\xa0\x80</body>");
    s->user = xstrdup("b\xffob");
    report_session(w, s);
    cr_expect_eq(report_finish(w, NULL, 0, NULL), 0);
    report_writer_free(w);
    fclose(f);
    json_t *doc = parse(data);
    json_t *s1 = json_array_get(json_object_get(doc, "sessions"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(s1, "user")), "b\xef\xbf\xbdob");
    json_t *p = json_array_get(json_object_get(s1, "phases"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(p, "summary")),
                     "<body>caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd</body>");
    json_decref(doc);
    free(data);
}

/* Secrets, in every format */

Test(secrets, password_is_hidden_in_every_format)
{
    static const enum report_format formats[] = {REPORT_TEXT, REPORT_JSON, REPORT_JSONL};
    for (size_t i = 0; i < NELEMS(formats); i++) {
        char *out = render(formats[i], false, three, NELEMS(three));
        cr_expect_null(strstr(out, SECRET), "format %zu shows the password", i);
        cr_expect_not_null(strstr(out, REPORT_HIDDEN), "format %zu", i);
        free(out);
    }
}

Test(secrets, password_is_shown_with_show_secrets)
{
    static const enum report_format formats[] = {REPORT_TEXT, REPORT_JSON, REPORT_JSONL};
    for (size_t i = 0; i < NELEMS(formats); i++) {
        char *out = render(formats[i], true, three, NELEMS(three));
        cr_expect_not_null(strstr(out, SECRET), "format %zu hides the password", i);
        free(out);
    }
    char *out = render(REPORT_JSON, true, three, NELEMS(three));
    json_t *doc = parse(out);
    json_t *a0 = json_array_get(
        json_object_get(
            json_object_get(json_array_get(json_object_get(doc, "sessions"), 0), "auth"),
            "attempts"),
        0);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(a0, "credentials"), "password")), SECRET);
    json_decref(doc);
    free(out);
}

Test(secrets, null_password_stays_null)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    struct report_options opt = {.format = REPORT_JSONL, .show_secrets = false, .tool_version = "1"};
    struct report_writer *w = report_writer_new(&opt, f);
    struct session *s = null_session(1);
    add_attempt(s, "SCRAM-SHA-1", AUTH_SUCCESS, NULL, TRI_TRUE, false, true, NULL, "carol", NULL);
    report_session(w, s);
    cr_expect_eq(report_finish(w, NULL, 0, NULL), 0);
    report_writer_free(w);
    fclose(f);
    json_t *line = parse(strtok(data, "\n"));
    json_t *a1 = json_array_get(json_object_get(json_object_get(line, "auth"), "attempts"), 1);
    cr_expect(json_is_null(json_object_get(json_object_get(a1, "credentials"), "password")));
    json_decref(line);
    free(data);
}

/* jsonl */

Test(jsonl, each_session_is_a_line_as_soon_as_it_is_handed_over)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    struct report_options opt = {.format = REPORT_JSONL, .show_secrets = false, .tool_version = "1.2.3"};
    struct report_writer *w = report_writer_new(&opt, f);
    struct summary *sm = summary_new();

    struct session *s = full_session(1);
    summary_add(sm, s);
    report_session(w, s);
    /* The writer flushed: the memory stream already holds the line. */
    cr_assert_gt(len, 0);
    cr_expect_eq(count_lines(data), 1);
    cr_expect_eq(data[len - 1], '\n');
    json_t *j = parse(data);
    cr_expect_eq(json_integer_value(json_object_get(j, "id")), 1);
    expect_keys(j, session_keys, NELEMS(session_keys), "jsonl session");
    json_decref(j);
    cr_expect_null(strstr(data, "\": "), "compact separators");

    s = null_session(2);
    summary_add(sm, s);
    report_session(w, s);
    cr_expect_eq(count_lines(data), 2);

    cr_expect_eq(report_finish(w, NULL, 0, sm), 0);
    report_writer_free(w);
    summary_free(sm);
    fclose(f);
    cr_expect_eq(count_lines(data), 3);
    free(data);
}

Test(jsonl, last_line_has_tool_inputs_and_summary)
{
    char *out = render(REPORT_JSONL, false, three, NELEMS(three));
    cr_assert_eq(count_lines(out), 4);
    char *save = NULL;
    unsigned want[] = {2, 3, 1}; /* written in hand-over order */
    char *line = strtok_r(out, "\n", &save);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_not_null(line);
        json_t *j = parse(line);
        cr_expect_eq(json_integer_value(json_object_get(j, "id")), want[i], "line %zu", i);
        json_decref(j);
        line = strtok_r(NULL, "\n", &save);
    }
    cr_assert_not_null(line);
    json_t *last = parse(line);
    static const char *const keys[] = {"tool", "inputs", "summary"};
    expect_keys(last, keys, NELEMS(keys), "last line");
    cr_expect_eq(json_array_size(json_object_get(last, "inputs")), 3);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(last, "summary"), "sessions")),
                 3);
    json_decref(last);
    free(out);
}

Test(jsonl, finish_reports_a_write_error)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        cr_skip_test("no /dev/full");
    struct report_options opt = {.format = REPORT_JSONL, .show_secrets = false, .tool_version = "1"};
    struct report_writer *w = report_writer_new(&opt, f);
    report_session(w, full_session(1));
    cr_expect_eq(report_finish(w, NULL, 0, NULL), -1);
    report_writer_free(w);
    fclose(f);
}

/* text */

Test(text, session_block_reads_as_a_write_up)
{
    char *out = render(REPORT_TEXT, false, three, NELEMS(three));
    static const char *const want[] = {
        "Session 1: tcp 127.0.0.1:49354 -> 127.0.0.1:5222, established\n",
        "\n  input   ejabberd.log (pid <0.505.0>, lines 3-57)\n",
        "\n  user    alice, jid alice@xmppflow.test/laptop, domain xmppflow.test\n",
        "\n  TLS     offered, not required, negotiated before auth\n",
        "\n  auth    PLAIN: success (2 attempts); offered SCRAM-SHA-1, PLAIN\n",
        "\n  time    2026-11-24T09:46:37.644636Z, 123.4 ms in all (TLS at 20.1 ms, auth took "
        "5.2 ms, bound at 60.0 ms)\n",
        "\n     #  dir    +ms  phase   event                    element\n"
        "     1  C->S   0.0  STREAM  stream-open              <stream:stream to='xmppflow.test' "
        "version='1.0'>\n",
        "\n     5    -   20.1  TLS     tls-established\n",
        "\n    12  C->S  70.0  -       other:ping               <ping/>\n\n",
        "\n  Attempts:\n    1  PLAIN  failure (not-authorized)  over TLS  plaintext secret  "
        "authcid alice  password <hidden>\n    2  PLAIN  success                   over TLS  "
        "plaintext secret  authcid alice  password <hidden>\n",
        "\n  Violations:\n    C7   warning  step 7   authentication failed before a retry  "
        "(RFC 6120 \302\2476.4.5)\n    A17  info     session  whole-session finding\n",
        "Session 2: bosh ? -> ?, incomplete\n",
        "\n  user    (unknown), jid (not bound), domain (unknown)\n",
        "\n  TLS     offer not visible, requirement not visible, negotiation not visible\n",
        "\n  auth    (unnamed): no verdict (1 attempt)\n",
        "\n  time    2026-11-24T09:46:38.644636Z, 5.0 ms in all\n",
        "\n  Violations: none\n",
        "Session 3: tcp [2001:db8::1]:40000 -> [2001:db8::2]:5222, auth-failed\n",
        "\n  TLS     not offered, not required, not negotiated (auth without TLS)\n",
        "authzid admin  authcid bob  password <hidden>\n",
    };
    for (size_t i = 0; i < NELEMS(want); i++)
        cr_expect_not_null(strstr(out, want[i]), "row %zu missing: %s\n--- output:\n%s", i, want[i],
                           out);
    /* Sessions in id order though handed over as 2, 3, 1. */
    char *p1 = strstr(out, "Session 1:"), *p2 = strstr(out, "Session 2:"),
         *p3 = strstr(out, "Session 3:");
    cr_assert(p1 && p2 && p3);
    cr_expect(p1 < p2 && p2 < p3);
    free(out);
}

Test(text, inputs_and_summary_follow_the_sessions)
{
    char *out = render(REPORT_TEXT, false, three, NELEMS(three));
    static const char *const want[] = {
        "\nInputs\n"
        "  ejabberd.log: ejabberd-log, 4096 bytes, 57 lines\n"
        "    error at line 12: unknown log line\n"
        "  capture.pcap: pcap, 9000 bytes, 42 packets\n"
        "    error at packet 41, offset 8800: truncated packet\n"
        "  missing.bin: not read as a log or capture, size unknown, no errors\n",
        "\nSummary\n"
        "  sessions             3\n"
        "  by outcome           established 1, auth-failed 1, incomplete 1\n"
        "  by transport         tcp 2, bosh 1\n"
        "  by mechanism         none 1, PLAIN 2\n"
        "  plaintext passwords  2 sessions (1 on the wire, 0 in the server log); users: alice, bob (wire)\n"
        "  violations by code   A17 1, B1 1, C7 1\n"
        "  login latency        p50 60.0 ms, p90 60.0 ms, p99 60.0 ms, max 60.0 ms (1 session)\n",
    };
    for (size_t i = 0; i < NELEMS(want); i++)
        cr_expect_not_null(strstr(out, want[i]), "row %zu missing: %s\n--- output:\n%s", i, want[i],
                           out);
    cr_expect_null(strstr(out, "No XMPP client sessions found."));
    free(out);
}

Test(text, no_sessions_says_so)
{
    char *out = render(REPORT_TEXT, false, NULL, 0);
    cr_expect(strncmp(out, "No XMPP client sessions found.\n", 31) == 0, "%s", out);
    cr_expect_not_null(strstr(out, "  login latency        n/a\n"));
    cr_expect_not_null(strstr(out, "  by outcome           none\n"));
    cr_expect_not_null(strstr(out, "  plaintext passwords  none\n"));
    free(out);
}

Test(text, long_elements_are_cut_and_control_characters_escaped)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    struct report_options opt = {.format = REPORT_TEXT, .show_secrets = false, .tool_version = "1"};
    struct report_writer *w = report_writer_new(&opt, f);
    struct session *s = null_session(1);
    char longer[400];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    free(s->phases[0].summary);
    s->phases[0].summary = xstrdup(longer);
    add_phase(s, 'S', 10, "message", PHASE_NONE, "<body>\x1b[31mred\x1b[0m\nline2\xff</body>");
    report_session(w, s);
    cr_expect_eq(report_finish(w, NULL, 0, NULL), 0);
    report_writer_free(w);
    fclose(f);

    cr_expect_null(strchr(data, '\x1b'), "no raw escape reaches the terminal");
    cr_expect_not_null(strstr(data, "<body>\\x1b[31mred\\x1b[0m\\nline2\\xff</body>\n"), "%s",
                       data);
    char *save = NULL;
    bool cut = false;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cr_expect_leq(strlen(line), 140, "line too long: %s", line);
        if (strstr(line, "aaaa...") && strlen(line) == 140)
            cut = true;
    }
    cr_expect(cut, "the long element was cut to 140 columns with ...");
    free(data);
}
