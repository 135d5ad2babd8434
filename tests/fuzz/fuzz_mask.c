/*
 * fuzz_mask: the masking step (src/util/secret_mask.c) against its promise.
 *
 * Input: byte 0 picks a wrapper, byte 1 a secret, bytes 2 and 3 the bytes
 * just before and after the wrapper, bytes 4-5 a position; the rest is the
 * context, any bytes. The text is context[0, pos) + before + wrapper(secret)
 * + after + context[pos, end). Properties, any failure aborts:
 *
 *  1. Coverage: every byte of the inserted secret lies in a span the mask
 *     hides, so masked text shows none of it (not even a prefix), and, when
 *     the text holds the secret only where it was put (not also in the
 *     context, nor "x" in "xmlns"), the masked text does not contain it.
 *  2. Precision: the wrapper alone, with the bytes around it, has one span,
 *     its value (the secret, and "Basic " of a header): the markup, the key,
 *     the header name and what follows stay readable. In the context, a span
 *     that starts with the value ends with it or not before the wrapper's
 *     close markup ends (the context may make a rule hide more: "<auth> " +
 *     a bare payload is a summary whose data is hidden from its first bare
 *     word to its end; a "</auth>" after "&lt;/auth&gt;" hides that as data).
 *  3. Idempotence: mask(mask(x)) == mask(x), for the text and for the raw
 *     input as text, unless a span hid markup ('<', '>', "&lt;", "&gt;") or
 *     a byte that structures a summary ('=', quotes, brackets): that may
 *     have been where an open element's data ended, a tag did, or a
 *     key=value pair, and the second time the text around the <hidden> reads
 *     otherwise (fuzz_mask found "</&lt;auth> secret=\"a&lt;b\"& ", whose
 *     "& " is hidden the second time, and a payload whose '=' closed a
 *     quoted value). A second pass can only hide more, never show what the
 *     first hid.
 *  4. Spans are well formed: in order, apart, not empty, inside the text;
 *     the masked text is the text with each span replaced by <hidden>, and
 *     nothing outside the spans changes.
 *  5. The shortcut agrees: secret_mask_clean (word-at-a-time look, clean
 *     cache) says clean exactly when there is no span, asked twice.
 *
 * The wrappers are the places the mask promises to look at (secret_mask.h):
 * <auth>, <response>, <password>, <digest>, <token> (plain, with attributes,
 * with a namespace prefix, escaped as &lt;…&gt;), a data-form field whose var
 * names a password, key=value (bare, '…', "…") for the secret keys, the
 * Authorization-style headers up to the line end, a bare SASL PLAIN payload,
 * whole or cut short.
 *
 * Out of scope, on purpose (the wrapper is then not the token it claims to be;
 * the bytes around it are adjusted, not the property):
 *  - a bare PLAIN payload glued on its left to base64 characters (A-Z a-z
 *    0-9 + / =): it is part of another run, decoded from that run's start,
 *    which is no PLAIN payload. (Glued on its right, it is hidden with what
 *    is glued to it; the bytes around are made spaces all the same, for the
 *    precision check.) A payload cut short is checked (W_BARE_CUT) as long
 *    as a byte of the password is left; one cut at its start is not: with
 *    no NUL left, nothing tells it from any other base64;
 *  - a key or header name that does not start a token: the byte before it
 *    must be a space or a value delimiter (< > & , ; ) ] } " '). After a
 *    name character it is another name ("mypassword=", "XCookie:"); after
 *    anything else a value before it may run over it ("auth=x@Cookie: s"
 *    hides "x@Cookie:" as auth's value, and s is then no header's value);
 *  - an unquoted value that holds a delimiter (space, < > & , ; ) ] } " '):
 *    the value ends there, by definition; a quoted value holding its quote;
 *  - element data that starts with a space: it is a summary this tool writes
 *    (" authcid=\"alice\" password=<hidden>", see content_span), whose
 *    key=value pairs are left to the key rule; only secrets without a leading
 *    space are inserted;
 *  - a header value that does not end at a line end (it runs to the line end);
 *  - a context that leaves a secret key's quoted value open before the
 *    wrapper ("auth='x" and no closing quote): the value runs to the first
 *    quote of the wrapper's own markup ("<field var='") and is hidden, and
 *    what follows that quote no longer reads as the markup it was. This is
 *    malformed text (in XML a value holds no '<'); masking more there would
 *    cut every quoted value at a '<'. Such inputs are not checked (a span
 *    from the context that ends on a quote inside the wrapper's start);
 *  - a secret written with "&lt;" (a password with '<' in raw XML) inside the
 *    data of an escaped element the context left open (&lt;token&gt;…): that
 *    data ends at the secret's "&lt;", as it must, since escaped markup
 *    writes a '<' of its data as "&amp;lt;". Such text mixes two levels of
 *    escaping; it is not checked (a span from the context that ends on an
 *    "&lt;" of the secret).
 */
