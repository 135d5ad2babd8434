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
#include "xalloc.h"

/* Requests waiting for their answer; BOSH keeps two, a browser six. */
#define QUEUE_MAX 256
/* Client bytes kept between an Upgrade request and its answer. */
#define HOLD_MAX (64u << 10)
/* A header piece not kept (past HTTP_MAX_HEADERS) or not started. */
#define NO_OFFSET ((size_t)-1)

enum mode { MODE_PARSE, MODE_RESYNC, MODE_HOLD, MODE_PASS, MODE_SWALLOW };
enum piece { PIECE_NONE, PIECE_URL, PIECE_FIELD, PIECE_VALUE };

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
    struct buf head; /* the target, names and values, each NUL-terminated */
    size_t head_bytes;
    size_t target_off;
    struct {
        size_t name, value;
    } hdr[HTTP_MAX_HEADERS];
    size_t nheaders, headers_dropped;
    enum piece piece;
    bool piece_dropped;
    struct http_body body;
    bool chunked;
    const char *encoding;
    bool body_error; /* told once per message */
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
    struct buf upgrade; /* the websocket request's target, protocols, extensions */
    size_t up_protocols, up_extensions;
};

static void consume(struct http_dir *d, const uint8_t *p, size_t n);

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

static void
queue_pop(struct http_conn *h)
{
    if (!h->qlen)
        return;
    h->qhead = (h->qhead + 1) % QUEUE_MAX;
    h->qlen--;
}

/* ---- the message being read ---- */

static const char *
head_at(const struct http_dir *d, size_t off)
{
    return off == NO_OFFSET ? "" : d->head.data + off;
}

static void
end_piece(struct http_dir *d)
{
    if (d->piece != PIECE_NONE && !d->piece_dropped)
        buf_append_char(&d->head, '\0');
    d->piece = PIECE_NONE;
    d->piece_dropped = false;
}

/* The value of header |name| of the message being read, or NULL (the first one). */
static const char *
header(struct http_dir *d, const char *name)
{
    end_piece(d);
    for (size_t i = 0; i < d->nheaders; i++)
        if (strcasecmp(head_at(d, d->hdr[i].name), name) == 0)
            return head_at(d, d->hdr[i].value);
    return NULL;
}

/* True when the comma-separated |list| holds |token| (RFC 9110 §5.6.1), without case. */
static bool
list_has(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *s = list; s && *s;) {
        s += strspn(s, " \t,");
        size_t len = strcspn(s, ",");
        size_t w = len;
        while (w > 0 && (s[w - 1] == ' ' || s[w - 1] == '\t'))
            w--;
        if (w == n && strncasecmp(s, token, n) == 0)
            return true;
        s += len;
    }
    return false;
}

static void
message_reset(struct http_dir *d)
{
    d->in_message = d->headers_done = d->over_limit = false;
    d->number = 0;
    d->matched = false;
    d->method = NULL;
    if (d->head.cap > HTTP_MAX_HEADER_BYTES)
        buf_clear(&d->head);
    else
        buf_reset(&d->head);
    d->head_bytes = 0;
    d->target_off = NO_OFFSET;
    d->nheaders = d->headers_dropped = 0;
    d->piece = PIECE_NONE;
    d->piece_dropped = false;
    http_body_reset(&d->body);
    d->chunked = false;
    d->encoding = NULL;
    d->body_error = false;
}

