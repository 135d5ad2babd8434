/* feed_tls: what the tls-watch layer learns of a TLS connection (see the header). */
#include <config.h>
#include "feed_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_watch.h"
#include "tlsrec.h"

bool
https_port(unsigned port)
{
    return port == 443 || port == 5443 || port == 5281 || port == 7443 || port == 8443;
}

/*
 * Direct TLS that carries HTTP, BOSH or WebSocket (RFC 7395 §3.9, XEP-0206):
 * the ClientHello asks for http/1.1 or h2, or, without an ALPN that says
 * XMPP, the server listens on an HTTPS port (https_port()).
 */
static bool
is_https(const struct session *s, const char *alpn)
{
    if (tlsrec_alpn_has(alpn, "http/1.1") || tlsrec_alpn_has(alpn, "h2"))
        return true;
    if (tlsrec_alpn_has(alpn, "xmpp-client"))
        return false;
    const char *colon = s->server ? strrchr(s->server, ':') : NULL;
    unsigned port = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
    return https_port(port);
}

void
tls_noted(struct conn *c, const struct stack_note *note)
{
    const struct tlsrec_event *ev = note->info;
    usec_t t = note->time;
    if (note->what == TLS_NOTE_DECRYPTING) {
        const struct tls_note_keys *k = note->info;
        login_tls_decrypting(c->login, k->version, k->suite);
        return;
    }
    if (note->what == TLS_NOTE_FINISHED) {
        const struct tls_note_finished *fin = note->info;
        login_tls_unique(c->login, fin->verify_data, fin->len);
        return;
    }
    if (note->what == TLS_NOTE_RECORDS) {
        login_tls_records(c->login, note->info);
        return;
    }
    if (note->what == TLS_NOTE_OPAQUE) {
        const struct tls_note_opaque *o = note->info;
        login_tls_opaque(c->login, o->kind, o->reason);
        return;
    }
    switch ((enum tlsrec_kind)note->what) {
    case TLSREC_CLIENT_HELLO: {
        struct session *s = login_session(c->login);
        if (s->transport == TRANSPORT_TLS && is_https(s, ev->alpn))
            s->transport = TRANSPORT_HTTPS; /* before the hello's checks: B14 is XMPP's */
        login_client_hello(c->login, t, ev->sni, ev->alpn);
        break;
    }
    case TLSREC_ESTABLISHED: {
        char detail[80];
        snprintf(detail, sizeof detail, "TLS handshake complete (%s)",
                 ev->version == 0x0304   ? "TLS 1.3"
                 : ev->version == 0x0303 ? "TLS 1.2"
                 : ev->version == 0x0302 ? "TLS 1.1"
                 : ev->version == 0x0301 ? "TLS 1.0"
                                         : "version not seen");
        login_tls_version(c->login, ev->version);
        login_pseudo(c->login, EV_TLS_ESTABLISHED, t, detail);
        login_tls_established(c->login); /* decrypted with a key log, else opaque (L2) */
        break;
    }
    case TLSREC_ALERT:
        login_pseudo(c->login, EV_TLS_ALERT, t, ev->dir ? "alert from the server" : "alert from the client");
        break;
    case TLSREC_NOT_TLS:
        login_pseudo(c->login, EV_XML_ERROR, t,
                     ev->dir ? "server bytes where TLS records were due" : "client bytes where TLS records were due");
        break;
    }
}
