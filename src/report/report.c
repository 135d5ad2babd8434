/* report: result records, the run summary, names, and the writer dispatcher. */
#include <config.h>
#include "report.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report_impl.h"
#include "xalloc.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Names. Indexed by the enum value; the report.schema.json enums list the
 * same spellings. Values outside the table are bugs; they print as
 * "unknown" rather than crash a writer.
 */

static const char *const transport_names[] = {
    [TRANSPORT_TCP] = "tcp",
    [TRANSPORT_TLS] = "tls",
    [TRANSPORT_BOSH] = "bosh",
    [TRANSPORT_WEBSOCKET] = "websocket",
};

static const char *const outcome_names[] = {
    [OUTCOME_ESTABLISHED] = "established",
    [OUTCOME_REGISTERED] = "registered",
    [OUTCOME_AUTH_FAILED] = "auth-failed",
    [OUTCOME_ABORTED] = "aborted",
    [OUTCOME_ERROR] = "error",
    [OUTCOME_INCOMPLETE] = "incomplete",
    [OUTCOME_OPAQUE] = "opaque",
};

static const char *const auth_result_names[] = {
    [AUTH_NONE] = "none",
    [AUTH_SUCCESS] = "success",
    [AUTH_FAILURE] = "failure",
};

static const char *const phase_names[] = {
    [PHASE_NONE] = NULL,
    [PHASE_CONNECT] = "CONNECT",
    [PHASE_STREAM] = "STREAM",
    [PHASE_TLS] = "TLS",
    [PHASE_REGISTER] = "REGISTER",
    [PHASE_AUTH] = "AUTH",
    [PHASE_COMPRESS] = "COMPRESS",
    [PHASE_BIND] = "BIND",
    [PHASE_SESSION] = "SESSION",
    [PHASE_SM] = "SM",
    [PHASE_ESTABLISHED] = "ESTABLISHED",
    [PHASE_CLOSE] = "CLOSE",
    [PHASE_ERROR] = "ERROR",
};

static const char *const severity_names[] = {
    [SEV_INFO] = "info",
    [SEV_WARNING] = "warning",
    [SEV_ERROR] = "error",
};

static const char *const silent_end_names[] = {
    [SILENT_NO_REPLY] = "no-reply",
    [SILENT_REFUSED] = "refused",
    [SILENT_RESET] = "reset",
    [SILENT_CLOSED] = "closed",
    [SILENT_HANDSHAKE_ONLY] = "handshake-only",
};

static const char *const input_type_names[] = {
    [INPUT_UNKNOWN] = NULL,
    [INPUT_PCAP] = "pcap",
    [INPUT_PCAPNG] = "pcapng",
    [INPUT_EJLOG] = "ejabberd-log",
};

static const char *
lookup(const char *const *names, size_t n, unsigned v, const char *fallback)
{
    return v < n ? names[v] : fallback;
}

const char *
silent_end_name(enum silent_end e)
{
    return lookup(silent_end_names, NELEMS(silent_end_names), (unsigned)e, "unknown");
}

const char *
transport_name(enum transport t)
{
    return lookup(transport_names, NELEMS(transport_names), (unsigned)t, "unknown");
}

const char *
outcome_name(enum outcome o)
{
    return lookup(outcome_names, NELEMS(outcome_names), (unsigned)o, "unknown");
}

const char *
auth_result_name(enum auth_result r)
{
    return lookup(auth_result_names, NELEMS(auth_result_names), (unsigned)r, "unknown");
}

const char *
phase_name(enum phase p)
{
    return lookup(phase_names, NELEMS(phase_names), (unsigned)p, NULL);
}

const char *
severity_name(enum severity s)
{
    return lookup(severity_names, NELEMS(severity_names), (unsigned)s, "unknown");
}

const char *
input_type_name(enum input_type t)
{
    return lookup(input_type_names, NELEMS(input_type_names), (unsigned)t, NULL);
}

/*
 * Times outside years 1..9999 cannot be written in RFC 3339's four-digit
 * year (and the schema's pattern), so they are clamped to that range.
 */
