#!/usr/bin/env python3
"""make-violations.py: write the hand-made violation logs in testdata/violations/.

For every violation id of login-spec §3 that one client login stream can show
(groups A-H and K; not I (BOSH) and J (WebSocket), which xmppflow cannot read
yet, nor L1-L3, which are about the input rather than the login), plus C10
(ten failing connections in a row) and C22 (ejabberd's own auth log line), the
table SCENARIOS below holds a short hand-made sequence of client (C) and server
(S) XML chunks, written out as an ejabberd 23.01 debug log (OTP logger, level
debug) in the format of the real logs in testdata/*/ejabberd.log:

    <ID>.handmade.log   e.g. C6.handmade.log

Each one is the smallest realistic login that shows that violation; findings
that necessarily come along (a stream error is K1, a login that stops early is
D16, a PLAIN password in a debug log is L1, ...) are listed in the table as
"also", everything else is avoided: TLS and SCRAM are used wherever the id is
not about TLS or PLAIN. README (this directory) is written from the same table.

Steps of a scenario:
    ("C", xml)      one "Received XML on stream" line (what the client sent)
    ("S", xml)      one "Send XML on stream" line (what the server sent)
    TLS             the socket switches to TLS: later lines are tagged tls|
                    (before the first chunk: direct TLS, tagged tls| throughout)
    CLOSE           the c2s process ends: the c2s_terminated hook line, then
                    the server's </stream:stream> (as ejabberd 23.01 logs it)
    TERMINATED      the c2s_terminated hook line only, without the server's
                    </stream:stream> (the server never closed its stream)
    ("TLS_FAILED", reason)
                    the TLS handshake after <proceed/> failed: the hook line,
                    ejabberd_c2s's "Failed to secure c2s connection" warning,
                    then the server's </stream:stream>
    ("AUTH_OK", mech)
                    ejabberd_c2s's info line "Accepted c2s <mech> authentication
                    for alice@xmppflow.test by mnesia backend from 127.0.0.1"
    ("AUTH_FAIL", mech)
                    its warning "Failed c2s <mech> authentication for
                    alice@xmppflow.test from 127.0.0.1: Invalid username or
                    password"
    ("CONN", n)     a new connection from the same address: c2s pid
                    <0.90n.0>, client port 4000n, its "Accepted connection"
                    line, tagged tcp| again (C10 needs several)
Options per scenario: accept=False leaves out the listener's "Accepted
connection" line (a log that starts in the middle of a connection), tag="tls"
tags every line tls| (a connection already past STARTTLS), port=5223 names
the direct-TLS listener.

The user is alice@xmppflow.test with the made-up password Handmade-Secret-0
(never a password of testdata/PASSWORDS.md). SCRAM and DIGEST-MD5 values are
computed for it, so every exchange is internally consistent.

Usage: make-violations.py [--check] [DIR]   (DIR: default, this directory)
    --check   write nothing; exit 1 if a file in DIR differs from the table.
Python 3 standard library only; the output is deterministic.
"""

import base64
import hashlib
import hmac
import os
import sys

DOMAIN = "xmppflow.test"
USER = "alice"
PASSWORD = "Handmade-Secret-0"
WRONG_PASSWORD = "Handmade-Wrong-0"
RESOURCE = "handmade"
FULL_JID = "%s@%s/%s" % (USER, DOMAIN, RESOURCE)
BARE_JID = "%s@%s" % (USER, DOMAIN)
PID = "<0.900.0>"
LISTENER = "<0.335.0>"
CLIENT_ADDR = "127.0.0.1:40000"
T0 = 10 * 3600 * 1000000 + 100  # 10:00:00.000100, in microseconds of the day
DATE = "2026-11-25"

NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_SESSION = "urn:ietf:params:xml:ns:xmpp-session"
NS_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_SM = "urn:xmpp:sm:3"
NS_SASL2 = "urn:xmpp:sasl:2"
NS_BIND2 = "urn:xmpp:bind:0"
NS_FAST = "urn:xmpp:fast:0"
NS_COMPRESS = "http://jabber.org/protocol/compress"
NS_F_COMPRESS = "http://jabber.org/features/compress"
NS_F_REGISTER = "http://jabber.org/features/iq-register"
NS_F_IQAUTH = "http://jabber.org/features/iq-auth"

TLS = ("TLS",)
AUTH_OK = ("AUTH_OK", "SCRAM-SHA-256")
AUTH_FAIL = ("AUTH_FAIL", "SCRAM-SHA-256")
CLOSE = ("CLOSE",)
TERMINATED = ("TERMINATED",)


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


# ---- SASL payloads, computed for alice -----------------------------------------------------


