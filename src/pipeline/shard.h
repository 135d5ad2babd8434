/*
 * shard: which of N workers owns a connection (-j N). Every worker reads every
 * input and analyses the connections it owns; the merge (merge.h) puts their
 * reports together. The same cut can spread an archive over machines: the
 * owner depends only on the connection's key and N.
 *
 * A connection's key is its canonical bytes:
 *   - capture: the TCP flow, 37 bytes: the IP version (4 or 6), then the lower
 *     endpoint, then the higher (addresses compared as bytes, then ports):
 *     each a 16-byte address (IPv4 in the first 4, the rest zero) and the
 *     port in network byte order. Both directions give the same key.
 *   - ejabberd log: the c2s process id as the log writes it ("<0.506.0>").
 * The owner, numbered from 0, is floor(H * N / 2^32) where H is the high 32
 * bits of hash_bytes(key) (hash_bytes.h: splitmix64 steps over the key read
 * as little-endian 8-byte words, the last one the zero-padded tail with the
 * length in its top byte). The high bits: the low ones of the last
 * multiply depend only on the low bits of the key's last word, so the flows
 * of one server whose clients differ in the port alone all had one owner
 * modulo 2.
 */
#ifndef XMPPFLOW_SHARD_H
#define XMPPFLOW_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash_bytes.h"

/* This process's part of a run: worker |index| of |count| (count >= 1). */
struct shard {
    unsigned index, count;
};

/* The worker, 0 to |count| - 1, that owns the connection keyed |key| (|len| bytes). */
static inline unsigned
shard_owner(const void *key, size_t len, unsigned count)
{
    return count > 1 ? (unsigned)(((hash_bytes(key, len) >> 32) * count) >> 32) : 0;
}

/* True when |s| owns the connection keyed |key|; a NULL |s| owns all. */
static inline bool
shard_mine(const struct shard *s, const void *key, size_t len)
{
    return !s || shard_owner(key, len, s->count) == s->index;
}

#endif
