/* fileset: rotated sets by name, their reading order, directories as inputs (fileset.h). */
#include <config.h>
#include "fileset.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "source.h"
#include "xalloc.h"

static bool
all_digits(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

static bool
ends_with(const char *s, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    return n >= t && memcmp(s + n - t, tail, t) == 0;
}

/* logrotate's dateext (-YYYYMMDD, -YYYYMMDDHH) counts up: mapped so that higher is older */
#define DATEEXT_BASE 100000000000L

long
fileset_generation(const char *path, char *set, size_t setlen)
{
    if (strcmp(path, "-") == 0) {
        snprintf(set, setlen, "-");
        return -1;
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    /* the directory as the system names it: "./a" and "a" are one directory */
    char dir[PATH_MAX];
    char *given = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path)) : xstrdup(".");
    if (!realpath(given, dir))
        snprintf(dir, sizeof dir, "%s", given);
    free(given);
    size_t n = strlen(base);
    if (ends_with(base, n, ".gz"))
        n -= 3;
    long gen = -1;
    const char *dot = memrchr(base, '.', n);
    const char *dash = memrchr(base, '-', n);
    if (dot && dot > base && all_digits(dot + 1, (size_t)(base + n - dot - 1)) &&
        base + n - dot - 1 <= 9) {
        gen = strtol(dot + 1, NULL, 10);
        n = (size_t)(dot - base);
    } else if (dash && dash > base && all_digits(dash + 1, (size_t)(base + n - dash - 1)) &&
               (base + n - dash - 1 == 8 || base + n - dash - 1 == 10)) {
        long v = strtol(dash + 1, NULL, 10);
        gen = DATEEXT_BASE - (base + n - dash - 1 == 8 ? v * 100 : v);
        n = (size_t)(dash - base);
    }
    /* E1's one generation: ejabberd.log → ejabberd-old.log */
    char stem[NAME_MAX + 1];
    snprintf(stem, sizeof stem, "%.*s", (int)n, base);
    char *old = strstr(stem, "-old");
    if (gen == -1 && old && (old[4] == '\0' || old[4] == '.')) {
        memmove(old, old + 4, strlen(old + 4) + 1);
        gen = 0;
    }
    snprintf(set, setlen, "%s/%s", dir, stem);
    return gen;
}

/* ---- reading order ------------------------------------------------------ */

struct slot {
    char *name;       /* the set's */
    long gen;
    usec_t time;      /* first record, INT64_MAX unknown */
    size_t index;     /* command line */
    size_t member;    /* in the caller's array */
    usec_t order;     /* the time it is read at among other sets' files */
    size_t set_first; /* the smallest command-line index of its set */
    size_t pos;       /* its place in its set */
    size_t run;       /* its set's number in name order */
    bool disagrees;
};

static int
by_name_gen(const void *x, const void *y)
{
    const struct slot *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    if (a->gen != b->gen)
        return a->gen > b->gen ? -1 : 1; /* older first */
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int
by_time(const void *x, const void *y)
{
    const struct slot *a = x, *b = y;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if (a->gen != b->gen)
        return a->gen > b->gen ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int
by_order(const void *x, const void *y)
{
    const struct slot *a = x, *b = y;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    if (a->set_first != b->set_first)
        return a->set_first < b->set_first ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The files |s| (|n|, one set, oldest first by name): checked against their times, then placed. */
static void
order_set(struct slot *s, size_t n)
{
    bool disagree = false;
    usec_t last = INT64_MAX;
    for (size_t k = 0; k < n; k++) {
        if (s[k].time == INT64_MAX)
            continue;
        if (last != INT64_MAX && s[k].time < last)
            disagree = true;
        last = s[k].time;
    }
    if (disagree) {
        /* a renamed or hand-copied file: its content says when it was written */
        for (size_t k = 0; k < n; k++)
            s[k].disagrees = s[k].time != INT64_MAX;
        qsort(s, n, sizeof *s, by_time);
    }
    usec_t first = INT64_MAX;
    size_t set_first = SIZE_MAX;
    for (size_t k = 0; k < n && first == INT64_MAX; k++)
        first = s[k].time;
    for (size_t k = 0; k < n; k++)
        if (s[k].index < set_first)
            set_first = s[k].index;
    usec_t run = first;
    for (size_t k = 0; k < n; k++) {
        if (s[k].time != INT64_MAX && s[k].time > run)
            run = s[k].time;
        s[k].order = run; /* a file without a time keeps its place by name */
        s[k].pos = k;
        s[k].set_first = set_first;
    }
}

void
fileset_order(struct fileset_member *m, size_t n)
{
    if (n == 0)
        return;
    struct slot *s = xcalloc(n, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        char name[PATH_MAX + NAME_MAX + 2];
        if (m[i].is_log) {
            s[i].gen = fileset_generation(m[i].path, name, sizeof name);
            if (strcmp(name, "-") == 0)
                snprintf(name, sizeof name, "\001%zu", m[i].index);
        } else {
            s[i].gen = -1;
            snprintf(name, sizeof name, "\001%zu", m[i].index); /* a set of its own */
        }
        s[i].name = xstrdup(name);
        s[i].time = m[i].first_time;
        s[i].index = m[i].index;
        s[i].member = i;
    }
    qsort(s, n, sizeof *s, by_name_gen);
    size_t nruns = 0;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && strcmp(s[j].name, s[i].name) == 0; j++)
            ;
        order_set(s + i, j - i);
        for (size_t k = i; k < j; k++)
            s[k].run = nruns;
        nruns++;
    }
    qsort(s, n, sizeof *s, by_order);
    struct fileset_member *out = xcalloc(n, sizeof *out);
    size_t *number = xmalloc(nruns * sizeof *number); /* sets numbered as first read */
    memset(number, 0xff, nruns * sizeof *number);
    size_t nsets = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = m[s[i].member];
        out[i].generation = s[i].gen;
        out[i].disagrees = s[i].disagrees;
        if (number[s[i].run] == SIZE_MAX)
            number[s[i].run] = nsets++;
        out[i].set = number[s[i].run];
    }
    free(number);
    memcpy(m, out, n * sizeof *m);
    for (size_t i = 0; i < n; i++)
        free(s[i].name);
    free(out);
    free(s);
}

