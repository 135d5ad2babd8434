/* websocket: RFC 6455 frames to RFC 7395 messages, as a stack layer (see the header). */
#include <config.h>
#include "websocket.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "ws_deflate.h"
#include "ws_shape.h"
#include "xalloc.h"

#define CONTROL_MAX 125     /* RFC 6455 §5.5: a control frame's payload */
#define ERRORS_NOTED 8      /* errors noted per direction; the later ones are counted only */
#define UNMASK_CHUNK 4096   /* masked payload is unmasked through a buffer of this size */

enum opcode { OP_CONTINUATION = 0, OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10 };

/* Where the current frame's payload goes. */
enum sink { SINK_SKIP, SINK_CONTROL, SINK_MESSAGE };

struct ws_dir {
    /* the frame header being read: 2 bytes, then the extended length and the key it announces */
    uint8_t hdr[14];
    size_t hdr_len, hdr_need;
    bool in_payload;
    /* the current frame */
    bool fin, masked;
    unsigned opcode;
    uint8_t key[4];
    uint64_t left; /* payload bytes still to come */
    uint64_t pos;  /* payload bytes gone by: the masking key's phase */
    enum sink sink;
    /* the data message being joined */
    bool in_message, binary, compressed;
    bool dropped;  /* over the cap, or unreadable: nothing of it goes up */
    bool damaged;  /* a capture gap took |gap_len| of its bytes at |gap_at| */
    size_t gap_at;
    uint64_t gap_len;
    struct buf msg;
    struct ws_inflate *inflate; /* made at the first compressed message */
    /* a control frame's payload */
    uint8_t ctl[CONTROL_MAX];
    size_t ctl_len;
    bool ctl_damaged;
    /* what was said already */
    bool lost;     /* the frame boundaries are lost: nothing more is read */
    bool closed;   /* a close frame came: nothing may follow it */
    bool after_close_noted, masking_noted;
    struct websocket_counts counts;
};

struct ws {
    struct ws_deflate_params deflate; /* from the server's Sec-WebSocket-Extensions */
    struct ws_dir d[2];
};

/* One input call's view: the stack, the direction, the time. */
struct ctx {
    struct layer_call *call;
    struct ws *ws;
    struct ws_dir *d;
    int dir;
    usec_t time;
};

static void
note(struct ctx *cx, enum websocket_note what, const struct websocket_info *info)
{
    struct stack_note n = {.what = (int)what, .dir = cx->dir, .time = cx->time, .info = info};
    stack_note(cx->call, &n);
}

static const char *
side(const struct ctx *cx)
{
    return cx->dir ? "server" : "client";
}

/* A breach of RFC 6455/7692 or a loss: noted up to ERRORS_NOTED times per direction, always counted. */
static void __attribute__((format(printf, 2, 3)))
ws_error(struct ctx *cx, const char *fmt, ...)
{
    struct ws_dir *d = cx->d;
    if (d->counts.errors++ >= ERRORS_NOTED)
        return;
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (d->counts.errors == ERRORS_NOTED) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, " (further WebSocket errors of the %s are not listed)",
                 side(cx));
    }
    struct websocket_info info = {.message = text, .message_number = d->counts.messages};
    note(cx, WEBSOCKET_NOTE_ERROR, &info);
}

/* ---- messages ---- */

static void
end_message(struct ws_dir *d)
{
    d->in_message = d->binary = d->compressed = d->dropped = d->damaged = false;
    d->gap_at = 0;
    d->gap_len = 0;
    if (d->msg.cap > 64 * 1024)
        buf_clear(&d->msg); /* a big message's room is not kept for the connection's life */
    else
        buf_reset(&d->msg);
}

static void
drop_message(struct ctx *cx, const char *why)
{
    struct ws_dir *d = cx->d;
    if (d->dropped)
        return;
    d->dropped = true;
    d->counts.dropped++;
    ws_error(cx, "%s message %lu dropped: %s", side(cx), d->counts.messages + 1, why);
    buf_reset(&d->msg);
}

