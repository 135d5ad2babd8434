/*
 * ejlog: ejabberd log records → connection events (ejabberd-log-formats.md §2.3, §3, §4, §5).
 *
 * Longer than 800 lines: one record grammar read in one pass (the line prefix,
 * the pid and socket tags, the Erlang terms that carry the XML) whose helpers
 * share the reader's state; the log formats of other eras come as readers of
 * their own beside it.
 */
#include <config.h>
#include "ejlog.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ejlog_http.h"
#include "ejlog_oldmsg.h"
#include "ejlog_prefix.h"
#include "lognorm.h"
#include "xalloc.h"

/* A record longer than this is cut (E7 already caps messages at 100 KiB). */
#define MAX_RECORD (4u << 20)
/*
 * A queue slot whose store grew past this gives its memory back once its
 * event is handed out: the ring keeps up to one slot per event of the
 * biggest feed, and each slot kept the size of the largest payload it ever
 * carried (64 streams of 900 KB lines held 1 MB in each of 256 slots).
 */
#define KEEP_STORE (64u << 10)

struct ejlog {
    struct buf pending;  /* bytes of an incomplete line (at most MAX_RECORD) */
    bool pending_cut;    /* the line in |pending| was longer than MAX_RECORD */
    bool after_cr;       /* the last feed ended with a '\r': a '\n' next is part of that line end */
    struct buf record;   /* the record being assembled (lines joined by '\n') */
    size_t record_total; /* its length, also of the lines not kept (record_skip) */
    bool record_cut;
    /*
     * The prefix of the record's first line (offsets into record), when it is
     * what a parse of the whole record gives (head_exact): then, for a record
     * of one line, it is not parsed again.
     */
    struct {
        usec_t time; /* as placed (ejlog_clock, a headerless E1 line's previous time) */
        size_t pid, pid_len, msg, len; /* pid (size_t)-1: none; len: of the first line */
        size_t module, module_len;     /* module (size_t)-1: none */
        enum ejlog_form form;
        char level;
        bool exact;
    } head;
    /* a connection ejlog_want() refuses: its payload is not kept nor decoded */
    bool record_skip;
    bool (*want)(void *arg, const char *pid, size_t len);
    void *want_arg;
    long record_line, record_last;
    long lines;
    /*
     * The prefix side of every era (ejlog_prefix.h, lognorm.h): the wrappers
     * taken off the lines, the day of time-only records, the time of a record
     * without one (E0/E1 message lines without their header), an E0/E1 header
     * whose message line is next, what the input showed of itself.
     */
    struct lognorm *norm;
    bool norm_held; /* it holds the start of a docker line */
    struct ejlog_clock clock;
    usec_t last_time;
    bool await_msg;
    unsigned forms;  /* 1 << enum ejlog_form of each record read */
    unsigned time_notes;
    bool mongooseim;
    struct ejlog_unplaced unplaced[EJLOG_UNPLACED];
    size_t nunplaced;
    long records; /* records begun: lines that start like a log record */
    bool finished;
    /* events waiting for ejlog_next(): each keeps its strings in |store| */
    struct queued {
        struct ejlog_event ev;
        struct buf store;
        /* offsets into store, (size_t)-1 when absent */
        size_t o_pid, o_transport, o_data, o_client, o_server, o_mech, o_user, o_ip, o_reason,
            o_jid, o_message, o_handler, o_sid, o_port, o_receiver;
    } *queue;             /* a ring that grows: one feed can complete many records */
    size_t qcap, qhead, qlen;
    struct queued out; /* the event last handed out */
};

struct ejlog *
ejlog_new(void)
{
    struct ejlog *r = xcalloc(1, sizeof(struct ejlog));
    r->norm = lognorm_new();
    return r;
}

void
ejlog_free(struct ejlog *r)
{
    if (!r)
        return;
    buf_clear(&r->pending);
    buf_clear(&r->record);
    for (size_t i = 0; i < r->qcap; i++)
        buf_clear(&r->queue[i].store);
    free(r->queue);
    buf_clear(&r->out.store);
    lognorm_free(r->norm);
    free(r);
}

/*
 * The end of the line that starts at |p|: the first '\n' or '\r' before
 * |end|, or |end|. |*nl| and |*cr| cache the next of each at or after the
 * previous search (NULL: not searched yet), so that each byte is looked at
 * once per character even when one of them never occurs.
 */
static const char *
line_end(const char *p, const char *end, const char **nl, const char **cr)
{
    if (!*nl || *nl < p) {
        *nl = memchr(p, '\n', (size_t)(end - p));
        if (!*nl)
            *nl = end;
    }
    if (!*cr || *cr < p) {
        *cr = memchr(p, '\r', (size_t)(end - p));
        if (!*cr)
            *cr = end;
    }
    return *nl < *cr ? *nl : *cr;
}

long
ejlog_lines(const struct ejlog *r)
{
    return r->lines;
}

long
ejlog_records(const struct ejlog *r)
{
    return r->records;
}

