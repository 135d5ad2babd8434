/* jobs: the worker processes of a -j run and the loop that feeds their records to the merge. */
#include <config.h>
#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "interrupt.h"
#include "merge.h"
#include "source.h"
#include "shard.h"
#include "worker.h"
#include "xalloc.h"

/* The pipe from a worker: this much, so a worker rarely waits for the merge to read. */
#define PIPE_BYTES (1 << 20)
#define READ_CHUNK_BYTES (256 * 1024)

/* What the input at |path| is, from its first bytes (INPUT_UNKNOWN when it cannot be read). */
static enum input_type
peek_type(const char *path)
{
    char errbuf[256], head[4096];
    struct source *src = source_open(path, errbuf, sizeof errbuf);
    if (!src)
        return INPUT_UNKNOWN;
    size_t len = 0;
    while (len < sizeof head) {
        ssize_t r = source_read(src, head + len, sizeof head - len, errbuf, sizeof errbuf);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    source_close(src);
    return source_detect(head, len);
}

bool
jobs_possible(char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0 || (stat(paths[i], &st) == 0 && !S_ISREG(st.st_mode)))
            return false; /* read once only; a path that cannot be read is each worker's error */
    }
    /*
     * a capture and a log: the two sessions of a connection are keyed apart (a
     * TCP 4-tuple, a pid) and would land in different workers; one process
     * combines them (correlate.h)
     */
    bool capture = false, log = false;
    for (size_t i = 0; i < n; i++) {
        enum input_type t = peek_type(paths[i]);
        capture |= t == INPUT_PCAP || t == INPUT_PCAPNG;
        log |= t == INPUT_EJLOG;
    }
    return !(capture && log);
}

unsigned
jobs_default(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : cpus > JOBS_MAX ? JOBS_MAX : (unsigned)cpus;
}

/* One worker as the merging process sees it. */
struct job {
    pid_t pid;
    int from, to; /* its records, its verdicts; -1 once closed */
};

/* The worker process: analyses its part and sends it; never returns. */
static void __attribute__((noreturn))
work(unsigned index, unsigned count, int to_merge, int from_merge, const struct analyze_options *opt,
     const struct report_options *ropt, char *const *paths, size_t n)
{
    /*
     * Tests only: XMPPFLOW_TEST_SIGNAL_WORKER=K:SIG (K from 1, SIG KILL or INT):
     * worker K takes that signal before it reads anything.
     */
    const char *test = getenv("XMPPFLOW_TEST_SIGNAL_WORKER");
    char *sig;
    if (test && strtoul(test, &sig, 10) == index + 1 && *sig == ':')
        raise(strcmp(sig + 1, "INT") == 0 ? SIGINT : SIGKILL);
    struct shard part = {.index = index, .count = count};
    struct worker *w = worker_new(to_merge, from_merge, ropt->format, ropt->show_secrets);
    struct analyze_options o = *opt;
    o.shard = &part;
    o.worker = w;
    struct analyzer *a = analyzer_new(&o, NULL, NULL);
    struct input_info *infos = xcalloc(n ? n : 1, sizeof *infos);
    size_t failed = analyzer_run(a, paths, n, infos);
    worker_end(w, infos, n, failed);
    analyzer_free(a);
    worker_free(w);
    for (size_t i = 0; i < n; i++)
        input_info_clear(&infos[i]);
    free(infos);
    close(to_merge);
    close(from_merge);
    exit(0);
}

/* Starts |count| workers into |jobs|; returns how many started. */
static unsigned
start(struct job *jobs, unsigned count, const struct analyze_options *opt,
      const struct report_options *ropt, char *const *paths, size_t n)
{
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t parent = getpid();
    interrupt_before_fork(); /* a worker takes a stop from this side from its first moment */
    unsigned started = 0;
    for (unsigned k = 0; k < count; k++) {
        int up[2], down[2];
        if (pipe(up) != 0)
            break;
        if (pipe(down) != 0) {
            close(up[0]);
            close(up[1]);
            break;
        }
#ifdef F_SETPIPE_SZ
        (void)fcntl(up[1], F_SETPIPE_SZ, PIPE_BYTES);
#endif
        pid_t pid = fork();
        if (pid < 0) {
            close(up[0]);
            close(up[1]);
            close(down[0]);
            close(down[1]);
            break;
        }
        if (pid == 0) {
            interrupt_child_start();
#ifdef __linux__
            prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
            if (getppid() != parent)
                _exit(1);
            for (unsigned j = 0; j < started; j++) {
                close(jobs[j].from);
                close(jobs[j].to);
            }
            close(up[0]);
            close(down[1]);
            work(k, count, up[1], down[0], opt, ropt, paths, n);
        }
        close(up[1]);
        close(down[0]);
        fcntl(down[1], F_SETFL, fcntl(down[1], F_GETFL) | O_NONBLOCK);
        jobs[started++] = (struct job){.pid = pid, .from = up[0], .to = down[1]};
    }
    return started;
}

