/*
 * Tests for stack: chunks pass layer by layer to the sink; layers take
 * themselves out, put another in their place, are pushed under the sink; a
 * layer written here, in this file only, plugs in by one registration line.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "first_bytes.h"
#include "stack.h"
#include "tls_watch.h"

/* What reached the top of the stack, per direction, and the notes. */
struct seen {
    struct buf bytes[2];
    size_t gaps[2];
    int ends[2];
    char notes[256];
};

static void
sink(void *owner, int dir, const struct chunk *ch)
{
    struct seen *s = owner;
    if (ch->kind == CHUNK_DATA)
        buf_append(&s->bytes[dir], (const char *)ch->data, ch->len);
    else if (ch->kind == CHUNK_GAP)
        s->gaps[dir] += ch->len;
    else
        s->ends[dir]++;
}

static void
notify(void *owner, const struct stack_note *note)
{
    struct seen *s = owner;
    size_t n = strlen(s->notes);
    snprintf(s->notes + n, sizeof s->notes - n, "%s%s:%d", n ? " " : "", note->layer, note->what);
}

static void
data(struct stack *st, int dir, const char *text)
{
    struct chunk ch = {CHUNK_DATA, (const uint8_t *)text, strlen(text), 0};
    stack_input(st, dir, &ch);
}

static const char *
text(struct seen *s, int dir)
{
    buf_append_char(&s->bytes[dir], '\0');
    s->bytes[dir].len--;
    return s->bytes[dir].data ? s->bytes[dir].data : "";
}

static void
seen_clear(struct seen *s)
{
    buf_clear(&s->bytes[0]);
    buf_clear(&s->bytes[1]);
}

/*
 * A layer of this file only: client bytes are sent upper-cased on the wire
 * (a stand-in for a real encoding, TLS or WebSocket masking); it restores
 * them and counts what it saw. Server bytes pass as they are.
 */
struct shout {
    size_t seen;
};

static void *
shout_open(const void *arg)
{
    (void)arg;
    return calloc(1, sizeof(struct shout));
}

static void
shout_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    struct shout *sh = state;
    if (ch->kind != CHUNK_DATA || dir == 1) {
        stack_up(call, dir, ch);
        return;
    }
    char out[256];
    size_t n = ch->len < sizeof out ? ch->len : sizeof out;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower(ch->data[i]);
    sh->seen += n;
    struct chunk up = {CHUNK_DATA, (const uint8_t *)out, n, ch->time};
    stack_up(call, dir, &up);
}

static void
shout_close(void *state)
{
    free(state);
}

static const struct layer_kind shout_layer = {
    .name = "shout", .open = shout_open, .input = shout_input, .close = shout_close};

Test(stack, a_layer_of_its_own_file_plugs_in_by_one_registration_line)
{
    cr_assert(stack_register(&shout_layer)); /* the registration line */
    cr_assert(!stack_register(&shout_layer), "a name is registered once");
    cr_assert_eq(stack_layer("shout"), &shout_layer);
    cr_assert_eq(stack_layer("tls-watch"), &tls_watch_layer);
    cr_assert_null(stack_layer("no-such-layer"));

    struct seen s = {0};
    struct stack *st = stack_new(sink, notify, &s);
    cr_assert(stack_push(st, stack_layer("shout")));
    data(st, 0, "<STREAM:STREAM TO='EXAMPLE.ORG'>");
    data(st, 1, "<stream:stream from='example.org'>");
    cr_assert_str_eq(text(&s, 0), "<stream:stream to='example.org'>");
    cr_assert_str_eq(text(&s, 1), "<stream:stream from='example.org'>");
    struct shout *sh = stack_find(st, &shout_layer);
    cr_assert_not_null(sh);
    cr_assert_eq(sh->seen, strlen("<stream:stream to='example.org'>"));
    stack_free(st);
    seen_clear(&s);
}

Test(stack, an_empty_stack_hands_everything_to_the_sink)
{
    struct seen s = {0};
    struct stack *st = stack_new(sink, notify, &s);
    data(st, 0, "<a/>");
    struct chunk gap = {CHUNK_GAP, NULL, 12, 0}, end = {CHUNK_END, NULL, 0, 0};
    stack_input(st, 1, &gap);
    stack_input(st, 1, &end);
    cr_assert_str_eq(text(&s, 0), "<a/>");
    cr_assert_eq(s.gaps[1], 12);
    cr_assert_eq(s.ends[1], 1);
    stack_free(st);
    seen_clear(&s);
}

Test(stack, first_bytes_of_xml_take_the_guessing_layer_out)
{
    struct seen s = {0};
    struct stack *st = stack_new(sink, notify, &s);
    stack_push(st, &first_bytes_layer);
    struct chunk gap = {CHUNK_GAP, NULL, 5, 0};
    stack_input(st, 0, &gap); /* decides nothing */
    char layers[64];
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "first-bytes");
    data(st, 0, "<?xml version='1.0'?><stream:stream>");
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "");
    cr_assert_str_eq(text(&s, 0), "<?xml version='1.0'?><stream:stream>");
    cr_assert_eq(s.gaps[0], 5);
    cr_assert_str_eq(s.notes, "");
    stack_free(st);
    seen_clear(&s);
}

