/* test_phase: element to login event name and phase (login-spec 1.2). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "phase.h"
#include "stanza.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * An element as a table row: the element, "k=v k=v" attributes, and up to two
 * children, each with an optional child of its own (which may carry text).
 */
struct kid {
    const char *name, *ns;
    const char *sub, *sub_ns, *sub_text;
};

struct elspec {
    const char *prefix, *name, *ns;
    const char *attrs;
    struct kid kids[2];
};

static void
add_attrs(struct stanza *s, const char *attrs)
{
    if (!attrs)
        return;
    char *copy = strdup(attrs);
    cr_assert_not_null(copy);
    char *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        cr_assert_not_null(eq, "bad attribute spec %s", tok);
        *eq = '\0';
        stanza_add_attr(s, tok, NULL, NULL, eq + 1, strlen(eq + 1));
    }
    free(copy);
}

static struct stanza *
build(const struct elspec *e)
{
    struct stanza *s = stanza_new(e->name, e->prefix, e->ns);
    add_attrs(s, e->attrs);
    for (size_t i = 0; i < NELEMS(e->kids); i++) {
        const struct kid *k = &e->kids[i];
        if (!k->name)
            continue;
        struct stanza *c = stanza_new(k->name, NULL, k->ns);
        if (k->sub) {
            struct stanza *g = stanza_new(k->sub, NULL, k->sub_ns ? k->sub_ns : k->ns);
            if (k->sub_text)
                stanza_add_text(g, k->sub_text, strlen(k->sub_text));
            stanza_add_child(c, g);
        }
        stanza_add_child(s, c);
    }
    return s;
}

