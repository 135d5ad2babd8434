#!/bin/sh
# infolevel.sh: an ejabberd log at info level (no XML) is a first-class input
# (issue 14 item 1). For every testdata/*/ejabberd.log (debug level), the
# same log without its debug-level records (infolevel.py derive, made here at
# test time: not a real info-level run) must give the same sessions, users,
# outcomes, mechanisms, bound JIDs, verdicts and plaintext audit on the wire,
# and say once for the input what the level hides (L3), never per session.
# Then the bugs of the issue, each with a check that failed before.
. "$(dirname "$0")/lib.sh"

IL="python3 $E2E_DIR/infolevel.py"

# What info level cannot show, by scenario (the comparison leaves it out):
#   no-wire        the registration line has no socket tag: whether its
#                  connection ran TLS is not in the line (debug level sees it
#                  in the XML). BOSH and WebSocket are compared: their HTTP
#                  handler's listener port tells (5280 plain, 5443 TLS)
#   subset         one file of a rotated set: a connection begun in the file
#                  before is seen at debug level by its XML alone
#   sessions-only  the login stopped before ejabberd logs anything at info
#                  level (mid-SASL; refused by encryption-required before a
#                  verdict line): the connection is there, its user is not
limit() {
    case $1 in
    ibr-register-no-tls|correlate) echo --no-wire ;;
    rotated) echo --subset ;;
    disconnect-mid-sasl|starttls-required-refusal) echo --sessions-only ;;
    *) echo "" ;;
    esac
}

