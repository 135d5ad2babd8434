/*
 * test_pcapng: the pcapng block reader. Held to libpcap on every real pcapng
 * of testdata/ and on every real pcap rewritten as pcapng in several
 * flavours; then what libpcap cannot read: mixed link types, packets before
 * their interface, hostile options, several sections, damage and cuts.
 */
#include <config.h>

#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <pcap/pcap.h>

#include "buf.h"
#include "pcapng.h"
#include "source.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* LINKTYPE_* values as files hold them */
#define LT_ETHERNET 1
#define LT_RAW 101
#define LT_USER0 147

/* 2026-11-25 14:49:06.278425 UTC in microseconds */
#define T0 INT64_C(1795618146278425)

/* ---- writing pcapng ------------------------------------------------------------ */

struct ng {
    struct buf b;
    bool be; /* the current section's byte order */
};

static void
w16(struct ng *n, uint16_t v)
{
    uint8_t x[2] = {n->be ? v >> 8 : v & 0xff, n->be ? v & 0xff : v >> 8};
    buf_append(&n->b, x, 2);
}

static void
w32(struct ng *n, uint32_t v)
{
    w16(n, n->be ? v >> 16 : v & 0xffff);
    w16(n, n->be ? v & 0xffff : v >> 16);
}

/* A block: type, length, |body| padded to 4 bytes, length again. */
static void
block(struct ng *n, uint32_t type, const void *body, size_t len)
{
    static const uint8_t zero[4] = {0};
    size_t pad = (4 - len % 4) % 4;
    uint32_t total = (uint32_t)(12 + len + pad);
    w32(n, type);
    w32(n, total);
    buf_append(&n->b, body, len);
    buf_append(&n->b, zero, pad);
    w32(n, total);
}

static void
shb(struct ng *n, bool be)
{
    n->be = be;
    struct ng body = {.be = be};
    w32(&body, UINT32_C(0x1A2B3C4D));
    w16(&body, 1);
    w16(&body, 0);
    w32(&body, UINT32_MAX); /* section length unknown */
    w32(&body, UINT32_MAX);
    block(n, UINT32_C(0x0A0D0D0A), body.b.data, body.b.len);
    buf_clear(&body.b);
}

/* An option: code, length, value padded to 4. */
static void
opt(struct ng *body, uint16_t code, const void *value, uint16_t len)
{
    static const uint8_t zero[4] = {0};
    w16(body, code);
    w16(body, len);
    buf_append(&body->b, value, len);
    buf_append(&body->b, zero, (4 - len % 4) % 4);
}

/* An IDB; |tsresol| < 0: none; |tsoffset| 0: none. */
static void
idb(struct ng *n, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    struct ng body = {.be = n->be};
    w16(&body, linktype);
    w16(&body, 0);
    w32(&body, snaplen);
    if (tsresol >= 0) {
        uint8_t v = (uint8_t)tsresol;
        opt(&body, 9, &v, 1);
    }
    if (tsoffset) {
        struct ng v = {.be = n->be};
        uint64_t u = (uint64_t)tsoffset;
        /* a 64-bit value in the section's byte order */
        if (n->be) {
            w32(&v, (uint32_t)(u >> 32));
            w32(&v, (uint32_t)u);
        } else {
            w32(&v, (uint32_t)u);
            w32(&v, (uint32_t)(u >> 32));
        }
        opt(&body, 14, v.b.data, 8);
        buf_clear(&v.b);
    }
    if (tsresol >= 0 || tsoffset)
        opt(&body, 0, NULL, 0);
    block(n, 1, body.b.data, body.b.len);
    buf_clear(&body.b);
}

static void
epb(struct ng *n, uint32_t iface, uint64_t ts, const void *data, uint32_t caplen, uint32_t len)
{
    struct ng body = {.be = n->be};
    w32(&body, iface);
    w32(&body, (uint32_t)(ts >> 32));
    w32(&body, (uint32_t)ts);
    w32(&body, caplen);
    w32(&body, len);
    buf_append(&body.b, data, caplen);
    block(n, 6, body.b.data, body.b.len);
    buf_clear(&body.b);
}

/* The obsolete packet block: a 16-bit interface and a drops count. */
static void
pb(struct ng *n, uint16_t iface, uint64_t ts, const void *data, uint32_t caplen)
{
    struct ng body = {.be = n->be};
    w16(&body, iface);
    w16(&body, 0);
    w32(&body, (uint32_t)(ts >> 32));
    w32(&body, (uint32_t)ts);
    w32(&body, caplen);
    w32(&body, caplen);
    buf_append(&body.b, data, caplen);
    block(n, 2, body.b.data, body.b.len);
    buf_clear(&body.b);
}

