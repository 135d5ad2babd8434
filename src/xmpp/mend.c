/* mend: an element cut by a capture gap, made to parse again from what was seen whole. */
#include <config.h>
#include "mend.h"

#include <stdio.h>
#include <string.h>

#include "phase.h"

/* The namespaces a mended xmlns may take: those a login's top-level elements use. */
static const char *const login_namespaces[] = {
    NS_CLIENT,   NS_STREAM,        NS_STREAMS_ERR, NS_TLS,       NS_SASL,   NS_BIND,
    NS_STANZAS,  NS_SESSION,       NS_IQ_AUTH,     NS_IQ_REGISTER, NS_COMPRESS, NS_SM3,
    NS_SM2,      NS_SASL2,         NS_CSI,         NS_FRAMING,   "jabber:server",
};

/* The attributes whose name a hole may have cut: those the login reads on top-level elements. */
static const char *const login_attributes[] = {
    "mechanism", "type", "id", "to", "from", "version", "xml:lang", "xmlns", "resume", "previd", "h",
};

#define MENDED_MAX 96 /* " xmlns='" + the longest namespace above + "'" fits */
#define NONE ((size_t)-1)

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_name_byte(char c)
{
    return !is_ws(c) && c != '=' && c != '/' && c != '>' && c != '<' && c != '\'' && c != '"';
}

/*
 * The whole attribute that starts at s[i]: whitespace, a name (|*name| the
 * offset of its first byte), '=', a value in quotes (without '<', which no
 * value holds). Returns where it ends, or 0 when there is none.
 */
static size_t
attr_at(const char *s, size_t n, size_t i, size_t *name)
{
    size_t j = i;
    if (j >= n || !is_ws(s[j]))
        return 0;
    while (j < n && is_ws(s[j]))
        j++;
    *name = j;
    while (j < n && is_name_byte(s[j]))
        j++;
    if (j == *name)
        return 0;
    while (j < n && is_ws(s[j]))
        j++;
    if (j >= n || s[j] != '=')
        return 0;
    for (j++; j < n && is_ws(s[j]); j++)
        ;
    if (j >= n || (s[j] != '\'' && s[j] != '"'))
        return 0;
    const char *close = memchr(s + j + 1, s[j], n - j - 1);
    if (!close || memchr(s + j + 1, '<', (size_t)(close - (s + j + 1))))
        return 0;
    return (size_t)(close - s) + 1;
}

/* Length of the longest prefix of |s| made of whole attributes. */
static size_t
whole_attrs(const char *s, size_t n)
{
    size_t good = 0, end, name;
    while ((end = attr_at(s, n, good, &name)) != 0)
        good = end;
    return good;
}

/* Length of the attribute name at |s| (of at most |n| bytes). */
static size_t
name_len(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && is_name_byte(s[k]))
        k++;
    return k;
}

/* True when the attributes |attrs| (|n| bytes) have one named |name| (|len| bytes). */
static bool
has_attr(const char *attrs, size_t n, const char *name, size_t len)
{
    size_t at = 0, end, other;
    for (; (end = attr_at(attrs, n, at, &other)) != 0; at = end)
        if (name_len(attrs + other, n - other) == len && memcmp(attrs + other, name, len) == 0)
            return true;
    return false;
}

/*
 * Appends to |out| the whole attributes of |s| (|n| bytes) but namespace
 * declarations and those it has from |from| on already. After a hole they
 * may be those of an element whose '<' the hole took (a child's, when the
 * hole took this tag's '>' too), and a namespace decides what an element is:
 * its own is taken only by mend_namespace().
 */
static void
append_attrs(struct buf *out, size_t from, const char *s, size_t n)
{
    size_t at = 0, end, name;
    for (; (end = attr_at(s, n, at, &name)) != 0; at = end) {
        size_t len = name_len(s + name, n - name);
        bool decl = len >= 5 && memcmp(s + name, "xmlns", 5) == 0 && (len == 5 || s[name + 5] == ':');
        if (!decl && !has_attr(out->data + from, out->len - from, s + name, len))
            buf_append(out, s + at, end - at);
    }
}

/*
 * The default namespace declaration the hole went through: |cut| is what
 * came of it before the hole (from the whitespace before it), |after| what
 * followed the hole. Writes the declaration to |decl| and returns how many
 * bytes of |after| it takes, or NONE when not exactly one namespace
 * and quote fit the bytes on both sides and the hole's length.
 */
