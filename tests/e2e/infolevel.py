#!/usr/bin/env python3
"""infolevel.py: compare what xmppflow reports of an ejabberd log at debug
level with what it reports of the same run at info level (JSON reports).

    infolevel.py derive LOG            print LOG without its debug-level records
    infolevel.py compare FULL INFO [--no-wire|--sessions-only]
                                       exit 1 and say why when they differ

derive keeps whole records (a first line and the lines that continue it)
whose first line is neither [debug] nor an "XML on stream" line: what
ejabberd writes at loglevel: info. It is made at test time only; a real
info-level run is under testdata/loglevels/ once it exists.

compare: the same sessions (by c2s pid), users, outcomes, mechanisms, bound
JIDs, authentication results and the plaintext audit on the wire (users,
passwords sent without TLS); the info report says once for its input what
the level hides (inputs[].log_level, L3) and has no per-session L3.
--no-wire leaves out the audit on the wire (a socket the info lines tag
http_bind or websocket, or none: TLS not shown); --sessions-only compares
the set of sessions alone (the login stopped before any line of info level);
--subset: every info session as at debug, a debug session may be missing
(one file of a rotated set: a connection seen there by its XML alone).

    infolevel.py runs DEBUG INFO       two real runs of the same scenarios at
                                       debug and at info level (pids, ports and
                                       resources named after the level differ):
                                       the same multiset of sessions' facts
"""
import json
import re
import sys

RECORD = re.compile(r"^\d{4}-\d\d-\d\d[ T]")


def derive(path):
    keep = False
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        for line in f:
            if RECORD.match(line):
                keep = "[debug]" not in line and "XML on stream" not in line
            if keep:
                sys.stdout.write(line)


def facts(report):
    out = {}
    for s in report["sessions"]:
        key = (s.get("log") or {}).get("pid") or s["id"]
        out[key] = {
            "user": s["user"],
            "outcome": s["outcome"],
            "mechanism": s["auth"]["mechanism"],
            "jid": s["jid"],
            "results": [a["result"] for a in s["auth"]["attempts"]],
        }
    return out


def run_facts(report):
    """The sessions' facts without what differs between two runs (pids, the level in resources)."""
    out = []
    for s in report["sessions"]:
        jid = re.sub(r"/(info|debug)-", "/LEVEL-", s["jid"]) if s["jid"] else None
        out.append(json.dumps([s["user"], s["outcome"], s["transport"], s["auth"]["mechanism"], jid,
                               [[a["result"], a["tls"] if s["transport"] in ("tcp", "tls") else None]
                                for a in s["auth"]["attempts"]]]))
    return sorted(out)


def runs(debug_path, info_path):
    debug = json.load(open(debug_path, encoding="utf-8"))
    info = json.load(open(info_path, encoding="utf-8"))
    d, i = run_facts(debug), run_facts(info)
    why = [f"debug only: {x}" for x in d if x not in i] + [f"info only: {x}" for x in i if x not in d]
    if wire_tcp(debug) != wire_tcp(info):
        why.append(f"plaintext on the wire: {wire_tcp(debug)} at debug, {wire_tcp(info)} at info")
    if not any("log_level" in x for x in info["inputs"]):
        why.append("the info-level report does not say what the level hides")
    for w in why:
        print(w)
    return 1 if why else 0


def wire_tcp(report):
    """Passwords sent without TLS on c2s sockets, per user (BOSH, WebSocket: TLS not in their tag)."""
    out = {}
    for s in report["sessions"]:
        if s["transport"] == "tcp":
            n = sum(1 for a in s["auth"]["attempts"] if a["plaintext"] and a["tls"] is False)
            if n:
                out[s["user"]] = out.get(s["user"], 0) + n
    return out


def wire(report):
    w = report["summary"]["plaintext_auth_wire"]
    return {"users": w["users"], "passwords": w["passwords"]}


def compare(full_path, info_path, mode=""):
    full = json.load(open(full_path, encoding="utf-8"))
    info = json.load(open(info_path, encoding="utf-8"))
    why = []
    f, i = facts(full), facts(info)
    for key in sorted(set(f) | set(i), key=str):
        if key not in i and mode == "--subset":
            continue
        if key not in i:
            why.append(f"session {key} ({f[key]['outcome']}) missing at info level")
        elif key not in f:
            why.append(f"session {key} ({i[key]['outcome']}) only at info level")
        elif mode != "--sessions-only":
            for k in f[key]:
                if f[key][k] != i[key][k]:
                    why.append(f"session {key}: {k} {f[key][k]!r} at debug, {i[key][k]!r} at info")
    if mode in ("", "--runs") and wire(full) != wire(info):
        why.append(f"plaintext on the wire: {wire(full)} at debug, {wire(info)} at info")
    if i and not any("log_level" in x for x in info["inputs"]):
        why.append("the info-level report does not say what the level hides (inputs[].log_level)")
    if any("log_level" in x for x in full["inputs"]):
        why.append("the debug-level report says its input has no XML")
    l3 = [s["id"] for s in info["sessions"] if any(v["code"] == "L3" for v in s["violations"])]
    if l3:
        why.append(f"L3 per session at info level: sessions {l3}")
    for w in why:
        print(w)
    return 1 if why else 0


if __name__ == "__main__":
    if sys.argv[1] == "derive":
        derive(sys.argv[2])
    elif sys.argv[1] == "runs":
        sys.exit(runs(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else ""))
