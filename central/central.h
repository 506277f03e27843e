/*
 * hallq-central: the view above the halls. It reads the central PostgreSQL that every
 * hall's hallq-sync writes into (central/schema.sql) and serves the region's live board,
 * the ranking and the statistics, as JSON, CSV and two pages, to viewers whose token names
 * the hall they may see, with every hall below it. docs/central.md has the whole story.
 *
 * The files: hallq-central.c (options, signals, the HTTP daemon), tokens.c (who may see
 * what), pg.c (the one PostgreSQL connection, reconnected when it is lost, and rows as JSON
 * or CSV), routes.c (the API), web.c (the embedded pages).
 */
#ifndef HQC_CENTRAL_H
#define HQC_CENTRAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* ---- tokens.c: `viewer:HALL_ID TOKEN`, `viewer:HALL_ID sha256:HEX` or `admin TOKEN` ---- */

#define HQC_HALL_ID_MAX 31
#define HQC_TOKEN_MAX 256

enum hqc_role { HQC_NONE, HQC_VIEWER, HQC_ADMIN };

struct hqc_token {
	enum hqc_role role;
	char hall[HQC_HALL_ID_MAX + 1];  /* a viewer's hall; empty for admin */
	unsigned char sha256[32];
};

struct hqc_tokens {
	struct hqc_token *v;
	size_t n;
};

/* Reads the file (mode 600 or stricter, as hallqd demands of its own). On error returns -1
 * with the file and line in err and *out untouched-empty. The caller frees with
 * hqc_tokens_free (NULL is fine). */
int hqc_tokens_load(const char *path, struct hqc_tokens *out, char *err, size_t errlen);
void hqc_tokens_free(struct hqc_tokens *t);
/* The entry of a presented token, or NULL; every entry is compared in full. */
const struct hqc_token *hqc_tokens_find(const struct hqc_tokens *t, const char *token);
/* 1..31 of A-Z a-z 0-9 _ - (the contract's hall id). */
bool hqc_hall_id_valid(const char *s);

/* ---- pg.c: one connection, kept and reconnected --------------------------------------- */

struct hqc_pg;

/* Allocates; connects lazily, at the first query. conninfo is copied. */
struct hqc_pg *hqc_pg_new(const char *conninfo);
void hqc_pg_free(struct hqc_pg *pg);

enum hqc_pg_rc { HQC_PG_OK = 0, HQC_PG_DOWN = -1, HQC_PG_ERROR = -2, HQC_PG_SCHEMA = -3 };

/* The version of the central schema (hallq.schema_version, tools/central-migrate) that this
 * hallq-central's statements need; an older or missing schema is HQC_PG_SCHEMA. */
#define HQC_SCHEMA_NEED 1

/*
 * Runs one parameterised statement (text parameters, NULL for SQL NULL) and hands back the
 * result as JSON: an array of objects, one a row, a column's value typed by its PostgreSQL
 * type (numbers, booleans, json/jsonb parsed, the rest strings, NULL as null). When
 * csv is given, the same rows also as CSV (RFC 4180, a header line; the caller frees).
 * HQC_PG_DOWN when PostgreSQL cannot be reached (the caller answers 503), HQC_PG_ERROR when
 * the statement failed (its message in err, SQLSTATE in sqlstate), HQC_PG_SCHEMA when the
 * database's schema is missing or older than HQC_SCHEMA_NEED (the version found in err; the
 * caller answers 503: someone must run tools/central-migrate). The version is read at each
 * connect, and again at most once a second while it is too old, so that a migration run
 * while hallq-central serves is seen without a restart.
 */
int hqc_pg_query(struct hqc_pg *pg, const char *sql, int nparams, const char *const *params,
		 json_t **rows, char **csv, char *err, size_t errlen, char sqlstate[6]);
/* Whether the last attempt found PostgreSQL up. */
bool hqc_pg_up(struct hqc_pg *pg);

/* ---- routes.c and web.c ----------------------------------------------------------------- */

struct hqc_server {
	struct hqc_pg *pg;
	struct hqc_tokens tokens;        /* swapped under tokens_lock by a SIGHUP reload */
	void *tokens_lock;               /* a pthread_rwlock_t */
	int contact_s;                   /* a hall with nothing heard for longer is out of contact */
};

/* One request and its answer, filled by a route. */
struct hqc_req {
	const char *method, *path;
	const char *(*arg)(void *conn, const char *key);
	void *conn;
	const char *authorization, *accept, *if_none_match;
	/* the answer */
	int status;
	char *body;                      /* malloc'd, or NULL with asset set */
	size_t len;
	const char *ctype;
	const struct hqc_asset *asset;
	const char *location;
	int retry_after;                 /* seconds; 0 for none */
};

void hqc_route(struct hqc_server *s, struct hqc_req *r);
void hqc_error(struct hqc_req *r, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The embedded files of central/web (tools/embed-web writes the table). */
struct hqc_asset {
	const char *path;
	const unsigned char *data;
	size_t len;
	const char *etag;
};
extern const struct hqc_asset hqc_assets[];
extern const size_t hqc_nassets;
/* The pages and /web/...: true when the path was one of theirs, answered in r, or with
 * status 404 and no body when the file is not there (the caller words the error). */
bool hqc_web(struct hqc_req *r);

#define HQC_PAGE_CSP "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " \
		     "frame-ancestors 'none'"

#endif
