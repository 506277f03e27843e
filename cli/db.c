/*
 * Opening the database a hallq command works on, with the clock HALLQ_NOW asks for. This
 * is a file of its own, not part of main.c, because init opens its database itself (after
 * checking the config file) while main.c opens it for every other command: here both reach
 * it without the handlers calling back into main.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "hq_queue.h"

/* HALLQ_NOW fixes the clock: tests and demos move the hall through a day at will. */
static int64_t fixed_clock(void *ud)
{
	return *(const int64_t *)ud;
}

int cli_setup_clock(struct ctx *c)
{
	const char *now = getenv("HALLQ_NOW");

	if (!now || !*now)
		return 0;
	if (hq_parse_local_time(now, &c->fixed_now) != 0)
		return cli_usage_err(c, "HALLQ_NOW must be \"YYYY-MM-DD HH:MM[:SS]\", not '%s'", now);
	c->fixed = true;
	return 0;
}

int cli_open_queue(struct ctx *c, bool readonly)
{
	char err[512] = "";

	if ((readonly ? hq_queue_open_readonly : hq_queue_open)(c->db_path, &c->q, err, sizeof err) != 0)
		return cli_fail(c, "%s: %s", c->db_path, *err ? err : "cannot open database");
	if (c->fixed)
		hq_queue_set_clock(c->q, fixed_clock, &c->fixed_now);
	return 0;
}

/*
 * Every command but init needs an existing, configured database: opening a mistyped path
 * would otherwise create an empty database and report a confusing error after it.
 */
int cli_open_existing(struct ctx *c, bool readonly)
{
	int rc;

	if (access(c->db_path, F_OK) != 0)
		return cli_fail(c, "no database at %s (create it with hallq init)", c->db_path);
	if ((rc = cli_open_queue(c, readonly)) != 0)
		return rc;
	if (!hq_queue_config(c->q))
		return cli_fail(c, "%s has no hall configuration yet (run hallq init)", c->db_path);
	return 0;
}
