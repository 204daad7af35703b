/*
 * render.h: a message's subject and bodies from its kind and data: the
 * French subject table, the mustache templates of src/mail/templates
 * (compiled into the binary), the data completed with what every
 * template may show. Internal to src/mail.
 */
#ifndef RB_MAIL_RENDER_H
#define RB_MAIL_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "mail/mail.h"
#include "mail/state.h"

/* A rendered message; every string is owned by it. */
struct rb_mail_rendered {
	char	*mr_subject;
	char	*mr_text;
	char	*mr_html;
};

/*
 * Parses every embedded mail template into a new set in *out and checks
 * that each kind has its text and HTML templates. Returns 0, or -1 with
 * *out NULL and a reason in err.
 */
int	rb_mail_templates_load(rb_tmpl_set **out, char *err, size_t errlen);

/*
 * Renders kind with data (not modified, not taken) for the settings st.
 * The templates see data plus "public_url", "sender_name",
 * "service_phone" (or null), "subject", "validity" (French text from
 * "ttl_seconds", or null), "first_name" and "new_email" (null when
 * absent), and "link" made absolute: a path starting with '/' gets the
 * public URL in front; an absolute link must be under the public URL.
 * Rendering is strict (a missing key is an error). Returns 0 and fills
 * out (free with rb_mail_rendered_free()), or -1 with a reason in err
 * when a required link is missing, a link is foreign or malformed, or a
 * template fails.
 */
int	rb_mail_render(const struct rb_mail_state *st, enum rb_mail_kind kind,
	    const json_t *data, struct rb_mail_rendered *out, char *err,
	    size_t errlen);
void	rb_mail_rendered_free(struct rb_mail_rendered *r);

/* "activation", "reset"…: the template name of kind, for logs. */
const char *rb_mail_kind_name(enum rb_mail_kind kind);

/*
 * Writes how long ttl seconds is, in French, into out: "24 heures",
 * "1 heure", "30 minutes", "7 jours". "" when ttl <= 0.
 */
void	rb_mail_validity_text(long long ttl, char *out, size_t outlen);

#endif
