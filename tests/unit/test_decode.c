/* test_decode: link, IP and TCP headers of hand-built and captured packets, cut at every length. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <pcap/pcap.h>

#include "decode.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define SPORT 52784
#define DPORT 5222
#define SEQ UINT32_C(0x01020304)
#define ACK UINT32_C(0xa0b0c0d0)
#define PAYLOAD "<stream:stream to='example.org'>"

static const uint8_t v4_src[4] = {192, 0, 2, 1};
static const uint8_t v4_dst[4] = {198, 51, 100, 7};
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0xab, [15] = 0xcd};

static const char *const result_names[] = {
    [DECODE_OK] = "OK",
    [DECODE_NOT_TCP] = "NOT_TCP",
    [DECODE_FRAGMENT] = "FRAGMENT",
    [DECODE_TRUNCATED] = "TRUNCATED",
    [DECODE_MALFORMED] = "MALFORMED",
    [DECODE_UNSUPPORTED] = "UNSUPPORTED",
};

static const char *
rname(enum decode_result r)
{
    return (size_t)r < NELEMS(result_names) ? result_names[r] : "?";
}

/* ---- packet builder ---------------------------------------------------------- */

struct pkt {
    uint8_t b[1024];
    size_t len;
};

static void
put(struct pkt *p, const void *d, size_t n)
{
    cr_assert_leq(p->len + n, sizeof p->b, "test packet too big");
    memcpy(p->b + p->len, d, n);
    p->len += n;
}

static void
put8(struct pkt *p, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(p, &b, 1);
}

static void
put16(struct pkt *p, unsigned v)
{
    put8(p, v >> 8);
    put8(p, v);
}

static void
put32(struct pkt *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p, v & 0xffff);
}

static void
put_fill(struct pkt *p, uint8_t byte, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(p, byte);
}

static void
set16(struct pkt *p, size_t off, unsigned v)
{
    p->b[off] = (uint8_t)(v >> 8);
    p->b[off + 1] = (uint8_t)v;
}

/* A TCP segment with |optlen| bytes of options (NOPs, then an end marker) and |payload|. */
static struct pkt
tcp_seg(size_t optlen, unsigned flags, const char *payload)
{
    struct pkt t = {.len = 0};
    put16(&t, SPORT);
    put16(&t, DPORT);
    put32(&t, SEQ);
    put32(&t, ACK);
    put8(&t, (unsigned)((20 + optlen) / 4) << 4);
    put8(&t, flags);
    put16(&t, 65535); /* window */
    put16(&t, 0);     /* checksum: not checked */
    put16(&t, 0);     /* urgent pointer */
    if (optlen > 0) {
        put_fill(&t, 1, optlen - 1);
        put8(&t, 0);
    }
    put(&t, payload, strlen(payload));
    return t;
}

/* An IPv4 header with |optlen| option bytes around |l4|; total length and IHL computed. */
static struct pkt
ipv4(size_t optlen, unsigned proto, const struct pkt *l4)
{
    struct pkt p = {.len = 0};
    put8(&p, 0x40 | (unsigned)((20 + optlen) / 4));
    put8(&p, 0);
    put16(&p, (unsigned)(20 + optlen + l4->len));
    put16(&p, 0x1234); /* id */
    put16(&p, 0x4000); /* DF */
    put8(&p, 64);
    put8(&p, proto);
    put16(&p, 0);
    put(&p, v4_src, 4);
    put(&p, v4_dst, 4);
    if (optlen > 0) {
        put_fill(&p, 1, optlen - 1); /* NOPs */
        put8(&p, 0);
    }
    put(&p, l4->b, l4->len);
    return p;
}

/* An IPv6 header: first next header |next|, then |ext| (raw extension headers), then |l4|. */
static struct pkt
ipv6(unsigned next, const struct pkt *ext, const struct pkt *l4)
{
    struct pkt p = {.len = 0};
    size_t extlen = ext ? ext->len : 0;
    put32(&p, UINT32_C(0x60000000));
    put16(&p, (unsigned)(extlen + l4->len));
    put8(&p, next);
    put8(&p, 64);
    put(&p, v6_src, 16);
    put(&p, v6_dst, 16);
    if (ext)
        put(&p, ext->b, ext->len);
    put(&p, l4->b, l4->len);
    return p;
}

/* Appends a hop-by-hop, routing or destination options header of 8 * (units + 1) bytes. */
static void
ext_generic(struct pkt *e, unsigned next, unsigned units)
{
    put8(e, next);
    put8(e, units);
    put_fill(e, 0, 6 + 8 * (size_t)units); /* PadN-free zero padding (Pad1 options) */
}

static void
ext_fragment(struct pkt *e, unsigned next, unsigned offset, bool more)
{
    put8(e, next);
    put8(e, 0);
    put16(e, offset << 3 | (more ? 1u : 0u));
    put32(e, UINT32_C(0xdeadbeef));
}

/* AH: length field in 4-byte units minus 2 (RFC 4302 §2.2). */
static void
ext_ah(struct pkt *e, unsigned next, unsigned len_field)
{
    put8(e, next);
    put8(e, len_field);
    put16(e, 0);
    put_fill(e, 0xaa, ((size_t)len_field + 2) * 4 - 4);
}

static unsigned
ethertype_of(const struct pkt *l3)
{
    return l3->len > 0 && l3->b[0] >> 4 == 6 ? 0x86dd : 0x0800;
}

static struct pkt
ether(const unsigned *tags, size_t ntags, unsigned type, const struct pkt *l3)
{
    struct pkt p = {.len = 0};
    put_fill(&p, 0x02, 6);
    put_fill(&p, 0x04, 6);
    for (size_t i = 0; i < ntags; i++) {
        put16(&p, tags[i]);
        put16(&p, 100 + (unsigned)i); /* VLAN id */
    }
    put16(&p, type);
    put(&p, l3->b, l3->len);
    return p;
}

