/*
 * Electronic supervision (电子监察) over HTTP: the alerts, their acknowledgement, and the rules' evaluation on hallqd's timer (docs/api.md).
 */
#include "server.h"

const struct hqd_route hqd_alert_routes[] = {
	{0},
};
