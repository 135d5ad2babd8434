/*
 * reasm: one direction of a TCP connection, segments in, the byte stream out
 * in sequence order (RFC 9293 §3.4, sequence numbers modulo 2^32). Handles
 * out-of-order segments, retransmissions and overlaps (the first copy wins; a
 * later copy with different bytes is reported), and holes: bytes that never
 * arrived become a gap, after which the stream goes on. Memory is bounded: at
 * most |max_pending| bytes wait out of order; beyond that the oldest hole is
 * declared a gap.
 */
#ifndef XMPPFLOW_REASM_H
#define XMPPFLOW_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timestamp.h"

enum reasm_kind {
    REASM_DATA,     /* in-order bytes */
    REASM_GAP,      /* |len| bytes are missing here (never captured) */
    REASM_FIN,      /* the sender's FIN, in sequence order */
    REASM_CONFLICT, /* a retransmission carried different bytes for data already delivered */
};

struct reasm_chunk {
    enum reasm_kind kind;
    const uint8_t *data; /* REASM_DATA: valid until the next reasm call */
    size_t len;          /* DATA / GAP / CONFLICT: bytes concerned */
    usec_t time;         /* time of the segment that made this chunk available */
    long packet;         /* its packet number */
};

/* |max_pending| 0 = default (4 MiB). */
struct reasm *reasm_new(size_t max_pending);
void reasm_free(struct reasm *r);

/*
 * Adds one segment: sequence number |seq| of its first byte (of the SYN when
 * |syn|), |len| payload bytes (copied only when they cannot be delivered at
 * once), and its flags. The first segment seen fixes the initial sequence
 * number when no SYN was captured (a connection picked up mid-stream).
 */
void reasm_add(struct reasm *r, uint32_t seq, const uint8_t *data, size_t len, bool syn, bool fin,
               usec_t t, long packet);

/*
 * The peer acknowledged every byte before sequence number |ack| (RFC 9293
 * §3.4): a hole below it will never be filled from this capture, so it
 * becomes a REASM_GAP now and the bytes stored after it are delivered,
 * instead of waiting for reasm_flush().
 */
void reasm_acked(struct reasm *r, uint32_t ack, usec_t t, long packet);

/* Next chunk in sequence order; false when nothing more can be delivered yet. */
bool reasm_next(struct reasm *r, struct reasm_chunk *out);

/*
 * The connection is over (or the capture ended): whatever waits behind a hole
 * is delivered after a REASM_GAP for the hole, then the FIN if one was seen.
 */
void reasm_flush(struct reasm *r);

/* Bytes delivered so far (gaps included). */
uint64_t reasm_offset(const struct reasm *r);

#endif
