/* source: file or stdin bytes, gunzipped when they start with the gzip magic; input type detection. */
#include <config.h>
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ejlog.h"
#include "interrupt.h"
#include "xalloc.h"

#define RAW_CHUNK (128 * 1024)

/*
 * read(2) rather than stdio or gzread: a read returns what a pipe holds, so a
 * jsonl pipeline sees sessions while the producer is still writing.
 */
struct source {
    int fd;
    bool gzip;         /* decided on the first bytes */
    bool decided;
    bool raw_eof;
    bool stream_end;   /* the current gzip member ended */
    bool failed;
    z_stream z;
    unsigned char *raw; /* undecoded input */
    size_t raw_len, raw_pos;
    long long raw_total;
    char error[160];
    bool live;                /* not a regular file: a read may wait */
    bool handed_off;          /* read by another reader through source_reopen_plain */
    void (*on_wait)(void *);
    void *on_wait_arg;
};

struct source *
source_open(const char *path, char *errbuf, size_t errlen)
{
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        return NULL;
    }
    struct source *src = xcalloc(1, sizeof *src);
    src->fd = fd;
    struct stat st;
    src->live = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
    src->raw = xmalloc(RAW_CHUNK);
    return src;
}

/*
 * Before a read that may wait (a pipe, a terminal): what is held goes out,
 * then the wait is in poll() with a timeout, so a stop asked for by a signal
 * just before the read is seen within a quarter of a second (interrupt.h).
 * False when the run is asked to stop: the input ends here.
 */
static bool
wait_readable(struct source *src)
{
    if (interrupt_requested())
        return false;
    if (!src->live)
        return true;
    if (src->on_wait)
        src->on_wait(src->on_wait_arg);
    for (;;) {
        struct pollfd p = {.fd = src->fd, .events = POLLIN};
        int r = poll(&p, 1, 250);
        if (interrupt_requested())
            return false;
        if (r != 0 && !(r < 0 && errno == EINTR))
            return true; /* readable, at its end, or an error the read will report */
    }
}

/* Refills the raw buffer; false at the end of the file or on an error (src->error set). */
static bool
fill_raw(struct source *src)
{
    if (src->raw_eof)
        return false;
    for (;;) {
        if (!wait_readable(src))
            return false; /* stopped (interrupt.h): as at the end */
        ssize_t n = read(src->fd, src->raw, RAW_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(src->error, sizeof src->error, "read error: %s", strerror(errno));
            src->failed = true;
            return false;
        }
        src->raw_len = (size_t)n;
        src->raw_pos = 0;
        src->raw_total += n;
        if (n == 0)
            src->raw_eof = true;
        return n > 0;
    }
}

static ssize_t
read_gzip(struct source *src, char *buf, size_t len)
{
    src->z.next_out = (unsigned char *)buf;
    src->z.avail_out = (uInt)len;
    while (src->z.avail_out == len) {
        if (src->raw_pos == src->raw_len && !fill_raw(src)) {
            if (src->failed)
                return -1;
            if (interrupt_requested() && !src->raw_eof)
                return 0; /* stopped (interrupt.h), not cut short */
            if (!src->stream_end) {
                snprintf(src->error, sizeof src->error,
                         "compressed data ends early (truncated .gz) after %lld bytes",
                         src->raw_total);
                src->failed = true;
                return len - src->z.avail_out ? (ssize_t)(len - src->z.avail_out) : -1;
            }
            return 0;
        }
        if (src->stream_end) {
            /* another gzip member follows (concatenated .gz files are one stream) */
            inflateReset(&src->z);
            src->stream_end = false;
        }
        src->z.next_in = src->raw + src->raw_pos;
        src->z.avail_in = (uInt)(src->raw_len - src->raw_pos);
        int rc = inflate(&src->z, Z_NO_FLUSH);
        src->raw_pos = src->raw_len - src->z.avail_in;
        if (rc == Z_STREAM_END) {
            src->stream_end = true;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(src->error, sizeof src->error,
                     "compressed data is damaged (%s) near byte %lld",
                     src->z.msg ? src->z.msg : "inflate error",
                     src->raw_total - (long long)(src->raw_len - src->raw_pos));
            src->failed = true;
            break;
        }
    }
    size_t got = len - src->z.avail_out;
    return got ? (ssize_t)got : -1;
}

void
source_on_wait(struct source *src, void (*fn)(void *), void *arg)
{
    src->on_wait = fn;
    src->on_wait_arg = arg;
}

