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
#include "xmlscope.h"

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
