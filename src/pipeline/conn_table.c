/*
 * conn_table: the open connections of a run, found by key, closed when they
 * end, go idle or outgrow the memory budget; a finished connection's session
 * goes to the report and the summary (or, in a -j worker, to the merge).
 * The feeds (feed.h) fill it; it never calls them.
 */
#include <config.h>
#include "conn_table.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "crosscheck.h"
#include "ejlog.h"
#include "hash_bytes.h"
#include "interrupt.h"
#include "logkey.h"
#include "xalloc.h"

/* Every packet's key is hashed (and every log event's). */
uint64_t
hash_key(const char *s)
{
    return hash_bytes(s, strlen(s));
}

/*
 * The open connections: open addressing with linear probing over two
 * parallel arrays, the keys' hashes and the connections, so a probe reads
 * the hash array and touches a connection only when the hash matches.
 */
static size_t
table_index(const struct analyzer *a, const char *key, uint64_t h)
{
    size_t mask = a->table_cap - 1;
    size_t i = (size_t)h & mask;
    while (a->table[i] && (a->table_hash[i] != h || strcmp(a->table[i]->key, key) != 0))
        i = (i + 1) & mask;
    return i;
}

static void
table_put(struct analyzer *a, struct conn *c, uint64_t h)
{
    size_t i = table_index(a, c->key, h);
    a->table[i] = c;
    a->table_hash[i] = h;
}

static void
table_grow(struct analyzer *a)
{
    size_t old_cap = a->table_cap;
    struct conn **old = a->table;
    uint64_t *old_hash = a->table_hash;
    a->table_cap = old_cap ? old_cap * 2 : 256;
    a->table = xcalloc(a->table_cap, sizeof *a->table);
    a->table_hash = xcalloc(a->table_cap, sizeof *a->table_hash);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            table_put(a, old[i], old_hash[i]);
    free(old);
    free(old_hash);
}

static void
table_remove(struct analyzer *a, struct conn *c)
{
    if (c->flow_slot >= 0 && a->flows[c->flow_slot].c == c)
        a->flows[c->flow_slot].c = NULL;
    /* linear probing: re-insert the cluster after the removed slot */
    size_t mask = a->table_cap - 1;
    size_t i = table_index(a, c->key, hash_key(c->key));
    a->table[i] = NULL;
    for (size_t j = (i + 1) & mask; a->table[j]; j = (j + 1) & mask) {
        struct conn *moved = a->table[j];
        uint64_t h = a->table_hash[j];
        a->table[j] = NULL;
        table_put(a, moved, h);
    }
}

#define TOMB_MASK (TOMBSTONES * 4 - 1)

/* Slot of |key| in the tombstone hash, or -1. */
static int
tomb_find(const struct analyzer *a, const char *key)
{
    for (size_t i = (size_t)hash_key(key) & TOMB_MASK; a->tomb_slot[i] >= 0; i = (i + 1) & TOMB_MASK)
        if (strcmp(a->tombstone[a->tomb_slot[i]], key) == 0)
            return (int)i;
    return -1;
}

static void
tomb_insert_index(struct analyzer *a, int ring)
{
    size_t i = (size_t)hash_key(a->tombstone[ring]) & TOMB_MASK;
    while (a->tomb_slot[i] >= 0)
        i = (i + 1) & TOMB_MASK;
    a->tomb_slot[i] = ring;
}

/* Forgets the tombstone in hash slot |slot| (linear probing: re-insert the rest of the run). */
static void
tomb_remove_slot(struct analyzer *a, int slot)
{
    int ring = a->tomb_slot[slot];
    free(a->tombstone[ring]);
    a->tombstone[ring] = NULL;
    a->tomb_slot[slot] = -1;
    for (size_t j = ((size_t)slot + 1) & TOMB_MASK; a->tomb_slot[j] >= 0; j = (j + 1) & TOMB_MASK) {
        int moved = a->tomb_slot[j];
        a->tomb_slot[j] = -1;
        tomb_insert_index(a, moved);
    }
}

bool
is_tombstone(const struct analyzer *a, const char *key)
{
    return tomb_find(a, key) >= 0;
}

void
clear_tombstone(struct analyzer *a, const char *key)
{
    int slot = tomb_find(a, key);
    if (slot >= 0)
        tomb_remove_slot(a, slot);
}

