/* decode: link, IPv4/IPv6 and TCP headers through a bounds-checked cursor (RFC 791, 8200, 9293). */
#include <config.h>
#include "decode.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

/* LINKTYPE_RAW in files; libpcap maps it to DLT_RAW, but a caller may pass it through. */
#define LINKTYPE_RAW 101

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100     /* IEEE 802.1Q */
#define ETHERTYPE_QINQ 0x88a8     /* IEEE 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-802.1ad vendor QinQ */

/* More stacked VLAN tags than any real network uses; deeper stacks are not followed. */
#define MAX_VLAN_TAGS 4
/* RFC 8200 §4.1 allows each extension header once (destination options twice). */
#define MAX_IPV6_EXT_HEADERS 8

#define IPPROTO_NUM_HOPOPTS 0
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_ROUTING 43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_ESP 50
#define IPPROTO_NUM_AH 51
#define IPPROTO_NUM_NONE 59
#define IPPROTO_NUM_DSTOPTS 60

/*
 * The unread part of the captured bytes. Every read is preceded by a
 * cur_have() check; p never moves past end.
 */
struct cursor {
    const uint8_t *p, *end;
};

static size_t
cur_left(const struct cursor *c)
{
    return (size_t)(c->end - c->p);
}

static bool
cur_have(const struct cursor *c, size_t n)
{
    return cur_left(c) >= n;
}

static void
cur_skip(struct cursor *c, size_t n)
{
    assert(cur_have(c, n));
    c->p += n;
}

/* Shortens the cursor to |n| bytes (the wire length), keeping it when fewer were captured. */
static void
cur_limit(struct cursor *c, size_t n)
{
    if (cur_have(c, n))
        c->end = c->p + n;
}

static uint8_t
get8(const struct cursor *c, size_t off)
{
    assert(cur_have(c, off + 1));
    return c->p[off];
}

static uint16_t
get16(const struct cursor *c, size_t off)
{
    assert(cur_have(c, off + 2));
    return (uint16_t)(c->p[off] << 8 | c->p[off + 1]);
}

static uint32_t
get32(const struct cursor *c, size_t off)
{
    assert(cur_have(c, off + 4));
    return (uint32_t)c->p[off] << 24 | (uint32_t)c->p[off + 1] << 16 |
           (uint32_t)c->p[off + 2] << 8 | c->p[off + 3];
}

/* What follows the link header. */
enum network {
    NET_IPV4,
    NET_IPV6,
    NET_IP_ANY, /* raw IP: the version nibble decides */
    NET_OTHER,
};

static enum network
network_of_ethertype(uint16_t type)
{
    if (type == ETHERTYPE_IPV4)
        return NET_IPV4;
    if (type == ETHERTYPE_IPV6)
        return NET_IPV6;
    return NET_OTHER;
}

/* ---- link layers ------------------------------------------------------------ */

/* Ethernet II (IEEE 802.3 §3.1.1) with IEEE 802.1Q / 802.1ad tags. */
static enum decode_result
link_ether(struct cursor *c, enum network *net)
{
    if (!cur_have(c, 14))
        return DECODE_TRUNCATED;
    uint16_t type = get16(c, 12);
    cur_skip(c, 14);
    for (int tags = 0;
         type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD; tags++) {
        if (tags == MAX_VLAN_TAGS) {
            *net = NET_OTHER;
            return DECODE_OK;
        }
        /* tag control information (2), then the next type (2) */
        if (!cur_have(c, 4))
            return DECODE_TRUNCATED;
        type = get16(c, 2);
        cur_skip(c, 4);
    }
    /* values below 0x0600 are 802.3 lengths (LLC frames) and fall into NET_OTHER */
    *net = network_of_ethertype(type);
    return DECODE_OK;
}

/* Linux cooked capture v1: 16 bytes, protocol (an ethertype) at offset 14. */
static enum decode_result
link_sll(struct cursor *c, enum network *net)
{
    if (!cur_have(c, 16))
        return DECODE_TRUNCATED;
    *net = network_of_ethertype(get16(c, 14));
    cur_skip(c, 16);
    return DECODE_OK;
}

/* Linux cooked capture v2: 20 bytes, protocol at offset 0. */
static enum decode_result
link_sll2(struct cursor *c, enum network *net)
{
    if (!cur_have(c, 20))
        return DECODE_TRUNCATED;
    *net = network_of_ethertype(get16(c, 0));
    cur_skip(c, 20);
    return DECODE_OK;
}

