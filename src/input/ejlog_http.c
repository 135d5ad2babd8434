/* ejlog_http: the HTTP handler's debug messages (see the header). */
#include <config.h>
#include "ejlog_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static bool
starts(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

bool
ejlog_http_query(const char *m, const char *line_end, bool *tls)
{
    if (m >= line_end || *m != '(')
        return false;
    if (starts(m, line_end, "({tlssock,"))
        *tls = true;
    else if (starts(m, line_end, "(#Port<"))
        *tls = false;
    else
        return false;
    /* the socket term holds no ')' (ports, refs and pids use <>) */
    const char *close = memchr(m, ')', (size_t)(line_end - m));
    return close && starts(close, line_end, ") http query: ");
}

/* Up to |max| decimal numbers "a,b,…" from |p| to '}'; returns how many, 0 when not that. */
static size_t
numbers(const char *p, const char *end, unsigned *v, size_t max, const char **after)
{
    size_t n = 0;
    while (p < end && n < max) {
        unsigned x = 0;
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9' && p - d < 6)
            x = x * 10 + (unsigned)(*p++ - '0');
        if (p == d || p >= end)
            return 0;
        v[n++] = x;
        if (*p == '}') {
            *after = p + 1;
            return n;
        }
        if (*p++ != ',')
            return 0;
    }
    return 0;
}

/* "{{a,b,c,d},port}" (or 8 numbers) at |p| into |out|; false when it is not one. */
static bool
endpoint(const char *p, const char *end, char *out, size_t cap)
{
    unsigned ip[8], port;
    const char *after;
    if (!starts(p, end, "{{"))
        return false;
    size_t n = numbers(p + 2, end, ip, 8, &after);
    if ((n != 4 && n != 8) || !starts(after, end, ","))
        return false;
    if (numbers(after + 1, end, &port, 1, &after) != 1 || !starts(after, end, "}") || port > 65535)
        return false;
    if (n == 4) {
        for (size_t i = 0; i < 4; i++)
            if (ip[i] > 255)
                return false;
        snprintf(out, cap, "%u.%u.%u.%u:%u", ip[0], ip[1], ip[2], ip[3], port);
        return true;
    }
    struct in6_addr a;
    for (size_t i = 0; i < 8; i++) {
        if (ip[i] > 0xffff)
            return false;
        a.s6_addr[2 * i] = (unsigned char)(ip[i] >> 8);
        a.s6_addr[2 * i + 1] = (unsigned char)(ip[i] & 0xff);
    }
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, &a, text, sizeof text))
        return false;
    snprintf(out, cap, "[%s]:%u", text, port);
    return true;
}

bool
ejlog_http_ws(const char *m, const char *line_end, struct ejlog_span *ws, char *client, size_t cap)
{
    static const char lit[] = "Client connected through websocket {http_ws,<";
    if (!starts(m, line_end, lit))
        return false;
    const char *pid = m + sizeof lit - 2; /* at the '<' */
    const char *gt = memchr(pid, '>', (size_t)(line_end - pid) < 32 ? (size_t)(line_end - pid) : 32);
    if (!gt || !starts(gt, line_end, ">,"))
        return false;
    ws->p = pid;
    ws->n = (size_t)(gt + 1 - pid);
    client[0] = '\0';
    if (!endpoint(gt + 2, line_end, client, cap))
        client[0] = '\0';
    return true;
}