size_t
ejlog_next_line(const char *p, size_t n, size_t *len)
{
    const char *nl = NULL, *cr = NULL;
    const char *eol = line_end(p, p + n, &nl, &cr);
    *len = (size_t)(eol - p);
    if (eol == p + n)
        return n;
    size_t next = *len + 1;
    if (*eol == '\r' && next < n && p[next] == '\n')
        next++;
    return next;
}

void
ejlog_want(struct ejlog *r, bool (*want)(void *arg, const char *pid, size_t len), void *arg)
{
    r->want = want;
    r->want_arg = arg;
}

/* ---- events ------------------------------------------------------------ */

static struct queued *
push(struct ejlog *r, enum ejlog_kind kind, usec_t t)
{
    if (r->qlen == r->qcap) {
        size_t cap = r->qcap ? r->qcap * 2 : 16;
        struct queued *nq = xcalloc(cap, sizeof *nq);
        for (size_t i = 0; i < r->qlen; i++)
            nq[i] = r->queue[(r->qhead + i) % r->qcap];
        free(r->queue);
        r->queue = nq;
        r->qcap = cap;
        r->qhead = 0;
    }
    struct queued *q = &r->queue[(r->qhead + r->qlen++) % r->qcap];
    buf_reset(&q->store);
    memset(&q->ev, 0, sizeof q->ev);
    q->o_pid = q->o_transport = q->o_data = q->o_client = q->o_server = q->o_mech = q->o_user =
        q->o_ip = q->o_reason = q->o_jid = q->o_message = q->o_handler = q->o_sid = q->o_port =
            q->o_receiver = (size_t)-1;
    q->ev.kind = kind;
    q->ev.time = t;
    q->ev.line = r->record_line;
    q->ev.last_line = r->record_last;
    return q;
}

/* Stores |n| bytes in the event's store; returns their offset. */
static size_t
keep(struct queued *q, const char *s, size_t n)
{
    size_t off = q->store.len;
    buf_append(&q->store, s, n);
    buf_append_char(&q->store, '\0');
    return off;
}

static const char *
at(const struct queued *q, size_t off)
{
    return off == (size_t)-1 ? NULL : q->store.data + off;
}

static void
problem(struct ejlog *r, usec_t t, const char *msg)
{
    struct queued *q = push(r, EJ_PROBLEM, t);
    if (q)
        q->o_message = keep(q, msg, strlen(msg));
}

/* Finds "(tag|<pid>) " at |m|; returns the text after it, or NULL. */
static const char *
parse_tag(const char *m, const char *end, const char **tag, size_t *tag_len, const char **pid,
          size_t *pid_len)
{
    if (m >= end || *m != '(')
        return NULL;
    const char *bar = memchr(m, '|', (size_t)(end - m) < 24 ? (size_t)(end - m) : 24);
    if (!bar)
        return NULL;
    const char *close = memchr(bar, ')', (size_t)(end - bar) < 40 ? (size_t)(end - bar) : 40);
    if (!close || close + 1 >= end || close[1] != ' ')
        return NULL;
    *tag = m + 1;
    *tag_len = (size_t)(bar - m - 1);
    *pid = bar + 1;
    *pid_len = (size_t)(close - bar - 1);
    return close + 2;
}

