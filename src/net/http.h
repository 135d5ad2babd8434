/*
 * http: the HTTP/1.1 layer (RFC 9112) of a connection whose client speaks
 * HTTP: BOSH (XEP-0124, XEP-0206) and the opening handshake of WebSocket
 * (RFC 6455 §4, RFC 7395 §3.3). first_bytes puts it in place when the
 * client's first bytes are a request line.
 *
 * Both directions are parsed (keep-alive, pipelining, Content-Length,
 * chunked bodies, Content-Encoding gzip and deflate, 100-continue); each
 * complete message goes to the owner as a note HTTP_NOTE_MESSAGE whose info
 * is a struct http_message, a response carrying the number of the request it
 * answers. Nothing passes up: a BOSH body is the owner's to route (one BOSH
 * session spans several connections). When the server answers an Upgrade
 * to websocket with 101, the layer puts the "websocket" layer above itself
 * (stack_insert_above, its argument a struct http_upgrade) and from then on
 * passes every byte of both directions up.
 *
 * Bad input is a finding, not a crash: a malformed message, a body over
 * HTTP_MAX_BODY, a response without a request are notes HTTP_NOTE_ERROR
 * (info: a struct http_error); the direction's later bytes are then skipped
 * up to the next point where a message can start again, or to its end. A
 * gap in the capture is an error too (a message cut by it is given with
 * |damaged| set, what was seen of it).
 */
#ifndef XMPPFLOW_HTTP_H
#define XMPPFLOW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack.h"

/* A body is kept up to this many bytes (decoded); the rest is counted, not kept. */
#define HTTP_MAX_BODY (1u << 20)
/* Headers kept per message; more are counted. */
#define HTTP_MAX_HEADERS 32

enum http_note_kind {
    HTTP_NOTE_MESSAGE, /* info: const struct http_message * */
    HTTP_NOTE_ERROR,   /* info: const struct http_error * */
    HTTP_NOTE_UPGRADE, /* info: const struct http_upgrade *: websocket is now above */
};

struct http_header {
    const char *name; /* as sent; compare without case */
    const char *value;
};

/* Valid during the note only. */
struct http_message {
    bool request;               /* else a response (dir 1) */
    unsigned number;            /* requests: 1, 2, ... on the connection; responses: their request's */
    const char *method;         /* requests: "POST", ... */
    const char *target;         /* requests: "/bosh", ... */
    int status;                 /* responses: 200, 101, ... (interim 1xx answers are messages too) */
    int version_minor;          /* HTTP/1.<minor> */
    const struct http_header *headers;
    size_t nheaders;
    size_t headers_dropped;     /* past HTTP_MAX_HEADERS */
    const uint8_t *body;        /* decoded: chunks joined, gzip/deflate inflated */
    size_t body_len;
    size_t body_dropped;        /* decoded bytes past HTTP_MAX_BODY */
    bool chunked;               /* Transfer-Encoding: chunked */
    const char *encoding;       /* Content-Encoding it was inflated from, or NULL */
    bool damaged;               /* cut by a gap or the end of the capture */
    usec_t first, last;         /* times of its first and last byte */
};

struct http_error {
    int dir;
    const char *message;        /* what is wrong, no payload bytes in it */
    unsigned number;            /* the message it concerns (0: none) */
};

/* The handshake that put websocket above (valid during the open and the note only). */
struct http_upgrade {
    const char *requested_protocols; /* the client's Sec-WebSocket-Protocol, or NULL */
    const char *protocol;            /* the server's choice, or NULL */
    const char *requested_extensions; /* the client's Sec-WebSocket-Extensions, or NULL */
    const char *extensions;          /* the server's, e.g. "permessage-deflate; client_max_window_bits=15" */
    const char *target;              /* the request's path */
    usec_t time;                     /* of the 101 answer */
};

extern const struct layer_kind http_layer;

/* True when |p| (|n| bytes, the client's first) starts like an HTTP/1.x request line. */
bool http_looks_like_request(const uint8_t *p, size_t n);

#endif