/* One element, one expectation. */
static const struct row {
    char dir;
    struct elspec el;
    const char *event;
    enum phase phase;
} rows[] = {
    /* stream */
    {'C', {"stream", "stream", NS_STREAM, "to=example.org version=1.0", {{0}}}, "stream-open",
     PHASE_STREAM},
    {'S', {"stream", "stream", NS_STREAM, "id=abc from=example.org", {{0}}}, "stream-open",
     PHASE_STREAM},
    {'S',
     {"stream", "features", NS_STREAM, NULL, {{"mechanisms", NS_SASL, "mechanism", NULL, "PLAIN"}}},
     "features",
     PHASE_STREAM},
    {'C', {NULL, "open", NS_FRAMING, "to=example.org", {{0}}}, "stream-open", PHASE_STREAM},
    {'C', {NULL, "close", NS_FRAMING, NULL, {{0}}}, "stream-close", PHASE_CLOSE},
    {'S',
     {"stream", "error", NS_STREAM, NULL, {{"conflict", NS_STREAMS_ERR, NULL, NULL, NULL}}},
     "stream-error(conflict)",
     PHASE_ERROR},
    {'S',
     {"stream",
      "error",
      NS_STREAM,
      NULL,
      {{"text", NS_STREAMS_ERR, NULL, NULL, NULL},
       {"policy-violation", NS_STREAMS_ERR, NULL, NULL, NULL}}},
     "stream-error(policy-violation)",
     PHASE_ERROR},
    {'S', {"stream", "error", NS_STREAM, NULL, {{0}}}, "stream-error", PHASE_ERROR},
    /* TLS */
    {'C', {NULL, "starttls", NS_TLS, NULL, {{0}}}, "starttls", PHASE_TLS},
    {'S', {NULL, "proceed", NS_TLS, NULL, {{0}}}, "proceed", PHASE_TLS},
    {'S', {NULL, "failure", NS_TLS, NULL, {{0}}}, "starttls-failure", PHASE_TLS},
    /* SASL */
    {'C', {NULL, "auth", NS_SASL, "mechanism=PLAIN", {{0}}}, "auth(PLAIN)", PHASE_AUTH},
    {'C', {NULL, "auth", NS_SASL, "mechanism=SCRAM-SHA-1-PLUS", {{0}}}, "auth(SCRAM-SHA-1-PLUS)",
     PHASE_AUTH},
    {'C', {NULL, "auth", NS_SASL, NULL, {{0}}}, "auth", PHASE_AUTH},
    {'S', {NULL, "challenge", NS_SASL, NULL, {{0}}}, "challenge", PHASE_AUTH},
    {'C', {NULL, "response", NS_SASL, NULL, {{0}}}, "response", PHASE_AUTH},
    {'C', {NULL, "abort", NS_SASL, NULL, {{0}}}, "abort", PHASE_AUTH},
    {'S',
     {NULL, "failure", NS_SASL, NULL, {{"not-authorized", NS_SASL, NULL, NULL, NULL}}},
     "failure(not-authorized)",
     PHASE_AUTH},
    {'S',
     {NULL,
      "failure",
      NS_SASL,
      NULL,
      {{"text", NS_SASL, NULL, NULL, NULL}, {"temporary-auth-failure", NS_SASL, NULL, NULL, NULL}}},
     "failure(temporary-auth-failure)",
     PHASE_AUTH},
    {'S', {NULL, "failure", NS_SASL, NULL, {{0}}}, "failure", PHASE_AUTH},
    {'S', {NULL, "success", NS_SASL, NULL, {{0}}}, "success", PHASE_AUTH},
    /* iq requests by payload (client side only) */
    {'C',
     {NULL, "iq", NS_CLIENT, "type=get id=r1", {{"query", NS_IQ_REGISTER, NULL, NULL, NULL}}},
     "register-get",
     PHASE_REGISTER},
    {'C',
     {NULL,
      "iq",
      NS_CLIENT,
      "type=set id=r2",
      {{"query", NS_IQ_REGISTER, "password", NULL, "x"}}},
     "register-set",
     PHASE_REGISTER},
    {'C',
     {NULL, "iq", NS_CLIENT, "type=get id=a1", {{"query", NS_IQ_AUTH, "username", NULL, "bob"}}},
     "legacy-auth-get",
     PHASE_AUTH},
    {'C',
     {NULL, "iq", NS_CLIENT, "type=set id=a2", {{"query", NS_IQ_AUTH, "password", NULL, "pw"}}},
     "legacy-auth-set",
     PHASE_AUTH},
    {'C',
     {NULL, "iq", NS_CLIENT, "type=set id=b1", {{"bind", NS_BIND, "resource", NULL, "laptop"}}},
     "bind",
     PHASE_BIND},
    {'C', /* an iq without a namespace (as some test tools send it) */
     {NULL, "iq", NULL, "type=set id=b1", {{"bind", NS_BIND, NULL, NULL, NULL}}},
     "bind",
     PHASE_BIND},
    {'C', {NULL, "iq", NS_CLIENT, "type=get id=b1", {{"bind", NS_BIND, NULL, NULL, NULL}}},
     "stanza:iq", PHASE_ESTABLISHED},
    {'S',
     {NULL, "iq", NS_CLIENT, "type=result id=b1", {{"bind", NS_BIND, "jid", NULL, "a@b/c"}}},
     "bind-result",
     PHASE_BIND},
    {'S', {NULL, "iq", NS_CLIENT, "type=result id=b1", {{"bind", NS_BIND, NULL, NULL, NULL}}},
     "stanza:iq", PHASE_ESTABLISHED},
    {'C', {NULL, "iq", NS_CLIENT, "type=set id=s1", {{"session", NS_SESSION, NULL, NULL, NULL}}},
     "session", PHASE_SESSION},
    {'S', {NULL, "iq", NS_CLIENT, "type=set id=x", {{"bind", NS_BIND, NULL, NULL, NULL}}},
     "stanza:iq", PHASE_ESTABLISHED}, /* the server does not bind */
    {'C',
     {NULL, "iq", NS_CLIENT, "type=get id=q", {{"query", "jabber:iq:roster", NULL, NULL, NULL}}},
     "stanza:iq",
     PHASE_ESTABLISHED},
    {'C', {NULL, "iq", NS_CLIENT, "type=result id=ping", {{0}}}, "stanza:iq", PHASE_ESTABLISHED},
    {'C', {NULL, "iq", NS_CLIENT, NULL, {{0}}}, "stanza:iq", PHASE_ESTABLISHED},
    {'S',
     {NULL,
      "iq",
      NS_CLIENT,
      "type=error id=q",
      {{"error", NS_CLIENT, "item-not-found", NS_STANZAS, NULL}}},
     "stanza:iq",
     PHASE_ESTABLISHED},
    /* XEP-0198 */
    {'C', {NULL, "enable", NS_SM3, "resume=true", {{0}}}, "sm-enable", PHASE_SM},
    {'S', {NULL, "enabled", NS_SM3, "id=some-id resume=true", {{0}}}, "sm-enabled", PHASE_SM},
    {'C', {NULL, "resume", NS_SM3, "h=3 previd=some-id", {{0}}}, "sm-resume", PHASE_SM},
    {'S', {NULL, "resumed", NS_SM3, "h=2 previd=some-id", {{0}}}, "sm-resumed", PHASE_SM},
    {'C', {NULL, "r", NS_SM3, NULL, {{0}}}, "sm-request", PHASE_ESTABLISHED},
    {'S', {NULL, "a", NS_SM3, "h=4", {{0}}}, "sm-ack", PHASE_ESTABLISHED},
    {'S',
     {NULL, "failed", NS_SM3, NULL, {{"item-not-found", NS_STANZAS, NULL, NULL, NULL}}},
     "sm-failed(item-not-found)",
     PHASE_SM},
    {'C', {NULL, "enable", NS_SM2, NULL, {{0}}}, "sm-enable", PHASE_SM},
    /* XEP-0138 */
    {'C', {NULL, "compress", NS_COMPRESS, NULL, {{"method", NS_COMPRESS, NULL, NULL, NULL}}},
     "compress", PHASE_COMPRESS},
    {'S', {NULL, "compressed", NS_COMPRESS, NULL, {{0}}}, "compressed", PHASE_COMPRESS},
    {'S',
     {NULL, "failure", NS_COMPRESS, NULL, {{"setup-failed", NS_COMPRESS, NULL, NULL, NULL}}},
     "compress-failure(setup-failed)",
     PHASE_COMPRESS},
    /* stanzas */
    {'C', {NULL, "message", NS_CLIENT, "to=bob@x type=chat", {{"body", NS_CLIENT, NULL, NULL, NULL}}},
     "stanza:message", PHASE_ESTABLISHED},
    {'S', {NULL, "message", NS_CLIENT, NULL, {{0}}}, "stanza:message", PHASE_ESTABLISHED},
    {'C', {NULL, "presence", NS_CLIENT, NULL, {{0}}}, "stanza:presence", PHASE_ESTABLISHED},
    {'S', {NULL, "presence", NS_CLIENT, "type=unavailable", {{0}}}, "stanza:presence",
     PHASE_ESTABLISHED},
    /* XEP-0352, client only */
    {'C', {NULL, "active", NS_CSI, NULL, {{0}}}, "csi-active", PHASE_ESTABLISHED},
    {'C', {NULL, "inactive", NS_CSI, NULL, {{0}}}, "csi-inactive", PHASE_ESTABLISHED},
    {'S', {NULL, "active", NS_CSI, NULL, {{0}}}, "other:active", PHASE_NONE},
    /* XEP-0388 */
    {'C', {NULL, "authenticate", NS_SASL2, "mechanism=SCRAM-SHA-256", {{0}}},
     "sasl2-authenticate(SCRAM-SHA-256)", PHASE_AUTH},
    /* unknown elements and elements in the wrong namespace */
    {'C', {NULL, "foo", "urn:example:foo", NULL, {{0}}}, "other:foo", PHASE_NONE},
    {'S', {"x", "foo", NULL, NULL, {{0}}}, "other:foo", PHASE_NONE},
    {'C', {NULL, "auth", NS_CLIENT, "mechanism=PLAIN", {{0}}}, "other:auth", PHASE_NONE},
    {'C', {NULL, "starttls", NS_SASL, NULL, {{0}}}, "other:starttls", PHASE_NONE},
    {'C', {NULL, "message", "jabber:server", NULL, {{0}}}, "other:message", PHASE_NONE},
    {'C', {"stream", "stream", "urn:example:not-streams", NULL, {{0}}}, "other:stream", PHASE_NONE},
};

