/* lognorm: a log line out of its docker, compose, journald/syslog and ANSI wrappers; Latin-1 → UTF-8. */
#include <config.h>
#include "lognorm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "digits.h"
#include "utf8.h"
#include "xalloc.h"

/* A docker line longer than this is cut (ejlog cuts a record at 4 MiB anyway). */
#define MAX_HELD (4u << 20)

struct lognorm {
    struct buf json;   /* a docker record's decoded "log" (and the records it continues) */
    bool holding;      /* |json| holds the start of a line that goes on in the next record */
    struct buf ansi;   /* the line without colour codes */
    struct buf latin1; /* the line re-encoded */
    unsigned seen;
    usec_t day;
};

struct lognorm *
lognorm_new(void)
{
    struct lognorm *n = xcalloc(1, sizeof *n);
    n->day = -1;
    return n;
}

void
lognorm_free(struct lognorm *n)
{
    if (!n)
        return;
    buf_clear(&n->json);
    buf_clear(&n->ansi);
    buf_clear(&n->latin1);
    free(n);
}

unsigned
lognorm_seen(const struct lognorm *n)
{
    return n->seen;
}

usec_t
lognorm_day(const struct lognorm *n)
{
    return n->day;
}

const char *
lognorm_wrapper_name(unsigned bit)
{
    switch (bit) {
    case LNW_DOCKER_JSON: return "docker_json";
    case LNW_COMPOSE: return "docker_compose";
    case LNW_JOURNALD: return "journald";
    case LNW_SYSLOG: return "syslog";
    case LNW_ANSI: return "ansi_colour";
    case LNW_LATIN1: return "latin1";
    default: return NULL;
    }
}

