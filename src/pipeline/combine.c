/*
 * combine: a capture's session and a log's session of one connection, made
 * one. The rules (docs/correlation.md):
 * - events: the two sequences are aligned on the elements both show (same
 *   direction and event name, in order, looking ahead a few steps on either
 *   side); such an element is one event, source 'b', at the capture's time.
 *   Between two such points the two sides' own events are interleaved by
 *   time, the log's moved by the clock offset and never before the event
 *   before them, so each side's order is kept whatever its clock says.
 * - facts: the capture's where it knows (it saw the wire), the log's where
 *   the capture does not (user, JID, attempts, outcome behind TLS).
 * - findings: each code once, the capture's first; the capture's findings
 *   about what it could not see (L2 and the end-of-session ones that need
 *   the XML) go when the log showed that XML, and L3 (the log shows no XML)
 *   goes when the capture showed some.
 */
#include <config.h>
#include "combine.h"

#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "xalloc.h"

/* How far the alignment looks ahead on either side for the next common element. */
#define LOOKAHEAD 16

static bool
same_step(const struct phase_event *c, const struct phase_event *l)
{
    return c->dir == l->dir && c->event && l->event && strcmp(c->event, l->event) == 0;
}

/* An element of the XML stream (not a TCP, TLS or log-line event). */
static bool
is_element(const struct phase_event *e)
{
    return e->dir == 'C' || e->dir == 'S';
}

/*
 * pair[i] = the log event index capture event i is the same step as, or -1;
 * increasing in i. Returns how many pairs.
 */
static size_t
align(const struct session *cap, const struct session *log, long *pair)
{
    size_t i = 0, j = 0, n = 0;
    for (size_t k = 0; k < cap->nphases; k++)
        pair[k] = -1;
    while (i < cap->nphases && j < log->nphases) {
        if (same_step(&cap->phases[i], &log->phases[j])) {
            pair[i++] = (long)j++;
            n++;
            continue;
        }
        /* the nearest next common step, skipping one side's own events */
        size_t skip_c = 0, skip_l = 0;
        for (size_t d = 1; d <= LOOKAHEAD && !skip_c && !skip_l; d++) {
            if (i + d < cap->nphases && same_step(&cap->phases[i + d], &log->phases[j]))
                skip_c = d;
            else if (j + d < log->nphases && same_step(&cap->phases[i], &log->phases[j + d]))
                skip_l = d;
        }
        if (skip_c)
            i += skip_c;
        else if (skip_l)
            j += skip_l;
        else
            i++; /* a step of the capture's own (TCP, TLS records) */
    }
    return n;
}

static usec_t
median_offset(const struct session *cap, const struct session *log, const long *pair, size_t n)
{
    if (n == 0)
        return log->start - cap->start;
    usec_t *d = xcalloc(n, sizeof *d);
    size_t k = 0;
    for (size_t i = 0; i < cap->nphases; i++)
        if (pair[i] >= 0)
            d[k++] = log->phases[pair[i]].time - cap->phases[i].time;
    usec_t m = usec_median(d, k);
    free(d);
    return m;
}

/* Moves event |e| to the end of |out| as |source| at |t| (at least the previous event's time). */
static void
put_event(struct session *out, size_t *nout, struct phase_event *e, char source, usec_t t)
{
    if (*nout >= PHASES_KEPT) {
        out->phases_dropped++;
        free(e->event);
        free(e->summary);
        e->event = e->summary = NULL;
        return;
    }
    if (*nout && t < out->phases[*nout - 1].time)
        t = out->phases[*nout - 1].time;
    struct phase_event *d = &out->phases[(*nout)++];
    *d = *e;
    d->source = source;
    d->time = t;
    d->seq = (unsigned)*nout;
    e->event = e->summary = NULL;
}

/* The new seq of each old event of both sides (0: not kept). */
struct seq_maps {
    unsigned *cap, *log;
};

static void
merge_events(struct session *cap, struct session *log, const long *pair, usec_t offset,
             struct seq_maps *map)
{
    size_t nc = cap->nphases, nl = log->nphases, nout = 0;
    struct phase_event *old = cap->phases;
    cap->phases = xcalloc(nc + nl ? nc + nl : 1, sizeof *cap->phases);
    map->cap = xcalloc(nc + 1, sizeof *map->cap);
    map->log = xcalloc(nl + 1, sizeof *map->log);
    size_t i = 0, j = 0;
    while (i < nc || j < nl) {
        /* the next common step (or the end) on each side */
        size_t pi = i;
        while (pi < nc && pair[pi] < 0)
            pi++;
        size_t pj = pi < nc ? (size_t)pair[pi] : nl;
        while (i < pi || j < pj) { /* each side's own events, by time */
            bool take_cap = j >= pj || (i < pi && old[i].time <= log->phases[j].time - offset);
            if (take_cap) {
                put_event(cap, &nout, &old[i], 'c', old[i].time);
                map->cap[i++] = (unsigned)nout;
            } else {
                put_event(cap, &nout, &log->phases[j], 'l', log->phases[j].time - offset);
                map->log[j++] = (unsigned)nout;
            }
        }
        if (pi < nc) {
            put_event(cap, &nout, &old[pi], 'b', old[pi].time);
            map->cap[pi] = map->log[pj] = (unsigned)nout;
            free(log->phases[pj].event);
            free(log->phases[pj].summary);
            log->phases[pj].event = log->phases[pj].summary = NULL;
            i = pi + 1;
            j = pj + 1;
        }
    }
    cap->phases_dropped += log->phases_dropped;
    cap->nphases = nout;
    free(old);
}

