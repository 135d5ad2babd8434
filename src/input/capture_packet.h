/* capture_packet: one packet as the capture readers (libpcap's and pcapng.c) hand it on. */
#ifndef XMPPFLOW_CAPTURE_PACKET_H
#define XMPPFLOW_CAPTURE_PACKET_H

#include <stdint.h>

#include "timestamp.h"

struct capture_packet {
    usec_t time;         /* UTC */
    int linktype;        /* libpcap DLT_* of the packet's interface */
    const uint8_t *data; /* captured bytes; valid until the next capture_next() */
    uint32_t caplen;     /* captured length */
    uint32_t len;        /* length on the wire */
    long number;         /* 1-based packet number in the file */
};

#endif
