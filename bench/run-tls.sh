#!/bin/bash
# run-tls.sh [MB]: decryption throughput. Makes one keyed capture -- a STARTTLS
# session (TLS 1.3, TLS_AES_256_GCM_SHA384) carrying MB megabytes (default 40)
# of 16 kB messages between the Python ssl peers of testdata/tls-dev/
# xmpp_tls_pair.py on loopback port 15224, captured with tcpdump, the client's
# secrets in a key log -- then times, best of RUNS (3):
#   xmppflow --keylog (records decrypted and read), xmppflow without keys
#   (records counted, not opened), tshark with the same key log
# and prints MB/s of TLS records, peak RSS, the records each decrypted and the
# tshark ratio. Needs root (tcpdump on lo), openssl, python3, GNU time; tshark
# when installed. XMPPFLOW=PATH measures that binary instead of building one.
set -euo pipefail
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_DIR:-$here/out}
mb=${1:-40}
port=15224
mkdir -p "$out"
if [ -n "${XMPPFLOW:-}" ]; then
    bin=$XMPPFLOW
else
    "$here/build.sh" "$out"
    bin="$out/build/xmppflow"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/lib.sh"
out=$work # measure_best keeps its files there

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
    -subj /CN=example.com >/dev/null 2>&1
printf 'openssl_conf = i\n[i]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nCiphersuites = TLS_AES_256_GCM_SHA384\n' \
    >"$work/suite.cnf"
tcpdump -i lo -U -B 262144 -s 0 -w "$work/bulk.pcap" "tcp port $port" 2>/dev/null &
dump=$!
sleep 1
(cd "$here/../testdata/tls-dev" && OPENSSL_CONF="$work/suite.cnf" python3 xmpp_tls_pair.py starttls "$port" \
    "$work/bulk.keys" "$work/cert.pem" "$work/key.pem" --bulk "$mb")
sleep 1
kill "$dump"
wait "$dump" || true
# TCP payload bytes: tcpdump -q ends each line with "tcp N"
bytes=$(tcpdump -r "$work/bulk.pcap" -nn -q 2>/dev/null | awk '$(NF - 1) == "tcp" { s += $NF } END { print s + 0 }')


echo "# $(uname -m), $(nproc) CPUs, $("$bin" --version | head -n 1), $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# capture: $(wc -c <"$work/bulk.pcap") bytes, $bytes bytes of TCP payload (TLS records)"
printf '%-44s %8s %7s %8s %9s\n' command seconds MB/s RSS_MB records
r=$(measure_best "$bin" -f json --port "$port" --keylog "$work/bulk.keys" "$work/bulk.pcap")
xs=${r% *}
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(sum(s.get("decryption", {}).get("app_records", {}).values()) for s in d["sessions"]))' "$work/cmd.out" 2>/dev/null || echo '?')
printf '%-44s %8s %7s %8s %9s\n' "xmppflow --keylog" "$xs" "$(mbps "$bytes" "$xs")" "$((${r#* } / 1024))" "$n"
r=$(measure_best "$bin" -f json --port "$port" "$work/bulk.pcap")
printf '%-44s %8s %7s %8s %9s\n' "xmppflow without keys" "${r% *}" "$(mbps "$bytes" "${r% *}")" "$((${r#* } / 1024))" 0
if command -v tshark >/dev/null; then
    r=$(measure_best tshark -r "$work/bulk.pcap" -o "tls.keylog_file:$work/bulk.keys" -d "tcp.port==$port,xmpp" \
        -Y 'tls.record.content_type == 23' -T fields -e frame.number)
    ts=${r% *}
    printf '%-44s %8s %7s %8s %9s\n' "tshark -o tls.keylog_file" "$ts" "$(mbps "$bytes" "$ts")" "$((${r#* } / 1024))" "-"
    echo "# tshark / xmppflow --keylog: $(awk -v a="$ts" -v b="$xs" 'BEGIN { printf "%.1fx", a / b }')"
fi
echo "# best of ${RUNS:-3} runs each; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
