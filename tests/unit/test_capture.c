/* test_capture: pcap and pcapng files through a source (plain, gzip, cut short, any head size). */
#include <config.h>

#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <zlib.h>

#include "buf.h"
#include "capture.h"
#include "source.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* tcpdump -r testdata/starttls-plain-ok/capture.pcap | wc -l */
#define REAL_PACKETS 41
#define REAL_CAPTURE "starttls-plain-ok/capture.pcap"

/* 2026-01-01 and 2027-01-01 00:00:00 UTC in microseconds */
#define T_2026 INT64_C(1767225600000000)
#define T_2027 INT64_C(1798761600000000)

/* head_len for "read the whole file before capture_open" */
#define HEAD_ALL SIZE_MAX

/* ---- files ------------------------------------------------------------------- */

static char *
testdata_path(const char *rel)
{
    const char *dir = getenv("TESTDATA");
    cr_assert_not_null(dir, "TESTDATA is not set (make check sets it; by hand: "
                            "export TESTDATA=<srcdir>/testdata)");
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

static void
slurp(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(out, chunk, n);
    cr_assert(!ferror(f), "cannot read %s", path);
    fclose(f);
}

/* A temporary directory, emptied and removed by tmp_clear(). */
struct tmp {
    char dir[64];
    char *files[16];
    size_t n;
};

static void
tmp_init(struct tmp *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/xmppflow-capture-XXXXXX");
    cr_assert_not_null(mkdtemp(t->dir), "mkdtemp");
}

/* Returns the path of a new file |name| in |t| holding |len| bytes of |data|. */
static const char *
tmp_write(struct tmp *t, const char *name, const void *data, size_t len)
{
    cr_assert_lt(t->n, NELEMS(t->files));
    size_t n = strlen(t->dir) + strlen(name) + 2;
    char *path = malloc(n);
    cr_assert_not_null(path);
    snprintf(path, n, "%s/%s", t->dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    t->files[t->n++] = path;
    return path;
}

/* The same, gzipped with zlib. */
static const char *
tmp_write_gz(struct tmp *t, const char *name, const void *data, size_t len)
{
    const char *path = tmp_write(t, name, "", 0);
    gzFile gz = gzopen(path, "wb");
    cr_assert_not_null(gz, "gzopen %s", path);
    cr_assert_eq(gzwrite(gz, data, (unsigned)len), (int)len);
    cr_assert_eq(gzclose(gz), Z_OK);
    return path;
}

static void
tmp_clear(struct tmp *t)
{
    for (size_t i = 0; i < t->n; i++) {
        unlink(t->files[i]);
        free(t->files[i]);
    }
    rmdir(t->dir);
}

/* ---- reading through the capture API ------------------------------------------ */

struct rec {
    usec_t time;
    int linktype;
    uint32_t caplen, len;
    long number;
    uint8_t *data;
};

struct run {
    bool opened;
    int linktype; /* capture_linktype() */
    struct rec *v;
    size_t n;
    int end;       /* capture_next's last result: 0 or -1 */
    char err[256]; /* capture_open's or the final capture_next's reason */
};

static void
run_clear(struct run *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].data);
    free(r->v);
    memset(r, 0, sizeof *r);
}

static void
add_rec(struct rec **v, size_t *n, const struct rec *r, const void *data)
{
    *v = realloc(*v, (*n + 1) * sizeof **v);
    cr_assert_not_null(*v);
    (*v)[*n] = *r;
    (*v)[*n].data = malloc(r->caplen ? r->caplen : 1);
    cr_assert_not_null((*v)[*n].data);
    if (r->caplen)
        memcpy((*v)[*n].data, data, r->caplen);
    (*n)++;
}

/*
 * Opens |path| as analyze.c does: source_open, up to |head_size| bytes read
 * as the head, the rest left to the capture. Reads every packet.
 */
