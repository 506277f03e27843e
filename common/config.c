/*
 * The hall configuration parser. libinih splits the text into lines, sections and
 * `key = value` pairs; everything else is here: one table of keys per section kind, each
 * key with the function that checks and stores its value and a default written the way a
 * hall manager would write it. Checks that need more than one key (a daily cap against its
 * number range, a counter's bus and address) run once the whole file is read, because a
 * manager may write the keys of a section, and the sections, in any order. The first
 * problem found is reported as "FILE:LINE: reason" and nothing is kept.
 *
 * inih is driven through ini_parse_stream() with our own line reader: the reader counts
 * lines (Debian builds inih without INI_HANDLER_LINENO), rejects text that is not UTF-8,
 * and opens each [section] itself, so that an empty section or a duplicate header is seen
 * even though inih only reports key/value pairs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "hq_config.h"
#include "hq_error.h"
#include "hq_time.h"

#define MAX_FILE (1024 * 1024) /* a hall config is a few kilobytes; more is a wrong file */
#define MAX_LINE 1024          /* inih line buffer: room for a 511-byte notice and its key */
#define MAX_BUSES 32
#define MAX_KEYS 24            /* keys in the largest section table */

enum kind { K_HALL, K_SERVICE, K_COUNTER, K_BUS, K_KIOSK, K_ALERT, K_APPRAISAL, K_CLERK,
	    K_RETENTION, K_LIMITS };

/* Key flags. */
#define F_REQUIRED 1u /* the section is incomplete without it */
#define F_NONEMPTY 2u /* a string that may not be blank */

struct parser;
struct key;
typedef int (*setter)(struct parser *p, const struct key *k, void *obj, const char *v);

struct key {
	const char *name;
	setter set;
	size_t off;      /* where the value goes in the section's struct */
	size_t size;     /* string buffer size */
	int min, max;    /* integer range */
	const char *def; /* default, applied through `set` when the section opens */
	unsigned flags;
};

/* One [section] of the file, with the line of each key given (0 if not given). */
struct section {
	enum kind kind;
	int index;                  /* into the config's array for that kind */
	int line;                   /* of the [header] */
	char label[72];             /* "[service a]", for messages */
	int lines[MAX_KEYS];
	/* A counter's references, resolved when the whole file is read. */
	char refs[HQ_MAX_COUNTER_SERVICES][HQ_KEY_MAX];
	int nrefs;
	char bus[HQ_KEY_MAX];
	/* An [alert]'s services, as written (any number of the hall's services, so not in
	 * refs), resolved when the whole file is read; freed with the sections. */
	char *watch;
};

struct parser {
	const char *name;           /* what errors call the text */
	const char *pos, *end;      /* text not yet handed to inih */
	int line;                   /* number of the line last handed to inih */
	struct hq_config *cfg;
	struct section *secs;
	size_t nsecs, cap;
	int cur;                    /* open section, -1 before the first */
	int rc;                     /* first error; 0 while all is well */
	char *err;
	size_t errlen;
};

static void set_message(char *err, size_t errlen, const char *name, int line,
			const char *fmt, va_list ap)
{
	int n;

	if (!err || !errlen)
		return;
	if (line > 0)
		n = snprintf(err, errlen, "%s:%d: ", name, line);
	else
		n = snprintf(err, errlen, "%s: ", name);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

/* Record the first error; later ones are consequences of it. Returns the error code. */
__attribute__((format(printf, 3, 4)))
static int fail(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->rc)
		return p->rc;
	p->rc = HQ_ECONFIG;
	va_start(ap, fmt);
	set_message(p->err, p->errlen, p->name, line, fmt, ap);
	va_end(ap);
	return p->rc;
}

static int nomem(struct parser *p)
{
	if (!p->rc) {
		p->rc = HQ_ENOMEM;
		if (p->err && p->errlen)
			snprintf(p->err, p->errlen, "%s: out of memory", p->name);
	}
	return p->rc;
}

/* ---- small parsing helpers ---------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copy s[0..n) into buf without surrounding blanks; false if it does not fit. */
static bool trim_copy(char *buf, size_t size, const char *s, size_t n)
{
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	if (n >= size)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

/*
 * Split a comma list into trimmed items of at most 63 bytes. Returns the count; max + 1
 * when there are more than max items (only max are stored); -1 when an item is too long.
 * An empty item ("a,,b") is kept as "" so the caller can name it.
 */
static int split_list(const char *v, char (*items)[64], int max)
{
	int n = 0;

	for (;;) {
		const char *comma = strchr(v, ',');
		size_t len = comma ? (size_t)(comma - v) : strlen(v);

		if (n == max)
			return max + 1;
		if (!trim_copy(items[n], sizeof items[n], v, len))
			return -1;
		n++;
		if (!comma)
			return n;
		v = comma + 1;
	}
}

static bool valid_key(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= HQ_KEY_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* A plain decimal number, digits only: "0" to "9999" style parts of a larger value. */
static bool parse_digits(const char *s, int max, int *out)
{
	char *end;
	long n;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtol(s, &end, 10);
	if (*end || errno == ERANGE || n > max)
		return false;
	*out = (int)n;
	return true;
}

/* Well-formed UTF-8, no overlong forms or surrogates (RFC 3629). */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len, j;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (j = 1; j < len; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* ---- setters: check one value and store it ------------------------------------------ */

#define FIELD(obj, k, type) ((type *)(void *)((char *)(obj) + (k)->off))

static int set_str(struct parser *p, const struct key *k, void *obj, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 && (k->flags & (F_REQUIRED | F_NONEMPTY)))
		return fail(p, p->line, "%s is empty; it needs a value", k->name);
	if (n >= k->size)
		return fail(p, p->line, "%s is %zu bytes long; at most %zu bytes are allowed "
			    "(a Chinese character takes 3)", k->name, n, k->size - 1);
	memcpy(FIELD(obj, k, char), v, n + 1);
	return 0;
}

static int parse_int(struct parser *p, const char *key, const char *v, int min, int max,
		     int *out)
{
	char *end;
	long n;

	if (!*v)
		return fail(p, p->line, "%s is empty; it needs a number from %d to %d",
			    key, min, max);
	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || *end)
		return fail(p, p->line, "%s = %s is not a whole number", key, v);
	if (errno == ERANGE || n < min || n > max)
		return fail(p, p->line, "%s = %s is out of range (%d to %d)", key, v, min, max);
	*out = (int)n;
	return 0;
}

static int set_int(struct parser *p, const struct key *k, void *obj, const char *v)
{
	return parse_int(p, k->name, v, k->min, k->max, FIELD(obj, k, int));
}

static int set_bool(struct parser *p, const struct key *k, void *obj, const char *v)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*FIELD(obj, k, bool) = !strcasecmp(v, yes[i]);
			return 0;
		}
	}
	return fail(p, p->line, "%s = %s is not yes or no", k->name, v);
}

static int set_languages(struct parser *p, const struct key *k, void *obj, const char *v)
{
	char items[2][64];
	int n = split_list(v, items, 2);

	if (n == 1 && !strcmp(items[0], "zh")) {
		*FIELD(obj, k, bool) = false;
		return 0;
	}
	if (n == 2 && !strcmp(items[0], "zh") && !strcmp(items[1], "en")) {
		*FIELD(obj, k, bool) = true;
		return 0;
	}
	return fail(p, p->line, "languages = %s is not supported; write \"zh\" or \"zh, en\"", v);
}

static int set_slot(struct parser *p, const struct key *k, void *obj, const char *v)
{
	int n = 0;

	if (parse_int(p, k->name, v, k->min, k->max, &n))
		return p->rc;
	/* Slots are aligned to midnight, so they must tile the day. */
	if (1440 % n)
		return fail(p, p->line, "slot_minutes = %d does not divide a day (1440 minutes) "
			    "evenly; use e.g. 10, 15, 20, 30 or 60", n);
	*FIELD(obj, k, int) = n;
	return 0;
}

static struct section *current(struct parser *p)
{
	return &p->secs[p->cur];
}

static int set_prefix(struct parser *p, const struct key *k, void *obj, const char *v)
{
	struct hq_service *s = obj;
	size_t n = strlen(v), i;

	(void)k;
	for (i = 0; i < n; i++)
		if (v[i] < 'A' || v[i] > 'Z')
			break;
	if (n < 1 || n >= HQ_PREFIX_MAX || i < n)
		return fail(p, p->line, "prefix = %s must be 1 to 3 upper-case letters A-Z, "
			    "e.g. A or BD", v);
	/* Two services with one prefix would print the same label on two tickets. */
	for (i = 0; i < p->nsecs; i++) {
		const struct section *o = &p->secs[i];

		if (o->kind == K_SERVICE && (int)i != p->cur &&
		    !strcmp(p->cfg->services[o->index].prefix, v))
			return fail(p, p->line, "prefix %s is already used by %s (line %d)",
				    v, o->label, o->line);
	}
	memcpy(s->prefix, v, n + 1);
	return 0;
}

static int set_numbers(struct parser *p, const struct key *k, void *obj, const char *v)
{
	struct hq_service *s = obj;
	const char *dash = strchr(v, '-');
	char a[16], b[16];
	int first, last;

	(void)k;
	if (!dash || !trim_copy(a, sizeof a, v, (size_t)(dash - v)) ||
	    !trim_copy(b, sizeof b, dash + 1, strlen(dash + 1)) ||
	    !parse_digits(a, 9999, &first) || !parse_digits(b, 9999, &last))
		return fail(p, p->line, "numbers = %s is not a range like 1-999 "
			    "(numbers from 0 to 9999)", v);
	if (first > last)
		return fail(p, p->line, "numbers = %s: the first number is larger than the last", v);
	s->first = first;
	s->last = last;
	s->digits = last >= 1000 ? 4 : 3; /* the width of `last`, at least 3: A001, A1234 */
	return 0;
}

