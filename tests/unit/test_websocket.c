/*
 * Tests for the websocket layer (RFC 6455, RFC 7692, RFC 7395): frames built
 * here byte by byte, masked or not, fragmented, interleaved with control
 * frames, compressed with zlib with and without context takeover, split at
 * every byte; what goes up is whole messages, what is wrong is a note.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "http.h"
#include "stack.h"
#include "websocket.h"
#include "ws_shape.h"

/* What reached the top, per direction: the messages (each followed by '|'), gaps, ends, notes. */
struct seen {
    struct buf up[2];
    size_t gaps[2];
    int ends[2];
    struct buf notes; /* "dir:what:code:message;" */
};

static void
sink(void *owner, int dir, const struct chunk *ch)
{
    struct seen *s = owner;
    if (ch->kind == CHUNK_DATA) {
        buf_append(&s->up[dir], ch->data, ch->len);
        buf_append_char(&s->up[dir], '|');
    } else if (ch->kind == CHUNK_GAP) {
        s->gaps[dir] += ch->len;
        buf_append_str(&s->up[dir], "[gap]");
    } else {
        s->ends[dir]++;
    }
}

static void
notify(void *owner, const struct stack_note *note)
{
    struct seen *s = owner;
    const struct websocket_info *info = note->info;
    cr_assert_str_eq(note->layer, "websocket");
    buf_printf(&s->notes, "%d:%d:%u:%s;", note->dir, note->what, info->code,
               note->what == WEBSOCKET_NOTE_CLOSE ? info->reason : info->message);
}

/*
 * A stand-in for the http layer: on its first chunk it puts websocket above
 * itself with the upgrade it was made with, then passes every chunk up.
 */
static struct http_upgrade upgrade;

static void
launcher_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    bool *launched = state;
    if (!*launched) {
        cr_assert(stack_insert_above(call, &websocket_layer, &upgrade));
        *launched = true;
    }
    stack_up(call, dir, ch);
}

static void *
launcher_open(const void *arg)
{
    (void)arg;
    return calloc(1, sizeof(bool));
}

static const struct layer_kind launcher_layer = {
    .name = "launcher", .open = launcher_open, .input = launcher_input, .close = free};

static struct stack *
ws_stack(struct seen *s, const char *extensions)
{
    memset(&upgrade, 0, sizeof upgrade);
    upgrade.protocol = "xmpp";
    upgrade.extensions = extensions;
    struct stack *st = stack_new(sink, notify, s);
    stack_push(st, &launcher_layer);
    return st;
}

static void
seen_free(struct seen *s)
{
    buf_clear(&s->up[0]);
    buf_clear(&s->up[1]);
    buf_clear(&s->notes);
}

static const char *
str(struct buf *b)
{
    return buf_str(b);
}

static void
feed(struct stack *st, int dir, const struct buf *wire, size_t from, size_t to)
{
    struct chunk ch = {CHUNK_DATA, (const uint8_t *)wire->data + from, to - from, 0};
    stack_input(st, dir, &ch);
}

static void
feed_all(struct stack *st, int dir, const struct buf *wire)
{
    feed(st, dir, wire, 0, wire->len);
}

/* Appends one frame: fin, rsv bits (4 = RSV1), opcode, payload, masked with |key| when given. */
static void
frame(struct buf *w, bool fin, unsigned rsv, unsigned opcode, const void *payload, size_t n,
      const uint8_t *key)
{
    buf_append_char(w, (char)((fin ? 0x80 : 0) | rsv << 4 | opcode));
    uint8_t m = key ? 0x80 : 0;
    if (n < 126) {
        buf_append_char(w, (char)(m | n));
    } else if (n <= 0xffff) {
        buf_append_char(w, (char)(m | 126));
        buf_append_char(w, (char)(n >> 8));
        buf_append_char(w, (char)n);
    } else {
        buf_append_char(w, (char)(m | 127));
        for (int i = 7; i >= 0; i--)
            buf_append_char(w, (char)((uint64_t)n >> (8 * i)));
    }
    if (key)
        buf_append(w, key, 4);
    const uint8_t *p = payload;
    for (size_t i = 0; i < n; i++)
        buf_append_char(w, (char)(key ? p[i] ^ key[i & 3] : p[i]));
}

