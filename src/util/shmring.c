/* shmring: a single-producer single-consumer record ring shared across fork(). */
#include <config.h>
#include "shmring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#include "xalloc.h"

#define MIN_SIZE ((size_t)64 * 1024)
#define HEAD 8                 /* each record starts with its length */
#define WRAP UINT64_MAX        /* length of the filler that sends the reader back to the start */
#define BATCH ((size_t)64 * 1024) /* publish a counter after this many bytes */

/* The shared part. Each counter on its own cache line: one side writes it, the other reads. */
struct shared {
    /* written by the writer */
    alignas(64) _Atomic size_t tail;      /* bytes ever committed and published */
    _Atomic uint32_t tail_seq;            /* bumped at each publication: the reader sleeps on it */
    _Atomic uint32_t closed;              /* the writer is done */
    _Atomic uint32_t writer_waiting;      /* the writer sleeps on head_seq */
    /* written by the reader */
    alignas(64) _Atomic size_t head;      /* bytes ever released and published */
    _Atomic uint32_t head_seq;
    _Atomic uint32_t reader_waiting;
};

struct shmring {
    struct shared *sh;
    unsigned char *data;
    size_t cap, mask;
    void *map;
    size_t map_len;
    pid_t peer;
    void (*on_idle)(void *);
    void *on_idle_arg;
    bool broken, reaped;
    int status;
    /* writer's side */
    size_t wpos, wpublished, head_seen, reserved, want;
    /* reader's side */
    size_t rpos, rpublished, tail_seen, cur_len;
};

static size_t
round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

struct shmring *
shmring_new(size_t size)
{
    size_t cap = MIN_SIZE;
    while (cap < size && cap < ((size_t)1 << 40))
        cap <<= 1;
    size_t page = 4096;
    size_t map_len = page + cap;
    void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    struct shmring *r = xcalloc(1, sizeof *r);
    r->map = map;
    r->map_len = map_len;
    r->sh = map;
    atomic_init(&r->sh->tail, 0);
    atomic_init(&r->sh->head, 0);
    atomic_init(&r->sh->closed, 0);
    atomic_init(&r->sh->tail_seq, 0);
    atomic_init(&r->sh->head_seq, 0);
    atomic_init(&r->sh->reader_waiting, 0);
    atomic_init(&r->sh->writer_waiting, 0);
    r->data = (unsigned char *)map + page;
    r->cap = cap;
    r->mask = cap - 1;
    return r;
}

void
shmring_free(struct shmring *r)
{
    if (!r)
        return;
    munmap(r->map, r->map_len);
    free(r);
}

size_t
shmring_max_record(const struct shmring *r)
{
    return r->cap / 2 - HEAD;
}

void
shmring_set_peer(struct shmring *r, pid_t peer)
{
    r->peer = peer;
}

/*
 * Sleeping until the other side publishes. Each side bumps a sequence number
 * when it publishes and wakes the other if that one said it was waiting; a
 * waiter says so, then checks once more, then sleeps on the sequence number
 * it read (futex: no wake-up is lost in between). Never a spin: two processes
 * that spin or yield for each other can end up sharing one CPU by turns.
 * Elsewhere than Linux, short sleeps stand in for the futex.
 */
static void
sleep_on(_Atomic uint32_t *seq, uint32_t seen, long ns)
{
#ifdef __linux__
    struct timespec ts = {0, ns};
    syscall(SYS_futex, (uint32_t *)seq, FUTEX_WAIT, seen, &ts, NULL, 0);
#else
    (void)seq;
    (void)seen;
    struct timespec ts = {0, ns < 50 * 1000 ? ns : 50 * 1000};
    nanosleep(&ts, NULL);
#endif
}

static void
wake(_Atomic uint32_t *seq)
{
#ifdef __linux__
    syscall(SYS_futex, (uint32_t *)seq, FUTEX_WAKE, 1, NULL, NULL, 0);
#else
    (void)seq;
#endif
}

/* False when the peer is gone (the reader watches its child, the writer its parent). */
static bool
peer_alive(struct shmring *r, bool reader)
{
    if (r->peer <= 0)
        return true;
    if (reader) {
        if (!r->reaped && waitpid(r->peer, &r->status, WNOHANG) == r->peer)
            r->reaped = true;
        return !r->reaped;
    }
    return getppid() == r->peer;
}

/*
 * Waits until |ready|(r) holds: the reader for records (sleeping on
 * tail_seq), the writer for room (on head_seq). False when the peer is gone.
 */
