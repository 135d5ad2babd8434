/* test_reasm: TCP reassembly of one direction (order, overlaps, gaps, FIN, wrap-around, bounds). */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "reasm.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Everything reasm_next() handed out, summarised. */
struct got {
    struct buf data;  /* REASM_DATA bytes in order */
    struct buf kinds; /* one letter per chunk (D G F C), consecutive D's as one */
    size_t ngaps, nconflicts, nfins, nchunks;
    uint64_t gap_bytes;
    size_t conflict_bytes;
    long first_gap_packet;
    long conflict_packet;
    /* Optional: the stream the bytes should come from; |pos| counts data and gaps. */
    const uint8_t *want;
    uint64_t pos;
    size_t wrong;
};

static void
got_init(struct got *g)
{
    memset(g, 0, sizeof *g);
    g->first_gap_packet = -1;
    g->conflict_packet = -1;
}

static void
got_clear(struct got *g)
{
    buf_clear(&g->data);
    buf_clear(&g->kinds);
}

static void
collect(struct reasm *r, struct got *g)
{
    struct reasm_chunk c;
    while (reasm_next(r, &c)) {
        g->nchunks++;
        switch (c.kind) {
        case REASM_DATA:
            cr_assert_not_null(c.data);
            cr_assert_gt(c.len, 0);
            if (g->kinds.len == 0 || g->kinds.data[g->kinds.len - 1] != 'D')
                buf_append_char(&g->kinds, 'D');
            buf_append(&g->data, c.data, c.len);
            if (g->want)
                for (size_t i = 0; i < c.len; i++)
                    g->wrong += c.data[i] != g->want[g->pos + i];
            g->pos += c.len;
            break;
        case REASM_GAP:
            cr_assert_gt(c.len, 0);
            buf_append_char(&g->kinds, 'G');
            if (g->ngaps++ == 0)
                g->first_gap_packet = c.packet;
            g->gap_bytes += c.len;
            g->pos += c.len;
            break;
        case REASM_FIN:
            buf_append_char(&g->kinds, 'F');
            g->nfins++;
            break;
        case REASM_CONFLICT:
            buf_append_char(&g->kinds, 'C');
            g->nconflicts++;
            g->conflict_bytes += c.len;
            g->conflict_packet = c.packet;
            break;
        }
    }
}

static const char *
data_str(const struct got *g)
{
    return buf_str(&g->data);
}

static const char *
kinds_str(const struct got *g)
{
    return buf_str(&g->kinds);
}

/* One segment of text; the packet number doubles as its time. */
static void
add(struct reasm *r, uint32_t seq, const char *text, long packet)
{
    reasm_add(r, seq, (const uint8_t *)text, strlen(text), false, false, packet, packet);
}

static void
add_fin(struct reasm *r, uint32_t seq, const char *text, long packet)
{
    reasm_add(r, seq, (const uint8_t *)text, strlen(text), false, true, packet, packet);
}

static void
syn(struct reasm *r, uint32_t isn)
{
    reasm_add(r, isn, NULL, 0, true, false, 0, 0);
}

/* splitmix64: a small reproducible generator for the randomised tests. */
static uint64_t
rnd(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static size_t
rnd_below(uint64_t *state, size_t n)
{
    return (size_t)(rnd(state) % n);
}

struct seg {
    uint32_t off; /* stream offset */
    uint32_t len;
    bool fin;
};

static void
shuffle(struct seg *s, size_t n, uint64_t *state)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = rnd_below(state, i);
        struct seg t = s[i - 1];
        s[i - 1] = s[j];
        s[j] = t;
    }
}