/* The new seq of old |seq| of a side of |n| events whose map is |m|. */
static unsigned
new_seq(unsigned seq, size_t n, const unsigned *m)
{
    /* seqs are 1-based and dense (findings.h keeps the first PHASES_KEPT) */
    return seq && seq <= n ? m[seq - 1] : 0;
}

static bool
has_code(const struct session *s, const char *code)
{
    for (size_t i = 0; i < s->nviolations; i++)
        if (strncmp(s->violations[i].code, code, sizeof s->violations[i].code) == 0)
            return true;
    return false;
}

static bool
any_element(const struct phase_event *ev, size_t n, const long *pair, bool own_only)
{
    for (size_t i = 0; i < n; i++)
        if (is_element(&ev[i]) && (!own_only || !pair || pair[i] < 0))
            return true;
    return false;
}

/* Findings of the capture that say it could not see what the log showed. */
static bool
blind_capture_finding(const char *code)
{
    static const char *const blind[] = {"L2", "D16", "K4", "K5", "F11"};
    for (size_t i = 0; i < sizeof blind / sizeof *blind; i++)
        if (strncmp(code, blind[i], 4) == 0)
            return true;
    return false;
}

static void
merge_violations(struct session *cap, struct session *log, bool log_filled, bool cap_saw_xml,
                 size_t ncap_old, size_t nlog_old, const struct seq_maps *map)
{
    size_t n = 0;
    struct violation *v = xcalloc(cap->nviolations + log->nviolations + 1, sizeof *v);
    for (size_t i = 0; i < cap->nviolations; i++) {
        struct violation *x = &cap->violations[i];
        char code[5] = {0};
        memcpy(code, x->code, 4);
        if (log_filled && blind_capture_finding(code)) {
            free(x->message);
            continue;
        }
        x->seq = new_seq(x->seq, ncap_old, map->cap);
        v[n++] = *x;
    }
    struct session kept = {.violations = v, .nviolations = n};
    for (size_t i = 0; i < log->nviolations; i++) {
        struct violation *x = &log->violations[i];
        char code[5] = {0};
        memcpy(code, x->code, 4);
        if ((cap_saw_xml && strcmp(code, "L3") == 0) || has_code(&kept, code)) {
            free(x->message);
            continue;
        }
        x->seq = new_seq(x->seq, nlog_old, map->log);
        v[n++] = *x;
    }
    kept.nviolations = n;
    free(cap->violations);
    free(log->violations);
    log->violations = NULL;
    log->nviolations = 0;
    cap->violations = v;
    cap->nviolations = n;
    /* counted past the caps: per code, the two sides added */
    for (size_t i = 0; i < log->nviolations_dropped; i++) {
        struct violation_drop *d = &log->violations_dropped[i];
        size_t k = 0;
        while (k < cap->nviolations_dropped && memcmp(cap->violations_dropped[k].code, d->code, 4))
            k++;
        if (k == cap->nviolations_dropped) {
            cap->violations_dropped = xreallocarray(cap->violations_dropped, k + 1,
                                                    sizeof *cap->violations_dropped);
            cap->violations_dropped[cap->nviolations_dropped++] = *d;
        } else if (cap->violations_dropped[k].count < d->count) {
            cap->violations_dropped[k] = *d; /* the two saw the same steps: the larger count */
        }
    }
}

/* |*to| takes |*from| when it is unknown (NULL). */
static void
fill_str(char **to, char **from)
{
    if (!*to && *from) {
        *to = *from;
        *from = NULL;
    }
}

static void
fill_tri(enum tri *to, enum tri from)
{
    if (*to == TRI_NULL)
        *to = from;
}

#define SWAP(a, b)                                                                                 \
    do {                                                                                           \
        __typeof__(a) swap_tmp_ = (a);                                                             \
        (a) = (b);                                                                                 \
        (b) = swap_tmp_;                                                                           \
    } while (0)