static struct pkt
sll(unsigned proto, const struct pkt *l3)
{
    struct pkt p = {.len = 0};
    put16(&p, 0);   /* to us */
    put16(&p, 772); /* ARPHRD_LOOPBACK */
    put16(&p, 6);
    put_fill(&p, 0, 8);
    put16(&p, proto);
    put(&p, l3->b, l3->len);
    return p;
}

static struct pkt
sll2(unsigned proto, const struct pkt *l3)
{
    struct pkt p = {.len = 0};
    put16(&p, proto);
    put16(&p, 0); /* reserved */
    put32(&p, 1); /* interface index */
    put16(&p, 772);
    put8(&p, 0); /* packet type */
    put8(&p, 6); /* address length */
    put_fill(&p, 0, 8);
    put(&p, l3->b, l3->len);
    return p;
}

/* DLT_NULL: the family in this host's byte order; |swap| writes it the other way round. */
static struct pkt
null_hdr(uint32_t family, bool swap, const struct pkt *l3)
{
    struct pkt p = {.len = 0};
    if (swap)
        family =
            (family >> 24) | (family >> 8 & 0xff00u) | (family << 8 & 0xff0000u) | (family << 24);
    put(&p, &family, 4);
    put(&p, l3->b, l3->len);
    return p;
}

static struct pkt
loop_hdr(uint32_t family, const struct pkt *l3)
{
    struct pkt p = {.len = 0};
    put32(&p, family);
    put(&p, l3->b, l3->len);
    return p;
}

/* The default full packets: TCP with PAYLOAD over IPv4 or IPv6. */
static struct pkt
tcp_over(int ip_version)
{
    struct pkt t = tcp_seg(0, TCP_PSH | TCP_ACK, PAYLOAD);
    return ip_version == 4 ? ipv4(0, 6, &t) : ipv6(6, NULL, &t);
}

/* Decodes |len| bytes copied to a buffer of exactly that size, so ASan sees any overread. */
static enum decode_result
decode_exact(int linktype, const uint8_t *bytes, size_t len, struct packet_info *out)
{
    uint8_t *copy = len ? malloc(len) : NULL;
    if (len) {
        cr_assert_not_null(copy);
        memcpy(copy, bytes, len);
    }
    enum decode_result r = decode_packet(linktype, copy, len, out);
    /* the payload pointer must point into the copy; remember its offset before freeing */
    if (r == DECODE_OK && out->payload) {
        cr_assert(out->payload >= copy && out->payload + out->payload_len <= copy + len,
                  "payload outside the packet");
        out->payload = bytes + (out->payload - copy);
    }
    free(copy);
    return r;
}

static void
expect_tcp(const struct packet_info *pi, int ip_version, const char *payload, const char *what)
{
    cr_expect_eq(pi->ip_version, ip_version, "%s: ip_version %d", what, pi->ip_version);
    if (ip_version == 4) {
        cr_expect_arr_eq(pi->src, v4_src, 4, "%s: src", what);
        cr_expect_arr_eq(pi->dst, v4_dst, 4, "%s: dst", what);
    } else {
        cr_expect_arr_eq(pi->src, v6_src, 16, "%s: src", what);
        cr_expect_arr_eq(pi->dst, v6_dst, 16, "%s: dst", what);
    }
    cr_expect_eq(pi->sport, SPORT, "%s: sport %u", what, pi->sport);
    cr_expect_eq(pi->dport, DPORT, "%s: dport %u", what, pi->dport);
    cr_expect_eq(pi->seq, SEQ, "%s: seq", what);
    cr_expect_eq(pi->ack, ACK, "%s: ack", what);
    size_t n = strlen(payload);
    cr_expect_eq(pi->payload_len, n, "%s: payload_len %zu, want %zu", what, pi->payload_len, n);
    cr_expect_eq(pi->wire_payload_len, n, "%s: wire_payload_len %zu", what, pi->wire_payload_len);
    if (pi->payload_len == n && n > 0)
        cr_expect(memcmp(pi->payload, payload, n) == 0, "%s: payload bytes", what);
}

/* ---- link types -------------------------------------------------------------- */

enum wrap { W_ETHER, W_SLL, W_SLL2, W_NULL, W_NULL_SWAPPED, W_LOOP, W_RAW };

static struct pkt
wrap(enum wrap w, uint32_t family, const struct pkt *l3)
{
    switch (w) {
    case W_ETHER:
        return ether(NULL, 0, ethertype_of(l3), l3);
    case W_SLL:
        return sll(ethertype_of(l3), l3);
    case W_SLL2:
        return sll2(ethertype_of(l3), l3);
    case W_NULL:
        return null_hdr(family, false, l3);
    case W_NULL_SWAPPED:
        return null_hdr(family, true, l3);
    case W_LOOP:
        return loop_hdr(family, l3);
    case W_RAW:
        break;
    }
    return *l3;
}

static const struct link_row {
    int linktype;
    enum wrap wrap;
    int ip_version;
    uint32_t family;
} link_rows[] = {
    {DLT_EN10MB, W_ETHER, 4, 0},
    {DLT_EN10MB, W_ETHER, 6, 0},
    {DLT_LINUX_SLL, W_SLL, 4, 0},
    {DLT_LINUX_SLL, W_SLL, 6, 0},
    {DLT_LINUX_SLL2, W_SLL2, 4, 0},
    {DLT_LINUX_SLL2, W_SLL2, 6, 0},
    {DLT_NULL, W_NULL, 4, 2},
    {DLT_NULL, W_NULL, 6, 10}, /* Linux */
    {DLT_NULL, W_NULL, 6, 24}, /* OpenBSD, NetBSD */
    {DLT_NULL, W_NULL, 6, 28}, /* FreeBSD */
    {DLT_NULL, W_NULL, 6, 30}, /* macOS */
    {DLT_NULL, W_NULL_SWAPPED, 4, 2},
    {DLT_NULL, W_NULL_SWAPPED, 6, 30},
    {DLT_LOOP, W_LOOP, 4, 2},
    {DLT_LOOP, W_LOOP, 6, 24},
    {DLT_LOOP, W_LOOP, 6, 30},
    {DLT_RAW, W_RAW, 4, 0},
    {DLT_RAW, W_RAW, 6, 0},
    {101 /* LINKTYPE_RAW */, W_RAW, 4, 0},
    {101, W_RAW, 6, 0},
    {DLT_IPV4, W_RAW, 4, 0},
    {DLT_IPV6, W_RAW, 6, 0},
};

