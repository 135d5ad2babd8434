/* report_format: how the writers spell numbers and walk text (see the header). */
#include <config.h>
#include "report_format.h"

double
report_round_ms(double ms)
{
    /* Avoid round() so the library does not need libm. */
    if (!(ms >= 0) || ms >= 9e12)
        return ms;
    return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}

size_t
report_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
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
    /* Stops at the first non-continuation byte, so never reads past a NUL. */
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)) /* overlong, surrogate */
        return 0;
    if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)) /* overlong, > U+10FFFF */
        return 0;
    return len;
}