Test(reasm, delivers_in_order_segments_as_they_arrive)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 1000);
    collect(r, &g);
    cr_expect_eq(g.nchunks, 0);
    add(r, 1001, "hello ", 1);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "hello ");
    cr_expect_eq(reasm_offset(r), 6);
    add(r, 1007, "world", 2);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "hello world");
    cr_expect_str_eq(kinds_str(&g), "D");
    cr_expect_eq(g.nchunks, 2);
    cr_expect_eq(reasm_offset(r), 11);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, data_starts_one_after_the_syn)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 5000);
    add(r, 5000, "X", 1); /* would overlap the SYN: not stream data */
    add(r, 5001, "abc", 2);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "abc");
    reasm_free(r);
    got_clear(&g);

    /* A SYN carrying data (TCP Fast Open): its bytes start at ISN+1 too. */
    r = reasm_new(0);
    got_init(&g);
    reasm_add(r, 7000, (const uint8_t *)"xy", 2, true, false, 1, 1);
    add(r, 7003, "z", 2);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "xyz");
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, first_segment_without_syn_starts_the_stream)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    add(r, 123456, "mid", 1);
    add(r, 123454, "xx", 2);    /* before the capture began: cannot be placed */
    add(r, 123452, "yyyym", 3); /* only its last byte is stream data */
    add(r, 123459, "dle", 4);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "middle");
    cr_expect_eq(g.nconflicts, 0);
    cr_expect_eq(reasm_offset(r), 6);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, every_permutation_of_four_segments_gives_the_same_bytes)
{
    static const struct {
        uint32_t off;
        const char *text;
    } segs[] = {{0, "<stream"}, {7, ":stream "}, {15, "to='example.com'"}, {31, ">"}};
    size_t idx[4] = {0, 1, 2, 3};
    unsigned perms = 0;
    for (;;) {
        struct reasm *r = reasm_new(0);
        struct got g;
        got_init(&g);
        syn(r, 0x10000);
        for (size_t k = 0; k < 4; k++) {
            size_t i = idx[k];
            reasm_add(r, 0x10001 + segs[i].off, (const uint8_t *)segs[i].text, strlen(segs[i].text),
                      false, i == 3, (usec_t)k, (long)k);
        }
        collect(r, &g);
        cr_expect_str_eq(data_str(&g), "<stream:stream to='example.com'>",
                         "permutation %zu%zu%zu%zu", idx[0], idx[1], idx[2], idx[3]);
        cr_expect_str_eq(kinds_str(&g), "DF", "permutation %zu%zu%zu%zu", idx[0], idx[1], idx[2],
                         idx[3]);
        cr_expect_eq(reasm_offset(r), 32);
        reasm_free(r);
        got_clear(&g);
        perms++;

        /* next permutation in lexicographic order */
        size_t i = 3;
        while (i > 0 && idx[i - 1] >= idx[i])
            i--;
        if (i == 0)
            break;
        size_t j = 3;
        while (idx[j] <= idx[i - 1])
            j--;
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
        for (size_t a = i, b = 3; a < b; a++, b--) {
            t = idx[a];
            idx[a] = idx[b];
            idx[b] = t;
        }
    }
    cr_expect_eq(perms, 24);
}

