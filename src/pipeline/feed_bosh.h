/*
 * feed_bosh: BOSH sessions (XEP-0124, XEP-0206) from the HTTP messages of
 * the TCP connections that carry them (net/http.h notes).
 *
 * A BOSH session is one login over any number of TCP connections: the
 * session's creation request has no sid and its answer gives one; every
 * later request names the sid. So the session is a connection of its own in
 * the table, keyed by server and sid, whose login gets the elements inside
 * each <body/> as if they had come on one stream: the creation request and
 * its answer are the two stream headers, xmpp:restart='true' the restart,
 * type='terminate' the close. The TCP connections that carried it are listed
 * in the session (session.connections) and are no session themselves.
 *
 * Each TCP connection's own framers read its bodies (one <body/> per HTTP
 * body), so the layers below stay as they are for every connection.
 */
#ifndef XMPPFLOW_FEED_BOSH_H
#define XMPPFLOW_FEED_BOSH_H

#include "bosh.h"
#include "conn_table.h"
#include "stack.h"

/* An HTTP layer's note on TCP connection |c| (net/http.h). */

void bosh_http_note(struct analyzer *a, struct conn *c, const struct stack_note *note);

/* Makes |c| a BOSH session's connection (its rids, window and timers); once. */
void bosh_attach(struct conn *c);

/*
 * A client <body/> |el| (read into |b|; |raw|: its bytes, to tell a resend
 * from a replay; may be NULL) of BOSH session |s| at |t|, from a capture or
 * a log: its rid checked, then its elements given to the session's login as
 * the stream's (the creation request opens the stream, xmpp:restart restarts
 * it, type='terminate' closes it). False when the body is not read as the
 * stream's (a resend, a rid past the window).
 */
bool bosh_client_body(struct conn *s, const struct stanza *el, const struct bosh_body *b,
                      const uint8_t *raw, size_t raw_len, usec_t t);

#endif
