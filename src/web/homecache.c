/*
 * homecache.c: the home page kept in memory between requests (see
 * homecache.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "homecache.h"

struct rb_home_cache {
	pthread_mutex_t	 hc_lock;
	int		 hc_set;	/* hc_key and hc_data are set */
	struct rb_home_key hc_key;
	int64_t		 hc_until;	/* 0: none */
	json_t		*hc_data;
	char		*hc_page;	/* NULL: not rendered yet */
	size_t		 hc_page_len;
	struct rb_kept	*hc_kept;	/* the answer of hc_page, or NULL */
};

struct rb_home_cache *
rb_home_cache_new(void)
{
	struct rb_home_cache *hc = rb_xcalloc(1, sizeof(*hc));

	pthread_mutex_init(&hc->hc_lock, NULL);
	return hc;
}

void
rb_home_cache_free(struct rb_home_cache *hc)
{
	if (hc == NULL)
		return;
	json_decref(hc->hc_data);
	free(hc->hc_page);
	rb_kept_drop(hc->hc_kept);
	pthread_mutex_destroy(&hc->hc_lock);
	free(hc);
}

static int
same_key(const struct rb_home_key *a, const struct rb_home_key *b)
{
	return a->hk_stamp == b->hk_stamp && a->hk_open == b->hk_open &&
	    strcmp(a->hk_today, b->hk_today) == 0 &&
	    strcmp(a->hk_sentence, b->hk_sentence) == 0;
}

/* Whether what hc keeps serves key at now; hc locked. */
static int
fresh(const struct rb_home_cache *hc, const struct rb_home_key *key,
    time_t now)
{
	return hc->hc_set && same_key(&hc->hc_key, key) &&
	    (hc->hc_until == 0 || (int64_t)now < hc->hc_until);
}

int
rb_home_cache_page(struct rb_home_cache *hc, const struct rb_home_key *key,
    time_t now, rb_buf *out)
{
	int hit;

	pthread_mutex_lock(&hc->hc_lock);
	hit = fresh(hc, key, now) && hc->hc_page != NULL;
	if (hit)
		rb_buf_append(out, hc->hc_page, hc->hc_page_len);
	pthread_mutex_unlock(&hc->hc_lock);
	return hit;
}

struct rb_kept *
rb_home_cache_kept(struct rb_home_cache *hc, const struct rb_home_key *key,
    time_t now)
{
	struct rb_kept *k = NULL;

	pthread_mutex_lock(&hc->hc_lock);
	if (fresh(hc, key, now) && hc->hc_kept != NULL)
		k = rb_kept_hold(hc->hc_kept);
	pthread_mutex_unlock(&hc->hc_lock);
	return k;
}

void
rb_home_cache_keep(struct rb_home_cache *hc, const struct rb_home_key *key,
    time_t now, struct rb_kept *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&hc->hc_lock);
	if (fresh(hc, key, now) && hc->hc_page != NULL &&
	    hc->hc_kept == NULL) {
		hc->hc_kept = k;
		k = NULL;
	}
	pthread_mutex_unlock(&hc->hc_lock);
	rb_kept_drop(k);
}

json_t *
rb_home_cache_data(struct rb_home_cache *hc, const struct rb_home_key *key,
    time_t now)
{
	json_t *copy = NULL;

	pthread_mutex_lock(&hc->hc_lock);
	if (fresh(hc, key, now))
		copy = json_deep_copy(hc->hc_data);
	pthread_mutex_unlock(&hc->hc_lock);
	return copy;
}

void
rb_home_cache_put(struct rb_home_cache *hc, const struct rb_home_key *key,
    int64_t until, const json_t *data, const char *page, size_t len)
{
	json_t *copy = json_deep_copy(data), *old_data = NULL;
	char *page_copy = NULL, *old_page = NULL;
	struct rb_kept *old_kept = NULL;

	if (page != NULL) {
		page_copy = rb_xmalloc(len + 1);
		memcpy(page_copy, page, len);
		page_copy[len] = '\0';
	}
	pthread_mutex_lock(&hc->hc_lock);
	/* Two requests may build at once; a slower one that read an older
	   snapshot must not replace the newer page. */
	if (hc->hc_set && key->hk_stamp < hc->hc_key.hk_stamp) {
		old_data = copy;
		old_page = page_copy;
	} else {
		old_data = hc->hc_data;
		old_page = hc->hc_page;
		/* Data made for a signed-in visitor keeps the page of the
		   same key. */
		if (page_copy == NULL && same_key(&hc->hc_key, key)) {
			page_copy = old_page;
			len = hc->hc_page_len;
			old_page = NULL;
		} else {
			/* A new page: the answer made of the old one goes. */
			old_kept = hc->hc_kept;
			hc->hc_kept = NULL;
		}
		hc->hc_key = *key;
		hc->hc_until = until;
		hc->hc_data = copy;
		hc->hc_page = page_copy;
		hc->hc_page_len = page_copy != NULL ? len : 0;
		hc->hc_set = 1;
	}
	pthread_mutex_unlock(&hc->hc_lock);
	json_decref(old_data);
	free(old_page);
	rb_kept_drop(old_kept);
}