static bool
wait_for(struct shmring *r, bool reader, bool (*ready)(struct shmring *))
{
    _Atomic uint32_t *seq = reader ? &r->sh->tail_seq : &r->sh->head_seq;
    _Atomic uint32_t *waiting = reader ? &r->sh->reader_waiting : &r->sh->writer_waiting;
    /* a reader with an idle hook first waits briefly: the usual wait is shorter */
    bool idle_due = reader && r->on_idle;
    for (;;) {
        atomic_store(waiting, 1);
        uint32_t seen = atomic_load(seq);
        if (ready(r)) {
            atomic_store(waiting, 0);
            return true;
        }
        /* a bounded sleep: then the peer is looked at */
        sleep_on(seq, seen, idle_due ? 2 * 1000 * 1000 : 20 * 1000 * 1000);
        atomic_store(waiting, 0);
        if (ready(r))
            return true;
        if (!peer_alive(r, reader))
            return false;
        if (idle_due) {
            idle_due = false;
            r->on_idle(r->on_idle_arg);
        }
    }
}

void
shmring_on_idle(struct shmring *r, void (*fn)(void *), void *arg)
{
    r->on_idle = fn;
    r->on_idle_arg = arg;
}

/* The writer's test: room for the record being reserved. */
static bool
room(struct shmring *r)
{
    r->head_seen = atomic_load_explicit(&r->sh->head, memory_order_acquire);
    return r->wpos + r->want - r->head_seen <= r->cap;
}

void *
shmring_reserve(struct shmring *r, size_t n)
{
    size_t need = HEAD + round8(n);
    size_t off = r->wpos & r->mask;
    size_t filler = r->cap - off < need ? r->cap - off : 0;
    r->want = filler + need;
    if (r->wpos + r->want - r->head_seen > r->cap && !room(r)) {
        shmring_flush(r); /* the reader may be waiting for what we have */
        if (!wait_for(r, false, room))
            return NULL;
    }
    if (filler) {
        uint64_t w = WRAP;
        memcpy(r->data + off, &w, HEAD);
        r->wpos += filler;
        off = 0;
    }
    r->reserved = need;
    return r->data + off + HEAD;
}

void
shmring_commit(struct shmring *r, size_t n)
{
    uint64_t len = n;
    memcpy(r->data + (r->wpos & r->mask), &len, HEAD);
    r->wpos += HEAD + round8(n);
    if (r->wpos - r->wpublished >= BATCH)
        shmring_flush(r);
}

/* After a publication: tell the other side, and wake it if it sleeps. */
static void
bump(_Atomic uint32_t *seq, _Atomic uint32_t *waiting)
{
    atomic_fetch_add(seq, 1);
    if (atomic_load(waiting))
        wake(seq);
}

void
shmring_flush(struct shmring *r)
{
    if (r->wpublished == r->wpos)
        return;
    r->wpublished = r->wpos;
    atomic_store_explicit(&r->sh->tail, r->wpos, memory_order_release);
    bump(&r->sh->tail_seq, &r->sh->reader_waiting);
}

void
shmring_close(struct shmring *r)
{
    shmring_flush(r);
    atomic_store_explicit(&r->sh->closed, 1, memory_order_release);
    bump(&r->sh->tail_seq, &r->sh->reader_waiting);
}

/* The reader's side of a publication. */
static void
publish_head(struct shmring *r)
{
    r->rpublished = r->rpos;
    atomic_store_explicit(&r->sh->head, r->rpos, memory_order_release);
    bump(&r->sh->head_seq, &r->sh->writer_waiting);
}

/* The reader's test: a record, or the end. */
static bool
records(struct shmring *r)
{
    int closed = (int)atomic_load_explicit(&r->sh->closed, memory_order_acquire);
    r->tail_seen = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
    return r->rpos != r->tail_seen || closed;
}

const void *
shmring_next(struct shmring *r, size_t *n)
{
    for (;;) {
        if (r->rpos == r->tail_seen) {
            /* out of published records: hand back the room, then look for more */
            if (r->rpublished != r->rpos)
                publish_head(r);
            if (!records(r) && !wait_for(r, true, records)) {
                /* gone: take what it published before it went */
                if (!records(r)) {
                    r->broken = true;
                    return NULL;
                }
            }
            if (r->rpos == r->tail_seen)
                return NULL; /* closed, and everything read */
        }
        size_t off = r->rpos & r->mask;
        uint64_t len;
        memcpy(&len, r->data + off, HEAD);
        if (len == WRAP) {
            r->rpos += r->cap - off;
            continue;
        }
        r->cur_len = (size_t)len;
        *n = (size_t)len;
        return r->data + off + HEAD;
    }
}

void
shmring_release(struct shmring *r)
{
    r->rpos += HEAD + round8(r->cur_len);
    r->cur_len = 0;
    if (r->rpos - r->rpublished >= BATCH)
        publish_head(r);
}

bool
shmring_broken(const struct shmring *r)
{
    return r->broken;
}

bool
shmring_peer_reaped(const struct shmring *r, int *status)
{
    if (r->reaped && status)
        *status = r->status;
    return r->reaped;
}
