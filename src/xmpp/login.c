/* login: the login state machine and its findings (login-spec §2.3, §3; RFC 6120 §4–§7). */
#include <config.h>
#include "login.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "abbrev.h"
#include "buf.h"
#include "findings.h"
#include "hash_bytes.h"
#include "sasl.h"
#include "xalloc.h"

enum state {
    ST_IDLE,          /* nothing seen yet */
    ST_UNKNOWN,       /* picked up mid-stream: no ordering checks until a header */
    ST_HDR_C,         /* client header sent */
    ST_HDR_S,         /* server header sent, features due */
    ST_NEG,           /* features received: negotiating */
    ST_TLS_WAIT,      /* <starttls/> sent */
    ST_TLS_HS,        /* <proceed/> received, TLS handshake running */
    ST_RESTART_TLS,   /* TLS up: the client owes a new header */
    ST_RESTART_SASL,  /* SASL success: the client owes a new header */
    ST_RESTART_COMP,  /* compression on: the client owes a new header */
    ST_SASL,          /* SASL exchange in progress */
    ST_SASL2,         /* SASL2 exchange in progress (XEP-0388) */
    ST_COMP_WAIT,     /* <compress/> sent */
    ST_SM_WAIT,       /* <resume/> sent */
    ST_DONE,          /* bound (or resumed, or legacy-authenticated) */
    ST_CLOSING,       /* a stream close or stream error was sent */
    ST_ANY,           /* table wildcard */
};

enum guard {
    G_NONE,
    G_STARTTLS_OFFERED,  /* the current features hold <starttls/> */
    G_AUTHED,            /* authentication succeeded */
    G_NOT_AUTHED,
    G_CHALLENGE_PENDING, /* a challenge awaits its response */
};

/* Direction wildcard in the tables. */
#define DIR_ANY '*'
/* Event wildcard in the miss table. */
#define EV_ANY EV__COUNT

/*
 * The transition table. A row applies when state, direction and event match
 * and its guard holds; a failed guard records |code| (and the transition is
 * still taken: the server decides what really happens next). ST_ANY rows are
 * searched after the state's own rows. to == ST_ANY keeps the state.
 */
static const struct transition {
    enum state from;
    char dir;
    enum event on;
    enum guard guard;
    const char *code; /* violation when the guard fails */
    enum state to;
    const char *ref;
} login_table[] = {
    /* from            dir  on                     guard                code  to               ref */
    {ST_IDLE, 'C', EV_STREAM_OPEN, G_NONE, NULL, ST_HDR_C, "RFC 6120 §4.2"},
    {ST_UNKNOWN, 'C', EV_STREAM_OPEN, G_NONE, NULL, ST_HDR_C, "RFC 6120 §4.2"},
    {ST_UNKNOWN, 'C', EV_STREAM_RESTART, G_NONE, NULL, ST_HDR_C, "RFC 6120 §4.3.3"},
    {ST_HDR_C, 'S', EV_STREAM_OPEN, G_NONE, NULL, ST_HDR_S, "RFC 6120 §4.2"},
    {ST_HDR_S, 'S', EV_FEATURES, G_NONE, NULL, ST_NEG, "RFC 6120 §4.3.2"},
    {ST_NEG, 'C', EV_STARTTLS, G_STARTTLS_OFFERED, "B7", ST_TLS_WAIT, "RFC 6120 §5.4.2.1"},
    {ST_TLS_WAIT, 'S', EV_PROCEED, G_NONE, NULL, ST_TLS_HS, "RFC 6120 §5.4.2.3"},
    {ST_TLS_WAIT, 'S', EV_STARTTLS_FAILURE, G_NONE, NULL, ST_CLOSING, "RFC 6120 §5.4.2.2"},
    {ST_TLS_HS, '-', EV_TLS_ESTABLISHED, G_NONE, NULL, ST_RESTART_TLS, "RFC 6120 §5.4.3.3"},
    {ST_IDLE, '-', EV_TLS_ESTABLISHED, G_NONE, NULL, ST_IDLE, "XEP-0368 §3"}, /* direct TLS */
    {ST_RESTART_TLS, 'C', EV_STREAM_RESTART, G_NONE, NULL, ST_HDR_C, "RFC 6120 §5.4.3.3"},
    {ST_RESTART_SASL, 'C', EV_STREAM_RESTART, G_NONE, NULL, ST_HDR_C, "RFC 6120 §6.4.6"},
    {ST_RESTART_COMP, 'C', EV_STREAM_RESTART, G_NONE, NULL, ST_HDR_C, "XEP-0138 §2"},
    {ST_NEG, 'C', EV_AUTH, G_NOT_AUTHED, "C3", ST_SASL, "RFC 6120 §6.4.2"},
    {ST_SASL, 'S', EV_CHALLENGE, G_NONE, NULL, ST_SASL, "RFC 6120 §6.4.3"},
    {ST_SASL, 'C', EV_RESPONSE, G_CHALLENGE_PENDING, "C5", ST_SASL, "RFC 6120 §6.4.3"},
    {ST_SASL, 'C', EV_ABORT, G_NONE, NULL, ST_SASL, "RFC 6120 §6.4.4"},
    {ST_SASL, 'C', EV_AUTH, G_NONE, NULL, ST_SASL, "RFC 6120 §6.4.2"},
    {ST_SASL, 'S', EV_FAILURE, G_NONE, NULL, ST_NEG, "RFC 6120 §6.4.5"},
    {ST_SASL, 'S', EV_SUCCESS, G_NONE, NULL, ST_RESTART_SASL, "RFC 6120 §6.4.6"},
    {ST_NEG, 'C', EV_SASL2_AUTHENTICATE, G_NOT_AUTHED, "C3", ST_SASL2, "XEP-0388 §2.3"},
    {ST_SASL2, 'S', EV_SASL2_CHALLENGE, G_NONE, NULL, ST_SASL2, "XEP-0388 §2.5"},
    {ST_SASL2, 'C', EV_SASL2_RESPONSE, G_NONE, NULL, ST_SASL2, "XEP-0388 §2.5"},
    {ST_SASL2, 'S', EV_SASL2_CONTINUE, G_NONE, NULL, ST_SASL2, "XEP-0388 §2.6.3"},
    {ST_SASL2, 'C', EV_SASL2_NEXT, G_NONE, NULL, ST_SASL2, "XEP-0388 §2.6.3"},
    {ST_SASL2, DIR_ANY, EV_SASL2_TASK_DATA, G_NONE, NULL, ST_SASL2, "XEP-0388 §2.6.3"},
    {ST_SASL2, 'C', EV_SASL2_ABORT, G_NONE, NULL, ST_SASL2, "XEP-0388 §4.5"},
    {ST_SASL2, 'S', EV_SASL2_FAILURE, G_NONE, NULL, ST_NEG, "XEP-0388 §2.6.2"},
    {ST_SASL2, 'S', EV_SASL2_SUCCESS, G_NONE, NULL, ST_NEG, "XEP-0388 §2.6.1"},
    {ST_NEG, 'C', EV_REGISTER_GET, G_NONE, NULL, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'C', EV_REGISTER_SET, G_NONE, NULL, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'S', EV_REGISTER_RESULT, G_NONE, NULL, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'S', EV_REGISTER_ERROR, G_NONE, NULL, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'S', EV_REGISTER_FORM, G_NONE, NULL, ST_NEG, "XEP-0077 §3.1"},
    {ST_NEG, 'S', EV_LEGACY_AUTH_FORM, G_NONE, NULL, ST_NEG, "XEP-0078 §3.1"},
    {ST_DONE, 'S', EV_REGISTER_FORM, G_NONE, NULL, ST_DONE, "XEP-0077 §3.3"},
    {ST_NEG, 'C', EV_LEGACY_AUTH_GET, G_NOT_AUTHED, "C3", ST_NEG, "XEP-0078 §3.1"},
    {ST_NEG, 'C', EV_LEGACY_AUTH_SET, G_NOT_AUTHED, "C3", ST_NEG, "XEP-0078 §3.1"},
    {ST_NEG, 'S', EV_LEGACY_AUTH_RESULT, G_NONE, NULL, ST_DONE, "XEP-0078 §3.1"},
    {ST_NEG, 'S', EV_LEGACY_AUTH_ERROR, G_NONE, NULL, ST_NEG, "XEP-0078 §3.1"},
    {ST_NEG, 'C', EV_COMPRESS, G_NONE, NULL, ST_COMP_WAIT, "XEP-0138 §2"},
    {ST_COMP_WAIT, 'S', EV_COMPRESSED, G_NONE, NULL, ST_RESTART_COMP, "XEP-0138 §2"},
    {ST_COMP_WAIT, 'S', EV_COMPRESS_FAILURE, G_NONE, NULL, ST_NEG, "XEP-0138 §2"},
    {ST_NEG, 'C', EV_BIND, G_AUTHED, "D1", ST_NEG, "RFC 6120 §7.6.1"},
    {ST_NEG, 'S', EV_BIND_RESULT, G_NONE, NULL, ST_DONE, "RFC 6120 §7.6.1"},
    {ST_NEG, 'S', EV_BIND_ERROR, G_NONE, NULL, ST_NEG, "RFC 6120 §7.6.2"},
    {ST_NEG, 'C', EV_SM_RESUME, G_AUTHED, "F5", ST_SM_WAIT, "XEP-0198 §5"},
    {ST_SM_WAIT, 'S', EV_SM_RESUMED, G_NONE, NULL, ST_DONE, "XEP-0198 §5"},
    {ST_SM_WAIT, 'S', EV_SM_FAILED, G_NONE, NULL, ST_NEG, "XEP-0198 §5"},
    {ST_DONE, 'C', EV_SESSION, G_NONE, NULL, ST_DONE, "RFC 3921 §3"},
    {ST_DONE, 'S', EV_SESSION_RESULT, G_NONE, NULL, ST_DONE, "RFC 3921 §3"},
    {ST_DONE, 'S', EV_SESSION_ERROR, G_NONE, NULL, ST_DONE, "RFC 3921 §3"},
    {ST_DONE, 'C', EV_SM_ENABLE, G_NONE, NULL, ST_DONE, "XEP-0198 §3"},
    {ST_DONE, 'S', EV_SM_ENABLED, G_NONE, NULL, ST_DONE, "XEP-0198 §3"},
    {ST_DONE, 'S', EV_SM_FAILED, G_NONE, NULL, ST_DONE, "XEP-0198 §3"},
    {ST_DONE, DIR_ANY, EV_SM_REQUEST, G_NONE, NULL, ST_DONE, "XEP-0198 §4"},
    {ST_DONE, DIR_ANY, EV_SM_ACK, G_NONE, NULL, ST_DONE, "XEP-0198 §4"},
    {ST_DONE, DIR_ANY, EV_STANZA_MESSAGE, G_NONE, NULL, ST_DONE, "RFC 6120 §8"},
    {ST_DONE, DIR_ANY, EV_STANZA_PRESENCE, G_NONE, NULL, ST_DONE, "RFC 6120 §8"},
    {ST_DONE, DIR_ANY, EV_STANZA_IQ, G_NONE, NULL, ST_DONE, "RFC 6120 §8"},
    {ST_DONE, 'S', EV_IQ_RESULT, G_NONE, NULL, ST_DONE, "RFC 6120 §8.2.3"},
    {ST_DONE, 'S', EV_IQ_ERROR, G_NONE, NULL, ST_DONE, "RFC 6120 §8.2.3"},
    {ST_NEG, 'S', EV_IQ_RESULT, G_NONE, NULL, ST_NEG, "XEP-0077 §3.1, XEP-0078 §3.1"},
    {ST_DONE, DIR_ANY, EV_REGISTER_GET, G_NONE, NULL, ST_DONE, "XEP-0077 §3.3"},
    {ST_DONE, DIR_ANY, EV_REGISTER_SET, G_NONE, NULL, ST_DONE, "XEP-0077 §3.3"},
    {ST_DONE, 'S', EV_REGISTER_RESULT, G_NONE, NULL, ST_DONE, "XEP-0077 §3.3"},
    {ST_DONE, 'S', EV_REGISTER_ERROR, G_NONE, NULL, ST_DONE, "XEP-0077 §3.3"},
    {ST_DONE, 'C', EV_CSI_ACTIVE, G_NONE, NULL, ST_DONE, "XEP-0352"},
    {ST_DONE, 'C', EV_CSI_INACTIVE, G_NONE, NULL, ST_DONE, "XEP-0352"},
    {ST_ANY, DIR_ANY, EV_STREAM_CLOSE, G_NONE, NULL, ST_CLOSING, "RFC 6120 §4.4"},
    {ST_ANY, DIR_ANY, EV_STREAM_ERROR, G_NONE, NULL, ST_CLOSING, "RFC 6120 §4.9.1.1"},
    {ST_CLOSING, DIR_ANY, EV_STREAM_CLOSE, G_NONE, NULL, ST_CLOSING, "RFC 6120 §4.4"},
    {ST_ANY, '-', EV_TCP_OPEN, G_NONE, NULL, ST_ANY, NULL},
    {ST_ANY, '-', EV_TLS_CLIENT_HELLO, G_NONE, NULL, ST_ANY, NULL},
    {ST_ANY, '-', EV_TLS_ALERT, G_NONE, NULL, ST_ANY, NULL},
    {ST_ANY, '-', EV_TCP_FIN, G_NONE, NULL, ST_ANY, NULL},
    {ST_ANY, '-', EV_TCP_RST, G_NONE, NULL, ST_ANY, NULL},
    {ST_ANY, '-', EV_GAP, G_NONE, NULL, ST_ANY, NULL},
    {ST_ANY, '-', EV_LOG_AUTH_OK, G_NONE, NULL, ST_ANY, NULL},
    {ST_ANY, '-', EV_LOG_AUTH_FAIL, G_NONE, NULL, ST_ANY, NULL},
    {ST_ANY, DIR_ANY, EV_XML_ERROR, G_NONE, NULL, ST_ANY, NULL},
    {ST_ANY, DIR_ANY, EV_OVERSIZE, G_NONE, NULL, ST_ANY, NULL},
};

/*
 * What an unexpected client element means, by the state it arrived in. The
 * first matching row names the violation; ST_ANY and EV_ANY are wildcards.
 * Guards narrow a row to authenticated or unauthenticated contexts.
 */
