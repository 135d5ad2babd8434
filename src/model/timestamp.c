/* timestamp: writing the model's times and lengths of time. */
#include <config.h>
#include "timestamp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Times outside years 1..9999 cannot be written in RFC 3339's four-digit
 * year (and the schema's pattern), so they are clamped to that range.
 */
#define MIN_SECONDS INT64_C(-62135596800) /* 0001-01-01T00:00:00Z */
#define MAX_SECONDS INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* |secs| since 1970 as "YYYY-MM-DDTHH:MM:SS" (19 characters and a NUL) in |out|. */
static void
civil_time(int64_t secs, char out[20])
{
    /*
     * By hand rather than gmtime_r() and snprintf(): a report writes a time
     * for every event. Days since 1970 to a proleptic Gregorian date by
     * 400-year eras, with years starting in March so the leap day comes last
     * (the civil_from_days method H. Hinnant describes).
     */
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int year = (int)(yoe + era * 400 + (month <= 2));
    int hour = (int)(rem / 3600), minute = (int)(rem / 60 % 60), second = (int)(rem % 60);

    const struct {
        int value, width, at;
    } fields[] = {{year, 4, 0}, {month, 2, 5}, {day, 2, 8}, {hour, 2, 11}, {minute, 2, 14}, {second, 2, 17}};
    memcpy(out, "0000-00-00T00:00:00", 20);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        int v = fields[i].value;
        for (int k = fields[i].at + fields[i].width - 1; k >= fields[i].at; k--) {
            out[k] = (char)('0' + v % 10);
            v /= 10;
        }
    }
}

void
format_time(usec_t t, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return;
    /* Floor division: -1 us is 1969-12-31T23:59:59.999999Z, not .-00001. */
    int64_t secs = t / 1000000;
    int64_t usec = t % 1000000;
    if (usec < 0) {
        usec += 1000000;
        secs--;
    }
    if (secs < MIN_SECONDS) {
        secs = MIN_SECONDS;
        usec = 0;
    } else if (secs > MAX_SECONDS) {
        secs = MAX_SECONDS;
        usec = 999999;
    }
    /*
     * A report writes a time for every event, mostly of the same few seconds:
     * the date and time of the last second are kept (per thread).
     */
    static _Thread_local int64_t cached_secs = INT64_MIN;
    static _Thread_local char cached[20]; /* "YYYY-MM-DDTHH:MM:SS" */
    if (secs != cached_secs) {
        civil_time(secs, cached);
        cached_secs = secs;
    }
    char full[28];
    memcpy(full, cached, 19);
    full[19] = '.';
    for (int k = 25; k >= 20; k--) {
        full[k] = (char)('0' + usec % 10);
        usec /= 10;
    }
    full[26] = 'Z';
    full[27] = '\0';
    size_t n = outlen - 1 < 27 ? outlen - 1 : 27;
    memcpy(out, full, n);
    out[n] = '\0';
}

void
format_span(usec_t d, char *out, size_t outlen)
{
    static const struct {
        double usec;
        const char *unit;
    } units[] = {{1e3, "ms"}, {1e6, "s"}, {60e6, "min"}, {3600e6, "h"}, {86400e6, "days"},
                 {365.25 * 86400e6, "years"}};
    size_t u = 0;
    while (u + 1 < sizeof units / sizeof units[0] && (double)d >= 2 * units[u + 1].usec)
        u++;
    snprintf(out, outlen, "%.1f %s", (double)d / units[u].usec, units[u].unit);
}


static int
cmp_usec(const void *x, const void *y)
{
    usec_t a = *(const usec_t *)x, b = *(const usec_t *)y;
    return a < b ? -1 : a > b;
}

usec_t
usec_median(usec_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_usec);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}
