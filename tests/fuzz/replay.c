/*
 * replay: a fuzz target's entry function without libFuzzer. Runs
 * LLVMFuzzerTestOneInput once on each FILE (a directory: on each file in it,
 * sorted by name), as the fuzzer would, so make check can replay every input
 * a fuzzer once crashed on (tests/fuzz/regress/) with any compiler. A
 * finding shows as the target's abort() or a sanitizer's report; the file
 * being run is named on standard error first.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as for libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "replay: %s: read error\n", path);
        buf_clear(&b);
        return 1;
    }
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, b.len);
    /*
     * As libFuzzer does: a block of exactly the input's size (the buffer has
     * room and a NUL past it, where a read one byte too far would go unseen
     * by ASan); malloc(0) still gives a pointer
     */
    uint8_t *data = malloc(b.len);
    if (!data && b.len) {
        fprintf(stderr, "replay: %s: out of memory\n", path);
        buf_clear(&b);
        return 1;
    }
    if (b.len)
        memcpy(data, b.data, b.len);
    size_t len = b.len;
    buf_clear(&b);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = xmalloc(len);
        snprintf(names[n], len, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        failed |= replay_file(names[i]);
        free(names[i]);
    }
    free(names);
    return failed;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            failed |= replay_dir(argv[i]);
        else
            failed |= replay_file(argv[i]);
    }
    return failed;
}
