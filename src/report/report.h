/*
 * report: the plain result tree that analysis hands to the writers, and the
 * writers themselves (text, json, jsonl). Field meanings follow
 * ../shared/CONTRACT.md and report.schema.json; every field below names its
 * JSON key. Writers see only this header.
 */
#ifndef XMPPFLOW_REPORT_H
#define XMPPFLOW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A boolean the input may not show: JSON true/false/null. */
enum tri { TRI_NULL = 0, TRI_FALSE, TRI_TRUE };

enum transport { TRANSPORT_TCP, TRANSPORT_TLS, TRANSPORT_BOSH, TRANSPORT_WEBSOCKET };

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

enum input_type { INPUT_UNKNOWN = 0 /* JSON null */, INPUT_PCAP, INPUT_PCAPNG, INPUT_EJLOG };

/* Microseconds since the Unix epoch, UTC. */
typedef int64_t usec_t;

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
    unsigned long long gap_offset;
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
    bool has_credentials;     /* false → credentials: null */
    struct credentials credentials;
};

struct session {
    unsigned id;
    char *input;              /* path of the input of the first event */
    enum transport transport;
    char *client, *server;    /* "ip:port"; NULL → null */
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
    long first_line, last_line; /* 0 → absent */
    /* plaintext audit: where a password was readable (for the summary) */
    bool password_on_wire, password_in_log;
    /* why the tool closed it itself: "idle", "table-full", "memory"; NULL → absent */
    const char *evicted;
};

/* Frees everything |s| owns (not |s| itself). */
void session_clear(struct session *s);

struct input_error {
    char *message;
    long line;   /* 0 → absent */
    long packet; /* 0 → absent */
    long long offset; /* < 0 → absent */
};

struct input_info {
    char *path;
    enum input_type type;
    long long size_bytes; /* < 0 → null */
    long long count;      /* packets (pcap/pcapng) or lines (ejabberd-log) */
    struct input_error *errors;
    size_t nerrors;
    bool unusable;        /* recognised, but nothing in it can be analysed (exit status 3) */
    long long evicted;    /* connections closed by the tool while reading it (0 → absent) */
};

/* Appends an error to |in| (|message| copied; line/packet 0 and offset -1 when unknown). */
void input_info_add_error(struct input_info *in, const char *message, long line, long packet,
                          long long offset);
void input_info_clear(struct input_info *in);

/* A name with a count, for the summary's maps. */
struct name_count {
    char *name;
    long count;
};

#define PLAINTEXT_ON_WIRE 1
#define PLAINTEXT_IN_LOG 2

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

/* The run's summary, accumulated one finished session at a time. */
struct summary {
    long sessions;
    long by_outcome[OUTCOME_OPAQUE + 1];
    long by_transport[TRANSPORT_WEBSOCKET + 1];
    struct name_count *by_mechanism; /* in first-seen order; "none" for no mechanism */
    size_t nby_mechanism;
    long plaintext_sessions;
    char **plaintext_users;          /* sorted, unique */
    unsigned char *plaintext_where;  /* per user: PLAINTEXT_ON_WIRE | PLAINTEXT_IN_LOG */
    size_t nplaintext_users;
    long plaintext_on_wire, plaintext_in_log; /* sessions, by where the password was readable */
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
    bool any_violation;              /* for --fail-on: at least one violation was seen */
    enum severity max_severity;      /* the highest severity seen (valid when any_violation) */
    bool interrupted;                /* interrupted: SIGINT/SIGTERM stopped the reading (only true) */
};

/* Nearest-rank percentile |p| (0–100) of the latencies; < 0 when there are none. */
double summary_percentile(const struct summary *sm, double p);
struct summary *summary_new(void);
void summary_free(struct summary *sm);
void summary_add(struct summary *sm, const struct session *s);
/* Counts a connection that never carried XMPP (not a session of the report). */
void summary_add_silent(struct summary *sm, const char *server, enum silent_end how, usec_t first,
                        usec_t last);
const char *silent_end_name(enum silent_end e);

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_JSONL };

struct report_options {
    enum report_format format;
    bool show_secrets;
    const char *tool_version;
    /*
     * jsonl: a line may wait in the output's buffer (until it fills, or
     * report_flush). Without it each line is flushed as its session ends.
     */
    bool hold_lines;
};

/* Pushes out what the writer's output holds (held jsonl lines). */
struct report_writer;
void report_flush(struct report_writer *w);

/*
 * A writer. Sessions are handed over as they end (report_session); jsonl
 * writes each at once, text and json stream them in id order, holding a
 * bounded window of finished sessions. Writers never print a password unless show_secrets.
 * Returns NULL never; |out| is borrowed until report_writer_free.
 */
struct report_writer *report_writer_new(const struct report_options *opt, FILE *out);
void report_writer_free(struct report_writer *w);
/*
 * Hands over a finished session; the writer takes ownership of |s| (and frees
 * it). Every id handed out must end here or in report_skip: text and json
 * write in id order, each session once all lower ids are done (see report.c).
 */
void report_session(struct report_writer *w, struct session *s);
/* Id |id| will not be reported (dropped by a filter). */
void report_skip(struct report_writer *w, unsigned id);
/*
 * Writes what is left: sessions kept, the inputs and the summary. Returns 0,
 * or -1 when writing to the output failed.
 */
int report_finish(struct report_writer *w, const struct input_info *inputs, size_t ninputs,
                  const struct summary *sm);

/* Names as the report spells them. */
const char *transport_name(enum transport t);
const char *outcome_name(enum outcome o);
const char *auth_result_name(enum auth_result r);
const char *phase_name(enum phase p); /* NULL for PHASE_NONE */
const char *severity_name(enum severity s);
const char *input_type_name(enum input_type t); /* NULL for INPUT_UNKNOWN */
/* Writes |t| as RFC 3339 UTC with microseconds into |out| (at least 28 bytes). */
void format_time(usec_t t, char *out, size_t outlen);
/* Writes the length |d| (microseconds, >= 0) in the unit that reads best: "3.2 ms", "56.0 years". */
void format_span(usec_t d, char *out, size_t outlen);

#endif
