/*
 * hallq's commands of the 好差评 evaluation: reviews of tickets and the bad-review cases' workflow (docs/cli.md).
 */
#include "cli.h"

const struct cmd cli_review_cmds[] = {
	{0},
};
