/* watch: what is seen across connections: failed authentications (C10), resumed and redirected streams (F10, K8). */
#include <config.h>
#include "login_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "hash_bytes.h"
#include "xalloc.h"

/* ---- failed authentications across connections (C10) --------------------------------------- */

/*
 * login-spec §3 "Thresholds" gives the brute-force window: K=10 failures within
 * 5 minutes, per authcid or per source address. It gives no number for "many
 * distinct authcids" failing from one source (user enumeration): 5 distinct users
 * within the same 5 minutes, half of K, since guessing names shows after fewer
 * tries than guessing one password and a shared address (NAT) rarely has that
 * many different people mistyping at once.
The thresholds are in checks.h: C10's row judges the counts this file keeps.
 */
#define WATCH_WINDOW ((usec_t)WATCH_WINDOW_S * 1000000)
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
login_cross_facts(const struct login *l, struct cross_facts *f)
{
    memset(f, 0, sizeof *f);
    if (l->s.server_to_server)
        return; /* not a client login: nothing for the checks across client connections */
    const char *src, *src_end;
    session_source(l, &src, &src_end);
    f->source = src;
    f->source_len = src ? (size_t)(src_end - src) : 0;
    const struct session *s = &l->s;
    for (size_t i = 0; i < l->nfailures; i++) {
        const struct failure *fl = &l->failures[i];
        const struct attempt *a = &s->auth.attempts[fl->attempt];
        if (!credential_failure(a->condition))
            continue;
        const char *user = a->has_credentials && a->credentials.authcid && *a->credentials.authcid
                               ? a->credentials.authcid
                               : s->user;
        f->failures = xgrow(f->failures, f->nfailures, sizeof *f->failures);
        f->failures[f->nfailures++] = (struct cross_failure){
            .time = fl->time,
            .seq = fl->seq,
            .user = user,
            .user_len = user ? login_localpart_len(user) : 0,
        };
    }
    f->server_error = l->server_error;
    f->server_error_seq = l->server_error_seq;
    f->server_error_time = l->server_error_time;
    f->sm_id = l->sm_id;
    f->resumed_from = l->resumed_from;
    f->resumed_seq = l->resumed_seq;
    f->jid = s->jid;
}

void
cross_facts_clear(struct cross_facts *f)
{
    free(f->failures);
    memset(f, 0, sizeof *f);
}

void
cross_verdict_add(struct cross_verdict *v, const struct cross_finding *c)
{
    v->found = xgrow(v->found, v->nfound, sizeof *v->found);
    struct cross_finding *to = &v->found[v->nfound++];
    *to = *c;
    for (int i = 0; i < 2; i++)
        to->text[i] = c->text[i] ? xstrndup(c->text[i], c->len[i]) : NULL;
}

void
cross_verdict_clear(struct cross_verdict *v)
{
    for (size_t i = 0; i < v->nfound; i++)
        for (int k = 0; k < 2; k++)
            free(v->found[i].text[k]);
    free(v->found);
    free(v->jid);
    memset(v, 0, sizeof *v);
}

void
login_take_verdict(struct login *l, const struct cross_verdict *v)
{
    bool reported = false; /* C10: one finding per session */
    for (size_t i = 0; i < v->nfound; i++) {
        const struct cross_finding *c = &v->found[i];
        struct fact f = {.seq = c->seq};
        switch (c->kind) {
        case CROSS_FAILURES:
            if (reported)
                continue;
            f.kind = FACT_FAILURES_SEEN;
            f.u.failures.by_user = c->n[0];
            f.u.failures.by_src = c->n[1];
            f.u.failures.users = c->n[2];
            f.u.failures.user = c->text[0];
            f.u.failures.user_len = (int)c->len[0];
            f.u.failures.src = c->text[1];
            f.u.failures.src_len = (int)c->len[1];
            reported = checks_raise(l, &f);
            break;
        case CROSS_SM_REPLACED:
            f.kind = FACT_SM_REPLACED;
            f.u.sm.conflict = c->n[0] != 0;
            f.u.sm.other = c->n[1];
            f.u.sm.id = c->text[0];
            checks_raise(l, &f);
            break;
        case CROSS_REDIRECTS:
            f.kind = FACT_REDIRECTS;
            f.u.redirects.run = c->n[0];
            f.u.redirects.src = c->text[0];
            f.u.redirects.src_len = (int)c->len[0];
            checks_raise(l, &f);
            break;
        }
    }
}

