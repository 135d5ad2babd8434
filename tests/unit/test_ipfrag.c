/* test_ipfrag: IP fragments put back together, in any order; overlaps, losses, floods bounded. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <pcap/pcap.h>

#include "buf.h"
#include "decode.h"
#include "ipfrag.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define T0 INT64_C(1795618146278425)

/* ---- datagrams and their fragments, as raw IP packets ------------------------------ */

struct packet {
    uint8_t b[2048];
    size_t len;
};

/* A TCP segment from 192.0.2.1:40000 to 198.51.100.7:5222 carrying |n| bytes 'a', 'b', ... */
static size_t
tcp_segment(uint8_t *out, size_t n)
{
    static const uint8_t hdr[20] = {0x9c, 0x40, 0x14, 0x66, 0,    0,    0,    1,
                                    0,    0,    0,    1,    0x50, 0x18, 0xff, 0xff};
    memcpy(out, hdr, 20);
    for (size_t i = 0; i < n; i++)
        out[20 + i] = (uint8_t)('a' + i % 26);
    return 20 + n;
}

/*
 * Fragment |k| of an IPv4 datagram of id |id| whose payload is |seg| (|len|
 * bytes) cut in pieces of |size| bytes; |count| gets the number of pieces.
 */
static struct packet
v4_fragment(const uint8_t *seg, size_t len, size_t size, size_t k, uint16_t id, size_t *count)
{
    *count = (len + size - 1) / size;
    size_t off = k * size, n = len - off < size ? len - off : size;
    bool more = off + n < len;
    struct packet p = {.len = 20 + n};
    static const uint8_t hdr[20] = {0x45, 0, 0,   0, 0, 0, 0,   0,  64,  6,
                                    0,    0, 192, 0, 2, 1, 198, 51, 100, 7};
    memcpy(p.b, hdr, 20);
    p.b[2] = (uint8_t)(p.len >> 8);
    p.b[3] = (uint8_t)p.len;
    p.b[4] = (uint8_t)(id >> 8);
    p.b[5] = (uint8_t)id;
    unsigned field = (more ? 0x2000u : 0) | (unsigned)(off / 8);
    p.b[6] = (uint8_t)(field >> 8);
    p.b[7] = (uint8_t)field;
    memcpy(p.b + 20, seg + off, n);
    return p;
}

/* The same for IPv6: fixed header, a fragment header, the piece. */
static struct packet
v6_fragment(const uint8_t *seg, size_t len, size_t size, size_t k, uint32_t id, size_t *count)
{
    *count = (len + size - 1) / size;
    size_t off = k * size, n = len - off < size ? len - off : size;
    bool more = off + n < len;
    struct packet p = {.len = 48 + n};
    memset(p.b, 0, 48);
    p.b[0] = 0x60;
    p.b[4] = (uint8_t)((8 + n) >> 8);
    p.b[5] = (uint8_t)(8 + n);
    p.b[6] = 44;
    p.b[7] = 64;
    p.b[8] = 0x20, p.b[9] = 0x01, p.b[23] = 1;
    p.b[24] = 0x20, p.b[25] = 0x01, p.b[39] = 2;
    p.b[40] = 6;
    unsigned field = (unsigned)off | (more ? 1u : 0u);
    p.b[42] = (uint8_t)(field >> 8);
    p.b[43] = (uint8_t)field;
    p.b[44] = (uint8_t)(id >> 24), p.b[45] = (uint8_t)(id >> 16), p.b[46] = (uint8_t)(id >> 8),
    p.b[47] = (uint8_t)id;
    memcpy(p.b + 48, seg + off, n);
    return p;
}

/* Feeds one raw IP packet; returns true (and the TCP segment in |pi|) when a datagram is whole. */
static bool
feed(struct ipfrag *f, const struct packet *p, usec_t t, long number, struct packet_info *pi)
{
    struct ip_fragment fr;
    enum decode_result r = decode_fragment(DLT_RAW, p->b, p->len, &fr);
    cr_assert_eq(r, DECODE_FRAGMENT, "packet %ld is not a fragment (%d)", number, r);
    const uint8_t *dg;
    size_t len;
    if (!ipfrag_add(f, &fr, t, number, &dg, &len))
        return false;
    r = decode_packet(DLT_RAW, dg, len, pi);
    cr_assert_eq(r, DECODE_OK, "the datagram put together does not decode (%d)", r);
    return true;
}

static void
on_problem(void *arg, const char *message, long packet)
{
    struct buf *b = arg;
    buf_printf(b, "%ld %s\n", packet, message);
}

static char *
problems(struct ipfrag *f)
{
    struct buf b = {0};
    buf_append_str(&b, "");
    ipfrag_problems(f, on_problem, &b);
    return b.data;
}

