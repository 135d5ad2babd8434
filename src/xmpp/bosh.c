/* bosh: the <body/> wrapper of BOSH (see the header). */
#include <config.h>
#include "bosh.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "phase.h"

#define NS_XML "http://www.w3.org/XML/1998/namespace"

bool
bosh_is_body(const struct stanza *el)
{
    return el && stanza_is(el, "body", NS_HTTPBIND);
}

/* A non-negative decimal number without sign or spaces; -1 when absent or not one. */
static long
number_attr(const struct stanza *el, const char *name)
{
    const char *v = stanza_attr(el, name, NULL);
    if (!v || *v < '0' || *v > '9')
        return -1;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    return *end || errno ? -1 : n;
}

/* A rid or an ack: 1 to 2^53 - 1, decimal (XEP-0124 §14.1). */
static bool
read_rid(const char *v, uint64_t *out)
{
    if (!v || !*v)
        return false;
    uint64_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || p - v >= 16)
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    if (n == 0 || n > BOSH_RID_MAX)
        return false;
    *out = n;
    return true;
}

static bool
is_true(const char *v)
{
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

void
bosh_read_body(const struct stanza *el, struct bosh_body *out)
{
    memset(out, 0, sizeof *out);
    out->sid = stanza_attr(el, "sid", NULL);
    const char *rid = stanza_attr(el, "rid", NULL);
    out->has_rid = rid != NULL;
    out->rid_bad = rid && !read_rid(rid, &out->rid);
    out->type = stanza_attr(el, "type", NULL);
    out->terminate = out->type && strcmp(out->type, "terminate") == 0;
    out->condition = stanza_attr(el, "condition", NULL);
    out->restart = is_true(stanza_attr(el, "restart", NS_XBOSH));
    out->restart_logic = is_true(stanza_attr(el, "restartlogic", NS_XBOSH));
    out->to = stanza_attr(el, "to", NULL);
    out->from = stanza_attr(el, "from", NULL);
    out->lang = stanza_attr(el, "lang", NS_XML);
    out->ver = stanza_attr(el, "ver", NULL);
    out->xmpp_version = stanza_attr(el, "version", NS_XBOSH);
    out->authid = stanza_attr(el, "authid", NULL);
    out->content = stanza_attr(el, "content", NULL);
    out->hold = number_attr(el, "hold");
    out->wait = number_attr(el, "wait");
    out->requests = number_attr(el, "requests");
    out->inactivity = number_attr(el, "inactivity");
    out->polling = number_attr(el, "polling");
    out->maxpause = number_attr(el, "maxpause");
    out->pause = number_attr(el, "pause");
    out->has_ack = read_rid(stanza_attr(el, "ack", NULL), &out->ack);
    out->key = stanza_attr(el, "key", NULL);
    out->newkey = stanza_attr(el, "newkey", NULL);
    out->nchildren = el->nchildren;
}

static void
add_attr(struct stanza *h, const char *name, const char *prefix, const char *ns, const char *value)
{
    stanza_add_attr(h, name, prefix, ns, value, strlen(value));
}

struct stanza *
bosh_stream_header(const struct bosh_body *b, bool from_server)
{
    struct stanza *h = stanza_new_tree("stream", "stream", NS_STREAM);
    stanza_set_default_ns(h, NS_CLIENT);
    if (from_server) {
        if (b->from)
            add_attr(h, "from", NULL, NULL, b->from);
        if (b->authid)
            add_attr(h, "id", NULL, NULL, b->authid);
    } else if (b->to) {
        add_attr(h, "to", NULL, NULL, b->to);
    }
    /* xmpp:version (XEP-0206 §3, §4) is the stream's version; a restart keeps 1.0 */
    const char *version = b->xmpp_version ? b->xmpp_version : b->restart || from_server ? "1.0" : NULL;
    if (version)
        add_attr(h, "version", NULL, NULL, version);
    if (b->lang)
        add_attr(h, "lang", "xml", NS_XML, b->lang);
    return h;
}
