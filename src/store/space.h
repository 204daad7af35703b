/*
 * space.h: SQL of the subscriber's dashboard (/mon-espace): one row per
 * contract of a web account with what the dashboard shows of it.
 */
#ifndef RB_STORE_SPACE_H
#define RB_STORE_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/*
 * One contract linked to an account, as the dashboard shows it. Text
 * members point into sp_text (one block per contract), NULL when absent
 * (sp_number never is); integers are 0 when absent.
 */
struct rb_space_contract {
	int64_t	 sp_id;			/* contracts.id */
	char	*sp_text;		/* the texts below, owned */
	char	*sp_number;
	char	*sp_old_number;
	char	*sp_address;
	char	*sp_postcode;
	char	*sp_commune;
	int	 sp_direct_debit;	/* 0/1 */
	int	 sp_paperless;		/* 0/1 */
	/* The most recently issued bill (not cancelled). */
	char	*sp_last_number;
	char	*sp_last_issued_on;
	char	*sp_last_due_on;
	int64_t	 sp_last_total_cents;
	char	*sp_last_status;
	int	 sp_last_archived;	/* 0/1 */
	char	*sp_mandate_last4;	/* the active SEPA mandate's */
	/* The meter in place (the latest installed) and its latest reading. */
	char	*sp_meter_serial;
	int	 sp_meter_remote;	/* 0/1 */
	char	*sp_read_on;
	int64_t	 sp_read_litres;
	char	*sp_read_source;
	/* The latest abnormal-consumption alert whose period ended on or
	   after alerts_since. */
	char	*sp_alert_period_end;
	int64_t	 sp_alert_litres;
	int64_t	 sp_alert_average_litres;
	/* The latest possible leak (app/leaks.h) whose last day is on or
	   after leaks_since, and the serial of its meter; all NULL/0 when
	   none. */
	char	*sp_leak_first;
	char	*sp_leak_last;
	int64_t	 sp_leak_usual_litres;
	int64_t	 sp_leak_factor;
	char	*sp_leak_serial;
	/*
	 * The bills to pay or overdue with something owed (total minus
	 * succeeded payments, RB_SQL_OWED of store/payments.h): what is
	 * owed on them, how many, the earliest due date ("" when none),
	 * how many are overdue or due before today.
	 */
	int64_t	 sp_unpaid_cents;
	int64_t	 sp_unpaid_count;
	char	 sp_next_due_on[11];
	int64_t	 sp_late_count;
	/*
	 * The bills under direct debit with something owed: the amount of
	 * their debit not yet collected, else what is owed; how many; the
	 * earliest of its collection date, else of their due date ("" when
	 * none).
	 */
	int64_t	 sp_debit_cents;
	int64_t	 sp_debit_count;
	char	 sp_next_debit_on[11];
};

/*
 * Sets *out to a new array of the *n contracts linked to account, by
 * contract number. today, alerts_since and leaks_since are
 * "YYYY-MM-DD". The figures
 * of the open bills are added up in C from one row per bill (no
 * temporary table in the engine); both statements go as one batch
 * (rb_db_fetch_batch(): one round trip to PostgreSQL), and inside a
 * read transaction (the page's: routes.c, rt_read) read one state. Free with
 * rb_space_contracts_free(). Returns 0, or -1 with *out NULL and *n 0.
 */
int	rb_space_contracts(rb_db *db, int64_t account, const char *today,
	    const char *alerts_since, const char *leaks_since,
	    struct rb_space_contract **out, size_t *n);

/* Frees what rb_space_contracts() gave (v may be NULL). */
void	rb_space_contracts_free(struct rb_space_contract *v, size_t n);

#endif
