/* Typed access to the images table. */
#include <string.h>
#include <sys/stat.h>

#include "catalog/internal.h"
#include "catalog/images.h"

static const char *const status_names[] = { "ok", "corrupt", "deleted", "quarantined" };

const char *image_status_name(enum image_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "unknown";
}

int image_status_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, status_names[i]))
			return i;
	return -1;
}

/* One try of the upsert; a row deleted or quarantined is updated only
 * with `revive`. @return 1 written (*id set), 0 left alone, -1 error. */
static int upsert_step(struct catalog *cat, sqlite3_stmt *st, const struct image_row *r,
		       int revive, int64_t *id)
{
	int rc, written = 0;

	sqlite3_bind_text(st, 1, r->path, -1, SQLITE_STATIC);
	catalog_bind_text(st, 2, r->class_name);
	sqlite3_bind_int64(st, 3, r->size);
	sqlite3_bind_int64(st, 4, r->mtime_ns);
	if (r->has_xxh3) {
		sqlite3_bind_blob(st, 5, r->xxh3, 16, SQLITE_STATIC);
		sqlite3_bind_blob(st, 6, r->head_xxh3, 16, SQLITE_STATIC);
	}
	if (r->has_fingerprint) {
		sqlite3_bind_int64(st, 7, (int64_t)r->dhash);
		sqlite3_bind_blob(st, 8, r->thumb, THUMB_BYTES, SQLITE_STATIC);
	}
	if (r->width > 0) {
		sqlite3_bind_int(st, 9, r->width);
		sqlite3_bind_int(st, 10, r->height);
	}
	catalog_bind_text(st, 11, r->format);
	sqlite3_bind_text(st, 12, image_status_name(r->status), -1, SQLITE_STATIC);
	catalog_bind_text(st, 13, r->error);
	catalog_bind_text(st, 14, r->source_url);
	sqlite3_bind_int64(st, 15, catalog_now_ms());
	sqlite3_bind_int(st, 16, revive);
	if (r->quality && r->has_xxh3) {
		const struct quality *q = r->quality;
		const double v[] = { q->sharpness, q->luma_p5, q->luma_p99, q->entropy, q->chroma,
				     q->colourfulness, q->skin };

		for (int i = 0; i < 7; i++)
			sqlite3_bind_double(st, 17 + i, v[i]);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		written = 1;
		if (id)
			*id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	(void)cat;
	return rc == SQLITE_DONE ? written : -1;
}

/* Whether the file of catalog path `path` is on disk now. */
static int on_disk(const struct catalog *cat, const char *path)
{
	struct strbuf abs = STRBUF_INIT;
	struct stat st;
	int there = !catalog_abs_path(cat, path, &abs) && !lstat(abs.buf, &st);

	strbuf_release(&abs);
	return there;
}

int images_upsert(struct catalog *cat, const struct image_row *r, int64_t *id,
		  struct wn_err *err)
{
	/* A writer that read a file earlier must not bring back the row of a
	 * file deleted or moved away since: such a row is revived only when
	 * the file is on disk now. The write lock is held here, and a delete
	 * is marked only after its unlink, so this check cannot race it. */
	static const char sql[] =
		"INSERT INTO images (path, class, size, mtime_ns, xxh3, head_xxh3, dhash, thumb,"
		"  width, height, format, status, error, source_url, added_ms, updated_ms, "
		SIGNAL_COLUMNS ")"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15,"
		"  ?17, ?18, ?19, ?20, ?21, ?22, ?23)"
		" ON CONFLICT(path) DO UPDATE SET class = excluded.class, size = excluded.size,"
		"  mtime_ns = excluded.mtime_ns, xxh3 = excluded.xxh3,"
		"  head_xxh3 = excluded.head_xxh3, dhash = excluded.dhash, thumb = excluded.thumb,"
		"  width = excluded.width, height = excluded.height, format = excluded.format,"
		"  status = excluded.status, error = excluded.error,"
		"  source_url = coalesce(excluded.source_url, images.source_url),"
		"  updated_ms = excluded.updated_ms, " SIGNALS_KEPT
		" WHERE images.status NOT IN ('deleted', 'quarantined') OR ?16"
		" RETURNING id";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_IMAGE_UPSERT, sql, err);
	int64_t written = 0;
	int rc;

	if (!st)
		return -1;
	rc = upsert_step(cat, st, r, 0, &written);
	if (rc == 0 && on_disk(cat, r->path))
		rc = upsert_step(cat, st, r, 1, &written);
	if (rc < 0)
		return catalog_fail(cat, err, "cannot write an image row");
	if (id)
		*id = rc ? written : 0;
	return 0;
}

