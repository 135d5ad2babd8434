/*
 * json_writer: writes JSON text straight into a buffer, value by value, in the
 * order the calls come. The reports used to build a Jansson tree per session
 * and dump it; on a capture of nothing but logins that was 60 % of the run.
 *
 * The output is byte for byte what json_dumps() gives for the same tree with
 * JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) and either JSON_COMPACT or
 * JSON_INDENT(2) (tests/unit/test_json_writer.c compares the two), so the
 * reports did not change when the writer did.
 *
 * The caller keeps the nesting right (a key before each member, ends matching
 * begins); the writer only tracks commas and indentation.
 */
#ifndef XMPPFLOW_JSON_WRITER_H
#define XMPPFLOW_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define JSON_WRITER_MAX_DEPTH 32

struct json_writer {
    struct buf *out;
    int indent; /* spaces per level; 0 = compact */
    int depth;
    int skipped; /* containers opened past JSON_WRITER_MAX_DEPTH, left out */
    bool pending_key; /* a key was written, its value comes next */
    bool empty[JSON_WRITER_MAX_DEPTH]; /* nothing written yet in that container */
};

/* Starts writing into |out| (appended to); |indent| 0 for one compact line. */
void json_writer_init(struct json_writer *w, struct buf *out, int indent);

void json_writer_object_begin(struct json_writer *w);
void json_writer_object_end(struct json_writer *w);
void json_writer_array_begin(struct json_writer *w);
void json_writer_array_end(struct json_writer *w);

/*
 * Marks the current container as holding something already (written
 * elsewhere): the next item gets its comma, the end its newline.
 */
void json_writer_mark_nonempty(struct json_writer *w);

/* The key of the next member of the current object; any bytes (repaired to UTF-8). */
void json_writer_key(struct json_writer *w, const char *key);

/*
 * The same for a key the program spells itself (printable ASCII, no '"' or
 * '\\', as report.schema.json's names are): written as it is, without the
 * escaping pass.
 */
void json_writer_name(struct json_writer *w, const char *name);

/*
 * For a value the caller writes itself: puts what goes before a value and
 * returns the buffer, into which the caller then appends exactly one complete
 * JSON value, formatted as this writer would (NULL: inside a container left
 * out; write nothing).
 */
struct buf *json_writer_raw_value(struct json_writer *w);

/* A string; NULL writes null. Invalid UTF-8 becomes U+FFFD. */
void json_writer_string(struct json_writer *w, const char *s);
void json_writer_null(struct json_writer *w);
void json_writer_bool(struct json_writer *w, bool v);
void json_writer_int(struct json_writer *w, int64_t v);
/*
 * A real as Jansson prints it with 15 digits of precision (always with "." or
 * "e"); null for NaN and infinities, which Jansson refuses to hold.
 */
void json_writer_real(struct json_writer *w, double v);

/*
 * Appends |s| to |out| as a quoted JSON string: the escapes Jansson uses
 * (\" \\ \b \f \n \r \t, \u00XX for other control characters, "/" as is),
 * UTF-8 kept, each byte that does not start a well-formed UTF-8 sequence
 * replaced by U+FFFD.
 */
void json_append_string(struct buf *out, const char *s);
/* Appends |v| in decimal, as a JSON integer. */
void json_append_int(struct buf *out, int64_t v);

#endif
