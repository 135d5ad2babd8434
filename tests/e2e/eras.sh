#!/bin/sh
# eras.sh: the hand-made logs of testdata/logs/ (synth-*, written from
# ../shared/spec/ejabberd-log-formats.md by make-synth.py), one per log era
# and per line trap: the era the report names, the login read through each
# prefix and wrapper (user, outcome, mechanism, bound JID), exit 3 with the
# lines named (masked) for text of no era and for MongooseIM, and a golden
# JSON report per file (testdata/logs/expected/NAME.json; ERAS_UPDATE=1
# rewrites them: review with git diff). Also the public sample of
# ../shared/public-logs/ read from its path: its error_logger and lager
# prefixes are recognised.
. "$(dirname "$0")/lib.sh"

LOGS=$TESTDATA/logs
q() { jq_py "$1" "$2" 2>/dev/null || echo "?"; }
cd "$LOGS" || exit 1

# era NAME RC ERAS FORMS WRAPPERS SESSIONS OUTCOME MECH JID
era() {
    name=$1
    render_golden json "$T/$name.json" "$T/$name.err" "$name"
    is "$rc" "$2" "$name: exit $2"
    check "$name: the report is schema-valid" validate "$T/$name.json" json
    is "$(q "$T/$name.json" 'd["inputs"][0]["log_eras"]')" "$3" "$name: eras $3"
    is "$(q "$T/$name.json" 'd["inputs"][0]["log_formats"]')" "$4" "$name: formats $4"
    is "$(q "$T/$name.json" 'd["inputs"][0].get("log_wrappers", [])')" "$5" "$name: wrappers $5"
    is "$(q "$T/$name.json" 'len(d["sessions"])')" "$6" "$name: $6 session(s)"
    if [ "$6" -gt 0 ]; then
        is "$(q "$T/$name.json" '" ".join(x["outcome"] for x in d["sessions"])')" "$7" "$name: outcome $7"
        is "$(q "$T/$name.json" '" ".join(x["auth"]["mechanism"] or "-" for x in d["sessions"])')" "$8" "$name: mechanism $8"
        is "$(q "$T/$name.json" '" ".join(x["jid"] or "-" for x in d["sessions"])')" "$9" "$name: bound JID $9"
        is "$(q "$T/$name.json" '" ".join(x["user"] or "-" for x in d["sessions"])')" \
            "$(q "$T/$name.json" '" ".join("alice" for x in d["sessions"])')" "$name: user alice"
    fi
    exp=expected/$name.json
    if [ "${ERAS_UPDATE:-}" = 1 ]; then
        mkdir -p expected
        cp "$T/$name.json" "$exp"
    fi
    if [ -f "$exp" ] && cmp -s "$exp" "$T/$name.json"; then
        ok "$name: matches $exp"
    else
        not_ok "$name: matches $exp"
        [ -f "$exp" ] && diag "$(diff -u "$exp" "$T/$name.json" | head -40)"
    fi
}

J=alice@example.com/synth
# file                         rc  eras        formats                    wrappers                       n outcome     mech  jid
era synth-E6-lager-file.log     0 '["E2-E6"]' '["lager_file"]'           '[]'                           1 established PLAIN $J
era synth-E6-lager-utc.log      0 '["E2-E6"]' '["lager_file"]'           '[]'                           1 established PLAIN $J
era synth-E6-lager-console.log  0 '["E2-E6"]' '["lager_console"]'        '[]'                           1 established PLAIN $J
era synth-E7-otp-console.log    0 '["E7"]'    '["otp_logger_console"]'   '[]'                           1 established PLAIN $J
era synth-E8-elixir.log         0 '["E8"]'    '["elixir_logger"]'        '[]'                           1 established PLAIN $J
era synth-docker-json.log       0 '["E7"]'    '["otp_logger_console"]'   '["docker_json"]'              1 established PLAIN $J
era synth-compose.log           0 '["E2-E6"]' '["lager_console"]'        '["docker_compose"]'           1 established PLAIN $J
era synth-journald.log          0 '["E7"]'    '["otp_logger_console"]'   '["journald"]'                 1 established PLAIN $J
era synth-journald-iso.log      0 '["E2-E6"]' '["lager_console"]'        '["journald"]'                 1 established PLAIN $J
era synth-ansi.log              0 '["E7"]'    '["otp_logger_console"]'   '["ansi_colour"]'              1 established PLAIN $J
era synth-latin1.log            0 '["E7"]'    '["otp_logger_file"]'      '["latin1"]'                   2 'established established' 'PLAIN PLAIN' "alice@example.com/caf$(printf '\303\251') alice@example.com/caf$(printf '\303\251')"
era synth-dropped.log           0 '["E7"]'    '["otp_logger_file"]'      '[]'                           1 established PLAIN $J
era synth-E6-dropped.log        0 '["E2-E6"]' '["lager_file"]'           '[]'                           1 established PLAIN $J
# E0/E1: the prefix (records, era, times) and the old messages (receiver + c2s, socket_state)
era synth-E1-info-report.log    0 '["E0-E1"]' '["error_logger"]'         '[]'                           1 established PLAIN $J
era synth-E1-tty.log            0 '["E0-E1"]' '["error_logger_tty"]'     '[]'                           1 established PLAIN $J
# E0 (1.x): no XML and no success lines; a failed legacy login is all it shows
era synth-E0-info-report.log    0 '["E0-E1"]' '["error_logger"]'         '[]'                           1 auth-failed legacy -
era synth-mongooseim.log        3 '["E2-E6"]' '["lager_file"]'           '[]'                           0

