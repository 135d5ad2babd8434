/*
 * framer: XMPP stream bytes to top-level elements (RFC 6120 4, 11).
 *
 * Longer than 800 lines: one byte-level state machine (the step_* functions)
 * and the actions it takes share the framer's private state; split, the
 * scanner's hot loop would call across files.
 */
#include <config.h>
#include "framer.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hash_bytes.h"
#include "mend.h"
#include "xalloc.h"
#include "streamhead.h"
#include "utf8.h"
#include "xmlpush.h"

/*
 * How it works. A byte-level scanner of our own walks every byte once and
 * knows where each top-level construct (stream header, element, end tag,
 * whitespace, comment, ...) begins and ends, and how deep we are inside the
 * current top-level element. libxml2 (xmlpush.c) only ever sees whole units:
 * a stream header (XML declaration + <stream:stream ...>), which starts a new
 * stream, or one complete top-level element, pushed in after the stream's
 * header. So:
 *
 *   - a frame comes out as soon as the final '>' of its element has been fed,
 *     whatever libxml2 would otherwise hold back;
 *   - a unit that does not parse, or is skipped (oversize, DTD), leaves no
 *     parser state behind: the next one is read as if it had not been there;
 *   - the namespace context is the last header's (RFC 6120 4.3.3 restarts
 *     bring a new one), or a guessed c2s one when no header was seen;
 *   - memory is bounded by max_element: a unit is only buffered while it is
 *     below the cap, and only when it spans several framer_feed() calls;
 *   - work is bounded too: libxml2 2.9 checks attribute names pair by pair,
 *     so a unit whose open elements carry more than MAX_OPEN_ATTRS attributes
 *     at once is skipped like an oversize one.
 *
 * Top level means depth 0: outside any top-level element, whether a stream
 * is open or not.
 */

#define DEFAULT_MAX_ELEMENT ((size_t)1024 * 1024)
#define DEFAULT_MAX_DEPTH 64u
#define MIN_MAX_ELEMENT 64   /* every markup kind is known within this many bytes */
#define HASH_STACK_MAX 1024u /* end tags deeper than this are not name-checked */
#define NAME_KEEP 64         /* bytes of a tag name kept for messages */
#define OPEN_KEEP 16         /* depths whose element's start is kept, to mend a cut element */
#define MSG_MAX 256
#define CUR_KEEP ((size_t)64 * 1024) /* |cur| keeps at most this much memory between units */
/* Attributes (namespace declarations included) on the open elements of a unit at once. */
#define MAX_OPEN_ATTRS 512

/* Messages of bad input RFC 6120 11 forbids start with this, so callers can tell. */
#define RESTRICTED "restricted XML: "

enum scan_state {
    S_TEXT,        /* character data */
    S_LT,          /* after '<' */
    S_STAG_NAME,   /* start-tag name */
    S_STAG,        /* start tag after its name */
    S_STAG_SQ,     /* '...' attribute value */
    S_STAG_DQ,     /* "..." attribute value */
    S_STAG_SLASH,  /* '/' inside a start tag */
    S_ETAG_NAME,   /* end-tag name */
    S_ETAG,        /* end tag after its name */
    S_PI_TARGET,   /* "<?" matching "xml" */
    S_PI,          /* processing instruction body */
    S_PI_Q,        /* '?' inside a PI */
    S_BANG,        /* "<!" matching "--" or "[CDATA[" */
    S_COMMENT,     /* comment body */
    S_COMMENT_D1,  /* "-" inside a comment */
    S_COMMENT_D2,  /* "--" inside a comment */
    S_CDATA,       /* CDATA section body */
    S_CDATA_B1,    /* "]" inside CDATA */
    S_CDATA_B2,    /* "]]" inside CDATA */
    S_DECL,        /* <!DOCTYPE ...> or another <!...> declaration */
    S_DECL_SQ,     /* '...' inside a declaration */
    S_DECL_DQ,     /* "..." inside a declaration */
    S_DECL_LT,     /* '<' inside an internal subset */
    S_DECL_BANG,   /* "<!" inside an internal subset */
    S_DECL_BANG_D, /* "<!-" inside an internal subset */
    S_DMG_TAG,     /* after a hole in a top-level start tag: the rest of the tag */
};

/* What the current top-level construct is. */
enum unit {
    U_NONE,    /* nothing open at top level */
    U_MARKUP,  /* '<' seen, kind not known yet */
    U_STAG,    /* start tag, name not complete */
    U_ELEMENT, /* top-level element inside a stream */
    U_STRAY,   /* element outside any stream (framed, marked outside) */
    U_HEADER,  /* <stream:stream ...> start tag */
    U_PI,      /* "<?", target not known yet */
    U_DECL,    /* <?xml ...?> */
    U_ETAG,    /* end tag */
    U_OTHER,   /* comment, PI, DTD, CDATA: not kept */
};

struct qframe {
    enum frame_kind kind;
    struct stanza *el;
    bool xml_decl;
    bool outside;
    size_t offset;
    size_t size;
    char *message;
    bool restricted; /* struct frame */
    size_t raw_off, raw_len; /* deferred parsing: the unit's bytes, in framer.raw */
    bool has_raw;
    struct stanza *early; /* deferred element read before a later header (settle_queued) */
    bool settled;         /* ... and that was done (early NULL: it did not parse) */
    bool damaged;         /* struct frame */
    size_t gap_offset, gap_bytes;
};

/*
 * What turns units into trees: libxml2, inside the stream of the last
 * header (xmlpush.h; made when first needed). A framer holds one; with
 * deferred parsing the reader of its frames holds another, fed the same
 * units in the same order.
 */
struct frame_parser {
    struct xml_push *xp;
    char errmsg[MSG_MAX];
    struct stanza *el;     /* the last frame handed out by frame_parser_parse() */
    char *message;
};

struct framer {
    char *label;
    size_t max_element;
    unsigned max_depth;
    bool finished;

    /* Frames not yet handed out; |last| was handed out last and dies next call. */
    struct qframe *q;
    size_t qhead, qlen, qcap;
    struct qframe last;

    /* Scanner. */
    enum scan_state state;
    enum scan_state comment_ret; /* S_TEXT, or S_DECL inside an internal subset */
    enum unit unit;
    size_t pos;        /* bytes fed so far */
    size_t lt_pos;     /* offset of the last markup '<' */
    size_t unit_start; /* offset of the current top-level construct */
    bool stream;       /* a stream header is open */
    unsigned depth;    /* open elements of the current top-level element */
    bool skip;         /* current unit already reported; neither kept nor parsed */
    bool gap;          /* after framer_gap(): waiting for a start tag */
    unsigned match;    /* progress through "xml", "--", "[CDATA[" */
    unsigned brackets; /* '[' nesting inside a declaration */
    bool etag_closes;  /* the end tag being read closes the stream */
    bool stray_seen;   /* an element came outside a stream since the last close */

    /* Bytes of the current unit: buffered in |cur| only across feeds. */
    bool capture;
    size_t cap_from;  /* offset of the first byte of this feed not yet in |cur| */
    size_t cap_limit; /* offset of the first byte over max_element */
    struct buf cur;
    const unsigned char *in; /* the buffer being fed ... */
    size_t in_base;          /* ... and the offset of its first byte */

    /* The tag name being read: hash, head for messages, local part. */
    struct hash_stream name_hash;
    uint64_t hash; /* of the name just read */
    size_t name_len;
    char name[NAME_KEEP];
    size_t local_len;
    char local[8];
    char top_name[NAME_KEEP + 1]; /* the current top-level element, for messages */
    uint64_t *hstack;             /* hstack[d]: name hash of the open element at depth d */
    unsigned *astack;             /* astack[d]: attributes of the open element at depth d */
    unsigned open_attrs;          /* attributes of the unit's open elements (MAX_OPEN_ATTRS) */
    unsigned hcap;
    uint64_t stream_hash; /* name hash of the open stream header */
    uint64_t hdr_hash;

