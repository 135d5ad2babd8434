/* machine: the login state machine (login-spec §2.3): frames and pseudo-events in, states and facts out. */
#include <config.h>
#include "login_impl.h"

#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "abbrev.h"
#include "buf.h"
#include "checks.h"
#include "tlsrec.h"
#include "xalloc.h"

enum guard {
    G_NONE,
    G_STARTTLS_OFFERED,  /* the current features hold <starttls/> */
    G_AUTHED,            /* authentication succeeded */
    G_NOT_AUTHED,
    G_CHALLENGE_PENDING, /* a challenge awaits its response */
};

/* Direction wildcard in the table. */
#define DIR_ANY '*'

/*
 * The transition table. A row applies when state, direction and event match;
 * when its guard does not hold, the client element is out of order (the
 * table of checks names it: FACT_OUT_OF_ORDER) and the transition is still
 * taken: the server decides what really happens next. ST_ANY rows are
 * searched after the state's own rows. to == ST_ANY keeps the state.
 */
static const struct transition {
    enum state from;
    char dir;
    enum event on;
    enum guard guard;
    enum state to;
    const char *ref;
} login_table[] = {
    /* from            dir  on                     guard                to               ref */
    {ST_IDLE, 'C', EV_STREAM_OPEN, G_NONE, ST_HDR_C, "RFC 6120 §4.2"},
    {ST_UNKNOWN, 'C', EV_STREAM_OPEN, G_NONE, ST_HDR_C, "RFC 6120 §4.2"},
    {ST_UNKNOWN, 'C', EV_STREAM_RESTART, G_NONE, ST_HDR_C, "RFC 6120 §4.3.3"},
    {ST_HDR_C, 'S', EV_STREAM_OPEN, G_NONE, ST_HDR_S, "RFC 6120 §4.2"},
    {ST_HDR_S, 'S', EV_FEATURES, G_NONE, ST_NEG, "RFC 6120 §4.3.2"},
    {ST_NEG, 'C', EV_STARTTLS, G_STARTTLS_OFFERED, ST_TLS_WAIT, "RFC 6120 §5.4.2.1"},
    {ST_TLS_WAIT, 'S', EV_PROCEED, G_NONE, ST_TLS_HS, "RFC 6120 §5.4.2.3"},
    {ST_TLS_WAIT, 'S', EV_STARTTLS_FAILURE, G_NONE, ST_CLOSING, "RFC 6120 §5.4.2.2"},
    {ST_TLS_HS, '-', EV_TLS_ESTABLISHED, G_NONE, ST_RESTART_TLS, "RFC 6120 §5.4.3.3"},
    {ST_IDLE, '-', EV_TLS_ESTABLISHED, G_NONE, ST_IDLE, "XEP-0368 §3"}, /* direct TLS */
    {ST_RESTART_TLS, 'C', EV_STREAM_RESTART, G_NONE, ST_HDR_C, "RFC 6120 §5.4.3.3"},
    {ST_RESTART_SASL, 'C', EV_STREAM_RESTART, G_NONE, ST_HDR_C, "RFC 6120 §6.4.6"},
    {ST_RESTART_COMP, 'C', EV_STREAM_RESTART, G_NONE, ST_HDR_C, "XEP-0138 §2"},
    {ST_NEG, 'C', EV_AUTH, G_NOT_AUTHED, ST_SASL, "RFC 6120 §6.4.2"},
    {ST_SASL, 'S', EV_CHALLENGE, G_NONE, ST_SASL, "RFC 6120 §6.4.3"},
    {ST_SASL, 'C', EV_RESPONSE, G_CHALLENGE_PENDING, ST_SASL, "RFC 6120 §6.4.3"},
    {ST_SASL, 'C', EV_ABORT, G_NONE, ST_SASL, "RFC 6120 §6.4.4"},
    {ST_SASL, 'C', EV_AUTH, G_NONE, ST_SASL, "RFC 6120 §6.4.2"},
    {ST_SASL, 'S', EV_FAILURE, G_NONE, ST_NEG, "RFC 6120 §6.4.5"},
    {ST_SASL, 'S', EV_SUCCESS, G_NONE, ST_RESTART_SASL, "RFC 6120 §6.4.6"},
    {ST_NEG, 'C', EV_SASL2_AUTHENTICATE, G_NOT_AUTHED, ST_SASL2, "XEP-0388 §2.3"},
    {ST_SASL2, 'S', EV_SASL2_CHALLENGE, G_NONE, ST_SASL2, "XEP-0388 §2.5"},
    {ST_SASL2, 'C', EV_SASL2_RESPONSE, G_NONE, ST_SASL2, "XEP-0388 §2.5"},
    {ST_SASL2, 'S', EV_SASL2_CONTINUE, G_NONE, ST_SASL2, "XEP-0388 §2.6.3"},
    {ST_SASL2, 'C', EV_SASL2_NEXT, G_NONE, ST_SASL2, "XEP-0388 §2.6.3"},
    {ST_SASL2, DIR_ANY, EV_SASL2_TASK_DATA, G_NONE, ST_SASL2, "XEP-0388 §2.6.3"},
    {ST_SASL2, 'C', EV_SASL2_ABORT, G_NONE, ST_SASL2, "XEP-0388 §4.5"},
    {ST_SASL2, 'S', EV_SASL2_FAILURE, G_NONE, ST_NEG, "XEP-0388 §2.6.2"},
    {ST_SASL2, 'S', EV_SASL2_SUCCESS, G_NONE, ST_NEG, "XEP-0388 §2.6.1"},
    {ST_NEG, 'C', EV_REGISTER_GET, G_NONE, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'C', EV_REGISTER_SET, G_NONE, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'S', EV_REGISTER_RESULT, G_NONE, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'S', EV_REGISTER_ERROR, G_NONE, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'S', EV_REGISTER_FORM, G_NONE, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'S', EV_LEGACY_AUTH_FORM, G_NONE, ST_NEG, "XEP-0078 §3.1"},
    {ST_DONE, 'S', EV_REGISTER_FORM, G_NONE, ST_DONE, "XEP-0077 §3.3"},
    {ST_NEG, 'C', EV_LEGACY_AUTH_GET, G_NOT_AUTHED, ST_NEG, "XEP-0078 §3.1"},
    {ST_NEG, 'C', EV_LEGACY_AUTH_SET, G_NOT_AUTHED, ST_NEG, "XEP-0078 §3.1"},
    {ST_NEG, 'S', EV_LEGACY_AUTH_RESULT, G_NONE, ST_DONE, "XEP-0078 §3.1"},
    {ST_NEG, 'S', EV_LEGACY_AUTH_ERROR, G_NONE, ST_NEG, "XEP-0078 §3.1"},
    {ST_NEG, 'C', EV_COMPRESS, G_NONE, ST_COMP_WAIT, "XEP-0138 §2"},
    {ST_COMP_WAIT, 'S', EV_COMPRESSED, G_NONE, ST_RESTART_COMP, "XEP-0138 §2"},
    {ST_COMP_WAIT, 'S', EV_COMPRESS_FAILURE, G_NONE, ST_NEG, "XEP-0138 §2"},
    {ST_NEG, 'C', EV_BIND, G_AUTHED, ST_NEG, "RFC 6120 §7.6.1"},
    {ST_NEG, 'S', EV_BIND_RESULT, G_NONE, ST_DONE, "RFC 6120 §7.6.1"},
    {ST_NEG, 'S', EV_BIND_ERROR, G_NONE, ST_NEG, "RFC 6120 §7.6.2"},
    {ST_NEG, 'C', EV_SM_RESUME, G_AUTHED, ST_SM_WAIT, "XEP-0198 §5"},
    {ST_SM_WAIT, 'S', EV_SM_RESUMED, G_NONE, ST_DONE, "XEP-0198 §5"},
    {ST_SM_WAIT, 'S', EV_SM_FAILED, G_NONE, ST_NEG, "XEP-0198 §5"},
    {ST_DONE, 'C', EV_SESSION, G_NONE, ST_DONE, "RFC 3921 §3"},
    {ST_DONE, 'S', EV_SESSION_RESULT, G_NONE, ST_DONE, "RFC 3921 §3"},
    {ST_DONE, 'S', EV_SESSION_ERROR, G_NONE, ST_DONE, "RFC 3921 §3"},
    {ST_DONE, 'C', EV_SM_ENABLE, G_NONE, ST_DONE, "XEP-0198 §3"},
    {ST_DONE, 'S', EV_SM_ENABLED, G_NONE, ST_DONE, "XEP-0198 §3"},
    {ST_DONE, 'S', EV_SM_FAILED, G_NONE, ST_DONE, "XEP-0198 §3"},
    {ST_DONE, DIR_ANY, EV_SM_REQUEST, G_NONE, ST_DONE, "XEP-0198 §4"},
    {ST_DONE, DIR_ANY, EV_SM_ACK, G_NONE, ST_DONE, "XEP-0198 §4"},
    {ST_DONE, DIR_ANY, EV_STANZA_MESSAGE, G_NONE, ST_DONE, "RFC 6120 §8"},
    {ST_DONE, DIR_ANY, EV_STANZA_PRESENCE, G_NONE, ST_DONE, "RFC 6120 §8"},
    {ST_DONE, DIR_ANY, EV_STANZA_IQ, G_NONE, ST_DONE, "RFC 6120 §8"},
    {ST_DONE, 'S', EV_IQ_RESULT, G_NONE, ST_DONE, "RFC 6120 §8.2.3"},
    {ST_DONE, 'S', EV_IQ_ERROR, G_NONE, ST_DONE, "RFC 6120 §8.2.3"},
    {ST_NEG, 'S', EV_IQ_RESULT, G_NONE, ST_NEG, "XEP-0077 §3.1, XEP-0078 §3.1"},
    {ST_DONE, DIR_ANY, EV_REGISTER_GET, G_NONE, ST_DONE, "XEP-0077 §3.3"},
    {ST_DONE, DIR_ANY, EV_REGISTER_SET, G_NONE, ST_DONE, "XEP-0077 §3.3"},
    {ST_DONE, 'S', EV_REGISTER_RESULT, G_NONE, ST_DONE, "XEP-0077 §3.3"},
    {ST_DONE, 'S', EV_REGISTER_ERROR, G_NONE, ST_DONE, "XEP-0077 §3.3"},
    {ST_DONE, 'C', EV_CSI_ACTIVE, G_NONE, ST_DONE, "XEP-0352"},
    {ST_DONE, 'C', EV_CSI_INACTIVE, G_NONE, ST_DONE, "XEP-0352"},
    {ST_ANY, DIR_ANY, EV_STREAM_CLOSE, G_NONE, ST_CLOSING, "RFC 6120 §4.4"},
    {ST_ANY, DIR_ANY, EV_STREAM_ERROR, G_NONE, ST_CLOSING, "RFC 6120 §4.9.1.1"},
    {ST_CLOSING, DIR_ANY, EV_STREAM_CLOSE, G_NONE, ST_CLOSING, "RFC 6120 §4.4"},
    {ST_ANY, '-', EV_TCP_OPEN, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_TLS_CLIENT_HELLO, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_TLS_ALERT, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_TCP_FIN, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_TCP_RST, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_GAP, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_LOG_AUTH_OK, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_LOG_AUTH_FAIL, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_LOG_ACCEPTED, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_LOG_REGISTERED, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_LOG_SESSION, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_LOG_CLOSED, G_NONE, ST_ANY, NULL},
    {ST_ANY, DIR_ANY, EV_XML_ERROR, G_NONE, ST_ANY, NULL},
    {ST_ANY, DIR_ANY, EV_OVERSIZE, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_WS_UPGRADE, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_WS_CLOSE_FRAME, G_NONE, ST_ANY, NULL},
    {ST_ANY, '-', EV_WS_ERROR, G_NONE, ST_ANY, NULL},
};

