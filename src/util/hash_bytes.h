/* hash_bytes: a fast 64-bit hash of a byte string, for in-memory tables only. */
#ifndef XMPPFLOW_HASH_BYTES_H
#define XMPPFLOW_HASH_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Eight bytes per step, a multiply and a shift each (the mixing steps of
 * splitmix64), not a byte-at-a-time chain: keys are hashed per packet.
 */
static inline uint64_t
hash_bytes(const void *p, size_t n)
{
    const char *s = p;
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
        h ^= h >> 31;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * UINT64_C(0x94d049bb133111eb);
    return h ^ (h >> 29);
}

#endif