static bool
starts(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* "A -> B": endpoints; strips nothing (19.08+ already brackets IPv6). */
static void
accept_line(struct ejlog *r, usec_t t, const char *pid, size_t pid_len, const char *rest,
            const char *end)
{
    const char *arrow = NULL;
    for (const char *s = rest; s + 4 <= end; s++)
        if (memcmp(s, " -> ", 4) == 0) {
            arrow = s;
            break;
        }
    if (!arrow)
        return;
    const char *b = arrow + 4;
    const char *bend = memchr(b, ' ', (size_t)(end - b));
    if (!bend)
        bend = end;
    struct queued *q = push(r, EJ_ACCEPT, t);
    if (!q)
        return;
    q->o_pid = keep(q, pid, pid_len);
    q->o_client = keep(q, rest, (size_t)(arrow - rest));
    q->o_server = keep(q, b, (size_t)(bend - b));
}

/* "Accepted c2s M authentication for U@D by B backend from IP" / "Failed c2s M authentication [for U@D ]from IP: reason" */
static void
auth_line(struct ejlog *r, usec_t t, bool ok, const char *tag, size_t tag_len, const char *pid,
          size_t pid_len, const char *p, const char *end)
{
    const char *mech = p;
    const char *sp = memchr(p, ' ', (size_t)(end - p));
    if (!sp || !starts(sp, end, " authentication "))
        return;
    struct queued *q = push(r, EJ_AUTH, t);
    if (!q)
        return;
    q->ev.ok = ok;
    q->o_pid = keep(q, pid, pid_len);
    q->o_transport = keep(q, tag, tag_len);
    q->o_mech = keep(q, mech, (size_t)(sp - mech));
    p = sp + strlen(" authentication ");
    if (starts(p, end, "for ")) {
        p += 4;
        const char *e = memchr(p, ' ', (size_t)(end - p));
        if (!e)
            e = end;
        q->o_user = keep(q, p, (size_t)(e - p));
        p = e < end ? e + 1 : end;
    }
    const char *from = NULL;
    for (const char *s = p; s + 5 <= end; s++)
        if (memcmp(s, "from ", 5) == 0) {
            from = s + 5;
            break;
        }
    if (!from)
        return;
    if (ok) {
        const char *e = memchr(from, ' ', (size_t)(end - from));
        q->o_ip = keep(q, from, (size_t)((e ? e : end) - from));
    } else {
        /* the last ": " separates the address from the reason (IPv6 has colons) */
        const char *sep = NULL;
        for (const char *s = from; s + 2 <= end; s++)
            if (s[0] == ':' && s[1] == ' ') {
                sep = s;
                break;
            }
        q->o_ip = keep(q, from, (size_t)((sep ? sep : end) - from));
        if (sep)
            q->o_reason = keep(q, sep + 2, (size_t)(end - sep - 2));
    }
}

static void
session_line(struct ejlog *r, usec_t t, enum ejlog_kind kind, const char *tag, size_t tag_len,
             const char *pid, size_t pid_len, const char *p, const char *end)
{
    struct queued *q = push(r, kind, t);
    if (!q)
        return;
    q->o_pid = keep(q, pid, pid_len);
    q->o_transport = keep(q, tag, tag_len); /* at info level the only sign of TLS */
    /* "JID" or "JID: reason"; a resource may hold ':' and ' ' ("host:4711", "Spark 2.8.3") */
    const char *e = NULL;
    for (const char *s = p; s + 2 <= end; s++)
        if (s[0] == ':' && s[1] == ' ') {
            e = s;
            break;
        }
    q->o_jid = keep(q, p, (size_t)((e ? e : end) - p));
    if (e)
        q->o_reason = keep(q, e + 2, (size_t)(end - e - 2));
}

/* "The account U@D was registered from IP address IP" (mod_register, ejabberd 16.x+) */
static void
registered_line(struct ejlog *r, usec_t t, const struct ejlog_prefix *pf, const char *p, const char *end)
{
    const char *e = memchr(p, ' ', (size_t)(end - p));
    if (!e || !starts(e, end, " was registered from IP address "))
        return;
    struct queued *q = push(r, EJ_REGISTERED, t);
    if (!q)
        return;
    q->o_pid = keep(q, pf->pid, pf->pid_len);
    q->o_user = keep(q, p, (size_t)(e - p));
    const char *ip = e + strlen(" was registered from IP address ");
    q->o_ip = keep(q, ip, (size_t)(end - ip));
}

/* Decodes the Erlang term at |payload| into the event's data (truncated: cut by the logger or by us). */
static void
keep_payload(struct ejlog *r, struct queued *q, const char *payload, const char *end)
{
    size_t off = q->store.len;
    bool truncated = false;
    if (ejlog_decode_term(payload, (size_t)(end - payload), &q->store, &truncated) < 0)
        truncated = true;
    q->ev.len = q->store.len - off;
    buf_append_char(&q->store, '\0');
    q->o_data = off;
    q->ev.truncated = truncated || r->record_cut;
}

static void
xml_line(struct ejlog *r, usec_t t, char dir, const char *tag, size_t tag_len, const char *pid,
         size_t pid_len, const char *payload, const char *end)
{
    struct queued *q = push(r, EJ_XML, t);
    if (!q)
        return;
    q->ev.dir = dir;
    q->o_pid = keep(q, pid, pid_len);
    q->o_transport = keep(q, tag, tag_len);
    if (r->record_skip)
        return; /* another's connection: its event without its payload */
    keep_payload(r, q, payload, end);
}

/* The handler's pid of a "Got request" dump: "** From: {<0.517.0>,#Ref<…>}". */
static const char *
request_handler(const char *p, const char *end, size_t *len)
{
    static const char from[] = "\n** From: {<";
    const char *f = memmem(p, (size_t)(end - p), from, sizeof from - 1);
    if (!f)
        return NULL;
    const char *pid = f + sizeof from - 2; /* at its '<' */
    const char *gt = memchr(pid, '>', (size_t)(end - pid) < 32 ? (size_t)(end - pid) : 32);
    if (!gt)
        return NULL;
    *len = (size_t)(gt - pid) + 1;
    return pid;
}

/* |p| past spaces and line ends. */
static const char *
skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n'))
        p++;
    return p;
}

/* The text of the binary <<"…">> at |p| (no escapes: a host name, a sid); NULL when not one. */
static const char *
plain_binary(const char *p, const char *end, size_t *len)
{
    if (end - p < 5 || memcmp(p, "<<\"", 3) != 0)
        return NULL;
    const char *q = memchr(p + 3, '"', (size_t)(end - p - 3) < 256 ? (size_t)(end - p - 3) : 256);
    if (!q || end - q < 3 || q[1] != '>' || q[2] != '>' || memchr(p + 3, '\\', (size_t)(q - p - 3)))
        return NULL;
    *len = (size_t)(q - p - 3);
    return p + 3;
}

