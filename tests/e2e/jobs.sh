#!/bin/sh
# jobs.sh: -j N (src/pipeline/jobs.c, worker.c, merge.c) gives the report of one
# process byte for byte: the same standard output, standard error and exit
# status with -j 1, -j 2 and -j 3 for every input of testdata/ (captures,
# logs, damaged and hand-made ones) in text, json and jsonl; for many inputs
# at once, with filters and the options that shape the report; on generated
# inputs of many connections and of clocks set back. Then what cannot be the
# same: standard input (read by one process), bad -j values (exit 2), a
# worker that dies (exit 3, the input says so) or is signalled, SIGINT to
# the run, and the memory of every process.
. "$(dirname "$0")/lib.sh"

asan=false
if ldd "$XMPPFLOW" 2>/dev/null | grep -q 'libasan\|libubsan'; then asan=true; fi

# same NAME ARGS...: ARGS with -j 1, -j 2 and -j 3 agree (no TAP output; $rc the exit status)
same() {
    s_name=$1
    shift
    xf "$s_name.1" -j 1 "$@"
    s_rc=$rc
    for s_j in 2 3; do
        xf "$s_name.$s_j" -j "$s_j" "$@"
        if [ "$rc" != "$s_rc" ] || ! cmp -s "$T/$s_name.1.out" "$T/$s_name.$s_j.out" ||
            ! cmp -s "$T/$s_name.1.err" "$T/$s_name.$s_j.err"; then
            diag "-j $s_j differs from -j 1 (exit $rc, $s_rc): $*"
            diff "$T/$s_name.1.out" "$T/$s_name.$s_j.out" 2>&1 | head -n 10 | sed 's/^/#   /' || true
            diff "$T/$s_name.1.err" "$T/$s_name.$s_j.err" 2>&1 | head -n 5 | sed 's/^/#   /' || true
            return 1
        fi
    done
    rc=$s_rc
    return 0
}

# every_format NAME ARGS...: same in text, json and jsonl
every_format() {
    ef_name=$1
    shift
    for ef_fmt in text json jsonl; do
        same "$ef_name.$ef_fmt" -f "$ef_fmt" "$@" || return 1
    done
    return 0
}

# ---- every input of testdata/, one at a time --------------------------------

n=0
for f in $(find "$TESTDATA" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \
    -o -name '*.pcapng.gz' -o -name '*.log' \) | sort); do
    n=$((n + 1))
    check "${f#"$TESTDATA"/}: -j 1, 2 and 3 agree in every format" every_format "in$n" "$f"
done

# ---- many inputs at once ------------------------------------------------------

logs=$(find "$TESTDATA" -mindepth 2 -maxdepth 2 -name ejabberd.log | sort)
caps=$(find "$TESTDATA" -mindepth 2 -maxdepth 2 \( -name 'capture*.pcap' -o -name 'capture*.pcapng' \
    -o -name 'capture*.pcap.gz' \) | sort)
derived=$(find "$TESTDATA/derived" -name '*.pcap' | sort)
violations=$(find "$TESTDATA/violations" -name '*.log' | sort)
# shellcheck disable=SC2086 # lists of paths without spaces, split on purpose
{
    check "every scenario log at once (one stream of lines)" every_format logs $logs
    check "every capture at once, and the derived ones" every_format caps $caps $derived
    check "logs and captures together" every_format mixed $caps $logs
    check "every hand-made violation log at once (C10, F10, K8 across workers)" every_format viol $violations
    check "--user alice, --show-secrets" every_format user --user alice --show-secrets $logs $caps
    check "--client, --all-connections, --port" every_format client --client 127.0.0.1 --client ::1 \
        --all-connections --port 80 $caps
    check "--fail-on warning: the same exit status 1" same failon -f jsonl --fail-on warning $logs
    is "$rc" 1 "... which is 1"
    check "an input that cannot be read and one that is no log: the same errors, exit 3" \
        every_format bad "$T/absent.log" "$TESTDATA/README.md" $logs
    is "$rc" 3 "... which is 3"
    check "--max-element 200 and --max-connections 3 (not reached per worker or in all)" \
        every_format bounds --max-element 200 --max-connections 3 "$TESTDATA/concurrent/capture.pcap"
}

# ---- generated inputs: many connections, clocks set back ----------------------

if $asan; then N=400; else N=3000; fi
python3 "$E2E_DIR/gen_inputs.py" conns "$N" "$T/conns.pcap"
python3 "$E2E_DIR/gen_inputs.py" log $((N / 10)) "$T/conns.log"
check "$N connections in a capture" every_format gen "$T/conns.pcap"
is "$(jq_py "$T/gen.json.1.out" 'd["summary"]["sessions"]' 2>/dev/null || echo '?')" "$N" \
    "... all of them reported"
# a log whose clock goes back an hour on every 7th record: the first five setbacks of all
# workers are errors, then one count of all
py '
import sys
src, dst = sys.argv[1], sys.argv[2]
with open(src) as f, open(dst, "w") as out:
    for n, line in enumerate(f, 1):
        if n % 7 == 0 and line[:4].isdigit() and line[11:13].isdigit():
            line = line[:11] + "%02d" % ((int(line[11:13]) + 23) % 24) + line[13:]
        out.write(line)
