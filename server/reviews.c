/*
 * The 好差评 evaluation over HTTP: reviews of tickets from each channel and the bad-review cases' workflow (docs/api.md).
 */
#include "server.h"

const struct hqd_route hqd_review_routes[] = {
	{0},
};
