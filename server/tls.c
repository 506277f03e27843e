/*
 * hallqd and transport security: the certificate and key that hallqd --tls-cert and
 * --tls-key hand to libmicrohttpd (read and checked here, so that a wrong file is named
 * before anything listens), and what hallqd does about a Bearer token that came over plain
 * HTTP from another machine: a warning in the log, at most once an hour for each role and
 * address so that a gateway polling every second does not fill the disk, or with
 * `[hall] require_tls = yes` a refusal (403 tls). A token from the loopback addresses never
 * leaves the machine, so it is neither.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "server.h"

/* A certificate chain or a key is a few KiB; anything this large is the wrong file. */
#define PEM_MAX (1 << 20)
/* The roles and addresses remembered; when full, the oldest warning is forgotten first. */
#define PLAIN_SLOTS 256
#define PLAIN_QUIET_MS (3600 * 1000LL)

/* The whole file as a NUL-terminated string (malloc'd) into *out; false with err set. */
static bool read_pem(const char *what, const char *path, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t n = 0;

	*out = NULL;
	if (!f) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return false;
	}
	if (!(text = malloc(PEM_MAX + 1))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	n = fread(text, 1, PEM_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		goto fail;
	}
	if (n > PEM_MAX || !n) {
		snprintf(err, errlen, "%s %s: %s", what, path, n ? "larger than 1 MiB: not a PEM file" : "empty");
		goto fail;
	}
	text[n] = '\0';
	fclose(f);
	*out = text;
	return true;
fail:
	free(text);
	fclose(f);
	return false;
}

int hqd_tls_load(const char *cert_path, const char *key_path, char **cert, char **key,
		 char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_datum_t c, k;
	int rc;

	*cert = *key = NULL;
	if (!read_pem("--tls-cert", cert_path, cert, err, errlen) ||
	    !read_pem("--tls-key", key_path, key, err, errlen))
		goto fail;
	/* The same check libmicrohttpd makes when it starts, done here to say which file is
	 * wrong: a certificate that does not parse, a key that does not, or a pair whose
	 * public keys differ. */
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	c.data = (unsigned char *)*cert;
	c.size = (unsigned)strlen(*cert);
	k.data = (unsigned char *)*key;
	k.size = (unsigned)strlen(*key);
	rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0) {
		if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
			snprintf(err, errlen, "--tls-key %s is not the key of --tls-cert %s", key_path, cert_path);
		else if (!strstr(*cert, "-----BEGIN CERTIFICATE-----"))
			snprintf(err, errlen, "--tls-cert %s: no PEM certificate in it", cert_path);
		else if (!strstr(*key, "PRIVATE KEY-----"))
			snprintf(err, errlen, "--tls-key %s: no PEM private key in it", key_path);
		else
			snprintf(err, errlen, "--tls-cert %s, --tls-key %s: %s", cert_path, key_path,
				 gnutls_strerror(rc));
		goto fail;
	}
	gnutls_certificate_free_credentials(cred);
	return 0;
fail:
	if (cred)
		gnutls_certificate_free_credentials(cred);
	if (*key)
		explicit_bzero(*key, strlen(*key));
	free(*cert);
	free(*key);
	*cert = *key = NULL;
	return -1;
}

/* 127.0.0.0/8, ::1 and 127.0.0.0/8 mapped into IPv6 (::ffff:127.x.y.z, what a dual-stack
 * socket reports). An unparsable address is not loopback: better a warning too many. */
bool hqd_address_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return false;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

struct plain_slot {
	char role[64];
	char address[64];
	int64_t at;                  /* monotonic ms of the last warning; 0: a free slot */
};

struct hqd_plain {
	pthread_mutex_t lock;
	struct plain_slot slot[PLAIN_SLOTS];
};

struct hqd_plain *hqd_plain_new(void)
{
	struct hqd_plain *p = calloc(1, sizeof *p);

	if (p)
		pthread_mutex_init(&p->lock, NULL);
	return p;
}

void hqd_plain_free(struct hqd_plain *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

enum hqd_plain_verdict hqd_plain_check(struct hqd_plain *p, const char *role, const char *address,
				       bool require_tls, int64_t now_ms)
{
	struct plain_slot *s, *oldest = NULL;
	enum hqd_plain_verdict v = HQD_PLAIN_QUIET;
	int i;

	if (hqd_address_loopback(address))
		return HQD_PLAIN_OK;
	if (require_tls)
		return HQD_PLAIN_REFUSE;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < PLAIN_SLOTS; i++) {
		s = &p->slot[i];
		if (s->at && !strcmp(s->role, role) && !strcmp(s->address, address))
			break;
		if (!oldest || s->at < oldest->at)
			oldest = s;
	}
	if (i == PLAIN_SLOTS) {
		s = oldest;
		snprintf(s->role, sizeof s->role, "%s", role);
		snprintf(s->address, sizeof s->address, "%s", address);
		s->at = now_ms;
		v = HQD_PLAIN_WARN;
	} else if (now_ms - s->at >= PLAIN_QUIET_MS) {
		s->at = now_ms;
		v = HQD_PLAIN_WARN;
	}
	/* 0 marks a free slot: a clock that reads 0 still counts as a warning given. */
	if (v == HQD_PLAIN_WARN && !s->at)
		s->at = 1;
	pthread_mutex_unlock(&p->lock);
	return v;
}

bool hqd_plain_token(struct hqd_req *r, const char *role)
{
	struct hqd *srv = r->srv;

	if (r->tls || !srv->plain)  /* no store: a server without the network (the fuzzer) */
		return true;
	switch (hqd_plain_check(srv->plain, role, r->address, atomic_load(&srv->require_tls), hq_mono_ms())) {
	case HQD_PLAIN_WARN:
		hq_log(HQ_LOG_WARN, "a %s token came over plain HTTP from %s: anyone on that network "
		       "can read it; serve TLS (hallqd --tls-cert, --tls-key) and give the program the "
		       "https:// URL (said once an hour for each role and address)", role, r->address);
		return true;
	case HQD_PLAIN_REFUSE:
		hqd_error(r, 403, "tls", "this hall takes tokens over TLS only (require_tls = yes): "
			  "use the https:// URL");
		return false;
	default:
		return true;
	}
}
