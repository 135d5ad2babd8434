/*
 * logscope: which node and run a log line belongs to. Each rotated set
 * (fileset.h) is one node's stream; a start banner begins a new run of that
 * node. The feeds key a line's connection by (set, run, pid) (logkey.h), so
 * that several nodes' logs read together never share a connection, and a
 * connection that spans a rotation stays one.
 */
#ifndef XMPPFLOW_LOGSCOPE_H
#define XMPPFLOW_LOGSCOPE_H

#include <stddef.h>

#include "conn_table.h"
#include "ejlog.h"

/* The input read next is of set |set| (fileset_member.set). */
void logscope_input(struct analyzer *a, size_t set);
/*
 * The event |ev| just read from the current input: its pids become keys
 * (valid until the next call); a start banner begins the set's next run and
 * names its node.
 */
void logscope_key(struct analyzer *a, struct ejlog_event *ev);
/* The current set's node restarted at |t|: its connections of earlier runs end. */
void logscope_restart(struct analyzer *a, usec_t t);
void logscope_free(struct analyzer *a);

#endif
