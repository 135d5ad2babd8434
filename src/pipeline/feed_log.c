/* feed_log: ejabberd log events → per-connection framers and login contexts. */
#include <config.h>
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ejlog.h"
#include "feed_bosh.h"
#include "feed_tls.h"
#include "http_handlers.h"
#include "log_link.h"
#include "logkey.h"
#include "logscope.h"
#include "streamhead.h"
#include "xalloc.h"

static enum transport
transport_of_tag(const char *tag)
{
    if (strcmp(tag, "http_bind") == 0)
        return TRANSPORT_BOSH;
    if (strcmp(tag, "websocket") == 0)
        return TRANSPORT_WEBSOCKET;
    if (strncmp(tag, "tls", 3) == 0)
        return TRANSPORT_TLS;
    return TRANSPORT_TCP;
}

/* The socket tag of a c2s line: the first one fixes the transport; tcp → tls is STARTTLS done. */
static void
note_transport(struct conn *c, const char *tag, usec_t t)
{
    if (!tag)
        return;
    struct session *s = login_session(c->login);
    if (!c->transport) {
        s->transport = transport_of_tag(tag);
        if (s->transport == TRANSPORT_TLS)
            login_pseudo(c->login, EV_TLS_ESTABLISHED, t, "direct TLS (socket tagged tls from the start)");
    } else if (strncmp(c->transport, "tcp", 3) == 0 && strncmp(tag, "tls", 3) == 0) {
        login_pseudo(c->login, EV_TLS_ESTABLISHED, t, "socket tag switched from tcp to tls");
    }
    if (!c->transport || strcmp(c->transport, tag) != 0) {
        free(c->transport);
        c->transport = xstrdup(tag);
    }
}

/* What a c2s socket tag says of TLS: tcp no, tls yes; another tag (BOSH, WebSocket) or none: unknown. */
static enum tri
tls_of_tag(const char *tag)
{
    if (!tag)
        return TRI_NULL;
    if (strncmp(tag, "tls", 3) == 0)
        return TRI_TRUE;
    if (strncmp(tag, "tcp", 3) == 0)
        return TRI_FALSE;
    return TRI_NULL;
}

/* The port of "ip:port" / "[ip6]:port"; 0 when none. */
static unsigned
port_of(const char *endpoint)
{
    const char *colon = endpoint ? strrchr(endpoint, ':') : NULL;
    return colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
}

/*
 * ejabberd's HTTP listeners (5280, 80 and the HTTPS ports): a connection
 * accepted there is an HTTP handler that carries BOSH or WebSocket requests,
 * whose session the c2s lines of another process name. Known from its
 * "Accepted connection" line alone, it is no login of its own.
 */
static bool
http_listener(const char *server)
{
    unsigned port = port_of(server);
    return port == 5280 || port == 80 || https_port(port);
}

/*
 * The BOSH or WebSocket session |c| runs over the HTTP handler |hc|: the
 * session's address is the handler's (when it has none yet), and a handler
 * whose socket is TLS had its handshake before any request it read (as
 * direct TLS: the login sees TLS before its first element). Once.
 */
static void
note_http_handler(struct conn *c, const struct handler_conn *hc, usec_t t)
{
    struct session *s = login_session(c->login);
    if (!s->client && hc->client) {
        s->client = xstrdup(hc->client);
        s->server = hc->server ? xstrdup(hc->server) : NULL;
        if (s->nconnections && !s->connections[s->nconnections - 1].client)
            session_connection_endpoints(s, hc->client, hc->server);
    }
    if (hc->tls != TRI_TRUE || s->tls.negotiated == TRI_TRUE)
        return;
    char detail[160];
    if (hc->tls_guessed)
        snprintf(detail, sizeof detail,
                 "HTTPS: a guess from the listener port %u (the log does not show the HTTP handler's socket)",
                 port_of(hc->server ? hc->server : s->server));
    else
        snprintf(detail, sizeof detail, "HTTPS: HTTP handler %s read the requests over TLS (ejabberd_http tlssock)",
                 hc->key ? hc->key : "?");
    login_pseudo(c->login, EV_TLS_ESTABLISHED, t, detail);
}

