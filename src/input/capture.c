/* capture: pcap packets through libpcap, pcapng through pcapng.c; both fed from a source. */
#include <config.h>
#include "capture.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "pcapng.h"
#include "xalloc.h"

/*
 * libpcap reads savefiles only through a FILE*, so fopencookie() (glibc)
 * wraps the source: the cookie's read hands out the saved head first, then
 * decompressed bytes from source_read(). pcap_close() fcloses that FILE*.
 */
#define STDIO_BUFFER ((size_t)256 * 1024)

struct capture {
    struct pcapng *ng;  /* a pcapng file: read by pcapng.c, none of the rest is used */
    struct source *src; /* borrowed */
    char *stdio_buffer; /* the cookie FILE's buffer */
    char *head;         /* bytes read before capture_open; handed to libpcap first */
    size_t head_len, head_pos;
    pcap_t *pcap;       /* owns the cookie FILE* once open */
    bool file_closed;   /* the cookie's close ran (pcap_close or fclose) */
    bool source_failed; /* source_read() failed; source_error says why */
    char source_error[256];
    int status; /* 1 while packets may follow, then the final 0 or -1 */
    char final_error[PCAP_ERRBUF_SIZE];
    long number; /* of the last packet delivered */
};

static ssize_t
cookie_read(void *cookie, char *buf, size_t size)
{
    struct capture *c = cookie;
    if (c->head_pos < c->head_len) {
        size_t n = c->head_len - c->head_pos;
        if (n > size)
            n = size;
        memcpy(buf, c->head + c->head_pos, n);
        c->head_pos += n;
        return (ssize_t)n;
    }
    if (c->source_failed) {
        errno = EIO;
        return -1;
    }
    ssize_t n = source_read(c->src, buf, size, c->source_error, sizeof c->source_error);
    if (n < 0) {
        /* libpcap then reports "error reading dump file: ..."; ours is more precise */
        c->source_failed = true;
        errno = EIO;
        return -1;
    }
    return n;
}

static int
cookie_close(void *cookie)
{
    struct capture *c = cookie;
    c->file_closed = true;
    return 0;
}

/* The reason to report: the source's own message when it was the source that failed. */
static const char *
failure_reason(const struct capture *c, const char *pcap_msg)
{
    if (c->source_failed)
        return c->source_error;
    if (pcap_msg && pcap_msg[0])
        return pcap_msg;
    return "unreadable capture file";
}

static struct capture *open_pcap(struct source *src, const char *head, size_t head_len,
                                 char *errbuf, size_t errlen);

#define PCAPNG_MAGIC "\x0a\x0d\x0d\x0a"

/* pcapng: the block reader, which takes every interface (libpcap refuses mixed link types). */
static struct capture *
open_pcapng(struct source *src, const char *head, size_t head_len, char *errbuf, size_t errlen)
{
    struct pcapng *ng = pcapng_open(src, head, head_len, errbuf, errlen);
    if (!ng)
        return NULL;
    struct capture *c = xcalloc(1, sizeof *c);
    c->ng = ng;
    return c;
}

struct capture *
capture_open(struct source *src, const char *head, size_t head_len, char *errbuf, size_t errlen)
{
    if (head_len < 4) {
        /* too few bytes to tell pcap from pcapng: read on to four */
        char first[4];
        if (head_len)
            memcpy(first, head, head_len);
        size_t n = head_len;
        char err[256] = "";
        while (n < 4) {
            ssize_t got = source_read(src, first + n, 4 - n, err, sizeof err);
            if (got <= 0)
                break;
            n += (size_t)got;
        }
        if (n == 4 && memcmp(first, PCAPNG_MAGIC, 4) == 0)
            return open_pcapng(src, first, n, errbuf, errlen);
        if (n < 4 && err[0]) {
            snprintf(errbuf, errlen, "%s", err);
            return NULL;
        }
        return open_pcap(src, first, n, errbuf, errlen);
    }
    if (memcmp(head, PCAPNG_MAGIC, 4) == 0)
        return open_pcapng(src, head, head_len, errbuf, errlen);
    return open_pcap(src, head, head_len, errbuf, errlen);
}

