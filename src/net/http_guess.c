/* http_guess: does a connection's first line look like HTTP? (see http.h) */
#include <config.h>
#include "http.h"

#include <string.h>

/* RFC 9110 §5.6.2 tchar. */
static bool
is_tchar(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool
known_method(const uint8_t *p, size_t n)
{
    static const char *const methods[] = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH",
                                          "CONNECT", "TRACE", NULL};
    for (size_t i = 0; methods[i]; i++)
        if (strlen(methods[i]) == n && memcmp(p, methods[i], n) == 0)
            return true;
    return false;
}

enum http_guess
http_guess_request(const uint8_t *p, size_t n)
{
    enum http_guess short_or_no = n < 8 ? HTTP_MAYBE : HTTP_NO;
    size_t i = 0;
    while (i < n && i < 16 && is_tchar(p[i]))
        i++;
    if (i == n)
        return short_or_no; /* a method, so far */
    if (i == 0 || p[i] != ' ')
        return HTTP_NO;
    if (known_method(p, i))
        return HTTP_YES;
    size_t t = i + 1; /* the request target: visible characters */
    while (t < n && p[t] > ' ' && p[t] < 0x7f)
        t++;
    if (t == n)
        return short_or_no;
    if (t == i + 1 || p[t] != ' ')
        return HTTP_NO;
    static const char version[] = "HTTP/1.";
    size_t k = 0;
    while (k < 7 && t + 1 + k < n && p[t + 1 + k] == (uint8_t)version[k])
        k++;
    if (k == 7)
        return HTTP_YES;
    return t + 1 + k < n ? HTTP_NO : short_or_no;
}

bool
http_looks_like_request(const uint8_t *p, size_t n)
{
    return http_guess_request(p, n) == HTTP_YES;
}

/* A status line's start: "HTTP/1." (RFC 9112 §4). */
enum http_guess
http_guess_status(const uint8_t *p, size_t n)
{
    static const char v[] = "HTTP/1.";
    size_t k = n < 7 ? n : 7;
    if (memcmp(p, v, k) != 0)
        return HTTP_NO;
    return k == 7 ? HTTP_YES : HTTP_MAYBE;
}