static void
merge_auth(struct session *cap, struct session *log)
{
    if (cap->auth.nattempts == 0 && log->auth.nattempts > 0) {
        /* the login went on behind TLS: the log saw it */
        SWAP(cap->auth.attempts, log->auth.attempts);
        SWAP(cap->auth.nattempts, log->auth.nattempts);
        SWAP(cap->auth.mechanism, log->auth.mechanism);
        cap->auth.outcome = log->auth.outcome;
        if (log->auth.offered_known) { /* what the server offered at that point */
            SWAP(cap->auth.offered, log->auth.offered);
            SWAP(cap->auth.noffered, log->auth.noffered);
            cap->auth.offered_known = true;
        }
        return;
    }
    fill_str(&cap->auth.mechanism, &log->auth.mechanism);
    if (cap->auth.outcome == AUTH_NONE)
        cap->auth.outcome = log->auth.outcome;
    if (!cap->auth.offered_known && log->auth.offered_known) {
        SWAP(cap->auth.offered, log->auth.offered);
        SWAP(cap->auth.noffered, log->auth.noffered);
        cap->auth.offered_known = true;
    }
}

/* A duration of the log's, measured from its start, as from the capture's start. */
static double
log_duration(double d, usec_t log_start, usec_t cap_start, usec_t offset)
{
    if (d < 0)
        return d;
    return d + (double)(log_start - offset - cap_start) / 1000.0;
}

static void
merge_facts(struct session *cap, struct session *log, usec_t offset)
{
    if (cap->transport == TRANSPORT_HTTPS || cap->transport == TRANSPORT_TCP)
        if (log->transport != TRANSPORT_TCP)
            cap->transport = log->transport; /* the log knows what the TLS or HTTP carried */
    fill_str(&cap->client, &log->client);
    fill_str(&cap->server, &log->server);
    if (cap->nconnections == 0) {
        SWAP(cap->connections, log->connections);
        SWAP(cap->nconnections, log->nconnections);
    }
    fill_str(&cap->domain, &log->domain);
    fill_str(&cap->user, &log->user);
    fill_str(&cap->jid, &log->jid);
    fill_tri(&cap->tls.offered, log->tls.offered);
    fill_tri(&cap->tls.required, log->tls.required);
    fill_tri(&cap->tls.negotiated, log->tls.negotiated);
    fill_tri(&cap->tls.before_auth, log->tls.before_auth);
    merge_auth(cap, log);
    if (cap->outcome == OUTCOME_OPAQUE || cap->outcome == OUTCOME_INCOMPLETE)
        cap->outcome = log->outcome;
    usec_t log_end = log->end - offset;
    if (log_end > cap->end)
        cap->end = log_end;
    if (cap->durations.to_tls < 0)
        cap->durations.to_tls = log_duration(log->durations.to_tls, log->start, cap->start, offset);
    if (cap->durations.auth < 0)
        cap->durations.auth = log->durations.auth;
    if (cap->durations.to_bound < 0)
        cap->durations.to_bound =
            log_duration(log->durations.to_bound, log->start, cap->start, offset);
    cap->durations.total = (double)(cap->end - cap->start) / 1000.0;
    cap->has_log = true;
    SWAP(cap->log_pid, log->log_pid);
    cap->first_line = log->first_line;
    cap->last_line = log->last_line;
    SWAP(cap->last_input, log->last_input); /* a log session spanning a rotated set */
    SWAP(cap->log_node, log->log_node);
    cap->password_on_wire |= log->password_on_wire;
    cap->password_in_log |= log->password_in_log;
    if (!cap->evicted)
        cap->evicted = log->evicted;
    if (log->id < cap->id)
        cap->id = log->id;
}

usec_t
session_combine(struct session *cap, struct session *log)
{
    size_t nc = cap->nphases, nl = log->nphases;
    long *pair = xcalloc(nc + 1, sizeof *pair);
    size_t npairs = align(cap, log, pair);
    usec_t offset = median_offset(cap, log, pair, npairs);
    bool cap_saw_xml = any_element(cap->phases, nc, NULL, false);
    /* the log's own elements: those the capture could not read */
    bool *matched_log = xcalloc(nl + 1, sizeof *matched_log);
    for (size_t i = 0; i < nc; i++)
        if (pair[i] >= 0)
            matched_log[pair[i]] = true;
    bool log_filled = false;
    for (size_t j = 0; j < nl && !log_filled; j++)
        log_filled = !matched_log[j] && is_element(&log->phases[j]);
    free(matched_log);
    log_filled = log_filled && has_code(cap, "L2");

    struct seq_maps map = {0};
    merge_events(cap, log, pair, offset, &map);
    merge_violations(cap, log, log_filled, cap_saw_xml, nc, nl, &map);
    merge_facts(cap, log, offset);
    cap->correlated.capture = xstrdup(cap->input);
    cap->correlated.log = xstrdup(log->input);
    cap->correlated.clock_offset_ms = (double)offset / 1000.0;
    cap->correlated.matched = (unsigned)npairs;
    free(map.cap);
    free(map.log);
    free(pair);
    session_clear(log);
    return offset;
}
