#!/bin/sh
# badinput.sh: damaged, hostile and huge inputs. The tool must never crash or
# hang, must say what was wrong (inputs[].errors, xml-error / oversize events)
# and must report what it could read. Hand-made inputs are in testdata/bad/
# (see README.handmade there); large ones are generated here in $T.
. "$(dirname "$0")/lib.sh"

BAD="$TESTDATA/bad"
src="$TESTDATA/starttls-plain-ok/ejabberd.log"

# Queries on a json report (print "?" when it is not JSON).
q() { jq_py "$1" "$2" 2>/dev/null || echo "?"; }
errors_of() { q "$1" '" | ".join("%s:%s" % (e.get("line", "-"), e["message"]) for i in d["inputs"] for e in i["errors"])'; }
error_lines() { q "$1" 'sorted(e["line"] for i in d["inputs"] for e in i["errors"] if "line" in e)'; }
events_of() { q "$1" '" ".join(p["event"] for s in d["sessions"] for p in s["phases"])'; }
outcomes_of() { q "$1" '" ".join(s["outcome"] for s in d["sessions"])'; }

# has_event FILE EVENT: some session has a phase event named EVENT.
has_event() { case " $(events_of "$1") " in *" $2 "*) return 0 ;; esac; return 1; }

# no_crash DESC: the last xf run ended with a status the contract allows.
no_crash() {
    if [ "$rc" -le 3 ]; then ok "$1: no crash, no hang (exit $rc)"; else not_ok "$1: no crash, no hang (exit $rc)"; fi
}

# ---- empty and garbage ---------------------------------------------------------

: >"$T/empty.log"
xf empty -f json "$T/empty.log"
is "$rc" 3 "empty file: exit 3"
check "empty file: stderr says it is empty and names it" \
    grep -q -F "$T/empty.log: empty" "$T/empty.err"
case $(errors_of "$T/empty.out") in
*empty*) ok "empty file: inputs[].errors says empty" ;;
*) not_ok "empty file: inputs[].errors says empty"; diag "errors: $(errors_of "$T/empty.out")" ;;
esac
check "empty file: the report is still schema-valid" validate "$T/empty.out" json
gzip -c "$T/empty.log" >"$T/empty.log.gz"
xf emptygz -f json "$T/empty.log.gz"
is "$rc" 3 "empty file compressed with gzip: exit 3"

# random bytes; retry in the (1 in 65536) case that they start like gzip
i=0
while :; do
    head -c 100000 /dev/urandom >"$T/garbage.bin"
    [ "$(od -An -tx1 -N2 "$T/garbage.bin" | tr -d ' ')" != 1f8b ] && break
    i=$((i + 1))
    [ $i -lt 5 ] || break
done
xf garbage -f json "$T/garbage.bin"
is "$rc" 3 "100 kB of random bytes: exit 3"
check "random bytes: 'not an ejabberd log or a pcap/pcapng capture'" \
    grep -q -F "not an ejabberd log or a pcap/pcapng capture" "$T/garbage.err"
is "$(q "$T/garbage.out" 'd["inputs"][0]["type"]')" null "random bytes: inputs[0].type is null"
gzip -c "$T/garbage.bin" >"$T/garbage.gz"
xf garbagegz "$T/garbage.gz"
is "$rc" 3 "gzip-compressed random bytes: exit 3"

# a real log followed by random bytes (a disk full of junk after a crash)
{ cat "$src"; cat "$T/garbage.bin"; } >"$T/log-then-garbage.log"
xf lg -f json "$T/log-then-garbage.log"
no_crash "a log followed by 100 kB of random bytes"
is "$rc/$(outcomes_of "$T/lg.out")" "0/established" "a log followed by random bytes: exit 0, its session is still reported"
check "a log followed by random bytes: the report is schema-valid" validate "$T/lg.out" json

# random bytes as a Received payload, the way ~p prints a binary: <<1,2,3>>
{
    sed -n 1,44p "$src"
    printf '2026-11-25 14:49:06.404370+00:00 [notice] <0.509.0> (tls|<0.509.0>) Received XML on stream = <<'
    head -c 3000 "$T/garbage.bin" | od -An -v -tu1 | tr -s ' \n' ',,' | sed 's/^,//; s/,$//'
    printf '>>\n'
    sed -n '45,$p' "$src"
} >"$T/binary-payload.log"
xf bp -f json "$T/binary-payload.log"
no_crash "random bytes inside a Received payload"
check "random bytes inside a Received payload: an xml-error event" has_event "$T/bp.out" xml-error
check "random bytes inside a Received payload: the report is schema-valid" validate "$T/bp.out" json

