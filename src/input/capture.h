/*
 * capture: packets out of a pcap or pcapng file through libpcap's offline
 * API. The bytes come from a source (so .gz and standard input work); the
 * first bytes, already read to detect the input type, are handed back first.
 */
#ifndef XMPPFLOW_CAPTURE_H
#define XMPPFLOW_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "source.h"

struct capture_packet {
    usec_t time;         /* UTC */
    int linktype;        /* libpcap DLT_* of the packet's interface */
    const uint8_t *data; /* captured bytes; valid until the next capture_next() */
    uint32_t caplen;     /* captured length */
    uint32_t len;        /* length on the wire */
    long number;         /* 1-based packet number in the file */
};

/*
 * Opens a capture whose first |head_len| bytes are |head| (copied) and whose
 * remaining bytes come from |src| (borrowed until capture_close). Returns NULL
 * with a one-line reason in |errbuf| (libpcap's message) when libpcap refuses
 * the file.
 */
struct capture *capture_open(struct source *src, const char *head, size_t head_len,
                             char *errbuf, size_t errlen);
void capture_close(struct capture *c);

/*
 * Reads the next packet into |out|. Returns 1, 0 at the end of the file, or
 * -1 when the file is damaged or cut (the reason, e.g. libpcap's "truncated
 * dump file", in |errbuf|; the packets before it were delivered).
 */
int capture_next(struct capture *c, struct capture_packet *out, char *errbuf, size_t errlen);

/* The link type of the capture (of its first interface for pcapng). */
int capture_linktype(const struct capture *c);
/* libpcap's name for |linktype| ("EN10MB"), or "DLT <n>". Static storage for unknown ones. */
const char *capture_linktype_name(int linktype);

#endif
