/*
 * test_hash_bytes: the one hash. A string hashed in pieces gives what it
 * gives in one call, wherever it is cut; the length and every byte count.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "hash_bytes.h"

/* The tail loader against the plain definition: byte i at bits 8i. */
Test(hash_bytes, tail_is_read_little_endian_whatever_its_length)
{
    const unsigned char s[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    for (size_t n = 0; n < 8; n++) {
        uint64_t want = 0;
        for (size_t i = 0; i < n; i++)
            want |= (uint64_t)s[i] << (8 * i);
        cr_expect_eq(hash_load_tail(s, n), want, "%zu bytes", n);
    }
    cr_expect_eq(hash_load8(s), UINT64_C(0xefcdab8967452301));
}

Test(hash_bytes, pieces_hash_as_the_whole)
{
    unsigned char s[40];
    srand(7);
    for (size_t i = 0; i < sizeof s; i++)
        s[i] = (unsigned char)rand();
    for (size_t n = 0; n <= sizeof s; n++) {
        uint64_t whole = hash_bytes(s, n);
        /* every cut in two and in three */
        for (size_t a = 0; a <= n; a++) {
            for (size_t b = a; b <= n; b++) {
                struct hash_stream st;
                hash_stream_init(&st, HASH_BYTES_SEED);
                hash_stream_add(&st, s, a);
                hash_stream_add(&st, s + a, b - a);
                hash_stream_add(&st, s + b, n - b);
                cr_assert_eq(hash_stream_end(&st), whole, "n %zu cut at %zu and %zu", n, a, b);
            }
        }
        /* and byte by byte */
        struct hash_stream st;
        hash_stream_init(&st, HASH_BYTES_SEED);
        for (size_t i = 0; i < n; i++)
            hash_stream_add(&st, s + i, 1);
        cr_expect_eq(hash_stream_end(&st), whole, "n %zu byte by byte", n);
    }
}

Test(hash_bytes, length_and_each_byte_change_the_hash)
{
    /* zero bytes at the end are not padding: "a", "a\0", "a\0\0" ... differ */
    static const char zeros[24] = "a";
    uint64_t seen[sizeof zeros + 1];
    for (size_t n = 0; n <= sizeof zeros; n++) {
        seen[n] = hash_bytes(zeros, n);
        for (size_t k = 0; k < n; k++)
            cr_expect_neq(seen[n], seen[k], "%zu and %zu bytes", k, n);
    }
    /* one bit flipped anywhere in a 20-byte key */
    unsigned char key[20] = "connection-key-0001";
    uint64_t h = hash_bytes(key, sizeof key);
    for (size_t i = 0; i < sizeof key; i++) {
        for (int bit = 0; bit < 8; bit++) {
            key[i] ^= (unsigned char)(1u << bit);
            cr_expect_neq(hash_bytes(key, sizeof key), h, "byte %zu bit %d", i, bit);
            key[i] ^= (unsigned char)(1u << bit);
        }
    }
    /* the seed counts */
    cr_expect_neq(hash_bytes_seeded(1, key, sizeof key), hash_bytes_seeded(2, key, sizeof key));
}

/* A table index takes the low bits: keys that differ in one place spread over them. */
Test(hash_bytes, sequential_keys_spread_over_a_small_table)
{
    enum { SLOTS = 256, KEYS = 4096 };
    unsigned count[SLOTS] = {0};
    for (unsigned i = 0; i < KEYS; i++) {
        char key[32];
        int n = snprintf(key, sizeof key, "40a000001%04x0a0000021466", i);
        count[hash_bytes(key, (size_t)n) % SLOTS]++;
    }
    unsigned most = 0;
    for (size_t k = 0; k < SLOTS; k++)
        most = count[k] > most ? count[k] : most;
    /* 16 a slot on average; a chain of 40 would be a broken mix */
    cr_expect_lt(most, 40, "fullest slot %u", most);
}

Test(hash_bytes, sample_reads_the_ends_and_the_length)
{
    char a[64], b[64];
    memset(a, 'x', sizeof a);
    memcpy(b, a, sizeof b);
    b[30] = 'y'; /* the middle is not read */
    cr_expect_eq(hash_sample(a, 64), hash_sample(b, 64));
    b[63] = 'y';
    cr_expect_neq(hash_sample(a, 64), hash_sample(b, 64));
    cr_expect_neq(hash_sample(a, 8), hash_sample(a, 9));
    cr_expect_neq(hash_word(1), hash_word(2));
}
