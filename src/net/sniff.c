/* sniff: first bytes that are neither XML nor TLS nor HTTP (see the header). */
#include <config.h>
#include "sniff.h"

#include <string.h>

static bool
looks_like_tls(const uint8_t *d, size_t len)
{
    if (d[0] == 0x16) /* a handshake record; its version byte may not have arrived yet */
        return len < 2 || d[1] == 0x03;
    /* SSLv2-compatible ClientHello: 2-byte length with the high bit, type 1, version 3.x */
    return (d[0] & 0x80) && (len < 3 || d[2] == 0x01) && (len < 4 || d[3] == 0x03);
}

/* An HTTP request line: a method token of capital letters, then a space ("GET ", "POST "). */
static bool
looks_like_http(const uint8_t *d, size_t len)
{
    size_t n = 0;
    while (n < len && n < 16 && d[n] >= 'A' && d[n] <= 'Z')
        n++;
    return n == len ? n > 0 : n >= 3 && d[n] == ' ';
}

bool
sniff_not_xmpp(const uint8_t *d, size_t len)
{
    if (len == 0 || looks_like_tls(d, len) || looks_like_http(d, len))
        return false;
    size_t i = 0;
    if (len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0)
        i = 3; /* UTF-8 byte order mark (RFC 6120 §11.6 frowns on it; A15 judges it) */
    while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
        i++;
    return i < len && d[i] != '<'; /* all whitespace so far: not decided */
}
