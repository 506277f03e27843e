/*
 * Key codes to hallqd operations. The satisfaction key's argument is the unit's score
 * (1 不满意, 2 基本满意, 3 满意), which is also the API's; a typed number is a ticket number
 * without its letter, which hallqd resolves among the counter's services.
 */
#include <string.h>

#include "keys.h"

static const struct hq_key keys[] = {
	{ 1, "call", "call-next", NULL, 0, 0, "call next (叫号)" },
	{ 2, "recall", "recall", NULL, 0, 0, "recall (重呼)" },
	{ 3, "noshow", "no-show", NULL, 0, 0, "no-show (过号)" },
	{ 4, "start", "start", NULL, 0, 0, "start (开始办理)" },
	{ 5, "finish", "finish", NULL, 0, 0, "finish (办结)" },
	{ 6, "pause", "pause", NULL, 0, 0, "pause (暂停)" },
	{ 7, "transfer", "transfer", "counter", 1, 9999, "transfer to counter (转移)" },
	{ 8, "resume", "resume", NULL, 0, 0, "resume (恢复)" },
	{ 9, "number", "call", "number", 1, 9999, "call a typed number (指定叫号)" },
	{ 10, "rate", "rate", "score", 1, 3, "satisfaction (评价)" },
};

const struct hq_key *hq_key_by_code(int code)
{
	return code >= 1 && code <= (int)(sizeof keys / sizeof keys[0]) ? &keys[code - 1] : NULL;
}

const struct hq_key *hq_key_by_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(keys[i].name, name) || !strcmp(keys[i].op, name))
			return &keys[i];
	return NULL;
}

json_t *hq_key_body(const struct hq_key *k, int arg)
{
	return k->arg ? json_pack("{s:i}", k->arg, arg) : NULL;
}
