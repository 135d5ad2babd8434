#!/bin/sh
# filesets.sh: rotated sets and directories (src/input/fileset.c, src/pipeline/logscope.c;
# ejabberd-log-formats.md §8 and §6). A real log cut at test time into a rotated
# set (ejabberd.log.2.gz, ejabberd.log.1, ejabberd.log; cuts in the middle of
# logins and of a multi-line record), given in any order or as a directory,
# gives the report of the whole log: the same sessions, users, outcomes and
# events; a session across files is one session whose report names the file
# of each end. Several nodes stay apart: copies of one log in two
# directories, under two names, or after a start banner (the banner lines are
# hand-made at test time: the test logs have none). A missing or unreadable
# member is exit 3, the rest is still read; -j gives the same report.
. "$(dirname "$0")/lib.sh"

log=$TESTDATA/concurrent/ejabberd.log
one=$TESTDATA/starttls-plain-ok/ejabberd.log

# same_sessions A B: the two json reports have the same sessions (all but where
# each was read: input, log), the same summary
same_sessions() {
    py '
import json, sys
def norm(p):
    d = json.load(open(p))
    for s in d["sessions"]:
        s.pop("input"); s.pop("log", None)
    return d["sessions"], d["summary"]
a, b = norm(sys.argv[1]), norm(sys.argv[2])
sys.exit(0 if a == b else 1)' "$1" "$2"
}

# banner NODE TIME: a start banner line as ejabberd 23.01 writes it (hand-made)
banner() {
    echo "$2 [info] <0.110.0>@ejabberd_app:start/2:63 ejabberd 23.01 is started in the node $1 in 0.52s"
}

xf whole -f json "$log"
is "$rc" 0 "the whole log: exit 0"
is "$(jq_py "$T/whole.out" 'len(d["sessions"])')" 2 "... 2 sessions (concurrent logins)"

# ---- a rotated set, in any order ------------------------------------------

mkdir "$T/set"
sed -n '1,80p' "$log" | gzip -c >"$T/set/ejabberd.log.2.gz" # line 80: inside a multi-line record
sed -n '81,400p' "$log" >"$T/set/ejabberd.log.1"
sed -n '401,$p' "$log" >"$T/set/ejabberd.log"
cd "$T/set"
for order in "ejabberd.log ejabberd.log.2.gz ejabberd.log.1" "ejabberd.log.1 ejabberd.log ejabberd.log.2.gz"; do
    # shellcheck disable=SC2086 # the order, split on purpose
    xf set -f json $order
    is "$rc" 0 "set given as $order: exit 0"
    check "... the report of the whole log (sessions, users, outcomes, events, summary)" \
        same_sessions "$T/whole.out" "$T/set.out"
    check "... valid against the schema" validate "$T/set.out" json
done
is "$(jq_py "$T/set.out" '[ (x["input"], x["log"]["first_line"], x["log"].get("last_input"), x["log"]["last_line"]) for x in d["sessions"]]')" \
    '[["ejabberd.log.2.gz", 1, "ejabberd.log", 322], ["ejabberd.log.2.gz", 13, "ejabberd.log", 377]]' \
    "a session across the rotations is one session: its first line in .2.gz, its last in ejabberd.log (log.last_input)"
is "$(jq_py "$T/set.out" '[x["path"] for x in d["inputs"]]')" \
    '["ejabberd.log.1", "ejabberd.log", "ejabberd.log.2.gz"]' "... inputs listed in command-line order"
xf settext ejabberd.log.1 ejabberd.log ejabberd.log.2.gz
check "text: the input line names the file of each end" \
    grep -q -F 'input   ejabberd.log.2.gz (pid <0.522.0>, lines ejabberd.log.2.gz:1 to ejabberd.log:322)' "$T/settext.out"
xf setl -f jsonl ejabberd.log.1 ejabberd.log ejabberd.log.2.gz
check "jsonl: valid, with log.last_input" validate "$T/setl.out" jsonl
is "$(grep -c '"last_input":"ejabberd.log"' "$T/setl.out")" 2 "... on both sessions"

# -j: every worker reads every file in the same order and keys alike
for j in 2 3; do
    xf setj -j "$j" -f json ejabberd.log.1 ejabberd.log ejabberd.log.2.gz
    check "-j $j: the same report byte for byte" cmp -s "$T/set.out" "$T/setj.out"
    xf setjt -j "$j" ejabberd.log.1 ejabberd.log ejabberd.log.2.gz
    check "-j $j: the same text report" cmp -s "$T/settext.out" "$T/setjt.out"
done

# suffixes that contradict the first records (a renamed file): the times win, said per file
cp ejabberd.log.1 "$T/ren.log.1"
cp ejabberd.log "$T/ren.log.2"
gzip -dc ejabberd.log.2.gz >"$T/ren.log"
xf ren -f json "$T/ren.log" "$T/ren.log.1" "$T/ren.log.2"
check "suffixes against the first records: read in time order (the report of the whole log)" \
    same_sessions "$T/whole.out" "$T/ren.out"
check "... and each file of the set says so" \
    test "$(grep -c 'rotation suffix and its first record' "$T/ren.err")" -eq 3

