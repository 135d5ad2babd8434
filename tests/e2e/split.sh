#!/bin/sh
# split.sh: captures read split over two processes (analyze_pipe.c: a forked
# reader sends the frames down a shared-memory ring, this process parses them
# and writes the report) give byte for byte what one process gives:
# XMPPFLOW_SPLIT=0 and XMPPFLOW_SPLIT=1 agree on standard output, standard
# error and the exit status for every capture of testdata/ (scenario and
# derived) in every format, for several captures at once (sessions may span
# files: order matters), on standard input, gzipped, and with a log. Then the
# reader's death (the test hook XMPPFLOW_TEST_READER_DIES_AFTER=N: it kills
# itself after N records): exit 3, the reason in the input's errors, and the
# sessions read until then still reported.
. "$(dirname "$0")/lib.sh"

# key PATH: a name for files in $T
key() { echo "$1" | tr '/.' '__'; }

# split_run MODE NAME ARGS...: xf NAME.MODE ARGS with XMPPFLOW_SPLIT=MODE
split_run() {
    sr_mode=$1
    sr_name=$2
    shift 2
    XMPPFLOW_SPLIT=$sr_mode
    export XMPPFLOW_SPLIT
    xf "$sr_name.$sr_mode" "$@"
    unset XMPPFLOW_SPLIT
}

# both NAME ARGS...: run ARGS in one process (NAME.0.*) and split (NAME.1.*);
# exit statuses in $rc0 and $rc1. Standard input, if redirected, is read by
# the first run only: use both_stdin for "-".
both() {
    b_name=$1
    shift
    split_run 0 "$b_name" "$@"
    rc0=$rc
    split_run 1 "$b_name" "$@"
    rc1=$rc
}

# both_stdin NAME FILE ARGS...: both, with FILE on standard input each time
both_stdin() {
    bs_name=$1
    bs_file=$2
    shift 2
    split_run 0 "$bs_name" "$@" <"$bs_file"
    rc0=$rc
    split_run 1 "$bs_name" "$@" <"$bs_file"
    rc1=$rc
}

# agree NAME: the two runs of `both NAME` agree byte for byte (no TAP output)
agree() {
    [ "$rc0" -le 3 ] && [ "$rc0" = "$rc1" ] && cmp -s "$T/$1.0.out" "$T/$1.1.out" &&
        cmp -s "$T/$1.0.err" "$T/$1.1.err"
}

# same NAME DESC: one test: agree NAME, with the differences as TAP comments
same() {
    s_name=$1
    s_desc=$2
    if agree "$s_name"; then
        ok "$s_desc: split and one process agree on stdout, stderr, exit ($rc0)"
        return 0
    fi
    not_ok "$s_desc: split and one process agree on stdout, stderr, exit (one process $rc0, split $rc1)"
    diff -u "$T/$s_name.0.out" "$T/$s_name.1.out" >"$T/diff" 2>&1 || true
    diag "  stdout (- one process, + split):"
    diag_file "$T/diff" 30
    diff -u "$T/$s_name.0.err" "$T/$s_name.1.err" >"$T/diff" 2>&1 || true
    diag "  stderr (- one process, + split):"
    diag_file "$T/diff" 10
    return 0
}


# fact FILE EXPR: the python expression EXPR is true for the json report FILE
# (names: d the report, S its sessions, errs(i) the messages of inputs[i].errors)
fact() {
    py '
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
S = d.get("sessions") or []
def errs(i):
    return [e["message"] for e in d["inputs"][i]["errors"]]
v = eval(sys.argv[2])
if v is not True:
    sys.stderr.write("false: %s\n  inputs: %s\n" % (sys.argv[2][:200], json.dumps(d.get("inputs"))[:600]))
    sys.exit(1)' "$1" "$2" 2>"$T/fact.err" && return 0
    diag_file "$T/fact.err" 6
    return 1
}

# ---- every capture, every format ----------------------------------------------------------

list=$(cd "$TESTDATA" && find . \( -name '*.pcap*' -o -name '*.pcapng*' \) -type f | sed 's|^\./||' | sort)
if [ -z "$list" ]; then
    not_ok "testdata has captures"
    done_testing
fi
n_captures=$(printf '%s\n' "$list" | wc -l | tr -d ' ')
check "testdata has scenario and derived captures ($n_captures)" test "$n_captures" -ge 30

