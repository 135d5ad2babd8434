#!/usr/bin/env python3
"""make-big-pcap.py SIZE_MB OUT: a large pcap for benchmarks, made by repeating the
real captures testdata/*/capture.pcap (the Ethernet ones: IPv4 and IPv6) until OUT
holds at least SIZE_MB MiB.

Every copy of every TCP connection becomes a connection of its own: its client
(the side that sent the SYN, else the side not on port 5222) gets a fresh
endpoint. IPv4 clients get a new address 127.A.B.C (A.B.C = a running
connection number, so never 127.0.0.1's server side); IPv6 clients keep their
address and get a fresh port from a running counter (1024-65535). The server side
is left alone. The IPv4 header checksum and the TCP checksum are updated
incrementally (RFC 1624), so a checksum that verified still does, and the partial
checksums of loopback captures stay what they were; sequence numbers, lengths and
payloads are unchanged, so every copy reassembles exactly as its original.

Time stamps increase: each copy starts 1 ms after the end of the previous one,
keeping its packets' spacing. Output: classic pcap, microseconds, little-endian,
link type Ethernet. Prints "copies, connections, packets, bytes" on stderr.

TESTDATA=DIR selects another testdata directory.
"""

import glob
import os
import struct
import sys

SERVER_PORTS = {5222, 5223, 5280, 5443, 443}


def csum_adjust(cs, old, new):
    """RFC 1624 eq. 3: the checksum cs after the 16-bit-aligned bytes old became new."""
    s = (~cs) & 0xFFFF
    for i in range(0, len(old), 2):
        s += (~((old[i] << 8) | old[i + 1])) & 0xFFFF
        s += (new[i] << 8) | new[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def read_pcap(path):
    """[(ts_us, frame bytes)] of a classic pcap with Ethernet link type, else None."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack_from(e + "I", data, 20)[0] & 0x0FFFFFFF
    if linktype != 1:
        return None
    out = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack_from(e + "IIII", data, off)
        off += 16
        if off + caplen > len(data):
            break
        us = sec * 1000000 + (frac // 1000 if nano else frac)
        out.append((us, data[off:off + caplen]))
        off += caplen
    return out


def parse(frame):
    """(ip version, offset of the addresses, address length, offset of TCP, IPv4
    header length) of an Ethernet IPv4/IPv6 TCP frame, else None."""
    if len(frame) < 14:
        return None
    etype = (frame[12] << 8) | frame[13]
    if etype == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] != 6 or len(frame) < 14 + ihl + 20:
            return None
        return (4, 26, 4, 14 + ihl, ihl)
    if etype == 0x86DD and len(frame) >= 74:
        if frame[20] != 6:
            return None
        return (6, 22, 16, 54, 0)
    return None


def endpoints(frame, p):
    ver, a, alen, t, _ = p
    src, dst = frame[a:a + alen], frame[a + alen:a + 2 * alen]
    sport, dport = struct.unpack_from("!HH", frame, t)
    return (src, sport), (dst, dport)


def prepare(packets):
    """Per packet: (ts, frame, parse info, connection number in this file, which side
    is the client: 'src', 'dst' or None). Connections are numbered in order of
    appearance; the client is the SYN sender, else the side not on a server port."""
    conns = {}
    out = []
    for ts, frame in packets:
        p = parse(frame)
        if p is None:
            out.append((ts, frame, None, None, None))
            continue
        a, b = endpoints(frame, p)
        k = (a, b) if a <= b else (b, a)
        if k not in conns:
            flags = frame[p[3] + 13]
            if flags & 0x02 and not flags & 0x10:
                client = a
            elif flags & 0x02:
                client = b
            elif b[1] in SERVER_PORTS and a[1] not in SERVER_PORTS:
                client = a
            else:
                client = b
            conns[k] = (len(conns), client)
        n, client = conns[k]
        side = "src" if a == client else "dst"
        out.append((ts, frame, p, n, side))
    return out, len(conns)


def rewrite(frame, p, side, g):
    """frame with its client endpoint renumbered for global connection number g."""
    ver, a, alen, t, ihl = p
    f = bytearray(frame)
    aoff = a if side == "src" else a + alen
    poff = t if side == "src" else t + 2
    old_addr, old_port = bytes(f[aoff:aoff + alen]), bytes(f[poff:poff + 2])
    if ver == 4:
        new_addr = bytes([127, (g >> 16) & 0xFF, (g >> 8) & 0xFF, g & 0xFF])
        if new_addr[1:] == b"\0\0\0" or new_addr == bytes([127, 0, 0, 1]):
            new_addr = bytes([127, 255, 255, 254])
        new_port = old_port
        # IPv4 header checksum
        hc = struct.unpack_from("!H", f, 24)[0]
        struct.pack_into("!H", f, 24, csum_adjust(hc, old_addr, new_addr))
    else:
        new_addr = old_addr
        new_port = struct.pack("!H", 1024 + g % 64512)
    f[aoff:aoff + alen] = new_addr
    f[poff:poff + 2] = new_port
    tc = struct.unpack_from("!H", f, t + 16)[0]
    tc = csum_adjust(tc, old_addr + old_port, new_addr + new_port)
    struct.pack_into("!H", f, t + 16, tc)
    return bytes(f)


def main(argv):
    if len(argv) != 3 or not argv[1].isdigit() or int(argv[1]) <= 0:
        sys.stderr.write("usage: make-big-pcap.py SIZE_MB OUT\n")
        return 2
    limit = int(argv[1]) * 1048576
    here = os.path.dirname(os.path.abspath(__file__))
    testdata = os.environ.get("TESTDATA", os.path.join(here, "..", "testdata"))
    sources = []
    for path in sorted(glob.glob(os.path.join(testdata, "*", "capture.pcap"))):
        pk = read_pcap(path)
        if pk:
            prepared, nconn = prepare(pk)
            sources.append((path, prepared, nconn))
    if not sources:
        sys.stderr.write("make-big-pcap.py: no Ethernet capture.pcap in %s\n" % testdata)
        return 1
    g = 0
    copies = packets = 0
    total = 24
    clock = None
    with open(argv[2], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        while total < limit:
            for path, prepared, nconn in sources:
                if total >= limit:
                    break
                t0 = prepared[0][0]
                base = prepared[0][0] if clock is None else clock
                last = base
                chunks = []
                for ts, frame, p, n, side in prepared:
                    if p is not None:
                        frame = rewrite(frame, p, side, g + n + 1)
                    us = base + (ts - t0)
                    last = us
                    chunks.append(struct.pack("<IIII", us // 1000000, us % 1000000, len(frame), len(frame)))
                    chunks.append(frame)
                    total += 16 + len(frame)
                    packets += 1
                out.write(b"".join(chunks))
                clock = last + 1000
                g += nconn
            copies += 1
    sys.stderr.write("%d copies of %d captures, %d connections, %d packets, %d bytes\n"
                     % (copies, len(sources), g, packets, total))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