static const struct miss_rule {
    enum state state;
    enum event on;
    enum guard guard;
    const char *code;
} miss_table[] = {
    {ST_IDLE, EV_ANY, G_NONE, "A1"},             /* RFC 6120 §4.2: the header comes first */
    {ST_CLOSING, EV_ANY, G_NONE, NULL},          /* K6 (own close) and K2: check_sequence() */
    {ST_TLS_HS, EV_ANY, G_NONE, "B9"},           /* RFC 6120 §5.4.2.3 */
    {ST_SASL2, EV_ANY, G_NONE, "H1"},            /* XEP-0388 §2.4 */
    {ST_DONE, EV_SM_RESUME, G_NONE, "F6"},       /* XEP-0198 §5 */
    {ST_ANY, EV_SASL2_AUTHENTICATE, G_AUTHED, "C3"},
    {ST_RESTART_TLS, EV_STREAM_CLOSE, G_NONE, "A13"}, /* RFC 6120 §4.3.3 */
    {ST_RESTART_SASL, EV_STREAM_CLOSE, G_NONE, "A13"},
    {ST_RESTART_TLS, EV_ANY, G_NONE, "B10"},     /* RFC 6120 §5.4.3.3 */
    {ST_RESTART_SASL, EV_ANY, G_NONE, "C4"},     /* RFC 6120 §6.4.6 */
    {ST_RESTART_COMP, EV_ANY, G_NONE, "G3"},     /* XEP-0138 §2 */
    {ST_SASL, EV_STREAM_RESTART, G_NONE, "A12"}, /* RFC 6120 §4.3.3: pipelined */
    {ST_TLS_WAIT, EV_STREAM_RESTART, G_NONE, "A12"},
    {ST_ANY, EV_STREAM_RESTART, G_NONE, "A11"},  /* RFC 6120 §4.3.3 */
    {ST_ANY, EV_STREAM_OPEN, G_NONE, "A11"},
    {ST_HDR_C, EV_AUTH, G_NONE, "C1"},           /* RFC 6120 §6.4.1 */
    {ST_HDR_S, EV_AUTH, G_NONE, "C1"},
    {ST_HDR_C, EV_ANY, G_NONE, "A3"},            /* RFC 6120 §4.3.2 */
    {ST_HDR_S, EV_ANY, G_NONE, "A3"},
    {ST_ANY, EV_STARTTLS, G_NONE, "B7"},         /* RFC 6120 §5.4.2.2 */
    {ST_DONE, EV_AUTH, G_NONE, "C3"},            /* RFC 6120 §6.4.1 */
    {ST_ANY, EV_AUTH, G_AUTHED, "C3"},
    {ST_DONE, EV_BIND, G_NONE, "D9"},            /* RFC 6120 §7.1 */
    {ST_ANY, EV_BIND, G_NOT_AUTHED, "D1"},       /* RFC 6120 §7.4 */
    {ST_ANY, EV_RESPONSE, G_NONE, "C5"},         /* RFC 6120 §6.4.3 */
    {ST_ANY, EV_SESSION, G_NONE, "D13"},         /* RFC 3921 §3 */
    {ST_ANY, EV_SM_ENABLE, G_NOT_AUTHED, "F1"},  /* XEP-0198 §3 */
    {ST_ANY, EV_SM_ENABLE, G_AUTHED, "F2"},
    {ST_ANY, EV_SM_RESUME, G_NOT_AUTHED, "F5"},  /* XEP-0198 §10 */
    {ST_ANY, EV_STANZA_MESSAGE, G_NOT_AUTHED, "D5"}, /* RFC 6120 §4.3.5 */
    {ST_ANY, EV_STANZA_PRESENCE, G_NOT_AUTHED, "D5"},
    {ST_ANY, EV_STANZA_IQ, G_NOT_AUTHED, "D5"},
    {ST_ANY, EV_STANZA_MESSAGE, G_AUTHED, NULL}, /* D6/D7 by addressee: record_facts() */
    {ST_ANY, EV_STANZA_PRESENCE, G_AUTHED, NULL},
    {ST_ANY, EV_STANZA_IQ, G_AUTHED, NULL},
    {ST_ANY, EV_ANY, G_NONE, "A16"},             /* catch-all: order regression */
};

/* The findings this module emits: code → severity, reference, default wording. */
static const struct rule {
    const char *code;
    enum severity severity;
    const char *ref;
    const char *message;
} rules[] = {
    {"A1", SEV_WARNING, "RFC 6120 §4.2", "the client sent data before its stream header"},
    {"A2", SEV_WARNING, "RFC 6120 §4.3.2", "the server sent something else than its features after its stream header"},
    {"A3", SEV_WARNING, "RFC 6120 §4.3.2", "negotiation element sent before the server's features"},
    {"A4", SEV_WARNING, "RFC 6120 §4.7.3", "server stream header has no id"},
    {"A5", SEV_WARNING, "RFC 6120 §4.3.3", "server reused a stream id after a restart"},
    {"A6", SEV_WARNING, "RFC 6120 §4.7.2", "client stream header has no 'to'"},
    {"A7", SEV_INFO, "RFC 6120 §4.7.5", "stream header without version: pre-1.0 semantics, no features"},
    {"A8", SEV_WARNING, "RFC 6120 §4.7.1", "the client's JID was sent in an unprotected stream header"},
    {"A9", SEV_WARNING, "RFC 6120 §4.8.2", "wrong stream or content namespace in the client's stream header"},
    {"A10", SEV_WARNING, "RFC 6120 §5.3.3", "whitespace sent in the middle of a negotiation step"},
    {"A11", SEV_WARNING, "RFC 6120 §4.3.3", "new stream header without a restart trigger"},
    {"A12", SEV_WARNING, "RFC 6120 §4.3.3", "restart header sent before the server's proceed or success (pipelined)"},
    {"A13", SEV_WARNING, "RFC 6120 §4.3.3", "stream closed where a restart was due"},
    {"A14", SEV_WARNING, "RFC 6120 §4.3.5", "new features on a stream whose negotiation was complete"},
    {"A15", SEV_WARNING, "RFC 6120 §11.1", "restricted XML (comment, processing instruction, DTD, entity or bad encoding)"},
    {"A16", SEV_WARNING, "RFC 6120 §4.3.7", "element out of login order"},
    {"A17", SEV_INFO, NULL, "input starts in the middle of the stream; ordering checks suppressed"},
    {"B1", SEV_ERROR, "RFC 6120 §13.8.3", "password sent without TLS"},
    {"B2", SEV_ERROR, "RFC 6120 §13.8.1", "hashed credentials exchanged without TLS"},
    {"B3", SEV_WARNING, "RFC 6120 §5.3.4", "STARTTLS was offered but the client went on in clear"},
    {"B4", SEV_ERROR, "RFC 6120 §5.3.1", "STARTTLS was required but the client went on in clear"},
    {"B5", SEV_ERROR, "RFC 6120 §5.3.1", "the server went on although it required STARTTLS"},
    {"B6", SEV_WARNING, "RFC 6120 §5.4.1", "first features on a plaintext stream do not offer STARTTLS"},
    {"B7", SEV_WARNING, "RFC 6120 §5.4.2.2", "STARTTLS sent where it was not offered"},
    {"B8", SEV_INFO, "RFC 6120 §5.4.2.2", "the server refused STARTTLS"},
    {"B9", SEV_WARNING, "RFC 6120 §5.4.2.3", "cleartext data during the TLS handshake"},
    {"B10", SEV_WARNING, "RFC 6120 §5.4.3.3", "no new stream header after TLS"},
    {"B11", SEV_WARNING, "RFC 6120 §5.4.3.3", "STARTTLS offered again after TLS"},
    {"B12", SEV_WARNING, "RFC 6120 §13.8.3", "server offers a cleartext-password mechanism without TLS"},
    {"B13", SEV_INFO, "RFC 6120 §5.4.3.2", "the TLS handshake failed"},
    {"B14", SEV_WARNING, "XEP-0368 §3", "direct TLS ClientHello without SNI or without ALPN xmpp-client"},
    {"B16", SEV_ERROR, "XEP-0388 §3", "SASL2 used on a stream without TLS"},
    {"B17", SEV_WARNING, "XEP-0077 §11", "registration or legacy authentication offered without TLS"},
    {"B18", SEV_WARNING, "RFC 6120 §5.3.1", "STARTTLS is required, yet other features are offered too"},
    {"C1", SEV_WARNING, "RFC 6120 §6.4.1", "auth sent before the server's features"},
    {"C2", SEV_WARNING, "RFC 6120 §6.4.2", "mechanism not offered by the server"},
    {"C3", SEV_WARNING, "RFC 6120 §6.4.1", "authentication attempted after it completed"},
    {"C4", SEV_WARNING, "RFC 6120 §6.4.6", "no new stream header after SASL success"},
    {"C5", SEV_WARNING, "RFC 6120 §6.4.3", "SASL element out of sequence"},
    {"C6", SEV_WARNING, "RFC 6120 §6.4.4", "SASL abort not answered with failure(aborted)"},
    {"C7", SEV_INFO, "RFC 6120 §6.4.5", "SASL failure"},
    {"C8", SEV_INFO, "RFC 6120 §6.4.5", "more than one mechanism tried"},
    {"C9", SEV_WARNING, "RFC 6120 §6.4.5", "more SASL failures on one stream than a server should allow"},
    {"C10", SEV_ERROR, "RFC 6120 §13.9.4", "repeated failed authentications across connections"},
    {"C11", SEV_WARNING, "RFC 6120 §13.8.3", "weaker mechanism chosen than the server offered"},
    {"C12", SEV_ERROR, "XEP-0440 §4", "SCRAM without channel binding although -PLUS was offered"},
    {"C13", SEV_WARNING, "RFC 9266", "channel binding tls-unique over TLS 1.3, where it is not defined"},
    {"C14", SEV_INFO, "RFC 6120 §6.3.8", "authorization identity differs from the authenticated user"},
    {"C15", SEV_WARNING, "RFC 6120 §6.4.6", "the authenticated identity differs from the stream header's from"},
    {"C16", SEV_WARNING, "RFC 6120 §6.3.5", "SASL data is not clean base64"},
    {"C17", SEV_WARNING, "RFC 6120 §6.4.2", "empty SASL data not sent as '='"},
    {"C18", SEV_INFO, "XEP-0175 §3", "anonymous login"},
    {"C19", SEV_WARNING, "RFC 6331", "obsolete mechanism (DIGEST-MD5 or CRAM-MD5)"},
    {"C20", SEV_WARNING, "RFC 7677", "SCRAM iteration count below 4096"},
    {"C21", SEV_WARNING, "RFC 6120 §6.4.6", "SASL success with no authentication in progress"},
    {"C22", SEV_INFO, NULL, "the server log records an authentication result"},
    {"D1", SEV_WARNING, "RFC 6120 §7.4", "resource binding before authentication"},
    {"D2", SEV_WARNING, "RFC 6120 §7.4", "resource binding although the features do not offer it"},
    {"D3", SEV_WARNING, "RFC 6120 §7.4", "bind advertised before authentication"},
    {"D4", SEV_WARNING, "RFC 6120 §7.4", "post-authentication features lack bind"},
    {"D5", SEV_WARNING, "RFC 6120 §4.3.5", "stanza sent before authentication"},
    {"D6", SEV_WARNING, "RFC 6120 §7.1", "stanza to another entity sent before resource binding"},
    {"D7", SEV_INFO, "RFC 6120 §7.1", "stanza sent before resource binding"},
    {"D8", SEV_WARNING, "RFC 6120 §4.3.5", "the server answered a stanza sent before authentication or binding"},
    {"D9", SEV_WARNING, "RFC 6120 §7.1", "second resource binding on one stream"},
    {"D10", SEV_WARNING, "RFC 6120 §7.7.3", "more failed bind attempts than a server should allow"},
    {"D11", SEV_INFO, "RFC 6120 §7.6.2", "resource binding refused"},
    {"D12", SEV_INFO, "RFC 6120 §7.7.1", "the server bound another resource than requested"},
    {"D13", SEV_WARNING, "RFC 3921 §3", "session request before resource binding"},
    {"D14", SEV_INFO, "RFC 6121 App. E", "session request although the server does not offer it"},
    {"D15", SEV_WARNING, "RFC 3921 §3", "session offered as mandatory, but the client skipped it"},
    {"D16", SEV_INFO, NULL, "login did not complete"},
    {"E1", SEV_INFO, "XEP-0077 §8", "registration although the server does not offer it"},
    {"E2", SEV_ERROR, "XEP-0077 §11", "registration password sent without TLS"},
    {"E3", SEV_WARNING, "XEP-0077 §3.1.1", "after registering, the client went on without authenticating"},
    {"E4", SEV_WARNING, "XEP-0077 §3.1.1", "more than one registration on one stream"},
    {"E5", SEV_WARNING, "XEP-0078 §1", "obsolete legacy authentication (jabber:iq:auth) used"},
    {"E6", SEV_WARNING, "XEP-0078 §3.1", "legacy authentication after a failed SASL attempt"},
    {"E7", SEV_WARNING, "XEP-0078 §3.1", "legacy authentication without username or resource"},
    {"E8", SEV_ERROR, "XEP-0078 §3.1", "the server's error echoes the credentials"},
    {"E9", SEV_INFO, "XEP-0077 §3.2", "account removed"},
    {"F1", SEV_WARNING, "XEP-0198 §3", "stream management enabled before authentication"},
    {"F2", SEV_WARNING, "XEP-0198 §3", "stream management enabled before resource binding"},
    {"F3", SEV_WARNING, "XEP-0198 §2", "stream management enabled although not offered"},
    {"F4", SEV_WARNING, "XEP-0198 §3", "stream management enabled twice"},
    {"F5", SEV_ERROR, "XEP-0198 §10", "stream resumption attempted before authentication"},
    {"F6", SEV_WARNING, "XEP-0198 §5", "stream resumption on a stream that already bound a resource"},
    {"F7", SEV_INFO, "XEP-0198 §5", "stream resumption failed"},
    {"F8", SEV_WARNING, "XEP-0198 §4", "stream management request or ack before it was enabled"},
    {"F9", SEV_WARNING, "XEP-0198 §4", "acknowledged more stanzas than were sent"},
    {"F10", SEV_INFO, "XEP-0198 §5", "stream replaced by a resumption on another connection"},
    {"F11", SEV_INFO, "XEP-0198 §7", "connection dropped while resumable: the server keeps the session"},
    {"F12", SEV_WARNING, "XEP-0198 §9.2", "features sent after a SASL2 success that resumed the session"},
    {"G1", SEV_WARNING, "XEP-0170 §2.2", "compression negotiated before authentication"},
    {"G2", SEV_WARNING, "XEP-0138 §7", "stream compression used (obsolete; open to CRIME-style attacks)"},
    {"G3", SEV_WARNING, "XEP-0138 §2", "no new stream header after compression"},
    {"G4", SEV_WARNING, "XEP-0138 §2", "compression method not offered"},
    {"H1", SEV_WARNING, "XEP-0388 §2.4", "element outside SASL2 during SASL2"},
    {"H2", SEV_WARNING, "XEP-0388 §2.3", "SASL2 mechanism not offered"},
    {"H3", SEV_WARNING, "XEP-0388 §2.6.1", "SASL2 success not followed by features"},
    {"H4", SEV_WARNING, "XEP-0388 §2.6.2", "inline results returned with a SASL2 failure"},
    {"H5", SEV_WARNING, "XEP-0386 §3.1", "Bind2 offered or used outside the SASL2 inline element"},
    {"H6", SEV_WARNING, "XEP-0386 §3.2", "both resumed and bound in one SASL2 success"},
    {"H8", SEV_INFO, "XEP-0484 §3.3", "FAST token issued"},
    {"H9", SEV_WARNING, "XEP-0388 §2.3", "user-agent id is not a UUID"},
    {"K1", SEV_INFO, "RFC 6120 §4.9.1.1", "stream error"},
    {"K2", SEV_WARNING, "RFC 6120 §4.9.1.1", "data sent after a stream error"},
    {"K3", SEV_WARNING, "RFC 6120 §4.9.1.2", "stream error sent before the server's stream header"},
    {"K4", SEV_INFO, "RFC 6120 §4.4", "connection ended without a stream close"},
    {"K5", SEV_WARNING, "RFC 6120 §4.4", "one side closed its stream and the other never answered"},
    {"K6", SEV_WARNING, "RFC 6120 §4.4", "data sent after the sender closed its stream"},
    {"K7", SEV_WARNING, "RFC 6120 §4.9.3.19", "redirect (see-other-host) before TLS"},
    {"K8", SEV_WARNING, "RFC 6120 §4.9.3.19", "more than 5 successive see-other-host redirects followed"},
    {"L1", SEV_ERROR, "RFC 6120 §13.9.1", "credentials readable in the server log"},
    {"L2", SEV_INFO, NULL, "login continued inside TLS without keys"},
    {"L3", SEV_INFO, NULL, "info-level log: only outcomes are available"},
    {"L4", SEV_INFO, NULL, "the input's time went back inside the session; events kept in order"},
};

