/*
 * analyze_pipe: reading captures split over two processes.
 *
 * A capture's work falls in two halves of about the same cost: the reader
 * half (libpcap, link/IP/TCP decoding, reassembly, TLS records, cutting the
 * XML stream into units) and the login half (parsing each unit into a tree,
 * the login state machine, checks, the report). On a machine with two cores
 * or more (and captures of 1 MiB or more, or on a pipe), a forked child runs
 * the reader half and sends what it finds down a shared-memory ring
 * (shmring.c); this process runs the login half on it. Nothing the child
 * sends points into its heap: elements go as their bytes and are parsed here
 * (framer_defer_elements); stream headers, few but costly to parse, are
 * parsed by the reader, which evens the halves, and go as the arena chunk of
 * their tree (stanza_flat), whose pointers this side moves over.
 *
 * The login half sees the very calls, in the very order, that it would see
 * in one process (cap_* below make them either way), so the report is the
 * same byte for byte; the tests run both ways. XMPPFLOW_SPLIT=0 in the
 * environment keeps everything in one process, XMPPFLOW_SPLIT=1 splits
 * whatever the size and the CPUs.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "analyze_impl.h"
#include "buf.h"
#include "interrupt.h"
#include "shmring.h"
#include "xalloc.h"

/* What goes down the pipe: one record per call of the login half. */
enum pipe_msg_type {
    PM_INPUT,     /* n0: index of the input now read */
    PM_OPEN,      /* a connection: n0 transport; s0 client, s1 server */
    PM_FRAME,     /* n0 direction | kind << 1 | xml_decl << 8 | outside << 9 | tree << 10 |
                     flat << 11 | damaged << 12 | restricted << 13; n1 offset; n2 size;
                     s0 message; s1 raw
                     bytes; when damaged, n3 gap_offset and n4 gap_bytes. With "tree"
                     (a parsed header): s0 its bindings (frame.raw), s1 the header, packed
                     (stanza_pack) or, with "flat", its arena chunk as it is (stanza_flat:
                     n3 the root's offset, n4 the chunk's address in the reader) */
    PM_PSEUDO,    /* n0 event; s0 detail */
    PM_MIDSTREAM, /* s0 detail */
    PM_HELLO,     /* s0 SNI, s1 ALPN */
    PM_TLS_VERSION, /* n0 version */
    PM_OPAQUE,
    PM_TRANSPORT, /* n0 transport */
    PM_FINISH,    /* n0 how; n1 saw_xml */
    PM_INFO_ERROR, /* n0 input index; n1 line; n2 packet; n3 offset; s0 message */
    PM_INFO,      /* n0 input index; n1 count; n2 size in bytes; n3 unusable; n4 evicted (after its errors) */
    PM_LAST_TIME, /* t: the latest packet time; n0 the signal that stopped the reader, or 0 */
    PM_SILENT,    /* n0 how; n1 first time; t last time; s0 server */
};

#define NO_STRING UINT32_MAX

struct pipe_msg {
    uint32_t type;
    uint32_t slot; /* the connection's number on the pipe */
    int64_t t;
    int64_t n[5];
    uint32_t len[2]; /* of s0 and s1, which follow (each with a NUL); NO_STRING: NULL */
};

/* The reader's end. */
struct pipe_out {
    struct shmring *ring;
    unsigned *free_slots; /* numbers of ended connections, for reuse */
    size_t nfree, cap_free;
    unsigned next_slot;
    struct buf packed; /* a header's tree, packed */
    /* tests only (XMPPFLOW_TEST_READER_DIES_AFTER=N): the reader kills itself after N records */
    long dies_after;
    long sent;
};

/* The login half's record of a connection. */
struct pipe_conn {
    struct login *login;
    struct frame_parser *parser[2];
};

