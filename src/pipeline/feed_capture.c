/* feed_capture: packets → TCP reassembly → framers or the TLS watcher → login contexts. */
#include <config.h>
#include "feed.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode.h"
#include "feed_bosh.h"
#include "feed_tls.h"
#include "first_bytes.h"
#include "http.h"
#include "hash_bytes.h"
#include "ipfrag.h"
#include "sniff.h"
#include "tally.h"
#include "tls_watch.h"
#include "interrupt.h"
#include "xalloc.h"

#define PCAP_ERRBUF_LEN PCAP_ERRBUF_SIZE

/* ---- captures ------------------------------------------------------------ */

/* Idle connections are closed after this much capture time: memory stays bounded. */
#define IDLE_USEC (30LL * 60 * 1000000)
static const unsigned default_ports[] = {5222, 5223, 5280, 5443, 443};

void
xmpp_ports_init(struct analyzer *a)
{
    for (size_t i = 0; i < sizeof default_ports / sizeof default_ports[0]; i++)
        a->xmpp_ports[default_ports[i] / 8] |= (uint8_t)(1u << default_ports[i] % 8);
    for (size_t i = 0; i < a->opt.nports; i++)
        a->xmpp_ports[a->opt.ports[i] % 65536 / 8] |= (uint8_t)(1u << a->opt.ports[i] % 8);
}

static bool
xmpp_port(const struct analyzer *a, unsigned port)
{
    return a->xmpp_ports[port % 65536 / 8] >> port % 8 & 1;
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
 * The binary tuple of |p|'s flow: version, then the lower endpoint first so
 * that both directions give the same one; and its slot in the flow cache.
 */
static size_t
flow_tuple_of(const struct packet_info *p, struct flow_tuple *t)
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
    memset(t->bytes, 0, sizeof t->bytes);
    t->bytes[0] = (uint8_t)p->ip_version;
    memcpy(t->bytes + 1, a, alen);
    t->bytes[17] = (uint8_t)(pa >> 8);
    t->bytes[18] = (uint8_t)pa;
    memcpy(t->bytes + 19, b, alen);
    t->bytes[35] = (uint8_t)(pb >> 8);
    t->bytes[36] = (uint8_t)pb;
    /* ports and the addresses' last two bytes vary most between flows: one word of them */
    uint16_t a2, b2;
    memcpy(&a2, a + alen - 2, 2);
    memcpy(&b2, b + alen - 2, 2);
    return hash_word((uint64_t)pa | (uint64_t)pb << 16 | (uint64_t)a2 << 32 | (uint64_t)b2 << 48) %
           FLOW_CACHE;
}

/*
 * The connection key, the tuple in hex (the table's keys are C strings):
 * version, lower address and port, higher address and port. No printf.
 */
static void
flow_key(const struct flow_tuple *t, char out[static 80])
{
    size_t alen = t->bytes[0] == 6 ? 16 : 4;
    char *o = out;
    *o++ = t->bytes[0] == 6 ? '6' : '4';
    o = put_hex(o, t->bytes + 1, alen);
    o = put_hex(o, t->bytes + 17, 2);
    o = put_hex(o, t->bytes + 19, alen);
    o = put_hex(o, t->bytes + 35, 2);
    *o = '\0';
}

