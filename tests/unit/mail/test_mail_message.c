/*
 * test_mail_message.c: message building (mail/message.h) and address
 * checks (mail/address.h): quoted-printable bodies with French accents,
 * RFC 2047 subjects and sender names, line lengths, the headers a
 * message must carry, multipart/alternative structure, refusal of
 * anything that could inject a header; attached files (multipart/mixed
 * parsed back: boundaries, headers, RFC 2231 names, base64 to the exact
 * bytes) and refusal of bad file names and types.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mail_test.h"

#include "base/mem.h"
#include "mail/address.h"
#include "mail/message.h"

/* Encodes s with rb_mail_qp(), checks the lines and the round trip. */
static void
qp_roundtrip(const char *s, const char *expect_decoded)
{
	rb_buf enc = RB_BUF_INIT, dec = RB_BUF_INIT;

	rb_mail_qp(&enc, s, strlen(s));
	t_check_lines(rb_buf_cstr(&enc), enc.buf_len, 76);
	t_qp_decode(rb_buf_cstr(&enc), enc.buf_len, &dec);
	assert_string_equal(rb_buf_cstr(&dec), expect_decoded);
	rb_buf_free(&enc);
	rb_buf_free(&dec);
}

static void
qp_is(const char *s, const char *expect)
{
	rb_buf enc = RB_BUF_INIT;

	rb_mail_qp(&enc, s, strlen(s));
	assert_string_equal(rb_buf_cstr(&enc), expect);
	rb_buf_free(&enc);
}

static void
test_qp_plain_and_accents(void **state)
{
	(void)state;
	qp_is("Bonjour", "Bonjour");
	qp_is("Activé", "Activ=C3=A9");
	qp_is("Hélène à Noël : 5 €", "H=C3=A9l=C3=A8ne =C3=A0 No=C3=ABl : 5 "
	    "=E2=82=AC");
	qp_roundtrip("Hélène à Noël : 5 €\n", "Hélène à Noël : 5 €\n");
}

static void
test_qp_specials(void **state)
{
	(void)state;
	qp_is("a=b", "a=3Db");
	/* White space ending a line is encoded, inside it is not. */
	qp_is("a b \nc\t", "a b=20\r\nc=09");
	/* A line starting with '.' cannot end an SMTP DATA. */
	qp_is(".\n.x", "=2E\r\n=2Ex");
	/* Bare LF and CRLF are both line breaks; a lone CR is data. */
	qp_is("a\r\nb\nc\rd", "a\r\nb\r\nc=0Dd");
	qp_is("tab\tinside", "tab\tinside");
	qp_is("ctl\x01", "ctl=01");
}

static void
test_qp_long_lines(void **state)
{
	char line[2000];
	rb_buf enc = RB_BUF_INIT;
	size_t i, n = 0;
	const char *p;

	(void)state;
	/* A long line mixing one- and two-byte characters and '='. */
	for (i = 0; n + 3 < sizeof(line) - 1 && i < 600; i++) {
		if (i % 7 == 0) {
			memcpy(line + n, "é", 2);
			n += 2;
		} else {
			line[n++] = i % 11 == 0 ? '=' : i % 5 == 0 ? ' ' :
			    (char)('a' + i % 26);
		}
	}
	line[n] = '\0';
	qp_roundtrip(line, line);
	/* Soft breaks never split an escape: "=XX" stays whole. */
	rb_mail_qp(&enc, line, n);
	for (p = rb_buf_cstr(&enc); (p = strstr(p, "=\r\n")) != NULL; p += 3)
		assert_true(p[-1] != '=' && (p < rb_buf_cstr(&enc) + 2 ||
		    p[-2] != '='));
	rb_buf_free(&enc);
	/* A '.' pushed to the start of a line by a soft break is encoded. */
	memset(line, 'x', 75);
	line[75] = '.';
	line[76] = '\0';
	rb_mail_qp(&enc, line, 76);
	assert_non_null(strstr(rb_buf_cstr(&enc), "=\r\n=2E"));
	rb_buf_free(&enc);
}

