/*
 * hash_bytes: the one hash of the project, a fast 64-bit hash of a byte
 * string for in-memory tables only (never written out, never a checksum).
 *
 * Eight bytes per step, a multiply and a shift each (the mixing steps of
 * splitmix64), not a byte-at-a-time chain: keys are hashed per packet. The
 * last step takes the zero-padded tail and the length (its low byte in the
 * top byte of the tail word, as SipHash does), so the length is mixed in at
 * the end and a string can be hashed in pieces as they arrive (hash_stream)
 * with the same result as in one call.
 *
 * The tables that hash with these functions: the connection table and its
 * handshakes (hash_bytes), the framer's tag names (hash_stream), the XML
 * scope's prefixes (hash_stream, seeded per process), the login watch tables
 * (hash_stream, case folded), the mask's clean cache (hash_sample) and the
 * flow cache (hash_word). hash_bytes is the same on
 * every host and every run: a key's hash may pick a worker.
 */
#ifndef XMPPFLOW_HASH_BYTES_H
#define XMPPFLOW_HASH_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HASH_BYTES_SEED UINT64_C(0x9e3779b97f4a7c15)

/* One step: eight more bytes. */
static inline uint64_t
hash_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
    return h ^ (h >> 31);
}

/* The last step: the word that holds the tail (and the length). */
static inline uint64_t
hash_finish(uint64_t h, uint64_t w)
{
    h = (h ^ w) * UINT64_C(0x94d049bb133111eb);
    return h ^ (h >> 29);
}

/* A 64-bit word: its hash, in one multiply (a key that is one word already). */
static inline uint64_t
hash_word(uint64_t w)
{
    return hash_finish(HASH_BYTES_SEED, w);
}

/* Eight bytes at |p| as a little-endian number (the same hash on every host). */
static inline uint64_t
hash_load8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* Four bytes at |p|, little-endian. */
static inline uint64_t
hash_load4(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

/* Up to seven bytes: two overlapping loads or three bytes, no copy loop. */
static inline uint64_t
hash_load_tail(const unsigned char *p, size_t n)
{
    if (n >= 4)
        return hash_load4(p) | hash_load4(p + n - 4) << (8 * (n - 4));
    if (n == 0)
        return 0;
    return (uint64_t)p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) | (uint64_t)p[n - 1] << (8 * (n - 1));
}

/* The hash of |n| bytes at |p|, from |seed| (HASH_BYTES_SEED unless an input could choose keys). */
static inline uint64_t
hash_bytes_seeded(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = seed;
    size_t left = n;
    for (; left >= 8; s += 8, left -= 8)
        h = hash_step(h, hash_load8(s));
    return hash_finish(h, hash_load_tail(s, left) ^ (uint64_t)n << 56);
}

static inline uint64_t
hash_bytes(const void *p, size_t n)
{
    return hash_bytes_seeded(HASH_BYTES_SEED, p, n);
}

/*
 * For a cache whose hit compares the bytes anyway: the hash of the first and
 * last eight bytes and the length of a string of at least eight bytes (two
 * steps, not one per eight bytes; strings that differ only in the middle
 * share a set).
 */
static inline uint64_t
hash_sample(const void *p, size_t n)
{
    const unsigned char *s = p;
    return hash_finish(hash_step(HASH_BYTES_SEED, hash_load8(s)), hash_load8(s + n - 8) ^ n);
}

/* hash_bytes of a string that arrives in pieces. */
struct hash_stream {
    uint64_t h;
    uint64_t tail; /* the bytes past the last whole word, little-endian */
    size_t n;      /* bytes so far */
};

static inline void
hash_stream_init(struct hash_stream *st, uint64_t seed)
{
    st->h = seed;
    st->tail = 0;
    st->n = 0;
}

static inline void
hash_stream_add(struct hash_stream *st, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t have = st->n & 7;
    st->n += n;
    if (have) {
        /* complete the word begun by the pieces before */
        size_t take = 8 - have < n ? 8 - have : n;
        st->tail |= hash_load_tail(s, take) << (8 * have);
        if (have + take < 8)
            return;
        st->h = hash_step(st->h, st->tail);
        s += take;
        n -= take;
    }
    for (; n >= 8; s += 8, n -= 8)
        st->h = hash_step(st->h, hash_load8(s));
    st->tail = hash_load_tail(s, n);
}

static inline uint64_t
hash_stream_end(const struct hash_stream *st)
{
    return hash_finish(st->h, st->tail ^ (uint64_t)st->n << 56);
}

#endif