const char *
lognorm_next_dirty(const char *p, const char *end, const char **esc)
{
    if (!*esc || *esc < p) {
        *esc = memchr(p, 0x1b, (size_t)(end - p));
        if (!*esc)
            *esc = end;
    }
    /* the first byte >= 0x80: eight bytes at a time up to the word that holds one */
    const char *q = p;
    for (; q + 8 <= *esc; q += 8) {
        uint64_t w;
        memcpy(&w, q, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    for (; q < *esc; q++)
        if ((unsigned char)*q >= 0x80)
            return q;
    return *esc;
}

bool
lognorm_is_clean(const char *s, size_t len)
{
    const char *esc = NULL;
    return lognorm_next_dirty(s, s + len, &esc) == s + len;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "YYYY-MM-DDT…" at |p|: the start of that day (UTC), or -1. */
static usec_t
iso_day(const char *p, size_t n)
{
    if (n < 10 || !digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) || p[7] != '-' || !digits(p + 8, 2))
        return -1;
    return days_from_civil(num(p, 4), (unsigned)num(p + 5, 2), (unsigned)num(p + 8, 2)) * 86400LL *
           1000000;
}

/* ---- docker json-file -------------------------------------------------- */

static void
put_utf8(struct buf *b, unsigned cp)
{
    char u[4];
    size_t k;
    if (cp < 0x80) {
        u[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        k = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        k = 4;
    }
    buf_append(b, u, k);
}

/* The 4 hex digits at |p| (|end| bound), or -1. */
static long
hex4(const char *p, const char *end)
{
    if (end - p < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_digit((unsigned char)p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/*
 * Decodes the JSON string whose text starts at |p| (after its '"') into
 * |out|; returns the position after the closing quote, or NULL.
 */
static const char *
json_string(const char *p, const char *end, struct buf *out)
{
    while (p < end) {
        const char *q = p;
        while (q < end && *q != '"' && *q != '\\')
            q++;
        buf_append(out, p, (size_t)(q - p));
        if (q >= end)
            return NULL;
        if (*q == '"')
            return q + 1;
        if (q + 1 >= end)
            return NULL;
        char e = q[1];
        p = q + 2;
        switch (e) {
        case 'n': buf_append_char(out, '\n'); break;
        case 'r': buf_append_char(out, '\r'); break;
        case 't': buf_append_char(out, '\t'); break;
        case 'b': buf_append_char(out, '\b'); break;
        case 'f': buf_append_char(out, '\f'); break;
        case 'u': {
            long cp = hex4(p, end);
            if (cp < 0)
                return NULL;
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                long lo = hex4(p + 2, end);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000)
                cp = 0xfffd; /* a lone surrogate */
            put_utf8(out, (unsigned)cp);
            break;
        }
        default: buf_append_char(out, e); break; /* \" \\ \/ */
        }
    }
    return NULL;
}

/* The value of the string member |key| ("\"time\":\"") in the record, or NULL. */
static const char *
member(const char *p, size_t len, const char *key)
{
    return memmem(p, len, key, strlen(key));
}

/*
 * A docker json-file record: appends its "log" text to n->json. Returns 1
 * when that ends a line (the line, its end taken off, is in n->json), 0 when
 * the line goes on in the next record, -1 when |p| is not such a record.
 */
static int
docker_record(struct lognorm *n, const char *p, size_t len)
{
    static const char log_key[] = "{\"log\":\"";
    if (len < sizeof log_key || memcmp(p, log_key, sizeof log_key - 1) != 0)
        return -1;
    if (!n->holding)
        buf_reset(&n->json);
    size_t before = n->json.len;
    const char *after = json_string(p + sizeof log_key - 1, p + len, &n->json);
    if (!after && n->json.len == before) {
        return -1;
    } else if (!after) {
        /* a record cut short (the end of a read head, a line past 4 MiB): its start is kept */
        n->seen |= LNW_DOCKER_JSON;
        n->holding = true;
        return 0;
    }
    if (n->json.len > MAX_HELD)
        n->json.len = MAX_HELD;
    const char *t = member(after, (size_t)(p + len - after), "\"time\":\"");
    if (t)
        n->day = iso_day(t + 8, (size_t)(p + len - t - 8));
    n->seen |= LNW_DOCKER_JSON;
    size_t l = n->json.len;
    if (!l || n->json.data[l - 1] != '\n') {
        n->holding = true; /* docker splits lines longer than 16 KiB over several records */
        return 0;
    }
    n->holding = false;
    while (l && (n->json.data[l - 1] == '\n' || n->json.data[l - 1] == '\r'))
        l--;
    n->json.len = l;
    return 1;
}

/* ---- prefixes ---------------------------------------------------------- */

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* After a syslog stamp at |i|: " host tag[pid]: " or " host tag: "; the message's offset or 0. */
static size_t
host_and_tag(const char *p, size_t n, size_t i)
{
    if (i >= n || p[i] != ' ')
        return 0;
    i++;
    size_t h = i;
    while (i < n && p[i] != ' ' && p[i] != '[')
        i++;
    if (i == h || i >= n || p[i] != ' ')
        return 0;
    i++;
    size_t t = i;
    while (i < n && p[i] != ' ' && p[i] != ':' && p[i] != '[')
        i++;
    if (i == t || i >= n)
        return 0;
    if (p[i] == '[') {
        i++;
        while (i < n && is_digit(p[i]))
            i++;
        if (i >= n || p[i] != ']')
            return 0;
        i++;
    }
    if (i >= n || p[i] != ':')
        return 0;
    i++;
    return i < n && p[i] == ' ' ? i + 1 : i;
}

/* "Nov 24 09:46:37[.123456] host tag[pid]: " (journalctl short, short-precise; BSD syslog). */
static size_t
journald_short(const char *p, size_t n)
{
    if (n < 16 || p[3] != ' ' || p[9] != ':' || p[12] != ':' || p[6] != ' ')
        return 0;
    bool month = false;
    for (const char *m = months; *m && !month; m += 3)
        month = memcmp(m, p, 3) == 0;
    if (!month || (p[4] != ' ' && !is_digit(p[4])) || !is_digit(p[5]) || !digits(p + 7, 2) ||
        !digits(p + 10, 2) || !digits(p + 13, 2))
        return 0;
    size_t i = 15;
    if (i < n && p[i] == '.')
        for (i++; i < n && is_digit(p[i]); i++)
            ;
    return host_and_tag(p, n, i);
}

/* "2026-11-24T09:46:37[.ffffff](+0000|+00:00|Z) host tag[pid]: " (short-iso, short-iso-precise, rsyslog). */
static size_t
journald_iso(const char *p, size_t n)
{
    if (n < 20 || p[10] != 'T' || iso_day(p, n) < 0)
        return 0;
    const char *sp = memchr(p, ' ', n < 40 ? n : 40);
    return sp ? host_and_tag(p, n, (size_t)(sp - p)) : 0;
}

/* "<PRI>1 TIMESTAMP HOST APP PROCID MSGID - msg" (RFC 5424, no structured data) or "<PRI>" + BSD. */
static size_t
syslog_pri(const char *p, size_t n, unsigned *kind)
{
    size_t i = 1;
    while (i < n && i < 5 && is_digit(p[i]))
        i++;
    if (i == 1 || i >= n || p[i] != '>')
        return 0;
    i++;
    if (i + 2 < n && p[i] == '1' && p[i + 1] == ' ') {
        i += 2;
        for (int field = 0; field < 5; field++) { /* TIMESTAMP HOST APP PROCID MSGID */
            const char *sp = memchr(p + i, ' ', n - i);
            if (!sp)
                return 0;
            i = (size_t)(sp - p) + 1;
        }
        if (i < n && p[i] == '-')
            i += i + 1 < n && p[i + 1] == ' ' ? 2 : 1;
        else if (i < n && p[i] == '[') /* structured data: up to its last ']' before a space */
            for (; i < n && !(p[i - 1] == ']' && p[i] == ' '); i++)
                ;
        *kind = LNW_SYSLOG;
        return i < n && p[i] == ' ' ? i + 1 : i;
    }
    size_t m = journald_short(p + i, n - i);
    *kind = LNW_JOURNALD;
    return m ? i + m : 0;
}

/* "ejabberd_1  | " (docker-compose v1) or "ejabberd-1  | " (v2): the length, or 0. */
static size_t
compose_prefix(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && i < 64 &&
           ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || is_digit(p[i]) ||
            p[i] == '_' || p[i] == '-' || p[i] == '.'))
        i++;
    if (i == 0 || i >= n || p[i] != ' ')
        return 0;
    while (i < n && p[i] == ' ')
        i++;
    if (i + 1 >= n || p[i] != '|')
        return 0;
    return p[i + 1] == ' ' ? i + 2 : i + 1;
}

/* The wrapper prefix of |p|, its kind in |*kind|: the length to skip, or 0. */
static size_t
wrapper_prefix(const char *p, size_t n, unsigned *kind)
{
    if (!n)
        return 0;
    char c = p[0];
    size_t k;
    if (is_digit(c)) {
        /* the ejabberd forms begin with digits too: only "YYYY-MM-DDT… host tag:" is a wrapper */
        if (n > 10 && p[4] == '-' && p[10] == 'T' && (k = journald_iso(p, n)) != 0) {
            *kind = LNW_JOURNALD;
            return k;
        }
    } else if (c == '<') {
        if ((k = syslog_pri(p, n, kind)) != 0)
            return k;
        return 0;
    } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        return 0;
    }
    if (c >= 'A' && c <= 'Z' && (k = journald_short(p, n)) != 0) {
        *kind = LNW_JOURNALD;
        return k;
    }
    if ((k = compose_prefix(p, n)) != 0) {
        *kind = LNW_COMPOSE;
        return k;
    }
    return 0;
}

/* ---- ANSI, Latin-1 ----------------------------------------------------- */

/* |p| without "ESC [ params letter" sequences, in |out|. */
static void
strip_ansi(const char *p, size_t n, struct buf *out)
{
    buf_reset(out);
    size_t i = 0;
    while (i < n) {
        const char *esc = memchr(p + i, 0x1b, n - i);
        size_t e = esc ? (size_t)(esc - p) : n;
        buf_append(out, p + i, e - i);
        if (!esc)
            break;
        i = e + 1;
        if (i < n && p[i] == '[') {
            i++;
            while (i < n && ((p[i] >= '0' && p[i] <= '9') || p[i] == ';' || p[i] == '?'))
                i++;
            if (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
                i++;
        }
    }
}

static bool
valid_utf8(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        if ((unsigned char)p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_len(p + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static void
latin1_to_utf8(const char *p, size_t n, struct buf *out)
{
    buf_reset(out);
    for (size_t i = 0; i < n; i++)
        put_utf8(out, (unsigned char)p[i]);
}

bool
lognorm_line(struct lognorm *n, const char *line, size_t len, bool clean, const char **out,
             size_t *out_len)
{
    const char *p = line;
    if (len && (*p == '{' || n->holding)) {
        int d = docker_record(n, line, len);
        if (d == 0)
            return false;
        if (d == 1) {
            p = n->json.data;
            len = n->json.len;
            clean = false;
        } else {
            n->holding = false; /* not docker's: a held part had its end cut off (not kept) */
        }
    }
    if (!clean && memchr(p, 0x1b, len)) {
        strip_ansi(p, len, &n->ansi);
        p = n->ansi.data;
        len = n->ansi.len;
        n->seen |= LNW_ANSI;
    }
    unsigned kind = 0;
    size_t skip = wrapper_prefix(p, len, &kind);
    if (skip) {
        if (kind == LNW_JOURNALD && is_digit(p[0]))
            n->day = iso_day(p, len);
        n->seen |= kind;
        p += skip;
        len -= skip;
    }
    if (!clean && !valid_utf8(p, len)) {
        latin1_to_utf8(p, len, &n->latin1);
        p = n->latin1.data;
        len = n->latin1.len;
        n->seen |= LNW_LATIN1;
    }
    *out = p ? p : "";
    *out_len = len;
    return true;
}

bool
lognorm_flush(struct lognorm *n, const char **out, size_t *out_len)
{
    if (!n->holding)
        return false;
    n->holding = false;
    *out = n->json.data ? n->json.data : "";
    *out_len = n->json.len;
    return true;
}

void
lognorm_shape(const char *p, size_t n, char *out, size_t outlen)
{
    size_t k = 0, max = 32;
    for (size_t i = 0; i < n && i < max && k + 4 < outlen; i++) {
        unsigned char c = (unsigned char)p[i];
        char s;
        if (c >= 'a' && c <= 'z')
            s = 'a';
        else if (c >= 'A' && c <= 'Z')
            s = 'A';
        else if (c >= '0' && c <= '9')
            s = '9';
        else if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            s = (char)c;
        else
            s = '?';
        out[k++] = s;
    }
    if (n > max && k + 4 <= outlen) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    if (outlen)
        out[k < outlen ? k : outlen - 1] = '\0';
}
