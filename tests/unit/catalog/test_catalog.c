/* The catalog: creation, migrations, refusals, relative paths, image rows,
 * filters, stats, runs and events; the loop its queries share. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "catalog/db.h"
#include "catalog/internal.h"
#include "catalog/images.h"
#include "catalog/merge.h"
#include "catalog/runs.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static char dbpath[128];

/* the first column of sql's first row in the test's catalog (-1: no row) */
static int64_t query_int(const char *sql)
{
	return unit_sql_int(dbpath, sql);
}

static struct catalog *open_fresh(void)
{
	struct catalog *cat;
	struct wn_err err;
	char wal[160];

	unlink(dbpath);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	unlink(wal);
	if (catalog_open(dbpath, CATALOG_CREATE, &cat, &err))
		fail_msg("open: %s", err.msg);
	return cat;
}

/* Back to version 1: every table and index the later migrations added
 * is dropped, whatever they are. */
static void back_to_version_1(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char sql[64][160];
	int n = 0;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT type, name FROM sqlite_master WHERE"
		" name NOT LIKE 'sqlite_%' AND (type = 'table' AND name NOT IN ('images', 'runs',"
		" 'events') OR type = 'index' AND name NOT IN ('images_by_class', 'events_by_image'))"
		" ORDER BY type = 'table'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && n < 64)
		snprintf(sql[n++], sizeof(sql[0]), "DROP %s %s", sqlite3_column_text(st, 0),
			 sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	/* and the columns of images added later, after its last of version 1 */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('images')"
		" WHERE cid > (SELECT cid FROM pragma_table_info('images')"
		" WHERE name = 'updated_ms')", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && n < 64)
		snprintf(sql[n++], sizeof(sql[0]), "ALTER TABLE images DROP COLUMN %s",
			 sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++)
		assert_int_equal(sqlite3_exec(db, sql[i], NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

UNIT_TEST(test_create_and_refusals)
{
	struct catalog *cat = open_fresh();
	struct wn_err err;
	char other[160];

	assert_int_equal(catalog_version(cat), CATALOG_SCHEMA_VERSION);
	catalog_close(cat);
	/* Reopening migrates nothing and keeps the version. */
	assert_int_equal(catalog_open(dbpath, CATALOG_READONLY, &cat, NULL), 0);
	assert_int_equal(catalog_version(cat), CATALOG_SCHEMA_VERSION);
	catalog_close(cat);
	/* Missing, newer, foreign and non-SQLite files are refused. */
	snprintf(other, sizeof(other), "%s/missing.db", fx_dir);
	assert_int_equal(catalog_open(other, CATALOG_EXISTING, &cat, &err), -1);
	assert_int_equal(err.code, WN_EIO);
	assert_null(cat);
	unit_sql_exec(dbpath, "PRAGMA user_version = 999");
	assert_int_equal(catalog_open(dbpath, CATALOG_EXISTING, &cat, &err), -1);
	assert_non_null(strstr(err.msg, "newer than this winnow"));
	snprintf(other, sizeof(other), "%s/foreign.db", fx_dir);
	unit_sql_exec(other, "CREATE TABLE t(x)");
	assert_int_equal(catalog_open(other, CATALOG_CREATE, &cat, &err), -1);
	assert_non_null(strstr(err.msg, "not a winnow catalog"));
	/* Refused before anything is written: still in rollback-journal mode. */
	{
		sqlite3 *db;
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), 0);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0), "delete");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	/* Someone else's file that happens to set user_version is refused too. */
	unit_sql_exec(other, "PRAGMA user_version = 1");
	assert_int_equal(catalog_open(other, CATALOG_EXISTING, &cat, &err), -1);
	assert_non_null(strstr(err.msg, "not a winnow catalog"));
	snprintf(other, sizeof(other), "%s/text.db", fx_dir);
	fx_write(other, "hello, this is not SQLite at all.......", 39);
	assert_int_equal(catalog_open(other, CATALOG_CREATE, &cat, &err), -1);
	assert_int_equal(err.code, WN_EDB);
}

/* A catalog made by an older schema (here: version 0 with no tables) is
 * migrated in place by a writer and refused by a reader. */
