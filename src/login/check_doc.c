/*
 * check_doc: docs/violations.md, written from the table of checks. The page
 * is generated so that it cannot drift from what the tool raises: a row's
 * severity, reference, watched fact and notes are the table's own.
 */
#include <config.h>
#include "checks.h"

#include <stdlib.h>
#include <string.h>

const char *
fact_kind_phrase(enum fact_kind kind)
{
    static const char *const phrases[FACT__COUNT] = {
        [FACT_STEP] = "every step, before its own rules",
        [FACT_MIDSTREAM] = "the input begins inside the stream",
        [FACT_EVENT] = "an element or event",
        [FACT_NEW_ATTEMPT] = "a new SASL attempt",
        [FACT_CLEAR_STEP] = "credentials or a registration password sent",
        [FACT_CREDENTIALS] = "a credential payload read",
        [FACT_MECHANISM_JUDGED] = "the mechanism chosen against the offer",
        [FACT_SERVER_WENT_ON] = "the server answers a credential step",
        [FACT_VERDICT] = "an authentication verdict",
        [FACT_REGISTRATION] = "a registration sent",
        [FACT_WHITESPACE] = "whitespace between elements",
        [FACT_OUT_OF_ORDER] = "a client element the state machine does not expect",
        [FACT_RANK_BACK] = "the client's negotiation goes back a phase",
        [FACT_END] = "the end of the session",
        [FACT_FAILURES_SEEN] = "failed authentications across connections",
        [FACT_SM_REPLACED] = "a stream management session resumed on another connection",
        [FACT_REDIRECTS] = "see-other-host, connection after connection",
        [FACT_WS_ELEMENT] = "an element of a WebSocket-framed stream",
        [FACT_WS_FRAMING] = "a WebSocket message or frame",
    };
    return (unsigned)kind < FACT__COUNT && phrases[kind] ? phrases[kind] : "?";
}

/* Ids sort by group letter, then by number: A2 before A10. */
static int
by_id(const void *a, const void *b)
{
    const struct check *x = *(const struct check *const *)a, *y = *(const struct check *const *)b;
    if (x->id[0] != y->id[0])
        return x->id[0] - y->id[0];
    return atoi(x->id + 1) - atoi(y->id + 1);
}

/* The events a FACT_EVENT row watches, by their report names, each once. */
static void
write_events(FILE *out, const struct check *c)
{
    char *seen[sizeof c->events / sizeof c->events[0]] = {0};
    size_t n = 0;
    for (size_t i = 0; i < sizeof c->events / sizeof c->events[0] && c->events[i] != EV_NONE; i++) {
        char *name = event_name(c->events[i], NULL);
        bool dup = false;
        for (size_t j = 0; j < n; j++)
            dup = dup || strcmp(seen[j], name) == 0;
        if (dup) {
            free(name);
            continue;
        }
        fprintf(out, "%s`%s`", n ? ", " : "", name);
        seen[n++] = name;
    }
    for (size_t j = 0; j < n; j++)
        free(seen[j]);
}

/* The facts a row watches, then the events it narrows them to. */
static void
write_watches(FILE *out, const struct check *c)
{
    if (!c->holds) {
        fputs("—", out);
        return;
    }
    bool events = c->events[0] != EV_NONE, first = true;
    for (int k = 0; k < FACT__COUNT; k++) {
        if (!(c->on & ON(k)) || (k == FACT_EVENT && events))
            continue; /* an event named is the phrase of FACT_EVENT */
        fputs(first ? "" : "; ", out);
        fputs(fact_kind_phrase((enum fact_kind)k), out);
        first = false;
    }
    if (events) {
        fputs(first ? "" : ": ", out);
        write_events(out, c);
    }
}

static const char *
seen_word(unsigned how)
{
    switch (how) {
    case SEEN_CAPTURE | SEEN_LOG:
        return "yes";
    case SEEN_LOG:
        return "log";
    case SEEN_CAPTURE:
        return "capture";
    default:
        return "—";
    }
}

static const char intro[] =
    "# Violation ids: what xmppflow reports\n"
    "\n"
    "<!-- Generated from the table of checks (src/login/check_table.c) by\n"
    "     tools/violations-doc: do not edit. `make update-violations-doc` rewrites it;\n"
    "     tests/e2e/violations-doc.sh fails when it is not what the table says. -->\n"
    "\n"
    "Every finding xmppflow prints carries an id from §3 of the login spec\n"
    "(`login-spec.md`, in `shared/spec/` next to the project checkout). Each id is\n"
    "one row of the table of checks: its severity, its reference, what it watches and\n"
    "its predicate. The state machine raises facts (a step, an element, a\n"
    "credential read, a verdict, the end of the session, ...); the rows that watch\n"
    "a fact decide whether it breaks their rule. This page lists every row by id.\n"
    "\n";

