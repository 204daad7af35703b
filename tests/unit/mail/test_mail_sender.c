/*
 * test_mail_sender.c: queueing and delivery (rb_mail_queue,
 * rb_mail_send_due, the sender thread, the demo folder and list): what
 * use cases queue is rendered and stored; demo mode writes .eml files
 * the demo page lists with their links; SMTP failures are recorded with
 * back-off; a row that cannot make a message is given up at once; the
 * thread delivers when woken, even from inside a transaction, and a stop
 * abandons a stuck delivery and hands its message back.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "mail_test.h"

#include "base/log.h"
#include "base/mem.h"
#include "mail/devbox.h"
#include "mail/mail.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/outbox.h"

#define PUBLIC_URL	"https://eau.example"

struct fixture {
	char		 dir[256];
	char		 url[320];
	char		 mail_dir[320];
	rb_db		*db;
};

static int
setup(void **state)
{
	struct fixture *f = rb_xcalloc(1, sizeof(*f));
	char err[256];

	t_mkdtemp(f->dir, sizeof(f->dir));
	snprintf(f->url, sizeof(f->url), "sqlite:%s/mail.db", f->dir);
	snprintf(f->mail_dir, sizeof(f->mail_dir), "%s/var/mail", f->dir);
	if (rb_db_open(f->url, &f->db, err, sizeof(err)) != 0 ||
	    rb_migrate(f->db, NULL) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rb_mail_shutdown();
	rb_db_close(f->db);
	t_rmtree(f->dir);
	free(f);
	return 0;
}

/* rb_mail_init() for demo mode (smtp_url NULL) or for smtp_url. */
static void
init_mail(struct fixture *f, const char *smtp_url, int timeout, int poll)
{
	struct rb_mail_cfg c;
	char err[256];

	memset(&c, 0, sizeof(c));
	c.mc_public_url = PUBLIC_URL;
	c.mc_from = "Service de l'eau <ne-pas-repondre@eau.example>";
	c.mc_smtp_url = smtp_url != NULL ? smtp_url : "";
	c.mc_demo = smtp_url == NULL;
	c.mc_mail_dir = f->mail_dir;
	c.mc_smtp_timeout = timeout;
	c.mc_poll_interval = poll;
	if (rb_mail_init(&c, err, sizeof(err)) != 0)
		fail_msg("rb_mail_init: %s", err);
}

static void
queue(rb_db *db, enum rb_mail_kind kind, const char *to, const char *json,
    time_t now)
{
	json_t *data = json_loads(json, 0, NULL);

	assert_non_null(data);
	assert_int_equal(rb_mail_queue(db, kind, to, data, now), 0);
	json_decref(data);
}

static int64_t
count_rows(rb_db *db, const char *sql)
{
	rb_stmt *st = rb_db_prepare(db, sql);
	int64_t n;

	assert_non_null(st);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return n;
}

/* Reads the whole file path into b; 0, or -1 when it does not exist. */
static int
slurp(const char *path, rb_buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		rb_buf_append(b, chunk, n);
	fclose(fp);
	return 0;
}

/* Waits up to ms for path to exist. */
static int
wait_file(const char *path, int ms)
{
	struct stat sb;
	int i;

	for (i = 0; i < ms / 20; i++) {
		if (stat(path, &sb) == 0)
			return 0;
		usleep(20000);
	}
	return -1;
}

