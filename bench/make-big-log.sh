#!/bin/sh
# make-big-log.sh SIZE_MB OUT: a large ejabberd log for benchmarks, made by
# repeating the real logs of testdata/*/ejabberd.log until OUT holds SIZE_MB MiB.
#
# Each copy K of each log i gets its own Erlang pids (<0.N.0> becomes
# <0.N.X> with X = K * nlogs + i, so no two connections share a pid) and its
# own client ports (a running counter, 1024-65535), so every copy is a
# distinct set of connections. Timestamps are left as they are: the analyser
# keys connections by pid, and repeating a day of logs is what a rotated
# server log looks like anyway. Prints "copies sessions bytes" on stderr.
set -eu
LC_ALL=C
export LC_ALL
if [ $# -ne 2 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
    echo "usage: $0 SIZE_MB OUT" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
testdata=${TESTDATA:-$here/../testdata}
set -- "$1" "$2"
logs=$(ls "$testdata"/*/ejabberd.log)
[ -n "$logs" ] || { echo "$0: no logs in $testdata" >&2; exit 1; }

# one awk pass: read every log once, then write copies until the size is reached
# shellcheck disable=SC2086
awk -v limit="$(($1 * 1048576))" '
    FNR == 1 { nf++ }
    { line[nf, FNR] = $0; nl[nf] = FNR }
    END {
        port = 0; total = 0; sessions = 0
        for (k = 0; total < limit; k++) {
            for (f = 1; f <= nf && total < limit; f++) {
                x = k * nf + (f - 1)
                for (i = 1; i <= nl[f]; i++) {
                    s = line[f, i]
                    if (index(s, "<0.")) {
                        gsub(/\.0>/, "." x ">", s)
                    }
                    if (index(s, ") Accepted connection ")) {
                        # client endpoint "ip:port -> ...": give it a fresh port
                        p = 1024 + (port++ % 64512)
                        sub(/:[0-9]+ -> /, ":" p " -> ", s)
                        sessions++
                    }
                    print s
                    total += length(s) + 1
                }
            }
        }
        printf "%d copies, %d connections, %d bytes\n", k, sessions, total > "/dev/stderr"
    }
' $logs >"$2"
