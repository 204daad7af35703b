/*
 * sandbox.c: the stand-in payment page (see sandbox.h). One
 * libmicrohttpd daemon of its own, a thread per connection (the
 * notification is sent while the browser waits), and two small lists
 * under one lock: the payment sessions opened by a valid form (by a
 * random token, for 30 minutes) and the forms already used (trans_date,
 * trans_id and order: the real platform refuses a trans_id used twice
 * the same day; the sandbox, shared by tests whose databases all start
 * their orders at 1, refuses the same form twice).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "app/psp_lyra.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/form.h"
#include "base/log.h"
#include "base/mem.h"
#include "sandbox/sandbox.h"

#define BODY_MAX	65536
#define SESSION_TTL	1800
#define USED_MAX	100000

struct sess {
	struct sess	*s_next;
	char		 s_token[RB_TOKEN_LEN + 1];
	json_t		*s_fields;	/* the portal's vads_* fields */
	time_t		 s_created;
};

struct used {
	struct used	*u_next;
	char		 u_key[72];	/* trans_date:trans_id:order_id */
};

struct rb_sandbox {
	struct MHD_Daemon	*sb_mhd;
	int			 sb_fd;		/* bound, not yet accepting */
	char			*sb_shop_id;
	char			*sb_key;
	char			*sb_mode;
	int			 sb_port;
	pthread_mutex_t		 sb_lock;
	struct sess		*sb_sessions;
	struct used		*sb_used;
	size_t			 sb_nused;
};

/* One request's body. */
struct conn {
	rb_buf	c_body;
	int	c_too_big;
};

static const char *const required[] = {
	"vads_action_mode", "vads_amount", "vads_ctx_mode", "vads_currency",
	"vads_page_action", "vads_payment_config", "vads_site_id",
	"vads_trans_date", "vads_trans_id", "vads_version", "vads_order_id",
	"vads_url_check", "vads_url_return",
};

/* ----------------------------------------------------------- answers */

static enum MHD_Result
respond(struct MHD_Connection *c, unsigned status, const char *type,
    rb_buf *body, const char *location)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *data = rb_buf_steal(body, &len);

	r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; frame-ancestors 'none'");
	if (location != NULL)
		MHD_add_response_header(r, "Location", location);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
page_head(rb_buf *b, const char *title)
{
	rb_buf_puts(b, "<!doctype html>\n<html lang=\"fr\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>");
	rb_buf_html(b, title, strlen(title));
	rb_buf_puts(b, " – Aucun paiement réel</title>\n</head>\n"
	    "<body>\n<header>\n<p><strong>Aucun paiement réel : ceci est un "
	    "bac à sable.</strong> Cette page imite la page de paiement "
	    "sécurisée de la banque, pour la démonstration et les essais. "
	    "Aucune carte n'est débitée, aucun argent ne circule.</p>\n"
	    "</header>\n<main>\n<h1>");
	rb_buf_html(b, title, strlen(title));
	rb_buf_puts(b, "</h1>\n");
}

static enum MHD_Result
message(struct MHD_Connection *c, unsigned status, const char *title,
    const char *text)
{
	rb_buf b = RB_BUF_INIT;

	page_head(&b, title);
	rb_buf_puts(&b, "<p>");
	rb_buf_html(&b, text, strlen(text));
	rb_buf_puts(&b, "</p>\n</main>\n</body>\n</html>\n");
	return respond(c, status, "text/html; charset=utf-8", &b, NULL);
}

/* "123,45 €" of a vads_amount in cents. */
static void
amount_fr(const char *cents, char *out, size_t outlen)
{
	long long v = strtoll(cents, NULL, 10);

	snprintf(out, outlen, "%lld,%02lld\xc2\xa0€", v / 100, v % 100);
}

static void
urlenc(rb_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char ch;

	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.' || ch == '~')
			rb_buf_putc(b, (char)ch);
		else {
			rb_buf_putc(b, '%');
			rb_buf_putc(b, hex[ch >> 4]);
			rb_buf_putc(b, hex[ch & 15]);
		}
	}
}

