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
check "--version prints 'xmppflow <version>' and nothing else" \
    grep -qx 'xmppflow [0-9][0-9A-Za-z.+~-]*' "$T/version.out"
is "$(wc -l <"$T/version.out" | tr -d ' ')" 1 "--version prints one line"
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
xf cl3 -f json --client 127.0.0 "$T/c.log"
is "$(nsessions "$T/cl3.out")" 0 "--client 127.0.0 (a prefix, not an address) keeps none"

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
