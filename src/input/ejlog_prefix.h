/*
 * ejlog_prefix: the line prefix of an ejabberd log record
 * (ejabberd-log-formats.md §2): its time, the logging pid and where the
 * message starts. No state, no I/O.
 */
#ifndef XMPPFLOW_EJLOG_PREFIX_H
#define XMPPFLOW_EJLOG_PREFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "timestamp.h"

struct ejlog_prefix {
    usec_t time;
    const char *pid; /* logging pid, NULL if none */
    size_t pid_len;
    const char *msg; /* message part */
};

/*
 * Parses "YYYY-MM-DD HH:MM:SS.ffffff(+HH:MM|Z) [level] <pid>@mfa msg" (E7) or
 * the lager form with milliseconds and no zone (E2–E6, taken as UTC). Sets
 * *|clipped| (when not NULL) when a search for the end of the pid or of the
 * mfa reached the end of |p|: more bytes after it could change the result.
 */
bool ejlog_parse_prefix(const char *p, size_t n, struct ejlog_prefix *out, bool *clipped);

/* True when |line| (|len| bytes, no newline) starts an ejabberd log record. */
bool ejlog_is_record_start(const char *line, size_t len);
/* Like ejlog_is_record_start(), and stores the record's UTC time in |*t|. */
bool ejlog_record_time(const char *line, size_t len, usec_t *t);

#endif
