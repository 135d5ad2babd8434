/* xmlparse: one stream header or one complete element to a stanza tree (restricted XML). */
#include <config.h>
#include "xmlparse.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xalloc.h"

#define XML_NS "http://www.w3.org/XML/1998/namespace"
#define XMLNS_NS "http://www.w3.org/2000/xmlns/"
/* Messages of input RFC 6120 §11 forbids start with this (as the framer's own do). */
#define RESTRICTED "restricted XML: "
/* Nesting the parser accepts; the framer's own limit (64 by default) is lower. */
#define MAX_DEPTH 1024
/* Bytes of a name quoted in a message. */
#define NAME_IN_MSG 40

struct raw_attr {
    const char *qname;
    size_t qlen, colon; /* colon: length of the prefix, 0 when none */
    size_t voff, vlen;  /* the decoded value, in parser.vals */
    const char *ns;     /* a prefixed attribute's namespace (once resolved), else NULL */
    size_t nslen;
};

/*
 * The attributes of a tag checked so far for one kind of duplicate (XML 1.0
 * §3.1 "Unique Att Spec": the same name twice; XML Namespaces §6.3: the same
 * local name in the same namespace, under two prefixes). Up to ATTR_SCAN of
 * them are compared pair by pair; past that a hash table of them is built, so
 * that a tag with thousands of attributes costs no more per attribute.
 */
#define ATTR_SCAN 16
struct attr_index {
    uint32_t few[ATTR_SCAN]; /* while not built: the attributes checked, indexes in parser.attrs */
    uint32_t *slots;         /* 1 + index in parser.attrs; 0: empty */
    size_t nslots;           /* a power of two; 0: not built (pairwise comparisons) */
    size_t n;                /* attributes checked */
};

/*
 * Scratch space kept from one unit to the next (every element would otherwise
 * allocate and free it): at most one element's worth, bounded by the framer's
 * element cap.
 */
struct scratch {
    struct buf vals;  /* decoded attribute values of the tag being read */
    struct buf text;  /* decoded character data of the run being read */
    struct raw_attr *attrs;
    size_t acap;
};

static _Thread_local struct scratch scratch;

struct parser {
    const unsigned char *p, *end;
    struct xml_scope *scope;
    struct buf vals, text; /* borrowed from |scratch| for the parse */
    struct raw_attr *attrs;
    size_t nattrs, acap;
    struct attr_index seen;
    char *err;
    size_t errlen;
    bool failed;
};

/* Records the first error only; |fmt| may quote names (cut, printable), never text. */
static void __attribute__((format(printf, 2, 3)))
fail(struct parser *ps, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = true;
    if (!ps->err || !ps->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err, ps->errlen, fmt, ap);
    va_end(ap);
}

