/*
 * check_tls_auth: the predicates of login-spec §3 groups B (TLS and
 * confidentiality), C (SASL) and H (SASL2, Bind2, FAST).
 */
#include <config.h>
#include "checks.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "sasl.h"

static const char *
mech_of(const struct fact *f)
{
    return f->u.cred.attempt ? f->u.cred.attempt->mechanism : NULL;
}

/* The states where the client owes a restart header (RFC 6120 §4.3.3). */
static bool
restart_due(enum state st)
{
    return st == ST_RESTART_TLS || st == ST_RESTART_SASL || st == ST_RESTART_COMP;
}

static bool
offered_with_prefix(const struct session *s, const char *prefix)
{
    for (size_t i = 0; i < s->auth.noffered; i++)
        if (strncasecmp(s->auth.offered[i], prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

static bool
same_localpart(const char *a, const char *b)
{
    size_t n = login_localpart_len(a);
    return n == login_localpart_len(b) && strncmp(a, b, n) == 0;
}

bool
check_b1(const struct login *l, const struct fact *f, struct finding *out)
{
    if (l->tls_active)
        return false;
    if (f->u.cred.damaged) {
        say(out, "%s password sent without TLS (part of it is missing from the capture: the "
                 "credentials cannot be read)", mech_of(f));
        return true;
    }
    const struct sasl_decoded *d = f->u.cred.sasl;
    if (d && d->has_secret) {
        say(out, "%s password of '%s' sent without TLS", mech_of(f),
            d->authcid ? d->authcid : "?");
        return true;
    }
    if (f->u.cred.legacy && f->u.cred.password) {
        const char *user = f->u.cred.user;
        say(out, "legacy-auth password of '%s' sent without TLS", user ? user : "?");
        return true;
    }
    return false;
}

bool
check_b2(const struct login *l, const struct fact *f, struct finding *out)
{
    if (l->tls_active)
        return false;
    const struct sasl_decoded *d = f->u.cred.sasl;
    if (d && !d->has_secret && (d->hash_material || sasl_mech_is_hashed(mech_of(f)))) {
        say(out, "%s exchange without TLS allows an offline dictionary attack", mech_of(f));
        return true;
    }
    if (f->u.cred.legacy && !f->u.cred.password && f->u.cred.digest) {
        say(out, "legacy-auth digest sent without TLS");
        return true;
    }
    return false;
}

bool
check_b3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return !l->tls_active && l->s.tls.required != TRI_TRUE && l->starttls_offered;
}

bool
check_b4(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return login_skips_required_tls(l);
}

bool
check_b5(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->b4_seen;
}

bool
check_b6(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    return f->u.features.first_plain && !stanza_child(f->el, "starttls", NS_TLS);
}

bool
check_b7(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    return f->ev == EV_STARTTLS; /* RFC 6120 §5.4.2.2: not offered, or offered no more */
}

bool
check_b8(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)f, (void)out;
    return true;
}

bool
check_b9(const struct login *l, const struct fact *f, struct finding *out)
{
    if (f->kind == FACT_OUT_OF_ORDER)
        return l->state == ST_TLS_HS; /* RFC 6120 §5.4.2.3 */
    if (f->ev != EV_XML_ERROR || f->dir != '-' || l->state != ST_TLS_HS)
        return false; /* a capture saw cleartext where TLS records were due */
    say(out, "%s", f->detail ? f->detail : "cleartext during the TLS handshake");
    return true;
}

bool
check_b10(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->state == ST_RESTART_TLS; /* RFC 6120 §5.4.3.3 */
}

bool
check_b11(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return l->tls_active && stanza_child(f->el, "starttls", NS_TLS);
}

bool
check_b12(const struct login *l, const struct fact *f, struct finding *out)
{
    if (l->tls_active || !stanza_child(f->el, "mechanisms", NS_SASL))
        return false;
    struct buf clear = {0};
    for (size_t i = 0; i < l->s.auth.noffered; i++) {
        const char *m = l->s.auth.offered[i];
        if (!sasl_mech_sends_secret(m))
            continue;
        if (clear.len)
            buf_append(&clear, ", ", 2);
        buf_append_str(&clear, m);
    }
    bool holds = clear.len > 0;
    if (holds)
        say(out, "server offers %s without TLS", clear.data);
    buf_clear(&clear);
    return holds;
}

bool
check_b13(const struct login *l, const struct fact *f, struct finding *out)
{
    if (l->tls_active)
        return false;
    say(out, "%s", f->detail ? f->detail : "TLS alert during the handshake");
    return true;
}

bool
check_b14(const struct login *l, const struct fact *f, struct finding *out)
{
    /* XEP-0368 §3: SNI is the JID domain (MUST), ALPN offers xmpp-client (SHOULD) */
    if (l->s.transport != TRANSPORT_TLS || (f->u.hello.sni && f->u.hello.xmpp_alpn))
        return false;
    say(out, "direct TLS ClientHello %s",
        !f->u.hello.sni ? "without SNI" : "without ALPN xmpp-client");
    return true;
}

bool
check_b16(const struct login *l, const struct fact *f, struct finding *out)
{
    if (l->tls_active)
        return false;
    if (f->ev == EV_SASL2_AUTHENTICATE)
        return true;
    if (!stanza_child(f->el, "authentication", NS_SASL2))
        return false;
    say(out, "SASL2 offered on a stream without TLS");
    return true;
}

bool
check_b17(const struct login *l, const struct fact *f, struct finding *out)
{
    bool iqauth = stanza_child(f->el, "auth", NS_FEAT_IQ_AUTH) != NULL;
    bool reg = l->register_offered;
    if (l->tls_active || (!reg && !iqauth))
        return false;
    say(out, "%s offered without TLS",
        reg && iqauth ? "registration and legacy authentication"
        : reg         ? "registration"
                      : "legacy authentication");
    return true;
}

bool
check_b18(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    const struct stanza *starttls = stanza_child(f->el, "starttls", NS_TLS);
    return starttls && stanza_child(starttls, "required", NULL) && f->el->nchildren > 1;
}

bool
check_c1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->ev == EV_AUTH && (l->state == ST_HDR_C || l->state == ST_HDR_S); /* §6.4.1 */
}

