/*
 * checks: login-spec §3 as a table. The state machine and its bookkeeping
 * raise facts (what happened, at which step, with what in hand); each
 * violation id is one row of the table: its severity, its RFC/XEP section,
 * the fact (and events) it watches, and its predicate, a small function that
 * says whether the fact breaks the rule and in which words. The engine
 * (checks.c) turns the rows that hold into the session's violations.
 *
 * Why facts and not the elements themselves: a rule is about a moment of the
 * login (a credential crossed in clear, the server answered what it should
 * have refused, the client went back a phase), and the same moment comes
 * from several elements (B1: <auth>, <response>, an iq:auth set). The
 * machine knows the moments; the table knows the rules.
 *
 * The rows run in table order for each fact, and a step's findings are
 * listed in that order in the report: the table follows the login's flow
 * (check_table.c), docs/violations.md lists it by id.
 */
#ifndef XMPPFLOW_CHECKS_H
#define XMPPFLOW_CHECKS_H

#include <stdbool.h>
#include <stdio.h>

#include "login_impl.h"
#include "bosh.h"
#include "sasl.h"

/* What the machine tells the table. */
enum fact_kind {
    FACT_STEP,             /* any element or close, before its bookkeeping (sequence rules) */
    FACT_MIDSTREAM,        /* the input begins inside the stream */
    FACT_EVENT,            /* an element or pseudo-event, after its bookkeeping */
    FACT_NEW_ATTEMPT,      /* <auth>: an attempt begins, before it is counted */
    FACT_CLEAR_STEP,       /* the client sends credentials or registration data */
    FACT_CREDENTIALS,      /* a credential payload was read (or a gap took it) */
    FACT_MECHANISM_JUDGED, /* <auth>: its mechanism against what was offered */
    FACT_SERVER_WENT_ON,   /* the server answered a credential step (challenge, success, ...) */
    FACT_VERDICT,          /* an authentication attempt ended */
    FACT_REGISTRATION,     /* a registration set was sent */
    FACT_WHITESPACE,       /* whitespace between top-level elements */
    FACT_OUT_OF_ORDER,     /* a client element the state machine does not expect here */
    FACT_RANK_BACK,        /* the client's negotiation went back to an earlier phase */
    FACT_END,              /* the session ends */
    FACT_FAILURES_SEEN,    /* across connections: failed authentications counted */
    FACT_SM_REPLACED,      /* across connections: a stream management session resumed elsewhere */
    FACT_REDIRECTS,        /* across connections: see-other-host, connection after connection */
    FACT_BOSH,             /* the BOSH layer saw something wrong (enum bosh_issue) */
    FACT_WS_ELEMENT,       /* an element of a WebSocket-framed stream, after its bookkeeping */
    FACT_WS_FRAMING,       /* the WebSocket layer found a message or frame RFC 7395 does not allow */
    FACT__COUNT
};

/* A fact: the common part, then what its kind carries. Everything is borrowed. */
struct fact {
    enum fact_kind kind;
    char dir;               /* 'C', 'S', '-' (a pseudo-event), 0 (the session) */
    enum event ev;          /* the event, EV_NONE when the fact is not about one */
    unsigned seq;           /* the step (0: the whole session) */
    const struct stanza *el; /* the element; NULL for closes and pseudo-events */
    const char *detail;     /* the event's mechanism, condition or message; may be NULL */
    union {
        struct { bool first_plain; } features; /* the first features of a plain TCP stream */
        struct { const struct frame *frame; } xml; /* FACT_EVENT of a malformed frame */
        struct { bool to_local; } stanza;   /* addressed to the server or the own account */
        struct { const char *sni, *alpn; bool xmpp_alpn; } hello; /* TLS ClientHello */
        struct { bool ok; const char *mech, *user, *ip, *reason; } log_auth; /* C22 line */
        struct { const char *mech, *before; } attempt;  /* FACT_NEW_ATTEMPT */
        struct {
            const struct attempt *attempt;
            const struct sasl_decoded *sasl; /* SASL data decoded; NULL for the others */
            bool damaged;                    /* the gap took a secret-bearing payload */
            bool legacy;                     /* a jabber:iq:auth set */
            const char *user, *password, *digest; /* legacy fields; NULL when absent */
        } cred;
        struct { const struct attempt *attempt; bool ok; const char *condition; } verdict;
        /* FACT_REGISTRATION; |change|: inside a session, a password change (XEP-0077 §3.3) */
        struct { const char *user, *password; bool change; } reg;
        struct { enum phase phase; } rank;             /* FACT_RANK_BACK */
        struct { enum login_end how; } end;
        struct { enum bosh_issue issue; bool other_case; } bosh; /* FACT_BOSH; detail: the wording */
        struct {
            unsigned by_user, by_src, users;           /* within the window */
            const char *user, *src;
            int user_len, src_len;
        } failures;
        struct { bool conflict; const char *id; unsigned other; } sm;
        struct { unsigned run; const char *src; int src_len; } redirects;
        struct { const char *requested, *protocol; } upgrade; /* EV_WS_UPGRADE */
        struct { enum login_ws_problem problem; unsigned long message; } ws; /* FACT_WS_FRAMING */
    } u;
};

/* The spec's five levels (login-spec §3 "Severity"); the report folds them into three. */
enum spec_level { LEVEL_INFO, LEVEL_LOW, LEVEL_MEDIUM, LEVEL_HIGH, LEVEL_CRITICAL };

