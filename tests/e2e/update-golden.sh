#!/bin/sh
# update-golden.sh [SCENARIO...]: rewrite testdata/<scenario>/expected-log.{txt,json,jsonl}
# from the current binary (all scenarios with an ejabberd.log when none is named).
#
#   XMPPFLOW=/path/to/build/xmppflow tests/e2e/update-golden.sh starttls-plain-ok
#
# The tool version is written as @VERSION@, exactly as golden.sh compares it.
# Review the result with `git diff testdata/` before committing: a golden is a
# claim that the report is right for what the log shows.
. "$(dirname "$0")/lib.sh"

if [ $# -eq 0 ]; then
    # shellcheck disable=SC2046 # scenario names have no spaces
    set -- $(scenarios)
fi
status=0
for s in "$@"; do
    s=${s%/}
    s=${s##*/}
    if [ ! -f "$TESTDATA/$s/ejabberd.log" ]; then
        echo "update-golden.sh: $TESTDATA/$s/ejabberd.log: no such scenario" >&2
        status=1
        continue
    fi
    cd "$TESTDATA/$s" || exit 1
    for fmt in text json jsonl; do
        exp=$(golden "$fmt")
        render_golden "$fmt" "$T/new" "$T/err"
        if [ "$rc" -ne 0 ] || [ -s "$T/err" ]; then
            echo "update-golden.sh: $s: $fmt: exit status $rc; standard error:" >&2
            sed 's/^/  /' "$T/err" >&2
            status=1
        fi
        case $fmt in
        json | jsonl)
            if ! validate "$T/new" "$fmt"; then
                echo "update-golden.sh: $s: $fmt: NOT valid against $SCHEMA (written anyway)" >&2
                status=1
            fi
            ;;
        esac
        if [ -f "$exp" ] && cmp -s "$T/new" "$exp"; then
            echo "unchanged $s/$exp"
        else
            cp "$T/new" "$exp"
            echo "wrote     $s/$exp"
        fi
    done
done
exit $status