/*
 * The socket tag of a line of a connection whose XML the log does not show
 * (info level). Its first tag is that of its first c2s line, after STARTTLS
 * when the client did it: tls there means TLS came before, STARTTLS unless
 * the listener is XEP-0368's direct TLS port 5223 (the log says no more).
 */
static void
note_info_tag(struct conn *c, const char *tag, usec_t t)
{
    if (!tag || c->saw_xml)
        return;
    struct session *s = login_session(c->login);
    if (!c->transport && tls_of_tag(tag) == TRI_TRUE && port_of(s->server) != 5223) {
        s->transport = TRANSPORT_TCP;
        login_log_tls_before(c->login, t);
        c->transport = xstrdup(tag);
    } else {
        note_transport(c, tag, t);
    }
    login_log_socket(c->login, tls_of_tag(tag));
}

/*
 * Info level: what a verdict line |ev| of |c| implies of TLS. A tcp/tls tag
 * says it; a BOSH or WebSocket session's tag does not, and its lines name no
 * HTTP handler: the handlers accepted from the client's address say it, a
 * guess from their listener ports (note_http_handler() says so).
 */
static enum tri
info_tls(struct analyzer *a, struct conn *c, const struct ejlog_event *ev)
{
    const char *tag = ev->transport ? ev->transport : c->transport;
    enum tri tls = tls_of_tag(tag);
    if (tls != TRI_NULL || !tag || !a->http_handlers ||
        (strcmp(tag, "http_bind") != 0 && strcmp(tag, "websocket") != 0))
        return tls;
    if (login_session(c->login)->tls.negotiated == TRI_TRUE)
        return TRI_TRUE;
    struct handler_conn hc = {0};
    tls = http_handlers_guess(a->http_handlers, ev->ip, &hc);
    if (tls == TRI_TRUE)
        note_http_handler(c, &hc, ev->time);
    return tls;
}

static void
drain(struct conn *c, int d, usec_t t, bool *server_closed)
{
    struct frame fr;
    while (framer_next(c->framer[d], &fr)) {
        if (d == 1 && fr.kind == FRAME_STREAM_OPEN && c->bosh)
            fr.context = bosh_log_header_context(c); /* the sid, as the creation answer shows it */
        login_frame(c->login, d ? 'S' : 'C', t, &fr);
        if (d == 1 && fr.kind == FRAME_STREAM_CLOSE)
            *server_closed = true;
    }
}

static struct http_handlers *
handlers(struct analyzer *a)
{
    if (!a->http_handlers)
        a->http_handlers = http_handlers_new();
    return a->http_handlers;
}

static void flush_held(struct analyzer *a, const char *pid, struct input_info *info);

/* The BOSH session |c| lost a client body at |t|: an input error and a gap in its login. */
static void
bosh_lost_body(struct conn *c, usec_t t, const char *msg, long line, struct input_info *info)
{
    input_info_add_error(info, msg, line, 0, -1);
    login_pseudo(c->login, EV_GAP, t, msg);
}

/* The HTTP connection |handler| (its endpoints, when known) carried a request of BOSH session |c|. */
static void
note_handler(struct conn *c, const char *handler, const char *client, const char *server)
{
    struct session *s = login_session(c->login);
    for (size_t i = 0; i < s->nconnections; i++) {
        const struct connection *k = &s->connections[i];
        if (strcmp(k->key, handler) == 0 && (!client || (k->client && strcmp(k->client, client) == 0)))
            return; /* listed (a pid reused by another connection is listed again) */
    }
    session_add_connection(s, handler);
    session_connection_endpoints(s, client, server);
    if (!s->client && client) {
        /* the session's address is the first connection's, as from a capture */
        s->client = xstrdup(client);
        s->server = server ? xstrdup(server) : NULL;
    }
}

/*
 * "<B>@ejabberd_bosh:… Got request:" from handler H: the body H logged last
 * is a client body of the BOSH session of process B, keyed by B as the
 * session's "(http_bind|<B>)" c2s lines are. The session's creation request
 * comes before any of those lines: the session starts here.
 */
