#!/bin/sh
# cli.sh: the command line of CONTRACT.md: options, usage errors, exit status,
# standard input, gzip, --output, --fail-on, filters, jsonl streaming, man page.
. "$(dirname "$0")/lib.sh"

ok_log="$TESTDATA/starttls-plain-ok/ejabberd.log"
two_log="$TESTDATA/concurrent/ejabberd.log"
plain_log="$TESTDATA/plain-no-tls/ejabberd.log"
man="$TOP_SRCDIR/docs/xmppflow.1"

# nsessions FILE: number of sessions in a json report ("?" when not JSON).
nsessions() {
    jq_py "$1" 'len(d["sessions"])' 2>/dev/null || echo "?"
}

# ---- --help and --version ------------------------------------------------------

xf help --help
is "$rc" 0 "--help exits 0"
check "--help prints a usage line on stdout" grep -q '^Usage: xmppflow ' "$T/help.out"
check "--help writes nothing on stderr" test ! -s "$T/help.err"
for opt in -f --format -o --output --input --show-secrets --fail-on --port --keylog \
    --user --client --progress --no-progress -q --quiet -h --help -V --version; do
    check "--help mentions $opt (CONTRACT.md)" grep -q -e "[ ,]${opt}[ ,=]" -e "[ ,]${opt}\$" "$T/help.out"
done
xf h -h
check "-h prints the same help as --help" cmp -s "$T/h.out" "$T/help.out"

xf version --version
is "$rc" 0 "--version exits 0"
check "--version prints 'xmppflow <version>' first" \
    sh -c "head -n 1 '$T/version.out' | grep -qx 'xmppflow [0-9][0-9A-Za-z.+~-]*'"
# issue 15: a second line says whether this build decrypts TLS (configure --without-openssl)
check "--version's second line says whether TLS decryption is available" \
    sh -c "sed -n 2p '$T/version.out' | grep -qE '^TLS decryption with a key log \(--keylog\): (available|not available)'"
is "$(wc -l <"$T/version.out" | tr -d ' ')" 2 "--version prints two lines"
xf V -V
check "-V prints the same as --version" cmp -s "$T/V.out" "$T/version.out"

# ---- usage errors: exit 2, a message on stderr, nothing on stdout ------------

usage_case() { # DESC ARGS...
    desc=$1
    shift
    xf usage "$@"
    if [ "$rc" -eq 2 ] && [ ! -s "$T/usage.out" ] && grep -q '^xmppflow: ' "$T/usage.err"; then
        ok "$desc: exit 2 with a message on stderr"
    else
        not_ok "$desc: exit 2 with a message on stderr (got $rc)"
        diag_file "$T/usage.err"
    fi
}
usage_case "no arguments"
usage_case "unknown option --frobnicate" --frobnicate "$ok_log"
usage_case "unknown short option -Z" -Z "$ok_log"
usage_case "--format xml" --format xml "$ok_log"
usage_case "-f without a value" -f
usage_case "--fail-on fatal" --fail-on fatal "$ok_log"
usage_case "--fail-on without a value" "$ok_log" --fail-on
usage_case "--input foo" --input foo "$ok_log"
usage_case "--port 70000" --port 70000 "$ok_log"
usage_case "--port abc" --port abc "$ok_log"
xf usage --format xml "$ok_log"
check "the bad --format value is named in the message" grep -q "xml" "$T/usage.err"

# ---- inputs that cannot be read: exit 3, one line naming the file ----------

missing="$T/no-such-file.log"
xf missing "$missing"
is "$rc" 3 "a nonexistent file exits 3"
is "$(wc -l <"$T/missing.err" | tr -d ' ')" 1 "a nonexistent file gives one line on stderr"
check "the stderr line names the file" grep -q -F "$missing" "$T/missing.err"

xf mixed -f json "$ok_log" "$missing"
is "$rc" 3 "a good log and a missing file: exit 3"
is "$(nsessions "$T/mixed.out")" 1 "a good log and a missing file: the good log's session is reported"
is "$(jq_py "$T/mixed.out" '[i["type"] for i in d["inputs"]]' 2>/dev/null || echo '?')" \
    '["ejabberd-log", null]' "a good log and a missing file: inputs[] types"
