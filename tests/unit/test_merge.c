/*
 * Unit tests for merge.c: records of several workers, as worker.c writes
 * them, replayed in the order of one process: session numbers by beginning,
 * verdicts (with the checks across connections) by end, sessions written by
 * end (jsonl) or by number (text), the summary, the inputs' errors in event
 * order, and a worker that is lost.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "jobrec.h"
#include "merge.h"

/* A merge of |n| workers writing |format| to a temporary file. */
struct run {
    struct merge *m;
    struct report_writer *w;
    struct summary *sm;
    FILE *out;
};

static void
run_init(struct run *r, unsigned n, enum report_format format)
{
    r->out = tmpfile();
    cr_assert_not_null(r->out);
    struct report_options o = {.format = format, .tool_version = "test"};
    r->w = report_writer_new(&o, r->out);
    r->sm = summary_new();
    r->m = merge_new(n, 1, r->w, r->sm);
}

/* The report so far (or whole after report_finish); the caller frees it. */
static char *
written(struct run *r)
{
    fflush(r->out);
    long n = ftell(r->out);
    char *s = calloc(1, (size_t)n + 1);
    rewind(r->out);
    cr_assert_eq(fread(s, 1, (size_t)n, r->out), (size_t)n);
    return s;
}

static void
run_free(struct run *r)
{
    merge_free(r->m);
    report_writer_free(r->w);
    summary_free(r->sm);
    fclose(r->out);
}

static void
feed(struct run *r, unsigned k, struct buf *b)
{
    merge_feed(r->m, k, b->data, b->len);
    buf_reset(b);
}

static void
create(struct buf *b, uint64_t event)
{
    size_t at = jobrec_begin(b, JR_CREATE);
    jobrec_u64(b, event);
    jobrec_end(b, at);
}

static void
finish(struct buf *b, uint64_t event, enum end_phase phase, unsigned local,
       const struct cross_facts *f)
{
    static const struct cross_facts none;
    size_t at = jobrec_begin(b, JR_FINISH);
    jobrec_u64(b, event);
    jobrec_u8(b, (unsigned)phase);
    jobrec_u32(b, local);
    jobrec_put_facts(b, f ? f : &none);
    jobrec_end(b, at);
}

static void
progress(struct buf *b, uint64_t event)
{
    size_t at = jobrec_begin(b, JR_PROGRESS);
    jobrec_u64(b, event);
    jobrec_u32(b, 0);
    jobrec_end(b, at);
}

/* A finished session |id|, rendered as |text|; mechanism |mech| for the summary. */
static void
done(struct buf *b, unsigned id, const char *text, const char *mech)
{
    size_t at = jobrec_begin(b, JR_DONE);
    jobrec_u32(b, id);
    jobrec_u8(b, text != NULL);
    if (text) {
        struct summary_facts f = {.outcome = OUTCOME_ESTABLISHED, .mechanism = mech, .to_bound = -1};
        jobrec_put_summary(b, &f);
        jobrec_str(b, text);
    }
    jobrec_end(b, at);
}

/* The verdicts the merge has for worker |k|: their session numbers and first findings' messages. */
static size_t
verdicts(struct run *r, unsigned k, unsigned *ids, char messages[][256], size_t max)
{
    struct buf *out = merge_outbox(r->m, k);
    size_t n = 0, off = 0, len;
    enum jobrec_type type;
    struct jobrec_reader rd;
    while (n < max && (len = jobrec_next(out->data + off, out->len - off, &type, &rd)) > 0) {
        cr_expect_eq(type, JR_VERDICT);
        (void)jobrec_get_u32(&rd); /* the connection's number in the worker */
        ids[n] = jobrec_get_u32(&rd);
        struct cross_verdict v;
        jobrec_get_verdict(&rd, &v);
        if (v.nfound)
            snprintf(messages[n], 256, "%u %u %.*s", v.found[0].n[0], v.found[0].n[1],
                     (int)v.found[0].len[0], v.found[0].text[0] ? v.found[0].text[0] : "");
        else
            messages[n][0] = '\0';
        cross_verdict_clear(&v);
        n++;
        off += len;
    }
    buf_reset(out);
    return n;
}