def scram(mech="SCRAM-SHA-256", password=PASSWORD, cnonce="hmCl1entN0nce7fQ2x9", gs2="n,,",
          cbdata=b"", iterations=4096, snonce="Srv0nce4Kd81qZ", salt=b"handmade-salt-16"):
    """client-first, server-first, client-final, server-final (decoded) of one exchange."""
    base = mech[len("SCRAM-"):]
    if base.endswith("-PLUS"):
        base = base[:-len("-PLUS")]
    h = {"SHA-1": hashlib.sha1, "SHA-256": hashlib.sha256, "SHA-512": hashlib.sha512}[base]
    name = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}[base]
    bare = "n=%s,r=%s" % (USER, cnonce)
    nonce = cnonce + snonce
    server_first = "r=%s,s=%s,i=%d" % (nonce, b64(salt), iterations)
    final_bare = "c=%s,r=%s" % (b64(gs2.encode() + cbdata), nonce)
    auth_message = ",".join([bare, server_first, final_bare]).encode()
    salted = hashlib.pbkdf2_hmac(name, password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", h).digest()
    signature = hmac.new(h(client_key).digest(), auth_message, h).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    server_key = hmac.new(salted, b"Server Key", h).digest()
    verifier = hmac.new(server_key, auth_message, h).digest()
    return (gs2 + bare, server_first, "%s,p=%s" % (final_bare, b64(proof)), "v=" + b64(verifier))


def digest_md5(nonce="6241980173368230951", cnonce="8304715524970136"):
    """DIGEST-MD5 (RFC 2831) challenge 1, response, challenge 2 (rspauth), as ejabberd and slixmpp."""
    uri = "xmpp/" + DOMAIN
    md5 = lambda s: hashlib.md5(s if isinstance(s, bytes) else s.encode()).digest()  # noqa: E731
    hexmd5 = lambda s: md5(s).hex()  # noqa: E731
    a1 = md5("%s:%s:%s" % (USER, DOMAIN, PASSWORD)) + (":%s:%s" % (nonce, cnonce)).encode()
    ha1 = hexmd5(a1)

    def kd(a2):
        return hexmd5("%s:%s:00000001:%s:auth:%s" % (ha1, nonce, cnonce, hexmd5(a2)))

    challenge1 = 'nonce="%s",qop="auth",charset=utf-8,algorithm=md5-sess' % nonce
    response = ('username="%s",realm="%s",nonce="%s",cnonce="%s",nc=00000001,qop=auth,'
                'digest-uri="%s",response=%s,maxbuf=65536,charset=utf-8'
                % (USER, DOMAIN, nonce, cnonce, uri, kd("AUTHENTICATE:" + uri)))
    return challenge1, response, "rspauth=" + kd(":" + uri)


def plain(user=USER, password=PASSWORD, authzid=""):
    return b64("%s\0%s\0%s" % (authzid, user, password))


def iq_auth_digest(stream_id, password=PASSWORD):
    return hashlib.sha1((stream_id + password).encode()).hexdigest()


# ---- stream building blocks ----------------------------------------------------------------

C_HDR = ("<stream:stream to='%s' xmlns:stream='http://etherx.jabber.org/streams' "
         "xmlns='jabber:client' xml:lang='en' version='1.0'>" % DOMAIN)
STREAM_IDS = ["3697230906920469980", "13807890531385474489", "16092410613462235606",
              "1174382297416375013", "9640092146799841994"]


def s_hdr(n=0, stream_id=None, extra=""):
    sid = "" if stream_id == "" else " id='%s'" % (stream_id or STREAM_IDS[n])
    return ("<?xml version='1.0'?><stream:stream%s version='1.0' xml:lang='en' "
            "xmlns:stream='http://etherx.jabber.org/streams' from='%s' xmlns='jabber:client'%s>"
            % (sid, DOMAIN, extra))


def feat(*children):
    if not children:
        return "<stream:features/>"
    return "<stream:features>%s</stream:features>" % "".join(children)


def mechs(*names):
    return "<mechanisms xmlns='%s'>%s</mechanisms>" % (
        NS_SASL, "".join("<mechanism>%s</mechanism>" % m for m in names))


STARTTLS_REQUIRED = "<starttls xmlns='%s'><required/></starttls>" % NS_TLS
STARTTLS_OFFER = "<starttls xmlns='%s'/>" % NS_TLS
SCRAM_MECHS = mechs("SCRAM-SHA-256", "SCRAM-SHA-1")
BIND_F = "<bind xmlns='%s'/>" % NS_BIND
SESSION_OPTIONAL_F = "<session xmlns='%s'><optional/></session>" % NS_SESSION
SM_F = "<sm xmlns='%s'/>" % NS_SM
POST_AUTH = feat(BIND_F, SESSION_OPTIONAL_F, SM_F)
C_STARTTLS = '<starttls xmlns="%s" />' % NS_TLS
S_PROCEED = "<proceed xmlns='%s'/>" % NS_TLS
C_CLOSE = "</stream:stream>"


def c_auth(mech, data=None):
    if data is None:
        return '<auth xmlns="%s" mechanism="%s" />' % (NS_SASL, mech)
    return '<auth xmlns="%s" mechanism="%s">%s</auth>' % (NS_SASL, mech, data)


def s_challenge(data=None):
    if data is None:
        return "<challenge xmlns='%s'/>" % NS_SASL
    return "<challenge xmlns='%s'>%s</challenge>" % (NS_SASL, data)


def c_response(data=None):
    if data is None:
        return '<response xmlns="%s" />' % NS_SASL
    return '<response xmlns="%s">%s</response>' % (NS_SASL, data)


def s_success(data=None):
    if data is None:
        return "<success xmlns='%s'/>" % NS_SASL
    return "<success xmlns='%s'>%s</success>" % (NS_SASL, data)


def s_failure(condition, text=None):
    t = "" if text is None else "<text xml:lang='en'>%s</text>" % text
    return "<failure xmlns='%s'><%s/>%s</failure>" % (NS_SASL, condition, t)


def stream_error(condition, text=None, inner=""):
    t = "" if text is None else "<text xml:lang='en' xmlns='%s'>%s</text>" % (NS_STREAMS, text)
    return "<stream:error><%s xmlns='%s'%s%s</stream:error>" % (
        condition, NS_STREAMS, ">%s</%s>" % (inner, condition) if inner else "/>", t)


def c_bind(iq_id="bind_1", resource=RESOURCE):
    return ('<iq id="%s" type="set"><bind xmlns="%s"><resource>%s</resource></bind></iq>'
            % (iq_id, NS_BIND, resource))


def s_bind_result(iq_id="bind_1", jid=FULL_JID):
    return "<iq type='result' id='%s'><bind xmlns='%s'><jid>%s</jid></bind></iq>" % (iq_id, NS_BIND, jid)


def s_iq_error(iq_id, condition, etype="cancel", code=None, inner=""):
    c = "" if code is None else " code='%s'" % code
    return ("<iq xml:lang='en' type='error' id='%s'>%s<error%s type='%s'><%s xmlns='%s'/></error></iq>"
            % (iq_id, inner, c, etype, condition, NS_STANZAS))


C_PRESENCE = '<presence id="pres_1" xml:lang="en" />'


def scram_login(mech="SCRAM-SHA-256", **kw):
    """auth ... success of one SCRAM exchange (over whatever the stream has)."""
    first, server_first, final, server_final = scram(mech, **kw)
    return [("C", c_auth(mech, b64(first))), ("S", s_challenge(b64(server_first))),
            ("C", c_response(b64(final))), ("S", s_success(b64(server_final)))]


def nonce(i):
    """a client nonce for attempt i (every attempt uses a fresh one)."""
    return "hmCl1entN0nce7fQ2x9" if i == 0 else "hmAttempt%dN0nce4Tz" % i


def scram_failure(mech="SCRAM-SHA-256", attempt=1, **kw):
    """a SCRAM exchange with a wrong password, refused after the client proof."""
    kw.setdefault("password", WRONG_PASSWORD)
    kw.setdefault("cnonce", nonce(attempt))
    kw.setdefault("snonce", "Srv%dRetry9Lm" % attempt)
    first, server_first, final, _ = scram(mech, **kw)
    return [("C", c_auth(mech, b64(first))), ("S", s_challenge(b64(server_first))),
            ("C", c_response(b64(final))),
            ("S", s_failure("not-authorized", "Invalid username or password"))]


def tls_prologue(sasl_features=None):
    """header, required STARTTLS, TLS, header again, the SASL features."""
    return [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(STARTTLS_REQUIRED)),
            ("C", C_STARTTLS), ("S", S_PROCEED), TLS,
            ("C", C_HDR), ("S", s_hdr(1)), ("S", sasl_features or feat(SCRAM_MECHS))]


def restart(n=2, features=POST_AUTH):
    return [("C", C_HDR), ("S", s_hdr(n)), ("S", features)]


def bind():
    return [("C", c_bind()), ("S", s_bind_result())]


def epilogue():
    """presence, then the client closes and the server ends the connection."""
    return [("C", C_PRESENCE), ("C", C_CLOSE), CLOSE]


def login(sasl_features=None, auth=None, post_auth=POST_AUTH):
    """the clean login every scenario starts from: STARTTLS, SCRAM-SHA-256, bind, presence, close."""
    return (tls_prologue(sasl_features) + (auth or scram_login()) + restart(2, post_auth)
            + bind() + epilogue())


def sasl2_features(mech_list=("SCRAM-SHA-256",), inline=""):
    return feat("<authentication xmlns='%s'>%s%s</authentication>" % (
        NS_SASL2, "".join("<mechanism>%s</mechanism>" % m for m in mech_list),
        "<inline>%s</inline>" % inline if inline else ""))


USER_AGENT = ('<user-agent id="d4565fa7-4d72-4749-b3d3-740edbf87770"><software>xmppflow-handmade'
              '</software><device>laptop</device></user-agent>')
SASL2_INLINE = ("<bind xmlns='%s'/><sm xmlns='%s'/><fast xmlns='%s'><mechanism>HT-SHA-256-NONE"
                "</mechanism></fast>" % (NS_BIND2, NS_SM, NS_FAST))


def c_authenticate(mech, initial, extra="", user_agent=USER_AGENT):
    return ('<authenticate xmlns="%s" mechanism="%s"><initial-response>%s</initial-response>%s%s'
            '</authenticate>' % (NS_SASL2, mech, initial, user_agent, extra))


def s2_success(server_final, extra="", authz=BARE_JID):
    return ("<success xmlns='%s'><additional-data>%s</additional-data><authorization-identifier>%s"
            "</authorization-identifier>%s</success>" % (NS_SASL2, b64(server_final), authz, extra))


def sasl2_exchange(extra="", success_extra="", authz=BARE_JID, user_agent=USER_AGENT, **kw):
    """SASL2 SCRAM-SHA-256: authenticate (+inline requests), challenge, response, success."""
    first, server_first, final, server_final = scram("SCRAM-SHA-256", **kw)
    return [("C", c_authenticate("SCRAM-SHA-256", b64(first), extra, user_agent)),
            ("S", "<challenge xmlns='%s'>%s</challenge>" % (NS_SASL2, b64(server_first))),
            ("C", '<response xmlns="%s">%s</response>' % (NS_SASL2, b64(final))),
            ("S", s2_success(server_final, success_extra, authz))]


C_HDR_FROM = C_HDR.replace("<stream:stream ", "<stream:stream from='%s' " % BARE_JID)


def sasl2_prologue(features=None):
    """STARTTLS, then a header with from (XEP-0388 §2.1) and the SASL2 features."""
    return [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(STARTTLS_REQUIRED)),
            ("C", C_STARTTLS), ("S", S_PROCEED), TLS,
            ("C", C_HDR_FROM), ("S", s_hdr(1)), ("S", features or sasl2_features(inline=SASL2_INLINE))]


