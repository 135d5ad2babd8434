/* secret_mask: hides secrets in any text, whatever produced it (see the header). */
#include <config.h>
#include "secret_mask.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64_alphabet.h"
#include "hash_bytes.h"
#include "xalloc.h"

#define HIDDEN_LEN (sizeof(SECRET_MASK_HIDDEN) - 1)

bool secret_mask_on = true;

void
secret_mask_set_enabled(bool on)
{
    secret_mask_on = on;
}

/* Elements whose character data is a secret (SASL payloads, XEP-0078/0077 passwords, tokens). */
static const char *const secret_elements[] = {"auth", "response", "password", "digest", "token"};
/* Keys of key=value pairs and attributes whose value is a secret. */
static const char *const secret_keys[] = {"auth",   "response", "password", "passwd", "pass",
                                          "pwd",    "digest",   "token",    "secret"};

enum {
    C_B64 = 1,   /* base64 alphabet, without '=' */
    C_IDENT = 2, /* key names: letters, digits, '_', '-' */
    C_SPACE = 4,
    C_TRIGGER = 8, /* may start a rule: '<' '&' '=' ':' */
    C_A_TO_D = 16, /* in every base64 text of a NUL byte */
    C_STOP = C_TRIGGER | C_A_TO_D,
};

static const uint8_t cls[256] = {
    ['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\r'] = C_SPACE, [' '] = C_SPACE,
    ['+'] = C_B64, ['/'] = C_B64, ['-'] = C_IDENT, ['_'] = C_IDENT,
    ['<'] = C_TRIGGER, ['&'] = C_TRIGGER, ['='] = C_TRIGGER, [':'] = C_TRIGGER,
#define D(c) [c] = C_B64 | C_IDENT
    D('0'), D('1'), D('2'), D('3'), D('4'), D('5'), D('6'), D('7'), D('8'), D('9'),
    ['A'] = C_B64 | C_IDENT | C_A_TO_D, ['B'] = C_B64 | C_IDENT | C_A_TO_D,
    ['C'] = C_B64 | C_IDENT | C_A_TO_D, ['D'] = C_B64 | C_IDENT | C_A_TO_D,
    D('E'), D('F'), D('G'), D('H'), D('I'), D('J'), D('K'),
    D('L'), D('M'), D('N'), D('O'), D('P'), D('Q'), D('R'), D('S'), D('T'), D('U'), D('V'),
    D('W'), D('X'), D('Y'), D('Z'),
    D('a'), D('b'), D('c'), D('d'), D('e'), D('f'), D('g'), D('h'), D('i'), D('j'), D('k'),
    D('l'), D('m'), D('n'), D('o'), D('p'), D('q'), D('r'), D('s'), D('t'), D('u'), D('v'),
    D('w'), D('x'), D('y'), D('z'),
#undef D
};

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* |s|[0..n) equals the lower-case |word| ignoring case. */
static bool
word_is(const char *s, size_t n, const char *word)
{
    size_t wn = strlen(word);
    if (n != wn)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != word[i])
            return false;
    return true;
}

/*
 * A cheap first look before in_list: every secret element and key is 3 to 8
 * letters long and starts with one of a, d, p, r, s, t.
 */
static bool
maybe_secret_word(const char *s, size_t n)
{
    if (n < 3 || n > 8)
        return false;
    switch (lower((unsigned char)s[0])) {
    case 'a': case 'd': case 'p': case 'r': case 's': case 't':
        return true;
    default:
        return false;
    }
}

static bool
in_list(const char *s, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (word_is(s, n, list[i]))
            return true;
    return false;
}

/* |needle| (lower case) occurs in |s|[0..n) ignoring case. */
static bool
contains_ci(const char *s, size_t n, const char *needle)
{
    size_t nn = strlen(needle);
    for (size_t i = 0; i + nn <= n; i++) {
        size_t k = 0;
        while (k < nn && lower((unsigned char)s[i + k]) == needle[k])
            k++;
        if (k == nn)
            return true;
    }
    return false;
}

static bool
starts_with(const char *s, size_t len, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i + n <= len && memcmp(s + i, lit, n) == 0;
}

