/*
 * tlsdec: decrypts the records of one TLS connection with the secrets a key
 * log gives for its client random: TLS 1.3 (RFC 8446: handshake then
 * application traffic keys, KeyUpdate) and TLS 1.2 AEAD suites (RFC 5246
 * key expansion from the master secret, RFC 5288 GCM explicit nonces,
 * RFC 7905 ChaCha20-Poly1305). Records are reassembled across chunks; what
 * comes out is the application data of each direction, in order.
 *
 * Failure is final and local: no key, a suite or version it cannot decrypt,
 * a record whose tag does not match, a gap: from then on nothing comes out
 * and tlsdec_failure() says why (in words without key material). Memory: a
 * record that spans chunks is held (at most 2^14 + 2 KiB + 5 bytes a
 * direction); the plaintext goes through one scratch buffer of the process.
 */
#ifndef XMPPFLOW_TLSDEC_H
#define XMPPFLOW_TLSDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keylog.h"
#include "tlsrec.h"

/* Where the plaintext of direction |dir| goes. */
typedef void (*tlsdec_emit)(void *arg, int dir, const uint8_t *data, size_t len);

struct tlsdec *tlsdec_new(void);
/* Wipes the keys. NULL is fine. */
void tlsdec_free(struct tlsdec *d);
/*
 * Looks up the keys of the connection the hellos |h| describe in |kl|.
 * False when it cannot be decrypted (tlsdec_failure() says why); call once
 * the ServerHello was seen, before the first encrypted record is fed.
 */
bool tlsdec_start(struct tlsdec *d, const struct tlsrec_hellos *h, const struct keylog *kl);
/* True once tlsdec_start() was called. */
bool tlsdec_started(const struct tlsdec *d);
/* Feeds |len| bytes of direction |dir| (0 client, 1 server) from the connection's first TLS byte on. */
void tlsdec_feed(struct tlsdec *d, int dir, const uint8_t *data, size_t len, tlsdec_emit emit, void *arg);
/* |len| bytes of |dir| the capture lacks: decryption stops (records cannot be found again). */
void tlsdec_gap(struct tlsdec *d, int dir);
/* Why nothing more comes out, or NULL while it goes on. */
const char *tlsdec_failure(const struct tlsdec *d);
/* The kind of that failure, for counting: "no-key", "unsupported", "auth-failed", "gap", "no-handshake", "not-tls", "error". */
const char *tlsdec_failure_kind(const struct tlsdec *d);
/* The suite's name, and "TLS 1.3"/"TLS 1.2", once started (NULL before). */
const char *tlsdec_suite_name(const struct tlsdec *d);
const char *tlsdec_version_name(const struct tlsdec *d);
/* Application data records of |dir| decrypted so far. */
unsigned long tlsdec_app_records(const struct tlsdec *d, int dir);
/* The verify_data of the client's Finished (|*out|), once decrypted; else 0. tls-unique (RFC 5929 §3.1). */
size_t tlsdec_client_finished(const struct tlsdec *d, const uint8_t **out);

#endif
