/* interrupt: the stop flag SIGINT and SIGTERM set, and the second signal that does not wait. */
#include <config.h>
#include "interrupt.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t interrupt_stop;
/* The first SIGINT or SIGTERM this process took (a SIGUSR1 from the parent is not one). */
static volatile sig_atomic_t first_signal;
/* The signal reported by a worker (interrupt_note). */
static volatile sig_atomic_t noted_signal;
/* The workers a stop goes on to: the handler reads the first |nforward| (set last). */
static pid_t forward_pids[INTERRUPT_CHILDREN_MAX];
static volatile sig_atomic_t nforward;
/* a fixed buffer: the handler may only read it, never follow a pointer being freed */
static char unlink_path[PATH_MAX];
static volatile sig_atomic_t have_unlink_path;

static void
on_signal(int signo)
{
    if (first_signal) {
        /* the second one: the default action, now (the report's temporary file goes first) */
        if (have_unlink_path)
            unlink(unlink_path);
        signal(signo, SIG_DFL);
        raise(signo); /* delivered when this handler returns */
        return;
    }
    first_signal = signo;
    interrupt_stop = 1;
    for (sig_atomic_t i = 0; i < nforward; i++)
        kill(forward_pids[i], SIGUSR1);
}

/* In a worker: its parent says stop. */
static void
on_parent_stop(int signo)
{
    (void)signo;
    interrupt_stop = 1;
}

static void
handle(int signo, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = 0; /* no SA_RESTART: a waiting read returns and sees the flag */
    sigaction(signo, &sa, NULL);
}

void
interrupt_install(void)
{
    handle(SIGINT, on_signal);
    handle(SIGTERM, on_signal);
}

int
interrupt_signal(void)
{
    return first_signal ? (int)first_signal : (int)noted_signal;
}

void
interrupt_note(int signo)
{
    if (signo != SIGINT && signo != SIGTERM)
        return;
    if (!noted_signal)
        noted_signal = signo;
    interrupt_stop = 1;
}

void
interrupt_unlink_on_kill(const char *path)
{
    have_unlink_path = 0;
    if (path && strlen(path) < sizeof unlink_path) {
        memcpy(unlink_path, path, strlen(path) + 1);
        have_unlink_path = 1;
    }
}

void
interrupt_before_fork(void)
{
    handle(SIGUSR1, on_parent_stop);
}

void
interrupt_forward_to(const pid_t *children, size_t n)
{
    signal(SIGUSR1, SIG_DFL);
    nforward = 0;
    if (n > INTERRUPT_CHILDREN_MAX)
        n = INTERRUPT_CHILDREN_MAX;
    for (size_t i = 0; i < n; i++)
        forward_pids[i] = children[i];
    nforward = (sig_atomic_t)n;
    for (size_t i = 0; i < n && interrupt_stop; i++)
        kill(children[i], SIGUSR1); /* the stop came before the children's pids were known */
}

void
interrupt_child_start(void)
{
    have_unlink_path = 0;
    nforward = 0;
}
