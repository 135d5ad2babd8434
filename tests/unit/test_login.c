/* test_login: the login state machine driven by hand-built frames (login-spec 2.3, 3). */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "abbrev.h"
#include "findings.h"
#include "framer.h"
#include "login.h"
#include "phase.h"
#include "report.h"
#include "stanza.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define DOMAIN "xmppflow.test"
#define ALICE_PW "Wonderland-Secret-1"
#define ALICE_PLAIN "AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE=" /* \0alice\0Wonderland-Secret-1 */
#define ALICE_WRONG "AGFsaWNlAE5vdC1BbGljZXMtUGFzc3dvcmQtOQ==" /* \0alice\0Not-Alices-Password-9 */
/* disconnect-mid-sasl: n,,n=alice,r=YKomRI8KbZHwSkPD34MWJLzF and the server-first (i=4096) */
#define ALICE_SCRAM_N "biwsbj1hbGljZSxyPVlLb21SSThLYlpId1NrUEQzNE1XSkx6Rg=="
#define SERVER_FIRST                                                                               \
    "cj1ZS29tUkk4S2JaSHdTa1BEMzRNV0pMekY3M3FIQ29aMUorWHp3ZUU2QTNMejJnPT0scz0yRzNINDVId1RQRi83RW5r" \
    "SmhZbkRnPT0saT00MDk2"
/* scram-sha1-ok: y,,n=bob,r=8518146703387727 */
#define BOB_SCRAM_Y "eSwsbj1ib2Iscj04NTE4MTQ2NzAzMzg3NzI3"
#define T0 INT64_C(1795618146284953)

/* ---- building input ---------------------------------------------------------- */

struct drv {
    struct login *l;
    usec_t t;
};

static void
drv_init(struct drv *d, bool show_secrets, bool from_log)
{
    struct login_options opt = {.show_secrets = show_secrets, .from_log = from_log};
    d->l = login_new(&opt);
    cr_assert_not_null(d->l);
    d->t = T0;
}

/* Feeds one frame; takes ownership of |el| (may be NULL). */
static void
feed(struct drv *d, char dir, enum frame_kind kind, struct stanza *el)
{
    struct frame fr;
    memset(&fr, 0, sizeof fr);
    fr.kind = kind;
    fr.el = el;
    d->t += 1000;
    login_frame(d->l, dir, d->t, &fr);
    stanza_free(el);
}

static struct stanza *
mk(const char *name, const char *ns)
{
    return stanza_new(name, NULL, ns);
}

static struct stanza *
with_attr(struct stanza *s, const char *name, const char *value)
{
    stanza_add_attr(s, name, NULL, NULL, value, strlen(value));
    return s;
}

static struct stanza *
with_text(struct stanza *s, const char *text)
{
    stanza_add_text(s, text, strlen(text));
    return s;
}

static struct stanza *
with_child(struct stanza *s, struct stanza *child)
{
    stanza_add_child(s, child);
    return s;
}

static void
c_el(struct drv *d, struct stanza *el)
{
    feed(d, 'C', FRAME_ELEMENT, el);
}

static void
s_el(struct drv *d, struct stanza *el)
{
    feed(d, 'S', FRAME_ELEMENT, el);
}

static void
c_open(struct drv *d)
{
    struct stanza *h = stanza_new("stream", "stream", NS_STREAM);
    with_attr(h, "to", DOMAIN);
    with_attr(h, "version", "1.0");
    feed(d, 'C', FRAME_STREAM_OPEN, h);
}

static void
s_open(struct drv *d, const char *id)
{
    struct stanza *h = stanza_new("stream", "stream", NS_STREAM);
    with_attr(h, "id", id);
    with_attr(h, "from", DOMAIN);
    with_attr(h, "version", "1.0");
    feed(d, 'S', FRAME_STREAM_OPEN, h);
}

static void
c_close(struct drv *d)
{
    feed(d, 'C', FRAME_STREAM_CLOSE, NULL);
}

static void
s_close(struct drv *d)
{
    feed(d, 'S', FRAME_STREAM_CLOSE, NULL);
}

enum { F_STARTTLS = 1, F_REQUIRED = 2, F_BIND = 4, F_SESSION = 8, F_IQAUTH = 16, F_REGISTER = 32 };

/* Server features; |mechs| is a space-separated list or NULL for no <mechanisms/>. */
static void
s_features(struct drv *d, unsigned flags, const char *mechs)
{
    struct stanza *f = stanza_new("features", "stream", NS_STREAM);
    if (mechs) {
        struct stanza *ms = mk("mechanisms", NS_SASL);
        char *copy = strdup(mechs), *save = NULL;
        for (char *m = strtok_r(copy, " ", &save); m; m = strtok_r(NULL, " ", &save))
            with_child(ms, with_text(mk("mechanism", NS_SASL), m));
        free(copy);
        with_child(f, ms);
    }
    if (flags & F_STARTTLS) {
        struct stanza *st = mk("starttls", NS_TLS);
        if (flags & F_REQUIRED)
            with_child(st, mk("required", NS_TLS));
        with_child(f, st);
    }
    if (flags & F_BIND)
        with_child(f, mk("bind", NS_BIND));
    if (flags & F_SESSION)
        with_child(f, with_child(mk("session", NS_SESSION), mk("optional", NS_SESSION)));
    if (flags & F_REGISTER)
        with_child(f, mk("register", NS_FEAT_REGISTER));
    if (flags & F_IQAUTH)
        with_child(f, mk("auth", NS_FEAT_IQ_AUTH));
    s_el(d, f);
}

static void
tls_up(struct drv *d)
{
    d->t += 1000;
    login_pseudo(d->l, EV_TLS_ESTABLISHED, d->t, NULL);
}

static struct stanza *
iq(const char *type, const char *id, struct stanza *payload)
{
    struct stanza *s = mk("iq", NS_CLIENT);
    with_attr(s, "type", type);
    with_attr(s, "id", id);
    if (payload)
        with_child(s, payload);
    return s;
}

static struct stanza *
auth(const char *mech, const char *b64)
{
    struct stanza *a = with_attr(mk("auth", NS_SASL), "mechanism", mech);
    return b64 ? with_text(a, b64) : a;
}

static struct stanza *
sasl_failure(const char *cond)
{
    struct stanza *f = mk("failure", NS_SASL);
    with_child(f, mk(cond, NS_SASL));
    return with_child(f, with_text(mk("text", NS_SASL), "Invalid username or password"));
}

/* Up to the second features, TLS on: C hdr, S hdr, S feat, starttls, proceed, TLS, restart. */
static void
starttls_prologue(struct drv *d, const char *mechs_after_tls)
{
    c_open(d);
    s_open(d, "s1");
    s_features(d, F_STARTTLS | F_REGISTER, "SCRAM-SHA-1");
    c_el(d, mk("starttls", NS_TLS));
    s_el(d, mk("proceed", NS_TLS));
    tls_up(d);
    c_open(d);
    s_open(d, "s2");
    s_features(d, F_REGISTER, mechs_after_tls);
}

/* After SASL success: restart, features with bind, bind, bind result. */
static void
bind_epilogue(struct drv *d, const char *user)
{
    c_open(d);
    s_open(d, "s3");
    s_features(d, F_BIND | F_SESSION, NULL);
    c_el(d, iq("set", "b1", with_child(mk("bind", NS_BIND), with_text(mk("resource", NS_BIND),
                                                                        "laptop"))));
    char jid[128];
    snprintf(jid, sizeof jid, "%s@" DOMAIN "/laptop", user);
    s_el(d, iq("result", "b1", with_child(mk("bind", NS_BIND), with_text(mk("jid", NS_BIND), jid))));
}

static struct session *
finish(struct drv *d, enum login_end how)
{
    d->t += 1000;
    struct session *s = login_finish(d->l, how, d->t);
    cr_assert_not_null(s);
    login_free(d->l);
    d->l = NULL;
    return s;
}

static void
session_free(struct session *s)
{
    session_clear(s);
    free(s);
}

/* ---- checking ---------------------------------------------------------------- */

static const struct violation *
find_violation(const struct session *s, const char *code)
{
    for (size_t i = 0; i < s->nviolations; i++)
        if (strcmp(s->violations[i].code, code) == 0)
            return &s->violations[i];
    return NULL;
}

/* "A3 B1 ..." for failure messages. */
static const char *
codes(const struct session *s)
{
    static char out[512];
    out[0] = '\0';
    for (size_t i = 0; i < s->nviolations; i++) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s@%u", i ? " " : "", s->violations[i].code,
                 s->violations[i].seq);
    }
    return out;
}

static const char *
events(const struct session *s)
{
    static char out[2048];
    out[0] = '\0';
    for (size_t i = 0; i < s->nphases; i++) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%c:%s", i ? " " : "", s->phases[i].dir,
                 s->phases[i].event);
    }
    return out;
}

static void
expect_violation(const struct session *s, const char *code, enum severity sev)
{
    const struct violation *v = find_violation(s, code);
    cr_expect_not_null(v, "no %s; violations: %s", code, codes(s));
    if (v)
        cr_expect_eq(v->severity, sev, "%s severity %s, want %s", code, severity_name(v->severity),
                     severity_name(sev));
}

static void
expect_no_violation(const struct session *s, const char *code)
{
    cr_expect_null(find_violation(s, code), "unexpected %s; violations: %s", code, codes(s));
}

/* The phase event named |name| (the first), or NULL. */
static const struct phase_event *
find_phase(const struct session *s, const char *name)
{
    for (size_t i = 0; i < s->nphases; i++)
        if (strcmp(s->phases[i].event, name) == 0)
            return &s->phases[i];
    return NULL;
}

/* ---- full logins -------------------------------------------------------------- */

static struct session *
starttls_plain_login(bool show_secrets)
{
    struct drv d;
    drv_init(&d, show_secrets, false);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_PLAIN));
    s_el(&d, mk("success", NS_SASL));
    bind_epilogue(&d, "alice");
    c_el(&d, mk("presence", NS_CLIENT));
    s_el(&d, with_attr(mk("presence", NS_CLIENT), "from", "alice@" DOMAIN "/laptop"));
    c_close(&d);
    cr_expect_not(login_stream_over(d.l), "only the client closed");
    s_close(&d);
    cr_expect(login_stream_over(d.l));
    return finish(&d, LOGIN_END_CLOSED);
}

Test(login, starttls_plain_bind_is_established)
{
    struct session *s = starttls_plain_login(false);
    static const struct {
        char dir;
        const char *event;
        enum phase phase;
    } want[] = {
        {'C', "stream-open", PHASE_STREAM},   {'S', "stream-open", PHASE_STREAM},
        {'S', "features", PHASE_STREAM},      {'C', "starttls", PHASE_TLS},
        {'S', "proceed", PHASE_TLS},          {'-', "tls-established", PHASE_TLS},
        {'C', "stream-restart", PHASE_STREAM}, {'S', "stream-open", PHASE_STREAM},
        {'S', "features", PHASE_STREAM},      {'C', "auth(PLAIN)", PHASE_AUTH},
        {'S', "success", PHASE_AUTH},         {'C', "stream-restart", PHASE_STREAM},
        {'S', "stream-open", PHASE_STREAM},   {'S', "features", PHASE_STREAM},
        {'C', "bind", PHASE_BIND},            {'S', "bind-result", PHASE_BIND},
        {'C', "stanza:presence", PHASE_ESTABLISHED}, {'S', "stanza:presence", PHASE_ESTABLISHED},
        {'C', "stream-close", PHASE_CLOSE},   {'S', "stream-close", PHASE_CLOSE},
    };
    cr_assert_eq(s->nphases, NELEMS(want), "%zu phases: %s", s->nphases, events(s));
    for (size_t i = 0; i < NELEMS(want); i++) {
        cr_expect_str_eq(s->phases[i].event, want[i].event, "step %zu: %s", i + 1, events(s));
        cr_expect_eq(s->phases[i].dir, want[i].dir, "step %zu", i + 1);
        cr_expect_eq(s->phases[i].phase, want[i].phase, "step %zu", i + 1);
        cr_expect_eq(s->phases[i].seq, i + 1, "step %zu", i + 1);
        cr_expect_eq(s->phases[i].time, T0 + 1000 * (usec_t)(i + 1), "step %zu", i + 1);
    }
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED, "outcome %s", outcome_name(s->outcome));
    /* the client followed every rule; the only finding is the server's register feature
     * offered before TLS (B17, XEP-0077 §11) */
    cr_expect_eq(s->nviolations, 1, "violations: %s", codes(s));
    expect_violation(s, "B17", SEV_WARNING);
    cr_expect_eq(s->tls.offered, TRI_TRUE);
    cr_expect_eq(s->tls.required, TRI_FALSE);
    cr_expect_eq(s->tls.negotiated, TRI_TRUE);
    cr_expect_eq(s->tls.before_auth, TRI_TRUE);
    cr_assert_not_null(s->jid);
    cr_expect_str_eq(s->jid, "alice@" DOMAIN "/laptop");
    cr_assert_not_null(s->user);
    cr_expect_str_eq(s->user, "alice");
    cr_assert_not_null(s->domain);
    cr_expect_str_eq(s->domain, DOMAIN);
    cr_expect_eq(s->start, T0 + 1000);
    cr_expect_eq(s->end, T0 + 21000);

    cr_expect_eq(s->auth.outcome, AUTH_SUCCESS);
    cr_expect(s->auth.offered_known);
    cr_assert_eq(s->auth.noffered, 1);
    cr_expect_str_eq(s->auth.offered[0], "PLAIN");
    cr_assert_not_null(s->auth.mechanism);
    cr_expect_str_eq(s->auth.mechanism, "PLAIN");
    cr_assert_eq(s->auth.nattempts, 1);
    const struct attempt *a = &s->auth.attempts[0];
    cr_expect_str_eq(a->mechanism, "PLAIN");
    cr_expect_eq(a->result, AUTH_SUCCESS);
    cr_expect_null(a->condition);
    cr_expect_eq(a->tls, TRI_TRUE);
    cr_expect(a->plaintext);
    cr_expect(a->has_credentials);
    cr_expect_null(a->credentials.authzid);
    cr_assert_not_null(a->credentials.authcid);
    cr_expect_str_eq(a->credentials.authcid, "alice");
    cr_assert_not_null(a->credentials.password);
    cr_expect_str_eq(a->credentials.password, ALICE_PW); /* masking is the writer's job */
    cr_expect_not(s->password_on_wire);
    cr_expect_not(s->password_in_log);

    /* durations: TLS at step 6, auth from step 10 to 11, bound at step 16 (ms) */
    cr_expect_float_eq(s->durations.total, 20.0, 1e-9);
    cr_expect_float_eq(s->durations.to_tls, 5.0, 1e-9);
    cr_expect_float_eq(s->durations.auth, 1.0, 1e-9);
    cr_expect_float_eq(s->durations.to_bound, 15.0, 1e-9);

    const char *sum = s->phases[9].summary;
    cr_assert_not_null(sum);
    cr_expect_not_null(strstr(sum, REPORT_HIDDEN), "summary: %s", sum);
    cr_expect_null(strstr(sum, ALICE_PW), "summary shows the password: %s", sum);
    cr_expect_not_null(strstr(sum, "alice"), "summary: %s", sum);
    for (size_t i = 0; i < s->nphases; i++)
        cr_expect_null(strstr(s->phases[i].summary, ALICE_PW), "step %zu: %s", i + 1,
                       s->phases[i].summary);
    session_free(s);
}

