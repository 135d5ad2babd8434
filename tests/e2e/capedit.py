"""capedit: real captures rewritten into what libpcap or a simple reader gets wrong.

    python3 capedit.py MODE IN.pcap OUT

Modes (IN is a classic pcap; OUT is written):
  ng            the same packets as pcapng (one interface)
  ng-mixed      pcapng with interface 0 the capture's link type and interface 1
                USER0 (147): a USER0 packet after each real one
  ng-user0      pcapng whose only interface is USER0 (nothing readable)
  ng-early      pcapng with the first 3 packets before the interface description
  ng-noidb      pcapng without any interface description block
  ng-hostile    pcapng whose interface description has an option of length 65535
  frag4         every IPv4 packet with more than 64 bytes of IP payload cut into
                IP fragments of 48 bytes (RFC 791), sent last fragment first
  frag6         the same for IPv6 (a fragment header, RFC 8200 section 4.5), in order
  frag4-overlap as frag4, with one more fragment that overlaps the second one with
                other bytes (the datagram must be dropped, not guessed)
  frag4-lost    as frag4, with the second fragment of each datagram missing

Time stamps (the fragments of a packet all take its time), payloads and the other
packets are kept.
"""
import struct
import sys

USER0 = 147


def read_pcap(path):
    b = open(path, "rb").read()
    magic = struct.unpack_from("<I", b)[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack_from(end + "I", b, 20)[0]
    off, recs = 24, []
    while off + 16 <= len(b):
        s, frac, cap, wire = struct.unpack_from(end + "IIII", b, off)
        recs.append((s * 1000000 + (frac // 1000 if nano else frac), b[off + 16 : off + 16 + cap], wire))
        off += 16 + cap
    return linktype, recs


def write_pcap(path, linktype, recs):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for t, data, wire in recs:
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(data), wire) + data)


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def shb():
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(linktype, options=b""):
    return block(1, struct.pack("<HHI", linktype, 0, 0) + options)


def epb(iface, t, data, wire):
    return block(6, struct.pack("<IIIII", iface, t >> 32, t & 0xFFFFFFFF, len(data), wire) + data)


def pcapng(mode, linktype, recs):
    out = [shb()]
    if mode == "ng-hostile":
        out.append(idb(linktype, struct.pack("<HH", 2, 0xFFFF) + b"eth0"))
    elif mode not in ("ng-early", "ng-noidb"):
        out.append(idb(USER0 if mode == "ng-user0" else linktype))
    if mode == "ng-mixed":
        out.append(idb(USER0))
    for i, (t, data, wire) in enumerate(recs):
        if mode == "ng-early" and i == 3:
            out.append(idb(linktype))
        out.append(epb(0, t, data, wire))
        if mode == "ng-mixed":
            out.append(epb(1, t, b"USER0 bytes no decoder knows", 29))
    return b"".join(out)


def ip_offset(linktype, frame):
    """Offset of the IP header in |frame| (Ethernet or raw IP), or None."""
    if linktype == 1 and len(frame) >= 14:
        return 14 if frame[12:14] in (b"\x08\x00", b"\x86\xdd") else None
    if linktype in (101, 12):
        return 0
    return None


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def fragments(mode, ip, ident):
    """The IP packet |ip| as a list of fragments (whole IP packets), or [ip]."""
    size = 48
    if ip[0] >> 4 == 4:
        hlen = (ip[0] & 15) * 4
        total = struct.unpack_from("!H", ip, 2)[0]
        payload = ip[hlen:total]
        if len(payload) <= 64:
            return [ip]
        frags = []
        for off in range(0, len(payload), size):
            part = payload[off : off + size]
            more = off + size < len(payload)
            h = bytearray(ip[:hlen])
            struct.pack_into("!HH", h, 2, hlen + len(part), ident)
            struct.pack_into("!H", h, 6, (0x2000 if more else 0) | off // 8)
            struct.pack_into("!H", h, 10, 0)
            struct.pack_into("!H", h, 10, checksum(bytes(h)))
            frags.append(bytes(h) + part)
        if mode == "frag4-overlap":
            # another copy of the second fragment's range with other bytes
            h = bytearray(frags[1][:hlen])
            frags.insert(2, bytes(h) + bytes(b ^ 0x55 for b in frags[1][hlen:]))
        if mode == "frag4-lost":
            del frags[1]
        return frags[::-1]
    if ip[0] >> 4 == 6 and ip[6] == 6:  # TCP right after the fixed header
        payload = ip[40 : 40 + struct.unpack_from("!H", ip, 4)[0]]
        if len(payload) <= 64:
            return [ip]
        frags = []
        for off in range(0, len(payload), size):
            part = payload[off : off + size]
            more = off + size < len(payload)
            h = bytearray(ip[:40])
            struct.pack_into("!H", h, 4, 8 + len(part))
            h[6] = 44
            fh = struct.pack("!BBHI", 6, 0, off | (1 if more else 0), ident)
            frags.append(bytes(h) + fh + part)
        return frags
    return [ip]


def fragmented(mode, linktype, recs):
    out, ident = [], 0x4000
    for t, data, wire in recs:
        at = ip_offset(linktype, data)
        if at is None or wire != len(data):
            out.append((t, data, wire))
            continue
        ident += 1
        for f in fragments(mode, data[at:], ident):
            frame = data[:at] + f
            out.append((t, frame, len(frame)))
    return out


def main(argv):
    mode, src, dst = argv
    linktype, recs = read_pcap(src)
    if mode.startswith("ng"):
        open(dst, "wb").write(pcapng(mode, linktype, recs))
    elif mode.startswith("frag"):
        write_pcap(dst, linktype, fragmented(mode, linktype, recs))
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv[1:])