/* The sid in "** State: {state,<<"host">>,<<"SID">>,…" (ejabberd_bosh's #state{host, sid}). */
static const char *
request_sid(const char *p, const char *end, size_t *len)
{
    static const char state[] = "\n** State: {state,";
    const char *s = memmem(p, (size_t)(end - p), state, sizeof state - 1);
    if (!s)
        return NULL;
    size_t host_len;
    const char *host = plain_binary(skip_space(s + sizeof state - 1, end), end, &host_len);
    if (!host)
        return NULL;
    const char *after = host + host_len + 3;
    if (after >= end || *after != ',')
        return NULL;
    const char *sid = plain_binary(skip_space(after + 1, end), end, len);
    return sid && *len ? sid : NULL;
}

/* The decimal number at |p| (no more than 2^53 - 1: BOSH rids); false when none. */
static bool
read_rid(const char *p, const char *end, unsigned long long *rid)
{
    unsigned long long v = 0;
    const char *d = p;
    while (d < end && *d >= '0' && *d <= '9' && d - p < 16)
        v = v * 10 + (unsigned long long)(*d++ - '0');
    if (d == p || (d < end && *d >= '0' && *d <= '9'))
        return false;
    *rid = v;
    return true;
}

/*
 * "<B>@ejabberd_bosh:… Got request:" and its "** RequestID:", "** Request:
 * {body,…,[…,{rid,N},…],…}", "** From: {<H>,#Ref…}", "** State: …" lines:
 * the BOSH process B took the body its HTTP handler H logged last.
 */
static void
bosh_request_record(struct ejlog *r, usec_t t, const struct ejlog_prefix *pf, const char *end)
{
    struct queued *q = push(r, EJ_BOSH_REQUEST, t);
    q->o_pid = keep(q, pf->pid, pf->pid_len);
    q->o_transport = keep(q, "http_bind", 9);
    const char *p = pf->msg;
    size_t len;
    const char *h = request_handler(p, end, &len);
    if (h)
        q->o_handler = keep(q, h, len);
    /* the rid the body carried, as ejabberd read it: in the request's attributes */
    static const char request[] = "\n** Request: ", request_id[] = "\n** RequestID: ";
    const char *req = memmem(p, (size_t)(end - p), request, sizeof request - 1);
    const char *req_end = req && h && h > req ? h : end;
    const char *rid = req ? memmem(req, (size_t)(req_end - req), "{rid,", 5) : NULL;
    if (rid)
        q->ev.has_rid = read_rid(rid + 5, req_end, &q->ev.rid);
    const char *id = memmem(p, (size_t)(end - p), request_id, sizeof request_id - 1);
    if (!q->ev.has_rid && id)
        q->ev.has_rid = read_rid(id + sizeof request_id - 1, end, &q->ev.rid);
    size_t sid_len;
    const char *sid = request_sid(p, end, &sid_len);
    if (sid)
        q->o_sid = keep(q, sid, sid_len);
}

/*
 * "<H>@mod_bosh:process… Incoming data: <<"<body …>">>": the body an HTTP
 * handler read. A body ends with '>': one that ends with "..." was cut by
 * lager (its 4096 characters, the "..." inside the quotes).
 */
static void
bosh_body_record(struct ejlog *r, usec_t t, const struct ejlog_prefix *pf, const char *payload,
                 const char *end)
{
    struct queued *q = push(r, EJ_BOSH_BODY, t);
    q->o_pid = keep(q, pf->pid, pf->pid_len);
    q->o_transport = keep(q, "http_bind", 9);
    keep_payload(r, q, payload, end);
    const char *d = q->store.data + q->o_data;
    if (q->ev.len >= 3 && memcmp(d + q->ev.len - 3, "...", 3) == 0)
        q->ev.truncated = true;
}

/* |pf|'s process logged from module |module| ("mod_bosh"): "<0.517.0>@mod_bosh:…". */
static bool
logged_by(const struct ejlog_prefix *pf, const char *module)
{
    size_t n = strlen(module);
    return pf->pid && pf->module && pf->module_len == n && memcmp(pf->module, module, n) == 0;
}

/* An old-form message (ejlog_oldmsg.h) as an event. */
static void
old_event(struct ejlog *r, usec_t t, const struct ejlog_oldmsg *o, const char *end)
{
    static const enum ejlog_kind kind[] = {
        [OLD_ACCEPT] = EJ_ACCEPT, [OLD_XML] = EJ_XML, [OLD_AUTH] = EJ_AUTH,
        [OLD_SESSION_OPEN] = EJ_SESSION_OPEN, [OLD_CLOSING] = EJ_CLOSING,
    };
    struct queued *q = push(r, kind[o->kind], t);
    const struct {
        struct ejlog_span s;
        size_t *off;
    } f[] = {
        {o->pid, &q->o_pid},       {o->sock.port, &q->o_port}, {o->sock.owner, &q->o_receiver},
        {o->client, &q->o_client}, {o->server, &q->o_server},  {o->user, &q->o_user},
        {o->ip, &q->o_ip},         {o->reason, &q->o_reason},  {o->jid, &q->o_jid},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].s.p)
            *f[i].off = keep(q, f[i].s.p, f[i].s.n);
    if (o->sock.transport)
        q->o_transport = keep(q, o->sock.transport, strlen(o->sock.transport));
    q->ev.ok = o->ok;
    q->ev.dir = o->dir;
    if (o->legacy)
        q->o_mech = keep(q, "legacy", 6);
    if (o->kind == OLD_XML && !r->record_skip)
        keep_payload(r, q, o->payload, end);
}

