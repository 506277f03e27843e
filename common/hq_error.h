/*
 * One error type for all of hallq. 0 is success, a negative value is one of the codes
 * below. The X-macro keeps the enum, hq_strerror() and hq_err_name() from drifting apart;
 * the detail of an error (which service, which line of the config) is kept by the context
 * object that reported it, never printed by the library.
 */
#ifndef HQ_ERROR_H
#define HQ_ERROR_H

#define HQ_ERRNO_MAP(X) \
	X(NOMEM, nomem, "out of memory") \
	X(INVAL, inval, "invalid argument") \
	X(CONFIG, config, "invalid hall configuration") \
	X(IO, io, "input/output error") \
	X(DB, db, "database error") \
	X(BUSY, busy, "database is busy") \
	X(SCHEMA, schema, "database was made by a newer hallq") \
	X(NOSERVICE, noservice, "no such service") \
	X(NOCOUNTER, nocounter, "no such counter") \
	X(NOTICKET, noticket, "no such ticket") \
	X(CLOSED, closed, "service is closed now") \
	X(CAP, cap, "service has reached its daily cap") \
	X(EXHAUSTED, exhausted, "service has used all its numbers today") \
	X(PAUSED, paused, "counter is paused") \
	X(CTRCLOSED, ctrclosed, "counter is closed") \
	X(STATE, state, "operation not valid in the ticket's or counter's state") \
	X(EMPTY, empty, "nobody is waiting") \
	X(IDLE, idle, "counter has no current ticket") \
	X(BUSYCTR, busyctr, "counter is still serving a ticket") \
	X(NOCODE, nocode, "unknown appointment code") \
	X(EARLY, early, "too early to check in for this appointment") \
	X(LATE, late, "too late to check in for this appointment") \
	X(USED, used, "appointment code already used") \
	X(SLOT, slot, "appointment slot is not available") \
	X(RATED, rated, "ticket was already rated") \
	X(TIMEOUT, timeout, "no reply in time") \
	X(FRAME, frame, "garbled or unexpected reply") \
	X(UNIT, unit, "the unit refused the request") \
	X(LINK, link, "the line or connection is down") \
	X(FULL, full, "the queue is full") \
	X(READONLY, readonly, "the database is open for reading only") \
	X(NOCASE, nocase, "no such bad-review case") \
	X(SIGNIN, signin, "unknown clerk or wrong PIN") \
	X(NOCLERK, noclerk, "no such clerk on the roster") \
	X(CLERK, clerk, "clerk is on the roster already") \
	X(NOALERT, noalert, "no such alert") \
	X(NOSESSION, nosession, "no such session, or it has ended")

enum hq_err {
	HQ_OK = 0,
#define HQ_ERR_ENUM(name, code, msg) HQ_E##name,
	HQ_ERR_FIRST_ = -1000,
	HQ_ERRNO_MAP(HQ_ERR_ENUM)
#undef HQ_ERR_ENUM
	HQ_ERR_LAST_
};

/* Static strings; never freed. Unknown codes give "unknown error". */
const char *hq_strerror(int err);
/* "HQ_ENOSERVICE" style names, for logs. */
const char *hq_err_name(int err);
/* Lower-case short code, e.g. "noservice": the API's error code. */
const char *hq_err_code(int err);

#endif
