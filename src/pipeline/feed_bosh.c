/* feed_bosh: BOSH sessions from the HTTP messages of their TCP connections (see the header). */
#include <config.h>
#include "feed_bosh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bosh.h"
#include "http.h"
#include "phase.h"
#include "xalloc.h"

/*
 * Requests a TCP connection may have waiting for their answers: BOSH allows
 * `requests` (2 with ejabberd) at a time; past this the oldest is dropped.
 */
#define PENDING_MAX 8

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
    bool client_closed, server_closed; /* type='terminate' from each side */
};

static void
pending_clear(struct pending *p)
{
    stanza_free(p->create);
    free(p->session);
    memset(p, 0, sizeof *p);
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

/*
 * The frame the carrier's framer makes of one HTTP body in direction |d|:
 * one <body/> (NULL when the body is something else). The tree lives until
 * the framer's next frame.
 */
static const struct stanza *
read_body(struct conn *c, int d, const struct http_message *m, bool *malformed)
{
    *malformed = false;
    if (!m->body_len)
        return NULL;
    framer_feed(c->framer[d], (const char *)m->body, m->body_len);
    const struct stanza *body = NULL;
    struct frame fr;
    while (framer_next(c->framer[d], &fr)) {
        if (fr.kind == FRAME_ELEMENT && bosh_is_body(fr.el) && !body)
            body = fr.el; /* the last frame of the body: the framer keeps it */
        else if (fr.kind == FRAME_ERROR || fr.kind == FRAME_OVERSIZE)
            *malformed = true;
    }
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

/* The BOSH session |sid| of carrier |c|: found, or made (picked up mid-session when |midstream|). */
static struct conn *
session_of(struct analyzer *a, struct conn *c, const char *sid, usec_t t, bool midstream)
{
    char key[320];
    session_key(c, sid, key, sizeof key);
    struct conn *bs = conn_find(a, key);
    if (!bs) {
        bs = conn_new(a, key, 0);
        bs->bosh = xcalloc(1, sizeof *bs->bosh);
        bs->release = release;
        struct session *s = login_session(bs->login);
        const struct session *tcp = login_session(c->login);
        s->transport = TRANSPORT_BOSH;
        s->client = tcp->client ? xstrdup(tcp->client) : NULL;
        s->server = tcp->server ? xstrdup(tcp->server) : NULL;
        login_connected(bs->login, t);
        if (midstream)
            login_midstream(bs->login, t, "BOSH session picked up after its creation");
    }
    note_carrier(bs, c);
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

/* |session| ends once both sides sent type='terminate'. */
static void
maybe_end(struct analyzer *a, struct conn *session, usec_t t)
{
    if (session->bosh->client_closed && session->bosh->server_closed)
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

static void
request(struct analyzer *a, struct conn *c, const struct http_message *m)
{
    bool malformed;
    const struct stanza *el = read_body(c, 0, m, &malformed);
    if (!el)
        return; /* not BOSH: another HTTP client of this server */
    struct bosh_carrier *k = carrier_of(c);
    struct bosh_body b;
    bosh_read_body(el, &b);
    struct pending p = {.number = m->number, .time = m->first, .restart = b.restart};
    if (!b.sid) {
        p.create = stanza_dup(el); /* waits for the answer that names the session */
        add_pending(k, &p);
        return;
    }
    struct conn *s = session_of(a, c, b.sid, m->first, true);
    p.session = xstrdup(s->key);
    add_pending(k, &p);
    struct wrapper w;
    const char *context = wrapper_of(&w, 'C', &b);
    if (b.restart)
        deliver_header(s, 'C', m->first, &b);
    deliver_children(s, 'C', m->first, el, context);
    if (b.terminate) {
        deliver(s, 'C', m->first, FRAME_STREAM_CLOSE, NULL, context);
        s->bosh->client_closed = true;
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
    bool malformed;
    const struct stanza *el = read_body(c, 1, m, &malformed);
    struct bosh_body b;
    if (el)
        bosh_read_body(el, &b);
    struct conn *s = p.session ? conn_find(a, p.session) : NULL;
    if (p.create) {
        struct bosh_body cb;
        bosh_read_body(p.create, &cb);
        if (!el || !b.sid) {
            pending_clear(&p);
            return; /* no session made: nothing to tell it to */
        }
        s = session_of(a, c, b.sid, p.time, false);
        struct wrapper cw;
        deliver_header(s, 'C', p.time, &cb);
        deliver_children(s, 'C', p.time, p.create, wrapper_of(&cw, 'C', &cb));
        deliver_header(s, 'S', m->first, &b);
    } else if (!s) {
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
    pending_clear(&p);
    maybe_end(a, s, m->first);
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