UNIT_TEST(test_readonly_needs_migration)
{
	struct catalog *cat;
	struct wn_err err;

	unlink(dbpath);
	unit_sql_exec(dbpath, "PRAGMA user_version = 0");
	assert_int_equal(catalog_open(dbpath, CATALOG_READONLY, &cat, &err), -1);
	assert_non_null(strstr(err.msg, "needs upgrading"));
	assert_int_equal(catalog_open(dbpath, CATALOG_EXISTING, &cat, &err), 0);
	assert_int_equal(catalog_version(cat), CATALOG_SCHEMA_VERSION);
	catalog_close(cat);
	assert_int_equal(query_int("PRAGMA user_version"), CATALOG_SCHEMA_VERSION);
}

/* A version-1 catalog (before `derived` and the later tables) is brought
 * to the newest schema with its rows kept. */
UNIT_TEST(test_migration_from_1)
{
	struct catalog *cat = open_fresh();
	struct image_row r;
	struct derivation d = { "raw/a.jpg", 10, 20, "resize x320", NULL };
	int64_t id = 0;

	memset(&r, 0, sizeof(r));
	r.path = "train/a.jpg";
	assert_int_equal(images_upsert(cat, &r, &id, NULL), 0);
	assert_true(id > 0);
	catalog_close(cat);
	back_to_version_1(dbpath);
	assert_int_equal(catalog_open(dbpath, CATALOG_EXISTING, &cat, NULL), 0);
	assert_int_equal(catalog_version(cat), CATALOG_SCHEMA_VERSION);
	assert_int_equal(derived_set(cat, id, &d, NULL), 0);
	assert_int_equal(derived_is_current(cat, "train/a.jpg", 0, 0, &d, NULL), 1);
	d.recipe = "resize x640";
	assert_int_equal(derived_is_current(cat, "train/a.jpg", 0, 0, &d, NULL), 0);
	assert_int_equal(derived_is_current(cat, "train/a.jpg", 1, 0, &d, NULL), 0);
	catalog_close(cat);
	assert_int_equal(query_int("SELECT count(*) FROM images"), 1);
}

