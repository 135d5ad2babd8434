#!/bin/bash
# make-testdata.sh -- regenerate the xmppflow test data under testdata/.
#
# Run as root on Debian 12 (bookworm):   sudo ./testdata/make-testdata.sh
#
# What it does
#   * installs (if missing) ejabberd python3-slixmpp go-sendxmpp tcpdump openssl
#     tshark (for dumpcap, which writes pcapng) python3-websockets
#   * starts a PRIVATE ejabberd 23.01 node (xmppflow-test@localhost) whose
#     config, spool (mnesia) and log directories live in a temporary
#     directory; it listens on 127.0.0.1:5222 and [::1]:5222 only (c2s,
#     optional STARTTLS, self-signed certificate for xmppflow.test), plus a
#     third c2s listener on 127.0.0.1:5322 with starttls_required: true (used
#     by starttls-required-refusal only), and an HTTP listener
#     (ejabberd_http) on 127.0.0.1:5280 with BOSH (XEP-0124/0206) on /bosh
#     and XMPP over WebSocket (RFC 7395) on /ws, without TLS (used by
#     the bosh-* and websocket-* scenarios only; websocket-deflate goes
#     through a python3-websockets relay on 127.0.0.2:5280 that speaks
#     permessage-deflate, which ejabberd 23.01 does not).  In-band registration (XEP-0077) is
#     open to loopback clients, with or without TLS, and without the
#     per-IP registration_timeout.  The system-wide ejabberd (/etc/ejabberd,
#     /var/lib/ejabberd, "service ejabberd") is never used.
#   * registers the test users (see the table below / PASSWORDS.md)
#   * runs each scenario separately and, for each, writes
#        testdata/<scenario>/ejabberd.log   log lines written during the scenario
#        testdata/<scenario>/capture.pcap   tcpdump -i lo 'tcp port 5222'
#        testdata/<scenario>/README         one-paragraph description
#     (a few scenarios capture differently: pcapng-scram writes
#     capture.pcapng with dumpcap, sll-plain-no-tls captures on 'any' in the
#     Linux cooked v1 and v2 link types, ipv6-starttls-plain (client on ::1,
#     second c2s listener on [::1]:5222) also keeps a gzipped copy,
#     starttls-required-refusal captures 'tcp port 5322', the bosh-* and
#     websocket-* scenarios capture 'tcp port 5280' (websocket-deflate only
#     'host 127.0.0.2 and tcp port 5280': the client-relay connection); see
#     run_scenario's CAP_* options below)
#   * stops everything it started (by pid) and removes the temp dir.
#
# Test accounts (host xmppflow.test); tests grep outputs for these strings:
#   alice@xmppflow.test   Wonderland-Secret-1
#   bob@xmppflow.test     Builder-Secret-2
#   wrong password used in scenarios wrong-password and bosh-wrong-password:
#                                                    Not-Alices-Password-9
#   unknown user used in scenario unknown-user:  mallory@xmppflow.test / Mallory-Guess-3
#   carol@xmppflow.test   Carol-Register-4   created by in-band registration over
#                                            STARTTLS (scenario ibr-register)
#   dave@xmppflow.test    Dave-Register-5    created by in-band registration
#                                            without TLS (scenario ibr-register-no-tls)
#   wrong password for bob in scenarios legacy-auth-error and
#   websocket-wrong-password:                        Bob-Wrong-6
#   made-up password of alice in the hand-made logs of testdata/violations
#   (not used here, only listed in PASSWORDS.md):  Handmade-Secret-0
#
# Options (environment):
#   KEEP_WORKDIR=1   keep the temporary ejabberd directory (for debugging)
#   SCENARIOS="a b"  only (re)generate these scenarios
#
# Derived captures (split, reordered, damaged, other link types) are made
# from these real ones by testdata/make-derived.py (no root, no ejabberd).
set -euo pipefail

OUTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XMPP_HOST=xmppflow.test
NODE=xmppflow-test@localhost
PORT=5222
ALICE_PASS='Wonderland-Secret-1'
BOB_PASS='Builder-Secret-2'
WRONG_PASS='Not-Alices-Password-9'
MALLORY_PASS='Mallory-Guess-3'
CAROL_PASS='Carol-Register-4'      # in-band registration (ibr-register)
DAVE_PASS='Dave-Register-5'        # in-band registration without TLS (ibr-register-no-tls)
BOB_WRONG_PASS='Bob-Wrong-6'       # legacy-auth-error
HANDMADE_PASS='Handmade-Secret-0'  # never on the server: testdata/violations/make-violations.py's
                                   # made-up password, listed in PASSWORDS.md for the leak tests
TLSREQ_PORT=5322                   # c2s listener with starttls_required: true
HTTP_PORT=5280                     # ejabberd_http: BOSH on /bosh, WebSocket on /ws
DIRECT_TLS_PORT=5223               # c2s with direct TLS (tls: true; correlate and tls-direct5223)
HTTPS_PORT=5443                    # ejabberd_http with tls: true (tls-bosh-https, tls-wss)
PY=/usr/bin/python3          # Debian's python (has python3-slixmpp), not a pyenv shim

ALL_SCENARIOS="utf8-message starttls-plain-ok plain-no-tls scram-sha1-ok scram-sha256-ok digest-md5-ok
drop-after-login wrong-password unknown-user disconnect-mid-sasl legacy-auth-no-tls go-sendxmpp
concurrent ipv6-starttls-plain pcapng-scram sll-plain-no-tls
scram-sha256-plus ibr-register ibr-register-no-tls sm-resume stream-error-conflict
starttls-required-refusal legacy-auth-error bosh-plain websocket-plain
bosh-two-connections bosh-scram bosh-wrong-password bosh-bad-rid bosh-expired-sid bosh-server-terminate
websocket-deflate websocket-deflate-declined websocket-scram websocket-wrong-password websocket-no-subprotocol
loglevels correlate rotated
tls-starttls13 tls-starttls12 tls-direct5223 tls-missing-key tls-wrong-secret tls-bosh-https tls-wss
tls13-aes128 tls13-chacha tls12-chacha tls-scram-plus"
SCENARIOS=${SCENARIOS:-$ALL_SCENARIOS}

