#!/usr/bin/env python3
"""make-derived.py -- derive edge-case captures from the real test captures.

Usage:  python3 testdata/make-derived.py        (no root, no ejabberd needed)

Reads real classic pcap files written by make-testdata.sh (tcpdump -i lo:
Ethernet + IPv4/IPv6 + TCP) and writes testdata/derived/*.pcap plus
testdata/derived/README.  Python 3 standard library only; fully
deterministic (no randomness, no clock): running it twice gives the same
bytes.

What is changed in a packet and what is not:
  * splitting a TCP segment: each piece gets the original headers with the
    IPv4 total length / IPv6 payload length, the TCP sequence number and the
    flags adjusted (PSH and FIN only on the last piece, SYN only on the
    first); the piece's record keeps the original time stamp, and its caplen
    and origlen are the new frame length;
  * the IPv4 header checksum is recomputed for every packet whose IPv4 header
    changed;
  * TCP checksums are left as they were: tcpdump on lo records the partial
    checksum of the kernel's checksum offload, so the originals do not verify
    either (the analyser does not check them);
  * everything else (MAC addresses, IP id, TCP options, acks, windows) is
    copied unchanged.
"""
import os
import struct
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'derived')
XMPP_PORT = 5222

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_USER0 = 147

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
ETH_8021Q = 0x8100
ETH_8021AD = 0x88A8
IPPROTO_TCP = 6

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


# ---------------------------------------------------------------- pcap file

class PcapFile:
    """A classic pcap file: global header fields and a list of records.

    Each record is [ts_sec, ts_frac, caplen, origlen, data]; ts_frac is in
    microseconds (or nanoseconds for the nanosecond magic).  The byte order
    and magic of the input are kept when writing.
    """

    def __init__(self, endian, magic, vmaj, vmin, thiszone, sigfigs, snaplen,
                 linktype, records):
        self.endian, self.magic = endian, magic
        self.vmaj, self.vmin = vmaj, vmin
        self.thiszone, self.sigfigs = thiszone, sigfigs
        self.snaplen, self.linktype = snaplen, linktype
        self.records = records

    @classmethod
    def read(cls, path):
        with open(path, 'rb') as f:
            buf = f.read()
        if len(buf) < 24:
            raise ValueError('%s: too short for a pcap global header' % path)
        for endian in '<>':
            magic, = struct.unpack(endian + 'I', buf[:4])
            if magic in (0xA1B2C3D4, 0xA1B23C4D):
                break
        else:
            raise ValueError('%s: not a classic pcap file (magic %s)' % (path, buf[:4].hex()))
        _, vmaj, vmin, thiszone, sigfigs, snaplen, linktype = struct.unpack(
            endian + 'IHHiIII', buf[:24])
        records, off = [], 24
        while off < len(buf):
            if off + 16 > len(buf):
                raise ValueError('%s: truncated record header at offset %d' % (path, off))
            ts_sec, ts_frac, caplen, origlen = struct.unpack(endian + 'IIII', buf[off:off + 16])
            off += 16
            if off + caplen > len(buf):
                raise ValueError('%s: truncated record data at offset %d' % (path, off))
            records.append([ts_sec, ts_frac, caplen, origlen, buf[off:off + caplen]])
            off += caplen
        return cls(endian, magic, vmaj, vmin, thiszone, sigfigs, snaplen, linktype, records)

    def copy(self, records=None, linktype=None, snaplen=None):
        return PcapFile(self.endian, self.magic, self.vmaj, self.vmin, self.thiszone,
                        self.sigfigs, self.snaplen if snaplen is None else snaplen,
                        self.linktype if linktype is None else linktype,
                        [list(r) for r in (self.records if records is None else records)])

    def header_bytes(self):
        return struct.pack(self.endian + 'IHHiIII', self.magic, self.vmaj, self.vmin,
                           self.thiszone, self.sigfigs, self.snaplen, self.linktype)

    def record_bytes(self, rec):
        ts_sec, ts_frac, caplen, origlen, data = rec
        return struct.pack(self.endian + 'IIII', ts_sec, ts_frac, caplen, origlen) + data

    def to_bytes(self):
        return self.header_bytes() + b''.join(self.record_bytes(r) for r in self.records)