/* Gives the message read so far to the owner. */
static void
emit_message(struct http_dir *d, bool damaged)
{
    end_piece(d);
    struct http_header headers[HTTP_MAX_HEADERS];
    for (size_t i = 0; i < d->nheaders; i++) {
        headers[i].name = head_at(d, d->hdr[i].name);
        headers[i].value = head_at(d, d->hdr[i].value);
    }
    bool request = d->dir == 0;
    bool line_read = d->parser.http_major != 0 || d->headers_done;
    struct http_message m = {
        .request = request,
        .number = d->number,
        .method = request ? d->method : NULL,
        .target = request && d->target_off != NO_OFFSET ? head_at(d, d->target_off) : NULL,
        .status = request ? 0 : (int)d->parser.status_code,
        .version_minor = line_read ? (int)d->parser.http_minor : 1,
        .headers = headers,
        .nheaders = d->nheaders,
        .headers_dropped = d->headers_dropped,
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

/* Counts header bytes; false past HTTP_MAX_HEADER_BYTES (the callback then fails the parse). */
static bool
head_room(struct http_dir *d, size_t n)
{
    d->head_bytes += n;
    if (d->head_bytes <= HTTP_MAX_HEADER_BYTES)
        return true;
    d->over_limit = true;
    return false;
}

static int
on_url(http_parser *p, const char *at, size_t n)
{
    struct http_dir *d = p->data;
    if (!head_room(d, n))
        return -1;
    if (d->piece != PIECE_URL) {
        end_piece(d);
        d->piece = PIECE_URL;
        d->target_off = d->head.len;
        d->method = http_method_str((enum http_method)p->method);
    }
    buf_append(&d->head, at, n);
    return 0;
}

static int
on_status(http_parser *p, const char *at, size_t n)
{
    (void)at;
    return head_room(p->data, n) ? 0 : -1; /* the reason phrase is not kept */
}

static int
on_header_field(http_parser *p, const char *at, size_t n)
{
    struct http_dir *d = p->data;
    if (d->headers_done)
        return 0; /* a trailer of a chunked body */
    if (!head_room(d, n + 4)) /* ": " and CRLF */
        return -1;
    if (d->piece != PIECE_FIELD) {
        end_piece(d);
        d->piece = PIECE_FIELD;
        if (d->nheaders == HTTP_MAX_HEADERS) {
            d->headers_dropped++;
            d->piece_dropped = true;
        } else {
            d->hdr[d->nheaders].name = d->head.len;
            d->hdr[d->nheaders].value = NO_OFFSET;
            d->nheaders++;
        }
    }
    if (!d->piece_dropped)
        buf_append(&d->head, at, n);
    return 0;
}

static int
on_header_value(http_parser *p, const char *at, size_t n)
{
    struct http_dir *d = p->data;
    if (d->headers_done)
        return 0;
    if (!head_room(d, n))
        return -1;
    if (d->piece != PIECE_VALUE) {
        bool dropped = d->piece_dropped;
        end_piece(d);
        d->piece = PIECE_VALUE;
        d->piece_dropped = dropped; /* the value of a header not kept is not kept either */
        if (!dropped)
            d->hdr[d->nheaders - 1].value = d->head.len;
    }
    if (!d->piece_dropped)
        buf_append(&d->head, at, n);
    return 0;
}

static void
body_error(struct http_dir *d, const char *err)
{
    if (err && !d->body_error) {
        d->body_error = true;
        error_note(d, err, d->number);
    }
}

/* What the request asks of its answer, and the handshake an Upgrade to websocket will need. */
static void
request_headers(struct http_dir *d)
{
    struct http_conn *h = d->conn;
    if (!h->qlen || h->queue[(h->qhead + h->qlen - 1) % QUEUE_MAX].number != d->number)
        return; /* not queued (the queue was full) */
    struct pending *q = &h->queue[(h->qhead + h->qlen - 1) % QUEUE_MAX];
    const char *upgrade = header(d, "Upgrade");
    q->head = d->parser.method == HTTP_HEAD;
    q->connect = d->parser.method == HTTP_CONNECT;
    q->upgrade = upgrade != NULL || q->connect;
    q->websocket = list_has(upgrade, "websocket");
    if (!q->websocket)
        return;
    const char *protocols = header(d, "Sec-WebSocket-Protocol");
    const char *extensions = header(d, "Sec-WebSocket-Extensions");
    buf_reset(&h->upgrade);
    buf_append(&h->upgrade, head_at(d, d->target_off), strlen(head_at(d, d->target_off)) + 1);
    h->up_protocols = protocols ? h->upgrade.len : NO_OFFSET;
    if (protocols)
        buf_append(&h->upgrade, protocols, strlen(protocols) + 1);
    h->up_extensions = extensions ? h->upgrade.len : NO_OFFSET;
    if (extensions)
        buf_append(&h->upgrade, extensions, strlen(extensions) + 1);
}

static int
on_headers_complete(http_parser *p)
{
    struct http_dir *d = p->data;
    end_piece(d);
    d->headers_done = true;
    d->chunked = (p->flags & F_CHUNKED) != 0;
    enum http_coding coding = HTTP_CODING_NONE;
    const char *encoding = header(d, "Content-Encoding");
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
        .target = h->upgrade.data,
        .requested_protocols = h->up_protocols == NO_OFFSET ? NULL : h->upgrade.data + h->up_protocols,
        .requested_extensions = h->up_extensions == NO_OFFSET ? NULL : h->upgrade.data + h->up_extensions,
        .protocol = header(s, "Sec-WebSocket-Protocol"),
        .extensions = header(s, "Sec-WebSocket-Extensions"),
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
    if (ended && c->mode == MODE_PARSE && c->in_message) {
        error_note(c, "the stream ended inside a message", c->number);
        emit_message(c, true);
    }
}

/* ---- what a direction does when a message is complete ---- */

static void
request_done(struct http_dir *d)
{
    struct http_conn *h = d->conn;
    bool hold = h->qlen && h->queue[(h->qhead + h->qlen - 1) % QUEUE_MAX].number == d->number &&
                h->queue[(h->qhead + h->qlen - 1) % QUEUE_MAX].upgrade;
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

/* A status line's start: "HTTP/1." (RFC 9112 §4). */
static enum http_guess
guess_status(const uint8_t *p, size_t n)
{
    static const char v[] = "HTTP/1.";
    size_t k = n < 7 ? n : 7;
    if (memcmp(p, v, k) != 0)
        return HTTP_NO;
    return k == 7 ? HTTP_YES : HTTP_MAYBE;
}

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
            d->dir == 0 ? http_guess_request(d->cand, d->ncand) : guess_status(d->cand, d->ncand);
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

/* Feeds the parser; returns the bytes it took. */
static size_t
parse(struct http_dir *d, const uint8_t *p, size_t n)
{
    size_t used = http_parser_execute(&d->parser, &settings, (const char *)p, n);
    enum http_errno e = HTTP_PARSER_ERRNO(&d->parser);
    if (e == HPE_PAUSED) {
        http_parser_pause(&d->parser, 0);
        if (d->dir == 0)
            request_done(d);
        else
            response_done(d);
        return used;
    }
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
        error_note(d, "bytes missing from the capture", d->number);
        if (d->in_message) {
            emit_message(d, true);
            if (d->dir == 1)
                response_ends(d);
        }
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
        http_parser_execute(&d->parser, &settings, NULL, 0);
        enum http_errno e = HTTP_PARSER_ERRNO(&d->parser);
        if (e == HPE_PAUSED) {
            http_parser_pause(&d->parser, 0);
            if (d->dir == 0)
                request_done(d);
            else
                response_done(d);
        } else if (d->in_message) {
            error_note(d, "the stream ended inside a message", d->number);
            emit_message(d, true);
            if (d->dir == 1)
                response_ends(d);
            message_reset(d);
        }
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
        buf_clear(&h->d[i].head);
        buf_clear(&h->d[i].held);
        http_body_free(&h->d[i].body);
    }
    buf_clear(&h->upgrade);
    free(h);
}

const struct layer_kind http_layer = {
    .name = "http",
    .open = http_open,
    .input = http_input,
    .close = http_close,
};

/* ---- the guess ---- */

/* RFC 9110 §5.6.2 tchar. */
static bool
is_tchar(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool
known_method(const uint8_t *p, size_t n)
{
    static const char *const methods[] = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH",
                                          "CONNECT", "TRACE", NULL};
    for (size_t i = 0; methods[i]; i++)
        if (strlen(methods[i]) == n && memcmp(p, methods[i], n) == 0)
            return true;
    return false;
}

enum http_guess
http_guess_request(const uint8_t *p, size_t n)
{
    enum http_guess short_or_no = n < 8 ? HTTP_MAYBE : HTTP_NO;
    size_t i = 0;
    while (i < n && i < 16 && is_tchar(p[i]))
        i++;
    if (i == n)
        return short_or_no; /* a method, so far */
    if (i == 0 || p[i] != ' ')
        return HTTP_NO;
    if (known_method(p, i))
        return HTTP_YES;
    size_t t = i + 1; /* the request target: visible characters */
    while (t < n && p[t] > ' ' && p[t] < 0x7f)
        t++;
    if (t == n)
        return short_or_no;
    if (t == i + 1 || p[t] != ' ')
        return HTTP_NO;
    static const char version[] = "HTTP/1.";
    size_t k = 0;
    while (k < 7 && t + 1 + k < n && p[t + 1 + k] == (uint8_t)version[k])
        k++;
    if (k == 7)
        return HTTP_YES;
    return t + 1 + k < n ? HTTP_NO : short_or_no;
}

bool
http_looks_like_request(const uint8_t *p, size_t n)
{
    return http_guess_request(p, n) == HTTP_YES;
}