Test(login, show_secrets_puts_the_password_in_the_summary)
{
    struct session *s = starttls_plain_login(true);
    cr_assert_geq(s->nphases, 10);
    const char *sum = s->phases[9].summary;
    cr_expect_str_eq(s->phases[9].event, "auth(PLAIN)");
    cr_expect_not_null(strstr(sum, ALICE_PW), "summary: %s", sum);
    cr_expect_null(strstr(sum, REPORT_HIDDEN), "summary: %s", sum);
    session_free(s);
}

Test(login, plain_without_tls_is_b1_and_b3)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS | F_REGISTER, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_PLAIN)); /* step 4 */
    s_el(&d, mk("success", NS_SASL));
    bind_epilogue(&d, "alice");
    c_close(&d);
    s_close(&d);
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED, "outcome %s", outcome_name(s->outcome));
    expect_violation(s, "B1", SEV_ERROR);
    expect_violation(s, "B3", SEV_WARNING);
    expect_violation(s, "B12", SEV_WARNING);
    const struct violation *b1 = find_violation(s, "B1");
    if (b1) {
        cr_expect_eq(b1->seq, 4);
        cr_expect_not_null(strstr(b1->message, "alice"), "%s", b1->message);
        cr_expect_null(strstr(b1->message, ALICE_PW), "%s", b1->message);
    }
    expect_no_violation(s, "B4");
    cr_expect_eq(s->tls.offered, TRI_TRUE);
    cr_expect_eq(s->tls.negotiated, TRI_FALSE);
    cr_expect_eq(s->tls.before_auth, TRI_FALSE);
    cr_assert_eq(s->auth.nattempts, 1);
    cr_expect_eq(s->auth.attempts[0].tls, TRI_FALSE);
    cr_expect(s->password_on_wire);
    cr_expect_eq(s->durations.to_tls, -1.0);
    session_free(s);
}

/* A client element with bytes missing from the capture (framer.h): as the framer mends it. */
static void
c_damaged(struct drv *d, struct stanza *el, size_t gap_offset, size_t gap_bytes)
{
    struct frame fr;
    memset(&fr, 0, sizeof fr);
    fr.kind = FRAME_ELEMENT;
    fr.el = el;
    fr.damaged = true;
    fr.gap_offset = gap_offset;
    fr.gap_bytes = gap_bytes;
    d->t += 1000;
    login_frame(d->l, 'C', d->t, &fr);
    stanza_free(el);
}

Test(login, plain_auth_cut_by_a_gap_is_an_attempt_exposing_a_password_nobody_can_read_here)
{
    struct drv d;
    drv_init(&d, true, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "PLAIN SCRAM-SHA-1");
    c_damaged(&d, auth("PLAIN", NULL), 202, 7); /* step 4: the base64 was cut, so dropped */
    s_el(&d, mk("success", NS_SASL));
    bind_epilogue(&d, "alice");
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_assert_eq(s->auth.nattempts, 1);
    const struct attempt *a = &s->auth.attempts[0];
    cr_expect_str_eq(a->mechanism, "PLAIN");
    cr_expect_eq(a->result, AUTH_SUCCESS);
    cr_expect(a->plaintext, "the password went out in clear");
    cr_expect_not(a->has_credentials, "but what it was is not known");
    cr_expect(s->password_on_wire);
    expect_violation(s, "B1", SEV_ERROR);
    expect_violation(s, "B3", SEV_WARNING);
    expect_violation(s, "C11", SEV_WARNING);
    expect_no_violation(s, "C17"); /* the data was there, the capture lost it */
    expect_no_violation(s, "C16");
    cr_expect_str_eq(s->phases[3].event, "auth(PLAIN)");
    cr_expect(s->phases[3].damaged);
    cr_expect_eq(s->phases[3].gap_offset, 202);
    cr_expect_eq(s->phases[3].gap_bytes, 7);
    for (size_t i = 0; i < s->nphases; i++)
        cr_expect(i == 3 || !s->phases[i].damaged, "step %zu marked damaged", i + 1);
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED);
    session_free(s);
}

Test(login, server_iq_whose_type_a_gap_took_answers_the_request_with_its_id)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, 0, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_PLAIN));
    s_el(&d, mk("success", NS_SASL));
    c_open(&d);
    s_open(&d, "s2");
    s_features(&d, F_BIND, NULL);
    c_el(&d, iq("set", "b1", with_child(mk("bind", NS_BIND), mk("resource", NS_BIND))));
    /* the answer lost its type (and the bind its namespace): an iq with the id b1 */
    struct stanza *answer = with_attr(mk("iq", NS_CLIENT), "id", "b1");
    struct frame fr = {.kind = FRAME_ELEMENT, .damaged = true, .gap_offset = 1267, .gap_bytes = 7};
    fr.el = answer;
    login_frame(d.l, 'S', d.t += 1000, &fr);
    stanza_free(answer);
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    const struct phase_event *p = find_phase(s, "bind-result");
    cr_expect_not_null(p, "events: %s", events(s));
    if (p)
        cr_expect(p->damaged);
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED, "outcome %s", outcome_name(s->outcome));
    session_free(s);
}

Test(login, damaged_features_raise_no_finding_about_what_they_lack)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    struct frame fr = {.kind = FRAME_ELEMENT, .damaged = true, .gap_offset = 300};
    fr.el = stanza_new("features", "stream", NS_STREAM);
    login_frame(d.l, 'S', d.t += 1000, &fr); /* <starttls/> may have been in the hole */
    stanza_free((struct stanza *)fr.el);
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "B6");
    cr_expect_neq(s->tls.offered, TRI_FALSE);
    session_free(s);
}

Test(login, plain_where_tls_is_required_is_b4)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS | F_REQUIRED, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_PLAIN));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_eq(s->tls.required, TRI_TRUE);
    expect_violation(s, "B4", SEV_ERROR);
    expect_violation(s, "B1", SEV_ERROR);
    expect_no_violation(s, "B3");
    session_free(s);
}

Test(login, wrong_password_is_auth_failed)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_WRONG));
    s_el(&d, sasl_failure("not-authorized")); /* step 11 */
    c_close(&d);
    s_close(&d);
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    cr_expect_eq(s->outcome, OUTCOME_AUTH_FAILED, "outcome %s", outcome_name(s->outcome));
    const struct phase_event *f = find_phase(s, "failure(not-authorized)");
    cr_assert_not_null(f, "events: %s", events(s));
    cr_expect_eq(f->dir, 'S');
    cr_expect_eq(f->phase, PHASE_AUTH);
    expect_violation(s, "C7", SEV_INFO);
    const struct violation *c7 = find_violation(s, "C7");
    if (c7)
        cr_expect_eq(c7->seq, f->seq);
    expect_violation(s, "D16", SEV_INFO); /* a verdict was reached: not an early stop */
    expect_no_violation(s, "K4");
    cr_expect_eq(s->auth.outcome, AUTH_FAILURE);
    cr_assert_eq(s->auth.nattempts, 1);
    cr_expect_eq(s->auth.attempts[0].result, AUTH_FAILURE);
    cr_assert_not_null(s->auth.attempts[0].condition);
    cr_expect_str_eq(s->auth.attempts[0].condition, "not-authorized");
    cr_expect_str_eq(s->auth.attempts[0].credentials.password, "Not-Alices-Password-9");
    cr_expect_null(s->jid);
    cr_expect_eq(s->durations.to_bound, -1.0);
    session_free(s);
}

static void
scram_until_challenge(struct drv *d)
{
    c_open(d);
    s_open(d, "s1");
    s_features(d, F_STARTTLS | F_REGISTER, "SCRAM-SHA-1 DIGEST-MD5");
    c_el(d, auth("SCRAM-SHA-1", ALICE_SCRAM_N));
    s_el(d, with_text(mk("challenge", NS_SASL), SERVER_FIRST)); /* step 5 */
}

Test(login, disconnect_mid_sasl_is_aborted)
{
    struct drv d;
    drv_init(&d, false, false);
    scram_until_challenge(&d);
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    cr_expect_eq(s->outcome, OUTCOME_ABORTED, "outcome %s", outcome_name(s->outcome));
    expect_violation(s, "D16", SEV_WARNING);
    expect_violation(s, "K4", SEV_WARNING);
    expect_violation(s, "B2", SEV_ERROR); /* SCRAM transcript in clear */
    expect_violation(s, "B3", SEV_WARNING);
    expect_no_violation(s, "B1");
    const struct violation *d16 = find_violation(s, "D16");
    if (d16) {
        cr_expect_eq(d16->seq, 0);
        cr_expect_not_null(strstr(d16->message, "challenge"), "%s", d16->message);
    }
    cr_assert_eq(s->auth.nattempts, 1);
    const struct attempt *a = &s->auth.attempts[0];
    cr_expect_str_eq(a->mechanism, "SCRAM-SHA-1");
    cr_expect_eq(a->result, AUTH_NONE);
    cr_expect_str_eq(a->credentials.authcid, "alice");
    cr_expect_null(a->credentials.password);
    cr_expect_not(a->plaintext);
    cr_expect_eq(s->auth.outcome, AUTH_NONE);
    cr_assert_eq(s->nphases, 5, "events: %s", events(s));
    cr_expect_str_eq(s->phases[4].event, "challenge");
    cr_expect_not_null(strstr(s->phases[4].summary, "iterations=4096"), "%s",
                       s->phases[4].summary);
    session_free(s);
}

Test(login, input_ending_mid_login_is_incomplete)
{
    struct drv d;
    drv_init(&d, false, false);
    scram_until_challenge(&d);
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_eq(s->outcome, OUTCOME_INCOMPLETE, "outcome %s", outcome_name(s->outcome));
    expect_no_violation(s, "K4");
    session_free(s);
}

Test(login, digest_md5_identity_comes_from_the_first_response)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "DIGEST-MD5");
    c_el(&d, auth("DIGEST-MD5", NULL));
    s_el(&d, with_text(mk("challenge", NS_SASL), "bm9uY2U9IjEiLHFvcD0iYXV0aCI="));
    c_el(&d, with_text(mk("response", NS_SASL),
                       "dXNlcm5hbWU9ImFsaWNlIixyZWFsbT0ieG1wcGZsb3cudGVzdCIsbm9uY2U9IjE2ODI2Nz"
                       "UzNDU2Njk3NjkwNzMiLGNub25jZT0iNTExOTA1OTQ3NTU2NzYxOSIsbmM9MDAwMDAwMDEscW9w"
                       "PWF1dGgsZGlnZXN0LXVyaT0ieG1wcC94bXBwZmxvdy50ZXN0IixyZXNwb25zZT04NjFiYmY2NT"
                       "czYmE2NDEzNWNlMTgxYzdjNmZlNzA1OSxtYXhidWY9NjU1MzYsY2hhcnNldD11dGYtOA=="));
    s_el(&d, with_text(mk("challenge", NS_SASL), "cnNwYXV0aD03YjYzYTk1NmIyZWUwOTQwZTZmZWQ5ZThlODU4ZjYxZg=="));
    c_el(&d, mk("response", NS_SASL));
    s_el(&d, mk("success", NS_SASL));
    bind_epilogue(&d, "alice");
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED);
    cr_assert_eq(s->auth.nattempts, 1, "attempts: %zu", s->auth.nattempts);
    cr_expect_str_eq(s->auth.attempts[0].credentials.authcid, "alice");
    cr_expect_null(s->auth.attempts[0].credentials.password);
    cr_expect_eq(s->auth.attempts[0].result, AUTH_SUCCESS);
    expect_no_violation(s, "C5");
    expect_no_violation(s, "B2");
    session_free(s);
}