Test(decode, reads_tcp_over_ipv4_and_ipv6_on_every_link_type)
{
    for (size_t i = 0; i < NELEMS(link_rows); i++) {
        const struct link_row *row = &link_rows[i];
        struct pkt l3 = tcp_over(row->ip_version);
        struct pkt p = wrap(row->wrap, row->family, &l3);
        struct packet_info pi;
        char what[64];
        snprintf(what, sizeof what, "row %zu (DLT %d, IPv%d)", i, row->linktype, row->ip_version);
        enum decode_result r = decode_exact(row->linktype, p.b, p.len, &pi);
        cr_expect_eq(r, DECODE_OK, "%s: %s", what, rname(r));
        if (r == DECODE_OK) {
            expect_tcp(&pi, row->ip_version, PAYLOAD, what);
            cr_expect_eq(pi.flags, TCP_PSH | TCP_ACK, "%s: flags", what);
        }
    }
}

Test(decode, knows_which_link_types_it_supports)
{
    static const int known[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP,
                                DLT_RAW,    101,           DLT_IPV4,       DLT_IPV6};
    for (size_t i = 0; i < NELEMS(known); i++)
        cr_expect(decode_linktype_supported(known[i]), "DLT %d", known[i]);
    static const int unknown[] = {-1, 105 /* 802.11 */, 127, DLT_USER0, 9999, 100000};
    struct pkt l3 = tcp_over(4);
    for (size_t i = 0; i < NELEMS(unknown); i++) {
        struct packet_info pi;
        cr_expect(!decode_linktype_supported(unknown[i]), "DLT %d", unknown[i]);
        enum decode_result r = decode_exact(unknown[i], l3.b, l3.len, &pi);
        cr_expect_eq(r, DECODE_UNSUPPORTED, "DLT %d: %s", unknown[i], rname(r));
    }
}

Test(decode, raw_ip_takes_the_version_from_the_first_nibble)
{
    struct pkt v4 = tcp_over(4), v6 = tcp_over(6);
    struct packet_info pi;
    /* DLT_IPV4 carrying IPv6 and the other way round contradict themselves */
    cr_expect_eq(decode_exact(DLT_IPV4, v6.b, v6.len, &pi), DECODE_MALFORMED);
    cr_expect_eq(decode_exact(DLT_IPV6, v4.b, v4.len, &pi), DECODE_MALFORMED);
    /* so does an Ethernet IPv4 type in front of an IPv6 header */
    struct pkt e = ether(NULL, 0, 0x0800, &v6);
    cr_expect_eq(decode_exact(DLT_EN10MB, e.b, e.len, &pi), DECODE_MALFORMED);
    v4.b[0] = 0x55; /* version 5 */
    cr_expect_eq(decode_exact(DLT_RAW, v4.b, v4.len, &pi), DECODE_MALFORMED);
    cr_expect_eq(decode_exact(DLT_RAW, v4.b, 0, &pi), DECODE_TRUNCATED);
}

/* ---- VLAN ---------------------------------------------------------------------- */

Test(decode, follows_vlan_and_qinq_tags)
{
    static const struct {
        unsigned tags[5];
        size_t n;
        enum decode_result want;
    } rows[] = {
        {{0x8100}, 1, DECODE_OK},
        {{0x88a8, 0x8100}, 2, DECODE_OK},
        {{0x9100, 0x8100}, 2, DECODE_OK},
        {{0x88a8, 0x88a8, 0x8100}, 3, DECODE_OK},
        {{0x8100, 0x8100, 0x8100, 0x8100}, 4, DECODE_OK},
        {{0x88a8, 0x9100, 0x8100, 0x8100}, 4, DECODE_OK},
        /* deeper than any real network: not followed */
        {{0x8100, 0x8100, 0x8100, 0x8100, 0x8100}, 5, DECODE_NOT_TCP},
    };
    for (int v = 4; v <= 6; v += 2) {
        struct pkt l3 = tcp_over(v);
        for (size_t i = 0; i < NELEMS(rows); i++) {
            struct pkt p = ether(rows[i].tags, rows[i].n, ethertype_of(&l3), &l3);
            struct packet_info pi;
            char what[48];
            snprintf(what, sizeof what, "IPv%d row %zu", v, i);
            enum decode_result r = decode_exact(DLT_EN10MB, p.b, p.len, &pi);
            cr_expect_eq(r, rows[i].want, "%s: %s", what, rname(r));
            if (r == DECODE_OK)
                expect_tcp(&pi, v, PAYLOAD, what);
        }
    }
}

/* ---- IPv6 extension headers ---------------------------------------------------- */

Test(decode, walks_ipv6_extension_headers)
{
    struct pkt t = tcp_seg(12, TCP_ACK, PAYLOAD);
    struct pkt e = {.len = 0};
    ext_generic(&e, 60, 0);         /* hop-by-hop, 8 bytes */
    ext_generic(&e, 43, 1);         /* destination options, 16 bytes */
    ext_generic(&e, 44, 2);         /* routing, 24 bytes */
    ext_fragment(&e, 51, 0, false); /* atomic fragment */
    ext_ah(&e, 60, 4);              /* AH, 24 bytes */
    ext_generic(&e, 6, 0);          /* destination options again */
    struct pkt l3 = ipv6(0, &e, &t);
    struct pkt p = ether(NULL, 0, 0x86dd, &l3);
    struct packet_info pi;
    enum decode_result r = decode_exact(DLT_EN10MB, p.b, p.len, &pi);
    cr_assert_eq(r, DECODE_OK, "%s", rname(r));
    expect_tcp(&pi, 6, PAYLOAD, "extension headers");
    cr_expect_eq(pi.flags, TCP_ACK);
}

