#!/bin/sh
# tls.sh: TLS decryption with a key log (issue 15), on the development runs of
# testdata/tls-dev/ (real TLS on loopback between Python ssl peers, made by
# testdata/make-tls-dev.sh: not ejabberd). Decrypted content for each TLS 1.3
# AEAD suite and TLS 1.2 ECDHE AES-GCM and ChaCha20 over STARTTLS, direct TLS
# and HTTPS BOSH; opaque sessions and their reasons (no key next to a
# decrypted session, a wrong secret with the record number, an unsupported
# suite); bad key log lines told by file and line; several --keylog files;
# records cut into small TCP segments; -j 2; the key log's cap and memory; no
# key material in any output; a build without OpenSSL refuses --keylog; a
# cross-check with tshark when it is installed. Then the real ejabberd runs of
# make-testdata.sh (testdata/tls*/): every connection's user, mechanism,
# outcome, suite and decrypted record counts as tshark saw them (expect.txt).
. "$(dirname "$0")/lib.sh"

D=$TESTDATA/tls-dev
PORTS="--port 15222 --port 15223 --port 15443"

if ! "$XMPPFLOW" --version | grep -q 'key log (--keylog): available'; then
    # a build without OpenSSL: --keylog is refused, nothing else to test here
    xf nossl --keylog "$D/pyssl-direct-tls13.keys" "$D/pyssl-direct-tls13.pcap"
    is "$rc" 2 "without OpenSSL: --keylog exits 2"
    check "without OpenSSL: the message says decryption is not available" \
        grep -q 'TLS decryption is not available in this build' "$T/nossl.err"
    done_testing
fi

# ---- each scenario decrypted ------------------------------------------------
# name version suite user first-tls-event
while read -r name version suite user first; do
    version=$(printf %s "$version" | tr _ ' ')
    xf "$name" -f json $PORTS --keylog "$D/pyssl-$name.keys" "$D/pyssl-$name.pcap"
    is "$rc" 0 "$name: exit 0"
    check "$name: the report validates" validate "$T/$name.out" json
    is "$(jq_py "$T/$name.out" 's["outcome"] + " " + s["user"] + " " + str(s["decryption"]["decrypted"])')" \
        "established $user True" "$name: established, user $user, decrypted"
    is "$(jq_py "$T/$name.out" 's["decryption"]["version"] + " " + s["decryption"]["suite"]')" \
        "$version $suite" "$name: $version $suite"
    is "$(jq_py "$T/$name.out" '[p["event"] for p in s["phases"] if p.get("tls")][0]')" "$first" \
        "$name: the first element read inside TLS is $first"
    is "$(jq_py "$T/$name.out" 'len([p for p in s["phases"] if p.get("tls")]) >= 10 and not [p for p in s["phases"] if p.get("tls") and p["dir"] == "-"]')" \
        true "$name: the login's elements (not the TCP events) are marked tls"
    is "$(jq_py "$T/$name.out" '[c for c in codes if c in ("B1", "B12", "L2")]')" "[]" \
        "$name: no L2 (opaque), no B1/B12 (PLAIN inside TLS is not in clear)"
done <<EOF2
starttls-tls13-aes128 TLS_1.3 TLS_AES_128_GCM_SHA256 alice stream-restart
starttls-tls13-aes256 TLS_1.3 TLS_AES_256_GCM_SHA384 bob stream-restart
starttls-tls13-chacha20 TLS_1.3 TLS_CHACHA20_POLY1305_SHA256 carol stream-restart
starttls-tls12-ecdhe-aesgcm TLS_1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 dave stream-restart
starttls-tls12-ecdhe-chacha20 TLS_1.2 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 erin stream-restart
direct-tls13 TLS_1.3 TLS_AES_128_GCM_SHA256 frank stream-open
EOF2

