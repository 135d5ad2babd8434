/*
 * ejlog: ejabberd log lines → connection events (ejabberd-log-formats.md;
 * eras E7/E8 as written by ejabberd 20.01+ with OTP logger, and the lager
 * prefix of E2–E6). Feed it the bytes of a log file; it assembles multi-line
 * records, decodes Erlang ~p payloads (<<"…">> with escapes, decimal byte
 * lists) and hands out one event per interesting record. Unknown lines are
 * noise, not errors. No I/O.
 */
#ifndef XMPPFLOW_EJLOG_H
#define XMPPFLOW_EJLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "ejlog_term.h"
#include "ejlog_prefix.h"
#include "timestamp.h"

enum ejlog_kind {
    EJ_ACCEPT,       /* "(<pid>) Accepted connection PEER -> LOCAL" */
    EJ_XML,          /* "(tag|<pid>) Received/Send XML on stream = …" */
    EJ_AUTH,         /* "Accepted/Failed c2s MECH authentication …" */
    EJ_SESSION_OPEN, /* "Opened c2s session for JID" */
    EJ_RESUMED,      /* "Resumed session for JID" (XEP-0198, mod_stream_mgmt) */
    EJ_REGISTERED,   /* "The account U@D was registered from IP address IP" (user, ip; no tag) */
    EJ_CLOSING,      /* "Closing c2s session/connection for JID: reason" */
    EJ_TERMINATED,   /* the c2s process ended (hook c2s_terminated) */
    EJ_TLS_FAILED,   /* "Failed to secure c2s connection: reason" (STARTTLS failed) */
    EJ_RUN_START,    /* "ejabberd VSN is started in the node …": pids restart */
    /*
     * BOSH (ejabberd 16.12+): what a client sends is logged only by the HTTP
     * handler that read it, "<H>@mod_bosh:process… Incoming data: <<"<body…>">>"
     * (pid: H; data: the body), and the BOSH session process B that takes it
     * logs "<B>@ejabberd_bosh:… Got request:" with "** From: {<H>,#Ref…}"
     * (pid: B; handler: H, NULL when the record lacks it; rid when it says).
     */
    EJ_BOSH_BODY,
    EJ_BOSH_REQUEST,
    /*
     * HTTP handlers (debug level, ejabberd_http): "<H>@ejabberd_http:process_header…
     * (SOCKET) http query: …" (pid: H; tls: SOCKET is {tlssock,…}, not a bare
     * #Port), and "<W>@ejabberd_http_ws:init… Client connected through websocket
     * {http_ws,<W>,{IP,PORT}}" (pid: W, the pid of the c2s lines' tag
     * "(websocket|<W>)"; client: "ip:port" as an Accepted line writes it).
     */
    EJ_HTTP_QUERY,
    EJ_WS_CONNECTED,
    EJ_PROBLEM,      /* damaged input: message says what */
    /*
     * The logger dropped records here (lager "… dropped N messages in the last
     * second …", OTP "Handler ejabberd_log flushed N log events", "… switched
     * from … to … mode"): every open connection may miss lines. count: N, 0
     * when not said; message: the marker's text. No pid.
     */
    EJ_DROPPED,
};

struct ejlog_event {
    enum ejlog_kind kind;
    usec_t time;          /* UTC */
    long line;            /* first line of the record (1-based) */
    long last_line;
    const char *pid;      /* connection key "<0.506.0>"; NULL for RUN_START / PROBLEM */
    const char *transport; /* socket tag: "tcp", "tls", "http_bind", "websocket"; NULL if none */
    char dir;             /* EJ_XML: 'C' (Received) or 'S' (Send) */
    const char *data;     /* EJ_XML, EJ_BOSH_BODY: the decoded payload bytes */
    size_t len;
    bool truncated;       /* EJ_XML, EJ_BOSH_BODY: the logger cut the payload */
    const char *handler;  /* EJ_BOSH_REQUEST: the HTTP handler's pid ("<0.517.0>") */
    bool has_rid;         /* EJ_BOSH_REQUEST: the dump names the request's rid */
    unsigned long long rid;
    const char *sid;      /* EJ_BOSH_REQUEST: the session's sid, from its "** State:" (NULL: not there) */
    const char *client, *server; /* EJ_ACCEPT (EJ_WS_CONNECTED: client): "ip:port" as the report writes it */
    bool tls;             /* EJ_HTTP_QUERY: the handler's socket is TLS */
    bool ok;              /* EJ_AUTH */
    const char *mech, *user, *ip, *reason; /* EJ_AUTH (reason: failures); user is "u@domain" */
    const char *jid;      /* EJ_SESSION_OPEN, EJ_CLOSING (both with their socket tag in transport) */
    const char *message;  /* EJ_PROBLEM, EJ_DROPPED; EJ_RUN_START: the node the banner names (NULL: none) */
    long count;           /* EJ_DROPPED */
    /*
     * Logs up to 17.01 (ejlog_oldmsg.h): the socket_state of an info line, or
     * an accept line's socket. port: "#Port<0.P>" (an EJ_ACCEPT of that era
     * has it and no pid: its listener is not the connection's process);
     * receiver: the ejabberd_receiver pid R of the c2s |pid|. NULL when not said.
     */
    const char *port, *receiver;
};

