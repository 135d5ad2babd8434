#!/bin/sh
# run-capture.sh [SIZE_MB...]: throughput and peak memory of
# `xmppflow -f jsonl -o /dev/null` on large generated captures (default: 60 MiB),
# next to tshark reading the same file with its XMPP dissector and to a bare
# libpcap read loop (bench/pcap_floor.c), all on the same page-cached file.
#
# Builds an optimised xmppflow (-O2 -g, no sanitizers) in bench/out/build (as
# run.sh does) and pcap_floor in bench/out/, writes the captures with
# make-big-pcap.py to bench/out/ (BENCH_DIR=DIR to put them elsewhere; deleted
# afterwards unless KEEP=1) and prints one table, then the ratios. The row
# "same, --user (no report)" runs the whole analysis with every session filtered
# out before it is written: the difference is what the jsonl report costs. The
# row "same, -j 2" runs two workers (src/pipeline/jobs.c): each reads the whole capture and
# analyses half the connections; the report is the same.
# RUNS=N: runs per command, the best is kept (default 3; TSHARK_RUNS for tshark,
# default 1: it is the slow one). Needs GNU time (/usr/bin/time), python3, tshark,
# libpcap-dev. XMPPFLOW=PATH measures that binary instead of building one.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_DIR:-$here/out}
. "$here/lib.sh"
[ $# -gt 0 ] || set -- 60

command -v /usr/bin/time >/dev/null || { echo "$0: needs GNU time (apt-get install time)" >&2; exit 1; }
command -v tshark >/dev/null || { echo "$0: needs tshark (apt-get install tshark)" >&2; exit 1; }
mkdir -p "$out"
if [ -n "${XMPPFLOW:-}" ]; then
    bin=$XMPPFLOW
else
    "$here/build.sh" "$out"
    bin="$out/build/xmppflow"
fi
${CC:-cc} -O2 -o "$out/pcap_floor" "$here/pcap_floor.c" -lpcap
floor="$out/pcap_floor"

# measure RUNS CMD...: "seconds maxrss_kb cpu_seconds" of the best of RUNS runs
# (stdout to /dev/null); wall time from date(1) in nanoseconds, peak RSS and
# CPU time (user + system, children included) from GNU time, of that best run.
measure() {
    n=$1
    shift
    best=""
    for _ in $(seq "$n"); do
        t0=$(date +%s%N)
        /usr/bin/time -f '%M %U %S' -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" ||
            { echo "$0: failed: $*" >&2; cat "$out/stderr.txt" >&2; exit 1; }
        t1=$(date +%s%N)
        ns=$((t1 - t0))
        if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then
            best=$ns
            usage=$(tail -n 1 "$out/time.txt")
        fi
    done
    echo "$(awk -v n="$best" 'BEGIN { printf "%.3f", n / 1e9 }') $(echo "$usage" |
        awk '{ printf "%s %.2f", $1, $2 + $3 }')"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }

echo "# $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, $($bin --version), $(tshark -v 2>/dev/null | head -n 1 | sed 's/ (Git.*//'), $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
printf '%-8s %-32s %9s %9s %12s %8s\n' "size" "command" "seconds" "MB/s" "max RSS MB" "CPU s"
summary=""
for mb in "$@"; do
    cap="$out/big-$mb.pcap"
    python3 "$here/make-big-pcap.py" "$mb" "$cap" 2>"$out/gen.txt"
    bytes=$(wc -c <"$cap" | tr -d ' ')
    cat "$cap" >/dev/null # into the page cache
    # sanity: xmppflow reports one session per generated connection
    "$bin" -f jsonl -o "$out/check.jsonl" "$cap"
    sessions=$(tail -n 1 "$out/check.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["sessions"])')
    rm -f "$out/check.jsonl"
    for what in floor xmppflow noreport jobs2 tshark; do
        case $what in
        floor)
            r=$(measure "${RUNS:-3}" "$floor" "$cap")
            label="pcap_next_ex loop (floor)"
            ;;
        xmppflow)
            r=$(measure "${RUNS:-3}" "$bin" -f jsonl -o /dev/null "$cap")
            label="xmppflow -f jsonl -o /dev/null"
            ;;
        noreport)
            # the same analysis, but every session is filtered out before the
            # report: the difference to the line above is the cost of the report
            r=$(measure "${RUNS:-3}" "$bin" -f jsonl -o /dev/null --user nobody.bench "$cap")
            label="  same, --user (no report)"
            ;;
        jobs2)
            # two workers, each its half of the connections (src/pipeline/jobs.c)
            r=$(measure "${RUNS:-3}" "$bin" -j 2 -f jsonl -o /dev/null "$cap")
            label="  same, -j 2 (two workers)"
            ;;
        tshark)
            r=$(measure "${TSHARK_RUNS:-1}" tshark -r "$cap" -Y xmpp -T fields -e frame.number \
                -e xmpp.auth -e xmpp.success -e xmpp.stream \
                -o tcp.desegment_tcp_streams:TRUE -d tcp.port==5222,xmpp)
            label="tshark -Y xmpp -T fields"
            ;;
        esac
        set -- $r
        s=$1
        kb=$2
        cpu=$3
        case $what in
        floor) s_floor=$s ;;
        xmppflow) s_xmppflow=$s ;;
        jobs2) s_jobs2=$s ;;
        tshark) s_tshark=$s ;;
        *) ;;
        esac
        printf '%-8s %-32s %9s %9s %12s %8s\n' "${mb} MiB" "$label" "$s" "$(mbps "$bytes" "$s")" \
            "$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')" "$cpu"
    done
    echo "#   $(sed 's/ copies of / copies of the /' "$out/gen.txt"); xmppflow reported $sessions sessions"
    summary="$summary
#   ${mb} MiB: tshark/xmppflow $(ratio "$s_tshark" "$s_xmppflow")x, xmppflow/floor $(ratio "$s_xmppflow" "$s_floor")x, one process/-j 2 $(ratio "$s_xmppflow" "$s_jobs2")x"
    [ "${KEEP:-0}" = 1 ] || rm -f "$cap"
done
rm -f "$out/time.txt" "$out/gen.txt" "$out/stderr.txt"
echo "# ratios (wall time):$summary"
echo "# best of ${RUNS:-3} runs (tshark: ${TSHARK_RUNS:-1}), file in the page cache; seconds include process start;"
echo "# CPU s: user + system of all processes; max RSS: the largest process; load average at the end $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