/* Where a finding can be seen today, per transport: from a capture, from a debug log. */
enum seen {
    SEEN_CAPTURE = 1,
    SEEN_LOG = 2,
};
/* The transports of the report (enum transport), two bits each in check.seen. */
#define SEEN_ON(transport, how) ((unsigned)(how) << (2 * (transport)))
#define SEEN_HOW(seen, transport) (((seen) >> (2 * (transport))) & 3u)

/* What a predicate says besides "holds": where, how severe, in which words. */
struct finding {
    unsigned seq;        /* the step; set to the fact's, a predicate may move it */
    int severity;        /* -1: the row's; else an enum severity (a milder or graver case) */
    const char *ref;     /* NULL: the row's */
    unsigned hits;       /* times the rule is broken at this step (1 by default) */
    char *message;       /* NULL: the row's wording; set with say() */
};

struct check;
/*
 * True when the fact breaks the row's rule. Reads the login, never changes
 * it; changes |out| only when it returns true (say() aside).
 */
typedef bool check_fn(const struct login *l, const struct fact *f, struct finding *out);

struct check {
    const char *id;        /* the report's code: "A3" */
    const char *name;      /* login-spec §3's id column: "element-before-features" */
    enum spec_level level; /* login-spec §3's severity (the case without its exceptions) */
    const char *cite;      /* login-spec §3's citation, the documents spelled out */
    const char *ref;       /* the report's ref (shorter than cite); NULL: none */
    const char *message;   /* the default wording */
    unsigned on;           /* the facts watched: a bit per enum fact_kind (ON()) */
    enum event events[6];  /* only facts about these events (none listed: every event) */
    check_fn *holds;       /* NULL: never raised (nothing the inputs show can break it) */
    unsigned seen;         /* SEEN_ON() per transport */
    const char *note;      /* for docs/violations.md: exceptions, limits, why not observable */
};

#define ON(kind) (1u << (kind))

/* The table (check_table.c): every id of login-spec §3 once, plus the tool's own L4. */
extern const struct check check_table[];
extern const size_t check_table_len;

/*
 * Offers fact |f| to the rows that watch it, in table order, and records a
 * violation for each that holds. Facts of kind FACT_OUT_OF_ORDER name one
 * violation: the first row that holds. Returns true when a row held (its
 * violation may still have been left out by the session's caps).
 */
bool checks_raise(struct login *l, const struct fact *f);

/* Sets the finding's wording (printf-style; parts of it may come from the input). */
void say(struct finding *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The report's severity for a spec level: critical, high → error; medium, low → warning. */
enum severity check_severity(enum spec_level level);
/* The row of |id|, or NULL. */
const struct check *check_find(const char *id);
/* "critical", "high", ... */
const char *spec_level_name(enum spec_level level);
/* A short phrase for a fact kind: what the row watches ("the end of the session"). */
const char *fact_kind_phrase(enum fact_kind kind);

/* Writes docs/violations.md, generated from the table (check_doc.c). */
void checks_write_markdown(FILE *out);

/* The predicates, by group (check_stream.c, check_tls_auth.c, check_bind.c). */
check_fn check_a1, check_a2, check_a3, check_a4, check_a5, check_a6, check_a7, check_a8,
    check_a9, check_a10, check_a11, check_a12, check_a13, check_a14, check_a15, check_a16,
    check_a17;
check_fn check_b1, check_b2, check_b3, check_b4, check_b5, check_b6, check_b7, check_b8,
    check_b9, check_b10, check_b11, check_b12, check_b13, check_b14, check_b16, check_b17,
    check_b18;
check_fn check_c1, check_c2, check_c3, check_c4, check_c5, check_c6, check_c7, check_c8,
    check_c9, check_c10, check_c11, check_c12, check_c13, check_c14, check_c15, check_c16,
    check_c17, check_c18, check_c19, check_c20, check_c21, check_c22;
check_fn check_d1, check_d2, check_d3, check_d4, check_d5, check_d6, check_d7, check_d8,
    check_d9, check_d10, check_d11, check_d12, check_d13, check_d14, check_d15, check_d16;
check_fn check_e1, check_e2, check_e3, check_e4, check_e5, check_e6, check_e7, check_e8,
    check_e9;
check_fn check_f1, check_f2, check_f3, check_f4, check_f5, check_f6, check_f7, check_f8,
    check_f9, check_f10, check_f11, check_f12;
check_fn check_g1, check_g2, check_g3, check_g4;
check_fn check_h1, check_h2, check_h3, check_h4, check_h5, check_h6, check_h8, check_h9;
check_fn check_k1, check_k2, check_k3, check_k4, check_k5, check_k6, check_k7, check_k8;
check_fn check_i1, check_i2, check_i3, check_i7, check_i8, check_i9, check_i10, check_i11,
    check_i13, check_i14, check_i15, check_i17, check_i19, check_i20, check_i21, check_i22,
    check_i23, check_i25;
check_fn check_l1, check_l2, check_l3, check_l4, check_l5;
check_fn check_j1, check_j2, check_j3, check_j4, check_j5, check_j6, check_j7, check_j8,
    check_j10, check_j11, check_j12, check_j13;

/* C10's thresholds (login-spec §3 "Thresholds"), shared with watch.c's window. */
#define WATCH_FAILURES 10
#define WATCH_WINDOW_S 300
#define WATCH_USERS 5
/* K8: redirects in a row from one source that clients may follow (RFC 6120 §4.9.3.19), and
 * the longest pause between two of a row. */
#define REDIRECTS_FOLLOWED 5
#define REDIRECT_GAP_S 60

#endif
