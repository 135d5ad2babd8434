/* report: result records, the run summary, names, and the writer dispatcher. */
#include <config.h>
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

double
report_round_ms(double ms)
{
    /* Avoid round() so the library does not need libm. */
    if (!(ms >= 0) || ms >= 9e12)
        return ms;
    return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}

size_t
report_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[0];
    size_t len;
    if (c < 0x80)
        return 1;
    else if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    /* Stops at the first non-continuation byte, so never reads past a NUL. */
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)) /* overlong, surrogate */
        return 0;
    if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)) /* overlong, > U+10FFFF */
        return 0;
    return len;
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

/* Summary. */

struct summary *
summary_new(void)
{
    return xcalloc(1, sizeof(struct summary));
}

void
summary_free(struct summary *sm)
{
    if (!sm)
        return;
    for (size_t i = 0; i < sm->nby_mechanism; i++)
        free(sm->by_mechanism[i].name);
    free(sm->by_mechanism);
    for (size_t i = 0; i < sm->nplaintext_users; i++)
        free(sm->plaintext_users[i]);
    free(sm->plaintext_users);
    free(sm->plaintext_where);
    for (size_t i = 0; i < sm->nby_code; i++)
        free(sm->by_code[i].name);
    free(sm->by_code);
    free(sm->latencies);
    free(sm);
}

static void
count_name(struct name_count **v, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*v)[i].name, name) == 0) {
            (*v)[i].count++;
            return;
        }
    }
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[*n].name = xstrdup(name);
    (*v)[*n].count = 1;
    (*n)++;
}

/* Codes sort by letter, then by number, so A2 comes before A10. */
static int
code_cmp(const char *a, const char *b)
{
    if (a[0] != b[0])
        return (unsigned char)a[0] < (unsigned char)b[0] ? -1 : 1;
    long na = strtol(a + 1, NULL, 10), nb = strtol(b + 1, NULL, 10);
    if (na != nb)
        return na < nb ? -1 : 1;
    return strcmp(a, b);
}

/* Adds |n| findings of |code| and their highest |severity|. */
static void
count_code(struct summary *sm, const char *code, long n, enum severity severity)
{
    if (!sm->any_violation || severity > sm->max_severity)
        sm->max_severity = severity;
    sm->any_violation = true;
    /* a code seen before is the common case: find it without ordering */
    for (size_t k = 0; k < sm->nby_code; k++) {
        if (strcmp(sm->by_code[k].name, code) == 0) {
            sm->by_code[k].count += n;
            return;
        }
    }
    size_t i = 0;
    while (i < sm->nby_code && code_cmp(sm->by_code[i].name, code) < 0)
        i++;
    sm->by_code = xreallocarray(sm->by_code, sm->nby_code + 1, sizeof(*sm->by_code));
    memmove(&sm->by_code[i + 1], &sm->by_code[i], (sm->nby_code - i) * sizeof(*sm->by_code));
    sm->by_code[i].name = xstrdup(code);
    sm->by_code[i].count = n;
    sm->nby_code++;
}

static void
add_user(struct summary *sm, const char *user, unsigned where)
{
    size_t i = 0;
    int c = 1;
    while (i < sm->nplaintext_users && (c = strcmp(sm->plaintext_users[i], user)) < 0)
        i++;
    if (i < sm->nplaintext_users && c == 0) {
        sm->plaintext_where[i] |= (unsigned char)where;
        return;
    }
    sm->plaintext_users =
        xreallocarray(sm->plaintext_users, sm->nplaintext_users + 1, sizeof(*sm->plaintext_users));
    sm->plaintext_where =
        xreallocarray(sm->plaintext_where, sm->nplaintext_users + 1, sizeof(*sm->plaintext_where));
    memmove(&sm->plaintext_users[i + 1], &sm->plaintext_users[i],
            (sm->nplaintext_users - i) * sizeof(*sm->plaintext_users));
    memmove(&sm->plaintext_where[i + 1], &sm->plaintext_where[i],
            (sm->nplaintext_users - i) * sizeof(*sm->plaintext_where));
    sm->plaintext_users[i] = xstrdup(user);
    sm->plaintext_where[i] = (unsigned char)where;
    sm->nplaintext_users++;
}

/* The name to list for a session that exposed a password, or NULL. */
static const char *
plaintext_user(const struct session *s)
{
    if (s->user)
        return s->user;
    /* Prefer the identity of an attempt that actually exposed a secret. */
    for (size_t i = 0; i < s->auth.nattempts; i++) {
        const struct attempt *a = &s->auth.attempts[i];
        if (a->plaintext && a->has_credentials && a->credentials.authcid)
            return a->credentials.authcid;
    }
    for (size_t i = 0; i < s->auth.nattempts; i++) {
        const struct attempt *a = &s->auth.attempts[i];
        if (a->has_credentials && a->credentials.authcid)
            return a->credentials.authcid;
    }
    return NULL;
}

