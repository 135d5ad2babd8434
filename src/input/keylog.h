/*
 * keylog: the TLS secrets of an NSS key log (SSLKEYLOGFILE, as written by
 * OpenSSL, NSS, Go, Node, Python): one "LABEL CLIENT_RANDOM SECRET" a line,
 * both in hex; '#' comments and blank lines skipped. Kept: CLIENT_RANDOM
 * (the TLS 1.2 master secret) and the TLS 1.3 handshake and first
 * application traffic secrets; exporter and early secrets are read and
 * dropped. A bad line is told with its file and line number and skipped;
 * no message ever quotes a line (a line holds key material).
 *
 * Memory: the secrets live outside malloc's heap (their own mappings), so
 * the connection table's memory budget does not see them, and within a cap
 * of their own: KEYLOG_MAX_SESSIONS client randoms and KEYLOG_MAX_SECRET_BYTES
 * of secrets (20 MB in all). Lines past the cap are refused with one error.
 * The secrets are wiped when the key log is freed.
 */
#ifndef XMPPFLOW_KEYLOG_H
#define XMPPFLOW_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum keylog_label {
    KEYLOG_CLIENT_RANDOM,   /* TLS 1.2 master secret (48 bytes) */
    KEYLOG_CLIENT_HS,       /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    KEYLOG_SERVER_HS,       /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    KEYLOG_CLIENT_TRAFFIC0, /* CLIENT_TRAFFIC_SECRET_0 */
    KEYLOG_SERVER_TRAFFIC0, /* SERVER_TRAFFIC_SECRET_0 */
    KEYLOG_LABELS,
};

#define KEYLOG_MAX_SESSIONS (1u << 17)
#define KEYLOG_MAX_SECRET_BYTES (12u << 20)
#define KEYLOG_SECRET_MAX 64

/* One secret, borrowed from the key log. */
struct keylog_secret {
    const uint8_t *bytes;
    size_t len;
};

struct keylog;

/* What reading one file met: called for each bad line (|line| ≥ 1) or file-wide problem (|line| 0). */
typedef void (*keylog_problem)(void *arg, const char *path, long line, const char *message);

struct keylog *keylog_new(void);
/* Wipes the secrets. NULL is fine. */
void keylog_free(struct keylog *kl);
/*
 * Reads the key log at |path| into |kl| (several files: one call each; a
 * later line for the same random and label wins). Bad lines go to |problem| (NULL: not told).
 * False when the file cannot be opened (told to |problem| too).
 */
bool keylog_read_file(struct keylog *kl, const char *path, keylog_problem problem, void *arg);
/* Same, from an open stream named |name| in messages. */
bool keylog_read_stream(struct keylog *kl, FILE *f, const char *name, keylog_problem problem, void *arg);
/* The secret of |label| for the 32-byte |client_random|: false when the key log has none. */
bool keylog_find(const struct keylog *kl, const uint8_t client_random[32], enum keylog_label label,
                 struct keylog_secret *out);
/* Client randoms known, secrets kept, lines skipped as bad. */
size_t keylog_sessions(const struct keylog *kl);
size_t keylog_secrets(const struct keylog *kl);
size_t keylog_bad_lines(const struct keylog *kl);

#endif
