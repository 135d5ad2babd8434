"""bosh_swap.py IN OUT RID: a capture where the request carrying RID (and the
packets of its TCP connection that follow it, up to the next request's rid)
comes after the next request, sent on another connection: what a BOSH client's
two connections do when the second one's request overtakes the first's. Each
connection's own packets keep their order; the moved ones are timed 1 us after
the overtaking request. Used by bosh.sh (made at test time)."""
import re
import struct
import sys


def records(b):
    off = 24
    while off < len(b):
        ts, tu, incl, orig = struct.unpack("<IIII", b[off:off + 16])
        yield [ts, tu, incl, orig, b[off + 16:off + 16 + incl]]
        off += 16 + incl


def conn(data):
    """the TCP connection of a frame (Ethernet, IPv4 without options): its two ports"""
    return frozenset(struct.unpack("!HH", data[34:38]))


def main():
    src, out, rid = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    b = open(src, "rb").read()
    recs = list(records(b))
    body = next(i for i, r in enumerate(recs) if b"rid='" + rid + b"'" in r[4])
    # from its request line on (the headers may be a segment of their own)
    first = max(i for i in range(body + 1) if conn(recs[i][4]) == conn(recs[body][4])
                and b"POST " in recs[i][4])
    nxt = b"rid='%d'" % (int(rid) + 1)
    second = next(i for i, r in enumerate(recs) if nxt in r[4])
    c = conn(recs[first][4])
    moved = [r for r in recs[first:second] if conn(r[4]) == c]
    kept = [r for i, r in enumerate(recs) if not (first <= i < second and conn(r[4]) == c)]
    at = kept.index(recs[second]) + 1
    ts, tu = recs[second][0], recs[second][1]
    for k, r in enumerate(moved):
        usec = tu + 1 + k
        r[0], r[1] = ts + usec // 1000000, usec % 1000000
    kept[at:at] = moved
    with open(out, "wb") as f:
        f.write(b[:24])
        for ts, tu, incl, orig, data in kept:
            f.write(struct.pack("<IIII", ts, tu, incl, orig) + data)


main()
