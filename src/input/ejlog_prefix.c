/*
 * ejlog_prefix: the line prefix of an ejabberd log record, every era of
 * ejabberd-log-formats.md §2. Dispatches on the first byte, so that the
 * E7 file form, by far the most read, costs what it cost alone.
 */
#include <config.h>
#include "ejlog_prefix.h"

#include <stdint.h>
#include <string.h>

#include "digits.h"

/* The first letter of a level name, critical and worse as 'e'. */
static char
level_letter(char c)
{
    switch (c) {
    case 'd': case 'i': case 'n': case 'w': case 'e':
        return c;
    case 'c': case 'a':
        return 'e';
    default:
        return 0;
    }
}

/* "<pid>" at |p| (at most 32 bytes); its length, or 0. */
static size_t
pid_at(const char *p, size_t n, bool *clipped)
{
    if (!n || *p != '<')
        return 0;
    const char *gt = memchr(p, '>', n < 32 ? n : 32);
    if (!gt && n < 32 && clipped)
        *clipped = true;
    return gt ? (size_t)(gt - p) + 1 : 0;
}

/*
 * The pid and "@mod:fun…:line" after the level of the file forms (lager:
 * "@mod:fun:line", OTP logger: "@mod:fun/arity:line"), from |i|; returns
 * where the message starts.
 */
static size_t
pid_and_mfa(const char *p, size_t n, size_t i, struct ejlog_prefix *out, bool *clipped)
{
    size_t pl = pid_at(p + i, n - i, clipped);
    if (!pl)
        return i;
    out->pid = p + i;
    out->pid_len = pl;
    i += pl;
    if (i < n && p[i] == '@') {
        const char *sp = memchr(p + i, ' ', n - i);
        if (!sp && clipped)
            *clipped = true;
        size_t e = sp ? (size_t)(sp - p) : n;
        const char *colon = memchr(p + i + 1, ':', e - i - 1);
        out->module = p + i + 1;
        out->module_len = (size_t)((colon ? colon : p + e) - out->module);
        i = e;
    }
    return i;
}

/* "YYYY-MM-DD HH:MM:SS.fff[ UTC] [level] …" (lager file) and "….ffffff±HH:MM [level] …" (OTP logger). */
static bool
dated_form(const char *p, size_t n, struct ejlog_prefix *out, bool *clipped)
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
    bool zone = true;
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
    } else {
        zone = false;
    }
    if (i + 2 >= n || p[i] != ' ' || p[i + 1] != '[')
        return false;
    const char *close = memchr(p + i + 2, ']', n - i - 2 < 12 ? n - i - 2 : 12);
    if (!close)
        return false;
    out->level = level_letter(p[i + 2]);
    i = (size_t)(close - p) + 1;
    out->time = (secs - offset_s) * 1000000 + frac;
    out->has_time = out->has_date = true;
    out->has_zone = zone;
    while (i < n && p[i] == ' ')
        i++;
    i = pid_and_mfa(p, n, i, out, clipped);
    if (frac_digits == 3)
        out->form = EJF_LAGER_FILE;
    else
        out->form = out->pid ? EJF_OTP_FILE : EJF_OTP_CONSOLE;
    while (i < n && p[i] == ' ')
        i++;
    out->msg = p + i;
    return true;
}

/* "HH:MM:SS.fff [level] msg" (lager console) or "HH:MM:SS.fff [info]  msg" (Elixir, level padded to 5). */
static bool
time_only_form(const char *p, size_t n, struct ejlog_prefix *out)
{
    if (n < 16 || p[2] != ':' || p[5] != ':' || p[8] != '.' || !digits(p, 2) ||
        !digits(p + 3, 2) || !digits(p + 6, 2) || !digits(p + 9, 3) || p[12] != ' ' ||
        p[13] != '[')
        return false;
    const char *close = memchr(p + 14, ']', n - 14 < 12 ? n - 14 : 12);
    if (!close || close - (p + 14) < 4)
        return false;
    out->level = level_letter(p[14]);
    out->time = ((num(p, 2) * 3600L + num(p + 3, 2) * 60L + num(p + 6, 2)) * 1000L + num(p + 9, 3)) * 1000L;
    out->has_time = true;
    size_t i = (size_t)(close - p) + 1;
    /* Elixir's $levelpad: one more space after a 4-letter level; lager writes one */
    bool padded = close - (p + 14) == 4 && i + 1 < n && p[i] == ' ' && p[i + 1] == ' ';
    out->form = padded ? EJF_ELIXIR : EJF_LAGER_CONSOLE;
    while (i < n && p[i] == ' ')
        i++;
    out->msg = p + i;
    return true;
}

