#!/bin/sh
# golden.sh: every testdata/<scenario>/ejabberd.log in every format, compared
# with the reviewed expected-log.* files; every json/jsonl output validated
# against report.schema.json; no password may leak unless --show-secrets.
# Rewrite the goldens with tests/e2e/update-golden.sh [SCENARIO...].
. "$(dirname "$0")/lib.sh"

# ---- the schema extends the original contract -----------------------------
# The project's schema is the reference now; new fields are additive, so every
# property, required key and enum value of ../shared/report.schema.json must
# still be there (anything more is allowed).

if [ -f "$SHARED_SCHEMA" ]; then
    missing=$(py '
import json, sys
old = json.load(open(sys.argv[1])); new = json.load(open(sys.argv[2]))
out = []
def walk(a, b, path):
    if isinstance(a, dict):
        if not isinstance(b, dict):
            out.append(path); return
        for k, v in a.items():
            if k == "description":
                continue
            if k not in b:
                out.append(path + "/" + k)
            else:
                walk(v, b[k], path + "/" + k)
    elif isinstance(a, list):
        if not isinstance(b, list) or any(x not in b for x in a if not isinstance(x, (dict, list))):
            out.append(path)
        for i, x in enumerate(a):
            if isinstance(x, (dict, list)) and i < len(b):
                walk(x, b[i], path + "/" + str(i))
    elif a != b:
        out.append(path)
walk(old, new, "")
print(" ".join(out))' "$SHARED_SCHEMA" "$E2E_DIR/report.schema.json")
    is "$missing" "" "tests/e2e/report.schema.json keeps everything of ../shared/report.schema.json (additive)"
else
    skip "tests/e2e/report.schema.json keeps everything of ../shared/report.schema.json" \
        "no $SHARED_SCHEMA"
fi

list=$(scenarios)
if [ -z "$list" ]; then
    not_ok "testdata has scenarios with an ejabberd.log"
    done_testing
fi

# ---- goldens and schema ---------------------------------------------------

for s in $list; do
    cd "$TESTDATA/$s" || exit 1
    for fmt in text json jsonl; do
        exp=$(golden "$fmt")
        out="$T/$s.$fmt"
        render_golden "$fmt" "$out" "$T/$s.$fmt.err"
        if [ "$rc" -eq 0 ] && [ ! -s "$T/$s.$fmt.err" ]; then
            ok "$s: $fmt: exit 0, nothing on stderr"
        else
            not_ok "$s: $fmt: exit 0, nothing on stderr (exit $rc)"
            diag_file "$T/$s.$fmt.err"
        fi
        if [ ! -f "$exp" ] && ! has_goldens "$TESTDATA/$s"; then
            skip "$s: $fmt matches $exp" "no goldens yet (has_goldens in lib.sh)"
        elif [ ! -f "$exp" ]; then
            not_ok "$s: $fmt matches $exp (missing: run tests/e2e/update-golden.sh $s)"
        elif diff -u "$exp" "$out" >"$T/diff" 2>&1; then
            ok "$s: $fmt matches $exp"
        else
            not_ok "$s: $fmt matches $exp"
            if [ "$fmt" = jsonl ]; then
                # one long line per session: show the difference field by field
                for f in exp out; do
                    eval "src=\$$f"
                    py 'import json,sys
for l in open(sys.argv[1]):
    print(json.dumps(json.loads(l), indent=1, ensure_ascii=False))' "$src" >"$T/$f.pretty" 2>/dev/null ||
                        cp "$src" "$T/$f.pretty"
                done
                diff -u "$T/exp.pretty" "$T/out.pretty" >"$T/diff" 2>&1 || true
            fi
            diag_file "$T/diff" 60
        fi
        if [ "$fmt" = text ]; then
            check "$s: text output is valid UTF-8 (no character cut by the column limit)" \
                py 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$out"
        fi
        case $fmt in
        json | jsonl)
            if validate "$out" "$fmt" 2>"$T/verr"; then
                ok "$s: $fmt output is valid against the schema"
            else
                not_ok "$s: $fmt output is valid against the schema"
                diag_file "$T/verr" 20
            fi
            ;;
        esac
    done