#define MIN_SECONDS INT64_C(-62135596800) /* 0001-01-01T00:00:00Z */
#define MAX_SECONDS INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* |secs| since 1970 as "YYYY-MM-DDTHH:MM:SS" (19 characters and a NUL) in |out|. */
static void
civil_time(int64_t secs, char out[20])
{
    /*
     * By hand rather than gmtime_r() and snprintf(): a report writes a time
     * for every event. Days since 1970 to a proleptic Gregorian date by
     * 400-year eras, with years starting in March so the leap day comes last
     * (the civil_from_days method H. Hinnant describes).
     */
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int year = (int)(yoe + era * 400 + (month <= 2));
    int hour = (int)(rem / 3600), minute = (int)(rem / 60 % 60), second = (int)(rem % 60);

    const struct {
        int value, width, at;
    } fields[] = {{year, 4, 0}, {month, 2, 5}, {day, 2, 8}, {hour, 2, 11}, {minute, 2, 14}, {second, 2, 17}};
    memcpy(out, "0000-00-00T00:00:00", 20);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        int v = fields[i].value;
        for (int k = fields[i].at + fields[i].width - 1; k >= fields[i].at; k--) {
            out[k] = (char)('0' + v % 10);
            v /= 10;
        }
    }
}

void
format_time(usec_t t, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return;
    /* Floor division: -1 us is 1969-12-31T23:59:59.999999Z, not .-00001. */
    int64_t secs = t / 1000000;
    int64_t usec = t % 1000000;
    if (usec < 0) {
        usec += 1000000;
        secs--;
    }
    if (secs < MIN_SECONDS) {
        secs = MIN_SECONDS;
        usec = 0;
    } else if (secs > MAX_SECONDS) {
        secs = MAX_SECONDS;
        usec = 999999;
    }
    /*
     * A report writes a time for every event, mostly of the same few seconds:
     * the date and time of the last second are kept (per thread).
     */
    static _Thread_local int64_t cached_secs = INT64_MIN;
    static _Thread_local char cached[20]; /* "YYYY-MM-DDTHH:MM:SS" */
    if (secs != cached_secs) {
        civil_time(secs, cached);
        cached_secs = secs;
    }
    char full[28];
    memcpy(full, cached, 19);
    full[19] = '.';
    for (int k = 25; k >= 20; k--) {
        full[k] = (char)('0' + usec % 10);
        usec /= 10;
    }
    full[26] = 'Z';
    full[27] = '\0';
    size_t n = outlen - 1 < 27 ? outlen - 1 : 27;
    memcpy(out, full, n);
    out[n] = '\0';
}

void
format_span(usec_t d, char *out, size_t outlen)
{
    static const struct {
        double usec;
        const char *unit;
    } units[] = {{1e3, "ms"}, {1e6, "s"}, {60e6, "min"}, {3600e6, "h"}, {86400e6, "days"},
                 {365.25 * 86400e6, "years"}};
    size_t u = 0;
    while (u + 1 < sizeof units / sizeof units[0] && (double)d >= 2 * units[u + 1].usec)
        u++;
    snprintf(out, outlen, "%.1f %s", (double)d / units[u].usec, units[u].unit);
}

double
report_round_ms(double ms)
{
    /* Avoid round() so the library does not need libm. */
    if (!(ms >= 0) || ms >= 9e12)
        return ms;
    return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}

/* Records. */

static void
free_secret(char *s)
{
    if (!s)
        return;
    /* A password should not outlive its record in freed heap memory. */
    volatile char *p = s;
    while (*p)
        *p++ = '\0';
    free(s);
}

void
session_clear(struct session *s)
{
    if (!s)
        return;
    free(s->input);
    free(s->client);
    free(s->server);
    free(s->domain);
    free(s->user);
    free(s->jid);
    for (size_t i = 0; i < s->auth.noffered; i++)
        free(s->auth.offered[i]);
    free(s->auth.offered);
    free(s->auth.mechanism);
    for (size_t i = 0; i < s->auth.nattempts; i++) {
        struct attempt *a = &s->auth.attempts[i];
        free(a->mechanism);
        free(a->condition);
        free(a->credentials.authzid);
        free(a->credentials.authcid);
        free_secret(a->credentials.password);
    }
    free(s->auth.attempts);
    for (size_t i = 0; i < s->nphases; i++) {
        free(s->phases[i].event);
        free(s->phases[i].summary);
    }
    free(s->phases);
    for (size_t i = 0; i < s->nviolations; i++)
        free(s->violations[i].message);
    free(s->violations);
    free(s->violations_dropped);
    free(s->log_pid);
    memset(s, 0, sizeof(*s));
}