static void
read_capture(const char *path, size_t head_size, struct run *out)
{
    memset(out, 0, sizeof *out);
    char err[256];
    struct source *src = source_open(path, err, sizeof err);
    cr_assert_not_null(src, "%s: %s", path, err);
    struct buf head = {0};
    char chunk[4096];
    while (head.len < head_size) {
        size_t want = head_size - head.len < sizeof chunk ? head_size - head.len : sizeof chunk;
        ssize_t n = source_read(src, chunk, want, err, sizeof err);
        if (n <= 0)
            break;
        buf_append(&head, chunk, (size_t)n);
    }
    struct capture *c = capture_open(src, head.data, head.len, out->err, sizeof out->err);
    buf_clear(&head);
    if (!c) {
        cr_expect_neq(out->err[0], '\0', "%s: capture_open failed without a reason", path);
        source_close(src);
        return;
    }
    out->opened = true;
    out->linktype = capture_linktype(c);
    struct capture_packet pkt;
    int rc;
    while ((rc = capture_next(c, &pkt, out->err, sizeof out->err)) == 1) {
        struct rec r = {pkt.time, pkt.linktype, pkt.caplen, pkt.len, pkt.number, NULL};
        add_rec(&out->v, &out->n, &r, pkt.data);
    }
    out->end = rc;
    cr_expect(rc == 0 || rc == -1, "%s: capture_next returned %d", path, rc);
    if (rc < 0)
        cr_expect_neq(out->err[0], '\0', "%s: -1 without a reason", path);
    /* the end is final */
    char again[256] = "";
    cr_expect_eq(capture_next(c, &pkt, again, sizeof again), rc, "%s: end not repeated", path);
    if (rc < 0)
        cr_expect_str_eq(again, out->err, "%s: reason not repeated", path);
    capture_close(c);
    source_close(src);
}

/* Expects |got| to hold the first |n| of |want|, numbered from 1. */
static void
expect_packets(const struct run *got, const struct rec *want, size_t n, const char *what)
{
    cr_expect_eq(got->n, n, "%s: %zu packets, want %zu", what, got->n, n);
    for (size_t i = 0; i < n && i < got->n; i++) {
        const struct rec *g = &got->v[i], *w = &want[i];
        if (g->time != w->time || g->caplen != w->caplen || g->len != w->len ||
            g->linktype != w->linktype || g->number != (long)i + 1 ||
            memcmp(g->data, w->data, w->caplen) != 0)
            cr_expect_fail("%s: packet %zu differs (time %lld/%lld, caplen %u/%u, len %u/%u, "
                           "linktype %d/%d, number %ld)",
                           what, i + 1, (long long)g->time, (long long)w->time, g->caplen,
                           w->caplen, g->len, w->len, g->linktype, w->linktype, g->number);
    }
}

/* ---- reference: the pcap records parsed by hand ----------------------------------- */

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct ref {
    struct buf file;
    struct rec *v;
    size_t n;
    size_t *offset; /* of each record header in the file */
};

/* The real capture (little-endian microsecond pcap, as tcpdump wrote it). */
static void
ref_load(struct ref *r)
{
    memset(r, 0, sizeof *r);
    char *path = testdata_path(REAL_CAPTURE);
    slurp(path, &r->file);
    free(path);
    const uint8_t *b = (const uint8_t *)r->file.data;
    cr_assert_geq(r->file.len, 24);
    cr_assert_eq(le32(b), UINT32_C(0xa1b2c3d4), "the test expects a little-endian pcap");
    int linktype = (int)le32(b + 20);
    size_t off = 24;
    while (off < r->file.len) {
        cr_assert_leq(off + 16, r->file.len);
        struct rec rec = {
            .time = (usec_t)le32(b + off) * 1000000 + le32(b + off + 4),
            .linktype = linktype,
            .caplen = le32(b + off + 8),
            .len = le32(b + off + 12),
            .number = (long)r->n + 1,
        };
        cr_assert_leq(off + 16 + rec.caplen, r->file.len);
        r->offset = realloc(r->offset, (r->n + 1) * sizeof *r->offset);
        cr_assert_not_null(r->offset);
        r->offset[r->n] = off;
        add_rec(&r->v, &r->n, &rec, b + off + 16);
        off += 16 + rec.caplen;
    }
}