unsigned
login_add_step(struct login *l, char dir, usec_t t, enum event ev, const char *detail, char *summary)
{
    struct session *s = &l->s;
    if (!l->started) {
        if (!l->have_start || t < s->start)
            s->start = t;
        l->have_start = true;
        l->started = true;
    }
    if (t > s->end)
        s->end = t;
    if (l->steps < UINT_MAX)
        l->steps++;
    enum phase phase = event_phase(ev);
    bool login_step = phase != PHASE_NONE && phase != PHASE_CLOSE && phase != PHASE_ERROR;
    if (login_step) {
        l->last_event = l->steps;
        l->last_phase = phase;
        free(l->last_event_name);
        l->last_event_name = NULL;
    }
    if (!findings_phase_kept(s)) {
        s->phases_dropped++;
        free(summary);
        if (login_step)
            l->last_event_name = event_name(ev, detail); /* for D16 */
        return l->steps;
    }
    s->phases = xgrow(s->phases, s->nphases, sizeof *s->phases);
    struct phase_event *p = &s->phases[s->nphases++];
    p->seq = l->steps;
    p->dir = dir;
    p->time = t;
    p->event = event_name(ev, detail);
    p->phase = phase;
    p->summary = summary ? summary : xstrdup("");
    p->damaged = l->damaged;
    p->tls = l->inside_tls && dir != '-'; /* elements only: TCP and TLS events are outside */
    p->gap_offset = l->damaged ? l->gap_offset : 0;
    p->gap_bytes = !l->damaged ? 0 : l->gap_bytes < UINT_MAX ? (unsigned)l->gap_bytes : UINT_MAX;
    p->source = 0; /* one input's session (pipeline/combine.c marks a combined one's) */
    return p->seq;
}