static const uint8_t key1[4] = {0x37, 0xfa, 0x21, 0x3d};

/* A client text message in one masked frame; a server one unmasked. */
static void
client_text(struct buf *w, const char *text)
{
    frame(w, true, 0, 1, text, strlen(text), key1);
}

static void
server_text(struct buf *w, const char *text)
{
    frame(w, true, 0, 1, text, strlen(text), NULL);
}

#define OPEN "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.org' version='1.0'/>"

Test(websocket, a_masked_client_message_and_a_server_message_go_up_whole)
{
    struct seen s = {0};
    struct stack *st = ws_stack(&s, NULL);
    struct buf c = {0}, sv = {0};
    client_text(&c, OPEN);
    server_text(&sv, "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='1' version='1.0'/>");
    feed_all(st, 0, &c);
    feed_all(st, 1, &sv);
    cr_assert_str_eq(str(&s.up[0]), OPEN "|");
    cr_assert_str_eq(str(&s.up[1]),
                     "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='1' version='1.0'/>|");
    cr_assert_str_eq(str(&s.notes), "");
    char layers[64];
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "launcher,websocket");
    stack_free(st);
    buf_clear(&c);
    buf_clear(&sv);
    seen_free(&s);
}

/* A wire of every kind of frame: 7- and 16-bit lengths, fragments, a ping between them, a close. */
static void
mixed_wire(struct buf *w, struct buf *want)
{
    char big[300];
    memset(big, 'x', sizeof big);
    memcpy(big, "<message><body>", 15);
    memcpy(big + sizeof big - 17, "</body></message>", 17);
    frame(w, true, 0, 1, big, sizeof big, key1); /* 16-bit length */
    frame(w, false, 0, 1, "<presence", 9, key1);
    frame(w, true, 0, 9, "ping!", 5, key1); /* control frame between fragments */
    frame(w, false, 0, 0, " type='", 7, key1);
    frame(w, true, 0, 0, "away'/>", 7, key1);
    uint8_t close[] = {0x03, 0xe8, 'b', 'y', 'e'}; /* 1000 */
    frame(w, true, 0, 8, close, sizeof close, key1);
    buf_append(want, big, sizeof big);
    buf_append_str(want, "|<presence type='away'/>|");
}

Test(websocket, frames_split_at_every_byte_give_the_same_messages)
{
    struct buf wire = {0}, want = {0};
    mixed_wire(&wire, &want);
    char notes_whole[256];
    {
        struct seen s = {0};
        struct stack *st = ws_stack(&s, NULL);
        feed_all(st, 0, &wire);
        cr_assert_str_eq(str(&s.up[0]), str(&want));
        snprintf(notes_whole, sizeof notes_whole, "%s", str(&s.notes));
        char close_note[32];
        snprintf(close_note, sizeof close_note, "0:%d:1000:bye;", WEBSOCKET_NOTE_CLOSE);
        cr_assert_str_eq(notes_whole, close_note);
        struct websocket_counts n;
        websocket_counts(stack_find(st, &websocket_layer), 0, &n);
        cr_assert_eq(n.frames, 6);
        cr_assert_eq(n.messages, 2);
        cr_assert_eq(n.pings, 1);
        cr_assert_eq(n.closes, 1);
        stack_free(st);
        seen_free(&s);
    }
    for (size_t cut = 1; cut < wire.len; cut++) {
        struct seen s = {0};
        struct stack *st = ws_stack(&s, NULL);
        feed(st, 0, &wire, 0, cut);
        feed(st, 0, &wire, cut, wire.len);
        cr_assert_str_eq(str(&s.up[0]), str(&want), "cut at %zu", cut);
        cr_assert_str_eq(str(&s.notes), notes_whole, "cut at %zu", cut);
        stack_free(st);
        seen_free(&s);
    }
    struct seen s = {0};
    struct stack *st = ws_stack(&s, NULL);
    for (size_t i = 0; i < wire.len; i++)
        feed(st, 0, &wire, i, i + 1);
    cr_assert_str_eq(str(&s.up[0]), str(&want), "byte by byte");
    stack_free(st);
    seen_free(&s);
    buf_clear(&wire);
    buf_clear(&want);
}

