/*
 * check_bind: the predicates of login-spec §3 groups D (bind, session, stanza
 * order), E (in-band registration and legacy authentication), F (stream
 * management) and G (compression).
 */
#include <config.h>
#include "checks.h"

#include <stdlib.h>
#include <string.h>

/* A client stanza sent after authentication, before binding (RFC 6120 §7.1). */
static bool
authed_before_bind(const struct login *l, const struct fact *f)
{
    return f->dir == 'C' && l->state != ST_UNKNOWN && !l->bound && l->authed;
}

bool
check_d1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->ev == EV_BIND && !l->authed; /* RFC 6120 §7.4 */
}

bool
check_d2(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->authed && l->features_seen && !l->bind_offered && !l->bound;
}

bool
check_d3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return !l->authed && stanza_child(f->el, "bind", NS_BIND);
}

bool
check_d4(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return l->authed && !l->bound && !l->damaged && !stanza_child(f->el, "bind", NS_BIND);
}

bool
check_d5(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return login_is_stanza(f->ev) && !l->authed; /* RFC 6120 §4.3.5 */
}

bool
check_d6(const struct login *l, const struct fact *f, struct finding *out)
{
    if (!authed_before_bind(l, f) || f->u.stanza.to_local)
        return false;
    say(out, "stanza to '%s' before resource binding", stanza_attr(f->el, "to", NULL));
    return true;
}

bool
check_d7(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return authed_before_bind(l, f) && f->u.stanza.to_local;
}

bool
check_d8(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->dir == 'S' && l->prebind_pending && !l->bound;
}

bool
check_d9(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return l->state == ST_DONE && f->ev == EV_BIND; /* RFC 6120 §7.1 */
}

bool
check_d10(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f;
    if (l->bind_errors != 11) /* RFC 6120 §7.7.3: servers allow 5 to 10 */
        return false;
    say(out, "%u failed bind attempts", l->bind_errors);
    return true;
}

bool
check_d11(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    say(out, "resource binding refused: %s", f->detail ? f->detail : "no condition");
    return true;
}

bool
check_d12(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f;
    const char *slash = l->s.jid ? strchr(l->s.jid, '/') : NULL;
    if (!l->bind_resource || !*l->bind_resource || !slash || strcmp(slash + 1, l->bind_resource) == 0)
        return false;
    say(out, "asked for resource '%s', got '%s'", l->bind_resource, slash + 1);
    return true;
}

bool
check_d13(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    return f->ev == EV_SESSION; /* RFC 3921 §3: after the bind result */
}

bool
check_d14(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->features_seen && !l->session_offered;
}

bool
check_d15(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    /* the client's first stanza once bound, with a mandatory session never established */
    return f->dir == 'C' && l->bound && !l->stanza_seen && l->session_offered &&
           !l->session_optional && !l->session_done;
}

bool
check_d16(const struct login *l, const struct fact *f, struct finding *out)
{
    if (l->bound || l->no_xml || l->opaque || l->unsynced)
        return false; /* unsynced: picked up mid-stream, the login may have ended before the input began */
    /* low when the login stopped before any authentication verdict */
    if (l->s.auth.outcome == AUTH_NONE && !l->registered)
        out->severity = SEV_WARNING;
    enum login_end how = f->u.end.how;
    const char *closer =
        l->stream_error                           ? "ended by a stream error"
        : l->closed_c                             ? "the client closed its stream"
        : how == LOGIN_END_CLOSED && l->closed_s  ? "the client dropped the connection, then the server closed its stream"
        : how == LOGIN_END_CLOSED                 ? "the connection ended without a stream close"
        : l->closed_s                             ? "the server closed its stream, then the input ended"
                                                  : "the input ended";
    const char *last = l->last_event_name ? l->last_event_name
                       : l->last_event    ? l->s.phases[l->last_event - 1].event
                                          : "no event";
    say(out, "login did not complete: last phase %s (%s), %s",
        phase_name(l->last_phase) ? phase_name(l->last_phase) : "none", last, closer);
    return true;
}

bool
check_e1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return !l->authed && !l->register_offered && l->features_seen;
}

bool
check_e2(const struct login *l, const struct fact *f, struct finding *out)
{
    if (!f->u.reg.password || l->tls_active)
        return false;
    say(out, "registration password of '%s' sent without TLS",
        f->u.reg.user ? f->u.reg.user : "?");
    return true;
}

bool
check_l5(const struct login *l, const struct fact *f, struct finding *out)
{
    if (!f->u.reg.change || !f->u.reg.password)
        return false;
    /* the new password in key=value form: the output step hides it unless --show-secrets */
    say(out, "password of '%s' changed (a new credential sent %s): password=%s",
        f->u.reg.user ? f->u.reg.user : l->s.user ? l->s.user : "?",
        l->tls_active ? "over TLS" : "without TLS", f->u.reg.password);
    return true;
}