/*
 * "D(<0.412.0>:ejabberd_receiver:320) : msg" (E1) or "I(<0.581.0>:mod:90): msg"
 * (E0); returns the message's offset, or 0 when |p| is not such a line.
 */
static size_t
e1_message(const char *p, size_t n, struct ejlog_prefix *out)
{
    if (n < 10 || p[1] != '(' || p[2] != '<' || !strchr("DIWEC", p[0]))
        return 0;
    size_t pl = pid_at(p + 2, n - 2, NULL);
    if (!pl || 2 + pl >= n || p[2 + pl] != ':')
        return 0;
    size_t m = 3 + pl, i = m;
    while (i < n && p[i] != ':' && p[i] != ')' && p[i] != '\n')
        i++;
    if (i >= n || p[i] != ':' || i == m)
        return 0;
    size_t me = i++;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i + 2 > n || p[i] != ')')
        return 0;
    i++;
    if (p[i] == ' ')
        i++; /* 2.x "D(…) : ", 1.x "I(…): " */
    if (i >= n || p[i] != ':')
        return 0;
    i++;
    if (i < n && p[i] == ' ')
        i++;
    out->pid = p + 2;
    out->pid_len = pl;
    out->module = p + m;
    out->module_len = me - m;
    out->level = p[0] == 'C' ? 'e' : (char)(p[0] - 'A' + 'a');
    return i;
}

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* "D-Mon-YYYY::HH:MM:SS" (OTP tty handler); seconds since the epoch in |*secs|, the length or 0. */
static size_t
tty_stamp(const char *p, size_t n, int64_t *secs)
{
    size_t i = 0;
    while (i < 2 && i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i == 0 || n < i + 20 || p[i] != '-' || p[i + 4] != '-' || p[i + 9] != ':' || p[i + 10] != ':')
        return 0;
    int day = num(p, (int)i);
    const char *mon = NULL;
    for (const char *m = months; *m; m += 3)
        if (memcmp(m, p + i + 1, 3) == 0)
            mon = m;
    const char *t = p + i + 11;
    if (!mon || !digits(p + i + 5, 4) || !digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) ||
        t[5] != ':' || !digits(t + 6, 2))
        return 0;
    int64_t days = days_from_civil(num(p + i + 5, 4), (unsigned)((mon - months) / 3 + 1), (unsigned)day);
    *secs = days * 86400 + num(t, 2) * 3600 + num(t + 3, 2) * 60 + num(t + 6, 2);
    return i + 19;
}

/*
 * "=INFO REPORT==== 2012-03-05 14:22:07 ===" (or WARNING, ERROR, and the
 * SASL reports), the message on the next line (E0/E1 §2.1).
 */
