#!/bin/sh
# fuzz-regress.sh: every input a fuzzer once failed on (tests/fuzz/regress/
# <target>/<name>) is replayed through the target's entry function, built
# without libFuzzer as tests/fuzz/replay_<target> (issue 11 §6). A
# regression shows as the target's abort (a property broken), a crash, a
# sanitizer report (the CI build has ASan and UBSan) or a run past the time
# bound. Each target also runs once on a few seeds from testdata/, so a
# replay binary that cannot run at all is seen even without findings.
. "$(dirname "$0")/lib.sh"

REGRESS=$TOP_SRCDIR/tests/fuzz/regress
BUILD=$(cd "$(dirname "$XMPPFLOW")" && pwd)
# a replay is one input through one run of the tool: seconds at most under ASan
REPLAY_TIMEOUT=${REPLAY_TIMEOUT:-60}

# replay TARGET DESC FILE...: one test, passing when the replay exits 0 in time.
replay() {
    target=$1
    desc=$2
    shift 2
    bin=$BUILD/tests/fuzz/replay_$target
    if [ ! -x "$bin" ]; then
        not_ok "$desc (no $bin: make check builds it)"
        return 0
    fi
    rc=0
    timeout "$REPLAY_TIMEOUT" "$bin" "$@" >"$T/replay.out" 2>"$T/replay.err" || rc=$?
    if [ "$rc" -eq 0 ]; then
        ok "$desc"
    else
        not_ok "$desc"
        [ "$rc" -eq 124 ] && diag "timed out after ${REPLAY_TIMEOUT}s"
        diag "exit status $rc; standard error:"
        diag_file "$T/replay.err" 60
    fi
}

for target in framer ejlog decode xmlparse deferred capture mask log; do
    if [ -d "$REGRESS/$target" ]; then
        for f in "$REGRESS/$target"/*; do
            [ -f "$f" ] || continue
            replay "$target" "$target: $(basename "$f")" "$f"
        done
    fi
done

# The targets run on a few real inputs (the entry functions work at all).
replay capture "capture: the testdata captures of plain-no-tls and pcapng-scram" \
    "$TESTDATA/plain-no-tls/capture.pcap" "$TESTDATA/pcapng-scram/capture.pcapng"
replay log "log: the testdata log of plain-no-tls" "$TESTDATA/plain-no-tls/ejabberd.log"
replay ejlog "ejlog: the testdata log of plain-no-tls" "$TESTDATA/plain-no-tls/ejabberd.log"
for target in framer xmlparse deferred mask decode; do
    replay "$target" "$target: a handmade log as input" "$TESTDATA/violations/A1.handmade.log"
done

done_testing
