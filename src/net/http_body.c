/* http_body: a message body, decoded and bounded (see the header). */
#include <config.h>
#include "http_body.h"

#include <limits.h>
#include <strings.h>

/* What one inflate call writes at most; the kept part is copied out of it. */
#define SCRATCH 16384

static const char inflate_failed[] = "the body does not inflate (corrupt gzip or deflate data)";
static const char inflate_cut[] = "the compressed body ends before its compressed stream does";
static const char too_big[] = "the body is over 1 MiB: the rest is counted, not kept";
static const char inflate_bomb[] = "the body inflates past 64 MiB: the rest is not inflated";

void
http_body_start(struct http_body *b, enum http_coding coding)
{
    b->coding = coding;
    b->done = false;
    b->over_told = false;
    b->nlead = 0;
    b->seen = 0;
}

static void
keep(struct http_body *b, const uint8_t *p, size_t n)
{
    size_t room = b->kept.len < HTTP_MAX_BODY ? HTTP_MAX_BODY - b->kept.len : 0;
    size_t k = n < room ? n : room;
    if (k)
        buf_append(&b->kept, p, k);
    b->dropped += n - k;
}

static void
end_inflate(struct http_body *b)
{
    if (b->z_open)
        inflateEnd(&b->z);
    b->z_open = false;
    b->done = true;
}

static const char *
open_inflate(struct http_body *b, int window_bits)
{
    memset(&b->z, 0, sizeof b->z);
    if (inflateInit2(&b->z, window_bits) != Z_OK) {
        b->done = true;
        return inflate_failed;
    }
    b->z_open = true;
    return NULL;
}

/* Inflates |n| bytes, the output through a scratch buffer: memory stays the same whatever the ratio. */
static const char *
inflate_bytes(struct http_body *b, const uint8_t *p, size_t n)
{
    uint8_t out[SCRATCH];
    while (n > 0 && !b->done) {
        uInt slice = n > UINT_MAX ? UINT_MAX : (uInt)n;
        b->z.next_in = (Bytef *)(uintptr_t)p;
        b->z.avail_in = slice;
        for (;;) {
            b->z.next_out = out;
            b->z.avail_out = sizeof out;
            int rc = inflate(&b->z, Z_NO_FLUSH);
            keep(b, out, sizeof out - b->z.avail_out);
            if (rc == Z_STREAM_END) {
                if (b->coding == HTTP_CODING_GZIP && b->z.avail_in > 0 && inflateReset(&b->z) == Z_OK)
                    continue; /* RFC 1952 §2.2: a gzip file may hold several members */
                end_inflate(b);
                return NULL; /* bytes after the stream's end are not body */
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR) {
                end_inflate(b);
                return inflate_failed;
            }
            if (b->kept.len + b->dropped >= HTTP_MAX_INFLATE) {
                end_inflate(b);
                return inflate_bomb;
            }
            if (b->z.avail_out != 0)
                break; /* all of the input is in */
        }
        p += slice;
        n -= slice;
    }
    return NULL;
}

/* RFC 1950 §2.2: CM 8, CINFO at most 7, and the first two bytes a multiple of 31. */
static bool
zlib_header(const uint8_t lead[2])
{
    return (lead[0] & 0x0f) == 8 && (lead[0] >> 4) <= 7 && ((lead[0] << 8) | lead[1]) % 31 == 0;
}

static const char *decode(struct http_body *b, const uint8_t *p, size_t n);

const char *
http_body_add(struct http_body *b, const uint8_t *p, size_t n)
{
    const char *err = decode(b, p, n);
    if (!err && b->dropped && !b->over_told) {
        b->over_told = true;
        err = too_big;
    }
    return err;
}

static const char *
decode(struct http_body *b, const uint8_t *p, size_t n)
{
    b->seen += n;
    if (b->coding == HTTP_CODING_NONE) {
        keep(b, p, n);
        return NULL;
    }
    if (b->done)
        return NULL;
    if (!b->z_open && b->coding == HTTP_CODING_GZIP) {
        const char *err = open_inflate(b, 15 + 32); /* gzip, or zlib mislabelled */
        if (err)
            return err;
    }
    if (!b->z_open) { /* deflate: wait for two bytes to tell zlib from raw */
        while (n > 0 && b->nlead < 2) {
            b->lead[b->nlead++] = *p++;
            n--;
        }
        if (b->nlead < 2)
            return NULL;
        const char *err = open_inflate(b, zlib_header(b->lead) ? 15 : -15);
        if (!err)
            err = inflate_bytes(b, b->lead, 2);
        if (err)
            return err;
    }
    return inflate_bytes(b, p, n);
}

const char *
http_body_finish(struct http_body *b)
{
    if (b->coding == HTTP_CODING_NONE || b->done || b->seen == 0)
        return NULL;
    end_inflate(b);
    return inflate_cut;
}

void
http_body_reset(struct http_body *b)
{
    if (b->z_open)
        inflateEnd(&b->z);
    b->z_open = false;
    if (b->kept.cap > SCRATCH)
        buf_clear(&b->kept); /* a big body's memory goes back between messages */
    else
        buf_reset(&b->kept);
    b->dropped = 0;
    http_body_start(b, HTTP_CODING_NONE);
}

void
http_body_free(struct http_body *b)
{
    http_body_reset(b);
    buf_clear(&b->kept);
}

/* Compares |s| (|n| bytes) to |word| without case. */
static bool
same_word(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

bool
http_coding_from_name(const char *value, enum http_coding *coding)
{
    const char *s = value ? value : "";
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || same_word(s, n, "identity"))
        *coding = HTTP_CODING_NONE;
    else if (same_word(s, n, "gzip") || same_word(s, n, "x-gzip"))
        *coding = HTTP_CODING_GZIP;
    else if (same_word(s, n, "deflate"))
        *coding = HTTP_CODING_DEFLATE;
    else
        return false;
    return true;
}
