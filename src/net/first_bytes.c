/* first_bytes: tells a connection's protocol by its first bytes (see the header). */
#include <config.h>
#include "first_bytes.h"

#include "tls_watch.h"
#include "tlsrec.h"

static void
first_bytes_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    (void)state;
    if (ch->kind != CHUNK_DATA) {
        stack_up(call, dir, ch);
        return;
    }
    if (dir == 0 && tlsrec_looks_like_client_hello(ch->data, ch->len)) {
        struct stack_note note = {.what = FIRST_BYTES_TLS, .dir = dir, .time = ch->time};
        stack_note(call, &note);
        stack_replace(call, &tls_watch_layer);
        stack_into(call, dir, ch);
        return;
    }
    stack_replace(call, NULL);
    stack_up(call, dir, ch);
}

const struct layer_kind first_bytes_layer = {
    .name = "first-bytes",
    .input = first_bytes_input,
};
