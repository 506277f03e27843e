/*
 * Key codes to hallqd operations. The satisfaction key's argument, by the time it is sent,
 * is the national 好差评 level 1..5: the gateway has read it on the unit's three- or five-key
 * scale (gateway.c, PROTOCOL.md 5.2). A typed number is a ticket number without its letter,
 * which hallqd resolves among the counter's services. Sign-in is the clerk's id and PIN
 * (codes 11 and 12), sent as one request by hq_link_sign_in.
 */
#include <string.h>

#include "keys.h"

static const struct hq_key keys[] = {
	{ 1, "call", "call-next", NULL, 0, 0, "call next (叫号)", 0 },
	{ 2, "recall", "recall", NULL, 0, 0, "recall (重呼)", 0 },
	{ 3, "noshow", "no-show", NULL, 0, 0, "no-show (过号)", 0 },
	{ 4, "start", "start", NULL, 0, 0, "start (开始办理)", 0 },
	{ 5, "finish", "finish", NULL, 0, 0, "finish (办结)", 0 },
	{ 6, "pause", "pause", NULL, 0, 0, "pause (暂停)", 0 },
	{ 7, "transfer", "transfer", "counter", 1, 9999, "transfer to counter (转移)", 0 },
	{ 8, "resume", "resume", NULL, 0, 0, "resume (恢复)", 0 },
	{ 9, "number", "call", "number", 1, 9999, "call a typed number (指定叫号)", 0 },
	{ 10, "rate", "evaluate", "level", 1, 5, "satisfaction (评价)", HQ_KEY_UNIT_ONLY },
	{ 11, "signin", "sign-in", NULL, 0, 0, "sign in (登录)", HQ_KEY_SEQUENCE },
	{ 12, "pin", NULL, NULL, 0, 0, "the sign-in's PIN", HQ_KEY_SEQUENCE | HQ_KEY_UNIT_ONLY },
	{ 13, "signout", "sign-out", NULL, 0, 0, "sign out (退出)", 0 },
};

const struct hq_key *hq_key_by_code(int code)
{
	return code >= 1 && code <= (int)(sizeof keys / sizeof keys[0]) ? &keys[code - 1] : NULL;
}

const struct hq_key *hq_key_by_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(keys[i].name, name) || (keys[i].op && !strcmp(keys[i].op, name)))
			return &keys[i];
	return NULL;
}

json_t *hq_key_body(const struct hq_key *k, int arg)
{
	return k->arg ? json_pack("{s:i}", k->arg, arg) : NULL;
}