# ---- truncated and cut logs ------------------------------------------------------

# cut_case LABEL FILE LINE OUTCOME [TODO-REASON]: exit 0, a partial report, an
# input error on LINE, the session OUTCOME (the error checks are TODO with a reason)
cut_check() {
    if [ -n "$cut_todo" ]; then todo "$cut_todo" "$@"; else check "$@"; fi
}
cut_case() {
    label=$1 file=$2 line=$3 outcome=$4
    xf cut -f json "$file"
    no_crash "$label"
    is "$rc" 0 "$label: exit 0"
    is "$(q "$T/cut.out" 'len(d["sessions"])')" 1 "$label: the session read so far is reported"
    is "$(outcomes_of "$T/cut.out")" "$outcome" "$label: session outcome $outcome"
    cut_todo=${5:-}
    cut_check "$label: inputs[].errors names line $line" \
        sh -c 'case " $1 " in *" $2 "*) exit 0 ;; esac; exit 1' sh "$(error_lines "$T/cut.out" | tr -d '[],')" "$line"
    cut_check "$label: stderr names the file and line $line" grep -q -F "$(basename "$file"):$line:" "$T/cut.err"
    check "$label: the report is schema-valid" validate "$T/cut.out" json
}
cut_case "log cut in the middle of a line" "$BAD/handmade-truncated-mid-line.log" 23 incomplete
cut_case "log cut in the middle of an element (payload without \">>)" \
    "$BAD/handmade-truncated-mid-element.log" 40 incomplete
cut_case "an XML line cut in the middle of the file" "$BAD/handmade-element-split-mid-file.log" 45 established
check "an XML line cut in the middle of the file: a gap event" has_event "$T/cut.out" gap
is "$(q "$T/cut.out" 'd["sessions"][0]["jid"]')" "alice@xmppflow.test/starttls-plain" \
    "an XML line cut in the middle of the file: the bound JID is still found"

# CRLF line ends (a log that went through a Windows editor) read like LF
sed 's/$/\r/' "$src" >"$T/crlf.log"
xf crlf -f json "$T/crlf.log"
xf lf -f json "$src"
sessions_no_input='[{k: v for k, v in s.items() if k != "input"} for s in d["sessions"]]'
if [ "$(q "$T/crlf.out" "$sessions_no_input")" = "$(q "$T/lf.out" "$sessions_no_input")" ]; then
    ok "a log with CRLF line ends gives the same sessions as with LF"
else
    not_ok "a log with CRLF line ends gives the same sessions as with LF"
fi

# CR-only line ends (classic Mac OS, some syslog relays) and a mix of LF, CR and CRLF:
# the same sessions as LF (they were one 31 kB line and 0 sessions)
tr '\n' '\r' <"$src" >"$T/cr.log"
awk '{ printf "%s%s", $0, (NR % 3 == 0 ? "\n" : NR % 3 == 1 ? "\r" : "\r\n") }' "$src" >"$T/mixed.log"
for ends in cr mixed; do
    xf "$ends" -f json "$T/$ends.log"
    is "$rc" 0 "a log with $ends line ends: exit 0"
    if [ "$(q "$T/$ends.out" "$sessions_no_input")" = "$(q "$T/lf.out" "$sessions_no_input")" ]; then
        ok "a log with $ends line ends gives the same sessions as with LF"
    else
        not_ok "a log with $ends line ends gives the same sessions as with LF"
        diag "sessions: $(outcomes_of "$T/$ends.out")"
    fi
    is "$(q "$T/$ends.out" 'd["inputs"][0]["lines"]')" "$(q "$T/lf.out" 'd["inputs"][0]["lines"]')" \
        "a log with $ends line ends: as many lines as with LF"
done
# the same on standard input, where the first read may end anywhere
xf crstdin -f json - <"$T/cr.log"
is "$rc/$(outcomes_of "$T/crstdin.out")" 0/established "a log with CR line ends on standard input: exit 0, the session"

# ---- not what it should be ------------------------------------------------------------

