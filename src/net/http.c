/*
 * http: the HTTP/1.1 layer (see the header). Each direction has its own
 * http_parser (Debian's libhttp-parser); every message it completes pauses
 * it, so that the layer can match a response to its request, take the
 * Upgrade to WebSocket, or stop parsing, before the next byte is read.
 *
 * A direction is in one of five modes: PARSE (HTTP messages), RESYNC (after
 * an error or a gap: skipping to a line that starts a message), HOLD (the
 * client's bytes after an Upgrade request, kept until the answer tells what
 * they are), PASS (after the 101: every byte goes up) and SWALLOW (a
 * protocol the layer cannot follow: bytes are dropped).
 */
#include <config.h>
#include "http.h"

#include <http_parser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http_body.h"
#include "http_head.h"
#include "xalloc.h"

/* Requests waiting for their answer; BOSH keeps two, a browser six. */
#define QUEUE_MAX 256
/* Client bytes kept between an Upgrade request and its answer. */
#define HOLD_MAX (64u << 10)

enum mode { MODE_PARSE, MODE_RESYNC, MODE_HOLD, MODE_PASS, MODE_SWALLOW };

struct pending {
    unsigned number;
    bool head;      /* HEAD: its answer has no body */
    bool upgrade;   /* Upgrade or CONNECT: the bytes after its answer may be another protocol */
    bool connect;   /* CONNECT: a 2xx answer makes a tunnel */
    bool websocket; /* Upgrade: websocket */
};

struct http_conn;

/* One direction: its parser and the message it is reading. */
struct http_dir {
    http_parser parser;
    struct http_conn *conn;
    int dir;
    enum mode mode;
    usec_t now; /* time of the chunk being read */

    /* the message in progress */
    bool in_message, headers_done, over_limit;
    unsigned number;
    bool matched; /* a response: it has a request */
    const char *method;
    struct http_head head;
    struct http_body body;
    bool chunked;
    const char *encoding;
    usec_t first;

    /* RESYNC: the start of a line, checked as it comes */
    uint8_t cand[8];
    size_t ncand;
    bool skipping; /* to the next LF */

    /* HOLD */
    struct buf held;
    usec_t held_time;
    size_t held_gap; /* bytes lost (gaps, overflow) before the held ones */
    bool held_end;
};

struct http_conn {
    struct http_dir d[2];
    struct layer_call *call; /* during an input call */
    unsigned requests;
    struct pending queue[QUEUE_MAX];
    size_t qhead, qlen;
    bool queue_full_told;
    /* the websocket request's target, Sec-WebSocket-Protocol and -Extensions (NULL: absent) */
    char *up_target, *up_protocols, *up_extensions;
};

static void consume(struct http_dir *d, const uint8_t *p, size_t n);
static void end(struct http_dir *d);

/* ---- notes ---- */

static void
note(struct http_dir *d, int what, const void *info)
{
    struct stack_note n = {.what = what, .dir = d->dir, .time = d->now, .info = info};
    stack_note(d->conn->call, &n);
}

/* |message| is one of this file's fixed strings or the parser's: never input bytes. */
static void
error_note(struct http_dir *d, const char *message, unsigned number)
{
    struct http_error e = {.dir = d->dir, .message = message, .number = number};
    note(d, HTTP_NOTE_ERROR, &e);
}

/* ---- the request queue ---- */

static struct pending *
queue_front(struct http_conn *h)
{
    return h->qlen ? &h->queue[h->qhead] : NULL;
}

/* The last request queued, if it is request |number|. */
static struct pending *
queue_back(struct http_conn *h, unsigned number)
{
    struct pending *q = h->qlen ? &h->queue[(h->qhead + h->qlen - 1) % QUEUE_MAX] : NULL;
    return q && q->number == number ? q : NULL;
}

static void
queue_pop(struct http_conn *h)
{
    if (!h->qlen)
        return;
    h->qhead = (h->qhead + 1) % QUEUE_MAX;
    h->qlen--;
}

/* ---- the message being read ---- */

static void
message_reset(struct http_dir *d)
{
    d->in_message = d->headers_done = d->over_limit = false;
    d->number = 0;
    d->matched = false;
    d->method = NULL;
    http_head_reset(&d->head);
    http_body_reset(&d->body);
    d->chunked = false;
    d->encoding = NULL;
}