/* Markup may be raw or escaped once (an XML excerpt quoted inside XML or a log). */
static size_t
lt_at(const char *s, size_t len, size_t i)
{
    if (s[i] == '<')
        return 1;
    return starts_with(s, len, i, "&lt;") ? 4 : 0;
}

/* The first '<' or "&lt;" at or after |i|, or |len|. */
static size_t
next_lt(const char *s, size_t len, size_t i)
{
    for (; i < len; i++)
        if (lt_at(s, len, i))
            return i;
    return len;
}

/*
 * Where the data after a tag's end at |i| ends: at the next '<' or, when the
 * tag was escaped (|lt| 4, "&lt;"), the next "&lt;" too. Raw markup's data
 * holds its own '<' as "&lt;": a password with a '<' in it is one datum. A
 * <hidden> is data too (what it stands for was), so masking does not move
 * where an element's data ends, and masked text masks to itself.
 */
static size_t
data_end(const char *s, size_t len, size_t i, size_t lt)
{
    for (;;) {
        size_t e;
        if (lt == 4) {
            e = next_lt(s, len, i);
        } else {
            const char *p = memchr(s + i, '<', len - i);
            e = p ? (size_t)(p - s) : len;
        }
        if (e >= len || !starts_with(s, len, e, SECRET_MASK_HIDDEN))
            return e;
        i = e + HIDDEN_LEN;
    }
}

/* Where the data before an end tag at |i| starts (not before |from|); see data_end. */
static size_t
data_start(const char *s, size_t from, size_t i, size_t lt)
{
    size_t a = i;
    while (a > from && s[a - 1] != '>' &&
           !(lt == 4 && a >= from + 4 && memcmp(s + a - 4, "&gt;", 4) == 0))
        a--;
    return a;
}

/* Just past the '>' or "&gt;" ending the tag that starts before |i|, or 0 when cut. */
static size_t
tag_end(const char *s, size_t len, size_t i, bool *empty)
{
    for (; i < len; i++) {
        size_t n = s[i] == '>' ? 1 : starts_with(s, len, i, "&gt;") ? 4 : 0;
        if (n) {
            *empty = i > 0 && s[i - 1] == '/';
            return i + n;
        }
        if (lt_at(s, len, i))
            return 0; /* a new tag: this one was cut */
    }
    return 0;
}

/* Length of the element name at |i| with its namespace prefix skipped: *name set. */
static size_t
element_name(const char *s, size_t len, size_t i, size_t *name)
{
    size_t j = i;
    while (j < len && (cls[(unsigned char)s[j]] & C_IDENT || s[j] == '.'))
        j++;
    if (j < len && s[j] == ':') {
        i = j + 1;
        j = i;
        while (j < len && (cls[(unsigned char)s[j]] & C_IDENT || s[j] == '.'))
            j++;
    }
    *name = i;
    return j - i;
}

/* The name ends the tag's name: what follows is a space, '>', '/', '&' or the end. */
static bool
name_ends(const char *s, size_t len, size_t j)
{
    return j >= len || cls[(unsigned char)s[j]] & C_SPACE || s[j] == '>' || s[j] == '/' ||
           s[j] == '&';
}

/*
 * The span to hide in the character data [a, b) of a secret element. Data that
 * starts with a space is a summary this tool wrote (" authcid=\"alice\"
 * password=<hidden>", " [redacted base64 34 bytes]"): its key=value pairs are
 * left to the key rule, its [notes] and (notes) and what is <hidden> already
 * (a word that holds it, or a key) kept; from the first bare word on, it is
 * hidden. Anything else is hidden whole.
 */
