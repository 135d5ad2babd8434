/* report_json: the json and jsonl writers (report.schema.json), with Jansson. */
#include <config.h>
#include "report_impl.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "xalloc.h"

/*
 * Jansson keeps insertion order, so every object is built in the schema's
 * key order. Durations are rounded to 3 decimals; 15 significant digits
 * print such a value exactly (123.4, not 123.40000000000001).
 */
#define DUMP_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* Appends |s| to |b| with every invalid UTF-8 sequence replaced by U+FFFD. */
static void
utf8_repair(struct buf *b, const char *s)
{
    while (*s) {
        size_t len = report_utf8_len(s);
        if (len) {
            buf_append(b, s, len);
            s += len;
        } else {
            buf_append_str(b, "\xef\xbf\xbd");
            s++;
        }
    }
}

/* A JSON string for |s|; null when |s| is NULL. Input text may be any bytes. */
static json_t *
jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    struct buf b = {0};
    utf8_repair(&b, s);
    j = json_string(buf_str(&b));
    buf_clear(&b);
    return j ? j : json_string("");
}

/* A JSON string for a field the schema requires to be a string. */
static json_t *
jstr_or(const char *s, const char *fallback)
{
    return jstr(s && *s ? s : fallback);
}

static json_t *
jtri(enum tri t)
{
    switch (t) {
    case TRI_TRUE:
        return json_true();
    case TRI_FALSE:
        return json_false();
    case TRI_NULL:
    default:
        return json_null();
    }
}

static json_t *
jtime(usec_t t)
{
    char tmp[32];
    format_time(t, tmp, sizeof(tmp));
    return json_string(tmp);
}

/* Milliseconds rounded to microseconds; null when negative or not a number. */
static json_t *
jms(double ms)
{
    if (!(ms >= 0) || ms > 1e300)
        return json_null();
    return json_real(report_round_ms(ms) + 0.0);
}

static json_t *
jname(const char *name)
{
    return name ? json_string(name) : json_null();
}

static void
set(json_t *o, const char *key, json_t *v)
{
    /* json_object_set_new() steals |v|; a NULL |v| would drop the key. */
    json_object_set_new(o, key, v ? v : json_null());
}

static json_t *
credentials_json(const struct credentials *c, bool show_secrets)
{
    json_t *o = json_object();
    set(o, "authzid", jstr(c->authzid));
    set(o, "authcid", jstr(c->authcid));
    if (!c->password)
        set(o, "password", json_null());
    else
        set(o, "password", show_secrets ? jstr(c->password) : json_string(REPORT_HIDDEN));
    return o;
}

static json_t *
attempt_json(const struct attempt *a, bool show_secrets)
{
    json_t *o = json_object();
    set(o, "mechanism", jstr(a->mechanism && *a->mechanism ? a->mechanism : NULL));
    set(o, "result", json_string(auth_result_name(a->result)));
    set(o, "condition", jstr(a->condition));
    set(o, "tls", jtri(a->tls));
    set(o, "plaintext", json_boolean(a->plaintext));
    set(o, "credentials",
        a->has_credentials ? credentials_json(&a->credentials, show_secrets) : json_null());
    return o;
}

static json_t *
phase_event_json(const struct phase_event *e)
{
    char dir[2] = {e->dir == 'C' || e->dir == 'S' ? e->dir : '-', '\0'};
    json_t *o = json_object();
    set(o, "seq", json_integer(e->seq));
    set(o, "dir", json_string(dir));
    set(o, "time", jtime(e->time));
    set(o, "event", jstr_or(e->event, "unknown"));
    set(o, "phase", jname(phase_name(e->phase)));
    set(o, "summary", jstr_or(e->summary, ""));
    return o;
}

static json_t *
violation_json(const struct violation *v)
{
    char code[sizeof(v->code) + 1];
    memcpy(code, v->code, sizeof(v->code));
    code[sizeof(v->code)] = '\0';
    json_t *o = json_object();
    set(o, "code", jstr(code));
    set(o, "severity", json_string(severity_name(v->severity)));
    set(o, "seq", v->seq ? json_integer(v->seq) : json_null());
    set(o, "message", jstr_or(v->message, "(no message)"));
    set(o, "ref", jstr(v->ref));
    return o;
}