static size_t
mend_namespace(const char *cut, size_t clen, const char *after, size_t alen, size_t hole,
               char decl[static MENDED_MAX])
{
    size_t used = NONE, found = 0;
    for (size_t i = 0; hole && i < sizeof login_namespaces / sizeof login_namespaces[0]; i++) {
        for (const char *q = "'\""; *q; q++) {
            char cand[MENDED_MAX];
            size_t len = (size_t)snprintf(cand, sizeof cand, " xmlns=%c%s%c", *q, login_namespaces[i], *q);
            if (len >= sizeof cand || clen > len || memcmp(cand, cut, clen) != 0 || clen + hole > len)
                continue;
            size_t tail = len - clen - hole; /* the declaration's last bytes, after the hole */
            if (tail > alen || memcmp(after, cand + len - tail, tail) != 0)
                continue;
            if (tail < alen && !is_ws(after[tail]) && after[tail] != '/')
                continue; /* the declaration must end where an attribute can */
            if (found++ == 0) {
                memcpy(decl, cand, len + 1);
                used = tail;
            }
        }
    }
    return found == 1 ? used : NONE;
}

/*
 * An attribute whose name (or the '=' and quote after it) the hole cut, its
 * value whole after the hole: one of login_attributes, when exactly one name
 * and quote fit the bytes before the hole, the hole's length and the bytes
 * after it. Appends the attribute to |out| and returns how many bytes of
 * |after| it takes, or NONE.
 */
static size_t
mend_name(const char *cut, size_t clen, const char *after, size_t alen, size_t hole, struct buf *out)
{
    size_t used = NONE, found = 0, start = out->len;
    for (size_t i = 0; hole && i < sizeof login_attributes / sizeof login_attributes[0]; i++) {
        for (const char *q = "'\""; *q; q++) {
            char head[32]; /* " name='" */
            size_t len = (size_t)snprintf(head, sizeof head, " %s=%c", login_attributes[i], *q);
            if (clen + hole > len || memcmp(head, cut, clen) != 0)
                continue;
            size_t rest = len - clen - hole; /* the head's last bytes, after the hole */
            if (rest == 0 || rest > alen || memcmp(after, head + len - rest, rest) != 0)
                continue; /* (with its opening quote after the hole, the value is whole) */
            const char *close = memchr(after + rest, *q, alen - rest);
            if (!close || memchr(after + rest, '<', (size_t)(close - after) - rest))
                continue;
            size_t end = (size_t)(close - after) + 1;
            if (end < alen && !is_ws(after[end]) && after[end] != '/')
                continue;
            if (found++ == 0) {
                used = end;
                buf_append(out, head, len);
                buf_append(out, after + rest, end - rest);
            }
        }
    }
    if (found > 1) { /* more than one fits: none is sure */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return NONE;
    }
    return used;
}

/*
 * Where the whole attributes that end |after| (|n| bytes, no '/' at its end)
 * begin: the first whitespace after the hole, or, when the hole ended inside
 * a quoted value, the first whitespace after that value's closing quote.
 * Returns n when none do. Linear: three tries at most.
 */
static size_t
realign(const char *after, size_t n)
{
    size_t best = n;
    for (int k = 0; k < 3; k++) {
        size_t i = 0;
        if (k > 0) { /* inside a value quoted with ' (k 1) or " (k 2) */
            const char *q = memchr(after, k == 1 ? '\'' : '"', n);
            if (!q)
                continue;
            i = (size_t)(q - after) + 1;
        }
        while (i < n && !is_ws(after[i]))
            i++;
        if (i < best && whole_attrs(after + i, n - i) == n - i)
            best = i;
    }
    return best;
}

bool
mend_start_tag(const char *before, size_t blen, const char *after, size_t alen, size_t hole,
               bool empty, struct buf *out)
{
    size_t name_end = 1;
    while (name_end < blen && is_name_byte(before[name_end]))
        name_end++;
    buf_append(out, before, name_end);
    size_t kept = whole_attrs(before + name_end, blen - name_end);
    buf_append(out, before + name_end, kept);

    while (alen && is_ws(after[alen - 1]))
        alen--;
    if (alen && after[alen - 1] == '/') {
        empty = true;
        alen--;
    }
    char decl[MENDED_MAX];
    const char *cut = before + name_end + kept;
    size_t clen = blen - name_end - kept;
    size_t from = mend_namespace(cut, clen, after, alen, hole, decl);
    if (from != NONE)
        buf_append_str(out, decl);
    else if ((from = mend_name(cut, clen, after, alen, hole, out)) == NONE)
        from = 0;
    size_t start = from + realign(after + from, alen - from);
    append_attrs(out, name_end, after + start, alen - start);
    buf_append_str(out, empty ? "/>" : ">");
    return empty;
}

void
mend_close(const char *bytes, size_t len, const size_t *open_at, unsigned depth, struct buf *out)
{
    buf_append(out, bytes, len);
    for (unsigned d = depth; d >= 1; d--) {
        size_t from = open_at[d] + 1, to = from;
        while (to < len && is_name_byte(bytes[to]))
            to++;
        if (from > len)
            from = to = len;
        buf_append(out, "</", 2);
        buf_append(out, bytes + from, to - from);
        buf_append_char(out, '>');
    }
}