# ---- HTTPS BOSH: the plaintext goes up to the HTTP and BOSH layers ----------
xf bosh -f json $PORTS --keylog "$D/pyssl-https-bosh-tls13.keys" "$D/pyssl-https-bosh-tls13.pcap"
check "https-bosh: the report validates" validate "$T/bosh.out" json
is "$(jq_py "$T/bosh.out" 's["transport"] + " " + s["user"] + " " + str(s["decryption"]["decrypted"]) + " " + s["auth"]["mechanism"]')" \
    "bosh grace True PLAIN" "https-bosh: a BOSH session read inside TLS (user, mechanism)"
is "$(jq_py "$T/bosh.out" 'all(p.get("tls") for p in s["phases"]) and s["tls"]["negotiated"]')" true \
    "https-bosh: every element inside TLS, TLS negotiated"
is "$(jq_py "$T/bosh.out" '[c for c in codes if c in ("I19", "B1", "B12")]')" "[]" \
    "https-bosh: over https, so no I19 and no B1/B12"

# ---- opaque, and why ------------------------------------------------------------
xf cbc -f json $PORTS --keylog "$D/pyssl-starttls-tls12-cbc.keys" "$D/pyssl-starttls-tls12-cbc.pcap"
is "$(jq_py "$T/cbc.out" 's["outcome"] + " " + s["decryption"]["opaque"]')" "opaque unsupported" \
    "a CBC suite: opaque, unsupported"
check "a CBC suite: the reason names the suite" grep -q 'unsupported cipher suite 0xC013' "$T/cbc.out"

xf missing -f json $PORTS --keylog "$D/pyssl-missing-key.keys" "$D/pyssl-missing-key.pcap"
check "missing key: the report validates" validate "$T/missing.out" json
is "$(jq_py "$T/missing.out" '[(x["outcome"], x["decryption"].get("opaque")) for x in d["sessions"]]')" \
    '[["established", null], ["opaque", "no-key"]]' "missing key: the keyed session decrypted, the other opaque (no-key)"
is "$(jq_py "$T/missing.out" 'd["summary"]["decryption"]')" \
    '{"decrypted": 1, "keylog_bad_lines": 0, "keylog_sessions": 1, "opaque": {"no-key": 1}}' \
    "missing key: the summary counts one decrypted, one opaque for no-key"
xf missing-text $PORTS --keylog "$D/pyssl-missing-key.keys" "$D/pyssl-missing-key.pcap"
check "missing key: the text report says why" grep -q 'opaque (no-key): no key for this session in the key log' "$T/missing-text.out"
check "missing key: the text report marks elements read inside TLS" grep -q '\[tls\] <auth' "$T/missing-text.out"

xf both -f json $PORTS --keylog "$D/pyssl-starttls-tls13-aes128.keys" --keylog "$D/pyssl-starttls-tls13-aes256.keys" \
    "$D/pyssl-missing-key.pcap"
is "$(jq_py "$T/both.out" '[x["user"] for x in d["sessions"] if x["decryption"]["decrypted"]]')" '["alice", "bob"]' \
    "two --keylog files: both sessions decrypted"

xf wrong -f json $PORTS --keylog "$D/pyssl-wrong-secret.keys" "$D/pyssl-starttls-tls13-aes128.pcap"
is "$(jq_py "$T/wrong.out" 's["outcome"] + " / " + s["decryption"]["opaque"] + " / " + s["decryption"]["opaque_reason"]')" \
    "opaque / auth-failed / server record 3 failed authentication (wrong key?)" \
    "a wrong TLS 1.3 secret: opaque, the record that failed authentication"
xf wrong12 -f json $PORTS --keylog "$D/pyssl-wrong-secret-tls12.keys" "$D/pyssl-starttls-tls12-ecdhe-aesgcm.pcap"
is "$(jq_py "$T/wrong12.out" 's["decryption"]["opaque_reason"]')" "client record 4 failed authentication (wrong key?)" \
    "a wrong TLS 1.2 master secret: the client's Finished fails"
is "$(jq_py "$T/wrong12.out" '[p for p in s["phases"] if p.get("tls")]')" "[]" "a wrong secret: no garbage read as XML"

