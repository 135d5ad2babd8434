#!/bin/sh
# secrets.sh: no secret of a test account in any default output (issue 11 §1).
# Every input file under testdata/ (every capture .pcap/.pcapng/.gz and every
# .log, the real scenarios, derived/, bad/ and violations/ alike, found with
# find) is run once in each format (text, json, jsonl) without --show-secrets;
# neither standard output nor standard error may hold a password listed in
# testdata/PASSWORDS.md, a prefix of it, its base64, or the base64 of a SASL
# PLAIN message carrying it (also a prefix that reveals part of the password,
# as a cut excerpt would). The accounts are read from PASSWORDS.md's tables,
# so an account added there is covered without touching this file.
. "$(dirname "$0")/lib.sh"

# ---- the needles ------------------------------------------------------------
# One "label<TAB>needle" line each, from PASSWORDS.md:
#   table 1 rows "| user@domain | `password` | notes |"
#   table 2 rows "| user / password | `base64` |" (PLAIN payloads as listed)
# For each (user, domain, password), the PLAIN messages a client may send:
# "\0user\0password", "user@domain\0user\0password" (authzid given) and
# "user\0password"; each as its whole base64 and as the shortest base64 prefix
# that reveals PREFIX_CHARS characters of the password; the password itself,
# its first PREFIX_CHARS characters and its base64.
# shellcheck disable=SC2016 # Python code; its backticks are Markdown's
py '
import base64, re, sys
PREFIX_CHARS = 8
text = open(sys.argv[1], encoding="utf-8").read()
accounts, listed = [], []
for line in text.splitlines():
    if not line.startswith("|"):
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) < 2:
        continue
    m = re.fullmatch(r"`([^`]+)`", cells[1])
    if not m:
        continue
    if re.fullmatch(r"[^@\s]+@[^@\s]+", cells[0]):
        user, domain = cells[0].split("@")
        accounts.append((user, domain, m.group(1)))
    elif "/" in cells[0]:
        listed.append((cells[0], m.group(1)))
if not accounts:
    sys.exit("no account found in " + sys.argv[1])
needles = {}
def add(label, needle):
    needles.setdefault(needle, label)
def b64(b):
    return base64.b64encode(b).decode()
