/*
 * fuzz_http.c: libFuzzer target for the live HTTP server: the front gate
 * (gate.c, reqscan.c, framing.c), libmicrohttpd's parser behind it and
 * everything behind that (the path and query decoding, the router, the
 * pages' form handling, the error pages).
 *
 * The first input starts the real server in this process, as `robinet
 * serve` does, with a fresh SQLite database. Each input is written as it
 * is to a new connection, handed to the server's front gate as if its
 * accept loop had taken it (rb_server_add_connection, rb_gate_add),
 * the sending half is closed, and the answer is read until the server
 * closes or two seconds pass. The sanitizers see every server thread, so a
 * memory error anywhere in request handling aborts the run. The target
 * also aborts when the answer breaks a promise of the server: bytes that
 * do not start with an HTTP/1.1 status line, an internal error (500),
 * an answer without the security headers (the gate keeps libmicrohttpd
 * from answering anything itself), or anything sent after an answer
 * that said "Connection: close".
 *
 *   meson setup build-fuzz -Dfuzz=true ... (see scripts/check); then
 *   build-fuzz/fuzz/fuzz_http fuzz/corpus/fuzz_http
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "app/password.h"
#include "base/config.h"
#include "base/crypto.h"
#include "base/log.h"
#include "mail/mail.h"
#include "store/db.h"
#include "store/migrate.h"
#include "web/server.h"
#include "web/site.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)	do { if (!(cond)) { \
	fprintf(stderr, "fuzz_http: %s\n", what); abort(); } } while (0)

#define ANSWER_MAX	(1024 * 1024)
#define ANSWER_MS	2000

static struct rb_config	 cfg;
static struct rb_site	 site;
static struct rb_server	*srv;
static char		 tmpdir[] = "/tmp/fuzz_http.XXXXXX";

static void
setting(enum rb_cfg key, const char *value)
{
	char err[256];

	if (rb_config_set(&cfg, key, value, "fuzz", err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		exit(1);
	}
}

/* Removes path and, when it is a folder, everything in it. */
static void
remove_tree(const char *path)
{
	struct dirent *de;
	char sub[1024];
	DIR *d;

	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			remove_tree(sub);
		}
		closedir(d);
		rmdir(path);
	} else
		unlink(path);
}

/* The database and the mail and PDF folders go when the fuzzer exits. */
static void
remove_tmpdir(void)
{
	remove_tree(tmpdir);
}

