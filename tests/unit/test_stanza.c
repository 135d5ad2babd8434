/* test_stanza: the element record (construction, lookups, deep copy, free). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "stanza.h"

#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define NS_XML "http://www.w3.org/XML/1998/namespace"

static void
add_text(struct stanza *s, const char *text)
{
    stanza_add_text(s, text, strlen(text));
}

static void
add_attr(struct stanza *s, const char *name, const char *value)
{
    stanza_add_attr(s, name, NULL, NULL, value, strlen(value));
}

/* <iq type='set' id='b1' xml:lang='en'><bind xmlns=bind><resource>r</resource></bind></iq> */
static struct stanza *
bind_iq(void)
{
    struct stanza *iq = stanza_new("iq", NULL, "jabber:client");
    add_attr(iq, "type", "set");
    add_attr(iq, "id", "b1");
    stanza_add_attr(iq, "lang", "xml", NS_XML, "en", 2);
    struct stanza *bind = stanza_new("bind", NULL, NS_BIND);
    struct stanza *res = stanza_new("resource", NULL, NS_BIND);
    add_text(res, "r");
    stanza_add_child(bind, res);
    stanza_add_child(iq, bind);
    return iq;
}

Test(stanza, new_copies_names_and_starts_with_empty_text)
{
    char name[] = "features", prefix[] = "stream", ns[] = "http://etherx.jabber.org/streams";
    struct stanza *s = stanza_new(name, prefix, ns);
    name[0] = prefix[0] = ns[0] = 'X';
    cr_expect_str_eq(s->name, "features");
    cr_expect_str_eq(s->prefix, "stream");
    cr_expect_str_eq(s->ns, "http://etherx.jabber.org/streams");
    cr_expect_not_null(s->text);
    cr_expect_str_eq(s->text, "");
    cr_expect_eq(s->text_len, 0);
    cr_expect_eq(s->nattrs, 0);
    cr_expect_eq(s->nchildren, 0);
    stanza_free(s);
}

Test(stanza, new_accepts_null_prefix_and_namespace)
{
    struct stanza *s = stanza_new("presence", NULL, NULL);
    cr_expect_str_eq(s->name, "presence");
    cr_expect_null(s->prefix);
    cr_expect_null(s->ns);
    stanza_free(s);
}

Test(stanza, attr_is_found_by_local_name_in_any_namespace)
{
    struct stanza *iq = bind_iq();
    cr_expect_str_eq(stanza_attr(iq, "type", NULL), "set");
    cr_expect_str_eq(stanza_attr(iq, "id", NULL), "b1");
    cr_expect_str_eq(stanza_attr(iq, "lang", NULL), "en");
    cr_expect_null(stanza_attr(iq, "to", NULL));
    cr_expect_null(stanza_attr(iq, "TYPE", NULL), "names are case-sensitive");
    stanza_free(iq);
}

Test(stanza, attr_with_namespace_only_matches_that_namespace)
{
    struct stanza *iq = bind_iq();
    cr_expect_str_eq(stanza_attr(iq, "lang", NS_XML), "en");
    cr_expect_null(stanza_attr(iq, "type", NS_XML), "unprefixed attributes have no namespace");
    cr_expect_null(stanza_attr(iq, "lang", "urn:other"));
    const struct stanza_attr *a = &iq->attrs[2];
    cr_expect_str_eq(a->name, "lang");
    cr_expect_str_eq(a->prefix, "xml");
    cr_expect_str_eq(a->ns, NS_XML);
    stanza_free(iq);
}

Test(stanza, attr_value_keeps_its_given_length)
{
    struct stanza *s = stanza_new("a", NULL, NULL);
    stanza_add_attr(s, "v", NULL, NULL, "abcdef", 3);
    stanza_add_attr(s, "empty", NULL, NULL, "", 0);
    cr_expect_str_eq(stanza_attr(s, "v", NULL), "abc");
    cr_expect_str_eq(stanza_attr(s, "empty", NULL), "");
    stanza_free(s);
}

Test(stanza, first_of_duplicate_attrs_wins)
{
    struct stanza *s = stanza_new("a", NULL, NULL);
    add_attr(s, "id", "first");
    add_attr(s, "id", "second");
    cr_expect_str_eq(stanza_attr(s, "id", NULL), "first");
    stanza_free(s);
}