Test(merge, sessions_are_numbered_by_beginning_and_written_by_end)
{
    struct run r;
    run_init(&r, 2, REPORT_JSONL);
    struct buf b = {0};
    /* worker 0: a connection from event 1 to 5; worker 1: one from event 2 to 3 */
    create(&b, 1);
    finish(&b, 5, END_EVENT, 0, NULL);
    progress(&b, 6);
    feed(&r, 0, &b);
    unsigned ids[4];
    char msgs[4][256];
    cr_expect_eq(verdicts(&r, 0, ids, msgs, 4), 0u, "worker 1 may still begin one before event 5");
    create(&b, 2);
    finish(&b, 3, END_EVENT, 0, NULL);
    progress(&b, 4);
    feed(&r, 1, &b);
    cr_assert_eq(verdicts(&r, 1, ids, msgs, 4), 1u);
    cr_expect_eq(ids[0], 2u, "began second");
    cr_expect_eq(verdicts(&r, 0, ids, msgs, 4), 0u, "worker 1 is not past event 5 yet");
    progress(&b, 10);
    feed(&r, 1, &b);
    cr_assert_eq(verdicts(&r, 0, ids, msgs, 4), 1u);
    cr_expect_eq(ids[0], 1u, "began first");
    /* worker 0's comes back first, but worker 1's ended first */
    done(&b, 1, "{\"id\":1}\n", "PLAIN");
    feed(&r, 0, &b);
    char *s = written(&r);
    cr_expect_str_eq(s, "", "waits for the session that ended before");
    free(s);
    done(&b, 2, "{\"id\":2}\n", "SCRAM-SHA-1");
    feed(&r, 1, &b);
    s = written(&r);
    cr_expect_str_eq(s, "{\"id\":2}\n{\"id\":1}\n");
    free(s);
    cr_expect_eq(r.sm->sessions, 2);
    cr_assert_eq(r.sm->nby_mechanism, 2u);
    cr_expect_str_eq(r.sm->by_mechanism[0].name, "SCRAM-SHA-1", "first seen in the order of the ends");
    merge_gone(r.m, 0, "killed");
    merge_gone(r.m, 1, "killed");
    cr_expect(merge_done(r.m));
    buf_clear(&b);
    run_free(&r);
}

Test(merge, text_goes_by_number_and_many_ends_at_once_by_number)
{
    struct run r;
    run_init(&r, 2, REPORT_TEXT);
    struct buf b0 = {0}, b1 = {0};
    create(&b0, 1);  /* id 1 */
    create(&b1, 2);  /* id 2 */
    create(&b0, 3);  /* id 3 */
    /* the run ends: every open connection ends at one event, in session order whatever the worker */
    finish(&b1, 9, END_ALL, 0, NULL);
    finish(&b0, 9, END_ALL, 1, NULL);
    finish(&b0, 9, END_ALL, 0, NULL);
    progress(&b0, UINT64_MAX);
    progress(&b1, UINT64_MAX);
    feed(&r, 0, &b0);
    feed(&r, 1, &b1);
    unsigned ids[4];
    char msgs[4][256];
    cr_assert_eq(verdicts(&r, 0, ids, msgs, 4), 2u);
    cr_expect_eq(ids[0], 1u, "judged in session order, whatever order the worker sent them in");
    cr_expect_eq(ids[1], 3u);
    cr_assert_eq(verdicts(&r, 1, ids, msgs, 4), 1u);
    cr_expect_eq(ids[0], 2u);
    done(&b1, 2, "Session 2\n", "PLAIN");
    feed(&r, 1, &b1);
    done(&b0, 1, NULL, NULL); /* dropped by a filter */
    done(&b0, 3, "Session 3\n", "PLAIN");
    feed(&r, 0, &b0);
    char *s = written(&r);
    cr_expect_str_eq(s, "Session 2\nSession 3\n");
    free(s);
    cr_expect_eq(r.sm->sessions, 2);
    buf_clear(&b0);
    buf_clear(&b1);
    run_free(&r);
}

Test(merge, checks_across_connections_see_every_worker_in_order)
{
    struct run r;
    run_init(&r, 2, REPORT_JSONL);
    struct buf b0 = {0}, b1 = {0};
    /* a stream management session replaced: the old stream on worker 0, the resumption on worker 1 */
    struct cross_facts old = {.server_error = "conflict", .server_error_seq = 9, .sm_id = "sm-42"};
    struct cross_facts resumed = {.resumed_from = "sm-42", .resumed_seq = 4};
    create(&b0, 1);
    create(&b1, 2);
    finish(&b0, 3, END_EVENT, 0, &old);
    finish(&b1, 4, END_EVENT, 0, &resumed);
    progress(&b0, 10);
    progress(&b1, 10);
    feed(&r, 0, &b0);
    feed(&r, 1, &b1);
    unsigned ids[2];
    char msgs[2][256];
    cr_assert_eq(verdicts(&r, 0, ids, msgs, 2), 1u);
    cr_expect_str_eq(msgs[0], "", "the old stream ends first: nothing yet");
    cr_assert_eq(verdicts(&r, 1, ids, msgs, 2), 1u);
    cr_expect_str_eq(msgs[0], "0 1 sm-42",
                     "a resumption (not the conflict) of sm-42, the other worker's session 1");
    buf_clear(&b0);
    buf_clear(&b1);
    run_free(&r);
}