static void
ref_clear(struct ref *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].data);
    free(r->v);
    free(r->offset);
    buf_clear(&r->file);
}

/* ---- writers for other file flavours --------------------------------------------- */

static void
w16(struct buf *b, uint16_t v, bool be)
{
    uint8_t x[2] = {be ? v >> 8 : v & 0xff, be ? v & 0xff : v >> 8};
    buf_append(b, x, 2);
}

static void
w32(struct buf *b, uint32_t v, bool be)
{
    if (be) {
        w16(b, v >> 16, true);
        w16(b, v & 0xffff, true);
    } else {
        w16(b, v & 0xffff, false);
        w16(b, v >> 16, false);
    }
}

/* A pcap file of |recs| with |magic| (0xa1b2c3d4 micro, 0xa1b23c4d nano) in either byte order. */
static void
write_pcap(struct buf *b, const struct rec *recs, size_t n, uint32_t magic, bool be)
{
    bool nano = magic == UINT32_C(0xa1b23c4d);
    w32(b, magic, be);
    w16(b, 2, be);
    w16(b, 4, be);
    w32(b, 0, be);
    w32(b, 0, be);
    w32(b, 262144, be);
    w32(b, 1, be);
    for (size_t i = 0; i < n; i++) {
        w32(b, (uint32_t)(recs[i].time / 1000000), be);
        w32(b, (uint32_t)(recs[i].time % 1000000) * (nano ? 1000 : 1), be);
        w32(b, recs[i].caplen, be);
        w32(b, recs[i].len, be);
        buf_append(b, recs[i].data, recs[i].caplen);
    }
}

/* pcapng (draft-ietf-opsawg-pcapng): SHB, one IDB of |linktype|, one EPB per record. */
static void
write_pcapng(struct buf *b, const struct rec *recs, size_t n, int linktype, bool be, bool nano)
{
    static const uint8_t zero[4] = {0};
    /* section header block */
    w32(b, UINT32_C(0x0A0D0D0A), be);
    w32(b, 28, be);
    w32(b, UINT32_C(0x1A2B3C4D), be);
    w16(b, 1, be);
    w16(b, 0, be);
    w32(b, UINT32_MAX, be); /* section length unknown (-1) */
    w32(b, UINT32_MAX, be);
    w32(b, 28, be);
    /* interface description block, with if_tsresol = 9 (nanoseconds) when |nano| */
    uint32_t idb_len = nano ? 32 : 20;
    w32(b, 1, be);
    w32(b, idb_len, be);
    w16(b, (uint16_t)linktype, be);
    w16(b, 0, be);
    w32(b, 0, be); /* no snaplen */
    if (nano) {
        w16(b, 9, be); /* if_tsresol */
        w16(b, 1, be);
        uint8_t resol[4] = {9, 0, 0, 0};
        buf_append(b, resol, 4);
        w16(b, 0, be); /* opt_endofopt */
        w16(b, 0, be);
    }
    w32(b, idb_len, be);
    /* enhanced packet blocks */
    for (size_t i = 0; i < n; i++) {
        uint64_t ts = (uint64_t)recs[i].time * (nano ? 1000 : 1);
        size_t pad = (4 - recs[i].caplen % 4) % 4;
        uint32_t len = (uint32_t)(32 + recs[i].caplen + pad);
        w32(b, 6, be);
        w32(b, len, be);
        w32(b, 0, be); /* interface 0 */
        w32(b, (uint32_t)(ts >> 32), be);
        w32(b, (uint32_t)ts, be);
        w32(b, recs[i].caplen, be);
        w32(b, recs[i].len, be);
        buf_append(b, recs[i].data, recs[i].caplen);
        buf_append(b, zero, pad);
        w32(b, len, be);
    }
}

