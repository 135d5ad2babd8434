/* abbrev: one-line, secret-masked element summaries for the report. */
#include <config.h>
#include "abbrev.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "session.h"
#include "sasl.h"
#include "utf8.h"
#include "xalloc.h"

#define MAX_ATTR_VALUE 48
#define MAX_TEXT 40

/* At most |max| bytes of |s|, line breaks and tabs as spaces, "..." when it was longer. */
static void
append_clipped(struct buf *b, const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    size_t take = n < max ? n : max;
    buf_grow(b, take);
    char *d = b->data + b->len;
    for (size_t i = 0; i < take; i++) {
        char c = s[i];
        d[i] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    }
    b->len += take;
    b->data[b->len] = '\0';
    if (n > max)
        buf_append_str(b, "...");
}

static void
append_qname(struct buf *b, const struct stanza *el)
{
    if (el->prefix) {
        buf_append_str(b, el->prefix);
        buf_append_char(b, ':');
    }
    buf_append_str(b, el->name);
}

/* "<name a='v' …>" with the attributes a reader needs (no xmlns noise). */
static void
append_start_tag(struct buf *b, const struct stanza *el)
{
    bool empty = el->nchildren == 0 && el->text_len == 0 && !stanza_is(el, "stream", NS_STREAM);
    buf_append_char(b, '<');
    append_qname(b, el);
    for (size_t i = 0; i < el->nattrs; i++) {
        const struct stanza_attr *a = &el->attrs[i];
        buf_append_char(b, ' ');
        if (a->prefix) {
            buf_append_str(b, a->prefix);
            buf_append_char(b, ':');
        }
        buf_append_str(b, a->name);
        buf_append_str(b, "='");
        append_clipped(b, a->value, MAX_ATTR_VALUE);
        buf_append_char(b, '\'');
    }
    buf_append_str(b, empty ? "/>" : ">");
}

static void
append_secret(struct buf *b, const char *secret, bool show)
{
    buf_append_str(b, show ? secret : REPORT_HIDDEN);
}

/* The decoded identity of a SASL client payload, secret masked. */
static void
append_sasl_client(struct buf *b, const struct stanza *el, const char *mech, bool show)
{
    struct sasl_decoded d;
    sasl_decode_client(mech, el->text, el->text_len, &d);
    if (d.bad_base64 && !d.present) {
        buf_append_str(b, " [bad base64]");
    } else if (d.malformed) {
        buf_printf(b, " [malformed %s data, %zu bytes of base64]", mech ? mech : "SASL", el->text_len);
    } else if (!d.present) {
        buf_append_str(b, el->text_len ? " (empty)" : "");
    } else if (d.cbflag[0] || d.authcid || d.authzid || d.secret) {
        if (d.cbflag[0])
            buf_printf(b, " cb=%s", d.cbflag);
        if (d.authzid)
            buf_printf(b, " authzid=\"%s\"", d.authzid);
        if (d.authcid)
            buf_printf(b, " authcid=\"%s\"", d.authcid);
        if (d.realm)
            buf_printf(b, " realm=\"%s\"", d.realm);
        if (d.digest_uri)
            buf_printf(b, " digest-uri=\"%s\"", d.digest_uri);
        if (d.qop)
            buf_printf(b, " qop=%s", d.qop);
        if (d.digest_uri) /* DIGEST-MD5: the response hash is the secret part */
            buf_append_str(b, " response=" REPORT_HIDDEN);
        if (d.secret) {
            buf_append_str(b, d.token ? " token=" : " password=");
            append_secret(b, d.secret, show);
        }
    } else {
        buf_printf(b, " [redacted base64 %zu bytes]", el->text_len);
    }
    sasl_decoded_clear(&d);
}

static void
append_features(struct buf *b, const struct stanza *el)
{
    for (size_t i = 0; i < el->nchildren; i++) {
        const struct stanza *c = el->children[i];
        buf_append_str(b, i ? ", " : " ");
        buf_append_str(b, c->name);
        if (strcmp(c->name, "mechanisms") == 0 || strcmp(c->name, "authentication") == 0) {
            buf_append_char(b, '[');
            bool first = true;
            for (size_t k = 0; k < c->nchildren; k++) {
                if (strcmp(c->children[k]->name, "mechanism") != 0)
                    continue;
                if (!first)
                    buf_append_char(b, ' ');
                append_clipped(b, c->children[k]->text, MAX_ATTR_VALUE);
                first = false;
            }
            buf_append_char(b, ']');
        } else if (stanza_child(c, "required", NULL)) {
            buf_append_str(b, "(required)");
        }
    }
}

/* |g| is the <value> of a data-form field for a password (XEP-0077 §6, XEP-0004). */
static bool
password_field_value(const struct stanza *field, const struct stanza *g)
{
    const char *var = stanza_attr(field, "var", NULL);
    return strcmp(field->name, "field") == 0 && strcmp(g->name, "value") == 0 && var &&
           strstr(var, "password");
}

