/* phase: element → login event and phase (login-spec §1.2; RFC 6120, XEP-0077/0078/0138/0198/0388). */
#include <config.h>
#include "phase.h"

#include <string.h>

#include "buf.h"
#include "utf8.h"
#include "xalloc.h"

/* Event names (login-spec §1.2) and the phase each belongs to. */
static const struct event_info {
    const char *name;
    enum phase phase;
} event_info[EV__COUNT] = {
    [EV_NONE] = {"none", PHASE_NONE},
    [EV_STREAM_OPEN] = {"stream-open", PHASE_STREAM},
    [EV_STREAM_RESTART] = {"stream-restart", PHASE_STREAM},
    [EV_FEATURES] = {"features", PHASE_STREAM},
    [EV_STREAM_CLOSE] = {"stream-close", PHASE_CLOSE},
    [EV_STREAM_ERROR] = {"stream-error", PHASE_ERROR},
    [EV_STARTTLS] = {"starttls", PHASE_TLS},
    [EV_PROCEED] = {"proceed", PHASE_TLS},
    [EV_STARTTLS_FAILURE] = {"starttls-failure", PHASE_TLS},
    [EV_TLS_ESTABLISHED] = {"tls-established", PHASE_TLS},
    [EV_AUTH] = {"auth", PHASE_AUTH},
    [EV_CHALLENGE] = {"challenge", PHASE_AUTH},
    [EV_RESPONSE] = {"response", PHASE_AUTH},
    [EV_ABORT] = {"abort", PHASE_AUTH},
    [EV_FAILURE] = {"failure", PHASE_AUTH},
    [EV_SUCCESS] = {"success", PHASE_AUTH},
    [EV_REGISTER_GET] = {"register-get", PHASE_REGISTER},
    [EV_REGISTER_SET] = {"register-set", PHASE_REGISTER},
    [EV_REGISTER_RESULT] = {"register-result", PHASE_REGISTER},
    [EV_REGISTER_ERROR] = {"register-error", PHASE_REGISTER},
    [EV_LEGACY_AUTH_GET] = {"legacy-auth-get", PHASE_AUTH},
    [EV_LEGACY_AUTH_SET] = {"legacy-auth-set", PHASE_AUTH},
    [EV_LEGACY_AUTH_RESULT] = {"legacy-auth-result", PHASE_AUTH},
    [EV_LEGACY_AUTH_ERROR] = {"legacy-auth-error", PHASE_AUTH},
    [EV_REGISTER_FORM] = {"register-result", PHASE_REGISTER},
    [EV_LEGACY_AUTH_FORM] = {"legacy-auth-result", PHASE_AUTH},
    [EV_COMPRESS] = {"compress", PHASE_COMPRESS},
    [EV_COMPRESSED] = {"compressed", PHASE_COMPRESS},
    [EV_COMPRESS_FAILURE] = {"compress-failure", PHASE_COMPRESS},
    [EV_BIND] = {"bind", PHASE_BIND},
    [EV_BIND_RESULT] = {"bind-result", PHASE_BIND},
    [EV_BIND_ERROR] = {"bind-error", PHASE_BIND},
    [EV_SESSION] = {"session", PHASE_SESSION},
    [EV_SESSION_RESULT] = {"session-result", PHASE_SESSION},
    [EV_SESSION_ERROR] = {"session-error", PHASE_SESSION},
    [EV_SM_ENABLE] = {"sm-enable", PHASE_SM},
    [EV_SM_ENABLED] = {"sm-enabled", PHASE_SM},
    [EV_SM_FAILED] = {"sm-failed", PHASE_SM},
    [EV_SM_RESUME] = {"sm-resume", PHASE_SM},
    [EV_SM_RESUMED] = {"sm-resumed", PHASE_SM},
    [EV_SM_REQUEST] = {"sm-request", PHASE_ESTABLISHED},
    [EV_SM_ACK] = {"sm-ack", PHASE_ESTABLISHED},
    [EV_SASL2_AUTHENTICATE] = {"sasl2-authenticate", PHASE_AUTH},
    [EV_SASL2_CHALLENGE] = {"sasl2-challenge", PHASE_AUTH},
    [EV_SASL2_RESPONSE] = {"sasl2-response", PHASE_AUTH},
    [EV_SASL2_CONTINUE] = {"sasl2-continue", PHASE_AUTH},
    [EV_SASL2_NEXT] = {"sasl2-next", PHASE_AUTH},
    [EV_SASL2_TASK_DATA] = {"sasl2-task-data", PHASE_AUTH},
    [EV_SASL2_SUCCESS] = {"sasl2-success", PHASE_AUTH},
    [EV_SASL2_FAILURE] = {"sasl2-failure", PHASE_AUTH},
    [EV_SASL2_ABORT] = {"sasl2-abort", PHASE_AUTH},
    [EV_STANZA_MESSAGE] = {"stanza:message", PHASE_ESTABLISHED},
    [EV_STANZA_PRESENCE] = {"stanza:presence", PHASE_ESTABLISHED},
    [EV_STANZA_IQ] = {"stanza:iq", PHASE_ESTABLISHED},
    [EV_IQ_RESULT] = {"stanza:iq", PHASE_ESTABLISHED},
    [EV_IQ_ERROR] = {"stanza:iq", PHASE_ESTABLISHED},
    [EV_CSI_ACTIVE] = {"csi-active", PHASE_ESTABLISHED},
    [EV_CSI_INACTIVE] = {"csi-inactive", PHASE_ESTABLISHED},
    [EV_OTHER] = {"other", PHASE_NONE},
    [EV_TCP_OPEN] = {"tcp-open", PHASE_CONNECT},
    [EV_TLS_CLIENT_HELLO] = {"tls-client-hello", PHASE_TLS},
    [EV_TLS_ALERT] = {"tls-alert", PHASE_TLS},
    [EV_TCP_FIN] = {"tcp-fin", PHASE_CLOSE},
    [EV_TCP_RST] = {"tcp-rst", PHASE_CLOSE},
    [EV_GAP] = {"gap", PHASE_NONE},
    [EV_LOG_AUTH_OK] = {"log-auth-ok", PHASE_AUTH},
    [EV_LOG_AUTH_FAIL] = {"log-auth-fail", PHASE_AUTH},
    [EV_LOG_ACCEPTED] = {"log-accepted", PHASE_CONNECT},
    [EV_LOG_REGISTERED] = {"log-registered", PHASE_REGISTER},
    [EV_LOG_SESSION] = {"log-session-opened", PHASE_BIND},
    [EV_LOG_CLOSED] = {"log-closed", PHASE_CLOSE},
    [EV_XML_ERROR] = {"xml-error", PHASE_NONE},
    [EV_OVERSIZE] = {"oversize-element", PHASE_NONE},
    [EV_WS_UPGRADE] = {"ws-upgrade", PHASE_CONNECT},
    [EV_WS_CLOSE_FRAME] = {"ws-close-frame", PHASE_CLOSE},
    [EV_WS_ERROR] = {"ws-error", PHASE_NONE},
};

