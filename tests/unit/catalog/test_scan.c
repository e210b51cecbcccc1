/* scan_tree(): what it records, that -j does not change it, re-runs,
 * limits, and the catalog inside the tree. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/strbuf.h"
#include "catalog/db.h"
#include "catalog/images.h"
#include "catalog/scan.h"
#include "hash/hash.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static char root[160];

struct problems {
	int count;
	struct strbuf text;
};

static void note_problem(const char *path, const char *cause, int unreadable, void *data)
{
	struct problems *p = data;

	(void)unreadable;
	p->count++;
	strbuf_addf(&p->text, "%s: %s\n", path, cause);
}

/* Every row as one line, for comparing two catalogs. */
static int dump_row(const struct image_row *r, void *data)
{
	struct strbuf *sb = data;

	strbuf_addf(sb, "%s %s %s %lld %016llx %d %d %s", r->path,
		    r->class_name ? r->class_name : "-", image_status_name(r->status),
		    (long long)r->size, (unsigned long long)r->dhash, r->width, r->height,
		    r->format ? r->format : "-");
	for (int i = 0; i < 16; i++)
		strbuf_addf(sb, "%02x", r->xxh3[i]);
	for (int i = 0; i < THUMB_BYTES; i += 17)
		strbuf_addf(sb, ".%d", r->thumb[i]);
	strbuf_addch(sb, '\n');
	return 0;
}

/* A scan into a new catalog: where, with what options, what it counted. */
struct scan_run {
	char path[200];
	struct catalog *cat;
	struct scan_opts o;
	struct scan_stats st;
};

/* Opens the catalog dir/name; the options are the defaults, noting
 * problems into p. The caller closes r->cat. */
static void scan_begin(struct scan_run *r, const char *dir, const char *name,
		       struct problems *p)
{
	snprintf(r->path, sizeof(r->path), "%s/%s", dir, name);
	assert_int_equal(catalog_open(r->path, CATALOG_CREATE, &r->cat, NULL), 0);
	scan_opts_init(&r->o);
	r->o.on_problem = note_problem;
	r->o.data = p;
}

static void scan_into(const char *name, int threads, struct scan_stats *st,
		      struct strbuf *dump, struct problems *p)
{
	struct image_filter all = { NULL, -1, NULL };
	struct scan_run r;
	struct wn_err err;

	scan_begin(&r, fx_dir, name, p);
	r.o.threads = threads;
	if (scan_tree(r.cat, root, &r.o, st, &err))
		fail_msg("scan: %s", err.msg);
	if (dump)
		assert_int_equal(images_foreach(r.cat, &all, dump_row, dump, NULL), 0);
	catalog_close(r.cat);
}

UNIT_TEST(test_threads_do_not_change_results)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct problems pa = { 0, STRBUF_INIT }, pb = { 0, STRBUF_INIT };
	struct scan_stats st;

	scan_into("one.db", 1, &st, &a, &pa);
	assert_int_equal(st.files, 45);
	assert_int_equal(st.hashed, 45);
	assert_int_equal(st.corrupt, 5);
	assert_int_equal(st.unreadable, 0);
	scan_into("three.db", 3, &st, &b, &pb);
	assert_string_equal(a.buf, b.buf);
	/* Problems arrive in path order whatever the thread count. */
	assert_int_equal(pa.count, 5);
	assert_string_equal(pa.text.buf, pb.text.buf);
	assert_non_null(strstr(pa.text.buf, "odd/zero.jpg: empty file\n"));
	assert_non_null(strstr(a.buf, "data/cats/"));
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&pa.text);
	strbuf_release(&pb.text);
}

