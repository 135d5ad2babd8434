/* tls_watch: TLS records watched without keys, as a stack layer (see the header). */
#include <config.h>
#include "tls_watch.h"

static void *
tls_watch_open(const void *arg)
{
    (void)arg;
    return tlsrec_new();
}

static void
tls_watch_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    struct tlsrec *t = state;
    if (ch->kind != CHUNK_DATA)
        return;
    tlsrec_feed(t, dir, ch->data, ch->len);
    struct tlsrec_event ev;
    while (tlsrec_next(t, &ev)) {
        struct stack_note note = {.what = (int)ev.kind, .dir = ev.dir, .time = ch->time, .info = &ev};
        stack_note(call, &note);
    }
}

static void
tls_watch_close(void *state)
{
    tlsrec_free(state);
}

const struct layer_kind tls_watch_layer = {
    .name = "tls-watch",
    .open = tls_watch_open,
    .input = tls_watch_input,
    .close = tls_watch_close,
};
