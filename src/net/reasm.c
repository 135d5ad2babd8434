/* reasm: one direction of a TCP connection, segments in, the byte stream out (RFC 9293 §3.4). */
#include <config.h>
#include "reasm.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

#define DEFAULT_MAX_PENDING ((size_t)4 << 20)

/*
 * RFC 7323 §2.3 caps the window at 2^30 bytes, so a segment ending further
 * ahead than that cannot be part of this stream. Dropping it keeps a wild
 * sequence number from deciding how long a gap is or how much is stored.
 */
#define MAX_WINDOW ((int64_t)1 << 30)

/*
 * Delivered bytes kept to compare retransmissions with. A power of two that
 * is a power-of-two multiple of HISTORY_MIN, so the ring grows into it exactly.
 */
#define HISTORY_MAX ((size_t)64 << 10)
#define HISTORY_MIN ((size_t)512)

/*
 * What a stored piece costs besides its bytes (its slot and malloc's header).
 * It is charged against max_pending so that many tiny segments are bounded
 * as well as a few large ones.
 */
#define PIECE_COST 64

/*
 * An output buffer that grew past this (a large segment, a flush, a gap) is
 * released once drained: a connection otherwise kept its largest segment's
 * size (64 KB with segmentation offload) between its packets.
 */
#define OUT_KEEP ((size_t)16 << 10)

/* Bytes that arrived ahead of a hole; pieces never overlap and start at or after |commit|. */
struct piece {
    uint64_t start; /* stream offset of data[0] */
    size_t len;
    uint8_t *data;
};

/* A chunk waiting for reasm_next(). */
struct entry {
    enum reasm_kind kind;
    size_t off; /* REASM_DATA: where its bytes start in |out| */
    size_t len;
    usec_t time;
    long packet;
};

struct reasm {
    size_t max_pending;
    bool started;  /* |next_seq| is fixed */
    bool fin_seen; /* |fin_off| is known */
    bool fin_done; /* REASM_FIN is queued */
    bool flushed;
    uint32_t next_seq;  /* sequence number of stream offset |commit| */
    uint64_t commit;    /* stream offset up to which chunks are queued */
    uint64_t delivered; /* stream offset up to which chunks were handed out */
    uint64_t fin_off;
    usec_t last_time; /* of the last segment, for chunks that reasm_flush() releases */
    long last_packet;

    /* Queued chunks q[qhead..qlen); the bytes of queued REASM_DATA chunks. */
    struct entry *q;
    size_t qhead, qlen, qcap;
    struct buf out;

    /*
     * The last hist_len (<= hist_cap) bytes before |commit|, ending at
     * hist_pos in a ring. The ring grows only until it first fills, and wraps
     * only at HISTORY_MAX, so growing never has to unwrap it.
     */
    uint8_t *hist;
    size_t hist_cap, hist_len, hist_pos;

    /* Out-of-order pieces sorted by start: pieces[plo..phi). */
    struct piece *pieces;
    size_t plo, phi, pcap;
    size_t pending; /* bytes charged against max_pending */
};

/* |a| - |b| as a signed distance in sequence space (RFC 9293 §3.4). */
static int64_t
seq_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    return d < 0x80000000u ? (int64_t)d : (int64_t)d - ((int64_t)1 << 32);
}

static size_t
count_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (n == 0 || memcmp(a, b, n) == 0)
        return 0;
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += a[i] != b[i];
    return d;
}

static void
push(struct reasm *r, enum reasm_kind kind, size_t off, size_t len, usec_t t, long packet)
{
    if (r->qlen == r->qcap) {
        r->qcap = r->qcap ? 2 * r->qcap : 16;
        r->q = xreallocarray(r->q, r->qcap, sizeof *r->q);
    }
    r->q[r->qlen++] = (struct entry){kind, off, len, t, packet};
}

static void
hist_append(struct reasm *r, const uint8_t *p, size_t n)
{
    if (n >= HISTORY_MAX) {
        p += n - HISTORY_MAX;
        n = HISTORY_MAX;
    }
    if (r->hist_cap < HISTORY_MAX && r->hist_len + n > r->hist_cap) {
        size_t cap = r->hist_cap ? r->hist_cap : HISTORY_MIN;
        while (cap < r->hist_len + n && cap < HISTORY_MAX)
            cap *= 2;
        r->hist = xrealloc(r->hist, cap);
        r->hist_cap = cap;
        /* Not wrapped yet, but a ring that just filled points back at 0. */
        r->hist_pos = r->hist_len;
    }
    size_t first = r->hist_cap - r->hist_pos;
    if (first > n)
        first = n;
    memcpy(r->hist + r->hist_pos, p, first);
    if (n > first)
        memcpy(r->hist, p + first, n - first);
    r->hist_pos = (r->hist_pos + n) % r->hist_cap;
    r->hist_len = r->hist_len + n < r->hist_cap ? r->hist_len + n : r->hist_cap;
}

