#!/usr/bin/env python3
"""gen_inputs.py: large generated inputs for the bound tests and the benchmark.

Hand-made traffic (no real server produces these volumes on demand), written
fast: each packet comes from a template with only ports, addresses, sequence
numbers and times patched, IPv4 checksums updated incrementally.

    gen_inputs.py conns N OUT   N short connections one after another (handshake,
                                headers, a PLAIN <auth> refused, closes, FINs)
    gen_inputs.py open N OUT    N connections that send their headers and stay open
    gen_inputs.py syn N OUT     N SYNs to port 5222 that nobody answers
    gen_inputs.py log N OUT     an ejabberd debug log of N short connections
                                (the lines of testdata/plain-no-tls, pids renumbered)
    gen_inputs.py big N OUT [K SIZE CHUNK]
                                N connections open at once, each client sending K
                                (default 3) <message/>s of SIZE bytes (default 900 000),
                                in pieces of CHUNK bytes (default SIZE: whole), the
                                pieces of all connections interleaved
    gen_inputs.py biglog N OUT [K SIZE CHUNK]
                                the same as an ejabberd debug log, one line per piece

OUT is a path or - for standard output. Accounts are user0 .. user999 with the
password "generated-<n>" (not test-data passwords).
"""
import base64
import os
import re
import struct
import sys

ETH = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
SYN, SYNACK, ACK, PSH, FIN, RST = 0x02, 0x12, 0x10, 0x18, 0x11, 0x14
SERVER = bytes([10, 0, 0, 2])

C_HDR = (b"<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' "
         b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")
S_HDR = (b"<?xml version='1.0'?><stream:stream id='%d' from='example.com' xmlns='jabber:client' "
         b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:features>"
         b"<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
         b"<mechanism>PLAIN</mechanism></mechanisms></stream:features>")
FAILURE = b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"
CLOSE = b"</stream:stream>"


def csum_add(a, b):
    s = a + b
    return (s & 0xFFFF) + (s >> 16)


def ip_header(length, src, dst):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, 0, 0x4000, 64, 6, 0, src, dst)
    s = sum(struct.unpack("!10H", h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return h[:10] + struct.pack("!H", ~s & 0xFFFF) + h[12:]


class Writer:
    def __init__(self, out):
        self.f = out
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = 1700000000 * 1000000
        self.buf = []

    def pkt(self, client, cport, fromc, seq, ack, flags, payload=b""):
        src, dst, sp, dp = (client, SERVER, cport, 5222) if fromc else (SERVER, client, 5222, cport)
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 65535, 0, 0)
        frame = ETH + ip_header(40 + len(payload), src, dst) + tcp + payload
        self.t += 200
        self.buf.append(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(frame), len(frame)))
        self.buf.append(frame)
        if len(self.buf) > 4096:
            self.flush()

    def flush(self):
        self.f.write(b"".join(self.buf))
        self.buf = []


