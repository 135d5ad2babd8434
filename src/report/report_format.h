/* report_format: what every writer spells the same way: durations in milliseconds, UTF-8 sequences. */
#ifndef XMPPFLOW_REPORT_FORMAT_H
#define XMPPFLOW_REPORT_FORMAT_H

#include <stddef.h>

/*
 * Rounds a millisecond value to microseconds (3 decimals); writers show
 * durations through it so text and JSON agree. |ms| must be finite and >= 0.
 */
double report_round_ms(double ms);

/*
 * Returns the length (1-4) of the well-formed UTF-8 sequence at |p|, or 0
 * when the bytes there are not one (stray continuation byte, overlong form,
 * surrogate, past U+10FFFF, cut short). |p| points at a non-NUL byte of a
 * NUL-terminated string; nothing past a NUL is read.
 */
size_t report_utf8_len(const char *p);

#endif