UNIT_TEST(test_rerun_reads_only_changes)
{
	struct problems p = { 0, STRBUF_INIT };
	struct scan_stats st;
	char path[256];

	scan_into("rerun.db", 2, &st, NULL, &p);
	assert_int_equal(st.hashed, 45);
	p.count = 0;
	scan_into("rerun.db", 2, &st, NULL, &p);
	assert_int_equal(st.hashed, 0);
	assert_int_equal(st.unchanged, 45);
	assert_int_equal(st.bytes_read, 0);
	assert_int_equal(p.count, 0);  /* known-corrupt files are not re-reported */
	snprintf(path, sizeof(path), "%s/cats/extra.jpg", root);
	{
		struct img im = fx_pattern(70, 50, 3, 99);
		struct fx_buf b = fx_jpeg(&im, 85, 0);

		fx_write(path, b.data, b.len);
		fx_buf_free(&b);
		img_release(&im);
	}
	scan_into("rerun.db", 2, &st, NULL, &p);
	assert_int_equal(st.files, 46);
	assert_int_equal(st.hashed, 1);
	assert_int_equal(st.unchanged, 45);
	remove(path);
	strbuf_release(&p.text);
}

/* Takes the quality signals' columns (schema 14) and the heads' hidden
 * widths (13) out of the catalog at path, to make it look older than
 * schema 13, then runs sql on it. */
static void drop_signals(const char *path, const char *sql)
{
	static const char *const cols[] = { "sharpness", "luma_p5", "luma_p99", "entropy",
					    "chroma", "colourfulness", "skin" };
	char drop[100];

	for (int i = 0; i < 7; i++) {
		snprintf(drop, sizeof(drop), "ALTER TABLE images DROP COLUMN %s", cols[i]);
		unit_sql_exec(path, drop);
	}
	unit_sql_exec(path, "ALTER TABLE heads DROP COLUMN hidden");
	unit_sql_exec(path, sql);
}

/* A catalog of the version before the quality signals: migrated on open,
 * its next scan reads each decodable file once more and records them; the
 * scan after that reads nothing. A row whose signals are gone (a writer
 * changed its content without measuring it) is read again too. */
UNIT_TEST(test_older_catalog_gets_quality_reading_each_file_once)
{
	struct problems p = { 0, STRBUF_INIT };
	struct scan_stats st;
	char path[200];
	int64_t ok, bytes;

	snprintf(path, sizeof(path), "%s/older.db", fx_dir);
	scan_into("older.db", 2, &st, NULL, &p);
	ok = unit_sql_int(path, "SELECT count(*) FROM images WHERE status = 'ok'");
	bytes = unit_sql_int(path, "SELECT sum(size) FROM images WHERE status = 'ok'");
	assert_int_equal(ok, 40);
	assert_int_equal(unit_sql_int(path, "SELECT count(*) FROM images"
				      " WHERE sharpness IS NOT NULL AND skin IS NOT NULL"), 40);
	drop_signals(path, "DROP TABLE crop_pairs; DROP TABLE crop_searches;"
		     " DROP TABLE features; DROP INDEX predictions_probs; PRAGMA user_version = 9");
	scan_into("older.db", 2, &st, NULL, &p);
	assert_int_equal(st.hashed, 40);
	assert_int_equal(st.unchanged, 5);          /* the corrupt ones */
	assert_int_equal((int64_t)st.bytes_read, bytes);  /* each once */
	assert_int_equal(unit_sql_int(path, "SELECT count(*) FROM images"
				      " WHERE sharpness IS NOT NULL"), 40);
	scan_into("older.db", 2, &st, NULL, &p);
	assert_int_equal(st.hashed, 0);
	unit_sql_exec(path, "UPDATE images SET sharpness = NULL, luma_p5 = NULL, luma_p99 = NULL,"
		      " entropy = NULL, chroma = NULL, colourfulness = NULL, skin = NULL"
		      " WHERE id = (SELECT min(id) FROM images WHERE status = 'ok')");
	scan_into("older.db", 2, &st, NULL, &p);
	assert_int_equal(st.hashed, 1);
	strbuf_release(&p.text);
}

/* A schema 12 catalog keeps its signals in a table of their own: the
 * migration moves those of each row's current content into the row, to
 * the bit, and drops the table; the next scan reads only the file whose
 * signals were of older content. */
