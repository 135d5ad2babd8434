/*
 * login: the per-connection login state machine (login-spec §2.3). It takes
 * classified elements and transport pseudo-events in order and builds the
 * session report: phases, violations, TLS and auth facts, outcome.
 *
 * The machine is the transition table in machine.c; each row names the spec
 * section it implements. A (state, event) pair with no row is out of order,
 * except that server elements always move the state (the server is
 * authoritative, login-spec §2.2). The machine raises facts; the table of
 * checks (checks.h, check_table.c) turns them into the session's violations.
 */
#ifndef XMPPFLOW_LOGIN_H
#define XMPPFLOW_LOGIN_H

#include <stdbool.h>

#include "bosh.h"
#include "framer.h"
#include "phase.h"
#include "input_info.h"
#include "session.h"
#include "timestamp.h"

struct login_options {
    bool show_secrets;  /* summaries print decoded secrets instead of <hidden> */
    bool from_log;      /* the XML was read from a server log (L1 applies) */
};

/* How the connection ended, as far as the input shows. */
enum login_end {
    LOGIN_END_CLOSED,    /* the transport closed (TCP FIN/RST, or the log says the c2s ended) */
    LOGIN_END_INPUT_END, /* the input ended with the connection still open */
    /* xmppflow closed it itself (session.evicted): as if the input ended there */
    LOGIN_END_EVICTED_IDLE,   /* no packet for a long time (capture time) */
    LOGIN_END_EVICTED_FULL,   /* the connection table was full: the least recently active went */
    LOGIN_END_EVICTED_MEMORY, /* the memory bound was reached: the least recently active went */
};

/* Returns a new login context; |opt| is copied. */
struct login *login_new(const struct login_options *opt);
/* NULL is fine. */
void login_free(struct login *l);

/*
 * The session being built, for the caller to fill in what the login cannot
 * know (id, input, transport, endpoints, log keys). Borrowed until
 * login_finish() or login_free().
 */
struct session *login_session(struct login *l);

/* Feeds one frame seen in direction |dir| ('C' or 'S') at time |t|. */
void login_frame(struct login *l, char dir, usec_t t, const struct frame *fr);

/*
 * Feeds a transport or input pseudo-event (EV_TLS_ESTABLISHED, EV_TCP_FIN,
 * EV_GAP, …). |detail| (may be NULL) goes into the event name or summary.
 */
void login_pseudo(struct login *l, enum event ev, usec_t t, const char *detail);

/*
 * The BOSH layer saw |issue| (bosh.h) in direction |dir| at |t|, in the words
 * of |detail| (no payload in them); the finding goes on the latest step.
 * |other_case|: the row's other severity (a replayed rid with another body,
 * a terminal condition that points at an attack; a missing restartlogic).
 */
void login_bosh_issue(struct login *l, char dir, enum bosh_issue issue, bool other_case,
                      const char *detail);

/*
 * Feeds an authentication verdict from a server log line (ejabberd
 * "Accepted/Failed c2s M authentication for U@D from IP[: reason]"); the
 * line itself is reported as C22. |ip| and |reason| may be NULL. |tls| is
 * what the line's socket tag says (tcp: TRI_FALSE, tls: TRI_TRUE, else
 * TRI_NULL). Without XML (info level) each line is an attempt of its own,
 * and a PLAIN or legacy one on a tcp-tagged socket sent its password
 * without TLS: the plaintext audit counts it, inferred (attempt.inferred).
 */
void login_log_auth(struct login *l, usec_t t, bool ok, const char *mech, const char *user,
                    const char *ip, const char *reason, enum tri tls);

/*
 * The log lines of a connection whose XML the log does not show (info
 * level; they add nothing once XML was seen, debug level):
 *   login_log_session     "Opened c2s session for JID": bound to |jid|; |resumed|:
 *                         "Resumed session for JID" (XEP-0198)
 *   login_log_registered  "The account U@D was registered" (XEP-0077),
 *                         |tls| as for login_log_auth; a registration on a
 *                         socket whose TLS the log does not show yet may be
 *                         judged later (login_log_socket)
 *   login_log_closed      "Closing c2s session/connection for JID: reason"
 *   login_log_socket      a later line's socket tag says |tls|
 */
void login_log_session(struct login *l, usec_t t, const char *jid, bool resumed);
void login_log_registered(struct login *l, usec_t t, const char *user, const char *ip, enum tri tls);
void login_log_closed(struct login *l, usec_t t, const char *reason);
void login_log_socket(struct login *l, enum tri tls);
/*
 * The connection's first c2s line at |t| has a tls socket tag: TLS came
 * before it, when the log does not say (STARTTLS, the log level hiding it).
 */
void login_log_tls_before(struct login *l, usec_t t);

