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

enum rb_rc
rb_paperless_switch(rb_db *db, int64_t account, const char *number, int on,
    enum rb_paperless_by by, int64_t actor_id, const char *ip, time_t now,
    int *changed)
{
	struct rb_paperless_row row;
	char target[40];
	json_t *detail = NULL, *data = NULL;
	enum rb_rc rc = RB_ERROR;
	int k;

	*changed = 0;
	on = on != 0;
	if ((unsigned)by >= RB_PAPERLESS_BY__MAX)
		return RB_ERROR;
	if (rb_db_begin(db) != 0)
		return RB_ERROR;
	if ((k = rb_paperless_get(db, account, number, &row)) != 0) {
		rc = k == 1 ? RB_NOT_FOUND : RB_ERROR;
		goto out;
	}
	if (row.pr_paperless == on) {
		rc = RB_OK;
		goto out;
	}
	if (rb_paperless_set(db, row.pr_contract_id, on, by_names[by]) != 0)
		goto out;
	snprintf(target, sizeof(target), "contract:%s", number);
	detail = json_pack("{s:s, s:b}", "by", by_names[by], "was",
	    row.pr_paperless);
	if (rb_audit(db, now, by == RB_PAPERLESS_BY_AGENT ? RB_ACTOR_AGENT :
	    RB_ACTOR_SUBSCRIBER, by == RB_PAPERLESS_BY_AGENT ? actor_id :
	    account, on ? "paperless.on" : "paperless.off", target, ip,
	    detail) != 0)
		goto out;
	data = json_pack("{s:s, s:s}", "contract_number", number, "link",
	    "/mon-espace");
	if (row.pr_first_name[0] != '\0')
		json_object_set_new(data, "first_name",
		    json_string(row.pr_first_name));
	if (rb_mail_queue(db, on ? RB_MAIL_PAPERLESS_ON :
	    RB_MAIL_PAPERLESS_OFF, row.pr_email, data, now) != 0)
		goto out;
	*changed = 1;
	rc = RB_OK;
out:
	json_decref(detail);
	json_decref(data);
	if (rc == RB_OK && *changed) {
		if (rb_db_commit(db) != 0) {
			*changed = 0;
			return RB_ERROR;
		}
	} else
		rb_db_rollback(db);
	return rc;
}