UNIT_TEST(test_schema_12_signals_move_into_the_rows)
{
	struct problems p = { 0, STRBUF_INIT };
	struct scan_stats st;
	char path[200];

	snprintf(path, sizeof(path), "%s/v12.db", fx_dir);
	scan_into("v12.db", 2, &st, NULL, &p);
	unit_sql_exec(path, "CREATE TABLE kept AS SELECT id, sharpness, luma_p5, luma_p99,"
		      " entropy, chroma, colourfulness, skin FROM images WHERE sharpness IS NOT NULL");
	drop_signals(path,
		"CREATE TABLE quality ("
		"  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,"
		"  xxh3 BLOB NOT NULL, sharpness REAL NOT NULL, luma_p5 REAL NOT NULL,"
		"  luma_p99 REAL NOT NULL, entropy REAL NOT NULL, chroma REAL NOT NULL,"
		"  colourfulness REAL NOT NULL, skin REAL NOT NULL, made_ms INTEGER NOT NULL);"
		"INSERT INTO quality SELECT k.id, i.xxh3, k.sharpness, k.luma_p5, k.luma_p99,"
		"  k.entropy, k.chroma, k.colourfulness, k.skin, 1 FROM kept k"
		"  JOIN images i ON i.id = k.id;"
		/* one row's signals of an older content */
		"UPDATE quality SET xxh3 = zeroblob(16) WHERE image_id = (SELECT min(id) FROM kept);"
		"PRAGMA user_version = 12");
	assert_int_equal(unit_sql_int(path, "SELECT count(*) FROM quality"), 40);
	scan_into("v12.db", 2, &st, NULL, &p);  /* opens: migrates */
	assert_int_equal(unit_sql_int(path, "PRAGMA user_version"), CATALOG_SCHEMA_VERSION);
	assert_int_equal(unit_sql_int(path, "SELECT count(*) FROM sqlite_master"
				      " WHERE name = 'quality'"), 0);
	assert_int_equal(st.hashed, 1);
	assert_int_equal(st.unchanged, 44);
	assert_int_equal(unit_sql_int(path, "SELECT count(*) FROM images i JOIN kept k"
				      " ON k.id = i.id AND k.sharpness = i.sharpness"
				      " AND k.luma_p5 = i.luma_p5 AND k.luma_p99 = i.luma_p99"
				      " AND k.entropy = i.entropy AND k.chroma = i.chroma"
				      " AND k.colourfulness = i.colourfulness AND k.skin = i.skin"),
			 40);
	strbuf_release(&p.text);
}

/* A schema 14 catalog may hold the pixel sharpness of a large JPEG (or
 * the DCT one of a file of several scans): the migration clears the
 * signals of every JPEG decoded at 1/8, and the next scan reads those
 * files once, and only those. */
UNIT_TEST(test_schema_14_jpegs_at_an_eighth_are_measured_again)
{
	struct problems p = { 0, STRBUF_INIT };
	struct scan_stats st;
	char path[200], big[256];
	struct img im = fx_pattern(640, 480, 3, 7);
	struct fx_buf b = fx_jpeg(&im, 85, 0);

	snprintf(big, sizeof(big), "%s/cats/big.jpg", root);
	fx_write(big, b.data, b.len);
	snprintf(path, sizeof(path), "%s/v14.db", fx_dir);
	scan_into("v14.db", 2, &st, NULL, &p);
	unit_sql_exec(path, "CREATE TABLE fresh AS SELECT path, sharpness FROM images");
	assert_int_equal(unit_sql_int(path, "SELECT count(*) FROM images WHERE format = 'jpeg'"
				      " AND width > 248 AND height > 248"), 1);
	unit_sql_exec(path, "UPDATE images SET sharpness = 0.01 WHERE path LIKE '%big.jpg';"
		      "PRAGMA user_version = 14");
	scan_into("v14.db", 2, &st, NULL, &p);  /* opens: migrates */
	assert_int_equal(st.hashed, 1);
	assert_int_equal(st.bytes_read, b.len);
	assert_int_equal(unit_sql_int(path, "SELECT count(*) FROM images i JOIN fresh f"
				      " ON f.path = i.path AND f.sharpness IS i.sharpness"),
			 unit_sql_int(path, "SELECT count(*) FROM images"));
	assert_int_equal(unit_sql_int(path, "SELECT count(*) FROM images"
				      " WHERE status = 'ok' AND skin IS NULL"), 0);
	remove(big);
	fx_buf_free(&b);
	img_release(&im);
	strbuf_release(&p.text);
}