static void
spb(struct ng *n, const void *data, uint32_t len)
{
    struct ng body = {.be = n->be};
    w32(&body, len);
    buf_append(&body.b, data, len);
    block(n, 3, body.b.data, body.b.len);
    buf_clear(&body.b);
}

/* ---- reading ------------------------------------------------------------------ */

struct pkt {
    usec_t time;
    int linktype;
    uint32_t caplen, len;
    long number;
    uint8_t *data;
};

struct got {
    bool opened;
    struct pkt *v;
    size_t n;
    int end;
    char err[320];
    char problems[4096]; /* "packet@offset message\n" per problem */
    long seen;
};

static void
got_clear(struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->v[i].data);
    free(g->v);
    memset(g, 0, sizeof *g);
}

static void
add_pkt(struct pkt **v, size_t *n, const struct pkt *p, const void *data)
{
    *v = realloc(*v, (*n + 1) * sizeof **v);
    cr_assert_not_null(*v);
    (*v)[*n] = *p;
    (*v)[*n].data = malloc(p->caplen ? p->caplen : 1);
    cr_assert_not_null((*v)[*n].data);
    if (p->caplen)
        memcpy((*v)[*n].data, data, p->caplen);
    (*n)++;
}

static void
on_problem(void *arg, const char *message, long packet, long long offset)
{
    struct got *g = arg;
    size_t used = strlen(g->problems);
    snprintf(g->problems + used, sizeof g->problems - used, "%ld@%lld %s\n", packet, offset,
             message);
}

static char tmpdir[64];

static void
setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/xmppflow-pcapng-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void
teardown(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/f.pcapng", tmpdir);
    unlink(path);
    rmdir(tmpdir);
}

static const char *
write_tmp(const void *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/f.pcapng", tmpdir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* Reads |path| with the block reader, |head| bytes read before pcapng_open. */
static void
read_ng_file(const char *path, size_t head, struct got *g)
{
    memset(g, 0, sizeof *g);
    char err[256];
    struct source *src = source_open(path, err, sizeof err);
    cr_assert_not_null(src, "%s: %s", path, err);
    struct buf h = {0};
    char chunk[4096];
    while (h.len < head) {
        size_t want = head - h.len < sizeof chunk ? head - h.len : sizeof chunk;
        ssize_t n = source_read(src, chunk, want, err, sizeof err);
        if (n <= 0)
            break;
        buf_append(&h, chunk, (size_t)n);
    }
    struct pcapng *r = pcapng_open(src, h.data, h.len, g->err, sizeof g->err);
    buf_clear(&h);
    if (!r) {
        cr_expect_neq(g->err[0], '\0', "pcapng_open failed without a reason");
        source_close(src);
        return;
    }
    g->opened = true;
    struct capture_packet cp;
    int rc;
    while ((rc = pcapng_next(r, &cp, g->err, sizeof g->err)) == 1) {
        struct pkt p = {cp.time, cp.linktype, cp.caplen, cp.len, cp.number, NULL};
        add_pkt(&g->v, &g->n, &p, cp.data);
    }
    g->end = rc;
    char again[320] = "";
    cr_expect_eq(pcapng_next(r, &cp, again, sizeof again), rc, "the end is not final");
    if (rc < 0)
        cr_expect_str_eq(again, g->err, "the reason is not repeated");
    g->seen = pcapng_packets(r);
    pcapng_problems(r, on_problem, g);
    pcapng_close(r);
    source_close(src);
}

static void
read_ng(const struct ng *n, struct got *g)
{
    read_ng_file(write_tmp(n->b.data, n->b.len), 4096, g);
}

/* The same file through libpcap, time stamps in microseconds. */
static void
read_libpcap(const char *path, struct got *g)
{
    memset(g, 0, sizeof *g);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!p) {
        snprintf(g->err, sizeof g->err, "%s", err);
        return;
    }
    g->opened = true;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    long number = 0;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        struct pkt k = {(usec_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
                        pcap_datalink(p),
                        h->caplen,
                        h->len,
                        ++number,
                        NULL};
        add_pkt(&g->v, &g->n, &k, data);
    }
    g->end = rc == PCAP_ERROR_BREAK ? 0 : -1;
    if (rc == PCAP_ERROR)
        snprintf(g->err, sizeof g->err, "%s", pcap_geterr(p));
    pcap_close(p);
}

