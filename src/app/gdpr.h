/*
 * gdpr.h: "Mes données personnelles": what the utility holds about a
 * subscriber, why, where it came from and how long it is kept, and the
 * download of all of it (GDPR art. 15 and 20).
 */
#ifndef RB_APP_GDPR_H
#define RB_APP_GDPR_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "store/attachments.h"
#include "store/db.h"

/*
 * Sets *out to the page's data: {"controller", "categories": [{key, label, what, why,
 * basis, retention, origin, count}], "views": [{at, by, why}],
 * "views_total", "photos": the rows of reading_photos with their
 * "download" path (see rb_gdpr_photo())}, one category per category of rb_gdpr_export()
 * (store/gdpr.h), origin telling whether rows came from the former
 * operator, the billing system or this site; views the 20 latest
 * consultations of the subscriber's customer file by the customer
 * service ("Qui a consulté mon dossier"), by the recipient's name and
 * never the agent's (see file_views() in gdpr.c), why the reason given
 * or null; views_total how many there are in all. Caller owns
 * *out (a copy of its own: the data is kept in memory per account,
 * app/pagecache.h). Returns RB_OK, RB_NOT_FOUND when the account does
 * not exist, RB_ERROR on a database failure.
 */
enum rb_rc	rb_gdpr_view(rb_db *db, int64_t account, json_t **out);

/*
 * The page's data as the page reads it, without a copy: gp_view is
 * rb_gdpr_view()'s data with the page's French texts ("when" of each
 * view, "read_on_fr" of each photo whose day is one, "has_views",
 * "has_photos"), read only; gp_frag the slot where the page keeps the
 * HTML it made of it (app/pagefrag.h), kept with the data. Both stand
 * until rb_gdpr_page_done(). gp_shared is 1 when the data is kept in
 * memory (0: read for this request only, its slot is worth nothing to
 * fill). Same returns as rb_gdpr_view() (nothing to release unless
 * RB_OK).
 */
struct rb_pagecache_val;
struct rb_pagefrag_slot;
struct rb_gdpr_page {
	struct rb_pagecache_val	*gp_kept;
	const json_t		*gp_view;
	struct rb_pagefrag_slot	*gp_frag;
	int			 gp_shared;
};
enum rb_rc	rb_gdpr_page(rb_db *db, int64_t account,
		    struct rb_gdpr_page *out);
void		rb_gdpr_page_done(struct rb_gdpr_page *p);

/*
 * Sets *out to the download: {"format", "generated_at" (UTC seconds),
 * "controller", "notice" (the categories as on the page, without
 * counts), "data" (rb_gdpr_export(), its file_views as on the page)},
 * and records the export in the
 * audit log (action "gdpr.export", from ip). Same returns.
 */
enum rb_rc	rb_gdpr_download(rb_db *db, int64_t account, time_t now,
	    const char *ip, json_t **out);

/*
 * The meter photos a subscriber sent are theirs to download: the page
 * and the download give each one's path, RB_GDPR_PHOTO_PREFIX and its
 * token. rb_gdpr_photo() finds token when it is a meter photo (purpose
 * 'reading') sent by account itself: 0 with *a filled, 1 otherwise (an
 * unknown token, a request's file, another account's photo: alike),
 * -1 on failure. The caller opens it with rb_attach_open().
 */
#define RB_GDPR_PHOTO_PREFIX	"/mes-donnees/photos/"
int	rb_gdpr_photo(rb_db *db, int64_t account, const char *token,
	    struct rb_attachment *a);

#endif
