/*
 * ejlog_oldmsg: message forms of ejabberd ≤ 17.11 (ejabberd-log-formats.md §4.4).
 * The spec's regexes, written as C: each reader checks its literal words and
 * splits the rest the way the regex would (greedy where it is greedy).
 */
#include <config.h>
#include "ejlog_oldmsg.h"

#include <stdio.h>
#include <string.h>

static bool
starts(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

static struct ejlog_span
span(const char *p, const char *e)
{
    return (struct ejlog_span){p, (size_t)(e - p)};
}

/* The end of the Erlang pid "<A.B.C>" at |p|, or NULL. */
static const char *
pid_end(const char *p, const char *end)
{
    if (p >= end || *p != '<')
        return NULL;
    int dots = 0;
    const char *q = p + 1;
    for (; q < end && q - p < 32; q++) {
        if (*q == '.')
            dots++;
        else if (*q == '>')
            return dots == 2 && q[-1] != '.' ? q + 1 : NULL;
        else if (*q < '0' || *q > '9')
            return NULL;
    }
    return NULL;
}

/* The end of "#Port<A.B>" at |p|, or NULL. */
static const char *
port_end(const char *p, const char *end)
{
    if (!starts(p, end, "#Port<"))
        return NULL;
    const char *gt = memchr(p, '>', (size_t)(end - p) < 32 ? (size_t)(end - p) : 32);
    return gt ? gt + 1 : NULL;
}

/* The end of the term at |p| (balanced {} [] <<>>, quoted strings), stopping at a top-level ',' or closer. */
static const char *
term_end(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\')
                    p++;
            if (p >= end)
                return end;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return p;
            depth--;
        } else if (c == ',' && depth == 0) {
            return p;
        } else if (c == ')' && depth == 0) {
            return p;
        }
        p++;
    }
    return end;
}

static const char *
sock_transport(const char *mod, const char *e)
{
    static const struct {
        const char *mod, *transport;
    } map[] = {
        {"gen_tcp", "tcp"},          {"tls", "tls"},
        {"p1_tls", "tls"},           {"fast_tls", "tls"},
        {"ejabberd_zlib", "tcp_zlib"}, {"ezlib", "tcp_zlib"},
        {"ejabberd_http_bind", "http_bind"}, {"ejabberd_http_ws", "websocket"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].mod) == (size_t)(e - mod) && memcmp(mod, map[i].mod, (size_t)(e - mod)) == 0)
            return map[i].transport;
    return NULL;
}

/* The first "#Port<…>" between |p| and |end|. */
static struct ejlog_span
first_port(const char *p, const char *end)
{
    const char *s = memmem(p, (size_t)(end - p), "#Port<", 6);
    const char *e = s ? port_end(s, end) : NULL;
    return e ? span(s, e) : (struct ejlog_span){0};
}

size_t
ejlog_sock_parse(const char *p, const char *end, struct ejlog_sock *out)
{
    memset(out, 0, sizeof *out);
    const char *e = port_end(p, end);
    if (e) { /* E0: the bare port */
        out->port = span(p, e);
        return (size_t)(e - p);
    }
    if (starts(p, end, "{tlssock,")) { /* E0 over SSL */
        e = p + 1;
        while (e < end && *e != '}') {
            e = term_end(e, end);
            if (e < end && *e == ',')
                e++;
            else if (e >= end || *e != '}')
                return 0;
        }
        if (e >= end)
            return 0;
        out->port = first_port(p, e);
        out->transport = "tls";
        return (size_t)(e + 1 - p);
    }
    if (!starts(p, end, "{socket_state,"))
        return 0;
    /* {socket_state, SockMod, Socket, Receiver}: split at the top-level commas */
    const char *el[4];
    size_t n = 0;
    const char *q = p + 1;
    for (;;) {
        e = term_end(q, end);
        if (n < 4)
            el[n] = q;
        n++;
        if (e >= end)
            return 0;
        if (*e == '}')
            break;
        if (*e != ',')
            return 0;
        q = e + 1;
    }
    if (n != 4)
        return 0;
    out->transport = sock_transport(el[1], el[2] - 1);
    out->port = first_port(el[2], el[3] - 1);
    const char *r = pid_end(el[3], e);
    if (r == e)
        out->owner = span(el[3], r);
    else if (starts(el[2], end, "{http_ws,")) {
        const char *w = pid_end(el[2] + 9, el[3]);
        if (w)
            out->owner = span(el[2] + 9, w);
    }
    /* BOSH ({http_bind,<B>,…},ejabberd_http_bind): no receiver; the c2s is the key (§6.2) */
    return (size_t)(e + 1 - p);
}

