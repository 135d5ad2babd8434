/*
 * http_handlers: the HTTP connections of an ejabberd log that carry BOSH
 * (ejabberd-log-formats.md §6.3). ejabberd 16.12+ logs what a BOSH client
 * sends only as its HTTP handler's "Incoming data: <<"<body…>">>" line (the
 * handler is the pid of that connection's "Accepted connection" line); the
 * BOSH session's own process then logs "Got request:" naming the handler.
 * So each handler's last body waits here for the record that says whose it
 * is, with the endpoints of the handler's connection.
 *
 * A handler's TLS: its "http query" lines (debug level) name its socket,
 * {tlssock,…} or a bare #Port; without them (info level) the listener port
 * of its Accepted line is all there is (a guess, said so). A WebSocket
 * session's c2s lines name its ejabberd_http_ws process W, whose "Client
 * connected through websocket" line gives the client address, the same as
 * its handler's Accepted line: so a WebSocket session learns its handler.
 *
 * Bounded: a few handlers (the least recently active is forgotten first),
 * one body each, each body at most HANDLER_BODY_MAX bytes (a longer one is
 * kept as cut). An "Accepted connection" of any pid is noted, as a log does
 * not say which listener is HTTP; a c2s connection's entry is simply never
 * used again and goes first.
 *
 * The BOSH process starts the c2s, whose stream header may be logged before
 * the "Got request" of the creation request it answers: the server lines of
 * a BOSH process not seen yet are held (a few lines of a few processes)
 * until that record, so that the session reads in the order of the wire.
 */
#ifndef XMPPFLOW_HTTP_HANDLERS_H
#define XMPPFLOW_HTTP_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

#include "ejlog.h"
#include "session.h"
#include "timestamp.h"

#define HANDLERS_MAX 64
/* ejabberd's OTP logger cuts messages at 100 KiB: a longer body is never whole in a log */
#define HANDLER_BODY_MAX (128 * 1024)

struct http_handlers;

/* A body a handler logged, taken by http_handlers_take(). */
struct handler_body {
    char *data;            /* the caller frees it; NULL when cut */
    size_t len;
    bool truncated;        /* the logger (or the bound above) cut it */
    usec_t time;
    long line;
    /* the handler's connection, "ip:port" (NULL: its Accepted line is not known) */
    const char *client, *server;
    enum tri tls;          /* its socket is TLS (TRI_NULL: not known) */
    bool tls_guessed;      /* |tls| is a guess from the listener port, not from its socket */
};

/* An HTTP handler's connection, as http_handlers_of_websocket() and http_handlers_guess() find it. */
struct handler_conn {
    const char *key;            /* the handler's pid */
    const char *client, *server; /* "ip:port"; NULL: not known */
    enum tri tls;
    bool tls_guessed;
};

struct http_handlers *http_handlers_new(void);
/* NULL is fine. */
void http_handlers_free(struct http_handlers *h);
/*
 * "(<pid>) Accepted connection CLIENT -> SERVER" at |t|: maybe an HTTP
 * handler. A pid seen before is a new connection now: the old one's body is
 * dropped, unless it was logged less than a second before |t| (from 17.03 the
 * listener logs the accept after the handler read its first request).
 */
void http_handlers_accept(struct http_handlers *h, const char *pid, const char *client,
                          const char *server, usec_t t, enum tri port_tls);
/*
 * |port_tls|, given to http_handlers_accept(): what the listener port alone
 * says of TLS, TRI_TRUE on an HTTPS port, else TRI_NULL. A handler's "http
 * query" line at |t| says for sure: |tls| (it outlives an Accepted line of
 * the same connection logged up to a second later, 17.03+).
 */
void http_handlers_query(struct http_handlers *h, const char *pid, bool tls, usec_t t);
/* WebSocket process |ws| serves the client |client| ("ip:port"): the handler that accepted it. */
void http_handlers_websocket(struct http_handlers *h, const char *ws, const char *client);
/* The handler of WebSocket process |ws| into |out| (valid until the next call on |h|); false: unknown. */
bool http_handlers_of_websocket(struct http_handlers *h, const char *ws, struct handler_conn *out);
/*
 * Info level: a BOSH or WebSocket session's lines name no handler, only the
 * client's |ip|. The TLS of the handlers accepted from |ip| whose TLS is
 * known (or guessed), when they all agree (TRI_NULL when none is known or
 * they differ); |out| names the handler when there is only one.
 */
enum tri http_handlers_guess(struct http_handlers *h, const char *ip, struct handler_conn *out);
/* Handler |pid| logged body |data| (|len| bytes) at |t|, line |line|; it replaces the last. */
void http_handlers_body(struct http_handlers *h, const char *pid, const char *data, size_t len,
                        bool truncated, usec_t t, long line);
/*
 * The body handler |pid| logged last, taken out into |out| (its endpoints
 * stay valid until the next call on |h|); false when it has none waiting.
 */
bool http_handlers_take(struct http_handlers *h, const char *pid, struct handler_body *out);

/* Server lines held for a BOSH process: at most this many, of this many processes. */
#define HELD_LINES 8
#define HELD_PROCESSES 4

/* True when lines of BOSH process |pid| are held. */
bool http_handlers_holding(const struct http_handlers *h, const char *pid);
/* Holds a copy of |ev| (an EJ_XML line of its pid); false when there is no room. */
bool http_handlers_hold(struct http_handlers *h, const struct ejlog_event *ev);
/*
 * The lines held for |pid| (NULL: for any one process), in log order, taken
 * out into a new array the caller gives to http_handlers_free_held(); NULL
 * (|*n| 0) when none.
 */
struct ejlog_event *http_handlers_release(struct http_handlers *h, const char *pid, size_t *n);
void http_handlers_free_held(struct ejlog_event *ev, size_t n);

#endif