static void
expect_same(const struct got *want, const struct got *got, const char *what)
{
    cr_expect_eq(got->n, want->n, "%s: %zu packets, want %zu", what, got->n, want->n);
    for (size_t i = 0; i < want->n && i < got->n; i++) {
        const struct pkt *w = &want->v[i], *g = &got->v[i];
        if (w->time != g->time || w->caplen != g->caplen || w->len != g->len ||
            w->linktype != g->linktype || w->number != g->number ||
            memcmp(w->data, g->data, w->caplen) != 0)
            cr_expect_fail("%s: packet %zu differs (time %lld/%lld, caplen %u/%u, len %u/%u, "
                           "linktype %d/%d, number %ld/%ld)",
                           what, i + 1, (long long)g->time, (long long)w->time, g->caplen,
                           w->caplen, g->len, w->len, g->linktype, w->linktype, g->number,
                           w->number);
    }
}

/* A TCP SYN over raw IPv4, 10.0.0.1:40000 → 10.0.0.2:5222. */
static const uint8_t syn[40] = {
    0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10,   0,
    0,    1,    10,   0,    0,    2,    0x9c, 0x40, 0x14, 0x66, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
};

TestSuite(pcapng, .init = setup, .fini = teardown);

/* ---- against libpcap -------------------------------------------------------------- */

Test(pcapng, same_packets_as_libpcap_on_every_real_pcapng)
{
    const char *dir = getenv("TESTDATA");
    cr_assert_not_null(dir, "TESTDATA is not set");
    char pattern[512];
    snprintf(pattern, sizeof pattern, "%s/*/*.pcapng", dir);
    glob_t gl;
    memset(&gl, 0, sizeof gl);
    cr_assert_eq(glob(pattern, 0, NULL, &gl), 0, "no pcapng under %s", dir);
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        struct got ours, theirs;
        read_libpcap(gl.gl_pathv[i], &theirs);
        cr_assert(theirs.opened, "%s: libpcap: %s", gl.gl_pathv[i], theirs.err);
        cr_expect_gt(theirs.n, 0, "%s", gl.gl_pathv[i]);
        static const size_t heads[] = {0, 1, 4, 27, 28, 4096};
        for (size_t h = 0; h < NELEMS(heads); h++) {
            read_ng_file(gl.gl_pathv[i], heads[h], &ours);
            cr_expect(ours.opened, "%s: %s", gl.gl_pathv[i], ours.err);
            cr_expect_eq(ours.end, theirs.end, "%s: end %d (%s)", gl.gl_pathv[i], ours.end,
                         ours.err);
            expect_same(&theirs, &ours, gl.gl_pathv[i]);
            cr_expect_str_eq(ours.problems, "", "%s", gl.gl_pathv[i]);
            got_clear(&ours);
        }
        got_clear(&theirs);
    }
    globfree(&gl);
}

/*
 * Every real pcap of testdata/, rewritten as pcapng: both byte orders, time
 * stamps in micro-, nano- and milliseconds, in 2^-20 s and 2^-30 s, with a
 * time offset; libpcap and the block reader must agree on every packet.
 */
Test(pcapng, same_packets_as_libpcap_on_every_real_pcap_rewritten_as_pcapng)
{
    const char *dir = getenv("TESTDATA");
    cr_assert_not_null(dir, "TESTDATA is not set");
    char pattern[512];
    snprintf(pattern, sizeof pattern, "%s/*/*.pcap", dir);
    glob_t gl;
    memset(&gl, 0, sizeof gl);
    cr_assert_eq(glob(pattern, 0, NULL, &gl), 0);
    static const struct {
        bool be;
        int tsresol;
        int64_t offset;
    } flavours[] = {
        {false, -1, 0},        {true, 9, 0},       {false, 3, 0},   {true, 0x80 | 30, 0},
        {false, 0x80 | 20, 0}, {false, 6, -86400}, {true, 9, 3600},
    };
    size_t files = 0;
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        struct got orig;
        read_libpcap(gl.gl_pathv[i], &orig);
        if (!orig.opened || orig.end != 0)
            goto next; /* the damaged ones of derived/ */
        files++;
        for (size_t f = 0; f < NELEMS(flavours); f++) {
            struct ng n = {0};
            shb(&n, flavours[f].be);
            /* libpcap's DLT_RAW is LINKTYPE_RAW in files */
            int dlt = orig.n ? orig.v[0].linktype : DLT_EN10MB;
            idb(&n, dlt == DLT_RAW ? LT_RAW : (uint16_t)dlt, 262144, flavours[f].tsresol,
                flavours[f].offset);
            int r = flavours[f].tsresol < 0 ? 6 : flavours[f].tsresol;
            for (size_t k = 0; k < orig.n; k++) {
                /* the original time in the flavour's units, the offset taken off */
                uint64_t us = (uint64_t)(orig.v[k].time - flavours[f].offset * 1000000);
                uint64_t sec = us / 1000000, frac = us % 1000000, ts;
                if (r & 0x80) {
                    int s = r & 0x7f; /* at most 30: 2^34 s of 2^-30 s fit in 64 bits */
                    ts = (sec << s) + (frac << s) / 1000000;
                } else {
                    uint64_t units = 1;
                    for (int e = 0; e < r; e++)
                        units *= 10;
                    ts = sec * units +
                         (units >= 1000000 ? frac * (units / 1000000) : frac / (1000000 / units));
                }
                epb(&n, 0, ts, orig.v[k].data, orig.v[k].caplen, orig.v[k].len);
            }
            const char *path = write_tmp(n.b.data, n.b.len);
            struct got ours, theirs;
            read_libpcap(path, &theirs);
            read_ng_file(path, 4096, &ours);
            char what[600];
            snprintf(what, sizeof what, "%s as pcapng (%s-endian, if_tsresol %d, offset %lld)",
                     gl.gl_pathv[i], flavours[f].be ? "big" : "little", flavours[f].tsresol,
                     (long long)flavours[f].offset);
            cr_expect(theirs.opened, "%s: libpcap: %s", what, theirs.err);
            cr_expect_eq(ours.end, 0, "%s: %s", what, ours.err);
            cr_expect_eq(ours.n, orig.n, "%s", what);
            expect_same(&theirs, &ours, what);
            got_clear(&ours);
            got_clear(&theirs);
            buf_clear(&n.b);
        }
    next:
        got_clear(&orig);
    }
    cr_expect_gt(files, 20, "only %zu captures read", files);
    globfree(&gl);
}

