/*
 * pcapng: packets out of a pcapng file (draft-ietf-opsawg-pcapng), read
 * block by block with every length checked against the block that holds it.
 * Unlike libpcap's reader it takes every interface whatever its link type
 * (each packet carries its own), several sections in either byte order, the
 * if_tsresol and if_tsoffset of each interface, Enhanced, Simple and the
 * obsolete Packet Blocks, and skips the blocks it does not need. A packet it
 * cannot deliver (no interface description before it, a captured length past
 * its block) is skipped and counted by reason; damage to the block structure
 * itself (a bad length, the file cut inside a block) ends the reading.
 */
#ifndef XMPPFLOW_PCAPNG_H
#define XMPPFLOW_PCAPNG_H

#include <stddef.h>

#include "capture_packet.h"
#include "source.h"

/*
 * Opens a pcapng whose first |head_len| bytes are |head| (copied) and whose
 * remaining bytes come from |src| (borrowed until pcapng_close). Returns NULL
 * with a one-line reason in |errbuf| when the file does not begin with a
 * section header block this reader can use.
 */
struct pcapng *pcapng_open(struct source *src, const char *head, size_t head_len, char *errbuf,
                           size_t errlen);
/* NULL is fine. */
void pcapng_close(struct pcapng *r);

/*
 * Reads the next packet into |out| (its data valid until the next call).
 * Returns 1, 0 at the end of the file, or -1 when the file is damaged or cut
 * (the reason in |errbuf|, repeated by every later call).
 */
int pcapng_next(struct pcapng *r, struct capture_packet *out, char *errbuf, size_t errlen);

/* Packet blocks seen so far, delivered or skipped (the number of the last one). */
long pcapng_packets(const struct pcapng *r);

/*
 * Calls |fn| once per kind of trouble met so far, with a message that gives
 * its count ("12 packets skipped: ..."), the number of the first packet it
 * concerns (0 when none) and the file offset of the block (-1 when none).
 */
void pcapng_problems(const struct pcapng *r,
                     void (*fn)(void *arg, const char *message, long packet, long long offset),
                     void *arg);

#endif
