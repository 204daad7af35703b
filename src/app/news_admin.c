/*
 * news_admin.c: the admins' use cases of news and events (see
 * news_admin.h).
 */
#include <stdio.h>
#include <string.h>

#include <unistr.h>

#include "app/agent.h"
#include "base/clock.h"
#include "store/news.h"
#include "home.h"
#include "news.h"
#include "news_admin.h"

#define SLUG_BASE_MAX	60
#define SLUG_TRIES	50

const char *const rb_news_field_names[RB_NF__MAX] = {
	[RB_NF_TITLE] = "titre",
	[RB_NF_SUMMARY] = "resume",
	[RB_NF_BODY] = "texte",
	[RB_NF_KIND] = "nature",
	[RB_NF_PLACE] = "lieu",
	[RB_NF_START] = "debut",
	[RB_NF_START_TIME] = "heure_debut",
	[RB_NF_END] = "fin",
	[RB_NF_END_TIME] = "heure_fin",
	[RB_NF_PUBLISH] = "publication",
	[RB_NF_UNPUBLISH] = "fin_publication",
};

static void
set_error(struct rb_news_errors *err, enum rb_news_field f, const char *msg)
{
	if (err->ne_msg[f] == NULL)
		err->ne_count++;
	err->ne_msg[f] = msg;
}

static const char *
value(const struct rb_news_form *f, enum rb_news_field k)
{
	return f->nf_value[k] != NULL ? f->nf_value[k] : "";
}

/* 1 if s holds a control character (multiline: newlines and tabs are
 * allowed), else 0. */
static int
has_control(const char *s, int multiline)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == 0x7f)
			return 1;
		if (*p >= 0x20)
			continue;
		if (multiline && (*p == '\n' || *p == '\r' || *p == '\t'))
			continue;
		return 1;
	}
	return 0;
}

/* Checks a text field: required, length in characters, no control
 * characters. Returns 0 or -1 (error set). */
static int
check_text(const struct rb_news_form *f, enum rb_news_field k, int required,
    size_t max, int multiline, const char *msg_missing, const char *msg_long,
    const char *msg_control, struct rb_news_errors *err)
{
	const char *s = value(f, k);
	size_t n = strlen(s);

	if (n == 0) {
		if (required) {
			set_error(err, k, msg_missing);
			return -1;
		}
		return 0;
	}
	if (u8_check((const uint8_t *)s, n) != NULL ||
	    has_control(s, multiline)) {
		set_error(err, k, msg_control);
		return -1;
	}
	if (u8_mbsnlen((const uint8_t *)s, n) > max) {
		set_error(err, k, msg_long);
		return -1;
	}
	return 0;
}

/* "YYYY-MM-DD" or "JJ/MM/AAAA" to out (11 bytes, ISO). 0 or -1. */
static int
parse_day(const char *s, char *out)
{
	struct rb_date d;
	char iso[11];

	if (strlen(s) == 10 && s[2] == '/' && s[5] == '/') {
		snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", s + 6, s + 3, s);
		s = iso;
	}
	if (rb_clock_parse_date(s, &d) != 0)
		return -1;
	return rb_clock_format_date(&d, out, 11);
}

/* "HH:MM" (00:00-23:59) to minutes, or -1. */
static int
parse_hhmm(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':' ||
	    s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	if ((s[0] - '0') * 10 + (s[1] - '0') > 23)
		return -1;
	return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 +
	    (s[3] - '0') * 10 + (s[4] - '0');
}

/*
 * A Paris wall-clock date and time as typed ("YYYY-MM-DDTHH:MM", a space
 * for the T, optional ":SS"; or "JJ/MM/AAAA HH:MM") to the UTC instant.
 * 0 or -1.
 */