static bool
has_note(struct seen *s, int dir, enum websocket_note what, const char *words)
{
    char head[16];
    snprintf(head, sizeof head, "%d:%d:", dir, what);
    for (const char *p = str(&s->notes); (p = strstr(p, head)); p++)
        if (p == str(&s->notes) || p[-1] == ';') {
            const char *end = strchr(p, ';');
            if (!words || (strstr(p, words) && strstr(p, words) < end))
                return true;
        }
    return false;
}

static unsigned
count_notes(struct seen *s, int dir, enum websocket_note what)
{
    unsigned n = 0;
    char head[16];
    snprintf(head, sizeof head, "%d:%d:", dir, what);
    for (const char *p = str(&s->notes); (p = strstr(p, head)); p++)
        n += p == str(&s->notes) || p[-1] == ';';
    return n;
}

Test(websocket, unmasked_client_frames_and_masked_server_frames_are_noted_once)
{
    struct seen s = {0};
    struct stack *st = ws_stack(&s, NULL);
    struct buf c = {0}, sv = {0};
    server_text(&c, OPEN); /* unmasked, from the client */
    server_text(&c, "<presence/>");
    client_text(&sv, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"); /* masked */
    feed_all(st, 0, &c);
    feed_all(st, 1, &sv);
    cr_assert_str_eq(str(&s.up[0]), OPEN "|<presence/>|", "still read");
    cr_assert_str_eq(str(&s.up[1]), "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>|");
    cr_assert_eq(count_notes(&s, 0, WEBSOCKET_NOTE_MASKING), 1);
    cr_assert(has_note(&s, 0, WEBSOCKET_NOTE_MASKING, "client frame not masked"));
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_MASKING, "server frame masked"));
    stack_free(st);
    buf_clear(&c);
    buf_clear(&sv);
    seen_free(&s);
}

Test(websocket, close_codes_and_control_frame_rules)
{
    struct seen s = {0};
    struct stack *st = ws_stack(&s, NULL);
    struct buf w = {0};
    uint8_t no_status[] = {0x03, 0xed}; /* 1005: never on the wire */
    frame(&w, true, 0, 8, no_status, 2, NULL);
    char long_ping[130];
    memset(long_ping, 'p', sizeof long_ping);
    frame(&w, true, 0, 9, long_ping, sizeof long_ping, NULL);
    frame(&w, false, 0, 10, "x", 1, NULL);  /* fragmented pong */
    frame(&w, true, 0, 8, "\x01", 1, NULL); /* one byte: no code */
    feed_all(st, 1, &w);
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_CLOSE, NULL));
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "code 1005"));
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "control frame of 130 bytes"));
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "control frame fragmented"));
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "1-byte payload"));
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "after its close frame"));
    cr_assert_str_eq(str(&s.up[1]), "");
    stack_free(st);
    buf_clear(&w);
    seen_free(&s);
}

Test(websocket, protocol_errors_are_notes_and_bounded_in_number)
{
    struct seen s = {0};
    struct stack *st = ws_stack(&s, NULL);
    struct buf w = {0};
    frame(&w, true, 4, 1, "<a/>", 4, NULL);  /* RSV1 without permessage-deflate */
    frame(&w, true, 0, 0, "<b/>", 4, NULL);  /* continuation of nothing */
    frame(&w, true, 0, 3, "zz", 2, NULL);    /* reserved opcode */
    frame(&w, true, 2, 1, "<c/>", 4, NULL);  /* RSV2 */
    for (int i = 0; i < 20; i++)
        frame(&w, true, 0, 0, "<d/>", 4, NULL);
    feed_all(st, 1, &w);
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "RSV1 set, but permessage-deflate was not"));
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "no message to continue"));
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "reserved opcode 3"));
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "RSV2 or RSV3"));
    cr_assert_eq(count_notes(&s, 1, WEBSOCKET_NOTE_ERROR), 8);
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "further WebSocket errors"));
    struct websocket_counts n;
    websocket_counts(stack_find(st, &websocket_layer), 1, &n);
    cr_assert_eq(n.errors, 25, "%lu", n.errors); /* the RSV1 frame does not inflate either */
    cr_assert(strstr(str(&s.up[1]), "<c/>|"), "a frame with a bad bit is still read");
    stack_free(st);
    buf_clear(&w);
    seen_free(&s);
}

