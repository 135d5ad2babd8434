/*
 * report: the writers (text, json, jsonl) of the records of model/ (the
 * sessions, the inputs, the summary). Writers read those records only.
 */
#ifndef XMPPFLOW_REPORT_H
#define XMPPFLOW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "input_info.h"
#include "session.h"
#include "summary.h"
#include "report_options.h"
#include "timestamp.h"

/* Pushes out what the writer's output holds (held jsonl lines). */
struct report_writer;
void report_flush(struct report_writer *w);

/*
 * A writer. Sessions are handed over as they end (report_session); jsonl
 * writes each at once, text and json stream them in id order, holding a
 * bounded window of finished sessions. Writers never print a password unless show_secrets.
 * Returns NULL never; |out| is borrowed until report_writer_free.
 */
struct report_writer *report_writer_new(const struct report_options *opt, FILE *out);
void report_writer_free(struct report_writer *w);
/*
 * Hands over a finished session; the writer takes ownership of |s| (and frees
 * it). Every id handed out must end here or in report_skip: text and json
 * write in id order, each session once all lower ids are done (see report.c).
 */
void report_session(struct report_writer *w, struct session *s);
/* Id |id| will not be reported (dropped by a filter). */
void report_skip(struct report_writer *w, unsigned id);
/*
 * Writes what is left: sessions kept, the inputs and the summary. Returns 0,
 * or -1 when writing to the output failed.
 */
int report_finish(struct report_writer *w, const struct input_info *inputs, size_t ninputs,
                  const struct summary *sm);

#endif
