/*
 * Tests for the http layer: a stack with http pushed is fed the bytes of
 * both directions; what it tells (messages, errors, the upgrade) is written
 * down one line per note, and the bytes that pass above it are collected.
 * The same exchange cut into 1-byte segments must read the same.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "first_bytes.h"
#include "http.h"
#include "stack.h"
#include "websocket.h"

/* What the stack told and passed up. */
struct seen {
    struct buf log;    /* one line per note */
    struct buf up[2];  /* bytes above http */
    size_t gaps[2], ends[2];
    struct buf body[16]; /* the bodies of the first messages, in order */
    size_t nbodies;
    struct http_message last; /* scalars of the last message (its pointers are gone) */
};

static void
sink(void *owner, int dir, const struct chunk *ch)
{
    struct seen *s = owner;
    if (ch->kind == CHUNK_DATA)
        buf_append(&s->up[dir], ch->data, ch->len);
    else if (ch->kind == CHUNK_GAP)
        s->gaps[dir] += ch->len;
    else
        s->ends[dir]++;
}

static void
log_message(struct seen *s, const struct http_message *m)
{
    if (m->request)
        buf_printf(&s->log, "C#%u %s %s 1.%d", m->number, m->method ? m->method : "-",
                   m->target ? m->target : "-", m->version_minor);
    else
        buf_printf(&s->log, "S#%u %d 1.%d", m->number, m->status, m->version_minor);
    buf_printf(&s->log, " h%zu+%zu body %zu+%zu", m->nheaders, m->headers_dropped, m->body_len, m->body_dropped);
    bool printable = m->body_len <= 40;
    for (size_t i = 0; i < m->body_len && printable; i++)
        printable = m->body[i] >= ' ' && m->body[i] < 0x7f;
    if (printable && m->body_len)
        buf_printf(&s->log, " '%.*s'", (int)m->body_len, (const char *)m->body);
    else if (m->body_len)
        buf_printf(&s->log, " crc %08lx", crc32(0, m->body, (uInt)m->body_len));
    if (m->chunked)
        buf_append_str(&s->log, " chunked");
    if (m->encoding)
        buf_printf(&s->log, " %s", m->encoding);
    if (m->damaged)
        buf_append_str(&s->log, " damaged");
    buf_append_char(&s->log, '\n');
    if (s->nbodies < 16)
        buf_append(&s->body[s->nbodies++], m->body, m->body_len);
    s->last = *m;
}

static void
notify(void *owner, const struct stack_note *note)
{
    struct seen *s = owner;
    if (strcmp(note->layer, "http") != 0) {
        buf_printf(&s->log, "%s:%d\n", note->layer, note->what);
        return;
    }
    switch ((enum http_note_kind)note->what) {
    case HTTP_NOTE_MESSAGE:
        log_message(s, note->info);
        break;
    case HTTP_NOTE_ERROR: {
        const struct http_error *e = note->info;
        cr_assert_eq(e->dir, note->dir);
        buf_printf(&s->log, "%c error #%u: %s\n", e->dir ? 'S' : 'C', e->number, e->message);
        break;
    }
    case HTTP_NOTE_UPGRADE: {
        const struct http_upgrade *u = note->info;
        buf_printf(&s->log, "upgrade %s %s %s\n", u->target, u->protocol ? u->protocol : "-",
                   u->extensions ? u->extensions : "-");
        break;
    }
    }
}

static void
seen_free(struct seen *s)
{
    buf_clear(&s->log);
    buf_clear(&s->up[0]);
    buf_clear(&s->up[1]);
    for (size_t i = 0; i < 16; i++)
        buf_clear(&s->body[i]);
}

static struct stack *
http_stack(struct seen *s)
{
    memset(s, 0, sizeof *s);
    struct stack *st = stack_new(sink, notify, s);
    cr_assert(stack_push(st, &http_layer));
    return st;
}

/* |n| bytes of direction |dir|, in segments of |seg| bytes (0: whole). */
static void
feed(struct stack *st, int dir, const void *p, size_t n, size_t seg)
{
    const uint8_t *b = p;
    if (!seg)
        seg = n ? n : 1;
    for (size_t at = 0; at < n; at += seg) {
        struct chunk ch = {CHUNK_DATA, b + at, n - at < seg ? n - at : seg, (usec_t)at};
        stack_input(st, dir, &ch);
    }
}

