/* json_writer: JSON text straight into a buffer, formatted as Jansson formats it. */
#include <config.h>
#include "json_writer.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "secret_mask.h"
#include "utf8.h"

static inline void append_escaped(struct buf *out, const char *s, size_t n);

void
json_writer_init(struct json_writer *w, struct buf *out, int indent)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->indent = indent > 0 ? indent : 0;
}

/* Jansson's dump_indent: a newline and depth * indent spaces, nothing when compact. */
static void
newline(struct json_writer *w, int depth)
{
    if (!w->indent)
        return;
    static const char spaces[] = "                                ";
    buf_append_char(w->out, '\n');
    int n = depth * w->indent;
    while (n > 0) {
        int chunk = n < (int)sizeof(spaces) - 1 ? n : (int)sizeof(spaces) - 1;
        buf_append(w->out, spaces, (size_t)chunk);
        n -= chunk;
    }
}

/*
 * What goes before a member or an element: nothing, or "," and the
 * indentation. False when the item is inside a container left out.
 */
static bool
before_item(struct json_writer *w)
{
    if (w->skipped)
        return false;
    if (w->depth == 0)
        return true;
    if (w->empty[w->depth - 1])
        w->empty[w->depth - 1] = false;
    else
        buf_append_char(w->out, ',');
    newline(w, w->depth);
    return true;
}

/* Before a value: after its key nothing more, in an array the separator. */
static bool
before_value(struct json_writer *w)
{
    if (w->skipped)
        return false;
    if (!w->pending_key)
        return before_item(w);
    w->pending_key = false;
    return true;
}

static void
open_container(struct json_writer *w, char c)
{
    /*
     * Deeper than the reports ever go: the container and all in it are left
     * out (a member's value becomes null), so the text stays valid JSON
     * rather than overrunning |empty|.
     */
    if (w->depth == JSON_WRITER_MAX_DEPTH || w->skipped) {
        if (w->pending_key && !w->skipped)
            buf_append(w->out, "null", 4);
        w->pending_key = false;
        w->skipped++;
        return;
    }
    if (!before_value(w))
        return;
    buf_append_char(w->out, c);
    w->empty[w->depth++] = true;
}

static void
close_container(struct json_writer *w, char c)
{
    if (w->skipped) {
        w->skipped--;
        return;
    }
    if (w->depth == 0)
        return;
    w->depth--;
    if (!w->empty[w->depth])
        newline(w, w->depth);
    buf_append_char(w->out, c);
}

void
json_writer_object_begin(struct json_writer *w)
{
    open_container(w, '{');
}

void
json_writer_object_end(struct json_writer *w)
{
    close_container(w, '}');
}

void
json_writer_array_begin(struct json_writer *w)
{
    open_container(w, '[');
}

void
json_writer_array_end(struct json_writer *w)
{
    close_container(w, ']');
}

void
json_writer_mark_nonempty(struct json_writer *w)
{
    if (w->depth > 0 && !w->skipped)
        w->empty[w->depth - 1] = false;
}

void
json_writer_key(struct json_writer *w, const char *key)
{
    if (!before_item(w))
        return;
    json_append_string(w->out, key ? key : "");
    if (w->indent)
        buf_append(w->out, ": ", 2);
    else
        buf_append_char(w->out, ':');
    w->pending_key = true;
}

void
json_writer_name(struct json_writer *w, const char *name)
{
    if (!before_item(w))
        return;
    size_t n = strlen(name);
    if (w->out->len + n + 5 > w->out->cap)
        buf_grow(w->out, n + 4);
    char *d = w->out->data + w->out->len;
    *d++ = '"';
    memcpy(d, name, n);
    d += n;
    *d++ = '"';
    *d++ = ':';
    if (w->indent)
        *d++ = ' ';
    *d = '\0';
    w->out->len = (size_t)(d - w->out->data);
    w->pending_key = true;
}

struct buf *
json_writer_raw_value(struct json_writer *w)
{
    return before_value(w) ? w->out : NULL;
}

void
json_writer_string(struct json_writer *w, const char *s)
{
    if (!before_value(w))
        return;
    if (s)
        json_append_string(w->out, s);
    else
        buf_append(w->out, "null", 4);
}

void
json_writer_null(struct json_writer *w)
{
    if (!before_value(w))
        return;
    buf_append(w->out, "null", 4);
}

void
json_writer_bool(struct json_writer *w, bool v)
{
    if (!before_value(w))
        return;
    if (v)
        buf_append(w->out, "true", 4);
    else
        buf_append(w->out, "false", 5);
}

