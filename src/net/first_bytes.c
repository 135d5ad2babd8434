/* first_bytes: tells a connection's protocol by its first bytes (see the header). */
#include <config.h>
#include "first_bytes.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "tls_watch.h"
#include "tlsrec.h"
#include "xalloc.h"

/* The client's first bytes while they may still become a request line (fewer than 8). */
struct first_bytes {
    uint8_t held[8];
    size_t n;
    usec_t time; /* of the first of them */
};

static void *
first_bytes_open(const void *arg)
{
    (void)arg;
    return xcalloc(1, sizeof(struct first_bytes));
}

static void
first_bytes_close(void *state)
{
    free(state);
}

/* Hands the held bytes, then |ch|, to whatever is now at the layer's place (|into|) or above it. */
static void
hand_on(struct layer_call *call, struct first_bytes *fb, bool into, int dir, const struct chunk *ch)
{
    void (*to)(struct layer_call *, int, const struct chunk *) = into ? stack_into : stack_up;
    if (fb->n) {
        struct chunk held = {CHUNK_DATA, fb->held, fb->n, fb->time};
        fb->n = 0;
        to(call, 0, &held);
    }
    if (ch)
        to(call, dir, ch);
}

static void
first_bytes_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    struct first_bytes *fb = state;
    if (ch->kind != CHUNK_DATA && !fb->n) {
        stack_up(call, dir, ch);
        return;
    }
    if (dir == 0 && !fb->n && tlsrec_looks_like_client_hello(ch->data, ch->len)) {
        struct stack_note note = {.what = FIRST_BYTES_TLS, .dir = dir, .time = ch->time};
        stack_note(call, &note);
        stack_replace(call, &tls_watch_layer);
        stack_into(call, dir, ch);
        return;
    }
    enum http_guess guess = HTTP_NO;
    if (dir == 0 && ch->kind == CHUNK_DATA) {
        uint8_t start[8]; /* the held bytes and the new ones: enough to decide */
        size_t take = ch->len < sizeof start - fb->n ? ch->len : sizeof start - fb->n;
        memcpy(start, fb->held, fb->n);
        memcpy(start + fb->n, ch->data, take);
        guess = http_guess_request(start, fb->n + take);
        if (guess == HTTP_MAYBE) { /* fewer than 8 bytes, all of them still a request line's start */
            if (!fb->n)
                fb->time = ch->time;
            memcpy(fb->held + fb->n, ch->data, ch->len);
            fb->n += ch->len;
            return;
        }
    } else if (fb->n) {
        guess = http_guess_request(fb->held, fb->n) == HTTP_YES ? HTTP_YES : HTTP_NO;
    }
    if (guess == HTTP_YES) {
        struct stack_note note = {.what = FIRST_BYTES_HTTP, .dir = dir, .time = ch->time};
        stack_note(call, &note);
        stack_replace(call, &http_layer);
        hand_on(call, fb, true, dir, ch);
        return;
    }
    stack_replace(call, NULL);
    hand_on(call, fb, false, dir, ch);
}

const struct layer_kind first_bytes_layer = {
    .name = "first-bytes",
    .open = first_bytes_open,
    .input = first_bytes_input,
    .close = first_bytes_close,
};
