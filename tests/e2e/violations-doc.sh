#!/bin/sh
# violations-doc.sh: docs/violations.md is what the table of checks says
# (tools/violations-doc writes it from src/login/check_table.c), and the
# table holds every id of login-spec §3 once, with the spec's name, severity
# and citation. The spec lives next to the project checkout
# (../shared/spec/login-spec.md, or $SPEC); without it that part is skipped.
. "$(dirname "$0")/lib.sh"

GEN=${VIOLATIONS_DOC:-$(dirname "$XMPPFLOW")/tools/violations-doc}
DOC=$TOP_SRCDIR/docs/violations.md
SPEC=${SPEC:-$TOP_SRCDIR/../shared/spec/login-spec.md}

if [ ! -x "$GEN" ]; then
    echo "Bail out! $GEN is not built (make builds tools/violations-doc)"
    exit 1
fi

"$GEN" >"$T/doc.md"
if diff -u "$DOC" "$T/doc.md" >"$T/doc.diff"; then
    ok "docs/violations.md is what the table of checks says"
else
    not_ok "docs/violations.md is what the table of checks says (make update-violations-doc)"
    diag_file "$T/doc.diff"
fi

# every row of the page: an id once, in id order
py '
import re, sys
ids = [m.group(1) for m in re.finditer(r"^\| ([A-L]\d+) \|", open(sys.argv[1]).read(), re.M)]
key = lambda i: (i[0], int(i[1:]))
problems = []
if len(ids) != len(set(ids)):
    problems.append("repeated: " + " ".join(sorted({i for i in ids if ids.count(i) > 1})))
if ids != sorted(ids, key=key):
    problems.append("not in id order")
print("; ".join(problems))
' "$T/doc.md" >"$T/order.out"
is "$(cat "$T/order.out")" "" "the page lists each id once, in id order"

if [ ! -f "$SPEC" ]; then
    skip "the table matches login-spec §3 (id, name, severity, citation)" "no $SPEC"
    done_testing
fi

# login-spec §3: a citation that starts with a section names the document of its group's first row
py '
import re, sys
spec, doc = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sec3 = spec[spec.index("## 3. "):spec.index("## 4. ")]
row = re.compile(r"^\| ([A-L]\d+) \| (.*?) \| (.*?) \| (.*?) \| (.*?) \| (.*?) \|$", re.M)
want, first_doc = {}, {}
for m in row.finditer(sec3):
    id_, name, sev, _actor, _rule, cite = m.groups()
    group = id_[0]
    if group not in first_doc:
        first_doc[group] = re.match(r"((?:RFC|XEP)[- ]\d+)", cite).group(1)
    if cite.startswith("§"):
        cite = first_doc[group] + " " + cite
    level = re.search(r"critical|high|medium|low|info", sev.replace("*", "")).group(0)
    want[id_] = (re.search(r"`([^`]+)`", name).group(1), level, cite)
have = {}
for m in re.finditer(r"^\| ([A-L]\d+) \| `([^`]+)` \| (\w+) \| \w+ \| (.*?) \|", doc, re.M):
    have[m.group(1)] = (m.group(2), m.group(3), m.group(4))
problems = ["%s missing" % i for i in want if i not in have]
problems += ["%s not in the spec" % i for i in have if i not in want and i not in ("L4", "L5")]
for i in want:
    if i in have and have[i] != want[i]:
        problems.append("%s: %s, spec %s" % (i, have[i], want[i]))
print("\n".join(problems))
' "$SPEC" "$T/doc.md" >"$T/spec.out"
if [ -z "$(cat "$T/spec.out")" ]; then
    ok "the table matches login-spec §3 (id, name, severity, citation)"
else
    not_ok "the table matches login-spec §3 (id, name, severity, citation)"
    diag_file "$T/spec.out"
fi

done_testing