/* A loopback port nothing listens on. */
static int
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* A loopback server that takes connections and never says a word. */
static int
silent_server(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
test_queue_and_deliver_demo(void **state)
{
	struct fixture *f = *state;
	struct rb_mail_stats st = { 0, 0, 0 };
	rb_buf file = RB_BUF_INIT, v = RB_BUF_INIT, text = RB_BUF_INIT;
	char path[512], boundary[128];
	time_t now = 1732874700;
	const char *s;

	init_mail(f, NULL, 0, 0);
	queue(f->db, RB_MAIL_ACTIVATION, "helene@example.org",
	    "{\"first_name\": \"Hélène\", \"link\": \"/activer?jeton=abc\"}",
	    now);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE sent_at IS NULL AND to_addr = 'helene@example.org'"
	    " AND subject = 'Activer votre espace client'"), 1);
	/* Not due before it was queued. */
	assert_int_equal(rb_mail_send_due(f->db, now - 1, 100, &st), 0);
	assert_int_equal(st.ms_sent, 0);
	assert_int_equal(rb_mail_send_due(f->db, now, 100, &st), 0);
	assert_int_equal(st.ms_sent, 1);
	assert_int_equal(st.ms_failed + st.ms_gave_up, 0);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE sent_at = 1732874700"), 1);
	/* The message is in the (new) folder, whole. */
	snprintf(path, sizeof(path), "%s/1.eml", f->mail_dir);
	assert_int_equal(slurp(path, &file), 0);
	s = rb_buf_cstr(&file);
	t_check_lines(s, file.buf_len, 78);
	assert_int_equal(t_header(s, "Subject", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " Activer votre espace client");
	assert_int_equal(t_header(s, "To", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " <helene@example.org>");
	assert_int_equal(t_header(s, "Date", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " Fri, 29 Nov 2024 10:05:00 +0000");
	t_boundary(s, boundary, sizeof(boundary));
	t_part(s, boundary, "text/plain", &text);
	assert_non_null(strstr(rb_buf_cstr(&text), "Bonjour Hélène,"));
	assert_non_null(strstr(rb_buf_cstr(&text),
	    "\n" PUBLIC_URL "/activer?jeton=abc\n"));
	rb_buf_reset(&text);
	t_part(s, boundary, "text/html", &text);
	assert_non_null(strstr(rb_buf_cstr(&text), "<a href=\"" PUBLIC_URL
	    "/activer?jeton=abc\""));
	/* Nothing more to do. */
	memset(&st, 0, sizeof(st));
	assert_int_equal(rb_mail_send_due(f->db, now + 3600, 100, &st), 0);
	assert_int_equal(st.ms_sent, 0);
	rb_buf_free(&file);
	rb_buf_free(&v);
	rb_buf_free(&text);
}

static void
test_queue_refusals(void **state)
{
	struct fixture *f = *state;
	json_t *data = json_pack("{s:s}", "link", "/activer?jeton=abc");
	json_t *foreign = json_pack("{s:s}", "link",
	    "https://evil.example/activer?jeton=abc");

	/* Not initialised. */
	assert_int_equal(rb_mail_queue(f->db, RB_MAIL_ACTIVATION,
	    "a@example.org", data, 1), -1);
	init_mail(f, NULL, 0, 0);
	assert_int_equal(rb_mail_queue(f->db, RB_MAIL_ACTIVATION,
	    "a@example.org\r\nBcc: all@example.org", data, 1), -1);
	assert_int_equal(rb_mail_queue(f->db, RB_MAIL_ACTIVATION, NULL, data,
	    1), -1);
	assert_int_equal(rb_mail_queue(f->db, RB_MAIL_ACTIVATION,
	    "a@example.org", NULL, 1), -1);	/* no link */
	assert_int_equal(rb_mail_queue(f->db, RB_MAIL_ACTIVATION,
	    "a@example.org", foreign, 1), -1);
	assert_int_equal(rb_mail_queue(f->db, RB_MAIL__MAX, "a@example.org",
	    data, 1), -1);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox"),
	    0);
	/* Written in the caller's transaction: gone with its rollback. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_mail_queue(f->db, RB_MAIL_ACTIVATION,
	    "a@example.org", data, 1), 0);
	assert_int_equal(rb_db_rollback(f->db), 0);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox"),
	    0);
	json_decref(data);
	json_decref(foreign);
}

/* Queued with files: over the cap refused with the sizes, nothing
 * written; within it, delivered with the files' bytes. */
static void
test_queue_files(void **state)
{
	struct fixture *f = *state;
	struct rb_mail_stats st = { 0, 0, 0 };
	struct rb_mail_cfg c;
	json_t *data = json_pack("{s:s}", "link", "/activer?jeton=abc");
	unsigned char pdf[3000];
	struct rb_mail_attach files[2] = {
		{ "mandat-SEPA-RBN-1-01.pdf", "application/pdf", pdf, 2000 },
		{ "b.pdf", "application/pdf", pdf + 2000, 1000 },
	};
	rb_buf file = RB_BUF_INIT;
	char err[300], path[512], *b64;
	size_t cap;

	memcpy(pdf, "%PDF-1.5\n", 9);
	randombytes_buf(pdf + 9, sizeof(pdf) - 9);
	memset(&c, 0, sizeof(c));
	c.mc_public_url = PUBLIC_URL;
	c.mc_from = "ne-pas-repondre@eau.example";
	c.mc_demo = 1;
	c.mc_mail_dir = f->mail_dir;
	c.mc_attach_max = 2999;
	assert_int_equal(rb_mail_init(&c, err, sizeof(err)), 0);
	err[0] = '\0';
	assert_int_equal(rb_mail_queue_files(f->db, RB_MAIL_ACTIVATION,
	    "a@example.org", data, files, 2, 1, err, sizeof(err)),
	    RB_MAIL_FILES_REFUSED);
	assert_string_equal(err, "attachments total 3000 bytes, over the "
	    "limit of 2999 (mail_attach_max_bytes)");
	/* A bad name: refused, named. */
	files[1].ma_name = "../b.pdf";
	assert_int_equal(rb_mail_queue_files(f->db, RB_MAIL_ACTIVATION,
	    "a@example.org", data, files, 2, 1, err, sizeof(err)),
	    RB_MAIL_FILES_REFUSED);
	assert_non_null(strstr(err, "file name"));
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox"),
	    0);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM"
	    " mail_attachments"), 0);
	/* At the cap: queued, and the message carries the bytes. */
	c.mc_attach_max = 3000;
	assert_int_equal(rb_mail_init(&c, err, sizeof(err)), 0);
	files[1].ma_name = "b.pdf";
	assert_int_equal(rb_mail_queue_files(f->db, RB_MAIL_ACTIVATION,
	    "a@example.org", data, files, 2, 1, err, sizeof(err)), 0);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM"
	    " mail_attachments"), 2);
	assert_int_equal(rb_mail_send_due(f->db, 1, 10, &st), 0);
	assert_int_equal(st.ms_sent, 1);
	snprintf(path, sizeof(path), "%s/1.eml", f->mail_dir);
	assert_int_equal(slurp(path, &file), 0);
	t_check_lines(rb_buf_cstr(&file), file.buf_len, 78);
	assert_non_null(strstr(rb_buf_cstr(&file), "Content-Type: "
	    "multipart/mixed;"));
	assert_non_null(strstr(rb_buf_cstr(&file), "filename=\"mandat-SEPA-"
	    "RBN-1-01.pdf\""));
	/* The first base64 line is the first 57 bytes of the file. */
	cap = sodium_base64_ENCODED_LEN(57, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(cap);
	sodium_bin2base64(b64, cap, pdf, 57, sodium_base64_VARIANT_ORIGINAL);
	assert_non_null(strstr(rb_buf_cstr(&file), b64));
	free(b64);
	rb_buf_free(&file);
	json_decref(data);
}