/*
 * "{{192,0,2,4},12716}" → "192.0.2.4:12716"; an 8-tuple (IPv6) → "[a:b:…:h]:port"
 * in hex. False when it is no such tuple, or a redacted one ("{{XXX},1}").
 */
static bool
tuple_endpoint(const char *p, const char *e, char *out, size_t cap)
{
    if (e - p < 6 || p[0] != '{' || p[1] != '{' || e[-1] != '}')
        return false;
    const char *close = memchr(p + 2, '}', (size_t)(e - p - 2));
    if (!close || close[1] != ',')
        return false;
    size_t nel = 1;
    for (const char *s = p + 2; s < close; s++)
        nel += *s == ',';
    size_t o = 0;
    if (nel == 8)
        out[o++] = '[';
    const char *s = p + 2;
    while (s < close && o + 8 < cap) {
        const char *c = memchr(s, ',', (size_t)(close - s));
        if (!c)
            c = close;
        unsigned v = 0;
        bool numeric = c > s && c - s < 7;
        for (const char *d = s; d < c && numeric; d++)
            numeric = *d >= '0' && *d <= '9';
        for (const char *d = s; d < c && numeric; d++)
            v = v * 10 + (unsigned)(*d - '0');
        if (!numeric)
            return false; /* a redaction ("XXX"): no address */
        o += (size_t)snprintf(out + o, cap - o, nel == 8 ? "%x" : "%u", v);
        if (c < close)
            out[o++] = nel == 8 ? ':' : '.';
        s = c + 1;
    }
    if (nel == 8)
        out[o++] = ']';
    size_t port_len = (size_t)(e - 1 - (close + 2));
    if (o + port_len + 2 > cap)
        return false;
    out[o++] = ':';
    memcpy(out + o, close + 2, port_len);
    out[o + port_len] = '\0';
    return true;
}

/*
 * "a.b.c.d:port" as it is; an IPv6 address before 19.08 has no brackets
 * ("::FFFF:1.2.3.4:5222": the port after the last colon) and gets them, as
 * the report writes it. False for what is no address and port: a redaction
 * ("XXX", "hidden_by_ejabberd:PORT"), "unix:…": the endpoint stays unknown.
 */
static bool
text_endpoint(const char *p, const char *e, char *out, size_t cap)
{
    const char *colon = NULL;
    size_t ncolon = 0;
    for (const char *s = p; s < e; s++) {
        bool hex = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F');
        if (*s == ':') {
            colon = s;
            ncolon++;
        } else if (!hex && *s != '.' && *s != '[' && *s != ']') {
            return false;
        }
    }
    if (!colon || colon == p || colon + 1 == e || (size_t)(e - p) + 3 > cap)
        return false;
    for (const char *s = colon + 1; s < e; s++)
        if (*s < '0' || *s > '9')
            return false;
    if (ncolon == 1 || *p == '[')
        snprintf(out, cap, "%.*s", (int)(e - p), p);
    else
        snprintf(out, cap, "[%.*s]%.*s", (int)(colon - p), p, (int)(e - colon), colon);
    return true;
}

/* "A -> B" (tuples or text) into |o|'s client and server. */
static bool
endpoints(const char *p, const char *end, struct ejlog_oldmsg *o)
{
    const char *arrow = memmem(p, (size_t)(end - p), " -> ", 4);
    if (!arrow)
        return false;
    const char *b = arrow + 4;
    const char *bend = memchr(b, ' ', (size_t)(end - b));
    if (!bend)
        bend = end;
    const char *ends[2][2] = {{p, arrow}, {b, bend}};
    for (int i = 0; i < 2; i++) {
        struct ejlog_span *s = i ? &o->server : &o->client;
        if (tuple_endpoint(ends[i][0], ends[i][1], o->addr[i], sizeof o->addr[i]) ||
            text_endpoint(ends[i][0], ends[i][1], o->addr[i], sizeof o->addr[i]))
            *s = (struct ejlog_span){o->addr[i], strlen(o->addr[i])};
    }
    return true;
}

/* The first " " or end after |p|. */
static const char *
word_end(const char *p, const char *end)
{
    const char *e = memchr(p, ' ', (size_t)(end - p));
    return e ? e : end;
}

/*
 * AUTH_OK_OLD "for U[ by MOD][ from IP]" and AUTH_FAIL_OLD "for U@S[ from [IP ]X][ (tuple)][: reason]"
 * (|p| after "authentication for ").
 */
