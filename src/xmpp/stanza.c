/* stanza: an XML element tree as the framer saw it (names, namespaces, attributes, text). */
#include <config.h>
#include "stanza.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

/*
 * Empty elements share one static "" instead of allocating their text; only
 * this file frees text, and it never frees this one.
 */
static char empty_text[1];

/*
 * Arrays and text grow to the next power of two, so the capacity follows from
 * the length and struct stanza needs no capacity fields. Every allocation of
 * attrs, children and text in this file keeps that rule (stanza_dup too).
 */
static size_t
capacity_for(size_t n)
{
    size_t cap = 4;
    while (cap < n)
        cap *= 2;
    return cap;
}

/* Arenas: chunks of memory handed out front to back and freed all at once. */
struct arena_chunk {
    struct arena_chunk *prev;
    size_t size;
};

struct stanza_arena {
    struct arena_chunk *last;
    char *next; /* free space in |last| */
    size_t left;
};

/*
 * The first chunk holds most elements whole and is small enough for the C
 * library's per-thread cache of freed blocks (glibc: up to 1032 bytes), so an
 * element costs one cheap allocation; later chunks double.
 */
#define ARENA_FIRST 1008
#define ARENA_MAX_CHUNK (64 * 1024)
#define ARENA_ALIGN 16

/*
 * Later chunks (2 KiB to 64 KiB) are past the C library's cache of small
 * blocks, and a big tree (a feature list) takes a few of them for every
 * element: freed ones are kept here, a few of each size, for the next tree.
 */
#define SPARE_CLASSES 6 /* ARENA_FIRST * 2 .. * 64 */
#define SPARE_PER_CLASS 4
static _Thread_local struct arena_chunk *spare[SPARE_CLASSES][SPARE_PER_CLASS];
static _Thread_local unsigned nspare[SPARE_CLASSES];

/* The spare list for chunks of |size| bytes, or -1 when such chunks are not kept. */
static int
spare_class(size_t size)
{
    size_t c = ARENA_FIRST * 2;
    for (int k = 0; k < SPARE_CLASSES; k++, c *= 2)
        if (size == c)
            return k;
    return -1;
}

static struct arena_chunk *
chunk_new(size_t size)
{
    int k = spare_class(size);
    if (k >= 0 && nspare[k])
        return spare[k][--nspare[k]];
    return xmalloc(size);
}

static void
chunk_free(struct arena_chunk *c)
{
    int k = spare_class(c->size);
    if (k >= 0 && nspare[k] < SPARE_PER_CLASS)
        spare[k][nspare[k]++] = c;
    else
        free(c);
}