/* Gives the message read so far to the owner. */
static void
emit_message(struct http_dir *d, bool damaged)
{
    struct http_header headers[HTTP_MAX_HEADERS];
    size_t nheaders = http_head_list(&d->head, headers);
    bool request = d->dir == 0;
    bool line_read = d->parser.http_major != 0 || d->headers_done;
    struct http_message m = {
        .request = request,
        .number = d->number,
        .method = request ? d->method : NULL,
        .target = request ? http_head_target(&d->head) : NULL,
        .status = request ? 0 : (int)d->parser.status_code,
        .version_minor = line_read ? (int)d->parser.http_minor : 1,
        .headers = headers,
        .nheaders = nheaders,
        .headers_dropped = d->head.dropped,
        .body = (const uint8_t *)d->body.kept.data,
        .body_len = d->body.kept.len,
        .body_dropped = d->body.dropped,
        .chunked = d->chunked,
        .encoding = d->encoding,
        .damaged = damaged,
        .first = d->first,
        .last = d->now,
    };
    note(d, HTTP_NOTE_MESSAGE, &m);
}

/* A response ends (whole or not): its request is answered unless it was an interim 1xx. */
static void
response_ends(struct http_dir *d)
{
    int status = (int)d->parser.status_code;
    bool interim = status >= 100 && status < 200 && status != 101;
    if (d->matched && !interim)
        queue_pop(d->conn);
}

/* The message in progress is cut (|why|): what was seen of it goes out, damaged. */
static void
cut_message(struct http_dir *d, const char *why)
{
    error_note(d, why, d->number);
    emit_message(d, true);
    if (d->dir == 1)
        response_ends(d);
    message_reset(d);
}

/* ---- parser callbacks ---- */

static int
on_message_begin(http_parser *p)
{
    struct http_dir *d = p->data;
    message_reset(d);
    d->in_message = true;
    d->first = d->now;
    struct http_conn *h = d->conn;
    if (d->dir != 0) { /* answers come in the order of the requests (RFC 9112 §9.3.2) */
        struct pending *q = queue_front(h);
        d->matched = q != NULL;
        d->number = q ? q->number : 0;
        return 0;
    }
    d->number = ++h->requests;
    if (h->qlen == QUEUE_MAX) {
        if (!h->queue_full_told)
            error_note(d, "over 256 requests wait for an answer: later answers may be matched to the wrong request",
                       d->number);
        h->queue_full_told = true;
        return 0;
    }
    h->queue[(h->qhead + h->qlen) % QUEUE_MAX] = (struct pending){.number = d->number};
    h->qlen++;
    return 0;
}

/* A piece of the start line or the headers; past HTTP_MAX_HEADER_BYTES the parse fails. */
static int
head_piece(http_parser *p, enum http_head_piece piece, const char *at, size_t n)
{
    struct http_dir *d = p->data;
    if (d->headers_done)
        return 0; /* a trailer of a chunked body */
    if (piece == HTTP_PIECE_TARGET && !d->method)
        d->method = http_method_str((enum http_method)p->method);
    bool room = piece == HTTP_PIECE_NONE ? http_head_count(&d->head, n) : http_head_add(&d->head, piece, at, n);
    d->over_limit = !room;
    return room ? 0 : -1;
}

static int
on_url(http_parser *p, const char *at, size_t n)
{
    return head_piece(p, HTTP_PIECE_TARGET, at, n);
}

static int
on_status(http_parser *p, const char *at, size_t n)
{
    return head_piece(p, HTTP_PIECE_NONE, at, n); /* the reason phrase is counted, not kept */
}

static int
on_header_field(http_parser *p, const char *at, size_t n)
{
    return head_piece(p, HTTP_PIECE_NAME, at, n);
}

static int
on_header_value(http_parser *p, const char *at, size_t n)
{
    return head_piece(p, HTTP_PIECE_VALUE, at, n);
}

/* http_body tells each thing wrong with a body once. */
static void
body_error(struct http_dir *d, const char *err)
{
    if (err)
        error_note(d, err, d->number);
}

static void
forget_upgrade(struct http_conn *h)
{
    free(h->up_target);
    free(h->up_protocols);
    free(h->up_extensions);
    h->up_target = h->up_protocols = h->up_extensions = NULL;
}