static void
test_devbox_list(void **state)
{
	struct fixture *f = *state;
	json_t *list, *o, *links;
	time_t now = 1719790200;	/* 2024-07-01 01:30 in Paris */

	init_mail(f, NULL, 0, 0);
	queue(f->db, RB_MAIL_ACTIVATION, "a@example.org",
	    "{\"link\": \"/activer?jeton=one\"}", now);
	queue(f->db, RB_MAIL_RESET, "b@example.org",
	    "{\"link\": \"" PUBLIC_URL "/mot-de-passe?jeton=two\"}", now + 60);
	assert_int_equal(rb_mail_send_due(f->db, now, 1, NULL), 0);

	assert_int_equal(rb_mail_devbox_list(f->db, 10, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	o = json_array_get(list, 0);		/* newest first */
	assert_string_equal(json_string_value(json_object_get(o, "to")),
	    "b@example.org");
	assert_string_equal(json_string_value(json_object_get(o, "status")),
	    "pending");
	links = json_object_get(o, "links");
	assert_int_equal(json_array_size(links), 2);
	assert_string_equal(json_string_value(json_array_get(links, 0)),
	    PUBLIC_URL "/mot-de-passe?jeton=two");
	assert_string_equal(json_string_value(json_array_get(links, 1)),
	    PUBLIC_URL "/");
	o = json_array_get(list, 1);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "subject")),
	    "Activer votre espace client");
	assert_string_equal(json_string_value(json_object_get(o, "status")),
	    "sent");
	assert_int_equal(json_integer_value(json_object_get(o, "created_at")),
	    now);
	assert_string_equal(json_string_value(json_object_get(o,
	    "created_local")), "2024-07-01 01:30");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(o, "links"), 0)), PUBLIC_URL "/activer?jeton=one");
	assert_non_null(strstr(json_string_value(json_object_get(o, "text")),
	    "Activer votre espace client"));
	json_decref(list);
	assert_int_equal(rb_mail_devbox_list(f->db, 1, &list), 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	/* Outside demo mode the list does not exist. */
	init_mail(f, "smtp://127.0.0.1:25", 0, 0);
	assert_int_equal(rb_mail_devbox_list(f->db, 10, &list), -1);
	assert_null(list);
}

