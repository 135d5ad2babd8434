/*
 * shmring: a byte ring shared by two processes, one writing records and one
 * reading them in order (single producer, single consumer).
 *
 * Why processes and not threads: the capture reader and the login analysis
 * each run single-threaded at full speed only while the process has one
 * thread (glibc's allocator and stdio take their lock-free paths then). A
 * mapping made before fork() has the same address in both, and its two
 * counters are the only thing they share.
 *
 * Records are copied in; the reader gets a pointer into the ring, valid until
 * it releases the record. Counters are published in batches, so neither side
 * touches the other's cache line for every record. A side with nothing to do
 * sleeps in the kernel (a futex on Linux) until the other publishes.
 */
#ifndef XMPPFLOW_SHMRING_H
#define XMPPFLOW_SHMRING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct shmring;

/*
 * A new ring with room for |size| bytes (rounded up to a power of two, at
 * least 64 KiB), mapped shared: create it before fork(). NULL when the
 * mapping fails.
 */
struct shmring *shmring_new(size_t size);
/* Unmaps the ring (in the process calling it). NULL is fine. */
void shmring_free(struct shmring *r);
/* Largest record shmring_reserve() takes: half the ring. */
size_t shmring_max_record(const struct shmring *r);

/*
 * The process on the other side, watched while waiting: a reader waiting for
 * records gives up when the writer is gone without closing the ring, a
 * writer waiting for room when the reader is gone.
 */
void shmring_set_peer(struct shmring *r, pid_t peer);

/*
 * Reader only: |fn|(|arg|) is called when a wait for records lasts (2 ms):
 * the writer is really behind, perhaps waiting for its own input.
 */
void shmring_on_idle(struct shmring *r, void (*fn)(void *), void *arg);

/* ---- writer ---- */
/*
 * Room for a record of |n| bytes (n <= shmring_max_record()), 8-byte
 * aligned; waits while the ring is full. NULL when the reader is gone.
 */
void *shmring_reserve(struct shmring *r, size_t n);
/* Ends the record reserved last, |n| bytes long (at most what was reserved). */
void shmring_commit(struct shmring *r, size_t n);
/* Makes every committed record visible to the reader now. */
void shmring_flush(struct shmring *r);
/* Flushes and tells the reader that no record follows. */
void shmring_close(struct shmring *r);

/* ---- reader ---- */
/*
 * The next record (its length in *n), waiting for it; NULL at the end: the
 * writer closed the ring and every record was read, or the writer is gone
 * (then shmring_broken() is true).
 */
const void *shmring_next(struct shmring *r, size_t *n);
/* Done with the record shmring_next() returned last. */
void shmring_release(struct shmring *r);
/* The writer went away without closing the ring. */
bool shmring_broken(const struct shmring *r);
/*
 * True when the reader, while waiting, found the writer (its child) ended and
 * reaped it; its wait status is then in *status.
 */
bool shmring_peer_reaped(const struct shmring *r, int *status);

#endif
