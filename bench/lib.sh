# lib.sh: sourced by the bench scripts (after they set $out, a directory of their own).

# mbps BYTES SECONDS: MB/s (MiB per second), rounded
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print "inf" }'; }

# measure_best CMD...: "seconds maxrss_kb" of the fastest of RUNS (3) runs: wall
# time from date(1) in nanoseconds, peak RSS from GNU time of that run. The
# command's stdout of the last run is in $out/cmd.out; a command that fails is
# still timed (an input refused with exit 3 is a result too).
measure_best() {
    best="" rss=""
    for _ in $(seq "${RUNS:-3}"); do
        t0=$(date +%s%N)
        /usr/bin/time -f '%M' -o "$out/time.txt" "$@" >"$out/cmd.out" 2>/dev/null || true
        t1=$(date +%s%N)
        ns=$((t1 - t0))
        if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns rss=$(tail -n 1 "$out/time.txt"); fi
    done
    echo "$(awk -v n="$best" 'BEGIN { printf "%.3f", n / 1e9 }') $rss"
}
