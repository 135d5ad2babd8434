/* keylog: NSS key log files (see the header). */
#include <config.h>
#include "keylog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hash_bytes.h"
#include "digits.h"
#include "xalloc.h"

#define HASH_SLOTS (2 * KEYLOG_MAX_SESSIONS) /* a power of two, at most half full */
#define NO_SECRET UINT32_MAX
#define LINE_MAX_LEN 1024 /* a real line is under 250 bytes */
#define MAX_TOLD 20       /* bad lines told one by one per file; the rest counted in one message */

struct entry {
    uint8_t random[32];
    uint32_t at[KEYLOG_LABELS]; /* offset into the secret arena, NO_SECRET: none */
    uint8_t len[KEYLOG_LABELS];
};

struct keylog {
    struct entry *entries; /* mappings of their own: outside malloc's heap (see the header) */
    uint32_t *slots;       /* entry index + 1; 0 empty */
    uint8_t *arena;
    size_t nentries, arena_used, nsecrets, bad;
    bool full_told;
};

static const struct {
    const char *name;
    int label; /* enum keylog_label, or -1: read and dropped */
} labels[] = {
    {"CLIENT_RANDOM", KEYLOG_CLIENT_RANDOM},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_CLIENT_HS},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_SERVER_HS},
    {"CLIENT_TRAFFIC_SECRET_0", KEYLOG_CLIENT_TRAFFIC0},
    {"SERVER_TRAFFIC_SECRET_0", KEYLOG_SERVER_TRAFFIC0},
    {"EXPORTER_SECRET", -1},
    {"EARLY_EXPORTER_SECRET", -1},
    {"CLIENT_EARLY_TRAFFIC_SECRET", -1},
    {"RSA", -1}, /* an RSA pre-master secret by encrypted pre-master: RSA key exchange is not decrypted */
};

static void *
map(size_t bytes)
{
    /* pages are only backed once written: the caps cost nothing unused */
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        fputs("xmppflow: out of memory (key log)\n", stderr);
        abort();
    }
    return p;
}

struct keylog *
keylog_new(void)
{
    struct keylog *kl = xcalloc(1, sizeof *kl);
    kl->entries = map(KEYLOG_MAX_SESSIONS * sizeof *kl->entries);
    kl->slots = map(HASH_SLOTS * sizeof *kl->slots);
    kl->arena = map(KEYLOG_MAX_SECRET_BYTES);
    return kl;
}

void
keylog_free(struct keylog *kl)
{
    if (!kl)
        return;
    /* volatile: the wipe is not an assignment the compiler may drop before munmap */
    volatile uint8_t *a = kl->arena;
    for (size_t i = 0; i < kl->arena_used; i++)
        a[i] = 0;
    munmap(kl->arena, KEYLOG_MAX_SECRET_BYTES);
    munmap(kl->slots, HASH_SLOTS * sizeof *kl->slots);
    munmap(kl->entries, KEYLOG_MAX_SESSIONS * sizeof *kl->entries);
    free(kl);
}

static uint64_t
random_hash(const uint8_t r[32])
{
    uint64_t w;
    memcpy(&w, r, 8); /* a client random is random: its first bytes are hash enough, once mixed */
    return hash_word(w);
}

/* The slot of |r|: its entry's, or the empty one where it would go. */
static uint32_t *
slot_of(const struct keylog *kl, const uint8_t r[32])
{
    size_t i = random_hash(r) & (HASH_SLOTS - 1);
    while (kl->slots[i] && memcmp(kl->entries[kl->slots[i] - 1].random, r, 32) != 0)
        i = (i + 1) & (HASH_SLOTS - 1);
    return &kl->slots[i];
}