Test(login, response_without_a_pending_challenge_is_c5)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1");
    c_el(&d, auth("SCRAM-SHA-1", ALICE_SCRAM_N));
    c_el(&d, with_text(mk("response", NS_SASL), "Yz1iaXdzLHI9YWJj")); /* step 11: no challenge */
    s_el(&d, with_text(mk("challenge", NS_SASL), SERVER_FIRST));
    c_el(&d, with_text(mk("response", NS_SASL), "Yz1iaXdzLHI9YWJj")); /* step 13: answers it */
    c_el(&d, with_text(mk("response", NS_SASL), "Yz1iaXdzLHI9YWJj")); /* step 14: answers nothing */
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    size_t n = 0;
    for (size_t i = 0; i < s->nviolations; i++)
        if (strcmp(s->violations[i].code, "C5") == 0) {
            n++;
            cr_expect(s->violations[i].seq == 11 || s->violations[i].seq == 14, "C5 at step %u",
                      s->violations[i].seq);
        }
    cr_expect_eq(n, 2, "violations: %s", codes(s));
    session_free(s);
}

/* ---- order violations --------------------------------------------------------- */

Test(login, bind_before_auth_is_d1)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "PLAIN");
    c_el(&d, iq("set", "b1", mk("bind", NS_BIND))); /* step 4 */
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "D1", SEV_WARNING);
    const struct violation *v = find_violation(s, "D1");
    if (v)
        cr_expect_eq(v->seq, 4);
    cr_expect_str_eq(s->phases[3].event, "bind");
    session_free(s);
}

Test(login, auth_before_features_is_c1)
{
    /* after the server header, and right after the client header */
    for (int variant = 0; variant < 2; variant++) {
        struct drv d;
        drv_init(&d, false, false);
        c_open(&d);
        if (variant == 0)
            s_open(&d, "s1");
        c_el(&d, auth("PLAIN", ALICE_PLAIN));
        struct session *s = finish(&d, LOGIN_END_INPUT_END);
        expect_violation(s, "C1", SEV_WARNING);
        const struct violation *v = find_violation(s, "C1");
        if (v)
            cr_expect_eq(v->seq, variant == 0 ? 3u : 2u, "variant %d", variant);
        expect_no_violation(s, "A3");
        session_free(s);
    }
}

Test(login, restart_without_trigger_is_a11)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "PLAIN");
    c_open(&d); /* step 4: nothing asked for a restart */
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_str_eq(s->phases[3].event, "stream-restart");
    expect_violation(s, "A11", SEV_WARNING);
    const struct violation *v = find_violation(s, "A11");
    if (v)
        cr_expect_eq(v->seq, 4);
    session_free(s);
}

Test(login, element_after_success_without_restart_is_c4)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_PLAIN));
    s_el(&d, mk("success", NS_SASL));
    c_el(&d, iq("set", "b1", mk("bind", NS_BIND))); /* step 12 */
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C4", SEV_WARNING);
    const struct violation *v = find_violation(s, "C4");
    if (v)
        cr_expect_eq(v->seq, 12);
    session_free(s);
}

Test(login, element_after_tls_without_restart_is_b10)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "PLAIN");
    c_el(&d, mk("starttls", NS_TLS));
    s_el(&d, mk("proceed", NS_TLS));
    tls_up(&d);
    c_el(&d, auth("PLAIN", ALICE_PLAIN));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "B10", SEV_WARNING);
    session_free(s);
}

Test(login, starttls_not_offered_is_b7)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, 0, "SCRAM-SHA-1");
    c_el(&d, mk("starttls", NS_TLS));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "B7", SEV_WARNING);
    expect_violation(s, "B6", SEV_WARNING);
    cr_expect_eq(s->tls.offered, TRI_FALSE);
    session_free(s);
}

Test(login, mid_stream_pickup_is_a17)
{
    struct drv d;
    drv_init(&d, false, false);
    c_el(&d, with_child(with_attr(mk("message", NS_CLIENT), "to", "bob@" DOMAIN),
                        with_text(mk("body", NS_CLIENT), "hi")));
    s_el(&d, mk("presence", NS_CLIENT));
    c_el(&d, iq("get", "r1", mk("query", "jabber:iq:roster")));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_str_eq(s->phases[0].event, "stanza:message");
    expect_violation(s, "A17", SEV_INFO);
    const struct violation *v = find_violation(s, "A17");
    if (v)
        cr_expect_eq(v->seq, 1);
    /* the server's presence to the client: bound before the capture began (issue 13) */
    cr_expect_eq(s->nviolations, 1, "only A17: %s", codes(s));
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED, "outcome %s", outcome_name(s->outcome));
    expect_no_violation(s, "D5");
    expect_no_violation(s, "A16");
    session_free(s);
}

/* Issue 13: picked up inside a session, the client's stanzas are no pre-bind ones (D6, D8, D16). */
Test(login, mid_session_pickup_has_no_ordering_findings)
{
    struct drv d;
    drv_init(&d, false, false);
    c_el(&d, with_attr(mk("presence", NS_CLIENT), "id", "p1"));
    c_el(&d, iq("get", "r1", mk("query", "jabber:iq:roster")));
    s_el(&d, with_attr(iq("result", "r1", mk("query", "jabber:iq:roster")), "to", "alice@" DOMAIN "/r"));
    c_el(&d, with_child(with_attr(mk("message", NS_CLIENT), "to", "bob@" DOMAIN),
                        with_text(mk("body", NS_CLIENT), "hi")));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_eq(s->nviolations, 1, "only A17: %s", codes(s));
    expect_violation(s, "A17", SEV_INFO);
    session_free(s);
}

/* Issue 13: a header after the pickup re-synchronises, and ordering is checked again. */
Test(login, mid_stream_pickup_checks_again_after_a_header)
{
    struct drv d;
    drv_init(&d, false, false);
    c_el(&d, with_attr(mk("presence", NS_CLIENT), "id", "p1"));
    c_open(&d);
    s_open(&d, "s2");
    s_features(&d, 0, "PLAIN");
    c_el(&d, with_child(with_attr(mk("message", NS_CLIENT), "to", "bob@" DOMAIN),
                        with_text(mk("body", NS_CLIENT), "hi")));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "A17", SEV_INFO);
    expect_violation(s, "D5", SEV_WARNING);
    session_free(s);
}

Test(login, stream_error_before_bind_is_error_outcome)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_PLAIN));
    s_el(&d, mk("success", NS_SASL));
    c_open(&d);
    s_open(&d, "s3");
    s_features(&d, F_BIND, NULL);
    c_el(&d, iq("set", "b1", mk("bind", NS_BIND)));
    struct stanza *err = stanza_new("error", "stream", NS_STREAM);
    with_child(err, mk("conflict", NS_STREAMS_ERR));
    s_el(&d, err);
    cr_expect(login_stream_over(d.l));
    s_close(&d);
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    cr_expect_eq(s->outcome, OUTCOME_ERROR, "outcome %s", outcome_name(s->outcome));
    cr_expect_not_null(find_phase(s, "stream-error(conflict)"), "events: %s", events(s));
    expect_violation(s, "K1", SEV_INFO);
    const struct violation *k1 = find_violation(s, "K1");
    if (k1)
        cr_expect_not_null(strstr(k1->message, "conflict"), "%s", k1->message);
    expect_no_violation(s, "K4");
    session_free(s);
}

Test(login, data_after_client_close_is_k6)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "PLAIN");
    c_close(&d);
    c_el(&d, mk("presence", NS_CLIENT));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "K6", SEV_WARNING);
    session_free(s);
}

/* ---- legacy auth --------------------------------------------------------------- */

static struct stanza *
legacy_query(bool with_password)
{
    struct stanza *q = mk("query", NS_IQ_AUTH);
    with_child(q, with_text(mk("username", NS_IQ_AUTH), "bob"));
    if (with_password)
        with_child(q, with_text(mk("password", NS_IQ_AUTH), "Builder-Secret-2"));
    with_child(q, with_text(mk("resource", NS_IQ_AUTH), "legacy"));
    return q;
}

/* legacy-auth-no-tls up to the answer to the get (the field list). */
static void
legacy_until_fields(struct drv *d)
{
    c_open(d);
    s_open(d, "s1");
    s_features(d, F_STARTTLS | F_REGISTER | F_IQAUTH, "DIGEST-MD5 PLAIN SCRAM-SHA-1");
    struct stanza *q = mk("query", NS_IQ_AUTH);
    with_child(q, with_text(mk("username", NS_IQ_AUTH), "bob"));
    c_el(d, iq("get", "auth1", q));
    struct stanza *fields = mk("query", NS_IQ_AUTH);
    with_child(fields, mk("username", NS_IQ_AUTH));
    with_child(fields, mk("resource", NS_IQ_AUTH));
    with_child(fields, mk("password", NS_IQ_AUTH));
    with_child(fields, mk("digest", NS_IQ_AUTH));
    s_el(d, iq("result", "auth1", fields));
}

Test(login, legacy_auth_over_plain_tcp_is_e5_and_b1)
{
    struct drv d;
    drv_init(&d, false, false);
    legacy_until_fields(&d);
    c_el(&d, iq("set", "auth2", legacy_query(true))); /* step 6 */
    s_el(&d, iq("result", "auth2", NULL));
    c_el(&d, mk("presence", NS_CLIENT));
    c_close(&d);
    s_close(&d);
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED, "outcome %s", outcome_name(s->outcome));
    cr_assert_eq(s->nphases, 10, "events: %s", events(s));
    cr_expect_str_eq(s->phases[3].event, "legacy-auth-get");
    cr_expect_str_eq(s->phases[5].event, "legacy-auth-set");
    cr_expect_str_eq(s->phases[6].event, "legacy-auth-result", "events: %s", events(s));
    cr_expect_str_eq(s->phases[7].event, "stanza:presence");
    expect_violation(s, "E5", SEV_WARNING);
    expect_violation(s, "B1", SEV_ERROR);
    const struct violation *b1 = find_violation(s, "B1");
    if (b1)
        cr_expect_eq(b1->seq, 6);
    const struct violation *e5 = find_violation(s, "E5");
    if (e5)
        cr_expect_eq(e5->seq, 6);
    expect_no_violation(s, "A16");
    expect_no_violation(s, "D16");
    cr_assert_not_null(s->user);
    cr_expect_str_eq(s->user, "bob");
    cr_assert_eq(s->auth.nattempts, 1);
    const struct attempt *a = &s->auth.attempts[0];
    cr_expect_str_eq(a->mechanism, "legacy");
    cr_expect_eq(a->result, AUTH_SUCCESS);
    cr_expect_str_eq(a->credentials.authcid, "bob");
    cr_expect_str_eq(a->credentials.password, "Builder-Secret-2");
    cr_expect_eq(s->auth.outcome, AUTH_SUCCESS);
    cr_expect(s->password_on_wire);
    for (size_t i = 0; i < s->nphases; i++)
        cr_expect_null(strstr(s->phases[i].summary, "Builder-Secret-2"), "step %zu: %s", i + 1,
                       s->phases[i].summary);
    session_free(s);
}

Test(login, legacy_auth_field_list_is_not_a_login)
{
    struct drv d;
    drv_init(&d, false, false);
    legacy_until_fields(&d);
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_eq(s->outcome, OUTCOME_INCOMPLETE, "outcome %s after only the field list",
                 outcome_name(s->outcome));
    cr_expect_eq(s->auth.outcome, AUTH_NONE);
    cr_expect_eq(s->durations.to_bound, -1.0);
    /* login-spec §1.2 names every matching iq result legacy-auth-result; the
     * field list keeps that name but is no verdict (checked above) */
    cr_expect_str_eq(s->phases[4].event, "legacy-auth-result", "%s", events(s));
    cr_expect_eq(s->auth.nattempts, 0, "the field list is no attempt: %s", events(s));
    session_free(s);
}

