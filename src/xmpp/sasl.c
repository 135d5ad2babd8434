/* sasl: SASL client payload decoding for the credential audit (login-spec §4.2). */
#include <config.h>
#include "sasl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64_alphabet.h"
#include "xalloc.h"


int
sasl_base64_decode(const char *in, size_t len, struct buf *out, bool *had_space)
{
    unsigned acc = 0;
    int bits = 0;
    size_t pad = 0, sym = 0;
    if (had_space)
        *had_space = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (had_space)
                *had_space = true;
            continue;
        }
        if (c == '=') {
            pad++;
            sym++;
            continue;
        }
        int v = base64_value(c);
        if (v < 0 || pad) /* RFC 6120 §6.3.5: '=' only at the end */
            return -1;
        sym++;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_append_char(out, (char)((acc >> bits) & 0xff));
        }
    }
    if (pad > 2 || (pad && sym % 4 != 0))
        return -1;
    return 0;
}

static char *
dup_or_null(const char *s, size_t n)
{
    return n ? xstrndup(s, n) : NULL;
}

/* RFC 4616 §2: [authzid] NUL authcid NUL passwd. X-OAUTH2 shares the layout. */
static void
decode_plain(const char *p, size_t n, struct sasl_decoded *d)
{
    const char *nul1 = memchr(p, '\0', n);
    const char *nul2 = nul1 ? memchr(nul1 + 1, '\0', n - (size_t)(nul1 + 1 - p)) : NULL;
    if (!nul1 || !nul2 || memchr(nul2 + 1, '\0', n - (size_t)(nul2 + 1 - p))) {
        d->malformed = true;
        return;
    }
    d->authzid = dup_or_null(p, (size_t)(nul1 - p));
    d->authcid = dup_or_null(nul1 + 1, (size_t)(nul2 - nul1 - 1));
    d->secret = xstrndup(nul2 + 1, n - (size_t)(nul2 + 1 - p));
    d->has_secret = true;
}

/* SCRAM value unescaping (RFC 5802 §5.1): "=2C" → ",", "=3D" → "=". */
static char *
scram_unescape(const char *s, size_t n, bool *bad)
{
    struct buf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=') {
            if (i + 2 < n + 0 && (strncmp(s + i, "=2C", 3) == 0 || strncmp(s + i, "=3D", 3) == 0)) {
                buf_append_char(&b, s[i + 1] == '2' ? ',' : '=');
                i += 2;
                continue;
            }
            *bad = true;
        }
        buf_append_char(&b, s[i]);
    }
    if (!b.data)
        return xstrdup("");
    return b.data;
}

/* client-first-message = gs2-header client-first-message-bare (RFC 5802 §7). */
static void
decode_scram(const char *p, size_t n, struct sasl_decoded *d)
{
    d->hash_material = true;
    const char *end = p + n;
    const char *c1 = memchr(p, ',', n);
    if (!c1) {
        d->malformed = true;
        return;
    }
    size_t flen = (size_t)(c1 - p);
    if (flen >= sizeof d->cbflag)
        flen = sizeof d->cbflag - 1;
    memcpy(d->cbflag, p, flen);
    d->cbflag[flen] = '\0';
    const char *c2 = memchr(c1 + 1, ',', (size_t)(end - c1 - 1));
    if (!c2) {
        d->malformed = true;
        return;
    }
    bool bad = false;
    if (c2 - c1 > 3 && strncmp(c1 + 1, "a=", 2) == 0)
        d->authzid = scram_unescape(c1 + 3, (size_t)(c2 - c1 - 3), &bad);
    const char *q = c2 + 1;
    if (end - q > 2 && strncmp(q, "n=", 2) == 0) {
        const char *e = memchr(q, ',', (size_t)(end - q));
        if (!e)
            e = end;
        d->authcid = scram_unescape(q + 2, (size_t)(e - q - 2), &bad);
    } else {
        bad = true;
    }
    if (bad)
        d->malformed = true;
}