static void
expect_segment(const struct packet_info *pi, size_t n)
{
    uint8_t want[2048];
    tcp_segment(want, n);
    cr_expect_eq(pi->sport, 40000);
    cr_expect_eq(pi->dport, 5222);
    cr_expect_eq(pi->payload_len, n, "payload %zu bytes, want %zu", pi->payload_len, n);
    cr_expect_eq(pi->wire_payload_len, n);
    if (pi->payload_len == n)
        cr_expect_eq(memcmp(pi->payload, want + 20, n), 0, "payload bytes differ");
}

/* ---- tests ------------------------------------------------------------------------ */

Test(ipfrag, puts_ipv4_and_ipv6_datagrams_together_in_any_order)
{
    uint8_t seg[1500];
    size_t len = tcp_segment(seg, 1000); /* 1020 bytes: 22 pieces of 48, the last 12 */
    static const char *const orders[] = {"in order", "reversed", "odd then even", "last first"};
    for (int v = 4; v <= 6; v += 2)
        for (size_t o = 0; o < NELEMS(orders); o++) {
            struct ipfrag *f = ipfrag_new();
            size_t count;
            if (v == 4)
                v4_fragment(seg, len, 48, 0, 7, &count);
            else
                v6_fragment(seg, len, 48, 0, 7, &count);
            size_t done = 0;
            struct packet_info pi;
            for (size_t i = 0; i < count; i++) {
                size_t k = o == 0   ? i
                           : o == 1 ? count - 1 - i
                           : o == 2 ? (i < (count + 1) / 2 ? 2 * i : 2 * (i - (count + 1) / 2) + 1)
                                    : (i == 0 ? count - 1 : i - 1);
                struct packet p = v == 4 ? v4_fragment(seg, len, 48, k, 7, &count)
                                         : v6_fragment(seg, len, 48, k, 7, &count);
                if (feed(f, &p, T0 + (usec_t)i, (long)i + 1, &pi)) {
                    done++;
                    cr_expect_eq(i, count - 1, "IPv%d %s: whole after %zu of %zu", v, orders[o],
                                 i + 1, count);
                    cr_expect_eq(pi.ip_version, v);
                    expect_segment(&pi, 1000);
                }
            }
            cr_expect_eq(done, 1, "IPv%d %s: %zu datagrams", v, orders[o], done);
            cr_expect_eq(ipfrag_reassembled(f), 1);
            ipfrag_finish(f);
            char *pr = problems(f);
            cr_expect_str_eq(pr, "", "IPv%d %s", v, orders[o]);
            free(pr);
            ipfrag_free(f);
        }
}

Test(ipfrag, interleaved_datagrams_and_identical_duplicates)
{
    uint8_t a[1500], b[1500];
    size_t la = tcp_segment(a, 500), lb = tcp_segment(b, 300);
    struct ipfrag *f = ipfrag_new();
    size_t ca, cb;
    v4_fragment(a, la, 64, 0, 1, &ca);
    v4_fragment(b, lb, 64, 0, 2, &cb);
    size_t whole = 0;
    struct packet_info pi;
    for (size_t i = 0; i < ca || i < cb; i++) {
        if (i < ca) {
            struct packet p = v4_fragment(a, la, 64, i, 1, &ca);
            whole += feed(f, &p, T0, 1, &pi);
            /* the same fragment again (a retransmission on the link): harmless */
            whole += feed(f, &p, T0, 1, &pi);
        }
        if (i < cb) {
            struct packet p = v4_fragment(b, lb, 64, i, 2, &cb);
            whole += feed(f, &p, T0, 2, &pi);
        }
    }
    cr_expect_eq(whole, 2);
    ipfrag_finish(f);
    char *pr = problems(f);
    cr_expect_str_eq(pr, "");
    free(pr);
    ipfrag_free(f);
}

Test(ipfrag, overlapping_fragments_with_other_bytes_drop_the_datagram)
{
    uint8_t seg[1500];
    size_t len = tcp_segment(seg, 400);
    struct ipfrag *f = ipfrag_new();
    size_t count;
    struct packet_info pi;
    struct packet p0 = v4_fragment(seg, len, 64, 0, 9, &count);
    cr_expect_not(feed(f, &p0, T0, 1, &pi));
    /* a fragment over bytes 32..95 (half of piece 0, half of piece 1) with other bytes */
    struct packet evil = v4_fragment(seg, len, 64, 1, 9, &count);
    evil.b[7] = 4; /* offset 32 */
    evil.b[20] ^= 0xff;
    cr_expect_not(feed(f, &evil, T0, 2, &pi));
    for (size_t k = 1; k < count; k++) {
        struct packet p = v4_fragment(seg, len, 64, k, 9, &count);
        cr_expect_not(feed(f, &p, T0, (long)k + 2, &pi), "a dropped datagram came out whole");
    }
    ipfrag_finish(f);
    char *pr = problems(f);
    cr_expect_str_eq(pr, "1 1 fragmented IP datagram dropped: overlapping fragments with "
                         "different bytes\n");
    free(pr);
    ipfrag_free(f);
}

