/* test_sasl: base64, SASL client payload decoding and the mechanism helpers. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "sasl.h"

/* Decodes |b64| as the first client payload of |mech| (caller clears |d|). */
static void
decode(const char *mech, const char *b64, struct sasl_decoded *d)
{
    sasl_decode_client(mech, b64, strlen(b64), d);
}

/* ---- base64 ------------------------------------------------------------ */

Test(sasl, base64_decodes_valid_text)
{
    struct buf out = {0};
    bool space = true;
    cr_assert_eq(sasl_base64_decode("AGFsaWNl", 8, &out, &space), 0);
    cr_expect_not(space);
    cr_assert_eq(out.len, 6);
    cr_expect_eq(memcmp(out.data, "\0alice", 6), 0);
    buf_clear(&out);

    cr_assert_eq(sasl_base64_decode("YWRtaW4=", 8, &out, NULL), 0);
    cr_expect_str_eq(buf_str(&out), "admin");
    buf_clear(&out);

    cr_assert_eq(sasl_base64_decode("YWI=", 4, &out, NULL), 0);
    cr_expect_str_eq(buf_str(&out), "ab");
    buf_clear(&out);
}

Test(sasl, base64_appends_to_what_the_buffer_holds)
{
    struct buf out = {0};
    buf_append_str(&out, "x:");
    cr_assert_eq(sasl_base64_decode("YWI=", 4, &out, NULL), 0);
    cr_expect_str_eq(buf_str(&out), "x:ab");
    buf_clear(&out);
}

Test(sasl, base64_skips_and_flags_xml_whitespace)
{
    struct buf out = {0};
    bool space = false;
    const char *in = "\n  YWRt\r\n\taW4=  \n";
    cr_assert_eq(sasl_base64_decode(in, strlen(in), &out, &space), 0);
    cr_expect(space);
    cr_expect_str_eq(buf_str(&out), "admin");
    buf_clear(&out);
}

Test(sasl, base64_rejects_illegal_characters)
{
    static const char *const bad[] = {"YW*t", "YW-t", "YW_t", "YWRt\001", "YW\xc3\xa9t", "YW.t"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct buf out = {0};
        cr_expect_eq(sasl_base64_decode(bad[i], strlen(bad[i]), &out, NULL), -1, "row %zu: %s", i,
                     bad[i]);
        buf_clear(&out);
    }
}

Test(sasl, base64_rejects_misplaced_padding)
{
    static const char *const bad[] = {"YW=t", "=YWt", "YQ==YQ==", "Y===", "YWR=t", "YWJjZ="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct buf out = {0};
        cr_expect_eq(sasl_base64_decode(bad[i], strlen(bad[i]), &out, NULL), -1, "row %zu: %s", i,
                     bad[i]);
        buf_clear(&out);
    }
}

/* ---- PLAIN -------------------------------------------------------------- */

Test(sasl, plain_from_testdata_gives_alice_and_her_password)
{
    struct sasl_decoded d;
    decode("PLAIN", "AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE=", &d);
    cr_expect(d.present);
    cr_expect_not(d.bad_base64);
    cr_expect_not(d.malformed);
    cr_expect(d.has_secret);
    cr_expect_not(d.hash_material);
    cr_expect_null(d.authzid);
    cr_assert_not_null(d.authcid);
    cr_expect_str_eq(d.authcid, "alice");
    cr_assert_not_null(d.secret);
    cr_expect_str_eq(d.secret, "Wonderland-Secret-1");
    cr_expect_str_eq(d.cbflag, "");
    sasl_decoded_clear(&d);
    cr_expect_null(d.authcid);
    cr_expect_null(d.secret);
    cr_expect_not(d.present);
}

Test(sasl, plain_with_authzid)
{
    struct sasl_decoded d;
    decode("PLAIN", "Ym9zcwBhbGljZQBwdw==", &d); /* boss\0alice\0pw */
    cr_expect(d.present);
    cr_expect_not(d.malformed);
    cr_assert_not_null(d.authzid);
    cr_expect_str_eq(d.authzid, "boss");
    cr_assert_not_null(d.authcid);
    cr_expect_str_eq(d.authcid, "alice");
    cr_assert_not_null(d.secret);
    cr_expect_str_eq(d.secret, "pw");
    sasl_decoded_clear(&d);
}