static void
bosh_request(struct analyzer *a, const struct ejlog_event *ev, struct input_info *info)
{
    struct handler_body body = {0};
    bool have = http_handlers_take(handlers(a), ev->handler, &body);
    struct conn *c = conn_find(a, ev->pid);
    if (!c && is_tombstone(a, ev->pid)) {
        free(body.data);
        return; /* the tail of a session already reported */
    }
    if (!c) {
        c = conn_new(a, ev->pid, have ? body.line : ev->line);
        note_transport(c, "http_bind", ev->time);
    }
    conn_touch(a, c);
    session_log_line(login_session(c->login), a->input_path, ev->last_line);
    if (have)
        note_handler(c, ev->handler, body.client, body.server);
    /*
     * The body's time is its handler's line's: nearer the wire. The lines of a
     * session come from three processes (handler, BOSH, c2s), whose stamps may
     * cross by microseconds: never before the session's previous event.
     */
    usec_t t = have ? body.time : ev->time;
    if (t < c->prev_time)
        t = c->prev_time;
    note_time(a, c, t, info, ev->line, 0);
    if (!login_session(c->login)->start)
        login_connected(c->login, t);
    if (have) {
        struct handler_conn hc = {ev->handler, body.client, body.server, body.tls, body.tls_guessed};
        note_http_handler(c, &hc, t);
    }
    bosh_log_sid(c, ev->sid); /* after the handler's TLS: it decides I19 */
    if (!have)
        bosh_lost_body(c, t, "BOSH request whose body is not in the log (no Incoming data line of its HTTP handler)",
                       ev->line, info);
    else if (body.truncated)
        bosh_lost_body(c, t, "BOSH body cut by the logger; not read", body.line, info);
    else {
        const char *why = bosh_log_body(c, body.data, body.len, ev->has_rid, ev->rid, t);
        if (why)
            bosh_lost_body(c, t, why, body.line, info);
    }
    free(body.data);
    flush_held(a, ev->pid, info); /* the server's lines that came before this request's record */
    c = conn_find(a, ev->pid);
    if (c && login_both_closed(c->login))
        conn_finish(a, c, LOGIN_END_CLOSED, t);
}

/*
 * A server line of a BOSH process not seen yet, or one more of one held:
 * held until the session's creation request (http_handlers.h). True when
 * |ev| is held.
 */
/* Lines being let go by flush_held() are read, not held again (that looped for ever on BOSH lines of a log without their "Got request" records, as a console log writes them). */
static _Thread_local bool releasing;

static bool
hold_bosh_line(struct analyzer *a, const struct ejlog_event *ev, struct input_info *info)
{
    if (releasing)
        return false;
    if (a->http_handlers && http_handlers_holding(a->http_handlers, ev->pid)) {
        if (ev->kind == EJ_XML && http_handlers_hold(a->http_handlers, ev))
            return true;
        flush_held(a, ev->pid, info); /* no creation request came: the lines go as they are */
        return false;
    }
    return ev->kind == EJ_XML && ev->transport && strcmp(ev->transport, "http_bind") == 0 &&
           ev->data && !conn_find(a, ev->pid) && !is_tombstone(a, ev->pid) &&
           stream_starts(ev->data, ev->len) && http_handlers_hold(handlers(a), ev);
}

/* The input's level, as its lines show it (input_info_log_no_xml). */
static void
count_level(const struct ejlog_event *ev, struct input_info *info)
{
    switch (ev->kind) {
    case EJ_XML:
    case EJ_BOSH_BODY:
    case EJ_BOSH_REQUEST:
        info->log_xml++;
        break;
    case EJ_ACCEPT:
    case EJ_AUTH:
    case EJ_SESSION_OPEN:
    case EJ_RESUMED:
    case EJ_REGISTERED:
    case EJ_CLOSING:
        info->log_c2s++;
        break;
    case EJ_TERMINATED:
    case EJ_TLS_FAILED:
    case EJ_RUN_START:
    case EJ_PROBLEM:
    case EJ_HTTP_QUERY:
    case EJ_WS_CONNECTED:
    case EJ_DROPPED:
        break;
    }
}

