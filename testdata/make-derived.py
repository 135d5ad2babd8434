#!/usr/bin/env python3
"""make-derived.py -- derive edge-case captures from the real test captures.

Usage:  python3 testdata/make-derived.py        (no root, no ejabberd needed)

Reads real classic pcap files written by make-testdata.sh (tcpdump -i lo:
Ethernet + IPv4/IPv6 + TCP; XMPP on 5222, BOSH and WebSocket on 5280) and
writes testdata/derived/*.pcap plus testdata/derived/README.  Python 3
standard library only; fully
deterministic (no randomness, no clock): running it twice gives the same
bytes.

What is changed in a packet and what is not:
  * splitting a TCP segment: each piece gets the original headers with the
    IPv4 total length / IPv6 payload length, the TCP sequence number and the
    flags adjusted (PSH and FIN only on the last piece, SYN only on the
    first); the piece's record keeps the original time stamp, and its caplen
    and origlen are the new frame length;
  * rewriting a payload with another length (HTTP chunked bodies,
    fragmented WebSocket messages): the later sequence numbers of that
    direction and the acks of the other direction are moved by the
    difference, so both TCP streams stay consistent;
  * the IPv4 header checksum is recomputed for every packet whose IPv4 header
    changed;
  * TCP checksums are left as they were: tcpdump on lo records the partial
    checksum of the kernel's checksum offload, so the originals do not verify
    either (the analyser does not check them);
  * everything else (MAC addresses, IP id, TCP options, windows, and acks
    but for the rewriting above) is copied unchanged.
"""
import os
import re
import struct
import sys
import textwrap
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'derived')
# the server side of a connection: c2s, and ejabberd_http (BOSH, WebSocket)
SERVER_PORTS = (5222, 5280)

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
        return self.dport in SERVER_PORTS

    def from_server(self):
        return self.sport in SERVER_PORTS

    # -- building
    def build(self, payload=None, seq=None, flags=None, ack=None):
        """The frame bytes with PAYLOAD, SEQ, FLAGS and ACK replaced (None: keep)."""
        payload = self.payload if payload is None else payload
        tcp = bytearray(self.tcp)
        if seq is not None:
            tcp[4:8] = struct.pack('!I', seq & 0xFFFFFFFF)
        if ack is not None:
            tcp[8:12] = struct.pack('!I', ack & 0xFFFFFFFF)
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


# ---------------------------------------------------------------- HTTP and WebSocket

def rewrite(pcap, edit):
    """Replace the payload of data segments: EDIT(pkt) returns the new
    payload or None (unchanged).  When a payload changes length, the later
    sequence numbers of that direction and the acks of the other direction
    move with it, so the TCP streams stay consistent (one connection per
    port pair, SYNs in the capture)."""
    pk = packets(pcap)
    isns = {(p.sport, p.dport): p.seq for p in pk if p.flags & TCP_SYN}
    changes = {}      # direction -> [(old stream offset of a changed segment's end, delta)]

    def moved(direction, number):
        off = (number - isns[direction]) & 0xFFFFFFFF
        return number + sum(d for end, d in changes.get(direction, []) if end <= off)

    out = []
    for p in pk:
        direction, reverse = (p.sport, p.dport), (p.dport, p.sport)
        new = edit(p) if p.payload else None
        seq = moved(direction, p.seq)
        ack = moved(reverse, p.ack) if p.flags & TCP_ACK else None
        if new is not None:
            end = ((p.seq - isns[direction]) & 0xFFFFFFFF) + len(p.payload)
            changes.setdefault(direction, []).append((end, len(new) - len(p.payload)))
        out.append(p.record(payload=new, seq=seq, ack=ack))
    return pcap.copy(out)


