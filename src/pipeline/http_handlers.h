/*
 * http_handlers: the HTTP connections of an ejabberd log that carry BOSH
 * (ejabberd-log-formats.md §6.3). ejabberd 16.12+ logs what a BOSH client
 * sends only as its HTTP handler's "Incoming data: <<"<body…>">>" line (the
 * handler is the pid of that connection's "Accepted connection" line); the
 * BOSH session's own process then logs "Got request:" naming the handler.
 * So each handler's last body waits here for the record that says whose it
 * is, with the endpoints of the handler's connection.
 *
 * Bounded: a few handlers (the least recently active is forgotten first),
 * one body each, each body at most HANDLER_BODY_MAX bytes (a longer one is
 * kept as cut). An "Accepted connection" of any pid is noted, as a log does
 * not say which listener is HTTP; a c2s connection's entry is simply never
 * used again and goes first.
 */
#ifndef XMPPFLOW_HTTP_HANDLERS_H
#define XMPPFLOW_HTTP_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

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
};

struct http_handlers *http_handlers_new(void);
/* NULL is fine. */
void http_handlers_free(struct http_handlers *h);
/*
 * "(<pid>) Accepted connection CLIENT -> SERVER": maybe an HTTP handler. A
 * pid seen before is a new connection now (the old one's body is dropped).
 */
void http_handlers_accept(struct http_handlers *h, const char *pid, const char *client,
                          const char *server);
/* Handler |pid| logged body |data| (|len| bytes) at |t|, line |line|; it replaces the last. */
void http_handlers_body(struct http_handlers *h, const char *pid, const char *data, size_t len,
                        bool truncated, usec_t t, long line);
/*
 * The body handler |pid| logged last, taken out into |out| (its endpoints
 * stay valid until the next call on |h|); false when it has none waiting.
 */
bool http_handlers_take(struct http_handlers *h, const char *pid, struct handler_body *out);

#endif
