/* nsdecl: default namespace declarations libxml2 has already accepted (see the header). */
#include <config.h>
#include "nsdecl.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash_bytes.h"
#include "xalloc.h"

/*
 * Values remembered per thread, never replaced (xmlpush.c keeps pointers to
 * them): a stream uses a handful, and once the table is full other values
 * are simply read by libxml2 every time, as before.
 */
#define KNOWN_MAX 64
#define VALUE_MAX 96
#define BUCKETS 128 /* twice KNOWN_MAX: a probe always ends at an empty bucket */

struct known_value {
    size_t len;
    char bytes[VALUE_MAX + 1];
};

static _Thread_local struct known_value known[KNOWN_MAX];
static _Thread_local unsigned nknown;
static _Thread_local uint8_t bucket[BUCKETS]; /* 1 + index into known; 0: empty */

/* The bucket of |v|: the one holding it, or the empty one where it would go. */
static unsigned
find_bucket(const char *v, size_t n)
{
    unsigned i = (unsigned)(hash_bytes(v, n) % BUCKETS);
    while (bucket[i]) {
        const struct known_value *k = &known[bucket[i] - 1];
        if (k->len == n && memcmp(k->bytes, v, n) == 0)
            break;
        i = (i + 1) % BUCKETS;
    }
    return i;
}

static const char *
lookup(const char *v, size_t n)
{
    unsigned i = find_bucket(v, n);
    return bucket[i] ? known[bucket[i] - 1].bytes : NULL;
}

/* Byte classes: one look per byte in the loops below. */
enum {
    C_SPACE = 1,    /* XML white space */
    C_NAME_END = 2, /* ends a name: white space, '=', '/', '>' */
    C_NO_NAME = 4,  /* in no name: control bytes, '<', '&', quotes */
};

static const unsigned char cls[256] = {
    [0x01] = C_NO_NAME,
    [0x02] = C_NO_NAME,
    [0x03] = C_NO_NAME,
    [0x04] = C_NO_NAME,
    [0x05] = C_NO_NAME,
    [0x06] = C_NO_NAME,
    [0x07] = C_NO_NAME,
    [0x08] = C_NO_NAME,
    [0x0b] = C_NO_NAME,
    [0x0c] = C_NO_NAME,
    [0x0e] = C_NO_NAME,
    [0x0f] = C_NO_NAME,
    [0x10] = C_NO_NAME,
    [0x11] = C_NO_NAME,
    [0x12] = C_NO_NAME,
    [0x13] = C_NO_NAME,
    [0x14] = C_NO_NAME,
    [0x15] = C_NO_NAME,
    [0x16] = C_NO_NAME,
    [0x17] = C_NO_NAME,
    [0x18] = C_NO_NAME,
    [0x19] = C_NO_NAME,
    [0x1a] = C_NO_NAME,
    [0x1b] = C_NO_NAME,
    [0x1c] = C_NO_NAME,
    [0x1d] = C_NO_NAME,
    [0x1e] = C_NO_NAME,
    [0x1f] = C_NO_NAME,
    [0x00] = C_NO_NAME,
    ['<'] = C_NO_NAME,
    ['&'] = C_NO_NAME,
    ['\''] = C_NO_NAME,
    ['"'] = C_NO_NAME,
    ['\t'] = C_SPACE | C_NAME_END,
    ['\n'] = C_SPACE | C_NAME_END,
    ['\r'] = C_SPACE | C_NAME_END,
    [' '] = C_SPACE | C_NAME_END,
    ['='] = C_NAME_END,
    ['/'] = C_NAME_END,
    ['>'] = C_NAME_END,
};

/* A value libxml2 hands over as written, and short enough to keep. */
static bool
plain(const char *v, size_t n)
{
    if (n == 0 || n > VALUE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= ' ' || c >= 0x7f || c == '&' || c == '<' || c == '\'' || c == '"')
            return false;
    }
    return true;
}

/* Where a tag or attribute name ends: at white space, '=', '/', '>'; NULL on a byte no name has. */
static const char *
name_end(const char *p, const char *end)
{
    while (p < end && !cls[(unsigned char)*p])
        p++;
    return p < end && cls[(unsigned char)*p] & C_NAME_END ? p : NULL;
}

