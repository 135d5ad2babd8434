/* http_handlers: the last BOSH body of each HTTP handler of a log (see the header). */
#include <config.h>
#include "http_handlers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* How long before its Accepted line a handler's first body may be logged (17.03+ order). */
#define ACCEPT_LATE (1000 * 1000)

struct handler {
    char pid[32];          /* "" : a free slot */
    char client[64], server[64];
    bool known;            /* the endpoints come from its Accepted line */
    enum tri tls;          /* http_handlers_query(), or guessed from the port (tls_guessed) */
    bool tls_guessed;
    usec_t tls_time;       /* of its last http query line (0: none) */
    char ws[32];           /* the WebSocket process it started ("": none) */
    uint64_t used;         /* when it was last active (the least is forgotten first) */
    bool waiting;          /* a body waits for its Got request */
    struct handler_body body;
};

struct held {
    char pid[32];          /* "": free */
    size_t n;
    struct ejlog_event ev[HELD_LINES]; /* their strings are copies */
};

struct http_handlers {
    struct handler slot[HANDLERS_MAX];
    uint64_t clock;
    struct held held[HELD_PROCESSES];
};

/* The strings http_handlers_hold() copied. */
static void
free_strings(struct ejlog_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)ev[i].pid);
        free((char *)ev[i].transport);
        free((char *)ev[i].data);
    }
}

struct http_handlers *
http_handlers_new(void)
{
    return xcalloc(1, sizeof(struct http_handlers));
}

static void
drop_body(struct handler *e)
{
    free(e->body.data);
    memset(&e->body, 0, sizeof e->body);
    e->waiting = false;
}

void
http_handlers_free(struct http_handlers *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < HANDLERS_MAX; i++)
        drop_body(&h->slot[i]);
    for (size_t i = 0; i < HELD_PROCESSES; i++)
        free_strings(h->held[i].ev, h->held[i].n);
    free(h);
}

static struct handler *
find(struct http_handlers *h, const char *pid)
{
    for (size_t i = 0; i < HANDLERS_MAX; i++)
        if (h->slot[i].pid[0] && strcmp(h->slot[i].pid, pid) == 0)
            return &h->slot[i];
    return NULL;
}

/* |pid|'s entry: found, or made in a free slot or in place of the least recently active. */
static struct handler *
entry(struct http_handlers *h, const char *pid)
{
    struct handler *e = find(h, pid);
    if (!e) {
        e = &h->slot[0];
        for (size_t i = 1; i < HANDLERS_MAX && e->pid[0]; i++)
            if (!h->slot[i].pid[0] || h->slot[i].used < e->used)
                e = &h->slot[i];
        drop_body(e);
        memset(e, 0, sizeof *e);
        snprintf(e->pid, sizeof e->pid, "%s", pid);
    }
    e->used = ++h->clock;
    return e;
}

void
http_handlers_accept(struct http_handlers *h, const char *pid, const char *client,
                     const char *server, usec_t t, enum tri port_tls)
{
    if (!pid)
        return;
    struct handler *e = entry(h, pid);
    /*
     * A reused pid: what the old connection logged is not this one's. But
     * since 17.03 the listener logs the accept after the handler has started,
     * so a body logged just before it is this connection's first request.
     */
    if (!e->waiting || !t || e->body.time + ACCEPT_LATE < t)
        drop_body(e);
    snprintf(e->client, sizeof e->client, "%s", client ? client : "");
    snprintf(e->server, sizeof e->server, "%s", server ? server : "");
    e->known = client && server;
    /* the same for its TLS: an http query just before is of this connection */
    if (!e->tls_time || !t || e->tls_time + ACCEPT_LATE < t) {
        e->tls = port_tls;
        e->tls_guessed = port_tls != TRI_NULL;
        e->tls_time = 0;
    }
    e->ws[0] = '\0';
}

void
http_handlers_query(struct http_handlers *h, const char *pid, bool tls, usec_t t)
{
    if (!pid)
        return;
    struct handler *e = entry(h, pid);
    e->tls = tls ? TRI_TRUE : TRI_FALSE;
    e->tls_guessed = false;
    e->tls_time = t;
}

static void
conn_of(const struct handler *e, struct handler_conn *out)
{
    out->key = e->pid;
    out->client = e->known ? e->client : NULL;
    out->server = e->known ? e->server : NULL;
    out->tls = e->tls;
    out->tls_guessed = e->tls_guessed;
}

void
http_handlers_websocket(struct http_handlers *h, const char *ws, const char *client)
{
    if (!ws || !client || strlen(ws) >= sizeof h->slot[0].ws)
        return;
    struct handler *best = NULL; /* a client port reused: the latest accept */
    for (size_t i = 0; i < HANDLERS_MAX; i++) {
        struct handler *e = &h->slot[i];
        if (e->pid[0] && e->known && strcmp(e->client, client) == 0 && (!best || e->used > best->used))
            best = e;
    }
    if (best)
        snprintf(best->ws, sizeof best->ws, "%s", ws);
}