void
summary_add(struct summary *sm, const struct session *s)
{
    sm->sessions++;
    if ((unsigned)s->outcome < NELEMS(sm->by_outcome))
        sm->by_outcome[s->outcome]++;
    if ((unsigned)s->transport < NELEMS(sm->by_transport))
        sm->by_transport[s->transport]++;
    count_name(&sm->by_mechanism, &sm->nby_mechanism,
               s->auth.mechanism ? s->auth.mechanism : "none");

    bool plaintext = s->password_on_wire || s->password_in_log;
    for (size_t i = 0; i < s->auth.nattempts && !plaintext; i++)
        plaintext = s->auth.attempts[i].plaintext;
    if (plaintext) {
        sm->plaintext_sessions++;
        unsigned where = (s->password_on_wire ? PLAINTEXT_ON_WIRE : 0) |
                         (s->password_in_log ? PLAINTEXT_IN_LOG : 0);
        sm->plaintext_on_wire += s->password_on_wire;
        sm->plaintext_in_log += s->password_in_log;
        const char *user = plaintext_user(s);
        if (user)
            add_user(sm, user, where);
    }

    /*
     * One finding per code and step (login-spec §2.2 rule 3), stored or
     * dropped past the session's caps; a violation's count (the rule hit again
     * at its step) adds none.
     */
    for (size_t i = 0; i < s->nviolations; i++)
        count_code(sm, s->violations[i].code, 1, s->violations[i].severity);
    for (size_t i = 0; i < s->nviolations_dropped; i++) {
        const struct violation_drop *v = &s->violations_dropped[i];
        char code[sizeof v->code + 1];
        memcpy(code, v->code, sizeof v->code);
        code[sizeof v->code] = '\0';
        count_code(sm, code, (long)v->count, v->severity);
    }

    double lat = s->durations.to_bound;
    if (lat >= 0 && lat <= 1e300) { /* also rejects NaN and infinity */
        sm->latencies = xgrow(sm->latencies, sm->nlatencies, sizeof(double));
        sm->latencies[sm->nlatencies++] = lat;
    }
}

static int
double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double
summary_percentile(const struct summary *sm, double p)
{
    if (!sm || sm->nlatencies == 0)
        return -1;
    size_t n = sm->nlatencies;
    double *v = xreallocarray(NULL, n, sizeof(double));
    memcpy(v, sm->latencies, n * sizeof(double));
    qsort(v, n, sizeof(double), double_cmp);
    /* Nearest rank: the smallest value with at least p% of values at or below it. */
    double r = p * (double)n / 100.0;
    size_t rank;
    if (!(r > 1))
        rank = 1;
    else if (r >= (double)n)
        rank = n;
    else {
        rank = (size_t)r;
        if ((double)rank < r)
            rank++;
    }
    double result = v[rank - 1];
    free(v);
    return result;
}

/* The writer dispatcher. */

struct report_writer {
    struct report_options opt; /* tool_version points to version below */
    char *version;
    FILE *out;
    struct session **sessions; /* kept for text and json, in arrival order */
    size_t nsessions;
    bool failed; /* a jsonl line could not be written */
};

struct report_writer *
report_writer_new(const struct report_options *opt, FILE *out)
{
    struct report_writer *w = xcalloc(1, sizeof(*w));
    w->opt = *opt;
    w->version = xstrdup(opt->tool_version && *opt->tool_version ? opt->tool_version : "unknown");
    w->opt.tool_version = w->version;
    w->out = out;
    return w;
}

static void
session_free(struct session *s)
{
    session_clear(s);
    free(s);
}

static void
drop_sessions(struct report_writer *w)
{
    for (size_t i = 0; i < w->nsessions; i++)
        session_free(w->sessions[i]);
    free(w->sessions);
    w->sessions = NULL;
    w->nsessions = 0;
}

void
report_writer_free(struct report_writer *w)
{
    if (!w)
        return;
    drop_sessions(w);
    free(w->version);
    free(w);
}

void
report_flush(struct report_writer *w)
{
    if (w && fflush(w->out) != 0)
        w->failed = true;
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
    w->sessions = xgrow(w->sessions, w->nsessions, sizeof(*w->sessions));
    w->sessions[w->nsessions++] = s;
}

static int
session_id_cmp(const void *a, const void *b)
{
    const struct session *x = *(struct session *const *)a;
    const struct session *y = *(struct session *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

int
report_finish(struct report_writer *w, const struct input_info *inputs, size_t ninputs,
              const struct summary *sm)
{
    static const struct summary empty;
    /* Ids are unique, so an unstable sort still gives one order. */
    if (w->nsessions > 1)
        qsort(w->sessions, w->nsessions, sizeof(*w->sessions), session_id_cmp);
    struct report_run run = {
        .opt = &w->opt,
        .sessions = (const struct session *const *)w->sessions,
        .nsessions = w->nsessions,
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
        rc = report_text_write(w->out, &run);
        break;
    }
    drop_sessions(w);
    if (fflush(w->out) != 0 || ferror(w->out))
        rc = -1;
    return w->failed ? -1 : rc;
}
