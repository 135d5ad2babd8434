/* merge: the workers' records replayed as one process meets them (see the header). */
#include <config.h>
#include "merge.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "crosscheck.h"
#include "hash_bytes.h"
#include "jobrec.h"
#include "xalloc.h"

/*
 * Bytes of records the workers ahead of the others may have waiting here, in
 * all, before they are not read (each its share): the merge's memory.
 */
#define HOLD_MAX (16u << 20)

/* A record of a worker waiting until every worker is past its event. */
struct rec {
    enum jobrec_type type; /* JR_CREATE, JR_FINISH or JR_SILENT */
    uint64_t event;
    enum end_phase phase;
    unsigned worker;
    uint64_t seq;         /* its place among the worker's records */
    unsigned local, id;   /* FINISH: the connection's number in the worker, its session's */
    struct cross_facts facts;
    long by_end[SILENT_END_COUNT]; /* SILENT */
    unsigned kind;                 /* SILENT: 0, or 1 + enum flow_kind */
    usec_t first, last;
    char *key, *server;
    size_t size;          /* bytes it came as */
};

/* A finished session a worker sent back. */
struct done {
    unsigned id;
    bool kept;
    struct summary_facts facts;
    char *bytes;
    size_t len;
};

/* A first-in first-out queue of elements of |size| bytes. */
struct queue {
    char *data;
    size_t head, n, cap, size;
};

static void *
q_push(struct queue *q)
{
    if (q->head + q->n == q->cap) {
        if (q->head > q->cap / 2) { /* room at the front: move down */
            memmove(q->data, q->data + q->head * q->size, q->n * q->size);
            q->head = 0;
        } else {
            q->cap = q->cap ? 2 * q->cap : 64;
            q->data = xreallocarray(q->data, q->cap, q->size);
        }
    }
    return q->data + (q->head + q->n++) * q->size;
}

static void *
q_front(const struct queue *q)
{
    return q->n ? q->data + q->head * q->size : NULL;
}

static void
q_pop(struct queue *q)
{
    q->head++;
    if (--q->n == 0)
        q->head = 0;
}

/* A worker's connections by their number in it: the session number each got. */
struct idmap {
    uint32_t *key; /* the connection's number + 1; 0: empty */
    unsigned *id;
    size_t cap, n;
};

static size_t
idmap_slot(const struct idmap *im, uint32_t key)
{
    size_t i = (key * UINT32_C(2654435761)) & (im->cap - 1);
    while (im->key[i] && im->key[i] != key)
        i = (i + 1) & (im->cap - 1);
    return i;
}

static void
idmap_put(struct idmap *im, unsigned local, unsigned id)
{
    if ((im->n + 1) * 2 > im->cap) {
        struct idmap bigger = {.cap = im->cap ? 2 * im->cap : 64};
        bigger.key = xcalloc(bigger.cap, sizeof *bigger.key);
        bigger.id = xcalloc(bigger.cap, sizeof *bigger.id);
        for (size_t i = 0; i < im->cap; i++)
            if (im->key[i]) {
                size_t j = idmap_slot(&bigger, im->key[i]);
                bigger.key[j] = im->key[i];
                bigger.id[j] = im->id[i];
            }
        bigger.n = im->n;
        free(im->key);
        free(im->id);
        *im = bigger;
    }
    size_t i = idmap_slot(im, local + 1);
    im->key[i] = local + 1;
    im->id[i] = id;
    im->n++;
}

/* The session number of connection |local|, forgotten here; 0 when unknown. */
static unsigned
idmap_take(struct idmap *im, unsigned local)
{
    if (!im->cap)
        return 0;
    size_t i = idmap_slot(im, local + 1);
    if (!im->key[i])
        return 0;
    unsigned id = im->id[i];
    im->key[i] = 0;
    im->n--;
    /* linear probing: put the rest of the run back */
    for (size_t j = (i + 1) & (im->cap - 1); im->key[j]; j = (j + 1) & (im->cap - 1)) {
        uint32_t k = im->key[j];
        unsigned v = im->id[j];
        im->key[j] = 0;
        size_t to = idmap_slot(im, k);
        im->key[to] = k;
        im->id[to] = v;
    }
    return id;
}

struct mworker {
    struct buf in;       /* bytes not taken in yet */
    struct queue recs;   /* struct rec, by event */
    struct queue dones;  /* struct done, in the order of the verdicts */
    uint64_t progress;   /* every record of an earlier event is here */
    size_t input;        /* the input it was reading */
    uint64_t seq;
    unsigned created;
    struct idmap ids;
    struct buf outbox;
    size_t held;         /* bytes of recs and dones waiting */
    bool ended, gone;
    char *why;           /* why it stopped without its END */
    /* its END */
    uint64_t failed;
    int signo;
    struct jobrec_input *inputs;
    size_t ninputs;
};