bool
http_handlers_of_websocket(struct http_handlers *h, const char *ws, struct handler_conn *out)
{
    for (size_t i = 0; ws && i < HANDLERS_MAX; i++)
        if (h->slot[i].pid[0] && strcmp(h->slot[i].ws, ws) == 0) {
            conn_of(&h->slot[i], out);
            return true;
        }
    return false;
}

/* |endpoint| ("ip:port", "[ip6]:port") has the address |ip| (no brackets). */
static bool
from_ip(const char *endpoint, const char *ip)
{
    const char *colon = strrchr(endpoint, ':');
    if (!colon)
        return false;
    const char *a = endpoint;
    size_t n = (size_t)(colon - a);
    if (n >= 2 && a[0] == '[' && a[n - 1] == ']')
        a++, n -= 2;
    return strlen(ip) == n && memcmp(a, ip, n) == 0;
}

enum tri
http_handlers_guess(struct http_handlers *h, const char *ip, struct handler_conn *out)
{
    enum tri tls = TRI_NULL;
    size_t found = 0;
    bool guessed = false;
    for (size_t i = 0; ip && i < HANDLERS_MAX; i++) {
        const struct handler *e = &h->slot[i];
        if (!e->pid[0] || !e->known || e->tls == TRI_NULL || !from_ip(e->client, ip))
            continue;
        if (found++ && e->tls != tls)
            return TRI_NULL;
        tls = e->tls;
        guessed = guessed || e->tls_guessed;
        conn_of(e, out);
    }
    if (found > 1)
        out->key = out->client = out->server = NULL; /* which one is not known */
    out->tls_guessed = guessed;
    return tls;
}

void
http_handlers_body(struct http_handlers *h, const char *pid, const char *data, size_t len,
                   bool truncated, usec_t t, long line)
{
    if (!pid)
        return;
    struct handler *e = entry(h, pid);
    drop_body(e); /* a body never taken: its Got request is not in the log */
    e->waiting = true;
    e->body.truncated = truncated || !data || len > HANDLER_BODY_MAX;
    if (!e->body.truncated) {
        e->body.data = xmalloc(len + 1);
        memcpy(e->body.data, data, len);
        e->body.data[len] = '\0';
        e->body.len = len;
    }
    e->body.time = t;
    e->body.line = line;
}

bool
http_handlers_take(struct http_handlers *h, const char *pid, struct handler_body *out)
{
    struct handler *e = pid ? find(h, pid) : NULL;
    if (!e || !e->waiting)
        return false;
    e->used = ++h->clock;
    *out = e->body;
    out->client = e->known ? e->client : NULL;
    out->server = e->known ? e->server : NULL;
    out->tls = e->tls;
    out->tls_guessed = e->tls_guessed;
    memset(&e->body, 0, sizeof e->body); /* the data is the caller's now */
    e->waiting = false;
    return true;
}

static struct held *
held_of(const struct http_handlers *h, const char *pid)
{
    for (size_t i = 0; i < HELD_PROCESSES; i++)
        if (h->held[i].pid[0] && (!pid || strcmp(h->held[i].pid, pid) == 0))
            return (struct held *)&h->held[i];
    return NULL;
}

bool
http_handlers_holding(const struct http_handlers *h, const char *pid)
{
    return pid && held_of(h, pid);
}

static char *
copy_or_null(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

bool
http_handlers_hold(struct http_handlers *h, const struct ejlog_event *ev)
{
    if (!ev->pid || strlen(ev->pid) >= sizeof h->held[0].pid)
        return false;
    struct held *k = held_of(h, ev->pid);
    for (size_t i = 0; !k && i < HELD_PROCESSES; i++)
        if (!h->held[i].pid[0]) {
            k = &h->held[i];
            snprintf(k->pid, sizeof k->pid, "%s", ev->pid);
        }
    if (!k || k->n == HELD_LINES)
        return false;
    struct ejlog_event *c = &k->ev[k->n++];
    *c = *ev;
    c->pid = copy_or_null(ev->pid, strlen(ev->pid));
    c->transport = ev->transport ? copy_or_null(ev->transport, strlen(ev->transport)) : NULL;
    c->data = copy_or_null(ev->data, ev->len);
    return true;
}

struct ejlog_event *
http_handlers_release(struct http_handlers *h, const char *pid, size_t *n)
{
    struct held *k = held_of(h, pid);
    *n = 0;
    if (!k)
        return NULL;
    struct ejlog_event *out = xmalloc(k->n * sizeof *out);
    memcpy(out, k->ev, k->n * sizeof *out);
    *n = k->n;
    k->n = 0;
    k->pid[0] = '\0';
    return out;
}

void
http_handlers_free_held(struct ejlog_event *ev, size_t n)
{
    free_strings(ev, n);
    free(ev);
}
