/* analyze: input → per-connection framers → phase → login → report, one element at a time. */
#include <config.h>
#include "analyze.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ejlog.h"
#include "login.h"
#include "source.h"
#include "xalloc.h"

#define READ_CHUNK (256 * 1024)
/* Finished connections remembered so that their late log lines are not a new session. */
#define TOMBSTONES 4096

/* One client connection as keyed in a log (the c2s pid). */
struct conn {
    char *key;
    struct login *login;
    struct framer *framer[2]; /* [0] client → server, [1] server → client */
    char *transport;          /* last socket tag seen: tcp, tls, … */
    bool terminated;          /* the log says the c2s process ended */
    bool saw_xml;             /* any XML line (debug-level log) */
    struct conn *next_open;   /* open list, in session id order */
    struct conn *prev_open;
};

struct analyzer {
    struct analyze_options opt;
    struct report_writer *writer;
    struct summary *summary;
    unsigned next_id;
    /* open connections: a hash table for lookup plus a list in id order */
    struct conn **table;
    size_t table_cap, nopen;
    struct conn *open_head, *open_tail;
    char *tombstone[TOMBSTONES];
    size_t tomb_next;
    const char *input_path;
    usec_t last_time;  /* latest event time over all inputs */
};

static uint64_t
hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct conn **
table_slot(struct analyzer *a, const char *key)
{
    size_t mask = a->table_cap - 1;
    size_t i = (size_t)hash_key(key) & mask;
    while (a->table[i] && strcmp(a->table[i]->key, key) != 0)
        i = (i + 1) & mask;
    return &a->table[i];
}

static void
table_grow(struct analyzer *a)
{
    size_t old_cap = a->table_cap;
    struct conn **old = a->table;
    a->table_cap = old_cap ? old_cap * 2 : 256;
    a->table = xcalloc(a->table_cap, sizeof *a->table);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            *table_slot(a, old[i]->key) = old[i];
    free(old);
}

static void
table_remove(struct analyzer *a, struct conn *c)
{
    /* linear probing: re-insert the cluster after the removed slot */
    size_t mask = a->table_cap - 1;
    size_t i = (size_t)(table_slot(a, c->key) - a->table);
    a->table[i] = NULL;
    for (size_t j = (i + 1) & mask; a->table[j]; j = (j + 1) & mask) {
        struct conn *moved = a->table[j];
        a->table[j] = NULL;
        *table_slot(a, moved->key) = moved;
    }
}

static bool
is_tombstone(const struct analyzer *a, const char *key)
{
    for (size_t i = 0; i < TOMBSTONES; i++)
        if (a->tombstone[i] && strcmp(a->tombstone[i], key) == 0)
            return true;
    return false;
}

static void
clear_tombstone(struct analyzer *a, const char *key)
{
    for (size_t i = 0; i < TOMBSTONES; i++)
        if (a->tombstone[i] && strcmp(a->tombstone[i], key) == 0) {
            free(a->tombstone[i]);
            a->tombstone[i] = NULL;
        }
}

static struct conn *
conn_find(struct analyzer *a, const char *key)
{
    if (!a->table_cap)
        return NULL;
    return *table_slot(a, key);
}

static struct conn *
conn_new(struct analyzer *a, const char *key, long line)
{
    if ((a->nopen + 1) * 2 > a->table_cap)
        table_grow(a);
    struct conn *c = xcalloc(1, sizeof *c);
    c->key = xstrdup(key);
    struct login_options lo = {.show_secrets = a->opt.show_secrets, .from_log = true};
    c->login = login_new(&lo);
    c->framer[0] = framer_new("client", &a->opt.limits);
    c->framer[1] = framer_new("server", &a->opt.limits);
    struct session *s = login_session(c->login);
    s->id = ++a->next_id;
    s->input = xstrdup(a->input_path);
    s->has_log = true;
    s->log_pid = xstrdup(key);
    s->first_line = s->last_line = line;
    *table_slot(a, key) = c;
    a->nopen++;
    c->prev_open = a->open_tail;
    if (a->open_tail)
        a->open_tail->next_open = c;
    else
        a->open_head = c;
    a->open_tail = c;
    return c;
}

/* Case-sensitive match of the session's client address against --client. */
static bool
client_matches(const char *filter, const char *endpoint)
{
    if (!filter)
        return true;
    if (!endpoint)
        return false;
    const char *ip = endpoint[0] == '[' ? endpoint + 1 : endpoint;
    size_t n = strlen(filter);
    return strncmp(ip, filter, n) == 0 && (ip[n] == ':' || ip[n] == ']');
}

