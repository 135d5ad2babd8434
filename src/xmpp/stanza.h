/* stanza: an XML element tree as the framer saw it (names, namespaces, attributes, text). */
#ifndef XMPPFLOW_STANZA_H
#define XMPPFLOW_STANZA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stanza_attr {
    char *name;   /* local name */
    char *prefix; /* NULL when unprefixed */
    char *ns;     /* namespace URI of a prefixed attribute (xml:lang → XML ns); NULL otherwise */
    char *value;  /* entity-decoded value */
};

/*
 * All strings belong to the stanza and are released by stanza_free(); never
 * free or replace one on its own (they share allocations). Namespace
 * declarations (xmlns, xmlns:p) are not attributes.
 */
struct stanza {
    char *name;   /* local name, e.g. "auth" */
    char *prefix; /* NULL when unprefixed, e.g. "stream" for <stream:features> */
    char *ns;     /* namespace URI in scope, NULL when none */
    struct stanza_attr *attrs;
    size_t nattrs;
    char *text; /* character data directly inside this element, concatenated; never NULL */
    size_t text_len;
    struct stanza **children;
    size_t nchildren;
    /*
     * The default namespace this element declares (xmlns='…'), NULL when it
     * declares none. The framer records it on stream headers only (the
     * stream's content namespace, RFC 6120 §4.8.2); elsewhere it stays NULL.
     * Set it with stanza_set_default_ns().
     */
    char *default_ns;
    /*
     * A tree made with stanza_new_tree() / stanza_new_in() takes all its
     * memory from one arena that its root owns (NULL: each part is its own
     * allocation, as stanza_new() makes them).
     */
    struct stanza_arena *arena;
    bool owns_arena;
};

/* Returns a new empty element named |name| (copied); |prefix| and |ns| may be NULL. */
struct stanza *stanza_new(const char *name, const char *prefix, const char *ns);
/*
 * The same, as the root of a tree whose parts all come from one arena: one
 * allocation per few kilobytes instead of several per element (the framer
 * builds a tree per element of the stream and frees it right after).
 */
struct stanza *stanza_new_tree(const char *name, const char *prefix, const char *ns);
/*
 * A new element from the arena of |tree| (any element of it), to be added to
 * that tree with stanza_add_child(); it lives as long as the tree's root.
 * When |tree| has no arena this is stanza_new().
 */
struct stanza *stanza_new_in(struct stanza *tree, const char *name, const char *prefix,
                             const char *ns);
/*
 * Frees |s| and its children. NULL is fine. An element of an arena tree other
 * than its root is freed with the root (freeing it alone does nothing).
 */
void stanza_free(struct stanza *s);
/* Deep copy. */
struct stanza *stanza_dup(const struct stanza *s);
/* Appends an attribute (all strings copied; |prefix| and |ns| may be NULL). */
void stanza_add_attr(struct stanza *s, const char *name, const char *prefix, const char *ns,
                     const char *value, size_t value_len);
/*
 * The same three with every string given by its length (no NUL needed), for
 * the parser, which knows them.
 */
struct stanza *stanza_new_tree_n(const char *name, size_t nlen, const char *prefix, size_t plen,
                                 const char *ns, size_t nslen);
struct stanza *stanza_new_in_n(struct stanza *tree, const char *name, size_t nlen,
                               const char *prefix, size_t plen, const char *ns, size_t nslen);
void stanza_add_attr_n(struct stanza *s, const char *name, size_t nlen, const char *prefix,
                       size_t plen, const char *ns, size_t nslen, const char *value,
                       size_t value_len);
/* Sets (or with NULL clears) the default namespace |s| declares; |ns| is copied. */
void stanza_set_default_ns(struct stanza *s, const char *ns);
/* Appends character data. */
void stanza_add_text(struct stanza *s, const char *text, size_t len);
/* Appends |child|; takes ownership of it. */
void stanza_add_child(struct stanza *s, struct stanza *child);

/*
 * A tree as bytes and back, for another process (no pointers inside): every
 * string with its length, the children after their parent. stanza_unpack()
 * builds an arena tree; it returns NULL when |data| is not exactly one
 * packed tree.
 */
struct buf;
void stanza_pack(const struct stanza *s, struct buf *out);
struct stanza *stanza_unpack(const char *data, size_t len);

/*
 * Faster than packing, for a tree that fits one arena chunk (most stream
 * headers): stanza_flat() gives the chunk's bytes and where the root sits in
 * them; stanza_from_flat(), in a process forked from the one that made the
 * tree, copies them and moves every pointer over. stanza_flat() returns
 * false for any other tree.
 */
bool stanza_flat(const struct stanza *tree, const void **bytes, size_t *len, size_t *root_off);
struct stanza *stanza_from_flat(const void *bytes, size_t len, size_t root_off, uintptr_t old_base);

/* Value of the attribute with local name |name| (any namespace when |ns| is NULL); NULL if absent. */
const char *stanza_attr(const struct stanza *s, const char *name, const char *ns);
/*
 * First child with local name |name| (NULL = any name) in namespace |ns| (NULL = any
 * namespace); NULL when there is none.
 */
const struct stanza *stanza_child(const struct stanza *s, const char *name, const char *ns);
/* Text of child |name| in |ns| (see stanza_child), or NULL. */
const char *stanza_child_text(const struct stanza *s, const char *name, const char *ns);
/* True when the element's name and namespace are |name| and |ns| (|ns| NULL = any). */
bool stanza_is(const struct stanza *s, const char *name, const char *ns);

#endif
