/* analyze: input → per-connection framers → phase → login → report, one element at a time. */
#include <config.h>
#include "analyze.h"

#include <stdint.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode.h"
#include "ejlog.h"
#include "login.h"
#include "reasm.h"
#include "tlsrec.h"
#include "source.h"
#include "xalloc.h"

#define READ_CHUNK (256 * 1024)
#define PCAP_ERRBUF_LEN PCAP_ERRBUF_SIZE
/* Finished connections remembered so that their late log lines are not a new session. */
#define TOMBSTONES 4096
/* Stream management ids of finished sessions, for the JID of a later resumption (XEP-0198 §5). */
#define SM_IDS 1024

/* One client connection as keyed in a log (the c2s pid). */
struct conn {
    char *key;
    struct login *login;
    struct framer *framer[2]; /* [0] client → server, [1] server → client */
    char *transport;          /* last socket tag seen: tcp, tls, … */
    bool terminated;          /* the log says the c2s process ended */
    bool saw_xml;             /* any XML line (debug-level log) */
    struct conn *next_open;   /* open list, in session id order */
    struct conn *prev_open;
    /* captures only */
    struct reasm *reasm[2];   /* [0] client → server, [1] server → client */
    struct tlsrec *tls;       /* non-NULL once the bytes are TLS records */
    bool fin[2], rst;
    bool proceed_seen;        /* the server sent <proceed/>: TLS follows */
    usec_t last_seen;
    uint8_t client_addr[16];  /* to tell the directions apart */
    uint16_t client_port;
};

struct analyzer {
    struct analyze_options opt;
    struct report_writer *writer;
    struct summary *summary;
    unsigned next_id;
    /* open connections: a hash table for lookup plus a list in id order */
    struct conn **table;
    size_t table_cap, nopen;
    struct conn *open_head, *open_tail;
    char *tombstone[TOMBSTONES]; /* a ring: the oldest is forgotten first */
    size_t tomb_next;
    int tomb_slot[TOMBSTONES * 4]; /* hash of ring indices (-1 empty): lookups are per packet */
    /*
     * Handshakes on ports not known as XMPP, direct-mapped by key: when content shows
     * later that the connection is XMPP, it starts at its SYN, not mid-stream.
     */
    struct syn_seen {
        char key[80];
        usec_t time;
        uint32_t isn[2];     /* [0] the SYN's, [1] the SYN-ACK's */
        bool have_synack;
        uint8_t client[16];  /* the SYN's sender */
        uint16_t client_port;
        long packet;
    } syns[1024];
    const char *input_path;
    usec_t last_time;  /* latest event time over all inputs */
    struct sm_entry {
        char *id, *jid;
    } sm_ids[SM_IDS];  /* a ring: the oldest is forgotten first */
    size_t sm_next;
    bool reading_log;  /* the input being read is a log (else a capture) */
};

static uint64_t
hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct conn **
table_slot(struct analyzer *a, const char *key)
{
    size_t mask = a->table_cap - 1;
    size_t i = (size_t)hash_key(key) & mask;
    while (a->table[i] && strcmp(a->table[i]->key, key) != 0)
        i = (i + 1) & mask;
    return &a->table[i];
}

static void
table_grow(struct analyzer *a)
{
    size_t old_cap = a->table_cap;
    struct conn **old = a->table;
    a->table_cap = old_cap ? old_cap * 2 : 256;
    a->table = xcalloc(a->table_cap, sizeof *a->table);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            *table_slot(a, old[i]->key) = old[i];
    free(old);
}

static void
table_remove(struct analyzer *a, struct conn *c)
{
    /* linear probing: re-insert the cluster after the removed slot */
    size_t mask = a->table_cap - 1;
    size_t i = (size_t)(table_slot(a, c->key) - a->table);
    a->table[i] = NULL;
    for (size_t j = (i + 1) & mask; a->table[j]; j = (j + 1) & mask) {
        struct conn *moved = a->table[j];
        a->table[j] = NULL;
        *table_slot(a, moved->key) = moved;
    }
}

#define TOMB_MASK (TOMBSTONES * 4 - 1)

/* Slot of |key| in the tombstone hash, or -1. */
static int
tomb_find(const struct analyzer *a, const char *key)
{
    for (size_t i = (size_t)hash_key(key) & TOMB_MASK; a->tomb_slot[i] >= 0; i = (i + 1) & TOMB_MASK)
        if (strcmp(a->tombstone[a->tomb_slot[i]], key) == 0)
            return (int)i;
    return -1;
}

