/*
 * nsdecl: default namespace declarations (xmlns='...') libxml2 has already
 * accepted, found in the start tags of a unit so that xmlpush.c can take
 * them out of what libxml2 reads again.
 *
 * Why: libxml2 2.9 parses every namespace declaration's value as a URI
 * (xmlParseURI, then frees it) only to warn when it is relative or fail when
 * it is not a URI, about a fifth of its cost for an XMPP element, and almost
 * every top-level element of a stream declares its namespace (<auth
 * xmlns='urn:ietf:params:xml:ns:xmpp-sasl' ...>). What libxml2 says about a
 * default declaration depends only on its value, so a value it read once
 * without an error is not read again: the declaration is blanked (same
 * length, so byte positions in messages stay), and xmlpush.c gives the
 * element the namespace libxml2 would have.
 *
 * Only plain values are taken (printable ASCII without '&', '<', quotes or
 * spaces: what libxml2 hands over is then the bytes as written), only one
 * xmlns attribute per tag (a second one is an error libxml2 must see), only
 * in start tags this scanner read to their end with white space before each
 * attribute, and only before the first comment, CDATA section or PI of a
 * unit (not looked into). Prefixed declarations (xmlns:p='...') are left to
 * libxml2: a prefix it does not know is an error.
 */
#ifndef XMPPFLOW_NSDECL_H
#define XMPPFLOW_NSDECL_H
#include <stddef.h>

/* A default namespace declaration with a plain value. */
struct nsdecl {
    unsigned tag;      /* the start tag it is on: 0 is the unit's first */
    size_t at, len;    /* the declaration, xmlns='...', in the unit */
    size_t vat, vlen;  /* its value */
    const char *known; /* the value as accepted before (NUL-terminated, lives as long as the
                          thread), or NULL */
};

struct nsdecl_list {
    struct nsdecl *d;
    size_t n, cap;
    size_t nknown; /* of them with |known| set */
};

/* The declarations of the start tags in |data|[from, len) (see above), in order. */
void nsdecl_find(struct nsdecl_list *out, const char *data, size_t len, size_t from);
/* Remembers the values of |list| not known yet: libxml2 read them without an error. */
void nsdecl_learn(const struct nsdecl_list *list, const char *data);
void nsdecl_list_clear(struct nsdecl_list *list);
#endif
