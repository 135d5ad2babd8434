/*
 * analyze: the driver. Opens the inputs, recognises and orders them, and hands
 * each to its feed (feed.h), which fills the connection table (conn_table.h).
 */
#include <config.h>
#include "analyze.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_table.h"
#include "correlate.h"
#include "crosscheck.h"
#include "ejlog.h"
#include "feed.h"
#include "fileset.h"
#include "http_handlers.h"
#include "log_link.h"
#include "interrupt.h"
#include "logscope.h"
#include "worker.h"
#include "xalloc.h"

/* A -j worker's verdicts come back to the connection table. */
static void
session_end_of_verdict(void *analyzer, struct login *l, const struct cross_verdict *v,
                       enum login_end how, usec_t t)
{
    analyzer_session_end(analyzer, l, v, how, t);
}

struct analyzer *
analyzer_new(const struct analyze_options *opt, struct report_writer *w, struct summary *sm)
{
    struct analyzer *a = xcalloc(1, sizeof *a);
    a->opt = *opt;
    a->memory_every = 512;
    a->writer = w;
    a->summary = sm;
    memset(a->tomb_slot, 0xff, sizeof a->tomb_slot); /* all empty (-1) */
    a->cross = crosscheck_new();
    a->opt.limits.budget = framer_budget_new(&a->opt.limits); /* the framers' unfinished units */
    xmpp_ports_init(a);
    if (opt->worker)
        worker_attach(opt->worker, session_end_of_verdict, a);
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
    correlator_free(a->correlator);
    crosscheck_free(a->cross);
    logscope_free(a);
    http_handlers_free(a->http_handlers);
    log_link_free(a->log_link);
    framer_budget_free(a->opt.limits.budget);
    free(a->table);
    free(a->table_hash);
    free(a->syns);
    free(a);
}

/* An input opened and recognised, waiting for its turn. */
struct pending_input {
    size_t index;       /* in the command line */
    struct source *src; /* NULL: closed, reopened when its turn comes */
    char *head;         /* the first bytes, already read for detection */
    size_t head_len;
    enum input_type type;
    usec_t first_time;  /* logs: time of the first record */
    size_t set;         /* its rotated set (fileset.h) */
};

/* What an input gets in its errors when SIGINT/SIGTERM came before it was read. */
#define NOT_READ "not read: interrupted"