static int
parse_local(const char *s, int64_t *out)
{
	char day[11], iso[11], hhmm[6];
	struct rb_date d;
	size_t n = strlen(s);
	int min;

	if ((n != 16 && n != 19) || (s[10] != 'T' && s[10] != ' '))
		return -1;
	if (n == 19 && (s[16] != ':' || s[17] < '0' || s[17] > '5' ||
	    s[18] < '0' || s[18] > '9'))
		return -1;
	memcpy(day, s, 10);
	day[10] = '\0';
	memcpy(hhmm, s + 11, 5);
	hhmm[5] = '\0';
	if (parse_day(day, iso) != 0 || (min = parse_hhmm(hhmm)) < 0 ||
	    rb_clock_parse_date(iso, &d) != 0)
		return -1;
	*out = (int64_t)rb_clock_paris_mktime(&d, min / 60, min % 60, 0);
	return 0;
}

enum rb_rc
rb_news_admin_check(const struct rb_news_form *f, struct rb_news_input *out,
    struct rb_news_checked *buf, struct rb_news_errors *err)
{
	const char *kind = value(f, RB_NF_KIND);
	int is_event = 0, t0 = -1, t1 = -1;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	memset(buf, 0, sizeof(*buf));
	out->ni_published_at = -1;
	out->ni_unpublished_at = -1;

	check_text(f, RB_NF_TITLE, 1, RB_NEWS_TITLE_MAX, 0,
	    "Indiquez un titre.",
	    "Le titre ne doit pas dépasser 150 caractères.",
	    "Le titre contient un caractère non autorisé (retour à la ligne "
	    "ou caractère de contrôle).", err);
	check_text(f, RB_NF_SUMMARY, 1, RB_NEWS_SUMMARY_MAX, 1,
	    "Indiquez un résumé en une ou deux phrases.",
	    "Le résumé ne doit pas dépasser 300 caractères.",
	    "Le résumé contient un caractère de contrôle non autorisé.", err);
	check_text(f, RB_NF_BODY, 1, RB_NEWS_BODY_MAX, 1,
	    "Écrivez le texte.",
	    "Le texte ne doit pas dépasser 4 000 caractères.",
	    "Le texte contient un caractère de contrôle non autorisé.", err);
	if (strcmp(kind, "evenement") == 0)
		is_event = 1;
	else if (strcmp(kind, "actualite") != 0)
		set_error(err, RB_NF_KIND, "Choisissez « Actualité » ou "
		    "« Événement ».");

