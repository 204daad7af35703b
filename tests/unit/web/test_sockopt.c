/*
 * test_sockopt.c: unit tests of src/web/sockopt.c. A TCP option set on a
 * Unix socket (what libmicrohttpd 0.9.75 tries around every response on
 * the gate's socketpairs) fails with ENOPROTOOPT, the error after which
 * the library stops trying, not EOPNOTSUPP; the definition is the one the
 * dynamic linker gives shared libraries; every other call keeps the C
 * library's result: TCP options on TCP sockets, socket options on Unix
 * sockets, bad descriptors.
 */
#define _GNU_SOURCE	/* RTLD_DEFAULT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

static void
test_tcp_option_on_unix_socket(void **state)
{
	int sv[2], one = 1, opts[] = { TCP_NODELAY, TCP_CORK };
	size_t i;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		errno = 0;
		assert_int_equal(setsockopt(sv[0], IPPROTO_TCP, opts[i], &one,
		    sizeof(one)), -1);
		assert_int_equal(errno, ENOPROTOOPT);
	}
	close(sv[0]);
	close(sv[1]);
}

/* What libmicrohttpd calls is this definition, not the C library's. */
static void
test_shared_libraries_get_it(void **state)
{
	int (*fn)(int, int, int, const void *, socklen_t) = setsockopt;

	(void)state;
	assert_ptr_equal(dlsym(RTLD_DEFAULT, "setsockopt"), (void *)fn);
}

static void
test_other_calls_unchanged(void **state)
{
	int sv[2], fd, one = 1, v = 0;
	socklen_t len = sizeof(v);

	(void)state;
	/* A TCP option on a TCP socket is set. */
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), 0);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len),
	    0);
	assert_int_not_equal(v, 0);
	close(fd);
	/* A socket option on a Unix socket is set. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &one,
	    sizeof(one)), 0);
	/* An unknown socket-level option keeps its own error. */
	errno = 0;
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, 12345, &one,
	    sizeof(one)), -1);
	assert_int_equal(errno, ENOPROTOOPT);
	close(sv[0]);
	close(sv[1]);
	/* A closed descriptor: EBADF, whatever the level. */
	errno = 0;
	assert_int_equal(setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), -1);
	assert_int_equal(errno, EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_option_on_unix_socket),
		cmocka_unit_test(test_shared_libraries_get_it),
		cmocka_unit_test(test_other_calls_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