/*
 * Counts the bytes of |p| (stream offsets |a|.. |a|+|n|, all before |commit|)
 * that differ from what was delivered. Bytes no longer kept are not compared.
 */
static size_t
hist_diff(const struct reasm *r, uint64_t a, const uint8_t *p, size_t n)
{
    assert(a + n <= r->commit);
    uint64_t lo = r->commit - r->hist_len;
    if (a < lo) {
        if (lo - a >= n)
            return 0;
        p += lo - a;
        n -= lo - a;
        a = lo;
    }
    if (n == 0)
        return 0;
    size_t back = (size_t)(r->commit - a); /* <= hist_len <= hist_cap */
    size_t idx = (r->hist_pos + r->hist_cap - back) % r->hist_cap;
    size_t first = r->hist_cap - idx < n ? r->hist_cap - idx : n;
    return count_diff(r->hist + idx, p, first) + count_diff(r->hist, p + first, n - first);
}

/* Queues |n| bytes at |commit| as delivered by the segment (|t|, |packet|). */
static void
commit_bytes(struct reasm *r, const uint8_t *p, size_t n, usec_t t, long packet)
{
    size_t off = r->out.len;
    buf_append(&r->out, p, n);
    hist_append(r, p, n);
    r->commit += n;
    r->next_seq += (uint32_t)n;
    /* Pieces released by one segment become one chunk. */
    struct entry *e = r->qlen > r->qhead ? &r->q[r->qlen - 1] : NULL;
    if (e && e->kind == REASM_DATA && e->off + e->len == off && e->time == t && e->packet == packet)
        e->len += n;
    else
        push(r, REASM_DATA, off, n, t, packet);
}

/* Declares the next |n| bytes missing; what was delivered before them can no longer be compared. */
static void
declare_gap(struct reasm *r, uint64_t n, usec_t t, long packet)
{
    if (n == 0)
        return;
    push(r, REASM_GAP, 0, (size_t)n, t, packet);
    r->commit += n;
    r->next_seq += (uint32_t)n;
    r->hist_len = r->hist_pos = 0;
}

/* Delivers the stored pieces that now continue the stream. */
static void
drain(struct reasm *r, usec_t t, long packet)
{
    while (r->plo < r->phi && r->pieces[r->plo].start == r->commit) {
        struct piece pc = r->pieces[r->plo++];
        commit_bytes(r, pc.data, pc.len, t, packet);
        r->pending -= pc.len + PIECE_COST;
        free(pc.data);
    }
    if (r->plo == r->phi)
        r->plo = r->phi = 0;
}

/* Index of the first piece that ends after |off| (phi when none). */
static size_t
find_piece(const struct reasm *r, uint64_t off)
{
    size_t lo = r->plo, hi = r->phi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->pieces[mid].start + r->pieces[mid].len > off)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Copies |n| bytes at stream offset |start| (overlapping no piece) into the sorted pieces. */
static void
store(struct reasm *r, uint64_t start, const uint8_t *p, size_t n)
{
    size_t i = find_piece(r, start);
    if (r->phi == r->pcap) {
        if (r->plo > 0) {
            memmove(r->pieces, r->pieces + r->plo, (r->phi - r->plo) * sizeof *r->pieces);
            i -= r->plo;
            r->phi -= r->plo;
            r->plo = 0;
        } else {
            r->pcap = r->pcap ? 2 * r->pcap : 16;
            r->pieces = xreallocarray(r->pieces, r->pcap, sizeof *r->pieces);
        }
    }
    memmove(r->pieces + i + 1, r->pieces + i, (r->phi - i) * sizeof *r->pieces);
    uint8_t *copy = xmalloc(n);
    memcpy(copy, p, n);
    r->pieces[i] = (struct piece){start, n, copy};
    r->phi++;
    r->pending += n + PIECE_COST;
}

