/*
 * conn_table: the connections of a run and the analyzer that holds them. A
 * connection is a byte stream (a TCP 4-tuple in a capture, a c2s process in a
 * log) with the login it carries; the feeds (feed.h) find or create it by key,
 * give it their events and end it. The table closes what goes idle or outgrows
 * the memory budget, and sends each finished session on.
 */
#ifndef XMPPFLOW_CONN_TABLE_H
#define XMPPFLOW_CONN_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "crosscheck.h"
#include "options.h"
#include "report.h"
#include "shard.h"
#include "worker.h"
#include "framer.h"
#include "login.h"
#include "reasm.h"
#include "source.h"
#include "stack.h"

#define READ_CHUNK (256 * 1024)
/* Finished connections remembered so that their late log lines are not a new session. */
#define TOMBSTONES 4096

/* One client connection: a c2s pid in a log, a TCP 4-tuple in a capture. */
struct conn {
    char *key;
    struct login *login;
    struct framer *framer[2]; /* [0] client → server, [1] server → client */
    char *transport;          /* last socket tag seen: tcp, tls, … */
    bool terminated;          /* the log says the c2s process ended */
    bool saw_xml;             /* any XML line (debug-level log) */
    struct conn *next_open;   /* open list, in session id order */
    struct conn *prev_open;
    struct conn *lru_next;    /* activity list: least recently active first (eviction) */
    struct conn *lru_prev;
    /* captures only */
    struct reasm *reasm[2];   /* [0] client → server, [1] server → client */
    /* the feed's last word before the connection ends (captures: reassembly behind a hole) */
    void (*drain)(struct conn *c);
    /* frees what a feed hung on the connection (NULL: nothing) */
    void (*release)(struct conn *c);
    /* BOSH (feed_bosh.c): a TCP connection's requests waiting for their answers; a session's state */
    struct bosh_carrier *bosh_carrier;
    struct bosh_session *bosh;
    struct stack *stack;      /* the layers between reassembly and the framers */
    struct analyzer *analyzer; /* for the stack's sink and notes */
    bool fin[2], rst;
    bool proceed_seen;        /* the server sent <proceed/>: TLS follows */
    usec_t last_seen;
    uint8_t client_addr[16];  /* to tell the directions apart */
    uint16_t client_port;
    int flow_slot;            /* its entry in analyzer.flows, or -1 */
    unsigned local;           /* -j: its number among this worker's connections */
    usec_t prev_time;         /* the time the input gives its previous event (note_time()) */
};

/*
 * A packet's flow, without the text key: IP version, then the lower and the
 * higher endpoint (address, port in network order), so both directions match.
 */
struct flow_tuple {
    uint8_t bytes[37];
};

#define FLOW_CACHE 512
/*
 * Handshakes waiting for a first byte, direct-mapped by key. A SYN flood
 * costs no more than this table; a handshake pushed out by another counts
 * as silent (docs/xmppflow.1, SILENT CONNECTIONS).
 */
#define SYNS 16384

