/*
 * ejlog_term: Erlang ~p renderings of log payloads → bytes (ejabberd-log-formats.md §5).
 * Binaries <<"…">> and <<1,2>>, strings "…", integer lists [1,2] (also wrapped
 * over lines) and deep iolists (nested lists of integers, strings and
 * binaries, flattened). No I/O, no state.
 */
#include <config.h>
#include "ejlog_term.h"

#include <string.h>

/*
 * lager cuts a message at 4096 characters (lager_truncation_size), the term
 * then ends in ...">>: a shorter term that ends so is what it says.
 */
#define LAGER_CUT_MIN 3500

static int
decode_escape(char c)
{
    switch (c) {
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'v':
        return '\v';
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'e':
        return 27;
    case 's':
        return ' ';
    case 'd':
        return 127;
    default:
        return (unsigned char)c;
    }
}

/* Decodes the quoted text starting after the opening '"'; returns the index after the closing '"' or len. */
static size_t
decode_quoted(const char *p, size_t i, size_t len, struct buf *out, bool *closed)
{
    *closed = false;
    while (i < len) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"') {
            *closed = true;
            return i + 1;
        }
        if (c == '\\' && i + 1 < len) {
            buf_append_char(out, (char)decode_escape(p[i + 1]));
            i += 2;
            continue;
        }
        /* OTP logger writes Latin-1 characters as UTF-8: map U+0080–U+00FF back to one byte */
        if ((c == 0xC2 || c == 0xC3) && i + 1 < len && ((unsigned char)p[i + 1] & 0xC0) == 0x80) {
            buf_append_char(out, (char)(((c & 0x03) << 6) | ((unsigned char)p[i + 1] & 0x3F)));
            i += 2;
            continue;
        }
        buf_append_char(out, (char)c);
        i++;
    }
    return i;
}

/* Decodes "1,2,3" integers (whitespace and newlines allowed) up to |end_ch|. */
static size_t
decode_int_list(const char *p, size_t i, size_t len, char end_ch, struct buf *out, bool *closed)
{
    *closed = false;
    int v = -1;
    while (i < len) {
        char c = p[i];
        if (c >= '0' && c <= '9') {
            v = (v < 0 ? 0 : v * 10) + (c - '0');
            if (v > 255)
                v = 255;
        } else if (c == ',' || c == end_ch) {
            if (v >= 0)
                buf_append_char(out, (char)v);
            v = -1;
            if (c == end_ch) {
                *closed = true;
                return i + 1;
            }
        } else if (c == '"') {
            /* a string inside a list (deep iolist): take its text */
            bool q;
            i = decode_quoted(p, i + 1, len, out, &q);
            continue;
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '[' && c != ']' &&
                   c != '<' && c != '>') {
            return i; /* not a byte list ("..." truncation marker and the like) */
        }
        i++;
    }
    return i;
}

int
ejlog_decode_term(const char *p, size_t len, struct buf *out, bool *truncated)
{
    size_t i = 0;
    bool closed = false;
    *truncated = false;
    while (i < len && (p[i] == ' ' || p[i] == '\n'))
        i++;
    if (i + 2 <= len && p[i] == '<' && p[i + 1] == '<') {
        i += 2;
        if (i < len && p[i] == '"') {
            size_t from = i, start = out->len;
            i = decode_quoted(p, i + 1, len, out, &closed);
            closed = closed && i + 2 <= len && p[i] == '>' && p[i + 1] == '>';
            /* lager's cut at 4096 characters: "...", then the closing quote and ">>" all the same */
            if (closed && i - from >= LAGER_CUT_MIN && out->len - start >= 3 &&
                memcmp(out->data + out->len - 3, "...", 3) == 0) {
                out->len -= 3;
                out->data[out->len] = '\0';
                closed = false;
            }
        } else if (i + 1 < len && p[i] == '>' && p[i + 1] == '>') {
            closed = true;
        } else {
            i = decode_int_list(p, i, len, '>', out, &closed);
        }
    } else if (i < len && p[i] == '"') {
        decode_quoted(p, i + 1, len, out, &closed);
    } else if (i < len && p[i] == '[') {
        /* a string as a list, maybe nested (E1 deep iolists); a record may be 4 MiB of '[' */
        size_t depth = 0;
        size_t k = i;
        for (; k < len; k++) {
            if (p[k] == '"') {
                bool q;
                k = decode_quoted(p, k + 1, len, out, &q) - 1;
            } else if (p[k] == '[') {
                depth++;
            } else if (p[k] == ']') {
                if (--depth == 0) {
                    closed = true;
                    break;
                }
            } else if (p[k] >= '0' && p[k] <= '9') {
                /* a byte: any longer run of digits saturates (it must not wrap an int) */
                unsigned v = 0;
                while (k < len && p[k] >= '0' && p[k] <= '9') {
                    v = v * 10 + (unsigned)(p[k++] - '0');
                    if (v > 255)
                        v = 256;
                }
                buf_append_char(out, (char)(v > 255 ? 255 : v));
                k--;
            }
        }
    } else {
        return -1;
    }
    *truncated = !closed;
    return 0;
}