/* ---- tests ------------------------------------------------------------------------ */

Test(capture, reads_every_packet_of_a_real_capture)
{
    struct ref ref;
    ref_load(&ref);
    cr_assert_eq(ref.n, REAL_PACKETS, "the file itself holds %zu records", ref.n);
    char *path = testdata_path(REAL_CAPTURE);
    struct run run;
    read_capture(path, 4096, &run);
    cr_assert(run.opened, "%s: %s", path, run.err);
    cr_expect_eq(run.end, 0, "end %d: %s", run.end, run.err);
    cr_expect_eq(run.linktype, DLT_EN10MB);
    cr_assert_eq(run.n, REAL_PACKETS);
    expect_packets(&run, ref.v, ref.n, "real capture");
    for (size_t i = 0; i < run.n; i++) {
        cr_expect(run.v[i].time >= T_2026 && run.v[i].time < T_2027, "packet %zu not in 2026",
                  i + 1);
        cr_expect_eq(run.v[i].linktype, DLT_EN10MB);
        cr_expect_eq(run.v[i].caplen, run.v[i].len, "packet %zu cut", i + 1);
        if (i > 0)
            cr_expect_geq(run.v[i].time, run.v[i - 1].time, "packet %zu goes back in time", i + 1);
    }
    cr_expect_lt(run.v[0].time, run.v[run.n - 1].time);
    /* 2026-11-25 14:49:06.278425 UTC, the first SYN (tcpdump -tt) */
    cr_expect_eq(run.v[0].time, INT64_C(1795618146278425));
    run_clear(&run);
    free(path);
    ref_clear(&ref);
}

Test(capture, same_packets_whatever_the_head_size)
{
    struct ref ref;
    ref_load(&ref);
    char *path = testdata_path(REAL_CAPTURE);
    static const size_t heads[] = {0, 1, 4, 23, 24, 25, 40, 4096, HEAD_ALL};
    for (size_t i = 0; i < NELEMS(heads); i++) {
        char what[48];
        snprintf(what, sizeof what, "head %zu", heads[i] == HEAD_ALL ? ref.file.len : heads[i]);
        struct run run;
        read_capture(path, heads[i], &run);
        cr_expect(run.opened, "%s: %s", what, run.err);
        cr_expect_eq(run.end, 0, "%s: end %d: %s", what, run.end, run.err);
        expect_packets(&run, ref.v, ref.n, what);
        run_clear(&run);
    }
    free(path);
    ref_clear(&ref);
}

Test(capture, reads_a_gzipped_capture)
{
    struct ref ref;
    ref_load(&ref);
    struct tmp t;
    tmp_init(&t);
    const char *gz = tmp_write_gz(&t, "capture.pcap.gz", ref.file.data, ref.file.len);
    static const size_t heads[] = {0, 2, 24, 4096, HEAD_ALL};
    for (size_t i = 0; i < NELEMS(heads); i++) {
        char what[48];
        snprintf(what, sizeof what, "gzip, head %zu", heads[i] == HEAD_ALL ? 0 : heads[i]);
        struct run run;
        read_capture(gz, heads[i], &run);
        cr_expect(run.opened, "%s: %s", what, run.err);
        cr_expect_eq(run.end, 0, "%s: end %d: %s", what, run.end, run.err);
        expect_packets(&run, ref.v, ref.n, what);
        run_clear(&run);
    }
    tmp_clear(&t);
    ref_clear(&ref);
}

