/* pcapng: a bounded, bounds-checked block reader (draft-ietf-opsawg-pcapng §4). */
#include <config.h>
#include "pcapng.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "tally.h"
#include "xalloc.h"

/* block types (§4.1, §4.2, §4.3, §4.4, Appendix A) */
#define BT_SHB UINT32_C(0x0A0D0D0A) /* the same in both byte orders */
#define BT_IDB 1
#define BT_PB 2 /* obsolete Packet Block */
#define BT_SPB 3
#define BT_EPB 6
#define BYTE_ORDER_MAGIC UINT32_C(0x1A2B3C4D)
#define BYTE_ORDER_SWAPPED UINT32_C(0x4D3C2B1A)

/* options (§3.5, §4.2) */
#define OPT_ENDOFOPT 0
#define IF_TSRESOL 9
#define IF_TSOFFSET 14

/* block lengths: type, length, the trailing length, and each kind's fixed fields */
#define BLOCK_MIN 12
#define SHB_MIN 28
#define IDB_MIN 20
#define EPB_MIN 32
#define PB_MIN 32
#define SPB_MIN 16

/*
 * Blocks up to this size are read whole into the buffer; a packet, interface
 * or section block larger than that is damage (a real packet is at most
 * 256 KiB), any other block is skipped without being kept.
 */
#define MAX_BLOCK ((size_t)4 << 20)
#define START_BUFFER ((size_t)256 * 1024)
/* Interfaces per section (each costs a few bytes; a hostile file may declare millions). */
#define MAX_INTERFACES 65536

/* Reasons to count: packets skipped or changed (first: packet), blocks (first: offset). */
enum trouble {
    T_NO_IDB,       /* packet of an interface no IDB described (arg: interface) */
    T_SHORT_IDB,    /* packet of an interface whose IDB is too short (arg: interface) */
    T_CAPLEN,       /* captured length past the end of its block */
    T_SHORT_PACKET, /* packet block shorter than its fixed fields */
    T_TIME_RANGE,   /* time stamp not representable: the previous one used */
    T_NO_TIME,      /* simple packet block: no time stamp, the previous one used */
    T_OPTIONS,      /* IDB options damaged (arg: interface) */
    T_TSRESOL,      /* unusable if_tsresol (arg: interface) */
    T_TSOFFSET,     /* if_tsoffset of the wrong length (arg: interface) */
    T_MANY_IFACES,  /* IDBs past MAX_INTERFACES */
    T_BIG_BLOCK,    /* other blocks larger than MAX_BLOCK, skipped unread */
};

struct iface {
    int dlt;          /* libpcap DLT_* of its link type; -1: its IDB is too short to say */
    uint32_t snaplen; /* 0: none */
    uint64_t units;   /* time stamp units per second */
    int shift;        /* units is 2^shift (a binary if_tsresol), or -1 */
    int64_t offset_s; /* if_tsoffset: seconds to add */
};

struct pcapng {
    struct source *src; /* borrowed */
    uint8_t *buf;
    size_t cap, pos, end; /* the unread bytes are buf[pos..end) */
    long long offset;     /* file offset of buf[pos] */
    bool src_end, src_failed;
    char src_error[256];
    bool swap;     /* the section's byte order is not the host's */
    long sections; /* section header blocks read */
    struct iface *ifs;
    size_t nifs, ifs_cap;
    long number; /* packet blocks seen */
    usec_t last_time;
    int status; /* 1 while blocks may follow, then the final 0 or -1 */
    char final_error[320];
    struct tally trouble;
};

/* ---- bytes ------------------------------------------------------------------ */

static uint16_t
rd16(const struct pcapng *r, const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return r->swap ? (uint16_t)(v >> 8 | v << 8) : v;
}

static uint32_t
rd32(const struct pcapng *r, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    if (r->swap)
        v = (v >> 24) | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | (v << 24);
    return v;
}

/* A 64-bit value as two 32-bit halves, the high one first (time stamps, §4.3). */
static uint64_t
rd64_halves(const struct pcapng *r, const uint8_t *p)
{
    return (uint64_t)rd32(r, p) << 32 | rd32(r, p + 4);
}

/* A 64-bit option value in the section's byte order. */
static uint64_t
rd64(const struct pcapng *r, const uint8_t *p)
{
    uint64_t lo = rd32(r, p), hi = rd32(r, p + 4);
    return r->swap ? lo << 32 | hi : hi << 32 | lo;
}

/*
 * Makes the next |n| bytes readable at buf + pos (n <= MAX_BLOCK). The
 * unread bytes move to the front before a read, so each read fills what is
 * left of the buffer. False at the end of the file or on a source error.
 */
