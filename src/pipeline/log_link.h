/*
 * log_link: one connection from the three processes of a log up to 17.01
 * (ejabberd-log-formats.md §6.1). The listener logs "(#Port<0.P>) Accepted
 * connection", the receiver R the Received lines, the c2s C the Send lines and
 * the info lines whose socket_state names P and R. The connection's key is R.
 *
 * - C↔R is certain from C's first info line with a socket_state; before it C
 *   is taken to be R+1 (ejabberd_socket spawns R, then C): provisional.
 * - P↔R is certain from that socket_state too; before it the accept line that
 *   came last before R's first line is taken: provisional.
 * - A start banner (EJ_RUN_START) starts a new epoch: pids are reused.
 *
 * From 17.03 on (E3) every line already names R or C (tags, "Accepted
 * connection (<R>)") and nothing here changes those events. Under -j every
 * worker runs this over every event before it keeps its share by key, so
 * linked pids land in the same worker.
 */
#ifndef XMPPFLOW_LOG_LINK_H
#define XMPPFLOW_LOG_LINK_H

#include <stdbool.h>

#include "ejlog.h"
#include "session.h"

struct log_link;

/* What log_link_event() found about an event's connection. */
struct log_link_info {
    const char *receiver, *c2s; /* NULL when not known (yet) */
    bool provisional;           /* a link by the R+1 rule or by order, not by a socket_state */
};

struct log_link *log_link_new(void);
/* NULL is fine. */
void log_link_free(struct log_link *l);
/* A new epoch (the node restarted): every link is forgotten. */
void log_link_reset(struct log_link *l);

/*
 * Resolves |ev|: returns false when it is kept back (an accept line that
 * names only its socket, until the connection's first line). Otherwise
 * |*out| is |ev| with its pid replaced by the connection's key; when an
 * accept line kept back belongs to this connection, |*accept| is it (with
 * the same key) and |*has_accept| true: it comes first. |info| says what is
 * known of the link. Pointers stay valid until the next call.
 */
bool log_link_event(struct log_link *l, const struct ejlog_event *ev, struct ejlog_event *out,
                    struct ejlog_event *accept, bool *has_accept, struct log_link_info *info);

/* Writes what |info| knows into the session's log keys (receiver_pid, pid, link). */
void log_link_mark(const struct log_link_info *info, struct session *s);

#endif