/* name=value&… of every field of o, url-encoded. */
static void
encode_fields(rb_buf *b, const json_t *o)
{
	const char *name;
	json_t *v;
	int first = 1;

	json_object_foreach((json_t *)o, name, v) {
		if (!first)
			rb_buf_putc(b, '&');
		first = 0;
		urlenc(b, name);
		rb_buf_putc(b, '=');
		urlenc(b, json_string_value(v));
	}
}

/* ------------------------------------------------------------ state */

static void
sessions_purge(struct rb_sandbox *sb, time_t now)
{
	struct sess **pp = &sb->sb_sessions, *s;

	while ((s = *pp) != NULL) {
		if (s->s_created + SESSION_TTL < now) {
			*pp = s->s_next;
			json_decref(s->s_fields);
			free(s);
		} else
			pp = &s->s_next;
	}
}

/* Takes the session of token out of the list (the caller frees it). */
static struct sess *
session_take(struct rb_sandbox *sb, const char *token)
{
	struct sess **pp, *s = NULL;

	pthread_mutex_lock(&sb->sb_lock);
	sessions_purge(sb, time(NULL));
	for (pp = &sb->sb_sessions; *pp != NULL; pp = &(*pp)->s_next)
		if (token != NULL && strcmp((*pp)->s_token, token) == 0) {
			s = *pp;
			*pp = s->s_next;
			break;
		}
	pthread_mutex_unlock(&sb->sb_lock);
	return s;
}

static void
session_put(struct rb_sandbox *sb, struct sess *s)
{
	pthread_mutex_lock(&sb->sb_lock);
	s->s_next = sb->sb_sessions;
	sb->sb_sessions = s;
	pthread_mutex_unlock(&sb->sb_lock);
}

/* 0 when key was not used yet (and is now), -1 otherwise. */
static int
trans_use(struct rb_sandbox *sb, const char *key)
{
	struct used *u;
	int rc = 0;

	pthread_mutex_lock(&sb->sb_lock);
	for (u = sb->sb_used; u != NULL; u = u->u_next)
		if (strcmp(u->u_key, key) == 0)
			rc = -1;
	if (rc == 0 && sb->sb_nused < USED_MAX) {
		u = rb_xcalloc(1, sizeof(*u));
		snprintf(u->u_key, sizeof(u->u_key), "%s", key);
		u->u_next = sb->sb_used;
		sb->sb_used = u;
		sb->sb_nused++;
	}
	pthread_mutex_unlock(&sb->sb_lock);
	return rc;
}

/* ------------------------------------------------------------ pages */

static void
card_page(rb_buf *b, const struct sess *s, const char *alert)
{
	const char *amount = json_string_value(json_object_get(s->s_fields,
	    "vads_amount"));
	const char *order = json_string_value(json_object_get(s->s_fields,
	    "vads_order_id"));
	char fr[64], title[96];

	amount_fr(amount, fr, sizeof(fr));
	snprintf(title, sizeof(title), "Paiement de %s", fr);
	page_head(b, title);
	rb_buf_puts(b, "<p>Commande ");
	rb_buf_html(b, order, strlen(order));
	rb_buf_puts(b, ".</p>\n");
	if (alert != NULL) {
		rb_buf_puts(b, "<p role=\"alert\">");
		rb_buf_html(b, alert, strlen(alert));
		rb_buf_puts(b, "</p>\n");
	}
	rb_buf_puts(b, "<form method=\"post\" action=\"/vads-payment/carte\">\n"
	    "<input type=\"hidden\" name=\"session\" value=\"");
	rb_buf_html(b, s->s_token, strlen(s->s_token));
	rb_buf_puts(b, "\">\n<p><label for=\"numero\">Numéro de carte "
	    "(essai)</label><br>\n<input id=\"numero\" name=\"numero\" "
	    "inputmode=\"numeric\" autocomplete=\"off\" "
	    "aria-describedby=\"cartes\"></p>\n"
	    "<p id=\"cartes\">Cartes d'essai : 4970 1000 0000 0000 (paiement "
	    "accepté), 4970 1000 0000 0097 (paiement refusé). Aucune autre "
	    "donnée de carte n'est demandée.</p>\n"
	    "<p><button type=\"submit\" name=\"action\" value=\"payer\">"
	    "Payer ");
	rb_buf_html(b, fr, strlen(fr));
	rb_buf_puts(b, "</button></p>\n<p><button type=\"submit\" "
	    "name=\"action\" value=\"annuler\">Annuler et retourner au "
	    "site</button></p>\n</form>\n</main>\n</body>\n</html>\n");
}