static bool
fill(struct pcapng *r, size_t n)
{
    if (r->end - r->pos >= n)
        return true;
    size_t have = r->end - r->pos;
    if (n > r->cap) {
        size_t cap = r->cap;
        while (cap < n)
            cap *= 2;
        uint8_t *nb = xmalloc(cap);
        memcpy(nb, r->buf + r->pos, have);
        free(r->buf);
        r->buf = nb;
        r->cap = cap;
    } else if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, have);
    }
    r->pos = 0;
    r->end = have;
    while (r->end < n) {
        if (r->src_end || r->src_failed)
            return false;
        ssize_t got = source_read(r->src, (char *)r->buf + r->end, r->cap - r->end, r->src_error,
                                  sizeof r->src_error);
        if (got < 0)
            r->src_failed = true;
        else if (got == 0)
            r->src_end = true;
        else
            r->end += (size_t)got;
    }
    return true;
}

static void
consume(struct pcapng *r, size_t n)
{
    r->pos += n;
    r->offset += (long long)n;
}

/* ---- the end ------------------------------------------------------------------ */

static const char *
block_name(uint32_t type)
{
    switch (type) {
    case BT_SHB:
        return "section header block";
    case BT_IDB:
        return "interface description block";
    case BT_EPB:
        return "enhanced packet block";
    case BT_SPB:
        return "simple packet block";
    case BT_PB:
        return "packet block";
    default:
        return "block";
    }
}

static int fail(struct pcapng *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ends the reading with a reason; returns -1. */
static int
fail(struct pcapng *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->final_error, sizeof r->final_error, fmt, ap);
    va_end(ap);
    r->status = -1;
    return -1;
}

/* The file ended (or could not be read) inside a block of |len| bytes starting at the current
 * offset. */
static int
fail_cut(struct pcapng *r, uint32_t type, size_t len)
{
    if (r->src_failed)
        return fail(r, "%s", r->src_error);
    return fail(
        r,
        "truncated capture: the file ends inside a %s (length %zu at offset %lld, %zu bytes "
        "present)",
        block_name(type), len, r->offset, r->end - r->pos);
}

/* ---- interfaces -------------------------------------------------------------------- */

/* libpcap's DLT_* for a LINKTYPE_* of the file, where the two differ (pcap-common.c). */
static int
dlt_of_linktype(uint16_t linktype)
{
    switch (linktype) {
    case 101: /* LINKTYPE_RAW */
        return DLT_RAW;
    case 108: /* LINKTYPE_LOOP */
        return DLT_LOOP;
    default:
        return linktype;
    }
}

/* if_tsresol (§4.2): 10^-v seconds, or 2^-(v & 0x7f) when the top bit is set. */
static bool
set_resolution(struct iface *f, uint8_t v)
{
    if (v & 0x80) {
        unsigned s = v & 0x7fu;
        if (s > 63)
            return false;
        f->units = UINT64_C(1) << s;
        f->shift = (int)s;
        return true;
    }
    if (v > 19) /* 10^20 does not fit in 64 bits */
        return false;
    f->units = 1;
    for (unsigned i = 0; i < v; i++)
        f->units *= 10;
    f->shift = -1;
    return true;
}

/* The options of an IDB: |o| holds |n| bytes, up to the trailing length. */
static void
idb_options(struct pcapng *r, struct iface *f, long index, const uint8_t *o, size_t n)
{
    size_t i = 0;
    while (i + 4 <= n) {
        uint16_t code = rd16(r, o + i), len = rd16(r, o + i + 2);
        if (code == OPT_ENDOFOPT)
            return;
        size_t padded = ((size_t)len + 3) & ~(size_t)3;
        if (padded > n - i - 4) {
            /* the rest is unreadable; what came before stands */
            tally_add(&r->trouble, T_OPTIONS, index, r->offset);
            return;
        }
        const uint8_t *v = o + i + 4;
        if (code == IF_TSRESOL) {
            if (len != 1 || !set_resolution(f, v[0])) {
                tally_add(&r->trouble, T_TSRESOL, index, r->offset);
                f->units = 1000000;
                f->shift = -1;
            }
        } else if (code == IF_TSOFFSET) {
            if (len == 8)
                f->offset_s = (int64_t)rd64(r, v);
            else
                tally_add(&r->trouble, T_TSOFFSET, index, r->offset);
        }
        i += 4 + padded;
    }
}

