/* test_ejlog: ejabberd log lines to connection events (prefixes, payloads, records, feeding). */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "ejlog.h"

/* 2026-11-25 14:49:24.207982 UTC in microseconds (wrong-password/ejabberd.log, line 1) */
#define T_ACCEPT INT64_C(1795618164207982)
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define E7 "2026-11-25 14:49:24.207982+00:00"
#define TAG "(tcp|<0.517.0>) "

/* ---- helpers -------------------------------------------------------------- */

/* An event with its strings copied, so it outlives the reader's next call. */
struct ev {
    struct ejlog_event e;
};

struct evlist {
    struct ev *v;
    size_t n;
    long lines;
};

static char *
dup_bytes(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = malloc(n + 1);
    cr_assert_not_null(d);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *
dup_str(const char *s)
{
    return s ? dup_bytes(s, strlen(s)) : NULL;
}

static void
collect(struct ejlog *r, struct evlist *l)
{
    struct ejlog_event e;
    while (ejlog_next(r, &e)) {
        struct ev *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
        cr_assert_not_null(nv);
        l->v = nv;
        struct ejlog_event *c = &l->v[l->n++].e;
        *c = e;
        c->pid = dup_str(e.pid);
        c->transport = dup_str(e.transport);
        c->data = dup_bytes(e.data, e.len);
        c->client = dup_str(e.client);
        c->server = dup_str(e.server);
        c->mech = dup_str(e.mech);
        c->user = dup_str(e.user);
        c->ip = dup_str(e.ip);
        c->reason = dup_str(e.reason);
        c->jid = dup_str(e.jid);
        c->message = dup_str(e.message);
        c->handler = dup_str(e.handler);
        c->sid = dup_str(e.sid);
    }
}

static void
evlist_free(struct evlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct ejlog_event *c = &l->v[i].e;
        free((char *)c->pid);
        free((char *)c->transport);
        free((char *)c->data);
        free((char *)c->client);
        free((char *)c->server);
        free((char *)c->mech);
        free((char *)c->user);
        free((char *)c->ip);
        free((char *)c->reason);
        free((char *)c->jid);
        free((char *)c->message);
        free((char *)c->handler);
        free((char *)c->sid);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

enum feed_mode { FEED_WHOLE, FEED_LINES, FEED_BYTES, FEED_RANDOM, FEED_64K };

static const char *const feed_names[] = {"whole", "line by line", "byte by byte", "random chunks",
                                         "64 KiB chunks"};

/* A small deterministic PRNG (xorshift32) so random splits repeat. */
static uint32_t
next_rand(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Reads |len| bytes of log through a new reader fed as |mode| says. */
static void
read_log(const char *data, size_t len, enum feed_mode mode, uint32_t seed, struct evlist *out)
{
    memset(out, 0, sizeof *out);
    struct ejlog *r = ejlog_new();
    cr_assert_not_null(r);
    size_t i = 0;
    while (i < len) {
        size_t n = len - i;
        switch (mode) {
        case FEED_WHOLE:
            break;
        case FEED_LINES: {
            const char *nl = memchr(data + i, '\n', len - i);
            if (nl)
                n = (size_t)(nl - (data + i)) + 1;
            break;
        }
        case FEED_BYTES:
            n = 1;
            break;
        case FEED_RANDOM:
            n = 1 + next_rand(&seed) % 300;
            break;
        case FEED_64K:
            n = 65536;
            break;
        }
        if (n > len - i)
            n = len - i;
        /* a private copy that dies at once: the reader must not keep |buf| */
        char *chunk = dup_bytes(data + i, n);
        ejlog_feed(r, chunk, n);
        memset(chunk, 'Z', n);
        free(chunk);
        i += n;
        if (mode != FEED_WHOLE)
            collect(r, out);
    }
    ejlog_finish(r);
    collect(r, out);
    out->lines = ejlog_lines(r);
    ejlog_free(r);
}

/* Reads a string whole. */
static void
read_str(const char *s, struct evlist *out)
{
    read_log(s, strlen(s), FEED_WHOLE, 1, out);
}

static bool
str_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Field-by-field equality; names the first difference in |why|. */
static bool
ev_same(const struct ejlog_event *a, const struct ejlog_event *b, const char **why)
{
#define CHECK(cond, name)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            *why = name;                                                                           \
            return false;                                                                          \
        }                                                                                          \
    } while (0)
    CHECK(a->kind == b->kind, "kind");
    CHECK(a->time == b->time, "time");
    CHECK(a->line == b->line, "line");
    CHECK(a->last_line == b->last_line, "last_line");
    CHECK(str_same(a->pid, b->pid), "pid");
    CHECK(str_same(a->transport, b->transport), "transport");
    CHECK(a->dir == b->dir, "dir");
    CHECK(a->len == b->len, "len");
    CHECK((!a->data && !b->data) || (a->data && b->data && memcmp(a->data, b->data, a->len) == 0),
          "data");
    CHECK(a->truncated == b->truncated, "truncated");
    CHECK(str_same(a->client, b->client), "client");
    CHECK(str_same(a->server, b->server), "server");
    CHECK(a->ok == b->ok, "ok");
    CHECK(str_same(a->mech, b->mech), "mech");
    CHECK(str_same(a->user, b->user), "user");
    CHECK(str_same(a->ip, b->ip), "ip");
    CHECK(str_same(a->reason, b->reason), "reason");
    CHECK(str_same(a->jid, b->jid), "jid");
    CHECK(str_same(a->message, b->message), "message");
    CHECK(str_same(a->handler, b->handler), "handler");
    CHECK(str_same(a->sid, b->sid), "sid");
    CHECK(a->has_rid == b->has_rid && a->rid == b->rid, "rid");
#undef CHECK
    return true;
}

static void
expect_same_events(const struct evlist *want, const struct evlist *got, const char *what)
{
    cr_expect_eq(got->lines, want->lines, "%s: lines %ld, want %ld", what, got->lines,
                 want->lines);
    cr_assert_eq(got->n, want->n, "%s: %zu events, want %zu", what, got->n, want->n);
    for (size_t i = 0; i < want->n; i++) {
        const char *why = "";
        cr_expect(ev_same(&want->v[i].e, &got->v[i].e, &why), "%s: event %zu differs in %s", what,
                  i, why);
    }
}

/* Reads testdata/<scenario>/ejabberd.log; skips the test when TESTDATA is unset. */
static char *
slurp_log(const char *scenario, size_t *len)
{
    const char *dir = getenv("TESTDATA");
    if (!dir)
        cr_skip_test("TESTDATA is not set (run through make check)");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/ejabberd.log", dir, scenario);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    struct buf b = {0};
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    *len = b.len;
    return b.data;
}

static size_t
count_byte(const char *s, size_t len, char c)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == c;
    return n;
}

/* Line ends as a reader counts them: LF, CR, and CRLF as one. */
static size_t
count_line_ends(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n')))
            n++;
    return n;
}

/* |data| with every LF line end replaced by the |mode| one: "\r", "\r\n", or a mix by line. */
static char *
with_line_ends(const char *data, size_t len, const char *mode, size_t *out_len)
{
    struct buf b = {0};
    size_t line = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n') {
            buf_append_char(&b, data[i]);
            continue;
        }
        static const char *const mix[] = {"\n", "\r", "\r\n"};
        buf_append_str(&b, strcmp(mode, "mixed") == 0 ? mix[line % 3] : mode);
        line++;
    }
    *out_len = b.len;
    return b.data;
}

/* Occurrences of |needle| at the start of a line's message part ("XML on stream"). */
static size_t
count_substr(const char *s, size_t len, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (size_t i = 0; i + k <= len; i++)
        if (memcmp(s + i, needle, k) == 0)
            n++;
    return n;
}

static const char *const scenarios[] = {
    "starttls-plain-ok", "plain-no-tls",       "scram-sha1-ok",       "scram-sha256-ok",
    "digest-md5-ok",     "wrong-password",     "unknown-user",        "disconnect-mid-sasl",
    "legacy-auth-no-tls", "go-sendxmpp",       "drop-after-login",    "concurrent",
};

/* The one event of a one-record log. */
static void
one_event(const char *log, struct evlist *l)
{
    read_str(log, l);
    cr_assert_eq(l->n, 1, "want 1 event, got %zu for: %s", l->n, log);
}

/* ---- prefixes ------------------------------------------------------------- */

