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

/*
 * -j: whether this worker owns the capture flow |t|: by its TCP connection,
 * or on a BOSH port by its two hosts, so that all the connections of a BOSH
 * session go to one worker.
 */
bool bosh_own_flow(struct analyzer *a, const struct flow_tuple *t);

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

/*
 * The first <body/> |f| reads in |bytes| (one HTTP body, one log line), a
 * copy the caller frees (NULL when there is none); |why| says what is wrong
 * with it (NULL: nothing).
 */
struct stanza *bosh_frame_body(struct framer *f, const char *bytes, size_t len, const char **why);

/*
 * From an ejabberd log (feed_log.c): |s| (keyed by the BOSH process's pid)
 * is a BOSH session; once.
 */
void bosh_log_session(struct conn *s);
/*
 * The client body |bytes| of BOSH session |s| as its HTTP handler logged it
 * at |t|, read with |s|'s client framer and given to bosh_client_body();
 * |rid|, when |has_rid|, is the rid the log says ejabberd took. Returns
 * NULL, or why the body is not read (an input error).
 */
const char *bosh_log_body(struct conn *s, const char *bytes, size_t len, bool has_rid,
                          uint64_t rid, usec_t t);

/*
 * The sid the log gives BOSH session |s| (ejabberd_bosh's state, in its
 * "Got request" dumps): the server's first stream header shows it, cut, as
 * the creation answer does from a capture.
 */
void bosh_log_sid(struct conn *s, const char *sid);
/*
 * What the report shows before the server's stream header of |s| read from
 * the log: "sid=…" for the first, NULL for the others or without a sid.
 */
const char *bosh_log_header_context(struct conn *s);

#endif