is "$(jq_py "$T/mixed.out" 'len(d["inputs"][1]["errors"]) > 0' 2>/dev/null || echo '?')" \
    true "a good log and a missing file: the missing file has an error in inputs[]"
check "a good log and a missing file: the report is schema-valid" validate "$T/mixed.out" json
xf mixed2 -f json "$missing" "$ok_log"
is "$rc/$(nsessions "$T/mixed2.out")" 3/1 "a missing file first, then a good log: exit 3, the log is still analysed"

printf 'Hello,\nthis is a shopping list.\n- eggs\n- milk\n' >"$T/notes.txt"
xf notlog "$T/notes.txt"
is "$rc" 3 "a text file that is not a log exits 3"
check "... with 'not an ejabberd log or a pcap/pcapng capture'" \
    grep -q -F "$T/notes.txt: not an ejabberd log or a pcap/pcapng capture" "$T/notlog.err"

mkdir "$T/adir"
xf dir "$T/adir"
is "$rc" 3 "a directory exits 3"
check "... and the message names it" grep -q -F "$T/adir" "$T/dir.err"

# ---- standard input, gzip, --output ------------------------------------------

# same_report A B: the two json reports agree except inputs[].path/size_bytes
# and sessions[].input (which name the file).
same_report() {
    py '
import json, sys
def norm(path):
    with open(path) as f:
        d = json.load(f)
    for i in d["inputs"]:
        i["path"] = i["size_bytes"] = None
    for s in d["sessions"]:
        s["input"] = None
    return d
a, b = norm(sys.argv[1]), norm(sys.argv[2])
if a != b:
    sys.stderr.write("reports differ\n")
    sys.exit(1)
' "$1" "$2"
}

cp "$two_log" "$T/c.log"
xf file -f json "$T/c.log"
xf stdin -f json - <"$T/c.log"
is "$rc" 0 "- reads standard input: exit 0"
is "$(jq_py "$T/stdin.out" 'd["inputs"][0]["path"]' 2>/dev/null || echo '?')" - "- is reported as path '-'"
check "- gives the same report as the file" same_report "$T/file.out" "$T/stdin.out"
xf stdintext - <"$T/c.log"
xf filetext "$T/c.log"
check "- gives the same text report as the file (apart from the name)" \
    sh -c 'sed "s#$1#-#g" "$2" | cmp -s - "$3"' sh "$T/c.log" "$T/filetext.out" "$T/stdintext.out"

gzip -9 -c "$T/c.log" >"$T/c.log.gz"
xf gz -f json "$T/c.log.gz"
is "$rc" 0 "a .gz log: exit 0"
check "a .gz log gives the same json as the plain log (except size_bytes)" \
    same_report "$T/file.out" "$T/gz.out"
is "$(jq_py "$T/gz.out" 'd["inputs"][0]["size_bytes"]' 2>/dev/null || echo '?')" \
    "$(wc -c <"$T/c.log.gz" | tr -d ' ')" "a .gz log: size_bytes is the compressed size"
cp "$T/c.log.gz" "$T/c-no-suffix"
xf gz2 -f json "$T/c-no-suffix"
check "gzip is detected from the content, not the name" same_report "$T/file.out" "$T/gz2.out"
xf gzstdin -f json - <"$T/c.log.gz"
check "a gzip log on standard input" same_report "$T/file.out" "$T/gzstdin.out"

xf o -f json -o "$T/report.json" "$T/c.log"
is "$rc" 0 "-o FILE: exit 0"
check "-o FILE: nothing on stdout" test ! -s "$T/o.out"
check "-o FILE: the report is in FILE" cmp -s "$T/report.json" "$T/file.out"
xf o2 --format=jsonl --output="$T/report.jsonl" "$T/c.log"
check "--output=FILE --format=jsonl writes a valid jsonl report" validate "$T/report.jsonl" jsonl
xf obad -o "$T/no-such-dir/report.txt" "$T/c.log"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -le 3 ] && grep -q -F "$T/no-such-dir/report.txt" "$T/obad.err"; then
    ok "-o into a missing directory fails ($rc) with a message naming the file"