Test(decode, ipv6_fragments_are_not_reassembled)
{
    static const struct {
        unsigned offset;
        bool more;
        enum decode_result want;
    } rows[] = {
        {0, false, DECODE_OK},          /* atomic (RFC 6946) */
        {0, true, DECODE_FRAGMENT},     /* the first fragment */
        {1, false, DECODE_FRAGMENT},    /* the last fragment */
        {185, true, DECODE_FRAGMENT},   /* a middle fragment */
        {8191, false, DECODE_FRAGMENT}, /* the largest offset */
    };
    struct pkt t = tcp_seg(0, TCP_ACK, PAYLOAD);
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct pkt e = {.len = 0};
        ext_fragment(&e, 6, rows[i].offset, rows[i].more);
        struct pkt l3 = ipv6(44, &e, &t);
        struct packet_info pi;
        enum decode_result r = decode_exact(DLT_RAW, l3.b, l3.len, &pi);
        cr_expect_eq(r, rows[i].want, "row %zu: %s", i, rname(r));
    }
}

Test(decode, ipv6_esp_and_no_next_header_are_not_tcp)
{
    static const unsigned nexts[] = {50 /* ESP */, 59 /* none */, 17 /* UDP */, 58 /* ICMPv6 */};
    struct pkt body = {.len = 0};
    put_fill(&body, 0x11, 24);
    for (size_t i = 0; i < NELEMS(nexts); i++) {
        struct pkt l3 = ipv6(nexts[i], NULL, &body);
        struct packet_info pi;
        enum decode_result r = decode_exact(DLT_IPV6, l3.b, l3.len, &pi);
        cr_expect_eq(r, DECODE_NOT_TCP, "next %u: %s", nexts[i], rname(r));
        /* the same after a hop-by-hop header */
        struct pkt e = {.len = 0};
        ext_generic(&e, nexts[i], 0);
        l3 = ipv6(0, &e, &body);
        r = decode_exact(DLT_IPV6, l3.b, l3.len, &pi);
        cr_expect_eq(r, DECODE_NOT_TCP, "hop-by-hop then %u: %s", nexts[i], rname(r));
    }
}

Test(decode, ipv6_rejects_contradicting_lengths)
{
    struct pkt t = tcp_seg(0, TCP_ACK, PAYLOAD);
    struct packet_info pi;
    enum decode_result r;

    /* payload length 0: a jumbogram (RFC 2675), its length in a hop-by-hop option */
    struct pkt jumbo = {.len = 0};
    put8(&jumbo, 6);
    put8(&jumbo, 0);
    put8(&jumbo, 0xc2);
    put8(&jumbo, 4);
    put32(&jumbo, (uint32_t)(8 + t.len));
    struct pkt l3 = ipv6(0, &jumbo, &t);
    set16(&l3, 4, 0);
    r = decode_exact(DLT_RAW, l3.b, l3.len, &pi);
    cr_expect_eq(r, DECODE_MALFORMED, "jumbo: %s", rname(r));
    l3 = ipv6(6, NULL, &t);
    set16(&l3, 4, 0);
    r = decode_exact(DLT_RAW, l3.b, l3.len, &pi);
    cr_expect_eq(r, DECODE_MALFORMED, "payload length 0: %s", rname(r));

    /* an extension header longer than the payload length */
    struct pkt e = {.len = 0};
    ext_generic(&e, 6, 0);
    l3 = ipv6(0, &e, &t);
    set16(&l3, 4, 6);
    r = decode_exact(DLT_RAW, l3.b, l3.len, &pi);
    cr_expect_eq(r, DECODE_MALFORMED, "short payload length: %s", rname(r));
    e.b[1] = 200; /* 1608 bytes announced */
    l3 = ipv6(0, &e, &t);
    r = decode_exact(DLT_RAW, l3.b, l3.len, &pi);
    cr_expect_eq(r, DECODE_MALFORMED, "huge extension header: %s", rname(r));

    /* a payload length that leaves less than a TCP header */
    l3 = ipv6(6, NULL, &t);
    set16(&l3, 4, 19);
    r = decode_exact(DLT_RAW, l3.b, l3.len, &pi);
    cr_expect_eq(r, DECODE_MALFORMED, "19-byte segment: %s", rname(r));

    /* more extension headers than the walk follows */
    e.len = 0;
    for (int i = 0; i < 9; i++)
        ext_generic(&e, i < 8 ? 60 : 6, 0);
    l3 = ipv6(60, &e, &t);
    r = decode_exact(DLT_RAW, l3.b, l3.len, &pi);
    cr_expect_eq(r, DECODE_MALFORMED, "nine extension headers: %s", rname(r));
    e.len = 0;
    for (int i = 0; i < 8; i++)
        ext_generic(&e, i < 7 ? 60 : 6, 0);
    l3 = ipv6(60, &e, &t);
    r = decode_exact(DLT_RAW, l3.b, l3.len, &pi);
    cr_expect_eq(r, DECODE_OK, "eight extension headers: %s", rname(r));
}

/* ---- IPv4 ------------------------------------------------------------------------ */

Test(decode, reads_ipv4_and_tcp_options)
{
    for (size_t ipopt = 0; ipopt <= 40; ipopt += 4) {
        for (size_t tcpopt = 0; tcpopt <= 40; tcpopt += 4) {
            struct pkt t = tcp_seg(tcpopt, TCP_SYN, tcpopt % 8 ? "x" : "");
            struct pkt l3 = ipv4(ipopt, 6, &t);
            struct pkt p = sll2(0x0800, &l3);
            struct packet_info pi;
            char what[48];
            snprintf(what, sizeof what, "IP options %zu, TCP options %zu", ipopt, tcpopt);
            enum decode_result r = decode_exact(DLT_LINUX_SLL2, p.b, p.len, &pi);
            cr_expect_eq(r, DECODE_OK, "%s: %s", what, rname(r));
            if (r == DECODE_OK) {
                expect_tcp(&pi, 4, tcpopt % 8 ? "x" : "", what);
                cr_expect_eq(pi.flags, TCP_SYN, "%s: flags", what);
            }
        }
    }
}