struct analyzer {
    struct analyze_options opt;
    struct report_writer *writer;
    struct summary *summary;
    unsigned next_id;
    /*
     * Events read (packets, log records, input ends) over all inputs: every
     * worker of a -j run counts them alike, and places what happens by them.
     */
    uint64_t event;
    enum end_phase phase;  /* what ends connections now (worker.h) */
    bool own_event;        /* the event is about a connection of this process's part */
    struct input_info *infos; /* of analyzer_run */
    size_t errors_placed;  /* a -j worker: the errors of the current input it placed, as far as it knows */
    int ticks;             /* a -j worker: events until the worker is to hear of them (worker_tick) */
    /* open connections: a hash table for lookup plus a list in id order */
    struct conn **table;
    uint64_t *table_hash; /* table_hash[i]: hash_key() of table[i]'s key */
    size_t table_cap, nopen;
    struct conn *open_head, *open_tail;
    struct conn *lru_head, *lru_tail; /* the same, least recently active first */
    struct input_info *cur_info;      /* the input being read (evictions are counted there) */
    unsigned memory_check;            /* events since the heap was last measured */
    unsigned memory_every;            /* events between two measures (check_memory) */
    size_t memory_bytes;              /* input bytes since the heap was last measured */
    size_t trimmed_free;              /* free heap bytes at the last malloc_trim (trim_heap) */
    /*
     * Captures: the connections of recent flows by their binary tuple, direct
     * mapped, so most packets find theirs without building and hashing the
     * text key. An entry is cleared when its connection leaves the table.
     */
    struct flow_cache_entry {
        struct flow_tuple tuple;
        struct conn *c; /* NULL: empty */
    } flows[FLOW_CACHE];
    char *tombstone[TOMBSTONES]; /* a ring: the oldest is forgotten first */
    size_t tomb_next;
    int tomb_slot[TOMBSTONES * 4]; /* hash of ring indices (-1 empty): lookups are per packet */
    /*
     * Handshakes on ports not known as XMPP, direct-mapped by key: when content shows
     * later that the connection is XMPP, it starts at its SYN, not mid-stream. The
     * table starts small and doubles, up to SYNS slots, when a handshake would push
     * out another: a capture of a few connections at a time touches a few pages.
     */
    struct syn_seen {
        uint64_t hash;  /* of key: where it goes when the table doubles */
        char key[80];
        usec_t time;
        uint32_t isn[2];     /* [0] the SYN's, [1] the SYN-ACK's */
        bool have_synack;
        uint8_t client[16];  /* the SYN's sender */
        uint16_t client_port;
        long packet;
        /* to an XMPP port: a connection waiting for its first byte (silent until then) */
        bool xmpp;
        bool acked;          /* the handshake completed */
        int ip_version;
        uint8_t server[16];
        uint16_t server_port;
    } *syns;
    size_t syn_slots;
    const char *input_path;
    usec_t last_time;  /* latest event time over all inputs */
    bool reading_log;  /* the input being read is a log (else a capture) */
    struct crosscheck *cross; /* the checks across connections (C10, F10, K8, resumed JIDs) */
    struct http_handlers *http_handlers; /* logs: BOSH bodies waiting for their session (feed_log.c) */
    /* the default ports and every --port, one bit each: asked for every packet of other flows */
    uint8_t xmpp_ports[65536 / 8];
    long clock_backs;  /* events of the input being read dated before their connection's previous */
    struct logscope *scope;  /* logs: each set's run and node (logscope.h) */
    const char *log_node;    /* the node of the log being read, when its banner named it */
    /* a run with a capture and a log: the two sessions of one connection made one (correlate.h) */
    struct correlator *correlator;
};

uint64_t hash_key(const char *s);
/* The open connection keyed |key|, or NULL. */
struct conn *conn_find(struct analyzer *a, const char *key);
/* A new open connection; its session's id is the next one. */
struct conn *conn_new(struct analyzer *a, const char *key, long line);
/* Ends |c|: its session goes to the report (or is dropped by the filters); |c| is freed. */
void conn_finish(struct analyzer *a, struct conn *c, enum login_end how, usec_t t);
/* |c| carried something: it becomes the most recently active connection. */
void conn_touch(struct analyzer *a, struct conn *c);
/*
 * Called once per packet or log line: now and then measures the heap and,
 * past the memory budget, closes the least recently active connections.
 */
void check_memory_now(struct analyzer *a);
/*
 * mallinfo2 walks the arenas (microseconds), so not at every event: after
 * a->memory_every events, which check_memory_now sets from the room left
 * under the budget at 16 KB an event, what a new connection costs (512
 * events when it is near, up to 4096 when the heap is far below it), or
 * after MEMORY_CHECK_BYTES of input, whichever comes first: 512 events of
 * 64 KB segments or 900 KB log lines are 32 to 450 MB, which the buffers of
 * as many connections may keep.
 */