Test(capture, a_cut_in_the_last_packet_ends_with_a_truncated_error)
{
    struct ref ref;
    ref_load(&ref);
    struct tmp t;
    tmp_init(&t);
    size_t last = ref.offset[ref.n - 1];
    static const struct {
        const char *what;
        size_t past_last; /* bytes kept of the last record (header + data) */
        int end;
        size_t packets_lost;
        const char *reason;
    } rows[] = {
        {"cut in the last packet's data", 16 + 20, -1, 1, "truncated dump file"},
        {"cut in the last record header", 9, -1, 1, "truncated dump file"},
        {"cut after the last record header", 16, -1, 1, "truncated dump file"},
        {"cut at the last record", 0, 0, 1, NULL},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        size_t len = last + rows[i].past_last;
        const char *cut = tmp_write(&t, "cut.pcap", ref.file.data, len);
        struct run run;
        read_capture(cut, 4096, &run);
        cr_expect(run.opened, "%s: %s", rows[i].what, run.err);
        cr_expect_eq(run.end, rows[i].end, "%s: end %d (%s)", rows[i].what, run.end, run.err);
        expect_packets(&run, ref.v, ref.n - rows[i].packets_lost, rows[i].what);
        if (rows[i].reason)
            cr_expect(strstr(run.err, rows[i].reason), "%s: reason \"%s\"", rows[i].what, run.err);
        run_clear(&run);
        /* the same through gzip */
        const char *gz = tmp_write_gz(&t, "cut.pcap.gz", ref.file.data, len);
        read_capture(gz, 24, &run);
        cr_expect_eq(run.end, rows[i].end, "%s, gzip: end %d (%s)", rows[i].what, run.end, run.err);
        expect_packets(&run, ref.v, ref.n - rows[i].packets_lost, rows[i].what);
        run_clear(&run);
        unlink(cut);
        unlink(gz);
        free(t.files[--t.n]);
        free(t.files[--t.n]);
    }
    tmp_clear(&t);
    ref_clear(&ref);
}

Test(capture, a_cut_in_the_file_header_is_refused)
{
    struct ref ref;
    ref_load(&ref);
    struct tmp t;
    tmp_init(&t);
    static const size_t cuts[] = {0, 1, 3, 4, 10, 23};
    for (size_t i = 0; i < NELEMS(cuts); i++) {
        const char *cut = tmp_write(&t, "header.pcap", ref.file.data, cuts[i]);
        static const size_t heads[] = {0, 4096};
        for (size_t k = 0; k < NELEMS(heads); k++) {
            struct run run;
            read_capture(cut, heads[k], &run);
            cr_expect(!run.opened, "%zu bytes, head %zu: opened", cuts[i], heads[k]);
            cr_expect(strstr(run.err, "truncated"), "%zu bytes: reason \"%s\"", cuts[i], run.err);
            run_clear(&run);
        }
        unlink(cut);
        free(t.files[--t.n]);
    }
    /* the header alone is an empty capture */
    const char *hdr = tmp_write(&t, "header.pcap", ref.file.data, 24);
    struct run run;
    read_capture(hdr, 4096, &run);
    cr_expect(run.opened, "%s", run.err);
    cr_expect_eq(run.n, 0);
    cr_expect_eq(run.end, 0);
    run_clear(&run);
    tmp_clear(&t);
    ref_clear(&ref);
}

Test(capture, refuses_what_is_not_a_capture)
{
    struct tmp t;
    tmp_init(&t);
    static const char text[] = "2026-11-25 14:49:24.207982+00:00 [info] not a capture at all\n";
    const char *path = tmp_write(&t, "log.txt", text, sizeof text - 1);
    struct run run;
    read_capture(path, 4096, &run);
    cr_expect(!run.opened);
    cr_expect_str_eq(run.err, "unknown file format");
    run_clear(&run);
    tmp_clear(&t);
}

