/*
 * fileset: the files of a rotated log set (ejabberd-log-formats.md §8) and
 * the directories given as FILE. A set is the files of one directory whose
 * names differ only by the rotation suffix: "ejabberd.log", "ejabberd.log.1",
 * "ejabberd.log.2.gz", lager's "ejabberd.log.0", E1's "ejabberd-old.log",
 * logrotate's dateext "ejabberd.log-20240101". One set is one node's stream
 * of lines; files of different sets (another directory: another host; another
 * name: another node) are kept apart. No reading of lines here: names, order,
 * directory listings.
 */
#ifndef XMPPFLOW_FILESET_H
#define XMPPFLOW_FILESET_H

#include <stdbool.h>
#include <stddef.h>

#include "timestamp.h"

/*
 * The set of |path| and its generation: -1 the live file, 0, 1, … rotated
 * copies, higher is older (logrotate and lager alike). The set's name is
 * the directory and the name without its suffixes; returned in |set|
 * (|setlen| bytes, always terminated). "-" is a set of its own.
 */
long fileset_generation(const char *path, char *set, size_t setlen);

/* One input, as fileset_order() puts the inputs in reading order. */
struct fileset_member {
    const char *path;
    bool is_log;      /* only logs form sets: every capture is one of its own */
    usec_t first_time; /* the first record's time; INT64_MAX: not known */
    size_t index;     /* on the command line */
    /* filled by fileset_order() */
    size_t set;       /* the set's number, 0, 1, … in reading order of their first files */
    long generation;
    /* the suffixes and the first records disagree: read in time order (an input error to give) */
    bool disagrees;
};

/*
 * Sorts |m| into reading order: each set oldest first by its suffixes,
 * checked against the first records' times (when they disagree, the times
 * win and the members concerned are marked); the sets interleaved by time,
 * so that files of several servers are read in about the order they were
 * written.
 */
void fileset_order(struct fileset_member *m, size_t n);

/*
 * The inputs |paths| with each directory replaced by its files that are
 * ejabberd logs or captures by their content, in name order (not recursive:
 * a subdirectory is skipped and said). Skipped too, and said: files that are
 * neither, empty ones, and ejabberd's error.log and crash.log (copies of
 * lines of ejabberd.log). A file that cannot be opened is kept: reading it
 * gives its error. A directory with nothing to read is kept as it is.
 * |note|(|arg|, message) says each skip. Returns a new array of |*nout| new
 * strings (fileset_free()).
 */
char **fileset_expand(char *const *paths, size_t n, size_t *nout,
                      void (*note)(void *arg, const char *msg), void *arg);
void fileset_free(char **paths, size_t n);

/* True when |path| names a directory. */
bool fileset_is_dir(const char *path);

#endif