for f in "$TESTDATA"/*/ejabberd.log; do
    d=$(basename "$(dirname "$f")")
    $IL derive "$f" >"$T/$d.info.log"
    xf "$d.full" -f json "$f"
    xf "$d.info" -f json "$T/$d.info.log"
    mode=$(limit "$d")
    if $IL compare "$T/$d.full.out" "$T/$d.info.out" $mode >"$T/$d.cmp" 2>&1; then
        ok "$d: info level gives what debug level gives${mode:+ ($mode)}"
    else
        not_ok "$d: info level gives what debug level gives${mode:+ ($mode)}"
        diag_file "$T/$d.cmp"
    fi
    check "$d: info-level report is valid" validate "$T/$d.info.out" json
done

# ---- real runs: the same scenarios at loglevel debug and info (testdata/loglevels) ----

LL=$TESTDATA/loglevels
if [ -f "$LL/info/ejabberd.log" ] && [ -f "$LL/debug/ejabberd.log" ]; then
    xf ll-debug -f json "$LL/debug/ejabberd.log"
    xf ll-info -f json "$LL/info/ejabberd.log"
    if $IL runs "$T/ll-debug.out" "$T/ll-info.out" >"$T/ll.cmp" 2>&1; then
        ok "loglevels: the real info-level run gives the debug-level run's sessions and audit"
    else
        not_ok "loglevels: the real info-level run gives the debug-level run's sessions and audit"
        diag_file "$T/ll.cmp"
    fi
    is "$(jq_py "$T/ll-info.out" '[sorted(x["outcome"] for x in d["sessions"] if x["transport"] == "tcp")[:6], d["summary"]["plaintext_auth_wire"]["passwords"]]')" \
        '[["aborted", "aborted", "auth-failed", "auth-failed", "established", "established"], 8]' \
        "loglevels: info run outcomes (no session opened: aborted, not incomplete) and 8 passwords without TLS (6 over TCP, BOSH and WebSocket on the plain HTTP port 5280)"
    check "loglevels: the info-level report is valid" validate "$T/ll-info.out" json
else
    skip "loglevels: real info and debug runs" "testdata/loglevels not there"
fi

# ---- the bugs of issue 14, item 1 ----------------------------------------------

P=$T/plain-no-tls.info.out
is "$(jq_py "$P" 's["outcome"]+" "+str(s["jid"])')" "established alice@xmppflow.test/plain-no-tls" \
    "an info-level login with 'Opened c2s session' is established, with its bound JID"
is "$(jq_py "$P" 's["end"]')" "2026-11-25T14:49:09.877346Z" \
    "its end is its 'Closing c2s session' line"
is "$(jq_py "$P" '[a["tls"] for a in s["auth"]["attempts"]]')" "[false]" \
    "the tcp socket tag of the auth line: the attempt went without TLS"
is "$(jq_py "$T/starttls-plain-ok.info.out" '[s["tls"]["negotiated"], s["tls"]["before_auth"]] + [a["tls"] for a in s["auth"]["attempts"]]')" \
    "[true, true, true]" "the tls socket tag of the auth line: TLS before auth"
is "$(jq_py "$P" 'd["summary"]["plaintext_auth_wire"]')" \
    '{"inferred_sessions": 1, "passwords": 1, "sessions": 1, "users": ["alice"]}' \
    "PLAIN over a tcp-tagged socket is in the plaintext audit, inferred"
is "$(jq_py "$P" '[len(d["inputs"][0]["log_level"]["not_visible"]) > 0, "L3" in codes, "K4" in codes]')" \
    "[true, false, false]" "the input says what info level hides; no L3 or K4 per session"
xf pnt-text "$T/plain-no-tls.info.log"
is "$(grep -c '^    L3: info-level log: no XML' "$T/pnt-text.out")" 1 "the text report says it once, under Inputs"
is "$(jq_py "$T/starttls-required-refusal.info.out" '[len(d["sessions"]), s["client"]]')" '[1, "127.0.0.1:33598"]' \
    "a connection known only from its 'Accepted connection' line is reported"
is "$(jq_py "$T/websocket-plain.info.out" 'len(d["sessions"])')" 1 \
    "an HTTP handler's 'Accepted connection' (port 5280) is no session of its own"
is "$(jq_py "$T/sm-resume.info.out" '[x["outcome"] for x in d["sessions"]]')" '["established", "established"]' \
    "'Resumed session for' at info level is a session resumed"

# three failed PLAIN attempts on one tcp-tagged connection, a legacy login and a
# registration told by a later tcp tag (handmade, in the line forms of ejabberd 23.01)
S=$T/synth-info-plaintext.log
cat >"$S" <<'LOG'
2026-11-25 10:00:00.000000+00:00 [info] <0.335.0>@ejabberd_listener:accept/7:273 (<0.600.0>) Accepted connection 127.0.0.1:40000 -> 127.0.0.1:5222
2026-11-25 10:00:00.100000+00:00 [warning] <0.600.0>@ejabberd_c2s:process_auth_result/3:280 (tcp|<0.600.0>) Failed c2s PLAIN authentication for eve@xmppflow.test from 127.0.0.1: Invalid username or password
2026-11-25 10:00:00.200000+00:00 [warning] <0.600.0>@ejabberd_c2s:process_auth_result/3:280 (tcp|<0.600.0>) Failed c2s PLAIN authentication for eve@xmppflow.test from 127.0.0.1: Invalid username or password
2026-11-25 10:00:00.300000+00:00 [warning] <0.600.0>@ejabberd_c2s:process_auth_result/3:280 (tcp|<0.600.0>) Failed c2s PLAIN authentication for eve@xmppflow.test from 127.0.0.1: Invalid username or password
2026-11-25 10:00:00.400000+00:00 [info] <0.600.0>@ejabberd_c2s:process_terminated/2:295 (tcp|<0.600.0>) Closing c2s connection for eve@xmppflow.test: Connection failed: connection closed
2026-11-25 10:00:01.000000+00:00 [info] <0.335.0>@ejabberd_listener:accept/7:273 (<0.601.0>) Accepted connection 127.0.0.1:40002 -> 127.0.0.1:5222
2026-11-25 10:00:01.100000+00:00 [info] <0.601.0>@mod_register:try_register/6:380 The account frank@xmppflow.test was registered from IP address 127.0.0.1
2026-11-25 10:00:01.200000+00:00 [info] <0.601.0>@ejabberd_c2s:process_auth_result/3:272 (tcp|<0.601.0>) Accepted c2s legacy authentication for frank@xmppflow.test by mnesia backend from 127.0.0.1
2026-11-25 10:00:01.300000+00:00 [info] <0.601.0>@ejabberd_c2s:bind/2:450 (tcp|<0.601.0>) Opened c2s session for frank@xmppflow.test/synth
2026-11-25 10:00:09.000000+00:00 [info] <0.335.0>@ejabberd_listener:accept/7:273 (<0.602.0>) Accepted connection 127.0.0.1:40004 -> 127.0.0.1:5222
LOG
xf synth -f json "$S"
is "$(jq_py "$T/synth.out" '[[x["user"], x["outcome"], len(x["auth"]["attempts"])] for x in d["sessions"]]')" \
    '[["eve", "auth-failed", 3], ["frank", "established", 1], [null, "aborted", 0]]' \
    "synth: every failed attempt is one, the connection without lines is one"
is "$(jq_py "$T/synth.out" 'd["summary"]["plaintext_auth_wire"]')" \
    '{"inferred_sessions": 2, "passwords": 5, "sessions": 2, "users": ["eve", "frank"]}' \
    "synth: three failed PLAIN attempts are three passwords on the wire; legacy and registration two more"
is "$(jq_py "$T/synth.out" 's["end"]')" "2026-11-25T10:00:00.400000Z" \
    "synth: a session ends at its Closing line, not at the end of the file"
check "synth: the report is valid" validate "$T/synth.out" json
xf synth-j -f json -j 2 "$S"
check "synth: -j 2 gives the same report" cmp -s "$T/synth.out" "$T/synth-j.out"

done_testing