Test(stanza, child_is_found_by_name_and_namespace)
{
    struct stanza *iq = bind_iq();
    const struct stanza *bind = stanza_child(iq, "bind", NS_BIND);
    cr_assert_not_null(bind);
    cr_expect_str_eq(bind->name, "bind");
    cr_expect_eq(stanza_child(iq, "bind", NULL), bind, "NULL namespace matches any");
    cr_expect_eq(stanza_child(iq, NULL, NS_BIND), bind, "NULL name matches any");
    cr_expect_eq(stanza_child(iq, NULL, NULL), bind);
    cr_expect_null(stanza_child(iq, "bind", NS_SASL));
    cr_expect_null(stanza_child(iq, "resource", NULL), "only direct children");
    cr_expect_null(stanza_child(bind, "resource", "jabber:client"));
    stanza_free(iq);
}

Test(stanza, child_lookup_returns_the_first_match)
{
    struct stanza *m = stanza_new("mechanisms", NULL, NS_SASL);
    const char *names[] = {"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"};
    for (size_t i = 0; i < 3; i++) {
        struct stanza *c = stanza_new("mechanism", NULL, NS_SASL);
        add_text(c, names[i]);
        stanza_add_child(m, c);
    }
    cr_expect_str_eq(stanza_child_text(m, "mechanism", NS_SASL), "PLAIN");
    cr_expect_eq(m->nchildren, 3);
    cr_expect_str_eq(m->children[2]->text, "SCRAM-SHA-256");
    stanza_free(m);
}

Test(stanza, child_text_is_null_without_the_child)
{
    struct stanza *iq = bind_iq();
    const struct stanza *bind = stanza_child(iq, "bind", NS_BIND);
    cr_expect_str_eq(stanza_child_text(bind, "resource", NS_BIND), "r");
    cr_expect_null(stanza_child_text(bind, "jid", NS_BIND));
    cr_expect_str_eq(stanza_child_text(iq, "bind", NS_BIND), "", "present but empty");
    stanza_free(iq);
}

Test(stanza, is_matches_name_and_optional_namespace)
{
    struct stanza *auth = stanza_new("auth", NULL, NS_SASL);
    cr_expect(stanza_is(auth, "auth", NS_SASL));
    cr_expect(stanza_is(auth, "auth", NULL));
    cr_expect_not(stanza_is(auth, "auth", "jabber:iq:auth"));
    cr_expect_not(stanza_is(auth, "success", NS_SASL));
    cr_expect_not(stanza_is(NULL, "auth", NULL));
    struct stanza *bare = stanza_new("auth", NULL, NULL);
    cr_expect(stanza_is(bare, "auth", NULL));
    cr_expect_not(stanza_is(bare, "auth", NS_SASL), "no namespace never equals one");
    stanza_free(auth);
    stanza_free(bare);
}

Test(stanza, lookups_accept_null_element)
{
    cr_expect_null(stanza_attr(NULL, "id", NULL));
    cr_expect_null(stanza_child(NULL, "bind", NULL));
    cr_expect_null(stanza_child_text(NULL, "bind", NULL));
}

Test(stanza, text_is_appended_and_kept_nul_terminated)
{
    struct stanza *s = stanza_new("body", NULL, "jabber:client");
    add_text(s, "AGFs");
    add_text(s, "");
    add_text(s, "aWNl");
    cr_expect_str_eq(s->text, "AGFsaWNl");
    cr_expect_eq(s->text_len, 8);
    stanza_free(s);
}

Test(stanza, long_text_grows_through_many_appends)
{
    struct stanza *s = stanza_new("body", NULL, NULL);
    char piece[7] = "abcdef";
    for (int i = 0; i < 10000; i++)
        stanza_add_text(s, piece, i % 7);
    size_t want = 0;
    for (int i = 0; i < 10000; i++)
        want += (size_t)(i % 7);
    cr_assert_eq(s->text_len, want);
    cr_expect_eq(strlen(s->text), want);
    cr_expect_eq(memcmp(s->text, "aab", 3), 0);
    stanza_free(s);
}

Test(stanza, many_attrs_and_children_grow)
{
    struct stanza *s = stanza_new("x", NULL, NULL);
    char name[16];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "a%d", i);
        stanza_add_attr(s, name, NULL, NULL, name, strlen(name));
        stanza_add_child(s, stanza_new(name, NULL, NULL));
    }
    cr_assert_eq(s->nattrs, 100);
    cr_assert_eq(s->nchildren, 100);
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "a%d", i);
        cr_expect_str_eq(stanza_attr(s, name, NULL), name, "attr %d", i);
        cr_expect_str_eq(s->children[i]->name, name, "child %d", i);
    }
    stanza_free(s);
}

