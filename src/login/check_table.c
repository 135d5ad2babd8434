/*
 * check_table: login-spec §3 as one table, a row per violation id: its
 * severity, its RFC/XEP section, the fact (and events) it watches, its
 * predicate. Every id of the spec is here once, those the inputs cannot
 * show yet at the end with no predicate; docs/violations.md is generated
 * from it (tools/violations_doc.c, checked by tests/e2e/violations-doc.sh).
 *
 * The rows are in the order they run: for one fact, the rows that watch it
 * run top to bottom, and that is the order in which one step's findings are
 * listed in the report. So the table follows the login's flow, not the
 * spec's numbering; the doc lists it by id. Moving a row changes which
 * finding comes first at a step (the goldens show it).
 *
 * cite is the spec's citation with the documents spelled out; ref is the
 * shorter reference the report prints (kept as it was: reports compare).
 */
#include <config.h>
#include "checks.h"

/* What the inputs show, per transport (login-spec §2.8): see docs/violations.md. */
#define CAPTURE_AND_LOG (SEEN_CAPTURE | SEEN_LOG)
/* A client element: plain TCP and WebSocket (ws://) from a capture or a debug log; direct TLS
 * from a log; BOSH from a capture of http:// or a debug log (ejabberd logs a BOSH client's
 * bodies apart, as its HTTP handler's "Incoming data"). */
#define SEEN_CLIENT                                                                               \
    (SEEN_ON(TRANSPORT_TCP, CAPTURE_AND_LOG) | SEEN_ON(TRANSPORT_TLS, SEEN_LOG) |                 \
     SEEN_ON(TRANSPORT_WEBSOCKET, CAPTURE_AND_LOG) | SEEN_ON(TRANSPORT_BOSH, CAPTURE_AND_LOG))
/* A server element: the same, and BOSH from a log. */
#define SEEN_SERVER (SEEN_CLIENT | SEEN_ON(TRANSPORT_BOSH, SEEN_LOG))
/* ... on a stream without TLS: never on direct TLS. */
#define SEEN_CLIENT_CLEAR                                                                         \
    (SEEN_ON(TRANSPORT_TCP, CAPTURE_AND_LOG) | SEEN_ON(TRANSPORT_WEBSOCKET, CAPTURE_AND_LOG) |    \
     SEEN_ON(TRANSPORT_BOSH, CAPTURE_AND_LOG))
#define SEEN_SERVER_CLEAR (SEEN_CLIENT_CLEAR | SEEN_ON(TRANSPORT_BOSH, SEEN_LOG))
/* ... once TLS is up: a capture is opaque from there on. */
#define SEEN_AFTER_TLS                                                                            \
    (SEEN_ON(TRANSPORT_TCP, SEEN_LOG) | SEEN_ON(TRANSPORT_TLS, SEEN_LOG) |                        \
     SEEN_ON(TRANSPORT_WEBSOCKET, SEEN_LOG))
#define SEEN_AFTER_TLS_TCP SEEN_ON(TRANSPORT_TCP, SEEN_LOG)
/* STARTTLS and its features: plain TCP only. */
#define SEEN_PLAIN_TCP SEEN_ON(TRANSPORT_TCP, CAPTURE_AND_LOG)
/* The TLS handshake: a capture only. */
#define SEEN_STARTTLS_CAPTURE SEEN_ON(TRANSPORT_TCP, SEEN_CAPTURE)
#define SEEN_TLS_CAPTURE (SEEN_ON(TRANSPORT_TCP, SEEN_CAPTURE) | SEEN_ON(TRANSPORT_TLS, SEEN_CAPTURE))
#define SEEN_HELLO SEEN_ON(TRANSPORT_TLS, SEEN_CAPTURE)
/* A server log's own lines, whatever the transport. */
#define SEEN_LOG_LINE                                                                             \
    (SEEN_ON(TRANSPORT_TCP, SEEN_LOG) | SEEN_ON(TRANSPORT_TLS, SEEN_LOG) |                        \
     SEEN_ON(TRANSPORT_BOSH, SEEN_LOG) | SEEN_ON(TRANSPORT_WEBSOCKET, SEEN_LOG))
/* A client's secret in a server log. */
#define SEEN_CLIENT_LOG                                                                           \
    (SEEN_ON(TRANSPORT_TCP, SEEN_LOG) | SEEN_ON(TRANSPORT_TLS, SEEN_LOG) |                        \
     SEEN_ON(TRANSPORT_WEBSOCKET, SEEN_LOG) | SEEN_ON(TRANSPORT_BOSH, SEEN_LOG))
/* Failures: from XML verdicts, or a log's auth lines whatever the transport. */
#define SEEN_ANY_AUTH                                                                             \
    (SEEN_LOG_LINE | SEEN_ON(TRANSPORT_TCP, SEEN_CAPTURE) | SEEN_ON(TRANSPORT_WEBSOCKET, SEEN_CAPTURE) |   \
     SEEN_ON(TRANSPORT_BOSH, SEEN_CAPTURE))
/* Any input. */
#define SEEN_ANY                                                                                  \
    (SEEN_LOG_LINE | SEEN_TLS_CAPTURE | SEEN_ON(TRANSPORT_WEBSOCKET, SEEN_CAPTURE) |             \
     SEEN_ON(TRANSPORT_BOSH, SEEN_CAPTURE))
/* A row whose WebSocket case a J row reports from a capture (A13: J7, K3: J10). */
#define BUT_WS_CAPTURE(seen) ((seen) & ~SEEN_ON(TRANSPORT_WEBSOCKET, SEEN_CAPTURE))
/* XMPP over WebSocket's framing: a capture only (a log shows stream headers in its place). */
#define SEEN_WS_CAPTURE SEEN_ON(TRANSPORT_WEBSOCKET, SEEN_CAPTURE)
#define SEEN_NONE 0
/* The BOSH layer: captures of BOSH over http:// */
#define SEEN_BOSH_CAPTURE SEEN_ON(TRANSPORT_BOSH, SEEN_CAPTURE)
/* ... what the client's bodies alone show: also a debug log (its handlers' "Incoming data") */
#define SEEN_BOSH_BODIES SEEN_ON(TRANSPORT_BOSH, CAPTURE_AND_LOG)

#define STANZAS {EV_STANZA_MESSAGE, EV_STANZA_PRESENCE, EV_STANZA_IQ, EV_IQ_RESULT, EV_IQ_ERROR}

