#!/bin/sh
# correlate.sh: a capture and the server's log of the same run (every real
# testdata/<scenario>/ has both, of one ejabberd 23.01 run) give one session
# per connection (src/pipeline/correlate.c, combine.c): events of both inputs
# marked with their source, the summary's counts those of the log alone, no
# L3, the clock offset reported (about 0 here; the shift of a capture whose
# timestamps are moved at test time); a capture and an unrelated log stay
# apart; the order of the arguments does not matter; -j gives the same.
# Goldens: testdata/starttls-plain-ok/expected-correlated.{txt,json}.
. "$(dirname "$0")/lib.sh"

scenarios_c="starttls-plain-ok plain-no-tls wrong-password bosh-plain websocket-plain concurrent"
# testdata/correlate/ (a multi-connection run captured and logged together) when it is there
[ -f "$TESTDATA/correlate/ejabberd.log" ] && scenarios_c="$scenarios_c correlate"

# the summary's counts, as one line, of a json report
counts() {
    jq_py "$1" '[d["summary"][k] for k in ("sessions", "by_outcome", "by_transport", "by_mechanism", "plaintext_auth")]'
}

for s in $scenarios_c; do
    dir=$TESTDATA/$s
    cap=$(ls "$dir"/capture.pcap "$dir"/capture.pcapng 2>/dev/null | head -n 1)
    if [ -z "$cap" ]; then
        skip "$s: capture + log" "no capture"
        continue
    fi
    xf "$s.log" -f json "$dir/ejabberd.log"
    xf "$s.both" -f json "$cap" "$dir/ejabberd.log"
    is "$rc" 0 "$s: capture + log: exit 0"
    check "$s: capture + log: the report matches the schema" validate "$T/$s.both.out" json
    is "$(counts "$T/$s.both.out")" "$(counts "$T/$s.log.out")" \
        "$s: the summary counts each login once (sessions, outcomes, transports, mechanisms, plaintext audit as the log alone)"
    is "$(jq_py "$T/$s.both.out" 'all(x.get("correlated") for x in d["sessions"])')" true \
        "$s: every session combines the capture and the log"
    is "$(jq_py "$T/$s.both.out" 'all("both" in {e.get("source") for e in x["phases"]} and {e.get("source") for e in x["phases"]} <= {"capture", "log", "both"} for x in d["sessions"]) and all(x["transport"] == "bosh" or {"capture", "log"} <= {e["source"] for e in x["phases"]} for x in d["sessions"])')" true \
        "$s: events of both inputs, each marked with its source"
    # a BOSH session has no TCP connection of its own (its carriers are listed in connections)
    is "$(jq_py "$T/$s.both.out" 'all(x["transport"] == "bosh" or any(e["event"] in ("tcp-open", "tcp-fin", "tcp-rst") and e["source"] == "capture" for e in x["phases"]) for x in d["sessions"])')" true \
        "$s: TCP events from the capture"
    is "$(jq_py "$T/$s.both.out" '[c for c in codes if c == "L3"]')" "[]" "$s: no L3 on the combined sessions"
    is "$(jq_py "$T/$s.both.out" 'all(len(x["violations"]) == len({(v["code"], v["seq"]) for v in x["violations"]}) for x in d["sessions"])')" true \
        "$s: no finding twice"
    log_codes=$(jq_py "$T/$s.log.out" 'sorted(set(codes) - {"L3"})')
    is "$(jq_py "$T/$s.both.out" "set($log_codes) <= set(codes)")" true \
        "$s: the log's findings are kept"
    is "$(jq_py "$T/$s.both.out" 'all(abs(x["correlated"]["clock_offset_ms"]) < 50 for x in d["sessions"]) and all(abs(p["clock_offset_ms"]) < 50 for p in d["summary"]["correlated"])')" true \
        "$s: clock offset about 0, per session and per input pair"
    xf "$s.rev" -f json "$dir/ejabberd.log" "$cap"
    is "$(jq_py "$T/$s.rev.out" 'd["sessions"]')" "$(jq_py "$T/$s.both.out" 'd["sessions"]')" \
        "$s: the order of the arguments does not matter"
    xf "$s.text" "$cap" "$dir/ejabberd.log"
    check "$s: text: the sources line and the src column" \
        sh -c "grep -q '^  sources capture ' '$T/$s.text.out' && grep -q '^     #  dir   src ' '$T/$s.text.out' && grep -q '^  correlated  ' '$T/$s.text.out'"