def frame_record(ts_sec, ts_frac, data):
    """A record holding the whole frame DATA."""
    return [ts_sec, ts_frac, len(data), len(data), data]


# ---------------------------------------------------------------- packets

def ipv4_checksum(hdr):
    if len(hdr) % 2:
        hdr += b'\0'
    s = sum(struct.unpack('!%dH' % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Packet:
    """An Ethernet (with optional VLAN tags) + IPv4/IPv6 + TCP frame, split
    into its headers and the TCP payload, for the link type of the file."""

    def __init__(self, rec, linktype):
        self.ts_sec, self.ts_frac = rec[0], rec[1]
        data = rec[4]
        if rec[2] != rec[3]:
            raise ValueError('packet cut by the snap length; cannot rebuild it')
        if linktype != LINKTYPE_ETHERNET:
            raise ValueError('only Ethernet input is supported (link type %d)' % linktype)
        off = 12
        ethertype, = struct.unpack('!H', data[off:off + 2])
        while ethertype in (ETH_8021Q, ETH_8021AD):
            off += 4
            ethertype, = struct.unpack('!H', data[off:off + 2])
        off += 2
        self.link = data[:off]
        if ethertype == ETH_IPV4:
            ihl = (data[off] & 0x0F) * 4
            self.ipver = 4
            self.ip = bytearray(data[off:off + ihl])
            proto = self.ip[9]
            total, = struct.unpack('!H', self.ip[2:4])
            ip_end = off + total
            off += ihl
        elif ethertype == ETH_IPV6:
            self.ipver = 6
            self.ip = bytearray(data[off:off + 40])
            proto = self.ip[6]
            plen, = struct.unpack('!H', self.ip[4:6])
            off += 40
            ip_end = off + plen
        else:
            raise ValueError('ethertype 0x%04x is not IPv4 or IPv6' % ethertype)
        if proto != IPPROTO_TCP:
            raise ValueError('IP protocol %d is not TCP (no extension headers expected)' % proto)
        doff = (data[off + 12] >> 4) * 4
        self.tcp = bytearray(data[off:off + doff])
        self.payload = bytes(data[off + doff:ip_end])
        self.trailer = bytes(data[ip_end:])     # Ethernet padding, if any

    # -- fields
    @property
    def sport(self):
        return struct.unpack('!H', self.tcp[0:2])[0]

    @property
    def dport(self):
        return struct.unpack('!H', self.tcp[2:4])[0]

    @property
    def seq(self):
        return struct.unpack('!I', self.tcp[4:8])[0]

    @property
    def ack(self):
        return struct.unpack('!I', self.tcp[8:12])[0]

    @property
    def flags(self):
        return self.tcp[13]

    def from_client(self):
        return self.dport == XMPP_PORT

    def from_server(self):
        return self.sport == XMPP_PORT

    # -- building
    def build(self, payload=None, seq=None, flags=None):
        """The frame bytes with PAYLOAD, SEQ and FLAGS replaced (None: keep)."""
        payload = self.payload if payload is None else payload
        tcp = bytearray(self.tcp)
        if seq is not None:
            tcp[4:8] = struct.pack('!I', seq & 0xFFFFFFFF)
        if flags is not None:
            tcp[13] = flags
        ip = bytearray(self.ip)
        if self.ipver == 4:
            ip[2:4] = struct.pack('!H', len(ip) + len(tcp) + len(payload))
            ip[10:12] = b'\0\0'
            ip[10:12] = struct.pack('!H', ipv4_checksum(bytes(ip)))
        else:
            ip[4:6] = struct.pack('!H', len(tcp) + len(payload))
        return bytes(self.link) + bytes(ip) + bytes(tcp) + payload + self.trailer

    def record(self, **kw):
        return frame_record(self.ts_sec, self.ts_frac, self.build(**kw))

    def pieces(self, sizes):
        """Records for this segment's payload cut into pieces of SIZES (an
        iterator of lengths, the last piece takes what is left)."""
        recs, pos, n = [], 0, len(self.payload)
        it = iter(sizes)
        while pos < n:
            size = min(next(it), n - pos)
            first, last = pos == 0, pos + size == n
            fl = self.flags
            if not last:
                fl &= ~(TCP_PSH | TCP_FIN)
            if not first:
                fl &= ~TCP_SYN
            # sequence: SYN takes one number before the data
            recs.append(self.record(payload=self.payload[pos:pos + size],
                                    seq=self.seq + pos + (1 if (self.flags & TCP_SYN) and not first else 0),
                                    flags=fl))
            pos += size
        return recs


def packets(pcap):
    return [Packet(r, pcap.linktype) for r in pcap.records]


def repeat(*sizes):
    while True:
        for s in sizes:
            yield s


def halves(n):
    """Two pieces: the first half (rounded up), then the rest."""
    yield (n + 1) // 2
    yield n


# ---------------------------------------------------------------- derivations

def split(pcap, want, sizes_for):
    """Re-split the payload of the segments for which WANT(pkt) is true."""
    out = []
    for p, rec in zip(packets(pcap), pcap.records):
        if p.payload and want(p):
            out.extend(p.pieces(sizes_for(p)))
        else:
            out.append(rec)
    return pcap.copy(out)


def swapped(pcap):
    """Client data segments cut in two halves, sent second half first."""
    out = []
    for p, rec in zip(packets(pcap), pcap.records):
        if p.payload and p.from_client() and len(p.payload) > 1:
            a, b = p.pieces(halves(len(p.payload)))
            out.extend([b, a])
        else:
            out.append(rec)
    return pcap.copy(out)


def duplicated(pcap):
    """Every data segment (both directions) followed by an identical copy."""
    out = []
    for p, rec in zip(packets(pcap), pcap.records):
        out.append(rec)
        if p.payload:
            out.append(list(rec))
    return pcap.copy(out)


NOTES = {}       # output name -> facts found while deriving it (for the README)


def rel_seq(pcap, pkt):
    """PKT's sequence number relative to its direction's initial sequence
    number (the SYN's): the offset of its first byte in that stream."""
    for p in packets(pcap):
        if p.flags & TCP_SYN and p.sport == pkt.sport:
            return (pkt.seq - p.seq - 1) & 0xFFFFFFFF
    raise SystemExit('make-derived: no SYN in the input')


def isn(pcap, port):
    """The initial sequence number of the side whose TCP port is PORT."""
    for p in packets(pcap):
        if p.flags & TCP_SYN and p.sport == port:
            return p.seq
    raise SystemExit('make-derived: no SYN in the input')


def find(pcap, pred, what):
    for i, p in enumerate(packets(pcap)):
        if pred(p):
            return i, p
    raise SystemExit('make-derived: no %s in the input' % what)


PRESENCE = b'<presence'
CONFLICT = b'<PRESENCE'      # the retransmitted copy's different bytes


def overlap_conflict(pcap):
    """After the client's presence segment, a retransmission of the same
    sequence range whose bytes differ ('<presence' -> '<PRESENCE')."""
    i, p = find(pcap, lambda p: p.from_client() and PRESENCE in p.payload,
                'client presence segment')
    bad = p.payload.replace(PRESENCE, CONFLICT, 1)
    NOTES['plain-no-tls.overlap-conflict.pcap'] = (
        'The original is record %d (client stream bytes %d..%d), the conflicting '
        'copy record %d.' % (i + 1, rel_seq(pcap, p), rel_seq(pcap, p) + len(p.payload) - 1, i + 2))
    recs = [list(r) for r in pcap.records]
    recs.insert(i + 1, p.record(payload=bad))
    return pcap.copy(recs)


def dropped(pcap):
    """The client's resource-binding iq segment is left out."""
    i, p = find(pcap, lambda p: p.from_client() and b'urn:ietf:params:xml:ns:xmpp-bind' in p.payload,
                'client bind iq segment')
    NOTES['plain-no-tls.dropped-segment.pcap'] = (
        'Left out: record %d of the source, %d bytes at client stream offset %d.'
        % (i + 1, len(p.payload), rel_seq(pcap, p)))
    recs = [list(r) for r in pcap.records]
    del recs[i]
    return pcap.copy(recs)


def mid_stream(pcap):
    """Everything before the client's SASL <auth> segment is left out."""
    i, p = find(pcap, lambda p: p.from_client() and b'<auth ' in p.payload
                and b'urn:ietf:params:xml:ns:xmpp-sasl' in p.payload, 'client SASL <auth>')
    NOTES['plain-no-tls.mid-stream.pcap'] = (
        'Starts at record %d of the source: client stream offset %d, server '
        'stream offset %d (its first ack).' % (i + 1, rel_seq(pcap, p),
                                               (p.ack - isn(pcap, p.dport) - 1) & 0xFFFFFFFF))
    return pcap.copy(pcap.records[i:])


def truncated_bytes(pcap):
    """The file's bytes cut in the middle of the last record's data."""
    whole = pcap.to_bytes()
    last = pcap.records[-1]
    NOTES['plain-no-tls.truncated.pcap'] = (
        'Records 1..%d are whole; record %d announces %d bytes, %d follow.'
        % (len(pcap.records) - 1, len(pcap.records), last[2], last[2] // 2))
    return whole[:len(whole) - last[2] + last[2] // 2]


SNAPLEN_CUT = 60


def snaplen_cut(pcap):
    recs = []
    for ts_sec, ts_frac, caplen, origlen, data in pcap.records:
        n = min(caplen, SNAPLEN_CUT)
        recs.append([ts_sec, ts_frac, n, origlen, data[:n]])
    return pcap.copy(recs, snaplen=SNAPLEN_CUT)


VLAN_C = 42           # customer VLAN (802.1Q) id
VLAN_S = 100          # service VLAN (802.1ad) id for the Q-in-Q file


def tag(tpid, vid, pcp=0):
    return struct.pack('!HH', tpid, (pcp << 13) | vid)


def relink(pcap, linktype, new_link):
    """Replace the Ethernet header of every frame by NEW_LINK(eth_header)."""
    recs = []
    for ts_sec, ts_frac, caplen, origlen, data in pcap.records:
        head = new_link(data[:14])
        frame = head + data[14:]
        grow = len(head) - 14
        recs.append([ts_sec, ts_frac, caplen + grow, origlen + grow, frame])
    return pcap.copy(recs, linktype=linktype)


def vlan(pcap):
    return relink(pcap, LINKTYPE_ETHERNET, lambda eth: eth[:12] + tag(ETH_8021Q, VLAN_C) + eth[12:])


def qinq(pcap):
    return relink(pcap, LINKTYPE_ETHERNET,
                  lambda eth: eth[:12] + tag(ETH_8021AD, VLAN_S) + tag(ETH_8021Q, VLAN_C) + eth[12:])


def raw_ip(pcap):
    return relink(pcap, LINKTYPE_RAW, lambda eth: b'')


AF_INET = 2


def null_loopback(pcap):
    # DLT_NULL: a 4-byte address family in the byte order of the host that
    # wrote the file, i.e. the byte order of the pcap file itself.
    def head(eth):
        if eth[12:14] != struct.pack('!H', ETH_IPV4):
            raise SystemExit('make-derived: null-loopback input must be IPv4 (AF_INET6 differs by OS)')
        return struct.pack(pcap.endian + 'I', AF_INET)
    return relink(pcap, LINKTYPE_NULL, head)


def unsupported_linktype(pcap):
    return pcap.copy(linktype=LINKTYPE_USER0)


# ---------------------------------------------------------------- outputs

PLAIN = 'plain-no-tls/capture.pcap'
IPV6 = 'ipv6-starttls-plain/capture.pcap'

# (output name, source, function, description for the README)
OUTPUTS = [
    ('plain-no-tls.split-1byte.pcap', PLAIN,
     lambda c: split(c, Packet.from_client, lambda p: repeat(1)),
     "Every client->server data segment re-split into 1-byte segments (same "
     "time stamp as the original segment, in sequence order); server segments "
     "unchanged. The reassembled client stream is the original's."),
    ('plain-no-tls.split-3-7.pcap', PLAIN,
     lambda c: split(c, Packet.from_client, lambda p: repeat(3, 7)),
     "Every client->server data segment re-split into pieces of 3, 7, 3, 7, ... "
     "bytes (the pattern starts again with 3 in each original segment; the last "
     "piece is what is left). Reassembled streams are the original's."),
    ('plain-no-tls.split-server-1byte.pcap', PLAIN,
     lambda c: split(c, Packet.from_server, lambda p: repeat(1)),
     "Every server->client data segment re-split into 1-byte segments; client "
     "segments unchanged. Reassembled streams are the original's."),
    ('plain-no-tls.swapped.pcap', PLAIN, swapped,
     "Every client->server data segment cut in two halves (first half rounded "
     "up) and the two halves written in swapped order (second half first, with "
     "the same time stamp): out-of-order delivery in every client segment. The "
     "reassembled client stream is the original's."),
    ('plain-no-tls.duplicated.pcap', PLAIN, duplicated,
     "Every data segment, in both directions, is immediately followed by an "
     "identical copy (a retransmission with the same bytes and time stamp). "
     "The reassembled streams are the original's."),
    ('plain-no-tls.overlap-conflict.pcap', PLAIN, overlap_conflict,
     "Right after the client's <presence/> segment, a retransmission of the same "
     "sequence range whose bytes differ: '<presence' became '<PRESENCE' (8 "
     "bytes changed, same length, same time stamp). The first copy must win: "
     "the reassembled client stream is the original's, with '<presence'."),
    ('plain-no-tls.dropped-segment.pcap', PLAIN, dropped,
     "The client's resource-binding <iq type=\"set\"><bind .../></iq> segment is "
     "left out (the server's acks and its bind result are still there): a gap "
     "in the client stream after SASL success and the stream restart."),
    ('plain-no-tls.mid-stream.pcap', PLAIN, mid_stream,
     "All packets before the client's SASL <auth mechanism=\"PLAIN\"> segment "
     "are left out: the capture starts mid-connection, with no SYN/SYN-ACK, no "
     "initial stream headers, no stream features; it begins with the client's "
     "<auth> (alice's PLAIN credentials) and goes on to the normal end."),
    ('plain-no-tls.truncated.pcap', PLAIN, None,
     "The whole capture, cut in the middle of the last packet record: the last "
     "record header announces N bytes but only N/2 follow (as when tcpdump is "
     "killed while writing, or a file is copied while it grows)."),
    ('plain-no-tls.snaplen-cut.pcap', PLAIN, snaplen_cut,
     "Every record's captured length cut to %d bytes (global header snap length "
     "%d, original lengths unchanged), as with tcpdump -s %d: Ethernet + IPv4 + "
     "the first 26 bytes of the TCP header (its options are cut), no payload "
     "at all." % (SNAPLEN_CUT, SNAPLEN_CUT, SNAPLEN_CUT)),
    ('unsupported-linktype.pcap', PLAIN, unsupported_linktype,
     "plain-no-tls's packets unchanged, but the global header says link type "
     "147 (LINKTYPE_USER0 / DLT_USER0). A reader must refuse it with a message "
     "naming the link type."),
    ('plain-no-tls.vlan.pcap', PLAIN, vlan,
     "Every Ethernet frame with one 802.1Q tag (TPID 0x8100, VLAN %d, priority "
     "0) inserted after the MAC addresses." % VLAN_C),
    ('plain-no-tls.qinq.pcap', PLAIN, qinq,
     "Every Ethernet frame with two tags (Q-in-Q): 802.1ad TPID 0x88a8 VLAN %d, "
     "then 802.1Q TPID 0x8100 VLAN %d." % (VLAN_S, VLAN_C)),
    ('plain-no-tls.raw-ip.pcap', PLAIN, raw_ip,
     "Link type 101 (LINKTYPE_RAW, raw IP; DLT_RAW is 12 or 14 depending on the "
     "OS, files use 101): the Ethernet header stripped, each record starts with "
     "the IPv4 header."),
    ('plain-no-tls.null-loopback.pcap', PLAIN, null_loopback,
     "Link type 0 (DLT_NULL, BSD loopback): the Ethernet header replaced by a "
     "4-byte address family AF_INET = 2 in the file's (host) byte order, "
     "little-endian here."),
    ('ipv6-starttls-plain.split-1byte.pcap', IPV6,
     lambda c: split(c, Packet.from_client, lambda p: repeat(1)),
     "From ipv6-starttls-plain (Ethernet + IPv6, STARTTLS): every client->server "
     "data segment re-split into 1-byte segments (IPv6 payload length "
     "adjusted): the stream header, <starttls/> and then TLS records arrive one "
     "byte at a time. The reassembled client stream is the original's."),
]


def readme(counts):
    wrap = textwrap.TextWrapper(width=78, break_long_words=False, break_on_hyphens=False)
    ind = textwrap.TextWrapper(width=78, initial_indent='  ', subsequent_indent='  ',
                               break_long_words=False, break_on_hyphens=False)
    paras = [
        "Every file here is made by testdata/make-derived.py (python3 "
        "testdata/make-derived.py) from the real captures that "
        "testdata/make-testdata.sh recorded with tcpdump (the source is named in "
        "each entry). They are rewritten from those packets, deterministically: "
        "running the script again gives the same bytes. Do not edit them by "
        "hand; change the script.",
        "All are classic pcap files (microsecond time stamps, the byte order of "
        "their source). When a segment is split, each piece keeps the original "
        "headers and time stamp with the IPv4 total length (and header "
        "checksum) / IPv6 payload length, TCP sequence number and flags "
        "adjusted (PSH/FIN only on the last piece). TCP checksums are never "
        "recomputed: on lo tcpdump records the partial checksum of the kernel's "
        "offload, so they do not verify in the originals either. Stream "
        "offsets below count from 0 at the first byte after the SYN.",
    ]
    lines = ["Derived captures -- NOT real captures.", ""]
    for p in paras:
        lines += wrap.wrap(p) + ['']
    for name, src, _, desc in OUTPUTS:
        lines.append(name)
        lines.append('  source: testdata/%s; %s' % (src, counts[name]))
        text = desc + (' ' + NOTES[name] if name in NOTES else '')
        lines += ind.wrap(text) + ['']
    return '\n'.join(lines)


def main():
    os.makedirs(OUT, exist_ok=True)
    cache, counts = {}, {}
    for name, src, fn, _ in OUTPUTS:
        if src not in cache:
            cache[src] = PcapFile.read(os.path.join(HERE, src))
        pcap = cache[src]
        if fn is None:                      # plain-no-tls.truncated.pcap
            data = truncated_bytes(pcap)
            counts[name] = '%d records, the last one cut' % len(pcap.records)
        else:
            out = fn(pcap)
            data = out.to_bytes()
            counts[name] = '%d records (source: %d)' % (len(out.records), len(pcap.records))
        path = os.path.join(OUT, name)
        with open(path, 'wb') as f:
            f.write(data)
        print('%-42s %7d bytes  (from %s)' % (os.path.relpath(path, HERE), len(data), src))
    with open(os.path.join(OUT, 'README'), 'w') as f:
        f.write(readme(counts))


if __name__ == '__main__':
    sys.exit(main())
