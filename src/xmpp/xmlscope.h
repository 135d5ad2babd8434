/*
 * xmlscope: the namespace bindings in scope while a unit is parsed (XML
 * Namespaces 1.0 §6), and the name hash the parser's look-ups use.
 *
 * Bindings form a stack, innermost last: a stream header's at the bottom, then
 * each open element's own. A prefix resolves to its innermost binding. A
 * scan from the top is the fastest way through the few bindings of a normal
 * stream; an element or a header that declares thousands would make every
 * look-up in it (and, for a header, in every element of its stream) a scan of
 * thousands, so past XML_SCOPE_SCAN bindings the scope keeps an index: a hash
 * table from each prefix to its innermost binding, each binding remembering
 * the one of the same prefix it hides, so that popping restores them.
 */
#ifndef XMPPFLOW_XMLSCOPE_H
#define XMPPFLOW_XMLSCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

/* Bindings looked up by a scan; past this many, through the index. */
#define XML_SCOPE_SCAN 16

/*
 * Namespace bindings in scope, innermost last: prefix (none: the default
 * namespace) to URI (none: no namespace). The strings live in |pool|, so
 * pushing and popping the bindings of each element allocates nothing.
 */
struct xml_binding {
    size_t prefix_off, prefix_len; /* in pool; prefix_len 0: the default namespace */
    size_t uri_off, uri_len;       /* in pool; uri_len 0: no namespace (xmlns='') */
    size_t hides;                  /* with the index: 1 + the binding of the same prefix this
                                      one hides, 0 for none */
};

struct xml_scope {
    struct xml_binding *b;
    size_t n, cap;
    struct buf pool;
    /* the index (nslots 0: none): 1 + the innermost binding of a prefix, 0 for an empty slot */
    uint32_t *slots;
    size_t nslots, nkeys; /* nslots a power of two, more than twice nkeys */
};

/* The default namespace |s| declares (the innermost one), or NULL. */
const char *xml_scope_default_ns(const struct xml_scope *s);

/* Forgets every binding and releases the memory. */
void xml_scope_clear(struct xml_scope *s);
/* Forgets every binding, keeping the memory for the next header's. */
void xml_scope_reset(struct xml_scope *s);
/* The bindings as bytes, for another process ... */
void xml_scope_pack(const struct xml_scope *s, struct buf *out);
/* ... and back into |s| (replacing what it held); false when |data| is not such bytes. */
bool xml_scope_unpack(struct xml_scope *s, const char *data, size_t len);

/* Binds |prefix| (|plen| bytes; NULL: the default namespace) to |uri| (|ulen| 0: none). */
void xml_scope_push(struct xml_scope *s, const char *prefix, size_t plen, const char *uri,
                    size_t ulen);
/*
 * The look-ups and pops of every element are inline: most scopes are a
 * handful of bindings, most elements pop none. The rest is in xmlscope.c.
 */
void xml_scope_drop_to(struct xml_scope *s, size_t n);
const struct xml_binding *xml_scope_find_indexed(const struct xml_scope *s, const char *prefix,
                                                 size_t plen);

/* Drops the bindings pushed after the first |n|. */
static inline void
xml_scope_pop_to(struct xml_scope *s, size_t n)
{
    if (s->n > n)
        xml_scope_drop_to(s, n);
}

/* The innermost binding of |prefix| (|plen| bytes; 0: the default namespace), or NULL. */
static inline const struct xml_binding *
xml_scope_find(const struct xml_scope *s, const char *prefix, size_t plen)
{
    if (s->nslots)
        return xml_scope_find_indexed(s, prefix, plen);
    for (size_t i = s->n; i-- > 0;) {
        const struct xml_binding *b = &s->b[i];
        if (b->prefix_len == plen && (!plen || memcmp(s->pool.data + b->prefix_off, prefix, plen) == 0))
            return b;
    }
    return NULL;
}

/*
 * The URI bound to |prefix| (|plen| bytes; NULL: the default namespace) and
 * its length in *urilen; NULL for none. *found is false when a prefix is not
 * bound (the default namespace is always "found", perhaps as none). The xml
 * prefix is always bound (XML Namespaces §3).
 */
static inline const char *
xml_scope_lookup(const struct xml_scope *s, const char *prefix, size_t plen, bool *found,
                 size_t *urilen)
{
    *found = true;
    *urilen = 0;
    static const char xml_ns[] = "http://www.w3.org/XML/1998/namespace";
    if (prefix && plen == 3 && memcmp(prefix, "xml", 3) == 0) {
        *urilen = sizeof(xml_ns) - 1;
        return xml_ns;
    }
    const struct xml_binding *b = xml_scope_find(s, prefix ? prefix : "", prefix ? plen : 0);
    if (b) {
        *urilen = b->uri_len;
        return b->uri_len ? s->pool.data + b->uri_off : NULL;
    }
    *found = prefix == NULL; /* no default namespace is fine; an unbound prefix is not */
    return NULL;
}

/*
 * A 64-bit hash of the name |a| (|na| bytes) and, when |nb| is not 0, of a
 * second part |b| (a namespace and a local name), seeded per process (from
 * where the program was loaded) so that an input cannot easily be made of
 * names that all collide.
 */
uint64_t xml_hash(const void *a, size_t na, const void *b, size_t nb);

#endif
