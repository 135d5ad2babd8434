/*
 * tls_watch: the stack layer of a TLS connection. Its records go to tlsrec;
 * what tlsrec learns (ClientHello, handshake end, alerts, bytes that are not
 * TLS) goes to the owner as notes whose |what| is a tlsrec_kind and whose
 * |info| is the struct tlsrec_event.
 *
 * Without a key log (the stack's environment, stack_set_env: a struct
 * keylog) nothing passes up: there is no XMPP byte to read. With one, once
 * the ServerHello is seen the layer looks up the connection's secrets
 * (tlsdec) and tells the owner TLS_NOTE_DECRYPTING (|info|: the struct
 * tls_note_keys) or TLS_NOTE_OPAQUE (|info|: the struct tls_note_opaque);
 * the application data then goes up, through a "first-bytes" layer put
 * above it (XML, or HTTP for HTTPS BOSH and WSS, is told by its first bytes
 * as on plain TCP). A later failure (a record whose tag does not match, a
 * gap) is a TLS_NOTE_OPAQUE too, and nothing more passes up. Before the
 * plaintext of each application data record goes up, TLS_NOTE_RECORDS counts
 * the records so far.
 */
#ifndef XMPPFLOW_TLS_WATCH_H
#define XMPPFLOW_TLS_WATCH_H

#include "stack.h"
#include "tlsrec.h"

enum tls_note {
    TLS_NOTE_DECRYPTING = 100, /* after the tlsrec_kind values */
    TLS_NOTE_OPAQUE,
    TLS_NOTE_RECORDS, /* |info|: unsigned long[2], application data records decrypted so far per direction */
    TLS_NOTE_FINISHED, /* |info|: struct tls_note_finished, once, before the first plaintext goes up */
};

struct tls_note_keys {
    const char *version; /* "TLS 1.3", "TLS 1.2" */
    const char *suite;   /* IANA name */
};

struct tls_note_finished {
    const uint8_t *verify_data; /* the client Finished's: tls-unique channel binding data */
    size_t len;
};

struct tls_note_opaque {
    const char *kind;    /* "no-key", "unsupported", "auth-failed", "gap", "no-handshake", "not-tls", "error" */
    const char *reason;  /* in words, no key material */
    bool after_start;    /* decryption had begun: what came before it was read */
};

extern const struct layer_kind tls_watch_layer;

#endif
