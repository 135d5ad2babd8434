/*
 * test_json_writer: the report's JSON writer against Jansson, the library the
 * reports were first written with. Each case builds the same value both ways
 * and wants the same bytes, compact and indented.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "buf.h"
#include "json_writer.h"

#define JANSSON_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY)

/* Jansson's text for |j| (released) with the reports' flags. */
static char *
jansson_text(json_t *j, int indent)
{
    size_t flags = JANSSON_FLAGS | (indent ? JSON_INDENT(indent) : JSON_COMPACT);
    char *text = json_dumps(j, flags);
    json_decref(j);
    cr_assert_not_null(text);
    return text;
}

static void
expect_same(json_t *reference, struct buf *mine, int indent, const char *what)
{
    char *ref = jansson_text(reference, indent);
    cr_expect_str_eq(buf_str(mine), ref, "%s (indent %d)", what, indent);
    free(ref);
}

/* A document with every kind of value and nesting the reports use. */
static json_t *
reference_doc(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(42));
    json_object_set_new(o, "name", json_string("alice@example.org/res"));
    json_object_set_new(o, "none", json_null());
    json_object_set_new(o, "yes", json_true());
    json_object_set_new(o, "no", json_false());
    json_object_set_new(o, "empty_object", json_object());
    json_object_set_new(o, "empty_array", json_array());
    json_t *a = json_array();
    json_array_append_new(a, json_integer(-1));
    json_array_append_new(a, json_real(123.4));
    json_t *inner = json_object();
    json_object_set_new(inner, "k", json_string("v"));
    json_object_set_new(inner, "list", json_array());
    json_array_append_new(a, inner);
    json_array_append_new(a, json_array());
    json_object_set_new(o, "array", a);
    json_object_set_new(o, "last", json_real(0));
    return o;
}

static void
writer_doc(struct json_writer *w)
{
    json_writer_object_begin(w);
    json_writer_key(w, "id");
    json_writer_int(w, 42);
    json_writer_key(w, "name");
    json_writer_string(w, "alice@example.org/res");
    json_writer_key(w, "none");
    json_writer_string(w, NULL);
    json_writer_key(w, "yes");
    json_writer_bool(w, true);
    json_writer_key(w, "no");
    json_writer_bool(w, false);
    json_writer_key(w, "empty_object");
    json_writer_object_begin(w);
    json_writer_object_end(w);
    json_writer_key(w, "empty_array");
    json_writer_array_begin(w);
    json_writer_array_end(w);
    json_writer_key(w, "array");
    json_writer_array_begin(w);
    json_writer_int(w, -1);
    json_writer_real(w, 123.4);
    json_writer_object_begin(w);
    json_writer_key(w, "k");
    json_writer_string(w, "v");
    json_writer_key(w, "list");
    json_writer_array_begin(w);
    json_writer_array_end(w);
    json_writer_object_end(w);
    json_writer_array_begin(w);
    json_writer_array_end(w);
    json_writer_array_end(w);
    json_writer_key(w, "last");
    json_writer_real(w, 0);
    json_writer_object_end(w);
}

Test(json_writer, nesting_matches_jansson_compact_and_indented)
{
    for (int indent = 0; indent <= 2; indent += 2) {
        struct buf b = {0};
        struct json_writer w;
        json_writer_init(&w, &b, indent);
        writer_doc(&w);
        expect_same(reference_doc(), &b, indent, "document");
        buf_clear(&b);
    }
}

Test(json_writer, indented_layout_is_spelled_out)
{
    /* the same, written out, so a change in both would still be seen */
    struct buf b = {0};
    struct json_writer w;
    json_writer_init(&w, &b, 2);
    json_writer_object_begin(&w);
    json_writer_key(&w, "a");
    json_writer_array_begin(&w);
    json_writer_int(&w, 1);
    json_writer_object_begin(&w);
    json_writer_object_end(&w);
    json_writer_array_end(&w);
    json_writer_key(&w, "b");
    json_writer_null(&w);
    json_writer_object_end(&w);
    cr_expect_str_eq(buf_str(&b), "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": null\n}");
    buf_clear(&b);
}

Test(json_writer, strings_escape_as_jansson_does)
{
    static const char *const cases[] = {
        "",
        "plain ascii",
        "quote \" backslash \\ slash /",
        "\b\f\n\r\t",
        "\x01\x02\x1f\x7f end",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", /* é € 😀 stay UTF-8 */
        "<stream:stream xmlns='jabber:client' to=\"example.org\">",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = {0};
        json_append_string(&b, cases[i]);
        expect_same(json_string(cases[i]), &b, 0, cases[i]);
        buf_clear(&b);
    }
    /* every control character on its own */
    for (int c = 1; c < 0x20; c++) {
        char s[2] = {(char)c, '\0'};
        struct buf b = {0};
        json_append_string(&b, s);
        expect_same(json_string(s), &b, 0, "control character");
        buf_clear(&b);
    }
}

/* Long strings go eight bytes at a time: a special byte at every offset of the word. */
Test(json_writer, special_bytes_anywhere_in_long_strings)
{
    static const char specials[] = {'"', '\\', '\n', '\x01', '\x1f', ' ', '~', '\x7f'};
    for (size_t k = 0; k < sizeof(specials); k++) {
        for (size_t at = 0; at < 41; at++) {
            char s[42];
            memset(s, 'a' + (int)(at % 26), sizeof(s) - 1);
            s[41] = '\0';
            s[at] = specials[k];
            struct buf b = {0};
            json_append_string(&b, s);
            expect_same(json_string(s), &b, 0, "special byte");
            buf_clear(&b);
        }
        /* and a two-byte UTF-8 character straddling a word boundary */
        char u[32];
        memset(u, 'x', sizeof(u) - 1);
        u[31] = '\0';
        u[7] = '\xc3';
        u[8] = '\xa9';
        struct buf b = {0};
        json_append_string(&b, u);
        expect_same(json_string(u), &b, 0, "straddling UTF-8");
        buf_clear(&b);
    }
}

