/*
 * report_json_tls: the JSON report's members on TLS decryption with a key
 * log (report.schema.json: a session's "decryption", the summary's): written
 * only with --keylog. Its own file: report_json.c is at its size limit.
 */
#include <config.h>
#include "report_impl.h"

#include "json_writer.h"

/* A member whose value is a string the program spells itself, or null. */
static void
member(struct json_writer *w, const char *key, const char *value)
{
    json_writer_name(w, key);
    if (value)
        json_writer_string(w, value);
    else
        json_writer_null(w);
}

static void
count(struct json_writer *w, const char *key, long long n)
{
    json_writer_name(w, key); /* the program's own keys: printable ASCII */
    json_writer_int(w, n);
}

void
report_json_decryption(struct json_writer *w, const struct session *s)
{
    const struct session_decryption *d = &s->decryption;
    json_writer_name(w, "decryption");
    json_writer_object_begin(w);
    json_writer_name(w, "decrypted");
    json_writer_bool(w, d->decrypted);
    member(w, "version", d->version);
    member(w, "suite", d->suite);
    json_writer_name(w, "app_records");
    json_writer_object_begin(w);
    count(w, "client", (long long)d->app_records[0]);
    count(w, "server", (long long)d->app_records[1]);
    json_writer_object_end(w);
    if (d->opaque) {
        member(w, "opaque", d->opaque);
        member(w, "opaque_reason", d->opaque_reason);
    }
    json_writer_object_end(w);
}

void
report_json_decryption_summary(struct json_writer *w, const struct summary *sm)
{
    json_writer_name(w, "decryption");
    json_writer_object_begin(w);
    count(w, "keylog_sessions", sm->decryption.keylog_sessions);
    count(w, "keylog_bad_lines", sm->decryption.keylog_bad_lines);
    count(w, "decrypted", sm->decryption.decrypted);
    json_writer_name(w, "opaque");
    json_writer_object_begin(w);
    for (size_t i = 0; i < sm->decryption.nopaque; i++) /* the kinds are the tool's own words */
        count(w, sm->decryption.opaque[i].name, sm->decryption.opaque[i].count);
    json_writer_object_end(w);
    json_writer_object_end(w);
}

void
report_json_channel_binding(struct json_writer *w, const struct attempt *a)
{
    if (!a->cb_type[0])
        return; /* only when a key log let the binding be checked */
    json_writer_name(w, "channel_binding");
    json_writer_object_begin(w);
    member(w, "type", a->cb_type);
    json_writer_name(w, "verified");
    json_writer_bool(w, a->cb_verified);
    json_writer_object_end(w);
}
