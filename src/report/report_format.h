/* report_format: what every writer spells the same way: durations in milliseconds (UTF-8: utf8.h). */
#ifndef XMPPFLOW_REPORT_FORMAT_H
#define XMPPFLOW_REPORT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "session.h"

/*
 * Rounds a millisecond value to microseconds (3 decimals); writers show
 * durations through it so text and JSON agree. |ms| must be finite and >= 0.
 */
double report_round_ms(double ms);

struct input_info;

/* What a log input's report says of its format: each list in the order the writers give it. */
enum log_names {
    LOG_ERAS,     /* "E2-E6", "E7": the eras of the record forms read */
    LOG_FORMS,    /* "lager_file", "otp_logger_file": the forms (ejlog_form_name) */
    LOG_WRAPPERS, /* "docker_json", "journald": what the lines came wrapped in */
    LOG_NOTES,    /* what the times lacked, as sentences */
};
/* Fills |out| (room for |max|) with the names of |which| for |in|; returns how many. */
size_t report_log_names(const struct input_info *in, enum log_names which, const char **out,
                        size_t max);
/*
 * The text report's line on a log input's format, "    log format: E2-E6
 * (lager_file); times carry no zone: read as UTC" (no line end), appended to
 * |b|: only when there is something to say (an era older than E7's file
 * form, a wrapper or a time note; the usual E7 file goes without, the JSON
 * report always names it). Returns whether it appended.
 */
bool report_log_format(struct buf *b, const struct input_info *in);
/*
 * Appends to |keys| how |s| (a session from a log) is found in it: "pid
 * <0.509.0>, lines 1-363", the file of each end when it spans files of a
 * rotated set, the node when known. Raw text: the caller cleans it.
 */
void report_log_keys(struct buf *keys, const struct session *s);

#endif
