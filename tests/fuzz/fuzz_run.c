/* fuzz_run: the whole tool on one input (see the header). */
#include <config.h>
#include "fuzz_run.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyze.h"
#include "filter.h"
#include "secret_mask.h"

static int input_fd = -1;
static char input_path[64];
static FILE *output;

void
fuzz_run_init(void)
{
    input_fd = memfd_create("fuzz-input", MFD_CLOEXEC);
    if (input_fd < 0) {
        perror("fuzz_run: memfd_create");
        abort();
    }
    /* opening this path opens the memfd anew, at offset 0, as open(2) a file */
    snprintf(input_path, sizeof input_path, "/proc/self/fd/%d", input_fd);
    /* FUZZ_REPORT=1: the report on standard output, to see what an input does */
    const char *show = getenv("FUZZ_REPORT");
    output = show && strcmp(show, "1") == 0 ? stdout : fopen("/dev/null", "w");
    if (!output) {
        perror("fuzz_run: /dev/null");
        abort();
    }
}

static void
put_input(const uint8_t *data, size_t size)
{
    if (ftruncate(input_fd, 0) != 0) {
        perror("fuzz_run: ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(input_fd, data + done, size - done, (off_t)done);
        if (n <= 0) {
            perror("fuzz_run: pwrite");
            abort();
        }
        done += (size_t)n;
    }
}

void
fuzz_run(const uint8_t *data, size_t size, enum input_type forced)
{
    if (input_fd < 0)
        fuzz_run_init();
    put_input(data, size);
    static const enum report_format formats[] = {REPORT_TEXT, REPORT_JSON, REPORT_JSONL};
    bool show_secrets = (size / 3) % 2;
    struct report_options ropt = {.format = formats[size % 3],
                                  .show_secrets = show_secrets,
                                  .tool_version = "fuzz",
                                  .hold_lines = true};
    static const unsigned ports[] = {80, 5269};
    struct analyze_options aopt = {.show_secrets = show_secrets, .forced = forced,
                                   .ports = ports, .nports = 2};
    if ((size / 6) % 4 == 0)
        aopt.limits.max_element = 256; /* elements past it are skipped and reported */
    /* filters: the writers then skip ids (report_skip), text and json keep their order */
    struct filter *filter = NULL;
    switch ((size / 24) % 4) {
    case 1:
        filter = filter_new();
        filter_add_user(filter, "alice");
        break;
    case 2:
        filter = filter_new();
        filter_add_client(filter, "127.0.0.1");
        break;
    case 3:
        filter = filter_new();
        filter_add_user(filter, "bob");
        filter_add_client(filter, "::1");
        break;
    }
    aopt.filter = filter;
    /* a tiny connection table (evictions), or every connection a session */
    if ((size / 96) % 3 == 1)
        aopt.max_connections = 2;
    else if ((size / 96) % 3 == 2)
        aopt.all_connections = true;
    secret_mask_set_enabled(!show_secrets);

    struct report_writer *w = report_writer_new(&ropt, output);
    struct summary *sm = summary_new();
    struct analyzer *an = analyzer_new(&aopt, w, sm);
    char *paths[] = {input_path};
    struct input_info info = {0};
    analyzer_run(an, paths, 1, &info);
    analyzer_free(an);
    report_finish(w, &info, 1, sm);
    fflush(output);
    clearerr(output);
    report_writer_free(w);
    summary_free(sm);
    filter_free(filter);
    input_info_clear(&info);
    secret_mask_set_enabled(true);
}
