/*
 * fuzz_xmlparse: the XML layer (xmlpush.c, libxml2's push parser) on
 * arbitrary bytes: a stream header, then elements of the same stream. After
 * anything at all, a well-formed element must still come out right: an error
 * may cost the stream its context, never its bindings.
 */
#include <config.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xmlpush.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_still_reads(struct xml_push *xp)
{
    static const char el[] = "<iq type='get'><q xmlns='urn:q'/></iq>";
    char err[256];
    struct stanza *s = xml_push_element(xp, el, sizeof(el) - 1, err, sizeof(err));
    if (!s || strcmp(s->name, "iq") != 0 || s->nchildren != 1 || !s->children[0]->ns ||
        strcmp(s->children[0]->ns, "urn:q") != 0)
        __builtin_trap();
    stanza_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first byte says where the header ends; the rest is cut into elements at '\0' */
    size_t cut = size ? data[0] % (size + 1) : 0;
    struct xml_push *xp = xml_push_new();
    bool closed;
    char err[256];
    struct stanza *h = xml_push_header(xp, (const char *)data, cut, &closed, err, sizeof(err));
    stanza_free(h);
    const char *p = (const char *)data + cut, *end = (const char *)data + size;
    while (p < end) {
        const char *z = memchr(p, '\0', (size_t)(end - p));
        size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
        struct stanza *e = xml_push_element(xp, p, n, err, sizeof(err));
        stanza_free(e);
        p += n + (z != NULL);
    }
    check_still_reads(xp);
    xml_push_free(xp);
    return 0;
}