static bool
keep_session(const struct analyzer *a, const struct session *s)
{
    if (s->nphases == 0)
        return false; /* an accepted connection that never spoke XMPP (HTTP listeners) */
    if (a->opt.user && (!s->user || strcmp(s->user, a->opt.user) != 0))
        return false;
    return client_matches(a->opt.client, s->client);
}

static void
conn_finish(struct analyzer *a, struct conn *c, enum login_end how, usec_t t)
{
    for (int d = 0; d < 2; d++) {
        struct frame fr;
        framer_finish(c->framer[d]);
        while (framer_next(c->framer[d], &fr))
            login_frame(c->login, d ? 'S' : 'C', t, &fr);
    }
    if (!c->saw_xml)
        login_no_xml(c->login);
    struct session *s = login_finish(c->login, how, t);
    if (keep_session(a, s)) {
        summary_add(a->summary, s);
        report_session(a->writer, s);
    } else {
        session_clear(s);
        free(s);
    }
    table_remove(a, c);
    a->nopen--;
    if (c->prev_open)
        c->prev_open->next_open = c->next_open;
    else
        a->open_head = c->next_open;
    if (c->next_open)
        c->next_open->prev_open = c->prev_open;
    else
        a->open_tail = c->prev_open;
    free(a->tombstone[a->tomb_next]);
    a->tombstone[a->tomb_next] = xstrdup(c->key);
    a->tomb_next = (a->tomb_next + 1) % TOMBSTONES;
    login_free(c->login);
    framer_free(c->framer[0]);
    framer_free(c->framer[1]);
    free(c->transport);
    free(c->key);
    free(c);
}

static void
finish_all(struct analyzer *a, enum login_end how, usec_t t)
{
    while (a->open_head) {
        struct conn *c = a->open_head;
        usec_t end = login_session(c->login)->end;
        conn_finish(a, c, how, end > t ? end : t);
    }
}

static enum transport
transport_of_tag(const char *tag)
{
    if (strcmp(tag, "http_bind") == 0)
        return TRANSPORT_BOSH;
    if (strcmp(tag, "websocket") == 0)
        return TRANSPORT_WEBSOCKET;
    if (strncmp(tag, "tls", 3) == 0)
        return TRANSPORT_TLS;
    return TRANSPORT_TCP;
}

/* The socket tag of a c2s line: the first one fixes the transport; tcp → tls is STARTTLS done. */
static void
note_transport(struct conn *c, const char *tag, usec_t t)
{
    if (!tag)
        return;
    struct session *s = login_session(c->login);
    if (!c->transport) {
        s->transport = transport_of_tag(tag);
        if (s->transport == TRANSPORT_TLS)
            login_pseudo(c->login, EV_TLS_ESTABLISHED, t, "direct TLS (socket tagged tls from the start)");
    } else if (strncmp(c->transport, "tcp", 3) == 0 && strncmp(tag, "tls", 3) == 0) {
        login_pseudo(c->login, EV_TLS_ESTABLISHED, t, "socket tag switched from tcp to tls");
    }
    if (!c->transport || strcmp(c->transport, tag) != 0) {
        free(c->transport);
        c->transport = xstrdup(tag);
    }
}

static void
drain(struct conn *c, int d, usec_t t, bool *server_closed)
{
    struct frame fr;
    while (framer_next(c->framer[d], &fr)) {
        login_frame(c->login, d ? 'S' : 'C', t, &fr);
        if (d == 1 && fr.kind == FRAME_STREAM_CLOSE)
            *server_closed = true;
    }
}

