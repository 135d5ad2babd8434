/*
 * worker: one worker process of a -j run, as the analyzer sees it. The
 * analyzer reads every input but analyses only the connections its shard owns
 * (shard.h); what a one-process run would hand to the report, the summary
 * and the checks across connections goes to the merge (merge.h) instead, as
 * records (jobrec.h) placed in the run by event: the events of all inputs,
 * numbered alike in every worker (the analyzer's a->event).
 *
 * A connection's end waits for its verdict: the merge judges the ends of all
 * workers in the order one process meets them (crosscheck.h) and gives the
 * session its number; then the analyzer finishes it (worker_attach)
 * and the worker sends it rendered.
 */
#ifndef XMPPFLOW_WORKER_H
#define XMPPFLOW_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobrec.h"
#include "login.h"
#include "report.h"

struct worker;

/*
 * Finishes a connection whose verdict came back: the verdict's findings,
 * filters, report (the connection table's analyzer_session_end); |l| is freed.
 */
typedef void worker_session_end_fn(void *ctx, struct login *l, const struct cross_verdict *v,
                                   enum login_end how, usec_t t);


/* Writes records to |out_fd|, reads verdicts from |in_fd|. */
struct worker *worker_new(int out_fd, int in_fd, enum report_format format, bool show_secrets);
/* Sends what is left and the end of the run (|infos|: |n| inputs, |failed| as analyzer_run returns). */
void worker_end(struct worker *w, const struct input_info *infos, size_t n, size_t failed);
void worker_free(struct worker *w);
/* What finishes the connections whose verdicts come back, and its context. */
void worker_attach(struct worker *w, worker_session_end_fn *end, void *ctx);

/* A connection of this worker began at |event|: returns its number among this worker's. */
unsigned worker_created(struct worker *w, uint64_t event);
/*
 * Connection |local| ended at |event| in |phase|: its facts go to the merge,
 * |l| waits here for the verdict (the worker owns it from now on).
 */
void worker_finished(struct worker *w, uint64_t event, enum end_phase phase, unsigned local,
                     const struct cross_facts *f, struct login *l, enum login_end how, usec_t t);
/*
 * Connections of this worker that never carried XMPP (note_silent(); |key|
 * and |first| order those of END_FLUSH).
 */
void worker_silent(struct worker *w, uint64_t event, enum end_phase phase, const char *key,
                   const char *server, const long by_end[SILENT_END_COUNT], usec_t first,
                   usec_t last);
/* |count| flows of |kind| that are not client logins (note_flows(); summary.h) */
void worker_flows(struct worker *w, uint64_t event, enum end_phase phase, enum flow_kind kind,
                  const char *key, const char *server, long count, usec_t first, usec_t last);
/* The session of a verdict, finished: |kept| sent rendered, else only its number. */
void worker_done(struct worker *w, const struct session *s, bool kept);

/* The errors of input |input| not placed yet happened at |event|, as |kind|. */
void worker_stamp(struct worker *w, const struct input_info *infos, size_t input, uint64_t event,
                  enum note_kind kind);
/* Input |input| ended at |event| with |count| clock setbacks in this worker's connections. */
void worker_time_total(struct worker *w, size_t input, uint64_t event, long count);
/*
 * Event |event| of input |input| is over: tells the merge and takes the
 * verdicts that came. Returns how many events to let pass before the next
 * call (the analyzer counts them).
 */
int worker_tick(struct worker *w, uint64_t event, size_t input);
/* Pushes the records out (before the analyzer waits). */
void worker_flush(struct worker *w);

#endif