/* Message bytes (unmasked, inflated) into the message, up to the cap. */
static void
keep(struct ctx *cx, const uint8_t *p, size_t n)
{
    struct ws_dir *d = cx->d;
    if (d->dropped || n == 0)
        return;
    if (d->msg.len + n > WEBSOCKET_MAX_MESSAGE) {
        char why[64];
        snprintf(why, sizeof why, "longer than %u bytes", WEBSOCKET_MAX_MESSAGE);
        drop_message(cx, why);
        return;
    }
    buf_append(&d->msg, p, n);
}

static void
inflated(void *arg, const uint8_t *p, size_t n)
{
    keep(arg, p, n);
}

static void
inflate_some(struct ctx *cx, const uint8_t *p, size_t n)
{
    struct ws_dir *d = cx->d;
    const char *problem = ws_inflate_feed(d->inflate, p, n, &d->dropped, inflated, cx);
    if (problem)
        drop_message(cx, problem);
}

static void
up(struct ctx *cx, enum chunk_kind kind, const uint8_t *p, size_t n)
{
    struct chunk ch = {kind, p, n, cx->time};
    stack_up(cx->call, cx->dir, &ch);
}

/* The message's bytes up: whole, or around the hole a capture gap made in it. */
static void
pass_up(struct ctx *cx)
{
    struct ws_dir *d = cx->d;
    const uint8_t *p = (const uint8_t *)d->msg.data;
    if (!d->damaged) {
        up(cx, CHUNK_DATA, p, d->msg.len);
        return;
    }
    if (d->gap_at)
        up(cx, CHUNK_DATA, p, d->gap_at);
    up(cx, CHUNK_GAP, NULL, (size_t)(d->gap_len < SIZE_MAX ? d->gap_len : 0));
    if (d->msg.len > d->gap_at)
        up(cx, CHUNK_DATA, p + d->gap_at, d->msg.len - d->gap_at);
}

static void
message_done(struct ctx *cx)
{
    struct ws_dir *d = cx->d;
    if (d->compressed) {
        /* RFC 7692 §7.2.2: the 00 00 ff ff the sender took off (a shared window needs it even
         * when the message is dropped) */
        inflate_some(cx, NULL, 0);
        ws_inflate_message_end(d->inflate);
    }
    unsigned long number = ++d->counts.messages;
    if (d->dropped || (d->msg.len == 0 && !d->damaged)) {
        if (!d->dropped) {
            struct websocket_info info = {.message = "is empty", .message_number = number};
            note(cx, WEBSOCKET_NOTE_NOT_ONE_ELEMENT, &info);
        }
        end_message(d);
        return;
    }
    pass_up(cx);
    struct websocket_info info = {.message_number = number};
    char why[80];
    if (d->binary) {
        info.message = "a binary message";
        note(cx, WEBSOCKET_NOTE_BINARY, &info);
    } else if (!d->damaged) {
        /* a message a gap cut is not judged: the framer says what it lost */
        enum ws_shape shape = ws_message_shape((const uint8_t *)d->msg.data, d->msg.len, why, sizeof why);
        info.message = why;
        if (shape == WS_SHAPE_WHITESPACE)
            note(cx, WEBSOCKET_NOTE_WHITESPACE, &info);
        else if (shape == WS_SHAPE_OTHER)
            note(cx, WEBSOCKET_NOTE_NOT_ONE_ELEMENT, &info);
    }
    end_message(d);
}

/* ---- control frames ---- */