Test(reasm, one_byte_segments_in_random_order_rebuild_the_segment)
{
    char text[501];
    for (size_t i = 0; i < 500; i++)
        text[i] = (char)('a' + i % 26);
    text[500] = '\0';
    struct seg segs[500];
    for (uint32_t i = 0; i < 500; i++)
        segs[i] = (struct seg){i, 1, false};
    uint64_t state = 42;
    shuffle(segs, NELEMS(segs), &state);

    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 77);
    for (size_t i = 0; i < NELEMS(segs); i++) {
        reasm_add(r, 78 + segs[i].off, (const uint8_t *)text + segs[i].off, 1, false, false, 1,
                  (long)i);
        collect(r, &g);
    }
    cr_expect_str_eq(data_str(&g), text);
    cr_expect_eq(g.ngaps + g.nconflicts + g.nfins, 0);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, duplicate_segments_are_delivered_once)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 0);
    add(r, 1, "AAA", 1);
    add(r, 1, "AAA", 2);
    add(r, 7, "CCC", 3);
    add(r, 7, "CCC", 4);
    add(r, 4, "BBB", 5);
    add(r, 4, "BBB", 6);
    add(r, 1, "AAA", 7);
    add(r, 7, "CCC", 8);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "AAABBBCCC");
    cr_expect_eq(g.nconflicts, 0);
    cr_expect_eq(reasm_offset(r), 9);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, retransmission_with_same_bytes_reports_no_conflict)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 99);
    add(r, 100, "0123456789", 1);
    add(r, 103, "3456", 2);
    add(r, 108, "89AB", 3); /* partly delivered, partly new */
    add(r, 100, "0123456789AB", 4);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "0123456789AB");
    cr_expect_str_eq(kinds_str(&g), "D");
    cr_expect_eq(g.nconflicts, 0);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, retransmission_with_different_bytes_is_reported_and_the_first_copy_kept)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 99);
    add(r, 100, "hello world", 1);
    add(r, 100, "HELLO", 2);
    collect(r, &g);
    cr_expect_str_eq(kinds_str(&g), "DC");
    cr_expect_eq(g.conflict_bytes, 5);
    cr_expect_eq(g.conflict_packet, 2);
    add(r, 106, "wOrld!", 3); /* one differing byte, one new byte */
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "hello world!");
    cr_expect_eq(g.nconflicts, 2);
    cr_expect_eq(g.conflict_bytes, 6);
    cr_expect_eq(g.conflict_packet, 3);
    cr_expect_eq(reasm_offset(r), 12);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, retransmissions_are_compared_with_the_last_64_kib_delivered)
{
    enum { TOTAL = 200 * 1024, KEPT = 64 * 1024 };
    uint8_t *stream = malloc(TOTAL);
    uint8_t *copy = malloc(TOTAL);
    cr_assert(stream && copy);
    uint64_t state = 3;
    for (size_t i = 0; i < TOTAL; i++)
        stream[i] = (uint8_t)rnd(&state);
    /* segment sizes that fill the growing history exactly, then wrap it */
    static const size_t cuts[] = {4096, 1, 4095, 8192, 16384, 100, 40000, 1460, 130000};
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 0xFFFFFF00u);
    size_t off = 0;
    for (size_t k = 0; off < TOTAL; k++) {
        size_t n = k < NELEMS(cuts) ? cuts[k] : 1460;
        if (n > TOTAL - off)
            n = TOTAL - off;
        reasm_add(r, 0xFFFFFF01u + (uint32_t)off, stream + off, n, false, false, 1, 1);
        off += n;
        /* after every segment: resend the 3000 bytes before its end unchanged */
        size_t from = off > 3000 ? off - 3000 : 0;
        reasm_add(r, 0xFFFFFF01u + (uint32_t)from, stream + from, off - from, false, false, 2, 2);
        collect(r, &g);
        cr_assert_eq(g.nconflicts, 0, "after %zu bytes", off);
    }
    cr_expect_eq(g.data.len, TOTAL);
    cr_expect_eq(memcmp(g.data.data, stream, TOTAL), 0);

    /* the whole kept window resent unchanged, then with 3 bytes changed */
    memcpy(copy, stream, TOTAL);
    reasm_add(r, 0xFFFFFF01u + (uint32_t)(TOTAL - KEPT), copy + TOTAL - KEPT, KEPT, false, false, 3,
              3);
    collect(r, &g);
    cr_expect_eq(g.nconflicts, 0);
    copy[TOTAL - KEPT] ^= 1;
    copy[TOTAL - KEPT / 2] ^= 1;
    copy[TOTAL - 1] ^= 1;
    reasm_add(r, 0xFFFFFF01u + (uint32_t)(TOTAL - KEPT), copy + TOTAL - KEPT, KEPT, false, false, 4,
              4);
    collect(r, &g);
    cr_expect_eq(g.nconflicts, 1);
    cr_expect_eq(g.conflict_bytes, 3);
    /* older bytes are no longer kept: nothing to compare with */
    copy[TOTAL - KEPT - 1] ^= 1;
    reasm_add(r, 0xFFFFFF01u + (uint32_t)(TOTAL - KEPT - 1), copy + TOTAL - KEPT - 1, 1, false,
              false, 5, 5);
    collect(r, &g);
    cr_expect_eq(g.nconflicts, 1);
    cr_expect_eq(g.data.len, TOTAL);
    cr_expect_eq(memcmp(g.data.data, stream, TOTAL), 0);
    reasm_free(r);
    got_clear(&g);
    free(copy);
    free(stream);
}

