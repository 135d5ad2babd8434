/* test_shmring: the record ring shared across fork(), one writer process and one reader. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "shmring.h"

/*
 * The writers run in a forked child of the test process. A child never uses
 * Criterion (no cr_assert, no return from the test function): it reports
 * through its exit status, always by _exit(), so that nothing registered by
 * Criterion or stdio in the test process runs twice.
 *
 * A test that could hang on a broken ring sets alarm() (SIGALRM ends it, and
 * Criterion reports a crash) rather than Criterion's .timeout, after which
 * the runner leaks 48 bytes that LeakSanitizer reports.
 */
#define W_DONE 0
#define W_RESERVE_NULL 20 /* shmring_reserve() gave NULL while the reader was there */
#define W_MISALIGNED 21   /* shmring_reserve() gave a pointer not 8-byte aligned */
#define W_SIGNAL 30       /* the writer's own kill() did not kill it */

/* ---- records derived from their index ---- */

static uint64_t
mix(uint64_t x)
{
    x ^= x >> 33; /* splitmix64's finaliser */
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/*
 * The size of record |i| for a ring whose largest record is |max|: mostly
 * small, some up to max (or 40000), every 1000th exactly max, every 997th
 * empty, every 991st max - 1 (not a multiple of 8), every 983rd max - 8.
 */
static size_t
rec_size(uint64_t i, size_t max)
{
    if (i % 1000 == 999)
        return max;
    if (i % 997 == 5)
        return 0;
    if (i % 991 == 7)
        return max - 1;
    if (i % 983 == 11)
        return max - 8;
    uint64_t h = mix(i + 1);
    size_t big = max < 40000 ? max : 40000; /* a big ring's largest records are rare */
    switch (h % 20) {
    case 0:
        return (size_t)((h >> 8) % (big + 1));
    case 1:
    case 2:
    case 3:
    case 4:
        return (size_t)((h >> 8) % 2049);
    default:
        return (size_t)((h >> 8) % 65);
    }
}

/* Byte |j| of record |i|. */
static unsigned char
rec_byte(uint64_t i, size_t j)
{
    uint64_t seed = mix(i ^ 0x5bd1e995u);
    return (unsigned char)((seed >> ((j & 7) * 8)) ^ (j >> 3) ^ (j * 0x9d));
}

static void
rec_fill(unsigned char *p, uint64_t i, size_t n)
{
    for (size_t j = 0; j < n; j++)
        p[j] = rec_byte(i, j);
}

/* Index of the first byte of |p| (|n| bytes) that is not record |i|'s, or n. */
static size_t
rec_mismatch(const unsigned char *p, uint64_t i, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (p[j] != rec_byte(i, j))
            return j;
    return n;
}

/* ---- the writer (child) side ---- */

enum writer_end {
    END_CLOSE,        /* shmring_close(), _exit(0) */
    END_EXIT,         /* shmring_flush(), _exit(exit_code) without closing */
    END_EXIT_NOFLUSH, /* _exit(exit_code): no flush, no close */
    END_KILL,         /* shmring_flush(), then SIGKILL to itself */
};

/* The size of record |i| in a ring whose largest record is |max|. */
typedef size_t size_fn(uint64_t i, size_t max);

struct writer_plan {
    uint64_t count; /* records to send */
    enum writer_end end;
    int exit_code;
    pid_t reader;        /* the reader's pid, for shmring_set_peer() (0: none) */
    size_fn *size;       /* NULL: rec_size() */
    uint64_t flush_every; /* flush after every so many records (0: never) */
};

/* Sends the records of |plan| and ends as it says. Never returns. */
static void
writer_child(struct shmring *r, const struct writer_plan *plan)
{
    if (plan->reader > 0)
        shmring_set_peer(r, plan->reader);
    size_t max = shmring_max_record(r);
    size_fn *size = plan->size ? plan->size : rec_size;
    for (uint64_t i = 0; i < plan->count; i++) {
        size_t n = size(i, max);
        unsigned char *p = shmring_reserve(r, n);
        if (!p)
            _exit(W_RESERVE_NULL);
        if ((uintptr_t)p % 8 != 0)
            _exit(W_MISALIGNED);
        rec_fill(p, i, n);
        shmring_commit(r, n);
        if (plan->flush_every && i % plan->flush_every == 0)
            shmring_flush(r); /* flushes in the middle change nothing */
    }
    switch (plan->end) {
    case END_CLOSE:
        shmring_close(r);
        _exit(W_DONE);
    case END_EXIT:
        shmring_flush(r);
        _exit(plan->exit_code);
    case END_EXIT_NOFLUSH:
        _exit(plan->exit_code);
    case END_KILL:
        shmring_flush(r);
        kill(getpid(), SIGKILL);
        _exit(W_SIGNAL);
    }
    _exit(W_SIGNAL);
}

static pid_t
start_writer(struct shmring *r, const struct writer_plan *plan)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0)
        writer_child(r, plan); /* never returns */
    return pid;
}

