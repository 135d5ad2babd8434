"""tcpcap: hand-made captures of one client connection (Ethernet, IPv4, TCP to 5222).

For the e2e scripts that need what no real server sends (a 50 MB element,
<proceed/> and a header in one segment...): a pcap written packet by packet,
with correct IPv4 checksums and sequence numbers, so that it reassembles like
a real capture.

    c = Conn("out.pcap", step_us=1000)   # writes the file header and the handshake
    c.send(True, b"<stream:stream ...>")  # client data (segments of at most mss)
    c.send(False, b"...")                 # server data
    c.close()                             # FIN, FIN, ACK

Several connections in one file: the first Conn writes the file header and
owns the file, the others share it (f=first.f) with other ports (cport=,
sport=); the first one is closed last (its close() closes the file).
"""
import struct

ETH = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
SYN, FIN, ACK, PSH_ACK = 0x02, 0x11, 0x10, 0x18


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Conn:
    def __init__(self, path, step_us=1000, mss=65000, f=None, cport=40000, sport=5222, t0=1700000000):
        self.owns_file = f is None
        self.f = open(path, "wb") if f is None else f
        if self.owns_file:
            self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.cip, self.sip, self.cport, self.sport = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), cport, sport
        self.t = [t0, 0]
        self.step_us, self.mss = step_us, mss
        self.cs, self.ss = 1000, 5000
        self.pkt(True, self.cs, 0, SYN)
        self.pkt(False, self.ss, self.cs + 1, 0x12)
        self.cs += 1
        self.ss += 1
        self.pkt(True, self.cs, self.ss, ACK)

    def pkt(self, fromc, seq, ack, flags, payload=b""):
        src, dst, sp, dp = (
            (self.cip, self.sip, self.cport, self.sport) if fromc else (self.sip, self.cip, self.sport, self.cport)
        )
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        frame = ETH + ip + tcp + payload
        self.t[1] += self.step_us
        if self.t[1] >= 1000000:
            self.t[0], self.t[1] = self.t[0] + 1, self.t[1] - 1000000
        self.f.write(struct.pack("<IIII", self.t[0], self.t[1], len(frame), len(frame)) + frame)

    def send(self, fromc, data):
        for i in range(0, len(data), self.mss):
            chunk = data[i : i + self.mss]
            if fromc:
                self.pkt(True, self.cs, self.ss, PSH_ACK, chunk)
                self.cs += len(chunk)
            else:
                self.pkt(False, self.ss, self.cs, PSH_ACK, chunk)
                self.ss += len(chunk)

    def close(self):
        self.pkt(True, self.cs, self.ss, FIN)
        self.cs += 1
        self.pkt(False, self.ss, self.cs, FIN)
        self.ss += 1
        self.pkt(True, self.cs, self.ss, ACK)
        if self.owns_file:
            self.f.close()
