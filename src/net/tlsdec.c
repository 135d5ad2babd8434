/* tlsdec: TLS 1.3 and TLS 1.2 AEAD records opened with a key log's secrets (see the header). */
#include <config.h>
#include "tlsdec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tls_crypto.h"
#include "xalloc.h"

#define REC_CCS 20
#define REC_ALERT 21
#define REC_HANDSHAKE 22
#define REC_APPDATA 23
#define HS_FINISHED 20
#define HS_KEY_UPDATE 24
#define MAX_RECORD (16384 + 2048) /* RFC 8446 §5.2: the longest TLSCiphertext fragment */
#define SECRET_MAX 48

enum epoch { EPOCH_PLAIN, EPOCH_HANDSHAKE, EPOCH_APP };

struct direction {
    uint8_t hdr[5];
    size_t hdr_len;
    size_t body_len;       /* of the current record */
    struct buf held;       /* its body so far, when it spans chunks */
    enum epoch epoch;      /* which keys its records use (TLS 1.2: PLAIN until ChangeCipherSpec) */
    struct tls_aead *aead;
    uint8_t iv[12];        /* TLS 1.3 and ChaCha: the write IV; TLS 1.2 GCM: the 4-byte salt */
    uint64_t seq;
    uint8_t secret[SECRET_MAX]; /* TLS 1.3: the current traffic secret (KeyUpdate derives the next) */
    unsigned long records, app_records;
    /* TLS 1.3 handshake messages inside records: the header of the current one, bytes left of it */
    uint8_t hs_hdr[4];
    size_t hs_hdr_len, hs_left;
    bool rekey;            /* switch keys after the current record */
};

struct tlsdec {
    struct direction d[2];
    const struct tls_suite *suite;
    bool started;
    bool tls13;
    uint8_t app_secret[2][SECRET_MAX]; /* TLS 1.3: *_TRAFFIC_SECRET_0 until the handshake keys end */
    char failure[96];
    const char *failure_kind;
    /* the client Finished's verify_data: tls-unique (RFC 5929 §3.1) for SCRAM -PLUS channel binding */
    uint8_t cfin[64];
    size_t cfin_len;
    bool cfin_done;
};

/* The plaintext of one record at a time: one process, one record in flight. */
static uint8_t scratch[MAX_RECORD];

struct tlsdec *
tlsdec_new(void)
{
    return xcalloc(1, sizeof(struct tlsdec));
}

void
tlsdec_free(struct tlsdec *d)
{
    if (!d)
        return;
    for (int i = 0; i < 2; i++) {
        tls_aead_free(d->d[i].aead);
        buf_clear(&d->d[i].held);
    }
    tls_wipe(d, sizeof *d);
    free(d);
}

static void
fail_as(struct tlsdec *d, const char *kind, const char *why)
{
    if (d->failure[0])
        return;
    d->failure_kind = kind;
    snprintf(d->failure, sizeof d->failure, "%s", why);
    for (int i = 0; i < 2; i++) {
        tls_aead_free(d->d[i].aead);
        d->d[i].aead = NULL;
        buf_clear(&d->d[i].held);
    }
    tls_wipe(d->app_secret, sizeof d->app_secret);
}

static void
fail(struct tlsdec *d, const char *why)
{
    fail_as(d, "error", why);
}

/* TLS 1.3 (RFC 8446 §7.3): the key and IV of |dir| from its traffic |secret|. */
static bool
keys13(struct tlsdec *d, int dir, const uint8_t *secret)
{
    struct direction *x = &d->d[dir];
    size_t hl = tls_hash_len(d->suite->hash), kl = tls_cipher_key_len(d->suite->cipher);
    uint8_t key[32];
    memmove(x->secret, secret, hl);
    bool ok = tls13_expand_label(d->suite->hash, x->secret, hl, "key", NULL, 0, key, kl) &&
              tls13_expand_label(d->suite->hash, x->secret, hl, "iv", NULL, 0, x->iv, 12);
    tls_aead_free(x->aead);
    x->aead = ok ? tls_aead_new(d->suite->cipher, key) : NULL;
    tls_wipe(key, sizeof key);
    x->seq = 0;
    if (!x->aead)
        fail(d, "libcrypto refused the TLS 1.3 key schedule");
    return x->aead != NULL;
}

