/* input_info: what the report says of each input. */
#include <config.h>
#include "input_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const input_type_names[] = {
    [INPUT_UNKNOWN] = NULL,
    [INPUT_PCAP] = "pcap",
    [INPUT_PCAPNG] = "pcapng",
    [INPUT_EJLOG] = "ejabberd-log",
};

const char *
input_type_name(enum input_type t)
{
    return (unsigned)t < NELEMS(input_type_names) ? input_type_names[t] : NULL;
}


void
input_info_add_error(struct input_info *in, const char *message, long line, long packet,
                     long long offset)
{
    in->errors = xreallocarray(in->errors, in->nerrors + 1, sizeof(*in->errors));
    struct input_error *e = &in->errors[in->nerrors++];
    e->message = xstrdup(message ? message : "");
    e->line = line;
    e->packet = packet;
    e->offset = offset;
}

void
input_info_clear(struct input_info *in)
{
    if (!in)
        return;
    free(in->path);
    for (size_t i = 0; i < in->nerrors; i++)
        free(in->errors[i].message);
    free(in->errors);
    memset(in, 0, sizeof(*in));
}

void
input_info_add_time_total(struct input_info *info, long count)
{
    if (count > TIME_ERRORS) {
        char msg[120];
        snprintf(msg, sizeof msg, "%ld events in all dated before their connection's previous one",
                 count);
        input_info_add_error(info, msg, 0, 0, -1);
    }
}

bool
input_info_log_no_xml(const struct input_info *in)
{
    return in->type == INPUT_EJLOG && in->log_xml == 0 && in->log_c2s > 0;
}

const char input_info_no_xml_hidden[] =
    "info-level log: no XML; stream features, STARTTLS, the SASL exchange, resource binding, "
    "stanza order and stream closes are not visible (nor whether TLS came by STARTTLS or "
    "directly, told by port 5223 only), and the checks needing them were not run; sessions, "
    "users, mechanisms, verdicts, bound JIDs, times and socket tags are from the log's own lines";