/* A message of ejabberd's HTTP handler or WebSocket process (ejlog_http.h): true when it is one. */
static bool
http_record(struct ejlog *r, usec_t t, const struct ejlog_prefix *pf, const char *line_end)
{
    bool tls;
    struct ejlog_span ws;
    char client[64];
    if (ejlog_http_query(pf->msg, line_end, &tls)) {
        struct queued *q = push(r, EJ_HTTP_QUERY, t);
        q->o_pid = keep(q, pf->pid, pf->pid_len);
        q->ev.tls = tls;
    } else if (ejlog_http_ws(pf->msg, line_end, &ws, client, sizeof client)) {
        struct queued *q = push(r, EJ_WS_CONNECTED, t);
        q->o_pid = keep(q, ws.p, ws.n);
        if (client[0])
            q->o_client = keep(q, client, strlen(client));
    } else {
        return false;
    }
    return true;
}

/* The prefix of the record: the first line's, or parsed again over the whole record. */
static bool
record_prefix(const struct ejlog *r, struct ejlog_prefix *pf)
{
    const char *p = r->record.data;
    if (!p)
        return false;
    if (!r->head.exact || r->record.len != r->head.len) {
        if (!ejlog_parse_prefix(p, r->record.len, pf, NULL))
            return false;
        pf->time = r->head.time; /* placed when the first line came */
        return true;
    }
    pf->time = r->head.time;
    pf->pid = r->head.pid == (size_t)-1 ? NULL : p + r->head.pid;
    pf->pid_len = r->head.pid_len;
    pf->module = r->head.module == (size_t)-1 ? NULL : p + r->head.module;
    pf->module_len = r->head.module_len;
    pf->msg = p + r->head.msg;
    pf->form = r->head.form;
    pf->level = r->head.level;
    pf->has_time = pf->has_date = pf->has_zone = true; /* not asked again: placed already */
    return true;
}

/*
 * The connection a record is about, from its first line alone (the same the
 * record's event names); NULL when none.
 */
static const char *
record_pid(const struct ejlog *r, size_t *len)
{
    struct ejlog_prefix pf;
    if (!record_prefix(r, &pf))
        return NULL;
    const char *m = pf.msg, *end = r->record.data + r->head.len;
    const char *tag, *pid;
    size_t tag_len;
    if (parse_tag(m, end, &tag, &tag_len, &pid, len))
        return *len && *pid == '<' ? pid : NULL;
    /* ≤ 17.11: a Received and a Send of one connection come from two processes (the link is
     * the pipeline's, log_link.h): every worker reads these whole */
    if (starts(m, end, "Received XML on stream = ") || starts(m, end, "Send XML on stream = ") ||
        starts(m, end, "Send Text on stream = "))
        return NULL;
    if (*m == '(' && m + 1 < end && m[1] == '<') {
        const char *close = memchr(m, ')', (size_t)(end - m));
        *len = close ? (size_t)(close - m - 1) : 0;
        return close ? m + 1 : NULL;
    }
    if (starts(m, end, "Incoming data: "))
        return NULL; /* a BOSH body: the session it goes to is named by a later record */
    *len = pf.pid_len;
    return pf.pid;
}

/*
 * "lager_error_logger_h dropped N messages in the last second …" (lager),
 * "Handler ejabberd_log flushed N log events" and "Handler … switched from
 * … to … mode" (OTP logger, §7 item 5): the logger lost records here.
 */
static bool
dropped_record(struct ejlog *r, usec_t t, const char *m, const char *end)
{
    const char *n = NULL;
    if (starts(m, end, "lager_")) {
        const char *d = memmem(m, (size_t)(end - m) < 48 ? (size_t)(end - m) : 48, " dropped ", 9);
        if (!d || !memmem(d, (size_t)(end - d), " messages", 9))
            return false;
        n = d + 9;
    } else if (starts(m, end, "Handler ")) {
        const char *f = memmem(m, (size_t)(end - m), " flushed ", 9);
        if (f && memmem(f, (size_t)(end - f), " log events", 11))
            n = f + 9;
        else if (!memmem(m, (size_t)(end - m), " switched from ", 15))
            return false;
    } else {
        return false;
    }
    struct queued *q = push(r, EJ_DROPPED, t);
    for (; n && n < end && *n >= '0' && *n <= '9' && q->ev.count < 1000000000L; n++)
        q->ev.count = q->ev.count * 10 + (*n - '0');
    q->o_message = keep(q, m, (size_t)(end - m));
    return true;
}

