#!/usr/bin/env python3
"""make-synth.py: writes the hand-made synth-*.log inputs of tests/e2e/eras.sh.

Every file is written by hand from ../shared/spec/ejabberd-log-formats.md
(not logged by a server): one short, complete c2s login per file (stream,
SASL PLAIN, restart, bind, close) in the line prefix of one era (§2) or
wrapped as docker, compose, journald or a coloured console write it (§2.5).
The messages are the tagged forms of E6/E7 (§3, §4: "(tcp|<pid>) Received
XML on stream = …"), which every era from E6 on writes inside its prefix;
the E0/E1 files use the messages of their own era (read by the old-message
half of the reader). Pids, ports, addresses (192.0.2.x) and users
(example.com) are invented. Run it from this directory; it rewrites the
files.
"""
import json

PID = "<0.600.0>"
B64 = "AGFsaWNlAHdvbmRlcmxhbmQ="  # "\0alice\0wonderland": a made-up password


def login(res="synth", pid=PID, tag="tcp"):
    """(level, tagged message) of a whole login, E6/E7 wording."""
    t = f"({tag}|{pid})"
    hdr_c = "<stream:stream to='example.com' xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' xml:lang='en' version='1.0'>"
    hdr_s = "<?xml version='1.0'?><stream:stream id='%s' version='1.0' xml:lang='en' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' xmlns='jabber:client'>"
    return [
        ("info", f"({pid}) Accepted connection 192.0.2.10:50000 -> 192.0.2.1:5222"),
        ("notice", f'{t} Received XML on stream = <<"{hdr_c}">>'),
        ("notice", f'{t} Send XML on stream = <<"{hdr_s % "1001"}">>'),
        ("notice", f"{t} Send XML on stream = <<\"<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>\">>"),
        ("notice", f'{t} Received XML on stream = <<"<auth xmlns=\\"urn:ietf:params:xml:ns:xmpp-sasl\\" mechanism=\\"PLAIN\\">{B64}</auth>">>'),
        ("info", f"{t} Accepted c2s PLAIN authentication for alice@example.com by mnesia backend from 192.0.2.10"),
        ("notice", f"{t} Send XML on stream = <<\"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\">>"),
        ("notice", f'{t} Received XML on stream = <<"{hdr_c}">>'),
        ("notice", f'{t} Send XML on stream = <<"{hdr_s % "1002"}">>'),
        ("notice", f"{t} Send XML on stream = <<\"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>\">>"),
        ("notice", f'{t} Received XML on stream = <<"<iq id=\\"b1\\" type=\\"set\\"><bind xmlns=\\"urn:ietf:params:xml:ns:xmpp-bind\\"><resource>{res}</resource></bind></iq>">>'),
        ("info", f"{t} Opened c2s session for alice@example.com/{res}"),
        ("notice", f"{t} Send XML on stream = <<\"<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.com/{res}</jid></bind></iq>\">>"),
        ("notice", f'{t} Received XML on stream = <<"</stream:stream>">>'),
        ("notice", f'{t} Send XML on stream = <<"</stream:stream>">>'),
        ("info", f"{t} Closing c2s session for alice@example.com/{res}: Stream reset by peer"),
    ]


def stamp(i, base=(2026, 11, 24, 9, 46, 37)):
    y, mo, d, h, mi, s = base
    s += i
    return y, mo, d, h, mi + s // 60, s % 60


def write(name, lines, mode="w", encoding="utf-8"):
    with open(name, "w" if isinstance(lines[0], str) else "wb") as f:
        for l in lines:
            f.write(l + ("\n" if isinstance(l, str) else b"\n"))


def otp_file(i, level, msg, pid=PID):
    y, mo, d, h, mi, s = stamp(i)
    mfa = "@ejabberd_listener:accept/7:273" if "Accepted connection" in msg else ""
    logpid = "<0.335.0>" if mfa else pid
    return f"{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{i:06}+00:00 [{level}] {logpid}{mfa} {msg}"


def otp_console(i, level, msg):
    y, mo, d, h, mi, s = stamp(i)
    return f"{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{i:06}+00:00 [{level}] {msg}"


def lager_file(i, level, msg, utc=False):
    # E6: error_logger lines (the XML) at [info] with a pid and no @; the rest with @mod:fun:line
    y, mo, d, h, mi, s = stamp(i, (2019, 3, 5, 10, 0, 0))
    lvl = "info" if level == "notice" else level
    where = "<0.9.0>@ejabberd_listener:accept:302" if "Accepted connection" in msg else (
        f"{PID}@ejabberd_c2s:handle_auth_success:424" if "authentication" in msg else (
            f"{PID}@ejabberd_c2s:bind:{467}" if "session" in msg else PID))
    z = " UTC" if utc else ""
    return f"{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{i:03}{z} [{lvl}] {where} {msg}"


