/*
 * hash_bytes: a fast 64-bit hash of a byte string, for in-memory tables, and
 * the hash that decides which worker owns a connection (shard.h): words are
 * read little-endian whatever the machine, so a key hashes the same
 * everywhere.
 */
#ifndef XMPPFLOW_HASH_BYTES_H
#define XMPPFLOW_HASH_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* |n| (at most 8) bytes at |s| as a little-endian number. */
static inline uint64_t
hash_load_le(const unsigned char *s, size_t n)
{
    uint64_t w = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&w, s, n); /* the same, in one load */
#else
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)s[i] << (8 * i);
#endif
    return w;
}

/*
 * Eight bytes per step, a multiply and a shift each (the mixing steps of
 * splitmix64), not a byte-at-a-time chain: keys are hashed per packet.
 */
static inline uint64_t
hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        h = (h ^ hash_load_le(s, 8)) * UINT64_C(0xbf58476d1ce4e5b9);
        h ^= h >> 31;
    }
    h = (h ^ hash_load_le(s, n)) * UINT64_C(0x94d049bb133111eb);
    return h ^ (h >> 29);
}

#endif