Test(decode, ignores_ethernet_padding)
{
    /* a bare ACK is 54 bytes, padded to the 60-byte minimum frame */
    struct pkt t = tcp_seg(0, TCP_ACK, "");
    struct pkt l3 = ipv4(0, 6, &t);
    struct pkt p = ether(NULL, 0, 0x0800, &l3);
    put_fill(&p, 0xee, 6);
    struct packet_info pi;
    cr_assert_eq(decode_exact(DLT_EN10MB, p.b, p.len, &pi), DECODE_OK);
    cr_expect_eq(pi.payload_len, 0);
    cr_expect_eq(pi.wire_payload_len, 0);

    t = tcp_seg(0, TCP_ACK | TCP_PSH, "ab");
    l3 = ipv4(0, 6, &t);
    p = ether(NULL, 0, 0x0800, &l3);
    put_fill(&p, 0xee, 4);
    cr_assert_eq(decode_exact(DLT_EN10MB, p.b, p.len, &pi), DECODE_OK);
    expect_tcp(&pi, 4, "ab", "padded IPv4");

    /* the same for IPv6: trailing bytes after the payload length */
    l3 = ipv6(6, NULL, &t);
    p = ether(NULL, 0, 0x86dd, &l3);
    put_fill(&p, 0xee, 8);
    cr_assert_eq(decode_exact(DLT_EN10MB, p.b, p.len, &pi), DECODE_OK);
    expect_tcp(&pi, 6, "ab", "padded IPv6");
}

Test(decode, reports_ipv4_fragments)
{
    static const struct {
        unsigned frag; /* flags and offset field */
        enum decode_result want;
    } rows[] = {
        {0x0000, DECODE_OK},       /* no flags */
        {0x4000, DECODE_OK},       /* DF */
        {0x2000, DECODE_FRAGMENT}, /* MF, offset 0: the first fragment */
        {0x0001, DECODE_FRAGMENT}, /* offset 8 bytes, no MF: the last fragment */
        {0x20b9, DECODE_FRAGMENT}, /* MF and an offset: a middle fragment */
        {0x1fff, DECODE_FRAGMENT}, /* the largest offset */
    };
    struct pkt t = tcp_seg(0, TCP_ACK, PAYLOAD);
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct pkt l3 = ipv4(0, 6, &t);
        set16(&l3, 6, rows[i].frag);
        struct packet_info pi;
        enum decode_result r = decode_exact(DLT_IPV4, l3.b, l3.len, &pi);
        cr_expect_eq(r, rows[i].want, "row %zu: %s", i, rname(r));
    }
}

/* decode_fragment() on a copy of exactly |len| bytes (ASan sees any overread); pointers rebased. */
static enum decode_result
fragment_exact(int linktype, const uint8_t *bytes, size_t len, struct ip_fragment *out)
{
    uint8_t *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    memcpy(copy, bytes, len);
    enum decode_result r = decode_fragment(linktype, copy, len, out);
    if (r == DECODE_FRAGMENT) {
        cr_assert(out->header >= copy && out->header + out->header_len <= copy + len);
        cr_assert(out->data >= copy && out->data + out->data_len <= copy + len);
        out->header = bytes + (out->header - copy);
        out->data = bytes + (out->data - copy);
    }
    free(copy);
    return r;
}

Test(decode, describes_ipv4_fragments_for_reassembly)
{
    struct pkt t = tcp_seg(0, TCP_ACK, PAYLOAD);
    struct pkt l3 = ipv4(4, 6, &t); /* 4 option bytes: a 24-byte header */
    set16(&l3, 4, 0xbeef);
    set16(&l3, 6, 0x2000 | 3); /* MF, offset 24 bytes */
    struct pkt p = ether(NULL, 0, 0x0800, &l3);
    struct ip_fragment fr;
    enum decode_result r = fragment_exact(DLT_EN10MB, p.b, p.len, &fr);
    cr_assert_eq(r, DECODE_FRAGMENT, "%s", rname(r));
    cr_expect_eq(fr.ip_version, 4);
    cr_expect_arr_eq(fr.src, v4_src, 4);
    cr_expect_arr_eq(fr.dst, v4_dst, 4);
    cr_expect_eq(fr.id, 0xbeef);
    cr_expect_eq(fr.protocol, 6);
    cr_expect_eq(fr.offset, 24);
    cr_expect(fr.more);
    cr_expect_eq(fr.header, p.b + 14);
    cr_expect_eq(fr.header_len, 24);
    cr_expect_eq(fr.data, p.b + 14 + 24);
    cr_expect_eq(fr.data_len, t.len);
    cr_expect_eq(fr.wire_data_len, t.len);
    /* Ethernet padding is not data; a snaplen cut is (data_len < wire_data_len) */
    put_fill(&p, 0, 6);
    cr_assert_eq(fragment_exact(DLT_EN10MB, p.b, p.len, &fr), DECODE_FRAGMENT);
    cr_expect_eq(fr.data_len, t.len);
    cr_assert_eq(fragment_exact(DLT_EN10MB, p.b, 14 + 24 + 10, &fr), DECODE_FRAGMENT);
    cr_expect_eq(fr.data_len, 10);
    cr_expect_eq(fr.wire_data_len, t.len);
    /* the header itself cut: not a fragment that can be used */
    cr_expect_eq(fragment_exact(DLT_EN10MB, p.b, 14 + 22, &fr), DECODE_TRUNCATED);
    /* a whole packet is not a fragment */
    struct pkt whole = ipv4(0, 6, &t);
    cr_expect_eq(fragment_exact(DLT_RAW, whole.b, whole.len, &fr), DECODE_OK);
}

