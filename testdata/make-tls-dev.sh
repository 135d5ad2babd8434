#!/bin/bash
# Makes testdata/tls-dev/: real TLS on loopback between a scripted XMPP-like
# client and server (tls-dev/xmpp_tls_pair.py, Python ssl over OpenSSL 3),
# captured with tcpdump, the client's secrets in an NSS key log. These are
# development runs of the decryption layer, NOT ejabberd runs (those come from
# make-testdata.sh). Throwaway keys and certificate, made afresh each run.
#
# Ports 15222 (STARTTLS), 15223 (direct TLS), 15443 (HTTPS BOSH): not the
# ports of a real XMPP server, so xmppflow is run with --port for them.
# Needs root (tcpdump on lo), openssl, python3.
set -euo pipefail
cd "$(dirname "$0")/tls-dev"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
    -subj /CN=example.com >/dev/null 2>&1

conf() { # an OpenSSL config choosing the TLS 1.3 suite (Python ssl cannot)
    printf 'openssl_conf = i\n[i]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nCiphersuites = %s\n' "$1" \
        >"$work/$1.cnf"
    echo "$work/$1.cnf"
}

# run NAME MODE PORT [SUITE13|-] [xmpp_tls_pair options…]: one connection, its capture and key log
run() {
    local name=$1 mode=$2 port=$3 suite=$4
    shift 4
    rm -f "$name.keys" "$name.pcap"
    tcpdump -i lo -U -s 0 -w "$work/$name.pcap" "tcp port $port" 2>/dev/null &
    local dump=$!
    sleep 1
    if [ "$suite" = - ]; then
        python3 xmpp_tls_pair.py "$mode" "$port" "$name.keys" "$work/cert.pem" "$work/key.pem" "$@"
    else
        OPENSSL_CONF=$(conf "$suite") python3 xmpp_tls_pair.py "$mode" "$port" "$name.keys" \
            "$work/cert.pem" "$work/key.pem" "$@"
    fi
    sleep 1
    kill "$dump"
    wait "$dump" || true
    cp "$work/$name.pcap" "$name.pcap"
}

run pyssl-starttls-tls13-aes128 starttls 15222 TLS_AES_128_GCM_SHA256
run pyssl-starttls-tls13-aes256 starttls 15222 TLS_AES_256_GCM_SHA384 --user bob
run pyssl-starttls-tls13-chacha20 starttls 15222 TLS_CHACHA20_POLY1305_SHA256 --user carol
run pyssl-starttls-tls12-ecdhe-aesgcm starttls 15222 - --tls12 ECDHE-RSA-AES128-GCM-SHA256 --user dave
run pyssl-starttls-tls12-ecdhe-chacha20 starttls 15222 - --tls12 ECDHE-RSA-CHACHA20-POLY1305 --user erin
run pyssl-direct-tls13 direct 15223 TLS_AES_128_GCM_SHA256 --user frank
run pyssl-https-bosh-tls13 https-bosh 15443 TLS_AES_128_GCM_SHA256 --user grace
run pyssl-starttls-tls12-cbc starttls 15222 - --tls12 ECDHE-RSA-AES128-SHA --user heidi

# Two sessions in one capture, the key log holding only the first's: "missing key".
mergecap() { python3 - "$@" <<'PY'
import struct, sys
out, ins = sys.argv[1], sys.argv[2:]
recs, head = [], None
for p in ins:
    d = open(p, 'rb').read()
    head = head or d[:24]
    i = 24
    while i < len(d):
        ts, us, cl, ol = struct.unpack('<IIII', d[i:i+16])
        recs.append(((ts, us), d[i:i+16+cl]))
        i += 16 + cl
recs.sort(key=lambda r: r[0])
open(out, 'wb').write(head + b''.join(r for _, r in recs))
PY
}
mergecap pyssl-missing-key.pcap pyssl-starttls-tls13-aes128.pcap pyssl-starttls-tls13-aes256.pcap
cp pyssl-starttls-tls13-aes128.keys pyssl-missing-key.keys
# The same capture's key log with one byte of every secret changed: "wrong secret".
awk '$1 !~ /^#/ && NF == 3 { s = $3; c = substr(s, 1, 1); $3 = (c == "0" ? "1" : "0") substr(s, 2) } { print }' \
    pyssl-starttls-tls13-aes128.keys >pyssl-wrong-secret.keys
awk '$1 !~ /^#/ && NF == 3 { s = $3; c = substr(s, 1, 1); $3 = (c == "0" ? "1" : "0") substr(s, 2) } { print }' \
    pyssl-starttls-tls12-ecdhe-aesgcm.keys >pyssl-wrong-secret-tls12.keys
ls -l
