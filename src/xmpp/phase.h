/*
 * phase: classifies one top-level element into a login event and phase
 * (../shared/spec/login-spec.md §1.2). A pure lookup: no state. Pairing a
 * server's iq result with the request it answers needs state, so plain iq
 * results come out as EV_IQ_RESULT / EV_IQ_ERROR and the login (src/login/) names them.
 */
#ifndef XMPPFLOW_PHASE_H
#define XMPPFLOW_PHASE_H

#include "session.h"
#include "stanza.h"

#define NS_STREAM "http://etherx.jabber.org/streams"
#define NS_CLIENT "jabber:client"
#define NS_SERVER "jabber:server"                 /* server-to-server streams (RFC 6120 §4.8.3) */
#define NS_DIALBACK "jabber:server:dialback"      /* XEP-0220 */
#define NS_STREAMS_ERR "urn:ietf:params:xml:ns:xmpp-streams"
#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"
#define NS_IQ_AUTH "jabber:iq:auth"
#define NS_FEAT_IQ_AUTH "http://jabber.org/features/iq-auth"
#define NS_IQ_REGISTER "jabber:iq:register"
#define NS_FEAT_REGISTER "http://jabber.org/features/iq-register"
#define NS_COMPRESS "http://jabber.org/protocol/compress"
#define NS_FEAT_COMPRESS "http://jabber.org/features/compress"
#define NS_SM3 "urn:xmpp:sm:3"
#define NS_SM2 "urn:xmpp:sm:2"
#define NS_SASL2 "urn:xmpp:sasl:2"
#define NS_CSI "urn:xmpp:csi:0"
#define NS_FRAMING "urn:ietf:params:xml:ns:xmpp-framing"

enum event {
    EV_NONE = 0,
    /* stream */
    EV_STREAM_OPEN,
    EV_STREAM_RESTART, /* decided by the login: a later client header */
    EV_FEATURES,
    EV_STREAM_CLOSE,
    EV_STREAM_ERROR,
    /* TLS */
    EV_STARTTLS,
    EV_PROCEED,
    EV_STARTTLS_FAILURE,
    EV_TLS_ESTABLISHED,
    /* SASL (RFC 6120 §6) */
    EV_AUTH,
    EV_CHALLENGE,
    EV_RESPONSE,
    EV_ABORT,
    EV_FAILURE,
    EV_SUCCESS,
    /* XEP-0077, XEP-0078 */
    EV_REGISTER_GET,
    EV_REGISTER_SET,
    EV_REGISTER_RESULT,
    EV_REGISTER_ERROR,
    EV_LEGACY_AUTH_GET,
    EV_LEGACY_AUTH_SET,
    EV_LEGACY_AUTH_RESULT,
    EV_LEGACY_AUTH_ERROR,
    EV_REGISTER_FORM,    /* the answer to a register get: the spec names it register-result too */
    EV_LEGACY_AUTH_FORM, /* the answer to an iq:auth get (field list): legacy-auth-result */
    /* XEP-0138 */
    EV_COMPRESS,
    EV_COMPRESSED,
    EV_COMPRESS_FAILURE,
    /* bind and session */
    EV_BIND,
    EV_BIND_RESULT,
    EV_BIND_ERROR,
    EV_SESSION,
    EV_SESSION_RESULT,
    EV_SESSION_ERROR,
    /* XEP-0198 */
    EV_SM_ENABLE,
    EV_SM_ENABLED,
    EV_SM_FAILED,
    EV_SM_RESUME,
    EV_SM_RESUMED,
    EV_SM_REQUEST,
    EV_SM_ACK,
    /* XEP-0388 */
    EV_SASL2_AUTHENTICATE,
    EV_SASL2_CHALLENGE,
    EV_SASL2_RESPONSE,
    EV_SASL2_CONTINUE,
    EV_SASL2_NEXT,
    EV_SASL2_TASK_DATA,
    EV_SASL2_SUCCESS,
    EV_SASL2_FAILURE,
    EV_SASL2_ABORT,
    /* stanzas */
    EV_STANZA_MESSAGE,
    EV_STANZA_PRESENCE,
    EV_STANZA_IQ,
    EV_IQ_RESULT, /* server iq result not yet paired with its request */
    EV_IQ_ERROR,  /* server iq error not yet paired; detail = condition */
    EV_CSI_ACTIVE,
    EV_CSI_INACTIVE,
    EV_OTHER, /* detail = element name */
    /* transport and input pseudo-events (dir '-') */
    EV_TCP_OPEN,
    EV_TLS_CLIENT_HELLO,
    EV_TLS_ALERT,
    EV_TCP_FIN,
    EV_TCP_RST,
    EV_GAP,
    EV_LOG_AUTH_OK,
    EV_LOG_AUTH_FAIL,
    /* what an info-level log shows of a connection without its XML (login_log_*) */
    EV_LOG_ACCEPTED,   /* "Accepted connection" */
    EV_LOG_REGISTERED, /* "The account U@D was registered" (XEP-0077) */
    EV_LOG_SESSION,    /* "Opened c2s session for JID": bound */
    EV_LOG_CLOSED,     /* "Closing c2s session/connection for JID: reason" */
    EV_XML_ERROR, /* detail = message */
    EV_OVERSIZE,
    /* WebSocket (RFC 6455, RFC 7395), dir '-' */
    EV_WS_UPGRADE,     /* the server accepted the HTTP Upgrade (101) */
    EV_WS_CLOSE_FRAME, /* a close frame (opcode 8) */
    EV_WS_ERROR,       /* a breach of RFC 6455/7692, or frames lost; detail = message */
    EV__COUNT
};

struct classified {
    enum event event;
    enum phase phase;
    /* mechanism, condition or element name for the event's parentheses; NULL when none.
     * Borrowed from the element (or static), valid while the element is. */
    const char *detail;
};

/* Classifies |el|, sent in direction |dir| ('C' or 'S'), into |out|. */
void phase_of(char dir, const struct stanza *el, struct classified *out);

/* The phase of a pseudo or paired event (the phase_of() table's value). */
enum phase event_phase(enum event ev);

/* Longest |detail| in an event name, in bytes ("..." included). */
#define EVENT_DETAIL_MAX 64

/*
 * The report's event name: "auth(PLAIN)", "failure(not-authorized)",
 * "stanza:iq", "other:foo". Returns a new string; whitespace in |detail|
 * becomes '_' so the name stays one token; a longer detail is cut to
 * EVENT_DETAIL_MAX bytes.
 */
char *event_name(enum event ev, const char *detail);

/* Condition child of a <failure/>, <stream:error/>, iq <error/> or sm <failed/>, or NULL. */
const char *phase_condition(const struct stanza *el);

#endif
