/* worker: a -j worker's side of the records (see the header). */
#include <config.h>
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"
#include "xalloc.h"

/*
 * Every this many events the merge hears how far the worker got (the other
 * workers' ends wait for it), and the verdicts that came are taken: so at
 * most about this many events' ends wait for their verdicts (PENDING_MAX
 * bounds the rest).
 */
#define TICK_EVENTS 512
/* Records are written in pieces of about this size. */
#define OUT_CHUNK (64 * 1024)
/*
 * Ends waiting for their verdict, at most: past it the worker waits at the
 * end of an event (never inside one: the merge needs the event whole) until
 * half of them are judged. Each holds a finished login.
 */
#define PENDING_MAX 1024

/* A connection that ended and waits for its verdict. */
struct pending {
    struct login *login; /* NULL: judged (a verdict came out of the order of the ends) */
    unsigned local;
    enum login_end how;
    usec_t t;
};

/* The errors of one input placed so far. */
struct input_places {
    struct jobrec_place *places;
    size_t n;
    size_t stamped; /* errors of the input placed */
};

struct worker {
    int out_fd, in_fd;
    struct buf out;
    struct buf in; /* verdict bytes not read yet */
    enum report_format format;
    bool show_secrets;
    worker_session_end_fn *session_end; /* worker_attach */
    void *session_end_ctx;
    unsigned created;
    struct pending *pending; /* a ring, oldest first */
    size_t pending_head, pending_used, pending_cap;
    size_t npending;         /* waiting in it (not judged) */
    struct input_places *inputs;
    size_t ninputs;
    size_t input; /* the input being read */
    bool broken; /* the merge is gone: nothing more is sent */
};

struct worker *
worker_new(int out_fd, int in_fd, enum report_format format, bool show_secrets)
{
    struct worker *w = xcalloc(1, sizeof *w);
    w->out_fd = out_fd;
    w->in_fd = in_fd;
    w->format = format;
    w->show_secrets = show_secrets;
    return w;
}

void
worker_attach(struct worker *w, worker_session_end_fn *end, void *ctx)
{
    w->session_end = end;
    w->session_end_ctx = ctx;
}

void
worker_free(struct worker *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->pending_used; i++)
        login_free(w->pending[(w->pending_head + i) % w->pending_cap].login);
    free(w->pending);
    for (size_t i = 0; i < w->ninputs; i++)
        free(w->inputs[i].places);
    free(w->inputs);
    buf_clear(&w->out);
    buf_clear(&w->in);
    free(w);
}