/*
 * BSD loopback: a 4-byte address family. AF_INET is 2 everywhere; AF_INET6 is
 * 10 (Linux), 24 (OpenBSD, NetBSD), 28 (FreeBSD) or 30 (macOS), whatever the
 * reader's own value is.
 */
static enum network
network_of_family(uint32_t family)
{
    /* a family written in the other byte order (tcpdump's null_if_print does the same) */
    if (family & 0xffff0000u)
        family =
            (family >> 24) | (family >> 8 & 0xff00u) | (family << 8 & 0xff0000u) | (family << 24);
    switch (family) {
    case 2:
        return NET_IPV4;
    case 10:
    case 24:
    case 28:
    case 30:
        return NET_IPV6;
    default:
        return NET_OTHER;
    }
}

/* DLT_NULL: the family in the capturing host's byte order. */
static enum decode_result
link_null(struct cursor *c, enum network *net)
{
    if (!cur_have(c, 4))
        return DECODE_TRUNCATED;
    uint32_t family;
    memcpy(&family, c->p, sizeof family);
    *net = network_of_family(family);
    cur_skip(c, 4);
    return DECODE_OK;
}

/* DLT_LOOP (OpenBSD): the family in network byte order. */
static enum decode_result
link_loop(struct cursor *c, enum network *net)
{
    if (!cur_have(c, 4))
        return DECODE_TRUNCATED;
    *net = network_of_family(get32(c, 0));
    cur_skip(c, 4);
    return DECODE_OK;
}

static enum decode_result
link_raw(struct cursor *c, enum network *net)
{
    (void)c;
    *net = NET_IP_ANY;
    return DECODE_OK;
}

static enum decode_result
link_ipv4(struct cursor *c, enum network *net)
{
    (void)c;
    *net = NET_IPV4;
    return DECODE_OK;
}

static enum decode_result
link_ipv6(struct cursor *c, enum network *net)
{
    (void)c;
    *net = NET_IPV6;
    return DECODE_OK;
}

static const struct link_rule {
    int linktype;
    enum decode_result (*decode)(struct cursor *c, enum network *net);
} link_rules[] = {
    {DLT_EN10MB, link_ether},    /* Ethernet II, 802.1Q and QinQ tags */
    {DLT_LINUX_SLL, link_sll},   /* Linux cooked capture (tcpdump -i any) */
    {DLT_LINUX_SLL2, link_sll2}, /* its second version */
    {DLT_NULL, link_null},       /* BSD and macOS loopback */
    {DLT_LOOP, link_loop},       /* OpenBSD loopback */
    {DLT_RAW, link_raw},         /* tun devices, some VPNs */
    {LINKTYPE_RAW, link_raw},    /* the same, as written in files */
    {DLT_IPV4, link_ipv4},       /* raw IPv4 only */
    {DLT_IPV6, link_ipv6},       /* raw IPv6 only */
};

static const struct link_rule *
find_link_rule(int linktype)
{
    for (size_t i = 0; i < sizeof link_rules / sizeof link_rules[0]; i++)
        if (link_rules[i].linktype == linktype)
            return &link_rules[i];
    return NULL;
}

/* ---- TCP ------------------------------------------------------------------- */

/*
 * |c| holds the captured part of a segment whose length on the wire is
 * |wire_len| (from the IP header); c is already limited to it.
 */
static enum decode_result
read_tcp(struct cursor *c, size_t wire_len, struct packet_info *out)
{
    /* RFC 9293 §3.1: 20 fixed bytes, then options up to the data offset */
    if (wire_len < 20)
        return DECODE_MALFORMED;
    if (!cur_have(c, 20))
        return DECODE_TRUNCATED;
    size_t hlen = (size_t)(get8(c, 12) >> 4) * 4;
    if (hlen < 20 || hlen > wire_len)
        return DECODE_MALFORMED;
    if (!cur_have(c, hlen))
        return DECODE_TRUNCATED;
    out->sport = get16(c, 0);
    out->dport = get16(c, 2);
    out->seq = get32(c, 4);
    out->ack = get32(c, 8);
    out->flags = get8(c, 13);
    cur_skip(c, hlen);
    out->payload = c->p;
    out->payload_len = cur_left(c);
    out->wire_payload_len = wire_len - hlen;
    return DECODE_OK;
}

/* ---- IP -------------------------------------------------------------------- */

