/* Error reporting for library code: a caller-owned record, so worker threads
 * never share a message buffer. Library functions return 0 on success and -1
 * on failure after filling the record; commands decide what to print. */
#ifndef WINNOW_ERR_H
#define WINNOW_ERR_H

enum wn_code {
	WN_OK = 0,
	WN_EIO,       /* the file system said no (open, read, write, rename) */
	WN_EFORMAT,   /* not a format we read: unknown magic bytes */
	WN_ECORRUPT,  /* a known format, but the data is broken or truncated */
	WN_ELIMIT,    /* over a byte or pixel limit: refused before allocating */
	WN_ENOMEM,
	WN_EDB,       /* the catalog (SQLite) failed */
	WN_EINVAL,    /* the caller passed something that makes no sense */
};

struct wn_err {
	enum wn_code code;
	char msg[512];  /* one line, no trailing newline; "" when code is WN_OK */
};

/*
 * wn_fail() : records code and a printf-style message in err (which may be
 * NULL when the caller does not care).
 * @return -1, so library code can write `return wn_fail(err, ...);`.
 */
int wn_fail(struct wn_err *err, enum wn_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* wn_err_prefix() : prepends "prefix: " to the message already in err. */
void wn_err_prefix(struct wn_err *err, const char *prefix);

/* wn_err_clear() : resets err to WN_OK with an empty message. */
void wn_err_clear(struct wn_err *err);

/* wn_err_cause() : the message without a leading "path: ", for callers
 * that print the path themselves. Points into err->msg. */
const char *wn_err_cause(const struct wn_err *err, const char *path);

/* wn_code_name() : a short stable name ("io", "corrupt", ...) for reports. */
const char *wn_code_name(enum wn_code code);

#endif