def lager_console(i, level, msg, start=(23, 59, 50)):
    h, mi, s = start
    tot = h * 3600 + mi * 60 + s + i
    tot %= 86400
    lvl = "info" if level == "notice" else level
    return f"{tot // 3600:02}:{tot // 60 % 60:02}:{tot % 60:02}.{i:03} [{lvl}] {msg}"


def elixir(i, level, msg):
    tot = 16 * 3600 + 2 * 60 + 45 + i
    lvl = "info" if level == "notice" else level
    pad = " " if len(lvl) == 4 else ""
    # Elixir inspect: binaries as "…", not <<"…">>
    msg = msg.replace('<<"', '"').replace('">>', '"')
    return f"{tot // 3600:02}:{tot // 60 % 60:02}:{tot % 60:02}.{i:03} [{lvl}] {pad}{msg}"


L = login()
write("synth-E7-otp-console.log", [otp_console(i, l, m) for i, (l, m) in enumerate(L)])
write("synth-E6-lager-file.log", [lager_file(i, l, m) for i, (l, m) in enumerate(L)])
write("synth-E6-lager-utc.log", [lager_file(i, l, m, utc=True) for i, (l, m) in enumerate(L)])
write("synth-E6-lager-console.log", [lager_console(i, l, m) for i, (l, m) in enumerate(L)])
write("synth-E8-elixir.log", [elixir(i, l, m) for i, (l, m) in enumerate(L)])