	if (is_event) {
		check_text(f, RB_NF_PLACE, 0, RB_NEWS_PLACE_MAX, 0, NULL,
		    "Le lieu ne doit pas dépasser 150 caractères.",
		    "Le lieu contient un caractère non autorisé (retour à la "
		    "ligne ou caractère de contrôle).", err);
		if (value(f, RB_NF_START)[0] == '\0')
			set_error(err, RB_NF_START, "Indiquez la date de "
			    "début de l'événement.");
		else if (parse_day(value(f, RB_NF_START), buf->nc_start) != 0)
			set_error(err, RB_NF_START, "La date de début n'existe "
			    "pas. Écrivez-la sous la forme JJ/MM/AAAA.");
		if (value(f, RB_NF_END)[0] == '\0')
			memcpy(buf->nc_end, buf->nc_start, sizeof(buf->nc_end));
		else if (parse_day(value(f, RB_NF_END), buf->nc_end) != 0)
			set_error(err, RB_NF_END, "La date de fin n'existe "
			    "pas. Écrivez-la sous la forme JJ/MM/AAAA.");
		if (buf->nc_start[0] != '\0' && buf->nc_end[0] != '\0' &&
		    strcmp(buf->nc_end, buf->nc_start) < 0)
			set_error(err, RB_NF_END, "La date de fin ne peut pas "
			    "précéder la date de début.");
		if (value(f, RB_NF_START_TIME)[0] != '\0' &&
		    (t0 = parse_hhmm(value(f, RB_NF_START_TIME))) < 0)
			set_error(err, RB_NF_START_TIME, "L'heure de début "
			    "s'écrit HH:MM, par exemple 14:30.");
		if (value(f, RB_NF_END_TIME)[0] != '\0' &&
		    (t1 = parse_hhmm(value(f, RB_NF_END_TIME))) < 0)
			set_error(err, RB_NF_END_TIME, "L'heure de fin "
			    "s'écrit HH:MM, par exemple 17:00.");
		if (t0 >= 0 && t1 >= 0 && buf->nc_start[0] != '\0' &&
		    strcmp(buf->nc_start, buf->nc_end) == 0 && t1 <= t0)
			set_error(err, RB_NF_END_TIME, "L'heure de fin doit "
			    "suivre l'heure de début.");
		if (t0 >= 0)
			snprintf(buf->nc_start_time, sizeof(buf->nc_start_time),
			    "%s", value(f, RB_NF_START_TIME));
		if (t1 >= 0)
			snprintf(buf->nc_end_time, sizeof(buf->nc_end_time),
			    "%s", value(f, RB_NF_END_TIME));
	}
	if (value(f, RB_NF_PUBLISH)[0] != '\0' &&
	    parse_local(value(f, RB_NF_PUBLISH), &out->ni_published_at) != 0)
		set_error(err, RB_NF_PUBLISH, "La date de publication s'écrit "
		    "JJ/MM/AAAA HH:MM ; laissez-la vide pour un brouillon.");
	if (value(f, RB_NF_UNPUBLISH)[0] != '\0') {
		if (parse_local(value(f, RB_NF_UNPUBLISH),
		    &out->ni_unpublished_at) != 0)
			set_error(err, RB_NF_UNPUBLISH, "La fin de publication "
			    "s'écrit JJ/MM/AAAA HH:MM ; laissez-la vide pour "
			    "ne pas la limiter.");
		else if (out->ni_published_at >= 0 &&
		    out->ni_unpublished_at <= out->ni_published_at)
			set_error(err, RB_NF_UNPUBLISH, "La fin de publication "
			    "doit suivre la publication.");
	}
	if (err->ne_count > 0)
		return RB_INVALID;

	out->ni_title = value(f, RB_NF_TITLE);
	out->ni_summary = value(f, RB_NF_SUMMARY);
	out->ni_body_md = value(f, RB_NF_BODY);
	out->ni_kind = is_event ? "event" : "news";
	if (is_event) {
		out->ni_place = value(f, RB_NF_PLACE)[0] != '\0' ?
		    value(f, RB_NF_PLACE) : NULL;
		out->ni_start = buf->nc_start;
		out->ni_end = buf->nc_end;
		out->ni_start_time = t0 >= 0 ? buf->nc_start_time : NULL;
		out->ni_end_time = t1 >= 0 ? buf->nc_end_time : NULL;
	}
	return RB_OK;
}

/* The ASCII letters of the French accented letter at p (UTF-8, *len
 * bytes), or NULL. */
static const char *
fold_letter(const unsigned char *p, size_t *len)
{
	static const struct { const char *from, *to; } table[] = {
		{ "à", "a" }, { "â", "a" }, { "ä", "a" }, { "á", "a" },
		{ "ç", "c" }, { "é", "e" }, { "è", "e" }, { "ê", "e" },
		{ "ë", "e" }, { "î", "i" }, { "ï", "i" }, { "í", "i" },
		{ "ô", "o" }, { "ö", "o" }, { "ó", "o" }, { "ù", "u" },
		{ "û", "u" }, { "ü", "u" }, { "ú", "u" }, { "ÿ", "y" },
		{ "ñ", "n" }, { "œ", "oe" }, { "æ", "ae" },
		{ "À", "a" }, { "Â", "a" }, { "Ä", "a" }, { "Ç", "c" },
		{ "É", "e" }, { "È", "e" }, { "Ê", "e" }, { "Ë", "e" },
		{ "Î", "i" }, { "Ï", "i" }, { "Ô", "o" }, { "Ö", "o" },
		{ "Ù", "u" }, { "Û", "u" }, { "Ü", "u" }, { "Ÿ", "y" },
		{ "Œ", "oe" }, { "Æ", "ae" },
	};
	size_t i, n;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		n = strlen(table[i].from);
		if (memcmp(p, table[i].from, n) == 0) {
			*len = n;
			return table[i].to;
		}
	}
	return NULL;
}