Test(reasm, overlapping_out_of_order_segments_keep_the_first_copy)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 0);
    add(r, 5, "efgh", 1);   /* offsets 4..8, waits for 0..4 */
    add(r, 3, "cdEFij", 2); /* 2..8: EF and ij differ from the stored ef and gh */
    collect(r, &g);
    cr_expect_str_eq(kinds_str(&g), "C");
    cr_expect_eq(g.conflict_bytes, 4);
    add(r, 1, "ab", 3);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "abcdefgh");
    cr_expect_str_eq(kinds_str(&g), "CD");
    reasm_free(r);
    got_clear(&g);

    /* An in-order segment covering stored bytes: the stored copy came first. */
    r = reasm_new(0);
    got_init(&g);
    syn(r, 0);
    add(r, 5, "ef", 1);
    add(r, 1, "abcdEFg", 2);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "abcdefg");
    cr_expect_eq(g.nconflicts, 1);
    cr_expect_eq(g.conflict_bytes, 2);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, flush_turns_a_dropped_segment_into_a_gap_of_its_length)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 1);
    add(r, 2, "aaaa", 1);
    /* "bbbbbb" at offsets 4..10 never captured */
    add(r, 12, "cccc", 2);
    add_fin(r, 16, "dd", 3);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "aaaa");
    cr_expect_eq(reasm_offset(r), 4);
    reasm_flush(r);
    collect(r, &g);
    cr_expect_str_eq(kinds_str(&g), "DGDF");
    cr_expect_eq(g.gap_bytes, 6);
    cr_expect_str_eq(data_str(&g), "aaaaccccdd");
    cr_expect_eq(reasm_offset(r), 16);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, flush_reports_missing_bytes_before_the_fin_as_a_gap)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 1);
    add(r, 2, "abc", 1);
    reasm_add(r, 8, NULL, 0, false, true, 2, 2); /* FIN at offset 6: 3 bytes lost */
    collect(r, &g);
    cr_expect_str_eq(kinds_str(&g), "D");
    reasm_flush(r);
    collect(r, &g);
    cr_expect_str_eq(kinds_str(&g), "DGF");
    cr_expect_eq(g.gap_bytes, 3);
    cr_expect_eq(reasm_offset(r), 6);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, sequence_numbers_wrap_around_2_32)
{
    static const char text[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    /* ISNs whose data crosses 2^32 at every point of the text, or starts at 0 */
    for (uint32_t isn = 0xFFFFFFF0u; isn != 0x00000004u; isn++) {
        struct reasm *r = reasm_new(0);
        struct got g;
        got_init(&g);
        syn(r, isn);
        /* out of order: the second half (past the wrap for most ISNs) first */
        add(r, isn + 1 + 18, text + 18, 1);
        reasm_add(r, isn + 1 + 9, (const uint8_t *)text + 9, 9, false, false, 2, 2);
        collect(r, &g);
        cr_expect_eq(g.nchunks, 0, "isn %#x", isn);
        reasm_add(r, isn + 1, (const uint8_t *)text, 12, false, false, 3, 3);
        reasm_add(r, isn + 1 + 36, NULL, 0, false, true, 4, 4);
        collect(r, &g);
        cr_expect_str_eq(data_str(&g), text, "isn %#x", isn);
        cr_expect_str_eq(kinds_str(&g), "DF", "isn %#x", isn);
        cr_expect_eq(g.nconflicts, 0, "isn %#x", isn);
        reasm_free(r);
        got_clear(&g);
    }

    /* Picked up mid-stream just before the wrap, with a gap across it. */
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    add(r, 0xFFFFFFFEu, "ab", 1);
    add(r, 0x00000002u, "ef", 2);
    reasm_flush(r);
    collect(r, &g);
    cr_expect_str_eq(kinds_str(&g), "DGD");
    cr_expect_eq(g.gap_bytes, 2);
    cr_expect_str_eq(data_str(&g), "abef");
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, fin_waits_for_the_bytes_before_it_and_comes_once)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 500);
    add_fin(r, 507, "end", 7);
    collect(r, &g);
    cr_expect_eq(g.nchunks, 0);
    add(r, 501, "start ", 8);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "start end");
    cr_expect_str_eq(kinds_str(&g), "DF");
    add_fin(r, 507, "end", 9); /* retransmitted FIN */
    reasm_add(r, 510, NULL, 0, false, true, 10, 10);
    reasm_flush(r);
    collect(r, &g);
    cr_expect_eq(g.nfins, 1);
    cr_expect_eq(reasm_offset(r), 9);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, data_after_the_fin_is_ignored)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 0);
    add(r, 9, "later", 1);    /* stored, but beyond the FIN that follows */
    add_fin(r, 4, "defg", 2); /* FIN at offset 7 */
    add(r, 6, "fghijk", 3);   /* straddles the FIN */
    add(r, 1, "abc", 4);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "abcdefg");
    cr_expect_str_eq(kinds_str(&g), "DF");
    add(r, 8, "more", 5);
    reasm_flush(r);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "abcdefg");
    cr_expect_str_eq(kinds_str(&g), "DF");
    cr_expect_eq(reasm_offset(r), 7);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, memory_bound_turns_the_oldest_hole_into_a_gap)
{
    enum { MSS = 1460, TOTAL = 10 * 1000 * 1000 };
    uint8_t *stream = malloc(TOTAL);
    cr_assert_not_null(stream);
    uint64_t state = 7;
    for (size_t i = 0; i < TOTAL; i++)
        stream[i] = (uint8_t)rnd(&state);

    struct reasm *r = reasm_new((size_t)1 << 20);
    struct got g;
    got_init(&g);
    g.want = stream;
    syn(r, 0);
    /* the first segment is lost; everything after it arrives */
    long packet = 0;
    for (size_t off = MSS; off < TOTAL; off += MSS) {
        size_t n = TOTAL - off < MSS ? TOTAL - off : MSS;
        reasm_add(r, (uint32_t)(1 + off), stream + off, n, false, false, 0, ++packet);
        collect(r, &g);
    }
    cr_expect_eq(g.ngaps, 1);
    cr_expect_eq(g.gap_bytes, MSS);
    /* declared once about 1 MiB was waiting, not at the end */
    cr_expect_gt(g.first_gap_packet, 500);
    cr_expect_lt(g.first_gap_packet, 800);
    cr_expect_eq(g.data.len, TOTAL - MSS);
    cr_expect_eq(g.wrong, 0);
    cr_expect_eq(reasm_offset(r), TOTAL);

    /* the lost segment turning up late changes nothing */
    reasm_add(r, 1, stream, MSS, false, false, 0, ++packet);
    reasm_flush(r);
    collect(r, &g);
    cr_expect_eq(g.ngaps, 1);
    cr_expect_eq(g.nconflicts, 0);
    cr_expect_eq(g.data.len, TOTAL - MSS);
    reasm_free(r);
    got_clear(&g);
    free(stream);
}