/* An END record of worker with one input: |n| notes of (event, kind, message or count). */
static void
end(struct buf *b, const struct input_info *info, const struct jobrec_place *places, size_t n)
{
    size_t at = jobrec_begin(b, JR_END);
    jobrec_u64(b, 0);
    jobrec_u32(b, 0);
    jobrec_u32(b, 1);
    jobrec_put_input(b, info, places, n);
    jobrec_end(b, at);
}

Test(merge, input_errors_are_placed_by_event)
{
    struct run r;
    run_init(&r, 2, REPORT_JSONL);
    struct buf b = {0};
    /* both workers see the damaged line (worker 0's copy is kept); each its own clock setbacks */
    struct input_info w0 = {.type = INPUT_EJLOG, .count = 10, .evicted = 1};
    input_info_add_error(&w0, "damaged line 4", 4, 0, -1);
    for (int i = 0; i < 4; i++)
        input_info_add_error(&w0, "setback of worker 0", 10 + i, 0, -1);
    struct jobrec_place p0[] = {
        {.event = 4, .kind = NOTE_GLOBAL, .index = 0},
        {.event = 10, .kind = NOTE_TIMEBACK, .index = 1},
        {.event = 11, .kind = NOTE_TIMEBACK, .index = 2},
        {.event = 12, .kind = NOTE_TIMEBACK, .index = 3},
        {.event = 13, .kind = NOTE_TIMEBACK, .index = 4},
        {.event = 20, .kind = NOTE_TIMETOTAL, .index = 4},
    };
    struct input_info w1 = {.type = INPUT_EJLOG, .count = 10, .evicted = 2};
    input_info_add_error(&w1, "damaged line 4", 4, 0, -1);
    input_info_add_error(&w1, "setback of worker 1", 2, 0, -1);
    input_info_add_error(&w1, "setback of worker 1", 15, 0, -1);
    input_info_add_error(&w1, "truncated payload", 16, 0, -1);
    struct jobrec_place p1[] = {
        {.event = 4, .kind = NOTE_GLOBAL, .index = 0},
        {.event = 2, .kind = NOTE_TIMEBACK, .index = 1},
        {.event = 15, .kind = NOTE_TIMEBACK, .index = 2},
        {.event = 16, .kind = NOTE_OWN, .index = 3},
        {.event = 20, .kind = NOTE_TIMETOTAL, .index = 2},
    };
    end(&b, &w0, p0, sizeof p0 / sizeof p0[0]);
    feed(&r, 0, &b);
    end(&b, &w1, p1, sizeof p1 / sizeof p1[0]);
    feed(&r, 1, &b);
    merge_gone(r.m, 0, NULL);
    merge_gone(r.m, 1, NULL);
    cr_assert(merge_done(r.m));
    char *paths[] = {"x.log"};
    struct input_info info;
    int signo;
    cr_expect_eq(merge_finish(r.m, paths, &info, &signo), 0u);
    cr_expect_eq(signo, 0);
    cr_expect_eq(info.evicted, 3);
    cr_expect_str_eq(info.path, "x.log");
    cr_assert_eq(info.nerrors, 8u);
    static const long lines[] = {2, 4, 10, 11, 12, 13, 16, 0};
    for (size_t i = 0; i < 8; i++)
        cr_expect_eq(info.errors[i].line, lines[i], "error %zu: %s", i, info.errors[i].message);
    cr_expect_str_eq(info.errors[7].message,
                     "6 events in all dated before their connection's previous one");
    input_info_clear(&info);
    input_info_clear(&w0);
    input_info_clear(&w1);
    buf_clear(&b);
    run_free(&r);
}

Test(merge, a_lost_worker_is_an_error_and_its_sessions_are_left_out)
{
    struct run r;
    run_init(&r, 2, REPORT_TEXT);
    struct buf b = {0};
    create(&b, 1);
    finish(&b, 2, END_EVENT, 0, NULL);
    progress(&b, UINT64_MAX);
    feed(&r, 0, &b);
    merge_gone(r.m, 1, "was stopped by signal 9");
    unsigned ids[2];
    char msgs[2][256];
    cr_assert_eq(verdicts(&r, 0, ids, msgs, 2), 1u, "the others go on without it");
    merge_gone(r.m, 0, "was stopped by signal 9"); /* its session was judged, never sent back */
    cr_expect(merge_done(r.m));
    char *paths[] = {"c.pcap"};
    struct input_info info;
    int signo;
    cr_expect_eq(merge_finish(r.m, paths, &info, &signo), 1u, "an input could not be analysed");
    cr_expect(info.unusable);
    cr_assert_eq(info.nerrors, 2u);
    cr_expect_str_eq(info.errors[0].message,
                     "worker 1 of 2 was stopped by signal 9; the report lacks its connections");
    input_info_clear(&info);
    buf_clear(&b);
    run_free(&r);
}
