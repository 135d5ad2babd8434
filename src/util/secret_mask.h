/*
 * secret_mask: the one step every string passes through before it leaves the
 * tool (report strings in every format, error messages, debug output) unless
 * --show-secrets. It works on text, not on parsed elements, so it hides
 * secrets in whatever the parser did not understand: a BOSH <body> quoting an
 * <auth>, an xml-error excerpt, a log line in an error message, an excerpt cut
 * in the middle of an element.
 *
 * What is hidden (replaced by "<hidden>"):
 *   - the character data of <auth>, <response>, <password>, <digest>, <token>
 *     (any namespace prefix, also as &lt;…&gt; escapes), forwards from a start
 *     tag and backwards from an end tag, so a cut excerpt is covered from
 *     either side;
 *   - the <value> of a data-form field whose var names a password (XEP-0077
 *     registration and password change);
 *   - the value of key=value and attribute pairs whose key is auth, response,
 *     password, passwd, pass, digest, token or secret;
 *   - the value of Authorization-style headers (Authorization,
 *     Proxy-Authorization, Cookie, Set-Cookie, any *-Token), up to the line end;
 *   - any base64 run that decodes to a SASL PLAIN payload
 *     ([authzid] NUL authcid NUL secret), wherever it stands, also when it
 *     is cut short (a clipped excerpt) or lacks its padding.
 * Masking is idempotent: masked text masks to itself.
 */
#ifndef XMPPFLOW_SECRET_MASK_H
#define XMPPFLOW_SECRET_MASK_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define SECRET_MASK_HIDDEN "<hidden>"

/*
 * Whether the output step masks: on from the start (a path that forgets to
 * ask is safe), off only for --show-secrets. The writers and the error
 * printer ask secret_mask_enabled(); nothing else decides.
 */
void secret_mask_set_enabled(bool on);
extern bool secret_mask_on; /* read through secret_mask_enabled() */
static inline bool
secret_mask_enabled(void)
{
    return secret_mask_on;
}

/*
 * The first span to hide that a rule finds from |from| on in |s| (|len|
 * bytes): true with [*start, *end) set, false when there is none. A rule may
 * hide data well after the text that triggered it (an element's data after
 * its start tag); what lies between can hold spans of its own, which this
 * does not return: secret_mask_spans and secret_mask_append do.
 */
bool secret_mask_next(const char *s, size_t len, size_t from, size_t *start, size_t *end);

/*
 * Calls |fn|(|arg|, start, end) for every span of |s| to hide: in order, not
 * empty, apart (spans that would touch are one).
 */
void secret_mask_spans(const char *s, size_t len, void (*fn)(void *arg, size_t start, size_t end),
                       void *arg);

/* Appends |s| to |out| with every span to hide replaced by <hidden>. */
void secret_mask_append(struct buf *out, const char *s, size_t len);

/*
 * True when |s| holds nothing to hide (the common case: no copy needed).
 * Remembers the last clean strings it saw (their bytes, compared in full),
 * since a report repeats the same summaries session after session.
 */
bool secret_mask_clean(const char *s, size_t len);

/* A masked copy of the NUL-terminated |s| (malloc'd; NULL for NULL). */
char *secret_mask_dup(const char *s);

#endif