Test(websocket, a_binary_message_is_noted_and_still_passed_up)
{
    struct seen s = {0};
    struct stack *st = ws_stack(&s, NULL);
    struct buf w = {0};
    frame(&w, true, 0, 2, "<presence/>", 11, key1);
    feed_all(st, 0, &w);
    cr_assert_str_eq(str(&s.up[0]), "<presence/>|");
    cr_assert(has_note(&s, 0, WEBSOCKET_NOTE_BINARY, NULL));
    stack_free(st);
    buf_clear(&w);
    seen_free(&s);
}

Test(websocket, messages_not_one_element_and_whitespace_keepalives_are_noted)
{
    struct seen s = {0};
    struct stack *st = ws_stack(&s, NULL);
    struct buf w = {0};
    client_text(&w, "<presence/><presence/>");
    client_text(&w, " ");
    client_text(&w, "<message><body>half");
    client_text(&w, "text<a/>");
    feed_all(st, 0, &w);
    cr_assert(has_note(&s, 0, WEBSOCKET_NOTE_NOT_ONE_ELEMENT, "2 elements"));
    cr_assert(has_note(&s, 0, WEBSOCKET_NOTE_WHITESPACE, "whitespace only"));
    cr_assert(has_note(&s, 0, WEBSOCKET_NOTE_NOT_ONE_ELEMENT, "not closed"));
    cr_assert(has_note(&s, 0, WEBSOCKET_NOTE_NOT_ONE_ELEMENT, "starts with text"));
    stack_free(st);
    buf_clear(&w);
    seen_free(&s);
}