Test(ipfrag, two_different_ends_drop_the_datagram)
{
    uint8_t seg[1500];
    size_t len = tcp_segment(seg, 200);
    struct ipfrag *f = ipfrag_new();
    size_t count;
    struct packet_info pi;
    struct packet last = v4_fragment(seg, len, 64, 3, 5, &count); /* bytes 192..219 */
    cr_expect_not(feed(f, &last, T0, 1, &pi));
    struct packet shorter = last;
    shorter.len -= 4;
    shorter.b[3] = (uint8_t)(shorter.len);
    cr_expect_not(feed(f, &shorter, T0, 2, &pi));
    ipfrag_finish(f);
    char *pr = problems(f);
    cr_expect(strstr(pr, "overlapping fragments with different bytes"), "%s", pr);
    free(pr);
    ipfrag_free(f);
}

Test(ipfrag, a_missing_fragment_is_counted_at_the_end_or_after_30_seconds)
{
    uint8_t seg[1500];
    size_t len = tcp_segment(seg, 300);
    struct ipfrag *f = ipfrag_new();
    size_t count;
    struct packet_info pi;
    for (size_t k = 0; k < 4; k++) {
        if (k == 1)
            continue;
        struct packet p = v4_fragment(seg, len, 64, k, 1, &count);
        cr_expect_not(feed(f, &p, T0, 10 + (long)k, &pi));
    }
    /* the missing piece 31 s later: the datagram has timed out, this one starts anew */
    struct packet late = v4_fragment(seg, len, 64, 1, 1, &count);
    cr_expect_not(feed(f, &late, T0 + IPFRAG_TIMEOUT_USEC + 1000000, 20, &pi));
    ipfrag_finish(f);
    char *pr = problems(f);
    cr_expect_str_eq(pr, "10 2 fragmented IP datagrams dropped: fragments missing when its 30 s "
                         "ran out or the capture ended\n");
    free(pr);
    ipfrag_free(f);
}

Test(ipfrag, a_flood_of_first_fragments_stays_bounded)
{
    uint8_t seg[1500];
    size_t len = tcp_segment(seg, 1400);
    struct ipfrag *f = ipfrag_new();
    size_t count;
    struct packet_info pi;
    /* 10000 datagrams of which only the last piece (furthest offset: the most memory) comes */
    for (unsigned id = 0; id < 10000; id++) {
        struct packet p = v4_fragment(seg, len, 1416, 1, (uint16_t)id, &count);
        cr_expect_not(feed(f, &p, T0 + id, (long)id + 1, &pi));
    }
    ipfrag_finish(f);
    char *pr = problems(f);
    char full[128], missing[128];
    snprintf(full, sizeof full,
             "1 %d fragmented IP datagrams dropped: more than 64 datagrams in reassembly at once\n",
             10000 - IPFRAG_MAX_DATAGRAMS);
    snprintf(missing, sizeof missing, " %d fragmented IP datagrams dropped: fragments missing",
             IPFRAG_MAX_DATAGRAMS);
    cr_expect(strncmp(pr, full, strlen(full)) == 0, "%s", pr);
    cr_expect(strstr(pr, missing), "%s", pr);
    free(pr);
    ipfrag_free(f);
}

Test(ipfrag, cut_and_malformed_fragments_drop_their_datagram)
{
    uint8_t seg[1500];
    size_t len = tcp_segment(seg, 300);
    size_t count;
    struct packet_info pi;
    /* cut by the snapshot length: its data is shorter than the IP length says */
    struct ipfrag *f = ipfrag_new();
    struct packet p = v4_fragment(seg, len, 64, 0, 1, &count);
    struct ip_fragment fr;
    cr_assert_eq(decode_fragment(DLT_RAW, p.b, p.len - 10, &fr), DECODE_FRAGMENT);
    const uint8_t *dg;
    size_t dlen;
    cr_expect_not(ipfrag_add(f, &fr, T0, 1, &dg, &dlen));
    /* a piece before the last that is not a multiple of 8 bytes */
    struct packet odd = v4_fragment(seg, len, 60, 0, 2, &count);
    cr_expect_not(feed(f, &odd, T0, 2, &pi));
    /* a piece reaching past 64 KiB */
    struct packet far = v4_fragment(seg, len, 64, 1, 3, &count);
    far.b[6] = 0x1f, far.b[7] = 0xff; /* offset 65528, no MF */
    cr_expect_not(feed(f, &far, T0, 3, &pi));
    ipfrag_finish(f);
    char *pr = problems(f);
    cr_expect_str_eq(pr, "1 1 fragmented IP datagram dropped: a fragment cut by the snapshot "
                         "length\n"
                         "2 2 fragmented IP datagrams dropped: a fragment past 64 KiB, or one "
                         "before the last not a multiple of 8 bytes\n");
    free(pr);
    ipfrag_free(f);
}

Test(ipfrag, free_and_finish_accept_empty_tables)
{
    ipfrag_free(NULL);
    struct ipfrag *f = ipfrag_new();
    ipfrag_finish(f);
    ipfrag_finish(f);
    cr_expect_eq(ipfrag_reassembled(f), 0);
    ipfrag_free(f);
}