static void
send_msg(struct analyzer *a, const struct pipe_msg *m, const char *s0, size_t l0, const char *s1,
         size_t l1)
{
    size_t n = sizeof *m + (s0 ? l0 + 1 : 0) + (s1 ? l1 + 1 : 0);
    char *p = shmring_reserve(a->pipe->ring, n);
    if (!p)
        _exit(1); /* the login side is gone: nobody to read for */
    memcpy(p, m, sizeof *m);
    struct pipe_msg *h = (struct pipe_msg *)p;
    h->len[0] = s0 ? (uint32_t)l0 : NO_STRING;
    h->len[1] = s1 ? (uint32_t)l1 : NO_STRING;
    char *o = p + sizeof *m;
    if (s0) {
        memcpy(o, s0, l0);
        o[l0] = '\0';
        o += l0 + 1;
    }
    if (s1) {
        memcpy(o, s1, l1);
        o[l1] = '\0';
    }
    shmring_commit(a->pipe->ring, n);
    if (++a->pipe->sent == a->pipe->dies_after) {
        shmring_flush(a->pipe->ring);
        raise(SIGKILL);
    }
}

static void
send_simple(struct analyzer *a, enum pipe_msg_type type, const struct conn *c, usec_t t, int64_t n0,
            int64_t n1, const char *s0, const char *s1)
{
    struct pipe_msg m = {.type = type, .slot = c ? c->pipe_slot : 0, .t = t, .n = {n0, n1, 0, 0}};
    send_msg(a, &m, s0, s0 ? strlen(s0) : 0, s1, s1 ? strlen(s1) : 0);
}

/* ---- the calls of the reader half ---- */

void
cap_open(struct analyzer *a, struct conn *c, const char *client, const char *server,
         enum transport transport)
{
    if (!a->pipe) {
        struct session *s = login_session(c->login);
        s->client = xstrdup(client);
        s->server = xstrdup(server);
        s->transport = transport;
        return;
    }
    struct pipe_out *po = a->pipe;
    if (po->nfree)
        c->pipe_slot = po->free_slots[--po->nfree];
    else
        c->pipe_slot = po->next_slot++;
    send_simple(a, PM_OPEN, c, 0, transport, 0, client, server);
}

void
cap_frame(struct analyzer *a, struct conn *c, int d, usec_t t, const struct frame *fr)
{
    if (!a->pipe) {
        login_frame(c->login, d ? 'S' : 'C', t, fr);
        return;
    }
    struct pipe_msg m = {
        .type = PM_FRAME,
        .slot = c->pipe_slot,
        .t = t,
        .n = {d | (int64_t)fr->kind << 1 | (int64_t)fr->xml_decl << 8 | (int64_t)fr->outside << 9 |
                  (int64_t)fr->restricted << 13,
              (int64_t)fr->offset, (int64_t)fr->size, 0},
    };
    if (fr->kind == FRAME_STREAM_OPEN && fr->el) {
        /* a header the framer parsed: its tree, its bindings as they came */
        const void *flat;
        size_t flat_len, root_off;
        if (stanza_flat(fr->el, &flat, &flat_len, &root_off)) {
            /* the tree's memory as it is: the other side moves the pointers */
            m.n[0] |= (int64_t)3 << 10;
            m.n[3] = (int64_t)root_off;
            m.n[4] = (int64_t)(uintptr_t)flat;
            send_msg(a, &m, fr->raw, fr->raw_len, flat, flat_len);
            return;
        }
        struct buf *tree = &a->pipe->packed;
        buf_reset(tree);
        stanza_pack(fr->el, tree);
        m.n[0] |= (int64_t)1 << 10;
        send_msg(a, &m, fr->raw, fr->raw_len, tree->data, tree->len);
        return;
    }
    if (fr->damaged) {
        m.n[0] |= (int64_t)1 << 12;
        m.n[3] = (int64_t)fr->gap_offset;
        m.n[4] = (int64_t)fr->gap_bytes;
    }
    send_msg(a, &m, fr->message, fr->message ? strlen(fr->message) : 0, fr->raw, fr->raw_len);
}

void
cap_silent(struct analyzer *a, const char *server, enum silent_end how, usec_t first, usec_t last)
{
    if (!a->pipe) {
        summary_add_silent(a->summary, server, how, first, last);
        return;
    }
    struct pipe_msg m = {.type = PM_SILENT, .t = last, .n = {how, first}};
    send_msg(a, &m, server, strlen(server), NULL, 0);
}