/* ---- what libpcap refuses ------------------------------------------------------------- */

Test(pcapng, interfaces_of_different_link_types_are_all_read)
{
    /* an Ethernet interface, a USER0 one (a private link type) and a raw IP one, interleaved */
    static const uint8_t eth[54] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                    0x99, 0xaa, 0xbb, 0x08, 0x00, 0x45, 0x00, 0x00, 0x28};
    static const uint8_t user[7] = "private";
    struct ng n = {0};
    shb(&n, false);
    idb(&n, LT_ETHERNET, 0, -1, 0);
    idb(&n, LT_USER0, 0, -1, 0);
    idb(&n, LT_RAW, 0, -1, 0);
    for (int i = 0; i < 6; i++) {
        uint64_t ts = (uint64_t)T0 + (uint64_t)i;
        if (i % 3 == 0)
            epb(&n, 0, ts, eth, sizeof eth, sizeof eth);
        else if (i % 3 == 1)
            epb(&n, 1, ts, user, sizeof user, sizeof user);
        else
            epb(&n, 2, ts, syn, sizeof syn, sizeof syn);
    }
    struct got g;
    read_ng(&n, &g);
    cr_expect_eq(g.end, 0, "%s", g.err);
    cr_assert_eq(g.n, 6);
    static const int want[3] = {DLT_EN10MB, LT_USER0, DLT_RAW};
    for (size_t i = 0; i < g.n; i++) {
        cr_expect_eq(g.v[i].linktype, want[i % 3], "packet %zu: link type %d", i + 1,
                     g.v[i].linktype);
        cr_expect_eq(g.v[i].time, T0 + (usec_t)i);
        cr_expect_eq(g.v[i].number, (long)i + 1);
    }
    cr_expect_str_eq(g.problems, "");
    /* why this reader exists: libpcap stops at the second interface */
    struct got lp;
    read_libpcap(write_tmp(n.b.data, n.b.len), &lp);
    cr_expect(!lp.opened || lp.end < 0 || lp.n < 6, "libpcap now reads mixed link types");
    got_clear(&lp);
    got_clear(&g);
    buf_clear(&n.b);
}

Test(pcapng, packets_before_their_interface_description_are_skipped_and_counted)
{
    struct ng n = {0};
    shb(&n, false);
    epb(&n, 0, (uint64_t)T0, syn, sizeof syn, sizeof syn);
    epb(&n, 0, (uint64_t)T0 + 1, syn, sizeof syn, sizeof syn);
    idb(&n, LT_RAW, 0, -1, 0);
    epb(&n, 0, (uint64_t)T0 + 2, syn, sizeof syn, sizeof syn);
    epb(&n, 1, (uint64_t)T0 + 3, syn, sizeof syn, sizeof syn); /* no interface 1 */
    epb(&n, 0, (uint64_t)T0 + 4, syn, sizeof syn, sizeof syn);
    struct got g;
    read_ng(&n, &g);
    cr_expect_eq(g.end, 0, "%s", g.err);
    cr_assert_eq(g.n, 2);
    cr_expect_eq(g.v[0].number, 3);
    cr_expect_eq(g.v[1].number, 5);
    cr_expect_eq(g.v[1].time, T0 + 4);
    cr_expect_eq(g.seen, 5);
    cr_expect_str_eq(g.problems,
                     "1@-1 2 packets skipped: no interface description block before them "
                     "(interface 0)\n"
                     "4@-1 1 packet skipped: no interface description block before them "
                     "(interface 1)\n");
    got_clear(&g);
    buf_clear(&n.b);
}

