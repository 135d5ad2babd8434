/* utf8: well-formed UTF-8 (RFC 3629), and printable copies for messages. */
#include <config.h>
#include "utf8.h"

#include <string.h>

void
utf8_clean_copy(char *out, size_t cap, const char *s, size_t len)
{
    if (!cap)
        return;
    size_t o = 0, i = 0;
    while (i < len && o + 1 < cap) {
        unsigned char c = (unsigned char)s[i];
        size_t want = c < 0x80                 ? 1
                      : c >= 0xc2 && c <= 0xdf ? 2
                      : c >= 0xe0 && c <= 0xef ? 3
                      : c >= 0xf0 && c <= 0xf4 ? 4
                                               : 0;
        if (want > len - i)
            break; /* a name cut short (kept to its first bytes): drop the tail */
        size_t n = c < 0x20 || c == 0x7f ? 0 : utf8_len(s + i, len - i);
        if (!n || o + n >= cap) {
            out[o++] = '?';
            i++;
            continue;
        }
        memcpy(out + o, s + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
}
