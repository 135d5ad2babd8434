#!/bin/sh
# bosh.sh: BOSH (XEP-0124, XEP-0206) from captures, on the real ejabberd 23.01
# runs of testdata/bosh-* and the variants testdata/make-derived.py made of
# bosh-plain: one session per sid whatever the number of TCP connections, the
# seed's steps, each fault with its id, and the variants (chunked bodies,
# pipelined requests, 1-byte segments) give the events of their source.
. "$(dirname "$0")/lib.sh"

# events D: the session's steps as "dir:event" words, one session expected
events() {
    jq_py "$1" '" ".join(p["dir"] + ":" + p["event"] for p in s["phases"]) if len(d["sessions"]) == 1 else "sessions: %d" % len(d["sessions"])'
}

# each_way D: the same, the client's steps then the server's (pipelined
# requests put a request before the answer to the one before it)
each_way() {
    jq_py "$1" '" | ".join(" ".join(p["event"] for p in s["phases"] if p["dir"] == w) for w in "CS")'
}

for sc in bosh-plain bosh-two-connections bosh-scram bosh-wrong-password bosh-bad-rid bosh-expired-sid; do
    xf "$sc" -f json "$TESTDATA/$sc/capture.pcap"
    is "$(jq_py "$T/$sc.out" 'len(d["sessions"])')" 1 "$sc: one session"
    is "$(jq_py "$T/$sc.out" 's["transport"]')" bosh "$sc: transport bosh"
    is "$(jq_py "$T/$sc.out" 'len(s["connections"]) == len(set(c["client"] for c in s["connections"]))')" true \
        "$sc: its TCP connections listed once each"
done

# the seed's walkthrough: creation, SASL PLAIN, restart, bind, session, terminate
is "$(events "$T/bosh-plain.out")" \
    "C:stream-open S:stream-open S:features C:auth(PLAIN) S:success C:stream-restart S:stream-open S:features C:bind S:bind-result C:session S:session-result C:stanza:message S:stanza:message C:stanza:presence C:stream-close S:stream-close" \
    "bosh-plain: the seed's steps, in order"
is "$(jq_py "$T/bosh-plain.out" '[s["outcome"], s["user"], s["jid"], s["auth"]["mechanism"], s["auth"]["outcome"]]')" \
    '["established", "alice", "alice@xmppflow.test/bosh-plain", "PLAIN", "success"]' "bosh-plain: established, alice, PLAIN"
is "$(jq_py "$T/bosh-plain.out" 's["phases"][0]["summary"].startswith("rid=2127078 ") and s["phases"][1]["summary"].startswith("sid=2f21556d... ")')" \
    true "bosh-plain: the client's rid and the sid, cut to 8 characters, are shown"
check "bosh-plain: the whole sid is never shown" sh -c "! grep -q 2f21556d27135dd99c3c41e12b68892d3fb64796 '$T/bosh-plain.out'"
is "$(jq_py "$T/bosh-plain.out" 'd["summary"]["plaintext_auth"]["users"]')" '["alice"]' \
    "bosh-plain: PLAIN over http:// is in the plaintext audit"
is "$(jq_py "$T/bosh-plain.out" 'sorted(set(codes))')" '["B1", "B12", "B17", "C11", "I19"]' \
    "bosh-plain: only true findings (cleartext PLAIN, BOSH over http://)"

is "$(jq_py "$T/bosh-two-connections.out" 'len(s["connections"])')" 2 "bosh-two-connections: two TCP connections, one session"
is "$(events "$T/bosh-two-connections.out")" "$(events "$T/bosh-plain.out")" \
    "bosh-two-connections: the steps of the one-connection login (long polls are no steps)"
is "$(jq_py "$T/bosh-two-connections.out" 'sorted(set(codes))')" '["B1", "B12", "B17", "C11", "I19"]' \
    "bosh-two-connections: no finding from the parallel requests"
is "$(jq_py "$T/bosh-scram.out" '[s["outcome"], s["auth"]["mechanism"]]')" '["established", "SCRAM-SHA-1"]' "bosh-scram: SCRAM-SHA-1, established"
is "$(jq_py "$T/bosh-wrong-password.out" '[s["outcome"], "C7" in codes]')" '["auth-failed", true]' "bosh-wrong-password: auth-failed, C7"
is "$(jq_py "$T/bosh-bad-rid.out" '[c for c in codes if c[0] == "I"]')" '["I19", "I9", "I8", "I20"]' \
    "bosh-bad-rid: the resend (I9), the rid past the window (I8), item-not-found (I20)"
is "$(jq_py "$T/bosh-bad-rid.out" '[p["event"] for p in s["phases"]].count("bind")')" 1 \
    "bosh-bad-rid: a resent bind is not read as a second bind"
is "$(jq_py "$T/bosh-expired-sid.out" '[c for c in codes if c[0] == "I"]')" '["I19", "I13", "I20"]' \
    "bosh-expired-sid: inactivity past the period (I13), then item-not-found (I20)"

xf term -f json "$TESTDATA/bosh-server-terminate/capture.pcap"
is "$(jq_py "$T/term.out" 'len(d["sessions"])')" 2 "bosh-server-terminate: two sids, two sessions"
is "$(jq_py "$T/term.out" '[v["code"] for v in d["sessions"][0]["violations"] if v["code"] in ("K1", "I20")]')" '["K1", "I20"]' \
    "bosh-server-terminate: the replaced session ends with conflict (K1) and remote-stream-error (I20)"

