/*
 * clock.h: calendar and time-of-day helpers for Europe/Paris, with
 * integer arithmetic only and no use of the process TZ or of the C
 * library's time zone functions.
 *
 * Dates are proleptic Gregorian. Paris is UTC+1 (CET) in winter and UTC+2
 * (CEST) in summer, by the EU rule applied to every year: summer time runs
 * from the last Sunday of March at 01:00 UTC to the last Sunday of October
 * at 01:00 UTC. Public holidays are the eleven national ones of metropolitan
 * France (not the extra days of Alsace-Moselle). Weekdays are ISO 8601:
 * 1 = Monday ... 7 = Sunday.
 *
 * The customer-service helpers answer "is it open now?" and write the French
 * sentence a page shows, from hours that come from configuration.
 */
#ifndef RB_CLOCK_H
#define RB_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct rb_date {
	int	d_year;		/* 1 to 9999 for a valid date */
	int	d_month;	/* 1 to 12 */
	int	d_day;		/* 1 to 28, 29, 30 or 31 */
};

/* A moment in Paris local time. */
struct rb_localtime {
	struct rb_date	lt_date;
	int		lt_hour;	/* 0 to 23 */
	int		lt_min;		/* 0 to 59 */
	int		lt_sec;		/* 0 to 59 */
	int		lt_wday;	/* ISO: 1 = Monday ... 7 = Sunday */
	int		lt_utcoff;	/* seconds east of UTC: 3600 or 7200 */
	int		lt_dst;		/* 1 in summer time (CEST), else 0 */
};

/* Returns 1 if year is a leap year, 0 if not. */
int	rb_clock_is_leap_year(int year);
/* Returns the days in month (1-12) of year, 0 for a month out of range. */
int	rb_clock_days_in_month(int year, int month);
/* Returns 1 if d is a real date of years 1 to 9999, 0 if not. */
int	rb_clock_date_is_valid(const struct rb_date *d);

/*
 * Parses an ISO date "YYYY-MM-DD": exactly ten characters followed by the
 * end of s, four-digit year 0001-9999, two-digit month and day, and the
 * day must exist (2023-02-30 and 2023-02-29 fail, 2024-02-29 passes).
 * Returns 0 and fills out on success, -1 (out untouched) otherwise.
 */
int	rb_clock_parse_date(const char *s, struct rb_date *out);

/*
 * Writes d as "YYYY-MM-DD" and its NUL into out (11 bytes suffice).
 * Returns 0; -1 with out set to "" (when outlen > 0) if d is not valid or
 * outlen is too small.
 */
int	rb_clock_format_date(const struct rb_date *d, char *out, size_t outlen);

/*
 * Days from 1970-01-01 to d (negative before), for any year, month 1-12
 * and day within the month; rb_clock_civil_from_days() is its inverse.
 */
int64_t	rb_clock_days_from_civil(const struct rb_date *d);
void	rb_clock_civil_from_days(int64_t days, struct rb_date *out);
/* Returns the ISO weekday of d: 1 = Monday ... 7 = Sunday. */
int	rb_clock_weekday(const struct rb_date *d);
/* Stores in out the date days after d (before when days < 0). */
void	rb_clock_date_add(const struct rb_date *d, int64_t days,
	    struct rb_date *out);

/* Stores in out the date of Easter Sunday of year (Gregorian, year >= 1583). */
void	rb_clock_easter(int year, struct rb_date *out);
/*
 * Returns 1 if d is a French public holiday: 1 January, Easter Monday,
 * 1 May, 8 May, Ascension Thursday, Whit Monday, 14 July, 15 August,
 * 1 November, 11 November or 25 December; 0 otherwise.
 */
int	rb_clock_is_holiday(const struct rb_date *d);

/* Returns 1 if Paris is on summer time (CEST) at utc, 0 if not. */
int	rb_clock_paris_is_dst(time_t utc);
/* Converts the UTC instant utc (years 1 to 9999) to Paris local time. */
void	rb_clock_paris(time_t utc, struct rb_localtime *out);
/* The date in Paris at instant utc as "YYYY-MM-DD" into out (11 bytes
 * at least; a shorter buffer gets ""). For "today", use rb_clock_today(). */
void	rb_clock_paris_iso(time_t utc, char *out, size_t outlen);
/*
 * Today's date in Paris: the one place that decides what "today" is for
 * bills (late or not), consumption ranges, alerts and the home page.
 * Normally the Paris date at the instant now. A demo or test server may
 * pin it (the `today` setting, accepted in demo mode only): then today is
 * that date whatever now is, so that data made for that date reads the
 * same on any day. Instants (sessions, tokens, time stamps) are never
 * shifted, only this calendar date.
 *
 * rb_clock_pin_today() takes "YYYY-MM-DD", or NULL or "" to unpin; it
 * returns 0, or -1 (pin unchanged) for anything else. Call it before
 * starting threads: the pin is process-wide and read without locking.
 */
