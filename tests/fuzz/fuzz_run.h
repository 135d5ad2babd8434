/*
 * fuzz_run: the whole tool on one input, for the capture and log targets.
 * Drives the public API the way main.c does (analyzer_new, analyzer_run,
 * report_finish) on the fuzz bytes given as a file, in one process.
 */
#ifndef XMPPFLOW_FUZZ_RUN_H
#define XMPPFLOW_FUZZ_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/*
 * Once per process: the file the inputs go through (a memfd) and the
 * report's output (/dev/null; standard output when FUZZ_REPORT=1, to see
 * what an input does).
 */
void fuzz_run_init(void);

/*
 * One run of |size| bytes read as a file of kind |forced| (INPUT_UNKNOWN:
 * detected, as the CLI does). The run's knobs, all derived from |size| so an
 * input always replays the same way: the format (text, json, jsonl),
 * --show-secrets, a small --max-element one time in four, --user and
 * --client filters three times in four, --max-connections 2 or
 * --all-connections two times in three; --port 80 --port 5269 always.
 */
void fuzz_run(const uint8_t *data, size_t size, enum input_type forced);

#endif
