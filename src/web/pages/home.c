/*
 * pages/home.c: the public home page, kept in memory between requests
 * (web/homecache.h). The news stamp is read from the database at most
 * every news_recheck_ms (and at once after a news write of this
 * process); a visitor with no session and no archive visit gets the
 * kept bytes when the stamp, the day and the service's sentence are
 * those they were made for (from the third request on, as one answer
 * built once: rb_kept, web/http.h); a signed-in visitor gets the page
 * kept for signed-in visitors (rendered once with marks in place of his
 * fields) with his own fields spliced in; an archive visitor the kept
 * data rendered in his layout. The X-Robinet-Cache header says which
 * (hit, miss).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/home.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "web/homecache.h"
#include "web/routes.h"
#include "web/session.h"

/* Whether the page is the same for every visitor of this request's
 * kind: no session, no archive visit (layout.mustache). */
static int
anonymous(struct rb_req *req)
{
	return rb_req_session(req) == NULL && rb_req_archive(req) == NULL;
}

/*
 * The parts of the key that depend on the time alone (the day, whether
 * the service is open, its sentence), with the opening hours: computed
 * once a second by each request thread rather than at every request
 * (docs/performance.md, "2026-12-06: the fixed cost of a request"). Returns 0, -1
 * when the hours do not parse.
 */
static int
clock_key(const char *hours, time_t now, struct rb_opening_hours *oh,
    struct rb_home_key *key)
{
	static _Thread_local struct {
		time_t			 ck_sec;
		const char		*ck_hours;	/* the setting's text */
		struct rb_opening_hours	 ck_oh;
		char			 ck_today[sizeof(key->hk_today)];
		int			 ck_open;
		char			 ck_sentence[sizeof(key->hk_sentence)];
	} ck;

	if (ck.ck_hours != hours || ck.ck_sec != now) {
		const struct rb_opening_hours dflt = RB_OPENING_HOURS_DEFAULT;

		/* The setting gives the hours; the days and the holidays
		   are the default's (as on the contact page). */
		ck.ck_hours = NULL;
		ck.ck_oh = dflt;
		if (rb_clock_parse_hours(hours, &ck.ck_oh) != 0)
			return -1;
		rb_clock_today_iso(now, ck.ck_today, sizeof(ck.ck_today));
		ck.ck_open = rb_clock_service_open(now, &ck.ck_oh);
		rb_clock_service_sentence(now, &ck.ck_oh, ck.ck_sentence,
		    sizeof(ck.ck_sentence));
		ck.ck_sec = now;
		ck.ck_hours = hours;
	}
	*oh = ck.ck_oh;
	memcpy(key->hk_today, ck.ck_today, sizeof(key->hk_today));
	key->hk_open = ck.ck_open;
	memcpy(key->hk_sentence, ck.ck_sentence, sizeof(key->hk_sentence));
	return 0;
}

/* The monotonic clock in milliseconds (the stamp's age). */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sets *stamp to the news stamp: the one hc keeps when read less than
 * news_recheck_ms ago and no news write of this process ended since,
 * else read from the database (and kept). Returns RB_OK or RB_ERROR.
 */
static enum rb_rc
news_stamp(struct rb_req *req, struct rb_home_cache *hc, int64_t *stamp)
{
	int recheck = (int)rb_config_int(req->req_site->site_cfg,
	    RB_CFG_NEWS_RECHECK_MS);
	uint64_t writes = rb_home_news_writes();
	int64_t ms = now_ms();

	if (rb_home_cache_stamp(hc, ms, writes, recheck, stamp))
		return RB_OK;
	if (rb_home_stamp(rb_req_db(req), stamp) != RB_OK)
		return RB_ERROR;
	rb_home_cache_stamp_keep(hc, ms, writes, *stamp);
	return RB_OK;
}

/*
 * The marks a signed-in page is rendered with once, to be cut at
 * (rb_home_cache_keep_signed()): random tokens, which HTML escaping
 * leaves alone and no page text holds; made once per process.
 */
static char		 marks[RB_HOME__FIELDS][RB_TOKEN_LEN + 1];
static pthread_once_t	 marks_once = PTHREAD_ONCE_INIT;

static void
marks_make(void)
{
	int f;

	for (f = 0; f < RB_HOME__FIELDS; f++)
		rb_token_new(marks[f]);
}

/* The visitor's fields, as rb_home_cache_signed() splices them. */
static void
signed_values(const struct rb_session *s, const char *v[RB_HOME__FIELDS])
{
	v[RB_HOME_FIRST_NAME] = s->s_first_name;
	v[RB_HOME_CSRF] = s->s_csrf;
}

/*
 * Renders data (taken) as the signed-in page with the marks in place
 * of the visitor's fields, and keeps it in hc for key. The request's
 * body is left undefined.
 */
