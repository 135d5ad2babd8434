#!/bin/sh
# run-log-eras.sh [SIZE_MB]: throughput and peak memory of `xmppflow -f jsonl -o
# /dev/null` on one large log per ejabberd log era (E1, E2, E6, E7 and the four
# mixed in one file; default 100 MiB each), next to `grep -c 'XML on stream'` on
# the same (page-cached) file, with each era's speed as a share of E7's.
#
# The logs are the real 23.01 logs of testdata/ rendered in each era's format by
# make-era-log.py (E1/E2/E6 keep only the TCP c2s logs). Builds an optimised
# binary in bench/out/build unless XMPPFLOW=PATH is given; RUNS=N runs per
# command (best kept; default 3); BENCH_DIR=DIR, KEEP=1 as for run.sh.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_DIR:-$here/out}
mb=${1:-100}
mkdir -p "$out"
. "$here/lib.sh"

command -v /usr/bin/time >/dev/null || { echo "$0: needs GNU time (apt-get install time)" >&2; exit 1; }
if [ -n "${XMPPFLOW:-}" ]; then
    bin=$XMPPFLOW
else
    "$here/build.sh" "$out"
    bin="$out/build/xmppflow"
fi


echo "# $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, $($bin --version | head -n 1), $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
printf '%-6s %-10s %9s %7s %9s %7s %9s %11s %9s\n' era MiB grep_s xf_s MB/s RSS_MB sessions grep_ratio "of_E7"
e7=""
for era in E7 E6 E2 E1 mixed; do
    log="$out/era-$era.log"
    python3 "$here/make-era-log.py" "$era" "$mb" "$log" 2>"$out/gen.txt"
    bytes=$(wc -c <"$log" | tr -d ' ')
    cat "$log" >/dev/null
    g=$(measure_best grep -c 'XML on stream' "$log")
    r=$(measure_best "$bin" -f jsonl -o /dev/null "$log")
    s=${r% *}
    kb=${r#* }
    n=$("$bin" -f json "$log" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["sessions"])' 2>/dev/null || echo '?')
    speed=$(mbps "$bytes" "$s")
    [ -n "$e7" ] || e7=$speed
    printf '%-6s %-10s %9s %7s %9s %7s %9s %11s %9s\n' "$era" "$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}')" "${g% *}" "$s" "$speed" "$((kb / 1024))" "$n" \
        "$(awk -v a="$s" -v b="${g% *}" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')" \
        "$(awk -v a="$speed" -v b="$e7" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
    [ "${KEEP:-0}" = 1 ] || rm -f "$log"
done
rm -f "$out/time.txt" "$out/gen.txt"
echo "# best of ${RUNS:-3} runs each, file in the page cache; grep_ratio: xmppflow's time over grep -c's;"
echo "# of_E7: MB/s as a share of the E7 log's; load average at the end $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
