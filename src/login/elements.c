/*
 * elements: the bookkeeping of one element of the login (login-spec §1.2,
 * §1.3): what the stream header, the features, the iq answers, binding,
 * stream management and stanzas tell the state of the login, and the facts
 * they raise for the table of checks. Authentication itself is audit.c's.
 */
#include <config.h>
#include "login_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "xalloc.h"

void
login_free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Replaces |*v| with the texts of |parent|'s children named |name|. */
static void
collect_texts(char ***v, size_t *n, const struct stanza *parent, const char *name)
{
    login_free_list(*v, *n);
    *v = NULL;
    *n = 0;
    for (size_t i = 0; parent && i < parent->nchildren; i++) {
        const struct stanza *c = parent->children[i];
        if (strcmp(c->name, name) != 0 || !c->text_len)
            continue;
        *v = xreallocarray(*v, *n + 1, sizeof **v);
        (*v)[(*n)++] = xstrdup(c->text);
    }
}

/* The FACT_EVENT of element |el|: the rows that judge the element itself. */
static bool
event_fact(struct login *l, char dir, const struct stanza *el, enum event ev, const char *detail,
           unsigned seq)
{
    struct fact f = {.kind = FACT_EVENT, .dir = dir, .ev = ev, .seq = seq, .el = el,
                     .detail = detail};
    return checks_raise(l, &f);
}

static void
on_client_header(struct login *l, const struct stanza *el)
{
    const char *version = stanza_attr(el, "version", NULL);
    l->client_version10 = version && strtod(version, NULL) >= 1.0;
    const char *from = stanza_attr(el, "from", NULL);
    if (from && *from) {
        free(l->header_from);
        l->header_from = xstrdup(from);
    }
}

static void
on_server_header(struct login *l, const struct stanza *el)
{
    l->legacy_stream = !stanza_attr(el, "version", NULL) || !l->client_version10;
    const char *id = stanza_attr(el, "id", NULL);
    if (!id)
        return;
    /* the latest STREAM_IDS_KEPT: a stream restarts a few times, a hostile one a million */
    if (l->nstream_ids == STREAM_IDS_KEPT) {
        free(l->stream_ids[0]);
        memmove(l->stream_ids, l->stream_ids + 1, --l->nstream_ids * sizeof *l->stream_ids);
    }
    l->stream_ids = xgrow(l->stream_ids, l->nstream_ids, sizeof *l->stream_ids);
    l->stream_ids[l->nstream_ids++] = xstrdup(id);
}

/* A stream header: judged against what came before it (A5 needs the ids so far), then noted. */
static void
on_header(struct login *l, char dir, const struct stanza *el, enum event ev, unsigned seq)
{
    if (dir == 'C')
        on_client_header(l, el);
    event_fact(l, dir, el, ev, NULL, seq);
    if (dir == 'C' && l->s.domain == NULL) {
        const char *to = stanza_attr(el, "to", NULL);
        if (to)
            l->s.domain = xstrdup(to);
    }
    if (dir == 'S')
        on_server_header(l, el);
}

/* The SASL mechanisms |mechs| offers become the session's offer (login-spec §1.3). */
static void
note_mechanisms(struct session *s, const struct stanza *mechs)
{
    for (size_t i = 0; i < s->auth.noffered; i++)
        free(s->auth.offered[i]);
    s->auth.noffered = 0;
    s->auth.offered_known = true;
    for (size_t i = 0; i < mechs->nchildren; i++) {
        const struct stanza *m = mechs->children[i];
        if (strcmp(m->name, "mechanism") != 0 || !m->text_len)
            continue;
        s->auth.offered = xreallocarray(s->auth.offered, s->auth.noffered + 1, sizeof *s->auth.offered);
        s->auth.offered[s->auth.noffered++] = xstrdup(m->text);
    }
}