static void
on_log_event(struct analyzer *a, const struct ejlog_event *ev, struct input_info *info)
{
    if (ev->kind == EJ_PROBLEM) {
        input_info_add_error(info, ev->message, ev->line, 0, -1);
        return;
    }
    if (ev->kind == EJ_RUN_START) {
        /* the node restarted: every c2s of the old run is gone and pids start over */
        finish_all(a, LOGIN_END_CLOSED, ev->time);
        for (size_t i = 0; i < TOMBSTONES; i++) {
            free(a->tombstone[i]);
            a->tombstone[i] = NULL;
        }
        return;
    }
    if (!ev->pid)
        return;
    struct conn *c = conn_find(a, ev->pid);
    if (c && ev->kind == EJ_ACCEPT && login_session(c->login)->client) {
        /* a second accept for an open pid: the node restarted without a banner in this log */
        conn_finish(a, c, LOGIN_END_INPUT_END, ev->time);
        c = NULL;
    }
    if (!c) {
        if (ev->kind == EJ_ACCEPT)
            clear_tombstone(a, ev->pid); /* a reused pid is a new connection */
        else if (ev->kind == EJ_TERMINATED || ev->kind == EJ_CLOSING || is_tombstone(a, ev->pid))
            return; /* the tail of a connection already reported */
        c = conn_new(a, ev->pid, ev->line);
    }
    struct session *s = login_session(c->login);
    s->last_line = ev->last_line;
    switch (ev->kind) {
    case EJ_ACCEPT:
        free(s->client);
        free(s->server);
        s->client = xstrdup(ev->client);
        s->server = xstrdup(ev->server);
        login_connected(c->login, ev->time);
        break;
    case EJ_XML: {
        c->saw_xml = true;
        note_transport(c, ev->transport, ev->time);
        int d = ev->dir == 'S';
        bool server_closed = false;
        if (ev->truncated) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s payload cut by the logger; %s stream resynchronised",
                     ev->dir == 'C' ? "received" : "sent", d ? "server" : "client");
            input_info_add_error(info, msg, ev->line, 0, -1);
            framer_gap(c->framer[d]);
            login_pseudo(c->login, EV_GAP, ev->time, msg);
        } else {
            framer_feed(c->framer[d], ev->data, ev->len);
        }
        drain(c, d, ev->time, &server_closed);
        /* ejabberd closes the socket right after its own </stream:stream> once the c2s ended */
        if ((server_closed && c->terminated) || login_stream_over(c->login))
            conn_finish(a, c, LOGIN_END_CLOSED, ev->time);
        break;
    }
    case EJ_AUTH:
        /* not note_transport(): at info level the first tag seen may already be tls after STARTTLS */
        login_log_auth(c->login, ev->time, ev->ok, ev->mech, ev->user, ev->reason);
        break;
    case EJ_SESSION_OPEN:
        break;
    case EJ_CLOSING:
    case EJ_TERMINATED:
        c->terminated = true;
        break;
    case EJ_RUN_START:
    case EJ_PROBLEM:
        break;
    }
}

/* Reads one log input into the shared connection table; sessions stay open for the next file. */
static void
run_log(struct analyzer *a, struct source *src, const char *head, size_t head_len,
        struct input_info *info)
{
    struct ejlog *r = ejlog_new();
    struct ejlog_event ev;
    char *chunk = xmalloc(READ_CHUNK);
    char errbuf[256];
    ejlog_feed(r, head, head_len);
    for (;;) {
        while (ejlog_next(r, &ev)) {
            if (ev.time > a->last_time)
                a->last_time = ev.time;
            on_log_event(a, &ev, info);
        }
        ssize_t n = source_read(src, chunk, READ_CHUNK, errbuf, sizeof errbuf);
        if (n < 0) {
            char msg[320];
            snprintf(msg, sizeof msg, "read stopped: %s", errbuf);
            input_info_add_error(info, msg, ejlog_lines(r) + 1, 0, -1);
            break;
        }
        if (n == 0)
            break;
        ejlog_feed(r, chunk, (size_t)n);
    }
    ejlog_finish(r);
    while (ejlog_next(r, &ev)) {
        if (ev.time > a->last_time)
            a->last_time = ev.time;
        on_log_event(a, &ev, info);
    }
    info->count = ejlog_lines(r);
    ejlog_free(r);
    free(chunk);
}

struct analyzer *
analyzer_new(const struct analyze_options *opt, struct report_writer *w, struct summary *sm)
{
    struct analyzer *a = xcalloc(1, sizeof *a);
    a->opt = *opt;
    a->writer = w;
    a->summary = sm;
    return a;
}

void
analyzer_free(struct analyzer *a)
{
    if (!a)
        return;
    finish_all(a, LOGIN_END_INPUT_END, 0);
    for (size_t i = 0; i < TOMBSTONES; i++)
        free(a->tombstone[i]);
    free(a->table);
    free(a);
}

/* An input opened and recognised, waiting for its turn. */
struct pending_input {
    size_t index;       /* in the command line */
    struct source *src;
    char *head;         /* the first bytes, already read for detection */
    size_t head_len;
    enum input_type type;
    usec_t first_time;  /* logs: time of the first record */
};

