"""kinds_gen: captures of what is not a client login, for tests/e2e/kinds.sh.

    python3 kinds_gen.py MODE OUT [IN]

Modes:
  binary      handmade: five connections to 10.0.0.2:5223 and one to :5222 whose
              client speaks a binary protocol that is neither TLS nor XML, then
              one direct-TLS connection to :5223 that starts with a ClientHello
  s2s         handmade: a dialback server-to-server stream to :5269 (jabber:server,
              xmlns:db), one jabber:server stream without dialback to :5269, then a
              client login (PLAIN without TLS, established) to :5222
  midsession  IN (a real capture of plain-no-tls) from the client's first
              <presence> on (or from the first packet holding MARKER, the 4th
              argument): picked up inside an established session, the client's
              </stream:stream> comes later
  pwchange    handmade: a PLAIN login without TLS, bound, then a password change
              (XEP-0077 section 3.3: jabber:iq:register with username and password)
              the server accepts, then the close
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcpcap import Conn  # noqa: E402
from capedit import read_pcap, write_pcap  # noqa: E402

C_HDR = (b"<?xml version='1.0'?><stream:stream to='example.test' xmlns='jabber:client' "
         b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")
S_HDR = (b"<?xml version='1.0'?><stream:stream id='%s' from='example.test' version='1.0' "
         b"xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
FEATURES_SASL = (b"<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                 b"<mechanism>PLAIN</mechanism></mechanisms></stream:features>")
FEATURES_BIND = (b"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                 b"</stream:features>")
# \0alice\0Wonderland-Secret-1 (the test password of testdata/PASSWORDS.md's kind)
PLAIN_AUTH = (b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
              b"AGFsaWNlAFdvbmRlcmxhbmQtU2VjcmV0LTE=</auth>")


def plain_login(c, resource=b"r"):
    c.send(True, C_HDR)
    c.send(False, S_HDR % b"1")
    c.send(False, FEATURES_SASL)
    c.send(True, PLAIN_AUTH)
    c.send(False, b"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
    c.send(True, C_HDR)
    c.send(False, S_HDR % b"2")
    c.send(False, FEATURES_BIND)
    c.send(True, b"<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                 b"<resource>" + resource + b"</resource></bind></iq>")
    c.send(False, b"<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  b"<jid>alice@example.test/" + resource + b"</jid></bind></iq>")


def pcap_file(out):
    """A pcap file header (Ethernet) for connections written one after the other (Conn(f=...))."""
    f = open(out, "wb")
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    return f


def close_streams(c):
    c.send(True, b"</stream:stream>")
    c.send(False, b"</stream:stream>")


def binary(out):
    f = pcap_file(out)
    # a length-prefixed binary request and answer, like many RPC protocols
    for i in range(6):
        c = Conn(None, f=f, cport=41000 + i, sport=5223 if i < 5 else 5222, t0=1700000000 + i)
        c.send(True, b"\x00\x00\x00\x10\x01\x02\x03\x04\xfe\xed\xfa\xce\x00\x01\x00\x00")
        c.send(False, b"\x00\x00\x00\x08\x81\x00\x00\x00")
        c.send(True, bytes(range(256)))
        c.close()
    tls = Conn(None, f=f, cport=41006, sport=5223, t0=1700000006)
    # a minimal ClientHello: TLS 1.2, one cipher suite, no extensions
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" + b"\x00\x00"
    handshake = b"\x01" + struct.pack("!I", len(body))[1:] + body
    hello = b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake
    tls.send(True, hello)
    tls.send(False, bytes.fromhex("1603030005020000010000"))
    tls.close()
    f.close()


S2S_HDR = (b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
           b"xmlns='jabber:server' xmlns:db='jabber:server:dialback' to='b.test' from='a.test' "
           b"version='1.0'>")
S2S_REPLY = (b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
             b"xmlns='jabber:server' xmlns:db='jabber:server:dialback' id='s2s-1' from='b.test' "
             b"to='a.test' version='1.0'>")


def s2s(out):
    f = pcap_file(out)
    c = Conn(None, f=f, cport=42000, sport=5269)
    c.send(True, S2S_HDR)
    c.send(False, S2S_REPLY)
    c.send(False, b"<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>")
    c.send(True, b"<db:result from='a.test' to='b.test'>98AF014EDC0</db:result>")
    c.send(False, b"<db:result from='b.test' to='a.test' type='valid'/>")
    c.send(True, b"<message from='bob@a.test' to='carol@b.test' type='chat'><body>hi</body></message>")
    close_streams(c)
    c.close()
    plain = Conn(None, f=f, cport=42001, sport=5269, t0=1700000001)
    plain.send(True, b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                     b"xmlns='jabber:server' to='b.test' from='a.test' version='1.0'>")
    plain.send(False, b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                      b"xmlns='jabber:server' id='s2s-2' from='b.test' version='1.0'>")
    plain.send(False, b"<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                      b"<mechanism>EXTERNAL</mechanism></mechanisms></stream:features>")
    close_streams(plain)
    plain.close()
    client = Conn(None, f=f, cport=42002, sport=5222, t0=1700000002)
    plain_login(client)
    close_streams(client)
    client.close()
    f.close()


def midsession(out, src, marker=b"<presence "):
    linktype, recs = read_pcap(src)
    at = next(i for i, (_, data, _) in enumerate(recs) if marker in data)
    write_pcap(out, linktype, recs[at:])


def pwchange(out):
    c = Conn(out)
    plain_login(c)
    c.send(True, b"<iq type='set' id='pw1' to='example.test'><query xmlns='jabber:iq:register'>"
                 b"<username>alice</username><password>Looking-Glass-2</password></query></iq>")
    c.send(False, b"<iq type='result' id='pw1' from='example.test'/>")
    close_streams(c)
    c.close()


if __name__ == "__main__":
    mode, out = sys.argv[1], sys.argv[2]
    if mode == "midsession":
        midsession(out, sys.argv[3], *[m.encode() for m in sys.argv[4:5]])
    else:
        {"binary": binary, "s2s": s2s, "pwchange": pwchange}[mode](out)