static void
note_cb_types(struct login *l, const struct stanza *cb)
{
    login_free_list(l->cb_types, l->ncb_types);
    l->cb_types = NULL;
    l->ncb_types = 0;
    for (size_t i = 0; i < cb->nchildren; i++) {
        const char *type = stanza_attr(cb->children[i], "type", NULL);
        if (!type)
            continue;
        l->cb_types = xreallocarray(l->cb_types, l->ncb_types + 1, sizeof *l->cb_types);
        l->cb_types[l->ncb_types++] = xstrdup(type);
    }
}

static void
on_features(struct login *l, const struct stanza *el, unsigned seq)
{
    struct session *s = &l->s;
    bool first = !l->features_seen;
    l->features_seen = true;
    const struct stanza *starttls = stanza_child(el, "starttls", NS_TLS);
    const struct stanza *mechs = stanza_child(el, "mechanisms", NS_SASL);
    l->starttls_offered = starttls != NULL;
    l->bind_offered = stanza_child(el, "bind", NS_BIND) != NULL;
    const struct stanza *session = stanza_child(el, "session", NS_SESSION);
    l->session_offered = session != NULL;
    l->session_optional = session && stanza_child(session, "optional", NULL);
    l->sm_offered = stanza_child(el, "sm", NS_SM3) || stanza_child(el, "sm", NS_SM2);
    l->register_offered = stanza_child(el, "register", NS_FEAT_REGISTER) != NULL;
    collect_texts(&l->compress_methods, &l->ncompress_methods,
                  stanza_child(el, "compression", NS_FEAT_COMPRESS), "method");
    const struct stanza *sasl2 = stanza_child(el, "authentication", NS_SASL2);
    if (sasl2) {
        l->sasl2_offered = true;
        collect_texts(&l->sasl2_mechs, &l->nsasl2_mechs, sasl2, "mechanism");
    }
    const struct stanza *cb = stanza_child(el, "sasl-channel-binding", "urn:xmpp:sasl-cb:0");
    if (cb)
        note_cb_types(l, cb);
    /* the first features of a plaintext TCP stream seen from its start, whole: STARTTLS due (B6) */
    bool first_plain = first && !l->tls_active && s->transport == TRANSPORT_TCP && !l->midstream &&
                       !l->damaged; /* a damaged one may have lost its <starttls/> */
    if (starttls) {
        s->tls.offered = TRI_TRUE;
        bool required = stanza_child(starttls, "required", NULL) != NULL || el->nchildren == 1;
        s->tls.required = required ? TRI_TRUE : TRI_FALSE;
    } else if (first_plain) {
        s->tls.offered = TRI_FALSE;
        s->tls.required = TRI_FALSE;
    }
    if (mechs)
        note_mechanisms(s, mechs);
    struct fact f = {.kind = FACT_EVENT, .dir = 'S', .ev = EV_FEATURES, .seq = seq, .el = el};
    f.u.features.first_plain = first_plain;
    checks_raise(l, &f);
    l->inline_resumed = false; /* judged: F12 is about the features right after it */
}

void
login_remember_iq(struct login *l, const struct stanza *el, enum iq_kind kind)
{
    const char *id = stanza_attr(el, "id", NULL);
    if (!id)
        return;
    if (l->npending == PENDING_KEPT) {
        /* never answered: the oldest goes (its answer, if it comes, is a plain iq result) */
        free(l->pending[0].id);
        memmove(l->pending, l->pending + 1, --l->npending * sizeof *l->pending);
    }
    l->pending = xgrow(l->pending, l->npending, sizeof *l->pending);
    l->pending[l->npending].id = xstrdup(id);
    l->pending[l->npending].kind = kind;
    const char *type = stanza_attr(el, "type", NULL);
    l->pending[l->npending].get = type && strcmp(type, "get") == 0;
    l->npending++;
}

