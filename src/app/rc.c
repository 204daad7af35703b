/*
 * rc.c: names of the result codes of app/rc.h, for logs.
 */
#include <stddef.h>

#include "app/rc.h"

static const char *const rc_names[RB_RC__MAX] = {
	[RB_OK] = "OK",
	[RB_DENIED] = "DENIED",
	[RB_INVALID] = "INVALID",
	[RB_LIMITED] = "LIMITED",
	[RB_NO_BILL] = "NO_BILL",
	[RB_NOT_FOUND] = "NOT_FOUND",
	[RB_TOO_MANY] = "TOO_MANY",
	[RB_PENDING] = "PENDING",
	[RB_ERROR] = "ERROR",
};

const char *
rb_rc_name(enum rb_rc rc)
{
	if ((unsigned)rc >= RB_RC__MAX || rc_names[rc] == NULL)
		return "?";
	return rc_names[rc];
}
