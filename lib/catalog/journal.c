/* The journal: planned, done and dropped events, the liveness lock of a
 * run, and the recovery of what a killed run left (see journal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/internal.h"
#include "catalog/images.h"
#include "catalog/journal.h"
#include "catalog/journal_internal.h"

/* The sidecar ".NAME.runs" beside the catalog. Its own file, never the
 * catalog: closing any descriptor of the catalog file would drop SQLite's
 * classic POSIX locks. OFD locks belong to the open file description, so
 * a second handle in the same process sees them too. */
int journal_sidecar_open(struct catalog *cat, int writable, struct wn_err *err)
{
	struct strbuf path = STRBUF_INIT;
	const char *slash = strrchr(cat->file, '/');
	size_t dir = slash ? (size_t)(slash - cat->file) + 1 : 0;
	int fd;

	if (cat->runs_fd >= 0)
		return 0;
	if (strbuf_add(&path, cat->file, dir) ||
	    strbuf_addf(&path, ".%s.runs", cat->file + dir))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	fd = writable ? open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0644)
		      : open(path.buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && !(!writable && errno == ENOENT)) {
		wn_fail(err, WN_EIO, "%s: %s", path.buf, strerror(errno));
		strbuf_release(&path);
		return -1;
	}
	strbuf_release(&path);
	cat->runs_fd = fd;  /* -1 read-only and missing: no run ever locked */
	return 0;
}

static int lock_byte(int fd, int cmd, short type, int64_t run_id, struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)run_id;
	fl->l_len = 1;
	return fcntl(fd, cmd, fl);
}

/* 1 when run_id's process still holds its lock, 0 when not, -1 error. */
int journal_run_alive(struct catalog *cat, int64_t run_id)
{
	struct flock fl;

	if (run_id <= 0 || cat->runs_fd < 0)
		return 0;
	if (lock_byte(cat->runs_fd, F_OFD_GETLK, F_WRLCK, run_id, &fl))
		return -1;
	return fl.l_type != F_UNLCK;
}

int journal_start(struct catalog *cat, int64_t run_id, struct wn_err *err)
{
	struct flock fl;

	if (cat->readonly)
		return wn_fail(err, WN_EDB, "%s: opened read-only", cat->file);
	if (journal_sidecar_open(cat, 1, err))
		return -1;
	if (lock_byte(cat->runs_fd, F_OFD_SETLK, F_WRLCK, run_id, &fl))
		return wn_fail(err, WN_EIO, "%s: cannot mark run %lld alive: %s", cat->file,
			       (long long)run_id, strerror(errno));
	return 0;
}

int journal_plan(struct catalog *cat, int64_t run_id, const struct journal_act *a,
		 int64_t *event_id, struct wn_err *err)
{
	static const char sql[] =
		"INSERT INTO events (run_id, image_id, action, path, dest, cause, at_ms, state,"
		"  dest_class) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'planned', ?8)";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_JOURNAL_PLAN, sql, err);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	catalog_bind_nonzero(st, 2, a->image_id);
	sqlite3_bind_text(st, 3, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->path, -1, SQLITE_STATIC);
	catalog_bind_text(st, 5, a->dest);
	sqlite3_bind_text(st, 6, a->cause, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, catalog_now_ms());
	catalog_bind_text(st, 8, a->dest_class);
	if (catalog_write(cat, st, "cannot record a planned action", err))
		return -1;
	*event_id = sqlite3_last_insert_rowid(cat->db);
	return 0;
}

/* Another row at dest, when an image moves there: a writer beside the run
 * (a scan) catalogued the file after it arrived, since the run chose dest
 * free in the catalog. The image's own row, with its history and
 * decisions, takes the path; that one goes. */
