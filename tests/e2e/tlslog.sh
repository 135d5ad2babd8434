#!/bin/sh
# tlslog.sh: with its key log, each real ejabberd TLS run (testdata/tls*/) reads
# like its debug-level server log (issue 15's "done when"): the same sessions,
# users, mechanisms, outcomes, JIDs and phase sequence. Left out of the sequence
# are the events only one side can see: the capture's tcp-*, tls-*, gap and
# ws-upgrade / ws-close-frame (HTTP upgrade and WebSocket framing below XMPP),
# the log's log-auth-* records. The differences that are real are named below
# with their reason. Golden reports of two decrypted runs: expected-keylog.*.
. "$(dirname "$0")/lib.sh"

if ! "$XMPPFLOW" --version | grep -q 'key log (--keylog): available'; then
    skip "tlslog" "a build without OpenSSL cannot decrypt"
    done_testing
fi

DROP='tcp-.*|tls-.*|gap|ws-upgrade|ws-close-frame|log-auth-.*'

# facts FILE [TLSFACTS]: one line per session that is not opaque: user, domain,
# mechanism, outcome, JID (and TLS negotiated / before auth when asked), then the
# XMPP phase sequence
facts() {
    py '
import json, re, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
drop = re.compile(sys.argv[2])
for s in d["sessions"]:
    if s["outcome"] == "opaque":
        continue
    t = s.get("tls") or {}
    tls = " tls=%s/%s" % (t.get("negotiated"), t.get("before_auth")) if sys.argv[3] == "1" else ""
    print(s["user"], s["domain"], (s.get("auth") or {}).get("mechanism"), s["outcome"], s["jid"] + tls,
          " ".join(p["dir"] + ":" + p["event"] for p in s["phases"] if not drop.fullmatch(p["event"])))
' "$1" "$DROP" "${2:-1}" 2>/dev/null || echo "?"
}

for dir in "$TESTDATA"/tls-* "$TESTDATA"/tls1[23]-*; do
    [ -f "$dir/keylog.txt" ] && [ -f "$dir/ejabberd.log" ] || continue
    case $dir in *tls-wrong-secret) continue ;; esac # nothing decrypts: tls.sh checks it is said
    name=${dir##*/}
    xf "$name-cap" -f json --keylog "$dir/keylog.txt" "$dir/capture.pcap"
    is "$rc" 0 "$name: the decrypted capture, exit 0"
    xf "$name-log" -f json "$dir/ejabberd.log"
    is "$rc" 0 "$name: the log, exit 0"
    # TLS negotiated and before auth too: for BOSH and WSS the log knows it from
    # its HTTP handler's socket ({tlssock,...} in the http query lines)
    tlsfacts=1
    cap=$(facts "$T/$name-cap.out" $tlsfacts)
    log=$(facts "$T/$name-log.out" $tlsfacts)
    is "$(jq_py "$T/$name-cap.out" 'len(d["sessions"])')" "$(jq_py "$T/$name-log.out" 'len(d["sessions"])')" \
        "$name: as many sessions as the log's"
    case $name in
    tls-missing-key)
        # the second connection's key is not in the key log: that session is opaque
        # (tls.sh checks it is said); the log reads it, so it alone is left out here
        is "$(jq_py "$T/$name-cap.out" '[x["decryption"].get("opaque") for x in d["sessions"]]')" \
            '[null, "no-key"]' "$name: the unkeyed session is opaque (no-key), the keyed one decrypted"
        log=$(printf '%s\n' "$log" | head -1)
        cap=$(printf '%s\n' "$cap" | head -1)
        ;;
    tls12-chacha)
        # the client sent its roster <iq/> right after its <presence/>, before the
        # server's presence reached the wire; ejabberd logs a received stanza when
        # it handles it, after it sent its presence. The wire order is the capture's.
        cap=$(printf '%s\n' "$cap" | sed 's/C:stanza:iq S:stanza:presence/S:stanza:presence C:stanza:iq/')
        ;;
    esac
    same_seq "$cap" "$log" "$name: the same users, mechanisms, outcomes, JIDs and phase sequence as the log"
done

# ---- golden reports of two decrypted runs -------------------------------------
for name in tls-starttls13 tls-starttls12; do
    for fmt in text json; do
        ext=$([ $fmt = text ] && echo txt || echo json)
        # rendered as update-golden.sh does: from the scenario, version masked
        (cd "$TESTDATA/$name" && render_golden $fmt "$T/gold.out" "$T/gold.err" capture.pcap --keylog keylog.txt)
        if cmp -s "$T/gold.out" "$TESTDATA/$name/expected-keylog.$ext"; then
            ok "$name: the decrypted report is expected-keylog.$ext"
        else
            not_ok "$name: the decrypted report is expected-keylog.$ext"
            diff -u "$TESTDATA/$name/expected-keylog.$ext" "$T/gold.out" >"$T/gold.diff" || true
            diag_file "$T/gold.diff" 30
        fi
    done
done

done_testing