Test(websocket, message_shapes)
{
    char why[80];
    struct {
        const char *text;
        enum ws_shape shape;
    } cases[] = {
        {"<a/>", WS_SHAPE_ONE_ELEMENT},
        {"<a x='>'>t<![CDATA[<b>]]><!-- <c> --></a>\n", WS_SHAPE_ONE_ELEMENT},
        {"<?xml version='1.0'?><a/>", WS_SHAPE_ONE_ELEMENT},
        {"\r\n", WS_SHAPE_WHITESPACE},
        {"<a/><b/>", WS_SHAPE_OTHER},
        {"<a>", WS_SHAPE_OTHER},
        {"<a/>x", WS_SHAPE_OTHER},
        {"</a>", WS_SHAPE_OTHER},
        {" <a/>", WS_SHAPE_OTHER},
        {"<a x='", WS_SHAPE_OTHER},
        {"", WS_SHAPE_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(ws_message_shape((const uint8_t *)cases[i].text, strlen(cases[i].text), why,
                                      sizeof why),
                     cases[i].shape, "%s", cases[i].text);
}

/* ---- permessage-deflate ---- */

/* One message compressed on |z| (its window kept or not by the caller), trailer taken off. */
static void
deflate_message(z_stream *z, const char *text, size_t n, struct buf *out)
{
    uint8_t tmp[1 << 16];
    z->next_in = (Bytef *)text;
    z->avail_in = (uInt)n;
    do {
        z->next_out = tmp;
        z->avail_out = sizeof tmp;
        cr_assert_neq(deflate(z, Z_SYNC_FLUSH), Z_STREAM_ERROR);
        buf_append(out, tmp, sizeof tmp - z->avail_out);
    } while (z->avail_out == 0);
    cr_assert(out->len >= 4 && memcmp(out->data + out->len - 4, "\0\0\xff\xff", 4) == 0);
    out->len -= 4;
}

static void
deflater(z_stream *z)
{
    memset(z, 0, sizeof *z);
    cr_assert_eq(deflateInit2(z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
}

/* Two messages alike: the second compresses to back-references into the first. */
#define M1 "<message to='alice@example.org'><body>hello hello hello</body></message>"
#define M2 "<message to='alice@example.org'><body>hello hello again</body></message>"

static void
compressed_pair(bool takeover, struct buf *wire, size_t *first_len)
{
    z_stream z;
    deflater(&z);
    struct buf m = {0};
    deflate_message(&z, M1, strlen(M1), &m);
    frame(wire, true, 4, 1, m.data, m.len, NULL);
    *first_len = wire->len;
    if (!takeover)
        deflateReset(&z);
    buf_reset(&m);
    deflate_message(&z, M2, strlen(M2), &m);
    /* the second one in two fragments: RSV1 on the first only */
    frame(wire, false, 4, 1, m.data, m.len / 2, NULL);
    frame(wire, true, 0, 0, m.data + m.len / 2, m.len - m.len / 2, NULL);
    deflateEnd(&z);
    buf_clear(&m);
}

Test(websocket, permessage_deflate_with_context_takeover)
{
    struct buf wire = {0};
    size_t first;
    compressed_pair(true, &wire, &first);
    for (size_t cut = 1; cut < wire.len; cut++) {
        struct seen s = {0};
        struct stack *st = ws_stack(&s, "permessage-deflate; client_max_window_bits=15");
        feed(st, 1, &wire, 0, cut);
        feed(st, 1, &wire, cut, wire.len);
        cr_assert_str_eq(str(&s.up[1]), M1 "|" M2 "|", "cut at %zu", cut);
        cr_assert_str_eq(str(&s.notes), "");
        stack_free(st);
        seen_free(&s);
    }
    /* read as if each message stood alone, the second one does not inflate */
    struct seen s = {0};
    struct stack *st = ws_stack(&s, "permessage-deflate; server_no_context_takeover");
    feed_all(st, 1, &wire);
    cr_assert_str_eq(str(&s.up[1]), M1 "|");
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "does not inflate"));
    stack_free(st);
    seen_free(&s);
    buf_clear(&wire);
}

Test(websocket, permessage_deflate_without_context_takeover)
{
    struct buf wire = {0};
    size_t first;
    compressed_pair(false, &wire, &first);
    struct seen s = {0};
    struct stack *st = ws_stack(&s, "permessage-deflate; server_no_context_takeover; "
                                    "client_no_context_takeover");
    feed_all(st, 1, &wire);
    cr_assert_str_eq(str(&s.up[1]), M1 "|" M2 "|");
    cr_assert_str_eq(str(&s.notes), "");
    stack_free(st);
    seen_free(&s);
    /* the client's messages, masked, the same way */
    struct buf cw = {0};
    z_stream z;
    deflater(&z);
    struct buf m = {0};
    deflate_message(&z, OPEN, strlen(OPEN), &m);
    frame(&cw, true, 4, 1, m.data, m.len, key1);
    deflateEnd(&z);
    struct seen s2 = {0};
    st = ws_stack(&s2, "permessage-deflate; client_no_context_takeover");
    feed_all(st, 0, &cw);
    cr_assert_str_eq(str(&s2.up[0]), OPEN "|");
    stack_free(st);
    seen_free(&s2);
    buf_clear(&m);
    buf_clear(&cw);
    buf_clear(&wire);
}

static void
bomb(struct buf *wire, size_t size, bool then_small, z_stream *z)
{
    char *zeros = calloc(1, size);
    memset(zeros, ' ', size);
    struct buf m = {0};
    deflate_message(z, zeros, size, &m);
    frame(wire, true, 4, 1, m.data, m.len, NULL);
    free(zeros);
    if (then_small) {
        buf_reset(&m);
        deflate_message(z, "<a/>", 4, &m);
        frame(wire, true, 4, 1, m.data, m.len, NULL);
    }
    buf_clear(&m);
}

Test(websocket, a_deflate_bomb_is_dropped_and_costs_bounded_memory)
{
    /* 8 MiB of spaces: dropped past the cap; the window is kept up, the next message reads */
    struct buf wire = {0};
    z_stream z;
    deflater(&z);
    bomb(&wire, 8u << 20, true, &z);
    deflateEnd(&z);
    cr_assert_lt(wire.len, 64 * 1024);
    struct seen s = {0};
    struct stack *st = ws_stack(&s, "permessage-deflate");
    feed_all(st, 1, &wire);
    cr_assert_str_eq(str(&s.up[1]), "<a/>|");
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "longer than 1048576 bytes"));
    struct websocket_counts n;
    websocket_counts(stack_find(st, &websocket_layer), 1, &n);
    cr_assert_eq(n.dropped, 1);
    stack_free(st);
    seen_free(&s);
    buf_clear(&wire);

    /* 40 MiB: past what is inflated only to keep the window: the window is given up */
    deflater(&z);
    bomb(&wire, 40u << 20, true, &z);
    deflateEnd(&z);
    struct seen s2 = {0};
    st = ws_stack(&s2, "permessage-deflate");
    feed_all(st, 1, &wire);
    cr_assert_str_eq(str(&s2.up[1]), "");
    cr_assert(has_note(&s2, 1, WEBSOCKET_NOTE_ERROR, "compression context was lost"));
    stack_free(st);
    seen_free(&s2);
    buf_clear(&wire);
}

