/*
 * streamhead: what a stream header looks like from its bytes, before any
 * parsing (RFC 6120 §4.2, §4.7): the one test the framer and the log reader
 * share.
 */
#ifndef XMPPFLOW_STREAMHEAD_H
#define XMPPFLOW_STREAMHEAD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when the tag name |name| (|len| bytes, as written: with or without a
 * prefix) is a stream header's: the local name "stream" in any prefix
 * (normally stream:stream; the namespace is checked once parsed).
 */
bool stream_name_is_header(const char *name, size_t len);

/*
 * True when |data| (|len| bytes), after leading white space, begins a stream:
 * an XML declaration, or a start tag whose name stream_name_is_header().
 */
bool stream_starts(const char *data, size_t len);

#endif