static bool
guard_holds(const struct login *l, enum guard g)
{
    switch (g) {
    case G_NONE:
        return true;
    case G_STARTTLS_OFFERED:
        return l->starttls_offered && !l->tls_active;
    case G_AUTHED:
        return l->authed;
    case G_NOT_AUTHED:
        return !l->authed;
    case G_CHALLENGE_PENDING:
        return l->challenge_pending;
    }
    return false;
}

static bool
dir_matches(char row, char dir)
{
    return row == DIR_ANY || row == dir;
}

static const struct transition *
scan_transition(enum state st, char dir, enum event ev)
{
    /* the state's own rows first, then the wildcard rows */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sizeof login_table / sizeof login_table[0]; i++) {
            const struct transition *t = &login_table[i];
            if ((pass == 0 ? t->from == st : t->from == ST_ANY) && t->on == ev &&
                dir_matches(t->dir, dir))
                return t;
        }
    return NULL;
}

/*
 * The row for (state, direction, event), from a table made by scanning
 * login_table once per combination on first use: every element of every
 * login asks, and the scan is over a hundred rows.
 */
static const struct transition *
find_transition(enum state st, char dir, enum event ev)
{
    enum { NSTATES = ST_ANY + 1 };
    static _Thread_local bool filled;
    /* index + 1 into login_table; 0: no row */
    static const char dirs[] = {'C', 'S', '-'}; /* client, server, the capture (pseudo-events) */
    static _Thread_local unsigned char row[NSTATES][3][EV__COUNT];
    const char *at = dir ? memchr(dirs, dir, sizeof dirs) : NULL;
    if ((unsigned)st >= NSTATES || (unsigned)ev >= EV__COUNT || !at)
        return scan_transition(st, dir, ev);
    if (!filled) {
        _Static_assert(sizeof login_table / sizeof login_table[0] < 255, "row index fits a byte");
        /*
         * What scan_transition() finds, in one pass per kind of row: from the
         * last row to the first so the first match wins, wildcard rows before
         * the state's own rows so those win.
         */
        const size_t nrows = sizeof login_table / sizeof login_table[0];
        for (int own = 0; own < 2; own++)
            for (size_t i = nrows; i-- > 0;) {
                const struct transition *t = &login_table[i];
                if ((t->from == ST_ANY) == own || (unsigned)t->on >= EV__COUNT)
                    continue;
                for (int s = 0; s < NSTATES; s++) {
                    if (own && s != (int)t->from)
                        continue;
                    for (int d = 0; d < 3; d++)
                        if (dir_matches(t->dir, dirs[d]))
                            row[s][d][t->on] = (unsigned char)(i + 1);
                }
            }
        filled = true;
    }
    unsigned char r = row[st][at - dirs][ev];
    return r ? &login_table[r - 1] : NULL;
}