# ---- what the prefixes could not give, said once per input -----------------

notes() { q "$T/$1.json" '" | ".join(d["inputs"][0].get("log_notes", []))'; }
is "$(notes synth-E6-lager-file.log)" "times carry no zone: read as UTC" "lager file: times without a zone are read as UTC, and the report says so"
is "$(notes synth-E6-lager-utc.log)" "" "lager file with ' UTC': no note"
check "lager console: the report says the day was inferred" sh -c 'case "$1" in *"no date"*) exit 0 ;; esac; exit 1' sh "$(notes synth-E6-lager-console.log)"
is "$(q "$T/synth-E6-lager-console.log.json" 's["start"][:10] + " " + s["end"][:10]')" "1970-01-01 1970-01-02" \
    "lager console across midnight: the session ends on the next day"
is "$(q "$T/synth-E6-lager-console.log.json" 's["durations_ms"]["total"] < 60000')" true \
    "lager console across midnight: the session lasts seconds, not a day back"
is "$(q "$T/synth-journald-iso.log.json" 's["start"][:10]')" 2019-03-05 "journald short-iso: the wrapper's date is the day of time-only records"
is "$(q "$T/synth-E1-info-report.log.json" 'd["inputs"][0]["lines"]')" 49 "E1: every line read"
is "$(q "$T/synth-E1-info-report.log.json" 'd["inputs"][0]["errors"]')" "[]" "E1: no error"

# ---- dropped-record markers -------------------------------------------------

for f in synth-dropped synth-E6-dropped; do
    is "$(q "$T/$f.log.json" '[e["line"] for e in d["inputs"][0]["errors"]]')" "[9]" "$f: the marker is an input error at its line"
    is "$(q "$T/$f.log.json" '"gap" in " ".join(p["event"] for p in s["phases"])')" true "$f: the open connection has a gap there"
done

# ---- no known era, MongooseIM -----------------------------------------------

xf unknown -f json synth-unknown.txt
is "$rc" 3 "text of no era: exit 3"
check "text of no era: stderr names the first lines it could not place" \
    grep -q -F 'none of its first 4 lines is a record of any known ejabberd log era (E0-E8); not placed: line 1 "Aaaa aaaaa,", line 2 "aaa aaaaaa aaaa: aaaaa aaaaaa aa...", line 4 "Aaaaaaa"' "$T/unknown.err"
check "text of no era: its words are not printed" sh -c '! grep -q -e wonderland -e admin "$1" "$2"' sh "$T/unknown.err" "$T/unknown.out"
xf unknown_forced -f json --input log synth-unknown.txt
is "$rc" 3 "text of no era, --input log: exit 3, not 0 sessions"
check "text of no era, --input log: the error names its lines" \
    grep -q -F 'not placed: line 1 "Aaaa aaaaa,"' "$T/unknown_forced.err"
check "MongooseIM: stderr says so" grep -q 'MongooseIM log' "$T/synth-mongooseim.log.err"

# ---- the public sample (four server versions) --------------------------------

pub=$TOP_SRCDIR/../shared/public-logs/01-fail2ban-auth-lines-2.1-13.x-15.x-17.06.log
if [ -f "$pub" ]; then
    xf public -f json "$pub"
    check "public sample: read as a log (exit 0 or 1)" test "$rc" -le 1
    is "$(q "$T/public.out" 'd["inputs"][0]["log_eras"]')" '["E0-E1", "E2-E6"]' "public sample: its error_logger and lager prefixes"
else
    skip "public sample: read as a log" "no $pub"
fi

# ---- a BOSH log in a console format (no logging pid): finishes -------------------
# Made at test time from the real testdata/bosh-plain log. Its BOSH lines have no
# Got request record a held line could wait for: it once looped for ever.
sed -E 's/^[0-9-]+ ([0-9:]+\.[0-9]{3})[0-9]*\+00:00 \[([a-z]+)\] <[0-9.]+>(@[^ ]+)? /\1 [\2] /' \
    "$TESTDATA/bosh-plain/ejabberd.log" >"$T/bosh-console.log"
timeout 60 "$XMPPFLOW" -f json "$T/bosh-console.log" >"$T/bosh-console.json" 2>/dev/null
is "$?" 0 "bosh-plain as lager console lines: ends (within 60 s), exit 0"
is "$(q "$T/bosh-console.json" '[x["outcome"] for x in d["sessions"] if x["transport"] == "bosh"]')" '["established"]' \
    "bosh-plain as lager console lines: its BOSH login is established"

done_testing
