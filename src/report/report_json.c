/* report_json: the json and jsonl writers (report.schema.json). */
#include <config.h>
#include "report_impl.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json_writer.h"
#include "xalloc.h"

/*
 * Every object is written in the schema's key order. Durations are rounded
 * to 3 decimals and printed with 15 significant digits, which shows such a
 * value exactly (123.4, not 123.40000000000001).
 */

/* The key and a string member; NULL is null. */
static void
str(struct json_writer *w, const char *key, const char *s)
{
    json_writer_name(w, key);
    json_writer_string(w, s);
}

/* A string member the schema requires to be a string: |fallback| for NULL or "". */
static void
str_or(struct json_writer *w, const char *key, const char *s, const char *fallback)
{
    str(w, key, s && *s ? s : fallback);
}

static void
integer(struct json_writer *w, const char *key, int64_t v)
{
    json_writer_name(w, key);
    json_writer_int(w, v);
}

static void
tri(struct json_writer *w, const char *key, enum tri t)
{
    json_writer_name(w, key);
    if (t == TRI_TRUE || t == TRI_FALSE)
        json_writer_bool(w, t == TRI_TRUE);
    else
        json_writer_null(w);
}

static void
time_member(struct json_writer *w, const char *key, usec_t t)
{
    char tmp[32];
    format_time(t, tmp, sizeof(tmp));
    json_writer_name(w, key);
    /* a number written as digits and punctuation, like the events' times: no text to mask */
    struct buf *b = json_writer_raw_value(w);
    if (b) {
        buf_append_char(b, '"');
        buf_append_str(b, tmp);
        buf_append_char(b, '"');
    }
}

/* Milliseconds rounded to microseconds; null when negative or not a number. */
static void
ms(struct json_writer *w, const char *key, double v)
{
    json_writer_name(w, key);
    if (!(v >= 0) || v > 1e300)
        json_writer_null(w);
    else
        json_writer_real(w, report_round_ms(v) + 0.0);
}

/* Milliseconds that may be negative (a clock offset), rounded to microseconds. */
static double
signed_ms(double v)
{
    return (v < 0 ? -report_round_ms(-v) : report_round_ms(v)) + 0.0;
}

static void
credentials_json(struct json_writer *w, const struct credentials *c, bool show_secrets)
{
    json_writer_object_begin(w);
    str(w, "authzid", c->authzid);
    str(w, "authcid", c->authcid);
    if (!c->password)
        str(w, "password", NULL);
    else
        str(w, "password", show_secrets ? c->password : REPORT_HIDDEN);
    json_writer_object_end(w);
}

/*
 * summary.plaintext_auth_wire / plaintext_auth_log: the plaintext audit by
 * where the password was readable, as the text report's "(wire, log)" says;
 * plaintext_auth keeps both. The users are those listed there (a user past
 * its cap is in neither list).
 */
static void
plaintext_where_json(struct json_writer *w, const struct summary *sm, unsigned where)
{
    bool wire = where == PLAINTEXT_ON_WIRE;
    json_writer_name(w, wire ? "plaintext_auth_wire" : "plaintext_auth_log");
    json_writer_object_begin(w);
    integer(w, "sessions", wire ? sm->plaintext_on_wire : sm->plaintext_in_log);
    if (wire) {
        integer(w, "passwords", sm->plaintext_wire_passwords);
        integer(w, "inferred_sessions", sm->plaintext_wire_inferred);
    }
    json_writer_name(w, "users");
    json_writer_array_begin(w);
    for (size_t i = 0; i < sm->nplaintext_users; i++)
        if (sm->plaintext_where && (sm->plaintext_where[i] & where) && sm->plaintext_users[i])
            json_writer_string(w, sm->plaintext_users[i]);
    json_writer_array_end(w);
    json_writer_object_end(w);
}