#include <config.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "secret_mask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum wrap_kind {
    W_TAG,        /* element data, raw markup */
    W_TAG_ESC,    /* element data, markup escaped once (&lt;…&gt;) */
    W_KEY,        /* key=value, unquoted */
    W_KEY_QUOTED, /* key='value' or key="value" */
    W_HEADER,     /* Name: value, to the line end */
    W_BARE,       /* a bare PLAIN payload */
    W_BARE_CUT,   /* its first characters only (1 to 12 cut off), as a clipped excerpt shows it */
};

struct wrapper {
    enum wrap_kind kind;
    const char *open, *close;
    size_t value_lead; /* the last |value_lead| bytes of |open| are hidden with the secret */
};

static const struct wrapper wrappers[] = {
    {W_TAG, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>", "</auth>", 0},
    {W_TAG, "<auth>", "</auth>", 0},
    {W_TAG, "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>", "</response>", 0},
    {W_TAG, "<sasl:auth xmlns:sasl='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>",
     "</sasl:auth>", 0},
    {W_TAG, "<password>", "</password>", 0},
    {W_TAG, "<password xmlns='jabber:iq:auth'>", "</password>", 0},
    {W_TAG, "<digest>", "</digest>", 0},
    {W_TAG, "<token xmlns='urn:xmpp:fast:0'>", "</token>", 0},
    {W_TAG, "<field var='password'><value>", "</value></field>", 0},
    {W_TAG, "<x xmlns='jabber:x:data' type='submit'><field type='text-private' var='new_password'>"
            "<value>", "</value></field></x>", 0},
    {W_TAG_ESC, "&lt;auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'&gt;",
     "&lt;/auth&gt;", 0},
    {W_TAG_ESC, "&lt;password&gt;", "&lt;/password&gt;", 0},
    {W_TAG_ESC, "&lt;field var=&apos;password&apos;&gt;&lt;value&gt;", "&lt;/value&gt;", 0},
    {W_KEY, "password=", "", 0},
    {W_KEY, "auth=", "", 0},
    {W_KEY, "pass=", "", 0},
    {W_KEY, "x-auth-token=", "", 0},
    {W_KEY, "new_password=", "", 0},
    {W_KEY_QUOTED, "password='", "'", 0},
    {W_KEY_QUOTED, "secret=\"", "\"", 0},
    {W_KEY_QUOTED, "<query xmlns='jabber:iq:register' password='", "'/>", 0},
    {W_HEADER, "Authorization: Basic ", "", 6},
    {W_HEADER, "Proxy-Authorization: Bearer ", "", 7},
    {W_HEADER, "Cookie: ", "", 0},
    {W_HEADER, "X-Auth-Token:\t", "", 0},
    {W_BARE, "", "", 0},
    {W_BARE_CUT, "", "", 0},
    {W_BARE_CUT, "", "...", 0}, /* the report's clipping mark */
};

#define PLAIN 1u /* base64 of a SASL PLAIN payload */

struct secret {
    const char *text;
    unsigned flags;
};

static const struct secret secrets[] = {
    {"AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE=", PLAIN},  /* \0alice\0Wonderland-Secret-1 */
    {"AGJvYgBCdWlsZGVyLVNlY3JldC0y", PLAIN},          /* \0bob\0Builder-Secret-2 */
    {"AGFsaWNlAE5vdC1BbGljZXMtUGFzc3dvcmQtOQ==", PLAIN}, /* two '=' */
    {"AHpvZQA+Pz4/fn5+Pz4+", PLAIN},                  /* '+' and '/' in it */
    {"YWxpY2VAeG1wcGZsb3cudGVzdABhbGljZQBXb25kZXJsYW5kLVNlY3JldC0x", PLAIN}, /* with authzid */
    {"AGFsAHB3", PLAIN},                              /* the shortest: \0al\0pw */
    {"Wonderland-Secret-1", 0},
    {"Builder-Secret-2", 0},
    {"x", 0},
    {"correct horse battery staple", 0},
    {"Pa&amp;ss&lt;w0rd&gt;1", 0}, /* as XML writes a password with & < > in it */
    {"p@ss/w0rd:%21~", 0},
};

#define NWRAPPERS (sizeof wrappers / sizeof wrappers[0])
#define NSECRETS (sizeof secrets / sizeof secrets[0])

/* The masked text (it may hold NUL bytes: its length in *|mlen|). */
static char *
mask(const char *s, size_t len, size_t *mlen)
{
    struct buf b = {0};
    secret_mask_append(&b, s, len);
    if (!b.data)
        buf_append(&b, "", 0);
    *mlen = b.len;
    return b.data;
}

/* |s| on standard error, bytes other than printable ASCII as \xNN. */
static void
show(const char *label, const char *s, size_t len)
{
    fprintf(stderr, "  %s [", label);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fputs("]\n", stderr);
}

static void
show_span(void *arg, size_t start, size_t end)
{
    show("span:  ", (const char *)arg + start, end - start);
}

static void
fail(const char *what, const char *text, size_t len)
{
    fprintf(stderr, "fuzz_mask: %s\n", what);
    show("text:  ", text, len);
    secret_mask_spans(text, len, show_span, (void *)text);
    size_t mlen;
    char *masked = mask(text, len, &mlen);
    show("masked:", masked, mlen);
    secret_mask_spans(masked, mlen, show_span, masked);
    size_t again_len;
    char *again = mask(masked, mlen, &again_len);
    show("again: ", again, again_len);
    free(again);
    free(masked);
    abort();
}

static bool
has(const char *s, const char *chars)
{
    return strpbrk(s, chars) != NULL;
}

/* The secret fits the wrapper (see "Out of scope" above). */
static bool
fits(const struct wrapper *w, const struct secret *sec)
{
    const char *t = sec->text;
    switch (w->kind) {
    case W_BARE:
        return sec->flags & PLAIN;
    case W_BARE_CUT:
        return sec->flags & PLAIN && strlen(t) >= 16; /* a byte of the password is left */
    case W_KEY:
        return !has(t, " \t\r\n<>&,;)]}\"'");
    case W_KEY_QUOTED:
        return !has(t, w->close);
    case W_HEADER:
        return !has(t, "\r\n");
    case W_TAG:
        return !has(t, "<") && t[0] != ' ';
    case W_TAG_ESC:
        return !has(t, "<") && !strstr(t, "&lt;") && t[0] != ' ';
    }
    return false;
}

static bool
is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '=';
}