/* ---- the reader (this process) ---- */

struct read_result {
    uint64_t records;
    uint64_t bytes;
    bool broken;
    bool reaped;
    int status; /* the writer's wait status (reaped by the ring or here) */
};

/*
 * Reads records until shmring_next() gives NULL, checking each against
 * |size| (NULL: rec_size()) and rec_byte() in order (at most |limit| records
 * are expected). With |pause_every|, it holds every so many records for 2 ms.
 */
static struct read_result
read_records(struct shmring *r, pid_t writer, uint64_t limit, size_fn *size, uint64_t pause_every)
{
    struct read_result res = {0};
    size_t max = shmring_max_record(r);
    if (!size)
        size = rec_size;
    const void *p;
    size_t n = 0;
    while ((p = shmring_next(r, &n)) != NULL) {
        uint64_t i = res.records;
        cr_assert_lt(i, limit, "record %" PRIu64 " is one more than the %" PRIu64 " sent", i,
                     limit);
        size_t want = size(i, max);
        cr_assert_eq(n, want, "record %" PRIu64 ": %zu bytes, want %zu", i, n, want);
        size_t bad = rec_mismatch(p, i, n);
        cr_assert_eq(bad, n, "record %" PRIu64 " (%zu bytes): byte %zu differs", i, n, bad);
        if (pause_every && i % pause_every == 0) {
            struct timespec ts = {0, 2 * 1000 * 1000}; /* 2 ms while holding the record */
            nanosleep(&ts, NULL);
        }
        shmring_release(r);
        res.records++;
        res.bytes += n;
    }
    res.broken = shmring_broken(r);
    res.reaped = shmring_peer_reaped(r, &res.status);
    /* the end is sticky: asking again gives NULL again, at once */
    cr_assert_null(shmring_next(r, &n), "NULL again after the end");
    cr_assert_eq(shmring_broken(r), res.broken);
    if (!res.reaped) {
        pid_t w;
        while ((w = waitpid(writer, &res.status, 0)) < 0 && errno == EINTR)
            ;
        cr_assert_eq(w, writer, "waitpid: %s", strerror(errno));
    }
    return res;
}

static struct read_result
read_all(struct shmring *r, pid_t writer, uint64_t limit)
{
    return read_records(r, writer, limit, NULL, 0);
}

static void
expect_exited(int status, int code, const char *what)
{
    cr_assert(WIFEXITED(status), "%s: the writer did not exit (wait status %#x)", what, status);
    cr_assert_eq(WEXITSTATUS(status), code, "%s: the writer exited %d, want %d", what,
                 WEXITSTATUS(status), code);
}

/*
 * Sends |count| records of |sizes| (NULL: rec_size()) through a ring of |size|
 * bytes, flushing every |flush_every|, and reads them back, pausing every
 * |pause_every|: all arrive, in order, and the ring ends closed.
 */
static void
round_trip_with(size_t size, uint64_t count, size_fn *sizes, uint64_t flush_every,
                uint64_t pause_every)
{
    struct shmring *r = shmring_new(size);
    cr_assert_not_null(r);
    struct writer_plan plan = {.count = count, .end = END_CLOSE, .reader = getpid(),
                               .size = sizes, .flush_every = flush_every};
    pid_t pid = start_writer(r, &plan);
    shmring_set_peer(r, pid);
    struct read_result res = read_records(r, pid, count, sizes, pause_every);
    cr_expect_eq(res.records, count, "%" PRIu64 " records read, %" PRIu64 " sent", res.records,
                 count);
    cr_expect_not(res.broken, "the writer closed the ring: not broken");
    expect_exited(res.status, W_DONE, "closed ring");
    shmring_free(r);
}

static void
round_trip(size_t size, uint64_t count)
{
    round_trip_with(size, count, NULL, 0, 0);
}

/* ---- sizes ---- */

