/*
 * homecache.c: the home page kept in memory between requests (see
 * homecache.h).
 */
#define _GNU_SOURCE		/* memmem */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "homecache.h"

/* A piece of the signed-in page kept: bytes of it, or a field. */
struct splice_seg {
	size_t	sg_off;		/* in hc_signed */
	size_t	sg_len;
	int	sg_field;	/* enum rb_home_field, or -1: the bytes */
};

struct rb_home_cache {
	pthread_mutex_t	 hc_lock;
	int		 hc_set;	/* hc_key and hc_data are set */
	struct rb_home_key hc_key;
	int64_t		 hc_until;	/* 0: none */
	json_t		*hc_data;
	char		*hc_page;	/* NULL: not rendered yet */
	size_t		 hc_page_len;
	struct rb_kept	*hc_kept;	/* the answer of hc_page, or NULL */
	char		*hc_signed;	/* the signed-in page, or NULL */
	size_t		 hc_signed_len;	/* its bytes, the marks included */
	struct splice_seg *hc_segs;	/* its pieces */
	size_t		 hc_nsegs;
	int		 hc_stamp_set;	/* the four below are set */
	int64_t		 hc_stamp;	/* the news stamp last read */
	int64_t		 hc_stamp_ms;	/* when (monotonic), before reading */
	uint64_t	 hc_stamp_writes; /* rb_news_writes() then */
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
	free(hc->hc_signed);
	free(hc->hc_segs);
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
	char *page_copy = NULL, *old_page = NULL, *old_signed = NULL;
	struct splice_seg *old_segs = NULL;
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
		/* The signed-in page was made of the data of its key. */
		if (!same_key(&hc->hc_key, key) || hc->hc_until != until) {
			old_signed = hc->hc_signed;
			old_segs = hc->hc_segs;
			hc->hc_signed = NULL;
			hc->hc_segs = NULL;
			hc->hc_nsegs = 0;
		}
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
	free(old_signed);
	free(old_segs);
	rb_kept_drop(old_kept);
}

int
rb_home_cache_signed(struct rb_home_cache *hc, const struct rb_home_key *key,
    time_t now, const char *const values[RB_HOME__FIELDS], rb_buf *out)
{
	const struct splice_seg *sg;
	size_t i;
	int hit;

	pthread_mutex_lock(&hc->hc_lock);
	hit = fresh(hc, key, now) && hc->hc_signed != NULL;
	/* One allocation for the page (the marks' room and a little more
	   hold the visitor's escaped fields), not a doubling per step. */
	if (hit)
		rb_buf_reserve(out, hc->hc_signed_len + 256);
	for (i = 0; hit && i < hc->hc_nsegs; i++) {
		sg = &hc->hc_segs[i];
		if (sg->sg_field < 0)
			rb_buf_append(out, hc->hc_signed + sg->sg_off,
			    sg->sg_len);
		else
			rb_buf_html(out, values[sg->sg_field],
			    strlen(values[sg->sg_field]));
	}
	pthread_mutex_unlock(&hc->hc_lock);
	return hit;
}

/* Cuts page at each of marks into *segs (the caller frees it); returns
 * their count. */
static size_t
splice_cut(const char *page, size_t len,
    const char *const marks[RB_HOME__FIELDS], struct splice_seg **segs)
{
	struct splice_seg *sg = NULL;
	const char *p, *hit;
	size_t n = 0, cap = 0, at = 0, ml;
	int f, which;

	for (;;) {
		hit = NULL;
		which = -1;
		for (f = 0; f < RB_HOME__FIELDS; f++) {
			p = memmem(page + at, len - at, marks[f],
			    strlen(marks[f]));
			if (p != NULL && (hit == NULL || p < hit)) {
				hit = p;
				which = f;
			}
		}
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 8;
			sg = rb_xrealloc(sg, cap * sizeof(*sg));
		}
		ml = hit != NULL ? (size_t)(hit - (page + at)) : len - at;
		sg[n++] = (struct splice_seg){ at, ml, -1 };
		if (hit == NULL)
			break;
		sg[n++] = (struct splice_seg){ 0, 0, which };
		at += ml + strlen(marks[which]);
	}
	*segs = sg;
	return n;
}

void
rb_home_cache_keep_signed(struct rb_home_cache *hc,
    const struct rb_home_key *key, time_t now, const char *page, size_t len,
    const char *const marks[RB_HOME__FIELDS])
{
	struct splice_seg *segs;
	size_t nsegs;
	char *copy;

	nsegs = splice_cut(page, len, marks, &segs);
	copy = rb_xmalloc(len + 1);
	memcpy(copy, page, len);
	copy[len] = '\0';
	pthread_mutex_lock(&hc->hc_lock);
	if (fresh(hc, key, now) && hc->hc_signed == NULL) {
		hc->hc_signed = copy;
		hc->hc_signed_len = len;
		hc->hc_segs = segs;
		hc->hc_nsegs = nsegs;
		copy = NULL;
		segs = NULL;
	}
	pthread_mutex_unlock(&hc->hc_lock);
	free(copy);
	free(segs);
}

int
rb_home_cache_stamp(struct rb_home_cache *hc, int64_t now_ms,
    uint64_t writes, int recheck_ms, int64_t *stamp)
{
	int kept;

	pthread_mutex_lock(&hc->hc_lock);
	kept = hc->hc_stamp_set && hc->hc_stamp_writes == writes &&
	    now_ms >= hc->hc_stamp_ms && now_ms - hc->hc_stamp_ms < recheck_ms;
	if (kept)
		*stamp = hc->hc_stamp;
	pthread_mutex_unlock(&hc->hc_lock);
	return kept;
}

void
rb_home_cache_stamp_keep(struct rb_home_cache *hc, int64_t read_ms,
    uint64_t writes, int64_t stamp)
{
	pthread_mutex_lock(&hc->hc_lock);
	if (!hc->hc_stamp_set || read_ms >= hc->hc_stamp_ms) {
		hc->hc_stamp = stamp;
		hc->hc_stamp_ms = read_ms;
		hc->hc_stamp_writes = writes;
		hc->hc_stamp_set = 1;
	}
	pthread_mutex_unlock(&hc->hc_lock);
}
