/* Settling what killed runs left: their planned events are decided by
 * what the disk shows (journal.h, journal_recover()). */
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

struct planned {
	int64_t id, run_id;
	char *action, *path, *dest, *dest_class;
};

struct plan_list {
	struct planned *v;
	size_t n, alloc;
};

static void plans_release(struct plan_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].action);
		free(l->v[i].path);
		free(l->v[i].dest);
		free(l->v[i].dest_class);
	}
	free(l->v);
}

static char *dup_col(sqlite3_stmt *st, int i, int *oom)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = 1;
	return d;
}

struct plan_query {
	struct catalog *cat;
	struct plan_list *l;
	uint64_t *live;
	struct wn_err *err;
};

/* Keeps a planned event of a run no longer alive; counts the others. */
static int plan_found(sqlite3_stmt *st, void *data)
{
	struct plan_query *q = data;
	struct plan_list *l = q->l;
	struct planned *p;
	int oom = 0, alive = journal_run_alive(q->cat, sqlite3_column_int64(st, 1));

	if (alive < 0)
		return wn_fail(q->err, WN_EIO, "%s: cannot test whether a run is alive: %s",
			       q->cat->file, strerror(errno));
	if (alive) {
		if (q->live)
			(*q->live)++;
		return 0;
	}
	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? 2 * l->alloc : 64;
		struct planned *v = realloc(l->v, alloc * sizeof(*v));

		if (!v)
			return wn_fail(q->err, WN_ENOMEM, "out of memory");
		l->v = v;
		l->alloc = alloc;
	}
	p = &l->v[l->n++];
	p->id = sqlite3_column_int64(st, 0);
	p->run_id = sqlite3_column_int64(st, 1);
	p->action = dup_col(st, 2, &oom);
	p->path = dup_col(st, 3, &oom);
	p->dest = dup_col(st, 4, &oom);
	p->dest_class = dup_col(st, 5, &oom);
	return oom ? wn_fail(q->err, WN_ENOMEM, "out of memory") : 0;
}

/* The planned events of runs no longer alive, by id. */
static int dead_plans(struct catalog *cat, struct plan_list *l, uint64_t *live,
		      struct wn_err *err)
{
	struct plan_query q = { cat, l, live, err };

	return catalog_foreach(cat, "SELECT id, run_id, action, path, dest, dest_class"
			       " FROM events WHERE state = 'planned' ORDER BY id",
			       "cannot read planned actions", NULL, plan_found, &q, err);
}

static int exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* Removes ".BASE.winnow-tmp.RANDOM" (write_file_atomic()'s temporary
 * names) beside abs. */
static uint64_t remove_leftovers(const char *abs)
{
	const char *slash = strrchr(abs, '/');
	struct strbuf dir = STRBUF_INIT, prefix = STRBUF_INIT;
	struct dirent *de;
	uint64_t n = 0;
	DIR *d;

	if (!slash || strbuf_add(&dir, abs, (size_t)(slash - abs) + 1) ||
	    strbuf_addf(&prefix, ".%s.winnow-tmp.", slash + 1))
		goto out;
	d = opendir(dir.buf);
	if (!d)
		goto out;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix.buf, prefix.len) &&
		    strlen(de->d_name) == prefix.len + 6 &&
		    !unlinkat(dirfd(d), de->d_name, 0))
			n++;
	closedir(d);
out:
	strbuf_release(&dir);
	strbuf_release(&prefix);
	return n;
}

/* A rewrite in place: the row must describe whichever file is there. 1
 * when the row was made to (the rewrite happened), 0 when it already did. */
static int settle_rewrite(struct catalog *cat, const struct planned *p, const char *abs,
			  struct journal_recovery *out, struct wn_err *err)
{
	struct image_stamp s;
	struct image_row r;
	struct stat st;
	int64_t mt;
	int found;

	out->leftovers += remove_leftovers(abs);
	if (lstat(abs, &st) || !S_ISREG(st.st_mode))
		return 0;
	mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	found = images_stamp(cat, p->path, &s, err);
	if (found < 0)
		return -1;
	if (found && s.size == st.st_size && s.mtime_ns == mt)
		return 0;
	/* No hashes: the next scan reads the file again. */
	memset(&r, 0, sizeof(r));
	r.path = p->path;
	r.class_name = p->dest_class;
	r.size = st.st_size;
	r.mtime_ns = mt;
	r.status = IMAGE_OK;
	return images_upsert(cat, &r, NULL, err) ? -1 : 1;
}

