/* Unit tests for jobrec.c: every record the workers and the merge exchange reads back as written. */
#include <criterion/criterion.h>
#include <string.h>

#include "jobrec.h"
#include "xalloc.h"

Test(jobrec, a_record_is_whole_or_not_read)
{
    struct buf b = {0};
    size_t at = jobrec_begin(&b, JR_PROGRESS);
    jobrec_u64(&b, UINT64_C(0x0102030405060708));
    jobrec_u32(&b, 7);
    jobrec_str(&b, "text");
    jobrec_str(&b, NULL);
    jobrec_u8(&b, 200);
    jobrec_end(&b, at);
    enum jobrec_type type;
    struct jobrec_reader r;
    for (size_t cut = 0; cut < b.len; cut++)
        cr_expect_eq(jobrec_next(b.data, cut, &type, &r), 0u, "%zu bytes of %zu", cut, b.len);
    cr_assert_eq(jobrec_next(b.data, b.len, &type, &r), b.len);
    cr_expect_eq(type, JR_PROGRESS);
    cr_expect_eq(jobrec_get_u64(&r), UINT64_C(0x0102030405060708));
    cr_expect_eq(jobrec_get_u32(&r), 7u);
    char *s = jobrec_get_str(&r);
    cr_expect_str_eq(s, "text");
    free(s);
    size_t len;
    cr_expect_null(jobrec_get_mem(&r, &len), "an absent string");
    cr_expect_eq(jobrec_get_u8(&r), 200u);
    cr_expect_not(r.bad);
    cr_expect_eq(jobrec_get_u32(&r), 0u, "past the end");
    cr_expect(r.bad);
    buf_clear(&b);
}

Test(jobrec, facts_read_back)
{
    struct cross_failure fails[2] = {
        {.time = 1000, .seq = 7, .user = "alice", .user_len = 5},
        {.time = -5, .seq = 9, .user = NULL, .user_len = 0},
    };
    struct cross_facts f = {
        .source = "192.0.2.1:5222", .source_len = 9, .failures = fails, .nfailures = 2,
        .server_error = "conflict", .server_error_seq = 12, .server_error_time = 99,
        .sm_id = "sm-1", .resumed_from = NULL, .resumed_seq = 3, .jid = "a@b/c",
    };
    struct buf b = {0};
    jobrec_put_facts(&b, &f);
    struct jobrec_reader r = {.p = b.data, .end = b.data + b.len};
    struct cross_facts g;
    jobrec_get_facts(&r, &g);
    cr_assert_not(r.bad);
    cr_expect_eq(g.source_len, 9u);
    cr_expect_eq(memcmp(g.source, "192.0.2.1", 9), 0);
    cr_assert_eq(g.nfailures, 2u);
    cr_expect_eq(g.failures[0].time, 1000);
    cr_expect_eq(g.failures[0].seq, 7u);
    cr_expect_eq(g.failures[0].user_len, 5u);
    cr_expect_eq(memcmp(g.failures[0].user, "alice", 5), 0);
    cr_expect_eq(g.failures[1].time, -5);
    cr_expect_null(g.failures[1].user);
    cr_expect_str_eq(g.server_error, "conflict");
    cr_expect_eq(g.server_error_seq, 12u);
    cr_expect_eq(g.server_error_time, 99);
    cr_expect_str_eq(g.sm_id, "sm-1");
    cr_expect_null(g.resumed_from);
    cr_expect_eq(g.resumed_seq, 3u);
    cr_expect_str_eq(g.jid, "a@b/c");
    jobrec_facts_free(&g);
    buf_clear(&b);
}

Test(jobrec, a_verdict_reads_back)
{
    struct cross_verdict v = {0};
    struct cross_finding fails = {.kind = CROSS_FAILURES, .seq = 4, .n = {10, 3, 1},
                                  .text = {"alice@x", "192.0.2.1"}, .len = {5, 9}};
    struct cross_finding sm = {.kind = CROSS_SM_REPLACED, .seq = 7, .n = {1, 42}, .text = {"sm-1"},
                               .len = {4}};
    cross_verdict_add(&v, &fails);
    cross_verdict_add(&v, &sm);
    v.jid = xstrdup("alice@example.org/phone");
    struct buf b = {0};
    jobrec_put_verdict(&b, &v);
    struct jobrec_reader r = {.p = b.data, .end = b.data + b.len};
    struct cross_verdict w;
    jobrec_get_verdict(&r, &w);
    cr_assert_not(r.bad);
    cr_assert_eq(w.nfound, 2u);
    cr_expect_eq(w.found[0].kind, CROSS_FAILURES);
    cr_expect_eq(w.found[0].seq, 4u);
    cr_expect_eq(w.found[0].n[0], 10u);
    cr_expect_eq(w.found[0].n[2], 1u);
    cr_expect_str_eq(w.found[0].text[0], "alice", "the user's local part only");
    cr_expect_str_eq(w.found[0].text[1], "192.0.2.1");
    cr_expect_eq(w.found[1].kind, CROSS_SM_REPLACED);
    cr_expect_eq(w.found[1].n[1], 42u);
    cr_expect_str_eq(w.found[1].text[0], "sm-1");
    cr_expect_null(w.found[1].text[1]);
    cr_expect_str_eq(w.jid, "alice@example.org/phone");
    cross_verdict_clear(&v);
    cross_verdict_clear(&w);
    buf_clear(&b);
}

