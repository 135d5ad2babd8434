/* timestamp: the one clock of the model, microseconds since the Unix epoch (UTC), and how it is written. */
#ifndef XMPPFLOW_TIMESTAMP_H
#define XMPPFLOW_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* Microseconds since the Unix epoch, UTC. */
typedef int64_t usec_t;

/* Writes |t| as RFC 3339 UTC with microseconds into |out| (at least 28 bytes). */
void format_time(usec_t t, char *out, size_t outlen);
/* Writes the length |d| (microseconds, >= 0) in the unit that reads best: "3.2 ms", "56.0 years". */
void format_span(usec_t d, char *out, size_t outlen);
/* The median of the |n| (> 0) times or lengths at |v|, which it sorts in place. */
usec_t usec_median(usec_t *v, size_t n);
/* Days since 1970-01-01 of the proleptic Gregorian date |y|-|m|-|d|. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