static void
remember_flow(struct analyzer *a, size_t slot, const struct flow_tuple *t, struct conn *c)
{
    struct flow_cache_entry *fc = &a->flows[slot];
    if (fc->c && fc->c != c)
        fc->c->flow_slot = -1; /* displaced: found through the table from now on */
    if (c->flow_slot >= 0 && (size_t)c->flow_slot != slot && a->flows[c->flow_slot].c == c)
        a->flows[c->flow_slot].c = NULL;
    fc->tuple = *t;
    fc->c = c;
    c->flow_slot = (int)slot;
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


/* What a layer of |owner|'s stack tells. */
static void
stack_noted(void *owner, const struct stack_note *note)
{
    struct conn *c = owner;
    if (websocket_noted(c, note))
        return;
    if (note->layer == first_bytes_layer.name && note->what == FIRST_BYTES_TLS)
        login_session(c->login)->transport = TRANSPORT_TLS; /* direct TLS (XEP-0368) */
    else if (note->layer == tls_watch_layer.name)
        tls_noted(c, note);
    else if (note->layer == http_layer.name)
        bosh_http_note(c->analyzer, c, note);
}

/* Hands the frames of direction |d| that are ready to the login side. */
static void
drain_frames(struct conn *c, int d, usec_t t)
{
    struct frame fr;
    while (framer_next(c->framer[d], &fr)) {
        if (d == 1 && fr.kind == FRAME_ELEMENT && fr.el && stanza_is(fr.el, "proceed", NS_TLS))
            c->proceed_seen = true; /* RFC 6120 §5.4.2.3 */
        login_frame(c->login, d ? 'S' : 'C', t, &fr);
    }
}

/* The top of the stack: XMPP bytes of direction |d| to its framer. */
static void
stack_top(void *owner, int d, const struct chunk *ch)
{
    struct conn *c = owner;
    switch (ch->kind) {
    case CHUNK_DATA:
        c->saw_xml = true;
        framer_feed(c->framer[d], (const char *)ch->data, ch->len);
        drain_frames(c, d, ch->time);
        if (c->proceed_seen && !stack_find(c->stack, &tls_watch_layer)) {
            /* RFC 6120 §5.4.2.3: TLS starts right after the '>' of <proceed/> */
            stack_push(c->stack, &tls_watch_layer);
        }
        break;
    case CHUNK_GAP:
        framer_gap_bytes(c->framer[d], ch->len);
        drain_frames(c, d, ch->time); /* an element the hole cut, still told from what was seen */
        break;
    case CHUNK_END:
        break;
    }
}

/* Hands the reassembled bytes of direction |d| up the connection's stack. */
static void
deliver_stream(struct conn *c, int d)
{
    struct reasm_chunk ch;
    while (reasm_next(c->reasm[d], &ch)) {
        switch (ch.kind) {
        case REASM_DATA: {
            struct chunk up = {CHUNK_DATA, ch.data, ch.len, ch.time};
            stack_input(c->stack, d, &up);
            break;
        }
        case REASM_GAP: {
            char msg[96];
            snprintf(msg, sizeof msg, "%zu %s bytes missing from the capture", ch.len,
                     d ? "server" : "client");
            login_pseudo(c->login, EV_GAP, ch.time, msg);
            struct chunk up = {CHUNK_GAP, NULL, ch.len, ch.time};
            stack_input(c->stack, d, &up);
            break;
        }
        case REASM_FIN: {
            c->fin[d] = true;
            login_pseudo(c->login, EV_TCP_FIN, ch.time, d ? "server sent FIN" : "client sent FIN");
            struct chunk up = {CHUNK_END, NULL, 0, ch.time};
            stack_input(c->stack, d, &up);
            break;
        }
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

/* The connection ends: whatever waits behind a hole is read after a gap. */
static void
drain_reassembly(struct conn *c)
{
    for (int d = 0; d < 2; d++) {
        reasm_flush(c->reasm[d]);
        deliver_stream(c, d);
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
        sy->hash = hash_key(key);
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

/* The handshake |sy| ends without a byte of data: counted in the summary, forgotten. */
static void
silent_end(struct analyzer *a, struct syn_seen *sy, enum silent_end how, usec_t t)
{
    char server[64];
    decode_format_endpoint(sy->ip_version, sy->server, sy->server_port, server, sizeof server);
    long by_end[SILENT_END_COUNT] = {0};
    by_end[how] = 1;
    note_silent(a, sy->key, server, by_end, sy->time, t);
    sy->key[0] = '\0';
    sy->xmpp = false;
}

/*
 * The first data of a handshake |sy| waiting for it, when it is the first
 * byte of its direction (no hole before it) and it is none of XML, TLS and
 * HTTP: another protocol on an XMPP port. Counted per input and per server
 * (non_xmpp_flows), never a session; the rest of the flow is ignored.
 */
static bool
not_xmpp_flow(struct analyzer *a, struct syn_seen *sy, const char *key, const struct packet_info *p,
              usec_t t)
{
    bool from_client = memcmp(p->src, sy->client, p->ip_version == 6 ? 16 : 4) == 0 &&
                       p->sport == sy->client_port;
    bool first_byte = from_client ? p->seq == sy->isn[0] + 1 : sy->have_synack && p->seq == sy->isn[1] + 1;
    if (!first_byte || !sniff_not_xmpp(p->payload, p->payload_len))
        return false;
    char server[64];
    decode_format_endpoint(sy->ip_version, sy->server, sy->server_port, server, sizeof server);
    note_flows(a, FLOW_NOT_XMPP, key, server, sy->time, t);
    sy->key[0] = '\0';
    sy->xmpp = false;
    add_tombstone(a, key);
    return true;
}

/*
 * A packet without data of a connection to an XMPP port that has carried no
 * data yet: no connection (no framers, no login) is made until its first
 * byte, so a SYN flood or a dead server costs one entry of |syns| per
 * handshake, and what ends before any data is counted, not reported.
 * Returns false when the packet is not one of these.
 */
static bool
wait_for_data(struct analyzer *a, struct syn_seen *sy, const char *key, const struct packet_info *p,
              const struct capture_packet *cp, bool known)
{
    bool syn = p->flags & TCP_SYN, ack = p->flags & TCP_ACK;
    if (syn && !ack) {
        if (!known && sy->key[0] && sy->xmpp) /* pushed out by a newer handshake */
            silent_end(a, sy, sy->acked ? SILENT_HANDSHAKE_ONLY : SILENT_NO_REPLY, sy->time);
        remember_handshake(sy, key, p, cp, known);
        sy->xmpp = true;
        sy->acked = false;
        sy->ip_version = p->ip_version;
        memcpy(sy->server, p->dst, 16);
        sy->server_port = p->dport;
        return true;
    }
    if (!known || !sy->xmpp)
        return false;
    if (p->flags & TCP_RST) {
        silent_end(a, sy, sy->acked ? SILENT_RESET : SILENT_REFUSED, cp->time);
        add_tombstone(a, key);
    } else if (p->flags & TCP_FIN) {
        silent_end(a, sy, SILENT_CLOSED, cp->time);
        add_tombstone(a, key);
    } else if (syn) {
        remember_handshake(sy, key, p, cp, known);
    } else {
        sy->acked = true;
    }
    return true;
}

/* Twice the slots: an entry of slot i goes to i or i + slots, so none collide. */
static void
grow_handshakes(struct analyzer *a)
{
    size_t slots = a->syn_slots ? 2 * a->syn_slots : 256;
    struct syn_seen *t = xcalloc(slots, sizeof *t);
    for (size_t i = 0; i < a->syn_slots; i++)
        if (a->syns[i].key[0])
            t[a->syns[i].hash % slots] = a->syns[i];
    free(a->syns);
    a->syns = t;
    a->syn_slots = slots;
}

/* The slot of the handshake of |key|; a new SYN that would push out another makes room first. */
static struct syn_seen *
handshake_slot(struct analyzer *a, const char *key, bool syn_only)
{
    if (!a->syns)
        grow_handshakes(a);
    uint64_t h = hash_key(key);
    struct syn_seen *sy = &a->syns[h % a->syn_slots];
    while (syn_only && sy->key[0] && a->syn_slots < SYNS && strcmp(sy->key, key) != 0) {
        grow_handshakes(a);
        sy = &a->syns[h % a->syn_slots];
    }
    return sy;
}

void
note_silent(struct analyzer *a, const char *key, const char *server,
            const long by_end[SILENT_END_COUNT], usec_t first, usec_t last)
{
    if (a->opt.worker)
        worker_silent(a->opt.worker, a->event, a->phase, key, server, by_end, first, last);
    else
        summary_add_silents(a->summary, server, by_end, first, last);
}

/* A server's handshakes left waiting at the end of an input: its first one, how they ended. */
struct waiting {
    struct syn_seen *sy;
    char server[64];
    long by_end[SILENT_END_COUNT];
};

/* By time, then key: an order that does not depend on the table (-j: one per worker). */
static int
by_time_key(const struct waiting *a, const struct waiting *b)
{
    if (a->sy->time != b->sy->time)
        return a->sy->time < b->sy->time ? -1 : 1;
    return strcmp(a->sy->key, b->sy->key);
}

static int
by_server(const void *x, const void *y)
{
    const struct waiting *a = x, *b = y;
    int c = strcmp(a->server, b->server);
    return c ? c : by_time_key(a, b);
}

static int
by_first(const void *x, const void *y)
{
    return by_time_key(x, y);
}

/*
 * The input ended: the handshakes still waiting for data are silent
 * connections. They go to the summary per server (up to 16 384 in one go),
 * the servers in the order of their first handshake.
 */
static void
flush_handshakes(struct analyzer *a)
{
    struct waiting *w = NULL;
    size_t n = 0;
    for (size_t i = 0; i < a->syn_slots; i++) {
        struct syn_seen *sy = &a->syns[i];
        if (!sy->key[0] || !sy->xmpp)
            continue;
        w = xgrow(w, n, sizeof *w);
        memset(&w[n], 0, sizeof w[n]);
        w[n].sy = sy;
        decode_format_endpoint(sy->ip_version, sy->server, sy->server_port, w[n].server,
                               sizeof w[n].server);
        w[n++].by_end[sy->acked ? SILENT_HANDSHAKE_ONLY : SILENT_NO_REPLY] = 1;
    }
    if (n > 1)
        qsort(w, n, sizeof *w, by_server);
    /* each server's first handshake stands for its group, which counts them all */
    size_t groups = 0;
    for (size_t k = 0; k < n; k++) {
        if (groups && strcmp(w[k].server, w[groups - 1].server) == 0) {
            for (int e = 0; e < SILENT_END_COUNT; e++)
                w[groups - 1].by_end[e] += w[k].by_end[e];
        } else {
            w[groups++] = w[k];
        }
    }
    if (groups > 1)
        qsort(w, groups, sizeof *w, by_first);
    a->phase = END_FLUSH;
    for (size_t g = 0; g < groups; g++)
        note_silent(a, w[g].sy->key, w[g].server, w[g].by_end, w[g].sy->time, a->last_time);
    a->phase = END_EVENT;
    for (size_t i = 0; i < a->syn_slots; i++)
        if (a->syns[i].key[0] && a->syns[i].xmpp) {
            a->syns[i].key[0] = '\0';
            a->syns[i].xmpp = false;
        }
    free(w);
}

static struct conn *
capture_conn_new(struct analyzer *a, const char *key, const struct packet_info *p, bool src_is_client,
                 long packet)
{
    struct conn *c = conn_new(a, key, packet);
    c->reasm[0] = reasm_new(0);
    c->reasm[1] = reasm_new(0);
    c->drain = drain_reassembly;
    c->analyzer = a;
    c->stack = stack_new(stack_top, stack_noted, c);
    stack_set_env(c->stack, a->opt.keylog); /* the TLS layer's key log */
    stack_push(c->stack, &first_bytes_layer);
    char client[64], server[64];
    const uint8_t *caddr = src_is_client ? p->src : p->dst, *saddr = src_is_client ? p->dst : p->src;
    uint16_t cport = src_is_client ? p->sport : p->dport, sport = src_is_client ? p->dport : p->sport;
    decode_format_endpoint(p->ip_version, caddr, cport, client, sizeof client);
    decode_format_endpoint(p->ip_version, saddr, sport, server, sizeof server);
    memcpy(c->client_addr, caddr, 16);
    c->client_port = cport;
    struct session *s = login_session(c->login);
    s->client = xstrdup(client);
    s->server = xstrdup(server);
    session_add_connection(s, c->key);
    session_connection_endpoints(s, client, server);
    s->transport = sport == 5223 ? TRANSPORT_TLS : TRANSPORT_TCP;
    return c;
}

static void
evict_idle(struct analyzer *a, usec_t now)
{
    a->phase = END_IDLE;
    /* the open list is in id order, not idle order: walk it all, but only now and then */
    for (struct conn *c = a->open_head, *next; c; c = next) {
        next = c->next_open;
        if ((c->reasm[0] || c->bosh) && now - c->last_seen > IDLE_USEC)
            conn_finish(a, c, LOGIN_END_EVICTED_IDLE, c->last_seen);
    }
}

/* What one capture input's packets gave, for its inputs[] entry. */
struct capture_run {
    struct input_info *info;
    long decode_problems;     /* packets with cut or malformed headers */
    long usable;              /* packets of a link type the decoder knows */
    struct tally unsupported; /* packets skipped for their link type (arg: the link type) */
    struct ipfrag *frags; /* IP fragments waiting for the rest of their datagram; NULL: none yet */
};

/*
 * A fragment: into reassembly. Returns DECODE_OK with |p| filled (pointing
 * into the reassembly buffer) when it completed a datagram of a TCP segment.
 */
static enum decode_result
reassemble(const struct capture_packet *cp, struct capture_run *run, struct packet_info *p)
{
    struct ip_fragment fr;
    enum decode_result r = decode_fragment(cp->linktype, cp->data, cp->caplen, &fr);
    if (r != DECODE_FRAGMENT)
        return r;
    if (!run->frags)
        run->frags = ipfrag_new();
    const uint8_t *datagram;
    size_t len;
    if (!ipfrag_add(run->frags, &fr, cp->time, cp->number, &datagram, &len))
        return DECODE_FRAGMENT; /* waiting for the others (or dropped, and counted) */
    r = decode_packet(DLT_RAW, datagram, len, p);
    /* a fragment inside a reassembled datagram is not followed further */
    return r == DECODE_FRAGMENT ? DECODE_MALFORMED : r;
}

/* "link type EN10MB (1)" or "link type 147". */
static void
linktype_text(int linktype, char *out, size_t outlen)
{
    const char *name = capture_linktype_name(linktype);
    if (strncmp(name, "DLT ", 4) == 0)
        snprintf(out, outlen, "link type %d", linktype);
    else
        snprintf(out, outlen, "link type %s (%d)", name, linktype);
}

static void
on_packet(struct analyzer *a, const struct capture_packet *cp, struct capture_run *run)
{
    struct packet_info p;
    enum decode_result r = decode_packet(cp->linktype, cp->data, cp->caplen, &p);
    if (r == DECODE_UNSUPPORTED) {
        tally_add(&run->unsupported, 0, cp->linktype, cp->number);
        return;
    }
    run->usable++;
    if (r == DECODE_FRAGMENT)
        r = reassemble(cp, run, &p);
    if (r != DECODE_OK) {
        if ((r == DECODE_TRUNCATED || r == DECODE_MALFORMED) && run->decode_problems++ < 5) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s packet headers (ignored)",
                     r == DECODE_TRUNCATED ? "cut" : "malformed");
            input_info_add_error(run->info, msg, 0, cp->number, -1);
        }
        return;
    }
    struct flow_tuple tuple;
    size_t slot = flow_tuple_of(&p, &tuple);
    if (!bosh_own_flow(a, &tuple))
        return; /* another worker's connection (-j) */
    struct flow_cache_entry *fc = &a->flows[slot];
    struct conn *c = NULL;
    char key[80];
    bool have_key = false;
    if (fc->c && memcmp(fc->tuple.bytes, tuple.bytes, sizeof tuple.bytes) == 0) {
        c = fc->c;
    } else {
        flow_key(&tuple, key);
        have_key = true;
        c = conn_find(a, key);
        if (c)
            remember_flow(a, slot, &tuple, c);
    }
    bool syn_only = (p.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    if (c && syn_only && (c->fin[0] || c->fin[1] || c->rst)) {
        /* the port pair is used again after a close: a new connection */
        conn_finish(a, c, LOGIN_END_CLOSED, cp->time);
        c = NULL;
    }
    if (!c) {
        if (!have_key)
            flow_key(&tuple, key);
        if (syn_only)
            clear_tombstone(a, key);
        else if (is_tombstone(a, key))
            return; /* trailing ACKs and FINs of a connection already reported */
        struct syn_seen *sy = handshake_slot(a, key, syn_only);
        bool known = strcmp(sy->key, key) == 0;
        if (!flow_is_xmpp_candidate(a, &p)) {
            remember_handshake(sy, key, &p, cp, known);
            return;
        }
        if (!a->opt.all_connections && p.payload_len == 0 && (syn_only || known) &&
            wait_for_data(a, sy, key, &p, cp, known))
            return;
        if (!a->opt.all_connections && p.payload_len > 0 && known && sy->xmpp &&
            not_xmpp_flow(a, sy, key, &p, cp->time))
            return;
        int src_client = guess_client_is_src(a, &p);
        if (src_client < 0)
            src_client = xmpp_port(a, p.dport) ? 1 : 0;
        if (known && !(p.flags & TCP_SYN)) {
            /* the client is whoever sent the SYN */
            src_client = memcmp(p.src, sy->client, p.ip_version == 6 ? 16 : 4) == 0 &&
                         p.sport == sy->client_port;
        }
        c = capture_conn_new(a, key, &p, src_client == 1, cp->number);
        remember_flow(a, slot, &tuple, c);
        if (known && !(p.flags & TCP_SYN)) {
            login_pseudo(c->login, EV_TCP_OPEN, sy->time,
                       sy->xmpp ? "SYN" : "SYN (recognised as XMPP by content)");
            sy->xmpp = false;
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
    note_time(a, c, cp->time, run->info, 0, cp->number);
    if (cp->time > c->last_seen) /* idle is since the latest packet, whatever the order */
        c->last_seen = cp->time;
    conn_touch(a, c);
    int d = (memcmp(p.src, c->client_addr, p.ip_version == 6 ? 16 : 4) == 0 && p.sport == c->client_port) ? 0 : 1;
    if (syn_only && d == 0)
        login_pseudo(c->login, EV_TCP_OPEN, cp->time, "SYN");
    if (p.flags & TCP_ACK) {
        /* the acknowledgement was sent after what it covers: bytes it covers that the
         * capture lacks are a gap before this packet's own data, not at the close */
        reasm_acked(c->reasm[1 - d], p.ack, cp->time, cp->number);
        deliver_stream(c, 1 - d);
    }
    if (p.payload_len < p.wire_payload_len) {
        /* snaplen cut the payload: what is missing is a gap, not data */
        reasm_add(c->reasm[d], p.seq, p.payload, p.payload_len, p.flags & TCP_SYN, false, cp->time,
                  cp->number);
    } else {
        reasm_add(c->reasm[d], p.seq, p.payload, p.payload_len, p.flags & TCP_SYN, p.flags & TCP_FIN,
                  cp->time, cp->number);
    }
    deliver_stream(c, d);
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
add_reader_problem(void *arg, const char *message, long packet, long long offset)
{
    input_info_add_error(arg, message, 0, packet, offset);
}

static void
add_fragment_problem(void *arg, const char *message, long packet)
{
    input_info_add_error(arg, message, 0, packet, -1);
}

/* The counts of what was skipped, one error per reason; unusable when nothing was left. */
static void
report_skipped(struct capture *cap, struct capture_run *run)
{
    capture_problems(cap, add_reader_problem, run->info);
    if (run->frags) {
        ipfrag_finish(run->frags);
        ipfrag_problems(run->frags, add_fragment_problem, run->info);
        ipfrag_free(run->frags);
        run->frags = NULL;
    }
    for (size_t i = 0; i < run->unsupported.n; i++) {
        const struct tally_entry *e = &run->unsupported.e[i];
        char lt[96], msg[160];
        linktype_text((int)e->arg, lt, sizeof lt);
        snprintf(msg, sizeof msg, "%ld packet%s skipped: %s is not supported", e->count,
                 e->count == 1 ? "" : "s", lt);
        input_info_add_error(run->info, msg, 0, (long)e->first, -1);
    }
    if (run->unsupported.other) {
        char msg[96];
        snprintf(msg, sizeof msg, "%ld packets skipped: other link types not supported",
                 run->unsupported.other);
        input_info_add_error(run->info, msg, 0, 0, -1);
    }
    /* packets were there, but none could be analysed: not an empty capture */
    if (capture_packets_seen(cap) > 0 && run->usable == 0)
        run->info->unusable = true;
}

void
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
    int linktype = capture_linktype(cap);
    if (linktype >= 0 && !decode_linktype_supported(linktype)) {
        /* a pcap file has one link type: none of its packets can be read */
        char lt[96], msg[160];
        linktype_text(linktype, lt, sizeof lt);
        snprintf(msg, sizeof msg, "%s is not supported", lt);
        input_info_add_error(info, msg, 0, 0, -1);
        info->unusable = true;
        capture_close(cap);
        return;
    }
    struct capture_run run = {.info = info};
    struct capture_packet cp;
    usec_t next_evict = 0;
    int rc;
    while ((rc = capture_next(cap, &cp, errbuf, sizeof errbuf)) == 1) {
        if (cp.time > a->last_time)
            a->last_time = cp.time;
        on_packet(a, &cp, &run);
        check_memory(a, cp.caplen);
        if (cp.time >= next_evict) {
            evict_idle(a, cp.time);
            next_evict = cp.time + 60 * 1000000LL;
        }
        event_end(a);
    }
    long seen = capture_packets_seen(cap);
    report_skipped(cap, &run);
    /* SIGINT/SIGTERM end the input where the reading stopped: a packet cut there is not damage */
    if (rc < 0 && !interrupt_requested()) {
        char msg[PCAP_ERRBUF_LEN + 64];
        snprintf(msg, sizeof msg, "read stopped after packet %ld: %s", seen, errbuf);
        input_info_add_error(info, msg, 0, seen + 1, -1);
    }
    if (run.decode_problems > 5) {
        char msg[96];
        snprintf(msg, sizeof msg, "%ld packets with cut or malformed headers in all",
                 run.decode_problems);
        input_info_add_error(info, msg, 0, 0, -1);
    }
    note_time_total(a, info);
    info->count = seen;
    capture_close(cap);
    flush_handshakes(a);
}
