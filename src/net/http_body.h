/*
 * http_body: the body of one HTTP message as the owner gets it: the bytes
 * after Transfer-Encoding (chunks already joined by the parser), inflated
 * when the Content-Encoding is gzip or deflate (zlib), kept up to
 * HTTP_MAX_BODY decoded bytes and counted past them. A gzip bomb costs no
 * more memory than an honest body: output goes through a fixed scratch
 * buffer, and inflating stops at HTTP_MAX_INFLATE decoded bytes.
 */
#ifndef XMPPFLOW_HTTP_BODY_H
#define XMPPFLOW_HTTP_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "buf.h"

/* A body is kept up to this many bytes (decoded); the rest is counted, not kept. */
#define HTTP_MAX_BODY (1u << 20)
/* Decoded bytes a gzip or deflate body is inflated to at most (kept or counted): a bomb stops there. */
#define HTTP_MAX_INFLATE (64u << 20)

enum http_coding {
    HTTP_CODING_NONE,    /* identity: kept as sent */
    HTTP_CODING_GZIP,    /* RFC 1952 */
    HTTP_CODING_DEFLATE, /* RFC 1950 zlib, or a raw RFC 1951 stream as some servers send */
};

struct http_body {
    struct buf kept;    /* decoded, at most HTTP_MAX_BODY bytes */
    size_t dropped;     /* decoded bytes past HTTP_MAX_BODY */
    enum http_coding coding;
    z_stream z;
    bool z_open;
    bool done;          /* inflating ended: the stream's end, an error, or HTTP_MAX_INFLATE */
    bool over_told;     /* that the body is over HTTP_MAX_BODY */
    uint8_t lead[2];    /* deflate: the first two bytes tell zlib from raw */
    size_t nlead;
    size_t seen;        /* bytes as sent */
};

/* Readies |b| (zeroed or reset) for a body in |coding|. */
void http_body_start(struct http_body *b, enum http_coding coding);
/* Adds |n| body bytes as sent; returns what is wrong the first time it is (no payload in it), else NULL. */
const char *http_body_add(struct http_body *b, const uint8_t *p, size_t n);
/* The body is complete: NULL, or what is wrong with its end (a compressed stream cut short). */
const char *http_body_finish(struct http_body *b);
/* Empties |b| for the next message; a big buffer is given back. */
void http_body_reset(struct http_body *b);
void http_body_free(struct http_body *b);

/* The coding a Content-Encoding value names; false for one not supported (br, a list, ...). */
bool http_coding_from_name(const char *value, enum http_coding *coding);

#endif