Test(shmring, sizes_round_up_to_a_power_of_two_of_at_least_64k)
{
    static const struct {
        size_t ask, cap;
    } rows[] = {
        {0, 64 * 1024},
        {1, 64 * 1024},
        {64 * 1024, 64 * 1024},
        {64 * 1024 + 1, 128 * 1024},
        {100 * 1000, 128 * 1024},
        {1024 * 1024, 1024 * 1024},
        {3 * 1024 * 1024, 4 * 1024 * 1024},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        struct shmring *r = shmring_new(rows[k].ask);
        cr_assert_not_null(r, "shmring_new(%zu)", rows[k].ask);
        cr_expect_eq(shmring_max_record(r), rows[k].cap / 2 - 8,
                     "shmring_new(%zu): max record %zu, want half of %zu minus the 8-byte length",
                     rows[k].ask, shmring_max_record(r), rows[k].cap);
        shmring_free(r);
    }
    shmring_free(NULL);
}

/* ---- one process: the API's details without fork ---- */

Test(shmring, records_come_back_in_one_process)
{
    struct shmring *r = shmring_new(0);
    cr_assert_not_null(r);
    size_t max = shmring_max_record(r);
    /* fewer bytes than the ring holds: the writer never waits */
    static const size_t sizes[] = {0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 4095};
    size_t total = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        unsigned char *p = shmring_reserve(r, sizes[k]);
        cr_assert_not_null(p);
        cr_expect_eq((uintptr_t)p % 8, 0, "record %zu is 8-byte aligned", k);
        rec_fill(p, k, sizes[k]);
        shmring_commit(r, sizes[k]);
        total += 8 + (sizes[k] + 7) / 8 * 8;
    }
    cr_assert_lt(total, max);
    /* reserve more than committed: only the committed length counts */
    unsigned char *p = shmring_reserve(r, 500);
    cr_assert_not_null(p);
    rec_fill(p, 99, 500);
    shmring_commit(r, 33);
    shmring_close(r);

    size_t n;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        const unsigned char *q = shmring_next(r, &n);
        cr_assert_not_null(q, "record %zu", k);
        cr_assert_eq(n, sizes[k], "record %zu", k);
        cr_assert_eq(rec_mismatch(q, k, n), n, "record %zu bytes", k);
        shmring_release(r);
    }
    const unsigned char *q = shmring_next(r, &n);
    cr_assert_not_null(q);
    cr_expect_eq(n, 33, "a record committed shorter than reserved has the committed length");
    cr_expect_eq(rec_mismatch(q, 99, n), n);
    shmring_release(r);
    cr_expect_null(shmring_next(r, &n), "closed and read: the end");
    cr_expect_not(shmring_broken(r));
    cr_expect_not(shmring_peer_reaped(r, NULL), "no peer was set");
    shmring_free(r);
}

Test(shmring, unflushed_records_are_flushed_by_close_and_by_flush)
{
    struct shmring *r = shmring_new(0);
    cr_assert_not_null(r);
    size_t n;
    for (int round = 0; round < 100; round++) {
        /* a few small records, far below the publishing batch */
        for (uint64_t i = 0; i < 3; i++) {
            uint64_t id = (uint64_t)round * 3 + i;
            size_t sz = 1 + (size_t)(id % 50);
            void *p = shmring_reserve(r, sz);
            cr_assert_not_null(p);
            rec_fill(p, id, sz);
            shmring_commit(r, sz);
        }
        shmring_flush(r);
        for (uint64_t i = 0; i < 3; i++) {
            uint64_t id = (uint64_t)round * 3 + i;
            const void *q = shmring_next(r, &n);
            cr_assert_not_null(q, "round %d record %" PRIu64 " visible after shmring_flush()",
                               round, i);
            cr_assert_eq(n, 1 + (size_t)(id % 50));
            cr_assert_eq(rec_mismatch(q, id, n), n);
            shmring_release(r);
        }
    }
    /* one more, published by the close alone */
    void *p = shmring_reserve(r, 5);
    cr_assert_not_null(p);
    rec_fill(p, 12345, 5);
    shmring_commit(r, 5);
    shmring_close(r);
    const void *q = shmring_next(r, &n);
    cr_assert_not_null(q, "shmring_close() publishes what was committed");
    cr_expect_eq(n, 5);
    cr_expect_eq(rec_mismatch(q, 12345, n), n);
    shmring_release(r);
    cr_expect_null(shmring_next(r, &n));
    cr_expect_not(shmring_broken(r));
    shmring_free(r);
}

/* ---- two processes ---- */

Test(shmring, many_records_of_any_size_arrive_in_order)
{
    alarm(120); /* a hang fails the test (SIGALRM) */
    round_trip(1024 * 1024, 200000);
}

/* The smallest ring: records of up to half of it, so it wraps all the time. */
Test(shmring, small_ring_wraps_many_times)
{
    alarm(120); /* a hang fails the test (SIGALRM) */
    struct shmring *r = shmring_new(64 * 1024);
    cr_assert_not_null(r);
    cr_assert_eq(shmring_max_record(r), 32 * 1024 - 8);
    shmring_free(r);
    round_trip(64 * 1024, 200000);
}