/* A session judged, in the order of the ends: written when its worker sends it back. */
struct judged {
    unsigned worker, id;
};

struct merge {
    unsigned n;
    size_t ninputs;
    struct mworker *w;
    struct queue order; /* struct judged */
    unsigned next_id;
    struct crosscheck *cc;
    struct report_writer *writer;
    struct summary *sm;
};

struct merge *
merge_new(unsigned nworkers, size_t ninputs, struct report_writer *w, struct summary *sm)
{
    struct merge *m = xcalloc(1, sizeof *m);
    m->n = nworkers;
    m->ninputs = ninputs;
    m->w = xcalloc(nworkers, sizeof *m->w);
    for (unsigned k = 0; k < nworkers; k++) {
        m->w[k].recs.size = sizeof(struct rec);
        m->w[k].dones.size = sizeof(struct done);
    }
    m->order.size = sizeof(struct judged);
    m->cc = crosscheck_new();
    m->writer = w;
    m->sm = sm;
    return m;
}

static void
rec_clear(struct rec *r)
{
    jobrec_facts_free(&r->facts);
    free(r->key);
    free(r->server);
}

static void
done_clear(struct done *d)
{
    jobrec_summary_free(&d->facts);
    free(d->bytes);
}

void
merge_free(struct merge *m)
{
    if (!m)
        return;
    for (unsigned k = 0; k < m->n; k++) {
        struct mworker *w = &m->w[k];
        for (struct rec *r; (r = q_front(&w->recs)) != NULL; q_pop(&w->recs))
            rec_clear(r);
        for (struct done *d; (d = q_front(&w->dones)) != NULL; q_pop(&w->dones))
            done_clear(d);
        free(w->recs.data);
        free(w->dones.data);
        free(w->ids.key);
        free(w->ids.id);
        buf_clear(&w->in);
        buf_clear(&w->outbox);
        free(w->why);
        for (size_t i = 0; i < w->ninputs; i++)
            jobrec_input_free(&w->inputs[i]);
        free(w->inputs);
    }
    free(m->w);
    free(m->order.data);
    crosscheck_free(m->cc);
    free(m);
}

struct buf *
merge_outbox(struct merge *m, unsigned k)
{
    return &m->w[k].outbox;
}

/* Every worker's records of an event before this one are here. */
static uint64_t
frontier(const struct merge *m)
{
    uint64_t f = UINT64_MAX;
    for (unsigned k = 0; k < m->n; k++)
        if (!m->w[k].gone && m->w[k].progress < f)
            f = m->w[k].progress;
    return f;
}

bool
merge_wants(const struct merge *m, unsigned k)
{
    const struct mworker *w = &m->w[k];
    const struct judged *next = q_front(&m->order);
    return w->held < HOLD_MAX / m->n || (next && next->worker == k) || w->progress <= frontier(m);
}

/* Orders the ends of many connections at once (END_ALL, END_MEMORY, END_IDLE) and END_FLUSH. */
static int
by_phase(const void *x, const void *y)
{
    const struct rec *a = x, *b = y;
    if (a->phase != b->phase)
        return a->phase < b->phase ? -1 : 1;
    if (a->type != b->type) /* in one phase, ends of connections before silent ones */
        return a->type == JR_FINISH ? -1 : 1;
    if (a->type == JR_FINISH)
        return a->id < b->id ? -1 : a->id > b->id;
    if (a->first != b->first) /* END_FLUSH: as one process flushes, by time then key */
        return a->first < b->first ? -1 : 1;
    int c = strcmp(a->key ? a->key : "", b->key ? b->key : "");
    return c ? c : (a->worker < b->worker ? -1 : a->worker > b->worker);
}

