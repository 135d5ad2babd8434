/*
 * first_bytes: the bottom layer of a connection whose protocol is not known
 * yet. The first bytes decide: a ClientHello from the client is direct TLS
 * (XEP-0368), and the layer puts tls_watch in its place; a request line
 * (http_guess_request) is HTTP, for BOSH or WebSocket, and the layer puts
 * http in its place; anything else is left to the layers above, and the
 * layer takes itself out. Fewer than 8 client bytes that may still become a
 * request line are held until more come (or the server speaks, or the
 * direction has a gap or ends). Gaps before the first byte pass up and decide
 * nothing.
 */
#ifndef XMPPFLOW_FIRST_BYTES_H
#define XMPPFLOW_FIRST_BYTES_H

#include "stack.h"

enum first_bytes_note {
    FIRST_BYTES_TLS,  /* direct TLS: the connection's transport is tls */
    FIRST_BYTES_HTTP, /* a request line: http is in place */
};

extern const struct layer_kind first_bytes_layer;

#endif
