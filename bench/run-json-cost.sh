#!/bin/sh
# run-json-cost.sh [SIZE_MB]: the cost of writing one session of a report, with the
# project's JSON writer and with Jansson (bench/json_cost.c), on the sessions of a
# generated capture of SIZE_MB MiB (default 8; make-big-pcap.py).
#
# Builds an optimised xmppflow (-O2, no sanitizers) in bench/out/build as run.sh
# does, writes the capture's jsonl report, then times both writers on its
# sessions (ROUNDS=N passes, the best kept; default 5). Needs libjansson-dev.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${BENCH_DIR:-$here/out}
mb=${1:-8}

"$here/build.sh" "$out"
# shellcheck disable=SC2046 # pkg-config prints several words
${CC:-cc} -std=c11 -O2 -D_GNU_SOURCE -I"$out/build" -I"$top/src/util" -I"$top/src/report" \
    -o "$out/json_cost" "$here/json_cost.c" "$out/build/libxmppflow.a" \
    $(pkg-config --cflags --libs jansson) -lm

cap="$out/json-cost-$mb.pcap"
python3 "$here/make-big-pcap.py" "$mb" "$cap" 2>"$out/gen.txt"
"$out/build/xmppflow" -f jsonl -o "$out/json-cost.jsonl" "$cap"
echo "# $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, $("$out/build/xmppflow" --version)," \
    "Jansson $(pkg-config --modversion jansson), $(date -u +%Y-%m-%d), $mb MiB capture"
"$out/json_cost" "$out/json-cost.jsonl" "${ROUNDS:-5}"
rm -f "$cap" "$out/json-cost.jsonl"