void
add_tombstone(struct analyzer *a, const char *key)
{
    clear_tombstone(a, key);
    if (a->tombstone[a->tomb_next])
        tomb_remove_slot(a, tomb_find(a, a->tombstone[a->tomb_next]));
    a->tombstone[a->tomb_next] = xstrdup(key);
    tomb_insert_index(a, (int)a->tomb_next);
    a->tomb_next = (a->tomb_next + 1) % TOMBSTONES;
}

void
clear_tombstones(struct analyzer *a)
{
    for (size_t i = 0; i < TOMBSTONES; i++) {
        free(a->tombstone[i]);
        a->tombstone[i] = NULL;
    }
    memset(a->tomb_slot, 0xff, sizeof a->tomb_slot);
}

struct conn *
conn_find(struct analyzer *a, const char *key)
{
    if (!a->table_cap)
        return NULL;
    return a->table[table_index(a, key, hash_key(key))];
}

/* The login of a new connection: a new session with the next id. */
static struct login *
login_side_new(struct analyzer *a, const char *key, long line)
{
    struct login_options lo = {.show_secrets = a->opt.show_secrets, .from_log = a->reading_log};
    struct login *l = login_new(&lo);
    struct session *s = login_session(l);
    s->id = ++a->next_id;
    s->input = xstrdup(a->input_path);
    if (a->reading_log) {
        s->has_log = true;
        s->log_pid = xstrndup(key, logkey_pid_len(key)); /* without its set and run */
        s->log_node = a->log_node ? xstrdup(a->log_node) : NULL;
        s->first_line = s->last_line = line;
    }
    return l;
}

static void
lru_unlink(struct analyzer *a, struct conn *c)
{
    if (c->lru_prev)
        c->lru_prev->lru_next = c->lru_next;
    else
        a->lru_head = c->lru_next;
    if (c->lru_next)
        c->lru_next->lru_prev = c->lru_prev;
    else
        a->lru_tail = c->lru_prev;
    c->lru_prev = c->lru_next = NULL;
}

static void
lru_append(struct analyzer *a, struct conn *c)
{
    c->lru_prev = a->lru_tail;
    c->lru_next = NULL;
    if (a->lru_tail)
        a->lru_tail->lru_next = c;
    else
        a->lru_head = c;
    a->lru_tail = c;
}

void
conn_touch(struct analyzer *a, struct conn *c)
{
    if (a->lru_tail == c)
        return;
    lru_unlink(a, c);
    lru_append(a, c);
}

/* The time a connection was last active: its last packet, or its session's last event. */
static usec_t
last_active(const struct analyzer *a, const struct conn *c)
{
    if (c->last_seen)
        return c->last_seen;
    if (c->login && login_session(c->login)->end)
        return login_session(c->login)->end;
    return a->last_time;
}

/* Closes the least recently active connection, as evicted for |how|. */
static void
evict_one(struct analyzer *a, enum login_end how)
{
    struct conn *c = a->lru_head;
    conn_finish(a, c, how, last_active(a, c));
}

/*
 * Memory glibc keeps free inside its heap counts in the peak RSS as much as
 * memory in use: buffers that grew by doubling leave holes bigger ones do not
 * fit in (256 streams each in the middle of a big element: 18 MB free in a
 * 50 MB heap). When the heap, free part included, is past the budget and its
 * free part grew by MEMORY_SLACK since the last trim, the pages of the free
 * chunks go back to the system (a heap below the budget is never trimmed).
 */
static void
trim_heap(struct analyzer *a, const struct mallinfo2 *mi)
{
    if (mi->fordblks < a->trimmed_free)
        a->trimmed_free = mi->fordblks;
    else if (mi->arena + mi->hblkhd > ANALYZE_MEMORY_BUDGET &&
             mi->fordblks - a->trimmed_free > MEMORY_SLACK) {
        malloc_trim(0);
        a->trimmed_free = mi->fordblks; /* still free, only no longer resident */
    }
}

