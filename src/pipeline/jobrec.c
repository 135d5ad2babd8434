/* jobrec: the records between -j workers and the merge (see the header). */
#include <config.h>
#include "jobrec.h"

#include <stdlib.h>
#include <string.h>

#include "hash_bytes.h"
#include "xalloc.h"

#define ABSENT UINT32_MAX

size_t
jobrec_begin(struct buf *b, enum jobrec_type type)
{
    size_t at = b->len;
    jobrec_u32(b, 0); /* the length, written by jobrec_end */
    jobrec_u8(b, (unsigned)type);
    return at;
}

void
jobrec_end(struct buf *b, size_t at)
{
    uint32_t n = (uint32_t)(b->len - at - 4);
    for (int i = 0; i < 4; i++)
        b->data[at + (size_t)i] = (char)(n >> (8 * i));
}

void
jobrec_u8(struct buf *b, unsigned v)
{
    buf_append_char(b, (char)(v & 0xff));
}

/* The low |n| bytes of |v|, little-endian. */
static void
put_le(struct buf *b, uint64_t v, int n)
{
    unsigned char le[8];
    for (int i = 0; i < n; i++)
        le[i] = (unsigned char)(v >> (8 * i));
    buf_append(b, le, (size_t)n);
}

void
jobrec_u32(struct buf *b, uint32_t v)
{
    put_le(b, v, 4);
}

void
jobrec_u64(struct buf *b, uint64_t v)
{
    put_le(b, v, 8);
}

void
jobrec_mem(struct buf *b, const char *s, size_t n)
{
    if (!s) {
        jobrec_u32(b, ABSENT);
        return;
    }
    jobrec_u32(b, (uint32_t)n);
    buf_append(b, s, n);
}

void
jobrec_str(struct buf *b, const char *s)
{
    jobrec_mem(b, s, s ? strlen(s) : 0);
}

/* |n| bytes of the record, or NULL (and |bad|) past its end. */
static const unsigned char *
take(struct jobrec_reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)r->p;
    r->p += n;
    return p;
}

static uint64_t
get_le(struct jobrec_reader *r, size_t n)
{
    const unsigned char *p = take(r, n);
    if (!p)
        return 0;
    return n == 8 ? hash_load8(p) : hash_load_tail(p, n); /* little-endian, as written */
}

unsigned
jobrec_get_u8(struct jobrec_reader *r)
{
    return (unsigned)get_le(r, 1);
}

uint32_t
jobrec_get_u32(struct jobrec_reader *r)
{
    return (uint32_t)get_le(r, 4);
}

uint64_t
jobrec_get_u64(struct jobrec_reader *r)
{
    return get_le(r, 8);
}

const char *
jobrec_get_mem(struct jobrec_reader *r, size_t *len)
{
    uint32_t n = jobrec_get_u32(r);
    *len = 0;
    if (r->bad || n == ABSENT)
        return NULL;
    const unsigned char *p = take(r, n);
    if (!p)
        return NULL;
    *len = n;
    return (const char *)p;
}

char *
jobrec_get_str(struct jobrec_reader *r)
{
    size_t n;
    const char *s = jobrec_get_mem(r, &n);
    return s ? xstrndup(s, n) : NULL;
}

size_t
jobrec_next(const char *data, size_t len, enum jobrec_type *type, struct jobrec_reader *r)
{
    if (len < 5)
        return 0;
    struct jobrec_reader head = {.p = data, .end = data + 4};
    uint32_t n = jobrec_get_u32(&head);
    if (n < 1 || len - 4 < n)
        return 0;
    *type = (enum jobrec_type)(unsigned char)data[4];
    *r = (struct jobrec_reader){.p = data + 5, .end = data + 4 + n};
    return 4 + (size_t)n;
}

/* Times and other signed numbers travel as their two's complement. */
static void
put_i64(struct buf *b, int64_t v)
{
    jobrec_u64(b, (uint64_t)v);
}

static int64_t
get_i64(struct jobrec_reader *r)
{
    return (int64_t)jobrec_get_u64(r);
}

void
jobrec_put_facts(struct buf *b, const struct cross_facts *f)
{
    jobrec_mem(b, f->source, f->source_len);
    jobrec_u32(b, (uint32_t)f->nfailures);
    for (size_t i = 0; i < f->nfailures; i++) {
        const struct cross_failure *fl = &f->failures[i];
        put_i64(b, fl->time);
        jobrec_u32(b, fl->seq);
        jobrec_mem(b, fl->user, fl->user_len);
    }
    jobrec_str(b, f->server_error);
    jobrec_u32(b, f->server_error_seq);
    put_i64(b, f->server_error_time);
    jobrec_str(b, f->sm_id);
    jobrec_str(b, f->resumed_from);
    jobrec_u32(b, f->resumed_seq);
    jobrec_str(b, f->jid);
}

