/*
 * password.h: the password policy (OWASP ASVS 2.1): 12 to 128
 * characters counted as Unicode characters after NFC normalisation, no
 * composition rules, refused when common (Debian john-data's list,
 * /usr/share/john/password.lst, also with digits or symbols stuck on
 * either end) or when it contains the person's email, name or contract
 * number. Each refusal says why, in French.
 */
#ifndef RB_APP_PASSWORD_H
#define RB_APP_PASSWORD_H

#include <stddef.h>

/* What the password must not contain (any may be NULL). */
struct rb_pw_person {
	const char	*pp_email;
	const char	*pp_last_name;
	const char	*pp_first_name;
	const char	*pp_contract;	/* contract or old customer number */
};

/* Loads the common-password list once (path NULL: the default). */
int	rb_password_load_list(const char *path, char *err, size_t errlen);
/*
 * Checks password against the policy. Returns NULL when acceptable, else
 * a static French sentence saying why ("Le mot de passe doit contenir
 * au moins 12 caractères.").
 */
const char *rb_password_check(const char *password,
	    const struct rb_pw_person *who);

#endif
