#!/bin/sh
# bounds.sh: memory stays bounded whatever the input's size (issue 11 §3).
# Inputs are generated here (tests/e2e/gen_inputs.py), never committed:
# many short connections (capture and debug log), a SYN flood, many
# connections left open, many streams each in the middle of a big element at
# once. Each runs in every format; peak RSS (GNU time) must
# stay under 64 MB and the address space under a ulimit -v. Under ASan the
# RSS and ulimit checks are skipped (its shadow memory is not ours) and the
# inputs are smaller; the content checks always run.
. "$(dirname "$0")/lib.sh"

GEN="python3 $E2E_DIR/gen_inputs.py"
asan=false
if ldd "$XMPPFLOW" 2>/dev/null | grep -q 'libasan\|libubsan'; then asan=true; fi
if $asan; then
    N_CONNS=2000 N_LOG=300 N_SYN=20000 N_OPEN=3000 N_BIG=16 N_LINES=8
else
    N_CONNS=20000 N_LOG=6000 N_SYN=200000 N_OPEN=20000 N_BIG=128 N_LINES=64
fi
have_time=false
if /usr/bin/time -f %M true >/dev/null 2>&1; then have_time=true; fi
LIMIT_KB=65536

$GEN conns $N_CONNS "$T/conns.pcap"
$GEN log $N_LOG "$T/conns.log"
$GEN syn $N_SYN "$T/syn.pcap"
$GEN open $N_OPEN "$T/open.pcap"

# run NAME FILE FORMAT [ARGS...]: xmppflow with peak RSS in $rss (kB), in a
# shell whose address space is limited to 512 MB (a leak fails fast there).
run() {
    name=$1 file=$2 fmt=$3
    shift 3
    rc=0
    if $have_time && ! $asan; then
        (ulimit -v 524288 && /usr/bin/time -o "$T/$name.rss" -f %M "$XMPPFLOW" -f "$fmt" "$@" "$file" \
            >"$T/$name.out" 2>"$T/$name.err") || rc=$?
        rss=$(tail -n 1 "$T/$name.rss")
    else
        "$XMPPFLOW" -f "$fmt" "$@" "$file" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
        rss=
    fi
}

# run_gen NAME FORMAT MODE N [GEN_ARGS...]: run, on what gen_inputs.py MODE N -
# GEN_ARGS writes to a pipe (inputs of 100 MB and more, never on disk)
run_gen() {
    name=$1 fmt=$2 mode=$3 n=$4
    shift 4
    rc=0
    if $have_time && ! $asan; then
        ($GEN "$mode" "$n" - "$@" | (ulimit -v 524288 && /usr/bin/time -o "$T/$name.rss" -f %M "$XMPPFLOW" -f "$fmt" - \
            >"$T/$name.out" 2>"$T/$name.err")) || rc=$?
        rss=$(tail -n 1 "$T/$name.rss")
    else
        ($GEN "$mode" "$n" - "$@" | "$XMPPFLOW" -f "$fmt" - >"$T/$name.out" 2>"$T/$name.err") || rc=$?
        rss=
    fi
}

bound() {
    if [ -z "$rss" ]; then
        skip "$1: peak RSS under 64 MB" "no GNU time, or an ASan build"
    elif [ "$rss" -lt "$LIMIT_KB" ]; then
        ok "$1: peak RSS under 64 MB ($rss kB)"
    else
        not_ok "$1: peak RSS under 64 MB ($rss kB)"
    fi
}

summary_fact() { # FILE FMT EXPR: EXPR on the summary (json: the document's, jsonl: the last line's)
    py 'import json,sys
f, fmt, expr = sys.argv[1:4]
lines = open(f).read().splitlines()
d = json.loads(lines[-1]) if fmt == "jsonl" else json.loads(open(f).read())
s = d["summary"]
ok = eval(expr)
if not ok: print("false:", expr, "summary:", json.dumps(s)[:400])
sys.exit(0 if ok else 1)' "$@"
}

fact() { # FILE EXPR: EXPR on the json report (d, and S its sessions)
    py 'import json,sys
d = json.load(open(sys.argv[1])); S = d["sessions"]
ok = eval(sys.argv[2])
if not ok: print("false:", sys.argv[2])
sys.exit(0 if ok else 1)' "$@"
}

schema_ok() { # FILE MODE DESC
    if validate "$1" "$2" 2>"$T/verr"; then ok "$3"; else not_ok "$3"; diag_file "$T/verr" 20; fi
}

