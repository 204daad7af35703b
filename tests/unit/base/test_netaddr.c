/*
 * test_netaddr.c: unit tests of src/base/netaddr.c: lists of trusted
 * networks (checked and matched, IPv4, IPv6, mapped addresses,
 * prefixes), the client address read from X-Forwarded-For only behind
 * a trusted peer (right-most untrusted hop; spoofed hops ignored), and
 * the part of an address rate limits count by, and socket addresses as
 * text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "base/netaddr.h"

static void
test_check(void **state)
{
	static const char *const good[] = {
		"", " ", "127.0.0.1", "10.0.0.0/8, 192.168.1.7",
		"2001:db8::/32,::1", "0.0.0.0/0", "::/0", "::ffff:10.0.0.0/104",
		"10.1.2.3/32 172.16.0.0/12",
	};
	static const char *const bad[] = {
		"proxy.example", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1",
		"::1/129", "256.1.1.1", "10.0.0.1,nope", "10.0.0.0/8x",
		"1.2.3.4/ 8", "::ffff:10.0.0.0/24", "10.0.0.0/0008",
	};
	char err[128];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err[0] = '\0';
		if (rb_netlist_check(good[i], err, sizeof(err)) != 0)
			fail_msg("refused \"%s\": %s", good[i], err);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (rb_netlist_check(bad[i], err, sizeof(err)) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(strstr(err, "ADDRESS/PREFIX"));
	}
}

static void
test_contains(void **state)
{
	const char *list = "10.0.0.0/8, 192.0.2.7 2001:db8:a::/48";
	(void)state;

	assert_true(rb_netlist_contains(list, "10.200.3.4"));
	assert_true(rb_netlist_contains(list, "192.0.2.7"));
	assert_false(rb_netlist_contains(list, "192.0.2.8"));
	assert_false(rb_netlist_contains(list, "11.0.0.1"));
	assert_true(rb_netlist_contains(list, "2001:db8:a:ffff::1"));
	assert_false(rb_netlist_contains(list, "2001:db8:b::1"));
	/* An IPv4-mapped address is its IPv4 address. */
	assert_true(rb_netlist_contains(list, "::ffff:10.1.1.1"));
	assert_true(rb_netlist_contains("::ffff:10.0.0.0/104", "10.9.9.9"));
	assert_false(rb_netlist_contains("::ffff:10.0.0.0/104", "11.9.9.9"));
	/* Prefixes that do not end on a byte. */
	assert_true(rb_netlist_contains("172.16.0.0/12", "172.31.255.255"));
	assert_false(rb_netlist_contains("172.16.0.0/12", "172.32.0.0"));
	/* Not an address, an empty list, a bad list: no. */
	assert_false(rb_netlist_contains(list, "10.0.0.1:443"));
	assert_false(rb_netlist_contains(list, ""));
	assert_false(rb_netlist_contains(list, NULL));
	assert_false(rb_netlist_contains("", "10.0.0.1"));
	assert_false(rb_netlist_contains(NULL, "10.0.0.1"));
	assert_false(rb_netlist_contains("0.0.0.0/0", "::1"));
	assert_true(rb_netlist_contains("::/0", "::1"));
}

static const char *
client(const char *trusted, const char *peer, const char *xff)
{
	static char out[RB_NETADDR_MAX];

	memset(out, 'x', sizeof(out));
	rb_forwarded_client(trusted, peer, xff, out, sizeof(out));
	return out;
}

static void
test_untrusted_peer_is_the_client(void **state)
{
	(void)state;
	/* No proxy trusted: the header is ignored, whatever it says. */
	assert_string_equal(client("", "198.51.100.9", "203.0.113.1"),
	    "198.51.100.9");
	assert_string_equal(client(NULL, "198.51.100.9", "203.0.113.1"),
	    "198.51.100.9");
	/* A peer outside the list spoofs the header: ignored. */
	assert_string_equal(client("10.0.0.1", "198.51.100.9",
	    "203.0.113.1, 10.0.0.1"), "198.51.100.9");
	assert_string_equal(client("10.0.0.0/8", "198.51.100.9", NULL),
	    "198.51.100.9");
}