Test(sasl, plain_mechanism_name_is_case_insensitive)
{
    struct sasl_decoded d;
    decode("plain", "AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE=", &d);
    cr_assert_not_null(d.secret);
    cr_expect_str_eq(d.secret, "Wonderland-Secret-1");
    sasl_decoded_clear(&d);
}

Test(sasl, plain_with_one_nul_is_malformed)
{
    struct sasl_decoded d;
    decode("PLAIN", "AGFsaWNl", &d); /* \0alice */
    cr_expect(d.present);
    cr_expect(d.malformed);
    cr_expect_not(d.has_secret);
    cr_expect_null(d.secret);
    cr_expect_null(d.authcid);
    sasl_decoded_clear(&d);
}

Test(sasl, plain_with_three_nuls_is_malformed)
{
    struct sasl_decoded d;
    decode("PLAIN", "YQBiAGMAZA==", &d); /* a\0b\0c\0d */
    cr_expect(d.present);
    cr_expect(d.malformed);
    cr_expect_not(d.has_secret);
    cr_expect_null(d.secret);
    sasl_decoded_clear(&d);
}

Test(sasl, plain_with_bad_base64_is_flagged_not_decoded)
{
    struct sasl_decoded d;
    decode("PLAIN", "AGFsaWNl*AFdvbmRl", &d);
    cr_expect(d.bad_base64);
    cr_expect_not(d.present);
    cr_expect_null(d.secret);
    sasl_decoded_clear(&d);
}

Test(sasl, plain_wrapped_in_whitespace_decodes_but_is_flagged)
{
    struct sasl_decoded d;
    decode("PLAIN", "\n  AGFsaWNlAFdvbmRl\n  cmxhbmQtU2VjcmV0LTE=\n", &d);
    cr_expect(d.present);
    cr_expect(d.bad_base64); /* C16: tolerated, flagged */
    cr_assert_not_null(d.secret);
    cr_expect_str_eq(d.secret, "Wonderland-Secret-1");
    sasl_decoded_clear(&d);
}

/* ---- empty responses ---------------------------------------------------- */

Test(sasl, lone_equals_sign_is_an_empty_response)
{
    static const char *const empty[] = {"=", " =", "\n=", "= ", "=\n", "  =  "};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        struct sasl_decoded d;
        decode("PLAIN", empty[i], &d);
        cr_expect_not(d.present, "row %zu", i);
        cr_expect_not(d.bad_base64, "row %zu", i);
        cr_expect_not(d.malformed, "row %zu", i);
        sasl_decoded_clear(&d);
    }
}

Test(sasl, absent_payload_is_not_present)
{
    struct sasl_decoded d;
    sasl_decode_client("PLAIN", NULL, 0, &d);
    cr_expect_not(d.present);
    cr_expect_not(d.bad_base64);
    sasl_decoded_clear(&d);
    sasl_decode_client("SCRAM-SHA-1", "", 0, &d);
    cr_expect_not(d.present);
    sasl_decoded_clear(&d);
}

/* ---- SCRAM -------------------------------------------------------------- */

Test(sasl, scram_client_first_without_channel_binding)
{
    struct sasl_decoded d;
    /* n,,n=alice,r=fyko+d2lbbFgONRv9qkxdawL */
    decode("SCRAM-SHA-1", "biwsbj1hbGljZSxyPWZ5a28rZDJsYmJGZ09OUnY5cWt4ZGF3TA==", &d);
    cr_expect(d.present);
    cr_expect_not(d.malformed);
    cr_expect(d.hash_material);
    cr_expect_not(d.has_secret);
    cr_expect_null(d.secret);
    cr_expect_null(d.authzid);
    cr_assert_not_null(d.authcid);
    cr_expect_str_eq(d.authcid, "alice");
    cr_expect_str_eq(d.cbflag, "n");
    sasl_decoded_clear(&d);
}

