/* test_lognorm: log lines out of docker, compose, journald/syslog and ANSI wrappers; Latin-1 lines (ejabberd-log-formats.md §2.5, §5.1). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ejlog.h"
#include "lognorm.h"

#define E7 "2022-09-14 06:48:19.352871+00:00 [info] (tls|<0.1204.0>) Accepted"

/* The line |in| normalises to (one call; NULL when held). */
static const char *
norm(struct lognorm *n, const char *in, size_t len, size_t *out_len)
{
    const char *out;
    if (!lognorm_line(n, in, len, false, &out, out_len))
        return NULL;
    return out;
}

static void
expect_line(const char *in, const char *want, unsigned wrapper)
{
    struct lognorm *n = lognorm_new();
    size_t len;
    const char *out = norm(n, in, strlen(in), &len);
    cr_assert_not_null(out, "held: %s", in);
    cr_assert_eq(len, strlen(want), "%s -> %.*s", in, (int)len, out);
    cr_assert(memcmp(out, want, len) == 0, "%s -> %.*s", in, (int)len, out);
    cr_assert_eq(lognorm_seen(n), wrapper, "%s: wrappers %#x", in, lognorm_seen(n));
    lognorm_free(n);
}

Test(lognorm, plain_lines_pass)
{
    expect_line(E7, E7, 0);
    expect_line("   61,62,63]", "   61,62,63]", 0);
    expect_line("Domain: example.com", "Domain: example.com", 0);
    expect_line("2026-11-24T09:46:37.644636+00:00 [notice] <0.5.0> x",
                "2026-11-24T09:46:37.644636+00:00 [notice] <0.5.0> x", 0);
    cr_assert(lognorm_plain(E7, strlen(E7), true));
    cr_assert_not(lognorm_plain(E7, strlen(E7), false));
}

Test(lognorm, docker_json)
{
    expect_line("{\"log\":\"2019-05-10 09:27:41.583 [debug] \\u003c0.1342.0\\u003e@m:f:1 x\\r\\r\\n\",\"stream\":\"stdout\",\"time\":\"2019-05-10T09:27:41.58Z\"}",
                "2019-05-10 09:27:41.583 [debug] <0.1342.0>@m:f:1 x", LNW_DOCKER_JSON);
    expect_line("{\"log\":\"caf\\u00e9 \\\"q\\\" \\ud83d\\ude00\\n\"}", "caf\xc3\xa9 \"q\" \xf0\x9f\x98\x80",
                LNW_DOCKER_JSON);
}

Test(lognorm, docker_line_split_over_records)
{
    struct lognorm *n = lognorm_new();
    const char *a = "{\"log\":\"first half \",\"stream\":\"stdout\",\"time\":\"2019-05-10T09:27:41Z\"}";
    const char *b = "{\"log\":\"second half\\n\",\"stream\":\"stdout\",\"time\":\"2019-05-10T09:27:41Z\"}";
    size_t len;
    cr_assert_null(norm(n, a, strlen(a), &len), "a line without its end is held");
    const char *out = norm(n, b, strlen(b), &len);
    cr_assert_not_null(out);
    cr_assert_eq(len, strlen("first half second half"));
    cr_assert(memcmp(out, "first half second half", len) == 0);
    /* the record's date is the day of a time-only line */
    cr_assert_eq(lognorm_day(n), INT64_C(1557446400) * 1000000);
    /* a held line never ended: flushed at the end */
    cr_assert_null(norm(n, a, strlen(a), &len));
    cr_assert(lognorm_flush(n, &out, &len));
    cr_assert_eq(len, strlen("first half "));
    lognorm_free(n);
}

Test(lognorm, compose)
{
    expect_line("ejabberd_1  | 09:27:41.583 [debug] x", "09:27:41.583 [debug] x", LNW_COMPOSE);
    expect_line("xmpp-ejabberd-1  | " E7, E7, LNW_COMPOSE);
}