/* Server authority: any row for (dir, event), whatever its state. */
static const struct transition *
find_forced(char dir, enum event ev)
{
    for (size_t i = 0; i < sizeof login_table / sizeof login_table[0]; i++)
        if (login_table[i].on == ev && dir_matches(login_table[i].dir, dir))
            return &login_table[i];
    return NULL;
}

/*
 * The client sent |ev| where the machine has no row for it, or where the
 * row's guard does not hold: the table names the fault (FACT_OUT_OF_ORDER).
 * After a close or a stream error nothing is expected, so nothing is out of
 * order (K2 and K6 judge what follows); mid-stream the state is not known.
 */
static void
out_of_order(struct login *l, enum event ev, unsigned seq)
{
    if (l->state == ST_CLOSING || l->state == ST_UNKNOWN)
        return;
    struct fact f = {.kind = FACT_OUT_OF_ORDER, .dir = 'C', .ev = ev, .seq = seq};
    if (checks_raise(l, &f))
        l->order_seq = seq;
}

/* Moves the machine for one event. */
static void
step(struct login *l, char dir, enum event ev, unsigned seq)
{
    const struct transition *t = find_transition(l->state, dir, ev);
    if (t) {
        if (!guard_holds(l, t->guard))
            out_of_order(l, ev, seq);
    } else {
        if (dir == 'C')
            out_of_order(l, ev, seq);
        if (dir == 'C' && l->state != ST_UNKNOWN && l->state != ST_IDLE)
            return; /* a client cannot move the state on its own */
        t = find_forced(dir, ev);
        if (!t)
            return;
    }
    if (t->to != ST_ANY)
        l->state = t->to;
}