static void
attempt_json(struct json_writer *w, const struct attempt *a, bool show_secrets)
{
    json_writer_object_begin(w);
    str(w, "mechanism", a->mechanism && *a->mechanism ? a->mechanism : NULL);
    str(w, "result", auth_result_name(a->result));
    str(w, "condition", a->condition);
    tri(w, "tls", a->tls);
    json_writer_name(w, "plaintext");
    json_writer_bool(w, a->plaintext);
    if (a->inferred) {
        json_writer_name(w, "inferred");
        json_writer_bool(w, true);
    }
    json_writer_name(w, "credentials");
    if (a->has_credentials)
        credentials_json(w, &a->credentials, show_secrets);
    else
        json_writer_null(w);
    report_json_channel_binding(w, a);
    json_writer_object_end(w);
}

/* Appends a string literal (its length known when compiling). */
#define APPEND_LITERAL(b, lit) buf_append((b), (lit), sizeof(lit) - 1)

/*
 * A phase event on one line, written in one go: the events are most of a
 * report, and this is what the member-by-member path below writes for them
 * when compact (the golden tests hold both to the same bytes).
 */
static void
phase_event_compact(struct json_writer *w, const struct phase_event *e)
{
    struct buf *b = json_writer_raw_value(w);
    if (!b)
        return;
    char time[32];
    format_time(e->time, time, sizeof(time));
    APPEND_LITERAL(b, "{\"seq\":");
    json_append_int(b, e->seq);
    APPEND_LITERAL(b, ",\"dir\":\"");
    buf_append_char(b, e->dir == 'C' || e->dir == 'S' ? e->dir : '-');
    APPEND_LITERAL(b, "\",\"time\":\"");
    buf_append_str(b, time); /* digits and punctuation only */
    APPEND_LITERAL(b, "\",\"event\":");
    json_append_string(b, e->event && *e->event ? e->event : "unknown");
    APPEND_LITERAL(b, ",\"phase\":");
    const char *phase = phase_name(e->phase);
    if (phase)
        json_append_string(b, phase);
    else
        APPEND_LITERAL(b, "null");
    APPEND_LITERAL(b, ",\"summary\":");
    json_append_string(b, e->summary ? e->summary : "");
    buf_append_char(b, '}');
}

static const char *
source_name(char source)
{
    return source == 'c' ? "capture" : source == 'l' ? "log" : "both";
}

static void
phase_event_json(struct json_writer *w, const struct phase_event *e)
{
    if (!w->indent && !e->damaged && !e->source && !e->tls) {
        phase_event_compact(w, e);
        return;
    }
    char dir[2] = {e->dir == 'C' || e->dir == 'S' ? e->dir : '-', '\0'};
    json_writer_object_begin(w);
    integer(w, "seq", e->seq);
    str(w, "dir", dir);
    time_member(w, "time", e->time);
    str_or(w, "event", e->event, "unknown");
    str(w, "phase", phase_name(e->phase));
    str_or(w, "summary", e->summary, "");
    if (e->source) /* only in a session combined from a capture and a log */
        str(w, "source", source_name(e->source));
    if (e->tls) { /* only then, like damaged */
        json_writer_name(w, "tls");
        json_writer_bool(w, true);
    }
    if (e->damaged) { /* only then: reports of whole inputs stay as they were */
        json_writer_name(w, "damaged");
        json_writer_object_begin(w);
        integer(w, "gap_offset", (int64_t)e->gap_offset);
        json_writer_name(w, "gap_bytes");
        if (e->gap_bytes)
            json_writer_int(w, (int64_t)e->gap_bytes);
        else
            json_writer_null(w);
        json_writer_object_end(w);
    }
    json_writer_object_end(w);
}

