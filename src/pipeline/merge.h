/*
 * merge: the reports of the N workers of a -j run (worker.h) made into the one
 * report a single process writes, byte for byte.
 *
 * Every worker reads every input and numbers its events alike; each analyses
 * the connections it owns (shard.h) and sends, in event order, what happens
 * to them (jobrec.h). The merge replays these records in the order one
 * process meets them: by event; within an event, a worker's own in its order,
 * then the ends of many connections at once by session number. So it
 *   - numbers the sessions as one process does (the order their connections
 *     began, every worker's counted);
 *   - runs the checks across connections (crosscheck.h) on each connection's
 *     end, in the order of the ends, and sends the worker the verdict and the
 *     session's number;
 *   - writes the finished sessions the workers send back rendered, through
 *     the report writer, in the order of the ends (jsonl) or by number (text
 *     and json: the writer's own order, with its own bounds);
 *   - adds every session and silent connection to the summary in that order;
 *   - puts together each input's entry: worker 0's view of the input, the
 *     errors about connections from their owners, in event order.
 * A worker that ends without its END record (killed, crashed) leaves its
 * part out: its input gets an error, the run exit status 3.
 *
 * No I/O: the caller (jobs.h) moves the bytes.
 */
#ifndef XMPPFLOW_MERGE_H
#define XMPPFLOW_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "report.h"

struct merge;

/* Writes to |w| and adds to |sm| (both borrowed); |nworkers| workers, |ninputs| inputs. */
struct merge *merge_new(unsigned nworkers, size_t ninputs, struct report_writer *w,
                        struct summary *sm);
void merge_free(struct merge *m);

/* Bytes from worker |k|: every whole record is taken in, and the run moves on as far as it can. */
void merge_feed(struct merge *m, unsigned k, const char *data, size_t len);
/* Bytes for worker |k| (verdicts): the caller writes and consumes them. */
struct buf *merge_outbox(struct merge *m, unsigned k);
/*
 * False when worker |k| is far enough ahead that the merge would rather not
 * hold more of its records now (the others must catch up); reading it again
 * later is always safe.
 */
bool merge_wants(const struct merge *m, unsigned k);
/* Worker |k| sends nothing more: |why| NULL after its END, else why it stopped ("killed by signal 9"). */
void merge_gone(struct merge *m, unsigned k, const char *why);
/* True once every worker is gone and everything they sent is written. */
bool merge_done(const struct merge *m);

/*
 * Fills |infos| (|paths|: the inputs as given) and returns the number of
 * inputs that could not be read, as analyzer_run() does; *|signo| is the
 * signal a worker stopped for (SIGINT, SIGTERM), or 0.
 */
size_t merge_finish(struct merge *m, char *const *paths, struct input_info *infos, int *signo);

#endif
