/* Running the catalog's statements: a query row by row (catalog_foreach()),
 * a write once or once per id, and the binds their callers share. */
#include "catalog/internal.h"

int catalog_foreach(struct catalog *cat, const char *sql, const char *what,
		    catalog_bind_fn bind, catalog_row_fn row, void *data, struct wn_err *err)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, what);
	rc = bind ? bind(st, data) : SQLITE_OK;
	if (rc != SQLITE_OK) {
		ret = wn_fail(err, WN_EDB, "%s: %s: %s", cat->file, what, sqlite3_errstr(rc));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = row ? row(st, data) : 0;
		if (ret)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = catalog_fail(cat, err, what);
out:
	sqlite3_finalize(st);
	return ret;
}

int catalog_exec(struct catalog *cat, sqlite3_stmt *st, const char *what, struct wn_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : catalog_fail(cat, err, what);
}

int catalog_write(struct catalog *cat, sqlite3_stmt *st, const char *what, struct wn_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : catalog_fail(cat, err, what);
}

int catalog_lookup_end(struct catalog *cat, sqlite3_stmt *st, int rc, const char *what,
		       struct wn_err *err)
{
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : catalog_fail(cat, err, what);
}

int catalog_find(struct catalog *cat, enum catalog_stmt id, const char *sql, const char *key,
		 const char *what, catalog_row_fn row, void *data, struct wn_err *err)
{
	sqlite3_stmt *st = catalog_stmt(cat, id, sql, err);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int bad = row(st, data);

		if (bad != SQLITE_OK)
			rc = bad;
	}
	if (catalog_lookup_end(cat, st, rc, what, err))
		return -1;
	return rc == SQLITE_ROW;
}

int catalog_exec_ids(struct catalog *cat, const char *sql, const char *what,
		     const int64_t *ids, size_t n, struct wn_err *err)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, what);
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		if (!ids[i])
			continue;
		sqlite3_bind_int64(st, 1, ids[i]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : catalog_fail(cat, err, what);
}

int catalog_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

int catalog_bind_nonzero(sqlite3_stmt *st, int i, int64_t v)
{
	return v ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

int catalog_bind_prefix(sqlite3_stmt *st, int i, const char *prefix)
{
	return catalog_bind_text(st, i, prefix && *prefix ? prefix : NULL);
}