static void
on_log_event(struct analyzer *a, const struct ejlog_event *ev, struct input_info *info)
{
    if (ev->kind == EJ_PROBLEM) {
        input_info_add_error(info, ev->message, ev->line, 0, -1);
        return;
    }
    if (ev->kind == EJ_DROPPED) {
        /* the logger lost records: any open connection may lack lines from here on */
        for (struct conn *c = a->open_head; c; c = c->next_open)
            if (c->login)
                login_pseudo(c->login, EV_GAP, ev->time, "the logger dropped records here");
        input_info_add_error(info, ev->message, ev->line, 0, -1);
        return;
    }
    if (ev->kind == EJ_RUN_START) {
        flush_held(a, NULL, info);
        logscope_restart(a, ev->time);
        log_link_reset(a->log_link); /* its pids start over: every link is of the old run */
        return;
    }
    /* logs up to 17.01: a connection's lines come from three processes (log_link.h) */
    struct ejlog_event linked, accept;
    struct log_link_info link;
    bool has_accept;
    if (!a->log_link)
        a->log_link = log_link_new();
    if (!log_link_event(a->log_link, ev, &linked, &accept, &has_accept, &link))
        return;
    if (has_accept)
        on_log_event(a, &accept, info);
    ev = &linked;
    /* every worker keeps the handlers' bodies: the session they go to is named later */
    if (ev->kind == EJ_ACCEPT)
        http_handlers_accept(handlers(a), ev->pid, ev->client, ev->server, ev->time,
                             https_port(port_of(ev->server)) ? TRI_TRUE : TRI_NULL);
    if (ev->kind == EJ_HTTP_QUERY) {
        http_handlers_query(handlers(a), ev->pid, ev->tls, ev->time);
        return;
    }
    if (ev->kind == EJ_WS_CONNECTED) {
        http_handlers_websocket(handlers(a), ev->pid, ev->client);
        return;
    }
    if (ev->kind == EJ_BOSH_BODY) {
        http_handlers_body(handlers(a), ev->pid, ev->data, ev->len, ev->truncated, ev->time, ev->line);
        return;
    }
    if (!ev->pid || !own_key(a, ev->pid, logkey_pid_len(ev->pid)))
        return; /* no connection, or another worker's (-j) */
    if (ev->kind == EJ_BOSH_REQUEST) {
        bosh_request(a, ev, info);
        return;
    }
    if (hold_bosh_line(a, ev, info))
        return;
    struct conn *c = conn_find(a, ev->pid);
    if (c && ev->kind == EJ_ACCEPT && login_session(c->login)->client) {
        /* a second accept for an open pid: the node restarted without a banner in this log */
        conn_finish(a, c, LOGIN_END_INPUT_END, ev->time);
        c = NULL;
    }
    if (!c) {
        if (ev->kind == EJ_ACCEPT)
            clear_tombstone(a, ev->pid); /* a reused pid is a new connection */
        else if (ev->kind == EJ_TERMINATED || ev->kind == EJ_CLOSING || is_tombstone(a, ev->pid))
            return; /* the tail of a connection already reported */
        c = conn_new(a, ev->pid, ev->line);
        /* a c2s process; a BOSH session's connections are its HTTP handlers' (note_handler) */
        if (!ev->transport || strcmp(ev->transport, "http_bind") != 0)
            session_add_connection(login_session(c->login), ev->pid);
    }
    conn_touch(a, c);
    struct session *s = login_session(c->login);
    log_link_mark(&link, s);
    session_log_line(s, a->input_path, ev->last_line);
    if (ev->kind != EJ_ACCEPT) /* an Accepted line may come late with an earlier time: login_connected() */
        note_time(a, c, ev->time, info, ev->line, 0);
    struct handler_conn hc;
    if (!c->saw_xml && ev->kind == EJ_XML && ev->transport && strcmp(ev->transport, "websocket") == 0 &&
        a->http_handlers && http_handlers_of_websocket(a->http_handlers, ev->pid, &hc))
        note_http_handler(c, &hc, ev->time);
    switch (ev->kind) {
    case EJ_ACCEPT:
        free(s->client);
        free(s->server);
        s->client = xstrdup(ev->client);
        s->server = xstrdup(ev->server);
        session_connection_endpoints(s, ev->client, ev->server);
        login_connected(c->login, ev->time);
        if (http_listener(ev->server))
            s->carrier = true;
        break;
    case EJ_XML: {
        /*
         * A c2s socket whose "Accepted connection" line is in the log is seen from
         * its first byte: XML that does not open a stream is then sent outside one
         * (A1), not a sign that the log began late.
         */
        bool from_start = s->client && ev->transport &&
                          (strncmp(ev->transport, "tcp", 3) == 0 ||
                           strncmp(ev->transport, "tls", 3) == 0);
        if (!c->saw_xml && !from_start && !stream_starts(ev->data, ev->len) &&
            !login_session(c->login)->nphases) {
            /* the log begins after this connection did (rotation, a changed log level) */
            login_midstream(c->login, ev->time, "log starts in the middle of this connection");
            framer_gap(c->framer[0]);
            framer_gap(c->framer[1]);
        }
        c->saw_xml = true;
        /* up to 17.01 no tag: the lines after <proceed/> are the decrypted stream */
        if (!ev->transport)
            note_transport(c, login_tls_pending(c->login) ? "tls" : c->transport ? c->transport : "tcp",
                           ev->time);
        note_transport(c, ev->transport, ev->time);
        if (ev->transport && strcmp(ev->transport, "http_bind") == 0)
            bosh_log_session(c); /* also when the log starts after the session's creation */
        int d = ev->dir == 'S';
        bool server_closed = false;
        if (ev->truncated) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s payload cut by the logger; %s stream resynchronised",
                     ev->dir == 'C' ? "received" : "sent", d ? "server" : "client");
            input_info_add_error(info, msg, ev->line, 0, -1);
            framer_gap(c->framer[d]);
            login_pseudo(c->login, EV_GAP, ev->time, msg);
        } else {
            framer_feed(c->framer[d], ev->data, ev->len);
        }
        drain(c, d, ev->time, &server_closed);
        /* ejabberd closes the socket right after its own </stream:stream> once the c2s ended;
         * after a stream error it still sends that close, so data after the error is seen (K2) */
        if ((server_closed && (c->terminated || login_stream_over(c->login))) ||
            login_both_closed(c->login))
            conn_finish(a, c, LOGIN_END_CLOSED, ev->time);
        break;
    }
    case EJ_AUTH:
        /* with XML, the tag of the XML lines told the transport; without, this one does */
        note_info_tag(c, ev->transport, ev->time);
        login_log_auth(c->login, ev->time, ev->ok, ev->mech, ev->user, ev->ip, ev->reason,
                       c->saw_xml ? TRI_NULL : info_tls(a, c, ev));
        break;
    case EJ_SESSION_OPEN:
    case EJ_RESUMED:
        note_info_tag(c, ev->transport, ev->time);
        login_log_session(c->login, ev->time, ev->jid, ev->kind == EJ_RESUMED);
        break;
    case EJ_REGISTERED:
        login_log_registered(c->login, ev->time, ev->user, ev->ip,
                             c->saw_xml ? TRI_NULL : info_tls(a, c, ev));
        break;
    case EJ_CLOSING:
        c->terminated = true;
        if (!c->saw_xml) {
            /* info level: nothing more of this connection will come; it ends here, not at the end of the file */
            note_info_tag(c, ev->transport, ev->time);
            login_log_closed(c->login, ev->time, ev->reason);
            conn_finish(a, c, LOGIN_END_CLOSED, ev->time);
            break;
        }
        /* mod_stream_mgmt keeps the session for a resumption, but the connection is gone */
        if (ev->reason && strstr(ev->reason, "for stream resumption"))
            conn_finish(a, c, LOGIN_END_CLOSED, ev->time);
        break;
    case EJ_TERMINATED:
        c->terminated = true;
        break;
    case EJ_TLS_FAILED:
        login_pseudo(c->login, EV_TLS_ALERT, ev->time, ev->reason ? ev->reason : "TLS failed");
        break;
    case EJ_RUN_START:
    case EJ_PROBLEM:
    case EJ_BOSH_BODY:
    case EJ_BOSH_REQUEST:
    case EJ_HTTP_QUERY:
    case EJ_WS_CONNECTED:
    case EJ_DROPPED:
        break;
    }
}

