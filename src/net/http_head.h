/*
 * http_head: the request target and the headers of one HTTP message as the
 * parser hands them over in pieces (a name or a value may come in several
 * calls, when the bytes came in several segments). Kept in one buffer, each
 * string NUL-terminated; HTTP_MAX_HEADERS headers are kept and more counted;
 * past HTTP_MAX_HEADER_BYTES (start line and headers) the adds say no.
 */
#ifndef XMPPFLOW_HTTP_HEAD_H
#define XMPPFLOW_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Headers kept per message; more are counted. */
#define HTTP_MAX_HEADERS 32
/* Bytes of a message's start line and headers; past them the message is an error. */
#define HTTP_MAX_HEADER_BYTES (16u << 10)

struct http_header {
    const char *name; /* as sent; compare without case */
    const char *value;
};

enum http_head_piece { HTTP_PIECE_NONE, HTTP_PIECE_TARGET, HTTP_PIECE_NAME, HTTP_PIECE_VALUE };

struct http_head {
    struct buf text;
    size_t bytes;  /* counted against HTTP_MAX_HEADER_BYTES */
    size_t target; /* offsets into text; HTTP_HEAD_NONE when absent */
    struct {
        size_t name, value;
    } hdr[HTTP_MAX_HEADERS];
    size_t n, dropped;
    enum http_head_piece piece; /* the one being added to */
    bool piece_dropped;
};

#define HTTP_HEAD_NONE ((size_t)-1)

/* Empties |h| for the next message (a big buffer is given back). */
void http_head_reset(struct http_head *h);
void http_head_free(struct http_head *h);

/* Counts |n| bytes of the start line or the headers; false past HTTP_MAX_HEADER_BYTES. */
bool http_head_count(struct http_head *h, size_t n);
/* Adds a piece of the target, a header's name or its value (|piece|); false past the bound. */
bool http_head_add(struct http_head *h, enum http_head_piece piece, const char *at, size_t n);

/* The target, or NULL when none was read. */
const char *http_head_target(struct http_head *h);
/* The value of the first header called |name| (without case), or NULL. */
const char *http_head_get(struct http_head *h, const char *name);
/* The headers kept, into |out| (HTTP_MAX_HEADERS of them); returns how many. Valid until the next change. */
size_t http_head_list(struct http_head *h, struct http_header *out);

/* True when the comma-separated |list| holds |token| (RFC 9110 §5.6.1), without case. */
bool http_list_has(const char *list, const char *token);

#endif
