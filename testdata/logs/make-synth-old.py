#!/usr/bin/env python3
# make-synth-old.py DIR: writes the hand-written synth-E*.log inputs of tests/e2e/oldlogs.sh (all but
# synth-E2-lager-receiver-c2s.log, typed by hand) from ejabberd-log-formats.md; not from a server.
import sys, os
D = sys.argv[1]
HDR_IN = "<stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
def hdr_out(i): return "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='%s' from='example.com' version='1.0' xml:lang='en'>" % i
FEAT = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
FEAT2 = "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>"
AUTH = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldABDYXB1bGV0LVNlY3JldC03</auth>"
BIND = "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind></iq>"
BOUND = "<iq id='b1' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>juliet@example.com/balcony</jid></bind></iq>"
def esc(s): return s.replace('\\', '\\\\').replace('"', '\\"')
def lager(ts, lvl, pid, mfa, msg):
    return "%s [%s] %s@%s %s" % (ts, lvl, pid, mfa, msg)
def recv(ts, R, x): return lager(ts, "debug", R, "ejabberd_receiver:process_data:349", 'Received XML on stream = <<"%s">>' % esc(x))
def send(ts, C, x): return lager(ts, "debug", C, "ejabberd_c2s:send_text:1924", 'Send XML on stream = <<"%s">>' % esc(x))
def acc(ts, port, peer): return lager(ts, "info", "<0.370.0>", "ejabberd_listener:accept:333", "(#Port<0.%d>) Accepted connection %s -> 198.51.100.7:5222" % (port, peer))
def sock(port, R, mod="gen_tcp"):
    if mod == "gen_tcp": return "{socket_state,gen_tcp,#Port<0.%d>,%s}" % (port, R)
    return "{socket_state,%s,{tlssock,#Port<0.%d>,#Port<0.%d>},%s}" % (mod, port, port + 2, R)