enum event
login_pair_iq(struct login *l, const struct stanza *el, enum event ev)
{
    const char *id = stanza_attr(el, "id", NULL);
    if (!id)
        return ev;
    for (size_t i = 0; i < l->npending; i++) {
        if (strcmp(l->pending[i].id, id) != 0)
            continue;
        enum iq_kind kind = l->pending[i].kind;
        bool get = l->pending[i].get;
        free(l->pending[i].id);
        memmove(&l->pending[i], &l->pending[i + 1], (--l->npending - i) * sizeof *l->pending);
        bool ok = ev != EV_IQ_ERROR;
        if (ok && get) /* the field list: nothing registered or authenticated yet */
            return kind == IQ_REGISTER ? EV_REGISTER_FORM
                   : kind == IQ_LEGACY ? EV_LEGACY_AUTH_FORM
                                       : EV_IQ_RESULT;
        switch (kind) {
        case IQ_REGISTER:
            return ok ? EV_REGISTER_RESULT : EV_REGISTER_ERROR;
        case IQ_LEGACY:
            return ok ? EV_LEGACY_AUTH_RESULT : EV_LEGACY_AUTH_ERROR;
        case IQ_BIND:
            return ok ? EV_BIND_RESULT : EV_BIND_ERROR;
        case IQ_SESSION:
            return ok ? EV_SESSION_RESULT : EV_SESSION_ERROR;
        }
    }
    return ev;
}

void
login_bound(struct login *l, const char *jid, usec_t t)
{
    if (jid && *jid) {
        free(l->s.jid);
        l->s.jid = xstrdup(jid);
        const char *at = strchr(jid, '@');
        if (at && !l->s.user)
            l->s.user = xstrndup(jid, (size_t)(at - jid));
    }
    l->bound = true;
    l->bound_time = t;
}

static void
on_bind_result(struct login *l, const struct stanza *el, usec_t t)
{
    const struct stanza *bind = stanza_child(el, "bind", NS_BIND);
    login_bound(l, bind ? stanza_child_text(bind, "jid", NULL) : NULL, t);
}

static void
on_sasl2_success(struct login *l, const struct stanza *el, usec_t t, unsigned seq)
{
    audit_verdict(l, true, NULL, t, seq);
    const char *authz = stanza_child_text(el, "authorization-identifier", NULL);
    if (!authz)
        authz = stanza_child_text(el, "authorization-identity", NULL); /* XEP-0484 examples */
    const struct stanza *bound = stanza_child(el, "bound", NULL);
    const struct stanza *resumed = stanza_child(el, "resumed", NULL);
    if (authz && *authz && (bound || resumed)) {
        free(l->s.jid);
        l->s.jid = xstrdup(authz);
    }
    if (bound || resumed) {
        l->bound = true;
        l->bound_time = t;
    }
    event_fact(l, 'S', el, EV_SASL2_SUCCESS, NULL, seq);
    l->inline_resumed = resumed != NULL;
    /* XEP-0388 §2.6.1: features at once, unless the session was resumed inline */
    l->sasl2_success = !resumed;
}

/* RFC 6120 §7.1: before binding only the server or the own account may be addressed. */
static bool
addressed_locally(const struct login *l, const struct stanza *el)
{
    const char *to = stanza_attr(el, "to", NULL);
    size_t ulen = l->s.user ? strlen(l->s.user) : 0;
    return !to || (l->s.domain && strcasecmp(to, l->s.domain) == 0) ||
           (l->s.user && strncasecmp(to, l->s.user, ulen) == 0 && to[ulen] == '@' && l->s.domain &&
            strcasecmp(to + ulen + 1, l->s.domain) == 0);
}

static void
on_stanza(struct login *l, char dir, const struct stanza *el, enum event ev, unsigned seq)
{
    /* mid-stream, before a re-synchronisation, where the login stands is not known */
    bool client_prebind = dir == 'C' && l->state != ST_UNKNOWN && !l->unsynced && !l->bound;
    struct fact f = {.kind = FACT_EVENT, .dir = dir, .ev = ev, .seq = seq, .el = el};
    f.u.stanza.to_local = client_prebind && l->authed && addressed_locally(l, el);
    checks_raise(l, &f);
    if (client_prebind && !f.u.stanza.to_local)
        l->prebind_pending = true; /* the server must not answer it (D8) */
    else if (dir == 'S' && !l->bound)
        l->prebind_pending = false;
    if (dir == 'S' && l->unsynced && !l->bound &&
        (ev == EV_STANZA_MESSAGE || ev == EV_STANZA_PRESENCE)) {
        /* the server routes these to a bound resource only (RFC 6120 §7.1, §2.2 rule 2) */
        l->bound = true;
        const char *to = stanza_attr(el, "to", NULL);
        const char *at = to ? strchr(to, '@') : NULL;
        if (at && strchr(at, '/') && !l->s.jid) { /* a full JID: the bound one */
            l->s.jid = xstrdup(to);
            if (!l->s.user)
                l->s.user = xstrndup(to, (size_t)(at - to));
        }
    }
    if (l->sm_enabled)
        l->sent[dir == 'C' ? 0 : 1]++;
    if (dir == 'C' && l->bound)
        l->stanza_seen = true;
}

