/*
 * login_impl: what the files of the login module share and nothing outside
 * it sees: the login context (struct login), the machine's states, and the
 * steps one file hands to another.
 *
 * The module is cut by job (login-spec §2, §3):
 *   machine.c      the state machine: frames and pseudo-events in, states and facts out
 *   elements.c     the bookkeeping of one element: what the stream offers, asks and answers
 *   audit.c        authentication attempts and the credentials they expose (login-spec §4)
 *   lifecycle.c    a login's start, its accessors and its end (outcome, durations)
 *   loglines.c     what a server log's own lines say when its XML is not there (info level)
 *   watch.c        what is seen across connections (C10, F10, K8)
 *   checks.c       the table's engine: a fact in, the rows that watch it, violations out
 *   check_table.c  the table: one row per violation id
 *   check_*.c      the rows' predicates, by group of the spec
 * Nothing here records a violation by itself: every finding is a row of
 * the table that holds on a fact the machine raised (checks.h).
 */
#ifndef XMPPFLOW_LOGIN_IMPL_H
#define XMPPFLOW_LOGIN_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "findings.h"
#include "framer.h"
#include "login.h"
#include "phase.h"
#include "session.h"
#include "timestamp.h"
#include "stanza.h"

enum state {
    ST_IDLE,          /* nothing seen yet */
    ST_UNKNOWN,       /* picked up mid-stream: no ordering checks until a header */
    ST_HDR_C,         /* client header sent */
    ST_HDR_S,         /* server header sent, features due */
    ST_NEG,           /* features received: negotiating */
    ST_TLS_WAIT,      /* <starttls/> sent */
    ST_TLS_HS,        /* <proceed/> received, TLS handshake running */
    ST_RESTART_TLS,   /* TLS up: the client owes a new header */
    ST_RESTART_SASL,  /* SASL success: the client owes a new header */
    ST_RESTART_COMP,  /* compression on: the client owes a new header */
    ST_SASL,          /* SASL exchange in progress */
    ST_SASL2,         /* SASL2 exchange in progress (XEP-0388) */
    ST_COMP_WAIT,     /* <compress/> sent */
    ST_SM_WAIT,       /* <resume/> sent */
    ST_DONE,          /* bound (or resumed, or legacy-authenticated) */
    ST_CLOSING,       /* a stream close or stream error was sent */
    ST_ANY,           /* table wildcard */
};

enum iq_kind { IQ_REGISTER, IQ_LEGACY, IQ_BIND, IQ_SESSION };

/*
 * Bounds on what a connection remembers, whatever it sends: requests awaiting
 * an answer (a login has one or two at a time) and the server's stream ids
 * (one per restart, a login has two or three).
 */
#define PENDING_KEPT 64
#define STREAM_IDS_KEPT 64

struct pending_iq {
    char *id;
    enum iq_kind kind;
    bool get; /* a get: its result is a form (XEP-0077/0078 §3.1), not a verdict */
};

/* A failed attempt, for the view across connections (C10). */
struct failure {
    usec_t time;
    unsigned seq;      /* the step that showed the failure */
    size_t attempt;    /* index in s.auth.attempts */
};