int derived_set(struct catalog *cat, int64_t id, const struct derivation *d,
		struct wn_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO derived (image_id, source, source_size, source_mtime_ns,"
		"  recipe, made_ms, lineage) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_DERIVED_SET, sql, err);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, d->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, d->source_size);
	sqlite3_bind_int64(st, 4, d->source_mtime_ns);
	sqlite3_bind_text(st, 5, d->recipe, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, catalog_now_ms());
	catalog_bind_text(st, 7, d->lineage);
	return catalog_write(cat, st, "cannot record where an image came from", err);
}

int derived_is_current(struct catalog *cat, const char *path, int64_t size, int64_t mtime_ns,
		       const struct derivation *d, struct wn_err *err)
{
	static const char sql[] =
		"SELECT i.size = ?2 AND i.mtime_ns = ?3 AND i.status = 'ok'"
		"  AND d.source = ?4 AND d.source_size = ?5 AND d.source_mtime_ns = ?6"
		"  AND d.recipe = ?7"
		" FROM images i JOIN derived d ON d.image_id = i.id WHERE i.path = ?1";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_DERIVED_CURRENT, sql, err);
	int rc, current = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_int64(st, 3, mtime_ns);
	sqlite3_bind_text(st, 4, d->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, d->source_size);
	sqlite3_bind_int64(st, 6, d->source_mtime_ns);
	sqlite3_bind_text(st, 7, d->recipe, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		current = sqlite3_column_int(st, 0);
	if (catalog_lookup_end(cat, st, rc, "cannot read where an image came from", err))
		return -1;
	return current;
}

static int read_source(sqlite3_stmt *st, void *out)
{
	if (strbuf_addstr(out, (const char *)sqlite3_column_text(st, 0)))
		return SQLITE_NOMEM;
	return SQLITE_OK;
}

int derived_source_of(struct catalog *cat, const char *path, struct strbuf *out,
		      struct wn_err *err)
{
	static const char sql[] =
		"SELECT d.source FROM images i JOIN derived d ON d.image_id = i.id"
		" WHERE i.path = ?1";

	return catalog_find(cat, STMT_DERIVED_SOURCE, sql, path,
			    "cannot read where an image came from", read_source, out, err);
}

int images_set_status(struct catalog *cat, int64_t id, enum image_status status,
		      struct wn_err *err)
{
	static const char sql[] = "UPDATE images SET status = ?2, updated_ms = ?3 WHERE id = ?1";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_IMAGE_STATUS, sql, err);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, image_status_name(status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, catalog_now_ms());
	return catalog_write(cat, st, "cannot update an image row", err);
}

static int read_stamp(sqlite3_stmt *st, void *data)
{
	struct image_stamp *out = data;

	out->id = sqlite3_column_int64(st, 0);
	out->size = sqlite3_column_int64(st, 1);
	out->mtime_ns = sqlite3_column_int64(st, 2);
	out->status = image_status_parse((const char *)sqlite3_column_text(st, 3));
	out->hashed = sqlite3_column_int(st, 4);
	return SQLITE_OK;
}

int images_stamp(struct catalog *cat, const char *path, struct image_stamp *out,
		 struct wn_err *err)
{
	static const char sql[] =
		"SELECT id, size, mtime_ns, status,"
		"  xxh3 IS NOT NULL AND (status = 'corrupt' OR (dhash IS NOT NULL AND"
		"   sharpness IS NOT NULL))"
		" FROM images WHERE path = ?1";

	return catalog_find(cat, STMT_IMAGE_LOOKUP, sql, path, "cannot read an image row",
			    read_stamp, out, err);
}