/* RFC 6455 §7.4.1, §7.4.2: the codes a close frame may carry. */
static bool
close_code_valid(unsigned code)
{
    if (code >= 3000 && code <= 4999)
        return true; /* libraries, frameworks, applications */
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

static void
close_frame(struct ctx *cx)
{
    struct ws_dir *d = cx->d;
    d->counts.closes++;
    struct websocket_info info = {.message_number = d->counts.messages, .reason = ""};
    char reason[CONTROL_MAX + 1];
    if (d->ctl_len == 1) {
        ws_error(cx, "%s close frame with a 1-byte payload (a code takes 2)", side(cx));
    } else if (d->ctl_len >= 2) {
        info.code = (unsigned)d->ctl[0] << 8 | d->ctl[1];
        size_t n = 0;
        for (size_t i = 2; i < d->ctl_len; i++)
            reason[n++] = d->ctl[i] >= 0x20 && d->ctl[i] < 0x7f ? (char)d->ctl[i] : '?';
        reason[n] = '\0';
        info.reason = reason;
        if (!close_code_valid(info.code))
            ws_error(cx, "%s close frame with code %u, which RFC 6455 §7.4 does not allow on the wire",
                  side(cx), info.code);
    }
    info.message = d->ctl_damaged ? "close frame (part of it missing from the capture)" : "close frame";
    note(cx, WEBSOCKET_NOTE_CLOSE, &info);
    d->closed = true;
}

/* ---- frames ---- */

/* The 2-byte header is in: how long the whole header is. */
static size_t
header_size(const uint8_t *h)
{
    unsigned len7 = h[1] & 0x7f;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (h[1] & 0x80 ? 4 : 0);
}

/* A data frame (text, binary, continuation): where its payload goes. */
static enum sink
data_frame(struct ctx *cx, unsigned rsv)
{
    struct ws_dir *d = cx->d;
    if (d->opcode == OP_CONTINUATION) {
        if (!d->in_message) {
            ws_error(cx, "%s continuation frame with no message to continue (skipped)", side(cx));
            return SINK_SKIP;
        }
        if (rsv & 4)
            ws_error(cx, "%s continuation frame with RSV1 set (RFC 7692 §6.1: the first frame only)",
                  side(cx));
        return SINK_MESSAGE;
    }
    if (d->in_message) {
        drop_message(cx, "a new message began before its last frame");
        end_message(d);
    }
    d->in_message = true;
    d->binary = d->opcode == OP_BINARY;
    if (rsv & 4) {
        if (!cx->ws->deflate.on)
            ws_error(cx, "%s frame with RSV1 set, but permessage-deflate was not negotiated (read as "
                      "compressed)", side(cx));
        d->compressed = true;
        if (!d->inflate)
            d->inflate = ws_inflate_new(cx->ws->deflate.no_takeover[cx->dir] && cx->ws->deflate.on);
    }
    return SINK_MESSAGE;
}

/* The header is in: checks it, and says where the payload goes. */
static void
frame_begins(struct ctx *cx)
{
    struct ws_dir *d = cx->d;
    const uint8_t *h = d->hdr;
    d->fin = h[0] & 0x80;
    unsigned rsv = (h[0] >> 4) & 7;
    d->opcode = h[0] & 0x0f;
    d->masked = h[1] & 0x80;
    unsigned len7 = h[1] & 0x7f;
    uint64_t len = len7;
    size_t at = 2;
    if (len7 == 126) {
        len = (uint64_t)h[2] << 8 | h[3];
        at = 4;
    } else if (len7 == 127) {
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | h[2 + i];
        at = 10;
    }
    if (d->masked)
        memcpy(d->key, h + at, 4);
    d->left = len;
    d->pos = 0;
    d->ctl_len = 0;
    d->ctl_damaged = false;
    d->counts.frames++;
    d->hdr_len = 0;
    d->hdr_need = 2;
    d->in_payload = true;

    if (len >> 63)
        ws_error(cx, "%s frame length over 2^63 (RFC 6455 §5.2: the top bit must be 0)", side(cx));
    else if ((len7 == 126 && len < 126) || (len7 == 127 && len <= 0xffff))
        ws_error(cx, "%s frame length not in its shortest form (RFC 6455 §5.2)", side(cx));
    if (d->masked != (cx->dir == 0) && !d->masking_noted) {
        d->masking_noted = true;
        struct websocket_info info = {
            .message = cx->dir ? "server frame masked (RFC 6455 §5.1: a server never masks)"
                               : "client frame not masked (RFC 6455 §5.1: a client masks every frame)",
            .message_number = d->counts.messages};
        note(cx, WEBSOCKET_NOTE_MASKING, &info);
    }
    if (d->closed && !d->after_close_noted) {
        d->after_close_noted = true;
        ws_error(cx, "%s frame after its close frame (RFC 6455 §5.5.1)", side(cx));
    }
    if (rsv & 3)
        ws_error(cx, "%s frame with RSV2 or RSV3 set, which no negotiated extension defines", side(cx));
    if (d->opcode >= 8) {
        d->sink = SINK_CONTROL;
        if (d->opcode > OP_PONG) {
            ws_error(cx, "%s frame with reserved opcode %u (skipped)", side(cx), d->opcode);
            d->sink = SINK_SKIP;
        }
        if (!d->fin)
            ws_error(cx, "%s control frame fragmented (RFC 6455 §5.5)", side(cx));
        if (len > CONTROL_MAX)
            ws_error(cx, "%s control frame of %llu bytes (RFC 6455 §5.5: at most 125)", side(cx),
                  (unsigned long long)len);
        if (rsv & 4)
            ws_error(cx, "%s control frame with RSV1 set", side(cx));
    } else if (d->opcode > OP_BINARY) {
        ws_error(cx, "%s frame with reserved opcode %u (skipped)", side(cx), d->opcode);
        d->sink = SINK_SKIP;
    } else {
        d->sink = data_frame(cx, rsv);
    }
}

static void
frame_ends(struct ctx *cx)
{
    struct ws_dir *d = cx->d;
    d->in_payload = false;
    switch (d->sink) {
    case SINK_CONTROL:
        if (d->opcode == OP_CLOSE)
            close_frame(cx);
        else if (d->opcode == OP_PING)
            d->counts.pings++;
        else
            d->counts.pongs++;
        break;
    case SINK_MESSAGE:
        if (d->fin)
            message_done(cx);
        break;
    case SINK_SKIP:
        break;
    }
}

/* |n| payload bytes, unmasked. */
static void
payload(struct ctx *cx, const uint8_t *p, size_t n)
{
    struct ws_dir *d = cx->d;
    switch (d->sink) {
    case SINK_SKIP:
        break;
    case SINK_CONTROL:
        for (size_t i = 0; i < n && d->ctl_len < CONTROL_MAX; i++)
            d->ctl[d->ctl_len++] = p[i];
        break;
    case SINK_MESSAGE:
        if (d->compressed)
            inflate_some(cx, p, n);
        else
            keep(cx, p, n);
        break;
    }
}

/* |n| bytes of the current frame's payload as they came on the wire. */
static void
payload_wire(struct ctx *cx, const uint8_t *p, size_t n)
{
    struct ws_dir *d = cx->d;
    if (!d->masked || d->sink == SINK_SKIP) {
        payload(cx, p, n);
        d->pos += n;
        return;
    }
    uint8_t clear[UNMASK_CHUNK];
    while (n > 0) {
        size_t k = n < sizeof clear ? n : sizeof clear;
        for (size_t i = 0; i < k; i++)
            clear[i] = p[i] ^ d->key[(d->pos + i) & 3];
        payload(cx, clear, k);
        d->pos += k;
        p += k;
        n -= k;
    }
}

static void
read_frames(struct ctx *cx, const uint8_t *p, size_t n)
{
    struct ws_dir *d = cx->d;
    while (n > 0 || (d->in_payload && d->left == 0)) {
        if (d->in_payload) {
            size_t k = d->left < n ? (size_t)d->left : n;
            payload_wire(cx, p, k);
            d->left -= k;
            p += k;
            n -= k;
            if (d->left == 0)
                frame_ends(cx);
            continue;
        }
        size_t k = d->hdr_need - d->hdr_len;
        if (k > n)
            k = n;
        memcpy(d->hdr + d->hdr_len, p, k);
        d->hdr_len += k;
        p += k;
        n -= k;
        if (d->hdr_len == 2)
            d->hdr_need = header_size(d->hdr);
        if (d->hdr_len == d->hdr_need)
            frame_begins(cx);
    }
}

/* ---- gaps and the end ---- */

/* The frame boundaries are lost for good: the rest of the direction is not read. */
static void
lose(struct ctx *cx, size_t missing)
{
    struct ws_dir *d = cx->d;
    d->lost = true;
    d->counts.errors++;
    char text[200];
    snprintf(text, sizeof text,
             "%zu %s bytes missing from the capture outside a frame's payload: the frame "
             "boundaries are lost, the rest of the %s's WebSocket frames is not read",
             missing, side(cx), side(cx));
    struct websocket_info info = {.message = text, .message_number = d->counts.messages};
    note(cx, WEBSOCKET_NOTE_ERROR, &info); /* said even past ERRORS_NOTED: it ends the reading */
    if (d->in_message)
        d->counts.dropped++;
    end_message(d);
    d->in_payload = false;
    up(cx, CHUNK_GAP, NULL, missing);
}

static void
gap(struct ctx *cx, size_t missing)
{
    struct ws_dir *d = cx->d;
    if (!d->in_payload || missing == 0 || missing > d->left) {
        lose(cx, missing);
        return;
    }
    /* inside a payload of known length: the next header is still found */
    d->left -= missing;
    d->pos += missing;
    if (d->sink == SINK_CONTROL) {
        d->ctl_damaged = true;
    } else if (d->sink == SINK_MESSAGE && !d->dropped) {
        if (d->compressed) {
            drop_message(cx, "a capture gap cut it, and compressed data cannot be read across one");
            ws_inflate_lose(d->inflate);
        } else {
            if (!d->damaged)
                d->gap_at = d->msg.len;
            d->damaged = true;
            d->gap_len += missing;
        }
    }
    if (d->left == 0)
        frame_ends(cx);
}

static void
direction_ends(struct ctx *cx)
{
    struct ws_dir *d = cx->d;
    if (d->lost)
        return;
    if (d->hdr_len || d->in_payload || d->in_message) {
        ws_error(cx, "the %s's bytes ended inside a WebSocket %s", side(cx),
              d->hdr_len || d->in_payload ? "frame" : "message");
        if (d->in_message)
            d->counts.dropped++;
        end_message(d);
        d->in_payload = false;
        d->hdr_len = 0;
        d->hdr_need = 2;
    }
}

/* ---- the layer ---- */

static void *
websocket_open(const void *arg)
{
    const struct http_upgrade *upgrade = arg;
    struct ws *w = xcalloc(1, sizeof *w);
    ws_deflate_negotiated(upgrade ? upgrade->extensions : NULL, &w->deflate);
    for (int i = 0; i < 2; i++)
        w->d[i].hdr_need = 2;
    return w;
}

static void
websocket_input(struct layer_call *call, void *state, int dir, const struct chunk *ch)
{
    struct ws *w = state;
    struct ctx cx = {call, w, &w->d[dir & 1], dir & 1, ch->time};
    switch (ch->kind) {
    case CHUNK_DATA:
        if (!cx.d->lost)
            read_frames(&cx, ch->data, ch->len);
        break;
    case CHUNK_GAP:
        if (!cx.d->lost)
            gap(&cx, ch->len);
        break;
    case CHUNK_END:
        direction_ends(&cx);
        stack_up(call, dir, ch);
        break;
    }
}

static void
websocket_close(void *state)
{
    struct ws *w = state;
    for (int i = 0; i < 2; i++) {
        buf_clear(&w->d[i].msg);
        ws_inflate_free(w->d[i].inflate);
    }
    free(w);
}

const struct layer_kind websocket_layer = {
    .name = "websocket",
    .open = websocket_open,
    .input = websocket_input,
    .close = websocket_close,
};

void
websocket_counts(const void *state, int dir, struct websocket_counts *out)
{
    const struct ws *w = state;
    *out = w->d[dir & 1].counts;
}