/* Starts the server once, as cmd_serve.c does, on a fresh database. */
static void
start_server(void)
{
	struct rb_pwhash_params pp;
	struct rb_mail_cfg mc;
	char err[512], url[600];
	int applied;
	rb_db *db;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmpdir) == NULL) {
		perror("fuzz_http: mkdtemp");
		exit(1);
	}
	atexit(remove_tmpdir);
	rb_config_init(&cfg);
	snprintf(url, sizeof(url), "sqlite:%s/fuzz.db", tmpdir);
	setting(RB_CFG_DB, url);
	setting(RB_CFG_LISTEN, "127.0.0.1:0");
	snprintf(url, sizeof(url), "%s/mail", tmpdir);
	setting(RB_CFG_MAIL_DIR, url);
	snprintf(url, sizeof(url), "%s/pdf", tmpdir);
	setting(RB_CFG_PDF_CACHE_DIR, url);
	/* The server's log (one access line an input) only when asked:
	   FUZZ_HTTP_LOG=1. */
	if (getenv("FUZZ_HTTP_LOG") == NULL)
		rb_log_set_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
	/* Inputs come one at a time, but each costs a connection. */
	setting(RB_CFG_MAX_CONNECTIONS_PER_IP, "1000");
	setting(RB_CFG_IDLE_TIMEOUT, "2");
	setting(RB_CFG_REQUEST_TIMEOUT, "2");
	setting(RB_CFG_SHUTDOWN_GRACE, "1");
	if (rb_db_open(rb_config_str(&cfg, RB_CFG_DB), &db, err,
	    sizeof(err)) != 0 || rb_migrate(db, &applied) != 0) {
		fprintf(stderr, "fuzz_http: database: %s\n", err);
		exit(1);
	}
	rb_db_close(db);
	pp.pp_opslimit = (unsigned long long)rb_config_int(&cfg,
	    RB_CFG_PWHASH_PASSES);
	pp.pp_memlimit = (size_t)rb_config_int(&cfg,
	    RB_CFG_PWHASH_MEMORY_KIB) * 1024;
	pp.pp_max_concurrent = (int)rb_config_int(&cfg, RB_CFG_SLOW_WORKERS);
	rb_mail_cfg_from_config(&cfg, &mc);
	if (rb_crypto_init(&pp, err, sizeof(err)) != 0 ||
	    rb_password_load_list(NULL, err, sizeof(err)) != 0 ||
	    rb_mail_init(&mc, err, sizeof(err)) != 0 ||
	    rb_site_open(&site, &cfg, err, sizeof(err)) != 0 ||
	    (srv = rb_server_start(&site, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		exit(1);
	}
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sends data on a new connection; reads the answer into out. The
 * connection is one end of a socketpair handed to the server as if
 * accepted from 127.0.0.1. The sending half is closed only once the
 * server has read every byte (SIOCOUTQ, the bytes it has not read yet,
 * is 0): libmicrohttpd reads on edge-triggered epoll and notices an end
 * of stream that came with the last bytes only at its idle timeout.
 */
static size_t
exchange(const uint8_t *data, size_t size, char *out, size_t outlen)
{
	struct sockaddr_in sa;
	struct pollfd pfd;
	long long deadline;
	size_t off = 0, got = 0;
	ssize_t n;
	int sv[2], unread, shut = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0,
	    "socketpair");
	CHECK(rb_server_add_connection(srv, sv[1], (struct sockaddr *)&sa,
	    sizeof(sa)) == 0, "the server refused a connection");
	deadline = now_ms() + ANSWER_MS;
	pfd.fd = sv[0];
	while (now_ms() < deadline) {
		if (off == size && !shut &&
		    ioctl(sv[0], SIOCOUTQ, &unread) == 0 && unread == 0) {
			shutdown(sv[0], SHUT_WR);
			shut = 1;
		}
		pfd.events = POLLIN | (off < size ? POLLOUT : 0);
		if (poll(&pfd, 1, off == size && !shut ? 1 :
		    (int)(deadline - now_ms())) < 0)
			break;
		if ((pfd.revents & POLLOUT) && off < size) {
			n = send(sv[0], data + off, size - off, MSG_NOSIGNAL);
			if (n < 0)
				off = size;	/* the server closed: read on */
			else
				off += (size_t)n;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(sv[0], out + got, outlen - 1 - got, 0);
			if (n <= 0)
				break;
			got += (size_t)n;
			if (got == outlen - 1)
				break;
		}
	}
	close(sv[0]);
	out[got] = '\0';
	return got;
}

/* The first needle in [p, end), or NULL. */
static const char *
find(const char *p, const char *end, const char *needle)
{
	size_t nl = strlen(needle);

	for (; (size_t)(end - p) >= nl; p++)
		if (memcmp(p, needle, nl) == 0)
			return p;
	return NULL;
}

/* The value of header name in the head [p, end), or NULL. */
static const char *
header(const char *p, const char *end, const char *name)
{
	size_t nl = strlen(name);

	for (; p < end; p++)
		if (p[0] == '\n' && (size_t)(end - p) > nl + 1 &&
		    strncasecmp(p + 1, name, nl) == 0 && p[1 + nl] == ':')
			return p + 2 + nl;
	return NULL;
}

/*
 * Checks every answer in out[0..len): all are ours (the front gate
 * answers malformed requests itself, libmicrohttpd never does), so each
 * carries the security headers, but "100 Continue".
 */
static void
check_answers(const char *out, size_t len)
{
	const char *p = out, *end = out + len, *head_end, *v;
	int status, ours;

	if (len == 0)
		return;		/* closed without answering: allowed */
	CHECK(len >= 12 && memcmp(out, "HTTP/1.1 ", 9) == 0,
	    "answer without a status line");
	while (p != NULL && p < end) {
		status = atoi(p + 9);
		CHECK(status >= 100 && status <= 599, "bad status code");
		CHECK(status != 500, "internal error (500)");
		head_end = find(p, end, "\r\n\r\n");
		if (head_end == NULL)
			return;	/* cut by the size limit */
		ours = header(p, head_end, "Content-Security-Policy") != NULL;
		CHECK(ours || status == 100,
		    "answer without the security headers");
		/* After our "Connection: close", nothing more. */
		v = header(p, head_end, "Connection");
		if (ours && v != NULL && strncasecmp(v, " close", 6) == 0) {
			v = header(p, head_end, "Content-Length");
			CHECK(v != NULL, "close without Content-Length");
			CHECK((size_t)(end - (head_end + 4)) <=
			    strtoull(v, NULL, 10),
			    "bytes after an answer that closes");
		}
		p = find(head_end, end, "\nHTTP/1.1 ");
		if (p != NULL)
			p++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *out;

	if (srv == NULL) {
		start_server();
		out = malloc(ANSWER_MAX);
		CHECK(out != NULL, "out of memory");
	}
	check_answers(out, exchange(data, size, out, ANSWER_MAX));
	return 0;
}