/* Classifies one complete record and queues at most one event. */
static void
process_record(struct ejlog *r)
{
    const char *p = r->record.data;
    size_t n = r->record.len;
    struct ejlog_prefix pf;
    if (!record_prefix(r, &pf))
        return;
    const char *end = p + n;
    const char *m = pf.msg;
    /* the first line holds everything but wrapped payloads */
    const char *nl = memchr(m, '\n', (size_t)(end - m));
    const char *line_end = nl ? nl : end;
    const char *tag, *tpid;
    size_t tag_len, tpid_len;
    const char *rest = parse_tag(m, line_end, &tag, &tag_len, &tpid, &tpid_len);
    if (rest && !(tpid_len && *tpid == '<')) {
        /* "(http_bind|ejabberd_bosh)" (17.03-17.11): no pid in the tag; the logging pid is the key (§6.2) */
        tpid = pf.pid;
        tpid_len = pf.pid_len;
        if (!tpid)
            return;
    }
    if (rest) {
        if (starts(rest, line_end, "Received XML on stream = "))
            xml_line(r, pf.time, 'C', tag, tag_len, tpid, tpid_len, rest + 25, end);
        else if (starts(rest, line_end, "Send XML on stream = "))
            xml_line(r, pf.time, 'S', tag, tag_len, tpid, tpid_len, rest + 21, end);
        else if (starts(rest, line_end, "Accepted c2s "))
            auth_line(r, pf.time, true, tag, tag_len, tpid, tpid_len, rest + 13, line_end);
        else if (starts(rest, line_end, "Failed c2s "))
            auth_line(r, pf.time, false, tag, tag_len, tpid, tpid_len, rest + 11, line_end);
        else if (starts(rest, line_end, "Opened c2s session for "))
            session_line(r, pf.time, EJ_SESSION_OPEN, tag, tag_len, tpid, tpid_len, rest + 23, line_end);
        else if (starts(rest, line_end, "Resumed session for "))
            session_line(r, pf.time, EJ_RESUMED, tag, tag_len, tpid, tpid_len, rest + 20, line_end);
        else if (starts(rest, line_end, "Closing c2s session for "))
            session_line(r, pf.time, EJ_CLOSING, tag, tag_len, tpid, tpid_len, rest + 24, line_end);
        else if (starts(rest, line_end, "Closing c2s connection for "))
            session_line(r, pf.time, EJ_CLOSING, tag, tag_len, tpid, tpid_len, rest + 27, line_end);
        else if (starts(rest, line_end, "Failed to secure c2s connection: ")) {
            struct queued *q = push(r, EJ_TLS_FAILED, pf.time);
            q->o_pid = keep(q, tpid, tpid_len);
            q->o_transport = keep(q, tag, tag_len);
            q->o_reason = keep(q, rest + 33, (size_t)(line_end - rest - 33));
        }
        return;
    }
    if (*m == '(' && m + 1 < line_end && m[1] == '<') {
        const char *close = memchr(m, ')', (size_t)(line_end - m));
        if (close && starts(close, line_end, ") Accepted connection "))
            accept_line(r, pf.time, m + 1, (size_t)(close - m - 1), close + 22, line_end);
        return;
    }
    if (pf.pid && (logged_by(&pf, "ejabberd_http") || logged_by(&pf, "ejabberd_http_ws")) &&
        http_record(r, pf.time, &pf, line_end))
        return;
    struct ejlog_oldmsg old;
    if (ejlog_oldmsg_parse(m, line_end, pf.pid, pf.pid_len, &old)) {
        old_event(r, pf.time, &old, end);
        return;
    }
    if (starts(m, line_end, "Incoming data: ") && logged_by(&pf, "mod_bosh")) {
        bosh_body_record(r, pf.time, &pf, m + 15, end);
        return;
    }
    /* "got request:" before 19.08 */
    if ((starts(m, line_end, "Got request:") || starts(m, line_end, "got request:")) &&
        logged_by(&pf, "ejabberd_bosh")) {
        bosh_request_record(r, pf.time, &pf, end);
        return;
    }
    /* mod_register, in the c2s process of the connection that registered (XEP-0077) */
    if (pf.pid && starts(m, line_end, "The account ") && logged_by(&pf, "mod_register")) {
        registered_line(r, pf.time, &pf, m + 12, line_end);
        return;
    }
    if (pf.pid && starts(m, line_end, "Running hook c2s_terminated: ejabberd_c2s:")) {
        struct queued *q = push(r, EJ_TERMINATED, pf.time);
        if (q)
            q->o_pid = keep(q, pf.pid, pf.pid_len);
        return;
    }
    if (starts(m, line_end, "ejabberd ")) {
        const char *s = memmem(m, (size_t)(line_end - m), " is started in the node ", 24);
        struct queued *q = s ? push(r, EJ_RUN_START, pf.time) : NULL;
        if (q) { /* the node: up to " in 0.85s" (23.x+) or the line's end; an atom may be quoted */
            const char *node = s + 24, *e = node;
            while (e < line_end && *e != ' ' && *e != '\r')
                e++;
            if (e - node >= 2 && *node == '\'' && e[-1] == '\'')
                node++, e--;
            if (e > node)
                q->o_message = keep(q, node, (size_t)(e - node));
        }
        return;
    }
    if (dropped_record(r, pf.time, m, line_end))
        return;
    /* MongooseIM's BOSH module logs what ejabberd's never did (spec §7 item 15) */
    if (logged_by(&pf, "mod_bosh") && starts(m, line_end, "Sending (binary) to "))
        r->mongooseim = true;
}