/* Opens |path|, reads enough to recognise it; false (with the reason in |info|) when unusable. */
static bool
open_input(struct analyzer *a, const char *path, struct input_info *info, struct pending_input *in)
{
    char errbuf[256];
    info->path = xstrdup(path);
    info->size_bytes = -1;
    if (fileset_is_dir(path)) {
        input_info_add_error(info, "a directory with no ejabberd log or capture in it "
                                   "(its subdirectories are not read)", 0, 0, -1);
        return false;
    }
    in->src = source_open(path, errbuf, sizeof errbuf);
    if (!in->src) {
        /* a named pipe waits in open() for its writer: a signal ends that wait */
        input_info_add_error(info, interrupt_requested() ? NOT_READ : errbuf, 0, 0, -1);
        return false;
    }
    /* up to the first complete line (a pipe may deliver it slowly) or 4 KiB */
    in->head = xmalloc(READ_CHUNK);
    bool read_failed = false;
    while (in->head_len < 4096 && !memchr(in->head, '\n', in->head_len) &&
           !memchr(in->head, '\r', in->head_len)) {
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
    in->type = source_detect(in->head, in->head_len);
    char seen[512], mismatch[640];
    source_describe(in->head, in->head_len, seen, sizeof seen);
    const char *why = NULL;
    if (in->head_len == 0 && interrupt_requested()) {
        why = NOT_READ;
    } else if (read_failed && in->head_len == 0) {
        why = errbuf;
    } else if (in->head_len == 0) {
        why = "empty input: neither an ejabberd log nor a capture";
    } else if (a->opt.forced == INPUT_EJLOG && in->type != INPUT_EJLOG) {
        if (in->type == INPUT_UNKNOWN) {
            /* a log whose first lines are not records (a long preamble): its lines tell */
            in->type = INPUT_EJLOG;
        } else {
            snprintf(mismatch, sizeof mismatch, "--input log, but this is %s, not an ejabberd log",
                     seen);
            why = mismatch;
        }
    } else if (a->opt.forced == INPUT_PCAP && in->type != INPUT_PCAP && in->type != INPUT_PCAPNG) {
        snprintf(mismatch, sizeof mismatch,
                 "--input pcap, but this is %s, not a pcap or pcapng capture", seen);
        why = mismatch;
    } else if (in->type == INPUT_UNKNOWN) {
        snprintf(mismatch, sizeof mismatch, "not an ejabberd log or a pcap/pcapng capture: %s",
                 seen);
        why = mismatch;
    }
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
    usec_t t;
    if (ejlog_head_first_time(in->head, in->head_len, &t))
        in->first_time = t;
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

/*
 * Puts |ready| (|n|) in reading order: rotated sets by their suffixes, checked
 * against their first records (fileset.h); a file whose suffix and first
 * record disagree gets an error saying it was read in time order.
 */
static void
order_inputs(struct pending_input *ready, size_t n, char *const *paths, struct input_info *infos)
{
    struct fileset_member *m = xcalloc(n ? n : 1, sizeof *m);
    for (size_t k = 0; k < n; k++)
        m[k] = (struct fileset_member){.path = paths[ready[k].index],
                                       .is_log = ready[k].type == INPUT_EJLOG,
                                       .first_time = ready[k].first_time,
                                       .index = k};
    fileset_order(m, n);
    struct pending_input *sorted = xcalloc(n ? n : 1, sizeof *sorted);
    for (size_t k = 0; k < n; k++) {
        sorted[k] = ready[m[k].index];
        sorted[k].set = m[k].set;
        if (m[k].disagrees)
            input_info_add_error(&infos[sorted[k].index],
                                 "its rotation suffix and its first record's time disagree "
                                 "with the other files of its set: read in the order of their times",
                                 0, 0, -1);
    }
    memcpy(ready, sorted, n * sizeof *ready);
    free(sorted);
    free(m);
}

void
analyzer_flush(void *arg)
{
    struct analyzer *a = arg;
    if (a->opt.worker)
        worker_flush(a->opt.worker);
    else
        report_flush(a->writer);
}

/* Reads |in| (paths[in->index], filling infos[in->index]) and closes it. */
static void
read_input(struct analyzer *a, struct pending_input *in, char *const *paths, struct input_info *infos)
{
    struct input_info *info = &infos[in->index];
    a->input_path = paths[in->index];
    a->cur_info = info;
    if (!in->src) {
        char errbuf[256];
        in->src = source_open(paths[in->index], errbuf, sizeof errbuf);
        in->head_len = 0;
        if (!in->src) {
            char msg[320];
            snprintf(msg, sizeof msg, "cannot reopen: %s", errbuf);
            input_info_add_error(info, msg, 0, 0, -1);
            event_end(a);
            return;
        }
    }
    source_on_wait(in->src, analyzer_flush, a);
    logscope_input(a, in->set);
    if (in->type == INPUT_EJLOG)
        run_log(a, in->src, in->head ? in->head : "", in->head_len, info);
    else
        run_capture(a, in->src, in->head ? in->head : "", in->head_len, info);
    info->size_bytes = source_raw_bytes(in->src);
    close_input(in);
    event_end(a); /* the end of the input is an event of its own */
}

/* A -j worker: every error of the |n| inputs not placed yet happened now. */
static void
stamp_all(struct analyzer *a, size_t n)
{
    for (size_t i = 0; a->opt.worker && i < n; i++)
        worker_stamp(a->opt.worker, a->infos, i, a->event, NOTE_GLOBAL);
}

/*
 * A capture and a log among the inputs: they may show the same connections,
 * whose two sessions are made one (correlate.h). A -j run with both is one
 * process (jobs_possible), so a worker never has one.
 */
static void
start_correlation(struct analyzer *a, const struct pending_input *in, size_t n)
{
    bool capture = false, log = false;
    for (size_t k = 0; k < n; k++) {
        if (in[k].type == INPUT_EJLOG)
            log = true;
        else
            capture = true;
    }
    if (capture && log && !a->opt.worker) {
        struct correlate_sink sink = {analyzer_report, analyzer_skip, a};
        a->correlator = correlator_new(&sink);
    }
}

size_t
analyzer_run(struct analyzer *a, char *const *paths, size_t n, struct input_info *infos)
{
    size_t failed = 0, nready = 0;
    struct pending_input *ready = xcalloc(n ? n : 1, sizeof *ready);
    a->infos = infos;
    for (size_t i = 0; i < n; i++) {
        memset(&infos[i], 0, sizeof infos[i]);
        struct pending_input in = {.index = i};
        if (interrupt_requested()) {
            infos[i].path = xstrdup(paths[i]);
            infos[i].size_bytes = -1;
            input_info_add_error(&infos[i], NOT_READ, 0, 0, -1);
            continue;
        }
        if (!open_input(a, paths[i], &infos[i], &in)) {
            failed++;
            close_input(&in);
            continue;
        }
        /*
         * batch runs pass thousands of files: reopen each in turn, except standard
         * input and named pipes, whose first bytes, already read, would be lost
         */
        if (strcmp(paths[i], "-") != 0 && !source_is_live(in.src))
            close_input(&in);
        ready[nready++] = in;
    }
    order_inputs(ready, nready, paths, infos);
    start_correlation(a, ready, nready);
    stamp_all(a, n); /* the errors of opening, at event 0 */
    a->event++;
    for (size_t k = 0; k < nready; k++) {
        if (interrupt_requested()) {
            /* SIGINT/SIGTERM: the rest is not read; what was read is reported */
            input_info_add_error(&infos[ready[k].index], NOT_READ, 0, 0, -1);
            close_input(&ready[k]);
            continue;
        }
        read_input(a, &ready[k], paths, infos);
    }
    for (size_t j = 0; j < nready; j++)
        if (infos[ready[j].index].unusable)
            failed++;
    stamp_all(a, n);
    finish_all(a, LOGIN_END_INPUT_END, a->last_time);
    if (a->correlator) {
        correlator_finish(a->correlator, a->summary);
        correlator_free(a->correlator);
        a->correlator = NULL;
    }
    free(ready);
    return failed;
}