# the log of each run (issue 13 item 4): the same sessions as its capture, the
# client's side read from mod_bosh "Incoming data" bodies; what only one input
# shows differs (the log: C22, L1; the capture: the answers' findings I13, I20)
# and BOSH is never K4
who() {
    jq_py "$1" '[[x["outcome"], x["user"], x["jid"], x["auth"]["mechanism"], " ".join(p["event"] for p in x["phases"] if p["dir"] == "C")] for x in d["sessions"]]'
}
for sc in bosh-plain bosh-two-connections bosh-scram bosh-wrong-password bosh-bad-rid bosh-expired-sid bosh-server-terminate; do
    xf "$sc-cap" -f json "$TESTDATA/$sc/capture.pcap"
    xf "$sc-log" -f json "$TESTDATA/$sc/ejabberd.log"
    is "$(who "$T/$sc-log.out")" "$(who "$T/$sc-cap.out")" "$sc: the log's sessions, users, JIDs, mechanisms and client steps are the capture's"
    is "$(jq_py "$T/$sc-log.out" '"K4" in codes or "C21" in codes or "A11" in codes')" false "$sc: log: no K4, C21 or A11"
done

# derived variants of bosh-plain: the same events
for v in chunked pipelined split-1byte; do
    f=$TESTDATA/derived/bosh-plain.$v.pcap
    xf "v-$v" -f json "$f"
    if [ "$v" = pipelined ]; then
        is "$(each_way "$T/v-$v.out")" "$(each_way "$T/bosh-plain.out")" "derived bosh-plain.$v: the events of its source, each way"
    else
        is "$(events "$T/v-$v.out")" "$(events "$T/bosh-plain.out")" "derived bosh-plain.$v: the events of its source"
    fi
    is "$(jq_py "$T/v-$v.out" '[s["outcome"], s["user"], s["jid"]]')" \
        "$(jq_py "$T/bosh-plain.out" '[s["outcome"], s["user"], s["jid"]]')" "derived bosh-plain.$v: outcome, user, JID of its source"
done
is "$(jq_py "$T/v-pipelined.out" '"I1" in codes')" true \
    "derived bosh-plain.pipelined: pipelining is I1"
is "$(jq_py "$T/v-chunked.out" 'sorted(set(codes))')" "$(jq_py "$T/bosh-plain.out" 'sorted(set(codes))')" \
    "derived bosh-plain.chunked: no finding of its own"

# a request overtaken by the next one, sent on the other connection (made here by
# bosh_swap.py): read in rid order, the steps and findings of the source
python3 "$E2E_DIR/bosh_swap.py" "$TESTDATA/bosh-two-connections/capture.pcap" "$T/swap.pcap" 5219582
xf swap -f json "$T/swap.pcap"
is "$(events "$T/swap.out")" "$(events "$T/bosh-two-connections.out")" \
    "rid 5219582 overtaken by 5219583: the steps of the source"
is "$(jq_py "$T/swap.out" 'sorted(set(codes))')" '["B1", "B12", "B17", "C11", "I19"]' \
    "rid 5219582 overtaken by 5219583: no gap, replay or window finding"
is "$(cat "$T/swap.err")" "" "rid 5219582 overtaken: no time going back"

# -j: a BOSH session's connections go to one worker
for j in 2 3; do
    xf "j$j" -j "$j" -f json "$TESTDATA/bosh-two-connections/capture.pcap"
    check "-j $j: bosh-two-connections gives the report of one process" cmp -s "$T/j$j.out" "$T/bosh-two-connections.out"
done

# ---- tls-bosh-https from ejabberd's log: the HTTP handler's TLS (issue 14) ------------
# 23.01 logs the handler's socket ({tlssock,…} vs #Port) on its "http query"
# lines (debug); info level has only its Accepted line: the HTTPS port 5443, a
# guess said so. Before: the log session was http:// (B1, plaintext on the wire).
IL="python3 $E2E_DIR/infolevel.py"
xf tls-bosh-https-debug -f json "$TESTDATA/tls-bosh-https/ejabberd.log"
xf tls-bosh-https-pcap -f json "$TESTDATA/tls-bosh-https/capture.pcap"
$IL derive "$TESTDATA/tls-bosh-https/ejabberd.log" >"$T/tls-bosh-https.info.log"
xf tls-bosh-https-info -f json "$T/tls-bosh-https.info.log"
for lv in debug info; do
    o=$T/tls-bosh-https-$lv.out
    is "$(jq_py "$o" '[s["transport"], s["tls"]["negotiated"], s["tls"]["before_auth"], s["phases"][0]["event"]]')" \
        '["bosh", true, true, "tls-established"]' "tls-bosh-https ($lv level): bosh, TLS negotiated before auth, first"
    is "$(jq_py "$o" '["B1" in codes, "I19" in codes, d["summary"]["plaintext_auth_wire"]["users"], [a["tls"] for a in s["auth"]["attempts"]]]')" \
        '[false, false, [], [true]]' "tls-bosh-https ($lv level): no B1, no I19, nothing in plaintext_auth_wire, the attempt over TLS"
    is "$(jq_py "$o" '[s["client"], s["server"]]')" "$(jq_py "$T/tls-bosh-https-pcap.out" '[s["client"], s["server"]]')" \
        "tls-bosh-https ($lv level): the capture's client and server address"
done
is "$(jq_py "$T/tls-bosh-https-info.out" '"guess from the listener port 5443" in s["phases"][0]["summary"]')" true \
    "tls-bosh-https (info level): the TLS is said to be a guess from the port"
is "$(jq_py "$T/tls-bosh-https-debug.out" '"tlssock" in s["phases"][0]["summary"]')" true \
    "tls-bosh-https (debug level): the TLS is from the handler's socket"

done_testing
