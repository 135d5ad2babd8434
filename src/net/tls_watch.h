/*
 * tls_watch: the stack layer of a TLS connection seen without its keys. Its
 * records go to tlsrec; what tlsrec learns (ClientHello, handshake end,
 * alerts, bytes that are not TLS) goes to the owner as notes whose |what| is
 * a tlsrec_kind and whose |info| is the struct tlsrec_event. Nothing passes
 * up: without keys there is no XMPP byte to read. Gaps are swallowed too.
 */
#ifndef XMPPFLOW_TLS_WATCH_H
#define XMPPFLOW_TLS_WATCH_H

#include "stack.h"
#include "tlsrec.h"

extern const struct layer_kind tls_watch_layer;

#endif
