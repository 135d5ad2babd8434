/*
 * xmlpush: stream headers and elements to stanza trees through libxml2's push parser.
 *
 * Longer than 800 lines: the context pool, the SAX callbacks that build the
 * tree and the translation of libxml2's diagnostics share one parser state.
 */
#include <config.h>
#include "xmlpush.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "buf.h"
#include "nsdecl.h"
#include "utf8.h"
#include "xalloc.h"

/*
 * No network, no DTD loading, no entity substitution (no XML_PARSE_NOENT),
 * no huge-document relaxation; the declared encoding is not followed (the
 * framer reports one that is not UTF-8, RFC 6120 §11.6); errors reach the
 * serror callback only, never stderr.
 */
#define PARSE_OPTIONS                                                                              \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC)

/* Contexts shared by all streams of a thread (about 12 kB each). */
#define POOL_SIZE 32
/*
 * What a context may keep before it is replaced: distinct names in its
 * dictionary and the bytes they take (hostile names could fill one), and,
 * after a big unit, its input buffer (libxml2 never shrinks it). With
 * POOL_SIZE contexts this bounds the parser's memory to a few MB.
 */
#define DICT_MAX 10000
#define DICT_BYTES_MAX ((size_t)256 * 1024)
#define BIG_UNIT ((size_t)64 * 1024)
/* Bytes a context's document may grow to before it starts anew (libxml2 counts lines in an int). */
#define DOC_MAX ((size_t)1 << 30)
/* XML declarations known to be well-formed, and the longest one kept. */
#define DECL_CACHE 8
#define DECL_KEEP 128
/* Messages: libxml2's own cut to MSG_TEXT bytes, a name in them to NAME_IN_MSG. */
#define MSG_TEXT 120
#define NAME_IN_MSG 40
#define MSG_MAX 256

#define RESTRICTED "restricted XML: "

/* The stand-in header of a stream whose own is unknown: the c2s one is the best guess. */
static const char standin_header[] = "<stream:stream xmlns='jabber:client' "
                                     "xmlns:stream='http://etherx.jabber.org/streams'>";

/*
 * How a context reads many streams without starting a document for each:
 * its document is one element <r> (declaring nothing, so a header inside it
 * is in the same namespace scope as at the top of a document of its own),
 * and a stream header is a start tag inside <r>, closed with its own end tag
 * when the context moves on to another stream. The XML declaration that may
 * precede a header (allowed only at the start of a document) is checked on
 * its own, in a document that starts with it; declarations found
 * well-formed are remembered (DECL_CACHE), so the usual one costs nothing.
 */
static const char doc_root[] = "<r >"; /* libxml2 reads a document's first 4 bytes at once */

struct slot;

struct xml_push {
    struct buf header; /* the start tag of the header in effect (no <?xml?>) */
    bool has_header;   /* else the stand-in's */
    struct slot *slot; /* the context inside its stream, or NULL */
};

/*
 * One libxml2 context. Its document is <r> (|rooted|), and in it the header
 * |open_tag| (prefix:local) of the stream it read last, open; |owner| is
 * that stream, until the context is lent to another or the stream forgets it.
 */
struct slot {
    xmlParserCtxtPtr ctxt;
    bool rooted;            /* its document is a sound <r>; else it starts a new one first */
    struct buf open_tag;    /* the header open in <r>; empty: none */
    struct xml_push *owner; /* the stream of that header, or NULL */
    uint64_t used;          /* when it last read something, for lending the oldest */
    size_t fed;             /* bytes pushed into its document so far */
    const char *open_ns; /* the default namespace the open header declared, left out (nsdecl.h) */
};

/* What the SAX callbacks are building. */
enum build_mode {
    B_HEADER, /* a header, as a tree */
    B_REPLAY, /* a header read again, <r>, or the end tag of a header: no tree */
    B_ELEMENT,
};

