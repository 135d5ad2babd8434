/*
 * ws_framing: XMPP over WebSocket (RFC 7395) as the login sees it from a
 * capture: the accepted Upgrade, close frames, what the WebSocket layer
 * found in messages and frames, and the framing's elements. It raises the
 * facts the J rows judge (check_ws.c); the stream itself goes through the
 * machine as on TCP: <open/> is the stream header (a later one the restart,
 * RFC 7395 §3.5), <close/> the stream's close (phase.c).
 *
 * A server log also shows WebSocket streams, but ejabberd logs them with
 * stream headers in place of <open/>: the J checks are for captures only,
 * where the framing itself is seen (l->ws).
 */
#include <config.h>
#include "login_impl.h"

#include <stdio.h>

#include "checks.h"

void
login_ws_upgrade(struct login *l, usec_t t, const char *requested, const char *protocol,
                 const char *target)
{
    l->ws = true;
    l->s.transport = TRANSPORT_WEBSOCKET;
    char detail[300];
    snprintf(detail, sizeof detail, "GET %.100s: 101, subprotocol %.40s (asked: %.80s)",
             target ? target : "?", protocol ? protocol : "none", requested ? requested : "none");
    struct fact f = {0};
    f.u.upgrade.requested = requested;
    f.u.upgrade.protocol = protocol;
    login_pseudo_fact(l, EV_WS_UPGRADE, t, detail, &f);
}

/* RFC 6455 §7.4.1's names for the codes a close frame usually carries. */
static const char *
close_code_name(unsigned code)
{
    switch (code) {
    case 1000: return "normal closure";
    case 1001: return "going away";
    case 1002: return "protocol error";
    case 1003: return "unsupported data";
    case 1007: return "invalid payload data";
    case 1008: return "policy violation";
    case 1009: return "message too big";
    case 1010: return "mandatory extension";
    case 1011: return "internal error";
    default: return NULL;
    }
}

void
login_ws_close_frame(struct login *l, char dir, usec_t t, unsigned code, const char *reason)
{
    l->ws_close_frame[dir == 'S'] = true;
    char detail[260];
    const char *name = close_code_name(code);
    if (!code)
        snprintf(detail, sizeof detail, "%s close frame, no code", dir == 'S' ? "server" : "client");
    else
        snprintf(detail, sizeof detail, "%s close frame, code %u%s%s%s%s%s",
                 dir == 'S' ? "server" : "client", code, name ? " (" : "", name ? name : "",
                 name ? ")" : "", reason && *reason ? ", reason: " : "", reason ? reason : "");
    login_pseudo(l, EV_WS_CLOSE_FRAME, t, detail);
}

void
login_ws_problem(struct login *l, char dir, enum login_ws_problem problem, unsigned long message,
                 const char *detail)
{
    struct fact f = {.kind = FACT_WS_FRAMING, .dir = dir, .seq = l->steps, .detail = detail};
    f.u.ws.problem = problem;
    f.u.ws.message = message;
    checks_raise(l, &f);
}

void
login_ws_element(struct login *l, char dir, const struct stanza *el, enum event ev, unsigned seq)
{
    if (dir == 'C')
        l->ws_client_elements++;
    struct fact f = {.kind = FACT_WS_ELEMENT, .dir = dir, .ev = ev, .seq = seq, .el = el};
    checks_raise(l, &f);
    if (dir == 'S' && ev == EV_STREAM_OPEN)
        l->ws_open_s = true;
}
