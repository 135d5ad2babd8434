/*
 * fuzz_deferred: the split run's promise, on arbitrary bytes. A framer that
 * parses, and a deferred one (all units, or elements only) whose frames go
 * through a frame_parser, must give the same frames; every tree must come
 * back equal from stanza_pack/stanza_unpack and, when it fits one chunk,
 * from stanza_flat/stanza_from_flat. Any difference aborts.
 */
#include <config.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "framer.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool
same_tree(const struct stanza *a, const struct stanza *b)
{
    if (!a || !b)
        return a == b;
    if (!same_str(a->name, b->name) || !same_str(a->prefix, b->prefix) || !same_str(a->ns, b->ns) ||
        !same_str(a->default_ns, b->default_ns) || a->text_len != b->text_len ||
        memcmp(a->text, b->text, a->text_len) != 0 || a->nattrs != b->nattrs ||
        a->nchildren != b->nchildren)
        return false;
    for (size_t i = 0; i < a->nattrs; i++)
        if (!same_str(a->attrs[i].name, b->attrs[i].name) ||
            !same_str(a->attrs[i].prefix, b->attrs[i].prefix) ||
            !same_str(a->attrs[i].ns, b->attrs[i].ns) ||
            !same_str(a->attrs[i].value, b->attrs[i].value))
            return false;
    for (size_t i = 0; i < a->nchildren; i++)
        if (!same_tree(a->children[i], b->children[i]))
            return false;
    return true;
}

/* A frame kept for comparison (frames die at the next framer call). */
struct kept {
    enum frame_kind kind;
    size_t offset, size;
    bool xml_decl, outside;
    char *message;
    struct stanza *el;
};

static void
check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_deferred: %s\n", what);
        abort();
    }
}

/* The trees' byte forms give them back whole. */
static void
check_copies(const struct stanza *el)
{
    struct buf b = {0};
    stanza_pack(el, &b);
    struct stanza *back = stanza_unpack(b.data, b.len);
    check(same_tree(el, back), "stanza_unpack(stanza_pack()) differs");
    stanza_free(back);
    buf_clear(&b);
    const void *flat;
    size_t len, root;
    if (stanza_flat(el, &flat, &len, &root)) {
        struct stanza *moved = stanza_from_flat(flat, len, root, (uintptr_t)flat);
        check(same_tree(el, moved), "stanza_from_flat(stanza_flat()) differs");
        stanza_free(moved);
    }
}

/* Runs |data| through a framer (deferred per |mode|: 0 none, 1 all, 2 elements) into |out|. */
static size_t
run(const uint8_t *data, size_t size, size_t cut, bool gap, int mode, struct kept *out, size_t cap)
{
    struct framer_limits limits = {.max_element = 4096, .max_depth = 16};
    struct framer *f = framer_new("fuzz", &limits);
    struct frame_parser *fp = frame_parser_new();
    if (mode == 1)
        framer_defer_parsing(f);
    else if (mode == 2)
        framer_defer_elements(f);
    size_t n = 0;
    for (int step = 0; step < 3; step++) {
        if (step == 0)
            framer_feed(f, (const char *)data, cut);
        else if (step == 1) {
            if (gap) /* a hole of up to 15 bytes: elements it cuts are mended */
                framer_gap_bytes(f, size ? data[size - 1] % 16 : 0);
            framer_feed(f, (const char *)data + cut, size - cut);
        } else {
            framer_finish(f);
        }
        struct frame in, fr;
        while (framer_next(f, &in)) {
            if (mode) {
                if (in.kind == FRAME_ELEMENT)
                    check(!in.el, "a deferred element came with a tree");
                if (!frame_parser_parse(fp, &in, &fr))
                    continue;
            } else {
                fr = in;
            }
            if (fr.el)
                check_copies(fr.el);
            if (n < cap) {
                out[n] = (struct kept){fr.kind, fr.offset, fr.size, fr.xml_decl, fr.outside,
                                       fr.message ? strdup(fr.message) : NULL,
                                       fr.el ? stanza_dup(fr.el) : NULL};
            }
            n++;
        }
    }
    frame_parser_free(fp);
    framer_free(f);
    return n;
}

static void
forget(struct kept *k, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(k[i].message);
        stanza_free(k[i].el);
    }
}

#define MAX_FRAMES 256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct kept direct[MAX_FRAMES], deferred[MAX_FRAMES];
    size_t cut = size ? data[0] % (size + 1) : 0;
    bool gap = size && cut < size && (data[0] & 1);
    int mode = size && (data[0] & 2) ? 2 : 1;
    size_t n0 = run(data, size, cut, gap, 0, direct, MAX_FRAMES);
    size_t n1 = run(data, size, cut, gap, mode, deferred, MAX_FRAMES);
    check(n0 == n1, "not as many frames");
    for (size_t i = 0; i < n0 && i < MAX_FRAMES; i++) {
        const struct kept *a = &direct[i], *b = &deferred[i];
        check(a->kind == b->kind && a->offset == b->offset && a->size == b->size &&
                  a->xml_decl == b->xml_decl && a->outside == b->outside,
              "a frame differs");
        check(same_str(a->message, b->message), "a message differs");
        check(same_tree(a->el, b->el), "a tree differs");
    }
    forget(direct, n0 < MAX_FRAMES ? n0 : MAX_FRAMES);
    forget(deferred, n1 < MAX_FRAMES ? n1 : MAX_FRAMES);
    return 0;
}