static void
test_qp_random_roundtrip(void **state)
{
	char s[512];
	uint32_t x = 12345;
	int round, i, len;

	(void)state;
	for (round = 0; round < 200; round++) {
		len = round % 300;
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			s[i] = (char)(1 + (x >> 16) % 255);	/* no NUL */
			if (s[i] == '\r')
				s[i] = 'r';	/* CR handling tested above */
		}
		s[len] = '\0';
		qp_roundtrip(s, s);
	}
}

static void
test_header_plain_ascii(void **state)
{
	rb_buf b = RB_BUF_INIT;

	(void)state;
	rb_mail_header_text(&b, "Subject", "Hello there");
	assert_string_equal(rb_buf_cstr(&b), "Subject: Hello there\r\n");
	rb_buf_free(&b);
}

/* Encodes value as a Subject and checks it decodes back whole. */
static void
header_roundtrip(const char *value)
{
	rb_buf b = RB_BUF_INIT, dec = RB_BUF_INIT;
	const char *s;

	rb_mail_header_text(&b, "Subject", value);
	s = rb_buf_cstr(&b);
	assert_int_equal(strncmp(s, "Subject: =?UTF-8?B?", 19), 0);
	t_check_lines(s, b.buf_len, 76);
	t_decode_words(s + 9, &dec);
	assert_string_equal(rb_buf_cstr(&dec), value);
	rb_buf_free(&b);
	rb_buf_free(&dec);
}

static void
test_header_encoded_words(void **state)
{
	(void)state;
	header_roundtrip("Confirmez votre nouvelle adresse électronique");
	header_roundtrip("é");
	/* Long: several words, folded, each of whole characters. */
	header_roundtrip("Votre facture d'eau du 1er trimestre — échéance le "
	    "15 février, prélèvement à la date prévue, « merci » ! "
	    "Ça coûte 12,50 €, c'est noté ; ŒUVRE ÆON 𝄞 🚰 fin.");
	/* ASCII that would look encoded, or that does not fit. */
	header_roundtrip("=?UTF-8?B?QQ==?=");
	header_roundtrip("An ASCII subject that is much too long to fit on one "
	    "header line of seventy-six columns");
}

static void
test_date(void **state)
{
	char d[RB_MAIL_DATE_MAX];

	(void)state;
	rb_mail_format_date(0, d, sizeof(d));
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	rb_mail_format_date(1732874700, d, sizeof(d));
	assert_string_equal(d, "Fri, 29 Nov 2024 10:05:00 +0000");
	rb_mail_format_date(951825599, d, sizeof(d));
	assert_string_equal(d, "Tue, 29 Feb 2000 11:59:59 +0000");
}