Test(json_writer, invalid_utf8_becomes_replacement_character)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a\xff" "b", "\"a\xef\xbf\xbd" "b\""},
        {"\xc3", "\"\xef\xbf\xbd\""},                          /* cut short */
        {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},          /* overlong */
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* surrogate */
        {"\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = {0};
        json_append_string(&b, cases[i].in);
        cr_expect_str_eq(buf_str(&b), cases[i].out, "case %zu", i);
        /* and the result is something Jansson accepts */
        json_error_t err;
        json_t *back = json_loads(buf_str(&b), JSON_DECODE_ANY, &err);
        cr_expect_not_null(back, "case %zu: %s", i, err.text);
        json_decref(back);
        buf_clear(&b);
    }
}

static void
expect_real(double v)
{
    struct buf b = {0};
    struct json_writer w;
    json_writer_init(&w, &b, 0);
    json_writer_real(&w, v);
    char what[64];
    snprintf(what, sizeof(what), "%.17g", v);
    expect_same(json_real(v), &b, 0, what);
    buf_clear(&b);
}

Test(json_writer, reals_print_as_jansson_prints_them)
{
    static const double fixed[] = {
        0, 0.001, 0.01, 0.1, 1, 10, 123.4, 123.456, 999.999, 1000, 0.0001, 0.00001,
        1234567.891, 86400000, 4294967295.999, 1e12 + 0.001, 1e14, 1e15, 1e16, 1e17,
        1e20, 1e-5, 1e-7, 2.5e-10, 123456789012.345, 0.3, 0.7, -0.0, -1.5, 0.0005, 999999999999.999,
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        expect_real(fixed[i]);
    /* durations as the reports round them: microseconds in milliseconds */
    srand(12345);
    for (int i = 0; i < 20000; i++) {
        int64_t scale = 1000; /* up to 10^(3+11) microseconds */
        for (int k = rand() % 12; k > 0; k--)
            scale *= 10;
        int64_t micro = (((int64_t)rand() << 31) ^ rand()) % scale;
        expect_real((double)micro / 1000);
    }
}

Test(json_writer, integers_cover_the_whole_range)
{
    static const int64_t values[] = {0, 1, -1, 9, 10, 1234567890, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct buf b = {0};
        struct json_writer w;
        json_writer_init(&w, &b, 0);
        json_writer_int(&w, values[i]);
        expect_same(json_integer(values[i]), &b, 0, "integer");
        buf_clear(&b);
    }
}

Test(json_writer, program_names_write_like_keys)
{
    for (int indent = 0; indent <= 2; indent += 2) {
        struct buf a = {0}, b = {0};
        struct json_writer wa, wb;
        json_writer_init(&wa, &a, indent);
        json_writer_init(&wb, &b, indent);
        static const char *const names[] = {"seq", "auth-failed", "durations_ms", "x"};
        json_writer_object_begin(&wa);
        json_writer_object_begin(&wb);
        for (size_t i = 0; i < 4; i++) {
            json_writer_key(&wa, names[i]);
            json_writer_name(&wb, names[i]);
            json_writer_int(&wa, (int64_t)i);
            json_writer_int(&wb, (int64_t)i);
        }
        json_writer_object_end(&wa);
        json_writer_object_end(&wb);
        cr_expect_str_eq(buf_str(&b), buf_str(&a));
        buf_clear(&a);
        buf_clear(&b);
    }
}

Test(json_writer, keys_are_escaped_and_repaired_like_strings)
{
    struct buf b = {0};
    struct json_writer w;
    json_writer_init(&w, &b, 0);
    json_writer_object_begin(&w);
    json_writer_key(&w, "SCRAM\"\n");
    json_writer_int(&w, 1);
    json_writer_key(&w, "bad\xff");
    json_writer_int(&w, 2);
    json_writer_object_end(&w);
    cr_expect_str_eq(buf_str(&b), "{\"SCRAM\\\"\\n\":1,\"bad\xef\xbf\xbd\":2}");
    buf_clear(&b);
}

Test(json_writer, deeper_than_the_limit_still_balances)
{
    struct buf b = {0};
    struct json_writer w;
    json_writer_init(&w, &b, 0);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH + 4; i++)
        json_writer_array_begin(&w);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH + 4; i++)
        json_writer_array_end(&w);
    json_writer_array_end(&w); /* one too many: ignored */
    json_writer_array_begin(&w); /* a second document after it: a member at the limit */
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH - 2; i++)
        json_writer_array_begin(&w);
    json_writer_object_begin(&w);
    json_writer_key(&w, "deep");
    json_writer_object_begin(&w);
    json_writer_key(&w, "x");
    json_writer_int(&w, 1);
    json_writer_object_end(&w);
    json_writer_object_end(&w);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH - 1; i++)
        json_writer_array_end(&w);
    cr_expect(strstr(buf_str(&b), "{\"deep\":null}") != NULL, "%s", buf_str(&b));
    /* the first document alone parses */
    char *second = strstr(buf_str(&b), "]][");
    cr_assert_not_null(second);
    second[2] = '\0';
    json_error_t err;
    json_t *back = json_loads(buf_str(&b), 0, &err);
    cr_expect_not_null(back, "%s: %s", buf_str(&b), err.text);
    json_decref(back);
    buf_clear(&b);
}
