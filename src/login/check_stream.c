/*
 * check_stream: the predicates of login-spec §3 groups A (stream framing and
 * negotiation), K (stream errors and closing) and L (about the input). Each
 * says whether its fact breaks the rule; the table (check_table.c) says when
 * it is asked.
 */
#include <config.h>
#include "checks.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static bool
features_due(enum state st)
{
    return st == ST_HDR_C || st == ST_HDR_S;
}

static const char *
side(char dir)
{
    return dir == 'C' ? "client" : "server";
}

bool
check_a1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->state == ST_IDLE; /* RFC 6120 §4.2: the header comes first */
}

bool
check_a2(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->dir == 'S' && l->state == ST_HDR_S && l->client_version10 &&
           f->ev != EV_FEATURES && f->ev != EV_STREAM_ERROR && f->ev != EV_STREAM_CLOSE;
}

bool
check_a3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return features_due(l->state); /* RFC 6120 §4.3.2 */
}

bool
check_a4(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    return f->dir == 'S' && !stanza_attr(f->el, "id", NULL);
}

bool
check_a5(const struct login *l, const struct fact *f, struct finding *out)
{
    const char *id = f->dir == 'S' ? stanza_attr(f->el, "id", NULL) : NULL;
    for (size_t i = 0; id && i < l->nstream_ids; i++)
        if (strcmp(l->stream_ids[i], id) == 0) {
            say(out, "server reused stream id '%s' after a restart", id);
            return true;
        }
    return false;
}

bool
check_a6(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->dir == 'C' && l->s.domain == NULL && !stanza_attr(f->el, "to", NULL);
}

bool
check_a7(const struct login *l, const struct fact *f, struct finding *out)
{
    if (stanza_attr(f->el, "version", NULL))
        return false;
    if (f->dir == 'C')
        say(out, "the client's stream header has no version");
    else if (l->client_version10)
        say(out, "the server's stream header has no version");
    else
        return false; /* both sides pre-1.0: reported once, on the client's header */
    return true;
}

bool
check_a8(const struct login *l, const struct fact *f, struct finding *out)
{
    const char *from = f->dir == 'C' ? stanza_attr(f->el, "from", NULL) : NULL;
    if (!from || !*from || l->tls_active)
        return false;
    say(out, "'%s' sent in a stream header without TLS", from);
    return true;
}

bool
check_a9(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const struct stanza *el = f->el;
    if (f->dir != 'C')
        return false;
    if (stanza_is(el, "open", NS_FRAMING))
        return false; /* RFC 7395's header: J6 judges its namespace */
    if (!el->ns || strcmp(el->ns, NS_STREAM) != 0) {
        say(out, "the stream header is qualified by %s%s%s, not by the stream namespace",
            el->ns ? "'" : "", el->ns ? el->ns : "no namespace", el->ns ? "'" : "");
        out->ref = "RFC 6120 §4.8.1";
        return true;
    }
    if (el->default_ns && strcmp(el->default_ns, NS_CLIENT) != 0) {
        /* a client-to-server stream's content namespace is jabber:client (s2s: jabber:server) */
        say(out, "content namespace '%s' on a client stream, not '" NS_CLIENT "'", el->default_ns);
        return true;
    }
    return false;
}

bool
check_a10(const struct login *l, const struct fact *f, struct finding *out)
{
    /* keep-alives are fine, but not inside TLS or SASL negotiation (RFC 6120 §5.3.3, §6.3.5) */
    if ((l->state != ST_TLS_WAIT && l->state != ST_SASL) || l->whitespace_reported)
        return false;
    say(out, "whitespace from the %s during %s", side(f->dir),
        l->state == ST_SASL ? "SASL" : "STARTTLS");
    if (l->state == ST_SASL)
        out->ref = "RFC 6120 §6.3.5";
    return true;
}

bool
check_a11(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    return f->ev == EV_STREAM_RESTART || f->ev == EV_STREAM_OPEN; /* RFC 6120 §4.3.3 */
}

bool
check_a12(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    /* RFC 6120 §4.3.3: pipelined before the proceed or success it depends on */
    return f->ev == EV_STREAM_RESTART && (l->state == ST_SASL || l->state == ST_TLS_WAIT);
}

bool
check_a13(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    /* RFC 6120 §4.3.3: a restart is a new header, never a close first (J7 on WebSocket) */
    return !l->ws && f->dir == 'C' && f->ev == EV_STREAM_CLOSE && login_restart_due(l);
}

bool
check_a14(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return !l->inline_resumed && l->bound && f->el->nchildren; /* F12 names the inline case */
}

bool
check_a15(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const struct frame *fr = f->dir != '-' ? f->u.xml.frame : NULL;
    if (!fr || !fr->restricted)
        return false;
    if (fr->message)
        say(out, "%s", fr->message);
    return true;
}

