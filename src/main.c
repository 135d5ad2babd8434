/* main: the xmppflow command line (../shared/CONTRACT.md): options, usage, exit status. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "fileset.h"
#include "filter.h"
#include "interrupt.h"
#include "jobs.h"
#include "keylog.h"
#include "output.h"
#include "report.h"
#include "secret_mask.h"
#include "tls_crypto.h"
#include "xalloc.h"

enum exit_status {
    EXIT_DONE = 0,
    EXIT_FAIL_ON = 1,     /* --fail-on matched */
    EXIT_USAGE = 2,
    EXIT_BAD_INPUT = 3,   /* an input could not be read or is not a log or capture */
    /* SIGINT or SIGTERM stopped the reading: 128 + the signal, as a shell reports it */
    EXIT_SIGNAL_BASE = 128,
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
    {"jobs", required_argument, NULL, 'j'},
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
          "                                (in place once complete; never one of the inputs)\n"
          "      --input pcap|log          do not detect the input kind, use this one\n"
          "      --show-secrets            print decoded passwords and tokens in clear\n"
          "                                (default: every secret is <hidden>)\n"
          "      --fail-on info|warning|error|never\n"
          "                                exit 1 when a violation of at least this severity\n"
          "                                is found (default: never)\n"
          "      --port PORT               treat TCP PORT as XMPP in captures (repeatable)\n"
          "      --keylog FILE             TLS key log (SSLKEYLOGFILE format): decrypts the\n"
          "                                TLS of captures (repeatable: all of them)\n"
          "      --user USER[@DOMAIN]      report only sessions of this user or bare JID\n"
          "                                (repeatable: any of them)\n"
          "      --client IP               report only sessions from this client address,\n"
          "                                IPv4 or IPv6, no port (repeatable: any of them)\n"
          "      --max-element BYTES       largest element parsed (default 1048576)\n"
          "      --max-connections N       connections open at once; past N the least\n"
          "                                recently active is closed as evicted (default 2500)\n"
          "      --all-connections         report connections that never carried XMPP as\n"
          "                                sessions (default: counted in the summary)\n"
          "  -j, --jobs N                  N worker processes, each analysing its share of\n"
          "                                the connections (0: one per CPU; default 1); the\n"
          "                                report is the same\n"
          "      --progress, --no-progress progress on standard error (default: when a tty)\n"
          "  -q, --quiet                   no warnings on standard error\n"
          "  -h, --help                    show this help and exit\n"
          "  -V, --version                 show the version and exit\n"
          "\n"
          "Exit status: 0 done, 1 --fail-on matched, 2 usage error,\n"
          "3 an input could not be read or is not a log or capture, or the report\n"
          "could not be written, 130/143 stopped by SIGINT/SIGTERM (the report\n"
          "covers what was read).\n",
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

/* What the options ask for. */
struct cli {
    struct report_options ropt;
    struct analyze_options aopt;
    const char *output;
    int fail_threshold;
    bool quiet;
    char **keylogs; /* every --keylog, in order */
    size_t nkeylogs;
    struct keylog *keylog; /* what they hold, read before the inputs */
    unsigned *ports; /* every --port, in order (no fixed limit) */
    size_t nports;
    struct filter *filter;
    unsigned jobs; /* -j: worker processes; 0 one per CPU */
};

static void
cli_clear(struct cli *cli)
{
    free(cli->ports);
    free(cli->keylogs);
    keylog_free(cli->keylog);
    filter_free(cli->filter);
}

