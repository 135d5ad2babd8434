/*
 * ejlog_http: two debug-level messages of ejabberd's HTTP listener that say
 * what the c2s lines of a BOSH or WebSocket session cannot: whether the
 * handler's socket is TLS, and which handler a WebSocket process belongs to.
 *   "<H>@ejabberd_http:process_header… (SOCKET) http query: 'POST' <<"/bosh">>"
 *       SOCKET {tlssock,#Port<…>,…} (TLS, fast_tls) or #Port<…> (gen_tcp)
 *   "<W>@ejabberd_http_ws:init… Client connected through websocket
 *       {http_ws,<W>,{{127,0,0,1},42700}}"
 * Read from the message part of a record whose prefix is already parsed
 * (ejlog.c checks the module). No I/O, no state.
 */
#ifndef XMPPFLOW_EJLOG_HTTP_H
#define XMPPFLOW_EJLOG_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "ejlog_oldmsg.h"

/* "(SOCKET) http query: …" at |m|: true when it is one, with what SOCKET says of TLS in |*tls|. */
bool ejlog_http_query(const char *m, const char *line_end, bool *tls);

/*
 * "Client connected through websocket {http_ws,<W>,{IP,PORT}}" at |m|: true
 * when it is one, with W in |*ws| and the client rendered into |client|
 * (|cap| bytes) as a 19.08+ Accepted line writes it: "127.0.0.1:42700",
 * "[::1]:42700" (compressed, as inet:ntoa). |client| is "" when the address is
 * redacted or not a tuple.
 */
bool ejlog_http_ws(const char *m, const char *line_end, struct ejlog_span *ws, char *client,
                   size_t cap);

#endif