/* Copies the value of |key| from a DIGEST-MD5 response (RFC 2831 §2.1.2). */
static char *
digest_field(const char *p, size_t n, const char *key)
{
    size_t klen = strlen(key);
    size_t i = 0;
    while (i < n) {
        while (i < n && (p[i] == ' ' || p[i] == ','))
            i++;
        size_t kstart = i;
        while (i < n && p[i] != '=' && p[i] != ',')
            i++;
        if (i >= n || p[i] != '=')
            return NULL;
        bool match = i - kstart == klen && strncasecmp(p + kstart, key, klen) == 0;
        i++;
        struct buf v = {0};
        if (i < n && p[i] == '"') {
            i++;
            while (i < n && p[i] != '"') {
                if (p[i] == '\\' && i + 1 < n)
                    i++;
                buf_append_char(&v, p[i++]);
            }
            i++;
        } else {
            while (i < n && p[i] != ',')
                buf_append_char(&v, p[i++]);
        }
        if (match)
            return v.data ? v.data : xstrdup("");
        buf_clear(&v);
    }
    return NULL;
}

static void
decode_digest(const char *p, size_t n, struct sasl_decoded *d)
{
    d->hash_material = true;
    d->authcid = digest_field(p, n, "username");
    d->authzid = digest_field(p, n, "authzid");
    d->realm = digest_field(p, n, "realm");
    d->digest_uri = digest_field(p, n, "digest-uri");
    d->qop = digest_field(p, n, "qop");
    if (!d->authcid)
        d->malformed = true;
}

static bool
mech_is(const char *mech, const char *name)
{
    return mech && strcasecmp(mech, name) == 0;
}

static bool
mech_prefix(const char *mech, const char *prefix)
{
    return mech && strncasecmp(mech, prefix, strlen(prefix)) == 0;
}

