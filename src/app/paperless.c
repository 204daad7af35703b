/*
 * paperless.c: switching paperless billing (see paperless.h).
 */
#include <jansson.h>

#include "app/paperless.h"
#include "base/log.h"
#include "mail/mail.h"
#include "store/audit.h"
#include "store/paperless.h"

static const char *const by_names[RB_PAPERLESS_BY__MAX] = {
	[RB_PAPERLESS_BY_SUBSCRIBER] = "subscriber",
	[RB_PAPERLESS_BY_AGENT] = "agent",
};

/* One try of rb_paperless_switch() inside its transaction. */
struct pl_switch {
	int64_t			 ps_account, ps_actor;
	const char		*ps_number, *ps_ip;
	int			 ps_on;
	enum rb_paperless_by	 ps_by;
	time_t			 ps_now;
	int			 ps_changed;	/* out */
};

/* Reads the choice and switches it when it differs, with the audit and
 * the mail: 0, 1 when no such contract (rolled back) or -1. */
static int
pl_switch_try(rb_db *db, void *arg)
{
	struct pl_switch *t = arg;
	struct rb_paperless_row row;
	enum rb_paperless_by by = t->ps_by;
	char target[40];
	json_t *detail, *data;
	int k, on = t->ps_on;

	t->ps_changed = 0;
	if ((k = rb_paperless_get(db, t->ps_account, t->ps_number, &row)) != 0)
		return k == 1 ? 1 : -1;
	if (row.pr_paperless == on)
		return 0;
	if (rb_paperless_set(db, row.pr_contract_id, on, by_names[by]) != 0)
		return -1;
	snprintf(target, sizeof(target), "contract:%s", t->ps_number);
	detail = json_pack("{s:s, s:b}", "by", by_names[by], "was",
	    row.pr_paperless);
	k = rb_audit(db, t->ps_now, by == RB_PAPERLESS_BY_AGENT ?
	    RB_ACTOR_AGENT : RB_ACTOR_SUBSCRIBER, by == RB_PAPERLESS_BY_AGENT ?
	    t->ps_actor : t->ps_account, on ? "paperless.on" :
	    "paperless.off", target, t->ps_ip, detail);
	json_decref(detail);
	if (k != 0)
		return -1;
	data = json_pack("{s:s, s:s}", "contract_number", t->ps_number, "link",
	    "/mon-espace");
	if (row.pr_first_name[0] != '\0')
		json_object_set_new(data, "first_name",
		    json_string(row.pr_first_name));
	k = rb_mail_queue(db, on ? RB_MAIL_PAPERLESS_ON :
	    RB_MAIL_PAPERLESS_OFF, row.pr_email, data, t->ps_now);
	json_decref(data);
	if (k != 0)
		return -1;
	t->ps_changed = 1;
	return 0;
}

enum rb_rc
rb_paperless_switch(rb_db *db, int64_t account, const char *number, int on,
    enum rb_paperless_by by, int64_t actor_id, const char *ip, time_t now,
    int *changed)
{
	struct pl_switch t;
	int rc;

	*changed = 0;
	on = on != 0;
	if ((unsigned)by >= RB_PAPERLESS_BY__MAX)
		return RB_ERROR;
	t.ps_account = account;
	t.ps_actor = actor_id;
	t.ps_number = number;
	t.ps_ip = ip;
	t.ps_on = on;
	t.ps_by = by;
	t.ps_now = now;
	if ((rc = rb_db_transact(db, pl_switch_try, &t)) != 0)
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	*changed = t.ps_changed;
	return RB_OK;
}
