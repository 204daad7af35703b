/*
 * pages/agent_news.c: news and events in the back office (admins only,
 * by the route table's rt_role): the list (GET /agent/actualites), the
 * form to write one (GET, POST /agent/actualites/nouvelle) or change one
 * (GET, POST /agent/actualites/<id>) with a preview of the CommonMark
 * text, and unpublishing (POST /agent/actualites/<id>/depublier). Every
 * POST carries the agent's CSRF token (route guard) and is audited by
 * app/news_admin.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/agent.h"
#include "app/news_admin.h"
#include "tmpl/markdown.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

#define PREFIX		"/agent/actualites/"
#define NEW_PATH	"nouvelle"
#define UNPUBLISH_PATH	"/depublier"

/* How each field of app/news_admin.h is shown. */
static const struct news_field_view {
	const char	*fv_label;
	const char	*fv_type;	/* input type, or NULL for a textarea */
	int		 fv_rows;
	int		 fv_required;
	const char	*fv_hint;
} field_views[RB_NF__MAX] = {
	[RB_NF_TITLE] = { "Titre", "text", 0, 1,
	    "150 caractères au plus." },
	[RB_NF_SUMMARY] = { "Résumé", NULL, 3, 1,
	    "Une ou deux phrases, montrées dans les listes et le fil Atom "
	    "(300 caractères au plus)." },
	[RB_NF_BODY] = { "Texte", NULL, 14, 1,
	    "En CommonMark : une ligne vide sépare les paragraphes, *italique*, "
	    "**gras**, « - » en début de ligne pour une liste, [texte du "
	    "lien](https://adresse). Le HTML n'est pas accepté "
	    "(4 000 caractères au plus)." },
	[RB_NF_KIND] = { NULL, NULL, 0, 0, NULL },
	[RB_NF_PLACE] = { "Lieu", "text", 0, 0, NULL },
	[RB_NF_START] = { "Date de début", "date", 0, 0, "JJ/MM/AAAA." },
	[RB_NF_START_TIME] = { "Heure de début (facultative)", "time", 0, 0,
	    "HH:MM." },
	[RB_NF_END] = { "Date de fin", "date", 0, 0,
	    "Laissez vide pour un événement d'un seul jour." },
	[RB_NF_END_TIME] = { "Heure de fin (facultative)", "time", 0, 0,
	    "HH:MM." },
	[RB_NF_PUBLISH] = { "Publier à partir du", "datetime-local", 0, 0,
	    "JJ/MM/AAAA HH:MM. Laissez vide pour garder un brouillon ; une "
	    "date future programme la publication." },
	[RB_NF_UNPUBLISH] = { "Retirer à partir du", "datetime-local", 0, 0,
	    "Facultatif : la page et le fil ne la montrent plus après." },
};

/* 1 if s is digits where shape has '9' and the same byte elsewhere. */
static int
has_shape(const char *s, const char *shape)
{
	for (; *shape != '\0'; s++, shape++)
		if (*shape == '9' ? !(*s >= '0' && *s <= '9') : *s != *shape)
			return 0;
	return *s == '\0';
}

/*
 * The input type of a field holding val: a date or time input only
 * accepts a value in the browser's own format, so a value in error or
 * typed otherwise (JJ/MM/AAAA) goes back in a text input, as typed.
 */
static const char *
input_type(const char *type, const char *val, const char *msg)
{
	if (type == NULL)
		return "text";
	if (val[0] == '\0' || (strcmp(type, "date") != 0 &&
	    strcmp(type, "time") != 0 && strcmp(type, "datetime-local") != 0))
		return type;
	if (msg != NULL)
		return "text";
	if (strcmp(type, "date") == 0)
		return has_shape(val, "9999-99-99") ? type : "text";
	if (strcmp(type, "time") == 0)
		return has_shape(val, "99:99") ? type : "text";
	return has_shape(val, "9999-99-99T99:99") ||
	    has_shape(val, "9999-99-99T99:99:99") ? type : "text";
}

/* The form's data: {f: {name: field}, errors, has_errors, plural,
 * nature_error, is_news, is_event, alert, notice}. values[k] may be
 * NULL (""). */
