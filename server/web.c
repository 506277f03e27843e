/*
 * The hall's web pages and their files: the clerk's counter, the citizen-facing evaluator,
 * the managers' live hall and reports, and everything under assets/web that they load from
 * /web/. The files are in the binary (the Makefile, tools/embed-web), so hallqd needs no
 * asset path; a page holds no data, only what fetches it with a session, so the pages are
 * public. Each goes out with its build-time ETag, answered 304 when the browser has it
 * already, and with the headers that keep a page to this server (hallqd.c sends them).
 * The routes are local: memory only, never the worker.
 */
#include <stdlib.h>
#include <string.h>

#include "hq_web.h"
#include "server.h"

/* Files ----------------------------------------------------------------------------------- */

static int by_path(const void *key, const void *entry)
{
	return strcmp(key, ((const struct hqd_asset *)entry)->path);
}

const struct hqd_asset *hqd_asset_find(const char *path)
{
	return bsearch(path, hqd_assets, hqd_nassets, sizeof hqd_assets[0], by_path);
}

const char *hqd_asset_type(const struct hqd_asset *a)
{
	return hq_web_type(a->path);
}

/* Answer with the file: 200, or 304 without a body when the browser has this version. */
static void answer_asset(struct hqd_req *r, const struct hqd_asset *a, const char *cache)
{
	r->asset = a;
	r->cache = cache;
	r->ctype = hqd_asset_type(a);
	r->status = r->if_none_match && hq_web_etag_listed(r->if_none_match, a->etag) ? 304 : 200;
}

/* Routes ---------------------------------------------------------------------------------- */

/* Each page's file. A page may be shown again at once after an upgrade: "no-cache" has the
 * browser ask each time, and the ETag keeps the answer to a 304. */
static const struct {
	const char *pattern, *file;
} pages[] = {
	{"/", "index.html"},
	{"/counter", "counter.html"},
	{"/counter/*/evaluate", "evaluate.html"},
	{"/manage", "manage.html"},
	{"/manage/reports", "reports.html"},
};

static void run_page(struct hq_queue *q, struct hqd_req *r)
{
	const struct hqd_asset *a = NULL;

	(void)q;
	/* The evaluator's counter is checked by what the page fetches; here, only that the
	 * path names a counter at all. */
	if (strstr(r->route->pattern, "*") &&
	    (strspn(r->args[0], "0123456789") != strlen(r->args[0]) || strlen(r->args[0]) > 4 ||
	     atoi(r->args[0]) < 1)) {
		hqd_error(r, 404, "nocounter", "no counter '%s'", r->args[0]);
		return;
	}
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
		if (!strcmp(pages[i].pattern, r->route->pattern))
			a = hqd_asset_find(pages[i].file);
	if (!a) {
		hqd_error(r, 404, "nopage", "this hallqd was built without the page %s", r->path);
		return;
	}
	answer_asset(r, a, "no-cache");
}

/*
 * /web/PATH: a file under assets/web. Paths are looked up in the table, never on a disk,
 * but a path with an empty, "." or ".." segment is refused all the same: it names no file
 * here and only a probe sends one. A vendored library's path carries its version
 * (vendor/NAME-VERSION/...), so a browser may keep it a year; the rest changes with hallqd.
 */
static void run_asset(struct hq_queue *q, struct hqd_req *r)
{
	const char *path = r->path + strlen("/web/"), *seg;
	const struct hqd_asset *a;

	(void)q;
	for (seg = path; *seg; seg += strcspn(seg, "/"), seg += *seg == '/') {
		size_t n = strcspn(seg, "/");

		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && !strncmp(seg, "..", 2)) ||
		    memchr(seg, '\\', n)) {
			hqd_error(r, 400, "inval", "'%s' is not a file's path", path);
			return;
		}
	}
	if (!(a = hqd_asset_find(path))) {
		hqd_error(r, 404, "noasset", "no file /web/%s", path);
		return;
	}
	answer_asset(r, a, !strncmp(path, "vendor/", 7) ? "public, max-age=31536000, immutable" : "no-cache");
}

#define PAGE(p) {.method = "GET", .pattern = p, .perm = PERM_PUBLIC, .run = run_page, \
		 .name = "page", .local = true},                                       \
		{.method = "HEAD", .pattern = p, .perm = PERM_PUBLIC, .run = run_page,  \
		 .name = "page", .local = true}

const struct hqd_route hqd_web_routes[] = {
	PAGE("/"),
	PAGE("/counter"),
	PAGE("/counter/*/evaluate"),
	PAGE("/manage"),
	PAGE("/manage/reports"),
	/* "**": the rest of the path, one segment or more. */
	{.method = "GET", .pattern = "/web/**", .perm = PERM_PUBLIC, .run = run_asset,
	 .name = "asset", .local = true},
	{.method = "HEAD", .pattern = "/web/**", .perm = PERM_PUBLIC, .run = run_asset,
	 .name = "asset", .local = true},
	{0},
};