bool
check_c2(const struct login *l, const struct fact *f, struct finding *out)
{
    const char *mech = f->detail;
    if (!mech || !l->s.auth.offered_known ||
        login_in_list(l->s.auth.offered, l->s.auth.noffered, mech))
        return false;
    say(out, "mechanism %s was not offered", mech);
    return true;
}

/*
 * Authentication where it is over (RFC 6120 §6.4.1 case 3, XEP-0388 §4.8).
 * Where the client owed a restart or the server its features, those rules
 * name the step instead (they rank before in the state machine's list).
 */
bool
check_c3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    switch (f->ev) {
    case EV_SASL2_AUTHENTICATE:
        return l->authed;
    case EV_AUTH:
        return (l->state == ST_DONE || l->authed) && !restart_due(l->state) &&
               l->state != ST_HDR_C && l->state != ST_HDR_S;
    case EV_LEGACY_AUTH_GET:
    case EV_LEGACY_AUTH_SET:
        return l->state == ST_NEG && l->authed;
    default:
        return false;
    }
}

bool
check_c4(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->state == ST_RESTART_SASL; /* RFC 6120 §6.4.6 */
}

bool
check_c5(const struct login *l, const struct fact *f, struct finding *out)
{
    if (f->kind == FACT_OUT_OF_ORDER)
        return f->ev == EV_RESPONSE; /* RFC 6120 §6.4.3: no challenge to answer */
    if (f->ev != EV_FAILURE || l->cur || l->state == ST_UNKNOWN)
        return false;
    say(out, "SASL failure with no authentication in progress");
    return true;
}

bool
check_c6(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return l->abort_pending && (!f->detail || strcmp(f->detail, "aborted") != 0);
}

bool
check_c7(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const struct attempt *a = f->u.verdict.attempt;
    const char *cond = f->u.verdict.condition;
    if (f->u.verdict.ok || (a->mechanism && strcmp(a->mechanism, "legacy") == 0))
        return false;
    if (cond && strcmp(cond, "invalid-authzid") == 0)
        out->severity = SEV_WARNING; /* an impersonation attempt refused (login-spec §1.4) */
    say(out, "%s authentication failed: %s", a->mechanism ? a->mechanism : "SASL",
        cond ? cond : "no condition");
    return true;
}