/* Reads the options into |cli|. Returns -1 to go on, or the exit status. */
static int
parse_options(int argc, char **argv, struct cli *cli)
{
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:o:j:qhV", long_options, NULL)) != -1) {
        const char *refused;
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                cli->ropt.format = REPORT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                cli->ropt.format = REPORT_JSON;
            else if (strcmp(optarg, "jsonl") == 0)
                cli->ropt.format = REPORT_JSONL;
            else
                return usage_error("unknown format '%s' (text, json or jsonl)", optarg);
            break;
        case 'o':
            cli->output = optarg;
            break;
        case OPT_INPUT:
            if (strcmp(optarg, "log") == 0)
                cli->aopt.forced = INPUT_EJLOG;
            else if (strcmp(optarg, "pcap") == 0)
                cli->aopt.forced = INPUT_PCAP;
            else
                return usage_error("unknown input kind '%s' (pcap or log)", optarg);
            break;
        case OPT_SHOW_SECRETS:
            cli->ropt.show_secrets = cli->aopt.show_secrets = true;
            secret_mask_set_enabled(false);
            break;
        case OPT_FAIL_ON:
            cli->fail_threshold = severity_threshold(optarg);
            if (cli->fail_threshold == -2)
                return usage_error("unknown severity '%s' (info, warning, error or never)", optarg);
            break;
        case OPT_PORT: {
            size_t port;
            if (!parse_size(optarg, &port) || port > 65535)
                return usage_error("bad port '%s'", optarg);
            cli->ports = xgrow(cli->ports, cli->nports, sizeof *cli->ports);
            cli->ports[cli->nports++] = (unsigned)port;
            break;
        }
        case OPT_KEYLOG:
            if (!tls_crypto_available())
                return usage_error("--keylog: TLS decryption is not available in this build "
                                   "(configured --without-openssl or without libcrypto)");
            if (access(optarg, R_OK) != 0) {
                fprintf(stderr, "xmppflow: %s: %s\n", optarg, strerror(errno));
                return EXIT_BAD_INPUT;
            }
            cli->keylogs = xgrow(cli->keylogs, cli->nkeylogs, sizeof *cli->keylogs);
            cli->keylogs[cli->nkeylogs++] = optarg;
            break;
        case OPT_USER:
            if ((refused = filter_add_user(cli->filter, optarg)) != NULL)
                return usage_error("--user '%s': %s", optarg, refused);
            break;
        case OPT_CLIENT:
            if ((refused = filter_add_client(cli->filter, optarg)) != NULL)
                return usage_error("--client '%s': %s", optarg, refused);
            break;
        case OPT_PROGRESS:
        case OPT_NO_PROGRESS:
            break; /* logs are read faster than a progress line would refresh */
        case OPT_MAX_ELEMENT:
            if (!parse_size(optarg, &cli->aopt.limits.max_element))
                return usage_error("bad size '%s'", optarg);
            break;
        case OPT_MAX_CONNECTIONS:
            if (!parse_size(optarg, &cli->aopt.max_connections) || cli->aopt.max_connections > 10000000)
                return usage_error("bad connection count '%s' (1 to 10000000)", optarg);
            break;
        case OPT_ALL_CONNECTIONS:
            cli->aopt.all_connections = true;
            break;
        case 'j': {
            size_t jobs = 0;
            if (strcmp(optarg, "0") != 0 && (!parse_size(optarg, &jobs) || jobs > JOBS_MAX))
                return usage_error("bad job count '%s' (0 to %d)", optarg, JOBS_MAX);
            cli->jobs = (unsigned)jobs;
            break;
        }
        case 'q':
            cli->quiet = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_DONE;
        case 'V':
            printf("xmppflow %s\nTLS decryption with a key log (--keylog): %s\n", PACKAGE_VERSION,
                   tls_crypto_available() ? "available (OpenSSL libcrypto)" : "not available (built without OpenSSL)");
            return EXIT_DONE;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "no input FILE given");
    return -1;
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

/* A file of a directory given as FILE that is not read (fileset_expand). */
static void
note_skipped(void *quiet, const char *msg)
{
    if (!*(bool *)quiet)
        fprintf(stderr, "xmppflow: %s\n", msg);
}

/* The inputs' problems on standard error, one line each, naming the file. */
static void
print_input_errors(const struct input_info *inputs, size_t n, char *const *paths, bool quiet)
{
    for (size_t i = 0; i < n; i++) {
        if (inputs[i].type == INPUT_UNKNOWN || inputs[i].unusable) {
            /* one line naming the file; the report carries the same message */
            print_input_error(paths[i], 0,
                              inputs[i].nerrors ? inputs[i].errors[0].message : "cannot read");
        } else if (!quiet) {
            for (size_t k = 0; k < inputs[i].nerrors; k++) {
                const struct input_error *e = &inputs[i].errors[k];
                print_input_error(paths[i], e->line, e->message);
            }
        }
    }
}

