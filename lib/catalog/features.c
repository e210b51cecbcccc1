/* The features table (features.h). */
#include <stdlib.h>
#include <string.h>

#include "catalog/internal.h"
#include "catalog/features.h"

static void bind_blob(sqlite3_stmt *st, int i, const void *p, size_t len)
{
	if (p)
		sqlite3_bind_blob64(st, i, p, len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int features_set(struct catalog *cat, const struct feature_row *row, struct wn_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO features (image_id, xxh3, width, height, usable, points,"
		"  descriptors, mirror_points, mirror_descriptors, thumb, made_ms)"
		"  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_FEATURES_SET, sql, err);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, row->image_id);
	sqlite3_bind_blob(st, 2, row->xxh3, 16, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, row->width);
	sqlite3_bind_int(st, 4, row->height);
	sqlite3_bind_int(st, 5, row->usable);
	bind_blob(st, 6, row->points, row->points_len);
	bind_blob(st, 7, row->desc, row->desc_len);
	bind_blob(st, 8, row->mirror_points, row->mirror_points_len);
	bind_blob(st, 9, row->mirror_desc, row->mirror_desc_len);
	bind_blob(st, 10, row->thumb, row->thumb_len);
	sqlite3_bind_int64(st, 11, catalog_now_ms());
	return catalog_write(cat, st, "cannot record features", err);
}

struct feature_query {
	feature_fn fn;
	void *data;
};

static int feature_found(sqlite3_stmt *st, void *data)
{
	struct feature_query *q = data;
	struct feature_row r;

	memset(&r, 0, sizeof(r));
	r.image_id = sqlite3_column_int64(st, 0);
	/* a row whose hash is not 16 bytes (a hand-edited or corrupt catalog)
	 * is no one's: skipped, as a row of another content is */
	if (sqlite3_column_bytes(st, 1) != 16)
		return 0;
	r.xxh3 = sqlite3_column_blob(st, 1);
	r.width = sqlite3_column_int(st, 2);
	r.height = sqlite3_column_int(st, 3);
	r.usable = sqlite3_column_int(st, 4);
	r.points = sqlite3_column_blob(st, 5);
	r.points_len = (size_t)sqlite3_column_bytes(st, 5);
	r.desc = sqlite3_column_blob(st, 6);
	r.desc_len = (size_t)sqlite3_column_bytes(st, 6);
	r.mirror_points = sqlite3_column_blob(st, 7);
	r.mirror_points_len = (size_t)sqlite3_column_bytes(st, 7);
	r.mirror_desc = sqlite3_column_blob(st, 8);
	r.mirror_desc_len = (size_t)sqlite3_column_bytes(st, 8);
	r.thumb = sqlite3_column_blob(st, 9);
	r.thumb_len = (size_t)sqlite3_column_bytes(st, 9);
	return q->fn(&r, q->data);
}

int features_foreach(struct catalog *cat, feature_fn fn, void *data, struct wn_err *err)
{
	static const char sql[] =
		"SELECT f.image_id, f.xxh3, f.width, f.height, f.usable, f.points, f.descriptors,"
		"  f.mirror_points, f.mirror_descriptors, f.thumb"
		"  FROM features f JOIN images i ON i.id = f.image_id AND i.xxh3 = f.xxh3"
		"  ORDER BY f.image_id";
	struct feature_query q = { fn, data };

	return catalog_foreach(cat, sql, "cannot read features", NULL, feature_found, &q, err);
}

struct pair_query {
	const uint8_t *digest;
	struct crop_pair_row *p;
	size_t n, alloc;
	int found;
	struct wn_err *err;
};

static int bind_digest(sqlite3_stmt *st, void *data)
{
	const struct pair_query *q = data;

	return sqlite3_bind_blob(st, 1, q->digest, 16, SQLITE_STATIC);
}

static int search_found(sqlite3_stmt *st, void *data)
{
	(void)st;
	((struct pair_query *)data)->found = 1;
	return 0;
}

static int pair_found(sqlite3_stmt *st, void *data)
{
	struct pair_query *q = data;

	if (ARRAY_GROW(q->p, q->alloc, q->n, 256))
		return wn_fail(q->err, WN_ENOMEM, "out of memory");
	q->p[q->n].a = sqlite3_column_int64(st, 0);
	q->p[q->n].b = sqlite3_column_int64(st, 1);
	q->p[q->n].cropped = sqlite3_column_int64(st, 2);
	q->p[q->n].distance = sqlite3_column_int(st, 3);
	q->n++;
	return 0;
}

int crop_pairs_get(struct catalog *cat, const uint8_t *digest, struct crop_pair_row **out,
		   size_t *n, struct wn_err *err)
{
	struct pair_query q = { digest, NULL, 0, 0, 0, err };

	*out = NULL;
	*n = 0;
	if (catalog_foreach(cat, "SELECT 1 FROM crop_searches WHERE digest = ?1",
			    "cannot read crop searches", bind_digest, search_found, &q, err))
		return -1;
	if (!q.found)
		return 0;
	if (catalog_foreach(cat, "SELECT a, b, cropped, distance FROM crop_pairs"
			    "  WHERE digest = ?1 ORDER BY rowid", "cannot read crop pairs",
			    bind_digest, pair_found, &q, err)) {
		free(q.p);
		return -1;
	}
	*out = q.p;
	*n = q.n;
	return 1;
}

static int put_pairs(struct catalog *cat, const uint8_t *digest, const struct crop_pair_row *p,
		     size_t n, struct wn_err *err)
{
	struct pair_query q = { digest, NULL, 0, 0, 0, err };
	sqlite3_stmt *st;

	if (catalog_foreach(cat, "INSERT OR REPLACE INTO crop_searches (digest, made_ms)"
			    "  VALUES (?1, strftime('%s', 'now') * 1000)", "cannot record a crop search",
			    bind_digest, NULL, &q, err) ||
	    catalog_foreach(cat, "DELETE FROM crop_pairs WHERE digest = ?1",
			    "cannot record a crop search", bind_digest, NULL, &q, err) ||
	    catalog_foreach(cat, "DELETE FROM crop_searches WHERE digest NOT IN (SELECT digest"
			    "  FROM crop_searches ORDER BY made_ms DESC, rowid DESC LIMIT 8)",
			    "cannot record a crop search", NULL, NULL, NULL, err))
		return -1;
	if (sqlite3_prepare_v2(cat->db, "INSERT INTO crop_pairs (digest, a, b, cropped, distance)"
			       "  VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot record crop pairs");
	for (size_t k = 0; k < n; k++) {
		sqlite3_bind_blob(st, 1, digest, 16, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, p[k].a);
		sqlite3_bind_int64(st, 3, p[k].b);
		sqlite3_bind_int64(st, 4, p[k].cropped);
		sqlite3_bind_int(st, 5, p[k].distance);
		if (sqlite3_step(st) != SQLITE_DONE) {
			catalog_fail(cat, err, "cannot record crop pairs");
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

int crop_pairs_put(struct catalog *cat, const uint8_t *digest, const struct crop_pair_row *p,
		   size_t n, struct wn_err *err)
{
	if (catalog_begin(cat, err))
		return -1;
	if (put_pairs(cat, digest, p, n, err)) {
		catalog_rollback(cat);
		return -1;
	}
	return catalog_commit(cat, err);
}
