/* ipfrag: IP fragment reassembly, bounded in datagrams, bytes and capture time. */
#include <config.h>
#include "ipfrag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"
#include "xalloc.h"

/* The most an IP datagram can carry: the 16-bit total (IPv4) or payload (IPv6) length. */
#define MAX_PAYLOAD 65535
#define UNITS ((MAX_PAYLOAD + 7) / 8) /* fragment offsets count 8-byte units */

enum drop_reason {
    DROP_INCOMPLETE, /* fragments missing when its time ran out or the capture ended */
    DROP_CONFLICT,   /* overlapping fragments with different bytes, or two different ends */
    DROP_CUT,        /* a fragment cut by the snapshot length */
    DROP_MALFORMED,  /* a fragment past 64 KiB, or not a multiple of 8 bytes before the last */
    DROP_FULL,       /* more datagrams in reassembly than the table holds */
};

struct datagram {
    bool used;
    bool over; /* dropped or put together: kept until its time runs out, so */
               /* that its other fragments and their duplicates are ignored */
    int version;
    uint8_t src[16], dst[16];
    uint32_t id;
    uint8_t protocol;
    usec_t first_seen;
    long first_packet;
    uint8_t *header; /* from the fragment at offset 0; NULL until it comes */
    size_t header_len, frag_header_at;
    uint8_t *data; /* the payload so far */
    size_t data_cap;
    size_t total; /* the payload's length, once the last fragment came */
    bool have_total;
    size_t end_max; /* the furthest byte any fragment reached */
    size_t units_have;
    uint8_t have[(UNITS + 7) / 8]; /* which 8-byte units arrived */
};

struct ipfrag {
    struct datagram d[IPFRAG_MAX_DATAGRAMS];
    struct tally dropped;
    uint8_t *out; /* the last datagram put together */
    size_t out_cap;
    long reassembled;
};

struct ipfrag *
ipfrag_new(void)
{
    return xcalloc(1, sizeof(struct ipfrag));
}

static void
release(struct datagram *d)
{
    free(d->header);
    free(d->data);
    d->header = d->data = NULL;
    d->used = false;
}

void
ipfrag_free(struct ipfrag *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < IPFRAG_MAX_DATAGRAMS; i++)
        release(&f->d[i]);
    free(f->out);
    free(f);
}

/* Counts |d| as dropped for |why| and frees its bytes; its key stays until it expires. */
static void
drop(struct ipfrag *f, struct datagram *d, enum drop_reason why)
{
    tally_add(&f->dropped, why, 0, d->first_packet);
    free(d->header);
    free(d->data);
    d->header = d->data = NULL;
    d->data_cap = 0;
    d->over = true;
}

/* Ends the datagrams whose time ran out (the incomplete ones are counted). */
static void
expire(struct ipfrag *f, usec_t now)
{
    for (size_t i = 0; i < IPFRAG_MAX_DATAGRAMS; i++) {
        struct datagram *d = &f->d[i];
        if (d->used && now - d->first_seen > IPFRAG_TIMEOUT_USEC) {
            if (!d->over)
                tally_add(&f->dropped, DROP_INCOMPLETE, 0, d->first_packet);
            release(d);
        }
    }
}

static bool
same_key(const struct datagram *d, const struct ip_fragment *fr)
{
    size_t alen = fr->ip_version == 6 ? 16 : 4;
    return d->version == fr->ip_version && d->id == fr->id && d->protocol == fr->protocol &&
           memcmp(d->src, fr->src, alen) == 0 && memcmp(d->dst, fr->dst, alen) == 0;
}

/*
 * The datagram of |fr|: found, or a new one in a free slot, else in the
 * oldest finished one's, else in the oldest one's (which is then lost).
 */
static struct datagram *
find(struct ipfrag *f, const struct ip_fragment *fr, usec_t now, long packet)
{
    struct datagram *free_slot = NULL, *oldest = NULL, *oldest_over = NULL;
    for (size_t i = 0; i < IPFRAG_MAX_DATAGRAMS; i++) {
        struct datagram *d = &f->d[i];
        if (!d->used) {
            if (!free_slot)
                free_slot = d;
        } else if (same_key(d, fr)) {
            return d;
        } else if (d->over) {
            if (!oldest_over || d->first_seen < oldest_over->first_seen)
                oldest_over = d;
        } else if (!oldest || d->first_seen < oldest->first_seen) {
            oldest = d;
        }
    }
    struct datagram *d = free_slot ? free_slot : oldest_over;
    if (!d) {
        tally_add(&f->dropped, DROP_FULL, 0, oldest->first_packet);
        d = oldest;
    }
    release(d);
    memset(d, 0, sizeof *d);
    d->used = true;
    d->version = fr->ip_version;
    memcpy(d->src, fr->src, 16);
    memcpy(d->dst, fr->dst, 16);
    d->id = fr->id;
    d->protocol = fr->protocol;
    d->first_seen = now;
    d->first_packet = packet;
    return d;
}

/* False when the fragment's bytes disagree with those already there (RFC 5722). */
static bool
overlap_agrees(const struct datagram *d, const struct ip_fragment *fr, size_t end)
{
    for (size_t u = fr->offset / 8; u < (end + 7) / 8; u++) {
        if (!(d->have[u / 8] & (1u << (u % 8))))
            continue;
        size_t lo = u * 8 > fr->offset ? u * 8 : fr->offset;
        size_t hi = u * 8 + 8 < end ? u * 8 + 8 : end;
        if (memcmp(d->data + lo, fr->data + (lo - fr->offset), hi - lo) != 0)
            return false;
    }
    return true;
}