static json_t *
session_json(const struct session *s, bool show_secrets)
{
    json_t *o = json_object();
    set(o, "id", json_integer(s->id));
    set(o, "input", jstr_or(s->input, ""));
    set(o, "transport", json_string(transport_name(s->transport)));
    set(o, "client", jstr(s->client));
    set(o, "server", jstr(s->server));
    set(o, "domain", jstr(s->domain));
    set(o, "start", jtime(s->start));
    set(o, "end", jtime(s->end));
    set(o, "user", jstr(s->user));
    set(o, "jid", jstr(s->jid));

    json_t *tls = json_object();
    set(tls, "offered", jtri(s->tls.offered));
    set(tls, "required", jtri(s->tls.required));
    set(tls, "negotiated", jtri(s->tls.negotiated));
    set(tls, "before_auth", jtri(s->tls.before_auth));
    set(o, "tls", tls);

    json_t *auth = json_object();
    if (s->auth.offered_known) {
        json_t *offered = json_array();
        for (size_t i = 0; i < s->auth.noffered; i++)
            json_array_append_new(offered, jstr_or(s->auth.offered[i], "unknown"));
        set(auth, "offered", offered);
    } else {
        set(auth, "offered", json_null());
    }
    set(auth, "mechanism",
        jstr(s->auth.mechanism && *s->auth.mechanism ? s->auth.mechanism : NULL));
    json_t *attempts = json_array();
    for (size_t i = 0; i < s->auth.nattempts; i++)
        json_array_append_new(attempts, attempt_json(&s->auth.attempts[i], show_secrets));
    set(auth, "attempts", attempts);
    set(auth, "outcome", json_string(auth_result_name(s->auth.outcome)));
    set(o, "auth", auth);

    set(o, "outcome", json_string(outcome_name(s->outcome)));

    json_t *phases = json_array();
    for (size_t i = 0; i < s->nphases; i++)
        json_array_append_new(phases, phase_event_json(&s->phases[i]));
    set(o, "phases", phases);

    json_t *violations = json_array();
    for (size_t i = 0; i < s->nviolations; i++)
        json_array_append_new(violations, violation_json(&s->violations[i]));
    set(o, "violations", violations);

    json_t *d = json_object();
    /* total is not nullable in the schema: a negative one is shown as 0. */
    set(d, "total", jms(s->durations.total >= 0 ? s->durations.total : 0));
    set(d, "to_tls", jms(s->durations.to_tls));
    set(d, "auth", jms(s->durations.auth));
    set(d, "to_bound", jms(s->durations.to_bound));
    set(o, "durations_ms", d);

    if (s->has_log) {
        json_t *log = json_object();
        set(log, "pid", jstr(s->log_pid));
        if (s->first_line > 0)
            set(log, "first_line", json_integer(s->first_line));
        if (s->last_line > 0)
            set(log, "last_line", json_integer(s->last_line));
        set(o, "log", log);
    }
    return o;
}

static json_t *
tool_json(const struct report_run *run)
{
    json_t *o = json_object();
    set(o, "name", json_string("xmppflow"));
    set(o, "version", jstr_or(run->opt->tool_version, "unknown"));
    return o;
}

static json_t *
input_json(const struct input_info *in)
{
    json_t *o = json_object();
    set(o, "path", jstr_or(in->path, ""));
    set(o, "type", jname(input_type_name(in->type)));
    set(o, "size_bytes", in->size_bytes >= 0 ? json_integer(in->size_bytes) : json_null());
    json_int_t count = in->count >= 0 ? in->count : 0;
    if (in->type == INPUT_PCAP || in->type == INPUT_PCAPNG)
        set(o, "packets", json_integer(count));
    else if (in->type == INPUT_EJLOG)
        set(o, "lines", json_integer(count));
    json_t *errors = json_array();
    for (size_t i = 0; i < in->nerrors; i++) {
        const struct input_error *e = &in->errors[i];
        json_t *eo = json_object();
        set(eo, "message", jstr_or(e->message, "(no message)"));
        if (e->line > 0)
            set(eo, "line", json_integer(e->line));
        if (e->packet > 0)
            set(eo, "packet", json_integer(e->packet));
        if (e->offset >= 0)
            set(eo, "offset", json_integer(e->offset));
        json_array_append_new(errors, eo);
    }
    set(o, "errors", errors);
    return o;
}