static void
tomb_insert_index(struct analyzer *a, int ring)
{
    size_t i = (size_t)hash_key(a->tombstone[ring]) & TOMB_MASK;
    while (a->tomb_slot[i] >= 0)
        i = (i + 1) & TOMB_MASK;
    a->tomb_slot[i] = ring;
}

/* Forgets the tombstone in hash slot |slot| (linear probing: re-insert the rest of the run). */
static void
tomb_remove_slot(struct analyzer *a, int slot)
{
    int ring = a->tomb_slot[slot];
    free(a->tombstone[ring]);
    a->tombstone[ring] = NULL;
    a->tomb_slot[slot] = -1;
    for (size_t j = ((size_t)slot + 1) & TOMB_MASK; a->tomb_slot[j] >= 0; j = (j + 1) & TOMB_MASK) {
        int moved = a->tomb_slot[j];
        a->tomb_slot[j] = -1;
        tomb_insert_index(a, moved);
    }
}

static bool
is_tombstone(const struct analyzer *a, const char *key)
{
    return tomb_find(a, key) >= 0;
}

static void
clear_tombstone(struct analyzer *a, const char *key)
{
    int slot = tomb_find(a, key);
    if (slot >= 0)
        tomb_remove_slot(a, slot);
}

static void
add_tombstone(struct analyzer *a, const char *key)
{
    clear_tombstone(a, key);
    if (a->tombstone[a->tomb_next])
        tomb_remove_slot(a, tomb_find(a, a->tombstone[a->tomb_next]));
    a->tombstone[a->tomb_next] = xstrdup(key);
    tomb_insert_index(a, (int)a->tomb_next);
    a->tomb_next = (a->tomb_next + 1) % TOMBSTONES;
}

static void
clear_tombstones(struct analyzer *a)
{
    for (size_t i = 0; i < TOMBSTONES; i++) {
        free(a->tombstone[i]);
        a->tombstone[i] = NULL;
    }
    memset(a->tomb_slot, 0xff, sizeof a->tomb_slot);
}

static struct conn *
conn_find(struct analyzer *a, const char *key)
{
    if (!a->table_cap)
        return NULL;
    return *table_slot(a, key);
}

static struct conn *
conn_new(struct analyzer *a, const char *key, long line)
{
    if ((a->nopen + 1) * 2 > a->table_cap)
        table_grow(a);
    struct conn *c = xcalloc(1, sizeof *c);
    c->key = xstrdup(key);
    struct login_options lo = {.show_secrets = a->opt.show_secrets, .from_log = a->reading_log};
    c->login = login_new(&lo);
    c->framer[0] = framer_new("client", &a->opt.limits);
    c->framer[1] = framer_new("server", &a->opt.limits);
    struct session *s = login_session(c->login);
    s->id = ++a->next_id;
    s->input = xstrdup(a->input_path);
    if (a->reading_log) {
        s->has_log = true;
        s->log_pid = xstrdup(key);
        s->first_line = s->last_line = line;
    }
    *table_slot(a, key) = c;
    a->nopen++;
    c->prev_open = a->open_tail;
    if (a->open_tail)
        a->open_tail->next_open = c;
    else
        a->open_head = c;
    a->open_tail = c;
    return c;
}

/* Case-sensitive match of the session's client address against --client. */
static bool
client_matches(const char *filter, const char *endpoint)
{
    if (!filter)
        return true;
    if (!endpoint)
        return false;
    const char *ip = endpoint[0] == '[' ? endpoint + 1 : endpoint;
    size_t n = strlen(filter);
    return strncmp(ip, filter, n) == 0 && (ip[n] == ':' || ip[n] == ']');
}

static bool
keep_session(const struct analyzer *a, const struct session *s)
{
    if (s->nphases == 0)
        return false; /* an accepted connection that never spoke XMPP (HTTP listeners) */
    if (a->opt.user && (!s->user || strcmp(s->user, a->opt.user) != 0))
        return false;
    return client_matches(a->opt.client, s->client);
}

static void deliver_stream(struct analyzer *a, struct conn *c, int d);

/*
 * A resumed session binds no resource: its JID is the one of the session it
 * resumed, remembered here by stream management id.
 */