static void
violation_json(struct json_writer *w, const struct violation *v)
{
    char code[sizeof(v->code) + 1];
    memcpy(code, v->code, sizeof(v->code));
    code[sizeof(v->code)] = '\0';
    struct buf *b;
    if (!w->indent && (b = json_writer_raw_value(w)) != NULL) {
        /* in one go when compact, as for the phase events */
        APPEND_LITERAL(b, "{\"code\":");
        json_append_string(b, code);
        APPEND_LITERAL(b, ",\"severity\":");
        json_append_string(b, severity_name(v->severity));
        APPEND_LITERAL(b, ",\"seq\":");
        if (v->seq)
            json_append_int(b, v->seq);
        else
            APPEND_LITERAL(b, "null");
        APPEND_LITERAL(b, ",\"message\":");
        json_append_string(b, v->message && *v->message ? v->message : "(no message)");
        APPEND_LITERAL(b, ",\"ref\":");
        if (v->ref)
            json_append_string(b, v->ref);
        else
            APPEND_LITERAL(b, "null");
        if (v->count > 1) {
            APPEND_LITERAL(b, ",\"count\":");
            json_append_int(b, (int64_t)v->count);
        }
        buf_append_char(b, '}');
        return;
    }
    json_writer_object_begin(w);
    str(w, "code", code);
    str(w, "severity", severity_name(v->severity));
    json_writer_name(w, "seq");
    if (v->seq)
        json_writer_int(w, v->seq);
    else
        json_writer_null(w);
    str_or(w, "message", v->message, "(no message)");
    str(w, "ref", v->ref);
    if (v->count > 1)
        integer(w, "count", (int64_t)v->count);
    json_writer_object_end(w);
}

/* The findings the session's caps left out (findings.h), by code: only when there are some. */
static void
violations_dropped_json(struct json_writer *w, const struct session *s)
{
    if (!s->nviolations_dropped)
        return;
    json_writer_name(w, "violations_dropped");
    json_writer_object_begin(w);
    for (size_t i = 0; i < s->nviolations_dropped; i++) {
        const struct violation_drop *d = &s->violations_dropped[i];
        char code[sizeof(d->code) + 1];
        memcpy(code, d->code, sizeof(d->code));
        code[sizeof(d->code)] = '\0';
        integer(w, code, (int64_t)d->count);
    }
    json_writer_object_end(w);
}

static void
session_json(struct json_writer *w, const struct session *s, bool show_secrets)
{
    json_writer_object_begin(w);
    integer(w, "id", s->id);
    str_or(w, "input", s->input, "");
    str(w, "transport", transport_name(s->transport));
    str(w, "client", s->client);
    str(w, "server", s->server);
    if (s->transport == TRANSPORT_BOSH) {
        /* a BOSH session's TCP connections (additive: only BOSH sessions have it) */
        json_writer_name(w, "connections");
        json_writer_array_begin(w);
        for (size_t i = 0; i < s->nconnections; i++) {
            json_writer_object_begin(w);
            str(w, "client", s->connections[i].client);
            str(w, "server", s->connections[i].server);
            json_writer_object_end(w);
        }
        json_writer_array_end(w);
    }
    str(w, "domain", s->domain);
    time_member(w, "start", s->start);
    time_member(w, "end", s->end);
    str(w, "user", s->user);
    str(w, "jid", s->jid);

    json_writer_name(w, "tls");
    json_writer_object_begin(w);
    tri(w, "offered", s->tls.offered);
    tri(w, "required", s->tls.required);
    tri(w, "negotiated", s->tls.negotiated);
    tri(w, "before_auth", s->tls.before_auth);
    json_writer_object_end(w);

    json_writer_name(w, "auth");
    json_writer_object_begin(w);
    json_writer_name(w, "offered");
    if (s->auth.offered_known) {
        json_writer_array_begin(w);
        for (size_t i = 0; i < s->auth.noffered; i++)
            json_writer_string(w, s->auth.offered[i] && *s->auth.offered[i] ? s->auth.offered[i]
                                                                               : "unknown");
        json_writer_array_end(w);
    } else {
        json_writer_null(w);
    }
    str(w, "mechanism", s->auth.mechanism && *s->auth.mechanism ? s->auth.mechanism : NULL);
    json_writer_name(w, "attempts");
    json_writer_array_begin(w);
    for (size_t i = 0; i < s->auth.nattempts; i++)
        attempt_json(w, &s->auth.attempts[i], show_secrets);
    json_writer_array_end(w);
    str(w, "outcome", auth_result_name(s->auth.outcome));
    json_writer_object_end(w);

    str(w, "outcome", outcome_name(s->outcome));
    if (s->evicted)
        str(w, "evicted", s->evicted);
    if (s->decryption.present)
        report_json_decryption(w, s);

    json_writer_name(w, "phases");
    json_writer_array_begin(w);
    for (size_t i = 0; i < s->nphases; i++)
        phase_event_json(w, &s->phases[i]);
    json_writer_array_end(w);
    if (s->phases_dropped) /* the steps past the cap (findings.h) */
        integer(w, "phases_dropped", (int64_t)s->phases_dropped);

    json_writer_name(w, "violations");
    json_writer_array_begin(w);
    for (size_t i = 0; i < s->nviolations; i++)
        violation_json(w, &s->violations[i]);
    json_writer_array_end(w);
    violations_dropped_json(w, s);

    json_writer_name(w, "durations_ms");
    json_writer_object_begin(w);
    /* total is not nullable in the schema: a negative one is shown as 0. */
    ms(w, "total", s->durations.total >= 0 ? s->durations.total : 0);
    ms(w, "to_tls", s->durations.to_tls);
    ms(w, "auth", s->durations.auth);
    ms(w, "to_bound", s->durations.to_bound);
    json_writer_object_end(w);

    if (s->correlated.capture) {
        /* one connection from a capture and a log (pipeline/correlate.c): additive */
        json_writer_name(w, "correlated");
        json_writer_object_begin(w);
        str(w, "capture", s->correlated.capture);
        str(w, "log", s->correlated.log);
        json_writer_name(w, "clock_offset_ms");
        json_writer_real(w, signed_ms(s->correlated.clock_offset_ms));
        integer(w, "matched_events", s->correlated.matched);
        json_writer_object_end(w);
    }
    if (s->has_log) {
        json_writer_name(w, "log");
        json_writer_object_begin(w);
        str(w, "pid", s->log_pid);
        if (s->log_receiver)
            str(w, "receiver_pid", s->log_receiver);
        if (s->log_link)
            str(w, "link", s->log_link);
        if (s->first_line > 0)
            integer(w, "first_line", s->first_line);
        if (s->last_line > 0)
            integer(w, "last_line", s->last_line);
        if (s->last_input) /* a session that spans files of a rotated set */
            str(w, "last_input", s->last_input);
        if (s->log_node)
            str(w, "node", s->log_node);
        json_writer_object_end(w);
    }
    json_writer_object_end(w);
}

