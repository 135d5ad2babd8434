/* ws_shape: one element per WebSocket message, RFC 7395 §3.3.3 (see the header). */
#include <config.h>
#include "ws_shape.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define NOT_FOUND ((size_t)-1)

static bool
is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
starts(const uint8_t *p, size_t i, size_t n, const char *s)
{
    size_t k = strlen(s);
    return n - i >= k && memcmp(p + i, s, k) == 0;
}

/* The index just after the first |stop| at or after |i|, or NOT_FOUND. */
static size_t
after(const uint8_t *p, size_t i, size_t n, const char *stop)
{
    size_t k = strlen(stop);
    for (; i + k <= n; i++)
        if (p[i] == (uint8_t)stop[0] && memcmp(p + i, stop, k) == 0)
            return i + k;
    return NOT_FOUND;
}

/* The index just after the '>' of the tag at |i|, quotes respected, or NOT_FOUND. */
static size_t
tag_end(const uint8_t *p, size_t i, size_t n)
{
    uint8_t quote = 0;
    for (i++; i < n; i++) {
        if (quote) {
            if (p[i] == quote)
                quote = 0;
        } else if (p[i] == '"' || p[i] == '\'') {
            quote = p[i];
        } else if (p[i] == '>') {
            return i + 1;
        }
    }
    return NOT_FOUND;
}

enum ws_shape
ws_message_shape(const uint8_t *p, size_t n, char *why, size_t whylen)
{
    if (whylen)
        why[0] = '\0';
    size_t i = 0;
    while (i < n && is_space(p[i]))
        i++;
    if (n == 0) {
        snprintf(why, whylen, "is empty");
        return WS_SHAPE_OTHER;
    }
    if (i == n) {
        snprintf(why, whylen, "whitespace only");
        return WS_SHAPE_WHITESPACE;
    }
    if (p[0] != '<') {
        snprintf(why, whylen, "starts with %s, not '<'", i ? "whitespace" : "text");
        return WS_SHAPE_OTHER;
    }
    unsigned depth = 0, elements = 0;
    bool text = false, stray_end = false, cut = false;
    for (i = 0; i < n;) {
        if (p[i] != '<') {
            if (depth == 0 && !is_space(p[i]))
                text = true;
            i++;
            continue;
        }
        size_t next;
        if (starts(p, i, n, "<!--")) {
            next = after(p, i + 4, n, "-->");
        } else if (starts(p, i, n, "<![CDATA[")) {
            next = after(p, i + 9, n, "]]>");
            text |= depth == 0;
        } else if (starts(p, i, n, "<?")) {
            next = after(p, i + 2, n, "?>");
        } else if (starts(p, i, n, "<!")) {
            next = tag_end(p, i, n); /* a document type declaration: the framer judges it */
        } else {
            next = tag_end(p, i, n);
            if (next == NOT_FOUND) {
                /* cut: said below */
            } else if (i + 1 < n && p[i + 1] == '/') {
                if (depth == 0)
                    stray_end = true;
                else if (--depth == 0)
                    elements++;
            } else if (next - 2 > i && p[next - 2] == '/') {
                elements += depth == 0;
            } else {
                depth++;
            }
        }
        if (next == NOT_FOUND) {
            cut = true;
            break;
        }
        i = next;
    }
    if (cut || depth)
        snprintf(why, whylen, "an element not closed within the message");
    else if (stray_end)
        snprintf(why, whylen, "an end tag with no start tag");
    else if (elements == 0)
        snprintf(why, whylen, "no element");
    else if (elements > 1)
        snprintf(why, whylen, "%u elements", elements);
    else if (text)
        snprintf(why, whylen, "text besides its element");
    else
        return WS_SHAPE_ONE_ELEMENT;
    return WS_SHAPE_OTHER;
}