/* Checks the portal's form; on success opens a session. */
static enum MHD_Result
on_form(struct rb_sandbox *sb, struct MHD_Connection *c,
    const struct rb_form *f)
{
	json_t *fields = rb_lyra_fields(f);
	const char *v;
	struct sess *s;
	char key[72];
	rb_buf b = RB_BUF_INIT;
	size_t i;

	if (fields == NULL)
		return message(c, 400, "Formulaire refusé", "Un champ vads_ "
		    "est répété.");
	for (i = 0; i < RB_NELEM(required); i++)
		if (json_object_get(fields, required[i]) == NULL) {
			json_decref(fields);
			return message(c, 400, "Formulaire refusé",
			    "Un champ obligatoire manque.");
		}
	if (!rb_lyra_verify(fields, sb->sb_key)) {
		json_decref(fields);
		log_warnx("psp-sandbox: form with a wrong signature");
		return message(c, 403, "Signature invalide", "La signature du "
		    "formulaire ne correspond pas à la clé de la boutique.");
	}
	v = json_string_value(json_object_get(fields, "vads_amount"));
	if (strcmp(json_string_value(json_object_get(fields, "vads_site_id")),
	    sb->sb_shop_id) != 0 || strcmp(json_string_value(json_object_get(
	    fields, "vads_ctx_mode")), sb->sb_mode) != 0 ||
	    strcmp(json_string_value(json_object_get(fields, "vads_currency")),
	    "978") != 0 || v[0] == '\0' || strspn(v, "0123456789") !=
	    strlen(v) || strlen(v) > 12) {
		json_decref(fields);
		return message(c, 400, "Formulaire refusé", "Boutique, mode, "
		    "devise ou montant incorrect.");
	}
	snprintf(key, sizeof(key), "%.14s:%.6s:%.40s",
	    json_string_value(json_object_get(fields, "vads_trans_date")),
	    json_string_value(json_object_get(fields, "vads_trans_id")),
	    json_string_value(json_object_get(fields, "vads_order_id")));
	if (trans_use(sb, key) != 0) {
		json_decref(fields);
		return message(c, 409, "Transaction déjà traitée", "Ce "
		    "formulaire de paiement a déjà servi : revenez sur le site "
		    "et recommencez.");
	}
	json_object_del(fields, "signature");
	s = rb_xcalloc(1, sizeof(*s));
	rb_token_new(s->s_token);
	s->s_fields = fields;
	s->s_created = time(NULL);
	card_page(&b, s, NULL);
	session_put(sb, s);
	return respond(c, 200, "text/html; charset=utf-8", &b, NULL);
}

/* Posts the notification; returns the HTTP status (0: no answer). */
static long
notify(const char *url, const char *body)
{
	CURL *h;
	long status = 0;

	if ((h = curl_easy_init()) == NULL)
		return 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status;
}