#define MEMORY_CHECK_BYTES ((size_t)256 << 10)
/* Free heap bytes, grown since the last trim, past which the heap is trimmed (trim_heap). */
#define MEMORY_SLACK ((size_t)4 << 20)
static inline void
check_memory(struct analyzer *a, size_t event_bytes)
{
    a->memory_bytes += event_bytes;
    if (++a->memory_check >= a->memory_every || a->memory_bytes >= MEMORY_CHECK_BYTES)
        check_memory_now(a);
}
/*
 * Called before the analyzer waits for input: the held report lines go out.
 */
void analyzer_flush(void *analyzer);

/* Ends every open connection, in session id order. */
void finish_all(struct analyzer *a, enum login_end how, usec_t t);
/* Ends, in session id order, every open connection for which |which|(|c|, |arg|) is true. */
void finish_where(struct analyzer *a, enum login_end how, usec_t t,
                  bool (*which)(const struct conn *c, void *arg), void *arg);
/*
 * The current event is over (a packet, a log record, the end of an input):
 * a -j worker places the errors it gave and tells the merge now and then.
 */
static inline void
event_end(struct analyzer *a)
{
    if (a->opt.worker) {
        size_t input = (size_t)(a->cur_info - a->infos);
        if (a->cur_info->nerrors != a->errors_placed) { /* rare: most events add none */
            worker_stamp(a->opt.worker, a->infos, input, a->event,
                         a->own_event ? NOTE_OWN : NOTE_GLOBAL);
            a->errors_placed = a->cur_info->nerrors;
        }
        if (--a->ticks <= 0)
            a->ticks = worker_tick(a->opt.worker, a->event, input);
    }
    a->event++;
    a->own_event = false;
}
/* True when the connection keyed |key| (|len| bytes, shard.h) is this process's to analyse. */
static inline bool
own_key(struct analyzer *a, const void *key, size_t len)
{
    if (!shard_mine(a->opt.shard, key, len))
        return false;
    a->own_event = true;
    return true;
}
/*
 * Connections to |server| that never carried XMPP, |by_end| of each ending,
 * the first (keyed |key|) at |first|, the last ended at |last|: to the
 * summary, not sessions.
 */
void note_silent(struct analyzer *a, const char *key, const char *server,
                 const long by_end[SILENT_END_COUNT], usec_t first, usec_t last);
/*
 * The end of a connection's login whose verdict came back (a -j worker):
 * the verdict's findings, filters, report; |l| is freed.
 */
void analyzer_session_end(struct analyzer *a, struct login *l, const struct cross_verdict *v,
                          enum login_end how, usec_t t);
/*
 * A flow of |kind| keyed |key| to |server|, from |first| to |last|, that is
 * not a client login (summary.h): to the summary and the input's count, not a session.
 */
void note_flows(struct analyzer *a, enum flow_kind kind, const char *key, const char *server,
                usec_t first, usec_t last);
/* A finished session (taken): to the summary and the report, or dropped by the filters. */
void analyzer_report(void *analyzer, struct session *s);
/* Session id |id| will not be reported (a correlated session took it in). */
void analyzer_skip(void *analyzer, unsigned id);
bool is_tombstone(const struct analyzer *a, const char *key);
void add_tombstone(struct analyzer *a, const char *key);
void clear_tombstone(struct analyzer *a, const char *key);
void clear_tombstones(struct analyzer *a);

/*
 * The input dates this event of |c| (line |line| or packet |packet|, 0 when
 * none) at |t|: one earlier than the connection's previous event is an input
 * error, for the first few, then counted (note_time_total()). The login keeps
 * the session's times in order itself (L4).
 */
void note_time_back(struct analyzer *a, struct conn *c, usec_t t, struct input_info *info,
                    long line, long packet);
static inline void
note_time(struct analyzer *a, struct conn *c, usec_t t, struct input_info *info, long line,
          long packet)
{
    if (c->prev_time && t < c->prev_time)
        note_time_back(a, c, t, info, line, packet);
    c->prev_time = t;
}
/* At the end of an input: how many such events it had in all, past the first few. */
void note_time_total(struct analyzer *a, struct input_info *info);


#endif