static void
on_stream_error(struct login *l, char dir, const struct stanza *el, const char *detail, usec_t t,
                unsigned seq)
{
    if (!l->stream_error_by)
        l->stream_error_by = dir;
    if (dir == 'S' && !l->server_error) {
        l->server_error = xstrdup(detail ? detail : "undefined-condition");
        l->server_error_seq = seq;
        l->server_error_time = t;
    }
    l->stream_error = true;
    event_fact(l, dir, el, EV_STREAM_ERROR, detail, seq);
}

static void
on_sm_enabled(struct login *l, const struct stanza *el)
{
    l->sm_enabled = true;
    const char *resume = stanza_attr(el, "resume", NULL);
    l->sm_resumable = resume && (strcmp(resume, "true") == 0 || strcmp(resume, "1") == 0);
    const char *id = stanza_attr(el, "id", NULL);
    if (id) {
        free(l->sm_id);
        l->sm_id = xstrdup(id);
    }
}

static void
on_sm_resumed(struct login *l, const struct stanza *el, usec_t t, unsigned seq)
{
    l->bound = true;
    l->sm_enabled = true;
    l->bound_time = t;
    const char *previd = stanza_attr(el, "previd", NULL);
    if (previd) {
        free(l->resumed_from);
        l->resumed_from = xstrdup(previd);
        l->resumed_seq = seq;
    }
}

/* The server answered a step that needed credentials or registration (B5's moment). */
static void
server_went_on(struct login *l, enum event ev, unsigned seq)
{
    struct fact f = {.kind = FACT_SERVER_WENT_ON, .dir = 'S', .ev = ev, .seq = seq};
    checks_raise(l, &f);
}

/* SASL1 server elements: the exchange's bookkeeping around the table's rows. */
static void
on_sasl_server(struct login *l, const struct stanza *el, enum event ev, const char *detail,
               usec_t t, unsigned seq)
{
    switch (ev) {
    case EV_CHALLENGE:
        l->challenge_pending = true;
        l->auth_no_data = false; /* the server asked for the data: the empty <auth/> was right */
        server_went_on(l, ev, seq);
        event_fact(l, 'S', el, ev, detail, seq);
        break;
    case EV_SUCCESS:
        server_went_on(l, ev, seq);
        event_fact(l, 'S', el, ev, detail, seq);
        l->auth_no_data = false;
        audit_verdict(l, true, NULL, t, seq);
        break;
    case EV_FAILURE:
        event_fact(l, 'S', el, ev, detail, seq);
        l->abort_pending = false;
        l->auth_no_data = false;
        audit_verdict(l, false, detail, t, seq);
        break;
    default:
        break;
    }
}