static void read_row(sqlite3_stmt *st, struct image_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->path = (const char *)sqlite3_column_text(st, 1);
	r->class_name = (const char *)sqlite3_column_text(st, 2);
	r->size = sqlite3_column_int64(st, 3);
	r->mtime_ns = sqlite3_column_int64(st, 4);
	if (sqlite3_column_bytes(st, 5) == 16 && sqlite3_column_bytes(st, 6) == 16) {
		r->has_xxh3 = 1;
		memcpy(r->xxh3, sqlite3_column_blob(st, 5), 16);
		memcpy(r->head_xxh3, sqlite3_column_blob(st, 6), 16);
	}
	if (sqlite3_column_type(st, 7) != SQLITE_NULL &&
	    sqlite3_column_bytes(st, 8) == THUMB_BYTES) {
		r->has_fingerprint = 1;
		r->dhash = (uint64_t)sqlite3_column_int64(st, 7);
		memcpy(r->thumb, sqlite3_column_blob(st, 8), THUMB_BYTES);
	}
	r->width = sqlite3_column_int(st, 9);
	r->height = sqlite3_column_int(st, 10);
	r->format = (const char *)sqlite3_column_text(st, 11);
	r->status = image_status_parse((const char *)sqlite3_column_text(st, 12));
	r->error = (const char *)sqlite3_column_text(st, 13);
	r->source_url = (const char *)sqlite3_column_text(st, 14);
}

struct image_query {
	const struct image_filter *filter;
	struct strbuf upper;      /* the end of the path prefix's range */
	image_fn fn;
	void *data;
};

static int bind_filter(sqlite3_stmt *st, void *data)
{
	struct image_query *q = data;
	const struct image_filter *f = q->filter;
	int rc = SQLITE_OK;

	if (f && f->class_name)
		rc = sqlite3_bind_text(st, 1, f->class_name, -1, SQLITE_STATIC);
	if (!rc && f && f->status >= 0)
		rc = sqlite3_bind_text(st, 2, image_status_name(f->status), -1, SQLITE_STATIC);
	if (!rc && f && f->path_prefix && *f->path_prefix) {
		/* [prefix, prefix with its last byte + 1): a range scan on the
		 * path index that works for any bytes. */
		if (strbuf_addstr(&q->upper, f->path_prefix))
			return SQLITE_NOMEM;
		q->upper.buf[q->upper.len - 1]++;
		rc = sqlite3_bind_text(st, 3, f->path_prefix, -1, SQLITE_STATIC);
		if (!rc)
			rc = sqlite3_bind_text(st, 4, q->upper.buf, (int)q->upper.len,
					       SQLITE_STATIC);
	}
	return rc;
}

static int image_found(sqlite3_stmt *st, void *data)
{
	struct image_query *q = data;
	struct image_row r;

	read_row(st, &r);
	return q->fn(&r, q->data);
}

int images_foreach(struct catalog *cat, const struct image_filter *filter, image_fn fn,
		   void *data, struct wn_err *err)
{
	static const char sql[] =
		"SELECT id, path, class, size, mtime_ns, xxh3, head_xxh3, dhash, thumb,"
		"  width, height, format, status, error, source_url FROM images"
		" WHERE (?1 IS NULL OR class = ?1) AND (?2 IS NULL OR status = ?2)"
		"  AND (?3 IS NULL OR (path >= ?3 AND path < ?4))"
		" ORDER BY path";
	struct image_query q = { filter, STRBUF_INIT, fn, data };
	int ret = catalog_foreach(cat, sql, "cannot list images", bind_filter, image_found, &q,
				  err);

	strbuf_release(&q.upper);
	return ret;
}

struct quality_query {
	struct image_query base;   /* the filter's binding */
	int (*fn)(const struct image_quality *iq, void *data);
	void *data;
	int64_t count;
};

static int quality_found(sqlite3_stmt *st, void *data)
{
	struct quality_query *q = data;
	struct image_quality iq;
	double *v[] = { &iq.q.sharpness, &iq.q.luma_p5, &iq.q.luma_p99, &iq.q.entropy,
			&iq.q.chroma, &iq.q.colourfulness, &iq.q.skin };

	iq.path = (const char *)sqlite3_column_text(st, 0);
	iq.class_name = (const char *)sqlite3_column_text(st, 1);
	iq.width = sqlite3_column_int(st, 2);
	iq.height = sqlite3_column_int(st, 3);
	for (int i = 0; i < 7; i++)
		*v[i] = sqlite3_column_double(st, 4 + i);
	iq.id = sqlite3_column_int64(st, 11);
	iq.size = sqlite3_column_int64(st, 12);
	iq.mtime_ns = sqlite3_column_int64(st, 13);
	return q->fn(&iq, q->data);
}

