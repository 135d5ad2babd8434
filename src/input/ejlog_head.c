/*
 * ejlog_head: the first bytes of an input read as the log reader reads them
 * (lognorm.h, then ejlog_prefix.h), to tell a log from other input, to
 * order rotated files by their first record, and to say which lines of a
 * text that is no log could not be placed.
 */
#include <config.h>
#include "ejlog.h"

#include <stdint.h>
#include <stdio.h>

#include "lognorm.h"

/*
 * Calls |fn| on each of the first |max| lines of |head| as the reader would
 * see them (wrappers off); stops when it returns false. A docker line that
 * goes on in the next record is given once it ends, or at the end of |head|.
 */
static void
head_lines(const char *head, size_t n, int max,
           bool (*fn)(void *arg, long line, const char *l, size_t len), void *arg)
{
    struct lognorm *norm = lognorm_new();
    size_t i = 0;
    long line = 1;
    const char *l;
    size_t ln;
    for (; line <= max && i < n; line++) {
        size_t len;
        size_t next = ejlog_next_line(head + i, n - i, &len);
        if (lognorm_line(norm, head + i, len, false, &l, &ln) && !fn(arg, line, l, ln))
            break;
        i += next;
    }
    /* a docker line longer than the head (split over its records): its start is what there is */
    if (i >= n && lognorm_flush(norm, &l, &ln))
        fn(arg, line - 1, l, ln);
    lognorm_free(norm);
}

static bool
find_start(void *arg, long line, const char *l, size_t len)
{
    (void)line;
    *(bool *)arg = ejlog_is_record_start(l, len);
    return !*(bool *)arg;
}

bool
ejlog_head_is_log(const char *head, size_t n)
{
    bool found = false;
    head_lines(head, n, 64, find_start, &found);
    return found;
}

struct first_time {
    usec_t t;
    bool found;
};

static bool
find_time(void *arg, long line, const char *l, size_t len)
{
    (void)line;
    struct first_time *ft = arg;
    ft->found = ejlog_record_time(l, len, &ft->t);
    return !ft->found;
}

bool
ejlog_head_first_time(const char *head, size_t n, usec_t *t)
{
    struct first_time ft = {0, false};
    head_lines(head, n, INT32_MAX, find_time, &ft);
    *t = ft.t;
    return ft.found;
}

struct unplaced_text {
    char *out;
    size_t outlen, used;
    int named;
};

static bool
name_unplaced(void *arg, long line, const char *l, size_t len)
{
    struct unplaced_text *u = arg;
    if (!len)
        return true;
    char shape[48];
    lognorm_shape(l, len, shape, sizeof shape);
    int k = snprintf(u->out + u->used, u->outlen - u->used, "%sline %ld \"%s\"",
                     u->named ? ", " : "", line, shape);
    if (k < 0 || (size_t)k >= u->outlen - u->used)
        return false;
    u->used += (size_t)k;
    return ++u->named < EJLOG_UNPLACED;
}

void
ejlog_head_unplaced(const char *head, size_t n, char *out, size_t outlen)
{
    struct unplaced_text u = {out, outlen, 0, 0};
    if (outlen)
        out[0] = '\0';
    head_lines(head, n, 64, name_unplaced, &u);
}
