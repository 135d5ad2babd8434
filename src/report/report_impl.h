/* report_impl: what report.c shares with the writers; no other module includes it. */
#ifndef XMPPFLOW_REPORT_IMPL_H
#define XMPPFLOW_REPORT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "report_format.h"
#include "input_info.h"
#include "report_options.h"
#include "session.h"
#include "summary.h"

/*
 * What a writer needs at report_finish: the inputs and the summary, and for
 * json the session items already written (report_json_write_item) into
 * |items|, a file read back from its start. All borrowed for the call;
 * |summary| is never NULL (report.c substitutes an empty one).
 */
struct report_run {
    const struct report_options *opt; /* opt->tool_version is never NULL */
    size_t nsessions;                 /* sessions written before */
    FILE *items;                      /* json: the "sessions" items; NULL when none */
    const struct input_info *inputs;
    size_t ninputs;
    const struct summary *summary;
};

/*
 * Writes |s| as one compact JSON object and a newline to |out|, then flushes
 * |out| so a pipeline sees the line at once. Returns 0, or -1 when writing
 * failed.
 */
int report_json_write_session_line(FILE *out, const struct session *s, bool show_secrets, bool flush);
/*
 * Appends |s| to |out| as an item of the json document's "sessions" array,
 * indented exactly as a whole-document write would, as its first item (no
 * comma before it).
 */
void report_json_render_item(struct buf *out, const struct session *s, bool show_secrets);
/* Appends |s| to |out| as one compact JSON object and a newline (a jsonl line). */
void report_json_render_line(struct buf *out, const struct session *s, bool show_secrets);
/*
 * Writes an item rendered by report_json_render_item() to |out|, with the
 * comma that goes before every item but the first. Returns 0 or -1.
 */
int report_json_write_item(FILE *out, const char *item, size_t len, bool first);
/* Writes the pretty-printed json document around run->items. Returns 0 or -1. */
int report_json_write_document(FILE *out, const struct report_run *run);
/* Writes the last jsonl line: {"tool", "inputs", "summary"}. Returns 0 or -1. */
int report_json_write_last_line(FILE *out, const struct report_run *run);

/* Appends one session of the text report to |out|, through the masking step. */
void report_text_render_session(struct buf *out, const struct session *s, bool show_secrets);
/* Writes the end of the text report: inputs and summary. Returns 0 or -1. */
int report_text_write_end(FILE *out, const struct report_run *run);

/* report_json_tls.c: with --keylog, a session's "decryption" member and the summary's (none without it). */
struct json_writer;
void report_json_decryption(struct json_writer *w, const struct session *s);
void report_json_decryption_summary(struct json_writer *w, const struct summary *sm);
/* attempts[].channel_binding: SCRAM -PLUS checked against the decrypted TLS session (absent else) */
void report_json_channel_binding(struct json_writer *w, const struct attempt *a);
/* report_text_tls.c: with --keylog, the text report's lines on TLS decryption (none without it). */
void report_text_decryption(struct buf *b, const struct session *s);
void report_text_decryption_summary(struct buf *b, const struct summary *sm);

#endif
