/* report_format: how the writers spell numbers and walk text (see the header). */
#include <config.h>
#include "report_format.h"


double
report_round_ms(double ms)
{
    /* Avoid round() so the library does not need libm. */
    if (!(ms >= 0) || ms >= 9e12)
        return ms;
    return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}

void
report_log_keys(struct buf *keys, const struct session *s)
{
    if (s->log_pid)
        buf_printf(keys, "pid %s", s->log_pid);
    const char *sep = keys->len ? ", " : "";
    /* the log's first file: the session's input, unless a capture leads (correlated) */
    const char *first = s->correlated.log ? s->correlated.log : s->input;
    if (s->last_input && s->first_line > 0 && s->last_line > 0)
        /* across files of a rotated set: each end names its file */
        buf_printf(keys, "%slines %s:%ld to %s:%ld", sep, first && *first ? first : "?",
                   s->first_line, s->last_input, s->last_line);
    else if (s->first_line > 0 && s->last_line > s->first_line)
        buf_printf(keys, "%slines %ld-%ld", sep, s->first_line, s->last_line);
    else if (s->first_line > 0)
        buf_printf(keys, "%sline %ld", sep, s->first_line);
    else if (s->last_line > 0)
        buf_printf(keys, "%sup to line %ld", sep, s->last_line);
    if (s->log_node)
        buf_printf(keys, "%snode %s", keys->len ? ", " : "", s->log_node);
}
