/* lifecycle: a login's start, its accessors and its end: outcome, durations, end-of-session facts. */
#include <config.h>
#include "login_impl.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "xalloc.h"


struct login *
login_new(const struct login_options *opt)
{
    struct login *l = xcalloc(1, sizeof *l);
    l->opt = *opt;
    l->state = ST_IDLE;
    l->s.transport = TRANSPORT_TCP;
    l->s.durations.to_tls = l->s.durations.auth = l->s.durations.to_bound = -1;
    return l;
}

void
login_free(struct login *l)
{
    if (!l)
        return;
    session_clear(&l->s);
    for (size_t i = 0; i < l->nstream_ids; i++)
        free(l->stream_ids[i]);
    free(l->stream_ids);
    for (size_t i = 0; i < l->npending; i++)
        free(l->pending[i].id);
    free(l->pending);
    free(l->legacy_jid);
    free(l->bind_resource);
    free(l->sm_id);
    free(l->resumed_from);
    free(l->server_error);
    free(l->header_from);
    free(l->failures);
    free(l->auth_ip);
    free(l->last_event_name);
    free(l->mech_first);
    free(l->mech_other);
    findings_clear(&l->findings);
    login_free_list(l->cb_types, l->ncb_types);
    login_free_list(l->compress_methods, l->ncompress_methods);
    login_free_list(l->sasl2_mechs, l->nsasl2_mechs);
    free(l);
}

struct session *
login_session(struct login *l)
{
    return &l->s;
}

void
login_connected(struct login *l, usec_t t)
{
    if (!l->have_start || t < l->s.start) {
        l->s.start = t;
        l->have_start = true;
    }
    if (t > l->s.end)
        l->s.end = t;
}

void
login_opaque(struct login *l)
{
    if (!l->opaque) {
        l->opaque = true;
        l->opaque_seq = l->steps;
    }
}

void
login_tls_decrypting(struct login *l, const char *version, const char *suite)
{
    l->tls_keys = true;
    l->s.decryption.present = true;
    l->s.decryption.version = version;
    l->s.decryption.suite = suite;
}

void
login_tls_opaque(struct login *l, const char *kind, const char *reason)
{
    struct session *s = &l->s;
    s->decryption.present = true;
    if (!s->decryption.opaque) {
        s->decryption.opaque = kind;
        s->decryption.opaque_reason = xstrdup(reason);
    }
    if (l->tls_keys && l->inside_tls)
        login_opaque(l); /* decryption stopped part way: what follows cannot be read */
    l->tls_keys = false;
    l->inside_tls = false;
}

void
login_tls_established(struct login *l)
{
    if (l->tls_keys) {
        l->inside_tls = true; /* decrypted: once application data is read (login_tls_records) */
    } else {
        login_opaque(l);
    }
}

void
login_tls_records(struct login *l, const unsigned long n[2])
{
    l->s.decryption.app_records[0] = n[0];
    l->s.decryption.app_records[1] = n[1];
    l->s.decryption.decrypted = n[0] || n[1];
}

bool
login_inside_tls(const struct login *l)
{
    return l->inside_tls;
}

void
login_tls_carried(struct login *l, const struct login *carrier, usec_t t)
{
    l->s.decryption = carrier->s.decryption;
    l->s.decryption.opaque_reason = xstrdup(carrier->s.decryption.opaque_reason);
    l->tls_keys = l->inside_tls = l->tls_active = true;
    l->s.tls.negotiated = TRI_TRUE;
    l->tls_time = t;
    l->tls_version = carrier->tls_version;
}

void
login_tls_carried_records(struct login *l, const struct login *carrier)
{
    for (int d = 0; d < 2; d++)
        if (carrier->s.decryption.app_records[d] > l->s.decryption.app_records[d])
            l->s.decryption.app_records[d] = carrier->s.decryption.app_records[d];
    l->s.decryption.decrypted |= carrier->s.decryption.decrypted;
}

void
login_tls_unique(struct login *l, const uint8_t *data, size_t len)
{
    l->tls_unique_len = len < sizeof l->tls_unique ? len : sizeof l->tls_unique;
    memcpy(l->tls_unique, data, l->tls_unique_len);
}

void
login_tls_version(struct login *l, unsigned version)
{
    l->tls_version = version;
}

bool
login_both_closed(const struct login *l)
{
    return l->closed_c && l->closed_s;
}

bool
login_stream_over(const struct login *l)
{
    return (l->closed_c && l->closed_s) || l->stream_error;
}

bool
login_tls_pending(const struct login *l)
{
    return l->state == ST_TLS_HS;
}

static double
ms_between(usec_t from, usec_t to)
{
    return to >= from ? (double)(to - from) / 1000.0 : 0.0;
}

/* The report's outcome (login-spec §2.3 "Terminal outcome labels"). */
static enum outcome
outcome_of(const struct login *l, enum login_end how)
{
    const struct session *s = &l->s;
    if (l->bound)
        return OUTCOME_ESTABLISHED;
    if (l->opaque && !l->stream_error && s->auth.outcome != AUTH_FAILURE)
        return OUTCOME_OPAQUE;
    if (l->stream_error)
        return OUTCOME_ERROR;
    if (l->registered && s->auth.nattempts == 0)
        return OUTCOME_REGISTERED;
    if (s->auth.outcome == AUTH_FAILURE)
        return OUTCOME_AUTH_FAILED;
    if (how != LOGIN_END_CLOSED && !login_stream_over(l))
        return OUTCOME_INCOMPLETE;
    return OUTCOME_ABORTED;
}

struct session *
login_finish(struct login *l, enum login_end how, usec_t t)
{
    struct session *s = &l->s;
    s->evicted = how == LOGIN_END_EVICTED_IDLE     ? "idle"
                 : how == LOGIN_END_EVICTED_FULL   ? "table-full"
                 : how == LOGIN_END_EVICTED_MEMORY ? "memory"
                                                   : NULL;
    if (l->no_xml && how == LOGIN_END_INPUT_END && !l->bound) {
        /*
         * ejabberd logs no close at info level for a connection that opened no
         * session: the input's end does not show it still open. It ended after
         * its last line, as far as the log tells.
         */
        how = LOGIN_END_CLOSED;
        t = s->end;
    }
    if (t > s->end)
        s->end = t;
    if (!l->have_start)
        s->start = s->end = t;
    s->outcome = outcome_of(l, how);

    if (s->tls.negotiated == TRI_NULL && l->features_seen)
        s->tls.negotiated = l->tls_active ? TRI_TRUE : TRI_FALSE;
    if (s->auth.nattempts) {
        struct attempt *chosen = &s->auth.attempts[s->auth.nattempts - 1];
        for (size_t i = 0; i < s->auth.nattempts; i++)
            if (s->auth.attempts[i].result == AUTH_SUCCESS)
                chosen = &s->auth.attempts[i];
        s->auth.mechanism = xstrdup(chosen->mechanism);
    }

    s->durations.total = ms_between(s->start, s->end);
    if (l->tls_time)
        s->durations.to_tls = ms_between(s->start, l->tls_time);
    if (l->auth_start && l->auth_end)
        s->durations.auth = ms_between(l->auth_start, l->auth_end);
    if (l->bound_time)
        s->durations.to_bound = ms_between(s->start, l->bound_time);

    struct fact f = {.kind = FACT_END};
    f.u.end.how = how;
    checks_raise(l, &f);

    struct session *out = xmalloc(sizeof *out);
    *out = *s;
    memset(s, 0, sizeof *s);
    return out;
}