BIND2_REQUEST = '<bind xmlns="%s"><tag>xmppflow-handmade</tag></bind>' % NS_BIND2
BOUND = "<bound xmlns='%s'/>" % NS_BIND2
SM_ID = "g2gCbQAAAAhoYW5kbWFkZW0AAAAIqF1xXxSNPPE="
C_RESUME = '<resume xmlns="%s" previd="%s" h="0" />' % (NS_SM, SM_ID)
S_RESUMED = "<resumed previd='%s' h='0' xmlns='%s'/>" % (SM_ID, NS_SM)


def legacy_get(iq_id="auth1"):
    return ("<iq type=\"get\" id=\"%s\"><query xmlns=\"jabber:iq:auth\"><username>%s</username>"
            "</query></iq>" % (iq_id, USER))


def legacy_fields(iq_id="auth1"):
    return ("<iq xml:lang='en' type='result' id='%s'><query xmlns='jabber:iq:auth'><username/>"
            "<resource/><password/><digest/></query></iq>" % iq_id)


def legacy_set_query(stream_id, resource=RESOURCE, password=PASSWORD):
    res = "" if resource is None else "<resource>%s</resource>" % resource
    return ("<query xmlns=\"jabber:iq:auth\"><username>%s</username><digest>%s</digest>%s</query>"
            % (USER, iq_auth_digest(stream_id, password), res))


def legacy_set(stream_id, iq_id="auth2", **kw):
    return "<iq type=\"set\" id=\"%s\">%s</iq>" % (iq_id, legacy_set_query(stream_id, **kw))


def legacy_ok(iq_id="auth2"):
    return "<iq xml:lang='en' type='result' id='%s'/>" % iq_id


def register_get(iq_id="reg1"):
    return '<iq type="get" id="%s"><query xmlns="jabber:iq:register" /></iq>' % iq_id


def register_form(iq_id="reg1"):
    return ("<iq xml:lang='en' type='result' id='%s'><query xmlns='jabber:iq:register'>"
            "<instructions>Choose a username and password for use with this service.</instructions>"
            "<username/><password/></query></iq>" % iq_id)


def register_set(user, password, iq_id="reg2"):
    return ('<iq type="set" id="%s"><query xmlns="jabber:iq:register"><username>%s</username>'
            '<password>%s</password></query></iq>' % (iq_id, user, password))


def iq_result(iq_id):
    return "<iq xml:lang='en' type='result' id='%s'/>" % iq_id


def compress(method="zlib"):
    return '<compress xmlns="%s"><method>%s</method></compress>' % (NS_COMPRESS, method)


COMPRESSION_F = "<compression xmlns='%s'><method>zlib</method></compression>" % NS_F_COMPRESS
S_COMPRESSED = "<compressed xmlns='%s'/>" % NS_COMPRESS


def sm_enable(resume=False):
    return '<enable xmlns="%s"%s />' % (NS_SM, ' resume="true"' if resume else "")


S_ENABLED = "<enabled xmlns='%s'/>" % NS_SM
S_ENABLED_RESUME = "<enabled resume='true' max='300' id='%s' xmlns='%s'/>" % (SM_ID, NS_SM)


def sm_failed(condition, h=None):
    return "<failed%s xmlns='%s'><%s xmlns='%s'/></failed>" % (
        "" if h is None else " h='%d'" % h, NS_SM, condition, NS_STANZAS)


# ---- the table -------------------------------------------------------------------------------
# id: (what the log shows, the other findings that necessarily come along, steps, options)

SCENARIOS = {}


def scenario(vid, text, also, steps, **opts):
    assert vid not in SCENARIOS, vid
    SCENARIOS[vid] = (text, also, steps, opts)


# ---- A. Stream framing and negotiation

scenario("A1", "the client sends a stanza as its very first data, without a stream header; the "
         "server answers with its header and an invalid-xml stream error",
         "K1, D16",
         [("C", C_PRESENCE), ("S", s_hdr(0)), ("S", stream_error("invalid-xml")), CLOSE])

scenario("A2", "after the post-auth restart the server sends a message (an announcement) before "
         "its <stream:features/>", "",
         tls_prologue() + scram_login()
         + [("C", C_HDR), ("S", s_hdr(2)),
            ("S", "<message from='%s' to='%s' type='headline' xml:lang='en'><subject>Welcome"
                  "</subject><body>Maintenance tonight at 22:00 UTC.</body></message>"
                  % (DOMAIN, BARE_JID)),
            ("S", POST_AUTH)]
         + bind() + epilogue())

scenario("A3", "the client pipelines <starttls/> right after its header, before the server's "
         "header and features arrived", "",
         [("C", C_HDR), ("C", C_STARTTLS), ("S", s_hdr(0)), ("S", feat(STARTTLS_REQUIRED)),
          ("S", S_PROCEED), TLS, ("C", C_HDR), ("S", s_hdr(1)), ("S", feat(SCRAM_MECHS))]
         + scram_login() + restart() + bind() + epilogue())

scenario("A4", "the server's first stream header has no id attribute", "",
         [("C", C_HDR), ("S", s_hdr(0, stream_id=""))] + login()[2:])

scenario("A5", "the server's header after the TLS restart reuses the id of the first header", "",
         tls_prologue()[:7] + [("S", s_hdr(0)), ("S", feat(SCRAM_MECHS))]
         + scram_login() + restart() + bind() + epilogue())

scenario("A6", "the client's initial stream header has no 'to' attribute (its later headers do)", "",
         [("C", C_HDR.replace("to='%s' " % DOMAIN, ""))] + login()[1:])

scenario("A7", "a pre-1.0 stream on the direct-TLS port: neither header carries version, so no "
         "features follow and the client logs in with jabber:iq:auth (digest)", "E5",
         [TLS, ("C", C_HDR.replace(" version='1.0'", "")),
          ("S", s_hdr(0).replace(" version='1.0' xml:lang", " xml:lang")),
          ("C", legacy_get()), ("S", legacy_fields()),
          ("C", legacy_set(STREAM_IDS[0])), ("S", legacy_ok())] + epilogue(),
         port=5223)

scenario("A8", "the client's initial header, sent before TLS, carries from='alice@xmppflow.test'", "",
         [("C", C_HDR_FROM)] + login()[1:])

scenario("A9", "the client's header declares the content namespace jabber:server instead of "
         "jabber:client; the server answers with invalid-namespace", "K1, D16",
         [("C", C_HDR.replace("xmlns='jabber:client'", "xmlns='jabber:server'")),
          ("S", s_hdr(0)), ("S", stream_error("invalid-namespace")), CLOSE])

scenario("A10", "a whitespace keepalive from the client between <auth/> and the server's challenge", "",
         tls_prologue() + scram_login()[:1] + [("C", " ")] + scram_login()[1:]
         + restart() + bind() + epilogue())

scenario("A11", "the client sends a second stream header on the first stream with no restart "
         "trigger (no TLS, no SASL success, no compression); the server answers with a new "
         "header and features", "",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(STARTTLS_REQUIRED)),
          ("C", C_HDR), ("S", s_hdr(3)), ("S", feat(STARTTLS_REQUIRED))] + login()[3:])

first, server_first, final, server_final = scram()
scenario("A12", "the client pipelines its restart header behind its last SASL response, before "
         "<success/> reached it", "",
         tls_prologue()
         + [("C", c_auth("SCRAM-SHA-256", b64(first))), ("S", s_challenge(b64(server_first))),
            ("C", c_response(b64(final))), ("C", C_HDR), ("S", s_success(b64(server_final))),
            ("S", s_hdr(2)), ("S", POST_AUTH)]
         + bind() + epilogue())

scenario("A13", "after SASL success the client sends </stream:stream> instead of a new stream "
         "header; the server closes", "D16",
         tls_prologue() + scram_login() + [("C", C_CLOSE), CLOSE])

scenario("A14", "after the bind result the server sends another non-empty <stream:features/>", "",
         tls_prologue() + scram_login() + restart() + bind()
         + [("S", feat(SM_F))] + epilogue())

scenario("A15", "an XML comment inside the client's initial presence", "",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", '<presence id="pres_1" xml:lang="en"><!-- online --></presence>'), ("C", C_CLOSE),
            CLOSE])

scenario("A16", "after a failed SASL attempt (unknown account) the client goes back to in-band "
         "registration (REGISTER after AUTH: the phase rank goes backwards), then logs in",
         "C7, L1",
         tls_prologue(feat(SCRAM_MECHS, "<register xmlns='%s'/>" % NS_F_REGISTER))
         + [("C", c_auth("SCRAM-SHA-256", b64(scram(cnonce=nonce(1))[0]))),
            ("S", s_failure("not-authorized", "Invalid username or password")),
            ("C", register_get()), ("S", register_form()),
            ("C", register_set(USER, PASSWORD)), ("S", iq_result("reg2"))]
         + scram_login() + restart() + bind() + epilogue())

