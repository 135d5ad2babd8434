/*
 * correlate: a capture and a server log of the same run describe each
 * connection twice; this finds the two sessions of one connection and hands
 * on one (combine.h). Only a run with both a capture and a log has one.
 *
 * Inputs are read one after the other, so the first of a connection's two
 * sessions is held until the other ends. Two sessions match when one is a
 * capture's and the other a log's, they share a client address and port,
 * and their starts differ by the clock offset of their pair of inputs (the
 * median start difference of the pair's matches so far) within
 * CORRELATE_TOLERANCE; a pair's first match may be up to CORRELATE_MAX_SKEW
 * apart (the closest one wins). A log session that names no client address
 * (a WebSocket one of ejabberd 23.01) matches a capture session of the same
 * transport by time alone, within CORRELATE_TOLERANCE of the offset. Held sessions are bounded (CORRELATE_HELD_MAX,
 * CORRELATE_HELD_BYTES): past that the oldest goes on alone, counted in the
 * summary (correlation_held_over). docs/correlation.md says the same.
 */
#ifndef XMPPFLOW_CORRELATE_H
#define XMPPFLOW_CORRELATE_H

#include "session.h"
#include "summary.h"

#define CORRELATE_TOLERANCE ((usec_t)2 * 1000000)
#define CORRELATE_MAX_SKEW ((usec_t)24 * 3600 * 1000000)
#define CORRELATE_HELD_MAX 256
#define CORRELATE_HELD_BYTES ((size_t)16 << 20)

/* Where sessions go on: |emit| takes a session (combined or alone), |skip| an id absorbed. */
struct correlate_sink {
    void (*emit)(void *arg, struct session *s);
    void (*skip)(void *arg, unsigned id);
    void *arg;
};

struct correlator;
struct correlator *correlator_new(const struct correlate_sink *sink);
/* A finished session (taken): combined with its held other half and passed on, or held. */
void correlator_offer(struct correlator *c, struct session *s);
/* No more sessions: the held ones go on alone; the pairs and their offsets go to |sm|. */
void correlator_finish(struct correlator *c, struct summary *sm);
void correlator_free(struct correlator *c);

#endif