for c in $list; do
    s=${c%%/*}
    k=$(key "$c")
    for fmt in text json jsonl; do
        # shellcheck disable=SC2046 # pcap_args prints options, split on purpose
        both "$k.$fmt" -f "$fmt" $(pcap_args "$s") "$TESTDATA/$c"
        same "$k.$fmt" "$c: $fmt"
    done
done

# The split did happen: the reader's test hook only acts in a split run.
P="$TESTDATA/plain-no-tls/capture.pcap"
C="$TESTDATA/concurrent/capture.pcap"
XMPPFLOW_TEST_READER_DIES_AFTER=1
export XMPPFLOW_TEST_READER_DIES_AFTER
both hook -f json "$P"
unset XMPPFLOW_TEST_READER_DIES_AFTER
is "$rc1" 3 "XMPPFLOW_SPLIT=1: the reader is a child (its death hook acts: exit 3)"
is "$rc0" 0 "XMPPFLOW_SPLIT=0: no reader child (the death hook does nothing: exit 0)"
both plainref -f json "$P"
check "XMPPFLOW_SPLIT=0 with the death hook: the very report of a run without it" \
    cmp -s "$T/hook.0.out" "$T/plainref.0.out"
# Unset, it splits on two CPUs or more, unless the captures are regular files
# under 1 MiB in all (a fork and a ring would cost more than they save).
python3 "$TESTDATA/../bench/make-big-pcap.py" 2 "$T/big2.pcap" 2>/dev/null
XMPPFLOW_TEST_READER_DIES_AFTER=1
export XMPPFLOW_TEST_READER_DIES_AFTER
xf hooksmall -f json "$P"
is "$rc" 0 "XMPPFLOW_SPLIT unset, a small capture file: one process (the death hook does nothing)"
if [ "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" -ge 2 ]; then
    xf hookbig -f json "$T/big2.pcap"
    is "$rc" 3 "XMPPFLOW_SPLIT unset on $(getconf _NPROCESSORS_ONLN) CPUs, a 2 MiB capture: split"
    rc=0
    # shellcheck disable=SC2086
    timeout "$XF_TIMEOUT" $VALGRIND "$XMPPFLOW" -f json - <"$P" >"$T/hookstdin.out" 2>&1 || rc=$?
    is "$rc" 3 "XMPPFLOW_SPLIT unset on $(getconf _NPROCESSORS_ONLN) CPUs, standard input: split"
else
    skip "XMPPFLOW_SPLIT unset, a 2 MiB capture: split" "one CPU"
    skip "XMPPFLOW_SPLIT unset, standard input: split" "one CPU"
fi
unset XMPPFLOW_TEST_READER_DIES_AFTER
both big2 -f jsonl "$T/big2.pcap"
same big2 "a 2 MiB capture made of the real ones"

# ---- several captures at once ------------------------------------------------------------

scen=$(captures)
all=""
for c in $scen; do all="$all $TESTDATA/$c"; done
rev=$(for c in $scen; do echo "$TESTDATA/$c"; done | sort -r | tr '\n' ' ')
der=$(cd "$TESTDATA" && ls derived/*.pcap | sed "s|^|$TESTDATA/|" | tr '\n' ' ')
for fmt in text json jsonl; do
    # shellcheck disable=SC2086 # lists of paths without spaces
    both "all.$fmt" -f "$fmt" --port 5322 $all
    same "all.$fmt" "every scenario capture at once: $fmt"
    # shellcheck disable=SC2086
    both "rev.$fmt" -f "$fmt" $rev
    same "rev.$fmt" "every scenario capture at once, in reverse order: $fmt"
    # shellcheck disable=SC2086
    both "der.$fmt" -f "$fmt" $der "$P"
    same "der.$fmt" "every derived capture, then plain-no-tls: $fmt"
done
both twice -f json "$P" "$P"
same twice "the same capture twice"
both conc_plain -f json "$C" "$P" "$C"
same conc_plain "concurrent, plain-no-tls, concurrent"

# One connection cut in two files at each packet: its session spans them (in
# order), or its second half comes first.
py '
import struct, sys
src, outdir = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
head, off, recs = data[:24], 24, []
endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
while off < len(data):
    incl = struct.unpack_from(endian + "I", data, off + 8)[0]
    recs.append(data[off:off + 16 + incl])
    off += 16 + incl
for k in range(1, len(recs)):
    open("%s/cut%02d-a.pcap" % (outdir, k), "wb").write(head + b"".join(recs[:k]))
    open("%s/cut%02d-b.pcap" % (outdir, k), "wb").write(head + b"".join(recs[k:]))
print(len(recs))' "$P" "$T" >"$T/nrecs"
nrecs=$(cat "$T/nrecs")
check "plain-no-tls cut in two at each of its $nrecs packets" test "$nrecs" -gt 20
bad_cuts=""
bad_rev=""
k=1
while [ "$k" -lt "$nrecs" ]; do
    kk=$(printf '%02d' "$k")
    for fmt in json jsonl; do
        both "cut$kk.$fmt" -f "$fmt" "$T/cut$kk-a.pcap" "$T/cut$kk-b.pcap"
        agree "cut$kk.$fmt" || bad_cuts="$bad_cuts $k/$fmt"
        both "cutr$kk.$fmt" -f "$fmt" "$T/cut$kk-b.pcap" "$T/cut$kk-a.pcap"
        agree "cutr$kk.$fmt" || bad_rev="$bad_rev $k/$fmt"
    done
    k=$((k + 1))
done
is "$bad_cuts" "" "plain-no-tls cut in two files at every packet, in order: split and one process agree (json, jsonl)"
is "$bad_rev" "" "plain-no-tls cut in two files at every packet, second half first: split and one process agree"
check "a session spanning two files is one session (cut at packet 10: plain-no-tls's)" \
    fact "$T/cut10.json.1.out" 'len(S) == 1 and S[0]["outcome"] == "established" and S[0]["user"] == "alice"'

# ---- standard input, gzip, a log -----------------------------------------------------------

for c in plain-no-tls/capture.pcap concurrent/capture.pcap pcapng-scram/capture.pcapng \
    ipv6-starttls-plain/capture.pcap.gz derived/plain-no-tls.split-1byte.pcap; do
    k=$(key "$c")
    for fmt in text json jsonl; do
        both_stdin "stdin.$k.$fmt" "$TESTDATA/$c" -f "$fmt" -
        same "stdin.$k.$fmt" "$c on standard input: $fmt"
    done
done
check "a capture on standard input is read (plain-no-tls: alice established)" \
    fact "$T/stdin.plain-no-tls_capture_pcap.json.1.out" '[x["outcome"] for x in S] == ["established"]'

for c in plain-no-tls/capture.pcap concurrent/capture.pcap pcapng-scram/capture.pcapng \
    sll-plain-no-tls/capture-sll2.pcap derived/plain-no-tls.dropped-segment.pcap; do
    k=$(key "$c")
    gzip -c "$TESTDATA/$c" >"$T/$k.gz"
    for fmt in text json jsonl; do
        both "gz.$k.$fmt" -f "$fmt" "$T/$k.gz"
        same "gz.$k.$fmt" "$c gzipped: $fmt"
    done
    both_stdin "gzin.$k" "$T/$k.gz" -f json -
    same "gzin.$k" "$c gzipped, on standard input"
done
both gzmix -f json "$T/plain-no-tls_capture_pcap.gz" "$C" "$T/concurrent_capture_pcap.gz"
same gzmix "gzipped and plain captures together"

# A bug found here: the login half kept a->reading_log from the last log it
# read, so in a split run the sessions of the captures after a log were taken
# for log sessions (json "log": {"pid": ""}, text "(pid )", an L1 "password
# readable in the server log" for a password seen on the wire).
for s in plain-no-tls concurrent stream-error-conflict sm-resume; do
    for fmt in text json jsonl; do
        both "log.$s.$fmt" -f "$fmt" "$TESTDATA/$s/ejabberd.log" "$TESTDATA/$s/capture.pcap"
        same "log.$s.$fmt" "$s: log and capture together: $fmt"
    done
    both "logr.$s" -f json "$TESTDATA/$s/capture.pcap" "$TESTDATA/$s/ejabberd.log"
    same "logr.$s" "$s: capture, then log"
done
both logmix -f json "$TESTDATA/plain-no-tls/ejabberd.log" "$C" "$TESTDATA/concurrent/ejabberd.log" "$P"
same logmix "two logs and two captures"
check "log and capture (plain-no-tls), one process: the capture's session is no log session, one L1" \
    fact "$T/log.plain-no-tls.json.0.out" '[("log" in x, [v["code"] for v in x["violations"]].count("L1")) for x in S] == [(True, 1), (False, 0)]'
check "log and capture (plain-no-tls), split: the capture's session is no log session, no L1" \
    fact "$T/log.plain-no-tls.json.1.out" '[("log" in x, [v["code"] for v in x["violations"]].count("L1")) for x in S] == [(True, 1), (False, 0)]'

# ---- the reader dies -----------------------------------------------------------------------

XMPPFLOW_SPLIT=1
XMPPFLOW_TEST_READER_DIES_AFTER=10
export XMPPFLOW_SPLIT XMPPFLOW_TEST_READER_DIES_AFTER
xf dies -f json "$C"
rc_json=$rc
xf dies_text -f text "$C"
rc_text=$rc
xf dies_jsonl -f jsonl "$C"
rc_jsonl=$rc
unset XMPPFLOW_SPLIT XMPPFLOW_TEST_READER_DIES_AFTER
MSG="capture reader stopped by signal 9; the report is partial"
is "$rc_json/$rc_text/$rc_jsonl" "3/3/3" "reader killed after 10 records: exit 3 in json, text, jsonl"
check "reader killed: the json report is valid against the schema" validate "$T/dies.out" json
check "reader killed: the jsonl report is valid against the schema" validate "$T/dies_jsonl.out" jsonl
check "reader killed: inputs[0].errors says '$MSG'" \
    fact "$T/dies.out" 'errs(0) == ["'"$MSG"'"] and len(d["inputs"]) == 1'
check "reader killed: the sessions read so far are reported (127.0.0.1:53930 to its proceed)" \
    fact "$T/dies.out" 'len(S) >= 1 and S[0]["client"] == "127.0.0.1:53930" and S[0]["server"] == "127.0.0.1:5222" and [p["event"] for p in S[0]["phases"]][:2] == ["tcp-open", "stream-open"] and "proceed" in [p["event"] for p in S[0]["phases"]]'
check "reader killed: its sessions are not complete logins" \
    fact "$T/dies.out" 'all(x["outcome"] in ("incomplete", "aborted") for x in S)'
check "reader killed: one line on stderr naming the capture and the reason" \
    sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q -F "capture.pcap: $2" "$1"' sh "$T/dies.err" "$MSG"
check "reader killed: the text report names the reason" grep -q -F "$MSG" "$T/dies_text.out"
check "reader killed: the jsonl summary line has the error" \
    py 'import json, sys
last = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
sys.exit(0 if [e["message"] for e in last["inputs"][0]["errors"]] == [sys.argv[2]] else 1)' "$T/dies_jsonl.out" "$MSG"

# Killed after each record in turn: exit 3 with the reason and a valid report,
# or (the hook's N past the last record) the one-process report.
XMPPFLOW_SPLIT=0
export XMPPFLOW_SPLIT
xf conc_ref -f json "$C"
unset XMPPFLOW_SPLIT
bad=""
died=0
n=1
while [ "$n" -le 60 ]; do
    XMPPFLOW_SPLIT=1
    XMPPFLOW_TEST_READER_DIES_AFTER=$n
    export XMPPFLOW_SPLIT XMPPFLOW_TEST_READER_DIES_AFTER
    xf sweep -f json "$C"
    unset XMPPFLOW_SPLIT XMPPFLOW_TEST_READER_DIES_AFTER
    if [ "$rc" -eq 3 ]; then
        died=$((died + 1))
        { validate "$T/sweep.out" json 2>/dev/null && fact "$T/sweep.out" 'errs(0) == ["'"$MSG"'"]' >/dev/null; } ||
            bad="$bad $n"
    elif [ "$rc" -eq 0 ]; then
        cmp -s "$T/sweep.out" "$T/conc_ref.out" || bad="$bad $n(differs)"
    else
        bad="$bad $n(exit $rc)"
    fi
    n=$((n + 1))
done
is "$bad" "" "reader killed after each of records 1..60: exit 3, the reason, a valid report; or the full report"
check "reader killed after each of records 1..60: it died at least 20 times ($died)" test "$died" -ge 20

# Killed while reading the first of two captures: the reason belongs to the
# capture being read, not to the last one on the command line.
XMPPFLOW_SPLIT=1
XMPPFLOW_TEST_READER_DIES_AFTER=10
export XMPPFLOW_SPLIT XMPPFLOW_TEST_READER_DIES_AFTER
xf dies2 -f json "$C" "$P"
unset XMPPFLOW_SPLIT XMPPFLOW_TEST_READER_DIES_AFTER
is "$rc" 3 "reader killed in the first of two captures: exit 3"
check "reader killed in the first of two captures: the sessions read so far are reported" \
    fact "$T/dies2.out" 'len(S) >= 1 and S[0]["client"] == "127.0.0.1:53930"'
check "reader killed in the first of two captures: the reason is in inputs[0].errors (concurrent), not in inputs[1]'s" \
    fact "$T/dies2.out" "'$MSG' in errs(0) and '$MSG' not in errs(1)"

# ---- captures made here: <tls:proceed/> and a restart in one segment ---------------------
# The server answers STARTTLS with a prefixed <tls:proceed/> and, in the same
# TCP segment, a new header; then the client's ClientHello. The reader must
# judge the proceed (and read TLS after it, or not) as one process does: with
# the bindings of the stream it came in, whatever the header after it says.
#   proceed-bound: tls declared on the first header, not on the second
#   proceed-unbound: tls declared on the second header only (the proceed is an XML error)

# mk_proceed OUT FIRST_TLS SECOND_TLS: the capture (1: the header declares xmlns:tls)
mk_proceed() {
    py '
import struct, sys
sys.path.insert(0, sys.argv[4])
from tcpcap import Conn
c = Conn(sys.argv[1], step_us=1000)
first_tls, second_tls = sys.argv[2] == "1", sys.argv[3] == "1"
Q = b"\x27"
NS = b"xmlns:stream=" + Q + b"http://etherx.jabber.org/streams" + Q
TLSNS = b" xmlns:tls=" + Q + b"urn:ietf:params:xml:ns:xmpp-tls" + Q
def header(i, tls):
    return (b"<stream:stream id=" + Q + i + Q + b" from=" + Q + b"example.test" + Q + b" version=" + Q +
            b"1.0" + Q + b" xmlns=" + Q + b"jabber:client" + Q + b" " + NS + (TLSNS if tls else b"") + b">")
c.send(True, b"<?xml version=" + Q + b"1.0" + Q + b"?><stream:stream to=" + Q + b"example.test" + Q +
       b" xmlns=" + Q + b"jabber:client" + Q + b" " + NS + b" version=" + Q + b"1.0" + Q + b">")
c.send(False, b"<?xml version=" + Q + b"1.0" + Q + b"?>" + header(b"1", first_tls))
c.send(False, b"<stream:features><starttls xmlns=" + Q + b"urn:ietf:params:xml:ns:xmpp-tls" + Q + b"/></stream:features>")
c.send(True, b"<starttls xmlns=" + Q + b"urn:ietf:params:xml:ns:xmpp-tls" + Q + b"/>")
c.send(False, b"<tls:proceed/>" + header(b"2", second_tls))
hello = b"\x01\x00\x00\x26\x03\x03" + b"\x11" * 32 + b"\x00\x00\x02\x13\x01\x01\x00"
c.send(True, b"\x16\x03\x01" + struct.pack("!H", len(hello)) + hello)
c.close()
' "$@" "$E2E_DIR"
}

mk_proceed "$T/proceed-bound.pcap" 1 0
both proceed-bound -f json "$T/proceed-bound.pcap"
check "proceed-bound: one process reads the proceed, then TLS (a ClientHello, no XML error)" \
    fact "$T/proceed-bound.0.out" '[p["dir"] + ":" + p["event"] for p in S[0]["phases"]][4:8] == ["C:starttls", "S:proceed", "S:stream-open", "-:tls-client-hello"] and "xml-error" not in [p["event"] for p in S[0]["phases"]]'
same proceed-bound "proceed-bound"

mk_proceed "$T/proceed-unbound.pcap" 0 1
both proceed-unbound -f json "$T/proceed-unbound.pcap"
check "proceed-unbound: one process finds no proceed (an XML error) and no TLS" \
    fact "$T/proceed-unbound.0.out" '"xml-error" in [p["event"] for p in S[0]["phases"]] and not [p for p in S[0]["phases"] if p["event"].startswith("tls-") or p["event"] == "proceed"]'
same proceed-unbound "proceed-unbound"

# ---- a live capture on a pipe ---------------------------------------------------------------
# The reader publishes what it has before it waits for input, and the login
# side flushes its held jsonl lines before it waits for the reader: a session
# that ended comes out while the capture is still being written.
mkfifo "$T/live"
(
    cat "$TESTDATA/plain-no-tls/capture.pcap"
    sleep 8
) >"$T/live" &
live_writer=$!
XMPPFLOW_SPLIT=1
export XMPPFLOW_SPLIT
# shellcheck disable=SC2086
timeout "$XF_TIMEOUT" $VALGRIND "$XMPPFLOW" -f jsonl - <"$T/live" >"$T/live.out" 2>"$T/live.err" &
live_reader=$!
unset XMPPFLOW_SPLIT
i=0
while [ $i -lt 60 ] && ! grep -q '"phases"' "$T/live.out"; do
    sleep 0.1
    i=$((i + 1))
done
live_streamed() { grep -q '"phases"' "$T/live.out" && kill -0 "$live_writer" 2>/dev/null; }
check "live capture on a pipe, split: the session is written while the capture is still open" \
    live_streamed
wait "$live_writer" || true
rc=0
wait "$live_reader" || rc=$?
is "$rc/$(wc -l <"$T/live.out" | tr -d ' ')" 0/2 "live capture on a pipe, split: exit 0, the session and the summary line"

done_testing