/* "HH:MM" (or "H:MM") to minutes since midnight; 24:00 only where allow_end. -1 if not. */
static int parse_clock(const char *s, size_t len, bool allow_end)
{
	char buf[8], *colon;
	int hh, mm;

	if (!trim_copy(buf, sizeof buf, s, len))
		return -1;
	colon = strchr(buf, ':');
	if (!colon || colon == buf || colon - buf > 2 || strlen(colon + 1) != 2)
		return -1;
	*colon = '\0';
	if (!parse_digits(buf, 24, &hh) || !parse_digits(colon + 1, 59, &mm))
		return -1;
	if (hh == 24 && (mm || !allow_end))
		return -1;
	return hh * 60 + mm;
}

static int set_hours(struct parser *p, const struct key *k, void *obj, const char *v)
{
	struct hq_service *s = obj;
	struct hq_period per[HQ_MAX_PERIODS];
	char items[HQ_MAX_PERIODS][64];
	int n = split_list(v, items, HQ_MAX_PERIODS), i;

	(void)k;
	if (n > HQ_MAX_PERIODS)
		return fail(p, p->line, "hours = %s has more than %d periods", v, HQ_MAX_PERIODS);
	if (n < 0)
		return fail(p, p->line, "hours = %s is not a list of periods like "
			    "09:00-12:00, 13:30-17:00", v);
	for (i = 0; i < n; i++) {
		const char *dash = strchr(items[i], '-');

		per[i].open = per[i].close = -1;
		if (dash) {
			per[i].open = parse_clock(items[i], (size_t)(dash - items[i]), false);
			per[i].close = parse_clock(dash + 1, strlen(dash + 1), true);
		}
		if (per[i].open < 0 || per[i].close < 0)
			return fail(p, p->line, "hours: '%s' is not a period like 09:00-12:00", items[i]);
		if (per[i].open >= per[i].close)
			return fail(p, p->line, "hours: %s closes before it opens", items[i]);
		if (i && per[i].open < per[i - 1].close) {
			if (per[i].close <= per[i - 1].open)
				return fail(p, p->line, "hours: list the periods in time order "
					    "(%s comes before %s)", items[i], items[i - 1]);
			return fail(p, p->line, "hours: %s overlaps %s", items[i], items[i - 1]);
		}
	}
	memcpy(s->periods, per, sizeof per[0] * (size_t)n);
	s->nperiods = n;
	return 0;
}

/* Day names in the order a week is written here, Monday first. */
static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int day_index(const char *s)
{
	int i;

	for (i = 0; i < 7; i++)
		if (!strcasecmp(s, day_names[i]))
			return i;
	return -1;
}

static int set_days(struct parser *p, const struct key *k, void *obj, const char *v)
{
	struct hq_service *s = obj;
	char items[7][64];
	int n = split_list(v, items, 7), i, d;
	unsigned mask = 0;

	(void)k;
	if (n < 0 || n > 7)
		return fail(p, p->line, "days = %s is not a list like mon-fri, sat", v);
	for (i = 0; i < n; i++) {
		char *dash = strchr(items[i], '-');
		int from, to;
		char a[64], b[64];

		if (dash) {
			trim_copy(a, sizeof a, items[i], (size_t)(dash - items[i]));
			trim_copy(b, sizeof b, dash + 1, strlen(dash + 1));
		} else {
			strcpy(a, items[i]);
			strcpy(b, items[i]);
		}
		from = day_index(a);
		to = day_index(b);
		if (from < 0 || to < 0)
			return fail(p, p->line, "days: '%s' is not a day or range of days; use "
				    "mon, tue, wed, thu, fri, sat, sun, e.g. mon-fri", items[i]);
		if (from > to)
			return fail(p, p->line, "days: %s runs backwards; a week here goes from "
				    "mon to sun", items[i]);
		for (d = from; d <= to; d++) {
			unsigned bit = 1u << ((d + 1) % 7); /* tm_wday: Sunday is 0 */

			if (mask & bit)
				return fail(p, p->line, "days: %s is listed twice", day_names[d]);
			mask |= bit;
		}
	}
	s->days = mask;
	return 0;
}

static int set_services(struct parser *p, const struct key *k, void *obj, const char *v)
{
	struct section *sec = current(p);
	char items[HQ_MAX_COUNTER_SERVICES][64];
	int n = split_list(v, items, HQ_MAX_COUNTER_SERVICES), i, j;

	(void)k;
	(void)obj;
	if (n > HQ_MAX_COUNTER_SERVICES)
		return fail(p, p->line, "services: a counter serves at most %d services",
			    HQ_MAX_COUNTER_SERVICES);
	if (n < 0)
		return fail(p, p->line, "services = %s is not a list of service keys", v);
	for (i = 0; i < n; i++) {
		if (!valid_key(items[i]))
			return fail(p, p->line, "services: '%s' is not a service key "
				    "(a-z, 0-9, _ and -, as in [service KEY])", items[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(items[i], items[j]))
				return fail(p, p->line, "services: %s is listed twice", items[i]);
		strcpy(sec->refs[i], items[i]);
	}
	sec->nrefs = n;
	return 0;
}

static int set_busref(struct parser *p, const struct key *k, void *obj, const char *v)
{
	(void)k;
	(void)obj;
	if (!valid_key(v))
		return fail(p, p->line, "bus = %s is not a bus key (a-z, 0-9, _ and -, "
			    "as in [bus KEY])", v);
	strcpy(current(p)->bus, v);
	return 0;
}

static int set_bustype(struct parser *p, const struct key *k, void *obj, const char *v)
{
	struct hq_bus *b = obj;

	(void)k;
	if (!strcmp(v, "plain"))
		b->type = HQ_BUS_PLAIN;
	else if (!strcmp(v, "modbus-rtu"))
		b->type = HQ_BUS_MODBUS_RTU;
	else if (!strcmp(v, "modbus-tcp"))
		b->type = HQ_BUS_MODBUS_TCP;
	else
		return fail(p, p->line, "type = %s is not a bus type; use plain, modbus-rtu "
			    "or modbus-tcp", v);
	return 0;
}

static int set_parity(struct parser *p, const struct key *k, void *obj, const char *v)
{
	static const char *const names[] = { "none", "even", "odd" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!strcmp(v, names[i])) {
			*FIELD(obj, k, char) = "NEO"[i];
			return 0;
		}
	}
	return fail(p, p->line, "parity = %s is not a parity; use even, none or odd", v);
}

/* A line printed on paper: no control characters, which a ticket printer would take as
 * commands (ESC, GS) and which would break the line. */