bool
check_e3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    if (f->dir != 'C' || !l->registered || l->authed || l->e3_checked)
        return false;
    switch (f->ev) {
    case EV_AUTH: case EV_SASL2_AUTHENTICATE: case EV_LEGACY_AUTH_GET: case EV_LEGACY_AUTH_SET:
    case EV_REGISTER_GET: case EV_REGISTER_SET: case EV_STREAM_CLOSE: case EV_STREAM_RESTART:
    case EV_STARTTLS:
        return false; /* authenticating, registering again, or leaving */
    default:
        return true;
    }
}

bool
check_e4(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return !l->authed && l->registrations == 2;
}

bool
check_e5(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)f, (void)out;
    return true; /* jabber:iq:auth is obsolete (XEP-0078 §1) */
}

bool
check_e6(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->sasl_failed;
}

bool
check_e7(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const struct stanza *q = stanza_child(f->el, "query", NS_IQ_AUTH);
    const char *user = stanza_child_text(q, "username", NULL);
    const char *res = stanza_child_text(q, "resource", NULL);
    if (user && *user && res && *res)
        return false;
    say(out, "legacy authentication without %s", !user || !*user ? "username" : "resource");
    return true;
}

/* An error reply that carries the request's password or digest back (XEP-0078 §3.1). */
bool
check_e8(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    unsigned hits = 0;
    for (size_t i = 0; i < f->el->nchildren; i++) {
        const struct stanza *q = f->el->children[i];
        if (strcmp(q->name, "query") != 0)
            continue;
        const char *pass = stanza_child_text(q, "password", NULL);
        const char *digest = stanza_child_text(q, "digest", NULL);
        if ((!pass || !*pass) && (!digest || !*digest))
            continue;
        say(out, "the server's error repeats the %s it was sent",
            pass && *pass ? "password" : "digest");
        hits++;
    }
    if (!hits)
        return false;
    out->hits = hits;
    return true;
}

bool
check_e9(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const struct stanza *q = stanza_child(f->el, "query", NS_IQ_REGISTER);
    if (!stanza_child(q, "remove", NULL))
        return false;
    say(out, "account removal requested");
    return true;
}

bool
check_f1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->ev == EV_SM_ENABLE && !l->authed; /* XEP-0198 §3 */
}

bool
check_f2(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->ev == EV_SM_ENABLE && l->authed;
}

bool
check_f3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return !l->sm_enabled && l->features_seen && !l->sm_offered; /* twice is F4 */
}

bool
check_f4(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->sm_enabled;
}

bool
check_f5(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->ev == EV_SM_RESUME && !l->authed; /* XEP-0198 §10 */
}

bool
check_f6(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return l->state == ST_DONE && f->ev == EV_SM_RESUME; /* XEP-0198 §5 */
}

bool
check_f7(const struct login *l, const struct fact *f, struct finding *out)
{
    if (l->state != ST_SM_WAIT)
        return false; /* a failed <enable/> is not a failed resumption */
    say(out, "stream resumption failed: %s", f->detail ? f->detail : "no condition");
    return true;
}

bool
check_f8(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return !l->sm_enabled;
}

bool
check_f9(const struct login *l, const struct fact *f, struct finding *out)
{
    if (f->ev != EV_SM_ACK || !l->sm_enabled || l->resumed_from)
        return false; /* after a resumption the counts carried over are not seen */
    /* <a h/> counts the stanzas the other side sent (XEP-0198 §4); h wraps at 2^32 */
    const char *h = stanza_attr(f->el, "h", NULL);
    unsigned long other = l->sent[f->dir == 'C' ? 1 : 0] & 0xffffffffUL;
    char *end;
    unsigned long v = h ? strtoul(h, &end, 10) : 0;
    if (!h || end == h || v <= other)
        return false;
    say(out, "h=%lu but only %lu stanzas were sent", v, other);
    return true;
}

bool
check_f10(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    if (f->u.sm.conflict)
        say(out,
            "stream management session '%s' was resumed on another connection "
            "(session %u): the server closed this stream with <conflict/>",
            f->u.sm.id, f->u.sm.other);
    else
        say(out,
            "this resumption replaced stream management session '%s': the server "
            "closed that stream (session %u) with <conflict/>",
            f->u.sm.id, f->u.sm.other);
    return true;
}

bool
check_f11(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return l->sm_resumable && f->u.end.how == LOGIN_END_CLOSED && !l->closed_c && !l->opaque;
}

bool
check_f12(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->inline_resumed;
}

bool
check_g1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return !l->authed; /* XEP-0170 §2.2: after SASL */
}

bool
check_g2(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)f, (void)out;
    return true;
}

bool
check_g3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->state == ST_RESTART_COMP; /* XEP-0138 §2 */
}

bool
check_g4(const struct login *l, const struct fact *f, struct finding *out)
{
    const char *method = stanza_child_text(f->el, "method", NULL);
    if (!method || !l->features_seen ||
        login_in_list(l->compress_methods, l->ncompress_methods, method))
        return false;
    say(out, "compression method '%s' was not offered", method);
    return true;
}