Test(ejlog, parses_e7_prefix_in_utc)
{
    struct evlist l;
    one_event("2026-11-25 14:49:24.207982+00:00 [info] <0.335.0>@ejabberd_listener:accept/7:273 "
              "(<0.517.0>) Accepted connection 127.0.0.1:48426 -> 127.0.0.1:5222\n",
              &l);
    cr_expect_eq(l.v[0].e.time, T_ACCEPT);
    evlist_free(&l);
}

Test(ejlog, converts_zone_offsets_to_utc)
{
    static const struct {
        const char *stamp;
        int64_t want;
    } rows[] = {
        {"2026-11-25 14:49:24.207982+00:00", T_ACCEPT},
        {"2026-11-25 20:19:24.207982+05:30", T_ACCEPT},
        {"2026-11-25 11:49:24.207982-03:00", T_ACCEPT},
        {"2026-11-26 00:19:24.207982+09:30", T_ACCEPT}, /* the local date is the next day */
        {"2026-11-25 14:49:24.207982Z", T_ACCEPT},
        {"2026-11-25T14:49:24.207982Z", T_ACCEPT},
        {"2026-11-25 14:49:24.207982 UTC", T_ACCEPT},
        {"2026-11-25 14:49:24.207", T_ACCEPT - 982}, /* lager: milliseconds, taken as UTC */
        {"1970-01-01 00:00:00.000001Z", 1},
        {"2024-02-29 23:59:59.999999+00:00", INT64_C(1709251199999999)}, /* leap day */
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        char line[512];
        snprintf(line, sizeof line,
                 "%s [info] <0.335.0>@ejabberd_listener:accept/7:273 (<0.517.0>) Accepted "
                 "connection 127.0.0.1:48426 -> 127.0.0.1:5222\n",
                 rows[i].stamp);
        struct evlist l;
        read_str(line, &l);
        cr_expect_eq(l.n, 1, "row %zu: %zu events", i, l.n);
        if (l.n == 1)
            cr_expect_eq(l.v[0].e.time, rows[i].want, "row %zu (%s): %lld, want %lld", i,
                         rows[i].stamp, (long long)l.v[0].e.time, (long long)rows[i].want);
        evlist_free(&l);
    }
}

Test(ejlog, parses_lager_prefix_with_milliseconds)
{
    struct evlist l;
    one_event("2026-11-25 14:49:24.207 [info] <0.335.0>@ejabberd_listener:accept:302 (<0.517.0>) "
              "Accepted connection 127.0.0.1:48426 -> 127.0.0.1:5222\n",
              &l);
    cr_expect_eq(l.v[0].e.kind, EJ_ACCEPT);
    cr_expect_eq(l.v[0].e.time, INT64_C(1795618164207000));
    cr_expect_str_eq(l.v[0].e.pid, "<0.517.0>");
    evlist_free(&l);
}

Test(ejlog, recognises_record_starts)
{
    static const char *const good[] = {
        E7 " [info] <0.335.0>@ejabberd_listener:accept/7:273 (<0.517.0>) Accepted connection",
        E7 " [notice] <0.517.0> (tcp|<0.517.0>) Received XML on stream = <<\"<a/>\">>",
        "2026-11-25 14:49:24.207 [info] <0.335.0>@ejabberd_listener:accept:302 hello",
        "2026-11-25 14:49:24.207982Z [debug] x",
        "2026-11-25 20:19:24.207982+05:30 [warning] <0.1.0> y",
        "2026-11-25 14:49:24.207982+00:00 [error] ",
    };
    static const char *const bad[] = {
        "",
        "#presence{id = <<>>,type = probe,lang = <<>>,",
        "          from = #jid{user = <<\"alice\">>,server = <<\"xmppflow.test\">>,",
        "Domain: xmppflow.test",
        "2026-11-25 14:49:24 [info] no fraction",
        "2026-11-25 14:49:24.2079+00:00 [info] four fraction digits",
        "2026-11-25 14:49:24.207982+00:00 info no brackets",
        "2026-11-25 14:49:24.207982+00:00",
        "2026/11/25 14:49:24.207982+00:00 [info] slashes",
        "26-11-25 14:49:24.207982+00:00 [info] short year",
        "2026-11-25 14:49:24.207982+0000 [info] offset without colon",
        "2026-11-25 14:49:24.207982+00:00 [a level that never closes",
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
        "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
    };
    for (size_t i = 0; i < NELEMS(good); i++)
        cr_expect(ejlog_is_record_start(good[i], strlen(good[i])), "good row %zu: %s", i, good[i]);
    for (size_t i = 0; i < NELEMS(bad); i++)
        cr_expect_not(ejlog_is_record_start(bad[i], strlen(bad[i])), "bad row %zu: %s", i, bad[i]);
    /* the length counts, not a NUL: a good line cut short is not a record start */
    cr_expect_not(ejlog_is_record_start(good[0], 20));
    cr_expect_not(ejlog_is_record_start(good[0], 0));
}

/* ---- XML lines ------------------------------------------------------------- */

Test(ejlog, received_line_from_testdata_becomes_client_xml)
{
    struct evlist l;
    one_event("2026-11-25 14:49:24.210004+00:00 [notice] <0.517.0> (tcp|<0.517.0>) Received XML on "
              "stream = <<\"<starttls xmlns=\\\"urn:ietf:params:xml:ns:xmpp-tls\\\" />\">>\n",
              &l);
    const struct ejlog_event *e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_XML);
    cr_expect_eq(e->time, INT64_C(1795618164210004));
    cr_expect_eq(e->dir, 'C');
    cr_expect_str_eq(e->pid, "<0.517.0>");
    cr_expect_str_eq(e->transport, "tcp");
    cr_expect_str_eq(e->data, "<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\" />");
    cr_expect_eq(e->len, strlen("<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\" />"));
    cr_expect_not(e->truncated);
    cr_expect_eq(e->line, 1);
    cr_expect_eq(e->last_line, 1);
    evlist_free(&l);
}

Test(ejlog, send_line_becomes_server_xml_with_its_tag)
{
    struct evlist l;
    one_event(E7 " [notice] <0.509.0> (tls|<0.509.0>) Send XML on stream = "
                 "<<\"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\">>\n",
              &l);
    const struct ejlog_event *e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_XML);
    cr_expect_eq(e->dir, 'S');
    cr_expect_str_eq(e->pid, "<0.509.0>");
    cr_expect_str_eq(e->transport, "tls");
    cr_expect_str_eq(e->data, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    cr_expect_not(e->truncated);
    evlist_free(&l);
}

Test(ejlog, other_transport_tags_are_kept)
{
    static const char *const tags[] = {"http_bind", "websocket", "tls"};
    for (size_t i = 0; i < NELEMS(tags); i++) {
        char line[512];
        snprintf(line, sizeof line,
                 E7 " [notice] <0.9.0> (%s|<0.31544.12>) Received XML on stream = <<\"<r/>\">>\n",
                 tags[i]);
        struct evlist l;
        read_str(line, &l);
        cr_assert_eq(l.n, 1, "row %zu", i);
        cr_expect_str_eq(l.v[0].e.transport, tags[i], "row %zu", i);
        cr_expect_str_eq(l.v[0].e.pid, "<0.31544.12>", "row %zu", i);
        cr_expect_str_eq(l.v[0].e.data, "<r/>", "row %zu", i);
        evlist_free(&l);
    }
}

Test(ejlog, decodes_escaped_binary_payload)
{
    struct evlist l;
    one_event(E7 " [notice] <0.517.0> " TAG "Received XML on stream = "
                 "<<\"<a x=\\\"1\\\">back\\\\slash\\nline\\ttab\\r</a>\">>\n",
              &l);
    const char want[] = "<a x=\"1\">back\\slash\nline\ttab\r</a>";
    cr_expect_eq(l.v[0].e.len, sizeof want - 1);
    cr_expect_str_eq(l.v[0].e.data, want);
    cr_expect_not(l.v[0].e.truncated);
    evlist_free(&l);
}

Test(ejlog, maps_latin1_written_as_utf8_back_to_bytes)
{
    struct evlist l;
    /* a Latin-1 char e-acute: the file holds its UTF-8 form C3 A9 for the one byte E9 */
    one_event(E7 " [notice] <0.517.0> " TAG "Received XML on stream = "
                 "<<\"<body>caf\xc3\xa9 \xc2\xa0\xc3\xbf</body>\">>\n",
              &l);
    cr_expect_str_eq(l.v[0].e.data, "<body>caf\xe9 \xa0\xff</body>");
    evlist_free(&l);
    /* a UTF-8 e-acute in the binary: bytes C3 A9 print as two Latin-1 chars (C3 83 C2 A9) */
    one_event(E7 " [notice] <0.517.0> " TAG "Received XML on stream = "
                 "<<\"<body>caf\xc3\x83\xc2\xa9</body>\">>\n",
              &l);
    cr_expect_str_eq(l.v[0].e.data, "<body>caf\xc3\xa9</body>");
    cr_expect_eq(l.v[0].e.len, strlen("<body>caf\xc3\xa9</body>"));
    evlist_free(&l);
}