/* Mostly the largest records (each takes half the ring), a few tiny ones between them. */
static size_t
largest_mostly(uint64_t i, size_t max)
{
    static const size_t pattern[] = {SIZE_MAX, SIZE_MAX, 1, SIZE_MAX, 0, SIZE_MAX, 9, 8};
    size_t n = pattern[i % (sizeof pattern / sizeof pattern[0])];
    return n == SIZE_MAX ? max : n;
}

static size_t
every_small_size(uint64_t i, size_t max)
{
    return i % 302 == 301 ? max : (size_t)(i % 302);
}

Test(shmring, largest_records_back_to_back)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    round_trip_with(64 * 1024, 4000, largest_mostly, 0, 0);
}

/*
 * Every size from 0 to 300 then the largest, in a 64 KiB ring: the wrap
 * comes at every possible distance from the end of the ring.
 */
Test(shmring, every_small_size_and_every_wrap_position)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    round_trip_with(64 * 1024, 30000, every_small_size, 5000, 0);
}

/* A reader slower than the writer: the writer waits for room, nothing is lost. */
Test(shmring, slow_reader_makes_the_writer_wait)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    round_trip_with(64 * 1024, 3000, NULL, 0, 100);
}

/* ---- a writer that goes away without closing ---- */

static void
writer_gone(size_t ring, uint64_t k, enum writer_end end, int code)
{
    struct shmring *r = shmring_new(ring);
    cr_assert_not_null(r);
    struct writer_plan plan = {.count = k, .end = end, .exit_code = code, .reader = getpid()};
    pid_t pid = start_writer(r, &plan);
    shmring_set_peer(r, pid);
    struct read_result res = read_all(r, pid, k);
    cr_expect_eq(res.records, k, "the %" PRIu64 " flushed records are read, got %" PRIu64, k,
                 res.records);
    cr_expect(res.broken, "the writer went away without shmring_close(): broken");
    cr_expect(res.reaped, "the reader found the writer gone and reaped it");
    if (end == END_KILL) {
        cr_expect(WIFSIGNALED(res.status) && WTERMSIG(res.status) == SIGKILL,
                  "wait status %#x: killed by SIGKILL", res.status);
    } else {
        expect_exited(res.status, code, "writer gone");
    }
    /* it was reaped: nothing is left to wait for */
    errno = 0;
    cr_expect_eq(waitpid(pid, NULL, WNOHANG), -1);
    cr_expect_eq(errno, ECHILD);
    shmring_free(r);
}

Test(shmring, writer_exiting_without_close_breaks_the_ring_after_its_records)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    writer_gone(64 * 1024, 5000, END_EXIT, 7);
}

Test(shmring, writer_exiting_after_few_records_breaks_the_ring)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    writer_gone(1024 * 1024, 10, END_EXIT, 3);
    writer_gone(64 * 1024, 1, END_EXIT, 42);
}

Test(shmring, writer_exiting_before_any_record_breaks_the_ring)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    writer_gone(64 * 1024, 0, END_EXIT, 9);
}

Test(shmring, writer_killed_by_a_signal_breaks_the_ring)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    writer_gone(64 * 1024, 2000, END_KILL, 0);
    writer_gone(1024 * 1024, 10, END_KILL, 0);
}

/*
 * Without a flush, records still in the writer's batch are lost with it: the
 * reader gets a prefix of what was committed, each record whole.
 */
Test(shmring, writer_exiting_without_flush_loses_at_most_its_last_batch)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    static const uint64_t counts[] = {3, 1000, 20000};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        struct shmring *r = shmring_new(64 * 1024);
        cr_assert_not_null(r);
        struct writer_plan plan = {
            .count = counts[k], .end = END_EXIT_NOFLUSH, .exit_code = 5, .reader = getpid()};
        pid_t pid = start_writer(r, &plan);
        shmring_set_peer(r, pid);
        struct read_result res = read_all(r, pid, counts[k]);
        cr_expect_leq(res.records, counts[k]);
        cr_expect(res.broken, "count %" PRIu64 ": broken", counts[k]);
        cr_expect(res.reaped);
        expect_exited(res.status, 5, "no flush");
        shmring_free(r);
    }
}

/* ---- a reader that goes away ---- */

/*
 * The writer's peer is its parent: a middle process forks the writer and
 * exits without reading. The writer, its ring full, must get NULL from
 * shmring_reserve() instead of waiting for ever; it says how many records it
 * got in through a pipe (it is not our child, we cannot wait for it).
 */