static void *
arena_alloc(struct stanza_arena *a, size_t n)
{
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (n > a->left) {
        size_t size = a->last ? a->last->size * 2 : ARENA_FIRST;
        if (size > ARENA_MAX_CHUNK)
            size = ARENA_MAX_CHUNK;
        size_t head = (sizeof(struct arena_chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
        if (size < head + n)
            size = head + n;
        struct arena_chunk *c = chunk_new(size);
        c->prev = a->last;
        c->size = size;
        a->last = c;
        a->next = (char *)c + head;
        a->left = size - head;
    }
    void *p = a->next;
    a->next += n;
    a->left -= n;
    return p;
}

static void
arena_free(struct stanza_arena *a)
{
    for (struct arena_chunk *c = a->last, *prev; c; c = prev) {
        prev = c->prev;
        chunk_free(c);
    }
}

/* |n| bytes from |a|, or from the heap when |a| is NULL. */
static void *
alloc_in(struct stanza_arena *a, size_t n)
{
    return a ? arena_alloc(a, n) : xmalloc(n);
}

/*
 * Grows |p| (|old| bytes, of which |used| hold data) to |n| bytes: realloc()
 * on the heap, a fresh copy in an arena (the old space stays until the end).
 */
static void *
grow_in(struct stanza_arena *a, void *p, size_t used, size_t n)
{
    if (!a)
        return xrealloc(p, n);
    void *q = arena_alloc(a, n);
    if (used)
        memcpy(q, p, used);
    return q;
}

/*
 * Copies |n| strings (NULL stays NULL) into one block that starts |head|
 * bytes in, and points *|dst[i]| at the copies; returns the block. One block
 * per element and per attribute keeps allocation off the framer's hot path.
 */
static void *
pack(struct stanza_arena *arena, size_t head, size_t n, const char *const src[], const size_t len[],
     char **dst[])
{
    size_t total = head;
    for (size_t i = 0; i < n; i++)
        if (src[i])
            total += len[i] + 1;
    char *block = alloc_in(arena, total);
    char *p = block + head;
    for (size_t i = 0; i < n; i++) {
        if (!src[i]) {
            *dst[i] = NULL;
            continue;
        }
        if (len[i])
            memcpy(p, src[i], len[i]);
        p[len[i]] = '\0';
        *dst[i] = p;
        p += len[i] + 1;
    }
    return block;
}

static struct stanza *
new_element_n(struct stanza_arena *arena, const char *name, size_t nlen, const char *prefix,
              size_t plen, const char *ns, size_t nslen)
{
    struct stanza tmp = {0};
    const char *src[3] = {name ? name : "", prefix, ns};
    size_t len[3] = {name ? nlen : 0, prefix ? plen : 0, ns ? nslen : 0};
    char **dst[3] = {&tmp.name, &tmp.prefix, &tmp.ns};
    struct stanza *s = pack(arena, sizeof(*s), 3, src, len, dst);
    *s = tmp;
    s->text = empty_text;
    s->arena = arena;
    return s;
}

static struct stanza *
new_element(struct stanza_arena *arena, const char *name, const char *prefix, const char *ns)
{
    return new_element_n(arena, name, name ? strlen(name) : 0, prefix, prefix ? strlen(prefix) : 0,
                         ns, ns ? strlen(ns) : 0);
}

struct stanza *
stanza_new(const char *name, const char *prefix, const char *ns)
{
    return new_element(NULL, name, prefix, ns);
}

struct stanza *
stanza_new_tree_n(const char *name, size_t nlen, const char *prefix, size_t plen, const char *ns,
                  size_t nslen)
{
    /* the arena's own record lives in its first chunk */
    struct stanza_arena boot = {0};
    struct stanza_arena *arena = arena_alloc(&boot, sizeof(*arena));
    *arena = boot; /* the chunk, less the record's own room */
    struct stanza *s = new_element_n(arena, name, nlen, prefix, plen, ns, nslen);
    s->owns_arena = true;
    return s;
}

struct stanza *
stanza_new_tree(const char *name, const char *prefix, const char *ns)
{
    return stanza_new_tree_n(name, name ? strlen(name) : 0, prefix, prefix ? strlen(prefix) : 0,
                             ns, ns ? strlen(ns) : 0);
}

struct stanza *
stanza_new_in_n(struct stanza *tree, const char *name, size_t nlen, const char *prefix,
                size_t plen, const char *ns, size_t nslen)
{
    return new_element_n(tree ? tree->arena : NULL, name, nlen, prefix, plen, ns, nslen);
}

struct stanza *
stanza_new_in(struct stanza *tree, const char *name, const char *prefix, const char *ns)
{
    return new_element(tree ? tree->arena : NULL, name, prefix, ns);
}

void
stanza_free(struct stanza *s)
{
    if (!s)
        return;
    if (s->arena) {
        /* everything of the tree is in the arena, the default namespace too */
        if (s->owns_arena) {
            struct stanza_arena arena = *s->arena; /* the record is in a chunk it frees */
            arena_free(&arena);
        }
        return;
    }
    for (size_t i = 0; i < s->nchildren; i++)
        stanza_free(s->children[i]);
    free(s->children);
    for (size_t i = 0; i < s->nattrs; i++)
        free(s->attrs[i].value); /* the attribute's block */
    free(s->attrs);
    if (s->text != empty_text)
        free(s->text);
    free(s->default_ns); /* its own allocation: only stream headers have one */
    free(s); /* name, prefix and ns live in the same block */
}

struct stanza *
stanza_dup(const struct stanza *s)
{
    if (!s)
        return NULL;
    struct stanza *d = stanza_new(s->name, s->prefix, s->ns);
    stanza_set_default_ns(d, s->default_ns);
    for (size_t i = 0; i < s->nattrs; i++) {
        const struct stanza_attr *a = &s->attrs[i];
        stanza_add_attr(d, a->name, a->prefix, a->ns, a->value, strlen(a->value));
    }
    if (s->text_len) {
        d->text = xmalloc(capacity_for(s->text_len + 1));
        memcpy(d->text, s->text, s->text_len);
        d->text[s->text_len] = '\0';
        d->text_len = s->text_len;
    }
    if (s->nchildren) {
        d->children = xreallocarray(NULL, capacity_for(s->nchildren), sizeof(*d->children));
        for (size_t i = 0; i < s->nchildren; i++)
            d->children[i] = stanza_dup(s->children[i]);
        d->nchildren = s->nchildren;
    }
    return d;
}

void
stanza_add_attr_n(struct stanza *s, const char *name, size_t nlen, const char *prefix, size_t plen,
                  const char *ns, size_t nslen, const char *value, size_t value_len)
{
    if (s->nattrs == 0 || s->nattrs == capacity_for(s->nattrs))
        s->attrs = grow_in(s->arena, s->attrs, s->nattrs * sizeof(*s->attrs),
                           capacity_for(s->nattrs + 1) * sizeof(*s->attrs));
    struct stanza_attr *a = &s->attrs[s->nattrs++];
    /* value first: an attribute is freed through its first string */
    const char *src[4] = {value ? value : "", name ? name : "", prefix, ns};
    size_t len[4] = {value ? value_len : 0, name ? nlen : 0, prefix ? plen : 0, ns ? nslen : 0};
    char **dst[4] = {&a->value, &a->name, &a->prefix, &a->ns};
    pack(s->arena, 0, 4, src, len, dst);
}

void
stanza_add_attr(struct stanza *s, const char *name, const char *prefix, const char *ns,
                const char *value, size_t value_len)
{
    stanza_add_attr_n(s, name, name ? strlen(name) : 0, prefix, prefix ? strlen(prefix) : 0, ns,
                      ns ? strlen(ns) : 0, value, value_len);
}

void
stanza_set_default_ns(struct stanza *s, const char *ns)
{
    if (!s->arena)
        free(s->default_ns);
    s->default_ns = NULL;
    if (ns) {
        size_t n = strlen(ns) + 1;
        s->default_ns = memcpy(alloc_in(s->arena, n), ns, n);
    }
}

void
stanza_add_text(struct stanza *s, const char *text, size_t len)
{
    if (len == 0)
        return;
    size_t need = s->text_len + len + 1;
    if (s->text == empty_text) {
        s->text = alloc_in(s->arena, capacity_for(need));
    } else {
        size_t cap = capacity_for(s->text_len + 1);
        if (need > cap)
            s->text = grow_in(s->arena, s->text, s->text_len, capacity_for(need));
    }
    memcpy(s->text + s->text_len, text, len);
    s->text_len += len;
    s->text[s->text_len] = '\0';
}

void
stanza_add_child(struct stanza *s, struct stanza *child)
{
    if (s->nchildren == 0 || s->nchildren == capacity_for(s->nchildren))
        s->children = grow_in(s->arena, s->children, s->nchildren * sizeof(*s->children),
                              capacity_for(s->nchildren + 1) * sizeof(*s->children));
    s->children[s->nchildren++] = child;
}

static bool
same(const char *a, const char *b)
{
    /* most names asked for differ from the one at hand in the first byte: no call then */
    return a && b && a[0] == b[0] && strcmp(a, b) == 0;
}

const char *
stanza_attr(const struct stanza *s, const char *name, const char *ns)
{
    if (!s || !name)
        return NULL;
    for (size_t i = 0; i < s->nattrs; i++) {
        const struct stanza_attr *a = &s->attrs[i];
        if (same(a->name, name) && (!ns || same(a->ns, ns)))
            return a->value;
    }
    return NULL;
}

const struct stanza *
stanza_child(const struct stanza *s, const char *name, const char *ns)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->nchildren; i++) {
        const struct stanza *c = s->children[i];
        if ((!name || same(c->name, name)) && (!ns || same(c->ns, ns)))
            return c;
    }
    return NULL;
}

