/*
 * correlate: finds a connection's capture session and log session (the
 * rules are in correlate.h) and hands on one.
 */
#include <config.h>
#include "correlate.h"

#include <stdlib.h>
#include <string.h>

#include "combine.h"
#include "xalloc.h"

/* A capture and a log that matched: their offsets so far. */
struct pair {
    char *capture, *log;
    usec_t *start_diff; /* log start minus capture start, per match (for matching) */
    usec_t *offset;     /* the combined sessions' clock offsets (for the report) */
    size_t n;
    usec_t estimate;    /* median of start_diff, brought up to date now and then */
};

struct correlator {
    struct correlate_sink sink;
    struct session **held; /* arrival order */
    size_t nheld;
    size_t held_bytes;
    long held_over;
    struct pair *pairs;
    size_t npairs;
};

struct correlator *
correlator_new(const struct correlate_sink *sink)
{
    struct correlator *c = xcalloc(1, sizeof *c);
    c->sink = *sink;
    c->held = xcalloc(CORRELATE_HELD_MAX, sizeof *c->held);
    return c;
}

static size_t
session_bytes(const struct session *s)
{
    size_t n = sizeof *s + s->nphases * sizeof *s->phases + s->nviolations * sizeof *s->violations;
    for (size_t i = 0; i < s->nphases; i++)
        n += (s->phases[i].event ? strlen(s->phases[i].event) + 1 : 0) +
             (s->phases[i].summary ? strlen(s->phases[i].summary) + 1 : 0);
    return n;
}

static bool
same_endpoint(const char *x, const struct session *s)
{
    if (!x)
        return false;
    if (s->client && strcmp(x, s->client) == 0)
        return true;
    for (size_t i = 0; i < s->nconnections; i++)
        if (s->connections[i].client && strcmp(x, s->connections[i].client) == 0)
            return true;
    return false;
}

/* |a| and |b| share a client address and port (a BOSH session: any of its connections'). */
static bool
share_client(const struct session *a, const struct session *b)
{
    if (same_endpoint(a->client, b))
        return true;
    for (size_t i = 0; i < a->nconnections; i++)
        if (same_endpoint(a->connections[i].client, b))
            return true;
    return false;
}

/*
 * A log session that names no client address: ejabberd 23.01 logs a WebSocket
 * client's address on its HTTP handler's lines only, which its c2s lines do
 * not name; the debug-level "Client connected through websocket" line links
 * them (feed_log.c), but an info-level log has no such line. It matches by
 * transport and time alone.
 */
static bool
no_client(const struct session *s)
{
    if (s->client)
        return false;
    for (size_t i = 0; i < s->nconnections; i++)
        if (s->connections[i].client)
            return false;
    return true;
}

static usec_t
median(const usec_t *v, size_t n)
{
    usec_t *d = xcalloc(n, sizeof *d);
    memcpy(d, v, n * sizeof *d);
    usec_t m = usec_median(d, n);
    free(d);
    return m;
}

static struct pair *
find_pair(struct correlator *c, const char *capture, const char *log, bool create)
{
    for (size_t i = 0; i < c->npairs; i++)
        if (strcmp(c->pairs[i].capture, capture) == 0 && strcmp(c->pairs[i].log, log) == 0)
            return &c->pairs[i];
    if (!create)
        return NULL;
    c->pairs = xreallocarray(c->pairs, c->npairs + 1, sizeof *c->pairs);
    struct pair *p = &c->pairs[c->npairs++];
    *p = (struct pair){.capture = xstrdup(capture), .log = xstrdup(log)};
    return p;
}

static usec_t
absdiff(usec_t a, usec_t b)
{
    return a > b ? a - b : b - a;
}

