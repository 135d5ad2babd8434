/*
 * sasl: decodes SASL client payloads for the credential audit
 * (login-spec §4): who authenticates, and which secret crossed. Pure
 * functions; never fails on malformed data, which is reported in the result.
 */
#ifndef XMPPFLOW_SASL_H
#define XMPPFLOW_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sasl_decoded {
    bool present;       /* the payload held data (not absent, not "=") */
    bool bad_base64;    /* illegal characters or padding (C16) */
    bool malformed;     /* decoded, but not in the mechanism's syntax */
    bool has_secret;    /* a reusable secret is readable in the payload (B1) */
    bool hash_material; /* the exchange allows an offline attack when seen in clear (B2) */
    char *authzid;      /* NULL when absent or empty */
    char *authcid;
    char *secret;       /* the readable secret; NULL when none */
    char cbflag[48];    /* SCRAM gs2 channel-binding flag: "n", "y", "p=tls-unique"; "" else */
    char *realm;        /* DIGEST-MD5: realm, digest-uri and qop of the response; NULL else */
    char *digest_uri;
    char *qop;
    bool token;         /* the secret is a token (OAuth), not a password */
};

/*
 * Decodes base64 text |in| of |len| bytes into |out| (appended). XML
 * whitespace is skipped and flagged in |*had_space| (may be NULL). Returns 0,
 * or -1 on an illegal character or misplaced padding.
 */
int sasl_base64_decode(const char *in, size_t len, struct buf *out, bool *had_space);

/*
 * Decodes the first client payload of a |mech| exchange (the <auth> text, or
 * the first <response> when the auth carried none). |b64| is the element text
 * as sent. |out| is filled and must be released with sasl_decoded_clear().
 */
void sasl_decode_client(const char *mech, const char *b64, size_t len, struct sasl_decoded *out);
void sasl_decoded_clear(struct sasl_decoded *d);

/*
 * A SCRAM client-final-message (base64 |b64|, |len| bytes) against channel
 * binding data |want| (|wlen| bytes): its c= attribute is base64 of the gs2
 * header and the cb data (RFC 5802 §7). 1: the cb data is |want|; 0: it is
 * not; -1: no c= to compare, or no cb data (a gs2 header without p=).
 */
int sasl_scram_cb_check(const char *b64, size_t len, const uint8_t *want, size_t wlen);

/* SCRAM iteration count from a server-first challenge (base64), or -1. */
long sasl_scram_iterations(const char *b64, size_t len);

/* True for mechanisms whose client data carries a reusable secret (PLAIN, X-OAUTH2, …). */
bool sasl_mech_sends_secret(const char *mech);
/* True for challenge-response mechanisms whose transcript allows offline attack (SCRAM, DIGEST-MD5, …). */
bool sasl_mech_is_hashed(const char *mech);
/* True for a channel-binding variant (SCRAM-SHA-1-PLUS, …: RFC 5802 §4). */
bool sasl_mech_is_plus(const char *mech);
/*
 * A rough preference rank for C11 (higher is stronger): EXTERNAL and
 * SCRAM-*-PLUS first, then SCRAM by hash size, DIGEST-MD5, then PLAIN and the
 * token mechanisms. Unknown mechanisms rank 0.
 */
int sasl_mech_rank(const char *mech);

#endif
