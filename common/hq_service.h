/*
 * Telling the service manager how a long-running program is doing (sd_notify(3) of
 * libsystemd): READY=1 once it serves, RELOADING=1 and READY=1 around a reload, STOPPING=1
 * when it begins to stop. Outside systemd (no NOTIFY_SOCKET), or in a build without
 * libsystemd, each call does nothing, so programs call them unconditionally.
 */
#ifndef HQ_SERVICE_H
#define HQ_SERVICE_H

/* READY=1 with STATUS=status (a line systemctl status shows; NULL for none). */
void hq_service_ready(const char *status);
/* RELOADING=1, stamped with the monotonic clock as Type=notify-reload wants. */
void hq_service_reloading(void);
void hq_service_stopping(void);

#endif
