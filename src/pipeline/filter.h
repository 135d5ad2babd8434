/*
 * filter: --user and --client, checked when given (a value that could match
 * nothing is a usage error, not an empty report) and matched against each
 * finished session. Each may be given several times: a session is kept when
 * it matches any --user (if there is one) and any --client (if there is one).
 *
 * --user USER       the local part, as the report's "user" field shows it;
 * --user USER@DOMAIN the bare JID: that local part at that domain (the domain
 *                   compared without case, RFC 7622 §3.2). A resource
 *                   ("/...") or an empty part is refused.
 * --client IP       an IPv4 or IPv6 address without a port, compared as
 *                   addresses (::1 matches 0:0::1, ::ffff:192.0.2.1 matches
 *                   192.0.2.1). "IP:PORT" and "[IPv6]:PORT" are refused:
 *                   a client's port is the ephemeral one of one connection.
 */
#ifndef XMPPFLOW_FILTER_H
#define XMPPFLOW_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

struct filter;

struct filter *filter_new(void);
void filter_free(struct filter *f);

/*
 * Adds a --user / --client value. Returns NULL, or (nothing added) why the
 * value is refused: a static message for a usage error.
 */
const char *filter_add_user(struct filter *f, const char *value);
const char *filter_add_client(struct filter *f, const char *value);

/* True when |s| passes: no filter of a kind, or one of that kind matches. NULL |f|: all pass. */
bool filter_keep(const struct filter *f, const struct session *s);

#endif
