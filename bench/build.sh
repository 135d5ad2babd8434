#!/bin/sh
# build.sh OUT: the optimised xmppflow the benchmarks time (-O2 -g, no sanitizers),
# built out of the source tree in OUT/build (configured once; the make output in
# OUT/build.log, shown when it fails). libxmppflow.a is built with it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$1
mkdir -p "$out/build"
if [ ! -x "$top/configure" ]; then
    (cd "$top" && autoreconf -fi)
fi
if [ ! -f "$out/build/Makefile" ]; then
    (cd "$out/build" && "$top/configure" CFLAGS='-O2 -g' >/dev/null)
fi
make -C "$out/build" -s -j"$(nproc 2>/dev/null || echo 2)" xmppflow >"$out/build.log" 2>&1 ||
    { cat "$out/build.log" >&2; exit 1; }