/* A byte that ends an unquoted value (secret_mask.c, value_span). */
static bool
delimiter(unsigned char c)
{
    return c && memchr(" \t\r\n<>&,;)]}\"'", c, 15) != NULL;
}

/* The bytes put around the wrapper, adjusted so the wrapper stays the token it claims to be. */
static void
boundaries(const struct wrapper *w, uint8_t *before, uint8_t *after)
{
    switch (w->kind) {
    case W_BARE:
    case W_BARE_CUT:
        if (is_b64(*before))
            *before = ' ';
        if (is_b64(*after))
            *after = ' ';
        break;
    case W_KEY:
        if (!delimiter(*before))
            *before = ' ';
        if (!delimiter(*after))
            *after = ';';
        break;
    case W_KEY_QUOTED:
        if (!delimiter(*before))
            *before = ' ';
        break;
    case W_HEADER:
        if (!delimiter(*before))
            *before = '\n';
        if (*after != '\r')
            *after = '\n';
        break;
    case W_TAG:
    case W_TAG_ESC:
        break;
    }
}

static size_t
occurrences(const char *s, size_t len, const char *needle, size_t n)
{
    size_t count = 0;
    for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), needle, n)) != NULL; p++)
        count++;
    return count;
}

struct spans {
    size_t n, cap;
    size_t (*at)[2];
};

static void
add_span(void *arg, size_t start, size_t end)
{
    struct spans *sp = arg;
    if (sp->n == sp->cap) {
        sp->cap = sp->cap ? 2 * sp->cap : 16;
        sp->at = realloc(sp->at, sp->cap * sizeof *sp->at);
        if (!sp->at)
            abort();
    }
    sp->at[sp->n][0] = start;
    sp->at[sp->n][1] = end;
    sp->n++;
}

/* A span of |sp| hides markup of |text|, or a byte that structures a summary (property 3). */
static bool
hid_markup(const char *text, const struct spans *sp)
{
    for (size_t i = 0; i < sp->n; i++) {
        size_t a = sp->at[i][0], n = sp->at[i][1] - a;
        for (const char *c = "<>=\"'()[]"; *c; c++)
            if (memchr(text + a, *c, n))
                return true;
        if (memmem(text + a, n, "&lt;", 4) || memmem(text + a, n, "&gt;", 4))
            return true;
    }
    return false;
}