done

# ---- a capture whose clock is off ------------------------------------------
if command -v editcap >/dev/null 2>&1; then
    for s in starttls-plain-ok concurrent; do
        dir=$TESTDATA/$s
        for shift in 5 -3 10800; do
            editcap -t "$shift" "$dir/capture.pcap" "$T/$s.shift.pcap" >/dev/null 2>&1
            xf "$s.shift" -f json "$T/$s.shift.pcap" "$dir/ejabberd.log"
            xf "$s.log" -f json "$dir/ejabberd.log"
            n=$(jq_py "$T/$s.log.out" 'd["summary"]["sessions"]')
            is "$(jq_py "$T/$s.shift.out" "d['summary']['sessions'] == $n and all(x.get('correlated') for x in d['sessions'])")" true \
                "$s: capture shifted by ${shift} s: still one session per connection"
            is "$(jq_py "$T/$s.shift.out" "all(abs(p['clock_offset_ms'] + $shift * 1000) < 50 for p in d['summary']['correlated']) and all(abs(x['correlated']['clock_offset_ms'] + $shift * 1000) < 50 for x in d['sessions'])")" true \
                "$s: capture shifted by ${shift} s: the offset says so"
        done
    done
else
    skip "shifted captures" "no editcap"
fi

# ---- inputs that do not overlap stay apart ----------------------------------
xf unrel -f json "$TESTDATA/starttls-plain-ok/capture.pcap" "$TESTDATA/plain-no-tls/ejabberd.log"
is "$(jq_py "$T/unrel.out" '[d["summary"]["sessions"], any(x.get("correlated") for x in d["sessions"]), "correlated" in d["summary"]]')" \
    '[2, false, false]' "a capture and an unrelated log stay two sessions"
check "a capture and an unrelated log: the report matches the schema" validate "$T/unrel.out" json

# ---- -j: a capture and a log are read by one process ------------------------
for j in 1 2 3; do
    xf "jobs.$j" -j "$j" "$TESTDATA/concurrent/capture.pcap" "$TESTDATA/concurrent/ejabberd.log"
done
check "-j 2 and -j 3 give what -j 1 gives for a capture + log" \
    sh -c "cmp -s '$T/jobs.1.out' '$T/jobs.2.out' && cmp -s '$T/jobs.1.out' '$T/jobs.3.out'"

# ---- a capture + a rotated log set (testdata/rotated) ----------------------------
# The rotated set is one log: a session spanning the rotation is one session,
# combined with its capture session, and its log span names both files.
r=$TESTDATA/rotated
"$XMPPFLOW" -f json "$r/capture.pcap" "$r/ejabberd.log" "$r/ejabberd.log.1" "$r/ejabberd.log.2.gz" >"$T/rot.out" 2>/dev/null
is "$(jq_py "$T/rot.out" '[d["summary"]["sessions"], all(x.get("correlated") for x in d["sessions"])]')" '[5, true]' \
    "rotated: capture + the three files of the set: 5 sessions, each combined"
is "$(jq_py "$T/rot.out" '[[x["client"].split(":")[1], x["correlated"]["log"].rsplit("/", 1)[1], (x["log"].get("last_input") or "").rsplit("/", 1)[-1]] for x in d["sessions"] if x["log"].get("last_input")]')" \
    '[["51058", "ejabberd.log.2.gz", "ejabberd.log"], ["40812", "ejabberd.log.1", "ejabberd.log"]]' \
    "rotated: the sessions spanning the rotations name the log file of each end"

# ---- goldens ------------------------------------------------------------------
cd "$TESTDATA/starttls-plain-ok" || exit 1
for fmt in text json; do
    case $fmt in text) exp=expected-correlated.txt ;; json) exp=expected-correlated.json ;; esac
    render_golden "$fmt" "$T/golden.$fmt" "$T/golden.$fmt.err" capture.pcap ejabberd.log
    if [ -f "$exp" ] && cmp -s "$exp" "$T/golden.$fmt"; then
        ok "starttls-plain-ok: capture + log, $fmt: as $exp"
    else
        not_ok "starttls-plain-ok: capture + log, $fmt: as $exp"
        diff "$exp" "$T/golden.$fmt" 2>&1 | head -n 20 | sed 's/^/#   /' || true
    fi
done

done_testing