bool
sasl_mech_sends_secret(const char *mech)
{
    static const char *const names[] = {"PLAIN", "LOGIN", "X-OAUTH2", "X-GOOGLE-TOKEN",
                                        "X-MESSENGER-OAUTH2", "X-FACEBOOK-PLATFORM",
                                        "OAUTHBEARER"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (mech_is(mech, names[i]))
            return true;
    return mech_prefix(mech, "HT-");
}

bool
sasl_mech_is_hashed(const char *mech)
{
    return mech_prefix(mech, "SCRAM-") || mech_is(mech, "DIGEST-MD5") || mech_is(mech, "CRAM-MD5");
}

bool
sasl_mech_is_plus(const char *mech)
{
    size_t n = mech ? strlen(mech) : 0;
    return n > 5 && strcasecmp(mech + n - 5, "-PLUS") == 0;
}

int
sasl_mech_rank(const char *mech)
{
    if (!mech)
        return 0;
    if (mech_is(mech, "EXTERNAL"))
        return 100;
    if (mech_prefix(mech, "SCRAM-")) {
        bool plus = sasl_mech_is_plus(mech);
        int r = 60;
        if (mech_prefix(mech, "SCRAM-SHA-512"))
            r = 64;
        else if (mech_prefix(mech, "SCRAM-SHA-256"))
            r = 62;
        return plus ? r + 20 : r;
    }
    if (mech_is(mech, "DIGEST-MD5") || mech_is(mech, "CRAM-MD5"))
        return 30;
    if (sasl_mech_sends_secret(mech))
        return 10;
    return 0;
}

void
sasl_decode_client(const char *mech, const char *b64, size_t len, struct sasl_decoded *d)
{
    memset(d, 0, sizeof *d);
    if (!b64 || len == 0)
        return;
    bool space = false;
    /* "=" alone is an empty initial response (RFC 6120 §6.4.2) */
    size_t i = 0, j = len;
    while (i < j && strchr(" \t\r\n", b64[i]))
        i++;
    while (j > i && strchr(" \t\r\n", b64[j - 1]))
        j--;
    if (j - i == 1 && b64[i] == '=')
        return;
    struct buf raw = {0};
    if (sasl_base64_decode(b64, len, &raw, &space) < 0) {
        d->bad_base64 = true;
        buf_clear(&raw);
        return;
    }
    d->bad_base64 = space; /* tolerated, but flagged (C16) */
    if (raw.len == 0) {
        buf_clear(&raw);
        return;
    }
    d->present = true;
    const char *p = raw.data;
    size_t n = raw.len;
    if (mech_is(mech, "PLAIN") || mech_is(mech, "X-OAUTH2") || mech_is(mech, "X-GOOGLE-TOKEN")) {
        decode_plain(p, n, d);
        d->token = !mech_is(mech, "PLAIN");
    } else if (mech_prefix(mech, "SCRAM-")) {
        decode_scram(p, n, d);
    } else if (mech_is(mech, "DIGEST-MD5")) {
        decode_digest(p, n, d);
    } else if (mech_is(mech, "EXTERNAL")) {
        d->authzid = xstrndup(p, n);
    } else if (mech_is(mech, "ANONYMOUS")) {
        /* trace data only (RFC 4505); no identity, no secret */
    } else if (mech_is(mech, "OAUTHBEARER")) {
        const char *tok = memmem(p, n, "auth=Bearer ", 12);
        if (tok) {
            const char *s = tok + 12;
            const char *e = memchr(s, '\x01', n - (size_t)(s - p));
            d->secret = xstrndup(s, e ? (size_t)(e - s) : n - (size_t)(s - p));
            d->has_secret = true;
            d->token = true;
        }
        const char *a = memmem(p, n, ",a=", 3);
        if (a) {
            const char *s = a + 3;
            const char *e = memchr(s, ',', n - (size_t)(s - p));
            if (e)
                d->authzid = xstrndup(s, (size_t)(e - s));
        }
    } else if (mech_is(mech, "LOGIN")) {
        /* draft-murchison-sasl-login: the first response is the user name */
        d->authcid = xstrndup(p, n);
    } else if (sasl_mech_sends_secret(mech)) {
        d->secret = xstrndup(p, n);
        d->has_secret = true;
        d->token = true;
    }
    buf_clear(&raw);
}

long
sasl_scram_iterations(const char *b64, size_t len)
{
    struct buf raw = {0};
    long iter = -1;
    if (sasl_base64_decode(b64, len, &raw, NULL) == 0 && raw.len) {
        const char *p = raw.data;
        while (p) {
            if (strncmp(p, "i=", 2) == 0) {
                char *end;
                long v = strtol(p + 2, &end, 10);
                if (end != p + 2 && v >= 0)
                    iter = v;
                break;
            }
            p = strchr(p, ',');
            if (p)
                p++;
        }
    }
    buf_clear(&raw);
    return iter;
}

void
sasl_decoded_clear(struct sasl_decoded *d)
{
    free(d->authzid);
    free(d->authcid);
    free(d->realm);
    free(d->digest_uri);
    free(d->qop);
    if (d->secret) {
        /* wipe the secret before freeing: it should not linger in core dumps */
        memset(d->secret, 0, strlen(d->secret));
        free(d->secret);
    }
    memset(d, 0, sizeof *d);
}

int
sasl_scram_cb_check(const char *b64, size_t len, const uint8_t *want, size_t wlen)
{
    struct buf msg = {0}, cb = {0};
    int r = -1;
    if (sasl_base64_decode(b64, len, &msg, NULL) != 0 || msg.len < 2 || memcmp(msg.data, "c=", 2) != 0)
        goto out;
    const char *v = msg.data + 2;
    const char *e = memchr(v, ',', msg.len - 2);
    if (!e)
        e = msg.data + msg.len;
    if (sasl_base64_decode(v, (size_t)(e - v), &cb, NULL) != 0 || cb.len < 2 || cb.data[0] != 'p')
        goto out;
    /* gs2-header = cbflag "," [authzid] "," : the cb data follows its second comma */
    const char *c1 = memchr(cb.data, ',', cb.len);
    const char *c2 = c1 ? memchr(c1 + 1, ',', cb.len - (size_t)(c1 + 1 - cb.data)) : NULL;
    if (!c2)
        goto out;
    size_t off = (size_t)(c2 + 1 - cb.data);
    r = cb.len - off == wlen && memcmp(cb.data + off, want, wlen) == 0;
out:
    buf_clear(&msg);
    buf_clear(&cb);
    return r;
}