Test(decode, describes_ipv6_fragments_for_reassembly)
{
    struct pkt t = tcp_seg(0, TCP_ACK, PAYLOAD);
    struct pkt e = {.len = 0};
    ext_generic(&e, 44, 0);          /* hop-by-hop, 8 bytes, before the fragment header */
    ext_fragment(&e, 6, 185, false); /* the last fragment, at 1480 bytes */
    struct pkt l3 = ipv6(0, &e, &t);
    struct ip_fragment fr;
    enum decode_result r = fragment_exact(DLT_IPV6, l3.b, l3.len, &fr);
    cr_assert_eq(r, DECODE_FRAGMENT, "%s", rname(r));
    cr_expect_eq(fr.ip_version, 6);
    cr_expect_arr_eq(fr.src, v6_src, 16);
    cr_expect_arr_eq(fr.dst, v6_dst, 16);
    cr_expect_eq(fr.id, UINT32_C(0xdeadbeef));
    cr_expect_eq(fr.protocol, 6);
    cr_expect_eq(fr.offset, 1480);
    cr_expect_not(fr.more);
    cr_expect_eq(fr.header, l3.b);
    cr_expect_eq(fr.frag_header_at, 48);
    cr_expect_eq(fr.header_len, 56);
    cr_expect_eq(fr.data, l3.b + 56);
    cr_expect_eq(fr.data_len, t.len);
    cr_expect_eq(fr.wire_data_len, t.len);
    /* a fragment of a UDP or ICMPv6 datagram is not worth keeping */
    static const unsigned not_tcp[] = {17, 58, 50};
    for (size_t i = 0; i < NELEMS(not_tcp); i++) {
        struct pkt e2 = {.len = 0};
        ext_fragment(&e2, not_tcp[i], 0, true);
        struct pkt u = ipv6(44, &e2, &t);
        cr_expect_eq(fragment_exact(DLT_IPV6, u.b, u.len, &fr), DECODE_NOT_TCP, "next %u",
                     not_tcp[i]);
    }
    /* every cut of the packet: no overread, and never a fragment without its header */
    for (size_t cut = 0; cut < l3.len; cut++) {
        r = fragment_exact(DLT_IPV6, l3.b, cut, &fr);
        if (r == DECODE_FRAGMENT)
            cr_expect_geq(cut, 56, "cut %zu", cut);
    }
}

Test(decode, reports_packets_that_are_not_tcp)
{
    struct pkt udp = {.len = 0};
    put16(&udp, 5353);
    put16(&udp, 5353);
    put16(&udp, 12);
    put16(&udp, 0);
    put32(&udp, 0);
    struct pkt u4 = ipv4(0, 17, &udp), u6 = ipv6(17, NULL, &udp);
    struct pkt icmp = ipv4(0, 1, &udp);
    struct pkt arp = {.len = 0};
    put16(&arp, 1);
    put16(&arp, 0x0800);
    put8(&arp, 6);
    put8(&arp, 4);
    put16(&arp, 1);
    put_fill(&arp, 0x33, 20);
    struct pkt tcp4 = tcp_over(4);

    static const unsigned vlan[] = {0x8100};
    const struct {
        const char *what;
        int linktype;
        struct pkt p;
    } rows[] = {
        {"UDP over IPv4", DLT_EN10MB, ether(NULL, 0, 0x0800, &u4)},
        {"UDP over IPv6", DLT_EN10MB, ether(NULL, 0, 0x86dd, &u6)},
        {"ICMP", DLT_EN10MB, ether(NULL, 0, 0x0800, &icmp)},
        {"ARP", DLT_EN10MB, ether(NULL, 0, 0x0806, &arp)},
        {"ARP in a VLAN", DLT_EN10MB, ether(vlan, 1, 0x0806, &arp)},
        {"802.3 length field (LLC)", DLT_EN10MB, ether(NULL, 0, 46, &arp)},
        {"LLDP", DLT_EN10MB, ether(NULL, 0, 0x88cc, &arp)},
        {"ARP in SLL", DLT_LINUX_SLL, sll(0x0806, &arp)},
        {"ARP in SLL2", DLT_LINUX_SLL2, sll2(0x0806, &arp)},
        {"NULL family AF_IMPLINK", DLT_NULL, null_hdr(3, false, &tcp4)},
        {"LOOP family 17", DLT_LOOP, loop_hdr(17, &tcp4)},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct packet_info pi;
        enum decode_result r = decode_exact(rows[i].linktype, rows[i].p.b, rows[i].p.len, &pi);
        cr_expect_eq(r, DECODE_NOT_TCP, "%s: %s", rows[i].what, rname(r));
    }
}

/* ---- absurd lengths --------------------------------------------------------------- */

/* Overwrites a 1- or 2-byte field of an IP packet; width 0 does nothing. */
struct patch {
    size_t off; /* byte of the IP packet (IPv4 TCP header at 20, IPv6 at 40) */
    int width;
    unsigned value;
};

static void
apply(struct pkt *p, const struct patch *pa)
{
    if (pa->width == 1)
        p->b[pa->off] = (uint8_t)pa->value;
    else if (pa->width == 2)
        set16(p, pa->off, pa->value);
}

