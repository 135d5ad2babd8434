/*
 * jobs: a run with -j N: N worker processes read every input and analyse each
 * its part of the connections (shard.h, worker.h); this process merges what
 * they send into the report (merge.h), the same byte for byte as one process
 * writes, and forwards SIGINT and SIGTERM to them. Each worker keeps the
 * bounds of one process: --max-connections, the memory budget and the tables
 * of recent connections are per worker.
 */
#ifndef XMPPFLOW_JOBS_H
#define XMPPFLOW_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze.h"
#include "report.h"

/* Workers at most (-j). */
#define JOBS_MAX 256

/*
 * True when the inputs can be read by several workers: regular files (plain
 * or gzip-compressed). Standard input, pipes and other streams can be read
 * only once: a run with them is one process.
 */
bool jobs_possible(char *const *paths, size_t n);

/* The workers of -j 0: one per online CPU, at most JOBS_MAX. */
unsigned jobs_default(void);

/*
 * Analyses |paths| (|n| inputs, jobs_possible) with |nworkers| workers (2 to
 * JOBS_MAX) and |opt|; writes the sessions through |w| (made with |ropt|)
 * and adds them to |sm|; fills |infos| as analyzer_run() does and returns
 * what it returns. A signal a worker stopped for is noted (interrupt.h).
 */
size_t jobs_run(unsigned nworkers, const struct analyze_options *opt,
                const struct report_options *ropt, struct report_writer *w, struct summary *sm,
                char *const *paths, size_t n, struct input_info *infos);

#endif