Test(login, register_form_is_not_a_registration)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, iq("get", "reg1", mk("query", NS_IQ_REGISTER)));
    struct stanza *form = mk("query", NS_IQ_REGISTER);
    with_child(form, mk("username", NS_IQ_REGISTER));
    with_child(form, mk("password", NS_IQ_REGISTER));
    s_el(&d, iq("result", "reg1", form));
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    cr_expect_neq(s->outcome, OUTCOME_REGISTERED, "the form alone registered nobody: %s",
                  events(s));
    session_free(s);

    /* the set and its result do register */
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, iq("get", "reg1", mk("query", NS_IQ_REGISTER)));
    s_el(&d, iq("result", "reg1", mk("query", NS_IQ_REGISTER)));
    struct stanza *q = mk("query", NS_IQ_REGISTER);
    with_child(q, with_text(mk("username", NS_IQ_REGISTER), "carol"));
    with_child(q, with_text(mk("password", NS_IQ_REGISTER), "Carol-Secret-4"));
    c_el(&d, iq("set", "reg2", q));
    s_el(&d, iq("result", "reg2", NULL));
    s = finish(&d, LOGIN_END_CLOSED);
    cr_expect_eq(s->outcome, OUTCOME_REGISTERED, "outcome %s: %s", outcome_name(s->outcome),
                 events(s));
    cr_expect_not_null(find_phase(s, "register-result"), "events: %s", events(s));
    cr_expect_str_eq(s->user, "carol");
    expect_no_violation(s, "E2"); /* over TLS */
    session_free(s);
}

/* ---- credential audit ------------------------------------------------------------ */

Test(login, plain_read_from_a_server_log_is_l1)
{
    struct drv d;
    drv_init(&d, false, true);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_PLAIN)); /* step 10 */
    s_el(&d, mk("success", NS_SASL));
    bind_epilogue(&d, "alice");
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "L1", SEV_ERROR);
    const struct violation *l1 = find_violation(s, "L1");
    if (l1) {
        cr_expect_eq(l1->seq, 10);
        cr_expect_not_null(strstr(l1->message, "alice"), "%s", l1->message);
    }
    cr_expect(s->password_in_log);
    expect_no_violation(s, "B1"); /* TLS was on */
    session_free(s);

    /* the same login from a capture is not L1 */
    struct session *cap = starttls_plain_login(false);
    expect_no_violation(cap, "L1");
    session_free(cap);
}

Test(login, scram_y_flag_while_plus_offered_is_c12)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN");
    c_el(&d, auth("SCRAM-SHA-1", BOB_SCRAM_Y)); /* step 10 */
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C12", SEV_ERROR);
    const struct violation *v = find_violation(s, "C12");
    if (v)
        cr_expect_eq(v->seq, 10);
    /* C12 says it all: no second, weaker finding about the same choice */
    expect_no_violation(s, "C11");
    expect_no_violation(s, "B2");
    cr_assert_eq(s->auth.nattempts, 1);
    cr_expect_str_eq(s->auth.attempts[0].credentials.authcid, "bob");
    session_free(s);

    /* "y" is fine when no -PLUS mechanism was offered */
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1 PLAIN");
    c_el(&d, auth("SCRAM-SHA-1", BOB_SCRAM_Y));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "C12");
    expect_no_violation(s, "C11");
    session_free(s);
}

Test(login, mechanism_not_offered_is_c2)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1");
    c_el(&d, auth("PLAIN", ALICE_PLAIN));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C2", SEV_WARNING);
    session_free(s);
}

Test(login, log_verdict_alone_makes_an_attempt)
{
    struct drv d;
    drv_init(&d, false, true);
    c_open(&d);
    s_open(&d, "s1");
    login_log_auth(d.l, d.t + 10, false, "PLAIN", "mallory@" DOMAIN, "127.0.0.1",
                   "Invalid username or password", TRI_NULL);
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    cr_expect_eq(s->outcome, OUTCOME_AUTH_FAILED, "outcome %s", outcome_name(s->outcome));
    cr_assert_eq(s->auth.nattempts, 1);
    cr_expect_str_eq(s->auth.attempts[0].mechanism, "PLAIN");
    cr_expect_eq(s->auth.attempts[0].result, AUTH_FAILURE);
    cr_expect_eq(s->auth.attempts[0].tls, TRI_NULL);
    cr_assert_not_null(s->user);
    cr_expect_str_eq(s->user, "mallory");
    const struct phase_event *p = find_phase(s, "log-auth-fail(PLAIN)");
    cr_assert_not_null(p, "events: %s", events(s));
    cr_expect_eq(p->dir, '-');
    cr_expect_not_null(strstr(p->summary, "Invalid username or password"), "%s", p->summary);
    session_free(s);
}

Test(login, free_and_finish_on_empty_input)
{
    login_free(NULL);
    struct drv d;
    drv_init(&d, false, false);
    cr_expect_not_null(login_session(d.l));
    cr_expect_not(login_stream_over(d.l));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_eq(s->nphases, 0);
    cr_expect_eq(s->outcome, OUTCOME_INCOMPLETE, "outcome %s", outcome_name(s->outcome));
    expect_no_violation(s, "K4");
    session_free(s);
}

/* ---- one hand-made stream per finding the real server does not produce ------------ */

/* Logs in with PLAIN over TLS up to the post-auth features (bind offered, session optional). */
static void
tls_plain_until_bind_features(struct drv *d)
{
    starttls_prologue(d, "SCRAM-SHA-1 PLAIN");
    c_el(d, auth("PLAIN", ALICE_PLAIN));
    s_el(d, mk("success", NS_SASL));
    c_open(d);
    s_open(d, "s3");
}

Test(login, required_starttls_ignored_and_answered_is_b4_and_b5)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS | F_REQUIRED, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_PLAIN));
    s_el(&d, mk("success", NS_SASL));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "B4", SEV_ERROR);
    expect_violation(s, "B5", SEV_ERROR);
    expect_violation(s, "B18", SEV_WARNING); /* required, yet mechanisms offered too */
    expect_violation(s, "B1", SEV_ERROR);
    session_free(s);
}

Test(login, starttls_refused_is_b8)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "SCRAM-SHA-1");
    c_el(&d, mk("starttls", NS_TLS));
    s_el(&d, mk("failure", NS_TLS));
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "B8", SEV_INFO);
    session_free(s);
}

Test(login, features_that_offer_registration_before_tls_are_b17)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS | F_IQAUTH, "SCRAM-SHA-1");
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "B17", SEV_WARNING);
    const struct violation *v = find_violation(s, "B17");
    cr_assert_not_null(v);
    cr_expect(strstr(v->message, "legacy authentication") != NULL, "%s", v->message);
    session_free(s);
}

Test(login, abort_answered_with_another_condition_is_c6)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1");
    c_el(&d, auth("SCRAM-SHA-1", ALICE_SCRAM_N));
    s_el(&d, with_text(mk("challenge", NS_SASL), SERVER_FIRST));
    c_el(&d, mk("abort", NS_SASL));
    s_el(&d, sasl_failure("not-authorized"));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C6", SEV_WARNING);
    session_free(s);

    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1");
    c_el(&d, auth("SCRAM-SHA-1", ALICE_SCRAM_N));
    c_el(&d, mk("abort", NS_SASL));
    s_el(&d, sasl_failure("aborted"));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "C6");
    session_free(s);
}

Test(login, six_failures_on_one_stream_are_c9)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    for (int i = 0; i < 6; i++) {
        c_el(&d, auth("PLAIN", ALICE_WRONG));
        s_el(&d, sasl_failure("not-authorized"));
    }
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C9", SEV_WARNING);
    cr_expect_eq(s->auth.nattempts, 6);
    session_free(s);

    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    for (int i = 0; i < 5; i++) {
        c_el(&d, auth("PLAIN", ALICE_WRONG));
        s_el(&d, sasl_failure("not-authorized"));
    }
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "C9");
    session_free(s);
}

Test(login, proxy_authorization_is_c14)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    /* "admin@xmppflow.test\0alice\0Wonderland-Secret-1" */
    c_el(&d, auth("PLAIN", "YWRtaW5AeG1wcGZsb3cudGVzdABhbGljZQBXb25kZXJsYW5kLVNlY3JldC0x"));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C14", SEV_INFO);
    session_free(s);
}

Test(login, wrapped_base64_is_c16)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, auth("PLAIN", "AGFsaWNlAFdvbmRl\ncmxhbmQtU2VjcmV0LTE="));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C16", SEV_WARNING);
    cr_expect_str_eq(s->auth.attempts[0].credentials.authcid, "alice");
    session_free(s);
}

Test(login, anonymous_and_obsolete_mechanisms_are_c18_and_c19)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "ANONYMOUS DIGEST-MD5");
    c_el(&d, auth("ANONYMOUS", NULL));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C18", SEV_INFO);
    session_free(s);

    drv_init(&d, false, false);
    starttls_prologue(&d, "DIGEST-MD5");
    c_el(&d, auth("DIGEST-MD5", NULL));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C19", SEV_WARNING);
    session_free(s);
}

Test(login, few_scram_iterations_are_c20)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1");
    c_el(&d, auth("SCRAM-SHA-1", ALICE_SCRAM_N));
    /* r=...,s=...,i=1024 */
    s_el(&d, with_text(mk("challenge", NS_SASL), "cj1hYmMscz1abTl2YkE9PSxpPTEwMjQ="));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C20", SEV_WARNING);
    session_free(s);
}

Test(login, bind_findings_d2_d11_d12)
{
    struct drv d;
    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    s_features(&d, F_SESSION, NULL); /* no <bind/>: D4 for the server, D2 for the client */
    c_el(&d, iq("set", "b1", with_child(mk("bind", NS_BIND), with_text(mk("resource", NS_BIND), "r"))));
    struct stanza *err = iq("error", "b1", NULL);
    with_child(err, with_child(mk("error", NS_CLIENT), mk("conflict", NS_STANZAS)));
    s_el(&d, err);
    c_el(&d, iq("set", "b2", with_child(mk("bind", NS_BIND), with_text(mk("resource", NS_BIND), "r"))));
    s_el(&d, iq("result", "b2", with_child(mk("bind", NS_BIND), with_text(mk("jid", NS_BIND), "alice@" DOMAIN "/other"))));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "D4", SEV_WARNING);
    expect_violation(s, "D2", SEV_WARNING);
    expect_violation(s, "D11", SEV_INFO);
    expect_violation(s, "D12", SEV_INFO);
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED);
    session_free(s);
}

Test(login, session_findings_d14_and_d15)
{
    struct drv d;
    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    s_features(&d, F_BIND, NULL); /* no session feature */
    c_el(&d, iq("set", "b1", mk("bind", NS_BIND)));
    s_el(&d, iq("result", "b1", with_child(mk("bind", NS_BIND), with_text(mk("jid", NS_BIND), "alice@" DOMAIN "/x"))));
    c_el(&d, iq("set", "s1", mk("session", NS_SESSION)));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "D14", SEV_INFO);
    session_free(s);

    /* session offered without <optional/>: skipping it is D15 */
    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    struct stanza *f = stanza_new("features", "stream", NS_STREAM);
    with_child(f, mk("bind", NS_BIND));
    with_child(f, mk("session", NS_SESSION));
    s_el(&d, f);
    c_el(&d, iq("set", "b1", mk("bind", NS_BIND)));
    s_el(&d, iq("result", "b1", with_child(mk("bind", NS_BIND), with_text(mk("jid", NS_BIND), "alice@" DOMAIN "/x"))));
    c_el(&d, mk("presence", NS_CLIENT));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "D15", SEV_WARNING);
    session_free(s);
}

Test(login, sm_findings_f3_f4_f7_f8)
{
    struct drv d;
    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    s_features(&d, F_BIND, NULL); /* no <sm/> */
    c_el(&d, iq("set", "b1", mk("bind", NS_BIND)));
    s_el(&d, iq("result", "b1", with_child(mk("bind", NS_BIND), with_text(mk("jid", NS_BIND), "alice@" DOMAIN "/x"))));
    c_el(&d, mk("r", NS_SM3));
    c_el(&d, mk("enable", NS_SM3));
    s_el(&d, with_attr(mk("enabled", NS_SM3), "id", "sm1"));
    c_el(&d, mk("enable", NS_SM3));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "F8", SEV_WARNING);
    expect_violation(s, "F3", SEV_WARNING);
    expect_violation(s, "F4", SEV_WARNING);
    session_free(s);

    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    s_features(&d, F_BIND, NULL);
    c_el(&d, with_attr(with_attr(mk("resume", NS_SM3), "previd", "old"), "h", "0"));
    s_el(&d, with_child(mk("failed", NS_SM3), mk("item-not-found", NS_STANZAS)));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "F7", SEV_INFO);
    session_free(s);
}

Test(login, legacy_findings_e6_e7_e8)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, auth("PLAIN", ALICE_WRONG));
    s_el(&d, sasl_failure("not-authorized"));
    struct stanza *q = mk("query", NS_IQ_AUTH);
    with_child(q, with_text(mk("username", NS_IQ_AUTH), "alice"));
    with_child(q, with_text(mk("password", NS_IQ_AUTH), "Bob-Wrong-6"));
    c_el(&d, iq("set", "a1", q));
    struct stanza *echo = mk("query", NS_IQ_AUTH);
    with_child(echo, with_text(mk("username", NS_IQ_AUTH), "alice"));
    with_child(echo, with_text(mk("password", NS_IQ_AUTH), "Bob-Wrong-6"));
    struct stanza *err = iq("error", "a1", echo);
    with_child(err, with_child(mk("error", NS_CLIENT), mk("not-authorized", NS_STANZAS)));
    s_el(&d, err);
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "E6", SEV_WARNING);
    expect_violation(s, "E7", SEV_WARNING); /* no resource */
    expect_violation(s, "E8", SEV_ERROR);
    /* the echoed password is masked in the step summary */
    const struct phase_event *p = find_phase(s, "legacy-auth-error(not-authorized)");
    cr_assert_not_null(p, "events: %s", events(s));
    cr_expect(strstr(p->summary, "Bob-Wrong-6") == NULL, "%s", p->summary);
    cr_expect(strstr(p->summary, "<hidden>") != NULL, "%s", p->summary);
    session_free(s);
}