static void
flush_record(struct ejlog *r)
{
    /* the blank line before an E0/E1 header, a message's trailing ~n: not the message's */
    while (r->record.len > r->head.len && r->record.data[r->record.len - 1] == '\n')
        r->record.len--;
    if (r->record.len) {
        process_record(r);
        if (r->record_cut)
            problem(r, 0, "record longer than 4 MiB: the rest was skipped");
    }
    buf_reset(&r->record);
    r->record_cut = false;
    r->record_skip = false;
    r->head.exact = false;
}

/* The time a record's first line gives, placed: the day of a time of day, the previous record's when none. */
static usec_t
place_time(struct ejlog *r, const struct ejlog_prefix *pf)
{
    usec_t t = pf->time;
    if (!pf->has_time) {
        t = r->last_time;
        r->time_notes |= EJT_NO_TIME;
    } else if (!pf->has_date) {
        if (!r->clock.started && lognorm_day(r->norm) >= 0)
            r->clock.base = lognorm_day(r->norm); /* docker's or journald's date */
        t = ejlog_clock_place(&r->clock, t);
        r->time_notes |= EJT_NO_DATE;
    }
    if (!pf->has_zone && pf->has_time)
        r->time_notes |= EJT_NO_ZONE;
    r->last_time = t;
    return t;
}

/* A line before any record: the first few are named if the input turns out to hold none. */
static void
note_unplaced(struct ejlog *r, const char *line, size_t len)
{
    if (r->nunplaced >= EJLOG_UNPLACED || !len)
        return;
    struct ejlog_unplaced *u = &r->unplaced[r->nunplaced++];
    u->line = r->lines;
    lognorm_shape(line, len, u->shape, sizeof u->shape);
}

/*
 * The logger's line |line| (wrappers off). |cut|: the line was longer than
 * MAX_RECORD and |line| holds only its start. Returns true when the line
 * belongs to a record (it is not noise).
 */
static bool
record_line(struct ejlog *r, const char *line, size_t len, bool cut)
{
    if (len > MAX_RECORD) {
        len = MAX_RECORD; /* the same cut whether the line came whole or in pieces */
        cut = true;
    }
    struct ejlog_prefix pf;
    bool clipped = false;
    /* an E0/E1 header's message line is its record's second line, not a record of its own */
    if (ejlog_parse_prefix(line, len, &pf, &clipped) && !(r->await_msg && pf.form == EJF_E1_BARE)) {
        flush_record(r);
        r->records++;
        r->record_line = r->record_last = r->lines;
        buf_append(&r->record, line, len);
        r->record_total = len;
        r->record_cut = cut;
        r->forms |= 1u << pf.form;
        r->await_msg = pf.form == EJF_ERROR_LOGGER || pf.form == EJF_ERROR_LOGGER_TTY;
        if (pf.module && pf.module_len >= 8 && memcmp(pf.module, "mongoose", 8) == 0)
            r->mongooseim = true;
        r->head.time = place_time(r, &pf);
        r->head.pid = pf.pid ? (size_t)(pf.pid - line) : (size_t)-1;
        r->head.pid_len = pf.pid_len;
        r->head.module = pf.module ? (size_t)(pf.module - line) : (size_t)-1;
        r->head.module_len = pf.module_len;
        r->head.form = pf.form;
        r->head.level = pf.level;
        r->head.msg = (size_t)(pf.msg - line);
        r->head.len = len;
        r->head.exact = !clipped;
        if (r->want && !clipped) {
            size_t pid_len;
            const char *pid = record_pid(r, &pid_len);
            r->record_skip = pid && !r->want(r->want_arg, pid, pid_len);
        }
        /* An XML line whose term closes on it is complete: handle it now rather than at the
         * next line, so a pipeline sees a session end as soon as its last line arrives. */
        if (!cut && len >= 2 && line[len - 2] == '>' && line[len - 1] == '>' &&
            memmem(line, len, " XML on stream = ", 17))
            flush_record(r);
        return true;
    }
    if (!r->record.len) {
        note_unplaced(r, line, len);
        return false; /* noise before the first record (a rotated file's partial record) */
    }
    r->await_msg = false;
    r->record_last = r->lines;
    if (cut || r->record_total + len + 1 > MAX_RECORD) {
        r->record_cut = true;
        return true;
    }
    r->record_total += len + 1;
    if (r->record_skip)
        return true; /* counted, not kept */
    buf_append_char(&r->record, '\n');
    buf_append(&r->record, line, len);
    return true;
}

