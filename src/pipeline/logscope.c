/* logscope: (set, run, pid) keys for log lines; a set's restart ends its old run (logscope.h). */
#include <config.h>
#include "logscope.h"

#include <stdlib.h>
#include <string.h>

#include "logkey.h"
#include "xalloc.h"

struct logscope {
    struct scope_set {
        unsigned run;  /* start banners seen so far */
        char *node;    /* named by the latest one; NULL: none yet */
    } *sets;
    size_t nsets;
    size_t cur;
    char pid[LOGKEY_MAX], handler[LOGKEY_MAX]; /* the current event's keys */
};

static struct logscope *
scope(struct analyzer *a)
{
    if (!a->scope)
        a->scope = xcalloc(1, sizeof *a->scope);
    return a->scope;
}

void
logscope_input(struct analyzer *a, size_t set)
{
    struct logscope *s = scope(a);
    if (set >= s->nsets) {
        s->sets = xreallocarray(s->sets, set + 1, sizeof *s->sets);
        memset(s->sets + s->nsets, 0, (set + 1 - s->nsets) * sizeof *s->sets);
        s->nsets = set + 1;
    }
    s->cur = set;
    a->log_node = s->sets[set].node;
}

void
logscope_key(struct analyzer *a, struct ejlog_event *ev)
{
    struct logscope *s = scope(a);
    if (!s->nsets)
        logscope_input(a, 0);
    struct scope_set *set = &s->sets[s->cur];
    if (ev->kind == EJ_RUN_START) {
        set->run++;
        if (ev->message) { /* the node, as the banner names it */
            free(set->node);
            set->node = xstrdup(ev->message);
            a->log_node = set->node;
        }
        return;
    }
    if (ev->pid)
        ev->pid = logkey_make(s->pid, ev->pid, s->cur, set->run);
    if (ev->handler)
        ev->handler = logkey_make(s->handler, ev->handler, s->cur, set->run);
}

/* A connection of the current set's earlier runs. */
static bool
of_old_run(const struct conn *c, void *arg)
{
    const struct logscope *s = arg;
    if (!c->login || !login_session(c->login)->has_log)
        return false; /* a capture's */
    size_t set;
    unsigned run;
    logkey_parse(c->key, &set, &run);
    return set == s->cur && run < s->sets[s->cur].run;
}

void
logscope_restart(struct analyzer *a, usec_t t)
{
    /* the node restarted: every c2s of its old run is gone (pids start over in new keys) */
    finish_where(a, LOGIN_END_CLOSED, t, of_old_run, scope(a));
}

void
logscope_free(struct analyzer *a)
{
    struct logscope *s = a->scope;
    if (!s)
        return;
    for (size_t i = 0; i < s->nsets; i++)
        free(s->sets[i].node);
    free(s->sets);
    free(s);
    a->scope = NULL;
    a->log_node = NULL;
}