/* A line before the first record that starts none (ejlog_unplaced). */
struct ejlog_unplaced {
    long line;
    char shape[48]; /* its start, masked: letters as a/A, digits as 9 (lognorm_shape) */
};
#define EJLOG_UNPLACED 3

/* Returns a new reader. */
struct ejlog *ejlog_new(void);
/*
 * Only the connections |want| accepts (|pid|, |len| bytes: its pid as written)
 * are needed (a -j worker's share): the records of the others still give
 * their events, but an XML record's payload is neither kept nor decoded
 * (data NULL). Records whose connection the first line does not tell for
 * sure are read whole.
 */
void ejlog_want(struct ejlog *r, bool (*want)(void *arg, const char *pid, size_t len), void *arg);
/* NULL is fine. */
void ejlog_free(struct ejlog *r);
/* Queues |len| bytes of the log; |buf| may be reused once this returns. */
void ejlog_feed(struct ejlog *r, const char *buf, size_t len);
/* Declares the end of the input; a last line without a newline is still read. */
void ejlog_finish(struct ejlog *r);
/*
 * Fills |out| with the next event and returns true, or returns false when
 * more input is needed. Pointers in |out| stay valid until the next call.
 */
bool ejlog_next(struct ejlog *r, struct ejlog_event *out);
/* Lines read so far (a line ends with LF, CRLF or a lone CR). */
long ejlog_lines(const struct ejlog *r);
/* Records begun so far: lines that start like an ejabberd log record. */
long ejlog_records(const struct ejlog *r);
/* The forms of the records read so far: 1 << enum ejlog_form, each form once. */
unsigned ejlog_forms(const struct ejlog *r);
/* The wrappers taken off its lines (enum lognorm_wrapper bits). */
unsigned ejlog_wrappers(const struct ejlog *r);
/* What the times of its records lacked (enum ejlog_time_note bits). */
unsigned ejlog_time_notes(const struct ejlog *r);
/* True when the log is one of MongooseIM (a fork whose lines differ: spec §7 item 15). */
bool ejlog_mongooseim(const struct ejlog *r);
/* The first lines (up to EJLOG_UNPLACED, not blank) that came before any record; their count. */
size_t ejlog_unplaced(const struct ejlog *r, const struct ejlog_unplaced **out);
/*
 * The line at |p| (|n| bytes): stores its length without the line end in
 * |*len| and returns where the next line starts (|n| when this one has no
 * end). LF, CRLF and a lone CR end a line, as for ejlog_feed().
 */
size_t ejlog_next_line(const char *p, size_t n, size_t *len);

/*
 * The first |n| bytes of an input (its head), read line by line as the
 * reader reads them (wrappers off): whether one of the first 64 lines
 * starts a record; the first record's time (false when none has a date).
 */
bool ejlog_head_is_log(const char *head, size_t n);
bool ejlog_head_first_time(const char *head, size_t n, usec_t *t);
/*
 * Says in |out| which of the first lines of |head| no era places: "line 1
 * \"Aaaa 99 aaa\", line 2 …" (masked shapes, never the text).
 */
void ejlog_head_unplaced(const char *head, size_t n, char *out, size_t outlen);

#endif