enum iq_kind { IQ_REGISTER, IQ_LEGACY, IQ_BIND, IQ_SESSION };

/*
 * Bounds on what a connection remembers, whatever it sends: requests awaiting
 * an answer (a login has one or two at a time) and the server's stream ids
 * (one per restart, a login has two or three).
 */
#define PENDING_KEPT 64
#define STREAM_IDS_KEPT 64

struct pending_iq {
    char *id;
    enum iq_kind kind;
    bool get; /* a get: its result is a form (XEP-0077/0078 §3.1), not a verdict */
};

struct login {
    struct login_options opt;
    struct session s;
    enum state state;
    bool started;          /* any event seen */
    bool have_start;       /* s.start is set (by an event or by login_connected) */
    bool no_xml;           /* the input shows no XML for this connection */
    bool opaque;           /* encrypted without a key from some point on */
    bool midstream;        /* the input began after the connection did */
    /* what the current features offer */
    bool bind_offered, session_offered, session_optional, sm_offered, register_offered;
    bool b4_seen;          /* the client ignored required STARTTLS: the server must not go on */
    bool abort_pending;    /* <abort/> awaits failure(aborted) */
    bool sasl_failed;      /* an attempt other than legacy authentication failed (E6) */
    bool sm_enabled;
    bool session_done;
    bool stanza_seen;      /* the client sent a stanza after binding (D15) */
    unsigned epoch_failures; /* SASL failures since the last stream header (C9) */
    bool whitespace_reported; /* A10 already recorded in this stream epoch */
    bool prebind_pending;  /* a stanza went out before auth or bind: the server must not answer (D8) */
    bool sm_resumable;     /* <enabled resume='true'/> (F11) */
    bool sasl2_success;    /* features must follow at once (H3) */
    char stream_error_by;  /* 'C' or 'S' once a stream error was sent (K2) */
    unsigned bind_errors, registrations;
    char **compress_methods; /* offered by the current features (G4) */
    size_t ncompress_methods;
    char **sasl2_mechs;    /* SASL2 <authentication> mechanisms (H2) */
    size_t nsasl2_mechs;
    bool sasl2_offered;
    bool client_version10; /* the client's header said version 1.0 (A2) */
    char *header_from;     /* bare JID in the client's last protected header (C15) */
    bool inline_resumed;   /* the SASL2 success resumed the session (F12) */
    unsigned long sent[2]; /* stanzas sent by C [0] and S [1] since SM was enabled (F9) */
    char **cb_types;       /* XEP-0440 channel-binding types offered (C13) */
    size_t ncb_types;
    char *sm_id;           /* <enabled id> */
    char *resumed_from;    /* <resumed previd> */
    bool e3_checked;       /* the first client step after a registration was judged (E3) */
    bool legacy_stream;    /* a side omitted version: no features follow (RFC 6120 §4.7.5) */
    unsigned tls_version;  /* from a capture's ServerHello; 0 unknown */
    char *bind_resource;   /* resource the client asked for (D12) */
    unsigned opaque_seq;   /* the step where visibility ended */
    bool headers_seen;     /* a client header was seen: later ones are restarts */
    bool tls_active;
    bool authed;
    bool bound;
    bool challenge_pending;
    bool starttls_offered; /* in the current features */
    bool features_seen;
    bool closed_c, closed_s;
    bool stream_error;
    bool registered;
    bool log_closed;
    char **stream_ids;     /* the server's latest stream ids (A5), oldest first */
    size_t nstream_ids;
    struct pending_iq *pending; /* requests awaiting their answer, oldest first */
    size_t npending;
    /* the mechanisms tried (C8): the first, and the first one unlike it (case-insensitive) */
    char *mech_first, *mech_other;
    struct attempt *cur;   /* the attempt in progress, inside s.auth.attempts */
    bool cur_decoded;      /* its credentials were decoded */
    bool cb_downgrade;     /* its SCRAM client-first said 'y' while -PLUS was offered (C12) */
    usec_t auth_start, auth_end, tls_time, bound_time;
    unsigned auth_seq;     /* seq of the first credential-bearing step (for L1) */
    unsigned last_event;   /* seq of the last login event (0: none), for D16 */
    char *last_event_name; /* its event name when it was not stored (past PHASES_KEPT) */
    unsigned steps;        /* steps so far, stored or not: the last one's seq */
    struct findings findings; /* what the caps let the session store */
    char *legacy_jid;      /* the JID a pending jabber:iq:auth set will bind */
    enum phase last_phase;
    enum phase max_rank;   /* highest phase of the client's negotiation elements (A16) */
    enum phase rank_back;  /* the lower phase the client last went back to (A16) */
    unsigned order_seq;    /* last step the state machine already found out of order */
    char *server_error;    /* condition of the server's stream error, if any (F10, K8) */
    unsigned server_error_seq;
    usec_t server_error_time;
    unsigned resumed_seq;  /* the <resumed/> step (F10) */
    bool auth_no_data;     /* the attempt's <auth/> held no data, no challenge yet (C17) */
    unsigned auth_no_data_seq;
    /* the failed attempts, for the view across connections (C10) */
    struct failure {
        usec_t time;
        unsigned seq;      /* the step that showed the failure */
        size_t attempt;    /* index in s.auth.attempts */
    } *failures;
    size_t nfailures;
    char *auth_ip;         /* the source address a server log's auth line names */
    /* the frame being handled lost bytes to a capture gap (framer.h): its step says so */
    bool damaged;
    size_t gap_offset, gap_bytes;
    /* the session's clock (in_order()): its latest event time, and where the input went back */
    bool clock_set;
    usec_t clock;
    unsigned clock_backs;    /* events earlier than the one before them (L4) */
    unsigned clock_back_seq; /* the step of the first */
    usec_t clock_back_from, clock_back_to, clock_back_max;
};

static void
free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Replaces |*v| with the texts of |parent|'s children named |name|. */
static void
collect_texts(char ***v, size_t *n, const struct stanza *parent, const char *name)
{
    free_list(*v, *n);
    *v = NULL;
    *n = 0;
    for (size_t i = 0; parent && i < parent->nchildren; i++) {
        const struct stanza *c = parent->children[i];
        if (strcmp(c->name, name) != 0 || !c->text_len)
            continue;
        *v = xreallocarray(*v, *n + 1, sizeof **v);
        (*v)[(*n)++] = xstrdup(c->text);
    }
}

static bool
in_list(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(v[i], s) == 0)
            return true;
    return false;
}

/*
 * Codes are a group letter A-L and a number below 64: that is the index of a
 * table filled from rules[] on first use (findings come by the thousand in a
 * big capture; a linear search with strcmp showed in profiles).
 */
#define RULE_GROUPS 12
#define RULE_NUMBERS 64

static int
rule_index(const char *code)
{
    if (code[0] < 'A' || code[0] >= 'A' + RULE_GROUPS || code[1] < '0' || code[1] > '9')
        return -1;
    int n = code[1] - '0';
    if (code[2]) {
        if (code[2] < '0' || code[2] > '9' || code[3])
            return -1;
        n = n * 10 + code[2] - '0';
    }
    return n < RULE_NUMBERS ? (code[0] - 'A') * RULE_NUMBERS + n : -1;
}

static const struct rule *
find_rule(const char *code)
{
    static _Thread_local const struct rule *by_code[RULE_GROUPS * RULE_NUMBERS];
    static _Thread_local bool filled;
    if (!filled) {
        for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
            int k = rule_index(rules[i].code);
            if (k < 0 || by_code[k])
                abort(); /* a malformed or repeated code is a bug in this file */
            by_code[k] = &rules[i];
        }
        filled = true;
    }
    int k = rule_index(code);
    if (k < 0 || !by_code[k])
        abort(); /* a code without a row is a bug in this file */
    return by_code[k];
}

/* Longest message in bytes: parts of it come from the input. */
#define MESSAGE_MAX 512

/* The rule's own severity, for violation_at(). */
#define RULE_SEVERITY (-1)

/*
 * Records a finding at severity |sev| (RULE_SEVERITY: the rule's); |fmt| NULL
 * uses the rule's wording. Returns the violation that holds it, or NULL when
 * the session's caps left it out (counted only).
 */
static struct violation *
record(struct login *l, int sev, const char *code, unsigned seq, const char *fmt, va_list ap)
{
    const struct rule *r = find_rule(code);
    struct violation *v = findings_add(&l->findings, &l->s, (unsigned)(r - rules), r->code,
                                       sev == RULE_SEVERITY ? r->severity : (enum severity)sev, seq);
    if (!v || v->message)
        return v; /* left out, or hit again at its step */
    v->ref = r->ref;
    if (fmt) {
        /* into a stack buffer first: one exact allocation for the usual short message */
        char tmp[256];
        va_list again;
        va_copy(again, ap);
        int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
        if (n >= 0 && (size_t)n < sizeof tmp) {
            v->message = xstrndup(tmp, (size_t)n);
        } else if (n >= 0) {
            if (vasprintf(&v->message, fmt, again) < 0)
                v->message = NULL;
            else if ((size_t)n > MESSAGE_MAX) {
                abbrev_clip(v->message, MESSAGE_MAX);
                v->message = xrealloc(v->message, MESSAGE_MAX + 1);
            }
        }
        va_end(again);
    }
    if (!v->message)
        v->message = xstrdup(r->message);
    return v;
}

static struct violation * __attribute__((format(printf, 4, 5)))
violation(struct login *l, const char *code, unsigned seq, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct violation *v = record(l, RULE_SEVERITY, code, seq, fmt, ap);
    va_end(ap);
    return v;
}

/* The same at severity |sev| (a milder case of the rule), or the rule's for RULE_SEVERITY. */
static struct violation * __attribute__((format(printf, 5, 6)))
violation_at(struct login *l, int sev, const char *code, unsigned seq, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct violation *v = record(l, sev, code, seq, fmt, ap);
    va_end(ap);
    return v;
}

/* True when the next step's event is stored: a caller may skip its summary otherwise. */
static bool
phase_kept(const struct login *l)
{
    return findings_phase_kept(&l->s);
}

/*
 * A step: stored as a phase event while the session is under PHASES_KEPT
 * (|summary| is taken, NULL for ""), counted past it. Returns its seq.
 */
static unsigned
add_phase(struct login *l, char dir, usec_t t, enum event ev, const char *detail, char *summary)
{
    struct session *s = &l->s;
    if (!l->started) {
        if (!l->have_start || t < s->start)
            s->start = t;
        l->have_start = true;
        l->started = true;
    }
    if (t > s->end)
        s->end = t;
    if (l->steps < UINT_MAX)
        l->steps++;
    enum phase phase = event_phase(ev);
    bool login_step = phase != PHASE_NONE && phase != PHASE_CLOSE && phase != PHASE_ERROR;
    if (login_step) {
        l->last_event = l->steps;
        l->last_phase = phase;
        free(l->last_event_name);
        l->last_event_name = NULL;
    }
    if (!findings_phase_kept(s)) {
        s->phases_dropped++;
        free(summary);
        if (login_step)
            l->last_event_name = event_name(ev, detail); /* for D16 */
        return l->steps;
    }
    s->phases = xgrow(s->phases, s->nphases, sizeof *s->phases);
    struct phase_event *p = &s->phases[s->nphases++];
    p->seq = l->steps;
    p->dir = dir;
    p->time = t;
    p->event = event_name(ev, detail);
    p->phase = phase;
    p->summary = summary ? summary : xstrdup("");
    p->damaged = l->damaged;
    p->gap_offset = l->damaged ? l->gap_offset : 0;
    p->gap_bytes = !l->damaged ? 0 : l->gap_bytes < UINT_MAX ? (unsigned)l->gap_bytes : UINT_MAX;
    return p->seq;
}

static bool
guard_holds(const struct login *l, enum guard g)
{
    switch (g) {
    case G_NONE:
        return true;
    case G_STARTTLS_OFFERED:
        return l->starttls_offered && !l->tls_active;
    case G_AUTHED:
        return l->authed;
    case G_NOT_AUTHED:
        return !l->authed;
    case G_CHALLENGE_PENDING:
        return l->challenge_pending;
    }
    return false;
}

static bool
dir_matches(char row, char dir)
{
    return row == DIR_ANY || row == dir;
}

static const struct transition *
scan_transition(enum state st, char dir, enum event ev)
{
    /* the state's own rows first, then the wildcard rows */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sizeof login_table / sizeof login_table[0]; i++) {
            const struct transition *t = &login_table[i];
            if ((pass == 0 ? t->from == st : t->from == ST_ANY) && t->on == ev &&
                dir_matches(t->dir, dir))
                return t;
        }
    return NULL;
}

/*
 * The row for (state, direction, event), from a table made by scanning
 * login_table once per combination on first use: every element of every
 * login asks, and the scan is over a hundred rows.
 */
static const struct transition *
find_transition(enum state st, char dir, enum event ev)
{
    enum { NSTATES = ST_ANY + 1 };
    static _Thread_local bool filled;
    /* index + 1 into login_table; 0: no row */
    static const char dirs[] = {'C', 'S', '-'}; /* client, server, the capture (pseudo-events) */
    static _Thread_local unsigned char row[NSTATES][3][EV__COUNT];
    const char *at = dir ? memchr(dirs, dir, sizeof dirs) : NULL;
    if ((unsigned)st >= NSTATES || (unsigned)ev >= EV__COUNT || !at)
        return scan_transition(st, dir, ev);
    if (!filled) {
        _Static_assert(sizeof login_table / sizeof login_table[0] < 255, "row index fits a byte");
        /*
         * What scan_transition() finds, in one pass per kind of row: from the
         * last row to the first so the first match wins, wildcard rows before
         * the state's own rows so those win.
         */
        const size_t nrows = sizeof login_table / sizeof login_table[0];
        for (int own = 0; own < 2; own++)
            for (size_t i = nrows; i-- > 0;) {
                const struct transition *t = &login_table[i];
                if ((t->from == ST_ANY) == own || (unsigned)t->on >= EV__COUNT)
                    continue;
                for (int s = 0; s < NSTATES; s++) {
                    if (own && s != (int)t->from)
                        continue;
                    for (int d = 0; d < 3; d++)
                        if (dir_matches(t->dir, dirs[d]))
                            row[s][d][t->on] = (unsigned char)(i + 1);
                }
            }
        filled = true;
    }
    unsigned char r = row[st][at - dirs][ev];
    return r ? &login_table[r - 1] : NULL;
}

