/*
 * session: the record of one login, as every layer builds and reads it: its
 * steps (phase events), violations, authentication attempts and outcome.
 * Field meanings follow the report schema; every field names its JSON key.
 * The login layer fills it, the report layer writes it.
 */
#ifndef XMPPFLOW_SESSION_H
#define XMPPFLOW_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timestamp.h"

/* A boolean the input may not show: JSON true/false/null. */
enum tri { TRI_NULL = 0, TRI_FALSE, TRI_TRUE };

/*
 * https: HTTP inside TLS without its keys, BOSH or WebSocket (which of the two
 * shows only inside TLS), told by the ClientHello's ALPN or an HTTPS port.
 */
enum transport { TRANSPORT_TCP, TRANSPORT_TLS, TRANSPORT_BOSH, TRANSPORT_WEBSOCKET, TRANSPORT_HTTPS };
#define TRANSPORT_COUNT (TRANSPORT_HTTPS + 1)

enum outcome {
    OUTCOME_ESTABLISHED,
    OUTCOME_REGISTERED,
    OUTCOME_AUTH_FAILED,
    OUTCOME_ABORTED,
    OUTCOME_ERROR,
    OUTCOME_INCOMPLETE,
    OUTCOME_OPAQUE,
};

/* auth.outcome and attempts[].result */
enum auth_result { AUTH_NONE, AUTH_SUCCESS, AUTH_FAILURE };

enum phase {
    PHASE_NONE = 0, /* JSON null: unclassified element (other:<name>) */
    PHASE_CONNECT,
    PHASE_STREAM,
    PHASE_TLS,
    PHASE_REGISTER,
    PHASE_AUTH,
    PHASE_COMPRESS,
    PHASE_BIND,
    PHASE_SESSION,
    PHASE_SM,
    PHASE_ESTABLISHED,
    PHASE_CLOSE,
    PHASE_ERROR,
};

enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR };

/* The mask every secret gets unless --show-secrets. */
#define REPORT_HIDDEN "<hidden>"

struct phase_event {
    unsigned seq;    /* seq: 1-based */
    char dir;        /* dir: 'C', 'S' or '-' */
    usec_t time;     /* time */
    char *event;     /* event: "auth(PLAIN)", "stanza:iq", … */
    enum phase phase; /* phase (PHASE_NONE → null) */
    char *summary;   /* summary: element abbreviated, secrets already masked or not per the run */
    /* damaged: the element lost bytes to a capture gap (framer.h): how many (0 → null), from where */
    bool damaged;
    unsigned gap_bytes;
    /* tls: read inside TLS, decrypted with a key log (false → absent) */
    bool tls;
    unsigned long long gap_offset;
    /*
     * source: in a session combined from a capture and a log (pipeline/correlate.c),
     * where the event came from: 'c' capture, 'l' log, 'b' both; 0 → absent
     */
    char source;
};

struct violation {
    char code[4];          /* code: "A3" */
    enum severity severity; /* severity */
    unsigned seq;          /* seq: 0 → null (about the whole session) */
    char *message;         /* message */
    const char *ref;       /* ref: static string, NULL → null */
    unsigned long count;   /* count: times the rule was hit at this step; <= 1 → absent */
};

/* Findings of one code not stored (past the session's caps), for violations_dropped. */
struct violation_drop {
    char code[4];
    enum severity severity; /* the highest of those dropped */
    unsigned long count;    /* steps at which it was found */
};

struct credentials {
    char *authzid;  /* NULL → null */
    char *authcid;  /* NULL → null */
    char *password; /* the decoded secret in clear; NULL → null. Writers mask it. */
};

struct attempt {
    char *mechanism;          /* NULL → null */
    enum auth_result result;
    char *condition;          /* NULL → null */
    enum tri tls;
    bool plaintext;           /* a reusable secret was readable in this input */
    /*
     * inferred: known from a server log line only (info level, no XML): the
     * credentials are not in the input, and plaintext says what the line's
     * socket tag implies (a PLAIN or legacy password over a tcp-tagged socket).
     */
    bool inferred;
    bool has_credentials;     /* false → credentials: null */
    struct credentials credentials;
    /* SCRAM -PLUS: the channel binding type checked against the decrypted TLS session ("" → absent) */
    char cb_type[24];
    bool cb_verified;         /* its data is the session's (tls-unique: the client Finished) */
};

/*
 * A connection: one byte stream a login used, a TCP connection in a capture,
 * a c2s process in a log. Kept apart from the session: a BOSH session runs
 * over several TCP connections under one sid, and a capture and a log may
 * describe the same connection. Not in the report yet.
 */
