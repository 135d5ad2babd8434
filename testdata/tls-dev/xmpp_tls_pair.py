#!/usr/bin/env python3
"""A scripted XMPP-like client and server over real TLS on loopback (Python ssl,
OpenSSL underneath), for xmppflow's TLS decryption tests: not ejabberd. The
client writes its TLS secrets to a key log (NSS format). make-tls-dev.sh runs it
under tcpdump; see there.

usage: xmpp_tls_pair.py MODE PORT KEYLOG CERT KEY [--tls12 CIPHERS] [--user NAME] [--bulk MB]
MODE: starttls (RFC 6120 STARTTLS), direct (XEP-0368 direct TLS, ALPN
xmpp-client), https-bosh (XEP-0206 over HTTPS, ALPN http/1.1).
TLS 1.3 suites are chosen with OPENSSL_CONF (Ciphersuites = ...): Python's ssl
has no call for them.
"""
import base64
import socket
import ssl
import sys
import threading
import time

NS = "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
BULK_MB = 0


def pause():
    time.sleep(0.02)  # each step its own records and segments


def recv_until(sock, marker):
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        tail = data[-len(marker):] + chunk  # only the new bytes can complete the marker
        data = data + chunk if len(data) < 1 << 20 else data[-len(marker):] + chunk
        if marker in tail:
            return data