static void
tool_json(struct json_writer *w, const struct report_run *run)
{
    json_writer_object_begin(w);
    str(w, "name", "xmppflow");
    str_or(w, "version", run->opt->tool_version, "unknown");
    json_writer_object_end(w);
}

static void
input_json(struct json_writer *w, const struct input_info *in)
{
    json_writer_object_begin(w);
    str_or(w, "path", in->path, "");
    str(w, "type", input_type_name(in->type));
    json_writer_name(w, "size_bytes");
    if (in->size_bytes >= 0)
        json_writer_int(w, in->size_bytes);
    else
        json_writer_null(w);
    int64_t count = in->count >= 0 ? in->count : 0;
    if (in->type == INPUT_PCAP || in->type == INPUT_PCAPNG)
        integer(w, "packets", count);
    else if (in->type == INPUT_EJLOG)
        integer(w, "lines", count);
    if (in->type == INPUT_EJLOG) {
        /* what the log is: its eras and record forms always, wrappers and time notes when any */
        static const struct {
            const char *key;
            enum log_names which;
            bool always;
        } lists[] = {{"log_eras", LOG_ERAS, true}, {"log_formats", LOG_FORMS, true},
                     {"log_wrappers", LOG_WRAPPERS, false}, {"log_notes", LOG_NOTES, false}};
        for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
            const char *names[16];
            size_t n = report_log_names(in, lists[l].which, names, 16);
            if (!n && !lists[l].always)
                continue;
            json_writer_name(w, lists[l].key);
            json_writer_array_begin(w);
            for (size_t k = 0; k < n; k++)
                json_writer_string(w, names[k]);
            json_writer_array_end(w);
        }
    }
    json_writer_name(w, "errors");
    json_writer_array_begin(w);
    for (size_t i = 0; i < in->nerrors; i++) {
        const struct input_error *e = &in->errors[i];
        json_writer_object_begin(w);
        str_or(w, "message", e->message, "(no message)");
        if (e->line > 0)
            integer(w, "line", e->line);
        if (e->packet > 0)
            integer(w, "packet", e->packet);
        if (e->offset >= 0)
            integer(w, "offset", e->offset);
        json_writer_object_end(w);
    }
    json_writer_array_end(w);
    if (in->evicted > 0)
        integer(w, "evicted", in->evicted);
    if (in->non_xmpp_flows > 0)
        integer(w, "non_xmpp_flows", in->non_xmpp_flows);
    if (in->s2s_streams > 0)
        integer(w, "s2s_streams", in->s2s_streams);
    if (input_info_log_no_xml(in)) {
        json_writer_name(w, "log_level");
        json_writer_object_begin(w);
        str(w, "level", "info");
        str(w, "code", "L3");
        str(w, "not_visible", input_info_no_xml_hidden);
        json_writer_object_end(w);
    }
    json_writer_object_end(w);
}