Test(phase, classifies_elements_by_table)
{
    for (size_t i = 0; i < NELEMS(rows); i++) {
        const struct row *r = &rows[i];
        struct stanza *el = build(&r->el);
        struct classified c;
        memset(&c, 0xa5, sizeof c);
        phase_of(r->dir, el, &c);
        char *name = event_name(c.event, c.detail);
        cr_expect_str_eq(name, r->event, "row %zu (%c <%s>): event %s, want %s", i, r->dir,
                         r->el.name, name, r->event);
        cr_expect_eq(c.phase, r->phase, "row %zu (%c <%s>): phase %d, want %d", i, r->dir,
                     r->el.name, (int)c.phase, (int)r->phase);
        cr_expect_eq(c.phase, event_phase(c.event), "row %zu: phase_of and event_phase disagree",
                     i);
        free(name);
        stanza_free(el);
    }
}

Test(phase, auth_detail_is_borrowed_from_the_element)
{
    struct stanza *el = stanza_new("auth", NULL, NS_SASL);
    stanza_add_attr(el, "mechanism", NULL, NULL, "DIGEST-MD5", 10);
    struct classified c;
    phase_of('C', el, &c);
    cr_expect_eq(c.event, EV_AUTH);
    cr_assert_not_null(c.detail);
    cr_expect_str_eq(c.detail, "DIGEST-MD5");
    cr_expect_eq(c.detail, stanza_attr(el, "mechanism", NULL));
    stanza_free(el);
}

