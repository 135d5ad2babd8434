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
mkdir -p "$out"
if [ -n "${XMPPFLOW:-}" ]; then
    bin=$XMPPFLOW
else
    "$here/build.sh" "$out"
    bin="$out/build/xmppflow"
fi

# measure CMD...: "seconds maxrss_kb cpu_seconds" of the best of RUNS runs (output to
# /dev/null): wall time from date(1), peak RSS and CPU time (user + system, the
# reader process of a split run included) from GNU time, of that best run. On a
# busy machine the CPU time is the steadier figure.
measure() {
    best=""
    for _ in $(seq "${RUNS:-3}"); do
        t0=$(date +%s%N)
        /usr/bin/time -f '%M %U %S' -o "$out/time.txt" "$@" >/dev/null
        t1=$(date +%s%N)
        ns=$((t1 - t0))
        if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then
            best=$ns
            stats=$(cat "$out/time.txt")
        fi
    done
    echo "$(awk -v n="$best" 'BEGIN { printf "%.3f", n / 1e9 }') $stats" |
        awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
}

echo "# $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, $($bin --version), $(date -u +%Y-%m-%d)"
printf '%-12s %-8s %-6s %7s %9s %12s %7s\n' "case" "N" "format" "MB" "seconds" "max RSS MB" "CPU s"
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
        # one element of up to 40 MB at 10^6 declarations: allow it (the flood keeps the default)
        big=""
        [ "$case" = flood ] || big="--max-element 67108864"
        for fmt in jsonl json text; do
            # shellcheck disable=SC2086 # $big is one option or none
            r=$(measure "$bin" $big -f "$fmt" -o /dev/null "$file")
            secs=${r%% *}
            kb=${r#* }
            cpu=${kb#* }
            kb=${kb%% *}
            printf '%-12s %-8s %-6s %7.1f %9s %12.1f %7s\n' "$input" "$n" "$fmt" \
                "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$secs" \
                "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$cpu"
        done
        [ "${KEEP:-0}" = 1 ] || rm -f "$file"
    done
done
rm -f "$out/time.txt"
echo "# best of ${RUNS:-3} runs each, file in the page cache; seconds include process start"