# a client packet missing inside TLS (the 12th packet with data): the session goes opaque (gap) there
py '
import struct, sys
b = open(sys.argv[1], "rb").read()
o, recs, n = 24, [b[:24]], 0
while o + 16 <= len(b):
    cap = struct.unpack_from("<I", b, o + 8)[0]
    p = b[o:o + 16 + cap]
    o += 16 + cap
    ihl = (p[16 + 14] & 15) * 4
    doff = (p[16 + 14 + ihl + 12] >> 4) * 4
    if len(p) - 16 > 14 + ihl + doff:
        n += 1
        if n == 12:
            continue
    recs.append(p)
open(sys.argv[2], "wb").write(b"".join(recs))
' "$D/pyssl-starttls-tls13-aes128.pcap" "$T/gap.pcap"
xf gap -f json $PORTS --keylog "$D/pyssl-starttls-tls13-aes128.keys" "$T/gap.pcap"
is "$(jq_py "$T/gap.out" 's["outcome"] + " / " + str(s["decryption"]["decrypted"]) + " / " + s["decryption"]["opaque"]')" \
    "opaque / True / gap" "a packet missing inside TLS: decrypted up to it, then opaque (gap)"
is "$(jq_py "$T/gap.out" '[p["event"] for p in s["phases"] if p["seq"] > 12 and p["dir"] != "-"]')" "[]" \
    "a packet missing inside TLS: nothing read after it"

# ---- records cut into small TCP segments -------------------------------------
py '
import struct, sys
src, out = sys.argv[1], sys.argv[2]
b = open(src, "rb").read()
o, recs = 24, [b[:24]]
while o + 16 <= len(b):
    ts, us, cap, wire = struct.unpack_from("<IIII", b, o)
    p = b[o + 16:o + 16 + cap]
    o += 16 + cap
    ihl = (p[14] & 15) * 4
    tcp = 14 + ihl
    doff = (p[tcp + 12] >> 4) * 4
    data = p[tcp + doff:]
    if len(data) <= 37:
        recs.append(struct.pack("<IIII", ts, us, cap, wire) + p)
        continue
    seq = struct.unpack_from(">I", p, tcp + 4)[0]
    for k in range(0, len(data), 37):
        piece = data[k:k + 37]
        hdr = bytearray(p[:tcp + doff])
        struct.pack_into(">H", hdr, 16, ihl + doff + len(piece))
        struct.pack_into(">I", hdr, tcp + 4, (seq + k) & 0xffffffff)
        if k + 37 < len(data):
            hdr[tcp + 13] &= ~0x09 & 0xff  # FIN and PSH on the last piece only
        pkt = bytes(hdr) + piece
        recs.append(struct.pack("<IIII", ts, us, len(pkt), len(pkt)) + pkt)
open(out, "wb").write(b"".join(recs))
' "$D/pyssl-starttls-tls13-chacha20.pcap" "$T/small.pcap"
xf small -f json $PORTS --keylog "$D/pyssl-starttls-tls13-chacha20.keys" "$T/small.pcap"
xf whole -f json $PORTS --keylog "$D/pyssl-starttls-tls13-chacha20.keys" "$D/pyssl-starttls-tls13-chacha20.pcap"
is "$(jq_py "$T/small.out" '[p["summary"] for p in s["phases"] if p.get("tls")]')" \
    "$(jq_py "$T/whole.out" '[p["summary"] for p in s["phases"] if p.get("tls")]')" \
    "records cut into 37-byte TCP segments: the same elements as whole"
is "$(jq_py "$T/small.out" 's["decryption"]["app_records"]')" "$(jq_py "$T/whole.out" 's["decryption"]["app_records"]')" \
    "records cut into 37-byte TCP segments: the same records"