const char *
stanza_child_text(const struct stanza *s, const char *name, const char *ns)
{
    const struct stanza *c = stanza_child(s, name, ns);
    return c ? c->text : NULL;
}

bool
stanza_is(const struct stanza *s, const char *name, const char *ns)
{
    return s && name && same(s->name, name) && (!ns || same(s->ns, ns));
}

/* ---- packing ---- */

#define PACK_NULL UINT32_MAX

/* A string as its length (PACK_NULL for NULL) and its bytes, then a NUL for the reader. */
static void
pack_str(struct buf *out, const char *str, size_t len)
{
    uint32_t n = str ? (uint32_t)len : PACK_NULL;
    buf_append(out, &n, sizeof n);
    if (str) {
        buf_append(out, str, len);
        buf_append_char(out, '\0');
    }
}

static void
pack_cstr(struct buf *out, const char *str)
{
    pack_str(out, str, str ? strlen(str) : 0);
}

static void
pack_count(struct buf *out, size_t n)
{
    uint32_t v = (uint32_t)n;
    buf_append(out, &v, sizeof v);
}

void
stanza_pack(const struct stanza *s, struct buf *out)
{
    pack_cstr(out, s->name);
    pack_cstr(out, s->prefix);
    pack_cstr(out, s->ns);
    pack_cstr(out, s->default_ns);
    pack_str(out, s->text, s->text_len);
    pack_count(out, s->nattrs);
    for (size_t i = 0; i < s->nattrs; i++) {
        const struct stanza_attr *a = &s->attrs[i];
        pack_cstr(out, a->name);
        pack_cstr(out, a->prefix);
        pack_cstr(out, a->ns);
        pack_cstr(out, a->value);
    }
    pack_count(out, s->nchildren);
    for (size_t i = 0; i < s->nchildren; i++)
        stanza_pack(s->children[i], out);
}

