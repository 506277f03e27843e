/*
 * hallq's commands of electronic supervision (电子监察): the alerts and their acknowledgement (docs/cli.md).
 */
#include "cli.h"

const struct cmd cli_alert_cmds[] = {
	{0},
};