UNIT_TEST(test_relative_paths)
{
	struct catalog *cat = open_fresh();
	struct strbuf sb = STRBUF_INIT;
	char sub[160], cwd[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(sub, sizeof(sub), "%s/train", fx_dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/train/cats", fx_dir);
	mkdir(sub, 0755);
	assert_int_equal(catalog_rel_dir(cat, fx_dir, &sb, NULL), 0);
	assert_string_equal(sb.buf, "");
	strbuf_reset(&sb);
	assert_int_equal(catalog_rel_dir(cat, sub, &sb, NULL), 0);
	assert_string_equal(sb.buf, "train/cats");
	strbuf_reset(&sb);
	assert_int_equal(catalog_rel_dir(cat, "/", &sb, NULL), 0);
	assert_true(!strncmp(sb.buf, "..", 2));
	assert_null(strstr(sb.buf, "//"));
	strbuf_reset(&sb);
	/* From inside the folder, a relative name works too. */
	assert_int_equal(chdir(sub), 0);
	assert_int_equal(catalog_rel_dir(cat, "..", &sb, NULL), 0);
	assert_string_equal(sb.buf, "train");
	assert_int_equal(chdir(cwd), 0);
	strbuf_reset(&sb);
	assert_int_equal(catalog_rel_dir(cat, "/nonexistent/x", &sb, NULL), -1);
	/* A root above the catalog's folder leads back into it without "..". */
	strbuf_reset(&sb);
	{
		char *real = realpath(fx_dir, NULL), *parent = strdup(real);

		*strrchr(parent, '/') = '\0';
		assert_int_equal(catalog_rel_path(cat, parent, strrchr(real, '/') + 1, &sb), 0);
		assert_string_equal(sb.buf, "");
		strbuf_reset(&sb);
		assert_int_equal(catalog_rel_path(cat, real, "train/cats/x.jpg", &sb), 0);
		assert_string_equal(sb.buf, "train/cats/x.jpg");
		strbuf_reset(&sb);
		assert_int_equal(catalog_abs_path(cat, "../elsewhere/y.jpg", &sb), 0);
		assert_true(!strncmp(sb.buf, parent, strlen(parent)));
		assert_string_equal(sb.buf + strlen(parent), "/elsewhere/y.jpg");
		free(real);
		free(parent);
	}
	strbuf_release(&sb);
	catalog_close(cat);
}

/* fx_dir/rel, made as a file (kind 'f'), folder ('d') or symlink to
 * target ('l'). */
static void make_at(const char *rel, char kind, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", fx_dir, rel);
	if (kind == 'f')
		fx_write(path, "x", 1);
	else if (kind == 'd')
		assert_int_equal(mkdir(path, 0755), 0);
	else
		assert_int_equal(symlink(target, path), 0);
}

/* A folder's listing answers as catalog_on_disk() does, path by path:
 * files, symlinks (to a file: no; through a symlinked folder: yes),
 * folders, missing names and folders, a file taken for a folder, the
 * catalog's own folder; folders asked in any order. Then it keeps what it
 * saw: a file removed since is there for it, not for a new listing. */
UNIT_TEST(test_listing_answers_as_on_disk)
{
	static const char *const make[][3] = {
		{ "ls", "d", NULL }, { "ls/a", "d", NULL }, { "ls/a/x.jpg", "f", NULL },
		{ "ls/a/y.jpg", "l", "x.jpg" }, { "ls/a/sub", "d", NULL }, { "ls/b", "l", "a" },
		{ "ls/top.jpg", "f", NULL }, { "ls/c3", "d", NULL }, { "ls/c3/f", "f", NULL },
		{ "ls/c1", "d", NULL }, { "ls/c1/f", "f", NULL }, { "ls/c2", "d", NULL },
		{ "ls/c2/f", "f", NULL },
	};
	static const struct { const char *path; int there; } ask[] = {
		{ "ls/c2/f", 1 }, { "ls/a/x.jpg", 1 }, { "ls/a/y.jpg", 0 }, { "ls/a/sub", 0 },
		{ "ls/a/none.jpg", 0 }, { "ls/none/x.jpg", 0 }, { "ls/b/x.jpg", 1 },
		{ "ls/top.jpg", 1 }, { "winnow.db", 1 }, { "ls/a/x.jpg/z", 0 }, { "ls/c3/f", 1 },
		{ "ls/c1/f", 1 }, { "ls/c1/g", 0 }, { "ls/a/..", 0 }, { "ls/c2/f", 1 },
	};
	struct catalog *cat = open_fresh();
	struct catalog_listing *l = catalog_listing_new(cat), *again;
	char gone[512];

	for (size_t i = 0; i < sizeof(make) / sizeof(make[0]); i++)
		make_at(make[i][0], make[i][1][0], make[i][2]);
	assert_non_null(l);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(ask) / sizeof(ask[0]); i++) {
			if (catalog_listing_has(l, ask[i].path) != ask[i].there ||
			    catalog_on_disk(cat, ask[i].path) != ask[i].there)
				fail_msg("%s: listing %d, lstat %d, expected %d", ask[i].path,
					 catalog_listing_has(l, ask[i].path),
					 catalog_on_disk(cat, ask[i].path), ask[i].there);
		}
	snprintf(gone, sizeof(gone), "%s/ls/c1/f", fx_dir);
	assert_int_equal(unlink(gone), 0);
	assert_int_equal(catalog_listing_has(l, "ls/c1/f"), 1);
	again = catalog_listing_new(cat);
	assert_int_equal(catalog_listing_has(again, "ls/c1/f"), 0);
	assert_int_equal(catalog_listing_has(again, "ls/c2/f"), 1);
	catalog_listing_free(again);
	catalog_listing_free(l);
	catalog_listing_free(NULL);
	catalog_close(cat);
}

static int count_rows(const struct image_row *r, void *data)
{
	(void)r;
	(*(int *)data)++;
	return 0;
}

static int check_row(const struct image_row *r, void *data)
{
	(void)data;
	assert_string_equal(r->path, "train/cats/a.jpg");
	assert_string_equal(r->class_name, "cats");
	assert_int_equal(r->size, 1234);
	assert_int_equal(r->dhash, 0xfedcba9876543210ull);
	assert_int_equal(r->thumb[255], 7);
	assert_int_equal(r->xxh3[15], 0xab);
	assert_int_equal(r->width, 640);
	assert_string_equal(r->format, "jpeg");
	assert_string_equal(r->source_url, "https://example.org/a.jpg");
	return 42;
}

static int sum_stats(const char *class_name, enum image_status status, int64_t count,
		     int64_t bytes, void *data)
{
	int64_t *totals = data;

	(void)class_name;
	totals[status] += count;
	totals[4] += bytes;
	return 0;
}

UNIT_TEST(test_rows_filters_stats)
{
	struct catalog *cat = open_fresh();
	struct image_row r;
	struct image_stamp s;
	struct image_filter f = { NULL, -1, NULL };
	struct quality q = { 1, 2, 3, 4, 5, 6, 0.5 };
	int64_t totals[5] = { 0 };
	int n = 0;

	memset(&r, 0, sizeof(r));
	r.path = "train/cats/a.jpg";
	r.class_name = "cats";
	r.size = 1234;
	r.mtime_ns = 99;
	r.has_xxh3 = 1;
	r.xxh3[15] = 0xab;
	r.has_fingerprint = 1;
	r.dhash = 0xfedcba9876543210ull;  /* the top bit set: stored signed */
	r.thumb[255] = 7;
	r.width = 640;
	r.height = 480;
	r.format = "jpeg";
	r.source_url = "https://example.org/a.jpg";
	r.quality = &q;
	assert_int_equal(catalog_begin(cat, NULL), 0);
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	/* The update keeps the source URL when the new row has none. */
	r.source_url = NULL;
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	r.quality = NULL;
	r.path = "train/dogs/b.png";
	r.class_name = "dogs";
	r.status = IMAGE_CORRUPT;
	r.error = "corrupt PNG";
	r.has_fingerprint = 0;
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	r.path = "train0/x.jpg";  /* shares the prefix bytes "train" only */
	r.class_name = NULL;
	r.status = IMAGE_OK;
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	assert_int_equal(catalog_commit(cat, NULL), 0);

	assert_int_equal(images_stamp(cat, "train/cats/a.jpg", &s, NULL), 1);
	assert_int_equal(s.size, 1234);
	assert_int_equal(s.mtime_ns, 99);
	assert_true(s.hashed);
	assert_int_equal(images_stamp(cat, "train/dogs/b.png", &s, NULL), 1);
	assert_true(s.hashed);  /* corrupt with a hash: nothing to redo */
	assert_int_equal(s.status, IMAGE_CORRUPT);
	/* ok without quality signals: the next scan reads it again */
	assert_int_equal(images_stamp(cat, "train0/x.jpg", &s, NULL), 1);
	assert_false(s.hashed);
	assert_int_equal(images_stamp(cat, "nope", &s, NULL), 0);

	assert_int_equal(images_foreach(cat, &f, count_rows, &n, NULL), 0);
	assert_int_equal(n, 3);
	n = 0;
	f.path_prefix = "train/";
	assert_int_equal(images_foreach(cat, &f, count_rows, &n, NULL), 0);
	assert_int_equal(n, 2);
	f.class_name = "cats";
	assert_int_equal(images_foreach(cat, &f, check_row, NULL, NULL), 42);
	f.class_name = NULL;
	f.status = IMAGE_CORRUPT;
	n = 0;
	assert_int_equal(images_foreach(cat, &f, count_rows, &n, NULL), 0);
	assert_int_equal(n, 1);

	assert_int_equal(images_stats(cat, sum_stats, totals, NULL), 0);
	assert_int_equal(totals[IMAGE_OK], 2);
	assert_int_equal(totals[IMAGE_CORRUPT], 1);
	assert_int_equal(totals[4], 3 * 1234);
	catalog_close(cat);
	assert_int_equal(query_int("SELECT count(*) FROM images WHERE source_url IS NOT NULL"), 1);
}

/* What images_quality_foreach() hands over: the one image's signals. */
static int take_signals(const struct image_quality *iq, void *data)
{
	*(struct quality *)data = iq->q;
	return 0;
}

/* How many images have signals now (*q: the last one's), and how many
 * ok images have none. */
static int signals_now(struct catalog *cat, struct quality *q, int64_t *missing)
{
	int64_t n = query_int("SELECT count(*) FROM images WHERE sharpness IS NOT NULL");

	memset(q, 0, sizeof(*q));
	assert_int_equal(images_quality_foreach(cat, NULL, take_signals, q, missing, NULL), 0);
	return (int)n;
}

/* A row's signals are always those of its content: a write of the same
 * content without signals (dedup's, the scraper's) keeps them, one of
 * another content without signals clears them, and the next scan reads
 * that file again; signals written replace them, to the bit. */
UNIT_TEST(test_signals_follow_the_content)
{
	struct catalog *cat = open_fresh();
	struct quality q1 = { 0.1, 2, 250, 7.123456789012345, 99, 31.25, 1.0 / 3 }, q2 = q1, got;
	struct image_stamp s;
	struct image_row r;
	int64_t missing;

	q2.skin = 0;
	memset(&r, 0, sizeof(r));
	r.path = "c/a.jpg";
	r.has_xxh3 = r.has_fingerprint = 1;
	r.xxh3[0] = 1;
	r.width = r.height = 64;
	r.quality = &q1;
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	assert_int_equal(signals_now(cat, &got, &missing), 1);
	assert_memory_equal(&got, &q1, sizeof(q1));
	assert_int_equal(missing, 0);

	r.quality = NULL;  /* the same content, written without signals */
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	assert_int_equal(signals_now(cat, &got, &missing), 1);
	assert_memory_equal(&got, &q1, sizeof(q1));
	assert_int_equal(images_stamp(cat, "c/a.jpg", &s, NULL), 1);
	assert_true(s.hashed);

	r.xxh3[0] = 2;     /* another content, without signals */
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	assert_int_equal(signals_now(cat, &got, &missing), 0);
	assert_int_equal(missing, 1);
	assert_int_equal(images_stamp(cat, "c/a.jpg", &s, NULL), 1);
	assert_false(s.hashed);

	r.quality = &q2;
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	assert_int_equal(signals_now(cat, &got, &missing), 1);
	assert_memory_equal(&got, &q2, sizeof(q2));
	assert_int_equal(missing, 0);
	catalog_close(cat);
}

/* Row path of content c (xxh3[0]) with signals q (NULL: none) into cat. */
static void put_row(struct catalog *cat, const char *path, int c, const struct quality *q)
{
	struct image_row r;

	memset(&r, 0, sizeof(r));
	r.path = path;
	r.has_xxh3 = r.has_fingerprint = 1;
	r.xxh3[0] = (uint8_t)c;
	r.width = r.height = 64;
	r.quality = q;
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
}

/* db merge: the newer row wins with its signals, or with this catalog's
 * when it has none and the content is the same; a row kept here without
 * signals takes the shard's of the same content. */
UNIT_TEST(test_merge_keeps_signals_with_their_content)
{
	struct quality q1 = { 0.25, 1, 2, 3, 4, 5, 0.5 }, q2 = q1;
	struct catalog *cat = open_fresh(), *src;
	char shard[160];

	q2.sharpness = 0.75;
	snprintf(shard, sizeof(shard), "%s/shard.db", fx_dir);
	unlink(shard);
	assert_int_equal(catalog_open(shard, CATALOG_CREATE, &src, NULL), 0);
	put_row(cat, "a", 1, NULL);  /* newer here */
	put_row(src, "a", 1, &q1);
	put_row(cat, "b", 2, &q1);   /* newer in the shard from here on */
	put_row(src, "b", 2, NULL);
	put_row(cat, "c", 3, &q1);
	put_row(src, "c", 4, NULL);
	put_row(cat, "d", 5, &q1);
	put_row(src, "d", 5, &q2);
	catalog_close(src);
	catalog_close(cat);
	unit_sql_exec(dbpath, "UPDATE images SET updated_ms = iif(path = 'a', 2000, 1000)");
	unit_sql_exec(shard, "UPDATE images SET updated_ms = iif(path = 'a', 1000, 3000)");
	assert_int_equal(catalog_open(dbpath, CATALOG_EXISTING, &cat, NULL), 0);
	assert_int_equal(catalog_merge(cat, shard, NULL), 0);
	catalog_close(cat);
	assert_int_equal(query_int("SELECT 4 * sharpness FROM images WHERE path = 'a'"), 1);
	assert_int_equal(query_int("SELECT 4 * sharpness FROM images WHERE path = 'b'"), 1);
	assert_int_equal(query_int("SELECT sharpness IS NULL AND skin IS NULL FROM images"
				   " WHERE path = 'c'"), 1);
	assert_int_equal(query_int("SELECT 4 * sharpness FROM images WHERE path = 'd'"), 3);
	assert_int_equal(query_int("SELECT count(*) FROM images WHERE sharpness IS NOT NULL"
				   " AND 2 * skin = 1 AND luma_p5 = 1 AND colourfulness = 5"), 3);
}

UNIT_TEST(test_runs_and_events)
{
	struct catalog *cat = open_fresh();
	char *argv[] = { "dedup", "--path", "tr\xff\"ain", NULL };
	int64_t run;
	struct wn_err err;

	assert_int_equal(run_begin(cat, "dedup", 3, argv, &run, NULL), 0);
	assert_int_equal(event_add(cat, run, 0, "delete", "train/a.jpg", NULL,
				   "exact duplicate of train/b.jpg", NULL), 0);
	assert_int_equal(event_add(cat, run, 0, "move", "train/c.jpg", "trash/c.jpg",
				   "near duplicate", NULL), 0);
	assert_int_equal(event_add(cat, run, 0, "explode", "x", NULL, "no", &err), -1);
	assert_int_equal(err.code, WN_EDB);
	assert_int_equal(run_finish(cat, run, 1, "{\"deleted\":1}", NULL), 0);
	catalog_close(cat);
	assert_int_equal(query_int("SELECT count(*) FROM events WHERE run_id = 1"), 2);
	assert_int_equal(query_int("SELECT exit_code FROM runs"), 1);
	assert_int_equal(query_int("SELECT json_valid(argv) FROM runs"), 1);
	assert_int_equal(query_int("SELECT json_array_length(argv) FROM runs"), 3);
	assert_int_equal(query_int("SELECT finished_ms >= started_ms FROM runs"), 1);
}

/* A transaction rolled back leaves no half-written rows. */
UNIT_TEST(test_rollback)
{
	struct catalog *cat = open_fresh();
	struct image_row r;

	memset(&r, 0, sizeof(r));
	r.path = "a.jpg";
	assert_int_equal(catalog_begin(cat, NULL), 0);
	assert_int_equal(images_upsert(cat, &r, NULL, NULL), 0);
	catalog_rollback(cat);
	assert_int_equal(catalog_begin(cat, NULL), 0);
	catalog_close(cat);  /* closing mid-transaction rolls back too */
	assert_int_equal(query_int("SELECT count(*) FROM images"), 0);
}

/* catalog_foreach() and the catalog's other statement runners (internal.h).
 * open_three() : a fresh catalog with the images c.jpg, a.jpg, b.jpg, added
 * in that order. */
static struct catalog *open_three(void)
{
	static const char *const paths[] = { "c.jpg", "a.jpg", "b.jpg" };
	struct catalog *cat = open_fresh();

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
UNIT_TEST(test_rows_in_order)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT };
	struct wn_err err;

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
UNIT_TEST(test_stop_early)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT, .stop_at = 2, .stop_with = 7 };
	struct wn_err err = { .code = WN_OK, .msg = "" };

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
UNIT_TEST(test_bind_failure)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT, .from = "a.jpg", .bind_index = 5 };
	struct wn_err err;
	char want[512];

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
UNIT_TEST(test_sql_errors)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT };
	struct wn_err err;
	char want[512];

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
UNIT_TEST(test_write_and_nested)
{
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT, .from = "cats" };
	struct wn_err err;

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
UNIT_TEST(test_exec)
{
	static const int64_t ids[] = { 1, 0, 3, 2 };
	struct catalog *cat = open_three();
	struct visit v = { .seen = STRBUF_INIT };
	struct wn_err err;
	sqlite3_stmt *st;
	char want[512];

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
	fx_dir_setup(state);
	snprintf(dbpath, sizeof(dbpath), "%s/winnow.db", fx_dir);
	return 0;
}

UNIT_GROUP(setup, fx_dir_teardown)
