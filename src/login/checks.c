/* checks: the table's engine: a fact in, the rows that watch it, the session's violations out. */
#include <config.h>
#include "checks.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abbrev.h"
#include "findings.h"
#include "xalloc.h"

/* Longest message in bytes: parts of it come from the input. */
#define MESSAGE_MAX 512

enum severity
check_severity(enum spec_level level)
{
    return level >= LEVEL_HIGH ? SEV_ERROR : level >= LEVEL_LOW ? SEV_WARNING : SEV_INFO;
}

const char *
spec_level_name(enum spec_level level)
{
    static const char *const names[] = {"info", "low", "medium", "high", "critical"};
    return (unsigned)level < sizeof names / sizeof names[0] ? names[level] : "?";
}

const struct check *
check_find(const char *id)
{
    for (size_t i = 0; i < check_table_len; i++)
        if (strcmp(check_table[i].id, id) == 0)
            return &check_table[i];
    return NULL;
}

/*
 * For each fact kind and event, the rows that watch it, in table order: a
 * fact comes with every element of every login, and most rows watch one or
 * two events, so the rows are found by index, not by a scan of the table.
 * Built on first use (per thread, like the framer's tables: no lock).
 */
enum { MAX_ROWS_PER_EVENT = 32 };

struct watchers {
    unsigned char n;
    unsigned char row[MAX_ROWS_PER_EVENT];
};

static void
add_watcher(struct watchers *w, size_t row)
{
    if (w->n == MAX_ROWS_PER_EVENT)
        abort(); /* a bug in the table: raise MAX_ROWS_PER_EVENT */
    w->row[w->n++] = (unsigned char)row;
}

static const struct watchers *
watchers_of(enum fact_kind kind, enum event ev)
{
    static _Thread_local struct watchers index[FACT__COUNT][EV__COUNT];
    static _Thread_local bool built;
    if (!built) {
        _Static_assert(EV__COUNT < 256, "events fit the index");
        if (check_table_len > 255)
            abort(); /* row numbers are bytes */
        /* row by row, so that each list is in table order */
        for (size_t i = 0; i < check_table_len; i++) {
            const struct check *c = &check_table[i];
            for (int k = 0; c->holds && k < FACT__COUNT; k++) {
                if (!(c->on & ON(k)))
                    continue;
                if (c->events[0] == EV_NONE)
                    for (int e = 0; e < EV__COUNT; e++)
                        add_watcher(&index[k][e], i);
                for (size_t j = 0; j < sizeof c->events / sizeof c->events[0] &&
                                   c->events[j] != EV_NONE;
                     j++)
                    add_watcher(&index[k][c->events[j]], i);
            }
        }
        built = true;
    }
    if ((unsigned)kind >= FACT__COUNT || (unsigned)ev >= EV__COUNT)
        return NULL;
    return &index[kind][ev];
}

void
say(struct finding *out, const char *fmt, ...)
{
    if (out->message)
        return; /* the first wording stands */
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    /* into a stack buffer first: one exact allocation for the usual short message */
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n >= 0 && (size_t)n < sizeof tmp) {
        out->message = xstrndup(tmp, (size_t)n);
    } else if (n >= 0) {
        if (vasprintf(&out->message, fmt, again) < 0) {
            out->message = NULL;
        } else if ((size_t)n > MESSAGE_MAX) {
            abbrev_clip(out->message, MESSAGE_MAX);
            out->message = xrealloc(out->message, MESSAGE_MAX + 1);
        }
    }
    va_end(again);
    va_end(ap);
}

/*
 * Records the finding of row |c|: stored, counted on the violation already
 * stored at its step, or counted only past the session's caps (findings.h).
 * The wording is the first one given at that step.
 */
static void
record(struct login *l, const struct check *c, struct finding *out)
{
    enum severity sev = out->severity >= 0 ? (enum severity)out->severity : check_severity(c->level);
    for (unsigned hit = 0; hit < out->hits; hit++) {
        struct violation *v = findings_add(&l->findings, &l->s, (unsigned)(c - check_table), c->id,
                                           sev, out->seq);
        if (!v)
            continue;
        if (!v->message) {
            v->ref = c->ref;
            v->message = out->message ? out->message : xstrdup(c->message);
            out->message = NULL;
        }
        if (out->ref)
            v->ref = out->ref;
    }
    free(out->message);
    out->message = NULL;
}

bool
checks_raise(struct login *l, const struct fact *f)
{
    const struct watchers *w = watchers_of(f->kind, f->ev);
    bool any = false;
    /* a predicate fills in |out| only when it holds (a wording at most, otherwise) */
    const struct finding fresh = {.seq = f->seq, .severity = -1, .hits = 1};
    struct finding out = fresh;
    for (unsigned i = 0; w && i < w->n; i++) {
        const struct check *c = &check_table[w->row[i]];
        if (!c->holds(l, f, &out)) {
            if (out.message) {
                free(out.message);
                out.message = NULL;
            }
            continue;
        }
        record(l, c, &out);
        out = fresh;
        any = true;
        if (f->kind == FACT_OUT_OF_ORDER)
            break; /* an element out of order is named once: by the first row that holds */
    }
    return any;
}
