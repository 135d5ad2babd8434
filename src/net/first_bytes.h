/*
 * first_bytes: the bottom layer of a connection whose protocol is not known
 * yet. The first bytes decide: a ClientHello from the client is direct TLS
 * (XEP-0368), and the layer puts tls_watch in its place; anything else is
 * left to the layers above, and the layer takes itself out. Gaps before the
 * first byte pass up and decide nothing. (HTTP, for BOSH and WebSocket, is
 * the next guess to make here.)
 */
#ifndef XMPPFLOW_FIRST_BYTES_H
#define XMPPFLOW_FIRST_BYTES_H

#include "stack.h"

enum first_bytes_note {
    FIRST_BYTES_TLS, /* direct TLS: the connection's transport is tls */
};

extern const struct layer_kind first_bytes_layer;

#endif
