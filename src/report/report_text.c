/*
 * report_text: the text report, a person's write-up of each login (CONTRACT.md).
 *
 * Longer than 800 lines: every block of a session and of the summary shares
 * the same few line helpers (labels, cleaning, cutting to the line width),
 * which stay private to the one writer; the combined sessions' lines (a
 * capture + a log) took it past the limit.
 */
#include <config.h>
#include "report_impl.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "secret_mask.h"
#include "utf8.h"
#include "xalloc.h"

/* Phase lines are cut to this many columns; the element summary gives way. */
#define LINE_MAX_COLS 140
/* ... but an element summary always keeps at least this many. */
#define ELEMENT_MIN_COLS 24
/* Width of the labels in a session's header lines ("input", "user", ...). */
#define LABEL_COLS 7

/*
 * Text from the input (element summaries, user names, paths) goes to a
 * terminal, so control characters and invalid UTF-8 are written as escapes:
 * a log line must not be able to move the cursor or change colours.
 */
static void
put_clean(struct buf *b, const char *s)
{
    if (!s)
        return;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        size_t len = utf8_len(s, SIZE_MAX); /* a NUL stops it */
        if (c == '\n') {
            buf_append_str(b, "\\n");
        } else if (c == '\r') {
            buf_append_str(b, "\\r");
        } else if (c == '\t') {
            buf_append_str(b, "\\t");
        } else if (len == 0 || c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\x%02x", c);
            len = 1;
        } else if (len == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0) {
            /* C1 controls U+0080..U+009F (CSI is U+009B) */
            buf_printf(b, "\\u%04x", (unsigned char)s[1]);
        } else {
            buf_append(b, s, len);
        }
        s += len ? len : 1;
    }
}

