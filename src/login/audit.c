/*
 * audit: authentication attempts and the credentials they expose
 * (login-spec §4): SASL1 and SASL2 attempts, in-band registration and legacy
 * authentication, the server's verdicts. What crossed in clear is recorded
 * on the attempt; the table of checks judges it (B1–B4, C*, E*, H*).
 */
#include <config.h>
#include "login_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "sasl.h"
#include "xalloc.h"

size_t
login_localpart_len(const char *jid)
{
    const char *at = strchr(jid, '@');
    return at ? (size_t)(at - jid) : strlen(jid);
}

bool
login_in_list(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(v[i], s) == 0)
            return true;
    return false;
}

bool
login_plus_offered(const struct session *s)
{
    for (size_t i = 0; i < s->auth.noffered; i++)
        if (sasl_mech_is_plus(s->auth.offered[i]))
            return true;
    return false;
}

struct attempt *
audit_new_attempt(struct login *l, const char *mech, usec_t t)
{
    struct session *s = &l->s;
    s->auth.attempts = xgrow(s->auth.attempts, s->auth.nattempts, sizeof *s->auth.attempts);
    struct attempt *a = &s->auth.attempts[s->auth.nattempts++];
    memset(a, 0, sizeof *a);
    a->mechanism = mech ? xstrdup(mech) : NULL;
    if (mech && !l->mech_first)
        l->mech_first = xstrdup(mech);
    else if (mech && !l->mech_other && strcasecmp(mech, l->mech_first) != 0)
        l->mech_other = xstrdup(mech);
    a->result = AUTH_NONE;
    a->tls = l->tls_active ? TRI_TRUE : TRI_FALSE;
    if (l->auth_start == 0)
        l->auth_start = t;
    if (s->tls.before_auth == TRI_NULL)
        s->tls.before_auth = l->tls_active ? TRI_TRUE : TRI_FALSE;
    l->cur = a;
    l->cur_decoded = false;
    l->cb_downgrade = false;
    return a;
}

/* A password went out at step |seq|: on the wire without TLS, in the server's log (B1, E2, L1). */
static void
note_secret_sent(struct login *l, unsigned seq)
{
    if (!l->tls_active) {
        l->s.password_on_wire = true;
        l->s.wire_exposures++;
    }
    if (l->opt.from_log)
        l->s.password_in_log = true;
    if (!l->auth_seq)
        l->auth_seq = seq;
}

/* A reusable secret of attempt |a| went where it can be read (B1/L1 material). */
static void
note_plaintext(struct login *l, struct attempt *a, unsigned seq)
{
    a->plaintext = true;
    note_secret_sent(l, seq);
}

/* Records what a credential payload exposes on attempt |a|. */
static void
expose_credentials(struct login *l, struct attempt *a, const char *authzid, const char *authcid,
                   const char *secret, unsigned seq)
{
    a->has_credentials = true;
    free(a->credentials.authzid);
    free(a->credentials.authcid);
    a->credentials.authzid = xstrdup(authzid);
    a->credentials.authcid = xstrdup(authcid);
    if (secret) {
        free(a->credentials.password);
        a->credentials.password = xstrdup(secret);
        note_plaintext(l, a, seq);
    }
    if (authcid && !l->s.user) {
        /* some clients send the bare JID as authcid (RFC 6120 §6.3.7) */
        l->s.user = xstrndup(authcid, login_localpart_len(authcid));
    }
}

/* The client sends credentials or registration data: in clear, where TLS was offered? */
static void
clear_step(struct login *l, enum event ev, unsigned seq)
{
    struct fact f = {.kind = FACT_CLEAR_STEP, .dir = 'C', .ev = ev, .seq = seq};
    checks_raise(l, &f);
    if (login_skips_required_tls(l))
        l->b4_seen = true; /* the server must not go on now (B5) */
}

static void
credentials_fact(struct login *l, struct fact *f, enum event ev, const struct attempt *a,
                 unsigned seq)
{
    f->kind = FACT_CREDENTIALS;
    f->dir = 'C';
    f->ev = ev;
    f->seq = seq;
    f->u.cred.attempt = a;
    checks_raise(l, f);
}

void
audit_payload(struct login *l, const struct stanza *el, unsigned seq)
{
    struct attempt *a = l->cur;
    if (!a || l->cur_decoded)
        return;
    struct fact f = {.el = el};
    if (l->damaged && el->text_len == 0) {
        /*
         * A damaged element whose data the hole took: nothing can be decoded,
         * but a mechanism that sends a reusable secret sent it where anyone
         * could read it (the credentials stay unknown).
         */
        if (!a->mechanism || !sasl_mech_sends_secret(a->mechanism))
            return;
        note_plaintext(l, a, seq);
        f.u.cred.damaged = true;
        credentials_fact(l, &f, EV_NONE, a, seq);
        return;
    }
    struct sasl_decoded d;
    sasl_decode_client(a->mechanism, el->text, el->text_len, &d);
    if (!d.present && !d.bad_base64) {
        sasl_decoded_clear(&d);
        return; /* the data comes in a later <response> */
    }
    l->cur_decoded = true;
    if (d.present && (d.authcid || d.authzid || d.secret))
        expose_credentials(l, a, d.authzid, d.authcid, d.secret, seq);
    l->cb_downgrade = d.cbflag[0] == 'y' && login_plus_offered(&l->s);
    memcpy(l->cbflag, d.cbflag, sizeof l->cbflag);
    f.u.cred.sasl = &d;
    credentials_fact(l, &f, EV_NONE, a, seq);
    sasl_decoded_clear(&d);
}

