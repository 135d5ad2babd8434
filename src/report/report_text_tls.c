/*
 * report_text_tls: the text report's lines on TLS decryption with a key log:
 * one under a session's header (decrypted with which version and suite, or
 * opaque and why), one in the summary (the key log, the sessions decrypted,
 * those left opaque by why). Written only with --keylog. Its own file:
 * report_text.c is at its size limit. Same columns as report_text.c.
 */
#include <config.h>
#include "report_impl.h"


void
report_text_decryption(struct buf *b, const struct session *s)
{
    const struct session_decryption *d = &s->decryption;
    if (!d->present)
        return;
    buf_append_str(b, "  tls     ");
    if (d->decrypted)
        buf_printf(b, "decrypted with the key log (%s, %s)", d->version ? d->version : "?",
                   d->suite ? d->suite : "?");
    if (d->opaque) {
        buf_printf(b, "%sopaque (%s): ", d->decrypted ? "; then " : "", d->opaque);
        buf_append_str(b, d->opaque_reason ? d->opaque_reason : ""); /* the tool's words, no key material */
    }
    buf_append_char(b, '\n');
}

void
report_text_decryption_summary(struct buf *b, const struct summary *sm)
{
    if (!sm->decryption.keylog)
        return;
    buf_printf(b, "  %-21s%ld TLS %s decrypted (key log: %ld %s, %ld bad %s)", "decryption",
               sm->decryption.decrypted, sm->decryption.decrypted == 1 ? "session" : "sessions",
               sm->decryption.keylog_sessions, sm->decryption.keylog_sessions == 1 ? "session" : "sessions",
               sm->decryption.keylog_bad_lines, sm->decryption.keylog_bad_lines == 1 ? "line" : "lines");
    for (size_t i = 0; i < sm->decryption.nopaque; i++)
        buf_printf(b, "%s%s %ld", i ? ", " : "; opaque: ", sm->decryption.opaque[i].name,
                   sm->decryption.opaque[i].count);
    buf_append_char(b, '\n');
}
