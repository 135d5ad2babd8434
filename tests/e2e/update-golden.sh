#!/bin/sh
# update-golden.sh [SCENARIO...]: rewrite the goldens of testdata/<scenario>/ from
# the current binary (all scenarios when none is named):
#   ejabberd.log      -> expected-log.{txt,json,jsonl}      (compared by golden.sh)
#   capture.pcap      -> expected-pcap.{txt,json,jsonl}     (compared by captures.sh)
#   capture.pcapng    -> expected-pcapng.*
#   capture-sll2.pcap -> expected-pcap-sll2.*
#   capture.pcap.gz   -> expected-pcap-gz.*                 (see golden_pcap in lib.sh)
#   capture.pcap + keylog.txt -> expected-keylog.{txt,json} (where one exists; tlslog.sh)
#
#   XMPPFLOW=/path/to/build/xmppflow tests/e2e/update-golden.sh starttls-plain-ok
#
# ONLY=log or ONLY=pcap rewrites only the log or only the capture goldens.
# The tool version is written as @VERSION@, exactly as the tests compare it.
# Review the result with `git diff testdata/` before committing: a golden is a
# claim that the report is right for what the log or the capture shows (for a
# capture, read it with `tshark -r FILE -q -z follow,tcp,ascii,0`).
. "$(dirname "$0")/lib.sh"

ONLY=${ONLY:-}
case $ONLY in
'' | log | pcap) ;;
*)
    echo "update-golden.sh: ONLY=$ONLY: use ONLY=log or ONLY=pcap" >&2
    exit 2
    ;;
esac

if [ $# -eq 0 ]; then
    # shellcheck disable=SC2046 # scenario names have no spaces
    set -- $({
        scenarios
        captures | sed 's#/.*##'
    } | sort -u)
fi

status=0

# update INPUT FORMAT GOLDEN [OPTION...]: render ./INPUT in FORMAT (with OPTIONs)
# and write GOLDEN when it changed.
update() {
    up_in=$1
    up_fmt=$2
    up_golden=$3
    shift 3
    render_golden "$up_fmt" "$T/new" "$T/err" "$up_in" "$@"
    if [ "$rc" -ne 0 ] || [ -s "$T/err" ]; then
        echo "update-golden.sh: $s/$up_in: $up_fmt: exit status $rc; standard error:" >&2
        sed 's/^/  /' "$T/err" >&2
        status=1
    fi
    case $up_fmt in
    json | jsonl)
        if ! validate "$T/new" "$up_fmt"; then
            echo "update-golden.sh: $s/$up_in: $up_fmt: NOT valid against $SCHEMA (written anyway)" >&2
            status=1
        fi
        ;;
    esac
    if [ -f "$up_golden" ] && cmp -s "$T/new" "$up_golden"; then
        echo "unchanged $s/$up_golden"
    else
        cp "$T/new" "$up_golden"
        echo "wrote     $s/$up_golden"
    fi
}

for s in "$@"; do
    s=${s%/}
    s=${s##*/}
    found=0
    if [ "$ONLY" != pcap ] && [ -f "$TESTDATA/$s/ejabberd.log" ]; then
        found=1
        cd "$TESTDATA/$s" || exit 1
        for fmt in text json jsonl; do
            update ejabberd.log "$fmt" "$(golden "$fmt")"
        done
    fi
    if [ "$ONLY" != log ]; then
        for c in $(captures | sed -n "s#^$s/##p"); do
            found=1
            cd "$TESTDATA/$s" || exit 1
            for fmt in text json jsonl; do
                # shellcheck disable=SC2046 # pcap_args prints options, split on purpose
                update "$c" "$fmt" "$(golden_pcap "$c" "$fmt")" $(pcap_args "$s")
            done
        done
    fi
    if [ "$ONLY" != log ] && [ -f "$TESTDATA/$s/expected-keylog.txt" ]; then
        # the decrypted goldens tlslog.sh checks (tls-starttls13, tls-starttls12)
        cd "$TESTDATA/$s" || exit 1
        update capture.pcap text expected-keylog.txt --keylog keylog.txt
        update capture.pcap json expected-keylog.json --keylog keylog.txt
    fi
    if [ $found -eq 0 ]; then
        echo "update-golden.sh: $TESTDATA/$s: no such scenario (no ejabberd.log, no capture*)" >&2
        status=1
    fi
done
exit $status