done
cd "$T" || exit 1

# ---- facts ----------------------------------------------------------------------
# What each scenario's log shows (testdata/README.md, read against the log
# lines), asserted on the json report independently of the goldens, so that
# regenerating a golden cannot silently accept a wrong report. Rows marked
# with a TODO reason are known bugs of the tool (expected failures for now).
# scenario | python expression (d = report, s = first session, codes) | description | TODO reason

noC5="'C5' not in codes"
while IFS='|' read -r s expr desc reason; do
    case $s in '' | '#'*) continue ;; esac
    [ -f "$T/$s.json" ] || continue
    case $expr in '$noC5') expr=$noC5 ;; esac
    check_fact() { [ "$(jq_py "$T/$s.json" "$expr" 2>/dev/null)" = true ]; }
    if [ -n "$reason" ]; then
        todo "$reason" "$s: $desc" check_fact
    else
        check "$s: $desc" check_fact
    fi
done <<'FACTS'
concurrent|[x["outcome"] for x in d["sessions"]] == ["established"] * 2|both logins established|
concurrent|[[x["user"], x["auth"]["mechanism"], x["jid"]] for x in d["sessions"]] == [["alice", "PLAIN", "alice@xmppflow.test/concurrent-a"], ["bob", "SCRAM-SHA-1", "bob@xmppflow.test/concurrent-b"]]|alice with PLAIN, bob with SCRAM-SHA-1, their bound JIDs|
concurrent|all(x["tls"]["negotiated"] and x["tls"]["before_auth"] for x in d["sessions"])|both negotiated TLS before auth|
concurrent|d["summary"]["plaintext_auth"]["users"] == ["alice"]|only alice's password is in the log|
concurrent|$noC5|no SASL sequence error (C5)|
digest-md5-ok|[s["outcome"], s["user"], s["auth"]["mechanism"], s["jid"]] == ["established", "alice", "DIGEST-MD5", "alice@xmppflow.test/digest-md5"]|alice, DIGEST-MD5, bound|
digest-md5-ok|s["tls"]["before_auth"] is True and d["summary"]["plaintext_auth"]["sessions"] == 0|TLS before auth, no readable password|
digest-md5-ok|$noC5|no SASL sequence error (C5) for two challenge/response rounds|
disconnect-mid-sasl|[s["outcome"], s["user"], s["auth"]["mechanism"], s["auth"]["outcome"], s["auth"]["attempts"][0]["result"]] == ["aborted", "alice", "SCRAM-SHA-1", "none", "none"]|alice's SCRAM-SHA-1 attempt has no verdict, the session is aborted|
disconnect-mid-sasl|s["tls"]["negotiated"] is False and s["jid"] is None|no TLS, nothing bound|
disconnect-mid-sasl|'K4' in codes|the client's TCP close without a stream close is flagged (K4)|
drop-after-login|[s["outcome"], s["user"], s["auth"]["mechanism"], s["jid"]] == ["established", "alice", "PLAIN", "alice@xmppflow.test/drop"]|alice, PLAIN, bound|
drop-after-login|'K4' in codes|the dropped connection is flagged (K4; log: Connection failed: connection closed)|
go-sendxmpp|[s["outcome"], s["user"], s["auth"]["mechanism"]] == ["established", "alice", "DIGEST-MD5"] and s["jid"].startswith("alice@xmppflow.test/go-sendxmpp")|alice, DIGEST-MD5, bound|
go-sendxmpp|$noC5|no SASL sequence error (C5)|
go-sendxmpp|'K4' in codes|the dropped connection is flagged (K4; log: Connection failed: connection closed)|
legacy-auth-no-tls|[s["outcome"], s["user"], s["auth"]["mechanism"], s["auth"]["attempts"][0]["plaintext"]] == ["established", "bob", "legacy", True]|bob logs in with XEP-0078, password in clear|
legacy-auth-no-tls|'B1' in codes and 'E5' in codes|password without TLS (B1) and obsolete legacy auth (E5)|
legacy-auth-no-tls|s["jid"] == "bob@xmppflow.test/legacy"|the JID bound by iq:auth (log: Opened c2s session for bob@xmppflow.test/legacy)|
legacy-auth-no-tls|'A16' not in codes|iq:auth get/result/set is not out of login order (A16)|
legacy-auth-no-tls|'B3' in codes|STARTTLS offered but not used (B3), as in plain-no-tls|
plain-no-tls|[s["outcome"], s["user"], s["auth"]["mechanism"], s["tls"]["negotiated"]] == ["established", "alice", "PLAIN", False]|alice, PLAIN, no TLS|
plain-no-tls|'B1' in codes and 'B3' in codes and d["summary"]["plaintext_auth"]["users"] == ["alice"]|PLAIN without TLS (B1, B3), alice's password readable|
scram-sha1-ok|[s["outcome"], s["user"], s["auth"]["mechanism"], s["jid"]] == ["established", "bob", "SCRAM-SHA-1", "bob@xmppflow.test/scram-sha1"]|bob, SCRAM-SHA-1, bound|
scram-sha1-ok|'C12' in codes and d["summary"]["plaintext_auth"]["sessions"] == 0|gs2 flag y with -PLUS offered (C12), no readable password|
scram-sha1-ok|$noC5|no SASL sequence error (C5)|
scram-sha256-ok|[s["outcome"], s["user"], s["auth"]["mechanism"], s["jid"]] == ["established", "bob", "SCRAM-SHA-256", "bob@xmppflow.test/scram-sha256"]|bob, SCRAM-SHA-256, bound|
scram-sha256-ok|$noC5|no SASL sequence error (C5)|
starttls-plain-ok|[s["outcome"], s["user"], s["auth"]["mechanism"], s["jid"]] == ["established", "alice", "PLAIN", "alice@xmppflow.test/starttls-plain"]|alice, PLAIN, bound|
starttls-plain-ok|s["tls"]["before_auth"] is True and 'L1' in codes and 'B1' not in codes|PLAIN under TLS (no B1), but readable in the debug log (L1)|
unknown-user|[s["outcome"], s["user"], s["auth"]["attempts"][0]["condition"], s["jid"]] == ["auth-failed", "mallory", "not-authorized", None]|mallory is refused with not-authorized|
utf8-message|[s["outcome"], s["user"], s["auth"]["mechanism"], s["jid"]] == ["established", "alice", "SCRAM-SHA-256", "alice@xmppflow.test/caf\u00e9-\u0416"]|alice binds the non-ASCII resource café-Ж|
utf8-message|any(p["event"] == "stanza:message" and p["dir"] == "C" for p in s["phases"]) and not any(p["event"] in ("xml-error", "gap") for p in s["phases"])|the message with a multi-line byte-list payload parses (no xml-error, no gap)|
wrong-password|[s["outcome"], s["user"], s["auth"]["attempts"][0]["condition"], s["jid"]] == ["auth-failed", "alice", "not-authorized", None]|alice's wrong password is refused with not-authorized|
bosh-plain|[s["transport"], s["outcome"], s["user"], s["auth"]["mechanism"], s["jid"], s["client"]] == ["bosh", "established", "alice", "PLAIN", "alice@xmppflow.test/bosh-plain", "127.0.0.1:34888"]|one BOSH session: alice, PLAIN, bound, from the HTTP connection of the Incoming data lines|
bosh-plain|[p["event"] for p in s["phases"] if p["dir"] == "C"] == ["stream-open", "auth(PLAIN)", "stream-restart", "bind", "session", "stanza:message", "stanza:presence", "stream-close"]|the client's side from mod_bosh Incoming data bodies: creation, PLAIN, restart, bind, session, message, terminate|
bosh-plain|'B1' in codes and 'L1' in codes and d["summary"]["plaintext_auth"]["users"] == ["alice"] and 'K4' not in codes and 'C21' not in codes|PLAIN over http:// (B1) and readable in the debug log (L1); no false K4 or C21|
correlate|[[x["client"], x["outcome"], [p["event"] for p in x["phases"] if p["dir"] == "C"][:2]] for x in d["sessions"] if x["transport"] == "bosh"] == [["127.0.0.1:43124", "established", ["stream-open", "auth(PLAIN)"]]]|the BOSH session whose first body is logged before its handler's Accepted line (17.03+ order) starts with that body|
FACTS

