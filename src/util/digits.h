/* digits: fixed-width ASCII decimal fields, as log timestamps write them ("2026", "09"), and hex digits. */
#ifndef XMPPFLOW_DIGITS_H
#define XMPPFLOW_DIGITS_H

#include <stdbool.h>
#include <stddef.h>

/* True when the |n| bytes at |p| are all '0'–'9'. */
static inline bool
digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* The value of the |n| digits at |p| (checked with digits() first). */
static inline int
num(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

/* The value of the hex digit |c| ('0'-'9', 'a'-'f', 'A'-'F'), or -1. */
static inline int
hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
