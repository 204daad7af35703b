/*
 * rc.h: the one result-code convention of the use cases in src/app.
 * Every use case that can fail for a reason a page must tell apart
 * returns an enum rb_rc: 0 is success, every other value is one
 * outcome, with what an HTTP page should answer for it. Storage keeps
 * its own codes (store/); a use case maps them to these.
 */
#ifndef RB_APP_RC_H
#define RB_APP_RC_H

enum rb_rc {
	RB_OK = 0,	/* done: 200 (or the redirect that follows) */
	RB_DENIED,	/* the one generic refusal (bad proof, no session,
			   token missing or revoked): re-show the form with
			   the generic message, or 401/403 for a program */
	RB_INVALID,	/* bad input, a message or per-field errors say
			   why: re-show the form, 400 for a program */
	RB_LIMITED,	/* too many attempts: 429 with Retry-After */
	RB_NO_BILL,	/* proof right but no bill nor letter yet: the
			   page explains, 200 */
	RB_NOT_FOUND,	/* not in scope or does not exist (the same
			   answer for both): 404 */
	RB_TOO_MANY,	/* a per-account maximum is reached: 409 */
	RB_PENDING,	/* right credentials of a space that waits for
			   activation: the page says so and offers a new
			   activation link, 200 */
	RB_ERROR,	/* internal (database, file), logged: 500 */
	RB_RC__MAX
};

/*
 * The value's name without the "RB_" prefix ("OK", "NOT_FOUND"...) for
 * logs; "?" for a value out of range. Never NULL.
 */
const char	*rb_rc_name(enum rb_rc rc);

#endif