def login(t, R, C, port, peer, extra=()):
    """a whole PLAIN login of juliet, lines; |extra| goes after bind"""
    L = [acc(t(0), port, peer), recv(t(1), R, HDR_IN), send(t(2), C, hdr_out(port)), send(t(3), C, FEAT),
         recv(t(4), R, AUTH),
         lager(t(5), "info", C, "ejabberd_c2s:wait_for_feature_request:702", "(%s) Accepted authentication for juliet by ejabberd_auth_internal from %s" % (sock(port, R), peer.rsplit(':', 1)[0])),
         send(t(6), C, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
         recv(t(7), R, HDR_IN), send(t(8), C, hdr_out(port + 1)), send(t(9), C, FEAT2),
         recv(t(10), R, BIND), send(t(11), C, BOUND),
         lager(t(12), "info", C, "ejabberd_c2s:wait_for_session:1120", "(%s) Opened session for juliet@example.com/balcony" % sock(port, R))]
    L += [f(t) for f in extra]
    L += [recv(t(30), R, "</stream:stream>"), send(t(31), C, "</stream:stream>"),
          lager(t(32), "info", C, "ejabberd_c2s:terminate:1780", "(%s) Close session for juliet@example.com/balcony" % sock(port, R))]
    return L
def clock(base):
    return lambda k: "%s.%03d" % (base, 100 + k * 10)
def write(name, what, lines):
    with open(os.path.join(D, name), "w") as f:
        f.write("# %s: hand-written from ejabberd-log-formats.md (%s); not from a server.\n" % (name, what))
        f.write("\n".join(lines) + "\n")

# --- E2 lager, a 4 KiB message cut by lager in the middle of a session ---
big = "<message to='romeo@example.com' type='chat' id='m1'><body>" + "x" * 5000 + "</body></message>"
body = 'Received XML on stream = <<"'
cut = esc(big)[:4096 - len(body) - 5] + '..."'  # lager: 4096 characters of message, then ..."
R, C = "<0.812.0>", "<0.813.0>"
t = clock("2015-06-22 17:03:58")
trunc_line = lambda tt: lager(tt(20), "debug", R, "ejabberd_receiver:process_data:349", body + cut + '>>')
after = lambda tt: recv(tt(21), R, "<presence/>")
write("synth-E2-truncated-4k.log", "§5.4 lager 4096-character cut",
      login(t, R, C, 9121, "192.0.2.33:51844", (trunc_line, after)))

# --- E2 pid reuse: the same pids after a restart banner ---
t1, t2 = clock("2016-09-01 10:00:00"), clock("2016-09-01 11:00:00")
L = [lager("2016-09-01 09:59:59.000", "info", "<0.7.0>", "ejabberd_app:start:59", "ejabberd 16.09 is started in the node ejabberd@localhost")]
L += login(t1, "<0.600.0>", "<0.601.0>", 5530, "192.0.2.21:40112")
# the first run ends without a close: the node stops
L = L[:-3]
L += [lager("2016-09-01 10:59:59.000", "info", "<0.7.0>", "ejabberd_app:start:59", "ejabberd 16.09 is started in the node ejabberd@localhost")]
L += login(t2, "<0.600.0>", "<0.601.0>", 5530, "192.0.2.22:40113")
write("synth-E2-pid-reuse-restart.log", "§6 start banner starts a new epoch", L)

# --- E3 17.03-17.11: the receiver pid is the key ---
R, C = "<0.600.0>", "<0.601.0>"
t = clock("2017-07-29 08:24:04")
E3 = [lager(t(0), "info", "<0.370.0>", "ejabberd_listener:accept:302", "(%s) Accepted connection 192.0.2.10:50000 -> 192.0.2.1:5222" % R),
      recv(t(1), R, HDR_IN),
      lager(t(2), "debug", C, "ejabberd_socket:send:216", '(tcp|%s) Send XML on stream = <<"%s">>' % (R, esc(hdr_out(77)))),
      lager(t(3), "debug", C, "ejabberd_socket:send:216", '(tcp|%s) Send XML on stream = <<"%s">>' % (R, esc(FEAT))),
      recv(t(4), R, AUTH),
      lager(t(5), "info", C, "ejabberd_c2s:handle_auth_success:424", "(tcp|%s) Accepted c2s PLAIN authentication for juliet@example.com by mnesia backend from 192.0.2.10" % R),
      lager(t(6), "debug", C, "ejabberd_socket:send:216", '(tcp|%s) Send XML on stream = <<"%s">>' % (R, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")),
      recv(t(7), R, HDR_IN),
      lager(t(8), "debug", C, "ejabberd_socket:send:216", '(tcp|%s) Send XML on stream = <<"%s">>' % (R, esc(hdr_out(78)))),
      lager(t(9), "debug", C, "ejabberd_socket:send:216", '(tcp|%s) Send XML on stream = <<"%s">>' % (R, esc(FEAT2))),
      recv(t(10), R, BIND),
      lager(t(11), "debug", C, "ejabberd_socket:send:216", '(tcp|%s) Send XML on stream = <<"%s">>' % (R, esc(BOUND))),
      lager(t(12), "info", C, "ejabberd_c2s:handle_session:500", "(tcp|%s) Opened c2s session for juliet@example.com/balcony" % R),
      recv(t(13), R, "</stream:stream>"),
      lager(t(14), "debug", C, "ejabberd_socket:send:216", '(tcp|%s) Send XML on stream = <<"</stream:stream>">>' % R),
      lager(t(15), "info", C, "ejabberd_c2s:process_terminated:300", "(tcp|%s) Closing c2s session for juliet@example.com/balcony: Connection closed" % R)]
write("synth-E3-receiver-key.log", "§6.2 E3: the receiver pid keys a connection", E3)

# --- E7 io_lib wrapped integer list (a non-Latin-1 body) ---
msg = "<message to='romeo@example.com' type='chat' id='m2'><body>\u20ac 5</body></message>".encode()
pre = "(tcp|<0.778.0>) Received XML on stream = "
ints = ",".join(str(b) for b in msg)
# io_lib: 80 columns, continuation lines indented to the column where the term starts
col = len(pre)
out, line = [], "<<"
for tok in [str(b) for b in msg]:
    piece = tok + ","
    if col + len(line) + len(piece) > 80 and line.strip("<"):
        out.append(line)
        line = ""
    line += piece
line = line[:-1] + ">>"
out.append(line)
wrapped = ("\n" + " " * (col + 2)).join(out)  # aligned after "<<": 43 columns (§5.1)
def e7(k, lvl, pid, mfa, m):
    return "2026-11-24 09:46:37.%06d+00:00 [%s] %s%s %s" % (640000 + k * 1000, lvl, pid, mfa, m)
P = "<0.778.0>"
E7 = [e7(0, "info", "<0.335.0>", "@ejabberd_listener:accept/7:273", "(%s) Accepted connection 192.0.2.50:49354 -> 198.51.100.7:5222" % P),
      e7(1, "notice", P, "", '(tcp|%s) Received XML on stream = <<"%s">>' % (P, esc(HDR_IN))),
      e7(2, "notice", P, "", '(tcp|%s) Send XML on stream = <<"%s">>' % (P, esc(hdr_out(9)))),
      e7(3, "notice", P, "", '(tcp|%s) Send XML on stream = <<"%s">>' % (P, esc(FEAT))),
      e7(4, "notice", P, "", '(tcp|%s) Received XML on stream = <<"%s">>' % (P, esc(AUTH))),
      e7(5, "info", P, "@ejabberd_c2s:process_auth_result/3:272", "(tcp|%s) Accepted c2s PLAIN authentication for juliet@example.com by mnesia backend from 192.0.2.50" % P),
      e7(6, "notice", P, "", '(tcp|%s) Send XML on stream = <<"%s">>' % (P, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")),
      e7(7, "notice", P, "", '(tcp|%s) Received XML on stream = <<"%s">>' % (P, esc(HDR_IN))),
      e7(8, "notice", P, "", '(tcp|%s) Send XML on stream = <<"%s">>' % (P, esc(hdr_out(10)))),
      e7(9, "notice", P, "", '(tcp|%s) Send XML on stream = <<"%s">>' % (P, esc(FEAT2))),
      e7(10, "notice", P, "", '(tcp|%s) Received XML on stream = <<"%s">>' % (P, esc(BIND))),
      e7(11, "notice", P, "", '(tcp|%s) Send XML on stream = <<"%s">>' % (P, esc(BOUND))),
      e7(12, "info", P, "@ejabberd_c2s:handle_session/1:500", "(tcp|%s) Opened c2s session for juliet@example.com/balcony" % P),
      e7(13, "notice", P, "", pre + wrapped),
      e7(14, "notice", P, "", '(tcp|%s) Received XML on stream = <<"</stream:stream>">>' % P),
      e7(15, "notice", P, "", '(tcp|%s) Send XML on stream = <<"</stream:stream>">>' % P)]
write("synth-E7-wrapped-intlist.log", "§5.1 io_lib wraps a byte list at 80 columns", E7)

# --- deep iolists (§5.3): E1 form, and the same payloads in lager form ---
def deep_header(i):
    # the 2.1.13 stream header: io_lib:format's deep list (ints, strings, sub-lists)
    s = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='"
    head = ",".join(str(ord(c)) for c in s)
    return "[%s,\"%s\",39,32,102,114,111,109,61,39,\"example.com\",39,[\" version='\",\"1.0\",\"'\"],[\" xml:lang='\",\"en\",\"'\"],62]" % (head, i)
def deep_elem(name, attrs, inner):
    a = ",".join('[32,"%s",61,39,"%s",39]' % kv for kv in attrs)
    return '[60,"%s",[%s],62,[%s],60,47,"%s",62]' % (name, a, inner, name)
FEAT_DEEP = deep_elem("stream:features", [], deep_elem("mechanisms", [("xmlns", "urn:ietf:params:xml:ns:xmpp-sasl")], deep_elem("mechanism", [], '"PLAIN"')))
SUCCESS_DEEP = '[60,"success",[[32,"xmlns",61,39,"urn:ietf:params:xml:ns:xmpp-sasl",39]],47,62]'
def wrap_term(term, indent):
    # pretty-printer stand-in: break after commas at about 80 columns
    out, line = [], ""
    for part in term.split(","):
        if len(line) + len(part) + 1 > 80 - indent and line:
            out.append(line)
            line = ""
        line += part + ","
    out.append(line[:-1])
    return ("\n" + " " * indent).join(out)
R, C = "<0.412.0>", "<0.413.0>"
def e1(ts, lvl, pid, mod, ln, msg):
    return "\n=INFO REPORT==== 2012-03-05 %s ===\n%s(%s:%s:%d) : %s" % (ts, lvl, pid, mod, ln, msg)
def lg(ts, lvl, pid, mod, ln, msg):
    return "2012-03-05 %s.000 [%s] %s@%s:x:%d %s" % (ts, {"D": "debug", "I": "info"}[lvl], pid, mod, ln, msg)
def deep_lines(fmt):
    ind = 60
    return [
        fmt("14:22:06", "I", "<0.370.0>", "ejabberd_listener", 281, "(#Port<0.1650>) Accepted connection {{192,0,2,21},40112} -> {{198,51,100,7},5222}"),
        fmt("14:22:07", "D", R, "ejabberd_receiver", 320, 'Received XML on stream = "%s"' % esc(HDR_IN)),
        fmt("14:22:07", "D", C, "ejabberd_c2s", 1556, "Send XML on stream = " + wrap_term(deep_header("3920059724"), ind)),
        fmt("14:22:07", "D", C, "ejabberd_c2s", 1556, "Send XML on stream = " + wrap_term(FEAT_DEEP, ind)),
        fmt("14:22:08", "D", R, "ejabberd_receiver", 320, 'Received XML on stream = "%s"' % esc(AUTH)),
        fmt("14:22:08", "I", C, "ejabberd_c2s", 632, "(%s) Accepted authentication for juliet by ejabberd_auth_internal" % sock(1650, R)),
        fmt("14:22:08", "D", C, "ejabberd_c2s", 1556, "Send XML on stream = " + SUCCESS_DEEP),
        fmt("14:22:09", "D", R, "ejabberd_receiver", 320, 'Received XML on stream = "</stream:stream>"'),
        fmt("14:22:09", "D", C, "ejabberd_c2s", 1556, 'Send XML on stream = "</stream:stream>"'),
    ]
write("synth-E1-deep-iolist.log", "§2.1 and §5.3: 2.x deep iolists in the ejabberd_logger_h form", deep_lines(e1))
write("synth-E2-deep-iolist.log", "§5.3: the payloads of synth-E1-deep-iolist.log under the lager prefix", deep_lines(lg))