else
    not_ok "-o into a missing directory fails with a message naming the file (got $rc)"
    diag_file "$T/obad.err"
fi

# -o FILE never destroys an input (same file by any name: a usage error, exit 2)
# and appears whole or not at all (issue 11 §5).
cp "$T/c.log" "$T/keep.log"
ln -s c.log "$T/c-link.log"
ln "$T/c.log" "$T/c-hard.log"
for o in "$T/c.log" "$T/c-link.log" "$T/c-hard.log" "$T/adir/../c.log"; do
    xf oself -f json -o "$o" "$T/c.log"
    if [ "$rc" -eq 2 ] && grep -q -F "$o" "$T/oself.err" && cmp -s "$T/c.log" "$T/keep.log"; then
        ok "-o $(basename "$o") naming the input: exit 2, a message naming it, the input intact"
    else
        not_ok "-o $(basename "$o") naming the input: exit 2, a message naming it, the input intact (got $rc)"
        diag_file "$T/oself.err"
        cp "$T/keep.log" "$T/c.log"
    fi
done
xf oself2 -f json -o "$T/c.log" - <"$T/c.log"
is "$rc/$(cmp -s "$T/c.log" "$T/keep.log" && echo intact)" 2/intact "-o FILE with FILE on standard input: exit 2, FILE intact"
cp "$T/keep.log" "$T/c.log" # for the tests below, should this one have failed
printf 'CLIENT_RANDOM 00 00\n' >"$T/keys.txt"
cp "$T/keys.txt" "$T/keys.keep"
xf okeys -q -o "$T/keys.txt" --keylog "$T/keys.txt" "$T/c.log"
is "$rc/$(cmp -s "$T/keys.txt" "$T/keys.keep" && echo intact)" 2/intact "-o FILE with FILE the --keylog: exit 2, FILE intact"
check "... and nothing else was created next to it" \
    test "$(find "$T" -maxdepth 1 -name '.xmppflow-*' | wc -l)" -eq 0

umask_was=$(umask)
umask 027
xf omode -f json -o "$T/mode.json" "$T/c.log"
umask "$umask_was"
is "$rc/$(stat -c %a "$T/mode.json" 2>/dev/null)" 0/640 "-o a new FILE: mode 0666 less the umask (027 here)"

if [ -w /dev/full ]; then
    for f in text json jsonl; do
        rc=0
        # shellcheck disable=SC2086 # $VALGRIND is a command prefix
        $VALGRIND "$XMPPFLOW" -f "$f" "$T/c.log" >/dev/full 2>"$T/full.err" || rc=$?
        if [ "$rc" -eq 3 ] && grep -q -F "xmppflow: standard output: write error: No space left on device" "$T/full.err"; then
            ok "-f $f with standard output on a full disk (/dev/full): exit 3, the reason on stderr"
        else
            not_ok "-f $f with standard output on a full disk (/dev/full): exit 3, the reason on stderr (got $rc)"
            diag_file "$T/full.err"
        fi
    done
    xf ofull -f text -o /dev/full "$T/c.log"
    is "$rc" 3 "-o /dev/full: exit 3"
    check "... the message names /dev/full and the errno text" \
        grep -q -F "/dev/full: write error: No space left on device" "$T/ofull.err"
else
    skip "standard output on a full disk" "no writable /dev/full"
fi

# A file size limit stands in for a full disk: the old FILE stays, no
# temporary file is left, the message names FILE and the reason, exit 3.
cat "$T/c.log" "$ok_log" "$plain_log" >"$T/three.log"
echo "the previous report" >"$T/limited.txt"
rc=0
(
    ulimit -f 8 # blocks of 512 or 1024 bytes: far less than the report
    exec "$XMPPFLOW" -f text -o "$T/limited.txt" "$T/three.log"
) >"$T/limited.out" 2>"$T/limited.err" || rc=$?
is "$rc" 3 "-o FILE past the file size limit: exit 3"
check "... the message names FILE and the errno text" \
    grep -q -F "$T/limited.txt: write error: File too large" "$T/limited.err"
