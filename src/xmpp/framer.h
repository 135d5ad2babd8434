/*
 * framer: one direction of an XMPP stream, as bytes, cut into top-level elements
 * (RFC 6120 §4, §11). A scanner of its own cuts the units; libxml2's push
 * parser reads them (xmlpush.h).
 *
 * The framer survives everything a hostile or broken peer can send: bytes split
 * anywhere, stream restarts (RFC 6120 §4.3.3: a new <stream:stream>, with or
 * without a new XML declaration, after TLS, SASL success or compression), XML
 * errors, DTDs and entity bombs (never expanded), and elements larger than a
 * configured cap (reported, never buffered beyond the cap).
 *
 * Messages of FRAME_ERROR and FRAME_OVERSIZE are one line of printable UTF-8
 * that never quotes character data. Input RFC 6120 §11 forbids (DTD, comment,
 * processing instruction, undeclared entity reference, byte order mark,
 * non-UTF-8 bytes or declared encoding) gets a message starting
 * "restricted XML: ". A comment or PI inside an element is reported that way
 * and the element still follows; anything malformed replaces its element.
 * Nothing is ever written to stderr.
 */
#ifndef XMPPFLOW_FRAMER_H
#define XMPPFLOW_FRAMER_H

#include <stdbool.h>
#include <stddef.h>

#include "stanza.h"

enum frame_kind {
    FRAME_STREAM_OPEN,  /* a <stream:stream> header (or a restart): el = header, no children */
    FRAME_STREAM_CLOSE, /* </stream:stream> */
    FRAME_ELEMENT,      /* a complete top-level element: el = the element tree */
    FRAME_WHITESPACE,   /* whitespace between top-level elements (keep-alives) */
    FRAME_ERROR,        /* malformed or restricted XML; the framer resynchronised after it */
    FRAME_OVERSIZE,     /* an element above the size, depth or attribute cap; skipped */
    FRAME_SCOPE_RESET,  /* deferred parsing only: the last header's bindings no longer apply */
};

struct frame {
    enum frame_kind kind;
    const struct stanza *el; /* FRAME_STREAM_OPEN / FRAME_ELEMENT; NULL otherwise */
    bool xml_decl;           /* FRAME_STREAM_OPEN: an <?xml …?> declaration preceded it */
    size_t offset;           /* byte offset of the frame's first byte in this direction */
    size_t size;             /* bytes the frame spans (a header's includes its <?xml?>;
                                an oversize element's ends at the first byte over the cap) */
    const char *message;     /* FRAME_ERROR / FRAME_OVERSIZE: one-line description */
    /*
     * FRAME_ERROR: the input is of a kind RFC 6120 §11 forbids (its message
     * starts "restricted XML: "): the login reads this, never the message (A15).
     */
    bool restricted;
    /*
     * FRAME_ELEMENT / FRAME_STREAM_CLOSE: sent where no stream was open, before
     * the first stream header or after the stream's close (RFC 6120 §4.2 wants
     * a header first, §4.4 nothing after the close). Such an element is parsed
     * in the namespace context of the last header (jabber:client when there
     * was none). A </stream:stream> outside a stream is a close only after such
     * an element: it ends the stream those elements assumed.
     */
    bool outside;
    /*
     * Deferred parsing (framer_defer_parsing): FRAME_STREAM_OPEN and
     * FRAME_ELEMENT carry the unit's bytes here (a header's with its <?xml?>)
     * and no tree; frame_parser_parse() makes the tree. With
     * framer_defer_elements, a FRAME_STREAM_OPEN has its tree and here the
     * header its elements are read in (framer_defer_elements). NULL otherwise.
     */
    const char *raw;
    size_t raw_len;
    /*
     * FRAME_ELEMENT (or the FRAME_ERROR it became): bytes of the element were
     * never captured (framer_gap_bytes() while it was open). Its tree holds
     * what was seen whole (mend.h: its start tag, the children that ended
     * before the hole, the start tags of those the hole cut, no cut text).
     * gap_offset: where the (first) hole began in this direction's stream;
     * gap_bytes: how many bytes it lacks (0: unknown).
     */
    bool damaged;
    size_t gap_offset, gap_bytes;
    /*
     * Never set by the framer: a transport that wraps elements (BOSH's
     * <body rid=...>) names the wrapper here, and the report shows it before
     * the element. NULL otherwise.
     */
    const char *context;
};

struct framer_limits {
    size_t max_element; /* bytes; 0 = default (1 MiB); at least 64 */
    unsigned max_depth; /* nesting inside a top-level element; 0 = default (64) */
    struct framer_budget *budget; /* shared by the framers made with these limits; NULL: none */
};

