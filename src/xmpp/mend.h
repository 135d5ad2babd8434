/*
 * mend: what a capture gap (bytes that were never captured) left of an XML
 * element, made into bytes that parse again, so that the element can still
 * be classified and reported as damaged instead of vanishing.
 *
 * Only what was seen whole is kept: attributes on either side of the hole,
 * child elements that ended before it, the start tags of the elements the
 * hole cut. Text the hole cut is dropped, never completed. The one thing
 * filled in is a default namespace declaration (xmlns='...') the hole went
 * through, and only when exactly one namespace of those an XMPP login uses
 * has the bytes seen on both sides of the hole and the exact length the hole
 * leaves for it: without it <success/> or <auth/> would not be SASL at all.
 */
#ifndef XMPPFLOW_MEND_H
#define XMPPFLOW_MEND_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * A start tag the hole cut. |before|: the tag up to the hole ('<', its whole
 * name, then what came of its attributes); |after|: what followed the hole,
 * up to (not including) the tag's closing '>'; |hole|: the bytes missing (0:
 * unknown, then no namespace is filled in). Appends to |out| '<', the name,
 * the attributes seen whole (the complete ones of |before|, the mended
 * namespace, then the longest run of complete ones that ends |after|) and
 * '>', or "/>" when |after| ends with '/' or |empty| is set (the '>' was lost
 * too: nothing of the content can be told apart). Returns true when the tag
 * it wrote is an empty-element tag.
 */
bool mend_start_tag(const char *before, size_t blen, const char *after, size_t alen, size_t hole,
                    bool empty, struct buf *out);

/*
 * An element the hole cut after its start tag. |bytes| (|len|) run from its
 * '<' to the end of the last tag seen whole before the hole, where |depth|
 * elements are still open, the one at depth d starting at bytes[open_at[d]]
 * (d = 1 .. depth; open_at[1] is 0). Appends those bytes to |out|, then an
 * end tag for each open element, innermost first.
 */
void mend_close(const char *bytes, size_t len, const size_t *open_at, unsigned depth,
                struct buf *out);

#endif