static bool
content_span(const char *s, size_t a, size_t b, size_t *start, size_t *end)
{
    if (a >= b)
        return false;
    if (s[a] != ' ') {
        *start = a;
        *end = b;
        return true;
    }
    size_t i = a;
    while (i < b) {
        if (cls[(unsigned char)s[i]] & C_SPACE) {
            i++;
            continue;
        }
        char close = s[i] == '[' ? ']' : s[i] == '(' ? ')' : 0;
        if (close) {
            const char *e = memchr(s + i, close, b - i);
            if (!e)
                break;
            i = (size_t)(e - s) + 1;
            continue;
        }
        size_t k = i;
        if (b - i >= HIDDEN_LEN && memcmp(s + i, SECRET_MASK_HIDDEN, HIDDEN_LEN) == 0) {
            /*
             * Hidden already, so masked text masks to itself: a key if '='
             * follows, else kept with the rest of its word (what a payload
             * or key took from a key=value pair: "<hidden>r.org")
             */
            k = i + HIDDEN_LEN;
            if (k >= b || s[k] != '=') {
                while (k < b && !(cls[(unsigned char)s[k]] & C_SPACE))
                    k++;
                i = k;
                continue;
            }
        }
        while (k < b && cls[(unsigned char)s[k]] & C_IDENT)
            k++;
        if (b - k >= HIDDEN_LEN && memcmp(s + k, SECRET_MASK_HIDDEN, HIDDEN_LEN) == 0) {
            /* glued to what is hidden ("-<hidden>0.01"): kept, as when it was masked */
            while (k < b && !(cls[(unsigned char)s[k]] & C_SPACE))
                k++;
            i = k;
            continue;
        }
        if (k - i == 12 && memcmp(s + i, "client-final", 12) == 0 && (k == b || s[k] == ' ')) {
            i = k; /* the label of a SCRAM client-final summary */
            continue;
        }
        if (k > i && b - k == 3 && memcmp(s + k, "...", 3) == 0)
            return false; /* a key cut off by the report's clipping: "qop=auth r..." */
        if (k == i || k >= b || s[k] != '=')
            break; /* a bare word */
        k++;
        if (k < b && (s[k] == '"' || s[k] == '\'')) {
            const char *e = memchr(s + k + 1, s[k], b - k - 1);
            k = e ? (size_t)(e - s) + 1 : b;
        } else {
            while (k < b && !(cls[(unsigned char)s[k]] & C_SPACE))
                k++;
        }
        i = k;
    }
    if (i >= b)
        return false;
    *start = i;
    *end = b;
    return true;
}

/* A data-form field whose var names a password: its first <value>'s data is the secret. */
static bool
field_value_span(const char *s, size_t len, size_t body, size_t *start, size_t *end)
{
    for (size_t i = next_lt(s, len, body); i < len; i = next_lt(s, len, i + 1)) {
        size_t lt = lt_at(s, len, i);
        if (starts_with(s, len, i + lt, "/field"))
            return false;
        size_t name;
        size_t n = element_name(s, len, i + lt, &name);
        if (!word_is(s + name, n, "value") || !name_ends(s, len, name + n))
            continue;
        bool empty;
        size_t gt = tag_end(s, len, name + n, &empty);
        if (!gt || empty)
            return false;
        return content_span(s, gt, data_end(s, len, gt, lt), start, end);
    }
    return false;
}

/* At |i|, '<' or "&lt;" of |lt| bytes: a start or end tag of a secret element. */
static bool
tag_rule(const char *s, size_t len, size_t from, size_t i, size_t lt, size_t *start,
         size_t *end)
{
    size_t p = i + lt;
    bool closing = p < len && s[p] == '/';
    size_t name;
    size_t n = element_name(s, len, p + closing, &name);
    if (!n || !name_ends(s, len, name + n))
        return false;
    bool secret = maybe_secret_word(s + name, n) &&
                  in_list(s + name, n, secret_elements,
                          sizeof(secret_elements) / sizeof(secret_elements[0]));
    if (!secret && (closing || !word_is(s + name, n, "field")))
        return false;
    if (closing) {
        if (!secret)
            return false;
        /* backwards: the data before an end tag, also when the excerpt starts inside it */
        return content_span(s, data_start(s, from, i, lt), i, start, end);
    }
    bool empty;
    size_t gt = tag_end(s, len, name + n, &empty);
    if (!gt || empty)
        return false;
    if (!secret) {
        if (!contains_ci(s + name + n, gt - name - n, "password"))
            return false;
        return field_value_span(s, len, gt, start, end);
    }
    return content_span(s, gt, data_end(s, len, gt, lt), start, end);
}

/* A key ending in one of the secret keys after '-' or '_' (x-auth-token, new_password). */
static bool
secret_key(const char *s, size_t n)
{
    size_t count = sizeof(secret_keys) / sizeof(secret_keys[0]);
    if (maybe_secret_word(s, n) && in_list(s, n, secret_keys, count))
        return true;
    if (!memchr(s, '-', n) && !memchr(s, '_', n))
        return false;
    for (size_t k = n; k > 0; k--)
        if (s[k - 1] == '-' || s[k - 1] == '_')
            return in_list(s + k, n - k, secret_keys, count);
    return false;
}

