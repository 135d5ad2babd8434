/*
 * Tests for tls_crypto (HKDF-Expand-Label against RFC 8448, the TLS 1.2 PRF
 * against the IETF TLS WG's P_SHA256 vector) and tlsdec (records sealed here
 * with libcrypto under made-up secrets: handmade, not a real connection).
 */
#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "keylog.h"
#include "tls_crypto.h"
#include "tlsdec.h"

#ifdef HAVE_OPENSSL
#include <openssl/evp.h>

static size_t
unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ' || *s == '\n') {
            s++;
            continue;
        }
        sscanf(s, "%2hhx", &out[n++]);
        s += 2;
    }
    return n;
}

static void
assert_hex(const uint8_t *got, size_t n, const char *want_hex)
{
    uint8_t want[128];
    size_t wn = unhex(want_hex, want);
    cr_assert_eq(wn, n);
    cr_assert_arr_eq(got, want, n);
}

Test(tls_crypto, hkdf_expand_label_rfc8448_handshake_keys)
{
    /* RFC 8448 §3: {server} and {client} derive write traffic keys for handshake data */
    uint8_t secret[32], out[16];
    unhex("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38",
          secret);
    cr_assert(tls13_expand_label(TLS_SHA256, secret, 32, "key", NULL, 0, out, 16));
    assert_hex(out, 16, "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc");
    cr_assert(tls13_expand_label(TLS_SHA256, secret, 32, "iv", NULL, 0, out, 12));
    assert_hex(out, 12, "5d 31 3e b2 67 12 76 ee 13 00 0b 30");
    unhex("b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21",
          secret);
    cr_assert(tls13_expand_label(TLS_SHA256, secret, 32, "key", NULL, 0, out, 16));
    assert_hex(out, 16, "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01");
    cr_assert(tls13_expand_label(TLS_SHA256, secret, 32, "iv", NULL, 0, out, 12));
    assert_hex(out, 12, "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f");
}

Test(tls_crypto, tls12_prf_sha256_vector)
{
    uint8_t secret[16], seed[16], out[100];
    unhex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35", secret);
    unhex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c", seed);
    cr_assert(tls12_prf(TLS_SHA256, secret, 16, "test label", seed, 16, out, 100));
    assert_hex(out, 100,
               "e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4 e6 1e db 5a"
               "6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af 0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab"
               "4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01"
               "87 34 7b 66");
}

Test(tls_crypto, suites)
{
    cr_assert_str_eq(tls_suite_find(0x1303)->name, "TLS_CHACHA20_POLY1305_SHA256");
    cr_assert(tls_suite_find(0xC030)->hash == TLS_SHA384);
    cr_assert_null(tls_suite_find(0xC013)); /* ECDHE-RSA-AES128-SHA: CBC, not decrypted */
}

/* ---- tlsdec on records sealed here ---- */

struct sealer {
    uint8_t secret[32];
    uint8_t key[16], iv[12];
    uint64_t seq;
};

static void
sealer_keys(struct sealer *s, const uint8_t secret[32])
{
    memcpy(s->secret, secret, 32);
    cr_assert(tls13_expand_label(TLS_SHA256, secret, 32, "key", NULL, 0, s->key, 16));
    cr_assert(tls13_expand_label(TLS_SHA256, secret, 32, "iv", NULL, 0, s->iv, 12));
    s->seq = 0;
}

/* A TLS 1.3 record (AES-128-GCM) of inner |type| holding |text|, appended to |out|. */
static void
seal13(struct buf *out, struct sealer *s, uint8_t type, const char *text, size_t len)
{
    uint8_t inner[512], ct[512], tag[16], hdr[5], nonce[12];
    memcpy(inner, text, len);
    inner[len] = type;
    size_t n = len + 1;
    hdr[0] = 23, hdr[1] = 3, hdr[2] = 3, hdr[3] = (uint8_t)((n + 16) >> 8), hdr[4] = (uint8_t)(n + 16);
    memcpy(nonce, s->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(s->seq >> (8 * i));
    s->seq++;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l;
    cr_assert(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, s->key, nonce) == 1);
    cr_assert(EVP_EncryptUpdate(c, NULL, &l, hdr, 5) == 1);
    cr_assert(EVP_EncryptUpdate(c, ct, &l, inner, (int)n) == 1);
    cr_assert(EVP_EncryptFinal_ex(c, ct + l, &l) == 1);
    cr_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1);
    EVP_CIPHER_CTX_free(c);
    buf_append(out, hdr, 5);
    buf_append(out, ct, n);
    buf_append(out, tag, 16);
}

static struct buf got[2];

static void
collect(void *arg, int dir, const uint8_t *data, size_t len)
{
    (void)arg;
    buf_append(&got[dir], data, len);
}

#define HEX32(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

