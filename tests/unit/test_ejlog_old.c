/*
 * test_ejlog_old: logs up to 17.11 — the Erlang term reader (ejlog_term), the
 * socket_state reader and the old message forms (ejlog_oldmsg), the
 * receiver/c2s/socket links (log_link). Inputs written from
 * ejabberd-log-formats.md §4, §5, §6 (hand-made, not from a server).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "ejlog_oldmsg.h"
#include "ejlog_term.h"
#include "log_link.h"

/* Decodes |term|; returns the bytes (caller frees) and the cut flag. */
static char *
decode(const char *term, bool *truncated, int *rc)
{
    struct buf b = {0};
    *rc = ejlog_decode_term(term, strlen(term), &b, truncated);
    char *s = strdup(b.data ? b.data : "");
    buf_clear(&b);
    return s;
}

static void
expect_term(const char *term, const char *want, bool want_cut)
{
    bool cut;
    int rc;
    char *got = decode(term, &cut, &rc);
    cr_assert_eq(rc, 0, "%s: not read", term);
    cr_expect_str_eq(got, want, "%s", term);
    cr_expect_eq(cut, want_cut, "%s: truncated %d", term, cut);
    free(got);
}

Test(ejlog_term, binaries_strings_and_byte_lists)
{
    expect_term("<<\"<a x='1'/>\">>", "<a x='1'/>", false);
    expect_term("<<\"say \\\"hi\\\"\\n\">>", "say \"hi\"\n", false);
    expect_term("<<>>", "", false);
    expect_term("\"<presence/>\"", "<presence/>", false); /* E1 Received: a string */
    expect_term("[60,97,47,62]", "<a/>", false);           /* a string as a byte list */
    expect_term("<<60,97,47,62>>", "<a/>", false);
    expect_term("[]", "", false);
}

Test(ejlog_term, byte_list_wrapped_over_lines_with_indentation)
{
    /* io_lib (E1, E7): 80 columns, continuation lines indented to the term's column */
    expect_term("<<60,98,111,\n                                           100,121,62,\n"
                "                                           226,130,172,60,47,98,111,100,121,62>>",
                "<body>\xe2\x82\xac</body>", false);
}

Test(ejlog_term, deep_iolist_is_flattened)
{
    /* §5.3: ejabberd 2.x before 2.1.5, and the 2.x stream header */
    expect_term("[60,\"iq\",[[32,\"type\",61,39,\"result\",39]],62,[],60,47,\"iq\",62]",
                "<iq type='result'></iq>", false);
    expect_term("[60,63,\n     120,109,108,63,62,[\" version='\",\"1.0\",\n      \"'\"],<<\"x\">>,62]",
                "<?xml?> version='1.0'x>", false);
}

Test(ejlog_term, cuts_are_detected)
{
    /* OTP logger (E7): "..." and no closing ">> */
    expect_term("<<\"<message><body>abc...", "<message><body>abc...", true);
    /* a list cut short */
    expect_term("[60,109,101,...", "<me", true);
    /* lager's 4096 characters: "..." inside the quotes, then ">> all the same */
    size_t n = 4080;
    char *t = malloc(n + 16);
    strcpy(t, "<<\"<body>");
    size_t o = strlen(t);
    memset(t + o, 'x', n - o);
    strcpy(t + n, "...\">>");
    bool cut;
    int rc;
    char *got = decode(t, &cut, &rc);
    cr_expect(cut, "a 4 KiB binary ending in ...\">> is cut");
    cr_expect_eq(strlen(got), n - 3, "the \"...\" is not data");
    free(got);
    free(t);
    /* a short binary that ends in "..." says so itself */
    expect_term("<<\"wait...\">>", "wait...", false);
}

Test(ejlog_term, elixir_inspect_string)
{
    expect_term("\"<iq type=\\\"get\\\"/>\"", "<iq type=\"get\"/>", false);
    expect_term("\"<message><body>long (truncated)", "<message><body>long (truncated)", true);
}

Test(ejlog_term, not_a_term)
{
    bool cut;
    struct buf b = {0};
    cr_expect_eq(ejlog_decode_term("hello", 5, &b, &cut), -1);
    buf_clear(&b);
}

/* ---- socket_state ---------------------------------------------------------- */

