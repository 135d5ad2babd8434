/* output: the report's destination; a temporary file renamed into place for -o FILE. */
#include <config.h>
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interrupt.h"
#include "xalloc.h"

/* Report writes go out in blocks of this size (a jsonl line mostly in one write). */
#define OUTPUT_BUFFER (64 * 1024)

struct output {
    int fd;
    bool own_fd;     /* close it (not standard output) */
    char *name;      /* for messages: FILE as given, or "standard output" */
    char *final;     /* the path renamed to at the end; NULL: written in place */
    char *temp;      /* the temporary file, while it exists */
    int error;       /* errno of the first failed write; 0: none */
    FILE *stream;
    char buffer[OUTPUT_BUFFER];
};

/* The stream's write: all of |buf|, again after a signal; the first error is kept. */
static ssize_t
output_write(void *cookie, const char *buf, size_t size)
{
    struct output *o = cookie;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(o->fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!o->error)
                o->error = n < 0 ? errno : EIO;
            return 0; /* fopencookie: 0 is an error */
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Starts the stream over |o->fd|; false when stdio cannot make one. */
static bool
output_start(struct output *o)
{
    cookie_io_functions_t io = {.write = output_write};
    o->stream = fopencookie(o, "w", io);
    if (!o->stream)
        return false;
    /* a terminal sees each line as it is written; anything else gets blocks */
    setvbuf(o->stream, o->buffer, isatty(o->fd) ? _IOLBF : _IOFBF, sizeof o->buffer);
    return true;
}

static void
output_free(struct output *o)
{
    free(o->temp);
    free(o->final);
    free(o->name);
    free(o);
}

/* True when |path| names the same file as |st| (a regular file). */
static bool
same_file(const char *path, const struct stat *st)
{
    struct stat in;
    if (strcmp(path, "-") == 0 ? fstat(STDIN_FILENO, &in) != 0 : stat(path, &in) != 0)
        return false;
    return in.st_dev == st->st_dev && in.st_ino == st->st_ino;
}

/* A temporary file next to |final|, with the permissions a report there gets. */
static int
make_temp(struct output *o, const char *final, const struct stat *existing)
{
    const char *slash = strrchr(final, '/');
    size_t dirlen = slash ? (size_t)(slash - final) + 1 : 0;
    o->temp = xasprintf("%.*s.xmppflow-XXXXXX", (int)dirlen, final);
    int fd = mkstemp(o->temp);
    if (fd < 0) {
        free(o->temp);
        o->temp = NULL;
        return -1;
    }
    mode_t mode;
    if (existing) {
        mode = existing->st_mode & 07777; /* as writing over it in place would keep */
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask; /* as a new file made by open(2) */
    }
    if (fchmod(fd, mode) != 0) {
        int e = errno;
        close(fd);
        unlink(o->temp);
        free(o->temp);
        o->temp = NULL;
        errno = e;
        return -1;
    }
    return fd;
}

struct output *
output_open(const char *path, char *const *inputs, size_t n, enum output_refusal *why, char *msg,
            size_t msglen)
{
    struct output *o = xcalloc(1, sizeof *o);
    o->fd = -1;
    if (!path || strcmp(path, "-") == 0) {
        o->fd = STDOUT_FILENO;
        o->name = xstrdup("standard output");
    } else {
        o->name = xstrdup(path);
        struct stat st;
        bool exists = stat(path, &st) == 0;
        for (size_t i = 0; exists && S_ISREG(st.st_mode) && i < n; i++)
            if (same_file(inputs[i], &st)) {
                *why = OUTPUT_IS_INPUT;
                snprintf(msg, msglen, "%s: the output is the input %s, which it would overwrite",
                         path, strcmp(inputs[i], "-") == 0 ? "on standard input" : inputs[i]);
                output_free(o);
                return NULL;
            }
        o->own_fd = true;
        if (exists && !S_ISREG(st.st_mode)) {
            /* a device, a FIFO, a terminal: nothing to replace; a directory fails here */
            o->fd = open(path, O_WRONLY | O_CLOEXEC);
        } else if (!exists || access(path, W_OK) == 0) {
            /* through a symlink: the file it points to is replaced, the link stays */
            char resolved[PATH_MAX];
            o->final = xstrdup(exists && realpath(path, resolved) ? resolved : path);
            o->fd = make_temp(o, o->final, exists ? &st : NULL);
        } /* else not writable: refused, as writing it in place would be (errno EACCES) */
    }
    if (o->fd < 0 || !output_start(o)) {
        *why = OUTPUT_CANNOT_OPEN;
        if (o->final && !o->temp) /* the directory, not FILE, is the problem */
            snprintf(msg, msglen, "%s: cannot create a temporary file next to it: %s", o->name,
                     strerror(errno));
        else
            snprintf(msg, msglen, "%s: %s", o->name, strerror(errno));
        if (o->temp)
            unlink(o->temp);
        if (o->fd >= 0 && o->own_fd)
            close(o->fd);
        output_free(o);
        return NULL;
    }
    if (o->temp)
        interrupt_unlink_on_kill(o->temp);
    return o;
}

FILE *
output_stream(struct output *o)
{
    return o->stream;
}

int
output_close(struct output *o, bool complete, char *msg, size_t msglen)
{
    int err = 0;
    if (fflush(o->stream) != 0 || ferror(o->stream) || !complete)
        err = o->error ? o->error : EIO;
    fclose(o->stream); /* the cookie has no close: the descriptor is ours */
    if (!err && o->own_fd && o->temp && fsync(o->fd) != 0)
        err = errno; /* some file systems report a full disk only here */
    if (o->own_fd && close(o->fd) != 0 && !err && o->temp)
        err = errno;
    if (o->temp) {
        interrupt_unlink_on_kill(NULL);
        if (!err && rename(o->temp, o->final) != 0)
            err = errno;
        if (err)
            unlink(o->temp);
    }
    if (err)
        snprintf(msg, msglen, "%s: write error: %s", o->name, strerror(err));
    output_free(o);
    return err ? -1 : 0;
}