scenario("A17", "the log starts in the middle of an established connection (no Accepted "
         "connection line, no header): the client's bind is the first line", "",
         bind() + epilogue(), accept=False, tag="tls")

# ---- B. TLS and confidentiality

scenario("B1", "SASL PLAIN on a stream that never negotiated TLS (STARTTLS offered, not required)",
         "B3, B12, L1",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(mechs("PLAIN"), STARTTLS_OFFER)),
          ("C", c_auth("PLAIN", plain())), ("S", s_success())]
         + restart(1) + bind() + epilogue())

scenario("B2", "SCRAM-SHA-256 on a stream that never negotiated TLS (STARTTLS offered, not "
         "required): the transcript allows an offline dictionary attack", "B3",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(SCRAM_MECHS, STARTTLS_OFFER))]
         + scram_login() + restart(1) + bind() + epilogue())

scenario("B3", "STARTTLS offered (not required), the client logs in anonymously in clear", "C18",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(mechs("ANONYMOUS"), STARTTLS_OFFER)),
          ("C", c_auth("ANONYMOUS", "=")), ("S", s_success())]
         + restart(1)
         + [("C", c_bind()), ("S", s_bind_result(jid="4f1b9a62c8e0d7a3@%s/%s" % (DOMAIN, RESOURCE)))]
         + epilogue())

scenario("B4", "STARTTLS is required (the only feature, <required/>), the client sends SASL PLAIN "
         "in clear anyway; ejabberd refuses with encryption-required and the client closes",
         "B1, L1, C7, D16",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(STARTTLS_REQUIRED)),
          ("C", c_auth("PLAIN", plain())), ("S", s_failure("encryption-required")),
          ("C", C_CLOSE), CLOSE])

scenario("B5", "STARTTLS is required, the client sends SASL PLAIN in clear and the server "
         "accepts it (success, then bind)", "B4, B1, L1",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(STARTTLS_REQUIRED)),
          ("C", c_auth("PLAIN", plain())), ("S", s_success())]
         + restart(1) + bind() + epilogue())

scenario("B6", "the first features on the plaintext stream do not offer STARTTLS; the client "
         "(which insists on TLS) closes", "D16",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(SCRAM_MECHS)), ("C", C_CLOSE), CLOSE])

scenario("B7", "the client sends <starttls/> again on the TLS-protected stream, whose features do "
         "not offer it; the server answers with a TLS <failure/>, both close", "B8, D16",
         tls_prologue() + [("C", C_STARTTLS), ("S", "<failure xmlns='%s'/>" % NS_TLS), ("C", C_CLOSE),
                          CLOSE])

scenario("B8", "the server refuses STARTTLS with a TLS <failure/>; the client closes", "D16",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(STARTTLS_REQUIRED)), ("C", C_STARTTLS),
          ("S", "<failure xmlns='%s'/>" % NS_TLS), ("C", C_CLOSE), CLOSE])

scenario("B9", "the client sends its restart header in clear right after <proceed/>, before the "
         "TLS handshake finished (the line is still tagged tcp|), then again over TLS", "",
         tls_prologue()[:5] + [("C", C_HDR)] + tls_prologue()[5:]
         + scram_login() + restart() + bind() + epilogue())

scenario("B10", "the first data over the new TLS layer is <auth/> instead of a new stream header; "
         "ejabberd answers with a header and an invalid-xml stream error", "K1, D16",
         tls_prologue()[:6] + scram_login()[:1]
         + [("S", s_hdr(1)), ("S", stream_error("invalid-xml")), CLOSE])

scenario("B11", "the features after the TLS restart still offer <starttls/>", "",
         login(feat(SCRAM_MECHS, STARTTLS_OFFER)))

scenario("B12", "the plaintext stream offers PLAIN next to STARTTLS; the client negotiates TLS "
         "and uses SCRAM anyway", "",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(mechs("SCRAM-SHA-256", "PLAIN"), STARTTLS_OFFER))]
         + login()[3:])

scenario("B13", "the TLS handshake after <proceed/> fails (the client rejects the self-signed "
         "certificate): ejabberd logs 'Failed to secure c2s connection'", "K4, D16",
         tls_prologue()[:5]
         + [("TLS_FAILED", "TLS failed: SSL_do_handshake failed: error:0A000418:SSL routines::"
                           "tlsv1 alert unknown ca")])

scenario("B16", "the plaintext stream offers SASL2 (<authentication xmlns='urn:xmpp:sasl:2'>) "
         "next to STARTTLS; the client negotiates TLS and uses SASL1 SCRAM", "",
         [("C", C_HDR), ("S", s_hdr(0)),
          ("S", feat(STARTTLS_OFFER, sasl2_features()[len("<stream:features>"):-len("</stream:features>")]))]
         + login()[3:])

scenario("B17", "the plaintext stream advertises in-band registration (<register/>) next to "
         "optional STARTTLS, as ejabberd does by default; the client negotiates TLS", "",
         [("C", C_HDR), ("S", s_hdr(0)),
          ("S", feat(STARTTLS_OFFER, "<register xmlns='%s'/>" % NS_F_REGISTER))]
         + login()[3:])

scenario("B18", "STARTTLS is marked <required/>, yet the same features offer SASL mechanisms", "",
         [("C", C_HDR), ("S", s_hdr(0)), ("S", feat(STARTTLS_REQUIRED, SCRAM_MECHS))] + login()[3:])

# ---- C. SASL

scenario("C1", "the client pipelines <auth/> right behind its post-TLS header, before the server's "
         "features arrived", "",
         tls_prologue()[:7] + scram_login()[:1] + [("S", s_hdr(1)), ("S", feat(SCRAM_MECHS))]
         + scram_login()[1:] + restart() + bind() + epilogue())

first512 = scram("SCRAM-SHA-512", cnonce=nonce(1))[0]
scenario("C2", "the client asks for SCRAM-SHA-512, which the features do not offer; "
         "invalid-mechanism, then SCRAM-SHA-256 succeeds", "C7, C8",
         login(auth=[("C", c_auth("SCRAM-SHA-512", b64(first512))), ("S", s_failure("invalid-mechanism"))]
               + scram_login()))

scenario("C3", "after SASL success and the restart the client sends <auth/> again; ejabberd answers "
         "not-authorized, the client then binds", "C7",
         tls_prologue() + scram_login() + restart()
         + [("C", c_auth("SCRAM-SHA-256", b64(scram(cnonce=nonce(1))[0]))),
            ("S", s_failure("not-authorized", "SASL negotiation is not allowed in this state"))]
         + bind() + epilogue())

scenario("C4", "after SASL success the client sends its bind without a new stream header; "
         "ejabberd answers with a header and an invalid-xml stream error", "D2, K1, D16",
         tls_prologue() + scram_login()
         + [("C", c_bind()), ("S", s_hdr(2)), ("S", stream_error("invalid-xml")), CLOSE])

scenario("C5", "the client sends <auth/> without an initial response and its client-first message "
         "as a <response/> at once, before the server's empty challenge arrived", "",
         tls_prologue()
         + [("C", c_auth("SCRAM-SHA-256")), ("C", c_response(b64(first))), ("S", s_challenge()),
            ("S", s_challenge(b64(server_first))), ("C", c_response(b64(final))),
            ("S", s_success(b64(server_final)))]
         + restart() + bind() + epilogue())

scenario("C6", "the client aborts a SCRAM exchange; the server answers not-authorized instead of "
         "aborted; the client's next attempt succeeds", "C7",
         login(auth=scram_login(cnonce=nonce(1))[:2] + [("C", '<abort xmlns="%s" />' % NS_SASL),
                                         ("S", s_failure("not-authorized"))] + scram_login()))

scenario("C7", "a SCRAM attempt with a wrong password fails with not-authorized; the retry "
         "with the right one succeeds", "",
         login(auth=scram_failure() + scram_login()))

scenario("C8", "the client tries SCRAM-SHA-256 (refused: the account only has SHA-1 keys), "
         "then SCRAM-SHA-1 succeeds", "C7",
         login(auth=scram_login(cnonce=nonce(1))[:1]
               + [("S", s_failure("not-authorized", "Invalid username or password"))]
               + scram_login("SCRAM-SHA-1")))