def chunk_body(body, parts=3):
    """BODY as a chunked transfer-coding (RFC 9112 §7.1): PARTS chunks of
    about the same size, then the last chunk, no trailer."""
    cuts = [len(body) * k // parts for k in range(parts + 1)]
    out = b''.join(b'%x\r\n' % (b - a) + body[a:b] + b'\r\n' for a, b in zip(cuts, cuts[1:]))
    return out + b'0\r\n\r\n'


def chunked(pcap):
    """Every client request: Content-Length replaced by Transfer-Encoding:
    chunked, the body sent as three chunks (in the segment that held it)."""
    expecting = {}        # client port -> length of the body still to come

    def edit(p):
        if not p.from_client():
            return None
        if p.payload.startswith(b'POST '):
            head, sep, rest = p.payload.partition(b'\r\n\r\n')
            m = re.search(rb'\r\nContent-Length: *(\d+)', head, re.I)
            if not sep or not m:
                raise SystemExit('make-derived: a request without Content-Length')
            head = head[:m.start()] + b'\r\nTransfer-Encoding: chunked' + head[m.end():]
            if rest:
                return head + sep + chunk_body(rest)
            expecting[p.sport] = int(m.group(1))
            return head + sep
        if expecting.get(p.sport) != len(p.payload):
            raise SystemExit('make-derived: a request body not in one segment')
        del expecting[p.sport]
        return chunk_body(p.payload)
    return rewrite(pcap, edit)


def client_requests(pcap):
    """The client's requests as lists of record indexes (a request starts
    with a segment that starts with 'POST ')."""
    reqs = []
    for i, p in enumerate(packets(pcap)):
        if p.payload and p.from_client():
            if p.payload.startswith(b'POST ') or not reqs:
                reqs.append([])
            reqs[-1].append(i)
    return reqs


def pipelined(pcap):
    """The request with the session iq and the next one (the chat message)
    in one segment, sent when the first of them was."""
    pk = packets(pcap)
    reqs = client_requests(pcap)
    k = next(k for k, r in enumerate(reqs) if any(b"id='sess1'" in pk[i].payload for i in r))
    both = reqs[k] + reqs[k + 1]
    data = b''.join(pk[i].payload for i in both)
    for a, b in zip(both, both[1:]):
        if pk[a].seq + len(pk[a].payload) != pk[b].seq:
            raise SystemExit('make-derived: the two requests are not contiguous')
    rids = [re.search(rb"rid='(\d+)'", pk[i].payload).group(1).decode()
            for i in both if b'<body' in pk[i].payload]
    NOTES['bosh-plain.pipelined.pcap'] = (
        'Merged: records %s of the source (the requests with rid %s and %s, %d bytes) '
        'into one segment at the place of record %d.'
        % (', '.join(str(i + 1) for i in both), rids[0], rids[1], len(data), both[0] + 1))
    out = []
    for i, (p, rec) in enumerate(zip(pk, pcap.records)):
        if i == both[0]:
            out.append(p.record(payload=data, flags=pk[both[-1]].flags))
        elif i not in both:
            out.append(rec)
    return pcap.copy(out)


def split_bosh_login(pcap):
    """Client segments up to the end of the SASL <auth/> request in 1-byte
    pieces (the session creation and the PLAIN login: a whole capture would
    be far over 100 KB)."""
    auth = next(p for p in packets(pcap) if p.from_client() and b'<auth ' in p.payload)
    limit = rel_seq(pcap, auth) + len(auth.payload)
    NOTES['bosh-plain.split-1byte.pcap'] = (
        'Split: the client stream bytes 0..%d (%d segments).' % (limit - 1, limit))
    return split(pcap, lambda p: p.from_client() and rel_seq(pcap, p) < limit, lambda p: repeat(1))


# -- WebSocket frames (RFC 6455 §5.2)

WS_TEXT, WS_CONTINUATION = 1, 0


def ws_mask(data, key):
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


def ws_frames(data):
    """The frames of DATA (whole frames only): [fin, rsv1, opcode, key, payload
    unmasked]."""
    frames, off = [], 0
    while off < len(data):
        b0, b1 = data[off], data[off + 1]
        n, off = b1 & 0x7F, off + 2
        if n == 126:
            n, off = struct.unpack('!H', data[off:off + 2])[0], off + 2
        elif n == 127:
            n, off = struct.unpack('!Q', data[off:off + 8])[0], off + 8
        key = None
        if b1 & 0x80:
            key, off = data[off:off + 4], off + 4
        payload = data[off:off + n]
        if len(payload) != n:
            raise SystemExit('make-derived: a WebSocket frame across segments')
        frames.append([bool(b0 & 0x80), bool(b0 & 0x40), b0 & 0x0F, key,
                       ws_mask(payload, key) if key else payload])
        off += n
    return frames


def ws_frame(fin, rsv1, opcode, key, payload):
    head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    m = 0x80 if key else 0
    n = len(payload)
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack('!H', n)
    else:
        head += bytes([m | 127]) + struct.pack('!Q', n)
    return head + (key + ws_mask(payload, key) if key else payload)


def fragment(frame, cuts):
    """FRAME (one whole message) as len(CUTS) + 1 frames: the first keeps
    the opcode and RSV1 (RFC 7692 §6.1: set on the first frame only), the
    others are continuations, FIN on the last.  A masked frame's pieces get
    masking keys of their own (the original key with every byte XORed with
    0x11, 0x22, ...: deterministic)."""
    fin, rsv1, opcode, key, payload = frame
    bounds = [0] + list(cuts) + [len(payload)]
    out = b''
    for j, (a, b) in enumerate(zip(bounds, bounds[1:])):
        k = bytes(x ^ (0x11 * j) for x in key) if key and j else key
        out += ws_frame(j == len(bounds) - 2, rsv1 and j == 0, opcode if j == 0 else WS_CONTINUATION,
                        k, payload[a:b])
    return out


def ws_fragmented(pcap, name, pick, cuts_for):
    """The first data segment for which PICK(pkt, frame) holds (a segment
    holding one whole text frame) rewritten as that message in three
    frames, cut at CUTS_FOR(payload)."""
    done = []

    def edit(p):
        if done or p.payload.startswith((b'GET ', b'HTTP/')):
            return None
        frames = ws_frames(p.payload)
        if len(frames) != 1 or frames[0][2] != WS_TEXT or not pick(p, frames[0]):
            return None
        cuts = cuts_for(frames[0][4])
        done.append('client' if p.from_client() else 'server')
        NOTES[name] = ('Rewritten: the %s stream\'s bytes %d..%d of the source; the payload '
                       '(%d bytes) cut after bytes %s.'
                       % (done[0], rel_seq(pcap, p), rel_seq(pcap, p) + len(p.payload) - 1,
                          len(frames[0][4]), ' and '.join(str(c) for c in cuts)))
        return fragment(frames[0], cuts)
    out = rewrite(pcap, edit)
    if not done:
        raise SystemExit('make-derived: no message to fragment for ' + name)
    return out


def client_auth_cuts(payload):
    """After the first third, and 10 bytes before </auth>: inside the
    base64 credentials."""
    return [len(payload) // 3, payload.index(b'</auth>') - 10]


def thirds(payload):
    return [len(payload) // 3, 2 * len(payload) // 3]


def deflated_auth(pcap):
    """PICK for ws_fragmented: the client's compressed <auth/> message
    (inflated in order, with the context taken over from one message to the
    next as negotiated; RFC 7692 §7.2.2)."""
    inflater = zlib.decompressobj(-15)

    def pick(p, frame):
        if not p.from_client():
            return False
        text = inflater.decompress(frame[4] + b'\x00\x00\xff\xff')
        return frame[1] and b'<auth ' in text
    return pick


# ---------------------------------------------------------------- outputs

PLAIN = 'plain-no-tls/capture.pcap'
IPV6 = 'ipv6-starttls-plain/capture.pcap'
BOSH = 'bosh-plain/capture.pcap'
WS = 'websocket-plain/capture.pcap'
WS_DEFLATE = 'websocket-deflate/capture.pcap'

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
    ('bosh-plain.chunked.pcap', BOSH, chunked,
     "From bosh-plain (BOSH, one keep-alive HTTP/1.1 connection): in every "
     "client request the Content-Length header is replaced by "
     "'Transfer-Encoding: chunked' (same place among the headers) and the "
     "<body/> is sent as three chunks of about the same size (lower-case hex "
     "sizes, no chunk extensions), then the last chunk '0' and no trailer; "
     "each request keeps its two segments (headers, then body). Client "
     "sequence numbers after a changed segment and the server's acks are "
     "moved by the added bytes. Responses unchanged. The BOSH bodies, and so "
     "the session, are the source's."),
    ('bosh-plain.pipelined.pcap', BOSH, pipelined,
     "From bosh-plain: HTTP pipelining. The request carrying the session "
     "<iq id='sess1'/> and the next request (the chat message) are sent "
     "together in one TCP segment (both requests' headers and bodies, "
     "back to back) at the time of the first; the two responses follow as "
     "in the source, in the same order. Nothing else changed (the client "
     "stream's bytes are the source's; only how they are segmented and when "
     "the second request is sent)."),
    ('bosh-plain.split-1byte.pcap', BOSH, split_bosh_login,
     "From bosh-plain: the client's segments from the start of the stream to "
     "the end of the request carrying SASL <auth mechanism='PLAIN'> (the "
     "session creation request and the PLAIN login: HTTP request lines, "
     "headers and bodies) re-split into 1-byte segments; the rest unchanged "
     "(all of it in 1-byte pieces would be about 270 KB). The reassembled "
     "client stream is the original's."),
    ('websocket-plain.fragmented.pcap', WS,
     lambda c: ws_fragmented(c, 'websocket-plain.fragmented.pcap',
                             lambda p, f: p.from_client() and b'<auth ' in f[4], client_auth_cuts),
     "From websocket-plain (RFC 7395, no compression): the client's SASL "
     "<auth mechanism='PLAIN'> message, one masked text frame in the source, "
     "is sent as three frames in the same segment: a text frame without FIN, "
     "a continuation frame without FIN, a continuation frame with FIN. Each "
     "is masked with a key of its own (the source key with each byte XORed "
     "with 0x11 for the second frame, 0x22 for the third); the second cut is "
     "inside the base64 PLAIN credentials. Later client sequence numbers and "
     "the server's acks are moved by the 12 added header bytes. The message "
     "is the source's."),
    ('websocket-plain.fragmented-server.pcap', WS,
     lambda c: ws_fragmented(c, 'websocket-plain.fragmented-server.pcap',
                             lambda p, f: p.from_server() and f[4].startswith(b'<stream:features')
                             and b'<mechanisms' in f[4], thirds),
     "From websocket-plain: the server's first <stream:features/> message "
     "(the SASL mechanisms), one unmasked text frame in the source, sent as "
     "three unmasked frames (text without FIN, continuation without FIN, "
     "continuation with FIN) cut at thirds of its payload, in the same "
     "segment. Later server sequence numbers and the client's acks are moved "
     "by the added header bytes. The message is the source's."),
    ('websocket-deflate.fragmented.pcap', WS_DEFLATE,
     lambda c: ws_fragmented(c, 'websocket-deflate.fragmented.pcap', deflated_auth(c), thirds),
     "From websocket-deflate (permessage-deflate with context takeover, "
     "through the python3-websockets relay): the client's compressed SASL "
     "<auth mechanism='PLAIN'> message, one masked text frame with RSV1 in "
     "the source, sent as three masked frames cut at thirds of the "
     "compressed payload: a text frame with RSV1 and without FIN, then two "
     "continuation frames without RSV1 (RFC 7692 §6.1: RSV1 on the first "
     "frame of a message only), FIN on the last; masking keys as in "
     "websocket-plain.fragmented.pcap. Inflating the three payloads "
     "together gives the source's message, and the compression context "
     "goes on unchanged to the next message. Later client sequence numbers "
     "and the server's acks are moved by the added bytes."),
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
