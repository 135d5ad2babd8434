/*
 * ejlog_oldmsg: the message forms of ejabberd ≤ 17.11 (ejabberd-log-formats.md
 * §3, §4.4), read from the message part of a record whose prefix is already
 * parsed: untagged "Received/Send XML on stream = …" and "Send Text on stream",
 * "(#Port<…>) Accepted [SSL ]connection A -> B" with tuple or text endpoints,
 * "Accepted/Failed [legacy ]authentication for …", "Opened/Close/Replaced/
 * Forbidden session for …", "Resumed session for …". The leading "(…)" of an
 * info line is a socket_state term, read by ejlog_sock_parse(). No I/O, no state.
 */
#ifndef XMPPFLOW_EJLOG_OLDMSG_H
#define XMPPFLOW_EJLOG_OLDMSG_H

#include <stdbool.h>
#include <stddef.h>


/* A piece of the message: |n| bytes at |p| (p NULL: absent). */
struct ejlog_span {
    const char *p;
    size_t n;
};

/* What a socket_state term (§4, §6.1) says about its connection. */
struct ejlog_sock {
    const char *transport;  /* "tcp", "tls", "http_bind", "websocket", "tcp_zlib"; NULL: not said */
    struct ejlog_span port; /* the first "#Port<0.P>": the TCP socket the listener accepted */
    struct ejlog_span owner; /* the receiver pid R (tcp, tls, WebSocket); absent for BOSH */
};

/*
 * Reads the term at |p| up to |end| (the text inside an info line's leading
 * parentheses): {socket_state,gen_tcp,#Port<0.P>,<R>}, the tls/p1_tls/fast_tls
 * form with {tlssock,#Port<0.P>,#Port<0.Q>}, BOSH {http_bind,<B>,{{IP},Port}},
 * WebSocket {http_ws,<W>,…}, or E0's bare #Port<…> / {tlssock,…}. Braces are
 * balanced, so IPv6 tuples inside do no harm. Returns the length read (the
 * whole term), or 0 when |p| is none of these.
 */
size_t ejlog_sock_parse(const char *p, const char *end, struct ejlog_sock *out);

/* What an old-form message is (ejlog.c makes the event of the same name of it). */
enum ejlog_old_kind { OLD_ACCEPT, OLD_XML, OLD_AUTH, OLD_SESSION_OPEN, OLD_CLOSING };

/* One old-form message, as ejlog_oldmsg_parse() reads it. */
struct ejlog_oldmsg {
    enum ejlog_old_kind kind;
    struct ejlog_span pid;  /* the logging pid (absent for an accept: the port names it) */
    struct ejlog_sock sock; /* from the leading socket_state (all zero when none) */
    char dir;               /* OLD_XML: 'C' or 'S' */
    const char *payload;    /* OLD_XML: where the term starts (it may run over later lines) */
    bool ok;                /* OLD_AUTH */
    bool legacy;            /* OLD_AUTH: jabber:iq:auth (mechanism "legacy") */
    /* OLD_ACCEPT endpoints, rendered into |addr| as the report writes them; absent: unknown */
    struct ejlog_span client, server;
    struct ejlog_span user, ip, reason, jid;
    char addr[2][64];
};

/*
 * Reads the message |m| (up to |line_end|, the end of the record's first
 * line) logged by |pid| (|pid_len| bytes; NULL when the prefix has none).
 * Returns true and fills |out| when it is an old form.
 */
bool ejlog_oldmsg_parse(const char *m, const char *line_end, const char *pid, size_t pid_len,
                        struct ejlog_oldmsg *out);

#endif
