/*
 * Unit tests for shard.h: the owner of a connection is a function of its key
 * and the worker count only, the same on every machine and in every run (the
 * expected values below were computed with an independent Python version of
 * hash_bytes: splitmix64 steps over little-endian 8-byte words, the last word
 * the zero-padded tail with the length in its top byte), and spreads keys
 * evenly.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "shard.h"

/* The capture key of a flow, as shard.h documents it: version, lower endpoint, higher endpoint. */
static size_t
flow_key(uint8_t out[37], int version, const uint8_t *lo, unsigned lo_port, const uint8_t *hi,
         unsigned hi_port)
{
    size_t alen = version == 6 ? 16 : 4;
    memset(out, 0, 37);
    out[0] = (uint8_t)version;
    memcpy(out + 1, lo, alen);
    out[17] = (uint8_t)(lo_port >> 8);
    out[18] = (uint8_t)lo_port;
    memcpy(out + 19, hi, alen);
    out[35] = (uint8_t)(hi_port >> 8);
    out[36] = (uint8_t)hi_port;
    return 37;
}

Test(shard, the_hash_of_a_key_is_fixed)
{
    cr_expect_eq(hash_bytes("<0.506.0>", 9), UINT64_C(0x840ae00f8790e03d));
    cr_expect_eq(hash_bytes("", 0), UINT64_C(0x2ad0938b4c26d017));
    cr_expect_eq(hash_bytes("abcdefgh", 8), UINT64_C(0x3290a465bbbefc47));
    uint8_t key[37];
    static const uint8_t lo4[4] = {127, 0, 0, 1};
    flow_key(key, 4, lo4, 5222, lo4, 40000);
    cr_expect_eq(hash_bytes(key, sizeof key), UINT64_C(0xdb6a92efd6ee6e2c));
    uint8_t lo6[16] = {0}, hi6[16] = {0x20, 0x01, 0x0d, 0xb8};
    lo6[15] = 1;
    hi6[15] = 1;
    flow_key(key, 6, lo6, 5222, hi6, 50000);
    cr_expect_eq(hash_bytes(key, sizeof key), UINT64_C(0x54a623bd766f3591));
}

Test(shard, the_owner_is_the_high_half_of_the_hash_scaled_to_the_workers)
{
    static const unsigned want[4] = {1, 1, 2, 3}; /* of 2, 3, 4, 7 workers */
    static const unsigned counts[4] = {2, 3, 4, 7};
    for (int i = 0; i < 4; i++)
        cr_expect_eq(shard_owner("<0.506.0>", 9, counts[i]), want[i], "of %u", counts[i]);
    cr_expect_eq(shard_owner("<0.506.0>", 9, 1), 0u);
    struct shard w1 = {.index = 1, .count = 3}, w0 = {.index = 0, .count = 3};
    cr_expect(shard_mine(&w1, "<0.506.0>", 9));
    cr_expect_not(shard_mine(&w0, "<0.506.0>", 9));
    cr_expect(shard_mine(NULL, "<0.506.0>", 9), "one process owns every connection");
}

Test(shard, flows_that_differ_in_the_client_port_alone_spread_too)
{
    /* one client address, one server (gen_inputs.py conns): hash_bytes % 2 gave them all one owner */
    static const uint8_t server[4] = {10, 0, 0, 2}, client[4] = {10, 1, 0, 1};
    unsigned owners[2] = {0};
    for (unsigned port = 1000; port < 3000; port++) {
        uint8_t key[37];
        flow_key(key, 4, server, 5222, client, port);
        owners[shard_owner(key, sizeof key, 2)]++;
    }
    cr_expect(owners[0] > 900 && owners[1] > 900, "%u and %u", owners[0], owners[1]);
}

Test(shard, keys_spread_evenly_over_the_workers)
{
    /* 30 000 log pids and 30 000 flows of one server: each worker of 3 gets its third, +-5 % */
    unsigned pids[3] = {0}, flows[3] = {0};
    static const uint8_t server[4] = {10, 0, 0, 1};
    for (unsigned i = 0; i < 30000; i++) {
        char pid[32];
        int n = snprintf(pid, sizeof pid, "<0.%u.0>", 500 + i);
        pids[shard_owner(pid, (size_t)n, 3)]++;
        uint8_t client[4] = {10, 1, (uint8_t)(i >> 8), (uint8_t)i}, key[37];
        flow_key(key, 4, server, 5222, client, 1024 + i % 60000);
        flows[shard_owner(key, sizeof key, 3)]++;
    }
    for (int k = 0; k < 3; k++) {
        cr_expect(pids[k] > 9500 && pids[k] < 10500, "worker %d has %u pids", k, pids[k]);
        cr_expect(flows[k] > 9500 && flows[k] < 10500, "worker %d has %u flows", k, flows[k]);
    }
}