void
worker_flush(struct worker *w)
{
    size_t done = 0;
    while (done < w->out.len && !w->broken) {
        ssize_t n = write(w->out_fd, w->out.data + done, w->out.len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            w->broken = true; /* the merge is gone: the run ends without this worker */
        else
            done += (size_t)n;
    }
    buf_reset(&w->out);
}

/* After a record: out with the pieces once there is enough. */
static void
sent(struct worker *w, size_t at)
{
    jobrec_end(&w->out, at);
    if (w->out.len >= OUT_CHUNK)
        worker_flush(w);
}

unsigned
worker_created(struct worker *w, uint64_t event)
{
    size_t at = jobrec_begin(&w->out, JR_CREATE);
    jobrec_u64(&w->out, event);
    sent(w, at);
    return w->created++;
}

void
worker_finished(struct worker *w, uint64_t event, enum end_phase phase, unsigned local,
                const struct cross_facts *f, struct login *l, enum login_end how, usec_t t)
{
    size_t at = jobrec_begin(&w->out, JR_FINISH);
    jobrec_u64(&w->out, event);
    jobrec_u8(&w->out, (unsigned)phase);
    jobrec_u32(&w->out, local);
    jobrec_put_facts(&w->out, f);
    sent(w, at);
    if (w->pending_used == w->pending_cap) {
        size_t cap = w->pending_cap ? 2 * w->pending_cap : 64;
        struct pending *p = xcalloc(cap, sizeof *p);
        for (size_t i = 0; i < w->pending_used; i++)
            p[i] = w->pending[(w->pending_head + i) % w->pending_cap];
        free(w->pending);
        w->pending = p;
        w->pending_cap = cap;
        w->pending_head = 0;
    }
    w->pending[(w->pending_head + w->pending_used++) % w->pending_cap] =
        (struct pending){.login = l, .local = local, .how = how, .t = t};
    w->npending++;
}

/* A JR_SILENT record: |kind| 0 for silent connections, 1 + enum flow_kind for the others. */
static void
send_uncounted(struct worker *w, uint64_t event, enum end_phase phase, unsigned kind, const char *key,
               const char *server, const long by_end[SILENT_END_COUNT], usec_t first, usec_t last)
{
    size_t at = jobrec_begin(&w->out, JR_SILENT);
    jobrec_u64(&w->out, event);
    jobrec_u8(&w->out, (unsigned)phase);
    jobrec_u8(&w->out, kind);
    for (int e = 0; e < SILENT_END_COUNT; e++)
        jobrec_u64(&w->out, (uint64_t)by_end[e]);
    jobrec_u64(&w->out, (uint64_t)first);
    jobrec_u64(&w->out, (uint64_t)last);
    jobrec_str(&w->out, key);
    jobrec_str(&w->out, server);
    sent(w, at);
}

void
worker_silent(struct worker *w, uint64_t event, enum end_phase phase, const char *key,
              const char *server, const long by_end[SILENT_END_COUNT], usec_t first, usec_t last)
{
    send_uncounted(w, event, phase, 0, key, server, by_end, first, last);
}

void
worker_flows(struct worker *w, uint64_t event, enum end_phase phase, enum flow_kind kind,
             const char *key, const char *server, long count, usec_t first, usec_t last)
{
    long by_end[SILENT_END_COUNT] = {count};
    send_uncounted(w, event, phase, 1 + (unsigned)kind, key, server, by_end, first, last);
}

void
worker_done(struct worker *w, const struct session *s, bool kept)
{
    size_t at = jobrec_begin(&w->out, JR_DONE);
    jobrec_u32(&w->out, s->id);
    jobrec_u8(&w->out, kept);
    if (kept) {
        struct summary_facts f;
        summary_facts_of(s, &f);
        jobrec_put_summary(&w->out, &f);
        /* rendered where it goes: a string field whose length is written after */
        size_t len_at = w->out.len;
        jobrec_u32(&w->out, 0);
        report_render_session(w->format, s, w->show_secrets, &w->out);
        uint32_t len = (uint32_t)(w->out.len - len_at - 4);
        for (int i = 0; i < 4; i++)
            w->out.data[len_at + (size_t)i] = (char)(len >> (8 * i));
    }
    sent(w, at);
}

static struct input_places *
places_of(struct worker *w, size_t input)
{
    if (input >= w->ninputs) {
        w->inputs = xreallocarray(w->inputs, input + 1, sizeof *w->inputs);
        memset(w->inputs + w->ninputs, 0, (input + 1 - w->ninputs) * sizeof *w->inputs);
        w->ninputs = input + 1;
    }
    return &w->inputs[input];
}

static void
place(struct input_places *ip, uint64_t event, enum note_kind kind, size_t index)
{
    ip->places = xgrow(ip->places, ip->n, sizeof *ip->places);
    ip->places[ip->n++] = (struct jobrec_place){.event = event, .kind = kind, .index = index};
}

void
worker_stamp(struct worker *w, const struct input_info *infos, size_t input, uint64_t event,
             enum note_kind kind)
{
    size_t nerrors = infos[input].nerrors;
    if (input < w->ninputs && w->inputs[input].stamped == nerrors)
        return; /* the usual case: nothing new */
    struct input_places *ip = places_of(w, input);
    for (; ip->stamped < nerrors; ip->stamped++)
        place(ip, event, kind, ip->stamped);
}

void
worker_time_total(struct worker *w, size_t input, uint64_t event, long count)
{
    place(places_of(w, input), event, NOTE_TIMETOTAL, (size_t)count);
}

/* The connection |local| that waits for its verdict (usually the oldest), out of the ring. */
static struct pending
take_pending(struct worker *w, unsigned local)
{
    struct pending found = {0};
    for (size_t i = 0; i < w->pending_used; i++) {
        struct pending *p = &w->pending[(w->pending_head + i) % w->pending_cap];
        if (p->login && p->local == local) {
            found = *p;
            p->login = NULL;
            w->npending--;
            break;
        }
    }
    while (w->pending_used && !w->pending[w->pending_head].login) {
        w->pending_head = (w->pending_head + 1) % w->pending_cap;
        w->pending_used--;
    }
    return found;
}

/*
 * Takes the verdicts that came, in order, and finishes their connections;
 * waits for more while more than |until| ends wait.
 */
static void
take_verdicts(struct worker *w, size_t until)
{
    for (;;) {
        size_t off = 0, n;
        enum jobrec_type type;
        struct jobrec_reader r;
        while (w->npending && (n = jobrec_next(w->in.data + off, w->in.len - off, &type, &r)) > 0) {
            off += n;
            unsigned local = jobrec_get_u32(&r), id = jobrec_get_u32(&r);
            struct cross_verdict v;
            jobrec_get_verdict(&r, &v);
            struct pending p = take_pending(w, local);
            if (p.login) {
                login_session(p.login)->id = id;
                w->session_end(w->session_end_ctx, p.login, &v, p.how, p.t);
            }
            cross_verdict_clear(&v);
        }
        buf_consume(&w->in, off);
        if (w->npending <= until || w->broken)
            return;
        /* the merge needs what was sent to judge what is waited for */
        worker_flush(w);
        char chunk[16384];
        ssize_t got = read(w->in_fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            w->broken = true;
            return;
        }
        buf_append(&w->in, chunk, (size_t)got);
    }
}

/* The verdicts already there, without waiting. */
static void
poll_verdicts(struct worker *w)
{
    for (;;) {
        struct pollfd pfd = {.fd = w->in_fd, .events = POLLIN};
        if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & (POLLIN | POLLHUP)))
            break;
        char chunk[16384];
        ssize_t got = read(w->in_fd, chunk, sizeof chunk);
        if (got <= 0)
            break;
        buf_append(&w->in, chunk, (size_t)got);
    }
    take_verdicts(w, SIZE_MAX);
}

static void
progress(struct worker *w, uint64_t next_event, size_t input)
{
    size_t at = jobrec_begin(&w->out, JR_PROGRESS);
    jobrec_u64(&w->out, next_event);
    jobrec_u32(&w->out, (uint32_t)input);
    jobrec_end(&w->out, at);
    worker_flush(w);
}

int
worker_tick(struct worker *w, uint64_t event, size_t input)
{
    w->input = input;
    progress(w, event + 1, input);
    poll_verdicts(w);
    if (w->npending >= PENDING_MAX)
        take_verdicts(w, PENDING_MAX / 2);
    return TICK_EVENTS;
}

void
worker_end(struct worker *w, const struct input_info *infos, size_t n, size_t failed)
{
    progress(w, UINT64_MAX, w->input);
    take_verdicts(w, 0);
    size_t at = jobrec_begin(&w->out, JR_END);
    jobrec_u64(&w->out, failed);
    jobrec_u32(&w->out, (uint32_t)interrupt_signal());
    jobrec_u32(&w->out, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        struct input_places *ip = places_of(w, i);
        jobrec_put_input(&w->out, &infos[i], ip->places, ip->n);
    }
    jobrec_end(&w->out, at);
    worker_flush(w);
}