/*
 * The rules about what may follow what, beyond the transition table
 * (FACT_STEP: A2, A13, H3, E3, K2, K6), then the one-shot states they judge.
 */
static void
sequence(struct login *l, char dir, enum event ev, unsigned seq)
{
    struct fact f = {.kind = FACT_STEP, .dir = dir, .ev = ev, .seq = seq};
    checks_raise(l, &f);
    if (dir == 'S')
        l->sasl2_success = false; /* the server's next step after a SASL2 success was judged (H3) */
    if (dir == 'C' && l->registered && !l->authed)
        l->e3_checked = true; /* the first client step after a registration was judged (E3) */
}

/*
 * login-spec §2.5 rank check, the safety net behind the specific rules: the
 * phase of the client's negotiation elements does not go back (TLS <
 * REGISTER < AUTH < BIND < SESSION < SM). Equal phases may repeat (another
 * registration, another SASL attempt after a failure). Left out: compression,
 * which may come before or after authentication (XEP-0170 §2.2) and late after
 * bind; registration once authenticated (a password change or cancellation,
 * XEP-0077 §3.2, §3.3); session and stream management in any order once bound.
 * A resumption stands for bind (a failed one leaves bind to do, XEP-0198 §5).
 * Whether a step back is a finding (A16) is the table's call.
 */
