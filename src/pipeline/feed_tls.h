/*
 * feed_tls: what the tls-watch layer (net/tls_watch.h) learns of a TLS
 * connection goes to the connection's login: the ClientHello (SNI, ALPN;
 * HTTPS told from XMPP), the end of the handshake, alerts, bytes that are
 * not TLS; with a key log, whether the connection is decrypted, and why not.
 */
#ifndef XMPPFLOW_FEED_TLS_H
#define XMPPFLOW_FEED_TLS_H

#include <stdbool.h>

#include "conn_table.h"
#include "stack.h"

/* A note of the tls-watch layer on capture connection |c|. */
void tls_noted(struct conn *c, const struct stack_note *note);

/*
 * |port| is one where HTTPS is served (443; ejabberd 5443; Prosody 5281;
 * Openfire 7443; 8443): a keyless TLS connection there is taken as HTTPS, and
 * a log's HTTP handler accepted there as TLS (a guess, said so).
 */
bool https_port(unsigned port);

#endif