Test(stanza, dup_is_deep_and_independent)
{
    struct stanza *iq = bind_iq();
    struct stanza *copy = stanza_dup(iq);
    stanza_free(iq);
    cr_expect_str_eq(copy->name, "iq");
    cr_expect_str_eq(copy->ns, "jabber:client");
    cr_expect_null(copy->prefix);
    cr_expect_eq(copy->nattrs, 3);
    cr_expect_str_eq(stanza_attr(copy, "id", NULL), "b1");
    cr_expect_str_eq(stanza_attr(copy, "lang", NS_XML), "en");
    cr_expect_str_eq(copy->attrs[2].prefix, "xml");
    const struct stanza *bind = stanza_child(copy, "bind", NS_BIND);
    cr_assert_not_null(bind);
    cr_expect_str_eq(stanza_child_text(bind, "resource", NS_BIND), "r");
    /* a copy can still grow */
    add_text(copy, "more");
    add_attr(copy, "to", "xmppflow.test");
    stanza_add_child(copy, stanza_new("extra", NULL, NULL));
    cr_expect_str_eq(copy->text, "more");
    cr_expect_str_eq(stanza_attr(copy, "to", NULL), "xmppflow.test");
    cr_expect_eq(copy->nchildren, 2);
    stanza_free(copy);
}

Test(stanza, dup_of_text_can_be_appended_to)
{
    struct stanza *s = stanza_new("auth", NULL, NS_SASL);
    add_text(s, "AGFsaWNlAHNlY3JldA==");
    struct stanza *d = stanza_dup(s);
    add_text(d, "xyz");
    cr_expect_str_eq(s->text, "AGFsaWNlAHNlY3JldA==");
    cr_expect_str_eq(d->text, "AGFsaWNlAHNlY3JldA==xyz");
    cr_expect_eq(d->text_len, 23);
    stanza_free(s);
    stanza_free(d);
}

Test(stanza, dup_and_free_accept_null)
{
    cr_expect_null(stanza_dup(NULL));
    stanza_free(NULL);
}

Test(stanza, default_namespace_is_copied_by_dup_and_freed)
{
    struct stanza *s = stanza_new("stream", "stream", "http://etherx.jabber.org/streams");
    cr_expect_null(s->default_ns);
    stanza_set_default_ns(s, "jabber:client");
    stanza_set_default_ns(s, "jabber:server"); /* replaces, no leak */
    struct stanza *d = stanza_dup(s);
    cr_expect_str_eq(d->default_ns, "jabber:server");
    cr_expect_neq(d->default_ns, s->default_ns);
    stanza_set_default_ns(d, NULL);
    cr_expect_null(d->default_ns);
    stanza_free(s);
    stanza_free(d);
}

