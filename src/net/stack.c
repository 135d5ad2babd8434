/* stack: the layers of one connection (see the header). */
#include <config.h>
#include "stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Deeper than any real stack: TLS, HTTP, WebSocket, deflate, and a watch or two. */
#define STACK_MAX 8

struct stack {
    struct {
        const struct layer_kind *kind;
        void *state;
    } layer[STACK_MAX];
    int n;
    stack_sink sink;
    stack_notify notify;
    void *owner;
    const void *env;
};

struct layer_call {
    struct stack *st;
    int level;     /* the caller's place */
    int up;        /* where stack_up delivers: level + 1, or level once the caller is out */
    const struct layer_kind *gone_kind; /* the caller, replaced: closed after its call */
    void *gone_state;
};

struct stack *
stack_new(stack_sink sink, stack_notify notify, void *owner)
{
    struct stack *st = xcalloc(1, sizeof *st);
    st->sink = sink;
    st->notify = notify;
    st->owner = owner;
    return st;
}

void
stack_set_env(struct stack *st, const void *env)
{
    st->env = env;
}

const void *
stack_env(const struct layer_call *call)
{
    return call->st->env;
}

static void
close_layer(const struct layer_kind *kind, void *state)
{
    if (kind && kind->close)
        kind->close(state);
}

void
stack_free(struct stack *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->n; i++)
        close_layer(st->layer[i].kind, st->layer[i].state);
    free(st);
}

bool
stack_push(struct stack *st, const struct layer_kind *kind)
{
    if (st->n == STACK_MAX)
        return false;
    st->layer[st->n].kind = kind;
    st->layer[st->n].state = kind->open ? kind->open(NULL) : NULL;
    st->n++;
    return true;
}

static void
deliver(struct stack *st, int level, int dir, const struct chunk *ch)
{
    if (level >= st->n) {
        st->sink(st->owner, dir, ch);
        return;
    }
    struct layer_call call = {st, level, level + 1, NULL, NULL};
    st->layer[level].kind->input(&call, st->layer[level].state, dir, ch);
    close_layer(call.gone_kind, call.gone_state);
}

void
stack_input(struct stack *st, int dir, const struct chunk *ch)
{
    deliver(st, 0, dir, ch);
}

void
stack_up(struct layer_call *call, int dir, const struct chunk *ch)
{
    deliver(call->st, call->up, dir, ch);
}

void
stack_into(struct layer_call *call, int dir, const struct chunk *ch)
{
    deliver(call->st, call->level, dir, ch);
}

void
stack_note(struct layer_call *call, struct stack_note *note)
{
    struct stack *st = call->st;
    note->layer = call->gone_kind ? call->gone_kind->name : st->layer[call->level].kind->name;
    if (st->notify)
        st->notify(st->owner, note);
}

void
stack_replace(struct layer_call *call, const struct layer_kind *kind)
{
    struct stack *st = call->st;
    if (call->gone_kind)
        return; /* once per call: the caller is already out */
    int i = call->level;
    call->gone_kind = st->layer[i].kind;
    call->gone_state = st->layer[i].state;
    if (kind) {
        st->layer[i].kind = kind;
        st->layer[i].state = kind->open ? kind->open(NULL) : NULL;
        return;
    }
    memmove(&st->layer[i], &st->layer[i + 1], (size_t)(st->n - i - 1) * sizeof st->layer[0]);
    st->n--;
    call->up = i;
}

bool
stack_insert_above(struct layer_call *call, const struct layer_kind *kind, const void *arg)
{
    struct stack *st = call->st;
    if (st->n == STACK_MAX)
        return false;
    int at = call->up; /* right above the caller (its own place once it is out) */
    memmove(&st->layer[at + 1], &st->layer[at], (size_t)(st->n - at) * sizeof st->layer[0]);
    st->layer[at].kind = kind;
    st->layer[at].state = kind->open ? kind->open(arg) : NULL;
    st->n++;
    return true;
}

void
stack_describe(const struct stack *st, char *out, size_t outlen)
{
    size_t at = 0;
    if (outlen)
        out[0] = '\0';
    for (int i = 0; i < st->n && at < outlen; i++) {
        int w = snprintf(out + at, outlen - at, "%s%s", i ? "," : "", st->layer[i].kind->name);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

void *
stack_find(const struct stack *st, const struct layer_kind *kind)
{
    for (int i = 0; i < st->n; i++)
        if (st->layer[i].kind == kind)
            return st->layer[i].state;
    return NULL;
}

/* ---- registry ---- */

#define EXTRA_KINDS 16
static const struct layer_kind *extra_kinds[EXTRA_KINDS];

const struct layer_kind *
stack_layer(const char *name)
{
    for (size_t i = 0; stack_builtin_layers[i]; i++)
        if (strcmp(stack_builtin_layers[i]->name, name) == 0)
            return stack_builtin_layers[i];
    for (size_t i = 0; i < EXTRA_KINDS && extra_kinds[i]; i++)
        if (strcmp(extra_kinds[i]->name, name) == 0)
            return extra_kinds[i];
    return NULL;
}

bool
stack_register(const struct layer_kind *kind)
{
    if (stack_layer(kind->name))
        return false;
    for (size_t i = 0; i < EXTRA_KINDS; i++) {
        if (!extra_kinds[i]) {
            extra_kinds[i] = kind;
            return true;
        }
    }
    return false;
}
