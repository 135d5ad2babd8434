/* filter: --user and --client values, parsed once, matched per session. */
#include <config.h>
#include "filter.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

/* An address as 16 bytes: IPv4 as its IPv4-mapped IPv6 form, so both spellings compare equal. */
struct addr {
    uint8_t b[16];
};

struct user_filter {
    char *local;  /* never empty */
    char *domain; /* NULL: any domain (a bare USER) */
};

struct filter {
    struct user_filter *users;
    size_t nusers;
    struct addr *clients;
    size_t nclients;
};

struct filter *
filter_new(void)
{
    return xcalloc(1, sizeof(struct filter));
}

void
filter_free(struct filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nusers; i++) {
        free(f->users[i].local);
        free(f->users[i].domain);
    }
    free(f->users);
    free(f->clients);
    free(f);
}

const char *
filter_add_user(struct filter *f, const char *value)
{
    if (!*value)
        return "an empty user matches no session";
    if (strchr(value, '/'))
        return "a full JID (with /resource) is not a user; give USER or USER@DOMAIN";
    const char *at = strchr(value, '@');
    if (at && (at == value || !at[1]))
        return "USER@DOMAIN needs both a user and a domain";
    if (at && strchr(at + 1, '@'))
        return "more than one '@': not a user or a bare JID";
    f->users = xgrow(f->users, f->nusers, sizeof *f->users);
    struct user_filter *u = &f->users[f->nusers++];
    u->local = at ? xstrndup(value, (size_t)(at - value)) : xstrdup(value);
    u->domain = at ? xstrdup(at + 1) : NULL;
    return NULL;
}

/* Parses an address without port or brackets; false when it is none. */
static bool
parse_addr(const char *s, struct addr *out)
{
    uint8_t v4[4];
    if (inet_pton(AF_INET, s, v4) == 1) {
        memset(out->b, 0, 10);
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, s, out->b) == 1;
}

/* "[text]" → text, in |buf|; false when |s| is not bracketed or too long. */
static bool
unbracket(const char *s, size_t len, char *buf, size_t buflen)
{
    if (len < 2 || s[0] != '[' || s[len - 1] != ']' || len - 2 >= buflen)
        return false;
    memcpy(buf, s + 1, len - 2);
    buf[len - 2] = '\0';
    return true;
}

const char *
filter_add_client(struct filter *f, const char *value)
{
    struct addr a;
    char inner[INET6_ADDRSTRLEN + 8];
    bool ok = parse_addr(value, &a);
    if (!ok && unbracket(value, strlen(value), inner, sizeof inner))
        ok = parse_addr(inner, &a); /* "[::1]" */
    if (!ok) {
        /* a port after the address: an easy mistake, named as such */
        const char *colon = strrchr(value, ':');
        if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
            size_t n = (size_t)(colon - value);
            char host[INET6_ADDRSTRLEN + 8];
            struct addr ignored;
            if (n < sizeof host) {
                memcpy(host, value, n);
                host[n] = '\0';
                if ((!strchr(host, ':') && parse_addr(host, &ignored)) ||
                    (unbracket(host, n, inner, sizeof inner) && parse_addr(inner, &ignored)))
                    return "a client address takes no port (IP, not IP:PORT)";
            }
        }
        return "not an IPv4 or IPv6 address";
    }
    f->clients = xgrow(f->clients, f->nclients, sizeof *f->clients);
    f->clients[f->nclients++] = a;
    return NULL;
}

/*
 * The address of a session's client endpoint: "ip:port", "[ipv6]:port", or
 * an address alone. False when it is none of these.
 */
static bool
endpoint_addr(const char *ep, struct addr *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    size_t len = strlen(ep);
    if (ep[0] == '[') {
        const char *close = strchr(ep, ']');
        return close && unbracket(ep, (size_t)(close - ep) + 1, buf, sizeof buf) &&
               parse_addr(buf, out);
    }
    if (len < sizeof buf && parse_addr(ep, out))
        return true; /* no port */
    const char *colon = strrchr(ep, ':');
    if (!colon || (size_t)(colon - ep) >= sizeof buf)
        return false;
    memcpy(buf, ep, (size_t)(colon - ep));
    buf[colon - ep] = '\0';
    return parse_addr(buf, out);
}

/* The session's user: its local part and domain (either may be NULL). */
static void
session_user(const struct session *s, const char **local, size_t *local_len, const char **domain,
             size_t *domain_len)
{
    *local = NULL;
    *domain = NULL;
    *local_len = *domain_len = 0;
    /* the bound JID is what the server agreed to; else the user and the stream's domain */
    const char *jid = s->jid;
    const char *at = jid ? strchr(jid, '@') : NULL;
    const char *slash = jid ? strchr(jid, '/') : NULL;
    if (at && (!slash || at < slash)) {
        *local = jid;
        *local_len = (size_t)(at - jid);
        *domain = at + 1;
        *domain_len = slash ? (size_t)(slash - at - 1) : strlen(at + 1);
    }
    if (s->user) {
        /* the report's user field is what --user USER has always matched */
        const char *uat = strchr(s->user, '@');
        *local = s->user;
        *local_len = uat ? (size_t)(uat - s->user) : strlen(s->user);
        if (uat) {
            *domain = uat + 1;
            *domain_len = strlen(uat + 1);
        }
    }
    if (!*domain && s->domain) {
        *domain = s->domain;
        *domain_len = strlen(s->domain);
    }
}

static bool
user_matches(const struct user_filter *u, const struct session *s)
{
    const char *local, *domain;
    size_t local_len, domain_len;
    session_user(s, &local, &local_len, &domain, &domain_len);
    if (!local || strlen(u->local) != local_len || memcmp(u->local, local, local_len) != 0)
        return false;
    if (!u->domain)
        return true;
    return domain && strlen(u->domain) == domain_len &&
           strncasecmp(u->domain, domain, domain_len) == 0;
}

bool
filter_keep(const struct filter *f, const struct session *s)
{
    if (!f)
        return true;
    if (f->nusers) {
        size_t i = 0;
        while (i < f->nusers && !user_matches(&f->users[i], s))
            i++;
        if (i == f->nusers)
            return false;
    }
    if (f->nclients) {
        struct addr a;
        if (!s->client || !endpoint_addr(s->client, &a))
            return false;
        size_t i = 0;
        while (i < f->nclients && memcmp(f->clients[i].b, a.b, sizeof a.b) != 0)
            i++;
        if (i == f->nclients)
            return false;
    }
    return true;
}