/* What the request asks of its answer, and the handshake an Upgrade to websocket will need. */
static void
request_headers(struct http_dir *d)
{
    struct http_conn *h = d->conn;
    struct pending *q = queue_back(h, d->number);
    if (!q)
        return; /* not queued (the queue was full) */
    const char *upgrade = http_head_get(&d->head, "Upgrade");
    q->head = d->parser.method == HTTP_HEAD;
    q->connect = d->parser.method == HTTP_CONNECT;
    q->upgrade = upgrade != NULL || q->connect;
    q->websocket = http_list_has(upgrade, "websocket");
    if (!q->websocket)
        return;
    forget_upgrade(h);
    h->up_target = xstrdup(http_head_target(&d->head));
    h->up_protocols = xstrdup(http_head_get(&d->head, "Sec-WebSocket-Protocol"));
    h->up_extensions = xstrdup(http_head_get(&d->head, "Sec-WebSocket-Extensions"));
}

static int
on_headers_complete(http_parser *p)
{
    struct http_dir *d = p->data;
    d->headers_done = true;
    d->chunked = (p->flags & F_CHUNKED) != 0;
    enum http_coding coding = HTTP_CODING_NONE;
    const char *encoding = http_head_get(&d->head, "Content-Encoding");
    if (!http_coding_from_name(encoding, &coding))
        error_note(d, "a Content-Encoding other than gzip or deflate: the body is kept as sent", d->number);
    d->encoding = coding == HTTP_CODING_GZIP ? "gzip" : coding == HTTP_CODING_DEFLATE ? "deflate" : NULL;
    http_body_start(&d->body, coding);
    if (d->dir == 0) {
        request_headers(d);
        return 0;
    }
    struct pending *q = d->matched ? queue_front(d->conn) : NULL;
    if (!q)
        error_note(d, "a response without a request", 0);
    return q && q->head ? 1 : 0; /* RFC 9112 §6.3: the answer to HEAD has no body */
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
    struct http_dir *d = p->data;
    body_error(d, http_body_add(&d->body, (const uint8_t *)at, n));
    return 0;
}