# ---- -j 2 ---------------------------------------------------------------------
xf j1 -f json $PORTS --keylog "$D/pyssl-missing-key.keys" "$D/pyssl-missing-key.pcap" "$D/pyssl-direct-tls13.pcap"
xf j2 -j 2 -f json $PORTS --keylog "$D/pyssl-missing-key.keys" "$D/pyssl-missing-key.pcap" "$D/pyssl-direct-tls13.pcap"
check "-j 2 gives the same report" cmp -s "$T/j1.out" "$T/j2.out"

# ---- bad key log lines ----------------------------------------------------------
{
    echo "# a key log with damage (handmade)"
    head -n 2 "$D/pyssl-starttls-tls13-aes128.keys" | tail -n 1
    echo "CLIENT_RANDOM 0123"
    echo "BOGUS_LABEL $(printf '%064d' 7) $(printf '%064d' 9)"
    echo ""
    tail -n +3 "$D/pyssl-starttls-tls13-aes128.keys"
    echo "SERVER_TRAFFIC_SECRET_0 $(printf '%064d' 1) 12zz"
} >"$T/bad.keys"
xf bad $PORTS --keylog "$T/bad.keys" "$D/pyssl-starttls-tls13-aes128.pcap"
is "$rc" 0 "bad key log lines: exit 0 (warnings)"
check "bad key log lines: line 3 told by file and number" grep -q "bad.keys:3: bad key log line (skipped): not three fields" "$T/bad.err"
check "bad key log lines: line 4 (unknown label)" grep -q "bad.keys:4: bad key log line (skipped): unknown label" "$T/bad.err"
check "bad key log lines: the last line (not hex)" grep -q "bad.keys:$(wc -l <"$T/bad.keys"):.*not hex" "$T/bad.err"
is "$(grep -c 'bad key log line' "$T/bad.err")" 3 "bad key log lines: three told"
check "bad key log lines: the other lines still decrypt" grep -q 'decrypted with the key log' "$T/bad.out"
check "bad key log lines: counted in the summary" grep -q '3 bad lines' "$T/bad.out"
xf badq -q $PORTS --keylog "$T/bad.keys" "$D/pyssl-starttls-tls13-aes128.pcap"
is "$(wc -c <"$T/badq.err" | tr -d ' ')" 0 "-q: the key log's warnings are not written"

# ---- the cap ------------------------------------------------------------------
py '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(300000):
        f.write("CLIENT_RANDOM %064x %096x\n" % (i, i * 7 + 1))
' "$T/big.keys"
if /usr/bin/time -f %M true >/dev/null 2>&1; then
    rc=0
    /usr/bin/time -f %M -o "$T/big.rss" "$XMPPFLOW" $PORTS --keylog "$T/big.keys" "$D/pyssl-direct-tls13.pcap" \
        >"$T/big.out" 2>"$T/big.err" || rc=$?
    is "$rc" 0 "a key log past the cap: exit 0"
    check "a key log past the cap: told once, at its line" grep -q "big.keys:131073: key log cap reached" "$T/big.err"
    kb=$(tail -n 1 "$T/big.rss")
    check "a key log of 300 000 lines: peak RSS ${kb} KB < 64 MB" test "$kb" -lt 65536
else
    skip "the key log's memory" "no GNU time"
fi

# ---- no key material, no password anywhere ----------------------------------------
for f in text json jsonl; do
    xf "all-$f" -f "$f" $PORTS --keylog "$D/pyssl-missing-key.keys" --keylog "$T/bad.keys" \
        --keylog "$D/pyssl-wrong-secret.keys" "$D"/pyssl-*.pcap
    xf "shown-$f" -f "$f" --show-secrets $PORTS --keylog "$D/pyssl-missing-key.keys" "$D"/pyssl-*.pcap
