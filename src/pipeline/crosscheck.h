/*
 * crosscheck: the checks that look across connections, with their tables: failed
 * authentications (C10), stream management sessions resumed elsewhere (F10),
 * redirect loops (K8), and the JID of a resumed session (XEP-0198 §5: a
 * resumption binds no resource; its JID is the one of the session it resumed).
 * Each connection is judged once, when it ends, in the order the connections
 * end: by the analyzer in one process, by the merge (merge.h) with -j.
 */
#ifndef XMPPFLOW_CROSSCHECK_H
#define XMPPFLOW_CROSSCHECK_H

#include "login.h"

struct crosscheck;

struct crosscheck *crosscheck_new(void);
/* NULL is fine. */
void crosscheck_free(struct crosscheck *cc);

/*
 * Judges the connection whose login gave |f|, session |id|: fills |v| (empty
 * on entry; cross_verdict_clear() frees it) and remembers what later
 * connections are judged against.
 */
void crosscheck_judge(struct crosscheck *cc, const struct cross_facts *f, unsigned id,
                      struct cross_verdict *v);

#endif
