/* The journal: planned, done and dropped events and their effect on image
 * rows; recovery that settles a dead run's plans and leaves a live run's
 * alone; and image rows that a late writer cannot bring back. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "catalog/db.h"
#include "catalog/images.h"
#include "catalog/journal.h"
#include "catalog/runs.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static char dbpath[160];

static struct catalog *open_cat(void)
{
	struct catalog *cat;
	struct wn_err err;

	if (catalog_open(dbpath, CATALOG_CREATE, &cat, &err))
		fail_msg("open: %s", err.msg);
	return cat;
}

/* the first column of sql's first row in the test's catalog (-1: no row) */
static int64_t query_int(const char *sql)
{
	return unit_sql_int(dbpath, sql);
}

static struct catalog *open_fresh(void)
{
	char path[200];

	fx_dir_teardown(NULL);
	fx_dir_setup(NULL);
	snprintf(dbpath, sizeof(dbpath), "%s/winnow.db", fx_dir);
	snprintf(path, sizeof(path), "%s/a", fx_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	return open_cat();
}

static void touch(const char *rel)
{
	char path[200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx_dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("x", f);
	fclose(f);
}

static void gone(const char *rel)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%s", fx_dir, rel);
	assert_int_equal(unlink(path), 0);
}

static int64_t add_row(struct catalog *cat, const char *path)
{
	struct image_row r;
	int64_t id = 0;

	memset(&r, 0, sizeof(r));
	r.path = path;
	assert_int_equal(images_upsert(cat, &r, &id, NULL), 0);
	assert_true(id > 0);
	return id;
}

/* Plans one act of run in its own transaction. */
static int64_t plan(struct catalog *cat, int64_t run, int64_t id, const char *action,
		    const char *path, const char *dest)
{
	struct journal_act a = { id, action, path, dest, NULL, "test" };
	int64_t ev = 0;

	assert_int_equal(catalog_begin(cat, NULL), 0);
	assert_int_equal(journal_plan(cat, run, &a, &ev, NULL), 0);
	assert_int_equal(catalog_commit(cat, NULL), 0);
	return ev;
}

/* The race of `db scan` beside `dedup --delete`: a row marked deleted is
 * not revived by a write of what was read before, unless the file is back. */
UNIT_TEST(test_no_revival)
{
	struct catalog *cat = open_fresh();
	struct image_row r;
	int64_t id = add_row(cat, "a/x.jpg"), again = -1;

	assert_int_equal(images_set_status(cat, id, IMAGE_DELETED, NULL), 0);
	memset(&r, 0, sizeof(r));
	r.path = "a/x.jpg";
	r.status = IMAGE_OK;
	assert_int_equal(images_upsert(cat, &r, &again, NULL), 0);
	assert_int_equal(again, 0);
	assert_int_equal(query_int("SELECT status = 'deleted' FROM images"), 1);
	touch("a/x.jpg");  /* a file is there again: the row follows it */
	assert_int_equal(images_upsert(cat, &r, &again, NULL), 0);
	assert_int_equal(again, id);
	assert_int_equal(query_int("SELECT status = 'ok' FROM images"), 1);
	catalog_close(cat);
}

UNIT_TEST(test_done_and_drop)
{
	struct catalog *cat = open_fresh();
	int64_t run, x = add_row(cat, "a/x.jpg"), y = add_row(cat, "a/y.jpg");
	int64_t e1, e2, e3;
	struct wn_err err;

	assert_int_equal(run_begin(cat, "test", 0, NULL, &run, NULL), 0);
	assert_int_equal(journal_start(cat, run, NULL), 0);
	e1 = plan(cat, run, x, "delete", "a/x.jpg", NULL);
	e2 = plan(cat, run, y, "move", "a/y.jpg", "../dups/a/y.jpg");
	e3 = plan(cat, run, 0, "delete", "a/y.jpg", NULL);  /* no id: found by path */
	assert_int_equal(catalog_begin(cat, NULL), 0);
	assert_int_equal(journal_done(cat, e1, NULL), 0);
	assert_int_equal(journal_drop(cat, e2, NULL), 0);
	assert_int_equal(journal_done(cat, e2, &err), -1);  /* no longer planned */
	assert_int_equal(err.code, WN_EDB);
	assert_int_equal(catalog_commit(cat, NULL), 0);
	assert_int_equal(query_int("SELECT status = 'deleted' FROM images WHERE path = 'a/x.jpg'"), 1);
	assert_int_equal(query_int("SELECT status = 'ok' FROM images WHERE path = 'a/y.jpg'"), 1);
	assert_int_equal(catalog_begin(cat, NULL), 0);
	assert_int_equal(journal_done(cat, e3, NULL), 0);
	assert_int_equal(catalog_commit(cat, NULL), 0);
	assert_int_equal(query_int("SELECT status = 'deleted' FROM images WHERE path = 'a/y.jpg'"), 1);
	assert_int_equal(query_int("SELECT count(*) FROM events WHERE state = 'dropped'"), 1);
	catalog_close(cat);
}

/* A run alive in another handle (another process, as far as its OFD lock
 * goes) keeps its plans; once it is gone the next open settles them. */
UNIT_TEST(test_recovery_spares_live_runs)
{
	struct catalog *a = open_fresh(), *b;
	int64_t run, x = add_row(a, "a/x.jpg"), y = add_row(a, "a/y.jpg");

	touch("a/x.jpg");
	touch("a/y.jpg");
	assert_int_equal(run_begin(a, "test", 0, NULL, &run, NULL), 0);
	assert_int_equal(journal_start(a, run, NULL), 0);
	plan(a, run, x, "delete", "a/x.jpg", NULL);
	plan(a, run, y, "delete", "a/y.jpg", NULL);
	gone("a/x.jpg");  /* the act on x happened, the one on y did not */
	b = open_cat();
	assert_int_equal(catalog_recovered(b)->live, 2);
	assert_int_equal(catalog_recovered(b)->done, 0);
	catalog_close(b);
	assert_int_equal(query_int("SELECT count(*) FROM events WHERE state = 'planned'"), 2);
	catalog_close(a);  /* the run dies with its handle */
	b = open_cat();
	assert_int_equal(catalog_recovered(b)->live, 0);
	assert_int_equal(catalog_recovered(b)->done, 1);
	assert_int_equal(catalog_recovered(b)->dropped, 1);
	catalog_close(b);
	assert_int_equal(query_int("SELECT count(*) FROM events WHERE state = 'planned'"), 0);
	assert_int_equal(query_int("SELECT status = 'deleted' FROM images WHERE path = 'a/x.jpg'"), 1);
	assert_int_equal(query_int("SELECT status = 'ok' FROM images WHERE path = 'a/y.jpg'"), 1);
}

/* A killed move: done only when the file left and arrived. */
UNIT_TEST(test_recovery_of_moves)
{
	struct catalog *a = open_fresh(), *b;
	int64_t run, x = add_row(a, "a/x.jpg"), y = add_row(a, "a/y.jpg");
	char path[200];

	snprintf(path, sizeof(path), "%s/q", fx_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	touch("q/x.jpg");  /* x moved */
	touch("a/y.jpg");  /* y not: a copy across file systems was cut short */
	touch("q/.y.jpg.winnow-tmp.AbC123");
	touch("q/.y.jpg.winnow-tmp.short");  /* not a name fileio makes: kept */
	assert_int_equal(run_begin(a, "test", 0, NULL, &run, NULL), 0);
	assert_int_equal(journal_start(a, run, NULL), 0);
	plan(a, run, x, "quarantine", "a/x.jpg", "q/x.jpg");
	plan(a, run, y, "quarantine", "a/y.jpg", "q/y.jpg");
	catalog_close(a);
	b = open_cat();
	assert_int_equal(catalog_recovered(b)->done, 1);
	assert_int_equal(catalog_recovered(b)->dropped, 1);
	assert_int_equal(catalog_recovered(b)->leftovers, 1);
	catalog_close(b);
	snprintf(path, sizeof(path), "%s/q/.y.jpg.winnow-tmp.AbC123", fx_dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/q/.y.jpg.winnow-tmp.short", fx_dir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(query_int("SELECT status = 'quarantined' FROM images WHERE path = 'a/x.jpg'"), 1);
	assert_int_equal(query_int("SELECT status = 'ok' FROM images WHERE path = 'a/y.jpg'"), 1);
}

/* A relabel lands where a writer beside the run catalogued the arrived
 * file, and that row has an event and the URL it came from: both follow
 * the image, and the row gives way (a dangling foreign key would fail this
 * and every later recovery). */
UNIT_TEST(test_dest_row_with_references)
{
	struct catalog *a = open_fresh(), *b;
	int64_t run, x = add_row(a, "a/x.jpg"), y = add_row(a, "b/x.jpg"), ev;
	struct wn_err err;
	char path[200], sql[200];

	snprintf(path, sizeof(path), "%s/b", fx_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	touch("b/x.jpg");  /* the file arrived; a/x.jpg is gone */
	assert_int_equal(run_begin(a, "test", 0, NULL, &run, NULL), 0);
	assert_int_equal(event_add(a, run, y, "quarantine", "b/x.jpg", "q/x.jpg", "test", NULL), 0);
	catalog_close(a);
	snprintf(sql, sizeof(sql), "INSERT INTO urls (url, status, image_id) VALUES "
		 "('http://example.org/x.jpg', 'done', %lld)", (long long)y);
	unit_sql_exec(dbpath, sql);
	a = open_cat();
	assert_int_equal(run_begin(a, "test", 0, NULL, &run, NULL), 0);
	assert_int_equal(journal_start(a, run, NULL), 0);
	{
		struct journal_act act = { x, "relabel", "a/x.jpg", "b/x.jpg", "b", "test" };

		assert_int_equal(catalog_begin(a, NULL), 0);
		assert_int_equal(journal_plan(a, run, &act, &ev, NULL), 0);
		assert_int_equal(catalog_commit(a, NULL), 0);
	}
	assert_int_equal(catalog_begin(a, NULL), 0);
	if (journal_done(a, ev, &err))
		fail_msg("journal_done: %s", err.msg);
	assert_int_equal(catalog_commit(a, NULL), 0);
	catalog_close(a);
	b = open_cat();
	catalog_close(b);
	snprintf(sql, sizeof(sql), "SELECT id = %lld FROM images WHERE path = 'b/x.jpg'",
		 (long long)x);
	assert_int_equal(query_int(sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE image_id = %lld", (long long)x);
	assert_int_equal(query_int(sql), 2);
	snprintf(sql, sizeof(sql), "SELECT image_id = %lld FROM urls", (long long)x);
	assert_int_equal(query_int(sql), 1);
	assert_int_equal(query_int("PRAGMA foreign_key_check"), -1);  /* no row: all hold */
}

/* Schema 8 rebuilds events: a catalog at 7 keeps its events, all done. */
UNIT_TEST(test_migration_keeps_events)
{
	struct catalog *cat = open_fresh();
	int64_t run;
	sqlite3 *db;

	assert_int_equal(run_begin(cat, "test", 0, NULL, &run, NULL), 0);
	assert_int_equal(event_add(cat, run, 0, "delete", "a/x.jpg", NULL, "old", NULL), 0);
	catalog_close(cat);
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"CREATE TABLE e7 (id INTEGER PRIMARY KEY, run_id INTEGER, image_id INTEGER,"
		"  action TEXT NOT NULL, path TEXT NOT NULL, dest TEXT, cause TEXT NOT NULL,"
		"  at_ms INTEGER NOT NULL);"
		"INSERT INTO e7 SELECT id, run_id, image_id, action, path, dest, cause, at_ms"
		"  FROM events;"
		"DROP TABLE events; ALTER TABLE e7 RENAME TO events;"
		"ALTER TABLE images DROP COLUMN sharpness;"  /* 14 */
		"ALTER TABLE images DROP COLUMN luma_p5; ALTER TABLE images DROP COLUMN luma_p99;"
		"ALTER TABLE images DROP COLUMN entropy; ALTER TABLE images DROP COLUMN chroma;"
		"ALTER TABLE images DROP COLUMN colourfulness; ALTER TABLE images DROP COLUMN skin;"
		"ALTER TABLE heads DROP COLUMN hidden;"  /* 13 */
		"DROP TABLE crop_pairs; DROP TABLE crop_searches; DROP TABLE features;"
		"DROP INDEX predictions_probs;"  /* 12 */
		"PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cat = open_cat();
	assert_int_equal(catalog_version(cat), CATALOG_SCHEMA_VERSION);
	catalog_close(cat);
	assert_int_equal(query_int("SELECT count(*) FROM events WHERE state = 'done'"
				   " AND cause = 'old' AND run_id = 1"), 1);
	assert_int_equal(query_int("SELECT count(*) FROM events"), 1);
}

UNIT_GROUP(fx_dir_setup, fx_dir_teardown)