struct builder {
    enum build_mode mode;
    struct slot *slot;
    size_t unit_at;        /* where the unit begins in the slot's document ... */
    size_t unit_skip;      /* ... after this many of its bytes (an XML declaration) */
    unsigned depth;        /* elements open in the document (<r>, then the stream header) */
    struct stanza *header; /* B_HEADER */
    bool header_ended;     /* ... and it ended: <stream:stream/> */
    struct stanza *root;   /* B_ELEMENT: the element */
    struct stanza **open;  /* ... its elements still open, root first */
    const char **open_ns;  /* ... and the default namespace in effect in each when one left out set
                              it, or NULL */
    size_t nopen, capopen;
    bool done;     /* the element ended ... */
    size_t end_at; /* ... this many bytes into the unit */
    bool extra;    /* markup after it in the same unit */
    bool ending;   /* the document is being ended (xml_push_element) */
    /* the unit's top-level element, for messages (names in the context's dictionary) */
    const xmlChar *top_prefix, *top_local;
    const char *unit; /* the unit's bytes, for its name when libxml2 stopped before it */
    size_t unit_len;
    bool failed;
    char msg[MSG_MAX];
    struct buf value; /* an attribute value being repaired */
    /* default namespace declarations in the unit, the known ones left out (nsdecl.h) */
    struct nsdecl_list decls;
    size_t next_decl;      /* the first of them on the start tag libxml2 reads next ... */
    unsigned tags;         /* ... which is the unit's tag number |tags| */
    const char *header_ns; /* B_HEADER, B_REPLAY: the header's declaration left out */
};

struct decl {
    char bytes[DECL_KEEP];
    size_t len;
    uint64_t used;
};

struct pool {
    bool ready;
    xmlSAXHandler sax;
    struct slot slots[POOL_SIZE];
    struct slot scratch; /* for XML declarations, a document each */
    uint64_t clock;
    struct builder b;
    struct decl decls[DECL_CACHE];
    struct buf chunk; /* an end tag and a start tag, or an element without its known declarations */
};

static _Thread_local struct pool pool;

/* ---- building trees (SAX2 callbacks) ---- */

/*
 * The unit's top-level element, for a message: the names stay in the
 * context's dictionary while the unit is read, so only pointers are kept.
 */
static void
keep_name(struct builder *b, const xmlChar *prefix, const xmlChar *local)
{
    b->top_prefix = prefix;
    b->top_local = local;
}

/*
 * The name of the unit's first tag as written, up to white space, a control
 * byte, '/' or '>' (after an XML declaration): for an error libxml2 found
 * before it passed the element on.
 */
static size_t
written_name(const char *p, size_t len, const char **name)
{
    size_t i = 0;
    if (len >= 2 && p[0] == '<' && p[1] == '?') {
        const char *q = memmem(p, len, "?>", 2);
        i = q ? (size_t)(q - p) + 2 : len;
    }
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i == len || p[i] != '<') {
        *name = NULL;
        return 0;
    }
    size_t start = ++i;
    while (i < len && i - start < NAME_IN_MSG && (unsigned char)p[i] > ' ' && p[i] != '/' &&
           p[i] != '>')
        i++;
    *name = p + start;
    return i - start;
}

/* The unit's element as written, prefix:local, cut and cleaned; "" when there is none. */
static void
top_name(const struct builder *b, char *out, size_t cap)
{
    char q[2 * NAME_IN_MSG + 2];
    if (b->top_local) {
        snprintf(q, sizeof(q), "%.*s%s%.*s", NAME_IN_MSG,
                 b->top_prefix ? (const char *)b->top_prefix : "", b->top_prefix ? ":" : "",
                 NAME_IN_MSG, (const char *)b->top_local);
    } else {
        const char *name;
        size_t n = written_name(b->unit ? b->unit : "", b->unit_len, &name);
        snprintf(q, sizeof(q), "%.*s", (int)n, name ? name : "");
    }
    utf8_clean_copy(out, cap, q, strlen(q));
}