static void
link_resumption(struct analyzer *a, struct session *s, const char *sm_id, const char *previd)
{
    if (previd && !s->jid)
        for (size_t i = 0; i < SM_IDS; i++)
            if (a->sm_ids[i].id && strcmp(a->sm_ids[i].id, previd) == 0) {
                s->jid = xstrdup(a->sm_ids[i].jid);
                break;
            }
    if (sm_id && s->jid) {
        struct sm_entry *e = &a->sm_ids[a->sm_next];
        free(e->id);
        free(e->jid);
        e->id = xstrdup(sm_id);
        e->jid = xstrdup(s->jid);
        a->sm_next = (a->sm_next + 1) % SM_IDS;
    }
}

static void
conn_finish(struct analyzer *a, struct conn *c, enum login_end how, usec_t t)
{
    for (int d = 0; d < 2 && c->reasm[0]; d++) {
        /* whatever waits behind a hole is read after a gap */
        reasm_flush(c->reasm[d]);
        deliver_stream(a, c, d);
    }
    for (int d = 0; d < 2; d++) {
        struct frame fr;
        framer_finish(c->framer[d]);
        while (framer_next(c->framer[d], &fr))
            login_frame(c->login, d ? 'S' : 'C', t, &fr);
    }
    if (!c->saw_xml)
        login_no_xml(c->login);
    const char *sm_id = login_sm_id(c->login), *previd = login_resumed_from(c->login);
    struct session *s = login_finish(c->login, how, t);
    link_resumption(a, s, sm_id, previd);
    if (keep_session(a, s)) {
        summary_add(a->summary, s);
        report_session(a->writer, s);
    } else {
        session_clear(s);
        free(s);
    }
    table_remove(a, c);
    a->nopen--;
    if (c->prev_open)
        c->prev_open->next_open = c->next_open;
    else
        a->open_head = c->next_open;
    if (c->next_open)
        c->next_open->prev_open = c->prev_open;
    else
        a->open_tail = c->prev_open;
    add_tombstone(a, c->key);
    login_free(c->login);
    framer_free(c->framer[0]);
    framer_free(c->framer[1]);
    reasm_free(c->reasm[0]);
    reasm_free(c->reasm[1]);
    tlsrec_free(c->tls);
    free(c->transport);
    free(c->key);
    free(c);
}

static void
finish_all(struct analyzer *a, enum login_end how, usec_t t)
{
    while (a->open_head) {
        struct conn *c = a->open_head;
        usec_t end = login_session(c->login)->end;
        /* the log said the c2s process ended: the connection is closed, not cut off */
        conn_finish(a, c, c->terminated ? LOGIN_END_CLOSED : how, end > t ? end : t);
    }
}

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

static void
drain(struct conn *c, int d, usec_t t, bool *server_closed)
{
    struct frame fr;
    while (framer_next(c->framer[d], &fr)) {
        login_frame(c->login, d ? 'S' : 'C', t, &fr);
        if (d == 1 && fr.kind == FRAME_STREAM_CLOSE)
            *server_closed = true;
    }
}

/* True when |data| begins a stream: an XML declaration or a stream header. */
static bool
starts_stream(const char *data, size_t len)
{
    while (len && (*data == ' ' || *data == '\n' || *data == '\r' || *data == '\t')) {
        data++;
        len--;
    }
    if (len >= 5 && memcmp(data, "<?xml", 5) == 0)
        return true;
    const char *gt = memchr(data, '>', len);
    const char *sp = memchr(data, ' ', len);
    const char *end = sp && (!gt || sp < gt) ? sp : gt;
    /* "<stream:stream", "<stream", any prefix: the local name is "stream" */
    return end && end - data >= 7 && memcmp(end - 6, "stream", 6) == 0 &&
           (end[-7] == ':' || end[-7] == '<');
}

static void
on_log_event(struct analyzer *a, const struct ejlog_event *ev, struct input_info *info)
{
    if (ev->kind == EJ_PROBLEM) {
        input_info_add_error(info, ev->message, ev->line, 0, -1);
        return;
    }
    if (ev->kind == EJ_RUN_START) {
        /* the node restarted: every c2s of the old run is gone and pids start over */
        finish_all(a, LOGIN_END_CLOSED, ev->time);
        clear_tombstones(a);
        return;
    }
    if (!ev->pid)
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
    }
    struct session *s = login_session(c->login);
    s->last_line = ev->last_line;
    switch (ev->kind) {
    case EJ_ACCEPT:
        free(s->client);
        free(s->server);
        s->client = xstrdup(ev->client);
        s->server = xstrdup(ev->server);
        login_connected(c->login, ev->time);
        break;
    case EJ_XML: {
        if (!c->saw_xml && !starts_stream(ev->data, ev->len) && !login_session(c->login)->nphases) {
            /* the log begins after this connection did (rotation, a changed log level) */
            login_midstream(c->login, ev->time, "log starts in the middle of this connection");
            framer_gap(c->framer[0]);
            framer_gap(c->framer[1]);
        }
        c->saw_xml = true;
        note_transport(c, ev->transport, ev->time);
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
        /* not note_transport(): at info level the first tag seen may already be tls after STARTTLS */
        login_log_auth(c->login, ev->time, ev->ok, ev->mech, ev->user, ev->reason);
        break;
    case EJ_SESSION_OPEN:
        break;
    case EJ_CLOSING:
        c->terminated = true;
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
        break;
    }
}

