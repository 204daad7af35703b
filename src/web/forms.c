/*
 * forms.c: form page data (see forms.h).
 */
#include <ctype.h>
#include <string.h>

#include "forms.h"
#include "session.h"

static json_t *
str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

json_t *
rb_field(const struct rb_field_def *d, const char *value, const char *error)
{
	json_t *f = json_object();
	char described[128];

	described[0] = '\0';
	if (d->fd_hint != NULL)
		snprintf(described, sizeof(described), "%s-aide", d->fd_id);
	if (error != NULL)
		snprintf(described + strlen(described),
		    sizeof(described) - strlen(described), "%s%s-erreur",
		    described[0] ? " " : "", d->fd_id);
	json_object_set_new(f, "id", json_string(d->fd_id));
	json_object_set_new(f, "name", json_string(d->fd_id));
	json_object_set_new(f, "label", json_string(d->fd_label));
	json_object_set_new(f, "type", json_string(d->fd_type));
	/* Passwords are never sent back. */
	json_object_set_new(f, "value", strcmp(d->fd_type, "password") == 0 ?
	    json_null() : str_or_null(value));
	json_object_set_new(f, "autocomplete", str_or_null(d->fd_autocomplete));
	json_object_set_new(f, "hint", str_or_null(d->fd_hint));
	json_object_set_new(f, "inputmode", str_or_null(d->fd_inputmode));
	json_object_set_new(f, "error", str_or_null(error));
	json_object_set_new(f, "invalid", json_boolean(error != NULL &&
	    error[0] != '\0'));
	json_object_set_new(f, "described", str_or_null(described));
	json_object_set_new(f, "required", json_true());
	return f;
}

void
rb_field_invalid_by(json_t *field, const char *other_id)
{
	const char *d = json_string_value(json_object_get(field, "described"));
	char described[160];

	snprintf(described, sizeof(described), "%s%s%s-erreur",
	    d != NULL ? d : "", d != NULL ? " " : "", other_id);
	json_object_set_new(field, "invalid", json_true());
	json_object_set_new(field, "described", json_string(described));
}

json_t *
rb_form_page(struct rb_req *req, json_t *fields, const char *alert,
    const char *notice)
{
	json_t *errors = json_array(), *f;
	size_t i;

	json_array_foreach(fields, i, f)
		if (json_is_string(json_object_get(f, "error")))
			json_array_append_new(errors, json_pack("{s:O, s:O}",
			    "id", json_object_get(f, "id"),
			    "message", json_object_get(f, "error")));
	if (json_array_size(errors) > 0 || (alert != NULL && alert[0] != '\0'))
		req->resp_failed = 1;
	return json_pack("{s:s, s:o, s:b, s:b, s:o, s:o, s:o}",
	    "csrf", rb_req_csrf(req),
	    "fields", fields,
	    "has_errors", json_array_size(errors) > 0,
	    "plural", json_array_size(errors) > 1,
	    "errors", errors,
	    "alert", str_or_null(alert),
	    "notice", str_or_null(notice));
}

void
rb_form_add_error(struct rb_req *req, json_t *page, const char *id,
    const char *message)
{
	json_t *errors = json_object_get(page, "errors");

	json_array_append_new(errors, json_pack("{s:s, s:s}", "id", id,
	    "message", message));
	json_object_set_new(page, "has_errors", json_true());
	json_object_set_new(page, "plural", json_boolean(
	    json_array_size(errors) > 1));
	req->resp_failed = 1;
}

const struct rb_field_def rb_field_old_id = { "identifiant",
    "Ancien identifiant client", "text", "username",
    "Il figure sur vos factures de 2023, par exemple 1234567A.", NULL };

const char *
rb_post(struct rb_req *req, const char *name)
{
	const char *v = rb_form_get(&req->req_body, name);
	size_t n;

	if (v == NULL)
		return "";
	while (isspace((unsigned char)*v))
		v++;
	n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	return rb_arena_strndup(req->req_arena, v, n);
}

const char *
rb_retry_text(struct rb_req *req, int seconds)
{
	int minutes = (seconds + 59) / 60;

	rb_resp_header(req, "Retry-After", rb_arena_printf(req->req_arena,
	    "%d", seconds > 0 ? seconds : 1));
	if (minutes <= 1)
		return "Trop de tentatives. Réessayez dans 1 minute.";
	return rb_arena_printf(req->req_arena, "Trop de tentatives. "
	    "Réessayez dans %d minutes.", minutes);
}