Test(pcapng, hostile_interface_options_leave_the_interface_usable)
{
    struct ng n = {0};
    shb(&n, false);
    /* interface 0: an option that claims 65535 bytes in a 40-byte block */
    struct ng body = {0};
    w16(&body, LT_RAW);
    w16(&body, 0);
    w32(&body, 0);
    w16(&body, 2); /* if_name */
    w16(&body, 0xffff);
    w32(&body, 0x41414141);
    block(&n, 1, body.b.data, body.b.len);
    buf_clear(&body.b);
    /* interface 1: if_tsresol of 4 bytes; interface 2: 2^-127 s; interface 3: 10^-20 s */
    for (int i = 0; i < 3; i++) {
        struct ng b2 = {0};
        w16(&b2, LT_RAW);
        w16(&b2, 0);
        w32(&b2, 0);
        uint8_t v[4] = {i == 1 ? 0xff : 20, 0, 0, 0};
        opt(&b2, 9, v, i == 0 ? 4 : 1);
        opt(&b2, 0, NULL, 0);
        block(&n, 1, b2.b.data, b2.b.len);
        buf_clear(&b2.b);
    }
    /* interface 4: if_tsoffset of 3 bytes; interface 5: an IDB of 12 bytes (no link type) */
    struct ng b3 = {0};
    w16(&b3, LT_RAW);
    w16(&b3, 0);
    w32(&b3, 0);
    opt(&b3, 14, "abc", 3);
    block(&n, 1, b3.b.data, b3.b.len);
    buf_clear(&b3.b);
    block(&n, 1, NULL, 0);
    for (uint32_t i = 0; i < 6; i++)
        epb(&n, i, (uint64_t)T0, syn, sizeof syn, sizeof syn);
    struct got g;
    read_ng(&n, &g);
    cr_expect_eq(g.end, 0, "%s", g.err);
    cr_assert_eq(g.n, 5, "%zu packets: %s", g.n, g.problems);
    for (size_t i = 0; i < g.n; i++) {
        cr_expect_eq(g.v[i].time, T0, "packet %zu: microseconds are assumed", i + 1);
        cr_expect_eq(g.v[i].linktype, DLT_RAW);
    }
    cr_expect_str_eq(g.problems,
                     "0@28 1 interface description with an option that runs past the end of its "
                     "block: the options before it are used (interface 0)\n"
                     "0@56 1 interface description with an unusable if_tsresol: microseconds "
                     "assumed (interface 1)\n"
                     "0@88 1 interface description with an unusable if_tsresol: microseconds "
                     "assumed (interface 2)\n"
                     "0@120 1 interface description with an unusable if_tsresol: microseconds "
                     "assumed (interface 3)\n"
                     "0@152 1 interface description with an if_tsoffset that is not 8 bytes long: "
                     "ignored (interface 4)\n"
                     "6@-1 1 packet skipped: their interface description block is too short to "
                     "give a link type (interface 5)\n");
    got_clear(&g);
    buf_clear(&n.b);
}

/* ---- the format's other corners ---------------------------------------------------------- */

Test(pcapng, simple_and_obsolete_packet_blocks)
{
    struct ng n = {0};
    shb(&n, true);
    idb(&n, LT_RAW, 30, -1, 0); /* snaplen 30: a simple packet block keeps 30 bytes */
    pb(&n, 0, (uint64_t)T0, syn, sizeof syn);
    spb(&n, syn, sizeof syn);
    struct got g;
    read_ng(&n, &g);
    cr_expect_eq(g.end, 0, "%s", g.err);
    cr_assert_eq(g.n, 2);
    cr_expect_eq(g.v[0].time, T0);
    cr_expect_eq(g.v[0].caplen, 40);
    cr_expect_eq(memcmp(g.v[0].data, syn, 40), 0);
    cr_expect_eq(g.v[1].time, T0, "a simple packet block takes the previous time");
    cr_expect_eq(g.v[1].caplen, 30);
    cr_expect_eq(g.v[1].len, 40);
    cr_expect_eq(memcmp(g.v[1].data, syn, 30), 0);
    cr_expect_str_eq(g.problems, "2@-1 1 simple packet block without a time stamp: the previous "
                                 "packet's time is used\n");
    got_clear(&g);
    buf_clear(&n.b);
}

