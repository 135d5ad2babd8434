/* ejlog_prefix: the line prefix of an ejabberd log record (ejabberd-log-formats.md §2). */
#include <config.h>
#include "ejlog_prefix.h"

#include <stdint.h>
#include <string.h>

static bool
digits(const char *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

static int
num(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}


bool
ejlog_parse_prefix(const char *p, size_t n, struct ejlog_prefix *out, bool *clipped)
{
    /*
     * Records come many to a second: the date and time of the last one read
     * ("YYYY-MM-DD HH:MM:SS", already checked) and its seconds are kept.
     */
    static _Thread_local char last_stamp[19];
    static _Thread_local int64_t last_secs;
    static _Thread_local bool have_last;
    if (n < 27 || p[19] != '.')
        return false;
    int64_t secs = last_secs;
    if (!have_last || memcmp(p, last_stamp, sizeof last_stamp) != 0) {
        if (!digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) || p[7] != '-' || !digits(p + 8, 2) ||
            (p[10] != ' ' && p[10] != 'T') || !digits(p + 11, 2) || p[13] != ':' ||
            !digits(p + 14, 2) || p[16] != ':' || !digits(p + 17, 2))
            return false;
        int64_t days = days_from_civil(num(p, 4), (unsigned)num(p + 5, 2), (unsigned)num(p + 8, 2));
        secs = days * 86400 + num(p + 11, 2) * 3600 + num(p + 14, 2) * 60 + num(p + 17, 2);
        memcpy(last_stamp, p, sizeof last_stamp);
        last_secs = secs;
        have_last = true;
    }
    size_t i = 20;
    int frac_digits = 0;
    long frac = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9' && frac_digits < 9) {
        frac = frac * 10 + (p[i] - '0');
        frac_digits++;
        i++;
    }
    if (frac_digits != 3 && frac_digits != 6)
        return false;
    if (frac_digits == 3)
        frac *= 1000;
    long offset_s = 0;
    if (i < n && p[i] == 'Z') {
        i++;
    } else if (i + 6 <= n && (p[i] == '+' || p[i] == '-') && digits(p + i + 1, 2) &&
               p[i + 3] == ':' && digits(p + i + 4, 2)) {
        offset_s = (num(p + i + 1, 2) * 60L + num(p + i + 4, 2)) * 60L;
        if (p[i] == '-')
            offset_s = -offset_s;
        i += 6;
    } else if (i + 4 <= n && memcmp(p + i, " UTC", 4) == 0) {
        i += 4;
    }
    if (i + 2 >= n || p[i] != ' ' || p[i + 1] != '[')
        return false;
    const char *close = memchr(p + i + 2, ']', n - i - 2 < 12 ? n - i - 2 : 12);
    if (!close)
        return false;
    i = (size_t)(close - p) + 1;
    out->time = (secs - offset_s) * 1000000 + frac;
    out->pid = NULL;
    out->pid_len = 0;
    while (i < n && p[i] == ' ')
        i++;
    if (i < n && p[i] == '<') {
        const char *gt = memchr(p + i, '>', n - i);
        if (!gt && n - i < 32 && clipped)
            *clipped = true;
        if (gt && gt - (p + i) < 32) {
            out->pid = p + i;
            out->pid_len = (size_t)(gt - (p + i)) + 1;
            i = (size_t)(gt - p) + 1;
            if (i < n && p[i] == '@') {
                const char *sp = memchr(p + i, ' ', n - i);
                if (!sp && clipped)
                    *clipped = true;
                i = sp ? (size_t)(sp - p) : n;
            }
        }
    }
    while (i < n && p[i] == ' ')
        i++;
    out->msg = p + i;
    return true;
}

bool
ejlog_record_time(const char *line, size_t len, usec_t *t)
{
    struct ejlog_prefix pf;
    if (!ejlog_parse_prefix(line, len, &pf, NULL))
        return false;
    *t = pf.time;
    return true;
}

bool
ejlog_is_record_start(const char *line, size_t len)
{
    struct ejlog_prefix pf;
    return ejlog_parse_prefix(line, len, &pf, NULL);
}