static void
rank(struct login *l, char dir, enum event ev, const char *detail, unsigned seq)
{
    if (dir != 'C')
        return;
    enum phase p = ev == EV_SM_RESUME ? PHASE_BIND : event_phase(ev);
    switch (p) {
    case PHASE_TLS:
    case PHASE_REGISTER:
    case PHASE_AUTH:
    case PHASE_BIND:
    case PHASE_SESSION:
    case PHASE_SM:
        break;
    default:
        return; /* headers, compression, stanzas, closes */
    }
    bool exempt = (p == PHASE_REGISTER && l->authed) ||
                  (l->bound && (p == PHASE_SESSION || p == PHASE_SM));
    if (p < l->max_rank && !exempt) {
        struct fact f = {.kind = FACT_RANK_BACK, .dir = dir, .ev = ev, .seq = seq, .detail = detail};
        f.u.rank.phase = p;
        checks_raise(l, &f);
        l->rank_back = p;
    }
    if (p > l->max_rank)
        l->max_rank = p;
}

/*
 * A server iq whose type a capture gap took (damaged, no type): by what it
 * holds, the answer to the request with its id; as it was when none waits.
 */
static enum event
damaged_answer(struct login *l, const struct stanza *el)
{
    const struct stanza *bind = stanza_child(el, "bind", NS_BIND);
    if (bind && stanza_child(bind, "jid", NULL))
        return EV_BIND_RESULT;
    enum event ev = stanza_child(el, "error", NULL) ? EV_IQ_ERROR : EV_IQ_RESULT;
    enum event paired = login_pair_iq(l, el, ev);
    return paired == ev ? EV_STANZA_IQ : paired;
}

/* The step's element column: the element, after its wrapper's name when a transport wraps it. */
static char *
element_summary(const struct login *l, const struct frame *fr, const struct stanza *el,
                enum event ev, const char *mech)
{
    if (!findings_phase_kept(&l->s))
        return NULL;
    char *summary = abbrev_element(el, ev, mech, l->opt.show_secrets);
    if (!fr->context || !summary)
        return summary;
    size_t n = strlen(fr->context) + 1 + strlen(summary) + 1;
    char *both = xmalloc(n);
    snprintf(both, n, "%s %s", fr->context, summary);
    free(summary);
    return both;
}

/*
 * login-spec §2.2 rule 5: after a mid-stream pickup, what tells where the
 * login is again: a header, features, a SASL success, a bind result (and
 * what stands for one: a resumption, legacy authentication, SASL2's).
 */
static bool
resyncs(enum event ev)
{
    switch (ev) {
    case EV_STREAM_OPEN:
    case EV_STREAM_RESTART:
    case EV_FEATURES:
    case EV_SUCCESS:
    case EV_BIND_RESULT:
    case EV_SM_RESUMED:
    case EV_LEGACY_AUTH_RESULT:
    case EV_SASL2_SUCCESS:
        return true;
    default:
        return false;
    }
}

/*
 * A server-to-server stream (RFC 6120 §4.8.3, XEP-0220) is no client login:
 * a header whose content namespace is jabber:server, or dialback. Unless the
 * server answers as a client-to-server one (jabber:client): then it is a
 * client's stream in the wrong namespace, which A9 judges.
 */
static void
note_stream_kind(struct login *l, char dir, const struct frame *fr)
{
    const struct stanza *el = fr->el;
    bool header = fr->kind == FRAME_STREAM_OPEN && el->default_ns;
    if ((header && strcmp(el->default_ns, NS_SERVER) == 0) || (el->ns && strcmp(el->ns, NS_DIALBACK) == 0))
        l->s2s_seen = true;
    if (header && dir == 'S' && strcmp(el->default_ns, NS_CLIENT) == 0)
        l->server_said_c2s = true;
    l->s.server_to_server = l->s2s_seen && !l->server_said_c2s;
}