static void
store(struct datagram *d, const struct ip_fragment *fr, size_t end)
{
    if (end > d->data_cap) {
        size_t cap = d->data_cap ? d->data_cap : 2048;
        while (cap < end)
            cap *= 2;
        if (cap > MAX_PAYLOAD)
            cap = MAX_PAYLOAD;
        d->data = xrealloc(d->data, cap);
        d->data_cap = cap;
    }
    if (end > fr->offset)
        memcpy(d->data + fr->offset, fr->data, end - fr->offset);
    for (size_t u = fr->offset / 8; u < (end + 7) / 8; u++)
        if (!(d->have[u / 8] & (1u << (u % 8)))) {
            d->have[u / 8] |= (uint8_t)(1u << (u % 8));
            d->units_have++;
        }
    if (end > d->end_max)
        d->end_max = end;
    if (fr->offset == 0 && !d->header) {
        d->header = xmalloc(fr->header_len);
        memcpy(d->header, fr->header, fr->header_len);
        d->header_len = fr->header_len;
        d->frag_header_at = fr->frag_header_at;
    }
}

/* The whole IP packet of a complete datagram into f->out; false when it cannot be one. */
static bool
put_together(struct ipfrag *f, struct datagram *d, size_t *len)
{
    size_t ip_len = d->version == 4 ? d->header_len + d->total : d->header_len - 40 + d->total;
    if (ip_len > MAX_PAYLOAD)
        return false;
    *len = d->header_len + d->total;
    if (*len > f->out_cap) {
        f->out_cap = *len;
        f->out = xrealloc(f->out, f->out_cap);
    }
    uint8_t *o = f->out;
    memcpy(o, d->header, d->header_len);
    memcpy(o + d->header_len, d->data, d->total);
    o[d->version == 4 ? 2 : 4] = (uint8_t)(ip_len >> 8);
    o[d->version == 4 ? 3 : 5] = (uint8_t)ip_len;
    if (d->version == 4) {
        o[6] = o[7] = 0; /* flags and offset: a whole datagram (the checksum is not read) */
    } else {
        /* offset 0, M clear: an atomic fragment (RFC 6946), read as a whole packet */
        o[d->frag_header_at + 2] = o[d->frag_header_at + 3] = 0;
    }
    return true;
}

bool
ipfrag_add(struct ipfrag *f, const struct ip_fragment *fr, usec_t now, long packet,
           const uint8_t **out, size_t *out_len)
{
    expire(f, now);
    struct datagram *d = find(f, fr, now, packet);
    if (d->over)
        return false;
    size_t end = fr->offset + fr->wire_data_len;
    if (fr->data_len < fr->wire_data_len) {
        drop(f, d, DROP_CUT);
        return false;
    }
    if (end > MAX_PAYLOAD || (fr->more && (fr->wire_data_len % 8 != 0 || fr->wire_data_len == 0))) {
        drop(f, d, DROP_MALFORMED);
        return false;
    }
    if (!fr->more) {
        if ((d->have_total && d->total != end) || d->end_max > end) {
            drop(f, d, DROP_CONFLICT);
            return false;
        }
        d->total = end;
        d->have_total = true;
    } else if (d->have_total && end > d->total) {
        drop(f, d, DROP_CONFLICT);
        return false;
    }
    if (!overlap_agrees(d, fr, end)) {
        drop(f, d, DROP_CONFLICT);
        return false;
    }
    store(d, fr, end);
    if (!d->have_total || !d->header || d->units_have != (d->total + 7) / 8)
        return false;
    bool ok = put_together(f, d, out_len);
    if (!ok) {
        drop(f, d, DROP_MALFORMED);
        return false;
    }
    /* done: kept a while, so a duplicate of one of its fragments does not start another */
    free(d->header);
    free(d->data);
    d->header = d->data = NULL;
    d->data_cap = 0;
    d->over = true;
    f->reassembled++;
    *out = f->out;
    return true;
}

void
ipfrag_finish(struct ipfrag *f)
{
    for (size_t i = 0; i < IPFRAG_MAX_DATAGRAMS; i++) {
        struct datagram *d = &f->d[i];
        if (d->used && !d->over)
            tally_add(&f->dropped, DROP_INCOMPLETE, 0, d->first_packet);
        release(d);
    }
}

long
ipfrag_reassembled(const struct ipfrag *f)
{
    return f->reassembled;
}

void
ipfrag_problems(const struct ipfrag *f, void (*fn)(void *arg, const char *message, long packet),
                void *arg)
{
    static const char *const why[] = {
        [DROP_INCOMPLETE] = "fragments missing when its 30 s ran out or the capture ended",
        [DROP_CONFLICT] = "overlapping fragments with different bytes",
        [DROP_CUT] = "a fragment cut by the snapshot length",
        [DROP_MALFORMED] =
            "a fragment past 64 KiB, or one before the last not a multiple of 8 bytes",
        [DROP_FULL] = "more than 64 datagrams in reassembly at once",
    };
    for (size_t i = 0; i < f->dropped.n; i++) {
        const struct tally_entry *e = &f->dropped.e[i];
        char msg[200];
        snprintf(msg, sizeof msg, "%ld fragmented IP datagram%s dropped: %s", e->count,
                 e->count == 1 ? "" : "s", why[e->code]);
        fn(arg, msg, (long)e->first);
    }
}