    /* Runs of top-level text. */
    bool ws_run;
    size_t ws_start;
    bool text_run;
    size_t text_start;
    unsigned char text_head[3]; /* first bytes of the run, to spot a byte order mark */
    unsigned text_head_len;

    /* Stream headers. */
    struct buf decl; /* a pending <?xml ...?> */
    bool decl_pending;
    size_t decl_start;
    struct buf hdr; /* raw bytes of the header being parsed (with its <?xml?>) */

    struct frame_parser fp;
    /*
     * Deferred parsing (framer_defer_parsing): units go out as bytes, kept in
     * |raw| until the queue is drained; |fp| is only brought up to date with
     * the last header when framer_parse_deferred() needs it.
     */
    bool defer;
    bool defer_headers; /* headers deferred too (else parsed here, sent with the header kept) */
    struct buf raw;
    bool fp_stale;     /* a header came since |fp| last read one */

    /*
     * A hole (framer_gap_bytes()) in the current top-level element: what is
     * needed to mend it (mend.h). The unit's bytes are |cur| then, byte i
     * standing for stream offset cur_base + i until a mended start tag
     * replaces what the hole cut.
     */
    bool dmg;                  /* the unit lost bytes: its frame says so */
    bool dmg_stray_end;        /* ... and an end tag it never opened ends it */
    size_t dmg_offset;         /* where its first hole began */
    size_t dmg_bytes;          /* the hole's length (0: unknown) */
    size_t dmg_cut;            /* S_DMG_TAG: bytes of the start tag before the hole */
    size_t cur_base;
    size_t tag_end;            /* stream offset just after the unit's last tag so far ... */
    unsigned tag_depth;        /* ... and how many elements were open there */
    size_t open_at[OPEN_KEEP]; /* index in the unit's bytes of the element open at depth d */

    /* The shared budget (framer_limits.budget) and what this framer holds of it: |cur|'s size. */
    struct framer_budget *budget;
    size_t budget_held;
    struct framer *budget_prev, *budget_next; /* the budget's holders: budget_held > 0 */
};

struct framer_budget {
    size_t limit;
    size_t held;            /* the sum of the holders' budget_held */
    struct framer *holders; /* a list, in no order */
};

/* Character classes for the scanner's inner loops. */
enum {
    CC_WS = 1,       /* XML whitespace */
    CC_NAME_END = 2, /* ends a tag name */
    CC_TAG = 4,      /* interesting inside a start tag */
    CC_NAME_START = 8,
    CC_DECL = 16, /* interesting inside a declaration */
};