Test(capture, a_damaged_gzip_stream_reports_the_source_error)
{
    struct ref ref;
    ref_load(&ref);
    struct tmp t;
    tmp_init(&t);
    const char *gz = tmp_write_gz(&t, "whole.pcap.gz", ref.file.data, ref.file.len);
    struct buf z = {0};
    slurp(gz, &z);
    /* a .gz cut in half: the decompressed bytes end early */
    const char *half = tmp_write(&t, "half.pcap.gz", z.data, z.len / 2);
    struct run run;
    read_capture(half, 4096, &run);
    cr_expect(run.opened, "%s", run.err);
    cr_expect_eq(run.end, -1);
    cr_expect(strstr(run.err, "compressed data ends early"), "reason \"%s\"", run.err);
    cr_expect_lt(run.n, ref.n);
    expect_packets(&run, ref.v, run.n, "half a gzip file");
    run_clear(&run);
    /* cut before the pcap header is complete: capture_open gives the source's reason */
    const char *stub = tmp_write(&t, "stub.pcap.gz", z.data, 12);
    static const size_t heads[] = {0, 4096};
    for (size_t k = 0; k < NELEMS(heads); k++) {
        read_capture(stub, heads[k], &run);
        cr_expect(!run.opened, "head %zu: opened", heads[k]);
        cr_expect(strstr(run.err, "compressed data ends early"), "head %zu: reason \"%s\"",
                  heads[k], run.err);
        run_clear(&run);
    }
    buf_clear(&z);
    tmp_clear(&t);
    ref_clear(&ref);
}

Test(capture, reads_standard_input_from_a_pipe)
{
    struct ref ref;
    ref_load(&ref);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        /* dribble the file in odd-sized writes, so reads come back short */
        close(fds[0]);
        for (size_t off = 0; off < ref.file.len; off += 7) {
            size_t n = ref.file.len - off < 7 ? ref.file.len - off : 7;
            if (write(fds[1], ref.file.data + off, n) != (ssize_t)n)
                _exit(1);
            if (off % 2800 == 0)
                usleep(1000);
        }
        _exit(0);
    }
    close(fds[1]);
    cr_assert_neq(dup2(fds[0], STDIN_FILENO), -1);
    close(fds[0]);
    struct run run;
    read_capture("-", 24, &run);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer failed");
    cr_expect(run.opened, "%s", run.err);
    cr_expect_eq(run.end, 0, "%s", run.err);
    expect_packets(&run, ref.v, ref.n, "standard input");
    run_clear(&run);
    ref_clear(&ref);
}

Test(capture, reads_big_endian_and_nanosecond_pcap)
{
    struct ref ref;
    ref_load(&ref);
    struct tmp t;
    tmp_init(&t);
    static const struct {
        uint32_t magic;
        bool be;
    } rows[] = {
        {UINT32_C(0xa1b2c3d4), true},
        {UINT32_C(0xa1b23c4d), false},
        {UINT32_C(0xa1b23c4d), true},
    };
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct buf b = {0};
        write_pcap(&b, ref.v, ref.n, rows[i].magic, rows[i].be);
        const char *path = tmp_write(&t, "flavour.pcap", b.data, b.len);
        char what[64];
        snprintf(what, sizeof what, "magic %#x, %s-endian", (unsigned)rows[i].magic,
                 rows[i].be ? "big" : "little");
        static const size_t heads[] = {0, 24, HEAD_ALL};
        for (size_t k = 0; k < NELEMS(heads); k++) {
            struct run run;
            read_capture(path, heads[k], &run);
            cr_expect(run.opened, "%s: %s", what, run.err);
            cr_expect_eq(run.end, 0, "%s: %s", what, run.err);
            expect_packets(&run, ref.v, ref.n, what);
            run_clear(&run);
        }
        buf_clear(&b);
        unlink(path);
        free(t.files[--t.n]);
    }
    tmp_clear(&t);
    ref_clear(&ref);
}