is "$(cat "$T/limited.txt")" "the previous report" "... FILE keeps what it had (no partial report)"
is "$(find "$T" -maxdepth 1 -name '.xmppflow-*' | wc -l | tr -d ' ')" 0 "... and no temporary file is left"
diag_file "$T/limited.err"

# CONTRACT.md: rotated files of one server are one stream of lines
head -n 100 "$ok_log" >"$T/rot.log.1"
tail -n +101 "$ok_log" >"$T/rot.log"
xf rot -f json "$T/rot.log.1" "$T/rot.log"
xf whole -f json "$ok_log"
ph='[[x["outcome"], len(x["phases"]), x["jid"]] for x in d["sessions"]]'
is "$rc" 0 "a log split in two files (rotation): exit 0"
check \
    "a log split in two files: the session continues into the second file" \
    test "$(jq_py "$T/rot.out" "$ph" 2>/dev/null)" = "$(jq_py "$T/whole.out" "$ph")"

# ---- --fail-on ------------------------------------------------------------------

xf failnone -f json "$plain_log"
sev=$(jq_py "$T/failnone.out" '" ".join(sorted(set(v["severity"] for s in d["sessions"] for v in s["violations"])))' 2>/dev/null || echo '?')
diag "plain-no-tls violation severities: $sev"
xf fail --fail-on error "$plain_log"
is "$rc" 1 "--fail-on error on plain-no-tls (password sent without TLS) exits 1"
check "--fail-on error still writes the report" test -s "$T/fail.out"
xf failnever --fail-on never "$plain_log"
is "$rc" 0 "--fail-on never on plain-no-tls exits 0"
xf faildefault "$plain_log"
is "$rc" 0 "no --fail-on on plain-no-tls exits 0"
maxsev=$(jq_py "$T/file.out" 'max([{"info": 1, "warning": 2, "error": 3}[v["severity"]] for s in d["sessions"] for v in s["violations"]] or [0])' 2>/dev/null || echo '?')
xf failerr2 -f json --fail-on error "$T/c.log"
if [ "$maxsev" = 3 ]; then want=1; else want=0; fi
is "$rc" "$want" "--fail-on error on concurrent agrees with the report's severities (max $maxsev)"

# ---- filters ------------------------------------------------------------------------

xf all -f json "$T/c.log"
is "$(jq_py "$T/all.out" 'sorted(s["user"] for s in d["sessions"])' 2>/dev/null || echo '?')" \
    '["alice", "bob"]' "concurrent has the sessions of alice and bob"
xf ualice -f json --user alice "$T/c.log"
is "$(jq_py "$T/ualice.out" '[s["user"] for s in d["sessions"]]' 2>/dev/null || echo '?')" \
    '["alice"]' "--user alice keeps only alice's session"
is "$(jq_py "$T/ualice.out" 'd["summary"]["sessions"]' 2>/dev/null || echo '?')" 1 \
    "--user alice: the summary counts the kept session only"
xf ubob -f jsonl --user bob "$T/c.log"
is "$(jq_py "$T/ubob.out" '[s.get("user") for s in d[:-1]]' 2>/dev/null || echo '?')" \
    '["bob"]' "--user bob (jsonl) keeps only bob's session"
xf unobody -f json --user nobody "$T/c.log"
is "$rc/$(nsessions "$T/unobody.out")" 0/0 "--user nobody: exit 0, no sessions"
xf cl -f json --client 127.0.0.1 "$T/c.log"
is "$(nsessions "$T/cl.out")" 2 "--client 127.0.0.1 keeps both local sessions"
xf cl2 -f json --client 192.0.2.7 "$T/c.log"
is "$(nsessions "$T/cl2.out")" 0 "--client 192.0.2.7 keeps none"

