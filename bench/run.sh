#!/bin/sh
# run.sh [SIZE_MB...]: throughput and peak memory of `xmppflow -f jsonl -o /dev/null`
# on large generated ejabberd logs (default sizes: 100 and 1024 MiB), next to
# `cat FILE >/dev/null` and `wc -l FILE` on the same (page-cached) file.
#
# Builds an optimised binary (-O2, no sanitizers) in bench/out/build, writes the
# logs to bench/out/ (BENCH_DIR=DIR to put them elsewhere; they are deleted
# afterwards unless KEEP=1), and prints one table. Needs GNU time (/usr/bin/time).
# RUNS=N: runs per command (the best is kept; default 3). XMPPFLOW=PATH measures that
# binary instead of building one. The row "same, -j 2" runs two workers (src/pipeline/jobs.c).
# The capture benchmark (pcap, against tshark and a bare libpcap loop) is
# run-capture.sh.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_DIR:-$here/out}
. "$here/lib.sh"
[ $# -gt 0 ] || set -- 100 1024

command -v /usr/bin/time >/dev/null || { echo "$0: needs GNU time (apt-get install time)" >&2; exit 1; }
if [ -n "${XMPPFLOW:-}" ]; then
    bin=$XMPPFLOW
else
    "$here/build.sh" "$out"
    bin="$out/build/xmppflow"
fi

# measure CMD...: "seconds maxrss_kb" of one run (output to /dev/null); wall
# time from date(1) in nanoseconds, peak RSS from GNU time. Best of RUNS (3).
measure() {
    best=""
    for _ in $(seq "${RUNS:-3}"); do
        t0=$(date +%s%N)
        /usr/bin/time -f '%M' -o "$out/time.txt" "$@" >/dev/null
        t1=$(date +%s%N)
        ns=$((t1 - t0))
        if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
    done
    echo "$(awk -v n="$best" 'BEGIN { printf "%.3f", n / 1e9 }') $(cat "$out/time.txt")"
}

echo "# $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, $($bin --version), $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
printf '%-9s %-38s %9s %9s %12s\n' "size" "command" "seconds" "MB/s" "max RSS MB"
for mb in "$@"; do
    log="$out/big-$mb.log"
    "$here/make-big-log.sh" "$mb" "$log" 2>"$out/gen.txt"
    bytes=$(wc -c <"$log" | tr -d ' ')
    cat "$log" >/dev/null # into the page cache
    for what in cat wc xmppflow jobs2; do
        case $what in
        cat) set -- sh -c 'cat "$1"' sh "$log"; label="cat FILE >/dev/null" ;;
        wc) set -- wc -l "$log"; label="wc -l FILE" ;;
        xmppflow) set -- "$bin" -f jsonl -o /dev/null "$log"; label="xmppflow -f jsonl -o /dev/null FILE" ;;
        jobs2) set -- "$bin" -j 2 -f jsonl -o /dev/null "$log"; label="  same, -j 2 (two workers)" ;;
        esac
        r=$(measure "$@")
        s=${r% *}
        kb=${r#* }
        printf '%-9s %-38s %9s %9s %12s\n' "${mb} MiB" "$label" "$s" "$(mbps "$bytes" "$s")" "$((kb / 1024))"
    done
    echo "#   $(cat "$out/gen.txt")"
    [ "${KEEP:-0}" = 1 ] || rm -f "$log"
done
rm -f "$out/time.txt" "$out/gen.txt"
echo "# best of ${RUNS:-3} runs each, file in the page cache; seconds include process start;"
echo "# max RSS of -j 2: the largest of its processes; load average at the end $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
