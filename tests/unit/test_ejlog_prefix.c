/* test_ejlog_prefix: the line prefix of every log era (ejabberd-log-formats.md §2) and the reader's record assembly on them. */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ejlog.h"
#include "ejlog_prefix.h"

#define SEC INT64_C(1000000)

static struct ejlog_prefix
parse_ok(const char *line)
{
    struct ejlog_prefix pf;
    cr_assert(ejlog_parse_prefix(line, strlen(line), &pf, NULL), "not a prefix: %s", line);
    return pf;
}

static void
expect_str(const char *p, size_t n, const char *want)
{
    cr_assert_not_null(p, "expected %s", want);
    cr_assert_eq(n, strlen(want), "%.*s != %s", (int)n, p, want);
    cr_assert(memcmp(p, want, n) == 0, "%.*s != %s", (int)n, p, want);
}

Test(ejlog_prefix, otp_file)
{
    struct ejlog_prefix pf = parse_ok("2026-11-24 09:46:37.642212+05:00 [info] <0.335.0>@ejabberd_listener:accept/7:273 (<0.505.0>) Accepted");
    cr_assert_eq(pf.form, EJF_OTP_FILE);
    cr_assert_eq(pf.level, 'i');
    cr_assert(pf.has_date && pf.has_zone);
    expect_str(pf.pid, pf.pid_len, "<0.335.0>");
    expect_str(pf.module, pf.module_len, "ejabberd_listener");
    cr_assert_str_eq(pf.msg, "(<0.505.0>) Accepted");
    /* 09:46:37+05:00 is 04:46:37 UTC */
    cr_assert_eq(pf.time % (86400 * SEC), (4 * 3600 + 46 * 60 + 37) * SEC + 642212);
}

Test(ejlog_prefix, otp_console_has_no_pid)
{
    struct ejlog_prefix pf = parse_ok("2022-09-14 06:48:19.352871+00:00 [info] (tls|<0.1204.0>) Accepted c2s");
    cr_assert_eq(pf.form, EJF_OTP_CONSOLE);
    cr_assert_null(pf.pid);
    cr_assert_null(pf.module);
    cr_assert_str_eq(pf.msg, "(tls|<0.1204.0>) Accepted c2s");
}

Test(ejlog_prefix, lager_file_with_and_without_utc)
{
    struct ejlog_prefix pf = parse_ok("2016-05-09 08:41:27.316 [debug] <0.2214.0>@ejabberd_receiver:process_data:284 Received");
    cr_assert_eq(pf.form, EJF_LAGER_FILE);
    cr_assert_eq(pf.level, 'd');
    cr_assert_not(pf.has_zone, "lager writes local time without a zone");
    expect_str(pf.module, pf.module_len, "ejabberd_receiver");
    cr_assert_str_eq(pf.msg, "Received");
    pf = parse_ok("2016-05-09 08:41:27.316 UTC [info] <0.731.0> (tcp|<0.731.0>) Received");
    cr_assert(pf.has_zone);
    cr_assert_null(pf.module, "error_logger lines have no @mfa");
    expect_str(pf.pid, pf.pid_len, "<0.731.0>");
    /* lager-internal lines have no :function */
    pf = parse_ok("2016-05-09 08:41:27.316 [info] <0.88.0>@lager_handler_watcher:127 x");
    expect_str(pf.module, pf.module_len, "lager_handler_watcher");
    cr_assert_str_eq(pf.msg, "x");
}

Test(ejlog_prefix, lager_console_and_elixir)
{
    struct ejlog_prefix pf = parse_ok("09:27:41.583 [debug] Received XML on stream = x");
    cr_assert_eq(pf.form, EJF_LAGER_CONSOLE);
    cr_assert_not(pf.has_date);
    cr_assert_null(pf.pid);
    cr_assert_eq(pf.time, ((9 * 3600 + 27 * 60 + 41) * 1000 + 583) * INT64_C(1000));
    pf = parse_ok("16:02:45.117 [info]  (tls|<0.877.0>) Send XML");
    cr_assert_eq(pf.form, EJF_ELIXIR, "the padded 4-letter level is Elixir's");
    cr_assert_str_eq(pf.msg, "(tls|<0.877.0>) Send XML");
    cr_assert_eq(parse_ok("16:02:45.117 [info] (tls|<0.877.0>) x").form, EJF_LAGER_CONSOLE);
}