/* An Authorization-style header name. */
static bool
secret_header(const char *s, size_t n)
{
    /* every such name ends in 'n' or 'e': most "a:b" texts stop here */
    int last = n ? lower((unsigned char)s[n - 1]) : 0;
    if (last != 'n' && last != 'e')
        return false;
    return (n >= 13 && word_is(s + n - 13, 13, "authorization")) || word_is(s, n, "cookie") ||
           word_is(s, n, "set-cookie") || (n > 6 && word_is(s + n - 6, 6, "-token"));
}

/* The value after '=' (quoted or up to a delimiter) or after a header's ':' (to the line end). */
static bool
value_span(const char *s, size_t len, size_t v, bool header, size_t *start, size_t *end)
{
    if (header) {
        while (v < len && (s[v] == ' ' || s[v] == '\t'))
            v++;
    }
    char quote = 0;
    if (!header && v < len && (s[v] == '"' || s[v] == '\''))
        quote = s[v++];
    if (v >= len || starts_with(s, len, v, SECRET_MASK_HIDDEN))
        return false;
    size_t e = v;
    if (header) {
        while (e < len && s[e] != '\r' && s[e] != '\n')
            e++;
    } else if (quote) {
        const char *q = memchr(s + v, quote, len - v);
        e = q ? (size_t)(q - s) : len;
    } else {
        while (e < len && !(cls[(unsigned char)s[e]] & C_SPACE) && !strchr("<>&,;)]}\"'", s[e]))
            e++;
    }
    if (e == v || (e - v == 3 && memcmp(s + v, "...", 3) == 0))
        return false; /* nothing, or the report's clipping mark where the value was cut off */
    *start = v;
    *end = e;
    return true;
}


/*
 * [i, i+n) is base64 ('=' only at the end) of a SASL PLAIN or X-OAUTH2
 * payload: [authzid] NUL authcid NUL secret, authcid and secret not empty
 * (RFC 4616 §2). Or of its start: n need not be a multiple of 4 (an excerpt
 * cut inside the payload, or its padding dropped, shows the first bytes of
 * the secret all the same), the bytes its whole characters give are read.
 */
static bool
is_plain_payload(const char *s, size_t n)
{
    size_t nul[2], nnul = 0, out = 0;
    unsigned acc = 0;
    int bits = 0;
    size_t pad = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=') {
            pad++;
            continue;
        }
        if (pad)
            return false;
        acc = (acc << 6) | (unsigned)base64_value((unsigned char)s[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (((acc >> bits) & 0xff) == 0) {
                if (nnul == 2)
                    return false;
                nul[nnul++] = out;
            }
            out++;
        }
    }
    return pad <= 2 && nnul == 2 && nul[1] > nul[0] + 1 && out > nul[1] + 1;
}

/* The identifier (C_IDENT run) that ends at |i|, not before |from|: its start. */
static size_t
ident_before(const char *s, size_t from, size_t i)
{
    size_t k = i;
    while (k > from && cls[(unsigned char)s[k - 1]] & C_IDENT)
        k--;
    return k;
}

/*
 * The first span a rule reports at a trigger at or after |from|, and the
 * trigger's position in *|trigger|.
 *
 * Every report string passes here, so this is on the hot path of a capture's
 * jsonl: most bytes are skipped four at a time by one table. Only the bytes
 * that can start a rule stop the scan: '<' '&' '=' ':', and 'A' to 'D',
 * since every NUL byte of a base64 text puts one of them in the text (a NUL
 * at offset 0, 1 or 2 of a 3-byte group makes the 1st, 3rd or 4th character
 * of its quad 'A', 'A'-'D' or 'A'), so a PLAIN payload's run holds one.
 */