static void
test_trusted_peer_right_most_untrusted_hop(void **state)
{
	const char *t = "10.0.0.1, 10.0.1.0/24";

	(void)state;
	/* One proxy: it appended the address it saw. */
	assert_string_equal(client(t, "10.0.0.1", "203.0.113.7"),
	    "203.0.113.7");
	/* The client's own header is to the left: never believed. */
	assert_string_equal(client(t, "10.0.0.1",
	    "1.2.3.4, 5.6.7.8, 203.0.113.7"), "203.0.113.7");
	/* Two proxies: skip the trusted hops from the right. */
	assert_string_equal(client(t, "10.0.0.1",
	    "6.6.6.6, 203.0.113.7, 10.0.1.5"), "203.0.113.7");
	/* A client that claims to be a trusted proxy gains nothing: the
	   hop its proxy wrote is untrusted and is the answer. */
	assert_string_equal(client(t, "10.0.0.1", "10.0.1.5, 203.0.113.7"),
	    "203.0.113.7");
	/* Spaces, empty items, several headers joined by commas. */
	assert_string_equal(client(t, "10.0.0.1", " 203.0.113.7 ,, "),
	    "203.0.113.7");
	assert_string_equal(client(t, "10.0.0.1",
	    "2001:DB8::0:1,10.0.1.9"), "2001:db8::1");
	assert_string_equal(client(t, "10.0.0.1", "::ffff:203.0.113.7"),
	    "203.0.113.7");
	/* No header, an empty one: the peer. */
	assert_string_equal(client(t, "10.0.0.1", NULL), "10.0.0.1");
	assert_string_equal(client(t, "10.0.0.1", ""), "10.0.0.1");
	assert_string_equal(client(t, "10.0.0.1", " , "), "10.0.0.1");
	/* Garbage right of any address: the last hop believed. */
	assert_string_equal(client(t, "10.0.0.1", "203.0.113.7, unknown"),
	    "10.0.0.1");
	assert_string_equal(client(t, "10.0.0.1",
	    "203.0.113.7, 10.0.1.3, 1.2.3.4:5678"), "10.0.0.1");
	assert_string_equal(client(t, "10.0.0.1", "<script>, 10.0.1.3"),
	    "10.0.1.3");
	assert_string_equal(client(t, "10.0.0.1", "1.2.3.4:80, 10.0.1.3, "
	    "10.0.1.4"), "10.0.1.3");
	/* Every hop trusted: the left-most. */
	assert_string_equal(client(t, "10.0.0.1", "10.0.1.8, 10.0.1.9"),
	    "10.0.1.8");
	/* A long header: still the right-most hop. */
	{
		char big[4000];
		size_t i;

		for (i = 0; i + 9 < sizeof(big); i += 9)
			memcpy(big + i, "9.9.9.9, ", 9);
		strcpy(big + i - 9, "8.8.8.8");
		assert_string_equal(client(t, "10.0.0.1", big), "8.8.8.8");
	}
}

static void
test_small_output(void **state)
{
	char out[8];
	(void)state;

	rb_forwarded_client("", "198.51.100.9", NULL, out, sizeof(out));
	assert_string_equal(out, "198.51.");
	rb_forwarded_client("10.0.0.1", "10.0.0.1", "203.0.113.77", out,
	    sizeof(out));
	assert_string_equal(out, "203.0.1");
}

static void
test_bucket(void **state)
{
	char out[RB_NETADDR_MAX + 4];
	(void)state;

	rb_netaddr_bucket("192.0.2.1", out, sizeof(out));
	assert_string_equal(out, "192.0.2.1");
	rb_netaddr_bucket("::ffff:192.0.2.1", out, sizeof(out));
	assert_string_equal(out, "192.0.2.1");
	/* Every address of one /64 counts as one. */
	rb_netaddr_bucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd", out,
	    sizeof(out));
	assert_string_equal(out, "2001:db8:1:2::/64");
	rb_netaddr_bucket("2001:db8:1:2::1", out, sizeof(out));
	assert_string_equal(out, "2001:db8:1:2::/64");
	rb_netaddr_bucket("-", out, sizeof(out));
	assert_string_equal(out, "-");
}

static void
test_sockaddr_text(void **state)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	struct sockaddr_un au;
	char out[RB_NETADDR_MAX], small[4];

	(void)state;
	memset(&a4, 0, sizeof(a4));
	a4.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.7", &a4.sin_addr), 1);
	rb_sockaddr_text((struct sockaddr *)&a4, out, sizeof(out));
	assert_string_equal(out, "192.0.2.7");
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr),
	    1);
	rb_sockaddr_text((struct sockaddr *)&a6, out, sizeof(out));
	assert_string_equal(out, "2001:db8::1");
	memset(&au, 0, sizeof(au));
	au.sun_family = AF_UNIX;
	rb_sockaddr_text((struct sockaddr *)&au, out, sizeof(out));
	assert_string_equal(out, "-");
	rb_sockaddr_text(NULL, out, sizeof(out));
	assert_string_equal(out, "-");
	/* Too small for the address: never overflows. */
	rb_sockaddr_text((struct sockaddr *)&a4, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_untrusted_peer_is_the_client),
		cmocka_unit_test(test_trusted_peer_right_most_untrusted_hop),
		cmocka_unit_test(test_small_output),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_sockaddr_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
