/* test_output: the report's destination: refusals, the temporary file, write errors. */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "output.h"
#include "xalloc.h"

static char dir[] = "/tmp/xmppflow-test-output.XXXXXX";

static void
setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = xasprintf("%s/%s", dir, e->d_name);
        unlink(p);
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* |dir|/|name|, allocated. */
static char *
in_dir(const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* The content of |path| (up to 255 bytes), or "(none)". */
static const char *
content(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    if (!f)
        return "(none)";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Files in |dir|, "." and ".." aside. */
static int
entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* An existing report |dir|/|name| holding |old|, opened as the destination; its path in *path. */
static struct output *
open_over(const char *name, const char *old, char **path)
{
    *path = in_dir(name);
    write_file(*path, old);
    enum output_refusal why;
    char msg[512];
    struct output *o = output_open(*path, NULL, 0, &why, msg, sizeof msg);
    cr_assert_not_null(o, "%s", msg);
    return o;
}

TestSuite(output, .init = setup, .fini = teardown);

Test(output, file_appears_whole_at_the_end)
{
    char *path, msg[512];
    struct output *o = open_over("report.txt", "old report\n", &path);
    fputs("new report\n", output_stream(o));
    fflush(output_stream(o));
    cr_expect_str_eq(content(path), "old report\n", "FILE keeps its content until the end");
    cr_expect_eq(entries(), 2, "a temporary file next to it");
    cr_assert_eq(output_close(o, true, msg, sizeof msg), 0, "%s", msg);
    cr_expect_str_eq(content(path), "new report\n");
    cr_expect_eq(entries(), 1, "no temporary file left");
    free(path);
}

Test(output, modes_new_and_existing)
{
    char *fresh = in_dir("new.txt"), *kept = in_dir("kept.txt");
    write_file(kept, "x");
    chmod(kept, 0600);
    mode_t mask = umask(027);
    enum output_refusal why;
    char msg[512];
    struct output *o = output_open(fresh, NULL, 0, &why, msg, sizeof msg);
    cr_assert_not_null(o);
    cr_assert_eq(output_close(o, true, msg, sizeof msg), 0);
    o = output_open(kept, NULL, 0, &why, msg, sizeof msg);
    cr_assert_not_null(o);
    cr_assert_eq(output_close(o, true, msg, sizeof msg), 0);
    umask(mask);
    struct stat st;
    cr_assert_eq(stat(fresh, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0640, "a new file: 0666 less the umask (got %o)",
                 (unsigned)(st.st_mode & 0777));
    cr_assert_eq(stat(kept, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600, "an existing file keeps its mode (got %o)",
                 (unsigned)(st.st_mode & 0777));
    free(fresh);
    free(kept);
}

Test(output, an_input_is_refused_by_any_name)
{
    char *input = in_dir("in.log"), *soft = in_dir("link.log"), *hard = in_dir("hard.log");
    write_file(input, "the input\n");
    cr_assert_eq(symlink(input, soft), 0);
    cr_assert_eq(link(input, hard), 0);
    char *other_spelling = xasprintf("%s/./in.log", dir);
    const char *targets[] = {input, soft, hard, other_spelling};
    char *inputs[] = {"/nonexistent/first", input};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        enum output_refusal why = 0;
        char msg[1024];
        struct output *o = output_open(targets[i], inputs, 2, &why, msg, sizeof msg);
        cr_expect_null(o, "%s is refused", targets[i]);
        cr_expect_eq(why, OUTPUT_IS_INPUT);
        cr_expect_not_null(strstr(msg, targets[i]), "the message names it: %s", msg);
    }
    cr_expect_str_eq(content(input), "the input\n");
    cr_expect_eq(entries(), 3, "no temporary file made");
    free(input);
    free(soft);
    free(hard);
    free(other_spelling);
}

Test(output, through_a_symlink_the_target_is_replaced)
{
    char *target = in_dir("target.txt"), *soft = in_dir("link.txt");
    write_file(target, "old");
    cr_assert_eq(symlink(target, soft), 0);
    enum output_refusal why;
    char msg[512];
    struct output *o = output_open(soft, NULL, 0, &why, msg, sizeof msg);
    cr_assert_not_null(o);
    fputs("new", output_stream(o));
    cr_assert_eq(output_close(o, true, msg, sizeof msg), 0, "%s", msg);
    struct stat st;
    cr_assert_eq(lstat(soft, &st), 0);
    cr_expect(S_ISLNK(st.st_mode), "the link stays a link");
    cr_expect_str_eq(content(target), "new");
    free(target);
    free(soft);
}

Test(output, incomplete_report_leaves_nothing)
{
    char *path, msg[512];
    struct output *o = open_over("report.txt", "old", &path);
    fputs("half a report", output_stream(o));
    cr_expect_eq(output_close(o, false, msg, sizeof msg), -1);
    cr_expect_not_null(strstr(msg, path), "the message names the file: %s", msg);
    cr_expect_str_eq(content(path), "old");
    cr_expect_eq(entries(), 1, "the temporary file is gone");
    free(path);
}

Test(output, full_device_says_so)
{
    if (access("/dev/full", W_OK) != 0)
        cr_skip_test("no /dev/full");
    enum output_refusal why;
    char msg[512];
    struct output *o = output_open("/dev/full", NULL, 0, &why, msg, sizeof msg);
    cr_assert_not_null(o, "%s", msg);
    fputs("a report", output_stream(o));
    cr_expect_eq(output_close(o, true, msg, sizeof msg), -1);
    cr_expect_not_null(strstr(msg, "/dev/full: write error: "), "%s", msg);
    cr_expect_not_null(strstr(msg, "No space left on device"), "%s", msg);
}

Test(output, missing_directory_fails_at_once)
{
    char *path = in_dir("no-such-dir/report.txt");
    enum output_refusal why = 0;
    char msg[1024];
    cr_expect_null(output_open(path, NULL, 0, &why, msg, sizeof msg));
    cr_expect_eq(why, OUTPUT_CANNOT_OPEN);
    cr_expect_not_null(strstr(msg, path), "%s", msg);
    free(path);
}
