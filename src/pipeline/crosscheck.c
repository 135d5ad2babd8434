/* crosscheck: the checks across connections and the JIDs of resumed sessions. */
#include <config.h>
#include "crosscheck.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Stream management ids of finished sessions remembered, for the JID of a later resumption. */
#define SM_IDS 1024

struct crosscheck {
    struct auth_watch *auth;     /* C10 */
    struct stream_watch *stream; /* F10, K8 */
    struct sm_entry {
        char *id, *jid;
    } sm_ids[SM_IDS]; /* a ring: the oldest is forgotten first */
    size_t sm_next;
};

struct crosscheck *
crosscheck_new(void)
{
    struct crosscheck *cc = xcalloc(1, sizeof *cc);
    cc->auth = auth_watch_new();
    cc->stream = stream_watch_new();
    return cc;
}

void
crosscheck_free(struct crosscheck *cc)
{
    if (!cc)
        return;
    auth_watch_free(cc->auth);
    stream_watch_free(cc->stream);
    for (size_t i = 0; i < SM_IDS; i++) {
        free(cc->sm_ids[i].id);
        free(cc->sm_ids[i].jid);
    }
    free(cc);
}

/*
 * A resumed session binds no resource: its JID is the one of the session it
 * resumed, remembered here by stream management id. Then this session's own
 * id, if it has one, is remembered with its JID.
 */
static void
link_resumption(struct crosscheck *cc, const struct cross_facts *f, struct cross_verdict *v)
{
    const char *jid = f->jid;
    if (f->resumed_from && !jid)
        for (size_t i = 0; i < SM_IDS; i++)
            if (cc->sm_ids[i].id && strcmp(cc->sm_ids[i].id, f->resumed_from) == 0) {
                v->jid = xstrdup(cc->sm_ids[i].jid);
                jid = v->jid;
                break;
            }
    if (f->sm_id && jid) {
        struct sm_entry *e = &cc->sm_ids[cc->sm_next];
        free(e->id);
        free(e->jid);
        e->id = xstrdup(f->sm_id);
        e->jid = xstrdup(jid);
        cc->sm_next = (cc->sm_next + 1) % SM_IDS;
    }
}

void
crosscheck_judge(struct crosscheck *cc, const struct cross_facts *f, unsigned id,
                 struct cross_verdict *v)
{
    cross_watch_failures(cc->auth, f, v);
    cross_watch_streams(cc->stream, f, id, v);
    link_resumption(cc, f, v);
}
