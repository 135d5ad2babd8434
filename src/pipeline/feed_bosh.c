/* feed_bosh: BOSH sessions from the HTTP messages of their TCP connections (see the header). */
#include <config.h>
#include "feed_bosh.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bosh.h"
#include "hash_bytes.h"
#include "http.h"
#include "phase.h"
#include "xalloc.h"

/*
 * Requests a TCP connection may have waiting for their answers: BOSH allows
 * `requests` (2 with ejabberd) at a time; past this the oldest is dropped.
 */
#define PENDING_MAX 8
/* rids received past a gap, per session: more are out of any sane window. */
#define AHEAD_MAX 16
/* Bodies remembered by rid, to tell a resend from a replay (I9). */
#define RECENT_MAX 16
/* A first rid below this is "small" (I10): the spec asks for a large random number. */
#define RID_SMALL (UINT64_C(1) << 20)
/* XEP-0124 §11: without `requests` in the creation answer, hold + 1 = 2. */
#define DEFAULT_REQUESTS 2

/* A request waiting for its answer on one TCP connection. */
struct pending {
    unsigned number;        /* its HTTP number on the connection */
    char *session;          /* the session's key; NULL: a creation request, whose answer names it */
    struct stanza *create;  /* a creation request's <body/> (its answer makes the session) */
    usec_t time;
    bool restart;           /* xmpp:restart='true': the answer holds the new features */
};

/* c->bosh_carrier: a TCP connection that carries BOSH requests. */
struct bosh_carrier {
    struct pending q[PENDING_MAX]; /* oldest first */
    size_t n;
};

/* c->bosh: a BOSH session's own connection in the table. */
struct bosh_session {
    bool server_closed; /* the server sent type='terminate': the session is over */
    uint64_t next_rid;                 /* the rid expected next (0: none seen yet) */
    uint64_t highest_rid;
    uint64_t ahead[AHEAD_MAX];         /* rids received past a gap */
    struct stanza *held[AHEAD_MAX];    /* their bodies, read once the gap is filled */
    usec_t held_time[AHEAD_MAX];       /* when each came */
    size_t nahead;
    struct {
        uint64_t rid, hash;
    } recent[RECENT_MAX];
    size_t recent_next;
    long requests, inactivity, maxpause, pause; /* from the creation answer (-1: absent) */
    unsigned waiting;                  /* requests sent and not answered yet */
    usec_t idle_since;                 /* an answer left no request waiting (0: one waits) */
    char content_type[64];             /* the creation request's `content`, or text/xml */
    /* from a log: what the server's first stream header shows ("sid=…"), once */
    char log_sid_context[48];
    bool log_server_opened;
};

static void
pending_clear(struct pending *p)
{
    stanza_free(p->create);
    free(p->session);
    memset(p, 0, sizeof *p);
}