static void
add_attrs(struct builder *b, struct stanza *s, int nb_attributes, const xmlChar **attributes)
{
    for (int i = 0; i < nb_attributes; i++) {
        const xmlChar **a = attributes + 5 * i;
        const char *v = (const char *)a[3];
        size_t n = (size_t)(a[4] - a[3]);
        if (memchr(v, '&', n)) {
            /*
             * Without XML_PARSE_NOENT, libxml2 hands '&' (from &amp; or &#38;)
             * over as "&#38;" for its own tree builder to decode again. No
             * other '&' can be left in a value, so undo exactly that.
             */
            buf_reset(&b->value);
            for (size_t k = 0; k < n; k++) {
                buf_append_char(&b->value, v[k]);
                if (v[k] == '&' && n - k >= 5 && memcmp(v + k, "&#38;", 5) == 0)
                    k += 4;
            }
            v = b->value.data;
            n = b->value.len;
        }
        stanza_add_attr(s, (const char *)a[0], (const char *)a[1], (const char *)a[2], v, n);
    }
}

static size_t unit_position(const struct builder *b);

/* The known default namespace left out of the start tag libxml2 reports now, or NULL. */
static const char *
left_out_ns(struct builder *b)
{
    unsigned tag = b->tags++;
    const struct nsdecl_list *l = &b->decls;
    while (b->next_decl < l->n && l->d[b->next_decl].tag < tag)
        b->next_decl++;
    if (b->next_decl < l->n && l->d[b->next_decl].tag == tag)
        return l->d[b->next_decl].known;
    return NULL;
}

/* True when the declarations libxml2 read on a tag include a default one. */
static bool
declares_default(int nb_namespaces, const xmlChar **namespaces)
{
    for (int i = 0; i < nb_namespaces; i++)
        if (!namespaces[2 * i])
            return true;
    return false;
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
         int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
         const xmlChar **attributes)
{
    /* Namespace declarations are not attributes (SAX2 keeps them apart); only a DTD
     * supplies defaulted attributes, and none reaches libxml2. */
    (void)nb_defaulted;
    struct builder *b = ctx;
    unsigned depth = b->depth++;
    const char *own_ns = left_out_ns(b);
    if (b->mode != B_ELEMENT) {
        /*
         * depth 1: a header inside <r>; deeper, or a second one: content after
         * it, which a header unit never has
         */
        if (depth != 1 || b->top_local) {
            if (depth >= 1)
                b->extra = true;
            return;
        }
        keep_name(b, prefix, localname);
        b->end_at = unit_position(b); /* at its '>' or "/>" */
        b->header_ns = own_ns;
        if (b->mode == B_REPLAY)
            return;
        struct stanza *s = stanza_new_tree((const char *)localname, (const char *)prefix,
                                           !prefix && own_ns ? own_ns : (const char *)uri);
        add_attrs(b, s, nb_attributes, attributes);
        /* the stream's content namespace (RFC 6120 §4.8.2): the header's own xmlns='...' */
        if (own_ns)
            stanza_set_default_ns(s, own_ns);
        for (int i = 0; i < nb_namespaces; i++)
            if (!namespaces[2 * i] && namespaces[2 * i + 1] && namespaces[2 * i + 1][0])
                stanza_set_default_ns(s, (const char *)namespaces[2 * i + 1]);
        b->header = s;
        return;
    }
    if (b->nopen == 0 && (b->root || depth < 2)) { /* a second element, or one outside the stream */
        b->extra = true;
        return;
    }
    /*
     * The default namespace in effect, when a declaration left out set it: libxml2
     * knows those it read (a declaration it read here ends what it does not know).
     */
    const char *ns = own_ns;
    if (!ns && !declares_default(nb_namespaces, namespaces))
        ns = b->nopen ? b->open_ns[b->nopen - 1] : b->slot->open_ns;
    const char *el_uri = !prefix && ns ? ns : (const char *)uri;
    struct stanza *s;
    if (b->nopen == 0) {
        keep_name(b, prefix, localname);
        s = b->root = stanza_new_tree((const char *)localname, (const char *)prefix, el_uri);
    } else {
        s = stanza_new_in(b->root, (const char *)localname, (const char *)prefix, el_uri);
        stanza_add_child(b->open[b->nopen - 1], s);
    }
    add_attrs(b, s, nb_attributes, attributes);
    if (b->nopen == b->capopen) {
        b->capopen = b->capopen ? b->capopen * 2 : 16;
        b->open = xreallocarray(b->open, b->capopen, sizeof(*b->open));
        b->open_ns = xreallocarray(b->open_ns, b->capopen, sizeof(*b->open_ns));
    }
    b->open_ns[b->nopen] = ns;
    b->open[b->nopen++] = s;
}