static void
inputs_json(struct json_writer *w, const struct report_run *run)
{
    json_writer_array_begin(w);
    for (size_t i = 0; i < run->ninputs; i++)
        input_json(w, &run->inputs[i]);
    json_writer_array_end(w);
}

/*
 * A {name: count} object. Names are repaired to UTF-8 first; two names that
 * repair to the same key become one member, at the first one's place, with
 * the last one's count (what an object built key by key holds).
 */
static void
name_counts_json(struct json_writer *w, const struct name_count *v, size_t n)
{
    struct buf *keys = n ? xcalloc(n, sizeof(*keys)) : NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i].name)
            json_append_string(&keys[i], v[i].name);
    json_writer_object_begin(w);
    for (size_t i = 0; i < n; i++) {
        if (!v[i].name)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = v[k].name && strcmp(buf_str(&keys[k]), buf_str(&keys[i])) == 0;
        if (seen)
            continue;
        int64_t count = v[i].count;
        for (size_t j = i + 1; j < n; j++)
            if (v[j].name && strcmp(buf_str(&keys[j]), buf_str(&keys[i])) == 0)
                count = v[j].count;
        /* the repaired key is the member name: write it as a key would be */
        json_writer_key(w, v[i].name);
        json_writer_int(w, count);
    }
    json_writer_object_end(w);
    for (size_t i = 0; i < n; i++)
        buf_clear(&keys[i]);
    free(keys);
}

/*
 * The capture and log pairs whose sessions were combined, with their clock
 * offset, and the sessions the correlation could not hold (additive).
 */
static void
correlated_json(struct json_writer *w, const struct summary *sm)
{
    json_writer_name(w, "correlated");
    json_writer_array_begin(w);
    for (size_t i = 0; i < sm->ncorrelated; i++) {
        const struct correlated_pair *p = &sm->correlated[i];
        json_writer_object_begin(w);
        str(w, "capture", p->capture);
        str(w, "log", p->log);
        integer(w, "sessions", p->sessions);
        json_writer_name(w, "clock_offset_ms");
        json_writer_real(w, signed_ms(p->clock_offset_ms));
        json_writer_object_end(w);
    }
    json_writer_array_end(w);
    if (sm->correlation_held_over)
        integer(w, "correlation_held_over", sm->correlation_held_over);
}

/* Connections that never carried XMPP, one object per server endpoint. */
static void
silent_json(struct json_writer *w, const struct summary *sm)
{
    json_writer_name(w, "silent_connections");
    json_writer_object_begin(w);
    integer(w, "count", sm->silent_total);
    json_writer_name(w, "by_server");
    json_writer_array_begin(w);
    for (size_t i = 0; i < sm->nsilent; i++) {
        const struct silent_server *v = &sm->silent[i];
        json_writer_object_begin(w);
        str(w, "server", v->server);
        integer(w, "count", v->count);
        time_member(w, "first", v->first);
        time_member(w, "last", v->last);
        json_writer_name(w, "ended");
        json_writer_object_begin(w);
        for (int e = 0; e < SILENT_END_COUNT; e++)
            if (v->by_end[e] > 0)
                integer(w, silent_end_name((enum silent_end)e), v->by_end[e]);
        json_writer_object_end(w);
        json_writer_object_end(w);
    }
    json_writer_array_end(w);
    json_writer_object_end(w);
}