void
check_memory_now(struct analyzer *a)
{
    a->memory_check = 0;
    a->memory_bytes = 0;
    a->memory_every = 512;
    enum end_phase was = a->phase;
    a->phase = END_MEMORY;
    for (int round = 0; round < 64 && a->lru_head; round++) {
        struct mallinfo2 mi = mallinfo2();
        size_t used = mi.uordblks + mi.hblkhd;
        trim_heap(a, &mi);
        if (used <= ANALYZE_MEMORY_BUDGET) {
            /* the next look before the room is gone at 16 KB an event (a new connection's cost) */
            size_t room = (ANALYZE_MEMORY_BUDGET - used) / 16384;
            a->memory_every = room > 4096 ? 4096 : room < 512 ? 512 : (unsigned)room;
            break;
        }
        /* an eighth of the table at a time, at least one */
        for (size_t k = a->nopen / 8 + 1; k > 0 && a->lru_head; k--)
            evict_one(a, LOGIN_END_EVICTED_MEMORY);
    }
    a->phase = was;
}

struct conn *
conn_new(struct analyzer *a, const char *key, long line)
{
    size_t max = a->opt.max_connections ? a->opt.max_connections : ANALYZE_MAX_CONNECTIONS;
    while (a->nopen >= max && a->lru_head)
        evict_one(a, LOGIN_END_EVICTED_FULL);
    if ((a->nopen + 1) * 2 > a->table_cap)
        table_grow(a);
    struct conn *c = xcalloc(1, sizeof *c);
    c->flow_slot = -1;
    c->key = xstrdup(key);
    c->framer[0] = framer_new("client", &a->opt.limits);
    c->framer[1] = framer_new("server", &a->opt.limits);
    c->login = login_side_new(a, key, line);
    if (a->opt.worker)
        c->local = worker_created(a->opt.worker, a->event);
    table_put(a, c, hash_key(key));
    a->nopen++;
    c->prev_open = a->open_tail;
    if (a->open_tail)
        a->open_tail->next_open = c;
    else
        a->open_head = c;
    a->open_tail = c;
    lru_append(a, c);
    return c;
}

static bool
keep_session(const struct analyzer *a, const struct session *s)
{
    if (s->nphases == 0 || s->carrier)
        return false; /* an accepted connection that never spoke XMPP (HTTP listeners), or carried BOSH */
    if (s->server_to_server)
        return false; /* counted in the summary's s2s_streams (conn_finish), not a login */
    return filter_keep(a->opt.filter, s);
}


void
analyzer_session_end(struct analyzer *a, struct login *l, const struct cross_verdict *v,
                     enum login_end how, usec_t t)
{
    login_take_verdict(l, v);
    struct session *s = login_finish(l, how, t);
    if (v->jid && !s->jid)
        s->jid = xstrdup(v->jid);
    if (a->opt.worker) {
        worker_done(a->opt.worker, s, keep_session(a, s));
        session_clear(s);
        free(s);
    } else if (a->correlator && s->nphases && !s->carrier && !s->server_to_server) {
        correlator_offer(a->correlator, s); /* before the filters: they judge the combined session */
    } else {
        analyzer_report(a, s);
    }
    login_free(l);
}

void
analyzer_report(void *analyzer, struct session *s)
{
    struct analyzer *a = analyzer;
    if (keep_session(a, s)) {
        summary_add(a->summary, s);
        report_session(a->writer, s);
    } else {
        analyzer_skip(a, s->id);
        session_clear(s);
        free(s);
    }
}

void
analyzer_skip(void *analyzer, unsigned id)
{
    struct analyzer *a = analyzer;
    report_skip(a->writer, id);
}

/*
 * The end of a connection's login (|local| its number in a -j worker):
 * checks across connections, filters, report; |l| is freed, or a worker's
 * to finish once the verdict comes.
 */
static void
login_side_finish(struct analyzer *a, struct login *l, unsigned local, bool saw_xml,
                  enum login_end how, usec_t t)
{
    if (!saw_xml)
        login_no_xml(l, a->cur_info && a->cur_info->log_xml > 0);
    /* before the filters: an attack counts whichever sessions are printed */
    struct cross_facts f;
    login_cross_facts(l, &f);
    if (a->opt.worker) {
        worker_finished(a->opt.worker, a->event, a->phase, local, &f, l, how, t);
    } else {
        struct cross_verdict v = {0};
        crosscheck_judge(a->cross, &f, login_session(l)->id, &v);
        analyzer_session_end(a, l, &v, how, t);
        cross_verdict_clear(&v);
    }
    cross_facts_clear(&f);
}