static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)localname;
    (void)prefix;
    (void)uri;
    struct builder *b = ctx;
    if (b->depth)
        b->depth--;
    if (b->mode != B_ELEMENT) {
        if (b->depth == 1 && b->top_local) /* (not the end tag of the header before) */
            b->header_ended = true;
        return;
    }
    if (b->nopen) {
        if (--b->nopen == 0) {
            b->done = true;
            b->end_at = unit_position(b);
        }
    } else {
        b->extra = true; /* the stream's own end tag */
    }
}

static void
on_text(void *ctx, const xmlChar *ch, int len)
{
    struct builder *b = ctx;
    if (b->nopen && len > 0)
        stanza_add_text(b->open[b->nopen - 1], (const char *)ch, (size_t)len);
    else if (b->mode == B_HEADER && b->depth >= 2)
        b->extra = true; /* text after a header's start tag in its unit */
}

/* Where libxml2 stands in the unit being read. */
static size_t
unit_position(const struct builder *b)
{
    const xmlParserInput *in = b->slot && b->slot->ctxt ? b->slot->ctxt->input : NULL;
    if (!in || !in->cur || !in->base)
        return 0;
    size_t at = (size_t)in->consumed + (size_t)(in->cur - in->base);
    at = b->unit_skip + (at > b->unit_at ? at - b->unit_at : 0);
    /* libxml2 did not see the declarations left out: where it stands in the unit as it is */
    for (size_t i = 0; i < b->decls.n; i++) {
        const struct nsdecl *d = &b->decls.d[i];
        if (d->known) {
            if (d->at > at)
                break;
            at += d->len;
        }
    }
    return at;
}

/* Records |msg| (one line, printable) as the unit's error, the first one only. */
static void
fail(struct builder *b, const char *pre, const char *msg, size_t len)
{
    if (b->failed)
        return;
    b->failed = true;
    char clean[MSG_TEXT], name[NAME_IN_MSG + 4];
    utf8_clean_copy(clean, sizeof(clean), msg, len);
    top_name(b, name, sizeof(name));
    if (name[0])
        snprintf(b->msg, sizeof(b->msg), "%s%s (in <%s> at byte %zu)", pre, clean, name,
                 unit_position(b));
    else
        snprintf(b->msg, sizeof(b->msg), "%s%s (at byte %zu)", pre, clean, unit_position(b));
}

/* The unit ended inside an element, or before one. */
static void
premature(struct builder *b)
{
    if (!b->nopen) {
        fail(b, "", "Start tag expected, '<' not found", 33);
        return;
    }
    const struct stanza *s = b->open[b->nopen - 1];
    char m[2 * NAME_IN_MSG + 40];
    snprintf(m, sizeof(m), "Premature end of data in tag %.*s%s%.*s", NAME_IN_MSG,
             s->prefix ? s->prefix : "", s->prefix ? ":" : "", NAME_IN_MSG, s->name);
    fail(b, "", m, strlen(m));
}