static bool
find_span(const char *s, size_t len, size_t from, size_t *trigger, size_t *start, size_t *end)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = from;
    for (;;) {
        while (i + 4 <= len &&
               !((cls[u[i]] | cls[u[i + 1]] | cls[u[i + 2]] | cls[u[i + 3]]) & C_STOP))
            i += 4;
        while (i < len && !(cls[u[i]] & C_STOP))
            i++;
        if (i >= len)
            return false;
        *trigger = i;
        unsigned char c = u[i];
        if (!(cls[c] & C_TRIGGER)) {
            /* 'A'-'D': the base64 run around it */
            size_t run = i, e = i;
            while (run > from && cls[u[run - 1]] & C_B64)
                run--;
            while (e < len && cls[u[e]] & C_B64)
                e++;
            i = e;
            /* the padding that makes whole quads, no more: "x=" after a payload is a key's '=' */
            for (size_t pad = (4 - (e - run) % 4) % 4; pad && pad < 3 && e < len && s[e] == '='; pad--)
                e++;
            if (e - run >= 8 && is_plain_payload(s + run, e - run)) {
                *start = run;
                *end = e;
                return true;
            }
            continue;
        }
        if (c == '<' || c == '&') {
            size_t lt = lt_at(s, len, i);
            if (lt && tag_rule(s, len, from, i, lt, start, end) && *end > *start)
                return true;
        } else {
            size_t k = ident_before(s, from, i);
            if (k < i && (c == '=' ? secret_key(s + k, i - k) : secret_header(s + k, i - k)) &&
                value_span(s, len, i + 1, c == ':', start, end))
                return true;
        }
        i++;
    }
}

bool
secret_mask_next(const char *s, size_t len, size_t from, size_t *start, size_t *end)
{
    size_t trigger;
    return find_span(s, len, from, &trigger, start, end);
}

/* Deeper than any real text nests a gap in a gap (see secret_mask_spans). */
#define MAX_GAP_DEPTH 8

/*
 * The end of span [a, b) once the rules triggered inside it are heard: a
 * secret whose trigger the span hides may run on past it (an element's data
 * ends at an escaped '<' that is part of a header's value: "<token>
 * Authorization: Bearer Pa&lt;ss" hid up to "&lt;", and "&lt;ss" showed).
 */
static size_t
reach_of_rules_inside(const char *s, size_t len, size_t a, size_t b)
{
    size_t t, a2, b2;
    for (size_t p = a; p < b && find_span(s, len, p, &t, &a2, &b2) && t < b; p = t + 1)
        if (b2 > b)
            b = b2;
    return b;
}

static void
spans_from(const char *s, size_t len, size_t at, int depth,
           void (*fn)(void *arg, size_t start, size_t end), void *arg)
{
    size_t t, a, b;
    while (find_span(s, len, at, &t, &a, &b)) {
        if (a > t + 1) {
            /*
             * The rule hides data well after its trigger: an element's data
             * after its start tag, a field's value after the field's start.
             * What lies between (attributes, other elements) was not looked
             * at, and may hold a secret of its own: <auth token='…'>…
             */
            if (depth < MAX_GAP_DEPTH)
                spans_from(s, a, t + 1, depth + 1, fn, arg);
            else
                a = t + 1; /* too deep to look: hide all of it */
        }
        b = reach_of_rules_inside(s, len, a, b);
        fn(arg, a, b);
        at = b;
    }
}

/* Spans that touch become one (a gap's span may end where its rule's span starts). */
struct joined {
    void (*fn)(void *arg, size_t start, size_t end);
    void *arg;
    size_t start, end; /* the span held back; empty when none */
};

static void
join_span(void *arg, size_t start, size_t end)
{
    struct joined *j = arg;
    if (j->end > j->start && start == j->end) {
        j->end = end;
        return;
    }
    if (j->end > j->start)
        j->fn(j->arg, j->start, j->end);
    j->start = start;
    j->end = end;
}

void
secret_mask_spans(const char *s, size_t len, void (*fn)(void *arg, size_t start, size_t end),
                  void *arg)
{
    struct joined j = {fn, arg, 0, 0};
    spans_from(s, len, 0, 0, join_span, &j);
    if (j.end > j.start)
        fn(arg, j.start, j.end);
}

struct append_state {
    struct buf *out;
    const char *s;
    size_t at;
};

static void
append_span(void *arg, size_t start, size_t end)
{
    struct append_state *st = arg;
    buf_append(st->out, st->s + st->at, start - st->at);
    buf_append(st->out, SECRET_MASK_HIDDEN, HIDDEN_LEN);
    st->at = end;
}