void
note_flows(struct analyzer *a, enum flow_kind kind, const char *key, const char *server, usec_t first,
           usec_t last)
{
    if (a->cur_info) {
        if (kind == FLOW_NOT_XMPP)
            a->cur_info->non_xmpp_flows++;
        else
            a->cur_info->s2s_streams++;
    }
    if (a->opt.worker)
        worker_flows(a->opt.worker, a->event, a->phase, kind, key, server, 1, first, last);
    else
        summary_add_flows(a->summary, kind, server, 1, first, last);
}

void
conn_finish(struct analyzer *a, struct conn *c, enum login_end how, usec_t t)
{
    if (c->drain)
        c->drain(c);
    for (int d = 0; d < 2; d++) {
        struct frame fr;
        framer_finish(c->framer[d]);
        while (framer_next(c->framer[d], &fr))
            login_frame(c->login, d ? 'S' : 'C', t, &fr);
    }
    if (how >= LOGIN_END_EVICTED_IDLE && a->cur_info)
        a->cur_info->evicted++;
    const struct session *s = login_session(c->login);
    if (s->server_to_server)
        note_flows(a, FLOW_S2S, c->key, s->server ? s->server : "?", s->start, t > s->end ? t : s->end);
    login_side_finish(a, c->login, c->local, c->saw_xml, how, t);
    table_remove(a, c);
    lru_unlink(a, c);
    a->nopen--;
    if (c->prev_open)
        c->prev_open->next_open = c->next_open;
    else
        a->open_head = c->next_open;
    if (c->next_open)
        c->next_open->prev_open = c->prev_open;
    else
        a->open_tail = c->prev_open;
    add_tombstone(a, c->key);
    framer_free(c->framer[0]);
    framer_free(c->framer[1]);
    reasm_free(c->reasm[0]);
    reasm_free(c->reasm[1]);
    stack_free(c->stack);
    if (c->release)
        c->release(c);
    free(c->transport);
    free(c->key);
    free(c);
}

void
note_time_back(struct analyzer *a, struct conn *c, usec_t t, struct input_info *info, long line,
               long packet)
{
    if (a->clock_backs++ < TIME_ERRORS) {
        size_t input = (size_t)(info - a->infos);
        if (a->opt.worker) /* what came before it in this event is of its kind */
            worker_stamp(a->opt.worker, a->infos, input, a->event, NOTE_OWN);
        char by[32], from[40], to[40], msg[200];
        format_span(c->prev_time - t, by, sizeof by);
        format_time(c->prev_time, from, sizeof from);
        format_time(t, to, sizeof to);
        snprintf(msg, sizeof msg,
                 "time went back by %s (from %s to %s) within a connection; its events are kept "
                 "in order (L4)",
                 by, from, to);
        input_info_add_error(info, msg, line, packet, -1);
        if (a->opt.worker)
            worker_stamp(a->opt.worker, a->infos, input, a->event, NOTE_TIMEBACK);
    }
}

void
note_time_total(struct analyzer *a, struct input_info *info)
{
    size_t input = (size_t)(info - a->infos);
    if (a->opt.worker) {
        /* the merge adds up the workers' counts */
        worker_stamp(a->opt.worker, a->infos, input, a->event, NOTE_GLOBAL);
        worker_time_total(a->opt.worker, input, a->event, a->clock_backs);
    } else {
        input_info_add_time_total(info, a->clock_backs);
    }
    a->clock_backs = 0;
}

void
finish_where(struct analyzer *a, enum login_end how, usec_t t,
             bool (*which)(const struct conn *c, void *arg), void *arg)
{
    enum end_phase was = a->phase;
    a->phase = END_ALL;
    struct conn *c = a->open_head;
    while (c) {
        struct conn *next = c->next_open;
        if (!which || which(c, arg)) {
            usec_t end = c->login ? login_session(c->login)->end : 0;
            /* the log said the c2s process ended: the connection is closed, not cut off */
            conn_finish(a, c, c->terminated ? LOGIN_END_CLOSED : how, end > t ? end : t);
            next = a->open_head; /* a finish may end others (a BOSH session's carriers) */
            if (which)
                while (next && !which(next, arg))
                    next = next->next_open;
        }
        c = next;
    }
    a->phase = was;
}

void
finish_all(struct analyzer *a, enum login_end how, usec_t t)
{
    finish_where(a, how, t, NULL, NULL);
}
