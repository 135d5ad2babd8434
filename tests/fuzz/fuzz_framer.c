/* fuzz_framer: arbitrary bytes, split at a byte the input chooses, through one framer. */
#include <config.h>

#include <stddef.h>
#include <stdint.h>

#include "framer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct framer_limits limits = {.max_element = 4096, .max_depth = 16};
    struct framer *f = framer_new("fuzz", &limits);
    size_t cut = size ? data[0] % (size + 1) : 0;
    struct frame fr;
    framer_feed(f, (const char *)data, cut);
    while (framer_next(f, &fr))
        ;
    if (cut < size && data[0] & 1) /* a hole of up to 15 bytes: elements it cuts are mended */
        framer_gap_bytes(f, data[size - 1] % 16);
    framer_feed(f, (const char *)data + cut, size - cut);
    framer_finish(f);
    while (framer_next(f, &fr))
        ;
    framer_free(f);
    return 0;
}
