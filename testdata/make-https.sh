#!/bin/sh
# make-https.sh OUTDIR: a BOSH request inside TLS on 127.0.0.1:5443 (ejabberd's
# HTTPS port) from Python's ssl client with ALPN http/1.1, to a Python ssl
# server (a throwaway self-signed key), captured with tcpdump -i lo. No key log:
# the capture is what an auditor has without keys (issue 13 item 5).
set -eu
out=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=xmppflow.test -days 1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
tcpdump -i lo -U -w "$out/capture.pcap" 'tcp port 5443' 2>/dev/null &
dump=$!
sleep 1
python3 - "$work" <<'PY'
import socket, ssl, sys, threading
work = sys.argv[1]
srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
srv.load_cert_chain(work + "/cert.pem", work + "/key.pem")
srv.set_alpn_protocols(["http/1.1"])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 5443)); ls.listen(1)
def serve():
    c, _ = ls.accept()
    s = srv.wrap_socket(c, server_side=True)
    s.recv(4096)
    body = b"<body xmlns='http://jabber.org/protocol/httpbind' sid='x' wait='5' requests='2'/>"
    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    s.close()
t = threading.Thread(target=serve); t.start()
cli = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cli.check_hostname = False; cli.verify_mode = ssl.CERT_NONE
cli.set_alpn_protocols(["http/1.1"])
s = cli.wrap_socket(socket.create_connection(("127.0.0.1", 5443)), server_hostname="xmppflow.test")
body = b"<body rid='1573741820' to='xmppflow.test' wait='60' hold='1' xmlns='http://jabber.org/protocol/httpbind'/>"
s.sendall(b"POST /bosh HTTP/1.1\r\nHost: xmppflow.test\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
s.recv(4096)
s.close(); t.join(); ls.close()
PY
sleep 1
kill $dump
wait $dump 2>/dev/null || true