Test(sasl, scram_client_first_from_testdata_says_y)
{
    struct sasl_decoded d;
    /* scram-sha1-ok: y,,n=bob,r=8518146703387727 */
    decode("SCRAM-SHA-1", "eSwsbj1ib2Iscj04NTE4MTQ2NzAzMzg3NzI3", &d);
    cr_expect(d.present);
    cr_expect_not(d.malformed);
    cr_assert_not_null(d.authcid);
    cr_expect_str_eq(d.authcid, "bob");
    cr_expect_str_eq(d.cbflag, "y");
    sasl_decoded_clear(&d);
}

Test(sasl, scram_client_first_with_tls_unique_binding)
{
    struct sasl_decoded d;
    decode("SCRAM-SHA-1-PLUS", "cD10bHMtdW5pcXVlLCxuPWFsaWNlLHI9YWJj", &d);
    cr_expect(d.present);
    cr_expect_not(d.malformed);
    cr_expect_str_eq(d.cbflag, "p=tls-unique");
    cr_assert_not_null(d.authcid);
    cr_expect_str_eq(d.authcid, "alice");
    sasl_decoded_clear(&d);
}

Test(sasl, scram_client_first_unescapes_authzid_and_username)
{
    struct sasl_decoded d;
    /* n,a=admin,n=al=2Cice=3Dx,r=abc */
    decode("SCRAM-SHA-256", "bixhPWFkbWluLG49YWw9MkNpY2U9M0R4LHI9YWJj", &d);
    cr_expect(d.present);
    cr_expect_not(d.malformed);
    cr_expect_str_eq(d.cbflag, "n");
    cr_assert_not_null(d.authzid);
    cr_expect_str_eq(d.authzid, "admin");
    cr_assert_not_null(d.authcid);
    cr_expect_str_eq(d.authcid, "al,ice=x");
    sasl_decoded_clear(&d);
}

Test(sasl, scram_client_first_with_bad_escape_is_malformed)
{
    struct sasl_decoded d;
    decode("SCRAM-SHA-1", "biwsbj1iYWQ9NDF4LHI9YWJj", &d); /* n,,n=bad=41x,r=abc */
    cr_expect(d.present);
    cr_expect(d.malformed);
    sasl_decoded_clear(&d);
}

Test(sasl, scram_client_first_without_username_is_malformed)
{
    static const char *const rows[] = {
        "bg==", /* n */
        "biws", /* n,, */
        "YWRtaW4=", /* admin */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sasl_decoded d;
        decode("SCRAM-SHA-1", rows[i], &d);
        cr_expect(d.present, "row %zu", i);
        cr_expect(d.malformed, "row %zu", i);
        cr_expect_null(d.authcid, "row %zu", i);
        sasl_decoded_clear(&d);
    }
}

/* ---- DIGEST-MD5 ---------------------------------------------------------- */

Test(sasl, digest_md5_response_from_testdata_names_alice)
{
    struct sasl_decoded d;
    decode("DIGEST-MD5",
           "dXNlcm5hbWU9ImFsaWNlIixyZWFsbT0ieG1wcGZsb3cudGVzdCIsbm9uY2U9IjE2ODI2NzUzNDU2Njk3NjkwNzMi"
           "LGNub25jZT0iNTExOTA1OTQ3NTU2NzYxOSIsbmM9MDAwMDAwMDEscW9wPWF1dGgsZGlnZXN0LXVyaT0ieG1wcC94"
           "bXBwZmxvdy50ZXN0IixyZXNwb25zZT04NjFiYmY2NTczYmE2NDEzNWNlMTgxYzdjNmZlNzA1OSxtYXhidWY9NjU1"
           "MzYsY2hhcnNldD11dGYtOA==",
           &d);
    cr_expect(d.present);
    cr_expect_not(d.malformed);
    cr_expect(d.hash_material);
    cr_expect_not(d.has_secret);
    cr_expect_null(d.secret);
    cr_expect_null(d.authzid);
    cr_assert_not_null(d.authcid);
    cr_expect_str_eq(d.authcid, "alice");
    sasl_decoded_clear(&d);
}