# Filters that could match nothing because of their value are usage errors
# (issue 11 §5), and a repeated filter means any of its values.
v6_log="$TESTDATA/ipv6-starttls-plain/ejabberd.log"
users() { jq_py "$1" 'sorted(s["user"] for s in d["sessions"])' 2>/dev/null || echo '?'; }
usage_case "--client 127.0.0 (a prefix, not an address)" --client 127.0.0 "$T/c.log"
usage_case "--client localhost (a name, not an address)" --client localhost "$T/c.log"
usage_case "--client 127.0.0.1:5222 (with a port)" --client 127.0.0.1:5222 "$T/c.log"
check "... the message says the port is the problem" grep -q "no port" "$T/usage.err"
usage_case "--client [::1]:5222 (with a port)" --client '[::1]:5222' "$v6_log"
usage_case "--user alice@xmppflow.test/phone (a full JID)" --user alice@xmppflow.test/phone "$T/c.log"
usage_case "--user '' (empty)" --user '' "$T/c.log"
usage_case "--user @xmppflow.test (no user)" --user @xmppflow.test "$T/c.log"
xf cl6 -f json --client 0:0::1 "$v6_log"
is "$rc/$(users "$T/cl6.out")" '0/["alice"]' "--client 0:0::1 matches the session from [::1] (addresses, not text)"
xf cl7 -f json --client '[::1]' "$v6_log"
is "$rc/$(users "$T/cl7.out")" '0/["alice"]' "--client [::1] (bracketed, no port) matches it too"
xf cl8 -f json --client ::ffff:127.0.0.1 "$T/c.log"
is "$(users "$T/cl8.out")" '["alice", "bob"]' "--client ::ffff:127.0.0.1 (IPv4-mapped) matches 127.0.0.1"
xf cl9 -f json --client ::1 --client 127.0.0.1 "$v6_log" "$T/c.log"
is "$(nsessions "$T/cl9.out")" 3 "--client ::1 --client 127.0.0.1: the sessions of either (not the last one only)"
xf ujid -f json --user alice@xmppflow.test "$T/c.log"
is "$rc/$(users "$T/ujid.out")" '0/["alice"]' "--user alice@xmppflow.test (a bare JID) keeps alice's session"
xf ujid2 -f json --user alice@XMPPFLOW.TEST "$T/c.log"
is "$(users "$T/ujid2.out")" '["alice"]' "--user alice@XMPPFLOW.TEST: the domain is compared without case"
xf ujid3 -f json --user alice@elsewhere.test "$T/c.log"
is "$rc/$(nsessions "$T/ujid3.out")" 0/0 "--user alice@elsewhere.test: alice of another domain, none"
xf utwo -f json --user alice --user bob "$T/c.log"
is "$(users "$T/utwo.out")" '["alice", "bob"]' "--user alice --user bob: the sessions of either (not the last one only)"

# --port: no fixed table that drops the ports past the 64th
refusal=$TESTDATA/starttls-required-refusal/capture.pcap
many_ports=""
p=6000
while [ $p -lt 7000 ]; do
    many_ports="$many_ports --port $p"
    p=$((p + 1))
done
xf port1 -f json --port 5322 "$refusal"
# shellcheck disable=SC2086 # one word per option
xf portmany -f json $many_ports --port 5322 "$refusal"
check "--port 5322 after 1000 other --port options counts as --port 5322 alone" \
    cmp -s "$T/port1.out" "$T/portmany.out"
xf port0 -f json "$refusal"
check "... (the test can tell: without --port 5322 the report differs)" \
    sh -c '! cmp -s "$1" "$2"' sh "$T/port0.out" "$T/port1.out"

# ---- jsonl ---------------------------------------------------------------------------

xf jl -f jsonl "$T/c.log"
check "jsonl: valid against the schema" validate "$T/jl.out" jsonl
is "$(head -n 1 "$T/jl.out" | py 'import json,sys; d=json.loads(sys.stdin.readline()); print(isinstance(d.get("id"), int) and "phases" in d)' 2>/dev/null || echo '?')" \
    True "jsonl: the first line is a complete session object"