struct unpacker {
    const char *p, *end;
    bool bad;
};

static uint32_t
unpack_u32(struct unpacker *u)
{
    uint32_t v = 0;
    if ((size_t)(u->end - u->p) < sizeof v) {
        u->bad = true;
        return 0;
    }
    memcpy(&v, u->p, sizeof v);
    u->p += sizeof v;
    return v;
}

/* The next string (NUL-terminated in place) or NULL; *len its length. */
static const char *
unpack_str(struct unpacker *u, size_t *len)
{
    uint32_t n = unpack_u32(u);
    *len = 0;
    if (u->bad || n == PACK_NULL)
        return NULL;
    if ((size_t)(u->end - u->p) < (size_t)n + 1 || u->p[n] != '\0') {
        u->bad = true;
        return NULL;
    }
    const char *str = u->p;
    u->p += (size_t)n + 1;
    *len = n;
    return str;
}

#define UNPACK_MAX_DEPTH 1024

static struct stanza *
unpack_element(struct unpacker *u, struct stanza *tree, unsigned depth)
{
    size_t len;
    const char *name = unpack_str(u, &len);
    const char *prefix = unpack_str(u, &len);
    const char *ns = unpack_str(u, &len);
    const char *default_ns = unpack_str(u, &len);
    size_t text_len;
    const char *text = unpack_str(u, &text_len);
    if (u->bad || !name || depth > UNPACK_MAX_DEPTH) {
        u->bad = true;
        return NULL;
    }
    struct stanza *el = tree ? stanza_new_in(tree, name, prefix, ns) : stanza_new_tree(name, prefix, ns);
    if (default_ns)
        stanza_set_default_ns(el, default_ns);
    if (text && text_len)
        stanza_add_text(el, text, text_len);
    uint32_t nattrs = unpack_u32(u);
    for (uint32_t i = 0; i < nattrs && !u->bad; i++) {
        size_t vlen;
        const char *an = unpack_str(u, &len);
        const char *ap = unpack_str(u, &len);
        const char *ans = unpack_str(u, &len);
        const char *av = unpack_str(u, &vlen);
        if (!an || !av)
            u->bad = true;
        else
            stanza_add_attr(el, an, ap, ans, av, vlen);
    }
    uint32_t nchildren = u->bad ? 0 : unpack_u32(u);
    for (uint32_t i = 0; i < nchildren && !u->bad; i++) {
        struct stanza *child = unpack_element(u, tree ? tree : el, depth + 1);
        if (child)
            stanza_add_child(el, child);
    }
    return el;
}

