/*
 * analyze: the pipeline. Reads each input, routes its events to one login
 * context per connection (input → framer → phase → login) and hands every
 * finished session to the report writer and the summary, as it ends.
 */
#ifndef XMPPFLOW_ANALYZE_H
#define XMPPFLOW_ANALYZE_H

#include <stdbool.h>

#include "filter.h"
#include "framer.h"
#include "report.h"
#include "shard.h"
#include "worker.h"

struct analyze_options {
    bool show_secrets;
    enum input_type forced;     /* INPUT_UNKNOWN: detect from the content */
    const struct filter *filter; /* --user, --client: the sessions kept (NULL: all) */
    struct framer_limits limits;
    const unsigned *ports;      /* extra XMPP c2s ports for captures (--port), any number */
    size_t nports;
    /*
     * Open connections at most (--max-connections; 0: ANALYZE_MAX_CONNECTIONS):
     * past it the least recently active one is closed as evicted.
     */
    size_t max_connections;
    /* report connections that never carried XMPP as sessions (--all-connections) */
    bool all_connections;
    /*
     * -j N: this worker's part of the connections (NULL: all of them) and
     * where its results go instead of the writer and summary (NULL: there).
     */
    const struct shard *shard;
    struct worker *worker;
};

/*
 * The default table size: an open connection costs 12 to 16 KB (framers,
 * reassembly, login), so 2500 of them fit the memory budget below without
 * memory evictions (41 MB peak RSS on 5000 connections left open).
 */
#define ANALYZE_MAX_CONNECTIONS 2500
/* Heap in use past which the least recently active connections are closed. */
#define ANALYZE_MEMORY_BUDGET (36u << 20)

/*
 * Events dated before their connection's previous one: the first this many
 * of an input are input errors, the rest are counted in one more
 * (time_total_error).
 */
#define TIME_ERRORS 5
/* Adds to |info| the error that counts |count| such events, when past TIME_ERRORS. */
void time_total_error(struct input_info *info, long count);

/*
 * Returns a new analyzer writing finished sessions to |w| and adding them to
 * |sm| (both borrowed until analyzer_free). |opt| is copied; its strings are
 * borrowed.
 */
struct analyzer *analyzer_new(const struct analyze_options *opt, struct report_writer *w,
                              struct summary *sm);
void analyzer_free(struct analyzer *a);

/*
 * Analyses the inputs |paths| ("-" = standard input) and fills |infos[i]|
 * (path, type, size, count, errors) for each, in command-line order. Log
 * files are read as one stream of lines in time order (rotated files of one
 * server: a connection may span two files), ordered by their first
 * timestamp. Every session is finished by the time this returns. Returns the
 * number of inputs that could not be read or are neither a log nor a capture
 * (the reason is in their errors).
 */
size_t analyzer_run(struct analyzer *a, char *const *paths, size_t n, struct input_info *infos);

#endif