void
rb_news_slug_from_title(const char *title, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)title;
	size_t n = 0, len, max = outlen - 1;
	const char *ascii;
	int dash = 0;

	if (max > SLUG_BASE_MAX)
		max = SLUG_BASE_MAX;
	while (*p != '\0') {
		ascii = NULL;
		len = 1;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    (*p >= 'A' && *p <= 'Z')) &&
		    (ascii = fold_letter(p, &len)) == NULL) {
			/* Anything else separates words: skip the whole
			   UTF-8 sequence. */
			if (*p >= 0x80)
				while ((p[len] & 0xc0) == 0x80)
					len++;
			dash = n > 0;
			p += len;
			continue;
		}
		if (dash && n + 1 < max) {
			out[n++] = '-';
			dash = 0;
		}
		if (ascii == NULL) {
			if (n + 1 > max)
				break;
			out[n++] = (char)(*p >= 'A' && *p <= 'Z' ?
			    *p + ('a' - 'A') : *p);
		} else {
			if (n + strlen(ascii) > max)
				break;
			memcpy(out + n, ascii, strlen(ascii));
			n += strlen(ascii);
		}
		p += len;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, outlen, "actualite");
}

static json_t *
audit_detail(const struct rb_news_input *in, const char *slug)
{
	return json_pack("{s:s, s:s, s:s}", "slug", slug, "title",
	    in->ni_title, "kind", in->ni_kind);
}

/* One try of the news changes below (rb_db_transact()). */
struct news_txn {
	const struct rb_auth_req	*nt_r;
	int64_t				 nt_agent, nt_id;	/* id: in/out */
	struct rb_news_input		*nt_in;
	const char			*nt_base;
	char				*nt_slug;
	size_t				 nt_slug_size;
};

/* Finds a free slug from nt_base, inserts the news and audits it; 0 or
 * -1. */
static int
news_create_try(rb_db *db, void *arg)
{
	struct news_txn *t = arg;
	char target[32];
	json_t *detail;
	int i, rc = -1;

	for (i = 1; i <= SLUG_TRIES; i++) {
		if (i == 1)
			snprintf(t->nt_slug, t->nt_slug_size, "%s", t->nt_base);
		else
			snprintf(t->nt_slug, t->nt_slug_size, "%s-%d",
			    t->nt_base, i);
		rc = rb_news_slug_exists(db, t->nt_slug);
		if (rc != 1)
			break;
	}
	if (rc != 0 || rb_news_insert(db, t->nt_in, t->nt_r->ar_now,
	    &t->nt_id) != 0)
		return -1;
	snprintf(target, sizeof(target), "news:%lld", (long long)t->nt_id);
	detail = audit_detail(t->nt_in, t->nt_slug);
	rc = rb_agent_audit(t->nt_r, t->nt_agent, "news.create", target,
	    detail);
	json_decref(detail);
	return rc != 0 ? -1 : 0;
}

/* Updates news nt_id and audits it: 0, 1 when no such news (rolled
 * back) or -1. */
static int
news_update_try(rb_db *db, void *arg)
{
	struct news_txn *t = arg;
	json_t *old = NULL, *detail;
	char target[32];
	int rc;

	if ((rc = rb_news_by_id(db, t->nt_id, &old)) == 1)
		return 1;
	if (rc != 0 || rb_news_update(db, t->nt_id, t->nt_in,
	    t->nt_r->ar_now) != 0) {
		json_decref(old);
		return -1;
	}
	snprintf(target, sizeof(target), "news:%lld", (long long)t->nt_id);
	detail = audit_detail(t->nt_in, json_string_value(json_object_get(old,
	    "slug")));
	rc = rb_agent_audit(t->nt_r, t->nt_agent, "news.update", target,
	    detail);
	json_decref(detail);
	json_decref(old);
	return rc != 0 ? -1 : 0;
}

/* Unpublishes news nt_id and audits it: 0, 1 when no such news, or
 * -1. */
