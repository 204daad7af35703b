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

#define RB_PASSWORD_LIST_DEFAULT	"/usr/share/john/password.lst"

/*
 * Loads the common-password list (path NULL: RB_PASSWORD_LIST_DEFAULT),
 * one word a line, lines starting "#!comment:" skipped; a few French
 * favourites are added to it. Call it at start-up; calling it again
 * replaces the list safely while other threads check passwords. Returns
 * 0, or -1 with a message in err (file missing or empty: it names the
 * path and the Debian package); the previous list then stays. If no
 * list was ever loaded, the first check loads the default one (and logs
 * an error when it cannot).
 */
int	rb_password_load_list(const char *path, char *err, size_t errlen);
/*
 * Checks password (NUL-terminated, any bytes) against the policy; who
 * may be NULL. Thread-safe. Returns NULL when acceptable, else a static
 * French sentence saying why, the first that applies of:
 *   "Le mot de passe contient des caractères invalides." (not UTF-8, or
 *       a control character)
 *   "Le mot de passe doit contenir au moins 12 caractères."
 *   "Le mot de passe doit contenir au plus 128 caractères."
 *   "Ce mot de passe est trop courant : choisissez-en un autre."
 *   "Le mot de passe ne doit pas contenir votre adresse e-mail."
 *   "Le mot de passe ne doit pas contenir votre nom."
 *   "Le mot de passe ne doit pas contenir votre numéro de contrat."
 * Comparisons ignore case and accents.
 */
const char *rb_password_check(const char *password,
	    const struct rb_pw_person *who);

#endif
