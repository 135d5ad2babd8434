/* buf: a growable byte buffer, always NUL-terminated for convenience. */
#ifndef XMPPFLOW_BUF_H
#define XMPPFLOW_BUF_H

#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
};

/* Empties |b| without releasing its memory. */
void buf_reset(struct buf *b);
/* Releases the memory of |b| and leaves it empty. */
void buf_clear(struct buf *b);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first |n| bytes of |b| (all of it when |n| >= len). */
void buf_consume(struct buf *b, size_t n);
/* Returns the contents as a string ("" when empty); borrowed until the next change. */
const char *buf_str(const struct buf *b);

#endif