/* A key log of made-up TLS 1.3 secrets for client random 0x77…: */
static struct keylog *
keylog13(uint8_t secrets[4][32])
{
    static const char *labels[4] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                    "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
    char text[1024] = "";
    for (int k = 0; k < 4; k++) {
        char line[256];
        int n = snprintf(line, sizeof line, "%s %s ", labels[k], HEX32("77"));
        for (int i = 0; i < 32; i++) {
            secrets[k][i] = (uint8_t)(k * 40 + i);
            n += snprintf(line + n, sizeof line - (size_t)n, "%02x", secrets[k][i]);
        }
        strcat(text, line);
        strcat(text, "\n");
    }
    struct keylog *kl = keylog_new();
    FILE *f = fmemopen(text, strlen(text), "r");
    cr_assert(keylog_read_stream(kl, f, "t", NULL, NULL));
    fclose(f);
    return kl;
}

/* The server's and the client's records of a TLS 1.3 connection, KeyUpdate included. */
static void
flights13(uint8_t secrets[4][32], struct buf *server, struct buf *client)
{
    struct sealer s, c;
    sealer_keys(&s, secrets[1]);
    sealer_keys(&c, secrets[0]);
    static const char change_cipher_spec[] = {20, 3, 3, 0, 1, 1};
    buf_append(server, change_cipher_spec, sizeof change_cipher_spec);
    /* EncryptedExtensions (8), then Finished (20) in its own record */
    seal13(server, &s, 22, "\x08\x00\x00\x02\x00\x00", 6);
    seal13(server, &s, 22, "\x14\x00\x00\x04" "abcd", 8);
    sealer_keys(&s, secrets[3]);
    seal13(server, &s, 23, "<stream:stream>", 15);
    /* KeyUpdate (24): the next record under the next secret */
    seal13(server, &s, 22, "\x18\x00\x00\x01\x00", 5);
    uint8_t next[32];
    cr_assert(tls13_expand_label(TLS_SHA256, s.secret, 32, "traffic upd", NULL, 0, next, 32));
    sealer_keys(&s, next);
    seal13(server, &s, 23, "<success/>\0\0\0", 13); /* padded: the zeros are not content */
    seal13(client, &c, 22, "\x14\x00\x00\x04" "wxyz", 8);
    sealer_keys(&c, secrets[2]);
    seal13(client, &c, 23, "<auth/>", 7);
}

static struct tlsrec_hellos
hellos13(void)
{
    struct tlsrec_hellos h = {.client_seen = true, .server_seen = true, .suite = 0x1301, .version = 0x0304};
    memset(h.client_random, 0x77, 32);
    return h;
}

Test(tlsdec, tls13_handshake_then_application_keys_and_key_update_byte_by_byte)
{
    uint8_t secrets[4][32];
    struct keylog *kl = keylog13(secrets);
    struct buf server = {0}, client = {0};
    flights13(secrets, &server, &client);
    struct tlsrec_hellos h = hellos13();
    struct tlsdec *d = tlsdec_new();
    cr_assert(tlsdec_start(d, &h, kl), "%s", tlsdec_failure(d));
    memset(got, 0, sizeof got);
    for (size_t i = 0; i < server.len; i++) /* records reassembled across chunks of one byte */
        tlsdec_feed(d, 1, (const uint8_t *)server.data + i, 1, collect, NULL);
    tlsdec_feed(d, 0, (const uint8_t *)client.data, client.len, collect, NULL);
    cr_assert_null(tlsdec_failure(d), "%s", tlsdec_failure(d));
    cr_assert_str_eq(buf_str(&got[1]), "<stream:stream><success/>");
    cr_assert_str_eq(buf_str(&got[0]), "<auth/>");
    cr_assert_eq(tlsdec_app_records(d, 1), 2);
    cr_assert_str_eq(tlsdec_version_name(d), "TLS 1.3");
    tlsdec_free(d);
    buf_clear(&got[0]);
    buf_clear(&got[1]);
    buf_clear(&server);
    buf_clear(&client);
    keylog_free(kl);
}

Test(tlsdec, a_record_that_fails_authentication_stops_with_its_number)
{
    uint8_t secrets[4][32];
    struct keylog *kl = keylog13(secrets);
    struct buf server = {0}, client = {0};
    flights13(secrets, &server, &client);
    server.data[server.len - 3] ^= 1; /* the tag of the last record */
    struct tlsrec_hellos h = hellos13();
    struct tlsdec *d = tlsdec_new();
    cr_assert(tlsdec_start(d, &h, kl));
    memset(got, 0, sizeof got);
    tlsdec_feed(d, 1, (const uint8_t *)server.data, server.len, collect, NULL);
    cr_assert_str_eq(tlsdec_failure(d), "server record 6 failed authentication (wrong key?)");
    cr_assert_str_eq(tlsdec_failure_kind(d), "auth-failed");
    cr_assert_str_eq(buf_str(&got[1]), "<stream:stream>", "what came before the bad record stays read");
    tlsdec_feed(d, 0, (const uint8_t *)client.data, client.len, collect, NULL);
    cr_assert_eq(got[0].len, 0, "nothing after a failure");
    tlsdec_free(d);
    buf_clear(&got[1]);
    buf_clear(&server);
    buf_clear(&client);
    keylog_free(kl);
}

