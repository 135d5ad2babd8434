/*
 * interrupt: SIGINT and SIGTERM ask the run to stop reading; the report of
 * what was read is still written (marked interrupted) and the exit status
 * says which signal it was. A second signal ends the process at once.
 *
 * The reading stops where it stands: source.c's read loop looks at
 * interrupt_requested() (a volatile sig_atomic_t) before each read(2) and
 * then ends the input as if it were at its end, so every byte already read
 * is still analysed and the report is that of a shorter input; the loop over
 * the inputs (analyze.c) reads no further input, and the workers of a -j run
 * are told to stop too. The handlers are installed without SA_RESTART, so a
 * read waiting on a pipe or a terminal returns EINTR and its loop sees the flag;
 * live inputs are also polled with a timeout, so a signal that lands just
 * before a read cannot leave it waiting for input that never comes.
 */
#ifndef XMPPFLOW_INTERRUPT_H
#define XMPPFLOW_INTERRUPT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Set by the handlers; read it through interrupt_requested(). */
extern volatile sig_atomic_t interrupt_stop;

/* True once the run has been asked to stop reading. */
static inline bool
interrupt_requested(void)
{
    return interrupt_stop != 0;
}

/* Installs the handlers for SIGINT and SIGTERM. */
void interrupt_install(void);

/* The signal that stopped the run (SIGINT or SIGTERM), or 0. */
int interrupt_signal(void);

/*
 * Records that the run stopped because of |signo| elsewhere (a worker of a
 * -j run was signalled itself): as if this process had been.
 */
void interrupt_note(int signo);

/*
 * |path| (copied; NULL forgets it) is removed when a second signal ends the
 * process at once: the report's temporary file is not left behind.
 */
void interrupt_unlink_on_kill(const char *path);

/*
 * A -j run (jobs.c). Before fork(): the children will take SIGUSR1 as "stop
 * reading" from the moment they exist. In the parent after fork():
 * interrupt_forward_to(children, n) restores SIGUSR1 there and, from then
 * on, forwards a stop to the children as SIGUSR1 (also one that came in
 * between). In a child: interrupt_child_start() forgets the parent's
 * temporary file and children.
 */
#define INTERRUPT_CHILDREN_MAX 256
void interrupt_before_fork(void);
/* |n| 0: no children any more (they ended, or fork() failed). */
void interrupt_forward_to(const pid_t *children, size_t n);
void interrupt_child_start(void);

#endif
