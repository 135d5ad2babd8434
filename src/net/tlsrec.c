/* tlsrec: TLS record boundaries, ClientHello SNI/ALPN, handshake end (RFC 8446, RFC 5246, RFC 6066, RFC 7301). */
#include <config.h>
#include "tlsrec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

#define REC_CHANGE_CIPHER_SPEC 20
#define REC_ALERT 21
#define REC_HANDSHAKE 22
#define REC_APPLICATION_DATA 23
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define EXT_SERVER_NAME 0
#define EXT_ALPN 16
#define EXT_SUPPORTED_VERSIONS 43
#define MAX_HELLO (16 * 1024)
#define MAX_EVENTS 8

struct direction {
    uint8_t hdr[5];
    size_t hdr_len;       /* header bytes collected */
    size_t left;          /* body bytes left in the current record */
    uint8_t type;         /* of the current record */
    bool encrypted;       /* sent ChangeCipherSpec or application data */
    bool not_tls;
    struct buf hello;     /* handshake bytes of the first records (for the hello) */
    bool hello_done;
};

struct tlsrec {
    struct direction d[2];
    bool established;
    unsigned version;
    struct tlsrec_event events[MAX_EVENTS];
    size_t nevents, next;
    char sni[256];
    char alpn[256];
    struct tlsrec_hellos hellos;
};

struct tlsrec *
tlsrec_new(void)
{
    return xcalloc(1, sizeof(struct tlsrec));
}

void
tlsrec_free(struct tlsrec *t)
{
    if (!t)
        return;
    buf_clear(&t->d[0].hello);
    buf_clear(&t->d[1].hello);
    free(t);
}

static void
push(struct tlsrec *t, enum tlsrec_kind kind, int dir)
{
    if (t->nevents == MAX_EVENTS)
        return;
    struct tlsrec_event *e = &t->events[t->nevents++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->dir = dir;
}

struct rd {
    const uint8_t *p, *end;
};

static bool
have(const struct rd *r, size_t n)
{
    return (size_t)(r->end - r->p) >= n;
}

static unsigned
u8(struct rd *r)
{
    return *r->p++;
}

static unsigned
u16(struct rd *r)
{
    unsigned v = (unsigned)r->p[0] << 8 | r->p[1];
    r->p += 2;
    return v;
}

/* Copies a printable rendering of |n| bytes into |out|. */
static void
copy_name(char *out, size_t outlen, size_t *used, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n && *used + 1 < outlen; i++)
        out[(*used)++] = s[i] >= 0x21 && s[i] < 0x7f ? (char)s[i] : '?';
    out[*used] = '\0';
}

/*
 * The extensions block that ends a hello (RFC 8446 §4.2): |r| is narrowed to
 * it (to what is there when its length runs past the message).
 */
static void
enter_extensions(struct rd *r)
{
    unsigned total = u16(r);
    if (have(r, total))
        r->end = r->p + total;
}

/* The next extension of the block: its type and body; false at the end or on a cut one. */
static bool
next_extension(struct rd *r, unsigned *type, struct rd *body)
{
    if (!have(r, 4))
        return false;
    *type = u16(r);
    unsigned len = u16(r);
    if (!have(r, len))
        return false;
    *body = (struct rd){r->p, r->p + len};
    r->p += len;
    return true;
}

/* ClientHello body (RFC 8446 §4.1.2): extensions server_name and ALPN. */
static void
parse_client_hello(struct tlsrec *t, struct rd r)
{
    t->sni[0] = t->alpn[0] = '\0';
    if (!have(&r, 2 + 32 + 1))
        return;
    memcpy(t->hellos.client_random, r.p + 2, 32);
    t->hellos.client_seen = true;
    r.p += 2 + 32; /* legacy_version, random */
    unsigned sid = u8(&r);
    if (!have(&r, sid + 2))
        return;
    r.p += sid;
    unsigned suites = u16(&r);
    if (!have(&r, suites + 1))
        return;
    r.p += suites;
    unsigned comp = u8(&r);
    if (!have(&r, comp + 2))
        return;
    r.p += comp;
    enter_extensions(&r);
    unsigned type;
    struct rd e;
    while (next_extension(&r, &type, &e)) {
        if (type == EXT_SERVER_NAME && have(&e, 2)) {
            u16(&e);
            while (have(&e, 3)) {
                unsigned name_type = u8(&e), n = u16(&e);
                if (!have(&e, n))
                    break;
                if (name_type == 0) {
                    size_t used = 0;
                    copy_name(t->sni, sizeof t->sni, &used, e.p, n);
                    break;
                }
                e.p += n;
            }
        } else if (type == EXT_ALPN && have(&e, 2)) {
            u16(&e);
            size_t used = 0;
            while (have(&e, 1)) {
                unsigned n = u8(&e);
                if (!have(&e, n))
                    break;
                if (used && used + 1 < sizeof t->alpn) {
                    t->alpn[used++] = ',';
                    t->alpn[used] = '\0';
                }
                copy_name(t->alpn, sizeof t->alpn, &used, e.p, n);
                e.p += n;
            }
        }
    }
}