/* |name| cut to NAME_IN_MSG bytes with anything but printable ASCII as '?'. */
static const char *
quote_name(char out[NAME_IN_MSG + 4], const char *name, size_t len)
{
    size_t n = len < NAME_IN_MSG ? len : NAME_IN_MSG;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (n < len) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

static bool
is_xml_char(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/*
 * Length of the well-formed UTF-8 sequence at |p| (before |end|) and its code
 * point in *|cp|; 0 when the bytes are not one.
 */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    unsigned c = p[0];
    size_t len;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

static void
put_utf8(struct buf *b, uint32_t c)
{
    char tmp[4];
    size_t n;
    if (c < 0x80) {
        tmp[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        tmp[0] = (char)(0xc0 | (c >> 6));
        tmp[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        tmp[0] = (char)(0xe0 | (c >> 12));
        tmp[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        tmp[0] = (char)(0xf0 | (c >> 18));
        tmp[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        tmp[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    buf_append(b, tmp, n);
}

/* Copies the non-ASCII character at ps->p to |b|; false (and an error) when it is not one. */
static bool
copy_wide_char(struct parser *ps, struct buf *b)
{
    uint32_t cp;
    size_t n = utf8_seq(ps->p, ps->end, &cp);
    if (!n) {
        fail(ps, RESTRICTED "Input is not proper UTF-8, indicate encoding !");
        return false;
    }
    if (!is_xml_char(cp)) {
        fail(ps, "Char 0x%X out of allowed range", (unsigned)cp);
        return false;
    }
    buf_append(b, ps->p, n);
    ps->p += n;
    return true;
}

static bool
is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


/* Byte classes: a table lookup per byte in the loops over names, values and text. */
enum {
    B_NAME_START = 1, /* may start a name (non-ASCII: checked as UTF-8 on the way) */
    B_NAME = 2,       /* may continue a name */
    B_PLAIN = 4,      /* text or attribute value byte that needs no look: printable ASCII
                         other than & < ] ' " */
    B_NAME_ASCII = 8, /* an ASCII byte that may continue a name */
    B_WS = 16,        /* XML white space */
};
#define BCLASS(c)                                                                                  \
    (((((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_' || (c) == ':' ||     \
       (c) >= 0x80)                                                                                \
          ? B_NAME_START | B_NAME                                                                  \
          : 0) |                                                                                   \
     ((((c) >= '0' && (c) <= '9') || (c) == '-' || (c) == '.') ? B_NAME : 0) |                     \
     (((c) >= 0x20 && (c) < 0x80 && (c) != '&' && (c) != '<' && (c) != ']' && (c) != '\'' &&      \
       (c) != '"')                                                                                 \
          ? B_PLAIN                                                                                \
          : 0) |                                                                                   \
     (((((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_' || (c) == ':' ||    \
        ((c) >= '0' && (c) <= '9') || (c) == '-' || (c) == '.'))                                   \
          ? B_NAME_ASCII                                                                           \
          : 0) |                                                                                   \
     (((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n') ? B_WS : 0))
#define BCLASS4(c) BCLASS(c), BCLASS((c) + 1), BCLASS((c) + 2), BCLASS((c) + 3)
#define BCLASS16(c) BCLASS4(c), BCLASS4((c) + 4), BCLASS4((c) + 8), BCLASS4((c) + 12)
#define BCLASS64(c) BCLASS16(c), BCLASS16((c) + 16), BCLASS16((c) + 32), BCLASS16((c) + 48)
static const unsigned char bclass[256] = {BCLASS64(0), BCLASS64(64), BCLASS64(128), BCLASS64(192)};

static bool
skip_ws(struct parser *ps)
{
    const unsigned char *start = ps->p, *p = ps->p, *end = ps->end;
    while (p < end && (bclass[*p] & B_WS))
        p++;
    ps->p = p;
    return p != start;
}

static bool
name_start(unsigned char c)
{
    return bclass[c] & B_NAME_START;
}

static bool
name_char(unsigned char c)
{
    return bclass[c] & B_NAME;
}

/* Reads a Name at ps->p; false (and an error naming |what|) when there is none. */
static bool
read_name(struct parser *ps, const char **name, size_t *len, const char *what)
{
    /*
     * The loops of this file work on local copies of the cursor: stores
     * through ps->p would otherwise make the compiler reload it for every
     * byte (a byte pointer may alias anything).
     */
    const unsigned char *start = ps->p, *p = ps->p, *end = ps->end;
    if (p >= end || !name_start(*p)) {
        fail(ps, "%s: invalid name", what);
        return false;
    }
    for (;;) {
        while (p < end && (bclass[*p] & B_NAME_ASCII))
            p++;
        if (p == end || !name_char(*p))
            break;
        uint32_t cp;
        size_t n = utf8_seq(p, end, &cp);
        if (!n) {
            ps->p = p;
            fail(ps, RESTRICTED "Input is not proper UTF-8, indicate encoding !");
            return false;
        }
        p += n;
    }
    ps->p = p;
    *name = (const char *)start;
    *len = (size_t)(p - start);
    return true;
}

/* Splits a QName: the prefix length (0 when none); false when it is not a QName. */
static bool
split_qname(const char *q, size_t len, size_t *colon)
{
    const char *c = memchr(q, ':', len);
    *colon = 0;
    if (!c)
        return true;
    size_t at = (size_t)(c - q);
    if (at == 0 || at + 1 == len || memchr(c + 1, ':', len - at - 1))
        return false;
    *colon = at;
    return true;
}

/*
 * Decodes the reference at ps->p ('&') into |b|: the five predefined entities
 * and character references; anything else is an error (RFC 6120 §11.1).
 */
static bool
read_reference(struct parser *ps, struct buf *b)
{
    const unsigned char *start = ps->p + 1;
    const unsigned char *semi = start;
    while (semi < ps->end && semi - start < 40 && *semi != ';')
        semi++;
    if (semi >= ps->end || *semi != ';') {
        fail(ps, "EntityRef: expecting ';'");
        return false;
    }
    size_t n = (size_t)(semi - start);
    if (n >= 2 && start[0] == '#') {
        uint32_t v = 0;
        bool hex = start[1] == 'x';
        size_t i = hex ? 2 : 1;
        if (i == n) {
            fail(ps, "xmlParseCharRef: invalid value");
            return false;
        }
        for (; i < n; i++) {
            unsigned char c = start[i];
            unsigned d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else {
                fail(ps, "xmlParseCharRef: invalid value");
                return false;
            }
            v = v * (hex ? 16 : 10) + d;
            if (v > 0x10FFFF)
                break;
        }
        if (!is_xml_char(v)) {
            fail(ps, "xmlParseCharRef: invalid xmlChar value %u", (unsigned)v);
            return false;
        }
        put_utf8(b, v);
    } else {
        static const struct {
            const char *name;
            char c;
        } predefined[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
        size_t k = 0;
        for (; k < sizeof(predefined) / sizeof(predefined[0]); k++)
            if (strlen(predefined[k].name) == n && memcmp(predefined[k].name, start, n) == 0)
                break;
        if (k == sizeof(predefined) / sizeof(predefined[0])) {
            char q[NAME_IN_MSG + 4];
            fail(ps, RESTRICTED "Entity '%s' not defined", quote_name(q, (const char *)start, n));
            return false;
        }
        buf_append_char(b, predefined[k].c);
    }
    ps->p = semi + 1;
    return true;
}

/* An attribute value after its opening quote, decoded and normalised into ps->vals. */
static bool
read_value(struct parser *ps, unsigned char quote)
{
    for (;;) {
        /* the common run: printable ASCII that needs nothing done */
        const unsigned char *run = ps->p, *p = ps->p, *end = ps->end;
        while (p < end && (bclass[*p] & B_PLAIN))
            p++;
        ps->p = p;
        buf_append(&ps->vals, run, (size_t)(p - run));
        if (ps->p < ps->end && (*ps->p == ']' || (*ps->p != quote && (*ps->p == '\'' || *ps->p == '"')))) {
            /* plain here, only not in text (]) or as the other quote */
            buf_append_char(&ps->vals, (char)*ps->p++);
            continue;
        }
        if (ps->p >= ps->end) {
            fail(ps, "AttValue: ' expected");
            return false;
        }
        unsigned char c = *ps->p;
        if (c == quote) {
            ps->p++;
            return true;
        } else if (c == '&') {
            if (!read_reference(ps, &ps->vals))
                return false;
        } else if (c == '<') {
            fail(ps, "Unescaped '<' not allowed in attributes values");
            return false;
        } else if (c >= 0x80) {
            if (!copy_wide_char(ps, &ps->vals))
                return false;
        } else if (c == '\r' || c == '\n' || c == '\t') {
            /* attribute-value normalisation (XML 1.0 §3.3.3), after line ends (§2.11) */
            if (c == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
                ps->p++;
            buf_append_char(&ps->vals, ' ');
            ps->p++;
        } else {
            fail(ps, "invalid character in attribute value");
            return false;
        }
    }
}

/* The name an attribute must not share: as written, or (|expanded|) namespace and local name. */
static uint64_t
attr_hash(const struct raw_attr *a, bool expanded)
{
    return expanded ? xml_hash(a->ns, a->nslen, a->qname + a->colon + 1, a->qlen - a->colon - 1)
                    : xml_hash(a->qname, a->qlen, NULL, 0);
}

static bool
attr_same(const struct raw_attr *a, const struct raw_attr *b, bool expanded)
{
    if (!expanded)
        return a->qlen == b->qlen && memcmp(a->qname, b->qname, a->qlen) == 0;
    /* namespace names hold no NUL (XML's characters exclude it): bytes compare as strings */
    return a->nslen == b->nslen && memcmp(a->ns, b->ns, a->nslen) == 0 &&
           a->qlen - a->colon == b->qlen - b->colon &&
           memcmp(a->qname + a->colon, b->qname + b->colon, a->qlen - a->colon) == 0;
}

static void
seen_forget(struct parser *ps)
{
    if (ps->seen.slots) {
        free(ps->seen.slots);
        ps->seen.slots = NULL;
        ps->seen.nslots = 0;
    }
    ps->seen.n = 0;
}

/* Puts attribute |i| in the table, or finds an earlier one of the same name there. */
static bool
seen_put(struct parser *ps, size_t i, bool expanded)
{
    struct attr_index *x = &ps->seen;
    const struct raw_attr *a = &ps->attrs[i];
    size_t mask = x->nslots - 1;
    for (size_t k = (size_t)attr_hash(a, expanded) & mask;; k = (k + 1) & mask) {
        if (!x->slots[k]) {
            x->slots[k] = (uint32_t)(i + 1);
            return false;
        }
        if (attr_same(&ps->attrs[x->slots[k] - 1], a, expanded))
            return true;
    }
}

/* attr_repeated() past ATTR_SCAN attributes: through the table. */
static bool
attr_repeated_many(struct parser *ps, size_t i, bool expanded)
{
    struct attr_index *x = &ps->seen;
    x->n++;
    if (2 * x->n >= x->nslots) {
        /* a table at least twice as big, of the attributes checked so far */
        uint32_t *old = x->slots;
        size_t nold = x->nslots;
        size_t nslots = 64;
        while (nslots < 4 * x->n)
            nslots *= 2;
        x->slots = xcalloc(nslots, sizeof *x->slots);
        x->nslots = nslots;
        for (size_t k = 0; k < nold; k++)
            if (old[k])
                seen_put(ps, old[k] - 1, expanded);
        for (size_t k = 0; !old && k < ATTR_SCAN; k++)
            seen_put(ps, x->few[k], expanded);
        free(old);
    }
    return seen_put(ps, i, expanded);
}

/*
 * Checks attribute |i| against the ones checked before it for the same kind
 * of duplicate (|expanded|: namespace and local name) and adds it to them;
 * true when one of them has the same name.
 */
static inline bool
attr_repeated(struct parser *ps, size_t i, bool expanded)
{
    struct attr_index *x = &ps->seen;
    if (x->nslots)
        return attr_repeated_many(ps, i, expanded);
    for (size_t k = 0; k < x->n; k++)
        if (attr_same(&ps->attrs[x->few[k]], &ps->attrs[i], expanded))
            return true;
    if (x->n == ATTR_SCAN)
        return attr_repeated_many(ps, i, expanded);
    x->few[x->n++] = (uint32_t)i;
    return false;
}

static bool
is_xmlns(const struct raw_attr *a)
{
    return (a->colon == 0 && a->qlen == 5 && memcmp(a->qname, "xmlns", 5) == 0) ||
           (a->colon == 5 && memcmp(a->qname, "xmlns", 5) == 0);
}

/*
 * Reads a start tag after its '<': the element (namespaces resolved, its own
 * declarations pushed on the scope), and *empty for "/>". NULL on error.
 */
static struct stanza *
read_start_tag(struct parser *ps, struct stanza *tree, const char **qname, size_t *qlen, bool *empty)
{
    char q1[NAME_IN_MSG + 4], q2[NAME_IN_MSG + 4];
    if (!read_name(ps, qname, qlen, "StartTag"))
        return NULL;
    buf_reset(&ps->vals);
    ps->nattrs = 0;
    seen_forget(ps);
    for (;;) {
        bool ws = skip_ws(ps);
        if (ps->p >= ps->end) {
            fail(ps, "Couldn't find end of Start Tag %s", quote_name(q1, *qname, *qlen));
            return NULL;
        }
        if (*ps->p == '>') {
            ps->p++;
            *empty = false;
            break;
        }
        if (*ps->p == '/') {
            if (ps->p + 1 >= ps->end || ps->p[1] != '>') {
                fail(ps, "Couldn't find end of Start Tag %s", quote_name(q1, *qname, *qlen));
                return NULL;
            }
            ps->p += 2;
            *empty = true;
            break;
        }
        if (!ws) {
            fail(ps, "attributes construct error");
            return NULL;
        }
        struct raw_attr a = {0};
        if (!read_name(ps, &a.qname, &a.qlen, "AttName"))
            return NULL;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '=') {
            fail(ps, "Specification mandates value for attribute %s", quote_name(q1, a.qname, a.qlen));
            return NULL;
        }
        ps->p++;
        skip_ws(ps);
        if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\'')) {
            fail(ps, "AttValue: \" or ' expected");
            return NULL;
        }
        unsigned char quote = *ps->p++;
        a.voff = ps->vals.len;
        if (!read_value(ps, quote))
            return NULL;
        a.vlen = ps->vals.len - a.voff;
        if (!split_qname(a.qname, a.qlen, &a.colon)) {
            fail(ps, "Failed to parse QName '%s'", quote_name(q1, a.qname, a.qlen));
            return NULL;
        }
        if (ps->nattrs == ps->acap) {
            ps->acap = ps->acap ? ps->acap * 2 : 8;
            ps->attrs = xreallocarray(ps->attrs, ps->acap, sizeof(*ps->attrs));
        }
        ps->attrs[ps->nattrs++] = a;
        if (attr_repeated(ps, ps->nattrs - 1, false)) {
            fail(ps, "Attribute %s redefined", quote_name(q1, a.qname, a.qlen));
            return NULL;
        }
    }
    seen_forget(ps);

    /* Namespace declarations first: they apply to the tag they are on. */
    const char *vals = buf_str(&ps->vals);
    for (size_t i = 0; i < ps->nattrs; i++) {
        const struct raw_attr *a = &ps->attrs[i];
        const char *v = vals + a->voff;
        if (a->colon == 0 && a->qlen == 5 && memcmp(a->qname, "xmlns", 5) == 0) {
            xml_scope_push(ps->scope, NULL, 0, v, a->vlen);
        } else if (a->colon == 5 && memcmp(a->qname, "xmlns", 5) == 0) {
            const char *p = a->qname + 6;
            size_t plen = a->qlen - 6;
            bool is_xml = plen == 3 && memcmp(p, "xml", 3) == 0;
            bool xml_uri = a->vlen == sizeof(XML_NS) - 1 && memcmp(v, XML_NS, a->vlen) == 0;
            if (a->vlen == 0) {
                fail(ps, "xmlns:%s: Empty XML namespace is not allowed", quote_name(q1, p, plen));
                return NULL;
            }
            if ((plen == 5 && memcmp(p, "xmlns", 5) == 0) || is_xml != xml_uri ||
                (a->vlen == sizeof(XMLNS_NS) - 1 && memcmp(v, XMLNS_NS, a->vlen) == 0)) {
                fail(ps, "xmlns:%s: reserved prefix or namespace", quote_name(q1, p, plen));
                return NULL;
            }
            if (!is_xml)
                xml_scope_push(ps->scope, p, plen, v, a->vlen);
        }
    }

    size_t colon;
    if (!split_qname(*qname, *qlen, &colon)) {
        fail(ps, "Failed to parse QName '%s'", quote_name(q1, *qname, *qlen));
        return NULL;
    }
    bool found;
    const char *prefix = colon ? *qname : NULL;
    size_t nslen;
    const char *ns = xml_scope_lookup(ps->scope, prefix, colon, &found, &nslen);
    if (!found) {
        fail(ps, "Namespace prefix %s on %s is not defined", quote_name(q1, prefix, colon),
             quote_name(q2, *qname + colon + 1, *qlen - colon - 1));
        return NULL;
    }
    if (colon == 5 && memcmp(prefix, "xmlns", 5) == 0) {
        fail(ps, "xmlns: reserved prefix on an element");
        return NULL;
    }
    /* a tree's elements all come from its root's arena; names straight from the input */
    const char *local = colon ? *qname + colon + 1 : *qname;
    size_t local_len = colon ? *qlen - colon - 1 : *qlen;
    struct stanza *el = tree ? stanza_new_in_n(tree, local, local_len, prefix, colon, ns, nslen)
                             : stanza_new_tree_n(local, local_len, prefix, colon, ns, nslen);

    for (size_t i = 0; i < ps->nattrs; i++) {
        struct raw_attr *a = &ps->attrs[i];
        if (is_xmlns(a))
            continue;
        if (a->colon) {
            a->ns = xml_scope_lookup(ps->scope, a->qname, a->colon, &found, &a->nslen);
            if (!found) {
                fail(ps, "Namespace prefix %s for %s on %s is not defined",
                     quote_name(q1, a->qname, a->colon),
                     quote_name(q2, a->qname + a->colon + 1, a->qlen - a->colon - 1), el->name);
                stanza_free(el);
                return NULL;
            }
            /* the same local name in the same namespace under two prefixes */
            if (attr_repeated(ps, i, true)) {
                fail(ps, "Namespaced Attribute %s redefined",
                     quote_name(q1, a->qname + a->colon + 1, a->qlen - a->colon - 1));
                stanza_free(el);
                return NULL;
            }
        }
        stanza_add_attr_n(el, a->colon ? a->qname + a->colon + 1 : a->qname,
                          a->colon ? a->qlen - a->colon - 1 : a->qlen, a->colon ? a->qname : NULL,
                          a->colon, a->ns, a->nslen, vals + a->voff, a->vlen);
    }
    seen_forget(ps);
    return el;
}

/* Character data up to the next '<' (or the end), decoded into ps->text. */
static bool
read_text(struct parser *ps)
{
    buf_reset(&ps->text);
    for (;;) {
        const unsigned char *run = ps->p, *p = ps->p, *end = ps->end;
        while (p < end && (bclass[*p] & B_PLAIN))
            p++;
        ps->p = p;
        buf_append(&ps->text, run, (size_t)(p - run));
        if (ps->p >= ps->end || *ps->p == '<')
            return true;
        unsigned char c = *ps->p;
        if (c == '\'' || c == '"') {
            buf_append_char(&ps->text, (char)c);
            ps->p++;
            continue;
        }
        if (c == '&') {
            if (!read_reference(ps, &ps->text))
                return false;
        } else if (c == ']') {
            if (ps->end - ps->p >= 3 && ps->p[1] == ']' && ps->p[2] == '>') {
                fail(ps, "Sequence ']]>' not allowed in content");
                return false;
            }
            buf_append_char(&ps->text, ']');
            ps->p++;
        } else if (c >= 0x80) {
            if (!copy_wide_char(ps, &ps->text))
                return false;
        } else if (c == '\r') {
            /* line ends (XML 1.0 §2.11): "\r\n" and a lone "\r" are "\n" */
            if (ps->p + 1 < ps->end && ps->p[1] == '\n')
                ps->p++;
            buf_append_char(&ps->text, '\n');
            ps->p++;
        } else if (c == '\n' || c == '\t') {
            buf_append_char(&ps->text, (char)c);
            ps->p++;
        } else {
            fail(ps, "PCDATA invalid Char value %u", c);
            return false;
        }
    }
}

/* Checks the characters of a CDATA section body and copies it to ps->text. */
static bool
read_cdata(struct parser *ps, const unsigned char *close)
{
    buf_reset(&ps->text);
    while (ps->p < close) {
        unsigned char c = *ps->p;
        if (c >= 0x80) {
            if (!copy_wide_char(ps, &ps->text))
                return false;
            continue;
        }
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            fail(ps, "CData section invalid Char value %u", c);
            return false;
        }
        /* line ends are left as they are here, as libxml2's push parser leaves them */
        buf_append_char(&ps->text, (char)c);
        ps->p++;
    }
    ps->p = close + 3;
    return true;
}

static const unsigned char *
find(const unsigned char *from, const unsigned char *end, const char *what)
{
    size_t n = strlen(what);
    if ((size_t)(end - from) < n)
        return NULL;
    return memmem(from, (size_t)(end - from), what, n);
}

/* Skips a comment at ps->p ("<!--"), checking what XML requires of it. */
static bool
skip_comment(struct parser *ps)
{
    const unsigned char *body = ps->p + 4;
    const unsigned char *dd = find(body, ps->end, "--");
    if (!dd) {
        fail(ps, "Comment not terminated");
        return false;
    }
    if (dd + 2 >= ps->end || dd[2] != '>') {
        fail(ps, "Double hyphen within comment");
        return false;
    }
    for (ps->p = body; ps->p < dd;) {
        if (*ps->p >= 0x80) {
            uint32_t cp;
            size_t n = utf8_seq(ps->p, dd, &cp);
            if (!n || !is_xml_char(cp)) {
                fail(ps, RESTRICTED "Input is not proper UTF-8, indicate encoding !");
                return false;
            }
            ps->p += n;
        } else if (*ps->p < 0x20 && !is_ws(*ps->p)) {
            fail(ps, "Comment invalid Char value %u", *ps->p);
            return false;
        } else {
            ps->p++;
        }
    }
    ps->p = dd + 3;
    return true;
}

/* Skips a processing instruction at ps->p ("<?"); "<?xml" is only allowed first. */
static bool
skip_pi(struct parser *ps)
{
    ps->p += 2;
    const char *target;
    size_t tlen;
    if (!read_name(ps, &target, &tlen, "xmlParsePI"))
        return false;
    if (tlen == 3 && strncasecmp(target, "xml", 3) == 0) {
        fail(ps, "XML declaration allowed only at the start of the document");
        return false;
    }
    const unsigned char *close = find(ps->p, ps->end, "?>");
    if (!close) {
        fail(ps, "PI never end ...");
        return false;
    }
    ps->p = close + 2;
    return true;
}

struct open_el {
    struct stanza *el;
    const char *qname;
    size_t qlen;
    size_t scope_mark;
};

/*
 * The content of the element on top of |stack| (already open) up to the end
 * tag that closes the first one; children are added as they close.
 */
static bool
read_content(struct parser *ps, struct open_el **stackp, size_t *ndepth, size_t *cap)
{
    char q1[NAME_IN_MSG + 4], q2[NAME_IN_MSG + 4];
    while (*ndepth) {
        struct open_el *top = &(*stackp)[*ndepth - 1];
        if (ps->p >= ps->end) {
            fail(ps, "Premature end of data in tag %s", quote_name(q1, top->qname, top->qlen));
            return false;
        }
        if (*ps->p != '<') {
            if (!read_text(ps))
                return false;
            if (ps->text.len)
                stanza_add_text(top->el, ps->text.data, ps->text.len);
            continue;
        }
        size_t left = (size_t)(ps->end - ps->p);
        if (left >= 2 && ps->p[1] == '/') {
            ps->p += 2;
            const char *name;
            size_t nlen;
            if (!read_name(ps, &name, &nlen, "EndTag"))
                return false;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '>') {
                fail(ps, "expected '>'");
                return false;
            }
            ps->p++;
            if (nlen != top->qlen || memcmp(name, top->qname, nlen) != 0) {
                fail(ps, "Opening and ending tag mismatch: %s and %s",
                     quote_name(q1, top->qname, top->qlen), quote_name(q2, name, nlen));
                return false;
            }
            xml_scope_pop_to(ps->scope, top->scope_mark);
            (*ndepth)--;
            if (*ndepth)
                stanza_add_child((*stackp)[*ndepth - 1].el, top->el);
            continue;
        }
        if (left >= 4 && memcmp(ps->p, "<!--", 4) == 0) {
            if (!skip_comment(ps))
                return false;
            continue;
        }
        if (left >= 9 && memcmp(ps->p, "<![CDATA[", 9) == 0) {
            ps->p += 9;
            const unsigned char *close = find(ps->p, ps->end, "]]>");
            if (!close) {
                fail(ps, "CData section not finished");
                return false;
            }
            if (!read_cdata(ps, close))
                return false;
            if (ps->text.len)
                stanza_add_text(top->el, ps->text.data, ps->text.len);
            continue;
        }
        if (left >= 2 && ps->p[1] == '?') {
            if (!skip_pi(ps))
                return false;
            continue;
        }
        if (left >= 2 && ps->p[1] == '!') {
            fail(ps, "StartTag: invalid element name");
            return false;
        }
        /* a child */
        if (*ndepth >= MAX_DEPTH) {
            fail(ps, "Excessive depth in document: %d", MAX_DEPTH);
            return false;
        }
        ps->p++;
        size_t mark = ps->scope->n;
        const char *qname;
        size_t qlen;
        bool empty;
        struct stanza *child = read_start_tag(ps, (*stackp)[0].el, &qname, &qlen, &empty);
        if (!child)
            return false;
        if (empty) {
            xml_scope_pop_to(ps->scope, mark);
            stanza_add_child(top->el, child);
            continue;
        }
        if (*ndepth == *cap) {
            /* the first 16 levels are the caller's array on the C stack */
            struct open_el *bigger = xreallocarray(NULL, *cap * 2, sizeof(**stackp));
            memcpy(bigger, *stackp, *cap * sizeof(**stackp));
            if (*cap > 16)
                free(*stackp);
            *stackp = bigger;
            *cap *= 2;
        }
        (*stackp)[(*ndepth)++] = (struct open_el){child, qname, qlen, mark};
    }
    return true;
}

static void
parser_init(struct parser *ps, const char *data, size_t len, struct xml_scope *scope, char *err,
            size_t errlen)
{
    memset(ps, 0, sizeof(*ps));
    ps->vals = scratch.vals;
    ps->text = scratch.text;
    ps->attrs = scratch.attrs;
    ps->acap = scratch.acap;
    buf_reset(&ps->vals);
    buf_reset(&ps->text);
    ps->p = (const unsigned char *)data;
    ps->end = ps->p + len;
    ps->scope = scope;
    ps->err = err;
    ps->errlen = errlen;
    if (err && errlen)
        err[0] = '\0';
}

/* Hands the scratch space back (grown, perhaps) for the next unit. */
static void
parser_done(struct parser *ps)
{
    scratch.vals = ps->vals;
    scratch.text = ps->text;
    scratch.attrs = ps->attrs;
    scratch.acap = ps->acap;
    seen_forget(ps);
}

struct stanza *
xmlparse_element(const char *data, size_t len, const struct xml_scope *scope, char *err,
                 size_t errlen)
{
    /* The element's own declarations are pushed and popped again: |scope| ends as it began. */
    struct xml_scope *s = (struct xml_scope *)scope;
    size_t mark = s->n;
    struct parser ps;
    parser_init(&ps, data, len, s, err, errlen);
    struct stanza *root = NULL;
    /* the element stack: on the C stack for the usual depths, on the heap past them */
    struct open_el small[16];
    size_t cap = sizeof(small) / sizeof(small[0]), depth = 0;
    struct open_el *stack = small;

    if (ps.p >= ps.end || *ps.p != '<') {
        fail(&ps, "Start tag expected, '<' not found");
        goto out;
    }
    ps.p++;
    const char *qname;
    size_t qlen;
    bool empty;
    root = read_start_tag(&ps, NULL, &qname, &qlen, &empty);
    if (!root)
        goto out;
    if (!empty) {
        stack[depth++] = (struct open_el){root, qname, qlen, mark};
        if (!read_content(&ps, &stack, &depth, &cap)) {
            /* the open elements not yet attached to their parents */
            for (size_t i = 1; i < depth; i++)
                stanza_free(stack[i].el);
            stanza_free(root);
            root = NULL;
            goto out;
        }
    }
    skip_ws(&ps); /* whitespace after the element is the stream's, not the element's */
    if (ps.p != ps.end) {
        fail(&ps, "Extra content at the end of the document");
        stanza_free(root);
        root = NULL;
    }
out:
    xml_scope_pop_to(s, mark);
    if (stack != small)
        free(stack);
    parser_done(&ps);
    if (ps.failed) {
        stanza_free(root);
        root = NULL;
    }
    return root;
}

/* Skips "<?xml ...?>" at the start of a header; checks that it names a version 1.x. */
static bool
skip_xml_decl(struct parser *ps)
{
    if (ps->end - ps->p < 6 || memcmp(ps->p, "<?xml", 5) != 0 || !is_ws(ps->p[5]))
        return true; /* none */
    const unsigned char *close = find(ps->p, ps->end, "?>");
    if (!close) {
        fail(ps, "parsing XML declaration: '?>' expected");
        return false;
    }
    const unsigned char *v = find(ps->p, close, "version");
    if (!v) {
        fail(ps, "Malformed declaration expecting version");
        return false;
    }
    v += 7;
    while (v < close && (is_ws(*v) || *v == '='))
        v++;
    if (v + 3 >= close || (*v != '"' && *v != '\'') || v[1] != '1' || v[2] != '.') {
        fail(ps, "Unsupported version");
        return false;
    }
    ps->p = close + 2;
    return true;
}

struct stanza *
xmlparse_header(const char *data, size_t len, struct xml_scope *scope, bool *closed, char *err,
                size_t errlen)
{
    struct parser ps;
    parser_init(&ps, data, len, scope, err, errlen);
    struct stanza *el = NULL;
    size_t mark = scope->n;
    *closed = false;
    if (!skip_xml_decl(&ps))
        goto out;
    skip_ws(&ps);
    if (ps.p >= ps.end || *ps.p != '<') {
        fail(&ps, "Start tag expected, '<' not found");
        goto out;
    }
    ps.p++;
    const char *qname;
    size_t qlen;
    el = read_start_tag(&ps, NULL, &qname, &qlen, closed);
    if (!el)
        goto out;
    skip_ws(&ps);
    if (ps.p != ps.end) {
        fail(&ps, "Extra content after the stream header");
        stanza_free(el);
        el = NULL;
    }
out:
    if (!el)
        xml_scope_pop_to(scope, mark);
    parser_done(&ps);
    return el;
}