static void
test_message_id(void **state)
{
	char a[RB_MAIL_MSGID_MAX], b[RB_MAIL_MSGID_MAX];
	size_t i;

	(void)state;
	rb_mail_message_id(a, sizeof(a), "eau.example", NULL, 0);
	rb_mail_message_id(b, sizeof(b), "eau.example", NULL, 0);
	assert_int_equal(strlen(a), 1 + 32 + 1 + 11 + 1);
	assert_int_equal(a[0], '<');
	for (i = 1; i < 33; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_equal(a + 33, "@eau.example>");
	assert_string_not_equal(a, b);
	/* Seeded: stable for one seed, different for another. */
	rb_mail_message_id(a, sizeof(a), "eau.example", "m|1", 3);
	rb_mail_message_id(b, sizeof(b), "eau.example", "m|1", 3);
	assert_string_equal(a, b);
	rb_mail_message_id(b, sizeof(b), "eau.example", "m|2", 3);
	assert_string_not_equal(a, b);
}

static const char html_body[] =
    "<!DOCTYPE html>\n<html lang=\"fr\"><body><p>Bonjour Hélène,</p>\n"
    "<p><a href=\"https://eau.example/activer?jeton=abc\" style=\"display:"
    "inline-block; padding:14px 24px; background-color:#00466f; color:"
    "#ffffff; font-weight:bold; text-decoration:none;\">Activer votre "
    "espace client</a></p></body></html>\n";
static const char text_body[] =
    "Bonjour Hélène,\n\nActiver votre espace client :\n"
    "https://eau.example/activer?jeton=abc\n\n-- \nService de l'eau\n";

static void
default_msg(struct rb_mail_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->mm_from_name = "Service de l'eau de la Métropole";
	m->mm_from_addr = "ne-pas-repondre@eau.example";
	m->mm_to = "helene.dupont@example.org";
	m->mm_subject = "Activer votre espace client";
	m->mm_text = text_body;
	m->mm_html = html_body;
	m->mm_date = 1732874700;
}

static void
test_build_multipart(void **state)
{
	struct rb_mail_msg m;
	rb_buf out = RB_BUF_INIT, v = RB_BUF_INIT, dec = RB_BUF_INIT;
	char err[128], boundary[128], closing[160];
	const char *s;

	(void)state;
	default_msg(&m);
	assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), 0);
	s = rb_buf_cstr(&out);
	/* Line ends and lengths, headers and bodies alike. */
	t_check_lines(s, out.buf_len, 78);
	assert_true(out.buf_len > 2 &&
	    strcmp(s + out.buf_len - 2, "\r\n") == 0);

	assert_int_equal(t_header(s, "Date", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " Fri, 29 Nov 2024 10:05:00 +0000");
	assert_int_equal(t_header(s, "From", &v), 1);
	assert_non_null(strstr(rb_buf_cstr(&v), " <ne-pas-repondre@eau.example>"));
	*strstr(v.buf_data, " <ne-pas") = '\0';
	t_decode_words(rb_buf_cstr(&v), &dec);
	assert_string_equal(rb_buf_cstr(&dec), "Service de l'eau de la "
	    "Métropole");
	rb_buf_reset(&dec);
	assert_int_equal(t_header(s, "To", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " <helene.dupont@example.org>");
	assert_int_equal(t_header(s, "Subject", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " Activer votre espace client");
	assert_int_equal(t_header(s, "Message-ID", &v), 1);
	assert_int_equal(strncmp(rb_buf_cstr(&v), " <", 2), 0);
	assert_non_null(strstr(rb_buf_cstr(&v), "@eau.example>"));
	assert_int_equal(t_header(s, "MIME-Version", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " 1.0");
	assert_int_equal(t_header(s, "Auto-Submitted", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " auto-generated");
	assert_int_equal(t_header(s, "Content-Type", &v), 1);
	assert_int_equal(strncmp(rb_buf_cstr(&v), " multipart/alternative;",
	    23), 0);
	assert_int_equal(t_header(s, "Bcc", &v), 0);

	/* Text first, then HTML (the preferred last), closing delimiter. */
	t_boundary(s, boundary, sizeof(boundary));
	assert_true(strlen(boundary) >= 20);
	assert_true(strstr(s, "text/plain") < strstr(s, "text/html"));
	snprintf(closing, sizeof(closing), "\r\n--%s--\r\n", boundary);
	assert_non_null(strstr(s, closing));
	t_part(s, boundary, "text/plain", &dec);
	assert_string_equal(rb_buf_cstr(&dec), text_body);
	rb_buf_reset(&dec);
	t_part(s, boundary, "text/html", &dec);
	assert_string_equal(rb_buf_cstr(&dec), html_body);

	rb_buf_free(&out);
	rb_buf_free(&v);
	rb_buf_free(&dec);
}

static void
test_build_text_only_and_long_names(void **state)
{
	struct rb_mail_msg m;
	rb_buf out = RB_BUF_INIT, v = RB_BUF_INIT, dec = RB_BUF_INIT;
	char err[128];
	const char *s;

	(void)state;
	default_msg(&m);
	m.mm_html = NULL;
	m.mm_from_name = "Service public de l'eau et de l'assainissement de la "
	    "Métropole européenne";
	m.mm_subject = "Réinitialisation de votre mot de passe : votre lien "
	    "personnel, valable une heure, à usage unique";
	m.mm_message_id = "<fixed.1@eau.example>";
	assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), 0);
	s = rb_buf_cstr(&out);
	t_check_lines(s, out.buf_len, 78);
	assert_int_equal(t_header(s, "Content-Type", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " text/plain; charset=UTF-8");
	assert_null(strstr(s, "multipart"));
	assert_int_equal(t_header(s, "Message-ID", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " <fixed.1@eau.example>");
	assert_int_equal(t_header(s, "Subject", &v), 1);
	t_decode_words(rb_buf_cstr(&v), &dec);
	assert_string_equal(rb_buf_cstr(&dec), m.mm_subject);
	rb_buf_reset(&dec);
	t_qp_decode(strstr(s, "\r\n\r\n") + 4, strlen(strstr(s, "\r\n\r\n") +
	    4) - 2, &dec);
	assert_string_equal(rb_buf_cstr(&dec), text_body);
	rb_buf_reset(&dec);
	/* A plain ASCII sender name needing quotes. */
	rb_buf_reset(&out);
	m.mm_from_name = "Eau (service client)";
	assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), 0);
	assert_int_equal(t_header(rb_buf_cstr(&out), "From", &v), 1);
	assert_string_equal(rb_buf_cstr(&v), " \"Eau (service client)\" "
	    "<ne-pas-repondre@eau.example>");
	rb_buf_free(&out);
	rb_buf_free(&v);
	rb_buf_free(&dec);
}

/* rb_mail_build() must refuse m and leave out untouched. */
static void
build_refused(const struct rb_mail_msg *m)
{
	rb_buf out = RB_BUF_INIT;
	char err[128] = "";

	rb_buf_puts(&out, "kept");
	assert_int_equal(rb_mail_build(m, &out, err, sizeof(err)), -1);
	assert_string_equal(rb_buf_cstr(&out), "kept");
	assert_true(err[0] != '\0');
	rb_buf_free(&out);
}

static void
test_build_refuses(void **state)
{
	struct rb_mail_msg m;

	(void)state;
	default_msg(&m);
	m.mm_to = "victim@example.org\r\nBcc: all@example.org";
	build_refused(&m);
	default_msg(&m);
	m.mm_to = "a@b.c>, <other@example.org";
	build_refused(&m);
	default_msg(&m);
	m.mm_subject = "Bonjour\r\nBcc: all@example.org";
	build_refused(&m);
	default_msg(&m);
	m.mm_subject = "";
	build_refused(&m);
	default_msg(&m);
	m.mm_from_name = "Eau\nBcc: x@y.z";
	build_refused(&m);
	default_msg(&m);
	m.mm_text = "caf\xe9";		/* Latin-1, not UTF-8 */
	build_refused(&m);
	default_msg(&m);
	m.mm_html = "\xc3\x28";
	build_refused(&m);
	default_msg(&m);
	m.mm_subject = "\xff";
	build_refused(&m);
	default_msg(&m);
	m.mm_message_id = "<a b@c>";
	build_refused(&m);
	default_msg(&m);
	m.mm_message_id = "<id@x>\r\nBcc: x@y.z";
	build_refused(&m);
}

static void
test_addr_ok(void **state)
{
	static const char *const good[] = {
		"a@b.fr", "jean.dupont@example.org", "j+tag@mail.eau.example",
		"o'brien@example.ie", "x_y-z@sub-domain.example.com",
		"123@456.fr",
	};
	static const char *const bad[] = {
		"", "@", "a@", "@b.fr", "a@b", "a@@b.fr", "a@b@c.fr",
		".a@b.fr", "a.@b.fr", "a..b@c.fr", "a b@c.fr", "a@b .fr",
		"a@-b.fr", "a@b-.fr", "a@b..fr", "a@.b.fr", "a@b.fr.",
		"\"a\"@b.fr", "a@[127.0.0.1]", "é@b.fr", "a@é.fr",
		"a@b.fr\r\nBcc: c@d.fr", "a@b.fr\n", "<a@b.fr>", "a,b@c.fr",
		"a@b_c.fr",
	};
	char longlocal[80], longaddr[300];
	size_t i;

	(void)state;
	for (i = 0; i < RB_NELEM(good); i++)
		if (!rb_mail_addr_ok(good[i]))
			fail_msg("refused %s", good[i]);
	for (i = 0; i < RB_NELEM(bad); i++)
		if (rb_mail_addr_ok(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(rb_mail_addr_ok(NULL));
	memset(longlocal, 'a', 65);
	strcpy(longlocal + 65, "@b.fr");
	assert_false(rb_mail_addr_ok(longlocal));
	memset(longaddr, 0, sizeof(longaddr));
	strcpy(longaddr, "a@");
	for (i = 0; strlen(longaddr) < 254; i++)
		strcat(longaddr, "abcdefghi.");
	strcat(longaddr, "fr");
	assert_false(rb_mail_addr_ok(longaddr));
}

static void
from_is(const char *from, const char *name, const char *addr)
{
	char *n, *a;

	if (rb_mail_from_parse(from, &n, &a) != 0)
		fail_msg("refused %s", from);
	assert_string_equal(n, name);
	assert_string_equal(a, addr);
	free(n);
	free(a);
}

static void
test_from_parse(void **state)
{
	static const char *const bad[] = {
		"", "Eau <>", "Eau <a@b.fr", "Eau <a@b.fr> x", "Eau a@b.fr>",
		"Eau\r\n <a@b.fr>", "\"Eau\\\" <a@b.fr>", "Eau <a@b.fr>\n",
		"not an address", "Caf\xe9 <a@b.fr>",
	};
	char *n, *a;
	size_t i;

	(void)state;
	from_is("Service de l'eau <ne-pas-repondre@eau.example>",
	    "Service de l'eau", "ne-pas-repondre@eau.example");
	from_is("  \"Eau, Métropole\"   <x@eau.example>  ", "Eau, Métropole",
	    "x@eau.example");
	from_is("<x@eau.example>", "", "x@eau.example");
	from_is(" x@eau.example ", "", "x@eau.example");
	for (i = 0; i < RB_NELEM(bad); i++) {
		if (rb_mail_from_parse(bad[i], &n, &a) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(n);
		assert_null(a);
	}
}

/* ---------------------------------------------------------- attachments */

/* Header value of name within the header block [p, hend) of one part,
 * unfolded, into out; the number of times it occurs. */
static int
part_header(const char *p, const char *hend, const char *name, rb_buf *out)
{
	char *block = strndup(p, (size_t)(hend - p) + 4);
	int n;

	assert_non_null(block);
	n = t_header(block, name, out);
	free(block);
	return n;
}

/* Parameter param of a header value v ("; param=\"x\"" only), into out. */
static int
quoted_param(const char *v, const char *param, char *out, size_t outlen)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), " %s=\"", param);
	if ((p = strstr(v, key)) == NULL)
		return 0;
	p += strlen(key);
	e = strchr(p, '"');
	assert_non_null(e);
	snprintf(out, outlen, "%.*s", (int)(e - p), p);
	return 1;
}

/*
 * The file name of a Content-Disposition value: the quoted filename, or
 * the RFC 2231 sections filename*0*=UTF-8''…; filename*1*=… joined and
 * percent-decoded.
 */
static void
disposition_name(const char *v, rb_buf *out)
{
	char key[32], val[512];
	const char *p, *e;
	int sec;
	size_t i;

	rb_buf_reset(out);
	if (quoted_param(v, "filename", val, sizeof(val))) {
		rb_buf_puts(out, val);
		return;
	}
	for (sec = 0;; sec++) {
		snprintf(key, sizeof(key), "filename*%d*=", sec);
		if ((p = strstr(v, key)) == NULL)
			break;
		p += strlen(key);
		if (sec == 0) {
			assert_int_equal(strncmp(p, "UTF-8''", 7), 0);
			p += 7;
		}
		for (e = p; *e != '\0' && *e != ';' && *e != ' '; e++)
			;
		for (i = 0; p + i < e; i++) {
			if (p[i] == '%') {
				assert_true(t_hexval(p[i + 1]) >= 0 &&
				    t_hexval(p[i + 2]) >= 0);
				rb_buf_putc(out, (char)(t_hexval(p[i + 1]) * 16 +
				    t_hexval(p[i + 2])));
				i += 2;
			} else {
				/* attr-char only */
				assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				    "!#$&+-.^_`|~", p[i]));
				rb_buf_putc(out, p[i]);
			}
		}
	}
	assert_true(sec > 0);
}

