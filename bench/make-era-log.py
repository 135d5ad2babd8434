#!/usr/bin/env python3
"""make-era-log.py ERA SIZE_MB OUT: a large ejabberd log in the format of one
era, for benchmarks and scale tests, rendered from the real ejabberd 23.01
logs of testdata/*/ejabberd.log.

ERA is one of (ejabberd-log-formats.md §1):
  E7     OTP logger file lines, as the logs were written (20.01+)
  E6     lager file lines; the XML comes through error_logger: no @mfa (18.09-19.x)
  E2     lager file lines with the old messages (13.09-17.01): Received XML
         logged by a receiver process R, Send XML and the info lines by the c2s
         C = R+1, which name R and the socket's #Port in a socket_state
  E1     =INFO REPORT==== records with D(...)/I(...) messages and the same
         old messages (2.1.x); Received XML as an Erlang string
  mixed  the four in turn, one copy each, a start banner before each

Only the c2s connections over TCP (with or without STARTTLS) are rendered in
E1, E2 and E6: their BOSH and WebSocket lines had other forms then. Each copy
of each log gets its own pids and client ports, so every copy is a distinct
set of connections. Prints "copies sessions bytes" on stderr.
"""
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.environ.get("TESTDATA", os.path.join(HERE, "..", "testdata"))

PREFIX = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d{6})(?:Z|[+-]\d\d:\d\d) \[(\w+)\] (<[\d.]+>)(@\S+)? ?(.*)$")
PID = re.compile(r"<0\.(\d+)\.0>")
XML = re.compile(r"^\((tcp|tls)\|(<[\d.]+>)\) (Received|Send) XML on stream = (.*)$")
ACCEPT = re.compile(r"^\((<[\d.]+>)\) Accepted connection (\S+):(\d+) -> (\S+):(\d+)$")
AUTH_OK = re.compile(r"^\((tcp|tls)\|(<[\d.]+>)\) Accepted c2s (\S+) authentication for ([^@ ]*)@(\S+) by \S+ backend from (\S+)$")
AUTH_FAIL = re.compile(r"^\((tcp|tls)\|(<[\d.]+>)\) Failed c2s (\S+) authentication (?:for (\S+) )?from (\S+): (.*)$")
SESSION = re.compile(r"^\((tcp|tls)\|(<[\d.]+>)\) (Opened c2s session for (\S+)|Closing c2s session for (\S+): .*)$")


def c2s_only(text):
    """True when a log has no BOSH or WebSocket lines (E1, E2 and E6 render only those)."""
    return "(http_bind|" not in text and "(websocket|" not in text and "mod_bosh" not in text


def records(text):
    """(first line, continuation lines) of each record."""
    rec = None
    for line in text.split("\n"):
        if PREFIX.match(line):
            if rec:
                yield rec
            rec = [line, []]
        elif rec:
            rec[1].append(line)
    if rec:
        yield rec


class Copy:
    """One copy of one log: its own pids and ports."""

    def __init__(self, serial, port_base):
        self.serial = serial
        self.port_base = port_base
        self.ports = {}

    def c2s(self, pid):
        n = int(PID.match(pid).group(1)) if PID.match(pid) else 1
        return "<0.%d.%d>" % (2 * n + 1, self.serial)

    def receiver(self, pid):
        n = int(PID.match(pid).group(1)) if PID.match(pid) else 1
        return "<0.%d.%d>" % (2 * n, self.serial)

    def sock(self, pid):
        n = int(PID.match(pid).group(1)) if PID.match(pid) else 1
        return "#Port<0.%d>" % (n * 4096 + self.serial % 4096)

    def port(self, p):
        if p not in self.ports:
            self.ports[p] = 1024 + (self.port_base + len(self.ports)) % 64000
        return self.ports[p]

    def pids(self, s):
        return PID.sub(lambda m: self.c2s(m.group(0)), s)


def socket_state(cp, pid, transport):
    if transport == "tls":
        return "{socket_state,tls,{tlssock,%s,#Port<0.1>},%s}" % (cp.sock(pid), cp.receiver(pid))
    return "{socket_state,gen_tcp,%s,%s}" % (cp.sock(pid), cp.receiver(pid))


def old_message(cp, msg, pid):
    """(logging pid, module:line, message) of an E1/E2 line, or None to keep the E7 message."""
    m = XML.match(msg)
    if m:
        if m.group(3) == "Received":
            return cp.receiver(m.group(2)), ("ejabberd_receiver", "process_data", 284), \
                "Received XML on stream = " + m.group(4)
        return cp.c2s(m.group(2)), ("ejabberd_c2s", "send_text", 1924), "Send XML on stream = " + m.group(4)
    m = ACCEPT.match(msg)
    if m:
        ip, port, lip, lport = m.group(2), cp.port(m.group(3)), m.group(4), m.group(5)
        return "<0.335.0>", ("ejabberd_listener", "accept", 333), \
            "(%s) Accepted connection %s:%s -> %s:%s" % (cp.sock(m.group(1)), ip, port, lip, lport)
    m = AUTH_OK.match(msg)
    if m:
        st = socket_state(cp, m.group(2), m.group(1))
        return cp.c2s(m.group(2)), ("ejabberd_c2s", "wait_for_sasl_response", 965), \
            "(%s) Accepted authentication for %s by ejabberd_auth_internal from %s" % (st, m.group(4), m.group(6))
    m = AUTH_FAIL.match(msg)
    if m:
        st = socket_state(cp, m.group(2), m.group(1))
        return cp.c2s(m.group(2)), ("ejabberd_c2s", "wait_for_sasl_response", 965), \
            "(%s) Failed authentication for %s from %s" % (st, m.group(4) or "@xmppflow.test", m.group(5))
    m = SESSION.match(msg)
    if m:
        st = socket_state(cp, m.group(2), m.group(1))
        if m.group(4):
            return cp.c2s(m.group(2)), ("ejabberd_c2s", "wait_for_session", 1112), \
                "(%s) Opened session for %s" % (st, m.group(4))
        return cp.c2s(m.group(2)), ("ejabberd_c2s", "terminate", 1650), "(%s) Close session for %s" % (st, m.group(5))
    return None


