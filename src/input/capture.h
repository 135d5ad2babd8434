/*
 * capture: packets out of a pcap file (through libpcap's offline API) or a
 * pcapng file (through pcapng.c, which reads every interface whatever its
 * link type). The bytes come from a source (so .gz and standard input work);
 * the first bytes, already read to detect the input type, are handed back
 * first.
 */
#ifndef XMPPFLOW_CAPTURE_H
#define XMPPFLOW_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "capture_packet.h"
#include "source.h"

/*
 * Opens a capture whose first |head_len| bytes are |head| (copied) and whose
 * remaining bytes come from |src| (borrowed until capture_close). Returns NULL
 * with a one-line reason in |errbuf| when the file cannot be read as a
 * capture (libpcap's message for pcap).
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

/*
 * The link type of a pcap file; -1 for pcapng, where each packet has the one
 * of its interface (capture_packet.linktype).
 */
int capture_linktype(const struct capture *c);
/* Packet records seen so far, delivered or skipped: the number of the last one. */
long capture_packets_seen(const struct capture *c);
/*
 * Calls |fn| once per kind of packet the reader skipped or changed, with a
 * message giving the count, the first packet concerned (0: none) and a file
 * offset (-1: none). Nothing for pcap files.
 */
void capture_problems(const struct capture *c,
                      void (*fn)(void *arg, const char *message, long packet, long long offset),
                      void *arg);
/* libpcap's name for |linktype| ("EN10MB"), or "DLT <n>". Static storage for unknown ones. */
const char *capture_linktype_name(int linktype);

#endif