/*
 * The connection was accepted at |t| (a log's "Accepted connection" line,
 * which the logger may write after the connection's first lines): the session
 * starts there if that is earlier than its first event.
 */
void login_connected(struct login *l, usec_t t);

/*
 * The input showed no XML for this connection: only the log's own lines are
 * known, and the checks that need the XML are not run. |elsewhere|: the
 * input shows XML of other connections (a debug-level log that lacks this
 * one's: L3 for the session); without, the whole input is below debug level
 * and the report says so once, for the input (input_info_log_no_xml).
 */
void login_no_xml(struct login *l, bool elsewhere);

/*
 * From now on the connection is encrypted and the input holds no key: the
 * rest of the login cannot be seen (outcome opaque unless it was already
 * established, L2).
 */
void login_opaque(struct login *l);

/*
 * The input starts in the middle of this connection (a capture begun after
 * the connection opened): the login is picked up where it is, ordering checks
 * wait for the next stream header (login-spec §2.2 rule 5, A17).
 */
void login_midstream(struct login *l, usec_t t, const char *detail);

/*
 * A TLS ClientHello was seen at |t| with server name |sni| and ALPN protocols
 * |alpn| (comma-separated; either may be NULL). On direct TLS (XEP-0368) both
 * are expected (B14).
 */
void login_client_hello(struct login *l, usec_t t, const char *sni, const char *alpn);

/*
 * A key log holds this connection's TLS secrets: from the end of the TLS
 * handshake on, the login reads its plaintext (events marked tls) instead
 * of going opaque. |version| and |suite| are static strings.
 */
void login_tls_decrypting(struct login *l, const char *version, const char *suite);
/*
 * The connection's TLS cannot be read (any more): |kind| (static) and
 * |reason| say why (session.decryption); the login goes opaque from here.
 */
void login_tls_opaque(struct login *l, const char *kind, const char *reason);
/* The TLS handshake ended: inside TLS from here when a key opens it, else opaque (L2). */
void login_tls_established(struct login *l);
/* |n|[2]: the application data records decrypted so far, client and server (session.decryption). */
void login_tls_records(struct login *l, const unsigned long n[2]);
/* True while the login reads decrypted TLS (its events are marked tls). */
bool login_inside_tls(const struct login *l);
/*
 * |l| (a BOSH session) is carried from its start at |t| by |carrier|, a
 * connection whose TLS a key log opened (HTTPS): over TLS, its events inside.
 */
void login_tls_carried(struct login *l, const struct login *carrier, usec_t t);
/* The BOSH session |l|'s TLS record counts: |carrier|'s, when higher. */
void login_tls_carried_records(struct login *l, const struct login *carrier);

/* The TLS version the ServerHello chose (0x0304 = TLS 1.3), when a capture shows it (C13). */
void login_tls_version(struct login *l, unsigned version);
/* The decrypted session's client Finished verify_data: tls-unique (RFC 5929 §3.1), for SCRAM -PLUS. */
void login_tls_unique(struct login *l, const uint8_t *data, size_t len);

/*
 * XMPP over WebSocket (RFC 7395), seen from a capture. The server accepted
 * the client's HTTP Upgrade at |t| (RFC 6455 §4): from here on the stream
 * is framed (<open/>, <close/>, one element per message) and the session's
 * transport is websocket. |requested| is the client's Sec-WebSocket-Protocol,
 * |protocol| the server's answer, |target| the request's path (any may be
 * NULL). The J checks apply from here on (J1, J12 at once).
 */
void login_ws_upgrade(struct login *l, usec_t t, const char *requested, const char *protocol,
                      const char *target);
/* A close frame of |dir| ('C' or 'S') with |code| (0: none) and |reason| ("" or NULL: none). */
void login_ws_close_frame(struct login *l, char dir, usec_t t, unsigned code, const char *reason);

/* What the WebSocket layer found against RFC 7395 / RFC 6455 in a message or frame. */
enum login_ws_problem {
    LOGIN_WS_BINARY,          /* a binary message (J2) */
    LOGIN_WS_NOT_ONE_ELEMENT, /* a text message that is not one element (J3) */
    LOGIN_WS_WHITESPACE,      /* a whitespace-only message (J4) */
    LOGIN_WS_MASKING,         /* a client frame unmasked, a server frame masked (J11) */
};
/*
 * Message |message| (the direction's count) of |dir| has |problem|, in
 * |detail|'s words: judged at the latest step, the one its element made.
 */
void login_ws_problem(struct login *l, char dir, enum login_ws_problem problem,
                      unsigned long message, const char *detail);

/* True once both sides closed the stream or a stream error ended it. */
bool login_stream_over(const struct login *l);
/* True once both sides closed their streams. */
bool login_both_closed(const struct login *l);
/* True between the server's <proceed/> and the end of the TLS handshake. */
bool login_tls_pending(const struct login *l);

