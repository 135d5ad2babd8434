/* buf: a growable byte buffer, always NUL-terminated for convenience. */
#ifndef XMPPFLOW_BUF_H
#define XMPPFLOW_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
};

/* Empties |b| without releasing its memory. */
void buf_reset(struct buf *b);
/* Releases the memory of |b| and leaves it empty. */
void buf_clear(struct buf *b);
/* Makes room for |extra| more bytes and the NUL (the slow path of the appends). */
void buf_grow(struct buf *b, size_t extra);

/*
 * The appends are inline: the reports and the framer call them for a few
 * bytes at a time, millions of times per capture.
 */
static inline void
buf_append(struct buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap)
        buf_grow(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

static inline void
buf_append_str(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

static inline void
buf_append_char(struct buf *b, char c)
{
    if (b->len + 2 > b->cap)
        buf_grow(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first |n| bytes of |b| (all of it when |n| >= len). */
void buf_consume(struct buf *b, size_t n);
/* Returns the contents as a string ("" when empty); borrowed until the next change. */
const char *buf_str(const struct buf *b);

#endif