/*
 * Non-iq top-level elements: (namespace, name, direction) → event. Direction
 * '*' matches both; the first matching row wins.
 */
static const struct element_rule {
    const char *ns;
    const char *name;
    char dir;
    enum event event;
} element_rules[] = {
    {NS_STREAM, "features", '*', EV_FEATURES},     /* RFC 6120 §4.3.2 */
    {NS_STREAM, "error", '*', EV_STREAM_ERROR},    /* RFC 6120 §4.9 */
    {NS_TLS, "starttls", '*', EV_STARTTLS},        /* RFC 6120 §5.4.2.1 */
    {NS_TLS, "proceed", '*', EV_PROCEED},          /* RFC 6120 §5.4.2.3 */
    {NS_TLS, "failure", '*', EV_STARTTLS_FAILURE}, /* RFC 6120 §5.4.2.2 */
    {NS_SASL, "auth", '*', EV_AUTH},               /* RFC 6120 §6.4.2 */
    {NS_SASL, "challenge", '*', EV_CHALLENGE},     /* RFC 6120 §6.4.3 */
    {NS_SASL, "response", '*', EV_RESPONSE},       /* RFC 6120 §6.4.3 */
    {NS_SASL, "abort", '*', EV_ABORT},             /* RFC 6120 §6.4.4 */
    {NS_SASL, "failure", '*', EV_FAILURE},         /* RFC 6120 §6.4.5 */
    {NS_SASL, "success", '*', EV_SUCCESS},         /* RFC 6120 §6.4.6 */
    {NS_COMPRESS, "compress", '*', EV_COMPRESS},   /* XEP-0138 §2 */
    {NS_COMPRESS, "compressed", '*', EV_COMPRESSED},
    {NS_COMPRESS, "failure", '*', EV_COMPRESS_FAILURE},
    {NS_SM3, "enable", '*', EV_SM_ENABLE}, /* XEP-0198 §3 */
    {NS_SM3, "enabled", '*', EV_SM_ENABLED},
    {NS_SM3, "failed", '*', EV_SM_FAILED},
    {NS_SM3, "resume", '*', EV_SM_RESUME}, /* XEP-0198 §5 */
    {NS_SM3, "resumed", '*', EV_SM_RESUMED},
    {NS_SM3, "r", '*', EV_SM_REQUEST}, /* XEP-0198 §4 */
    {NS_SM3, "a", '*', EV_SM_ACK},
    {NS_SM2, "enable", '*', EV_SM_ENABLE},
    {NS_SM2, "enabled", '*', EV_SM_ENABLED},
    {NS_SM2, "failed", '*', EV_SM_FAILED},
    {NS_SM2, "resume", '*', EV_SM_RESUME},
    {NS_SM2, "resumed", '*', EV_SM_RESUMED},
    {NS_SM2, "r", '*', EV_SM_REQUEST},
    {NS_SM2, "a", '*', EV_SM_ACK},
    {NS_SASL2, "authenticate", '*', EV_SASL2_AUTHENTICATE}, /* XEP-0388 §2.3 */
    {NS_SASL2, "challenge", '*', EV_SASL2_CHALLENGE},
    {NS_SASL2, "response", '*', EV_SASL2_RESPONSE},
    {NS_SASL2, "continue", '*', EV_SASL2_CONTINUE},
    {NS_SASL2, "next", '*', EV_SASL2_NEXT},
    {NS_SASL2, "task-data", '*', EV_SASL2_TASK_DATA},
    {NS_SASL2, "success", '*', EV_SASL2_SUCCESS},
    {NS_SASL2, "failure", '*', EV_SASL2_FAILURE},
    {NS_SASL2, "abort", '*', EV_SASL2_ABORT},
    {NS_CSI, "active", 'C', EV_CSI_ACTIVE},
    {NS_CSI, "inactive", 'C', EV_CSI_INACTIVE},
    {NS_CLIENT, "message", '*', EV_STANZA_MESSAGE},
    {NS_CLIENT, "presence", '*', EV_STANZA_PRESENCE},
    {NS_FRAMING, "close", '*', EV_STREAM_CLOSE}, /* RFC 7395 §3.6 */
};

