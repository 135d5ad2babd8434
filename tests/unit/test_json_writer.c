/*
 * test_json_writer: the report's JSON writer against Jansson, the library the
 * reports were first written with. Each case builds the same value both ways
 * and wants the same bytes, compact and indented.
 */
#include <config.h>

#include <float.h>
#include <glob.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "analyze.h"
#include "buf.h"
#include "json_writer.h"
#include "secret_mask.h"

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

/*
 * The one real the writer writes as Jansson does but neither reads back: 15
 * digits round DBL_MAX up past it ("1.79769313486232e308" overflows). The
 * reports never get near it (durations past 1e300 ms are null).
 */
Test(json_writer, the_largest_real_is_written_as_jansson_writes_it)
{
    expect_real(DBL_MAX);
    expect_real(-DBL_MAX);
}

Test(json_writer, non_finite_reals_are_null)
{
    /* Jansson has no JSON for them (json_real refuses them); "nan.0" would not parse */
    static const double values[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct buf b = {0};
        struct json_writer w;
        json_writer_init(&w, &b, 0);
        json_writer_array_begin(&w);
        json_writer_real(&w, values[i]);
        json_writer_real(&w, 1.5);
        json_writer_array_end(&w);
        cr_expect_str_eq(buf_str(&b), "[null,1.5]", "value %zu", i);
        buf_clear(&b);
    }
}

/* ---- round trips: Jansson reads the writer's text and writes it back the same ---- */

/*
 * |text| (|len| bytes) is JSON Jansson reads (no key twice in an object),
 * and Jansson, asked to write what it read with the reports' flags, writes
 * |text| byte for byte.
 */
static void
expect_round_trip(const char *text, size_t len, int indent, const char *what)
{
    json_error_t err;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    cr_assert_not_null(j, "%s: Jansson cannot read it: %s (line %d, column %d)", what, err.text,
                       err.line, err.column);
    char *back = jansson_text(j, indent);
    size_t n = strlen(back);
    size_t at = 0;
    while (at < n && at < len && back[at] == text[at])
        at++;
    cr_expect(n == len && at == len, "%s: the writer and Jansson part at byte %zu:\n%.80s\n%.80s",
              what, at, text + at, back + at);
    free(back);
}

/* Every kind of string the writer repairs or escapes, as values and as keys. */
static void
write_strings(struct json_writer *w)
{
    static const char *const strings[] = {
        "", "\"", "\\", "/", "\x7f", "quote \" backslash \\ slash / end",
        "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
        "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",                /* U+0080 ... U+10FFFF */
        "\xe2\x80\xa8\xe2\x80\xa9",                            /* U+2028, U+2029 as they are */
        "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", /* lone, overlong */
        "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff\xfe",
        "\xe2\x82", "ab\xe2\x82" "c", "\xf0\x9f\x98", "\xc3" "A", /* cut short */
    };
    json_writer_object_begin(w);
    json_writer_key(w, "values");
    json_writer_array_begin(w);
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        json_writer_string(w, strings[i]);
    for (int c = 1; c < 256; c++) { /* every byte alone, then inside a word */
        char s[2] = {(char)c, '\0'}, t[5] = {'a', 'b', (char)c, 'c', '\0'};
        json_writer_string(w, s);
        json_writer_string(w, t);
    }
    json_writer_array_end(w);
    for (int c = 1; c < 0x20; c++) { /* control characters in keys */
        char key[8];
        snprintf(key, sizeof key, "k%c%02x", c, c);
        json_writer_key(w, key);
        json_writer_int(w, c);
    }
    json_writer_key(w, "\xff bad key \xc3");
    json_writer_null(w);
    json_writer_object_end(w);
}