static int
news_unpublish_try(rb_db *db, void *arg)
{
	struct news_txn *t = arg;
	char target[32];
	int rc;

	if ((rc = rb_news_unpublish(db, t->nt_id, t->nt_r->ar_now)) == 1)
		return 1;
	snprintf(target, sizeof(target), "news:%lld", (long long)t->nt_id);
	return rc != 0 || rb_agent_audit(t->nt_r, t->nt_agent,
	    "news.unpublish", target, NULL) != 0 ? -1 : 0;
}

enum rb_rc
rb_news_admin_create(const struct rb_auth_req *r, int64_t agent,
    const struct rb_news_form *f, int64_t *id, struct rb_news_errors *err)
{
	struct rb_news_checked buf;
	struct rb_news_input in;
	struct news_txn t;
	char base[SLUG_BASE_MAX + 1], slug[SLUG_BASE_MAX + 8];
	int rc;

	if (rb_news_admin_check(f, &in, &buf, err) != RB_OK)
		return RB_INVALID;
	rb_news_slug_from_title(in.ni_title, base, sizeof(base));
	in.ni_author_agent_id = agent;
	in.ni_slug = slug;
	memset(&t, 0, sizeof(t));
	t.nt_r = r;
	t.nt_agent = agent;
	t.nt_in = &in;
	t.nt_base = base;
	t.nt_slug = slug;
	t.nt_slug_size = sizeof(slug);
	rc = rb_db_transact(r->ar_db, news_create_try, &t);
	rb_home_news_written();		/* after the commit, never before */
	if (rc != 0)
		return RB_ERROR;
	*id = t.nt_id;
	return RB_OK;
}

enum rb_rc
rb_news_admin_update(const struct rb_auth_req *r, int64_t agent, int64_t id,
    const struct rb_news_form *f, struct rb_news_errors *err)
{
	struct rb_news_checked buf;
	struct rb_news_input in;
	struct news_txn t;
	int rc;

	if (rb_news_admin_check(f, &in, &buf, err) != RB_OK)
		return RB_INVALID;
	in.ni_author_agent_id = agent;
	memset(&t, 0, sizeof(t));
	t.nt_r = r;
	t.nt_agent = agent;
	t.nt_id = id;
	t.nt_in = &in;
	rc = rb_db_transact(r->ar_db, news_update_try, &t);
	rb_home_news_written();		/* after the commit, never before */
	if (rc != 0)
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	return RB_OK;
}

enum rb_rc
rb_news_admin_unpublish(const struct rb_auth_req *r, int64_t agent,
    int64_t id)
{
	struct news_txn t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.nt_r = r;
	t.nt_agent = agent;
	t.nt_id = id;
	rc = rb_db_transact(r->ar_db, news_unpublish_try, &t);
	rb_home_news_written();		/* after the commit, never before */
	if (rc != 0)
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	return RB_OK;
}