Test(ejlog, decodes_decimal_byte_list)
{
    struct evlist l;
    one_event(E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<60,97,62>>\n", &l);
    cr_expect_eq(l.v[0].e.len, 3);
    cr_expect_str_eq(l.v[0].e.data, "<a>");
    cr_expect_not(l.v[0].e.truncated);
    evlist_free(&l);
    /* bytes a string could not show: NUL and 0x80 */
    one_event(E7 " [notice] <0.517.0> " TAG "Send XML on stream = <<60,0,128,255,62>>\n", &l);
    cr_assert_eq(l.v[0].e.len, 5);
    cr_expect_eq(memcmp(l.v[0].e.data, "<\0\x80\xff>", 5), 0);
    evlist_free(&l);
}

Test(ejlog, decodes_decimal_list_wrapped_over_several_lines)
{
    const char *log =
        E7 " [notice] <0.778.0> (tcp|<0.778.0>) Received XML on stream = <<60,109,101,115,115,97,\n"
           "                                           103,101,32,116,111,61,39,98,111,98,39,\n"
           "                                           47,62>>\n" E7
           " [notice] <0.778.0> (tcp|<0.778.0>) Send XML on stream = <<\"<a/>\">>\n";
    struct evlist l;
    read_str(log, &l);
    cr_assert_eq(l.n, 2);
    cr_expect_eq(l.v[0].e.kind, EJ_XML);
    cr_expect_str_eq(l.v[0].e.data, "<message to='bob'/>");
    cr_expect_not(l.v[0].e.truncated);
    cr_expect_eq(l.v[0].e.line, 1);
    cr_expect_eq(l.v[0].e.last_line, 3);
    cr_expect_eq(l.v[1].e.dir, 'S');
    cr_expect_str_eq(l.v[1].e.data, "<a/>");
    cr_expect_eq(l.v[1].e.line, 4);
    cr_expect_eq(l.lines, 4);
    evlist_free(&l);
}

Test(ejlog, empty_binary_is_empty_not_truncated)
{
    struct evlist l;
    one_event(E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<>>\n", &l);
    cr_expect_eq(l.v[0].e.len, 0);
    cr_expect_not(l.v[0].e.truncated);
    evlist_free(&l);
}

Test(ejlog, payload_without_closing_is_truncated)
{
    static const char *const rows[] = {
        /* E7: cut and "..." appended, no closing ">> */
        E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<message to='bob@x'><body>hel...\n",
        E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<message to='bob@x'><body>hel\n",
        E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<message to='bob@x'>\"\n",
        E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<60,109,101,...\n",
        E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<60,109,101\n",
        E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\n",
        E7 " [notice] <0.517.0> " TAG "Received XML on stream = \n",
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct evlist l;
        read_str(rows[i], &l);
        cr_assert_eq(l.n, 1, "row %zu", i);
        cr_expect_eq(l.v[0].e.kind, EJ_XML, "row %zu", i);
        cr_expect(l.v[0].e.truncated, "row %zu", i);
        evlist_free(&l);
    }
    struct evlist l;
    one_event(rows[0], &l);
    cr_expect_eq(strncmp(l.v[0].e.data, "<message to='bob@x'><body>hel", 29), 0);
    evlist_free(&l);
    one_event(rows[3], &l);
    cr_expect_eq(strncmp(l.v[0].e.data, "<me", 3), 0);
    evlist_free(&l);
}

Test(ejlog, decode_term_reads_strings_and_lists)
{
    static const struct {
        const char *term;
        const char *want;
        bool truncated;
    } rows[] = {
        {"<<\"<a/>\">>", "<a/>", false},
        {"\"<a/>\"", "<a/>", false},
        {"[60,97,47,62]", "<a/>", false},
        {"[60,\"iq\",[32,\"type\",61,39,\"get\",39],62]", "<iq type='get'>", false},
        {"  <<\"x\">>", "x", false},
        {"<<>>", "", false},
        {"<<\"x", "x", true},
        {"[60,97", "<a", true},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct buf out = {0};
        bool trunc = !rows[i].truncated;
        cr_expect_eq(ejlog_decode_term(rows[i].term, strlen(rows[i].term), &out, &trunc), 0,
                     "row %zu", i);
        cr_expect_str_eq(buf_str(&out), rows[i].want, "row %zu", i);
        cr_expect_eq(trunc, rows[i].truncated, "row %zu", i);
        buf_clear(&out);
    }
    /*
     * A run of digits in a list is one byte, 255 at most, however long: it
     * must not wrap an int (the log fuzzer's UBSan finding). 4294967361 is
     * 2^32 + 65: with 32-bit wrapping it would come out as 'A'.
     */
    static const struct {
        const char *term;
        size_t len;
    } long_runs[] = {
        {"[4294967361]", 1},
        {"[60,99999999999999999999999999999999999999,62]", 3},
        {"[[[[[2147483648]]]]]", 1},
    };
    for (size_t i = 0; i < NELEMS(long_runs); i++) {
        struct buf out = {0};
        bool trunc = true;
        cr_expect_eq(ejlog_decode_term(long_runs[i].term, strlen(long_runs[i].term), &out, &trunc),
                     0, "%s", long_runs[i].term);
        cr_expect_not(trunc, "%s", long_runs[i].term);
        cr_assert_eq(out.len, long_runs[i].len, "%s: %zu bytes", long_runs[i].term, out.len);
        size_t at = long_runs[i].len == 3 ? 1 : 0;
        cr_expect_eq((unsigned char)out.data[at], 255, "%s: byte %u, want 255", long_runs[i].term,
                     (unsigned char)out.data[at]);
        buf_clear(&out);
    }
    /* a list nested deeper than an int counts is not possible in a 4 MiB record; 10^6 is */
    struct buf deep = {0};
    for (int i = 0; i < 1000000; i++)
        buf_append_char(&deep, '[');
    buf_append_str(&deep, "65");
    for (int i = 0; i < 1000000; i++)
        buf_append_char(&deep, ']');
    struct buf one = {0};
    bool cut = true;
    cr_expect_eq(ejlog_decode_term(deep.data, deep.len, &one, &cut), 0);
    cr_expect_not(cut);
    cr_expect_str_eq(buf_str(&one), "A");
    buf_clear(&one);
    buf_clear(&deep);
    static const char *const not_terms[] = {"", "abc", "{xmlel,<<\"a\">>}", "#presence{}"};
    for (size_t i = 0; i < NELEMS(not_terms); i++) {
        struct buf out = {0};
        bool trunc;
        cr_expect_eq(ejlog_decode_term(not_terms[i], strlen(not_terms[i]), &out, &trunc), -1,
                     "row %zu", i);
        buf_clear(&out);
    }
}

/* ---- connection and session lines ----------------------------------------- */

Test(ejlog, accepted_connection_names_the_c2s_and_endpoints)
{
    struct evlist l;
    one_event(E7 " [info] <0.335.0>@ejabberd_listener:accept/7:273 (<0.517.0>) Accepted connection "
                 "127.0.0.1:48426 -> 127.0.0.1:5222\n",
              &l);
    const struct ejlog_event *e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_ACCEPT);
    cr_expect_str_eq(e->pid, "<0.517.0>"); /* the c2s, not the listener <0.335.0> */
    cr_expect_str_eq(e->client, "127.0.0.1:48426");
    cr_expect_str_eq(e->server, "127.0.0.1:5222");
    evlist_free(&l);

    one_event(E7 " [info] <0.335.0>@ejabberd_listener:accept/7:273 (<0.1204.0>) Accepted connection "
                 "[::1]:47310 -> [::1]:5222\n",
              &l);
    e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_ACCEPT);
    cr_expect_str_eq(e->pid, "<0.1204.0>");
    cr_expect_str_eq(e->client, "[::1]:47310");
    cr_expect_str_eq(e->server, "[::1]:5222");
    evlist_free(&l);
}

