/* report: result records, the run summary, names, and the writer dispatcher. */
#include <config.h>
#include "report.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report_impl.h"
#include "xalloc.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The writer dispatcher. jsonl writes each session as it ends. Text and json
 * write them in id order (the order their connections started) as soon as
 * every lower id is done (written, or dropped by a filter), so a finished
 * session waits only for the ones that started before it and are still open;
 * the document streams, and memory holds only that window. When more than
 * REORDER_MAX finished sessions wait (a connection open for days, many after
 * it), the lowest waiting one is written at once: memory stays bounded, the
 * order stays deterministic, and a still-open session with a lower id comes
 * out later, out of order. json items go to a temporary file first, because
 * "inputs" comes before "sessions" in the document and is known only at the
 * end; they are copied out behind it.
 */
#define REORDER_MAX 256
/* Ids done ahead of the next one to write, as a ring of bits. */
#define DONE_WINDOW (1u << 16)

struct report_writer {
    struct report_options opt; /* tool_version points to version below */
    char *version;
    FILE *out;
    unsigned next_id;          /* the lowest id neither written nor dropped */
    uint8_t *done;             /* DONE_WINDOW bits: ids in [next_id, next_id + DONE_WINDOW) done */
    struct session **waiting;  /* finished, not yet written: a min-heap by id */
    size_t nwaiting, capwaiting;
    size_t nwritten;
    FILE *items;               /* json: the session items so far (a temporary file) */
    bool failed;               /* a session could not be written */
};

struct report_writer *
report_writer_new(const struct report_options *opt, FILE *out)
{
    struct report_writer *w = xcalloc(1, sizeof(*w));
    w->opt = *opt;
    w->version = xstrdup(opt->tool_version && *opt->tool_version ? opt->tool_version : "unknown");
    w->opt.tool_version = w->version;
    w->out = out;
    w->next_id = 1;
    if (opt->format != REPORT_JSONL)
        w->done = xcalloc(DONE_WINDOW / 8, 1);
    return w;
}

static void
session_free(struct session *s)
{
    session_clear(s);
    free(s);
}

void
report_writer_free(struct report_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->nwaiting; i++)
        session_free(w->waiting[i]);
    free(w->waiting);
    free(w->done);
    if (w->items)
        fclose(w->items);
    free(w->version);
    free(w);
}

void
report_flush(struct report_writer *w)
{
    if (w && fflush(w->out) != 0)
        w->failed = true;
}

/* A temporary file for the json items, unlinked at once; NULL when none can be made. */
static FILE *
items_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/xmppflow-sessions.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+");
    if (!f)
        close(fd);
    return f;
}

