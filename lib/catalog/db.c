/* What every catalog file uses: errors, its folder and relative paths,
 * prepared statements and transactions. Opening is open.c. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/internal.h"
#include "base/base.h"

int catalog_fail(struct catalog *cat, struct wn_err *err, const char *what)
{
	return wn_fail(err, WN_EDB, "%s: %s: %s", cat->file, what, sqlite3_errmsg(cat->db));
}

int64_t catalog_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Length of the first component of p (p does not start with '/'). */
static size_t component_len(const char *p)
{
	const char *slash = strchr(p, '/');

	return slash ? (size_t)(slash - p) : strlen(p);
}

static const char *skip_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return p;
}

int catalog_rel_between(const char *from, const char *to, struct strbuf *out)
{
	const char *f = skip_slashes(from), *t = skip_slashes(to);
	size_t start = out->len;

	/* Drop the components both share. */
	while (*f && *t) {
		size_t n = component_len(f);

		if (n != component_len(t) || memcmp(f, t, n))
			break;
		f = skip_slashes(f + n);
		t = skip_slashes(t + n);
	}
	/* One ".." for each component of `from` left, then the rest of `to`. */
	for (; *f; f = skip_slashes(f + component_len(f)))
		if ((out->len > start && strbuf_addch(out, '/')) || strbuf_addstr(out, ".."))
			return -1;
	if (*t && ((out->len > start && strbuf_addch(out, '/')) || strbuf_addstr(out, t)))
		return -1;
	return 0;
}

int catalog_rel_dir(const struct catalog *cat, const char *dir, struct strbuf *out,
		    struct wn_err *err)
{
	char *real = realpath(dir, NULL);
	int ret;

	if (!real)
		return wn_fail(err, WN_EIO, "%s: %s", dir, strerror(errno));
	ret = catalog_rel_between(cat->dir, real, out);
	free(real);
	if (ret)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	return 0;
}

int catalog_rel_path(const struct catalog *cat, const char *real_dir, const char *rel,
		     struct strbuf *out)
{
	struct strbuf abs = STRBUF_INIT;
	int ret = strbuf_addstr(&abs, real_dir) || strbuf_addch(&abs, '/') ||
		  strbuf_addstr(&abs, rel) || catalog_rel_between(cat->dir, abs.buf, out);

	strbuf_release(&abs);
	return ret ? -1 : 0;
}

int catalog_abs_path(const struct catalog *cat, const char *path, struct strbuf *out)
{
	size_t start = out->len;

	if (strbuf_addstr(out, cat->dir))
		return -1;
	/* Stored paths are normalised: only leading ".." can appear. */
	while (!strncmp(path, "..", 2) && (path[2] == '/' || !path[2])) {
		char *slash = strrchr(out->buf + start, '/');

		if (slash && slash > out->buf + start)
			strbuf_setlen(out, (size_t)(slash - out->buf));
		else
			strbuf_setlen(out, start + 1);  /* stays at "/" */
		path += path[2] ? 3 : 2;
	}
	if (!*path)
		return 0;
	if (out->buf[out->len - 1] != '/' && strbuf_addch(out, '/'))
		return -1;
	return strbuf_addstr(out, path);
}

int catalog_disk_path(const struct catalog *cat, const char *rel, struct strbuf *out)
{
	if (cat->cwd_rel && *cat->cwd_rel) {
		if (strbuf_addstr(out, cat->cwd_rel) || (*rel && strbuf_addch(out, '/')))
			return -1;
	} else if (!cat->cwd_rel) {
		if (strbuf_addstr(out, cat->dir) || (*rel && strbuf_addch(out, '/')))
			return -1;
	}
	return strbuf_addstr(out, rel);
}

int catalog_version(struct catalog *cat)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(cat->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

const char *catalog_dir(const struct catalog *cat)
{
	return cat->dir;
}

void catalog_walk_opts(const struct catalog *cat, struct walk_opts *wo)
{
	const char *base = strrchr(cat->file, '/');
	struct stat st;

	if (!stat(cat->file, &st)) {
		wo->skip_dev = st.st_dev;
		wo->skip_ino = st.st_ino;
	}
	wo->skip_base = base ? base + 1 : cat->file;
}

const char *catalog_file(const struct catalog *cat)
{
	return cat->file;
}

sqlite3_stmt *catalog_stmt(struct catalog *cat, enum catalog_stmt id, const char *sql,
			   struct wn_err *err)
{
	if (!cat->stmts[id] &&
	    sqlite3_prepare_v3(cat->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &cat->stmts[id],
			       NULL) != SQLITE_OK) {
		catalog_fail(cat, err, "cannot prepare a statement");
		return NULL;
	}
	return cat->stmts[id];
}

int catalog_begin(struct catalog *cat, struct wn_err *err)
{
	/* IMMEDIATE takes the write lock now, so a concurrent writer waits
	 * for the busy timeout here instead of failing at commit. */
	if (sqlite3_exec(cat->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot start a transaction");
	cat->in_tx = 1;
	return 0;
}

int catalog_commit(struct catalog *cat, struct wn_err *err)
{
	if (sqlite3_exec(cat->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		catalog_fail(cat, err, "cannot commit");
		catalog_rollback(cat);
		return -1;
	}
	cat->in_tx = 0;
	return 0;
}

void catalog_rollback(struct catalog *cat)
{
	sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
	cat->in_tx = 0;
}

int catalog_rel_prefix(const struct catalog *cat, const char *dir, struct strbuf *out,
		       struct wn_err *err)
{
	size_t start = out->len;

	if (catalog_rel_dir(cat, dir, out, err))
		return -1;
	if (out->len > start && strbuf_addch(out, '/'))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	return 0;
}

int catalog_on_disk(const struct catalog *cat, const char *path)
{
	struct strbuf disk = STRBUF_INIT;
	struct stat st;
	int ok;

	if (catalog_disk_path(cat, path, &disk)) {
		strbuf_release(&disk);
		return 1;  /* cannot tell: keep it */
	}
	ok = !lstat(disk.buf, &st) && S_ISREG(st.st_mode);
	strbuf_release(&disk);
	return ok;
}