static json_int_t
int_or(json_t *item, const char *key, json_int_t dflt)
{
	json_t *v = json_object_get(item, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* "3 décembre 2026 à 8 h 30" for instant t, Paris time. */
static json_t *
fr_instant(json_int_t t)
{
	char date[RB_CLOCK_FR_MAX], hm[RB_CLOCK_FR_MAX], out[160];
	struct rb_localtime lt;

	rb_clock_paris((time_t)t, &lt);
	if (rb_clock_fr_date(&lt.lt_date, date, sizeof(date)) != 0 ||
	    rb_clock_fr_time(lt.lt_hour * 60 + lt.lt_min, hm, sizeof(hm)) != 0)
		return json_null();
	snprintf(out, sizeof(out), "%s à %s", date, hm);
	return json_string(out);
}

/* "YYYY-MM-DDTHH:MM" for instant t, Paris time (the form's value). */
static json_t *
local_value(json_int_t t)
{
	struct rb_localtime lt;
	char day[16], out[32];

	rb_clock_paris((time_t)t, &lt);
	if (rb_clock_format_date(&lt.lt_date, day, sizeof(day)) != 0)
		return json_string("");
	snprintf(out, sizeof(out), "%sT%02d:%02d", day, lt.lt_hour,
	    lt.lt_min);
	return json_string(out);
}

/* Adds state, state_fr, visible, can_unpublish and the French instants
 * to an item of store/news.h at now. */
static void
add_state(json_t *item, time_t now)
{
	json_int_t pub = int_or(item, "published_at", -1);
	json_int_t end = int_or(item, "unpublished_at", -1);
	const char *state, *state_fr;

	if (end >= 0 && end <= now) {
		state = "ended";
		state_fr = "Dépubliée";
	} else if (pub < 0) {
		state = "draft";
		state_fr = "Brouillon";
	} else if (pub > now) {
		state = "scheduled";
		state_fr = "Programmée";
	} else {
		state = "online";
		state_fr = "En ligne";
	}
	json_object_set_new(item, "state", json_string(state));
	json_object_set_new(item, "state_fr", json_string(state_fr));
	json_object_set_new(item, "visible",
	    json_boolean(strcmp(state, "online") == 0));
	json_object_set_new(item, "can_unpublish",
	    json_boolean(strcmp(state, "online") == 0 ||
	    strcmp(state, "scheduled") == 0));
	json_object_set_new(item, "publish_fr", pub >= 0 ? fr_instant(pub) :
	    json_null());
	json_object_set_new(item, "unpublish_fr", end >= 0 ?
	    fr_instant(end) : json_null());
	/* 0: written before edits were dated (the demo, version 15). */
	json_object_set_new(item, "updated_fr", int_or(item, "updated_at",
	    0) > 0 ? fr_instant(int_or(item, "updated_at", 0)) :
	    json_null());
	json_object_set_new(item, "kind_fr", json_string(strcmp(
	    json_string_value(json_object_get(item, "kind")), "event") == 0 ?
	    "Événement" : "Actualité"));
}

enum rb_rc
rb_news_admin_list(rb_db *db, time_t now, json_t **out)
{
	json_t *item;
	size_t i;

	if (rb_news_all(db, out) != 0)
		return RB_ERROR;
	json_array_foreach(*out, i, item)
		add_state(item, now);
	return RB_OK;
}

static json_t *
text_or_empty(json_t *item, const char *key)
{
	const char *s = json_string_value(json_object_get(item, key));

	return json_string(s != NULL ? s : "");
}

enum rb_rc
rb_news_admin_get(rb_db *db, time_t now, int64_t id, json_t **out)
{
	json_t *item = NULL, *form;
	json_int_t pub, end;
	int rc;

	*out = NULL;
	rc = rb_news_by_id(db, id, &item);
	if (rc != 0)
		return rc == 1 ? RB_NOT_FOUND : RB_ERROR;
	add_state(item, now);
	pub = int_or(item, "published_at", -1);
	end = int_or(item, "unpublished_at", -1);
	form = json_object();
	json_object_set_new(form, "titre", text_or_empty(item, "title"));
	json_object_set_new(form, "resume", text_or_empty(item, "summary"));
	json_object_set_new(form, "texte", text_or_empty(item, "body_md"));
	json_object_set_new(form, "nature", json_string(strcmp(
	    json_string_value(json_object_get(item, "kind")), "event") == 0 ?
	    "evenement" : "actualite"));
	json_object_set_new(form, "lieu", text_or_empty(item, "place"));
	json_object_set_new(form, "debut", text_or_empty(item, "start"));
	json_object_set_new(form, "heure_debut",
	    text_or_empty(item, "start_time"));
	json_object_set_new(form, "fin", text_or_empty(item, "end"));
	json_object_set_new(form, "heure_fin", text_or_empty(item,
	    "end_time"));
	json_object_set_new(form, "publication", pub >= 0 ? local_value(pub) :
	    json_string(""));
	json_object_set_new(form, "fin_publication", end >= 0 ?
	    local_value(end) : json_string(""));
	json_object_set_new(item, "form", form);
	*out = item;
	return RB_OK;
}