void
json_append_int(struct buf *out, int64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    /* Digits from the right; unsigned so INT64_MIN negates without overflow. */
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    buf_append(out, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
json_writer_int(struct json_writer *w, int64_t v)
{
    if (!before_value(w))
        return;
    json_append_int(w->out, v);
}

/*
 * The reports' reals are milliseconds rounded to microseconds. Below 10^12
 * such a value is exactly micro / 1000 for an integer micro, and "%.15g"
 * prints it as its decimal digits without trailing zeros: that is written
 * here by hand, snprintf() being the slowest part of a report line.
 */
static bool
append_milli(struct buf *out, double v)
{
    if (!(v >= 0 && v < 1e12) || signbit(v))
        return false;
    int64_t micro = (int64_t)(v * 1000 + 0.5);
    if ((double)micro / 1000 != v)
        return false;
    char tmp[32];
    char *end = tmp + sizeof(tmp);
    char *p = end;
    int64_t frac = micro % 1000, whole = micro / 1000;
    if (frac) {
        int digits = 3;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        while (digits--) {
            *--p = (char)('0' + frac % 10);
            frac /= 10;
        }
    } else {
        *--p = '0';
    }
    *--p = '.';
    do {
        *--p = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);
    buf_append(out, p, (size_t)(end - p));
    return true;
}

void
json_writer_real(struct json_writer *w, double v)
{
    if (!before_value(w))
        return;
    if (append_milli(w->out, v))
        return;
    if (!isfinite(v)) { /* JSON has no NaN or infinity ("nan.0" would not parse) */
        buf_append(w->out, "null", 4);
        return;
    }
    char tmp[64];
    int n = snprintf(tmp, sizeof(tmp), "%.15g", v);
    if (n <= 0 || n >= (int)sizeof(tmp) - 2) {
        buf_append(w->out, "null", 4);
        return;
    }
    /* A real keeps a "." or an exponent so it reads back as a real. */
    if (!strchr(tmp, '.') && !strchr(tmp, 'e')) {
        tmp[n++] = '.';
        tmp[n++] = '0';
        tmp[n] = '\0';
    }
    /* "1e+20" is written "1e20", "1e-05" "1e-5". */
    char *e = strchr(tmp, 'e');
    if (e) {
        char *start = e + 1;
        char *digits = start + 1;
        if (*start == '-')
            start++;
        while (*digits == '0')
            digits++;
        if (digits != start) {
            memmove(start, digits, strlen(digits) + 1);
            n = (int)strlen(tmp);
        }
    }
    buf_append(w->out, tmp, (size_t)n);
}

/* Bytes a JSON string holds as they are: printable ASCII but " and \. */
#define PLAIN(c) ((c) >= 0x20 && (c) < 0x80 && (c) != '"' && (c) != '\\')
#define PLAIN4(c) PLAIN(c), PLAIN((c) + 1), PLAIN((c) + 2), PLAIN((c) + 3)
#define PLAIN16(c) PLAIN4(c), PLAIN4((c) + 4), PLAIN4((c) + 8), PLAIN4((c) + 12)
#define PLAIN64(c) PLAIN16(c), PLAIN16((c) + 16), PLAIN16((c) + 32), PLAIN16((c) + 48)
static const unsigned char plain[256] = {PLAIN64(0), PLAIN64(64), PLAIN64(128), PLAIN64(192)};

#define BYTES(x) (UINT64_C(0x0101010101010101) * (x))

/* True when a byte of |w| is below 0x20, at or above 0x80, '"' or '\\' (SWAR tests). */
static inline bool
needs_look(uint64_t w)
{
    uint64_t high = w & BYTES(0x80);
    uint64_t below_space = (w - BYTES(0x20)) & ~w & BYTES(0x80);
    uint64_t q = w ^ BYTES('"'), b = w ^ BYTES('\\');
    uint64_t quote = (q - BYTES(1)) & ~q & BYTES(0x80);
    uint64_t backslash = (b - BYTES(1)) & ~b & BYTES(0x80);
    return (high | below_space | quote | backslash) != 0;
}

void
json_append_string(struct buf *out, const char *s)
{
    size_t n = strlen(s);
    /* Every string of every JSON report passes here: the one place it is masked. */
    struct buf masked = {0};
    if (secret_mask_enabled() && !secret_mask_clean(s, n)) {
        secret_mask_append(&masked, s, n);
        s = masked.data;
        n = masked.len;
    }
    append_escaped(out, s, n); /* one call: inlined, as this is per string */
    if (masked.data)
        buf_clear(&masked);
}

/* |s| (|n| bytes, no NUL inside) as a quoted JSON string. */
static inline void
append_escaped(struct buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    /* Room for the worst case (every byte a \u00XX escape), then no more checks. */
    if (out->len + 6 * n + 3 > out->cap)
        buf_grow(out, 6 * n + 2);
    char *d = out->data + out->len;
    *d++ = '"';
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + n;
    for (;;) {
        /*
         * Eight bytes at a time while none needs a look (no control
         * character, no '"' or '\\', nothing above ASCII): most of a
         * report is such text.
         */
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (needs_look(w))
                break;
            memcpy(d, p, 8);
            d += 8;
            p += 8;
        }
        while (plain[*p])
            *d++ = (char)*p++;
        unsigned c = *p;
        if (c == 0)
            break;
        if (c >= 0x80) {
            size_t len = utf8_len((const char *)p, SIZE_MAX); /* a NUL stops it */
            if (len) {
                memcpy(d, p, len);
                d += len;
                p += len;
            } else {
                memcpy(d, "\xef\xbf\xbd", 3); /* at most 3 bytes for 1: within 6 */
                d += 3;
                p++;
            }
            continue;
        }
        *d++ = '\\';
        switch (c) {
        case '"':
            *d++ = '"';
            break;
        case '\\':
            *d++ = '\\';
            break;
        case '\b':
            *d++ = 'b';
            break;
        case '\f':
            *d++ = 'f';
            break;
        case '\n':
            *d++ = 'n';
            break;
        case '\r':
            *d++ = 'r';
            break;
        case '\t':
            *d++ = 't';
            break;
        default:
            *d++ = 'u';
            *d++ = '0';
            *d++ = '0';
            *d++ = hex[c >> 4];
            *d++ = hex[c & 0xf];
            break;
        }
        p++;
    }
    *d++ = '"';
    *d = '\0';
    out->len = (size_t)(d - out->data);
}
