/*
 * check_bosh: the predicates of group I (BOSH, XEP-0124 / XEP-0206). The BOSH
 * layer (src/pipeline/feed_bosh.c) knows rids, sids and HTTP; it raises a
 * FACT_BOSH naming the issue, and each row holds for its own issue.
 */
#include <config.h>
#include "checks.h"

/* The row of |issue| holds for |f|, in the layer's words; the fact's other case (graver or milder) at |other_severity|. */
static bool
bosh_holds(const struct fact *f, enum bosh_issue issue, int other_severity, struct finding *out)
{
    if (f->u.bosh.issue != issue)
        return false;
    if (f->u.bosh.other_case && other_severity >= 0)
        out->severity = other_severity;
    if (f->detail)
        say(out, "%s", f->detail);
    return true;
}

#define BOSH_CHECK(fn, issue, other)                                                              \
    bool fn(const struct login *l, const struct fact *f, struct finding *out)                      \
    {                                                                                              \
        (void)l;                                                                                   \
        return bosh_holds(f, issue, other, out);                                                  \
    }

BOSH_CHECK(check_i1, BOSH_HTTP_MISUSE, -1)
BOSH_CHECK(check_i2, BOSH_INVALID_BODY, -1)
BOSH_CHECK(check_i3, BOSH_RID_MISSING, -1)
BOSH_CHECK(check_i7, BOSH_RID_GAP, -1)
BOSH_CHECK(check_i8, BOSH_RID_OUT_OF_WINDOW, -1)
/* I9: info for an identical resend, high when the body differs (login-spec §3) */
BOSH_CHECK(check_i9, BOSH_RID_REPLAY, SEV_ERROR)
BOSH_CHECK(check_i10, BOSH_RID_WEAK, -1)
BOSH_CHECK(check_i11, BOSH_TOO_MANY_REQUESTS, -1)
BOSH_CHECK(check_i13, BOSH_INACTIVITY_EXCEEDED, -1)
BOSH_CHECK(check_i14, BOSH_PAUSE_INVALID, -1)
BOSH_CHECK(check_i15, BOSH_CREATE_RESPONSE_INVALID, -1)
/* I17: bosh-no-restartlogic is info, a restart body with content low */
BOSH_CHECK(check_i17, BOSH_RESTART, SEV_INFO)
BOSH_CHECK(check_i19, BOSH_INSECURE, -1)
/* I20: medium for policy-violation and item-not-found */
BOSH_CHECK(check_i20, BOSH_TERMINAL, SEV_WARNING)
BOSH_CHECK(check_i21, BOSH_RECOVERABLE_ERROR, -1)
BOSH_CHECK(check_i22, BOSH_HTTP_ERROR, -1)
BOSH_CHECK(check_i23, BOSH_AFTER_TERMINATE, -1)
BOSH_CHECK(check_i25, BOSH_ACK_INCONSISTENT, -1)