static void
auth_rest(const char *p, const char *end, struct ejlog_oldmsg *o)
{
    const char *u = word_end(p, end);
    o->user = span(p, u);
    p = u;
    if (o->ok) {
        if (starts(p, end, " by "))
            p = word_end(p + 4, end);
        if (starts(p, end, " from "))
            o->ip = span(p + 6, word_end(p + 6, end));
        return;
    }
    /* the word before ": reason" ends with its ':' (an address, or the user when none) */
    if (starts(p, end, " from ")) {
        p += 6;
        if (starts(p, end, "IP "))
            p += 3;
        const char *w = word_end(p, end);
        o->ip = span(p, w);
        if (o->ip.n && p[o->ip.n - 1] == ':' && w < end)
            o->ip.n--;
        p = w;
        if (starts(p, end, " (")) { /* 2.1.12+: "({{192,0,2,21},40112})" */
            const char *c = term_end(p + 2, end);
            p = c < end && *c == ')' ? c + 1 : end;
        }
    } else if (o->user.n && o->user.p[o->user.n - 1] == ':') {
        p--; /* "for U@S: reason" */
    }
    if (p < end && *p == ':')
        p++;
    if (starts(p, end, " ") && p + 1 < end)
        o->reason = span(p + 1, end);
}

/* "U: reason" users: a user never ends with ':' (the 17.01 failure line without an address). */
static void
trim_user(struct ejlog_oldmsg *o)
{
    if (o->user.n && o->user.p[o->user.n - 1] == ':')
        o->user.n--;
}

static bool
info_line(const char *m, const char *end, struct ejlog_oldmsg *o)
{
    /* the leading "(socket_state)" */
    size_t n = ejlog_sock_parse(m + 1, end, &o->sock);
    if (!n || m + 1 + n >= end || m[1 + n] != ')' || m + 2 + n >= end || m[2 + n] != ' ')
        return false;
    const char *p = m + 3 + n;
    if (starts(p, end, "Accepted SSL connection ") || starts(p, end, "Accepted connection ")) {
        if (!o->sock.port.p || o->sock.owner.p)
            return false;
        o->kind = OLD_ACCEPT;
        o->pid = (struct ejlog_span){0};
        p += p[9] == 'S' ? 24 : 20;
        return endpoints(p, end, o);
    }
    bool ok = starts(p, end, "Accepted ");
    if (ok || starts(p, end, "Failed ") || starts(p, end, "Forbidden ")) {
        p = word_end(p, end) + 1;
        if (starts(p, end, "legacy ")) {
            o->legacy = true;
            p += 7;
        }
        if (!starts(p, end, "authentication for "))
            return false;
        o->kind = OLD_AUTH;
        o->ok = ok;
        auth_rest(p + 19, end, o);
        trim_user(o);
        return o->user.n > 0;
    }
    static const char *const sess[] = {"Opened", "Close", "Replaced", "Forbidden"};
    for (size_t i = 0; i < sizeof sess / sizeof sess[0]; i++) {
        size_t k = strlen(sess[i]);
        if (starts(p, end, sess[i]) && starts(p + k, end, " session for ")) {
            o->kind = i == 0 ? OLD_SESSION_OPEN : OLD_CLOSING;
            o->jid = span(p + k + 13, word_end(p + k + 13, end));
            if (i > 1)
                o->reason = span(p, p + k); /* "Replaced", "Forbidden" */
            return o->jid.n > 0;
        }
    }
    return false;
}

bool
ejlog_oldmsg_parse(const char *m, const char *line_end, const char *pid, size_t pid_len,
                   struct ejlog_oldmsg *out)
{
    memset(out, 0, sizeof *out);
    out->pid = (struct ejlog_span){pid, pid ? pid_len : 0};
    static const struct {
        const char *lit;
        char dir;
    } xml[] = {
        {"Received XML on stream = ", 'C'},
        {"Send XML on stream = ", 'S'},
        {"Send Text on stream = ", 'S'}, /* 2.x xml_socket (BOSH) */
    };
    for (size_t i = 0; i < sizeof xml / sizeof xml[0]; i++)
        if (starts(m, line_end, xml[i].lit)) {
            if (!pid)
                return false; /* no process to key it by */
            out->kind = OLD_XML;
            out->dir = xml[i].dir;
            out->payload = m + strlen(xml[i].lit);
            return true;
        }
    if (starts(m, line_end, "Resumed session for ")) { /* 14.05–17.01: no socket */
        if (!pid)
            return false;
        out->kind = OLD_SESSION_OPEN;
        out->jid = span(m + 20, word_end(m + 20, line_end));
        return out->jid.n > 0;
    }
    if (m < line_end && *m == '(')
        return info_line(m, line_end, out);
    return false;
}
