/*
 * tls_crypto: the TLS key schedule steps and record ciphers xmppflow needs
 * to read a TLS connection whose secrets a key log gives, all of them
 * OpenSSL's libcrypto (EVP_KDF HKDF and TLS1-PRF, EVP AEAD ciphers): no
 * cipher code of our own. Without libcrypto (configure --without-openssl)
 * every function says no (tls_crypto_available() false).
 */
#ifndef XMPPFLOW_TLS_CRYPTO_H
#define XMPPFLOW_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tls_cipher { TLS_CIPHER_NONE, TLS_AES_128_GCM, TLS_AES_256_GCM, TLS_CHACHA20_POLY1305 };
enum tls_hash { TLS_SHA256, TLS_SHA384 };

/* A cipher suite xmppflow can decrypt. */
struct tls_suite {
    uint16_t id;
    const char *name;      /* IANA name */
    enum tls_cipher cipher;
    enum tls_hash hash;    /* of HKDF (1.3) or the PRF (1.2) */
    bool tls13;
};

/* The suite |id| if it can be decrypted (TLS 1.3 AEAD, TLS 1.2 AEAD), else NULL. */
const struct tls_suite *tls_suite_find(uint16_t id);
size_t tls_cipher_key_len(enum tls_cipher c);
size_t tls_hash_len(enum tls_hash h);

/* True when the build has libcrypto. */
bool tls_crypto_available(void);

/* RFC 8446 §7.1 HKDF-Expand-Label(secret, label, context, out_len); "tls13 " is prefixed here. */
bool tls13_expand_label(enum tls_hash h, const uint8_t *secret, size_t secret_len, const char *label,
                        const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);
/* RFC 5246 §5 PRF(secret, label, seed) with the suite's hash (P_SHA256 / P_SHA384). */
bool tls12_prf(enum tls_hash h, const uint8_t *secret, size_t secret_len, const char *label,
               const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

/* One direction's AEAD record key. */
struct tls_aead;
/* A key of |cipher| (|key| of tls_cipher_key_len bytes); NULL when libcrypto refuses. */
struct tls_aead *tls_aead_new(enum tls_cipher cipher, const uint8_t *key);
/* Wipes the key. NULL is fine. */
void tls_aead_free(struct tls_aead *a);
/*
 * Opens |in| (|in_len| bytes, the 16-byte tag last) with the 12-byte |nonce|
 * and |aad| into |out| (room for in_len - 16 bytes). False when the tag does
 * not match (or the input is shorter than a tag).
 */
bool tls_aead_open(struct tls_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *in, size_t in_len, uint8_t *out);

/* Overwrites |n| bytes so the compiler keeps the write. */
void tls_wipe(void *p, size_t n);

#endif
