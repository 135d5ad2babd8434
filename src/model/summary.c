/*
 * summary: the run's totals, added one finished session at a time. Every part
 * is bounded whatever the input: counts, capped name lists (the rest counted),
 * and latencies kept exactly up to LATENCY_EXACT sessions, then as a histogram
 * of fixed size.
 */
#include <config.h>
#include "summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const silent_end_names[] = {
    [SILENT_NO_REPLY] = "no-reply",
    [SILENT_REFUSED] = "refused",
    [SILENT_RESET] = "reset",
    [SILENT_CLOSED] = "closed",
    [SILENT_HANDSHAKE_ONLY] = "handshake-only",
};

const char *
silent_end_name(enum silent_end e)
{
    return (unsigned)e < NELEMS(silent_end_names) ? silent_end_names[e] : "unknown";
}


/* Names from the input (mechanisms) listed at most: the rest count as "other". */
#define NAMES_MAX 64
/* Users listed in the plaintext audit at most: the rest are counted. */
#define PLAINTEXT_USERS_MAX 10000
/* Server endpoints listed for silent connections at most: the rest go under "other". */
#define SILENT_SERVERS_MAX 256
/* Latencies kept exactly; past this many, a histogram (0.1 % wide buckets) takes over. */
#define LATENCY_EXACT 65536
/* Buckets: (1 + 1e-3)^k microseconds, k from 0, up to about 11 days. */
#define LATENCY_RATIO 1.001
#define LATENCY_BUCKETS 28000

struct summary *
summary_new(void)
{
    return xcalloc(1, sizeof(struct summary));
}

void
summary_free(struct summary *sm)
{
    if (!sm)
        return;
    for (size_t i = 0; i < sm->nby_mechanism; i++)
        free(sm->by_mechanism[i].name);
    free(sm->by_mechanism);
    for (size_t i = 0; i < sm->decryption.nopaque; i++)
        free(sm->decryption.opaque[i].name);
    free(sm->decryption.opaque);
    for (size_t i = 0; i < sm->nplaintext_users; i++)
        free(sm->plaintext_users[i]);
    free(sm->plaintext_users);
    free(sm->plaintext_where);
    for (size_t i = 0; i < sm->nby_code; i++)
        free(sm->by_code[i].name);
    free(sm->by_code);
    free(sm->latencies);
    free(sm->latency_hist);
    for (size_t i = 0; i < sm->nsilent; i++)
        free(sm->silent[i].server);
    free(sm->silent);
    for (int k = 0; k < FLOW_KIND_COUNT; k++) {
        for (size_t i = 0; i < sm->flows[k].n; i++)
            free(sm->flows[k].v[i].server);
        free(sm->flows[k].v);
    }
    for (size_t i = 0; i < sm->ncorrelated; i++) {
        free(sm->correlated[i].capture);
        free(sm->correlated[i].log);
    }
    free(sm->correlated);
    free(sm);
}

void
summary_add_correlated(struct summary *sm, const char *capture, const char *log, long sessions,
                       double clock_offset_ms)
{
    sm->correlated = xreallocarray(sm->correlated, sm->ncorrelated + 1, sizeof(*sm->correlated));
    sm->correlated[sm->ncorrelated++] = (struct correlated_pair){
        .capture = xstrdup(capture),
        .log = xstrdup(log),
        .sessions = sessions,
        .clock_offset_ms = clock_offset_ms,
    };
}

static void
count_name(struct name_count **v, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*v)[i].name, name) == 0) {
            (*v)[i].count++;
            return;
        }
    }
    if (*n == NAMES_MAX - 1 && strcmp(name, "other") != 0) {
        count_name(v, n, "other");
        return;
    }
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[*n].name = xstrdup(name);
    (*v)[*n].count = 1;
    (*n)++;
}