/* In the event's own phase: each worker's in its order (one worker's, but for its errors). */
static int
by_worker(const void *x, const void *y)
{
    const struct rec *a = x, *b = y;
    if (a->worker != b->worker)
        return a->worker < b->worker ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
apply(struct merge *m, struct rec *r)
{
    struct mworker *w = &m->w[r->worker];
    switch (r->type) {
    case JR_CREATE:
        idmap_put(&w->ids, w->created++, ++m->next_id);
        break;
    case JR_FINISH: {
        struct cross_verdict v = {0};
        crosscheck_judge(m->cc, &r->facts, r->id, &v);
        size_t at = jobrec_begin(&w->outbox, JR_VERDICT);
        jobrec_u32(&w->outbox, r->local);
        jobrec_u32(&w->outbox, r->id);
        jobrec_put_verdict(&w->outbox, &v);
        jobrec_end(&w->outbox, at);
        cross_verdict_clear(&v);
        *(struct judged *)q_push(&m->order) = (struct judged){.worker = r->worker, .id = r->id};
        break;
    }
    case JR_SILENT:
        if (r->kind == 0)
            summary_add_silents(m->sm, r->server ? r->server : "", r->by_end, r->first, r->last);
        else
            summary_add_flows(m->sm, (enum flow_kind)(r->kind - 1), r->server ? r->server : "",
                              r->by_end[0], r->first, r->last);
        break;
    default:
        break;
    }
    w->held -= r->size < w->held ? r->size : w->held;
    rec_clear(r);
}

/* Replays the records of every event that all the workers are past. */
static void
replay(struct merge *m)
{
    struct rec *batch = NULL;
    size_t cap = 0;
    for (;;) {
        uint64_t until = frontier(m), event = UINT64_MAX;
        for (unsigned k = 0; k < m->n; k++) {
            const struct rec *r = q_front(&m->w[k].recs);
            if (r && r->event < event)
                event = r->event;
        }
        if (event == UINT64_MAX || event >= until)
            break;
        size_t n = 0;
        for (unsigned k = 0; k < m->n; k++)
            for (struct rec *r; (r = q_front(&m->w[k].recs)) != NULL && r->event == event;
                 q_pop(&m->w[k].recs)) {
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    batch = xreallocarray(batch, cap, sizeof *batch);
                }
                batch[n++] = *r;
            }
        /*
         * The event's own phase first, each worker's records in their order (the
         * event is one connection's: one worker's, but for its errors): it may
         * begin the sessions the later phases end. Those go by session number.
         */
        size_t own = 0;
        for (size_t i = 0; i < n; i++)
            if (batch[i].phase == END_EVENT) {
                struct rec t = batch[own];
                batch[own++] = batch[i];
                batch[i] = t;
            }
        if (own > 1)
            qsort(batch, own, sizeof *batch, by_worker);
        for (size_t i = 0; i < own; i++) {
            if (batch[i].type == JR_FINISH)
                batch[i].id = idmap_take(&m->w[batch[i].worker].ids, batch[i].local);
            apply(m, &batch[i]);
        }
        for (size_t i = own; i < n; i++)
            if (batch[i].type == JR_FINISH)
                batch[i].id = idmap_take(&m->w[batch[i].worker].ids, batch[i].local);
        if (n - own > 1)
            qsort(batch + own, n - own, sizeof *batch, by_phase);
        for (size_t i = own; i < n; i++)
            apply(m, &batch[i]);
    }
    free(batch);
}

/* The next judged session is |d| (NULL: lost with its worker): to the summary and the writer. */
static void
emit(struct merge *m, const struct done *d)
{
    const struct judged *j = q_front(&m->order);
    if (d && d->kept) {
        summary_add_facts(m->sm, &d->facts);
        report_rendered(m->writer, j->id, d->bytes, d->len);
    } else {
        report_skip(m->writer, j->id); /* dropped by a filter, or lost with its worker */
    }
    q_pop(&m->order);
}

/* Writes, in the order of the ends, the sessions whose workers sent them back. */
static void
write_out(struct merge *m)
{
    struct judged *j;
    while ((j = q_front(&m->order)) != NULL) {
        struct mworker *w = &m->w[j->worker];
        struct done *d = q_front(&w->dones);
        if (!d && !w->gone)
            return; /* not back yet */
        /* one out of the order of the verdicts (a broken worker) is dropped */
        emit(m, d && d->id == j->id ? d : NULL);
        if (d) {
            w->held -= d->len < w->held ? d->len : w->held;
            done_clear(d);
            q_pop(&w->dones);
        }
    }
}

static void
advance(struct merge *m)
{
    replay(m);
    write_out(m);
}

