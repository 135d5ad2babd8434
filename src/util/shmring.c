/* shmring: a single-producer single-consumer record ring shared across fork(). */
#include <config.h>
#include "shmring.h"

#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

/* Fault the whole ring in at once: one call, not a fault per page in the middle of the run. */
#ifdef MAP_POPULATE
#define RING_POPULATE MAP_POPULATE
#else
#define RING_POPULATE 0
#endif

#define MIN_SIZE ((size_t)64 * 1024)
#define HEAD 8                 /* each record starts with its length */
#define WRAP UINT64_MAX        /* length of the filler that sends the reader back to the start */
#define BATCH ((size_t)64 * 1024) /* publish a counter after this many bytes */

/* The shared part. Each counter on its own cache line: one side writes it, the other reads. */
struct shared {
    alignas(64) _Atomic size_t tail; /* bytes ever committed and published by the writer */
    alignas(64) _Atomic size_t head; /* bytes ever released and published by the reader */
    alignas(64) _Atomic int closed;  /* the writer is done */
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
    size_t wpos, wpublished, head_seen, reserved;
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
    void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | RING_POPULATE, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    struct shmring *r = xcalloc(1, sizeof *r);
    r->map = map;
    r->map_len = map_len;
    r->sh = map;
    atomic_init(&r->sh->tail, 0);
    atomic_init(&r->sh->head, 0);
    atomic_init(&r->sh->closed, 0);
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
 * One round of waiting: a few yields (the other side is usually just behind
 * on another core), then short sleeps. Returns false when the peer is gone.
 */
static bool
wait_round(struct shmring *r, unsigned *rounds, bool reader)
{
    if (++*rounds < 64) {
        sched_yield();
        return true;
    }
    if (*rounds == 64 && reader && r->on_idle)
        r->on_idle(r->on_idle_arg);
    if (r->peer > 0) {
        if (reader) {
            if (!r->reaped && waitpid(r->peer, &r->status, WNOHANG) == r->peer)
                r->reaped = true;
            if (r->reaped)
                return false;
        } else if (getppid() != r->peer) {
            return false;
        }
    }
    struct timespec ts = {0, 50 * 1000};
    nanosleep(&ts, NULL);
    return true;
}

void
shmring_on_idle(struct shmring *r, void (*fn)(void *), void *arg)
{
    r->on_idle = fn;
    r->on_idle_arg = arg;
}

void *
shmring_reserve(struct shmring *r, size_t n)
{
    size_t need = HEAD + round8(n);
    size_t off = r->wpos & r->mask;
    size_t filler = r->cap - off < need ? r->cap - off : 0;
    unsigned rounds = 0;
    while (r->wpos + filler + need - r->head_seen > r->cap) {
        r->head_seen = atomic_load_explicit(&r->sh->head, memory_order_acquire);
        if (r->wpos + filler + need - r->head_seen <= r->cap)
            break;
        shmring_flush(r); /* the reader may be waiting for what we have */
        if (!wait_round(r, &rounds, false))
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

void
shmring_flush(struct shmring *r)
{
    if (r->wpublished == r->wpos)
        return;
    r->wpublished = r->wpos;
    atomic_store_explicit(&r->sh->tail, r->wpos, memory_order_release);
}

void
shmring_close(struct shmring *r)
{
    shmring_flush(r);
    atomic_store_explicit(&r->sh->closed, 1, memory_order_release);
}

const void *
shmring_next(struct shmring *r, size_t *n)
{
    unsigned rounds = 0;
    for (;;) {
        if (r->rpos == r->tail_seen) {
            /* out of published records: hand back the room, then look for more */
            if (r->rpublished != r->rpos) {
                r->rpublished = r->rpos;
                atomic_store_explicit(&r->sh->head, r->rpos, memory_order_release);
            }
            int closed = atomic_load_explicit(&r->sh->closed, memory_order_acquire);
            r->tail_seen = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
            if (r->rpos == r->tail_seen) {
                if (closed)
                    return NULL;
                if (!wait_round(r, &rounds, true)) {
                    /* gone: take what it published before it went */
                    r->tail_seen = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
                    if (r->rpos == r->tail_seen) {
                        r->broken = !atomic_load_explicit(&r->sh->closed, memory_order_acquire);
                        return NULL;
                    }
                }
                continue;
            }
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
    if (r->rpos - r->rpublished >= BATCH) {
        r->rpublished = r->rpos;
        atomic_store_explicit(&r->sh->head, r->rpos, memory_order_release);
    }
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