/*
 * Writes what can be written of |out| to |fd| without waiting; false when the
 * worker is gone (its verdicts are of no use then). A write to a pipe whose
 * reader died raises SIGPIPE: held back here and taken, so it ends nothing.
 */
static bool
send_some(int fd, struct buf *out)
{
    sigset_t pipe_only, old;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigprocmask(SIG_BLOCK, &pipe_only, &old);
    ssize_t n = write(fd, out->data, out->len);
    bool gone = n < 0 && errno == EPIPE;
    if (gone) {
        struct timespec none = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &none) == SIGPIPE)
            ;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (n > 0)
        buf_consume(out, (size_t)n);
    if (gone)
        buf_reset(out);
    return !gone;
}

/* Why worker |pid| ended, when it did not end well; NULL when it did. */
static const char *
reap(pid_t pid, char *why, size_t len)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status))
        snprintf(why, len, "was stopped by signal %d", WTERMSIG(status));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        snprintf(why, len, "ended with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    else
        return NULL;
    return why;
}

/* Moves records from the workers to the merge and verdicts back, until the merge is done. */
static void
run_merge(struct merge *m, struct job *jobs, unsigned count)
{
    struct pollfd *pfd = xcalloc(2 * count, sizeof *pfd);
    unsigned *who = xcalloc(2 * count, sizeof *who);
    char *chunk = xmalloc(READ_CHUNK_BYTES);
    while (!merge_done(m)) {
        nfds_t n = 0;
        for (unsigned k = 0; k < count; k++) {
            if (jobs[k].from >= 0 && merge_wants(m, k)) {
                pfd[n] = (struct pollfd){.fd = jobs[k].from, .events = POLLIN};
                who[n++] = k;
            }
            if (jobs[k].to >= 0 && merge_outbox(m, k)->len) {
                pfd[n] = (struct pollfd){.fd = jobs[k].to, .events = POLLOUT};
                who[n++] = k;
            }
        }
        if (n == 0)
            break; /* cannot happen: a worker the others wait for is always read */
        if (poll(pfd, n, -1) < 0)
            continue; /* a signal: forwarded to the workers, which end their part */
        for (nfds_t i = 0; i < n; i++) {
            unsigned k = who[i];
            if (!pfd[i].revents)
                continue;
            if (pfd[i].fd == jobs[k].to) {
                if (!send_some(jobs[k].to, merge_outbox(m, k))) {
                    close(jobs[k].to);
                    jobs[k].to = -1;
                }
                continue;
            }
            ssize_t got = read(jobs[k].from, chunk, READ_CHUNK_BYTES);
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got > 0) {
                merge_feed(m, k, chunk, (size_t)got);
                continue;
            }
            close(jobs[k].from);
            jobs[k].from = -1;
            if (jobs[k].to >= 0)
                close(jobs[k].to);
            jobs[k].to = -1;
            char why[64];
            merge_gone(m, k, reap(jobs[k].pid, why, sizeof why));
            jobs[k].pid = 0;
        }
    }
    free(chunk);
    free(who);
    free(pfd);
}

size_t
jobs_run(unsigned nworkers, const struct analyze_options *opt,
         const struct report_options *ropt, struct report_writer *w, struct summary *sm,
         char *const *paths, size_t n, struct input_info *infos)
{
    struct job *jobs = xcalloc(nworkers, sizeof *jobs);
    unsigned count = start(jobs, nworkers, opt, ropt, paths, n);
    pid_t *pids = xcalloc(nworkers, sizeof *pids);
    for (unsigned k = 0; k < count; k++)
        pids[k] = jobs[k].pid;
    /* SIGINT/SIGTERM here stop the workers; each ends what it has open and sends it */
    interrupt_forward_to(pids, count);
    struct merge *m = merge_new(nworkers, n, w, sm);
    for (unsigned k = count; k < nworkers; k++) /* fork() failed: their part is missing */
        merge_gone(m, k, "could not be started");
    run_merge(m, jobs, count);
    for (unsigned k = 0; k < count; k++) {
        char why[64];
        if (jobs[k].from >= 0) /* only if the merge gave up on it */
            close(jobs[k].from);
        if (jobs[k].to >= 0)
            close(jobs[k].to);
        if (jobs[k].pid)
            (void)reap(jobs[k].pid, why, sizeof why);
    }
    interrupt_forward_to(NULL, 0); /* their pids may be someone else's now */
    int signo;
    size_t failed = merge_finish(m, paths, infos, &signo);
    if (signo)
        interrupt_note(signo); /* a worker alone was signalled: the report says so too */
    merge_free(m);
    free(pids);
    free(jobs);
    return failed;
}
