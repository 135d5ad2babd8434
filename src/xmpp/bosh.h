/*
 * bosh: the <body/> wrapper of BOSH (XEP-0124, XEP-0206), read from the tree
 * the framer made of it. One HTTP body holds one <body/>; the elements inside
 * it are the XMPP stream's, and its attributes carry what a TCP stream says
 * by its header and close: the session's creation (no sid), the restart
 * after SASL (xmpp:restart='true'), the end (type='terminate'), and the
 * request ids (rid) that order the client's bodies across connections.
 */
#ifndef XMPPFLOW_BOSH_H
#define XMPPFLOW_BOSH_H

#include <stdbool.h>
#include <stdint.h>

#include "stanza.h"

#define NS_HTTPBIND "http://jabber.org/protocol/httpbind"
#define NS_XBOSH "urn:xmpp:xbosh"

/* rid never goes past 2^53 - 1 (XEP-0124 §14.1) */
#define BOSH_RID_MAX ((UINT64_C(1) << 53) - 1)

/* The attributes of one <body/>; strings point into the tree. -1: absent. */
struct bosh_body {
    const char *sid;
    bool has_rid, rid_bad;      /* rid present; present but not a number up to BOSH_RID_MAX */
    uint64_t rid;
    const char *type;           /* "terminate", "error", other, or NULL */
    bool terminate;             /* type='terminate' */
    const char *condition;      /* with type='terminate' or 'error' */
    bool restart;               /* xmpp:restart='true' */
    bool restart_logic;         /* xmpp:restartlogic='true' */
    const char *to, *from, *lang, *ver, *xmpp_version, *authid, *content;
    long hold, wait, requests, inactivity, polling, maxpause, pause;
    bool has_ack;
    uint64_t ack;
    const char *key, *newkey;
    size_t nchildren;
};

/*
 * What the BOSH layer sees wrong (login-spec §3 group I); each is one row of
 * the table of checks (src/login/check_bosh.c).
 */
enum bosh_issue {
    BOSH_HTTP_MISUSE = 1,        /* I1: not POST, a wrong Content-Type, pipelining */
    BOSH_INVALID_BODY,           /* I2: not one <body xmlns=httpbind>, malformed, text inside */
    BOSH_RID_MISSING,            /* I3: a request without a usable rid */
    BOSH_RID_GAP,                /* I7: a rid skipped (and never seen, or seen later: reordered) */
    BOSH_RID_OUT_OF_WINDOW,      /* I8: a rid past the window of `requests` */
    BOSH_RID_REPLAY,             /* I9: a rid seen before (a resend if the body is the same) */
    BOSH_RID_WEAK,               /* I10: a small first rid, or one near 2^53 */
    BOSH_TOO_MANY_REQUESTS,      /* I11: more requests waiting than `requests` allows */
    BOSH_INACTIVITY_EXCEEDED,    /* I13: no request waiting for longer than `inactivity` */
    BOSH_PAUSE_INVALID,          /* I14: pause without maxpause, or above it */
    BOSH_CREATE_RESPONSE_INVALID, /* I15: the creation answer lacks or breaks what it must give */
    BOSH_RESTART,                /* I17: a restart body with content; no xmpp:restartlogic */
    BOSH_INSECURE,               /* I19: BOSH over http:// */
    BOSH_TERMINAL,               /* I20: the server ended the session with a condition */
    BOSH_RECOVERABLE_ERROR,      /* I21: type='error' */
    BOSH_HTTP_ERROR,             /* I22: HTTP 400, 403, 404 */
    BOSH_AFTER_TERMINATE,        /* I23: a request for a session already terminated */
    BOSH_ACK_INCONSISTENT,       /* I25: an ack past the highest rid sent */
};

/* True when |el| is a <body/> in the httpbind namespace. */
bool bosh_is_body(const struct stanza *el);
/* Reads |el|'s attributes into |out|. */
void bosh_read_body(const struct stanza *el, struct bosh_body *out);
/*
 * A stream header standing for what |b| opens: the session's creation
 * (client: to, xml:lang, version from xmpp:version; server: from, id from
 * authid) or a restart. The caller frees it (stanza_free).
 */
struct stanza *bosh_stream_header(const struct bosh_body *b, bool from_server);

#endif
