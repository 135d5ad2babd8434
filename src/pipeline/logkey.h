/*
 * logkey: the connection table's key of a log line's process. A pid is a
 * process of one node in one run: pid <0.505.0> of node A is not <0.505.0>
 * of node B, nor of the same node after a restart (ejabberd-log-formats.md
 * §6). The key is the pid as the log writes it, followed, except for the
 * first set's first run (whose keys stay the bare pid), by "#SET.RUN". The
 * -j cut (shard.h) hashes the pid alone: a worker owns a pid in every set.
 */
#ifndef XMPPFLOW_LOGKEY_H
#define XMPPFLOW_LOGKEY_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOGKEY_MAX 96

/* Length of the pid that starts |key|. */
static inline size_t
logkey_pid_len(const char *key)
{
    return strcspn(key, "#");
}

/* The key of |pid| in set |set|, run |run|, in |out| (LOGKEY_MAX bytes). */
static inline const char *
logkey_make(char *out, const char *pid, size_t set, unsigned run)
{
    if (set == 0 && run == 0)
        return pid;
    snprintf(out, LOGKEY_MAX, "%.60s#%zu.%u", pid, set, run);
    return out;
}

/* The set and run of |key| (0, 0 for a bare pid). */
static inline void
logkey_parse(const char *key, size_t *set, unsigned *run)
{
    const char *h = strchr(key, '#');
    *set = 0;
    *run = 0;
    if (h) {
        char *end;
        *set = (size_t)strtoul(h + 1, &end, 10);
        if (*end == '.')
            *run = (unsigned)strtoul(end + 1, NULL, 10);
    }
}

#endif