#if LIBXML_VERSION >= 21200
static void
on_error(void *ctx, const xmlError *e)
#else
static void
on_error(void *ctx, xmlErrorPtr e)
#endif
{
    struct builder *b = ctx;
    if (!e || e->level < XML_ERR_ERROR || b->failed)
        return;
    if (b->ending && b->done)
        return; /* the end of a document ended early (xml_push_element), not the element */
    /* libxml2's first line; it names elements and entities, never character data */
    const char *m = e->message ? e->message : "XML error";
    size_t n = strcspn(m, "\n");
    while (n && (m[n - 1] == ' ' || m[n - 1] == '\r'))
        n--;
    /* " line N" counts lines of the document libxml2 was fed, not of the input: drop it */
    char tmp[MSG_MAX];
    size_t t = 0;
    for (size_t i = 0; i < n && t + 1 < sizeof(tmp); i++) {
        if (m[i] == ' ' && n - i > 6 && memcmp(m + i, " line ", 6) == 0 && m[i + 6] >= '0' &&
            m[i + 6] <= '9') {
            i += 6;
            while (i + 1 < n && m[i + 1] >= '0' && m[i + 1] <= '9')
                i++;
            continue;
        }
        tmp[t++] = m[i];
    }
    if (b->ending && e->code == XML_ERR_DOCUMENT_END) {
        /* libxml2 ends a document cut short as one with extra content: say what it is */
        premature(b);
        return;
    }
    /* RFC 6120 §11.1 (entity references) and §11.6 (UTF-8 only) */
    bool restricted =
        e->code == XML_ERR_UNDECLARED_ENTITY || strncmp(m, "Input is not proper UTF-8", 25) == 0;
    fail(b, restricted ? RESTRICTED : "", tmp, t);
}

/* A DOCTYPE (RFC 6120 §11.1): never read; the framer keeps them away, this is the last guard. */
static void
on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    struct builder *b = ctx;
    fail(b, RESTRICTED, "DTD", 3);
    if (b->slot && b->slot->ctxt)
        xmlStopParser(b->slot->ctxt);
}

/* ---- the contexts ---- */

static void
pool_init(void)
{
    if (pool.ready)
        return;
    xmlInitParser();
    pool.sax.initialized = XML_SAX2_MAGIC;
    pool.sax.startElementNs = on_start;
    pool.sax.endElementNs = on_end;
    pool.sax.characters = on_text;
    pool.sax.ignorableWhitespace = on_text;
    pool.sax.cdataBlock = on_text;
    pool.sax.serror = (xmlStructuredErrorFunc)on_error;
    pool.sax.internalSubset = on_doctype;
    pool.ready = true;
}

/*
 * Appends |data|[from, len) to |out| without the known default namespace
 * declarations nsdecl_find found in it, which libxml2 need not read again
 * (nsdecl.h); unit_position counts them back in. Returns how many bytes it
 * appended.
 */
static size_t
append_unit(struct builder *b, struct buf *out, const char *data, size_t len, size_t from)
{
    size_t before = out->len;
    for (size_t i = 0; i < b->decls.n; i++) {
        const struct nsdecl *d = &b->decls.d[i];
        if (d->known) {
            buf_append(out, data + from, d->at - from);
            from = d->at + d->len;
        }
    }
    buf_append(out, data + from, len - from);
    return out->len - before;
}

/* Starts the builder on a unit of |mode| read by |s|: |data| from its byte |skip| on. */
static struct builder *
begin(struct slot *s, enum build_mode mode, const char *data, size_t len, size_t skip)
{
    struct builder *b = &pool.b;
    b->unit = data;
    b->unit_len = len;
    b->unit_skip = skip;
    b->mode = mode;
    b->slot = s;
    b->unit_at = s->fed;
    /* inside <r>; an element also inside its stream's header */
    b->depth = mode == B_ELEMENT ? 2 : 1;
    b->header = NULL;
    b->header_ended = false;
    b->root = NULL;
    b->nopen = 0;
    b->done = b->extra = b->failed = b->ending = false;
    b->top_prefix = b->top_local = NULL;
    b->msg[0] = '\0';
    b->decls.n = b->decls.nknown = 0;
    b->next_decl = 0;
    b->tags = 0;
    b->header_ns = NULL;
    s->used = ++pool.clock;
    return b;
}

static void
push(struct slot *s, const char *data, size_t len)
{
    s->fed += len;
    while (len) {
        int n = len > (size_t)INT_MAX ? INT_MAX : (int)len;
        xmlParseChunk(s->ctxt, data, n, 0); /* errors come through on_error */
        data += n;
        len -= (size_t)n;
    }
}

