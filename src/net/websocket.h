/*
 * websocket: the WebSocket layer (RFC 6455) of a connection whose HTTP
 * Upgrade the server accepted, carrying XMPP (RFC 7395). The http layer
 * puts it above itself after the 101 answer (stack_insert_above, its
 * argument the struct http_upgrade of http.h) and passes it every later
 * byte of both directions.
 *
 * Each direction's frames are read as they come, split anywhere: the
 * header (FIN, RSV, opcode, mask bit, 7/16/64-bit length), the masking key
 * (clients mask every frame, servers none: RFC 6455 §5.1), the payload
 * unmasked. Continuation frames are joined into their message, with
 * control frames (ping, pong, close) allowed between them (§5.4); a
 * message compressed by permessage-deflate (RFC 7692, negotiated in the
 * server's Sec-WebSocket-Extensions) is inflated with zlib, with or without
 * context takeover. Each complete text message goes up as one CHUNK_DATA
 * (RFC 7395 §3.3.3: one XML element per message); CHUNK_END passes up.
 *
 * Bounds: a message is kept up to WEBSOCKET_MAX_MESSAGE bytes (inflated);
 * a longer one is dropped with a note, and never more than that is
 * allocated, whatever a frame's length field or a deflate bomb says.
 *
 * A capture gap inside a frame's payload keeps the frame boundaries (the
 * length is known): the message goes up with a CHUNK_GAP where the bytes
 * are missing (a compressed one cannot be inflated across the hole and is
 * dropped). A gap anywhere else loses the frame boundaries for good: the
 * layer says so and reads nothing more of that direction. (Guessing the
 * next frame header from a few plausible bytes would mostly guess wrong on
 * masked client data, and a wrong guess feeds garbage to the framer.)
 *
 * What the layer learns goes to the owner as notes (|what| an enum
 * websocket_note, |info| a struct websocket_info), never with payload
 * bytes in them but for a close frame's reason (made printable).
 */
#ifndef XMPPFLOW_WEBSOCKET_H
#define XMPPFLOW_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>

#include "stack.h"

/* A message is kept up to this many bytes (after inflating); a longer one is dropped. */
#define WEBSOCKET_MAX_MESSAGE (1u << 20)

enum websocket_note {
    WEBSOCKET_NOTE_CLOSE,           /* a close frame (code, reason) */
    WEBSOCKET_NOTE_BINARY,          /* a binary message: RFC 7395 §3.2 wants text (still passed up) */
    WEBSOCKET_NOTE_NOT_ONE_ELEMENT, /* a text message that is not one whole element (§3.3.3) */
    WEBSOCKET_NOTE_WHITESPACE,      /* a whitespace-only message (§3.8 forbids keepalives) */
    WEBSOCKET_NOTE_MASKING,         /* a client frame not masked, or a server frame masked (once per direction) */
    WEBSOCKET_NOTE_ERROR,           /* any other breach of RFC 6455/7692, an oversize message, a loss */
};

/* Valid during the note only. */
struct websocket_info {
    const char *message;   /* what happened, in words; no payload bytes */
    unsigned code;         /* CLOSE: the status code (0: none given) */
    const char *reason;    /* CLOSE: the reason, printable ASCII ("" when none) */
    unsigned long message_number; /* the direction's data messages so far (this one's number) */
};

/* Counts kept per direction, for tests and --debug. */
struct websocket_counts {
    unsigned long frames, messages, dropped, pings, pongs, closes, errors;
};

extern const struct layer_kind websocket_layer;

/* What |state| (a websocket layer's) counted in direction |dir|. */
void websocket_counts(const void *state, int dir, struct websocket_counts *out);

#endif