scenario("C9", "six failed SCRAM attempts on one stream, each answered with not-authorized and "
         "the server still does not close; the client gives up", "C7, D16",
         tls_prologue() + sum([scram_failure(attempt=i) for i in range(1, 7)], []) + [("C", C_CLOSE), CLOSE])

scenario("C10", "ten connections in a row from one address, each one SCRAM attempt for "
         "alice with a wrong password refused with not-authorized (ejabberd logs each failure): "
         "the tenth reaches the brute-force threshold", "C7, C22, D16",
         sum([([("CONN", i)] if i else []) + tls_prologue() + scram_failure(attempt=i + 1)[:3]
              + [AUTH_FAIL] + scram_failure(attempt=i + 1)[3:] + [("C", C_CLOSE), CLOSE]
              for i in range(10)], []))

scenario("C11", "over TLS the client chooses SCRAM-SHA-256 (gs2 flag n: no channel binding "
         "support) although SCRAM-SHA-256-PLUS is offered", "",
         login(feat(mechs("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"))))

scenario("C12", "over TLS with SCRAM-SHA-256-PLUS offered, the client sends the gs2 flag y "
         "(it could bind but saw no -PLUS) and the server accepts it", "C11",
         login(feat(mechs("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256")), scram_login(gs2="y,,")))

scenario("C13", "the client uses SCRAM-SHA-256-PLUS with channel binding tls-unique although "
         "<sasl-channel-binding/> offers only tls-server-end-point", "",
         login(feat(mechs("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"),
                    "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding "
                    "type='tls-server-end-point'/></sasl-channel-binding>"),
               scram_login("SCRAM-SHA-256-PLUS", gs2="p=tls-unique,,",
                           cbdata=bytes.fromhex("5e1c0a7d92b4f3e6a8d01c77"))))

scenario("C14", "the client authenticates as alice but asks to act as bob@xmppflow.test (SCRAM "
         "authzid); the server refuses with invalid-authzid, the retry without authzid succeeds", "C7",
         login(auth=[("C", c_auth("SCRAM-SHA-256", b64(scram(gs2="n,a=bob@%s," % DOMAIN, cnonce=nonce(1))[0]))),
                     ("S", s_failure("invalid-authzid"))] + scram_login()))

scenario("C15", "the protected header after TLS says from='bob@xmppflow.test', then the client "
         "authenticates as alice and the server accepts", "",
         tls_prologue()[:6]
         + [("C", C_HDR.replace("<stream:stream ", "<stream:stream from='bob@%s' " % DOMAIN)),
            ("S", s_hdr(1)), ("S", feat(SCRAM_MECHS))]
         + scram_login() + restart() + bind() + epilogue())

long_nonce = "hmCl1entN0nce7fQ2x9Wq4Lr8Zt1Vb6Nm3Kp0Jd5Hs2"
long_first = b64(scram(cnonce=long_nonce)[0])
scenario("C16", "the client wraps the base64 of its initial response at 76 characters (a line "
         "break inside the <auth/> text)", "",
         login(auth=[("C", c_auth("SCRAM-SHA-256", long_first[:76] + "\n" + long_first[76:]))]
               + scram_login(cnonce=long_nonce)[1:]))

scenario("C17", "EXTERNAL (TLS client certificate): the client sends <auth/> with no data instead "
         "of '=' for its zero-length initial response, and the server takes it as the response", "",
         login(feat(mechs("EXTERNAL", "SCRAM-SHA-256")), [("C", c_auth("EXTERNAL")), ("S", s_success())]))

scenario("C18", "an ANONYMOUS login over TLS, with trace data", "",
         tls_prologue(feat(mechs("ANONYMOUS")))
         + [("C", c_auth("ANONYMOUS", b64("Anonymous, Suelta"))), ("S", s_success())]
         + restart()
         + [("C", c_bind()), ("S", s_bind_result(jid="4f1b9a62c8e0d7a3@%s/%s" % (DOMAIN, RESOURCE)))]
         + epilogue())

ch1, resp, rspauth = digest_md5()
scenario("C19", "DIGEST-MD5 over TLS (the server offers DIGEST-MD5 and PLAIN only)", "",
         login(feat(mechs("DIGEST-MD5", "PLAIN")),
               [("C", c_auth("DIGEST-MD5")), ("S", s_challenge(b64(ch1))), ("C", c_response(b64(resp))),
                ("S", s_challenge(b64(rspauth))), ("C", c_response()), ("S", s_success())]))

scenario("C20", "the server-first SCRAM message has i=1024 (fewer than 4096 iterations)", "",
         login(auth=scram_login(iterations=1024)))

scenario("C22", "a clean login whose SCRAM success ejabberd also logs at info level: 'Accepted "
         "c2s SCRAM-SHA-256 authentication for alice@xmppflow.test by mnesia backend from "
         "127.0.0.1'", "",
         login(auth=scram_login()[:3] + [AUTH_OK] + scram_login()[3:]))

scenario("C21", "the server sends <success/> twice: the second one with no authentication in "
         "progress", "",
         tls_prologue() + scram_login() + [("S", s_success(b64(server_final)))]
         + restart() + bind() + epilogue())

# ---- D. Bind, session, stanza order

scenario("D1", "the client sends a bind before authenticating; ejabberd closes with not-authorized",
         "K1, D16",
         tls_prologue() + [("C", c_bind()), ("S", stream_error("not-authorized")), CLOSE])

scenario("D2", "the post-auth features lack <bind/>, the client binds anyway (and the server "
         "answers)", "D4",
         login(post_auth=feat(SESSION_OPTIONAL_F, SM_F)))

scenario("D3", "the pre-auth features after TLS advertise <bind/> next to the SASL mechanisms", "",
         login(feat(SCRAM_MECHS, BIND_F)))

scenario("D4", "the post-auth features lack <bind/>; the client cannot bind and closes", "D16",
         tls_prologue() + scram_login() + restart(2, feat(SM_F)) + [("C", C_CLOSE), CLOSE])

scenario("D5", "the client sends its presence before authenticating; ejabberd closes with "
         "not-authorized", "K1, D16",
         tls_prologue() + [("C", C_PRESENCE), ("S", stream_error("not-authorized")), CLOSE])

scenario("D6", "after authentication, before binding, the client sends a message to "
         "bob@xmppflow.test (the server drops it)", "",
         tls_prologue() + scram_login() + restart()
         + [("C", '<message to="bob@%s" type="chat" id="msg_1"><body>hi</body></message>' % DOMAIN)]
         + bind() + epilogue())

scenario("D7", "after authentication, before binding, the client sends a message to its own "
         "bare JID (the server drops it silently)", "",
         tls_prologue() + scram_login() + restart()
         + [("C", '<message to="%s" type="chat" id="msg_1"><body>note to self</body></message>' % BARE_JID)]
         + bind() + epilogue())

scenario("D8", "before authentication the client asks the server for its version and the "
         "server answers instead of refusing", "D5",
         tls_prologue()
         + [("C", '<iq type="get" id="ver_1" to="%s"><query xmlns="jabber:iq:version" /></iq>' % DOMAIN),
            ("S", "<iq xml:lang='en' from='%s' type='result' id='ver_1'><query xmlns='jabber:iq:version'>"
                  "<name>ejabberd</name><version>23.01</version></query></iq>" % DOMAIN)]
         + scram_login() + restart() + bind() + epilogue())