/* True when |s| holds more than a context should keep (DICT_MAX). */
static bool
slot_grown(const struct slot *s)
{
    xmlDictPtr d = s->ctxt ? s->ctxt->dict : NULL;
    return d && (xmlDictSize(d) > DICT_MAX || xmlDictGetUsage(d) > DICT_BYTES_MAX);
}

/* Frees the context of |s| (out of any stream): one will be made when needed. */
static void
slot_drop(struct slot *s)
{
    xmlFreeParserCtxt(s->ctxt);
    s->ctxt = NULL;
    s->rooted = false;
    buf_reset(&s->open_tag);
}

/* A new document in |s| (a fresh context when the old one has grown), no <r> yet. */
static void
slot_restart(struct slot *s)
{
    if (slot_grown(s))
        slot_drop(s);
    if (!s->ctxt) {
        s->ctxt = xmlCreatePushParserCtxt(&pool.sax, &pool.b, NULL, 0, NULL);
        if (!s->ctxt)
            abort(); /* only fails when out of memory */
        xmlCtxtUseOptions(s->ctxt, PARSE_OPTIONS);
    } else if (xmlCtxtResetPush(s->ctxt, NULL, 0, NULL, NULL) != 0) {
        abort();
    }
    s->fed = 0;
    s->rooted = false;
    s->open_ns = NULL;
    buf_reset(&s->open_tag);
}

/*
 * Invariant: xp->slot, when set, is the context inside the stream of |xp|
 * (its owner is |xp|).
 */

/* |s| leaves the stream it was in (its header stays open in <r> until the next one). */
static void
slot_release(struct slot *s)
{
    if (s->owner)
        s->owner->slot = NULL;
    s->owner = NULL;
}

static void
slot_take(struct slot *s, struct xml_push *xp)
{
    s->owner = xp;
    xp->slot = s;
}

/* The context inside the stream of |xp|, else a free one or the one unused longest, freed. */
static struct slot *
slot_for(struct xml_push *xp)
{
    pool_init();
    if (xp->slot)
        return xp->slot;
    struct slot *best = &pool.slots[0];
    for (size_t i = 0; i < POOL_SIZE; i++) {
        struct slot *s = &pool.slots[i];
        if (!s->owner) {
            best = s;
            break;
        }
        if (s->used < best->used)
            best = s;
    }
    slot_release(best);
    return best;
}

/* The bytes of |data| from |i| on that are XML white space; returns where they stop. */
static size_t
skip_blanks(const char *data, size_t len, size_t i)
{
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i;
}

/* |s| inside <r>: a new document when its own is unsound or too long. */
static void
slot_root(struct slot *s)
{
    if (s->rooted && s->fed <= DOC_MAX && !slot_grown(s))
        return;
    slot_restart(s);
    struct builder *b = begin(s, B_REPLAY, doc_root, sizeof(doc_root) - 1, 0);
    b->depth = 0;
    push(s, doc_root, sizeof(doc_root) - 1);
    if (b->failed || b->depth != 1)
        abort(); /* "<r >" always parses, at once */
    s->rooted = true;
}

/*
 * Reads the start tag of a header into |s|, from byte |skip| of |data|, after
 * the end tag of the header |s| had open (its name as libxml2 gave it), in
 * one push. In B_HEADER mode the tree is left in the builder. True when it
 * parsed and stays open; it is then |s|'s open header.
 */
