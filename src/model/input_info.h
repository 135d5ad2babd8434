/* input_info: what the report says of each input: its kind, size, count and the errors met reading it. */
#ifndef XMPPFLOW_INPUT_INFO_H
#define XMPPFLOW_INPUT_INFO_H

#include <stdbool.h>
#include <stddef.h>

enum input_type { INPUT_UNKNOWN = 0 /* JSON null */, INPUT_PCAP, INPUT_PCAPNG, INPUT_EJLOG };

struct input_error {
    char *message;
    long line;   /* 0 → absent */
    long packet; /* 0 → absent */
    long long offset; /* < 0 → absent */
};

struct input_info {
    char *path;
    enum input_type type;
    long long size_bytes; /* < 0 → null */
    long long count;      /* packets (pcap/pcapng) or lines (ejabberd-log) */
    struct input_error *errors;
    size_t nerrors;
    bool unusable;        /* recognised, but nothing in it can be analysed (exit status 3) */
    long long evicted;    /* connections closed by the tool while reading it (0 → absent) */
    /* flows that are not client logins (summary.h, enum flow_kind) met in it (0 → absent) */
    long long non_xmpp_flows, s2s_streams;
    /*
     * ejabberd logs: records that show a connection's XML (debug level) and
     * the c2s lines of info level (accepted connection, authentication,
     * session opened or closed, registration). Lines only, not sessions:
     * every -j worker counts the same.
     */
    long long log_xml, log_c2s;
    /*
     * ejabberd logs: the record forms read (1 << enum ejlog_form, ejlog_prefix.h),
     * the wrappers taken off its lines (enum lognorm_wrapper) and what its
     * times lacked (enum ejlog_time_note); 0 for captures.
     */
    unsigned log_forms, log_wrappers, log_time_notes;
};

/*
 * The log shows connections but none of their XML (below debug level): the
 * report says once, for the input, what it cannot show (L3).
 */
bool input_info_log_no_xml(const struct input_info *in);
/* What a log without XML cannot show, in the report's words (L3). */
extern const char input_info_no_xml_hidden[];

/* Appends an error to |in| (|message| copied; line/packet 0 and offset -1 when unknown). */
void input_info_add_error(struct input_info *in, const char *message, long line, long packet,
                          long long offset);
void input_info_clear(struct input_info *in);

const char *input_type_name(enum input_type t); /* NULL for INPUT_UNKNOWN */

/*
 * Events dated before their connection's previous one: the first this many
 * of an input are input errors each, the rest are counted in one more
 * (input_info_add_time_total).
 */
#define TIME_ERRORS 5
/* Adds to |info| the error that counts |count| such events, when past TIME_ERRORS. */
void input_info_add_time_total(struct input_info *info, long count);

#endif