Test(login, registration_findings_e1_e9)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "SCRAM-SHA-1"); /* no <register/> */
    struct stanza *q = mk("query", NS_IQ_REGISTER);
    with_child(q, mk("remove", NS_IQ_REGISTER));
    c_el(&d, iq("set", "r1", q));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "E1", SEV_INFO);
    expect_violation(s, "E9", SEV_INFO);
    session_free(s);
}

Test(login, stream_findings_a10_a14_a15_k3_k5)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "SCRAM-SHA-1");
    c_el(&d, mk("starttls", NS_TLS));
    feed(&d, 'C', FRAME_WHITESPACE, NULL);
    /* the framer's mark makes it A15 (framer.h), not the message's wording */
    struct frame fr = {.kind = FRAME_ERROR, .message = "restricted XML: comment", .restricted = true};
    login_frame(d.l, 'C', d.t + 1, &fr);
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "A10", SEV_WARNING);
    expect_violation(s, "A15", SEV_WARNING);
    session_free(s);

    /* a stream error before the server's own header: K3 */
    drv_init(&d, false, false);
    c_open(&d);
    struct stanza *e = stanza_new("error", "stream", NS_STREAM);
    with_child(e, mk("host-unknown", NS_STREAMS_ERR));
    s_el(&d, e);
    s_close(&d);
    s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "K3", SEV_WARNING);
    cr_expect_eq(s->outcome, OUTCOME_ERROR);
    session_free(s);

    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    s_features(&d, F_BIND, NULL);
    c_el(&d, iq("set", "b1", mk("bind", NS_BIND)));
    s_el(&d, iq("result", "b1", with_child(mk("bind", NS_BIND), with_text(mk("jid", NS_BIND), "alice@" DOMAIN "/x"))));
    s_features(&d, F_BIND, NULL); /* features again after the login is complete */
    c_close(&d);
    s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "A14", SEV_WARNING);
    expect_violation(s, "K5", SEV_WARNING);
    session_free(s);
}

Test(login, tls_alert_during_the_handshake_is_b13)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "SCRAM-SHA-1");
    c_el(&d, mk("starttls", NS_TLS));
    s_el(&d, mk("proceed", NS_TLS));
    login_pseudo(d.l, EV_TLS_ALERT, d.t + 1, "alert from the server");
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "B13", SEV_INFO);
    session_free(s);
}

/* ---- second batch: headers, SASL2, compression, SM, addressing -------------------- */

static void
bound_alice(struct drv *d)
{
    tls_plain_until_bind_features(d);
    s_features(d, F_BIND, NULL);
    c_el(d, iq("set", "b1", mk("bind", NS_BIND)));
    s_el(d, iq("result", "b1", with_child(mk("bind", NS_BIND), with_text(mk("jid", NS_BIND), "alice@" DOMAIN "/x"))));
}

Test(login, header_findings_a2_a7_a8)
{
    struct drv d;
    drv_init(&d, false, false);
    struct stanza *h = stanza_new("stream", "stream", NS_STREAM);
    with_attr(h, "to", DOMAIN);
    with_attr(h, "from", "alice@" DOMAIN);
    with_attr(h, "version", "1.0");
    c_el(&d, h);
    s_open(&d, "s1");
    s_el(&d, mk("message", NS_CLIENT)); /* not the features */
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "A8", SEV_WARNING);
    expect_violation(s, "A2", SEV_WARNING);
    session_free(s);

    drv_init(&d, false, false);
    struct stanza *old = stanza_new("stream", "stream", NS_STREAM);
    with_attr(old, "to", DOMAIN);
    c_el(&d, old);
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "A7", SEV_INFO);
    session_free(s);
}

Test(login, cleartext_during_the_tls_handshake_is_b9)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "SCRAM-SHA-1");
    c_el(&d, mk("starttls", NS_TLS));
    s_el(&d, mk("proceed", NS_TLS));
    login_pseudo(d.l, EV_XML_ERROR, d.t + 1, "client bytes where TLS records were due");
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "B9", SEV_WARNING);
    session_free(s);
}

Test(login, direct_tls_without_sni_or_alpn_is_b14)
{
    struct drv d;
    drv_init(&d, false, false);
    login_session(d.l)->transport = TRANSPORT_TLS;
    login_client_hello(d.l, d.t + 1, NULL, "h2,http/1.1");
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "B14", SEV_WARNING);
    session_free(s);

    drv_init(&d, false, false);
    login_session(d.l)->transport = TRANSPORT_TLS;
    login_client_hello(d.l, d.t + 1, DOMAIN, "xmpp-client");
    s = finish(&d, LOGIN_END_CLOSED);
    expect_no_violation(s, "B14");
    cr_expect_str_eq(s->domain, DOMAIN);
    session_free(s);
}

Test(login, tls_unique_over_tls13_is_c13)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, F_STARTTLS, "SCRAM-SHA-1");
    c_el(&d, mk("starttls", NS_TLS));
    s_el(&d, mk("proceed", NS_TLS));
    login_tls_version(d.l, 0x0304);
    tls_up(&d);
    c_open(&d);
    s_open(&d, "s2");
    s_features(&d, 0, "SCRAM-SHA-1-PLUS SCRAM-SHA-1");
    /* p=tls-unique,,n=alice,r=abc */
    c_el(&d, auth("SCRAM-SHA-1-PLUS", "cD10bHMtdW5pcXVlLCxuPWFsaWNlLHI9YWJj"));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C13", SEV_WARNING);
    session_free(s);
}

Test(login, addressing_before_bind_is_d6_or_d7_and_answers_are_d8)
{
    struct drv d;
    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    s_features(&d, F_BIND, NULL);
    c_el(&d, with_attr(mk("message", NS_CLIENT), "to", "bob@" DOMAIN));
    s_el(&d, with_attr(mk("message", NS_CLIENT), "from", "bob@" DOMAIN));
    c_el(&d, with_attr(mk("presence", NS_CLIENT), "to", "alice@" DOMAIN));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "D6", SEV_WARNING);
    expect_violation(s, "D8", SEV_WARNING);
    expect_violation(s, "D7", SEV_INFO);
    session_free(s);
}

Test(login, eleven_bind_errors_are_d10)
{
    struct drv d;
    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    s_features(&d, F_BIND, NULL);
    for (int i = 0; i < 11; i++) {
        char id[8];
        snprintf(id, sizeof id, "b%d", i);
        c_el(&d, iq("set", id, mk("bind", NS_BIND)));
        struct stanza *err = iq("error", id, NULL);
        with_child(err, with_child(mk("error", NS_CLIENT), mk("conflict", NS_STANZAS)));
        s_el(&d, err);
    }
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "D10", SEV_WARNING);
    session_free(s);
}

static struct stanza *
register_set(const char *user)
{
    struct stanza *q = mk("query", NS_IQ_REGISTER);
    with_child(q, with_text(mk("username", NS_IQ_REGISTER), user));
    with_child(q, with_text(mk("password", NS_IQ_REGISTER), "Handmade-Secret-0"));
    return q;
}

Test(login, registration_then_other_things_is_e3_and_twice_is_e4)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1");
    c_el(&d, iq("set", "r1", register_set("carol")));
    s_el(&d, iq("result", "r1", NULL));
    c_el(&d, iq("set", "r2", register_set("dave")));
    s_el(&d, iq("result", "r2", NULL));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "E4", SEV_WARNING);
    cr_expect_eq(s->outcome, OUTCOME_REGISTERED, "%s", outcome_name(s->outcome));
    session_free(s);

    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1");
    c_el(&d, iq("set", "r1", register_set("carol")));
    s_el(&d, iq("result", "r1", NULL));
    c_el(&d, mk("presence", NS_CLIENT));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "E3", SEV_WARNING);
    session_free(s);
}

Test(login, resume_after_bind_is_f6_and_a_dropped_resumable_stream_is_f11)
{
    struct drv d;
    drv_init(&d, false, false);
    bound_alice(&d);
    c_el(&d, with_attr(with_attr(mk("resume", NS_SM3), "previd", "x"), "h", "0"));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "F6", SEV_WARNING);
    session_free(s);

    drv_init(&d, false, false);
    bound_alice(&d);
    c_el(&d, with_attr(mk("enable", NS_SM3), "resume", "true"));
    s_el(&d, with_attr(with_attr(mk("enabled", NS_SM3), "id", "sm1"), "resume", "true"));
    s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "F11", SEV_INFO);
    expect_violation(s, "K4", SEV_INFO);
    session_free(s);
}

Test(login, compression_findings_g1_g2_g4)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    struct stanza *f = stanza_new("features", "stream", NS_STREAM);
    with_child(f, with_child(mk("compression", NS_FEAT_COMPRESS), with_text(mk("method", NS_FEAT_COMPRESS), "zlib")));
    with_child(f, with_child(mk("mechanisms", NS_SASL), with_text(mk("mechanism", NS_SASL), "SCRAM-SHA-1")));
    s_el(&d, f);
    c_el(&d, with_child(mk("compress", NS_COMPRESS), with_text(mk("method", NS_COMPRESS), "lzw")));
    s_el(&d, mk("compressed", NS_COMPRESS));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "G1", SEV_WARNING);
    expect_violation(s, "G4", SEV_WARNING);
    expect_violation(s, "G2", SEV_WARNING);
    session_free(s);
}

static void
sasl2_features(struct drv *d)
{
    struct stanza *f = stanza_new("features", "stream", NS_STREAM);
    struct stanza *a = mk("authentication", NS_SASL2);
    with_child(a, with_text(mk("mechanism", NS_SASL2), "SCRAM-SHA-256"));
    with_child(f, a);
    s_el(d, f);
}

Test(login, sasl2_findings_b16_h1_h2_h3_h8_h9)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    sasl2_features(&d);
    struct stanza *a = with_attr(mk("authenticate", NS_SASL2), "mechanism", "PLAIN");
    with_child(a, with_text(mk("initial-response", NS_SASL2), "AGFsaWNlAEhhbmRtYWRlLVNlY3JldC0w"));
    with_child(a, with_attr(mk("user-agent", NS_SASL2), "id", "not-a-uuid"));
    c_el(&d, a);
    c_el(&d, mk("presence", NS_CLIENT)); /* not a SASL2 element */
    struct stanza *ok = mk("success", NS_SASL2);
    with_child(ok, with_text(mk("authorization-identifier", NS_SASL2), "alice@" DOMAIN));
    with_child(ok, with_attr(mk("token", "urn:xmpp:fast:0"), "token", "secret-token"));
    s_el(&d, ok);
    s_el(&d, mk("message", NS_CLIENT)); /* features were due */
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "B16", SEV_ERROR);
    expect_violation(s, "H2", SEV_WARNING);
    expect_violation(s, "H9", SEV_WARNING);
    expect_violation(s, "H1", SEV_WARNING);
    expect_violation(s, "H8", SEV_INFO);
    expect_violation(s, "H3", SEV_WARNING);
    cr_expect_eq(s->auth.outcome, AUTH_SUCCESS);
    cr_expect_str_eq(s->auth.attempts[0].credentials.authcid, "alice");
    session_free(s);
}

Test(login, sasl2_with_inline_bind_is_established)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-256");
    struct stanza *a = with_attr(mk("authenticate", NS_SASL2), "mechanism", "PLAIN");
    with_child(a, with_text(mk("initial-response", NS_SASL2), "AGFsaWNlAEhhbmRtYWRlLVNlY3JldC0w"));
    c_el(&d, a);
    struct stanza *ok = mk("success", NS_SASL2);
    with_child(ok, with_text(mk("authorization-identifier", NS_SASL2), "alice@" DOMAIN "/bound2"));
    with_child(ok, mk("bound", "urn:xmpp:bind:0"));
    s_el(&d, ok);
    s_features(&d, 0, NULL);
    c_el(&d, mk("presence", NS_CLIENT));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED, "%s", outcome_name(s->outcome));
    cr_expect_str_eq(s->jid, "alice@" DOMAIN "/bound2");
    expect_no_violation(s, "B16");
    expect_no_violation(s, "H3");
    expect_no_violation(s, "D5");
    session_free(s);
}

Test(login, data_after_a_stream_error_is_k2_and_redirect_in_clear_is_k7)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    struct stanza *e = stanza_new("error", "stream", NS_STREAM);
    with_child(e, mk("see-other-host", NS_STREAMS_ERR));
    s_el(&d, e);
    s_el(&d, mk("message", NS_CLIENT));
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "K7", SEV_WARNING);
    expect_violation(s, "K2", SEV_WARNING);
    session_free(s);
}