log() { printf '>>> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must be run as root (ejabberdctl switches to user ejabberd, tcpdump needs root)"

# ---------------------------------------------------------------- packages
need_pkgs=()
for p in ejabberd python3-slixmpp go-sendxmpp tcpdump openssl tshark python3-websockets; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Do not let the package's postinst start the system-wide ejabberd.
    policy_rc_created=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_rc_created=1
    fi
    apt-get update
    apt-get install -y "${need_pkgs[@]}" || { [ -n "$policy_rc_created" ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
    [ -n "$policy_rc_created" ] && rm -f /usr/sbin/policy-rc.d
fi
ejabberd_version=$(dpkg-query -W -f='${Version}' ejabberd)
case $ejabberd_version in
    23.01*) ;;
    *) log "WARNING: ejabberd $ejabberd_version, test data was designed for 23.01";;
esac

# ---------------------------------------------------------------- workdir
WORK=$(mktemp -d /tmp/xmppflow-testdata.XXXXXX)
CONF=$WORK/conf SPOOL=$WORK/spool LOGS=$WORK/logs CLIENTS=$WORK/clients
mkdir -p "$CONF" "$SPOOL" "$LOGS" "$CLIENTS"
EJLOG=$LOGS/ejabberd.log
PIDFILE=$WORK/ejabberd.pid

EJ_PID=
CAP_PIDS=()
BG_PIDS=()

cleanup() {
    local rc=$?
    set +e
    for p in "${CAP_PIDS[@]}"; do
        kill -0 "$p" 2>/dev/null && { kill -INT "$p"; wait "$p" 2>/dev/null; }
    done
    for p in "${BG_PIDS[@]}"; do
        kill -0 "$p" 2>/dev/null && kill "$p" 2>/dev/null
    done
    if [ -n "$EJ_PID" ] && kill -0 "$EJ_PID" 2>/dev/null; then
        log "stopping private ejabberd (pid $EJ_PID)"
        timeout 30 "${EJCTL[@]}" stop >/dev/null 2>&1
        for _ in $(seq 1 40); do kill -0 "$EJ_PID" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$EJ_PID" 2>/dev/null; then
            log "ejabberd pid $EJ_PID still alive, sending SIGTERM"
            kill "$EJ_PID"; sleep 2
            kill -0 "$EJ_PID" 2>/dev/null && kill -KILL "$EJ_PID"
        fi
    fi
    # The beam was started -detached, its helper processes (erl_child_setup,
    # inet_gethost) die with it.  epmd is shared with the system, leave it.
    if [ -z "${KEEP_WORKDIR:-}" ]; then
        rm -rf "$WORK"
    else
        log "work directory kept: $WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- certificate
log "generating self-signed certificate for $XMPP_HOST"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
    -keyout "$CONF/key.pem" -out "$CONF/cert.pem" \
    -subj "/CN=$XMPP_HOST" \
    -addext "subjectAltName=DNS:$XMPP_HOST,DNS:*.$XMPP_HOST" 2>/dev/null
cat "$CONF/cert.pem" "$CONF/key.pem" > "$CONF/$XMPP_HOST.pem"
rm -f "$CONF/key.pem"

# ---------------------------------------------------------------- ejabberd config
cat > "$CONF/ejabberd.yml" <<EOF
# private ejabberd instance for xmppflow test data (generated by make-testdata.sh)
loglevel: debug
log_rotate_count: 0
log_rotate_size: infinity
log_burst_limit_count: 1000000
log_burst_limit_window_time: 1
hide_sensitive_log_data: false

hosts:
  - "$XMPP_HOST"

certfiles:
  - "$CONF/$XMPP_HOST.pem"

acme:
  auto: false

auth_method: internal
auth_password_format: plain
# in-band registration (mod_register): no minimum delay between two
# registrations from the same IP address (default 600 s), so that
# ibr-register and ibr-register-no-tls can both run in one go
registration_timeout: infinity
# nothing disabled: PLAIN, DIGEST-MD5, SCRAM-SHA-1/256/512 are all offered
disable_sasl_mechanisms: []

listen:
  -
    port: $PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    access: c2s
    shaper: none
    starttls: true
    starttls_required: false
  -
    port: $PORT
    ip: "::1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    access: c2s
    shaper: none
    starttls: true
    starttls_required: false
  -
    # STARTTLS is mandatory here (scenario starttls-required-refusal only)
    port: $TLSREQ_PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    access: c2s
    shaper: none
    starttls: true
    starttls_required: true
  -
    # direct TLS (XEP-0368 style, no STARTTLS; scenario correlate only)
    port: $DIRECT_TLS_PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    access: c2s
    shaper: none
    tls: true
  -
    # BOSH and XMPP over WebSocket, plain HTTP (bosh-plain, websocket-plain)
    port: $HTTP_PORT
    ip: "127.0.0.1"
    module: ejabberd_http
    tls: false
    request_handlers:
      /bosh: mod_bosh
      /ws: ejabberd_http_ws
  -
    # BOSH and XMPP over WebSocket inside TLS (tls-bosh-https, tls-wss)
    port: $HTTPS_PORT
    ip: "127.0.0.1"
    module: ejabberd_http
    tls: true
    request_handlers:
      /bosh: mod_bosh
      /ws: ejabberd_http_ws

s2s_access: none

acl:
  loopback:
    ip:
      - 127.0.0.0/8
      - ::1/128

access_rules:
  local:
    allow: all
  c2s:
    allow: all
  register:
    allow: all
  trusted_network:
    allow: loopback

api_permissions:
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"

shaper_rules:
  max_user_sessions: 10

modules:
  mod_bosh: {}
  mod_disco: {}
  mod_caps: {}
  mod_legacy_auth: {}
  mod_ping: {}
  mod_register:
    ip_access: trusted_network
    access: register
  mod_roster:
    versioning: true
  mod_stream_mgmt: {}
EOF

# ejabberdctl sources <config-dir>/ejabberdctl.cfg: keep Erlang distribution on
# loopback and use a private cookie, so the system ejabberd cookie is not used.
cat > "$CONF/ejabberdctl.cfg" <<EOF
ERLANG_NODE=$NODE
INET_DIST_INTERFACE=127.0.0.1
ERL_OPTIONS="-setcookie xmppflow-testdata-cookie"
EOF

# resolver config for the Erlang VM (ejabberdctl points ERL_INETRC here)
cat > "$CONF/inetrc" <<'EOF'
{lookup,["file","native"]}.
{host,{127,0,0,1}, ["localhost"]}.
{file, resolv, "/etc/resolv.conf"}.
EOF

chown -R ejabberd:ejabberd "$WORK"
chmod 750 "$WORK"

EJCTL=(ejabberdctl --config-dir "$CONF" --config "$CONF/ejabberd.yml"
       --ctl-config "$CONF/ejabberdctl.cfg" --logs "$LOGS" --spool "$SPOOL" --node "$NODE")

# ---------------------------------------------------------------- start ejabberd
for p in "$PORT" "$TLSREQ_PORT" "$DIRECT_TLS_PORT" "$HTTP_PORT" "$HTTPS_PORT"; do
    if ss -ltn "( sport = :$p )" | grep -q LISTEN; then
        die "something already listens on port $p (system ejabberd?); refusing to continue"
    fi
done
log "starting private ejabberd node $NODE in $WORK"
export EJABBERD_PID_PATH=$PIDFILE
"${EJCTL[@]}" start
for _ in $(seq 1 60); do [ -s "$PIDFILE" ] && break; sleep 0.5; done
[ -s "$PIDFILE" ] || die "ejabberd did not write its pid file; see $LOGS"
EJ_PID=$(cat "$PIDFILE")
log "ejabberd beam pid $EJ_PID"
started=
for _ in $(seq 1 60); do
    kill -0 "$EJ_PID" 2>/dev/null || { cat "$LOGS"/*.log >&2; die "ejabberd died during start-up"; }
    if "${EJCTL[@]}" status >/dev/null 2>&1; then started=1; break; fi
    sleep 1
done
[ -n "$started" ] || die "ejabberd did not start; see $LOGS"
for _ in $(seq 1 40); do
    ss -ltn "( sport = :$PORT )" | grep -q LISTEN && break; sleep 0.5
done
ss -ltn "( sport = :$PORT )" | grep -q "127.0.0.1:$PORT" || die "ejabberd is not listening on 127.0.0.1:$PORT"
ss -ltn "( sport = :$PORT )" | grep -q "\[::1\]:$PORT" || die "ejabberd is not listening on [::1]:$PORT"
ss -ltn "( sport = :$TLSREQ_PORT )" | grep -q "127.0.0.1:$TLSREQ_PORT" ||
    die "ejabberd is not listening on 127.0.0.1:$TLSREQ_PORT"
ss -ltn "( sport = :$HTTP_PORT )" | grep -q "127.0.0.1:$HTTP_PORT" ||
    die "ejabberd is not listening on 127.0.0.1:$HTTP_PORT"
ss -ltn "( sport = :$DIRECT_TLS_PORT )" | grep -q "127.0.0.1:$DIRECT_TLS_PORT" ||
    die "ejabberd is not listening on 127.0.0.1:$DIRECT_TLS_PORT"
ss -ltn "( sport = :$HTTPS_PORT )" | grep -q "127.0.0.1:$HTTPS_PORT" ||
    die "ejabberd is not listening on 127.0.0.1:$HTTPS_PORT"

"${EJCTL[@]}" register alice "$XMPP_HOST" "$ALICE_PASS"
"${EJCTL[@]}" register bob "$XMPP_HOST" "$BOB_PASS"

# ---------------------------------------------------------------- clients
cat > "$CLIENTS/slixclient.py" <<'EOF'
#!/usr/bin/python3
"""Minimal slixmpp login client used by make-testdata.sh."""
import argparse, asyncio, logging, ssl, sys
import slixmpp

ap = argparse.ArgumentParser()
ap.add_argument('--jid', required=True)
ap.add_argument('--host', default='127.0.0.1',
                help='server address to connect to (127.0.0.1 or ::1), port 5222')
ap.add_argument('--password', required=True)
ap.add_argument('--mech', default=None, help='force this SASL mechanism')
ap.add_argument('--no-tls', action='store_true', help='never do STARTTLS')
ap.add_argument('--port', type=int, default=5222)
ap.add_argument('--direct-tls', action='store_true',
                help='TLS from the first byte (a tls: true listener), no STARTTLS')
ap.add_argument('--keylog', default=None,
                help='append the TLS secrets of this client to FILE (NSS key log format)')
ap.add_argument('--tls-max', choices=('1.2', '1.3'), default=None,
                help='highest TLS version the client offers')
ap.add_argument('--ciphers', default=None,
                help='OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites: OPENSSL_CONF)')
ap.add_argument('--message-to', default=None)
ap.add_argument('--body', default='hello from xmppflow test', help='body of the message')
ap.add_argument('--send-delay', type=float, default=0.0,
                help='seconds to wait after login before sending the message')
ap.add_argument('--hold', type=float, default=0.5, help='seconds online before logout')
ap.add_argument('--abort', action='store_true',
                help='drop the TCP connection after login, without </stream:stream>')
ap.add_argument('--debug', action='store_true')
args = ap.parse_args()
logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                    format='%(levelname)-8s %(message)s')

outcome = {'auth': None}
xmpp = slixmpp.ClientXMPP(args.jid, args.password, sasl_mech=args.mech)
# the server certificate is self-signed: do not verify it
xmpp.ssl_context.check_hostname = False
xmpp.ssl_context.verify_mode = ssl.CERT_NONE
# slixmpp hands this context to loop.start_tls (STARTTLS) and to
# create_connection (direct TLS), so its key log callback sees every handshake
if args.keylog:
    xmpp.ssl_context.keylog_filename = args.keylog
if args.tls_max == '1.2':
    xmpp.ssl_context.maximum_version = ssl.TLSVersion.TLSv1_2
if args.ciphers:
    xmpp.ciphers = args.ciphers     # get_ssl_context() calls set_ciphers with it
if args.no_tls:
    # allow PLAIN / DIGEST-MD5 on a clear-text stream
    xmpp['feature_mechanisms'].unencrypted_plain = True
    xmpp['feature_mechanisms'].unencrypted_digest = True
# no reconnect attempts
xmpp.reconnect_max_attempts = 0

async def session_start(_):
    outcome['auth'] = 'ok'
    xmpp.send_presence()
    try:
        await xmpp.get_roster(timeout=5)
    except Exception as e:  # noqa
        print('roster failed:', e, file=sys.stderr)
    if args.message_to:
        await asyncio.sleep(args.send_delay)
        xmpp.send_message(mto=args.message_to, mbody=args.body, mtype='chat')
    await asyncio.sleep(args.hold)
    if args.abort:
        xmpp.abort()
    else:
        xmpp.disconnect()

def failed_auth(stanza):
    outcome['auth'] = 'failed'
    print('auth failed:', stanza['condition'], file=sys.stderr)

def failed_all_auth(_):
    # slixmpp itself closes the stream (</stream:stream>) after this event
    outcome['auth'] = 'failed'

xmpp.add_event_handler('session_start', session_start)
xmpp.add_event_handler('failed_auth', failed_auth)
xmpp.add_event_handler('failed_all_auth', failed_all_auth)

if args.direct_tls:
    xmpp.connect((args.host, args.port), use_ssl=True, disable_starttls=True)
else:
    xmpp.connect((args.host, args.port), force_starttls=not args.no_tls,
                 disable_starttls=args.no_tls)
try:
    xmpp.loop.run_until_complete(asyncio.wait_for(xmpp.disconnected, 30))
except asyncio.TimeoutError:
    print('timeout', file=sys.stderr)
    sys.exit(3)
print('auth:', outcome['auth'])
sys.exit(0 if outcome['auth'] == 'ok' else 1)
EOF

cat > "$CLIENTS/slixregister.py" <<'EOF'
#!/usr/bin/python3
"""slixmpp in-band registration (XEP-0077) client used by make-testdata.sh:
STARTTLS, <iq type='get'> jabber:iq:register, <iq type='set'> with the
username and password of JID, then </stream:stream> (no SASL login)."""
import argparse, asyncio, logging, ssl, sys
import slixmpp

ap = argparse.ArgumentParser()
ap.add_argument('--jid', required=True)
ap.add_argument('--password', required=True)
ap.add_argument('--debug', action='store_true')
args = ap.parse_args()
logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                    format='%(levelname)-8s %(message)s')

outcome = {'register': None}
xmpp = slixmpp.ClientXMPP(args.jid, args.password)
xmpp.ssl_context.check_hostname = False
xmpp.ssl_context.verify_mode = ssl.CERT_NONE
xmpp.reconnect_max_attempts = 0
# slixmpp 1.8.3 holds back every stanza but bind/session until the session
# has started ('NOT SENT' in its debug log), so the registration <iq/>s would
# never leave and ejabberd would close the idle stream after 30 s.  Let them
# through (the attribute slixmpp's own test suite sets).
xmpp._always_send_everything = True
xmpp.register_plugin('xep_0030')
xmpp.register_plugin('xep_0004')
xmpp.register_plugin('xep_0066')
xmpp.register_plugin('xep_0077')

async def register(form):
    # form: the server's answer to the registration <iq type='get'>
    resp = xmpp.Iq()
    resp['type'] = 'set'
    resp['register']['username'] = xmpp.boundjid.user
    resp['register']['password'] = xmpp.password
    try:
        await resp.send(timeout=10)
        outcome['register'] = 'ok'
    except slixmpp.exceptions.IqError as e:
        outcome['register'] = 'failed'
        print('registration failed:', e.iq['error']['condition'], file=sys.stderr)
    except slixmpp.exceptions.IqTimeout:
        outcome['register'] = 'timeout'
    # Close the stream right here: awaiting the disconnection keeps slixmpp
    # from going on to the next stream feature (SASL login).
    await xmpp.disconnect()

xmpp.add_event_handler('register', register)
xmpp.connect(('127.0.0.1', 5222), force_starttls=True)
try:
    xmpp.loop.run_until_complete(asyncio.wait_for(xmpp.disconnected, 30))
except asyncio.TimeoutError:
    print('timeout', file=sys.stderr)
    sys.exit(3)
# cancel what is still pending (slixmpp's send/filter tasks) before the
# interpreter exits: left to the garbage collector at shutdown, they crash
# Python 3.11 here (segmentation fault while collecting asyncio.Queue.get)
pending = asyncio.all_tasks(xmpp.loop)
for task in pending:
    task.cancel()
xmpp.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
print('register:', outcome['register'])
sys.exit(0 if outcome['register'] == 'ok' else 1)
EOF

# raw-socket clients (no TLS) for the scenarios slixmpp cannot produce
cat > "$CLIENTS/rawclient.py" <<'EOF'
#!/usr/bin/python3
"""Raw XMPP clients (no TLS) used by make-testdata.sh.

  mid-sasl    : stream header, read features, <auth mechanism='SCRAM-SHA-1'>
                with a valid client-first-message, read the challenge, then
                close the TCP socket without answering.
  legacy-auth : XEP-0078 jabber:iq:auth with a plaintext <password/>,
                then a clean </stream:stream>.
  register    : XEP-0077 in-band registration (jabber:iq:register get, then
                set with a plaintext <password/>), then </stream:stream>.
  sm-resume   : XEP-0198: SASL PLAIN, bind, <enable resume='true'/>,
                presence, <r/>, TCP close without </stream:stream>; then a
                second connection: SASL PLAIN, <resume previd=... h='0'/>,
                presence, clean </stream:stream>.
  plain-before-starttls PORT : SASL PLAIN on a listener that requires
                STARTTLS, without doing STARTTLS; then </stream:stream>.
  plain-retries N : N SASL PLAIN attempts on one stream (no TLS), each
                answered by <failure/>, then </stream:stream>.
  auth-no-bind : SASL PLAIN (no TLS), success, stream restart, features,
                then </stream:stream> without binding a resource.
  stream-only : stream header, features, </stream:stream> (no login).

Exit status: 0 when the login / registration / resumption succeeded, 1 when
the server refused it, 3 on an unexpected error.
"""
import base64, os, re, socket, sys, time

HOST, PORT, DOMAIN = '127.0.0.1', 5222, 'xmppflow.test'
SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl'
SM_NS = 'urn:xmpp:sm:3'

def recv_until(s, pattern, timeout=5.0):
    s.settimeout(timeout)
    buf = b''
    end = time.time() + timeout
    while not re.search(pattern, buf) and time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
    return buf

def stream_header(version=True):
    v = " version='1.0'" if version else ''
    return ("<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams'%s xml:lang='en'>" % (DOMAIN, v)).encode()

def mid_sasl(user):
    s = socket.create_connection((HOST, PORT))
    s.sendall(stream_header())
    feats = recv_until(s, rb'</stream:features>')
    sys.stderr.write(feats.decode(errors='replace') + '\n')
    nonce = base64.b64encode(os.urandom(18)).decode()
    client_first = 'n,,n=%s,r=%s' % (user, nonce)
    s.sendall(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>%s</auth>"
               % base64.b64encode(client_first.encode()).decode()).encode())
    chal = recv_until(s, rb'</challenge>')
    sys.stderr.write(chal.decode(errors='replace') + '\n')
    # give up here: no client-final-message, no </stream:stream>, just close.
    s.close()
    return b'<challenge' in chal

def legacy_auth(user, password):
    s = socket.create_connection((HOST, PORT))
    s.sendall(stream_header())
    feats = recv_until(s, rb'</stream:features>')
    sys.stderr.write(feats.decode(errors='replace') + '\n')
    s.sendall(("<iq type='get' id='auth1'><query xmlns='jabber:iq:auth'>"
               "<username>%s</username></query></iq>" % user).encode())
    sys.stderr.write(recv_until(s, rb"id='auth1'.*?</iq>|id='auth1'[^>]*/>").decode(errors='replace') + '\n')
    s.sendall(("<iq type='set' id='auth2'><query xmlns='jabber:iq:auth'>"
               "<username>%s</username><password>%s</password><resource>legacy</resource>"
               "</query></iq>" % (user, password)).encode())
    res = recv_until(s, rb"id='auth2'")
    res += recv_until(s, rb'>', 1.0)
    sys.stderr.write(res.decode(errors='replace') + '\n')
    ok = b"type='result'" in res
    if ok:
        s.sendall(b"<presence/>")
        time.sleep(0.5)
    s.sendall(b'</stream:stream>')
    recv_until(s, rb'</stream:stream>', 3.0)
    s.close()
    return ok

def show(data):
    sys.stderr.write(data.decode(errors='replace') + '\n')
    return data

def iq_reply(s, iq_id, timeout=5.0):
    """Read until the complete reply to <iq id=iq_id> has arrived."""
    pat = (r"<iq\b[^>]*\bid=['\"]%s['\"][^>]*(/>|>.*?</iq>)" % re.escape(iq_id)).encode()
    s.settimeout(timeout)
    buf = b''
    end = time.time() + timeout
    while not re.search(pat, buf, re.S) and time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
    return show(buf)

def close_stream(s):
    s.sendall(b'</stream:stream>')
    show(recv_until(s, rb'</stream:stream>', 3.0))
    s.close()

def sasl_plain(s, user, password):
    """Stream header, features, SASL PLAIN, stream restart, features."""
    s.sendall(stream_header())
    show(recv_until(s, rb'</stream:features>'))
    token = base64.b64encode(('\0%s\0%s' % (user, password)).encode()).decode()
    s.sendall(("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL_NS, token)).encode())
    res = show(recv_until(s, rb'<success[^>]*/>|</success>|</failure>'))
    if b'<success' not in res:
        return False
    s.sendall(stream_header())
    show(recv_until(s, rb'</stream:features>'))
    return True

def register(user, password):
    s = socket.create_connection((HOST, PORT))
    s.sendall(stream_header())
    show(recv_until(s, rb'</stream:features>'))
    s.sendall(b"<iq type='get' id='reg1'><query xmlns='jabber:iq:register'/></iq>")
    iq_reply(s, 'reg1')
    s.sendall(("<iq type='set' id='reg2'><query xmlns='jabber:iq:register'>"
               "<username>%s</username><password>%s</password>"
               "</query></iq>" % (user, password)).encode())
    res = iq_reply(s, 'reg2')
    ok = b"type='result'" in res or b'type="result"' in res
    close_stream(s)
    return ok

def sm_resume(user, password, resource):
    # first connection: log in, bind, enable resumable stream management
    s = socket.create_connection((HOST, PORT))
    if not sasl_plain(s, user, password):
        close_stream(s)
        return False
    s.sendall(("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
               "<resource>%s</resource></bind></iq>" % resource).encode())
    iq_reply(s, 'bind1')
    s.sendall(("<enable xmlns='%s' resume='true'/>" % SM_NS).encode())
    enabled = show(recv_until(s, rb'<enabled[^>]*>|</failed>|<failed[^>]*/>'))
    m = re.search(rb"<enabled[^>]*\bid=['\"]([^'\"]+)['\"]", enabled)
    if not m:
        close_stream(s)
        return False
    previd = m.group(1).decode()
    s.sendall(("<presence/><r xmlns='%s'/>" % SM_NS).encode())
    show(recv_until(s, rb'<a [^>]*/>'))
    # drop the connection: no </stream:stream>, the session waits for resumption
    s.close()
    time.sleep(1.0)

    # second connection: log in again and resume the first session
    s = socket.create_connection((HOST, PORT))
    if not sasl_plain(s, user, password):
        close_stream(s)
        return False
    s.sendall(("<resume xmlns='%s' previd='%s' h='0'/>" % (SM_NS, previd)).encode())
    res = show(recv_until(s, rb'<resumed[^>]*>|</failed>|<failed[^>]*/>'))
    ok = b'<resumed' in res
    if ok:
        s.sendall(b'<presence/>')
        show(recv_until(s, rb'</presence>|<presence[^>]*/>', 1.0))
    close_stream(s)
    return ok

def plain_before_starttls(user, password, port):
    s = socket.create_connection((HOST, port))
    s.sendall(stream_header())
    show(recv_until(s, rb'</stream:features>'))
    # ignore the mandatory <starttls><required/></starttls> and log in anyway
    token = base64.b64encode(('\0%s\0%s' % (user, password)).encode()).decode()
    s.sendall(("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL_NS, token)).encode())
    res = show(recv_until(s, rb'<success[^>]*/>|</success>|</failure>|</stream:stream>'))
    close_stream(s)
    return b'<success' in res

def plain_retries(user, password, n):
    s = socket.create_connection((HOST, PORT))
    s.sendall(stream_header())
    show(recv_until(s, rb'</stream:features>'))
    token = base64.b64encode(('\0%s\0%s' % (user, password)).encode()).decode()
    ok = False
    for _ in range(n):
        s.sendall(("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL_NS, token)).encode())
        res = show(recv_until(s, rb'<success[^>]*/>|</success>|</failure>|</stream:stream>'))
        ok = b'<success' in res
        if ok or b'</failure>' not in res:
            break
        time.sleep(0.3)
    close_stream(s)
    return ok

def auth_no_bind(user, password):
    s = socket.create_connection((HOST, PORT))
    ok = sasl_plain(s, user, password)
    time.sleep(0.3)
    close_stream(s)
    return ok

def stream_only():
    s = socket.create_connection((HOST, PORT))
    s.sendall(stream_header())
    feats = show(recv_until(s, rb'</stream:features>'))
    time.sleep(0.3)
    close_stream(s)
    return b'</stream:features>' in feats

def main():
    mode = sys.argv[1]
    if mode == 'plain-retries':
        return plain_retries(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == 'auth-no-bind':
        return auth_no_bind(sys.argv[2], sys.argv[3])
    elif mode == 'stream-only':
        return stream_only()
    elif mode == 'mid-sasl':
        return mid_sasl(sys.argv[2])
    elif mode == 'legacy-auth':
        return legacy_auth(sys.argv[2], sys.argv[3])
    elif mode == 'register':
        return register(sys.argv[2], sys.argv[3])
    elif mode == 'sm-resume':
        return sm_resume(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == 'plain-before-starttls':
        return plain_before_starttls(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    sys.exit('unknown mode ' + mode)

if __name__ == '__main__':
    try:
        ok = main()
    except Exception as e:  # noqa
        import traceback
        traceback.print_exc()
        sys.exit(3)
    sys.exit(0 if ok else 1)
EOF
# BOSH and WebSocket clients (no TLS) for the bosh-* and websocket-* scenarios
cat > "$CLIENTS/webclient.py" <<'EOF'
#!/usr/bin/python3
"""XMPP over HTTP clients (no TLS) used by make-testdata.sh.

  webclient.py MODE USER PASSWORD RESOURCE TO [options]

  bosh
      BOSH (XEP-0124/0206) on http://127.0.0.1:5280/bosh with http.client,
      one keep-alive HTTP/1.1 connection, one request at a time: session
      creation (no sid; the answer gives the sid), <auth/> inside <body/>
      (PLAIN, or --mech SCRAM-SHA-1 / SCRAM-SHA-256), xmpp:restart='true',
      bind, session, one chat message to TO, type='terminate'.  A refused
      login ends with type='terminate' and exit status 1.
      --two-connections: hold='1' requests='2' and two keep-alive
      connections, as browser clients do: for every step an empty long-poll
      goes out on connection 1 and, while the server holds it, the step's
      request on connection 2.
  bosh-bad-rid
      PLAIN login and bind as 'bosh', then the last request again with the
      same rid (a retransmission), then a request whose rid is 100 ahead of
      the next one; exit 0 when ejabberd ends the session (item-not-found).
  bosh-expired-sid
      PLAIN login, bind and session as 'bosh', then no request for longer
      than the session's inactivity (45 s > 30 s), then an empty request with the
      old sid on a new connection; exit 0 when ejabberd answers with a
      terminate (item-not-found).
  bosh-conflict
      two BOSH sessions of USER with the same resource, each on its own
      connection: the first logs in, binds and keeps a long-poll open; the
      second logs in and binds the same resource, so ejabberd replaces the
      first session; the first session's long-poll is answered with what
      the server says about it; exit 0 when that holds a terminate.
  websocket
      XMPP over WebSocket (RFC 7395) on ws://127.0.0.1:5280/ws with
      python3-websockets (subprotocol xmpp, no compression): <open/>,
      SASL (PLAIN or --mech), <open/> again (restart), bind, one chat
      message to TO, <close/>, WebSocket close.
      --deflate: offer permessage-deflate (python3-websockets' default
      offer, with context takeover); --url URL: connect there instead;
      --no-subprotocol: no Sec-WebSocket-Protocol header.

  --tls (bosh and websocket modes): HTTPS / WSS on the TLS listener
      127.0.0.1:5443 instead of 5280 (no certificate check; ALPN http/1.1
      for BOSH); --keylog FILE: write the TLS secrets there (NSS key log
      format); --tls-max 1.2: offer at most TLS 1.2.
  ws-deflate-relay
      (USER ... TO are ignored) a python3-websockets server on
      ws://127.0.0.2:5280/ws that accepts permessage-deflate and relays
      every message, uncompressed, to ejabberd's ws://127.0.0.1:5280/ws
      (ejabberd 23.01 does not implement permessage-deflate).  Runs until
      killed; prints 'listening' on standard output once it accepts.

Exit status: 0 when the login succeeded (or, for the bosh-* failure modes,
the server behaved as described), 1 when the server refused the login, 3 on
an unexpected error.  Everything exchanged is written to standard error.
"""
import base64, hashlib, hmac, http.client, os, random, re, sys, threading, time

HOST, PORT, DOMAIN = '127.0.0.1', 5280, 'xmppflow.test'
SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl'
BIND_NS = 'urn:ietf:params:xml:ns:xmpp-bind'
SESSION_NS = 'urn:ietf:params:xml:ns:xmpp-session'
HTTPBIND_NS = 'http://jabber.org/protocol/httpbind'
XBOSH_NS = 'urn:xmpp:xbosh'
FRAMING_NS = 'urn:ietf:params:xml:ns:xmpp-framing'
RELAY_HOST = '127.0.0.2'      # ws-deflate-relay: same port, another loopback address
HTTPS_PORT = 5443             # ejabberd_http with tls: true (--tls)
TLS = {'context': None}       # the client's ssl context when --tls is given

def use_tls(keylog=None, tls_max=None, alpn=None):
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False          # the server certificate is self-signed
    ctx.verify_mode = ssl.CERT_NONE
    if keylog:
        ctx.keylog_filename = keylog
    if tls_max == '1.2':
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if alpn:
        ctx.set_alpn_protocols(alpn)
    TLS['context'] = ctx

def show(direction, data):
    sys.stderr.write('%s %s\n' % (direction, data))

def plain_token(user, password):
    return base64.b64encode(('\0%s\0%s' % (user, password)).encode()).decode()

def bind_iq(resource):
    return ("<iq type='set' id='bind1' xmlns='jabber:client'><bind xmlns='%s'>"
            "<resource>%s</resource></bind></iq>" % (BIND_NS, resource))

def session_iq():
    return ("<iq type='set' id='sess1' xmlns='jabber:client'><session xmlns='%s'/></iq>"
            % SESSION_NS)

def message(to, body):
    return ("<message type='chat' to='%s' id='msg1' xmlns='jabber:client'>"
            "<body>%s</body></message>" % (to, body))

# ---------------------------------------------------------------- SASL

# what the server answers to <auth/> or <response/>
SASL_REPLY = (r'<challenge[^>]*>([^<]*)</challenge>|<success[^>]*/>|<success[^>]*>([^<]*)</success>'
              r'|</failure>|<failure[^>]*/>')

def b64(data):
    return base64.b64encode(data).decode()

def sasl_dialogue(mech, user, password):
    """Generator of the client's SASL elements: yields the element to send,
    is sent the server's answer (a match of SASL_REPLY), returns True on a
    verified <success/>.  PLAIN, or SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802,
    no channel binding: GS2 header 'n,,')."""
    def auth(payload):
        return "<auth xmlns='%s' mechanism='%s'>%s</auth>" % (SASL_NS, mech, payload)
    if mech == 'PLAIN':
        reply = yield auth(plain_token(user, password))
        return reply.group(0).startswith('<success')
    hname = {'SCRAM-SHA-1': 'sha1', 'SCRAM-SHA-256': 'sha256'}[mech]
    nonce = b64(os.urandom(18))
    first_bare = 'n=%s,r=%s' % (user, nonce)
    reply = yield auth(b64(('n,,' + first_bare).encode()))
    if not reply.group(0).startswith('<challenge'):
        return False
    server_first = base64.b64decode(reply.group(1)).decode()
    attrs = dict(kv.split('=', 1) for kv in server_first.split(','))
    if not attrs['r'].startswith(nonce):
        raise RuntimeError('SCRAM: the server nonce does not extend ours')
    salted = hashlib.pbkdf2_hmac(hname, password.encode(), base64.b64decode(attrs['s']),
                                 int(attrs['i']))
    client_key = hmac.new(salted, b'Client Key', hname).digest()
    stored_key = hashlib.new(hname, client_key).digest()
    final_bare = 'c=%s,r=%s' % (b64(b'n,,'), attrs['r'])
    auth_message = ','.join((first_bare, server_first, final_bare)).encode()
    signature = hmac.new(stored_key, auth_message, hname).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    reply = yield ("<response xmlns='%s'>%s</response>"
                   % (SASL_NS, b64(('%s,p=%s' % (final_bare, b64(proof))).encode())))
    if not reply.group(0).startswith('<success'):
        return False
    server_key = hmac.new(salted, b'Server Key', hname).digest()
    want = 'v=' + b64(hmac.new(server_key, auth_message, hname).digest())
    if base64.b64decode(reply.group(2) or '').decode() != want:
        raise RuntimeError('SCRAM: wrong server signature')
    return True

def sasl_login(mech, user, password, send, wait_for):
    dialogue = sasl_dialogue(mech, user, password)
    element = next(dialogue)
    while True:
        send(element)
        try:
            element = dialogue.send(wait_for(SASL_REPLY))
        except StopIteration as done:
            return done.value

async def sasl_login_async(mech, user, password, send, wait_for):
    dialogue = sasl_dialogue(mech, user, password)
    element = next(dialogue)
    while True:
        await send(element)
        try:
            element = dialogue.send(await wait_for(SASL_REPLY))
        except StopIteration as done:
            return done.value

# ---------------------------------------------------------------- BOSH

def http_connection():
    if TLS['context']:
        return http.client.HTTPSConnection(HOST, HTTPS_PORT, timeout=30, context=TLS['context'])
    return http.client.HTTPConnection(HOST, PORT, timeout=30)

class Bosh:
    """One BOSH session over one or two keep-alive HTTP connections."""

    def __init__(self, connections=1):
        self.conns = [http_connection() for _ in range(connections)]
        self.rid = random.randint(1000000, 9000000)
        self.sid = None
        self.received = ''
        self.last_body = None
        self.lock = threading.Lock()    # rid and received, shared by the poller thread

    def post(self, attrs='', children='', conn=0, rid=None, fail_on_status=True):
        """One request on connection CONN (next rid unless RID); returns the
        response body."""
        with self.lock:
            if rid is None:
                self.rid += 1
                rid = self.rid
            sid = " sid='%s'" % self.sid if self.sid else ''
            body = ("<body rid='%d'%s%s xmlns='%s'>%s</body>"
                    % (rid, sid, attrs, HTTPBIND_NS, children))
            self.last_body = body
        show('C%d:' % (conn + 1) if len(self.conns) > 1 else 'C:', body)
        c = self.conns[conn]
        c.request('POST', '/bosh', body.encode(), {'Content-Type': 'text/xml; charset=utf-8'})
        resp = c.getresponse()
        data = resp.read().decode()
        show('S%s: %d' % ('%d' % (conn + 1) if len(self.conns) > 1 else '', resp.status), data)
        if resp.status != 200 and fail_on_status:
            raise RuntimeError('HTTP status %d' % resp.status)
        with self.lock:
            self.received += data
        return data

    def send(self, attrs='', children=''):
        """One step: on one connection, the request; on two, an empty
        long-poll on the first connection and, while the server holds it,
        the request on the second one."""
        if len(self.conns) == 1:
            return self.post(attrs, children)
        poll = threading.Thread(target=self.post, kwargs={'conn': 0})
        poll.start()
        time.sleep(0.3)            # the poll is sent (and held) first: its rid is lower
        data = self.post(attrs, children, conn=1)
        poll.join()
        return data

    def wait_for(self, pattern, polls=5):
        """Send empty requests until PATTERN has been received (the server
        holds an empty request for up to 'wait' seconds)."""
        for _ in range(polls):
            with self.lock:
                m = re.search(pattern, self.received, re.S)
                if m:
                    self.received = self.received[m.end():]
                    return m
            self.post()
        raise RuntimeError('no %s from the server' % pattern)

    def create(self, extra=''):
        first = self.post(" content='text/xml; charset=utf-8' hold='1'%s to='%s' ver='1.6'"
                          " wait='5' xml:lang='en' xmpp:version='1.0' xmlns:xmpp='%s'"
                          % (extra, DOMAIN, XBOSH_NS))
        m = re.search(r"\bsid=['\"]([^'\"]+)['\"]", first)
        if not m:
            raise RuntimeError('no sid in the session creation response')
        self.sid = m.group(1)
        self.wait_for(r'</stream:features>')

    def login(self, mech, user, password, resource):
        """SASL, restart, bind; False when the login is refused."""
        if not sasl_login(mech, user, password, lambda e: self.send(children=e), self.wait_for):
            return False
        self.send(" to='%s' xml:lang='en' xmpp:restart='true' xmlns:xmpp='%s'" % (DOMAIN, XBOSH_NS))
        self.wait_for(r'</stream:features>')
        self.send(children=bind_iq(resource))
        self.wait_for(r"id=['\"]bind1['\"]")
        return True

    def close(self):
        for c in self.conns:
            c.close()

def bosh(user, password, resource, to, mech='PLAIN', two_connections=False):
    b = Bosh(2 if two_connections else 1)
    b.create(" requests='2'" if two_connections else '')
    if not b.login(mech, user, password, resource):
        b.send(" type='terminate'")
        b.close()
        return False
    b.send(children=session_iq())
    b.wait_for(r"id=['\"]sess1['\"]")
    b.send(children=message(to, 'hello from a BOSH client'))
    b.send(" type='terminate'", "<presence type='unavailable' xmlns='jabber:client'/>")
    b.close()
    return True

ITEM_NOT_FOUND = r"<body[^>]*type=['\"]terminate['\"][^>]*condition=['\"]item-not-found['\"]"

def bosh_bad_rid(user, password, resource):
    b = Bosh()
    b.create()
    if not b.login('PLAIN', user, password, resource):
        return False
    # a retransmission: the bind request again, same rid, same body
    show('#', 'the last request again, same rid %d' % b.rid)
    b.conns[0].close()
    b.conns[0] = http_connection()
    b.post(rid=b.rid, children=bind_iq(resource))
    # a rid far outside the window (requests='2')
    show('#', 'rid %d instead of %d' % (b.rid + 101, b.rid + 1))
    data = b.post(rid=b.rid + 101, fail_on_status=False)
    b.close()
    return re.search(ITEM_NOT_FOUND, data) is not None

def bosh_expired_sid(user, password, resource, inactivity=30):
    b = Bosh()
    b.create()
    if not b.login('PLAIN', user, password, resource):
        return False
    b.send(children=session_iq())
    b.wait_for(r"id=['\"]sess1['\"]")
    b.close()
    # ejabberd 23.01 ends the session about inactivity + wait (30 + 5 s)
    # after its last answer: sleep well beyond that
    show('#', 'no request for %d s (the session said inactivity=%d)' % (inactivity + 15, inactivity))
    time.sleep(inactivity + 15)
    b.conns[0] = http_connection()
    data = b.post(fail_on_status=False)
    b.close()
    return re.search(r"type=['\"]terminate['\"]", data) is not None

def bosh_conflict(user, password, resource, to):
    first, second = Bosh(), Bosh()
    first.create()
    if not first.login('PLAIN', user, password, resource):
        return False
    first.send(children=session_iq())
    first.wait_for(r"id=['\"]sess1['\"]")
    # the first session's long-poll, held by the server until it has something
    poll = threading.Thread(target=first.post, kwargs={'fail_on_status': False})
    poll.start()
    time.sleep(0.5)
    second.create()
    if not second.login('PLAIN', user, password, resource):
        return False
    poll.join()
    ended = re.search(r"type=['\"]terminate['\"]", first.received)
    if not ended:
        # what replaced it may come in two answers: ask once more
        first.post(fail_on_status=False)
        ended = re.search(r"type=['\"]terminate['\"]", first.received)
    first.close()
    second.send(children=session_iq())
    second.wait_for(r"id=['\"]sess1['\"]")
    second.send(" type='terminate'", "<presence type='unavailable' xmlns='jabber:client'/>")
    second.close()
    return ended is not None

# ---------------------------------------------------------------- WebSocket

def websocket(user, password, resource, to, mech='PLAIN', deflate=False, subprotocol=True,
              url='ws://%s:%d/ws' % (HOST, PORT)):
    import asyncio
    import websockets

    async def run():
        tls = {'ssl': TLS['context']} if url.startswith('wss:') else {}
        async with websockets.connect(url, subprotocols=['xmpp'] if subprotocol else None,
                                      compression='deflate' if deflate else None,
                                      open_timeout=10, **tls) as ws:
            received = ['']
            show('#', 'subprotocol %s, extensions %s'
                 % (ws.subprotocol, ws.response_headers.get('Sec-WebSocket-Extensions')))

            async def send(data):
                show('C:', data)
                await ws.send(data)

            async def wait_for(pattern):
                while True:
                    m = re.search(pattern, received[0], re.S)
                    if m:
                        received[0] = received[0][m.end():]
                        return m
                    frame = await asyncio.wait_for(ws.recv(), 10)
                    show('S:', frame)
                    received[0] += frame

            def open_frame():
                return ("<open xmlns='%s' to='%s' version='1.0' xml:lang='en'/>"
                        % (FRAMING_NS, DOMAIN))

            await send(open_frame())
            await wait_for(r'</stream:features>')
            ok = await sasl_login_async(mech, user, password, send, wait_for)
            if ok:
                await send(open_frame())
                await wait_for(r'</stream:features>')
                await send(bind_iq(resource))
                await wait_for(r"id=['\"]bind1['\"]")
                await send(message(to, 'hello from a WebSocket client'))
            await send("<close xmlns='%s'/>" % FRAMING_NS)
            await wait_for(r'<close\b[^>]*>')
            return ok

    return asyncio.run(run())

def ws_deflate_relay():
    import asyncio
    import websockets

    async def relay(client, path):
        async with websockets.connect('ws://%s:%d/ws' % (HOST, PORT), subprotocols=['xmpp'],
                                      compression=None) as server:
            async def pump(src, dst, tag):
                try:
                    async for msg in src:
                        show(tag, msg)
                        await dst.send(msg)
                finally:
                    await dst.close()
            await asyncio.gather(pump(client, server, 'C->S:'), pump(server, client, 'S->C:'),
                                 return_exceptions=True)

    async def run():
        async with websockets.serve(relay, RELAY_HOST, PORT, subprotocols=['xmpp'],
                                    compression='deflate'):
            print('listening', flush=True)
            await asyncio.Future()

    asyncio.run(run())

def main():
    mode = sys.argv[1]
    if mode == 'ws-deflate-relay':
        return ws_deflate_relay()
    user, password, resource, to = sys.argv[2:6]
    opts = sys.argv[6:]
    mech = opts[opts.index('--mech') + 1] if '--mech' in opts else 'PLAIN'
    if '--tls' in opts:
        use_tls(opts[opts.index('--keylog') + 1] if '--keylog' in opts else None,
                opts[opts.index('--tls-max') + 1] if '--tls-max' in opts else None,
                ['http/1.1'])    # as browsers offer it, for HTTPS and WSS alike
    if mode == 'bosh':
        return bosh(user, password, resource, to, mech, '--two-connections' in opts)
    elif mode == 'bosh-bad-rid':
        return bosh_bad_rid(user, password, resource)
    elif mode == 'bosh-expired-sid':
        return bosh_expired_sid(user, password, resource)
    elif mode == 'bosh-conflict':
        return bosh_conflict(user, password, resource, to)
    elif mode == 'websocket':
        url = opts[opts.index('--url') + 1] if '--url' in opts else (
            'wss://%s:%d/ws' % (HOST, HTTPS_PORT) if TLS['context'] else 'ws://%s:%d/ws' % (HOST, PORT))
        return websocket(user, password, resource, to, mech, '--deflate' in opts,
                         '--no-subprotocol' not in opts, url)
    sys.exit('unknown mode ' + mode)

if __name__ == '__main__':
    try:
        ok = main()
    except Exception as e:  # noqa
        import traceback
        traceback.print_exc()
        sys.exit(3)
    sys.exit(0 if ok else 1)
EOF
chmod 755 "$CLIENTS"/*.py
chown -R ejabberd:ejabberd "$CLIENTS"

slix() { "$PY" "$CLIENTS/slixclient.py" "$@"; }
raw() { "$PY" "$CLIENTS/rawclient.py" "$@"; }
web() { "$PY" "$CLIENTS/webclient.py" "$@"; }

# ---------------------------------------------------------------- scenario runner
# start_capture FILE IFACE FORMAT DLT ERRFILE FILTER: start one capture of
# FILTER (e.g. 'tcp port 5222') in the background and wait until it listens;
# its pid is appended to CAP_PIDS.  FORMAT pcap uses tcpdump (DLT: tcpdump -y, empty for
# the interface's default), FORMAT pcapng uses dumpcap (tcpdump 4.99 / libpcap
# 1.10 cannot write pcapng; dumpcap writes it by default).
start_capture() {
    local file=$1 iface=$2 format=$3 dlt=$4 err=$5 filter=$6 ready
    case $format in
    pcap)
        if [ -n "$dlt" ]; then
            tcpdump -i "$iface" -y "$dlt" -n -U -Z root -w "$file" "$filter" 2>"$err" &
        else
            tcpdump -i "$iface" -n -U -Z root -w "$file" "$filter" 2>"$err" &
        fi
        ready='listening on' ;;
    pcapng)
        [ -z "$dlt" ] || die "CAP_DLT is not supported with CAP_FORMAT=pcapng"
        dumpcap -i "$iface" -n -q -f "$filter" -w "$file" 2>"$err" &
        ready='Capturing on' ;;
    *) die "unknown capture format '$format' (pcap or pcapng)" ;;
    esac
    CAP_PIDS+=("$!")
    for _ in $(seq 1 50); do grep -q "$ready" "$err" && break; sleep 0.1; done
    grep -q "$ready" "$err" || { cat "$err" >&2; die "capture $file did not start"; }
}

# run_scenario NAME EXPECT_RC DESCRIPTION -- command...
#
# Capture options, from the environment of the call (CAP_IFACE=any run_scenario ...);
# the defaults are the plain 'tcpdump -i lo -w capture.pcap' of most scenarios:
#   CAP_IFACE   interface to capture on                       (default lo)
#   CAP_FORMAT  pcap (tcpdump) or pcapng (dumpcap)            (default pcap)
#   CAP_FILE    file name in the scenario directory  (default capture.pcap,
#               capture.pcapng for CAP_FORMAT=pcapng)
#   CAP_DLT     link-layer type, tcpdump -y (pcap only)       (default: what
#               tcpdump picks: EN10MB for lo; LINUX_SLL2 for 'any' with
#               tcpdump 4.99, although 'tcpdump -L' lists LINUX_SLL first)
#   CAP2_FILE, CAP2_IFACE, CAP2_FORMAT, CAP2_DLT
#               a second capture of the same run, running at the same time
#               (only if CAP2_FILE is set; the others default as above)
#   CAP_GZIP=1  also write CAP_FILE.gz (gzip -9 -n: no name, no time stamp,
#               so the same capture always gives the same .gz)
#   CAP_FILTER  capture filter, for both captures     (default 'tcp port 5222')
# and one check of the log:
#   LOG_MARK    a line the scenario's ejabberd.log must have, proof that
#               ejabberd logged what it received (default 'Received XML on
#               stream', which ejabberd 23.01 does not write for BOSH)
run_scenario() {
    local name=$1 expect_rc=$2 desc=$3; shift 4
    local dir=$OUTDIR/$name
    # a nested name (loglevels/info) is selected by its top directory
    case " $(echo $SCENARIOS) " in *" ${name%%/*} "*) ;; *) return 0;; esac
    log "scenario $name"
    rm -rf "$dir"; mkdir -p "$dir"

    local iface=${CAP_IFACE:-lo} format=${CAP_FORMAT:-pcap} dlt=${CAP_DLT:-} file
    local filter=${CAP_FILTER:-tcp port $PORT}
    file=${CAP_FILE:-capture.$format}
    local files=("$file")
    start_capture "$dir/$file" "$iface" "$format" "$dlt" "$WORK/tcpdump.err" "$filter"
    if [ -n "${CAP2_FILE:-}" ]; then
        files+=("$CAP2_FILE")
        start_capture "$dir/$CAP2_FILE" "${CAP2_IFACE:-$iface}" "${CAP2_FORMAT:-pcap}" \
            "${CAP2_DLT:-}" "$WORK/tcpdump2.err" "$filter"
    fi
    sleep 0.5
    local start_size
    start_size=$(stat -c %s "$EJLOG")

    local rc=0
    "$@" >"$WORK/client.out" 2>"$WORK/client.err" || rc=$?

    # let the server notice the close and log it, and logger flush
    sleep 1.5
    cp "$EJLOG" "$WORK/snapshot.log"
    tail -c +"$((start_size + 1))" "$WORK/snapshot.log" > "$dir/ejabberd.log"

    local p f
    for p in "${CAP_PIDS[@]}"; do
        kill -INT "$p"; wait "$p" 2>/dev/null || true
    done
    CAP_PIDS=()

    printf '%s\n' "$desc" | fold -s -w 78 | sed 's/ *$//' > "$dir/README"

    if [ "$rc" != "$expect_rc" ]; then
        cat "$WORK/client.out" "$WORK/client.err" >&2
        die "scenario $name: client exit status $rc, expected $expect_rc"
    fi
    [ -s "$dir/ejabberd.log" ] || die "scenario $name: empty ejabberd.log"
    local mark=${LOG_MARK:-Received XML on stream}
    grep -q "$mark" "$dir/ejabberd.log" || die "scenario $name: no '$mark' in log"
    for f in "${files[@]}"; do
        [ -s "$dir/$f" ] || die "scenario $name: empty capture $f"
        chmod 644 "$dir/$f"     # dumpcap creates its file mode 0600
    done
    if [ -n "${CAP_GZIP:-}" ]; then
        gzip -9 -n -c "$dir/$file" > "$dir/$file.gz"
        files+=("$file.gz")
    fi
    for f in ejabberd.log "${files[@]}"; do
        [ "$(stat -c %s "$dir/$f")" -lt 204800 ] || log "WARNING: $name/$f is over 200 KB"
    done
    log "   $(wc -l < "$dir/ejabberd.log") log lines; $(for f in "${files[@]}"; do printf '%s %s bytes ' "$f" "$(stat -c %s "$dir/$f")"; done)"
}

# ---------------------------------------------------------------- scenarios
run_scenario starttls-plain-ok 0 \
  "alice@xmppflow.test logs in with slixmpp: STARTTLS, then SASL PLAIN (forced), success, resource bind, presence, roster get, clean </stream:stream>." -- \
  slix --jid "alice@$XMPP_HOST/starttls-plain" --password "$ALICE_PASS" --mech PLAIN

run_scenario plain-no-tls 0 \
  "alice@xmppflow.test logs in with slixmpp WITHOUT TLS (STARTTLS offered but not used), SASL PLAIN on the clear-text stream: the password is visible in the capture (base64). Success, bind, presence, clean close." -- \
  slix --jid "alice@$XMPP_HOST/plain-no-tls" --password "$ALICE_PASS" --mech PLAIN --no-tls

run_scenario scram-sha1-ok 0 \
  "bob@xmppflow.test logs in with slixmpp over STARTTLS using SASL SCRAM-SHA-1 (challenge/response/success with server signature), bind, presence, clean close." -- \
  slix --jid "bob@$XMPP_HOST/scram-sha1" --password "$BOB_PASS" --mech SCRAM-SHA-1

run_scenario scram-sha256-ok 0 \
  "bob@xmppflow.test logs in with slixmpp over STARTTLS using SASL SCRAM-SHA-256, bind, presence, clean close." -- \
  slix --jid "bob@$XMPP_HOST/scram-sha256" --password "$BOB_PASS" --mech SCRAM-SHA-256

run_scenario digest-md5-ok 0 \
  "alice@xmppflow.test logs in with slixmpp over STARTTLS using SASL DIGEST-MD5 (two challenges), bind, presence, clean close." -- \
  slix --jid "alice@$XMPP_HOST/digest-md5" --password "$ALICE_PASS" --mech DIGEST-MD5

run_scenario drop-after-login 0 \
  "alice@xmppflow.test logs in with slixmpp over STARTTLS (SASL PLAIN), binds, sends presence, then drops the TCP connection without closing the stream (no </stream:stream> from the client): the server logs a 'Connection failed' close." -- \
  slix --jid "alice@$XMPP_HOST/drop" --password "$ALICE_PASS" --mech PLAIN --abort

run_scenario wrong-password 1 \
  "alice@xmppflow.test tries SASL PLAIN over STARTTLS with the wrong password 'Not-Alices-Password-9': <failure><not-authorized/>, the client has no other mechanism allowed and closes the stream." -- \
  slix --jid "alice@$XMPP_HOST/wrong" --password "$WRONG_PASS" --mech PLAIN

run_scenario unknown-user 1 \
  "mallory@xmppflow.test (not registered) tries SASL PLAIN over STARTTLS with password 'Mallory-Guess-3': <failure><not-authorized/>, the client closes the stream." -- \
  slix --jid "mallory@$XMPP_HOST/unknown" --password "$MALLORY_PASS" --mech PLAIN

run_scenario disconnect-mid-sasl 0 \
  "raw Python socket client, no TLS: stream header, reads features, sends <auth mechanism='SCRAM-SHA-1'> with a client-first-message for user alice, reads the server <challenge/>, then closes the TCP connection without answering and without </stream:stream>." -- \
  "$PY" "$CLIENTS/rawclient.py" mid-sasl alice

run_scenario legacy-auth-no-tls 0 \
  "raw Python socket client, no TLS: XEP-0078 legacy authentication (jabber:iq:auth get, then set with a clear-text <password>Builder-Secret-2</password> for bob, resource 'legacy'), success, presence, clean </stream:stream>." -- \
  "$PY" "$CLIENTS/rawclient.py" legacy-auth bob "$BOB_PASS"

run_scenario go-sendxmpp 0 \
  "go-sendxmpp (go-xmpp library) as alice@xmppflow.test sends one chat message to bob@xmppflow.test (offline; no mod_offline, so the server bounces an error). STARTTLS on 127.0.0.1:5222 without certificate verification; go-xmpp picks DIGEST-MD5 from the offered list. The client closes the TCP connection without </stream:stream> ('Connection failed: connection closed')." -- \
  sh -c "echo 'hello bob, from go-sendxmpp' | go-sendxmpp -n -j 127.0.0.1:$PORT -u alice@$XMPP_HOST -p '$ALICE_PASS' -f /dev/null bob@$XMPP_HOST"

run_scenario utf8-message 0 \
  "alice@xmppflow.test logs in with slixmpp over STARTTLS (SASL SCRAM-SHA-256) with the non-ASCII resource 'café-Ж', and sends bob a chat message whose body mixes Latin-1, the euro sign, Cyrillic and an emoji: ejabberd logs such payloads as decimal byte lists wrapped over several lines." -- \
  slix --jid "alice@$XMPP_HOST/café-Ж" --password "$ALICE_PASS" --mech SCRAM-SHA-256 \
       --message-to "bob@$XMPP_HOST" --body 'Grüße € Привет 🎉'

concurrent() {
    local p1 p2 rc=0
    slix --jid "alice@$XMPP_HOST/concurrent-a" --password "$ALICE_PASS" --mech PLAIN --hold 1.0 \
         --send-delay 0.8 --message-to "bob@$XMPP_HOST" & p1=$!
    slix --jid "bob@$XMPP_HOST/concurrent-b" --password "$BOB_PASS" --mech SCRAM-SHA-1 --hold 2.5 & p2=$!
    BG_PIDS=("$p1" "$p2")
    wait "$p1" || rc=1
    wait "$p2" || rc=1
    BG_PIDS=()
    return $rc
}
run_scenario concurrent 0 \
  "two slixmpp clients at the same time over STARTTLS: alice (PLAIN, sends a chat message to bob) and bob (SCRAM-SHA-1); their log lines interleave; both log in, bind, send presence and close cleanly." -- \
  concurrent

# -- the same kinds of login, captured differently (transport / file format)

CAP_GZIP=1 run_scenario ipv6-starttls-plain 0 \
  "alice@xmppflow.test logs in with slixmpp over IPv6 (::1 -> [::1]:5222, ejabberd's second c2s listener): STARTTLS, then SASL PLAIN (forced), success, bind, presence, roster get, clean </stream:stream>. capture.pcap is tcpdump -i lo (Ethernet + IPv6); capture.pcap.gz is the same file compressed with gzip -9 -n." -- \
  slix --host ::1 --jid "alice@$XMPP_HOST/ipv6-starttls" --password "$ALICE_PASS" --mech PLAIN

CAP_FORMAT=pcapng run_scenario pcapng-scram 0 \
  "bob@xmppflow.test logs in with slixmpp over STARTTLS using SASL SCRAM-SHA-1, bind, presence, clean close (as scram-sha1-ok), but captured by dumpcap on lo into capture.pcapng (pcapng: section header, interface description and enhanced packet blocks) instead of a classic pcap file." -- \
  slix --jid "bob@$XMPP_HOST/pcapng-scram" --password "$BOB_PASS" --mech SCRAM-SHA-1

CAP_IFACE=any CAP_DLT=LINUX_SLL CAP2_FILE=capture-sll2.pcap CAP2_DLT=LINUX_SLL2 run_scenario sll-plain-no-tls 0 \
  "alice@xmppflow.test logs in with slixmpp WITHOUT TLS, SASL PLAIN on the clear-text stream (as plain-no-tls; the password is visible in the capture), success, bind, presence, clean close, captured twice at the same time with tcpdump -i any: capture.pcap with -y LINUX_SLL (Linux cooked v1, 16-byte header) and capture-sll2.pcap with -y LINUX_SLL2 (Linux cooked v2, 20-byte header, tcpdump 4.99's default for 'any')." -- \
  slix --jid "alice@$XMPP_HOST/sll-plain-no-tls" --password "$ALICE_PASS" --mech PLAIN --no-tls

# -- more login flows: channel binding, in-band registration, stream
#    management resumption, stream errors, refusals

run_scenario scram-sha256-plus 0 \
  "bob@xmppflow.test logs in with slixmpp over STARTTLS using SASL SCRAM-SHA-256-PLUS (channel binding: ejabberd offers the -PLUS mechanisms only after STARTTLS; the client-first-message starts with the GS2 header 'p=tls-unique,,' and the c= attribute of the client-final-message carries that header plus the client's TLS Finished message; TLS 1.3 is negotiated and both slixmpp and ejabberd take the client Finished for tls-unique), success with server signature, bind, presence, clean close." -- \
  slix --jid "bob@$XMPP_HOST/scram-sha256-plus" --password "$BOB_PASS" --mech SCRAM-SHA-256-PLUS

run_scenario ibr-register 0 \
  "slixmpp (plugin xep_0077) registers the new account carol@xmppflow.test in-band (XEP-0077) over STARTTLS: <iq type='get'> jabber:iq:register, the server's form, <iq type='set'> with <username>carol</username><password>Carol-Register-4</password>, result, then a clean </stream:stream> without logging in." -- \
  "$PY" "$CLIENTS/slixregister.py" --jid "carol@$XMPP_HOST" --password "$CAROL_PASS"

run_scenario ibr-register-no-tls 0 \
  "raw Python socket client, no TLS: in-band registration (XEP-0077) of the new account dave@xmppflow.test: <iq type='get'> jabber:iq:register, then <iq type='set'> with a clear-text <password>Dave-Register-5</password> (visible in the capture), result, clean </stream:stream> without logging in." -- \
  raw register dave "$DAVE_PASS"

run_scenario sm-resume 0 \
  "raw Python socket client, no TLS, two TCP connections: alice@xmppflow.test logs in with SASL PLAIN, binds resource 'sm-resume', enables stream management (XEP-0198) with <enable resume='true'/>, gets <enabled id=... resume='true'/>, sends presence and <r/> (answered by <a h=.../>), then drops the TCP connection without </stream:stream>; the session waits for resumption. The second connection logs in with SASL PLAIN again and, instead of binding, sends <resume previd=... h='0'/>: <resumed/>, the server resends its unacknowledged stanzas, presence, clean </stream:stream>." -- \
  raw sm-resume alice "$ALICE_PASS" sm-resume

stream_error_conflict() {
    local p1 p2 rc=0
    slix --jid "alice@$XMPP_HOST/dup" --password "$ALICE_PASS" --mech PLAIN --no-tls --hold 4.0 & p1=$!
    BG_PIDS=("$p1")
    sleep 1.5
    slix --jid "alice@$XMPP_HOST/dup" --password "$ALICE_PASS" --mech PLAIN --no-tls --hold 0.5 & p2=$!
    BG_PIDS=("$p1" "$p2")
    wait "$p1" || rc=1
    wait "$p2" || rc=1
    BG_PIDS=()
    return $rc
}
run_scenario stream-error-conflict 0 \
  "two slixmpp logins of alice@xmppflow.test WITHOUT TLS (SASL PLAIN, password visible in the capture) with the same full JID alice@xmppflow.test/dup: the second logs in while the first is still online; ejabberd replaces the old session, so the first connection gets <stream:error><conflict/> ('Replaced by new connection') and is closed; the second sends presence and closes cleanly." -- \
  stream_error_conflict

CAP_FILTER="tcp port $TLSREQ_PORT" run_scenario starttls-required-refusal 1 \
  "raw Python socket client on ejabberd's third c2s listener 127.0.0.1:5322, which has starttls_required: true (features: <starttls><required/></starttls>): the client ignores STARTTLS and sends <auth mechanism='PLAIN'> with alice's password in clear (visible in the capture); ejabberd refuses with <failure><encryption-required/></failure>, the client closes the stream. The capture is 'tcp port 5322' (not a default XMPP port: xmppflow needs --port 5322)." -- \
  raw plain-before-starttls alice "$ALICE_PASS" "$TLSREQ_PORT"

run_scenario legacy-auth-error 1 \
  "raw Python socket client, no TLS: XEP-0078 legacy authentication for bob with the WRONG clear-text password <password>Bob-Wrong-6</password> (resource 'legacy'): ejabberd answers <iq type='error'> with <not-authorized/>, echoing the query, password included; the client closes the stream." -- \
  raw legacy-auth bob "$BOB_WRONG_PASS"

# -- logins over HTTP: ejabberd_http on 127.0.0.1:5280 (BOSH on /bosh,
#    WebSocket on /ws), no TLS, captured with 'tcp port 5280'

CAP_FILTER="tcp port $HTTP_PORT" LOG_MARK='mod_bosh:process/1:[0-9]* Incoming data' run_scenario bosh-plain 0 \
  "alice@xmppflow.test logs in over BOSH (XEP-0124/0206) on http://127.0.0.1:5280/bosh WITHOUT TLS, with a Python http.client client on one keep-alive HTTP/1.1 connection, one request at a time: the session creation request (no sid; the response gives the sid and the stream features), SASL PLAIN as <auth mechanism='PLAIN'> inside <body/> (the password is visible in the capture, base64), <success/>, a <body xmpp:restart='true'/> restart, resource bind 'bosh-plain', a session iq, one chat message to bob@xmppflow.test (offline: ejabberd bounces it), then <body type='terminate'> with an unavailable presence (ejabberd: 'Stream reset by peer'), the client closes the TCP connection. ejabberd 23.01 does not log what a BOSH client sends as 'Received XML on stream': it logs each request's whole <body/> as a mod_bosh 'Incoming data' debug line (plus ejabberd_bosh's dump of the parsed request); what it sends is logged as usual ('Send XML on stream', socket tag http_bind). 5280 is one of xmppflow's default ports." -- \
  web bosh alice "$ALICE_PASS" bosh-plain "bob@$XMPP_HOST"

CAP_FILTER="tcp port $HTTP_PORT" run_scenario websocket-plain 0 \
  "bob@xmppflow.test logs in over XMPP over WebSocket (RFC 7395) on ws://127.0.0.1:5280/ws WITHOUT TLS, with python3-websockets (subprotocol xmpp, no compression): HTTP Upgrade, <open/>, features, SASL PLAIN (<auth mechanism='PLAIN'>, the password base64; the client's frames are masked as RFC 6455 requires, so the capture does not show it as text, the log does), <success/>, <open/> again (restart), resource bind 'websocket-plain', one chat message to alice@xmppflow.test (offline: ejabberd bounces it), <close/> answered by <close/> (socket tag websocket in the log); ejabberd then sends a WebSocket close frame and its FIN at once, so the client's close frame arrives after it and is answered with an RST." -- \
  web websocket bob "$BOB_PASS" websocket-plain "alice@$XMPP_HOST"

# -- more BOSH: two connections, SCRAM, and the failures (wrong password, a
#    wrong rid, an expired sid, a server terminate with a condition)

CAP_FILTER="tcp port $HTTP_PORT" LOG_MARK='mod_bosh:process/1:[0-9]* Incoming data' run_scenario bosh-two-connections 0 \
  "alice@xmppflow.test logs in over BOSH on http://127.0.0.1:5280/bosh WITHOUT TLS with a Python http.client client that, as browser clients do, uses two keep-alive HTTP/1.1 connections with requests in flight on both: the session creation request (connection 1) asks for hold='1' requests='2' (ejabberd answers hold='1' requests='2'); then for every step an empty long-poll goes out on connection 1 and, 0.3 s later while ejabberd holds it, the step's request on connection 2 with the next rid; ejabberd answers both at once (within a millisecond, in either order): the held poll with an empty <body/>, the request on connection 2 with the step's result. Steps: SASL PLAIN (the password is visible in the capture, base64), <success/>, xmpp:restart='true', bind 'bosh-two-connections', session, a chat message to bob@xmppflow.test (offline: bounced with service-unavailable), then <body type='terminate'> with an unavailable presence on connection 2 while the poll on connection 1 is held: ejabberd answers the poll with <body type='terminate' condition='other-request'/> and the terminate with <body type='terminate'/>. The client closes both connections. One sid, two TCP connections, rids alternating between them." -- \
  web bosh alice "$ALICE_PASS" bosh-two-connections "bob@$XMPP_HOST" --two-connections

CAP_FILTER="tcp port $HTTP_PORT" LOG_MARK='mod_bosh:process/1:[0-9]* Incoming data' run_scenario bosh-scram 0 \
  "bob@xmppflow.test logs in over BOSH (one keep-alive connection, one request at a time, as bosh-plain) WITHOUT TLS using SASL SCRAM-SHA-1: <auth mechanism='SCRAM-SHA-1'> with the client-first-message, <challenge/>, <response/> with the proof, <success/> with the server signature (checked by the client); the password never crosses the wire. Then xmpp:restart='true', bind 'bosh-scram', session, a chat message to alice@xmppflow.test (offline: bounced), <body type='terminate'> with an unavailable presence, answered by <body type='terminate'/>. One sid, one TCP connection." -- \
  web bosh bob "$BOB_PASS" bosh-scram "alice@$XMPP_HOST" --mech SCRAM-SHA-1

CAP_FILTER="tcp port $HTTP_PORT" LOG_MARK='mod_bosh:process/1:[0-9]* Incoming data' run_scenario bosh-wrong-password 1 \
  "alice@xmppflow.test tries SASL PLAIN over BOSH (one keep-alive connection, as bosh-plain) WITHOUT TLS with the wrong password 'Not-Alices-Password-9' (visible in the capture, base64): ejabberd answers <body><failure><not-authorized/><text>Invalid username or password</text></failure></body>; the client sends <body type='terminate'/>, answered by <body type='terminate'/>, and closes the connection. One sid, one TCP connection." -- \
  web bosh alice "$WRONG_PASS" bosh-wrong-password "bob@$XMPP_HOST"

CAP_FILTER="tcp port $HTTP_PORT" LOG_MARK='mod_bosh:process/1:[0-9]* Incoming data' run_scenario bosh-bad-rid 0 \
  "alice@xmppflow.test over BOSH WITHOUT TLS: session creation, SASL PLAIN (password visible, base64), restart, bind 'bosh-bad-rid' on a first keep-alive connection. The client then closes that connection and, on a second one, sends the bind request again with the same rid (a retransmission, as after a broken connection): ejabberd answers it with its cached answer, the same bind result (no second bind). Then an empty request whose rid is 101 above the last one (next expected: last + 1; the window is requests='2'): ejabberd answers with HTTP 200 and <body type='terminate' condition='item-not-found'/> (not HTTP 404) and ends the session (log: 'Closing c2s session for alice@xmppflow.test/bosh-bad-rid: Connection failed: connection closed'). One sid, two TCP connections." -- \
  web bosh-bad-rid alice "$ALICE_PASS" bosh-bad-rid "bob@$XMPP_HOST"

CAP_FILTER="tcp port $HTTP_PORT" LOG_MARK='mod_bosh:process/1:[0-9]* Incoming data' run_scenario bosh-expired-sid 0 \
  "alice@xmppflow.test over BOSH WITHOUT TLS on one keep-alive connection: session creation (ejabberd answers inactivity='30'), SASL PLAIN (password visible, base64), restart, bind 'bosh-expired-sid', session. The client then closes the connection and sends nothing for 45 s: ejabberd ends the session by itself about 35 s after its last answer (inactivity 30 s, plus the 5 s wait; the log says 'Closing c2s session for alice@xmppflow.test/bosh-expired-sid: Connection failed: connection closed' and sends </stream:stream> to the vanished session). Then, on a new connection, the client sends an empty request with the old sid and the next rid: ejabberd answers with HTTP 200 and <body type='terminate' condition='item-not-found'/>. One sid, two TCP connections about 45 s apart." -- \
  web bosh-expired-sid alice "$ALICE_PASS" bosh-expired-sid "bob@$XMPP_HOST"

CAP_FILTER="tcp port $HTTP_PORT" LOG_MARK='mod_bosh:process/1:[0-9]* Incoming data' run_scenario bosh-server-terminate 0 \
  "two BOSH sessions of alice@xmppflow.test WITHOUT TLS with the same resource 'dup', each on its own keep-alive connection (two sids, two TCP connections): the first logs in with SASL PLAIN, binds alice@xmppflow.test/dup, starts a session and leaves an empty long-poll held by the server; the second logs in with SASL PLAIN and binds the same resource: ejabberd replaces the first session and answers its held poll with <body type='terminate' condition='remote-stream-error'> holding <stream:error><conflict/><text>Replaced by new connection</text></stream:error>; the second session gets its bind result, starts a session and ends with <body type='terminate'> (answered by <body type='terminate'/>). alice's PLAIN payload is visible twice (base64)." -- \
  web bosh-conflict alice "$ALICE_PASS" dup "bob@$XMPP_HOST"

# -- more WebSocket: permessage-deflate (through a relay: ejabberd 23.01 does
#    not implement it), SCRAM, a wrong password, no subprotocol

websocket_deflate() {
    local relay rc=0
    # not through the function web: $! must be the python process itself
    "$PY" "$CLIENTS/webclient.py" ws-deflate-relay >"$WORK/relay.out" 2>"$WORK/relay.err" &
    relay=$!
    BG_PIDS=("$relay")
    for _ in $(seq 1 50); do grep -q listening "$WORK/relay.out" && break; sleep 0.1; done
    grep -q listening "$WORK/relay.out" || { cat "$WORK/relay.err" >&2; return 3; }
    web websocket alice "$ALICE_PASS" websocket-deflate "bob@$XMPP_HOST" --deflate \
        --url "ws://127.0.0.2:$HTTP_PORT/ws" || rc=$?
    sleep 0.5
    kill "$relay"; wait "$relay" 2>/dev/null || true
    BG_PIDS=()
    return $rc
}
CAP_FILTER="host 127.0.0.2 and tcp port $HTTP_PORT" run_scenario websocket-deflate 0 \
  "alice@xmppflow.test logs in over XMPP over WebSocket (RFC 7395) WITHOUT TLS with permessage-deflate (RFC 7692) in use. ejabberd 23.01 does not implement permessage-deflate (see websocket-deflate-declined), so the client (python3-websockets, its default offer 'permessage-deflate; client_max_window_bits') connects to a python3-websockets relay on ws://127.0.0.2:5280/ws that accepts it ('permessage-deflate; server_max_window_bits=12; client_max_window_bits=12': context takeover in both directions, 4 KiB windows) and relays every message, uncompressed, to ejabberd on ws://127.0.0.1:5280/ws. capture.pcap holds only the client-relay connection (filter 'host 127.0.0.2 and tcp port 5280'): every text frame in both directions has RSV1 set (compressed; the client's are also masked), the close frames are not compressed. Login: HTTP Upgrade (subprotocol xmpp), <open/>, features, SASL PLAIN (alice's password inside a compressed, masked frame), <success/>, <open/> again, bind 'websocket-deflate', a chat message to bob@xmppflow.test (offline: bounced), <close/> answered by <close/>, WebSocket close. ejabberd.log shows the same session on the relay's own connection (from 127.0.0.1 to 127.0.0.1:5280, another client port than the capture's)." -- \
  websocket_deflate

CAP_FILTER="tcp port $HTTP_PORT" run_scenario websocket-deflate-declined 0 \
  "bob@xmppflow.test over XMPP over WebSocket WITHOUT TLS: python3-websockets offers permessage-deflate to ejabberd ('Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits' in the Upgrade request, as every browser does); ejabberd 23.01's 101 answer has no Sec-WebSocket-Extensions header, so the extension is not in use and no frame has RSV1 set. Otherwise as websocket-plain: subprotocol xmpp (ejabberd answers 'Sec-Websocket-Protocol:xmpp', so spelled, without a space), <open/>, SASL PLAIN (password base64 in masked frames), <success/>, <open/> again, bind 'websocket-deflate-declined', a chat message to alice@xmppflow.test (offline: bounced), <close/> answered by <close/>, WebSocket close." -- \
  web websocket bob "$BOB_PASS" websocket-deflate-declined "alice@$XMPP_HOST" --deflate

CAP_FILTER="tcp port $HTTP_PORT" run_scenario websocket-scram 0 \
  "alice@xmppflow.test over XMPP over WebSocket WITHOUT TLS (python3-websockets, subprotocol xmpp, no compression) using SASL SCRAM-SHA-256: <open/>, features, <auth mechanism='SCRAM-SHA-256'> with the client-first-message, <challenge/>, <response/> with the proof, <success/> with the server signature (checked by the client); the password never crosses the wire. Then <open/> again, bind 'websocket-scram', a chat message to bob@xmppflow.test (offline: bounced), <close/> answered by <close/>, WebSocket close." -- \
  web websocket alice "$ALICE_PASS" websocket-scram "bob@$XMPP_HOST" --mech SCRAM-SHA-256

CAP_FILTER="tcp port $HTTP_PORT" run_scenario websocket-wrong-password 1 \
  "bob@xmppflow.test tries SASL PLAIN over XMPP over WebSocket WITHOUT TLS (python3-websockets, subprotocol xmpp, no compression) with the wrong password 'Bob-Wrong-6' (base64, in a masked frame): ejabberd answers <failure><not-authorized/><text>Invalid username or password</text></failure>; the client sends <close/>, answered by <close/>, then the WebSocket close." -- \
  web websocket bob "$BOB_WRONG_PASS" websocket-wrong-password "alice@$XMPP_HOST"

CAP_FILTER="tcp port $HTTP_PORT" run_scenario websocket-no-subprotocol 0 \
  "bob@xmppflow.test over XMPP over WebSocket WITHOUT TLS with python3-websockets, but the HTTP Upgrade request has NO Sec-WebSocket-Protocol header (RFC 7395 requires the client to offer 'xmpp'): ejabberd 23.01 accepts it anyway, its 101 answer has no Sec-WebSocket-Protocol header either, and the XMPP session works as in websocket-plain: <open/>, SASL PLAIN (password base64 in masked frames), <success/>, <open/> again, bind 'websocket-no-subprotocol', a chat message to alice@xmppflow.test (offline: bounced), <close/> answered by <close/>, WebSocket close." -- \
  web websocket bob "$BOB_PASS" websocket-no-subprotocol "alice@$XMPP_HOST" --no-subprotocol

# -- issue 14: the same logins at info and debug level, a log rotated in the
#    middle of a run, one run captured and logged together for correlation.
#    Each writes one directory with several connections; conn_table.py
#    lists every connection's client port (from the capture's SYNs) next to
#    what the run did on it, and checks it against the log.

cat > "$CLIENTS/conn_table.py" <<'EOF'
#!/usr/bin/python3
"""conn_table.py CAPTURE SPEC [LOG...]: one row per connection.

SPEC has one line per connection, in the order the run opened them:
  server-port|user|mechanism|TLS|outcome|what[|set]
The capture's SYNs (client->server, no ACK) are matched to SPEC lines by
server port, in order (the runs start connections to the same port one after
another).  For c2s connections the log's 'Accepted connection IP:PORT' line
names the c2s process; its 'Accepted/Failed c2s MECH authentication for
USER' line must agree with SPEC (exit status 1 when not)."""
import gzip, re, subprocess, sys

cap, spec = sys.argv[1], sys.argv[2]
rows = [l.rstrip('\n').split('|') for l in open(spec) if l.strip()]
out = subprocess.run(['tshark', '-r', cap, '-Y', 'tcp.flags.syn==1 && tcp.flags.ack==0',
                      '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport'],
                     capture_output=True, text=True, check=True).stdout.split('\n')
syns = {}
for line in out:
    if line.strip():
        sport, dport = line.split('\t')
        if sport not in [s for v in syns.values() for s in v]:
            syns.setdefault(dport, []).append(sport)
ports = []
for r in rows:
    lst = syns.get(r[0], [])
    if not lst:
        sys.exit('conn_table: no SYN left for server port %s (%s)' % (r[0], r[5]))
    ports.append(lst.pop(0))
left = [p for v in syns.values() for p in v]
if left:
    sys.exit('conn_table: SYNs not in the spec: %s' % left)

text = ''
for f in sys.argv[3:]:
    text += (gzip.open(f, 'rt', errors='replace') if f.endswith('.gz') else
             open(f, errors='replace')).read()
pid_of = {m.group(2): m.group(1) for m in
          re.finditer(r'\((<[0-9.]+>)\) Accepted connection [0-9.]+:(\d+) ->', text)}
bad = 0
for r, port in zip(rows, ports):
    pid = pid_of.get(port)
    # BOSH / WebSocket: the accepting process is ejabberd_http's, not the
    # c2s one; XEP-0078 / XEP-0077 are not SASL
    if pid and r[1] != '-' and '(' not in r[2]:
        auth = re.findall(r'<[0-9.]+>@\S+ \((?:tcp|tls)\|%s\) (Accepted|Failed) c2s (\S+) '
                          r'authentication for (\S+?)(?: from| by|:)' % re.escape(pid), text)
        users = {a[2].split('/')[0].split('@')[0] for a in auth}
        if not auth or users != {r[1].split('@')[0]}:
            print('conn_table: port %s (%s): log says %s' % (port, r[5], auth), file=sys.stderr)
            bad = 1
head = ['client port', 'server port', 'user', 'mechanism', 'TLS', 'expected outcome', 'what']
if len(rows[0]) > 6:
    head.append('set')
print('| %s |' % ' | '.join(head))
print('|%s' % ('---|' * len(head)))
for r, port in zip(rows, ports):
    print('| %s | %s | %s |' % (port, r[0], ' | '.join(r[1:])))
sys.exit(bad)
EOF
chmod 755 "$CLIENTS/conn_table.py"

# conn SPEC_LINE CMD...: run one client of a multi-connection run, note the
# connection in $WORK/spec and fail the run when the client's exit status is
# not the expected one (0 logged in / registered / closed as planned, 1 refused)
conn() {
    local spec=$1 want=$2 rc=0; shift 2
    printf '%s\n' "$spec" >> "$WORK/spec"
    "$@" >>"$WORK/conn.out" 2>>"$WORK/conn.err" || rc=$?
    [ "$rc" = "$want" ] || { echo "connection '$spec': exit status $rc, expected $want" >&2; return 1; }
    sleep 0.3
}

# The connections of loglevels/: the six of 'six-connections' (two logins
# with a session, two refused ones, one authenticated without a session, one
# without authentication), then BOSH, WebSocket, XEP-0078 and XEP-0077.
loglevel_connections() {
    local tag=$1
    : > "$WORK/spec"
    conn "$PORT|alice@$XMPP_HOST|SCRAM-SHA-1|STARTTLS|established|slixmpp, resource $tag-tls, presence, roster, clean close|six-connections" 0 \
        slix --jid "alice@$XMPP_HOST/$tag-tls" --password "$ALICE_PASS" --mech SCRAM-SHA-1 &&
    conn "$PORT|bob@$XMPP_HOST|PLAIN|no|established|slixmpp without TLS, binds resource $tag-plain, presence, roster, clean close|six-connections" 0 \
        slix --jid "bob@$XMPP_HOST/$tag-plain" --password "$BOB_PASS" --mech PLAIN --no-tls &&
    conn "$PORT|alice@$XMPP_HOST|PLAIN|STARTTLS|failed|slixmpp, wrong password $WRONG_PASS, one attempt, client closes|six-connections" 1 \
        slix --jid "alice@$XMPP_HOST/$tag-wrong" --password "$WRONG_PASS" --mech PLAIN &&
    conn "$PORT|bob@$XMPP_HOST|PLAIN x3|no|failed|raw socket, three PLAIN attempts with the wrong password $BOB_WRONG_PASS on one stream, each <failure/>, client closes|six-connections" 1 \
        raw plain-retries bob "$BOB_WRONG_PASS" 3 &&
    conn "$PORT|alice@$XMPP_HOST|PLAIN|no|authenticated-no-session|raw socket, PLAIN success, stream restart, </stream:stream> without bind|six-connections" 0 \
        raw auth-no-bind alice "$ALICE_PASS" &&
    conn "$PORT|-|-|no|no-auth|raw socket, stream header, features, </stream:stream>|six-connections" 0 \
        raw stream-only &&
    conn "$HTTP_PORT|alice@$XMPP_HOST|PLAIN (BOSH)|no|established|BOSH on /bosh, one keep-alive connection, bind $tag-bosh, message to bob, terminate|extra" 0 \
        web bosh alice "$ALICE_PASS" "$tag-bosh" "bob@$XMPP_HOST" &&
    conn "$HTTP_PORT|bob@$XMPP_HOST|PLAIN (WebSocket)|no|established|WebSocket on /ws, bind $tag-ws, message to alice, <close/>|extra" 0 \
        web websocket bob "$BOB_PASS" "$tag-ws" "alice@$XMPP_HOST" &&
    conn "$PORT|bob@$XMPP_HOST|legacy (XEP-0078)|no|established|raw socket, jabber:iq:auth with <password>$BOB_PASS</password>, resource legacy, presence, clean close|extra" 0 \
        raw legacy-auth bob "$BOB_PASS" &&
    conn "$PORT|dave@$XMPP_HOST|register (XEP-0077)|no|no-auth|raw socket, in-band registration with <password>$DAVE_PASS</password>, no login, clean close|extra" 0 \
        raw register dave "$DAVE_PASS"
}

# write the connection table of a run into its README
conn_readme() {
    local dir=$1; shift
    "$PY" "$CLIENTS/conn_table.py" "$@" > "$WORK/table" || { cat "$WORK/table" >&2; die "$dir: connections do not match the log"; }
    { echo; echo "Connections, in the order they were opened:"; echo; cat "$WORK/table"; } >> "$dir/README"
}

# the head of loglevels/README: what the runs are and what ejabberd 23.01
# writes at info level (seen in these runs)
loglevels_readme_head() {
    cat <<'EOF'
The same logins run twice by one private ejabberd 23.01 on 127.0.0.1, once at
loglevel: info (info/) and once at loglevel: debug (debug/); the level was
changed between the runs with 'ejabberdctl set_loglevel' (ejabberd_logger:set/1
sets OTP logger's primary level, as 'loglevel:' does at start-up; it logs a
notice "Changing loglevel from 'debug' to 'info'", which is before the runs'
logs). Each run: ejabberd.log (its log lines only), capture.pcap (tcpdump -i lo
'tcp port 5222 or tcp port 5280'), README with the connection table. Client
ports differ between the runs; users, mechanisms, TLS and outcomes do not.
Resources are named after the level (info-tls / debug-tls, ...).

Scenario six-connections (the rows marked six-connections, in this order):
alice STARTTLS + SCRAM-SHA-1 (established); bob PLAIN WITHOUT TLS, binds a
resource (established); alice PLAIN over STARTTLS, wrong password (failed);
bob, three PLAIN attempts with a wrong password on one stream WITHOUT TLS
(failed, three <failure/>); alice PLAIN WITHOUT TLS, success, then
</stream:stream> before binding (authenticated-no-session); a stream header
and </stream:stream> without authentication (no-auth). Then the extra rows:
alice over BOSH, bob over WebSocket (both PLAIN WITHOUT TLS, established), bob
by XEP-0078 legacy auth WITHOUT TLS (established, password in a <password/>
element), dave's in-band registration (XEP-0077) WITHOUT TLS (no login).

What ejabberd 23.01 writes at loglevel: info (both runs hold exactly these
lines; at debug they are there too, among the XML and hook lines):

- every TCP connection, c2s (5222) or HTTP (5280):
  [info] <listener>@ejabberd_listener:accept/7:273 (<pid>) Accepted connection
  127.0.0.1:PORT -> 127.0.0.1:5222
  The only line with the client port. For c2s, <pid> is the c2s process of
  the lines below; for BOSH / WebSocket it is ejabberd_http's process, and the
  c2s lines have another pid (socket tag http_bind|<pid2> / websocket|<pid2>).
- SASL success: [info] <pid>@ejabberd_c2s:process_auth_result/3:272
  (tcp|<pid>) Accepted c2s PLAIN authentication for bob@xmppflow.test by
  mnesia backend from 127.0.0.1
  socket tag tcp = no TLS, tls = after STARTTLS or direct TLS (the same tag),
  http_bind = BOSH, websocket = WebSocket.
- SASL failure, one line per attempt (three for the three-attempt connection):
  [warning] <pid>@ejabberd_c2s:process_auth_result/3:280 (tcp|<pid>) Failed
  c2s PLAIN authentication for bob@xmppflow.test from 127.0.0.1: Invalid
  username or password
- XEP-0078 legacy auth goes through the same function, mechanism "legacy":
  Accepted c2s legacy authentication for bob@xmppflow.test by mnesia backend
  from 127.0.0.1 (no separate legacy line).
- resource bound: [info] <pid>@ejabberd_c2s:bind/2:450 (tcp|<pid>) Opened c2s
  session for bob@xmppflow.test/info-plain
- end of a session that was opened (bound): [info]
  <pid>@ejabberd_c2s:process_terminated/2:295 (tcp|<pid>) Closing c2s session
  for bob@xmppflow.test/info-plain: Stream reset by peer
  ("Stream reset by peer" also for a clean </stream:stream> from the client).
- in-band registration: [info] <pid>@mod_register:try_register/6:380 The
  account dave@xmppflow.test was registered from IP address 127.0.0.1

Not at info level: any XML ("Received/Send XML on stream" are debug-only),
so no passwords, PLAIN payloads or <password/> elements, no stream ids, no
STARTTLS step (only the tls tag afterwards), no SASL challenge/response, no
BOSH sid or HTTP request; no line at all when a connection ends without a
session: the failed logins, authenticated-no-session and no-auth connections
and the registration have only their Accepted connection (and auth /
registration) lines, nothing for their close. At info, whether a PLAIN
password crossed without TLS can only be inferred from mechanism PLAIN (or
legacy) with socket tag tcp / http_bind / websocket; the authenticated
connection without a session is "Accepted c2s ... authentication" with no
"Opened c2s session" of the same pid.

Order: ejabberd logs asynchronously from several processes, so lines are not
always in time order; the listener's "Accepted connection" line can come
after the first lines of the connection's own process (in correlate/ the
BOSH handler's "http query" and "Incoming data" debug lines precede its
Accepted connection line; in rotated/ a "Received XML" notice precedes it).
EOF
}

if case " $(echo $SCENARIOS) " in *" loglevels "*) true;; *) false;; esac; then
    rm -rf "$OUTDIR/loglevels"
    for level in info debug; do
        # ejabberdctl set_loglevel changes the level of the running node
        # (logger's primary level and ejabberd's handler), as 'loglevel:' in
        # ejabberd.yml does at start-up
        "${EJCTL[@]}" set_loglevel "$level" >/dev/null
        # dave is registered anew by every run (before the capture starts, so
        # that the command's debug lines are not in the run's log)
        "${EJCTL[@]}" unregister dave "$XMPP_HOST" >/dev/null 2>&1 || true
        sleep 1
        mark='Received XML on stream'
        [ "$level" = info ] && mark='Accepted connection'
        CAP_FILTER="tcp port $PORT or tcp port $HTTP_PORT" LOG_MARK=$mark run_scenario "loglevels/$level" 0 \
          "scenario six-connections and more, run by ejabberd at loglevel: $level (set with ejabberdctl set_loglevel $level); the same clients as loglevels/$([ $level = info ] && echo debug || echo info) one after another; capture.pcap is tcpdump -i lo 'tcp port $PORT or tcp port $HTTP_PORT'." -- \
          loglevel_connections "$level"
        conn_readme "$OUTDIR/loglevels/$level" "$OUTDIR/loglevels/$level/capture.pcap" "$WORK/spec" "$OUTDIR/loglevels/$level/ejabberd.log"
    done
    "${EJCTL[@]}" set_loglevel debug >/dev/null
    {
        loglevels_readme_head
        for level in info debug; do
            echo; echo "## $level"; echo; cat "$OUTDIR/loglevels/$level/README"
        done
    } > "$OUTDIR/loglevels/README"
fi

# -- correlate: one debug-level run, captured (every port used) and logged,
#    with its connections open at the same time
correlate() {
    local pids=() rc=0 p
    : > "$WORK/spec"
    printf '%s\n' "$PORT|bob@$XMPP_HOST|SCRAM-SHA-1|STARTTLS|established|slixmpp, resource correlate-scram, presence, roster, clean close (capture: TLS records only after STARTTLS; log: the XML)" >> "$WORK/spec"
    slix --jid "bob@$XMPP_HOST/correlate-scram" --password "$BOB_PASS" --mech SCRAM-SHA-1 --hold 5 & pids+=($!)
    sleep 1
    printf '%s\n' "$PORT|alice@$XMPP_HOST|PLAIN|no|established|slixmpp without TLS, resource correlate-plain, message to bob, clean close" >> "$WORK/spec"
    slix --jid "alice@$XMPP_HOST/correlate-plain" --password "$ALICE_PASS" --mech PLAIN --no-tls \
         --message-to "bob@$XMPP_HOST" --send-delay 0.5 --hold 3.5 & pids+=($!)
    sleep 1
    printf '%s\n' "$PORT|alice@$XMPP_HOST|PLAIN|no|failed|slixmpp without TLS, wrong password $WRONG_PASS, client closes" >> "$WORK/spec"
    slix --jid "alice@$XMPP_HOST/correlate-wrong" --password "$WRONG_PASS" --mech PLAIN --no-tls & p=$!
    sleep 1
    printf '%s\n' "$DIRECT_TLS_PORT|alice@$XMPP_HOST|PLAIN|direct TLS|established|slixmpp, TLS from the first byte on $DIRECT_TLS_PORT, resource correlate-direct-tls, clean close" >> "$WORK/spec"
    slix --jid "alice@$XMPP_HOST/correlate-direct-tls" --password "$ALICE_PASS" --mech PLAIN \
         --direct-tls --port "$DIRECT_TLS_PORT" --hold 2 & pids+=($!)
    sleep 1
    BG_PIDS=("${pids[@]}" "$p")
    printf '%s\n' "$HTTP_PORT|bob@$XMPP_HOST|PLAIN (BOSH)|no|established|BOSH on /bosh, one keep-alive connection, bind correlate-bosh, message to alice, terminate" >> "$WORK/spec"
    web bosh bob "$BOB_PASS" correlate-bosh "alice@$XMPP_HOST" || rc=1
    wait "$p"; [ $? = 1 ] || rc=1
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    BG_PIDS=()
    return $rc
}
if case " $(echo $SCENARIOS) " in *" correlate "*) true;; *) false;; esac; then
    CAP_FILTER="tcp port $PORT or tcp port $DIRECT_TLS_PORT or tcp port $HTTP_PORT" run_scenario correlate 0 \
      "one debug-level run captured and logged together (capture.pcap: tcpdump -i lo 'tcp port $PORT or tcp port $DIRECT_TLS_PORT or tcp port $HTTP_PORT'; ejabberd.log: the log lines of the run), five connections started about 1 s apart and open at the same time: bob STARTTLS + SCRAM-SHA-1 (the capture shows TLS records after STARTTLS, the log the XML), alice PLAIN WITHOUT TLS (password visible in both), alice PLAIN WITHOUT TLS with the wrong password $WRONG_PASS (failed), alice PLAIN over direct TLS on the tls: true listener 127.0.0.1:$DIRECT_TLS_PORT (the capture shows only TLS), bob over BOSH on 127.0.0.1:$HTTP_PORT without TLS (PLAIN, password visible in both). One session (or failed login) per connection." -- \
      correlate
    conn_readme "$OUTDIR/correlate" "$OUTDIR/correlate/capture.pcap" "$WORK/spec" "$OUTDIR/correlate/ejabberd.log"
fi

# -- rotated: a debug-level run whose log is rotated twice as Debian's
#    /etc/logrotate.d/ejabberd does it (rotate, compress, delaycompress,
#    create 640 ejabberd adm, postrotate 'ejabberdctl reopen-log')
rotate_log() {
    if [ -e "$EJLOG.1" ]; then
        mv "$EJLOG.1" "$EJLOG.2"
    fi
    mv "$EJLOG" "$EJLOG.1"
    install -m 640 -o ejabberd -g adm /dev/null "$EJLOG"
    "${EJCTL[@]}" reopen-log >/dev/null
}
rotated() {
    local a c rc=0
    : > "$WORK/spec"
    printf '%s\n' "$PORT|alice@$XMPP_HOST|PLAIN|STARTTLS|established|slixmpp, resource rotated-long: logs in before rotation 1, sends bob a message between the rotations, closes after rotation 2 (ejabberd.log.2.gz, .1 and ejabberd.log)" >> "$WORK/spec"
    slix --jid "alice@$XMPP_HOST/rotated-long" --password "$ALICE_PASS" --mech PLAIN \
         --message-to "bob@$XMPP_HOST" --send-delay 6 --hold 8 & a=$!
    BG_PIDS=("$a")
    sleep 1
    conn "$PORT|bob@$XMPP_HOST|SCRAM-SHA-1|STARTTLS|established|slixmpp, resource rotated-before, before rotation 1 (ejabberd.log.2.gz only)" 0 \
        slix --jid "bob@$XMPP_HOST/rotated-before" --password "$BOB_PASS" --mech SCRAM-SHA-1 || rc=1
    sleep 1
    ROT1=$(date -u +%T.%3N); rotate_log
    sleep 1
    printf '%s\n' "$PORT|bob@$XMPP_HOST|PLAIN|no|established|slixmpp without TLS, resource rotated-middle: logs in between the rotations, closes after rotation 2 (ejabberd.log.1 and ejabberd.log)" >> "$WORK/spec"
    slix --jid "bob@$XMPP_HOST/rotated-middle" --password "$BOB_PASS" --mech PLAIN --no-tls --hold 5 & c=$!
    BG_PIDS=("$a" "$c")
    sleep 1
    conn "$PORT|alice@$XMPP_HOST|PLAIN|STARTTLS|failed|slixmpp, wrong password $WRONG_PASS, between the rotations (ejabberd.log.1 only)" 1 \
        slix --jid "alice@$XMPP_HOST/rotated-wrong" --password "$WRONG_PASS" --mech PLAIN || rc=1
    sleep 1
    ROT2=$(date -u +%T.%3N); rotate_log
    sleep 1
    conn "$PORT|alice@$XMPP_HOST|PLAIN|no|established|slixmpp without TLS, resource rotated-after, after rotation 2 (ejabberd.log only)" 0 \
        slix --jid "alice@$XMPP_HOST/rotated-after" --password "$ALICE_PASS" --mech PLAIN --no-tls || rc=1
    wait "$a" || rc=1
    wait "$c" || rc=1
    BG_PIDS=()
    return $rc
}
if case " $(echo $SCENARIOS) " in *" rotated "*) true;; *) false;; esac; then
    log "scenario rotated"
    dir=$OUTDIR/rotated
    rm -rf "$dir"; mkdir -p "$dir"
    start_capture "$dir/capture.pcap" lo pcap "" "$WORK/tcpdump.err" "tcp port $PORT"
    sleep 0.5
    start_size=$(stat -c %s "$EJLOG")
    rotated >"$WORK/client.out" 2>"$WORK/client.err" || { cat "$WORK/client.out" "$WORK/client.err" >&2; die "scenario rotated failed"; }
    sleep 1.5
    for p in "${CAP_PIDS[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null || true; done
    CAP_PIDS=()
    # the oldest file also holds the lines of the scenarios before this one
    tail -c +"$((start_size + 1))" "$EJLOG.2" | gzip -9 -n > "$dir/ejabberd.log.2.gz"
    cp "$EJLOG.1" "$dir/ejabberd.log.1"
    cp "$EJLOG" "$dir/ejabberd.log"
    chmod 644 "$dir"/*
    for f in ejabberd.log.2.gz ejabberd.log.1 ejabberd.log; do
        [ -s "$dir/$f" ] || die "scenario rotated: empty $f"
    done
    rm -f "$EJLOG.1" "$EJLOG.2"
    printf '%s\n' "one debug-level run of five logins on 127.0.0.1:$PORT whose log was rotated twice during the run, as Debian's /etc/logrotate.d/ejabberd does (rotate, create 640 ejabberd adm, delaycompress, compress, postrotate 'ejabberdctl reopen-log'): at $ROT1 UTC ejabberd.log was renamed ejabberd.log.1, an empty ejabberd.log created and 'ejabberdctl reopen-log' run; at $ROT2 UTC the same again, the older ejabberd.log.1 becoming ejabberd.log.2 (then gzipped: ejabberd.log.2.gz, gzip -9 -n, holding only this run's lines). Oldest lines in ejabberd.log.2.gz, then ejabberd.log.1, newest in ejabberd.log. capture.pcap is tcpdump -i lo 'tcp port $PORT' over the whole run. alice's session rotated-long spans all three files, bob's rotated-middle spans ejabberd.log.1 and ejabberd.log. What ejabberd 23.01 does on rotation: 'ejabberdctl reopen-log' (the command reopen_log) does nothing (ejabberd_logger:reopen_log/0 just returns ok; it logs only the command's own debug lines, in this run the first lines of the new file); OTP's logger_std_h handler, configured by ejabberd_logger with file_check 1000, notices within 1 s that the name ejabberd.log now points to another file and opens it, so lines written in that second still go to the renamed file (this run was idle then: no line of a login is cut off). Lines in a file are not strictly in time order (the handler writes them as they arrive; a 'Received XML' notice can precede the 'Accepted connection' line it follows)." \
        | fold -s -w 78 | sed 's/ *$//' > "$dir/README"
    conn_readme "$dir" "$dir/capture.pcap" "$WORK/spec" "$dir/ejabberd.log.2.gz" "$dir/ejabberd.log.1" "$dir/ejabberd.log"
    log "   rotated: $(ls -l "$dir" | tail -n +2 | awk '{printf "%s %s; ", $9, $5}')"
fi

# -- issue 15: TLS with a key log.  Python clients write the TLS secrets of
#    their sessions into the scenario's keylog.txt (NSS key log format,
#    SSLContext.keylog_filename); the capture covers every port ejabberd
#    listens on; tls_facts.py asks tshark, with that key log, for each
#    connection's TLS version, suite, decrypted application-data records and
#    first decrypted element, and writes them into README and expect.txt.
TLS_FILTER="tcp port $PORT or tcp port $DIRECT_TLS_PORT or tcp port $HTTP_PORT or tcp port $HTTPS_PORT"

# tls13_suite_conf SUITE: path of an OpenSSL configuration (for OPENSSL_CONF)
# whose system_default section limits TLS 1.3 to SUITE: Python's ssl module
# has no call for TLS 1.3 ciphersuites, but every SSL_CTX it makes applies
# system_default.
tls13_suite_conf() {
    local f=$CONF/openssl-$1.cnf
    cat > "$f" <<EOF
openssl_conf = xmppflow_conf
[xmppflow_conf]
ssl_conf = xmppflow_ssl
[xmppflow_ssl]
system_default = xmppflow_tls
[xmppflow_tls]
Ciphersuites = $1
EOF
    chmod 644 "$f"
    echo "$f"
}

cat > "$CLIENTS/tls_facts.py" <<'EOF'
#!/usr/bin/python3
"""tls_facts.py DIR SPEC: what tshark sees in DIR/capture.pcap with the key log
DIR/keylog.txt (and DIR/keylog-wrong.txt, if there), per connection; writes
DIR/expect.txt (key=value lines, for tests) and prints a Markdown table for
the README.

SPEC: one line per connection, in the order the run opened them,
  server-port|user|mechanism|TLS|outcome|what
matched to the capture's SYNs by server port, in order (as conn_table.py).

Decrypted application-data records are counted as tshark's TLS follow
stream shows them ('-z follow,tls,raw,STREAM': one hex line per decrypted
record, none for a record it cannot decrypt).  Direction: the client speaks
first on every connection here (stream header, HTTP request), so the lines
indented like the first one are the client's (tshark 4.0 names the nodes of
a STARTTLS follow stream wrongly, so they cannot be used)."""
import os, re, subprocess, sys

SUITES = {0x1301: 'TLS_AES_128_GCM_SHA256', 0x1302: 'TLS_AES_256_GCM_SHA384',
          0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
          0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
          0xc030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
          0xcca8: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'}
VERSIONS = {0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3'}
COUNT_CMD = ("tshark -r capture.pcap -o tls.keylog_file:KEYLOG -q -z follow,tls,raw,STREAM "
             "| grep -cE '^[[:space:]]*[0-9a-f]+$' (one run per tcp.stream, summed)")

d, spec = sys.argv[1], sys.argv[2]
cap = os.path.join(d, 'capture.pcap')
rows = [l.rstrip('\n').split('|') for l in open(spec) if l.strip()]

def tshark(*args):
    return subprocess.run(['tshark', '-r', cap] + list(args), capture_output=True, text=True,
                          check=True).stdout

def fields(filt, *names, keylog=None):
    opts = ['-o', 'tls.keylog_file:' + keylog] if keylog else []
    out = tshark(*opts, '-Y', filt, '-T', 'fields', *sum([['-e', n] for n in names], []))
    return [l.split('\t') for l in out.split('\n') if l.strip()]

# connections: the SYNs, in order
conns = []
for stream, sport, dport in fields('tcp.flags.syn==1 && tcp.flags.ack==0', 'tcp.stream',
                                   'tcp.srcport', 'tcp.dstport'):
    if not any(c['stream'] == stream for c in conns):
        conns.append({'stream': stream, 'client_port': sport, 'server_port': dport})
left = list(conns)
for r in rows:
    c = next((c for c in left if c['server_port'] == r[0]), None)
    if c is None:
        sys.exit('tls_facts: no connection left for server port %s (%s)' % (r[0], r[5]))
    left.remove(c)
    c.update(user=r[1], mechanism=r[2], tls=r[3], outcome=r[4], what=r[5])
if left:
    sys.exit('tls_facts: connections not in the spec: %s' % [c['client_port'] for c in left])
conns = [c for c in conns if 'user' in c]
by_stream = {c['stream']: c for c in conns}

# handshakes: ClientHello (random, SNI, ALPN) and ServerHello (version, suite)
for stream, rnd, sni, alpn in fields('tls.handshake.type==1', 'tcp.stream', 'tls.handshake.random',
                                     'tls.handshake.extensions_server_name',
                                     'tls.handshake.extensions_alpn_str'):
    by_stream[stream].update(client_random=rnd.replace(':', ''), sni=sni, alpn=alpn)
for stream, legacy, supported, suite in fields(
        'tls.handshake.type==2', 'tcp.stream', 'tls.handshake.version',
        'tls.handshake.extensions.supported_version', 'tls.handshake.ciphersuite'):
    v = int(supported or legacy, 16)
    s = int(suite, 16)
    by_stream[stream].update(tls_version=VERSIONS.get(v, hex(v)), suite=SUITES.get(s, hex(s)),
                             suite_id='0x%04x' % s)

def client_finished(keylog):
    """client port -> verify_data of the client's Finished (what tls-unique
    is for a full handshake), from tshark's hex dump of the decrypted
    handshake records ('-x'): frames on lo are Ethernet + IPv4 without
    options, so the TCP source port is at bytes 34-35 of the frame."""
    out = tshark('-o', 'tls.keylog_file:' + keylog, '-Y', 'tls.handshake.type==20', '-x')
    res, block, sport = {}, None, None
    for line in out.split('\n') + ['']:
        m = re.match(r'(Frame|Decrypted TLS) \(\d+ bytes\):', line)
        h = re.match(r'[0-9a-f]{4}  ((?:[0-9a-f]{2} )+)', line)
        if h and block is not None:
            block[1].extend(bytes.fromhex(h.group(1)))
            continue
        if block is not None:
            kind, data = block
            if kind == 'Frame':
                sport = str(int.from_bytes(data[34:36], 'big'))
            elif data[:1] == b'\x14' and sport not in res:
                res[sport] = data[4:4 + int.from_bytes(data[1:4], 'big')].hex()
        block = [m.group(1), bytearray()] if m else None
    return res

def keyed(keylog, random):
    return any(l.split()[1:2] == [random] for l in open(keylog) if l.strip() and l[0] != '#')

def ws_messages(data, masked):
    """The payloads of the WebSocket frames in DATA (after the HTTP upgrade)."""
    out, i = [], 0
    while i + 2 <= len(data):
        n, i = data[i + 1] & 0x7f, i + 2
        if n == 126:
            n, i = int.from_bytes(data[i:i + 2], 'big'), i + 2
        elif n == 127:
            n, i = int.from_bytes(data[i:i + 8], 'big'), i + 8
        key = data[i:i + 4] if masked else b'\0\0\0\0'
        i += 4 if masked else 0
        out.append(bytes(b ^ key[j % 4] for j, b in enumerate(data[i:i + n])))
        i += n
    return b''.join(out)

def first_element(data, transport):
    """The first XML element's start tag in one direction's plaintext (XML
    declarations skipped; for HTTP, in the body; for WebSocket, in the
    unmasked frames)."""
    if transport in ('https-bosh', 'wss') and b'\r\n\r\n' in data:
        head, body = data.split(b'\r\n\r\n', 1)
        if transport == 'wss':
            body = ws_messages(body, head.startswith(b'GET '))
        data = body
    m = re.search(rb'<[^?!][^>]*>', data)
    return m.group(0).decode(errors='replace') if m else ''

def follow(keylog):
    """tcp.stream -> list of (client?, plaintext) per decrypted record."""
    args = ['-o', 'tls.keylog_file:' + keylog, '-q']
    for s in by_stream:
        args += ['-z', 'follow,tls,raw,' + s]
    out = tshark(*args)
    res, cur, first_indent = {}, None, None
    for line in out.split('\n'):
        m = re.match(r'Filter: tcp\.stream eq (\d+)', line)
        if m:
            cur, first_indent = res.setdefault(m.group(1), []), None
            continue
        m = re.fullmatch(r'(\s*)([0-9a-f]+)', line)
        if m and cur is not None:
            if first_indent is None:
                first_indent = m.group(1)
            cur.append((m.group(1) == first_indent, bytes.fromhex(m.group(2))))
    return res

def transport(c):
    port = int(c['server_port'])
    return {5222: 'starttls', 5223: 'direct-tls'}.get(port) or (
        'wss' if 'WebSocket' in c['mechanism'] else 'https-bosh')

keylogs = [('', 'keylog.txt')]
if os.path.exists(os.path.join(d, 'keylog-wrong.txt')):
    keylogs.append(('wrong.', 'keylog-wrong.txt'))
version = re.search(r'TShark \(Wireshark\) (\S+)',
                    subprocess.run(['tshark', '-v'], capture_output=True, text=True).stdout)
lines = ['# %s: what tshark %s sees with the key log (written by make-testdata.sh, tls_facts.py)'
         % (os.path.basename(d), version.group(1) if version else '?'),
         'capture=capture.pcap', 'connections=%d' % len(conns), 'count_command=' + COUNT_CMD]
for prefix, name in keylogs:
    keylog = os.path.join(d, name)
    recs = follow(keylog)
    total = 0
    for c in conns:
        r = recs.get(c['stream'], [])
        c[prefix + 'records'] = r
        total += len(r)
    lines += ['%skeylog=%s' % (prefix, name), '%stshark_app_records=%d' % (prefix, total)]
finished = client_finished(os.path.join(d, 'keylog.txt'))
for i, c in enumerate(conns, 1):
    t = transport(c)
    p = 'conn%d.' % i
    lines += [p + 'client_port=' + c['client_port'], p + 'server_port=' + c['server_port'],
              p + 'tcp_stream=' + c['stream'], p + 'transport=' + t,
              p + 'tls_version=' + c.get('tls_version', ''), p + 'suite=' + c.get('suite', ''),
              p + 'suite_id=' + c.get('suite_id', ''), p + 'sni=' + c.get('sni', ''),
              p + 'alpn=' + c.get('alpn', ''),
              p + 'client_finished=' + finished.get(c['client_port'], ''),
              p + 'user=' + c['user'], p + 'mechanism=' + c['mechanism'].split(' (')[0],
              p + 'outcome=' + c['outcome']]
    for prefix, name in keylogs:
        r = c[prefix + 'records']
        cli = b''.join(b for is_cli, b in r if is_cli)
        srv = b''.join(b for is_cli, b in r if not is_cli)
        c[prefix + 'keyed'] = 'yes' if keyed(os.path.join(d, name), c['client_random']) else 'no'
        c[prefix + 'first'] = first_element(cli, t)
        lines += [prefix + p + 'keyed=' + c[prefix + 'keyed'],
                  prefix + p + 'tshark_app_records=%d' % len(r),
                  prefix + p + 'tshark_app_records_client=%d' % sum(1 for x in r if x[0]),
                  prefix + p + 'tshark_app_records_server=%d' % sum(1 for x in r if not x[0]),
                  prefix + p + 'first_client_element=' + c[prefix + 'first'],
                  prefix + p + 'first_server_element=' + first_element(srv, t)]
with open(os.path.join(d, 'expect.txt'), 'w') as f:
    f.write('\n'.join(lines) + '\n')

head = ['client port', 'server port', 'user', 'mechanism', 'TLS', 'expected outcome',
        'TLS version', 'suite', 'keys in keylog.txt', 'records tshark decrypts']
if len(keylogs) > 1:
    head += ['with keylog-wrong.txt']
head += ['what']
print('Connections, in the order they were opened (TLS version and suite from the')
print("ServerHello; 'records tshark decrypts': application-data records, client +")
print('server, in tshark\'s TLS follow stream with the key log; more in expect.txt):')
print()
print('| %s |' % ' | '.join(head))
print('|%s' % ('---|' * len(head)))
for c in conns:
    cells = [c['client_port'], c['server_port'], c['user'], c['mechanism'], c['tls'], c['outcome'],
             c.get('tls_version', ''), c.get('suite', ''), c['keyed']]
    for prefix, _ in keylogs:
        r = c[prefix + 'records']
        cells.append('%d (%d + %d)' % (len(r), sum(1 for x in r if x[0]), sum(1 for x in r if not x[0])))
    cells.append(c['what'])
    print('| %s |' % ' | '.join(cells))
print()
print('First decrypted element, client to server: ' + '; '.join(
    '%s: %s' % (c['client_port'], c['first'] or '(none)') for c in conns))
# a keyed connection that tshark cannot decrypt with the right key log is a bad run
bad = [c['client_port'] for c in conns if c['keyed'] == 'yes' and not c['records']]
if bad:
    sys.exit('tls_facts: keyed but not decrypted: %s' % bad)
EOF
chmod 755 "$CLIENTS/tls_facts.py"

# flip_secrets KEYLOG OUT N LABEL...: OUT is KEYLOG with the first byte of the
# secret inverted (xor 0xff) in the LABEL lines of the N-th session (sessions
# numbered by the first line of their client random: the runs here make one
# handshake after another); every other line is copied unchanged.  This is
# how keylog-wrong.txt is edited by hand.
flip_secrets() {
    local in=$1 out=$2; shift 2
    "$PY" - "$in" "$out" "$@" <<'EOF'
import sys
src, dst, n, labels = sys.argv[1], sys.argv[2], int(sys.argv[3]), set(sys.argv[4:])
randoms, done = [], set()
with open(src) as f, open(dst, 'w') as g:
    for line in f:
        parts = line.split()
        if len(parts) == 3 and not line.startswith('#'):
            if parts[1] not in randoms:
                randoms.append(parts[1])
            if randoms.index(parts[1]) + 1 == n and parts[0] in labels:
                secret = bytearray.fromhex(parts[2])
                secret[0] ^= 0xff
                line = '%s %s %s\n' % (parts[0], parts[1], secret.hex())
                done.add(parts[0])
        g.write(line)
if done != labels:
    sys.exit('flip_secrets: session %d of %s has no %s' % (n, src, sorted(labels - done)))
EOF
}

# tls_scenario NAME DESCRIPTION FUNCTION [AFTER]: one keyed TLS run.
# FUNCTION runs the clients with conn (one spec line each, into $WORK/spec),
# writing their keys to $TLS_DIR/keylog.txt; AFTER (if given) runs after the
# capture (it may write keylog-wrong.txt); conn_table.py checks the spec
# against the capture and the log, tls_facts.py fills README and expect.txt.
tls_scenario() {
    local name=$1 desc=$2 fn=$3 after=${4:-}
    case " $(echo $SCENARIOS) " in *" $name "*) ;; *) return 0;; esac
    TLS_DIR=$OUTDIR/$name
    : > "$WORK/spec"
    CAP_FILTER=$TLS_FILTER LOG_MARK=${TLS_LOG_MARK:-Received XML on stream} run_scenario "$name" 0 \
        "$desc Key log: keylog.txt, written by the client (Python ssl, SSLContext.keylog_filename); the keys are those of a throwaway test server and its test accounts. capture.pcap: tcpdump -i lo '$TLS_FILTER'. ejabberd.log at loglevel debug holds the decrypted side (every XML element received and sent)." -- \
        "$fn"
    [ -s "$TLS_DIR/keylog.txt" ] || die "$name: no keylog.txt"
    [ -z "$after" ] || "$after"
    chmod 644 "$TLS_DIR"/keylog*.txt
    "$PY" "$CLIENTS/conn_table.py" "$TLS_DIR/capture.pcap" "$WORK/spec" "$TLS_DIR/ejabberd.log" > "$WORK/table" ||
        { cat "$WORK/table" >&2; die "$name: connections do not match the log"; }
    "$PY" "$CLIENTS/tls_facts.py" "$TLS_DIR" "$WORK/spec" > "$WORK/table" ||
        { cat "$WORK/table" >&2; die "$name: tls_facts.py failed"; }
    { echo; cat "$WORK/table"; } >> "$TLS_DIR/README"
}

tls_starttls13() {
    conn "$PORT|alice@$XMPP_HOST|SCRAM-SHA-1|STARTTLS|established|slixmpp, TLS 1.3 with OpenSSL's default suites, resource tls-starttls13, presence, roster, message to bob, clean close" 0 \
        slix --jid "alice@$XMPP_HOST/tls-starttls13" --password "$ALICE_PASS" --mech SCRAM-SHA-1 \
             --keylog "$TLS_DIR/keylog.txt" --message-to "bob@$XMPP_HOST"
}
tls_scenario tls-starttls13 \
  "alice@xmppflow.test logs in with slixmpp over STARTTLS on 127.0.0.1:$PORT, TLS 1.3 (the client's and ejabberd's default suites), SASL SCRAM-SHA-1, bind 'tls-starttls13', presence, roster, a chat message to bob@xmppflow.test (offline: bounced), clean close." \
  tls_starttls13

tls_starttls12() {
    conn "$PORT|bob@$XMPP_HOST|PLAIN|STARTTLS|established|slixmpp, at most TLS 1.2, ECDHE with AES-GCM only, resource tls-starttls12, presence, roster, message to alice, clean close" 0 \
        slix --jid "bob@$XMPP_HOST/tls-starttls12" --password "$BOB_PASS" --mech PLAIN \
             --tls-max 1.2 --ciphers 'ECDHE+AESGCM' --keylog "$TLS_DIR/keylog.txt" --message-to "alice@$XMPP_HOST"
}
tls_scenario tls-starttls12 \
  "bob@xmppflow.test logs in with slixmpp over STARTTLS on 127.0.0.1:$PORT, TLS 1.2 (the client's context has maximum_version TLSv1_2 and the cipher list 'ECDHE+AESGCM'), SASL PLAIN (bob's PLAIN payload inside TLS: in the log, not readable in the capture without the key log), bind 'tls-starttls12', presence, roster, a chat message to alice@xmppflow.test (offline: bounced), clean close." \
  tls_starttls12

tls_direct5223() {
    conn "$DIRECT_TLS_PORT|alice@$XMPP_HOST|PLAIN|direct TLS|established|slixmpp, TLS from the first byte, resource tls-direct5223, presence, roster, clean close" 0 \
        slix --jid "alice@$XMPP_HOST/tls-direct5223" --password "$ALICE_PASS" --mech PLAIN \
             --direct-tls --port "$DIRECT_TLS_PORT" --keylog "$TLS_DIR/keylog.txt"
}
tls_scenario tls-direct5223 \
  "alice@xmppflow.test logs in with slixmpp over direct TLS (TLS from the first byte, no STARTTLS) on ejabberd's tls: true listener 127.0.0.1:$DIRECT_TLS_PORT, TLS 1.3, SASL PLAIN (alice's PLAIN payload inside TLS), bind 'tls-direct5223', presence, roster, clean close." \
  tls_direct5223

tls_missing_key() {
    conn "$PORT|bob@$XMPP_HOST|SCRAM-SHA-256|STARTTLS|established|slixmpp, TLS 1.3, keys in keylog.txt, resource tls-keyed, presence, roster, clean close" 0 \
        slix --jid "bob@$XMPP_HOST/tls-keyed" --password "$BOB_PASS" --mech SCRAM-SHA-256 \
             --keylog "$TLS_DIR/keylog.txt" &&
    conn "$PORT|alice@$XMPP_HOST|PLAIN|STARTTLS|established|slixmpp, TLS 1.3, NO keys (the client writes no key log), resource tls-unkeyed, presence, roster, clean close" 0 \
        slix --jid "alice@$XMPP_HOST/tls-unkeyed" --password "$ALICE_PASS" --mech PLAIN
}
tls_scenario tls-missing-key \
  "two STARTTLS sessions on 127.0.0.1:$PORT one after the other, both TLS 1.3: bob (SCRAM-SHA-256, resource tls-keyed) whose client writes keylog.txt, then alice (PLAIN, resource tls-unkeyed) whose client writes no key log: keylog.txt holds the secrets of the first session only, the second cannot be decrypted (the log has both)." \
  tls_missing_key

tls_wrong_secret() {
    conn "$PORT|alice@$XMPP_HOST|PLAIN|STARTTLS|established|slixmpp, TLS 1.3, resource tls-right, presence, roster, clean close; keylog-wrong.txt: right" 0 \
        slix --jid "alice@$XMPP_HOST/tls-right" --password "$ALICE_PASS" --mech PLAIN \
             --keylog "$TLS_DIR/keylog.txt" &&
    conn "$PORT|bob@$XMPP_HOST|SCRAM-SHA-1|STARTTLS|established|slixmpp, TLS 1.3, resource tls-wrong13, presence, roster, clean close; keylog-wrong.txt: CLIENT_TRAFFIC_SECRET_0 and SERVER_TRAFFIC_SECRET_0 wrong" 0 \
        slix --jid "bob@$XMPP_HOST/tls-wrong13" --password "$BOB_PASS" --mech SCRAM-SHA-1 \
             --keylog "$TLS_DIR/keylog.txt" &&
    conn "$PORT|alice@$XMPP_HOST|PLAIN|STARTTLS|established|slixmpp, TLS 1.2, resource tls-wrong12, presence, roster, clean close; keylog-wrong.txt: CLIENT_RANDOM (master secret) wrong" 0 \
        slix --jid "alice@$XMPP_HOST/tls-wrong12" --password "$ALICE_PASS" --mech PLAIN \
             --tls-max 1.2 --keylog "$TLS_DIR/keylog.txt"
}
tls_wrong_secret_keylog() {
    flip_secrets "$TLS_DIR/keylog.txt" "$WORK/keylog-13.txt" 2 CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0
    flip_secrets "$WORK/keylog-13.txt" "$TLS_DIR/keylog-wrong.txt" 3 CLIENT_RANDOM
}
tls_scenario tls-wrong-secret \
  "three STARTTLS sessions on 127.0.0.1:$PORT one after the other: alice (PLAIN, TLS 1.3, resource tls-right), bob (SCRAM-SHA-1, TLS 1.3, resource tls-wrong13), alice (PLAIN, TLS 1.2, resource tls-wrong12). keylog.txt, written by the clients, is right for all three. keylog-wrong.txt is keylog.txt EDITED BY HAND (by make-testdata.sh's flip_secrets): the first byte of a secret inverted (xor 0xff) in bob's CLIENT_TRAFFIC_SECRET_0 and SERVER_TRAFFIC_SECRET_0 lines (his handshake secrets are right: the handshake decrypts, the first application-data record in each direction fails authentication) and in the CLIENT_RANDOM line of the TLS 1.2 session (wrong master secret: the first encrypted record, the client's Finished, fails). With keylog-wrong.txt only the first session decrypts." \
  tls_wrong_secret tls_wrong_secret_keylog

tls_bosh_https() {
    conn "$HTTPS_PORT|alice@$XMPP_HOST|PLAIN (BOSH)|HTTPS|established|Python http.client over ssl (ALPN http/1.1), one keep-alive connection, bind tls-bosh-https, session, message to bob, terminate" 0 \
        web bosh alice "$ALICE_PASS" tls-bosh-https "bob@$XMPP_HOST" --tls --keylog "$TLS_DIR/keylog.txt"
}
TLS_LOG_MARK='mod_bosh:process/1:[0-9]* Incoming data' tls_scenario tls-bosh-https \
  "alice@xmppflow.test logs in over BOSH inside TLS: https://127.0.0.1:$HTTPS_PORT/bosh, ejabberd's ejabberd_http listener with tls: true, TLS 1.3, ALPN http/1.1, Python http.client over ssl on one keep-alive HTTP/1.1 connection, one request at a time (as bosh-plain): session creation, SASL PLAIN (alice's PLAIN payload inside TLS), xmpp:restart='true', bind 'tls-bosh-https', session, a chat message to bob@xmppflow.test (offline: bounced), <body type='terminate'> with an unavailable presence. The log has each request's <body/> as mod_bosh 'Incoming data' lines (ejabberd 23.01 logs no 'Received XML' for BOSH) and what it sends as 'Send XML on stream' (socket tag http_bind)." \
  tls_bosh_https

tls_wss() {
    conn "$HTTPS_PORT|bob@$XMPP_HOST|SCRAM-SHA-256 (WebSocket)|WSS|established|python3-websockets over ssl (ALPN http/1.1), subprotocol xmpp, bind tls-wss, message to alice, <close/>" 0 \
        web websocket bob "$BOB_PASS" tls-wss "alice@$XMPP_HOST" --mech SCRAM-SHA-256 --tls --keylog "$TLS_DIR/keylog.txt"
}
tls_scenario tls-wss \
  "bob@xmppflow.test logs in over XMPP over WebSocket inside TLS: wss://127.0.0.1:$HTTPS_PORT/ws on ejabberd's ejabberd_http listener with tls: true, TLS 1.3, ALPN http/1.1, python3-websockets (subprotocol xmpp, no compression; the client's frames are masked inside TLS): HTTP Upgrade, <open/>, SASL SCRAM-SHA-256 (server signature checked by the client), <open/> again, bind 'tls-wss', a chat message to alice@xmppflow.test (offline: bounced), <close/> answered by <close/>, WebSocket close (socket tag websocket in the log)." \
  tls_wss

tls13_aes128() {
    conn "$PORT|bob@$XMPP_HOST|PLAIN|STARTTLS|established|slixmpp, TLS 1.3 suite TLS_AES_128_GCM_SHA256 only (OPENSSL_CONF), resource tls13-aes128, presence, roster, message to alice, clean close" 0 \
        env OPENSSL_CONF="$(tls13_suite_conf TLS_AES_128_GCM_SHA256)" "$PY" "$CLIENTS/slixclient.py" \
            --jid "bob@$XMPP_HOST/tls13-aes128" --password "$BOB_PASS" --mech PLAIN \
            --keylog "$TLS_DIR/keylog.txt" --message-to "alice@$XMPP_HOST"
}
tls_scenario tls13-aes128 \
  "bob@xmppflow.test logs in with slixmpp over STARTTLS on 127.0.0.1:$PORT, TLS 1.3 with the suite TLS_AES_128_GCM_SHA256: the client process runs with OPENSSL_CONF pointing to an OpenSSL configuration whose system_default section says 'Ciphersuites = TLS_AES_128_GCM_SHA256' (Python's ssl module cannot set TLS 1.3 suites), so it offers that suite only. SASL PLAIN (inside TLS), bind 'tls13-aes128', presence, roster, a chat message to alice@xmppflow.test (offline: bounced), clean close." \
  tls13_aes128

tls13_chacha() {
    conn "$PORT|alice@$XMPP_HOST|SCRAM-SHA-256|STARTTLS|established|slixmpp, TLS 1.3 suite TLS_CHACHA20_POLY1305_SHA256 only (OPENSSL_CONF), resource tls13-chacha, presence, roster, message to bob, clean close" 0 \
        env OPENSSL_CONF="$(tls13_suite_conf TLS_CHACHA20_POLY1305_SHA256)" "$PY" "$CLIENTS/slixclient.py" \
            --jid "alice@$XMPP_HOST/tls13-chacha" --password "$ALICE_PASS" --mech SCRAM-SHA-256 \
            --keylog "$TLS_DIR/keylog.txt" --message-to "bob@$XMPP_HOST"
}
tls_scenario tls13-chacha \
  "alice@xmppflow.test logs in with slixmpp over STARTTLS on 127.0.0.1:$PORT, TLS 1.3 with the suite TLS_CHACHA20_POLY1305_SHA256 (the client offers only that suite, through OPENSSL_CONF as in tls13-aes128), SASL SCRAM-SHA-256, bind 'tls13-chacha', presence, roster, a chat message to bob@xmppflow.test (offline: bounced), clean close." \
  tls13_chacha

tls12_chacha() {
    conn "$PORT|bob@$XMPP_HOST|PLAIN|STARTTLS|established|slixmpp, TLS 1.2 with ECDHE-RSA-CHACHA20-POLY1305 only, resource tls12-chacha, presence, roster, message to alice, clean close" 0 \
        slix --jid "bob@$XMPP_HOST/tls12-chacha" --password "$BOB_PASS" --mech PLAIN \
             --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305 --keylog "$TLS_DIR/keylog.txt" \
             --message-to "alice@$XMPP_HOST"
}
tls_scenario tls12-chacha \
  "bob@xmppflow.test logs in with slixmpp over STARTTLS on 127.0.0.1:$PORT, TLS 1.2 with ECDHE-RSA-CHACHA20-POLY1305 (the client's context: maximum_version TLSv1_2, cipher list 'ECDHE-RSA-CHACHA20-POLY1305'), SASL PLAIN (inside TLS), bind 'tls12-chacha', presence, roster, a chat message to alice@xmppflow.test (offline: bounced), clean close." \
  tls12_chacha

tls_scram_plus() {
    conn "$PORT|bob@$XMPP_HOST|SCRAM-SHA-256-PLUS|STARTTLS|established|slixmpp, TLS 1.3, channel binding tls-unique, resource tls-scram-plus13, presence, roster, clean close" 0 \
        slix --jid "bob@$XMPP_HOST/tls-scram-plus13" --password "$BOB_PASS" --mech SCRAM-SHA-256-PLUS \
             --keylog "$TLS_DIR/keylog.txt" &&
    conn "$PORT|alice@$XMPP_HOST|SCRAM-SHA-256-PLUS|STARTTLS|established|slixmpp, TLS 1.2, channel binding tls-unique, resource tls-scram-plus12, presence, roster, clean close" 0 \
        slix --jid "alice@$XMPP_HOST/tls-scram-plus12" --password "$ALICE_PASS" --mech SCRAM-SHA-256-PLUS \
             --tls-max 1.2 --keylog "$TLS_DIR/keylog.txt"
}
tls_scenario tls-scram-plus \
  "two SCRAM-SHA-256-PLUS logins with slixmpp over STARTTLS on 127.0.0.1:$PORT, one after the other: bob with TLS 1.3, alice with TLS 1.2 (maximum_version TLSv1_2). ejabberd 23.01 (p1_xmpp 1.6.1) and slixmpp 1.8.3 know only the channel binding type tls-unique (not tls-exporter): the client-first-message starts with the GS2 header 'p=tls-unique,,' and the client-final-message's c= attribute is base64 of that header followed by the tls-unique data, which both sides take from OpenSSL's SSL_get_finished on the client: the verify_data of the client's Finished message (with TLS 1.2: 12 bytes, the first Finished of the full handshake, as RFC 5929 says; with TLS 1.3, for which RFC 5929 does not define tls-unique: as long as the suite's hash, 48 bytes for TLS_AES_256_GCM_SHA384). The Finished messages are inside the encrypted handshake (both versions), so the channel binding can be checked only with the keys: expect.txt's connN.client_finished (the client Finished's verify_data, from tshark's decrypted handshake) is the tls-unique data the c= attribute carries (the same bytes in this run). Success with server signature, bind, presence, roster, clean close." \
  tls_scram_plus

# ---------------------------------------------------------------- docs
b64() { printf '%b' "$1" | base64 -w0; }
cat > "$OUTDIR/PASSWORDS.md" <<EOF
# Test accounts used by \`make-testdata.sh\`

The data comes from a private ejabberd $ejabberd_version instance (host
\`$XMPP_HOST\`, c2s on 127.0.0.1:$PORT, optional STARTTLS with a self-signed
certificate, \`auth_password_format: plain\`, \`loglevel: debug\`; a second
listener on 127.0.0.1:$TLSREQ_PORT requires STARTTLS; BOSH and WebSocket on
127.0.0.1:$HTTP_PORT without TLS). The passwords are
distinctive so tests can check that they do (or do not) appear in xmppflow's
output.

| JID                  | password                | notes                                    |
|----------------------|-------------------------|------------------------------------------|
| alice@$XMPP_HOST  | \`$ALICE_PASS\`   | registered                               |
| bob@$XMPP_HOST    | \`$BOB_PASS\`      | registered                               |
| alice@$XMPP_HOST  | \`$WRONG_PASS\` | wrong password (scenarios wrong-password, bosh-wrong-password, loglevels, correlate, rotated) |
| mallory@$XMPP_HOST| \`$MALLORY_PASS\`       | not registered (scenario unknown-user)   |
| carol@$XMPP_HOST  | \`$CAROL_PASS\`      | registered in-band over STARTTLS (scenario ibr-register) |
| dave@$XMPP_HOST   | \`$DAVE_PASS\`       | registered in-band without TLS (scenarios ibr-register-no-tls, loglevels) |
| bob@$XMPP_HOST    | \`$BOB_WRONG_PASS\`           | wrong password (scenarios legacy-auth-error, websocket-wrong-password, loglevels) |
| alice@$XMPP_HOST  | \`$HANDMADE_PASS\`     | made up: hand-made logs of violations/ only (make-violations.py), never on a server |

SASL PLAIN payloads (base64 of \`\\0user\\0password\`) as they appear in
\`<auth mechanism="PLAIN">\`:

| user / password               | base64                                       |
|-------------------------------|----------------------------------------------|
| alice / $ALICE_PASS   | \`$(b64 "\\0alice\\0$ALICE_PASS")\` |
| alice / $WRONG_PASS | \`$(b64 "\\0alice\\0$WRONG_PASS")\` |
| mallory / $MALLORY_PASS     | \`$(b64 "\\0mallory\\0$MALLORY_PASS")\` |
| bob / $BOB_PASS        | \`$(b64 "\\0bob\\0$BOB_PASS")\` |
| bob / $BOB_WRONG_PASS             | \`$(b64 "\\0bob\\0$BOB_WRONG_PASS")\` |
| alice / $HANDMADE_PASS     | \`$(b64 "\\0alice\\0$HANDMADE_PASS")\` |

Where a password can be seen:

* \`plain-no-tls\`: SASL PLAIN without TLS, so the base64 PLAIN payload is in
  clear in \`capture.pcap\` (and in \`ejabberd.log\`).
* \`legacy-auth-no-tls\`: \`<password>$BOB_PASS</password>\` (XEP-0078) in clear
  in the capture and in the log.
* \`legacy-auth-error\`: \`<password>$BOB_WRONG_PASS</password>\` (XEP-0078, wrong
  password) in clear in the capture and in the log, twice: ejabberd's
  \`<iq type='error'>\` echoes the query, password included.
* \`ibr-register-no-tls\`: \`<password>$DAVE_PASS</password>\` (XEP-0077
  registration) in clear in the capture and in the log.
* \`ibr-register\`: \`<password>$CAROL_PASS</password>\` in the log only (the
  registration runs inside TLS).
* \`sm-resume\`, \`stream-error-conflict\`, \`starttls-required-refusal\`: SASL
  PLAIN for alice without TLS, so alice's base64 PLAIN payload is in clear in
  the capture and in the log (twice in sm-resume and stream-error-conflict:
  two logins). In starttls-required-refusal the server refuses it
  (\`<encryption-required/>\`), but it has been sent.
* ejabberd at \`loglevel: debug\` logs every received stanza after TLS
  decryption, so the PLAIN payloads also appear in \`ejabberd.log\` of the
  STARTTLS scenarios (starttls-plain-ok, drop-after-login, wrong-password,
  unknown-user, concurrent); their captures only show TLS records.
* \`bosh-plain\`: SASL PLAIN over BOSH without TLS, so alice's base64 PLAIN
  payload is in clear in \`capture.pcap\` (inside the HTTP POST's \`<body/>\`)
  and in \`ejabberd.log\` (mod_bosh "Incoming data" lines and the request
  dumps of ejabberd_bosh).
* \`websocket-plain\`: SASL PLAIN over WebSocket without TLS: bob's base64
  PLAIN payload is in clear in \`ejabberd.log\`; in \`capture.pcap\` the
  client's WebSocket frames are masked (RFC 6455 §5.3), so it is not there as
  text, but anyone can unmask it (the masking key is in each frame header).
* \`bosh-two-connections\`, \`bosh-bad-rid\`, \`bosh-expired-sid\`: alice's
  base64 PLAIN payload in clear in \`capture.pcap\` and \`ejabberd.log\`, as in
  bosh-plain; \`bosh-server-terminate\`: twice (two logins).
* \`bosh-wrong-password\`: the PLAIN payload of alice's wrong password
  $WRONG_PASS in clear in the capture and in the log.
* \`websocket-deflate\`: alice's PLAIN payload in \`ejabberd.log\`; in
  \`capture.pcap\` it is inside a compressed (permessage-deflate) and masked
  frame, so not there as text, but anyone can unmask and inflate it.
* \`websocket-deflate-declined\`, \`websocket-no-subprotocol\`: bob's PLAIN
  payload, \`websocket-wrong-password\`: the PLAIN payload of bob's wrong
  password $BOB_WRONG_PASS; as in websocket-plain: in clear in the log,
  masked in the capture.
* \`violations/*.handmade.log\`: the made-up password $HANDMADE_PASS
  (and its PLAIN payload) in the hand-made logs that show a PLAIN login.
* \`loglevels/debug\`: in \`ejabberd.log\` and in the capture (without TLS):
  bob's PLAIN payload, the PLAIN payload of $BOB_WRONG_PASS three times, alice's
  PLAIN payload (authenticated-no-session and BOSH), \`<password>$BOB_PASS</password>\`
  (legacy auth), \`<password>$DAVE_PASS</password>\` (registration); bob's
  WebSocket PLAIN payload masked in the capture; in the log only (STARTTLS):
  the PLAIN payload of $WRONG_PASS. \`loglevels/info\`: the same in the
  capture, none in \`ejabberd.log\` (ejabberd logs no XML at info level).
* \`correlate\`: alice's and bob's (BOSH) PLAIN payloads and the PLAIN payload
  of $WRONG_PASS in clear in the capture and the log; alice's direct TLS PLAIN
  payload in the log only.
* \`rotated\`: alice's PLAIN payload (STARTTLS) in \`ejabberd.log.2.gz\`, bob's
  (no TLS) in the capture and \`ejabberd.log.1\`, that of $WRONG_PASS
  (STARTTLS) in \`ejabberd.log.1\`, alice's again (no TLS) in the capture and
  \`ejabberd.log\`.
* keyed TLS runs (tls-*, tls1*; issue 15): the PLAIN payloads of alice
  (tls-direct5223, tls-missing-key, tls-wrong-secret, tls-bosh-https) and bob
  (tls-starttls12, tls13-aes128, tls12-chacha) are inside TLS: in clear in
  \`ejabberd.log\`, and in the capture to anyone with the scenario's
  \`keylog.txt\` (tls-missing-key: alice's session has no keys).
* SCRAM / DIGEST-MD5 scenarios (including scram-sha256-plus, bosh-scram,
  websocket-scram, tls-scram-plus, tls-wss) never expose the password (only
  the user name).
EOF

{
    echo "# xmppflow test data"
    echo
    echo "Generated by \`make-testdata.sh\` (run as root on Debian 12) from a private"
    echo "ejabberd $ejabberd_version on 127.0.0.1:$PORT. Accounts and passwords: PASSWORDS.md."
    echo "ejabberd also listens on [::1]:$PORT (used by ipv6-starttls-plain only) and on"
    echo "127.0.0.1:$TLSREQ_PORT with \`starttls_required: true\` (used by"
    echo "starttls-required-refusal only, captured with 'tcp port $TLSREQ_PORT'), and"
    echo "on 127.0.0.1:$HTTP_PORT without TLS (ejabberd_http: BOSH on /bosh, WebSocket on"
    echo "/ws; used by the bosh-* and websocket-* scenarios only, captured with"
    echo "'tcp port $HTTP_PORT'; websocket-deflate talks to a permessage-deflate relay"
    echo "on 127.0.0.2:$HTTP_PORT in front of it, see its section), and on 127.0.0.1:$DIRECT_TLS_PORT"
    echo "with direct TLS (\`tls: true\`; used by correlate and tls-direct5223), and on"
    echo "127.0.0.1:$HTTPS_PORT with TLS (ejabberd_http, \`tls: true\`: BOSH on /bosh, WebSocket"
    echo "on /ws; used by tls-bosh-https and tls-wss only)."
    echo "The tls-* and tls1* directories are keyed TLS runs (issue 15): each also holds"
    echo "\`keylog.txt\` (the NSS key log the Python client wrote: secrets of a throwaway"
    echo "test server, nothing else), \`expect.txt\` (key=value facts from tshark with"
    echo "that key log, for tests) and captures 'tcp port $PORT or $DIRECT_TLS_PORT or $HTTP_PORT or $HTTPS_PORT';"
    echo "tls-wrong-secret also has \`keylog-wrong.txt\`, edited by hand (see its section)."
    echo "Each directory holds \`ejabberd.log\` (the server log lines written during"
    echo "that scenario only) and \`capture.pcap\` (\`tcpdump -i lo 'tcp port $PORT'\`),"
    echo "except where its section below says otherwise: pcapng-scram has"
    echo "\`capture.pcapng\` (dumpcap), sll-plain-no-tls was captured on \`-i any\`"
    echo "(Linux cooked v1 \`capture.pcap\` and v2 \`capture-sll2.pcap\`),"
    echo "ipv6-starttls-plain also has \`capture.pcap.gz\`; loglevels has its runs in"
    echo "\`info/\` and \`debug/\`; rotated has \`ejabberd.log\`, \`ejabberd.log.1\` and"
    echo "\`ejabberd.log.2.gz\`."
    echo
    echo "\`derived/\` holds captures made from these real ones by \`make-derived.py\`"
    echo "(re-segmented, reordered, duplicated, damaged, other link types); see"
    echo "\`derived/README\`. \`bad/\` holds hand-made broken logs (\`bad/README.handmade\`)."
    echo
    for d in "$OUTDIR"/*/; do
        # loglevels/ holds its logs one level down (info/, debug/)
        [ -f "$d/README" ] && { [ -f "$d/ejabberd.log" ] || [ -f "$d/info/ejabberd.log" ]; } || continue
        echo "## $(basename "$d")"
        echo
        cat "$d/README"
        echo
    done
} > "$OUTDIR/README.md"

log "done; scenarios written under $OUTDIR"
