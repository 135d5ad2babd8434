#!/bin/sh
# captures.sh: capture input (pcap, pcapng, gzip; Ethernet, Linux cooked v1/v2,
# IPv4/IPv6). Every real scenario capture (testdata/<scenario>/capture*) in every
# format, compared with its reviewed expected-pcap*.* golden and validated against
# the schema; what each capture shows, asserted independently of the goldens; the
# derived captures of testdata/derived/ (re-segmented, reordered, damaged, other
# link types) against their source; log and capture of the same login; no
# password without --show-secrets; damaged and huge captures made on the fly.
# Rewrite the goldens with ONLY=pcap tests/e2e/update-golden.sh [SCENARIO...].
. "$(dirname "$0")/lib.sh"

DERIVED="$TESTDATA/derived"

# key SCENARIO/FILE: a name for files in $T
key() { echo "$1" | tr '/.' '__'; }

# q FILE EXPR: jq_py, "?" when FILE is not JSON
q() { jq_py "$1" "$2" 2>/dev/null || echo "?"; }

# The queries below run on json reports, with these names (see fact()):
#   d      the report; S the sessions; s the first session (None if none)
#   ev(x)  the events of session x as "dir:event"; a tcp-fin / tcp-rst gets the
#          side that sent it: "-:tcp-fin(client)", "-:tcp-rst(server)"
#   codes(x)  the violation codes of session x
#   errs   "packet:message" of every inputs[].errors entry
cat >"$T/fact.py" <<'EOF'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    d = json.load(f)
S = d.get("sessions") or []
s = S[0] if S else None
def ev(x):
    out = []
    for p in x["phases"]:
        e = p["dir"] + ":" + p["event"]
        if p["event"] in ("tcp-fin", "tcp-rst"):
            side = (p["summary"] or "").split(" ")[0]
            if side in ("client", "server"):
                e += "(" + side + ")"
        out.append(e)
    return out
def codes(x):
    return [v["code"] for v in x["violations"]]
# STARTTLS without a key: the clear-text part, then two ways to close
TLS_START = ["-:tcp-open", "C:stream-open", "S:stream-open", "S:features", "C:starttls",
             "S:proceed", "-:tls-client-hello", "-:tls-established"]
FIN_RST = ["-:tcp-fin(server)", "-:tcp-rst(server)"]
FIN_C_S = ["-:tcp-fin(client)", "-:tcp-fin(server)"]
# plain-no-tls (and sll-plain-no-tls): every element in clear
PLAIN_SEQ = ["-:tcp-open", "C:stream-open", "S:stream-open", "S:features", "C:auth(PLAIN)",
             "S:success", "C:stream-restart", "S:stream-open", "S:features", "C:bind",
             "S:bind-result", "C:stanza:presence", "C:stanza:iq", "S:stanza:presence",
             "S:stanza:iq", "C:stream-close", "S:stream-close", "-:tcp-fin(server)",
             "-:tcp-fin(client)"]
def opaque():
    """every session: STARTTLS without a key, so opaque: no user, mechanism or attempt"""
    return all([x["outcome"], x["transport"], x["user"], x["jid"], x["auth"]["mechanism"],
                x["auth"]["attempts"], x["auth"]["outcome"], x["tls"]["offered"],
                x["tls"]["negotiated"]] == ["opaque", "tcp", None, None, None, [], "none", True, True]
               for x in S)
def invisible():
    """L2, and no C*, D*, F* finding (login spec 2.2 rule 4), no readable password"""
    return all("L2" in codes(x) and not [c for c in codes(x) if c[0] in "CDF"] for x in S) \
        and d["summary"]["plaintext_auth"]["sessions"] == 0
errs = ["%s:%s" % (e.get("packet", "-"), e["message"]) for i in d["inputs"] for e in i["errors"]]
v = eval(expr)
if v is True:
    sys.exit(0)
# explain: the first false operand of an "and", the left side of an "=="
import ast
node = ast.parse(expr, mode="eval").body
while isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
    node = next((x for x in node.values if eval(compile(ast.Expression(x), "", "eval")) is not True), node.values[-1])
if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.In, ast.NotIn)):
    what, got = ast.unparse(node), eval(compile(ast.Expression(node.left), "", "eval"))
    if isinstance(node.ops[0], (ast.In, ast.NotIn)):
        got = eval(compile(ast.Expression(node.comparators[0]), "", "eval"))
else:
    what, got = ast.unparse(node), v
sys.stderr.write("false: %s\n  got: %s\n" % (what[:300], json.dumps(got, ensure_ascii=False)[:600]))
sys.exit(1)
EOF

# fact FILE EXPR: EXPR (python, names above) is True for the json report FILE;
# on failure the value of EXPR is shown as a TAP comment.
fact() {
    if python3 "$T/fact.py" "$1" "$2" 2>"$T/fact.err"; then
        return 0
    fi
    diag_file "$T/fact.err" 10
    return 1
}

