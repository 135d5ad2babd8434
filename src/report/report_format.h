/* report_format: what every writer spells the same way: durations in milliseconds (UTF-8: utf8.h). */
#ifndef XMPPFLOW_REPORT_FORMAT_H
#define XMPPFLOW_REPORT_FORMAT_H

#include <stddef.h>

/*
 * Rounds a millisecond value to microseconds (3 decimals); writers show
 * durations through it so text and JSON agree. |ms| must be finite and >= 0.
 */
double report_round_ms(double ms);

#endif
