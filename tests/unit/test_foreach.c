/* catalog_foreach(): the one loop over a query's rows that the catalog
 * modules share, on a real catalog file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "catalog/internal.h"
#include "catalog/images.h"
#include "tests/fixtures.h"

static char *dir;
static char dbpath[128];

/* A fresh catalog with the images c.jpg, a.jpg, b.jpg (added in that order). */
static struct catalog *open_three(void)
{
	static const char *const paths[] = { "c.jpg", "a.jpg", "b.jpg" };
	struct catalog *cat;
	struct wn_err err;
	char side[160];

	unlink(dbpath);
	snprintf(side, sizeof(side), "%s-wal", dbpath);
	unlink(side);
	if (catalog_open(dbpath, CATALOG_CREATE, &cat, &err))
		fail_msg("open: %s", err.msg);
	for (int i = 0; i < 3; i++) {
		struct image_row r;

		memset(&r, 0, sizeof(r));
		r.path = paths[i];
		assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	}
	return cat;
}

struct visit {
	struct strbuf seen;   /* the rows' first columns, ',' after each */
	int rows;             /* rows handed over */
	int stop_at;          /* return stop_with at this row (1-based); 0 never */
	int stop_with;
	const char *from;     /* bound to ?1 */
	int bind_index;       /* where from is bound; 0: ?1 */
	int bind_code;        /* non-zero: bind returns this and binds nothing */
};

static int bind_from(sqlite3_stmt *st, void *data)
{
	struct visit *v = data;

	if (v->bind_code)
		return v->bind_code;
	return catalog_bind_text(st, v->bind_index ? v->bind_index : 1, v->from);
}

static int note_row(sqlite3_stmt *st, void *data)
{
	struct visit *v = data;
	const char *s = (const char *)sqlite3_column_text(st, 0);

	v->rows++;
	assert_int_equal(strbuf_addstr(&v->seen, s ? s : "NULL"), 0);
	assert_int_equal(strbuf_addch(&v->seen, ','), 0);
	return v->rows == v->stop_at ? v->stop_with : 0;
}

static const char paths_sql[] =
	"SELECT path FROM images WHERE ?1 IS NULL OR path >= ?1 ORDER BY path";

/* Every row, in the query's order; the bound parameter is used. */
static void test_rows_in_order(void **state)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT };
	struct wn_err err;

	(void)state;
	assert_int_equal(catalog_foreach(cat, paths_sql, "cannot list", bind_from, note_row, &v,
					 &err), 0);
	assert_string_equal(v.seen.buf, "a.jpg,b.jpg,c.jpg,");
	strbuf_setlen(&v.seen, 0);
	v.rows = 0;
	v.from = "b.jpg";
	assert_int_equal(catalog_foreach(cat, paths_sql, "cannot list", bind_from, note_row, &v,
					 &err), 0);
	assert_string_equal(v.seen.buf, "b.jpg,c.jpg,");
	assert_int_equal(v.rows, 2);
	strbuf_release(&v.seen);
	catalog_close(cat);
}

/* A row callback's non-zero value stops the walk and is returned, with
 * err as the callback left it. */
static void test_stop_early(void **state)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT, .stop_at = 2, .stop_with = 7 };
	struct wn_err err = { .code = WN_OK, .msg = "" };

	(void)state;
	assert_int_equal(catalog_foreach(cat, paths_sql, "cannot list", NULL, note_row, &v, &err),
			 7);
	assert_string_equal(v.seen.buf, "a.jpg,b.jpg,");
	assert_int_equal(err.code, WN_OK);
	strbuf_setlen(&v.seen, 0);
	v.rows = 0;
	v.stop_with = -1;
	assert_int_equal(catalog_foreach(cat, paths_sql, "cannot list", NULL, note_row, &v, &err),
			 -1);
	assert_int_equal(v.rows, 2);
	assert_int_equal(err.code, WN_OK);
	strbuf_release(&v.seen);
	catalog_close(cat);
}

/* A failed bind ends the call before any row, WN_EDB naming the catalog,
 * the query and the cause. */
static void test_bind_failure(void **state)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT, .from = "a.jpg", .bind_index = 5 };
	struct wn_err err;
	char want[512];

	(void)state;
	assert_int_equal(catalog_foreach(cat, paths_sql, "cannot list", bind_from, note_row, &v,
					 &err), -1);
	assert_int_equal(err.code, WN_EDB);
	snprintf(want, sizeof(want), "%s: cannot list: column index out of range", dbpath);
	assert_string_equal(err.msg, want);
	assert_int_equal(v.rows, 0);
	v.bind_code = SQLITE_NOMEM;
	assert_int_equal(catalog_foreach(cat, paths_sql, "cannot list", bind_from, note_row, &v,
					 &err), -1);
	snprintf(want, sizeof(want), "%s: cannot list: out of memory", dbpath);
	assert_string_equal(err.msg, want);
	assert_int_equal(v.rows, 0);
	strbuf_release(&v.seen);
	catalog_close(cat);
}

/* SQL that does not prepare, and a step that fails after some rows: -1,
 * WN_EDB with SQLite's message. */