Test(ejlog, accepted_auth_line_gives_mech_user_and_ip)
{
    struct evlist l;
    one_event("2026-11-25 14:49:06.395337+00:00 [info] "
              "<0.509.0>@ejabberd_c2s:process_auth_result/3:272 (tls|<0.509.0>) Accepted c2s PLAIN "
              "authentication for alice@xmppflow.test by mnesia backend from 127.0.0.1\n",
              &l);
    const struct ejlog_event *e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_AUTH);
    cr_expect(e->ok);
    cr_expect_str_eq(e->pid, "<0.509.0>");
    cr_expect_str_eq(e->transport, "tls");
    cr_expect_str_eq(e->mech, "PLAIN");
    cr_expect_str_eq(e->user, "alice@xmppflow.test");
    cr_expect_str_eq(e->ip, "127.0.0.1");
    cr_expect_null(e->reason);
    evlist_free(&l);
}

Test(ejlog, failed_auth_line_gives_reason)
{
    struct evlist l;
    one_event("2026-11-25 14:49:24.239160+00:00 [warning] "
              "<0.517.0>@ejabberd_c2s:process_auth_result/3:280 (tls|<0.517.0>) Failed c2s PLAIN "
              "authentication for alice@xmppflow.test from 127.0.0.1: Invalid username or password\n",
              &l);
    const struct ejlog_event *e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_AUTH);
    cr_expect_not(e->ok);
    cr_expect_str_eq(e->mech, "PLAIN");
    cr_expect_str_eq(e->user, "alice@xmppflow.test");
    cr_expect_str_eq(e->ip, "127.0.0.1");
    cr_expect_str_eq(e->reason, "Invalid username or password");
    evlist_free(&l);
}

Test(ejlog, failed_auth_line_keeps_ipv6_colons_in_the_ip)
{
    static const struct {
        const char *line;
        const char *mech, *user, *ip, *reason;
    } rows[] = {
        {E7 " [warning] <0.5.0>@ejabberd_c2s:process_auth_result/3:280 (tcp|<0.5.0>) Failed c2s "
            "SCRAM-SHA-1 authentication for bob@example.org from ::ffff:192.0.2.1: Invalid "
            "username or password\n",
         "SCRAM-SHA-1", "bob@example.org", "::ffff:192.0.2.1", "Invalid username or password"},
        {E7 " [warning] <0.5.0>@ejabberd_c2s:process_auth_result/3:280 (tcp|<0.5.0>) Failed c2s "
            "PLAIN authentication from 2001:db8::1: Malformed request\n",
         "PLAIN", NULL, "2001:db8::1", "Malformed request"},
        {E7 " [info] <0.5.0>@ejabberd_c2s:process_auth_result/3:272 (tcp|<0.5.0>) Accepted c2s "
            "legacy authentication for bob@xmppflow.test by mnesia backend from ::1\n",
         "legacy", "bob@xmppflow.test", "::1", NULL},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct evlist l;
        read_str(rows[i].line, &l);
        cr_assert_eq(l.n, 1, "row %zu", i);
        const struct ejlog_event *e = &l.v[0].e;
        cr_expect_eq(e->kind, EJ_AUTH, "row %zu", i);
        cr_expect(str_same(e->mech, rows[i].mech), "row %zu: mech %s", i, e->mech);
        cr_expect(str_same(e->user, rows[i].user), "row %zu: user %s", i, e->user);
        cr_expect(str_same(e->ip, rows[i].ip), "row %zu: ip %s", i, e->ip);
        cr_expect(str_same(e->reason, rows[i].reason), "row %zu: reason %s", i, e->reason);
        evlist_free(&l);
    }
}

Test(ejlog, opened_and_closing_session_lines)
{
    struct evlist l;
    one_event("2026-11-25 14:49:06.403647+00:00 [info] <0.509.0>@ejabberd_c2s:bind/2:450 "
              "(tls|<0.509.0>) Opened c2s session for alice@xmppflow.test/starttls-plain\n",
              &l);
    cr_expect_eq(l.v[0].e.kind, EJ_SESSION_OPEN);
    cr_expect_str_eq(l.v[0].e.pid, "<0.509.0>");
    cr_expect_str_eq(l.v[0].e.jid, "alice@xmppflow.test/starttls-plain");
    evlist_free(&l);

    one_event("2026-11-25 14:49:21.895088+00:00 [info] "
              "<0.516.0>@ejabberd_c2s:process_terminated/2:295 (tls|<0.516.0>) Closing c2s session "
              "for alice@xmppflow.test/drop: Connection failed: connection closed\n",
              &l);
    cr_expect_eq(l.v[0].e.kind, EJ_CLOSING);
    cr_expect_str_eq(l.v[0].e.pid, "<0.516.0>");
    cr_expect_str_eq(l.v[0].e.jid, "alice@xmppflow.test/drop");
    cr_expect_str_eq(l.v[0].e.reason, "Connection failed: connection closed");
    evlist_free(&l);

    one_event(E7 " [info] <0.516.0>@mod_stream_mgmt:c2s_closed/2:300 (tls|<0.516.0>) Closing c2s "
                 "connection for alice@xmppflow.test/phone: Connection failed: connection closed; "
                 "waiting 300 seconds for stream resumption\n",
              &l);
    cr_expect_eq(l.v[0].e.kind, EJ_CLOSING);
    cr_expect_str_eq(l.v[0].e.jid, "alice@xmppflow.test/phone");
    cr_expect_str_eq(l.v[0].e.reason, "Connection failed: connection closed; waiting 300 seconds "
                                      "for stream resumption");
    evlist_free(&l);
}

Test(ejlog, session_jid_keeps_colons_and_spaces_of_the_resource)
{
    struct evlist l;
    one_event(E7 " [info] <0.509.0>@ejabberd_c2s:bind/2:450 (tls|<0.509.0>) Opened c2s session for "
                 "alice@xmppflow.test/host:4711\n",
              &l);
    cr_expect_str_eq(l.v[0].e.jid, "alice@xmppflow.test/host:4711");
    evlist_free(&l);

    one_event(E7 " [info] <0.509.0>@ejabberd_c2s:bind/2:450 (tls|<0.509.0>) Opened c2s session for "
                 "alice@xmppflow.test/Spark 2.8.3\n",
              &l);
    cr_expect_str_eq(l.v[0].e.jid, "alice@xmppflow.test/Spark 2.8.3");
    evlist_free(&l);

    one_event(E7 " [info] <0.509.0>@ejabberd_c2s:process_terminated/2:295 (tls|<0.509.0>) Closing "
                 "c2s session for alice@xmppflow.test/host:4711: Stream reset by peer\n",
              &l);
    cr_expect_str_eq(l.v[0].e.jid, "alice@xmppflow.test/host:4711");
    cr_expect_str_eq(l.v[0].e.reason, "Stream reset by peer");
    evlist_free(&l);
}

Test(ejlog, c2s_terminated_hook_marks_the_end_of_the_c2s)
{
    struct evlist l;
    read_str("2026-11-25 14:49:06.910392+00:00 [debug] <0.509.0>@ejabberd_hooks:safe_apply/4:315 "
             "Running hook c2s_terminated: mod_stream_mgmt:c2s_terminated/2\n"
             "2026-11-25 14:49:06.910451+00:00 [debug] <0.509.0>@ejabberd_hooks:safe_apply/4:315 "
             "Running hook c2s_terminated: ejabberd_c2s:process_terminated/2\n",
             &l);
    cr_assert_eq(l.n, 1, "only the ejabberd_c2s hook counts, got %zu events", l.n);
    cr_expect_eq(l.v[0].e.kind, EJ_TERMINATED);
    cr_expect_str_eq(l.v[0].e.pid, "<0.509.0>");
    cr_expect_eq(l.v[0].e.line, 2);
    evlist_free(&l);
}

Test(ejlog, start_banner_begins_a_new_run)
{
    struct evlist l;
    one_event("2026-11-25 14:40:00.000000+00:00 [info] <0.110.0>@ejabberd_app:start/2:63 ejabberd "
              "23.01 is started in the node ejabberd@localhost in 1.52s\n",
              &l);
    cr_expect_eq(l.v[0].e.kind, EJ_RUN_START);
    cr_expect_null(l.v[0].e.pid);
    cr_expect_eq(l.v[0].e.time, INT64_C(1795617600000000));
    cr_expect_str_eq(l.v[0].e.message, "ejabberd@localhost", "the banner names the node");
    evlist_free(&l);
    /* before 23.x: no "in N.NNs"; an atom that needs quotes is quoted */
    one_event("2026-11-25 14:40:00.000000+00:00 [info] <0.110.0>@ejabberd_app:start/2:63 ejabberd "
              "21.12 is started in the node 'ejabberd-1@host'\n",
              &l);
    cr_expect_str_eq(l.v[0].e.message, "ejabberd-1@host");
    evlist_free(&l);
}