void
cap_pseudo(struct analyzer *a, struct conn *c, enum event ev, usec_t t, const char *detail)
{
    if (!a->pipe)
        login_pseudo(c->login, ev, t, detail);
    else
        send_simple(a, PM_PSEUDO, c, t, ev, 0, detail, NULL);
}

void
cap_midstream(struct analyzer *a, struct conn *c, usec_t t, const char *detail)
{
    if (!a->pipe)
        login_midstream(c->login, t, detail);
    else
        send_simple(a, PM_MIDSTREAM, c, t, 0, 0, detail, NULL);
}

void
cap_client_hello(struct analyzer *a, struct conn *c, usec_t t, const char *sni, const char *alpn)
{
    if (!a->pipe)
        login_client_hello(c->login, t, sni, alpn);
    else
        send_simple(a, PM_HELLO, c, t, 0, 0, sni, alpn);
}

void
cap_tls_version(struct analyzer *a, struct conn *c, unsigned version)
{
    if (!a->pipe)
        login_tls_version(c->login, version);
    else
        send_simple(a, PM_TLS_VERSION, c, 0, version, 0, NULL, NULL);
}

void
cap_opaque(struct analyzer *a, struct conn *c)
{
    if (!a->pipe)
        login_opaque(c->login);
    else
        send_simple(a, PM_OPAQUE, c, 0, 0, 0, NULL, NULL);
}

void
cap_transport(struct analyzer *a, struct conn *c, enum transport transport)
{
    if (!a->pipe)
        login_session(c->login)->transport = transport;
    else
        send_simple(a, PM_TRANSPORT, c, 0, transport, 0, NULL, NULL);
}

void
cap_finish(struct analyzer *a, struct conn *c, enum login_end how, usec_t t)
{
    if (!a->pipe) {
        login_side_finish(a, c->login, c->saw_xml, how, t);
        c->login = NULL;
        return;
    }
    send_simple(a, PM_FINISH, c, t, how, c->saw_xml, NULL, NULL);
    struct pipe_out *po = a->pipe;
    if (po->nfree == po->cap_free) {
        po->cap_free = po->cap_free ? po->cap_free * 2 : 64;
        po->free_slots = xreallocarray(po->free_slots, po->cap_free, sizeof *po->free_slots);
    }
    po->free_slots[po->nfree++] = c->pipe_slot;
}

/* The local name of the element whose bytes start at |raw|: "proceed" for "<tls:proceed ...". */
static bool
raw_local_name_is(const char *raw, size_t len, const char *want)
{
    size_t i = 1, start = 1;
    for (; i < len; i++) {
        char ch = raw[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '/' || ch == '>')
            break;
        if (ch == ':')
            start = i + 1;
    }
    size_t n = strlen(want);
    return len > 0 && raw[0] == '<' && i - start == n && memcmp(raw + start, want, n) == 0;
}

bool
cap_is_proceed(struct conn *c, const struct frame *fr)
{
    if (fr->el)
        return stanza_is(fr->el, "proceed", NS_TLS);
    if (!fr->raw || !raw_local_name_is(fr->raw, fr->raw_len, "proceed"))
        return false;
    /* the one element this side must understand: parse it here too */
    struct stanza *el = framer_parse_deferred(c->framer[1], fr);
    bool yes = el && stanza_is(el, "proceed", NS_TLS);
    stanza_free(el);
    return yes;
}

/* ---- the login half ---- */

struct pipe_in {
    struct pipe_conn *conns; /* by slot */
    size_t nconns;
    size_t input;            /* index of the input being read (the last PM_INPUT) */
    bool *heard;             /* by input index: the reader sent its info (errors) */
};

/* Errors this side holds for an input until the reader sends that input's info, whole. */
static void
forget_errors(struct input_info *info)
{
    for (size_t e = 0; e < info->nerrors; e++)
        free(info->errors[e].message);
    free(info->errors);
    info->errors = NULL;
    info->nerrors = 0;
}

/*
 * The reader's copy of infos[i] started as this side's (fork): what it sends
 * replaces this side's, from its first word on that input. An input the
 * reader never got to keeps what this side knew (errors from opening it).
 */
