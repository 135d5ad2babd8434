/* report_format: what every writer spells the same way: durations in milliseconds (UTF-8: utf8.h). */
#ifndef XMPPFLOW_REPORT_FORMAT_H
#define XMPPFLOW_REPORT_FORMAT_H

#include <stddef.h>

#include "buf.h"
#include "session.h"

/*
 * Rounds a millisecond value to microseconds (3 decimals); writers show
 * durations through it so text and JSON agree. |ms| must be finite and >= 0.
 */
double report_round_ms(double ms);

/*
 * Appends to |keys| how |s| (a session from a log) is found in it: "pid
 * <0.509.0>, lines 1-363", the file of each end when it spans files of a
 * rotated set, the node when known. Raw text: the caller cleans it.
 */
void report_log_keys(struct buf *keys, const struct session *s);

#endif
