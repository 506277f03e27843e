/*
 * hallq-central's pages: /board (the region's live board) and /ranking (the month's
 * ranking and statistics), and their files under /web/. The files of central/web are in the
 * binary (tools/embed-web, as hallqd's are), each with its build-time ETag; a page holds no
 * data, only the script that fetches it with the viewer's token, so the pages are public.
 */
#include <stdlib.h>
#include <string.h>

#include "central.h"
#include "hq_web.h"

static int by_path(const void *key, const void *entry)
{
	return strcmp(key, ((const struct hqc_asset *)entry)->path);
}

static void answer_asset(struct hqc_req *r, const char *file)
{
	const struct hqc_asset *a = bsearch(file, hqc_assets, hqc_nassets, sizeof hqc_assets[0], by_path);

	if (!a) {
		r->status = 404;  /* routes.c words the error */
		return;
	}
	r->asset = a;
	r->ctype = hq_web_type(a->path);
	r->status = r->if_none_match && hq_web_etag_listed(r->if_none_match, a->etag) ? 304 : 200;
}

bool hqc_web(struct hqc_req *r)
{
	const char *p = r->path;

	if (!strcmp(p, "/")) {
		r->status = 302;
		r->location = "/board";
		return true;
	}
	if (!strcmp(p, "/board")) {
		answer_asset(r, "board.html");
		return true;
	}
	if (!strcmp(p, "/ranking")) {
		answer_asset(r, "ranking.html");
		return true;
	}
	if (strncmp(p, "/web/", 5))
		return false;
	/* Looked up in the table, never on a disk; a name with other bytes is no file here. */
	if (strspn(p + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") !=
	    strlen(p + 5) || p[5] == '.')
		r->status = 404;
	else
		answer_asset(r, p + 5);
	return true;
}
