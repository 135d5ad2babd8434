/* tls_watch: TLS records watched, and decrypted with a key log, as a stack layer (see the header). */
#include <config.h>
#include "tls_watch.h"

#include <stdlib.h>

#include "keylog.h"
#include "tlsdec.h"
#include "xalloc.h"

struct tls_watch {
    struct tlsrec *rec;
    struct tlsdec *dec; /* NULL without a key log */
    bool told_opaque;
    bool told_finished; /* TLS_NOTE_FINISHED sent */
    bool above;         /* the first-bytes layer is above */
};

static void *
tls_watch_open(const void *arg)
{
    (void)arg;
    struct tls_watch *w = xcalloc(1, sizeof *w);
    w->rec = tlsrec_new();
    return w;
}

static void
tell_opaque(struct layer_call *call, struct tls_watch *w, int dir, usec_t t)
{
    if (w->told_opaque || !tlsdec_failure(w->dec))
        return;
    w->told_opaque = true;
    struct tls_note_opaque info = {tlsdec_failure_kind(w->dec), tlsdec_failure(w->dec), w->above};
    struct stack_note note = {.what = TLS_NOTE_OPAQUE, .dir = dir, .time = t, .info = &info};
    stack_note(call, &note);
}

struct emit_ctx {
    struct layer_call *call;
    struct tls_watch *w;
    usec_t time;
};

/* Plaintext of |dir| up the stack; the first of it puts first-bytes above to tell XML from HTTP. */
static void
emit(void *arg, int dir, const uint8_t *data, size_t len)
{
    struct emit_ctx *e = arg;
    if (!e->w->above) {
        e->w->above = true;
        /* by name: first-bytes puts this layer in its own place, the two headers do not include each other */
        const struct layer_kind *fb = stack_layer("first-bytes");
        if (fb)
            stack_insert_above(e->call, fb, NULL);
    }
    const uint8_t *fin;
    size_t flen = tlsdec_client_finished(e->w->dec, &fin);
    if (flen && !e->w->told_finished) { /* before the SCRAM exchange that may be bound to it */
        e->w->told_finished = true;
        struct tls_note_finished info = {fin, flen};
        struct stack_note fnote = {.what = TLS_NOTE_FINISHED, .dir = dir, .time = e->time, .info = &info};
        stack_note(e->call, &fnote);
    }
    /* the count first: what the plaintext makes (a BOSH session) reads it */
    unsigned long n[2] = {tlsdec_app_records(e->w->dec, 0), tlsdec_app_records(e->w->dec, 1)};
    struct stack_note note = {.what = TLS_NOTE_RECORDS, .dir = dir, .time = e->time, .info = n};
    stack_note(e->call, &note);
    struct chunk up = {CHUNK_DATA, data, len, e->time};
    stack_up(e->call, dir, &up);
}

static void
tls_watch_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    struct tls_watch *w = state;
    if (ch->kind != CHUNK_DATA) {
        if (w->dec && tlsdec_started(w->dec) && !tlsdec_failure(w->dec)) {
            if (ch->kind == CHUNK_GAP)
                tlsdec_gap(w->dec, dir);
            else if (w->above)
                stack_up(call, dir, ch); /* the end of a direction, for the layers reading the plaintext */
            tell_opaque(call, w, dir, ch->time);
        }
        return;
    }
    tlsrec_feed(w->rec, dir, ch->data, ch->len);
    const struct keylog *kl = stack_env(call);
    const struct tlsrec_hellos *h = tlsrec_hellos(w->rec);
    if (kl && !w->dec)
        w->dec = tlsdec_new();
    if (w->dec && !tlsdec_started(w->dec) && (h->server_seen || tlsrec_established(w->rec))) {
        if (tlsdec_start(w->dec, h, kl)) {
            struct tls_note_keys info = {tlsdec_version_name(w->dec), tlsdec_suite_name(w->dec)};
            struct stack_note note = {.what = TLS_NOTE_DECRYPTING, .dir = dir, .time = ch->time, .info = &info};
            stack_note(call, &note);
        }
        tell_opaque(call, w, dir, ch->time);
    }
    struct tlsrec_event ev;
    while (tlsrec_next(w->rec, &ev)) {
        struct stack_note note = {.what = (int)ev.kind, .dir = ev.dir, .time = ch->time, .info = &ev};
        stack_note(call, &note);
    }
    if (w->dec && !tlsdec_failure(w->dec)) {
        struct emit_ctx e = {call, w, ch->time};
        tlsdec_feed(w->dec, dir, ch->data, ch->len, emit, &e);
        tell_opaque(call, w, dir, ch->time);
    }
}

static void
tls_watch_close(void *state)
{
    struct tls_watch *w = state;
    tlsrec_free(w->rec);
    tlsdec_free(w->dec);
    free(w);
}

const struct layer_kind tls_watch_layer = {
    .name = "tls-watch",
    .open = tls_watch_open,
    .input = tls_watch_input,
    .close = tls_watch_close,
};