static void
test_find_links(void **state)
{
	json_t *links = json_array();

	(void)state;
	rb_mail_find_links("Voir https://eau.example/a?b=1. Puis "
	    "(http://x.example/y), <https://z.example/>\nhttpfoo https:/ "
	    "https://e.example/f!", links);
	assert_int_equal(json_array_size(links), 4);
	assert_string_equal(json_string_value(json_array_get(links, 0)),
	    "https://eau.example/a?b=1");
	assert_string_equal(json_string_value(json_array_get(links, 1)),
	    "http://x.example/y");
	assert_string_equal(json_string_value(json_array_get(links, 2)),
	    "https://z.example/");
	assert_string_equal(json_string_value(json_array_get(links, 3)),
	    "https://e.example/f");
	json_decref(links);
}

static void
test_smtp_failure_recorded(void **state)
{
	struct fixture *f = *state;
	struct rb_mail_stats st = { 0, 0, 0 };
	char url[64];
	time_t now = time(NULL);
	rb_stmt *s;

	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", closed_port());
	init_mail(f, url, 5, 0);
	queue(f->db, RB_MAIL_RESET, "a@example.org", "{\"link\": \"/r\"}",
	    now);
	assert_int_equal(rb_mail_send_due(f->db, now, 100, &st), 0);
	assert_int_equal(st.ms_sent, 0);
	assert_int_equal(st.ms_failed, 1);
	s = rb_db_prepare(f->db, "SELECT attempts, last_error, "
	    "next_attempt_at, sent_at FROM mail_outbox");
	assert_int_equal(rb_stmt_step(s), RB_ROW);
	assert_int_equal(rb_stmt_int(s, 0), 1);
	assert_non_null(strstr(rb_stmt_text(s, 1), "onnect"));
	assert_null(strstr(rb_stmt_text(s, 1), url));
	assert_int_equal(rb_stmt_int(s, 2), (int64_t)now + 60);
	assert_true(rb_stmt_is_null(s, 3));
	rb_stmt_reset(s);
	/* Not retried before its time. */
	memset(&st, 0, sizeof(st));
	assert_int_equal(rb_mail_send_due(f->db, now + 59, 100, &st), 0);
	assert_int_equal(st.ms_failed, 0);
	assert_int_equal(rb_mail_send_due(f->db, now + 60, 100, &st), 0);
	assert_int_equal(st.ms_failed, 1);
	assert_int_equal(count_rows(f->db, "SELECT attempts FROM mail_outbox"),
	    2);
	assert_int_equal(count_rows(f->db, "SELECT next_attempt_at FROM "
	    "mail_outbox"), (int64_t)now + 60 + 120);
}

static void
test_not_configured(void **state)
{
	struct fixture *f = *state;
	rb_db_pool *pool;
	char err[256];

	init_mail(f, "", 0, 0);
	queue(f->db, RB_MAIL_RESET, "a@example.org", "{\"link\": \"/r\"}", 1);
	/* Nothing is tried, nothing is burnt: the mail waits. */
	assert_int_equal(rb_mail_send_due(f->db, 100, 100, NULL), -1);
	assert_int_equal(count_rows(f->db, "SELECT attempts FROM mail_outbox"),
	    0);
	assert_int_equal(count_rows(f->db, "SELECT next_attempt_at FROM "
	    "mail_outbox"), 1);
	pool = rb_db_pool_new(f->url, 1, err, sizeof(err));
	assert_non_null(pool);
	assert_null(rb_mail_sender_start(pool));
	rb_mail_sender_stop(NULL);
	rb_db_pool_free(pool);
}

