/* xmlscope: namespace bindings in scope, indexed by prefix once there are many. */
#include <config.h>
#include "xmlscope.h"

#include <stdlib.h>
#include <string.h>

#include "hash_bytes.h"
#include "xalloc.h"

/* ---- the hash -------------------------------------------------------------------------- */

uint64_t
xml_hash(const void *a, size_t na, const void *b, size_t nb)
{
    /*
     * The seed: the address of a constant, which address-space layout
     * randomisation moves on every run (the same for every thread and a
     * forked child, so a scope can be indexed in one and read in another).
     */
    static const char anchor;
    struct hash_stream st;
    hash_stream_init(&st, hash_word((uint64_t)(uintptr_t)&anchor));
    hash_stream_add(&st, a, na);
    if (nb) {
        hash_stream_add(&st, "\xff", 1); /* no name byte: (ab, c) is not (a, bc) */
        hash_stream_add(&st, b, nb);
    }
    return hash_stream_end(&st);
}

/* ---- the index ------------------------------------------------------------------------- */

static const char *
prefix_of(const struct xml_scope *s, size_t i)
{
    return s->pool.data + s->b[i].prefix_off;
}

/*
 * The slot of |prefix| (|plen| bytes; 0: the default namespace): the one that
 * holds its innermost binding, or the empty slot where it would go.
 */
static size_t
slot_of(const struct xml_scope *s, const char *prefix, size_t plen)
{
    size_t mask = s->nslots - 1;
    size_t k = (size_t)xml_hash(prefix, plen, NULL, 0) & mask;
    for (;; k = (k + 1) & mask) {
        uint32_t v = s->slots[k];
        if (!v)
            return k;
        const struct xml_binding *b = &s->b[v - 1];
        if (b->prefix_len == plen && memcmp(prefix_of(s, v - 1), prefix, plen) == 0)
            return k;
    }
}

static void index_put(struct xml_scope *s, size_t i);

/* A table of |nslots| slots holding the innermost binding of each prefix in scope. */
static void
index_resize(struct xml_scope *s, size_t nslots)
{
    uint32_t *old = s->slots;
    size_t nold = s->nslots;
    s->slots = xcalloc(nslots, sizeof *s->slots);
    s->nslots = nslots;
    for (size_t k = 0; k < nold; k++)
        if (old[k])
            s->slots[slot_of(s, prefix_of(s, old[k] - 1), s->b[old[k] - 1].prefix_len)] = old[k];
    free(old);
}

/* Makes binding |i| (the new innermost one) the one its prefix finds. */
static void
index_put(struct xml_scope *s, size_t i)
{
    if (2 * (s->nkeys + 1) >= s->nslots)
        index_resize(s, s->nslots * 2);
    size_t k = slot_of(s, prefix_of(s, i), s->b[i].prefix_len);
    s->b[i].hides = s->slots[k];
    if (!s->slots[k])
        s->nkeys++;
    s->slots[k] = (uint32_t)(i + 1);
}

/* Takes binding |i| (the innermost one) out: its prefix finds what it hid, if anything. */
static void
index_drop(struct xml_scope *s, size_t i)
{
    size_t mask = s->nslots - 1;
    size_t k = slot_of(s, prefix_of(s, i), s->b[i].prefix_len);
    if (s->b[i].hides) {
        s->slots[k] = (uint32_t)s->b[i].hides;
        return;
    }
    /* deletion in linear probing: move back every later entry its home slot lets move */
    s->slots[k] = 0;
    s->nkeys--;
    for (size_t j = (k + 1) & mask; s->slots[j]; j = (j + 1) & mask) {
        uint32_t v = s->slots[j];
        size_t home = (size_t)xml_hash(prefix_of(s, v - 1), s->b[v - 1].prefix_len, NULL, 0) & mask;
        /* the entry at j may fill the hole at k unless its home lies cyclically in (k, j] */
        bool stays = k <= j ? (home > k && home <= j) : (home > k || home <= j);
        if (!stays) {
            s->slots[k] = v;
            s->slots[j] = 0;
            k = j;
        }
    }
}

static void
index_forget(struct xml_scope *s)
{
    free(s->slots);
    s->slots = NULL;
    s->nslots = s->nkeys = 0;
}

static void
index_build(struct xml_scope *s)
{
    size_t nslots = 64;
    while (nslots < 4 * s->n)
        nslots *= 2;
    s->slots = xcalloc(nslots, sizeof *s->slots);
    s->nslots = nslots;
    s->nkeys = 0;
    for (size_t i = 0; i < s->n; i++)
        index_put(s, i);
}