Test(decode, rejects_absurd_lengths)
{
    struct pkt t = tcp_seg(0, TCP_ACK, ""); /* 20 bytes */
    static const struct {
        const char *what;
        int v; /* 4 or 6 */
        struct patch a, b;
        enum decode_result want;
    } rows[] = {
        {"IHL 15 in a 40-byte packet", 4, {0, 1, 0x4f}, {0}, DECODE_MALFORMED},
        {"IHL 15, total length 80, 40 captured", 4, {0, 1, 0x4f}, {2, 2, 80}, DECODE_TRUNCATED},
        {"IHL 15, total length 60 (no room for TCP)",
         4,
         {0, 1, 0x4f},
         {2, 2, 60},
         DECODE_MALFORMED},
        {"IHL 4", 4, {0, 1, 0x44}, {0}, DECODE_MALFORMED},
        {"IHL 0", 4, {0, 1, 0x40}, {0}, DECODE_MALFORMED},
        {"IHL 15, UDP, short packet", 4, {0, 1, 0x4f}, {9, 1, 17}, DECODE_MALFORMED},
        {"total length 19", 4, {2, 2, 19}, {0}, DECODE_MALFORMED},
        {"total length 0", 4, {2, 2, 0}, {0}, DECODE_MALFORMED},
        {"total length leaves a 10-byte segment", 4, {2, 2, 30}, {0}, DECODE_MALFORMED},
        {"TCP offset 15 in a 20-byte segment", 4, {32, 1, 0xf0}, {0}, DECODE_MALFORMED},
        {"TCP offset 15, 20 of 60 segment bytes captured",
         4,
         {32, 1, 0xf0},
         {2, 2, 80},
         DECODE_TRUNCATED},
        {"TCP offset 6 in a 20-byte segment", 4, {32, 1, 0x60}, {0}, DECODE_MALFORMED},
        {"TCP offset 4", 4, {32, 1, 0x40}, {0}, DECODE_MALFORMED},
        {"TCP offset 0", 6, {52, 1, 0x00}, {0}, DECODE_MALFORMED},
        {"IPv6 TCP offset 15 in a 20-byte segment", 6, {52, 1, 0xf0}, {0}, DECODE_MALFORMED},
        {"IPv6 TCP offset 15, 20 of 60 captured", 6, {52, 1, 0xf0}, {4, 2, 60}, DECODE_TRUNCATED},
        {"IPv6 payload length 10", 6, {4, 2, 10}, {0}, DECODE_MALFORMED},
        {"IPv6 version 4 in the header", 6, {0, 1, 0x40}, {0}, DECODE_MALFORMED},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct pkt l3 = rows[i].v == 4 ? ipv4(0, 6, &t) : ipv6(6, NULL, &t);
        apply(&l3, &rows[i].a);
        apply(&l3, &rows[i].b);
        struct pkt p = ether(NULL, 0, ethertype_of(&l3), &l3);
        if (rows[i].a.off == 0 && rows[i].a.width == 1)
            set16(&p, 12, rows[i].v == 4 ? 0x0800 : 0x86dd); /* keep the announced type */
        struct packet_info pi;
        enum decode_result r = decode_exact(DLT_EN10MB, p.b, p.len, &pi);
        cr_expect_eq(r, rows[i].want, "%s: %s, want %s", rows[i].what, rname(r),
                     rname(rows[i].want));
    }
}

Test(decode, lengths_beyond_the_capture_are_a_snaplen_cut)
{
    /* the headers are all there: the payload is what the snaplen kept */
    struct pkt t = tcp_seg(0, TCP_ACK, "abc");
    struct pkt l3 = ipv4(0, 6, &t);
    set16(&l3, 2, 1500);
    struct packet_info pi;
    cr_assert_eq(decode_exact(DLT_RAW, l3.b, l3.len, &pi), DECODE_OK);
    cr_expect_eq(pi.payload_len, 3);
    cr_expect_eq(pi.wire_payload_len, 1460);
    cr_expect(memcmp(pi.payload, "abc", 3) == 0);

    l3 = ipv6(6, NULL, &t);
    set16(&l3, 4, 65535);
    cr_assert_eq(decode_exact(DLT_RAW, l3.b, l3.len, &pi), DECODE_OK);
    cr_expect_eq(pi.payload_len, 3);
    cr_expect_eq(pi.wire_payload_len, 65515);
}

/* ---- snaplen cuts ----------------------------------------------------------------- */

/*
 * Cuts |p| at every length: below the headers it is TRUNCATED, from there on
 * OK with the captured part of the payload.
 */
static void
check_every_cut(int linktype, const struct pkt *p, const char *what)
{
    struct packet_info full;
    cr_assert_eq(decode_exact(linktype, p->b, p->len, &full), DECODE_OK, "%s: whole", what);
    cr_assert_eq(full.payload_len, full.wire_payload_len, "%s: whole payload", what);
    size_t hdr = (size_t)(full.payload - p->b);
    for (size_t cut = 0; cut <= p->len; cut++) {
        struct packet_info pi;
        enum decode_result r = decode_exact(linktype, p->b, cut, &pi);
        if (cut < hdr) {
            cr_expect_eq(r, DECODE_TRUNCATED, "%s: cut at %zu: %s", what, cut, rname(r));
            continue;
        }
        cr_expect_eq(r, DECODE_OK, "%s: cut at %zu: %s", what, cut, rname(r));
        if (r != DECODE_OK)
            continue;
        cr_expect_eq(pi.payload_len, cut - hdr, "%s: cut at %zu: payload_len %zu", what, cut,
                     pi.payload_len);
        cr_expect_eq(pi.wire_payload_len, full.wire_payload_len, "%s: cut at %zu", what, cut);
        cr_expect(cut == p->len ? pi.payload_len == pi.wire_payload_len
                                : pi.payload_len < pi.wire_payload_len,
                  "%s: cut at %zu: %zu of %zu", what, cut, pi.payload_len, pi.wire_payload_len);
        cr_expect_eq(pi.seq, SEQ, "%s: cut at %zu: seq", what, cut);
    }
}

Test(decode, never_reads_past_a_snaplen_cut)
{
    static const unsigned qinq[] = {0x88a8, 0x8100};
    struct pkt t = tcp_seg(12, TCP_ACK | TCP_PSH, PAYLOAD);
    struct pkt v4 = ipv4(8, 6, &t);
    struct pkt e = {.len = 0};
    ext_generic(&e, 44, 1);
    ext_fragment(&e, 51, 0, false);
    ext_ah(&e, 6, 4);
    struct pkt v6 = ipv6(0, &e, &t);
    struct pkt plain4 = tcp_over(4), plain6 = tcp_over(6);

    struct pkt p;
    p = ether(NULL, 0, 0x0800, &v4);
    check_every_cut(DLT_EN10MB, &p, "Ethernet IPv4 with options");
    p = ether(qinq, 2, 0x86dd, &v6);
    check_every_cut(DLT_EN10MB, &p, "QinQ IPv6 with extension headers");
    p = sll(0x0800, &plain4);
    check_every_cut(DLT_LINUX_SLL, &p, "SLL IPv4");
    p = sll2(0x86dd, &plain6);
    check_every_cut(DLT_LINUX_SLL2, &p, "SLL2 IPv6");
    p = null_hdr(30, false, &v6);
    check_every_cut(DLT_NULL, &p, "NULL IPv6");
    p = loop_hdr(2, &v4);
    check_every_cut(DLT_LOOP, &p, "LOOP IPv4");
    check_every_cut(DLT_RAW, &v4, "raw IPv4");
    check_every_cut(DLT_RAW, &v6, "raw IPv6");
}