Test(phase, server_iq_error_carries_its_condition)
{
    struct stanza *iq = stanza_new("iq", NULL, NS_CLIENT);
    stanza_add_attr(iq, "type", NULL, NULL, "error", 5);
    stanza_add_attr(iq, "id", NULL, NULL, "b1", 2);
    stanza_add_child(iq, stanza_new("bind", NULL, NS_BIND));
    struct stanza *err = stanza_new("error", NULL, NS_CLIENT);
    stanza_add_attr(err, "type", NULL, NULL, "cancel", 6);
    stanza_add_child(err, stanza_new("text", NULL, NS_STANZAS));
    stanza_add_child(err, stanza_new("conflict", NULL, NS_STANZAS));
    stanza_add_child(iq, err);
    struct classified c;
    phase_of('S', iq, &c);
    cr_expect_eq(c.event, EV_IQ_ERROR);
    cr_assert_not_null(c.detail);
    cr_expect_str_eq(c.detail, "conflict");
    cr_expect_eq(c.phase, PHASE_ESTABLISHED);

    phase_of('S', stanza_child(iq, "bind", NULL), &c); /* a child alone is just an element */
    cr_expect_eq(c.event, EV_OTHER);

    /* a plain result stays unpaired for login.c to name */
    struct stanza *res = stanza_new("iq", NULL, NS_CLIENT);
    stanza_add_attr(res, "type", NULL, NULL, "result", 6);
    phase_of('S', res, &c);
    cr_expect_eq(c.event, EV_IQ_RESULT);
    cr_expect_null(c.detail);
    stanza_free(res);
    stanza_free(iq);
}

Test(phase, condition_skips_text_and_finds_the_defined_condition)
{
    /* <failure><text>...</text><not-authorized/></failure> */
    struct stanza *f = stanza_new("failure", NULL, NS_SASL);
    struct stanza *t = stanza_new("text", NULL, NS_SASL);
    stanza_add_text(t, "Invalid username or password", 28);
    stanza_add_child(f, t);
    stanza_add_child(f, stanza_new("not-authorized", NULL, NS_SASL));
    cr_expect_str_eq(phase_condition(f), "not-authorized");
    stanza_free(f);

    /* a condition in a foreign namespace is still named when nothing better is there */
    struct stanza *sm = stanza_new("failed", NULL, NS_SM3);
    stanza_add_child(sm, stanza_new("unexpected-request", NULL, "urn:example:odd"));
    cr_expect_str_eq(phase_condition(sm), "unexpected-request");
    stanza_free(sm);

    /* a defined condition wins over an application-specific child placed before it */
    struct stanza *se = stanza_new("error", "stream", NS_STREAM);
    stanza_add_child(se, stanza_new("app-specific", NULL, "urn:example:app"));
    stanza_add_child(se, stanza_new("see-other-host", NULL, NS_STREAMS_ERR));
    cr_expect_str_eq(phase_condition(se), "see-other-host");
    stanza_free(se);

    struct stanza *empty = stanza_new("failure", NULL, NS_SASL);
    cr_expect_null(phase_condition(empty));
    stanza_add_child(empty, stanza_new("text", NULL, NS_SASL));
    cr_expect_null(phase_condition(empty));
    stanza_free(empty);
}