# a file of another kind, or --input forcing the wrong kind: exit 3 and a message that
# names the file and says what was seen (it was exit 0 and "0 sessions" for --input log)
cap="$TESTDATA/plain-no-tls/capture.pcap"
xf forcedlog -f json --input log "$cap"
is "$rc" 3 "--input log on a pcap capture: exit 3"
check "--input log on a pcap capture: stderr names the file and says it is a pcap capture" \
    grep -q -F "$cap: --input log, but this is a pcap capture" "$T/forcedlog.err"
is "$(q "$T/forcedlog.out" '[d["inputs"][0]["type"], len(d["sessions"])]')" "[null, 0]" \
    "--input log on a pcap capture: inputs[0].type is null, no session"
check "--input log on a pcap capture: the report is schema-valid" validate "$T/forcedlog.out" json
xf forcedlog2 -f json --input log "$cap" "$src"
is "$rc/$(outcomes_of "$T/forcedlog2.out")" 3/established "--input log on a capture and a log: exit 3, the log is still analysed"
xf forcedng --input log "$TESTDATA/pcapng-scram/capture.pcapng"
is "$rc" 3 "--input log on a pcapng capture: exit 3"
check "--input log on a pcapng capture: stderr says it is a pcapng capture" \
    grep -q -F "but this is a pcapng capture" "$T/forcedng.err"
xf forcedpcap -f json --input pcap "$src"
is "$rc" 3 "--input pcap on a log: exit 3"
check "--input pcap on a log: stderr names the file and says it is an ejabberd log" \
    grep -q -F "$src: --input pcap, but this is an ejabberd log" "$T/forcedpcap.err"
xf forcedpcapng -f json --input pcap "$TESTDATA/pcapng-scram/capture.pcapng"
is "$rc/$(q "$T/forcedpcapng.out" 'd["inputs"][0]["type"]')" 0/pcapng "--input pcap on a pcapng capture: read (exit 0, type pcapng)"
head -c 4096 "$XMPPFLOW" >"$T/program.bin"
xf elf "$T/program.bin"
is "$rc" 3 "an executable: exit 3"
check "an executable: stderr says binary data and shows its first bytes" \
    grep -q -F "$T/program.bin: not an ejabberd log or a pcap/pcapng capture: binary data (first bytes 7f 45 4c 46" "$T/elf.err"
printf 'user=alice\npassword=Sesame-Open-77\n' >"$T/notes.txt"
xf notes "$T/notes.txt"
is "$rc" 3 "a text file that is not a log: exit 3"
check "a text file that is not a log: stderr says text, no log record in its first 2 lines" \
    grep -q -F "notes.txt: not an ejabberd log or a pcap/pcapng capture: text, but none of its first 2 lines" "$T/notes.err"
check "a text file that is not a log: its content is not quoted" sh -c '! grep -q Sesame "$1" "$2"' sh "$T/notes.err" "$T/notes.out"
# --input log on text none of whose lines is a log record: exit 3, not "0 sessions"
xf forcedtext -f json --input log "$T/notes.txt"
is "$rc" 3 "--input log on text without a log record: exit 3"
check "--input log on text without a log record: stderr says no line is a log record" \
    grep -q -F "notes.txt: no line is a record of any known ejabberd log era (E0-E8; 2 lines read)" "$T/forcedtext.err"
is "$(q "$T/forcedtext.out" 'd["inputs"][0]["type"]')" ejabberd-log "--input log on text without a log record: read as a log (type ejabberd-log)"
# --input log on a log whose first 100 lines are a preamble: read (detection alone refuses it)
{ i=0; while [ $i -lt 100 ]; do echo "  preamble line $i"; i=$((i + 1)); done; cat "$src"; } >"$T/preamble.log"
xf preamble "$T/preamble.log"
is "$rc" 3 "a log after a 100-line preamble, detected: exit 3 (not recognised)"
xf preamble -f json --input log "$T/preamble.log"
is "$rc/$(outcomes_of "$T/preamble.out")" 0/established "the same with --input log: exit 0, its session"

# ---- pcapng that libpcap refuses ---------------------------------------------------------

