/*
 * fuzz_log: the whole log path, bytes in, report out: source (gunzip,
 * detection), the ejabberd log reader, framer, login machine and a writer,
 * in one process (fuzz_run.c). The input is read as a log (--input log), so
 * a mutation that spoils the first line's prefix still reaches the reader.
 * Seeds: testdata's logs (seeds.sh).
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>

#include "fuzz_run.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_run_init();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_run(data, size, INPUT_EJLOG);
    return 0;
}
