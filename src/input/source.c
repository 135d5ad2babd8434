/* source: file or stdin bytes, gunzipped when needed; input type detection. */
#include <config.h>
#include "source.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <zlib.h>

#include "ejlog.h"
#include "xalloc.h"

struct source {
    gzFile gz;
};

struct source *
source_open(const char *path, char *errbuf, size_t errlen)
{
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        return NULL;
    }
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        snprintf(errbuf, errlen, "cannot read: %s", strerror(errno ? errno : ENOMEM));
        close(fd);
        return NULL;
    }
    gzbuffer(gz, 256 * 1024);
    struct source *src = xcalloc(1, sizeof *src);
    src->gz = gz;
    return src;
}

ssize_t
source_read(struct source *src, char *buf, size_t len, char *errbuf, size_t errlen)
{
    if (len > INT32_MAX)
        len = INT32_MAX;
    int n = gzread(src->gz, buf, (unsigned)len);
    if (n < 0) {
        int zerr = 0;
        const char *msg = gzerror(src->gz, &zerr);
        if (zerr == Z_ERRNO)
            msg = strerror(errno);
        snprintf(errbuf, errlen, "%s", msg && *msg ? msg : "read error");
        return -1;
    }
    if (n == 0) {
        int zerr = 0;
        const char *msg = gzerror(src->gz, &zerr);
        if (zerr != Z_OK && zerr != Z_BUF_ERROR) {
            snprintf(errbuf, errlen, "%s", msg && *msg ? msg : "decompression error");
            return -1;
        }
        if (zerr == Z_BUF_ERROR) {
            snprintf(errbuf, errlen, "compressed data ends early (truncated .gz)");
            return -1;
        }
    }
    return n;
}

long long
source_raw_bytes(const struct source *src)
{
    return (long long)gzoffset(src->gz);
}

void
source_close(struct source *src)
{
    if (!src)
        return;
    gzclose(src->gz);
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
    size_t i = 0;
    for (int line = 0; line < 64 && i < n; line++) {
        const char *p = head + i;
        const char *nl = memchr(p, '\n', n - i);
        size_t len = nl ? (size_t)(nl - p) : n - i;
        if (ejlog_is_record_start(p, len))
            return INPUT_EJLOG;
        if (!nl)
            break;
        i += len + 1;
    }
    return INPUT_UNKNOWN;
}