/* The lines held for BOSH process |pid| (NULL: for every one) are read now, in log order. */
static void
flush_held(struct analyzer *a, const char *pid, struct input_info *info)
{
    size_t n;
    struct ejlog_event *held;
    while (a->http_handlers && (held = http_handlers_release(a->http_handlers, pid, &n))) {
        bool was = releasing;
        releasing = true;
        for (size_t i = 0; i < n; i++)
            on_log_event(a, &held[i], info);
        releasing = was;
        http_handlers_free_held(held, n);
    }
}

/* -j: the log's reader need not decode the records of other workers' connections. */
static bool
own_pid(void *arg, const char *pid, size_t len)
{
    const struct analyzer *a = arg;
    return shard_mine(a->opt.shard, pid, len);
}

/* Reads one log input into the shared connection table; sessions stay open for the next file. */
void
run_log(struct analyzer *a, struct source *src, const char *head, size_t head_len,
        struct input_info *info)
{
    struct ejlog *r = ejlog_new();
    if (a->opt.shard)
        ejlog_want(r, own_pid, a);
    struct ejlog_event ev;
    a->reading_log = true;
    char *chunk = xmalloc(READ_CHUNK);
    char errbuf[256];
    ejlog_feed(r, head, head_len);
    for (;;) {
        while (ejlog_next(r, &ev)) {
            logscope_key(a, &ev);
            if (ev.time > a->last_time)
                a->last_time = ev.time;
            count_level(&ev, info);
            on_log_event(a, &ev, info);
            check_memory(a, ev.len);
            event_end(a);
        }
        ssize_t n = source_read(src, chunk, READ_CHUNK, errbuf, sizeof errbuf);
        if (n < 0) {
            char msg[320];
            snprintf(msg, sizeof msg, "read stopped: %s", errbuf);
            input_info_add_error(info, msg, ejlog_lines(r) + 1, 0, -1);
            break;
        }
        if (n == 0)
            break;
        ejlog_feed(r, chunk, (size_t)n);
    }
    ejlog_finish(r);
    while (ejlog_next(r, &ev)) {
        logscope_key(a, &ev);
        if (ev.time > a->last_time)
            a->last_time = ev.time;
        count_level(&ev, info);
        on_log_event(a, &ev, info);
        event_end(a);
    }
    flush_held(a, NULL, info);
    note_time_total(a, info);
    info->count = ejlog_lines(r);
    info->log_forms = ejlog_forms(r);
    info->log_wrappers = ejlog_wrappers(r);
    info->log_time_notes = ejlog_time_notes(r);
    if (ejlog_records(r) == 0 && info->count > 0) {
        /* read as a log (--input log) but nothing in it is one of any era: not "0 sessions" */
        const struct ejlog_unplaced *u;
        size_t nu = ejlog_unplaced(r, &u);
        char msg[400];
        int k = snprintf(msg, sizeof msg,
                         "no line is a record of any known ejabberd log era (E0-E8; %ld line%s read)",
                         ejlog_lines(r), ejlog_lines(r) == 1 ? "" : "s");
        for (size_t i = 0; i < nu && k > 0 && (size_t)k < sizeof msg; i++)
            k += snprintf(msg + k, sizeof msg - (size_t)k, "%sline %ld \"%s\"",
                          i ? ", " : "; not placed: ", u[i].line, u[i].shape);
        input_info_add_error(info, msg, 0, 0, -1);
        info->unusable = true;
    } else if (ejlog_mongooseim(r)) {
        /* a fork that keeps ejabberd's module names but not its lines: refused, not misread */
        input_info_add_error(info,
                             "this is a MongooseIM log (its modules and BOSH lines say so): its "
                             "formats differ from ejabberd's, and what was read from it may be wrong",
                             0, 0, -1);
        info->unusable = true;
    }
    ejlog_free(r);
    free(chunk);
}
