# lib.sh: shared setup and TAP helpers for the e2e scripts (sourced, not run).
#
# Environment (make check sets the first three, see Makefile.am):
#   XMPPFLOW   the binary under test (required)
#   TESTDATA   the testdata/ directory (default: ../../testdata next to this file)
#   SCHEMA     report.schema.json to validate against (default: the copy next to this file)
#   VALGRIND   optional command prefix for every run of the binary, e.g.
#              VALGRIND='valgrind -q --error-exitcode=99 --leak-check=full'
#   XF_TIMEOUT seconds before a run of the binary counts as hung (default 60)
#
# Output is TAP: "ok N - desc" / "not ok N - desc", "# diag", plan at the end.

set -eu
LC_ALL=C
TZ=UTC
export LC_ALL TZ

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
TOP_SRCDIR=$(cd "$E2E_DIR/../.." && pwd)

if [ -z "${XMPPFLOW:-}" ]; then
    echo "Bail out! XMPPFLOW is not set (make check sets it; or XMPPFLOW=/path/to/xmppflow $0)"
    exit 1
fi
if [ ! -x "$XMPPFLOW" ]; then
    echo "Bail out! XMPPFLOW=$XMPPFLOW is not an executable"
    exit 1
fi
TESTDATA=${TESTDATA:-$TOP_SRCDIR/testdata}
SCHEMA=${SCHEMA:-$E2E_DIR/report.schema.json}
VALGRIND=${VALGRIND:-}
XF_TIMEOUT=${XF_TIMEOUT:-60}
# The shared contract lives next to the project checkout (../shared); absent in a clone.
SHARED_SCHEMA=${SHARED_SCHEMA:-$TOP_SRCDIR/../shared/report.schema.json}
export XMPPFLOW TESTDATA SCHEMA

T=$(mktemp -d "${TMPDIR:-/tmp}/xmppflow-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

# ---- TAP ------------------------------------------------------------------

tap_n=0
tap_failed=0

# ok DESC: record a passing test.
ok() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $*"
}

# not_ok DESC: record a failing test.
not_ok() {
    tap_n=$((tap_n + 1))
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_n - $*"
}

# skip DESC REASON
skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP $2"
}

# todo REASON DESC CMD...: like check, for a known bug of the tool. TAP
# "# TODO" makes a failure an expected failure (XFAIL) and a pass an XPASS,
# which .ci/run counts as a failure: remove the todo once the tool is fixed.
todo() {
    reason=$1
    desc=$2
    shift 2
    tap_n=$((tap_n + 1))
    if "$@"; then
        echo "ok $tap_n - $desc # TODO $reason"
    else
        echo "not ok $tap_n - $desc # TODO $reason"
    fi
}

# diag TEXT...: a TAP comment (each line prefixed with '# ').
diag() {
    printf '%s\n' "$*" | sed 's/^/# /'
}

# diag_file FILE [MAXLINES]: show (the start of) a file as TAP comments.
diag_file() {
    [ -f "$1" ] || return 0
    head -n "${2:-40}" "$1" | sed 's/^/#   /'
}

# check DESC CMD...: one test, passing when CMD exits 0.
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# is GOT WANT DESC
is() {
    if [ "$1" = "$2" ]; then
        ok "$3"
    else
        not_ok "$3"
        diag "  got:  '$1'" "  want: '$2'"
    fi
}

# done_testing: print the plan; the exit status tells the driver nothing more.
done_testing() {
    echo "1..$tap_n"
    exit 0
}

# ---- running the binary ---------------------------------------------------

# xf NAME ARGS...: run the binary (under $VALGRIND, with a timeout) with
# stdout in $T/NAME.out, stderr in $T/NAME.err, the exit status in $rc.
# Standard input is inherited, so `xf n - <file` works.
xf() {
    xf_name=$1
    shift
    rc=0
    # shellcheck disable=SC2086 # $VALGRIND is a command prefix, split on purpose
    timeout "$XF_TIMEOUT" $VALGRIND "$XMPPFLOW" "$@" >"$T/$xf_name.out" 2>"$T/$xf_name.err" || rc=$?
    if [ "$rc" -eq 124 ]; then
        diag "xmppflow $* timed out after ${XF_TIMEOUT}s"
    elif [ "$rc" -gt 3 ]; then
        diag "xmppflow $* exited $rc (crash or sanitizer report?); stderr:"
        diag_file "$T/$xf_name.err"
    fi
    return 0
}

# py CODE ARGS...: run a short Python 3 snippet (used to query JSON reports).
py() {
    code=$1
    shift
    python3 -c "$code" "$@"
}

# jq_py FILE EXPR: print the Python expression EXPR evaluated with d = the JSON
# document in FILE (for jsonl: d = list of line objects); for a json report
# also s = the first session and codes = every violation code. Prints nothing
# and fails when the file is not JSON.
jq_py() {
    py '
import json, sys
path, expr = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    text = f.read()
try:
    d = json.loads(text)
except ValueError:
    d = [json.loads(l) for l in text.splitlines() if l.strip()]
env = {"d": d}
if isinstance(d, dict) and d.get("sessions"):
    env["s"] = d["sessions"][0]
    env["codes"] = [v["code"] for x in d["sessions"] for v in x["violations"]]
v = eval(expr, env)
if isinstance(v, bool):
    print("true" if v else "false")
elif isinstance(v, (dict, list)):
    print(json.dumps(v, sort_keys=True))
elif v is None:
    print("null")
else:
    print(v)
' "$1" "$2"
}