bool
check_c8(const struct login *l, const struct fact *f, struct finding *out)
{
    /* the first earlier attempt with another mechanism: the first one, else the first unlike it */
    const char *mech = f->detail;
    const char *before = !mech || !l->mech_first              ? NULL
                         : strcasecmp(l->mech_first, mech) != 0 ? l->mech_first
                                                                : l->mech_other;
    if (!before)
        return false;
    say(out, "mechanism %s tried after %s", mech, before);
    return true;
}

bool
check_c9(const struct login *l, const struct fact *f, struct finding *out)
{
    /* RFC 6120 §6.4.5: servers allow 2 to 5 retries */
    if (f->u.verdict.ok || l->epoch_failures != 6)
        return false;
    say(out, "%u failed attempts on one stream", l->epoch_failures);
    return true;
}

bool
check_c10(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    unsigned by_user = f->u.failures.by_user, by_src = f->u.failures.by_src;
    if (by_user >= WATCH_FAILURES)
        say(out,
            "auth-bruteforce: %u failed authentications for user '%.*s' within %d s "
            "(threshold %d)",
            by_user, f->u.failures.user_len, f->u.failures.user, WATCH_WINDOW_S, WATCH_FAILURES);
    else if (by_src >= WATCH_FAILURES)
        say(out,
            "auth-bruteforce: %u failed authentications from %.*s within %d s "
            "(threshold %d)",
            by_src, f->u.failures.src_len, f->u.failures.src, WATCH_WINDOW_S, WATCH_FAILURES);
    else if (f->u.failures.users >= WATCH_USERS)
        say(out,
            "user-enumeration: %u distinct users failed to authenticate from %.*s "
            "within %d s (threshold %d)",
            f->u.failures.users, f->u.failures.src_len, f->u.failures.src, WATCH_WINDOW_S,
            WATCH_USERS);
    else
        return false;
    return true;
}

bool
check_c11(const struct login *l, const struct fact *f, struct finding *out)
{
    const struct session *s = &l->s;
    const char *mech = f->detail;
    if (!mech || !s->auth.offered_known || l->cb_downgrade)
        return false; /* a downgrade is C12's */
    bool plain_like = sasl_mech_sends_secret(mech);
    bool scram = strncasecmp(mech, "SCRAM-", 6) == 0;
    bool plus = scram && sasl_mech_is_plus(mech);
    if ((plain_like || strcasecmp(mech, "DIGEST-MD5") == 0) && offered_with_prefix(s, "SCRAM-"))
        say(out, "%s chosen although SCRAM was offered", mech);
    else if (scram && !plus && l->tls_active && login_plus_offered(s))
        say(out, "%s chosen although a -PLUS variant was offered", mech);
    else
        return false;
    return true;
}

bool
check_c12(const struct login *l, const struct fact *f, struct finding *out)
{
    if (!f->u.cred.sasl || !l->cb_downgrade)
        return false;
    say(out, "SCRAM client-first says '%s' (no channel binding) although %s", "y",
        "a -PLUS mechanism was offered");
    return true;
}

bool
check_c13(const struct login *l, const struct fact *f, struct finding *out)
{
    const struct sasl_decoded *d = f->u.cred.sasl;
    if (!d)
        return false;
    if (strcmp(d->cbflag, "p=tls-unique") == 0 && l->tls_version == 0x0304)
        return true; /* RFC 9266: tls-unique is not defined for TLS 1.3 */
    if (strncmp(d->cbflag, "p=", 2) != 0 || !l->ncb_types ||
        login_in_list(l->cb_types, l->ncb_types, d->cbflag + 2))
        return false;
    say(out, "channel binding %s is not among the types the server offers", d->cbflag + 2);
    return true;
}

bool
check_c14(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const struct sasl_decoded *d = f->u.cred.sasl;
    if (!d || !d->authzid || !d->authcid)
        return false;
    /* an authzid is a bare JID; the same user under its own name is no proxy */
    size_t local = login_localpart_len(d->authzid);
    if (strlen(d->authcid) == local && strncmp(d->authcid, d->authzid, local) == 0)
        return false;
    say(out, "'%s' asks to act as '%s'", d->authcid, d->authzid);
    return true;
}

bool
check_c15(const struct login *l, const struct fact *f, struct finding *out)
{
    const struct attempt *a = f->u.verdict.attempt;
    const char *who = a->has_credentials ? a->credentials.authcid : NULL;
    if (!f->u.verdict.ok || !who || !l->header_from || same_localpart(who, l->header_from))
        return false;
    say(out, "authenticated as '%s', the stream header said '%s'", who, l->header_from);
    return true;
}