# capedit MODE IN OUT: a real capture rewritten (tests/e2e/capedit.py says how)
capedit() { python3 "$E2E_DIR/capedit.py" "$@"; }
plain="$TESTDATA/plain-no-tls/capture.pcap"
xf plain -f json "$plain"
same_sessions() { [ "$(q "$1" "$sessions_no_input")" = "$(q "$T/plain.out" "$sessions_no_input")" ]; }
input_errors() { q "$1" '" | ".join("%s:%s" % (e.get("packet", "-"), e["message"]) for e in d["inputs"][0]["errors"])'; }

# Ethernet and USER0 interfaces in one file: libpcap read 0 packets (exit 0, no session)
capedit ng-mixed "$plain" "$T/mixed.pcapng"
xf ngmixed -f json "$T/mixed.pcapng"
is "$rc" 0 "pcapng with an Ethernet and a USER0 interface: exit 0"
check "pcapng with an Ethernet and a USER0 interface: the Ethernet packets give plain-no-tls's session" \
    same_sessions "$T/ngmixed.out"
is "$(q "$T/ngmixed.out" 'd["inputs"][0]["packets"]')" 58 "pcapng with an Ethernet and a USER0 interface: 58 packets"
is "$(input_errors "$T/ngmixed.out")" "2:29 packets skipped: link type 147 is not supported" \
    "pcapng with an Ethernet and a USER0 interface: one error counts the skipped USER0 packets, from packet 2"
check "pcapng with an Ethernet and a USER0 interface: stderr says so, in one line" \
    sh -c '[ "$(grep -c "skipped" "$1")" -eq 1 ] && grep -q -F "mixed.pcapng: 29 packets skipped: link type 147" "$1"' sh "$T/ngmixed.err"
check "pcapng with an Ethernet and a USER0 interface: the report is schema-valid" validate "$T/ngmixed.out" json
# the USER0 interface alone: nothing can be read, exit 3
capedit ng-user0 "$plain" "$T/user0.pcapng"
xf nguser0 -f json "$T/user0.pcapng"
is "$rc" 3 "pcapng whose only interface is USER0: exit 3"
check "pcapng whose only interface is USER0: stderr says the link type is not supported" \
    grep -q -F "user0.pcapng: 29 packets skipped: link type 147 is not supported" "$T/nguser0.err"

# packets before the interface description: libpcap refused the file (exit 3, 0 packets)
capedit ng-early "$plain" "$T/early.pcapng"
xf ngearly -f json "$T/early.pcapng"
is "$rc" 0 "pcapng with 3 packets before its interface description: exit 0"
is "$(input_errors "$T/ngearly.out")" \
    "1:3 packets skipped: no interface description block before them (interface 0)" \
    "pcapng with 3 packets before its interface description: one error counts them, from packet 1"
is "$(q "$T/ngearly.out" '[d["inputs"][0]["packets"], [s["outcome"] for s in d["sessions"]]]')" '[29, ["established"]]' \
    "pcapng with 3 packets before its interface description: the other 26 give the login"
capedit ng-noidb "$plain" "$T/noidb.pcapng"
xf ngnoidb -f json "$T/noidb.pcapng"
is "$rc" 3 "pcapng without any interface description: exit 3 (nothing could be read)"
check "pcapng without any interface description: stderr says why" \
    grep -q -F "noidb.pcapng: 29 packets skipped: no interface description block before them (interface 0)" "$T/ngnoidb.err"

# an option in the interface description that runs 64 KiB past its block: libpcap refused the file
capedit ng-hostile "$plain" "$T/hostile.pcapng"
xf nghostile -f json "$T/hostile.pcapng"
is "$rc" 0 "pcapng with a hostile option in its interface description: exit 0"
check "pcapng with a hostile option in its interface description: plain-no-tls's session" same_sessions "$T/nghostile.out"
case $(input_errors "$T/nghostile.out") in
"-:1 interface description with an option that runs past the end of its block"*) ok "pcapng with a hostile option: the option is reported" ;;
*) not_ok "pcapng with a hostile option: the option is reported"; diag "$(input_errors "$T/nghostile.out")" ;;
esac
check "pcapng with a hostile option: the report (an error with an offset) is schema-valid" validate "$T/nghostile.out" json

# ---- IP fragments ---------------------------------------------------------------------

