/* log_link: receiver ↔ c2s ↔ socket links of logs up to 17.01 (log_link.h). */
#include <config.h>
#include "log_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash_bytes.h"
#include "logkey.h"
#include "xalloc.h"

/* How long after a receiver's first line an accept line may still be its own. */
#define ORPHAN_USEC 1000000
/*
 * Links are kept in two generations of at most this many entries each (about
 * 3 per connection, 100 bytes each): an entry used again moves to the current
 * one, a generation not used while the next filled up is forgotten. A log of
 * millions of connections between two start banners stays within the memory
 * bound; a connection silent while some 20000 others began loses its links
 * (its next lines are a connection of their own).
 */
#define GENERATION 65536

/* One pid or port seen: what connection it belongs to. */
struct entry {
    char *name;       /* "<0.812.0>" or "#Port<0.5530>" */
    char *key;        /* the connection's key (pids); NULL: the port's accept is unclaimed */
    char *recv;       /* the receiver's pid; NULL: not known */
    bool receiver;    /* this pid is a receiver */
    bool c2s_known;   /* a receiver whose c2s is linked */
    bool certain;     /* the link came from a socket_state */
    unsigned gen;
    /* a port: its accept line, kept back until its connection's first line */
    char *client, *server;
    usec_t time;
    long line, last_line;
    struct entry *next;
};

struct table {
    struct entry **bucket;
    size_t nbucket, n;
};

struct log_link {
    struct table cur, prev;
    unsigned gen;
    struct entry *last_accept; /* the latest accept not claimed yet */
    /* the latest receiver whose first line found no accept, and that line's time */
    struct entry *orphan;
    usec_t orphan_time;
};

struct log_link *
log_link_new(void)
{
    return xcalloc(1, sizeof(struct log_link));
}

static void
free_table(struct table *t)
{
    for (size_t i = 0; i < t->nbucket; i++)
        for (struct entry *e = t->bucket[i], *next; e; e = next) {
            next = e->next;
            free(e->name);
            free(e->key);
            free(e->recv);
            free(e->client);
            free(e->server);
            free(e);
        }
    free(t->bucket);
    memset(t, 0, sizeof *t);
}

static void
free_entries(struct log_link *l)
{
    free_table(&l->cur);
    free_table(&l->prev);
    l->last_accept = NULL;
    l->orphan = NULL;
}

void
log_link_free(struct log_link *l)
{
    if (!l)
        return;
    free_entries(l);
    free(l);
}

void
log_link_reset(struct log_link *l)
{
    if (l)
        free_entries(l);
}

static size_t
slot(const struct table *t, const char *name)
{
    return hash_bytes(name, strlen(name)) & (t->nbucket - 1);
}

static void
insert(struct table *t, struct entry *e)
{
    if (t->n >= t->nbucket) {
        size_t nb = t->nbucket ? t->nbucket * 2 : 64;
        struct entry **b = xcalloc(nb, sizeof *b);
        for (size_t i = 0; i < t->nbucket; i++)
            for (struct entry *x = t->bucket[i], *next; x; x = next) {
                next = x->next;
                size_t h = hash_bytes(x->name, strlen(x->name)) & (nb - 1);
                x->next = b[h];
                b[h] = x;
            }
        free(t->bucket);
        t->bucket = b;
        t->nbucket = nb;
    }
    size_t h = slot(t, e->name);
    e->next = t->bucket[h];
    t->bucket[h] = e;
    t->n++;
}

/* The entry of |name| in |t|, taken out of it when |take|. */
static struct entry *
lookup(struct table *t, const char *name, bool take)
{
    if (!t->nbucket)
        return NULL;
    for (struct entry **pp = &t->bucket[slot(t, name)]; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->name, name) == 0) {
            struct entry *e = *pp;
            if (take) {
                *pp = e->next;
                t->n--;
            }
            return e;
        }
    return NULL;
}

static struct entry *
find(struct log_link *l, const char *name)
{
    struct entry *e = lookup(&l->cur, name, false);
    if (e || !(e = lookup(&l->prev, name, true)))
        return e;
    e->gen = l->gen; /* used again: it lives on */
    insert(&l->cur, e);
    return e;
}