/*
 * Places |n| new bytes (a hole in what was seen so far) at stream offset
 * |start| >= |commit|: delivered when they continue the stream, stored
 * otherwise. When storing would exceed max_pending, the oldest hole becomes a
 * gap and what follows it is delivered, until the bytes fit or continue the
 * stream themselves.
 */
static void
place(struct reasm *r, uint64_t start, const uint8_t *p, size_t n, usec_t t, long packet)
{
    for (;;) {
        assert(start >= r->commit);
        if (start == r->commit) {
            commit_bytes(r, p, n, t, packet);
            drain(r, t, packet);
            return;
        }
        if (r->pending + n + PIECE_COST <= r->max_pending)
            break;
        uint64_t hole_end = start;
        if (r->plo < r->phi && r->pieces[r->plo].start < start)
            hole_end = r->pieces[r->plo].start;
        declare_gap(r, hole_end - r->commit, t, packet);
        drain(r, t, packet);
    }
    store(r, start, p, n);
}

/*
 * Adds the bytes of |p| at stream offsets |start|.. |start|+|n|: what was
 * already delivered or stored is compared (the first copy wins), the rest is
 * placed. Returns how many compared bytes differed.
 */
static size_t
add_bytes(struct reasm *r, uint64_t start, const uint8_t *p, size_t n, usec_t t, long packet)
{
    uint64_t end = start + n, cur = start;
    size_t diff = 0;
    while (cur < end) {
        const uint8_t *at = p + (cur - start);
        if (cur < r->commit) {
            uint64_t stop = end < r->commit ? end : r->commit;
            diff += hist_diff(r, cur, at, (size_t)(stop - cur));
            cur = stop;
            continue;
        }
        size_t i = find_piece(r, cur);
        if (i == r->phi || r->pieces[i].start >= end) {
            place(r, cur, at, (size_t)(end - cur), t, packet);
            break;
        }
        /* |place| may move the pieces: look again afterwards. */
        const struct piece *pc = &r->pieces[i];
        if (pc->start > cur) {
            uint64_t stop = pc->start;
            place(r, cur, at, (size_t)(stop - cur), t, packet);
            cur = stop;
            continue;
        }
        uint64_t pend = pc->start + pc->len;
        uint64_t stop = end < pend ? end : pend;
        diff += count_diff(pc->data + (cur - pc->start), at, (size_t)(stop - cur));
        cur = stop;
    }
    return diff;
}

/* Forgets stored bytes at or after stream offset |end| (they follow the FIN). */
static void
drop_after(struct reasm *r, uint64_t end)
{
    while (r->phi > r->plo) {
        struct piece *pc = &r->pieces[r->phi - 1];
        if (pc->start >= end) {
            r->pending -= pc->len + PIECE_COST;
            free(pc->data);
            r->phi--;
            continue;
        }
        if (pc->start + pc->len > end) {
            size_t cut = (size_t)(pc->start + pc->len - end);
            pc->len -= cut;
            r->pending -= cut;
        }
        break;
    }
    if (r->plo == r->phi)
        r->plo = r->phi = 0;
}

/* Forgets the chunks already handed out; pointers from reasm_next() die here. */
static void
begin_call(struct reasm *r)
{
    if (r->qhead == r->qlen) {
        r->qhead = r->qlen = 0;
        if (r->out.cap > OUT_KEEP)
            buf_clear(&r->out);
        else
            buf_reset(&r->out);
        return;
    }
    if (r->qhead == 0)
        return;
    size_t keep = r->out.len;
    for (size_t i = r->qhead; i < r->qlen; i++) {
        if (r->q[i].kind == REASM_DATA) {
            keep = r->q[i].off;
            break;
        }
    }
    if (keep > 0)
        buf_consume(&r->out, keep);
    memmove(r->q, r->q + r->qhead, (r->qlen - r->qhead) * sizeof *r->q);
    r->qlen -= r->qhead;
    r->qhead = 0;
    for (size_t i = 0; i < r->qlen; i++)
        if (r->q[i].kind == REASM_DATA)
            r->q[i].off -= keep;
}

struct reasm *
reasm_new(size_t max_pending)
{
    struct reasm *r = xcalloc(1, sizeof *r);
    r->max_pending = max_pending ? max_pending : DEFAULT_MAX_PENDING;
    return r;
}

void
reasm_free(struct reasm *r)
{
    if (!r)
        return;
    for (size_t i = r->plo; i < r->phi; i++)
        free(r->pieces[i].data);
    free(r->pieces);
    free(r->hist);
    free(r->q);
    buf_clear(&r->out);
    free(r);
}

