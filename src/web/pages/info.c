/*
 * pages/info.c: informational pages: the privacy notice, and the
 * "bientôt disponible" page that stands in for the areas of the site
 * that later issues build (sign-in, account creation, archive…).
 */
#include "web/routes.h"

struct soon_text {
	enum rb_route	 st_route;
	const char	*st_title;
	const char	*st_text;
};

static const struct soon_text soon_texts[] = {
	{ ROUTE_ARCHIVE, "Archives (avant 2024)",
	    "Vos factures et votre consommation antérieures au 31/12/2023 "
	    "seront bientôt consultables ici." },
};

void
rb_page_soon(struct rb_req *req)
{
	size_t i;

	for (i = 0; i < sizeof(soon_texts) / sizeof(soon_texts[0]); i++)
		if ((int)soon_texts[i].st_route == req->req_route) {
			rb_resp_page(req, 200, "soon", json_pack("{s:s, s:s}",
			    "title", soon_texts[i].st_title,
			    "text", soon_texts[i].st_text));
			return;
		}
	rb_resp_error(req, 404);
}

void
rb_page_privacy(struct rb_req *req)
{
	rb_resp_page(req, 200, "privacy", json_object());
}