/* An arena tree: the same content as a heap tree, however big it grows; one free for all. */
Test(stanza, arena_trees_hold_what_heap_trees_hold)
{
    struct stanza *root = stanza_new_tree("iq", NULL, "jabber:client");
    cr_expect(root->owns_arena);
    struct stanza *heap = stanza_new("iq", NULL, "jabber:client");
    char value[64];
    for (int i = 0; i < 300; i++) { /* past several chunks and array doublings */
        snprintf(value, sizeof(value), "v%d", i);
        struct stanza *c = stanza_new_in(root, "item", "p", "urn:x");
        cr_expect_not(c->owns_arena);
        stanza_add_attr(c, "n", NULL, NULL, value, strlen(value));
        stanza_add_text(c, value, strlen(value));
        stanza_add_text(c, "-", 1);
        stanza_add_child(root, c);
        struct stanza *h = stanza_new("item", "p", "urn:x");
        stanza_add_attr(h, "n", NULL, NULL, value, strlen(value));
        stanza_add_text(h, value, strlen(value));
        stanza_add_text(h, "-", 1);
        stanza_add_child(heap, h);
        stanza_add_attr(root, "a", NULL, NULL, value, strlen(value));
        stanza_add_attr(heap, "a", NULL, NULL, value, strlen(value));
    }
    stanza_set_default_ns(root, "jabber:client");
    stanza_set_default_ns(root, "jabber:server");
    struct buf big = {0};
    for (int i = 0; i < 5000; i++)
        buf_append_str(&big, "0123456789abcdef"); /* 80 000 bytes: one chunk of its own */
    stanza_add_text(root, big.data, big.len);
    stanza_add_text(heap, big.data, big.len);
    cr_assert_eq(root->nchildren, heap->nchildren);
    cr_assert_eq(root->nattrs, heap->nattrs);
    for (size_t i = 0; i < root->nchildren; i++) {
        cr_expect_str_eq(root->children[i]->text, heap->children[i]->text);
        cr_expect_str_eq(stanza_attr(root->children[i], "n", NULL), stanza_attr(heap->children[i], "n", NULL));
        cr_expect_str_eq(root->children[i]->ns, "urn:x");
    }
    cr_expect_eq(root->text_len, big.len);
    cr_expect_str_eq(root->text, heap->text);
    cr_expect_str_eq(root->default_ns, "jabber:server");
    /* a copy is an ordinary heap tree that outlives the arena */
    struct stanza *d = stanza_dup(root);
    cr_expect_null(d->arena);
    stanza_free(root->children[3]); /* a no-op: the root frees it */
    stanza_free(root);
    cr_expect_eq(d->nchildren, 300);
    cr_expect_str_eq(stanza_attr(d->children[299], "n", NULL), "v299");
    stanza_free(d);
    stanza_free(heap);
    buf_clear(&big);
}

/* ---- byte forms: damaged bytes are refused, never read past ---- */

#include "buf.h"

static struct stanza *
packed_sample(void)
{
    struct stanza *s = stanza_new_tree("stream", "stream", "http://etherx.jabber.org/streams");
    stanza_set_default_ns(s, "jabber:client");
    stanza_add_attr(s, "lang", "xml", "http://www.w3.org/XML/1998/namespace", "en", 2);
    stanza_add_attr(s, "version", NULL, NULL, "1.0", 3);
    struct stanza *c = stanza_new_in(s, "mechanism", NULL, "urn:ietf:params:xml:ns:xmpp-sasl");
    stanza_add_text(c, "PLAIN", 5);
    stanza_add_child(s, c);
    return s;
}

Test(stanza, unpack_refuses_every_cut_and_a_bad_length)
{
    struct stanza *s = packed_sample();
    struct buf b = {0};
    stanza_pack(s, &b);
    struct stanza *back = stanza_unpack(b.data, b.len);
    cr_assert_not_null(back);
    cr_expect_str_eq(back->children[0]->text, "PLAIN");
    cr_expect_str_eq(stanza_attr(back, "version", NULL), "1.0");
    stanza_free(back);
    for (size_t n = 0; n < b.len; n++) {
        char *cut = malloc(n ? n : 1); /* exactly n bytes: ASan sees any read past them */
        memcpy(cut, b.data, n);
        cr_expect_null(stanza_unpack(cut, n), "a cut at %zu of %zu bytes was taken", n, b.len);
        free(cut);
    }
    /* a string length far past the end */
    char *bad = malloc(b.len);
    memcpy(bad, b.data, b.len);
    uint32_t huge = 0x7ffffff0;
    memcpy(bad, &huge, sizeof huge);
    cr_expect_null(stanza_unpack(bad, b.len));
    free(bad);
    buf_clear(&b);
    stanza_free(s);
}

Test(stanza, flat_copy_moves_every_pointer)
{
    struct stanza *s = packed_sample();
    const void *flat;
    size_t len, root;
    cr_assert(stanza_flat(s, &flat, &len, &root));
    struct stanza *copy = stanza_from_flat(flat, len, root, (uintptr_t)flat);
    stanza_free(s); /* the copy must not point into the original */
    cr_assert_not_null(copy);
    cr_expect_str_eq(copy->default_ns, "jabber:client");
    cr_expect_str_eq(copy->children[0]->name, "mechanism");
    cr_expect_str_eq(copy->children[0]->text, "PLAIN");
    stanza_free(copy);
    /* bytes that do not come from that address are refused */
    s = packed_sample();
    cr_assert(stanza_flat(s, &flat, &len, &root));
    cr_expect_null(stanza_from_flat(flat, len, root, (uintptr_t)flat + 4096));
    cr_expect_null(stanza_from_flat(flat, 8, root, (uintptr_t)flat));
    stanza_free(s);
}
