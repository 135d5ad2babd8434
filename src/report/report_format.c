/* report_format: how the writers spell numbers and walk text (see the header). */
#include <config.h>
#include "report_format.h"

#include <string.h>

#include "ejlog_prefix.h"
#include "input_info.h"
#include "lognorm.h"

double
report_round_ms(double ms)
{
    /* Avoid round() so the library does not need libm. */
    if (!(ms >= 0) || ms >= 9e12)
        return ms;
    return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}

size_t
report_log_names(const struct input_info *in, enum log_names which, const char **out, size_t max)
{
    size_t n = 0;
    switch (which) {
    case LOG_ERAS:
    case LOG_FORMS:
        for (unsigned f = 1; f < EJF_COUNT && n < max; f++) {
            if (!(in->log_forms & 1u << f))
                continue;
            const char *name = which == LOG_ERAS ? ejlog_form_era((enum ejlog_form)f)
                                                 : ejlog_form_name((enum ejlog_form)f);
            bool dup = false; /* several forms share an era */
            for (size_t k = 0; k < n; k++)
                dup |= strcmp(out[k], name) == 0;
            if (!dup)
                out[n++] = name;
        }
        break;
    case LOG_WRAPPERS:
        for (unsigned b = 0; b < LNW_COUNT_BITS && n < max; b++)
            if (in->log_wrappers & 1u << b)
                out[n++] = lognorm_wrapper_name(1u << b);
        break;
    case LOG_NOTES:
        for (unsigned b = 0; b < EJT_COUNT_BITS && n < max; b++)
            if (in->log_time_notes & 1u << b)
                out[n++] = ejlog_time_note_text(1u << b);
        break;
    }
    return n;
}

/* Appends |names| (|n|) joined by ", " after |lead|; nothing when |n| is 0. */
static void
put_names(struct buf *b, const char *lead, const char *const *names, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        buf_append_str(b, k ? ", " : lead);
        buf_append_str(b, names[k]); /* the tables' own ASCII names and sentences */
    }
}

bool
report_log_format(struct buf *b, const struct input_info *in)
{
    if (in->type != INPUT_EJLOG || !in->log_forms)
        return false;
    const char *eras[16], *forms[16], *wrappers[16], *notes[16];
    size_t ne = report_log_names(in, LOG_ERAS, eras, 16);
    size_t nf = report_log_names(in, LOG_FORMS, forms, 16);
    size_t nw = report_log_names(in, LOG_WRAPPERS, wrappers, 16);
    size_t nn = report_log_names(in, LOG_NOTES, notes, 16);
    if (!nw && !nn && nf == 1 && strcmp(forms[0], "otp_logger_file") == 0)
        return false;
    put_names(b, "    log format: ", eras, ne);
    put_names(b, " (", forms, nf);
    buf_append_str(b, ")");
    put_names(b, "; lines wrapped in ", wrappers, nw);
    put_names(b, "; ", notes, nn);
    return true;
}

void
report_log_keys(struct buf *keys, const struct session *s)
{
    if (s->log_pid)
        buf_printf(keys, "pid %s", s->log_pid);
    if (s->log_receiver) /* logs up to 17.01: the connection's receiver, and how it was joined */
        buf_printf(keys, "%sreceiver %s (%s link)", keys->len ? ", " : "", s->log_receiver, s->log_link);
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