static int count_found(sqlite3_stmt *st, void *data)
{
	((struct quality_query *)data)->count = sqlite3_column_int64(st, 0);
	return 0;
}

/* Shared by both queries below: ok images of the filter's class and
 * prefix (the signals of a row are always of its content). */
#define QUALITY_FROM \
	" FROM images i WHERE (?1 IS NULL OR i.class = ?1) AND i.status = ?2" \
	"  AND (?3 IS NULL OR (i.path >= ?3 AND i.path < ?4))"

int images_quality_foreach(struct catalog *cat, const struct image_filter *filter,
			   int (*fn)(const struct image_quality *iq, void *data), void *data,
			   int64_t *missing, struct wn_err *err)
{
	static const char sql[] =
		"SELECT i.path, i.class, i.width, i.height, " SIGNAL_COLUMNS ", i.id, i.size,"
		"  i.mtime_ns" QUALITY_FROM
		"  AND i.sharpness IS NOT NULL AND i.width > 0 AND i.height > 0 ORDER BY i.path";
	static const char count_sql[] =
		"SELECT count(*)" QUALITY_FROM " AND (i.sharpness IS NULL OR NOT i.width > 0)";
	struct image_filter f = { filter ? filter->class_name : NULL, IMAGE_OK,
				  filter ? filter->path_prefix : NULL };
	struct quality_query q = { { &f, STRBUF_INIT, NULL, NULL }, fn, data, 0 };
	int ret = catalog_foreach(cat, sql, "cannot list image quality", bind_filter,
				  quality_found, &q, err);

	if (!ret && missing) {
		strbuf_release(&q.base.upper);
		ret = catalog_foreach(cat, count_sql, "cannot count images", bind_filter,
				      count_found, &q, err);
		*missing = q.count;
	}
	strbuf_release(&q.base.upper);
	return ret;
}

struct stats_query {
	image_stats_fn fn;
	void *data;
};

static int stats_row(sqlite3_stmt *st, void *data)
{
	struct stats_query *q = data;

	return q->fn((const char *)sqlite3_column_text(st, 0),
		     image_status_parse((const char *)sqlite3_column_text(st, 1)),
		     sqlite3_column_int64(st, 2), (int64_t)sqlite3_column_double(st, 3), q->data);
}

int images_stats(struct catalog *cat, image_stats_fn fn, void *data, struct wn_err *err)
{
	static const char sql[] =
		"SELECT class, status, count(*), total(size) FROM images"
		" GROUP BY class, status ORDER BY class IS NOT NULL, class, status";
	struct stats_query q = { fn, data };

	return catalog_foreach(cat, sql, "cannot count images", NULL, stats_row, &q, err);
}

/* The two conflict queries: images a and b, both ok and under the path
 * prefix ?1, in rows of (path, class, other path, other class). */
#define CONFLICT_ROWS "SELECT a.path, a.class, b.path, b.class FROM "
#define CONFLICT_BOTH_OK \
	"  AND a.status = 'ok' AND b.status = 'ok'" \
	"  AND (?1 IS NULL OR (substr(a.path, 1, length(?1)) = ?1" \
	"   AND substr(b.path, 1, length(?1)) = ?1))" \
	" ORDER BY a.path, b.class, b.path"

struct conflict_query {
	const char *path_prefix;
	conflict_fn fn;
	void *data;
};

static int bind_conflicts(sqlite3_stmt *st, void *data)
{
	return catalog_bind_prefix(st, 1, ((struct conflict_query *)data)->path_prefix);
}

static int conflict_row(sqlite3_stmt *st, void *data)
{
	struct conflict_query *q = data;

	return q->fn((const char *)sqlite3_column_text(st, 0),
		     (const char *)sqlite3_column_text(st, 1),
		     (const char *)sqlite3_column_text(st, 2),
		     (const char *)sqlite3_column_text(st, 3), q->data);
}

static int list_conflicts(struct catalog *cat, const char *sql, const char *path_prefix,
			  conflict_fn fn, void *data, struct wn_err *err)
{
	struct conflict_query q = { path_prefix, fn, data };

	return catalog_foreach(cat, sql, "cannot list conflicts", bind_conflicts, conflict_row, &q,
			       err);
}