static int
on_message_complete(http_parser *p)
{
    http_parser_pause(p, 1); /* the layer looks at each message before the parser goes on */
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_status = on_status,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static void
parser_start(struct http_dir *d)
{
    http_parser_init(&d->parser, d->dir == 0 ? HTTP_REQUEST : HTTP_RESPONSE);
    d->parser.data = d;
    message_reset(d);
}

/* ---- the upgrade ---- */

static void
pass_up(struct http_dir *d, enum chunk_kind kind, const uint8_t *p, size_t n, usec_t t)
{
    struct chunk ch = {kind, p, n, t};
    stack_up(d->conn->call, d->dir, &ch);
}

/* Both directions stop being HTTP. */
static void
leave_http(struct http_conn *h, enum mode mode)
{
    for (int i = 0; i < 2; i++) {
        h->d[i].mode = mode;
        message_reset(&h->d[i]);
    }
}

/* The client's bytes kept since its Upgrade request, now for the layer above. */
static void
release_held(struct http_dir *c)
{
    if (c->held_gap)
        pass_up(c, CHUNK_GAP, NULL, c->held_gap, c->held_time);
    if (c->held.len)
        pass_up(c, CHUNK_DATA, (const uint8_t *)c->held.data, c->held.len, c->held_time);
    if (c->held_end)
        pass_up(c, CHUNK_END, NULL, 0, c->held_time);
    buf_clear(&c->held);
    c->held_gap = 0;
    c->held_end = false;
}

/* The server said 101 to a websocket Upgrade: websocket goes above, and every later byte to it. */
static void
switch_to_websocket(struct http_dir *s)
{
    struct http_conn *h = s->conn;
    struct http_upgrade up = {
        .target = h->up_target,
        .requested_protocols = h->up_protocols,
        .requested_extensions = h->up_extensions,
        .protocol = http_head_get(&s->head, "Sec-WebSocket-Protocol"),
        .extensions = http_head_get(&s->head, "Sec-WebSocket-Extensions"),
        .time = s->now,
    };
    const struct layer_kind *ws = stack_layer("websocket");
    if (!ws || !stack_insert_above(h->call, ws, &up)) {
        error_note(s, ws ? "no room in the stack for websocket" : "websocket layer not available", s->number);
        leave_http(h, MODE_SWALLOW);
        buf_clear(&h->d[0].held);
        return;
    }
    note(s, HTTP_NOTE_UPGRADE, &up);
    leave_http(h, MODE_PASS);
    release_held(&h->d[0]);
}

/* The answer to an Upgrade request was not a switch: the held client bytes are HTTP again. */
static void
resume_client(struct http_conn *h)
{
    struct http_dir *c = &h->d[0];
    if (c->mode != MODE_HOLD)
        return;
    struct buf held = c->held;
    usec_t now = c->now;
    bool ended = c->held_end;
    c->held = (struct buf){0};
    c->held_end = false;
    parser_start(c);
    c->mode = MODE_PARSE;
    if (c->held_gap) {
        c->mode = MODE_RESYNC; /* what was lost is not known */
        c->ncand = 0;
        c->skipping = false;
        c->held_gap = 0;
    }
    c->now = c->held_time;
    consume(c, (const uint8_t *)held.data, held.len);
    buf_clear(&held);
    c->now = now;
    if (ended)
        end(c);
}

/* ---- what a direction does when a message is complete ---- */

static void
request_done(struct http_dir *d)
{
    struct pending *q = queue_back(d->conn, d->number);
    bool hold = q && q->upgrade;
    body_error(d, http_body_finish(&d->body));
    emit_message(d, false);
    message_reset(d);
    if (hold) { /* RFC 9110 §7.8: what follows depends on the answer */
        d->mode = MODE_HOLD;
        d->held_time = d->now;
    }
}

static void
response_done(struct http_dir *d)
{
    struct http_conn *h = d->conn;
    int status = (int)d->parser.status_code;
    struct pending q = d->matched && queue_front(h) ? *queue_front(h) : (struct pending){0};
    body_error(d, http_body_finish(&d->body));
    emit_message(d, false);
    response_ends(d);
    bool switched = status == 101 || (q.connect && status >= 200 && status < 300);
    if (status >= 100 && status < 200 && !switched) {
        message_reset(d); /* 100 Continue and the like: the final answer follows */
        return;
    }
    if (switched && q.websocket && status == 101) {
        switch_to_websocket(d);
        return;
    }
    if (switched) {
        error_note(d, q.upgrade ? "switched to a protocol other than websocket (or a tunnel): not followed"
                                : "101 Switching Protocols without an Upgrade request",
                   d->number);
        leave_http(h, MODE_SWALLOW);
        buf_clear(&h->d[0].held);
        return;
    }
    message_reset(d);
    if (q.upgrade)
        resume_client(h);
}

/* ---- resynchronisation ---- */

/* Gives up the message in progress and skips to a line where one can start. */
static void
start_resync(struct http_dir *d, bool at_line_start)
{
    d->mode = MODE_RESYNC;
    d->ncand = 0;
    d->skipping = !at_line_start;
    message_reset(d);
}

/* Skips bytes up to a line that starts a message; returns how many were read (the rest is the message's). */
static size_t
resync(struct http_dir *d, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (d->skipping) {
            const uint8_t *lf = memchr(p + i, '\n', n - i);
            if (!lf)
                return n;
            i = (size_t)(lf - p) + 1;
            d->skipping = false;
            d->ncand = 0;
            continue;
        }
        uint8_t c = p[i++];
        d->cand[d->ncand++] = c;
        enum http_guess g =
            d->dir == 0 ? http_guess_request(d->cand, d->ncand) : http_guess_status(d->cand, d->ncand);
        if (g == HTTP_YES) {
            uint8_t cand[sizeof d->cand];
            size_t ncand = d->ncand;
            memcpy(cand, d->cand, ncand);
            d->ncand = 0;
            parser_start(d);
            d->mode = MODE_PARSE;
            consume(d, cand, ncand);
            return i;
        }
        if (g == HTTP_NO || d->ncand == sizeof d->cand) {
            d->ncand = 0;
            d->skipping = c != '\n';
        }
    }
    return n;
}

/* ---- reading a direction ---- */

static const char *
parse_error_message(const struct http_dir *d, enum http_errno e)
{
    if (d->over_limit)
        return "a message's start line and headers are over 16 KiB";
    return http_errno_description(e);
}

/* The parser failed: tells it, gives up the message, and resynchronises. */
static void
parse_failed(struct http_dir *d, enum http_errno e)
{
    error_note(d, parse_error_message(d, e), d->number);
    if (d->dir == 1 && d->in_message)
        response_ends(d);
    start_resync(d, false);
}

/*
 * Runs the parser on |n| bytes (none: the direction's end) and sets |*used|
 * to how many it took; HPE_PAUSED when it completed a message, which is then
 * handled, else its error or HPE_OK.
 */
static enum http_errno
execute(struct http_dir *d, const uint8_t *p, size_t n, size_t *used)
{
    *used = http_parser_execute(&d->parser, &settings, (const char *)p, n);
    enum http_errno e = HTTP_PARSER_ERRNO(&d->parser);
    if (e == HPE_PAUSED) {
        http_parser_pause(&d->parser, 0);
        if (d->dir == 0)
            request_done(d);
        else
            response_done(d);
    }
    return e;
}

