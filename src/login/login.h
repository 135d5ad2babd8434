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
 * Feeds an authentication verdict from a server log line (ejabberd
 * "Accepted/Failed c2s M authentication for U@D from IP[: reason]"); the
 * line itself is reported as C22. |ip| and |reason| may be NULL.
 */
void login_log_auth(struct login *l, usec_t t, bool ok, const char *mech, const char *user,
                    const char *ip, const char *reason);

/*
 * The connection was accepted at |t| (a log's "Accepted connection" line,
 * which the logger may write after the connection's first lines): the session
 * starts there if that is earlier than its first event.
 */
void login_connected(struct login *l, usec_t t);

/*
 * The input showed no XML for this connection (an info-level log): only the
 * log's verdicts are known (L3).
 */
void login_no_xml(struct login *l);

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

/* The TLS version the ServerHello chose (0x0304 = TLS 1.3), when a capture shows it (C13). */
void login_tls_version(struct login *l, unsigned version);

/*
 * Stream management ids (XEP-0198 §5): the id the server gave this stream
 * (<enabled id>), and the id of the stream this one resumed (<resumed previd>).
 * NULL when none; borrowed until login_free().
 */
const char *login_sm_id(const struct login *l);
const char *login_resumed_from(const struct login *l);

/* True once both sides closed the stream or a stream error ended it. */
bool login_stream_over(const struct login *l);
/* True once both sides closed their streams. */
bool login_both_closed(const struct login *l);

/*
 * Failed authentications across connections (login-spec §3 C10): a bounded
 * table of recent failures per user, per source address and of the distinct
 * users per source address. One per analysis run.
 */
struct auth_watch;
struct auth_watch *auth_watch_new(void);
/* NULL is fine. */
void auth_watch_free(struct auth_watch *w);

/*
 * Adds this connection's failed authentications (each at its own time) to |w|
 * and records C10 on the session, once, at the first failure that reaches a
 * threshold: 10 failures for one user or from one source address within 5
 * minutes, or 5 distinct users failing from one source address within 5
 * minutes. The source is the session's client without the port, else the
 * address of a server log's auth line. Call before login_finish(); |w| may be
 * NULL (nothing happens).
 */
void login_watch_failures(struct login *l, struct auth_watch *w);

/*
 * Streams across connections (login-spec §3 F10, K8): stream management
 * sessions resumed elsewhere, and clients sent on by see-other-host again and
 * again. One per analysis run.
 */
struct stream_watch;
struct stream_watch *stream_watch_new(void);
/* NULL is fine. */
void stream_watch_free(struct stream_watch *w);
/*
 * Pairs this connection with earlier ones in |w| and records F10 when its
 * stream management session was resumed on another connection and the server
 * ended it with <conflict/> (on whichever of the two ends last), and K8 on the
 * sixth and later connection in a row from one source address that the server
 * redirected with see-other-host (at most a minute apart). Call before
 * login_finish(); |w| may be NULL (nothing happens).
 */
void login_watch_streams(struct login *l, struct stream_watch *w);

/*
 * Ends the session: derives the outcome and the end-of-session findings.
 * Returns the session; the caller owns it. |l| is still to be freed.
 */
struct session *login_finish(struct login *l, enum login_end how, usec_t t);

#endif