/* Decodes a base64 body: every line 76 characters but the last. */
static void
b64_body(const char *p, const char *end, rb_buf *out)
{
	rb_buf joined = RB_BUF_INIT;
	const char *eol;
	unsigned char *bin;
	size_t binlen = 0;

	while (p < end) {
		eol = strstr(p, "\r\n");
		assert_true(eol != NULL && eol <= end);
		if (eol + 2 < end)
			assert_int_equal(eol - p, 76);
		else
			assert_true(eol - p <= 76 && eol - p > 0);
		rb_buf_append(&joined, p, (size_t)(eol - p));
		p = eol + 2;
	}
	bin = malloc(joined.buf_len + 1);
	assert_int_equal(sodium_base642bin(bin, joined.buf_len + 1,
	    joined.buf_len ? joined.buf_data : "", joined.buf_len, NULL,
	    &binlen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	rb_buf_append(out, bin, binlen);
	free(bin);
	rb_buf_free(&joined);
}

/* The parts between the delimiters of boundary in body (after the top
 * headers): start and end pointers of each, *n of them; checks the
 * closing delimiter ends the message. */
static void
split_parts(const char *body, const char *boundary, const char **starts,
    const char **ends, size_t max, size_t *n)
{
	char delim[160], closing[160];
	const char *p, *q;

	snprintf(delim, sizeof(delim), "--%s\r\n", boundary);
	snprintf(closing, sizeof(closing), "\r\n--%s--\r\n", boundary);
	/* No preamble: the first delimiter opens the body. */
	assert_int_equal(strncmp(body, delim, strlen(delim)), 0);
	p = body + strlen(delim);
	*n = 0;
	snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	for (;;) {
		q = strstr(p, delim);
		assert_non_null(q);
		assert_true(*n < max);
		starts[*n] = p;
		ends[(*n)++] = q;
		if (strncmp(q, closing, strlen(closing)) == 0) {
			assert_string_equal(q, closing);
			return;
		}
		p = q + strlen(delim) + 2;
	}
}

static void
test_build_attachments(void **state)
{
	static const char long_name[] = "Relevé d'identité bancaire — "
	    "échéancier de la mensualisation 2026 de l'abonné Hélène "
	    "Dupont-Lefèvre, contrat 1000000001 (copie).pdf";
	unsigned char big[5000], one[1] = { 0x00 };
	struct rb_mail_attach files[3] = {
		{ "mandat-SEPA-RBN-1000000001-01.pdf", "application/pdf",
		    big, sizeof(big) },
		{ "relevé été.png", "image/png", one, 1 },
		{ long_name, "application/pdf", "", 0 },
	};
	const char *starts[8], *ends[8], *alt_starts[8], *alt_ends[8];
	struct rb_mail_msg m;
	rb_buf out = RB_BUF_INIT, v = RB_BUF_INIT, dec = RB_BUF_INIT;
	char err[128], mixed[128], alt[128], val[512];
	const char *s, *body, *hend;
	size_t n, na, i;
	char *sub;

	(void)state;
	randombytes_buf(big, sizeof(big));
	default_msg(&m);
	m.mm_files = files;
	m.mm_nfiles = 3;
	assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), 0);
	s = rb_buf_cstr(&out);
	t_check_lines(s, out.buf_len, 78);
	assert_int_equal(t_header(s, "Content-Type", &v), 1);
	assert_int_equal(strncmp(rb_buf_cstr(&v), " multipart/mixed;", 17), 0);
	assert_true(quoted_param(rb_buf_cstr(&v), "boundary", mixed,
	    sizeof(mixed)));
	assert_int_equal(t_header(s, "MIME-Version", &v), 1);
	body = strstr(s, "\r\n\r\n") + 4;
	split_parts(body, mixed, starts, ends, 8, &n);
	assert_int_equal(n, 4);

	/* Part 0: the alternative, text then HTML, under its own boundary. */
	hend = strstr(starts[0], "\r\n\r\n");
	assert_int_equal(part_header(starts[0], hend, "Content-Type", &v), 1);
	assert_int_equal(strncmp(rb_buf_cstr(&v), " multipart/alternative;",
	    23), 0);
	assert_true(quoted_param(rb_buf_cstr(&v), "boundary", alt,
	    sizeof(alt)));
	assert_string_not_equal(alt, mixed);
	assert_null(strstr(alt, mixed));
	assert_null(strstr(mixed, alt));
	sub = strndup(hend + 4, (size_t)(ends[0] - hend - 4) + 2);
	split_parts(sub, alt, alt_starts, alt_ends, 8, &na);
	assert_int_equal(na, 2);
	t_part(sub, alt, "text/plain", &dec);
	assert_string_equal(rb_buf_cstr(&dec), text_body);
	rb_buf_reset(&dec);
	t_part(sub, alt, "text/html", &dec);
	assert_string_equal(rb_buf_cstr(&dec), html_body);
	free(sub);

	/* Parts 1-3: the files, in order, with their exact bytes. */
	for (i = 0; i < 3; i++) {
		hend = strstr(starts[i + 1], "\r\n\r\n");
		assert_non_null(hend);
		assert_int_equal(part_header(starts[i + 1], hend,
		    "Content-Transfer-Encoding", &v), 1);
		assert_string_equal(rb_buf_cstr(&v), " base64");
		assert_int_equal(part_header(starts[i + 1], hend,
		    "Content-Type", &v), 1);
		assert_int_equal(strncmp(rb_buf_cstr(&v) + 1, files[i].ma_type,
		    strlen(files[i].ma_type)), 0);
		/* name=: quoted ASCII, or RFC 2047 words. */
		assert_true(quoted_param(rb_buf_cstr(&v), "name", val,
		    sizeof(val)));
		rb_buf_reset(&dec);
		t_decode_words(val, &dec);
		assert_string_equal(rb_buf_cstr(&dec), files[i].ma_name);
		assert_int_equal(part_header(starts[i + 1], hend,
		    "Content-Disposition", &v), 1);
		assert_int_equal(strncmp(rb_buf_cstr(&v), " attachment;", 12),
		    0);
		disposition_name(rb_buf_cstr(&v), &dec);
		assert_string_equal(rb_buf_cstr(&dec), files[i].ma_name);
		rb_buf_reset(&dec);
		if (files[i].ma_len > 0)
			b64_body(hend + 4, ends[i + 1] + 2, &dec);
		else
			assert_ptr_equal(hend + 2, ends[i + 1]);
		assert_int_equal(dec.buf_len, files[i].ma_len);
		assert_memory_equal(dec.buf_data ? dec.buf_data : "",
		    files[i].ma_data, files[i].ma_len);
	}
	/* ASCII names stay readable; others are encoded. */
	assert_non_null(strstr(s, "filename=\"mandat-SEPA-RBN-1000000001-01."
	    "pdf\""));
	assert_non_null(strstr(s, "filename*0*=UTF-8''relev%C3%A9%20%C3%A9t"
	    "%C3%A9.png"));
	assert_null(strstr(s, "été"));

	rb_buf_free(&out);
	rb_buf_free(&v);
	rb_buf_free(&dec);
}