/* |n| hex digits at |s| into |out| (n/2 bytes); false on a character that is not one. */
static bool
unhex(const char *s, size_t n, uint8_t *out)
{
    if (n % 2)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_digit((unsigned char)s[i]), lo = hex_digit((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Stores a secret; NULL when it is kept, else why not (no key material in it). */
static const char *
store(struct keylog *kl, const uint8_t r[32], int label, const uint8_t *secret, size_t len)
{
    uint32_t *slot = slot_of(kl, r);
    struct entry *e;
    if (*slot) {
        e = &kl->entries[*slot - 1];
        if (e->at[label] != NO_SECRET && e->len[label] >= len) { /* a later line wins, in place */
            memcpy(kl->arena + e->at[label], secret, len);
            e->len[label] = (uint8_t)len;
            return NULL;
        }
    } else {
        if (kl->nentries == KEYLOG_MAX_SESSIONS)
            return "key log cap reached";
        e = &kl->entries[kl->nentries++];
        memcpy(e->random, r, 32);
        for (int k = 0; k < KEYLOG_LABELS; k++)
            e->at[k] = NO_SECRET;
        *slot = (uint32_t)kl->nentries;
    }
    if (kl->arena_used + len > KEYLOG_MAX_SECRET_BYTES)
        return "key log cap reached";
    if (e->at[label] == NO_SECRET)
        kl->nsecrets++;
    e->at[label] = (uint32_t)kl->arena_used;
    e->len[label] = (uint8_t)len;
    memcpy(kl->arena + kl->arena_used, secret, len);
    kl->arena_used += len;
    return NULL;
}

/*
 * One line (NUL-terminated, its end stripped): NULL when read (kept or
 * dropped), else what is wrong with it, in words that quote none of it.
 */
static const char *
read_line(struct keylog *kl, char *line)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '#')
        return NULL;
    char *field[3];
    size_t flen[3], n = 0;
    while (*p && n < 4) {
        if (n == 3)
            return "more than three fields (LABEL CLIENT_RANDOM SECRET)";
        field[n] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        flen[n] = (size_t)(p - field[n]);
        n++;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    if (n != 3)
        return "not three fields (LABEL CLIENT_RANDOM SECRET)";
    int label = -2;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strlen(labels[i].name) == flen[0] && memcmp(labels[i].name, field[0], flen[0]) == 0)
            label = labels[i].label;
    if (label == -2)
        return "unknown label (not an NSS key log label)";
    if (label == -1)
        return NULL;
    uint8_t random[32], secret[KEYLOG_SECRET_MAX];
    if (flen[1] != 64 || !unhex(field[1], 64, random))
        return "the client random is not 64 hex digits";
    size_t slen = flen[2] / 2;
    if (flen[2] % 2 || !unhex(field[2], flen[2], secret) || slen > KEYLOG_SECRET_MAX)
        return "the secret is not hex digits";
    if (label == KEYLOG_CLIENT_RANDOM ? slen != 48 : slen != 32 && slen != 48) {
        memset(secret, 0, sizeof secret);
        return label == KEYLOG_CLIENT_RANDOM ? "the master secret is not 48 bytes"
                                             : "the traffic secret is not 32 or 48 bytes";
    }
    const char *why = store(kl, random, label, secret, slen);
    memset(secret, 0, sizeof secret);
    return why;
}

static void
not_told(void *arg, const char *path, long line, const char *message)
{
    (void)arg, (void)path, (void)line, (void)message;
}

bool
keylog_read_stream(struct keylog *kl, FILE *f, const char *name, keylog_problem problem, void *arg)
{
    if (!problem)
        problem = not_told;
    char line[LINE_MAX_LEN + 2];
    long number = 0, told = 0, more = 0, first_more = 0;
    bool long_line = false;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        bool whole = n && line[n - 1] == '\n';
        if (long_line) { /* the rest of a line too long to be one: already told */
            long_line = !whole;
            continue;
        }
        number++;
        const char *why;
        if (!whole && !feof(f)) {
            long_line = true;
            why = "line too long for a key log line";
        } else {
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
            why = read_line(kl, line);
        }
        memset(line, 0, sizeof line);
        if (!why)
            continue;
        if (strcmp(why, "key log cap reached") == 0) {
            if (!kl->full_told) {
                char msg[160];
                snprintf(msg, sizeof msg,
                         "key log cap reached (%u client randoms, %u MB of secrets): this line and the "
                         "rest are ignored",
                         KEYLOG_MAX_SESSIONS, KEYLOG_MAX_SECRET_BYTES >> 20);
                problem(arg, name, number, msg);
                kl->full_told = true;
            }
            kl->bad++;
            continue;
        }
        kl->bad++;
        if (told++ < MAX_TOLD) {
            char msg[120];
            snprintf(msg, sizeof msg, "bad key log line (skipped): %s", why);
            problem(arg, name, number, msg);
        } else if (!more++) {
            first_more = number;
        }
    }
    if (ferror(f)) {
        char msg[120];
        snprintf(msg, sizeof msg, "read error after line %ld: %s", number, strerror(errno));
        problem(arg, name, 0, msg);
    }
    if (more) {
        char msg[120];
        snprintf(msg, sizeof msg, "%ld more bad key log lines skipped, the first at line %ld", more, first_more);
        problem(arg, name, 0, msg);
    }
    return true;
}

bool
keylog_read_file(struct keylog *kl, const char *path, keylog_problem problem, void *arg)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (problem)
            problem(arg, path, 0, strerror(errno));
        return false;
    }
    keylog_read_stream(kl, f, path, problem, arg);
    fclose(f);
    return true;
}

bool
keylog_find(const struct keylog *kl, const uint8_t client_random[32], enum keylog_label label,
            struct keylog_secret *out)
{
    if (!kl || label >= KEYLOG_LABELS)
        return false;
    uint32_t idx = *slot_of(kl, client_random);
    if (!idx)
        return false;
    const struct entry *e = &kl->entries[idx - 1];
    if (e->at[label] == NO_SECRET)
        return false;
    out->bytes = kl->arena + e->at[label];
    out->len = e->len[label];
    return true;
}

size_t
keylog_sessions(const struct keylog *kl)
{
    return kl ? kl->nentries : 0;
}

size_t
keylog_secrets(const struct keylog *kl)
{
    return kl ? kl->nsecrets : 0;
}

size_t
keylog_bad_lines(const struct keylog *kl)
{
    return kl ? kl->bad : 0;
}
