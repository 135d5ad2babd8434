/*
 * decode: link, IP and TCP headers of one captured packet, read through a
 * bounds-checked cursor (no I/O, no allocation). Every length on the wire is
 * compared with what was captured before it is used.
 */
#ifndef XMPPFLOW_DECODE_H
#define XMPPFLOW_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP flag bits (RFC 9293 §3.1) */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

enum decode_result {
    DECODE_OK,          /* a TCP segment: |out| is filled */
    DECODE_NOT_TCP,     /* a well-formed packet that is not TCP over IPv4/IPv6 (ARP, UDP, …) */
    DECODE_FRAGMENT,    /* an IP fragment (not reassembled) */
    DECODE_TRUNCATED,   /* the capture cut a header short (snaplen) */
    DECODE_MALFORMED,   /* a header contradicts itself (bad lengths, bad version) */
    DECODE_UNSUPPORTED, /* a link type this decoder does not know */
};

struct packet_info {
    int ip_version;          /* 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;           /* TCP_* bits */
    const uint8_t *payload;  /* TCP payload as captured (points into the packet) */
    size_t payload_len;      /* captured payload bytes */
    size_t wire_payload_len; /* payload bytes on the wire (from the IP length); > payload_len when snaplen cut it */
};

/*
 * One IP fragment (RFC 791 §2.3, RFC 8200 §4.5), as decode_fragment() finds
 * it: the key of its datagram, where its data goes, and the bytes that come
 * before its data, from which the whole datagram's header is made.
 */
struct ip_fragment {
    int ip_version;           /* 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
    uint32_t id;              /* identification: 16 bits for IPv4, 32 for IPv6 */
    uint8_t protocol;         /* IPv4 protocol; IPv6: the fragment header's next header */
    size_t offset;            /* of this fragment's data in the datagram's payload, in bytes */
    bool more;                /* more fragments follow (M flag) */
    const uint8_t *header;    /* IPv4: its header; IPv6: all up to the fragment header end */
    size_t header_len;
    size_t frag_header_at; /* IPv6: where the fragment header starts in |header| */
    const uint8_t *data;   /* the fragment's data as captured */
    size_t data_len;
    size_t wire_data_len; /* its data on the wire; > data_len when snaplen cut it */
};

/*
 * Decodes |caplen| captured bytes of a packet of libpcap link type |linktype|
 * (DLT_EN10MB with 802.1Q/QinQ tags, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL,
 * DLT_LOOP, DLT_RAW, DLT_IPV4, DLT_IPV6). Fills |out| on DECODE_OK.
 */
enum decode_result decode_packet(int linktype, const uint8_t *data, size_t caplen,
                                 struct packet_info *out);

/*
 * For a packet decode_packet() called DECODE_FRAGMENT: fills |out| and
 * returns DECODE_FRAGMENT, or DECODE_NOT_TCP for an IPv6 fragment of a
 * datagram that does not carry TCP (UDP, ICMPv6, ESP), or another result
 * when the headers before the fragment's data are cut or malformed.
 */
enum decode_result decode_fragment(int linktype, const uint8_t *data, size_t caplen,
                                   struct ip_fragment *out);

/* True when decode_packet() knows |linktype|. */
bool decode_linktype_supported(int linktype);

/* Formats an address of |ip_version| as the report writes endpoints: "a.b.c.d:port" or "[v6]:port". */
void decode_format_endpoint(int ip_version, const uint8_t *addr, uint16_t port, char *out,
                            size_t outlen);

#endif