/* Columns taken by the clean UTF-8 string |s| (one per code point). */
static size_t
cols(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

/* The clean form of |s|, freshly allocated. */
static char *
clean_dup(const char *s)
{
    struct buf b = {0};
    put_clean(&b, s);
    char *r = xstrdup(buf_str(&b));
    buf_clear(&b);
    return r;
}

/* Appends the clean string |s| cut to |max| columns, ending in "..." when cut. */
static void
put_cut(struct buf *b, const char *s, size_t max)
{
    if (cols(s) <= max) {
        buf_append_str(b, s);
        return;
    }
    size_t keep = max > 3 ? max - 3 : 0, n = 0;
    const char *p = s;
    while (*p) {
        if (((unsigned char)*p & 0xc0) != 0x80) {
            if (n == keep)
                break;
            n++;
        }
        p++;
    }
    buf_append(b, s, (size_t)(p - s));
    buf_append_str(b, "...");
}

/* Appends the clean string |s| padded with spaces to |width| columns. */
static void
put_pad(struct buf *b, const char *s, size_t width)
{
    buf_append_str(b, s);
    for (size_t n = cols(s); n < width; n++)
        buf_append_char(b, ' ');
}

/* Ends the line, dropping trailing spaces left by padding. */
static void
end_line(struct buf *b)
{
    while (b->len > 0 && b->data[b->len - 1] == ' ')
        b->data[--b->len] = '\0';
    buf_append_char(b, '\n');
}

static void
put_label(struct buf *b, const char *label)
{
    buf_append_str(b, "  ");
    put_pad(b, label, LABEL_COLS);
    buf_append_char(b, ' ');
}

static const char *
plural(long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* A clock offset as printed: one that rounds to 0.0 is +0.0, never -0.0. */
static double
offset_ms(double v)
{
    return v > -0.05 && v < 0.05 ? 0.0 : v;
}

/* A log session's pid and lines, in brackets (nothing for a capture's). */
static void
put_log_keys(struct buf *b, const struct session *s)
{
    if (!s->has_log)
        return;
    struct buf keys = {0};
    report_log_keys(&keys, s); /* raw text from the log: cleaned as it goes out */
    if (keys.len) {
        buf_append_str(b, " (");
        put_clean(b, buf_str(&keys));
        buf_append_str(b, ")");
    }
    buf_clear(&keys);
}

static void
put_header(struct buf *b, const struct session *s)
{
    buf_printf(b, "Session %u: %s ", s->id, transport_name(s->transport));
    put_clean(b, s->client ? s->client : "?");
    buf_append_str(b, " -> ");
    put_clean(b, s->server ? s->server : "?");
    buf_printf(b, ", %s", outcome_name(s->outcome));
    if (s->evicted)
        buf_printf(b, " (closed by xmppflow: %s)", s->evicted);
    end_line(b);

    put_label(b, "input");
    put_clean(b, s->input && *s->input ? s->input : "?");
    if (!s->correlated.capture) /* else on the sources line, after the log's path */
        put_log_keys(b, s);
    end_line(b);

    if (s->correlated.capture) {
        /* one connection from a capture and a log (pipeline/correlate.c) */
        put_label(b, "sources");
        buf_append_str(b, "capture ");
        put_clean(b, s->correlated.capture);
        buf_append_str(b, " + log ");
        put_clean(b, s->correlated.log);
        put_log_keys(b, s);
        buf_printf(b, ", clock offset %+.1f ms (log minus capture, ", offset_ms(s->correlated.clock_offset_ms));
        if (s->correlated.matched)
            buf_printf(b, "from %u %s both show)", s->correlated.matched,
                       plural(s->correlated.matched, "event", "events"));
        else
            buf_append_str(b, "from the starts)");
        end_line(b);
    }

    if (s->transport == TRANSPORT_BOSH && s->nconnections) {
        /* one BOSH session, any number of TCP connections */
        put_label(b, "via");
        buf_printf(b, "%zu TCP connection%s from ", s->nconnections, plural((long)s->nconnections, "", "s"));
        for (size_t i = 0; i < s->nconnections; i++) {
            if (i)
                buf_append_str(b, ", ");
            put_clean(b, s->connections[i].client ? s->connections[i].client : "?");
        }
        end_line(b);
    }

    put_label(b, "user");
    put_clean(b, s->user ? s->user : "(unknown)");
    buf_append_str(b, ", jid ");
    put_clean(b, s->jid ? s->jid : "(not bound)");
    buf_append_str(b, ", domain ");
    put_clean(b, s->domain ? s->domain : "(unknown)");
    end_line(b);
}

static const char *
tri_word(enum tri t, const char *yes, const char *no, const char *unknown)
{
    return t == TRI_TRUE ? yes : t == TRI_FALSE ? no : unknown;
}

static void
put_tls(struct buf *b, const struct session *s)
{
    put_label(b, "TLS");
    buf_printf(b, "%s, %s, ",
               tri_word(s->tls.offered, "offered", "not offered", "offer not visible"),
               tri_word(s->tls.required, "required", "not required", "requirement not visible"));
    switch (s->tls.negotiated) {
    case TRI_TRUE:
        buf_append_str(b, tri_word(s->tls.before_auth, "negotiated before auth",
                                   "negotiated only after auth", "negotiated"));
        break;
    case TRI_FALSE:
        buf_append_str(b, s->tls.before_auth == TRI_FALSE ? "not negotiated (auth without TLS)"
                                                          : "not negotiated");
        break;
    case TRI_NULL:
    default:
        buf_append_str(b, "negotiation not visible");
        break;
    }
    end_line(b);
}


/* "none" reads badly in a sentence: the report field keeps it, the text says what it means. */
static const char *
verdict_words(enum auth_result r)
{
    return r == AUTH_NONE ? "no verdict" : auth_result_name(r);
}

static void
put_auth(struct buf *b, const struct session *s)
{
    put_label(b, "auth");
    if (s->auth.nattempts == 0 && !s->auth.mechanism) {
        buf_append_str(b, "no attempt");
    } else {
        put_clean(b, s->auth.mechanism ? s->auth.mechanism : "(unnamed)");
        buf_printf(b, ": %s (%zu %s)", verdict_words(s->auth.outcome), s->auth.nattempts,
                   plural((long)s->auth.nattempts, "attempt", "attempts"));
    }
    if (s->auth.offered_known) {
        buf_append_str(b, "; offered ");
        if (s->auth.noffered == 0)
            buf_append_str(b, "none");
        for (size_t i = 0; i < s->auth.noffered; i++) {
            if (i)
                buf_append_str(b, ", ");
            put_clean(b, s->auth.offered[i] ? s->auth.offered[i] : "?");
        }
    }
    end_line(b);
}

static bool
known_ms(double ms)
{
    return ms >= 0 && ms <= 1e300;
}

static void
put_time(struct buf *b, const struct session *s)
{
    char when[32];
    format_time(s->start, when, sizeof(when));
    put_label(b, "time");
    buf_printf(b, "%s, %.1f ms in all", when,
               known_ms(s->durations.total) ? report_round_ms(s->durations.total) : 0.0);
    const char *sep = " (";
    if (known_ms(s->durations.to_tls)) {
        buf_printf(b, "%sTLS at %.1f ms", sep, report_round_ms(s->durations.to_tls));
        sep = ", ";
    }
    if (known_ms(s->durations.auth)) {
        buf_printf(b, "%sauth took %.1f ms", sep, report_round_ms(s->durations.auth));
        sep = ", ";
    }
    if (known_ms(s->durations.to_bound)) {
        buf_printf(b, "%sbound at %.1f ms", sep, report_round_ms(s->durations.to_bound));
        sep = ", ";
    }
    if (sep[0] == ',')
        buf_append_char(b, ')');
    end_line(b);
}

static const char *
dir_arrow(char dir)
{
    return dir == 'C' ? "C->S" : dir == 'S' ? "S->C" : "  - ";
}

static size_t
digits(unsigned long long v)
{
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static void
put_phases(struct buf *b, const struct session *s)
{
    if (s->nphases == 0) {
        buf_append_str(b, "  No elements or events.");
        end_line(b);
        return;
    }
    size_t n = s->nphases;
    char **ms = xcalloc(n, sizeof(char *));
    char **events = xcalloc(n, sizeof(char *));
    size_t seqw = 1, msw = 3, phasew = 5, eventw = 5;
    for (size_t i = 0; i < n; i++) {
        const struct phase_event *e = &s->phases[i];
        /* never negative: the login keeps a session's times in order (src/login/machine.c) */
        ms[i] = xasprintf("%.1f", e->time > s->start ? (double)(e->time - s->start) / 1000.0 : 0.0);
        events[i] = clean_dup(e->event ? e->event : "?");
        const char *ph = phase_name(e->phase);
        size_t w;
        if ((w = digits(e->seq)) > seqw)
            seqw = w;
        if ((w = strlen(ms[i])) > msw)
            msw = w;
        if (ph && (w = strlen(ph)) > phasew)
            phasew = w;
        if ((w = cols(events[i])) > eventw)
            eventw = w;
    }
    /* a combined session (capture + log): a column says where each event came from */
    bool src = s->correlated.capture != NULL;
    /* "    " seq "  " dir(4) "  " [src(4) "  "] +ms "  " phase "  " event "  " element */
    size_t prefix = 4 + seqw + 2 + 4 + 2 + (src ? 6 : 0) + msw + 2 + phasew + 2 + eventw + 2;
    size_t room =
        prefix + ELEMENT_MIN_COLS < LINE_MAX_COLS ? LINE_MAX_COLS - prefix : ELEMENT_MIN_COLS;

    buf_printf(b, "    %*s  %-4s  ", (int)seqw, "#", "dir");
    if (src)
        buf_append_str(b, "src   ");
    buf_printf(b, "%*s  ", (int)msw, "+ms");
    put_pad(b, "phase", phasew + 2);
    put_pad(b, "event", eventw + 2);
    buf_append_str(b, "element");
    end_line(b);

    struct buf el = {0};
    for (size_t i = 0; i < n; i++) {
        const struct phase_event *e = &s->phases[i];
        const char *ph = phase_name(e->phase);
        buf_printf(b, "    %*u  %s  ", (int)seqw, e->seq, dir_arrow(e->dir));
        if (src)
            buf_printf(b, "%-4s  ", e->source == 'c' ? "cap" : e->source == 'l' ? "log" : "both");
        buf_printf(b, "%*s  ", (int)msw, ms[i]);
        put_pad(b, ph ? ph : "-", phasew + 2);
        put_pad(b, events[i], eventw + 2);
        buf_reset(&el);
        if (e->damaged && e->gap_bytes) /* first: a long element is cut at the line's end */
            buf_printf(&el, "[damaged: %u bytes missing at offset %llu] ", e->gap_bytes,
                       e->gap_offset);
        else if (e->damaged)
            buf_printf(&el, "[damaged: bytes missing at offset %llu] ", e->gap_offset);
        put_clean(&el, e->summary);
        put_cut(b, buf_str(&el), room);
        end_line(b);
        free(ms[i]);
        free(events[i]);
    }
    buf_clear(&el);
    free(ms);
    free(events);
}

static const char *
tls_words(enum tri t)
{
    return tri_word(t, "over TLS", "without TLS", "TLS unknown");
}

static void
put_attempts(struct buf *b, const struct session *s, bool show_secrets)
{
    if (s->auth.nattempts == 0) {
        buf_append_str(b, "  Attempts: none");
        end_line(b);
        return;
    }
    buf_append_str(b, "  Attempts:");
    end_line(b);
    size_t n = s->auth.nattempts;
    char **mech = xcalloc(n, sizeof(char *));
    char **result = xcalloc(n, sizeof(char *));
    size_t idxw = digits(n), mechw = 0, resultw = 0, tlsw = 0;
    bool any_plain = false;
    for (size_t i = 0; i < n; i++) {
        const struct attempt *a = &s->auth.attempts[i];
        mech[i] = clean_dup(a->mechanism ? a->mechanism : "(unnamed)");
        struct buf r = {0};
        buf_append_str(&r, verdict_words(a->result));
        if (a->condition) {
            buf_append_str(&r, " (");
            put_clean(&r, a->condition);
            buf_append_char(&r, ')');
        }
        result[i] = xstrdup(buf_str(&r));
        buf_clear(&r);
        size_t w;
        if ((w = cols(mech[i])) > mechw)
            mechw = w;
        if ((w = cols(result[i])) > resultw)
            resultw = w;
        if ((w = strlen(tls_words(a->tls))) > tlsw)
            tlsw = w;
        any_plain = any_plain || a->plaintext;
    }
    for (size_t i = 0; i < n; i++) {
        const struct attempt *a = &s->auth.attempts[i];
        buf_printf(b, "    %*zu  ", (int)idxw, i + 1);
        put_pad(b, mech[i], mechw + 2);
        put_pad(b, result[i], resultw + 2);
        put_pad(b, tls_words(a->tls), tlsw + 2);
        if (any_plain)
            put_pad(b, a->plaintext ? "plaintext secret" : "", 16 + 2);
        if (a->inferred)
            buf_append_str(b, "(server log line only: no credentials in the input)  ");
        if (a->has_credentials) {
            const struct credentials *c = &a->credentials;
            if (c->authzid) {
                buf_append_str(b, "authzid ");
                put_clean(b, c->authzid);
                buf_append_str(b, "  ");
            }
            if (c->authcid) {
                buf_append_str(b, "authcid ");
                put_clean(b, c->authcid);
                buf_append_str(b, "  ");
            }
            if (c->password) {
                buf_append_str(b, "password ");
                if (show_secrets)
                    put_clean(b, c->password);
                else
                    buf_append_str(b, REPORT_HIDDEN);
            }
        }
        end_line(b);
        free(mech[i]);
        free(result[i]);
    }
    free(mech);
    free(result);
}

/* "×" (U+00D7, in UTF-8) before a count. */
#define TIMES "\xc3\x97"

static void
put_violations(struct buf *b, const struct session *s)
{
    if (s->nviolations == 0) {
        buf_append_str(b, "  Violations: none");
        end_line(b);
        return;
    }
    buf_append_str(b, "  Violations:");
    end_line(b);
    size_t codew = 2, stepw = 7; /* "session" */
    for (size_t i = 0; i < s->nviolations; i++) {
        const struct violation *v = &s->violations[i];
        size_t w = strnlen(v->code, sizeof(v->code));
        if (w > codew)
            codew = w;
        if (v->seq && (w = 5 + digits(v->seq)) > stepw)
            stepw = w;
    }
    for (size_t i = 0; i < s->nviolations; i++) {
        const struct violation *v = &s->violations[i];
        char code[sizeof(v->code) + 1];
        memcpy(code, v->code, sizeof(v->code));
        code[sizeof(v->code)] = '\0';
        char step[32];
        if (v->seq)
            snprintf(step, sizeof(step), "step %u", v->seq);
        else
            snprintf(step, sizeof(step), "session");
        buf_append_str(b, "    ");
        struct buf tmp = {0};
        put_clean(&tmp, code);
        put_pad(b, buf_str(&tmp), codew + 2);
        buf_clear(&tmp);
        put_pad(b, severity_name(v->severity), 7 + 2);
        put_pad(b, step, stepw + 2);
        put_clean(b, v->message ? v->message : "(no message)");
        if (v->count > 1)
            buf_printf(b, " " TIMES "%lu", v->count); /* hit again at the same step */
        if (v->ref) {
            buf_append_str(b, "  (");
            put_clean(b, v->ref);
            buf_append_char(b, ')');
        }
        end_line(b);
    }
}

/* One line for what the session's caps left out (findings.h), when anything was. */
static void
put_dropped(struct buf *b, const struct session *s)
{
    if (!s->phases_dropped && !s->nviolations_dropped)
        return;
    buf_append_str(b, "  Not listed:");
    if (s->phases_dropped)
        buf_printf(b, " %lu %s after step %zu%s", s->phases_dropped,
                   plural((long)s->phases_dropped, "step", "steps"), s->nphases,
                   s->nviolations_dropped ? ";" : "");
    for (size_t i = 0; i < s->nviolations_dropped; i++) {
        const struct violation_drop *d = &s->violations_dropped[i];
        char code[sizeof(d->code) + 1];
        memcpy(code, d->code, sizeof(d->code));
        code[sizeof(d->code)] = '\0';
        buf_printf(b, "%s %s " TIMES "%lu", i ? "," : " violations", code, d->count);
    }
    buf_append_str(b, " (counted in the summary)");
    end_line(b);
}

static void
put_session(struct buf *b, const struct session *s, bool show_secrets)
{
    put_header(b, s);
    put_tls(b, s);
    put_auth(b, s);
    put_time(b, s);
    end_line(b);
    put_phases(b, s);
    end_line(b);
    put_attempts(b, s, show_secrets);
    put_violations(b, s);
    put_dropped(b, s);
    end_line(b);
}

static void
put_inputs(struct buf *b, const struct report_run *run)
{
    if (run->ninputs == 0) {
        buf_append_str(b, "Inputs: none");
        end_line(b);
        end_line(b);
        return;
    }
    buf_append_str(b, "Inputs");
    end_line(b);
    for (size_t i = 0; i < run->ninputs; i++) {
        const struct input_info *in = &run->inputs[i];
        const char *type = input_type_name(in->type);
        buf_append_str(b, "  ");
        put_clean(b, in->path && *in->path ? in->path : "?");
        buf_printf(b, ": %s", type ? type : "not read as a log or capture");
        if (in->size_bytes >= 0)
            buf_printf(b, ", %lld %s", in->size_bytes, plural(in->size_bytes, "byte", "bytes"));
        else
            buf_append_str(b, ", size unknown");
        long long count = in->count >= 0 ? in->count : 0;
        if (in->type == INPUT_PCAP || in->type == INPUT_PCAPNG)
            buf_printf(b, ", %lld %s", count, plural(count, "packet", "packets"));
        else if (in->type == INPUT_EJLOG)
            buf_printf(b, ", %lld %s", count, plural(count, "line", "lines"));
        if (in->evicted > 0)
            buf_printf(b, ", %lld %s closed by xmppflow (evicted)", in->evicted,
                       plural(in->evicted, "connection", "connections"));
        if (in->non_xmpp_flows > 0)
            buf_printf(b, ", %lld non-XMPP %s", in->non_xmpp_flows,
                       plural(in->non_xmpp_flows, "flow", "flows"));
        if (in->s2s_streams > 0)
            buf_printf(b, ", %lld server-to-server %s", in->s2s_streams,
                       plural(in->s2s_streams, "stream", "streams"));
        if (in->nerrors == 0)
            buf_append_str(b, ", no errors");
        end_line(b);
        if (input_info_log_no_xml(in)) {
            buf_printf(b, "    L3: %s", input_info_no_xml_hidden);
            end_line(b);
        }
        for (size_t j = 0; j < in->nerrors; j++) {
            const struct input_error *e = &in->errors[j];
            buf_append_str(b, "    error");
            const char *sep = " at ";
            if (e->line > 0) {
                buf_printf(b, "%sline %ld", sep, e->line);
                sep = ", ";
            }
            if (e->packet > 0) {
                buf_printf(b, "%spacket %ld", sep, e->packet);
                sep = ", ";
            }
            if (e->offset >= 0)
                buf_printf(b, "%soffset %lld", sep, e->offset);
            buf_append_str(b, ": ");
            put_clean(b, e->message && *e->message ? e->message : "(no message)");
            end_line(b);
        }
        if (report_log_format(b, in))
            end_line(b);
    }
    end_line(b);
}

/* Appends "name count", after ", " unless it is the first of its list. */
static void
put_count(struct buf *b, bool *first, const char *name, long count)
{
    if (!*first)
        buf_append_str(b, ", ");
    put_clean(b, name);
    buf_printf(b, " %ld", count);
    *first = false;
}

static void
put_summary_label(struct buf *b, const char *label)
{
    buf_append_str(b, "  ");
    put_pad(b, label, 21);
}

/* Captures and logs whose sessions were combined: one line per pair, with their clock offset. */
static void
put_correlated(struct buf *b, const struct summary *sm)
{
    for (size_t i = 0; i < sm->ncorrelated; i++) {
        const struct correlated_pair *p = &sm->correlated[i];
        put_summary_label(b, "correlated");
        put_clean(b, p->capture);
        buf_append_str(b, " + ");
        put_clean(b, p->log);
        buf_printf(b, ": %ld %s, clock offset %+.1f ms (log minus capture)", p->sessions,
                   plural(p->sessions, "session", "sessions"), offset_ms(p->clock_offset_ms));
        end_line(b);
    }
    if (sm->correlation_held_over > 0) {
        put_summary_label(b, "not correlated");
        buf_printf(b, "%ld %s reported alone: too many waiting for their other half",
                   sm->correlation_held_over, plural(sm->correlation_held_over, "session", "sessions"));
        end_line(b);
    }
}

/* Connections that never carried XMPP: one line per server endpoint. */
static void
put_silent(struct buf *b, const struct summary *sm)
{
    if (sm->nsilent == 0)
        return;
    put_summary_label(b, "silent connections");
    buf_printf(b, "%ld without a byte of XMPP (SYN only, refused, reset, closed)", sm->silent_total);
    end_line(b);
    for (size_t i = 0; i < sm->nsilent; i++) {
        const struct silent_server *v = &sm->silent[i];
        char first[32], last[32];
        format_time(v->first, first, sizeof first);
        format_time(v->last, last, sizeof last);
        put_summary_label(b, "");
        put_clean(b, v->server);
        buf_printf(b, ": %ld (", v->count);
        bool none = true;
        for (int e = 0; e < SILENT_END_COUNT; e++)
            if (v->by_end[e] > 0)
                put_count(b, &none, silent_end_name((enum silent_end)e), v->by_end[e]);
        buf_printf(b, "), %s to %s", first, last);
        end_line(b);
    }
}

/* Streams that are not client logins, of one kind: a total, then one line per server endpoint. */
static void
put_flows(struct buf *b, const char *label, const char *what, const struct flow_tally *t)
{
    if (t->total == 0)
        return;
    put_summary_label(b, label);
    buf_printf(b, "%ld %s", t->total, what);
    end_line(b);
    for (size_t i = 0; i < t->n; i++) {
        char first[32], last[32];
        format_time(t->v[i].first, first, sizeof first);
        format_time(t->v[i].last, last, sizeof last);
        put_summary_label(b, "");
        put_clean(b, t->v[i].server);
        buf_printf(b, ": %ld, %s to %s", t->v[i].count, first, last);
        end_line(b);
    }
}

static void
put_summary(struct buf *b, const struct summary *sm)
{
    bool first;

    buf_append_str(b, "Summary");
    end_line(b);
    put_summary_label(b, "sessions");
    buf_printf(b, "%ld", sm->sessions);
    end_line(b);
    if (sm->interrupted) {
        put_summary_label(b, "interrupted");
        buf_append_str(b, "yes: reading stopped by a signal; this report covers what was read");
        end_line(b);
    }

    put_summary_label(b, "by outcome");
    first = true;
    for (int i = OUTCOME_ESTABLISHED; i <= OUTCOME_OPAQUE; i++)
        if (sm->by_outcome[i] > 0)
            put_count(b, &first, outcome_name((enum outcome)i), sm->by_outcome[i]);
    buf_append_str(b, first ? "none" : "");
    end_line(b);

    put_summary_label(b, "by transport");
    first = true;
    for (int i = TRANSPORT_TCP; i < TRANSPORT_COUNT; i++)
        if (sm->by_transport[i] > 0)
            put_count(b, &first, transport_name((enum transport)i), sm->by_transport[i]);
    buf_append_str(b, first ? "none" : "");
    end_line(b);

    put_summary_label(b, "by mechanism");
    first = true;
    for (size_t i = 0; i < sm->nby_mechanism; i++)
        if (sm->by_mechanism[i].name)
            put_count(b, &first, sm->by_mechanism[i].name, sm->by_mechanism[i].count);
    buf_append_str(b, first ? "none" : "");
    end_line(b);

    put_summary_label(b, "plaintext passwords");
    if (sm->plaintext_sessions == 0) {
        buf_append_str(b, "none");
    } else {
        static const char *const where[] = {"", "wire", "log", "wire, log"}; /* PLAINTEXT_* */
        buf_printf(b, "%ld %s (%ld on the wire, %ld in the server log", sm->plaintext_sessions,
                   plural(sm->plaintext_sessions, "session", "sessions"), sm->plaintext_on_wire,
                   sm->plaintext_in_log);
        if (sm->plaintext_wire_inferred > 0)
            buf_printf(b, "; %ld on the wire as an info-level log's tcp socket tag shows it, no "
                          "password in the input); %ld %s sent without TLS", sm->plaintext_wire_inferred,
                       sm->plaintext_wire_passwords, plural(sm->plaintext_wire_passwords, "password", "passwords"));
        else
            buf_append_char(b, ')');
        for (size_t i = 0; i < sm->nplaintext_users; i++) {
            buf_append_str(b, i ? ", " : "; users: ");
            put_clean(b, sm->plaintext_users[i]);
            unsigned w = sm->plaintext_where ? sm->plaintext_where[i] : 0;
            if (w & 3)
                buf_printf(b, " (%s%s)", where[w & 3], w & PLAINTEXT_WIRE_INFERRED ? ", inferred" : "");
        }
        if (sm->plaintext_users_more > 0)
            buf_printf(b, " and %ld more", sm->plaintext_users_more);
    }
    end_line(b);

    if (sm->evicted > 0) {
        put_summary_label(b, "evicted");
        buf_printf(b, "%ld %s closed by xmppflow (idle, or the connection table was full)",
                   sm->evicted, plural(sm->evicted, "session", "sessions"));
        end_line(b);
    }
    put_correlated(b, sm);
    put_silent(b, sm);
    put_flows(b, "non-XMPP flows", "to an XMPP port, neither TLS nor XML (not sessions)",
              &sm->flows[FLOW_NOT_XMPP]);
    put_flows(b, "s2s streams", "server-to-server (not client logins)", &sm->flows[FLOW_S2S]);

    put_summary_label(b, "violations by code");
    first = true;
    for (size_t i = 0; i < sm->nby_code; i++)
        if (sm->by_code[i].name)
            put_count(b, &first, sm->by_code[i].name, sm->by_code[i].count);
    buf_append_str(b, first ? "none" : "");
    end_line(b);

    put_summary_label(b, "login latency");
    if (sm->nlatencies == 0)
        buf_append_str(b, "n/a");
    else
        buf_printf(b, "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%zu %s)",
                   report_round_ms(summary_percentile(sm, 50)),
                   report_round_ms(summary_percentile(sm, 90)),
                   report_round_ms(summary_percentile(sm, 99)),
                   report_round_ms(summary_percentile(sm, 100)), sm->nlatencies,
                   plural((long)sm->nlatencies, "session", "sessions"));
    end_line(b);
}

/*
 * Puts the bytes of |b| from |from| on through the masking step, in place.
 * Masked line by line: an element's data ends with its line of the report.
 */
static void
mask_from(struct buf *b, size_t from)
{
    const char *text = b->data + from;
    size_t len = b->len - from;
    if (!len || !secret_mask_enabled() || secret_mask_clean(text, len))
        return;
    struct buf masked = {0};
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        secret_mask_append(&masked, text + at, end - at);
        if (nl)
            buf_append_char(&masked, '\n');
        at = end + (nl != NULL);
    }
    b->len = from;
    buf_append(b, masked.data, masked.len);
    buf_clear(&masked);
}

/* Writes |b| out, through the masking step, and empties it. Returns 0 or -1. */
static int
emit(FILE *out, struct buf *b)
{
    mask_from(b, 0);
    int rc = b->len && fwrite(b->data, 1, b->len, out) != b->len ? -1 : 0;
    buf_reset(b);
    return rc;
}

void
report_text_render_session(struct buf *out, const struct session *s, bool show_secrets)
{
    size_t from = out->len;
    put_session(out, s, show_secrets);
    mask_from(out, from);
}

int
report_text_write_end(FILE *out, const struct report_run *run)
{
    struct buf b = {0};
    if (run->nsessions == 0) {
        buf_append_str(&b, "No XMPP client sessions found.");
        end_line(&b);
        end_line(&b);
    }
    put_inputs(&b, run);
    put_summary(&b, run->summary);
    int rc = emit(out, &b);
    buf_clear(&b);
    return rc;
}