void
login_element_facts(struct login *l, char dir, const struct stanza *el, enum event ev,
                    const char *detail, usec_t t, unsigned seq)
{
    switch (ev) {
    case EV_STREAM_OPEN:
    case EV_STREAM_RESTART:
        on_header(l, dir, el, ev, seq);
        break;
    case EV_FEATURES:
        on_features(l, el, seq);
        break;
    case EV_AUTH:
        audit_auth(l, el, detail, t, seq);
        break;
    case EV_CHALLENGE:
    case EV_SUCCESS:
    case EV_FAILURE:
        on_sasl_server(l, el, ev, detail, t, seq);
        break;
    case EV_ABORT:
        l->abort_pending = true;
        break;
    case EV_RESPONSE:
    case EV_SASL2_RESPONSE:
        /* challenge_pending is cleared after the machine's step, whose guard still needs it */
        cbind_response(l, el, seq);
        audit_payload(l, el, seq);
        break;
    case EV_REGISTER_GET:
    case EV_LEGACY_AUTH_GET:
    case EV_BIND:
    case EV_SESSION:
        login_remember_iq(l, el, ev == EV_REGISTER_GET  ? IQ_REGISTER
                                 : ev == EV_LEGACY_AUTH_GET ? IQ_LEGACY
                                 : ev == EV_BIND            ? IQ_BIND
                                                            : IQ_SESSION);
        event_fact(l, dir, el, ev, detail, seq);
        if (ev == EV_BIND) {
            const struct stanza *b = stanza_child(el, "bind", NS_BIND);
            free(l->bind_resource);
            l->bind_resource = xstrdup(b ? stanza_child_text(b, "resource", NULL) : NULL);
        }
        break;
    case EV_REGISTER_ERROR:
    case EV_LEGACY_AUTH_ERROR:
        event_fact(l, dir, el, ev, detail, seq);
        if (ev == EV_LEGACY_AUTH_ERROR)
            audit_verdict(l, false, detail, t, seq);
        break;
    case EV_REGISTER_SET:
        login_remember_iq(l, el, IQ_REGISTER);
        audit_register_set(l, el, seq);
        break;
    case EV_REGISTER_RESULT:
        server_went_on(l, ev, seq);
        if (!login_in_session(l)) /* a password change is no registration (XEP-0077 §3.3) */
            l->registered = true;
        else if (l->unsynced && !l->bound)
            l->bound = true; /* a change is accepted in a session only */
        break;
    case EV_LEGACY_AUTH_SET:
        login_remember_iq(l, el, IQ_LEGACY);
        audit_legacy_set(l, el, t, seq);
        break;
    case EV_LEGACY_AUTH_RESULT:
        audit_verdict(l, true, NULL, t, seq);
        if (l->legacy_jid && !l->s.jid) {
            l->s.jid = l->legacy_jid;
            l->legacy_jid = NULL;
        }
        l->bound = true;
        l->bound_time = t;
        break;
    case EV_BIND_RESULT:
        on_bind_result(l, el, t);
        event_fact(l, dir, el, ev, detail, seq);
        break;
    case EV_BIND_ERROR:
        l->bind_errors++;
        event_fact(l, dir, el, ev, detail, seq);
        break;
    case EV_SESSION_RESULT:
        l->session_done = true;
        break;
    case EV_SM_ENABLED:
        on_sm_enabled(l, el);
        break;
    case EV_SM_RESUMED:
        on_sm_resumed(l, el, t, seq);
        break;
    case EV_SASL2_AUTHENTICATE:
        audit_sasl2_authenticate(l, el, detail, t, seq);
        break;
    case EV_SASL2_SUCCESS:
        on_sasl2_success(l, el, t, seq);
        break;
    case EV_SASL2_FAILURE:
        event_fact(l, dir, el, ev, detail, seq);
        audit_verdict(l, false, detail, t, seq);
        break;
    case EV_STANZA_MESSAGE:
    case EV_STANZA_PRESENCE:
    case EV_STANZA_IQ:
    case EV_IQ_RESULT:
    case EV_IQ_ERROR:
        on_stanza(l, dir, el, ev, seq);
        break;
    case EV_STREAM_ERROR:
        on_stream_error(l, dir, el, detail, t, seq);
        break;
    case EV_STREAM_CLOSE:
        if (dir == 'C')
            l->closed_c = true;
        else
            l->closed_s = true;
        break;
    case EV_STARTTLS_FAILURE:
    case EV_SM_ENABLE:
    case EV_SM_FAILED:
    case EV_SM_REQUEST:
    case EV_SM_ACK:
    case EV_COMPRESS:
    case EV_COMPRESSED:
        event_fact(l, dir, el, ev, detail, seq);
        break;
    default:
        break;
    }
}