/*
 * A memory budget shared by many framers (all those of one analyzer): the
 * bytes they hold of units not finished yet. Each framer is bounded by
 * max_element, but hundreds of streams each in the middle of a big element
 * are not: past the budget, the framer holding the most gives its unit up,
 * as an oversize one (a FRAME_OVERSIZE whose message says "given up", queued
 * on that framer, maybe not the one being fed), and reads on after it. The
 * budget is FRAMER_BUDGET, or room for two units at the cap when max_element
 * is raised past a quarter of it.
 */
#define FRAMER_BUDGET ((size_t)8 << 20)
struct framer_budget;
struct framer_budget *framer_budget_new(const struct framer_limits *limits);
/* After the last framer that uses it; NULL is fine. */
void framer_budget_free(struct framer_budget *b);
/* Bytes the framers of |b| hold now, for the tests. */
size_t framer_budget_held(const struct framer_budget *b);

/*
 * Returns a new framer. |label| (copied; NULL is fine) names it for debugging;
 * frame messages do not repeat it. |limits| may be NULL for the defaults.
 */
struct framer *framer_new(const char *label, const struct framer_limits *limits);
/* NULL is fine. */
void framer_free(struct framer *f);
/*
 * Queues the bytes of |buf| for parsing. The framer copies what it needs (at
 * most the current element, bounded by max_element); |buf| may be reused once
 * this returns. Never fails: malformed input becomes a FRAME_ERROR. Frames
 * queue up until framer_next() takes them. Ignored after framer_finish().
 */
void framer_feed(struct framer *f, const char *buf, size_t len);
/*
 * Declares the end of the input. A top-level element still open becomes a
 * FRAME_ERROR ("input ended inside <name>") on the next framer_next().
 */
void framer_finish(struct framer *f);
/*
 * Declares that |missing| bytes are missing here (a TCP gap; 0: an unknown
 * number); stream offsets after it count them. An element the hole cuts
 * still comes out, marked damaged (struct frame), as soon as it can: at once
 * when the hole is in its content; when the hole is in its start tag, once
 * that tag's '>' arrives (its attributes after the hole are read, then the
 * element goes on as usual). A hole in an element's name, in a stream header
 * or outside elements loses the partial unit. After the hole the framer
 * resynchronises at the next start tag, taken to be a top-level one (a
 * heuristic); without any stream header seen so far it assumes a client
 * stream (default namespace jabber:client).
 */
void framer_gap_bytes(struct framer *f, size_t missing);
/* framer_gap_bytes() with the number of bytes unknown. */
void framer_gap(struct framer *f);
/*
 * The stream is framed by its transport: XMPP over WebSocket (RFC 7395
 * §3.3) sends no stream header, each message is one element and the
 * framing's <open/> is one of them. From now on the framer reads top-level
 * elements as a stream's (never marked outside), in the namespace context of
 * the last header, jabber:client when none came. Call before the stream's
 * first byte.
 */
void framer_framed(struct framer *f);
/*
 * Fills |out| with the next finished frame and returns true, or returns false
 * when more bytes are needed. Pointers in |out| stay valid until the next call
 * on this framer.
 */
bool framer_next(struct framer *f, struct frame *out);

/*
 * Deferred parsing: the framer only cuts the stream; headers and elements
 * come out as bytes (frame.raw) for a frame_parser to read later, maybe in
 * another process. Fed the frames of one framer in order, a frame_parser
 * gives exactly the frames the framer would have given itself (a unit that
 * does not parse becomes FRAME_ERROR). Call before the first framer_feed().
 */
void framer_defer_parsing(struct framer *f);
/*
 * The same for elements only: headers are parsed by the framer, and a
 * FRAME_STREAM_OPEN carries its tree (el) and, in raw, the header its
 * elements are read in (a byte, 1 when the stream stays open, then the
 * header's bytes) for the frame_parser. A
 * header that does not parse comes as FRAME_SCOPE_RESET then FRAME_ERROR.
 * Headers are few but costly to read: this puts their cost on the framer's
 * side of a split run.
 */
void framer_defer_elements(struct framer *f);
/*
 * A deferred FRAME_ELEMENT of |f|, parsed with the bindings of the stream it
 * came in (the framer reads the last header again when needed). For the rare
 * element the cutting side must understand itself (<proceed/>). The caller
 * frees the tree; NULL when it does not parse or |fr| is not such a frame.
 */
struct stanza *framer_parse_deferred(struct framer *f, const struct frame *fr);

struct frame_parser;
struct frame_parser *frame_parser_new(void);
/* NULL is fine. */
void frame_parser_free(struct frame_parser *fp);
/*
 * Reads the next frame of a deferred framer into |out|: trees for headers
 * and elements, the rest as it came. Returns false for frames that only
 * change the parser's state (FRAME_SCOPE_RESET): nothing to hand on.
 * Pointers in |out| stay valid until the next call.
 */
bool frame_parser_parse(struct frame_parser *fp, const struct frame *in, struct frame *out);

/* Name of |kind| ("stream-open", "element", …). */
const char *frame_kind_name(enum frame_kind kind);

#endif