Test(ejlog, uninteresting_records_give_no_event)
{
    struct evlist l;
    read_str(E7 " [debug] <0.517.0>@ejabberd_hooks:safe_apply/4:315 Running hook c2s_handle_send: "
                "mod_stream_mgmt:c2s_handle_send/3\n" E7
                " [info] <0.110.0>@ejabberd_app:start/2:63 ejabberd 23.01 is stopped in the node x\n" E7
                " [notice] <0.517.0> " TAG "Something else = <<\"<a/>\">>\n" E7
                " [notice] <0.517.0> (<0.5.0>) Not an accept line\n",
             &l);
    cr_expect_eq(l.n, 0, "%zu events", l.n);
    cr_expect_eq(l.lines, 4);
    evlist_free(&l);
}

Test(ejlog, multi_line_records_give_no_event_and_keep_the_next)
{
    const char *log =
        "2026-11-25 14:49:06.405109+00:00 [debug] <0.509.0>@ejabberd_router:do_route/1:384 Route:\n"
        "#presence{id = <<>>,type = probe,lang = <<>>,\n"
        "          from = #jid{user = <<\"alice\">>,server = <<\"xmppflow.test\">>,\n"
        "          Received XML on stream = <<\"<fake/>\">>\n"
        "(tls|<0.509.0>) Received XML on stream = <<\"<fake/>\">>\n"
        "\n"
        "          meta = #{ip => {127,0,0,1}}}\n"
        "2026-11-25 14:49:06.406340+00:00 [notice] <0.509.0> (tls|<0.509.0>) Received XML on "
        "stream = <<\"<iq type=\\\"get\\\"/>\">>\n";
    struct evlist l;
    read_str(log, &l);
    cr_assert_eq(l.n, 1, "%zu events", l.n);
    cr_expect_eq(l.v[0].e.kind, EJ_XML);
    cr_expect_str_eq(l.v[0].e.data, "<iq type=\"get\"/>");
    cr_expect_eq(l.v[0].e.line, 8);
    cr_expect_eq(l.v[0].e.last_line, 8);
    cr_expect_not(l.v[0].e.truncated);
    cr_expect_eq(l.lines, 8);
    evlist_free(&l);
}

Test(ejlog, noise_before_the_first_record_is_skipped)
{
    struct evlist l;
    read_str("          to = undefined}\n"
             "Destinations: alice@xmppflow.test\n" E7 " [notice] <0.517.0> " TAG
             "Received XML on stream = <<\"<a/>\">>\n",
             &l);
    cr_assert_eq(l.n, 1);
    cr_expect_eq(l.v[0].e.line, 3);
    cr_expect_str_eq(l.v[0].e.data, "<a/>");
    evlist_free(&l);
}

Test(ejlog, crlf_line_ends_are_accepted)
{
    struct evlist l;
    read_str(E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<a/>\">>\r\n" E7
                " [info] <0.509.0>@ejabberd_c2s:bind/2:450 (tls|<0.509.0>) Opened c2s session for "
                "alice@xmppflow.test/r\r\n",
             &l);
    cr_assert_eq(l.n, 2);
    cr_expect_str_eq(l.v[0].e.data, "<a/>");
    cr_expect_not(l.v[0].e.truncated);
    cr_expect_str_eq(l.v[1].e.jid, "alice@xmppflow.test/r");
    evlist_free(&l);
}

Test(ejlog, cr_only_crlf_and_mixed_line_ends_read_like_lf)
{
    /* a log from an old Mac editor, from Windows, or a mix of them: the same lines and events */
    static const char *const ends[] = {"\r", "\r\n", "mixed"};
    for (size_t s = 0; s < NELEMS(scenarios); s++) {
        size_t len;
        char *data = slurp_log(scenarios[s], &len);
        struct evlist lf;
        read_log(data, len, FEED_WHOLE, 1, &lf);
        for (size_t e = 0; e < NELEMS(ends); e++) {
            size_t n;
            char *other = with_line_ends(data, len, ends[e], &n);
            /* byte by byte splits every CRLF between two feeds; random chunks some of them */
            for (int m = FEED_WHOLE; m <= FEED_64K; m++) {
                if (m == FEED_LINES)
                    continue; /* the helper splits on LF only */
                struct evlist got;
                read_log(other, n, (enum feed_mode)m, 99, &got);
                char what[128];
                snprintf(what, sizeof what, "%s, line ends %s, %s", scenarios[s],
                         e == 0   ? "CR"
                         : e == 1 ? "CRLF"
                                  : "mixed",
                         feed_names[m]);
                expect_same_events(&lf, &got, what);
                evlist_free(&got);
            }
            free(other);
        }
        evlist_free(&lf);
        free(data);
    }
}

Test(ejlog, a_crlf_split_between_two_feeds_is_one_line_end)
{
    const char *a = E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<a/>\">>\r";
    const char *b = "\n" E7 " [notice] <0.517.0> " TAG "Send XML on stream = <<\"<b/>\">>\r";
    const char *c = "\r\n";
    struct ejlog *r = ejlog_new();
    struct ejlog_event e;
    ejlog_feed(r, a, strlen(a));
    cr_assert(ejlog_next(r, &e), "a line ended by CR is complete at once");
    cr_expect_str_eq(e.data, "<a/>");
    cr_expect_eq(ejlog_lines(r), 1);
    ejlog_feed(r, b, strlen(b));
    cr_assert(ejlog_next(r, &e));
    cr_expect_str_eq(e.data, "<b/>");
    cr_expect_eq(e.line, 2, "the LF after the CR of line 1 is not a line of its own");
    cr_expect_eq(ejlog_lines(r), 2);
    /* CR, then CRLF: one empty line in between */
    ejlog_feed(r, c, strlen(c));
    cr_expect_eq(ejlog_lines(r), 3);
    ejlog_finish(r);
    cr_expect_not(ejlog_next(r, &e), "no cut line: the log ended with a line end");
    cr_expect_eq(ejlog_records(r), 2);
    ejlog_free(r);
}

Test(ejlog, next_line_ends_at_lf_cr_or_crlf)
{
    static const struct {
        const char *text;
        size_t len, next;
    } rows[] = {
        {"abc\ndef", 3, 4}, {"abc\rdef", 3, 4}, {"abc\r\ndef", 3, 5}, {"abc", 3, 3},
        {"\r\n", 0, 2},     {"\n\r", 0, 1},     {"abc\r", 3, 4},      {"", 0, 0},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        size_t len = 99;
        size_t next = ejlog_next_line(rows[i].text, strlen(rows[i].text), &len);
        cr_expect_eq(len, rows[i].len, "row %zu: length %zu", i, len);
        cr_expect_eq(next, rows[i].next, "row %zu: next %zu", i, next);
    }
}

Test(ejlog, counts_records_not_noise)
{
    struct ejlog *r = ejlog_new();
    static const char noise[] = "hello\nworld\r\n\n";
    ejlog_feed(r, noise, sizeof noise - 1);
    ejlog_finish(r);
    cr_expect_eq(ejlog_lines(r), 3);
    cr_expect_eq(ejlog_records(r), 0, "no line starts a record");
    ejlog_free(r);
}

/* ---- feeding ---------------------------------------------------------------- */

Test(ejlog, last_line_without_newline_is_read_at_finish)
{
    const char *log = E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<a/>\">>";
    struct ejlog *r = ejlog_new();
    ejlog_feed(r, log, strlen(log));
    struct ejlog_event e;
    cr_expect_not(ejlog_next(r, &e), "no event before the line is complete");
    ejlog_finish(r);
    cr_assert(ejlog_next(r, &e));
    cr_expect_eq(e.kind, EJ_XML);
    cr_expect_str_eq(e.data, "<a/>");
    cr_expect_not(e.truncated);
    cr_expect_eq(e.line, 1);
    /* a logger always ends its lines: the missing newline is reported as a cut */
    cr_assert(ejlog_next(r, &e), "the cut line is reported");
    cr_expect_eq(e.kind, EJ_PROBLEM);
    cr_expect_eq(e.line, 1);
    cr_expect(strstr(e.message, "middle of a line") != NULL, "%s", e.message);
    cr_expect_not(ejlog_next(r, &e));
    cr_expect_eq(ejlog_lines(r), 1);
    ejlog_finish(r); /* twice is harmless */
    cr_expect_not(ejlog_next(r, &e));
    cr_expect_eq(ejlog_lines(r), 1);
    ejlog_free(r);
}