static json_t *
form_data(struct rb_req *req, const char *const *values,
    const struct rb_news_errors *err)
{
	json_t *data = json_object(), *fields = json_object(), *errors =
	    json_array(), *f;
	const struct news_field_view *v;
	const char *name, *val, *msg, *described;
	int k;

	for (k = 0; k < RB_NF__MAX; k++) {
		name = rb_news_field_names[k];
		val = values[k] != NULL ? values[k] : "";
		msg = err != NULL ? err->ne_msg[k] : NULL;
		if (msg != NULL)
			json_array_append_new(errors, json_pack("{s:s, s:s}",
			    "id", k == RB_NF_KIND ? "nature" : name,
			    "message", msg));
		if (k == RB_NF_KIND)
			continue;
		v = &field_views[k];
		described = NULL;
		if (v->fv_hint != NULL && msg != NULL)
			described = rb_arena_printf(req->req_arena,
			    "%s-aide %s-erreur", name, name);
		else if (v->fv_hint != NULL)
			described = rb_arena_printf(req->req_arena, "%s-aide",
			    name);
		else if (msg != NULL)
			described = rb_arena_printf(req->req_arena,
			    "%s-erreur", name);
		f = json_pack("{s:s, s:s, s:s, s:b, s:i, s:s, s:b}",
		    "id", name, "label", v->fv_label, "value", val,
		    "textarea", v->fv_type == NULL, "rows", v->fv_rows,
		    "type", input_type(v->fv_type, val, msg),
		    "required", v->fv_required);
		json_object_set_new(f, "hint", v->fv_hint != NULL ?
		    json_string(v->fv_hint) : json_null());
		json_object_set_new(f, "error", msg != NULL ?
		    json_string(msg) : json_null());
		json_object_set_new(f, "described", described != NULL ?
		    json_string(described) : json_null());
		json_object_set_new(fields, name, f);
	}
	val = values[RB_NF_KIND] != NULL ? values[RB_NF_KIND] : "";
	json_object_set_new(data, "f", fields);
	json_object_set_new(data, "has_errors",
	    json_boolean(json_array_size(errors) > 0));
	json_object_set_new(data, "plural",
	    json_boolean(json_array_size(errors) > 1));
	json_object_set_new(data, "errors", errors);
	json_object_set_new(data, "nature_error",
	    err != NULL && err->ne_msg[RB_NF_KIND] != NULL ?
	    json_string(err->ne_msg[RB_NF_KIND]) : json_null());
	json_object_set_new(data, "is_news",
	    json_boolean(strcmp(val, "evenement") != 0));
	json_object_set_new(data, "is_event",
	    json_boolean(strcmp(val, "evenement") == 0));
	json_object_set_new(data, "alert", json_null());
	json_object_set_new(data, "notice", json_null());
	json_object_set_new(data, "csrf", json_string(rb_req_csrf(req)));
	json_object_set_new(data, "preview", json_null());
	return data;
}

/* Renders the form page; takes item (may be NULL: a new one). */
static void
form_page(struct rb_req *req, int status, int64_t id, json_t *item,
    const char *const *values, const struct rb_news_errors *err,
    int preview)
{
	json_t *data = form_data(req, values, err);
	const char *body = values[RB_NF_BODY] != NULL ?
	    values[RB_NF_BODY] : "";
	rb_buf html = RB_BUF_INIT;

	if (id > 0) {
		json_object_set_new(data, "page_title",
		    json_string("Modifier une actualité"));
		json_object_set_new(data, "action", json_string(
		    rb_arena_printf(req->req_arena, PREFIX "%lld",
		    (long long)id)));
	} else {
		json_object_set_new(data, "page_title",
		    json_string("Écrire une actualité ou un événement"));
		json_object_set_new(data, "action",
		    json_string(PREFIX NEW_PATH));
	}
	json_object_set_new(data, "item", item != NULL ? item : json_null());
	if (preview) {
		rb_markdown_html(&html, body, strlen(body), 2);
		json_object_set_new(data, "preview", json_pack("{s:s, s:s, "
		    "s:s}", "title", values[RB_NF_TITLE] != NULL ?
		    values[RB_NF_TITLE] : "", "summary",
		    values[RB_NF_SUMMARY] != NULL ? values[RB_NF_SUMMARY] :
		    "", "body_html", html.buf_data != NULL ? html.buf_data :
		    ""));
		rb_buf_free(&html);
	}
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "agent_news_form", data);
}

void
rb_page_agent_news(struct rb_req *req)
{
	const char *ok = rb_form_get(&req->req_query, "ok");
	const char *notice = NULL;
	json_t *items;

	if (rb_news_admin_list(rb_req_db(req), time(NULL), &items) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	if (ok != NULL && strcmp(ok, "cree") == 0)
		notice = "L'actualité est enregistrée.";
	else if (ok != NULL && strcmp(ok, "modifie") == 0)
		notice = "Les modifications sont enregistrées.";
	else if (ok != NULL && strcmp(ok, "depublie") == 0)
		notice = "L'actualité n'est plus publiée.";
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "agent_news", json_pack("{s:b, s:o, s:s?, "
	    "s:s}", "has_items", json_array_size(items) > 0, "items", items,
	    "notice", notice, "csrf", rb_req_csrf(req)));
}