static enum MHD_Result
on_card(struct rb_sandbox *sb, struct MHD_Connection *c,
    const struct rb_form *f)
{
	const char *action = rb_form_get(f, "action");
	const char *number = rb_form_get(f, "numero");
	const char *status, *result;
	struct sess *s;
	unsigned char r[16];
	char card[32], uuid[33], sig[RB_HMAC_B64_LEN];
	rb_buf body = RB_BUF_INIT, loc = RB_BUF_INIT, page = RB_BUF_INIT;
	const char *url;
	enum MHD_Result ret;
	size_t i, n = 0;
	long answer;

	if ((s = session_take(sb, rb_form_get(f, "session"))) == NULL)
		return message(c, 404, "Session expirée", "Cette page de "
		    "paiement n'est plus valable : revenez sur le site et "
		    "recommencez.");
	for (i = 0; number != NULL && number[i] != '\0' && n + 1 <
	    sizeof(card); i++)
		if (number[i] != ' ')
			card[n++] = number[i];
	card[n] = '\0';
	if (action != NULL && strcmp(action, "annuler") == 0) {
		status = "ABANDONED";
		result = "17";
	} else if (strcmp(card, RB_SANDBOX_CARD_OK) == 0) {
		status = "AUTHORISED";
		result = "00";
	} else if (strcmp(card, RB_SANDBOX_CARD_REFUSED) == 0) {
		status = "REFUSED";
		result = "05";
	} else {
		card_page(&page, s, "Numéro inconnu du bac à sable : utilisez "
		    "une des deux cartes d'essai.");
		session_put(sb, s);
		return respond(c, 200, "text/html; charset=utf-8", &page, NULL);
	}
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(uuid, sizeof(uuid), r, sizeof(r));
	json_object_set_new(s->s_fields, "vads_trans_status",
	    json_string(status));
	json_object_set_new(s->s_fields, "vads_trans_uuid", json_string(uuid));
	json_object_set_new(s->s_fields, "vads_result", json_string(result));
	json_object_set_new(s->s_fields, "vads_operation_type",
	    json_string("DEBIT"));
	json_object_set_new(s->s_fields, "vads_card_number", json_string(
	    strcmp(status, "ABANDONED") == 0 ? "" : "497010XXXXXX0000"));
	json_object_set_new(s->s_fields, "vads_effective_amount", json_string(
	    json_string_value(json_object_get(s->s_fields, "vads_amount"))));
	json_object_set_new(s->s_fields, "vads_url_check_src",
	    json_string("PAY"));
	rb_lyra_sign(s->s_fields, sb->sb_key, sig);
	json_object_set_new(s->s_fields, "signature", json_string(sig));
	encode_fields(&body, s->s_fields);
	url = json_string_value(json_object_get(s->s_fields,
	    "vads_url_check"));
	answer = notify(url, rb_buf_cstr(&body));
	log_info("psp-sandbox: %s for order %s, notification answered %ld",
	    status, json_string_value(json_object_get(s->s_fields,
	    "vads_order_id")), answer);
	/* The browser goes back with the same signed fields. */
	url = json_string_value(json_object_get(s->s_fields,
	    "vads_url_return"));
	rb_buf_puts(&loc, url);
	rb_buf_putc(&loc, strchr(url, '?') != NULL ? '&' : '?');
	json_object_del(s->s_fields, "vads_url_check_src");
	rb_lyra_sign(s->s_fields, sb->sb_key, sig);
	json_object_set_new(s->s_fields, "signature", json_string(sig));
	encode_fields(&loc, s->s_fields);
	rb_buf_puts(&page, "Retour au site.\n");
	ret = respond(c, 303, "text/plain; charset=utf-8", &page,
	    rb_buf_cstr(&loc));
	rb_buf_free(&body);
	rb_buf_free(&loc);
	json_decref(s->s_fields);
	free(s);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct rb_sandbox *sb = cls;
	struct conn *cn = *con_cls;
	struct rb_form f;
	rb_arena *a;
	rb_buf b = RB_BUF_INIT;
	enum MHD_Result ret;

	(void)version;
	if (cn == NULL) {
		cn = rb_xcalloc(1, sizeof(*cn));
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (cn->c_body.buf_len + *upload_size > BODY_MAX)
			cn->c_too_big = 1;
		else
			rb_buf_append(&cn->c_body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") == 0 && strcmp(url, "/") == 0) {
		page_head(&b, "Bac à sable de paiement");
		rb_buf_puts(&b, "<p>Ce service imite la page de paiement d'une "
		    "banque (protocole formulaire Lyra) pour la démonstration "
		    "et les essais de Robinet. On y arrive depuis le bouton "
		    "« Payer en ligne » d'une facture.</p>\n</main>\n</body>\n"
		    "</html>\n");
		return respond(c, 200, "text/html; charset=utf-8", &b, NULL);
	}
	if (strcmp(method, "POST") != 0 || (strcmp(url, "/vads-payment/") !=
	    0 && strcmp(url, "/vads-payment/carte") != 0))
		return message(c, 404, "Page introuvable", "Cette adresse "
		    "n'existe pas dans le bac à sable.");
	if (cn->c_too_big)
		return message(c, 413, "Formulaire trop long", "Le formulaire "
		    "dépasse la taille permise.");
	a = rb_arena_new();
	if (rb_form_parse(a, cn->c_body.buf_data != NULL ?
	    cn->c_body.buf_data : "", cn->c_body.buf_len, NULL, &f,
	    NULL) != 0)
		ret = message(c, 400, "Formulaire refusé", "Le formulaire est "
		    "mal formé.");
	else if (strcmp(url, "/vads-payment/") == 0)
		ret = on_form(sb, c, &f);
	else
		ret = on_card(sb, c, &f);
	rb_arena_free(a);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn != NULL) {
		rb_buf_free(&cn->c_body);
		free(cn);
		*con_cls = NULL;
	}
}