void
jobrec_get_facts(struct jobrec_reader *r, struct cross_facts *f)
{
    memset(f, 0, sizeof *f);
    size_t n;
    const char *s = jobrec_get_mem(r, &n);
    f->source = s ? xstrndup(s, n) : NULL;
    f->source_len = n;
    uint32_t nf = jobrec_get_u32(r);
    for (uint32_t i = 0; i < nf && !r->bad; i++) {
        struct cross_failure fl = {.time = get_i64(r), .seq = jobrec_get_u32(r)};
        s = jobrec_get_mem(r, &fl.user_len);
        fl.user = s ? xstrndup(s, fl.user_len) : NULL;
        f->failures = xgrow(f->failures, f->nfailures, sizeof *f->failures);
        f->failures[f->nfailures++] = fl;
    }
    f->server_error = jobrec_get_str(r);
    f->server_error_seq = jobrec_get_u32(r);
    f->server_error_time = get_i64(r);
    f->sm_id = jobrec_get_str(r);
    f->resumed_from = jobrec_get_str(r);
    f->resumed_seq = jobrec_get_u32(r);
    f->jid = jobrec_get_str(r);
}

void
jobrec_facts_free(struct cross_facts *f)
{
    free((char *)f->source);
    for (size_t i = 0; i < f->nfailures; i++)
        free((char *)f->failures[i].user);
    free((char *)f->server_error);
    free((char *)f->sm_id);
    free((char *)f->resumed_from);
    free((char *)f->jid);
    cross_facts_clear(f);
}

void
jobrec_put_verdict(struct buf *b, const struct cross_verdict *v)
{
    jobrec_u32(b, (uint32_t)v->nfound);
    for (size_t i = 0; i < v->nfound; i++) {
        const struct cross_finding *c = &v->found[i];
        jobrec_u8(b, (unsigned)c->kind);
        jobrec_u32(b, c->seq);
        for (int k = 0; k < 3; k++)
            jobrec_u32(b, c->n[k]);
        for (int k = 0; k < 2; k++)
            jobrec_mem(b, c->text[k], c->len[k]);
    }
    jobrec_str(b, v->jid);
}

void
jobrec_get_verdict(struct jobrec_reader *r, struct cross_verdict *v)
{
    memset(v, 0, sizeof *v);
    uint32_t n = jobrec_get_u32(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        struct cross_finding c = {.kind = (enum cross_kind)jobrec_get_u8(r)};
        c.seq = jobrec_get_u32(r);
        for (int k = 0; k < 3; k++)
            c.n[k] = jobrec_get_u32(r);
        for (int k = 0; k < 2; k++)
            c.text[k] = (char *)jobrec_get_mem(r, &c.len[k]);
        if (!r->bad)
            cross_verdict_add(v, &c); /* the texts copied out of the record */
    }
    v->jid = jobrec_get_str(r);
}

void
jobrec_put_input(struct buf *b, const struct input_info *info,
                 const struct jobrec_place *places, size_t n)
{
    jobrec_u8(b, (unsigned)info->type);
    put_i64(b, info->size_bytes);
    put_i64(b, info->count);
    put_i64(b, info->evicted);
    put_i64(b, info->non_xmpp_flows);
    put_i64(b, info->s2s_streams);
    put_i64(b, info->log_xml);
    put_i64(b, info->log_c2s);
    jobrec_u8(b, info->unusable);
    jobrec_u32(b, info->log_forms);
    jobrec_u32(b, info->log_wrappers);
    jobrec_u32(b, info->log_time_notes);
    jobrec_u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        jobrec_u64(b, places[i].event);
        jobrec_u8(b, (unsigned)places[i].kind);
        if (places[i].kind == NOTE_TIMETOTAL) {
            put_i64(b, (int64_t)places[i].index);
            continue;
        }
        const struct input_error *e = &info->errors[places[i].index];
        jobrec_str(b, e->message);
        put_i64(b, e->line);
        put_i64(b, e->packet);
        put_i64(b, e->offset);
    }
}

