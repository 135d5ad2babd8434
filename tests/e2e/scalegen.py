#!/usr/bin/env python3
"""scalegen: one big client connection, for scale.sh and bench/run-scale.sh.

    scalegen.py CASE N OUT [--log]

CASE is what makes the connection big:
  flood   N <message/> stanzas before authentication (each one is D5), then a
          PLAIN login without TLS (B1) that ends bound: what comes after the
          events the report stores must still be seen
  attrs   one <message/> with N attributes (half of them namespaced), then the login
  nsdecl  one <message/> with N namespace declarations, each prefix used by one
          attribute, then the login

OUT is a pcap (tcpcap.py: client 10.0.0.1:40000, server 10.0.0.2:5222), or an
ejabberd debug log with --log (pid <0.900.0>, one line per element). The
login is alice's, password 'Scale-Secret-1'.
"""
import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tcpcap  # noqa: E402

DOMAIN = "xmppflow.test"
C_HDR = (
    "<?xml version='1.0'?><stream:stream to='%s' xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns='jabber:client' version='1.0'>" % DOMAIN
)
S_HDR = (
    "<?xml version='1.0'?><stream:stream id='%s' from='%s' version='1.0' "
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'>"
)
FEATURES = (
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>"
)
BIND_FEATURES = "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
PLAIN = base64.b64encode(b"\0alice\0Scale-Secret-1").decode()


def big_elements(case, n):
    """The client's big part, as a list of elements."""
    if case == "flood":
        return ["<message to='bob@%s' id='m%d'><body>hi</body></message>" % (DOMAIN, i) for i in range(n)]
    if case == "attrs":
        half = n // 2
        attrs = " ".join("a%d='1'" % i for i in range(n - half))
        attrs += " " + " ".join("p:b%d='1'" % i for i in range(half))
        return ["<message to='bob@%s' xmlns:p='urn:scale:p' %s/>" % (DOMAIN, attrs)]
    if case == "nsdecl":
        decls = " ".join("xmlns:p%d='urn:scale:%d'" % (i, i) for i in range(n))
        uses = " ".join("p%d:x='1'" % i for i in range(n))
        return ["<message to='bob@%s' %s %s/>" % (DOMAIN, decls, uses)]
    raise SystemExit("scalegen: unknown case %r" % case)


def conversation(case, n):
    """(from_client, xml) in order: the big part, then a login that binds."""
    yield True, C_HDR
    yield False, S_HDR % ("1", DOMAIN)
    yield False, FEATURES
    for el in big_elements(case, n):
        yield True, el
    yield True, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" % PLAIN
    yield False, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
    yield True, C_HDR
    yield False, S_HDR % ("2", DOMAIN)
    yield False, BIND_FEATURES
    yield True, (
        "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
        "<resource>scale</resource></bind></iq>"
    )
    yield False, (
        "<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
        "<jid>alice@%s/scale</jid></bind></iq>" % DOMAIN
    )
    yield True, "</stream:stream>"
    yield False, "</stream:stream>"


def write_pcap(case, n, out):
    c = tcpcap.Conn(out, step_us=10)
    run, run_dir = [], None
    # consecutive elements of one side go out together (segments of at most mss)
    for fromc, xml in conversation(case, n):
        if run and fromc != run_dir:
            c.send(run_dir, "".join(run).encode())
            run = []
        run_dir = fromc
        run.append(xml)
    c.send(run_dir, "".join(run).encode())
    c.close()


def write_log(case, n, out):
    pid = "<0.900.0>"
    t = [0]

    def stamp():
        t[0] += 10
        s, us = divmod(t[0], 1000000)
        m, s = divmod(s, 60)
        return "2026-11-25 15:%02d:%02d.%06d+00:00" % (m, s, us)

    with open(out, "w", encoding="utf-8") as f:
        f.write(
            "%s [info] <0.335.0>@ejabberd_listener:accept/7:273 (%s) Accepted connection "
            "10.0.0.1:40000 -> 10.0.0.2:5222\n" % (stamp(), pid)
        )
        for fromc, xml in conversation(case, n):
            f.write(
                '%s [notice] %s (tcp|%s) %s XML on stream = <<"%s">>\n'
                % (stamp(), pid, pid, "Received" if fromc else "Send", xml.replace('"', '\\"'))
            )


def main():
    args = [a for a in sys.argv[1:] if a != "--log"]
    if len(args) != 3:
        raise SystemExit(__doc__)
    case, n, out = args[0], int(args[1]), args[2]
    (write_log if "--log" in sys.argv else write_pcap)(case, n, out)


if __name__ == "__main__":
    main()