# seqs FILE [DROP]: the event sequence of every session of the json report FILE,
# one session per line as "dir:event dir:event ..." (no times, no summaries);
# events whose name matches the python regex DROP are left out. "?" if not JSON.
seqs() {
    py '
import json, re, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
drop = re.compile(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else None
for s in d["sessions"]:
    print(" ".join(p["dir"] + ":" + p["event"] for p in s["phases"]
                   if not (drop and drop.fullmatch(p["event"]))))
' "$@" 2>/dev/null || echo "?"
}


# upto_tls SEQS: each line of a seqs output cut after its tls-established
upto_tls() { printf '%s\n' "$1" | sed 's/\(-:tls-established\) .*/\1/'; }

# no_crash DESC: the last xf run ended with a status the contract allows.
no_crash() {
    if [ "$rc" -le 3 ]; then ok "$1: no crash, no hang (exit $rc)"; else not_ok "$1: no crash, no hang (exit $rc)"; fi
}

# schema_ok FILE MODE DESC
schema_ok() {
    if validate "$1" "$2" 2>"$T/verr"; then
        ok "$3"
    else
        not_ok "$3"
        diag_file "$T/verr" 20
    fi
}

# pretty FILE: a jsonl report with one field per line (for readable diffs)
pretty() {
    py 'import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    print(json.dumps(json.loads(l), indent=1, ensure_ascii=False))' "$1" 2>/dev/null || cat "$1"
}

list=$(captures)
if [ -z "$list" ]; then
    not_ok "testdata has scenario captures (testdata/<scenario>/capture*)"
    done_testing
fi

# ---- goldens and schema ---------------------------------------------------------
# Run from the scenario directory with a relative input path, so the reports name
# "capture.pcap" and not a path of this machine; with the options the scenario
# needs (pcap_args in lib.sh).

for c in $list; do
    s=${c%%/*}
    f=${c#*/}
    k=$(key "$c")
    cd "$TESTDATA/$s" || exit 1
    for fmt in text json jsonl; do
        exp=$(golden_pcap "$f" "$fmt")
        out="$T/$k.$fmt"
        # shellcheck disable=SC2046 # pcap_args prints options, split on purpose
        render_golden "$fmt" "$out" "$T/$k.$fmt.err" "$f" $(pcap_args "$s")
        if [ "$rc" -eq 0 ] && [ ! -s "$T/$k.$fmt.err" ]; then
            ok "$c: $fmt: exit 0, nothing on stderr"
        else
            not_ok "$c: $fmt: exit 0, nothing on stderr (exit $rc)"
            diag_file "$T/$k.$fmt.err"
        fi
        if [ ! -f "$exp" ] && ! has_goldens "$TESTDATA/$s"; then
            skip "$c: $fmt matches $s/$exp" "no goldens yet (has_goldens in lib.sh)"
        elif [ ! -f "$exp" ]; then
            not_ok "$c: $fmt matches $s/$exp (missing: run ONLY=pcap tests/e2e/update-golden.sh $s)"
        elif diff -u "$exp" "$out" >"$T/diff" 2>&1; then
            ok "$c: $fmt matches $s/$exp"
        else
            not_ok "$c: $fmt matches $s/$exp"
            if [ "$fmt" = jsonl ]; then
                pretty "$exp" >"$T/exp.pretty"
                pretty "$out" >"$T/out.pretty"
                diff -u "$T/exp.pretty" "$T/out.pretty" >"$T/diff" 2>&1 || true
            fi
            diag_file "$T/diff" 60
        fi
        case $fmt in
        text)
            check "$c: text output is valid UTF-8" \
                py 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$out"
            ;;
        json | jsonl)
            schema_ok "$out" "$fmt" "$c: $fmt output is valid against the schema"
            ;;
        esac
    done
    # jsonl streams the same sessions as the json document
    check "$c: jsonl holds the json report's sessions, inputs and summary" py '
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
lines = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
if not lines:
    sys.exit(1)
last = lines.pop()
# jsonl writes a session as it ends, json in id order: the same sessions
by_id = lambda l: sorted(l, key=lambda s: s["id"])
sys.exit(0 if by_id(lines) == d["sessions"] and last["inputs"] == d["inputs"]
         and last["summary"] == d["summary"] else 1)' "$T/$k.json" "$T/$k.jsonl"
done
cd "$T" || exit 1

# ---- what each capture shows ----------------------------------------------------
# Read from the captures with tshark (-q -z follow,tcp,ascii,N; -T fields -e
# tcp.flags), independently of the goldens: endpoints, the clear-text events in
# order, who closed, and what can be known without a TLS key. STARTTLS sessions
# without a key are opaque (no user, no mechanism, no attempt) and get no C*, D*
# or F* finding from data that could not be read (login spec §2.2 rule 4).
# capture | python expression (see fact.py above) | description | TODO reason

while IFS='|' read -r c expr desc reason; do
    case $c in '' | '#'*) continue ;; esac
    k=$(key "$c")
    [ -f "$T/$k.json" ] || continue
    if [ -n "$reason" ]; then
        todo "$reason" "$c: $desc" fact "$T/$k.json" "$expr"
    else
        check "$c: $desc" fact "$T/$k.json" "$expr"
    fi