Test(websocket, a_64_bit_length_is_never_allocated)
{
    struct seen s = {0};
    struct stack *st = ws_stack(&s, NULL);
    struct buf w = {0};
    const uint8_t head[] = {0x81, 127, 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    buf_append(&w, head, sizeof head);
    feed_all(st, 1, &w);
    buf_reset(&w);
    char block[65536];
    memset(block, 'a', sizeof block);
    buf_append(&w, block, sizeof block);
    for (int i = 0; i < 40; i++) /* 2.5 MiB of a frame announced as 2^62 bytes */
        feed_all(st, 1, &w);
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "longer than 1048576 bytes"));
    cr_assert_str_eq(str(&s.up[1]), "");
    struct chunk end = {CHUNK_END, NULL, 0, 0};
    stack_input(st, 1, &end);
    cr_assert_eq(s.ends[1], 1, "the end passes up");
    cr_assert(has_note(&s, 1, WEBSOCKET_NOTE_ERROR, "ended inside a WebSocket frame"));
    buf_reset(&w);
    const uint8_t top_bit[] = {0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 1};
    buf_append(&w, top_bit, sizeof top_bit);
    feed_all(st, 0, &w);
    cr_assert(has_note(&s, 0, WEBSOCKET_NOTE_ERROR, "over 2^63"));
    stack_free(st);
    buf_clear(&w);
    seen_free(&s);
}

Test(websocket, a_gap_inside_a_payload_keeps_the_frames_one_elsewhere_loses_them)
{
    struct seen s = {0};
    struct stack *st = ws_stack(&s, NULL);
    struct buf w = {0};
    client_text(&w, "<message><body>secret words</body></message>");
    client_text(&w, "<presence/>");
    /* the hole: 6 bytes of the first payload (after its 6-byte header and 15 bytes) */
    feed(st, 0, &w, 0, 21);
    struct chunk hole = {CHUNK_GAP, NULL, 6, 0};
    stack_input(st, 0, &hole);
    feed(st, 0, &w, 27, w.len);
    cr_assert_str_eq(str(&s.up[0]), "<message><body>|[gap] words</body></message>|<presence/>|");
    cr_assert_eq(s.gaps[0], 6);
    cr_assert_str_eq(str(&s.notes), "", "a message a gap cut is not judged");

    /* a hole where a header is due: the rest of the direction is not read */
    struct chunk lost = {CHUNK_GAP, NULL, 3, 0};
    stack_input(st, 0, &lost);
    buf_reset(&w);
    client_text(&w, "<presence/>");
    feed_all(st, 0, &w);
    cr_assert(has_note(&s, 0, WEBSOCKET_NOTE_ERROR, "frame boundaries are lost"));
    cr_assert_str_eq(str(&s.up[0]), "<message><body>|[gap] words</body></message>|<presence/>|[gap]");
    stack_free(st);
    buf_clear(&w);
    seen_free(&s);
}

Test(websocket, extensions_negotiated)
{
    struct seen s = {0};
    /* an unknown extension and a quoted value with a comma do not confuse the list */
    struct stack *st = ws_stack(&s, "x-foo; a=\"1,2\", permessage-deflate ; server_no_context_takeover");
    struct buf wire = {0};
    size_t first;
    compressed_pair(false, &wire, &first);
    feed_all(st, 1, &wire);
    cr_assert_str_eq(str(&s.up[1]), M1 "|" M2 "|");
    stack_free(st);
    buf_clear(&wire);
    seen_free(&s);
}
