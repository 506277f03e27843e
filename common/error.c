/* Messages and names for the hq_err codes, generated from HQ_ERRNO_MAP. */
#include "hq_error.h"

#define IDX(e) ((e) - HQ_ERR_FIRST_ - 1)

static const char *const messages[] = {
#define X(name, code, msg) msg,
	HQ_ERRNO_MAP(X)
#undef X
};

static const char *const names[] = {
#define X(name, code, msg) "HQ_E" #name,
	HQ_ERRNO_MAP(X)
#undef X
};

static const char *const codes[] = {
#define X(name, code, msg) #code,
	HQ_ERRNO_MAP(X)
#undef X
};

static int known(int err)
{
	return err > HQ_ERR_FIRST_ && err < HQ_ERR_LAST_;
}

const char *hq_strerror(int err)
{
	if (err == HQ_OK)
		return "success";
	return known(err) ? messages[IDX(err)] : "unknown error";
}

const char *hq_err_name(int err)
{
	if (err == HQ_OK)
		return "HQ_OK";
	return known(err) ? names[IDX(err)] : "HQ_EUNKNOWN";
}

const char *hq_err_code(int err)
{
	if (err == HQ_OK)
		return "ok";
	return known(err) ? codes[IDX(err)] : "unknown";
}