done
cat "$T"/*.out "$T"/*.err | grep -v '^CLIENT_RANDOM' >"$T/everything" || true
awk 'NF == 3 && $1 !~ /^#/ { print $3; print substr($3, 1, 16) }' "$D"/*.keys | sort -u >"$T/secrets"
check "no secret of any key log (nor its first 16 hex digits) in any output" \
    sh -c "! grep -i -F -f '$T/secrets' '$T/everything'"
check "no password of the dev runs in a default output" \
    sh -c "! cat '$T'/all-*.out '$T'/all-*.err | grep -E 'pw-[a-z]+-9Xq'"
check "--show-secrets shows the decrypted password (and still no key)" grep -q 'pw-alice-9Xq' "$T/shown-text.out"

# ---- --version ------------------------------------------------------------------
check "--version says decryption is available" sh -c "'$XMPPFLOW' --version | grep -q 'key log (--keylog): available'"

# ---- the real ejabberd runs of make-testdata.sh (testdata/tls*/, expect.txt from tshark) ----
# For every connection expect.txt lists: the user, mechanism and outcome; decrypted when
# keyed, with tshark's count of application data records per direction (a BOSH session:
# the client's exactly, the server's up to its last answer); opaque no-key when not keyed;
# with the wrong key log, opaque where tshark decrypts nothing.
for exp in "$TESTDATA"/tls*/expect.txt; do
    dir=$(dirname "$exp")
    name=$(basename "$dir")
    for which in "" wrong.; do
        keys=$(sed -n "s/^${which}keylog=//p" "$exp")
        [ -n "$keys" ] || continue
        xf "real-$name-$which" -f json --keylog "$dir/$keys" "$dir/$(sed -n 's/^capture=//p' "$exp")"
        res=$(py '
import json, re, sys
exp, out, which = sys.argv[1], sys.argv[2], sys.argv[3]
facts = {}
for line in open(exp, encoding="utf-8"):
    if "=" in line and not line.startswith("#"):
        k, v = line.rstrip("\n").split("=", 1)
        facts[k] = v
base = {k[len("conn"):]: v for k, v in facts.items() if re.match(r"conn[0-9]+[.]", k)}
want = {k[len(which + "conn"):]: v for k, v in facts.items() if re.match(re.escape(which) + r"conn[0-9]+[.]", k)}
conns = sorted({k.split(".")[0] for k in want})
d = json.load(open(out))
bad = []
for n in conns:
    g = lambda f: want.get(n + "." + f, base.get(n + "." + f, ""))
    port = base.get(n + ".client_port")
    ss = [s for s in d["sessions"] if (s["client"] or "").endswith(":" + str(port))]
    if len(ss) != 1:
        bad.append("conn%s: %d sessions" % (n, len(ss)))
        continue
    s = ss[0]
    dec = s.get("decryption") or {}
    c, sv = int(g("tshark_app_records_client") or 0), int(g("tshark_app_records_server") or 0)
    if g("keyed") == "no":
        if dec.get("opaque") != "no-key" or s["outcome"] != "opaque":
            bad.append("conn%s: not opaque no-key: %s" % (n, dec))
        continue
    if c + sv == 0:
        if dec.get("opaque") != "auth-failed":
            bad.append("conn%s: tshark decrypts nothing, we: %s" % (n, dec))
        continue
    got_user = (s["user"] or "") + "@" + (s["domain"] or "")
    if (got_user, s["auth"]["mechanism"], s["outcome"]) != (g("user"), g("mechanism"), g("outcome")):
        bad.append("conn%s: %s %s %s" % (n, got_user, s["auth"]["mechanism"], s["outcome"]))
    r = dec.get("app_records", {})
    bosh = g("transport") == "https-bosh"
    if not dec.get("decrypted") or r.get("client") != c or not (r.get("server") == sv or bosh and 0 < r.get("server") <= sv):
        bad.append("conn%s: records %s, tshark %d/%d" % (n, r, c, sv))
    if dec.get("suite") != g("suite"):
        bad.append("conn%s: suite %s" % (n, dec.get("suite")))
print("; ".join(bad) if bad else "ok %d" % len(conns))
' "$exp" "$T/real-$name-$which.out" "$which")
        case $res in
        ok*) ok "$name${which:+ (wrong key log)}: every connection as tshark sees it (${res#ok } connections)" ;;
        *) not_ok "$name${which:+ (wrong key log)}: every connection as tshark sees it"; diag "$res" ;;
        esac
    done
