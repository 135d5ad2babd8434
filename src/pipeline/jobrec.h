/*
 * jobrec: the records between the workers of a -j run (worker.h) and the
 * merge (merge.h), through a pipe each way. A record is a 4-byte length (of
 * what follows), a type byte, then its fields: integers little-endian of
 * fixed width, strings as a 4-byte length and their bytes (an absent string:
 * length 0xffffffff). Workers and merge are the same program: the format is
 * not a file format and carries no version.
 *
 * Worker to merge, in the order the worker meets them (events never go back):
 *   CREATE   a connection of the worker began (its number: the count before)
 *   FINISH   a connection ended: what the checks across connections read of it
 *   SILENT   a connection that never carried XMPP, for the summary
 *   PROGRESS every record of an event before this one has been sent
 *   DONE     a judged connection, finished: dropped, or its summary facts and
 *            its rendered report (in the order of the verdicts)
 *   END      the inputs as the worker saw them, with its errors placed by event
 * Merge to worker: VERDICT, one per FINISH, in the order one process ends the
 * connections (which may not be the worker's: memory evictions go by session
 * number), naming the connection by its number in the worker.
 */
#ifndef XMPPFLOW_JOBREC_H
#define XMPPFLOW_JOBREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "login.h"
#include "report.h"

/*
 * What ends connections at an event, in the order of one process: first the
 * event itself (its connection, or a table-full eviction), then every
 * connection (a log's restart, the end of the run), then the memory budget,
 * then idle connections; at the end of a capture the handshakes that never
 * carried data. Within an event, ends of one worker keep their order; across
 * workers (the kinds that end many at once) they go by session number.
 */
enum end_phase { END_EVENT, END_ALL, END_MEMORY, END_IDLE, END_FLUSH };

/*
 * How an error of an input came about: the same in every worker (an input
 * that cannot be read, a damaged packet or line: the merge takes worker 0's),
 * or about a connection of this worker (its owner says it), or one of the
 * first clock setbacks of a connection (the merge keeps the first few of all
 * workers), or the count of all of them (the merge adds them up).
 */
enum note_kind { NOTE_GLOBAL, NOTE_OWN, NOTE_TIMEBACK, NOTE_TIMETOTAL };

enum jobrec_type {
    JR_CREATE = 1, /* u64 event */
    JR_FINISH,     /* u64 event, u8 phase, u32 local, facts */
    /* u64 event, u8 phase, u8 kind (0 silent, 1 + enum flow_kind: by end[0] counts them),
     * 5 × u64 by end, i64 first, i64 last, str key, str server */
    JR_SILENT,
    JR_PROGRESS,   /* u64 event, u32 input being read */
    JR_DONE,       /* u32 id, u8 kept; when kept: summary facts, str rendered */
    JR_END,        /* u64 failed, i32 signal, u32 n, n × input */
    JR_VERDICT,    /* u32 local, u32 id, u32 n, n × (u8 kind, u32 seq, 3 × u32, 2 × str), str jid */
};

/* Appending a record to |b|: begin, its fields, end (which writes its length). */
size_t jobrec_begin(struct buf *b, enum jobrec_type type);
void jobrec_end(struct buf *b, size_t at);
void jobrec_u8(struct buf *b, unsigned v);
void jobrec_u32(struct buf *b, uint32_t v);
void jobrec_u64(struct buf *b, uint64_t v);
void jobrec_str(struct buf *b, const char *s);           /* NULL: absent */
void jobrec_mem(struct buf *b, const char *s, size_t n); /* NULL: absent */

/*
 * Reading one record's fields. Past its end, or on a malformed field, every
 * read gives 0 / NULL and |bad| is set: a record from the same program is
 * never malformed; the merge stops a worker that sends one.
 */
struct jobrec_reader {
    const char *p, *end;
    bool bad;
};

/*
 * The first complete record of |data| (|len| bytes): its type, and a reader
 * of its fields; returns its whole size, or 0 when |data| does not hold one
 * whole yet.
 */
size_t jobrec_next(const char *data, size_t len, enum jobrec_type *type, struct jobrec_reader *r);
unsigned jobrec_get_u8(struct jobrec_reader *r);
uint32_t jobrec_get_u32(struct jobrec_reader *r);
uint64_t jobrec_get_u64(struct jobrec_reader *r);
/* A string field: points into the record (NUL-terminated only by copying); NULL when absent. */
const char *jobrec_get_mem(struct jobrec_reader *r, size_t *len);
/* The same, copied (NULL when absent). */
char *jobrec_get_str(struct jobrec_reader *r);

/* The facts of a FINISH. Read back with their strings copied: cross_facts_free_copy(). */
void jobrec_put_facts(struct buf *b, const struct cross_facts *f);
void jobrec_get_facts(struct jobrec_reader *r, struct cross_facts *f);
void jobrec_facts_free(struct cross_facts *f);

/* The verdict of a VERDICT (without the record's header and id). */
void jobrec_put_verdict(struct buf *b, const struct cross_verdict *v);
void jobrec_get_verdict(struct jobrec_reader *r, struct cross_verdict *v);

/* Where an error of an input goes in its list, as a worker saw it. */
struct jobrec_note {
    uint64_t event;
    enum note_kind kind;
    long count;                /* NOTE_TIMETOTAL: the worker's count */
    struct input_error error;  /* the others: the error (its message owned when read back) */
};

/* An input of an END: what one worker knows of it. */
struct jobrec_input {
    enum input_type type;
    long long size_bytes, count, evicted, non_xmpp_flows, s2s_streams, log_xml, log_c2s;
    bool unusable;
    unsigned log_forms, log_wrappers, log_time_notes;
    struct jobrec_note *notes;
    size_t nnotes;
};

/* How a worker placed an error of an input: info->errors[index], or a count (NOTE_TIMETOTAL). */
struct jobrec_place {
    uint64_t event;
    enum note_kind kind;
    size_t index;
};

/* An input of an END: |info| and where its errors go (|places|, |n|, in the order they came). */
void jobrec_put_input(struct buf *b, const struct input_info *info,
                      const struct jobrec_place *places, size_t n);
void jobrec_get_input(struct jobrec_reader *r, struct jobrec_input *in);
void jobrec_input_free(struct jobrec_input *in);

/* The summary facts of a DONE. Read back into |f| with arrays and strings of their own. */
void jobrec_put_summary(struct buf *b, const struct summary_facts *f);
void jobrec_get_summary(struct jobrec_reader *r, struct summary_facts *f);
void jobrec_summary_free(struct summary_facts *f);

#endif
