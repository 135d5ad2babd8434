/* tls_crypto: HKDF-Expand-Label, the TLS 1.2 PRF and AEAD records through libcrypto (see the header). */
#include <config.h>
#include "tls_crypto.h"

#include <stdlib.h>
#include <string.h>

#ifdef HAVE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#endif

#include "xalloc.h"

static const struct tls_suite suites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", TLS_AES_128_GCM, TLS_SHA256, true},
    {0x1302, "TLS_AES_256_GCM_SHA384", TLS_AES_256_GCM, TLS_SHA384, true},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", TLS_CHACHA20_POLY1305, TLS_SHA256, true},
    /* TLS 1.2: the master secret makes the keys, whatever the key exchange was */
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", TLS_AES_128_GCM, TLS_SHA256, false},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", TLS_AES_256_GCM, TLS_SHA384, false},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TLS_AES_128_GCM, TLS_SHA256, false},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", TLS_AES_256_GCM, TLS_SHA384, false},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", TLS_CHACHA20_POLY1305, TLS_SHA256, false},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", TLS_CHACHA20_POLY1305, TLS_SHA256, false},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", TLS_CHACHA20_POLY1305, TLS_SHA256, false},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", TLS_AES_128_GCM, TLS_SHA256, false},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", TLS_AES_256_GCM, TLS_SHA384, false},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", TLS_AES_128_GCM, TLS_SHA256, false},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", TLS_AES_256_GCM, TLS_SHA384, false},
};

const struct tls_suite *
tls_suite_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

size_t
tls_cipher_key_len(enum tls_cipher c)
{
    return c == TLS_AES_128_GCM ? 16 : c == TLS_CIPHER_NONE ? 0 : 32;
}

size_t
tls_hash_len(enum tls_hash h)
{
    return h == TLS_SHA384 ? 48 : 32;
}

void
tls_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}

#ifdef HAVE_OPENSSL

bool
tls_crypto_available(void)
{
    return true;
}

/* The KDF |name| run once with |params|; EVP_KDF objects are fetched once per process. */
static bool
derive(const char *name, EVP_KDF **cache, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
    if (!*cache)
        *cache = EVP_KDF_fetch(NULL, name, NULL);
    if (!*cache)
        return false;
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(*cache);
    if (!ctx)
        return false;
    bool ok = EVP_KDF_derive(ctx, out, out_len, params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok;
}

static char *
digest_name(enum tls_hash h)
{
    return h == TLS_SHA384 ? "SHA384" : "SHA256";
}

bool
tls13_expand_label(enum tls_hash h, const uint8_t *secret, size_t secret_len, const char *label,
                   const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
    static EVP_KDF *hkdf;
    /* struct HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + label, opaque context<0..255> */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t llen = 6 + strlen(label);
    if (llen > 255 || context_len > 255 || out_len > 0xffff)
        return false;
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)llen;
    memcpy(info + n, "tls13 ", 6);
    memcpy(info + n + 6, label, llen - 6);
    n += llen;
    info[n++] = (uint8_t)context_len;
    if (context_len)
        memcpy(info + n, context, context_len);
    n += context_len;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name(h), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    return derive("HKDF", &hkdf, params, out, out_len);
}

bool
tls12_prf(enum tls_hash h, const uint8_t *secret, size_t secret_len, const char *label, const uint8_t *seed,
          size_t seed_len, uint8_t *out, size_t out_len)
{
    static EVP_KDF *prf;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name(h), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len),
        /* the seed is label + seed (RFC 5246 §5): two seed parameters are concatenated */
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seed_len),
        OSSL_PARAM_construct_end(),
    };
    return derive("TLS1-PRF", &prf, params, out, out_len);
}

struct tls_aead {
    EVP_CIPHER_CTX *ctx;
};

struct tls_aead *
tls_aead_new(enum tls_cipher cipher, const uint8_t *key)
{
    const EVP_CIPHER *c = cipher == TLS_AES_128_GCM         ? EVP_aes_128_gcm()
                          : cipher == TLS_AES_256_GCM       ? EVP_aes_256_gcm()
                          : cipher == TLS_CHACHA20_POLY1305 ? EVP_chacha20_poly1305()
                                                            : NULL;
    if (!c)
        return NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return NULL;
    /* the key once; each record sets only its nonce (12 bytes: the default IV length of all three) */
    if (EVP_DecryptInit_ex(ctx, c, NULL, key, NULL) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    struct tls_aead *a = xcalloc(1, sizeof *a);
    a->ctx = ctx;
    return a;
}

void
tls_aead_free(struct tls_aead *a)
{
    if (!a)
        return;
    EVP_CIPHER_CTX_free(a->ctx); /* clears the key schedule */
    free(a);
}

bool
tls_aead_open(struct tls_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
              const uint8_t *in, size_t in_len, uint8_t *out)
{
    if (in_len < 16 || in_len - 16 > (size_t)INT32_MAX)
        return false;
    int n = 0, fin = 0;
    size_t body = in_len - 16;
    if (EVP_DecryptInit_ex(a->ctx, NULL, NULL, NULL, nonce) != 1 ||
        EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(in + body)) != 1 ||
        EVP_DecryptUpdate(a->ctx, NULL, &n, aad, (int)aad_len) != 1 ||
        EVP_DecryptUpdate(a->ctx, out, &n, in, (int)body) != 1)
        return false;
    return EVP_DecryptFinal_ex(a->ctx, out + n, &fin) == 1;
}

#else /* without libcrypto: nothing can be decrypted */

bool
tls_crypto_available(void)
{
    return false;
}

bool
tls13_expand_label(enum tls_hash h, const uint8_t *secret, size_t secret_len, const char *label,
                   const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
    (void)h, (void)secret, (void)secret_len, (void)label, (void)context, (void)context_len, (void)out,
        (void)out_len;
    return false;
}

bool
tls12_prf(enum tls_hash h, const uint8_t *secret, size_t secret_len, const char *label, const uint8_t *seed,
          size_t seed_len, uint8_t *out, size_t out_len)
{
    (void)h, (void)secret, (void)secret_len, (void)label, (void)seed, (void)seed_len, (void)out, (void)out_len;
    return false;
}

struct tls_aead *
tls_aead_new(enum tls_cipher cipher, const uint8_t *key)
{
    (void)cipher, (void)key;
    return NULL;
}

void
tls_aead_free(struct tls_aead *a)
{
    (void)a;
}

bool
tls_aead_open(struct tls_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
              const uint8_t *in, size_t in_len, uint8_t *out)
{
    (void)a, (void)nonce, (void)aad, (void)aad_len, (void)in, (void)in_len, (void)out;
    return false;
}

#endif