scenario("D9", "a second bind on the stream after the first bind result; the server refuses it",
         "D11",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", c_bind("bind_2", "second")), ("S", s_iq_error("bind_2", "not-allowed"))] + epilogue())

scenario("D10", "eleven binds in a row refused with conflict, the server never closes; the "
         "client gives up", "D11, D16",
         tls_prologue() + scram_login() + restart()
         + sum([[("C", c_bind("bind_%d" % i)), ("S", s_iq_error("bind_%d" % i, "conflict"))]
                for i in range(1, 12)], [])
         + [("C", C_CLOSE), CLOSE])

scenario("D11", "the bind is refused with conflict; the retry with another resource succeeds", "",
         tls_prologue() + scram_login() + restart()
         + [("C", c_bind("bind_1", "taken")), ("S", s_iq_error("bind_1", "conflict")),
            ("C", c_bind("bind_2")), ("S", s_bind_result("bind_2"))]
         + epilogue())

scenario("D12", "the client asks for resource 'handmade', the server binds another one", "",
         tls_prologue() + scram_login() + restart()
         + [("C", c_bind()), ("S", s_bind_result(jid="%s/handmade.7f3a91c2" % BARE_JID))] + epilogue())

scenario("D13", "the client pipelines the session iq behind its bind, before the bind result", "",
         tls_prologue() + scram_login() + restart()
         + [("C", c_bind()), ("C", '<iq id="sess_1" type="set"><session xmlns="%s" /></iq>' % NS_SESSION),
            ("S", s_bind_result()), ("S", "<iq type='result' id='sess_1'/>")]
         + epilogue())

scenario("D14", "the client sends a session iq although the post-auth features do not "
         "advertise <session/>", "",
         tls_prologue() + scram_login() + restart(2, feat(BIND_F, SM_F)) + bind()
         + [("C", '<iq id="sess_1" type="set"><session xmlns="%s" /></iq>' % NS_SESSION),
            ("S", "<iq type='result' id='sess_1'/>")]
         + epilogue())

scenario("D15", "<session/> is advertised without <optional/>, the client goes to its presence "
         "without establishing a session", "",
         login(post_auth=feat(BIND_F, "<session xmlns='%s'/>" % NS_SESSION, SM_F)))

scenario("D16", "a client that only probes the server: STARTTLS, reads the SASL features, closes",
         "", tls_prologue() + [("C", C_CLOSE), CLOSE])

# ---- E. In-band registration and legacy auth

scenario("E1", "over TLS the client asks for the registration form although the features do "
         "not advertise <register/>; service-unavailable, then a normal login", "",
         tls_prologue() + [("C", register_get()), ("S", s_iq_error("reg1", "service-unavailable"))]
         + scram_login() + restart() + bind() + epilogue())

scenario("E2", "in-band registration of alice on the plaintext stream: the <password/> goes in "
         "clear; the client closes once registered", "B17, B3, L1, D16",
         [("C", C_HDR), ("S", s_hdr(0)),
          ("S", feat(SCRAM_MECHS, STARTTLS_OFFER, "<register xmlns='%s'/>" % NS_F_REGISTER)),
          ("C", register_get()), ("S", register_form()),
          ("C", register_set(USER, PASSWORD)), ("S", iq_result("reg2")), ("C", C_CLOSE), CLOSE])

scenario("E3", "over TLS the client registers an account, then sends a presence instead of "
         "authenticating; the server closes with not-authorized", "D5, K1, L1, D16",
         tls_prologue(feat(SCRAM_MECHS, "<register xmlns='%s'/>" % NS_F_REGISTER))
         + [("C", register_get()), ("S", register_form()),
            ("C", register_set(USER, PASSWORD)), ("S", iq_result("reg2")),
            ("C", C_PRESENCE), ("S", stream_error("not-authorized")), CLOSE])

scenario("E4", "over TLS the client registers two accounts on one stream (account farming), "
         "then closes", "L1, D16",
         tls_prologue(feat(SCRAM_MECHS, "<register xmlns='%s'/>" % NS_F_REGISTER))
         + [("C", register_get()), ("S", register_form()),
            ("C", register_set("alice2", "Handmade-Secret-2", "reg2")), ("S", iq_result("reg2")),
            ("C", register_set("alice3", "Handmade-Secret-3", "reg3")), ("S", iq_result("reg3")),
            ("C", C_CLOSE), CLOSE])

IQAUTH_F = "<auth xmlns='%s'/>" % NS_F_IQAUTH
scenario("E5", "over TLS the client logs in with obsolete jabber:iq:auth (digest) instead of SASL",
         "",
         tls_prologue(feat(SCRAM_MECHS, IQAUTH_F))
         + [("C", legacy_get()), ("S", legacy_fields()), ("C", legacy_set(STREAM_IDS[1])),
            ("S", legacy_ok())] + epilogue())

scenario("E6", "after a failed SCRAM attempt the client falls back to jabber:iq:auth; the server "
         "closes with policy-violation", "E5, C7, K1, D16",
         tls_prologue(feat(SCRAM_MECHS, IQAUTH_F)) + scram_failure()
         + [("C", legacy_set(STREAM_IDS[1])), ("S", stream_error("policy-violation")), CLOSE])

scenario("E7", "a jabber:iq:auth set without <resource/>: not-acceptable; the retry with a "
         "resource succeeds", "E5",
         tls_prologue(feat(SCRAM_MECHS, IQAUTH_F))
         + [("C", legacy_get()), ("S", legacy_fields()),
            ("C", legacy_set(STREAM_IDS[1], resource=None)),
            ("S", s_iq_error("auth2", "not-acceptable", "modify", "406")),
            ("C", legacy_set(STREAM_IDS[1], "auth3")), ("S", legacy_ok("auth3"))] + epilogue())

scenario("E8", "a jabber:iq:auth set with a wrong digest; the server's error echoes the query, "
         "digest included; the client closes", "E5, D16",
         tls_prologue(feat(SCRAM_MECHS, IQAUTH_F))
         + [("C", legacy_set(STREAM_IDS[1], password=WRONG_PASSWORD)),
            ("S", s_iq_error("auth2", "not-authorized", "auth", "401",
                             legacy_set_query(STREAM_IDS[1], password=WRONG_PASSWORD).replace('"', "'"))),
            ("C", C_CLOSE), CLOSE])

scenario("E9", "once logged in, the client removes its account (jabber:iq:register <remove/>)", "",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", '<iq type="set" id="unreg1"><query xmlns="jabber:iq:register"><remove /></query></iq>'),
            ("S", iq_result("unreg1")), ("C", C_CLOSE), CLOSE])

# ---- F. Stream management

scenario("F1", "the client sends <enable/> before authenticating; the server answers "
         "unexpected-request, the login goes on", "F3",
         tls_prologue() + [("C", sm_enable()), ("S", sm_failed("unexpected-request"))]
         + scram_login() + restart() + bind() + epilogue())

scenario("F2", "after authentication the client sends <enable/> before binding; "
         "unexpected-request, then bind", "",
         tls_prologue() + scram_login() + restart()
         + [("C", sm_enable()), ("S", sm_failed("unexpected-request"))] + bind() + epilogue())

scenario("F3", "the client enables stream management although the post-auth features lack <sm/>; "
         "feature-not-implemented", "",
         tls_prologue() + scram_login() + restart(2, feat(BIND_F, SESSION_OPTIONAL_F)) + bind()
         + [("C", sm_enable()), ("S", sm_failed("feature-not-implemented"))] + epilogue())

scenario("F4", "the client enables stream management twice; the second <enable/> is refused", "",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", sm_enable()), ("S", S_ENABLED), ("C", sm_enable()), ("S", sm_failed("unexpected-request"))]
         + epilogue())

scenario("F5", "the client tries <resume/> before authenticating; the server refuses it, the "
         "client then logs in normally", "F7",
         tls_prologue() + [("C", C_RESUME), ("S", sm_failed("unexpected-request"))]
         + scram_login() + restart() + bind() + epilogue())

scenario("F6", "the client tries <resume/> after it has bound a resource; the server refuses it",
         "F7",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", C_RESUME), ("S", sm_failed("unexpected-request"))] + epilogue())

scenario("F7", "on a new connection the client tries to resume an expired session: "
         "item-not-found, then it binds", "",
         tls_prologue() + scram_login() + restart()
         + [("C", C_RESUME), ("S", sm_failed("item-not-found", 0))] + bind() + epilogue())

scenario("F8", "the client sends an SM request <r/> before enabling stream management", "",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", C_PRESENCE), ("C", '<r xmlns="%s" />' % NS_SM), ("C", C_CLOSE), CLOSE])

scenario("F9", "the client acks h=3 although the server sent it one stanza since <enabled/>; the "
         "server closes with undefined-condition + handled-count-too-high", "K1",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", sm_enable()), ("S", S_ENABLED), ("C", C_PRESENCE),
            ("S", "<presence xml:lang='en' to='%s' from='%s' id='pres_1'/>" % (FULL_JID, FULL_JID)),
            ("S", "<r xmlns='%s'/>" % NS_SM), ("C", '<a xmlns="%s" h="3" />' % NS_SM),
            ("S", stream_error("undefined-condition", "You acknowledged more stanzas than were "
                               "sent").replace("</stream:error>", "<handled-count-too-high xmlns='%s' "
                                                "h='3' send-count='1'/></stream:error>" % NS_SM)),
            CLOSE])

scenario("F10", "a resumable SM session whose stream the server then ends with a conflict stream "
         "error; on a second connection from the same address the client resumes that session "
         "(the log shows the two connections one after the other)", "F11, K1, D16",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", sm_enable(True)), ("S", S_ENABLED_RESUME), ("C", C_PRESENCE),
            ("S", stream_error("conflict")), CLOSE, ("CONN", 1)]
         + tls_prologue() + scram_login() + restart()
         + [("C", C_RESUME), ("S", S_RESUMED)] + epilogue())

