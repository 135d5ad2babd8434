/*
 * options: what a run of the pipeline is asked to do (the command line's
 * --show-secrets, --input, filters, limits, ports, table size; a -j worker's
 * part). Shared by the driver (analyze.h), the connection table and the feeds.
 */
#ifndef XMPPFLOW_OPTIONS_H
#define XMPPFLOW_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "filter.h"
#include "framer.h"
#include "source.h"

struct keylog;
struct shard;
struct worker;

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
    /* the TLS secrets of --keylog (NULL: TLS stays opaque); read before -j forks */
    const struct keylog *keylog;
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

#endif