def render(era, text, cp, out):
    for first, cont in records(text):
        m = PREFIX.match(first)
        date, hms, usec, level, pid, mfa, msg = m.groups()
        msg = cp.pids(msg)
        if era == "E7":
            out.append("%s %s.%s+00:00 [%s] %s%s %s" % (date, hms, usec, level, cp.c2s(pid), mfa or "", msg))
            out.extend(cp.pids(c) for c in cont)
            continue
        xml = XML.match(msg)
        if era == "E6":
            # the XML came through error_logger: [info], no @mfa; the rest keeps its location
            head = "%s %s.%s" % (date, hms, usec[:3])
            if xml:
                out.append("%s [info] %s %s" % (head, cp.c2s(pid), msg))
            else:
                loc = re.sub(r"/\d+:", ":", mfa or "")
                out.append("%s [%s] %s%s %s" % (head, level, cp.c2s(pid), loc, msg))
            out.extend(cp.pids(c) for c in cont)
            continue
        old = old_message(cp, m.group(7), pid)
        if old:
            lpid, (mod, fun, line), text_ = old
        else:
            lpid, text_ = cp.c2s(pid), msg
            loc = (mfa or "@ejabberd:unknown/0:1")[1:]
            mod, fun = loc.split(":")[0], loc.split(":")[1].split("/")[0]
            line = loc.rsplit(":", 1)[-1]
        if "XML on stream" in text_:
            level = "debug"  # ?DEBUG in ejabberd_receiver and ejabberd_c2s
        if era == "E2":
            out.append("%s %s.%s [%s] %s@%s:%s:%s %s" % (date, hms, usec[:3], level, lpid, mod, fun, line, text_))
            out.extend(cp.pids(c) for c in cont)
        else:  # E1: 2.1.x ejabberd_logger_h; Received is a string, not a binary
            if text_.startswith("Received XML on stream = <<\"") and text_.endswith("\">>"):
                text_ = "Received XML on stream = " + text_[len("Received XML on stream = <<"):-2]
            letter = "D" if "XML on stream" in text_ or level == "debug" else "I"
            kind = "WARNING" if level == "warning" else "ERROR" if level == "error" else "INFO"
            out.append("")
            out.append("=%s REPORT==== %s %s ===" % (kind, date, hms))
            out.append("%s(%s:%s:%s) : %s" % (letter, lpid, mod, line, text_))
            out.extend(cp.pids(c) for c in cont)


BANNERS = {
    "E7": "2026-11-25 14:00:00.000000+00:00 [info] <0.110.0>@ejabberd_app:start/2:63 ejabberd 23.01 is started in the node ejabberd@localhost in 1.52s",
    "E6": "2026-11-25 14:00:00.000 [info] <0.110.0>@ejabberd_app:start:67 ejabberd 19.09 is started in the node ejabberd@localhost in 1.52s",
    "E2": "2026-11-25 14:00:00.000 [info] <0.110.0>@ejabberd_app:start:72 ejabberd 16.09 is started in the node ejabberd@localhost",
    "E1": "\n=INFO REPORT==== 2026-11-25 14:00:00 ===\nI(<0.110.0>:ejabberd_app:89) : ejabberd 2.1.13 is started in the node ejabberd@localhost",
}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("E1", "E2", "E6", "E7", "mixed"):
        sys.stderr.write("usage: %s E1|E2|E6|E7|mixed SIZE_MB OUT\n" % sys.argv[0])
        return 2
    era, limit, path = sys.argv[1], int(float(sys.argv[2]) * 1048576), sys.argv[3]
    logs = []
    for f in sorted(glob.glob(os.path.join(TESTDATA, "*", "ejabberd.log"))):
        with open(f, encoding="utf-8", errors="surrogateescape") as fh:
            logs.append(fh.read())
    if not logs:
        sys.stderr.write("%s: no logs in %s\n" % (sys.argv[0], TESTDATA))
        return 1
    eras = ["E7", "E6", "E2", "E1"] if era == "mixed" else [era]
    total = copies = sessions = serial = 0
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as out:
        k = 0
        while total < limit:
            e = eras[k % len(eras)]
            lines = [BANNERS[e]] if era == "mixed" or k == 0 else []
            for text in logs:
                if e != "E7" and not c2s_only(text):
                    continue
                serial += 1
                render(e, text, Copy(serial, serial * 7), lines)
                sessions += text.count("Accepted connection")
            chunk = "\n".join(lines) + "\n"
            out.write(chunk)
            total += len(chunk.encode("utf-8", "surrogateescape"))
            copies += 1
            k += 1
    sys.stderr.write("%d %d %d\n" % (copies, sessions, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