/* Server authority: any row for (dir, event), whatever its state. */
static const struct transition *
find_forced(char dir, enum event ev)
{
    for (size_t i = 0; i < sizeof login_table / sizeof login_table[0]; i++)
        if (login_table[i].on == ev && dir_matches(login_table[i].dir, dir))
            return &login_table[i];
    return NULL;
}

/* The finding for an unexpected client event: a code, "" for none, NULL when no row matches. */
static const char *
miss_code(const struct login *l, enum event ev)
{
    for (size_t i = 0; i < sizeof miss_table / sizeof miss_table[0]; i++) {
        const struct miss_rule *m = &miss_table[i];
        if ((m->state == ST_ANY || m->state == l->state) && (m->on == EV_ANY || m->on == ev) &&
            guard_holds(l, m->guard))
            return m->code ? m->code : "";
    }
    return NULL;
}

/* Moves the machine for one event; records order violations (seq = its step). */
static void
step(struct login *l, char dir, enum event ev, unsigned seq)
{
    const struct transition *t = find_transition(l->state, dir, ev);
    if (t) {
        if (!guard_holds(l, t->guard) && t->code && l->state != ST_UNKNOWN) {
            violation(l, t->code, seq, NULL);
            l->order_seq = seq;
        }
    } else {
        if (dir == 'C' && l->state != ST_UNKNOWN) {
            const char *code = miss_code(l, ev);
            if (code && *code) {
                violation(l, code, seq, NULL);
                l->order_seq = seq;
            }
        }
        if (dir == 'C' && l->state != ST_UNKNOWN && l->state != ST_IDLE)
            return; /* a client cannot move the state on its own */
        t = find_forced(dir, ev);
        if (!t)
            return;
    }
    if (t->to != ST_ANY)
        l->state = t->to;
}