/* Codes sort by letter, then by number, so A2 comes before A10. */
static int
code_cmp(const char *a, const char *b)
{
    if (a[0] != b[0])
        return (unsigned char)a[0] < (unsigned char)b[0] ? -1 : 1;
    long na = strtol(a + 1, NULL, 10), nb = strtol(b + 1, NULL, 10);
    if (na != nb)
        return na < nb ? -1 : 1;
    return strcmp(a, b);
}

/*
 * Adds |n| findings of |code| and their highest |severity|. Violation codes
 * are the program's own (a fixed set): the list stays small.
 */
static void
count_code(struct summary *sm, const char *code, long n, enum severity severity)
{
    if (!sm->any_violation || severity > sm->max_severity)
        sm->max_severity = severity;
    sm->any_violation = true;
    /* a code seen before is the common case: find it without ordering */
    for (size_t k = 0; k < sm->nby_code; k++) {
        if (strcmp(sm->by_code[k].name, code) == 0) {
            sm->by_code[k].count += n;
            return;
        }
    }
    size_t i = 0;
    while (i < sm->nby_code && code_cmp(sm->by_code[i].name, code) < 0)
        i++;
    sm->by_code = xreallocarray(sm->by_code, sm->nby_code + 1, sizeof(*sm->by_code));
    memmove(&sm->by_code[i + 1], &sm->by_code[i], (sm->nby_code - i) * sizeof(*sm->by_code));
    sm->by_code[i].name = xstrdup(code);
    sm->by_code[i].count = n;
    sm->nby_code++;
}