done

# SCRAM-SHA-256-PLUS over TLS 1.3 and TLS 1.2: c= carries the client Finished's verify_data (tls-unique)
xf cbind -f json --keylog "$TESTDATA/tls-scram-plus/keylog.txt" "$TESTDATA/tls-scram-plus/capture.pcap"
check "tls-scram-plus: the report validates" validate "$T/cbind.out" json
is "$(jq_py "$T/cbind.out" '[a.get("channel_binding") for x in d["sessions"] for a in x["auth"]["attempts"]]')" \
    '[{"type": "tls-unique", "verified": true}, {"type": "tls-unique", "verified": true}]' \
    "tls-scram-plus: both sessions' channel binding (tls-unique) verified against the decrypted handshake"
xf cbind-nokey -f json "$TESTDATA/tls-scram-plus/capture.pcap"
is "$(jq_py "$T/cbind-nokey.out" '[a.get("channel_binding") for x in d["sessions"] for a in x["auth"]["attempts"]]')" \
    '[]' "tls-scram-plus without keys: no channel binding claim"

# decrypted, the real runs' passwords (testdata/PASSWORDS.md) are still masked, their secrets never shown
sed -n 's/^| [^|]*| `\([^`]*\)`.*/\1/p' "$TESTDATA/PASSWORDS.md" >"$T/passwords"
check "the real runs decrypted: no password of PASSWORDS.md in a default report" \
    sh -c "test -s '$T/passwords' && ! cat '$T'/real-*.out | grep -F -f '$T/passwords'"
awk 'NF == 3 && $1 !~ /^#/ { print $3 }' "$TESTDATA"/tls*/keylog*.txt | sort -u >"$T/real-secrets"
check "the real runs decrypted: no key log secret in a report" \
    sh -c "test -s '$T/real-secrets' && ! cat '$T'/real-*.out '$T'/real-*.err | grep -i -F -f '$T/real-secrets'"

# ---- cross-check with tshark ------------------------------------------------------
if command -v tshark >/dev/null 2>&1; then
    # tshark decrypts direct TLS with the same key log: the same number of application data
    # records, and the first of them is the client's stream header
    timeout 120 tshark -r "$D/pyssl-direct-tls13.pcap" -o "tls.keylog_file:$D/pyssl-direct-tls13.keys" \
        -d tcp.port==15223,tls -Y 'tls.record.content_type == 23' -T fields -e tls.record.content_type \
        -e data.data >"$T/tshark.txt" 2>/dev/null || true
    xf cross -f json $PORTS --keylog "$D/pyssl-direct-tls13.keys" "$D/pyssl-direct-tls13.pcap"
    is "$(py 'import sys; print(sum(l.split("\t")[0].split(",").count("23") for l in open(sys.argv[1])))' "$T/tshark.txt")" \
        "$(jq_py "$T/cross.out" 's["decryption"]["app_records"]["client"] + s["decryption"]["app_records"]["server"]')" \
        "tshark: the same number of decrypted application data records"
    first=$(py 'import sys; l = open(sys.argv[1]).readline().split("\t")[1].split(",")[0]; print(bytes.fromhex(l).decode())' "$T/tshark.txt")
    case $first in
    *"<stream:stream to='example.com'"*) ok "tshark: the first decrypted record is the client's stream header" ;;
    *) not_ok "tshark: the first decrypted record is the client's stream header"; diag "got: $first" ;;
    esac
    is "$(jq_py "$T/cross.out" '[p["summary"] for p in s["phases"] if p.get("tls")][0].startswith("<stream:stream to=\x27example.com\x27")')" \
        true "xmppflow: the first element read inside TLS is the same stream header"
else
    skip "tshark cross-check" "tshark is not installed"
fi

done_testing