/* Properties 3 and 4 on any text: its spans in *|sp|; returns the masked text. */
static char *
check_mask(const char *text, size_t len, struct spans *sp, size_t *mlen)
{
    sp->n = 0;
    secret_mask_spans(text, len, add_span, sp);
    struct buf want = {0};
    size_t at = 0;
    for (size_t i = 0; i < sp->n; i++) {
        size_t a = sp->at[i][0], b = sp->at[i][1];
        if ((i && a <= at) || b <= a || b > len)
            fail("a span out of order, touching the one before, empty or past the end", text, len);
        buf_append(&want, text + at, a - at);
        buf_append_str(&want, SECRET_MASK_HIDDEN);
        at = b;
    }
    buf_append(&want, text + at, len - at);
    /* twice: the second answer may come from the clean cache */
    for (int pass = 0; pass < 2; pass++)
        if (secret_mask_clean(text, len) != (sp->n == 0))
            fail("secret_mask_clean disagrees with the spans", text, len);
    char *got = mask(text, len, mlen);
    if (*mlen != want.len || memcmp(got, want.data, want.len) != 0)
        fail("the masked text is not the text with its spans hidden", text, len);
    size_t again_len;
    char *again = mask(got, *mlen, &again_len);
    if ((again_len != *mlen || memcmp(again, got, again_len) != 0) && !hid_markup(text, sp))
        fail("masking is not idempotent", text, len);
    free(again);
    buf_clear(&want);
    return got;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct spans sp;
    size_t mlen;
    free(check_mask((const char *)data, size, &sp, &mlen));
    if (size < 6)
        return 0;
    const struct wrapper *w = &wrappers[data[0] % NWRAPPERS];
    size_t k = data[1] % NSECRETS;
    while (!fits(w, &secrets[k]))
        k = (k + 1) % NSECRETS;
    char secret[128];
    snprintf(secret, sizeof secret, "%s", secrets[k].text);
    if (w->kind == W_BARE_CUT)
        secret[strlen(secret) - 1 - (size_t)(data[1] / NSECRETS) % 12] = '\0';
    uint8_t before = data[2], after = data[3];
    boundaries(w, &before, &after);
    const char *ctx = (const char *)data + 6;
    size_t nctx = size - 6;
    size_t pos = ((size_t)data[4] | (size_t)data[5] << 8) % (nctx + 1);

    struct buf t = {0};
    buf_append(&t, &before, 1);
    buf_append_str(&t, w->open);
    size_t value_start = t.len - w->value_lead;
    size_t secret_start = t.len;
    buf_append_str(&t, secret);
    size_t secret_end = t.len;
    buf_append_str(&t, w->close);
    size_t wrapper_end = t.len; /* its close markup's end */
    buf_append(&t, &after, 1);
    /* 2. precision, the wrapper alone */
    free(check_mask(t.data, t.len, &sp, &mlen));
    if (sp.n != 1 || sp.at[0][0] != value_start || sp.at[0][1] != secret_end)
        fail("the wrapper alone is not masked as its value exactly", t.data, t.len);
    /* the wrapper at |pos| in the context */
    buf_reset(&t);
    buf_append(&t, ctx, pos);
    buf_append(&t, &before, 1);
    buf_append_str(&t, w->open);
    buf_append_str(&t, secret);
    buf_append_str(&t, w->close);
    buf_append(&t, &after, 1);
    buf_append(&t, ctx + pos, nctx - pos);
    value_start += pos;
    secret_start += pos;
    secret_end += pos;
    wrapper_end += pos;

    char *masked = check_mask(t.data, t.len, &sp, &mlen);
    size_t covered = secret_start;
    for (size_t i = 0; i < sp.n; i++) {
        size_t a = sp.at[i][0], b = sp.at[i][1];
        if (a <= pos && b > pos && b < secret_start && (t.data[b] == '\'' || t.data[b] == '"'))
            goto out; /* a quoted value left open by the context (out of scope) */
        if (a <= pos && b > secret_start && b < secret_end && b + 4 <= t.len &&
            memcmp(t.data + b, "&lt;", 4) == 0)
            goto out; /* an escaped element's data ends at the secret's &lt; (out of scope) */
        /* 1. coverage: the spans over the secret leave no byte of it out */
        if (a <= covered && b > covered)
            covered = b;
        /* 2. precision, in the context */
        if (a == value_start && b != secret_end && b < wrapper_end)
            fail("a span from the wrapper's value ends inside the wrapper", t.data, t.len);
    }
    if (covered < secret_end)
        fail("a byte of the secret is not hidden", t.data, t.len);
    /* the same, literally, when the text holds the secret only where it was put */
    size_t slen = strlen(secret);
    if (occurrences(t.data, t.len, secret, slen) == 1 && memmem(masked, mlen, secret, slen))
        fail("the secret is in the masked text", t.data, t.len);
out:
    free(masked);
    buf_clear(&t);
    return 0;
}