/* The issue |issue| in |session|, on its latest step. */
static void
issue(struct conn *session, char dir, enum bosh_issue what, bool other_case, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
issue(struct conn *session, char dir, enum bosh_issue what, bool other_case, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    login_bosh_issue(session->login, dir, what, other_case, msg);
}

static void read_held(struct conn *s, usec_t t, bool all);

/* The session ends: rids skipped and never seen (I7); the bodies past them are read still. */
static void
drain_session(struct conn *c)
{
    struct bosh_session *b = c->bosh;
    uint64_t after = 0; /* the lowest rid read past the gap */
    for (size_t i = 0; i < b->nahead; i++)
        if (!after || b->ahead[i] < after)
            after = b->ahead[i];
    if (after)
        issue(c, 'C', BOSH_RID_GAP, false, "rid %llu never came; rid %llu after it was read",
              (unsigned long long)b->next_rid, (unsigned long long)after);
    read_held(c, c->last_seen, true);
}

static void
release(struct conn *c)
{
    if (c->bosh_carrier) {
        for (size_t i = 0; i < c->bosh_carrier->n; i++)
            pending_clear(&c->bosh_carrier->q[i]);
        free(c->bosh_carrier);
        c->bosh_carrier = NULL;
    }
    if (c->bosh)
        for (size_t i = 0; i < c->bosh->nahead; i++)
            stanza_free(c->bosh->held[i]);
    free(c->bosh);
    c->bosh = NULL;
}

/* The carrier's request numbered |number|, taken out of its queue (false: none). */
static bool
take_pending(struct bosh_carrier *k, unsigned number, struct pending *out)
{
    for (size_t i = 0; i < k->n; i++) {
        if (k->q[i].number == number) {
            *out = k->q[i];
            memmove(&k->q[i], &k->q[i + 1], (k->n - i - 1) * sizeof k->q[0]);
            k->n--;
            return true;
        }
    }
    return false;
}

static void
add_pending(struct bosh_carrier *k, const struct pending *p)
{
    if (k->n == PENDING_MAX) {
        pending_clear(&k->q[0]);
        memmove(&k->q[0], &k->q[1], (k->n - 1) * sizeof k->q[0]);
        k->n--;
    }
    k->q[k->n++] = *p;
}

/* Character data directly inside |el| other than white space (XEP-0124 §6 allows none). */
static bool
has_text(const struct stanza *el)
{
    for (size_t i = 0; i < el->text_len; i++)
        if (el->text[i] != ' ' && el->text[i] != '\t' && el->text[i] != '\r' && el->text[i] != '\n')
            return true;
    return false;
}

struct stanza *
bosh_frame_body(struct framer *f, const char *bytes, size_t len, const char **why)
{
    *why = NULL;
    framer_feed(f, bytes, len);
    struct stanza *body = NULL;
    size_t elements = 0;
    struct frame fr;
    while (framer_next(f, &fr)) {
        if (fr.kind == FRAME_ELEMENT) {
            elements++;
            if (!body && bosh_is_body(fr.el))
                body = stanza_dup(fr.el); /* the framer's tree goes at its next frame */
        } else if (fr.kind == FRAME_ERROR || fr.kind == FRAME_OVERSIZE) {
            *why = "the body does not parse as XML";
        }
    }
    if (body && !*why && elements > 1)
        *why = "the body holds more than one element";
    else if (body && !*why && has_text(body))
        *why = "the <body/> holds character data";
    return body;
}

/*
 * The <body/> the carrier's framer reads in an HTTP body of direction |d|
 * (NULL when the body is something else), a copy the caller frees; |why|
 * says what is wrong with it (NULL: nothing).
 */
static struct stanza *
read_body(struct conn *c, int d, const struct http_message *m, const char **why)
{
    *why = NULL;
    if (!m->body_len)
        return NULL;
    struct stanza *body = bosh_frame_body(c->framer[d], (const char *)m->body, m->body_len, why);
    if (m->body_dropped)
        *why = "the body is larger than the tool reads";
    return body;
}

/* The table's key of the session |sid| of the server of carrier |c|. */
static void
session_key(const struct conn *c, const char *sid, char *key, size_t len)
{
    const struct session *s = login_session(c->login);
    snprintf(key, len, "bosh %s %.200s", s->server ? s->server : "?", sid);
}

/* |c| carried a request of |session|: listed once among its connections. */
static void
note_carrier(struct conn *session, const struct conn *c)
{
    struct session *s = login_session(session->login);
    for (size_t i = 0; i < s->nconnections; i++)
        if (strcmp(s->connections[i].key, c->key) == 0)
            return;
    const struct session *tcp = login_session(c->login);
    session_add_connection(s, c->key);
    session_connection_endpoints(s, tcp->client, tcp->server);
}

void
bosh_attach(struct conn *c)
{
    if (c->bosh)
        return;
    c->bosh = xcalloc(1, sizeof *c->bosh);
    c->bosh->requests = DEFAULT_REQUESTS;
    c->bosh->inactivity = c->bosh->maxpause = c->bosh->pause = -1;
    snprintf(c->bosh->content_type, sizeof c->bosh->content_type, "text/xml");
    c->release = release;
    if (!c->drain)
        c->drain = drain_session;
}

/*
 * The BOSH session |sid| of carrier |c|: found, or made; one not seen created
 * (|midstream|) is picked up where it is. |ended| is set when the sid names
 * a session of this input that ended already.
 */
static struct conn *
session_of(struct analyzer *a, struct conn *c, const char *sid, usec_t t, bool midstream, bool *ended)
{
    char key[320];
    session_key(c, sid, key, sizeof key);
    struct conn *bs = conn_find(a, key);
    *ended = false;
    if (!bs) {
        *ended = is_tombstone(a, key);
        bs = conn_new(a, key, 0);
        bosh_attach(bs);
        struct session *s = login_session(bs->login);
        const struct session *tcp = login_session(c->login);
        s->transport = TRANSPORT_BOSH;
        s->client = tcp->client ? xstrdup(tcp->client) : NULL;
        s->server = tcp->server ? xstrdup(tcp->server) : NULL;
        login_connected(bs->login, t);
        if (midstream)
            login_midstream(bs->login, t, "BOSH session picked up after its creation");
        if (login_inside_tls(c->login)) /* HTTPS decrypted with a key log: inside TLS from the start */
            login_tls_carried(bs->login, c->login, t);
        else
            issue(bs, '-', BOSH_INSECURE, false,
                  "BOSH over http://: the session id and every element travel in clear");
    }
    note_carrier(bs, c);
    if (login_inside_tls(c->login)) /* its TLS records so far (those of the busiest of its connections) */
        login_tls_carried_records(bs->login, c->login);
    conn_touch(a, bs);
    if (t > bs->last_seen)
        bs->last_seen = t;
    return bs;
}

/*
 * What the report shows of the <body/> an element came in: the client's rid
 * (the order of its requests), the sid where the server gives it, cut to
 * its first 8 characters: over http:// it is a session capability
 * (XEP-0124 §19.3; login-spec §4.3).
 */
struct wrapper {
    char text[48];
};

static const char *
wrapper_of(struct wrapper *w, char dir, const struct bosh_body *b)
{
    if (dir == 'C' && b->has_rid && !b->rid_bad)
        snprintf(w->text, sizeof w->text, "rid=%llu", (unsigned long long)b->rid);
    else if (dir == 'S' && b->sid)
        snprintf(w->text, sizeof w->text, "sid=%.8s%s", b->sid, strlen(b->sid) > 8 ? "..." : "");
    else
        return NULL;
    return w->text;
}

/* Hands |el| (a stream header, an element or, NULL, a close) to |session|'s login. */
static void
deliver(struct conn *session, char dir, usec_t t, enum frame_kind kind, const struct stanza *el,
        const char *context)
{
    struct frame fr = {.kind = kind, .el = el, .context = context};
    login_frame(session->login, dir, t, &fr);
    session->saw_xml = true;
}

/* The elements inside |body|, as top-level elements of direction |dir|. */
static void
deliver_children(struct conn *session, char dir, usec_t t, const struct stanza *body,
                 const char *context)
{
    for (size_t i = 0; i < body->nchildren; i++)
        deliver(session, dir, t, FRAME_ELEMENT, body->children[i], context);
}

/* A stream header standing for what |b| opens. */
static void
deliver_header(struct conn *session, char dir, usec_t t, const struct bosh_body *b)
{
    struct stanza *h = bosh_stream_header(b, dir == 'S');
    struct wrapper w;
    deliver(session, dir, t, FRAME_STREAM_OPEN, h, wrapper_of(&w, dir, b));
    stanza_free(h);
}

/*
 * |session| ends when the server sends type='terminate' (XEP-0124 §13, §17):
 * its answer to the client's terminate, or a terminal condition of its own.
 */
static void
maybe_end(struct analyzer *a, struct conn *session, usec_t t)
{
    if (session->bosh->server_closed)
        conn_finish(a, session, LOGIN_END_CLOSED, t);
}

static struct bosh_carrier *
carrier_of(struct conn *c)
{
    if (!c->bosh_carrier) {
        c->bosh_carrier = xcalloc(1, sizeof *c->bosh_carrier);
        c->release = release;
        login_session(c->login)->carrier = true; /* not a session of its own */
    }
    return c->bosh_carrier;
}

static const char *
header(const struct http_message *m, const char *name)
{
    for (size_t i = 0; i < m->nheaders; i++)
        if (strcasecmp(m->headers[i].name, name) == 0)
            return m->headers[i].value;
    return NULL;
}

/* What check_rid() says of a request's rid. */
enum rid_verdict {
    RID_SKIP,     /* sent again, or past the window: not the stream's (again) */
    RID_IN_ORDER, /* the next one, or the first seen: read now */
    RID_AHEAD,    /* past a gap inside the window: read once the gap is filled */
};

/* The rid of a request of session |s|: in order, skipped, repeated, out of the window. */
static enum rid_verdict
check_rid(struct conn *s, const struct bosh_body *b, const uint8_t *raw, size_t raw_len)
{
    struct bosh_session *st = s->bosh;
    if (!b->has_rid || b->rid_bad) {
        issue(s, 'C', BOSH_RID_MISSING, false,
              b->has_rid ? "the request's rid is not a number from 1 to 2^53-1" : "the request has no rid");
        return RID_IN_ORDER;
    }
    uint64_t rid = b->rid, hash = hash_bytes(raw, raw_len);
    if (b->has_ack && b->ack > st->highest_rid && st->highest_rid)
        issue(s, 'C', BOSH_ACK_INCONSISTENT, false, "the request acknowledges rid %llu, above the highest sent (%llu)",
              (unsigned long long)b->ack, (unsigned long long)st->highest_rid);
    bool seen = st->next_rid && rid < st->next_rid;
    for (size_t i = 0; i < st->nahead && !seen; i++)
        seen = st->ahead[i] == rid;
    if (seen) {
        bool differs = false, known = false;
        for (size_t i = 0; i < RECENT_MAX; i++)
            if (st->recent[i].rid == rid) {
                known = true;
                differs = st->recent[i].hash != hash;
            }
        issue(s, 'C', BOSH_RID_REPLAY, differs,
              differs  ? "rid %llu sent again with another body: a replay or an injection"
              : known ? "rid %llu sent again, the same body (a resend)"
                      : "rid %llu sent again, older than the bodies the tool remembers",
              (unsigned long long)rid);
        return RID_SKIP;
    }
    st->recent[st->recent_next].rid = rid;
    st->recent[st->recent_next].hash = hash;
    st->recent_next = (st->recent_next + 1) % RECENT_MAX;
    if (rid > st->highest_rid)
        st->highest_rid = rid;
    if (!st->next_rid || rid == st->next_rid) {
        st->next_rid = rid + 1;
        return RID_IN_ORDER;
    }
    uint64_t window = st->requests > 0 ? (uint64_t)st->requests : DEFAULT_REQUESTS;
    if (rid - (st->next_rid - 1) > window || st->nahead == AHEAD_MAX) {
        issue(s, 'C', BOSH_RID_OUT_OF_WINDOW, false,
              "rid %llu is %llu past the last rid received without a gap (%llu); the window is %llu",
              (unsigned long long)rid, (unsigned long long)(rid - (st->next_rid - 1)),
              (unsigned long long)(st->next_rid - 1), (unsigned long long)window);
        return RID_SKIP; /* the server is to end the session (item-not-found), not to read it */
    }
    return RID_AHEAD;
}

/* What a request of session |s| asks of the session: waiting requests, pause, idle time. */
static void
check_request(struct conn *s, const struct bosh_body *b, const struct http_message *m)
{
    struct bosh_session *st = s->bosh;
    const char *type = header(m, "Content-Type");
    if (!m->method || strcmp(m->method, "POST") != 0)
        issue(s, 'C', BOSH_HTTP_MISUSE, false, "a BOSH request sent with %s, not POST",
              m->method ? m->method : "no method");
    else if (type && strncasecmp(type, st->content_type, strlen(st->content_type)) != 0)
        issue(s, 'C', BOSH_HTTP_MISUSE, false, "a BOSH request sent as %.60s, not %s", type,
              st->content_type);
    st->waiting++;
    long allowed = (st->requests > 0 ? st->requests : DEFAULT_REQUESTS) + (b->terminate || b->pause >= 0);
    if ((long)st->waiting > allowed)
        issue(s, 'C', BOSH_TOO_MANY_REQUESTS, false, "%u requests waiting for an answer; the session allows %ld",
              st->waiting, allowed);
    if (st->idle_since && st->inactivity > 0) {
        usec_t limit = (usec_t)(st->inactivity + (st->pause > 0 ? st->pause : 0)) * 1000000;
        if (m->first - st->idle_since > limit)
            issue(s, 'C', BOSH_INACTIVITY_EXCEEDED, false,
                  "%.1f s without a request waiting; the inactivity period is %ld s",
                  (double)(m->first - st->idle_since) / 1e6, st->inactivity);
    }
    st->idle_since = 0;
    if (b->pause >= 0) {
        if (st->maxpause < 0)
            issue(s, 'C', BOSH_PAUSE_INVALID, false, "pause asked for, but the server gave no maxpause");
        else if (b->pause > st->maxpause)
            issue(s, 'C', BOSH_PAUSE_INVALID, false, "pause of %ld s asked for, above the maxpause of %ld s",
                  b->pause, st->maxpause);
        st->pause = b->pause;
    }
}

/* The creation request's rid |cb|: large and random, far from 2^53-1 (I10). */
static void
check_first_rid(struct conn *s, const struct bosh_body *cb)
{
    if (cb->has_rid && !cb->rid_bad && (cb->rid < RID_SMALL || cb->rid > BOSH_RID_MAX - RID_SMALL))
        issue(s, 'C', BOSH_RID_WEAK, false, "the first rid (%llu) is %s", (unsigned long long)cb->rid,
              cb->rid < RID_SMALL ? "small: easy to guess" : "so near 2^53-1 that the session may run out");
}

/* The creation answer |b| to the creation request |cb| (XEP-0124 §7.2, XEP-0206 §4). */
static void
check_creation(struct conn *s, const struct bosh_body *cb, const struct bosh_body *b)
{
    struct bosh_session *st = s->bosh;
    if (b->requests > 0)
        st->requests = b->requests;
    st->inactivity = b->inactivity;
    st->maxpause = b->maxpause;
    if (cb->content)
        snprintf(st->content_type, sizeof st->content_type, "%s", cb->content);
    char why[160] = "";
    if (b->wait < 0 || b->requests < 0)
        snprintf(why, sizeof why, "the creation answer lacks %s",
                 b->wait < 0 && b->requests < 0 ? "wait and requests" : b->wait < 0 ? "wait" : "requests");
    else if (cb->wait >= 0 && b->wait > cb->wait)
        snprintf(why, sizeof why, "wait %ld in the answer, above the %ld asked for", b->wait, cb->wait);
    else if (cb->hold >= 0 && b->hold > cb->hold)
        snprintf(why, sizeof why, "hold %ld in the answer, above the %ld asked for", b->hold, cb->hold);
    else if (b->hold >= 0 && b->requests <= b->hold)
        snprintf(why, sizeof why, "requests %ld is not above hold %ld", b->requests, b->hold);
    else if (b->has_ack && cb->has_rid && !cb->rid_bad && b->ack != cb->rid)
        snprintf(why, sizeof why, "the answer acknowledges rid %llu, not the creation rid %llu",
                 (unsigned long long)b->ack, (unsigned long long)cb->rid);
    if (*why)
        issue(s, 'S', BOSH_CREATE_RESPONSE_INVALID, false, "%s", why);
    if (!b->restart_logic)
        issue(s, 'S', BOSH_RESTART, true, "the creation answer lacks xmpp:restartlogic='true'");
    check_first_rid(s, cb);
}

/* The elements of client body |el| (read into |b|) as the stream's, at |t|. */
static void
read_body_in_order(struct conn *s, const struct stanza *el, const struct bosh_body *b, usec_t t)
{
    struct wrapper w;
    const char *context = wrapper_of(&w, 'C', b);
    if (b->restart)
        deliver_header(s, 'C', t, b);
    deliver_children(s, 'C', t, el, context);
    if (b->restart && b->nchildren)
        issue(s, 'C', BOSH_RESTART, false, "the restart body carries %zu element%s; it should be empty",
              b->nchildren, b->nchildren == 1 ? "" : "s");
    if (b->terminate)
        deliver(s, 'C', t, FRAME_STREAM_CLOSE, NULL, context);
}

/*
 * The bodies held past a gap that now follow in order (XEP-0124 §14.2: the
 * server reads them by rid), at |t|, the time the gap was filled. With
 * |all|, at the session's end, the rest too, lowest rid first.
 */
static void
read_held(struct conn *s, usec_t t, bool all)
{
    struct bosh_session *st = s->bosh;
    for (;;) {
        size_t pick = st->nahead;
        for (size_t i = 0; i < st->nahead; i++)
            if (st->ahead[i] == st->next_rid || (all && (pick == st->nahead || st->ahead[i] < st->ahead[pick])))
                pick = i;
        if (pick == st->nahead)
            return;
        struct stanza *el = st->held[pick];
        usec_t came = st->held_time[pick];
        st->next_rid = st->ahead[pick] + 1;
        st->ahead[pick] = st->ahead[--st->nahead];
        st->held[pick] = st->held[st->nahead];
        st->held_time[pick] = st->held_time[st->nahead];
        struct bosh_body b;
        bosh_read_body(el, &b);
        read_body_in_order(s, el, &b, came > t ? came : t);
        stanza_free(el);
    }
}

bool
bosh_client_body(struct conn *s, const struct stanza *el, const struct bosh_body *b,
                 const uint8_t *raw, size_t raw_len, usec_t t)
{
    bosh_attach(s);
    struct bosh_session *st = s->bosh;
    if (!b->sid && !st->next_rid) {
        /* the creation request: the client's stream header */
        struct wrapper w;
        deliver_header(s, 'C', t, b);
        deliver_children(s, 'C', t, el, wrapper_of(&w, 'C', b));
        check_rid(s, b, raw, raw_len);
        st->waiting++;
        return true;
    }
    switch (check_rid(s, b, raw, raw_len)) {
    case RID_SKIP:
        return false; /* sent again or out of the window: its content is not the stream's */
    case RID_AHEAD:
        st->ahead[st->nahead] = b->rid;
        st->held_time[st->nahead] = t;
        st->held[st->nahead++] = stanza_dup(el);
        return true;
    case RID_IN_ORDER:
        break;
    }
    read_body_in_order(s, el, b, t);
    read_held(s, t, false);
    return true;
}

static void
request(struct analyzer *a, struct conn *c, const struct http_message *m)
{
    const char *why;
    struct stanza *el = read_body(c, 0, m, &why);
    if (!el)
        return; /* not BOSH: another HTTP client of this server */
    struct bosh_carrier *k = carrier_of(c);
    bool pipelined = k->n > 0;
    struct bosh_body b;
    bosh_read_body(el, &b);
    struct pending p = {.number = m->number, .time = m->first, .restart = b.restart};
    if (!b.sid) {
        p.create = el; /* waits for the answer that names the session */
        add_pending(k, &p);
        return;
    }
    bool ended;
    struct conn *s = session_of(a, c, b.sid, m->first, true, &ended);
    p.session = xstrdup(s->key);
    add_pending(k, &p);
    bool read = bosh_client_body(s, el, &b, m->body, m->body_len, m->first);
    if (read && ended)
        issue(s, 'C', BOSH_AFTER_TERMINATE, false, "a request for a session that was terminated before");
    if (read && why)
        issue(s, 'C', BOSH_INVALID_BODY, false, "%s", why);
    if (read && pipelined)
        issue(s, 'C', BOSH_HTTP_MISUSE, false, "a request sent before the answer to the previous one on its connection (HTTP pipelining)");
    check_request(s, &b, m);
    stanza_free(el);
}

/* What an answer of session |s| says of the session: its status, type and condition. */
static void
check_answer(struct conn *s, const struct bosh_body *b, const struct http_message *m, const char *why)
{
    struct bosh_session *st = s->bosh;
    if (st->waiting && --st->waiting == 0)
        st->idle_since = m->last;
    if (m->status >= 400)
        issue(s, 'S', BOSH_HTTP_ERROR, false, "HTTP %d answer to a BOSH request", m->status);
    if (!b)
        return;
    if (why)
        issue(s, 'S', BOSH_INVALID_BODY, false, "%s", why);
    if (b->has_ack && st->highest_rid && b->ack > st->highest_rid)
        issue(s, 'S', BOSH_ACK_INCONSISTENT, false, "the answer acknowledges rid %llu, above the highest sent (%llu)",
              (unsigned long long)b->ack, (unsigned long long)st->highest_rid);
    if (b->terminate && b->condition) {
        bool grave = strcmp(b->condition, "policy-violation") == 0 || strcmp(b->condition, "item-not-found") == 0;
        issue(s, 'S', BOSH_TERMINAL, grave, "the server ended the session: %.60s", b->condition);
    } else if (b->type && strcmp(b->type, "error") == 0) {
        issue(s, 'S', BOSH_RECOVERABLE_ERROR, false, "recoverable binding error%s%.60s: the client is to send its unanswered requests again",
              b->condition ? ": " : "", b->condition ? b->condition : "");
    }
}

static void
response(struct analyzer *a, struct conn *c, const struct http_message *m)
{
    if (!c->bosh_carrier)
        return; /* an answer to something other than BOSH */
    struct pending p;
    if (!take_pending(c->bosh_carrier, m->number, &p))
        return;
    const char *why;
    struct stanza *el = read_body(c, 1, m, &why);
    struct bosh_body b;
    if (el)
        bosh_read_body(el, &b);
    struct conn *s = p.session ? conn_find(a, p.session) : NULL;
    if (p.create) {
        struct bosh_body cb;
        bosh_read_body(p.create, &cb);
        if (!el || !b.sid) {
            stanza_free(el);
            pending_clear(&p);
            return; /* no session made: nothing to tell it to */
        }
        bool ended;
        s = session_of(a, c, b.sid, p.time, false, &ended);
        bosh_client_body(s, p.create, &cb, NULL, 0, p.time);
        deliver_header(s, 'S', m->first, &b);
        check_creation(s, &cb, &b);
    } else if (!s) {
        stanza_free(el);
        pending_clear(&p);
        return; /* the session ended before its answer came */
    } else if (el && p.restart) {
        deliver_header(s, 'S', m->first, &b);
    }
    if (el) {
        deliver_children(s, 'S', m->first, el, NULL);
        if (b.terminate) {
            deliver(s, 'S', m->first, FRAME_STREAM_CLOSE, NULL, NULL);
            s->bosh->server_closed = true;
        }
    }
    check_answer(s, el ? &b : NULL, m, why);
    stanza_free(el);
    pending_clear(&p);
    maybe_end(a, s, m->first);
}

/*
 * Ports where BOSH is served (ejabberd 5280/5443, Prosody 5280/5281,
 * Openfire 7070/7443, web servers): a BOSH session runs over several TCP
 * connections of its client (feed_bosh.c), and one -j worker must see them all.
 */
static bool
bosh_port(unsigned port)
{
    static const unsigned ports[] = {80, 443, 5280, 5281, 5443, 7070, 7443, 8080, 8443};
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        if (ports[i] == port)
            return true;
    return false;
}

/*
 * -j: whether this worker owns the flow: by its TCP connection, or on a BOSH
 * port by the two hosts, so that all connections of a BOSH session go to one
 * worker. (BOSH on another port may be split between workers.)
 */
bool
bosh_own_flow(struct analyzer *a, const struct flow_tuple *t)
{
    if (!a->opt.shard)
        return own_key(a, t->bytes, sizeof t->bytes); /* one process: everything */
    unsigned lower = (unsigned)t->bytes[17] << 8 | t->bytes[18];
    unsigned higher = (unsigned)t->bytes[35] << 8 | t->bytes[36];
    if (!bosh_port(lower) && !bosh_port(higher))
        return own_key(a, t->bytes, sizeof t->bytes);
    uint8_t hosts[1 + 16 + 16];
    memcpy(hosts, t->bytes, 17);           /* version, lower address */
    memcpy(hosts + 17, t->bytes + 19, 16); /* higher address */
    return own_key(a, hosts, sizeof hosts);
}

void
bosh_http_note(struct analyzer *a, struct conn *c, const struct stack_note *note)
{
    if (note->what != HTTP_NOTE_MESSAGE)
        return;
    const struct http_message *m = note->info;
    if (m->request)
        request(a, c, m);
    else
        response(a, c, m);
}

/*
 * From a log. Its HTTP handler's TLS, when the log shows it, came to the
 * login before (feed_log.c: EV_TLS_ESTABLISHED); otherwise the session is
 * read as over http:// (as B1 and B12 read a BOSH log session whose login
 * never sees TLS), so I19 as from a capture of the same login.
 */
void
bosh_log_session(struct conn *s)
{
    if (s->bosh)
        return;
    bosh_attach(s);
    if (login_session(s->login)->tls.negotiated != TRI_TRUE)
        issue(s, '-', BOSH_INSECURE, false,
              "BOSH over http://: the session id and every element travel in clear");
}

const char *
bosh_log_body(struct conn *s, const char *bytes, size_t len, bool has_rid, uint64_t rid, usec_t t)
{
    bosh_log_session(s);
    const char *why;
    struct stanza *el = bosh_frame_body(s->framer[0], bytes, len, &why);
    if (!el) {
        /* drop what is left of it, so that the next body is read from its start */
        framer_gap(s->framer[0]);
        struct frame fr;
        while (framer_next(s->framer[0], &fr))
            ;
        return "the BOSH body in the log does not parse as one <body/>";
    }
    struct bosh_body b;
    bosh_read_body(el, &b);
    if (has_rid && (!b.has_rid || b.rid_bad || b.rid != rid)) {
        stanza_free(el);
        return "the BOSH body its HTTP handler logged last is not the request ejabberd took (another rid)";
    }
    bool creation = !b.sid && !s->bosh->next_rid;
    if (creation) {
        /* the log holds no creation answer (its requests): XEP-0124 §7.1 asks hold + 1 of the server */
        if (b.hold > 0 && b.hold < 100)
            s->bosh->requests = b.hold + 1;
        check_first_rid(s, &b);
    } else if (!login_session(s->login)->nphases) {
        login_midstream(s->login, t, "log starts in the middle of this BOSH session");
    }
    bool read = bosh_client_body(s, el, &b, (const uint8_t *)bytes, len, t);
    if (read && why)
        issue(s, 'C', BOSH_INVALID_BODY, false, "%s", why);
    stanza_free(el);
    return NULL;
}

void
bosh_log_sid(struct conn *s, const char *sid)
{
    bosh_log_session(s);
    if (!sid || s->bosh->log_sid_context[0])
        return;
    struct bosh_body b = {.sid = sid};
    struct wrapper w;
    snprintf(s->bosh->log_sid_context, sizeof s->bosh->log_sid_context, "%s", wrapper_of(&w, 'S', &b));
}

const char *
bosh_log_header_context(struct conn *s)
{
    if (!s->bosh || s->bosh->log_server_opened)
        return NULL;
    s->bosh->log_server_opened = true;
    return s->bosh->log_sid_context[0] ? s->bosh->log_sid_context : NULL;
}
