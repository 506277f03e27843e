/*
 * The service manager's notifications (hq_service.h). libsystemd is optional at build time
 * (HQ_HAVE_SYSTEMD, set by the Makefile when pkg-config finds it): hallq also builds where
 * there is no systemd, and there these are no-ops.
 */
#include <stdio.h>
#include <time.h>

#include "hq_service.h"

#ifdef HQ_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

/* unset_environment 0: the threads that hallqd starts later must not race a setenv. An
 * error (the socket gone) is ignored: the service manager then times the start out, which
 * is the report that matters. */
static void notify(const char *state)
{
	(void)sd_notify(0, state);
}
#else
static void notify(const char *state)
{
	(void)state;
}
#endif

void hq_service_ready(const char *status)
{
	char msg[300];

	if (status) {
		snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status);
		notify(msg);
	} else {
		notify("READY=1");
	}
}

void hq_service_reloading(void)
{
	struct timespec ts;
	char msg[80];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	notify(msg);
}

void hq_service_stopping(void)
{
	notify("STOPPING=1");
}