static void
test_build_refuses_bad_files(void **state)
{
	static const char *const bad_names[] = { "", "a/b.pdf", "a\\b.pdf",
	    "a\"b.pdf", "a\r\nBcc: x@y.z", "a\tb", "\xc3(.pdf", NULL };
	static const char *const bad_types[] = { "", "pdf", "application/",
	    "/pdf", "application/pdf\r\nBcc: x@y.z", "Application/PDF",
	    "application/pdf; x=y", "a/b/c", NULL };
	struct rb_mail_attach f[RB_MAIL_FILES_MAX + 1];
	char longname[RB_MAIL_FILE_NAME_MAX + 2], err[128];
	struct rb_mail_msg m;
	rb_buf out = RB_BUF_INIT;
	size_t i;

	(void)state;
	default_msg(&m);
	m.mm_files = f;
	m.mm_nfiles = 1;
	for (i = 0; bad_names[i] != NULL; i++) {
		f[0] = (struct rb_mail_attach){ bad_names[i], "application/pdf",
		    "x", 1 };
		err[0] = '\0';
		assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), -1);
		assert_int_equal(out.buf_len, 0);
		assert_non_null(strstr(err, "file name"));
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	f[0] = (struct rb_mail_attach){ longname, "application/pdf", "x", 1 };
	assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), -1);
	for (i = 0; bad_types[i] != NULL; i++) {
		f[0] = (struct rb_mail_attach){ "a.pdf", bad_types[i], "x", 1 };
		err[0] = '\0';
		assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "content type"));
	}
	for (i = 0; i < RB_MAIL_FILES_MAX + 1; i++)
		f[i] = (struct rb_mail_attach){ "a.pdf", "application/pdf",
		    "x", 1 };
	m.mm_nfiles = RB_MAIL_FILES_MAX + 1;
	assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most"));
	m.mm_nfiles = RB_MAIL_FILES_MAX;
	assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), 0);
	rb_buf_free(&out);
}