/* Takes in one record of worker |k|; false when it is malformed. */
static bool
take(struct merge *m, unsigned k, enum jobrec_type type, struct jobrec_reader *r, size_t size)
{
    struct mworker *w = &m->w[k];
    /* what it holds here: the record, its copy of the strings, allocation overheads */
    struct rec rec = {.type = type, .worker = k, .seq = w->seq++, .size = sizeof rec + 2 * size};
    switch (type) {
    case JR_CREATE:
        rec.event = jobrec_get_u64(r);
        break;
    case JR_FINISH:
        rec.event = jobrec_get_u64(r);
        rec.phase = (enum end_phase)jobrec_get_u8(r);
        rec.local = jobrec_get_u32(r);
        jobrec_get_facts(r, &rec.facts);
        break;
    case JR_SILENT:
        rec.event = jobrec_get_u64(r);
        rec.phase = (enum end_phase)jobrec_get_u8(r);
        rec.kind = jobrec_get_u8(r);
        if (rec.kind > FLOW_KIND_COUNT)
            r->bad = true;
        for (int e = 0; e < SILENT_END_COUNT; e++)
            rec.by_end[e] = (long)jobrec_get_u64(r);
        rec.first = (usec_t)jobrec_get_u64(r);
        rec.last = (usec_t)jobrec_get_u64(r);
        rec.key = jobrec_get_str(r);
        rec.server = jobrec_get_str(r);
        break;
    case JR_PROGRESS:
        w->progress = jobrec_get_u64(r);
        w->input = jobrec_get_u32(r);
        return !r->bad;
    case JR_DONE: {
        struct done d = {.id = jobrec_get_u32(r), .kept = jobrec_get_u8(r) != 0};
        const char *bytes = NULL;
        if (d.kept) {
            jobrec_get_summary(r, &d.facts);
            bytes = jobrec_get_mem(r, &d.len);
        }
        const struct judged *next = q_front(&m->order);
        if (r->bad) {
            done_clear(&d);
            return false;
        }
        if (next && next->worker == k && !w->dones.n) {
            if (d.id != next->id) { /* sessions come back in the order of their verdicts */
                done_clear(&d);
                return false;
            }
            d.bytes = (char *)bytes; /* its turn: written from where it lies */
            emit(m, &d);
            d.bytes = NULL;
            done_clear(&d);
            write_out(m);
            return true;
        }
        d.bytes = xmalloc(d.len + 1);
        memcpy(d.bytes, bytes ? bytes : "", d.len);
        *(struct done *)q_push(&w->dones) = d;
        w->held += d.len;
        return true;
    }
    case JR_END:
        w->failed = jobrec_get_u64(r);
        w->signo = (int)jobrec_get_u32(r);
        w->ninputs = jobrec_get_u32(r);
        if (w->ninputs != m->ninputs)
            return false;
        w->inputs = xcalloc(w->ninputs ? w->ninputs : 1, sizeof *w->inputs);
        for (size_t i = 0; i < w->ninputs; i++)
            jobrec_get_input(r, &w->inputs[i]);
        w->ended = true;
        w->progress = UINT64_MAX;
        return !r->bad;
    default:
        return false;
    }
    if (r->bad) {
        rec_clear(&rec);
        return false;
    }
    *(struct rec *)q_push(&w->recs) = rec;
    w->held += size;
    return true;
}

/* Takes in the whole records of |data|; returns the bytes taken, or SIZE_MAX on a bad one. */
static size_t
take_all(struct merge *m, unsigned k, const char *data, size_t len)
{
    size_t off = 0, n;
    enum jobrec_type type;
    struct jobrec_reader r;
    while ((n = jobrec_next(data + off, len - off, &type, &r)) > 0) {
        if (!take(m, k, type, &r, n))
            return SIZE_MAX;
        off += n;
    }
    return off;
}

void
merge_feed(struct merge *m, unsigned k, const char *data, size_t len)
{
    struct mworker *w = &m->w[k];
    while (!w->gone && w->in.len && len) {
        /* first the record the last bytes began: only its own bytes are copied */
        size_t want = w->in.len < 4 ? 4 : 4 + (size_t)hash_load4((const unsigned char *)w->in.data);
        if (want == 4 && w->in.len == 4) {
            merge_gone(m, k, "sent a record that cannot be read");
            return;
        }
        size_t n = want - w->in.len < len ? want - w->in.len : len;
        buf_append(&w->in, data, n);
        data += n;
        len -= n;
        if (w->in.len == want && want > 4) {
            if (take_all(m, k, w->in.data, w->in.len) != w->in.len)
                merge_gone(m, k, "sent a record that cannot be read");
            buf_reset(&w->in);
        }
    }
    if (w->gone)
        return;
    /* the rest where it lies */
    size_t took = take_all(m, k, data, len);
    if (took == SIZE_MAX) {
        merge_gone(m, k, "sent a record that cannot be read");
        return;
    }
    buf_append(&w->in, data + took, len - took);
    advance(m);
}

void
merge_gone(struct merge *m, unsigned k, const char *why)
{
    struct mworker *w = &m->w[k];
    if (w->gone)
        return;
    w->gone = true;
    if (!w->ended)
        w->why = xstrdup(why ? why : "ended early");
    advance(m);
}

