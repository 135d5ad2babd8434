#!/bin/sh
# kinds.sh: every stream for what it is (issue 13, item 7). Another protocol on an
# XMPP port, server-to-server streams, connections picked up mid-stream and a
# password change are not client logins, or not new ones. The captures are
# hand-made (handmade-*) or cut from a real one at test time (kinds_gen.py).
. "$(dirname "$0")/lib.sh"

gen() { python3 "$E2E_DIR/kinds_gen.py" "$@"; }
plain="$TESTDATA/plain-no-tls/capture.pcap"
gen binary "$T/handmade-binary.pcap"
gen s2s "$T/handmade-s2s.pcap"
gen pwchange "$T/handmade-pwchange.pcap"
gen midsession "$T/midsession.pcap" "$plain"
gen midsession "$T/close-only.pcap" "$plain" "</stream:stream>"
gen midsession "$T/pwchange-mid.pcap" "$T/handmade-pwchange.pcap" "jabber:iq:register"

# fact FILE EXPR: the Python expression holds of the json report in FILE
fact() { [ "$(jq_py "$1" "$2")" = true ]; }

# ---- another protocol on 5223 and 5222 -----------------------------------------------------
xf binary -f json "$T/handmade-binary.pcap"
is "$rc" 0 "binary flows: exit 0"
check "binary flows: only the direct-TLS connection is a session" \
    fact "$T/binary.out" '[x["transport"] + " " + x["server"] for x in d["sessions"]] == ["tls 10.0.0.2:5223"]'
check "binary flows: summary.non_xmpp_flows counts six, per server endpoint" \
    fact "$T/binary.out" 'd["summary"]["non_xmpp_flows"]["count"] == 6 and [(v["server"], v["count"]) for v in d["summary"]["non_xmpp_flows"]["by_server"]] == [("10.0.0.2:5222", 1), ("10.0.0.2:5223", 5)]'
check "binary flows: inputs[0].non_xmpp_flows is 6, and they are in no login statistic" \
    fact "$T/binary.out" 'd["inputs"][0]["non_xmpp_flows"] == 6 and d["summary"]["sessions"] == 1 and d["summary"]["by_transport"] == {"tls": 1}'
check "binary flows: the report is schema-valid" validate "$T/binary.out" json
xf binary_text -f text "$T/handmade-binary.pcap"
check "binary flows: the text summary says 6 non-XMPP flows" grep -q "non-XMPP flows       6 " "$T/binary_text.out"
xf binary_all -f json --all-connections "$T/handmade-binary.pcap"
check "binary flows: --all-connections reports every connection as a session" \
    fact "$T/binary_all.out" 'len(d["sessions"]) == 7 and "non_xmpp_flows" not in d["summary"]'

# ---- server-to-server streams ------------------------------------------------------------
xf s2s -f json "$T/handmade-s2s.pcap"
is "$rc" 0 "s2s: exit 0"
check "s2s: the client login is the only session" \
    fact "$T/s2s.out" '[x["server"] for x in d["sessions"]] == ["10.0.0.2:5222"] and d["summary"]["sessions"] == 1'
check "s2s: summary.s2s_streams counts the two streams to 10.0.0.2:5269, inputs[0] too" \
    fact "$T/s2s.out" 'd["summary"]["s2s_streams"]["count"] == 2 and [(v["server"], v["count"]) for v in d["summary"]["s2s_streams"]["by_server"]] == [("10.0.0.2:5269", 2)] and d["inputs"][0]["s2s_streams"] == 2'
check "s2s: the login statistics are the client's alone" \
    fact "$T/s2s.out" 'd["summary"]["by_outcome"] == {"established": 1} and d["summary"]["by_mechanism"] == {"PLAIN": 1} and sorted(d["summary"]["violations"]["by_code"]) == ["B1", "B12", "B6"]'
check "s2s: the report is schema-valid" validate "$T/s2s.out" json
for j in 2 3; do
    xf s2s_j -f json -j "$j" "$T/handmade-s2s.pcap"
    check "s2s: -j $j writes the same report" cmp -s "$T/s2s.out" "$T/s2s_j.out"
    xf binary_j -f json -j "$j" "$T/handmade-binary.pcap"
    check "binary flows: -j $j writes the same report" cmp -s "$T/binary.out" "$T/binary_j.out"
done

# ---- picked up mid-stream ------------------------------------------------------------------
xf mid -f json "$T/midsession.pcap"
check "picked up inside a session: established, A17 only (no D8, D16 or K4)" \
    fact "$T/mid.out" 's["outcome"] == "established" and codes == ["A17"]'
check "picked up inside a session: both closes are read, the JID comes from the server's stanza" \
    fact "$T/mid.out" '[p["dir"] for p in s["phases"] if p["event"] == "stream-close"] == ["C", "S"] and s["jid"] == "alice@xmppflow.test/plain-no-tls"'
xf close -f json "$T/close-only.pcap"
check "picked up at the client's </stream:stream>: the close is read, no K4" \
    fact "$T/close.out" '[p["dir"] for p in s["phases"] if p["event"] == "stream-close"] == ["C", "S"] and "K4" not in codes'
xf derived -f json "$TESTDATA/derived/plain-no-tls.mid-stream.pcap"
check "derived/plain-no-tls.mid-stream: still established with A17 and B1 only" \
    fact "$T/derived.out" 's["outcome"] == "established" and sorted(codes) == ["A17", "B1"]'

# ---- a password change ----------------------------------------------------------------------
xf pw -f json "$T/handmade-pwchange.pcap"
check "password change: established, L5 and E2" \
    fact "$T/pw.out" 's["outcome"] == "established" and "L5" in codes and "E2" in codes'
check "password change: the new password is nowhere in the default report" sh -c '! grep -q Looking-Glass-2 "$1"' sh "$T/pw.out"
check "password change: L5 names the user, its value <hidden>" \
    fact "$T/pw.out" '[v["message"] for v in s["violations"] if v["code"] == "L5"] == ["password of \x27alice\x27 changed (a new credential sent without TLS): password=<hidden>"]'
check "password change: alice is in the plaintext audit" \
    fact "$T/pw.out" 'd["summary"]["plaintext_auth"]["users"] == ["alice"]'
xf pw_shown -f text --show-secrets "$T/handmade-pwchange.pcap"
check "password change: --show-secrets shows the new password" grep -q "password=Looking-Glass-2" "$T/pw_shown.out"
xf pwmid -f json "$T/pwchange-mid.pcap"
check "password change picked up mid-stream: established, not registered; L5" \
    fact "$T/pwmid.out" 's["outcome"] == "established" and "L5" in codes and "E4" not in codes'

done_testing