/* Streams that are not client logins, of one kind: one object per server endpoint. */
static void
flows_json(struct json_writer *w, const char *name, const struct flow_tally *t)
{
    json_writer_name(w, name);
    json_writer_object_begin(w);
    integer(w, "count", t->total);
    json_writer_name(w, "by_server");
    json_writer_array_begin(w);
    for (size_t i = 0; i < t->n; i++) {
        json_writer_object_begin(w);
        str(w, "server", t->v[i].server);
        integer(w, "count", t->v[i].count);
        time_member(w, "first", t->v[i].first);
        time_member(w, "last", t->v[i].last);
        json_writer_object_end(w);
    }
    json_writer_array_end(w);
    json_writer_object_end(w);
}

static void
summary_json(struct json_writer *w, const struct summary *sm)
{
    json_writer_object_begin(w);
    integer(w, "sessions", sm->sessions);
    if (sm->interrupted) { /* the key only when true: reports of whole runs stay as they were */
        json_writer_name(w, "interrupted");
        json_writer_bool(w, true);
    }

    json_writer_name(w, "by_outcome");
    json_writer_object_begin(w);
    for (int i = OUTCOME_ESTABLISHED; i <= OUTCOME_OPAQUE; i++)
        if (sm->by_outcome[i] > 0)
            integer(w, outcome_name((enum outcome)i), sm->by_outcome[i]);
    json_writer_object_end(w);

    json_writer_name(w, "by_transport");
    json_writer_object_begin(w);
    for (int i = TRANSPORT_TCP; i < TRANSPORT_COUNT; i++)
        if (sm->by_transport[i] > 0)
            integer(w, transport_name((enum transport)i), sm->by_transport[i]);
    json_writer_object_end(w);

    json_writer_name(w, "by_mechanism");
    name_counts_json(w, sm->by_mechanism, sm->nby_mechanism);

    json_writer_name(w, "plaintext_auth");
    json_writer_object_begin(w);
    integer(w, "sessions", sm->plaintext_sessions);
    json_writer_name(w, "users");
    json_writer_array_begin(w);
    for (size_t i = 0; i < sm->nplaintext_users; i++)
        json_writer_string(w, sm->plaintext_users[i] ? sm->plaintext_users[i] : "");
    json_writer_array_end(w);
    if (sm->plaintext_users_more > 0)
        integer(w, "users_not_listed", sm->plaintext_users_more);
    json_writer_object_end(w);
    plaintext_where_json(w, sm, PLAINTEXT_ON_WIRE);
    plaintext_where_json(w, sm, PLAINTEXT_IN_LOG);

    json_writer_name(w, "violations");
    json_writer_object_begin(w);
    json_writer_name(w, "by_code");
    name_counts_json(w, sm->by_code, sm->nby_code);
    json_writer_object_end(w);

    if (sm->evicted > 0)
        integer(w, "evicted", sm->evicted);
    if (sm->ncorrelated || sm->correlation_held_over)
        correlated_json(w, sm);
    if (sm->nsilent)
        silent_json(w, sm);
    if (sm->flows[FLOW_NOT_XMPP].total)
        flows_json(w, "non_xmpp_flows", &sm->flows[FLOW_NOT_XMPP]);
    if (sm->flows[FLOW_S2S].total)
        flows_json(w, "s2s_streams", &sm->flows[FLOW_S2S]);
    if (sm->decryption.keylog)
        report_json_decryption_summary(w, sm);

    json_writer_name(w, "latency_ms");
    json_writer_object_begin(w);
    ms(w, "p50", summary_percentile(sm, 50));
    ms(w, "p90", summary_percentile(sm, 90));
    ms(w, "p99", summary_percentile(sm, 99));
    ms(w, "max", summary_percentile(sm, 100));
    json_writer_object_end(w);
    json_writer_object_end(w);
}