static struct entry *
add(struct log_link *l, const char *name)
{
    struct entry *e = find(l, name);
    if (e)
        return e;
    if (l->cur.n >= GENERATION) {
        /* the older generation goes; what points into it is forgotten */
        free_table(&l->prev);
        l->prev = l->cur;
        memset(&l->cur, 0, sizeof l->cur);
        l->gen++;
        /* the accept waiting for its receiver and the receiver waiting for its accept live on */
        struct entry *keep[] = {l->last_accept, l->orphan};
        for (size_t i = 0; i < 2; i++)
            if (keep[i] && lookup(&l->prev, keep[i]->name, true)) {
                keep[i]->gen = l->gen;
                insert(&l->cur, keep[i]);
            }
    }
    e = xcalloc(1, sizeof *e);
    e->name = xstrdup(name);
    e->gen = l->gen;
    insert(&l->cur, e);
    return e;
}

/* |*to| = a copy of |v|. */
static void
set_str(char **to, const char *v)
{
    if (*to && strcmp(*to, v) == 0)
        return;
    free(*to);
    *to = xstrdup(v);
}

static void
set_key(struct entry *e, const char *key)
{
    if (e->key && strcmp(e->key, key) == 0)
        return;
    free(e->key);
    e->key = xstrdup(key);
}

/*
 * "<A.B.C>" → "<A.B+d.C>" (the process number) in |out|, with the key's set
 * and run after it (logkey.h); false when |pid| is no pid.
 */
static bool
pid_plus(const char *pid, int d, char *out, size_t cap)
{
    unsigned a, c;
    long b;
    char end;
    if (sscanf(pid, "<%u.%ld.%u%c", &a, &b, &c, &end) != 4 || end != '>' || b + d < 0)
        return false;
    snprintf(out, cap, "<%u.%ld.%u>%s", a, b + d, c, pid + logkey_pid_len(pid));
    return true;
}

/* The accept of |port| (or the latest unclaimed one when |port| is NULL) goes to connection |key|. */
static bool
claim_accept(struct log_link *l, const char *port, const char *key, struct ejlog_event *accept)
{
    struct entry *p = port ? find(l, port) : l->last_accept;
    if (!p || p->key || !p->line)
        return false;
    set_key(p, key);
    if (l->last_accept == p)
        l->last_accept = NULL;
    *accept = (struct ejlog_event){
        .kind = EJ_ACCEPT, .time = p->time, .line = p->line, .last_line = p->last_line,
        .pid = p->key, .port = p->name, .client = p->client, .server = p->server,
    };
    return true;
}

/* An accept line naming only its socket: kept back. */
static void
keep_accept(struct log_link *l, const struct ejlog_event *ev)
{
    struct entry *p = add(l, ev->port);
    free(p->key);
    p->key = NULL; /* a port number reused within the epoch is a new socket */
    free(p->client);
    free(p->server);
    p->client = xstrdup(ev->client); /* NULL: not an address (a redaction) */
    p->server = xstrdup(ev->server);
    p->time = ev->time;
    p->line = ev->line > 0 ? ev->line : 1;
    p->last_line = ev->last_line;
    l->last_accept = p;
}

