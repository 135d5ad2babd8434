/*
 * findings: what a session stores of its steps and violations, within caps.
 *
 * A session of days and millions of stanzas is normal input: its report must
 * not keep one record per element. So a session stores its first
 * PHASES_KEPT phase events and then only counts them (phases_dropped), and
 * stores each violation code at its first VIOLATIONS_PER_CODE steps (and at
 * most VIOLATIONS_KEPT in all, the first of every code always), then counts
 * them per code (violations_dropped). A code hit again at a step where it is
 * stored adds to that violation's count. The state machine still sees every
 * element: only what is stored is bounded, and the work per finding is a
 * look-up among the few stored of its code.
 */
#ifndef XMPPFLOW_FINDINGS_H
#define XMPPFLOW_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

/*
 * Phase events stored per session. A login is 15 to 40 steps (headers,
 * features, STARTTLS, SASL, restart, bind, session, stream management); 512
 * holds one retried a dozen times, with its first few hundred stanzas, while
 * bounding a session's events to about 350 kB at worst (an event's summary is
 * at most ABBREV_MAX, 512 bytes, its name about 100; a usual one is 60 and 20).
 */
#define PHASES_KEPT 512
/*
 * Steps a violation code is stored at: where it started and that it repeats.
 * Above the thresholds of the rules that count repeats on one stream (C9 at 6
 * failed attempts, D10 at 11 failed binds), so the findings that led to one
 * are all listed.
 */
#define VIOLATIONS_PER_CODE 16
/* Violations stored per session, besides the first of each code. */
#define VIOLATIONS_KEPT 128

/* Per session: the stored violations of each code seen. */
struct findings {
    struct code_tally *tally;
    size_t ntally, cap;
};

/* Forgets everything (the session's records are the session's). */
void findings_clear(struct findings *f);

/* True when the next phase event of |s| is stored; else it is only counted (phases_dropped). */
static inline bool
findings_phase_kept(const struct session *s)
{
    return s->nphases < PHASES_KEPT;
}

/*
 * A finding of the rule numbered |rule| (any number below 65536 that names
 * it; |code| its code, NUL-terminated) at step |seq| (0: the whole session)
 * with severity |sev|. Returns:
 *   - a new violation of |s| with code, severity, seq and count 1 set and no
 *     message: the caller fills in message and ref;
 *   - the one stored for this code at this step, with its count (and severity,
 *     if higher) raised and its message set: the caller leaves it;
 *   - NULL: past the caps, counted in s->violations_dropped.
 */
struct violation *findings_add(struct findings *f, struct session *s, unsigned rule, const char *code,
                               enum severity sev, unsigned seq);

#endif