# ---- secrets ----------------------------------------------------------------
# PASSWORDS.md: the test accounts. A password must never reach the output or
# standard error, neither in clear nor as the base64 of a SASL PLAIN message
# nor as base64 on its own, unless --show-secrets is given.

accounts="alice:Wonderland-Secret-1 bob:Builder-Secret-2 alice:Not-Alices-Password-9 mallory:Mallory-Guess-3"
: >"$T/needles"
for a in $accounts; do
    u=${a%%:*}
    p=${a#*:}
    py '
import base64, sys
u, p = sys.argv[1].encode(), sys.argv[2].encode()
print(p.decode())
print(base64.b64encode(b"\0" + u + b"\0" + p).decode())
print(base64.b64encode(p).decode())
' "$u" "$p" >>"$T/needles"
done

# leaks FILE...: print the needles found in FILEs (nothing when clean).
leaks() {
    cat "$@" | grep -F -o -f "$T/needles" | sort -u | tr '\n' ' ' || true
}

for s in $list; do
    log="$TESTDATA/$s/ejabberd.log"
    for fmt in text json jsonl; do
        xf "sec" -f "$fmt" "$log"
        found=$(leaks "$T/sec.out" "$T/sec.err")
        if [ "$rc" -le 3 ] && [ -z "$found" ]; then
            ok "$s: $fmt: no password on stdout or stderr without --show-secrets"
        else
            not_ok "$s: $fmt: no password on stdout or stderr without --show-secrets"
            diag "  exit $rc; found: $found"
        fi
    done
    # every credentials.password is masked or null
    xf "mask" -f json "$log"
    bad=$(jq_py "$T/mask.out" '[a["credentials"]["password"] for s in d["sessions"] for a in s["auth"]["attempts"] if a["credentials"] and a["credentials"]["password"] not in (None, "<hidden>")]' 2>&1 || echo "not JSON")
    is "$bad" "[]" "$s: json: every credentials.password is <hidden> or null"

    # with --show-secrets, the passwords that the log holds (in clear, or as a
    # PLAIN payload) appear decoded in the json report; stderr stays clean.
    want=""
    for a in $accounts; do
        u=${a%%:*}
        p=${a#*:}
        b=$(py 'import base64,sys; print(base64.b64encode(b"\0"+sys.argv[1].encode()+b"\0"+sys.argv[2].encode()).decode())' "$u" "$p")
        if grep -q -F -e "$p" -e "$b" "$log"; then
            want="$want $p"
        fi
    done
    xf "show" -f json --show-secrets "$log"
    if [ -n "$want" ]; then
        shown=$(jq_py "$T/show.out" '" ".join(sorted(set(str(a["credentials"]["password"]) for s in d["sessions"] for a in s["auth"]["attempts"] if a["credentials"])))' 2>/dev/null || true)
        missing=""
        for p in $want; do
            case " $shown " in
            *" $p "*) ;;
            *) missing="$missing $p" ;;
            esac
        done
        is "${missing# }" "" "$s: json --show-secrets shows the password(s) in the log:$want"
    fi
    found=$(leaks "$T/show.err")
    is "$found" "" "$s: --show-secrets: no password on stderr"
done

done_testing