/* Reads one log input into the shared connection table; sessions stay open for the next file. */
static void
run_log(struct analyzer *a, struct source *src, const char *head, size_t head_len,
        struct input_info *info)
{
    struct ejlog *r = ejlog_new();
    struct ejlog_event ev;
    a->reading_log = true;
    char *chunk = xmalloc(READ_CHUNK);
    char errbuf[256];
    ejlog_feed(r, head, head_len);
    for (;;) {
        while (ejlog_next(r, &ev)) {
            if (ev.time > a->last_time)
                a->last_time = ev.time;
            on_log_event(a, &ev, info);
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
        if (ev.time > a->last_time)
            a->last_time = ev.time;
        on_log_event(a, &ev, info);
    }
    info->count = ejlog_lines(r);
    ejlog_free(r);
    free(chunk);
}


/* ---- captures ------------------------------------------------------------ */

/* Idle connections are closed after this much capture time: memory stays bounded. */
#define IDLE_USEC (30LL * 60 * 1000000)
static const unsigned default_ports[] = {5222, 5223, 5280, 5443, 443};

static bool
xmpp_port(const struct analyzer *a, unsigned port)
{
    for (size_t i = 0; i < sizeof default_ports / sizeof default_ports[0]; i++)
        if (default_ports[i] == port)
            return true;
    for (size_t i = 0; i < a->opt.nports; i++)
        if (a->opt.ports[i] == port)
            return true;
    return false;
}

/* Appends |n| bytes as hex. */
static char *
put_hex(char *o, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        *o++ = digits[b[i] >> 4];
        *o++ = digits[b[i] & 15];
    }
    return o;
}

/*
 * The connection key: version, then the lower endpoint first so that both
 * directions find it, in hex (keys are C strings). Called for every packet:
 * no printf.
 */
static void
flow_key(const struct packet_info *p, char out[static 80])
{
    size_t alen = p->ip_version == 6 ? 16 : 4;
    const uint8_t *a = p->src, *b = p->dst;
    uint16_t pa = p->sport, pb = p->dport;
    int cmp = memcmp(a, b, alen);
    if (cmp > 0 || (cmp == 0 && pa > pb)) {
        a = p->dst;
        b = p->src;
        pa = p->dport;
        pb = p->sport;
    }
    uint8_t ports[4] = {(uint8_t)(pa >> 8), (uint8_t)pa, (uint8_t)(pb >> 8), (uint8_t)pb};
    char *o = out;
    *o++ = p->ip_version == 6 ? '6' : '4';
    o = put_hex(o, a, alen);
    o = put_hex(o, ports, 2);
    o = put_hex(o, b, alen);
    o = put_hex(o, ports + 2, 2);
    *o = '\0';
}