done <<'FACTS'
concurrent/capture.pcap|[(x["client"], x["server"]) for x in S] == [("127.0.0.1:53930", "127.0.0.1:5222"), ("127.0.0.1:53942", "127.0.0.1:5222")]|two connections: 127.0.0.1:53930 and :53942 to 127.0.0.1:5222|
concurrent/capture.pcap|opaque()|both STARTTLS, no key: opaque, no user, no mechanism|
concurrent/capture.pcap|invisible()|no finding from unreadable data (L2; no C*, D*, F*), no readable password|
concurrent/capture.pcap|[ev(x) for x in S] == [TLS_START + FIN_C_S, TLS_START + FIN_RST]|clear-text events; alice's connection: client FIN, server FIN; bob's: server FIN, server RST|
concurrent/capture.pcap|d["inputs"][0]["type"] == "pcap" and d["inputs"][0]["packets"] == 90 and d["inputs"][0]["errors"] == []|pcap, 90 packets, no input error|
digest-md5-ok/capture.pcap|[s["client"], s["server"], len(S)] == ["127.0.0.1:41510", "127.0.0.1:5222", 1]|one connection 127.0.0.1:41510 -> 127.0.0.1:5222|
digest-md5-ok/capture.pcap|opaque()|STARTTLS, no key: opaque|
digest-md5-ok/capture.pcap|invisible()|no finding from unreadable data|
digest-md5-ok/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
disconnect-mid-sasl/capture.pcap|[s["client"], s["server"], len(S)] == ["127.0.0.1:48440", "127.0.0.1:5222", 1]|one connection 127.0.0.1:48440 -> 127.0.0.1:5222|
disconnect-mid-sasl/capture.pcap|[s["outcome"], s["user"], s["auth"]["mechanism"], s["transport"], s["tls"]["negotiated"], s["jid"]] == ["aborted", "alice", "SCRAM-SHA-1", "tcp", False, None]|aborted, alice, SCRAM-SHA-1, no TLS, nothing bound|
disconnect-mid-sasl/capture.pcap|[s["auth"]["outcome"], [a["result"] for a in s["auth"]["attempts"]]] == ["none", ["none"]]|the SCRAM attempt has no verdict|
disconnect-mid-sasl/capture.pcap|ev(s) == ["-:tcp-open", "C:stream-open", "S:stream-open", "S:features", "C:auth(SCRAM-SHA-1)", "S:challenge", "-:tcp-fin(client)", "-:tcp-fin(server)"]|exact events: auth, challenge, then the client's FIN (no response, no stream close)|
disconnect-mid-sasl/capture.pcap|"K4" in codes(s) and "B2" in codes(s)|client closed TCP without a stream close (K4), SCRAM without TLS (B2)|
drop-after-login/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:41526", 1]|one connection from 127.0.0.1:41526|
drop-after-login/capture.pcap|opaque()|STARTTLS, no key: opaque|
drop-after-login/capture.pcap|invisible()|no finding from unreadable data|
drop-after-login/capture.pcap|ev(s) == TLS_START + FIN_C_S|clear-text events, then the client's FIN first|
go-sendxmpp/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:53922", 1]|one connection from 127.0.0.1:53922|
go-sendxmpp/capture.pcap|opaque()|STARTTLS, no key: opaque|
go-sendxmpp/capture.pcap|invisible()|no finding from unreadable data|
go-sendxmpp/capture.pcap|ev(s) == TLS_START + FIN_C_S|clear-text events, then the client's FIN first|
go-sendxmpp/capture.pcap|[p["summary"] for p in s["phases"] if p["event"] == "tls-client-hello"] == ["ClientHello SNI xmppflow.test, ALPN xmpp-client"]|the ClientHello's SNI xmppflow.test and ALPN xmpp-client (tls.handshake.extensions_server_name, _alpn_str)|
ipv6-starttls-plain/capture.pcap|[s["client"], s["server"], len(S)] == ["[::1]:43748", "[::1]:5222", 1]|IPv6 endpoints written [::1]:PORT|
ipv6-starttls-plain/capture.pcap|opaque()|STARTTLS, no key: opaque|
ipv6-starttls-plain/capture.pcap|invisible()|no finding from unreadable data|
ipv6-starttls-plain/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
ipv6-starttls-plain/capture.pcap.gz|[s["client"], s["server"], s["outcome"], d["inputs"][0]["type"], d["inputs"][0]["packets"]] == ["[::1]:43748", "[::1]:5222", "opaque", "pcap", 41]|gzip: the same connection, pcap, 41 packets|
legacy-auth-no-tls/capture.pcap|[s["client"], s["server"], len(S)] == ["127.0.0.1:48450", "127.0.0.1:5222", 1]|one connection 127.0.0.1:48450 -> 127.0.0.1:5222|
legacy-auth-no-tls/capture.pcap|[s["outcome"], s["user"], s["auth"]["mechanism"], s["transport"], s["tls"]["negotiated"], s["jid"]] == ["established", "bob", "legacy", "tcp", False, "bob@xmppflow.test/legacy"]|established, bob, legacy (XEP-0078), no TLS, bob@xmppflow.test/legacy|
legacy-auth-no-tls/capture.pcap|ev(s) == ["-:tcp-open", "C:stream-open", "S:stream-open", "S:features", "C:legacy-auth-get", "S:legacy-auth-result", "C:legacy-auth-set", "S:legacy-auth-result", "C:stanza:presence", "S:stanza:presence", "C:stream-close", "S:stream-close", "-:tcp-fin(server)", "-:tcp-fin(client)"]|exact events: iq:auth get/result/set/result, presence, both stream closes|
legacy-auth-no-tls/capture.pcap|"B1" in codes(s) and "E5" in codes(s) and d["summary"]["plaintext_auth"]["users"] == ["bob"] and s["auth"]["attempts"][0]["plaintext"] is True|bob's password in clear (B1, plaintext audit), legacy auth (E5)|
pcapng-scram/capture.pcapng|[s["client"], len(S), d["inputs"][0]["type"], d["inputs"][0]["packets"]] == ["127.0.0.1:33942", 1, "pcapng", 44]|pcapng, 44 packets, one connection from 127.0.0.1:33942|
pcapng-scram/capture.pcapng|opaque()|STARTTLS, no key: opaque|
pcapng-scram/capture.pcapng|invisible()|no finding from unreadable data|
pcapng-scram/capture.pcapng|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
plain-no-tls/capture.pcap|[s["client"], s["server"], len(S)] == ["127.0.0.1:52800", "127.0.0.1:5222", 1]|one connection 127.0.0.1:52800 -> 127.0.0.1:5222|
plain-no-tls/capture.pcap|[s["outcome"], s["user"], s["auth"]["mechanism"], s["transport"], s["tls"]["negotiated"], s["jid"]] == ["established", "alice", "PLAIN", "tcp", False, "alice@xmppflow.test/plain-no-tls"]|established, alice, PLAIN, no TLS, alice@xmppflow.test/plain-no-tls|
plain-no-tls/capture.pcap|ev(s) == PLAIN_SEQ|exact events: PLAIN, restart, bind, presence, roster, both closes, server FIN first|
plain-no-tls/capture.pcap|"B1" in codes(s) and "B3" in codes(s) and d["summary"]["plaintext_auth"]["users"] == ["alice"]|PLAIN without TLS (B1, B3), alice in the plaintext audit|
plain-no-tls/capture.pcap|[s["durations_ms"]["auth"], s["durations_ms"]["to_bound"], s["durations_ms"]["total"]] == [0.624, 5.886, 616.696]|durations from the packet times: auth 0.624 ms, bound at 5.886 ms, 616.696 ms in all|
scram-sha1-ok/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:52814", 1]|one connection from 127.0.0.1:52814|
scram-sha1-ok/capture.pcap|opaque()|STARTTLS, no key: opaque|
scram-sha1-ok/capture.pcap|invisible()|no finding from unreadable data|
scram-sha1-ok/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
scram-sha256-ok/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:41500", 1]|one connection from 127.0.0.1:41500|
scram-sha256-ok/capture.pcap|opaque()|STARTTLS, no key: opaque|
scram-sha256-ok/capture.pcap|invisible()|no finding from unreadable data|
scram-sha256-ok/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
sll-plain-no-tls/capture-sll2.pcap|[s["client"], s["server"], len(S)] == ["127.0.0.1:33090", "127.0.0.1:5222", 1]|Linux cooked v2: one connection 127.0.0.1:33090 -> 127.0.0.1:5222|
sll-plain-no-tls/capture-sll2.pcap|[s["outcome"], s["user"], s["auth"]["mechanism"], s["transport"], s["tls"]["negotiated"], s["jid"]] == ["established", "alice", "PLAIN", "tcp", False, "alice@xmppflow.test/sll-plain-no-tls"]|established, alice, PLAIN, no TLS|
sll-plain-no-tls/capture.pcap|[s["client"], s["server"], len(S)] == ["127.0.0.1:33090", "127.0.0.1:5222", 1]|Linux cooked v1: one connection 127.0.0.1:33090 -> 127.0.0.1:5222|
sll-plain-no-tls/capture.pcap|[s["outcome"], s["user"], s["auth"]["mechanism"], s["transport"], s["tls"]["negotiated"], s["jid"]] == ["established", "alice", "PLAIN", "tcp", False, "alice@xmppflow.test/sll-plain-no-tls"]|established, alice, PLAIN, no TLS|
starttls-plain-ok/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:52784", 1]|one connection from 127.0.0.1:52784|
starttls-plain-ok/capture.pcap|opaque()|STARTTLS, no key: opaque|
starttls-plain-ok/capture.pcap|invisible()|no finding from unreadable data|
starttls-plain-ok/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
starttls-plain-ok/capture.pcap|[[p["time"] for p in s["phases"] if p["event"].startswith("tls-")], s["durations_ms"]["to_tls"]] == [["2026-11-25T14:49:06.388931Z", "2026-11-25T14:49:06.391833Z"], 113.408]|ClientHello at the client's first TLS record, handshake done at the client's Finished (frame times)|
unknown-user/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:48434", 1]|one connection from 127.0.0.1:48434|
unknown-user/capture.pcap|opaque()|STARTTLS, no key: opaque (the failure is inside TLS)|
unknown-user/capture.pcap|invisible()|no finding from unreadable data|
unknown-user/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
utf8-message/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:49714", 1]|one connection from 127.0.0.1:49714|
utf8-message/capture.pcap|opaque()|STARTTLS, no key: opaque|
utf8-message/capture.pcap|invisible()|no finding from unreadable data|
utf8-message/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
wrong-password/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:48426", 1]|one connection from 127.0.0.1:48426|
wrong-password/capture.pcap|opaque()|STARTTLS, no key: opaque (the failure is inside TLS)|
wrong-password/capture.pcap|invisible()|no finding from unreadable data|
wrong-password/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
ibr-register/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:58356", 1]|one connection from 127.0.0.1:58356|
ibr-register/capture.pcap|opaque()|STARTTLS, no key: opaque (the registration is inside TLS)|
ibr-register/capture.pcap|invisible()|no finding from unreadable data|
ibr-register/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
ibr-register-no-tls/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:58366", 1]|one connection from 127.0.0.1:58366|
ibr-register-no-tls/capture.pcap|[s["outcome"], s["user"], s["auth"]["mechanism"], s["transport"], s["tls"]["negotiated"], s["jid"]] == ["registered", "dave", None, "tcp", False, None]|registered: dave, no SASL, no TLS, nothing bound|
ibr-register-no-tls/capture.pcap|ev(s) == ["-:tcp-open", "C:stream-open", "S:stream-open", "S:features", "C:register-get", "S:register-result", "C:register-set", "S:register-result", "C:stream-close", "S:stream-close", "-:tcp-fin(client)", "-:tcp-fin(server)"]|exact events: register get/result/set/result, both stream closes|
ibr-register-no-tls/capture.pcap|d["summary"]["plaintext_auth"]["users"] == ["dave"]|dave's registration password is in the plaintext audit|
legacy-auth-error/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:60730", 1]|one connection from 127.0.0.1:60730|
legacy-auth-error/capture.pcap|[s["outcome"], s["user"], s["auth"]["mechanism"], s["transport"], s["tls"]["negotiated"], [(a["result"], a["condition"]) for a in s["auth"]["attempts"]]] == ["auth-failed", "bob", "legacy", "tcp", False, [("failure", "not-authorized")]]|auth-failed: bob's legacy attempt refused with not-authorized, no TLS|
legacy-auth-error/capture.pcap|ev(s) == ["-:tcp-open", "C:stream-open", "S:stream-open", "S:features", "C:legacy-auth-get", "S:legacy-auth-result", "C:legacy-auth-set", "S:legacy-auth-error(not-authorized)", "C:stream-close", "S:stream-close", "-:tcp-fin(server)", "-:tcp-fin(client)"]|exact events: iq:auth get/result/set, the error, both stream closes|
scram-sha256-plus/capture.pcap|[s["client"], len(S)] == ["127.0.0.1:58348", 1]|one connection from 127.0.0.1:58348|
scram-sha256-plus/capture.pcap|opaque()|STARTTLS, no key: opaque (-PLUS is offered only inside TLS)|
scram-sha256-plus/capture.pcap|invisible()|no finding from unreadable data|
scram-sha256-plus/capture.pcap|ev(s) == TLS_START + FIN_RST|clear-text events, then server FIN and RST|
sm-resume/capture.pcap|[(x["client"], x["outcome"], x["user"], x["auth"]["mechanism"], x["tls"]["negotiated"], x["jid"]) for x in S] == [("127.0.0.1:35060", "established", "alice", "PLAIN", False, "alice@xmppflow.test/sm-resume"), ("127.0.0.1:35072", "established", "alice", "PLAIN", False, "alice@xmppflow.test/sm-resume")]|two connections of alice (PLAIN, no TLS), both established with the JID alice@xmppflow.test/sm-resume|
sm-resume/capture.pcap|ev(S[0]) == PLAIN_SEQ[:11] + ["C:sm-enable", "S:sm-enabled", "C:stanza:presence", "C:sm-request", "S:sm-ack", "-:tcp-fin(client)", "-:tcp-fin(server)"] and "K4" in codes(S[0])|first connection: bind, SM enabled, r/a, then the client drops TCP without a stream close (K4)|
sm-resume/capture.pcap|ev(S[1])[:11] == PLAIN_SEQ[:9] + ["C:sm-resume", "S:sm-resumed"] and "C:bind" not in ev(S[1])|second connection: resumes instead of binding|
starttls-required-refusal/capture.pcap|[s["client"], s["server"], len(S)] == ["127.0.0.1:33598", "127.0.0.1:5322", 1]|(--port 5322) one connection 127.0.0.1:33598 -> 127.0.0.1:5322|
starttls-required-refusal/capture.pcap|[s["outcome"], s["user"], s["auth"]["mechanism"], s["tls"], [(a["result"], a["condition"]) for a in s["auth"]["attempts"]]] == ["auth-failed", "alice", "PLAIN", {"offered": True, "required": True, "negotiated": False, "before_auth": False}, [("failure", "encryption-required")]]|(--port 5322) auth-failed: PLAIN in clear refused with encryption-required, TLS required but not negotiated|
starttls-required-refusal/capture.pcap|ev(s) == ["-:tcp-open", "C:stream-open", "S:stream-open", "S:features", "C:auth(PLAIN)", "S:failure(encryption-required)", "C:stream-close", "S:stream-close", "-:tcp-fin(server)", "-:tcp-fin(client)"] and "B4" in codes(s) and "B1" in codes(s)|(--port 5322) exact events; B4 (required STARTTLS ignored), B1|
stream-error-conflict/capture.pcap|[(x["client"], x["user"], x["auth"]["mechanism"], x["tls"]["negotiated"], x["jid"]) for x in S] == [("127.0.0.1:35088", "alice", "PLAIN", False, "alice@xmppflow.test/dup"), ("127.0.0.1:35100", "alice", "PLAIN", False, "alice@xmppflow.test/dup")]|two logins of alice@xmppflow.test/dup (PLAIN, no TLS)|
stream-error-conflict/capture.pcap|ev(S[0])[-4:] == ["S:stream-error(conflict)", "S:stream-close", "-:tcp-fin(server)", "-:tcp-fin(client)"] and "S:stream-error(conflict)" not in ev(S[1])|the first connection ends with the server's conflict stream error, the second does not|
FACTS