bool
log_link_event(struct log_link *l, const struct ejlog_event *ev, struct ejlog_event *out,
               struct ejlog_event *accept, bool *has_accept, struct log_link_info *info)
{
    *out = *ev;
    *has_accept = false;
    memset(info, 0, sizeof *info);
    if (ev->kind == EJ_ACCEPT && ev->port && !ev->pid) {
        keep_accept(l, ev);
        /*
         * Written after the receiver's first line (the listener's line lost the race,
         * as from 17.03 on, or a log that was reordered): the receiver that just
         * started without one takes it, provisionally, if it is that recent.
         */
        /* written late, its time is not later than the receiver's first line: else it is the
         * next connection's (up to 17.01 the accept line comes first) */
        if (!l->orphan || ev->time > l->orphan_time || l->orphan_time - ev->time > ORPHAN_USEC)
            return false;
        claim_accept(l, NULL, l->orphan->key, out);
        info->receiver = l->orphan->name;
        info->provisional = true;
        l->orphan = NULL;
        return true;
    }
    if (!ev->pid)
        return true;
    char near[LOGKEY_MAX];
    if (ev->receiver && strncmp(ev->receiver, ev->pid, logkey_pid_len(ev->pid)) != 0) {
        /* a socket_state: C (the logging pid) and its receiver R, certain; R keyed in C's set and run */
        snprintf(near, sizeof near, "%.60s%s", ev->receiver, ev->pid + logkey_pid_len(ev->pid));
        struct entry *r = add(l, near);
        r->receiver = r->c2s_known = r->certain = true;
        set_str(&r->recv, r->name);
        if (!r->key) /* a connection keyed by its c2s (its Send came first) keeps that key */
            set_key(r, near);
        struct entry *c = add(l, ev->pid);
        set_key(c, r->key);
        c->certain = true;
        set_str(&c->recv, r->name);
        out->pid = r->key;
        if (ev->port)
            *has_accept = claim_accept(l, ev->port, r->key, accept);
        info->receiver = r->name;
        info->c2s = c->name;
        return true;
    }
    struct entry *e = find(l, ev->pid);
    if (e && e->key) {
        out->pid = e->key;
        if (e->recv && (!e->receiver || e->c2s_known)) {
            /* a receiver alone is no link yet (from 17.03 its c2s's lines name it: nothing to join) */
            info->receiver = e->recv;
            info->c2s = e->receiver ? NULL : e->name;
            info->provisional = !e->certain;
        }
        return true;
    }
    if (ev->kind != EJ_XML || ev->transport)
        return true; /* a line of a later era, or one that names its own key */
    if (ev->dir == 'C') {
        /* a receiver's first line: its connection starts; its c2s is normally R+1 */
        struct entry *r = add(l, ev->pid);
        r->receiver = true;
        set_str(&r->recv, r->name);
        set_key(r, ev->pid);
        out->pid = r->key;
        *has_accept = claim_accept(l, NULL, r->key, accept);
        l->orphan = *has_accept ? NULL : r;
        l->orphan_time = ev->time;
        if (pid_plus(ev->pid, 1, near, sizeof near) && !find(l, near)) {
            struct entry *c = add(l, near);
            set_key(c, r->key);
            set_str(&c->recv, r->name);
        }
        return true;
    }
    /* a c2s's Send before any link: R is normally C-1 */
    struct entry *r = pid_plus(ev->pid, -1, near, sizeof near) ? find(l, near) : NULL;
    if (r && r->receiver && !r->c2s_known) {
        r->c2s_known = true;
        struct entry *c = add(l, ev->pid);
        set_key(c, r->key);
        set_str(&c->recv, r->name);
        out->pid = r->key;
        info->receiver = r->name;
        info->c2s = c->name;
        info->provisional = true;
    } else if (!r) {
        /* the c2s logs first (the log starts after the connection did): its key is C, and
         * a receiver C-1 that shows up later joins it */
        struct entry *c = add(l, ev->pid);
        set_key(c, ev->pid);
        if (pid_plus(ev->pid, -1, near, sizeof near)) {
            r = add(l, near);
            r->receiver = r->c2s_known = true;
            set_str(&r->recv, r->name);
            set_key(r, c->key);
            set_str(&c->recv, r->name);
        }
    }
    return true;
}

/* |*to| = the pid of |key| (without its set and run); NULL: none. */
static void
set_pid(char **to, const char *key)
{
    size_t n = key ? logkey_pid_len(key) : 0;
    if (key && *to && strlen(*to) == n && memcmp(*to, key, n) == 0)
        return;
    free(*to);
    *to = key ? xstrndup(key, n) : NULL;
}

void
log_link_mark(const struct log_link_info *info, struct session *s)
{
    if (!info->receiver)
        return;
    if (!s->log_receiver)
        set_pid(&s->log_receiver, info->receiver);
    if (info->c2s)
        set_pid(&s->log_pid, info->c2s);
    else if (s->log_pid && strcmp(s->log_pid, s->log_receiver) == 0)
        set_pid(&s->log_pid, NULL); /* the key is the receiver: no c2s known yet */
    /* once certain, it stays so: a Send read before the socket_state does not undo it */
    if (!info->provisional)
        s->log_link = "certain";
    else if (!s->log_link)
        s->log_link = "provisional";
}