Test(login, malformed_plain_is_c16_and_oauth_tokens_are_masked_as_tokens)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN X-OAUTH2");
    c_el(&d, auth("PLAIN", "YWxpY2U=")); /* "alice": no NUL separators */
    s_el(&d, sasl_failure("malformed-request"));
    /* "\0alice\0ya29.token-value" */
    c_el(&d, auth("X-OAUTH2", "AGFsaWNlAHlhMjkudG9rZW4tdmFsdWU="));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C16", SEV_WARNING);
    const struct phase_event *p = find_phase(s, "auth(X-OAUTH2)");
    cr_assert_not_null(p, "%s", events(s));
    cr_expect(strstr(p->summary, "token=<hidden>") != NULL, "%s", p->summary);
    cr_expect(strstr(p->summary, "ya29") == NULL, "%s", p->summary);
    cr_expect_str_eq(s->auth.attempts[1].credentials.password, "ya29.token-value");
    session_free(s);
}

/* ---- bytes through the real framers (what a log or a capture feeds) ------------ */

struct pipe {
    struct drv d;
    struct framer *f[2]; /* [0] client, [1] server */
};

static void
pipe_init(struct pipe *p)
{
    drv_init(&p->d, false, false);
    p->f[0] = framer_new("client", NULL);
    p->f[1] = framer_new("server", NULL);
}

static void
pipe_feed(struct pipe *p, char dir, const char *bytes)
{
    struct framer *f = p->f[dir == 'S'];
    framer_feed(f, bytes, strlen(bytes));
    struct frame fr;
    while (framer_next(f, &fr)) {
        p->d.t += 1000;
        login_frame(p->d.l, dir, p->d.t, &fr);
    }
}

static struct session *
pipe_finish(struct pipe *p, enum login_end how)
{
    framer_free(p->f[0]);
    framer_free(p->f[1]);
    return finish(&p->d, how);
}

#define P_STREAMS "xmlns:stream='http://etherx.jabber.org/streams'"
#define P_C_HDR "<stream:stream to='" DOMAIN "' version='1.0' xmlns='jabber:client' " P_STREAMS ">"
#define P_S_HDR "<?xml version='1.0'?><stream:stream id='%s' from='" DOMAIN "' version='1.0' " \
                "xmlns='jabber:client' " P_STREAMS ">"
#define P_S_ERROR(cond) "<stream:error><" cond " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"

static void
pipe_server_header(struct pipe *p, const char *id)
{
    char hdr[512];
    snprintf(hdr, sizeof hdr, P_S_HDR, id);
    pipe_feed(p, 'S', hdr);
}

Test(login, data_before_the_stream_header_is_a1_not_a_mid_stream_pickup)
{
    struct pipe p;
    pipe_init(&p);
    pipe_feed(&p, 'C', "<presence id='p1'/>");
    pipe_server_header(&p, "s1");
    pipe_feed(&p, 'S', P_S_ERROR("invalid-xml") "</stream:stream>");
    struct session *s = pipe_finish(&p, LOGIN_END_CLOSED);
    cr_expect_str_eq(s->phases[0].event, "stanza:presence", "%s", events(s));
    expect_violation(s, "A1", SEV_WARNING);
    const struct violation *v = find_violation(s, "A1");
    if (v)
        cr_expect_eq(v->seq, 1);
    expect_no_violation(s, "A17");
    expect_no_violation(s, "D5");
    expect_violation(s, "K1", SEV_INFO);
    cr_expect_eq(s->outcome, OUTCOME_ERROR);
    session_free(s);
}

Test(login, stream_error_without_the_server_header_is_k3_through_the_framer)
{
    struct pipe p;
    pipe_init(&p);
    pipe_feed(&p, 'C', P_C_HDR);
    pipe_feed(&p, 'S', P_S_ERROR("host-unknown") "</stream:stream>");
    struct session *s = pipe_finish(&p, LOGIN_END_CLOSED);
    cr_expect_str_eq(events(s), "C:stream-open S:stream-error(host-unknown) S:stream-close");
    expect_violation(s, "K3", SEV_WARNING);
    expect_violation(s, "K1", SEV_INFO);
    expect_no_violation(s, "K5");
    session_free(s);
}

Test(login, data_after_the_own_close_is_k6_through_the_framer)
{
    struct pipe p;
    pipe_init(&p);
    pipe_feed(&p, 'C', P_C_HDR);
    pipe_server_header(&p, "s1");
    pipe_feed(&p, 'S', "<stream:features/>");
    pipe_feed(&p, 'C', "</stream:stream><presence type='unavailable'/>");
    pipe_feed(&p, 'S', "</stream:stream>");
    struct session *s = pipe_finish(&p, LOGIN_END_CLOSED);
    cr_expect_str_eq(events(s), "C:stream-open S:stream-open S:features C:stream-close "
                                "C:stanza:presence S:stream-close");
    expect_violation(s, "K6", SEV_WARNING);
    const struct violation *v = find_violation(s, "K6");
    if (v)
        cr_expect_eq(v->seq, 5);
    session_free(s);

    /* the server closed first: the client may still send before its own close (RFC 6120 §4.4) */
    pipe_init(&p);
    pipe_feed(&p, 'C', P_C_HDR);
    pipe_server_header(&p, "s1");
    pipe_feed(&p, 'S', "<stream:features/></stream:stream>");
    pipe_feed(&p, 'C', "<presence type='unavailable'/></stream:stream>");
    s = pipe_finish(&p, LOGIN_END_CLOSED);
    expect_no_violation(s, "K6");
    session_free(s);

    /* the server's own data after its close is K6 too */
    pipe_init(&p);
    pipe_feed(&p, 'C', P_C_HDR);
    pipe_server_header(&p, "s1");
    pipe_feed(&p, 'S', "<stream:features/></stream:stream><message><body>bye</body></message>");
    s = pipe_finish(&p, LOGIN_END_INPUT_END);
    expect_violation(s, "K6", SEV_WARNING);
    session_free(s);
}

static void
c_header_ns(struct drv *d, const char *ns, const char *default_ns)
{
    struct stanza *h = stanza_new("stream", "stream", ns);
    with_attr(h, "to", DOMAIN);
    with_attr(h, "version", "1.0");
    stanza_set_default_ns(h, default_ns);
    feed(d, 'C', FRAME_STREAM_OPEN, h);
}

Test(login, wrong_content_or_stream_namespace_is_a9)
{
    struct drv d;
    drv_init(&d, false, false);
    c_header_ns(&d, NS_STREAM, "jabber:server");
    s_open(&d, "s1");
    s_el(&d, with_child(stanza_new("error", "stream", NS_STREAM), mk("invalid-namespace", NS_STREAMS_ERR)));
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "A9", SEV_WARNING);
    session_free(s);

    /* jabber:client, or no content namespace at all (RFC 6120 §4.8.2: declaring it is a MAY) */
    drv_init(&d, false, false);
    c_header_ns(&d, NS_STREAM, NS_CLIENT);
    s_open(&d, "s1");
    c_header_ns(&d, NS_STREAM, NULL);
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "A9");
    session_free(s);

    /* a header outside the stream namespace (RFC 6120 §4.8.1): still the stream's opening */
    drv_init(&d, false, false);
    c_header_ns(&d, NS_CLIENT, NS_CLIENT);
    s_open(&d, "s1");
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "A9", SEV_WARNING);
    cr_expect_str_eq(events(s), "C:stream-open S:stream-open");
    expect_no_violation(s, "A17");
    session_free(s);
}

static struct stanza *
register_iq(const char *type, const char *id)
{
    struct stanza *q = mk("query", NS_IQ_REGISTER);
    if (strcmp(type, "set") == 0) {
        with_child(q, with_text(mk("username", NS_IQ_REGISTER), "alice"));
        with_child(q, with_text(mk("password", NS_IQ_REGISTER), "Handmade-Secret-0"));
    }
    return iq(type, id, q);
}

Test(login, going_back_to_registration_after_sasl_is_a16)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1");
    c_el(&d, auth("SCRAM-SHA-1", ALICE_SCRAM_N));
    s_el(&d, sasl_failure("not-authorized"));
    c_el(&d, register_iq("get", "r1"));
    s_el(&d, iq("result", "r1", mk("query", NS_IQ_REGISTER)));
    c_el(&d, register_iq("set", "r2"));
    s_el(&d, iq("result", "r2", NULL));
    c_el(&d, auth("SCRAM-SHA-1", ALICE_SCRAM_N));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "A16", SEV_WARNING);
    const struct violation *v = find_violation(s, "A16");
    if (v)
        cr_expect_str_eq(s->phases[v->seq - 1].event, "register-get");
    size_t n = 0;
    for (size_t i = 0; i < s->nviolations; i++)
        n += strcmp(s->violations[i].code, "A16") == 0;
    cr_expect_eq(n, 1, "one A16 for one step back: %s", codes(s));
    session_free(s);
}

Test(login, the_usual_orders_are_no_a16)
{
    /* TLS, registration, SASL (XEP-0170), a second attempt after a failure, bind, sm before session */
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN");
    c_el(&d, register_iq("get", "r1"));
    s_el(&d, iq("result", "r1", mk("query", NS_IQ_REGISTER)));
    c_el(&d, register_iq("set", "r2"));
    s_el(&d, iq("result", "r2", NULL));
    c_el(&d, auth("PLAIN", ALICE_WRONG));
    s_el(&d, sasl_failure("not-authorized"));
    c_el(&d, auth("PLAIN", ALICE_PLAIN));
    s_el(&d, mk("success", NS_SASL));
    bind_epilogue(&d, "alice");
    c_el(&d, mk("enable", NS_SM3));
    s_el(&d, with_attr(mk("enabled", NS_SM3), "id", "sm1"));
    c_el(&d, iq("set", "s1", mk("session", NS_SESSION)));
    s_el(&d, iq("result", "s1", NULL));
    /* a password change once logged in (XEP-0077 §3.3) */
    c_el(&d, register_iq("set", "r3"));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "A16");
    session_free(s);

    /* a failed resumption leaves bind to do (XEP-0198 §5) */
    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    s_features(&d, F_BIND, NULL);
    c_el(&d, with_attr(with_attr(mk("resume", NS_SM3), "previd", "old"), "h", "0"));
    s_el(&d, with_child(mk("failed", NS_SM3), mk("item-not-found", NS_STANZAS)));
    c_el(&d, iq("set", "b1", mk("bind", NS_BIND)));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "A16");
    session_free(s);

    /* a step back the state machine names itself is not A16 as well: starttls after auth is B7 */
    drv_init(&d, false, false);
    tls_plain_until_bind_features(&d);
    s_features(&d, F_BIND, NULL);
    c_el(&d, mk("starttls", NS_TLS));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "B7", SEV_WARNING);
    expect_no_violation(s, "A16");
    session_free(s);
}

Test(login, empty_auth_taken_as_an_empty_initial_response_is_c17)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "EXTERNAL SCRAM-SHA-1");
    c_el(&d, auth("EXTERNAL", NULL));
    s_el(&d, mk("success", NS_SASL));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    expect_violation(s, "C17", SEV_WARNING);
    const struct violation *v = find_violation(s, "C17");
    if (v)
        cr_expect_str_eq(s->phases[v->seq - 1].event, "auth(EXTERNAL)");
    session_free(s);

    /* RFC 6120 §6.4.2: "=" is the empty initial response */
    drv_init(&d, false, false);
    starttls_prologue(&d, "EXTERNAL SCRAM-SHA-1");
    c_el(&d, auth("EXTERNAL", "="));
    s_el(&d, mk("success", NS_SASL));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "C17");
    session_free(s);

    /* no initial response, and the server asks for it with an empty challenge */
    drv_init(&d, false, false);
    starttls_prologue(&d, "EXTERNAL SCRAM-SHA-1");
    c_el(&d, auth("EXTERNAL", NULL));
    s_el(&d, mk("challenge", NS_SASL));
    c_el(&d, mk("response", NS_SASL));
    s_el(&d, mk("success", NS_SASL));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "C17");
    session_free(s);

    /* no initial response, refused at once: nothing was taken as data */
    drv_init(&d, false, false);
    starttls_prologue(&d, "EXTERNAL SCRAM-SHA-1");
    c_el(&d, auth("EXTERNAL", NULL));
    s_el(&d, sasl_failure("invalid-mechanism"));
    s = finish(&d, LOGIN_END_INPUT_END);
    expect_no_violation(s, "C17");
    session_free(s);
}

/* Info level: every verdict line is an attempt; PLAIN on a tcp-tagged socket sent its password in clear. */
Test(login, info_level_failed_plain_attempts_are_each_a_password_on_the_wire)
{
    struct drv d;
    drv_init(&d, false, true);
    for (int i = 0; i < 3; i++)
        login_log_auth(d.l, d.t + 10 * (i + 1), false, "PLAIN", "eve@" DOMAIN, "127.0.0.1",
                       "Invalid username or password", TRI_FALSE);
    login_log_auth(d.l, d.t + 50, true, "SCRAM-SHA-1", "eve@" DOMAIN, "127.0.0.1", NULL, TRI_FALSE);
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    cr_assert_eq(s->auth.nattempts, 4);
    for (size_t i = 0; i < 4; i++) {
        cr_expect(s->auth.attempts[i].inferred);
        cr_expect_eq(s->auth.attempts[i].tls, TRI_FALSE);
        cr_expect_eq(s->auth.attempts[i].plaintext, i < 3, "attempt %zu", i);
    }
    cr_expect(s->password_on_wire && s->password_wire_inferred && !s->password_in_log);
    cr_expect_eq(s->wire_exposures, 3);
    session_free(s);
}

