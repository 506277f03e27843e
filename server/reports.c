/*
 * The period reports over HTTP: the monthly window appraisal (月考核, 红旗窗口) and the clerks' roster (docs/api.md).
 */
#include "server.h"

const struct hqd_route hqd_report_routes[] = {
	{0},
};