/*
 * Checks across connections (login-spec §3 C10, F10, K8): they see each
 * connection once, when it ends, in the order the connections end. A login
 * hands over what they read of it (login_cross_facts), the checks give a
 * verdict (cross_watch_failures, cross_watch_streams; crosscheck.h runs them
 * and keeps their tables) and the login takes it (login_take_verdict) before
 * login_finish(). Facts and verdicts are plain data: with -j the checks run
 * in the process that merges the workers (merge.h), in the same order.
 */

/* A failed authentication whose condition says the credentials were wrong (login-spec §1.4). */
struct cross_failure {
    usec_t time;
    unsigned seq;     /* the step that showed the failure */
    const char *user; /* the local part of the authcid or of the session's user; NULL: none */
    size_t user_len;
};

/* What the checks across connections read of one login. Strings are the login's (borrowed). */
struct cross_facts {
    /* the client's address without its port, else the address of a server log's auth line */
    const char *source; /* NULL: none */
    size_t source_len;
    struct cross_failure *failures; /* owned: cross_facts_clear() */
    size_t nfailures;
    const char *server_error;       /* condition of the server's stream error; NULL: none */
    unsigned server_error_seq;
    usec_t server_error_time;
    const char *sm_id;              /* stream management: <enabled id>; NULL: none */
    const char *resumed_from;       /* <resumed previd>; NULL: none */
    unsigned resumed_seq;
    const char *jid;                /* the session's JID so far; NULL: none */
};

/* Fills |f| from |l| (call after login_no_xml(), before login_finish()). */
void login_cross_facts(const struct login *l, struct cross_facts *f);
void cross_facts_clear(struct cross_facts *f);

/*
 * What the checks across connections saw of one session, for the login to
 * raise (login_take_verdict) as the facts the table of checks judges
 * (checks.h): its failed authentications with the counts in the window
 * (n: by user, by source, distinct users; text: the user's local part, the
 * source), a stream management session replaced (n: conflict, the other
 * session's number; text: the id), a run of redirects (n: its length; text:
 * the source).
 */
enum cross_kind { CROSS_FAILURES, CROSS_SM_REPLACED, CROSS_REDIRECTS };

struct cross_finding {
    enum cross_kind kind;
    unsigned seq;
    unsigned n[3];
    char *text[2]; /* owned in a verdict; NULL: none */
    size_t len[2];
};

/* What the checks across connections found for one session. */
struct cross_verdict {
    struct cross_finding *found;
    size_t nfound;
    char *jid; /* a resumption's JID, from the session it resumed; NULL: none */
};

void cross_verdict_clear(struct cross_verdict *v);
/* Appends a finding, its texts copied (|len| bytes each). */
void cross_verdict_add(struct cross_verdict *v, const struct cross_finding *c);

/*
 * Failed authentications across connections (C10): a bounded table of recent
 * failures per user, per source address and of the distinct users per source
 * address.
 */
struct auth_watch;
struct auth_watch *auth_watch_new(void);
/* NULL is fine. */
void auth_watch_free(struct auth_watch *w);

/*
 * Adds the failed authentications of |f| (each at its own time) to |w| and
 * each, with what the window around it holds, to |v|: the login raises them
 * until C10's row finds one over its thresholds (10 failures for one user or
 * from one source address within 5 minutes, or 5 distinct users failing from
 * one source address within 5 minutes).
 */
void cross_watch_failures(struct auth_watch *w, const struct cross_facts *f,
                          struct cross_verdict *v);

/*
 * Streams across connections (F10, K8): stream management sessions resumed
 * elsewhere, and clients sent on by see-other-host again and again.
 */
struct stream_watch;
struct stream_watch *stream_watch_new(void);
/* NULL is fine. */
void stream_watch_free(struct stream_watch *w);
/*
 * Pairs the connection of |f| (session |id|) with earlier ones in |w| and adds
 * to |v| when its stream management session was resumed on another
 * connection and the server ended it with <conflict/> (on whichever of the two
 * ends last: F10), and the run of connections in a row from one source
 * address that the server redirected with see-other-host (at most a minute
 * apart: K8 past five).
 */
void cross_watch_streams(struct stream_watch *w, const struct cross_facts *f, unsigned id,
                         struct cross_verdict *v);

/* Raises the findings of |v| on |l|, in order, as facts for the checks (before login_finish()). */
void login_take_verdict(struct login *l, const struct cross_verdict *v);

/*
 * Ends the session: derives the outcome and the end-of-session findings.
 * Returns the session; the caller owns it. |l| is still to be freed.
 */
struct session *login_finish(struct login *l, enum login_end how, usec_t t);

#endif
