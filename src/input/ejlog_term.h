/*
 * ejlog_term: the Erlang terms that carry a log line's payload (ejabberd-log-formats.md §5).
 */
#ifndef XMPPFLOW_EJLOG_TERM_H
#define XMPPFLOW_EJLOG_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Decodes an Erlang ~p rendering of a binary or string (<<"…">>, <<1,2>>,
 * "…", [1,2]) from |p| into |out|. Sets |*truncated| when the term is cut
 * short. Returns 0, or -1 when |p| is not such a term.
 */
int ejlog_decode_term(const char *p, size_t len, struct buf *out, bool *truncated);

#endif