/* Writes |s| out (text) or to the items (json) and frees it. */
static void
write_session(struct report_writer *w, struct session *s)
{
    int rc;
    if (w->opt.format == REPORT_TEXT) {
        rc = report_text_write_session(w->out, s, w->opt.show_secrets);
    } else {
        if (!w->items && !(w->items = items_file())) {
            fprintf(stderr, "xmppflow: cannot create a temporary file in %s: %s\n",
                    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", strerror(errno));
            w->failed = true;
        }
        rc = w->items ? report_json_session_item(w->items, s, w->opt.show_secrets,
                                                 w->nwritten == 0)
                      : -1;
    }
    if (rc < 0)
        w->failed = true;
    w->nwritten++;
    session_free(s);
}

static void
heap_push(struct report_writer *w, struct session *s)
{
    if (w->nwaiting == w->capwaiting) {
        w->capwaiting = w->capwaiting ? 2 * w->capwaiting : 16;
        w->waiting = xrealloc(w->waiting, w->capwaiting * sizeof(*w->waiting));
    }
    size_t i = w->nwaiting++;
    while (i > 0 && w->waiting[(i - 1) / 2]->id > s->id) {
        w->waiting[i] = w->waiting[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->waiting[i] = s;
}

static struct session *
heap_pop(struct report_writer *w)
{
    struct session *top = w->waiting[0], *last = w->waiting[--w->nwaiting];
    size_t i = 0, n = w->nwaiting;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && w->waiting[c + 1]->id < w->waiting[c]->id)
            c++;
        if (w->waiting[c]->id >= last->id)
            break;
        w->waiting[i] = w->waiting[c];
        i = c;
    }
    if (n)
        w->waiting[i] = last;
    return top;
}

static bool
done_bit(const struct report_writer *w, unsigned id)
{
    unsigned k = id % DONE_WINDOW;
    return w->done[k / 8] >> (k % 8) & 1;
}

static void
set_done_bit(struct report_writer *w, unsigned id, bool on)
{
    unsigned k = id % DONE_WINDOW;
    if (on)
        w->done[k / 8] |= (uint8_t)(1u << (k % 8));
    else
        w->done[k / 8] &= (uint8_t)~(1u << (k % 8));
}

/* Moves next_id over every done id, writing the waiting sessions in order. */
static void
advance(struct report_writer *w)
{
    while (done_bit(w, w->next_id)) {
        set_done_bit(w, w->next_id, false);
        if (w->nwaiting && w->waiting[0]->id == w->next_id)
            write_session(w, heap_pop(w));
        w->next_id++;
    }
}

/* Writes the lowest waiting session now, as if every id below it were done. */
static void
force_one(struct report_writer *w)
{
    struct session *s = heap_pop(w);
    for (; w->next_id < s->id; w->next_id++)
        set_done_bit(w, w->next_id, false);
    write_session(w, s);
    set_done_bit(w, w->next_id, false);
    w->next_id++;
    advance(w);
}

/* Id |id| is done (|s| its session, or NULL when it was dropped). */
static void
id_done(struct report_writer *w, unsigned id, struct session *s)
{
    if (id < w->next_id) { /* its turn was passed by force_one: out of order */
        if (s)
            write_session(w, s);
        return;
    }
    while (id - w->next_id >= DONE_WINDOW && w->nwaiting)
        force_one(w);
    if (id - w->next_id >= DONE_WINDOW) { /* nothing waits: jump ahead */
        memset(w->done, 0, DONE_WINDOW / 8);
        w->next_id = id;
    }
    set_done_bit(w, id, true);
    if (s)
        heap_push(w, s);
    advance(w);
    while (w->nwaiting > REORDER_MAX)
        force_one(w);
}

void
report_session(struct report_writer *w, struct session *s)
{
    if (w->opt.format == REPORT_JSONL) {
        if (report_json_write_session_line(w->out, s, w->opt.show_secrets, !w->opt.hold_lines) < 0)
            w->failed = true;
        session_free(s);
        return;
    }
    id_done(w, s->id, s);
}

void
report_skip(struct report_writer *w, unsigned id)
{
    if (w->opt.format != REPORT_JSONL)
        id_done(w, id, NULL);
}

int
report_finish(struct report_writer *w, const struct input_info *inputs, size_t ninputs,
              const struct summary *sm)
{
    static const struct summary empty;
    while (w->nwaiting)
        force_one(w);
    struct report_run run = {
        .opt = &w->opt,
        .nsessions = w->nwritten,
        .items = w->items,
        .inputs = ninputs ? inputs : NULL,
        .ninputs = inputs ? ninputs : 0,
        .summary = sm ? sm : &empty,
    };
    int rc;
    switch (w->opt.format) {
    case REPORT_JSON:
        rc = report_json_write_document(w->out, &run);
        break;
    case REPORT_JSONL:
        rc = report_json_write_last_line(w->out, &run);
        break;
    case REPORT_TEXT:
    default:
        rc = report_text_write_end(w->out, &run);
        break;
    }
    if (fflush(w->out) != 0 || ferror(w->out))
        rc = -1;
    return w->failed ? -1 : rc;
}
