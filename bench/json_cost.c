/*
 * json_cost.c: what writing one session of a report costs with the
 * project's JSON writer (src/report/json_writer.c) and with Jansson.
 *
 *   bench/run-json-cost.sh [SIZE_MB]     builds this and runs it on a jsonl report
 *   json_cost REPORT.jsonl [ROUNDS [WAY]] prints one line per way of writing
 *                                        (WAY 0-3: only that one, e.g. under
 *                                        valgrind --tool=callgrind)
 *
 * The sessions of REPORT (every line but the last, which is the summary)
 * are parsed once with Jansson; then, ROUNDS times over all of them (best
 * round kept):
 *
 *   writer   walks the tree and writes each value with json_writer's calls
 *            (keys as json_writer_name, as report_json.c writes them;
 *            strings through the masking step, as in a report),
 *   jansson  builds a tree of the same values (json_deep_copy: one
 *            allocation per value, as building it from the session did
 *            before the writer replaced it) and json_dumps() it with the
 *            reports' flags, then frees both,
 *
 * and, to show where the time goes, the writer without the masking step
 * and json_dumps() alone on the tree already built.
 *
 * Each side starts from values in memory and ends with the compact line in
 * a buffer; the check at the end compares the two lines byte for byte.
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "json_writer.h"
#include "secret_mask.h"

#define JANSSON_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) | JSON_COMPACT)

static void
write_tree(struct json_writer *w, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *member;
        json_writer_object_begin(w);
        json_object_foreach (v, key, member) {
            json_writer_name(w, key);
            write_tree(w, member);
        }
        json_writer_object_end(w);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *item;
        json_writer_array_begin(w);
        json_array_foreach (v, i, item)
            write_tree(w, item);
        json_writer_array_end(w);
        break;
    }
    case JSON_STRING:
        json_writer_string(w, json_string_value(v));
        break;
    case JSON_INTEGER:
        json_writer_int(w, json_integer_value(v));
        break;
    case JSON_REAL:
        json_writer_real(w, json_real_value(v));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        json_writer_bool(w, json_is_true(v));
        break;
    case JSON_NULL:
        json_writer_null(w);
        break;
    }
}

/*
 * One session each way, returning the length written. Not inlined, so that
 * callgrind counts each one's instructions apart (inclusive cost).
 */
__attribute__((noinline)) static size_t
with_writer(json_t *session, struct buf *b)
{
    struct json_writer w;
    json_writer_init(&w, b, 0);
    write_tree(&w, session);
    size_t len = b->len;
    buf_reset(b);
    return len;
}

__attribute__((noinline)) static size_t
with_jansson(json_t *session, bool build)
{
    json_t *tree = build ? json_deep_copy(session) : session;
    char *text = json_dumps(tree, JANSSON_FLAGS);
    size_t len = strlen(text);
    free(text);
    if (build)
        json_decref(tree);
    return len;
}

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The sessions of a jsonl report: every line but the last. */
static json_t **
read_sessions(const char *path, size_t *n, size_t *bytes)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    json_t **v = NULL;
    size_t cap = 0;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    *n = 0;
    *bytes = 0;
    while ((len = getline(&line, &linecap, f)) > 0) {
        json_error_t err;
        json_t *j = json_loadb(line, (size_t)len, 0, &err);
        if (!j) {
            fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
            exit(1);
        }
        if (json_object_get(j, "tool")) { /* the last line */
            json_decref(j);
            continue;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            v = realloc(v, cap * sizeof *v);
            if (!v)
                abort();
        }
        v[(*n)++] = j;
        *bytes += (size_t)len;
    }
    free(line);
    fclose(f);
    return v;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s REPORT.jsonl [ROUNDS [WAY]]\n", argv[0]);
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    int only = argc > 3 ? atoi(argv[3]) : -1;
    size_t n, bytes;
    json_t **s = read_sessions(argv[1], &n, &bytes);
    if (n == 0) {
        fprintf(stderr, "%s: no sessions\n", argv[1]);
        return 1;
    }

    /* best of |rounds| for each way, in seconds for all the sessions */
    enum { WRITER, WRITER_UNMASKED, JANSSON, JANSSON_DUMP, WAYS };
    static const char *const names[WAYS] = {
        "json_writer", "json_writer, no masking", "jansson (build + dump)", "jansson, dump only",
    };
    double best[WAYS];
    struct buf b = {0};
    size_t sink = 0;
    for (int way = 0; way < WAYS; way++) {
        best[way] = 1e30;
        if (only >= 0 && way != only)
            continue;
        secret_mask_set_enabled(way != WRITER_UNMASKED);
        for (int r = 0; r < rounds; r++) {
            double t0 = now();
            for (size_t i = 0; i < n; i++)
                sink += way == WRITER || way == WRITER_UNMASKED ? with_writer(s[i], &b)
                                                                : with_jansson(s[i], way == JANSSON);
            double t = now() - t0;
            best[way] = t < best[way] ? t : best[way];
        }
    }
    secret_mask_set_enabled(true);

    /* the two write the same bytes */
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) {
        struct json_writer w;
        json_writer_init(&w, &b, 0);
        write_tree(&w, s[i]);
        char *text = json_dumps(s[i], JANSSON_FLAGS);
        differ += strcmp(buf_str(&b), text) != 0;
        free(text);
        buf_reset(&b);
        json_decref(s[i]);
    }
    buf_clear(&b);
    free(s);

    printf("%zu sessions, %.0f bytes each, best of %d rounds (%zu bytes written)\n", n,
           (double)bytes / (double)n, rounds, sink);
    for (int way = 0; way < WAYS; way++) {
        if (only >= 0 && way != only)
            continue;
        printf("%-24s %7.2f us per session %7.1f MB/s", names[way], best[way] / (double)n * 1e6,
               (double)bytes / best[way] / 1e6);
        if (only < 0)
            printf(" %5.1fx json_writer", best[way] / best[WRITER]);
        putchar('\n');
    }
    if (differ)
        printf("%zu sessions written differently: the writer and Jansson disagree\n", differ);
    return differ ? 1 : 0;
}