# A connection on a port that is not a c2s default is found by its content; the
# capture holds its SYN, so it must not be reported as picked up mid-stream.
if [ -f "$TESTDATA/starttls-required-refusal/capture.pcap" ]; then
    xf noport -f json "$TESTDATA/starttls-required-refusal/capture.pcap"
    check "starttls-required-refusal/capture.pcap without --port: exit 0, the connection on port 5322 found by content" \
        fact "$T/noport.out" '[x["server"] for x in S] == ["127.0.0.1:5322"] and [x["outcome"] for x in S] == ["auth-failed"]'
    check "starttls-required-refusal/capture.pcap without --port: starts with tcp-open and stream-open, no gap, no A17" \
        fact "$T/noport.out" 'ev(s)[:2] == ["-:tcp-open", "C:stream-open"] and "-:gap" not in ev(s) and "A17" not in codes(s)'
fi

# ---- the same login in other containers -----------------------------------------

# .gz: the same report but for inputs[].size_bytes (the compressed size)
v6="$T/$(key ipv6-starttls-plain/capture.pcap).json"
v6gz="$T/$(key ipv6-starttls-plain/capture.pcap.gz).json"
check "ipv6-starttls-plain: capture.pcap.gz gives the same sessions, summary and packet count as capture.pcap" py '
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
for s in a["sessions"] + b["sessions"]:
    s["input"] = None
