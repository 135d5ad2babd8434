/*
 * utf8: the one place that knows what well-formed UTF-8 is (RFC 3629 §4: no
 * overlong forms, no surrogates, nothing past U+10FFFF). The framer's
 * messages, the XML parser's messages and the report writers all go through
 * it.
 */
#ifndef XMPPFLOW_UTF8_H
#define XMPPFLOW_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length (1-4) of the well-formed UTF-8 sequence at |s|, of which at most
 * |avail| bytes may be read; 0 when the bytes there are not one (or |avail|
 * is 0). Continuation bytes are read one by one and the first that is not
 * one stops the look, so a NUL-terminated string may pass SIZE_MAX.
 * Inline: the JSON writer calls it for every non-ASCII byte it writes.
 */
static inline size_t
utf8_len(const char *s, size_t avail)
{
    const unsigned char *p = (const unsigned char *)s;
    if (!avail)
        return 0;
    unsigned c = p[0];
    size_t len;
    if (c < 0x80)
        return 1;
    else if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    if (avail < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)) /* overlong, surrogate */
        return 0;
    if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)) /* overlong, > U+10FFFF */
        return 0;
    return len;
}

/*
 * The largest n <= |len| at which |s| can be cut without splitting a
 * character: |len| moved back over continuation bytes (|s| holds more than
 * |len| bytes).
 */
static inline size_t
utf8_cut(const char *s, size_t len)
{
    while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
        len--;
    return len;
}

/*
 * Copies |s| (|len| bytes) into |out| as printable, well-formed UTF-8 of at
 * most |cap| - 1 bytes, NUL-terminated: control bytes and bytes that do not
 * start a well-formed sequence become '?'; a sequence cut off by |len| is
 * dropped (a name kept to its first bytes).
 */
void utf8_clean_copy(char *out, size_t cap, const char *s, size_t len);

#endif