def xmpp_server_tls_part(s, user):
    recv_until(s, b"<stream:stream")
    s.sendall(("<?xml version='1.0'?><stream:stream from='example.com' id='s2' %s>"
               "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
               "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
               "</stream:features>" % NS).encode())
    recv_until(s, b"</auth>")
    s.sendall(b"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
    recv_until(s, b"<stream:stream")
    s.sendall(("<?xml version='1.0'?><stream:stream from='example.com' id='s3' %s>"
               "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>" % NS).encode())
    recv_until(s, b"</iq>")
    s.sendall(("<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
               "<jid>%s@example.com/dev</jid></bind></iq>" % user).encode())
    recv_until(s, b"</stream:stream>")
    s.sendall(b"</stream:stream>")


def xmpp_client_tls_part(s, user):
    s.sendall(("<?xml version='1.0'?><stream:stream to='example.com' %s>" % NS).encode())
    recv_until(s, b"</stream:features>")
    plain = base64.b64encode(b"\0" + user.encode() + b"\0" + b"pw-" + user.encode() + b"-9Xq").decode()
    s.sendall(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" % plain).encode())
    recv_until(s, b"<success")
    s.sendall(("<?xml version='1.0'?><stream:stream to='example.com' %s>" % NS).encode())
    recv_until(s, b"</stream:features>")
    s.sendall(b"<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
              b"<resource>dev</resource></bind></iq>")
    recv_until(s, b"</iq>")
    s.sendall(b"<presence/>")
    pause()
    body = b"x" * 16000
    for i in range(BULK_MB * 1000000 // 16000):  # --bulk: a large keyed capture for the benchmark
        s.sendall(b"<message to='bob@example.com' id='m%d'><body>" % i + body + b"</body></message>")
        if i % 8 == 7:
            time.sleep(0.002)  # tcpdump keeps up: a capture without holes
    s.sendall(b"</stream:stream>")
    recv_until(s, b"</stream:stream>")


def bosh_body(attrs, inner=""):
    return ("<body xmlns='http://jabber.org/protocol/httpbind' %s>%s</body>" % (attrs, inner)).encode()


def http_post(s, body):
    s.sendall(b"POST /bosh HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/xml; charset=utf-8\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body)


def http_answer(s, body):
    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)


def read_http(s):
    head = recv_until(s, b"\r\n\r\n")
    h, _, rest = head.partition(b"\r\n\r\n")
    n = 0
    for line in h.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    while len(rest) < n:
        rest += s.recv(65536)
    return rest


def bosh_server(s, user):
    read_http(s)
    http_answer(s, bosh_body("sid='sid1' wait='60' requests='2' ver='1.11' from='example.com' "
                             "xmlns:xmpp='urn:xmpp:xbosh' xmpp:version='1.0' xmlns:stream='http://etherx.jabber.org/streams'",
                             "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                             "<mechanism>PLAIN</mechanism></mechanisms></stream:features>"))
    read_http(s)
    http_answer(s, bosh_body("", "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"))
    read_http(s)
    http_answer(s, bosh_body("xmlns:stream='http://etherx.jabber.org/streams'",
                             "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"))
    read_http(s)
    http_answer(s, bosh_body("", "<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                 "<jid>%s@example.com/dev</jid></bind></iq>" % user))
    read_http(s)
    http_answer(s, bosh_body("type='terminate'"))


def bosh_client(s, user):
    plain = base64.b64encode(b"\0" + user.encode() + b"\0" + b"pw-" + user.encode() + b"-9Xq").decode()
    steps = [
        bosh_body("rid='100' to='example.com' wait='60' hold='1' ver='1.11' xml:lang='en' "
                  "xmlns:xmpp='urn:xmpp:xbosh' xmpp:version='1.0'"),
        bosh_body("rid='101' sid='sid1'",
                  "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" % plain),
        bosh_body("rid='102' sid='sid1' to='example.com' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh'"),
        bosh_body("rid='103' sid='sid1'", "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                          "<resource>dev</resource></bind></iq>"),
        bosh_body("rid='104' sid='sid1' type='terminate'", "<presence type='unavailable'/>"),
    ]
    for b in steps:
        http_post(s, b)
        read_http(s)
        pause()


def main():
    mode, port, keylog, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    tls12 = sys.argv[sys.argv.index("--tls12") + 1] if "--tls12" in sys.argv else None
    user = sys.argv[sys.argv.index("--user") + 1] if "--user" in sys.argv else "alice"
    global BULK_MB
    BULK_MB = int(sys.argv[sys.argv.index("--bulk") + 1]) if "--bulk" in sys.argv else 0
    alpn = {"direct": ["xmpp-client"], "https-bosh": ["http/1.1"]}.get(mode)

    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(cert, key)
    if alpn:
        sctx.set_alpn_protocols(alpn)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cctx.keylog_filename = keylog
    if alpn:
        cctx.set_alpn_protocols(alpn)
    if tls12:
        sctx.set_ciphers(tls12)  # the server's default list leaves the SHA-1 (CBC) suites out
        cctx.maximum_version = ssl.TLSVersion.TLSv1_2
        cctx.set_ciphers(tls12)

    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(1)

    def serve():
        conn, _ = lsock.accept()
        if mode == "starttls":
            recv_until(conn, b"<stream:stream")
            conn.sendall(("<?xml version='1.0'?><stream:stream from='example.com' id='s1' %s>"
                          "<stream:features><starttls xmlns='%s'><required/></starttls></stream:features>"
                          % (NS, TLS_NS)).encode())
            recv_until(conn, b"<starttls")
            conn.sendall(("<proceed xmlns='%s'/>" % TLS_NS).encode())
        t = sctx.wrap_socket(conn, server_side=True)
        if mode == "https-bosh":
            bosh_server(t, user)
        else:
            xmpp_server_tls_part(t, user)
        time.sleep(0.1)
        t.close()

    th = threading.Thread(target=serve)
    th.start()
    c = socket.create_connection(("127.0.0.1", port))
    if mode == "starttls":
        c.sendall(("<?xml version='1.0'?><stream:stream to='example.com' %s>" % NS).encode())
        recv_until(c, b"</stream:features>")
        c.sendall(("<starttls xmlns='%s'/>" % TLS_NS).encode())
        recv_until(c, b"<proceed")
    t = cctx.wrap_socket(c, server_hostname="example.com")
    if mode == "https-bosh":
        bosh_client(t, user)
    else:
        xmpp_client_tls_part(t, user)
    time.sleep(0.2)
    t.close()
    th.join()
    lsock.close()


if __name__ == "__main__":
    main()