static bool
span_is(struct ejlog_span s, const char *want)
{
    if (!want)
        return s.p == NULL;
    return s.p && s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static void
expect_sock(const char *term, const char *transport, const char *port, const char *owner)
{
    struct ejlog_sock k;
    size_t n = ejlog_sock_parse(term, term + strlen(term), &k);
    cr_assert_eq(n, strlen(term), "%s: read %zu", term, n);
    if (transport)
        cr_expect_str_eq(k.transport, transport, "%s", term);
    else
        cr_expect_null(k.transport, "%s", term);
    cr_expect(span_is(k.port, port), "%s: port", term);
    cr_expect(span_is(k.owner, owner), "%s: owner", term);
}

Test(ejlog_sock, the_forms_of_section_4)
{
    expect_sock("{socket_state,gen_tcp,#Port<0.9121>,<0.2870.0>}", "tcp", "#Port<0.9121>", "<0.2870.0>");
    expect_sock("{socket_state,tls,{tlssock,#Port<0.5530>,#Port<0.5532>},<0.1187.0>}", "tls",
                "#Port<0.5530>", "<0.1187.0>");
    expect_sock("{socket_state,p1_tls,{tlssock,#Port<0.24718>,#Port<0.24720>},<0.22740.1>}", "tls",
                "#Port<0.24718>", "<0.22740.1>");
    expect_sock("{socket_state,fast_tls,{tlssock,#Port<0.1>,#Port<0.2>},<0.3.0>}", "tls", "#Port<0.1>",
                "<0.3.0>");
    /* BOSH: no receiver, no port; the c2s is the key */
    expect_sock("{socket_state,ejabberd_http_bind,{http_bind,<0.999.0>,{{192,0,2,4},12716}},"
                "ejabberd_http_bind}",
                "http_bind", NULL, NULL);
    /* WebSocket over IPv6: nested braces do no harm */
    expect_sock("{socket_state,ejabberd_http_ws,{http_ws,<0.77.0>,{{0,0,0,0,0,65535,49320,25662},42744}},"
                "<0.78.0>}",
                "websocket", NULL, "<0.78.0>");
    /* E0 */
    expect_sock("#Port<0.705>", NULL, "#Port<0.705>", NULL);
    expect_sock("{tlssock,#Port<0.705>,#Port<0.707>}", "tls", "#Port<0.705>", NULL);
}

Test(ejlog_sock, refuses_what_is_not_one)
{
    struct ejlog_sock k;
    const char *bad[] = {"tcp|<0.1.0>", "{socket_state,gen_tcp", "{socket_state,gen_tcp,#Port<0.1>}",
                         "{other,1,2,3}", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(ejlog_sock_parse(bad[i], bad[i] + strlen(bad[i]), &k), 0, "%s", bad[i]);
}

/* ---- message forms ------------------------------------------------------------ */

static struct ejlog_oldmsg
old(const char *msg, bool want)
{
    struct ejlog_oldmsg o;
    bool ok = ejlog_oldmsg_parse(msg, msg + strlen(msg), "<0.1440.0>", 10, &o);
    cr_assert_eq(ok, want, "%s", msg);
    return o;
}

Test(ejlog_oldmsg, accept_lines)
{
    struct ejlog_oldmsg o =
        old("(#Port<0.6910>) Accepted connection {{192,0,2,4},12716} -> {{198,51,100,2},5222}", true);
    cr_expect_eq(o.kind, OLD_ACCEPT);
    cr_expect(span_is(o.sock.port, "#Port<0.6910>"));
    cr_expect(span_is(o.client, "192.0.2.4:12716"));
    cr_expect(span_is(o.server, "198.51.100.2:5222"));
    cr_expect_null(o.pid.p, "the listener is not the connection's process");
    o = old("(#Port<0.5>) Accepted SSL connection {{XXX},1} -> {{0,0,0,0,0,0,0,1},5223}", true);
    cr_expect_null(o.client.p, "a redaction is no address");
    cr_expect(span_is(o.server, "[0:0:0:0:0:0:0:1]:5223"));
    o = old("(#Port<0.7714>) Accepted connection ::FFFF:192.0.2.33:51844 -> 198.51.100.7:5222", true);
    cr_expect(span_is(o.client, "[::FFFF:192.0.2.33]:51844"), "IPv6 before 19.08 gets its brackets");
    o = old("(#Port<0.7714>) Accepted connection hidden_by_ejabberd:51844 -> 198.51.100.7:5222", true);
    cr_expect_null(o.client.p, "hidden_by_ejabberd: unknown");
    cr_expect(span_is(o.server, "198.51.100.7:5222"));
}

Test(ejlog_oldmsg, auth_lines)
{
    struct ejlog_oldmsg o = old("({socket_state,gen_tcp,#Port<0.1650>,<0.412.0>}) Accepted authentication "
                                "for alice by ejabberd_auth_internal",
                                true);
    cr_expect_eq(o.kind, OLD_AUTH);
    cr_expect(o.ok);
    cr_expect(span_is(o.user, "alice"));
    cr_expect(span_is(o.sock.owner, "<0.412.0>"));
    cr_expect_str_eq(o.sock.transport, "tcp");
    o = old("({socket_state,gen_tcp,#Port<0.1>,<0.2.0>}) Accepted authentication for juliet by undefined "
            "from 192.0.2.57",
            true);
    cr_expect(span_is(o.ip, "192.0.2.57"));
    o = old("({socket_state,tls,{tlssock,#Port<0.6910>,#Port<0.6912>},<0.1439.0>}) Failed authentication "
            "for user@example.com from IP 192.0.2.4 ({{192,0,2,4},12716})",
            true);
    cr_expect(!o.ok);
    cr_expect(span_is(o.user, "user@example.com"));
    cr_expect(span_is(o.ip, "192.0.2.4"));
    cr_expect_null(o.reason.p);
    o = old("({socket_state,gen_tcp,#Port<0.1>,<0.2.0>}) Failed authentication for a@example.com from "
            "::FFFF:192.0.2.9: Invalid username or password",
            true);
    cr_expect(span_is(o.ip, "::FFFF:192.0.2.9"));
    cr_expect(span_is(o.reason, "Invalid username or password"));
    o = old("({socket_state,gen_tcp,#Port<0.1>,<0.2.0>}) Failed legacy authentication for "
            "bob@example.com/home",
            true);
    cr_expect(o.legacy);
    cr_expect(span_is(o.user, "bob@example.com/home"));
    o = old("(#Port<0.705>) Forbidden legacy authentication for bob@example.com/x", true);
    cr_expect(!o.ok);
}

Test(ejlog_oldmsg, session_and_xml_lines)
{
    struct ejlog_oldmsg o =
        old("({socket_state,gen_tcp,#Port<0.1>,<0.2.0>}) Opened session for a@example.com/r", true);
    cr_expect_eq(o.kind, OLD_SESSION_OPEN);
    cr_expect(span_is(o.jid, "a@example.com/r"));
    o = old("({socket_state,gen_tcp,#Port<0.1>,<0.2.0>}) Replaced session for a@example.com/r", true);
    cr_expect_eq(o.kind, OLD_CLOSING);
    cr_expect(span_is(o.reason, "Replaced"));
    o = old("Resumed session for a@example.com/r", true);
    cr_expect_eq(o.kind, OLD_SESSION_OPEN);
    o = old("Received XML on stream = \"<a/>\"", true);
    cr_expect_eq(o.kind, OLD_XML);
    cr_expect_eq(o.dir, 'C');
    cr_expect_str_eq(o.payload, "\"<a/>\"");
    o = old("Send Text on stream = \"<body/>\"", true);
    cr_expect_eq(o.dir, 'S');
    old("(tcp|<0.1.0>) Accepted c2s PLAIN authentication for a@b by mnesia backend from 1.2.3.4", false);
    old("({socket_state,gen_tcp,#Port<0.1>,<0.2.0>}) Something else", false);
}

/* ---- links ---------------------------------------------------------------------- */

static struct ejlog_event
xml(const char *pid, char dir)
{
    return (struct ejlog_event){.kind = EJ_XML, .pid = pid, .dir = dir};
}

Test(log_link, receiver_c2s_plus_one_then_certain)
{
    struct log_link *l = log_link_new();
    struct ejlog_event out, acc;
    bool has;
    struct log_link_info info;
    struct ejlog_event a = {.kind = EJ_ACCEPT, .port = "#Port<0.9>", .client = "192.0.2.1:1",
                            .server = "198.51.100.1:5222"};
    cr_expect(!log_link_event(l, &a, &out, &acc, &has, &info), "an accept by port waits");
    struct ejlog_event e = xml("<0.812.0>", 'C');
    cr_assert(log_link_event(l, &e, &out, &acc, &has, &info));
    cr_expect_str_eq(out.pid, "<0.812.0>");
    cr_expect(has, "the accept before the receiver's first line is its own");
    cr_expect_str_eq(acc.pid, "<0.812.0>");
    cr_expect_str_eq(acc.client, "192.0.2.1:1");
    e = xml("<0.813.0>", 'S');
    log_link_event(l, &e, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.812.0>", "c2s = receiver + 1");
    cr_expect(info.provisional);
    cr_expect_str_eq(info.c2s, "<0.813.0>");
    struct ejlog_event auth = {.kind = EJ_AUTH, .pid = "<0.813.0>", .receiver = "<0.812.0>",
                               .port = "#Port<0.9>", .transport = "tcp"};
    log_link_event(l, &auth, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.812.0>");
    cr_expect(!info.provisional, "a socket_state makes it certain");
    cr_expect(!has, "the accept was claimed already");
    /* a c2s whose receiver is not R-1: the socket_state says */
    struct ejlog_event other = {.kind = EJ_AUTH, .pid = "<0.5000.0>", .receiver = "<0.4000.0>"};
    log_link_event(l, &other, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.4000.0>");
    /* a restart: pids start over */
    log_link_reset(l);
    e = xml("<0.813.0>", 'S');
    log_link_event(l, &e, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.813.0>");
    log_link_free(l);
}

Test(log_link, later_eras_pass_unchanged)
{
    struct log_link *l = log_link_new();
    struct ejlog_event out, acc;
    bool has;
    struct log_link_info info;
    struct ejlog_event e = {.kind = EJ_XML, .pid = "<0.505.0>", .transport = "tcp", .dir = 'C'};
    cr_assert(log_link_event(l, &e, &out, &acc, &has, &info));
    cr_expect_str_eq(out.pid, "<0.505.0>");
    cr_expect_null(info.receiver);
    e = (struct ejlog_event){.kind = EJ_XML, .pid = "<0.506.0>", .transport = "tcp", .dir = 'S'};
    log_link_event(l, &e, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.506.0>", "no +1 rule for tagged lines");
    log_link_free(l);
}

Test(log_link, keys_of_a_later_run_keep_their_run)
{
    /* after a start banner the pipeline keys pids as "<pid>#set.run" (logkey.h); a socket_state's
     * receiver is a bare pid of the same run */
    struct log_link *l = log_link_new();
    struct ejlog_event out, acc;
    bool has;
    struct log_link_info info;
    struct ejlog_event e = xml("<0.600.0>#0.1", 'C');
    log_link_event(l, &e, &out, &acc, &has, &info);
    e = xml("<0.601.0>#0.1", 'S');
    log_link_event(l, &e, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.600.0>#0.1", "the +1 rule keeps the run");
    struct ejlog_event auth = {.kind = EJ_AUTH, .pid = "<0.601.0>#0.1", .receiver = "<0.600.0>"};
    log_link_event(l, &auth, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.600.0>#0.1");
    e = xml("<0.601.0>#0.1", 'S');
    log_link_event(l, &e, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.600.0>#0.1", "after the socket_state too");
    log_link_free(l);
}

Test(log_link, accept_written_late_and_c2s_first)
{
    struct log_link *l = log_link_new();
    struct ejlog_event out, acc;
    bool has;
    struct log_link_info info;
    /* the receiver's first line, then its accept line (written after it, earlier stamp) */
    struct ejlog_event e = xml("<0.1034.20>", 'C');
    e.time = 2000;
    log_link_event(l, &e, &out, &acc, &has, &info);
    cr_expect(!has);
    struct ejlog_event a = {.kind = EJ_ACCEPT, .port = "#Port<0.1>", .client = "127.0.0.1:1164",
                            .server = "127.0.0.1:5322", .time = 1000};
    cr_assert(log_link_event(l, &a, &out, &acc, &has, &info), "a late accept goes to the receiver that lacks one");
    cr_expect_str_eq(out.pid, "<0.1034.20>");
    cr_expect_str_eq(out.client, "127.0.0.1:1164");
    /* a log that starts after the connection did: the c2s logs first; its receiver joins it */
    e = xml("<0.1163.13>", 'S');
    log_link_event(l, &e, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.1163.13>");
    e = xml("<0.1162.13>", 'C');
    log_link_event(l, &e, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.1163.13>", "the receiver C-1 joins the connection keyed by C");
    struct ejlog_event close = {.kind = EJ_CLOSING, .pid = "<0.1163.13>", .receiver = "<0.1162.13>"};
    log_link_event(l, &close, &out, &acc, &has, &info);
    cr_expect_str_eq(out.pid, "<0.1163.13>", "a socket_state keeps the key already in use");
    cr_expect_str_eq(info.receiver, "<0.1162.13>");
    cr_expect(!info.provisional);
    log_link_free(l);
}

Test(log_link, many_connections_keep_their_links_within_bounded_memory)
{
    /* 3 entries a connection, more than two generations of links: the accept waiting for its
     * receiver survives each turn of generation */
    struct log_link *l = log_link_new();
    struct ejlog_event out, acc;
    bool has;
    struct log_link_info info;
    char port[32], r[32], c[32];
    int lost = 0;
    for (int i = 0; i < 60000; i++) {
        snprintf(port, sizeof port, "#Port<0.%d>", i);
        snprintf(r, sizeof r, "<0.%d.%d>", 1000 + 2 * (i % 10000), i / 10000);
        snprintf(c, sizeof c, "<0.%d.%d>", 1001 + 2 * (i % 10000), i / 10000);
        struct ejlog_event a = {.kind = EJ_ACCEPT, .port = port, .client = "192.0.2.1:1", .time = i, .line = 1};
        log_link_event(l, &a, &out, &acc, &has, &info);
        struct ejlog_event e = xml(r, 'C');
        e.time = i;
        log_link_event(l, &e, &out, &acc, &has, &info);
        lost += !has;
        e = xml(c, 'S');
        log_link_event(l, &e, &out, &acc, &has, &info);
        cr_assert_str_eq(out.pid, r, "connection %d", i);
    }
    cr_expect_eq(lost, 0, "%d accepts lost", lost);
    log_link_free(l);
}