void
cross_watch_failures(struct auth_watch *w, const struct cross_facts *f, struct cross_verdict *v)
{
    if (!w)
        return;
    const char *src = f->source;
    for (size_t i = 0; i < f->nfailures; i++) {
        const struct cross_failure *fl = &f->failures[i];
        unsigned by_user = 0, by_src = 0, users = 0;
        uint64_t user_key = fl->user_len ? watch_hash('u', fl->user, fl->user_len) : 0;
        if (user_key)
            by_user = count_add(w, user_key, fl->time);
        if (src) {
            uint64_t src_key = watch_hash('s', src, f->source_len);
            by_src = count_add(w, src_key, fl->time);
            if (user_key)
                users = users_add(w, src_key, user_key, fl->time);
        }
        /* every failure counts; the login raises them until one makes C10 (login_take_verdict) */
        struct cross_finding c = {
            .kind = CROSS_FAILURES,
            .seq = fl->seq,
            .n = {by_user, by_src, users},
            .text = {(char *)fl->user, (char *)src},
            .len = {fl->user_len, src ? f->source_len : 0},
        };
        cross_verdict_add(v, &c);
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
#define REDIRECT_GAP ((usec_t)REDIRECT_GAP_S * 1000000)

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
watch_sm(struct stream_watch *w, const struct cross_facts *f, unsigned session,
         struct cross_verdict *v)
{
    bool conflict = f->server_error && strcmp(f->server_error, "conflict") == 0 && f->sm_id;
    const char *id = conflict ? f->sm_id : f->resumed_from;
    if (!id || !*id)
        return;
    uint64_t key = watch_hash('m', id, strlen(id)) | 1;
    struct sm_slot *e = &w->sm[key % STREAM_WATCH_SLOTS];
    if (e->key == key && e->conflict != conflict) {
        struct cross_finding c = {
            .kind = CROSS_SM_REPLACED,
            .seq = conflict ? f->server_error_seq : f->resumed_seq,
            .n = {conflict, e->session},
            .text = {(char *)id},
            .len = {strlen(id)},
        };
        cross_verdict_add(v, &c);
        e->key = 0;
        return;
    }
    e->key = key;
    e->conflict = conflict;
    e->session = session;
}

static void
watch_redirects(struct stream_watch *w, const struct cross_facts *f, struct cross_verdict *v)
{
    const char *src = f->source;
    if (!src)
        return;
    size_t n = f->source_len;
    uint64_t key = watch_hash('r', src, n) | 1;
    struct redirect_slot *e = &w->redirects[key % STREAM_WATCH_SLOTS];
    bool redirected = f->server_error && strcmp(f->server_error, "see-other-host") == 0;
    if (!redirected) {
        if (e->key == key)
            e->key = 0;
        return;
    }
    usec_t t = f->server_error_time;
    if (e->key == key && t - e->last <= REDIRECT_GAP && t >= e->last - REDIRECT_GAP) {
        e->run++;
    } else {
        e->key = key;
        e->run = 1;
    }
    if (t > e->last || e->run == 1)
        e->last = t;
    struct cross_finding c = {
        .kind = CROSS_REDIRECTS,
        .seq = f->server_error_seq,
        .n = {e->run},
        .text = {(char *)src},
        .len = {n < 64 ? n : 64},
    };
    cross_verdict_add(v, &c);
}

void
cross_watch_streams(struct stream_watch *w, const struct cross_facts *f, unsigned id,
                    struct cross_verdict *v)
{
    if (!w)
        return;
    watch_sm(w, f, id, v);
    watch_redirects(w, f, v);
}