bool
merge_done(const struct merge *m)
{
    for (unsigned k = 0; k < m->n; k++)
        if (!m->w[k].gone || m->w[k].recs.n)
            return false;
    return m->order.n == 0;
}

/* An error of an input as a worker placed it, for putting every worker's in one order. */
struct placed {
    uint64_t event;
    unsigned worker;
    size_t index;
    const struct jobrec_note *note;
};

static int
by_event(const void *x, const void *y)
{
    const struct placed *a = x, *b = y;
    if (a->event != b->event)
        return a->event < b->event ? -1 : 1;
    if (a->worker != b->worker)
        return a->worker < b->worker ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * The errors of input |i|: those every worker sees alike from |base|, those
 * about connections from their owners, the first TIME_ERRORS clock setbacks
 * of all and the count of all, in the order of the events.
 */
static void
merge_errors(const struct merge *m, const struct mworker *base, size_t i, struct input_info *info)
{
    struct placed *all = NULL;
    size_t n = 0;
    long setbacks = 0;
    for (unsigned k = 0; k < m->n; k++) {
        const struct mworker *w = &m->w[k];
        if (!w->ended)
            continue;
        const struct jobrec_input *in = &w->inputs[i];
        for (size_t e = 0; e < in->nnotes; e++) {
            const struct jobrec_note *note = &in->notes[e];
            if (note->kind == NOTE_TIMETOTAL)
                setbacks += note->count;
            bool everyone = note->kind == NOTE_GLOBAL || note->kind == NOTE_TIMETOTAL;
            if (everyone && w != base)
                continue;
            all = xgrow(all, n, sizeof *all);
            all[n++] = (struct placed){.event = note->event, .worker = k, .index = e, .note = note};
        }
    }
    if (n > 1)
        qsort(all, n, sizeof *all, by_event);
    long first_setbacks = 0;
    for (size_t e = 0; e < n; e++) {
        const struct jobrec_note *note = all[e].note;
        if (note->kind == NOTE_TIMETOTAL) {
            input_info_add_time_total(info, setbacks);
            continue;
        }
        if (note->kind == NOTE_TIMEBACK && first_setbacks++ >= TIME_ERRORS)
            continue;
        input_info_add_error(info, note->error.message, note->error.line, note->error.packet,
                             note->error.offset);
    }
    free(all);
}

size_t
merge_finish(struct merge *m, char *const *paths, struct input_info *infos, int *signo)
{
    const struct mworker *base = NULL;
    *signo = 0;
    for (unsigned k = 0; k < m->n; k++) {
        const struct mworker *w = &m->w[k];
        if (w->ended && !base)
            base = w;
        if (w->ended && w->signo && !*signo)
            *signo = w->signo;
    }
    size_t failed = base ? (size_t)base->failed : 0;
    for (size_t i = 0; i < m->ninputs; i++) {
        struct input_info *info = &infos[i];
        memset(info, 0, sizeof *info);
        info->path = xstrdup(paths[i]);
        info->size_bytes = -1;
        if (!base)
            continue;
        const struct jobrec_input *in = &base->inputs[i];
        info->type = in->type;
        info->size_bytes = in->size_bytes;
        info->count = in->count;
        info->unusable = in->unusable;
        info->log_xml = in->log_xml; /* every worker read every line */
        info->log_c2s = in->log_c2s;
        info->log_forms = in->log_forms;
        info->log_wrappers = in->log_wrappers;
        info->log_time_notes = in->log_time_notes;
        for (unsigned k = 0; k < m->n; k++)
            if (m->w[k].ended) {
                info->evicted += m->w[k].inputs[i].evicted;
                info->non_xmpp_flows += m->w[k].inputs[i].non_xmpp_flows;
                info->s2s_streams += m->w[k].inputs[i].s2s_streams;
            }
        merge_errors(m, base, i, info);
    }
    /* a worker that stopped without its END: its connections are missing, and the run says so */
    for (unsigned k = 0; k < m->n; k++) {
        const struct mworker *w = &m->w[k];
        if (!w->why || !m->ninputs)
            continue;
        struct input_info *info = &infos[w->input < m->ninputs ? w->input : 0];
        char msg[200];
        snprintf(msg, sizeof msg, "worker %u of %u %s; the report lacks its connections", k + 1,
                 m->n, w->why);
        input_info_add_error(info, msg, 0, 0, -1);
        if (!info->unusable) {
            info->unusable = true;
            failed++;
        }
    }
    return failed;
}