# every segment with more than 64 bytes of IP payload sent in 48-byte IP fragments: they
# were dropped (the login lost its <auth>); now put back together, the same session
capedit frag4 "$plain" "$T/frag4.pcap"
xf frag4 -f json "$T/frag4.pcap"
is "$rc/$(input_errors "$T/frag4.out")" 0/ "IPv4 fragments (last first): exit 0, no input error"
check "IPv4 fragments (last first): the same session as unfragmented (its PLAIN <auth> too)" same_sessions "$T/frag4.out"
v6="$TESTDATA/ipv6-starttls-plain/capture.pcap"
xf v6 -f json "$v6"
capedit frag6 "$v6" "$T/frag6.pcap"
xf frag6 -f json "$T/frag6.pcap"
is "$rc/$(input_errors "$T/frag6.out")" 0/ "IPv6 fragments: exit 0, no input error"
check "IPv6 fragments: the same session as unfragmented" \
    test "$(q "$T/frag6.out" "$sessions_no_input")" = "$(q "$T/v6.out" "$sessions_no_input")"
# damaged fragments: the datagram is dropped and counted, never guessed
capedit frag4-overlap "$plain" "$T/overlap.pcap"
xf overlap -f json "$T/overlap.pcap"
is "$rc" 0 "IPv4 fragments overlapping with other bytes: exit 0"
case $(input_errors "$T/overlap.out") in
[0-9]*":14 fragmented IP datagrams dropped: overlapping fragments with different bytes") ok "IPv4 fragments overlapping with other bytes: one error counts the 14 datagrams" ;;
*) not_ok "IPv4 fragments overlapping with other bytes: one error counts the 14 datagrams"; diag "$(input_errors "$T/overlap.out")" ;;
esac
capedit frag4-lost "$plain" "$T/lost.pcap"
xf lost -f json "$T/lost.pcap"
case $(input_errors "$T/lost.out") in
[0-9]*":14 fragmented IP datagrams dropped: fragments missing"*) ok "IPv4 fragments with one missing per datagram: one error counts the 14 datagrams" ;;
*) not_ok "IPv4 fragments with one missing per datagram: one error counts the 14 datagrams"; diag "$(input_errors "$T/lost.out")" ;;
esac
check "IPv4 fragments with one missing: stderr says so in one line" \
    sh -c '[ "$(grep -c fragment "$1")" -eq 1 ]' sh "$T/lost.err"
# 50000 fragments of different datagrams, none ever complete, each at 64000 bytes into its
# datagram (the most a datagram in reassembly can hold): bounded time and memory
py 'import struct, sys
eth = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
for i in range(50000):
    payload = bytes(200)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), i & 0xFFFF, 0x2000 | 8000, 64, 6, 0,
                     bytes([10, 0, (i >> 16) & 255, 1]), bytes([10, 0, 0, 2]))
    frame = eth + ip + payload
    out.append(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(frame), len(frame)) + frame)
open(sys.argv[1], "wb").write(b"".join(out))' "$T/fragflood.pcap"
rc=0
if [ -z "$VALGRIND" ] && /usr/bin/time -f '%M' true >/dev/null 2>&1; then
    start=$(date +%s)
    /usr/bin/time -f '%M' -o "$T/fragflood.rss" timeout "$XF_TIMEOUT" "$XMPPFLOW" -f json "$T/fragflood.pcap" \
        >"$T/fragflood.out" 2>"$T/fragflood.err" || rc=$?
    secs=$(($(date +%s) - start))
    kb=$(tail -n 1 "$T/fragflood.rss")
    check "50000 fragments (12 MB): done in under 30 s (${secs}s)" test "$secs" -lt 30
    # AddressSanitizer keeps freed memory in quarantine (256 MB by default): a looser bound
    limit=65536
    if grep -q -a __asan_init "$XMPPFLOW"; then limit=262144; fi
    check "50000 fragments: max RSS under $((limit / 1024)) MB ($kb kB)" test "$kb" -lt "$limit"
else
    xf fragflood -f json "$T/fragflood.pcap"
    skip "50000 fragments: done in under 30 s" "under VALGRIND or without GNU time"
    skip "50000 fragments: max RSS under 64 MB" "under VALGRIND or without GNU time"
fi
is "$rc" 0 "50000 fragments: exit 0"
case $(input_errors "$T/fragflood.out") in
*"fragmented IP datagrams dropped: more than 64 datagrams in reassembly at once"*) ok "50000 fragments: the table overflow is counted" ;;
*) not_ok "50000 fragments: the table overflow is counted"; diag "$(input_errors "$T/fragflood.out")" ;;
esac

