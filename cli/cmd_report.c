/*
 * hallq's period reports, the monthly window appraisal (月考核, 红旗窗口), and the clerks' roster (docs/cli.md).
 */
#include "cli.h"

const struct cmd cli_report_cmds[] = {
	{0},
};