/* A file over the byte limit is corrupt with its reason, yet still has
 * its XXH3 (exact duplicates of huge files are still found). */
UNIT_TEST(test_byte_limit_keeps_hash)
{
	struct image_filter f = { NULL, IMAGE_CORRUPT, NULL };
	struct problems p = { 0, STRBUF_INIT };
	struct strbuf dump = STRBUF_INIT;
	struct scan_run r;

	scan_begin(&r, fx_dir, "limit.db", &p);
	r.o.limits.max_bytes = 1000;
	assert_int_equal(scan_tree(r.cat, root, &r.o, &r.st, NULL), 0);
	assert_true(r.st.corrupt > 5);
	assert_non_null(strstr(p.text.buf, "is over the limit of 1000"));
	assert_int_equal(images_foreach(r.cat, &f, dump_row, &dump, NULL), 0);
	assert_null(strstr(dump.buf, "00000000000000000000000000000000"));
	catalog_close(r.cat);
	strbuf_release(&dump);
	strbuf_release(&p.text);
}

/* With the catalog inside the tree, it and its -wal/-shm are not images. */
UNIT_TEST(test_catalog_inside_tree_is_skipped)
{
	struct problems p = { 0, STRBUF_INIT };
	struct scan_run r;

	scan_begin(&r, root, "inside.db", &p);
	assert_int_equal(scan_tree(r.cat, root, &r.o, &r.st, NULL), 0);
	assert_int_equal(r.st.files, 45);
	assert_null(strstr(p.text.buf, "inside.db"));
	catalog_close(r.cat);
	remove(r.path);
	strbuf_release(&p.text);
}

static int setup(void **state)
{
	static const char *const classes[] = { "cats", "dogs" };
	char odd[200];

	fx_dir_setup(state);
	snprintf(root, sizeof(root), "%s/data", fx_dir);
	fx_write_dataset(root, classes, 2, 16, 1, 5);
	snprintf(odd, sizeof(odd), "%s/odd", root);
	mkdir(odd, 0755);
	fx_write_bad_set(odd);
	return 0;
}

UNIT_GROUP(setup, fx_dir_teardown)

/* The scan's decode (grey and colour at once) gives the fingerprint the
 * fingerprint's own decode gives, partial edge pixels of a reduced JPEG
 * decode included, whatever the EXIF orientation. */
UNIT_TEST(test_scan_decode_fingerprint_is_the_fingerprint)
{
	struct img im;
	struct img_limits limits = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS };

	assert_int_equal(img_alloc(&im, 203, 150, 3, NULL), 0);
	for (int y = 0; y < im.height; y++)
		for (int x = 0; x < im.width; x++) {
			uint8_t *p = im.pixels + (size_t)y * im.stride + (size_t)x * 3;

			p[0] = (uint8_t)((x * 7 + y * 3) % 251);
			p[1] = (uint8_t)(x > 150 ? 240 : (y * 5) % 200);
			p[2] = (uint8_t)((x ^ y) & 0xff);
		}
	for (int o = 1; o <= 8; o++) {
		struct fx_buf j = fx_jpeg(&im, 92, 0), e = fx_add_exif(&j, o, o % 2);
		struct fingerprint a, b;
		struct quality q;
		struct img_info ia, ib;

		assert_int_equal(fingerprint_decode(e.data, e.len, &limits, &a, &ia, NULL), 0);
		assert_int_equal(scan_decode(e.data, e.len, &limits, &b, &q, &ib, NULL), 0);
		if (a.dhash != b.dhash || memcmp(a.thumb, b.thumb, THUMB_BYTES))
			fail_msg("orientation %d: the scan's fingerprint differs", o);
		assert_int_equal(ia.width, ib.width);
		assert_int_equal(ia.height, ib.height);
		fx_buf_free(&j);
		fx_buf_free(&e);
	}
	img_release(&im);
}
