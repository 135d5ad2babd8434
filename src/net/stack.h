/*
 * stack: the layers the bytes of one connection pass through, in both
 * directions, before what is left of them reaches the XMPP framer.
 *
 *     TCP reassembly ──> layer 0 ──> layer 1 ──> … ──> sink (the framer)
 *
 * Today's layers: "first-bytes" (tells direct TLS from XML by the client's
 * first bytes and takes itself out) and "tls-watch" (TLS records: handshake
 * facts; with a key log the records decrypted and their plaintext passed up,
 * without one the rest swallowed). HTTP (BOSH) and WebSocket are layers of
 * the same kind: each one turns the
 * chunks it gets from below into chunks for the layer above, and tells its
 * owner what it learnt through notes, without knowing the connection table,
 * the login state machine or the report.
 *
 * A layer may take itself out, put another in its place (a guess made on the
 * first bytes) or above itself (a protocol upgrade), or the owner may push one under the sink (STARTTLS: TLS
 * starts after <proceed/>). Layers are found by name in a registry, so a new
 * one is its own file plus one registration line (stack_layers.c).
 */
#ifndef XMPPFLOW_STACK_H
#define XMPPFLOW_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timestamp.h"

enum chunk_kind {
    CHUNK_DATA, /* bytes in order */
    CHUNK_GAP,  /* |len| bytes the capture lacks */
    CHUNK_END,  /* the direction ended (FIN) */
};

struct chunk {
    enum chunk_kind kind;
    const uint8_t *data; /* CHUNK_DATA only; valid during the call */
    size_t len;
    usec_t time;         /* when the capture saw it */
};

/* What a layer tells its owner; |what| and |info| are defined by the layer's own header. */
struct stack_note {
    const char *layer; /* the layer kind's name */
    int what;
    int dir;           /* 0 client, 1 server */
    usec_t time;
    const void *info;
};

struct stack;
struct layer_call; /* one layer's view of the stack during a call (stack_up, stack_note …) */

struct layer_kind {
    const char *name;
    /* per-connection state (both directions); |arg| is what the layer that put it there gave (or NULL) */
    void *(*open)(const void *arg);
    /* a chunk of direction |dir| from the layer below */
    void (*input)(struct layer_call *call, void *state, int dir, const struct chunk *ch);
    void (*close)(void *state);            /* NULL is fine */
};

/* The top of the stack: where the chunks that passed every layer go. */
typedef void (*stack_sink)(void *owner, int dir, const struct chunk *ch);
typedef void (*stack_notify)(void *owner, const struct stack_note *note);

struct stack *stack_new(stack_sink sink, stack_notify notify, void *owner);
void stack_free(struct stack *st);

/*
 * What the owner gives every layer of the stack to read (the run's TLS key
 * log, for the TLS layer); NULL by default. Read during input calls with
 * stack_env().
 */
void stack_set_env(struct stack *st, const void *env);

/* Puts a layer of |kind| on top, right under the sink. False when the stack is full. */
bool stack_push(struct stack *st, const struct layer_kind *kind);
/* Bytes of direction |dir| into the bottom layer (or the sink when there is none). */
void stack_input(struct stack *st, int dir, const struct chunk *ch);
/* The layer kinds from the bottom up, comma-separated, for tests and --debug. */
void stack_describe(const struct stack *st, char *out, size_t outlen);
/* The state of the first layer of |kind| in |st|, or NULL. */
void *stack_find(const struct stack *st, const struct layer_kind *kind);

/* ---- for layers, during their input call ---- */

/* The stack's environment (stack_set_env), or NULL. */
const void *stack_env(const struct layer_call *call);
/* Hands |ch| (direction |dir|) to the layer above the calling one. */
void stack_up(struct layer_call *call, int dir, const struct chunk *ch);
/* Tells the owner something; |note->layer| is filled in. */
void stack_note(struct layer_call *call, struct stack_note *note);
/*
 * Puts a layer of |kind| in the caller's place (NULL: takes the caller out).
 * The caller's state is closed after its input call returns; what it passes
 * up after this goes to the layer above it as before, so a layer that
 * replaces itself with another hands that one the chunk with stack_into.
 */
void stack_replace(struct layer_call *call, const struct layer_kind *kind);
/* Hands |ch| to the layer now at the caller's place (after stack_replace). */
void stack_into(struct layer_call *call, int dir, const struct chunk *ch);
/*
 * Puts a layer of |kind| right above the caller, opened with |arg| (read
 * during the call only): what the caller passes up from now on goes to it.
 * HTTP puts WebSocket there after a 101 answer to an Upgrade, and stays
 * below it, passing the bytes up. False when the stack is full.
 */
bool stack_insert_above(struct layer_call *call, const struct layer_kind *kind, const void *arg);

/* ---- registry ---- */

/* The built-in kinds, NULL-terminated (stack_layers.c). */
extern const struct layer_kind *const stack_builtin_layers[];
/* The layer kind called |name|, or NULL. */
const struct layer_kind *stack_layer(const char *name);
/* Adds a kind to the registry (tests; the built-in ones are listed in stack_layers.c). */
bool stack_register(const struct layer_kind *kind);

#endif