Test(reasm, many_tiny_segments_are_bounded_too)
{
    /* 1-byte segments, every other one lost: their bookkeeping counts against the bound */
    struct reasm *r = reasm_new(4096);
    struct got g;
    got_init(&g);
    syn(r, 0);
    for (uint32_t i = 1; i < 20000; i += 2)
        reasm_add(r, 1 + i, (const uint8_t *)"x", 1, false, false, 0, i);
    collect(r, &g);
    cr_expect_gt(g.ngaps, 10000 / 2);
    cr_expect_eq(g.ngaps + g.data.len, reasm_offset(r));
    reasm_flush(r);
    collect(r, &g);
    cr_expect_eq(g.ngaps, 10000);
    cr_expect_eq(g.data.len, 10000);
    cr_expect_eq(reasm_offset(r), 20000);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, absurd_sequence_numbers_are_dropped_without_allocating)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 1000);
    add(r, 1001, "ok", 1);
    static const uint32_t far[] = {
        1003u + 0x7FFFFFFFu, /* 2^31 - 1 ahead */
        1003u + 0x80000000u, /* exactly half the space: behind */
        1003u + 0x40000000u, /* 1 GiB ahead: its last byte is beyond the window */
        1003u - 0x40000000u, /* 1 GiB behind */
        1003u - 4u,          /* the SYN and the byte before it */
    };
    for (size_t i = 0; i < NELEMS(far); i++)
        reasm_add(r, far[i], (const uint8_t *)"zz", 2, false, true, 2, 2);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "ok");
    cr_expect_eq(g.nchunks, 1);

    /* A length over the window is refused before its bytes are touched. */
    size_t huge = ((size_t)1 << 30) + 4096;
    void *nothing = mmap(NULL, huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert_neq(nothing, MAP_FAILED);
    reasm_add(r, 1003, nothing, huge, false, false, 3, 3);
    munmap(nothing, huge);

    add(r, 1003, "!", 4);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "ok!");
    cr_expect_str_eq(kinds_str(&g), "D");

    /* Far but inside the window: a gap of that length at flush, nothing more. */
    add(r, 1004 + 0x3FFF0000u, "far", 5);
    reasm_flush(r);
    collect(r, &g);
    cr_expect_str_eq(kinds_str(&g), "DGD");
    cr_expect_eq(g.gap_bytes, 0x3FFF0000u);
    cr_expect_str_eq(data_str(&g), "ok!far");
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, zero_length_segments_change_nothing)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    /* a pure ACK before any data does not fix where the stream starts */
    reasm_add(r, 999, NULL, 0, false, false, 1, 1);
    add(r, 5000, "abc", 2);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "abc");
    static const uint32_t acks[] = {5003, 5002, 5010, 0, 0x80000000u, 4999};
    for (size_t i = 0; i < NELEMS(acks); i++)
        reasm_add(r, acks[i], (const uint8_t *)"ignored", 0, false, false, 3, 3);
    collect(r, &g);
    cr_expect_eq(g.nchunks, 1);
    cr_expect_eq(reasm_offset(r), 3);
    add(r, 5003, "d", 4);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "abcd");
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, syn_retransmitted_or_late_changes_nothing)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 300);
    syn(r, 300);
    add(r, 301, "abc", 1);
    syn(r, 300);
    syn(r, 50);
    syn(r, 303); /* would move the start if it were honoured */
    add(r, 304, "def", 2);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "abcdef");
    cr_expect_str_eq(kinds_str(&g), "D");
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, chunks_carry_the_time_and_packet_of_the_segment_that_completed_them)
{
    struct reasm *r = reasm_new(0);
    syn(r, 0);
    reasm_add(r, 4, (const uint8_t *)"def", 3, false, false, 200, 2);
    reasm_add(r, 7, (const uint8_t *)"ghi", 3, false, false, 300, 3);
    reasm_add(r, 1, (const uint8_t *)"abc", 3, false, false, 400, 4);
    reasm_add(r, 20, (const uint8_t *)"xyz", 3, false, false, 500, 5);
    struct reasm_chunk c;
    size_t bytes = 0;
    while (reasm_next(r, &c)) {
        cr_expect_eq(c.kind, REASM_DATA);
        cr_expect_eq(c.packet, 4);
        cr_expect_eq(c.time, 400);
        bytes += c.len;
    }
    cr_expect_eq(bytes, 9);
    reasm_flush(r);
    cr_assert(reasm_next(r, &c));
    cr_expect_eq(c.kind, REASM_GAP);
    cr_expect_eq(c.len, 10);
    cr_expect_eq(c.packet, 5); /* released by the flush: the last segment seen */
    cr_assert(reasm_next(r, &c));
    cr_expect_eq(c.kind, REASM_DATA);
    cr_expect_eq(c.len, 3);
    cr_expect_eq(memcmp(c.data, "xyz", 3), 0);
    cr_expect_not(reasm_next(r, &c));
    reasm_free(r);
}

