/* findings: a session's stored steps and violations, within caps. */
#include <config.h>
#include "findings.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* One code seen in a session. */
struct code_tally {
    unsigned rule;
    unsigned nstored;
    uint32_t stored[VIOLATIONS_PER_CODE]; /* indexes in s->violations, in order */
    size_t drop;                          /* 1 + index in s->violations_dropped; 0: none */
    unsigned last_dropped_seq;            /* the step of the last one dropped */
};

void
findings_clear(struct findings *f)
{
    free(f->tally);
    memset(f, 0, sizeof *f);
}

/* The tally of |rule|, added when it is the first finding of its code. */
static struct code_tally *
tally_of(struct findings *f, unsigned rule)
{
    /* a session sees few codes: a scan, bounded by the number of rules */
    for (size_t i = 0; i < f->ntally; i++)
        if (f->tally[i].rule == rule)
            return &f->tally[i];
    if (f->ntally == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 8;
        f->tally = xreallocarray(f->tally, f->cap, sizeof *f->tally);
    }
    struct code_tally *t = &f->tally[f->ntally++];
    memset(t, 0, sizeof *t);
    t->rule = rule;
    return t;
}

static void
copy_code(char dst[4], const char *code)
{
    memset(dst, 0, 4);
    memcpy(dst, code, strnlen(code, 3));
}

static void
count_dropped(struct code_tally *t, struct session *s, const char *code, enum severity sev, unsigned seq)
{
    if (t->drop && t->last_dropped_seq == seq)
        return; /* hit again at a step already counted */
    t->last_dropped_seq = seq;
    if (!t->drop) {
        s->violations_dropped = xgrow(s->violations_dropped, s->nviolations_dropped,
                                      sizeof *s->violations_dropped);
        struct violation_drop *d = &s->violations_dropped[s->nviolations_dropped++];
        memset(d, 0, sizeof *d);
        copy_code(d->code, code);
        d->severity = sev;
        t->drop = s->nviolations_dropped;
    }
    struct violation_drop *d = &s->violations_dropped[t->drop - 1];
    d->count++;
    if (sev > d->severity)
        d->severity = sev;
}

struct violation *
findings_add(struct findings *f, struct session *s, unsigned rule, const char *code,
             enum severity sev, unsigned seq)
{
    struct code_tally *t = tally_of(f, rule);
    /* login-spec §2.2 rule 3: one finding per rule and step; a repeat is counted on it */
    for (unsigned i = t->nstored; i-- > 0;) {
        struct violation *v = &s->violations[t->stored[i]];
        if (v->seq == seq) {
            v->count++;
            if (sev > v->severity)
                v->severity = sev;
            return v;
        }
    }
    /* every code seen has its first stored: the others stored are nviolations - ntally */
    if (t->nstored > 0 &&
        (t->nstored == VIOLATIONS_PER_CODE || s->nviolations - f->ntally >= VIOLATIONS_KEPT)) {
        count_dropped(t, s, code, sev, seq);
        return NULL;
    }
    s->violations = xgrow(s->violations, s->nviolations, sizeof *s->violations);
    t->stored[t->nstored++] = (uint32_t)s->nviolations;
    struct violation *v = &s->violations[s->nviolations++];
    memset(v, 0, sizeof *v);
    copy_code(v->code, code);
    v->severity = sev;
    v->seq = seq;
    v->count = 1;
    return v;
}