void
jobrec_get_input(struct jobrec_reader *r, struct jobrec_input *in)
{
    memset(in, 0, sizeof *in);
    in->type = (enum input_type)jobrec_get_u8(r);
    in->size_bytes = get_i64(r);
    in->count = get_i64(r);
    in->evicted = get_i64(r);
    in->non_xmpp_flows = get_i64(r);
    in->s2s_streams = get_i64(r);
    in->log_xml = get_i64(r);
    in->log_c2s = get_i64(r);
    in->unusable = jobrec_get_u8(r) != 0;
    in->log_forms = jobrec_get_u32(r);
    in->log_wrappers = jobrec_get_u32(r);
    in->log_time_notes = jobrec_get_u32(r);
    uint32_t n = jobrec_get_u32(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        struct jobrec_note note = {.event = jobrec_get_u64(r)};
        note.kind = (enum note_kind)jobrec_get_u8(r);
        if (note.kind == NOTE_TIMETOTAL) {
            note.count = (long)get_i64(r);
        } else {
            note.error.message = jobrec_get_str(r);
            note.error.line = (long)get_i64(r);
            note.error.packet = (long)get_i64(r);
            note.error.offset = get_i64(r);
        }
        in->notes = xgrow(in->notes, in->nnotes, sizeof *in->notes);
        in->notes[in->nnotes++] = note;
    }
}

void
jobrec_input_free(struct jobrec_input *in)
{
    for (size_t i = 0; i < in->nnotes; i++)
        free(in->notes[i].error.message);
    free(in->notes);
    memset(in, 0, sizeof *in);
}

void
jobrec_put_summary(struct buf *b, const struct summary_facts *f)
{
    jobrec_u8(b, (unsigned)f->outcome);
    jobrec_u8(b, (unsigned)f->transport);
    jobrec_str(b, f->mechanism);
    jobrec_u8(b, (unsigned)f->evicted | (unsigned)f->plaintext << 1 | (unsigned)f->on_wire << 2 |
                     (unsigned)f->in_log << 3 | (unsigned)f->wire_inferred << 4);
    jobrec_u32(b, f->wire_exposures);
    jobrec_str(b, f->user);
    jobrec_u32(b, (uint32_t)f->nviolations);
    for (size_t i = 0; i < f->nviolations; i++) {
        jobrec_mem(b, f->violations[i].code, strnlen(f->violations[i].code, sizeof f->violations[i].code));
        jobrec_u8(b, (unsigned)f->violations[i].severity);
    }
    jobrec_u32(b, (uint32_t)f->ndropped);
    for (size_t i = 0; i < f->ndropped; i++) {
        jobrec_mem(b, f->dropped[i].code, strnlen(f->dropped[i].code, sizeof f->dropped[i].code));
        jobrec_u8(b, (unsigned)f->dropped[i].severity);
        jobrec_u64(b, f->dropped[i].count);
    }
    /* the bits of the double: exactly the latency the worker computed */
    uint64_t bits;
    memcpy(&bits, &f->to_bound, sizeof bits);
    jobrec_u64(b, bits);
}

/* A code field into |code| (4 bytes, NUL-padded like the session's). */
static void
get_code(struct jobrec_reader *r, char code[4])
{
    size_t n;
    const char *s = jobrec_get_mem(r, &n);
    memset(code, 0, 4);
    if (s)
        memcpy(code, s, n < 4 ? n : 4);
}

void
jobrec_get_summary(struct jobrec_reader *r, struct summary_facts *f)
{
    memset(f, 0, sizeof *f);
    f->outcome = (enum outcome)jobrec_get_u8(r);
    f->transport = (enum transport)jobrec_get_u8(r);
    f->mechanism = jobrec_get_str(r);
    unsigned flags = jobrec_get_u8(r);
    f->evicted = flags & 1;
    f->plaintext = flags >> 1 & 1;
    f->on_wire = flags >> 2 & 1;
    f->in_log = flags >> 3 & 1;
    f->wire_inferred = flags >> 4 & 1;
    f->wire_exposures = jobrec_get_u32(r);
    f->user = jobrec_get_str(r);
    uint32_t n = jobrec_get_u32(r);
    struct violation *v = NULL;
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        v = xgrow(v, f->nviolations, sizeof *v);
        memset(&v[f->nviolations], 0, sizeof *v);
        get_code(r, v[f->nviolations].code);
        v[f->nviolations++].severity = (enum severity)jobrec_get_u8(r);
    }
    f->violations = v;
    n = jobrec_get_u32(r);
    struct violation_drop *d = NULL;
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        d = xgrow(d, f->ndropped, sizeof *d);
        memset(&d[f->ndropped], 0, sizeof *d);
        get_code(r, d[f->ndropped].code);
        d[f->ndropped].severity = (enum severity)jobrec_get_u8(r);
        d[f->ndropped++].count = (unsigned long)jobrec_get_u64(r);
    }
    f->dropped = d;
    uint64_t bits = jobrec_get_u64(r);
    memcpy(&f->to_bound, &bits, sizeof bits);
}

void
jobrec_summary_free(struct summary_facts *f)
{
    free((char *)f->mechanism);
    free((char *)f->user);
    free((struct violation *)f->violations);
    free((struct violation_drop *)f->dropped);
    memset(f, 0, sizeof *f);
}