static const char *
skip_spaces(const char *p, const char *end)
{
    while (p < end && cls[(unsigned char)*p] & C_SPACE)
        p++;
    return p;
}

static void
add(struct nsdecl_list *out, const struct nsdecl *d)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 8;
        out->d = xreallocarray(out->d, out->cap, sizeof(*out->d));
    }
    out->d[out->n++] = *d;
    if (d->known)
        out->nknown++;
}

/* Takes back the declarations found from |first| on (|known_before| of them were known). */
static void
drop_from(struct nsdecl_list *out, size_t first, size_t known_before)
{
    out->n = first;
    out->nknown = known_before;
}

/*
 * The attributes of the start tag whose name ends at |p|, to its '>' or
 * "/>": returns what follows it, or NULL when it is not a tag this scanner
 * reads through (then none of its declarations is taken).
 */
static const char *
read_attrs(struct nsdecl_list *out, const char *data, const char *p, const char *end, unsigned tag)
{
    size_t first = out->n, known_before = out->nknown;
    unsigned xmlns = 0;
    for (;;) {
        const char *q = skip_spaces(p, end);
        size_t close_len = q < end && *q == '>'                        ? 1
                           : q + 1 < end && q[0] == '/' && q[1] == '>' ? 2
                                                                       : 0;
        if (close_len) {
            if (xmlns > 1) /* a second xmlns is an error libxml2 must see */
                drop_from(out, first, known_before);
            return q + close_len;
        }
        if (q == p || q == end) /* no white space before the attribute, or cut */
            break;
        const char *name = q;
        q = name_end(q, end);
        if (!q || q == name)
            break;
        bool is_xmlns = q - name == 5 && memcmp(name, "xmlns", 5) == 0;
        q = skip_spaces(q, end);
        if (q == end || *q != '=')
            break;
        q = skip_spaces(q + 1, end);
        if (q == end || (*q != '\'' && *q != '"'))
            break;
        /* (a '<' in the value is an error of libxml2's, wherever the quote is) */
        const char *v = q + 1;
        const char *close = memchr(v, *q, (size_t)(end - v));
        if (!close)
            break;
        if (is_xmlns) {
            xmlns++;
            size_t vlen = (size_t)(close - v);
            /* a known value was plain when it was learned */
            const char *k = vlen && vlen <= VALUE_MAX ? lookup(v, vlen) : NULL;
            if (k || plain(v, vlen)) {
                struct nsdecl d = {tag,
                                   (size_t)(name - data),
                                   (size_t)(close + 1 - name),
                                   (size_t)(v - data),
                                   vlen,
                                   k};
                add(out, &d);
            }
        }
        p = close + 1;
    }
    drop_from(out, first, known_before);
    return NULL;
}

void
nsdecl_find(struct nsdecl_list *out, const char *data, size_t len, size_t from)
{
    out->n = out->nknown = 0;
    const char *p = data + from, *end = data + len;
    for (unsigned tag = 0;; tag++) {
        /* text holds no '<'; an end tag no quote before its '>' (else libxml2 fails the unit) */
        for (;;) {
            p = memchr(p, '<', (size_t)(end - p));
            if (!p || end - p < 2)
                return;
            if (p[1] != '/')
                break;
            p = memchr(p, '>', (size_t)(end - p));
            if (!p)
                return;
        }
        if (p[1] == '!' || p[1] == '?')
            return; /* a comment, CDATA section or PI: the rest is left as it is */
        const char *q = name_end(p + 1, end);
        if (!q || q == p + 1)
            return;
        p = read_attrs(out, data, q, end, tag);
        if (!p)
            return;
    }
}

void
nsdecl_learn(const struct nsdecl_list *list, const char *data)
{
    for (size_t i = 0; i < list->n && nknown < KNOWN_MAX; i++) {
        const struct nsdecl *d = &list->d[i];
        if (d->known)
            continue;
        unsigned b = find_bucket(data + d->vat, d->vlen);
        if (bucket[b])
            continue; /* twice in the unit */
        struct known_value *k = &known[nknown];
        memcpy(k->bytes, data + d->vat, d->vlen);
        k->bytes[d->vlen] = '\0';
        k->len = d->vlen;
        bucket[b] = (uint8_t)++nknown;
    }
}

void
nsdecl_list_clear(struct nsdecl_list *list)
{
    free(list->d);
    *list = (struct nsdecl_list){0};
}
