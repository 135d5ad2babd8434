/* ws_deflate: permessage-deflate's negotiation and inflation (see the header). */
#include <config.h>
#include "ws_deflate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "xalloc.h"

struct ws_inflate {
    z_stream z;
    bool ready;       /* inflateInit2 done */
    bool no_takeover;
    bool lost;        /* the shared window is gone: no later message can be read */
    bool broken;      /* this message cannot be read (said already) */
    uint64_t discarded; /* bytes of this message thrown away */
};

/* ---- negotiation ---- */

static const char *
skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* The token at [p, end) without surrounding spaces equals |word| (case-insensitive). */
static bool
token_is(const char *p, const char *end, const char *word)
{
    p = skip_space(p, end);
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t n = strlen(word);
    return (size_t)(end - p) == n && strncasecmp(p, word, n) == 0;
}

/* One extension of the list: its name, then ';'-separated parameters. */
static void
one_extension(const char *p, const char *end, struct ws_deflate_params *out)
{
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *name_end = semi ? semi : end;
    if (!token_is(p, name_end, "permessage-deflate") || out->on) {
        if (skip_space(p, name_end) < name_end)
            out->other = true;
        return;
    }
    out->on = true;
    while (semi) {
        p = semi + 1;
        semi = memchr(p, ';', (size_t)(end - p));
        const char *param_end = semi ? semi : end;
        const char *eq = memchr(p, '=', (size_t)(param_end - p));
        const char *name_stop = eq ? eq : param_end;
        if (token_is(p, name_stop, "client_no_context_takeover"))
            out->no_takeover[0] = true;
        else if (token_is(p, name_stop, "server_no_context_takeover"))
            out->no_takeover[1] = true;
        /* the window sizes need nothing: a 2^15 window reads any smaller one */
    }
}

void
ws_deflate_negotiated(const char *extensions, struct ws_deflate_params *out)
{
    memset(out, 0, sizeof *out);
    if (!extensions)
        return;
    const char *p = extensions, *end = extensions + strlen(extensions);
    while (p < end) {
        /* parameter values may be quoted strings; a ',' inside one does not split */
        const char *q = p;
        bool quoted = false;
        while (q < end && (quoted || *q != ',')) {
            if (*q == '"')
                quoted = !quoted;
            q++;
        }
        one_extension(p, q, out);
        p = q < end ? q + 1 : end;
    }
}

/* ---- inflation ---- */

struct ws_inflate *
ws_inflate_new(bool no_takeover)
{
    struct ws_inflate *z = xcalloc(1, sizeof *z);
    z->no_takeover = no_takeover;
    /* raw DEFLATE, the largest window: reads what any window size wrote */
    z->ready = inflateInit2(&z->z, -15) == Z_OK;
    if (!z->ready)
        z->lost = true;
    return z;
}

void
ws_inflate_free(struct ws_inflate *z)
{
    if (!z)
        return;
    if (z->ready)
        inflateEnd(&z->z);
    free(z);
}

/* The message cannot be read; with a shared window neither can the later ones. */
static const char *
give_up(struct ws_inflate *z, const char *why)
{
    z->broken = true;
    if (!z->no_takeover)
        z->lost = true;
    return why;
}

const char *
ws_inflate_feed(struct ws_inflate *z, const uint8_t *p, size_t n, const bool *dropped,
                ws_inflate_out *out, void *arg)
{
    static const uint8_t trailer[4] = {0x00, 0x00, 0xff, 0xff};
    if (z->broken)
        return NULL;
    if (z->lost)
        return give_up(z, "its compression context was lost with an earlier message");
    if (*dropped && z->no_takeover)
        return NULL; /* nothing kept, no window to keep up */
    if (!p) {
        p = trailer;
        n = sizeof trailer;
    }
    z->z.next_in = (Bytef *)(uintptr_t)p;
    z->z.avail_in = (uInt)n;
    uint8_t buf[16384];
    for (;;) {
        z->z.next_out = buf;
        z->z.avail_out = sizeof buf;
        int rc = inflate(&z->z, Z_SYNC_FLUSH);
        size_t made = sizeof buf - z->z.avail_out;
        if (made && !*dropped) {
            out(arg, buf, made);
        } else if (made) {
            z->discarded += made;
            if (z->discarded > WS_INFLATE_DISCARD_MAX)
                return give_up(z, "it inflates to too much to keep its compression context");
        }
        if (rc == Z_STREAM_END) {
            /* a final block: the sender's next bytes start a new stream */
            inflateReset(&z->z);
            if (z->z.avail_in == 0)
                break;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return give_up(z, "its compressed data does not inflate");
        if (z->z.avail_out != 0 && (z->z.avail_in == 0 || rc == Z_BUF_ERROR))
            break;
    }
    return NULL;
}

void
ws_inflate_message_end(struct ws_inflate *z)
{
    if (!z)
        return;
    z->discarded = 0;
    z->broken = false; /* a lost window is said again, once per message */
    if (z->no_takeover && z->ready)
        inflateReset(&z->z);
}

void
ws_inflate_lose(struct ws_inflate *z)
{
    if (z)
        give_up(z, NULL);
}