/* TLS 1.2 (RFC 5246 §6.3): both directions' keys from the master secret and the randoms. */
static bool
keys12(struct tlsdec *d, const struct tlsrec_hellos *h, const struct keylog_secret *master)
{
    size_t kl = tls_cipher_key_len(d->suite->cipher);
    size_t ivl = d->suite->cipher == TLS_CHACHA20_POLY1305 ? 12 : 4;
    uint8_t seed[64], block[2 * 32 + 2 * 12];
    memcpy(seed, h->server_random, 32);
    memcpy(seed + 32, h->client_random, 32);
    bool ok = tls12_prf(d->suite->hash, master->bytes, master->len, "key expansion", seed, sizeof seed, block,
                        2 * kl + 2 * ivl);
    for (int dir = 0; ok && dir < 2; dir++) {
        struct direction *x = &d->d[dir];
        memcpy(x->iv, block + 2 * kl + (size_t)dir * ivl, ivl);
        x->aead = tls_aead_new(d->suite->cipher, block + (size_t)dir * kl);
        ok = x->aead != NULL;
    }
    tls_wipe(block, sizeof block);
    if (!ok)
        fail(d, "libcrypto refused the TLS 1.2 key expansion");
    return ok;
}

bool
tlsdec_start(struct tlsdec *d, const struct tlsrec_hellos *h, const struct keylog *kl)
{
    d->started = true;
    if (!h->client_seen || !h->server_seen) {
        fail_as(d, "no-handshake", "the TLS handshake's hellos are not in the capture");
        return false;
    }
    d->tls13 = h->version == 0x0304;
    if (h->version != 0x0304 && h->version != 0x0303) {
        fail_as(d, "unsupported", "unsupported TLS version (only TLS 1.2 and 1.3 are decrypted)");
        return false;
    }
    d->suite = tls_suite_find(h->suite);
    if (!d->suite || d->suite->tls13 != d->tls13) {
        char why[96];
        snprintf(why, sizeof why, "unsupported cipher suite 0x%04X (only AEAD suites are decrypted)", h->suite);
        fail_as(d, "unsupported", why);
        d->suite = NULL;
        return false;
    }
    if (!tls_crypto_available()) {
        fail(d, "this xmppflow was built without OpenSSL");
        return false;
    }
    if (!d->tls13) {
        struct keylog_secret master;
        if (!keylog_find(kl, h->client_random, KEYLOG_CLIENT_RANDOM, &master)) {
            fail_as(d, "no-key", "no key for this session in the key log");
            return false;
        }
        return keys12(d, h, &master);
    }
    static const enum keylog_label need[4] = {KEYLOG_CLIENT_HS, KEYLOG_SERVER_HS, KEYLOG_CLIENT_TRAFFIC0,
                                              KEYLOG_SERVER_TRAFFIC0};
    struct keylog_secret s[4];
    size_t hl = tls_hash_len(d->suite->hash);
    int found = 0;
    for (int i = 0; i < 4; i++)
        found += keylog_find(kl, h->client_random, need[i], &s[i]) && s[i].len == hl;
    if (found < 4) {
        fail_as(d, "no-key", found ? "the key log lacks some of this session's TLS 1.3 secrets"
                      : "no key for this session in the key log");
        return false;
    }
    memcpy(d->app_secret[0], s[2].bytes, hl);
    memcpy(d->app_secret[1], s[3].bytes, hl);
    if (!keys13(d, 0, s[0].bytes) || !keys13(d, 1, s[1].bytes))
        return false;
    return true;
}

bool
tlsdec_started(const struct tlsdec *d)
{
    return d->started;
}

