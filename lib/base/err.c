/* The error record every library call fills on failure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"

int wn_fail(struct wn_err *err, enum wn_code code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void wn_err_prefix(struct wn_err *err, const char *prefix)
{
	char old[sizeof(err->msg)];
	size_t n;

	if (!err)
		return;
	memcpy(old, err->msg, sizeof(old));
	n = strlen(prefix);
	if (n > sizeof(err->msg) - 3)
		n = sizeof(err->msg) - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	/* Truncate the old message to what fits; it is one line either way. */
	memcpy(err->msg + n + 2, old, sizeof(err->msg) - n - 3);
	err->msg[sizeof(err->msg) - 1] = '\0';
}

void wn_err_clear(struct wn_err *err)
{
	if (!err)
		return;
	err->code = WN_OK;
	err->msg[0] = '\0';
}

const char *wn_err_cause(const struct wn_err *err, const char *path)
{
	size_t n = strlen(path);

	if (!strncmp(err->msg, path, n) && err->msg[n] == ':' && err->msg[n + 1] == ' ')
		return err->msg + n + 2;
	return err->msg;
}

const char *wn_code_name(enum wn_code code)
{
	switch (code) {
	case WN_OK: return "ok";
	case WN_EIO: return "io";
	case WN_EFORMAT: return "format";
	case WN_ECORRUPT: return "corrupt";
	case WN_ELIMIT: return "limit";
	case WN_ENOMEM: return "nomem";
	case WN_EDB: return "catalog";
	case WN_EINVAL: return "invalid";
	}
	return "unknown";
}
