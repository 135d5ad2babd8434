/*
 * sniff: what the first bytes of a connection to an XMPP port say it is not
 * (issue 13). XMPP over TCP starts with XML ('<', after optional whitespace
 * or a byte order mark), direct TLS with a TLS record (type 0x16, version
 * 0x03xx; or an SSLv2-style hello), BOSH and WebSocket with an HTTP request
 * line. Anything else is another protocol on the port, and not a login.
 */
#ifndef XMPPFLOW_SNIFF_H
#define XMPPFLOW_SNIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the first |len| bytes of a direction (|len| > 0) are none of XML, TLS and HTTP. */
bool sniff_not_xmpp(const uint8_t *data, size_t len);

#endif
