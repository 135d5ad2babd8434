/*
 * feed_tls: what the tls-watch layer (net/tls_watch.h) learns of a TLS
 * connection goes to the connection's login: the ClientHello (SNI, ALPN;
 * HTTPS told from XMPP), the end of the handshake, alerts, bytes that are
 * not TLS; with a key log, whether the connection is decrypted, and why not.
 */
#ifndef XMPPFLOW_FEED_TLS_H
#define XMPPFLOW_FEED_TLS_H

#include "conn_table.h"
#include "stack.h"

/* A note of the tls-watch layer on capture connection |c|. */
void tls_noted(struct conn *c, const struct stack_note *note);

#endif