struct connection {
    char *key;             /* the connection table's key: the TCP 4-tuple, the log's pid */
    char *client, *server; /* "ip:port"; NULL while the input has not said */
};

struct session {
    unsigned id;
    char *input;              /* path of the input of the first event */
    enum transport transport;
    /* a server-to-server stream (jabber:server): counted in the summary, never reported as a session */
    bool server_to_server;
    char *client, *server;    /* "ip:port"; NULL → null */
    struct connection *connections; /* the byte streams it used, first first */
    size_t nconnections;
    /* a TCP connection that carried another session's bytes (BOSH): not reported itself */
    bool carrier;
    char *domain;             /* NULL → null */
    usec_t start, end;
    char *user, *jid;         /* NULL → null */
    struct {
        enum tri offered, required, negotiated, before_auth;
    } tls;
    struct {
        bool offered_known;   /* false → offered: null */
        char **offered;       /* mechanisms in server order */
        size_t noffered;
        char *mechanism;      /* NULL → null */
        struct attempt *attempts;
        size_t nattempts;
        enum auth_result outcome;
    } auth;
    enum outcome outcome;
    struct phase_event *phases;
    size_t nphases;
    struct violation *violations;
    size_t nviolations;
    /* past the caps of findings.h: counted, not stored (0 → absent) */
    unsigned long phases_dropped;               /* phases_dropped */
    struct violation_drop *violations_dropped;  /* violations_dropped: code → count */
    size_t nviolations_dropped;
    struct {
        double total;         /* ms */
        double to_tls, auth, to_bound; /* ms; < 0 → null */
    } durations;
    /* log keys (ejabberd-log inputs only): has_log false → no "log" key */
    bool has_log;
    char *log_pid;            /* NULL → null */
    char *log_receiver;       /* receiver_pid (logs up to 17.01); NULL → absent */
    const char *log_link;     /* link: "certain", "provisional" (static); NULL → absent */
    long first_line, last_line; /* 0 → absent */
    /* last_input: path of the input of last_line when not |input| (a rotated set); NULL → absent */
    char *last_input;
    char *log_node;           /* node: the ejabberd node its log's start banner named; NULL → absent */
    /* plaintext audit: where a password was readable (for the summary) */
    bool password_on_wire, password_in_log;
    /*
     * decryption (only with --keylog, for a session that used TLS; present
     * false → no "decryption" key): whether its TLS was opened, with which
     * version and suite, and why not or from where not (opaque: a kind of
     * tls_watch.h's list; opaque_reason: in words, never key material).
     */
    struct session_decryption {
        bool present, decrypted;
        const char *version, *suite; /* static; NULL → null */
        const char *opaque;          /* static; NULL → absent */
        char *opaque_reason;         /* NULL → absent */
        unsigned long app_records[2]; /* app_records: client, server: application data records decrypted */
    } decryption;
    /* password_on_wire known only from an info-level log's socket tag (no password in the input) */
    bool password_wire_inferred;
    unsigned wire_exposures; /* attempts and registrations that sent a password without TLS */
    /* why the tool closed it itself: "idle", "table-full", "memory"; NULL → absent */
    const char *evicted;
    /*
     * correlated: one connection seen in a capture and in a log, combined
     * (pipeline/correlate.c); capture NULL → absent. The offset is the log's
     * clock minus the capture's (median over the events both show).
     */
    struct {
        char *capture, *log;     /* the two inputs' paths */
        double clock_offset_ms;
        unsigned matched;        /* events both show (0: offset from the session starts) */
    } correlated;
};

/* Adds the connection keyed |key| to those |s| used; returns it (endpoints NULL). */
struct connection *session_add_connection(struct session *s, const char *key);
/* |s|'s last connection's endpoints are |client| and |server| (copied; NULL: unknown). */
void session_connection_endpoints(struct session *s, const char *client, const char *server);

/* |s|'s latest log line is |line| of input |input| (last_line, last_input). */
void session_log_line(struct session *s, const char *input, long line);

/* Frees everything |s| owns (not |s| itself). */
void session_clear(struct session *s);

/* Names as the report spells them; "unknown" for a value out of range. */
const char *transport_name(enum transport t);
const char *outcome_name(enum outcome o);
const char *auth_result_name(enum auth_result r);
const char *phase_name(enum phase p); /* NULL for PHASE_NONE */
const char *severity_name(enum severity s);
#endif