/* 1 when p happened, 0 when not, -1 error. */
static int happened(struct catalog *cat, const struct planned *p,
		    struct journal_recovery *out, struct wn_err *err)
{
	struct strbuf abs = STRBUF_INIT, dest = STRBUF_INIT;
	int ret;

	if (catalog_abs_path(cat, p->path, &abs) ||
	    (p->dest && catalog_abs_path(cat, p->dest, &dest))) {
		ret = wn_fail(err, WN_ENOMEM, "out of memory");
	} else if (!strcmp(p->action, "rewrite")) {
		ret = settle_rewrite(cat, p, abs.buf, out, err);
	} else if (!strcmp(p->action, "delete")) {
		ret = !exists(abs.buf);
	} else {
		/* a copy across file systems on one without O_TMPFILE writes a
		 * hidden temporary beside dest first (fileio.c) */
		if (p->dest)
			out->leftovers += remove_leftovers(dest.buf);
		ret = !exists(abs.buf) && p->dest && exists(dest.buf);
	}
	strbuf_release(&abs);
	strbuf_release(&dest);
	return ret;
}

/* A label apply act that happened carried out its image's review
 * decision: marked applied, as the run would have in the same
 * transaction (keyed on the run's command). */
static int settle_review(struct catalog *cat, int64_t event_id, struct wn_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cat->db,
			       "UPDATE reviews SET applied_ms = ?2 WHERE applied_ms IS NULL AND image_id ="
			       " (SELECT e.image_id FROM events e JOIN runs r ON r.id = e.run_id"
			       "  WHERE e.id = ?1 AND r.command = 'label apply')", -1, &st,
			       NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot mark a decision applied");
	sqlite3_bind_int64(st, 1, event_id);
	sqlite3_bind_int64(st, 2, catalog_now_ms());
	return catalog_exec(cat, st, "cannot mark a decision applied", err);
}

static int settle(struct catalog *cat, const struct plan_list *l, struct journal_recovery *out,
		  struct wn_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		int h = happened(cat, &l->v[i], out, err);

		if (h < 0)
			return -1;
		if (h ? journal_done(cat, l->v[i].id, err) || settle_review(cat, l->v[i].id, err)
		      : journal_drop(cat, l->v[i].id, err))
			return -1;
		if (h)
			out->done++;
		else
			out->dropped++;
	}
	return 0;
}

static int any_planned(struct catalog *cat, struct wn_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(cat->db, "SELECT 1 FROM events WHERE state = 'planned' LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot read planned actions");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return catalog_fail(cat, err, "cannot read planned actions");
	return rc == SQLITE_ROW;
}

int journal_recover(struct catalog *cat, struct journal_recovery *out, struct wn_err *err)
{
	struct journal_recovery local = { 0 };
	struct plan_list l = { 0 };
	int any = any_planned(cat, err);

	if (any <= 0)
		return any;  /* the common case costs one indexed read */
	if (!out)
		out = &local;
	if (journal_sidecar_open(cat, 1, err) || catalog_begin(cat, err))
		return -1;
	/* Read again under the write lock: another writer may have settled
	 * them while we waited. */
	if (dead_plans(cat, &l, &out->live, err) || settle(cat, &l, out, err)) {
		catalog_rollback(cat);
		plans_release(&l);
		return -1;
	}
	plans_release(&l);
	return catalog_commit(cat, err);
}

int journal_unsettled(struct catalog *cat, int (*fn)(const char *path, const char *action,
						     void *data),
		      void *data, struct wn_err *err)
{
	struct plan_list l = { 0 };
	int ret = 0;

	if (journal_sidecar_open(cat, 0, err) || dead_plans(cat, &l, NULL, err)) {
		plans_release(&l);
		return -1;
	}
	for (size_t i = 0; i < l.n && !ret; i++)
		ret = fn(l.v[i].path, l.v[i].action, data);
	plans_release(&l);
	return ret;
}