static void
interface_description(struct pcapng *r, const uint8_t *b, size_t len)
{
    if (r->nifs == MAX_INTERFACES) {
        tally_add(&r->trouble, T_MANY_IFACES, 0, r->offset);
        return;
    }
    if (r->nifs == r->ifs_cap) {
        r->ifs_cap = r->ifs_cap ? r->ifs_cap * 2 : 8;
        r->ifs = xrealloc(r->ifs, r->ifs_cap * sizeof *r->ifs);
    }
    struct iface *f = &r->ifs[r->nifs];
    *f = (struct iface){.dlt = -1, .units = 1000000, .shift = -1};
    long index = (long)r->nifs++;
    if (len < IDB_MIN)
        return; /* it still takes its number: the packets that name it are skipped */
    f->dlt = dlt_of_linktype(rd16(r, b + 8));
    f->snaplen = rd32(r, b + 12);
    idb_options(r, f, index, b + 16, len - IDB_MIN);
}

/* ---- packets ----------------------------------------------------------------------- */

/* floor(a * m / 2^s) for a < 2^s, s < 64, m < 2^32, without overflow. */
static uint64_t
mul_shift(uint64_t a, uint32_t m, int s)
{
    uint64_t lo = (a & 0xffffffffu) * m, hi = (a >> 32) * m;
    /* a * m = hi * 2^32 + lo, as a 128-bit pair (top, low) */
    uint64_t low = lo + (hi << 32);
    uint64_t top = (hi >> 32) + (low < lo);
    if (s == 0)
        return low;
    return top << (64 - s) | low >> s;
}

/* The UTC time of a time stamp |ts| of interface |f|; false when it does not fit in usec_t. */
static bool
packet_time(const struct iface *f, uint64_t ts, usec_t *out)
{
    uint64_t sec = ts / f->units, frac = ts % f->units, us;
    if (f->shift >= 0)
        us = mul_shift(frac, 1000000, f->shift);
    else if (f->units >= 1000000)
        us = frac / (f->units / 1000000);
    else
        us = frac * (1000000 / f->units);
    const int64_t max_s = INT64_MAX / 1000000 - 1;
    if (sec > (uint64_t)max_s)
        return false;
    int64_t s = (int64_t)sec;
    if ((f->offset_s > 0 && s > max_s - f->offset_s) ||
        (f->offset_s < 0 && s + f->offset_s < -max_s))
        return false;
    *out = (s + f->offset_s) * 1000000 + (int64_t)us;
    return true;
}

/*
 * Hands out packet |number| of interface |id| if it can be read; 0 (counted)
 * when it is skipped. |has_time|: false for a simple packet block.
 */
static int
deliver(struct pcapng *r, uint32_t id, bool has_time, uint64_t ts, const uint8_t *data,
        uint32_t caplen, uint32_t wirelen, struct capture_packet *out)
{
    if (id >= r->nifs) {
        tally_add(&r->trouble, T_NO_IDB, (long)id, r->number);
        return 0;
    }
    const struct iface *f = &r->ifs[id];
    if (f->dlt < 0) {
        tally_add(&r->trouble, T_SHORT_IDB, (long)id, r->number);
        return 0;
    }
    usec_t t = r->last_time;
    if (!has_time)
        tally_add(&r->trouble, T_NO_TIME, 0, r->number);
    else if (!packet_time(f, ts, &t))
        tally_add(&r->trouble, T_TIME_RANGE, 0, r->number);
    r->last_time = t;
    out->time = t;
    out->linktype = f->dlt;
    out->data = data;
    out->caplen = caplen;
    out->len = wirelen;
    out->number = r->number;
    return 1;
}

/* Enhanced packet block (§4.3) and the obsolete packet block (Appendix A): the same fields. */
static int
timed_packet(struct pcapng *r, uint32_t type, const uint8_t *b, size_t len,
             struct capture_packet *out)
{
    r->number++;
    if (len < EPB_MIN) {
        tally_add(&r->trouble, T_SHORT_PACKET, 0, r->number);
        return 0;
    }
    uint32_t id = type == BT_EPB ? rd32(r, b + 8) : rd16(r, b + 8);
    uint64_t ts = rd64_halves(r, b + 12);
    uint32_t caplen = rd32(r, b + 20), wirelen = rd32(r, b + 24);
    if (caplen > len - EPB_MIN) {
        tally_add(&r->trouble, T_CAPLEN, 0, r->number);
        return 0;
    }
    return deliver(r, id, true, ts, b + 28, caplen, wirelen, out);
}

