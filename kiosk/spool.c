/*
 * The kiosk's spool file (spool.h): {"version": 1, "entries": [{"key", "state", "service",
 * "class", "code", "category", "ticket"}...]}; a review's entry has "review": {"ticket",
 * "label", "level", "reasons": ["efficiency", ...]} instead of a service or a code.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hq_error.h"
#include "hq_hall.h"
#include "spool.h"

struct hq_spool {
	char path[PATH_MAX];
	struct hq_spool_entry *e;
	int n;
	char error[PATH_MAX + 256];
};

static const char *const state_names[] = { "pending", "unprinted" };

static void copy(char *dst, size_t n, json_t *v)
{
	const char *s = json_string_value(v);

	snprintf(dst, n, "%s", s ? s : "");
}

/* A review's request from the file; false when it is not one. */
static bool load_review(struct hq_spool_entry *e, json_t *v)
{
	json_t *reasons = json_object_get(v, "reasons"), *r;
	size_t i;

	e->review.ticket = json_integer_value(json_object_get(v, "ticket"));
	e->review.level = (int)json_integer_value(json_object_get(v, "level"));
	copy(e->review.label, sizeof e->review.label, json_object_get(v, "label"));
	if (e->review.ticket <= 0 || e->review.level < HQ_LEVEL_MIN || e->review.level > HQ_LEVEL_MAX ||
	    (reasons && !json_is_array(reasons)))
		return false;
	json_array_foreach(reasons, i, r) {
		unsigned bit = hq_reason_parse(json_string_value(r));

		if (!bit)
			return false;
		e->review.reasons |= bit;
	}
	return true;
}

static int load(struct hq_spool *s, char *err, size_t errn)
{
	json_error_t je;
	json_t *root, *arr, *v;
	size_t i;

	if (access(s->path, F_OK) != 0)
		return HQ_OK;
	if (!(root = json_load_file(s->path, 0, &je))) {
		snprintf(err, errn, "spool %s:%d: %s (move it away to start with an empty spool)",
			 s->path, je.line, je.text);
		return HQ_EIO;
	}
	arr = json_object_get(root, "entries");
	if (!json_is_array(arr) || json_array_size(arr) > HQ_SPOOL_MAX) {
		snprintf(err, errn, "spool %s: no \"entries\" list of at most %d", s->path, HQ_SPOOL_MAX);
		json_decref(root);
		return HQ_EIO;
	}
	json_array_foreach(arr, i, v) {
		struct hq_spool_entry *e = &s->e[s->n];
		const char *st = json_string_value(json_object_get(v, "state"));

		memset(e, 0, sizeof *e);
		copy(e->key, sizeof e->key, json_object_get(v, "key"));
		copy(e->service, sizeof e->service, json_object_get(v, "service"));
		copy(e->cls, sizeof e->cls, json_object_get(v, "class"));
		copy(e->code, sizeof e->code, json_object_get(v, "code"));
		copy(e->category, sizeof e->category, json_object_get(v, "category"));
		e->state = st && !strcmp(st, "unprinted") ? HQ_SPOOL_UNPRINTED : HQ_SPOOL_PENDING;
		if (json_object_get(v, "review") && (e->state != HQ_SPOOL_PENDING ||
						     !load_review(e, json_object_get(v, "review")))) {
			snprintf(err, errn, "spool %s: entry %zu has a review that is not one", s->path, i + 1);
			json_decref(root);
			return HQ_EIO;
		}
		if (e->state == HQ_SPOOL_UNPRINTED) {
			e->ticket = json_incref(json_object_get(v, "ticket"));
			if (!json_is_object(e->ticket)) {
				snprintf(err, errn, "spool %s: entry %zu is unprinted but has no ticket", s->path, i + 1);
				json_decref(root);
				return HQ_EIO;
			}
		}
		if (!*e->key || (e->state == HQ_SPOOL_PENDING && !*e->service && !*e->code && !e->review.ticket)) {
			snprintf(err, errn, "spool %s: entry %zu has no key or request", s->path, i + 1);
			json_decref(e->ticket);
			json_decref(root);
			return HQ_EIO;
		}
		s->n++;
	}
	json_decref(root);
	return HQ_OK;
}

