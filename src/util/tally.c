/* tally: counts per reason, a few reasons at most. */
#include <config.h>
#include "tally.h"

void
tally_add(struct tally *t, int code, long arg, long long where)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].code == code && t->e[i].arg == arg) {
            t->e[i].count++;
            return;
        }
    if (t->n == TALLY_REASONS) {
        t->other++;
        return;
    }
    t->e[t->n++] = (struct tally_entry){.code = code, .arg = arg, .count = 1, .first = where};
}