/* A text-only message with a file: the text part sits in the mixed. */
static void
test_build_text_only_with_file(void **state)
{
	struct rb_mail_attach f = { "a.txt", "text/plain", "é\n", 3 };
	const char *starts[4], *ends[4];
	struct rb_mail_msg m;
	rb_buf out = RB_BUF_INIT, v = RB_BUF_INIT, dec = RB_BUF_INIT;
	char err[128], mixed[128];
	const char *body;
	size_t n;

	(void)state;
	default_msg(&m);
	m.mm_html = NULL;
	m.mm_files = &f;
	m.mm_nfiles = 1;
	assert_int_equal(rb_mail_build(&m, &out, err, sizeof(err)), 0);
	assert_int_equal(t_header(rb_buf_cstr(&out), "Content-Type", &v), 1);
	assert_true(quoted_param(rb_buf_cstr(&v), "boundary", mixed,
	    sizeof(mixed)));
	body = strstr(rb_buf_cstr(&out), "\r\n\r\n") + 4;
	split_parts(body, mixed, starts, ends, 4, &n);
	assert_int_equal(n, 2);
	assert_int_equal(strncmp(starts[0], "Content-Type: text/plain; "
	    "charset=UTF-8\r\n", 41), 0);
	b64_body(strstr(starts[1], "\r\n\r\n") + 4, ends[1] + 2, &dec);
	assert_int_equal(dec.buf_len, 3);
	assert_memory_equal(dec.buf_data, "é\n", 3);
	rb_buf_free(&out);
	rb_buf_free(&v);
	rb_buf_free(&dec);
}