struct login {
    struct login_options opt;
    struct session s;
    enum state state;
    bool started;          /* any event seen */
    bool have_start;       /* s.start is set (by an event or by login_connected) */
    bool no_xml;           /* the input shows no XML for this connection */
    bool no_xml_alone;     /* ... though it shows other connections' XML (L3) */
    bool xml_seen;         /* a frame came (login_frame): log lines add no facts of their own */
    bool log_accepted_step; /* the info-level "Accepted connection" step is there (loglines.c) */
    bool log_register_pending; /* an info-level registration whose socket's TLS is not known yet */
    bool opaque;           /* encrypted without a key from some point on */
    bool tls_keys;         /* a key log opens this connection's TLS (login_tls_decrypting) */
    bool inside_tls;       /* the events from here on were read inside TLS (phase_event.tls) */
    bool midstream;        /* the input began after the connection did */
    /*
     * Picked up mid-stream and not yet re-synchronised on a header, features,
     * success or bind result (login-spec §2.2 rule 5): ordering checks wait.
     */
    bool unsynced;
    bool s2s_seen;         /* a jabber:server header or dialback (note_stream_kind) */
    bool server_said_c2s;  /* a server header in jabber:client */
    /* what the current features offer */
    bool bind_offered, session_offered, session_optional, sm_offered, register_offered;
    bool b4_seen;          /* the client ignored required STARTTLS: the server must not go on */
    bool abort_pending;    /* <abort/> awaits failure(aborted) */
    bool sasl_failed;      /* an attempt other than legacy authentication failed (E6) */
    bool sm_enabled;
    bool session_done;
    bool stanza_seen;      /* the client sent a stanza after binding (D15) */
    unsigned epoch_failures; /* SASL failures since the last stream header (C9) */
    bool whitespace_reported; /* A10 already judged in this stream epoch */
    bool prebind_pending;  /* a stanza went out before auth or bind: the server must not answer (D8) */
    bool sm_resumable;     /* <enabled resume='true'/> (F11) */
    bool sasl2_success;    /* features must follow at once (H3) */
    char stream_error_by;  /* 'C' or 'S' once a stream error was sent (K2) */
    unsigned bind_errors, registrations;
    char **compress_methods; /* offered by the current features (G4) */
    size_t ncompress_methods;
    char **sasl2_mechs;    /* SASL2 <authentication> mechanisms (H2) */
    size_t nsasl2_mechs;
    bool sasl2_offered;
    bool client_version10; /* the client's header said version 1.0 (A2) */
    char *header_from;     /* bare JID in the client's last protected header (C15) */
    bool inline_resumed;   /* the SASL2 success resumed the session (F12) */
    unsigned long sent[2]; /* stanzas sent by C [0] and S [1] since SM was enabled (F9) */
    char **cb_types;       /* XEP-0440 channel-binding types offered (C13) */
    size_t ncb_types;
    char *sm_id;           /* <enabled id> */
    char *resumed_from;    /* <resumed previd> */
    bool e3_checked;       /* the first client step after a registration was judged (E3) */
    bool legacy_stream;    /* a side omitted version: no features follow (RFC 6120 §4.7.5) */
    unsigned tls_version;  /* from a capture's ServerHello; 0 unknown */
    uint8_t tls_unique[64]; /* the decrypted client Finished's verify_data (tls-unique) */
    size_t tls_unique_len;  /* 0: not known (no key log) */
    char *bind_resource;   /* resource the client asked for (D12) */
    unsigned opaque_seq;   /* the step where visibility ended */
    bool headers_seen;     /* a client header was seen: later ones are restarts */
    bool tls_active;
    bool authed;
    bool bound;
    bool challenge_pending;
    bool starttls_offered; /* in the current features */
    bool features_seen;
    bool closed_c, closed_s;
    bool stream_error;
    bool registered;
    bool log_closed;
    char **stream_ids;     /* the server's latest stream ids (A5), oldest first */
    size_t nstream_ids;
    struct pending_iq *pending; /* requests awaiting their answer, oldest first */
    size_t npending;
    /* the mechanisms tried (C8): the first, and the first one unlike it (case-insensitive) */
    char *mech_first, *mech_other;
    struct attempt *cur;   /* the attempt in progress, inside s.auth.attempts */
    bool cur_decoded;      /* its credentials were decoded */
    bool cb_downgrade;     /* its SCRAM client-first said 'y' while -PLUS was offered (C12) */
    char cbflag[48];       /* its SCRAM client-first's gs2 flag ("p=tls-unique"), for cbind_response */
    usec_t auth_start, auth_end, tls_time, bound_time;
    unsigned auth_seq;     /* seq of the first credential-bearing step (for L1) */
    unsigned last_event;   /* seq of the last login event (0: none), for D16 */
    char *last_event_name; /* its event name when it was not stored (past PHASES_KEPT) */
    unsigned steps;        /* steps so far, stored or not: the last one's seq */
    struct findings findings; /* what the caps let the session store */
    char *legacy_jid;      /* the JID a pending jabber:iq:auth set will bind */
    enum phase last_phase;
    enum phase max_rank;   /* highest phase of the client's negotiation elements (A16) */
    enum phase rank_back;  /* the lower phase the client last went back to (A16) */
    unsigned order_seq;    /* last step the state machine already found out of order */
    char *server_error;    /* condition of the server's stream error, if any (F10, K8) */
    unsigned server_error_seq;
    usec_t server_error_time;
    unsigned resumed_seq;  /* the <resumed/> step (F10) */
    bool auth_no_data;     /* the attempt's <auth/> held no data, no challenge yet (C17) */
    unsigned auth_no_data_seq;
    struct failure *failures; /* the failed attempts (C10) */
    size_t nfailures;
    char *auth_ip;         /* the source address a server log's auth line names */
    /* the frame being handled lost bytes to a capture gap (framer.h): its step says so */
    bool damaged;
    size_t gap_offset, gap_bytes;
    /* XMPP over WebSocket seen from a capture (RFC 7395; ws_framing.c): the J checks */
    bool ws;                /* the Upgrade was accepted: the stream is framed */
    unsigned ws_client_elements; /* the client's elements since then (J5 judges the first) */
    bool ws_open_s;         /* the server sent its <open/> (J10) */
    bool ws_close_frame[2]; /* a close frame came from the client [0], the server [1] (J8) */
    /* the session's clock (in_order()): its latest event time, and where the input went back */
    bool clock_set;
    usec_t clock;
    unsigned clock_backs;    /* events earlier than the one before them (L4) */
    unsigned clock_back_seq; /* the step of the first */
    usec_t clock_back_from, clock_back_to, clock_back_max;
};

/* ---- machine.c ---------------------------------------------------------------------------- */

