/* main: the xmppflow command line (../shared/CONTRACT.md): options, usage, exit status. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "report.h"
#include "secret_mask.h"
#include "xalloc.h"

enum exit_status {
    EXIT_DONE = 0,
    EXIT_FAIL_ON = 1,     /* --fail-on matched */
    EXIT_USAGE = 2,
    EXIT_BAD_INPUT = 3,   /* an input could not be read or is not a log or capture */
};

enum {
    OPT_SHOW_SECRETS = 256,
    OPT_FAIL_ON,
    OPT_PORT,
    OPT_KEYLOG,
    OPT_USER,
    OPT_CLIENT,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_INPUT,
    OPT_MAX_ELEMENT,
    OPT_MAX_CONNECTIONS,
    OPT_ALL_CONNECTIONS,
};

static const struct option long_options[] = {
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"input", required_argument, NULL, OPT_INPUT},
    {"show-secrets", no_argument, NULL, OPT_SHOW_SECRETS},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"port", required_argument, NULL, OPT_PORT},
    {"keylog", required_argument, NULL, OPT_KEYLOG},
    {"user", required_argument, NULL, OPT_USER},
    {"client", required_argument, NULL, OPT_CLIENT},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"max-element", required_argument, NULL, OPT_MAX_ELEMENT},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"all-connections", no_argument, NULL, OPT_ALL_CONNECTIONS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *out)
{
    fputs("Usage: xmppflow [OPTIONS] FILE...\n"
          "Explains XMPP client logins from ejabberd logs and pcap/pcapng captures:\n"
          "every step of each login, what went wrong, and which passwords were exposed.\n"
          "\n"
          "FILE is an ejabberd log or a capture, plain or gzip-compressed, or - for\n"
          "standard input. The kind is detected from the content.\n"
          "\n"
          "Options:\n"
          "  -f, --format text|json|jsonl  report format (default: text)\n"
          "  -o, --output FILE             write the report to FILE instead of standard output\n"
          "      --input pcap|log          do not detect the input kind, use this one\n"
          "      --show-secrets            print decoded passwords and tokens in clear\n"
          "                                (default: every secret is <hidden>)\n"
          "      --fail-on info|warning|error|never\n"
          "                                exit 1 when a violation of at least this severity\n"
          "                                is found (default: never)\n"
          "      --port PORT               treat TCP PORT as XMPP in captures (repeatable)\n"
          "      --keylog FILE             TLS key log (SSLKEYLOGFILE format) for captures\n"
          "      --user USER               report only sessions of this user\n"
          "      --client IP               report only sessions from this client address\n"
          "      --max-element BYTES       largest element parsed (default 1048576)\n"
          "      --max-connections N       connections open at once; past N the least\n"
          "                                recently active is closed as evicted (default 2500)\n"
          "      --all-connections         report connections that never carried XMPP as\n"
          "                                sessions (default: counted in the summary)\n"
          "      --progress, --no-progress progress on standard error (default: when a tty)\n"
          "  -q, --quiet                   no warnings on standard error\n"
          "  -h, --help                    show this help and exit\n"
          "  -V, --version                 show the version and exit\n"
          "\n"
          "Exit status: 0 done, 1 --fail-on matched, 2 usage error,\n"
          "3 an input could not be read or is not a log or capture.\n",
          out);
}

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("xmppflow: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'xmppflow --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

static bool
parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v == 0 || s[0] == '-')
        return false;
    *out = (size_t)v;
    return true;
}

/* The --fail-on threshold: -1 for never, else the lowest severity that fails. */
static int
severity_threshold(const char *s)
{
    if (strcmp(s, "never") == 0)
        return -1;
    if (strcmp(s, "info") == 0)
        return SEV_INFO;
    if (strcmp(s, "warning") == 0)
        return SEV_WARNING;
    if (strcmp(s, "error") == 0)
        return SEV_ERROR;
    return -2;
}

static bool
threshold_reached(const struct summary *sm, int threshold)
{
    return threshold >= 0 && sm->any_violation && (int)sm->max_severity >= threshold;
}

/* An input's error on standard error, through the same masking step as the report. */
static void
print_input_error(const char *path, long line, const char *message)
{
    char *masked = secret_mask_enabled() ? secret_mask_dup(message) : NULL;
    if (line)
        fprintf(stderr, "xmppflow: %s:%ld: %s\n", path, line, masked ? masked : message);
    else
        fprintf(stderr, "xmppflow: %s: %s\n", path, masked ? masked : message);
    free(masked);
}