static bool
open_header(struct slot *s, enum build_mode mode, const char *data, size_t len, size_t skip)
{
    slot_root(s);
    struct buf *c = &pool.chunk;
    buf_reset(c);
    if (s->open_tag.len) {
        buf_append(c, "</", 2);
        buf_append(c, s->open_tag.data, s->open_tag.len);
        buf_append_char(c, '>');
    }
    size_t close_len = c->len;
    bool tag = skip < len && data[skip] == '<';
    struct builder *b = begin(s, mode, data, len, skip);
    if (tag) {
        nsdecl_find(&b->decls, data, len, skip);
        append_unit(b, c, data, len, skip);
    }
    b->unit_at += close_len;
    b->depth = close_len ? 2 : 1;
    buf_reset(&s->open_tag);
    if (c->len)
        push(s, c->data, c->len);
    if (!tag) /* text before it would be content of <r>, where a document allows none */
        fail(b, "", "Start tag expected, '<' not found", 33);
    if (!b->failed && b->top_local) {
        /* after the tag, white space at most: anything else libxml2 may hold back unread */
        size_t i = b->end_at + (b->end_at < len && data[b->end_at] == '/');
        if (skip_blanks(data, len, i + (i < len && data[i] == '>')) < len)
            b->extra = true;
    }
    if (!b->failed && b->extra)
        fail(b, "", "Extra content after the stream header", 37);
    if (!b->failed && !b->top_local)
        fail(b, "", "Couldn't find end of Start Tag", 30);
    if (b->failed) {
        s->rooted = false;
        return false;
    }
    nsdecl_learn(&b->decls, data);
    if (b->header_ended)
        return false;
    s->open_ns = b->header_ns;
    if (b->top_prefix) {
        buf_append_str(&s->open_tag, (const char *)b->top_prefix);
        buf_append_char(&s->open_tag, ':');
    }
    buf_append_str(&s->open_tag, (const char *)b->top_local);
    return true;
}

/* A context inside the stream of |xp|, between two elements. */
static struct slot *
bind(struct xml_push *xp)
{
    if (xp->slot)
        return xp->slot;
    struct slot *s = slot_for(xp);
    bool ok = xp->has_header && open_header(s, B_REPLAY, xp->header.data, xp->header.len, 0);
    if (!ok) { /* (a header that parsed once parses again: this is the stand-in's) */
        xp->has_header = false;
        open_header(s, B_REPLAY, standin_header, sizeof(standin_header) - 1, 0);
    }
    slot_take(s, xp);
    return s;
}

/* ---- XML declarations ---- */

/* The length of the XML declaration |data| begins with ("<?xml" and a space or '?'), 0 if none. */
static size_t
decl_len(const char *data, size_t len)
{
    if (len < 6 || memcmp(data, "<?xml", 5) != 0 ||
        !(data[5] == ' ' || data[5] == '\t' || data[5] == '\r' || data[5] == '\n' ||
          data[5] == '?'))
        return 0;
    const char *end = memmem(data, len, "?>", 2);
    return end ? (size_t)(end - data) + 2 : len;
}

/*
 * True when the declaration |data|[0, |dlen|) is well-formed at the start of a
 * document; else the builder holds the message (|data| is the whole header,
 * for its name). Known good ones are not read again.
 */
static bool
decl_ok(const char *data, size_t dlen, size_t len)
{
    struct decl *oldest = &pool.decls[0];
    for (size_t i = 0; i < DECL_CACHE; i++) {
        struct decl *d = &pool.decls[i];
        if (d->len == dlen && memcmp(d->bytes, data, dlen) == 0) {
            d->used = ++pool.clock;
            return true;
        }
        if (d->used < oldest->used)
            oldest = d;
    }
    struct slot *s = &pool.scratch;
    slot_restart(s);
    struct builder *b = begin(s, B_REPLAY, data, len, 0);
    b->depth = 0;
    push(s, data, dlen);
    push(s, "<r/>", 4); /* the declaration is read once what follows it is seen */
    if (b->failed)
        return false;
    if (dlen <= DECL_KEEP) {
        memcpy(oldest->bytes, data, dlen);
        oldest->len = dlen;
        oldest->used = ++pool.clock;
    }
    return true;
}

/* ---- the interface ---- */

struct xml_push *
xml_push_new(void)
{
    return xcalloc(1, sizeof(struct xml_push));
}

void
xml_push_free(struct xml_push *xp)
{
    if (!xp)
        return;
    if (xp->slot)
        slot_release(xp->slot);
    buf_clear(&xp->header);
    free(xp);
}

static void
give_message(const struct builder *b, char *err, size_t errlen, const char *fallback)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", b->failed ? b->msg : fallback);
}