Test(phase, event_name_adds_detail_only_where_it_belongs)
{
    static const struct {
        enum event ev;
        const char *detail;
        const char *want;
    } names[] = {
        {EV_AUTH, "PLAIN", "auth(PLAIN)"},
        {EV_AUTH, NULL, "auth"},
        {EV_AUTH, "", "auth"},
        {EV_FAILURE, "not-authorized", "failure(not-authorized)"},
        {EV_STREAM_ERROR, "conflict", "stream-error(conflict)"},
        {EV_BIND_ERROR, "conflict", "bind-error(conflict)"},
        {EV_LEGACY_AUTH_ERROR, "not-authorized", "legacy-auth-error(not-authorized)"},
        {EV_REGISTER_ERROR, "conflict", "register-error(conflict)"},
        {EV_LOG_AUTH_OK, "PLAIN", "log-auth-ok(PLAIN)"},
        {EV_STARTTLS, "ignored", "starttls"},
        {EV_STANZA_IQ, "ignored", "stanza:iq"},
        {EV_IQ_ERROR, "conflict", "stanza:iq"},
        {EV_OTHER, "foo", "other:foo"},
        {EV_OTHER, NULL, "other:?"},
        {EV_TLS_ESTABLISHED, NULL, "tls-established"},
        {EV_STREAM_RESTART, NULL, "stream-restart"},
        {EV_TCP_FIN, NULL, "tcp-fin"},
        {EV_NONE, NULL, "none"},
        {EV__COUNT, "x", "none"},
    };
    for (size_t i = 0; i < NELEMS(names); i++) {
        char *n = event_name(names[i].ev, names[i].detail);
        cr_expect_str_eq(n, names[i].want, "row %zu: %s", i, n);
        free(n);
    }
}

Test(phase, event_name_turns_whitespace_into_underscores)
{
    char *n = event_name(EV_AUTH, "X MECH\tWITH\nSPACE\r");
    cr_expect_str_eq(n, "auth(X_MECH_WITH_SPACE_)");
    free(n);
    n = event_name(EV_OTHER, "a b");
    cr_expect_str_eq(n, "other:a_b");
    free(n);
    n = event_name(EV_FAILURE, " ");
    cr_expect_str_eq(n, "failure(_)");
    free(n);
}

Test(phase, a_long_detail_is_cut)
{
    char detail[200];
    memset(detail, 'x', sizeof detail - 3);
    memcpy(detail + sizeof detail - 3, "\xc3\xa9", 3); /* ends with an 'é' */
    memcpy(detail + EVENT_DETAIL_MAX - 4, "\xc3\xa9", 2); /* one astride the cut */
    char *n = event_name(EV_OTHER, detail);
    cr_expect_eq(strlen(n), strlen("other:") + EVENT_DETAIL_MAX - 1);
    cr_expect_str_eq(n + strlen(n) - 4, "x...", "the 'é' astride the cut goes whole: %s", n);
    free(n);
    n = event_name(EV_FAILURE, detail);
    cr_expect_eq(strlen(n), strlen("failure()") + EVENT_DETAIL_MAX - 1, "%s", n);
    free(n);
    memset(detail, 'y', EVENT_DETAIL_MAX);
    detail[EVENT_DETAIL_MAX] = '\0';
    n = event_name(EV_OTHER, detail);
    cr_expect_eq(strlen(n), strlen("other:") + EVENT_DETAIL_MAX, "as long as allowed: whole");
    free(n);
}

Test(phase, pseudo_events_have_phases)
{
    cr_expect_eq(event_phase(EV_TLS_ESTABLISHED), PHASE_TLS);
    cr_expect_eq(event_phase(EV_TCP_OPEN), PHASE_CONNECT);
    cr_expect_eq(event_phase(EV_TCP_FIN), PHASE_CLOSE);
    cr_expect_eq(event_phase(EV_TCP_RST), PHASE_CLOSE);
    cr_expect_eq(event_phase(EV_STREAM_RESTART), PHASE_STREAM);
    cr_expect_eq(event_phase(EV_LOG_AUTH_FAIL), PHASE_AUTH);
    cr_expect_eq(event_phase(EV_GAP), PHASE_NONE);
    cr_expect_eq(event_phase(EV_XML_ERROR), PHASE_NONE);
    cr_expect_eq(event_phase(EV_BIND_RESULT), PHASE_BIND);
    cr_expect_eq(event_phase(EV_LEGACY_AUTH_RESULT), PHASE_AUTH);
    cr_expect_eq(event_phase(EV__COUNT), PHASE_NONE);
}

Test(phase, every_event_has_a_name)
{
    for (int ev = EV_NONE + 1; ev < EV__COUNT; ev++) {
        char *n = event_name((enum event)ev, NULL);
        cr_expect_str_neq(n, "none", "event %d has no name", ev);
        cr_expect_neq(n[0], '\0', "event %d", ev);
        free(n);
    }
}