static int set_line(struct parser *p, const struct key *k, void *obj, const char *v)
{
	const char *c;

	for (c = v; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return fail(p, p->line, "%s contains a control character; write plain text",
				    k->name);
	return set_str(p, k, obj, v);
}

static int set_fault(struct parser *p, const struct key *k, void *obj, const char *v)
{
	if (strcmp(v, "screen") && strcmp(v, "refuse"))
		return fail(p, p->line, "%s = %s is not screen or refuse", k->name, v);
	*FIELD(obj, k, bool) = !strcmp(v, "refuse");
	return 0;
}

/*
 * The hall's address as citizens' phones reach it, for the status URL in a ticket's QR
 * code: http:// or https://, a host name, IPv4 or [IPv6] address, an optional :port and
 * an optional /path, and no trailing slash (the server appends "/api/v1/tickets/ID").
 * Only plain characters are taken, so the URL prints and scans as written.
 */
static int set_public_url(struct parser *p, const struct key *k, void *obj, const char *v)
{
	const char *h, *e;
	size_t n = strlen(v);
	int port;

	if (!n)
		return set_str(p, k, obj, v);
	if (!strncmp(v, "http://", 7))
		h = v + 7;
	else if (!strncmp(v, "https://", 8))
		h = v + 8;
	else
		return fail(p, p->line, "%s = %s must start with http:// or https://", k->name, v);
	if (v[n - 1] == '/')
		return fail(p, p->line, "%s = %s ends with '/'; write it without the trailing "
			    "slash, e.g. http://hall.example.cn:8080", k->name, v);
	if (*h == '[') {
		e = h + 1 + strspn(h + 1, "0123456789abcdefABCDEF:.");
		if (*e != ']' || e == h + 1)
			return fail(p, p->line, "%s = %s: an IPv6 address is written [2001:db8::1]",
				    k->name, v);
		e++;
	} else {
		e = h + strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (e == h || (*e && *e != ':' && *e != '/') || *h == '.' || *h == '-' ||
		    e[-1] == '.' || e[-1] == '-')
			return fail(p, p->line, "%s = %s: the host is a name or address such as "
				    "hall.example.cn or 192.168.1.10", k->name, v);
	}
	if (*e == ':') {
		char digits[8];
		size_t len = strspn(e + 1, "0123456789");

		if (!len || len >= sizeof digits || (e[1 + len] && e[1 + len] != '/'))
			return fail(p, p->line, "%s = %s: the port is a number from 1 to 65535",
				    k->name, v);
		memcpy(digits, e + 1, len);
		digits[len] = '\0';
		if (!parse_digits(digits, 65535, &port) || port < 1)
			return fail(p, p->line, "%s = %s: the port is a number from 1 to 65535",
				    k->name, v);
		e += 1 + len;
	}
	if (*e && (*e != '/' || e[strspn(e, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789._~/-")]))
		return fail(p, p->line, "%s = %s: after the host and port comes only a path of "
			    "letters, digits and . _ ~ - /", k->name, v);
	return set_str(p, k, obj, v);
}

/* [hall] id and parent: a hall id, as HQ_HALL_ID_MAX says; empty is allowed (no id). */
static int set_hall_id(struct parser *p, const struct key *k, void *obj, const char *v)
{
	size_t n = strlen(v);

	if (n >= HQ_HALL_ID_MAX || v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789_-")])
		return fail(p, p->line, "%s = %s: a hall id is 1 to %d of A-Z, a-z, 0-9, _ and -, "
			    "e.g. 330110-001", k->name, v, HQ_HALL_ID_MAX - 1);
	return set_str(p, k, obj, v);
}

static int set_region(struct parser *p, const struct key *k, void *obj, const char *v)
{
	if (*v && strcmp(v, "township") && strcmp(v, "county") && strcmp(v, "city"))
		return fail(p, p->line, "%s = %s is not township, county or city", k->name, v);
	return set_str(p, k, obj, v);
}

static int set_baud(struct parser *p, const struct key *k, void *obj, const char *v)
{
	static const int rates[] = { 9600, 19200, 38400, 57600, 115200 };
	char *end;
	long n;
	size_t i;

	errno = 0;
	n = strtol(v, &end, 10);
	for (i = 0; end != v && !*end && !errno && i < sizeof rates / sizeof rates[0]; i++) {
		if (n == rates[i]) {
			*FIELD(obj, k, int) = rates[i];
			return 0;
		}
	}
	return fail(p, p->line, "baud = %s is not supported; use 9600, 19200, 38400, "
		    "57600 or 115200", v);
}

static const char *const wday_names[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"
};

/*
 * [hall] holidays and workdays: dates "2026-10-01" and ranges "2026-10-01..2026-10-07" in a
 * comma list, at most HQ_MAX_DATES days in all, kept sorted because the calendar looks days
 * up by bisection. The key's size is where the count goes: the offset of nholidays or
 * nworkdays in struct hq_config.
 */
static int set_dates(struct parser *p, const struct key *k, void *obj, const char *v)
{
	char items[HQ_MAX_DATES + 1][64];
	int32_t *out = FIELD(obj, k, int32_t);
	int *n = (int *)(void *)((char *)obj + k->size);
	int count = split_list(v, items, HQ_MAX_DATES), i, j;

	*n = 0;
	if (count > HQ_MAX_DATES)
		return fail(p, p->line, "%s: more than %d dates; list this year's and next year's "
			    "only", k->name, HQ_MAX_DATES);
	if (count < 0)
		return fail(p, p->line, "%s = %s is not a list of dates YYYY-MM-DD and ranges "
			    "YYYY-MM-DD..YYYY-MM-DD", k->name, v);
	if (count == 1 && !items[0][0])
		return 0; /* "holidays =": none */
	for (i = 0; i < count; i++) {
		char *dots = strstr(items[i], ".."), a[64], b[64];
		int64_t from, to;

		if (dots) {
			trim_copy(a, sizeof a, items[i], (size_t)(dots - items[i]));
			trim_copy(b, sizeof b, dots + 2, strlen(dots + 2));
		} else {
			strcpy(a, items[i]);
			strcpy(b, items[i]);
		}
		if (hq_parse_day(a, &from) || hq_parse_day(b, &to))
			return fail(p, p->line, "%s: '%s' is not a date YYYY-MM-DD that exists, or a "
				    "range of them YYYY-MM-DD..YYYY-MM-DD", k->name, items[i]);
		if (to < from)
			return fail(p, p->line, "%s: %s ends before it starts", k->name, items[i]);
		if (to - from >= HQ_MAX_DATES)
			return fail(p, p->line, "%s: %s is %lld days; the list holds at most %d days "
				    "in all", k->name, items[i], (long long)(to - from + 1), HQ_MAX_DATES);
		for (int64_t d = from; d <= to; d++) {
			if (*n == HQ_MAX_DATES)
				return fail(p, p->line, "%s: more than %d days in all; list this year's "
					    "and next year's only", k->name, HQ_MAX_DATES);
			out[(*n)++] = (int32_t)d;
		}
	}
	for (i = 1; i < *n; i++)
		for (j = i; j > 0 && out[j - 1] > out[j]; j--) {
			int32_t t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	for (i = 1; i < *n; i++)
		if (out[i] == out[i - 1]) {
			char day[11];

			hq_format_day(out[i], day);
			return fail(p, p->line, "%s: %s is listed twice", k->name, day);
		}
	return 0;
}

/* A workday (调休) is a weekend day worked instead of a holiday: a weekday listed there is a
 * mistake (a typo, or a holiday put in the wrong list), since it is a working day anyway. */
static int set_workdays(struct parser *p, const struct key *k, void *obj, const char *v)
{
	const int32_t *days = FIELD(obj, k, int32_t);
	const int *n = (const int *)(const void *)((const char *)obj + k->size);

	if (set_dates(p, k, obj, v))
		return p->rc;
	for (int i = 0; i < *n; i++) {
		int wday = hq_civil_wday(days[i]);
		char day[11];

		if (wday == 0 || wday == 6)
			continue;
		hq_format_day(days[i], day);
		return fail(p, p->line, "workdays: %s is a %s, a working day anyway; workdays lists "
			    "the Saturdays and Sundays worked instead of a holiday (调休)", day,
			    wday_names[wday]);
	}
	return 0;
}

static int set_sign_in(struct parser *p, const struct key *k, void *obj, const char *v)
{
	if (strcmp(v, "roster") && strcmp(v, "open"))
		return fail(p, p->line, "sign_in = %s: write roster (only the clerks of the "
			    "roster, with their PIN) or open (any clerk id)", v);
	*FIELD(obj, k, bool) = !strcmp(v, "open");
	return 0;
}

static int set_estimate_display(struct parser *p, const struct key *k, void *obj, const char *v)
{
	if (strcmp(v, "point") && strcmp(v, "range"))
		return fail(p, p->line, "estimate_display = %s: write point (\"about 20 min\") or "
			    "range (\"about 15-25 min\")", v);
	*FIELD(obj, k, bool) = !strcmp(v, "range");
	return 0;
}

static int set_alert_kind(struct parser *p, const struct key *k, void *obj, const char *v)
{
	for (int i = 0; i < HQ_ALERT_NKINDS; i++)
		if (!strcmp(v, hq_alert_kind_name((enum hq_alert_kind)i))) {
			*FIELD(obj, k, enum hq_alert_kind) = (enum hq_alert_kind)i;
			return 0;
		}
	return fail(p, p->line, "rule = %s is not a rule; rules are wait, queue, pause, "
		    "pause_reason, unstaffed, idle, slow, noshows, bad_review, case_overdue "
		    "and device", v);
}

static int set_severity(struct parser *p, const struct key *k, void *obj, const char *v)
{
	for (int i = HQ_SEV_INFO; i <= HQ_SEV_CRITICAL; i++)
		if (!strcmp(v, hq_severity_name((enum hq_severity)i))) {
			*FIELD(obj, k, enum hq_severity) = (enum hq_severity)i;
			return 0;
		}
	return fail(p, p->line, "severity = %s: write info, warning or critical", v);
}

/*
 * A crypt(3) hash of the PIN, as `hallq clerk hash` prints it: "$y$j9T$SALT$HASH",
 * "$6$rounds=5000$SALT$HASH", "$2b$10$...": '$', the method's id, '$', and after the last
 * '$' the hash itself, at least 22 characters (MD5-crypt's length, the shortest). A PIN
 * written in clear is refused, and no message repeats the value: it may be a PIN.
 */
static int set_pin_hash(struct parser *p, const struct key *k, void *obj, const char *v)
{
	static const char alphabet[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz$=,";
	const char *method = v + 1, *last = strrchr(v, '$');
	size_t n = strlen(v), id;

	if (!n)
		return fail(p, p->line, "pin is empty; write the PIN's hash from `hallq clerk hash`");
	id = strspn(method, "abcdefghijklmnopqrstuvwxyz0123456789");
	if (v[0] != '$' || id < 1 || id > 8 || method[id] != '$' || strspn(v, alphabet) != n ||
	    strlen(last + 1) < 22)
		return fail(p, p->line, "pin is not a crypt(3) hash such as $y$j9T$...; make one "
			    "with `hallq clerk hash` and write that (a PIN is never written in clear)");
	if (n >= k->size)
		return fail(p, p->line, "pin is a hash of %zu bytes; at most %zu are allowed",
			    n, k->size - 1);
	memcpy(FIELD(obj, k, char), v, n + 1);
	return 0;
}

/* [alert NAME] services: the hall's services the rule watches, resolved in check_alert. */
static int set_watch(struct parser *p, const struct key *k, void *obj, const char *v)
{
	struct section *sec = current(p);
	char items[HQ_MAX_SERVICES + 1][64];
	int n = split_list(v, items, HQ_MAX_SERVICES), i, j;

	(void)k;
	(void)obj;
	if (n > HQ_MAX_SERVICES)
		return fail(p, p->line, "services: a hall has at most %d services", HQ_MAX_SERVICES);
	if (n < 0)
		return fail(p, p->line, "services = %s is not a list of service keys", v);
	if (n == 1 && !items[0][0])
		return fail(p, p->line, "services is empty; leave it out to watch every service");
	for (i = 0; i < n; i++) {
		if (!valid_key(items[i]))
			return fail(p, p->line, "services: '%s' is not a service key "
				    "(a-z, 0-9, _ and -, as in [service KEY])", items[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(items[i], items[j]))
				return fail(p, p->line, "services: %s is listed twice", items[i]);
	}
	free(sec->watch);
	if (!(sec->watch = strdup(v)))
		return nomem(p);
	return 0;
}

/* ---- the sections and their keys ---------------------------------------------------- */

#define STR(k, st, f, fl) \
	{ #k, set_str, offsetof(struct st, f), sizeof(((struct st *)0)->f), 0, 0, NULL, fl }
#define INT(k, st, f, lo, hi, d) { #k, set_int, offsetof(struct st, f), 0, lo, hi, d, 0 }
#define FN(k, fn, st, f, lo, hi, d, fl) { #k, fn, offsetof(struct st, f), 0, lo, hi, d, fl }

static const struct key hall_keys[] = {
	STR(name, hq_config, name, F_REQUIRED),
	STR(name_en, hq_config, name_en, 0),
	FN(languages, set_languages, hq_config, lang_en, 0, 0, "zh", 0),
	STR(notice, hq_config, notice, 0),
	INT(priority_ratio, hq_config, priority_ratio, 0, 10, "0"),
	INT(noshow_after_recalls, hq_config, noshow_after_recalls, 0, 10, "0"),
	INT(checkin_early_minutes, hq_config, checkin_early_minutes, 0, 240, "15"),
	INT(checkin_late_minutes, hq_config, checkin_late_minutes, 0, 240, "10"),
	FN(slot_minutes, set_slot, hq_config, slot_minutes, 5, 240, "30", 0),
	INT(estimate_samples, hq_config, estimate_samples, 1, 200, "20"),
	FN(estimate_display, set_estimate_display, hq_config, estimate_range, 0, 0, "point", 0),
	{ "public_url", set_public_url, offsetof(struct hq_config, public_url),
	  sizeof(((struct hq_config *)0)->public_url), 0, 0, NULL, 0 },
	INT(review_edit_minutes, hq_config, review_edit_minutes, 0, 1440, "30"),
	INT(rectify_working_days, hq_config, rectify_working_days, 1, 90, "15"),
	INT(revisit_working_days, hq_config, revisit_working_days, 1, 90, "5"),
	/* size: the offset of the list's count (set_dates) */
	{ "holidays", set_dates, offsetof(struct hq_config, holidays),
	  offsetof(struct hq_config, nholidays), 0, 0, NULL, 0 },
	{ "workdays", set_workdays, offsetof(struct hq_config, workdays),
	  offsetof(struct hq_config, nworkdays), 0, 0, NULL, 0 },
	FN(sign_in, set_sign_in, hq_config, roster_open, 0, 0, "roster", 0),
	INT(session_hours, hq_config, session_hours, 1, 720, "12"),
	FN(require_tls, set_bool, hq_config, require_tls, 0, 0, "no", 0),
	{ "id", set_hall_id, offsetof(struct hq_config, hall_id),
	  sizeof(((struct hq_config *)0)->hall_id), 0, 0, NULL, 0 },
	{ "region", set_region, offsetof(struct hq_config, region),
	  sizeof(((struct hq_config *)0)->region), 0, 0, NULL, 0 },
	{ "parent", set_hall_id, offsetof(struct hq_config, parent),
	  sizeof(((struct hq_config *)0)->parent), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

static const struct key service_keys[] = {
	STR(name, hq_service, name, F_REQUIRED),
	STR(name_en, hq_service, name_en, 0),
	FN(prefix, set_prefix, hq_service, prefix, 0, 0, NULL, F_REQUIRED),
	FN(numbers, set_numbers, hq_service, first, 0, 0, "1-999", 0),
	/* Checked against the number range once the section is complete. */
	INT(daily_cap, hq_service, daily_cap, 1, 10000, NULL),
	FN(hours, set_hours, hq_service, periods, 0, 0, "09:00-17:00", 0),
	FN(days, set_days, hq_service, days, 0, 0, "mon-fri", 0),
	INT(target_minutes, hq_service, target_minutes, 1, 480, "10"),
	INT(max_wait_minutes, hq_service, max_wait_minutes, 1, 1440, "30"),
	FN(priority_lane, set_bool, hq_service, priority_lane, 0, 0, "no", 0),
	INT(appointments_per_slot, hq_service, appointments_per_slot, 0, 1000, "0"),
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

static const struct key counter_keys[] = {
	STR(name, hq_counter_cfg, name, F_NONEMPTY),    /* default "N号窗口" */
	STR(name_en, hq_counter_cfg, name_en, 0),       /* default "Counter N" */
	FN(services, set_services, hq_counter_cfg, services, 0, 0, NULL, F_REQUIRED),
	FN(bus, set_busref, hq_counter_cfg, bus, 0, 0, NULL, 0),
	INT(address, hq_counter_cfg, address, 1, 247, NULL),
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

static const struct key bus_keys[] = {
	FN(type, set_bustype, hq_bus, type, 0, 0, NULL, F_REQUIRED),
	STR(device, hq_bus, port, F_NONEMPTY),          /* serial buses */
	STR(host, hq_bus, port, F_NONEMPTY),            /* modbus-tcp */
	INT(port, hq_bus, tcp_port, 1, 65535, "502"),
	FN(baud, set_baud, hq_bus, baud, 0, 0, "19200", 0),
	FN(parity, set_parity, hq_bus, parity, 0, 0, "even", 0),
	INT(timeout_ms, hq_bus, timeout_ms, 10, 5000, "100"),
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

/* Also applied when the file has no [kiosk] section: see parse(). */
static const struct key kiosk_keys[] = {
	FN(on_printer_fault, set_fault, hq_kiosk_cfg, refuse_on_fault, 0, 0, "screen", 0),
	INT(confirm_seconds, hq_kiosk_cfg, confirm_seconds, 3, 120, "15"),
	FN(priority, set_bool, hq_kiosk_cfg, priority, 0, 0, "yes", 0),
	FN(appointments, set_bool, hq_kiosk_cfg, appointments, 0, 0, "yes", 0),
	{ "footer", set_line, offsetof(struct hq_kiosk_cfg, footer),
	  sizeof(((struct hq_kiosk_cfg *)0)->footer), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

/*
 * An [alert NAME] that names a default rule changes it; a new name needs its rule. The
 * ranges here are the widest any kind takes; check_alert() narrows them per kind.
 */
static const struct key alert_keys[] = {
	FN(rule, set_alert_kind, hq_alert_rule, kind, 0, 0, NULL, 0),
	FN(severity, set_severity, hq_alert_rule, severity, 0, 0, NULL, 0),
	FN(enabled, set_bool, hq_alert_rule, enabled, 0, 0, NULL, 0),
	INT(minutes, hq_alert_rule, minutes, 0, 480, NULL),
	INT(count, hq_alert_rule, count, 1, 10000, NULL),
	INT(percent, hq_alert_rule, percent, 50, 1000, NULL),
	FN(services, set_watch, hq_alert_rule, services, 0, 0, NULL, 0),
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

/* Also applied when the file has no [appraisal] section. */
static const struct key appraisal_keys[] = {
	INT(weight_volume, hq_appraisal_cfg, weight_volume, 0, 100, "30"),
	INT(weight_on_time, hq_appraisal_cfg, weight_on_time, 0, 100, "25"),
	INT(weight_satisfaction, hq_appraisal_cfg, weight_satisfaction, 0, 100, "30"),
	INT(weight_rectify, hq_appraisal_cfg, weight_rectify, 0, 100, "15"),
	INT(penalty_alert, hq_appraisal_cfg, penalty_alert, 0, 100, "1"),
	INT(penalty_absence, hq_appraisal_cfg, penalty_absence, 0, 100, "2"),
	INT(penalty_bad_review, hq_appraisal_cfg, penalty_bad_review, 0, 100, "2"),
	INT(red_flag_count, hq_appraisal_cfg, red_flag_count, 0, 100, "3"),
	INT(min_served, hq_appraisal_cfg, min_served, 0, 100000, "10"),
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

/*
 * Also applied when the file has no [retention] section. The archive is a path hallqd and
 * hallq both write to, from whatever directory each was started in: only an absolute one
 * names the same file for both.
 */
static int set_archive(struct parser *p, const struct key *k, void *obj, const char *v)
{
	if (*v && *v != '/')
		return fail(p, p->line, "archive = %s is not an absolute path; hallqd and hallq "
			    "run from different directories, so write the full path (/var/lib/...)", v);
	return set_str(p, k, obj, v);
}

static const struct key retention_keys[] = {
	INT(personal_days, hq_retention, personal_days, 1, 3650, "30"),
	INT(keep_months, hq_retention, keep_months, 0, 1200, "0"),
	{ "archive", set_archive, offsetof(struct hq_retention, archive),
	  sizeof(((struct hq_retention *)0)->archive), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

/*
 * [limits]: what one client may ask of hallqd (server/limits.c, docs/config.md).
 * Also applied when the file has no [limits] section. The defaults fit a hall of about 20
 * counters, 4 kiosks, 2 displays and a few hundred phones on the ticket pages, each phone
 * with an address of its own: a browser opens about six connections and loads a page's
 * dozen files at once (the burst), a gateway or display polls a few times a second.
 */
static const struct key limits_keys[] = {
	INT(conn_per_addr, hq_limits_cfg, conn_per_addr, 0, 4000, "64"),
	INT(rate, hq_limits_cfg, rate, 0, 100000, "100"),
	INT(burst, hq_limits_cfg, burst, 1, 100000, "200"),
	INT(streams_per_token, hq_limits_cfg, streams_per_token, 0, 4000, "16"),
	INT(header_bytes, hq_limits_cfg, header_bytes, 4096, 65536, "8192"),
	INT(body_bytes, hq_limits_cfg, body_bytes, 1024, 1048576, "16384"),
	INT(request_timeout, hq_limits_cfg, request_timeout, 1, 600, "10"),
	INT(idle_timeout, hq_limits_cfg, idle_timeout, 5, 3600, "120"),
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

static const struct key clerk_keys[] = {
	STR(name, hq_clerk_cfg, name, F_REQUIRED | F_NONEMPTY),
	{ "pin", set_pin_hash, offsetof(struct hq_clerk_cfg, pin_hash),
	  sizeof(((struct hq_clerk_cfg *)0)->pin_hash), 0, 0, NULL, F_REQUIRED },
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]) - 1)
_Static_assert(NKEYS(hall_keys) <= MAX_KEYS && NKEYS(service_keys) <= MAX_KEYS &&
	       NKEYS(counter_keys) <= MAX_KEYS && NKEYS(bus_keys) <= MAX_KEYS &&
	       NKEYS(kiosk_keys) <= MAX_KEYS && NKEYS(alert_keys) <= MAX_KEYS &&
	       NKEYS(appraisal_keys) <= MAX_KEYS && NKEYS(clerk_keys) <= MAX_KEYS &&
	       NKEYS(retention_keys) <= MAX_KEYS && NKEYS(limits_keys) <= MAX_KEYS,
	       "struct section records the line of at most MAX_KEYS keys");

static const struct key *const key_tables[] = {
	[K_HALL] = hall_keys,
	[K_SERVICE] = service_keys,
	[K_COUNTER] = counter_keys,
	[K_BUS] = bus_keys,
	[K_KIOSK] = kiosk_keys,
	[K_ALERT] = alert_keys,
	[K_APPRAISAL] = appraisal_keys,
	[K_CLERK] = clerk_keys,
	[K_RETENTION] = retention_keys,
	[K_LIMITS] = limits_keys,
};

static const char *const kind_names[] = {
	[K_HALL] = "hall",
	[K_SERVICE] = "service",
	[K_COUNTER] = "counter",
	[K_BUS] = "bus",
	[K_KIOSK] = "kiosk",
	[K_ALERT] = "alert",
	[K_APPRAISAL] = "appraisal",
	[K_CLERK] = "clerk",
	[K_RETENTION] = "retention",
	[K_LIMITS] = "limits",
};

static void *section_obj(struct parser *p, const struct section *s)
{
	switch (s->kind) {
	case K_HALL:
		return p->cfg;
	case K_SERVICE:
		return &p->cfg->services[s->index];
	case K_COUNTER:
		return &p->cfg->counters[s->index];
	case K_BUS:
		return &p->cfg->buses[s->index];
	case K_KIOSK:
		return &p->cfg->kiosk;
	case K_ALERT:
		return &p->cfg->alerts[s->index];
	case K_APPRAISAL:
		return &p->cfg->appraisal;
	case K_CLERK:
		return &p->cfg->clerks[s->index];
	case K_RETENTION:
		return &p->cfg->retention;
	case K_LIMITS:
		return &p->cfg->limits;
	}
	return NULL;
}

/* The line where `key` was given in section s, 0 if it was not. */
static int given(const struct section *s, const char *key)
{
	const struct key *k;

	for (k = key_tables[s->kind]; k->name; k++)
		if (!strcmp(k->name, key))
			return s->lines[k - key_tables[s->kind]];
	return 0;
}

/* The array grown by one zeroed element at index n, or NULL (the old one is kept). */
static void *grow(void *arr, size_t n, size_t elem)
{
	char *a = realloc(arr, (n + 1) * elem);

	if (a)
		memset(a + n * elem, 0, elem);
	return a;
}

/*
 * Check a section header ("[service a]", s at the '[') and fill in the kind and label of
 * sec; *key and *number get the section's name.
 */
static int parse_header(struct parser *p, char *s, struct section *sec, const char **key,
			int *number)
{
	char *close = strchr(s, ']'), *end, *sp, *rest;
	char word[32];
	size_t i;

	end = s + strlen(s);
	while (end > s && is_space(end[-1]))
		*--end = '\0';
	if (!close)
		return fail(p, p->line, "section header %s has no closing ']'", s);
	if (close[1])
		return fail(p, p->line, "text after the section header; put comments "
			    "on a line of their own");
	*close = '\0';
	for (s++; is_space(*s); s++)
		;
	for (end = close; end > s && is_space(end[-1]); end--)
		;
	*end = '\0';

	sp = strchr(s, ' ');
	rest = sp ? sp + 1 : end;
	i = sizeof kind_names / sizeof kind_names[0];
	if (trim_copy(word, sizeof word, s, (size_t)((sp ? sp : end) - s)))
		for (i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
			if (!strcmp(word, kind_names[i]))
				break;
	if (i == sizeof kind_names / sizeof kind_names[0])
		return fail(p, p->line, "unknown section [%s]; sections are [hall], "
			    "[service KEY], [counter N], [bus KEY], [kiosk], [alert NAME], "
			    "[appraisal], [retention], [clerk ID] and [limits]", s);
	sec->kind = (enum kind)i;
	*key = rest;

	if (sec->kind == K_HALL || sec->kind == K_KIOSK || sec->kind == K_APPRAISAL ||
	    sec->kind == K_RETENTION || sec->kind == K_LIMITS) {
		if (sp)
			return fail(p, p->line, "[%s] takes no name: write just [%s]", word, word);
		snprintf(sec->label, sizeof sec->label, "[%s]", word);
	} else if (!*rest) {
		return fail(p, p->line, "[%s] needs a name, e.g. [%s]", word,
			    sec->kind == K_SERVICE ? "service tax" :
			    sec->kind == K_COUNTER ? "counter 3" : sec->kind == K_ALERT ? "alert long_wait" :
			    sec->kind == K_CLERK ? "clerk 1024" : "bus rs485");
	} else if (is_space(*rest)) {
		return fail(p, p->line, "[%s]: write one space between '%s' and its name", s, word);
	} else if (sec->kind == K_COUNTER) {
		if (!parse_digits(rest, 9999, number) || *number < 1)
			return fail(p, p->line, "[%s]: a counter number is a whole number from "
				    "1 to 9999", s);
		snprintf(sec->label, sizeof sec->label, "[counter %d]", *number);
	} else {
		if (!valid_key(rest))
			return fail(p, p->line, "[%s]: '%s' is not a valid key; use 1 to 31 "
				    "of a-z, 0-9, _ and -", s, rest);
		snprintf(sec->label, sizeof sec->label, "[%s %s]", word, rest);
	}
	return 0;
}

/* Add the service, counter or bus a new section stands for; its index goes in sec. */
static int add_entity(struct parser *p, struct section *sec, const char *key, int number)
{
	struct hq_config *cfg = p->cfg;

	switch (sec->kind) {
	case K_HALL:
	case K_KIOSK:
	case K_APPRAISAL:
	case K_RETENTION:
	case K_LIMITS:
		sec->index = 0;
		return 0;
	case K_ALERT: {
		const struct hq_alert_rule *r = hq_config_alert(cfg, key);

		/* A default rule's name changes that rule; a new name adds one. */
		if (r) {
			sec->index = (int)(r - cfg->alerts);
			return 0;
		}
		if (cfg->nalerts >= HQ_MAX_ALERT_RULES)
			return fail(p, p->line, "too many alert rules; a hall has at most %d",
				    HQ_MAX_ALERT_RULES);
		sec->index = cfg->nalerts++;
		memset(&cfg->alerts[sec->index], 0, sizeof cfg->alerts[sec->index]);
		strcpy(cfg->alerts[sec->index].name, key);
		cfg->alerts[sec->index].kind = HQ_ALERT_NKINDS; /* until rule = */
		cfg->alerts[sec->index].severity = HQ_SEV_WARNING;
		cfg->alerts[sec->index].enabled = true;
		return 0;
	}
	case K_CLERK: {
		struct hq_clerk_cfg *a;

		if (cfg->nclerks >= HQ_MAX_CLERKS)
			return fail(p, p->line, "too many clerks; the roster in a hall's config has "
				    "at most %d (add more with hallq clerk add)", HQ_MAX_CLERKS);
		if (!(a = grow(cfg->clerks, cfg->nclerks, sizeof *a)))
			return nomem(p);
		cfg->clerks = a;
		sec->index = (int)cfg->nclerks++;
		strcpy(a[sec->index].id, key);
		return 0;
	}
	case K_SERVICE: {
		struct hq_service *a;

		if (cfg->nservices >= HQ_MAX_SERVICES)
			return fail(p, p->line, "too many services; a hall has at most %d",
				    HQ_MAX_SERVICES);
		if (!(a = grow(cfg->services, cfg->nservices, sizeof *a)))
			return nomem(p);
		cfg->services = a;
		sec->index = (int)cfg->nservices++;
		strcpy(a[sec->index].key, key);
		return 0;
	}
	case K_COUNTER: {
		struct hq_counter_cfg *a;

		if (cfg->ncounters >= HQ_MAX_COUNTERS)
			return fail(p, p->line, "too many counters; a hall has at most %d",
				    HQ_MAX_COUNTERS);
		if (!(a = grow(cfg->counters, cfg->ncounters, sizeof *a)))
			return nomem(p);
		cfg->counters = a;
		sec->index = (int)cfg->ncounters++;
		a += sec->index;
		a->number = number;
		a->bus = -1;
		snprintf(a->name, sizeof a->name, "%d号窗口", number);
		snprintf(a->name_en, sizeof a->name_en, "Counter %d", number);
		return 0;
	}
	case K_BUS: {
		struct hq_bus *a;

		if (cfg->nbuses >= MAX_BUSES)
			return fail(p, p->line, "too many buses; a hall has at most %d", MAX_BUSES);
		if (!(a = grow(cfg->buses, cfg->nbuses, sizeof *a)))
			return nomem(p);
		cfg->buses = a;
		sec->index = (int)cfg->nbuses++;
		strcpy(a[sec->index].key, key);
		return 0;
	}
	}
	return fail(p, p->line, "internal error: unknown section kind");
}

/*
 * Open the section whose header is at s: refuse a second section of the same name, add
 * the entity with its defaults, and make it the one the following keys go to.
 */
static int open_section(struct parser *p, char *s)
{
	struct section sec;
	const char *key = "";
	const struct key *k;
	int number = 0;
	size_t i;

	memset(&sec, 0, sizeof sec);
	sec.line = p->line;
	if (parse_header(p, s, &sec, &key, &number))
		return p->rc;
	for (i = 0; i < p->nsecs; i++)
		if (!strcmp(p->secs[i].label, sec.label))
			return fail(p, p->line, "%s is defined twice (first at line %d)",
				    sec.label, p->secs[i].line);
	if (p->nsecs == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct section *a = realloc(p->secs, cap * sizeof *a);

		if (!a)
			return nomem(p);
		p->secs = a;
		p->cap = cap;
	}
	if (add_entity(p, &sec, key, number))
		return p->rc;
	p->secs[p->nsecs] = sec;
	p->cur = (int)p->nsecs++;

	/* Defaults go through the same setters as the file's values. */
	for (k = key_tables[sec.kind]; k->name; k++)
		if (k->def && k->set(p, k, section_obj(p, &sec), k->def))
			return p->rc;
	return 0;
}

/* ---- inih callbacks ------------------------------------------------------------------ */

/*
 * fgets-style reader for inih: hands over one line per call, so the count of calls is
 * the line number. A line that would not fit inih's buffer is refused rather than split,
 * which would shift every line number after it.
 */
static char *read_line(char *buf, int size, void *stream)
{
	struct parser *p = stream;
	const char *nl;
	size_t n;
	char *s;

	if (p->rc || p->pos >= p->end)
		return NULL;
	nl = memchr(p->pos, '\n', (size_t)(p->end - p->pos));
	n = nl ? (size_t)(nl - p->pos) + 1 : (size_t)(p->end - p->pos);
	p->line++;
	if (n + 1 > (size_t)size) {
		fail(p, p->line, "line is too long (at most %d bytes)", size - 2);
		return NULL;
	}
	memcpy(buf, p->pos, n);
	buf[n] = '\0';
	p->pos += n;
	if (memchr(buf, '\0', n)) {
		fail(p, p->line, "line contains a NUL byte; is this a text file?");
		return NULL;
	}
	if (!valid_utf8((const unsigned char *)buf, strlen(buf))) {
		fail(p, p->line, "line is not valid UTF-8; save the file as UTF-8, not GBK");
		return NULL;
	}
	for (s = buf; is_space(*s); s++)
		;
	if (*s == '[') {
		/* Parse a copy: inih still needs the line as it is. */
		char copy[MAX_LINE];

		snprintf(copy, sizeof copy, "%s", s);
		if (open_section(p, copy))
			return NULL;
	}
	return buf;
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	const struct key *k;
	struct section *sec;

	(void)section; /* read_line() opened it, and knows its line */
	if (p->rc)
		return 0;
	if (!*name) {
		fail(p, p->line, "there is no key before '='");
		return 0;
	}
	if (p->cur < 0) {
		fail(p, p->line, "%s is outside any section; put it under a [section] "
		     "header", name);
		return 0;
	}
	sec = current(p);
	for (k = key_tables[sec->kind]; k->name; k++)
		if (!strcmp(k->name, name))
			break;
	if (!k->name) {
		fail(p, p->line, "unknown key '%s' in %s", name, sec->label);
		return 0;
	}
	if (sec->lines[k - key_tables[sec->kind]]) {
		fail(p, p->line, "%s is given twice in %s (first at line %d)", name, sec->label,
		     sec->lines[k - key_tables[sec->kind]]);
		return 0;
	}
	sec->lines[k - key_tables[sec->kind]] = p->line;
	return k->set(p, k, section_obj(p, sec), value) == 0;
}

/* ---- checks once the whole file is read ---------------------------------------------- */

static int check_required(struct parser *p, const struct section *s)
{
	const struct key *k;

	for (k = key_tables[s->kind]; k->name; k++)
		if ((k->flags & F_REQUIRED) && !s->lines[k - key_tables[s->kind]])
			return fail(p, s->line, "%s has no %s; it is required", s->label, k->name);
	return 0;
}

static int check_service(struct parser *p, const struct section *s)
{
	struct hq_service *sv = &p->cfg->services[s->index];
	int range = sv->last - sv->first + 1;
	int line = given(s, "daily_cap");

	if (!line)
		sv->daily_cap = range;
	else if (sv->daily_cap > range)
		return fail(p, line, "daily_cap = %d is more than the %d numbers in %d-%d; "
			    "numbers would repeat in one day", sv->daily_cap, range,
			    sv->first, sv->last);
	return 0;
}

static int check_bus(struct parser *p, const struct section *s)
{
	struct hq_bus *b = &p->cfg->buses[s->index];
	bool tcp = b->type == HQ_BUS_MODBUS_TCP;
	const char *wrong[2][2] = { { "host", "port" }, { "device", "baud" } };
	const char *type = tcp ? "modbus-tcp" : b->type == HQ_BUS_PLAIN ? "plain" : "modbus-rtu";
	size_t i;
	int line;

	for (i = 0; i < 2; i++)
		if ((line = given(s, wrong[tcp][i])))
			return fail(p, line, "%s does not apply to a %s bus; a %s bus uses %s",
				    wrong[tcp][i], type, type,
				    tcp ? "host and port" : "device and baud");
	if (tcp && (line = given(s, "parity")))
		return fail(p, line, "parity does not apply to a modbus-tcp bus");
	if (!given(s, tcp ? "host" : "device"))
		return fail(p, s->line, "%s is a %s bus and needs %s", s->label, type,
			    tcp ? "host = (an IP address or name)" : "device = (e.g. /dev/ttyUSB0)");
	/* Keep only the settings that mean something for this kind of bus. */
	if (tcp)
		b->baud = 0, b->parity = 0;
	else
		b->tcp_port = 0;
	/* One line or unit opened twice would garble both buses' frames. */
	for (i = 0; i < p->nsecs; i++) {
		const struct section *o = &p->secs[i];
		const struct hq_bus *ob;

		if (o == s)
			break;
		if (o->kind != K_BUS)
			continue;
		ob = &p->cfg->buses[o->index];
		if ((ob->type == HQ_BUS_MODBUS_TCP) == tcp && !strcmp(ob->port, b->port) &&
		    ob->tcp_port == b->tcp_port)
			return fail(p, given(s, tcp ? "host" : "device"), "%s %s is already used by "
				    "%s (line %d); put the counters on one bus", tcp ? "host" : "device",
				    b->port, o->label, o->line);
	}
	return 0;
}

static int find_service(const struct hq_config *cfg, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->nservices; i++)
		if (!strcmp(cfg->services[i].key, key))
			return (int)i;
	return -1;
}

static int find_bus(const struct hq_config *cfg, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->nbuses; i++)
		if (!strcmp(cfg->buses[i].key, key))
			return (int)i;
	return -1;
}

/* Resolve a counter's services and bus, now that every section is known. */
static int check_counter(struct parser *p, const struct section *s)
{
	struct hq_counter_cfg *c = &p->cfg->counters[s->index];
	size_t i;
	int j;

	for (j = 0; j < s->nrefs; j++) {
		int idx = find_service(p->cfg, s->refs[j]);

		if (idx < 0)
			return fail(p, given(s, "services"), "%s serves '%s', but there is no "
				    "[service %s]", s->label, s->refs[j], s->refs[j]);
		c->services[j] = idx;
	}
	c->nservices = s->nrefs;

	if (!given(s, "bus")) {
		if (given(s, "address"))
			return fail(p, given(s, "address"), "address is set but %s has no bus; "
				    "add bus = KEY or remove address", s->label);
		return 0;
	}
	c->bus = find_bus(p->cfg, s->bus);
	if (c->bus < 0)
		return fail(p, given(s, "bus"), "%s is on bus '%s', but there is no [bus %s]",
			    s->label, s->bus, s->bus);
	if (!given(s, "address"))
		return fail(p, s->line, "%s is on bus '%s' and needs an address (1 to 247)",
			    s->label, s->bus);
	for (i = 0; i < p->nsecs; i++) {
		const struct section *o = &p->secs[i];
		const struct hq_counter_cfg *oc;

		if (o == s)
			break;
		if (o->kind != K_COUNTER)
			continue;
		oc = &p->cfg->counters[o->index];
		if (oc->bus == c->bus && oc->address == c->address)
			return fail(p, given(s, "address"), "address %d on bus '%s' is already "
				    "used by %s (line %d)", c->address, s->bus, o->label,
				    given(o, "address"));
	}
	return 0;
}

/* What each kind of alert rule takes, and in what range (hq_config.h has the table). Bit i
 * of `uses` is the parameter alert_param[i]. */
#define A_MINUTES 1u
#define A_COUNT 2u
#define A_PERCENT 4u
#define A_SERVICES 8u
static const char *const alert_param[4] = { "minutes", "count", "percent", "services" };

static const struct alert_params {
	unsigned uses;
	int minutes[2], count[2], percent[2];
} alert_params[HQ_ALERT_NKINDS] = {
	[HQ_ALERT_WAIT] = { A_PERCENT | A_SERVICES, { 0, 0 }, { 0, 0 }, { 50, 1000 } },
	[HQ_ALERT_QUEUE] = { A_COUNT | A_SERVICES, { 0, 0 }, { 1, 10000 }, { 0, 0 } },
	[HQ_ALERT_PAUSE] = { A_MINUTES, { 1, 480 }, { 0, 0 }, { 0, 0 } },
	[HQ_ALERT_PAUSE_REASON] = { A_MINUTES, { 0, 480 }, { 0, 0 }, { 0, 0 } },
	[HQ_ALERT_UNSTAFFED] = { A_MINUTES, { 0, 480 }, { 0, 0 }, { 0, 0 } },
	[HQ_ALERT_IDLE] = { A_MINUTES, { 1, 480 }, { 0, 0 }, { 0, 0 } },
	/* Over the median: below 110% half of all services would be slow. */
	[HQ_ALERT_SLOW] = { A_PERCENT | A_MINUTES | A_SERVICES, { 0, 480 }, { 0, 0 }, { 110, 1000 } },
	/* A streak is two or more; one no-show is no streak. */
	[HQ_ALERT_NOSHOWS] = { A_COUNT, { 0, 0 }, { 2, 100 }, { 0, 0 } },
	[HQ_ALERT_BAD_REVIEW] = { A_SERVICES, { 0, 0 }, { 0, 0 }, { 0, 0 } },
	[HQ_ALERT_CASE_OVERDUE] = { A_SERVICES, { 0, 0 }, { 0, 0 }, { 0, 0 } },
	[HQ_ALERT_DEVICE] = { A_MINUTES, { 0, 480 }, { 0, 0 }, { 0, 0 } },
};

/*
 * The default rules, one of each kind in kind order, so a new rule of a kind starts from
 * alert_defaults[kind]. A parameter that does not apply to the kind is 0.
 */
static const struct hq_alert_rule alert_defaults[HQ_ALERT_NKINDS] = {
	/* A ticket waiting longer than its service's max_wait_minutes. */
	[HQ_ALERT_WAIT] = { "long_wait", HQ_ALERT_WAIT, HQ_SEV_WARNING, true, 0, 0, 100, 0 },
	/* More than 20 people waiting for one service. */
	[HQ_ALERT_QUEUE] = { "long_queue", HQ_ALERT_QUEUE, HQ_SEV_WARNING, true, 0, 20, 0, 0 },
	/* A counter paused for over 30 minutes. */
	[HQ_ALERT_PAUSE] = { "long_pause", HQ_ALERT_PAUSE, HQ_SEV_WARNING, true, 30, 0, 0, 0 },
	/* Paused for 2 minutes without saying why. */
	[HQ_ALERT_PAUSE_REASON] = { "pause_no_reason", HQ_ALERT_PAUSE_REASON, HQ_SEV_INFO, true,
				    2, 0, 0, 0 },
	/* Open, people waiting for its services, nobody signed in, for 5 minutes (空岗). */
	[HQ_ALERT_UNSTAFFED] = { "unstaffed", HQ_ALERT_UNSTAFFED, HQ_SEV_CRITICAL, true,
				 5, 0, 0, 0 },
	/* A clerk signed in, people waiting, and no call for 15 minutes. */
	[HQ_ALERT_IDLE] = { "no_calls", HQ_ALERT_IDLE, HQ_SEV_WARNING, true, 15, 0, 0, 0 },
	/* A service running over 3 times its median, for 5 minutes more. */
	[HQ_ALERT_SLOW] = { "slow_service", HQ_ALERT_SLOW, HQ_SEV_INFO, true, 5, 0, 300, 0 },
	/* Three no-shows in a row at one counter: is the display or the voice working? */
	[HQ_ALERT_NOSHOWS] = { "noshow_streak", HQ_ALERT_NOSHOWS, HQ_SEV_INFO, true, 0, 3, 0, 0 },
	/* A review at level 1 or 2, until its case is verified. */
	[HQ_ALERT_BAD_REVIEW] = { "bad_review", HQ_ALERT_BAD_REVIEW, HQ_SEV_WARNING, true,
				  0, 0, 0, 0 },
	/* A bad-review case past its due date. */
	[HQ_ALERT_CASE_OVERDUE] = { "case_overdue", HQ_ALERT_CASE_OVERDUE, HQ_SEV_CRITICAL, true,
				    0, 0, 0, 0 },
	/* A gateway, counter unit, kiosk or printer down for a minute. */
	[HQ_ALERT_DEVICE] = { "device_down", HQ_ALERT_DEVICE, HQ_SEV_CRITICAL, true, 1, 0, 0, 0 },
};

/* "a pause rule", "an idle rule": the article for a kind's name. */
static const char *article(const char *word)
{
	return strchr("aeiou", word[0]) ? "an" : "a";
}

/* "minutes", "percent and services", "minutes, percent and services": what a kind uses. */
static void alert_uses(unsigned uses, char *buf, size_t len)
{
	const char *list[4];
	int n = 0;

	for (int i = 0; i < 4; i++)
		if (uses & (1u << i))
			list[n++] = alert_param[i];
	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i == 0 ? "" :
			 i == n - 1 ? " and " : ", ", list[i]);
}

/*
 * Once the whole file is read: a new rule needs its kind and starts from the default rule
 * of that kind; a default rule keeps its kind; a parameter must apply to the kind and be in
 * its range; the services are resolved to the service bits.
 */
static int check_alert(struct parser *p, const struct section *s)
{
	struct hq_alert_rule *r = &p->cfg->alerts[s->index];
	/* parse() puts the defaults first, so a section of a default rule has a low index. */
	bool is_default = s->index < HQ_ALERT_NKINDS;
	const struct alert_params *ap;
	const char *kind;
	char uses[64];
	int line, *value[3] = { &r->minutes, &r->count, &r->percent };

	if (r->kind == HQ_ALERT_NKINDS)
		return fail(p, s->line, "%s is not a default rule and needs rule = (wait, queue, "
			    "pause, pause_reason, unstaffed, idle, slow, noshows, bad_review, "
			    "case_overdue or device)", s->label);
	ap = &alert_params[r->kind];
	kind = hq_alert_kind_name(r->kind);
	if (is_default && r->kind != alert_defaults[s->index].kind)
		return fail(p, given(s, "rule"), "%s is the default %s rule; rule = %s would "
			    "change what it watches: give %s %s rule a name of its own", s->label,
			    hq_alert_kind_name(alert_defaults[s->index].kind), kind, article(kind), kind);
	alert_uses(ap->uses, uses, sizeof uses);
	for (int i = 0; i < 4; i++) {
		const char *name = alert_param[i];

		if (!(line = given(s, name)))
			continue;
		if (!(ap->uses & (1u << i)))
			return fail(p, line, "%s does not apply to %s %s rule; %s %s rule uses %s",
				    name, article(kind), kind, article(kind), kind, uses);
		if (i < 3) {
			const int *range = i == 0 ? ap->minutes : i == 1 ? ap->count : ap->percent;

			if (*value[i] < range[0] || *value[i] > range[1])
				return fail(p, line, "%s = %d is out of range for %s %s rule (%d to %d)",
					    name, *value[i], article(kind), kind, range[0], range[1]);
		}
	}
	/* What a new rule does not say, it takes from the default rule of its kind. */
	if (!is_default) {
		const struct hq_alert_rule *d = &alert_defaults[r->kind];
		const int def[3] = { d->minutes, d->count, d->percent };

		for (int i = 0; i < 3; i++)
			if (!given(s, alert_param[i]))
				*value[i] = def[i];
		if (!given(s, "severity"))
			r->severity = alert_defaults[r->kind].severity;
	}
	r->services = 0;
	if (s->watch) {
		char items[HQ_MAX_SERVICES][64];
		int n = split_list(s->watch, items, HQ_MAX_SERVICES);

		for (int j = 0; j < n; j++) {
			int idx = find_service(p->cfg, items[j]);

			if (idx < 0)
				return fail(p, given(s, "services"), "%s watches '%s', but there is no "
					    "[service %s]", s->label, items[j], items[j]);
			r->services |= 1ull << idx;
		}
	}
	return 0;
}

/*
 * [hall] holidays and workdays: a day in both is a mistake (which one is meant?). Reported
 * at the later of the two keys' lines, naming the other's. Both lists are sorted.
 */
static int check_calendar(struct parser *p, const struct section *hall)
{
	const struct hq_config *cfg = p->cfg;
	int hl = given(hall, "holidays"), wl = given(hall, "workdays");

	for (int i = 0, j = 0; i < cfg->nholidays && j < cfg->nworkdays;) {
		char day[11];

		if (cfg->holidays[i] < cfg->workdays[j]) {
			i++;
		} else if (cfg->holidays[i] > cfg->workdays[j]) {
			j++;
		} else {
			hq_format_day(cfg->holidays[i], day);
			return fail(p, hl > wl ? hl : wl, "%s is both a holiday and a workday (%s "
				    "at line %d); a day is one or the other", day,
				    hl > wl ? "workdays" : "holidays", hl > wl ? wl : hl);
		}
	}
	return 0;
}

/* The weights are the shares of a perfect score, 100, so they add up to it. */
static int check_appraisal(struct parser *p, const struct section *s)
{
	const struct hq_appraisal_cfg *a = &p->cfg->appraisal;
	int sum = a->weight_volume + a->weight_on_time + a->weight_satisfaction + a->weight_rectify;

	if (sum != 100)
		return fail(p, s->line, "%s: the weights add up to %d (weight_volume %d + "
			    "weight_on_time %d + weight_satisfaction %d + weight_rectify %d); they "
			    "share a perfect score of 100 and must add up to 100", s->label, sum,
			    a->weight_volume, a->weight_on_time, a->weight_satisfaction,
			    a->weight_rectify);
	return 0;
}

static int check_all(struct parser *p)
{
	struct hq_config *cfg = p->cfg;
	const struct section *hall = NULL;
	int last = p->line > 0 ? p->line : 1;
	size_t i, j;
	int k;

	for (i = 0; i < p->nsecs; i++)
		if (p->secs[i].kind == K_HALL)
			hall = &p->secs[i];
	if (!hall)
		return fail(p, 1, "there is no [hall] section; add one that names the "
			    "hall");
	/* A hall is not above itself; the centre's tree of halls would have a loop. */
	if (cfg->hall_id[0] && !strcmp(cfg->parent, cfg->hall_id))
		return fail(p, given(hall, "parent"), "parent = %s is this hall's own id; parent "
			    "names the hall above (empty at the top)", cfg->parent);
	if (cfg->parent[0] && !cfg->hall_id[0])
		return fail(p, given(hall, "parent"), "parent is set but id is not; a hall with a "
			    "parent needs an id of its own");
	if (!cfg->nservices)
		return fail(p, last, "there are no [service KEY] sections; a hall needs at "
			    "least one service");
	if (!cfg->ncounters)
		return fail(p, last, "there are no [counter N] sections; a hall needs at "
			    "least one counter");

	/* Each section on its own, then the references between them, in file order. */
	for (i = 0; i < p->nsecs; i++) {
		const struct section *s = &p->secs[i];

		if (check_required(p, s))
			return p->rc;
		if (s->kind == K_HALL && check_calendar(p, s))
			return p->rc;
		if (s->kind == K_SERVICE && check_service(p, s))
			return p->rc;
		if (s->kind == K_BUS && check_bus(p, s))
			return p->rc;
		if (s->kind == K_APPRAISAL && check_appraisal(p, s))
			return p->rc;
	}
	for (i = 0; i < p->nsecs; i++)
		if ((p->secs[i].kind == K_COUNTER && check_counter(p, &p->secs[i])) ||
		    (p->secs[i].kind == K_ALERT && check_alert(p, &p->secs[i])))
			return p->rc;

	for (i = 0; i < p->nsecs; i++) {
		const struct section *s = &p->secs[i];
		bool served = false;

		if (s->kind != K_SERVICE)
			continue;
		for (j = 0; j < cfg->ncounters && !served; j++)
			for (k = 0; k < cfg->counters[j].nservices; k++)
				if (cfg->counters[j].services[k] == s->index)
					served = true;
		if (!served)
			return fail(p, s->line, "no counter serves %s; add '%s' to the services "
				    "of a counter", s->label, cfg->services[s->index].key);
	}
	return 0;
}

/* ---- public API ---------------------------------------------------------------------- */

/*
 * inih's options are process globals (a Debian build choice), so they are set around
 * each parse and put back; parse configs from one thread at a time.
 */
static int parse(struct parser *p)
{
	bool multiline = ini_allow_multiline, inline_comments = ini_allow_inline_comments;
	bool stop = ini_stop_on_first_error, stack = ini_use_stack, novalue = ini_allow_no_value;
	char *prefixes = ini_start_comment_prefixes;
	int max_line = ini_max_line;
	const struct key *k;
	int r;

	/* [kiosk], [appraisal], [retention] and [limits] are optional: a hall without them gets their defaults all the
	 * same, and every hall starts with the default alert rules. */
	for (k = kiosk_keys; k->name; k++)
		if (k->def && k->set(p, k, &p->cfg->kiosk, k->def))
			return p->rc;
	for (k = appraisal_keys; k->name; k++)
		if (k->def && k->set(p, k, &p->cfg->appraisal, k->def))
			return p->rc;
	for (k = retention_keys; k->name; k++)
		if (k->def && k->set(p, k, &p->cfg->retention, k->def))
			return p->rc;
	for (k = limits_keys; k->name; k++)
		if (k->def && k->set(p, k, &p->cfg->limits, k->def))
			return p->rc;
	p->cfg->nalerts = hq_config_default_alerts(p->cfg->alerts, HQ_MAX_ALERT_RULES);

	/*
	 * An indented line is a key of its own, not the continuation of the one above; a ';'
	 * inside a value is part of it (a notice may contain one); comments start a line.
	 */
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;
	ini_start_comment_prefixes = ";#";
	ini_use_stack = true; /* the stack buffer is sized by ini_max_line in this build */
	ini_max_line = MAX_LINE;

	r = ini_parse_stream(read_line, p, on_value, p);

	ini_allow_multiline = multiline;
	ini_allow_inline_comments = inline_comments;
	ini_stop_on_first_error = stop;
	ini_allow_no_value = novalue;
	ini_start_comment_prefixes = prefixes;
	ini_use_stack = stack;
	ini_max_line = max_line;

	if (p->rc)
		return p->rc;
	if (r > 0)
		return fail(p, r, "expected 'key = value', a [section] or a comment");
	if (r < 0)
		return nomem(p);
	return check_all(p);
}

static int parse_buffer(const char *text, size_t len, const char *name,
			struct hq_config **out, char *err, size_t errlen)
{
	struct parser p;
	int rc;

	memset(&p, 0, sizeof p);
	p.name = name ? name : "config";
	/* A byte-order mark, as Windows Notepad writes it, is not part of the text. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		text += 3;
		len -= 3;
	}
	p.pos = text;
	p.end = text + len;
	p.cur = -1;
	p.err = err;
	p.errlen = errlen;
	p.cfg = calloc(1, sizeof *p.cfg);
	if (!p.cfg)
		rc = nomem(&p);
	else
		rc = parse(&p);
	for (size_t i = 0; i < p.nsecs; i++)
		free(p.secs[i].watch);
	free(p.secs);
	if (rc) {
		hq_config_free(p.cfg);
		return rc;
	}
	*out = p.cfg;
	return 0;
}

int hq_config_parse_string(const char *text, const char *name, struct hq_config **out,
			   char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!out || !text) {
		if (err && errlen)
			snprintf(err, errlen, "%s: no text to parse", name ? name : "config");
		return HQ_EINVAL;
	}
	*out = NULL;
	return parse_buffer(text, strlen(text), name, out, err, errlen);
}

int hq_config_parse_file(const char *path, struct hq_config **out, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc, e;

	if (err && errlen)
		err[0] = '\0';
	if (!out || !path) {
		if (err && errlen)
			snprintf(err, errlen, "no config file given");
		return HQ_EINVAL;
	}
	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		e = errno;
		goto io_fail;
	}
	/* Read it whole: one code path for files and strings, and no partial lines. */
	for (;;) {
		size_t got;

		if (len == cap) {
			char *b;

			if (cap >= MAX_FILE) {
				fclose(f);
				free(buf);
				if (err && errlen)
					snprintf(err, errlen, "%s: larger than %d KiB; this is not a "
						 "hall config", path, MAX_FILE / 1024);
				return HQ_ECONFIG;
			}
			cap = cap ? cap * 2 : 8192;
			b = realloc(buf, cap + 1);
			if (!b) {
				fclose(f);
				free(buf);
				if (err && errlen)
					snprintf(err, errlen, "%s: out of memory", path);
				return HQ_ENOMEM;
			}
			buf = b;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		e = errno;
		fclose(f);
		free(buf);
		goto io_fail;
	}
	fclose(f);
	rc = parse_buffer(buf ? buf : "", len, path, out, err, errlen);
	free(buf);
	return rc;

io_fail:
	if (err && errlen)
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(e));
	return HQ_EIO;
}

void hq_config_free(struct hq_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->services);
	free(cfg->counters);
	free(cfg->buses);
	free(cfg->clerks);
	free(cfg);
}

const struct hq_service *hq_config_service(const struct hq_config *cfg, const char *key)
{
	int i = hq_config_service_index(cfg, key);

	return i < 0 ? NULL : &cfg->services[i];
}

int hq_config_service_index(const struct hq_config *cfg, const char *key)
{
	if (!cfg || !key)
		return -1;
	return find_service(cfg, key);
}

const struct hq_counter_cfg *hq_config_counter(const struct hq_config *cfg, int number)
{
	size_t i;

	if (!cfg)
		return NULL;
	for (i = 0; i < cfg->ncounters; i++)
		if (cfg->counters[i].number == number)
			return &cfg->counters[i];
	return NULL;
}

const struct hq_alert_rule *hq_config_alert(const struct hq_config *cfg, const char *name)
{
	for (int i = 0; cfg && name && i < cfg->nalerts; i++)
		if (!strcmp(cfg->alerts[i].name, name))
			return &cfg->alerts[i];
	return NULL;
}

const struct hq_clerk_cfg *hq_config_clerk(const struct hq_config *cfg, const char *id)
{
	for (size_t i = 0; cfg && id && i < cfg->nclerks; i++)
		if (!strcmp(cfg->clerks[i].id, id))
			return &cfg->clerks[i];
	return NULL;
}

bool hq_service_open_at(const struct hq_service *s, int wday, int minute)
{
	int i;

	if (!s || wday < 0 || wday > 6 || !(s->days & (1u << wday)))
		return false;
	for (i = 0; i < s->nperiods; i++)
		if (minute >= s->periods[i].open && minute < s->periods[i].close)
			return true;
	return false;
}

static const char *const alert_kind_names[] = {
#define X(name, text) text,
	HQ_ALERT_KIND_MAP(X)
#undef X
};

const char *hq_alert_kind_name(enum hq_alert_kind k)
{
	return (unsigned)k < HQ_ALERT_NKINDS ? alert_kind_names[k] : "unknown";
}

const char *hq_severity_name(enum hq_severity s)
{
	static const char *const names[] = { "info", "warning", "critical" };

	return (unsigned)s <= HQ_SEV_CRITICAL ? names[s] : "unknown";
}

int hq_config_default_alerts(struct hq_alert_rule *out, int max)
{
	int n = 0;

	for (int i = 0; i < HQ_ALERT_NKINDS && n < max; i++)
		out[n++] = alert_defaults[i];
	return n;
}