Test(ejlog, a_complete_xml_line_is_handed_out_at_once)
{
    /* a closed <<"...">> cannot continue on the next line: a pipeline gets it now */
    const char *a = E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<a/>\">>\n";
    const char *auth = E7 " [info] <0.517.0>@ejabberd_c2s:process_auth_result/3:272 " TAG
                          "Accepted c2s PLAIN authentication for alice@xmppflow.test by mnesia "
                          "backend from 127.0.0.1\n";
    const char *b = E7 " [notice] <0.517.0> " TAG "Send XML on stream = <<\"<b/>\">>\n";
    struct ejlog *r = ejlog_new();
    struct ejlog_event e;
    ejlog_feed(r, a, strlen(a));
    cr_assert(ejlog_next(r, &e), "a complete XML line needs no next line");
    cr_expect_str_eq(e.data, "<a/>");
    ejlog_feed(r, auth, strlen(auth));
    cr_expect_not(ejlog_next(r, &e), "other records may still have continuation lines");
    ejlog_feed(r, b, strlen(b));
    cr_assert(ejlog_next(r, &e));
    cr_expect_eq(e.kind, EJ_AUTH);
    cr_assert(ejlog_next(r, &e));
    cr_expect_str_eq(e.data, "<b/>");
    cr_expect_not(ejlog_next(r, &e));
    ejlog_finish(r);
    cr_expect_not(ejlog_next(r, &e));
    ejlog_free(r);
}

Test(ejlog, many_records_in_one_feed_are_all_queued)
{
    struct buf log = {0};
    for (int i = 0; i < 1000; i++)
        buf_printf(&log, E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<n%d/>\">>\n",
                   i);
    struct evlist l;
    read_log(log.data, log.len, FEED_WHOLE, 1, &l);
    cr_assert_eq(l.n, 1000);
    for (size_t i = 0; i < l.n; i++) {
        char want[32];
        snprintf(want, sizeof want, "<n%zu/>", i);
        cr_expect_str_eq(l.v[i].e.data, want, "event %zu", i);
        cr_expect_eq(l.v[i].e.line, (long)i + 1, "event %zu", i);
    }
    evlist_free(&l);
    buf_clear(&log);
}

Test(ejlog, same_events_whole_line_by_line_byte_by_byte_or_in_random_chunks)
{
    for (size_t s = 0; s < NELEMS(scenarios); s++) {
        size_t len;
        char *data = slurp_log(scenarios[s], &len);
        struct evlist whole;
        read_log(data, len, FEED_WHOLE, 1, &whole);
        cr_expect_gt(whole.n, 0, "%s: no events", scenarios[s]);
        for (int m = FEED_LINES; m <= FEED_64K; m++) {
            for (uint32_t seed = 1; seed <= (m == FEED_RANDOM ? 5u : 1u); seed++) {
                struct evlist other;
                read_log(data, len, (enum feed_mode)m, seed * 2654435761u, &other);
                char what[128];
                snprintf(what, sizeof what, "%s %s (seed %u)", scenarios[s], feed_names[m], seed);
                expect_same_events(&whole, &other, what);
                evlist_free(&other);
            }
        }
        evlist_free(&whole);
        free(data);
    }
}

Test(ejlog, counts_lines_like_wc)
{
    for (size_t s = 0; s < NELEMS(scenarios); s++) {
        size_t len;
        char *data = slurp_log(scenarios[s], &len);
        struct evlist l;
        read_log(data, len, FEED_RANDOM, 7, &l);
        cr_expect_eq(l.lines, (long)count_byte(data, len, '\n'), "%s", scenarios[s]);
        evlist_free(&l);
        free(data);
    }
}

Test(ejlog, every_xml_line_of_a_real_log_becomes_an_event)
{
    for (size_t s = 0; s < NELEMS(scenarios); s++) {
        size_t len;
        char *data = slurp_log(scenarios[s], &len);
        struct evlist l;
        read_log(data, len, FEED_WHOLE, 1, &l);
        size_t xml = 0, auth = 0;
        for (size_t i = 0; i < l.n; i++) {
            xml += l.v[i].e.kind == EJ_XML;
            auth += l.v[i].e.kind == EJ_AUTH;
            if (l.v[i].e.kind == EJ_XML)
                cr_expect_not(l.v[i].e.truncated, "%s: event %zu (line %ld) truncated",
                              scenarios[s], i, l.v[i].e.line);
        }
        cr_expect_eq(xml, count_substr(data, len, " XML on stream = "), "%s", scenarios[s]);
        cr_expect_eq(auth, count_substr(data, len, " authentication ") , "%s", scenarios[s]);
        evlist_free(&l);
        free(data);
    }
}

Test(ejlog, event_lines_match_the_real_file)
{
    size_t len;
    char *data = slurp_log("starttls-plain-ok", &len);
    struct evlist l;
    read_log(data, len, FEED_BYTES, 1, &l);
    /* known lines of testdata/starttls-plain-ok/ejabberd.log */
    bool seen_accept = false, seen_auth = false, seen_open = false, seen_term = false,
         seen_close = false, seen_plain = false;
    for (size_t i = 0; i < l.n; i++) {
        const struct ejlog_event *e = &l.v[i].e;
        cr_expect_eq(e->line, e->last_line, "event %zu: single-line record", i);
        switch (e->kind) {
        case EJ_ACCEPT:
            seen_accept = true;
            cr_expect_eq(e->line, 1);
            cr_expect_str_eq(e->client, "127.0.0.1:52784");
            break;
        case EJ_AUTH:
            seen_auth = true;
            cr_expect_eq(e->line, 23);
            cr_expect_eq(e->time, INT64_C(1795618146395337));
            break;
        case EJ_SESSION_OPEN:
            seen_open = true;
            cr_expect_eq(e->line, 42);
            break;
        case EJ_TERMINATED:
            seen_term = true;
            cr_expect_eq(e->line, 313);
            break;
        case EJ_CLOSING:
            seen_close = true;
            cr_expect_eq(e->line, 314);
            cr_expect_str_eq(e->reason, "Stream reset by peer");
            break;
        case EJ_XML:
            if (e->data && strstr(e->data, "AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE=")) {
                seen_plain = true;
                cr_expect_eq(e->line, 20);
                cr_expect_eq(e->dir, 'C');
                cr_expect_str_eq(e->transport, "tls");
                cr_expect_str_eq(e->data, "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" "
                                          "mechanism=\"PLAIN\">AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE="
                                          "</auth>");
            }
            break;
        default:
            cr_expect_fail("unexpected event kind %d at line %ld", (int)e->kind, e->line);
            break;
        }
    }
    cr_expect(seen_accept && seen_auth && seen_open && seen_term && seen_close && seen_plain);
    /* the last event is the final Send </stream:stream> on line 363 */
    cr_assert_gt(l.n, 0);
    cr_expect_eq(l.v[l.n - 1].e.line, 363);
    cr_expect_str_eq(l.v[l.n - 1].e.data, "</stream:stream>");
    evlist_free(&l);
    free(data);
}

/* ---- garbage ---------------------------------------------------------------- */

Test(ejlog, random_binary_does_not_crash)
{
    size_t len = 1u << 20;
    char *data = malloc(len);
    cr_assert_not_null(data);
    uint32_t seed = 12345;
    for (size_t i = 0; i < len; i++)
        data[i] = (char)(next_rand(&seed) & 0xff);
    struct evlist l;
    read_log(data, len, FEED_RANDOM, 3, &l);
    cr_expect_eq(l.lines, (long)count_line_ends(data, len) +
                              (data[len - 1] != '\n' && data[len - 1] != '\r'));
    cr_expect_eq(l.n, 0, "random bytes gave %zu events", l.n);
    evlist_free(&l);
    free(data);
}

Test(ejlog, nul_bytes_do_not_end_a_line_or_crash)
{
    static const char log[] =
        E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<a>\0</a>\">>\n"
        "\0\0\0\0\n" E7 " [notice] <0.517.0> " TAG "Send XML on stream = <<\"<b/>\">>\n";
    struct evlist l;
    read_log(log, sizeof log - 1, FEED_BYTES, 1, &l);
    cr_assert_eq(l.n, 2);
    cr_expect_eq(l.v[0].e.len, 8);
    cr_expect_eq(memcmp(l.v[0].e.data, "<a>\0</a>", 8), 0);
    cr_expect_str_eq(l.v[1].e.data, "<b/>");
    cr_expect_eq(l.v[1].e.line, 3);
    cr_expect_eq(l.lines, 3);
    evlist_free(&l);
}