# validate FILE MODE: validate a json or jsonl report against $SCHEMA.
validate() {
    python3 "$E2E_DIR/validate.py" "$SCHEMA" "$2" "$1"
}

# scenarios: the testdata directories that hold an ejabberd.log, sorted.
scenarios() {
    for d in "$TESTDATA"/*/; do
        d=${d%/}
        [ -f "$d/ejabberd.log" ] && basename "$d"
    done
    return 0
}

# has_goldens DIR: DIR (a scenario of testdata/) has reviewed expected-* files.
# A scenario recorded before the tool can read it (the BOSH and WebSocket
# failures of issue 13) has none yet: its goldens are added with the feature,
# and until then the golden comparisons skip it (every other check runs).
has_goldens() {
    for hg_f in "$1"/expected-*; do
        [ -f "$hg_f" ] && return 0
    done
    return 1
}

# golden FORMAT: basename of the golden file for a log input in FORMAT.
golden() {
    case $1 in
    text) echo expected-log.txt ;;
    json) echo expected-log.json ;;
    jsonl) echo expected-log.jsonl ;;
    esac
}

# captures: "scenario/file" for every real capture of a scenario (the
# testdata/<scenario>/capture*.pcap, capture*.pcapng and their .gz), sorted.
# testdata/derived/ holds no capture* file, so it is not listed.
captures() {
    for d in "$TESTDATA"/*/; do
        d=${d%/}
        for f in "$d"/capture*.pcap "$d"/capture*.pcapng "$d"/capture*.pcap.gz "$d"/capture*.pcapng.gz; do
            [ -f "$f" ] && echo "$(basename "$d")/$(basename "$f")"
        done
    done | sort
    return 0
}

# golden_pcap CAPTURE FORMAT: basename of the golden file for the capture file
# CAPTURE (a basename, as listed by captures) in FORMAT. Several captures of one
# scenario must not collide:
#   capture.pcap -> expected-pcap.*        capture-sll2.pcap -> expected-pcap-sll2.*
#   capture.pcapng -> expected-pcapng.*    capture.pcap.gz   -> expected-pcap-gz.*
golden_pcap() {
    gp_base=${1%.gz}
    gp_kind=${gp_base##*.}
    gp_tag=${gp_base%.*}
    gp_tag=${gp_tag#capture}
    gp_name=expected-$gp_kind$gp_tag
    [ "$gp_base" = "$1" ] || gp_name=$gp_name-gz
    case $2 in
    text) echo "$gp_name.txt" ;;
    json) echo "$gp_name.json" ;;
    jsonl) echo "$gp_name.jsonl" ;;
    esac
}

# pcap_args SCENARIO: the options the captures of SCENARIO need (its README says
# why); their goldens are rendered with them, and captures.sh runs with them.
pcap_args() {
    case $1 in
    starttls-required-refusal) echo "--port 5322" ;; # a c2s listener on 5322, not a default port
    esac
    return 0
}

# render_golden FORMAT OUT ERR [INPUT [OPTION...]]: run the binary with OPTIONs on
# ./INPUT (default ejabberd.log; the current directory is the scenario, so the
# report names the input relative to it, e.g. "input": "ejabberd.log") in
# FORMAT; OUT gets standard output with the tool version replaced by @VERSION@
# (a release must not touch every golden), ERR standard error; $rc.
render_golden() {
    rg_fmt=$1
    rg_out=$2
    rg_err=$3
    shift 3
    [ $# -gt 0 ] || set -- ejabberd.log
    rg_in=$1
    shift
    xf render -f "$rg_fmt" "$@" "$rg_in"
    v=$("$XMPPFLOW" --version | sed -n 's/^xmppflow //p' | sed 's/[.[\*^$/]/\\&/g')
    sed -e "s/\(\"version\": *\"\)$v\"/\1@VERSION@\"/g" \
        -e "s/xmppflow $v/xmppflow @VERSION@/g" "$T/render.out" >"$rg_out"
    cp "$T/render.err" "$rg_err"
}

# same_seq GOT WANT DESC: two event sequences (words "dir:event") are equal;
# on failure, a diff of them one word a line (- want, + got)
same_seq() {
    if [ "$1" = "$2" ]; then
        ok "$3"
    else
        not_ok "$3"
        printf '%s\n' "$2" | tr ' ' '\n' >"$T/want.seq"
        printf '%s\n' "$1" | tr ' ' '\n' >"$T/got.seq"
        diff -u "$T/want.seq" "$T/got.seq" >"$T/seq.diff" || true
        diag "  (- want, + got)"
        diag_file "$T/seq.diff" 40
    fi
}