ssize_t
source_read(struct source *src, char *buf, size_t len, char *errbuf, size_t errlen)
{
    if (len > UINT32_MAX / 2)
        len = UINT32_MAX / 2;
    if (src->failed) {
        snprintf(errbuf, errlen, "%s", src->error);
        return -1;
    }
    if (!src->decided) {
        if (!fill_raw(src)) {
            if (src->failed) {
                snprintf(errbuf, errlen, "%s", src->error);
                return -1;
            }
            return 0;
        }
        /* a first read shorter than the magic is rare enough to treat as plain */
        src->gzip = src->raw_len >= 2 && src->raw[0] == 0x1f && src->raw[1] == 0x8b;
        src->decided = true;
        if (src->gzip && inflateInit2(&src->z, 15 + 16) != Z_OK) {
            snprintf(errbuf, errlen, "cannot start gzip decompression");
            src->failed = true;
            return -1;
        }
    }
    if (src->gzip) {
        ssize_t n = read_gzip(src, buf, len);
        if (n < 0)
            snprintf(errbuf, errlen, "%s", src->error);
        return n;
    }
    if (src->raw_pos == src->raw_len && len >= RAW_CHUNK / 2 && !src->raw_eof) {
        /* a large read with nothing buffered: straight into the caller's buffer, no copy */
        for (;;) {
            if (!wait_readable(src))
                return 0;
            ssize_t n = read(src->fd, buf, len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                snprintf(src->error, sizeof src->error, "read error: %s", strerror(errno));
                src->failed = true;
                snprintf(errbuf, errlen, "%s", src->error);
                return -1;
            }
            src->raw_total += n;
            if (n == 0)
                src->raw_eof = true;
            return n;
        }
    }
    if (src->raw_pos == src->raw_len && !fill_raw(src)) {
        if (src->failed) {
            snprintf(errbuf, errlen, "%s", src->error);
            return -1;
        }
        return 0;
    }
    size_t n = src->raw_len - src->raw_pos;
    if (n > len)
        n = len;
    memcpy(buf, src->raw + src->raw_pos, n);
    src->raw_pos += n;
    return (ssize_t)n;
}

long long
source_raw_bytes(const struct source *src)
{
    if (src->handed_off) {
        /* the reader's descriptor shares this one's offset (dup) */
        off_t at = lseek(src->fd, 0, SEEK_CUR);
        return at < 0 ? src->raw_total : (long long)at;
    }
    return src->raw_total;
}

int
source_reopen_plain(struct source *src)
{
    if (src->live || src->gzip || !src->decided || src->failed)
        return -1;
    if (lseek(src->fd, 0, SEEK_SET) != 0)
        return -1;
    int fd = dup(src->fd);
    if (fd >= 0)
        src->handed_off = true;
    return fd;
}

bool
source_is_live(const struct source *src)
{
    return src->live;
}

void
source_close(struct source *src)
{
    if (!src)
        return;
    if (src->gzip)
        inflateEnd(&src->z);
    close(src->fd);
    free(src->raw);
    free(src);
}

enum input_type
source_detect(const char *head, size_t n)
{
    const unsigned char *u = (const unsigned char *)head;
    if (n >= 4) {
        uint32_t magic = (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
        switch (magic) {
        case 0xa1b2c3d4: case 0xd4c3b2a1: /* microsecond pcap */
        case 0xa1b23c4d: case 0x4d3cb2a1: /* nanosecond pcap */
            return INPUT_PCAP;
        case 0x0a0d0d0a: /* pcapng section header block */
            return INPUT_PCAPNG;
        default:
            break;
        }
    }
    /* a log: one of the first lines starts a record (a rotated file may begin mid-record) */
    return ejlog_head_is_log(head, n) ? INPUT_EJLOG : INPUT_UNKNOWN;
}

/* True when |head| looks like text: no control bytes other than whitespace and ESC. */
static bool
looks_like_text(const unsigned char *u, size_t n)
{
    for (size_t i = 0; i < n && i < 4096; i++)
        if (u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' && u[i] != '\r' && u[i] != '\f' &&
            u[i] != 0x1b)
            return false;
    return true;
}

void
source_describe(const char *head, size_t n, char *out, size_t outlen)
{
    const unsigned char *u = (const unsigned char *)head;
    switch (source_detect(head, n)) {
    case INPUT_PCAP:
        snprintf(out, outlen, "a pcap capture (magic number %02x%02x%02x%02x)", u[0], u[1], u[2],
                 u[3]);
        return;
    case INPUT_PCAPNG:
        snprintf(out, outlen, "a pcapng capture (section header block)");
        return;
    case INPUT_EJLOG:
        snprintf(out, outlen, "an ejabberd log (a line starts like a log record)");
        return;
    case INPUT_UNKNOWN:
        break;
    }
    if (n == 0) {
        snprintf(out, outlen, "no bytes at all");
    } else if (looks_like_text(u, n)) {
        /* the content itself is not shown, only its shape: it may be anything, a password file included */
        size_t lines = 0;
        for (size_t i = 0; i < n && lines < 64; lines++) {
            size_t len;
            i += ejlog_next_line(head + i, n - i, &len);
        }
        char where[256];
        ejlog_head_unplaced(head, n, where, sizeof where);
        snprintf(out, outlen,
                 "text, but none of its first %zu line%s is a record of any known ejabberd log "
                 "era (E0-E8)%s%s",
                 lines, lines == 1 ? "" : "s", *where ? "; not placed: " : "", where);
    } else {
        char hex[3 * 8 + 1] = "";
        size_t k = n < 8 ? n : 8;
        for (size_t i = 0; i < k; i++)
            snprintf(hex + (i ? 3 * i - 1 : 0), sizeof hex - (i ? 3 * i - 1 : 0),
                     i ? " %02x" : "%02x", u[i]);
        snprintf(out, outlen, "binary data (first bytes %s)", hex);
    }
}