Test(ejlog_prefix, error_logger_header_and_message)
{
    const char *rec = "=INFO REPORT==== 2012-03-05 14:22:07 ===\n"
                      "D(<0.412.0>:ejabberd_receiver:320) : Received XML on stream = \"x\"";
    struct ejlog_prefix pf = parse_ok(rec);
    cr_assert_eq(pf.form, EJF_ERROR_LOGGER);
    cr_assert_eq(pf.level, 'd');
    expect_str(pf.pid, pf.pid_len, "<0.412.0>");
    expect_str(pf.module, pf.module_len, "ejabberd_receiver");
    cr_assert_str_eq(pf.msg, "Received XML on stream = \"x\"");
    cr_assert_eq(pf.time % (86400 * SEC), (14 * 3600 + 22 * 60 + 7) * SEC);
    /* the header alone is a record start */
    cr_assert(ejlog_is_record_start(rec, 40));
    /* WARNING/ERROR reports, and E0's "I(…): " without the space */
    pf = parse_ok("=WARNING REPORT==== 2007-01-15 10:00:00 ===\nI(<0.581.0>:ejabberd_listener:90): (#Port<0.705>) A");
    cr_assert_eq(pf.level, 'i');
    cr_assert_str_eq(pf.msg, "(#Port<0.705>) A");
    pf = parse_ok("=ERROR REPORT==== 2007-01-15 10:00:00 ===\n** Generic server crashed");
    cr_assert_eq(pf.level, 'e');
    cr_assert_null(pf.pid);
    cr_assert_str_eq(pf.msg, "** Generic server crashed");
}

Test(ejlog_prefix, error_logger_tty_date)
{
    struct ejlog_prefix a = parse_ok("=INFO REPORT==== 14-Nov-2010::08:17:52 ===");
    struct ejlog_prefix b = parse_ok("=INFO REPORT==== 2010-11-14 08:17:52 ===");
    cr_assert_eq(a.form, EJF_ERROR_LOGGER_TTY);
    cr_assert_eq(a.time, b.time);
}

Test(ejlog_prefix, bare_message_line)
{
    struct ejlog_prefix pf = parse_ok("I(<0.413.0>:ejabberd_c2s:632) : (x) Accepted");
    cr_assert_eq(pf.form, EJF_E1_BARE);
    cr_assert_not(pf.has_time);
}

