#!/bin/sh
# run-bounds.sh: time and peak RSS of xmppflow on the large generated inputs of
# issue 11 (tests/e2e/gen_inputs.py), in every format, streamed through a pipe
# so that nothing of that size lands on disk:
#   - a capture of N_CONNS short connections (default 10^6)
#   - an ejabberd debug log of N_LOG short connections (default 10^6, ~29 GB)
#   - a capture of N_SYN SYN-only flows (default 200 000)
#   - a capture of N_OPEN connections left open (default 100 000)
#   - a capture (big) and a debug log (biglog) of N_BIG connections each sending three
#     900 KB elements, whole, one connection after the other (default 64, 173 MB)
# Usage: XMPPFLOW=./xmppflow bench/run-bounds.sh [CASE...]
# (CASE: conns log syn open big biglog; default all). Prints one line per case and format.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
XMPPFLOW=${XMPPFLOW:-$top/xmppflow}
GEN="python3 $top/tests/e2e/gen_inputs.py"
N_CONNS=${N_CONNS:-1000000}
N_LOG=${N_LOG:-1000000}
N_SYN=${N_SYN:-200000}
N_OPEN=${N_OPEN:-100000}
N_BIG=${N_BIG:-64}
FORMATS=${FORMATS:-"jsonl json text"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

measure() { # CASE N FORMAT
    $GEN "$1" "$2" - | /usr/bin/time -o "$tmp/t" -f "%e %M" "$XMPPFLOW" -f "$3" - >"$tmp/out" 2>"$tmp/err" || true
    set -- "$@" $(cat "$tmp/t")
    bytes=$(wc -c <"$tmp/out")
    printf '%-6s %8s %-5s %8s s %7s kB peak RSS, report %s bytes\n' "$1" "$2" "$3" "$4" "$5" "$bytes"
}

cases=${*:-conns log syn open big biglog}
for c in $cases; do
    case $c in
    conns) n=$N_CONNS ;;
    log) n=$N_LOG ;;
    syn) n=$N_SYN ;;
    open) n=$N_OPEN ;;
    big | biglog) n=$N_BIG ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
    esac
    for f in $FORMATS; do
        measure "$c" "$n" "$f"
    done
done