is "$(tail -n 1 "$T/jl.out" | py 'import json,sys; print(sorted(json.loads(sys.stdin.readline())))' 2>/dev/null || echo '?')" \
    "['inputs', 'summary', 'tool']" "jsonl: the last line has tool, inputs and summary"

# Streaming: a session line must come out while the input is still open.
mkfifo "$T/fifo"
(
    cat "$ok_log"
    sleep 8
    cat "$TESTDATA/scram-sha1-ok/ejabberd.log"
) >"$T/fifo" &
writer=$!
# shellcheck disable=SC2086
timeout "$XF_TIMEOUT" $VALGRIND "$XMPPFLOW" -f jsonl - <"$T/fifo" >"$T/stream.out" 2>"$T/stream.err" &
reader=$!
i=0
while [ $i -lt 60 ] && ! grep -q '"phases"' "$T/stream.out"; do
    sleep 0.1
    i=$((i + 1))
done
streamed() { grep -q '"phases"' "$T/stream.out" && kill -0 "$writer" 2>/dev/null; }
check \
    "jsonl: a finished session is written before the input ends" streamed
streamed || diag "after $((i / 10)) s the output had $(wc -l <"$T/stream.out") lines"
wait "$writer" || true
rc=0
wait "$reader" || rc=$?
is "$rc/$(wc -l <"$T/stream.out" | tr -d ' ')" 0/3 "jsonl streaming: exit 0, two sessions and the summary line"

# A named pipe given as FILE is read once, from its first byte (its first
# bytes, read to detect its kind, were lost when it was reopened).
cat "$ok_log" "$TESTDATA/scram-sha1-ok/ejabberd.log" >"$T/two.log"
mkfifo "$T/named.fifo"
cat "$T/two.log" >"$T/named.fifo" &
xf named -f json "$T/named.fifo"
wait
is "$rc/$(nsessions "$T/named.out")" 0/2 "a named pipe as FILE: both sessions in it"

# ---- SIGINT and SIGTERM: the report of what was read (issue 11 §5) -------------------

# sig_run NAME SIGNAL FEED ARGS...: xmppflow ARGS (reading standard input, "-")
# from a pipe that tests/e2e/feed.py fills with FEED and then holds open; once
# xmppflow holds every byte of FEED, it gets SIGNAL (or a list of signals, in
# order, sent while it is stopped). Output in $T/NAME.out, .err; status in $rc.
sig_run() {
    sr_name=$1
    sr_sig=$2
    sr_feed=$3
    shift 3
    rm -f "$T/sig.fifo" "$T/sig.ready"
    mkfifo "$T/sig.fifo"
    python3 "$E2E_DIR/feed.py" "$T/sig.fifo" "$T/sig.ready" "$sr_feed" &
    sr_feeder=$!
    # shellcheck disable=SC2086 # $VALGRIND is a command prefix
    $VALGRIND "$XMPPFLOW" "$@" <"$T/sig.fifo" >"$T/$sr_name.out" 2>"$T/$sr_name.err" &
    sr_pid=$!
    sr_i=0
    while [ ! -e "$T/sig.ready" ] && [ $sr_i -lt 600 ]; do
        sleep 0.1
        sr_i=$((sr_i + 1))
    done
    case $sr_sig in
    *" "*)
        kill -STOP "$sr_pid"
        for s in $sr_sig; do kill "-$s" "$sr_pid"; done
        kill -CONT "$sr_pid"
        ;;
    *) kill "-$sr_sig" "$sr_pid" ;;
    esac
    # a generous bound (10x what ASan needs), then it counts as hung
    sr_i=0
    while kill -0 "$sr_pid" 2>/dev/null && [ $sr_i -lt 600 ]; do
        sleep 0.1
        sr_i=$((sr_i + 1))
    done
    kill -KILL "$sr_pid" 2>/dev/null || true
    rc=0
    wait "$sr_pid" || rc=$?
    kill "$sr_feeder" 2>/dev/null || true
    wait "$sr_feeder" 2>/dev/null || true
}
summary_of() { # FILE FORMAT: the summary object of a json or jsonl report
    if [ "$2" = jsonl ]; then
        jq_py "$1" 'd[-1]["summary"]' 2>/dev/null || echo '?'
    else
        jq_py "$1" 'd["summary"]' 2>/dev/null || echo '?'
    fi
}