/* Simple packet block (§4.4): interface 0, no time stamp, the captured length implied. */
static int
simple_packet(struct pcapng *r, const uint8_t *b, size_t len, struct capture_packet *out)
{
    r->number++;
    if (len < SPB_MIN) {
        tally_add(&r->trouble, T_SHORT_PACKET, 0, r->number);
        return 0;
    }
    uint32_t wirelen = rd32(r, b + 8);
    size_t caplen = len - SPB_MIN;
    if (wirelen < caplen)
        caplen = wirelen;
    if (r->nifs > 0 && r->ifs[0].snaplen && r->ifs[0].snaplen < caplen)
        caplen = r->ifs[0].snaplen;
    return deliver(r, 0, false, 0, b + 12, (uint32_t)caplen, wirelen, out);
}

/* ---- blocks ------------------------------------------------------------------------ */

static int
section_header(struct pcapng *r, const uint8_t *b, size_t len)
{
    if (len < SHB_MIN)
        return fail(r, "section header block at offset %lld: length %zu is shorter than %d bytes",
                    r->offset, len, SHB_MIN);
    uint16_t major = rd16(r, b + 12), minor = rd16(r, b + 14);
    if (major != 1)
        return fail(r, "section header block at offset %lld: pcapng version %u.%u is not supported",
                    r->offset, major, minor);
    r->sections++;
    r->nifs = 0; /* interface numbers start again in each section */
    return 0;
}

/* Skips a block too large to keep, reading it in pieces; checks its trailing length. */
static int
skip_block(struct pcapng *r, uint32_t type, uint32_t len)
{
    long long start = r->offset;
    size_t left = len - 4;
    while (left > 0) {
        if (!fill(r, 1))
            return fail_cut(r, type, len);
        size_t n = r->end - r->pos < left ? r->end - r->pos : left;
        consume(r, n);
        left -= n;
    }
    if (!fill(r, 4))
        return fail_cut(r, type, len);
    if (rd32(r, r->buf + r->pos) != len)
        return fail(r,
                    "block at offset %lld: its length at the end differs from the %u at its start",
                    start, len);
    consume(r, 4);
    tally_add(&r->trouble, T_BIG_BLOCK, 0, start);
    return 0;
}

/*
 * Reads one block. Returns 1 when it was a packet handed out in |out|, 0 when
 * it was anything else (or a skipped packet), 2 at the end of the file, -1
 * when the block structure is damaged.
 */
static int
one_block(struct pcapng *r, struct capture_packet *out)
{
    if (!fill(r, 8)) {
        if (r->end == r->pos && !r->src_failed)
            return 2;
        return fail_cut(r, 0, 8);
    }
    const uint8_t *b = r->buf + r->pos;
    uint32_t type;
    memcpy(&type, b, 4);
    if (type == BT_SHB) {
        /* the byte order of the new section decides how its lengths read */
        if (!fill(r, 12))
            return fail_cut(r, BT_SHB, 12);
        b = r->buf + r->pos;
        uint32_t bom;
        memcpy(&bom, b + 8, 4);
        if (bom != BYTE_ORDER_MAGIC && bom != BYTE_ORDER_SWAPPED)
            return fail(r,
                        "section header block at offset %lld: byte-order magic %02x%02x%02x%02x is "
                        "not 1a2b3c4d in either order",
                        r->offset, b[8], b[9], b[10], b[11]);
        r->swap = bom == BYTE_ORDER_SWAPPED;
    } else {
        type = rd32(r, b);
    }
    uint32_t len = rd32(r, b + 4);
    if (len < BLOCK_MIN || len % 4 != 0)
        return fail(r, "%s at offset %lld: length %u is %s", block_name(type), r->offset, len,
                    len < BLOCK_MIN ? "shorter than a block can be" : "not a multiple of 4");
    if (len > MAX_BLOCK) {
        if (type == BT_SHB || type == BT_IDB || type == BT_EPB || type == BT_SPB || type == BT_PB)
            return fail(
                r, "%s at offset %lld: length %u is larger than the %zu MiB such a block may have",
                block_name(type), r->offset, len, MAX_BLOCK >> 20);
        return skip_block(r, type, len);
    }
    if (!fill(r, len))
        return fail_cut(r, type, len);
    b = r->buf + r->pos;
    uint32_t trailer = rd32(r, b + len - 4);
    if (trailer != len)
        return fail(
            r,
            "%s at offset %lld: its length at the end, %u, differs from the length %u at its start",
            block_name(type), r->offset, trailer, len);
    int rc = 0;
    switch (type) {
    case BT_SHB:
        rc = section_header(r, b, len);
        break;
    case BT_IDB:
        interface_description(r, b, len);
        break;
    case BT_EPB:
    case BT_PB:
        rc = timed_packet(r, type, b, len, out);
        break;
    case BT_SPB:
        rc = simple_packet(r, b, len, out);
        break;
    default:
        break; /* name resolution, statistics, decryption secrets, custom blocks: not needed */
    }
    if (rc >= 0)
        consume(r, len); /* the packet's bytes stay where they are until the next fill */
    return rc;
}

