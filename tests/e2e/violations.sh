#!/bin/sh
# violations.sh: every testdata/violations/<ID>.handmade.log (written by
# testdata/violations/make-violations.py, one login per violation id of
# login-spec §3) must be reported with violation code <ID>, and its json report
# must be valid against report.schema.json.
#
# Ids the tool does not report yet are listed in NOT_YET below: their test is
# a TAP TODO (an expected failure, XFAIL). Implementing a rule makes its test
# pass (XPASS), which fails CI: then delete the id from NOT_YET.
. "$(dirname "$0")/lib.sh"

# ---- not implemented yet (one place: delete an id once the tool reports it) ----
NOT_YET="
"

VDIR=$TESTDATA/violations

# not_yet ID: true when ID is in NOT_YET.
not_yet() {
    for n in $NOT_YET; do
        [ "$n" = "$1" ] && return 0
    done
    return 1
}

# has_code FILE ID: the json report FILE has a violation with code ID.
has_code() {
    [ "$(jq_py "$1" "'$2' in [v['code'] for x in d['sessions'] for v in x['violations']]" 2>/dev/null)" = true ]
}

# the ids in spec order: A1 A2 ... A10 ... B1 ...
files=$(for f in "$VDIR"/*.handmade.log; do [ -f "$f" ] && basename "$f"; done | sort -V)
if [ -z "$files" ]; then
    not_ok "testdata/violations has *.handmade.log files (run testdata/violations/make-violations.py)"
    done_testing
fi

# ---- the files are what the generator writes ---------------------------------

if python3 "$VDIR/make-violations.py" --check "$VDIR" >"$T/gen.out" 2>&1; then
    ok "testdata/violations matches make-violations.py"
else
    not_ok "testdata/violations matches make-violations.py (rerun it)"
    diag_file "$T/gen.out"
fi

# no real test password (testdata/PASSWORDS.md) in a hand-made file, in clear or as SASL PLAIN
found=""
for a in alice:Wonderland-Secret-1 bob:Builder-Secret-2 alice:Not-Alices-Password-9 mallory:Mallory-Guess-3; do
    u=${a%%:*}
    p=${a#*:}
    b=$(py 'import base64,sys; print(base64.b64encode(b"\0"+sys.argv[1].encode()+b"\0"+sys.argv[2].encode()).decode())' "$u" "$p")
    if grep -l -F -e "$p" -e "$b" "$VDIR"/*.handmade.log >"$T/pw" 2>/dev/null; then
        found="$found $p in $(tr '\n' ' ' <"$T/pw")"
    fi
done
is "${found# }" "" "hand-made logs hold no real test password"

# every id in NOT_YET has a file (a stale entry would never XPASS)
stale=""
for n in $NOT_YET; do
    [ -f "$VDIR/$n.handmade.log" ] || stale="$stale $n"
done
is "${stale# }" "" "every id in NOT_YET has a hand-made log"

# ---- one login per id --------------------------------------------------------------

for f in $files; do
    id=${f%.handmade.log}
    out="$T/$id.json"
    xf run -f json "$VDIR/$f"
    cp "$T/run.out" "$out"
    if [ "$rc" -eq 0 ] && [ ! -s "$T/run.err" ] && validate "$out" json 2>"$T/verr"; then
        ok "$id: exit 0, nothing on stderr, json valid against the schema"
    else
        not_ok "$id: exit 0, nothing on stderr, json valid against the schema (exit $rc)"
        diag_file "$T/run.err" 10
        diag_file "$T/verr" 20
    fi
    desc="$id: $f is reported as $id"
    if not_yet "$id"; then
        todo "not implemented yet" "$desc" has_code "$out" "$id"
    elif has_code "$out" "$id"; then
        ok "$desc"
    else
        not_ok "$desc"
        diag "  codes: $(jq_py "$out" "' '.join(v['code'] for x in d['sessions'] for v in x['violations'])" 2>/dev/null || echo '(no json)')"
    fi
done

done_testing