void
reasm_add(struct reasm *r, uint32_t seq, const uint8_t *data, size_t len, bool syn, bool fin,
          usec_t t, long packet)
{
    if (r->flushed || (len == 0 && !syn && !fin) || len > (size_t)MAX_WINDOW)
        return;
    begin_call(r);
    r->last_time = t;
    r->last_packet = packet;

    /* The SYN occupies one sequence number; data starts after it (RFC 9293 §3.4). */
    uint32_t first = syn ? seq + 1 : seq;
    if (!r->started) {
        r->started = true;
        r->next_seq = first;
    }
    int64_t rel = seq_diff(first, r->next_seq);
    if (rel + (int64_t)len > MAX_WINDOW)
        return;
    int64_t start = (int64_t)r->commit + rel;
    int64_t end = start + (int64_t)len;

    /* The FIN follows the segment's last byte; a FIN before delivered bytes is bogus. */
    if (fin && !r->fin_seen && end >= (int64_t)r->commit) {
        r->fin_seen = true;
        r->fin_off = (uint64_t)end;
        drop_after(r, r->fin_off);
    }
    if (r->fin_seen && end > (int64_t)r->fin_off)
        end = start > (int64_t)r->fin_off ? start : (int64_t)r->fin_off;
    /* Bytes before offset 0 precede where a mid-stream capture began. */
    if (start < 0)
        start = end < 0 ? end : 0;

    if (end > start) {
        size_t skip = (size_t)(start - ((int64_t)r->commit + rel));
        size_t diff = add_bytes(r, (uint64_t)start, data + skip, (size_t)(end - start), t, packet);
        if (diff)
            push(r, REASM_CONFLICT, 0, diff, t, packet);
    }
    if (r->fin_seen && !r->fin_done && r->commit == r->fin_off) {
        push(r, REASM_FIN, 0, 0, t, packet);
        r->fin_done = true;
    }
}

bool
reasm_next(struct reasm *r, struct reasm_chunk *out)
{
    if (r->qhead == r->qlen) {
        if (r->out.cap > OUT_KEEP)
            begin_call(r); /* the last chunk's bytes die with this call: the buffer goes now */
        return false;
    }
    const struct entry *e = &r->q[r->qhead++];
    out->kind = e->kind;
    out->data = e->kind == REASM_DATA ? (const uint8_t *)r->out.data + e->off : NULL;
    out->len = e->len;
    out->time = e->time;
    out->packet = e->packet;
    if (e->kind == REASM_DATA || e->kind == REASM_GAP)
        r->delivered += e->len;
    return true;
}

void
reasm_flush(struct reasm *r)
{
    if (r->flushed)
        return;
    begin_call(r);
    r->flushed = true;
    while (r->plo < r->phi) {
        declare_gap(r, r->pieces[r->plo].start - r->commit, r->last_time, r->last_packet);
        drain(r, r->last_time, r->last_packet);
    }
    if (r->fin_seen && !r->fin_done) {
        declare_gap(r, r->fin_off - r->commit, r->last_time, r->last_packet);
        push(r, REASM_FIN, 0, 0, r->last_time, r->last_packet);
        r->fin_done = true;
    }
}

void
reasm_acked(struct reasm *r, uint32_t ack, usec_t t, long packet)
{
    if (!r->started || r->flushed)
        return;
    int64_t rel = seq_diff(ack, r->next_seq);
    if (rel <= 0 || rel > MAX_WINDOW)
        return;
    begin_call(r);
    uint64_t target = r->commit + (uint64_t)rel;
    if (r->fin_seen && target > r->fin_off)
        target = r->fin_off;
    /* holes with captured bytes after them: the peer has the bytes, the capture does not */
    while (r->plo < r->phi && r->pieces[r->plo].start <= target) {
        declare_gap(r, r->pieces[r->plo].start - r->commit, t, packet);
        drain(r, t, packet);
    }
    /* acknowledged bytes never captured; one sequence number may be an uncaptured FIN */
    if (target > r->commit + 1 && !(r->fin_seen && r->fin_done))
        declare_gap(r, target - r->commit, t, packet);
    if (r->fin_seen && !r->fin_done && r->commit == r->fin_off) {
        push(r, REASM_FIN, 0, 0, t, packet);
        r->fin_done = true;
    }
}

uint64_t
reasm_offset(const struct reasm *r)
{
    return r->delivered;
}