# ---- gzip damage ---------------------------------------------------------------------

gzip -9 -c "$src" >"$T/full.gz"
size=$(wc -c <"$T/full.gz" | tr -d ' ')
head -c $((size / 2)) "$T/full.gz" >"$T/truncated.log.gz"
xf tgz -f json "$T/truncated.log.gz"
no_crash "a truncated .gz"
case $rc in 0 | 3) ok "a truncated .gz: exit 0 or 3 ($rc)" ;; *) not_ok "a truncated .gz: exit 0 or 3 ($rc)" ;; esac
n=$(q "$T/tgz.out" 'len(d["inputs"][0]["errors"])')
if [ "$n" != "?" ] && [ "$n" -ge 1 ]; then
    ok "a truncated .gz: reported in inputs[].errors ($(errors_of "$T/tgz.out"))"
else
    not_ok "a truncated .gz: reported in inputs[].errors"
fi
check "a truncated .gz: stderr names the file" grep -q -F "truncated.log.gz" "$T/tgz.err"
is "$(q "$T/tgz.out" 'd["inputs"][0]["lines"] > 0 and len(d["sessions"]) == 1')" true \
    "a truncated .gz: what could be read is reported"

cp "$T/full.gz" "$T/corrupt.log.gz"
printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of="$T/corrupt.log.gz" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
xf cgz -f json "$T/corrupt.log.gz"
no_crash "a .gz with damaged bytes in the middle"
n=$(q "$T/cgz.out" 'len(d["inputs"][0]["errors"])')
if [ "$n" != "?" ] && [ "$n" -ge 1 ]; then
    ok "a damaged .gz: reported in inputs[].errors ($(errors_of "$T/cgz.out"))"
else
    not_ok "a damaged .gz: reported in inputs[].errors"
fi
check \
    "a damaged .gz: the message does not show zlib's internal <fd:N> name" \
    sh -c '! grep -q "<fd:" "$1"' sh "$T/cgz.err"
check \
    "a damaged .gz: what could be read before the damage is reported" \
    test "$(q "$T/cgz.out" 'len(d["sessions"])')" = 1

# ---- huge and deep elements ---------------------------------------------------------

# big_log OUT BYTES: starttls-plain-ok with a <message/> of BYTES after bind
big_log() {
    {
        sed -n 1,44p "$src"
        printf '%s' "2026-11-25 14:49:06.404370+00:00 [notice] <0.509.0> (tls|<0.509.0>) Received XML on stream = <<\"<message to='bob@xmppflow.test' type='chat'><body>"
        head -c "$2" /dev/zero | tr '\0' 'A'
        printf '%s\n' "</body></message>\">>"
        sed -n '45,$p' "$src"
    } >"$1"
}

big_log "$T/2mb.log" 2000000
xf 2mb -f json "$T/2mb.log"
no_crash "a 2 MB element"
is "$rc/$(outcomes_of "$T/2mb.out")" 0/established "a 2 MB element: exit 0, the login is still established"
check "a 2 MB element (above the 1 MiB default cap): an oversize-element event" \
    has_event "$T/2mb.out" oversize-element
xf 2mbok -f json --max-element 4000000 "$T/2mb.log"
if has_event "$T/2mbok.out" oversize-element; then
    not_ok "--max-element 4000000 lets the 2 MB element through"
else
    ok "--max-element 4000000 lets the 2 MB element through"
fi

big_log "$T/50mb.log" 52428800
have_time=false
if /usr/bin/time -v true >/dev/null 2>&1; then have_time=true; fi
rc=0
start=$(date +%s)
if $have_time && [ -z "$VALGRIND" ]; then
    timeout "$XF_TIMEOUT" /usr/bin/time -v -o "$T/50mb.time" "$XMPPFLOW" -f json "$T/50mb.log" \
        >"$T/50mb.out" 2>"$T/50mb.err" || rc=$?
else
    xf 50mb -f json "$T/50mb.log"