/* ---- the scope ------------------------------------------------------------------------- */

void
xml_scope_clear(struct xml_scope *s)
{
    free(s->b);
    buf_clear(&s->pool);
    index_forget(s);
    memset(s, 0, sizeof(*s));
}

void
xml_scope_reset(struct xml_scope *s)
{
    s->n = 0;
    buf_reset(&s->pool);
    index_forget(s);
}

/*
 * Packed bindings: their count and the pool's size (two uint32), the offsets
 * and lengths (four uint32 each), then the pool as it is. The index is not
 * sent: the receiver builds its own.
 */
void
xml_scope_pack(const struct xml_scope *s, struct buf *out)
{
    uint32_t head[2] = {(uint32_t)s->n, (uint32_t)s->pool.len};
    buf_append(out, head, sizeof head);
    for (size_t i = 0; i < s->n; i++) {
        const struct xml_binding *b = &s->b[i];
        uint32_t v[4] = {(uint32_t)b->prefix_off, (uint32_t)b->prefix_len, (uint32_t)b->uri_off,
                         (uint32_t)b->uri_len};
        buf_append(out, v, sizeof v);
    }
    buf_append(out, s->pool.data, s->pool.len);
}

static struct xml_binding *
new_binding(struct xml_scope *s)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->b = xreallocarray(s->b, s->cap, sizeof(*s->b));
    }
    struct xml_binding *b = &s->b[s->n++];
    memset(b, 0, sizeof *b);
    return b;
}

bool
xml_scope_unpack(struct xml_scope *s, const char *data, size_t len)
{
    xml_scope_reset(s);
    uint32_t head[2];
    if (len < sizeof head)
        return false;
    memcpy(head, data, sizeof head);
    size_t n = head[0], pool = head[1];
    if (n > (len - sizeof head) / 16 || len != sizeof head + n * 16 + pool)
        return false;
    const char *v = data + sizeof head;
    const char *pool_data = v + n * 16;
    for (size_t i = 0; i < n; i++) {
        uint32_t w[4];
        memcpy(w, v + i * 16, sizeof w);
        /* each string must lie in the pool and end with its NUL */
        if ((size_t)w[0] + w[1] >= pool || (size_t)w[2] + w[3] >= pool || pool_data[w[0] + w[1]] ||
            pool_data[w[2] + w[3]]) {
            xml_scope_reset(s);
            return false;
        }
        struct xml_binding *b = new_binding(s);
        b->prefix_off = w[0];
        b->prefix_len = w[1];
        b->uri_off = w[2];
        b->uri_len = w[3];
    }
    buf_append(&s->pool, pool_data, pool);
    if (s->n > XML_SCOPE_SCAN)
        index_build(s);
    return true;
}

/* Binding strings are kept NUL-terminated in the pool, so a URI can be handed out as is. */
void
xml_scope_push(struct xml_scope *s, const char *prefix, size_t plen, const char *uri, size_t ulen)
{
    struct xml_binding *b = new_binding(s);
    b->prefix_off = s->pool.len;
    b->prefix_len = prefix ? plen : 0;
    buf_append(&s->pool, prefix, b->prefix_len);
    buf_append_char(&s->pool, '\0');
    b->uri_off = s->pool.len;
    b->uri_len = ulen; /* xmlns='' undeclares the default */
    buf_append(&s->pool, uri, ulen);
    buf_append_char(&s->pool, '\0');
    if (s->nslots)
        index_put(s, s->n - 1);
    else if (s->n > XML_SCOPE_SCAN)
        index_build(s);
}

void
xml_scope_drop_to(struct xml_scope *s, size_t n)
{
    if (s->n <= n)
        return;
    if (s->nslots && n <= XML_SCOPE_SCAN)
        index_forget(s); /* few enough to scan again */
    for (size_t i = s->n; s->nslots && i-- > n;)
        index_drop(s, i);
    s->pool.len = s->b[n].prefix_off; /* strings are pushed in binding order */
    s->n = n;
}

const struct xml_binding *
xml_scope_find_indexed(const struct xml_scope *s, const char *prefix, size_t plen)
{
    uint32_t v = s->slots[slot_of(s, prefix, plen)];
    return v ? &s->b[v - 1] : NULL;
}

const char *
xml_scope_default_ns(const struct xml_scope *s)
{
    const struct xml_binding *b = xml_scope_find(s, "", 0);
    return b && b->uri_len ? s->pool.data + b->uri_off : NULL;
}
