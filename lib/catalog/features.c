/* The features table (features.h). */
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
