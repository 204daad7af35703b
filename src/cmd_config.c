/*
 * cmd_config.c: `robinet config check`: prints the effective
 * configuration, secrets masked. Invalid values never get this far:
 * main() refuses them naming the setting, and exits 2.
 */
#include <stdio.h>

#include "cmd.h"

int
cmd_config_check(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	rb_buf out = RB_BUF_INIT;

	rb_config_print(cfg, &out);
	fputs(rb_buf_cstr(&out), stdout);
	fputs("configuration OK\n", stdout);
	rb_buf_free(&out);
	return 0;
}
