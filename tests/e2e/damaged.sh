#!/bin/sh
# damaged.sh: damaged input says so (issue 11 §4), on copies of the real
# testdata/plain-no-tls capture and log made here:
# - holes in the capture (every data segment cut in 7-byte pieces, some left
#   out): in the base64 of the client's SASL PLAIN <auth>, in its start tag,
#   across the end of one element and the start of the next, in the server's
#   <success/>. The element a hole cuts is still classified from what was seen,
#   marked damaged with the hole's offset and length, and the stream goes on;
# - time going back inside a capture (by 56 years from a packet on, by an hour
#   for one packet) or a log (by an hour from a line on): the session's times
#   stay in order (no negative step, no 56-year duration), L4 on the session,
#   an input error naming the packet or line.
# Every report is schema-valid and the same read in one process or split.
. "$(dirname "$0")/lib.sh"

# derive.py: damaged copies of plain-no-tls/capture.pcap with make-derived.py's packet code
cat >"$T/derive.py" <<'EOF'
import importlib.util, os, sys
TD = os.environ["TESTDATA"]
spec = importlib.util.spec_from_file_location("md", os.path.join(TD, "make-derived.py"))
md = importlib.util.module_from_spec(spec)
spec.loader.exec_module(md)
src = md.PcapFile.read(os.path.join(TD, "plain-no-tls", "capture.pcap"))

def cut(side, lo, hi):
    """every data segment of SIDE (c/s) in 7-byte pieces (and cut at LO, HI); stream bytes [LO, HI) left out"""
    out = []
    for p, rec in zip(md.packets(src), src.records):
        if not p.payload or p.from_client() != (side == "c"):
            out.append(rec)
            continue
        base, n = md.rel_seq(src, p), len(p.payload)
        cuts = sorted({0, n, *range(7, n, 7), *[x - base for x in (lo, hi) if 0 < x - base < n]})
        sizes = [b - a for a, b in zip(cuts, cuts[1:])]
        for r, a, size in zip(p.pieces(iter(sizes)), cuts, sizes):
            if not lo <= base + a < hi:
                out.append(r)
    return src.copy(out)

def back(k, seconds, only):
    """records K.. (1-based; only K when ONLY) stamped SECONDS earlier"""
    recs = [list(r) for r in src.records]
    for i in range(k - 1, k if only else len(recs)):
        recs[i][0] -= seconds
    return src.copy(recs)

cmd, out = sys.argv[1], sys.argv[-1]
pc = cut(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])) if cmd == "cut" else \
    back(int(sys.argv[2]), int(sys.argv[3]), cmd == "back1")
with open(out, "wb") as f:
    f.write(pc.to_bytes())
EOF

# fact FILE EXPR: EXPR true on the json report FILE, with d the report, s its
# first session, ev the "dir:event" list of s, ph(name) the first phase event
# of s named so, codes the violation codes of s; on failure, what was there
cat >"$T/fact.py" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
S = d["sessions"]
s = S[0] if S else {"phases": [], "violations": []}
ev = [p["dir"] + ":" + p["event"] for p in s["phases"]]
def ph(name):
    return next((p for p in s["phases"] if p["event"] == name), {})
codes = [v["code"] for v in s["violations"]]
errs = [e for i in d["inputs"] for e in i["errors"]]
if eval(sys.argv[2]) is not True:
    print("# events:", " ".join(ev))
    print("# codes:", " ".join(codes), "| errors:", [e["message"] for e in errs])
    print("# damaged:", [(p["event"], p["damaged"]) for p in s["phases"] if "damaged" in p])
    sys.exit(1)
EOF
fact() { python3 "$T/fact.py" "$@"; }

SECRET='Wonderland-Secret-1'
PLAIN_B64='AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE='

# run NAME INPUT: the report of INPUT in json ($T/NAME.json) and text ($T/NAME.txt), each
# read by one process and by two workers (-j 2: the two must agree), the json schema-valid
run() {
    r_name=$1
    r_in=$2
    for fmt in json text; do
        xf "$r_name.$fmt.0" -f "$fmt" "$r_in"
        rc0=$rc
        xf "$r_name.$fmt.1" -j 2 -f "$fmt" "$r_in"
        check "$r_name: $fmt the same read by one process or two workers (exit $rc0)" \
            sh -c '[ "$1" = 0 ] && cmp -s "$2.0.out" "$2.1.out" && cmp -s "$2.0.err" "$2.1.err"' \
            sh "$rc0" "$T/$r_name.$fmt"
    done
    cp "$T/$r_name.json.0.out" "$T/$r_name.json"
    cp "$T/$r_name.text.0.out" "$T/$r_name.txt"
    check "$r_name: the json report is schema-valid" validate "$T/$r_name.json" json
}