static json_t *
inputs_json(const struct report_run *run)
{
    json_t *a = json_array();
    for (size_t i = 0; i < run->ninputs; i++)
        json_array_append_new(a, input_json(&run->inputs[i]));
    return a;
}

static json_t *
name_counts_json(const struct name_count *v, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++) {
        if (!v[i].name)
            continue;
        /* Keys must be valid UTF-8 too; a repaired key is still unique enough. */
        json_t *key = jstr(v[i].name);
        json_object_set_new(o, json_string_value(key), json_integer(v[i].count));
        json_decref(key);
    }
    return o;
}

static json_t *
summary_json(const struct summary *sm)
{
    json_t *o = json_object();
    set(o, "sessions", json_integer(sm->sessions));

    json_t *by_outcome = json_object();
    for (int i = OUTCOME_ESTABLISHED; i <= OUTCOME_OPAQUE; i++)
        if (sm->by_outcome[i] > 0)
            set(by_outcome, outcome_name((enum outcome)i), json_integer(sm->by_outcome[i]));
    set(o, "by_outcome", by_outcome);

    json_t *by_transport = json_object();
    for (int i = TRANSPORT_TCP; i <= TRANSPORT_WEBSOCKET; i++)
        if (sm->by_transport[i] > 0)
            set(by_transport, transport_name((enum transport)i), json_integer(sm->by_transport[i]));
    set(o, "by_transport", by_transport);

    set(o, "by_mechanism", name_counts_json(sm->by_mechanism, sm->nby_mechanism));

    json_t *plain = json_object();
    set(plain, "sessions", json_integer(sm->plaintext_sessions));
    json_t *users = json_array();
    for (size_t i = 0; i < sm->nplaintext_users; i++)
        json_array_append_new(users, jstr_or(sm->plaintext_users[i], ""));
    set(plain, "users", users);
    set(o, "plaintext_auth", plain);

    json_t *viol = json_object();
    set(viol, "by_code", name_counts_json(sm->by_code, sm->nby_code));
    set(o, "violations", viol);

    json_t *lat = json_object();
    set(lat, "p50", jms(summary_percentile(sm, 50)));
    set(lat, "p90", jms(summary_percentile(sm, 90)));
    set(lat, "p99", jms(summary_percentile(sm, 99)));
    set(lat, "max", jms(summary_percentile(sm, 100)));
    set(o, "latency_ms", lat);
    return o;
}

/* Dumps |j| (and releases it) followed by a newline. Returns 0 or -1. */
static int
dump(FILE *out, json_t *j, size_t flags)
{
    /* one write per document: json_dumpf() writes token by token */
    char *text = json_dumps(j, flags);
    json_decref(j);
    if (!text)
        return -1;
    size_t n = strlen(text);
    int rc = fwrite(text, 1, n, out) == n && fputc('\n', out) != EOF ? 0 : -1;
    free(text);
    return rc;
}

int
report_json_write_session_line(FILE *out, const struct session *s, bool show_secrets)
{
    int rc = dump(out, session_json(s, show_secrets), DUMP_FLAGS | JSON_COMPACT);
    if (fflush(out) != 0)
        rc = -1;
    return rc;
}

int
report_json_write_document(FILE *out, const struct report_run *run)
{
    json_t *doc = json_object();
    set(doc, "tool", tool_json(run));
    set(doc, "inputs", inputs_json(run));
    json_t *sessions = json_array();
    for (size_t i = 0; i < run->nsessions; i++)
        json_array_append_new(sessions, session_json(run->sessions[i], run->opt->show_secrets));
    set(doc, "sessions", sessions);
    set(doc, "summary", summary_json(run->summary));
    return dump(out, doc, DUMP_FLAGS | JSON_INDENT(2));
}

int
report_json_write_last_line(FILE *out, const struct report_run *run)
{
    json_t *o = json_object();
    set(o, "tool", tool_json(run));
    set(o, "inputs", inputs_json(run));
    set(o, "summary", summary_json(run->summary));
    return dump(out, o, DUMP_FLAGS | JSON_COMPACT);
}
