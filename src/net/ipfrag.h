/*
 * ipfrag: IPv4 and IPv6 fragments put back together (RFC 791 §3.2, RFC 8200
 * §4.5), so that a TCP segment sent in fragments is read like any other.
 * Bounded: at most IPFRAG_MAX_DATAGRAMS datagrams of at most 64 KiB in
 * reassembly at once (the oldest is dropped for a new one), each dropped
 * IPFRAG_TIMEOUT_USEC of capture time after its first fragment. Overlapping
 * fragments are accepted only when they carry the same bytes: a datagram
 * whose fragments disagree is dropped, never guessed (RFC 5722). Whatever is
 * dropped is counted by reason. No I/O.
 */
#ifndef XMPPFLOW_IPFRAG_H
#define XMPPFLOW_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "timestamp.h"

#define IPFRAG_MAX_DATAGRAMS 64
#define IPFRAG_TIMEOUT_USEC (30LL * 1000000)

struct ipfrag *ipfrag_new(void);
/* NULL is fine. */
void ipfrag_free(struct ipfrag *f);

/*
 * Adds fragment |fr| of packet |packet| seen at |now|. When it completes its
 * datagram, returns true with the whole IP packet in |*out| (|*out_len|
 * bytes, valid until the next call): the first fragment's header with the
 * lengths set and the fragment fields cleared, so decode_packet() reads it
 * as raw IP.
 */
bool ipfrag_add(struct ipfrag *f, const struct ip_fragment *fr, usec_t now, long packet,
                const uint8_t **out, size_t *out_len);

/* Drops (and counts) every datagram still incomplete: the capture ended. */
void ipfrag_finish(struct ipfrag *f);

/* Datagrams put back together so far. */
long ipfrag_reassembled(const struct ipfrag *f);

/*
 * Calls |fn| once per reason datagrams were dropped, with a message giving
 * the count and the packet of the first fragment of the first one.
 */
void ipfrag_problems(const struct ipfrag *f,
                     void (*fn)(void *arg, const char *message, long packet), void *arg);

#endif
