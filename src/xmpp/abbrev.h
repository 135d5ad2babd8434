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

/*
 * Returns a new string summarising |el| classified as |ev|. |mech| is the
 * SASL mechanism of the exchange in progress (NULL if none), used to decode
 * <auth>/<response> payloads; secrets print as <hidden> unless |show_secrets|.
 */
char *abbrev_element(const struct stanza *el, enum event ev, const char *mech,
                     bool show_secrets);

#endif
