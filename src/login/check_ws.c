/*
 * check_ws: the predicates of login-spec §3 group J, XMPP over WebSocket
 * (RFC 7395). They judge what a capture shows of the framing (l->ws): the
 * Upgrade, the framing's elements, what the WebSocket layer found in
 * messages and frames, and the end.
 */
#include <config.h>
#include "checks.h"

#include <string.h>

static const char *
side(char dir)
{
    return dir == 'C' ? "client" : "server";
}

/* True when the comma-separated |list| holds the token |word| (RFC 6455 §4.1: case-sensitive). */
static bool
list_has(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *last = end;
        while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
            last--;
        if ((size_t)(last - p) == n && strncmp(p, word, n) == 0)
            return true;
        p = end;
    }
    return false;
}

bool
check_j1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const char *asked = f->u.upgrade.requested, *chosen = f->u.upgrade.protocol;
    if (!list_has(asked, "xmpp")) {
        say(out, asked ? "the client's Upgrade asks for the subprotocols '%s', not xmpp"
                       : "the client's Upgrade names no subprotocol: xmpp is required",
            asked);
        return true;
    }
    if (!chosen || strcmp(chosen, "xmpp") != 0) {
        say(out, chosen ? "the server's 101 chose the subprotocol '%s', not xmpp"
                        : "the server's 101 names no subprotocol: the client must close",
            chosen);
        return true;
    }
    return false;
}

bool
check_j2(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    if (f->u.ws.problem != LOGIN_WS_BINARY)
        return false;
    say(out, "%s message %lu is binary, not text", side(f->dir), f->u.ws.message);
    return true;
}

bool
check_j3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    if (f->u.ws.problem != LOGIN_WS_NOT_ONE_ELEMENT)
        return false;
    say(out, "%s message %lu is not one element: %s", side(f->dir), f->u.ws.message,
        f->detail ? f->detail : "?");
    return true;
}

bool
check_j4(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    if (f->u.ws.problem != LOGIN_WS_WHITESPACE)
        return false;
    say(out, "%s message %lu is whitespace only (a keepalive)", side(f->dir), f->u.ws.message);
    return true;
}

/* The element's name as sent: stream:stream for a stream header. */
static const char *
shown_name(const struct stanza *el)
{
    return stanza_is(el, "stream", NS_STREAM) ? "stream:stream" : el->name;
}

bool
check_j5(const struct login *l, const struct fact *f, struct finding *out)
{
    if (f->dir != 'C' || l->ws_client_elements != 1 || !f->el || stanza_is(f->el, "open", NS_FRAMING))
        return false;
    say(out, "the client's first message is <%s>, not <open/>", shown_name(f->el));
    return true;
}

bool
check_j6(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const struct stanza *el = f->el;
    if (!el || (strcmp(el->name, "open") != 0 && strcmp(el->name, "close") != 0) ||
        (el->ns && strcmp(el->ns, NS_FRAMING) == 0))
        return false;
    say(out, "<%s/> qualified by %s%s%s, not by " NS_FRAMING, el->name, el->ns ? "'" : "",
        el->ns ? el->ns : "no namespace", el->ns ? "'" : "");
    return true;
}

bool
check_j7(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    /* RFC 7395 §3.7: the restart is a new <open/>, never a <close/> first (A13 on other transports) */
    return l->ws && f->dir == 'C' && f->ev == EV_STREAM_CLOSE && login_restart_due(l);
}

bool
check_j8(const struct login *l, const struct fact *f, struct finding *out)
{
    if (!l->ws || l->stream_error || l->opaque)
        return false;
    bool ended = f->u.end.how == LOGIN_END_CLOSED;
    bool c = !l->closed_c && (ended || l->ws_close_frame[0]);
    bool s = !l->closed_s && (ended || l->ws_close_frame[1]);
    if (!c && !s)
        return false;
    say(out, "the %s ended the WebSocket without <close/>",
        c && s ? "client and the server" : c ? "client" : "server");
    return true;
}

bool
check_j10(const struct login *l, const struct fact *f, struct finding *out)
{
    if (f->dir != 'S' || f->ev != EV_STREAM_ERROR || l->ws_open_s)
        return false;
    say(out, "stream error before the server's <open/> (RFC 7395 §3.5: <open/>, the error, <close/>)");
    return true;
}

bool
check_j11(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    if (f->u.ws.problem != LOGIN_WS_MASKING)
        return false;
    say(out, "%s", f->detail ? f->detail : "frame masking wrong");
    return true;
}

bool
check_j12(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f;
    if (l->tls_active)
        return false;
    say(out, "XMPP over ws://, not wss://: the WebSocket carries the stream without TLS");
    return true;
}

bool
check_j13(const struct login *l, const struct fact *f, struct finding *out)
{
    if (f->dir != 'C' || (f->ev != EV_STREAM_OPEN && f->ev != EV_STREAM_RESTART) || !l->closed_c)
        return false;
    say(out, "a new stream opened on the WebSocket after the client closed its stream");
    return true;
}