const struct check check_table[] = {
    /* ---- the input begins inside the stream (login-spec §2.2 rule 5) ---- */
    {"A17", "capture-started-mid-stream", LEVEL_INFO, "(tool)",
     NULL, "input starts in the middle of the stream; ordering checks suppressed",
     ON(FACT_MIDSTREAM), {EV_NONE}, check_a17, SEEN_SERVER,
     "The input begins inside the connection (a capture started late, a log without the "
     "connection's first lines). A log connection whose `Accepted connection` line is in the "
     "log is read from its start: its first XML other than a header is A1, not A17."},
    /*
     * ---- a client element the state machine does not expect here: the first row
     * that holds names it (the order is the miss list of login-spec §2.3) ----
     */
    {"A1", "stream-header-missing", LEVEL_MEDIUM, "RFC 6120 §4.2, §4.3.3",
     "RFC 6120 §4.2", "the client sent data before its stream header",
     ON(FACT_OUT_OF_ORDER), {EV_NONE}, check_a1, SEEN_CLIENT,
     "Also elements the framer finds outside any stream, before the first header."},
    {"B9", "xml-during-tls-handshake", LEVEL_MEDIUM, "RFC 6120 §5.4.2.3, §5.4.3.1",
     "RFC 6120 §5.4.2.3", "cleartext data during the TLS handshake",
     ON(FACT_OUT_OF_ORDER) | ON(FACT_EVENT), {EV_NONE}, check_b9, SEEN_STARTTLS_CAPTURE,
     "Any client element between `<proceed/>` and the end of the handshake, or cleartext a "
     "capture shows there."},
    {"H1", "sasl2-foreign-element", LEVEL_MEDIUM, "XEP-0388 §2.4",
     "XEP-0388 §2.4", "element outside SASL2 during SASL2",
     ON(FACT_OUT_OF_ORDER), {EV_NONE}, check_h1, SEEN_CLIENT,
     "Client elements only: the server's are not checked."},
    {"F6", "sm-resume-after-bind", LEVEL_MEDIUM, "XEP-0198 §3, §5",
     "XEP-0198 §5", "stream resumption on a stream that already bound a resource",
     ON(FACT_OUT_OF_ORDER), {EV_SM_RESUME}, check_f6, SEEN_CLIENT,
     NULL},
    {"C3", "auth-after-success", LEVEL_MEDIUM, "RFC 6120 §6.4.1 (case 3); XEP-0388 §4.8",
     "RFC 6120 §6.4.1", "authentication attempted after it completed",
     ON(FACT_OUT_OF_ORDER), {EV_AUTH, EV_SASL2_AUTHENTICATE, EV_LEGACY_AUTH_GET, EV_LEGACY_AUTH_SET}, check_c3, SEEN_CLIENT,
     "`<auth>`, `<authenticate>` or an iq:auth request once authenticated; where a restart or "
     "the features were due, B10, C4, G3, A3 or C1 names the step instead."},
    {"B10", "missing-restart-after-tls", LEVEL_MEDIUM, "RFC 6120 §5.3.2, §5.4.3.3, §4.3.3",
     "RFC 6120 §5.4.3.3", "no new stream header after TLS",
     ON(FACT_OUT_OF_ORDER), {EV_NONE}, check_b10, SEEN_AFTER_TLS_TCP,
     NULL},
    {"C4", "missing-restart-after-sasl", LEVEL_MEDIUM,
     "RFC 6120 §6.3.2, §6.4.6, §4.3.3; XEP-0206 §5; RFC 7395 §3.7",
     "RFC 6120 §6.4.6", "no new stream header after SASL success",
     ON(FACT_OUT_OF_ORDER), {EV_NONE}, check_c4, SEEN_CLIENT,
     "On BOSH the restart is `xmpp:restart='true'`, not read yet."},
    {"G3", "missing-restart-after-compression", LEVEL_MEDIUM, "XEP-0138 §2",
     "XEP-0138 §2", "no new stream header after compression",
     ON(FACT_OUT_OF_ORDER), {EV_NONE}, check_g3, SEEN_CLIENT,
     NULL},
    {"A12", "premature-restart", LEVEL_LOW, "RFC 6120 §4.3.3, §6.4.6",
     "RFC 6120 §4.3.3", "restart header sent before the server's proceed or success (pipelined)",
     ON(FACT_OUT_OF_ORDER), {EV_STREAM_RESTART}, check_a12, SEEN_CLIENT,
     NULL},
    {"A11", "unexpected-restart", LEVEL_MEDIUM, "RFC 6120 §4.3.3, §7.3.2; XEP-0388 §2.6.1",
     "RFC 6120 §4.3.3", "new stream header without a restart trigger",
     ON(FACT_OUT_OF_ORDER), {EV_STREAM_RESTART, EV_STREAM_OPEN}, check_a11, SEEN_CLIENT,
     NULL},
    {"C1", "auth-before-features", LEVEL_MEDIUM, "RFC 6120 §6.4.1, §6.4.2",
     "RFC 6120 §6.4.1", "auth sent before the server's features",
     ON(FACT_OUT_OF_ORDER), {EV_AUTH}, check_c1, SEEN_CLIENT,
     "Reported instead of A3 when the element is `<auth>`."},
    {"A3", "element-before-features", LEVEL_MEDIUM, "RFC 6120 §4.3.2, §4.3.7, §5.4.1, §6.4.1",
     "RFC 6120 §4.3.2", "negotiation element sent before the server's features",
     ON(FACT_OUT_OF_ORDER), {EV_NONE}, check_a3, SEEN_CLIENT,
     NULL},
    {"B7", "starttls-unexpected", LEVEL_MEDIUM,
     "RFC 6120 §5.4.2.2, §5.3.4; XEP-0368 §3 (rule 5); RFC 7395 §3.9; XEP-0206 §2, §4",
     "RFC 6120 §5.4.2.2", "STARTTLS sent where it was not offered",
     ON(FACT_OUT_OF_ORDER), {EV_STARTTLS}, check_b7, SEEN_CLIENT,
     NULL},
    {"D9", "duplicate-bind", LEVEL_MEDIUM, "RFC 6120 §7.1; XEP-0198 §9.2; XEP-0386 §3.2",
     "RFC 6120 §7.1", "second resource binding on one stream",
     ON(FACT_OUT_OF_ORDER), {EV_BIND}, check_d9, SEEN_CLIENT,
     NULL},
    {"D1", "bind-before-auth", LEVEL_MEDIUM, "RFC 6120 §7.1, §7.4, §4.9.3.12",
     "RFC 6120 §7.4", "resource binding before authentication",
     ON(FACT_OUT_OF_ORDER), {EV_BIND}, check_d1, SEEN_CLIENT,
     NULL},
    {"C5", "sasl-sequence-error", LEVEL_MEDIUM, "RFC 6120 §6.4.3–§6.4.6",
     "RFC 6120 §6.4.3", "SASL element out of sequence",
     ON(FACT_OUT_OF_ORDER) | ON(FACT_EVENT), {EV_RESPONSE, EV_FAILURE}, check_c5, SEEN_CLIENT,
     "A `<response>` with no challenge pending, or a `<failure>` with no authentication in "
     "progress. A `<challenge>` or `<success>` with none in progress is not C5: an unsolicited "
     "success is C21."},
    {"D13", "session-before-bind", LEVEL_LOW, "RFC 3921 §3 [D]",
     "RFC 3921 §3", "session request before resource binding",
     ON(FACT_OUT_OF_ORDER), {EV_SESSION}, check_d13, SEEN_CLIENT,
     NULL},
    {"F1", "sm-enable-before-auth", LEVEL_MEDIUM, "XEP-0198 §3",
     "XEP-0198 §3", "stream management enabled before authentication",
     ON(FACT_OUT_OF_ORDER), {EV_SM_ENABLE}, check_f1, SEEN_CLIENT,
     NULL},
    {"F2", "sm-enable-before-bind", LEVEL_MEDIUM, "XEP-0198 §3, §2",
     "XEP-0198 §3", "stream management enabled before resource binding",
     ON(FACT_OUT_OF_ORDER), {EV_SM_ENABLE}, check_f2, SEEN_CLIENT,
     "Always medium: the spec's low case (pipelined right after a bind that then succeeded) "
     "is not told apart."},
    {"F5", "sm-resume-before-auth", LEVEL_HIGH, "XEP-0198 §10",
     "XEP-0198 §10", "stream resumption attempted before authentication",
     ON(FACT_OUT_OF_ORDER), {EV_SM_RESUME}, check_f5, SEEN_CLIENT,
     NULL},
    {"D5", "stanza-before-auth", LEVEL_MEDIUM, "RFC 6120 §4.3.1, §4.3.5, §4.9.3.12",
     "RFC 6120 §4.3.5", "stanza sent before authentication",
     ON(FACT_OUT_OF_ORDER), {EV_STANZA_MESSAGE, EV_STANZA_PRESENCE, EV_STANZA_IQ}, check_d5, SEEN_CLIENT,
     NULL},
    {"A16", "order-regression", LEVEL_MEDIUM, "RFC 6120 §13.3; XEP-0170 §2",
     "RFC 6120 §4.3.7", "element out of login order",
     ON(FACT_OUT_OF_ORDER) | ON(FACT_RANK_BACK), {EV_NONE}, check_a16, SEEN_CLIENT,
     "Two ways: the catch-all for a client element with no transition in the current state, "
     "and the §2.5 rank check (TLS < REGISTER < AUTH < BIND < SESSION < SM; compression, "
     "registration once authenticated, and session or SM once bound are left out; a "
     "resumption counts as bind), once per step back, not where the state machine already "
     "named the step."},
    /* ---- every step, before its own rules: what may follow what ---- */
    {"A13", "close-instead-of-restart", LEVEL_MEDIUM, "RFC 6120 §4.3.3; RFC 7395 §3.7",
     "RFC 6120 §4.3.3", "stream closed where a restart was due",
     ON(FACT_STEP), {EV_NONE}, check_a13, BUT_WS_CAPTURE(SEEN_CLIENT),
     "On XMPP over WebSocket from a capture J7 names it."},
    {"J7", "ws-close-before-restart", LEVEL_MEDIUM, "RFC 7395 §3.7",
     "RFC 7395 §3.7", "<close/> sent where a restart (<open/>) was due",
     ON(FACT_STEP), {EV_NONE}, check_j7, SEEN_WS_CAPTURE,
     "A13 on XMPP over WebSocket seen from a capture, reported instead of it."},
    {"A2", "features-missing", LEVEL_MEDIUM, "RFC 6120 §4.3.2, §4.3.4",
     "RFC 6120 §4.3.2", "the server sent something else than its features after its stream header",
     ON(FACT_STEP), {EV_NONE}, check_a2, SEEN_CLIENT,
     NULL},
    {"H3", "sasl2-features-missing", LEVEL_MEDIUM, "XEP-0388 §2.6.1; XEP-0198 §9.2",
     "XEP-0388 §2.6.1", "SASL2 success not followed by features",
     ON(FACT_STEP), {EV_NONE}, check_h3, SEEN_SERVER,
     NULL},
    {"K2", "data-after-stream-error", LEVEL_LOW, "RFC 6120 §4.9.1.1",
     "RFC 6120 §4.9.1.1", "data sent after a stream error",
     ON(FACT_STEP), {EV_NONE}, check_k2, SEEN_SERVER,
     NULL},
    {"K6", "data-after-close", LEVEL_LOW, "RFC 6120 §4.4",
     "RFC 6120 §4.4", "data sent after the sender closed its stream",
     ON(FACT_STEP), {EV_NONE}, check_k6, SEEN_SERVER,
     "Either side, after its own close only: data the client sends after the server closed "
     "first is not K6."},
    {"E3", "ibr-then-non-auth", LEVEL_LOW, "XEP-0077 §3.1.1",
     "XEP-0077 §3.1.1", "after registering, the client went on without authenticating",
     ON(FACT_STEP), {EV_NONE}, check_e3, SEEN_CLIENT,
     NULL},
    /* ---- stream headers (RFC 6120 §4.7) ---- */
    {"A9", "stream-namespace-error", LEVEL_MEDIUM, "RFC 6120 §4.8.5, §4.9.3.2, §4.9.3.10",
     "RFC 6120 §4.8.2", "wrong stream or content namespace in the client's stream header",
     ON(FACT_EVENT), {EV_STREAM_OPEN, EV_STREAM_RESTART}, check_a9, SEEN_CLIENT,
     "The client's header outside the stream namespace (§4.8.1), or declaring a content "
     "namespace other than `jabber:client` (§4.8.2); a header without a default namespace is "
     "fine. Bad prefixes are not checked."},
    {"A7", "legacy-stream-version", LEVEL_INFO, "RFC 6120 §4.7.5",
     "RFC 6120 §4.7.5", "stream header without version: pre-1.0 semantics, no features",
     ON(FACT_EVENT), {EV_STREAM_OPEN, EV_STREAM_RESTART}, check_a7, SEEN_SERVER,
     NULL},
    {"A8", "jid-in-clear-header", LEVEL_LOW, "RFC 6120 §4.7.1",
     "RFC 6120 §4.7.1", "the client's JID was sent in an unprotected stream header",
     ON(FACT_EVENT), {EV_STREAM_OPEN, EV_STREAM_RESTART}, check_a8, SEEN_CLIENT_CLEAR,
     NULL},
    {"A6", "stream-to-missing", LEVEL_LOW, "RFC 6120 §4.7.2",
     "RFC 6120 §4.7.2", "client stream header has no 'to'",
     ON(FACT_EVENT), {EV_STREAM_OPEN, EV_STREAM_RESTART}, check_a6, SEEN_CLIENT,
     NULL},
    {"A4", "stream-id-missing", LEVEL_LOW, "RFC 6120 §4.7.3",
     "RFC 6120 §4.7.3", "server stream header has no id",
     ON(FACT_EVENT), {EV_STREAM_OPEN}, check_a4, SEEN_SERVER,
     NULL},
    {"A5", "stream-id-reused", LEVEL_MEDIUM, "RFC 6120 §4.3.3, §5.4.3.3, §6.4.1, §6.4.6",
     "RFC 6120 §4.3.3", "server reused a stream id after a restart",
     ON(FACT_EVENT), {EV_STREAM_OPEN}, check_a5, SEEN_SERVER,
     NULL},
    /* ---- stream features (login-spec §1.3, §2.5) ---- */
    {"F12", "sm-features-after-inline-resume", LEVEL_LOW, "XEP-0198 §9.2",
     "XEP-0198 §9.2", "features sent after a SASL2 success that resumed the session",
     ON(FACT_EVENT), {EV_FEATURES}, check_f12, SEEN_SERVER,
     NULL},
    {"A14", "features-after-completion", LEVEL_LOW, "RFC 6120 §4.3.5",
     "RFC 6120 §4.3.5", "new features on a stream whose negotiation was complete",
     ON(FACT_EVENT), {EV_FEATURES}, check_a14, SEEN_SERVER,
     NULL},
    {"H5", "bind2-outside-sasl2", LEVEL_LOW, "XEP-0386 §3.1",
     "XEP-0386 §3.1", "Bind2 offered or used outside the SASL2 inline element",
     ON(FACT_EVENT), {EV_FEATURES}, check_h5, SEEN_SERVER,
     "Bind2 advertised as a stream feature; its use outside SASL2 is not checked."},
    {"B16", "sasl2-or-fast-without-tls", LEVEL_HIGH, "XEP-0388 §3; XEP-0484 §6",
     "XEP-0388 §3", "SASL2 used on a stream without TLS",
     ON(FACT_EVENT), {EV_FEATURES, EV_SASL2_AUTHENTICATE}, check_b16, SEEN_SERVER_CLEAR,
     "SASL2 offered or used without TLS; FAST alone is not told apart."},
    {"B17", "ibr-or-iqauth-offered-without-tls", LEVEL_LOW, "XEP-0077 §11; XEP-0078 §4, §7",
     "XEP-0077 §11", "registration or legacy authentication offered without TLS",
     ON(FACT_EVENT), {EV_FEATURES}, check_b17, SEEN_SERVER_CLEAR,
     NULL},
    {"B18", "required-tls-with-other-features", LEVEL_LOW, "RFC 6120 §5.3.1 (SHOULD NOT)",
     "RFC 6120 §5.3.1", "STARTTLS is required, yet other features are offered too",
     ON(FACT_EVENT), {EV_FEATURES}, check_b18, SEEN_SERVER,
     NULL},
    {"B11", "starttls-offered-after-tls", LEVEL_MEDIUM,
     "RFC 6120 §5.4.3.3; XEP-0368 §3; RFC 7395 §3.9",
     "RFC 6120 §5.4.3.3", "STARTTLS offered again after TLS",
     ON(FACT_EVENT), {EV_FEATURES}, check_b11, SEEN_AFTER_TLS,
     NULL},
    {"B6", "starttls-not-offered", LEVEL_MEDIUM,
     "RFC 6120 §5.2, §5.4.1; RFC 7590 §3.1 (client should still try)",
     "RFC 6120 §5.4.1", "first features on a plaintext stream do not offer STARTTLS",
     ON(FACT_EVENT), {EV_FEATURES}, check_b6, SEEN_PLAIN_TCP,
     "The first features of a plaintext TCP stream seen from its start and whole (a capture "
     "gap may have taken the `<starttls/>`)."},
    {"B12", "plain-offered-without-tls", LEVEL_MEDIUM, "RFC 6120 §13.8.3 (server MUST NOT), §6.3.4",
     "RFC 6120 §13.8.3", "server offers a cleartext-password mechanism without TLS",
     ON(FACT_EVENT), {EV_FEATURES}, check_b12, SEEN_SERVER_CLEAR,
     NULL},
    {"D3", "bind-advertised-pre-auth", LEVEL_MEDIUM, "RFC 6120 §7.4 (MUST NOT)",
     "RFC 6120 §7.4", "bind advertised before authentication",
     ON(FACT_EVENT), {EV_FEATURES}, check_d3, SEEN_SERVER,
     NULL},
    {"D4", "bind-not-advertised-post-auth", LEVEL_MEDIUM, "RFC 6120 §7.4 (MUST)",
     "RFC 6120 §7.4", "post-authentication features lack bind",
     ON(FACT_EVENT), {EV_FEATURES}, check_d4, SEEN_SERVER,
     NULL},
    /* ---- authentication: SASL1, SASL2, registration, legacy (login-spec §4) ---- */
    {"C8", "sasl-mechanism-walk", LEVEL_INFO, "RFC 6120 §6.3.3, §6.4.5",
     "RFC 6120 §6.4.5", "more than one mechanism tried",
     ON(FACT_NEW_ATTEMPT), {EV_NONE}, check_c8, SEEN_CLIENT,
     NULL},
    {"B4", "starttls-required-ignored", LEVEL_HIGH, "RFC 6120 §5.3.1, §4.3.2 (MUST negotiate)",
     "RFC 6120 §5.3.1", "STARTTLS was required but the client went on in clear",
     ON(FACT_CLEAR_STEP), {EV_NONE}, check_b4, SEEN_PLAIN_TCP,
     NULL},
    {"B3", "tls-offered-not-used", LEVEL_MEDIUM, "RFC 6120 §5.2 (SHOULD), §5.3.4; RFC 7590 §3.1",
     "RFC 6120 §5.3.4", "STARTTLS was offered but the client went on in clear",
     ON(FACT_CLEAR_STEP), {EV_NONE}, check_b3, SEEN_PLAIN_TCP,
     "The client sent credentials or a registration password in clear; a stanza sent in "
     "clear is not counted."},
    {"C18", "anonymous-login", LEVEL_INFO, "XEP-0175 §3",
     "XEP-0175 §3", "anonymous login",
     ON(FACT_EVENT), {EV_AUTH}, check_c18, SEEN_CLIENT,
     NULL},
    {"C19", "obsolete-mechanism", LEVEL_LOW, "RFC 6331 [M]; RFC 6120 §13.8.1 interop note",
     "RFC 6331", "obsolete mechanism (DIGEST-MD5 or CRAM-MD5)",
     ON(FACT_EVENT), {EV_AUTH}, check_c19, SEEN_CLIENT,
     NULL},
    {"C2", "mechanism-not-offered", LEVEL_MEDIUM, "RFC 6120 §6.4.2, §6.5.7, §6.3.3; XEP-0388 §2.3",
     "RFC 6120 §6.4.2", "mechanism not offered by the server",
     ON(FACT_EVENT), {EV_AUTH}, check_c2, SEEN_CLIENT,
     "SASL1; the SASL2 case is H2."},
    {"H2", "sasl2-mechanism-not-offered", LEVEL_MEDIUM, "XEP-0388 §2.3",
     "XEP-0388 §2.3", "SASL2 mechanism not offered",
     ON(FACT_EVENT), {EV_SASL2_AUTHENTICATE}, check_h2, SEEN_CLIENT,
     NULL},
    {"H9", "user-agent-id-not-uuid", LEVEL_LOW, "XEP-0388 §2.3",
     "XEP-0388 §2.3", "user-agent id is not a UUID",
     ON(FACT_EVENT), {EV_SASL2_AUTHENTICATE}, check_h9, SEEN_CLIENT,
     NULL},
    {"E9", "account-removed", LEVEL_INFO, "XEP-0077 §3.2",
     "XEP-0077 §3.2", "account removed",
     ON(FACT_EVENT), {EV_REGISTER_SET}, check_e9, SEEN_CLIENT,
     NULL},
    {"E1", "ibr-not-advertised", LEVEL_INFO, "XEP-0077 §8, §3.1",
     "XEP-0077 §8", "registration although the server does not offer it",
     ON(FACT_EVENT), {EV_REGISTER_GET, EV_REGISTER_SET}, check_e1, SEEN_CLIENT,
     NULL},
    {"E5", "legacy-auth-used", LEVEL_MEDIUM, "XEP-0078 §1, §7",
     "XEP-0078 §1", "obsolete legacy authentication (jabber:iq:auth) used",
     ON(FACT_EVENT), {EV_LEGACY_AUTH_SET}, check_e5, SEEN_CLIENT,
     NULL},
    {"E6", "legacy-auth-after-sasl-failure", LEVEL_MEDIUM, "XEP-0078 §3.1, §7",
     "XEP-0078 §3.1", "legacy authentication after a failed SASL attempt",
     ON(FACT_EVENT), {EV_LEGACY_AUTH_SET}, check_e6, SEEN_CLIENT,
     NULL},
    {"E7", "legacy-auth-fields-missing", LEVEL_LOW, "XEP-0078 §3.1",
     "XEP-0078 §3.1", "legacy authentication without username or resource",
     ON(FACT_EVENT), {EV_LEGACY_AUTH_SET}, check_e7, SEEN_CLIENT,
     NULL},
    {"E2", "ibr-password-in-clear", LEVEL_CRITICAL, "XEP-0077 §3.3, §11",
     "XEP-0077 §11", "registration password sent without TLS",
     ON(FACT_REGISTRATION), {EV_NONE}, check_e2, SEEN_CLIENT_CLEAR,
     NULL},
    {"L5", "password-changed", LEVEL_INFO, "(tool); XEP-0077 §3.3",
     "XEP-0077 §3.3", "password changed inside the session",
     ON(FACT_REGISTRATION), {EV_NONE}, check_l5, SEEN_CLIENT,
     "Not in the spec: the tool's own, in group L (an audit trail, like E9). An iq:register "
     "set with a <password> once authenticated (or inside a session picked up mid-stream) "
     "changes the password (XEP-0077 §3.3): the new credential is a finding of its own, its "
     "value <hidden> unless --show-secrets; the session's outcome stays what the login made "
     "it (established), not registered. Without TLS E2 is raised as well and the session "
     "counts in the plaintext audit."},
    {"E4", "ibr-repeated", LEVEL_LOW, "XEP-0077 §3.1.1",
     "XEP-0077 §3.1.1", "more than one registration on one stream",
     ON(FACT_REGISTRATION), {EV_NONE}, check_e4, SEEN_CLIENT,
     "More than one registration on one stream; across sources it is not counted."},
    /* ---- a credential payload read: what it exposes, and how ---- */
    {"C16", "sasl-bad-base64", LEVEL_LOW, "RFC 6120 §6.3.5, §13.9.1, §6.5.5; XEP-0388 §2.2",
     "RFC 6120 §6.3.5", "SASL data is not clean base64",
     ON(FACT_CREDENTIALS), {EV_NONE}, check_c16, SEEN_CLIENT,
     NULL},
    {"C14", "authzid-differs", LEVEL_INFO, "RFC 6120 §6.3.8, §6.5.6",
     "RFC 6120 §6.3.8", "authorization identity differs from the authenticated user",
     ON(FACT_CREDENTIALS), {EV_NONE}, check_c14, SEEN_CLIENT,
     "Always info: the spec's medium case (followed by `invalid-authzid`) is the C7 that "
     "follows."},
    {"B1", "cleartext-credential", LEVEL_CRITICAL,
     "RFC 6120 §13.8.3 (client MUST NOT use PLAIN without TLS), §5.2; RFC 4616 Security "
     "Considerations; XEP-0078 §7; XEP-0077 §3.3, §11; XEP-0484 §6; XEP-0124 §19.1; RFC 7395 "
     "§6",
     "RFC 6120 §13.8.3", "password sent without TLS",
     ON(FACT_CREDENTIALS), {EV_NONE}, check_b1, SEEN_CLIENT_CLEAR,
     "SASL secrets (PLAIN, LOGIN, the token mechanisms), iq:auth passwords; a registration "
     "password is E2. Also a secret-bearing payload a capture gap took."},
    {"B2", "hash-material-in-clear", LEVEL_HIGH,
     "RFC 6120 §13.8.1 security warning; RFC 5802 §9 [M]; XEP-0078 §7",
     "RFC 6120 §13.8.1", "hashed credentials exchanged without TLS",
     ON(FACT_CREDENTIALS), {EV_NONE}, check_b2, SEEN_CLIENT_CLEAR,
     NULL},
    {"C13", "cb-type-mismatch", LEVEL_LOW, "RFC 9266 [D]; RFC 5929 [M]; XEP-0440 §3",
     "RFC 9266", "channel binding tls-unique over TLS 1.3, where it is not defined",
     ON(FACT_CREDENTIALS), {EV_NONE}, check_c13, SEEN_AFTER_TLS,
     "`p=tls-unique` where a capture shows TLS 1.3, or a type not in `<sasl-channel-binding>`."},
    {"C12", "scram-cb-downgrade", LEVEL_HIGH, "RFC 5802 §6 [M]; XEP-0440 §3, §4",
     "XEP-0440 §4", "SCRAM without channel binding although -PLUS was offered",
     ON(FACT_CREDENTIALS), {EV_NONE}, check_c12, SEEN_AFTER_TLS,
     "The client side; a server accepting it shows as the success that follows."},
    {"C11", "weaker-mechanism-chosen", LEVEL_LOW,
     "RFC 6120 §6.3.3, §13.8.3 (MUST prefer stronger than PLAIN), §13.9.4 (SHOULD prefer CB)",
     "RFC 6120 §13.8.3", "weaker mechanism chosen than the server offered",
     ON(FACT_MECHANISM_JUDGED), {EV_NONE}, check_c11, SEEN_CLIENT,
     NULL},
    /* ---- the server's answers to the exchange ---- */
    {"B5", "starttls-required-not-enforced", LEVEL_HIGH, "RFC 6120 §5.3.1, §4.3.5, §4.9.3.12",
     "RFC 6120 §5.3.1", "the server went on although it required STARTTLS",
     ON(FACT_SERVER_WENT_ON), {EV_NONE}, check_b5, SEEN_PLAIN_TCP,
     NULL},
    {"C20", "scram-low-iterations", LEVEL_LOW, "RFC 7677 §4 [M]",
     "RFC 7677", "SCRAM iteration count below 4096",
     ON(FACT_EVENT), {EV_CHALLENGE}, check_c20, SEEN_SERVER,
     NULL},
    {"C21", "success-unsolicited", LEVEL_MEDIUM, "RFC 6120 §6.4.6",
     "RFC 6120 §6.4.6", "SASL success with no authentication in progress",
     ON(FACT_EVENT), {EV_SUCCESS}, check_c21, SEEN_SERVER,
     NULL},
    {"C17", "sasl-empty-encoding", LEVEL_LOW, "RFC 6120 §6.4.2, §6.4.6; XEP-0388 §2.2",
     "RFC 6120 §6.4.2", "empty SASL data not sent as '='",
     ON(FACT_EVENT), {EV_SUCCESS}, check_c17, SEEN_CLIENT,
     "An `<auth/>` without data answered by `<success/>` with no challenge between: the "
     "zero-length response was not sent as `=`. `<success/>` additional data is not checked."},
    {"C6", "sasl-abort-unanswered", LEVEL_LOW, "RFC 6120 §6.4.4",
     "RFC 6120 §6.4.4", "SASL abort not answered with failure(aborted)",
     ON(FACT_EVENT), {EV_FAILURE}, check_c6, SEEN_CLIENT,
     NULL},
    {"C15", "identity-mismatch", LEVEL_LOW, "RFC 6120 §6.4.6; XEP-0388 §2.3, §4.4",
     "RFC 6120 §6.4.6", "the authenticated identity differs from the stream header's from",
     ON(FACT_VERDICT), {EV_NONE}, check_c15, SEEN_CLIENT,
     NULL},
    {"C7", "sasl-failure(<cond>)", LEVEL_INFO, "RFC 6120 §6.4.5, §6.5.1–§6.5.11",
     "RFC 6120 §6.4.5", "SASL failure",
     ON(FACT_VERDICT), {EV_NONE}, check_c7, SEEN_SERVER,
     "Warning for `invalid-authzid`; `encryption-required` and `mechanism-too-weak` (low in "
     "the spec) are still reported as info."},
    {"C9", "sasl-retries-exceeded", LEVEL_MEDIUM, "RFC 6120 §6.4.5, §13.9.4 (MUST limit retries)",
     "RFC 6120 §6.4.5", "more SASL failures on one stream than a server should allow",
     ON(FACT_VERDICT), {EV_NONE}, check_c9, SEEN_SERVER,
     "At the sixth failure since the last stream header."},
    {"H8", "fast-token-issued", LEVEL_INFO, "XEP-0484 §3.3, §4.1",
     "XEP-0484 §3.3", "FAST token issued",
     ON(FACT_EVENT), {EV_SASL2_SUCCESS}, check_h8, SEEN_SERVER,
     NULL},
    {"H6", "bind2-after-resume", LEVEL_MEDIUM, "XEP-0386 §3.2; XEP-0198 §9.2",
     "XEP-0386 §3.2", "both resumed and bound in one SASL2 success",
     ON(FACT_EVENT), {EV_SASL2_SUCCESS}, check_h6, SEEN_SERVER,
     NULL},
    {"H4", "sasl2-inline-on-failure", LEVEL_MEDIUM, "XEP-0388 §2.6.2; XEP-0386 §3.2",
     "XEP-0388 §2.6.2", "inline results returned with a SASL2 failure",
     ON(FACT_EVENT), {EV_SASL2_FAILURE}, check_h4, SEEN_SERVER,
     NULL},
    {"E8", "credential-echoed", LEVEL_HIGH,
     "XEP-0078 §3.1; XEP-0077 §3.3 (SHOULD NOT return original XML)",
     "XEP-0078 §3.1", "the server's error echoes the credentials",
     ON(FACT_EVENT), {EV_REGISTER_ERROR, EV_LEGACY_AUTH_ERROR}, check_e8, SEEN_SERVER,
     NULL},
    /* ---- bind, session, stream management, compression, stanzas ---- */
    {"D2", "bind-not-advertised", LEVEL_MEDIUM, "RFC 6120 §7.4; XEP-0386 §3.2",
     "RFC 6120 §7.4", "resource binding although the features do not offer it",
     ON(FACT_EVENT), {EV_BIND}, check_d2, SEEN_CLIENT,
     NULL},
    {"D12", "bind-resource-overridden", LEVEL_INFO, "RFC 6120 §7.7.1",
     "RFC 6120 §7.7.1", "the server bound another resource than requested",
     ON(FACT_EVENT), {EV_BIND_RESULT}, check_d12, SEEN_CLIENT,
     NULL},
    {"D11", "bind-error(<cond>)", LEVEL_INFO, "RFC 6120 §7.6.2, §7.7.2",
     "RFC 6120 §7.6.2", "resource binding refused",
     ON(FACT_EVENT), {EV_BIND_ERROR}, check_d11, SEEN_SERVER,
     NULL},
    {"D10", "bind-retries-exceeded", LEVEL_LOW, "RFC 6120 §7.7.3",
     "RFC 6120 §7.7.3", "more failed bind attempts than a server should allow",
     ON(FACT_EVENT), {EV_BIND_ERROR}, check_d10, SEEN_SERVER,
     "At the eleventh bind error."},
    {"D14", "session-not-advertised", LEVEL_INFO,
     "RFC 6121 App. E; draft-cridland-xmpp-session-01 [D]",
     "RFC 6121 App. E", "session request although the server does not offer it",
     ON(FACT_EVENT), {EV_SESSION}, check_d14, SEEN_CLIENT,
     NULL},
    {"F4", "sm-enable-duplicate", LEVEL_MEDIUM, "XEP-0198 §3",
     "XEP-0198 §3", "stream management enabled twice",
     ON(FACT_EVENT), {EV_SM_ENABLE}, check_f4, SEEN_CLIENT,
     NULL},
    {"F3", "sm-enable-not-advertised", LEVEL_LOW, "XEP-0198 §2",
     "XEP-0198 §2", "stream management enabled although not offered",
     ON(FACT_EVENT), {EV_SM_ENABLE}, check_f3, SEEN_CLIENT,
     NULL},
    {"F7", "sm-resume-failed(<cond>)", LEVEL_INFO, "XEP-0198 §5",
     "XEP-0198 §5", "stream resumption failed",
     ON(FACT_EVENT), {EV_SM_FAILED}, check_f7, SEEN_SERVER,
     NULL},
    {"F8", "sm-ack-before-enable", LEVEL_LOW, "XEP-0198 §4",
     "XEP-0198 §4", "stream management request or ack before it was enabled",
     ON(FACT_EVENT), {EV_SM_REQUEST, EV_SM_ACK}, check_f8, SEEN_CLIENT,
     NULL},
    {"F9", "sm-h-too-high", LEVEL_MEDIUM, "XEP-0198 §4, §6",
     "XEP-0198 §4", "acknowledged more stanzas than were sent",
     ON(FACT_EVENT), {EV_SM_ACK}, check_f9, SEEN_CLIENT,
     "Not after a resumption: the counts carried over are not seen."},
    {"G1", "compression-before-auth", LEVEL_LOW, "XEP-0170 §2.2",
     "XEP-0170 §2.2", "compression negotiated before authentication",
     ON(FACT_EVENT), {EV_COMPRESS}, check_g1, SEEN_CLIENT,
     NULL},
    {"G4", "compress-method-not-offered", LEVEL_LOW, "XEP-0138 §2",
     "XEP-0138 §2", "compression method not offered",
     ON(FACT_EVENT), {EV_COMPRESS}, check_g4, SEEN_CLIENT,
     NULL},
    {"G2", "compression-used", LEVEL_LOW, "XEP-0138 §3, §7",
     "XEP-0138 §7", "stream compression used (obsolete; open to CRIME-style attacks)",
     ON(FACT_EVENT), {EV_COMPRESSED}, check_g2, SEEN_SERVER,
     NULL},
    {"D7", "stanza-before-bind-local", LEVEL_INFO, "RFC 6120 §7.1 informational note",
     "RFC 6120 §7.1", "stanza sent before resource binding",
     ON(FACT_EVENT), STANZAS, check_d7, SEEN_CLIENT,
     NULL},
    {"D6", "stanza-before-bind", LEVEL_MEDIUM, "RFC 6120 §7.1, §4.3.5",
     "RFC 6120 §7.1", "stanza to another entity sent before resource binding",
     ON(FACT_EVENT), STANZAS, check_d6, SEEN_CLIENT,
     NULL},
    {"D8", "prebind-stanza-not-rejected", LEVEL_LOW, "RFC 6120 §4.3.5, §7.1",
     "RFC 6120 §4.3.5", "the server answered a stanza sent before authentication or binding",
     ON(FACT_EVENT), STANZAS, check_d8, SEEN_CLIENT,
     NULL},
    {"D15", "session-required-skipped", LEVEL_LOW,
     "RFC 3921 §3 [D]; draft-cridland-xmpp-session-01 [D]",
     "RFC 3921 §3", "session offered as mandatory, but the client skipped it",
     ON(FACT_EVENT), STANZAS, check_d15, SEEN_CLIENT,
     NULL},
    /* ---- stream errors, TLS, the input ---- */
    {"K3", "setup-error-without-header", LEVEL_LOW, "RFC 6120 §4.9.1.2",
     "RFC 6120 §4.9.1.2", "stream error sent before the server's stream header",
     ON(FACT_EVENT), {EV_STREAM_ERROR}, check_k3, BUT_WS_CAPTURE(SEEN_SERVER),
     "A `</stream:stream>` that follows such a stray error is the server's stream close. On XMPP "
     "over WebSocket from a capture J10 names it."},
    {"K7", "see-other-host-before-tls", LEVEL_LOW, "RFC 6120 §4.9.3.19",
     "RFC 6120 §4.9.3.19", "redirect (see-other-host) before TLS",
     ON(FACT_EVENT), {EV_STREAM_ERROR}, check_k7, SEEN_SERVER_CLEAR,
     NULL},
    {"K1", "stream-error(<cond>)", LEVEL_INFO, "RFC 6120 §4.9.1.1, §4.9.3.1–25",
     "RFC 6120 §4.9.1.1", "stream error",
     ON(FACT_EVENT), {EV_STREAM_ERROR}, check_k1, SEEN_SERVER,
     "Warning for `not-authorized` and `policy-violation`; `see-other-host` (low in the "
     "spec) is still reported as info."},
    {"B8", "starttls-failure", LEVEL_INFO, "RFC 6120 §5.4.2.2",
     "RFC 6120 §5.4.2.2", "the server refused STARTTLS",
     ON(FACT_EVENT), {EV_STARTTLS_FAILURE}, check_b8, SEEN_PLAIN_TCP,
     "`starttls-failure-not-closed` (the server did not close after it) is not checked."},
    {"A15", "restricted-xml", LEVEL_LOW, "RFC 6120 §11.1, §11.5, §11.6",
     "RFC 6120 §11.1", "restricted XML (comment, processing instruction, DTD, entity or bad encoding)",
     ON(FACT_EVENT), {EV_XML_ERROR}, check_a15, SEEN_SERVER,
     "The framer marks what RFC 6120 §11 forbids (comment, processing instruction, DTD, "
     "undeclared entity, byte order mark, non-UTF-8 bytes or encoding); the check reads that "
     "mark, not the message."},
    {"B13", "tls-handshake-failed", LEVEL_INFO, "RFC 6120 §5.4.3.2",
     "RFC 6120 §5.4.3.2", "the TLS handshake failed",
     ON(FACT_EVENT), {EV_TLS_ALERT}, check_b13, SEEN_TLS_CAPTURE,
     NULL},
    {"B14", "direct-tls-sni-alpn", LEVEL_LOW, "XEP-0368 §3 rules 6–8",
     "XEP-0368 §3", "direct TLS ClientHello without SNI or without ALPN xmpp-client",
     ON(FACT_EVENT), {EV_TLS_CLIENT_HELLO}, check_b14, SEEN_HELLO,
     NULL},
    {"C22", "log-auth-result", LEVEL_INFO, "(operational)",
     NULL, "the server log records an authentication result",
     ON(FACT_EVENT), {EV_LOG_AUTH_OK, EV_LOG_AUTH_FAIL}, check_c22, SEEN_LOG_LINE,
     "One finding per ejabberd `Accepted/Failed c2s <M> authentication` line: mechanism, "
     "user, result, address and, for failures, ejabberd's reason (never a password)."},
    {"A10", "whitespace-in-negotiation", LEVEL_LOW, "RFC 6120 §5.3.3, §6.3.5",
     "RFC 6120 §5.3.3", "whitespace sent in the middle of a negotiation step",
     ON(FACT_WHITESPACE), {EV_NONE}, check_a10, SEEN_CLIENT,
     "Once per stream epoch."},
    /* ---- the end of the session ---- */
    {"L3", "log-no-xml", LEVEL_INFO, "(tool)",
     NULL, "info-level log: only outcomes are available",
     ON(FACT_END), {EV_NONE}, check_l3, SEEN_LOG_LINE,
     "Once per input (`inputs[].log_level`) for a log without XML; per session when others have it."},
    {"L2", "tls-opaque", LEVEL_INFO, "(tool)",
     NULL, "login continued inside TLS without keys",
     ON(FACT_END), {EV_NONE}, check_l2, SEEN_TLS_CAPTURE,
     NULL},
    {"D16", "login-incomplete", LEVEL_INFO, "(derived)",
     NULL, "login did not complete",
     ON(FACT_END), {EV_NONE}, check_d16, SEEN_SERVER,
     "Warning when the login stopped before any authentication verdict."},
    {"K4", "unclean-close", LEVEL_INFO, "RFC 6120 §4.4",
     "RFC 6120 §4.4", "connection ended without a stream close",
     ON(FACT_END), {EV_NONE}, check_k4, SEEN_CLIENT & ~SEEN_ON(TRANSPORT_BOSH, CAPTURE_AND_LOG),
     "Warning before DONE. Not for BOSH, which has no connection of its own to drop: its "
     "client ends with `type='terminate'`, and without it the server ended the session (I20, "
     "I13; a log says \"connection closed\")."},
    {"F11", "sm-unclean-close", LEVEL_INFO, "XEP-0198 §7; RFC 7395 §3.6",
     "XEP-0198 §7", "connection dropped while resumable: the server keeps the session",
     ON(FACT_END), {EV_NONE}, check_f11, SEEN_CLIENT,
     NULL},
    {"K5", "close-not-reciprocated", LEVEL_LOW, "RFC 6120 §4.4",
     "RFC 6120 §4.4", "one side closed its stream and the other never answered",
     ON(FACT_END), {EV_NONE}, check_k5, SEEN_CLIENT,
     NULL},
    {"L1", "credentials-in-server-log", LEVEL_HIGH, "RFC 6120 §13.9.1",
     "RFC 6120 §13.9.1", "credentials readable in the server log",
     ON(FACT_END), {EV_NONE}, check_l1, SEEN_CLIENT_LOG,
     NULL},
    {"L4", "time-went-back", LEVEL_INFO, "(tool)",
     NULL, "the input's time went back inside the session; events kept in order",
     ON(FACT_END), {EV_NONE}, check_l4, SEEN_ANY,
     "Not in the spec: the tool's own, in group L (about the input). The input dates a step "
     "before the step before it (a clock set back, captures merged out of order): the step "
     "is placed at that earlier step's time; one finding per session, at the first such "
     "step."},
    /* ---- across connections (watch.c) ---- */
    {"C10", "auth-bruteforce", LEVEL_HIGH, "RFC 6120 §13.9.4, §13.11",
     "RFC 6120 §13.9.4", "repeated failed authentications across connections",
     ON(FACT_FAILURES_SEEN), {EV_NONE}, check_c10, SEEN_ANY_AUTH,
     "Across the connections of one run, each failure at its own time; credential failures "
     "only (not-authorized, an unknown condition or a log verdict). At least 10 failures for "
     "one user or from one source address within 300 s (the spec's K and T), or at least 5 "
     "distinct users failing from one source address within 300 s (the spec gives no "
     "number). Once per session."},
    {"F10", "sm-session-replaced", LEVEL_INFO, "XEP-0198 §5",
     "XEP-0198 §5", "stream replaced by a resumption on another connection",
     ON(FACT_SM_REPLACED), {EV_NONE}, check_f10, SEEN_SERVER,
     "Pairs the connection the server ends with `<conflict/>` and the one that resumed its "
     "stream management id (`<resumed previd>`), in either order; the finding goes on "
     "whichever ends last."},
    {"K8", "redirect-loop", LEVEL_LOW, "RFC 6120 §4.9.3.19",
     "RFC 6120 §4.9.3.19", "more than 5 successive see-other-host redirects followed",
     ON(FACT_REDIRECTS), {EV_NONE}, check_k8, SEEN_SERVER,
     "Per source address, the connections in a row the server ends with see-other-host, at "
     "most 60 s apart: the sixth and later. In one server's log the connections to the other "
     "host are not seen: this counts redirects back to the same server."},
    /* ---- BOSH (XEP-0124, XEP-0206): the BOSH layer raises them (feed_bosh.c) ---- */
    {"I1", "bosh-http-misuse", LEVEL_LOW, "XEP-0124 §5, §7.1, §18.1",
     "XEP-0124 §5", "BOSH request not sent as one POST with text/xml, or pipelined",
     ON(FACT_BOSH), {EV_NONE}, check_i1, SEEN_BOSH_CAPTURE,
     "A request other than POST, a Content-Type other than text/xml (or the creation "
     "request's `content`), or a request sent on a connection before the answer to the "
     "previous one (HTTP pipelining, §18.1)."},
    {"I2", "bosh-invalid-body", LEVEL_MEDIUM, "XEP-0124 §6",
     "XEP-0124 §6", "HTTP body is not one well-formed <body xmlns='http://jabber.org/protocol/httpbind'/>",
     ON(FACT_BOSH), {EV_NONE}, check_i2, SEEN_BOSH_BODIES,
     "A body that does not parse, holds more than one element, or character data beside "
     "the wrapped elements."},
    {"I3", "bosh-rid-missing", LEVEL_MEDIUM, "XEP-0124 §6, §14",
     "XEP-0124 §14", "request without a usable rid",
     ON(FACT_BOSH), {EV_NONE}, check_i3, SEEN_BOSH_BODIES,
     "Missing, not a number, 0, or above 2^53-1."},
    {"I7", "bosh-rid-gap", LEVEL_LOW, "XEP-0124 §14.1, §14.2",
     "XEP-0124 §14.2", "rid skipped",
     ON(FACT_BOSH), {EV_NONE}, check_i7, SEEN_BOSH_BODIES,
     "A rid above the next one expected, inside the window: the skipped rids are reported "
     "when the session ends if they never came (low), or as reordered when they come later "
     "(info)."},
    {"I8", "bosh-rid-out-of-window", LEVEL_MEDIUM, "XEP-0124 §14.2",
     "XEP-0124 §14.2", "rid beyond the window of requests",
     ON(FACT_BOSH), {EV_NONE}, check_i8, SEEN_BOSH_BODIES,
     "A rid more than `requests` (from the creation answer; 2 when absent, §11) above the "
     "highest rid received without a gap. A log holds no answer: there, the creation "
     "request's `hold` + 1 (§11)."},
    {"I9", "bosh-rid-replay", LEVEL_INFO, "XEP-0124 §14.3, §17.3",
     "XEP-0124 §14.3", "rid repeated",
     ON(FACT_BOSH), {EV_NONE}, check_i9, SEEN_BOSH_BODIES,
     "Info when the body is byte for byte the one sent before with that rid (an allowed "
     "resend); an error (high) when it differs. The last 16 rids' bodies are remembered by "
     "hash."},
    {"I10", "bosh-rid-weak", LEVEL_LOW, "XEP-0124 §14.1, §19.3",
     "XEP-0124 §14.1", "initial rid is small or predictable",
     ON(FACT_BOSH), {EV_NONE}, check_i10, SEEN_BOSH_BODIES,
     "The creation request's rid below 2^20 (the spec asks for a large random number and "
     "gives no bound; 2^20 is the tool's), or one that would pass 2^53-1 within 2^20 "
     "requests."},
    {"I11", "bosh-too-many-requests", LEVEL_MEDIUM, "XEP-0124 §11",
     "XEP-0124 §11", "more requests waiting than the session allows",
     ON(FACT_BOSH), {EV_NONE}, check_i11, SEEN_BOSH_CAPTURE,
     "Requests sent and not answered yet, over all the session's connections, above "
     "`requests` (one more is allowed for a terminate or a pause)."},
    {"I13", "bosh-inactivity-exceeded", LEVEL_LOW, "XEP-0124 §10",
     "XEP-0124 §10", "no request waiting for longer than the inactivity period",
     ON(FACT_BOSH), {EV_NONE}, check_i13, SEEN_BOSH_CAPTURE,
     "The time between an answer that left no request waiting and the next request, above "
     "the creation answer's `inactivity` (plus its `pause` when one was asked)."},
    {"I14", "bosh-pause-invalid", LEVEL_LOW, "XEP-0124 §10",
     "XEP-0124 §10", "pause requested without maxpause, or above it",
     ON(FACT_BOSH), {EV_NONE}, check_i14, SEEN_BOSH_CAPTURE,
     NULL},
    {"I15", "bosh-create-response-invalid", LEVEL_LOW, "XEP-0124 §7.2, §9.1",
     "XEP-0124 §7.2", "session creation response lacks or breaks a required attribute",
     ON(FACT_BOSH), {EV_NONE}, check_i15, SEEN_BOSH_CAPTURE,
     "`sid`, `wait` or `requests` missing; `wait` or `hold` above the request's; "
     "`requests` not above `hold`; `ack` other than the creation rid."},
    {"I17", "bosh-restart-missing", LEVEL_MEDIUM, "XEP-0206 §4, §5",
     "XEP-0206 §5", "restart not as XEP-0206 asks",
     ON(FACT_BOSH), {EV_NONE}, check_i17, SEEN_BOSH_BODIES,
     "The missing restart itself is C4 (the next client data after success is not an "
     "`xmpp:restart='true'` body). Here: a restart body that carries elements (low), a "
     "creation answer without `xmpp:restartlogic='true'` (info)."},
    {"I19", "bosh-insecure", LEVEL_MEDIUM, "XEP-0124 §19.1",
     "XEP-0124 §19.1", "BOSH over http://: the session id and every payload travel in clear",
     ON(FACT_BOSH), {EV_NONE}, check_i19, SEEN_BOSH_BODIES,
     "Once per session, at its creation (or first request seen); credentials sent so are also B1. "
     "A log's session: not when its HTTP handler's socket is TLS (`{tlssock,…}` in its `http "
     "query` lines; at info level, an HTTPS listener port), else read as http://, as B1 reads it."},
    {"I20", "bosh-terminal(<cond>)", LEVEL_INFO, "XEP-0124 §17.2",
     "XEP-0124 §17.2", "the connection manager ended the session with a condition",
     ON(FACT_BOSH), {EV_NONE}, check_i20, SEEN_BOSH_CAPTURE,
     "Medium for policy-violation and item-not-found (abuse or a bad sid or rid); info for "
     "the others."},
    {"I21", "bosh-recoverable-error", LEVEL_INFO, "XEP-0124 §17.3",
     "XEP-0124 §17.3", "recoverable binding error (type='error')",
     ON(FACT_BOSH), {EV_NONE}, check_i21, SEEN_BOSH_CAPTURE,
     NULL},
    {"I22", "bosh-http-error", LEVEL_INFO, "XEP-0124 §17.1",
     "XEP-0124 §17.1", "HTTP error answer to a BOSH request",
     ON(FACT_BOSH), {EV_NONE}, check_i22, SEEN_BOSH_CAPTURE,
     "HTTP 400, 403 or 404 (the legacy form of bad-request, policy-violation and "
     "item-not-found), and any other status of 400 and above."},
    {"I23", "bosh-after-terminate", LEVEL_LOW, "XEP-0124 §13",
     "XEP-0124 §13", "request for a session already terminated",
     ON(FACT_BOSH), {EV_NONE}, check_i23, SEEN_BOSH_CAPTURE,
     "A request naming the sid of a session that ended (both sides sent "
     "`type='terminate'`) in this input."},
    {"I25", "bosh-ack-inconsistent", LEVEL_LOW, "XEP-0124 §9",
     "XEP-0124 §9", "ack beyond the highest rid sent",
     ON(FACT_BOSH), {EV_NONE}, check_i25, SEEN_BOSH_CAPTURE,
     "A server answer whose `ack` is above the highest rid the client sent, or a request "
     "whose `ack` is above the highest rid it sent."},
    /* ---- XMPP over WebSocket (RFC 7395), from a capture: the framing itself ---- */
    {"J1", "ws-subprotocol-missing", LEVEL_MEDIUM, "RFC 7395 §3.1",
     "RFC 7395 §3.1", "the xmpp subprotocol is missing from the WebSocket handshake",
     ON(FACT_EVENT), {EV_WS_UPGRADE}, check_j1, SEEN_WS_CAPTURE,
     "The client's `Sec-WebSocket-Protocol` without the token `xmpp`, or the server's 101 "
     "naming none or another."},
    {"J12", "ws-insecure", LEVEL_MEDIUM, "RFC 7395 §3.9, §6",
     "RFC 7395 §6", "XMPP over ws:// without TLS",
     ON(FACT_EVENT), {EV_WS_UPGRADE}, check_j12, SEEN_WS_CAPTURE,
     "Credentials sent over it are B1 as on TCP."},
    {"J5", "ws-first-not-open", LEVEL_MEDIUM, "RFC 7395 §3.3.1, §3.4",
     "RFC 7395 §3.4", "the client's first message is not <open/>",
     ON(FACT_WS_ELEMENT), {EV_NONE}, check_j5, SEEN_WS_CAPTURE,
     "E.g. a `<stream:stream>` header, which is also J3 (an element left open)."},
    {"J6", "ws-framing-namespace", LEVEL_MEDIUM, "RFC 7395 §3.3.2",
     "RFC 7395 §3.3.2", "<open/> or <close/> outside the framing namespace",
     ON(FACT_WS_ELEMENT), {EV_NONE}, check_j6, SEEN_WS_CAPTURE,
     NULL},
    {"J10", "ws-open-error-framing", LEVEL_LOW, "RFC 7395 §3.5",
     "RFC 7395 §3.5", "stream error at open time not sent after an <open/>",
     ON(FACT_WS_ELEMENT), {EV_STREAM_ERROR}, check_j10, SEEN_WS_CAPTURE,
     "A server `<stream:error>` before any `<open/>` of its own (K3 on the other transports)."},
    {"J13", "ws-multiplex", LEVEL_LOW, "RFC 7395 §3.4",
     "RFC 7395 §3.4", "more than one XMPP stream on one WebSocket",
     ON(FACT_WS_ELEMENT), {EV_STREAM_OPEN, EV_STREAM_RESTART}, check_j13, SEEN_WS_CAPTURE,
     "A client `<open/>` after the client's `<close/>`."},
    {"J2", "ws-binary-frame", LEVEL_MEDIUM, "RFC 7395 §3.2",
     "RFC 7395 §3.2", "XMPP in a binary WebSocket message",
     ON(FACT_WS_FRAMING), {EV_NONE}, check_j2, SEEN_WS_CAPTURE,
     "The message is still read as XML."},
    {"J3", "ws-frame-not-one-element", LEVEL_MEDIUM, "RFC 7395 §3.3.3",
     "RFC 7395 §3.3.3", "a WebSocket message that is not one whole element",
     ON(FACT_WS_FRAMING), {EV_NONE}, check_j3, SEEN_WS_CAPTURE,
     "Two elements or more, an element left open, text before or after it, an empty message. "
     "An XML declaration before the element and whitespace after it are let pass; a message "
     "a capture gap cut is not judged."},
    {"J4", "ws-whitespace-keepalive", LEVEL_LOW, "RFC 7395 §3.8",
     "RFC 7395 §3.8", "a whitespace-only WebSocket message",
     ON(FACT_WS_FRAMING), {EV_NONE}, check_j4, SEEN_WS_CAPTURE,
     NULL},
    {"J11", "ws-masking", LEVEL_LOW, "RFC 6455 §5.1, §5.3 [M]",
     "RFC 6455 §5.1", "WebSocket frame masking wrong",
     ON(FACT_WS_FRAMING), {EV_NONE}, check_j11, SEEN_WS_CAPTURE,
     "Once per direction: the first client frame not masked, the first server frame masked."},
    {"J8", "ws-no-xmpp-close", LEVEL_INFO, "RFC 7395 §3.6",
     "RFC 7395 §3.6", "the WebSocket ended without <close/>",
     ON(FACT_END), {EV_NONE}, check_j8, SEEN_WS_CAPTURE,
     "A side that sent a close frame, or whose connection ended, without its `<close/>` (a "
     "stream error ends the stream instead)."},
    /* ---- not observable yet: no predicate; the note says what the inputs lack ---- */
    {"B15", "tls-close-notify-missing", LEVEL_LOW, "RFC 6120 §4.4 (security warning)",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "close_notify is a TLS alert inside the encrypted stream: it needs decryption (TLS "
     "stays opaque) and a capture."},
    {"H7", "fast-0rtt-count-missing", LEVEL_MEDIUM, "XEP-0484 §3.4",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "Needs TLS 0-RTT early data (inside TLS) and the counts of earlier FAST logins."},
    {"I4", "bosh-sid-on-create", LEVEL_MEDIUM, "XEP-0124 §7.1",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "A request with a sid is read as one of that session: a creation request that names a sid cannot be told from a later request of an unknown session."},
    {"I5", "bosh-sid-missing", LEVEL_MEDIUM, "XEP-0124 §7.1",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "A request without a sid is read as a creation request; its answer tells which session it made."},
    {"I6", "bosh-sid-unknown", LEVEL_MEDIUM, "XEP-0124 §17.2",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "A capture may begin after a session's creation: a sid not seen created is a session picked up mid-way (I23 covers a sid that ended)."},
    {"I12", "bosh-polling-too-frequent", LEVEL_LOW, "XEP-0124 §11, §12",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "Needs the polling interval per empty exchange; not read yet."},
    {"I16", "bosh-response-order", LEVEL_MEDIUM, "XEP-0124 §8, §14.2",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "Answers are read in the order they were sent; telling a late one from a reordered one needs the server's buffering, which a capture does not show."},
    {"I18", "bosh-key-invalid", LEVEL_HIGH, "XEP-0124 §15.4",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "The key chain needs SHA-1 (OpenSSL's libcrypto comes with TLS decryption); not checked yet."},
    {"I24", "bosh-tls-elements", LEVEL_LOW, "XEP-0206 §2, §4",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "STARTTLS inside BOSH is B7 (starttls-unexpected) today."},
    {"J9", "ws-see-other-uri-downgrade", LEVEL_MEDIUM, "RFC 7395 §3.6.1",
     NULL, NULL, 0, {EV_NONE}, NULL, SEEN_NONE,
     "A downgrade is a redirect away from wss://: a capture shows WebSocket only in clear "
     "(ws://, TLS stays opaque), and a server log does not tell ws:// from wss://."},
};

const size_t check_table_len = sizeof check_table / sizeof check_table[0];