Test(capture, reads_pcapng)
{
    struct ref ref;
    ref_load(&ref);
    struct tmp t;
    tmp_init(&t);
    static const struct {
        bool be, nano;
    } rows[] = {{false, false}, {true, false}, {false, true}, {true, true}};
    for (size_t i = 0; i < NELEMS(rows); i++) {
        struct buf b = {0};
        write_pcapng(&b, ref.v, ref.n, DLT_EN10MB, rows[i].be, rows[i].nano);
        char what[64];
        snprintf(what, sizeof what, "pcapng, %s-endian, %s", rows[i].be ? "big" : "little",
                 rows[i].nano ? "ns" : "us");
        const char *path = tmp_write(&t, "capture.pcapng", b.data, b.len);
        const char *gz = tmp_write_gz(&t, "capture.pcapng.gz", b.data, b.len);
        static const size_t heads[] = {0, 1, 24, 28, 60, 4096, HEAD_ALL};
        for (size_t k = 0; k < NELEMS(heads); k++) {
            struct run run;
            read_capture(k % 2 ? gz : path, heads[k], &run);
            cr_expect(run.opened, "%s: %s", what, run.err);
            cr_expect_eq(run.end, 0, "%s: %s", what, run.err);
            /* pcapng: no one link type for the file, each packet has its interface's */
            cr_expect_eq(run.linktype, -1, "%s", what);
            expect_packets(&run, ref.v, ref.n, what);
            run_clear(&run);
        }
        buf_clear(&b);
        unlink(path);
        unlink(gz);
        free(t.files[--t.n]);
        free(t.files[--t.n]);
    }
    tmp_clear(&t);
    ref_clear(&ref);
}

Test(capture, reads_a_minimal_hand_made_pcapng)
{
    /* SHB, IDB (raw IPv4), one EPB: a SYN from 10.0.0.1:40000 to 10.0.0.2:5222 */
    static const uint8_t syn[40] = {
        0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10,   0,
        0,    1,    10,   0,    0,    2,    0x9c, 0x40, 0x14, 0x66, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
    };
    struct rec r = {.time = INT64_C(1795618146278425),
                    .linktype = DLT_RAW,
                    .caplen = 40,
                    .len = 40,
                    .number = 1,
                    .data = (uint8_t *)syn};
    struct buf b = {0};
    write_pcapng(&b, &r, 1, 101 /* LINKTYPE_RAW */, false, false);
    cr_assert_eq(b.len, 28 + 20 + 32 + 40);
    struct tmp t;
    tmp_init(&t);
    const char *path = tmp_write(&t, "one.pcapng", b.data, b.len);
    struct run run;
    read_capture(path, 4096, &run);
    cr_expect(run.opened, "%s", run.err);
    cr_expect_eq(run.end, 0, "%s", run.err);
    /* LINKTYPE_RAW (101) becomes libpcap's DLT_RAW, on the packet (the file has none) */
    cr_expect_eq(run.linktype, -1);
    cr_expect_eq(run.n ? run.v[0].linktype : 0, DLT_RAW);
    expect_packets(&run, &r, 1, "minimal pcapng");
    run_clear(&run);
    buf_clear(&b);
    tmp_clear(&t);
}

Test(capture, reads_pcapng_test_data_when_present)
{
    char *pattern = testdata_path("*/capture.pcapng");
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob(pattern, 0, NULL, &g);
    free(pattern);
    if (rc != 0) {
        globfree(&g);
        cr_skip_test("no testdata/*/capture.pcapng");
    }
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct run run;
        read_capture(g.gl_pathv[i], 4096, &run);
        cr_expect(run.opened, "%s: %s", g.gl_pathv[i], run.err);
        cr_expect_eq(run.end, 0, "%s: %s", g.gl_pathv[i], run.err);
        cr_expect_gt(run.n, 0, "%s", g.gl_pathv[i]);
        run_clear(&run);
    }
    globfree(&g);
}

Test(capture, names_link_types)
{
    cr_expect_str_eq(capture_linktype_name(DLT_EN10MB), "EN10MB");
    cr_expect_str_eq(capture_linktype_name(DLT_LINUX_SLL), "LINUX_SLL");
    cr_expect_str_eq(capture_linktype_name(DLT_LINUX_SLL2), "LINUX_SLL2");
    cr_expect_str_eq(capture_linktype_name(DLT_NULL), "NULL");
    cr_expect_str_eq(capture_linktype_name(54321), "DLT 54321");
    cr_expect_str_eq(capture_linktype_name(-7), "DLT -7");
    capture_close(NULL);
}