/* -------------------------------------------------------- lifecycle */

struct rb_sandbox *
rb_sandbox_bind(const struct rb_sandbox_cfg *cfg, char *err, size_t errlen)
{
	struct rb_sandbox *sb;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	const char *colon = strrchr(cfg->sc_listen, ':');
	char host[64];
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (colon == NULL || (size_t)(colon - cfg->sc_listen) >= sizeof(host)) {
		snprintf(err, errlen, "psp-sandbox: bad address %s",
		    cfg->sc_listen);
		return NULL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - cfg->sc_listen),
	    cfg->sc_listen);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "psp-sandbox: bad address %s",
		    cfg->sc_listen);
		return NULL;
	}
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
		snprintf(err, errlen, "psp-sandbox: cannot listen on %s: %s",
		    cfg->sc_listen, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || sodium_init() < 0) {
		snprintf(err, errlen, "psp-sandbox: libcurl or libsodium "
		    "cannot start");
		close(fd);
		return NULL;
	}
	sb = rb_xcalloc(1, sizeof(*sb));
	sb->sb_fd = fd;
	sb->sb_port = ntohs(sa.sin_port);
	sb->sb_shop_id = rb_xstrdup(cfg->sc_shop_id);
	sb->sb_key = rb_xstrdup(cfg->sc_key);
	sb->sb_mode = rb_xstrdup(cfg->sc_mode);
	pthread_mutex_init(&sb->sb_lock, NULL);
	return sb;
}

int
rb_sandbox_accept(struct rb_sandbox *sb, char *err, size_t errlen)
{
	/* libmicrohttpd takes the socket (it closes it when it stops, or
	   when it cannot start). */
	int fd = sb->sb_fd;

	sb->sb_fd = -1;
	sb->sb_mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    on_request, sb,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, sb,
	    MHD_OPTION_END);
	if (sb->sb_mhd == NULL) {
		snprintf(err, errlen, "psp-sandbox: cannot accept on port "
		    "%d: %s", sb->sb_port, errno ? strerror(errno) :
		    "refused");
		return -1;
	}
	return 0;
}

struct rb_sandbox *
rb_sandbox_start(const struct rb_sandbox_cfg *cfg, char *err, size_t errlen)
{
	struct rb_sandbox *sb;

	if ((sb = rb_sandbox_bind(cfg, err, errlen)) == NULL)
		return NULL;
	if (rb_sandbox_accept(sb, err, errlen) != 0) {
		rb_sandbox_stop(sb);
		return NULL;
	}
	return sb;
}

int
rb_sandbox_port(const struct rb_sandbox *sb)
{
	return sb->sb_port;
}

void
rb_sandbox_stop(struct rb_sandbox *sb)
{
	struct sess *s;
	struct used *u;

	if (sb == NULL)
		return;
	if (sb->sb_mhd != NULL)
		MHD_stop_daemon(sb->sb_mhd);
	else if (sb->sb_fd >= 0)
		close(sb->sb_fd);	/* bound, never accepted */
	while ((s = sb->sb_sessions) != NULL) {
		sb->sb_sessions = s->s_next;
		json_decref(s->s_fields);
		free(s);
	}
	while ((u = sb->sb_used) != NULL) {
		sb->sb_used = u->u_next;
		free(u);
	}
	pthread_mutex_destroy(&sb->sb_lock);
	free(sb->sb_shop_id);
	free(sb->sb_key);
	free(sb->sb_mode);
	free(sb);
	curl_global_cleanup();
}