Test(sasl, digest_md5_response_with_quoted_escapes_and_authzid)
{
    struct sasl_decoded d;
    /* realm="x",username="al\"ice",authzid="admin",nonce="1" */
    decode("DIGEST-MD5", "cmVhbG09IngiLHVzZXJuYW1lPSJhbFwiaWNlIixhdXRoemlkPSJhZG1pbiIsbm9uY2U9IjEi",
           &d);
    cr_expect_not(d.malformed);
    cr_assert_not_null(d.authcid);
    cr_expect_str_eq(d.authcid, "al\"ice");
    cr_assert_not_null(d.authzid);
    cr_expect_str_eq(d.authzid, "admin");
    sasl_decoded_clear(&d);
}

Test(sasl, digest_md5_response_without_username_is_malformed)
{
    struct sasl_decoded d;
    decode("DIGEST-MD5", "cj1hYmMscz1jMkZzZEE9PSxpPTQwOTY=", &d); /* r=abc,s=...,i=4096 */
    cr_expect(d.present);
    cr_expect(d.malformed);
    cr_expect_null(d.authcid);
    sasl_decoded_clear(&d);
}

/* ---- server-first ------------------------------------------------------- */

Test(sasl, scram_iterations_from_testdata_server_first)
{
    /* disconnect-mid-sasl: r=...,s=2G3H45HwTPF/7EnkJhYnDg==,i=4096 */
    const char *sf = "cj1ZS29tUkk4S2JaSHdTa1BEMzRNV0pMekY3M3FIQ29aMUorWHp3ZUU2QTNMejJnPT0scz0yRzNINDVId1"
                     "RQRi83RW5rSmhZbkRnPT0saT00MDk2";
    cr_expect_eq(sasl_scram_iterations(sf, strlen(sf)), 4096);
    const char *own = "cj1hYmMscz1jMkZzZEE9PSxpPTQwOTY="; /* r=abc,s=c2FsdA==,i=4096 */
    cr_expect_eq(sasl_scram_iterations(own, strlen(own)), 4096);
}