bool
check_a16(const struct login *l, const struct fact *f, struct finding *out)
{
    if (f->kind == FACT_OUT_OF_ORDER)
        /* the catch-all; a stanza once authenticated is D6/D7's, by its addressee */
        return !(login_is_stanza(f->ev) && l->authed);
    /* one finding per step back, and none where the state machine named the step already */
    enum phase p = f->u.rank.phase;
    if (l->order_seq == f->seq || p == l->rank_back)
        return false;
    char *name = event_name(f->ev, f->detail); /* the step's, stored or not */
    say(out, "%s (phase %s) after the client reached phase %s", name, phase_name(p),
        phase_name(l->max_rank));
    free(name);
    return true;
}

bool
check_a17(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)f, (void)out;
    return true; /* login-spec §2.2 rule 5: the fact is the finding */
}

bool
check_k1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const char *cond = f->detail;
    if (cond && (strcmp(cond, "not-authorized") == 0 || strcmp(cond, "policy-violation") == 0))
        out->severity = SEV_WARNING; /* the server refused the client (login-spec §3 K1) */
    say(out, "stream error: %s", cond ? cond : "undefined-condition");
    return true;
}

bool
check_k2(const struct login *l, const struct fact *f, struct finding *out)
{
    if (l->stream_error_by != f->dir || f->ev == EV_STREAM_CLOSE)
        return false;
    say(out, "the %s went on after its stream error", side(f->dir));
    return true;
}

bool
check_k3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->dir == 'S' && l->state == ST_HDR_C && !l->ws; /* J10 on WebSocket */
}

bool
check_k4(const struct login *l, const struct fact *f, struct finding *out)
{
    if (f->u.end.how != LOGIN_END_CLOSED || l->closed_c || l->stream_error || !l->started ||
        l->opaque || l->no_xml)
        return false;
    /*
     * BOSH has no connection of its own to drop: a client ends with type='terminate'
     * (its close); without it the server ended the session (I20, or its inactivity
     * timer, I13), which a log says as "connection closed" when the BOSH process ends.
     */
    if (l->s.transport == TRANSPORT_BOSH)
        return false;
    if (!l->bound)
        out->severity = SEV_WARNING; /* before DONE (login-spec §3 K4) */
    say(out, "the client ended the connection without closing its stream");
    return true;
}

bool
check_k5(const struct login *l, const struct fact *f, struct finding *out)
{
    /* a client that dropped the connection is K4; K5 is a server that ignored the client's close */
    if (f->u.end.how != LOGIN_END_CLOSED || !l->closed_c || l->closed_s || l->stream_error ||
        l->opaque || l->no_xml)
        return false;
    say(out, "the client closed its stream; the server never closed its own");
    return true;
}

bool
check_k6(const struct login *l, const struct fact *f, struct finding *out)
{
    /* RFC 6120 §4.4: after its own </stream:stream> a side sends nothing more */
    if (!(f->dir == 'C' ? l->closed_c : l->closed_s) || f->ev == EV_STREAM_CLOSE)
        return false;
    say(out, "the %s sent data after closing its stream", side(f->dir));
    return true;
}

bool
check_k7(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->detail && strcmp(f->detail, "see-other-host") == 0 && !l->tls_active;
}

bool
check_k8(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    if (f->u.redirects.run <= REDIRECTS_FOLLOWED)
        return false;
    say(out, "%u see-other-host redirects in a row for %.*s, at most %d s apart",
        f->u.redirects.run, f->u.redirects.src_len, f->u.redirects.src, REDIRECT_GAP_S);
    return true;
}

bool
check_l1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f;
    if (!l->s.password_in_log)
        return false;
    out->seq = l->auth_seq;
    say(out, "the password of '%s' is readable in the server log", l->s.user ? l->s.user : "?");
    return true;
}

bool
check_l2(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f;
    if (!l->opaque)
        return false;
    out->seq = l->opaque_seq;
    say(out, "the login went on inside TLS without a key: ordering past this point was not "
             "checked");
    return true;
}

bool
check_l3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f;
    if (!l->no_xml_alone)
        return false; /* a whole log below debug level: said once, for the input */
    say(out, "the log shows no XML for this connection, though it does for others: only the "
             "server's own lines about it are known");
    return true;
}

/* L4: the input's clock went back inside this session (login_in_order()). */
bool
check_l4(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f;
    if (!l->clock_backs)
        return false;
    char by[32], from[40], to[40], max[32];
    format_span(l->clock_back_from - l->clock_back_to, by, sizeof by);
    format_span(l->clock_back_max, max, sizeof max);
    format_time(l->clock_back_from, from, sizeof from);
    format_time(l->clock_back_to, to, sizeof to);
    out->seq = l->clock_back_seq;
    if (l->clock_backs == 1)
        say(out,
            "the input's time went back by %s (from %s to %s): the step is placed at the "
            "time of the one before it",
            by, from, to);
    else
        say(out,
            "the input's time went back by %s (from %s to %s), and %u later steps are "
            "dated before a step before them too (by at most %s): each is placed at the "
            "latest time before it",
            by, from, to, l->clock_backs - 1, max);
    return true;
}