/* Payload children of an iq or a stanza: "bind[resource=laptop]" style. */
static void
append_children(struct buf *b, const struct stanza *el, bool show)
{
    for (size_t i = 0; i < el->nchildren && i < 4; i++) {
        const struct stanza *c = el->children[i];
        buf_append_char(b, ' ');
        buf_append_str(b, c->name);
        /* the core namespaces (urn:ietf:params:xml:ns:xmpp-*) are implied by the name */
        if (c->ns && strcmp(c->ns, NS_CLIENT) != 0 &&
            strncmp(c->ns, "urn:ietf:params:xml:ns:xmpp-", 28) != 0) {
            buf_append_str(b, "{");
            append_clipped(b, c->ns, MAX_ATTR_VALUE);
            buf_append_str(b, "}");
        }
        if (c->nchildren) {
            buf_append_char(b, '[');
            for (size_t k = 0; k < c->nchildren && k < 6; k++) {
                const struct stanza *g = c->children[k];
                if (k)
                    buf_append_char(b, ' ');
                buf_append_str(b, g->name);
                bool secret = strcmp(g->name, "password") == 0 || strcmp(g->name, "digest") == 0 ||
                              strcmp(g->name, "token") == 0 || password_field_value(c, g);
                if (g->text_len) {
                    buf_append_char(b, '=');
                    if (secret)
                        append_secret(b, g->text, show);
                    else
                        append_clipped(b, g->text, MAX_TEXT);
                }
            }
            if (c->nchildren > 6)
                buf_append_str(b, " ...");
            buf_append_char(b, ']');
        } else if (c->text_len && strcmp(c->name, "body") != 0) {
            buf_append_char(b, '=');
            append_clipped(b, c->text, MAX_TEXT);
        }
    }
    if (el->nchildren > 4)
        buf_append_str(b, " ...");
}

void
abbrev_clip(char *s, size_t max)
{
    if (strnlen(s, max + 1) <= max)
        return;
    size_t n = utf8_cut(s, max - 3); /* not inside a UTF-8 sequence */
    memcpy(s + n, "...", 4);
}

char *
abbrev_element(const struct stanza *el, enum event ev, const char *mech, bool show_secrets)
{
    struct buf b = {0};
    buf_grow(&b, 127); /* nine summaries in ten fit: one allocation, no regrowth */
    switch (ev) {
    case EV_FEATURES:
        buf_append_str(&b, "<stream:features>");
        append_features(&b, el);
        break;
    case EV_RESPONSE:
        if (mech && strncasecmp(mech, "SCRAM-", 6) == 0) {
            /* client-final-message (RFC 5802 §7): channel binding, nonce, proof */
            append_start_tag(&b, el);
            buf_append_str(&b, " client-final proof=");
            append_secret(&b, "(not decoded)", show_secrets);
            break;
        }
        /* the first response may carry the initial data: decode it like <auth> */
        __attribute__((fallthrough));
    case EV_AUTH:
        append_start_tag(&b, el);
        append_sasl_client(&b, el, ev == EV_AUTH ? stanza_attr(el, "mechanism", NULL) : mech,
                           show_secrets);
        break;
    case EV_CHALLENGE:
    case EV_SUCCESS:
        append_start_tag(&b, el);
        if (el->text_len) {
            long iter = ev == EV_CHALLENGE ? sasl_scram_iterations(el->text, el->text_len) : -1;
            if (iter >= 0)
                buf_printf(&b, " iterations=%ld", iter);
            buf_printf(&b, " [base64 %zu bytes]", el->text_len);
        }
        break;
    case EV_FAILURE:
    case EV_STREAM_ERROR:
    case EV_STARTTLS_FAILURE:
    case EV_SM_FAILED:
    case EV_COMPRESS_FAILURE: {
        append_start_tag(&b, el);
        const char *cond = phase_condition(el);
        if (cond)
            buf_printf(&b, " %s", cond);
        const char *text = stanza_child_text(el, "text", NULL);
        if (text && *text) {
            buf_append_str(&b, " \"");
            append_clipped(&b, text, 80);
            buf_append_char(&b, '"');
        }
        break;
    }
    default:
        append_start_tag(&b, el);
        if (ev != EV_STREAM_OPEN && ev != EV_STREAM_RESTART)
            append_children(&b, el, show_secrets);
        break;
    }
    if (!b.data)
        return xstrdup("");
    if (b.len > ABBREV_MAX) {
        abbrev_clip(b.data, ABBREV_MAX);
        return xrealloc(b.data, ABBREV_MAX + 1); /* not the whole element's worth of memory */
    }
    return b.data;
}
