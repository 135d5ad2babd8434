/* stanza: an XML element tree as the framer saw it (names, namespaces, attributes, text). */
#include <config.h>
#include "stanza.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/*
 * Empty elements share one static "" instead of allocating their text; only
 * this file frees text, and it never frees this one.
 */
static char empty_text[1];

/*
 * Arrays and text grow to the next power of two, so the capacity follows from
 * the length and struct stanza needs no capacity fields. Every allocation of
 * attrs, children and text in this file keeps that rule (stanza_dup too).
 */
static size_t
capacity_for(size_t n)
{
    size_t cap = 4;
    while (cap < n)
        cap *= 2;
    return cap;
}

/*
 * Copies |n| strings (NULL stays NULL) into one block that starts |head|
 * bytes in, and points *|dst[i]| at the copies; returns the block. One block
 * per element and per attribute keeps allocation off the framer's hot path.
 */
static void *
pack(size_t head, size_t n, const char *const src[], const size_t len[], char **dst[])
{
    size_t total = head;
    for (size_t i = 0; i < n; i++)
        if (src[i])
            total += len[i] + 1;
    char *block = xmalloc(total);
    char *p = block + head;
    for (size_t i = 0; i < n; i++) {
        if (!src[i]) {
            *dst[i] = NULL;
            continue;
        }
        if (len[i])
            memcpy(p, src[i], len[i]);
        p[len[i]] = '\0';
        *dst[i] = p;
        p += len[i] + 1;
    }
    return block;
}

struct stanza *
stanza_new(const char *name, const char *prefix, const char *ns)
{
    struct stanza tmp = {0};
    const char *src[3] = {name ? name : "", prefix, ns};
    size_t len[3] = {strlen(src[0]), prefix ? strlen(prefix) : 0, ns ? strlen(ns) : 0};
    char **dst[3] = {&tmp.name, &tmp.prefix, &tmp.ns};
    struct stanza *s = pack(sizeof(*s), 3, src, len, dst);
    *s = tmp;
    s->text = empty_text;
    return s;
}

void
stanza_free(struct stanza *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nchildren; i++)
        stanza_free(s->children[i]);
    free(s->children);
    for (size_t i = 0; i < s->nattrs; i++)
        free(s->attrs[i].value); /* the attribute's block */
    free(s->attrs);
    if (s->text != empty_text)
        free(s->text);
    free(s->default_ns); /* its own allocation: only stream headers have one */
    free(s); /* name, prefix and ns live in the same block */
}

struct stanza *
stanza_dup(const struct stanza *s)
{
    if (!s)
        return NULL;
    struct stanza *d = stanza_new(s->name, s->prefix, s->ns);
    stanza_set_default_ns(d, s->default_ns);
    for (size_t i = 0; i < s->nattrs; i++) {
        const struct stanza_attr *a = &s->attrs[i];
        stanza_add_attr(d, a->name, a->prefix, a->ns, a->value, strlen(a->value));
    }
    if (s->text_len) {
        d->text = xmalloc(capacity_for(s->text_len + 1));
        memcpy(d->text, s->text, s->text_len);
        d->text[s->text_len] = '\0';
        d->text_len = s->text_len;
    }
    if (s->nchildren) {
        d->children = xreallocarray(NULL, capacity_for(s->nchildren), sizeof(*d->children));
        for (size_t i = 0; i < s->nchildren; i++)
            d->children[i] = stanza_dup(s->children[i]);
        d->nchildren = s->nchildren;
    }
    return d;
}

void
stanza_add_attr(struct stanza *s, const char *name, const char *prefix, const char *ns,
                const char *value, size_t value_len)
{
    if (s->nattrs == 0 || s->nattrs == capacity_for(s->nattrs))
        s->attrs = xreallocarray(s->attrs, capacity_for(s->nattrs + 1), sizeof(*s->attrs));
    struct stanza_attr *a = &s->attrs[s->nattrs++];
    /* value first: an attribute is freed through its first string */
    const char *src[4] = {value ? value : "", name ? name : "", prefix, ns};
    size_t len[4] = {value ? value_len : 0, strlen(src[1]), prefix ? strlen(prefix) : 0,
                     ns ? strlen(ns) : 0};
    char **dst[4] = {&a->value, &a->name, &a->prefix, &a->ns};
    pack(0, 4, src, len, dst);
}

void
stanza_set_default_ns(struct stanza *s, const char *ns)
{
    free(s->default_ns);
    s->default_ns = ns ? xstrdup(ns) : NULL;
}

void
stanza_add_text(struct stanza *s, const char *text, size_t len)
{
    if (len == 0)
        return;
    size_t need = s->text_len + len + 1;
    if (s->text == empty_text) {
        s->text = xmalloc(capacity_for(need));
    } else {
        size_t cap = capacity_for(s->text_len + 1);
        if (need > cap)
            s->text = xrealloc(s->text, capacity_for(need));
    }
    memcpy(s->text + s->text_len, text, len);
    s->text_len += len;
    s->text[s->text_len] = '\0';
}

void
stanza_add_child(struct stanza *s, struct stanza *child)
{
    if (s->nchildren == 0 || s->nchildren == capacity_for(s->nchildren))
        s->children =
            xreallocarray(s->children, capacity_for(s->nchildren + 1), sizeof(*s->children));
    s->children[s->nchildren++] = child;
}

static bool
same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

const char *
stanza_attr(const struct stanza *s, const char *name, const char *ns)
{
    if (!s || !name)
        return NULL;
    for (size_t i = 0; i < s->nattrs; i++) {
        const struct stanza_attr *a = &s->attrs[i];
        if (same(a->name, name) && (!ns || same(a->ns, ns)))
            return a->value;
    }
    return NULL;
}

const struct stanza *
stanza_child(const struct stanza *s, const char *name, const char *ns)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->nchildren; i++) {
        const struct stanza *c = s->children[i];
        if ((!name || same(c->name, name)) && (!ns || same(c->ns, ns)))
            return c;
    }
    return NULL;
}

const char *
stanza_child_text(const struct stanza *s, const char *name, const char *ns)
{
    const struct stanza *c = stanza_child(s, name, ns);
    return c ? c->text : NULL;
}

bool
stanza_is(const struct stanza *s, const char *name, const char *ns)
{
    return s && name && same(s->name, name) && (!ns || same(s->ns, ns));
}