/* ---- C22: the server log's authentication lines ------------------------------------ */

Test(login, log_auth_lines_are_c22)
{
    struct drv d;
    drv_init(&d, false, true);
    c_open(&d);
    s_open(&d, "s1");
    login_log_auth(d.l, d.t + 10, false, "PLAIN", "alice@" DOMAIN, "127.0.0.1",
                   "Invalid username or password", TRI_NULL);
    login_log_auth(d.l, d.t + 20, true, "SCRAM-SHA-1", "alice@" DOMAIN, "127.0.0.1", NULL, TRI_NULL);
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    const struct phase_event *fail = find_phase(s, "log-auth-fail(PLAIN)");
    const struct phase_event *ok = find_phase(s, "log-auth-ok(SCRAM-SHA-1)");
    cr_assert_not_null(fail, "events: %s", events(s));
    cr_assert_not_null(ok, "events: %s", events(s));
    unsigned n = 0;
    for (size_t i = 0; i < s->nviolations; i++) {
        const struct violation *v = &s->violations[i];
        if (strcmp(v->code, "C22") != 0)
            continue;
        n++;
        cr_expect_eq(v->severity, SEV_INFO);
        cr_expect_null(v->ref);
        cr_expect(v->seq == fail->seq || v->seq == ok->seq, "C22 at step %u", v->seq);
        const char *want =
            v->seq == fail->seq
                ? "ejabberd logged: failed PLAIN authentication for alice@" DOMAIN
                  " from 127.0.0.1: Invalid username or password"
                : "ejabberd logged: accepted SCRAM-SHA-1 authentication for alice@" DOMAIN
                  " from 127.0.0.1";
        cr_expect_str_eq(v->message, want);
    }
    cr_expect_eq(n, 2, "violations: %s", codes(s));
    session_free(s);

    /* an unknown user, no address: still one finding per line */
    drv_init(&d, false, true);
    login_log_auth(d.l, d.t + 10, false, "DIGEST-MD5", NULL, NULL, "Invalid username or password", TRI_NULL);
    s = finish(&d, LOGIN_END_CLOSED);
    expect_violation(s, "C22", SEV_INFO);
    const struct violation *v = find_violation(s, "C22");
    if (v)
        cr_expect_str_eq(v->message, "ejabberd logged: failed DIGEST-MD5 authentication for ?: "
                                     "Invalid username or password");
    session_free(s);
}

Test(login, xml_login_without_log_lines_has_no_c22)
{
    struct session *s = starttls_plain_login(false);
    expect_no_violation(s, "C22");
    session_free(s);
}

/* ---- C10: failed authentications across connections ------------------------------ */

#define SEC INT64_C(1000000)

/* A driver for one connection from |client| that starts at |t| (the cross-connection rules). */
static void
drv_from(struct drv *d, usec_t t, const char *client)
{
    drv_init(d, false, false);
    d->t = t;
    login_session(d->l)->client = strdup(client);
}

/* The checks across connections on |l| (facts to |w|, its verdict taken), as the analyzer runs them. */
static void
watch_failures(struct login *l, struct auth_watch *w)
{
    struct cross_facts f;
    struct cross_verdict v = {0};
    login_cross_facts(l, &f);
    cross_watch_failures(w, &f, &v);
    login_take_verdict(l, &v);
    cross_facts_clear(&f);
    cross_verdict_clear(&v);
}

static void
watch_streams(struct login *l, struct stream_watch *w)
{
    struct cross_facts f;
    struct cross_verdict v = {0};
    login_cross_facts(l, &f);
    cross_watch_streams(w, &f, login_session(l)->id, &v);
    login_take_verdict(l, &v);
    cross_facts_clear(&f);
    cross_verdict_clear(&v);
}

/*
 * One connection from |client| at |t| whose SASL PLAIN attempt as |user| fails
 * with |cond|; fed to |w|, then finished. Stores the failure's step in |*seq|.
 */
static struct session *
failing_login(struct auth_watch *w, usec_t t, const char *client, const char *user,
              const char *cond, unsigned *seq)
{
    struct drv d;
    drv_from(&d, t, client);
    starttls_prologue(&d, "PLAIN");
    char plain[64];
    int n = snprintf(plain, sizeof plain, "%c%s%cHandmade-Wrong-0", 0, user, 0);
    char b64[128];
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (int i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)plain[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)plain[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)plain[i + 2];
        b64[o++] = tab[v >> 18 & 63];
        b64[o++] = tab[v >> 12 & 63];
        b64[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        b64[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    b64[o] = '\0';
    c_el(&d, auth("PLAIN", b64));
    s_el(&d, sasl_failure(cond));
    if (seq)
        *seq = (unsigned)login_session(d.l)->nphases;
    c_close(&d);
    s_close(&d);
    watch_failures(d.l, w);
    return finish(&d, LOGIN_END_CLOSED);
}

Test(login, ten_failures_for_one_user_are_c10)
{
    struct auth_watch *w = auth_watch_new();
    char client[64];
    /* ten addresses, 20 s apart: the tenth failure is within 5 minutes of the first */
    for (int i = 0; i < 12; i++) {
        unsigned seq;
        snprintf(client, sizeof client, "192.0.2.%d:4%04d", i + 1, i);
        struct session *s =
            failing_login(w, T0 + i * 20 * SEC, client, "alice", "not-authorized", &seq);
        if (i < 9) {
            expect_no_violation(s, "C10");
        } else {
            /* the one that crosses the threshold, and the later ones inside the window */
            expect_violation(s, "C10", SEV_ERROR);
            const struct violation *v = find_violation(s, "C10");
            if (v) {
                cr_expect_eq(v->seq, seq, "C10 at step %u, the failure is step %u", v->seq, seq);
                cr_expect_str_eq(v->ref, "RFC 6120 §13.9.4");
                char want[160];
                snprintf(want, sizeof want,
                         "auth-bruteforce: %d failed authentications for user 'alice' within 300 s "
                         "(threshold 10)",
                         i + 1);
                cr_expect_str_eq(v->message, want);
                cr_expect_null(strstr(v->message, "Handmade"), "no password in %s", v->message);
            }
        }
        session_free(s);
    }
    /* ten minutes later the window has moved on */
    struct session *s =
        failing_login(w, T0 + 900 * SEC, "192.0.2.99:5000", "alice", "not-authorized", NULL);
    expect_no_violation(s, "C10");
    session_free(s);
    auth_watch_free(w);
}

Test(login, failures_spread_over_more_than_the_window_are_not_c10)
{
    struct auth_watch *w = auth_watch_new();
    char client[64];
    /* 40 s apart: any ten span 360 s */
    for (int i = 0; i < 15; i++) {
        snprintf(client, sizeof client, "192.0.2.%d:40000", i + 1);
        struct session *s =
            failing_login(w, T0 + i * 40 * SEC, client, "alice", "not-authorized", NULL);
        expect_no_violation(s, "C10");
        session_free(s);
    }
    /* failures that are not about the credentials do not count */
    for (int i = 0; i < 12; i++) {
        struct session *s = failing_login(w, T0 + 2000 * SEC + i * SEC, "198.51.100.1:40000", "bob",
                                          "invalid-mechanism", NULL);
        expect_no_violation(s, "C10");
        session_free(s);
    }
    auth_watch_free(w);
}

Test(login, c10_uses_the_failure_time_not_the_report_order)
{
    struct auth_watch *w = auth_watch_new();
    char client[64];
    unsigned fired = 0;
    /* the sessions end in reverse order of their failures */
    for (int i = 9; i >= 0; i--) {
        snprintf(client, sizeof client, "192.0.2.%d:40000", i + 1);
        struct session *s = failing_login(w, T0 + i * SEC, client, "alice", "not-authorized", NULL);
        fired += find_violation(s, "C10") != NULL;
        if (i > 0)
            expect_no_violation(s, "C10");
        session_free(s);
    }
    cr_expect_eq(fired, 1);
    auth_watch_free(w);
}

Test(login, failures_from_one_source_are_c10)
{
    struct auth_watch *w = auth_watch_new();
    /* server-log verdicts without a user name, all from one address (IPv4-mapped in the log) */
    for (int i = 0; i < 10; i++) {
        struct drv d;
        drv_init(&d, false, true);
        d.t = T0 + i * 5 * SEC;
        login_log_auth(d.l, d.t, false, "PLAIN", NULL, i % 2 ? "203.0.113.7" : "::FFFF:203.0.113.7",
                       "Invalid username or password", TRI_NULL);
        watch_failures(d.l, w);
        struct session *s = finish(&d, LOGIN_END_CLOSED);
        if (i < 9) {
            expect_no_violation(s, "C10");
        } else {
            expect_violation(s, "C10", SEV_ERROR);
            const struct violation *v = find_violation(s, "C10");
            if (v) {
                cr_expect_eq(v->seq, 1);
                cr_expect_str_eq(v->message, "auth-bruteforce: 10 failed authentications from "
                                             "203.0.113.7 within 300 s (threshold 10)");
            }
        }
        session_free(s);
    }
    auth_watch_free(w);
}

Test(login, distinct_users_failing_from_one_source_are_c10)
{
    struct auth_watch *w = auth_watch_new();
    static const char *const users[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
    for (size_t i = 0; i < NELEMS(users); i++) {
        unsigned seq;
        struct session *s = failing_login(w, T0 + (usec_t)i * 2 * SEC, "[2001:db8::7]:5222",
                                          users[i], "not-authorized", &seq);
        if (i < 4) {
            expect_no_violation(s, "C10");
        } else {
            expect_violation(s, "C10", SEV_ERROR);
            const struct violation *v = find_violation(s, "C10");
            if (v) {
                cr_expect_eq(v->seq, seq);
                char want[160];
                snprintf(want, sizeof want,
                         "user-enumeration: %zu distinct users failed to authenticate from "
                         "2001:db8::7 within 300 s (threshold 5)",
                         i + 1);
                cr_expect_str_eq(v->message, want);
            }
        }
        session_free(s);
    }
    /* another source, the same users: nothing yet */
    unsigned seq;
    struct session *s =
        failing_login(w, T0 + 20 * SEC, "198.51.100.9:5222", "zoe", "not-authorized", &seq);
    expect_no_violation(s, "C10");
    session_free(s);
    auth_watch_free(w);
}

Test(login, c10_table_stays_bounded)
{
    /* far more users than the table holds: old ones are evicted, nothing breaks */
    struct auth_watch *w = auth_watch_new();
    char user[32], client[64];
    for (int i = 0; i < 20000; i++) {
        struct drv d;
        drv_init(&d, false, true);
        d.t = T0 + i * 1000;
        snprintf(user, sizeof user, "user%d@" DOMAIN, i);
        snprintf(client, sizeof client, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
        login_log_auth(d.l, d.t, false, "PLAIN", user, client, "Invalid username or password", TRI_NULL);
        watch_failures(d.l, w);
        struct session *s = finish(&d, LOGIN_END_CLOSED);
        expect_no_violation(s, "C10");
        session_free(s);
    }
    auth_watch_free(w);
}

/* ---- F10 and K8: streams across connections --------------------------------------- */

/* A bound connection that enabled resumable stream management as |sm_id|. */
static void
resumable_alice(struct drv *d, usec_t t, const char *client, const char *sm_id)
{
    drv_init(d, false, false);
    d->t = t;
    login_session(d->l)->client = strdup(client);
    login_session(d->l)->id = 1;
    bound_alice(d);
    c_el(d, with_attr(mk("enable", NS_SM3), "resume", "true"));
    s_el(d, with_attr(with_attr(mk("enabled", NS_SM3), "id", sm_id), "resume", "true"));
}

static void
server_stream_error(struct drv *d, const char *cond)
{
    struct stanza *err = stanza_new("error", "stream", NS_STREAM);
    with_child(err, mk(cond, NS_STREAMS_ERR));
    s_el(d, err);
    s_close(d);
}

/* A second connection that resumes |previd|. Stores the <resumed/> step in |*seq|. */
static void
resuming_alice(struct drv *d, usec_t t, const char *previd, unsigned *seq)
{
    drv_init(d, false, false);
    d->t = t;
    login_session(d->l)->client = strdup("192.0.2.7:40001");
    login_session(d->l)->id = 2;
    tls_plain_until_bind_features(d);
    s_features(d, F_BIND, NULL);
    c_el(d, with_attr(with_attr(mk("resume", NS_SM3), "previd", previd), "h", "0"));
    s_el(d, with_attr(with_attr(mk("resumed", NS_SM3), "previd", previd), "h", "0"));
    *seq = (unsigned)login_session(d->l)->nphases;
}

Test(login, a_stream_replaced_by_a_resumption_is_f10_whichever_ends_last)
{
    /* the old stream ends first: the resuming connection carries F10 */
    struct stream_watch *w = stream_watch_new();
    struct drv old, new;
    resumable_alice(&old, T0, "192.0.2.7:40000", "sm-42");
    server_stream_error(&old, "conflict");
    unsigned err_seq = (unsigned)login_session(old.l)->nphases - 1;
    watch_streams(old.l, w);
    struct session *s1 = finish(&old, LOGIN_END_CLOSED);
    expect_no_violation(s1, "F10");
    unsigned resumed_seq;
    resuming_alice(&new, T0 + 5 * SEC, "sm-42", &resumed_seq);
    watch_streams(new.l, w);
    struct session *s2 = finish(&new, LOGIN_END_INPUT_END);
    expect_violation(s2, "F10", SEV_INFO);
    const struct violation *v = find_violation(s2, "F10");
    if (v) {
        cr_expect_eq(v->seq, resumed_seq);
        cr_expect_str_eq(v->ref, "XEP-0198 §5");
        cr_expect_not_null(strstr(v->message, "sm-42"), "%s", v->message);
        cr_expect_not_null(strstr(v->message, "session 1"), "%s", v->message);
    }
    session_free(s1);
    session_free(s2);
    stream_watch_free(w);

    /* the resuming connection ends first: the old one carries it, at its stream error */
    w = stream_watch_new();
    resuming_alice(&new, T0 + 5 * SEC, "sm-43", &resumed_seq);
    watch_streams(new.l, w);
    s2 = finish(&new, LOGIN_END_INPUT_END);
    expect_no_violation(s2, "F10");
    resumable_alice(&old, T0, "192.0.2.7:40000", "sm-43");
    server_stream_error(&old, "conflict");
    err_seq = (unsigned)login_session(old.l)->nphases - 1;
    watch_streams(old.l, w);
    s1 = finish(&old, LOGIN_END_CLOSED);
    expect_violation(s1, "F10", SEV_INFO);
    v = find_violation(s1, "F10");
    if (v)
        cr_expect_eq(v->seq, err_seq, "F10 at step %u, the stream error is step %u", v->seq, err_seq);
    session_free(s1);
    session_free(s2);

    /* a conflict without a resumption elsewhere (a second login) is not F10 */
    resumable_alice(&old, T0, "192.0.2.7:40000", "sm-44");
    server_stream_error(&old, "conflict");
    watch_streams(old.l, w);
    s1 = finish(&old, LOGIN_END_CLOSED);
    expect_no_violation(s1, "F10");
    session_free(s1);
    stream_watch_free(w);
}

/* A connection from |client| at |t| that the server sends elsewhere (or not). */
static struct session *
redirected(struct stream_watch *w, usec_t t, const char *client, bool redirect)
{
    struct drv d;
    drv_from(&d, t, client);
    c_open(&d);
    s_open(&d, "r1");
    if (redirect) {
        struct stanza *err = stanza_new("error", "stream", NS_STREAM);
        with_child(err, with_text(mk("see-other-host", NS_STREAMS_ERR), "other.example:5222"));
        s_el(&d, err);
    }
    s_close(&d);
    c_close(&d);
    watch_streams(d.l, w);
    return finish(&d, LOGIN_END_CLOSED);
}

Test(login, more_than_five_redirects_in_a_row_are_k8)
{
    struct stream_watch *w = stream_watch_new();
    for (int i = 0; i < 7; i++) {
        char client[32];
        snprintf(client, sizeof client, "198.51.100.9:%d", 50000 + i);
        struct session *s = redirected(w, T0 + i * 2 * SEC, client, true);
        if (i < 5) {
            expect_no_violation(s, "K8");
        } else {
            expect_violation(s, "K8", SEV_WARNING);
            const struct violation *v = find_violation(s, "K8");
            if (v)
                cr_expect_not_null(strstr(v->message, "198.51.100.9"), "%s", v->message);
        }
        session_free(s);
    }
    /* a connection that is not redirected starts the count again */
    session_free(redirected(w, T0 + 20 * SEC, "198.51.100.9:50010", false));
    struct session *s = redirected(w, T0 + 21 * SEC, "198.51.100.9:50011", true);
    expect_no_violation(s, "K8");
    session_free(s);
    /* as does a pause of more than a minute; other sources count apart */
    for (int i = 0; i < 5; i++)
        session_free(redirected(w, T0 + (30 + i) * SEC, "203.0.113.1:1", true));
    s = redirected(w, T0 + 200 * SEC, "203.0.113.1:1", true);
    expect_no_violation(s, "K8");
    session_free(s);
    stream_watch_free(w);
}

/* ---- long sessions: what is stored is capped, what is seen is not (findings.h) ------------- */

/* |n| messages before authentication: each one is D5. */
static void
c_messages(struct drv *d, int n)
{
    for (int i = 0; i < n; i++)
        c_el(d, with_attr(with_child(mk("message", NS_CLIENT), with_text(mk("body", NS_CLIENT), "hi")),
                          "to", "bob@" DOMAIN));
}

static size_t
stored_of(const struct session *s, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nviolations; i++)
        n += strcmp(s->violations[i].code, code) == 0;
    return n;
}

static unsigned long
dropped_of(const struct session *s, const char *code)
{
    for (size_t i = 0; i < s->nviolations_dropped; i++)
        if (strcmp(s->violations_dropped[i].code, code) == 0)
            return s->violations_dropped[i].count;
    return 0;
}

Test(login, a_login_after_the_phase_cap_is_still_seen_whole)
{
    struct drv d;
    drv_init(&d, false, false);
    c_open(&d);
    s_open(&d, "s1");
    s_features(&d, 0, "PLAIN"); /* step 3 */
    c_messages(&d, 1000);       /* steps 4 to 1003 */
    c_el(&d, auth("PLAIN", ALICE_PLAIN)); /* step 1004 */
    s_el(&d, mk("success", NS_SASL));
    bind_epilogue(&d, "alice");
    c_close(&d);
    s_close(&d);
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    unsigned steps = 1004 + 1 + 5 + 2;
    cr_expect_eq(s->nphases, PHASES_KEPT);
    cr_expect_eq(s->phases_dropped, steps - PHASES_KEPT);
    cr_expect_eq(s->phases[PHASES_KEPT - 1].seq, PHASES_KEPT);
    /* the state machine saw everything after the cap */
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED, "outcome %s", outcome_name(s->outcome));
    cr_expect_str_eq(s->jid, "alice@" DOMAIN "/laptop");
    cr_expect_str_eq(s->user, "alice");
    cr_assert_eq(s->auth.nattempts, 1);
    cr_expect_eq(s->auth.attempts[0].result, AUTH_SUCCESS);
    cr_expect(s->auth.attempts[0].plaintext);
    cr_expect(s->password_on_wire);
    const struct violation *b1 = find_violation(s, "B1");
    cr_assert_not_null(b1, "%s", codes(s));
    cr_expect_eq(b1->seq, 1004);
    /* one D5 per message: the first stored, the rest counted */
    cr_expect_eq(stored_of(s, "D5"), VIOLATIONS_PER_CODE);
    cr_expect_eq(dropped_of(s, "D5"), 1000 - VIOLATIONS_PER_CODE);
    const struct violation *d5 = find_violation(s, "D5");
    cr_expect_eq(d5 ? d5->seq : 0, 4);
    cr_expect_eq(d5 ? d5->count : 0, 1);
    expect_no_violation(s, "D16");
    session_free(s);
}

Test(login, findings_past_the_phase_cap_name_their_steps)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "SCRAM-SHA-1"); /* steps 1 to 9 */
    c_messages(&d, PHASES_KEPT);
    c_el(&d, auth("SCRAM-SHA-1", ALICE_SCRAM_N));
    s_el(&d, sasl_failure("not-authorized"));
    c_el(&d, register_iq("get", "r1")); /* back to registration: A16 */
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_eq(s->nphases, PHASES_KEPT);
    const struct violation *a16 = find_violation(s, "A16");
    cr_assert_not_null(a16, "%s", codes(s));
    cr_expect_eq(a16->seq, 9 + PHASES_KEPT + 3);
    cr_expect_not_null(strstr(a16->message, "register-get (phase REGISTER)"), "%s", a16->message);
    const struct violation *d16 = find_violation(s, "D16");
    cr_assert_not_null(d16, "%s", codes(s));
    cr_expect_not_null(strstr(d16->message, "last phase REGISTER (register-get)"), "%s", d16->message);
    const struct violation *c7 = find_violation(s, "C7");
    cr_expect_eq(c7 ? c7->seq : 0, 9 + PHASES_KEPT + 2);
    session_free(s);
}