static void
handle_element(struct login *l, char dir, usec_t t, const struct frame *fr)
{
    const struct stanza *el = fr->el;
    note_stream_kind(l, dir, fr);
    struct classified c;
    phase_of(dir, el, &c);
    enum event ev = c.event;
    if (fr->kind == FRAME_STREAM_OPEN && ev != EV_STREAM_OPEN) {
        /* a header outside the stream namespace: still a header (A9 judges it) */
        ev = EV_STREAM_OPEN;
        c.detail = NULL;
    }
    if (ev == EV_STREAM_OPEN && dir == 'C') {
        if (l->headers_seen)
            ev = EV_STREAM_RESTART;
        l->headers_seen = true;
        l->epoch_failures = 0;
        l->whitespace_reported = false;
    }
    if (l->damaged && dir == 'S' && ev == EV_STANZA_IQ && !stanza_attr(el, "type", NULL))
        ev = damaged_answer(l, el);
    else if (ev == EV_IQ_RESULT || ev == EV_IQ_ERROR)
        ev = login_pair_iq(l, el, ev);
    const char *detail = c.detail;
    if (!l->started && ev != EV_STREAM_OPEN && !fr->outside) {
        /* login-spec §2.2 rule 5: picked up mid-stream (outside a stream it is A1 or K3 instead) */
        l->state = ST_UNKNOWN;
        l->unsynced = !resyncs(ev);
        unsigned seq0 = login_add_step(l, dir, t, ev, detail, element_summary(l, fr, el, ev, NULL));
        struct fact f = {.kind = FACT_MIDSTREAM, .dir = dir, .ev = ev, .seq = seq0};
        checks_raise(l, &f);
        login_element_facts(l, dir, el, ev, detail, t, seq0);
        step(l, dir, ev, seq0);
        return;
    }
    if (resyncs(ev))
        l->unsynced = false;
    const char *mech = l->cur ? l->cur->mechanism : NULL;
    unsigned seq = login_add_step(l, dir, t, ev, detail, element_summary(l, fr, el, ev, mech));
    sequence(l, dir, ev, seq);
    login_element_facts(l, dir, el, ev, detail, t, seq);
    if (l->ws)
        login_ws_element(l, dir, el, ev, seq);
    bool unknown = l->state == ST_UNKNOWN;
    step(l, dir, ev, seq);
    if (!unknown)
        rank(l, dir, ev, detail, seq);
    if (ev == EV_SASL2_SUCCESS && l->bound)
        l->state = ST_DONE; /* bound or resumed inline (XEP-0386, XEP-0198 §9) */
    if (ev == EV_STREAM_OPEN && dir == 'S' && l->legacy_stream && l->state == ST_HDR_S)
        l->state = ST_NEG; /* pre-1.0: no features, legacy authentication may start */
    if (ev == EV_RESPONSE)
        l->challenge_pending = false; /* the challenge is answered */
}

/*
 * A session's times never go back: an event the input dates before the one
 * before it (a clock set back, a capture merged out of order) is placed at
 * that one's time, so that no step and no duration comes out negative (or 56
 * years long), and the jump is reported once (L4, at the session's end).
 */
usec_t
login_in_order(struct login *l, usec_t t)
{
    if (l->clock_set && t < l->clock) {
        usec_t back = l->clock - t;
        if (l->clock_backs++ == 0) {
            l->clock_back_seq = (unsigned)l->s.nphases + 1;
            l->clock_back_from = l->clock;
            l->clock_back_to = t;
        }
        if (back > l->clock_back_max)
            l->clock_back_max = back;
        return l->clock;
    }
    l->clock_set = true;
    l->clock = t;
    return t;
}

/* An element or close of direction |dir| is handled: its facts, then the machine. */
static void
handle_close(struct login *l, char dir, usec_t t)
{
    unsigned seq = login_add_step(l, dir, t, EV_STREAM_CLOSE, NULL, xstrdup("</stream:stream>"));
    sequence(l, dir, EV_STREAM_CLOSE, seq);
    login_element_facts(l, dir, NULL, EV_STREAM_CLOSE, NULL, t, seq);
    step(l, dir, EV_STREAM_CLOSE, seq);
}

