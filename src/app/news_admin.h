/*
 * news_admin.h: the admins' use cases of news and events in the back
 * office (/agent/actualites): the list with each item's state, one item
 * as a form, checking what an admin typed, creating, changing and
 * unpublishing items, each change audited in its own transaction.
 *
 * Texts are UTF-8 (the form parser refuses anything else) and are
 * stored as typed, trimmed: pages escape them when they show them, and
 * bodies are CommonMark rendered in safe mode (tmpl/markdown.h). What is
 * refused is what cannot be shown sensibly: control characters, lengths
 * beyond the limits below, dates that do not exist, an event ending
 * before it starts. Times typed by admins are Paris wall-clock times.
 */
#ifndef RB_APP_NEWS_ADMIN_H
#define RB_APP_NEWS_ADMIN_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/auth.h"
#include "app/rc.h"
#include "store/news.h"

/* Limits, in characters. The body's keeps a form under the 8 KiB a
 * field may hold (base/form.h) for French text. */
#define RB_NEWS_TITLE_MAX	150
#define RB_NEWS_SUMMARY_MAX	300
#define RB_NEWS_BODY_MAX	4000
#define RB_NEWS_PLACE_MAX	150

/* The form's fields, in the order of the page. */
enum rb_news_field {
	RB_NF_TITLE,		/* titre */
	RB_NF_SUMMARY,		/* resume */
	RB_NF_BODY,		/* texte (CommonMark) */
	RB_NF_KIND,		/* nature: "actualite" or "evenement" */
	RB_NF_PLACE,		/* lieu */
	RB_NF_START,		/* debut: YYYY-MM-DD or JJ/MM/AAAA */
	RB_NF_START_TIME,	/* heure_debut: HH:MM */
	RB_NF_END,		/* fin */
	RB_NF_END_TIME,		/* heure_fin */
	RB_NF_PUBLISH,		/* publication: YYYY-MM-DDTHH:MM, "" draft */
	RB_NF_UNPUBLISH,	/* fin_publication: same, "" no end */
	RB_NF__MAX
};

/* The HTML name of each field ("titre"…). */
extern const char *const rb_news_field_names[RB_NF__MAX];

/* What the admin typed, one value per field (NULL is ""). */
struct rb_news_form {
	const char	*nf_value[RB_NF__MAX];
};

/* One French message per field in error, NULL for the others. */
struct rb_news_errors {
	const char	*ne_msg[RB_NF__MAX];
	int		 ne_count;
};

/* Room for the normalised dates and times of a checked form. */
struct rb_news_checked {
	char	nc_start[11], nc_end[11];
	char	nc_start_time[6], nc_end_time[6];
};

/*
 * Checks form f. On RB_OK fills *out (its texts point into f or into
 * *buf, which must outlive *out; the slug and author are left NULL and
 * 0; a news item gets no place, dates or times; an event without an end
 * date ends on its first day); on RB_INVALID fills *err with a French
 * message per field at fault. Never fails otherwise.
 */
enum rb_rc	rb_news_admin_check(const struct rb_news_form *f,
		    struct rb_news_input *out, struct rb_news_checked *buf,
		    struct rb_news_errors *err);

/*
 * Writes into out (outlen bytes, at least 2) a slug made from title:
 * lower-case ASCII letters and digits, French accents dropped (é -> e,
 * œ -> oe), every other run of characters one '-', at most 60 bytes,
 * never empty ("actualite" when nothing is left).
 */
void		rb_news_slug_from_title(const char *title, char *out,
		    size_t outlen);

/*
 * Creates the item of form f for agent (its author), its slug made from
 * the title and made unique with "-2", "-3"… Audited "news.create"
 * (target "news:ID"). Returns RB_OK (*id set), RB_INVALID (*err
 * filled), RB_ERROR.
 */
enum rb_rc	rb_news_admin_create(const struct rb_auth_req *r, int64_t agent,
		    const struct rb_news_form *f, int64_t *id,
		    struct rb_news_errors *err);

/*
 * Replaces item id by form f (its slug stays). Audited "news.update".
 * Returns RB_OK, RB_INVALID (*err filled), RB_NOT_FOUND, RB_ERROR.
 */
enum rb_rc	rb_news_admin_update(const struct rb_auth_req *r, int64_t agent,
		    int64_t id, const struct rb_news_form *f,
		    struct rb_news_errors *err);

/*
 * Ends the publication of item id now (r->ar_now). Audited
 * "news.unpublish". Returns RB_OK; RB_NOT_FOUND when there is no such
 * item or its publication has already ended; RB_ERROR.
 */
enum rb_rc	rb_news_admin_unpublish(const struct rb_auth_req *r,
		    int64_t agent, int64_t id);

/*
 * The list of every item at instant now, the most recently changed
 * first: [{id, slug, title, kind_fr, state ("draft", "scheduled",
 * "online", "ended"), state_fr, can_unpublish, visible, updated_fr
 * (null when never edited), publish_fr (null for a draft),
 * unpublish_fr}]. RB_OK with *out (the caller
 * decrefs), or RB_ERROR.
 */
enum rb_rc	rb_news_admin_list(rb_db *db, time_t now, json_t **out);

/*
 * Item id as the form's values: the full item of store/news.h plus
 * "form": {titre, resume, … as rb_news_field_names, in the forms
 * the form accepts back}, "state", "state_fr", "visible". RB_OK with
 * *out (the caller decrefs), RB_NOT_FOUND, RB_ERROR.
 */
enum rb_rc	rb_news_admin_get(rb_db *db, time_t now, int64_t id,
		    json_t **out);

#endif
