/* test_xmlscope: namespace bindings in scope, with and without the prefix index. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "xmlscope.h"

/* What a scan from the innermost binding finds for |prefix| (NULL: the default). */
static const char *
naive(const struct xml_scope *s, const char *prefix, bool *found)
{
    size_t want = prefix ? strlen(prefix) : 0;
    for (size_t i = s->n; i-- > 0;) {
        const struct xml_binding *b = &s->b[i];
        if (b->prefix_len == want && memcmp(s->pool.data + b->prefix_off, prefix ? prefix : "", want) == 0) {
            *found = true;
            return b->uri_len ? s->pool.data + b->uri_off : NULL;
        }
    }
    *found = prefix == NULL;
    return NULL;
}

/* Every prefix p0..p|nprefixes| and the default resolve as the scan says. */
static void
expect_lookups(const struct xml_scope *s, int nprefixes, const char *where)
{
    for (int i = -1; i < nprefixes; i++) {
        char p[16];
        snprintf(p, sizeof p, "p%d", i);
        const char *prefix = i < 0 ? NULL : p;
        bool f1, f2;
        size_t ulen;
        const char *got = xml_scope_lookup(s, prefix, prefix ? strlen(prefix) : 0, &f1, &ulen);
        const char *want = naive(s, prefix, &f2);
        cr_expect_eq(f1, f2, "%s: %s found", where, p);
        if (want && got)
            cr_expect_str_eq(got, want, "%s: %s", where, p);
        else
            cr_expect_eq(got, want, "%s: %s", where, p);
        cr_expect_eq(ulen, got ? strlen(got) : 0, "%s: %s length", where, p);
    }
}

static void
push(struct xml_scope *s, const char *prefix, const char *uri)
{
    xml_scope_push(s, prefix, prefix ? strlen(prefix) : 0, uri, strlen(uri));
}

Test(xmlscope, the_index_finds_what_a_scan_finds_through_pushes_and_pops)
{
    struct xml_scope s = {0};
    /* a header's few, then many with prefixes repeating (hiding one another), then pops */
    push(&s, NULL, "jabber:client");
    push(&s, "stream", "http://etherx.jabber.org/streams");
    size_t marks[6];
    int nm = 0;
    unsigned seed = 12345;
    for (int i = 0; i < 3000; i++) {
        if (i % 500 == 0)
            marks[nm++] = s.n;
        seed = seed * 1103515245 + 12345;
        char p[16], u[32];
        snprintf(p, sizeof p, "p%u", (seed >> 16) % 700);
        snprintf(u, sizeof u, "urn:%d", i);
        if (i % 97 == 0)
            push(&s, NULL, i % 2 ? u : ""); /* the default, declared and undeclared */
        else
            push(&s, p, u);
        if (i % 250 == 0)
            expect_lookups(&s, 700, "pushing");
    }
    cr_expect_gt(s.nslots, 0, "indexed");
    expect_lookups(&s, 700, "all pushed");
    while (nm-- > 0) {
        xml_scope_pop_to(&s, marks[nm]);
        expect_lookups(&s, 700, "popped");
    }
    cr_expect_eq(s.n, 2);
    cr_expect_eq(s.nslots, 0, "few again: scanned");
    expect_lookups(&s, 700, "back to the header's");
    bool found;
    size_t ulen;
    cr_expect_str_eq(xml_scope_lookup(&s, "xml", 3, &found, &ulen), "http://www.w3.org/XML/1998/namespace");
    cr_expect_null(xml_scope_lookup(&s, "nope", 4, &found, &ulen));
    cr_expect_not(found);
    xml_scope_clear(&s);
}

Test(xmlscope, a_packed_scope_is_indexed_again_on_the_other_side)
{
    struct xml_scope s = {0}, back = {0};
    for (int i = 0; i < 100; i++) {
        char p[16], u[32];
        snprintf(p, sizeof p, "p%d", i % 40);
        snprintf(u, sizeof u, "urn:%d", i);
        push(&s, p, u);
    }
    push(&s, NULL, "jabber:client");
    struct buf b = {0};
    xml_scope_pack(&s, &b);
    cr_assert(xml_scope_unpack(&back, b.data, b.len));
    cr_expect_gt(back.nslots, 0);
    expect_lookups(&back, 40, "unpacked");
    cr_expect_str_eq(xml_scope_default_ns(&back), "jabber:client");
    xml_scope_pop_to(&back, 50);
    expect_lookups(&back, 40, "unpacked, popped");
    buf_clear(&b);
    xml_scope_clear(&s);
    xml_scope_clear(&back);
}

Test(xmlscope, the_hash_depends_on_both_parts)
{
    cr_expect_neq(xml_hash("ab", 2, "c", 1), xml_hash("a", 1, "bc", 2));
    cr_expect_eq(xml_hash("ab", 2, NULL, 0), xml_hash("ab", 2, NULL, 0));
    cr_expect_neq(xml_hash("ab", 2, NULL, 0), xml_hash("ba", 2, NULL, 0));
}