Test(pcapng, other_blocks_are_skipped_even_large_ones)
{
    struct ng n = {0};
    shb(&n, false);
    block(&n, 4, "\0\0\0\0", 4); /* name resolution */
    idb(&n, LT_RAW, 0, -1, 0);
    block(&n, 0x0A, "keys", 4); /* decryption secrets */
    epb(&n, 0, (uint64_t)T0, syn, sizeof syn, sizeof syn);
    size_t big = (size_t)5 << 20; /* a 5 MiB custom block: skipped without being kept */
    char *junk = calloc(1, big);
    cr_assert_not_null(junk);
    block(&n, 0x00000BAD, junk, big);
    free(junk);
    block(&n, 5, "\0\0\0\0\0\0\0\0\0\0\0\0", 12); /* interface statistics */
    epb(&n, 0, (uint64_t)T0 + 1, syn, sizeof syn, sizeof syn);
    struct got g;
    read_ng(&n, &g);
    cr_expect_eq(g.end, 0, "%s", g.err);
    cr_assert_eq(g.n, 2);
    cr_expect_eq(g.v[1].time, T0 + 1);
    cr_expect(strstr(g.problems, "1 block of more than 4 MiB skipped unread"), "%s", g.problems);
    got_clear(&g);
    buf_clear(&n.b);
}

Test(pcapng, sections_in_either_byte_order_each_with_their_interfaces)
{
    struct ng n = {0};
    shb(&n, false);
    idb(&n, LT_RAW, 0, -1, 0);
    idb(&n, LT_RAW, 0, 9, 0);
    epb(&n, 1, (uint64_t)T0 * 1000 + 999, syn, sizeof syn, sizeof syn);
    shb(&n, true); /* a new section (mergecap of two files): interfaces start again */
    idb(&n, LT_ETHERNET, 0, -1, 0);
    epb(&n, 0, (uint64_t)T0 + 5, syn, sizeof syn, sizeof syn);
    epb(&n, 1, (uint64_t)T0 + 6, syn, sizeof syn,
        sizeof syn); /* interface 1 was the old section's */
    struct got g;
    read_ng(&n, &g);
    cr_expect_eq(g.end, 0, "%s", g.err);
    cr_assert_eq(g.n, 2);
    cr_expect_eq(g.v[0].time, T0, "nanoseconds");
    cr_expect_eq(g.v[0].linktype, DLT_RAW);
    cr_expect_eq(g.v[1].time, T0 + 5);
    cr_expect_eq(g.v[1].linktype, DLT_EN10MB);
    cr_expect_str_eq(g.problems, "3@-1 1 packet skipped: no interface description block before "
                                 "them (interface 1)\n");
    got_clear(&g);
    buf_clear(&n.b);
}

Test(pcapng, time_stamp_resolutions_and_offsets)
{
    static const struct {
        int tsresol;
        int64_t offset;
        uint64_t ts;
        usec_t want;
    } rows[] = {
        {0, 0, 1795618146, INT64_C(1795618146000000)},              /* seconds */
        {3, 0, UINT64_C(1795618146278), INT64_C(1795618146278000)}, /* milliseconds */
        {9, 0, UINT64_C(1795618146278425999), T0},                  /* nanoseconds, rounded down */
        {0x80 | 10, 0, (UINT64_C(1795618146) << 10) | 512, INT64_C(1795618146500000)},
        {0x80 | 63, 0, UINT64_C(1) << 62, 500000}, /* half a second */
        {0x80 | 0, 0, 7, 7000000},
        {6, -3600, (uint64_t)T0, T0 - INT64_C(3600000000)},
        {6, 1000, 0, INT64_C(1000000000)},
        {19, 0, UINT64_C(18446744073709551615), INT64_C(1844674)}, /* 1.8446744 s */
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct ng n = {0};
        shb(&n, i % 2);
        idb(&n, LT_RAW, 0, rows[i].tsresol, rows[i].offset);
        epb(&n, 0, rows[i].ts, syn, sizeof syn, sizeof syn);
        struct got g;
        read_ng(&n, &g);
        cr_expect_eq(g.end, 0, "row %zu: %s", i, g.err);
        cr_assert_eq(g.n, 1, "row %zu", i);
        cr_expect_eq(g.v[0].time, rows[i].want, "row %zu: %lld, want %lld", i,
                     (long long)g.v[0].time, (long long)rows[i].want);
        cr_expect_str_eq(g.problems, "", "row %zu", i);
        got_clear(&g);
        buf_clear(&n.b);
    }
}

