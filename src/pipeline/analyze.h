/*
 * analyze: the pipeline. Reads each input, routes its events to one login
 * context per connection (input → framer → phase → login) and hands every
 * finished session to the report writer and the summary, as it ends.
 */
#ifndef XMPPFLOW_ANALYZE_H
#define XMPPFLOW_ANALYZE_H

#include <stdbool.h>

#include "options.h"
#include "report.h"


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
