/* fuzz_ejlog: arbitrary bytes as an ejabberd log. */
#include <config.h>

#include <stddef.h>
#include <stdint.h>

#include "ejlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ejlog *r = ejlog_new();
    struct ejlog_event ev;
    ejlog_feed(r, (const char *)data, size);
    ejlog_finish(r);
    while (ejlog_next(r, &ev))
        ;
    ejlog_free(r);
    return 0;
}