/* A TLS 1.2 record holding a ClientHello of minimal length, as the client's first bytes. */
static const uint8_t client_hello[] = {
    0x16, 0x03, 0x01, 0x00, 0x2d, /* handshake record, 45 bytes */
    0x01, 0x00, 0x00, 0x29,       /* ClientHello, 41 bytes */
    0x03, 0x03,                   /* client_version */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* random */
    0x00,                                           /* session_id */
    0x00, 0x02, 0x13, 0x01,                         /* cipher_suites */
    0x01, 0x00,                                     /* compression_methods */
};

Test(stack, a_client_hello_first_puts_tls_watch_in_place)
{
    struct seen s = {0};
    struct stack *st = stack_new(sink, notify, &s);
    stack_push(st, &first_bytes_layer);
    struct chunk ch = {CHUNK_DATA, client_hello, sizeof client_hello, 0};
    stack_input(st, 0, &ch);
    char layers[64];
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "tls-watch");
    cr_assert_eq(s.bytes[0].len, 0, "no TLS byte reaches the framer");
    char want[64];
    snprintf(want, sizeof want, "first-bytes:%d tls-watch:%d", FIRST_BYTES_TLS, TLSREC_CLIENT_HELLO);
    cr_assert_str_eq(s.notes, want);
    stack_free(st);
    seen_clear(&s);
}

Test(stack, starttls_pushes_tls_watch_under_the_sink)
{
    struct seen s = {0};
    struct stack *st = stack_new(sink, notify, &s);
    stack_push(st, &first_bytes_layer);
    data(st, 0, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    data(st, 1, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    cr_assert(stack_push(st, &tls_watch_layer)); /* what the owner does after <proceed/> */
    struct chunk ch = {CHUNK_DATA, client_hello, sizeof client_hello, 0};
    stack_input(st, 0, &ch);
    cr_assert_str_eq(text(&s, 0), "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    char want[32];
    snprintf(want, sizeof want, "tls-watch:%d", TLSREC_CLIENT_HELLO);
    cr_assert_str_eq(s.notes, want);
    stack_free(st);
    seen_clear(&s);
}

/* A layer that, on its first chunk, puts shout in its place and hands it the chunk. */
static void
hand_over_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    (void)state;
    stack_replace(call, &shout_layer);
    stack_into(call, dir, ch);
}

static const struct layer_kind hand_over_layer = {.name = "hand-over", .input = hand_over_input};

Test(stack, a_layer_replaced_hands_its_chunk_to_the_new_one)
{
    struct seen s = {0};
    struct stack *st = stack_new(sink, notify, &s);
    stack_push(st, &hand_over_layer);
    stack_push(st, &shout_layer);
    data(st, 0, "ABC");
    data(st, 0, "DEF");
    char layers[64];
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "shout,shout");
    cr_assert_str_eq(text(&s, 0), "abcdef");
    stack_free(st);
    seen_clear(&s);
}

/*
 * A stand-in for HTTP's Upgrade: bytes pass as they are until the server
 * says "101"; then the layer puts the "word" layer above itself, handing it
 * the protocol the answer named ("xmpp"), and keeps passing bytes up, now
 * through it. The word layer lower-cases the client's bytes, as shout does.
 */
struct word {
    struct shout shout; /* what it lower-cased */
    char word[16];
};

static void *
word_open(const void *arg)
{
    struct word *w = calloc(1, sizeof *w);
    snprintf(w->word, sizeof w->word, "%s", arg ? (const char *)arg : "(none)");
    return w;
}

static void
word_close(void *state)
{
    free(state);
}

static void
word_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    struct word *w = state;
    shout_input(call, &w->shout, dir, ch);
}

static const struct layer_kind word_layer = {
    .name = "word", .open = word_open, .input = word_input, .close = word_close};

static void
upgrade_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    (void)state;
    if (ch->kind == CHUNK_DATA && dir == 1 && ch->len >= 3 && memcmp(ch->data, "101", 3) == 0) {
        char protocol[8] = "xmpp"; /* gone after the call: the new layer copies what it keeps */
        cr_assert(stack_insert_above(call, &word_layer, protocol));
        memset(protocol, 0, sizeof protocol);
        return; /* the answer itself is the layer's, not the layer above's */
    }
    stack_up(call, dir, ch);
}

static const struct layer_kind upgrade_layer = {.name = "upgrade", .input = upgrade_input};

Test(stack, a_layer_puts_another_above_itself_with_an_argument)
{
    struct seen s = {0};
    struct stack *st = stack_new(sink, notify, &s);
    cr_assert(stack_push(st, &upgrade_layer));
    data(st, 0, "GET /WS HTTP/1.1");
    data(st, 1, "101 Switching Protocols");
    data(st, 0, "<OPEN/>");
    char layers[64];
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "upgrade,word");
    cr_assert_str_eq(text(&s, 0), "GET /WS HTTP/1.1<open/>",
                     "before the upgrade as is, after it through the layer above");
    cr_assert_str_eq(text(&s, 1), "");
    struct word *w = stack_find(st, &word_layer);
    cr_assert_not_null(w);
    cr_assert_str_eq(w->word, "xmpp", "the argument reached the new layer's open");
    stack_free(st);
    seen_clear(&s);
}