static int clear_dest(struct catalog *cat, int64_t image_id, const char *dest,
		      struct wn_err *err)
{
	/* What points at that row without ON DELETE CASCADE (its events, the
	 * URL the file came from) now points at the image that is the file at
	 * dest; a foreign key left dangling would fail this and every later
	 * recovery. The rest cascades. */
	static const char *const sql[] = {
		"UPDATE events SET image_id = ?2 WHERE image_id IN"
		" (SELECT id FROM images WHERE path = ?1 AND id <> ?2)",
		"UPDATE urls SET image_id = ?2 WHERE image_id IN"
		" (SELECT id FROM images WHERE path = ?1 AND id <> ?2)",
		"DELETE FROM images WHERE path = ?1 AND id <> ?2",
	};

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(cat->db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return catalog_fail(cat, err, "cannot free a path for a moved image");
		sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, image_id);
		if (catalog_exec(cat, st, "cannot free a path for a moved image", err))
			return -1;
	}
	return 0;
}

/* The effect of a done event on its image row. */
static int apply_effect(struct catalog *cat, const char *action, int64_t image_id,
			const char *path, const char *dest, const char *dest_class,
			struct wn_err *err)
{
	struct image_stamp s;
	int found;

	if (!strcmp(action, "rewrite"))
		return 0;
	if (!image_id) {
		/* Planned without a row: the row at path now is the file's. */
		found = images_stamp(cat, path, &s, err);
		if (found <= 0)
			return found;
		image_id = s.id;
	}
	if (!strcmp(action, "delete"))
		return images_set_status(cat, image_id, IMAGE_DELETED, err);
	if (!strcmp(action, "move") || !strcmp(action, "quarantine"))
		return images_set_status(cat, image_id, IMAGE_QUARANTINED, err);
	if (!dest)
		return wn_fail(err, WN_EDB, "%s: a %s event without a destination", cat->file,
			       action);
	if (clear_dest(cat, image_id, dest, err) || images_move(cat, image_id, dest, dest_class, err))
		return -1;
	if (!strcmp(action, "restore"))
		return images_set_status(cat, image_id, IMAGE_OK, err);
	return 0;
}

int journal_done(struct catalog *cat, int64_t event_id, struct wn_err *err)
{
	static const char sql[] =
		"UPDATE events SET state = 'done', at_ms = ?2 WHERE id = ?1 AND state = 'planned'"
		" RETURNING action, image_id, dest, dest_class, path";
	sqlite3_stmt *st = catalog_stmt(cat, STMT_JOURNAL_STATE, sql, err);
	char *action = NULL, *dest = NULL, *dest_class = NULL, *path = NULL;
	int64_t image_id = 0;
	int rc, ret = -1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, event_id);
	sqlite3_bind_int64(st, 2, catalog_now_ms());
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 2);
		const char *c = (const char *)sqlite3_column_text(st, 3);

		action = strdup((const char *)sqlite3_column_text(st, 0));
		image_id = sqlite3_column_int64(st, 1);
		dest = d ? strdup(d) : NULL;
		dest_class = c ? strdup(c) : NULL;
		path = strdup((const char *)sqlite3_column_text(st, 4));
		rc = sqlite3_step(st);
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_NOTFOUND;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_NOTFOUND)
		wn_fail(err, WN_EDB, "%s: event %lld is not planned", cat->file,
			(long long)event_id);
	else if (rc != SQLITE_DONE)
		catalog_fail(cat, err, "cannot mark an action done");
	else if (!action || !path)
		wn_fail(err, WN_ENOMEM, "out of memory");
	else
		ret = apply_effect(cat, action, image_id, path, dest, dest_class, err);
	free(action);
	free(path);
	free(dest);
	free(dest_class);
	return ret;
}

int journal_drop(struct catalog *cat, int64_t event_id, struct wn_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cat->db, "UPDATE events SET state = 'dropped', at_ms = ?2"
			       " WHERE id = ?1 AND state = 'planned'", -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot drop a planned action");
	sqlite3_bind_int64(st, 1, event_id);
	sqlite3_bind_int64(st, 2, catalog_now_ms());
	if (catalog_exec(cat, st, "cannot drop a planned action", err))
		return -1;
	if (sqlite3_changes(cat->db) != 1)
		return wn_fail(err, WN_EDB, "%s: event %lld is not planned", cat->file,
			       (long long)event_id);
	return 0;
}

const struct journal_recovery *catalog_recovered(const struct catalog *cat)
{
	return &cat->recovered;
}
