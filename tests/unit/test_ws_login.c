/*
 * test_ws_login: XMPP over WebSocket (RFC 7395) through the framer in framed
 * mode and the login: <open/> is the stream header and, after SASL success,
 * the restart; <close/> the close; the group J checks on what a capture
 * shows (the Upgrade, the messages, the frames, the end).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "framer.h"
#include "login.h"
#include "session.h"

#define T0 INT64_C(1795618146284953)
#define FRAMING "urn:ietf:params:xml:ns:xmpp-framing"
#define OPEN_C "<open xmlns='" FRAMING "' to='example.org' version='1.0'/>"
#define OPEN_S "<open xmlns='" FRAMING "' from='example.org' id='s%d' version='1.0'/>"
#define CLOSE "<close xmlns='" FRAMING "'/>"
#define FEATURES_AUTH                                                                              \
    "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms "               \
    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms>"   \
    "</stream:features>"
#define FEATURES_BIND                                                                              \
    "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind "                     \
    "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
#define AUTH                                                                                       \
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>"                     \
    "biwsbj1hbGljZSxyPVlLb21SSThLYlpId1NrUEQzNE1XSkx6Rg==</auth>"
#define SUCCESS "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
#define BIND                                                                                       \
    "<iq xmlns='jabber:client' type='set' id='b1'><bind "                                         \
    "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>"
#define BOUND                                                                                      \
    "<iq xmlns='jabber:client' type='result' id='b1'><bind "                                      \
    "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.org/r</jid></bind></iq>"

struct ws {
    struct login *l;
    struct framer *f[2];
    usec_t t;
};

static void
ws_init(struct ws *w, const char *requested, const char *protocol)
{
    struct login_options opt = {0};
    w->l = login_new(&opt);
    w->f[0] = framer_new("client", NULL);
    w->f[1] = framer_new("server", NULL);
    framer_framed(w->f[0]);
    framer_framed(w->f[1]);
    w->t = T0;
    login_pseudo(w->l, EV_TCP_OPEN, w->t, "SYN");
    login_ws_upgrade(w->l, w->t, requested, protocol, "/ws");
}

/* One message of |dir| ('C' or 'S'), as the websocket layer passes it up. */
static void
msg(struct ws *w, char dir, const char *text)
{
    struct framer *f = w->f[dir == 'S'];
    framer_feed(f, text, strlen(text));
    struct frame fr;
    w->t += 1000;
    while (framer_next(f, &fr))
        login_frame(w->l, dir, w->t, &fr);
}

static struct session *
ws_end(struct ws *w, enum login_end how)
{
    struct session *s = login_finish(w->l, how, w->t + 1000);
    login_free(w->l);
    framer_free(w->f[0]);
    framer_free(w->f[1]);
    return s;
}

static void
session_free(struct session *s)
{
    session_clear(s);
    free(s);
}

/* "code@step code@step ..." */
static const char *
codes(const struct session *s)
{
    static char out[512];
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->nviolations && n < sizeof out; i++)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s@%u", i ? " " : "", s->violations[i].code,
                              s->violations[i].seq);
    return out;
}

static bool
has(const struct session *s, const char *code)
{
    for (size_t i = 0; i < s->nviolations; i++)
        if (strcmp(s->violations[i].code, code) == 0)
            return true;
    return false;
}

static void
login_over_ws(struct ws *w)
{
    char open_s[200];
    msg(w, 'C', OPEN_C);
    snprintf(open_s, sizeof open_s, OPEN_S, 1);
    msg(w, 'S', open_s);
    msg(w, 'S', FEATURES_AUTH);
    msg(w, 'C', AUTH);
    msg(w, 'S', SUCCESS);
    msg(w, 'C', OPEN_C);
    snprintf(open_s, sizeof open_s, OPEN_S, 2);
    msg(w, 'S', open_s);
    msg(w, 'S', FEATURES_BIND);
    msg(w, 'C', BIND);
    msg(w, 'S', BOUND);
}

Test(ws_login, open_is_the_header_and_the_restart_close_the_close)
{
    struct ws w;
    ws_init(&w, "xmpp", "xmpp");
    login_over_ws(&w);
    msg(&w, 'C', CLOSE);
    msg(&w, 'S', CLOSE);
    login_ws_close_frame(w.l, 'S', w.t, 1000, "");
    login_ws_close_frame(w.l, 'C', w.t, 1000, "");
    login_pseudo(w.l, EV_TCP_FIN, w.t, "server sent FIN");
    struct session *s = ws_end(&w, LOGIN_END_CLOSED);
    cr_assert_eq(s->transport, TRANSPORT_WEBSOCKET);
    cr_assert_eq(s->outcome, OUTCOME_ESTABLISHED);
    cr_assert_str_eq(s->jid, "alice@example.org/r");
    cr_assert_str_eq(s->domain, "example.org");
    cr_assert_str_eq(codes(s), "J12@2 B2@6", "ws:// and SCRAM in clear only: %s", codes(s));
    const char *want[] = {"tcp-open", "ws-upgrade", "stream-open", "stream-open", "features",
                          "auth(SCRAM-SHA-1)", "success", "stream-restart", "stream-open",
                          "features", "bind", "bind-result", "stream-close", "stream-close",
                          "ws-close-frame", "ws-close-frame", "tcp-fin"};
    cr_assert_eq(s->nphases, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s->nphases; i++)
        cr_assert_str_eq(s->phases[i].event, want[i], "step %zu", i + 1);
    session_free(s);
}