static void
test_broken_row_given_up(void **state)
{
	struct fixture *f = *state;
	struct rb_mail_stats st = { 0, 0, 0 };

	init_mail(f, NULL, 0, 0);
	/* Bypasses rb_mail_queue(): an address no header may carry. */
	assert_int_equal(rb_outbox_enqueue(f->db, "a@b.fr\r\nBcc: x@y.fr",
	    "Sujet", "Texte", NULL, 1, NULL), 0);
	assert_int_equal(rb_mail_send_due(f->db, 1, 100, &st), 0);
	assert_int_equal(st.ms_gave_up, 1);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox "
	    "WHERE attempts = 1 AND last_error LIKE 'gave up after 1 "
	    "attempt: address refused'"), 1);
	assert_int_equal(rb_mail_send_due(f->db, 1000000, 100, &st), 0);
	assert_int_equal(st.ms_gave_up, 1);
	/* Demo mode keeps bodies for /_dev/courriels. */
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox "
	    "WHERE body_text = 'Texte'"), 1);
	/* Elsewhere a message given up loses them. */
	init_mail(f, "smtp://127.0.0.1:25", 0, 0);
	assert_int_equal(rb_outbox_enqueue(f->db, "bad address", "Sujet",
	    "Texte", "<p>HTML</p>", 1, NULL), 0);
	assert_int_equal(rb_mail_send_due(f->db, 1, 100, &st), 0);
	assert_int_equal(st.ms_gave_up, 2);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox "
	    "WHERE id = 2 AND body_text = '' AND body_html IS NULL"), 1);
}

static void
test_sender_thread(void **state)
{
	struct fixture *f = *state;
	struct rb_mail_sender *s;
	char path[512], err[256];
	rb_db_pool *pool;

	/* A poll interval of a minute: only wake-ups can be this quick. */
	init_mail(f, NULL, 0, 60);
	pool = rb_db_pool_new(f->url, 2, err, sizeof(err));
	assert_non_null(pool);
	/* Queued before start: delivered at start. */
	queue(f->db, RB_MAIL_ACTIVATION, "a@example.org",
	    "{\"link\": \"/a?jeton=1\"}", time(NULL));
	s = rb_mail_sender_start(pool);
	assert_non_null(s);
	snprintf(path, sizeof(path), "%s/1.eml", f->mail_dir);
	assert_int_equal(wait_file(path, 3000), 0);
	/* Queued while running: the queue wakes the thread. */
	queue(f->db, RB_MAIL_RESET, "b@example.org", "{\"link\": \"/r\"}",
	    time(NULL));
	snprintf(path, sizeof(path), "%s/2.eml", f->mail_dir);
	assert_int_equal(wait_file(path, 3000), 0);
	/* Queued inside a transaction committed after the wake-up. */
	assert_int_equal(rb_db_begin(f->db), 0);
	queue(f->db, RB_MAIL_RESET, "c@example.org", "{\"link\": \"/r\"}",
	    time(NULL));
	usleep(300000);
	assert_int_equal(rb_db_commit(f->db), 0);
	snprintf(path, sizeof(path), "%s/3.eml", f->mail_dir);
	assert_int_equal(wait_file(path, 4000), 0);
	rb_mail_sender_stop(s);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox "
	    "WHERE sent_at IS NOT NULL"), 3);
	rb_db_pool_free(pool);
}

static void
test_sender_stop_abandons(void **state)
{
	struct fixture *f = *state;
	struct rb_mail_sender *s;
	struct timespec t0, t1;
	char url[64], err[256];
	rb_db_pool *pool;
	int fd, port;
	double secs;
	time_t now;

	fd = silent_server(&port);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", port);
	init_mail(f, url, 60, 60);
	pool = rb_db_pool_new(f->url, 2, err, sizeof(err));
	assert_non_null(pool);
	queue(f->db, RB_MAIL_RESET, "a@example.org", "{\"link\": \"/r\"}",
	    time(NULL));
	s = rb_mail_sender_start(pool);
	assert_non_null(s);
	usleep(500000);		/* the delivery is stuck on the greeting */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rb_mail_sender_stop(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs < 5.0);
	/* Handed back untried: due now, no attempt counted. */
	now = time(NULL);
	assert_int_equal(count_rows(f->db, "SELECT attempts FROM mail_outbox"),
	    0);
	assert_true(count_rows(f->db, "SELECT next_attempt_at FROM "
	    "mail_outbox") <= (int64_t)now);
	assert_int_equal(count_rows(f->db, "SELECT count(*) FROM mail_outbox "
	    "WHERE last_error IS NULL AND sent_at IS NULL"), 1);
	close(fd);
	rb_db_pool_free(pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_and_deliver_demo,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_queue_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_devbox_list, setup,
		    teardown),
		cmocka_unit_test(test_find_links),
		cmocka_unit_test_setup_teardown(test_smtp_failure_recorded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_configured, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_broken_row_given_up,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_thread, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sender_stop_abandons,
		    setup, teardown),
	};

	rb_log_set_level(RB_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