static void
add_user(struct summary *sm, const char *user, unsigned where)
{
    size_t lo = 0, hi = sm->nplaintext_users;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(sm->plaintext_users[mid], user);
        if (c == 0) {
            sm->plaintext_where[mid] |= (unsigned char)where;
            return;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (sm->nplaintext_users == PLAINTEXT_USERS_MAX) {
        sm->plaintext_users_more++;
        return;
    }
    size_t i = lo;
    sm->plaintext_users =
        xreallocarray(sm->plaintext_users, sm->nplaintext_users + 1, sizeof(*sm->plaintext_users));
    sm->plaintext_where =
        xreallocarray(sm->plaintext_where, sm->nplaintext_users + 1, sizeof(*sm->plaintext_where));
    memmove(&sm->plaintext_users[i + 1], &sm->plaintext_users[i],
            (sm->nplaintext_users - i) * sizeof(*sm->plaintext_users));
    memmove(&sm->plaintext_where[i + 1], &sm->plaintext_where[i],
            (sm->nplaintext_users - i) * sizeof(*sm->plaintext_where));
    sm->plaintext_users[i] = xstrdup(user);
    sm->plaintext_where[i] = (unsigned char)where;
    sm->nplaintext_users++;
}

/* The name to list for a session that exposed a password, or NULL. */
static const char *
plaintext_user(const struct session *s)
{
    if (s->user)
        return s->user;
    /* Prefer the identity of an attempt that actually exposed a secret. */
    for (size_t i = 0; i < s->auth.nattempts; i++) {
        const struct attempt *a = &s->auth.attempts[i];
        if (a->plaintext && a->has_credentials && a->credentials.authcid)
            return a->credentials.authcid;
    }
    for (size_t i = 0; i < s->auth.nattempts; i++) {
        const struct attempt *a = &s->auth.attempts[i];
        if (a->has_credentials && a->credentials.authcid)
            return a->credentials.authcid;
    }
    return NULL;
}

static size_t
latency_bucket(double ms)
{
    double us = ms * 1000.0;
    if (!(us > 1))
        return 0;
    double k = ceil(log(us) / log(LATENCY_RATIO));
    return k >= LATENCY_BUCKETS - 1 ? LATENCY_BUCKETS - 1 : (size_t)k;
}

static void
add_latency(struct summary *sm, double ms)
{
    if (sm->nlatencies == 0 || ms > sm->latency_max)
        sm->latency_max = ms;
    if (!sm->latency_hist && sm->nlatencies < LATENCY_EXACT) {
        sm->latencies = xgrow(sm->latencies, sm->nlatencies, sizeof(double));
        sm->latencies[sm->nlatencies++] = ms;
        return;
    }
    if (!sm->latency_hist) {
        /* too many to keep: the exact values move into the histogram */
        sm->latency_hist = xcalloc(LATENCY_BUCKETS, sizeof(*sm->latency_hist));
        for (size_t i = 0; i < sm->nlatencies; i++)
            sm->latency_hist[latency_bucket(sm->latencies[i])]++;
        free(sm->latencies);
        sm->latencies = NULL;
    }
    sm->latency_hist[latency_bucket(ms)]++;
    sm->nlatencies++;
}

void
summary_facts_of(const struct session *s, struct summary_facts *f)
{
    bool plaintext = s->password_on_wire || s->password_in_log;
    for (size_t i = 0; i < s->auth.nattempts && !plaintext; i++)
        plaintext = s->auth.attempts[i].plaintext;
    *f = (struct summary_facts){
        .outcome = s->outcome,
        .transport = s->transport,
        .mechanism = s->auth.mechanism,
        .evicted = s->evicted != NULL,
        .plaintext = plaintext,
        .on_wire = s->password_on_wire,
        .in_log = s->password_in_log,
        .wire_inferred = s->password_wire_inferred,
        .wire_exposures = s->wire_exposures,
        .user = plaintext ? plaintext_user(s) : NULL,
        .violations = s->violations,
        .nviolations = s->nviolations,
        .dropped = s->violations_dropped,
        .ndropped = s->nviolations_dropped,
        .to_bound = s->durations.to_bound,
        .tls_decrypted = s->decryption.decrypted,
        .tls_opaque = s->decryption.opaque,
    };
}

void
summary_add(struct summary *sm, const struct session *s)
{
    struct summary_facts f;
    summary_facts_of(s, &f);
    summary_add_facts(sm, &f);
}

void
summary_add_facts(struct summary *sm, const struct summary_facts *f)
{
    sm->sessions++;
    if ((unsigned)f->outcome < NELEMS(sm->by_outcome))
        sm->by_outcome[f->outcome]++;
    if ((unsigned)f->transport < NELEMS(sm->by_transport))
        sm->by_transport[f->transport]++;
    count_name(&sm->by_mechanism, &sm->nby_mechanism, f->mechanism ? f->mechanism : "none");
    if (f->evicted)
        sm->evicted++;
    sm->decryption.decrypted += f->tls_decrypted;
    if (f->tls_opaque)
        count_name(&sm->decryption.opaque, &sm->decryption.nopaque, f->tls_opaque);

    if (f->plaintext) {
        sm->plaintext_sessions++;
        unsigned where = (f->on_wire ? PLAINTEXT_ON_WIRE : 0) | (f->in_log ? PLAINTEXT_IN_LOG : 0) |
                         (f->wire_inferred ? PLAINTEXT_WIRE_INFERRED : 0);
        sm->plaintext_on_wire += f->on_wire;
        sm->plaintext_in_log += f->in_log;
        sm->plaintext_wire_inferred += f->on_wire && f->wire_inferred;
        sm->plaintext_wire_passwords += f->on_wire ? f->wire_exposures : 0;
        if (f->user)
            add_user(sm, f->user, where);
    }

    /*
     * One finding per code and step (login-spec §2.2 rule 3), listed or
     * dropped past the session's caps; a violation's count (the rule hit again
     * at its step) adds none.
     */
    for (size_t i = 0; i < f->nviolations; i++)
        count_code(sm, f->violations[i].code, 1, f->violations[i].severity);
    for (size_t i = 0; i < f->ndropped; i++) {
        const struct violation_drop *v = &f->dropped[i];
        char code[sizeof v->code + 1];
        memcpy(code, v->code, sizeof v->code);
        code[sizeof v->code] = '\0';
        count_code(sm, code, (long)v->count, v->severity);
    }

    double lat = f->to_bound;
    if (lat >= 0 && lat <= 1e300) /* also rejects NaN and infinity */
        add_latency(sm, lat);
}

void
summary_add_silents(struct summary *sm, const char *server, const long by_end[SILENT_END_COUNT],
                    usec_t first, usec_t last)
{
    long n = 0;
    for (int e = 0; e < SILENT_END_COUNT; e++)
        n += by_end[e];
    struct silent_server *v = NULL;
    for (size_t i = 0; i < sm->nsilent && !v; i++)
        if (strcmp(sm->silent[i].server, server) == 0)
            v = &sm->silent[i];
    if (!v && sm->nsilent == SILENT_SERVERS_MAX - 1 && strcmp(server, "other") != 0) {
        summary_add_silents(sm, "other", by_end, first, last);
        return;
    }
    if (!v) {
        sm->silent = xreallocarray(sm->silent, sm->nsilent + 1, sizeof(*sm->silent));
        v = &sm->silent[sm->nsilent++];
        memset(v, 0, sizeof(*v));
        v->server = xstrdup(server);
        v->first = first;
        v->last = last;
    }
    v->count += n;
    for (int e = 0; e < SILENT_END_COUNT; e++)
        v->by_end[e] += by_end[e];
    if (first < v->first)
        v->first = first;
    if (last > v->last)
        v->last = last;
    sm->silent_total += n;
}

void
summary_add_flows(struct summary *sm, enum flow_kind kind, const char *server, long count,
                  usec_t first, usec_t last)
{
    struct flow_tally *t = &sm->flows[kind];
    t->total += count;
    /* sorted by endpoint: the same list whatever order the flows end in (-j) */
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->v[mid].server, server) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    struct flow_server *e = lo < t->n && strcmp(t->v[lo].server, server) == 0 ? &t->v[lo] : NULL;
    if (!e && t->n >= SILENT_SERVERS_MAX - 1 && strcmp(server, "other") != 0) {
        t->total -= count; /* counted again by the call for "other" */
        summary_add_flows(sm, kind, "other", count, first, last);
        return;
    }
    if (!e) {
        t->v = xreallocarray(t->v, t->n + 1, sizeof *t->v);
        memmove(&t->v[lo + 1], &t->v[lo], (t->n - lo) * sizeof *t->v);
        t->n++;
        e = &t->v[lo];
        *e = (struct flow_server){.server = xstrdup(server), .first = first, .last = last};
    }
    e->count += count;
    e->first = first < e->first ? first : e->first;
    e->last = last > e->last ? last : e->last;
}

static int
double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p% of values at or below it. */
static size_t
nearest_rank(size_t n, double p)
{
    double r = p * (double)n / 100.0;
    if (!(r > 1))
        return 1;
    if (r >= (double)n)
        return n;
    size_t rank = (size_t)r;
    return (double)rank < r ? rank + 1 : rank;
}

double
summary_percentile(const struct summary *sm, double p)
{
    if (!sm || sm->nlatencies == 0)
        return -1;
    size_t n = sm->nlatencies;
    if (p >= 100)
        return sm->latency_max;
    size_t rank = nearest_rank(n, p);
    if (sm->latency_hist) {
        size_t seen = 0;
        for (size_t k = 0; k < LATENCY_BUCKETS; k++) {
            seen += sm->latency_hist[k];
            if (seen >= rank) {
                double ms = k ? pow(LATENCY_RATIO, (double)k) / 1000.0 : 0.001;
                return ms < sm->latency_max ? ms : sm->latency_max;
            }
        }
        return sm->latency_max;
    }
    double *v = xreallocarray(NULL, n, sizeof(double));
    memcpy(v, sm->latencies, n * sizeof(double));
    qsort(v, n, sizeof(double), double_cmp);
    double result = v[rank - 1];
    free(v);
    return result;
}