scenario("F11", "with a resumable SM session the client drops the connection without "
         "</stream:stream>", "K4",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", sm_enable(True)), ("S", S_ENABLED_RESUME), ("C", C_PRESENCE), CLOSE])

scenario("F12", "SASL2 with an inline SM resume: <success/> carries <resumed/>, and the server "
         "still sends <stream:features/>", "",
         sasl2_prologue() + sasl2_exchange(C_RESUME, S_RESUMED, authz=FULL_JID)
         + [("S", feat())] + epilogue())

# ---- G. Compression

scenario("G1", "over TLS the client negotiates zlib compression before authenticating", "G2",
         tls_prologue(feat(SCRAM_MECHS, COMPRESSION_F))
         + [("C", compress()), ("S", S_COMPRESSED), ("C", C_HDR), ("S", s_hdr(3)), ("S", feat(SCRAM_MECHS))]
         + scram_login() + restart() + bind() + epilogue())

scenario("G2", "after authentication the client negotiates zlib compression (obsolete, CRIME)", "",
         tls_prologue() + scram_login() + restart(2, feat(BIND_F, SESSION_OPTIONAL_F, SM_F, COMPRESSION_F))
         + [("C", compress()), ("S", S_COMPRESSED), ("C", C_HDR), ("S", s_hdr(3)), ("S", POST_AUTH)]
         + bind() + epilogue())

scenario("G3", "after <compressed/> the client sends its bind without a new stream header; "
         "ejabberd answers with a header and invalid-xml", "G2, K1, D16",
         tls_prologue() + scram_login() + restart(2, feat(BIND_F, SESSION_OPTIONAL_F, SM_F, COMPRESSION_F))
         + [("C", compress()), ("S", S_COMPRESSED), ("C", c_bind()), ("S", s_hdr(3)),
            ("S", stream_error("invalid-xml")), CLOSE])

scenario("G4", "the client asks for lzw compression, only zlib is offered: unsupported-method; "
         "it goes on uncompressed", "",
         tls_prologue() + scram_login() + restart(2, feat(BIND_F, SESSION_OPTIONAL_F, SM_F, COMPRESSION_F))
         + [("C", compress("lzw")),
            ("S", "<failure xmlns='%s'><unsupported-method/></failure>" % NS_COMPRESS)]
         + bind() + epilogue())

# ---- H. SASL2, Bind2, FAST

scenario("H1", "during SASL2 the client answers the challenge with a SASL1 <response/> "
         "(urn:ietf:params:xml:ns:xmpp-sasl); the server disconnects with policy-violation",
         "K1, D16",
         sasl2_prologue() + sasl2_exchange()[:2]
         + [("C", c_response(b64(final))), ("S", stream_error("policy-violation")), CLOSE])

scenario("H2", "SASL2 <authenticate/> with SCRAM-SHA-512, which <authentication/> does not "
         "offer: invalid-mechanism; the retry with SCRAM-SHA-256 succeeds (and binds inline)",
         "C7, C8",
         sasl2_prologue()
         + [("C", c_authenticate("SCRAM-SHA-512", b64(first512), BIND2_REQUEST)),
            ("S", "<failure xmlns='%s'><invalid-mechanism xmlns='%s'/></failure>" % (NS_SASL2, NS_SASL))]
         + sasl2_exchange(BIND2_REQUEST, BOUND, authz=FULL_JID) + [("S", feat())] + epilogue())

scenario("H3", "SASL2 success without inline bind, and the server sends an announcement "
         "message before the post-auth <stream:features/>", "",
         sasl2_prologue() + sasl2_exchange()
         + [("S", "<message from='%s' to='%s' type='headline' xml:lang='en'><body>Maintenance "
                  "tonight at 22:00 UTC.</body></message>" % (DOMAIN, BARE_JID)),
            ("S", POST_AUTH)] + bind() + epilogue())

scenario("H4", "a SASL2 attempt with a wrong password fails, and the <failure/> carries an inline "
         "<bound/>; the retry succeeds", "C7",
         sasl2_prologue()
         + sasl2_exchange(BIND2_REQUEST, password=WRONG_PASSWORD, cnonce=nonce(1),
                          snonce="Srv1Retry9Lm")[:3]
         + [("S", "<failure xmlns='%s'><not-authorized xmlns='%s'/><text>Invalid username or password"
                  "</text>%s</failure>" % (NS_SASL2, NS_SASL, BOUND))]
         + sasl2_exchange(BIND2_REQUEST, BOUND, authz=FULL_JID) + [("S", feat())] + epilogue())

scenario("H5", "the post-auth features (SASL1 path) advertise Bind2 (<bind xmlns='urn:xmpp:bind:0'/>) "
         "at top level, outside SASL2's <inline/>", "",
         login(post_auth=feat(BIND_F, "<bind xmlns='%s'/>" % NS_BIND2, SESSION_OPTIONAL_F, SM_F)))

scenario("H6", "SASL2 with inline SM resume and Bind2: <success/> carries both <resumed/> and "
         "<bound/>", "",
         sasl2_prologue() + sasl2_exchange(C_RESUME + BIND2_REQUEST, S_RESUMED + BOUND, authz=FULL_JID)
         + epilogue())

scenario("H8", "SASL2 with a FAST token request: <success/> carries a <token/>", "",
         sasl2_prologue()
         + sasl2_exchange(BIND2_REQUEST + '<request-token xmlns="%s" mechanism="HT-SHA-256-NONE" />' % NS_FAST,
                          BOUND + "<token xmlns='%s' expiry='2026-12-25T10:00:00Z' "
                          "token='WXZzciBwYmFmdmZnZiBqdmd1IGp2cXBhbmUgZ3VyIGVuZ2dhcg'/>" % NS_FAST,
                          authz=FULL_JID)
         + [("S", feat())] + epilogue())

scenario("H9", "SASL2 <user-agent id='laptop-of-alice'>: the id is not a UUIDv4", "",
         sasl2_prologue()
         + sasl2_exchange(BIND2_REQUEST, BOUND, authz=FULL_JID,
                          user_agent=USER_AGENT.replace("d4565fa7-4d72-4749-b3d3-740edbf87770",
                                                        "laptop-of-alice"))
         + [("S", feat())] + epilogue())

# ---- K. Stream errors and closing

scenario("K1", "an established session ends with a system-shutdown stream error", "",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", C_PRESENCE), ("S", stream_error("system-shutdown", "System shutting down")), CLOSE])

scenario("K2", "after its system-shutdown stream error the server still delivers a message "
         "before closing", "K1",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", C_PRESENCE), ("S", stream_error("system-shutdown", "System shutting down")),
            ("S", "<message from='bob@%s/phone' to='%s' type='chat' id='late_1'><body>still there?</body>"
                  "</message>" % (DOMAIN, FULL_JID)),
            CLOSE])

scenario("K3", "the client's header names an unknown domain; the server sends host-unknown "
         "without its own stream header first", "K1, D16",
         [("C", C_HDR.replace(DOMAIN, "example.org")), ("S", stream_error("host-unknown")), CLOSE])

scenario("K4", "after logging in the client drops the connection without </stream:stream>", "",
         tls_prologue() + scram_login() + restart() + bind() + [("C", C_PRESENCE), CLOSE])

scenario("K5", "the client closes its stream; the server sends a last presence, never closes its "
         "own stream, and the c2s process ends", "",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", C_PRESENCE), ("C", C_CLOSE),
            ("S", "<presence xml:lang='en' to='%s' from='bob@%s/phone'/>" % (FULL_JID, DOMAIN)),
            TERMINATED])

scenario("K6", "the client sends an unavailable presence after its own </stream:stream>", "",
         tls_prologue() + scram_login() + restart() + bind()
         + [("C", C_PRESENCE), ("C", C_CLOSE), ("C", '<presence type="unavailable" />'), CLOSE])