/* Client iq requests by payload: (type, payload ns, payload name) → event. */
static const struct iq_rule {
    const char *type;
    const char *ns;
    const char *name;
    enum event event;
} iq_rules[] = {
    {"get", NS_IQ_REGISTER, "query", EV_REGISTER_GET},  /* XEP-0077 §3.1 */
    {"set", NS_IQ_REGISTER, "query", EV_REGISTER_SET},  /* XEP-0077 §3.1, §3.3 */
    {"get", NS_IQ_AUTH, "query", EV_LEGACY_AUTH_GET},   /* XEP-0078 §3.1 */
    {"set", NS_IQ_AUTH, "query", EV_LEGACY_AUTH_SET},   /* XEP-0078 §3.1 */
    {"set", NS_BIND, "bind", EV_BIND},                  /* RFC 6120 §7.6.1 */
    {"set", NS_SESSION, "session", EV_SESSION},         /* RFC 3921 §3 */
};

/* Events whose report name carries a detail in parentheses. */
static bool
event_takes_detail(enum event ev)
{
    switch (ev) {
    case EV_STREAM_ERROR:
    case EV_AUTH:
    case EV_FAILURE:
    case EV_REGISTER_ERROR:
    case EV_LEGACY_AUTH_ERROR:
    case EV_COMPRESS_FAILURE:
    case EV_BIND_ERROR:
    case EV_SESSION_ERROR:
    case EV_SM_FAILED:
    case EV_SASL2_AUTHENTICATE:
    case EV_SASL2_NEXT:
    case EV_SASL2_FAILURE:
    case EV_LOG_AUTH_OK:
    case EV_LOG_AUTH_FAIL:
        return true;
    default:
        return false;
    }
}

enum phase
event_phase(enum event ev)
{
    return ev < EV__COUNT ? event_info[ev].phase : PHASE_NONE;
}

