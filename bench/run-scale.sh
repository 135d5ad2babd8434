#!/bin/sh
# run-scale.sh [N...]: time and peak memory of xmppflow on one big connection,
# the inputs of tests/e2e/scale.sh at N (default: 100000 and 1000000):
#   flood   N <message/> stanzas before authentication (each one D5), then a login
#   attrs   one element with N attributes
#   nsdecl  one element with N namespace declarations used by its attributes
# as captures, and the flood also as an ejabberd log; in every report format.
# Time should grow with N and no faster, memory not at all for the flood (the
# session's caps, src/xmpp/findings.h) and with the one element for the others.
#
# Builds an optimised binary (-O2 -g, no sanitizers) in bench/out/build as run.sh
# does, or measures XMPPFLOW=PATH. Inputs go to bench/out/ (BENCH_DIR=DIR to put
# them elsewhere; deleted afterwards unless KEEP=1). RUNS=N: runs per command, the
# best is kept (default 3). Needs GNU time (/usr/bin/time) and python3.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${BENCH_DIR:-$here/out}
gen="$top/tests/e2e/scalegen.py"
[ $# -gt 0 ] || set -- 100000 1000000

command -v /usr/bin/time >/dev/null || { echo "$0: needs GNU time (apt-get install time)" >&2; exit 1; }
mkdir -p "$out/build"
if [ -n "${XMPPFLOW:-}" ]; then
    bin=$XMPPFLOW
else
    if [ ! -x "$top/configure" ]; then
        (cd "$top" && autoreconf -fi)
    fi
    if [ ! -f "$out/build/Makefile" ]; then
        (cd "$out/build" && "$top/configure" CFLAGS='-O2 -g' >/dev/null)
    fi
    make -C "$out/build" -s -j"$(nproc 2>/dev/null || echo 2)" xmppflow >"$out/build.log" 2>&1 ||
        { cat "$out/build.log" >&2; exit 1; }
    bin="$out/build/xmppflow"
fi

# measure CMD...: "seconds maxrss_kb" of the best of RUNS runs (output to /dev/null)
measure() {
    best=""
    for _ in $(seq "${RUNS:-3}"); do
        t0=$(date +%s%N)
        /usr/bin/time -f '%M' -o "$out/time.txt" "$@" >/dev/null
        t1=$(date +%s%N)
        ns=$((t1 - t0))
        if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then
            best=$ns
            kb=$(cat "$out/time.txt")
        fi
    done
    echo "$(awk -v n="$best" 'BEGIN { printf "%.3f", n / 1e9 }') $kb"
}

echo "# $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, $($bin --version), $(date -u +%Y-%m-%d)"
printf '%-8s %-10s %-7s %9s %9s %12s\n' "case" "N" "format" "MB" "seconds" "max RSS MB"
for n in "$@"; do
    for input in flood.pcap flood.log attrs.pcap nsdecl.pcap; do
        case=${input%.*}
        file="$out/scale-$case-$n.${input##*.}"
        if [ "${input##*.}" = log ]; then
            python3 "$gen" "$case" "$n" "$file" --log
        else
            python3 "$gen" "$case" "$n" "$file"
        fi
        bytes=$(wc -c <"$file" | tr -d ' ')
        cat "$file" >/dev/null # into the page cache
        for fmt in jsonl json text; do
            # one element of up to ~40 MB at 10^6 attributes: allow it
            r=$(measure "$bin" --max-element 67108864 -f "$fmt" -o /dev/null "$file")
            printf '%-8s %-10s %-7s %9.1f %9s %12.1f\n' "$case${input#"$case"}" "$n" "$fmt" \
                "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "${r% *}" \
                "$(awk -v k="${r#* }" 'BEGIN { print k / 1024 }')"
        done
        [ "${KEEP:-0}" = 1 ] || rm -f "$file"
    done
done
rm -f "$out/time.txt"
echo "# best of ${RUNS:-3} runs each, file in the page cache; seconds include process start"
