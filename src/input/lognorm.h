/*
 * lognorm: one physical line of a log as the logger wrote it, out of what
 * carried it (ejabberd-log-formats.md §2.5, §5.1, §9 step 1): docker's
 * json-file records ({"log":"…\n","stream":…,"time":…}, a long line split
 * over several records joined again), docker-compose "name_1  | " prefixes,
 * journald/syslog prefixes ("Nov 24 09:46:37 host ejabberd[123]: ",
 * short-iso, RFC 5424), ANSI SGR colour codes, and a line that is not UTF-8
 * read as Latin-1 (re-encoded as UTF-8, so the term decoder's "each char
 * <= 0xFF is one byte" gives back the original octets). Each line is tried
 * on its own (a pasted mix works); a plain log line costs a few compares.
 * No I/O.
 */
#ifndef XMPPFLOW_LOGNORM_H
#define XMPPFLOW_LOGNORM_H

#include <stdbool.h>
#include <stddef.h>

#include "timestamp.h"

/* What was taken off the lines (lognorm_seen). */
enum lognorm_wrapper {
    LNW_DOCKER_JSON = 1u << 0,
    LNW_COMPOSE = 1u << 1,
    LNW_JOURNALD = 1u << 2, /* journalctl's short forms and BSD syslog: "Mon DD HH:MM:SS host tag[pid]: " */
    LNW_SYSLOG = 1u << 3,   /* RFC 5424 "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD " */
    LNW_ANSI = 1u << 4,
    LNW_LATIN1 = 1u << 5,
    LNW_COUNT_BITS = 6
};

struct lognorm;

struct lognorm *lognorm_new(void);
/* NULL is fine. */
void lognorm_free(struct lognorm *n);

/*
 * lognorm_plain(): true when |line| needs nothing done (|clean|: see below)
 * and no docker line is held; then lognorm_line() would give it back as it is.
 * Normalises |line| (|len| bytes, no line end). |clean|: the caller knows
 * it holds no ESC and no byte >= 0x80 (a whole read buffer checked at
 * once). Returns true with the logger's line in *|out| (valid until the next
 * call), or false when the line is held: a docker record whose line goes on
 * in the next record.
 */
static inline bool
lognorm_plain(const char *line, size_t len, bool clean)
{
    /* what no wrapper starts with: a digit (but "YYYY-MM-DDT…" of journald's short-iso), '=', a space */
    char c = len ? line[0] : ' ';
    return clean && ((c >= '0' && c <= '9') ? len <= 10 || line[10] != 'T'
                                            : c == ' ' || c == '=' || c == '\t');
}
bool lognorm_line(struct lognorm *n, const char *line, size_t len, bool clean, const char **out,
                  size_t *out_len);
/* At the end of the input: a held docker line, if any (true), as lognorm_line() gives it. */
bool lognorm_flush(struct lognorm *n, const char **out, size_t *out_len);
/* The wrappers taken off so far (enum lognorm_wrapper bits). */
unsigned lognorm_seen(const struct lognorm *n);
/* The name of one wrapper bit in reports ("docker_json"). */
const char *lognorm_wrapper_name(unsigned bit);
/*
 * The start (UTC) of the day the last line's wrapper dated it to (docker's
 * "time", journald's short-iso stamp), or -1 when it gave none: the day of a
 * record whose own prefix has a time of day only.
 */
usec_t lognorm_day(const struct lognorm *n);

/*
 * A masked excerpt of a line for messages, in |out|: its first 32 bytes with
 * letters as 'a'/'A', digits as '9', other bytes but printable ASCII as '?'
 * ('"' and '\\' too), "..." when longer. The shape tells the format; no text
 * of the line (a password file's, say) comes out.
 */
void lognorm_shape(const char *p, size_t n, char *out, size_t outlen);

/* True when |s| (|len| bytes) holds no ESC and no byte >= 0x80 (for the |clean| hint). */
/*
 * The first ESC or byte >= 0x80 at or after |p| (|end| when none): lines
 * that end before it are clean. |*esc| caches the next ESC between calls
 * over one buffer (NULL at first).
 */
const char *lognorm_next_dirty(const char *p, const char *end, const char **esc);
bool lognorm_is_clean(const char *s, size_t len);

#endif