Test(reasm, chunks_stay_readable_when_the_caller_drains_late)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 0);
    add(r, 1, "one ", 1);
    add(r, 5, "two ", 2);
    struct reasm_chunk c;
    cr_assert(reasm_next(r, &c));
    cr_expect_eq(c.len, 4);
    cr_expect_eq(memcmp(c.data, "one ", 4), 0);
    cr_expect_eq(reasm_offset(r), 4);
    add(r, 9, "three", 3);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "two three");
    cr_expect_eq(reasm_offset(r), 13);
    reasm_free(r);
    got_clear(&g);
}

Test(reasm, adds_after_flush_are_ignored)
{
    struct reasm *r = reasm_new(0);
    struct got g;
    got_init(&g);
    syn(r, 0);
    add(r, 1, "abc", 1);
    reasm_flush(r);
    add(r, 4, "def", 2);
    add_fin(r, 4, "", 3);
    reasm_flush(r);
    collect(r, &g);
    cr_expect_str_eq(data_str(&g), "abc");
    cr_expect_str_eq(kinds_str(&g), "D");
    reasm_free(r);
    got_clear(&g);
    reasm_free(NULL);
}

/*
 * The property behind everything above: a random 100 KB stream, cut at random
 * points, with random overlapping retransmissions, in random order, comes out
 * exactly as it went in.
 */