/* Which side opened the connection, for a packet of a flow not seen before; -1: not XMPP. */
static int
guess_client_is_src(const struct analyzer *a, const struct packet_info *p)
{
    if ((p->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
        return 1;
    if ((p->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
        return 0;
    if (xmpp_port(a, p->dport))
        return 1;
    if (xmpp_port(a, p->sport))
        return 0;
    /* by content: a client opens with a header that has 'to' and no 'id' */
    if (p->payload_len >= 5 && p->payload[0] == '<') {
        const char *d = (const char *)p->payload;
        size_t n = p->payload_len;
        if (memmem(d, n, "stream", 6) || memmem(d, n, "<?xml", 5))
            return memmem(d, n, " id=", 4) ? 0 : 1;
    }
    return -1;
}

static bool
flow_is_xmpp_candidate(const struct analyzer *a, const struct packet_info *p)
{
    if (p->flags & TCP_SYN)
        return xmpp_port(a, p->dport) || xmpp_port(a, p->sport);
    return guess_client_is_src(a, p) >= 0;
}

static void
tls_events(struct conn *c, usec_t t)
{
    struct tlsrec_event ev;
    while (tlsrec_next(c->tls, &ev)) {
        switch (ev.kind) {
        case TLSREC_CLIENT_HELLO:
            login_client_hello(c->login, t, ev.sni, ev.alpn);
            break;
        case TLSREC_ESTABLISHED: {
            char detail[80];
            snprintf(detail, sizeof detail, "TLS handshake complete (%s)",
                     ev.version == 0x0304   ? "TLS 1.3"
                     : ev.version == 0x0303 ? "TLS 1.2"
                     : ev.version == 0x0302 ? "TLS 1.1"
                     : ev.version == 0x0301 ? "TLS 1.0"
                                            : "version not seen");
            login_tls_version(c->login, ev.version);
            login_pseudo(c->login, EV_TLS_ESTABLISHED, t, detail);
            login_opaque(c->login); /* no key log support yet */
            break;
        }
        case TLSREC_ALERT:
            login_pseudo(c->login, EV_TLS_ALERT, t, ev.dir ? "alert from the server" : "alert from the client");
            break;
        case TLSREC_NOT_TLS:
            login_pseudo(c->login, EV_XML_ERROR, t,
                         ev.dir ? "server bytes where TLS records were due" : "client bytes where TLS records were due");
            break;
        }
    }
}

/* Hands the in-order bytes of direction |d| to the framer (XML) or the TLS watcher. */
static void
deliver_stream(struct analyzer *a, struct conn *c, int d)
{
    (void)a;
    struct reasm_chunk ch;
    while (reasm_next(c->reasm[d], &ch)) {
        switch (ch.kind) {
        case REASM_DATA:
            if (c->tls) {
                tlsrec_feed(c->tls, d, ch.data, ch.len);
                tls_events(c, ch.time);
                break;
            }
            if (!c->saw_xml && d == 0 && tlsrec_looks_like_client_hello(ch.data, ch.len)) {
                /* direct TLS (XEP-0368): TLS from the first byte */
                login_session(c->login)->transport = TRANSPORT_TLS;
                c->tls = tlsrec_new();
                tlsrec_feed(c->tls, d, ch.data, ch.len);
                tls_events(c, ch.time);
                break;
            }
            c->saw_xml = true;
            framer_feed(c->framer[d], (const char *)ch.data, ch.len);
            struct frame fr;
            while (framer_next(c->framer[d], &fr)) {
                login_frame(c->login, d ? 'S' : 'C', ch.time, &fr);
                if (d == 1 && fr.kind == FRAME_ELEMENT && stanza_is(fr.el, "proceed", NS_TLS))
                    c->proceed_seen = true;
            }
            if (c->proceed_seen && !c->tls) {
                /* RFC 6120 §5.4.2.3: TLS starts right after the '>' of <proceed/> */
                c->tls = tlsrec_new();
            }
            break;
        case REASM_GAP: {
            char msg[96];
            snprintf(msg, sizeof msg, "%zu %s bytes missing from the capture", ch.len,
                     d ? "server" : "client");
            if (!c->tls)
                framer_gap(c->framer[d]);
            login_pseudo(c->login, EV_GAP, ch.time, msg);
            break;
        }
        case REASM_FIN:
            c->fin[d] = true;
            login_pseudo(c->login, EV_TCP_FIN, ch.time, d ? "server sent FIN" : "client sent FIN");
            break;
        case REASM_CONFLICT: {
            char msg[96];
            snprintf(msg, sizeof msg, "retransmission with different bytes (%zu bytes; first copy kept)",
                     ch.len);
            login_pseudo(c->login, EV_GAP, ch.time, msg);
            break;
        }
        }
    }
}

/* Keeps the SYN / SYN-ACK of a connection on a port not known as XMPP. */
static void
remember_handshake(struct syn_seen *sy, const char *key, const struct packet_info *p,
                   const struct capture_packet *cp, bool known)
{
    if (!(p->flags & TCP_SYN))
        return;
    if (!(p->flags & TCP_ACK)) {
        snprintf(sy->key, sizeof sy->key, "%s", key);
        sy->time = cp->time;
        sy->packet = cp->number;
        sy->isn[0] = p->seq;
        sy->have_synack = false;
        memcpy(sy->client, p->src, 16);
        sy->client_port = p->sport;
    } else if (known) {
        sy->isn[1] = p->seq;
        sy->have_synack = true;
    }
}

static struct conn *
capture_conn_new(struct analyzer *a, const char *key, const struct packet_info *p, bool src_is_client,
                 long packet)
{
    struct conn *c = conn_new(a, key, packet);
    c->reasm[0] = reasm_new(0);
    c->reasm[1] = reasm_new(0);
    struct session *s = login_session(c->login);
    char ep[64];
    const uint8_t *caddr = src_is_client ? p->src : p->dst, *saddr = src_is_client ? p->dst : p->src;
    uint16_t cport = src_is_client ? p->sport : p->dport, sport = src_is_client ? p->dport : p->sport;
    decode_format_endpoint(p->ip_version, caddr, cport, ep, sizeof ep);
    s->client = xstrdup(ep);
    decode_format_endpoint(p->ip_version, saddr, sport, ep, sizeof ep);
    s->server = xstrdup(ep);
    memcpy(c->client_addr, caddr, 16);
    c->client_port = cport;
    if (sport == 5223)
        s->transport = TRANSPORT_TLS;
    return c;
}

static void
evict_idle(struct analyzer *a, usec_t now)
{
    /* the open list is in id order, not idle order: walk it all, but only now and then */
    for (struct conn *c = a->open_head, *next; c; c = next) {
        next = c->next_open;
        if (c->reasm[0] && now - c->last_seen > IDLE_USEC)
            conn_finish(a, c, LOGIN_END_INPUT_END, c->last_seen);
    }
}

static void
on_packet(struct analyzer *a, const struct capture_packet *cp, struct input_info *info,
          long *decode_problems)
{
    struct packet_info p;
    enum decode_result r = decode_packet(cp->linktype, cp->data, cp->caplen, &p);
    if (r != DECODE_OK) {
        if ((r == DECODE_TRUNCATED || r == DECODE_MALFORMED) && (*decode_problems)++ < 5) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s packet headers (ignored)",
                     r == DECODE_TRUNCATED ? "cut" : "malformed");
            input_info_add_error(info, msg, 0, cp->number, -1);
        }
        return;
    }
    char key[80];
    flow_key(&p, key);
    struct conn *c = conn_find(a, key);
    bool syn_only = (p.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    if (c && syn_only && (c->fin[0] || c->fin[1] || c->rst)) {
        /* the port pair is used again after a close: a new connection */
        conn_finish(a, c, LOGIN_END_CLOSED, cp->time);
        c = NULL;
    }
    if (!c) {
        if (syn_only)
            clear_tombstone(a, key);
        else if (is_tombstone(a, key))
            return; /* trailing ACKs and FINs of a connection already reported */
        struct syn_seen *sy = &a->syns[hash_key(key) % (sizeof a->syns / sizeof a->syns[0])];
        bool known = strcmp(sy->key, key) == 0;
        if (!flow_is_xmpp_candidate(a, &p)) {
            remember_handshake(sy, key, &p, cp, known);
            return;
        }
        int src_client = guess_client_is_src(a, &p);
        if (src_client < 0)
            src_client = xmpp_port(a, p.dport) ? 1 : 0;
        if (known && !(p.flags & TCP_SYN)) {
            /* the client is whoever sent the SYN */
            src_client = memcmp(p.src, sy->client, p.ip_version == 6 ? 16 : 4) == 0 &&
                         p.sport == sy->client_port;
        }
        c = capture_conn_new(a, key, &p, src_client == 1, cp->number);
        if (known && !(p.flags & TCP_SYN)) {
            login_pseudo(c->login, EV_TCP_OPEN, sy->time, "SYN (recognised as XMPP by content)");
            reasm_add(c->reasm[0], sy->isn[0], NULL, 0, true, false, sy->time, sy->packet);
            if (sy->have_synack)
                reasm_add(c->reasm[1], sy->isn[1], NULL, 0, true, false, sy->time, sy->packet);
            sy->key[0] = '\0';
        } else if (!syn_only && !(p.flags & TCP_SYN)) {
            /* picked up mid-stream: the framers start inside a stream they never saw open */
            login_midstream(c->login, cp->time, "capture starts in the middle of this connection");
            framer_gap(c->framer[0]);
            framer_gap(c->framer[1]);
        }
    }
    c->last_seen = cp->time;
    int d = (memcmp(p.src, c->client_addr, p.ip_version == 6 ? 16 : 4) == 0 && p.sport == c->client_port) ? 0 : 1;
    if (syn_only && d == 0)
        login_pseudo(c->login, EV_TCP_OPEN, cp->time, "SYN");
    if (p.flags & TCP_ACK) {
        /* the acknowledgement was sent after what it covers: bytes it covers that the
         * capture lacks are a gap before this packet's own data, not at the close */
        reasm_acked(c->reasm[1 - d], p.ack, cp->time, cp->number);
        deliver_stream(a, c, 1 - d);
    }
    if (p.payload_len < p.wire_payload_len) {
        /* snaplen cut the payload: what is missing is a gap, not data */
        reasm_add(c->reasm[d], p.seq, p.payload, p.payload_len, p.flags & TCP_SYN, false, cp->time,
                  cp->number);
    } else {
        reasm_add(c->reasm[d], p.seq, p.payload, p.payload_len, p.flags & TCP_SYN, p.flags & TCP_FIN,
                  cp->time, cp->number);
    }
    deliver_stream(a, c, d);
    if (p.flags & TCP_RST) {
        c->rst = true;
        login_pseudo(c->login, EV_TCP_RST, cp->time, d ? "server sent RST" : "client sent RST");
        conn_finish(a, c, LOGIN_END_CLOSED, cp->time);
        return;
    }
    if (c->fin[0] && c->fin[1])
        conn_finish(a, c, LOGIN_END_CLOSED, cp->time);
}

static void
run_capture(struct analyzer *a, struct source *src, const char *head, size_t head_len,
            struct input_info *info)
{
    char errbuf[PCAP_ERRBUF_LEN];
    a->reading_log = false;
    struct capture *cap = capture_open(src, head, head_len, errbuf, sizeof errbuf);
    if (!cap) {
        input_info_add_error(info, errbuf, 0, 0, -1);
        info->unusable = true;
        return;
    }
    if (!decode_linktype_supported(capture_linktype(cap))) {
        char msg[160];
        const char *name = capture_linktype_name(capture_linktype(cap));
        if (strncmp(name, "DLT ", 4) == 0)
            snprintf(msg, sizeof msg, "link type %d is not supported", capture_linktype(cap));
        else
            snprintf(msg, sizeof msg, "link type %s (%d) is not supported", name, capture_linktype(cap));
        input_info_add_error(info, msg, 0, 0, -1);
        info->unusable = true;
        capture_close(cap);
        return;
    }
    struct capture_packet cp;
    long problems = 0, packets = 0;
    usec_t next_evict = 0;
    int rc;
    while ((rc = capture_next(cap, &cp, errbuf, sizeof errbuf)) == 1) {
        packets++;
        if (cp.time > a->last_time)
            a->last_time = cp.time;
        on_packet(a, &cp, info, &problems);
        if (cp.time >= next_evict) {
            evict_idle(a, cp.time);
            next_evict = cp.time + 60 * 1000000LL;
        }
    }
    if (rc < 0) {
        char msg[PCAP_ERRBUF_LEN + 64];
        snprintf(msg, sizeof msg, "read stopped after packet %ld: %s", packets, errbuf);
        input_info_add_error(info, msg, 0, packets + 1, -1);
    }
    if (problems > 5) {
        char msg[96];
        snprintf(msg, sizeof msg, "%ld packets with cut or malformed headers in all", problems);
        input_info_add_error(info, msg, 0, 0, -1);
    }
    info->count = packets;
    capture_close(cap);
}

struct analyzer *
analyzer_new(const struct analyze_options *opt, struct report_writer *w, struct summary *sm)
{
    struct analyzer *a = xcalloc(1, sizeof *a);
    a->opt = *opt;
    a->writer = w;
    a->summary = sm;
    memset(a->tomb_slot, 0xff, sizeof a->tomb_slot); /* all empty (-1) */
    return a;
}

void
analyzer_free(struct analyzer *a)
{
    if (!a)
        return;
    finish_all(a, LOGIN_END_INPUT_END, 0);
    for (size_t i = 0; i < TOMBSTONES; i++)
        free(a->tombstone[i]);
    for (size_t i = 0; i < SM_IDS; i++) {
        free(a->sm_ids[i].id);
        free(a->sm_ids[i].jid);
    }
    free(a->table);
    free(a);
}

/* An input opened and recognised, waiting for its turn. */
struct pending_input {
    size_t index;       /* in the command line */
    struct source *src;
    char *head;         /* the first bytes, already read for detection */
    size_t head_len;
    enum input_type type;
    usec_t first_time;  /* logs: time of the first record */
};

/* Opens |path|, reads enough to recognise it; false (with the reason in |info|) when unusable. */
static bool
open_input(struct analyzer *a, const char *path, struct input_info *info, struct pending_input *in)
{
    char errbuf[256];
    info->path = xstrdup(path);
    info->size_bytes = -1;
    in->src = source_open(path, errbuf, sizeof errbuf);
    if (!in->src) {
        input_info_add_error(info, errbuf, 0, 0, -1);
        return false;
    }
    /* up to the first complete line (a pipe may deliver it slowly) or 4 KiB */
    in->head = xmalloc(READ_CHUNK);
    bool read_failed = false;
    while (in->head_len < 4096 && !memchr(in->head, '\n', in->head_len)) {
        ssize_t n = source_read(in->src, in->head + in->head_len, READ_CHUNK - in->head_len,
                                errbuf, sizeof errbuf);
        if (n < 0) {
            read_failed = true;
            break;
        }
        if (n == 0)
            break;
        in->head_len += (size_t)n;
    }
    in->type = a->opt.forced != INPUT_UNKNOWN ? a->opt.forced
                                              : source_detect(in->head, in->head_len);
    const char *why = NULL;
    if (read_failed && in->head_len == 0)
        why = errbuf;
    else if (in->head_len == 0)
        why = "empty input: neither an ejabberd log nor a capture";
    else if (in->type != INPUT_EJLOG && in->type != INPUT_PCAP && in->type != INPUT_PCAPNG)
        why = "not an ejabberd log or a pcap/pcapng capture";
    if (why) {
        info->type = INPUT_UNKNOWN;
        info->size_bytes = source_raw_bytes(in->src);
        input_info_add_error(info, why, 0, 0, -1);
        return false;
    }
    info->type = in->type;
    if (read_failed) {
        char msg[320];
        snprintf(msg, sizeof msg, "read stopped: %s", errbuf);
        input_info_add_error(info, msg, 0, 0, (long long)in->head_len);
    }
    /* the first record's time orders rotated files */
    in->first_time = INT64_MAX;
    size_t i = 0;
    while (i < in->head_len) {
        const char *p = in->head + i;
        const char *nl = memchr(p, '\n', in->head_len - i);
        size_t len = nl ? (size_t)(nl - p) : in->head_len - i;
        usec_t t;
        if (ejlog_record_time(p, len, &t)) {
            in->first_time = t;
            break;
        }
        if (!nl)
            break;
        i += len + 1;
    }
    return true;
}

static void
close_input(struct pending_input *in)
{
    source_close(in->src);
    free(in->head);
    in->src = NULL;
    in->head = NULL;
}

static int
by_first_time(const void *x, const void *y)
{
    const struct pending_input *a = x, *b = y;
    if (a->first_time != b->first_time)
        return a->first_time < b->first_time ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

size_t
analyzer_run(struct analyzer *a, char *const *paths, size_t n, struct input_info *infos)
{
    size_t failed = 0, nready = 0;
    struct pending_input *ready = xcalloc(n ? n : 1, sizeof *ready);
    for (size_t i = 0; i < n; i++) {
        memset(&infos[i], 0, sizeof infos[i]);
        struct pending_input in = {.index = i};
        if (!open_input(a, paths[i], &infos[i], &in)) {
            failed++;
            close_input(&in);
            continue;
        }
        /* batch runs pass thousands of files: reopen each in turn, except standard input */
        if (strcmp(paths[i], "-") != 0)
            close_input(&in);
        ready[nready++] = in;
    }
    qsort(ready, nready, sizeof *ready, by_first_time);
    for (size_t k = 0; k < nready; k++) {
        struct pending_input *in = &ready[k];
        struct input_info *info = &infos[in->index];
        a->input_path = paths[in->index];
        if (!in->src) {
            char errbuf[256];
            in->src = source_open(paths[in->index], errbuf, sizeof errbuf);
            in->head_len = 0;
            if (!in->src) {
                char msg[320];
                snprintf(msg, sizeof msg, "cannot reopen: %s", errbuf);
                input_info_add_error(info, msg, 0, 0, -1);
                continue;
            }
        }
        if (in->type == INPUT_EJLOG)
            run_log(a, in->src, in->head ? in->head : "", in->head_len, info);
        else
            run_capture(a, in->src, in->head ? in->head : "", in->head_len, info);
        if (info->unusable)
            failed++;
        info->size_bytes = source_raw_bytes(in->src);
        close_input(in);
    }
    finish_all(a, LOGIN_END_INPUT_END, a->last_time);
    free(ready);
    return failed;
}
