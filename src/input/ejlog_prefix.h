/*
 * ejlog_prefix: the line prefix of an ejabberd log record, in every era of
 * ejabberd-log-formats.md §2 (E0/E1 error_logger headers, lager file and
 * console, OTP logger file and console, Elixir Logger): its time, level,
 * logging pid, module and where the message starts, so that the message code
 * reads every era the same way. No I/O; the reader keeps the state the
 * prefix alone cannot give (the day of a time-only line: ejlog_clock).
 */
#ifndef XMPPFLOW_EJLOG_PREFIX_H
#define XMPPFLOW_EJLOG_PREFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "timestamp.h"

/* The shape of a record's first line (§2); the eras it implies are in ejlog_form_era(). */
enum ejlog_form {
    EJF_NONE = 0,
    EJF_ERROR_LOGGER,     /* "=INFO REPORT==== 2012-03-05 14:22:07 ===" then "D(<pid>:mod:line) : msg" (E0/E1) */
    EJF_ERROR_LOGGER_TTY, /* "=INFO REPORT==== 14-Nov-2010::08:17:52 ===" (run_erl, ejabberdctl live) */
    EJF_E1_BARE,          /* "D(<pid>:mod:line) : msg" without its header (grepped, pasted): no time */
    EJF_LAGER_FILE,       /* "2016-05-09 08:41:27.316[ UTC] [debug] <pid>@mod:fun:line msg" (E2–E6) */
    EJF_LAGER_CONSOLE,    /* "09:27:41.583 [debug] msg": time only, no pid */
    EJF_OTP_FILE,         /* "2026-11-24 09:46:37.644636+00:00 [notice] <pid>[@mod:fun/arity:line] msg" (E7) */
    EJF_OTP_CONSOLE,      /* the same without the pid and the mfa */
    EJF_ELIXIR,           /* "16:02:45.117 [info]  msg" (E8): time only, level padded */
    EJF_COUNT
};

struct ejlog_prefix {
    usec_t time;        /* UTC; a time of day only when !has_date (see ejlog_clock_place) */
    const char *pid;    /* logging pid, NULL if none */
    size_t pid_len;
    const char *module; /* logging module ("ejabberd_receiver"), NULL when the prefix does not say */
    size_t module_len;
    const char *msg;    /* message part */
    enum ejlog_form form;
    char level;         /* 'd' debug, 'i' info, 'n' notice, 'w' warning, 'e' error and worse; 0 unknown */
    bool has_time;      /* false: EJF_E1_BARE (the reader takes the previous record's) */
    bool has_date;      /* false: time of day only (console and Elixir) */
    bool has_zone;      /* false: local time of an unknown zone, read as UTC */
};

/*
 * Parses the prefix at |p| (|n| bytes: a line, or a whole record, whose
 * second line holds an E0/E1 header's message). Sets *|clipped| (when not
 * NULL) when a search for the end of the pid or of the mfa reached the end
 * of |p|: more bytes after it could change the result.
 */
bool ejlog_parse_prefix(const char *p, size_t n, struct ejlog_prefix *out, bool *clipped);

/* True when |line| (|len| bytes, no newline) starts an ejabberd log record. */
bool ejlog_is_record_start(const char *line, size_t len);
/*
 * Like ejlog_is_record_start(), and stores the record's UTC time in |*t|;
 * false also for records without a date (their time alone orders nothing).
 */
bool ejlog_record_time(const char *line, size_t len, usec_t *t);

/* What the records' times lacked (ejlog_time_notes). */
enum ejlog_time_note {
    EJT_NO_ZONE = 1u << 0, /* local time of an unknown zone (E0–E6), read as UTC */
    EJT_NO_DATE = 1u << 1, /* a time of day only (console forms, Elixir): the day inferred */
    EJT_NO_TIME = 1u << 2, /* no time at all (E0/E1 message lines without their header) */
};

/* What one time note bit means, for reports; NULL for no such bit. */
const char *ejlog_time_note_text(unsigned bit);
#define EJT_COUNT_BITS 3

/* The era(s) a form belongs to ("E2–E6"), and its name in reports ("lager_file"). */
const char *ejlog_form_era(enum ejlog_form f);
const char *ejlog_form_name(enum ejlog_form f);

/*
 * The day of time-only records: a time of day earlier than the previous one
 * by more than 12 hours is on the next day (a log goes forwards; lines of
 * different processes cross by far less). Days count from |base| (a day's
 * start, UTC; 0 when nothing says which day: 1970-01-01).
 */
struct ejlog_clock {
    usec_t base;
    usec_t last_tod;
    int days;
    bool started;
};
usec_t ejlog_clock_place(struct ejlog_clock *c, usec_t tod);

#endif