# docker json-file: the OTP console of a container, every line a JSON record ("<" as \u003c, as
# docker writes it); the long first stream header is split over two records (no "\n" in the first)
recs = []
for i, (l, m) in enumerate(L):
    line = otp_console(i, l, m) + "\r\n"
    t = "2026-11-24T09:46:%02d.%06d123Z" % (37 + i, i)
    parts = [line[:60], line[60:]] if i == 1 else [line]
    for p in parts:
        recs.append(json.dumps({"log": p, "stream": "stdout", "time": t}, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e"))
write("synth-docker-json.log", recs)

write("synth-compose.log", [f"ejabberd_1  | {lager_console(i, l, m, (9, 27, 41))}" for i, (l, m) in enumerate(L)])
write("synth-journald.log", [f"Nov 24 09:46:{37 + i:02} host ejabberd[1234]: {otp_console(i, l, m)}" for i, (l, m) in enumerate(L)])
write("synth-journald-iso.log", [f"2019-03-05T10:00:{i:02}+0000 host ejabberd[1234]: {lager_console(i, l, m, (10, 0, 0))}" for i, (l, m) in enumerate(L)])


# ejabberd 25.08+ coloured console: SGR codes around the level and the text
def ansi(i, l, m):
    y, mo, d, h, mi, s = stamp(i)
    return f"{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{i:06}+00:00 \x1b[1;49;34m[{l}] \x1b[0;49;34m{m}\x1b[0m"


write("synth-ansi.log", [ansi(i, l, m) for i, (l, m) in enumerate(L)])

# Latin-1: the resource "café" as lager/OTP logger write it (the UTF-8 bytes as Latin-1
# characters, re-encoded: "cafÃ©"); and a second login as a raw-bytes logger (E1) writes a
# socket read that ends inside a character: its bind line holds the raw UTF-8 "café" and,
# after it, the first byte of the next "é" of a presence status whose second byte starts
# the next line. Neither line is UTF-8: both are read as Latin-1, so every octet comes back
# as it was ("café" in the resource, not the byte 0xe9).
L1 = login(res="caf\u00c3\u00a9")
L2 = login(res="caf\u00c3\u00a9", pid="<0.601.0>")
out = [otp_file(i, l, m).encode("utf-8") for i, (l, m) in enumerate(L1)]
for i, (l, m) in enumerate(L2):
    line = otp_file(100 + i, l, m, pid="<0.601.0>").encode("utf-8").replace(b"50000", b"50001")
    if b"<bind xmlns" in line and b"Received" in line:
        line = line.replace("caf\u00c3\u00a9".encode(), b"caf\xc3\xa9")
        out.append(line.replace(b"</iq>\">>", b"</iq><presence><status>caf\xc3\">>"))
        line = otp_file(100 + i, "notice", '(tcp|<0.601.0>) Received XML on stream = <<"') .encode() + b'\xa9</status></presence>">>'
    out.append(line)
write("synth-latin1.log", out)

# dropped-record markers: lager's (E6) and OTP logger's (E7) in the middle of a login
D = [otp_file(i, l, m) for i, (l, m) in enumerate(L)]
D.insert(8, otp_file(7, "notice", "Handler ejabberd_log flushed 42 log events", pid="<0.90.0>"))
write("synth-dropped.log", D)
D6 = [lager_file(i, l, m) for i, (l, m) in enumerate(L)]
D6.insert(8, lager_file(7, "warning", "lager_error_logger_h dropped 17 messages in the last second that exceeded the limit of 100 messages/sec").replace(PID + " ", "<0.88.0>@lager_error_logger_h:handle_info:144 ", 1))
write("synth-E6-dropped.log", D6)

# E1 (2.1.x): error_logger headers, messages of the era (§2.1, §3, §4, Appendix A); the 2.1
# stream header is a deep list, pretty-printed over several lines
R, C = "<0.412.0>", "<0.413.0>"
SOCK = "{socket_state,gen_tcp,#Port<0.1650>,<0.412.0>}"
e1 = [
    ("I", "ejabberd_listener:281", "(#Port<0.1650>) Accepted connection {{192,0,2,21},40112} -> {{198,51,100,7},5222}"),
    ("D", f"ejabberd_receiver:320", "Received XML on stream = \"<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>\""),
    ("D", f"ejabberd_c2s:1556", "Send XML on stream = [\"<?xml version='1.0'?>\",\n"
     + " " * 60 + "\"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='3920059724' from='example.com'\",\n"
     + " " * 60 + "[\" version='\",\"1.0\",\"'\"],\n" + " " * 60 + "[\" xml:lang='\",\"en\",\"'\"],\n" + " " * 60 + "62]"),
    ("D", "ejabberd_c2s:1556", "Send XML on stream = <<\"<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>\">>"),
    ("D", "ejabberd_receiver:320", f"Received XML on stream = \"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{B64}</auth>\""),
    ("I", "ejabberd_c2s:632", f"({SOCK}) Accepted authentication for alice by ejabberd_auth_internal"),
    ("D", "ejabberd_c2s:1556", "Send XML on stream = <<\"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\">>"),
    ("D", "ejabberd_receiver:320", "Received XML on stream = \"<stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>\""),
    ("D", "ejabberd_c2s:1556", "Send XML on stream = [\"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='3920059725' from='example.com' version='1.0'>\"]"),
    ("D", "ejabberd_c2s:1556", "Send XML on stream = <<\"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>\">>"),
    ("D", "ejabberd_receiver:320", "Received XML on stream = \"<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>synth</resource></bind></iq>\""),
    ("I", "ejabberd_c2s:1037", f"({SOCK}) Opened session for alice@example.com/synth"),
    ("D", "ejabberd_c2s:1556", "Send XML on stream = <<\"<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.com/synth</jid></bind></iq>\">>"),
    ("D", "ejabberd_receiver:320", "Received XML on stream = \"</stream:stream>\""),
    ("I", "ejabberd_c2s:1485", f"({SOCK}) Close session for alice@example.com/synth"),
]
out = []
for i, (lv, where, msg) in enumerate(e1):
    pid = "<0.402.0>" if where.startswith("ejabberd_listener") else R if where.startswith("ejabberd_receiver") else C
    out += ["", f"=INFO REPORT==== 2012-03-05 14:22:{7 + i:02} ===", f"{lv}({pid}:{where}) : {msg}"]
write("synth-E1-info-report.log", out)
# the tty handler's header (ejabberdctl live, run_erl's erlang.log.N)
write("synth-E1-tty.log", [l.replace("2012-03-05 14:22:", "5-Mar-2012::14:22:") for l in out])
# 1.x: "I(<pid>:mod:line): " with no space before the colon
write("synth-E0-info-report.log", ["", "=INFO REPORT==== 2007-01-15 10:00:00 ===",
                                   "I(<0.581.0>:ejabberd_listener:90): (#Port<0.705>) Accepted connection {{192,0,2,21},40112} -> {{198,51,100,7},5222}",
                                   "", "=INFO REPORT==== 2007-01-15 10:00:03 ===",
                                   "I(<0.590.0>:ejabberd_c2s:502): ({tlssock,#Port<0.705>,#Port<0.707>}) Failed legacy authentication for alice@example.com/synth"])

# MongooseIM (a fork, spec §7 item 15): lager prefix, its own BOSH and modules
write("synth-mongooseim.log", [
    "2016-02-01 10:00:00.100 [info] <0.700.0>@mongoose_listener:start:80 listener started",
    "2016-02-01 10:00:01.200 [debug] <0.701.0>@mod_bosh:info:412 Sending (binary) to <<\"8f1c\">>: <<\"<body xmlns='http://jabber.org/protocol/httpbind'/>\">>",
])

# text that is no log of any era
write("synth-unknown.txt", ["Dear admin,", "the server said: login failed for alice (password wonderland)", "", "Regards"])