# lager's .0 and E1's -old.log are generations too
cp ejabberd.log.1 "$T/lager.log.0"
cp ejabberd.log "$T/lager.log"
gzip -dc ejabberd.log.2.gz >"$T/lager.log.1"
xf lager -f json "$T/lager.log" "$T/lager.log.0" "$T/lager.log.1"
check "lager naming (ejabberd.log.0, .1): the report of the whole log" same_sessions "$T/whole.out" "$T/lager.out"
head -n 200 "$one" >"$T/ejabberd-old.log"
tail -n +201 "$one" >"$T/ejabberd.log"
xf e1 -f json "$T/ejabberd.log" "$T/ejabberd-old.log"
xf e1whole -f json "$one"
check "E1 naming (ejabberd-old.log before ejabberd.log): the report of the whole log" \
    same_sessions "$T/e1whole.out" "$T/e1.out"

# ---- a directory ------------------------------------------------------------

echo "notes of the operator" >README
mkdir sub
cp ejabberd.log sub/
cp ejabberd.log error.log
: >empty.log
xf dir -f json "$T/set"
is "$rc" 0 "a directory as FILE: exit 0"
check "... the report of the whole log" same_sessions "$T/whole.out" "$T/dir.out"
is "$(jq_py "$T/dir.out" '[x["path"].rsplit("/", 1)[1] for x in d["inputs"]]')" \
    '["ejabberd.log", "ejabberd.log.1", "ejabberd.log.2.gz"]' "... its logs are the inputs, DIR/NAME"
for f in README sub error.log empty.log; do
    check "... $f skipped, and said on stderr" grep -q -F "$T/set/$f: skipped" "$T/dir.err"
done
xf dirq -q -f json "$T/set"
is "$(wc -c <"$T/dirq.err" | tr -d ' ')" 0 "... -q: nothing on stderr"
xf dirj -j 2 -f json "$T/set"
check "... -j 2: the same report" cmp -s "$T/dir.out" "$T/dirj.out"
mkdir "$T/nolog"
echo "nothing" >"$T/nolog/a.txt"
xf nolog "$T/nolog"
is "$rc" 3 "a directory with no log or capture: exit 3"
check "... and the message says so" grep -q 'a directory with no ejabberd log or capture' "$T/nolog.err"

# ---- a missing or unreadable member -----------------------------------------

xf missing -f json ejabberd.log ejabberd.log.1 ejabberd.log.3.gz ejabberd.log.2.gz
is "$rc" 3 "a missing member of the set: exit 3"
check "... the rest is read (the report of the whole log)" same_sessions "$T/whole.out" "$T/missing.out"
check "... stderr names it" grep -q 'ejabberd.log.3.gz' "$T/missing.err"
ln -s does-not-exist "$T/set/ejabberd.log.4.gz"
xf dangling -f json "$T/set"
is "$rc" 3 "an unreadable member of a directory (a dangling link): exit 3"
check "... the rest is read" same_sessions "$T/whole.out" "$T/dangling.out"
printf '\037\213\010\000garbage' >"$T/bad.log.3.gz"
cp ejabberd.log "$T/bad.log"
xf badgz -f json "$T/bad.log.3.gz" "$T/bad.log"
is "$rc" 3 "a damaged .gz member: exit 3"
is "$(jq_py "$T/badgz.out" 'len(d["sessions"])')" 2 "... the other member is still read"
rm -f "$T/set/ejabberd.log.4.gz"
cd "$T"

# ---- several nodes stay apart ---------------------------------------------

mkdir a b
t0=$(head -c 32 "$one")
{ banner ejabberd@a "$t0"; cat "$one"; } >a/ejabberd.log
{ banner ejabberd@b "$t0"; cat "$one"; } >b/ejabberd.log
xf nodes -f json a b
is "$rc" 0 "two nodes' directories: exit 0"
is "$(jq_py "$T/nodes.out" '[(x["log"]["pid"], x["log"].get("node"), x["outcome"]) for x in d["sessions"]]')" \
    '[["<0.509.0>", "ejabberd@a", "established"], ["<0.509.0>", "ejabberd@b", "established"]]' \
    "... pid <0.509.0> of node a is not <0.509.0> of node b: two sessions, each with its node"
check "... valid against the schema" validate "$T/nodes.out" json
xf nodest a b
check "... text: the node on the input line" grep -q -F '(pid <0.509.0>, lines 2-364, node ejabberd@b)' "$T/nodest.out"
xf nodesj -j 3 -f json a b
check "... -j 3: the same report" cmp -s "$T/nodes.out" "$T/nodesj.out"
cp "$one" node1-ejabberd.log
cp "$one" node2-ejabberd.log
xf names -f json node1-ejabberd.log node2-ejabberd.log
is "$(jq_py "$T/names.out" 'len(d["sessions"])')" 2 "two names (no banner): two nodes, two sessions"

# a restart within a set: the banner starts a new run, pids start over
cp "$one" run.log.1
{ banner ejabberd@a "$(tail -n 1 "$one" | head -c 32)"; cat "$one"; } >run.log
xf restart -f json run.log run.log.1
is "$(jq_py "$T/restart.out" '[(x["input"], x["log"].get("node"), x["outcome"]) for x in d["sessions"]]')" \
    '[["run.log.1", null, "established"], ["run.log", "ejabberd@a", "established"]]' \
    "a restart in a set: the reused pid is a new session of the new run (its node known from the banner)"

done_testing