Test(ejlog_prefix, not_prefixes)
{
    static const char *const no[] = {
        "", "hello", "2026-11-24", "=INFO REPORT==== garbage ===", "D(<0.1.0>) : x",
        "09:27:41 [debug] x", "2026-11-24 09:46:37 [info] x", "   61,62,63]", "** State: x",
        "Nov 24 09:46:37 host ejabberd[1]: x",
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        cr_assert_not(ejlog_is_record_start(no[i], strlen(no[i])), "%s", no[i]);
}

Test(ejlog_prefix, clock_rolls_over_midnight)
{
    struct ejlog_clock c = {.base = 10 * 86400 * SEC};
    usec_t a = ejlog_clock_place(&c, (23 * 3600 + 59 * 60 + 59) * SEC);
    usec_t b = ejlog_clock_place(&c, (23 * 3600 + 59 * 60 + 58) * SEC); /* a little back: same day */
    usec_t d = ejlog_clock_place(&c, 1 * SEC);
    cr_assert_eq(a, (10 * 86400 + 23 * 3600 + 59 * 60 + 59) * SEC);
    cr_assert_eq(b, a - SEC);
    cr_assert_eq(d, (11 * 86400 + 1) * SEC);
}

/* ---- the reader on every era ------------------------------------------------ */

static size_t
read_all(const char *text, struct ejlog_event *evs, size_t max, struct ejlog **out)
{
    struct ejlog *r = ejlog_new();
    ejlog_feed(r, text, strlen(text));
    ejlog_finish(r);
    size_t n = 0;
    struct ejlog_event ev;
    while (ejlog_next(r, &ev))
        if (n < max)
            evs[n++] = ev; /* kinds and times only: the strings go with the next call */
    *out = r;
    return n;
}

Test(ejlog_prefix, error_logger_records_span_lines)
{
    const char *log = "\n=INFO REPORT==== 2012-03-05 14:22:07 ===\n"
                      "I(<0.402.0>:ejabberd_listener:281) : (<0.9.0>) Accepted connection 1.2.3.4:5 -> 6.7.8.9:5222\n"
                      "\n=INFO REPORT==== 2012-03-05 14:22:08 ===\n"
                      "D(<0.9.0>:ejabberd_c2s:1556) : (tcp|<0.9.0>) Send XML on stream = [\"<a\",\n"
                      "                                 \"/>\"]\n\n";
    struct ejlog_event ev[4];
    struct ejlog *r;
    size_t n = read_all(log, ev, 4, &r);
    cr_assert_eq(ejlog_records(r), 2);
    cr_assert_eq(n, 2);
    cr_assert_eq(ev[0].kind, EJ_ACCEPT);
    cr_assert_eq(ev[1].kind, EJ_XML);
    cr_assert_eq(ev[1].line, 5);
    cr_assert_eq(ev[1].time - ev[0].time, SEC);
    cr_assert_eq(ejlog_forms(r), 1u << EJF_ERROR_LOGGER);
    cr_assert_eq(ejlog_time_notes(r), EJT_NO_ZONE);
    ejlog_free(r);
}

Test(ejlog_prefix, console_lines_keyed_by_tag_across_midnight)
{
    const char *log = "23:59:59.900 [info] (tcp|<0.7.0>) Received XML on stream = <<\"<a/>\">>\n"
                      "00:00:00.100 [info] (tcp|<0.7.0>) Send XML on stream = <<\"<b/>\">>\n";
    struct ejlog_event ev[4];
    struct ejlog *r;
    size_t n = read_all(log, ev, 4, &r);
    cr_assert_eq(n, 2);
    cr_assert_eq(ev[1].time - ev[0].time, 200000, "the next day, 0.2 s later");
    cr_assert_eq(ejlog_time_notes(r), EJT_NO_ZONE | EJT_NO_DATE);
    ejlog_free(r);
}

Test(ejlog_prefix, dropped_markers)
{
    const char *log =
        "2019-03-05 10:00:00.000 [warning] <0.88.0>@lager_error_logger_h:handle_info:144 lager_error_logger_h dropped 17 messages in the last second that exceeded the limit of 100 messages/sec\n"
        "2026-11-24 09:46:37.000000+00:00 [notice] <0.90.0> Handler ejabberd_log flushed 42 log events\n"
        "2026-11-24 09:46:38.000000+00:00 [notice] <0.90.0> Handler ejabberd_log switched from  sync to drop mode\n"
        "2026-11-24 09:46:39.000000+00:00 [notice] <0.90.0> Handler ejabberd_log is fine\n";
    struct ejlog_event ev[4];
    long count[4];
    struct ejlog *r = ejlog_new();
    ejlog_feed(r, log, strlen(log));
    ejlog_finish(r);
    size_t n = 0;
    while (n < 4 && ejlog_next(r, &ev[n])) {
        count[n] = ev[n].count;
        n++;
    }
    cr_assert_eq(n, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(ev[i].kind, EJ_DROPPED);
    cr_assert_eq(count[0], 17);
    cr_assert_eq(count[1], 42);
    cr_assert_eq(count[2], 0);
    ejlog_free(r);
}

Test(ejlog_prefix, mongooseim_is_told)
{
    const char *log = "2016-02-01 10:00:01.200 [debug] <0.701.0>@mod_bosh:info:412 Sending (binary) to <<\"8f1c\">>: <<\"x\">>\n";
    struct ejlog_event ev[2];
    struct ejlog *r;
    read_all(log, ev, 2, &r);
    cr_assert(ejlog_mongooseim(r));
    ejlog_free(r);
}

Test(ejlog_prefix, unplaced_lines_are_shapes)
{
    const char *text = "alice:Sesame99\n\nhello world\n";
    struct ejlog_event ev[2];
    struct ejlog *r;
    read_all(text, ev, 2, &r);
    const struct ejlog_unplaced *u;
    size_t n = ejlog_unplaced(r, &u);
    cr_assert_eq(n, 2);
    cr_assert_eq(u[0].line, 1);
    cr_assert_str_eq(u[0].shape, "aaaaa:Aaaaaa99");
    cr_assert_eq(u[1].line, 3);
    ejlog_free(r);
    char out[200];
    ejlog_head_unplaced(text, strlen(text), out, sizeof out);
    cr_assert_str_eq(out, "line 1 \"aaaaa:Aaaaaa99\", line 3 \"aaaaa aaaaa\"");
}

Test(ejlog_prefix, elixir_debug_lines_are_elixir_once_padding_showed)
{
    const char *log = "16:02:45.117 [debug] (tcp|<0.7.0>) x\n16:02:45.118 [info]  (tcp|<0.7.0>) y\n";
    struct ejlog_event ev[2];
    struct ejlog *r;
    read_all(log, ev, 2, &r);
    cr_assert_eq(ejlog_forms(r), 1u << EJF_ELIXIR);
    ejlog_free(r);
}