for fmt in jsonl json text; do
    run conns "$T/conns.pcap" "$fmt"
    is "$rc" 0 "$N_CONNS short connections ($fmt): exit 0"
    bound "$N_CONNS short connections, capture ($fmt)"
    if [ "$fmt" = text ]; then
        check "$N_CONNS short connections (text): every session listed" \
            grep -q "^  sessions *$N_CONNS\$" "$T/conns.out"
    else
        check "$N_CONNS short connections ($fmt): every session counted" \
            summary_fact "$T/conns.out" "$fmt" "s['sessions'] == $N_CONNS and s['by_outcome'] == {'auth-failed': $N_CONNS}"
    fi

    run log "$T/conns.log" "$fmt"
    is "$rc" 0 "debug log of $N_LOG connections ($fmt): exit 0"
    bound "debug log of $N_LOG connections ($fmt)"

    run syn "$T/syn.pcap" "$fmt"
    is "$rc" 0 "$N_SYN SYN-only flows ($fmt): exit 0"
    bound "$N_SYN SYN-only flows ($fmt)"
    size=$(wc -c <"$T/syn.out")
    check "$N_SYN SYN-only flows ($fmt): a report of a few kB, not one session per SYN ($size bytes)" \
        test "$size" -lt 20000
    if [ "$fmt" = text ]; then
        check "$N_SYN SYN-only flows (text): one line per server" \
            grep -q "10.0.0.2:5222: $N_SYN (no-reply $N_SYN)" "$T/syn.out"
    else
        check "$N_SYN SYN-only flows ($fmt): counted as silent connections to 10.0.0.2:5222" \
            summary_fact "$T/syn.out" "$fmt" "s['sessions'] == 0 and s['silent_connections']['count'] == $N_SYN and s['silent_connections']['by_server'][0]['server'] == '10.0.0.2:5222' and s['silent_connections']['by_server'][0]['ended'] == {'no-reply': $N_SYN}"
    fi

    run open "$T/open.pcap" "$fmt"
    is "$rc" 0 "$N_OPEN connections left open ($fmt): exit 0"
    bound "$N_OPEN connections left open ($fmt)"
done

# The table size: past --max-connections the least recently active is closed,
# as evicted, and every connection is still one session.
run cap "$T/open.pcap" json --max-connections 100
check "--max-connections 100: every connection is a session, all but 100 evicted (table-full)" \
    summary_fact "$T/cap.out" json "s['sessions'] == $N_OPEN and s['evicted'] == $N_OPEN - 100"
check "--max-connections 100: the evicted sessions say why, inputs[] counts them" \
    fact "$T/cap.out" 'sum(1 for x in S if x.get("evicted") == "table-full") == len(S) - 100 and d["inputs"][0]["evicted"] == len(S) - 100 and all(x["outcome"] == "incomplete" for x in S if x.get("evicted"))'
schema_ok "$T/cap.out" json "--max-connections 100: the report is schema-valid"
run cap-text "$T/open.pcap" text --max-connections 100
check "--max-connections 100 (text): the reason on the session line" \
    grep -q "incomplete (closed by xmppflow: table-full)" "$T/cap-text.out"

# Many streams each in the middle of a big element at once: every framer holds
# its element until the element ends, within --max-element (1 MiB), but not all
# of them together. Past the framers' shared budget (8 MiB) the largest is given
# up as an oversize-element ("given up") and its session goes on. Before, 128
# streams of 1 048 000-byte elements took 89 MB (the log, in 64 KiB lines) and
# 70 MB (the capture, in 1400-byte segments), and 64 streams of one 900 KB
# element a line 68 MB (each slot of the log reader's queue kept its largest line).
sessions_facts() { # FILE N: N sessions, none evicted, each message parsed or given up
    py 'import json,sys
lines = open(sys.argv[1]).read().splitlines()
n = int(sys.argv[2])
s = json.loads(lines[-1])["summary"]
S = [json.loads(l) for l in lines[:-1]]
ev = [[p["event"] for p in x["phases"]] for x in S]
given = sum(1 for x in S for p in x["phases"] if p["event"] == "oversize-element" and " given up after " in p["summary"])
ok = (s["sessions"] == n and "evicted" not in s and len(S) == n
      and all(e.count("stanza:message") + e.count("oversize-element") == 1 for e in ev)
      and all(e.count("stream-close") == 2 for e in ev) and given >= 1)
if not ok: print("false: sessions", s["sessions"], "of", n, "given up", given, "summary", json.dumps(s)[:300])
sys.exit(0 if ok else 1)' "$@"
}
run_gen biglog jsonl biglog "$N_BIG" 1 1048000 65536
is "$rc" 0 "$N_BIG streams of 1 MB elements at once, log: exit 0"
bound "$N_BIG streams of 1 MB elements at once, log"
check "$N_BIG streams of 1 MB elements at once, log: every session, the largest elements given up, none evicted" \
    sessions_facts "$T/biglog.out" "$N_BIG"
run_gen bigcap jsonl big "$N_BIG" 1 1048000 1400
is "$rc" 0 "$N_BIG streams of 1 MB elements at once, capture: exit 0"
bound "$N_BIG streams of 1 MB elements at once, capture"
check "$N_BIG streams of 1 MB elements at once, capture: every session, the largest elements given up, none evicted" \
    sessions_facts "$T/bigcap.out" "$N_BIG"
run_gen biglines json biglog "$N_LINES" 1 900000
is "$rc" 0 "$N_LINES streams of a 900 KB element a log line: exit 0"
bound "$N_LINES streams of a 900 KB element a log line"
check "$N_LINES streams of a 900 KB element a log line: every element read" \
    summary_fact "$T/biglines.out" json "s['sessions'] == $N_LINES and 'evicted' not in s"
run_gen bigtext text big "$N_BIG" 1 1048000 65000
bound "$N_BIG streams of 1 MB elements at once, capture (text)"
check "$N_BIG streams of 1 MB elements at once, capture (text): the given-up elements say why" \
    grep -q "oversize-element  element <message> given up after" "$T/bigtext.out"

# --all-connections: the SYNs are sessions again, one each
$GEN syn 50 "$T/syn50.pcap"
run all "$T/syn50.pcap" json --all-connections
check "--all-connections: 50 SYNs are 50 sessions" \
    summary_fact "$T/all.out" json "s['sessions'] == 50 and 'silent_connections' not in s"

done_testing