static void
write_numbers(struct json_writer *w)
{
    static const int64_t ints[] = {
        0, 1, -1, 9, -9, 10, -10, 99, 100, 4294967295, 4294967296, -4294967296,
        9007199254740991, 9007199254740993, -9007199254740993, 999999999999999999,
        -999999999999999999, INT64_MAX, INT64_MIN, INT64_MIN + 1,
    };
    static const double reals[] = {
        0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 0.001, 0.0001, 123.4, -123.4, 1e15, 1e16, 1e17, 1e-5,
        1e-7, 2.5e-10, -2.5e-10, 1e300, -1e300, 1.79769313486231e308, 2.2250738585072014e-308,
        4.9e-324, 123456789012345.6, 0.1 + 0.2, 1.0 / 3, -2.0 / 3, 86400000.001, 999999999999.999,
    };
    json_writer_array_begin(w);
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        json_writer_int(w, ints[i]);
    for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
        json_writer_real(w, reals[i]);
    for (int e = 0; e < 19; e++) { /* every power of ten and its neighbours */
        int64_t p = 1;
        for (int k = 0; k < e; k++)
            p *= 10;
        json_writer_int(w, p - 1);
        json_writer_int(w, -p);
        json_writer_real(w, (double)p + 0.5);
        json_writer_real(w, 1.0 / (double)p);
    }
    json_writer_array_end(w);
}

/* Objects in arrays in objects down to the writer's depth, an empty one of each at every level. */
static void
write_nested(struct json_writer *w, int depth)
{
    bool object = depth % 2 == 0;
    if (object)
        json_writer_object_begin(w);
    else
        json_writer_array_begin(w);
    if (object)
        json_writer_key(w, "empty_object");
    json_writer_object_begin(w);
    json_writer_object_end(w);
    if (object)
        json_writer_key(w, "empty_array");
    json_writer_array_begin(w);
    json_writer_array_end(w);
    if (object)
        json_writer_key(w, "level");
    json_writer_int(w, depth);
    if (object)
        json_writer_key(w, "yes");
    json_writer_bool(w, depth % 3 == 0);
    if (depth + 1 < JSON_WRITER_MAX_DEPTH) {
        if (object)
            json_writer_key(w, "inner");
        write_nested(w, depth + 1);
    }
    if (object)
        json_writer_object_end(w);
    else
        json_writer_array_end(w);
}

Test(json_writer, every_kind_of_value_round_trips_through_jansson)
{
    secret_mask_set_enabled(false); /* the strings as they are, no payload hidden */
    for (int indent = 0; indent <= 2; indent += 2) {
        struct buf b = {0};
        struct json_writer w;
        json_writer_init(&w, &b, indent);
        json_writer_object_begin(&w);
        json_writer_key(&w, "strings");
        write_strings(&w);
        json_writer_key(&w, "numbers");
        write_numbers(&w);
        json_writer_key(&w, "nested");
        write_nested(&w, 1);
        json_writer_object_end(&w);
        expect_round_trip(b.data, b.len, indent, indent ? "indented document" : "compact document");
        buf_clear(&b);
        /* each value alone too (a document of one scalar) */
        json_writer_init(&w, &b, indent);
        json_writer_real(&w, 1e-7);
        expect_round_trip(b.data, b.len, indent, "a real alone");
        buf_clear(&b);
    }
}

/*
 * What the writer does with bytes that are not UTF-8, spelled out apart from
 * its code: a well-formed sequence (Unicode 15, table 3-7) is kept, any
 * other byte becomes U+FFFD on its own.
 */
static size_t
well_formed_len(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    for (size_t i = 1; i < len; i++) {
        unsigned d = p[i];
        if (d < (i == 1 ? lo : 0x80) || d > (i == 1 ? hi : 0xbf))
            return 0;
    }
    return len;
}

static void
repair_utf8(const char *s, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t len = well_formed_len(p);
        if (len) {
            buf_append(out, (const char *)p, len);
            p += len;
        } else {
            buf_append(out, "\xef\xbf\xbd", 3);
            p++;
        }
    }
}