sig_run sigjson INT "$ok_log" -f json -
is "$rc" 130 "SIGINT while reading a live log: exit 130"
check "... the report is complete JSON, valid against the schema" validate "$T/sigjson.out" json
is "$(jq_py "$T/sigjson.out" '[d["summary"].get("interrupted"), [s["user"] for s in d["sessions"]]]' 2>/dev/null || echo '?')" \
    '[true, ["alice"]]' "... with the session read so far and summary.interrupted true"
check "... and says so on stderr" grep -q "stopped by SIGINT" "$T/sigjson.err"
check "a whole run has no summary.interrupted" \
    test "$(jq_py "$T/file.out" '"interrupted" in d["summary"]' 2>/dev/null)" = false

sig_run sigtext TERM "$T/two.log" -
is "$rc" 143 "SIGTERM while reading a live log: exit 143"
check "... the text report has both sessions" grep -q '^Session 2:' "$T/sigtext.out"
check "... and an 'interrupted' line in its summary" grep -q '^  interrupted  *yes' "$T/sigtext.out"

sig_run sigcap INT "$TESTDATA/concurrent/capture.pcap" -f jsonl -
is "$rc" 130 "SIGINT while reading a live capture: exit 130"
check "... the jsonl report is valid" validate "$T/sigcap.out" jsonl
is "$(jq_py "$T/sigcap.out" '[d[-1]["summary"]["interrupted"], d[-1]["summary"]["sessions"], d[-1]["inputs"][0]["errors"]]' 2>/dev/null || echo '?')" \
    '[true, 2, []]' "... both sessions of the capture, interrupted, no error on the input"

echo "the previous report" >"$T/sig-o.json"
sig_run sigo INT "$ok_log" -f json -o "$T/sig-o.json" -
is "$rc/$(jq_py "$T/sig-o.json" 'd["summary"]["interrupted"]' 2>/dev/null || echo '?')" 130/true \
    "SIGINT with -o FILE: exit 130, the interrupted report in FILE"
is "$(find "$T" -maxdepth 1 -name '.xmppflow-*' | wc -l | tr -d ' ')" 0 "... and no temporary file is left"

# A second signal does not wait: SIGINT then SIGTERM, delivered one after the
# other, end the run by SIGTERM (status 143, not the 130 of a finished run),
# and the report's temporary file goes with it.
echo "the previous report" >"$T/sig-twice.json"
sig_run sigtwice "INT TERM" "$ok_log" -f json -o "$T/sig-twice.json" -
is "$rc" 143 "SIGINT then SIGTERM: killed by the second (status 143)"
is "$(cat "$T/sig-twice.json")" "the previous report" "... FILE keeps what it had"
is "$(find "$T" -maxdepth 1 -name '.xmppflow-*' | wc -l | tr -d ' ')" 0 "... and no temporary file is left"

# ---- the man page documents every option of --help -----------------------------------

if [ -f "$man" ]; then
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' "$man" >"$T/man.txt"
    check "docs/xmppflow.1 is not empty" test -s "$T/man.txt"
    for opt in $(grep -o -E '(^|[ ,])--?[A-Za-z][A-Za-z-]*' "$T/help.out" | sed 's/^[ ,]//' | sort -u); do
        check "docs/xmppflow.1 documents $opt" grep -q -e "$opt\\([^A-Za-z-]\\|\$\\)" "$T/man.txt"
    done
    if command -v man >/dev/null 2>&1 && man --help 2>&1 | grep -q -- '--warnings'; then
        if MANWIDTH=80 man --warnings -l "$man" >/dev/null 2>"$T/manwarn"; then
            check "docs/xmppflow.1 renders without groff warnings" test ! -s "$T/manwarn"
            diag_file "$T/manwarn"
        fi
    fi
else
    not_ok "docs/xmppflow.1 exists"
fi

done_testing
