/*
 * tlsrec: watches the TLS records of one connection without decrypting them
 * (RFC 8446 §5.1, RFC 5246 §6.2): finds the ClientHello's SNI and ALPN, the
 * negotiated version, the end of the handshake and alerts. After that the
 * bytes are only counted. No I/O; memory is bounded (only the ClientHello and
 * ServerHello bytes are kept, at most 16 KiB each).
 */
#ifndef XMPPFLOW_TLSREC_H
#define XMPPFLOW_TLSREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tlsrec_kind {
    TLSREC_CLIENT_HELLO, /* sni / alpn filled when present */
    TLSREC_ESTABLISHED,  /* both sides switched to encrypted records */
    TLSREC_ALERT,        /* an alert before the handshake ended (it fails) */
    TLSREC_NOT_TLS,      /* bytes that are not TLS records where TLS was due */
};

struct tlsrec_event {
    enum tlsrec_kind kind;
    int dir;             /* 0 client, 1 server: who sent what caused it */
    const char *sni;     /* CLIENT_HELLO: server_name, or NULL */
    const char *alpn;    /* CLIENT_HELLO: protocols offered, comma-separated, or NULL */
    unsigned version;    /* ESTABLISHED: 0x0303 TLS 1.2, 0x0304 TLS 1.3, 0 unknown */
};

/* What the hellos said, for decryption (a key log is looked up by the client random). */
struct tlsrec_hellos {
    bool client_seen, server_seen; /* the ClientHello, the ServerHello was parsed */
    uint8_t client_random[32], server_random[32];
    uint16_t suite;                /* the ServerHello's cipher suite */
    unsigned version;              /* its version, from supported_versions when present */
};

struct tlsrec *tlsrec_new(void);
void tlsrec_free(struct tlsrec *t);
/* Feeds |len| bytes sent in direction |dir| (0 client, 1 server). */
void tlsrec_feed(struct tlsrec *t, int dir, const uint8_t *data, size_t len);
/* Next event; pointers valid until the next call. False when none is pending. */
bool tlsrec_next(struct tlsrec *t, struct tlsrec_event *out);
/* The hellos seen so far (borrowed from |t|). */
const struct tlsrec_hellos *tlsrec_hellos(const struct tlsrec *t);
/* True once the handshake is over (all later bytes are application data). */
bool tlsrec_established(const struct tlsrec *t);
/* True when |data| (|len| ≥ 6 bytes) starts like a TLS handshake record (a ClientHello). */
bool tlsrec_looks_like_client_hello(const uint8_t *data, size_t len);
/* True when |alpn| (a ClientHello's protocols, comma-separated as tlsrec gives them; NULL is none) names |proto|. */
bool tlsrec_alpn_has(const char *alpn, const char *proto);

#endif