Test(json_writer, random_bytes_are_written_as_jansson_writes_them_repaired)
{
    secret_mask_set_enabled(false);
    /* bytes that make UTF-8 and break it: leads, continuations, limits, escapes */
    static const unsigned char pool[] = {
        'a', 'Z', ' ', '"', '\\', '/', '\n', '\t', 0x01, 0x1f, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
        0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
    };
    srand(2024);
    for (int i = 0; i < 20000; i++) {
        char s[24];
        size_t n = (size_t)(rand() % (int)sizeof(s));
        for (size_t k = 0; k < n; k++)
            s[k] = (char)pool[rand() % (int)sizeof(pool)];
        s[n] = '\0';
        struct buf mine = {0}, fixed = {0};
        json_append_string(&mine, s);
        repair_utf8(s, &fixed);
        json_t *ref = json_stringn(fixed.len ? fixed.data : "", fixed.len);
        cr_assert_not_null(ref, "string %d: the repair is not UTF-8", i);
        expect_same(ref, &mine, 0, "random bytes");
        expect_round_trip(mine.data, mine.len, 0, "random bytes");
        buf_clear(&mine);
        buf_clear(&fixed);
    }
}

/* ---- the real records: reports of the test data, read back by Jansson ---- */

/* The report of |path| in |format|, as xmppflow writes it (the masking step on). */
static char *
report_of(const char *path, enum report_format format, bool show_secrets, size_t *len)
{
    char *data = NULL;
    FILE *out = open_memstream(&data, len);
    cr_assert_not_null(out);
    secret_mask_set_enabled(!show_secrets);
    struct report_options ropt = {.format = format, .show_secrets = show_secrets, .tool_version = "test"};
    struct analyze_options aopt = {.show_secrets = show_secrets};
    struct report_writer *w = report_writer_new(&ropt, out);
    struct summary *sm = summary_new();
    struct analyzer *an = analyzer_new(&aopt, w, sm);
    char *paths[] = {(char *)path};
    struct input_info info = {0};
    analyzer_run(an, paths, 1, &info);
    analyzer_free(an);
    cr_expect_eq(report_finish(w, &info, 1, sm), 0, "%s", path);
    report_writer_free(w);
    summary_free(sm);
    input_info_clear(&info);
    fclose(out);
    return data;
}

Test(json_writer, reports_of_the_test_data_round_trip_through_jansson)
{
    const char *dir = getenv("TESTDATA");
    cr_assert_not_null(dir, "TESTDATA is not set (make check sets it; by hand: "
                            "export TESTDATA=<srcdir>/testdata)");
    static const char *const patterns[] = {
        "*/ejabberd.log", "*/capture.pcap", "*/capture.pcapng", "derived/*.pcap", "bad/*.log",
    };
    size_t inputs = 0, lines = 0;
    for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
        char pattern[4096];
        snprintf(pattern, sizeof pattern, "%s/%s", dir, patterns[p]);
        glob_t g;
        memset(&g, 0, sizeof g);
        if (glob(pattern, 0, NULL, &g) != 0) {
            globfree(&g);
            continue;
        }
        for (size_t i = 0; i < g.gl_pathc; i++, inputs++) {
            const char *path = g.gl_pathv[i];
            bool secrets = inputs % 2; /* passwords hidden in half of them, shown in the rest */
            size_t len;
            char *doc = report_of(path, REPORT_JSON, secrets, &len);
            cr_assert(len > 0 && doc[len - 1] == '\n', "%s", path);
            expect_round_trip(doc, len - 1, 2, path);
            free(doc);
            char *jsonl = report_of(path, REPORT_JSONL, secrets, &len);
            for (char *line = jsonl, *nl; (nl = memchr(line, '\n', len - (size_t)(line - jsonl)));
                 line = nl + 1, lines++)
                expect_round_trip(line, (size_t)(nl - line), 0, path);
            free(jsonl);
        }
        globfree(&g);
    }
    /* the test data holds some 60 inputs; fewer means the glob went wrong */
    cr_expect_gt(inputs, 40, "%zu inputs", inputs);
    cr_expect_gt(lines, inputs, "%zu jsonl lines", lines);
}