struct stanza *
stanza_unpack(const char *data, size_t len)
{
    struct unpacker u = {data, data + len, false};
    struct stanza *el = unpack_element(&u, NULL, 0);
    if (u.bad || u.p != u.end) {
        stanza_free(el);
        return NULL;
    }
    return el;
}

/* ---- flat copies ---- */

static size_t
chunk_head(void)
{
    return (sizeof(struct arena_chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

bool
stanza_flat(const struct stanza *tree, const void **bytes, size_t *len, size_t *root_off)
{
    if (!tree || !tree->arena || !tree->owns_arena || tree->arena->last->prev)
        return false;
    const struct arena_chunk *c = tree->arena->last;
    *bytes = c;
    *len = (size_t)(tree->arena->next - (const char *)c);
    *root_off = (size_t)((const char *)tree - (const char *)c);
    return true;
}

/* Moves the pointers of one copied tree from [old, old + len) to |base|. */
struct mover {
    uintptr_t old;
    size_t len;
    char *base;
    bool bad;
};

static void *
moved(struct mover *m, const void *p)
{
    uintptr_t v = (uintptr_t)p;
    if (!p || p == (const void *)empty_text)
        return (void *)p;
    if (v < m->old || v - m->old >= m->len) {
        m->bad = true; /* not of this chunk: cannot be, refuse the copy */
        return NULL;
    }
    return m->base + (v - m->old);
}

static void
move_element(struct mover *m, struct stanza *s, unsigned depth)
{
    if (depth > 1024) {
        m->bad = true;
        return;
    }
    s->name = moved(m, s->name);
    s->prefix = moved(m, s->prefix);
    s->ns = moved(m, s->ns);
    s->text = moved(m, s->text);
    s->default_ns = moved(m, s->default_ns);
    s->arena = moved(m, s->arena);
    s->attrs = moved(m, s->attrs);
    s->children = moved(m, s->children);
    if (m->bad || !s->name || !s->text || (s->nattrs && !s->attrs) || (s->nchildren && !s->children)) {
        m->bad = true;
        return;
    }
    for (size_t i = 0; i < s->nattrs && !m->bad; i++) {
        struct stanza_attr *a = &s->attrs[i];
        a->name = moved(m, a->name);
        a->prefix = moved(m, a->prefix);
        a->ns = moved(m, a->ns);
        a->value = moved(m, a->value);
    }
    for (size_t i = 0; i < s->nchildren && !m->bad; i++) {
        s->children[i] = moved(m, s->children[i]);
        if (s->children[i])
            move_element(m, s->children[i], depth + 1);
    }
}

struct stanza *
stanza_from_flat(const void *bytes, size_t len, size_t root_off, uintptr_t old_base)
{
    size_t head = chunk_head();
    if (len < head + sizeof(struct stanza_arena) || root_off < head ||
        root_off > len - sizeof(struct stanza))
        return NULL;
    size_t size = len < ARENA_FIRST ? ARENA_FIRST : len;
    char *base = xmalloc(size);
    memcpy(base, bytes, len);
    struct mover m = {old_base, len, base, false};
    struct stanza *root = (struct stanza *)(base + root_off);
    move_element(&m, root, 0);
    struct stanza_arena *arena = root->arena;
    if (m.bad || arena != (struct stanza_arena *)(base + head) || !root->owns_arena) {
        free(base);
        return NULL;
    }
    /* the copy is the arena's only chunk; what follows the bytes is free room */
    struct arena_chunk *c = (struct arena_chunk *)base;
    c->prev = NULL;
    c->size = size;
    arena->last = c;
    arena->next = base + len;
    arena->left = size - len;
    return root;
}
