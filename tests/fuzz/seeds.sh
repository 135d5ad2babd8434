#!/bin/sh
# seeds.sh OUTDIR [TESTDATA]: the seed corpora of the fuzz targets, made from
# testdata/ (nothing here is committed: run it before fuzzing). Writes
# OUTDIR/<target>/ for each target of tests/fuzz/ (docs/fuzzing.md):
#   capture   every capture of testdata/ as it is (pcap, pcapng, .gz), and the
#             packet records of each Ethernet pcap without its file header
#             (fuzz_capture puts one back), whole and in windows of 8 records;
#             the damaged pcapng and IP fragment forms of tests/e2e/capedit.py
#   log, ejlog every log of testdata/ (scenarios, violations/, bad/)
#   decode    every packet of the captures, one file each (link layer on)
#   framer, xmlparse, deferred
#             the XML stream each client and server sent, from the logs'
#             "Received/Send XML" lines (behind a first byte, the cut the
#             targets read; for xmlparse the header's length, and the
#             elements apart by NUL bytes)
#   mask      report lines and log lines behind the six bytes fuzz_mask reads
set -eu
out=${1:?usage: seeds.sh OUTDIR [TESTDATA]}
testdata=${2:-$(cd "$(dirname "$0")/../.." && pwd)/testdata}
mkdir -p "$out"
python3 - "$out" "$testdata" <<'EOF'
import glob, hashlib, os, re, struct, sys

out, td = sys.argv[1], sys.argv[2]

def put(target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    # named by content, as libFuzzer names its corpus files
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

def records(data):
    """(header, [record bytes]) of a classic little-endian pcap, or None."""
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        return None
    recs, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, at + 8)[0]
        if at + 16 + caplen > len(data):
            break
        recs.append(data[at:at + 16 + caplen])
        at += 16 + caplen
    return data[:24], recs

captures = sorted(glob.glob(td + "/*/capture*") + glob.glob(td + "/derived/*.pcap"))
for path in captures:
    data = open(path, "rb").read()
    put("capture", data)
    r = records(data)
    if not r:
        continue
    header, recs = r
    linktype = struct.unpack_from("<I", header, 20)[0]
    for rec in recs:
        put("decode", rec[16:])
    if linktype != 1 or len(recs) > 100:
        continue
    put("capture", b"".join(recs))
    for i in range(0, len(recs), 8):
        put("capture", b"".join(recs[i:i + 8]))

logs = sorted(glob.glob(td + "/*/*.log"))
xml_line = re.compile(rb'\(\w+\|(<[0-9.]+>)\) (Received|Send) XML on stream = <<"(.*)">>')
for path in logs:
    data = open(path, "rb").read()
    put("log", data)
    put("ejlog", data)
    streams = {}
    units = {}
    for line in data.splitlines():
        m = xml_line.search(line)
        if m:
            key = (m.group(1), m.group(2))
            unit = m.group(3).replace(b'\\"', b'"')
            streams[key] = streams.get(key, b"") + unit
            units.setdefault(key, []).append(unit)
    for xml in streams.values():
        for t in ("framer", "deferred"):
            put(t, bytes([len(xml) // 2 % 256]) + xml)
    # fuzz_xmlparse: the first unit is the header (its length in the first byte), the
    # elements follow it apart by NUL bytes
    for us in units.values():
        if len(us[0]) < 256:
            put("xmlparse", bytes([len(us[0])]) + us[0] + b"\0".join(us[1:]))

# fuzz_mask: byte 0 wrapper, 1 secret, 2-3 boundaries, 4-5 position, then the context
contexts = []
for path in sorted(glob.glob(td + "/*/expected-*.txt"))[:6] + logs[:4]:
    lines = open(path, "rb").read().splitlines()
    contexts += [l for l in lines if b"<" in l or b"=" in l][:8]
for i, ctx in enumerate(contexts):
    head = bytes([i % 26, i % 12, 0x20, 0x20, (len(ctx) // 2) % 256, 0])
    put("mask", head + ctx)
EOF
# the damaged forms badinput.sh checks (capedit.py): pcapng with mixed link
# types, packets before their interface, a hostile option; IP fragments
capedit=$(cd "$(dirname "$0")/../e2e" && pwd)/capedit.py
for mode in ng ng-mixed ng-user0 ng-early ng-noidb ng-hostile frag4 frag4-overlap frag4-lost; do
    python3 "$capedit" "$mode" "$testdata/plain-no-tls/capture.pcap" "$out/capture/capedit-$mode"
done
python3 "$capedit" frag6 "$testdata/ipv6-starttls-plain/capture.pcap" "$out/capture/capedit-frag6"
python3 "$capedit" ng-mixed "$testdata/sll-plain-no-tls/capture.pcap" "$out/capture/capedit-sll-ng-mixed"
for t in "$out"/*/; do
    echo "seeds.sh: $(find "$t" -type f | wc -l) seeds in $t"
done