/* Write the whole spool to a temporary file, make it durable, and rename it over the old. */
static int save(struct hq_spool *s)
{
	char tmp[PATH_MAX + 8], dir[PATH_MAX];
	json_t *root, *arr = json_array();
	int i, fd, rc = HQ_OK;
	char *text;

	for (i = 0; arr && i < s->n; i++) {
		const struct hq_spool_entry *e = &s->e[i];
		json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O?}", "key", e->key,
			"state", state_names[e->state], "service", e->service, "class", e->cls,
			"code", e->code, "category", e->category, "ticket", e->ticket);

		if (v && e->review.ticket) {
			json_t *reasons = json_array();

			for (unsigned bit = 1; bit <= HQ_REASON_OTHER; bit <<= 1)
				if (e->review.reasons & bit)
					json_array_append_new(reasons, json_string(hq_reason_key(bit)));
			json_object_set_new(v, "review", json_pack("{s:I, s:s, s:i, s:o}", "ticket",
				(json_int_t)e->review.ticket, "label", e->review.label, "level", e->review.level,
				"reasons", reasons));
		}
		json_array_append_new(arr, v);
	}
	root = json_pack("{s:i, s:o}", "version", 1, "entries", arr);
	text = root ? json_dumps(root, JSON_INDENT(1)) : NULL;
	json_decref(root);
	if (!text) {
		snprintf(s->error, sizeof s->error, "spool %s: out of memory", s->path);
		return HQ_ENOMEM;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", s->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) ||
	    close(fd) || (fd = -1, rename(tmp, s->path))) {
		snprintf(s->error, sizeof s->error, "spool %s: not saved: %s", s->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		rc = HQ_EIO;
	} else {
		/* The rename itself must reach the disk too. */
		snprintf(dir, sizeof dir, "%s", s->path);
		if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	free(text);
	return rc;
}

struct hq_spool *hq_spool_open(const char *path, char *err, size_t errn)
{
	struct hq_spool *s = calloc(1, sizeof *s);

	if (!s || !(s->e = calloc(HQ_SPOOL_MAX, sizeof *s->e))) {
		snprintf(err, errn, "out of memory");
		free(s);
		return NULL;
	}
	snprintf(s->path, sizeof s->path, "%s", path);
	if (load(s, err, errn)) {
		hq_spool_close(s);
		return NULL;
	}
	return s;
}

void hq_spool_close(struct hq_spool *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		json_decref(s->e[i].ticket);
	free(s->e);
	free(s);
}

int hq_spool_add(struct hq_spool *s, const struct hq_spool_entry *e)
{
	if (s->n == HQ_SPOOL_MAX) {
		snprintf(s->error, sizeof s->error, "spool %s: %d tickets owed already", s->path, HQ_SPOOL_MAX);
		return HQ_EFULL;
	}
	s->e[s->n] = *e;
	s->e[s->n].ticket = json_incref(e->ticket);
	s->e[s->n].queued = false;
	s->n++;
	return save(s);
}

struct hq_spool_entry *hq_spool_find(struct hq_spool *s, const char *key)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].key, key))
			return &s->e[i];
	return NULL;
}

int hq_spool_issued(struct hq_spool *s, const char *key, json_t *ticket)
{
	struct hq_spool_entry *e = hq_spool_find(s, key), fresh = { .state = HQ_SPOOL_UNPRINTED };

	if (!e) {
		snprintf(fresh.key, sizeof fresh.key, "%s", key);
		fresh.ticket = ticket;
		return hq_spool_add(s, &fresh);
	}
	json_decref(e->ticket);
	e->ticket = json_incref(ticket);
	e->state = HQ_SPOOL_UNPRINTED;
	return save(s);
}

int hq_spool_remove(struct hq_spool *s, const char *key)
{
	struct hq_spool_entry *e = hq_spool_find(s, key);
	int i;

	if (!e)
		return HQ_OK;
	i = (int)(e - s->e);
	json_decref(e->ticket);
	memmove(&s->e[i], &s->e[i + 1], (size_t)(s->n - i - 1) * sizeof *e);
	s->n--;
	return save(s);
}

int hq_spool_drop_old(struct hq_spool *s, const char *day)
{
	int i, dropped = 0;

	for (i = 0; i < s->n;) {
		const char *d = json_string_value(json_object_get(s->e[i].ticket, "day"));

		if (s->e[i].state == HQ_SPOOL_UNPRINTED && d && strcmp(d, day)) {
			json_decref(s->e[i].ticket);
			memmove(&s->e[i], &s->e[i + 1], (size_t)(s->n - i - 1) * sizeof s->e[0]);
			s->n--;
			dropped++;
		} else {
			i++;
		}
	}
	if (dropped && save(s))
		return HQ_EIO;
	return dropped;
}

int hq_spool_count(const struct hq_spool *s, enum hq_spool_state state)
{
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->e[i].state == state;
	return n;
}

int hq_spool_size(const struct hq_spool *s)
{
	return s->n;
}

struct hq_spool_entry *hq_spool_at(struct hq_spool *s, int i)
{
	return i >= 0 && i < s->n ? &s->e[i] : NULL;
}

const char *hq_spool_error(const struct hq_spool *s)
{
	return s->error;
}