Test(reasm, reordered_and_duplicated_segments_rebuild_the_stream_for_200_seeds)
{
    enum { TOTAL = 100 * 1000, MAXSEG = 3000 };
    uint8_t *stream = malloc(TOTAL);
    struct seg *segs = malloc(2 * TOTAL * sizeof *segs);
    cr_assert(stream && segs);
    for (uint64_t seed = 1; seed <= 200; seed++) {
        uint64_t state = seed;
        for (size_t i = 0; i < TOTAL; i++)
            stream[i] = (uint8_t)rnd(&state);
        size_t n = 0;
        for (uint32_t off = 0; off < TOTAL;) {
            uint32_t len = 1 + (uint32_t)rnd_below(&state, MAXSEG);
            if (len > TOTAL - off)
                len = TOTAL - off;
            segs[n++] = (struct seg){off, len, off + len == TOTAL};
            off += len;
        }
        /* retransmissions cut at other boundaries */
        size_t dups = n / 4 + 1;
        for (size_t k = 0; k < dups; k++) {
            uint32_t off = (uint32_t)rnd_below(&state, TOTAL);
            uint32_t len = 1 + (uint32_t)rnd_below(&state, MAXSEG);
            if (len > TOTAL - off)
                len = TOTAL - off;
            segs[n++] = (struct seg){off, len, off + len == TOTAL};
        }
        shuffle(segs, n, &state);
        /* every fourth seed starts just before the wrap */
        uint32_t isn = seed % 4 ? (uint32_t)rnd(&state) : 0xFFFFFFFFu - (uint32_t)seed;

        struct reasm *r = reasm_new(0);
        struct got g;
        got_init(&g);
        g.want = stream;
        syn(r, isn);
        for (size_t i = 0; i < n; i++) {
            reasm_add(r, isn + 1 + segs[i].off, stream + segs[i].off, segs[i].len, false,
                      segs[i].fin, (usec_t)i, (long)i);
            if (rnd_below(&state, 3) == 0)
                collect(r, &g);
        }
        collect(r, &g);
        cr_expect_eq(g.data.len, TOTAL, "seed %llu", (unsigned long long)seed);
        cr_expect_eq(g.wrong, 0, "seed %llu", (unsigned long long)seed);
        cr_expect_eq(memcmp(g.data.data, stream, g.data.len < TOTAL ? g.data.len : TOTAL), 0,
                     "seed %llu", (unsigned long long)seed);
        cr_expect_str_eq(kinds_str(&g), "DF", "seed %llu", (unsigned long long)seed);
        cr_expect_eq(reasm_offset(r), TOTAL, "seed %llu", (unsigned long long)seed);
        reasm_flush(r);
        size_t before = g.nchunks;
        collect(r, &g);
        cr_expect_eq(g.nchunks, before, "seed %llu", (unsigned long long)seed);
        reasm_free(r);
        got_clear(&g);
    }
    free(segs);
    free(stream);
}

