/*
 * output: where the report goes, and how it gets there whole or not at all.
 *
 * Standard output is written as it comes. A FILE (-o) that is a regular file,
 * or does not exist yet, is never written in place: the report goes to a
 * temporary file in FILE's directory (mkstemp), which is renamed over FILE
 * once the report is complete and synced. Until then FILE keeps what it had;
 * after a write error (a full disk) the temporary file is removed and FILE is
 * untouched. A FILE that is one of the inputs (the same file, by device and
 * inode, whatever the path or symlink) is refused before anything is read.
 * A FILE that exists but is not a regular file (a FIFO, /dev/null, a
 * terminal) is written in place, as before.
 *
 * The stream handed out keeps the first write error with its errno, and
 * retries a write that a signal interrupted (interrupt.h: no SA_RESTART).
 */
#ifndef XMPPFLOW_OUTPUT_H
#define XMPPFLOW_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct output;

enum output_refusal {
    OUTPUT_CANNOT_OPEN = 1, /* the destination cannot be created or written (exit status 3) */
    OUTPUT_IS_INPUT,        /* the destination is one of |inputs| (a usage error) */
};

/*
 * Opens the destination |path| (NULL or "-": standard output). |inputs|
 * (|n| paths; "-" is standard input) are the files the destination must not
 * be. NULL on failure, with *why and a message (without the program name)
 * in |msg|.
 */
struct output *output_open(const char *path, char *const *inputs, size_t n,
                           enum output_refusal *why, char *msg, size_t msglen);

/* The stream the report is written to (buffered; line-buffered on a terminal). */
FILE *output_stream(struct output *o);

/*
 * Ends the report: flushes and syncs it, and puts a temporary file in place
 * (only when |complete|: the writer wrote all of it). Returns 0, or -1 with
 * "NAME: write error: REASON" in |msg| (nothing left under the temporary
 * name, the destination as it was). Frees |o|.
 */
int output_close(struct output *o, bool complete, char *msg, size_t msglen);

#endif