fi
secs=$(($(date +%s) - start))
no_crash "a 50 MB element (${secs}s)"
is "$rc/$(outcomes_of "$T/50mb.out")" 0/established "a 50 MB element: exit 0, the login is still established"
# Either the framer skips it (oversize-element) or the log reader cuts the
# record first (a gap, and an input error on that line saying it is too long).
if has_event "$T/50mb.out" oversize-element ||
    { has_event "$T/50mb.out" gap && errors_of "$T/50mb.out" | grep -q -E '(^| )45:[^|]*(longer|large|size|MiB)'; }; then
    ok "a 50 MB element: reported as oversize (oversize-element, or a gap and an input error on line 45)"
else
    not_ok "a 50 MB element: reported as oversize (oversize-element, or a gap and an input error on line 45)"
    diag "events: $(events_of "$T/50mb.out" | tr ' ' '\n' | sort | uniq -c | tr -s ' \n' '  ')"
    diag "input errors: $(errors_of "$T/50mb.out")"
fi
check "a 50 MB element: the report is small (no copy of the element)" \
    test "$(wc -c <"$T/50mb.out")" -lt 1000000
if $have_time && [ -z "$VALGRIND" ] && [ -f "$T/50mb.time" ]; then
    kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$T/50mb.time")
    limit=204800
    check "a 50 MB element: peak RSS $((kb / 1024)) MB < $((limit / 1024)) MB" test "$kb" -lt "$limit"
else
    skip "a 50 MB element: peak RSS < 200 MB" "no /usr/bin/time, or running under \$VALGRIND"
fi

# 100000 nested elements inside one stanza: bounded by the depth cap, no stack overflow
{
    sed -n 1,44p "$src"
    printf '%s' "2026-11-25 14:49:06.404370+00:00 [notice] <0.509.0> (tls|<0.509.0>) Received XML on stream = <<\"<message to='bob@xmppflow.test'>"
    head -c 100000 /dev/zero | tr '\0' 'x' | sed 's/x/<a>/g'
    head -c 100000 /dev/zero | tr '\0' 'x' | sed 's#x#</a>#g'
    printf '%s\n' "</message>\">>"
    sed -n '45,$p' "$src"
} >"$T/deep.log"
xf deep -f json "$T/deep.log"
no_crash "100000 nested elements"
is "$rc/$(outcomes_of "$T/deep.out")" 0/established "100000 nested elements: exit 0, the login is still established"
if has_event "$T/deep.out" oversize-element || has_event "$T/deep.out" xml-error; then
    ok "100000 nested elements: an oversize-element or xml-error event"
else
    not_ok "100000 nested elements: an oversize-element or xml-error event"
fi

# ---- entity attacks --------------------------------------------------------------------

start=$(date +%s)
xf bomb -f json "$BAD/handmade-xml-bomb.log"
secs=$(($(date +%s) - start))
no_crash "billion laughs"
is "$rc" 0 "billion laughs: exit 0"
check "billion laughs: finishes in < 10 s (${secs}s)" test "$secs" -lt 10
is "$(q "$T/bomb.out" 'len(d["sessions"])')" 2 "billion laughs: both connections are reported"
is "$(q "$T/bomb.out" 'all(any(p["event"] == "xml-error" for p in s["phases"]) for s in d["sessions"])')" true \
    "billion laughs: each connection has an xml-error event"
check "billion laughs: no entity was expanded" sh -c '! grep -q "lollollol" "$1"' sh "$T/bomb.out"
check "billion laughs: the report is small" test "$(wc -c <"$T/bomb.out")" -lt 200000
check "billion laughs: the report is schema-valid" validate "$T/bomb.out" json
xf bombtext "$BAD/handmade-xml-bomb.log"
check "billion laughs (text): no entity was expanded" sh -c '! grep -q "lollollol" "$1"' sh "$T/bombtext.out"

xf xxe -f json "$BAD/handmade-xxe.log"
no_crash "external entities"
is "$rc" 0 "external entities: exit 0"
check "external entities: an xml-error event" has_event "$T/xxe.out" xml-error
check "external entities: /etc/passwd was not read" sh -c '! grep -q "root:" "$1"' sh "$T/xxe.out"
host=$(cat /etc/hostname 2>/dev/null || true)
if [ "${#host}" -ge 6 ] && ! grep -q -F "$host" "$BAD/handmade-xxe.log"; then
    check "external entities: /etc/hostname was not read" \
        sh -c '! grep -q -F "$1" "$2"' sh "$host" "$T/xxe.out"
fi

done_testing