Test(shmring, writer_gets_null_when_the_reader_is_gone)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    struct shmring *r = shmring_new(64 * 1024);
    cr_assert_not_null(r);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t mid = fork();
    cr_assert_neq(mid, -1);
    if (mid == 0) {
        pid_t me = getpid();
        pid_t w = fork();
        if (w < 0)
            _exit(2);
        if (w == 0) {
            close(fds[0]);
            shmring_set_peer(r, me);
            /* wait until the reader is gone, so it cannot read anything */
            while (getppid() == me) {
                struct timespec ts = {0, 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            uint64_t sent = 0;
            for (; sent < 1000000; sent++) {
                void *p = shmring_reserve(r, 1000);
                if (!p)
                    break;
                memset(p, 'x', 1000);
                shmring_commit(r, 1000);
            }
            ssize_t wr = write(fds[1], &sent, sizeof sent);
            _exit(wr == (ssize_t)sizeof sent ? 0 : 1);
        }
        _exit(0); /* the reader leaves without reading */
    }
    close(fds[1]);
    int status;
    cr_assert_eq(waitpid(mid, &status, 0), mid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    uint64_t sent = UINT64_MAX;
    ssize_t rd;
    while ((rd = read(fds[0], &sent, sizeof sent)) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    cr_assert_eq(rd, (ssize_t)sizeof sent, "the writer reported (it did not hang)");
    /* 64 KiB hold 64 records of 1000 bytes (8 + 1000 rounded to 1008 each) */
    cr_expect_eq(sent, 65536 / 1008, "the writer filled the ring, then got NULL (%" PRIu64 ")",
                 sent);
    shmring_free(r);
}

/* ---- the reader's idle hook ---- */

static int idle_calls;

static void
count_idle(void *arg)
{
    cr_assert_eq(arg, &idle_calls);
    idle_calls++;
}

/* A writer that is behind: the reader's hook runs while it waits, and only then. */
Test(shmring, idle_hook_runs_when_the_reader_waits_for_a_slow_writer)
{
    alarm(60); /* a hang fails the test (SIGALRM) */
    struct shmring *r = shmring_new(0);
    cr_assert_not_null(r);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        shmring_set_peer(r, getppid());
        struct timespec ts = {0, 100 * 1000 * 1000}; /* 100 ms before the first record */
        nanosleep(&ts, NULL);
        for (uint64_t i = 0; i < 3; i++) {
            unsigned char *p = shmring_reserve(r, 10);
            if (!p)
                _exit(W_RESERVE_NULL);
            rec_fill(p, i, 10);
            shmring_commit(r, 10);
        }
        shmring_close(r);
        _exit(W_DONE);
    }
    shmring_set_peer(r, pid);
    idle_calls = 0;
    shmring_on_idle(r, count_idle, &idle_calls);
    size_t n;
    const void *p = shmring_next(r, &n);
    cr_assert_not_null(p);
    cr_expect_geq(idle_calls, 1, "the reader waited 100 ms: the idle hook ran");
    cr_expect_leq(idle_calls, 1, "one wait, one call of the hook (%d)", idle_calls);
    uint64_t i = 0;
    do {
        cr_assert_eq(n, 10);
        cr_assert_eq(rec_mismatch(p, i, n), n);
        shmring_release(r);
        i++;
    } while ((p = shmring_next(r, &n)) != NULL);
    cr_expect_eq(i, 3);
    cr_expect_not(shmring_broken(r));
    int status;
    if (!shmring_peer_reaped(r, &status))
        cr_assert_eq(waitpid(pid, &status, 0), pid);
    expect_exited(status, W_DONE, "idle hook");
    shmring_free(r);
}

/* Records already there: no wait, no idle hook; in one process, a writer's ring never calls it. */
Test(shmring, idle_hook_does_not_run_without_a_wait)
{
    struct shmring *r = shmring_new(0);
    cr_assert_not_null(r);
    idle_calls = 0;
    shmring_on_idle(r, count_idle, &idle_calls);
    for (uint64_t i = 0; i < 100; i++) {
        void *p = shmring_reserve(r, 100);
        cr_assert_not_null(p);
        rec_fill(p, i, 100);
        shmring_commit(r, 100);
    }
    shmring_close(r);
    size_t n;
    uint64_t i = 0;
    const void *p;
    while ((p = shmring_next(r, &n)) != NULL) {
        cr_assert_eq(rec_mismatch(p, i, n), n);
        shmring_release(r);
        i++;
    }
    cr_expect_eq(i, 100);
    cr_expect_eq(idle_calls, 0);
    shmring_free(r);
}