Test(pcapng, a_time_stamp_out_of_range_takes_the_previous_one)
{
    struct ng n = {0};
    shb(&n, false);
    idb(&n, LT_RAW, 0, 0, 0);          /* seconds: 2^63 s do not fit in microseconds */
    idb(&n, LT_RAW, 0, -1, INT64_MAX); /* an offset that overflows */
    epb(&n, 0, 1795618146, syn, sizeof syn, sizeof syn);
    epb(&n, 0, UINT64_C(1) << 63, syn, sizeof syn, sizeof syn);
    epb(&n, 1, 1, syn, sizeof syn, sizeof syn);
    struct got g;
    read_ng(&n, &g);
    cr_assert_eq(g.n, 3);
    cr_expect_eq(g.v[1].time, INT64_C(1795618146000000));
    cr_expect_eq(g.v[2].time, INT64_C(1795618146000000));
    cr_expect_str_eq(g.problems, "2@-1 2 packets with a time stamp out of range: the previous "
                                 "packet's time is used\n");
    got_clear(&g);
    buf_clear(&n.b);
}

Test(pcapng, a_captured_length_past_its_block_skips_the_packet)
{
    struct ng n = {0};
    shb(&n, false);
    idb(&n, LT_RAW, 0, -1, 0);
    epb(&n, 0, (uint64_t)T0, syn, sizeof syn, sizeof syn);
    size_t at = n.b.len;
    epb(&n, 0, (uint64_t)T0 + 1, syn, sizeof syn, sizeof syn);
    epb(&n, 0, (uint64_t)T0 + 2, syn, sizeof syn, sizeof syn);
    /* the second EPB's captured length: 41 in a block with room for 40 */
    n.b.data[at + 20] = 41;
    struct got g;
    read_ng(&n, &g);
    cr_expect_eq(g.end, 0, "%s", g.err);
    cr_assert_eq(g.n, 2);
    cr_expect_eq(g.v[1].number, 3);
    cr_expect_str_eq(g.problems,
                     "2@-1 1 packet skipped: captured length past the end of the block\n");
    got_clear(&g);
    buf_clear(&n.b);
}

/* ---- damage --------------------------------------------------------------------------- */

/* A little file: SHB, IDB, three EPBs (offsets of the EPBs in |epbs|). */
static void
three_packets(struct ng *n, size_t epbs[3])
{
    shb(n, false);
    idb(n, LT_RAW, 0, -1, 0);
    for (int i = 0; i < 3; i++) {
        epbs[i] = n->b.len;
        epb(n, 0, (uint64_t)T0 + (uint64_t)i, syn, sizeof syn, sizeof syn);
    }
}

static void
put32(struct ng *n, size_t at, uint32_t v)
{
    memcpy(n->b.data + at, &v, 4); /* little-endian host and file */
}

Test(pcapng, damaged_block_lengths_end_the_reading_after_the_packets_before)
{
    static const struct {
        const char *what;
        size_t field; /* 4: the length, 1: the trailing length */
        uint32_t value;
        const char *reason;
    } rows[] = {
        {"length 7", 4, 7, "length 7 is shorter than a block can be"},
        {"length 74", 4, 74, "length 74 is not a multiple of 4"},
        {"length 2 GiB", 4, 0x7ffffff0, "length 2147483632 is larger than the 4 MiB"},
        {"trailing length", 1, 999, "its length at the end, 999, differs from the length 72"},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct ng n = {0};
        size_t epbs[3];
        three_packets(&n, epbs);
        if (rows[i].field == 4)
            put32(&n, epbs[1] + 4, rows[i].value);
        else
            put32(&n, epbs[2] - 4, rows[i].value);
        struct got g;
        read_ng(&n, &g);
        cr_expect(g.opened, "%s: %s", rows[i].what, g.err);
        cr_expect_eq(g.end, -1, "%s", rows[i].what);
        cr_expect_eq(g.n, 1, "%s: %zu packets", rows[i].what, g.n);
        cr_expect(strstr(g.err, rows[i].reason), "%s: \"%s\"", rows[i].what, g.err);
        cr_expect(strstr(g.err, "enhanced packet block at offset 120"), "%s: \"%s\"", rows[i].what,
                  g.err);
        got_clear(&g);
        buf_clear(&n.b);
    }
}