/*
 * With losses and a tight bound, gaps appear, but every delivered byte still
 * sits at its own offset and data plus gaps add up to the stream's length.
 */
Test(reasm, with_losses_and_a_tight_bound_every_byte_keeps_its_offset_for_200_seeds)
{
    enum { TOTAL = 100 * 1000, MAXSEG = 1500 };
    uint8_t *stream = malloc(TOTAL);
    struct seg *segs = malloc(2 * TOTAL * sizeof *segs);
    cr_assert(stream && segs);
    for (uint64_t seed = 1; seed <= 200; seed++) {
        uint64_t state = seed * 7919;
        for (size_t i = 0; i < TOTAL; i++)
            stream[i] = (uint8_t)rnd(&state);
        size_t n = 0;
        for (uint32_t off = 0; off < TOTAL;) {
            uint32_t len = 1 + (uint32_t)rnd_below(&state, MAXSEG);
            if (len > TOTAL - off)
                len = TOTAL - off;
            if (rnd_below(&state, 10) != 0) /* 10% lost */
                segs[n++] = (struct seg){off, len, false};
            if (rnd_below(&state, 10) == 0) /* 10% retransmitted */
                segs[n++] = (struct seg){off, len, false};
            off += len;
        }
        segs[n++] = (struct seg){TOTAL, 0, true};
        /* local reordering: swap neighbours within a few places */
        for (size_t i = 0; i + 1 < n; i++) {
            size_t j = i + rnd_below(&state, 6);
            if (j < n) {
                struct seg t = segs[i];
                segs[i] = segs[j];
                segs[j] = t;
            }
        }
        uint32_t isn = (uint32_t)rnd(&state);
        size_t bound = 2048 + rnd_below(&state, 16384);

        struct reasm *r = reasm_new(bound);
        struct got g;
        got_init(&g);
        g.want = stream;
        syn(r, isn);
        for (size_t i = 0; i < n; i++) {
            reasm_add(r, isn + 1 + segs[i].off, stream + segs[i].off, segs[i].len, false,
                      segs[i].fin, (usec_t)i, (long)i);
            collect(r, &g);
        }
        reasm_flush(r);
        collect(r, &g);
        cr_expect_eq(g.wrong, 0, "seed %llu", (unsigned long long)seed);
        cr_expect_eq(g.pos, TOTAL, "seed %llu", (unsigned long long)seed);
        cr_expect_eq(g.data.len + g.gap_bytes, TOTAL, "seed %llu", (unsigned long long)seed);
        cr_expect_eq(g.nconflicts, 0, "seed %llu", (unsigned long long)seed);
        cr_expect_eq(g.nfins, 1, "seed %llu", (unsigned long long)seed);
        cr_expect_eq(g.kinds.data[g.kinds.len - 1], 'F', "seed %llu", (unsigned long long)seed);
        cr_expect_eq(reasm_offset(r), TOTAL, "seed %llu", (unsigned long long)seed);
        reasm_free(r);
        got_clear(&g);
    }
    free(segs);
    free(stream);
}
