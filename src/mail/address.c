/*
 * address.c: checking recipient addresses and splitting the configured
 * sender into display name and address (see address.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "base/mem.h"
#include "mail/address.h"

#define LOCAL_MAX	64
#define LABEL_MAX	63
#define NAME_MAX_BYTES	128

/* RFC 5322 atext: letters, digits and !#$%&'*+-/=?^_`{|}~ */
static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c) !=
	    NULL;
}

static int
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* Dot-atom of atext, len bytes at s: no empty atom. */
static int
local_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > LOCAL_MAX || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (s[i] == '\0' || !is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int
domain_ok(const char *s)
{
	size_t label = 0, labels = 1;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0 || s[-1] == '-')
				return 0;
			label = 0;
			labels++;
			continue;
		}
		if (!is_ldh((unsigned char)*s) || (label == 0 && *s == '-') ||
		    ++label > LABEL_MAX)
			return 0;
	}
	return label > 0 && s[-1] != '-' && labels >= 2;
}

int
rb_mail_addr_ok(const char *s)
{
	const char *at;

	if (s == NULL || strlen(s) > RB_MAIL_ADDR_MAX ||
	    (at = strchr(s, '@')) == NULL)
		return 0;
	return local_ok(s, (size_t)(at - s)) && domain_ok(at + 1);
}

/* Trims spaces and tabs around s[0..*len), moving s forward. */
static const char *
trim(const char *s, size_t *len)
{
	while (*len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

int
rb_mail_from_parse(const char *from, char **name, char **addr)
{
	const char *lt, *gt, *n, *a;
	size_t nlen, alen, i;
	char *na = NULL, *aa = NULL;

	*name = *addr = NULL;
	if ((lt = strchr(from, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL)
			return -1;
		for (i = 1; gt[i] != '\0'; i++)
			if (gt[i] != ' ' && gt[i] != '\t')
				return -1;
		nlen = (size_t)(lt - from);
		n = trim(from, &nlen);
		if (nlen >= 2 && n[0] == '"' && n[nlen - 1] == '"') {
			n++;
			nlen -= 2;
		}
		a = lt + 1;
		alen = (size_t)(gt - a);
	} else {
		n = "";
		nlen = 0;
		alen = strlen(from);
		a = trim(from, &alen);
	}
	if (nlen > NAME_MAX_BYTES ||
	    u8_check((const uint8_t *)n, nlen) != NULL)
		return -1;
	for (i = 0; i < nlen; i++)
		if ((unsigned char)n[i] < 0x20 || n[i] == 0x7f ||
		    n[i] == '<' || n[i] == '>' || n[i] == '"' || n[i] == '\\')
			return -1;
	aa = rb_xstrndup(a, alen);
	if (!rb_mail_addr_ok(aa)) {
		free(aa);
		return -1;
	}
	na = rb_xstrndup(n, nlen);
	*name = na;
	*addr = aa;
	return 0;
}
