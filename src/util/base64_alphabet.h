/* base64_alphabet: the value of a base64 character (RFC 4648 §4). */
#ifndef XMPPFLOW_BASE64_ALPHABET_H
#define XMPPFLOW_BASE64_ALPHABET_H

/* 0-63, or -1 for a character outside the alphabet ('=' included). */
static inline int
base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

#endif