/* RFC 791 §3.1; |frag| non-NULL: a fragment is described there */
static enum decode_result
read_ipv4(struct cursor *c, struct packet_info *out, struct ip_fragment *frag)
{
    if (!cur_have(c, 20))
        return DECODE_TRUNCATED;
    if (get8(c, 0) >> 4 != 4)
        return DECODE_MALFORMED;
    size_t hlen = (size_t)(get8(c, 0) & 0x0f) * 4;
    size_t total = get16(c, 2);
    if (hlen < 20 || total < hlen)
        return DECODE_MALFORMED;
    if (get8(c, 9) != IPPROTO_NUM_TCP)
        return DECODE_NOT_TCP;
    /* MF flag or a nonzero fragment offset */
    if (get16(c, 6) & 0x3fff) {
        if (frag) {
            if (!cur_have(c, hlen))
                return DECODE_TRUNCATED;
            frag->ip_version = 4;
            memcpy(frag->src, c->p + 12, 4);
            memcpy(frag->dst, c->p + 16, 4);
            frag->id = get16(c, 4);
            frag->protocol = get8(c, 9);
            frag->offset = (size_t)(get16(c, 6) & 0x1fff) * 8;
            frag->more = get16(c, 6) & 0x2000;
            frag->header = c->p;
            frag->header_len = hlen;
            cur_limit(c, total);
            cur_skip(c, hlen);
            frag->data = c->p;
            frag->data_len = cur_left(c);
            frag->wire_data_len = total - hlen;
        }
        return DECODE_FRAGMENT;
    }
    /* a contradiction the fixed header already shows beats a snaplen cut in the options */
    if (total - hlen < 20)
        return DECODE_MALFORMED;
    if (!cur_have(c, hlen))
        return DECODE_TRUNCATED;
    out->ip_version = 4;
    memcpy(out->src, c->p + 12, 4);
    memcpy(out->dst, c->p + 16, 4);
    /* bytes after the total length (Ethernet padding) are not part of the packet */
    cur_limit(c, total);
    cur_skip(c, hlen);
    return read_tcp(c, total - hlen, out);
}

/* RFC 8200 §3 and §4; |frag| non-NULL: a fragment is described there */
static enum decode_result
read_ipv6(struct cursor *c, struct packet_info *out, struct ip_fragment *frag)
{
    const uint8_t *start = c->p;
    if (!cur_have(c, 40))
        return DECODE_TRUNCATED;
    if (get8(c, 0) >> 4 != 6)
        return DECODE_MALFORMED;
    /* 0 announces a jumbogram (RFC 2675): its length hides in an option we do not read */
    size_t left = get16(c, 4); /* payload bytes on the wire not yet walked */
    if (left == 0)
        return DECODE_MALFORMED;
    uint8_t next = get8(c, 6);
    out->ip_version = 6;
    memcpy(out->src, c->p + 8, 16);
    memcpy(out->dst, c->p + 24, 16);
    cur_skip(c, 40);
    cur_limit(c, left);

    for (int n = 0;; n++) {
        size_t hlen;
        switch (next) {
        case IPPROTO_NUM_TCP:
            return read_tcp(c, left, out);
        case IPPROTO_NUM_HOPOPTS:
        case IPPROTO_NUM_ROUTING:
        case IPPROTO_NUM_DSTOPTS:
        case IPPROTO_NUM_FRAGMENT:
        case IPPROTO_NUM_AH:
            break;
        case IPPROTO_NUM_ESP:  /* encrypted from here on */
        case IPPROTO_NUM_NONE: /* nothing follows */
        default:               /* UDP, ICMPv6, ... */
            return DECODE_NOT_TCP;
        }
        if (n == MAX_IPV6_EXT_HEADERS)
            return DECODE_MALFORMED;
        if (left < 2)
            return DECODE_MALFORMED;
        if (!cur_have(c, 2))
            return DECODE_TRUNCATED;
        if (next == IPPROTO_NUM_FRAGMENT)
            hlen = 8; /* RFC 8200 §4.5 */
        else if (next == IPPROTO_NUM_AH)
            hlen = ((size_t)get8(c, 1) + 2) * 4; /* RFC 4302 §2.2 */
        else
            hlen = ((size_t)get8(c, 1) + 1) * 8; /* RFC 8200 §4.3, §4.4, §4.6 */
        if (hlen > left)
            return DECODE_MALFORMED;
        if (!cur_have(c, hlen))
            return DECODE_TRUNCATED;
        /* an atomic fragment (offset 0, M clear, RFC 6946) is a whole packet */
        if (next == IPPROTO_NUM_FRAGMENT && (get16(c, 2) & 0xfff9) != 0) {
            if (frag) {
                memcpy(frag->src, out->src, 16);
                memcpy(frag->dst, out->dst, 16);
                frag->ip_version = 6;
                frag->protocol = get8(c, 0);
                frag->offset = get16(c, 2) & 0xfff8;
                frag->more = get16(c, 2) & 1;
                frag->id = get32(c, 4);
                frag->header = start;
                frag->frag_header_at = (size_t)(c->p - start);
                frag->header_len = frag->frag_header_at + 8;
                frag->data = c->p + 8;
                frag->data_len = cur_left(c) - 8;
                frag->wire_data_len = left - 8;
            }
            return DECODE_FRAGMENT;
        }
        next = get8(c, 0);
        cur_skip(c, hlen);
        left -= hlen;
    }
}

