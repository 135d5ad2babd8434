/*
 * loglines: what a server log's own lines say of a login (ejabberd's
 * "Accepted/Failed c2s … authentication", "Opened c2s session", "The account
 * … was registered", "Closing c2s session"). At debug level they come after
 * the XML that shows the same and add only C22; at info level (no XML for
 * the connection) they are all there is: the attempts, the bound JID, the
 * registration, the end, and what the socket tag says of TLS.
 */
#include <config.h>
#include "login_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "sasl.h"
#include "xalloc.h"

/*
 * The connection's first step at info level: its "Accepted connection" line
 * (at debug level the XML's steps say it). Before the step of the line that
 * shows the log has no XML, so that the steps stay in time order.
 */
static void
accepted_step(struct login *l)
{
    if (l->log_accepted_step || l->xml_seen || !l->have_start || l->steps)
        return;
    l->log_accepted_step = true;
    char *summary = xasprintf("server log: accepted connection%s%s", l->s.client ? " from " : "",
                              l->s.client ? l->s.client : "");
    login_add_step(l, '-', login_in_order(l, l->s.start), EV_LOG_ACCEPTED, NULL, summary);
}

/*
 * A password went out without TLS, as far as the log's socket tag tells
 * (no password in the input: nothing to mask, nothing to decode).
 */
static void
wire_inferred(struct login *l)
{
    l->s.password_on_wire = true;
    l->s.password_wire_inferred = true;
    l->s.wire_exposures++;
}

/* PLAIN and its kin, and XEP-0078 (whose <digest/> form the log cannot tell from <password/>). */
static bool
sends_password(const char *mech)
{
    return mech && (sasl_mech_sends_secret(mech) || strcasecmp(mech, "legacy") == 0);
}

void
login_log_auth(struct login *l, usec_t t, bool ok, const char *mech, const char *user,
               const char *ip, const char *reason, enum tri tls)
{
    accepted_step(l);
    t = login_in_order(l, t);
    struct buf b = {0};
    buf_printf(&b, "server log: %s %s authentication for %s%s%s", ok ? "accepted" : "failed",
               mech ? mech : "?", user ? user : "?", reason ? ": " : "", reason ? reason : "");
    enum event ev = ok ? EV_LOG_AUTH_OK : EV_LOG_AUTH_FAIL;
    unsigned seq = login_add_step(l, '-', t, ev, mech, b.data);
    struct fact f = {.kind = FACT_EVENT, .dir = '-', .ev = ev, .seq = seq, .detail = mech};
    f.u.log_auth.ok = ok;
    f.u.log_auth.mech = mech;
    f.u.log_auth.user = user;
    f.u.log_auth.ip = ip;
    f.u.log_auth.reason = reason;
    checks_raise(l, &f);
    if (user && !l->s.user)
        l->s.user = xstrndup(user, login_localpart_len(user));
    if (ip && !l->auth_ip)
        l->auth_ip = xstrdup(ip);
    /* with XML, the attempt is the XML's; the line only confirms it */
    if (l->xml_seen && l->s.auth.nattempts > 0)
        return;
    struct attempt *a = audit_new_attempt(l, mech, t);
    a->inferred = !l->xml_seen;
    a->tls = a->inferred ? tls : TRI_NULL;
    if (a->inferred && tls != TRI_NULL && l->s.tls.before_auth != TRI_TRUE)
        l->s.tls.before_auth = tls;
    a->result = ok ? AUTH_SUCCESS : AUTH_FAILURE;
    audit_note_sasl_failure(l, a);
    if (!ok)
        audit_note_failure(l, a, t, seq);
    if (a->inferred && tls == TRI_FALSE && sends_password(mech)) {
        a->plaintext = true;
        wire_inferred(l);
    }
    l->cur = NULL;
    l->auth_end = t;
    if (ok) {
        l->s.auth.outcome = AUTH_SUCCESS;
        l->authed = true;
    } else if (l->s.auth.outcome != AUTH_SUCCESS) {
        l->s.auth.outcome = AUTH_FAILURE;
    }
}

void
login_log_session(struct login *l, usec_t t, const char *jid, bool resumed)
{
    if (l->xml_seen)
        return; /* the bind result said it */
    accepted_step(l);
    t = login_in_order(l, t);
    login_add_step(l, '-', t, EV_LOG_SESSION, NULL,
                   xasprintf("server log: %s for %s", resumed ? "resumed session" : "opened c2s session",
                             jid ? jid : "?"));
    login_bound(l, jid, t);
    /* without the stream header's to='…', the JID is where the log names the domain */
    const char *at = jid ? strchr(jid, '@') : NULL;
    if (at && !l->s.domain) {
        const char *slash = strchr(at + 1, '/');
        l->s.domain = slash ? xstrndup(at + 1, (size_t)(slash - at - 1)) : xstrdup(at + 1);
    }
}

void
login_log_registered(struct login *l, usec_t t, const char *user, const char *ip, enum tri tls)
{
    if (l->xml_seen)
        return; /* the iq:register set said it */
    accepted_step(l);
    t = login_in_order(l, t);
    login_add_step(l, '-', t, EV_LOG_REGISTERED, NULL,
                   xasprintf("server log: account %s registered from %s", user ? user : "?",
                             ip ? ip : "?"));
    if (user && !l->s.user)
        l->s.user = xstrndup(user, login_localpart_len(user));
    l->registered = true;
    l->registrations++;
    if (tls == TRI_FALSE)
        wire_inferred(l);
    else if (tls == TRI_NULL)
        l->log_register_pending = true; /* a later tcp tag settles it (login_log_socket) */
}

void
login_log_socket(struct login *l, enum tri tls)
{
    /* TLS is never undone: a socket tagged tcp now was in clear at the registration too */
    if (l->log_register_pending && tls == TRI_FALSE)
        wire_inferred(l);
    if (tls != TRI_NULL)
        l->log_register_pending = false;
    if (tls == TRI_FALSE && !l->tls_active)
        l->s.tls.negotiated = TRI_FALSE; /* so far: a later tls tag is STARTTLS (note_transport) */
}

void
login_log_tls_before(struct login *l, usec_t t)
{
    accepted_step(l);
    login_pseudo(l, EV_TLS_ESTABLISHED, t,
                 "socket tagged tls at the connection's first c2s line: TLS came before it "
                 "(STARTTLS; the log level hides when)");
    l->tls_time = 0; /* when is not known: no to_tls duration */
}

void
login_log_closed(struct login *l, usec_t t, const char *reason)
{
    if (l->xml_seen)
        return;
    accepted_step(l);
    t = login_in_order(l, t);
    login_add_step(l, '-', t, EV_LOG_CLOSED, NULL,
                   xasprintf("server log: closing c2s session%s%s", reason ? ": " : "",
                             reason ? reason : ""));
    l->log_closed = true;
}

void
login_no_xml(struct login *l, bool elsewhere)
{
    /* a log below debug level; a capture without XML is opaque or silent instead */
    if (!l->opt.from_log)
        return;
    l->no_xml = true;
    l->no_xml_alone = elsewhere;
    accepted_step(l); /* a connection known from its "Accepted connection" line alone */
}