Test(decode, survives_every_cut_of_broken_packets)
{
    /* whatever the bytes say, a cut never leads outside the buffer (ASan watches) */
    struct pkt t = tcp_seg(8, TCP_ACK, PAYLOAD);
    for (int v = 4; v <= 6; v += 2) {
        struct pkt l3 = v == 4 ? ipv4(4, 6, &t) : ipv6(6, NULL, &t);
        struct pkt p = ether(NULL, 0, ethertype_of(&l3), &l3);
        for (size_t pos = 14; pos < p.len; pos++) {
            static const uint8_t values[] = {0x00, 0x0f, 0x45, 0x60, 0xf0, 0xff};
            for (size_t k = 0; k < NELEMS(values); k++) {
                struct pkt q = p;
                q.b[pos] = values[k];
                for (size_t cut = 0; cut <= q.len; cut++) {
                    struct packet_info pi;
                    enum decode_result r = decode_exact(DLT_EN10MB, q.b, cut, &pi);
                    /* one assertion per failure only: passing ones are slow in Criterion */
                    if (r == DECODE_OK && pi.payload_len > pi.wire_payload_len)
                        cr_expect_fail("IPv%d byte %zu = %#x, cut %zu: %zu > %zu", v, pos,
                                       values[k], cut, pi.payload_len, pi.wire_payload_len);
                }
            }
        }
    }
}

/* ---- endpoints --------------------------------------------------------------------- */

Test(decode, formats_endpoints_like_the_report)
{
    static const uint8_t lo4[4] = {127, 0, 0, 1};
    static const uint8_t lo6[16] = {[15] = 1};
    char out[64];
    decode_format_endpoint(4, lo4, 5222, out, sizeof out);
    cr_expect_str_eq(out, "127.0.0.1:5222");
    decode_format_endpoint(6, lo6, 5222, out, sizeof out);
    cr_expect_str_eq(out, "[::1]:5222");
    decode_format_endpoint(6, v6_dst, 65535, out, sizeof out);
    cr_expect_str_eq(out, "[2001:db8::abcd]:65535");
    decode_format_endpoint(4, v4_src, 0, out, sizeof out);
    cr_expect_str_eq(out, "192.0.2.1:0");
    /* a short buffer is cut, still terminated */
    decode_format_endpoint(4, lo4, 5222, out, 6);
    cr_expect_str_eq(out, "127.0");
    /* the longest and the shortest IPv4 forms, and an unknown version */
    static const uint8_t all4[4] = {255, 255, 255, 255}, none4[4] = {0, 0, 0, 0};
    decode_format_endpoint(4, all4, 65535, out, sizeof out);
    cr_expect_str_eq(out, "255.255.255.255:65535");
    decode_format_endpoint(4, none4, 0, out, sizeof out);
    cr_expect_str_eq(out, "0.0.0.0:0");
    decode_format_endpoint(5, all4, 7, out, sizeof out);
    cr_expect_str_eq(out, "?:7");
    decode_format_endpoint(4, all4, 1, out, 1);
    cr_expect_str_eq(out, "");
}

/* ---- a real capture ------------------------------------------------------------------ */

Test(decode, decodes_a_real_loopback_capture)
{
    const char *dir = getenv("TESTDATA");
    cr_assert_not_null(dir, "TESTDATA is not set (make check sets it; by hand: "
                            "export TESTDATA=<srcdir>/testdata)");
    char path[4096];
    snprintf(path, sizeof path, "%s/starttls-plain-ok/capture.pcap", dir);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    cr_assert_not_null(pc, "%s: %s", path, err);
    int dlt = pcap_datalink(pc);
    cr_expect_eq(dlt, DLT_EN10MB);

    char *client = NULL;
    size_t client_len = 0;
    FILE *mem = open_memstream(&client, &client_len);
    cr_assert_not_null(mem);
    static const uint8_t lo4[4] = {127, 0, 0, 1};
    struct pcap_pkthdr *h;
    const u_char *data;
    long n = 0;
    uint16_t client_port = 0;
    bool saw_5222 = false;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        n++;
        struct packet_info pi;
        enum decode_result r = decode_exact(dlt, data, h->caplen, &pi);
        cr_expect_eq(r, DECODE_OK, "packet %ld: %s", n, rname(r));
        if (r != DECODE_OK)
            continue;
        cr_expect_eq(pi.ip_version, 4, "packet %ld", n);
        cr_expect_arr_eq(pi.src, lo4, 4, "packet %ld: src", n);
        cr_expect_eq(pi.payload_len, pi.wire_payload_len, "packet %ld", n);
        if (n == 1) {
            cr_expect((pi.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN, "first packet: flags %#x",
                      pi.flags);
            client_port = pi.sport;
        }
        saw_5222 = saw_5222 || pi.sport == 5222 || pi.dport == 5222;
        if (pi.sport == client_port)
            fwrite(pi.payload, 1, pi.payload_len, mem);
    }
    pcap_close(pc);
    fclose(mem);
    cr_expect_gt(n, 0);
    cr_expect(saw_5222, "no packet on port 5222");
    cr_expect_not_null(memmem(client, client_len, "<stream:stream", 14),
                       "the client's bytes lack a stream header");
    free(client);
}