/* Opens |path|, reads enough to recognise it; false (with the reason in |info|) when unusable. */
static bool
open_input(struct analyzer *a, const char *path, struct input_info *info, struct pending_input *in)
{
    char errbuf[256];
    info->path = xstrdup(path);
    info->size_bytes = -1;
    in->src = source_open(path, errbuf, sizeof errbuf);
    if (!in->src) {
        input_info_add_error(info, errbuf, 0, 0, -1);
        return false;
    }
    /* up to the first complete line (a pipe may deliver it slowly) or 4 KiB */
    in->head = xmalloc(READ_CHUNK);
    bool read_failed = false;
    while (in->head_len < 4096 && !memchr(in->head, '\n', in->head_len)) {
        ssize_t n = source_read(in->src, in->head + in->head_len, READ_CHUNK - in->head_len,
                                errbuf, sizeof errbuf);
        if (n < 0) {
            read_failed = true;
            break;
        }
        if (n == 0)
            break;
        in->head_len += (size_t)n;
    }
    in->type = a->opt.forced != INPUT_UNKNOWN ? a->opt.forced
                                              : source_detect(in->head, in->head_len);
    const char *why = NULL;
    if (read_failed && in->head_len == 0)
        why = errbuf;
    else if (in->head_len == 0)
        why = "empty input: neither an ejabberd log nor a capture";
    else if (in->type == INPUT_PCAP || in->type == INPUT_PCAPNG)
        why = "capture input is not supported by this version yet";
    else if (in->type != INPUT_EJLOG)
        why = "not an ejabberd log or a pcap/pcapng capture";
    if (why) {
        info->type = in->type == INPUT_EJLOG ? INPUT_UNKNOWN : in->type;
        info->size_bytes = source_raw_bytes(in->src);
        input_info_add_error(info, why, 0, 0, -1);
        return false;
    }
    info->type = in->type;
    if (read_failed) {
        char msg[320];
        snprintf(msg, sizeof msg, "read stopped: %s", errbuf);
        input_info_add_error(info, msg, 0, 0, (long long)in->head_len);
    }
    /* the first record's time orders rotated files */
    in->first_time = INT64_MAX;
    size_t i = 0;
    while (i < in->head_len) {
        const char *p = in->head + i;
        const char *nl = memchr(p, '\n', in->head_len - i);
        size_t len = nl ? (size_t)(nl - p) : in->head_len - i;
        usec_t t;
        if (ejlog_record_time(p, len, &t)) {
            in->first_time = t;
            break;
        }
        if (!nl)
            break;
        i += len + 1;
    }
    return true;
}

static void
close_input(struct pending_input *in)
{
    source_close(in->src);
    free(in->head);
    in->src = NULL;
    in->head = NULL;
}

static int
by_first_time(const void *x, const void *y)
{
    const struct pending_input *a = x, *b = y;
    if (a->first_time != b->first_time)
        return a->first_time < b->first_time ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

size_t
analyzer_run(struct analyzer *a, char *const *paths, size_t n, struct input_info *infos)
{
    size_t failed = 0, nready = 0;
    struct pending_input *ready = xcalloc(n ? n : 1, sizeof *ready);
    for (size_t i = 0; i < n; i++) {
        memset(&infos[i], 0, sizeof infos[i]);
        struct pending_input in = {.index = i};
        if (!open_input(a, paths[i], &infos[i], &in)) {
            failed++;
            close_input(&in);
            continue;
        }
        /* batch runs pass thousands of files: reopen each in turn, except standard input */
        if (strcmp(paths[i], "-") != 0)
            close_input(&in);
        ready[nready++] = in;
    }
    qsort(ready, nready, sizeof *ready, by_first_time);
    for (size_t k = 0; k < nready; k++) {
        struct pending_input *in = &ready[k];
        struct input_info *info = &infos[in->index];
        a->input_path = paths[in->index];
        if (!in->src) {
            char errbuf[256];
            in->src = source_open(paths[in->index], errbuf, sizeof errbuf);
            in->head_len = 0;
            if (!in->src) {
                char msg[320];
                snprintf(msg, sizeof msg, "cannot reopen: %s", errbuf);
                input_info_add_error(info, msg, 0, 0, -1);
                continue;
            }
        }
        run_log(a, in->src, in->head ? in->head : "", in->head_len, info);
        info->size_bytes = source_raw_bytes(in->src);
        close_input(in);
    }
    finish_all(a, LOGIN_END_INPUT_END, a->last_time);
    free(ready);
    return failed;
}
