/* json_writer: JSON text straight into a buffer, formatted as Jansson formats it. */
#include <config.h>
#include "json_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report_impl.h"

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
json_writer_int(struct json_writer *w, int64_t v)
{
    if (!before_value(w))
        return;
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
    buf_append(w->out, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
json_writer_real(struct json_writer *w, double v)
{
    if (!before_value(w))
        return;
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

void
json_append_string(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_append_char(out, '"');
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        /* A run of bytes written as they are: printable ASCII but " and \. */
        const unsigned char *run = p;
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        if (p != run)
            buf_append(out, run, (size_t)(p - run));
        unsigned c = *p;
        if (c == 0)
            break;
        if (c >= 0x80) {
            size_t len = report_utf8_len((const char *)p);
            if (len) {
                buf_append(out, p, len);
                p += len;
            } else {
                buf_append(out, "\xef\xbf\xbd", 3);
                p++;
            }
            continue;
        }
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t len = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
            len = 6;
            break;
        }
        buf_append(out, esc, len);
        p++;
    }
    buf_append_char(out, '"');
}