#define CLASS(c)                                                                                   \
    ((((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n') ? CC_WS | CC_NAME_END : 0) |       \
     (((c) == '/' || (c) == '>') ? CC_NAME_END : 0) |                                              \
     (((c) == '>' || (c) == '/' || (c) == '\'' || (c) == '"') ? CC_TAG : 0) |                      \
     ((((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_' || (c) == ':' ||     \
       (c) >= 0x80)                                                                                \
          ? CC_NAME_START                                                                          \
          : 0) |                                                                                   \
     (((c) == '\'' || (c) == '"' || (c) == '[' || (c) == ']' || (c) == '<' || (c) == '>')          \
          ? CC_DECL                                                                                \
          : 0))
#define CLASS4(c) CLASS(c), CLASS((c) + 1), CLASS((c) + 2), CLASS((c) + 3)
#define CLASS16(c) CLASS4(c), CLASS4((c) + 4), CLASS4((c) + 8), CLASS4((c) + 12)
#define CLASS64(c) CLASS16(c), CLASS16((c) + 16), CLASS16((c) + 32), CLASS16((c) + 48)

static const unsigned char cclass[256] = {CLASS64(0), CLASS64(64), CLASS64(128), CLASS64(192)};

#define IS_WS(c) (cclass[(unsigned char)(c)] & CC_WS)

/* ---- messages and the frame queue ---- */

static struct qframe *
push_frame(struct framer *f, enum frame_kind kind, size_t offset, size_t size)
{
    if (f->qlen == f->qcap) {
        f->qcap = f->qcap ? f->qcap * 2 : 16;
        f->q = xreallocarray(f->q, f->qcap, sizeof(*f->q));
    }
    struct qframe *fr = &f->q[f->qlen++];
    memset(fr, 0, sizeof(*fr));
    fr->kind = kind;
    fr->offset = offset;
    fr->size = size;
    return fr;
}

static void
emit_msg(struct framer *f, enum frame_kind kind, size_t offset, size_t size, const char *msg)
{
    push_frame(f, kind, offset, size)->message = xstrdup(msg);
}

/* Emits |kind| with message "<pre><name><post>", the name cleaned for output. */
static void
emit_named(struct framer *f, enum frame_kind kind, size_t offset, size_t size, const char *pre,
           const char *name, size_t name_len, const char *post)
{
    char clean[NAME_KEEP * 2 + 1];
    utf8_clean_copy(clean, sizeof(clean), name, name_len);
    push_frame(f, kind, offset, size)->message = xasprintf("%s%s%s", pre, clean, post);
}

/* The frame just queued is about input RFC 6120 §11 forbids (struct frame.restricted). */
static void
mark_restricted(struct framer *f)
{
    f->q[f->qlen - 1].restricted = true;
}

static void
flush_ws(struct framer *f, size_t at)
{
    if (!f->ws_run)
        return;
    f->ws_run = false;
    push_frame(f, FRAME_WHITESPACE, f->ws_start, at - f->ws_start);
}

static void
begin_text(struct framer *f, size_t at)
{
    f->text_run = true;
    f->text_start = at;
    f->text_head_len = 0;
}

static void
flush_text(struct framer *f, size_t at)
{
    if (!f->text_run)
        return;
    f->text_run = false;
    size_t size = at - f->text_start;
    /* RFC 6120 11.5: no byte order mark; it is the usual text before <?xml */
    bool bom = size == 3 && f->text_head_len == 3 && memcmp(f->text_head, "\xef\xbb\xbf", 3) == 0;
    emit_msg(f, FRAME_ERROR, f->text_start, size,
             bom ? RESTRICTED "byte order mark" : "text outside elements");
    if (bom)
        mark_restricted(f);
}

/* A pending <?xml?> was not followed by a stream header. */
static void
drop_decl(struct framer *f)
{
    if (!f->decl_pending)
        return;
    f->decl_pending = false;
    emit_msg(f, FRAME_ERROR, f->decl_start, f->decl.len,
             "XML declaration not followed by a stream header");
    buf_reset(&f->decl);
}

/* ---- parsing units ---- */

static struct xml_push *
fp_xml(struct frame_parser *fp)
{
    if (!fp->xp)
        fp->xp = xml_push_new();
    return fp->xp;
}

/* The header's bindings are gone (an oversize header): read on in a stand-in c2s stream. */
static void
fp_forget_header(struct frame_parser *fp)
{
    if (fp->xp)
        xml_push_forget(fp->xp);
}

/*
 * Reads a stream header (with its <?xml?>, if any): a new stream is a new
 * document, so the old header's bindings go. An empty-element header leaves
 * none behind (what follows is read as if no header had come). Returns the
 * header, or NULL with the reason in fp->errmsg.
 */
static struct stanza *
fp_header(struct frame_parser *fp, const char *data, size_t len, bool *closed)
{
    fp->errmsg[0] = '\0';
    return xml_push_header(fp_xml(fp), data, len, closed, fp->errmsg, sizeof(fp->errmsg));
}

static struct stanza *
fp_element(struct frame_parser *fp, const char *data, size_t len)
{
    fp->errmsg[0] = '\0';
    return xml_push_element(fp_xml(fp), data, len, fp->errmsg, sizeof(fp->errmsg));
}

static const char *
fp_error(const struct frame_parser *fp, const char *fallback)
{
    return fp->errmsg[0] ? fp->errmsg : fallback;
}

/*
 * The unit parser's error is about input RFC 6120 §11 forbids (an undeclared
 * entity, bytes that are not UTF-8). xmlpush says so only by its message's
 * prefix, so this is read here, once, and the frame carries the mark.
 */
static bool
fp_restricted(const struct frame_parser *fp)
{
    return strncmp(fp->errmsg, RESTRICTED, sizeof RESTRICTED - 1) == 0;
}

static void
fp_clear(struct frame_parser *fp)
{
    stanza_free(fp->el);
    free(fp->message);
    fp->el = NULL;
    fp->message = NULL;
    xml_push_free(fp->xp);
    fp->xp = NULL;
}

/* Queues a unit's bytes for the reader of a deferred framer. */
static struct qframe *
push_raw(struct framer *f, enum frame_kind kind, size_t offset, size_t size, const char *data,
         size_t len)
{
    struct qframe *fr = push_frame(f, kind, offset, size);
    fr->has_raw = true;
    fr->raw_off = f->raw.len;
    fr->raw_len = len;
    buf_append(&f->raw, data, len);
    return fr;
}

/* Deferred headers: brings the framer's own parser up to the last one. */
static void
fp_catch_up(struct framer *f)
{
    if (!f->fp_stale)
        return;
    f->fp_stale = false;
    bool closed;
    struct stanza *h = fp_header(&f->fp, f->hdr.data, f->hdr.len, &closed);
    stanza_free(h);
}

/*
 * Deferred parsing, about to change the bindings: elements still queued are
 * read now, with the bindings of the stream they came in, in case
 * framer_parse_deferred() is asked about them (an element and a new header
 * in one feed are rare; parsing them is cheap then).
 */
static void
settle_queued(struct framer *f)
{
    for (size_t i = f->qhead; i < f->qlen; i++) {
        struct qframe *q = &f->q[i];
        if (q->kind != FRAME_ELEMENT || !q->has_raw || q->settled)
            continue;
        fp_catch_up(f);
        q->early = fp_element(&f->fp, f->raw.data + q->raw_off, q->raw_len);
        q->settled = true;
    }
}

/* |empty|: the header was an empty-element tag, <stream:stream .../>. */
static void
parse_header(struct framer *f, bool xml_decl, size_t offset, size_t size, bool empty)
{
    if (f->defer && f->defer_headers) {
        push_raw(f, FRAME_STREAM_OPEN, offset, size, f->hdr.data, f->hdr.len)->xml_decl = xml_decl;
        f->fp_stale = true;
    } else if (f->defer) {
        /* parsed here; the reader of the frames gets the header it leaves with the tree */
        bool closed;
        struct stanza *el = fp_header(&f->fp, f->hdr.data, f->hdr.len, &closed);
        if (el) {
            struct qframe *fr = push_frame(f, FRAME_STREAM_OPEN, offset, size);
            fr->el = el;
            fr->xml_decl = xml_decl;
            fr->has_raw = true;
            fr->raw_off = f->raw.len;
            size_t hlen;
            const char *h = xml_push_header_bytes(f->fp.xp, &hlen);
            buf_append_char(&f->raw, h ? 1 : 0);
            buf_append(&f->raw, h, hlen);
            fr->raw_len = f->raw.len - fr->raw_off;
        } else {
            push_frame(f, FRAME_SCOPE_RESET, offset, size);
            emit_msg(f, FRAME_ERROR, offset, size, fp_error(&f->fp, "stream header did not parse"));
            if (fp_restricted(&f->fp))
                mark_restricted(f);
        }
    } else {
        bool closed;
        struct stanza *el = fp_header(&f->fp, f->hdr.data, f->hdr.len, &closed);
        if (el) {
            struct qframe *fr = push_frame(f, FRAME_STREAM_OPEN, offset, size);
            fr->el = el;
            fr->xml_decl = xml_decl;
        } else {
            emit_msg(f, FRAME_ERROR, offset, size, fp_error(&f->fp, "stream header did not parse"));
            if (fp_restricted(&f->fp))
                mark_restricted(f);
        }
    }
    if (empty) { /* <stream:stream .../>: what follows is read as if no header had come */
        push_frame(f, FRAME_STREAM_CLOSE, offset + size, 0);
        f->stream = false;
    }
}

static void
parse_element(struct framer *f, const char *data, size_t len, size_t offset, bool outside)
{
    if (outside)
        f->stray_seen = true;
    if (f->defer) {
        push_raw(f, FRAME_ELEMENT, offset, len, data, len)->outside = outside;
        return;
    }
    struct stanza *el = fp_element(&f->fp, data, len);
    if (!el) {
        emit_msg(f, FRAME_ERROR, offset, len, fp_error(&f->fp, "XML error"));
        if (fp_restricted(&f->fp))
            mark_restricted(f);
        return;
    }
    struct qframe *fr = push_frame(f, FRAME_ELEMENT, offset, len);
    fr->el = el;
    fr->outside = outside;
}

/* ---- scanner actions ---- */

static void
start_capture(struct framer *f, size_t at)
{
    f->capture = true;
    f->cap_from = at;
    f->cap_limit = at + f->max_element;
    if (f->cap_limit < at)
        f->cap_limit = SIZE_MAX;
    buf_reset(&f->cur);
}

/* ---- the shared budget ---- */

/* |cur| changed size: the budget learns it. */
static void
budget_recount(struct framer *f)
{
    struct framer_budget *b = f->budget;
    if (!b)
        return;
    if (!f->budget_held) {
        f->budget_prev = NULL;
        f->budget_next = b->holders;
        if (b->holders)
            b->holders->budget_prev = f;
        b->holders = f;
    }
    b->held = b->held - f->budget_held + f->cur.cap;
    f->budget_held = f->cur.cap;
    if (!f->budget_held) {
        if (f->budget_prev)
            f->budget_prev->budget_next = f->budget_next;
        else
            b->holders = f->budget_next;
        if (f->budget_next)
            f->budget_next->budget_prev = f->budget_prev;
        f->budget_prev = f->budget_next = NULL;
    }
}

/* |cur| may have changed size (most calls: it did not). */
static inline void
budget_count(struct framer *f)
{
    if (f->cur.cap != f->budget_held)
        budget_recount(f);
}

static void
stop_capture(struct framer *f)
{
    f->capture = false;
    /* a big unit's buffer goes back: every connection kept up to max_element otherwise */
    if (f->cur.cap > CUR_KEEP)
        buf_clear(&f->cur);
    else
        buf_reset(&f->cur);
    budget_count(f);
}

/*
 * The bytes of the current unit, ending before offset |end|: straight from the
 * caller's buffer when the unit began in this feed, else from |cur|.
 */
static const char *
unit_bytes(struct framer *f, size_t end, size_t *len)
{
    if (f->cur.len == 0 && f->unit_start >= f->in_base) {
        *len = end - f->unit_start;
        return (const char *)f->in + (f->unit_start - f->in_base);
    }
    buf_append(&f->cur, f->in + (f->cap_from - f->in_base), end - f->cap_from);
    f->cap_from = end;
    *len = f->cur.len;
    return f->cur.data;
}

static void
name_reset(struct framer *f)
{
    hash_stream_init(&f->name_hash, HASH_BYTES_SEED);
    f->name_len = 0;
    f->local_len = 0;
}

/*
 * Takes the |n| bytes at |s| as the next part of the tag name being read
 * (a name may arrive split over several feeds): its hash, its first
 * NAME_KEEP bytes for messages, and its local part (after the last ':').
 */
static void
name_bytes(struct framer *f, const unsigned char *s, size_t n)
{
    hash_stream_add(&f->name_hash, s, n);
    if (f->name_len < NAME_KEEP) {
        size_t take = NAME_KEEP - f->name_len < n ? NAME_KEEP - f->name_len : n;
        memcpy(f->name + f->name_len, s, take);
    }
    f->name_len += n;
    const unsigned char *colon = n ? memrchr(s, ':', n) : NULL;
    if (colon) {
        f->local_len = 0;
        n -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    if (f->local_len < sizeof(f->local)) {
        size_t take = sizeof(f->local) - f->local_len < n ? sizeof(f->local) - f->local_len : n;
        memcpy(f->local + f->local_len, s, take);
    }
    f->local_len += n;
}

/* RFC 6120 4.2: the header is <stream> in any prefix (normally stream:stream). */
static bool
name_is_stream(const struct framer *f)
{
    return f->local_len <= sizeof(f->local) && stream_name_is_header(f->local, f->local_len);
}

static size_t
kept_len(const struct framer *f)
{
    return f->name_len < NAME_KEEP ? f->name_len : NAME_KEEP;
}

static void
keep_top_name(struct framer *f)
{
    size_t n = kept_len(f);
    memcpy(f->top_name, f->name, n);
    f->top_name[n] = '\0';
}

/* The current unit goes over a cap (|post| says which) at offset |at|: reported, skipped. */
static void
over_cap(struct framer *f, size_t at, const char *post)
{
    if (f->unit == U_STAG)
        keep_top_name(f);
    if (f->unit == U_DECL)
        emit_named(f, FRAME_OVERSIZE, f->unit_start, at + 1 - f->unit_start, "XML declaration <",
                   "?xml", 4, post);
    else
        emit_named(f, FRAME_OVERSIZE, f->unit_start, at + 1 - f->unit_start,
                   f->unit == U_HEADER ? "stream header <" : "element <", f->top_name,
                   strlen(f->top_name), post);
    f->skip = true;
    stop_capture(f);
}

static void
oversize(struct framer *f, size_t at)
{
    char post[80];
    snprintf(post, sizeof(post), "> exceeds %zu bytes; skipped", f->max_element);
    over_cap(f, at, post);
}

/* A unit the budget may give up: one whose kind is known and that over_cap() can name. */
static bool
unit_givable(const struct framer *f)
{
    switch (f->unit) {
    case U_STAG:
    case U_ELEMENT:
    case U_STRAY:
    case U_HEADER:
    case U_DECL:
        return !f->skip;
    default:
        return false;
    }
}

/*
 * The budget takes |f|'s buffer back, between two feeds of |f| (or at the end
 * of one): the unit in it, if any, is given up as an oversize one; all of it
 * was fed, so it spans up to f->cap_from.
 */
static void
give_up(struct framer *f)
{
    if (f->capture) {
        char post[160];
        snprintf(post, sizeof(post),
                 "> given up after %zu bytes: unfinished elements held more than %zu MiB; skipped",
                 f->cap_from - f->unit_start, f->budget->limit >> 20);
        over_cap(f, f->cap_from - 1, post);
    }
    buf_clear(&f->cur); /* what stop_capture() kept, or an idle buffer */
    budget_count(f);
}

/* Past the budget: the largest buffers go back (their units given up) until under it. */
static void
budget_relieve(struct framer_budget *b)
{
    while (b->held > b->limit) {
        struct framer *big = NULL;
        for (struct framer *g = b->holders; g; g = g->budget_next) {
            if (g->capture && !unit_givable(g))
                continue; /* a few bytes of markup not known yet: its next feed tells */
            if (!big || g->budget_held > big->budget_held)
                big = g;
        }
        if (!big)
            return;
        give_up(big);
    }
}

struct framer_budget *
framer_budget_new(const struct framer_limits *limits)
{
    struct framer_budget *b = xcalloc(1, sizeof(*b));
    size_t unit = limits && limits->max_element ? limits->max_element : DEFAULT_MAX_ELEMENT;
    b->limit = FRAMER_BUDGET;
    /* two units at the cap, each in a buffer up to twice its size */
    if (unit > b->limit / 4)
        b->limit = unit <= SIZE_MAX / 4 ? unit * 4 : SIZE_MAX;
    return b;
}

void
framer_budget_free(struct framer_budget *b)
{
    free(b);
}

size_t
framer_budget_held(const struct framer_budget *b)
{
    return b ? b->held : 0;
}

/*
 * |n| more attributes on the element open at the current depth (a start tag
 * being read). libxml2 2.9 compares each attribute name with every other one
 * of its tag and looks each prefix up through every declaration in scope: a
 * unit whose open elements carry more than MAX_OPEN_ATTRS at once is skipped.
 */
static void
count_attrs(struct framer *f, unsigned n, size_t at)
{
    if (f->depth <= f->hcap)
        f->astack[f->depth] += n;
    f->open_attrs += n;
    if (f->open_attrs > MAX_OPEN_ATTRS && !f->skip && f->unit != U_OTHER) {
        char post[80];
        snprintf(post, sizeof(post), "> carries more than %u attributes at once; skipped",
                 (unsigned)MAX_OPEN_ATTRS);
        over_cap(f, at, post);
    }
}

/* The elements open deeper than |depth| end. */
static void
close_to(struct framer *f, unsigned depth)
{
    for (unsigned d = f->depth; d > depth; d--) {
        unsigned n = d <= f->hcap ? f->astack[d] : 0;
        f->open_attrs = f->open_attrs > n ? f->open_attrs - n : 0;
    }
    f->depth = depth;
}

/* '<' at top level. */
static void
start_markup(struct framer *f, size_t at)
{
    f->lt_pos = at;
    f->unit = U_MARKUP;
    f->unit_start = at;
    f->cur_base = at;
    start_capture(f, at);
    f->state = S_LT;
}

/*
 * The byte after a top-level '<' says what the markup is. Returns false when
 * framer_gap() is waiting for a start tag and this is not one.
 */
static bool
top_markup(struct framer *f, enum unit kind)
{
    /* an end tag is read too: </stream:stream> ends the stream the hole was in */
    if (f->gap && kind != U_STAG && kind != U_ETAG) {
        f->unit = U_NONE;
        stop_capture(f);
        return false;
    }
    flush_text(f, f->lt_pos);
    f->unit = kind;
    if (kind == U_ETAG || kind == U_OTHER)
        stop_capture(f);
    return true;
}

/* A '<!' that is neither a comment nor CDATA: a DTD or garbage (RFC 6120 11.1). */
static void
bad_markup(struct framer *f, const char *msg, bool dtd, size_t at)
{
    if (f->unit == U_OTHER || !f->skip) {
        emit_msg(f, FRAME_ERROR, f->lt_pos, at - f->lt_pos, msg);
        if (dtd)
            mark_restricted(f);
    }
    if (f->unit != U_OTHER && !f->skip) {
        f->skip = true;
        stop_capture(f);
    }
    f->brackets = 0;
    f->state = S_DECL;
}

/*
 * A comment or processing instruction (RFC 6120 11.1). Between elements it is
 * dropped; inside an element the parser skips it and the element still comes out.
 */
static void
restricted(struct framer *f, const char *what, size_t at)
{
    if (f->unit == U_OTHER || (f->depth > 0 && !f->skip)) {
        emit_named(f, FRAME_ERROR, f->lt_pos, at - f->lt_pos, RESTRICTED, what, strlen(what), "");
        mark_restricted(f);
    }
}

static void
other_end(struct framer *f)
{
    if (f->unit == U_OTHER)
        f->unit = U_NONE;
}

static void
start_name_done(struct framer *f, size_t at)
{
    f->hash = hash_stream_end(&f->name_hash);
    if (f->unit == U_STAG) {
        keep_top_name(f);
        f->open_attrs = 0;
        f->astack[0] = f->astack[1] = 0;
        if (name_is_stream(f)) {
            f->unit = U_HEADER;
            f->hdr_hash = f->hash;
            f->gap = false;
            return;
        }
        drop_decl(f);
        if (f->gap) { /* assume we are inside a stream */
            f->gap = false;
            f->stream = true;
        }
        f->depth = 1;
        f->open_at[1] = 0;
        if (f->hcap >= 1)
            f->hstack[1] = f->hash;
        /*
         * Outside a stream (RFC 6120 4.2: a header comes first; 4.4: nothing
         * after the close) the element is still framed, under the same caps,
         * and marked: the login judges it (A1, K3, K6).
         */
        f->unit = f->stream ? U_ELEMENT : U_STRAY;
        return;
    }
    unsigned d = f->depth + 1;
    if (d > f->max_depth && !f->skip) {
        char post[80];
        snprintf(post, sizeof(post), "> nested deeper than %u levels; skipped", f->max_depth);
        emit_named(f, FRAME_OVERSIZE, f->unit_start, at - f->unit_start, "element <", f->top_name,
                   strlen(f->top_name), post);
        f->skip = true;
        stop_capture(f);
    }
    if (d <= f->hcap) {
        f->hstack[d] = f->hash;
        f->astack[d] = 0;
    }
    if (d < OPEN_KEEP)
        f->open_at[d] = f->lt_pos - f->cur_base;
    if (d > f->depth) /* saturates instead of wrapping */
        f->depth = d;
}

static void
end_name_done(struct framer *f)
{
    f->hash = hash_stream_end(&f->name_hash);
    if (f->unit == U_ETAG) {
        keep_top_name(f);
        if (f->gap) { /* the close of the stream the hole (or the capture's start) was in */
            f->etag_closes = name_is_stream(f);
            if (f->etag_closes) {
                f->gap = false;
                f->stream = true;
            }
            return;
        }
        f->etag_closes = f->stream ? f->hash == f->stream_hash || name_is_stream(f)
                                   : f->stray_seen && name_is_stream(f);
        return;
    }
    unsigned d = f->depth;
    if (d == 0)
        return;
    if (d > f->hcap || f->hstack[d] == f->hash) {
        close_to(f, d - 1);
        return;
    }
    /* Mismatched end tag: close up to the element it names; the parser will complain. */
    for (unsigned k = d - 1; k >= 1; k--) {
        if (f->hstack[k] == f->hash) {
            close_to(f, k - 1);
            return;
        }
    }
    if (f->unit == U_ELEMENT && (f->hash == f->stream_hash || name_is_stream(f))) {
        f->depth = 0; /* </stream:stream> inside an element */
        f->etag_closes = true;
    }
    if (f->dmg) { /* a mended start tag took what was not its own: the element ends here */
        f->dmg_stray_end = true;
        f->depth = 0;
    }
}

static void
stream_closed(struct framer *f, size_t offset, size_t end)
{
    /* no stream open: the close of the one that stray elements assumed */
    push_frame(f, FRAME_STREAM_CLOSE, offset, end - offset)->outside = !f->stream;
    f->stream = false;
    f->stray_seen = false;
}

/* The frame just queued for the current unit, which ends before |end|, lost bytes. */
static void
mark_damaged(struct framer *f, size_t end)
{
    struct qframe *fr = &f->q[f->qlen - 1];
    fr->damaged = true;
    fr->gap_offset = f->dmg_offset;
    fr->gap_bytes = f->dmg_bytes;
    fr->size = end - f->unit_start;
}

static void
element_done(struct framer *f, size_t end)
{
    if (f->skip) {
        f->skip = false;
    } else {
        size_t len;
        const char *data = unit_bytes(f, end, &len);
        parse_element(f, data, len, f->unit_start, f->unit == U_STRAY);
        if (f->dmg)
            mark_damaged(f, end);
    }
    f->dmg = false;
    stop_capture(f);
    f->unit = U_NONE;
}

/* ---- elements cut by a hole (mend.h) ---- */

/* Queues the current element as |mended|, marked damaged; the unit ends at |end|. */
static void
emit_mended(struct framer *f, const struct buf *mended, size_t end)
{
    parse_element(f, mended->data, mended->len, f->unit_start, f->unit == U_STRAY);
    mark_damaged(f, end);
    f->dmg = false;
    f->dmg_stray_end = false;
    stop_capture(f);
    f->unit = U_NONE;
    f->depth = 0;
    f->state = S_TEXT;
}

/* A hole after the top-level start tag: the element is what was seen whole before it. */
static void
mend_content(struct framer *f, size_t end)
{
    unsigned depth = f->tag_depth;
    size_t cut = f->tag_end - f->cur_base;
    if (depth >= OPEN_KEEP) { /* too deep to name every end tag: cut above */
        cut = f->open_at[OPEN_KEEP - 1];
        depth = OPEN_KEEP - 2;
    }
    struct buf m = {0};
    mend_close(f->cur.data, cut, f->open_at, depth, &m);
    emit_mended(f, &m, end);
    buf_clear(&m);
}

/*
 * The start tag a hole cut ended at |end|: its bytes are |all| (|len|), the
 * first f->dmg_cut of them from before the hole. |lost_gt|: no '>' (a '<',
 * another hole or the end came first), so nothing of the content is known.
 * An empty tag is the whole element; otherwise the mended tag replaces the
 * bytes and the content is read on as usual.
 */
static void
dmg_tag_done(struct framer *f, const char *all, size_t len, size_t end, bool lost_gt)
{
    struct buf m = {0};
    size_t after = len - f->dmg_cut - (lost_gt ? 0 : 1);
    if (mend_start_tag(all, f->dmg_cut, all + f->dmg_cut, after, f->dmg_bytes, lost_gt, &m)) {
        emit_mended(f, &m, end);
    } else {
        buf_reset(&f->cur);
        buf_append(&f->cur, m.data, m.len);
        f->cur_base = end - m.len;
        f->cap_from = end;
        f->depth = 1;
        f->tag_end = end;
        f->tag_depth = 1;
        f->state = S_TEXT;
    }
    buf_clear(&m);
}

static void
header_done(struct framer *f, size_t end, bool empty)
{
    if (f->defer)
        settle_queued(f); /* before |hdr| and the bindings change */
    bool xml_decl = f->decl_pending;
    size_t offset = xml_decl ? f->decl_start : f->unit_start;
    f->unit = U_NONE;
    f->decl_pending = false;
    f->stream = true;
    f->stray_seen = false;
    f->stream_hash = f->hdr_hash;
    f->depth = 0;
    if (f->skip) {
        f->skip = false;
        /* an oversize header: read on with the synthetic bindings */
        if (f->defer) {
            push_frame(f, FRAME_SCOPE_RESET, offset, end - offset);
            f->fp_stale = false;
        }
        fp_forget_header(&f->fp);
    } else {
        size_t len;
        const char *data = unit_bytes(f, end, &len);
        buf_reset(&f->hdr);
        if (xml_decl)
            buf_append(&f->hdr, f->decl.data, f->decl.len);
        buf_append(&f->hdr, data, len);
        parse_header(f, xml_decl, offset, end - offset, empty);
    }
    buf_reset(&f->decl);
    stop_capture(f);
}

static void
stag_end(struct framer *f, bool empty, size_t end)
{
    f->state = S_TEXT;
    if (f->unit == U_HEADER) {
        header_done(f, end, empty);
        return;
    }
    if (empty && f->depth > 0)
        close_to(f, f->depth - 1);
    f->tag_end = end;
    f->tag_depth = f->depth;
    if (f->depth == 0)
        element_done(f, end);
}

static void
etag_end(struct framer *f, size_t end)
{
    f->state = S_TEXT;
    if (f->unit == U_ETAG) {
        f->unit = U_NONE;
        if (f->gap)
            return; /* any other end tag after a hole: still waiting for a start tag */
        drop_decl(f);
        if (f->etag_closes)
            stream_closed(f, f->lt_pos, end);
        else
            emit_named(f, FRAME_ERROR, f->lt_pos, end - f->lt_pos, "unexpected end tag </",
                       f->top_name, strlen(f->top_name), ">");
        return;
    }
    if (f->dmg_stray_end) { /* what was seen whole before this tag */
        f->dmg_stray_end = false;
        if (f->skip) { /* over the size cap: reported already */
            f->skip = false;
            f->dmg = false;
            stop_capture(f);
            f->unit = U_NONE;
        } else {
            size_t len;
            unit_bytes(f, end, &len);
            mend_content(f, f->lt_pos);
        }
        if (f->etag_closes)
            stream_closed(f, f->lt_pos, end);
        return;
    }
    f->tag_end = end;
    f->tag_depth = f->depth;
    if (f->depth == 0) {
        element_done(f, end);
        if (f->etag_closes)
            stream_closed(f, f->lt_pos, end);
    }
}

/*
 * RFC 6120 11.6: UTF-8 only. The parser reads every unit as UTF-8 whatever
 * the declaration says, so report any other encoding here.
 */
static void
check_encoding(struct framer *f, size_t end)
{
    const char *d = f->decl.data, *e = d + f->decl.len;
    const char *k = memmem(d, f->decl.len, "encoding", 8);
    if (!k)
        return;
    const char *v = k + 8;
    while (v < e && (IS_WS(*v) || *v == '='))
        v++;
    if (v == e || (*v != '\'' && *v != '"'))
        return;
    const char *close = memchr(v + 1, *v, (size_t)(e - v - 1));
    if (!close)
        return;
    size_t n = (size_t)(close - v - 1);
    if (n == 5 && strncasecmp(v + 1, "UTF-8", 5) == 0)
        return;
    emit_named(f, FRAME_ERROR, f->unit_start, end - f->unit_start, RESTRICTED "encoding '", v + 1,
               n < 32 ? n : 32, "' is not UTF-8");
    mark_restricted(f);
}

static void
pi_end(struct framer *f, size_t end)
{
    f->state = S_TEXT;
    if (f->unit == U_DECL) {
        if (f->skip) {
            f->skip = false;
        } else {
            size_t len;
            const char *data = unit_bytes(f, end, &len);
            buf_reset(&f->decl);
            buf_append(&f->decl, data, len); /* a second declaration replaces the first */
            f->decl_pending = true;
            f->decl_start = f->unit_start;
            check_encoding(f, end);
        }
        stop_capture(f);
        f->unit = U_NONE;
    } else {
        other_end(f);
    }
}

/* Top-level character data from |i|; returns where to continue. */
static size_t
top_text(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    size_t base = f->in_base;
    if (f->gap) {
        const unsigned char *q = memchr(p + i, '<', stop - i);
        if (!q)
            return stop;
        i = (size_t)(q - p);
        start_markup(f, base + i);
        return i + 1;
    }
    unsigned char c = p[i];
    if (c == '<') {
        flush_ws(f, base + i);
        start_markup(f, base + i);
        return i + 1;
    }
    if (IS_WS(c) && !f->text_run) {
        if (!f->decl_pending && !f->ws_run) { /* whitespace after <?xml?> belongs to the header */
            f->ws_run = true;
            f->ws_start = base + i;
        }
        for (i++; i < stop && IS_WS(p[i]); i++)
            ;
        return i;
    }
    flush_ws(f, base + i);
    if (!f->text_run) {
        drop_decl(f);
        begin_text(f, base + i);
    }
    const unsigned char *q = memchr(p + i, '<', stop - i);
    size_t end = q ? (size_t)(q - p) : stop;
    while (f->text_head_len < sizeof(f->text_head) && i < end)
        f->text_head[f->text_head_len++] = p[i++];
    return end;
}

/* ---- public API ---- */

struct framer *
framer_new(const char *label, const struct framer_limits *limits)
{
    struct framer *f = xcalloc(1, sizeof(*f));
    f->label = xstrdup(label ? label : "");
    f->max_element = limits && limits->max_element ? limits->max_element : DEFAULT_MAX_ELEMENT;
    if (f->max_element < MIN_MAX_ELEMENT)
        f->max_element = MIN_MAX_ELEMENT;
    f->max_depth = limits && limits->max_depth ? limits->max_depth : DEFAULT_MAX_DEPTH;
    f->hcap = f->max_depth < HASH_STACK_MAX ? f->max_depth : HASH_STACK_MAX;
    f->budget = limits ? limits->budget : NULL;
    /* one allocation for both stacks: a framer is made for every direction of every connection */
    f->hstack = xcalloc(f->hcap + 1, sizeof(*f->hstack) + sizeof(*f->astack));
    f->astack = (unsigned *)(f->hstack + f->hcap + 1);
    f->state = S_TEXT;
    f->comment_ret = S_TEXT;
    return f;
}

static void
qframe_clear(struct qframe *fr)
{
    stanza_free(fr->el);
    stanza_free(fr->early);
    free(fr->message);
    memset(fr, 0, sizeof(*fr));
}

void
framer_free(struct framer *f)
{
    if (!f)
        return;
    for (size_t i = f->qhead; i < f->qlen; i++)
        qframe_clear(&f->q[i]);
    free(f->q);
    qframe_clear(&f->last);
    fp_clear(&f->fp);
    buf_clear(&f->raw);
    buf_clear(&f->cur);
    budget_count(f);
    buf_clear(&f->decl);
    buf_clear(&f->hdr);
    free(f->hstack); /* and astack */
    free(f->label);
    free(f);
}

/*
 * The scanner, one function per state. Each consumes bytes of |p| from |i|
 * (never past |stop|, which keeps the size cap exact), may change state, and
 * returns where to continue. Offsets in the stream are f->in_base + index.
 */
typedef size_t step_fn(struct framer *f, const unsigned char *p, size_t i, size_t stop);

/* Moves to |state| past the byte at |q|, or consumes everything when |q| is NULL. */
static size_t
skip_to(struct framer *f, const unsigned char *p, const unsigned char *q, size_t stop,
        enum scan_state state)
{
    if (!q)
        return stop;
    f->state = state;
    return (size_t)(q - p) + 1;
}

static size_t
step_text(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    if (f->depth == 0)
        return top_text(f, p, i, stop);
    const unsigned char *q = memchr(p + i, '<', stop - i);
    if (q)
        f->lt_pos = f->in_base + (size_t)(q - p);
    return skip_to(f, p, q, stop, S_LT);
}

static size_t
step_lt(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    (void)stop;
    unsigned char c = p[i];
    bool top = f->unit == U_MARKUP;
    if (c == '/') {
        name_reset(f);
        f->etag_closes = false;
        f->state = top && !top_markup(f, U_ETAG) ? S_TEXT : S_ETAG_NAME;
        return i + 1;
    }
    if (c == '?' || c == '!') {
        f->match = 0;
        if (top && !top_markup(f, c == '?' ? U_PI : U_OTHER))
            f->state = S_TEXT;
        else
            f->state = c == '?' ? S_PI_TARGET : S_BANG;
        return i + 1;
    }
    if (cclass[c] & CC_NAME_START) {
        name_reset(f);
        f->state = S_STAG_NAME;
        if (top)
            top_markup(f, U_STAG);
        return i; /* the name's first byte */
    }
    /* Not markup: the '<' was text, which the parser or we will report. */
    f->state = S_TEXT;
    if (top) {
        f->unit = U_NONE;
        stop_capture(f);
        if (!f->gap && !f->text_run) {
            drop_decl(f);
            begin_text(f, f->lt_pos);
            f->text_head[f->text_head_len++] = '<';
        }
    }
    return i; /* this byte may start markup itself */
}

static size_t
step_stag_name(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    size_t from = i;
    while (i < stop && !(cclass[p[i]] & CC_NAME_END))
        i++;
    name_bytes(f, p + from, i - from);
    if (i < stop) {
        start_name_done(f, f->in_base + i);
        f->state = S_STAG;
    }
    return i;
}

static size_t
step_stag(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    while (i < stop && !(cclass[p[i]] & CC_TAG))
        i++;
    if (i == stop)
        return i;
    unsigned char c = p[i++];
    if (c == '>') {
        stag_end(f, false, f->in_base + i);
    } else if (c == '/') {
        f->state = S_STAG_SLASH;
    } else {
        f->state = c == '\'' ? S_STAG_SQ : S_STAG_DQ;
        count_attrs(f, 1, f->in_base + i - 1); /* an attribute's value begins */
    }
    return i;
}

static size_t
step_stag_slash(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    (void)stop;
    if (p[i] != '>') {
        f->state = S_STAG; /* a stray '/': the parser will complain */
        return i;
    }
    stag_end(f, true, f->in_base + i + 1);
    return i + 1;
}

static size_t
step_stag_quote(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    int quote = f->state == S_STAG_SQ ? '\'' : '"';
    return skip_to(f, p, memchr(p + i, quote, stop - i), stop, S_STAG);
}

static size_t
step_etag_name(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    size_t from = i;
    while (i < stop && !(cclass[p[i]] & CC_NAME_END))
        i++;
    name_bytes(f, p + from, i - from);
    if (i < stop) {
        end_name_done(f);
        f->state = S_ETAG;
    }
    return i;
}

static size_t
step_etag(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    i = skip_to(f, p, memchr(p + i, '>', stop - i), stop, S_TEXT);
    if (f->state == S_TEXT)
        etag_end(f, f->in_base + i);
    return i;
}

static size_t
step_pi_target(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    (void)stop;
    unsigned char c = p[i];
    if (f->match < 3 && c == "xml"[f->match]) {
        f->match++;
        return i + 1;
    }
    /* Only <?xml followed by space or '?' is a declaration. */
    if (f->match == 3 && (IS_WS(c) || c == '?')) {
        if (f->unit == U_PI)
            f->unit = U_DECL; /* inside an element, the parser rejects it */
    } else {
        if (f->unit == U_PI) {
            f->unit = U_OTHER;
            stop_capture(f);
        }
        restricted(f, "processing instruction", f->in_base + i);
    }
    f->state = S_PI;
    return i;
}

static size_t
step_pi(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    return skip_to(f, p, memchr(p + i, '?', stop - i), stop, S_PI_Q);
}

static size_t
step_pi_q(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    (void)stop;
    if (p[i] == '>')
        pi_end(f, f->in_base + i + 1);
    else if (p[i] != '?')
        f->state = S_PI;
    return i + 1;
}

/* After "<!": "--" is a comment, "[CDATA[" a CDATA section, anything else a declaration. */
static size_t
step_bang(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    (void)stop;
    static const char cdata[] = "[CDATA[";
    unsigned char c = p[i];
    size_t at = f->in_base + i;
    if (f->match == 0 && c == '-') {
        f->match = 100; /* inside "--" */
        return i + 1;
    }
    if (f->match == 100) {
        if (c != '-') {
            bad_markup(f, "malformed comment", false, at);
            return i;
        }
        f->comment_ret = S_TEXT;
        f->state = S_COMMENT;
        restricted(f, "comment", at + 1);
        return i + 1;
    }
    if (f->match < sizeof(cdata) - 1 && c == cdata[f->match]) {
        if (++f->match < sizeof(cdata) - 1)
            return i + 1;
        f->state = S_CDATA;
        if (f->unit == U_OTHER)
            emit_msg(f, FRAME_ERROR, f->lt_pos, at + 1 - f->lt_pos, "text outside elements");
        return i + 1;
    }
    /* <!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST ... (RFC 6120 11.1) */
    bool dtd = f->match == 0 && c >= 'A' && c <= 'Z';
    bad_markup(f, dtd ? RESTRICTED "DTD" : "malformed markup declaration", dtd, at);
    return i;
}

static size_t
step_comment(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    return skip_to(f, p, memchr(p + i, '-', stop - i), stop, S_COMMENT_D1);
}

/*
 * Inside the end of a comment ("-->") or a CDATA section ("]]>"): |mark|
 * twice, then '>'. |one| and |two|: the states after one and two marks;
 * |body|: back inside; |after|: where the '>' leads.
 */
static size_t
end_after_marks(struct framer *f, unsigned char c, unsigned char mark, enum scan_state one,
                enum scan_state two, enum scan_state body, enum scan_state after, size_t i)
{
    if (f->state == one) {
        f->state = c == mark ? two : body;
    } else if (c == '>') {
        f->state = after;
        if (after == S_TEXT)
            other_end(f);
    } else if (c != mark) {
        f->state = body;
    }
    return i + 1;
}

static size_t
step_comment_dash(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    (void)stop;
    return end_after_marks(f, p[i], '-', S_COMMENT_D1, S_COMMENT_D2, S_COMMENT, f->comment_ret, i);
}

static size_t
step_cdata(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    return skip_to(f, p, memchr(p + i, ']', stop - i), stop, S_CDATA_B1);
}

static size_t
step_cdata_bracket(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    (void)stop;
    return end_after_marks(f, p[i], ']', S_CDATA_B1, S_CDATA_B2, S_CDATA, S_TEXT, i);
}

/* A declaration ends at the first '>' outside quotes and outside [ internal subset ]. */
static size_t
step_decl(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    while (i < stop && !(cclass[p[i]] & CC_DECL))
        i++;
    if (i == stop)
        return i;
    unsigned char c = p[i++];
    if (c == '\'')
        f->state = S_DECL_SQ;
    else if (c == '"')
        f->state = S_DECL_DQ;
    else if (c == '[')
        f->brackets++;
    else if (c == ']' && f->brackets)
        f->brackets--;
    else if (c == '<' && f->brackets)
        f->state = S_DECL_LT;
    else if (c == '>' && !f->brackets) {
        f->state = S_TEXT;
        other_end(f);
    }
    return i;
}

static size_t
step_decl_quote(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    int quote = f->state == S_DECL_SQ ? '\'' : '"';
    return skip_to(f, p, memchr(p + i, quote, stop - i), stop, S_DECL);
}

/* "<!--" inside an internal subset starts a comment that may hold ']' or '>'. */
static size_t
step_decl_comment_start(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    (void)stop;
    static const char want[] = "!--";
    unsigned k = (unsigned)(f->state - S_DECL_LT);
    if (p[i] != want[k]) {
        f->state = S_DECL;
        return i;
    }
    if (f->state == S_DECL_BANG_D) {
        f->comment_ret = S_DECL;
        f->state = S_COMMENT;
    } else {
        f->state++;
    }
    return i + 1;
}

/*
 * S_DMG_TAG: the rest of a top-level start tag after a hole, up to its '>';
 * a '<' first means the '>' was in the hole: what follows is read after a gap.
 */
static size_t
step_dmg_tag(struct framer *f, const unsigned char *p, size_t i, size_t stop)
{
    const unsigned char *gt = memchr(p + i, '>', stop - i);
    const unsigned char *lt = memchr(p + i, '<', (size_t)((gt ? gt : p + stop) - (p + i)));
    size_t at = !gt && !lt ? stop : (size_t)((lt ? lt : gt + 1) - p), end = f->in_base + at;
    unsigned eq = 0; /* attributes after the hole, which the mended tag may keep */
    for (const unsigned char *q = p + i; q < p + at; q++)
        eq += *q == '=';
    if (eq)
        count_attrs(f, eq, end - 1);
    if (!gt && !lt)
        return stop;
    if (f->skip) { /* grown over the size cap: reported, read on as the element it was */
        f->dmg = false;
        f->state = S_TEXT;
        if (lt) {
            f->skip = false;
            f->unit = U_NONE;
            f->gap = true;
        } else if (gt > p && gt[-1] == '/') {
            f->depth = 0;
            element_done(f, end);
        }
        return at;
    }
    size_t len;
    const char *all = unit_bytes(f, end, &len);
    dmg_tag_done(f, all, len, end, lt != NULL);
    if (lt)
        f->gap = true;
    return at;
}

static step_fn *const steps[] = {
    [S_TEXT] = step_text,
    [S_LT] = step_lt,
    [S_STAG_NAME] = step_stag_name,
    [S_STAG] = step_stag,
    [S_STAG_SQ] = step_stag_quote,
    [S_STAG_DQ] = step_stag_quote,
    [S_STAG_SLASH] = step_stag_slash,
    [S_ETAG_NAME] = step_etag_name,
    [S_ETAG] = step_etag,
    [S_PI_TARGET] = step_pi_target,
    [S_PI] = step_pi,
    [S_PI_Q] = step_pi_q,
    [S_BANG] = step_bang,
    [S_COMMENT] = step_comment,
    [S_COMMENT_D1] = step_comment_dash,
    [S_COMMENT_D2] = step_comment_dash,
    [S_CDATA] = step_cdata,
    [S_CDATA_B1] = step_cdata_bracket,
    [S_CDATA_B2] = step_cdata_bracket,
    [S_DECL] = step_decl,
    [S_DECL_SQ] = step_decl_quote,
    [S_DECL_DQ] = step_decl_quote,
    [S_DECL_LT] = step_decl_comment_start,
    [S_DECL_BANG] = step_decl_comment_start,
    [S_DECL_BANG_D] = step_decl_comment_start,
    [S_DMG_TAG] = step_dmg_tag,
};

void
framer_feed(struct framer *f, const char *buf, size_t len)
{
    if (f->finished || len == 0)
        return;
    const unsigned char *p = (const unsigned char *)buf;
    size_t base = f->pos;
    f->in = p;
    f->in_base = base;
    if (f->capture)
        f->cap_from = base;

    size_t i = 0;
    while (i < len) {
        size_t stop = len;
        if (f->capture) {
            if (base + i >= f->cap_limit) {
                oversize(f, base + i);
                continue;
            }
            if (f->cap_limit - base < len)
                stop = f->cap_limit - base;
        }
        i = steps[f->state](f, p, i, stop);
    }

    if (f->capture && f->cap_from < base + len) {
        buf_append(&f->cur, p + (f->cap_from - base), base + len - f->cap_from);
        f->cap_from = base + len;
    }
    f->pos = base + len;
    f->in = NULL;
    budget_count(f);
    if (f->budget && f->budget->held > f->budget->limit)
        budget_relieve(f->budget);
}

void
framer_finish(struct framer *f)
{
    if (f->finished)
        return;
    f->finished = true;
    flush_ws(f, f->pos);
    flush_text(f, f->pos);
    if (f->skip || f->gap)
        return;
    if (f->dmg) { /* cut by a hole, then by the end: what was seen */
        if (f->state == S_DMG_TAG)
            dmg_tag_done(f, f->cur.data, f->cur.len, f->pos, true);
        else
            mend_content(f, f->pos);
        return;
    }
    if (f->unit == U_STAG)
        keep_top_name(f);
    if (f->unit == U_STAG || f->unit == U_ELEMENT || f->unit == U_STRAY || f->unit == U_HEADER)
        emit_named(f, FRAME_ERROR, f->unit_start, f->pos - f->unit_start, "input ended inside <",
                   f->top_name, strlen(f->top_name), ">");
}

/* True when a hole here cuts the current top-level element after its name. */
static bool
in_element(const struct framer *f)
{
    return (f->unit == U_ELEMENT || f->unit == U_STRAY) && !f->skip && f->capture;
}

void
framer_gap_bytes(struct framer *f, size_t missing)
{
    if (f->finished)
        return;
    if (in_element(f)) {
        if (!f->dmg) {
            f->dmg = true;
            f->dmg_offset = f->pos;
            f->dmg_bytes = missing;
        }
        if (f->state == S_DMG_TAG) { /* a second hole before the tag's '>' */
            dmg_tag_done(f, f->cur.data, f->cur.len, f->pos, true);
        } else if (f->tag_end > f->unit_start) {
            mend_content(f, f->pos);
        } else { /* in the start tag, after its name: read on to its '>' */
            f->dmg_cut = f->cur.len;
            f->state = S_DMG_TAG;
            f->pos += missing;
            return;
        }
    }
    f->dmg = false;
    flush_ws(f, f->pos);
    flush_text(f, f->pos);
    stop_capture(f);
    f->unit = U_NONE;
    f->skip = false;
    f->depth = 0;
    f->state = S_TEXT;
    f->gap = true;
    f->stray_seen = false;
    f->decl_pending = false;
    buf_reset(&f->decl);
    f->pos += missing;
    budget_count(f); /* a mended start tag may have replaced the unit's bytes */
}

void
framer_gap(struct framer *f)
{
    framer_gap_bytes(f, 0);
}

void
framer_framed(struct framer *f)
{
    f->stream = true; /* as after a gap: inside a stream whose header is not seen */
}

bool
framer_next(struct framer *f, struct frame *out)
{
    qframe_clear(&f->last);
    if (f->qhead == f->qlen) {
        f->qhead = f->qlen = 0;
        buf_reset(&f->raw);
        return false;
    }
    f->last = f->q[f->qhead++];
    out->kind = f->last.kind;
    out->el = f->last.el;
    out->xml_decl = f->last.xml_decl;
    out->outside = f->last.outside;
    out->offset = f->last.offset;
    out->size = f->last.size;
    out->message = f->last.message;
    out->restricted = f->last.restricted;
    out->raw = f->last.has_raw ? f->raw.data + f->last.raw_off : NULL;
    out->raw_len = f->last.raw_len;
    out->damaged = f->last.damaged;
    out->gap_offset = f->last.gap_offset;
    out->gap_bytes = f->last.gap_bytes;
    out->context = NULL; /* the framer never wraps (a transport above it may) */
    return true;
}

void
framer_defer_parsing(struct framer *f)
{
    f->defer = true;
    f->defer_headers = true;
}

void
framer_defer_elements(struct framer *f)
{
    f->defer = true;
    f->defer_headers = false;
}

struct stanza *
framer_parse_deferred(struct framer *f, const struct frame *fr)
{
    if (fr->kind != FRAME_ELEMENT || !fr->raw)
        return NULL;
    if (fr->raw == f->raw.data + f->last.raw_off && f->last.settled) /* read before a later header */
        return f->last.early ? stanza_dup(f->last.early) : NULL;
    fp_catch_up(f);
    return fp_element(&f->fp, fr->raw, fr->raw_len);
}

struct frame_parser *
frame_parser_new(void)
{
    return xcalloc(1, sizeof(struct frame_parser));
}

void
frame_parser_free(struct frame_parser *fp)
{
    if (!fp)
        return;
    fp_clear(fp);
    free(fp);
}

bool
frame_parser_parse(struct frame_parser *fp, const struct frame *in, struct frame *out)
{
    stanza_free(fp->el);
    free(fp->message);
    fp->el = NULL;
    fp->message = NULL;
    *out = *in;
    out->raw = NULL;
    out->raw_len = 0;
    switch (in->kind) {
    case FRAME_SCOPE_RESET:
        fp_forget_header(fp);
        return false;
    case FRAME_STREAM_OPEN:
        if (in->el) {
            /* parsed by the framer (framer_defer_elements): take the header it left */
            if (in->raw && in->raw_len >= 1)
                xml_push_adopt_header(fp_xml(fp), in->raw + 1, in->raw_len - 1, in->raw[0] != 0);
            else if (in->raw)
                fp_forget_header(fp);
            return true;
        }
        if (!in->raw)
            return true;
        bool closed;
        fp->el = fp_header(fp, in->raw, in->raw_len, &closed);
        if (!fp->el) {
            out->kind = FRAME_ERROR;
            out->xml_decl = false;
            out->message = fp->message = xstrdup(fp_error(fp, "stream header did not parse"));
            out->restricted = fp_restricted(fp);
        }
        out->el = fp->el;
        return true;
    case FRAME_ELEMENT:
        if (!in->raw)
            return true;
        fp->el = fp_element(fp, in->raw, in->raw_len);
        if (!fp->el) {
            out->kind = FRAME_ERROR;
            out->outside = false;
            out->message = fp->message = xstrdup(fp_error(fp, "XML error"));
            out->restricted = fp_restricted(fp);
        }
        out->el = fp->el;
        return true;
    default:
        return true;
    }
}

static const char *const kind_names[] = {
    [FRAME_STREAM_OPEN] = "stream-open",
    [FRAME_STREAM_CLOSE] = "stream-close",
    [FRAME_ELEMENT] = "element",
    [FRAME_WHITESPACE] = "whitespace",
    [FRAME_ERROR] = "error",
    [FRAME_OVERSIZE] = "oversize",
    [FRAME_SCOPE_RESET] = "scope-reset",
};

const char *
frame_kind_name(enum frame_kind kind)
{
    if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind])
        return kind_names[kind];
    return "unknown";
}