static bool
header_form(const char *p, size_t n, struct ejlog_prefix *out)
{
    const char *eq = n > 12 ? memchr(p + 1, '=', n - 1 < 24 ? n - 1 : 24) : NULL;
    if (!eq || eq - p < 8 || memcmp(eq - 7, " REPORT", 7) != 0 || (size_t)(eq - p) + 5 > n ||
        memcmp(eq, "==== ", 5) != 0)
        return false;
    for (const char *c = p + 1; c < eq - 7; c++)
        if ((*c < 'A' || *c > 'Z') && *c != ' ')
            return false;
    const char *s = eq + 5;
    size_t left = n - (size_t)(s - p), len;
    int64_t secs;
    if (left >= 19 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
        digits(s + 8, 2) && s[10] == ' ' && digits(s + 11, 2) && s[13] == ':' &&
        digits(s + 14, 2) && s[16] == ':' && digits(s + 17, 2)) {
        secs = days_from_civil(num(s, 4), (unsigned)num(s + 5, 2), (unsigned)num(s + 8, 2)) * 86400 +
               num(s + 11, 2) * 3600 + num(s + 14, 2) * 60 + num(s + 17, 2);
        len = 19;
        out->form = EJF_ERROR_LOGGER;
    } else if ((len = tty_stamp(s, left, &secs)) != 0) {
        out->form = EJF_ERROR_LOGGER_TTY;
    } else {
        return false;
    }
    if (left < len + 4 || memcmp(s + len, " ===", 4) != 0)
        return false;
    out->time = secs * 1000000;
    out->has_time = out->has_date = true;
    out->level = p[1] == 'W' ? 'w' : p[1] == 'E' || p[1] == 'C' ? 'e' : 'i';
    /* the message: the next line, "D(<pid>:mod:line) : …" or a report's body */
    const char *end = p + n;
    const char *nl = memchr(s + len, '\n', (size_t)(end - (s + len)));
    if (!nl) {
        out->msg = end;
        return true;
    }
    const char *m = nl + 1;
    size_t at = e1_message(m, (size_t)(end - m), out);
    out->msg = m + at;
    return true;
}

bool
ejlog_parse_prefix(const char *p, size_t n, struct ejlog_prefix *out, bool *clipped)
{
    out->pid = out->module = NULL;
    out->pid_len = out->module_len = 0;
    out->has_zone = out->has_date = false;
    if (!n)
        return false;
    if (p[0] >= '0' && p[0] <= '9') {
        if (n > 4 && p[4] == '-')
            return dated_form(p, n, out, clipped);
        return n > 2 && p[2] == ':' && time_only_form(p, n, out);
    }
    if (p[0] == '=')
        return header_form(p, n, out);
    size_t at = e1_message(p, n, out);
    if (!at)
        return false;
    out->form = EJF_E1_BARE;
    out->time = 0;
    out->has_time = false;
    out->msg = p + at;
    return true;
}

bool
ejlog_record_time(const char *line, size_t len, usec_t *t)
{
    struct ejlog_prefix pf;
    if (!ejlog_parse_prefix(line, len, &pf, NULL) || !pf.has_date)
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

const char *
ejlog_form_era(enum ejlog_form f)
{
    switch (f) {
    case EJF_ERROR_LOGGER:
    case EJF_ERROR_LOGGER_TTY:
    case EJF_E1_BARE:
        return "E0-E1";
    case EJF_LAGER_FILE:
    case EJF_LAGER_CONSOLE:
        return "E2-E6";
    case EJF_OTP_FILE:
    case EJF_OTP_CONSOLE:
        return "E7";
    case EJF_ELIXIR:
        return "E8";
    default:
        return NULL;
    }
}

const char *
ejlog_form_name(enum ejlog_form f)
{
    static const char *const names[EJF_COUNT] = {
        [EJF_ERROR_LOGGER] = "error_logger", [EJF_ERROR_LOGGER_TTY] = "error_logger_tty",
        [EJF_E1_BARE] = "error_logger_message", [EJF_LAGER_FILE] = "lager_file",
        [EJF_LAGER_CONSOLE] = "lager_console", [EJF_OTP_FILE] = "otp_logger_file",
        [EJF_OTP_CONSOLE] = "otp_logger_console", [EJF_ELIXIR] = "elixir_logger",
    };
    return (unsigned)f < EJF_COUNT ? names[f] : NULL;
}

usec_t
ejlog_clock_place(struct ejlog_clock *c, usec_t tod)
{
    const usec_t half_day = 12LL * 3600 * 1000000;
    if (c->started && tod < c->last_tod - half_day)
        c->days++;
    c->started = true;
    c->last_tod = tod;
    return c->base + (usec_t)c->days * 86400LL * 1000000 + tod;
}

const char *
ejlog_time_note_text(unsigned bit)
{
    switch (bit) {
    case EJT_NO_ZONE:
        return "times carry no zone: read as UTC";
    case EJT_NO_DATE:
        return "times carry no date: the day is inferred (a new day where the time goes back), "
               "from the date docker or journald gave, else from 1970-01-01";
    case EJT_NO_TIME:
        return "some records carry no time: each takes the previous record's";
    default:
        return NULL;
    }
}