/* The per-record nonce (RFC 8446 §5.3, RFC 7905 §2): the IV XOR the sequence number. */
static void
xor_nonce(const struct direction *x, uint8_t nonce[12])
{
    memcpy(nonce, x->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(x->seq >> (8 * i));
}

/* TLS 1.3 handshake messages of |dir| inside records: Finished and KeyUpdate change the keys. */
static void
handshake13(struct tlsdec *d, int dir, const uint8_t *p, size_t n)
{
    struct direction *x = &d->d[dir];
    while (n) {
        if (x->hs_left == 0) {
            x->hs_hdr[x->hs_hdr_len++] = *p++;
            n--;
            if (x->hs_hdr_len < 4)
                continue;
            x->hs_hdr_len = 0;
            x->hs_left = (size_t)x->hs_hdr[1] << 16 | (size_t)x->hs_hdr[2] << 8 | x->hs_hdr[3];
            if ((x->hs_hdr[0] == HS_FINISHED && x->epoch == EPOCH_HANDSHAKE) ||
                (x->hs_hdr[0] == HS_KEY_UPDATE && x->epoch == EPOCH_APP))
                x->rekey = true; /* RFC 8446 §4.4.4, §4.6.3: the next record uses the next keys */
            continue;
        }
        size_t take = x->hs_left < n ? x->hs_left : n;
        if (dir == 0 && x->hs_hdr[0] == HS_FINISHED && x->epoch == EPOCH_HANDSHAKE && !d->cfin_done) {
            size_t keep = take < sizeof d->cfin - d->cfin_len ? take : sizeof d->cfin - d->cfin_len;
            memcpy(d->cfin + d->cfin_len, p, keep);
            d->cfin_len += keep;
            d->cfin_done = x->hs_left == take;
        }
        x->hs_left -= take;
        p += take;
        n -= take;
    }
}

/* After the record that ended the handshake keys or updated them: the next keys (RFC 8446 §7.2). */
static void
rekey13(struct tlsdec *d, int dir)
{
    struct direction *x = &d->d[dir];
    x->rekey = false;
    size_t hl = tls_hash_len(d->suite->hash);
    if (x->epoch == EPOCH_HANDSHAKE) {
        x->epoch = EPOCH_APP;
        keys13(d, dir, d->app_secret[dir]);
        tls_wipe(d->app_secret[dir], sizeof d->app_secret[dir]);
        return;
    }
    uint8_t next[SECRET_MAX];
    if (!tls13_expand_label(d->suite->hash, x->secret, hl, "traffic upd", NULL, 0, next, hl)) {
        fail(d, "libcrypto refused the TLS 1.3 KeyUpdate");
        return;
    }
    keys13(d, dir, next);
    tls_wipe(next, sizeof next);
}

static void
auth_failed(struct tlsdec *d, int dir)
{
    char why[96];
    snprintf(why, sizeof why, "%s record %lu failed authentication (wrong key?)", dir ? "server" : "client",
             d->d[dir].records);
    fail_as(d, "auth-failed", why);
}

/* One whole record of |dir|: its header |hdr|, its |body|. */
static void
record(struct tlsdec *d, int dir, const uint8_t hdr[5], const uint8_t *body, size_t len, tlsdec_emit emit,
       void *arg)
{
    struct direction *x = &d->d[dir];
    x->records++;
    uint8_t type = hdr[0];
    if (d->tls13) {
        if (type != REC_APPDATA)
            return; /* the hellos, a compatibility ChangeCipherSpec, a plaintext alert */
        if (x->epoch == EPOCH_PLAIN)
            x->epoch = EPOCH_HANDSHAKE;
        if (len < 17) {
            auth_failed(d, dir);
            return;
        }
        uint8_t nonce[12];
        xor_nonce(x, nonce);
        if (!tls_aead_open(x->aead, nonce, hdr, 5, body, len, scratch)) {
            auth_failed(d, dir);
            return;
        }
        x->seq++;
        size_t n = len - 16;
        while (n && scratch[n - 1] == 0) /* RFC 8446 §5.4: zero padding, then the real content type */
            n--;
        if (!n) {
            fail(d, "a TLS 1.3 record without a content type");
            return;
        }
        type = scratch[--n];
        if (type == REC_APPDATA) {
            x->app_records++;
            if (n)
                emit(arg, dir, scratch, n);
        } else if (type == REC_HANDSHAKE) {
            handshake13(d, dir, scratch, n);
            if (x->rekey)
                rekey13(d, dir);
        }
        return;
    }
    if (x->epoch == EPOCH_PLAIN) {
        if (type == REC_CCS) { /* RFC 5246 §7.1: the next record is the first under the new keys */
            x->epoch = EPOCH_APP;
            x->seq = 0;
        }
        return;
    }
    bool gcm = d->suite->cipher != TLS_CHACHA20_POLY1305;
    size_t explicit_len = gcm ? 8 : 0;
    if (len < explicit_len + 16) {
        auth_failed(d, dir);
        return;
    }
    uint8_t nonce[12], aad[13];
    if (gcm) { /* RFC 5288 §3: the 4-byte salt, then the record's 8-byte explicit nonce */
        memcpy(nonce, x->iv, 4);
        memcpy(nonce + 4, body, 8);
    } else {
        xor_nonce(x, nonce);
    }
    size_t n = len - explicit_len - 16;
    for (int i = 0; i < 8; i++)
        aad[7 - i] = (uint8_t)(x->seq >> (8 * i));
    aad[8] = type;
    aad[9] = hdr[1];
    aad[10] = hdr[2];
    aad[11] = (uint8_t)(n >> 8);
    aad[12] = (uint8_t)n;
    if (!tls_aead_open(x->aead, nonce, aad, sizeof aad, body + explicit_len, len - explicit_len, scratch)) {
        auth_failed(d, dir);
        return;
    }
    x->seq++;
    if (type == REC_APPDATA) {
        x->app_records++;
        if (n)
            emit(arg, dir, scratch, n);
    } else if (type == REC_HANDSHAKE && dir == 0 && !d->cfin_done && n >= 4 && scratch[0] == HS_FINISHED) {
        /* the first record under the client's new keys is its Finished (RFC 5246 §7.4.9) */
        size_t vlen = (size_t)scratch[1] << 16 | (size_t)scratch[2] << 8 | scratch[3];
        if (vlen > n - 4)
            vlen = n - 4;
        d->cfin_len = vlen < sizeof d->cfin ? vlen : sizeof d->cfin;
        memcpy(d->cfin, scratch + 4, d->cfin_len);
        d->cfin_done = true;
    }
}

size_t
tlsdec_client_finished(const struct tlsdec *d, const uint8_t **out)
{
    *out = d->cfin;
    return d->cfin_done ? d->cfin_len : 0;
}

void
tlsdec_feed(struct tlsdec *d, int dir, const uint8_t *data, size_t len, tlsdec_emit emit, void *arg)
{
    dir &= 1;
    struct direction *x = &d->d[dir];
    while (len && !d->failure[0]) {
        if (x->hdr_len < 5) {
            size_t take = 5 - x->hdr_len < len ? 5 - x->hdr_len : len;
            memcpy(x->hdr + x->hdr_len, data, take);
            x->hdr_len += take;
            data += take;
            len -= take;
            if (x->hdr_len < 5)
                return;
            x->body_len = (size_t)x->hdr[3] << 8 | x->hdr[4];
            if (x->hdr[0] < REC_CCS || x->hdr[0] > REC_APPDATA || x->hdr[1] != 3 || x->body_len > MAX_RECORD) {
                fail_as(d, "not-tls", "bytes that are not TLS records");
                return;
            }
        }
        /* TLS 1.3 encrypts in application data records; TLS 1.2 everything after ChangeCipherSpec */
        bool encrypted = x->hdr[0] == REC_APPDATA || (!d->tls13 && x->epoch != EPOCH_PLAIN);
        if (encrypted && !d->started) {
            fail_as(d, "no-handshake", "the TLS handshake's hellos are not in the capture");
            return;
        }
        if (!encrypted && x->hdr[0] != REC_CCS) {
            /* a plaintext record (hello, alert): only counted, tlsrec reads the hellos */
            size_t take = x->body_len < len ? x->body_len : len;
            x->body_len -= take;
            data += take;
            len -= take;
            if (x->body_len == 0) {
                x->records++;
                x->hdr_len = 0;
            }
            continue;
        }
        if (x->held.len == 0 && len >= x->body_len) { /* the whole record is here: no copy */
            record(d, dir, x->hdr, data, x->body_len, emit, arg);
            data += x->body_len;
            len -= x->body_len;
            x->hdr_len = 0;
            continue;
        }
        size_t need = x->body_len - x->held.len, take = need < len ? need : len;
        buf_append(&x->held, data, take);
        data += take;
        len -= take;
        if (take == need) {
            record(d, dir, x->hdr, (const uint8_t *)x->held.data, x->held.len, emit, arg);
            buf_clear(&x->held);
            x->hdr_len = 0;
        }
    }
}

void
tlsdec_gap(struct tlsdec *d, int dir)
{
    char why[96];
    snprintf(why, sizeof why, "%s bytes missing from the capture inside TLS", dir ? "server" : "client");
    fail_as(d, "gap", why);
}

const char *
tlsdec_failure_kind(const struct tlsdec *d)
{
    return d->failure[0] ? d->failure_kind : NULL;
}

const char *
tlsdec_failure(const struct tlsdec *d)
{
    return d->failure[0] ? d->failure : NULL;
}

const char *
tlsdec_suite_name(const struct tlsdec *d)
{
    return d->suite ? d->suite->name : NULL;
}

const char *
tlsdec_version_name(const struct tlsdec *d)
{
    return !d->started || !d->suite ? NULL : d->tls13 ? "TLS 1.3" : "TLS 1.2";
}

unsigned long
tlsdec_app_records(const struct tlsdec *d, int dir)
{
    return d->d[dir & 1].app_records;
}