ia, ib = a["inputs"][0], b["inputs"][0]
sys.exit(0 if a["sessions"] and a["sessions"] == b["sessions"] and a["summary"] == b["summary"]
         and (ia["type"], ia["packets"], ia["errors"]) == (ib["type"], ib["packets"], ib["errors"]) else 1)' "$v6" "$v6gz"
is "$(q "$v6gz" 'd["inputs"][0]["size_bytes"]')" "$(wc -c <"$TESTDATA/ipv6-starttls-plain/capture.pcap.gz" | tr -d ' ')" \
    "ipv6-starttls-plain: capture.pcap.gz: size_bytes is the compressed size"
cp "$TESTDATA/ipv6-starttls-plain/capture.pcap.gz" "$T/gz-without-suffix"
xf gzns -f json "$T/gz-without-suffix"
is "$rc/$(seqs "$T/gzns.out")" "0/$(seqs "$v6")" "a gzipped capture is recognised by content, not by its name"
xf gzstdin -f json - <"$TESTDATA/ipv6-starttls-plain/capture.pcap.gz"
is "$rc/$(seqs "$T/gzstdin.out")" "0/$(seqs "$v6")" "a gzipped capture on standard input"
xf pstdin -f json - <"$TESTDATA/plain-no-tls/capture.pcap"
is "$rc/$(q "$T/pstdin.out" 'd["inputs"][0]["type"]')/$(seqs "$T/pstdin.out")" \
    "0/pcap/$(seqs "$T/$(key plain-no-tls/capture.pcap).json")" "a pcap on standard input"

# Linux cooked v1 and v2 (tcpdump -i any): another connection, the same login
plain_seqs=$(seqs "$T/$(key plain-no-tls/capture.pcap).json")
for f in capture.pcap capture-sll2.pcap; do
    same_seq "$(seqs "$T/$(key "sll-plain-no-tls/$f").json")" "$plain_seqs" \
        "sll-plain-no-tls/$f: the same event sequence as plain-no-tls/capture.pcap"
done
# two tcpdump processes stamped the same packets: times differ by a microsecond
check "sll-plain-no-tls: SLL and SLL2 give the same sessions (endpoints, summaries, findings) but for times" py '
import json, sys
def norm(path):
    ss = json.load(open(path, encoding="utf-8"))["sessions"]
    for s in ss:
        s["input"] = s["start"] = s["end"] = s["durations_ms"] = None
        for p in s["phases"]:
            p["time"] = None
    return ss
a, b = norm(sys.argv[1]), norm(sys.argv[2])
sys.exit(0 if a and a == b else 1)' "$T/$(key sll-plain-no-tls/capture.pcap).json" "$T/$(key sll-plain-no-tls/capture-sll2.pcap).json"

# ---- log and capture of the same login --------------------------------------------
# The capture's events without the transport-only ones (tcp-*, gap,
# tls-client-hello) are the log's events without log-auth-*: both show the same
# elements in the same order. With STARTTLS and no key, up to tls-established
# (every scenario whose capture has one); the logins wholly in clear that are
# compared in full are listed (elsewhere the wire and ejabberd's log may
# legitimately differ, e.g. a stanza queued for a dead connection is logged
# as sent but never reaches the wire).