# no_secret NAME: the default reports show neither the password nor the PLAIN base64
no_secret() {
    check "$1: no password or PLAIN payload in the default reports" \
        sh -c '! grep -q -e "$1" -e "$2" "$3.json" "$3.txt" "$3.json.0.err"' sh "$SECRET" "$PLAIN_B64" "$T/$1"
}

derive() { python3 "$T/derive.py" "$@"; }

# ---- holes in the capture ---------------------------------------------------
# client stream: the <auth> at offset 132 (its start tag 65 bytes, then 36 of base64),
# the presence at 517..580, the roster iq from 581; server stream: <success/> at 639

# 7 bytes of the base64 missing: the attempt and the exposure stay, the credentials cannot be read
n=hole-base64
derive cut c 202 209 "$T/$n.pcap"
run "$n" "$T/$n.pcap"
check "$n: the auth is still there, marked damaged at the hole (offset 202, 7 bytes), right after the gap" \
    fact "$T/$n.json" 'ph("auth(PLAIN)").get("damaged") == {"gap_offset": 202, "gap_bytes": 7} and ev[ev.index("C:auth(PLAIN)") - 1:ev.index("C:auth(PLAIN)") + 2] == ["-:gap", "C:auth(PLAIN)", "S:success"]'
check "$n: a PLAIN attempt, successful, plaintext, credentials unknown; the auth mechanism PLAIN" \
    fact "$T/$n.json" '[(a["mechanism"], a["result"], a["plaintext"], a["credentials"]) for a in s["auth"]["attempts"]] == [("PLAIN", "success", True, None)] and s["auth"]["mechanism"] == "PLAIN"'
check "$n: the password counts as sent in clear on the wire (B1, summary), no C17/C16 from the missing data" \
    fact "$T/$n.json" '"B1" in codes and "C17" not in codes and "C16" not in codes and d["summary"]["plaintext_auth"]["sessions"] == 1'
check "$n: only the auth is damaged; the session goes on to the end (established, both closes)" \
    fact "$T/$n.json" '[p["event"] for p in s["phases"] if "damaged" in p] == ["auth(PLAIN)"] and s["outcome"] == "established" and ev[-4:-2] == ["C:stream-close", "S:stream-close"]'
check "$n: the text summary counts it as a password on the wire" grep -q "plaintext passwords  1 session (1 on the wire" "$T/$n.txt"
check "$n: the text report marks the step" grep -q "auth(PLAIN) *\[damaged: 7 bytes missing at offset 202\] <auth mechanism='PLAIN'" "$T/$n.txt"
no_secret "$n"

# in the start tag's namespace: filled in (one login namespace fits); the base64 after it is whole
n=hole-start-tag
derive cut c 146 153 "$T/$n.pcap"
run "$n" "$T/$n.pcap"
check "$n: auth(PLAIN) marked damaged at 146+7, its credentials read from the whole base64 (alice)" \
    fact "$T/$n.json" 'ph("auth(PLAIN)").get("damaged") == {"gap_offset": 146, "gap_bytes": 7} and [(a["mechanism"], a["result"], a["plaintext"], a["credentials"]["authcid"]) for a in s["auth"]["attempts"]] == [("PLAIN", "success", True, "alice")] and s["user"] == "alice"'
no_secret "$n"
# in the name of the mechanism attribute
n=hole-attribute-name
derive cut c 181 188 "$T/$n.pcap"
run "$n" "$T/$n.pcap"
check "$n: auth(PLAIN) marked damaged at 181+7: the mechanism's name filled in" \
    fact "$T/$n.json" 'ph("auth(PLAIN)").get("damaged") == {"gap_offset": 181, "gap_bytes": 7} and "B1" in codes'