void
input_info_add_error(struct input_info *in, const char *message, long line, long packet,
                     long long offset)
{
    in->errors = xreallocarray(in->errors, in->nerrors + 1, sizeof(*in->errors));
    struct input_error *e = &in->errors[in->nerrors++];
    e->message = xstrdup(message ? message : "");
    e->line = line;
    e->packet = packet;
    e->offset = offset;
}

void
input_info_clear(struct input_info *in)
{
    if (!in)
        return;
    free(in->path);
    for (size_t i = 0; i < in->nerrors; i++)
        free(in->errors[i].message);
    free(in->errors);
    memset(in, 0, sizeof(*in));
}

/*
 * The writer dispatcher. jsonl writes each session as it ends. Text and json
 * write them in id order (the order their connections started) as soon as
 * every lower id is done (written, or dropped by a filter), so a finished
 * session waits only for the ones that started before it and are still open;
 * the document streams, and memory holds only that window. When more than
 * REORDER_MAX finished sessions wait (a connection open for days, many after
 * it), the lowest waiting one is written at once: memory stays bounded, the
 * order stays deterministic, and a still-open session with a lower id comes
 * out later, out of order. json items go to a temporary file first, because
 * "inputs" comes before "sessions" in the document and is known only at the
 * end; they are copied out behind it.
 */
#define REORDER_MAX 256
/* Ids done ahead of the next one to write, as a ring of bits. */
#define DONE_WINDOW (1u << 16)

struct report_writer {
    struct report_options opt; /* tool_version points to version below */
    char *version;
    FILE *out;
    unsigned next_id;          /* the lowest id neither written nor dropped */
    uint8_t *done;             /* DONE_WINDOW bits: ids in [next_id, next_id + DONE_WINDOW) done */
    struct session **waiting;  /* finished, not yet written: a min-heap by id */
    size_t nwaiting, capwaiting;
    size_t nwritten;
    FILE *items;               /* json: the session items so far (a temporary file) */
    bool failed;               /* a session could not be written */
};

struct report_writer *
report_writer_new(const struct report_options *opt, FILE *out)
{
    struct report_writer *w = xcalloc(1, sizeof(*w));
    w->opt = *opt;
    w->version = xstrdup(opt->tool_version && *opt->tool_version ? opt->tool_version : "unknown");
    w->opt.tool_version = w->version;
    w->out = out;
    w->next_id = 1;
    if (opt->format != REPORT_JSONL)
        w->done = xcalloc(DONE_WINDOW / 8, 1);
    return w;
}

static void
session_free(struct session *s)
{
    session_clear(s);
    free(s);
}

void
report_writer_free(struct report_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->nwaiting; i++)
        session_free(w->waiting[i]);
    free(w->waiting);
    free(w->done);
    if (w->items)
        fclose(w->items);
    free(w->version);
    free(w);
}

void
report_flush(struct report_writer *w)
{
    if (w && fflush(w->out) != 0)
        w->failed = true;
}

/* A temporary file for the json items, unlinked at once; NULL when none can be made. */
static FILE *
items_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/xmppflow-sessions.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+");
    if (!f)
        close(fd);
    return f;
}