/* How far the log session |log|'s start is from where the pair's clock offset puts it; < 0: no match. */
static usec_t
distance(struct correlator *c, const struct session *cap, const struct session *log)
{
    bool by_address = share_client(cap, log);
    if (!by_address && !(no_client(log) && cap->transport == log->transport))
        return -1;
    usec_t diff = log->start - cap->start;
    struct pair *p = find_pair(c, cap->input ? cap->input : "", log->input ? log->input : "", false);
    if (!p || p->n == 0) {
        usec_t limit = by_address ? CORRELATE_MAX_SKEW : CORRELATE_TOLERANCE;
        return absdiff(diff, 0) <= limit ? absdiff(diff, 0) : -1;
    }
    usec_t d = absdiff(diff, p->estimate);
    return d <= CORRELATE_TOLERANCE ? d : -1;
}

static void
unhold(struct correlator *c, size_t k)
{
    c->held_bytes -= session_bytes(c->held[k]);
    memmove(&c->held[k], &c->held[k + 1], (c->nheld - k - 1) * sizeof *c->held);
    c->nheld--;
}

static void
combine_and_emit(struct correlator *c, struct session *cap, struct session *log)
{
    struct pair *p = find_pair(c, cap->input ? cap->input : "", log->input ? log->input : "", true);
    p->start_diff = xreallocarray(p->start_diff, p->n + 1, sizeof *p->start_diff);
    p->offset = xreallocarray(p->offset, p->n + 1, sizeof *p->offset);
    p->start_diff[p->n] = log->start - cap->start;
    /* the median again while there are few, then every 64 matches: a clock drifts slowly */
    if (p->n < 64 || p->n % 64 == 0)
        p->estimate = median(p->start_diff, p->n + 1);
    unsigned absorbed = cap->id < log->id ? log->id : cap->id;
    p->offset[p->n++] = session_combine(cap, log);
    free(log);
    c->sink.skip(c->sink.arg, absorbed);
    c->sink.emit(c->sink.arg, cap);
}

void
correlator_offer(struct correlator *c, struct session *s)
{
    size_t best = c->nheld;
    usec_t best_d = -1;
    for (size_t k = 0; k < c->nheld; k++) {
        struct session *h = c->held[k];
        if (h->has_log == s->has_log)
            continue;
        usec_t d = s->has_log ? distance(c, h, s) : distance(c, s, h);
        if (d >= 0 && (best_d < 0 || d < best_d)) {
            best = k;
            best_d = d;
        }
    }
    if (best < c->nheld) {
        struct session *h = c->held[best];
        unhold(c, best);
        if (s->has_log)
            combine_and_emit(c, h, s);
        else
            combine_and_emit(c, s, h);
        return;
    }
    size_t bytes = session_bytes(s);
    while (c->nheld && (c->nheld == CORRELATE_HELD_MAX || c->held_bytes + bytes > CORRELATE_HELD_BYTES)) {
        struct session *old = c->held[0];
        unhold(c, 0);
        c->held_over++;
        c->sink.emit(c->sink.arg, old);
    }
    c->held[c->nheld++] = s;
    c->held_bytes += bytes;
}

void
correlator_finish(struct correlator *c, struct summary *sm)
{
    while (c->nheld) {
        struct session *s = c->held[0];
        unhold(c, 0);
        c->sink.emit(c->sink.arg, s);
    }
    for (size_t i = 0; i < c->npairs; i++) {
        struct pair *p = &c->pairs[i];
        summary_add_correlated(sm, p->capture, p->log, (long)p->n,
                               (double)median(p->offset, p->n) / 1000.0);
    }
    sm->correlation_held_over += c->held_over;
    c->held_over = 0;
}

void
correlator_free(struct correlator *c)
{
    if (!c)
        return;
    for (size_t k = 0; k < c->nheld; k++) {
        session_clear(c->held[k]);
        free(c->held[k]);
    }
    free(c->held);
    for (size_t i = 0; i < c->npairs; i++) {
        free(c->pairs[i].capture);
        free(c->pairs[i].log);
        free(c->pairs[i].start_diff);
        free(c->pairs[i].offset);
    }
    free(c->pairs);
    free(c);
}