Test(jobrec, summary_facts_read_back_bit_for_bit)
{
    struct violation vs[2] = {{.code = "B12", .severity = SEV_WARNING}, {.code = "L1", .severity = SEV_ERROR}};
    struct violation_drop ds[1] = {{.code = {'D', '5', '9', '9'}, .severity = SEV_INFO, .count = 123456}};
    struct summary_facts f = {
        .outcome = OUTCOME_AUTH_FAILED, .transport = TRANSPORT_TLS, .mechanism = "PLAIN",
        .evicted = true, .plaintext = true, .on_wire = false, .in_log = true, .user = "bob",
        .violations = vs, .nviolations = 2, .dropped = ds, .ndropped = 1, .to_bound = 0.1 + 0.2,
    };
    struct buf b = {0};
    jobrec_put_summary(&b, &f);
    struct jobrec_reader r = {.p = b.data, .end = b.data + b.len};
    struct summary_facts g;
    jobrec_get_summary(&r, &g);
    cr_assert_not(r.bad);
    cr_expect_eq(g.outcome, OUTCOME_AUTH_FAILED);
    cr_expect_eq(g.transport, TRANSPORT_TLS);
    cr_expect_str_eq(g.mechanism, "PLAIN");
    cr_expect(g.evicted && g.plaintext && !g.on_wire && g.in_log);
    cr_expect_str_eq(g.user, "bob");
    cr_assert_eq(g.nviolations, 2u);
    cr_expect_str_eq(g.violations[1].code, "L1");
    cr_expect_eq(g.violations[1].severity, SEV_ERROR);
    cr_assert_eq(g.ndropped, 1u);
    cr_expect_eq(memcmp(g.dropped[0].code, "D599", 4), 0, "a code of four letters, no NUL");
    cr_expect_eq(g.dropped[0].count, 123456ul);
    cr_expect_eq(memcmp(&g.to_bound, &f.to_bound, sizeof f.to_bound), 0);
    jobrec_summary_free(&g);
    buf_clear(&b);
}

Test(jobrec, an_input_reads_back_with_its_placed_errors)
{
    struct input_info info = {.type = INPUT_PCAP, .size_bytes = 1234, .count = 56, .evicted = 2,
                              .unusable = true};
    input_info_add_error(&info, "first", 3, 0, -1);
    input_info_add_error(&info, "second", 0, 9, 77);
    struct jobrec_place places[3] = {
        {.event = 5, .kind = NOTE_GLOBAL, .index = 0},
        {.event = 8, .kind = NOTE_TIMETOTAL, .index = 42},
        {.event = 9, .kind = NOTE_OWN, .index = 1},
    };
    struct buf b = {0};
    jobrec_put_input(&b, &info, places, 3);
    struct jobrec_reader r = {.p = b.data, .end = b.data + b.len};
    struct jobrec_input in;
    jobrec_get_input(&r, &in);
    cr_assert_not(r.bad);
    cr_expect_eq(in.type, INPUT_PCAP);
    cr_expect_eq(in.size_bytes, 1234);
    cr_expect_eq(in.count, 56);
    cr_expect_eq(in.evicted, 2);
    cr_expect(in.unusable);
    cr_assert_eq(in.nnotes, 3u);
    cr_expect_eq(in.notes[0].event, 5u);
    cr_expect_str_eq(in.notes[0].error.message, "first");
    cr_expect_eq(in.notes[0].error.line, 3);
    cr_expect_eq(in.notes[1].kind, NOTE_TIMETOTAL);
    cr_expect_eq(in.notes[1].count, 42);
    cr_expect_eq(in.notes[2].kind, NOTE_OWN);
    cr_expect_str_eq(in.notes[2].error.message, "second");
    cr_expect_eq(in.notes[2].error.packet, 9);
    cr_expect_eq(in.notes[2].error.offset, 77);
    jobrec_input_free(&in);
    input_info_clear(&info);
    buf_clear(&b);
}
