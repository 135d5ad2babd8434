/* fuzz_xmlparse: arbitrary bytes as a stream header, then as an element in its scope. */
#include <config.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xmlparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first byte says where the header ends and the element begins */
    size_t cut = size ? data[0] % (size + 1) : 0;
    struct xml_scope scope = {0};
    bool closed;
    char err[160];
    struct stanza *h = xmlparse_header((const char *)data, cut, &scope, &closed, err, sizeof(err));
    stanza_free(h);
    size_t before = scope.n;
    struct stanza *e =
        xmlparse_element((const char *)data + cut, size - cut, &scope, err, sizeof(err));
    stanza_free(e);
    if (scope.n != before)
        __builtin_trap(); /* an element's bindings must not outlive it */
    xml_scope_clear(&scope);
    return 0;
}