Test(ejlog, ten_megabyte_line_without_newline_is_bounded)
{
    size_t len = 10u << 20;
    char *data = malloc(len);
    cr_assert_not_null(data);
    memset(data, 'x', len);
    for (int m = FEED_WHOLE; m <= FEED_64K; m++) {
        if (m == FEED_BYTES || m == FEED_LINES || m == FEED_RANDOM)
            continue;
        struct evlist l;
        read_log(data, len, (enum feed_mode)m, 1, &l);
        cr_expect_eq(l.n, 0, "%s: %zu events", feed_names[m], l.n);
        cr_expect_eq(l.lines, 1, "%s: %ld lines", feed_names[m], l.lines);
        evlist_free(&l);
    }
    free(data);
}

Test(ejlog, oversized_record_is_cut_the_same_way_however_it_is_fed)
{
    static const char head[] = E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<message>";
    static const char tail[] = "</message>\">>\n";
    static const char before[] = E7 " [notice] <0.517.0> " TAG "Send XML on stream = <<\"<a/>\">>\n";
    static const char after[] = E7 " [notice] <0.517.0> " TAG "Send XML on stream = <<\"<b/>\">>\n";
    size_t body = 10u << 20;
    struct buf log = {0};
    buf_append_str(&log, before);
    buf_append_str(&log, head);
    for (size_t i = 0; i < body; i += 64)
        buf_append_str(&log, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    buf_append_str(&log, tail);
    buf_append_str(&log, after);

    struct evlist whole;
    read_log(log.data, log.len, FEED_WHOLE, 1, &whole);
    cr_expect_eq(whole.lines, 3);
    size_t nxml = 0;
    for (size_t i = 0; i < whole.n; i++) {
        const struct ejlog_event *e = &whole.v[i].e;
        if (e->kind != EJ_XML)
            continue;
        nxml++;
        if (e->line == 1) {
            cr_expect_str_eq(e->data, "<a/>");
            cr_expect_not(e->truncated, "the record before the long one is complete");
        } else if (e->line == 2) {
            cr_expect(e->truncated, "the long record is cut");
            cr_expect_leq(e->len, (size_t)4 << 20);
            cr_expect_eq(strncmp(e->data, "<message>0123", 13), 0);
        } else {
            cr_expect_eq(e->line, 3);
            cr_expect_str_eq(e->data, "<b/>");
            cr_expect_not(e->truncated, "the record after the long one is complete");
        }
    }
    cr_expect_eq(nxml, 3, "%zu XML events", nxml);

    struct evlist chunked;
    read_log(log.data, log.len, FEED_64K, 1, &chunked);
    expect_same_events(&whole, &chunked, "64 KiB chunks");
    evlist_free(&chunked);
    read_log(log.data, log.len, FEED_RANDOM, 9, &chunked);
    expect_same_events(&whole, &chunked, "random chunks");
    evlist_free(&chunked);
    evlist_free(&whole);
    buf_clear(&log);
}

Test(ejlog, free_accepts_null_and_unfinished_readers)
{
    ejlog_free(NULL);
    struct ejlog *r = ejlog_new();
    const char *part = E7 " [notice] <0.517.0> " TAG "Received XML on stream = <<\"<a";
    ejlog_feed(r, part, strlen(part));
    ejlog_feed(r, "", 0);
    cr_expect_eq(ejlog_lines(r), 0);
    ejlog_free(r);
}

/* ---- BOSH: the handler's Incoming data body, the BOSH process's Got request ---- */

/* bosh-plain/ejabberd.log, lines 1 and 131-143 (the Request and State dumps shortened) */
#define BOSH_ACCEPT                                                                                \
    "2026-12-06 02:32:00.058457+00:00 [info] <0.338.0>@ejabberd_listener:accept/7:273 (<0.517.0>) " \
    "Accepted connection 127.0.0.1:34888 -> 127.0.0.1:5280\n"
#define BOSH_BODY                                                                                  \
    "2026-12-06 02:32:00.102471+00:00 [debug] <0.517.0>@mod_bosh:process/1:70 Incoming data: "     \
    "<<\"<body rid='2127079' sid='2f21556d' xmlns='http://jabber.org/protocol/httpbind'><auth "    \
    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNl</auth><x a=\\\"1\\\"/>"    \
    "</body>\">>\n"
#define BOSH_REQUEST_HEAD                                                                          \
    "2026-12-06 02:32:00.102741+00:00 [debug] <0.519.0>@ejabberd_bosh:active/3:384 Got request:\n"
#define BOSH_REQUEST_DUMP                                                                          \
    "** Request: {body,<<>>,\n"                                                                    \
    "                [{sid,<<\"2f21556d\">>},\n"                                                   \
    "                 {rid,2127079}],\n"                                                           \
    "                [],226}\n"
#define BOSH_FROM "** From: {<0.517.0>,#Ref<0.702489018.784072705.53588>}\n"
#define BOSH_STATE                                                                                 \
    "** State: {state,<<\"xmppflow.test\">>,\n"                                                    \
    "              <<\"2f21556d\">>,\n"                                                            \
    "              {{[],[]},0,unlimited},\n"                                                       \
    "              2}\n"
#define BOSH_NEXT                                                                                  \
    "2026-12-06 02:32:00.103202+00:00 [debug] <0.520.0>@ejabberd_hooks:safe_apply/4:315 Running "   \
    "hook c2s_handle_recv: mod_stream_mgmt:c2s_handle_recv/3\n"

Test(ejlog, bosh_body_and_got_request_link_the_handler_to_the_bosh_process)
{
    static const char log[] = BOSH_ACCEPT BOSH_BODY BOSH_REQUEST_HEAD BOSH_REQUEST_DUMP BOSH_FROM
        BOSH_STATE BOSH_NEXT;
    struct evlist want;
    read_str(log, &want);
    cr_assert_eq(want.n, 3);
    const struct ejlog_event *a = &want.v[0].e, *b = &want.v[1].e, *r = &want.v[2].e;
    cr_expect_eq(a->kind, EJ_ACCEPT);
    cr_expect_str_eq(a->pid, "<0.517.0>");
    cr_expect_eq(b->kind, EJ_BOSH_BODY);
    cr_expect_str_eq(b->pid, "<0.517.0>");
    cr_expect_str_eq(b->transport, "http_bind");
    cr_expect_str_eq(b->data, "<body rid='2127079' sid='2f21556d' xmlns='http://jabber.org/protocol/httpbind'>"
                              "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNl"
                              "</auth><x a=\"1\"/></body>");
    cr_expect_not(b->truncated);
    cr_expect_eq(b->line, 2);
    cr_expect_eq(r->kind, EJ_BOSH_REQUEST);
    cr_expect_str_eq(r->pid, "<0.519.0>");
    cr_expect_str_eq(r->handler, "<0.517.0>");
    cr_expect(r->has_rid);
    cr_expect_eq(r->rid, 2127079);
    cr_expect_str_eq(r->sid, "2f21556d");
    cr_expect_eq(r->line, 3);
    cr_expect_eq(r->last_line, 12);
    cr_expect_null(r->data);
    /* the same events however the bytes come */
    for (enum feed_mode m = FEED_LINES; m <= FEED_64K; m++) {
        struct evlist got;
        read_log(log, sizeof log - 1, m, 7, &got);
        expect_same_events(&want, &got, feed_names[m]);
        evlist_free(&got);
    }
    evlist_free(&want);
}

Test(ejlog, got_request_without_from_or_cut_names_no_handler)
{
    static const char *const logs[] = {
        /* no From line at all */
        BOSH_REQUEST_HEAD BOSH_REQUEST_DUMP BOSH_STATE BOSH_NEXT,
        /* the log ends inside the record */
        BOSH_REQUEST_HEAD BOSH_REQUEST_DUMP,
        /* the next record starts before the From line */
        BOSH_REQUEST_HEAD "** Request: {body,<<>>,[{rid,2127079}],\n" BOSH_NEXT,
        /* a From without a pid, and one whose pid never ends */
        BOSH_REQUEST_HEAD BOSH_REQUEST_DUMP "** From: {undefined,#Ref<0.1.2.3>}\n" BOSH_NEXT,
        BOSH_REQUEST_HEAD BOSH_REQUEST_DUMP "** From: {<0.517.0000000000000000000000000000000000\n",
    };
    for (size_t i = 0; i < NELEMS(logs); i++) {
        struct evlist l;
        read_str(logs[i], &l);
        cr_assert_geq(l.n, 1, "row %zu", i);
        cr_expect_eq(l.v[0].e.kind, EJ_BOSH_REQUEST, "row %zu", i);
        cr_expect_str_eq(l.v[0].e.pid, "<0.519.0>", "row %zu", i);
        cr_expect_null(l.v[0].e.handler, "row %zu", i);
        cr_expect(l.v[0].e.has_rid, "row %zu", i);
        cr_expect_eq(l.v[0].e.rid, 2127079, "row %zu", i);
        evlist_free(&l);
    }
    /* the creation request: its rid in "** RequestID:", 16.12's lower-case title */
    struct evlist l;
    read_str("2026-12-06 02:32:00.078796+00:00 [debug] <0.519.0>@ejabberd_bosh:wait_for_session/3:319 "
             "got request:\n** RequestID: 2127078\n** Request: {body,<<>>,[],[],213}\n" BOSH_FROM,
             &l);
    cr_assert_eq(l.n, 1);
    cr_expect_str_eq(l.v[0].e.handler, "<0.517.0>");
    cr_expect_eq(l.v[0].e.rid, 2127078);
    cr_expect_null(l.v[0].e.sid);
    evlist_free(&l);
    /* the same words from another module are no BOSH record */
    read_str("2026-12-06 02:32:00.078796+00:00 [debug] <0.519.0>@mod_other:f/3:1 Got request:\n" BOSH_FROM
             "2026-12-06 02:32:00.078796+00:00 [debug] <0.519.0>@mod_other:f/3:1 Incoming data: <<\"<body/>\">>\n",
             &l);
    cr_expect_eq(l.n, 0);
    evlist_free(&l);
}

Test(ejlog, bosh_body_cut_by_the_logger_is_truncated)
{
    static const char *const rows[] = {
        /* OTP logger: cut and "..." appended, no closing ">> */
        "2026-12-06 02:32:00.102471+00:00 [debug] <0.517.0>@mod_bosh:process/1:70 Incoming data: "
        "<<\"<body rid='1' xmlns='http://jabber.org/protocol/httpbind'><auth>AGFs...\n",
        /* lager (4096 characters): the "..." inside the quotes */
        "2026-12-06 02:32:00.102 [debug] <0.517.0>@mod_bosh:process:70 Incoming data: "
        "<<\"<body rid='1' xmlns='http://jabber.org/protocol/httpbind'><auth>AGFs...\">>\n",
        /* not a term */
        "2026-12-06 02:32:00.102471+00:00 [debug] <0.517.0>@mod_bosh:process/1:70 Incoming data: <body/>\n",
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct evlist l;
        read_str(rows[i], &l);
        cr_assert_eq(l.n, 1, "row %zu", i);
        cr_expect_eq(l.v[0].e.kind, EJ_BOSH_BODY, "row %zu", i);
        cr_expect_str_eq(l.v[0].e.pid, "<0.517.0>", "row %zu", i);
        cr_expect(l.v[0].e.truncated, "row %zu", i);
        evlist_free(&l);
    }
}

static bool
refuse_all(void *arg, const char *pid, size_t len)
{
    (void)arg;
    (void)pid;
    (void)len;
    return false;
}

Test(ejlog, bosh_body_is_read_whole_for_any_worker)
{
    /* -j: the body's session is named by a later record, so every worker gets the body */
    struct ejlog *r = ejlog_new();
    ejlog_want(r, refuse_all, NULL);
    static const char log[] = BOSH_BODY BOSH_REQUEST_HEAD BOSH_REQUEST_DUMP BOSH_FROM BOSH_NEXT;
    ejlog_feed(r, log, sizeof log - 1);
    ejlog_finish(r);
    struct evlist l = {0};
    collect(r, &l);
    ejlog_free(r);
    cr_assert_eq(l.n, 2);
    cr_expect_eq(l.v[0].e.kind, EJ_BOSH_BODY);
    cr_expect_not_null(l.v[0].e.data);
    cr_expect_not(l.v[0].e.truncated);
    cr_expect_eq(l.v[1].e.kind, EJ_BOSH_REQUEST);
    cr_expect_null(l.v[1].e.handler); /* another's session: its dump is not kept */
    evlist_free(&l);
}

Test(ejlog, a_reused_handler_pid_gives_its_new_endpoints_and_bodies_in_order)
{
    static const char log[] =
        BOSH_ACCEPT BOSH_BODY
        "2026-12-06 02:33:00.000000+00:00 [info] <0.338.0>@ejabberd_listener:accept/7:273 (<0.517.0>) "
        "Accepted connection 127.0.0.1:40000 -> 127.0.0.1:5280\n"
        "2026-12-06 02:33:00.000100+00:00 [debug] <0.517.0>@mod_bosh:process/1:70 Incoming data: "
        "<<\"<body rid='9' xmlns='http://jabber.org/protocol/httpbind'/>\">>\n";
    struct evlist l;
    read_str(log, &l);
    cr_assert_eq(l.n, 4);
    cr_expect_eq(l.v[2].e.kind, EJ_ACCEPT);
    cr_expect_str_eq(l.v[2].e.pid, "<0.517.0>");
    cr_expect_str_eq(l.v[2].e.client, "127.0.0.1:40000");
    cr_expect_eq(l.v[3].e.kind, EJ_BOSH_BODY);
    cr_expect_str_eq(l.v[3].e.pid, "<0.517.0>");
    cr_expect_str_eq(l.v[3].e.data, "<body rid='9' xmlns='http://jabber.org/protocol/httpbind'/>");
    evlist_free(&l);
}

/* ---- the HTTP handler's lines (issue 14: BOSH/WebSocket over HTTPS) ---- */

Test(ejlog, http_query_says_whether_the_handler_socket_is_tls)
{
    struct evlist l;
    one_event(E7 " [debug] <0.532.0>@ejabberd_http:process_header/2:290 ({tlssock,#Port<0.30>,"
                 "#Ref<0.149941633.2588540929.25734>}) http query: 'POST' <<\"/bosh\">>\n",
              &l);
    const struct ejlog_event *e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_HTTP_QUERY);
    cr_expect_str_eq(e->pid, "<0.532.0>"); /* the handler: the pid of its Accepted line */
    cr_expect(e->tls);
    evlist_free(&l);

    one_event(E7 " [debug] <0.520.0>@ejabberd_http:process_header/2:290 (#Port<0.50>) http query: "
                 "'GET' <<\"/ws\">>\n",
              &l);
    e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_HTTP_QUERY);
    cr_expect_str_eq(e->pid, "<0.520.0>");
    cr_expect_not(e->tls);
    evlist_free(&l);
}