void
audit_auth(struct login *l, const struct stanza *el, const char *mech, usec_t t, unsigned seq)
{
    struct fact f = {.kind = FACT_NEW_ATTEMPT, .dir = 'C', .ev = EV_AUTH, .seq = seq, .el = el,
                     .detail = mech};
    checks_raise(l, &f);
    audit_new_attempt(l, mech, t);
    l->challenge_pending = false;
    /* RFC 6120 §6.4.2: no character data = no initial response; an empty one is "=" */
    l->auth_no_data = el->text_len == strspn(el->text, " \t\r\n") && !l->damaged;
    l->auth_no_data_seq = seq;
    clear_step(l, EV_AUTH, seq);
    f.kind = FACT_EVENT;
    checks_raise(l, &f);
    audit_payload(l, el, seq);
    f.kind = FACT_MECHANISM_JUDGED;
    checks_raise(l, &f);
}

void
audit_sasl2_authenticate(struct login *l, const struct stanza *el, const char *mech, usec_t t,
                         unsigned seq)
{
    audit_new_attempt(l, mech, t);
    struct fact f = {.kind = FACT_EVENT, .dir = 'C', .ev = EV_SASL2_AUTHENTICATE, .seq = seq,
                     .el = el, .detail = mech};
    checks_raise(l, &f);
    const struct stanza *ir = stanza_child(el, "initial-response", NULL);
    if (ir)
        audit_payload(l, ir, seq);
}

void
audit_note_sasl_failure(struct login *l, const struct attempt *a)
{
    if (a->result == AUTH_FAILURE && (!a->mechanism || strcmp(a->mechanism, "legacy") != 0))
        l->sasl_failed = true;
}

void
audit_note_failure(struct login *l, const struct attempt *a, usec_t t, unsigned seq)
{
    l->failures = xgrow(l->failures, l->nfailures, sizeof *l->failures);
    l->failures[l->nfailures++] = (struct failure){
        .time = t, .seq = seq, .attempt = (size_t)(a - l->s.auth.attempts)};
}

void
audit_verdict(struct login *l, bool ok, const char *condition, usec_t t, unsigned seq)
{
    struct attempt *a = l->cur;
    l->challenge_pending = false;
    if (!a)
        return;
    a->result = ok ? AUTH_SUCCESS : AUTH_FAILURE;
    audit_note_sasl_failure(l, a);
    free(a->condition);
    a->condition = !ok && condition ? xstrdup(condition) : NULL;
    l->auth_end = t;
    if (ok) {
        l->authed = true;
        l->s.auth.outcome = AUTH_SUCCESS;
    } else {
        if (l->s.auth.outcome != AUTH_SUCCESS)
            l->s.auth.outcome = AUTH_FAILURE;
        audit_note_failure(l, a, t, seq);
        l->epoch_failures++;
    }
    struct fact f = {.kind = FACT_VERDICT, .dir = 'S', .seq = seq, .detail = condition};
    f.u.verdict.attempt = a;
    f.u.verdict.ok = ok;
    f.u.verdict.condition = condition;
    checks_raise(l, &f);
    l->cur = NULL;
}

void
audit_register_set(struct login *l, const struct stanza *el, unsigned seq)
{
    const struct stanza *q = stanza_child(el, "query", NS_IQ_REGISTER);
    const char *user = stanza_child_text(q, "username", NULL);
    const char *pass = stanza_child_text(q, "password", NULL);
    struct fact f = {.kind = FACT_EVENT, .dir = 'C', .ev = EV_REGISTER_SET, .seq = seq, .el = el};
    checks_raise(l, &f);
    if (user && *user && !l->s.user)
        l->s.user = xstrdup(user);
    bool password = pass && *pass;
    if (password) {
        clear_step(l, EV_REGISTER_SET, seq);
        note_secret_sent(l, seq);
    }
    bool change = login_in_session(l);
    if (!change)
        l->registrations++;
    f.kind = FACT_REGISTRATION;
    f.u.reg.user = user;
    f.u.reg.password = password ? pass : NULL;
    f.u.reg.change = change;
    checks_raise(l, &f);
}

void
audit_legacy_set(struct login *l, const struct stanza *el, usec_t t, unsigned seq)
{
    const struct stanza *q = stanza_child(el, "query", NS_IQ_AUTH);
    const char *user = stanza_child_text(q, "username", NULL);
    const char *pass = stanza_child_text(q, "password", NULL);
    const char *digest = stanza_child_text(q, "digest", NULL);
    struct attempt *a = audit_new_attempt(l, "legacy", t);
    struct fact f = {.kind = FACT_EVENT, .dir = 'C', .ev = EV_LEGACY_AUTH_SET, .seq = seq,
                     .el = el};
    checks_raise(l, &f);
    clear_step(l, EV_LEGACY_AUTH_SET, seq);
    /* XEP-0078 binds the resource in the same step: remember the JID it will get */
    const char *resource = stanza_child_text(q, "resource", NULL);
    free(l->legacy_jid);
    l->legacy_jid = user && *user && l->s.domain
                        ? xasprintf("%s@%s%s%s", user, l->s.domain, resource && *resource ? "/" : "",
                                    resource ? resource : "")
                        : NULL;
    expose_credentials(l, a, NULL, user && *user ? user : NULL, pass && *pass ? pass : NULL, seq);
    struct fact c = {.el = el};
    c.u.cred.legacy = true;
    c.u.cred.user = user;
    c.u.cred.password = pass && *pass ? pass : NULL;
    c.u.cred.digest = digest && *digest ? digest : NULL;
    credentials_fact(l, &c, EV_LEGACY_AUTH_SET, a, seq);
}