int
main(int argc, char **argv)
{
    struct report_options ropt = {.format = REPORT_TEXT, .tool_version = PACKAGE_VERSION};
    struct analyze_options aopt = {0};
    const char *output = NULL;
    int fail_threshold = -1;
    bool quiet = false;
    const char *keylog = NULL;
    unsigned ports[64];
    size_t nports = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:o:qhV", long_options, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                ropt.format = REPORT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                ropt.format = REPORT_JSON;
            else if (strcmp(optarg, "jsonl") == 0)
                ropt.format = REPORT_JSONL;
            else
                return usage_error("unknown format '%s' (text, json or jsonl)", optarg);
            break;
        case 'o':
            output = optarg;
            break;
        case OPT_INPUT:
            if (strcmp(optarg, "log") == 0)
                aopt.forced = INPUT_EJLOG;
            else if (strcmp(optarg, "pcap") == 0)
                aopt.forced = INPUT_PCAP;
            else
                return usage_error("unknown input kind '%s' (pcap or log)", optarg);
            break;
        case OPT_SHOW_SECRETS:
            ropt.show_secrets = aopt.show_secrets = true;
            secret_mask_set_enabled(false);
            break;
        case OPT_FAIL_ON:
            fail_threshold = severity_threshold(optarg);
            if (fail_threshold == -2)
                return usage_error("unknown severity '%s' (info, warning, error or never)", optarg);
            break;
        case OPT_PORT: {
            size_t port;
            if (!parse_size(optarg, &port) || port > 65535)
                return usage_error("bad port '%s'", optarg);
            if (nports < sizeof ports / sizeof ports[0])
                ports[nports++] = (unsigned)port;
            break;
        }
        case OPT_KEYLOG:
            if (access(optarg, R_OK) != 0) {
                fprintf(stderr, "xmppflow: %s: %s\n", optarg, strerror(errno));
                return EXIT_BAD_INPUT;
            }
            keylog = optarg;
            break;
        case OPT_USER:
            aopt.user = optarg;
            break;
        case OPT_CLIENT:
            aopt.client = optarg;
            break;
        case OPT_PROGRESS:
        case OPT_NO_PROGRESS:
            break; /* logs are read faster than a progress line would refresh */
        case OPT_MAX_ELEMENT:
            if (!parse_size(optarg, &aopt.limits.max_element))
                return usage_error("bad size '%s'", optarg);
            break;
        case OPT_MAX_CONNECTIONS:
            if (!parse_size(optarg, &aopt.max_connections) || aopt.max_connections > 10000000)
                return usage_error("bad connection count '%s' (1 to 10000000)", optarg);
            break;
        case OPT_ALL_CONNECTIONS:
            aopt.all_connections = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_DONE;
        case 'V':
            printf("xmppflow %s\n", PACKAGE_VERSION);
            return EXIT_DONE;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "no input FILE given");
    aopt.ports = ports;
    aopt.nports = nports;
    if (keylog && !quiet)
        fprintf(stderr, "xmppflow: %s: TLS decryption is not supported by this version yet; "
                        "TLS sessions stay opaque\n", keylog);

    FILE *out = stdout;
    if (output && strcmp(output, "-") != 0) {
        out = fopen(output, "w");
        if (!out) {
            fprintf(stderr, "xmppflow: %s: %s\n", output, strerror(errno));
            return EXIT_BAD_INPUT;
        }
    }
    /*
     * A report, or a jsonl line, goes out in one write when it fits the
     * buffer (stdio's default is the block size, 4 KiB, less than one line
     * of a long login). A terminal keeps its line buffering.
     */
    static char out_buffer[64 * 1024]; /* glibc ignores the size without a buffer */
    if (!isatty(fileno(out)))
        setvbuf(out, out_buffer, _IOFBF, sizeof out_buffer);
    /*
     * jsonl lines wait in that buffer; the analyzer flushes it whenever it is
     * about to wait for input, so a reader following a live run still sees
     * each session as soon as it is known
     */
    ropt.hold_lines = true;
    struct report_writer *w = report_writer_new(&ropt, out);
    struct summary *sm = summary_new();
    struct analyzer *an = analyzer_new(&aopt, w, sm);
    size_t ninputs = (size_t)(argc - optind);
    struct input_info *inputs = xcalloc(ninputs, sizeof *inputs);
    int status = EXIT_DONE;
    if (analyzer_run(an, argv + optind, ninputs, inputs) > 0)
        status = EXIT_BAD_INPUT;
    for (size_t i = 0; i < ninputs; i++) {
        const char *path = argv[optind + (int)i];
        if (inputs[i].type == INPUT_UNKNOWN || inputs[i].unusable) {
            /* one line naming the file; the report carries the same message */
            print_input_error(path, 0, inputs[i].nerrors ? inputs[i].errors[0].message : "cannot read");
        } else if (!quiet) {
            for (size_t k = 0; k < inputs[i].nerrors; k++) {
                const struct input_error *e = &inputs[i].errors[k];
                print_input_error(path, e->line, e->message);
            }
        }
    }
    analyzer_free(an);
    if (report_finish(w, inputs, ninputs, sm) < 0 || fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "xmppflow: %s: write error\n", output ? output : "standard output");
        status = EXIT_BAD_INPUT;
    }
    if (status == EXIT_DONE && threshold_reached(sm, fail_threshold))
        status = EXIT_FAIL_ON;
    report_writer_free(w);
    summary_free(sm);
    for (size_t i = 0; i < ninputs; i++)
        input_info_clear(&inputs[i]);
    free(inputs);
    if (out != stdout)
        fclose(out);
    return status;
}