Test(sasl, scram_iterations_missing_or_bad_is_minus_one)
{
    static const char *const rows[] = {
        "cj1hYmMscz1jMkZzZEE9PQ==", /* r=abc,s=c2FsdA== */
        "cj1hYmMscz14LGk9YWJj",     /* r=abc,s=x,i=abc */
        "*not base64*",
        "",
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        cr_expect_eq(sasl_scram_iterations(rows[i], strlen(rows[i])), -1, "row %zu", i);
}

/* ---- mechanism helpers --------------------------------------------------- */

Test(sasl, mechanisms_that_send_a_secret)
{
    cr_expect(sasl_mech_sends_secret("PLAIN"));
    cr_expect(sasl_mech_sends_secret("plain"));
    cr_expect(sasl_mech_sends_secret("X-OAUTH2"));
    cr_expect(sasl_mech_sends_secret("OAUTHBEARER"));
    cr_expect(sasl_mech_sends_secret("HT-SHA-256-NONE"));
    cr_expect_not(sasl_mech_sends_secret("SCRAM-SHA-1"));
    cr_expect_not(sasl_mech_sends_secret("DIGEST-MD5"));
    cr_expect_not(sasl_mech_sends_secret("EXTERNAL"));
    cr_expect_not(sasl_mech_sends_secret("ANONYMOUS"));
    cr_expect_not(sasl_mech_sends_secret(NULL));
}

Test(sasl, mechanisms_that_expose_hash_material)
{
    cr_expect(sasl_mech_is_hashed("SCRAM-SHA-1"));
    cr_expect(sasl_mech_is_hashed("SCRAM-SHA-256-PLUS"));
    cr_expect(sasl_mech_is_hashed("DIGEST-MD5"));
    cr_expect(sasl_mech_is_hashed("CRAM-MD5"));
    cr_expect_not(sasl_mech_is_hashed("PLAIN"));
    cr_expect_not(sasl_mech_is_hashed("EXTERNAL"));
    cr_expect_not(sasl_mech_is_hashed(NULL));
}

Test(sasl, mechanism_rank_orders_by_strength)
{
    static const char *const order[] = {"PLAIN", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256",
                                        "SCRAM-SHA-1-PLUS"};
    for (size_t i = 0; i + 1 < sizeof order / sizeof order[0]; i++)
        cr_expect_lt(sasl_mech_rank(order[i]), sasl_mech_rank(order[i + 1]), "%s < %s", order[i],
                     order[i + 1]);
    cr_expect_lt(sasl_mech_rank("SCRAM-SHA-256"), sasl_mech_rank("SCRAM-SHA-512"));
    cr_expect_lt(sasl_mech_rank("SCRAM-SHA-512"), sasl_mech_rank("SCRAM-SHA-1-PLUS"));
    cr_expect_lt(sasl_mech_rank("SCRAM-SHA-512-PLUS"), sasl_mech_rank("EXTERNAL"));
    cr_expect_eq(sasl_mech_rank("X-UNKNOWN"), 0);
    cr_expect_eq(sasl_mech_rank(NULL), 0);
    cr_expect_gt(sasl_mech_rank("PLAIN"), 0);
}

/* A SCRAM client-final whose c= is base64("p=tls-unique,," + |cb|), then r= and p=. */
static char *
client_final(const uint8_t *cb, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static char out[512], b64a[256], raw[256];
    size_t rl = (size_t)snprintf(raw, sizeof raw, "p=tls-unique,,");
    memcpy(raw + rl, cb, n);
    rl += n;
    char *sources[2] = {raw, NULL};
    size_t lens[2] = {rl, 0};
    char inner[256];
    for (int k = 0; k < 2; k++) {
        const uint8_t *s = (const uint8_t *)sources[k];
        char *d = k ? out : b64a;
        size_t j = 0;
        for (size_t i = 0; i < lens[k]; i += 3) {
            unsigned v = s[i] << 16 | (i + 1 < lens[k] ? s[i + 1] << 8 : 0) | (i + 2 < lens[k] ? s[i + 2] : 0);
            d[j++] = a[v >> 18 & 63];
            d[j++] = a[v >> 12 & 63];
            d[j++] = i + 1 < lens[k] ? a[v >> 6 & 63] : '=';
            d[j++] = i + 2 < lens[k] ? a[v & 63] : '=';
        }
        d[j] = '\0';
        if (!k) {
            lens[1] = (size_t)snprintf(inner, sizeof inner, "c=%s,r=abc,p=xyz", b64a);
            sources[1] = inner;
        }
    }
    return out;
}

Test(sasl, scram_cb_check_compares_tls_unique)
{
    const uint8_t fin[12] = {0xfc, 0x01, 0x02, 0x3f, 0x38, 0x25, 0x6f, 0xb3, 0xa1, 0x7e, 0xc7, 0x06};
    uint8_t wrong[12];
    memcpy(wrong, fin, sizeof wrong);
    wrong[5] ^= 1; /* a hand-edited verify_data: a man in the middle's other session */
    char *m = client_final(fin, sizeof fin);
    cr_assert_eq(sasl_scram_cb_check(m, strlen(m), fin, sizeof fin), 1);
    cr_assert_eq(sasl_scram_cb_check(m, strlen(m), wrong, sizeof wrong), 0);
    cr_assert_eq(sasl_scram_cb_check(m, strlen(m), fin, 11), 0);
    /* "biws" = base64("n,,"): no channel binding, nothing to compare */
    cr_assert_eq(sasl_scram_cb_check("Yz1iaXdzLHI9YWJj", 16, fin, sizeof fin), -1);
    cr_assert_eq(sasl_scram_cb_check("!!", 2, fin, sizeof fin), -1);
}