/*
 * Clean strings seen recently, two-way set-associative by a hash of their
 * bytes (a report's unique strings, addresses and ids, would evict the
 * repeated ones from a direct-mapped table). A hit needs the same bytes
 * (memcmp), so a collision costs a scan, never a leak.
 */
#define CLEAN_SETS 512
#define CLEAN_MAX_LEN 240
static struct clean_entry {
    uint64_t hash;
    uint32_t len;
    char bytes[CLEAN_MAX_LEN];
} (*clean_cache)[2];
static uint8_t clean_recent[CLEAN_SETS]; /* the way hit or filled last, per set */

#define BYTES(x) (UINT64_C(0x0101010101010101) * (x))

/* Some byte of |w| is zero (exact as an answer for the whole word). */
static inline uint64_t
zero_byte(uint64_t w)
{
    return (w - BYTES(1)) & ~w & BYTES(0x80);
}

/* Some byte of |w| is 'A' to 'D' (above '@', below 'E'; bytes past 0x7f never are). */
static inline uint64_t
a_to_d_byte(uint64_t w)
{
    uint64_t low7 = w & BYTES(0x7f);
    return (BYTES(127 + 'E') - low7) & ~w & (low7 + BYTES(127 - '@')) & BYTES(0x80);
}

/*
 * No byte of |s| (at least 8 bytes long) can make a rule fire: none of
 * '<' '&' '=' ':' that start the rules, and none of 'A'-'D' that every PLAIN
 * payload's base64 holds (see find_span). Eight bytes in a score of
 * operations rather than eight table lookups: most report strings pass here
 * and nowhere else. The last word overlaps the one before it.
 */
static bool
quiet_bytes(const char *s, size_t len)
{
    uint64_t hit = 0, w;
    for (size_t i = 0;; i += 8) {
        if (i + 8 > len)
            i = len - 8;
        memcpy(&w, s + i, 8);
        hit |= zero_byte(w ^ BYTES('<')) | zero_byte(w ^ BYTES('&')) | zero_byte(w ^ BYTES('=')) |
               zero_byte(w ^ BYTES(':')) | a_to_d_byte(w);
        if (hit || i + 8 >= len)
            return !hit;
    }
}

bool
secret_mask_clean(const char *s, size_t len)
{
    size_t a, b;
    if (len < 8) {
        /* too short for a payload; a rule needs one of these */
        for (size_t i = 0; i < len; i++)
            if (cls[(unsigned char)s[i]] & C_TRIGGER)
                return !secret_mask_next(s, len, 0, &a, &b);
        return true;
    }
    if (len > CLEAN_MAX_LEN)
        return quiet_bytes(s, len) || !secret_mask_next(s, len, 0, &a, &b);
    if (!clean_cache)
        clean_cache = xcalloc(CLEAN_SETS, sizeof *clean_cache);
    /*
     * The set from the first and last eight bytes and the length: two
     * multiplies, where a hash of every byte is a chain of them. The memcmp
     * below decides.
     */
    uint64_t h = hash_sample(s, len);
    size_t set = h % CLEAN_SETS;
    for (int way = 0; way < 2; way++) {
        struct clean_entry *e = &clean_cache[set][way];
        if (e->hash == h && e->len == len && memcmp(e->bytes, s, len) == 0) {
            clean_recent[set] = (uint8_t)way;
            return true;
        }
    }
    if (!quiet_bytes(s, len) && secret_mask_next(s, len, 0, &a, &b))
        return false;
    int way = !clean_recent[set];
    struct clean_entry *e = &clean_cache[set][way];
    clean_recent[set] = (uint8_t)way;
    e->hash = h;
    e->len = (uint32_t)len;
    memcpy(e->bytes, s, len);
    return true;
}

void
secret_mask_append(struct buf *out, const char *s, size_t len)
{
    struct append_state st = {out, s, 0};
    secret_mask_spans(s, len, append_span, &st);
    buf_append(out, s + st.at, len - st.at);
}

char *
secret_mask_dup(const char *s)
{
    if (!s)
        return NULL;
    struct buf b = {0};
    secret_mask_append(&b, s, strlen(s));
    return b.data ? b.data : xstrdup("");
}