/*
 * A step: stored as a phase event while the session is under PHASES_KEPT
 * (|summary| is taken, NULL for ""), counted past it. Returns its seq.
 */
unsigned login_add_step(struct login *l, char dir, usec_t t, enum event ev, const char *detail,
                        char *summary);
/* A session's times never go back: |t|, or the latest time before it (L4). */
usec_t login_in_order(struct login *l, usec_t t);

/*
 * A pseudo-event whose fact |f| the caller filled in but for its step:
 * bookkeeping, the fact, the machine.
 */
struct fact;
void login_pseudo_fact(struct login *l, enum event ev, usec_t t, const char *detail, struct fact *f);

/* ---- ws_framing.c ------------------------------------------------------------------------- */

/* An element of a WebSocket-framed stream, after its bookkeeping: the J checks on it. */
void login_ws_element(struct login *l, char dir, const struct stanza *el, enum event ev,
                      unsigned seq);

/* ---- elements.c --------------------------------------------------------------------------- */

/*
 * The bookkeeping of one element whose event is settled, raising the facts
 * the table judges (client element |el| or server element, |detail| the
 * event's mechanism or condition). The state machine moves after it.
 */
void login_element_facts(struct login *l, char dir, const struct stanza *el, enum event ev,
                         const char *detail, usec_t t, unsigned seq);
/* Names a server iq result/error after the request it answers (by id). */
enum event login_pair_iq(struct login *l, const struct stanza *el, enum event ev);
/*
 * Inside a session: authenticated, bound, or picked up mid-stream before a
 * re-synchronisation. An iq:register set there changes the password (or
 * removes the account, XEP-0077 §3.2, §3.3); it registers nothing.
 */
static inline bool
login_in_session(const struct login *l)
{
    return l->authed || l->bound || l->unsynced;
}
void login_remember_iq(struct login *l, const struct stanza *el, enum iq_kind kind);
/* The session is bound at |t|, to |jid| when known (its user too, when not known yet). */
void login_bound(struct login *l, const char *jid, usec_t t);

/* Frees the |n| strings of |v| and |v|. */
void login_free_list(char **v, size_t n);

/* ---- audit.c ------------------------------------------------------------------------------ */

/* A client <auth mechanism='|mech|'> (SASL1), <authenticate> (SASL2). */
void audit_auth(struct login *l, const struct stanza *el, const char *mech, usec_t t,
                unsigned seq);
void audit_sasl2_authenticate(struct login *l, const struct stanza *el, const char *mech,
                              usec_t t, unsigned seq);
/* A client payload that may carry the attempt's credentials (<response>, SASL2 response). */
void audit_payload(struct login *l, const struct stanza *el, unsigned seq);
/* A SCRAM client-final's c= against the decrypted TLS session's tls-unique data (cbind.c). */
void cbind_response(struct login *l, const struct stanza *el, unsigned seq);
/* The server's verdict on the attempt in progress. */
void audit_verdict(struct login *l, bool ok, const char *condition, usec_t t, unsigned seq);
/* jabber:iq:register set, jabber:iq:auth set (XEP-0077, XEP-0078). */
void audit_register_set(struct login *l, const struct stanza *el, unsigned seq);
void audit_legacy_set(struct login *l, const struct stanza *el, usec_t t, unsigned seq);
/* A new attempt with |mech| (may be NULL) at |t|; it is the one in progress. */
struct attempt *audit_new_attempt(struct login *l, const char *mech, usec_t t);
/* Remembers failed attempt |a| (at step |seq|) for the view across connections. */
void audit_note_failure(struct login *l, const struct attempt *a, usec_t t, unsigned seq);
/* Remembers that |a| failed and was not legacy authentication (E6). */
void audit_note_sasl_failure(struct login *l, const struct attempt *a);

/* ---- shared helpers ----------------------------------------------------------------------- */

/* The client goes on in clear where STARTTLS was required (B4; the server must then refuse, B5). */
static inline bool
login_skips_required_tls(const struct login *l)
{
    return !l->tls_active && l->s.tls.required == TRI_TRUE;
}

/* The client owes a new stream header (TLS, SASL success or compression): a close is A13 or J7. */
static inline bool
login_restart_due(const struct login *l)
{
    return l->state == ST_RESTART_TLS || l->state == ST_RESTART_SASL || l->state == ST_RESTART_COMP;
}

/* A message, presence or iq the client or the server sends (not an iq answer paired). */
static inline bool
login_is_stanza(enum event ev)
{
    return ev == EV_STANZA_MESSAGE || ev == EV_STANZA_PRESENCE || ev == EV_STANZA_IQ;
}

/* Length of the local part of |jid| ("alice" in alice@host), the whole string without '@'. */
size_t login_localpart_len(const char *jid);
/* True when |s| is in |v| (|n| strings), ASCII case-insensitively. */
bool login_in_list(char *const *v, size_t n, const char *s);
/* True when a -PLUS mechanism (channel binding) is among the offered ones. */
bool login_plus_offered(const struct session *s);

#endif
