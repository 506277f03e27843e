/*
 * The tokens file (server/tokens.c): `ROLE TOKEN` lines as hallqd loads them at start-up
 * and on SIGHUP, read from a file of mode 0600 holding the input. A file that loads must
 * give tokens of the allowed length, each found again by hqd_tokens_find() under its own
 * role and label; one that does not must say why.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	path = fuzz_scratch("tokens");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hqd_tokens t;
	char err[512], label[64];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t i;

	if (fd < 0)
		return 0;
	fchmod(fd, 0600);
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	err[0] = '\0';
	if (hqd_tokens_load(path, &t, err, sizeof err) != 0) {
		FUZZ_CHECK(err[0] != '\0', "a refused tokens file says why");
		FUZZ_CHECK(t.n == 0 && t.v == NULL, "nothing is kept from a refused file");
		return 0;
	}
	FUZZ_CHECK(t.n > 0, "a loaded file has tokens");
	for (i = 0; i < t.n; i++) {
		const struct hqd_token *e = &t.v[i];

		FUZZ_CHECK(e->role > ROLE_NONE && e->role <= ROLE_ADMIN, "a known role");
		hqd_role_label(e, label, sizeof label);
		FUZZ_CHECK(label[0] && strcmp(label, "none"), "a role has a name");
	}
	/* Only hashes are kept: every plain token of the file, read line by line as the loader
	 * reads it, is found by itself. */
	FILE *f = fopen(path, "r");
	char line[1024], role[64], tok[512], extra[2];

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, " %63s %511s %1s", role, tok, extra) == 2 && role[0] != '#' &&
		    strncmp(tok, "sha256:", 7))
			FUZZ_CHECK(hqd_tokens_find(&t, tok) != NULL, "each plain token is found");
	if (f)
		fclose(f);
	FUZZ_CHECK(hqd_tokens_find(&t, "") == NULL, "the empty token is nobody's");
	hqd_tokens_free(&t);
	FUZZ_CHECK(t.v == NULL && t.n == 0, "freed");
	return 0;
}