/* ---- API ------------------------------------------------------------------------- */

struct pcapng *
pcapng_open(struct source *src, const char *head, size_t head_len, char *errbuf, size_t errlen)
{
    struct pcapng *r = xcalloc(1, sizeof *r);
    r->src = src;
    r->cap = head_len > START_BUFFER ? head_len : START_BUFFER;
    r->buf = xmalloc(r->cap);
    if (head_len)
        memcpy(r->buf, head, head_len);
    r->end = head_len;
    r->status = 1;
    /* the file must begin with a section header this reader understands */
    uint32_t type = 0;
    if (fill(r, 4))
        memcpy(&type, r->buf, 4);
    struct capture_packet unused;
    if (type != BT_SHB) {
        if (r->src_failed)
            snprintf(errbuf, errlen, "%s", r->src_error);
        else if (r->end < 4)
            snprintf(errbuf, errlen, "truncated capture: %zu bytes", r->end);
        else
            snprintf(errbuf, errlen, "not a pcapng file: no section header block at its start");
        pcapng_close(r);
        return NULL;
    }
    if (one_block(r, &unused) != 0) {
        snprintf(errbuf, errlen, "%s", r->status < 0 ? r->final_error : "empty capture");
        pcapng_close(r);
        return NULL;
    }
    return r;
}

void
pcapng_close(struct pcapng *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r->ifs);
    free(r);
}

int
pcapng_next(struct pcapng *r, struct capture_packet *out, char *errbuf, size_t errlen)
{
    while (r->status == 1) {
        int rc = one_block(r, out);
        if (rc == 1)
            return 1;
        if (rc == 2)
            r->status = 0;
    }
    if (r->status < 0)
        snprintf(errbuf, errlen, "%s", r->final_error);
    return r->status;
}

long
pcapng_packets(const struct pcapng *r)
{
    return r->number;
}

/* How each kind of trouble is told: "<count> <noun>s <text> (interface <arg>)". */
static const struct {
    const char *noun, *text;
    bool interface; /* the tally's arg is an interface number */
    bool block;     /* its place is the block's offset, not a packet */
} troubles[] = {
    [T_NO_IDB] = {"packet", "skipped: no interface description block before them", true, false},
    [T_SHORT_IDB] = {"packet",
                     "skipped: their interface description block is too short to give a link type",
                     true, false},
    [T_CAPLEN] = {"packet", "skipped: captured length past the end of the block", false, false},
    [T_SHORT_PACKET] = {"packet block", "skipped: shorter than their fixed fields", false, false},
    [T_TIME_RANGE] = {"packet",
                      "with a time stamp out of range: the previous packet's time is used", false,
                      false},
    [T_NO_TIME] = {"simple packet block",
                   "without a time stamp: the previous packet's time is used", false, false},
    [T_OPTIONS] =
        {"interface description",
         "with an option that runs past the end of its block: the options before it are used", true,
         true},
    [T_TSRESOL] = {"interface description", "with an unusable if_tsresol: microseconds assumed",
                   true, true},
    [T_TSOFFSET] = {"interface description",
                    "with an if_tsoffset that is not 8 bytes long: ignored", true, true},
    [T_MANY_IFACES] = {"interface description", "past the 65536th of a section ignored", false,
                       true},
    [T_BIG_BLOCK] = {"block", "of more than 4 MiB skipped unread (not packets)", false, true},
};

void
pcapng_problems(const struct pcapng *r,
                void (*fn)(void *arg, const char *message, long packet, long long offset),
                void *arg)
{
    for (size_t i = 0; i < r->trouble.n; i++) {
        const struct tally_entry *e = &r->trouble.e[i];
        char msg[256];
        int n = snprintf(msg, sizeof msg, "%ld %s%s %s", e->count, troubles[e->code].noun,
                         e->count == 1 ? "" : "s", troubles[e->code].text);
        if (troubles[e->code].interface && n > 0 && (size_t)n < sizeof msg)
            snprintf(msg + n, sizeof msg - (size_t)n, " (interface %ld)", e->arg);
        if (troubles[e->code].block)
            fn(arg, msg, 0, e->first);
        else
            fn(arg, msg, (long)e->first, -1);
    }
}