def client_of(i):
    return bytes([10, 1 + (i // 60000) // 256 % 250, (i // 60000) % 256, 1]), 1024 + i % 60000


def connection(w, i, close=True):
    client, port = client_of(i)
    cs, ss = 1000, 5000
    w.pkt(client, port, True, cs, 0, SYN)
    w.pkt(client, port, False, ss, cs + 1, SYNACK)
    cs, ss = cs + 1, ss + 1
    w.pkt(client, port, True, cs, ss, ACK)
    msgs = [(True, C_HDR), (False, S_HDR % i)]
    if close:
        user = b"user%d" % (i % 1000)
        auth = b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64.b64encode(
            b"\0" + user + b"\0generated-%d" % i) + b"</auth>"
        msgs += [(True, auth), (False, FAILURE), (True, CLOSE), (False, CLOSE)]
    for fromc, data in msgs:
        if fromc:
            w.pkt(client, port, True, cs, ss, PSH, data)
            cs += len(data)
        else:
            w.pkt(client, port, False, ss, cs, PSH, data)
            ss += len(data)
    if close:
        w.pkt(client, port, True, cs, ss, FIN)
        w.pkt(client, port, False, ss, cs + 1, FIN)
        w.pkt(client, port, True, cs + 1, ss + 1, ACK)


def gen_log(n, out):
    here = os.path.dirname(os.path.abspath(__file__))
    tmpl = open(os.path.join(here, "..", "..", "testdata", "plain-no-tls", "ejabberd.log"), encoding="utf-8").read()
    pids = sorted(set(re.findall(r"<0\.(\d+)\.0>", tmpl)))
    ports = sorted(set(re.findall(r"127\.0\.0\.1:(\d{5})", tmpl)))
    # one %-template: each pid and client port becomes a slot filled per connection
    t = tmpl.replace("%", "%%")
    for k, p in enumerate(pids):
        t = t.replace("<0.%s.0>" % p, "<0.%%(p%d)d.0>" % k)
    for k, p in enumerate(ports):
        t = t.replace("127.0.0.1:%s" % p, "127.0.0.1:%%(port%d)d" % k)
    buf = []
    for i in range(n):
        v = {"p%d" % k: 1000 + i * len(pids) + k for k in range(len(pids))}
        v.update({"port%d" % k: 1024 + (i * len(ports) + k) % 60000 for k in range(len(ports))})
        buf.append(t % v)
        if len(buf) >= 256:
            out.write("".join(buf).encode())
            buf = []
    out.write("".join(buf).encode())


def big_pieces(n, k, size, chunk):
    """(connection, client?, bytes) in order: n streams opened, then each client's k
    elements of size bytes cut in pieces of chunk, round robin over the connections
    (the memory test: every stream holds an unfinished element at once)."""
    for i in range(n):
        yield i, True, C_HDR
        yield i, False, S_HDR % i
    pieces = []
    for e in range(k):
        head = b"<message to='bob@example.com' id='m%d'><body>" % e
        tail = b"</body></message>"
        el = head + b"x" * max(0, size - len(head) - len(tail)) + tail
        pieces += [el[o : o + chunk] for o in range(0, len(el), chunk)]
    for piece in pieces:
        for i in range(n):
            yield i, True, piece
    for i in range(n):
        yield i, True, CLOSE
        yield i, False, CLOSE


def gen_big(n, out, k, size, chunk):
    w = Writer(out)
    seqs = {}
    for i in range(n):
        client, port = client_of(i)
        w.pkt(client, port, True, 1000, 0, SYN)
        w.pkt(client, port, False, 5000, 1001, SYNACK)
        w.pkt(client, port, True, 1001, 5001, ACK)
        seqs[i] = [1001, 5001]
    for i, fromc, data in big_pieces(n, k, size, chunk):
        client, port = client_of(i)
        cs, ss = seqs[i]
        for o in range(0, len(data), 65000):  # segments of at most 65 000 bytes
            seg = data[o : o + 65000]
            if fromc:
                w.pkt(client, port, True, cs, ss, PSH, seg)
                cs += len(seg)
            else:
                w.pkt(client, port, False, ss, cs, PSH, seg)
                ss += len(seg)
        seqs[i] = [cs, ss]
    for i in range(n):
        client, port = client_of(i)
        cs, ss = seqs[i]
        w.pkt(client, port, True, cs, ss, FIN)
        w.pkt(client, port, False, ss, cs + 1, FIN)
        w.pkt(client, port, True, cs + 1, ss + 1, ACK)
    w.flush()


def gen_biglog(n, out, k, size, chunk):
    t = [0]

    def stamp():
        t[0] += 10
        s, us = divmod(t[0], 1000000)
        m, s = divmod(s, 60)
        return "2026-11-25 15:%02d:%02d.%06d+00:00" % (m, s, us)

    for i in range(n):
        client, port = client_of(i)
        out.write(("%s [info] <0.335.0>@ejabberd_listener:accept/7:273 (<0.%d.0>) Accepted connection "
                   "%s:%d -> 10.0.0.2:5222\n" % (stamp(), 1000 + i, ".".join(map(str, client)), port)).encode())
    for i, fromc, data in big_pieces(n, k, size, chunk):
        pid = "<0.%d.0>" % (1000 + i)
        out.write(('%s [notice] %s (tcp|%s) %s XML on stream = <<"' % (
            stamp(), pid, pid, "Received" if fromc else "Send")).encode())
        out.write(data.replace(b'"', b'\\"'))
        out.write(b'">>\n')


def main():
    mode, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    out = sys.stdout.buffer if path == "-" else open(path, "wb")
    if mode in ("big", "biglog"):
        k = int(sys.argv[4]) if len(sys.argv) > 4 else 3
        size = int(sys.argv[5]) if len(sys.argv) > 5 else 900000
        chunk = int(sys.argv[6]) if len(sys.argv) > 6 else size
        (gen_big if mode == "big" else gen_biglog)(n, out, k, size, chunk)
    elif mode == "log":
        gen_log(n, out)
    else:
        w = Writer(out)
        for i in range(n):
            if mode == "conns":
                connection(w, i)
            elif mode == "open":
                connection(w, i, close=False)
            elif mode == "syn":
                client, port = client_of(i)
                w.pkt(client, port, True, 1000, 0, SYN)
            else:
                sys.exit("unknown mode " + mode)
        w.flush()
    out.flush()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        pass