static void
keep_signed(struct rb_req *req, struct rb_home_cache *hc,
    const struct rb_home_key *key, time_t now, json_t *data)
{
	const char *mk[RB_HOME__FIELDS];
	struct rb_session *real = req->req_session, marked;
	int f;

	pthread_once(&marks_once, marks_make);
	memset(&marked, 0, sizeof(marked));
	marked.s_id = real->s_id;
	marked.s_account_id = real->s_account_id;
	snprintf(marked.s_first_name, sizeof(marked.s_first_name), "%s",
	    marks[RB_HOME_FIRST_NAME]);
	snprintf(marked.s_csrf, sizeof(marked.s_csrf), "%s",
	    marks[RB_HOME_CSRF]);
	for (f = 0; f < RB_HOME__FIELDS; f++)
		mk[f] = marks[f];
	req->req_session = &marked;
	rb_resp_page(req, 200, "home", data);
	req->req_session = real;
	if (req->resp_status == 200)
		rb_home_cache_keep_signed(hc, key, now,
		    req->resp_body.buf_data, req->resp_body.buf_len, mk);
}

/* A signed-in visitor's page from the kept one: 1, or 0 when hc keeps
 * none for key. */
static int
signed_page(struct rb_req *req, struct rb_home_cache *hc,
    const struct rb_home_key *key, time_t now, const char *state)
{
	const char *v[RB_HOME__FIELDS];

	signed_values(rb_req_session(req), v);
	rb_buf_reset(&req->resp_body);
	if (!rb_home_cache_signed(hc, key, now, v, &req->resp_body))
		return 0;
	rb_resp_header(req, "Cache-Control", "no-cache");
	rb_resp_header(req, "X-Robinet-Cache", state);
	req->resp_status = 200;
	req->resp_type = "text/html; charset=utf-8";
	return 1;
}

void
rb_page_home(struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	struct rb_home_cache *hc = req->req_site->site_home;
	struct rb_opening_hours oh;
	struct rb_home_version ver;
	struct rb_home_key key;
	struct rb_kept *kept_answer;
	json_t *data, *kept;
	time_t now = time(NULL);
	uint64_t writes;
	int64_t ms;
	rb_db *db;
	int anon, plain;

	memset(&key, 0, sizeof(key));
	if (clock_key(rb_config_str(cfg, RB_CFG_SERVICE_HOURS), now, &oh,
	    &key) != 0) {
		rb_resp_error(req, 500);
		return;
	}
	db = rb_req_db(req);		/* RB_NEED_DB: never NULL */
	if (news_stamp(req, hc, &key.hk_stamp) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	anon = anonymous(req);
	/* The kept answer serves a request that added no header of its own
	   before the page (the answer's headers are built once). */
	plain = req->resp_nhdr == 0;
	if (anon && plain &&
	    (kept_answer = rb_home_cache_kept(hc, &key, now)) != NULL) {
		rb_resp_kept(req, kept_answer);
		return;
	}
	if (anon) {
		rb_buf_reset(&req->resp_body);
		if (rb_home_cache_page(hc, &key, now, &req->resp_body)) {
			rb_resp_header(req, "Cache-Control", "no-cache");
			rb_resp_header(req, "X-Robinet-Cache", "hit");
			req->resp_status = 200;
			req->resp_type = "text/html; charset=utf-8";
			/* The next ones get this very answer. */
			if (plain)
				rb_home_cache_keep(hc, &key, now,
				    rb_kept_new(req));
			return;
		}
	} else if (rb_req_session(req) != NULL) {
		/* A signed-in visitor: the kept signed-in page, else one
		   made of the kept data (and kept). */
		if (signed_page(req, hc, &key, now, "hit"))
			return;
		if ((data = rb_home_cache_data(hc, &key, now)) != NULL) {
			keep_signed(req, hc, &key, now, data);
			if (signed_page(req, hc, &key, now, "hit"))
				return;
		}
	} else if ((data = rb_home_cache_data(hc, &key, now)) != NULL) {
		/* An archive visitor: the kept data in his layout. */
		rb_resp_header(req, "Cache-Control", "no-cache");
		rb_resp_header(req, "X-Robinet-Cache", "hit");
		rb_resp_page(req, 200, "home", data);
		return;
	}
	writes = rb_home_news_writes();
	ms = now_ms();
	if (rb_home_get(db, now, &oh, &data, &ver) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	/* The stamp of the snapshot the items were read in: the one the
	   next requests compare with. */
	key.hk_stamp = ver.hv_stamp;
	rb_home_cache_stamp_keep(hc, ms, writes, ver.hv_stamp);
	kept = json_deep_copy(data);
	rb_resp_header(req, "Cache-Control", "no-cache");
	rb_resp_header(req, "X-Robinet-Cache", "miss");
	rb_resp_page(req, 200, "home", data);
	if (req->resp_status == 200 && kept != NULL)
		rb_home_cache_put(hc, &key, ver.hv_until, kept, anon ?
		    req->resp_body.buf_data : NULL, req->resp_body.buf_len);
	json_decref(kept);
}
