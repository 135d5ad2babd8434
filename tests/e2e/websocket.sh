#!/bin/sh
# websocket.sh: XMPP over WebSocket (RFC 7395) from captures and logs, on the
# real ejabberd 23.01 runs of testdata/websocket-* and the variants
# testdata/make-derived.py made of them: one session per connection, the
# same login from the capture and from the log, each fault with its id, and
# the variants (fragmented messages, permessage-deflate) give the events of
# their source.
. "$(dirname "$0")/lib.sh"

# steps D: the session's client and server steps (no pseudo-events)
steps() {
    jq_py "$1" '" ".join(p["dir"] + ":" + p["event"] for p in s["phases"] if p["dir"] != "-") if len(d["sessions"]) == 1 else "sessions: %d" % len(d["sessions"])'
}
# each_way D: the client's steps, then the server's (their interleaving is timing)
each_way() {
    jq_py "$1" '" | ".join(" ".join(p["event"] for p in s["phases"] if p["dir"] == w) for w in "CS")'
}
facts() {
    jq_py "$1" '[s["transport"], s["outcome"], s["user"], s["jid"], s["auth"]["mechanism"]]'
}

for sc in websocket-plain websocket-deflate websocket-deflate-declined websocket-scram \
    websocket-wrong-password websocket-no-subprotocol; do
    xf "$sc-pcap" -f json "$TESTDATA/$sc/capture.pcap"
    xf "$sc-log" -f json "$TESTDATA/$sc/ejabberd.log"
    is "$(jq_py "$T/$sc-pcap.out" 'len(d["sessions"])')" 1 "$sc: one session from the capture"
    is "$(jq_py "$T/$sc-pcap.out" 's["transport"]')" websocket "$sc: transport websocket"
    is "$(facts "$T/$sc-pcap.out")" "$(facts "$T/$sc-log.out")" \
        "$sc: the capture and the log agree on outcome, user, JID, mechanism"
    is "$(jq_py "$T/$sc-pcap.out" '"J12" in codes')" true "$sc: ws:// is J12"
done

is "$(steps "$T/websocket-plain-pcap.out")" \
    "C:stream-open S:stream-open S:features C:auth(PLAIN) S:success C:stream-restart S:stream-open S:features C:bind S:bind-result C:stanza:message C:stream-close S:stanza:message S:stream-close" \
    "websocket-plain: <open/>, SASL, <open/> again as the restart, bind, <close/>"
is "$(jq_py "$T/websocket-plain-pcap.out" 'd["summary"]["plaintext_auth"]["users"]')" '["bob"]' \
    "websocket-plain: PLAIN over ws:// is in the plaintext audit"
is "$(jq_py "$T/websocket-wrong-password-pcap.out" '[s["outcome"], "C7" in codes]')" '["auth-failed", true]' \
    "websocket-wrong-password: auth-failed, C7"
is "$(jq_py "$T/websocket-no-subprotocol-pcap.out" '"J1" in codes')" true \
    "websocket-no-subprotocol: no Sec-WebSocket-Protocol is J1"
is "$(jq_py "$T/websocket-plain-pcap.out" '"J1" in codes')" false "websocket-plain: the xmpp subprotocol, no J1"
is "$(each_way "$T/websocket-deflate-pcap.out")" "$(each_way "$T/websocket-deflate-declined-pcap.out")" \
    "websocket-deflate: permessage-deflate inflated, the steps of the uncompressed login"

for v in websocket-plain.fragmented websocket-plain.fragmented-server websocket-deflate.fragmented; do
    src=${v%%.*}
    xf "$v" -f json "$TESTDATA/derived/$v.pcap"
    is "$(steps "$T/$v.out")" "$(steps "$T/$src-pcap.out")" "derived $v: the steps of its source"
    is "$(jq_py "$T/$v.out" 'sorted(set(codes))')" "$(jq_py "$T/$src-pcap.out" 'sorted(set(codes))')" \
        "derived $v: the findings of its source"
done

# ---- tls-wss from ejabberd's log: the HTTP handler's TLS (issue 14) ------------
# 23.01 logs the handler's socket ({tlssock,…} vs #Port) on its "http query"
# lines (debug); info level has only its Accepted line: the HTTPS port 5443, a
# guess said so. Before: the log session was http:// (B1, plaintext on the wire).
IL="python3 $E2E_DIR/infolevel.py"
xf tls-wss-debug -f json "$TESTDATA/tls-wss/ejabberd.log"
xf tls-wss-pcap -f json "$TESTDATA/tls-wss/capture.pcap"
$IL derive "$TESTDATA/tls-wss/ejabberd.log" >"$T/tls-wss.info.log"
xf tls-wss-info -f json "$T/tls-wss.info.log"
for lv in debug info; do
    o=$T/tls-wss-$lv.out
    is "$(jq_py "$o" '[s["transport"], s["tls"]["negotiated"], s["tls"]["before_auth"], s["phases"][0]["event"]]')" \
        '["websocket", true, true, "tls-established"]' "tls-wss ($lv level): websocket, TLS negotiated before auth, first"
    is "$(jq_py "$o" '["B1" in codes, "I19" in codes, d["summary"]["plaintext_auth_wire"]["users"], [a["tls"] for a in s["auth"]["attempts"]]]')" \
        '[false, false, [], [true]]' "tls-wss ($lv level): no B1, no I19, nothing in plaintext_auth_wire, the attempt over TLS"
    is "$(jq_py "$o" '[s["client"], s["server"]]')" "$(jq_py "$T/tls-wss-pcap.out" '[s["client"], s["server"]]')" \
        "tls-wss ($lv level): the capture's client and server address"
done
is "$(jq_py "$T/tls-wss-info.out" '"guess from the listener port 5443" in s["phases"][0]["summary"]')" true \
    "tls-wss (info level): the TLS is said to be a guess from the port"
is "$(jq_py "$T/tls-wss-debug.out" '"tlssock" in s["phases"][0]["summary"]')" true \
    "tls-wss (debug level): the TLS is from the handler's socket"

done_testing