Test(ejlog, websocket_connected_names_the_ws_process_and_its_client)
{
    struct evlist l;
    one_event(E7 " [debug] <0.536.0>@ejabberd_http_ws:init/1:135 Client connected through websocket "
                 "{http_ws,<0.536.0>,{{127,0,0,1},42700}}\n",
              &l);
    const struct ejlog_event *e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_WS_CONNECTED);
    cr_expect_str_eq(e->pid, "<0.536.0>");
    cr_expect_str_eq(e->client, "127.0.0.1:42700");
    evlist_free(&l);

    /* IPv6 as the 19.08+ Accepted line writes it (inet:ntoa, compressed, in brackets) */
    one_event(E7 " [debug] <0.90.0>@ejabberd_http_ws:init/1:135 Client connected through websocket "
                 "{http_ws,<0.90.0>,{{0,0,0,0,0,0,0,1},5001}}\n",
              &l);
    e = &l.v[0].e;
    cr_expect_eq(e->kind, EJ_WS_CONNECTED);
    cr_expect_str_eq(e->client, "[::1]:5001");
    evlist_free(&l);
}

Test(ejlog, other_http_handler_lines_are_noise)
{
    struct evlist l;
    const char *log =
        E7 " [debug] <0.532.0>@ejabberd_http:init/3:129 S: [{[<<\"bosh\">>],mod_bosh}]\n"
        E7 " [debug] <0.535.0>@ejabberd_http:process/1:362 [<<\"ws\">>] matches [<<\"ws\">>]\n"
        E7 " [debug] <0.9.0>@ejabberd_http_ws:init/1:135 Client connected through websocket {http_ws,<0.9.0>,{{XXX},1}}\n";
    read_str(log, &l);
    cr_expect_eq(l.n, 1);
    cr_expect_eq(l.v[0].e.kind, EJ_WS_CONNECTED);
    cr_expect_null(l.v[0].e.client); /* a redacted address: not known */
    evlist_free(&l);
}
