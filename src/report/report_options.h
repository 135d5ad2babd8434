/* report_options: how a report is to be written (format, secrets), for the driver and the writers. */
#ifndef XMPPFLOW_REPORT_OPTIONS_H
#define XMPPFLOW_REPORT_OPTIONS_H

#include <stdbool.h>

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_JSONL };

struct report_options {
    enum report_format format;
    bool show_secrets;
    const char *tool_version;
    /*
     * jsonl: a line may wait in the output's buffer (until it fills, or
     * report_flush). Without it each line is flushed as its session ends.
     */
    bool hold_lines;
};

#endif
