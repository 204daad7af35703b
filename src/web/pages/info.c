/*
 * pages/info.c: informational pages: the privacy notice (with the list
 * of cookies), the accessibility statement and its multi-year plan, the
 * legal notice (publisher, host and director of publication, from the
 * legal_* settings), and the "bientôt disponible" page that stands in
 * for the areas of the site that later issues build.
 */
#include "web/routes.h"

struct soon_text {
	enum rb_route	 st_route;
	const char	*st_title;
	const char	*st_text;
};

static const struct soon_text soon_texts[] = {
	{ ROUTE_ARCHIVE, "Archives (avant 2024)",
	    "Vos factures et votre consommation jusqu'au 31 décembre 2023 "
	    "inclus seront bientôt consultables ici." },
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

/* What the legal pages say of the publisher and the host. */
static json_t *
legal_data(struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	const char *host = rb_config_str(cfg, RB_CFG_LEGAL_HOST_NAME);

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, "
	    "s:s}",
	    "publisher_name", rb_config_str(cfg, RB_CFG_LEGAL_PUBLISHER_NAME),
	    "publisher_address", rb_config_str(cfg,
	    RB_CFG_LEGAL_PUBLISHER_ADDRESS),
	    "siren", rb_config_str(cfg, RB_CFG_LEGAL_PUBLISHER_SIREN),
	    "director", rb_config_str(cfg, RB_CFG_LEGAL_DIRECTOR),
	    "host_name", host,
	    "host_address", rb_config_str(cfg, RB_CFG_LEGAL_HOST_ADDRESS),
	    "host_phone", rb_config_str(cfg, RB_CFG_LEGAL_HOST_PHONE),
	    "self_hosted", host[0] == '\0',
	    "public_url", rb_config_str(cfg, RB_CFG_PUBLIC_URL),
	    "former_operator", rb_config_str(cfg,
	    RB_CFG_FORMER_OPERATOR_NAME));
}

void
rb_page_privacy(struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	json_t *data = legal_data(req);

	json_object_set_new(data, "device_days", json_integer(
	    rb_config_int(cfg, RB_CFG_DEVICE_TTL) / 86400));
	json_object_set_new(data, "session_idle_min", json_integer(
	    rb_config_int(cfg, RB_CFG_SESSION_IDLE) / 60));
	json_object_set_new(data, "session_max_h", json_integer(
	    rb_config_int(cfg, RB_CFG_SESSION_ABSOLUTE) / 3600));
	json_object_set_new(data, "agent_idle_min", json_integer(
	    rb_config_int(cfg, RB_CFG_AGENT_SESSION_IDLE) / 60));
	json_object_set_new(data, "agent_max_h", json_integer(
	    rb_config_int(cfg, RB_CFG_AGENT_SESSION_ABSOLUTE) / 3600));
	rb_resp_page(req, 200, "privacy", data);
}

void
rb_page_accessibility(struct rb_req *req)
{
	rb_resp_page(req, 200, "accessibility", legal_data(req));
}

void
rb_page_accessibility_plan(struct rb_req *req)
{
	rb_resp_page(req, 200, "accessibility_plan", legal_data(req));
}

void
rb_page_legal(struct rb_req *req)
{
	rb_resp_page(req, 200, "legal", legal_data(req));
}