static const char legend[] =
    "- **spec**: the spec's five levels; **report**: the report's three (critical and\n"
    "  high → `error`, medium and low → `warning`, info → `info`). Where the tool\n"
    "  reports some cases at another level, the notes say which.\n"
    "- **reference**: the spec's citation, documents spelled out. The report's `ref`\n"
    "  may be shorter. [M] and [D] are the spec's marks (from memory; from a\n"
    "  secondary source): see \"References checked\" below.\n"
    "- **watches**: the fact the row is asked about; `names` are the report's event\n"
    "  names.\n"
    "- **tcp**, **tls** (direct TLS, XEP-0368), **bosh**, **ws** (WebSocket): whether\n"
    "  the inputs xmppflow reads today can show it on that transport: `yes` (a\n"
    "  capture and an ejabberd debug log), `log` (a debug log only: a capture is\n"
    "  opaque there, or not read), `capture` (a capture only), `—` (not\n"
    "  observable). A capture sees plain TCP until TLS starts, and of TLS only the\n"
    "  handshake; WebSocket in clear (ws://) whole, its frames and the framing\n"
    "  itself (the J rows); an ejabberd debug log sees both directions of TCP,\n"
    "  TLS and WebSocket streams (WebSocket with stream headers in place of\n"
    "  `<open/>`), and of BOSH only what the server sends.\n"
    "\n";

static const char references[] =
    "\n## References checked\n"
    "\n"
    "The spec marks some citations [M] (from memory) or [D] (from a secondary\n"
    "source). Those cited in the rows above were checked against the RFC text\n"
    "(or, where only that was at hand, against excerpts quoting it):\n"
    "\n"
    "| citation | row | result |\n"
    "|---|---|---|\n"
    "| RFC 5802 §9 [M] | B2 | confirmed: §9 (Security Considerations) covers the offline dictionary "
    "attack on an exchange without a strong security layer |\n"
    "| RFC 5802 §6 [M] | C12 | confirmed: §6 (Channel Binding) holds the gs2 flag rules, the server's "
    "duty to fail a `y` flag when it supports channel binding among them |\n"
    "| RFC 5929 [M] | C13 | confirmed: RFC 5929 defines `tls-unique` and `tls-server-end-point` |\n"
    "| RFC 9266 [D] | C13 | confirmed from excerpts only: RFC 9266 defines `tls-exporter` for TLS 1.3 "
    "and updates RFC 5929; `tls-unique` is left undefined for TLS 1.3 |\n"
    "| RFC 6331 [M] | C19 | confirmed: \"Moving DIGEST-MD5 to Historic\" (it obsoletes RFC 2831) |\n"
    "| RFC 7677 §4 [M] | C20 | wrong section: the SHOULD (an iteration count of at least 4096) is in "
    "§3; §4 (Security Considerations) only discusses iteration counts. The report's ref says "
    "\"RFC 7677\" without a section |\n"
    "| RFC 3921 §3 [D] | D13, D15 | confirmed: §3 is Session Establishment |\n"
    "| draft-cridland-xmpp-session-01 [D] | D14, D15 | -00 read: session establishment as an "
    "optional no-op, `<optional/>` as the marker; -01 not at hand |\n"
    "| RFC 6455 §5.1, §5.3 [M] | J11 | confirmed: §5.1 (a client masks every frame, a server "
    "never), §5.3 (client-to-server masking) |\n";

void
checks_write_markdown(FILE *out)
{
    const struct check **rows = malloc(check_table_len * sizeof *rows);
    if (!rows)
        abort();
    size_t seen = 0;
    for (size_t i = 0; i < check_table_len; i++) {
        rows[i] = &check_table[i];
        seen += check_table[i].holds != NULL;
    }
    qsort(rows, check_table_len, sizeof *rows, by_id);
    fputs(intro, out);
    fprintf(out, "**Raised: %zu · not observable yet: %zu · total: %zu**\n\n", seen,
            check_table_len - seen, check_table_len);
    fputs(legend, out);
    fputs("| id | name | spec | report | reference | watches | tcp | tls | bosh | ws | notes |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|\n",
          out);
    for (size_t i = 0; i < check_table_len; i++) {
        const struct check *c = rows[i];
        fprintf(out, "| %s | `%s` | %s | %s | %s | ", c->id, c->name, spec_level_name(c->level),
                severity_name(check_severity(c->level)), c->cite);
        write_watches(out, c);
        for (int t = TRANSPORT_TCP; t <= TRANSPORT_WEBSOCKET; t++)
            fprintf(out, " | %s", seen_word(SEEN_HOW(c->seen, t)));
        fprintf(out, " | %s |\n", c->note ? c->note : "");
    }
    fputs(references, out);
    free(rows);
}