Test(ws_login, j1_the_subprotocol_missing_on_either_side)
{
    struct ws w;
    ws_init(&w, "chat, superchat", NULL);
    struct session *s = ws_end(&w, LOGIN_END_INPUT_END);
    cr_assert(has(s, "J1"), "%s", codes(s));
    session_free(s);
    ws_init(&w, "xmpp", NULL);
    s = ws_end(&w, LOGIN_END_INPUT_END);
    cr_assert(has(s, "J1"), "%s", codes(s));
    session_free(s);
    ws_init(&w, "foo,xmpp", "xmpp");
    s = ws_end(&w, LOGIN_END_INPUT_END);
    cr_assert(!has(s, "J1"), "%s", codes(s));
    session_free(s);
}

Test(ws_login, j5_a_stream_header_first_j6_the_framing_namespace)
{
    struct ws w;
    ws_init(&w, "xmpp", "xmpp");
    msg(&w, 'C', "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                 "xmlns='jabber:client' to='example.org' version='1.0'>");
    msg(&w, 'C', "<close xmlns='jabber:client'/>");
    struct session *s = ws_end(&w, LOGIN_END_INPUT_END);
    cr_assert(has(s, "J5"), "%s", codes(s));
    cr_assert(has(s, "J6"), "%s", codes(s));
    session_free(s);
}

Test(ws_login, j7_close_where_the_restart_was_due_instead_of_a13)
{
    struct ws w;
    ws_init(&w, "xmpp", "xmpp");
    char open_s[200];
    msg(&w, 'C', OPEN_C);
    snprintf(open_s, sizeof open_s, OPEN_S, 1);
    msg(&w, 'S', open_s);
    msg(&w, 'S', FEATURES_AUTH);
    msg(&w, 'C', AUTH);
    msg(&w, 'S', SUCCESS);
    msg(&w, 'C', CLOSE);
    msg(&w, 'C', OPEN_C); /* a second stream on the socket */
    struct session *s = ws_end(&w, LOGIN_END_INPUT_END);
    cr_assert(has(s, "J7"), "%s", codes(s));
    cr_assert(!has(s, "A13"), "%s", codes(s));
    cr_assert(has(s, "J13"), "%s", codes(s));
    session_free(s);
}

Test(ws_login, j8_a_websocket_ended_without_close)
{
    struct ws w;
    ws_init(&w, "xmpp", "xmpp");
    login_over_ws(&w);
    login_ws_close_frame(w.l, 'C', w.t, 1001, "bye");
    login_pseudo(w.l, EV_TCP_FIN, w.t, "client sent FIN");
    struct session *s = ws_end(&w, LOGIN_END_CLOSED);
    cr_assert(has(s, "J8"), "%s", codes(s));
    bool shown = false;
    for (size_t i = 0; i < s->nphases; i++)
        shown |= s->phases[i].summary && strstr(s->phases[i].summary, "code 1001 (going away), reason: bye");
    cr_assert(shown);
    session_free(s);
}

Test(ws_login, j10_a_stream_error_before_the_servers_open)
{
    struct ws w;
    ws_init(&w, "xmpp", "xmpp");
    msg(&w, 'C', OPEN_C);
    msg(&w, 'S', "<stream:error xmlns:stream='http://etherx.jabber.org/streams'><host-unknown "
                 "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
    struct session *s = ws_end(&w, LOGIN_END_INPUT_END);
    cr_assert(has(s, "J10"), "%s", codes(s));
    cr_assert(!has(s, "K3"), "%s", codes(s));
    session_free(s);
}

Test(ws_login, the_layers_findings_j2_j3_j4_j11)
{
    struct ws w;
    ws_init(&w, "xmpp", "xmpp");
    msg(&w, 'C', OPEN_C);
    login_ws_problem(w.l, 'C', LOGIN_WS_MASKING, 1, "client frame not masked");
    login_ws_problem(w.l, 'C', LOGIN_WS_BINARY, 2, "a binary message");
    login_ws_problem(w.l, 'C', LOGIN_WS_NOT_ONE_ELEMENT, 3, "2 elements");
    login_ws_problem(w.l, 'C', LOGIN_WS_WHITESPACE, 4, "whitespace only");
    struct session *s = ws_end(&w, LOGIN_END_INPUT_END);
    cr_assert_str_eq(codes(s), "J12@2 J11@3 J2@3 J3@3 J4@3 D16@0") /* D16: the login stopped at its start */;
    bool worded = false;
    for (size_t i = 0; i < s->nviolations; i++)
        worded |= strcmp(s->violations[i].code, "J3") == 0 &&
                  strcmp(s->violations[i].message, "client message 3 is not one element: 2 elements") == 0;
    cr_assert(worded);
    session_free(s);
}
