/* session: the records of a login: freeing them, and the names the report spells. */
#include <config.h>
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Names. Indexed by the enum value; the report.schema.json enums list the
 * same spellings. Values outside the table are bugs; they print as
 * "unknown" rather than crash a writer.
 */

static const char *const transport_names[] = {
    [TRANSPORT_TCP] = "tcp",
    [TRANSPORT_TLS] = "tls",
    [TRANSPORT_BOSH] = "bosh",
    [TRANSPORT_WEBSOCKET] = "websocket",
    [TRANSPORT_HTTPS] = "https",
};

static const char *const outcome_names[] = {
    [OUTCOME_ESTABLISHED] = "established",
    [OUTCOME_REGISTERED] = "registered",
    [OUTCOME_AUTH_FAILED] = "auth-failed",
    [OUTCOME_ABORTED] = "aborted",
    [OUTCOME_ERROR] = "error",
    [OUTCOME_INCOMPLETE] = "incomplete",
    [OUTCOME_OPAQUE] = "opaque",
};

static const char *const auth_result_names[] = {
    [AUTH_NONE] = "none",
    [AUTH_SUCCESS] = "success",
    [AUTH_FAILURE] = "failure",
};

static const char *const phase_names[] = {
    [PHASE_NONE] = NULL,
    [PHASE_CONNECT] = "CONNECT",
    [PHASE_STREAM] = "STREAM",
    [PHASE_TLS] = "TLS",
    [PHASE_REGISTER] = "REGISTER",
    [PHASE_AUTH] = "AUTH",
    [PHASE_COMPRESS] = "COMPRESS",
    [PHASE_BIND] = "BIND",
    [PHASE_SESSION] = "SESSION",
    [PHASE_SM] = "SM",
    [PHASE_ESTABLISHED] = "ESTABLISHED",
    [PHASE_CLOSE] = "CLOSE",
    [PHASE_ERROR] = "ERROR",
};

static const char *const severity_names[] = {
    [SEV_INFO] = "info",
    [SEV_WARNING] = "warning",
    [SEV_ERROR] = "error",
};

static const char *
lookup(const char *const *names, size_t n, unsigned v, const char *fallback)
{
    return v < n ? names[v] : fallback;
}

const char *
transport_name(enum transport t)
{
    return lookup(transport_names, NELEMS(transport_names), (unsigned)t, "unknown");
}

const char *
outcome_name(enum outcome o)
{
    return lookup(outcome_names, NELEMS(outcome_names), (unsigned)o, "unknown");
}

const char *
auth_result_name(enum auth_result r)
{
    return lookup(auth_result_names, NELEMS(auth_result_names), (unsigned)r, "unknown");
}

const char *
phase_name(enum phase p)
{
    return lookup(phase_names, NELEMS(phase_names), (unsigned)p, NULL);
}

const char *
severity_name(enum severity s)
{
    return lookup(severity_names, NELEMS(severity_names), (unsigned)s, "unknown");
}

static void
free_secret(char *s)
{
    if (!s)
        return;
    /* A password should not outlive its record in freed heap memory. */
    volatile char *p = s;
    while (*p)
        *p++ = '\0';
    free(s);
}

struct connection *
session_add_connection(struct session *s, const char *key)
{
    s->connections = xreallocarray(s->connections, s->nconnections + 1, sizeof *s->connections);
    struct connection *k = &s->connections[s->nconnections++];
    k->key = xstrdup(key);
    k->client = k->server = NULL;
    return k;
}

void
session_connection_endpoints(struct session *s, const char *client, const char *server)
{
    if (!s->nconnections)
        return;
    struct connection *k = &s->connections[s->nconnections - 1];
    free(k->client);
    free(k->server);
    k->client = client ? xstrdup(client) : NULL;
    k->server = server ? xstrdup(server) : NULL;
}

void
session_log_line(struct session *s, const char *input, long line)
{
    s->last_line = line;
    const char *now = s->last_input ? s->last_input : s->input;
    if (input && (!now || strcmp(now, input) != 0)) {
        free(s->last_input);
        s->last_input = xstrdup(input); /* the first line of another file of its set */
    }
}

void
session_clear(struct session *s)
{
    if (!s)
        return;
    free(s->input);
    free(s->client);
    free(s->server);
    for (size_t i = 0; i < s->nconnections; i++) {
        free(s->connections[i].key);
        free(s->connections[i].client);
        free(s->connections[i].server);
    }
    free(s->connections);
    free(s->domain);
    free(s->user);
    free(s->jid);
    for (size_t i = 0; i < s->auth.noffered; i++)
        free(s->auth.offered[i]);
    free(s->auth.offered);
    free(s->auth.mechanism);
    for (size_t i = 0; i < s->auth.nattempts; i++) {
        struct attempt *a = &s->auth.attempts[i];
        free(a->mechanism);
        free(a->condition);
        free(a->credentials.authzid);
        free(a->credentials.authcid);
        free_secret(a->credentials.password);
    }
    free(s->auth.attempts);
    for (size_t i = 0; i < s->nphases; i++) {
        free(s->phases[i].event);
        free(s->phases[i].summary);
    }
    free(s->phases);
    for (size_t i = 0; i < s->nviolations; i++)
        free(s->violations[i].message);
    free(s->violations);
    free(s->violations_dropped);
    free(s->log_pid);
    free(s->log_receiver);
    free(s->decryption.opaque_reason);
    free(s->log_node);
    free(s->last_input);
    free(s->correlated.capture);
    free(s->correlated.log);
    memset(s, 0, sizeof(*s));
}