# across the end of the presence and the start of the roster iq (one hole of 8 bytes)
n=hole-two-elements
derive cut c 577 585 "$T/$n.pcap"
run "$n" "$T/$n.pcap"
check "$n: one damaged client step for the hole (577, 8 bytes): the presence as seen" \
    fact "$T/$n.json" '[(p["dir"], p["event"], p["damaged"]) for p in s["phases"] if "damaged" in p] == [("C", "stanza:presence", {"gap_offset": 577, "gap_bytes": 8})]'
check "$n: the framer found its feet again: the client's close, the server's answers, established" \
    fact "$T/$n.json" 'ev.count("C:stream-close") == 1 and "S:stanza:iq" in ev and s["outcome"] == "established" and "A16" not in codes'

# in the namespace of the server's <success/>
n=hole-success
derive cut s 653 660 "$T/$n.pcap"
run "$n" "$T/$n.pcap"
check "$n: success marked damaged at 653+7, still the SASL verdict: attempt success, established" \
    fact "$T/$n.json" 'ph("success").get("damaged") == {"gap_offset": 653, "gap_bytes": 7} and [a["result"] for a in s["auth"]["attempts"]] == ["success"] and s["outcome"] == "established" and not {"C4", "C21", "D1", "D3"} & set(codes)'

# a whole capture has no damaged step and no "damaged" key
n=whole
run "$n" "$TESTDATA/plain-no-tls/capture.pcap"
check "$n: no damaged step, no L4, no input error" \
    sh -c '! grep -q -e damaged -e L4 "$1.json" "$1.txt"' sh "$T/$n"

# ---- time going back ---------------------------------------------------------

# in order, never negative, never longer than the capture: the times of the session
in_order='all(a["time"] <= b["time"] for a, b in zip(s["phases"], s["phases"][1:])) and s["start"] <= s["end"] and 0 <= s["durations_ms"]["total"] < 1000 and all(v is None or 0 <= v < 1000 for v in s["durations_ms"].values())'
# no_negative NAME: no "+ms" below zero in the text report
no_negative() {
    check "$1: no negative +ms in the text report" \
        sh -c '! awk "\$3 ~ /^-[0-9]/" "$1.txt" | grep -q .' sh "$T/$1"
}

# from the server's <success/> (record 11) on, every packet 56 years earlier
n=time-back-56y
derive back 11 1767225600 "$T/$n.pcap"
run "$n" "$T/$n.pcap"
check "$n: the session's times in order, durations under a second" fact "$T/$n.json" "$in_order"
no_negative "$n"
check "$n: L4 at the step where time went back, saying by how much" \
    fact "$T/$n.json" '[(v["seq"], v["severity"], "56.0 years" in v["message"]) for v in s["violations"] if v["code"] == "L4"] == [(6, "info", True)]'
check "$n: one input error, at packet 11" \
    fact "$T/$n.json" '[(e["packet"], "went back by 56.0 years" in e["message"]) for e in errs] == [(11, True)]'
check "$n: the same on standard error" grep -q "$n.pcap: time went back by 56.0 years" "$T/$n.json.0.err"
check "$n: still the same login (established, 19 steps)" \
    fact "$T/$n.json" 's["outcome"] == "established" and len(ev) == 19'

# one packet (the server's <success/>) an hour early
n=time-back-1h
derive back1 11 3600 "$T/$n.pcap"
run "$n" "$T/$n.pcap"
check "$n: the session's times in order, durations under a second" fact "$T/$n.json" "$in_order"
no_negative "$n"
check "$n: L4 once, and one input error at packet 11" \
    fact "$T/$n.json" 'codes.count("L4") == 1 and [e["packet"] for e in errs] == [11]'

# a log whose lines go back an hour from the client's <auth> (line 9) on
n=time-back-log
log="$T/$n.log"
awk 'NR >= 9 { sub(/^2026-11-25 14:/, "2026-11-25 13:") } { print }' \
    "$TESTDATA/plain-no-tls/ejabberd.log" >"$log"
run "$n" "$log"
check "$n: the session's times in order, durations under a second" fact "$T/$n.json" "$in_order"
no_negative "$n"
check "$n: L4 on the session, one input error at line 9" \
    fact "$T/$n.json" 'codes.count("L4") == 1 and [(e["line"], "60.0 min" in e["message"]) for e in errs] == [(9, True)]'
check "$n: the same on standard error" grep -q "$n.log:9: time went back by 60.0 min" "$T/$n.json.0.err"

done_testing