/* Feeds the parser; returns the bytes it took. */
static size_t
parse(struct http_dir *d, const uint8_t *p, size_t n)
{
    size_t used;
    enum http_errno e = execute(d, p, n, &used);
    if (e == HPE_PAUSED)
        return used;
    if (e != HPE_OK) {
        parse_failed(d, e);
        return used; /* from the byte refused, skipped to the next line */
    }
    if (used < n) { /* stopped without a message: nothing here can be read as HTTP */
        error_note(d, "the parser stopped before the end of the data", d->number);
        start_resync(d, false);
    }
    return used;
}

static void
hold(struct http_dir *d, const uint8_t *p, size_t n)
{
    if (d->held.len + n > HOLD_MAX) {
        if (!d->held_gap)
            error_note(d, "over 64 KiB after an Upgrade request before its answer: dropped", d->number);
        d->held_gap += d->held.len + n;
        buf_clear(&d->held);
        return;
    }
    buf_append(&d->held, p, n);
}

static void
consume(struct http_dir *d, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t used = n;
        switch (d->mode) {
        case MODE_PARSE:
            used = parse(d, p, n);
            break;
        case MODE_RESYNC:
            used = resync(d, p, n);
            break;
        case MODE_HOLD:
            hold(d, p, n);
            break;
        case MODE_PASS:
            pass_up(d, CHUNK_DATA, p, n, d->now);
            break;
        case MODE_SWALLOW:
            break;
        }
        p += used;
        n -= used;
    }
}

/* |len| bytes the capture lacks: the message they cut is given damaged, then a new one is looked for. */
static void
gap(struct http_dir *d, size_t len)
{
    switch (d->mode) {
    case MODE_PARSE:
        if (d->in_message)
            cut_message(d, "bytes missing from the capture");
        else
            error_note(d, "bytes missing from the capture", 0);
        start_resync(d, true);
        break;
    case MODE_RESYNC:
        d->ncand = 0;
        d->skipping = false;
        break;
    case MODE_HOLD:
        d->held_gap += d->held.len + len; /* what came before the gap can no longer be told apart */
        buf_clear(&d->held);
        break;
    case MODE_PASS:
        pass_up(d, CHUNK_GAP, NULL, len, d->now);
        break;
    case MODE_SWALLOW:
        break;
    }
}

/* The direction ended: a response read until the end is complete; another message in progress is cut. */
static void
end(struct http_dir *d)
{
    switch (d->mode) {
    case MODE_PARSE: {
        size_t used;
        if (execute(d, NULL, 0, &used) != HPE_PAUSED && d->in_message)
            cut_message(d, "the stream ended inside a message");
        if (d->mode == MODE_PARSE)
            d->mode = MODE_SWALLOW; /* nothing comes after the end */
        break;
    }
    case MODE_HOLD:
        d->held_end = true;
        break;
    case MODE_PASS:
        pass_up(d, CHUNK_END, NULL, 0, d->now);
        break;
    case MODE_RESYNC:
    case MODE_SWALLOW:
        break;
    }
}

/* ---- the layer ---- */

static void *
http_open(const void *arg)
{
    (void)arg;
    struct http_conn *h = xcalloc(1, sizeof *h);
    for (int i = 0; i < 2; i++) {
        h->d[i].conn = h;
        h->d[i].dir = i;
        parser_start(&h->d[i]);
    }
    return h;
}

static void
http_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    struct http_conn *h = state;
    struct http_dir *d = &h->d[dir ? 1 : 0];
    h->call = call;
    d->now = ch->time;
    switch (ch->kind) {
    case CHUNK_DATA:
        consume(d, ch->data, ch->len);
        break;
    case CHUNK_GAP:
        gap(d, ch->len);
        break;
    case CHUNK_END:
        end(d);
        break;
    }
    h->call = NULL;
}

static void
http_close(void *state)
{
    struct http_conn *h = state;
    for (int i = 0; i < 2; i++) {
        http_head_free(&h->d[i].head);
        buf_clear(&h->d[i].held);
        http_body_free(&h->d[i].body);
    }
    forget_upgrade(h);
    free(h);
}

const struct layer_kind http_layer = {
    .name = "http",
    .open = http_open,
    .input = http_input,
    .close = http_close,
};