char *
event_name(enum event ev, const char *detail)
{
    const char *base = ev < EV__COUNT && event_info[ev].name ? event_info[ev].name : "none";
    const char *open = "", *close = "";
    if (ev == EV_OTHER) {
        open = ":";
        detail = detail && *detail ? detail : "?";
    } else if (detail && *detail && event_takes_detail(ev)) {
        open = "(";
        close = ")";
    } else {
        detail = "";
    }
    /* one allocation of the exact size: every phase of every login has a name */
    size_t nb = strlen(base), no = strlen(open), nd = strnlen(detail, EVENT_DETAIL_MAX + 1),
           nc = strlen(close);
    const char *cut = "";
    if (nd > EVENT_DETAIL_MAX) {
        /* an element's name can be as long as the element: a session stores hundreds of these */
        nd = utf8_cut(detail, EVENT_DETAIL_MAX - 3); /* not inside a UTF-8 sequence */
        cut = "...";
    }
    size_t nx = strlen(cut);
    char *out = xmalloc(nb + no + nd + nx + nc + 1);
    memcpy(out, base, nb);
    memcpy(out + nb, open, no);
    for (size_t i = 0; i < nd; i++) {
        char c = detail[i];
        out[nb + no + i] = c == ' ' || c == '\t' || c == '\n' || c == '\r' ? '_' : c;
    }
    memcpy(out + nb + no + nd, cut, nx);
    memcpy(out + nb + no + nd + nx, close, nc + 1);
    return out;
}

const char *
phase_condition(const struct stanza *el)
{
    static const char *const cond_ns[] = {NS_SASL, NS_STREAMS_ERR, NS_STANZAS, NS_COMPRESS,
                                          NS_SASL2};
    const struct stanza *holder = el;
    /* iq errors and stanza errors hold the condition one level down */
    const struct stanza *err = stanza_child(el, "error", NULL);
    if (err && !stanza_is(el, "error", NS_STREAM))
        holder = err;
    for (size_t i = 0; i < holder->nchildren; i++) {
        const struct stanza *c = holder->children[i];
        if (strcmp(c->name, "text") == 0)
            continue;
        for (size_t k = 0; k < sizeof cond_ns / sizeof cond_ns[0]; k++)
            if (c->ns && strcmp(c->ns, cond_ns[k]) == 0)
                return c->name;
    }
    /* XEP-0198 <failed> and odd servers: first non-text child, whatever its namespace */
    for (size_t i = 0; i < holder->nchildren; i++)
        if (strcmp(holder->children[i]->name, "text") != 0)
            return holder->children[i]->name;
    return NULL;
}

static void
classify_iq(char dir, const struct stanza *el, struct classified *out)
{
    const char *type = stanza_attr(el, "type", NULL);
    out->event = EV_STANZA_IQ;
    if (!type)
        return;
    if (strcmp(type, "get") == 0 || strcmp(type, "set") == 0) {
        if (dir != 'C')
            return;
        for (size_t i = 0; i < sizeof iq_rules / sizeof iq_rules[0]; i++)
            if (strcmp(type, iq_rules[i].type) == 0 &&
                stanza_child(el, iq_rules[i].name, iq_rules[i].ns)) {
                out->event = iq_rules[i].event;
                return;
            }
        return;
    }
    if (dir != 'S')
        return;
    if (strcmp(type, "result") == 0) {
        const struct stanza *bind = stanza_child(el, "bind", NS_BIND);
        out->event = bind && stanza_child(bind, "jid", NULL) ? EV_BIND_RESULT : EV_IQ_RESULT;
    } else if (strcmp(type, "error") == 0) {
        out->event = EV_IQ_ERROR;
        out->detail = phase_condition(el);
    }
}

void
phase_of(char dir, const struct stanza *el, struct classified *out)
{
    out->event = EV_OTHER;
    out->detail = el->name;
    if (stanza_is(el, "stream", NS_STREAM) || stanza_is(el, "open", NS_FRAMING)) {
        out->event = EV_STREAM_OPEN;
        out->detail = NULL;
    } else if (stanza_is(el, "iq", NS_CLIENT) || (stanza_is(el, "iq", NULL) && !el->ns)) {
        out->detail = NULL;
        classify_iq(dir, el, out);
    } else {
        for (size_t i = 0; i < sizeof element_rules / sizeof element_rules[0]; i++) {
            const struct element_rule *r = &element_rules[i];
            if ((r->dir == '*' || r->dir == dir) && stanza_is(el, r->name, r->ns)) {
                out->event = r->event;
                out->detail = NULL;
                break;
            }
        }
        switch (out->event) {
        case EV_AUTH:
        case EV_SASL2_AUTHENTICATE:
            out->detail = stanza_attr(el, "mechanism", NULL);
            break;
        case EV_SASL2_NEXT:
            out->detail = stanza_attr(el, "task", NULL);
            break;
        case EV_FAILURE:
        case EV_STREAM_ERROR:
        case EV_COMPRESS_FAILURE:
        case EV_SM_FAILED:
        case EV_SASL2_FAILURE:
            out->detail = phase_condition(el);
            break;
        default:
            break;
        }
    }
    out->phase = event_phase(out->event);
}