Test(tlsdec, no_key_and_unsupported_suite_are_told_before_any_record)
{
    uint8_t secrets[4][32];
    struct keylog *kl = keylog13(secrets);
    struct tlsrec_hellos h = hellos13();
    h.client_random[0] = 0x78;
    struct tlsdec *d = tlsdec_new();
    cr_assert_not(tlsdec_start(d, &h, kl));
    cr_assert_str_eq(tlsdec_failure_kind(d), "no-key");
    tlsdec_free(d);
    h = hellos13();
    h.version = 0x0303;
    h.suite = 0xC013;
    d = tlsdec_new();
    cr_assert_not(tlsdec_start(d, &h, kl));
    cr_assert_str_eq(tlsdec_failure(d), "unsupported cipher suite 0xC013 (only AEAD suites are decrypted)");
    tlsdec_free(d);
    keylog_free(kl);
}

Test(tlsdec, tls12_gcm_record_with_explicit_nonce)
{
    /* a made-up master secret; the keys as RFC 5246 §6.3 expands them */
    char text[512];
    uint8_t master[48];
    int n = snprintf(text, sizeof text, "CLIENT_RANDOM %s ", HEX32("55"));
    for (int i = 0; i < 48; i++) {
        master[i] = (uint8_t)(200 - i);
        n += snprintf(text + n, sizeof text - (size_t)n, "%02x", master[i]);
    }
    struct keylog *kl = keylog_new();
    FILE *f = fmemopen(text, strlen(text), "r");
    keylog_read_stream(kl, f, "t", NULL, NULL);
    fclose(f);
    struct tlsrec_hellos h = {.client_seen = true, .server_seen = true, .suite = 0xC02F, .version = 0x0303};
    memset(h.client_random, 0x55, 32);
    memset(h.server_random, 0x66, 32);
    uint8_t seed[64], block[40];
    memcpy(seed, h.server_random, 32);
    memcpy(seed + 32, h.client_random, 32);
    cr_assert(tls12_prf(TLS_SHA256, master, 48, "key expansion", seed, 64, block, 40));
    const uint8_t *server_key = block + 16, *server_salt = block + 36;
    /* ChangeCipherSpec, then the Finished record (seq 0), then application data (seq 1) */
    struct buf rec = {0};
    buf_append(&rec, "\x14\x03\x03\x00\x01\x01", 6);
    const char *plain[2] = {"\x14\x00\x00\x0c" "0123456789ab", "<proceed/>"};
    for (uint64_t seq = 0; seq < 2; seq++) {
        size_t len = strlen(plain[seq]);
        uint8_t type = seq ? 23 : 22, nonce[12], aad[13], ct[64], tag[16], hdr[5];
        memcpy(nonce, server_salt, 4);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] = (uint8_t)(0xa0 + seq + (uint64_t)i); /* any explicit nonce */
        memset(aad, 0, 8);
        aad[7] = (uint8_t)seq;
        aad[8] = type, aad[9] = 3, aad[10] = 3, aad[11] = 0, aad[12] = (uint8_t)len;
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        int l;
        cr_assert(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, server_key, nonce) == 1);
        cr_assert(EVP_EncryptUpdate(c, NULL, &l, aad, 13) == 1);
        cr_assert(EVP_EncryptUpdate(c, ct, &l, (const uint8_t *)plain[seq], (int)len) == 1);
        cr_assert(EVP_EncryptFinal_ex(c, ct + l, &l) == 1);
        cr_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1);
        EVP_CIPHER_CTX_free(c);
        size_t body = 8 + len + 16;
        hdr[0] = type, hdr[1] = 3, hdr[2] = 3, hdr[3] = 0, hdr[4] = (uint8_t)body;
        buf_append(&rec, hdr, 5);
        buf_append(&rec, nonce + 4, 8);
        buf_append(&rec, ct, len);
        buf_append(&rec, tag, 16);
    }
    struct tlsdec *d = tlsdec_new();
    cr_assert(tlsdec_start(d, &h, kl), "%s", tlsdec_failure(d));
    memset(got, 0, sizeof got);
    tlsdec_feed(d, 1, (const uint8_t *)rec.data, 20, collect, NULL);
    tlsdec_feed(d, 1, (const uint8_t *)rec.data + 20, rec.len - 20, collect, NULL);
    cr_assert_null(tlsdec_failure(d), "%s", tlsdec_failure(d));
    cr_assert_str_eq(buf_str(&got[1]), "<proceed/>");
    cr_assert_eq(tlsdec_app_records(d, 1), 1);
    tlsdec_free(d);
    buf_clear(&got[1]);
    buf_clear(&rec);
    keylog_free(kl);
}

#else

Test(tls_crypto, without_openssl_nothing_is_decrypted)
{
    cr_assert_not(tls_crypto_available());
}

#endif
