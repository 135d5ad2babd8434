/*
 * combine: one connection's session from a capture and its session from the
 * server's log, made one (correlate.c decides which two). The capture gives
 * the wire (TCP, TLS, the XML before STARTTLS), the log the decrypted side.
 */
#ifndef XMPPFLOW_COMBINE_H
#define XMPPFLOW_COMBINE_H

#include "session.h"

/*
 * Moves |cap| and |log| into one session, returned in |cap| (|log| is
 * cleared, not freed); the result keeps the lower id of the two. Events are
 * marked with their source; an element both show (same direction and event,
 * in order) is one event marked 'b' at the capture's time; the log's own
 * events are placed at their time minus the clock offset, never before the
 * event before them (each input's order is kept). Returns the clock offset
 * (the log's minus the capture's, µs): the median over the events both show,
 * else the difference of the two starts.
 */
usec_t session_combine(struct session *cap, struct session *log);

#endif