/* ---- directories -------------------------------------------------------- */

bool
fileset_is_dir(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Why the file |path| of a directory is not read (NULL: it is). */
static const char *
skip_reason(const char *path, const char *name)
{
    struct stat st;
    if (name[0] == '.')
        return "a hidden file";
    if (stat(path, &st) != 0)
        return NULL; /* reading it says what is wrong */
    if (S_ISDIR(st.st_mode))
        return "a directory (subdirectories are not read: name them to read them)";
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    if (strncmp(name, "error.log", 9) == 0 || strncmp(name, "crash.log", 9) == 0)
        return "ejabberd's copy of the errors of ejabberd.log (name it to read it)";
    char errbuf[256];
    struct source *src = source_open(path, errbuf, sizeof errbuf);
    if (!src)
        return NULL;
    char head[4096];
    size_t len = 0;
    for (;;) {
        ssize_t got = source_read(src, head + len, sizeof head - len, errbuf, sizeof errbuf);
        if (got <= 0)
            break;
        len += (size_t)got;
        if (len == sizeof head || memchr(head, '\n', len))
            break;
    }
    source_close(src);
    if (len == 0)
        return "empty";
    if (source_detect(head, len) == INPUT_UNKNOWN)
        return "neither an ejabberd log nor a capture";
    return NULL;
}

static void
push(char ***out, size_t *nout, size_t *cap, char *path)
{
    if (*nout == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *out = xreallocarray(*out, *cap, sizeof **out);
    }
    (*out)[(*nout)++] = path;
}

char **
fileset_expand(char *const *paths, size_t n, size_t *nout,
               void (*note)(void *arg, const char *msg), void *arg)
{
    char **out = NULL;
    size_t cap = 0;
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        struct dirent **names = NULL;
        int count = fileset_is_dir(paths[i]) ? scandir(paths[i], &names, NULL, alphasort) : -1;
        if (count < 0) {
            push(&out, nout, &cap, xstrdup(paths[i]));
            continue;
        }
        size_t before = *nout;
        size_t dl = strlen(paths[i]);
        bool slash = dl > 0 && paths[i][dl - 1] == '/';
        for (int k = 0; k < count; k++) {
            const char *name = names[k]->d_name;
            if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
                size_t len = dl + strlen(name) + 2;
                char *path = xmalloc(len);
                snprintf(path, len, "%s%s%s", paths[i], slash ? "" : "/", name);
                const char *why = skip_reason(path, name);
                if (why) {
                    char msg[PATH_MAX + 200];
                    snprintf(msg, sizeof msg, "%s: skipped: %s", path, why);
                    note(arg, msg);
                    free(path);
                } else {
                    push(&out, nout, &cap, path);
                }
            }
            free(names[k]);
        }
        free(names);
        if (*nout == before) /* nothing to read: the directory itself says so */
            push(&out, nout, &cap, xstrdup(paths[i]));
    }
    return out;
}

void
fileset_free(char **paths, size_t n)
{
    for (size_t i = 0; paths && i < n; i++)
        free(paths[i]);
    free(paths);
}