Test(pcapng, a_bad_second_section_header_ends_the_reading)
{
    static const char *const reasons[] = {"byte-order magic 01020304", "pcapng version 2.0"};
    for (int i = 0; i < 2; i++) {
        struct ng n = {0};
        size_t epbs[3];
        three_packets(&n, epbs);
        size_t at = n.b.len;
        shb(&n, false);
        if (i == 0)
            put32(&n, at + 8, 0x04030201);
        else
            n.b.data[at + 12] = 2;
        struct got g;
        read_ng(&n, &g);
        cr_expect_eq(g.end, -1);
        cr_expect_eq(g.n, 3);
        cr_expect(strstr(g.err, reasons[i]), "\"%s\"", g.err);
        got_clear(&g);
        buf_clear(&n.b);
    }
}

Test(pcapng, the_first_block_must_be_a_usable_section_header)
{
    static const struct {
        const char *what;
        size_t keep; /* bytes of the file kept (0: all) */
        size_t at;   /* a 32-bit value written here */
        uint32_t value;
        const char *reason;
    } rows[] = {
        {"empty", 0, SIZE_MAX, 0, "truncated capture: 0 bytes"},
        {"2 bytes", 2, SIZE_MAX, 0, "truncated capture: 2 bytes"},
        {"cut in the section header", 20, SIZE_MAX, 0,
         "truncated capture: the file ends inside a section header block"},
        {"section header of length 5", 0, 4, 5, "length 5 is shorter than a block can be"},
        {"section header of length 30", 0, 4, 30, "length 30 is not a multiple of 4"},
        {"section header of length 16", 0, 4, 16, "length 16 is shorter than 28 bytes"},
        {"no section header", 0, 0, 6, "not a pcapng file"},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct ng n = {0};
        size_t epbs[3];
        three_packets(&n, epbs);
        if (rows[i].at != SIZE_MAX)
            put32(&n, rows[i].at, rows[i].value);
        size_t len = rows[i].keep || i == 0 ? rows[i].keep : n.b.len;
        if (rows[i].value == 16)
            put32(&n, 12, 16); /* and a matching trailing length where it then is */
        struct got g;
        read_ng_file(write_tmp(n.b.data, len), 4096, &g);
        cr_expect_not(g.opened, "%s: opened", rows[i].what);
        cr_expect(strstr(g.err, rows[i].reason), "%s: \"%s\"", rows[i].what, g.err);
        got_clear(&g);
        buf_clear(&n.b);
    }
}

Test(pcapng, every_cut_of_a_file_gives_the_whole_packets_before_it)
{
    struct ng n = {0};
    size_t epbs[3];
    three_packets(&n, epbs);
    block(&n, 0x0BAD, "custom", 6);
    epb(&n, 0, (uint64_t)T0 + 3, syn, sizeof syn, sizeof syn);
    size_t ends[] = {epbs[1], epbs[2], epbs[2] + 72, epbs[2] + 72 + 20, n.b.len};
    for (size_t cut = 28; cut <= n.b.len; cut++) {
        size_t whole = 0; /* packets whose block ends at or before the cut */
        bool boundary = cut == 28 || cut == epbs[0];
        for (size_t k = 0; k < NELEMS(ends); k++) {
            if (ends[k] <= cut)
                whole = k < 3 ? k + 1 : k;
            boundary = boundary || ends[k] == cut;
        }
        struct got g;
        read_ng_file(write_tmp(n.b.data, cut), cut % 3 ? 4096 : 0, &g);
        cr_assert(g.opened, "cut %zu: %s", cut, g.err);
        cr_expect_eq(g.n, whole, "cut %zu: %zu packets, want %zu", cut, g.n, whole);
        cr_expect_eq(g.end, boundary ? 0 : -1, "cut %zu: end %d (%s)", cut, g.end, g.err);
        if (!boundary)
            cr_expect(strstr(g.err, "truncated capture: the file ends inside"), "cut %zu: %s", cut,
                      g.err);
        got_clear(&g);
    }
    buf_clear(&n.b);
}

Test(pcapng, random_bytes_after_a_section_header_do_not_crash)
{
    uint32_t seed = 2463534242u;
    for (int round = 0; round < 50; round++) {
        struct ng n = {0};
        shb(&n, round % 2);
        idb(&n, LT_RAW, 0, -1, 0);
        size_t len = 64 + (size_t)round * 97;
        for (size_t i = 0; i < len; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            uint8_t b = (uint8_t)seed;
            buf_append(&n.b, &b, 1);
        }
        struct got g;
        read_ng(&n, &g);
        cr_expect(g.opened, "round %d: %s", round, g.err);
        cr_expect(g.end == 0 || g.end == -1);
        for (size_t i = 0; i < g.n; i++)
            cr_expect_leq(g.v[i].caplen, len, "round %d", round);
        got_clear(&g);
        buf_clear(&n.b);
    }
}