/* rb_mail_base64(): 76-column lines, exact bytes, for every length. */
static void
test_base64_lines(void **state)
{
	unsigned char data[400];
	rb_buf enc = RB_BUF_INIT, dec = RB_BUF_INIT;
	size_t len;

	(void)state;
	randombytes_buf(data, sizeof(data));
	for (len = 0; len <= sizeof(data); len += 1) {
		rb_buf_reset(&enc);
		rb_buf_reset(&dec);
		rb_mail_base64(&enc, data, len);
		if (len == 0) {
			assert_int_equal(enc.buf_len, 0);
			continue;
		}
		t_check_lines(rb_buf_cstr(&enc), enc.buf_len, 76);
		b64_body(enc.buf_data, enc.buf_data + enc.buf_len, &dec);
		assert_int_equal(dec.buf_len, len);
		assert_memory_equal(dec.buf_data, data, len);
	}
	rb_buf_free(&enc);
	rb_buf_free(&dec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp_plain_and_accents),
		cmocka_unit_test(test_qp_specials),
		cmocka_unit_test(test_qp_long_lines),
		cmocka_unit_test(test_qp_random_roundtrip),
		cmocka_unit_test(test_header_plain_ascii),
		cmocka_unit_test(test_header_encoded_words),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_message_id),
		cmocka_unit_test(test_build_multipart),
		cmocka_unit_test(test_build_text_only_and_long_names),
		cmocka_unit_test(test_build_refuses),
		cmocka_unit_test(test_build_attachments),
		cmocka_unit_test(test_build_refuses_bad_files),
		cmocka_unit_test(test_build_text_only_with_file),
		cmocka_unit_test(test_base64_lines),
		cmocka_unit_test(test_addr_ok),
		cmocka_unit_test(test_from_parse),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
