/*
 * abbrev: one-line summaries of elements for the report's "summary" field:
 * the element as a person would abbreviate it, with every secret masked
 * (login-spec §4.1) unless the run shows secrets.
 */
#ifndef XMPPFLOW_ABBREV_H
#define XMPPFLOW_ABBREV_H

#include <stdbool.h>

#include "phase.h"
#include "stanza.h"

/* Longest summary in bytes ("..." included): a session stores hundreds of them. */
#define ABBREV_MAX 512

/*
 * Returns a new string summarising |el| classified as |ev|, at most
 * ABBREV_MAX bytes. |mech| is the
 * SASL mechanism of the exchange in progress (NULL if none), used to decode
 * <auth>/<response> payloads; secrets print as <hidden> unless |show_secrets|.
 */
char *abbrev_element(const struct stanza *el, enum event ev, const char *mech,
                     bool show_secrets);

/*
 * Cuts the string |s| to at most |max| bytes (max >= 4), at a character
 * boundary, ending with "..." when it was longer.
 */
void abbrev_clip(char *s, size_t max);

#endif