for c in $(captures | grep -E '/capture\.pcap(ng)?$'); do
    s=${c%%/*}
    [ -f "$TESTDATA/$s/ejabberd.log" ] || continue
    capseq=$(seqs "$T/$(key "$c").json" 'tcp-.*|gap|tls-client-hello')
    case $s in
    plain-no-tls | legacy-auth-no-tls | sll-plain-no-tls | disconnect-mid-sasl) ;;
    *) case $capseq in *-:tls-established*) ;; *) continue ;; esac ;;
    esac
    # the whole log: a rotated set is one log (ejabberd.log, .1, .2.gz, ...)
    xf lc -f json "$TESTDATA/$s"/ejabberd.log*
    logseq=$(seqs "$T/lc.out" 'log-auth-.*')
    case $s in
    plain-no-tls | legacy-auth-no-tls | sll-plain-no-tls)
        same_seq "$capseq" "$logseq" "$s: the capture's events are the log's events"
        ;;
    disconnect-mid-sasl)
        # ejabberd logs "Send XML on stream = </stream:stream>" after the client's
        # FIN, but that close never reached the wire: the capture shows the
        # server's FIN 62 us after the client's, with no data (frames 12-13).
        same_seq "$capseq S:stream-close" "$logseq" \
            "$s: the capture's events are the log's, but for the server's </stream:stream> that ejabberd logged and never sent"
        ;;
    *)
        same_seq "$(upto_tls "$capseq")" "$(upto_tls "$logseq")" \
            "$s: the capture's events are the log's, up to and including tls-established"
        ;;
    esac
done

# ---- derived captures --------------------------------------------------------------
# testdata/derived/README: each is made from a real capture. Unless said otherwise
# the event sequence (dir + event, no times or summaries) is the source's.

src_plain=$(seqs "$T/$(key plain-no-tls/capture.pcap).json")
src_v6=$(seqs "$T/$(key ipv6-starttls-plain/capture.pcap).json")
run_derived() { # NAME: json report of derived/NAME.pcap in $T/NAME.json, exit status in $rc
    xf "$1" -f json "$DERIVED/$1.pcap"
    cp "$T/$1.out" "$T/$1.json"
}

# quiet_clean: derived/$n ran with nothing on stderr and no input error
quiet_clean() { [ ! -s "$T/$n.err" ] && fact "$T/$n.json" 'errs == []'; }
for d in split-1byte split-3-7 split-server-1byte swapped duplicated vlan qinq raw-ip null-loopback; do
    n=plain-no-tls.$d
    run_derived "$n"
    is "$rc" 0 "derived/$n: exit 0"
    check "derived/$n: nothing on stderr, no input error" quiet_clean
    same_seq "$(seqs "$T/$n.json")" "$src_plain" "derived/$n: the same event sequence as plain-no-tls/capture.pcap"
done
check "derived/plain-no-tls.swapped: the same report as the source (times, summaries, findings)" py '
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
for s in a["sessions"] + b["sessions"]:
    s["input"] = None
sys.exit(0 if a["sessions"] == b["sessions"] else 1)' "$T/$(key plain-no-tls/capture.pcap).json" "$T/plain-no-tls.swapped.json"

n=ipv6-starttls-plain.split-1byte
run_derived "$n"
is "$rc" 0 "derived/$n: exit 0"
same_seq "$(seqs "$T/$n.json")" "$src_v6" "derived/$n: the same event sequence as ipv6-starttls-plain/capture.pcap"

# dropped-segment: the client's bind segment (record 16, 145 bytes) is missing; the
# server acks it (frame 16 of the file: "ACKed segment that wasn't captured").
n=plain-no-tls.dropped-segment
run_derived "$n"
is "$rc" 0 "derived/$n: exit 0"
check "derived/$n: exactly one gap event, naming the 145 missing client bytes" \
    fact "$T/$n.json" '["145" in p["summary"] for x in S for p in x["phases"] if p["event"] == "gap"] == [True]'
check "derived/$n: the session goes on after the gap (client presence, roster get, stream close)" \
    fact "$T/$n.json" 'len(S) == 1 and [e for e in ev(s)[ev(s).index("-:gap"):] if e.startswith("C:")] == ["C:stanza:presence", "C:stanza:iq", "C:stream-close"] and s["outcome"] == "established"'
gap_where() {
    want_a=$(printf '%s\n' "$src_plain" | sed 's/ C:bind / -:gap /')
    want_b=$(printf '%s\n' "$src_plain" | sed 's/ C:bind S:bind-result / S:bind-result -:gap /')
    got=$(seqs "$T/$n.json")
    [ "$got" = "$want_a" ] || [ "$got" = "$want_b" ] || { diag "got: $got"; return 1; }
}
check \
    "derived/$n: the source's sequence with the gap where the bind was" gap_where
check \
    "derived/$n: the client's elements after the gap keep their packet times (presence 09.369555, stream close 09.876398)" \
    fact "$T/$n.json" '[p["time"] for p in s["phases"] if p["dir"] == "C" and p["event"] in ("stanza:presence", "stream-close")] == ["2026-11-25T14:49:09.369555Z", "2026-11-25T14:49:09.876398Z"]'
check \
    "derived/$n: no K6 (data after close): the client sent nothing after its stream close" \
    fact "$T/$n.json" '"K6" not in codes(s)'

# overlap-conflict: record 19 repeats record 18's sequence range with '<PRESENCE'
n=plain-no-tls.overlap-conflict
run_derived "$n"
is "$rc" 0 "derived/$n: exit 0"
check "derived/$n: the first copy wins: stanza:presence, no xml-error, no error outcome" \
    fact "$T/$n.json" '"C:stanza:presence" in ev(s) and not [e for e in ev(s) if "error" in e] and s["outcome"] == "established"'
check "derived/$n: the conflict is one gap event whose summary says 'different bytes'" \
    fact "$T/$n.json" '[("different bytes" in p["summary"]) for p in s["phases"] if p["event"] == "gap"] == [True]'
same_seq "$(seqs "$T/$n.json" 'gap')" "$src_plain" "derived/$n: apart from the gap, the source's event sequence"

# mid-stream: starts at the client's <auth> (no SYN, no headers, no features)
n=plain-no-tls.mid-stream
run_derived "$n"
is "$rc" 0 "derived/$n: exit 0"
check "derived/$n: the session starts with a gap event and has A17 (capture started mid-stream)" \
    fact "$T/$n.json" 'len(S) == 1 and ev(s)[0] == "-:gap" and "A17" in codes(s)'
same_seq "$(seqs "$T/$n.json" | sed 's/^-:gap //')" "$(printf '%s\n' "$src_plain" | sed 's/^.* C:auth(PLAIN)/C:auth(PLAIN)/')" \
    "derived/$n: after the gap, the source's events from the client's auth on"
check "derived/$n: alice, PLAIN, established, client 127.0.0.1:52800" \
    fact "$T/$n.json" '[s["user"], s["auth"]["mechanism"], s["outcome"], s["client"], s["server"]] == ["alice", "PLAIN", "established", "127.0.0.1:52800", "127.0.0.1:5222"]'

# truncated: record 29 (the last ACK) announces 66 bytes, 33 follow
n=plain-no-tls.truncated
run_derived "$n"
no_crash "derived/$n"
is "$rc" 0 "derived/$n: exit 0 (a damaged input is reported, not refused)"
check "derived/$n: inputs[].errors names packet 29 and 'truncated'" \
    fact "$T/$n.json" '[e["packet"] for e in d["inputs"][0]["errors"] if "truncated" in e["message"]] == [29] and d["inputs"][0]["packets"] == 28'
check "derived/$n: stderr names the file and says truncated" grep -q "$n.pcap: .*truncated" "$T/$n.err"
same_seq "$(seqs "$T/$n.json")" "$src_plain" "derived/$n: the session with every event before the cut"
schema_ok "$T/$n.json" json "derived/$n: the report is schema-valid"

# snaplen-cut: every record cut to 60 bytes (the TCP options cut, no payload)
n=plain-no-tls.snaplen-cut
run_derived "$n"
no_crash "derived/$n"
check "derived/$n: inputs[].errors reports cut headers" fact "$T/$n.json" 'any("cut" in e for e in errs) and d["inputs"][0]["packets"] == 29'
check "derived/$n: stderr says the headers are cut, in a few lines (not one per packet)" \
    sh -c 'grep -q "cut" "$1" && [ "$(wc -l <"$1")" -lt 29 ]' sh "$T/$n.err"
schema_ok "$T/$n.json" json "derived/$n: the report is schema-valid"

# unsupported-linktype: link type 147 (DLT_USER0), with a good capture after it
n=unsupported-linktype
xf "$n" -f json "$DERIVED/$n.pcap" "$TESTDATA/plain-no-tls/capture.pcap"
is "$rc" 3 "derived/$n: exit 3"
is "$(wc -l <"$T/$n.err" | tr -d ' ')" 1 "derived/$n: one line on stderr"
check "derived/$n: the line names the file and the link type 147" grep -q "$n.pcap: .*147" "$T/$n.err"
check "derived/$n: inputs[0] is type pcap with an error naming the link type" \
    fact "$T/$n.out" 'd["inputs"][0]["type"] == "pcap" and any("147" in e["message"] for e in d["inputs"][0]["errors"])'
check "derived/$n: the other capture on the command line is still analysed" \
    fact "$T/$n.out" '[(x["input"].endswith("plain-no-tls/capture.pcap"), x["outcome"]) for x in S] == [(True, "established")] and d["inputs"][1]["errors"] == []'
schema_ok "$T/$n.out" json "derived/$n: the report is schema-valid"

# ---- secrets -------------------------------------------------------------------------
# No test password (PASSWORDS.md), nor its SASL PLAIN base64, nor its base64 alone,
# in any output or on stderr without --show-secrets.

# the accounts of testdata/PASSWORDS.md: "| user@domain | `password` | ..." rows
py '
import base64, re, sys
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"\|\s*([^@|\s]+)@\S+\s*\|\s*`([^`]+)`", line)
    if m:
        u, p = m.group(1).encode(), m.group(2).encode()
        print(p.decode())
        print(base64.b64encode(b"\0" + u + b"\0" + p).decode())
        print(base64.b64encode(p).decode())
' "$TESTDATA/PASSWORDS.md" >"$T/needles"
check "PASSWORDS.md lists the test passwords (alice's among them)" grep -q -x Wonderland-Secret-1 "$T/needles"
leaks() { cat "$@" | grep -F -o -f "$T/needles" | sort -u | tr '\n' ' ' || true; }

for c in $list $(cd "$TESTDATA" && ls derived/*.pcap); do
    found=""
    for fmt in text json jsonl; do
        xf sec -f "$fmt" "$TESTDATA/$c"
        found="$found$(leaks "$T/sec.out" "$T/sec.err")"
        [ "$rc" -le 3 ] || found="$found(exit $rc)"
    done
    is "$found" "" "$c: no password on stdout or stderr in text, json, jsonl without --show-secrets"
done
xf sec -f json --show-secrets "$TESTDATA/plain-no-tls/capture.pcap"
is "$(q "$T/sec.out" '[a["credentials"]["password"] for a in s["auth"]["attempts"]]')" '["Wonderland-Secret-1"]' \
    "plain-no-tls/capture.pcap: --show-secrets shows alice's password in the json"
is "$(leaks "$T/sec.err")" "" "plain-no-tls/capture.pcap: --show-secrets: no password on stderr"
xf sec -f json --show-secrets "$TESTDATA/legacy-auth-no-tls/capture.pcap"
is "$(q "$T/sec.out" '[a["credentials"]["password"] for a in s["auth"]["attempts"]]')" '["Builder-Secret-2"]' \
    "legacy-auth-no-tls/capture.pcap: --show-secrets shows bob's password in the json"

# ---- damaged captures made here --------------------------------------------------------

PLAIN="$TESTDATA/plain-no-tls/capture.pcap"

# pcap_hdr OUT SNAPLEN LINKTYPE: a little-endian pcap global header (v2.4, us)
pcap_hdr() {
    py 'import struct, sys
open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, int(sys.argv[2]), int(sys.argv[3])))' "$@"
}

# random bytes after a valid global header (three fixed seeds: reproducible)
for seed in 1 2 3; do
    pcap_hdr "$T/rand.pcap" 65535 1
    py 'import random, sys
open(sys.argv[1], "ab").write(random.Random(int(sys.argv[2])).randbytes(100000))' "$T/rand.pcap" "$seed"
    xf rand -f json "$T/rand.pcap"
    no_crash "pcap header + 100 kB of random bytes (seed $seed)"
    is "$rc" 0 "pcap header + random bytes (seed $seed): exit 0 (a damaged capture is reported, not refused)"
    check "pcap header + random bytes (seed $seed): type pcap, inputs[].errors says why the read stopped" \
        fact "$T/rand.out" 'd["inputs"][0]["type"] == "pcap" and len(errs) > 0'
    check "pcap header + random bytes (seed $seed): stderr names the file" grep -q -F "$T/rand.pcap: " "$T/rand.err"
    schema_ok "$T/rand.out" json "pcap header + random bytes (seed $seed): the report is schema-valid"
done

# snap length 0 and absurd ones in the global header (the records are plain-no-tls's)
for snap in 0 2147483647 4294967295; do
    pcap_hdr "$T/snap.pcap" "$snap" 1
    tail -c +25 "$PLAIN" >>"$T/snap.pcap"
    xf snap -f json "$T/snap.pcap"
    no_crash "global header snap length $snap"
    is "$rc/$(seqs "$T/snap.out")" "0/$src_plain" "global header snap length $snap: exit 0, plain-no-tls's session"
done

# a record with caplen > 256 KiB (libpcap's maximum is 262144): first, and after 29 good ones
py 'import struct, sys
rec = struct.pack("<IIII", 1795618150, 0, 300000, 300000) + b"\0" * 300000
hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 400000, 1)
open(sys.argv[1], "wb").write(hdr + rec)
open(sys.argv[2], "wb").write(open(sys.argv[3], "rb").read() + rec)' "$T/bigrec1.pcap" "$T/bigrec30.pcap" "$PLAIN"
xf bigrec1 -f json "$T/bigrec1.pcap"
no_crash "a first record of caplen 300000"
is "$rc" 0 "a first record of caplen 300000: exit 0 (a damaged capture, reported)"
check "a first record of caplen 300000: inputs[].errors names packet 1 and the length 300000" \
    fact "$T/bigrec1.out" 'd["inputs"][0]["type"] == "pcap" and d["inputs"][0]["packets"] == 0 and [e["packet"] for e in d["inputs"][0]["errors"] if "300000" in e["message"]] == [1]'
check "a first record of caplen 300000: stderr names the file" grep -q -F "bigrec1.pcap: " "$T/bigrec1.err"
check "a first record of caplen 300000: stderr names the length 300000" grep -q 300000 "$T/bigrec1.err"
xf bigrec30 -f json "$T/bigrec30.pcap"
is "$rc" 0 "plain-no-tls + a record of caplen 300000: exit 0"
check "plain-no-tls + a record of caplen 300000: error at packet 30, 29 packets read" \
    fact "$T/bigrec30.out" 'd["inputs"][0]["packets"] == 29 and [e["packet"] for e in d["inputs"][0]["errors"] if "300000" in e["message"]] == [30]'
same_seq "$(seqs "$T/bigrec30.out")" "$src_plain" "plain-no-tls + a record of caplen 300000: the session before it is reported whole"

# pcapng with a bad block length (the 6th block, an Enhanced Packet Block)
py 'import struct, sys
src = open(sys.argv[1], "rb").read()
off, blocks = 0, []
while off < len(src):
    bt, bl = struct.unpack_from("<II", src, off)
    blocks.append((off, bt, bl))
    off += bl
o, bt, bl = blocks[5]
assert bt == 6, bt
for name, where, value in (("len7", o + 4, 7), ("lenhuge", o + 4, 0x7FFFFFF0), ("trailer", o + bl - 4, bl + 4), ("shb", 4, 5)):
    b = bytearray(src)
    struct.pack_into("<I", b, where, value)
    open(sys.argv[2] + "/bad-" + name + ".pcapng", "wb").write(b)' \
    "$TESTDATA/pcapng-scram/capture.pcapng" "$T"
for v in len7 lenhuge trailer; do
    xf ng -f json "$T/bad-$v.pcapng"
    no_crash "pcapng, block 6 with a bad length ($v)"
    is "$rc" 0 "pcapng, block 6 with a bad length ($v): exit 0"
    check "pcapng, block 6 with a bad length ($v): type pcapng, 3 packets read, an error at packet 4 about the block's length" \
        fact "$T/ng.out" 'd["inputs"][0]["type"] == "pcapng" and d["inputs"][0]["packets"] == 3 and [e["packet"] for e in d["inputs"][0]["errors"]] == [4] and any(w in d["inputs"][0]["errors"][0]["message"] for w in ("length", "size"))'
    # the capture ends after the handshake: a connection without a byte of
    # XMPP is counted among the silent ones, not reported as a session
    check "pcapng, block 6 with a bad length ($v): the connection begun is counted as silent (handshake-only)" \
        fact "$T/ng.out" 'S == [] and d["summary"]["silent_connections"]["by_server"][0]["ended"] == {"handshake-only": 1}'
    schema_ok "$T/ng.out" json "pcapng, block 6 with a bad length ($v): the report is schema-valid"
done
xf ng -f json "$T/bad-shb.pcapng" "$PLAIN"
is "$rc" 3 "pcapng with a section header block length of 5: exit 3 (cannot be opened)"
check "pcapng with a section header block length of 5: one stderr line naming the file" \
    sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q -F "bad-shb.pcapng: " "$1"' sh "$T/ng.err"
check "pcapng with a section header block length of 5: its error is in inputs[], the next input is analysed" \
    fact "$T/ng.out" 'len(d["inputs"][0]["errors"]) == 1 and [x["outcome"] for x in S] == ["established"]'

# ---- one huge element: 50 MB <message> body in 1460-byte segments ------------------------

py '
import sys
sys.path.insert(0, sys.argv[3])
from tcpcap import Conn
out, mb = sys.argv[1], int(sys.argv[2])
c = Conn(out, step_us=10, mss=1460)
c.send(True, b"<?xml version=\x271.0\x27?><stream:stream to=\x27example.test\x27 xmlns=\x27jabber:client\x27 xmlns:stream=\x27http://etherx.jabber.org/streams\x27 version=\x271.0\x27>")
c.send(False, b"<?xml version=\x271.0\x27?><stream:stream id=\x271\x27 from=\x27example.test\x27 version=\x271.0\x27 xmlns=\x27jabber:client\x27 xmlns:stream=\x27http://etherx.jabber.org/streams\x27>")
c.send(False, b"<stream:features><mechanisms xmlns=\x27urn:ietf:params:xml:ns:xmpp-sasl\x27><mechanism>PLAIN</mechanism></mechanisms></stream:features>")
c.send(True, b"<message to=\x27bob@example.test\x27 type=\x27chat\x27><body>")
body = b"A" * 1460
for _ in range(mb * 1000000 // 1460):
    c.send(True, body)
c.send(True, b"</body></message></stream:stream>")
c.send(False, b"</stream:stream>")
c.close()
' "$T/huge.pcap" 50 "$E2E_DIR"
huge_bytes=$(wc -c <"$T/huge.pcap" | tr -d ' ')
if [ -z "$VALGRIND" ] && /usr/bin/time -f '%M' true >/dev/null 2>&1; then
    t0=$(date +%s%N)
    rc=0
    /usr/bin/time -f '%M' -o "$T/huge.rss" timeout 60 "$XMPPFLOW" -f json "$T/huge.pcap" >"$T/huge.out" 2>"$T/huge.err" || rc=$?
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    kb=$(tail -n 1 "$T/huge.rss")
    diag "50 MB element: $huge_bytes bytes in $ms ms, max RSS $kb kB"
    no_crash "a ${huge_bytes}-byte capture of one 50 MB element"
    check "50 MB element: done in under 30 s (took $ms ms)" test "$ms" -lt 30000
    check "50 MB element: max RSS under 200 MB ($kb kB)" test "$kb" -lt 204800
else
    xf huge -f json "$T/huge.pcap"
    no_crash "a ${huge_bytes}-byte capture of one 50 MB element"
    skip "50 MB element: done in under 30 s" "under VALGRIND or without GNU time"
    skip "50 MB element: max RSS under 200 MB" "under VALGRIND or without GNU time"
fi
is "$rc" 0 "50 MB element: exit 0"
check "50 MB element: an oversize-element event from the client, then the stream goes on to its close" \
    fact "$T/huge.out" 'ev(s)[:5] == ["-:tcp-open", "C:stream-open", "S:stream-open", "S:features", "C:oversize-element"] and "C:stream-close" in ev(s) and "S:stream-close" in ev(s)'
check "50 MB element: the oversize summary names <message>" \
    fact "$T/huge.out" '["message" in p["summary"] for p in s["phases"] if p["event"] == "oversize-element"] == [True]'
schema_ok "$T/huge.out" json "50 MB element: the report is schema-valid"

done_testing