static void
say(struct stack *st, int dir, const char *text, size_t seg)
{
    feed(st, dir, text, strlen(text), seg);
}

static void
gap(struct stack *st, int dir, size_t len)
{
    struct chunk ch = {CHUNK_GAP, NULL, len, 0};
    stack_input(st, dir, &ch);
}

static void
end(struct stack *st, int dir)
{
    struct chunk ch = {CHUNK_END, NULL, 0, 0};
    stack_input(st, dir, &ch);
}

static const char *
log_of(struct seen *s)
{
    return s->log.data ? s->log.data : "";
}

/* ---- a real BOSH exchange: testdata/bosh-plain/capture.pcap, its first two requests and answers ---- */

static const char bosh_req1[] =
    "POST /bosh HTTP/1.1\r\n"
    "Host: 127.0.0.1:5280\r\n"
    "Accept-Encoding: identity\r\n"
    "Content-Length: 213\r\n"
    "Content-Type: text/xml; charset=utf-8\r\n"
    "\r\n"
    "<body rid='2127078' content='text/xml; charset=utf-8' hold='1' to='xmppflow.test' ver='1.6' wait='5' "
    "xml:lang='en' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh' xmlns='http://jabber.org/protocol/httpbind'>"
    "</body>";
static const char bosh_resp1[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Length: 780\r\n"
    "Access-Control-Allow-Headers: Content-Type\r\n"
    "Access-Control-Allow-Origin: *\r\n"
    "Content-Type: text/xml; charset=utf-8\r\n"
    "\r\n"
    "<body xmpp:version='1.0' authid='3320118175591567921' xmlns='http://jabber.org/protocol/httpbind' "
    "sid='2f21556d27135dd99c3c41e12b68892d3fb64796' wait='5' ver='1.11' polling='2' inactivity='30' hold='1' "
    "xmpp:restartlogic='true' requests='2' secure='true' maxpause='120' xmlns:xmpp='urn:xmpp:xbosh' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='xmppflow.test'><stream:features><mechanisms "
    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism><mechanism>PLAIN</mechanism>"
    "<mechanism>SCRAM-SHA-512</mechanism><mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism>"
    "<mechanism>X-OAUTH2</mechanism></mechanisms><register xmlns='http://jabber.org/features/iq-register'/>"
    "<auth xmlns='http://jabber.org/features/iq-auth'/></stream:features></body>";
static const char bosh_req2[] =
    "POST /bosh HTTP/1.1\r\n"
    "Host: 127.0.0.1:5280\r\n"
    "Accept-Encoding: identity\r\n"
    "Content-Length: 226\r\n"
    "Content-Type: text/xml; charset=utf-8\r\n"
    "\r\n"
    "<body rid='2127079' sid='2f21556d27135dd99c3c41e12b68892d3fb64796' "
    "xmlns='http://jabber.org/protocol/httpbind'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
    "mechanism='PLAIN'>AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE=</auth></body>";
static const char bosh_resp2[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Length: 108\r\n"
    "Access-Control-Allow-Headers: Content-Type\r\n"
    "Access-Control-Allow-Origin: *\r\n"
    "Content-Type: text/xml; charset=utf-8\r\n"
    "\r\n"
    "<body xmlns='http://jabber.org/protocol/httpbind'><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></body>";

static const char *
body_of(const char *message)
{
    return strstr(message, "\r\n\r\n") + 4;
}

/* The four messages in capture order, in segments of |seg| bytes. */
static void
bosh_exchange(struct seen *s, size_t seg)
{
    struct stack *st = http_stack(s);
    say(st, 0, bosh_req1, seg);
    say(st, 1, bosh_resp1, seg);
    say(st, 0, bosh_req2, seg);
    say(st, 1, bosh_resp2, seg);
    end(st, 0);
    end(st, 1);
    stack_free(st);
}

Test(http, a_real_bosh_exchange_gives_requests_and_their_answers)
{
    struct seen s;
    bosh_exchange(&s, 0);
    char want[512];
    snprintf(want, sizeof want,
             "C#1 POST /bosh 1.1 h4+0 body 213+0 crc %08lx\n"
             "S#1 200 1.1 h4+0 body 780+0 crc %08lx\n"
             "C#2 POST /bosh 1.1 h4+0 body 226+0 crc %08lx\n"
             "S#2 200 1.1 h4+0 body 108+0 crc %08lx\n",
             crc32(0, (const Bytef *)body_of(bosh_req1), 213), crc32(0, (const Bytef *)body_of(bosh_resp1), 780),
             crc32(0, (const Bytef *)body_of(bosh_req2), 226), crc32(0, (const Bytef *)body_of(bosh_resp2), 108));
    cr_assert_str_eq(log_of(&s), want);
    cr_assert_str_eq(s.body[2].data, body_of(bosh_req2), "the SASL payload is the owner's to mask");
    cr_assert_eq(s.up[0].len + s.up[1].len, 0, "nothing passes up: BOSH bodies are the owner's to route");
    seen_free(&s);
}

Test(http, one_byte_segments_read_as_whole_ones)
{
    struct seen whole, bytes;
    bosh_exchange(&whole, 0);
    bosh_exchange(&bytes, 1);
    cr_assert_str_eq(log_of(&bytes), log_of(&whole));
    seen_free(&whole);
    seen_free(&bytes);
}

static struct http_header seen_headers[8];
static char seen_header_text[8][2][64];

static void
keep_headers(void *owner, const struct stack_note *note)
{
    notify(owner, note);
    if (note->what != HTTP_NOTE_MESSAGE)
        return;
    const struct http_message *m = note->info;
    for (size_t i = 0; i < m->nheaders && i < 8; i++) {
        snprintf(seen_header_text[i][0], 64, "%s", m->headers[i].name);
        snprintf(seen_header_text[i][1], 64, "%s", m->headers[i].value);
        seen_headers[i].name = seen_header_text[i][0];
        seen_headers[i].value = seen_header_text[i][1];
    }
}

Test(http, headers_are_given_as_sent_in_order)
{
    struct seen s = {0};
    struct stack *st = stack_new(sink, keep_headers, &s);
    stack_push(st, &http_layer);
    say(st, 0, bosh_req1, 3);
    cr_assert_str_eq(seen_headers[0].name, "Host");
    cr_assert_str_eq(seen_headers[0].value, "127.0.0.1:5280");
    cr_assert_str_eq(seen_headers[3].name, "Content-Type");
    cr_assert_str_eq(seen_headers[3].value, "text/xml; charset=utf-8");
    stack_free(st);
    seen_free(&s);
}

Test(http, keep_alive_and_pipelining_number_answers_by_their_request)
{
    static const char two[] = "POST /bosh HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                              "HEAD /x HTTP/1.1\r\n\r\n"
                              "POST /bosh HTTP/1.1\r\nContent-Length: 2\r\n\r\nde";
    static const char answers[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                                  "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" /* HEAD: no body */
                                  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nBC";
    for (size_t seg = 0; seg <= 7; seg += 7) {
        struct seen s;
        struct stack *st = http_stack(&s);
        say(st, 0, two, seg); /* all three before any answer */
        say(st, 1, answers, seg);
        cr_assert_str_eq(log_of(&s), "C#1 POST /bosh 1.1 h1+0 body 3+0 'abc'\n"
                                     "C#2 HEAD /x 1.1 h0+0 body 0+0\n"
                                     "C#3 POST /bosh 1.1 h1+0 body 2+0 'de'\n"
                                     "S#1 200 1.1 h1+0 body 1+0 'A'\n"
                                     "S#2 200 1.1 h1+0 body 0+0\n"
                                     "S#3 200 1.1 h1+0 body 2+0 'BC'\n");
        stack_free(st);
        seen_free(&s);
    }
}

static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\n<body\r\n"
                              "1b;ext=1\r\n xmlns='urn:x'>hello</body>\r\n"
                              "0\r\nX-Trailer: t\r\n\r\n";

Test(http, a_chunked_body_is_joined_whatever_the_segments)
{
    struct seen whole;
    for (size_t seg = 0; seg < sizeof chunked; seg++) {
        struct seen s;
        struct stack *st = http_stack(&s);
        say(st, 0, "POST /bosh HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0);
        say(st, 1, chunked, seg);
        if (seg == 0) {
            whole = s;
            cr_assert_str_eq(s.body[1].data ? s.body[1].data : log_of(&s), "<body xmlns='urn:x'>hello</body>");
            cr_assert(s.last.chunked);
            cr_assert_eq(s.last.nheaders, 1, "a trailer is not a header");
            cr_assert(strstr(log_of(&s), "S#1 200 1.1 h1+0 body 32+0") != NULL, "%s", log_of(&s));
        } else {
            cr_assert_str_eq(log_of(&s), log_of(&whole), "segments of %zu bytes", seg);
            seen_free(&s);
        }
        stack_free(st);
    }
    seen_free(&whole);
}

/* |text| compressed by zlib as gzip (window_bits 31), zlib (15) or raw deflate (-15). */
static size_t
compress_text(const void *text, size_t n, int window_bits, uint8_t *out, size_t cap)
{
    z_stream z = {0};
    cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

/* An answer with |body| (|n| bytes) as its body, Content-Encoding |encoding|. */
static void
answer_with(struct stack *st, const char *encoding, const uint8_t *body, size_t n, size_t seg)
{
    char head[160];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", encoding,
             n);
    struct buf all = {0};
    buf_append_str(&all, head);
    buf_append(&all, body, n);
    feed(st, 1, all.data, all.len, seg);
    buf_clear(&all);
}

Test(http, gzip_and_deflate_bodies_are_inflated)
{
    const char *xml = "<body xmlns='http://jabber.org/protocol/httpbind'><success/></body>";
    static const struct {
        const char *encoding;
        int window_bits;
    } cases[] = {{"gzip", 31}, {"deflate", 15}, {"deflate", -15}, {"x-gzip", 31}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t seg = 0; seg <= 1; seg++) {
            uint8_t packed[256];
            size_t n = compress_text(xml, strlen(xml), cases[i].window_bits, packed, sizeof packed);
            struct seen s;
            struct stack *st = http_stack(&s);
            say(st, 0, "GET /bosh HTTP/1.1\r\n\r\n", 0);
            answer_with(st, cases[i].encoding, packed, n, seg);
            cr_assert_str_eq(s.body[1].data ? s.body[1].data : "", xml, "%s %d", cases[i].encoding,
                             cases[i].window_bits);
            cr_assert_str_eq(s.last.encoding, cases[i].encoding[0] == 'x' ? "gzip" : cases[i].encoding);
            cr_assert(strstr(log_of(&s), "error") == NULL, "%s", log_of(&s));
            stack_free(st);
            seen_free(&s);
        }
    }
}

Test(http, a_gzip_bomb_keeps_the_bound_and_counts_the_rest)
{
    size_t big = 3 * HTTP_MAX_BODY + 12345;
    uint8_t *zeros = calloc(1, big);
    size_t cap = big / 100 + 1024;
    uint8_t *packed = malloc(cap);
    size_t n = compress_text(zeros, big, 31, packed, cap);
    cr_assert_lt(n, big / 500, "a bomb: %zu bytes inflate to %zu", n, big);
    struct seen s;
    struct stack *st = http_stack(&s);
    say(st, 0, "GET / HTTP/1.1\r\n\r\n", 0);
    answer_with(st, "gzip", packed, n, 0);
    cr_assert_eq(s.last.body_len, HTTP_MAX_BODY);
    cr_assert_eq(s.last.body_dropped, big - HTTP_MAX_BODY);
    cr_assert(strstr(log_of(&s), "S error #1: the body is over 1 MiB: the rest is counted, not kept\n") != NULL, "%s",
              log_of(&s));
    stack_free(st);
    seen_free(&s);
    free(zeros);
    free(packed);
}

Test(http, inflating_stops_at_its_ceiling)
{
    /* more zeros than HTTP_MAX_INFLATE, gzipped from a small buffer again and again */
    static uint8_t zeros[1 << 16];
    struct buf packed = {0};
    uint8_t out[1 << 14];
    z_stream z = {0};
    cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    for (size_t sent = 0; sent <= HTTP_MAX_INFLATE + sizeof zeros;) {
        bool last = sent + sizeof zeros > HTTP_MAX_INFLATE + sizeof zeros;
        z.next_in = zeros;
        z.avail_in = sizeof zeros;
        sent += sizeof zeros;
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
            buf_append(&packed, out, sizeof out - z.avail_out);
        } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    struct seen s;
    struct stack *st = http_stack(&s);
    say(st, 0, "GET / HTTP/1.1\r\n\r\n", 0);
    answer_with(st, "gzip", (const uint8_t *)packed.data, packed.len, 0);
    cr_assert_eq(s.last.body_len, HTTP_MAX_BODY);
    cr_assert_geq(s.last.body_len + s.last.body_dropped, HTTP_MAX_INFLATE);
    cr_assert_leq(s.last.body_len + s.last.body_dropped, HTTP_MAX_INFLATE + (1 << 14));
    cr_assert(strstr(log_of(&s), "S error #1: the body inflates past 64 MiB: the rest is not inflated\n") != NULL,
              "%s", log_of(&s));
    stack_free(st);
    buf_clear(&packed);
    seen_free(&s);
}

Test(http, corrupt_gzip_is_an_error_without_payload)
{
    struct seen s;
    struct stack *st = http_stack(&s);
    say(st, 0, "GET / HTTP/1.1\r\n\r\n", 0);
    const uint8_t junk[] = "\x1f\x8b\x08\x00secret-payload-bytes";
    answer_with(st, "gzip", junk, sizeof junk - 1, 0);
    cr_assert(strstr(log_of(&s), "S error #1: the body does not inflate") != NULL, "%s", log_of(&s));
    cr_assert(strstr(log_of(&s), "secret") == NULL);
    stack_free(st);
    seen_free(&s);
}

Test(http, interim_100_continue_keeps_the_request_number)
{
    struct seen s;
    struct stack *st = http_stack(&s);
    say(st, 0, "POST /bosh HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", 0);
    say(st, 1, "HTTP/1.1 100 Continue\r\n\r\n", 0);
    say(st, 0, "<a/>", 0);
    say(st, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0);
    say(st, 0, "GET /two HTTP/1.1\r\n\r\n", 0);
    say(st, 1, "HTTP/1.1 204 No Content\r\n\r\n", 0);
    cr_assert_str_eq(log_of(&s), "S#1 100 1.1 h0+0 body 0+0\n"
                                 "C#1 POST /bosh 1.1 h2+0 body 4+0 '<a/>'\n"
                                 "S#1 200 1.1 h1+0 body 0+0\n"
                                 "C#2 GET /two 1.1 h0+0 body 0+0\n"
                                 "S#2 204 1.1 h0+0 body 0+0\n");
    stack_free(st);
    seen_free(&s);
}

/* ---- the upgrade ---- */

static const char ws_request[] = "GET /ws HTTP/1.1\r\n"
                                 "Host: localhost:5280\r\n"
                                 "Upgrade: websocket\r\n"
                                 "Connection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                 "Sec-WebSocket-Version: 13\r\n"
                                 "Sec-WebSocket-Protocol: xmpp\r\n"
                                 "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                                 "\r\n";
static const char ws_answer[] = "HTTP/1.1 101 Switching Protocols\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                                "Sec-WebSocket-Protocol: xmpp\r\n"
                                "\r\n";

/* The built-in websocket layer goes above http: the frames right behind the request and the 101 are its. */
static void
upgrade_exchange(struct seen *s, size_t seg)
{
    struct stack *st = http_stack(s);
    struct buf c = {0}, sv = {0};
    buf_append_str(&c, ws_request);
    /* a masked frame "<a/>" (key 20 20 20 20: each byte xor 0x20), its head right behind the request */
    static const uint8_t head[] = {0x81, 0x84, 0x20, 0x20, 0x20, 0x20, '<' ^ 0x20, 'a' ^ 0x20};
    buf_append(&c, head, sizeof head);
    buf_append_str(&sv, ws_answer);
    buf_append_str(&sv, "\x81\x07<open"); /* and one right behind the 101 */
    feed(st, 0, c.data, c.len, seg);
    feed(st, 1, sv.data, sv.len, seg);
    say(st, 0, "\x0f\x1e", seg); /* "/>" masked */
    say(st, 1, "/>", seg);
    gap(st, 1, 7);
    end(st, 0);
    char layers[64];
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "http,websocket");
    stack_free(st);
    buf_clear(&c);
    buf_clear(&sv);
}

Test(http, a_101_answer_to_websocket_puts_websocket_above_and_bytes_go_up)
{
    for (size_t seg = 0; seg <= 1; seg++) {
        struct seen s;
        upgrade_exchange(&s, seg);
        char want[160];
        snprintf(want, sizeof want,
                 "C#1 GET /ws 1.1 h7+0 body 0+0\n"
                 "S#1 101 1.1 h4+0 body 0+0\n"
                 "upgrade /ws xmpp -\n"
                 "websocket:%d\n", /* the gap where a frame header was due */
                 WEBSOCKET_NOTE_ERROR);
        cr_assert_str_eq(log_of(&s), want, "segments of %zu: %s", seg, log_of(&s));
        cr_assert_str_eq(s.up[0].data, "<a/>", "the bytes behind the request go up first, in order");
        cr_assert_str_eq(s.up[1].data, "<open/>");
        cr_assert_eq(s.gaps[1], 7);
        cr_assert_eq(s.ends[0], 1);
        seen_free(&s);
    }
}

/* Passes everything up: fills the stack. */
static void
pass_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    (void)state;
    stack_up(call, dir, ch);
}

static const struct layer_kind pass_layer = {.name = "pass", .input = pass_input};

Test(http, without_room_for_websocket_the_upgrade_is_an_error_and_swallowed)
{
    struct seen s;
    struct stack *st = http_stack(&s);
    while (stack_push(st, &pass_layer))
        ;
    say(st, 0, ws_request, 0);
    say(st, 1, ws_answer, 0);
    say(st, 1, "\x81\x05<open", 0);
    cr_assert_str_eq(log_of(&s), "C#1 GET /ws 1.1 h7+0 body 0+0\n"
                                 "S#1 101 1.1 h4+0 body 0+0\n"
                                 "S error #1: no room in the stack for websocket\n");
    cr_assert_eq(s.up[1].len, 0);
    stack_free(st);
    seen_free(&s);
}

Test(http, an_upgrade_refused_leaves_the_connection_http)
{
    struct seen s;
    struct stack *st = http_stack(&s);
    struct buf c = {0};
    buf_append_str(&c, ws_request);
    buf_append_str(&c, "GET /next HTTP/1.1\r\n\r\n"); /* held until the answer says what it is */
    feed(st, 0, c.data, c.len, 0);
    say(st, 1, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", 0);
    say(st, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0);
    cr_assert_str_eq(log_of(&s), "C#1 GET /ws 1.1 h7+0 body 0+0\n"
                                 "S#1 400 1.1 h1+0 body 0+0\n"
                                 "C#2 GET /next 1.1 h0+0 body 0+0\n"
                                 "S#2 200 1.1 h1+0 body 0+0\n");
    char layers[64];
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "http");
    stack_free(st);
    buf_clear(&c);
    seen_free(&s);
}

/* ---- bad input ---- */

Test(http, a_malformed_request_line_is_an_error_then_the_next_request_is_read)
{
    for (size_t seg = 0; seg <= 1; seg++) {
        struct seen s;
        struct stack *st = http_stack(&s);
        say(st, 0, "GET /a HTTP/1.1\r\n\r\n", seg);
        say(st, 0, "G@RBAGE secret-password\r\nmore junk\r\n\r\nPOST /bosh HTTP/1.1\r\nContent-Length: 1\r\n\r\nx",
            seg);
        say(st, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                   "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                   "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            seg);
        cr_assert_str_eq(log_of(&s), "C#1 GET /a 1.1 h0+0 body 0+0\n"
                                     "C error #2: invalid HTTP method\n"
                                     "C#3 POST /bosh 1.1 h1+0 body 1+0 'x'\n"
                                     "S#1 200 1.1 h1+0 body 0+0\n"
                                     "S#2 400 1.1 h1+0 body 0+0\n"
                                     "S#3 200 1.1 h1+0 body 0+0\n",
                         "segments of %zu: %s", seg, log_of(&s));
        stack_free(st);
        seen_free(&s);
    }
}

Test(http, a_response_without_a_request_is_an_error)
{
    struct seen s;
    struct stack *st = http_stack(&s);
    say(st, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0);
    cr_assert_str_eq(log_of(&s), "S error #0: a response without a request\n"
                                 "S#0 200 1.1 h1+0 body 2+0 'ok'\n");
    stack_free(st);
    seen_free(&s);
}

Test(http, a_gap_mid_body_gives_the_message_damaged_then_the_next_one)
{
    struct seen s;
    struct stack *st = http_stack(&s);
    say(st, 0, "POST /bosh HTTP/1.1\r\nContent-Length: 20\r\n\r\n<body>", 0);
    gap(st, 0, 5);
    say(st, 0, "ody>\r\nPOST /bosh HTTP/1.1\r\nContent-Length: 2\r\n\r\nok", 0);
    say(st, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0);
    cr_assert_str_eq(log_of(&s), "C error #1: bytes missing from the capture\n"
                                 "C#1 POST /bosh 1.1 h1+0 body 6+0 '<body>' damaged\n"
                                 "C#2 POST /bosh 1.1 h1+0 body 2+0 'ok'\n"
                                 "S#1 200 1.1 h1+0 body 0+0\n"
                                 "S#2 200 1.1 h1+0 body 0+0\n");
    stack_free(st);
    seen_free(&s);
}

Test(http, a_response_read_until_the_end_is_complete_a_cut_one_damaged)
{
    struct seen s;
    struct stack *st = http_stack(&s);
    say(st, 0, "GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n", 0);
    say(st, 1, "HTTP/1.0 200 OK\r\n\r\nuntil the end", 0);
    end(st, 1);
    cr_assert_str_eq(log_of(&s), "C#1 GET / 1.1 h0+0 body 0+0\n"
                                 "C#2 GET /2 1.1 h0+0 body 0+0\n"
                                 "S#1 200 1.0 h0+0 body 13+0 'until the end'\n");
    buf_reset(&s.log);
    say(st, 0, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", 0);
    end(st, 0);
    cr_assert_str_eq(log_of(&s), "C error #3: the stream ended inside a message\n"
                                 "C#3 POST / 1.1 h1+0 body 3+0 'abc' damaged\n");
    stack_free(st);
    seen_free(&s);
}

Test(http, headers_are_bounded)
{
    struct seen s;
    struct stack *st = http_stack(&s);
    struct buf req = {0};
    buf_append_str(&req, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 40; i++)
        buf_printf(&req, "X-H%d: %d\r\n", i, i);
    buf_append_str(&req, "\r\n");
    feed(st, 0, req.data, req.len, 0);
    cr_assert_eq(s.last.nheaders, HTTP_MAX_HEADERS);
    cr_assert_eq(s.last.headers_dropped, 40 - HTTP_MAX_HEADERS);
    buf_reset(&s.log);
    buf_reset(&req);
    buf_append_str(&req, "GET / HTTP/1.1\r\nCookie: ");
    for (int i = 0; i < 2000; i++)
        buf_append_str(&req, "secret-cookie");
    buf_append_str(&req, "\r\n\r\nGET /after HTTP/1.1\r\n\r\n");
    feed(st, 0, req.data, req.len, 0);
    cr_assert_str_eq(log_of(&s), "C error #2: a message's start line and headers are over 16 KiB\n"
                                 "C#3 GET /after 1.1 h0+0 body 0+0\n");
    stack_free(st);
    buf_clear(&req);
    seen_free(&s);
}

Test(http, garbage_never_crashes_and_every_byte_is_read_once)
{
    /* a pseudo-random mix of HTTP pieces and junk, whole and in 1-byte segments */
    static const char *const pieces[] = {"GET / HTTP/1.1\r\n", "Content-Length: 3\r\n", "\r\n", "abc",
                                         "Transfer-Encoding: chunked\r\n", "ff\r\n", "\x00\xff", "HTTP/1.1 200 OK\r\n",
                                         "\n", "POST /bosh HTTP/1.1\r\n", "Content-Encoding: gzip\r\n"};
    unsigned seed = 12345;
    struct buf junk = {0};
    for (int i = 0; i < 3000; i++) {
        seed = seed * 1103515245u + 12345u;
        const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
        buf_append(&junk, p, p[0] ? strlen(p) : 2);
    }
    struct seen whole, bytes;
    for (int pass = 0; pass < 2; pass++) {
        struct seen *s = pass ? &bytes : &whole;
        struct stack *st = http_stack(s);
        feed(st, 0, junk.data, junk.len, pass ? 1 : 0);
        feed(st, 1, junk.data, junk.len, pass ? 1 : 0);
        end(st, 0);
        end(st, 1);
        stack_free(st);
    }
    cr_assert_str_eq(log_of(&bytes), log_of(&whole));
    buf_clear(&junk);
    seen_free(&whole);
    seen_free(&bytes);
}

/* ---- first_bytes ---- */

Test(http, guess_of_a_request_line)
{
    const struct {
        const char *text;
        enum http_guess want;
    } cases[] = {
        {"POST /bosh HTTP/1.1\r\n", HTTP_YES}, {"GET ", HTTP_YES}, {"GE", HTTP_MAYBE}, {"", HTTP_MAYBE},
        {"BREW /pot HTTP/1.1", HTTP_YES},      {"BREW /p", HTTP_MAYBE}, {"BREW /pot", HTTP_NO},
        {"<?xml version='1.0'?>", HTTP_NO},    {"\x16\x03\x01", HTTP_NO}, {" GET", HTTP_NO},
        {"GETTING", HTTP_MAYBE},               {"GETTINGS", HTTP_NO},   {"GET\r\n", HTTP_NO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(http_guess_request((const uint8_t *)cases[i].text, strlen(cases[i].text)), cases[i].want,
                     "%s", cases[i].text);
    cr_assert(http_looks_like_request((const uint8_t *)"GET / HTTP/1.1", 14));
    cr_assert(!http_looks_like_request((const uint8_t *)"GE", 2));
}

Test(http, first_bytes_of_a_request_put_http_in_place)
{
    for (size_t seg = 0; seg <= 1; seg++) {
        struct seen s;
        memset(&s, 0, sizeof s);
        struct stack *st = stack_new(sink, notify, &s);
        stack_push(st, &first_bytes_layer);
        say(st, 0, bosh_req1, seg); /* 1-byte segments: held until 8 bytes, then decided */
        say(st, 1, bosh_resp1, seg);
        char layers[64];
        stack_describe(st, layers, sizeof layers);
        cr_assert_str_eq(layers, "http");
        char want[512];
        snprintf(want, sizeof want,
                 "first-bytes:%d\n"
                 "C#1 POST /bosh 1.1 h4+0 body 213+0 crc %08lx\n"
                 "S#1 200 1.1 h4+0 body 780+0 crc %08lx\n",
                 FIRST_BYTES_HTTP, crc32(0, (const Bytef *)body_of(bosh_req1), 213),
                 crc32(0, (const Bytef *)body_of(bosh_resp1), 780));
        cr_assert_str_eq(log_of(&s), want);
        cr_assert_eq(s.up[0].len, 0);
        stack_free(st);
        seen_free(&s);
    }
}

Test(http, short_first_bytes_that_are_not_a_request_go_up_in_order)
{
    struct seen s;
    memset(&s, 0, sizeof s);
    struct stack *st = stack_new(sink, notify, &s);
    stack_push(st, &first_bytes_layer);
    say(st, 0, "GET", 0); /* may still be a request line: held */
    char layers[64];
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "first-bytes");
    cr_assert_eq(s.up[0].len, 0);
    say(st, 0, "TINGS and more", 0);
    stack_describe(st, layers, sizeof layers);
    cr_assert_str_eq(layers, "");
    cr_assert_str_eq(s.up[0].data, "GETTINGS and more");
    stack_free(st);
    seen_free(&s);
}
