/*
 * smtp.c: SMTP delivery of one message over libcurl (see smtp.h).
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "mail/address.h"
#include "mail/smtp.h"

struct upload {
	const char	*up_data;
	size_t		 up_len;
	size_t		 up_off;
};

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct upload *up = arg;
	size_t n = size * nitems;

	if (n > up->up_len - up->up_off)
		n = up->up_len - up->up_off;
	memcpy(buf, up->up_data + up->up_off, n);
	up->up_off += n;
	return n;
}

/* Non-zero aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int
progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	const atomic_int *cancel = arg;

	return cancel != NULL && atomic_load(cancel) != 0;
}

enum rb_smtp_rc
rb_mail_smtp_send(const struct rb_mail_state *st, const char *to,
    const char *msg, size_t len, const atomic_int *cancel, char *err,
    size_t errlen)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	char from[RB_MAIL_ADDR_MAX + 3], rcpt_addr[RB_MAIL_ADDR_MAX + 3];
	struct upload up = { msg, len, 0 };
	struct curl_slist *rcpt = NULL;
	enum rb_smtp_rc ret = RB_SMTP_FAILED;
	long reply = 0;
	CURLcode rc;
	CURL *curl;

	if (st->st_smtp_url[0] == '\0') {
		snprintf(err, errlen, "smtp_url is not set");
		return RB_SMTP_FAILED;
	}
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return RB_SMTP_FAILED;
	}
	snprintf(from, sizeof(from), "<%s>", st->st_from_addr);
	snprintf(rcpt_addr, sizeof(rcpt_addr), "<%s>", to);
	rcpt = curl_slist_append(NULL, rcpt_addr);
	curl_easy_setopt(curl, CURLOPT_URL, st->st_smtp_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_USE_SSL, st->st_starttls ?
	    (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)st->st_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)st->st_timeout);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)cancel);

	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK) {
		ret = RB_SMTP_OK;
		goto out;
	}
	if (rc == CURLE_ABORTED_BY_CALLBACK && cancel != NULL &&
	    atomic_load(cancel) != 0) {
		snprintf(err, errlen, "cancelled");
		ret = RB_SMTP_CANCELLED;
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
	if (reply != 0)
		snprintf(err, errlen, "%s (SMTP reply %ld)", curl_err[0] !=
		    '\0' ? curl_err : curl_easy_strerror(rc), reply);
	else
		snprintf(err, errlen, "%s", curl_err[0] != '\0' ? curl_err :
		    curl_easy_strerror(rc));
out:
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	return ret;
}
