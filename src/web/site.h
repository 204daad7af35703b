/*
 * site.h: assembling what every request shares (struct rb_site): the
 * compiled templates and the database pool.
 */
#ifndef RB_SITE_H
#define RB_SITE_H

#include "http.h"

/*
 * Parses every template compiled into the binary, checks that every
 * partial they name exists, and opens the database pool. Returns 0, or
 * -1 with a message in err. Undo with rb_site_close().
 */
int	rb_site_open(struct rb_site *site, const struct rb_config *cfg,
	    char *err, size_t errlen);
void	rb_site_close(struct rb_site *site);

#endif
