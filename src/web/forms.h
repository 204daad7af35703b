/*
 * forms.h: the data of form pages for the templates (field.mustache,
 * errors.mustache): labelled inputs with their error, and the error
 * summary at the top that links to each field in error.
 */
#ifndef RB_WEB_FORMS_H
#define RB_WEB_FORMS_H

#include <jansson.h>

#include "http.h"

struct rb_field_def {
	const char	*fd_id;		/* HTML id, also the name */
	const char	*fd_label;	/* French label */
	const char	*fd_type;	/* text, email, password… */
	const char	*fd_autocomplete;
	const char	*fd_hint;	/* may be NULL */
	const char	*fd_inputmode;	/* may be NULL */
};

/* The former customer id of the 2023 migration and of the archive. */
extern const struct rb_field_def rb_field_old_id;

/* One field's data; value and error may be NULL. New reference. */
json_t	*rb_field(const struct rb_field_def *d, const char *value,
	    const char *error);
/*
 * Marks field (from rb_field) invalid because of the error shown under
 * the field other_id: aria-invalid, and aria-describedby names that
 * error too (one message for two fields, e.g. "e-mail or password").
 */
void	 rb_field_invalid_by(json_t *field, const char *other_id);
/*
 * A form page's data: {csrf, fields:[…], has_errors, plural,
 * errors:[{id, message}], alert, notice}, from the fields (taken) and an
 * optional alert (one message for the whole form) or notice. A field in
 * error or an alert marks the answer as a refused form
 * (req->resp_failed): the page title then starts with "Erreur : " and
 * the error summary (or the alert) takes the focus when the page loads
 * (errors.mustache, autofocus).
 */
json_t	*rb_form_page(struct rb_req *req, json_t *fields, const char *alert,
	    const char *notice);
/* Adds an error of a control rendered outside page's fields (radio
 * group, separate field) to the summary of page (from rb_form_page). */
void	 rb_form_add_error(struct rb_req *req, json_t *page, const char *id,
	    const char *message);
/* The trimmed value of a posted field, "" when absent. */
const char *rb_post(struct rb_req *req, const char *name);
/* "Réessayez dans N minutes." for a retry delay in seconds; also sends
 * the Retry-After header of the throttled answer (429) it goes into. */
const char *rb_retry_text(struct rb_req *req, int seconds);

#endif