/* Classic pcap through libpcap, reading the source through a stdio cookie. */
static struct capture *
open_pcap(struct source *src, const char *head, size_t head_len, char *errbuf, size_t errlen)
{
    struct capture *c = xcalloc(1, sizeof *c);
    c->src = src;
    if (head_len > 0) {
        c->head = xmalloc(head_len);
        memcpy(c->head, head, head_len);
        c->head_len = head_len;
    }
    cookie_io_functions_t io = {
        .read = cookie_read,
        .write = NULL,
        .seek = NULL,
        .close = cookie_close,
    };
    /* a plain file straight to stdio: libpcap's freads then copy out of the FILE's buffer */
    int fd = source_reopen_plain(src);
    FILE *fp = fd >= 0 ? fdopen(fd, "r") : fopencookie(c, "r", io);
    if (fd >= 0 && !fp)
        close(fd);
    if (fd >= 0 && fp)
        c->head_pos = c->head_len; /* the file is read from its first byte */
    if (!fp) {
        snprintf(errbuf, errlen, "cannot open a stream: %s", strerror(errno));
        free(c->head);
        free(c);
        return NULL;
    }
    /*
     * libpcap freads a record at a time: a large buffer means few reads below
     * it (given, since glibc ignores the size without one; freed after the
     * FILE is closed).
     */
    c->stdio_buffer = xmalloc(STDIO_BUFFER);
    setvbuf(fp, c->stdio_buffer, _IOFBF, STDIO_BUFFER);
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, pcap_err);
    if (!c->pcap) {
        snprintf(errbuf, errlen, "%s", failure_reason(c, pcap_err));
        /* on failure libpcap leaves the FILE* to its caller */
        if (!c->file_closed)
            fclose(fp);
        free(c->stdio_buffer);
        free(c->head);
        free(c);
        return NULL;
    }
    c->status = 1;
    return c;
}

void
capture_close(struct capture *c)
{
    if (!c)
        return;
    pcapng_close(c->ng);
    if (c->pcap)
        pcap_close(c->pcap); /* closes the FILE: its buffer is free to go */
    free(c->stdio_buffer);
    free(c->head);
    free(c);
}

int
capture_next(struct capture *c, struct capture_packet *out, char *errbuf, size_t errlen)
{
    if (c->ng)
        return pcapng_next(c->ng, out, errbuf, errlen);
    if (c->status == 1) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(c->pcap, &h, &data);
        if (r == 1) {
            out->time = (usec_t)h->ts.tv_sec * 1000000 + (usec_t)h->ts.tv_usec;
            out->linktype = pcap_datalink(c->pcap);
            out->data = data;
            out->caplen = h->caplen;
            out->len = h->len;
            out->number = ++c->number;
            return 1;
        }
        if (r == PCAP_ERROR_BREAK && !c->source_failed) {
            c->status = 0;
        } else {
            /* PCAP_ERROR; 0 (a live timeout) cannot happen offline */
            const char *why = r == PCAP_ERROR ? pcap_geterr(c->pcap) : "unexpected end of capture";
            snprintf(c->final_error, sizeof c->final_error, "%s", failure_reason(c, why));
            c->status = -1;
        }
    }
    if (c->status < 0)
        snprintf(errbuf, errlen, "%s", c->final_error);
    return c->status;
}

int
capture_linktype(const struct capture *c)
{
    return c->ng ? -1 : pcap_datalink(c->pcap);
}

long
capture_packets_seen(const struct capture *c)
{
    return c->ng ? pcapng_packets(c->ng) : c->number;
}

void
capture_problems(const struct capture *c,
                 void (*fn)(void *arg, const char *message, long packet, long long offset),
                 void *arg)
{
    if (c->ng)
        pcapng_problems(c->ng, fn, arg);
}

const char *
capture_linktype_name(int linktype)
{
    static char unknown[32];
    const char *name = pcap_datalink_val_to_name(linktype);
    if (name)
        return name;
    snprintf(unknown, sizeof unknown, "DLT %d", linktype);
    return unknown;
}