/* One physical line of the input: its wrappers off (lognorm.h), then read. */
static bool
take_line(struct ejlog *r, const char *line, size_t len, bool cut, bool clean)
{
    r->lines++;
    if (!r->norm_held && lognorm_plain(line, len, clean))
        return record_line(r, line, len, cut); /* the E7 file's lines: nothing to take off */
    const char *l;
    size_t n;
    r->norm_held = !lognorm_line(r->norm, line, len > MAX_RECORD ? MAX_RECORD : len, clean, &l, &n);
    if (r->norm_held)
        return true; /* a docker record whose line goes on */
    return record_line(r, l, n, cut || len > MAX_RECORD);
}

void
ejlog_feed(struct ejlog *r, const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;
    const char *nl = NULL, *cr = NULL;
    /* the '\n' of a CRLF whose '\r' ended the previous feed */
    if (r->after_cr && p < end && *p == '\n')
        p++;
    r->after_cr = false;
    /* one look over the buffer spares each line before the first ESC or non-ASCII byte its own */
    const char *esc = NULL;
    const char *dirty = lognorm_next_dirty(p, end, &esc);
    while (p < end) {
        const char *eol = line_end(p, end, &nl, &cr);
        size_t n = (size_t)(eol - p);
        if (eol == end || r->pending.len) {
            /* a monstrous line: keep its start, which holds the prefix */
            if (r->pending.len + n > MAX_RECORD) {
                n = MAX_RECORD - r->pending.len;
                r->pending_cut = true;
            }
            buf_append(&r->pending, p, n);
            if (eol == end)
                return;
            take_line(r, r->pending.data, r->pending.len, r->pending_cut, false);
            buf_reset(&r->pending);
            r->pending_cut = false;
        } else {
            if (dirty < p)
                dirty = lognorm_next_dirty(p, end, &esc);
            take_line(r, p, n, false, dirty >= eol);
        }
        p = eol + 1;
        /* CR, LF and CRLF each end one line (old Mac, Unix and Windows logs, or a mix) */
        if (*eol == '\r') {
            if (p == end)
                r->after_cr = true;
            else if (*p == '\n')
                p++;
        }
    }
}

void
ejlog_finish(struct ejlog *r)
{
    if (r->finished)
        return;
    r->finished = true;
    const char *held;
    size_t held_len;
    if (r->pending.len) {
        bool in_record = take_line(r, r->pending.data, r->pending.len, r->pending_cut, false);
        if (lognorm_flush(r->norm, &held, &held_len))
            in_record = record_line(r, held, held_len, false);
        buf_reset(&r->pending);
        r->pending_cut = false;
        long line = r->lines;
        flush_record(r);
        if (!in_record)
            return; /* noise, not a log line: nothing was cut */
        /* a log written by a logger always ends its lines: this one was cut */
        struct queued *q = push(r, EJ_PROBLEM, 0);
        static const char msg[] = "the log ends in the middle of a line (cut or still being written)";
        q->ev.line = q->ev.last_line = line;
        q->o_message = keep(q, msg, sizeof msg - 1);
        return;
    }
    if (lognorm_flush(r->norm, &held, &held_len))
        record_line(r, held, held_len, false); /* a docker line whose last record never came */
    flush_record(r);
}

unsigned
ejlog_forms(const struct ejlog *r)
{
    /* "12:00:00.000 [debug] x" is lager's console or Elixir's: Elixir's when its padded levels showed */
    if (r->forms & 1u << EJF_ELIXIR)
        return r->forms & ~(1u << EJF_LAGER_CONSOLE);
    return r->forms;
}

unsigned
ejlog_wrappers(const struct ejlog *r)
{
    return lognorm_seen(r->norm);
}

unsigned
ejlog_time_notes(const struct ejlog *r)
{
    return r->time_notes;
}

bool
ejlog_mongooseim(const struct ejlog *r)
{
    return r->mongooseim;
}

size_t
ejlog_unplaced(const struct ejlog *r, const struct ejlog_unplaced **out)
{
    *out = r->unplaced;
    return r->nunplaced;
}

bool
ejlog_next(struct ejlog *r, struct ejlog_event *out)
{
    if (!r->qlen)
        return false;
    /* swap the queued slot into |out| storage so its strings outlive the queue slot */
    struct queued *q = &r->queue[r->qhead];
    struct buf tmp = r->out.store;
    r->out = *q;
    q->store = tmp;
    if (q->store.cap > KEEP_STORE)
        buf_clear(&q->store);
    r->qhead = (r->qhead + 1) % r->qcap;
    r->qlen--;
    struct queued *o = &r->out;
    o->ev.pid = at(o, o->o_pid);
    o->ev.transport = at(o, o->o_transport);
    o->ev.data = at(o, o->o_data);
    o->ev.client = at(o, o->o_client);
    o->ev.server = at(o, o->o_server);
    o->ev.mech = at(o, o->o_mech);
    o->ev.user = at(o, o->o_user);
    o->ev.ip = at(o, o->o_ip);
    o->ev.reason = at(o, o->o_reason);
    o->ev.jid = at(o, o->o_jid);
    o->ev.message = at(o, o->o_message);
    o->ev.handler = at(o, o->o_handler);
    o->ev.sid = at(o, o->o_sid);
    o->ev.port = at(o, o->o_port);
    o->ev.receiver = at(o, o->o_receiver);
    *out = o->ev;
    return true;
}
