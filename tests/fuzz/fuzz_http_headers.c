/*
 * libFuzzer harness of the small parsers of hallqd's request headers (server/handle.c),
 * each with the rule it must keep: where an event stream starts (Last-Event-ID, else
 * ?since=): within 0 and the newest event, the newest when neither is given; whether an
 * Accept header prefers HTML: never without text/html named in it; the session cookies a
 * Cookie header holds: never more than the name appears. An input is four lines, the
 * Last-Event-ID, the since, the Accept and the Cookie header (a missing line is a missing
 * header); fuzz_http.c reaches the same code through whole requests, slower.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "server.h"


static size_t occurrences(const char *s, const char *word)
{
	size_t n = 0;

	for (const char *p = s; p && (p = strstr(p, word)); p++)
		n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *field[4] = {NULL, NULL, NULL, NULL}, *p;
	static const int64_t newest[] = {0, 1, 1000, INT64_MAX};
	int64_t cursor;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	p = text;
	for (int i = 0; i < 4 && p; i++) {
		field[i] = p;
		if ((p = strchr(p, '\n')))
			*p++ = '\0';
	}
	for (size_t i = 0; i < sizeof newest / sizeof newest[0]; i++) {
		bool given = (field[0] && *field[0]) || (field[1] && *field[1]);

		if (!hqd_event_cursor(field[0], field[1], newest[i], &cursor)) {
			FUZZ_CHECK(given, "only an id given can be refused");
			continue;
		}
		FUZZ_CHECK(cursor >= 0 && cursor <= newest[i], "a cursor within 0 and the newest event");
		FUZZ_CHECK(given || cursor == newest[i], "no id: the newest event");
	}
	if (hqd_prefers_html(field[2]))
		FUZZ_CHECK(field[2] && strcasestr(field[2], "text/html"), "HTML only when text/html is named");
	FUZZ_CHECK(!field[3] || (size_t)hqd_session_cookies(field[3]) <= occurrences(field[3], HQD_COOKIE),
	      "no more session cookies than the name appears");
	free(text);
	return 0;
}