void
login_frame(struct login *l, char dir, usec_t t, const struct frame *fr)
{
    t = login_in_order(l, t);
    l->xml_seen = true;
    l->damaged = fr->damaged;
    l->gap_offset = fr->gap_offset;
    l->gap_bytes = fr->gap_bytes;
    switch (fr->kind) {
    case FRAME_STREAM_OPEN:
    case FRAME_ELEMENT:
        handle_element(l, dir, t, fr);
        break;
    case FRAME_STREAM_CLOSE:
        handle_close(l, dir, t);
        break;
    case FRAME_WHITESPACE: {
        /* keep-alives are no login step (A10 judges where they fall) */
        struct fact f = {.kind = FACT_WHITESPACE, .dir = dir, .seq = l->steps};
        checks_raise(l, &f);
        if (l->state == ST_TLS_WAIT || l->state == ST_SASL)
            l->whitespace_reported = true; /* one finding per stream epoch (login-spec §2.2 rule 3) */
        break;
    }
    case FRAME_ERROR: {
        unsigned seq = login_add_step(l, dir, t, EV_XML_ERROR, NULL,
                                      xstrdup(fr->message ? fr->message : "malformed XML"));
        struct fact f = {.kind = FACT_EVENT, .dir = dir, .ev = EV_XML_ERROR, .seq = seq,
                         .detail = fr->message};
        f.u.xml.frame = fr;
        checks_raise(l, &f);
        break;
    }
    case FRAME_OVERSIZE:
        login_add_step(l, dir, t, EV_OVERSIZE, NULL,
                       xstrdup(fr->message ? fr->message : "element too large"));
        break;
    case FRAME_SCOPE_RESET:
        break; /* a deferred framer's bookkeeping, for its frame_parser only */
    }
    l->damaged = false;
}

/* A pseudo-event (fact |f| already filled in but for its step): bookkeeping, facts, machine. */
void
login_pseudo_fact(struct login *l, enum event ev, usec_t t, const char *detail, struct fact *f)
{
    t = login_in_order(l, t);
    unsigned seq = login_add_step(l, '-', t, ev, NULL, xstrdup(detail ? detail : ""));
    if (ev == EV_TLS_ESTABLISHED) {
        l->tls_active = true;
        l->s.tls.negotiated = TRI_TRUE;
        l->tls_time = t;
    } else if (ev == EV_TCP_FIN || ev == EV_TCP_RST) {
        l->log_closed = true;
    }
    f->kind = FACT_EVENT;
    f->dir = '-';
    f->ev = ev;
    f->seq = seq;
    f->detail = detail;
    checks_raise(l, f);
    step(l, '-', ev, seq);
}

void
login_pseudo(struct login *l, enum event ev, usec_t t, const char *detail)
{
    struct fact f = {0};
    login_pseudo_fact(l, ev, t, detail, &f);
}

void
login_bosh_issue(struct login *l, char dir, enum bosh_issue issue, bool other_case,
                 const char *detail)
{
    struct fact f = {.kind = FACT_BOSH, .dir = dir, .seq = l->steps, .detail = detail};
    f.u.bosh.issue = issue;
    f.u.bosh.other_case = other_case;
    checks_raise(l, &f);
}

void
login_midstream(struct login *l, usec_t t, const char *detail)
{
    t = login_in_order(l, t);
    unsigned seq = login_add_step(l, '-', t, EV_GAP, NULL, xstrdup(detail ? detail : ""));
    l->state = ST_UNKNOWN;
    l->midstream = true;
    l->unsynced = true;
    l->headers_seen = true; /* the next client header is a restart */
    struct fact f = {.kind = FACT_MIDSTREAM, .dir = '-', .ev = EV_GAP, .seq = seq};
    checks_raise(l, &f);
}

void
login_client_hello(struct login *l, usec_t t, const char *sni, const char *alpn)
{
    char detail[600];
    snprintf(detail, sizeof detail, "ClientHello SNI %s, ALPN %s", sni ? sni : "(none)",
             alpn ? alpn : "(none)");
    if (sni && !l->s.domain)
        l->s.domain = xstrdup(sni);
    struct fact f = {0};
    f.u.hello.sni = sni;
    f.u.hello.alpn = alpn;
    f.u.hello.xmpp_alpn = tlsrec_alpn_has(alpn, "xmpp-client");
    login_pseudo_fact(l, EV_TLS_CLIENT_HELLO, t, detail, &f);
}