static bool
offered_with_prefix(const struct session *s, const char *prefix)
{
    for (size_t i = 0; i < s->auth.noffered; i++)
        if (strncasecmp(s->auth.offered[i], prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

static bool
plus_offered(const struct session *s)
{
    for (size_t i = 0; i < s->auth.noffered; i++)
        if (sasl_mech_is_plus(s->auth.offered[i]))
            return true;
    return false;
}

/* Length of the local part of |jid| ("alice" in alice@host), the whole string without '@'. */
static size_t
localpart_len(const char *jid)
{
    const char *at = strchr(jid, '@');
    return at ? (size_t)(at - jid) : strlen(jid);
}

static bool
same_localpart(const char *a, const char *b)
{
    size_t n = localpart_len(a);
    return n == localpart_len(b) && strncmp(a, b, n) == 0;
}

static void
on_client_header(struct login *l, const struct stanza *el, unsigned seq)
{
    if (!el->ns || strcmp(el->ns, NS_STREAM) != 0) {
        struct violation *v =
            violation(l, "A9", seq, "the stream header is qualified by %s%s%s, not by the stream namespace",
                      el->ns ? "'" : "", el->ns ? el->ns : "no namespace", el->ns ? "'" : "");
        if (v)
            v->ref = "RFC 6120 §4.8.1";
    } else if (el->default_ns && strcmp(el->default_ns, NS_CLIENT) != 0) {
        /* a client-to-server stream's content namespace is jabber:client (s2s: jabber:server) */
        violation(l, "A9", seq, "content namespace '%s' on a client stream, not '" NS_CLIENT "'",
                  el->default_ns);
    }
    const char *version = stanza_attr(el, "version", NULL);
    l->client_version10 = version && strtod(version, NULL) >= 1.0;
    if (!version)
        violation(l, "A7", seq, "the client's stream header has no version");
    const char *from = stanza_attr(el, "from", NULL);
    if (from && *from && !l->tls_active)
        violation(l, "A8", seq, "'%s' sent in a stream header without TLS", from);
    if (from && *from) {
        free(l->header_from);
        l->header_from = xstrdup(from);
    }
    if (l->s.domain == NULL) {
        const char *to = stanza_attr(el, "to", NULL);
        if (to)
            l->s.domain = xstrdup(to);
        else
            violation(l, "A6", seq, NULL);
    }
}

static void
on_server_header(struct login *l, const struct stanza *el, unsigned seq)
{
    bool server10 = stanza_attr(el, "version", NULL) != NULL;
    if (!server10 && l->client_version10)
        violation(l, "A7", seq, "the server's stream header has no version");
    l->legacy_stream = !server10 || !l->client_version10;
    const char *id = stanza_attr(el, "id", NULL);
    if (!id) {
        violation(l, "A4", seq, NULL);
        return;
    }
    /* the latest STREAM_IDS_KEPT: a stream restarts a few times, a hostile one a million */
    for (size_t i = 0; i < l->nstream_ids; i++)
        if (strcmp(l->stream_ids[i], id) == 0) {
            violation(l, "A5", seq, "server reused stream id '%s' after a restart", id);
            break;
        }
    if (l->nstream_ids == STREAM_IDS_KEPT) {
        free(l->stream_ids[0]);
        memmove(l->stream_ids, l->stream_ids + 1, --l->nstream_ids * sizeof *l->stream_ids);
    }
    l->stream_ids = xgrow(l->stream_ids, l->nstream_ids, sizeof *l->stream_ids);
    l->stream_ids[l->nstream_ids++] = xstrdup(id);
}

static void
on_features(struct login *l, const struct stanza *el, unsigned seq)
{
    struct session *s = &l->s;
    bool first = !l->features_seen;
    l->features_seen = true;
    const struct stanza *starttls = stanza_child(el, "starttls", NS_TLS);
    const struct stanza *mechs = stanza_child(el, "mechanisms", NS_SASL);
    const struct stanza *bind = stanza_child(el, "bind", NS_BIND);
    l->starttls_offered = starttls != NULL;
    if (l->inline_resumed) {
        violation(l, "F12", seq, NULL);
        l->inline_resumed = false;
    } else if (l->bound && el->nchildren) {
        violation(l, "A14", seq, NULL);
    }
    if (stanza_child(el, "bind", "urn:xmpp:bind:0"))
        violation(l, "H5", seq, "Bind2 offered as a stream feature, outside SASL2 <inline>");
    l->bind_offered = bind != NULL;
    const struct stanza *session = stanza_child(el, "session", NS_SESSION);
    l->session_offered = session != NULL;
    l->session_optional = session && stanza_child(session, "optional", NULL);
    l->sm_offered = stanza_child(el, "sm", NS_SM3) || stanza_child(el, "sm", NS_SM2);
    l->register_offered = stanza_child(el, "register", NS_FEAT_REGISTER) != NULL;
    collect_texts(&l->compress_methods, &l->ncompress_methods,
                  stanza_child(el, "compression", NS_FEAT_COMPRESS), "method");
    const struct stanza *sasl2 = stanza_child(el, "authentication", NS_SASL2);
    if (sasl2) {
        l->sasl2_offered = true;
        collect_texts(&l->sasl2_mechs, &l->nsasl2_mechs, sasl2, "mechanism");
        if (!l->tls_active)
            violation(l, "B16", seq, "SASL2 offered on a stream without TLS");
    }
    const struct stanza *cb = stanza_child(el, "sasl-channel-binding", "urn:xmpp:sasl-cb:0");
    if (cb) {
        free_list(l->cb_types, l->ncb_types);
        l->cb_types = NULL;
        l->ncb_types = 0;
        for (size_t i = 0; i < cb->nchildren; i++) {
            const char *type = stanza_attr(cb->children[i], "type", NULL);
            if (!type)
                continue;
            l->cb_types = xreallocarray(l->cb_types, l->ncb_types + 1, sizeof *l->cb_types);
            l->cb_types[l->ncb_types++] = xstrdup(type);
        }
    }
    bool iqauth_offered = stanza_child(el, "auth", NS_FEAT_IQ_AUTH) != NULL;
    if (!l->tls_active && (l->register_offered || iqauth_offered))
        violation(l, "B17", seq, "%s offered without TLS",
                  l->register_offered && iqauth_offered ? "registration and legacy authentication"
                  : l->register_offered                 ? "registration"
                                                        : "legacy authentication");
    if (starttls) {
        s->tls.offered = TRI_TRUE;
        bool marked = stanza_child(starttls, "required", NULL) != NULL;
        bool required = marked || el->nchildren == 1;
        s->tls.required = required ? TRI_TRUE : TRI_FALSE;
        if (marked && el->nchildren > 1)
            violation(l, "B18", seq, NULL);
        if (l->tls_active)
            violation(l, "B11", seq, NULL);
    } else if (first && !l->tls_active && s->transport == TRANSPORT_TCP && !l->midstream &&
               !l->damaged) { /* a damaged one may have lost its <starttls/> */
        s->tls.offered = TRI_FALSE;
        s->tls.required = TRI_FALSE;
        violation(l, "B6", seq, NULL);
    }
    if (mechs) {
        struct buf clear = {0};
        for (size_t i = 0; i < s->auth.noffered; i++)
            free(s->auth.offered[i]);
        s->auth.noffered = 0;
        s->auth.offered_known = true;
        for (size_t i = 0; i < mechs->nchildren; i++) {
            const struct stanza *m = mechs->children[i];
            if (strcmp(m->name, "mechanism") != 0 || !m->text_len)
                continue;
            s->auth.offered =
                xreallocarray(s->auth.offered, s->auth.noffered + 1, sizeof *s->auth.offered);
            s->auth.offered[s->auth.noffered++] = xstrdup(m->text);
            if (!l->tls_active && sasl_mech_sends_secret(m->text)) {
                if (clear.len)
                    buf_append(&clear, ", ", 2);
                buf_append_str(&clear, m->text);
            }
        }
        if (clear.len)
            violation(l, "B12", seq, "server offers %s without TLS", clear.data);
        buf_clear(&clear);
    }
    if (bind && !l->authed)
        violation(l, "D3", seq, NULL);
    if (!bind && l->authed && !l->bound && !l->damaged)
        violation(l, "D4", seq, NULL);
}

static void
remember_iq(struct login *l, const struct stanza *el, enum iq_kind kind)
{
    const char *id = stanza_attr(el, "id", NULL);
    if (!id)
        return;
    if (l->npending == PENDING_KEPT) {
        /* never answered: the oldest goes (its answer, if it comes, is a plain iq result) */
        free(l->pending[0].id);
        memmove(l->pending, l->pending + 1, --l->npending * sizeof *l->pending);
    }
    l->pending = xgrow(l->pending, l->npending, sizeof *l->pending);
    l->pending[l->npending].id = xstrdup(id);
    l->pending[l->npending].kind = kind;
    const char *type = stanza_attr(el, "type", NULL);
    l->pending[l->npending].get = type && strcmp(type, "get") == 0;
    l->npending++;
}

/* Names a server iq result/error after the request it answers (by id). */
static enum event
pair_iq(struct login *l, const struct stanza *el, enum event ev)
{
    const char *id = stanza_attr(el, "id", NULL);
    if (!id)
        return ev;
    for (size_t i = 0; i < l->npending; i++) {
        if (strcmp(l->pending[i].id, id) != 0)
            continue;
        enum iq_kind kind = l->pending[i].kind;
        bool get = l->pending[i].get;
        free(l->pending[i].id);
        memmove(&l->pending[i], &l->pending[i + 1], (--l->npending - i) * sizeof *l->pending);
        bool ok = ev != EV_IQ_ERROR;
        if (ok && get) /* the field list: nothing registered or authenticated yet */
            return kind == IQ_REGISTER ? EV_REGISTER_FORM
                   : kind == IQ_LEGACY ? EV_LEGACY_AUTH_FORM
                                       : EV_IQ_RESULT;
        switch (kind) {
        case IQ_REGISTER:
            return ok ? EV_REGISTER_RESULT : EV_REGISTER_ERROR;
        case IQ_LEGACY:
            return ok ? EV_LEGACY_AUTH_RESULT : EV_LEGACY_AUTH_ERROR;
        case IQ_BIND:
            return ok ? EV_BIND_RESULT : EV_BIND_ERROR;
        case IQ_SESSION:
            return ok ? EV_SESSION_RESULT : EV_SESSION_ERROR;
        }
    }
    return ev;
}

static struct attempt *
new_attempt(struct login *l, const char *mech, usec_t t)
{
    struct session *s = &l->s;
    s->auth.attempts = xgrow(s->auth.attempts, s->auth.nattempts, sizeof *s->auth.attempts);
    struct attempt *a = &s->auth.attempts[s->auth.nattempts++];
    memset(a, 0, sizeof *a);
    a->mechanism = mech ? xstrdup(mech) : NULL;
    if (mech && !l->mech_first)
        l->mech_first = xstrdup(mech);
    else if (mech && !l->mech_other && strcasecmp(mech, l->mech_first) != 0)
        l->mech_other = xstrdup(mech);
    a->result = AUTH_NONE;
    a->tls = l->tls_active ? TRI_TRUE : TRI_FALSE;
    if (l->auth_start == 0)
        l->auth_start = t;
    if (s->tls.before_auth == TRI_NULL)
        s->tls.before_auth = l->tls_active ? TRI_TRUE : TRI_FALSE;
    l->cur = a;
    l->cur_decoded = false;
    l->cb_downgrade = false;
    return a;
}

/* A reusable secret of attempt |a| went where it can be read (B1/L1 material). */
static void
note_plaintext(struct login *l, struct attempt *a, unsigned seq)
{
    a->plaintext = true;
    if (!l->tls_active)
        l->s.password_on_wire = true;
    if (l->opt.from_log)
        l->s.password_in_log = true;
    if (!l->auth_seq)
        l->auth_seq = seq;
}

/* Records what a credential payload exposes: attempt fields and B1/B2/L1 material. */
static void
expose_credentials(struct login *l, struct attempt *a, const char *authzid, const char *authcid,
                   const char *secret, unsigned seq)
{
    a->has_credentials = true;
    free(a->credentials.authzid);
    free(a->credentials.authcid);
    a->credentials.authzid = xstrdup(authzid);
    a->credentials.authcid = xstrdup(authcid);
    if (secret) {
        free(a->credentials.password);
        a->credentials.password = xstrdup(secret);
        note_plaintext(l, a, seq);
    }
    if (authcid && !l->s.user) {
        /* some clients send the bare JID as authcid (RFC 6120 §6.3.7) */
        l->s.user = xstrndup(authcid, localpart_len(authcid));
    }
}

/*
 * A damaged element whose data the hole took: nothing can be decoded, but a
 * mechanism that sends a reusable secret sent it where anyone could read it
 * (the credentials stay unknown).
 */
static void
damaged_payload(struct login *l, struct attempt *a, unsigned seq)
{
    if (!a->mechanism || !sasl_mech_sends_secret(a->mechanism))
        return;
    note_plaintext(l, a, seq);
    if (!l->tls_active)
        violation(l, "B1", seq, "%s password sent without TLS (part of it is missing from the "
                                "capture: the credentials cannot be read)", a->mechanism);
}

static void
decode_sasl_payload(struct login *l, const struct stanza *el, unsigned seq)
{
    struct attempt *a = l->cur;
    if (!a || l->cur_decoded)
        return;
    if (l->damaged && el->text_len == 0) {
        damaged_payload(l, a, seq);
        return;
    }
    struct sasl_decoded d;
    sasl_decode_client(a->mechanism, el->text, el->text_len, &d);
    if (!d.present && !d.bad_base64) {
        sasl_decoded_clear(&d);
        return; /* the data comes in a later <response> */
    }
    l->cur_decoded = true;
    if (d.bad_base64)
        violation(l, "C16", seq, d.present ? "SASL data wrapped with whitespace"
                                           : "SASL data is not valid base64");
    else if (d.malformed)
        violation(l, "C16", seq, "%s data does not follow the mechanism's syntax",
                  a->mechanism ? a->mechanism : "SASL");
    if (d.present && (d.authcid || d.authzid || d.secret))
        expose_credentials(l, a, d.authzid, d.authcid, d.secret, seq);
    if (d.authzid && d.authcid) {
        /* an authzid is a bare JID; the same user under its own name is no proxy */
        size_t local = localpart_len(d.authzid);
        if (strlen(d.authcid) != local || strncmp(d.authcid, d.authzid, local) != 0)
            violation(l, "C14", seq, "'%s' asks to act as '%s'", d.authcid, d.authzid);
    }
    if (!l->tls_active) {
        if (d.has_secret)
            violation(l, "B1", seq, "%s password of '%s' sent without TLS", a->mechanism,
                      d.authcid ? d.authcid : "?");
        else if (d.hash_material || sasl_mech_is_hashed(a->mechanism))
            violation(l, "B2", seq, "%s exchange without TLS allows an offline dictionary attack",
                      a->mechanism);
    }
    if (strcmp(d.cbflag, "p=tls-unique") == 0 && l->tls_version == 0x0304)
        violation(l, "C13", seq, NULL);
    else if (strncmp(d.cbflag, "p=", 2) == 0 && l->ncb_types &&
             !in_list(l->cb_types, l->ncb_types, d.cbflag + 2))
        violation(l, "C13", seq, "channel binding %s is not among the types the server offers",
                  d.cbflag + 2);
    l->cb_downgrade = d.cbflag[0] == 'y' && plus_offered(&l->s);
    if (l->cb_downgrade)
        violation(l, "C12", seq, "SCRAM client-first says '%s' (no channel binding) although %s",
                  "y", "a -PLUS mechanism was offered");
    sasl_decoded_clear(&d);
}

/* B3/B4: credentials went out in clear although the server offered (or required) STARTTLS. */
static void
check_tls_skipped(struct login *l, unsigned seq)
{
    if (l->tls_active)
        return;
    if (l->s.tls.required == TRI_TRUE) {
        violation(l, "B4", seq, NULL);
        l->b4_seen = true;
    }
    else if (l->starttls_offered)
        violation(l, "B3", seq, NULL);
}

static void
on_auth(struct login *l, const struct stanza *el, const char *mech, usec_t t, unsigned seq)
{
    struct session *s = &l->s;
    /* the first earlier attempt with another mechanism: the first one, else the first unlike it */
    const char *before = !mech || !l->mech_first              ? NULL
                         : strcasecmp(l->mech_first, mech) != 0 ? l->mech_first
                                                                : l->mech_other;
    if (before)
        violation(l, "C8", seq, "mechanism %s tried after %s", mech, before);
    new_attempt(l, mech, t);
    l->challenge_pending = false;
    /* RFC 6120 §6.4.2: no character data = no initial response; an empty one is "=" */
    l->auth_no_data = el->text_len == strspn(el->text, " \t\r\n") && !l->damaged;
    l->auth_no_data_seq = seq;
    check_tls_skipped(l, seq);
    if (mech && strcasecmp(mech, "ANONYMOUS") == 0)
        violation(l, "C18", seq, NULL);
    if (mech && (strcasecmp(mech, "DIGEST-MD5") == 0 || strcasecmp(mech, "CRAM-MD5") == 0))
        violation(l, "C19", seq, "%s is historic", mech);
    if (mech && s->auth.offered_known && !in_list(s->auth.offered, s->auth.noffered, mech))
        violation(l, "C2", seq, "mechanism %s was not offered", mech);
    decode_sasl_payload(l, el, seq);
    if (mech && s->auth.offered_known && !l->cb_downgrade) {
        bool plain_like = sasl_mech_sends_secret(mech);
        bool scram = strncasecmp(mech, "SCRAM-", 6) == 0;
        bool plus = scram && sasl_mech_is_plus(mech);
        if ((plain_like || strcasecmp(mech, "DIGEST-MD5") == 0) &&
            offered_with_prefix(s, "SCRAM-"))
            violation(l, "C11", seq, "%s chosen although SCRAM was offered", mech);
        else if (scram && !plus && l->tls_active && plus_offered(s))
            violation(l, "C11", seq, "%s chosen although a -PLUS variant was offered", mech);
    }
}

/* Remembers that an attempt other than legacy authentication failed (E6). */
static void
note_sasl_failure(struct login *l, const struct attempt *a)
{
    if (a->result == AUTH_FAILURE && (!a->mechanism || strcmp(a->mechanism, "legacy") != 0))
        l->sasl_failed = true;
}

static void
note_failure(struct login *l, const struct attempt *a, usec_t t, unsigned seq)
{
    l->failures = xgrow(l->failures, l->nfailures, sizeof *l->failures);
    l->failures[l->nfailures++] = (struct failure){
        .time = t, .seq = seq, .attempt = (size_t)(a - l->s.auth.attempts)};
}

static void
on_sasl_verdict(struct login *l, bool ok, const char *condition, usec_t t, unsigned seq)
{
    struct attempt *a = l->cur;
    l->challenge_pending = false;
    if (!a)
        return;
    a->result = ok ? AUTH_SUCCESS : AUTH_FAILURE;
    note_sasl_failure(l, a);
    free(a->condition);
    a->condition = !ok && condition ? xstrdup(condition) : NULL;
    l->auth_end = t;
    if (ok) {
        l->authed = true;
        l->s.auth.outcome = AUTH_SUCCESS;
        const char *who = a->has_credentials ? a->credentials.authcid : NULL;
        if (who && l->header_from && !same_localpart(who, l->header_from))
                violation(l, "C15", seq, "authenticated as '%s', the stream header said '%s'", who,
                          l->header_from);
    } else {
        if (l->s.auth.outcome != AUTH_SUCCESS)
            l->s.auth.outcome = AUTH_FAILURE;
        note_failure(l, a, t, seq);
        bool sasl = !a->mechanism || strcmp(a->mechanism, "legacy") != 0;
        bool authzid = condition && strcmp(condition, "invalid-authzid") == 0;
        if (sasl)
            violation_at(l, authzid ? SEV_WARNING : RULE_SEVERITY, "C7", seq, "%s authentication failed: %s",
                         a->mechanism ? a->mechanism : "SASL", condition ? condition : "no condition");
        if (++l->epoch_failures == 6) /* RFC 6120 §6.4.5: servers allow 2 to 5 retries */
            violation(l, "C9", seq, "%u failed attempts on one stream", l->epoch_failures);
    }
    l->cur = NULL;
}

static void
on_register_set(struct login *l, const struct stanza *el, unsigned seq)
{
    const struct stanza *q = stanza_child(el, "query", NS_IQ_REGISTER);
    const char *user = stanza_child_text(q, "username", NULL);
    const char *pass = stanza_child_text(q, "password", NULL);
    if (stanza_child(q, "remove", NULL))
        violation(l, "E9", seq, "account removal requested");
    if (!l->authed && !l->register_offered && l->features_seen)
        violation(l, "E1", seq, NULL);
    if (user && *user && !l->s.user)
        l->s.user = xstrdup(user);
    if (pass && *pass) {
        check_tls_skipped(l, seq);
        if (!l->tls_active) {
            l->s.password_on_wire = true;
            violation(l, "E2", seq, "registration password of '%s' sent without TLS",
                      user ? user : "?");
        }
        if (l->opt.from_log)
            l->s.password_in_log = true;
        if (!l->auth_seq)
            l->auth_seq = seq;
    }
}

static void
on_legacy_set(struct login *l, const struct stanza *el, usec_t t, unsigned seq)
{
    const struct stanza *q = stanza_child(el, "query", NS_IQ_AUTH);
    const char *user = stanza_child_text(q, "username", NULL);
    const char *pass = stanza_child_text(q, "password", NULL);
    const char *digest = stanza_child_text(q, "digest", NULL);
    bool after_sasl_failure = l->sasl_failed;
    struct attempt *a = new_attempt(l, "legacy", t);
    violation(l, "E5", seq, NULL);
    if (after_sasl_failure)
        violation(l, "E6", seq, NULL);
    const char *res = stanza_child_text(q, "resource", NULL);
    if (!user || !*user || !res || !*res)
        violation(l, "E7", seq, "legacy authentication without %s",
                  !user || !*user ? "username" : "resource");
    check_tls_skipped(l, seq);
    /* XEP-0078 binds the resource in the same step: remember the JID it will get */
    const char *resource = stanza_child_text(q, "resource", NULL);
    free(l->legacy_jid);
    l->legacy_jid = user && *user && l->s.domain
                        ? xasprintf("%s@%s%s%s", user, l->s.domain, resource && *resource ? "/" : "",
                                    resource ? resource : "")
                        : NULL;
    expose_credentials(l, a, NULL, user && *user ? user : NULL, pass && *pass ? pass : NULL, seq);
    if (!l->tls_active && pass && *pass)
        violation(l, "B1", seq, "legacy-auth password of '%s' sent without TLS", user ? user : "?");
    else if (!l->tls_active && digest && *digest)
        violation(l, "B2", seq, "legacy-auth digest sent without TLS");
}

static void
on_bind_result(struct login *l, const struct stanza *el, usec_t t)
{
    const struct stanza *bind = stanza_child(el, "bind", NS_BIND);
    const char *jid = bind ? stanza_child_text(bind, "jid", NULL) : NULL;
    if (jid && *jid) {
        free(l->s.jid);
        l->s.jid = xstrdup(jid);
        const char *at = strchr(jid, '@');
        if (at && !l->s.user)
            l->s.user = xstrndup(jid, (size_t)(at - jid));
    }
    l->bound = true;
    l->bound_time = t;
}

static void
on_stream_error(struct login *l, const char *cond, unsigned seq)
{
    l->stream_error = true;
    bool refused = cond && (strcmp(cond, "not-authorized") == 0 || strcmp(cond, "policy-violation") == 0);
    violation_at(l, refused ? SEV_WARNING : RULE_SEVERITY, "K1", seq, "stream error: %s",
                 cond ? cond : "undefined-condition");
}

static bool
looks_like_uuid(const char *s)
{
    /* 8-4-4-4-12 hex digits (RFC 9562 §4) */
    static const int groups[] = {8, 4, 4, 4, 12};
    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, s++)
            if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
                return false;
        if (g < 4 && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

static void
on_sasl2_authenticate(struct login *l, const struct stanza *el, const char *mech, usec_t t,
                      unsigned seq)
{
    new_attempt(l, mech, t);
    if (!l->tls_active)
        violation(l, "B16", seq, NULL);
    if (mech && l->nsasl2_mechs && !in_list(l->sasl2_mechs, l->nsasl2_mechs, mech))
        violation(l, "H2", seq, "SASL2 mechanism %s was not offered", mech);
    const struct stanza *ua = stanza_child(el, "user-agent", NULL);
    const char *id = ua ? stanza_attr(ua, "id", NULL) : NULL;
    if (id && !looks_like_uuid(id))
        violation(l, "H9", seq, "user-agent id '%s' is not a UUID", id);
    const struct stanza *ir = stanza_child(el, "initial-response", NULL);
    if (ir)
        decode_sasl_payload(l, ir, seq);
}

static void
on_sasl2_success(struct login *l, const struct stanza *el, usec_t t, unsigned seq)
{
    on_sasl_verdict(l, true, NULL, t, seq);
    const char *authz = stanza_child_text(el, "authorization-identifier", NULL);
    if (!authz)
        authz = stanza_child_text(el, "authorization-identity", NULL); /* XEP-0484 examples */
    const struct stanza *bound = stanza_child(el, "bound", NULL);
    const struct stanza *resumed = stanza_child(el, "resumed", NULL);
    if (authz && *authz && (bound || resumed)) {
        free(l->s.jid);
        l->s.jid = xstrdup(authz);
    }
    if (bound || resumed) {
        l->bound = true;
        l->bound_time = t;
    }
    if (stanza_child(el, "token", NULL))
        violation(l, "H8", seq, NULL);
    if (bound && resumed)
        violation(l, "H6", seq, NULL);
    l->inline_resumed = resumed != NULL;
    /* XEP-0388 §2.6.1: features at once, unless the session was resumed inline */
    l->sasl2_success = !resumed;
}

/* E8: an error reply that carries the request's password or digest back (XEP-0078 §3.1). */
static void
check_echo(struct login *l, const struct stanza *el, unsigned seq)
{
    for (size_t i = 0; i < el->nchildren; i++) {
        const struct stanza *q = el->children[i];
        if (strcmp(q->name, "query") != 0)
            continue;
        const char *pass = stanza_child_text(q, "password", NULL);
        const char *digest = stanza_child_text(q, "digest", NULL);
        if ((pass && *pass) || (digest && *digest))
            violation(l, "E8", seq, "the server's error repeats the %s it was sent",
                      pass && *pass ? "password" : "digest");
    }
}

/* Bookkeeping for an element whose event is settled: facts and audit findings. */
static void
record_facts(struct login *l, char dir, const struct stanza *el, enum event ev,
             const char *detail, usec_t t, unsigned seq)
{
    switch (ev) {
    case EV_STREAM_OPEN:
    case EV_STREAM_RESTART:
        if (dir == 'C')
            on_client_header(l, el, seq);
        else
            on_server_header(l, el, seq);
        break;
    case EV_FEATURES:
        on_features(l, el, seq);
        break;
    case EV_AUTH:
        on_auth(l, el, detail, t, seq);
        break;
    case EV_CHALLENGE: {
        l->challenge_pending = true;
        l->auth_no_data = false; /* the server asked for the data: the empty <auth/> was right */
        if (l->b4_seen)
            violation(l, "B5", seq, NULL);
        const char *mech = l->cur ? l->cur->mechanism : NULL;
        long iter = mech && strncasecmp(mech, "SCRAM-", 6) == 0
                        ? sasl_scram_iterations(el->text, el->text_len)
                        : -1;
        if (iter >= 0 && iter < 4096)
            violation(l, "C20", seq, "SCRAM iteration count %ld (at least 4096)", iter);
        break;
    }
    case EV_ABORT:
        l->abort_pending = true;
        break;
    case EV_STARTTLS_FAILURE:
        violation(l, "B8", seq, NULL);
        break;
    case EV_RESPONSE:
        /* challenge_pending is cleared after step(), whose C5 guard still needs it */
        decode_sasl_payload(l, el, seq);
        break;
    case EV_SUCCESS:
        if (l->b4_seen)
            violation(l, "B5", seq, NULL);
        if (!l->cur && l->state != ST_UNKNOWN)
            violation(l, "C21", seq, NULL);
        if (l->cur && l->auth_no_data)
            /* success with no challenge: the server took "no initial response" for an empty one */
            violation(l, "C17", l->auth_no_data_seq,
                      "<auth/> for %s carried no data and the server accepted it as an empty initial "
                      "response: a zero-length response is sent as '='",
                      l->cur->mechanism ? l->cur->mechanism : "SASL");
        l->auth_no_data = false;
        on_sasl_verdict(l, true, NULL, t, seq);
        break;
    case EV_FAILURE:
        if (!l->cur && l->state != ST_UNKNOWN)
            violation(l, "C5", seq, "SASL failure with no authentication in progress");
        if (l->abort_pending && (!detail || strcmp(detail, "aborted") != 0))
            violation(l, "C6", seq, NULL);
        l->abort_pending = false;
        l->auth_no_data = false;
        on_sasl_verdict(l, false, detail, t, seq);
        break;
    case EV_REGISTER_GET:
        remember_iq(l, el, IQ_REGISTER);
        if (!l->authed && !l->register_offered && l->features_seen)
            violation(l, "E1", seq, NULL);
        break;
    case EV_REGISTER_ERROR:
    case EV_LEGACY_AUTH_ERROR:
        check_echo(l, el, seq);
        if (ev == EV_LEGACY_AUTH_ERROR)
            on_sasl_verdict(l, false, detail, t, seq);
        break;
    case EV_REGISTER_SET:
        remember_iq(l, el, IQ_REGISTER);
        on_register_set(l, el, seq);
        if (!l->authed && ++l->registrations == 2)
            violation(l, "E4", seq, NULL);
        break;
    case EV_REGISTER_RESULT:
        if (l->b4_seen)
            violation(l, "B5", seq, NULL);
        l->registered = true;
        break;
    case EV_LEGACY_AUTH_GET:
        remember_iq(l, el, IQ_LEGACY);
        break;
    case EV_LEGACY_AUTH_SET:
        remember_iq(l, el, IQ_LEGACY);
        on_legacy_set(l, el, t, seq);
        break;
    case EV_LEGACY_AUTH_RESULT:
        on_sasl_verdict(l, true, NULL, t, seq);
        if (l->legacy_jid && !l->s.jid) {
            l->s.jid = l->legacy_jid;
            l->legacy_jid = NULL;
        }
        l->bound = true;
        l->bound_time = t;
        break;
    case EV_BIND: {
        remember_iq(l, el, IQ_BIND);
        if (l->authed && l->features_seen && !l->bind_offered && !l->bound)
            violation(l, "D2", seq, NULL);
        const struct stanza *b = stanza_child(el, "bind", NS_BIND);
        free(l->bind_resource);
        l->bind_resource = xstrdup(b ? stanza_child_text(b, "resource", NULL) : NULL);
        break;
    }
    case EV_BIND_RESULT:
        on_bind_result(l, el, t);
        if (l->bind_resource && *l->bind_resource && l->s.jid) {
            const char *slash = strchr(l->s.jid, '/');
            if (slash && strcmp(slash + 1, l->bind_resource) != 0)
                violation(l, "D12", seq, "asked for resource '%s', got '%s'", l->bind_resource,
                          slash + 1);
        }
        break;
    case EV_BIND_ERROR:
        violation(l, "D11", seq, "resource binding refused: %s", detail ? detail : "no condition");
        if (++l->bind_errors == 11) /* RFC 6120 §7.7.3: servers allow 5 to 10 */
            violation(l, "D10", seq, "%u failed bind attempts", l->bind_errors);
        break;
    case EV_SESSION:
        remember_iq(l, el, IQ_SESSION);
        if (l->features_seen && !l->session_offered)
            violation(l, "D14", seq, NULL);
        break;
    case EV_SESSION_RESULT:
        l->session_done = true;
        break;
    case EV_SM_ENABLE:
        if (l->sm_enabled)
            violation(l, "F4", seq, NULL);
        else if (l->features_seen && !l->sm_offered)
            violation(l, "F3", seq, NULL);
        break;
    case EV_SM_ENABLED: {
        l->sm_enabled = true;
        const char *resume = stanza_attr(el, "resume", NULL);
        l->sm_resumable = resume && (strcmp(resume, "true") == 0 || strcmp(resume, "1") == 0);
        const char *id = stanza_attr(el, "id", NULL);
        if (id) {
            free(l->sm_id);
            l->sm_id = xstrdup(id);
        }
        break;
    }
    case EV_SM_FAILED:
        if (l->state == ST_SM_WAIT)
            violation(l, "F7", seq, "stream resumption failed: %s", detail ? detail : "no condition");
        break;
    case EV_SM_REQUEST:
    case EV_SM_ACK:
        if (!l->sm_enabled)
            violation(l, "F8", seq, NULL);
        if (ev == EV_SM_ACK && l->sm_enabled) {
            /* <a h/> counts the stanzas the other side sent (XEP-0198 §4); h wraps at 2^32 */
            const char *h = stanza_attr(el, "h", NULL);
            unsigned long other = l->sent[dir == 'C' ? 1 : 0] & 0xffffffffUL;
            char *end;
            unsigned long v = h ? strtoul(h, &end, 10) : 0;
            if (h && end != h && v > other && !l->resumed_from)
                violation(l, "F9", seq, "h=%lu but only %lu stanzas were sent", v, other);
        }
        break;
    case EV_SM_RESUMED: {
        l->bound = true;
        l->sm_enabled = true;
        l->bound_time = t;
        const char *previd = stanza_attr(el, "previd", NULL);
        if (previd) {
            free(l->resumed_from);
            l->resumed_from = xstrdup(previd);
            l->resumed_seq = seq;
        }
        break;
    }
    case EV_SASL2_AUTHENTICATE:
        on_sasl2_authenticate(l, el, detail, t, seq);
        break;
    case EV_SASL2_RESPONSE:
        decode_sasl_payload(l, el, seq);
        break;
    case EV_SASL2_SUCCESS:
        on_sasl2_success(l, el, t, seq);
        break;
    case EV_SASL2_FAILURE:
        if (stanza_child(el, "bound", NULL) || stanza_child(el, "enabled", NULL) ||
            stanza_child(el, "token", NULL))
            violation(l, "H4", seq, NULL);
        on_sasl_verdict(l, false, detail, t, seq);
        break;
    case EV_COMPRESS: {
        if (!l->authed)
            violation(l, "G1", seq, NULL);
        const char *method = stanza_child_text(el, "method", NULL);
        if (method && l->features_seen && !in_list(l->compress_methods, l->ncompress_methods, method))
            violation(l, "G4", seq, "compression method '%s' was not offered", method);
        break;
    }
    case EV_COMPRESSED:
        violation(l, "G2", seq, NULL);
        break;
    case EV_STANZA_MESSAGE:
    case EV_STANZA_PRESENCE:
    case EV_STANZA_IQ:
    case EV_IQ_RESULT:
    case EV_IQ_ERROR:
        if (dir == 'C' && l->state != ST_UNKNOWN && !l->bound) {
            if (!l->authed) {
                l->prebind_pending = true; /* D5 comes from the miss table */
            } else {
                /* RFC 6120 §7.1: before binding only the server or the own account may be addressed */
                const char *to = stanza_attr(el, "to", NULL);
                size_t ulen = l->s.user ? strlen(l->s.user) : 0;
                bool local = !to || (l->s.domain && strcasecmp(to, l->s.domain) == 0) ||
                             (l->s.user && strncasecmp(to, l->s.user, ulen) == 0 && to[ulen] == '@' &&
                              l->s.domain && strcasecmp(to + ulen + 1, l->s.domain) == 0);
                if (local) {
                    violation(l, "D7", seq, NULL);
                } else {
                    violation(l, "D6", seq, "stanza to '%s' before resource binding", to);
                    l->prebind_pending = true;
                }
            }
        } else if (dir == 'S' && l->prebind_pending && !l->bound) {
            violation(l, "D8", seq, NULL);
            l->prebind_pending = false;
        }
        if (l->sm_enabled)
            l->sent[dir == 'C' ? 0 : 1]++;
        if (dir == 'C' && l->bound && !l->stanza_seen) {
            l->stanza_seen = true;
            if (l->session_offered && !l->session_optional && !l->session_done)
                violation(l, "D15", seq, NULL);
        }
        break;
    case EV_STREAM_ERROR:
        if (dir == 'S' && l->state == ST_HDR_C)
            violation(l, "K3", seq, NULL);
        if (detail && strcmp(detail, "see-other-host") == 0 && !l->tls_active)
            violation(l, "K7", seq, NULL);
        if (!l->stream_error_by)
            l->stream_error_by = dir;
        if (dir == 'S' && !l->server_error) {
            l->server_error = xstrdup(detail ? detail : "undefined-condition");
            l->server_error_seq = seq;
            l->server_error_time = t;
        }
        on_stream_error(l, detail, seq);
        break;
    case EV_STREAM_CLOSE:
        if (dir == 'C')
            l->closed_c = true;
        else
            l->closed_s = true;
        break;
    default:
        break;
    }
}

struct login *
login_new(const struct login_options *opt)
{
    struct login *l = xcalloc(1, sizeof *l);
    l->opt = *opt;
    l->state = ST_IDLE;
    l->s.transport = TRANSPORT_TCP;
    l->s.durations.to_tls = l->s.durations.auth = l->s.durations.to_bound = -1;
    return l;
}

void
login_free(struct login *l)
{
    if (!l)
        return;
    session_clear(&l->s);
    for (size_t i = 0; i < l->nstream_ids; i++)
        free(l->stream_ids[i]);
    free(l->stream_ids);
    for (size_t i = 0; i < l->npending; i++)
        free(l->pending[i].id);
    free(l->pending);
    free(l->legacy_jid);
    free(l->bind_resource);
    free(l->sm_id);
    free(l->resumed_from);
    free(l->server_error);
    free(l->header_from);
    free(l->failures);
    free(l->auth_ip);
    free(l->last_event_name);
    free(l->mech_first);
    free(l->mech_other);
    findings_clear(&l->findings);
    free_list(l->cb_types, l->ncb_types);
    free_list(l->compress_methods, l->ncompress_methods);
    free_list(l->sasl2_mechs, l->nsasl2_mechs);
    free(l);
}

struct session *
login_session(struct login *l)
{
    return &l->s;
}

/* Findings about what may follow what, beyond the transition table. */
static void
check_sequence(struct login *l, char dir, enum event ev, unsigned seq)
{
    /* RFC 6120 §4.3.3: a restart is a new header, never a close first */
    if (dir == 'C' && ev == EV_STREAM_CLOSE &&
        (l->state == ST_RESTART_TLS || l->state == ST_RESTART_SASL || l->state == ST_RESTART_COMP))
        violation(l, "A13", seq, NULL);
    if (dir == 'S' && l->state == ST_HDR_S && l->client_version10 && ev != EV_FEATURES &&
        ev != EV_STREAM_ERROR && ev != EV_STREAM_CLOSE)
        violation(l, "A2", seq, NULL);
    if (dir == 'S' && l->sasl2_success) {
        l->sasl2_success = false;
        if (ev != EV_FEATURES)
            violation(l, "H3", seq, NULL);
    }
    if (l->stream_error_by == dir && ev != EV_STREAM_CLOSE)
        violation(l, "K2", seq, "the %s went on after its stream error", dir == 'C' ? "client" : "server");
    /* RFC 6120 §4.4: after its own </stream:stream> a side sends nothing more */
    if ((dir == 'C' ? l->closed_c : l->closed_s) && ev != EV_STREAM_CLOSE)
        violation(l, "K6", seq, "the %s sent data after closing its stream",
                  dir == 'C' ? "client" : "server");
    if (dir == 'C' && l->registered && !l->authed && !l->e3_checked) {
        switch (ev) {
        case EV_AUTH: case EV_SASL2_AUTHENTICATE: case EV_LEGACY_AUTH_GET: case EV_LEGACY_AUTH_SET:
        case EV_REGISTER_GET: case EV_REGISTER_SET: case EV_STREAM_CLOSE: case EV_STREAM_RESTART:
        case EV_STARTTLS:
            break;
        default:
            violation(l, "E3", seq, NULL);
            break;
        }
        l->e3_checked = true;
    }
}

/*
 * login-spec §2.5 rank check, the safety net behind the specific rules: the
 * phase of the client's negotiation elements does not go back (TLS <
 * REGISTER < AUTH < BIND < SESSION < SM). Equal phases may repeat (another
 * registration, another SASL attempt after a failure). Left out: compression,
 * which may come before or after authentication (XEP-0170 §2.2) and late after
 * bind; registration once authenticated (a password change or cancellation,
 * XEP-0077 §3.2, §3.3); session and stream management in any order once bound.
 * A resumption stands for bind (a failed one leaves bind to do, XEP-0198 §5).
 * A step the state machine already found out of order (B7, C3, ...) is not
 * reported twice.
 */
static void
check_rank(struct login *l, char dir, enum event ev, const char *detail, unsigned seq)
{
    if (dir != 'C')
        return;
    enum phase p = ev == EV_SM_RESUME ? PHASE_BIND : event_phase(ev);
    switch (p) {
    case PHASE_TLS:
    case PHASE_REGISTER:
    case PHASE_AUTH:
    case PHASE_BIND:
    case PHASE_SESSION:
    case PHASE_SM:
        break;
    default:
        return; /* headers, compression, stanzas, closes */
    }
    bool exempt = (p == PHASE_REGISTER && l->authed) ||
                  (l->bound && (p == PHASE_SESSION || p == PHASE_SM));
    /* one finding per step back: what follows in the phase it went back to is not another */
    if (p < l->max_rank && !exempt && l->order_seq != seq && p != l->rank_back) {
        char *name = event_name(ev, detail); /* the step's, stored or not */
        violation(l, "A16", seq, "%s (phase %s) after the client reached phase %s", name,
                  phase_name(p), phase_name(l->max_rank));
        free(name);
    }
    if (p < l->max_rank && !exempt)
        l->rank_back = p;
    if (p > l->max_rank)
        l->max_rank = p;
}

/*
 * A server iq whose type a capture gap took (damaged, no type): by what it
 * holds, the answer to the request with its id; as it was when none waits.
 */
static enum event
damaged_answer(struct login *l, const struct stanza *el)
{
    const struct stanza *bind = stanza_child(el, "bind", NS_BIND);
    if (bind && stanza_child(bind, "jid", NULL))
        return EV_BIND_RESULT;
    enum event ev = stanza_child(el, "error", NULL) ? EV_IQ_ERROR : EV_IQ_RESULT;
    enum event paired = pair_iq(l, el, ev);
    return paired == ev ? EV_STANZA_IQ : paired;
}

static void
handle_element(struct login *l, char dir, usec_t t, const struct frame *fr)
{
    const struct stanza *el = fr->el;
    struct classified c;
    phase_of(dir, el, &c);
    enum event ev = c.event;
    if (fr->kind == FRAME_STREAM_OPEN && ev != EV_STREAM_OPEN) {
        /* a header outside the stream namespace: still a header (A9 in on_client_header) */
        ev = EV_STREAM_OPEN;
        c.detail = NULL;
    }
    if (ev == EV_STREAM_OPEN && dir == 'C') {
        if (l->headers_seen)
            ev = EV_STREAM_RESTART;
        l->headers_seen = true;
        l->epoch_failures = 0;
        l->whitespace_reported = false;
    }
    if (l->damaged && dir == 'S' && ev == EV_STANZA_IQ && !stanza_attr(el, "type", NULL))
        ev = damaged_answer(l, el);
    else if (ev == EV_IQ_RESULT || ev == EV_IQ_ERROR)
        ev = pair_iq(l, el, ev);
    const char *detail = c.detail;
    if (!l->started && ev != EV_STREAM_OPEN && !fr->outside) {
        /* login-spec §2.2 rule 5: picked up mid-stream (outside a stream it is A1 or K3 instead) */
        l->state = ST_UNKNOWN;
        unsigned seq0 = add_phase(l, dir, t, ev, detail,
                                  phase_kept(l) ? abbrev_element(el, ev, NULL, l->opt.show_secrets) : NULL);
        violation(l, "A17", seq0, NULL);
        record_facts(l, dir, el, ev, detail, t, seq0);
        step(l, dir, ev, seq0);
        return;
    }
    const char *mech = l->cur ? l->cur->mechanism : NULL;
    char *summary = phase_kept(l) ? abbrev_element(el, ev, mech, l->opt.show_secrets) : NULL;
    unsigned seq = add_phase(l, dir, t, ev, detail, summary);
    check_sequence(l, dir, ev, seq);
    record_facts(l, dir, el, ev, detail, t, seq);
    bool unknown = l->state == ST_UNKNOWN;
    step(l, dir, ev, seq);
    if (!unknown)
        check_rank(l, dir, ev, detail, seq);
    if (ev == EV_SASL2_SUCCESS && l->bound)
        l->state = ST_DONE; /* bound or resumed inline (XEP-0386, XEP-0198 §9) */
    if (ev == EV_STREAM_OPEN && dir == 'S' && l->legacy_stream && l->state == ST_HDR_S)
        l->state = ST_NEG; /* pre-1.0: no features, legacy authentication may start */
    if (ev == EV_RESPONSE)
        l->challenge_pending = false; /* the challenge is answered */
}

/*
 * A session's times never go back: an event the input dates before the one
 * before it (a clock set back, a capture merged out of order) is placed at
 * that one's time, so that no step and no duration comes out negative (or 56
 * years long), and the jump is reported once (L4, login_finish()).
 */
static usec_t
in_order(struct login *l, usec_t t)
{
    if (l->clock_set && t < l->clock) {
        usec_t back = l->clock - t;
        if (l->clock_backs++ == 0) {
            l->clock_back_seq = (unsigned)l->s.nphases + 1;
            l->clock_back_from = l->clock;
            l->clock_back_to = t;
        }
        if (back > l->clock_back_max)
            l->clock_back_max = back;
        return l->clock;
    }
    l->clock_set = true;
    l->clock = t;
    return t;
}

/* L4: the input's clock went back inside this session (in_order()). */
static void
report_clock_back(struct login *l)
{
    if (!l->clock_backs)
        return;
    char by[32], from[40], to[40], max[32];
    format_span(l->clock_back_from - l->clock_back_to, by, sizeof by);
    format_span(l->clock_back_max, max, sizeof max);
    format_time(l->clock_back_from, from, sizeof from);
    format_time(l->clock_back_to, to, sizeof to);
    if (l->clock_backs == 1)
        violation(l, "L4", l->clock_back_seq,
                  "the input's time went back by %s (from %s to %s): the step is placed at the "
                  "time of the one before it",
                  by, from, to);
    else
        violation(l, "L4", l->clock_back_seq,
                  "the input's time went back by %s (from %s to %s), and %u later steps are "
                  "dated before a step before them too (by at most %s): each is placed at the "
                  "latest time before it",
                  by, from, to, l->clock_backs - 1, max);
}

void
login_frame(struct login *l, char dir, usec_t t, const struct frame *fr)
{
    t = in_order(l, t);
    l->damaged = fr->damaged;
    l->gap_offset = fr->gap_offset;
    l->gap_bytes = fr->gap_bytes;
    switch (fr->kind) {
    case FRAME_STREAM_OPEN:
    case FRAME_ELEMENT:
        handle_element(l, dir, t, fr);
        break;
    case FRAME_STREAM_CLOSE: {
        unsigned seq = add_phase(l, dir, t, EV_STREAM_CLOSE, NULL, xstrdup("</stream:stream>"));
        check_sequence(l, dir, EV_STREAM_CLOSE, seq);
        record_facts(l, dir, NULL, EV_STREAM_CLOSE, NULL, t, seq);
        step(l, dir, EV_STREAM_CLOSE, seq);
        break;
    }
    case FRAME_WHITESPACE:
        /* keep-alives are no login step, but not inside TLS or SASL negotiation (RFC 6120 §5.3.3, §6.3.5) */
        if ((l->state == ST_TLS_WAIT || l->state == ST_SASL) && !l->whitespace_reported) {
            /* one finding per stream epoch (login-spec §2.2 rule 3) */
            l->whitespace_reported = true;
            struct violation *v = violation(l, "A10", l->steps, "whitespace from the %s during %s",
                                            dir == 'C' ? "client" : "server",
                                            l->state == ST_SASL ? "SASL" : "STARTTLS");
            if (v && l->state == ST_SASL)
                v->ref = "RFC 6120 §6.3.5";
        }
        break;
    case FRAME_ERROR: {
        unsigned seq = add_phase(l, dir, t, EV_XML_ERROR, NULL,
                                 xstrdup(fr->message ? fr->message : "malformed XML"));
        if (fr->message && strncmp(fr->message, "restricted XML", 14) == 0)
            violation(l, "A15", seq, "%s", fr->message);
        break;
    }
    case FRAME_OVERSIZE:
        add_phase(l, dir, t, EV_OVERSIZE, NULL, xstrdup(fr->message ? fr->message : "element too large"));
        break;
    case FRAME_SCOPE_RESET:
        break; /* a deferred framer's bookkeeping, for its frame_parser only */
    }
    l->damaged = false;
}

void
login_pseudo(struct login *l, enum event ev, usec_t t, const char *detail)
{
    t = in_order(l, t);
    unsigned seq = add_phase(l, '-', t, ev, NULL, xstrdup(detail ? detail : ""));
    if (ev == EV_TLS_ESTABLISHED) {
        l->tls_active = true;
        l->s.tls.negotiated = TRI_TRUE;
        l->tls_time = t;
    } else if (ev == EV_TCP_FIN || ev == EV_TCP_RST) {
        l->log_closed = true;
    } else if (ev == EV_XML_ERROR && l->state == ST_TLS_HS) {
        violation(l, "B9", seq, "%s", detail ? detail : "cleartext during the TLS handshake");
    } else if (ev == EV_TLS_ALERT && !l->tls_active) {
        violation(l, "B13", seq, "%s", detail ? detail : "TLS alert during the handshake");
    }
    step(l, '-', ev, seq);
}

void
login_log_auth(struct login *l, usec_t t, bool ok, const char *mech, const char *user,
               const char *ip, const char *reason)
{
    t = in_order(l, t);
    struct buf b = {0};
    buf_printf(&b, "server log: %s %s authentication for %s%s%s", ok ? "accepted" : "failed",
               mech ? mech : "?", user ? user : "?", reason ? ": " : "", reason ? reason : "");
    unsigned seq = add_phase(l, '-', t, ok ? EV_LOG_AUTH_OK : EV_LOG_AUTH_FAIL, mech, b.data);
    /* C22: what ejabberd wrote (it never logs the password here, and neither does this) */
    violation(l, "C22", seq, "ejabberd logged: %s %s authentication for %s%s%s%s%s",
              ok ? "accepted" : "failed", mech ? mech : "?", user ? user : "?",
              ip ? " from " : "", ip ? ip : "", reason ? ": " : "", reason ? reason : "");
    if (user && !l->s.user)
        l->s.user = xstrndup(user, localpart_len(user));
    if (ip && !l->auth_ip)
        l->auth_ip = xstrdup(ip);
    /* Info-level logs show no XML: the log line is then the only verdict. */
    if (l->s.auth.nattempts == 0) {
        struct attempt *a = new_attempt(l, mech, t);
        a->tls = TRI_NULL;
        a->result = ok ? AUTH_SUCCESS : AUTH_FAILURE;
        note_sasl_failure(l, a);
        if (!ok)
            note_failure(l, a, t, seq);
        l->cur = NULL;
        l->auth_end = t;
        l->s.auth.outcome = ok ? AUTH_SUCCESS : AUTH_FAILURE;
        if (ok)
            l->authed = true;
    }
}

void
login_connected(struct login *l, usec_t t)
{
    if (!l->have_start || t < l->s.start) {
        l->s.start = t;
        l->have_start = true;
    }
    if (t > l->s.end)
        l->s.end = t;
}

void
login_midstream(struct login *l, usec_t t, const char *detail)
{
    t = in_order(l, t);
    unsigned seq = add_phase(l, '-', t, EV_GAP, NULL, xstrdup(detail ? detail : ""));
    l->state = ST_UNKNOWN;
    l->midstream = true;
    l->headers_seen = true; /* the next client header is a restart */
    violation(l, "A17", seq, NULL);
}

void
login_opaque(struct login *l)
{
    if (!l->opaque) {
        l->opaque = true;
        l->opaque_seq = l->steps;
    }
}

void
login_client_hello(struct login *l, usec_t t, const char *sni, const char *alpn)
{
    char detail[600];
    snprintf(detail, sizeof detail, "ClientHello SNI %s, ALPN %s", sni ? sni : "(none)",
             alpn ? alpn : "(none)");
    if (sni && !l->s.domain)
        l->s.domain = xstrdup(sni);
    login_pseudo(l, EV_TLS_CLIENT_HELLO, t, detail);
    /* XEP-0368 §3: SNI is the JID domain (MUST), ALPN offers xmpp-client (SHOULD) */
    bool xmpp_alpn = false;
    for (const char *p = alpn; p && (p = strstr(p, "xmpp-client")); p++)
        if ((p == alpn || p[-1] == ',') && (p[11] == '\0' || p[11] == ','))
            xmpp_alpn = true;
    if (l->s.transport == TRANSPORT_TLS && (!sni || !xmpp_alpn))
        violation(l, "B14", l->steps, "direct TLS ClientHello %s",
                  !sni ? "without SNI" : "without ALPN xmpp-client");
}

const char *
login_sm_id(const struct login *l)
{
    return l->sm_id;
}

const char *
login_resumed_from(const struct login *l)
{
    return l->resumed_from;
}

void
login_tls_version(struct login *l, unsigned version)
{
    l->tls_version = version;
}

void
login_no_xml(struct login *l)
{
    l->no_xml = true;
}

bool
login_both_closed(const struct login *l)
{
    return l->closed_c && l->closed_s;
}

bool
login_stream_over(const struct login *l)
{
    return (l->closed_c && l->closed_s) || l->stream_error;
}

static double
ms_between(usec_t from, usec_t to)
{
    return to >= from ? (double)(to - from) / 1000.0 : 0.0;
}

struct session *
login_finish(struct login *l, enum login_end how, usec_t t)
{
    struct session *s = &l->s;
    s->evicted = how == LOGIN_END_EVICTED_IDLE     ? "idle"
                 : how == LOGIN_END_EVICTED_FULL   ? "table-full"
                 : how == LOGIN_END_EVICTED_MEMORY ? "memory"
                                                   : NULL;
    if (t > s->end)
        s->end = t;
    if (!l->have_start)
        s->start = s->end = t;
    if (l->bound)
        s->outcome = OUTCOME_ESTABLISHED;
    else if (l->opaque && !l->stream_error && s->auth.outcome != AUTH_FAILURE)
        s->outcome = OUTCOME_OPAQUE;
    else if (l->stream_error)
        s->outcome = OUTCOME_ERROR;
    else if (l->registered && s->auth.nattempts == 0)
        s->outcome = OUTCOME_REGISTERED;
    else if (s->auth.outcome == AUTH_FAILURE)
        s->outcome = OUTCOME_AUTH_FAILED;
    else if (how != LOGIN_END_CLOSED && !login_stream_over(l))
        s->outcome = OUTCOME_INCOMPLETE;
    else
        s->outcome = OUTCOME_ABORTED;

    if (s->tls.negotiated == TRI_NULL && l->features_seen)
        s->tls.negotiated = l->tls_active ? TRI_TRUE : TRI_FALSE;
    if (s->auth.nattempts) {
        struct attempt *chosen = &s->auth.attempts[s->auth.nattempts - 1];
        for (size_t i = 0; i < s->auth.nattempts; i++)
            if (s->auth.attempts[i].result == AUTH_SUCCESS)
                chosen = &s->auth.attempts[i];
        s->auth.mechanism = xstrdup(chosen->mechanism);
    }

    s->durations.total = ms_between(s->start, s->end);
    if (l->tls_time)
        s->durations.to_tls = ms_between(s->start, l->tls_time);
    if (l->auth_start && l->auth_end)
        s->durations.auth = ms_between(l->auth_start, l->auth_end);
    if (l->bound_time)
        s->durations.to_bound = ms_between(s->start, l->bound_time);

    if (l->no_xml)
        violation(l, "L3", 0, "the log shows no XML for this connection (log level below debug): "
                              "only the server's verdicts are known");
    if (l->opaque)
        violation(l, "L2", l->opaque_seq ? l->opaque_seq : 0,
                  "the login went on inside TLS without a key: ordering past this point was not "
                  "checked");
    if (!l->bound && !l->no_xml && !l->opaque) {
        /* D16: low when the login stopped before any authentication verdict */
        bool early = s->auth.outcome == AUTH_NONE && !l->registered;
        const char *closer =
            l->stream_error                           ? "ended by a stream error"
            : l->closed_c                             ? "the client closed its stream"
            : how == LOGIN_END_CLOSED && l->closed_s  ? "the client dropped the connection, then the server closed its stream"
            : how == LOGIN_END_CLOSED                 ? "the connection ended without a stream close"
            : l->closed_s                             ? "the server closed its stream, then the input ended"
                                                      : "the input ended";
        const char *last = l->last_event_name                ? l->last_event_name
                           : l->last_event                   ? l->s.phases[l->last_event - 1].event
                                                             : "no event";
        violation_at(l, early ? SEV_WARNING : RULE_SEVERITY, "D16", 0,
                     "login did not complete: last phase %s (%s), %s",
                     phase_name(l->last_phase) ? phase_name(l->last_phase) : "none", last, closer);
    }
    if (how == LOGIN_END_CLOSED && !l->closed_c && !l->stream_error && l->started && !l->opaque) {
        violation_at(l, l->bound ? RULE_SEVERITY : SEV_WARNING, "K4", 0,
                     "the client ended the connection without closing its stream");
    }
    if (l->sm_resumable && how == LOGIN_END_CLOSED && !l->closed_c && !l->opaque)
        violation(l, "F11", 0, NULL);
    /* a client that dropped the connection is K4; K5 is a server that ignored the client's close */
    if (how == LOGIN_END_CLOSED && l->closed_c && !l->closed_s && !l->stream_error && !l->opaque &&
        !l->no_xml)
        violation(l, "K5", 0, "the client closed its stream; the server never closed its own");
    if (s->password_in_log)
        violation(l, "L1", l->auth_seq, "the password of '%s' is readable in the server log",
                  s->user ? s->user : "?");
    report_clock_back(l);

    struct session *out = xmalloc(sizeof *out);
    *out = *s;
    memset(s, 0, sizeof *s);
    return out;
}

/* ---- failed authentications across connections (C10) --------------------------------------- */

/*
 * login-spec §3 "Thresholds" gives the brute-force window: K=10 failures within
 * 5 minutes, per authcid or per source address. It gives no number for "many
 * distinct authcids" failing from one source (user enumeration): 5 distinct users
 * within the same 5 minutes, half of K, since guessing names shows after fewer
 * tries than guessing one password and a shared address (NAT) rarely has that
 * many different people mistyping at once.
 */
#define WATCH_FAILURES 10
#define WATCH_WINDOW_S 300
#define WATCH_WINDOW ((usec_t)WATCH_WINDOW_S * 1000000)
#define WATCH_USERS 5
/*
 * Bounded memory: each table is set-associative, WATCH_SETS sets of WATCH_WAYS
 * entries; a new key takes an empty way or evicts the way whose latest failure
 * is the oldest. Keys are 64-bit hashes (0: empty).
 */
#define WATCH_SETS 1024
#define WATCH_WAYS 4

/*
 * Sessions are reported when they end, not in the order of their failures: a
 * table keeps twice the threshold of the latest failures, so that one that
 * comes late still finds its neighbours, and a failure counts every window of
 * WATCH_WINDOW that holds it.
 */
#define WATCH_KEEP (2 * WATCH_FAILURES)
#define WATCH_KEEP_USERS (2 * WATCH_USERS)

/* The latest failures of one user or one source: times ascending. */
struct watch_count {
    uint64_t key;
    unsigned n;
    usec_t time[WATCH_KEEP];
};

/* The users that failed from one source: each one's latest failure. */
struct watch_users {
    uint64_t key;
    unsigned n;
    uint64_t user[WATCH_KEEP_USERS];
    usec_t time[WATCH_KEEP_USERS];
};

struct auth_watch {
    struct watch_count count[WATCH_SETS * WATCH_WAYS]; /* users and sources (the hash differs) */
    struct watch_users users[WATCH_SETS * WATCH_WAYS];
};

struct auth_watch *
auth_watch_new(void)
{
    return xcalloc(1, sizeof(struct auth_watch));
}

void
auth_watch_free(struct auth_watch *w)
{
    free(w);
}

/* The hash of |kind| and |n| bytes of |s|, ASCII case folded (ejabberd's nodeprep folds user
 * names); never 0 (an empty entry). */
static uint64_t
watch_hash(char kind, const char *s, size_t n)
{
    struct hash_stream st;
    hash_stream_init(&st, hash_word((unsigned char)kind));
    char folded[64];
    for (size_t at = 0; at < n; at += sizeof folded) {
        size_t k = n - at < sizeof folded ? n - at : sizeof folded;
        for (size_t i = 0; i < k; i++) {
            char c = s[at + i];
            folded[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        hash_stream_add(&st, folded, k);
    }
    uint64_t h = hash_stream_end(&st);
    return h ? h : 1;
}

static size_t
watch_set(uint64_t key)
{
    return (size_t)((key ^ (key >> 29)) & (WATCH_SETS - 1)) * WATCH_WAYS;
}

/*
 * The way for |key| in a set of WATCH_WAYS entries of |size| bytes, each
 * starting with its uint64_t key: its own; else a free one, else the one whose
 * latest failure (|latest|) is the oldest, emptied and given to |key|.
 */
static void *
set_way(void *set, size_t size, uint64_t key, usec_t (*latest)(const void *))
{
    unsigned char *ways = set, *victim = NULL;
    for (size_t i = 0; i < WATCH_WAYS; i++)
        if (*(const uint64_t *)(ways + i * size) == key)
            return ways + i * size;
    for (size_t i = 0; i < WATCH_WAYS && !victim; i++)
        if (!*(const uint64_t *)(ways + i * size))
            victim = ways + i * size;
    if (!victim) {
        victim = ways;
        for (size_t i = 1; i < WATCH_WAYS; i++)
            if (latest(ways + i * size) < latest(victim))
                victim = ways + i * size;
    }
    memset(victim, 0, size);
    memcpy(victim, &key, sizeof key);
    return victim;
}

/* Times ascending: the last one. */
static usec_t
count_latest(const void *entry)
{
    const struct watch_count *e = entry;
    return e->time[e->n - 1];
}

static struct watch_count *
count_entry(struct auth_watch *w, uint64_t key)
{
    return set_way(&w->count[watch_set(key)], sizeof(struct watch_count), key, count_latest);
}

/*
 * The most failures among |time| (|n|, ascending) that one window of
 * WATCH_WINDOW holding |t| contains; |t| itself is one of them when |with_t|,
 * else it is counted on top.
 */
static unsigned
in_window(const usec_t *time, unsigned n, usec_t t, bool with_t)
{
    unsigned best = 0, hi = 0;
    usec_t start = t - WATCH_WINDOW;
    if (!with_t) {
        /* older than every kept one: the window that starts at |t| */
        for (hi = 0; hi < n && time[hi] - t <= WATCH_WINDOW; hi++)
            ;
        return hi + 1;
    }
    for (unsigned lo = 0; lo < n && time[lo] <= t; lo++) {
        if (time[lo] < start)
            continue;
        if (hi < lo)
            hi = lo;
        while (hi < n && time[hi] - time[lo] <= WATCH_WINDOW)
            hi++;
        if (hi - lo > best)
            best = hi - lo;
    }
    return best;
}

/* Records a failure at |t|; returns the most failures one window holding it contains. */
static unsigned
count_add(struct auth_watch *w, uint64_t key, usec_t t)
{
    struct watch_count *e = count_entry(w, key);
    if (e->n == WATCH_KEEP) {
        if (t <= e->time[0])
            return in_window(e->time, e->n, t, false);             /* older than every kept one */
        memmove(e->time, e->time + 1, --e->n * sizeof e->time[0]); /* forget the oldest */
    }
    unsigned i = e->n++;
    for (; i > 0 && e->time[i - 1] > t; i--)
        e->time[i] = e->time[i - 1];
    e->time[i] = t;
    return in_window(e->time, e->n, t, true);
}

static usec_t
users_latest(const void *entry)
{
    const struct watch_users *e = entry;
    usec_t latest = e->time[0];
    for (unsigned j = 1; j < e->n; j++)
        if (e->time[j] > latest)
            latest = e->time[j];
    return latest;
}

static struct watch_users *
users_entry(struct auth_watch *w, uint64_t key)
{
    return set_way(&w->users[watch_set(key)], sizeof(struct watch_users), key, users_latest);
}

/* Records that |user| failed from source |key| at |t|; returns the most distinct users one window
 * holding it contains. */
static unsigned
users_add(struct auth_watch *w, uint64_t key, uint64_t user, usec_t t)
{
    struct watch_users *e = users_entry(w, key);
    unsigned me = e->n;
    for (unsigned i = 0; i < e->n; i++)
        if (e->user[i] == user)
            me = i;
    if (me < e->n) {
        if (e->time[me] > t)
            t = e->time[me]; /* this user's latest failure stands for it */
    } else if (e->n < WATCH_KEEP_USERS) {
        e->n++;
    } else {
        /* full: the user whose latest failure is the oldest makes room */
        me = 0;
        for (unsigned i = 1; i < e->n; i++)
            if (e->time[i] < e->time[me])
                me = i;
        if (e->time[me] > t)
            return 1; /* older than every kept user (a session reported late) */
    }
    e->user[me] = user;
    e->time[me] = t;
    usec_t sorted[WATCH_KEEP_USERS];
    for (unsigned i = 0; i < e->n; i++) {
        unsigned j = i;
        for (; j > 0 && sorted[j - 1] > e->time[i]; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = e->time[i];
    }
    return in_window(sorted, e->n, t, true);
}

/* True for the failure conditions that say the credentials were wrong (login-spec §1.4). */
static bool
credential_failure(const char *condition)
{
    static const char *const not_credentials[] = {
        "aborted",
        "encryption-required",
        "incorrect-encoding",
        "invalid-mechanism",
        "malformed-request",
        "mechanism-too-weak",
        "temporary-auth-failure",
        /* jabber:iq:auth errors about the request rather than the password (XEP-0078 §3) */
        "not-acceptable",
        "conflict",
        "bad-request",
        "service-unavailable",
        "feature-not-implemented",
    };
    if (!condition)
        return true; /* a server log's verdict: wrong password and unknown user read the same */
    for (size_t i = 0; i < sizeof not_credentials / sizeof not_credentials[0]; i++)
        if (strcmp(condition, not_credentials[i]) == 0)
            return false;
    return true; /* not-authorized, and any unknown condition is read as it (§1.4) */
}

/*
 * The source address of the session: the connection's client without its
 * port, else the address of the log's auth line; *|src| NULL when neither.
 * An IPv4-mapped IPv6 address (ejabberd logs ::FFFF:192.0.2.3) is its IPv4
 * address.
 */
static void
session_source(const struct login *l, const char **src, const char **src_end)
{
    const char *a = l->s.client, *e = NULL;
    if (a && a[0] == '[') {
        a++;
        e = strchr(a, ']');
    } else if (a) {
        e = strrchr(a, ':');
    }
    if (!e) {
        a = l->auth_ip;
        e = a ? a + strlen(a) : NULL;
    }
    if (a && e - a > 7 && strncasecmp(a, "::ffff:", 7) == 0 && memchr(a, '.', (size_t)(e - a)))
        a += 7;
    *src = e ? a : NULL;
    *src_end = e;
}

void
login_watch_failures(struct login *l, struct auth_watch *w)
{
    if (!l->nfailures || !w)
        return;
    struct session *s = &l->s;
    const char *src, *src_end;
    session_source(l, &src, &src_end);
    bool reported = false;
    for (size_t i = 0; i < l->nfailures; i++) {
        const struct failure *f = &l->failures[i];
        const struct attempt *a = &s->auth.attempts[f->attempt];
        if (!credential_failure(a->condition))
            continue;
        const char *user = a->has_credentials && a->credentials.authcid && *a->credentials.authcid
                               ? a->credentials.authcid
                               : s->user;
        size_t user_len = user ? localpart_len(user) : 0;
        unsigned by_user = 0, by_src = 0, users = 0;
        uint64_t user_key = user_len ? watch_hash('u', user, user_len) : 0;
        if (user_key)
            by_user = count_add(w, user_key, f->time);
        if (src) {
            uint64_t src_key = watch_hash('s', src, (size_t)(src_end - src));
            by_src = count_add(w, src_key, f->time);
            if (user_key)
                users = users_add(w, src_key, user_key, f->time);
        }
        if (reported)
            continue; /* one finding per session; its later failures still count */
        int src_len = src ? (int)(src_end - src) : 0;
        if (by_user >= WATCH_FAILURES) {
            violation(l, "C10", f->seq,
                      "auth-bruteforce: %u failed authentications for user '%.*s' within %d s "
                      "(threshold %d)",
                      by_user, (int)user_len, user, WATCH_WINDOW_S, WATCH_FAILURES);
            reported = true;
        } else if (by_src >= WATCH_FAILURES) {
            violation(l, "C10", f->seq,
                      "auth-bruteforce: %u failed authentications from %.*s within %d s "
                      "(threshold %d)",
                      by_src, src_len, src, WATCH_WINDOW_S, WATCH_FAILURES);
            reported = true;
        } else if (users >= WATCH_USERS) {
            violation(l, "C10", f->seq,
                      "user-enumeration: %u distinct users failed to authenticate from %.*s "
                      "within %d s (threshold %d)",
                      users, src_len, src, WATCH_WINDOW_S, WATCH_USERS);
            reported = true;
        }
    }
}

/* ---- streams across connections (F10, K8) ------------------------------------------------- */

/*
 * F10 pairs two connections: the one whose stream management session was
 * resumed elsewhere (the server ends it with a <conflict/> stream error) and
 * the one that resumed it (<resumed previd>), in whichever order they end.
 * K8 counts, per source address, the connections in a row that the server
 * sent elsewhere with see-other-host (RFC 6120 §4.9.3.19: clients stop after
 * a few); another ending from that source, or a pause longer than
 * REDIRECT_GAP, starts the count again. Both tables are direct mapped by a
 * hash of the key (0: empty); a collision replaces the older entry.
 */
#define STREAM_WATCH_SLOTS 4096
#define REDIRECTS_FOLLOWED 5
#define REDIRECT_GAP ((usec_t)60 * 1000000)

struct stream_watch {
    struct sm_slot {
        uint64_t key;
        bool conflict; /* false: the resume was seen first */
        unsigned session;
    } sm[STREAM_WATCH_SLOTS];
    struct redirect_slot {
        uint64_t key;
        usec_t last;
        unsigned run;
    } redirects[STREAM_WATCH_SLOTS];
};

struct stream_watch *
stream_watch_new(void)
{
    return xcalloc(1, sizeof(struct stream_watch));
}

void
stream_watch_free(struct stream_watch *w)
{
    free(w);
}

static void
watch_sm(struct login *l, struct stream_watch *w)
{
    bool conflict = l->server_error && strcmp(l->server_error, "conflict") == 0 && l->sm_id;
    const char *id = conflict ? l->sm_id : l->resumed_from;
    if (!id || !*id)
        return;
    uint64_t key = watch_hash('m', id, strlen(id)) | 1;
    struct sm_slot *e = &w->sm[key % STREAM_WATCH_SLOTS];
    if (e->key == key && e->conflict != conflict) {
        if (conflict)
            violation(l, "F10", l->server_error_seq,
                      "stream management session '%s' was resumed on another connection "
                      "(session %u): the server closed this stream with <conflict/>",
                      id, e->session);
        else
            violation(l, "F10", l->resumed_seq,
                      "this resumption replaced stream management session '%s': the server "
                      "closed that stream (session %u) with <conflict/>",
                      id, e->session);
        e->key = 0;
        return;
    }
    e->key = key;
    e->conflict = conflict;
    e->session = l->s.id;
}

static void
watch_redirects(struct login *l, struct stream_watch *w)
{
    const char *src, *src_end;
    session_source(l, &src, &src_end);
    if (!src)
        return;
    size_t n = (size_t)(src_end - src);
    uint64_t key = watch_hash('r', src, n) | 1;
    struct redirect_slot *e = &w->redirects[key % STREAM_WATCH_SLOTS];
    bool redirected = l->server_error && strcmp(l->server_error, "see-other-host") == 0;
    if (!redirected) {
        if (e->key == key)
            e->key = 0;
        return;
    }
    usec_t t = l->server_error_time;
    if (e->key == key && t - e->last <= REDIRECT_GAP && t >= e->last - REDIRECT_GAP) {
        e->run++;
    } else {
        e->key = key;
        e->run = 1;
    }
    if (t > e->last || e->run == 1)
        e->last = t;
    if (e->run > REDIRECTS_FOLLOWED)
        violation(l, "K8", l->server_error_seq,
                  "%u see-other-host redirects in a row for %.*s, at most %d s apart", e->run,
                  (int)(n < 64 ? n : 64), src, (int)(REDIRECT_GAP / 1000000));
}

void
login_watch_streams(struct login *l, struct stream_watch *w)
{
    if (!w)
        return;
    watch_sm(l, w);
    watch_redirects(l, w);
}