int images_conflicts(struct catalog *cat, const char *path_prefix, conflict_fn fn, void *data,
		     struct wn_err *err)
{
	/* The few hashes held in two classes first, from the index on
	 * (xxh3, status, class) alone; then their images. */
	return list_conflicts(cat, "WITH split AS (SELECT xxh3 FROM images"
			      "  WHERE xxh3 IS NOT NULL AND status = 'ok' GROUP BY xxh3"
			      "  HAVING count(DISTINCT class) > 1) "
			      CONFLICT_ROWS "split JOIN images a ON a.xxh3 = split.xxh3"
			      " JOIN images b"
			      "  ON b.xxh3 = a.xxh3 AND b.id != a.id AND b.class != a.class"
			      " WHERE 1" CONFLICT_BOTH_OK, path_prefix, fn, data, err);
}

int conflicts_clear(struct catalog *cat, const int64_t *ids, size_t n, struct wn_err *err)
{
	return catalog_exec_ids(cat, "DELETE FROM conflicts WHERE image_id = ?1",
				"cannot clear conflicts", ids, n, err);
}

int conflicts_add(struct catalog *cat, int64_t run_id, int grp, int64_t id, const char *match,
		  struct wn_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cat->db, "INSERT OR REPLACE INTO conflicts (run_id, grp, image_id,"
			       " match) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot record a conflict");
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, grp);
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_text(st, 4, match, -1, SQLITE_STATIC);
	return catalog_exec(cat, st, "cannot record a conflict", err);
}

int conflicts_foreach(struct catalog *cat, const char *path_prefix, conflict_fn fn, void *data,
		      struct wn_err *err)
{
	return list_conflicts(cat, CONFLICT_ROWS "conflicts ca JOIN conflicts cb"
			      "  ON cb.run_id = ca.run_id AND cb.grp = ca.grp"
			      "  AND cb.image_id != ca.image_id"
			      " JOIN images a ON a.id = ca.image_id JOIN images b ON b.id = cb.image_id"
			      " WHERE a.class != b.class" CONFLICT_BOTH_OK, path_prefix, fn, data, err);
}

struct class_query {
	const char *path_prefix;
	int (*fn)(const char *class_name, void *data);
	void *data;
};

static int bind_classes(sqlite3_stmt *st, void *data)
{
	return catalog_bind_prefix(st, 1, ((struct class_query *)data)->path_prefix);
}

static int class_row(sqlite3_stmt *st, void *data)
{
	struct class_query *q = data;

	return q->fn((const char *)sqlite3_column_text(st, 0), q->data);
}

int images_classes(struct catalog *cat, const char *path_prefix,
		   int (*fn)(const char *class_name, void *data), void *data, struct wn_err *err)
{
	struct class_query q = { path_prefix, fn, data };

	return catalog_foreach(cat, "SELECT DISTINCT class FROM images WHERE status = 'ok'"
			       " AND class IS NOT NULL AND (?1 IS NULL OR substr(path, 1, length(?1)) = ?1)"
			       " ORDER BY class", "cannot list classes", bind_classes, class_row, &q,
			       err);
}

int images_move(struct catalog *cat, int64_t id, const char *path, const char *class_name,
		struct wn_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cat->db, "UPDATE images SET path = ?2, class = ?3, updated_ms = ?4"
			       " WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot move an image row");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	catalog_bind_text(st, 3, class_name);
	sqlite3_bind_int64(st, 4, catalog_now_ms());
	return catalog_exec(cat, st, "cannot move an image row", err);
}

struct count_query {
	const char *recipe;
	int (*fn)(const char *class_name, int64_t count, void *data);
	void *data;
};

static int bind_recipe(sqlite3_stmt *st, void *data)
{
	return sqlite3_bind_text(st, 1, ((struct count_query *)data)->recipe, -1, SQLITE_STATIC);
}

static int count_row(sqlite3_stmt *st, void *data)
{
	struct count_query *q = data;

	return q->fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), q->data);
}

int derived_counts(struct catalog *cat, const char *recipe,
		   int (*fn)(const char *class_name, int64_t count, void *data), void *data,
		   struct wn_err *err)
{
	struct count_query q = { recipe, fn, data };

	return catalog_foreach(cat, "SELECT i.class, count(*) FROM derived d JOIN images i"
			       " ON i.id = d.image_id WHERE i.status = 'ok'"
			       " AND substr(d.recipe, 1, length(?1)) = ?1 GROUP BY i.class ORDER BY i.class",
			       "cannot count made images", bind_recipe, count_row, &q, err);
}