Test(lognorm, journald_and_syslog)
{
    expect_line("Nov 24 09:46:37 host ejabberd[1234]: " E7, E7, LNW_JOURNALD);
    expect_line("Nov  4 09:46:37.123456 host ejabberd[1234]: " E7, E7, LNW_JOURNALD);
    expect_line("Nov 24 09:46:37 host ejabberd:    61,62]", "   61,62]", LNW_JOURNALD);
    expect_line("2026-11-24T09:46:37+0000 host ejabberd[1234]: " E7, E7, LNW_JOURNALD);
    expect_line("2026-11-24T09:46:37.123456+00:00 host ejabberd[1234]: " E7, E7, LNW_JOURNALD);
    expect_line("<30>Nov 24 09:46:37 host ejabberd[1]: " E7, E7, LNW_JOURNALD);
    expect_line("<30>1 2026-11-24T09:46:37.123Z host ejabberd 1234 - - " E7, E7, LNW_SYSLOG);
}

Test(lognorm, ansi_colours)
{
    expect_line("2025-09-01 10:00:00.123456+00:00 \x1b[1;49;90m[debug] \x1b[0;49;90mtext\x1b[0m",
                "2025-09-01 10:00:00.123456+00:00 [debug] text", LNW_ANSI);
    /* compose colours its prefix */
    expect_line("\x1b[36mejabberd_1  |\x1b[0m " E7, E7, LNW_ANSI | LNW_COMPOSE);
}

Test(lognorm, latin1_line_keeps_its_octets)
{
    /* valid UTF-8 stays as it is (E2-E7 double encoding "Ã©" included) */
    expect_line("caf\xc3\x83\xc2\xa9", "caf\xc3\x83\xc2\xa9", 0);
    /* not UTF-8 (a raw byte write cut inside a character): each byte is a Latin-1 char, so
     * the term decoder's "char <= 0xFF is one byte" gives C3 A9 back, not E9 */
    expect_line("caf\xc3\xa9 x\xc3", "caf\xc3\x83\xc2\xa9 x\xc3\x83", LNW_LATIN1);
}

Test(lognorm, next_dirty)
{
    const char *s = "abcdefghijklmnop\xc3\xa9 q\x1b[0m";
    const char *esc = NULL;
    const char *end = s + strlen(s);
    cr_assert_eq(lognorm_next_dirty(s, end, &esc), s + 16);
    cr_assert_eq(lognorm_next_dirty(s + 18, end, &esc), s + 20);
    cr_assert(lognorm_is_clean("plain ascii text, long enough to take words", 43));
}

Test(lognorm, shape_masks_text)
{
    char out[48];
    lognorm_shape("Nov 24 password=Sesame \"x\"", 26, out, sizeof out);
    cr_assert_str_eq(out, "Aaa 99 aaaaaaaa=Aaaaaa ?a?");
    lognorm_shape("0123456789012345678901234567890123456789", 40, out, sizeof out);
    cr_assert_str_eq(out, "99999999999999999999999999999999...");
}

Test(lognorm, docker_record_cut_short_is_held)
{
    /* the end of a read head, or a line past 4 MiB: the record's start is kept */
    struct lognorm *n = lognorm_new();
    const char *a = "{\"log\":\"2026-11-24 09:46:37.000000+00:00 [info] (tcp|\\u003c0.6.0\\u003e) Rec";
    size_t len;
    const char *out;
    cr_assert_null(norm(n, a, strlen(a), &len));
    cr_assert(lognorm_flush(n, &out, &len));
    cr_assert_eq(len, strlen("2026-11-24 09:46:37.000000+00:00 [info] (tcp|<0.6.0>) Rec"));
    lognorm_free(n);
    /* an input whose whole head is the start of one long docker line is a log */
    char head[300];
    snprintf(head, sizeof head, "%s%s", a, "aaaaaaaaaaaaaaaaaaaa");
    cr_assert(ejlog_head_is_log(head, strlen(head)));
}
