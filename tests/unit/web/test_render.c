/*
 * test_render.c: what rb_resp_page_row() (src/web/render.c) promises: a
 * page's fields may come from a C struct (the rows of rb_tmpl_render_row)
 * inside the site's layout; and with template_strict on, a page whose
 * data uses one of the keys the layout owns ("user", "path", "archive"
 * ...), in its JSON data or as a field of its struct, is refused with a
 * 500 instead of shadowing or being shadowed by the layout's value.
 *
 * The site is a real one (rb_site_open(): the embedded templates, a
 * connection pool on a fresh SQLite file or the RB_TEST_DB server); the
 * page rendered is the archive's landing ("archive": number, old_number,
 * migrated), fed from the test's own struct.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/config.h"
#include "tmpl/mustache.h"
#include "web/http.h"
#include "web/site.h"

struct fixture {
	char		 dir[256];
	char		 url[4096];
	struct rb_config cfg;
	struct rb_site	 site;
};

/* The archive landing's fields, and one named like a layout key. */
struct landing {
	const char	*l_number;
	const char	*l_old_number;
	int		 l_migrated;
	int		 l_form_failed;
};

#define F(name, type, member) \
	RB_TMPL_FIELD(name, type, struct landing, member, NULL)

static const struct rb_tmpl_field landing_fields[] = {
	F("number", RB_TF_STR, l_number),
	F("old_number", RB_TF_STR, l_old_number),
	F("migrated", RB_TF_BOOL, l_migrated),
};
static const struct rb_tmpl_desc landing_desc = RB_TMPL_DESC(landing_fields);

/* The same, with a field called "form_failed", which the layout owns:
   of the type the layout gives it, so that only the check refuses it. */
static const struct rb_tmpl_field clash_fields[] = {
	F("number", RB_TF_STR, l_number),
	F("old_number", RB_TF_STR, l_old_number),
	F("migrated", RB_TF_BOOL, l_migrated),
	F("form_failed", RB_TF_BOOL, l_form_failed),
};
static const struct rb_tmpl_desc clash_desc = RB_TMPL_DESC(clash_fields);

static const struct landing row = {
	"C-00042", "A-7731", 1, 0
};

static int
open_site(void **state, const char *strict)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (!test_db_server_url(f->url, sizeof(f->url))) {
		test_mkdtemp(f->dir, sizeof(f->dir));
		test_db_url(f->url, sizeof(f->url), f->dir, "t.db");
	}
	rb_config_init(&f->cfg);
	if (rb_config_set(&f->cfg, RB_CFG_DB, f->url, "test", err,
	    sizeof(err)) != 0 ||
	    rb_config_set(&f->cfg, RB_CFG_DB_POOL_SIZE, "1", "test", err,
	    sizeof(err)) != 0 ||
	    rb_config_set(&f->cfg, RB_CFG_TEMPLATE_STRICT, strict, "test", err,
	    sizeof(err)) != 0 ||
	    rb_site_open(&f->site, &f->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "site: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
setup_strict(void **state)
{
	return open_site(state, "1");
}

static int
setup_lenient(void **state)
{
	return open_site(state, "0");
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rb_site_close(&f->site);
	rb_config_free(&f->cfg);
	if (f->dir[0] != '\0')
		test_rmtree(f->dir);
	free(f);
	return 0;
}

/*
 * Renders the archive landing from data and the struct of desc; returns
 * the status and copies the body (NUL-terminated) into body.
 */
static int
page(struct fixture *f, json_t *data, const struct rb_tmpl_desc *desc,
    char *body, size_t bodylen)
{
	struct rb_req req;
	int status;

	memset(&req, 0, sizeof(req));
	req.req_arena = rb_arena_new();
	req.req_site = &f->site;
	req.req_method = RB_GET;
	req.req_method_name = "GET";
	req.req_path = "/archives";
	req.resp_fd = -1;
	rb_resp_page_row(&req, 200, "archive", data, desc, &row);
	status = req.resp_status;
	snprintf(body, bodylen, "%.*s", (int)req.resp_body.buf_len,
	    req.resp_body.buf_data != NULL ? req.resp_body.buf_data : "");
	rb_buf_free(&req.resp_body);
	rb_arena_free(req.req_arena);
	return status;
}

static char body[1 << 16];

static void
struct_fields_render_inside_the_layout(void **state)
{
	assert_int_equal(page(*state, json_object(), &landing_desc, body,
	    sizeof(body)), 200);
	assert_non_null(strstr(body, "C-00042"));
	assert_non_null(strstr(body, "A-7731"));
	assert_non_null(strstr(body, "</html>"));
}

static void
strict_refuses_a_struct_field_named_like_a_layout_key(void **state)
{
	assert_int_equal(page(*state, json_object(), &clash_desc, body,
	    sizeof(body)), 500);
	assert_null(strstr(body, "C-00042"));
}

static void
strict_refuses_json_data_using_a_layout_key(void **state)
{
	const char *keys[] = { "user", "path", "archive", "menu", "site",
	    "agent", "form_failed" };
	size_t i;
	json_t *data;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		data = json_object();
		json_object_set_new(data, keys[i], json_string("Intrus"));
		assert_int_equal(page(*state, data, &landing_desc, body,
		    sizeof(body)), 500);
		assert_null(strstr(body, "C-00042"));
	}
}

static void
without_strict_the_same_page_is_served(void **state)
{
	assert_int_equal(page(*state, json_object(), &clash_desc, body,
	    sizeof(body)), 200);
	assert_non_null(strstr(body, "C-00042"));
}

int
main(void)
{
	const struct CMUnitTest strict[] = {
		cmocka_unit_test_setup_teardown(
		    struct_fields_render_inside_the_layout, setup_strict,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    strict_refuses_a_struct_field_named_like_a_layout_key,
		    setup_strict, teardown),
		cmocka_unit_test_setup_teardown(
		    strict_refuses_json_data_using_a_layout_key, setup_strict,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    without_strict_the_same_page_is_served, setup_lenient,
		    teardown),
	};

	return cmocka_run_group_tests_name("render", strict, NULL, NULL);
}