/* Analyses the inputs |paths| and writes the report. Returns the exit status. */
static int
run(struct cli *cli, char **paths, size_t ninputs)
{
    /*
     * The destination must not be an input (nor the key log): checked, and a
     * temporary file made next to it, before anything is read.
     */
    char **guarded = xcalloc(ninputs + 1, sizeof *guarded);
    memcpy(guarded, paths, ninputs * sizeof *guarded);
    size_t nguarded = ninputs;
    guarded = xreallocarray(guarded, ninputs + cli->nkeylogs + 1, sizeof *guarded);
    for (size_t i = 0; i < cli->nkeylogs; i++)
        guarded[nguarded++] = cli->keylogs[i];
    char msg[PATH_MAX + 256];
    enum output_refusal why;
    struct output *dest = output_open(cli->output, guarded, nguarded, &why, msg, sizeof msg);
    free(guarded);
    if (!dest) {
        if (why == OUTPUT_IS_INPUT)
            return usage_error("%s", msg);
        fprintf(stderr, "xmppflow: %s\n", msg);
        return EXIT_BAD_INPUT;
    }
    interrupt_install();
    /* a file size limit (ulimit -f) is a write error like a full disk, not a kill */
    signal(SIGXFSZ, SIG_IGN);
    FILE *out = output_stream(dest);
    /*
     * jsonl lines wait in the output's buffer; the analyzer flushes it whenever
     * it is about to wait for input, so a reader following a live run still
     * sees each session as soon as it is known
     */
    cli->ropt.hold_lines = true;
    cli->aopt.filter = cli->filter;
    cli->aopt.ports = cli->ports;
    cli->aopt.nports = cli->nports;
    struct report_writer *w = report_writer_new(&cli->ropt, out);
    struct summary *sm = summary_new();
    if (cli->keylog) {
        cli->aopt.keylog = cli->keylog;
        sm->decryption.keylog = true;
        sm->decryption.keylog_sessions = (long)keylog_sessions(cli->keylog);
        sm->decryption.keylog_bad_lines = (long)keylog_bad_lines(cli->keylog);
    }
    struct input_info *inputs = xcalloc(ninputs, sizeof *inputs);
    int status = EXIT_DONE;
    unsigned jobs = cli->jobs ? cli->jobs : jobs_default();
    size_t failed;
    if (jobs > 1 && jobs_possible(paths, ninputs)) {
        failed = jobs_run(jobs, &cli->aopt, &cli->ropt, w, sm, paths, ninputs, inputs);
    } else {
        /* one process; also for standard input and pipes, which can be read only once */
        struct analyzer *an = analyzer_new(&cli->aopt, w, sm);
        failed = analyzer_run(an, paths, ninputs, inputs);
        analyzer_free(an);
    }
    if (failed > 0)
        status = EXIT_BAD_INPUT;
    print_input_errors(inputs, ninputs, paths, cli->quiet);
    int signo = interrupt_signal();
    sm->interrupted = signo != 0;
    if (signo && !cli->quiet)
        fprintf(stderr, "xmppflow: stopped by %s; the report covers what was read\n",
                signo == SIGINT ? "SIGINT" : "SIGTERM");
    if (signo)
        status = EXIT_SIGNAL_BASE + signo;
    else if (status == EXIT_DONE && threshold_reached(sm, cli->fail_threshold))
        status = EXIT_FAIL_ON;
    bool complete = report_finish(w, inputs, ninputs, sm) == 0;
    if (output_close(dest, complete, msg, sizeof msg) < 0) {
        /* the report is not there (a -o FILE keeps what it had): that comes first */
        fprintf(stderr, "xmppflow: %s\n", msg);
        status = EXIT_BAD_INPUT;
    }
    report_writer_free(w);
    summary_free(sm);
    for (size_t i = 0; i < ninputs; i++)
        input_info_clear(&inputs[i]);
    free(inputs);
    return status;
}

/* A key log's problem on standard error (file and line; never a line's text: it holds keys). */
static void
report_keylog_problem(void *arg, const char *path, long line, const char *message)
{
    if (!*(const bool *)arg)
        print_input_error(path, line, message);
}

/* Reads every --keylog; false when one cannot be read (exit 3). */
static bool
read_keylogs(struct cli *cli)
{
    if (!cli->nkeylogs)
        return true;
    cli->keylog = keylog_new();
    for (size_t i = 0; i < cli->nkeylogs; i++) {
        if (!keylog_read_file(cli->keylog, cli->keylogs[i], report_keylog_problem, &cli->quiet))
            return false;
    }
    return true;
}

int
main(int argc, char **argv)
{
    struct cli cli = {
        .ropt = {.format = REPORT_TEXT, .tool_version = PACKAGE_VERSION},
        .fail_threshold = -1,
        .filter = filter_new(),
        .jobs = 1,
    };
    int status = parse_options(argc, argv, &cli);
    if (status < 0 && !read_keylogs(&cli)) {
        status = EXIT_BAD_INPUT;
    } else if (status < 0) {
        /* a directory is its logs and captures (fileset.h) */
        size_t n;
        char **paths = fileset_expand(argv + optind, (size_t)(argc - optind), &n, note_skipped,
                                      &cli.quiet);
        status = run(&cli, paths, n);
        fileset_free(paths, n);
    }
    cli_clear(&cli);
    return status;
}
