/*
 * feed: one per input kind. A feed reads its input's records (log lines,
 * packets), finds their connection in the table (conn_table.h) and gives the
 * connection's login its events. The driver (analyze.c) calls them in input
 * order.
 */
#ifndef XMPPFLOW_FEED_H
#define XMPPFLOW_FEED_H

#include <stddef.h>

#include "conn_table.h"
#include "source.h"

/* Fills a->xmpp_ports from the defaults and a->opt.ports (feed_capture.c). */
void xmpp_ports_init(struct analyzer *a);

/* Reads one log input / one capture input; the first |head_len| bytes are |head|. */
void run_log(struct analyzer *a, struct source *src, const char *head, size_t head_len,
             struct input_info *info);
void run_capture(struct analyzer *a, struct source *src, const char *head, size_t head_len,
                 struct input_info *info);

#endif
