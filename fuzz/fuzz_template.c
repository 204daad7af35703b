/*
 * fuzz_template.c: libFuzzer target for the mustache engine. The input
 * is parsed as a template and, when it parses, checked against the set
 * and rendered once against a small fixed context, with a few fixed
 * partials and a layout it may include; in strict mode when the input's
 * size is odd. The input is added under a name no tag can spell (tag
 * names hold no whitespace), so it cannot include itself; the step and
 * output limits bound sections nested over the list.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "tmpl/mustache.h"

#define INPUT_NAME	"fuzz input"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char context_json[] =
	"{\"name\": \"L'eau & <co>\", \"n\": 42, \"r\": 1.5, \"yes\": true,"
	" \"no\": false, \"nul\": null, \"empty\": \"\", \"list\": [1, \"a\","
	" {\"name\": \"x\"}], \"obj\": {\"a\": {\"b\": \"c\"}, \"list\": []}}";

static const struct {
	const char	*name;
	const char	*src;
} fixed[] = {
	{ "p", "[{{name}}]\n{{#list}}  ({{.}})\n{{/list}}" },
	{ "layout", "<h>{{$title}}T{{/title}}</h>\n  {{$body}}\n  b\n"
	    "  {{/body}}\n{{>p}}" },
	{ "page", "{{<layout}}{{$title}}{{name}}{{/title}}{{/layout}}" },
};

static rb_tmpl_set *
fixed_set(void)
{
	rb_tmpl_set *set = rb_tmpl_set_new();
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (rb_tmpl_set_add(set, fixed[i].name, fixed[i].src,
		    strlen(fixed[i].src), NULL, 0) == -1)
			abort();
	return set;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *context;
	rb_tmpl_set *set;
	rb_buf out = RB_BUF_INIT;
	char err[256];

	if (context == NULL) {
		context = json_loads(context_json, 0, NULL);
		if (context == NULL)
			abort();
	}
	set = fixed_set();
	if (rb_tmpl_set_add(set, INPUT_NAME, (const char *)data, size, err,
	    sizeof(err)) == 0) {
		(void)rb_tmpl_set_check(set, err, sizeof(err));
		(void)rb_tmpl_render(set, INPUT_NAME, context,
		    size % 2 == 1 ? RB_TMPL_STRICT : 0, &out, err,
		    sizeof(err));
	}
	rb_buf_free(&out);
	rb_tmpl_set_free(set);
	return 0;
}