static struct input_info *
heard_of(struct pipe_in *pi, struct input_info *infos, size_t i)
{
    if (!pi->heard[i]) {
        pi->heard[i] = true;
        forget_errors(&infos[i]);
    }
    return &infos[i];
}

static struct pipe_conn *
slot_conn(struct pipe_in *pi, uint32_t slot)
{
    if (slot >= pi->nconns) {
        size_t n = pi->nconns ? pi->nconns : 64;
        while (n <= slot)
            n *= 2;
        pi->conns = xreallocarray(pi->conns, n, sizeof *pi->conns);
        memset(pi->conns + pi->nconns, 0, (n - pi->nconns) * sizeof *pi->conns);
        pi->nconns = n;
    }
    return &pi->conns[slot];
}

static void
end_conn(struct analyzer *a, struct pipe_conn *pc, bool saw_xml, enum login_end how, usec_t t)
{
    login_side_finish(a, pc->login, saw_xml, how, t);
    frame_parser_free(pc->parser[0]);
    frame_parser_free(pc->parser[1]);
    memset(pc, 0, sizeof *pc);
}

/* Runs one record through the login half. */
static void
apply(struct analyzer *a, struct pipe_in *pi, const struct pipe_msg *m, char *const *paths,
      struct input_info *infos)
{
    const char *s0 = m->len[0] == NO_STRING ? NULL : (const char *)(m + 1);
    const char *s1 = m->len[1] == NO_STRING ? NULL
                                            : (const char *)(m + 1) + (s0 ? m->len[0] + 1 : 0);
    struct pipe_conn *pc = m->type == PM_OPEN || m->type == PM_FRAME || m->type == PM_PSEUDO ||
                                   m->type == PM_MIDSTREAM || m->type == PM_HELLO ||
                                   m->type == PM_TLS_VERSION || m->type == PM_OPAQUE ||
                                   m->type == PM_TRANSPORT || m->type == PM_FINISH
                               ? slot_conn(pi, m->slot)
                               : NULL;
    if (pc && m->type != PM_OPEN && !pc->login)
        return; /* cannot happen: the reader opens before it speaks */
    switch ((enum pipe_msg_type)m->type) {
    case PM_INPUT:
        a->input_path = paths[m->n[0]];
        pi->input = (size_t)m->n[0];
        break;
    case PM_OPEN: {
        if (pc->login)
            end_conn(a, pc, false, LOGIN_END_INPUT_END, m->t);
        pc->login = login_side_new(a, "", 0);
        pc->parser[0] = frame_parser_new();
        pc->parser[1] = frame_parser_new();
        struct session *s = login_session(pc->login);
        s->client = xstrdup(s0 ? s0 : "");
        s->server = xstrdup(s1 ? s1 : "");
        s->transport = (enum transport)m->n[0];
        break;
    }
    case PM_FRAME: {
        int d = (int)(m->n[0] & 1);
        struct frame in = {
            .kind = (enum frame_kind)((m->n[0] >> 1) & 0x7f),
            .xml_decl = (m->n[0] >> 8) & 1,
            .outside = (m->n[0] >> 9) & 1,
            .offset = (size_t)m->n[1],
            .size = (size_t)m->n[2],
            .message = s0,
            .raw = s1,
            .raw_len = s1 ? m->len[1] : 0,
            .damaged = (m->n[0] >> 12) & 1,
            .restricted = (m->n[0] >> 13) & 1,
        };
        if (in.damaged) {
            in.gap_offset = (size_t)m->n[3];
            in.gap_bytes = (size_t)m->n[4];
        }
        struct stanza *tree = NULL;
        if ((m->n[0] >> 10) & 1) {
            if (!s1)
                tree = NULL;
            else if ((m->n[0] >> 11) & 1)
                tree = stanza_from_flat(s1, m->len[1], (size_t)m->n[3], (uintptr_t)m->n[4]);
            else
                tree = stanza_unpack(s1, m->len[1]);
            in.el = tree;
            in.message = NULL;
            in.raw = s0;
            in.raw_len = s0 ? m->len[0] : 0;
            if (!tree) { /* cannot happen: this process's own bytes */
                in.kind = FRAME_ERROR;
                in.message = "stream header lost on its way";
            }
        }
        struct frame out;
        if (frame_parser_parse(pc->parser[d], &in, &out))
            login_frame(pc->login, d ? 'S' : 'C', m->t, &out);
        stanza_free(tree);
        break;
    }
    case PM_PSEUDO:
        login_pseudo(pc->login, (enum event)m->n[0], m->t, s0);
        break;
    case PM_MIDSTREAM:
        login_midstream(pc->login, m->t, s0);
        break;
    case PM_HELLO:
        login_client_hello(pc->login, m->t, s0, s1);
        break;
    case PM_TLS_VERSION:
        login_tls_version(pc->login, (unsigned)m->n[0]);
        break;
    case PM_OPAQUE:
        login_opaque(pc->login);
        break;
    case PM_TRANSPORT:
        login_session(pc->login)->transport = (enum transport)m->n[0];
        break;
    case PM_FINISH:
        end_conn(a, pc, m->n[1] != 0, (enum login_end)m->n[0], m->t);
        break;
    case PM_INFO_ERROR:
        input_info_add_error(heard_of(pi, infos, (size_t)m->n[0]), s0 ? s0 : "", (long)m->n[1],
                             (long)m->n[2], m->n[3]);
        break;
    case PM_INFO: {
        struct input_info *info = heard_of(pi, infos, (size_t)m->n[0]);
        info->count = m->n[1];
        info->size_bytes = m->n[2];
        info->unusable = m->n[3] != 0;
        info->evicted = m->n[4];
        break;
    }
    case PM_LAST_TIME:
        if (m->t > a->last_time)
            a->last_time = m->t;
        interrupt_note((int)m->n[0]); /* the reader alone was signalled: the report says so too */
        break;
    case PM_SILENT:
        summary_add_silent(a->summary, s0 ? s0 : "", (enum silent_end)m->n[0], m->n[1], m->t);
        break;
    }
}