/* The messages of the violations of |code|, " | "-joined. */
static const char *
messages_of(const struct session *s, const char *code)
{
    static char out[1024];
    out[0] = '\0';
    for (size_t i = 0; i < s->nviolations; i++)
        if (strcmp(s->violations[i].code, code) == 0) {
            size_t n = strlen(out);
            snprintf(out + n, sizeof out - n, "%s%s", n ? " | " : "", s->violations[i].message);
        }
    return out;
}

Test(login, c8_names_the_first_earlier_attempt_with_another_mechanism)
{
    struct drv d;
    drv_init(&d, false, false);
    starttls_prologue(&d, "PLAIN SCRAM-SHA-1");
    static const char *const mechs[] = {"PLAIN", "plain", "SCRAM-SHA-1", "PLAIN", "SCRAM-SHA-1"};
    for (size_t i = 0; i < NELEMS(mechs); i++) {
        c_el(&d, auth(mechs[i], ALICE_WRONG));
        s_el(&d, sasl_failure("not-authorized"));
    }
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_str_eq(messages_of(s, "C8"), "mechanism SCRAM-SHA-1 tried after PLAIN | "
                                           "mechanism PLAIN tried after SCRAM-SHA-1 | "
                                           "mechanism SCRAM-SHA-1 tried after PLAIN");
    session_free(s);
}

/* Over TLS, PLAIN accepted, the restart done: the server offers bind. */
static void
authenticated_until_bind(struct drv *d)
{
    drv_init(d, false, false);
    starttls_prologue(d, "PLAIN");
    c_el(d, auth("PLAIN", ALICE_PLAIN));
    s_el(d, mk("success", NS_SASL));
    c_open(d);
    s_open(d, "s3");
    s_features(d, F_BIND, NULL);
}

Test(login, requests_never_answered_are_forgotten_past_a_bound)
{
    struct drv d;
    authenticated_until_bind(&d);
    char id[16];
    for (int i = 0; i < 300; i++) { /* more than are remembered, fewer than are listed */
        snprintf(id, sizeof id, "b%d", i);
        c_el(&d, iq("set", id, with_child(mk("bind", NS_BIND), with_text(mk("resource", NS_BIND), "r"))));
    }
    s_el(&d, iq("result", "b0", NULL)); /* long forgotten: a plain result */
    s_el(&d, iq("result", "b299", with_child(mk("bind", NS_BIND), with_text(mk("jid", NS_BIND),
                                                                             "alice@" DOMAIN "/r"))));
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    cr_expect_str_eq(s->phases[s->nphases - 2].event, "stanza:iq");
    cr_expect_str_eq(s->phases[s->nphases - 1].event, "bind-result");
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED, "outcome %s", outcome_name(s->outcome));
    session_free(s);
}

Test(login, summaries_and_messages_of_huge_elements_are_cut)
{
    struct drv d;
    authenticated_until_bind(&d);
    /* before binding, to someone else: D6 quotes the addressee */
    char to[3000];
    memset(to, 'b', sizeof to - 1);
    to[sizeof to - 1] = '\0';
    struct stanza *m = with_attr(mk("message", NS_CLIENT), "to", to);
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "a%d", i);
        with_attr(m, name, "1");
    }
    c_el(&d, m);
    struct session *s = finish(&d, LOGIN_END_INPUT_END);
    const struct phase_event *e = &s->phases[s->nphases - 1];
    cr_expect_str_eq(e->event, "stanza:message");
    cr_expect_eq(strlen(e->summary), ABBREV_MAX);
    cr_expect_str_eq(e->summary + ABBREV_MAX - 3, "...");
    const struct violation *d6 = find_violation(s, "D6");
    cr_assert_not_null(d6, "%s", codes(s));
    cr_expect_leq(strlen(d6->message), 512);
    cr_expect_str_eq(d6->message + strlen(d6->message) - 3, "...");
    session_free(s);
}

/* Issue 13: a password change once picked up inside a session registers nobody: it is L5. */
Test(login, password_change_mid_session_is_l5_not_registered)
{
    struct drv d;
    drv_init(&d, false, false);
    c_el(&d, iq("set", "pw1", register_set("alice")));
    s_el(&d, iq("result", "pw1", NULL));
    struct session *s = finish(&d, LOGIN_END_CLOSED);
    cr_expect_eq(s->outcome, OUTCOME_ESTABLISHED, "%s", outcome_name(s->outcome));
    expect_violation(s, "L5", SEV_INFO);
    expect_violation(s, "E2", SEV_ERROR);
    expect_no_violation(s, "E4");
    const struct violation *v = find_violation(s, "L5");
    if (v)
        cr_expect_not_null(strstr(v->message, "password=Handmade-Secret-0"), "%s", v->message);
    cr_expect(s->password_on_wire, "the new password was readable");
    session_free(s);
}