/* Writes |b| and a newline to |out| in one call, then empties |b|. Returns 0 or -1. */
static int
emit(FILE *out, struct buf *b)
{
    buf_append_char(b, '\n');
    int rc = fwrite(b->data, 1, b->len, out) == b->len ? 0 : -1;
    buf_reset(b);
    return rc;
}

/*
 * One buffer for all the jsonl lines of a run: it grows to the largest
 * session once instead of being allocated for each.
 */
static struct buf line_buf;

int
report_json_write_session_line(FILE *out, const struct session *s, bool show_secrets, bool flush)
{
    report_json_render_line(&line_buf, s, show_secrets);
    int rc = fwrite(line_buf.data, 1, line_buf.len, out) == line_buf.len ? 0 : -1;
    buf_reset(&line_buf);
    if (flush && fflush(out) != 0)
        rc = -1;
    return rc;
}

/* Opens the document up to its "sessions" array: |w| is then where an item goes. */
static void
document_head(struct json_writer *w, const struct report_run *run)
{
    json_writer_object_begin(w);
    json_writer_name(w, "tool");
    tool_json(w, run);
    json_writer_name(w, "inputs");
    inputs_json(w, run);
    json_writer_name(w, "sessions");
    json_writer_array_begin(w);
}

void
report_json_render_item(struct buf *out, const struct session *s, bool show_secrets)
{
    struct json_writer w;
    size_t from = out->len;
    json_writer_init(&w, out, 2);
    /* the writer's state inside "sessions", then only the item's own bytes */
    json_writer_object_begin(&w);
    json_writer_name(&w, "sessions");
    json_writer_array_begin(&w);
    out->len = from;
    session_json(&w, s, show_secrets);
}

void
report_json_render_line(struct buf *out, const struct session *s, bool show_secrets)
{
    struct json_writer w;
    json_writer_init(&w, out, 0);
    session_json(&w, s, show_secrets);
    buf_append_char(out, '\n');
}

int
report_json_write_item(FILE *out, const char *item, size_t len, bool first)
{
    /* json_writer puts "," before every item but the first, then the same newline and indent */
    if (!first && fputc(',', out) == EOF)
        return -1;
    return fwrite(item, 1, len, out) == len ? 0 : -1;
}

/* Copies the rest of |from| (read from its start) to |out|. */
static int
copy_items(FILE *out, FILE *from)
{
    char chunk[64 * 1024];
    size_t n;
    if (fflush(from) != 0 || fseek(from, 0, SEEK_SET) != 0)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, from)) > 0)
        if (fwrite(chunk, 1, n, out) != n)
            return -1;
    return ferror(from) ? -1 : 0;
}

int
report_json_write_document(FILE *out, const struct report_run *run)
{
    struct buf b = {0};
    struct json_writer w;
    json_writer_init(&w, &b, 2);
    document_head(&w, run);
    int rc = fwrite(b.data, 1, b.len, out) == b.len ? 0 : -1;
    buf_reset(&b);
    if (run->items && copy_items(out, run->items) < 0)
        rc = -1;
    if (run->nsessions)
        json_writer_mark_nonempty(&w);
    json_writer_array_end(&w);
    json_writer_name(&w, "summary");
    summary_json(&w, run->summary);
    json_writer_object_end(&w);
    if (emit(out, &b) < 0)
        rc = -1;
    buf_clear(&b);
    return rc;
}

int
report_json_write_last_line(FILE *out, const struct report_run *run)
{
    struct json_writer w;
    json_writer_init(&w, &line_buf, 0);
    json_writer_object_begin(&w);
    json_writer_name(&w, "tool");
    tool_json(&w, run);
    json_writer_name(&w, "inputs");
    inputs_json(&w, run);
    json_writer_name(&w, "summary");
    summary_json(&w, run->summary);
    json_writer_object_end(&w);
    int rc = emit(out, &line_buf);
    /* the last line of the run: the buffer is not needed any more */
    buf_clear(&line_buf);
    return rc;
}