/* ---- the reader half (the child) ---- */

/* Sends infos[index] whole: the login half replaces its copy's errors with these. */
static void
send_info(struct analyzer *a, const struct input_info *info, size_t index)
{
    for (size_t e = 0; e < info->nerrors; e++) {
        const struct input_error *er = &info->errors[e];
        struct pipe_msg m = {.type = PM_INFO_ERROR,
                             .n = {(int64_t)index, er->line, er->packet, er->offset}};
        send_msg(a, &m, er->message, strlen(er->message), NULL, 0);
    }
    struct pipe_msg m = {.type = PM_INFO,
                         .n = {(int64_t)index, info->count, info->size_bytes, info->unusable,
                               info->evicted}};
    send_msg(a, &m, NULL, 0, NULL, 0);
}

static void
reader_half(struct analyzer *a, struct pending_input *ready, size_t n, char *const *paths,
            struct input_info *infos)
{
    for (size_t k = 0; k < n; k++) {
        send_simple(a, PM_INPUT, NULL, 0, (int64_t)ready[k].index, 0, NULL, NULL);
        if (interrupt_requested()) /* stopped (interrupt.h): the rest is not read */
            input_info_add_error(&infos[ready[k].index], "not read: interrupted", 0, 0, -1);
        else
            read_input(a, &ready[k], paths, infos);
        send_info(a, &infos[ready[k].index], ready[k].index);
    }
    struct pipe_msg m = {.type = PM_LAST_TIME, .t = a->last_time, .n = {interrupt_signal()}};
    send_msg(a, &m, NULL, 0, NULL, 0);
    finish_all(a, LOGIN_END_INPUT_END, a->last_time);
    shmring_close(a->pipe->ring);
}

void
analyzer_flush(void *arg)
{
    struct analyzer *a = arg;
    if (a->pipe)
        shmring_flush(a->pipe->ring); /* the other side writes the report */
    else
        report_flush(a->writer);
}

/* ---- the split ---- */

/* Below this many bytes of regular files, a second process costs more than it saves. */
#define SPLIT_MIN_BYTES ((long long)1 << 20)