int	rb_clock_pin_today(const char *iso);
/* Returns 1 if today is pinned, 0 if it follows the clock. */
int	rb_clock_today_is_pinned(void);
/* Stores today's date in Paris at instant now (or the pinned date). */
void	rb_clock_today(time_t now, struct rb_date *out);
/* rb_clock_today() as "YYYY-MM-DD" into out (11 bytes at least; a
 * shorter buffer gets ""). */
void	rb_clock_today_iso(time_t now, char *out, size_t outlen);

/*
 * Returns the UTC instant of the Paris wall-clock time d hour:min:sec.
 * When that time occurs twice (the October change) the first, summer-time
 * one is returned; when it does not exist (the March gap, 02:00-02:59) it
 * is read as winter time, i.e. one hour later on the new clock.
 */
time_t	rb_clock_paris_mktime(const struct rb_date *d, int hour, int min,
	    int sec);

/*
 * French renderings of a date, written with their NUL into out:
 *   long:  "mardi 3 décembre 2024", "dimanche 1er décembre 2024"
 *   date:  "3 décembre 2024", "1er mai 2024"
 *   short: "3 déc. 2024", "1er mai 2024"
 * RB_CLOCK_FR_MAX bytes always suffice. Return 0; -1 with out set to ""
 * (when outlen > 0) if d is not valid or outlen is too small.
 */
#define RB_CLOCK_FR_MAX	64
int	rb_clock_fr_date_long(const struct rb_date *d, char *out, size_t outlen);
int	rb_clock_fr_date(const struct rb_date *d, char *out, size_t outlen);
int	rb_clock_fr_date_short(const struct rb_date *d, char *out,
	    size_t outlen);
/* rb_clock_fr_date() of an ISO "YYYY-MM-DD" text (NULL or invalid: -1). */
int	rb_clock_fr_iso(const char *iso, char *out, size_t outlen);
/* Returns the French weekday name ("lundi") of ISO weekday 1-7, or "". */
const char *rb_clock_fr_weekday(int wday);
/*
 * Writes a time of day in minutes after midnight as French usage wants it:
 * 510 is "8 h 30", 540 is "9 h", 0 and 1440 are "minuit". Same return
 * convention as above (minutes out of 0-1440 fail).
 */
int	rb_clock_fr_time(int minutes, char *out, size_t outlen);
/*
 * Writes instant utc in Paris time as "3 déc. 2024 à 14 h 05" (always
 * the minutes, midnight "0 h 00"). Same return convention.
 */
int	rb_clock_fr_instant(time_t utc, char *out, size_t outlen);

/*
 * Customer-service hours in Paris time. Open on the days whose bit is set
 * in oh_days (bit 0 = Monday ... bit 6 = Sunday), from oh_open (included)
 * to oh_close (excluded), except on public holidays when
 * oh_closed_on_holidays is set.
 */
struct rb_opening_hours {
	int		oh_open;	/* minutes after midnight, 0-1439 */
	int		oh_close;	/* minutes after midnight, 1-1440 */
	unsigned	oh_days;
	int		oh_closed_on_holidays;
};

/* Monday to Friday, 08:30-18:30, closed on public holidays. */
#define RB_OPENING_HOURS_DEFAULT	{ 8 * 60 + 30, 18 * 60 + 30, 0x1f, 1 }

/*
 * Parses "HH:MM-HH:MM" (e.g. "08:30-18:30", two digits each, "24:00"
 * allowed as a closing time, opening strictly before closing) into
 * oh->oh_open and oh->oh_close; the days and holiday policy are left as
 * they were. Returns 0, or -1 with oh untouched.
 */
int	rb_clock_parse_hours(const char *s, struct rb_opening_hours *oh);

/* Returns 1 if customer service is open at now_utc, 0 if not. */
int	rb_clock_service_open(time_t now_utc, const struct rb_opening_hours *oh);

/*
 * Returns the UTC instant when customer service next opens after now_utc:
 * when closed, the end of the closure; when open, the start of the next
 * period after the current one. Returns (time_t)-1 if it never opens in
 * the coming year (no day set, or hours that make no sense).
 */
time_t	rb_clock_service_next_open(time_t now_utc,
	    const struct rb_opening_hours *oh);

/*
 * Writes the French sentence telling whether customer service is open,
 * with its NUL, into out:
 *   "Le service client est ouvert jusqu'à 18 h 30."
 *   "Le service client est fermé. Il ouvre aujourd'hui à 8 h 30."
 *   "Le service client est fermé. Il ouvre demain à 8 h 30."
 *   "Le service client est fermé. Il ouvre lundi à 8 h 30."  (within 6 days)
 *   "Le service client est fermé. Il ouvre le lundi 6 janvier à 8 h 30."
 *   "Le service client est fermé."  (never opens)
 * RB_CLOCK_SENTENCE_MAX bytes always suffice. Returns 0; -1 with out set
 * to "" (when outlen > 0) if outlen is too small.
 */
#define RB_CLOCK_SENTENCE_MAX	128
int	rb_clock_service_sentence(time_t now_utc,
	    const struct rb_opening_hours *oh, char *out, size_t outlen);

#endif