' "$T/conns.log" "$T/back.log"
check "a debug log of many connections, and one with its clock set back" every_format genlog \
    "$T/conns.log" "$T/back.log"
check "... the setbacks are errors, then counted" \
    grep -q 'events in all dated before their connection' "$T/genlog.text.3.err"
xf o1 -j 1 -f json -o "$T/o1.json" "$T/conns.pcap" "$T/conns.log"
xf o3 -j 3 -f json -o "$T/o3.json" "$T/conns.pcap" "$T/conns.log"
check "-o FILE: the same file, put in place whole" cmp -s "$T/o1.json" "$T/o3.json"
check "... and valid against the schema" validate "$T/o3.json" json

# ---- what is not the same -----------------------------------------------------

xf stdin1 -j 1 -f jsonl - <"$TESTDATA/concurrent/capture.pcap"
xf stdin2 -j 2 -f jsonl - <"$TESTDATA/concurrent/capture.pcap"
check "standard input is read once, by one process: the same report" \
    cmp -s "$T/stdin1.out" "$T/stdin2.out"
xf one -f jsonl "$TESTDATA/concurrent/capture.pcap"
xf zero -j 0 -f jsonl "$TESTDATA/concurrent/capture.pcap"
check "-j 0: one worker per CPU, the same report" cmp -s "$T/one.out" "$T/zero.out"
xf long --jobs=2 -f jsonl "$TESTDATA/concurrent/capture.pcap"
check "--jobs=2 is -j 2" cmp -s "$T/one.out" "$T/long.out"

for bad in abc -1 257 1.5 '' 99999999999999999999; do
    xf badj -j "$bad" "$TESTDATA/concurrent/ejabberd.log"
    is "$rc/$(grep -c "bad job count" "$T/badj.err")" 2/1 "-j '$bad': usage error, exit 2"
done
xf noj "$TESTDATA/concurrent/ejabberd.log" -j
is "$rc" 2 "-j without a value: usage error, exit 2"

XMPPFLOW_TEST_SIGNAL_WORKER=1:KILL
export XMPPFLOW_TEST_SIGNAL_WORKER
# a capture + a log is one process (docs/correlation.md): two logs here
xf killed -j 2 -f json "$TESTDATA/concurrent/ejabberd.log" "$TESTDATA/violations/C10.handmade.log"
unset XMPPFLOW_TEST_SIGNAL_WORKER
is "$rc" 3 "a worker killed: exit 3"
check "... the report is valid" validate "$T/killed.out" json
check "... the input says which worker and why, once on stderr" \
    test "$(grep -c 'worker 1 of 2 was stopped by signal 9; the report lacks its connections' \
        "$T/killed.err")" = 1
check "... the other worker's sessions are there" \
    test "$(jq_py "$T/killed.out" 'len(d["sessions"]) > 0')" = true

XMPPFLOW_TEST_SIGNAL_WORKER=2:INT
export XMPPFLOW_TEST_SIGNAL_WORKER
xf sigworker -j 2 -f jsonl "$T/conns.pcap"
unset XMPPFLOW_TEST_SIGNAL_WORKER
is "$rc" 130 "a worker alone takes SIGINT: the run says so, exit 130"
is "$(jq_py "$T/sigworker.out" 'd[-1]["summary"]["interrupted"]' 2>/dev/null || echo '?')" true \
    "... the summary is interrupted, the report valid"
is "$(jq_py "$T/sigworker.out" "$N // 3 < d[-1]['summary']['sessions'] < 2 * $N // 3" 2>/dev/null ||
    echo '?')" true "... with the other worker's share of the connections (about half)"

# SIGINT to the run: the workers stop where they are, the report covers what they read
# (not under timeout(1): it would pass the signal on to the process group a second time)
"$XMPPFLOW" -j 2 -f jsonl "$T/conns.pcap" "$T/conns.pcap" "$T/conns.pcap" >"$T/sig.out" \
    2>"$T/sig.err" &
pid=$!
i=0
while [ ! -s "$T/sig.out" ] && [ "$i" -lt 6000 ]; do
    sleep 0.01
    i=$((i + 1))
done
kill -INT "$pid" 2>/dev/null || true
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 600 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -KILL "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
if [ "$rc" = 0 ]; then
    skip "SIGINT to a -j 2 run: exit 130" "the run ended before the signal"
else
    is "$rc" 130 "SIGINT to a -j 2 run: exit 130"
    check "... the report is valid jsonl" validate "$T/sig.out" jsonl
    is "$(jq_py "$T/sig.out" 'd[-1]["summary"]["interrupted"]' 2>/dev/null || echo '?')" true \
        "... and marked interrupted"
    is "$(grep -c 'stopped by SIGINT' "$T/sig.err")" 1 "... said once on stderr"
fi

# every process within the memory bound (GNU time: the largest of the run's processes)
if ! $asan && /usr/bin/time -f %M true >/dev/null 2>&1; then
    /usr/bin/time -o "$T/rss" -f %M "$XMPPFLOW" -j 3 -f json "$T/conns.pcap" "$T/conns.log" \
        >/dev/null 2>&1 || true
    rss=$(tail -n 1 "$T/rss")
    check "-j 3: every process under 64 MB ($rss kB at most)" test "$rss" -lt 65536
else
    skip "-j 3: every process under 64 MB" "no GNU time, or an ASan build"
fi

done_testing