/* ---- API ------------------------------------------------------------------- */

static enum decode_result
decode(int linktype, const uint8_t *data, size_t caplen, struct packet_info *out,
       struct ip_fragment *frag)
{
    memset(out, 0, sizeof *out);
    const struct link_rule *rule = find_link_rule(linktype);
    if (!rule)
        return DECODE_UNSUPPORTED;
    /* no arithmetic on a NULL pointer, not even + 0 */
    struct cursor c = {data, data ? data + caplen : data};
    enum network net;
    enum decode_result r = rule->decode(&c, &net);
    if (r != DECODE_OK)
        return r;
    if (net == NET_IP_ANY) {
        if (!cur_have(&c, 1))
            return DECODE_TRUNCATED;
        switch (get8(&c, 0) >> 4) {
        case 4:
            net = NET_IPV4;
            break;
        case 6:
            net = NET_IPV6;
            break;
        default:
            return DECODE_MALFORMED;
        }
    }
    switch (net) {
    case NET_IPV4:
        r = read_ipv4(&c, out, frag);
        break;
    case NET_IPV6:
        r = read_ipv6(&c, out, frag);
        break;
    default:
        return DECODE_NOT_TCP;
    }
    if (r != DECODE_OK) {
        memset(out, 0, sizeof *out);
        return r;
    }
    return DECODE_OK;
}

enum decode_result
decode_packet(int linktype, const uint8_t *data, size_t caplen, struct packet_info *out)
{
    return decode(linktype, data, caplen, out, NULL);
}

enum decode_result
decode_fragment(int linktype, const uint8_t *data, size_t caplen, struct ip_fragment *out)
{
    struct packet_info p;
    memset(out, 0, sizeof *out);
    enum decode_result r = decode(linktype, data, caplen, &p, out);
    if (r != DECODE_FRAGMENT)
        return r;
    /* the first header of the fragmentable part: TCP, or extension headers before it */
    if (out->ip_version == 6) {
        switch (out->protocol) {
        case IPPROTO_NUM_TCP:
        case IPPROTO_NUM_HOPOPTS:
        case IPPROTO_NUM_ROUTING:
        case IPPROTO_NUM_DSTOPTS:
        case IPPROTO_NUM_AH:
            break;
        default:
            return DECODE_NOT_TCP;
        }
    }
    return DECODE_FRAGMENT;
}

bool
decode_linktype_supported(int linktype)
{
    return find_link_rule(linktype) != NULL;
}

/* Appends |v| in decimal at |p|; returns the end. */
static char *
put_decimal(char *p, unsigned v)
{
    char tmp[10];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

void
decode_format_endpoint(int ip_version, const uint8_t *addr, uint16_t port, char *out, size_t outlen)
{
    char text[INET6_ADDRSTRLEN + 16];
    char *p = text;
    if (outlen == 0)
        return;
    if (ip_version == 4) {
        /* every connection is named this way: by hand, not inet_ntop() and snprintf() */
        for (int i = 0; i < 4; i++) {
            p = put_decimal(p, addr[i]);
            *p++ = i < 3 ? '.' : ':';
        }
    } else if (ip_version == 6 && inet_ntop(AF_INET6, addr, text + 1, INET6_ADDRSTRLEN)) {
        text[0] = '[';
        p = text + strlen(text);
        *p++ = ']';
        *p++ = ':';
    } else {
        *p++ = '?';
        *p++ = ':';
    }
    p = put_decimal(p, port);
    size_t n = (size_t)(p - text);
    if (n > outlen - 1)
        n = outlen - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}
