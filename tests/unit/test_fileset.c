/* fileset: rotated sets by name and their reading order (ejabberd-log-formats.md §8). */
#include <config.h>
#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fileset.h"

/* The set name of |path| without its directory part. */
static long
gen(const char *path, char *stem, size_t len)
{
    char set[PATH_MAX + 256];
    long g = fileset_generation(path, set, sizeof set);
    const char *slash = strrchr(set, '/');
    const char *name = slash ? slash + 1 : set;
    size_t n = strlen(name) < len - 1 ? strlen(name) : len - 1;
    memcpy(stem, name, n);
    stem[n] = '\0';
    return g;
}

Test(fileset, rotation_suffixes_give_the_set_and_the_generation)
{
    char stem[256];
    cr_assert_eq(gen("ejabberd.log", stem, sizeof stem), -1);
    cr_assert_str_eq(stem, "ejabberd.log");
    cr_assert_eq(gen("ejabberd.log.1", stem, sizeof stem), 1);
    cr_assert_str_eq(stem, "ejabberd.log");
    cr_assert_eq(gen("ejabberd.log.2.gz", stem, sizeof stem), 2);
    cr_assert_str_eq(stem, "ejabberd.log");
    cr_assert_eq(gen("ejabberd.log.0", stem, sizeof stem), 0); /* lager */
    cr_assert_eq(gen("ejabberd-old.log", stem, sizeof stem), 0); /* E1 */
    cr_assert_str_eq(stem, "ejabberd.log");
    cr_assert_eq(gen("ejabberd.log.gz", stem, sizeof stem), -1);
    cr_assert_str_eq(stem, "ejabberd.log");
    /* dateext counts up: a later date is a newer file (a smaller generation) */
    long older = gen("ejabberd.log-20240101", stem, sizeof stem);
    cr_assert_str_eq(stem, "ejabberd.log");
    cr_assert_gt(older, gen("ejabberd.log-20240108.gz", stem, sizeof stem));
    cr_assert_gt(older, -1);
    /* names of other nodes are other sets */
    gen("node1-ejabberd.log", stem, sizeof stem);
    cr_assert_str_eq(stem, "node1-ejabberd.log");
}

Test(fileset, a_set_is_read_oldest_first_whatever_the_order_given)
{
    struct fileset_member m[] = {
        {.path = "/tmp/x/ejabberd.log", .is_log = true, .first_time = 300, .index = 0},
        {.path = "/tmp/x/ejabberd.log.2.gz", .is_log = true, .first_time = 100, .index = 1},
        {.path = "/tmp/x/ejabberd.log.1", .is_log = true, .first_time = INT64_MAX, .index = 2},
    };
    fileset_order(m, 3);
    /* the file without a time keeps its place by suffix */
    cr_assert_eq(m[0].index, 1);
    cr_assert_eq(m[1].index, 2);
    cr_assert_eq(m[2].index, 0);
    cr_assert_eq(m[0].set, m[2].set);
    cr_assert(!m[0].disagrees && !m[1].disagrees && !m[2].disagrees);
}

Test(fileset, suffixes_against_times_the_times_win)
{
    struct fileset_member m[] = {
        {.path = "/tmp/x/a.log", .is_log = true, .first_time = 100, .index = 0},
        {.path = "/tmp/x/a.log.1", .is_log = true, .first_time = 200, .index = 1},
    };
    fileset_order(m, 2);
    cr_assert_eq(m[0].index, 0);
    cr_assert(m[0].disagrees && m[1].disagrees);
}

Test(fileset, two_sets_are_two_and_interleave_by_time)
{
    struct fileset_member m[] = {
        {.path = "/tmp/a/ejabberd.log", .is_log = true, .first_time = 400, .index = 0},
        {.path = "/tmp/b/ejabberd.log", .is_log = true, .first_time = 150, .index = 1},
        {.path = "/tmp/a/ejabberd.log.1", .is_log = true, .first_time = 100, .index = 2},
        {.path = "capture.pcap", .is_log = false, .first_time = INT64_MAX, .index = 3},
    };
    fileset_order(m, 4);
    cr_assert_eq(m[0].index, 2);
    cr_assert_eq(m[1].index, 1);
    cr_assert_eq(m[2].index, 0);
    cr_assert_eq(m[3].index, 3);
    cr_assert_eq(m[0].set, 0);
    cr_assert_eq(m[1].set, 1);
    cr_assert_eq(m[2].set, 0);
    cr_assert_eq(m[3].set, 2);
}