static void test_sql_errors(void **state)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT };
	struct wn_err err;
	char want[512];

	(void)state;
	assert_int_equal(catalog_foreach(cat, "SELECT nope FROM images", "cannot list", NULL,
					 note_row, &v, &err), -1);
	assert_int_equal(err.code, WN_EDB);
	snprintf(want, sizeof(want), "%s: cannot list: no such column: nope", dbpath);
	assert_string_equal(err.msg, want);
	assert_int_equal(v.rows, 0);
	assert_int_equal(catalog_foreach(cat, "SELECT CASE WHEN column1 < 3 THEN column1"
					 " ELSE abs(-9223372036854775807 - 1) END"
					 " FROM (VALUES (1), (2), (3))", "cannot count", NULL,
					 note_row, &v, &err), -1);
	assert_int_equal(err.code, WN_EDB);
	snprintf(want, sizeof(want), "%s: cannot count: integer overflow", dbpath);
	assert_string_equal(err.msg, want);
	assert_string_equal(v.seen.buf, "1,2,");
	strbuf_release(&v.seen);
	catalog_close(cat);
}

static int count_classes(sqlite3_stmt *st, void *data)
{
	struct catalog *cat = data;
	struct visit v = { .seen = STRBUF_INIT, .from = (const char *)sqlite3_column_text(st, 0) };
	int ret;

	/* The statement is not cached, so a row may run the same query. */
	ret = catalog_foreach(cat, paths_sql, "cannot list", bind_from, note_row, &v, NULL);
	strbuf_release(&v.seen);
	return ret ? ret : v.rows == 3 ? 0 : 9;
}

/* Without a row callback the statement runs to its end (a write, its
 * RETURNING rows unread); a row callback may run queries itself. */
static void test_write_and_nested(void **state)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT, .from = "cats" };
	struct wn_err err;

	(void)state;
	assert_int_equal(catalog_foreach(cat, "UPDATE images SET class = ?1 RETURNING id",
					 "cannot set", bind_from, NULL, &v, &err), 0);
	assert_int_equal(catalog_foreach(cat, "SELECT DISTINCT class FROM images", "cannot list",
					 NULL, note_row, &v, &err), 0);
	assert_string_equal(v.seen.buf, "cats,");
	assert_int_equal(catalog_foreach(cat, "SELECT 'a.jpg'", "cannot list", NULL,
					 count_classes, cat, &err), 0);
	strbuf_release(&v.seen);
	catalog_close(cat);
}

/* catalog_exec_ids(): the write once per non-zero id, up to the first
 * failure; catalog_exec(): one write, its failure with SQLite's message. */
static void test_exec(void **state)
{
	static const int64_t ids[] = { 1, 0, 3, 2 };
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT };
	struct wn_err err;
	sqlite3_stmt *st;
	char want[512];

	(void)state;
	assert_int_equal(catalog_exec_ids(cat, "UPDATE images SET class = coalesce(class, '') || 'x'"
					  " WHERE id = ?1 OR ?1 = 0",
					  "cannot mark", ids, 3, &err), 0);
	assert_int_equal(catalog_foreach(cat, "SELECT coalesce(class, '-') FROM images ORDER BY id",
					 "cannot list", NULL, note_row, &v, &err), 0);
	assert_string_equal(v.seen.buf, "x,-,x,");
	/* c.jpg (id 1) is copied, b.jpg (id 3) clashes with a.jpg, a.jpg (id 2)
	 * is never reached. */
	assert_int_equal(catalog_exec_ids(cat, "INSERT INTO images (path, size, mtime_ns, added_ms,"
					  " updated_ms) SELECT CASE id WHEN 3 THEN 'a.jpg'"
					  " ELSE path || '.copy' END, 0, 0, 0, 0 FROM images"
					  " WHERE id = ?1", "cannot copy", ids, 4, &err), -1);
	assert_int_equal(err.code, WN_EDB);
	snprintf(want, sizeof(want), "%s: cannot copy: UNIQUE constraint failed: images.path",
		 dbpath);
	assert_string_equal(err.msg, want);
	strbuf_setlen(&v.seen, 0);
	assert_int_equal(catalog_foreach(cat, "SELECT path FROM images WHERE path LIKE '%.copy'",
					 "cannot list", NULL, note_row, &v, &err), 0);
	assert_string_equal(v.seen.buf, "c.jpg.copy,");
	assert_int_equal(sqlite3_prepare_v2(cat->db, "DELETE FROM images", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(catalog_exec(cat, st, "cannot delete", &err), 0);
	assert_int_equal(sqlite3_prepare_v2(cat->db, "INSERT INTO images (path) VALUES"
					    " (NULL)", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(catalog_exec(cat, st, "cannot add", &err), -1);
	assert_int_equal(err.code, WN_EDB);
	snprintf(want, sizeof(want), "%s: cannot add: NOT NULL constraint failed: images.path",
		 dbpath);
	assert_string_equal(err.msg, want);
	strbuf_release(&v.seen);
	catalog_close(cat);
}

static int setup(void **state)
{
	(void)state;
	dir = fx_tempdir("foreach");
	snprintf(dbpath, sizeof(dbpath), "%s/winnow.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_rmtree(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_in_order),
		cmocka_unit_test(test_stop_early),
		cmocka_unit_test(test_bind_failure),
		cmocka_unit_test(test_sql_errors),
		cmocka_unit_test(test_write_and_nested),
		cmocka_unit_test(test_exec),
	};

	return cmocka_run_group_tests_name("foreach", tests, setup, teardown);
}