static bool
split_wanted(struct pending_input *ready, size_t n, char *const *paths)
{
    const char *env = getenv("XMPPFLOW_SPLIT");
    if (env && strcmp(env, "1") == 0)
        return true; /* forced, even on one core: the tests run it */
    if (env && strcmp(env, "0") == 0)
        return false;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return false;
    /* a fork and a ring take ~0.3 ms: not worth it for a small file (batches of them) */
    long long bytes = 0;
    for (size_t k = 0; k < n && bytes < SPLIT_MIN_BYTES; k++) {
        struct stat st;
        const char *path = paths[ready[k].index];
        if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return true; /* a pipe, perhaps live: read and analyse side by side */
        bytes += st.st_size;
    }
    return bytes >= SPLIT_MIN_BYTES;
}

bool
run_captures_split(struct analyzer *a, struct pending_input *ready, size_t n, char *const *paths,
                   struct input_info *infos)
{
    if (!split_wanted(ready, n, paths))
        return false;
    size_t max_element = a->opt.limits.max_element ? a->opt.limits.max_element : 1024 * 1024;
    /* a record is at most an element, its message and a header; it may take half the ring */
    size_t need = 2 * (max_element + 64 * 1024);
    if (need < max_element || need > (size_t)256 * 1024 * 1024)
        return false; /* a huge --max-element: one process, no giant ring */
    struct shmring *ring = shmring_new(need);
    if (!ring)
        return false;
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t parent = getpid();
    interrupt_before_fork(); /* the child takes a stop from this side from its first moment */
    pid_t pid = fork();
    if (pid < 0) {
        interrupt_forward_to(0);
        shmring_free(ring);
        return false;
    }
    if (pid == 0) {
        interrupt_child_start();
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
        if (getppid() != parent)
            _exit(1);
        shmring_set_peer(ring, parent);
        struct pipe_out po = {.ring = ring};
        const char *dies = getenv("XMPPFLOW_TEST_READER_DIES_AFTER");
        if (dies)
            po.dies_after = strtol(dies, NULL, 10);
        a->pipe = &po;
        reader_half(a, ready, n, paths, infos);
        _exit(0);
    }
    /* this side reads nothing: the child owns the inputs from here */
    size_t ninfos = 0;
    for (size_t k = 0; k < n; k++)
        if (ready[k].index + 1 > ninfos)
            ninfos = ready[k].index + 1;
    a->reading_log = false; /* the logins made here are of captures */
    /* SIGINT/SIGTERM here stop the reader there; it ends what is open and closes the ring */
    interrupt_forward_to(pid);
    shmring_set_peer(ring, pid);
    /* the reader is behind, maybe waiting for live input: out with what is known */
    shmring_on_idle(ring, analyzer_flush, a);
    struct pipe_in pi = {.input = ready[0].index, .heard = xcalloc(ninfos, sizeof(bool))};
    const void *rec;
    size_t len;
    while ((rec = shmring_next(ring, &len)) != NULL) {
        apply(a, &pi, rec, paths, infos);
        shmring_release(ring);
    }
    int status = 0;
    bool broken = shmring_broken(ring);
    if (!shmring_peer_reaped(ring, &status))
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    interrupt_forward_to(0); /* its pid may be someone else's now */
    if (broken || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* the reader died: say so on its input, end what it left open */
        char msg[160];
        if (WIFSIGNALED(status))
            snprintf(msg, sizeof msg, "capture reader stopped by signal %d; the report is partial",
                     WTERMSIG(status));
        else
            snprintf(msg, sizeof msg, "capture reader stopped (status %d); the report is partial",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        /* on the input it was reading; exit status 3, not a quiet partial report */
        infos[pi.input].unusable = true;
        input_info_add_error(&infos[pi.input], msg, 0, 0, -1);
        for (size_t s = 0; s < pi.nconns; s++)
            if (pi.conns[s].login)
                end_conn(a, &pi.conns[s], true, LOGIN_END_INPUT_END, a->last_time);
    }
    for (size_t k = 0; k < n; k++)
        close_input(&ready[k]);
    free(pi.conns);
    free(pi.heard);
    shmring_free(ring);
    return true;
}