/* Writes |s| out (text) or to the items (json) and frees it. */
static void
write_session(struct report_writer *w, struct session *s)
{
    int rc;
    if (w->opt.format == REPORT_TEXT) {
        rc = report_text_write_session(w->out, s, w->opt.show_secrets);
    } else {
        if (!w->items && !(w->items = items_file())) {
            fprintf(stderr, "xmppflow: cannot create a temporary file in %s: %s\n",
                    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", strerror(errno));
            w->failed = true;
        }
        rc = w->items ? report_json_session_item(w->items, s, w->opt.show_secrets,
                                                 w->nwritten == 0)
                      : -1;
    }
    if (rc < 0)
        w->failed = true;
    w->nwritten++;
    session_free(s);
}

static void
heap_push(struct report_writer *w, struct session *s)
{
    if (w->nwaiting == w->capwaiting) {
        w->capwaiting = w->capwaiting ? 2 * w->capwaiting : 16;
        w->waiting = xrealloc(w->waiting, w->capwaiting * sizeof(*w->waiting));
    }
    size_t i = w->nwaiting++;
    while (i > 0 && w->waiting[(i - 1) / 2]->id > s->id) {
        w->waiting[i] = w->waiting[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->waiting[i] = s;
}

static struct session *
heap_pop(struct report_writer *w)
{
    struct session *top = w->waiting[0], *last = w->waiting[--w->nwaiting];
    size_t i = 0, n = w->nwaiting;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && w->waiting[c + 1]->id < w->waiting[c]->id)
            c++;
        if (w->waiting[c]->id >= last->id)
            break;
        w->waiting[i] = w->waiting[c];
        i = c;
    }
    if (n)
        w->waiting[i] = last;
    return top;
}

static bool
done_bit(const struct report_writer *w, unsigned id)
{
    unsigned k = id % DONE_WINDOW;
    return w->done[k / 8] >> (k % 8) & 1;
}

static void
set_done_bit(struct report_writer *w, unsigned id, bool on)
{
    unsigned k = id % DONE_WINDOW;
    if (on)
        w->done[k / 8] |= (uint8_t)(1u << (k % 8));
    else
        w->done[k / 8] &= (uint8_t)~(1u << (k % 8));
}

/* Moves next_id over every done id, writing the waiting sessions in order. */
static void
advance(struct report_writer *w)
{
    while (done_bit(w, w->next_id)) {
        set_done_bit(w, w->next_id, false);
        if (w->nwaiting && w->waiting[0]->id == w->next_id)
            write_session(w, heap_pop(w));
        w->next_id++;
    }
}

/* Writes the lowest waiting session now, as if every id below it were done. */
static void
force_one(struct report_writer *w)
{
    struct session *s = heap_pop(w);
    for (; w->next_id < s->id; w->next_id++)
        set_done_bit(w, w->next_id, false);
    write_session(w, s);
    set_done_bit(w, w->next_id, false);
    w->next_id++;
    advance(w);
}

/* Id |id| is done (|s| its session, or NULL when it was dropped). */
static void
id_done(struct report_writer *w, unsigned id, struct session *s)
{
    if (id < w->next_id) { /* its turn was passed by force_one: out of order */
        if (s)
            write_session(w, s);
        return;
    }
    while (id - w->next_id >= DONE_WINDOW && w->nwaiting)
        force_one(w);
    if (id - w->next_id >= DONE_WINDOW) { /* nothing waits: jump ahead */
        memset(w->done, 0, DONE_WINDOW / 8);
        w->next_id = id;
    }
    set_done_bit(w, id, true);
    if (s)
        heap_push(w, s);
    advance(w);
    while (w->nwaiting > REORDER_MAX)
        force_one(w);
}

void
report_session(struct report_writer *w, struct session *s)
{
    if (w->opt.format == REPORT_JSONL) {
        if (report_json_write_session_line(w->out, s, w->opt.show_secrets, !w->opt.hold_lines) < 0)
            w->failed = true;
        session_free(s);
        return;
    }
    id_done(w, s->id, s);
}

void
report_skip(struct report_writer *w, unsigned id)
{
    if (w->opt.format != REPORT_JSONL)
        id_done(w, id, NULL);
}

int
report_finish(struct report_writer *w, const struct input_info *inputs, size_t ninputs,
              const struct summary *sm)
{
    static const struct summary empty;
    while (w->nwaiting)
        force_one(w);
    struct report_run run = {
        .opt = &w->opt,
        .nsessions = w->nwritten,
        .items = w->items,
        .inputs = ninputs ? inputs : NULL,
        .ninputs = inputs ? ninputs : 0,
        .summary = sm ? sm : &empty,
    };
    int rc;
    switch (w->opt.format) {
    case REPORT_JSON:
        rc = report_json_write_document(w->out, &run);
        break;
    case REPORT_JSONL:
        rc = report_json_write_last_line(w->out, &run);
        break;
    case REPORT_TEXT:
    default:
        rc = report_text_write_end(w->out, &run);
        break;
    }
    if (fflush(w->out) != 0 || ferror(w->out))
        rc = -1;
    return w->failed ? -1 : rc;
}