/* ServerHello (RFC 8446 §4.1.3): the version, from supported_versions when present. */
static void
parse_server_hello(struct tlsrec *t, struct rd r)
{
    if (!have(&r, 2 + 32 + 1))
        return;
    t->version = u16(&r);
    memcpy(t->hellos.server_random, r.p, 32);
    r.p += 32;
    unsigned sid = u8(&r);
    if (!have(&r, sid + 2 + 1 + 2))
        return;
    r.p += sid;
    t->hellos.suite = (uint16_t)u16(&r);
    t->hellos.server_seen = true;
    r.p += 1;
    enter_extensions(&r);
    unsigned type;
    struct rd e;
    while (next_extension(&r, &type, &e))
        if (type == EXT_SUPPORTED_VERSIONS && e.end - e.p == 2)
            t->version = u16(&e);
    t->hellos.version = t->version;
}

/* A hello may span records: parse once its handshake message is complete. */
static void
hello_bytes(struct tlsrec *t, int dir, const uint8_t *data, size_t len)
{
    struct direction *d = &t->d[dir];
    if (d->hello_done)
        return;
    if (d->hello.len + len > MAX_HELLO) {
        d->hello_done = true; /* absurdly large: give up on the details */
        if (dir == 0)
            push(t, TLSREC_CLIENT_HELLO, 0);
        return;
    }
    buf_append(&d->hello, data, len);
    if (d->hello.len < 4)
        return;
    const uint8_t *h = (const uint8_t *)d->hello.data;
    size_t body = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (d->hello.len < 4 + body)
        return;
    d->hello_done = true;
    struct rd r = {h + 4, h + 4 + body};
    if (dir == 0 && h[0] == HS_CLIENT_HELLO) {
        parse_client_hello(t, r);
        push(t, TLSREC_CLIENT_HELLO, 0);
        t->events[t->nevents - 1].sni = t->sni[0] ? t->sni : NULL;
        t->events[t->nevents - 1].alpn = t->alpn[0] ? t->alpn : NULL;
    } else if (dir == 1 && h[0] == HS_SERVER_HELLO) {
        parse_server_hello(t, r);
    }
    buf_clear(&d->hello);
}

static void
record_started(struct tlsrec *t, int dir)
{
    struct direction *d = &t->d[dir];
    if (d->type == REC_CHANGE_CIPHER_SPEC || d->type == REC_APPLICATION_DATA)
        d->encrypted = true;
    if (d->type == REC_ALERT && !t->established)
        push(t, TLSREC_ALERT, dir);
    if (!t->established && t->d[0].encrypted && t->d[1].encrypted) {
        t->established = true;
        push(t, TLSREC_ESTABLISHED, dir);
        t->events[t->nevents - 1].version = t->version;
    }
}

void
tlsrec_feed(struct tlsrec *t, int dir, const uint8_t *data, size_t len)
{
    struct direction *d = &t->d[dir & 1];
    dir &= 1;
    while (len && !d->not_tls) {
        if (d->left == 0) {
            size_t take = 5 - d->hdr_len;
            if (take > len)
                take = len;
            memcpy(d->hdr + d->hdr_len, data, take);
            d->hdr_len += take;
            data += take;
            len -= take;
            if (d->hdr_len < 5)
                return;
            d->hdr_len = 0;
            d->type = d->hdr[0];
            size_t rlen = (size_t)d->hdr[3] << 8 | d->hdr[4];
            /* RFC 8446 §5.1: a content type 20–23, version 3.x, at most 2^14 + 2048 bytes */
            if (d->type < 20 || d->type > 23 || d->hdr[1] != 3 || rlen > 16384 + 2048) {
                d->not_tls = true;
                push(t, TLSREC_NOT_TLS, dir);
                return;
            }
            d->left = rlen;
            record_started(t, dir);
            if (rlen == 0)
                continue;
        }
        size_t take = d->left < len ? d->left : len;
        if (d->type == REC_HANDSHAKE && !d->encrypted)
            hello_bytes(t, dir, data, take);
        d->left -= take;
        data += take;
        len -= take;
    }
}

bool
tlsrec_next(struct tlsrec *t, struct tlsrec_event *out)
{
    if (t->next >= t->nevents) {
        t->next = t->nevents = 0;
        return false;
    }
    *out = t->events[t->next++];
    return true;
}

const struct tlsrec_hellos *
tlsrec_hellos(const struct tlsrec *t)
{
    return &t->hellos;
}

bool
tlsrec_established(const struct tlsrec *t)
{
    return t->established;
}

bool
tlsrec_looks_like_client_hello(const uint8_t *data, size_t len)
{
    return len >= 6 && data[0] == REC_HANDSHAKE && data[1] == 3 && data[5] == HS_CLIENT_HELLO;
}

bool
tlsrec_alpn_has(const char *alpn, const char *proto)
{
    size_t n = strlen(proto);
    for (const char *p = alpn; p && (p = strstr(p, proto)); p++)
        if ((p == alpn || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return true;
    return false;
}
