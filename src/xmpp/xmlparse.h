/*
 * xmlparse: one complete XMPP unit (a stream header, or one top-level element
 * whose bytes the framer has already delimited) to a stanza tree.
 *
 * The framer used to hand each unit to a libxml2 push parser; on a capture of
 * nothing but logins that parser was a quarter of the run. Units are small,
 * complete and in restricted XML (RFC 6120 §11: no DTD, no entities but the
 * five predefined ones, UTF-8 only), so a direct parser builds the same tree
 * in one pass. It checks what libxml2 checked and a stream needs: well-formed
 * tags and nesting, attribute and namespace rules (XML Namespaces 1.0),
 * character and entity references, UTF-8 and XML's character range.
 */
#ifndef XMPPFLOW_XMLPARSE_H
#define XMPPFLOW_XMLPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "stanza.h"

/*
 * Namespace bindings in scope, innermost last: prefix (none: the default
 * namespace) to URI (none: no namespace). The strings live in |pool|, so
 * pushing and popping the bindings of each element allocates nothing.
 */
struct xml_binding {
    size_t prefix_off, prefix_len; /* in pool; prefix_len 0: the default namespace */
    size_t uri_off, uri_len;       /* in pool; uri_len 0: no namespace (xmlns='') */
};

struct xml_scope {
    struct xml_binding *b;
    size_t n, cap;
    struct buf pool;
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

/*
 * Parses |data| (|len| bytes, any content; no NUL needed) as a stream header:
 * an optional XML declaration, then one start tag that stays open, or is
 * empty (*closed set). The header's namespace declarations are added to
 * |scope| (after what it already held), for the elements of that stream.
 * Returns the header element, or NULL with a one-line message in |err|.
 */
struct stanza *xmlparse_header(const char *data, size_t len, struct xml_scope *scope, bool *closed,
                               char *err, size_t errlen);

/*
 * Parses |data| as exactly one element, start tag to matching end tag (or an
 * empty-element tag), with the bindings of |scope| in effect (left as they
 * were). Returns the element, or NULL with a one-line message in |err|.
 */
struct stanza *xmlparse_element(const char *data, size_t len, const struct xml_scope *scope,
                                char *err, size_t errlen);

#endif