for user, domain, pw in accounts:
    u, d, p = user.encode(), domain.encode(), pw.encode()
    add("password of %s" % user, pw)
    if len(pw) > PREFIX_CHARS:
        add("first %d characters of the password of %s" % (PREFIX_CHARS, user), pw[:PREFIX_CHARS])
    add("base64 of the password of %s" % user, b64(p))
    for form, head in (("\\0user\\0password", b"\0" + u + b"\0"),
                       ("user@domain\\0user\\0password", u + b"@" + d + b"\0" + u + b"\0"),
                       ("user\\0password", u + b"\0")):
        full = b64(head + p)
        add("PLAIN payload %s of %s" % (form, user), full)
        n = -(-(len(head) + min(PREFIX_CHARS, len(p))) * 4 // 3)
        add("start of the PLAIN payload %s of %s" % (form, user), full[:n])
for what, payload in listed:
    add("PLAIN payload of %s (PASSWORDS.md)" % what, payload)
for needle, label in needles.items():
    print("%s\t%s" % (label, needle))
' "$TESTDATA/PASSWORDS.md" >"$T/needles" 2>"$T/needles.err" || true
n_needles=$(wc -l <"$T/needles")
if [ "$n_needles" -gt 0 ] && grep -q '	Wonderland-Secret-1$' "$T/needles"; then
    ok "PASSWORDS.md: $(grep -c '^password of ' "$T/needles") passwords, $n_needles strings to look for"
else
    not_ok "PASSWORDS.md: the accounts table is read (alice's Wonderland-Secret-1 among them)"
    diag_file "$T/needles.err"
    done_testing
fi
cut -f2 "$T/needles" >"$T/needles.plain"

# ---- every input, every format -------------------------------------------------
# Outputs go to $T/o/<n>.<format>.{out,err}; $T/index lists "n format rc path".
# One pass of a Python scanner then names, per file and format, what leaked.

find "$TESTDATA" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.gz' -o -name '*.log' \) |
    LC_ALL=C sort >"$T/inputs"
n_inputs=$(wc -l <"$T/inputs")
if [ "$n_inputs" -gt 0 ]; then
    ok "testdata: $n_inputs input files (captures and logs)"
else
    not_ok "testdata: input files found under $TESTDATA"
    done_testing
fi

# run_bg N FORMAT ARGS...: xf's run (timeout, $VALGRIND) in the background,
# output in $T/o/N.FORMAT.{out,err}, exit status in $T/o/N.FORMAT.rc. The three
# formats of a file run at the same time (a sanitizer build spends most of a
# run starting up).
run_bg() {
    rb_out=$T/o/$1.$2
    rb_fmt=$2
    shift 2
    (
        rb_rc=0
        # shellcheck disable=SC2086 # $VALGRIND is a command prefix, split on purpose
        timeout "$XF_TIMEOUT" $VALGRIND "$XMPPFLOW" -f "$rb_fmt" "$@" >"$rb_out.out" 2>"$rb_out.err" </dev/null ||
            rb_rc=$?
        echo "$rb_rc" >"$rb_out.rc"
    ) &
}

mkdir "$T/o"
: >"$T/index"
i=0
while IFS= read -r f; do
    i=$((i + 1))
    # a scenario's captures need the options its goldens are made with
    sc=${f%/*}
    sc=${sc##*/}
    args=$(pcap_args "$sc")
    for fmt in text json jsonl; do
        # shellcheck disable=SC2086 # $args holds options, split on purpose
        run_bg "$i" "$fmt" $args "$f"
        echo "$i $fmt $f" >>"$T/index"
    done
    wait
done <"$T/inputs"

py '
import sys
T, top = sys.argv[1], sys.argv[2].rstrip("/") + "/"
needles = [l.rstrip("\n").split("\t", 1) for l in open(T + "/needles", encoding="utf-8")]
needles = [(n.encode(), label) for label, n in needles]
for line in open(T + "/index", encoding="utf-8"):
    i, fmt, path = line.rstrip("\n").split(" ", 2)
    name = path[len(top):] if path.startswith(top) else path
    rc = open("%s/o/%s.%s.rc" % (T, i, fmt)).read().strip() or "?"
    found = []
    for stream in ("out", "err"):
        data = open("%s/o/%s.%s.%s" % (T, i, fmt, stream), "rb").read()
        for n, label in needles:
            if n in data:
                found.append("%s: %s (%s)" % (stream, n.decode(), label))
        # a sanitizer report ends the run with exit 1, which is not a leak
        for n in (b"Sanitizer", b"runtime error:"):
            if n in data:
                found.append("%s: %s (a sanitizer report)" % (stream, n.decode()))
    print("%s\t%s\t%s\t%s" % (name, fmt, rc, "\036".join(found)))
' "$T" "$TESTDATA" >"$T/results"

while IFS='	' read -r name fmt rc found; do
    # 0: done, 3: an input the tool cannot use (bad/); 1 and 2 cannot happen
    # without --fail-on or a usage error, a sanitizer exits 1
    case $rc in 0 | 3) rc_ok=1 ;; *) rc_ok= ;; esac
    if [ -z "$found" ] && [ -n "$rc_ok" ]; then
        ok "$name: $fmt: no secret on stdout or stderr without --show-secrets"
    else
        not_ok "$name: $fmt: no secret on stdout or stderr without --show-secrets"
        [ -n "$rc_ok" ] || diag "  exit $rc (0 or 3 expected; 124 is a timeout)"
        [ -z "$found" ] || printf '%s\n' "$found" | tr '\036' '\n' | sed 's/^/  found /' | while IFS= read -r l; do diag "$l"; done
    fi
done <"$T/results"

# ---- the check can see a secret ------------------------------------------------
# With --show-secrets, alice's password from plain-no-tls (SASL PLAIN without
# TLS, in the capture and in the log) is in the report: the needles and the
# scan above would have found it.

for f in capture.pcap ejabberd.log; do
    xf show -f json --show-secrets "$TESTDATA/plain-no-tls/$f"
    if [ "$rc" -eq 0 ] && grep -q -F -f "$T/needles.plain" "$T/show.out" &&
        grep -q -F 'Wonderland-Secret-1' "$T/show.out"; then
        ok "plain-no-tls/$f: json --show-secrets shows alice's password (the scan finds it)"
    else
        not_ok "plain-no-tls/$f: json --show-secrets shows alice's password (the scan finds it)"
        diag "  exit $rc"
        diag_file "$T/show.err"
    fi
done

done_testing
