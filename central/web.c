/*
 * hallq-central's pages: /board (the region's live board) and /ranking (the month's
 * ranking and statistics), and their files under /web/. The files of central/web are in the
 * binary (tools/embed-web, as hallqd's are), each with its build-time ETag; a page holds no
 * data, only the script that fetches it with the viewer's token, so the pages are public.
 */
#include <stdlib.h>
#include <string.h>

#include "central.h"

static int by_path(const void *key, const void *entry)
{
	return strcmp(key, ((const struct hqc_asset *)entry)->path);
}

static const char *asset_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* Does an If-None-Match list (RFC 9110, 13.1.2) name the ETag, compared weakly? */
static bool etag_listed(const char *header, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = header;

	while (p && *p) {
		size_t n;

		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == elen && !strncmp(p, etag, n))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static void answer_asset(struct hqc_req *r, const char *file)
{
	const struct hqc_asset *a = bsearch(file, hqc_assets, hqc_nassets, sizeof hqc_assets[0], by_path);

	if (!a) {
		r->status = 404;  /* routes.c words the error */
		return;
	}
	r->asset = a;
	r->ctype = asset_type(a->path);
	r->status = r->if_none_match && etag_listed(r->if_none_match, a->etag) ? 304 : 200;
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