scenario("K7", "the server redirects with see-other-host on the plaintext stream, before TLS",
         "K1, D16",
         [("C", C_HDR), ("S", s_hdr(0)),
          ("S", stream_error("see-other-host", inner="xmpp2.%s:5222" % DOMAIN)), CLOSE])

scenario("K8", "six connections in a row from one address, each sent elsewhere with "
         "see-other-host right after the headers: the client follows every redirect", "K1, K7, D16",
         sum([([("CONN", i)] if i else [])
              + [("C", C_HDR), ("S", s_hdr(0)),
                 ("S", stream_error("see-other-host", inner="xmpp2.%s:5222" % DOMAIN)), CLOSE]
              for i in range(6)], []))

# ---- ids with no file: what one login stream in an ejabberd log cannot show

NOT_HERE = {
    "B14": "the direct-TLS ClientHello (SNI, ALPN) is only in a capture, never in the log",
    "B15": "TLS close_notify is a TLS record: only in a capture",
    "H7": "needs the TLS handshake (0-RTT early data) and the count of earlier FAST logins",
}


# ---- writing -----------------------------------------------------------------------------------


def escape_binary(text):
    """An Erlang ~p printable binary body: \\ and \" escaped, and the control escapes."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif " " <= ch <= "~":
            out.append(ch)
        else:  # ejabberd would print a byte list: keep the hand-made files printable
            raise ValueError("non-printable character %r" % ch)
    return "".join(out)


def stamp(usec):
    h, rest = divmod(usec, 3600 * 1000000)
    m, rest = divmod(rest, 60 * 1000000)
    s, us = divmod(rest, 1000000)
    return "%s %02d:%02d:%02d.%06d+00:00" % (DATE, h, m, s, us)


def render(steps, accept=True, port=5222, tag="tcp"):
    lines = []
    t = [T0]
    pid = PID
    client = CLIENT_ADDR

    def emit(level, where, text):
        lines.append("%s [%s] %s %s" % (stamp(t[0]), level, where, text))
        t[0] += 100

    def xml(direction, text):
        verb = "Received" if direction == "C" else "Send"
        emit("notice", pid, "(%s|%s) %s XML on stream = <<\"%s\">>" % (tag, pid, verb, escape_binary(text)))

    def hook():
        emit("debug", pid + "@ejabberd_hooks:safe_apply/4:315",
             "Running hook c2s_terminated: ejabberd_c2s:process_terminated/2")

    if accept:
        emit("info", LISTENER + "@ejabberd_listener:accept/7:273",
             "(%s) Accepted connection %s -> 127.0.0.1:%d" % (pid, client, port))
    for st in steps:
        if st[0] in ("C", "S"):
            xml(st[0], st[1])
        elif st is TLS:
            tag = "tls"
        elif st is CLOSE:
            hook()
            xml("S", "</stream:stream>")
        elif st is TERMINATED:
            hook()
        elif st[0] == "TLS_FAILED":
            hook()
            emit("warning", pid + "@ejabberd_c2s:process_terminated/2:315",
                 "(%s|%s) Failed to secure c2s connection: %s" % (tag, pid, st[1]))
            xml("S", "</stream:stream>")
        elif st[0] == "AUTH_OK":
            emit("info", pid + "@ejabberd_c2s:process_auth_result/3:272",
                 "(%s|%s) Accepted c2s %s authentication for %s by mnesia backend from %s"
                 % (tag, pid, st[1], BARE_JID, client.rsplit(":", 1)[0]))
        elif st[0] == "AUTH_FAIL":
            emit("warning", pid + "@ejabberd_c2s:process_auth_result/3:280",
                 "(%s|%s) Failed c2s %s authentication for %s from %s: Invalid username or password"
                 % (tag, pid, st[1], BARE_JID, client.rsplit(":", 1)[0]))
        elif st[0] == "CONN":
            pid = "<0.%d.0>" % (900 + st[1])
            client = "127.0.0.1:%d" % (40000 + st[1])
            tag = "tcp"
            emit("info", LISTENER + "@ejabberd_listener:accept/7:273",
                 "(%s) Accepted connection %s -> 127.0.0.1:%d" % (pid, client, port))
        else:
            raise ValueError("unknown step %r" % (st,))
    return "".join(l + "\n" for l in lines)


def readme():
    out = ["""Hand-made violation logs for tests/e2e/violations.sh
====================================================

Every *.handmade.log here was written by make-violations.py (this
directory), not captured from a server. They imitate ejabberd 23.01 debug
logs (the format of testdata/*/ejabberd.log: OTP logger, "Received/Send XML
on stream" lines, the "(tcp|<pid>)"/"(tls|<pid>)" socket tag, the listener's
"Accepted connection" line, the c2s_terminated hook followed by the server's
</stream:stream>), but their content is invented: a real ejabberd does not
produce them.

Why by hand: the real scenarios in ../*/ come from ejabberd 23.01 driven by
real clients, and most violations cannot be recorded that way. ejabberd
refuses what the specifications forbid, or never does it itself (the server
findings: a header without id, features missing or offered at the wrong
time, a second <success/>, ...); the clients we drive do not misbehave on
demand; and ejabberd 23.01 has no SASL2, Bind2 or FAST, and no zlib
compression. So each file is one client login written line by line in the
real format, showing one violation id of login-spec §3 (the file name) in
the smallest realistic form: TLS and SCRAM-SHA-256 wherever the id is not
about TLS or PLAIN. Findings that necessarily come along (a stream error is
K1, a login that stops early is D16, a password in a debug log is L1, ...)
are listed below as "also".

Made-up account: alice@xmppflow.test, password Handmade-Secret-0 (not a real
test password, see ../PASSWORDS.md); SCRAM and DIGEST-MD5 values are
computed for it. Timestamps are 100 microseconds apart from 10:00:00.000100.
Direct TLS (A7) is tagged tls| from the first line, on port 5223; A17 has no
"Accepted connection" line. B13's "Failed to secure c2s connection" warning
comes from ejabberd_c2s:process_terminated/2 (its source line number here is
an estimate). K5's c2s ends without the server's </stream:stream> (ejabberd
always logs one). C10 holds ten connections (pids <0.900.0> to <0.909.0>,
client ports 40000 to 40009), F10 two and K8 six, the only files with more
than one; C10 and C22 carry ejabberd_c2s's "Failed/Accepted c2s ...
authentication" lines.

Regenerate with:  python3 testdata/violations/make-violations.py
Check:            python3 testdata/violations/make-violations.py --check

"""]
    for vid in sorted(SCENARIOS, key=id_key):
        text, also, _, _ = SCENARIOS[vid]
        out.append("%s.handmade.log\n" % vid)
        out.extend("    %s\n" % l for l in wrap(text + (" (also: %s)" % also if also else ""), 72))
    out.append("\nNo file (one login stream in an ejabberd log cannot show it):\n\n")
    for vid in sorted(NOT_HERE, key=id_key):
        out.extend("    %s\n" % l for l in wrap("%s: %s" % (vid, NOT_HERE[vid]), 72))
    out.append("\nNot covered here: I* (BOSH) and J* (WebSocket), which xmppflow does not read\n"
               "yet, and L1-L3, which are about the input.\n")
    return "".join(out)


def wrap(text, width):
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cur + " " + w if cur else w
    if cur:
        lines.append(cur)
    return lines


def id_key(vid):
    return (vid[0], int(vid[1:]))


def outputs():
    files = {"%s.handmade.log" % vid: render(steps, **opts)
             for vid, (_, _, steps, opts) in SCENARIOS.items()}
    files["README"] = readme()
    return files


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    outdir = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    for text in (PASSWORD, WRONG_PASSWORD):
        assert text not in ("Wonderland-Secret-1", "Builder-Secret-2", "Not-Alices-Password-9",
                            "Mallory-Guess-3")
    files = outputs()
    stale = []
    for name, content in sorted(files.items()):
        path = os.path.join(outdir, name)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != content:
                        stale.append(name)
            except OSError:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(content)
    if check:
        known = set(files)
        extra = [n for n in os.listdir(outdir) if n.endswith(".handmade.log") and n not in known]
        for n in stale + extra:
            print("%s: %s" % ("stale" if n in stale else "not in the table", n))
        return 1 if stale or extra else 0
    print("wrote %d files to %s" % (len(files), outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