bool
check_c16(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const struct sasl_decoded *d = f->u.cred.sasl;
    if (!d)
        return false;
    if (d->bad_base64)
        say(out, d->present ? "SASL data wrapped with whitespace" : "SASL data is not valid base64");
    else if (d->malformed)
        say(out, "%s data does not follow the mechanism's syntax",
            mech_of(f) ? mech_of(f) : "SASL");
    else
        return false;
    return true;
}

bool
check_c17(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f;
    if (!l->cur || !l->auth_no_data)
        return false;
    /* success with no challenge: the server took "no initial response" for an empty one */
    out->seq = l->auth_no_data_seq;
    say(out,
        "<auth/> for %s carried no data and the server accepted it as an empty initial "
        "response: a zero-length response is sent as '='",
        l->cur->mechanism ? l->cur->mechanism : "SASL");
    return true;
}

bool
check_c18(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    return f->detail && strcasecmp(f->detail, "ANONYMOUS") == 0;
}

bool
check_c19(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const char *mech = f->detail;
    if (!mech || (strcasecmp(mech, "DIGEST-MD5") != 0 && strcasecmp(mech, "CRAM-MD5") != 0))
        return false;
    say(out, "%s is historic", mech);
    return true;
}

bool
check_c20(const struct login *l, const struct fact *f, struct finding *out)
{
    const char *mech = l->cur ? l->cur->mechanism : NULL;
    long iter = mech && strncasecmp(mech, "SCRAM-", 6) == 0
                    ? sasl_scram_iterations(f->el->text, f->el->text_len)
                    : -1;
    if (iter < 0 || iter >= 4096)
        return false;
    say(out, "SCRAM iteration count %ld (at least 4096)", iter);
    return true;
}

bool
check_c21(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return !l->cur && l->state != ST_UNKNOWN;
}

bool
check_c22(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    /* what ejabberd wrote (it never logs the password here, and neither does this) */
    const char *mech = f->u.log_auth.mech, *user = f->u.log_auth.user;
    const char *ip = f->u.log_auth.ip, *reason = f->u.log_auth.reason;
    say(out, "ejabberd logged: %s %s authentication for %s%s%s%s%s",
        f->u.log_auth.ok ? "accepted" : "failed", mech ? mech : "?", user ? user : "?",
        ip ? " from " : "", ip ? ip : "", reason ? ": " : "", reason ? reason : "");
    return true;
}

bool
check_h1(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)f, (void)out;
    return l->state == ST_SASL2; /* XEP-0388 §2.4 */
}

bool
check_h2(const struct login *l, const struct fact *f, struct finding *out)
{
    const char *mech = f->detail;
    if (!mech || !l->nsasl2_mechs || login_in_list(l->sasl2_mechs, l->nsasl2_mechs, mech))
        return false;
    say(out, "SASL2 mechanism %s was not offered", mech);
    return true;
}

bool
check_h3(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)out;
    return f->dir == 'S' && l->sasl2_success && f->ev != EV_FEATURES;
}

bool
check_h4(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    return stanza_child(f->el, "bound", NULL) || stanza_child(f->el, "enabled", NULL) ||
           stanza_child(f->el, "token", NULL);
}

bool
check_h5(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    if (!stanza_child(f->el, "bind", "urn:xmpp:bind:0"))
        return false;
    say(out, "Bind2 offered as a stream feature, outside SASL2 <inline>");
    return true;
}

bool
check_h6(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    return stanza_child(f->el, "bound", NULL) && stanza_child(f->el, "resumed", NULL);
}

bool
check_h8(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l, (void)out;
    return stanza_child(f->el, "token", NULL) != NULL;
}

static bool
looks_like_uuid(const char *s)
{
    /* 8-4-4-4-12 hex digits (RFC 9562 §4) */
    static const int groups[] = {8, 4, 4, 4, 12};
    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, s++)
            if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
                return false;
        if (g < 4 && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

bool
check_h9(const struct login *l, const struct fact *f, struct finding *out)
{
    (void)l;
    const struct stanza *ua = stanza_child(f->el, "user-agent", NULL);
    const char *id = ua ? stanza_attr(ua, "id", NULL) : NULL;
    if (!id || looks_like_uuid(id))
        return false;
    say(out, "user-agent id '%s' is not a UUID", id);
    return true;
}
