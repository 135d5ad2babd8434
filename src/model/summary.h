/* summary: the run's totals, accumulated one finished session at a time (summary.c). */
#ifndef XMPPFLOW_SUMMARY_H
#define XMPPFLOW_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "timestamp.h"

/* A name with a count, for the summary's maps. */
struct name_count {
    char *name;
    long count;
};

#define PLAINTEXT_ON_WIRE 1
#define PLAINTEXT_IN_LOG 2
#define PLAINTEXT_WIRE_INFERRED 4 /* on the wire as an info-level log's socket tag shows it */

/* How a connection that never carried a byte of XMPP ended. */
enum silent_end {
    SILENT_NO_REPLY,       /* SYN, no answer */
    SILENT_REFUSED,        /* SYN answered by RST */
    SILENT_RESET,          /* handshake, then RST, no data */
    SILENT_CLOSED,         /* handshake, then FIN, no data */
    SILENT_HANDSHAKE_ONLY, /* handshake, then nothing until the input ended */
};
#define SILENT_END_COUNT (SILENT_HANDSHAKE_ONLY + 1)

/* Silent connections to one server endpoint (at most 256 listed, then "other"). */
struct silent_server {
    char *server; /* "ip:port" */
    long count;
    usec_t first, last;
    long by_end[SILENT_END_COUNT];
};

/*
 * Streams to an XMPP port that are not client logins (issue 13): never
 * sessions, never in the login statistics; counted per server endpoint.
 */
enum flow_kind {
    FLOW_NOT_XMPP, /* the first bytes are neither TLS nor XML nor HTTP: another protocol */
    FLOW_S2S,      /* a server-to-server stream (jabber:server, dialback) */
};
#define FLOW_KIND_COUNT (FLOW_S2S + 1)

struct flow_server {
    char *server; /* "ip:port" */
    long count;
    usec_t first, last;
};

/* The flows of one kind, by server endpoint in string order (at most 256, then "other"). */
struct flow_tally {
    struct flow_server *v;
    size_t n;
    long total;
};

/* The run's summary, accumulated one finished session at a time. */
struct summary {
    long sessions;
    long by_outcome[OUTCOME_OPAQUE + 1];
    long by_transport[TRANSPORT_COUNT];
    struct name_count *by_mechanism; /* in first-seen order; "none" for no mechanism */
    size_t nby_mechanism;
    long plaintext_sessions;
    char **plaintext_users;          /* sorted, unique */
    unsigned char *plaintext_where;  /* per user: PLAINTEXT_ON_WIRE | PLAINTEXT_IN_LOG */
    size_t nplaintext_users;
    long plaintext_on_wire, plaintext_in_log; /* sessions, by where the password was readable */
    long plaintext_wire_inferred;    /* of plaintext_on_wire: known from an info-level log only */
    long plaintext_wire_passwords;   /* passwords sent without TLS (attempts, registrations) */
    struct name_count *by_code;      /* violation code counts, sorted by code */
    size_t nby_code;
    double *latencies;               /* durations_ms.to_bound, exact while few (summary.c) */
    size_t nlatencies;               /* sessions with a latency, all of them */
    uint32_t *latency_hist;          /* past the exact ones: a histogram (summary.c); or NULL */
    double latency_max;
    long plaintext_users_more;       /* users past the listed ones (never > 0 below 10 000) */
    long evicted;                    /* sessions the tool closed itself (session.evicted) */
    struct silent_server *silent;    /* connections that never carried XMPP, by server */
    size_t nsilent;
    long silent_total;
    struct flow_tally flows[FLOW_KIND_COUNT]; /* what is not a client login (added in 0.2) */
    bool any_violation;              /* for --fail-on: at least one violation was seen */
    enum severity max_severity;      /* the highest severity seen (valid when any_violation) */
    bool interrupted;                /* interrupted: SIGINT/SIGTERM stopped the reading (only true) */
    /* with --keylog (keylog true; else no "decryption" key): the key log, TLS sessions read or not */
    struct {
        bool keylog;
        long keylog_sessions, keylog_bad_lines; /* client randoms kept, lines skipped */
        long decrypted;                 /* sessions whose TLS was read (decryption.decrypted) */
        struct name_count *opaque;      /* sessions left opaque, by decryption.opaque kind */
        size_t nopaque;
    } decryption;
    /* capture + log pairs whose sessions were combined (pipeline/correlate.c), first first */
    struct correlated_pair *correlated;
    size_t ncorrelated;
    /* sessions reported alone because the correlation's hold was full (correlation_held_over) */
    long correlation_held_over;
};

/* A capture and a log that showed the same connections. */
struct correlated_pair {
    char *capture, *log;    /* input paths */
    long sessions;          /* combined sessions */
    double clock_offset_ms; /* the log's clock minus the capture's: median over those sessions */
};
/* Adds a pair (|capture|, |log| copied). */
void summary_add_correlated(struct summary *sm, const char *capture, const char *log, long sessions,
                            double clock_offset_ms);

/*
 * What summary_add() reads of a session, and nothing else: what a worker of
 * a -j run sends the merge for each session it reports. Pointers are the
 * session's (borrowed).
 */
struct summary_facts {
    enum outcome outcome;
    enum transport transport;
    const char *mechanism;       /* NULL: none */
    bool evicted;
    bool plaintext;              /* a password was readable: on the wire, in the log or in an attempt */
    bool on_wire, in_log;
    bool wire_inferred;          /* on_wire known from an info-level log's socket tag only */
    unsigned wire_exposures;     /* session.wire_exposures */
    const char *user;            /* the name the plaintext audit lists; NULL: none */
    const struct violation *violations; /* code and severity read */
    size_t nviolations;
    const struct violation_drop *dropped;
    size_t ndropped;
    double to_bound;             /* durations.to_bound */
    bool tls_decrypted;          /* decryption.decrypted */
    const char *tls_opaque;      /* decryption.opaque; NULL: none */
};

void summary_facts_of(const struct session *s, struct summary_facts *f);
/* summary_add() of a session whose facts are |f|. */
void summary_add_facts(struct summary *sm, const struct summary_facts *f);

/* Nearest-rank percentile |p| (0–100) of the latencies; < 0 when there are none. */
double summary_percentile(const struct summary *sm, double p);
struct summary *summary_new(void);
void summary_free(struct summary *sm);
void summary_add(struct summary *sm, const struct session *s);
/*
 * Counts connections to |server| that never carried XMPP (not sessions of the
 * report): |by_end[e]| of each ending e, the first began at |first|, the last
 * ended at |last|.
 */
void summary_add_silents(struct summary *sm, const char *server, const long by_end[SILENT_END_COUNT],
                         usec_t first, usec_t last);
const char *silent_end_name(enum silent_end e);
/* Counts |count| flows of |kind| to |server|, the first seen at |first|, the last at |last|. */
void summary_add_flows(struct summary *sm, enum flow_kind kind, const char *server, long count,
                       usec_t first, usec_t last);

#endif
