/*
 * hallq's command of hallqd's tokens file (docs/cli.md): `hallq token new ROLE` makes a new
 * random token and prints it, then its line for the tokens file in the hashed form
 * (`ROLE sha256:HEX`), so that the file need not hold the token itself. The role is checked
 * by hallqd's own reader of the file (server/tokens.c), so a line printed here always loads.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "server.h"

static int cmd_token(struct ctx *c)
{
	char token[2 * HQD_TOKEN_NEW_BYTES + 1], line[128], err[256];

	if (strcmp(c->arg[0], "new") != 0)
		return cli_usage_err(c, "unknown action '%s': hallq token new ROLE", c->arg[0]);
	if (c->narg != 2)
		return cli_usage_err(c, "missing argument: hallq token new ROLE");
	if (hqd_token_new(c->arg[1], token, line, sizeof line, err, sizeof err))
		return strncmp(err, "unknown role", 12) ? cli_fail(c, "%s", err) : cli_usage_err(c, "%s", err);
	/* The token for the program's config (or its --token), then the file's line. */
	printf("%s\n%s\n", token, line);
	explicit_bzero(token, sizeof token);
	return ST_OK;
}

const struct cmd cli_token_cmds[] = {
	{.name = "token", .run = cmd_token, .no_db = true, .db_own = true, .min_args = 2, .max_args = 2,
	 .synopsis = "new ROLE",
	 .summary = "a new token for hallqd: the token, then its hashed line for the tokens file",
	 .example = "hallq token new counter:3"},
	{0},
};