struct stanza *
xml_push_header(struct xml_push *xp, const char *data, size_t len, bool *closed, char *err,
                size_t errlen)
{
    struct slot *s = slot_for(xp);
    xml_push_forget(xp); /* a new stream is a new document: the old bindings go */
    *closed = false;
    struct builder *b = &pool.b;
    size_t dlen = decl_len(data, len);
    if (dlen && !decl_ok(data, dlen, len)) {
        give_message(b, err, errlen, "stream header did not parse");
        return NULL;
    }
    size_t skip = skip_blanks(data, len, dlen);
    bool open = open_header(s, B_HEADER, data, len, skip);
    struct stanza *el = b->header;
    b->header = NULL;
    *closed = b->header_ended;
    if (b->failed || !el) {
        stanza_free(el);
        give_message(b, err, errlen, "stream header did not parse");
        return NULL;
    }
    if (open) {
        buf_append(&xp->header, data + skip, len - skip);
        xp->has_header = true;
        slot_take(s, xp);
    }
    if (len > BIG_UNIT) { /* as for an element (xml_push_element) */
        slot_release(s);
        s->rooted = false;
        slot_drop(s);
    }
    return el;
}

void
xml_push_adopt_header(struct xml_push *xp, const char *data, size_t len, bool open)
{
    xml_push_forget(xp);
    if (open) {
        size_t skip = skip_blanks(data, len, decl_len(data, len));
        buf_append(&xp->header, data + skip, len - skip);
        xp->has_header = true;
    }
}

const char *
xml_push_header_bytes(const struct xml_push *xp, size_t *len)
{
    *len = xp->has_header ? xp->header.len : 0;
    return xp->has_header ? xp->header.data : NULL;
}

void
xml_push_forget(struct xml_push *xp)
{
    if (xp->slot)
        slot_release(xp->slot);
    xp->slot = NULL;
    buf_reset(&xp->header);
    xp->has_header = false;
}

struct stanza *
xml_push_element(struct xml_push *xp, const char *data, size_t len, char *err, size_t errlen)
{
    struct slot *s = bind(xp);
    struct builder *b = begin(s, B_ELEMENT, data, len, 0);
    size_t first = skip_blanks(data, len, 0);
    if (first < len && data[first] != '<') {
        /* libxml2 would take it for text between elements */
        fail(b, "", "Start tag expected, '<' not found", 33);
        give_message(b, err, errlen, "XML error");
        return NULL;
    }
    nsdecl_find(&b->decls, data, len, 0);
    if (b->decls.nknown) {
        buf_reset(&pool.chunk);
        size_t n = append_unit(b, &pool.chunk, data, len, 0);
        push(s, pool.chunk.data, n);
    } else {
        push(s, data, len);
    }
    bool ended = false;
    if (b->done && !b->failed && skip_blanks(data, len, b->end_at) < len)
        b->extra = true; /* text, a comment... after the element: not one element */
    if (!b->failed && !b->done && !b->extra) {
        /* libxml2 holds back what it cannot finish: ending the document makes it say why */
        b->ending = ended = true;
        xmlParseChunk(s->ctxt, NULL, 0, 1);
        if (!b->failed && !b->done)
            premature(b);
    }
    if (!b->failed && !ended && (!s->ctxt->wellFormed || s->ctxt->disableSAX))
        fail(b, "", "XML error", 9); /* an error libxml2 did not report (never seen) */
    if (b->extra && !b->failed)
        fail(b, "", "Extra content at the end of the element", 39);
    struct stanza *el = b->root;
    b->root = NULL;
    b->nopen = 0;
    if (b->failed) {
        stanza_free(el);
        el = NULL;
        give_message(b, err, errlen, "XML error");
    } else {
        nsdecl_learn(&b->decls, data);
    }
    /*
     * After an error, or once the document was ended, the document is no
     * longer sound: the context starts a new one, and reads the header again,
     * next time.
     */
    bool big = len > BIG_UNIT || xp->header.len > BIG_UNIT;
    if (b->failed || ended || big) {
        s->rooted = false;
        slot_release(s);
        if (big) /* its buffer grew to the unit's size (or its header's): give it back */
            slot_drop(s);
    }
    if (pool.chunk.cap > BIG_UNIT)
        buf_clear(&pool.chunk);
    return el;
}
