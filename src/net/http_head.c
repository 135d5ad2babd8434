/* http_head: a message's target and headers, in pieces, bounded (see the header). */
#include <config.h>
#include "http_head.h"

#include <string.h>
#include <strings.h>

static const char *
at_offset(const struct http_head *h, size_t off)
{
    return off == HTTP_HEAD_NONE ? "" : h->text.data + off;
}

/* Ends the piece being added to: its string gets its NUL. */
static void
end_piece(struct http_head *h)
{
    if (h->piece != HTTP_PIECE_NONE && !h->piece_dropped)
        buf_append_char(&h->text, '\0');
    h->piece = HTTP_PIECE_NONE;
    h->piece_dropped = false;
}

void
http_head_reset(struct http_head *h)
{
    if (h->text.cap > HTTP_MAX_HEADER_BYTES)
        buf_clear(&h->text);
    else
        buf_reset(&h->text);
    h->bytes = 0;
    h->target = HTTP_HEAD_NONE;
    h->n = h->dropped = 0;
    h->piece = HTTP_PIECE_NONE;
    h->piece_dropped = false;
}

void
http_head_free(struct http_head *h)
{
    buf_clear(&h->text);
}

bool
http_head_count(struct http_head *h, size_t n)
{
    h->bytes += n;
    return h->bytes <= HTTP_MAX_HEADER_BYTES;
}

/* Starts a piece of kind |piece|: where it goes, or that it is not kept. */
static void
start_piece(struct http_head *h, enum http_head_piece piece)
{
    bool name_dropped = h->piece == HTTP_PIECE_NAME && h->piece_dropped;
    end_piece(h);
    h->piece = piece;
    switch (piece) {
    case HTTP_PIECE_TARGET:
        h->target = h->text.len;
        break;
    case HTTP_PIECE_NAME:
        if (h->n == HTTP_MAX_HEADERS) {
            h->dropped++;
            h->piece_dropped = true;
            break;
        }
        h->hdr[h->n].name = h->text.len;
        h->hdr[h->n].value = HTTP_HEAD_NONE; /* an empty value may never come */
        h->n++;
        break;
    case HTTP_PIECE_VALUE:
        h->piece_dropped = name_dropped || h->n == 0;
        if (!h->piece_dropped)
            h->hdr[h->n - 1].value = h->text.len;
        break;
    case HTTP_PIECE_NONE:
        break;
    }
}

bool
http_head_add(struct http_head *h, enum http_head_piece piece, const char *at, size_t n)
{
    if (!http_head_count(h, piece == HTTP_PIECE_NAME ? n + 4 : n)) /* ": " and CRLF */
        return false;
    if (h->piece != piece)
        start_piece(h, piece);
    if (!h->piece_dropped)
        buf_append(&h->text, at, n);
    return true;
}

const char *
http_head_target(struct http_head *h)
{
    end_piece(h);
    return h->target == HTTP_HEAD_NONE ? NULL : at_offset(h, h->target);
}

const char *
http_head_get(struct http_head *h, const char *name)
{
    end_piece(h);
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(at_offset(h, h->hdr[i].name), name) == 0)
            return at_offset(h, h->hdr[i].value);
    return NULL;
}

size_t
http_head_list(struct http_head *h, struct http_header *out)
{
    end_piece(h);
    for (size_t i = 0; i < h->n; i++) {
        out[i].name = at_offset(h, h->hdr[i].name);
        out[i].value = at_offset(h, h->hdr[i].value);
    }
    return h->n;
}

bool
http_list_has(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *s = list; s && *s;) {
        s += strspn(s, " \t,");
        size_t len = strcspn(s, ",");
        size_t w = len;
        while (w > 0 && (s[w - 1] == ' ' || s[w - 1] == '\t'))
            w--;
        if (w == n && strncasecmp(s, token, n) == 0)
            return true;
        s += len;
    }
    return false;
}
