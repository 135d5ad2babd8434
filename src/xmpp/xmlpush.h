/*
 * xmlpush: the XML of one direction of a stream, read by libxml2's push
 * parser, as stanza trees.
 *
 * The framer cuts the stream into units (framer.h): a stream header (with
 * its XML declaration) or one complete top-level element. A header opens a
 * new stream; each element is pushed into the parser after the last one, so
 * libxml2 reads it with the header's namespace bindings and never re-reads
 * the header. Elements before any header, or after one that did not parse,
 * are read in a stand-in c2s stream (xmlns='jabber:client').
 *
 * libxml2 runs with no network, no DTD loading, no entity expansion
 * (RFC 6120 §11.1: only the five predefined entities and character
 * references) and its default size limits (no XML_PARSE_HUGE). Its first
 * error in a unit is the unit's message, one printable line naming the
 * top-level element and the byte of the unit where libxml2 stopped, e.g.
 * "Opening and ending tag mismatch: b and a (in <message> at byte 27)".
 * Input RFC 6120 §11 forbids (an undeclared entity, bytes that are not
 * UTF-8, a DTD) gets a message starting "restricted XML: ".
 *
 * A parser context holds about 12 kB, too much to keep one per direction
 * when thousands of connections are open. A few contexts are shared: each
 * stays with the stream it last read, so consecutive elements of a stream
 * cost only their own bytes; a stream whose context was lent to another
 * meanwhile gets one back by reading its header again (the bytes are kept
 * here). A context does not start a document per stream: its document is
 * one element, and the headers of the streams it reads are start tags in it
 * (xmlpush.c says why that reads them as a document of their own would).
 * Not thread-safe across threads sharing one xml_push; each thread has its
 * own contexts.
 */
#ifndef XMPPFLOW_XMLPUSH_H
#define XMPPFLOW_XMLPUSH_H

#include <stdbool.h>
#include <stddef.h>

#include "stanza.h"

struct xml_push;

struct xml_push *xml_push_new(void);
/* NULL is fine. */
void xml_push_free(struct xml_push *xp);

/*
 * Reads |data| (|len| bytes) as a stream header: an optional XML
 * declaration, white space, then one start tag that stays open or is empty
 * (*closed set). It starts a new document: the elements that follow are read
 * with its bindings, unless it is empty or does not parse (then the stand-in
 * stream's). Returns the header, with its default namespace recorded
 * (stanza_set_default_ns: the stream's content namespace, RFC 6120 §4.8.2),
 * or NULL with a message in |err| (|errlen| bytes, at least 1).
 */
struct stanza *xml_push_header(struct xml_push *xp, const char *data, size_t len, bool *closed,
                               char *err, size_t errlen);

/*
 * Takes |data| as the header in effect without reading it now (it parsed
 * elsewhere: deferred framing); |open| false: the stand-in stream.
 */
void xml_push_adopt_header(struct xml_push *xp, const char *data, size_t len, bool open);

/* The header in effect (NULL: none, the stand-in stream's) and its length. */
const char *xml_push_header_bytes(const struct xml_push *xp, size_t *len);

/* Forgets the header: what follows is read in the stand-in stream. */
void xml_push_forget(struct xml_push *xp);

/*
 * Reads |data| as exactly one element, start tag to end tag (or an
 * empty-element tag), in the current stream. Returns its tree (the caller
 * frees it) or NULL with a message in |err|; the stream goes on either way.
 */
struct stanza *xml_push_element(struct xml_push *xp, const char *data, size_t len, char *err,
                                size_t errlen);

#endif
