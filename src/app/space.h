/*
 * space.h: the subscriber's dashboard (/mon-espace) as a use case: for
 * each contract of the account, what a subscriber looks for first,
 * already worded in French for the page.
 */
#ifndef RB_APP_SPACE_H
#define RB_APP_SPACE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "app/pagecache.h"
#include "app/rc.h"
#include "base/clock.h"
#include "base/money.h"
#include "store/db.h"
#include "store/space.h"

/* An alert of a contract. */
struct rb_space_alert {
	const char	*sa_kind;	/* "late", "abnormal" or "leak" */
	char		 sa_text[512];
};

/* The contract's last bill. */
struct rb_space_bill {
	const char	*sb_number;
	char		 sb_issued[RB_CLOCK_FR_MAX];	/* "3 juin 2025" or "" */
	char		 sb_total[RB_MONEY_MAX];
	const char	*sb_status_label;
};

/* The latest reading of the meter in place. */
struct rb_space_reading {
	const char	*sr_meter;
	int		 sr_remote;			/* 0/1 */
	char		 sr_date[RB_CLOCK_FR_MAX];
	char		 sr_index[RB_MONEY_MAX];	/* "1 234,567 m³" */
	const char	*sr_kind;			/* "relevé par nos agents"… */
};

/*
 * One contract as the dashboard words it. A text that is absent is ""
 * (an array) or NULL (a pointer); sc_last_bill and sc_reading point at
 * sc_bill and sc_read, or are NULL when there is none.
 */
struct rb_space_card {
	const char	*sc_number;
	const char	*sc_old_number;
	char		 sc_address[512];		/* one line */
	int		 sc_direct_debit;		/* 0/1 */
	char		 sc_debit_account[32];		/* "•••• 0189" or "" */
	int		 sc_paperless;			/* 0/1 */
	/* What is still owed on the bills to pay, partial payments
	   deducted, bills under direct debit apart; their earliest date
	   limit. */
	int		 sc_unpaid;			/* 0/1 */
	char		 sc_unpaid_amount[RB_MONEY_MAX];	/* "123,45 €" */
	char		 sc_next_due[RB_CLOCK_FR_MAX];
	/* What the bills under direct debit will have debited, and the
	   first date. */
	int		 sc_debit;			/* 0/1 */
	char		 sc_debit_amount[RB_MONEY_MAX];
	char		 sc_next_debit[RB_CLOCK_FR_MAX];
	const struct rb_space_bill *sc_last_bill;
	struct rb_space_bill sc_bill;
	const struct rb_space_reading *sc_reading;
	struct rb_space_reading sc_read;
	int		 sc_has_alerts;			/* 0/1 */
	struct rb_space_alert sc_alerts[3];
	size_t		 sc_nalerts;
};

/* What the dashboard read: the account's contracts, by number, and the
   day it was read for. */
struct rb_space_data {
	struct rb_space_contract *sd_rows;
	size_t			 sd_n;
	char			 sd_today[16];		/* "YYYY-MM-DD" */
};

/*
 * Reads into *out the contracts of account (by number) as of now, free
 * with rb_space_data_free(). Returns RB_OK, or RB_ERROR on a database
 * failure (*out empty).
 */
enum rb_rc	rb_space_read(rb_db *db, int64_t account, time_t now,
		    struct rb_space_data *out);

/*
 * Words the contract i of d into *k (which points into d: it lives as
 * long as d). Today, the day d was read for, decides which bills are
 * late. Alerts: bills overdue or past their due date, and the latest
 * abnormal-consumption alert of the contract when its period ended less
 * than a year before today, and the possible leak of its remote-read
 * meter that app/leaks.h found in the last RB_LEAK_SHOWN_DAYS days.
 */
void		rb_space_card(const struct rb_space_data *d, size_t i,
		    struct rb_space_card *k);

/* Frees what rb_space_read() gave; d is left empty. */
void		rb_space_data_free(struct rb_space_data *d);

/*
 * rb_space_read() through the pages' memory (app/pagecache.h): the
 * value kept for account and today's Paris day when there is one (no
 * round trip), else read now and kept when the cache is on. Its data is
 * a const struct rb_space_data (rb_pagecache_data()), to read only;
 * release it with rb_pagecache_release(). NULL on a database failure.
 */
struct rb_pagecache_val *rb_space_read_kept(rb_db *db, int64_t account,
		    time_t now);

#endif
