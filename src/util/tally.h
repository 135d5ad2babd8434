/*
 * tally: how often each of a few kinds of trouble happened, and where it was
 * first seen. Readers that skip packets or fragments report one line per
 * reason ("1204 packets skipped: ...") rather than one per packet. Bounded:
 * a fixed number of reasons, the rest counted together.
 */
#ifndef XMPPFLOW_TALLY_H
#define XMPPFLOW_TALLY_H

#include <stddef.h>

#define TALLY_REASONS 16

struct tally_entry {
    int code; /* the caller's reason */
    long arg; /* a detail of it (an interface, a link type) */
    long count;
    long long first; /* where it was first seen (a packet number or an offset) */
};

struct tally {
    struct tally_entry e[TALLY_REASONS];
    size_t n;
    long other; /* reasons that found no room (never with the callers' few codes) */
};

/* Counts one more (|code|, |arg|), first seen at |where| if it is new. */
void tally_add(struct tally *t, int code, long arg, long long where);

#endif