/* Parses a positive decimal id of at most 18 digits, no leading zero,
 * ending at end (or at NUL when end is NULL). 0 when not an id. */
static int64_t
parse_id(const char *s, const char *end)
{
	int64_t v = 0;
	const char *p;

	if (end == NULL)
		end = s + strlen(s);
	if (end == s || end - s > 18 || *s == '0')
		return 0;
	for (p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
	}
	return v;
}

static void
posted_values(struct rb_req *req, struct rb_news_form *f)
{
	int k;

	for (k = 0; k < RB_NF__MAX; k++)
		f->nf_value[k] = rb_post(req, rb_news_field_names[k]);
}

/* The values of an item's form, from rb_news_admin_get()'s "form". */
static void
item_values(json_t *item, const char **values)
{
	json_t *form = json_object_get(item, "form");
	int k;

	for (k = 0; k < RB_NF__MAX; k++)
		values[k] = json_string_value(json_object_get(form,
		    rb_news_field_names[k]));
}

static void
post_form(struct rb_req *req, int64_t id, json_t *item)
{
	const struct rb_agent *a = rb_req_agent(req);	/* guard: not NULL */
	struct rb_news_errors err;
	struct rb_news_form f;
	struct rb_auth_req ar;
	int64_t new_id = 0;
	enum rb_rc rc;

	posted_values(req, &f);
	if (strcmp(rb_post(req, "action"), "apercu") == 0) {
		form_page(req, 200, id, item, f.nf_value, NULL, 1);
		return;
	}
	rb_req_auth(req, &ar);
	rc = id > 0 ? rb_news_admin_update(&ar, a->ag_id, id, &f, &err) :
	    rb_news_admin_create(&ar, a->ag_id, &f, &new_id, &err);
	switch (rc) {
	case RB_OK:
		json_decref(item);
		rb_resp_redirect(req, id > 0 ? "/agent/actualites?ok=modifie" :
		    "/agent/actualites?ok=cree");
		return;
	case RB_INVALID:
		form_page(req, 200, id, item, f.nf_value, &err, 0);
		return;
	case RB_NOT_FOUND:
		json_decref(item);
		rb_resp_error(req, 404);
		return;
	default:
		json_decref(item);
		rb_resp_error(req, 500);
		return;
	}
}

static void
unpublish(struct rb_req *req, int64_t id)
{
	const struct rb_agent *a = rb_req_agent(req);
	struct rb_auth_req ar;
	enum rb_rc rc;

	if (req->req_method != RB_POST) {
		rb_resp_header(req, "Allow", "POST");
		rb_resp_error(req, 405);
		return;
	}
	rb_req_auth(req, &ar);
	rc = rb_news_admin_unpublish(&ar, a->ag_id, id);
	if (rc == RB_OK || rc == RB_NOT_FOUND) {
		/* Already ended: the same page, nothing to do. */
		rb_resp_redirect(req, "/agent/actualites?ok=depublie");
		return;
	}
	rb_resp_error(req, 500);
}

void
rb_page_agent_news_edit(struct rb_req *req)
{
	const char *rest = req->req_path + strlen(PREFIX);
	const char *slash = strchr(rest, '/');
	const char *values[RB_NF__MAX] = { NULL };
	json_t *item = NULL;
	enum rb_rc rc;
	int64_t id;

	if (strcmp(rest, NEW_PATH) == 0) {
		if (req->req_method == RB_POST) {
			post_form(req, 0, NULL);
			return;
		}
		values[RB_NF_KIND] = "actualite";
		form_page(req, 200, 0, NULL, values, NULL, 0);
		return;
	}
	if (slash != NULL) {
		if (strcmp(slash, UNPUBLISH_PATH) != 0 ||
		    (id = parse_id(rest, slash)) == 0) {
			rb_resp_error(req, 404);
			return;
		}
		unpublish(req, id);
		return;
	}
	if ((id = parse_id(rest, NULL)) == 0) {
		rb_resp_error(req, 404);
		return;
	}
	rc = rb_news_admin_get(rb_req_db(req), time(NULL), id, &item);
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	if (req->req_method == RB_POST) {
		post_form(req, id, item);
		return;
	}
	item_values(item, values);
	form_page(req, 200, id, item, values, NULL, 0);
}
