/* The reviews and dup_groups tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/internal.h"
#include "catalog/reviews.h"

static const char *const names[] = { "keep", "delete", "relabel", "skip" };

const char *review_decision_name(enum review_decision d)
{
	return (unsigned)d < 4 ? names[d] : "?";
}

int review_decision_parse(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* A SAVEPOINT makes a step of several statements atomic inside a caller's
 * transaction or alone (then it is the transaction). */
static int savepoint_begin(struct catalog *cat, const char *name, const char *what,
			   struct wn_err *err)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "SAVEPOINT %s", name);
	return sqlite3_exec(cat->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : catalog_fail(cat, err, what);
}

/* Ends it: released (committed when outermost) unless failed; a failed
 * step, or a failed release, is rolled back. @return 0, or -1 with err
 * set (by the failed step, or here). */
static int savepoint_end(struct catalog *cat, const char *name, int failed, const char *what,
			 struct wn_err *err)
{
	char sql[128];

	if (!failed) {
		snprintf(sql, sizeof(sql), "RELEASE %s", name);
		if (sqlite3_exec(cat->db, sql, NULL, NULL, NULL) == SQLITE_OK)
			return 0;
		catalog_fail(cat, err, what);
	}
	snprintf(sql, sizeof(sql), "ROLLBACK TO %s; RELEASE %s", name, name);
	sqlite3_exec(cat->db, sql, NULL, NULL, NULL);
	return -1;
}

int reviews_next_seq(struct catalog *cat, int64_t *seq, struct wn_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(cat->db, "SELECT coalesce(max(seq), 0) + 1 FROM reviews", -1, &st,
			       NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot number a decision");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : catalog_fail(cat, err, "cannot number a decision");
}

/* Keeps the decision on image_id that action seq replaces, unless seq
 * itself made it (a group action setting a member again). */
static int keep_replaced(struct catalog *cat, int64_t image_id, int64_t seq, struct wn_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cat->db,
			       "INSERT INTO reviews_replaced (image_id, queue, decision, new_class, seq,"
			       "  at_ms, applied_ms, replaced_by) SELECT image_id, queue, decision,"
			       "  new_class, seq, at_ms, applied_ms, ?2 FROM reviews"
			       " WHERE image_id = ?1 AND seq <> ?2", -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot record a decision");
	sqlite3_bind_int64(st, 1, image_id);
	sqlite3_bind_int64(st, 2, seq);
	return catalog_exec(cat, st, "cannot record a decision", err);
}

int reviews_set(struct catalog *cat, const struct review *r, struct wn_err *err)
{
	sqlite3_stmt *st;
	int64_t seq = r->seq;
	int bad;

	if (savepoint_begin(cat, "review_set", "cannot record a decision", err))
		return -1;
	/* r->seq 0: after every decision so far, numbered inside the
	 * savepoint; else that action's number (the members of one group
	 * decision share it, and undo as one) */
	bad = (seq <= 0 && reviews_next_seq(cat, &seq, err)) || keep_replaced(cat, r->image_id, seq, err);
	if (!bad && sqlite3_prepare_v2(cat->db,
				       "INSERT OR REPLACE INTO reviews (image_id, queue, decision,"
				       "  new_class, seq, at_ms, applied_ms)"
				       " VALUES (?1, ?2, ?3, ?4, ?6, ?5, NULL)", -1, &st, NULL) != SQLITE_OK)
		bad = catalog_fail(cat, err, "cannot record a decision");
	if (!bad) {
		sqlite3_bind_int64(st, 1, r->image_id);
		sqlite3_bind_text(st, 2, r->queue, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, review_decision_name(r->decision), -1, SQLITE_STATIC);
		if (r->decision == REVIEW_RELABEL && r->new_class)
			sqlite3_bind_text(st, 4, r->new_class, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_int64(st, 5, catalog_now_ms());
		sqlite3_bind_int64(st, 6, seq);
		bad = catalog_exec(cat, st, "cannot record a decision", err);
	}
	return savepoint_end(cat, "review_set", bad, "cannot record a decision", err);
}

int reviews_get(struct catalog *cat, int64_t image_id, struct review *r, char *queue,
		char *new_class, struct wn_err *err)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if (sqlite3_prepare_v2(cat->db, "SELECT queue, decision, new_class, applied_ms FROM reviews"
			       " WHERE image_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot read a decision");
	sqlite3_bind_int64(st, 1, image_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *q = (const char *)sqlite3_column_text(st, 0);
		const char *c = (const char *)sqlite3_column_text(st, 2);

		found = 1;
		memset(r, 0, sizeof(*r));
		r->image_id = image_id;
		snprintf(queue, 256, "%s", q ? q : "");
		r->queue = queue;
		r->decision = (enum review_decision)review_decision_parse(
			(const char *)sqlite3_column_text(st, 1));
		snprintf(new_class, 256, "%s", c ? c : "");
		r->new_class = c ? new_class : NULL;
		r->applied_ms = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return catalog_fail(cat, err, "cannot read a decision");
	return found;
}

/* One statement of undo, with seq bound as ?1. */
static int undo_step(struct catalog *cat, const char *sql, int64_t seq, struct wn_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot undo");
	sqlite3_bind_int64(st, 1, seq);
	return catalog_exec(cat, st, "cannot undo", err);
}

int reviews_undo(struct catalog *cat, int64_t *image_id, struct wn_err *err)
{
	sqlite3_stmt *st;
	int64_t seq = 0;
	int rc, bad;

	*image_id = 0;
	if (savepoint_begin(cat, "review_undo", "cannot undo", err))
		return -1;
	if (sqlite3_prepare_v2(cat->db, "SELECT image_id, seq FROM reviews WHERE applied_ms IS NULL"
			       " ORDER BY seq DESC, image_id LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return savepoint_end(cat, "review_undo", catalog_fail(cat, err, "cannot undo"),
				     "cannot undo", err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*image_id = sqlite3_column_int64(st, 0);
		seq = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*image_id = 0;
		return savepoint_end(cat, "review_undo", catalog_fail(cat, err, "cannot undo"),
				     "cannot undo", err);
	}
	if (!*image_id)
		return savepoint_end(cat, "review_undo", 0, "cannot undo", err);
	/* The action's images still pending get back what it replaced; the
	 * rest of its pending rows go. An image whose row of this action was
	 * applied keeps it, and its history (the action still stands there). */
	bad = undo_step(cat, "INSERT OR REPLACE INTO reviews (image_id, queue, decision, new_class,"
			"  seq, at_ms, applied_ms) SELECT h.image_id, h.queue, h.decision, h.new_class,"
			"  h.seq, h.at_ms, h.applied_ms FROM reviews_replaced h WHERE h.replaced_by = ?1"
			"  AND EXISTS (SELECT 1 FROM reviews x WHERE x.image_id = h.image_id"
			"  AND x.seq = ?1 AND x.applied_ms IS NULL)", seq, err) ||
	      undo_step(cat, "DELETE FROM reviews WHERE seq = ?1 AND applied_ms IS NULL", seq, err) ||
	      undo_step(cat, "DELETE FROM reviews_replaced WHERE replaced_by = ?1 AND image_id NOT IN"
			"  (SELECT image_id FROM reviews WHERE seq = ?1)", seq, err);
	return savepoint_end(cat, "review_undo", bad, "cannot undo", err);
}

int reviews_pending(struct catalog *cat, review_fn fn, void *data, struct wn_err *err)
{
	return reviews_each(cat, 0, fn, data, err);
}

struct review_query {
	int applied_too;
	review_fn fn;
	void *data;
};

static int bind_applied_too(sqlite3_stmt *st, void *data)
{
	return sqlite3_bind_int(st, 1, ((struct review_query *)data)->applied_too);
}

static int review_found(sqlite3_stmt *st, void *data)
{
	struct review_query *q = data;
	struct review r = { 0 };

	r.image_id = sqlite3_column_int64(st, 0);
	r.queue = (const char *)sqlite3_column_text(st, 1);
	r.decision = (enum review_decision)review_decision_parse(
		(const char *)sqlite3_column_text(st, 2));
	r.new_class = (const char *)sqlite3_column_text(st, 3);
	r.applied_ms = sqlite3_column_int64(st, 6);
	return q->fn(&r, (const char *)sqlite3_column_text(st, 4),
		     (const char *)sqlite3_column_text(st, 5), q->data);
}

int reviews_each(struct catalog *cat, int applied_too, review_fn fn, void *data,
		 struct wn_err *err)
{
	struct review_query q = { applied_too, fn, data };

	return catalog_foreach(cat,
			       "SELECT r.image_id, r.queue, r.decision, r.new_class, i.path, i.class,"
			       "  r.applied_ms FROM reviews r JOIN images i ON i.id = r.image_id"
			       " WHERE ?1 OR r.applied_ms IS NULL ORDER BY r.seq",
			       "cannot read decisions", bind_applied_too, review_found, &q, err);
}

struct apart {
	int64_t *pairs;
	size_t n, cap;
};

static int apart_row(sqlite3_stmt *st, void *data)
{
	struct apart *a = data;

	/* the room is even (64, doubled): index 2n + 1 fits when both do */
	if (ARRAY_GROW(a->pairs, a->cap, 2 * a->n + 1, 64))
		return 1;
	a->pairs[2 * a->n] = sqlite3_column_int64(st, 0);
	a->pairs[2 * a->n + 1] = sqlite3_column_int64(st, 1);
	a->n++;
	return 0;
}

int reviews_apart(struct catalog *cat, int64_t **pairs, size_t *n, struct wn_err *err)
{
	static const char sql[] =
		"SELECT a.image_id, b.image_id FROM reviews a JOIN reviews b"
		" ON b.seq = a.seq AND b.image_id > a.image_id"
		" WHERE a.queue = 'groups' AND b.queue = 'groups'"
		"  AND a.decision = 'keep' AND b.decision = 'keep'"
		" ORDER BY a.image_id, b.image_id";
	struct apart a = { NULL, 0, 0 };
	int rc = catalog_foreach(cat, sql, "cannot list the pairs told apart", NULL, apart_row,
				 &a, err);

	if (rc > 0)
		rc = wn_fail(err, WN_ENOMEM, "out of memory");
	if (rc) {
		free(a.pairs);
		return -1;
	}
	*pairs = a.pairs;
	*n = a.n;
	return 0;
}

int reviews_mark_applied(struct catalog *cat, int64_t image_id, struct wn_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cat->db, "UPDATE reviews SET applied_ms = ?2 WHERE image_id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot mark a decision applied");
	sqlite3_bind_int64(st, 1, image_id);
	sqlite3_bind_int64(st, 2, catalog_now_ms());
	return catalog_exec(cat, st, "cannot mark a decision applied", err);
}

int dup_groups_clear(struct catalog *cat, const int64_t *ids, size_t n, struct wn_err *err)
{
	return catalog_exec_ids(cat, "DELETE FROM dup_groups WHERE image_id = ?1",
				"cannot clear groups", ids, n, err);
}

int dup_groups_add(struct catalog *cat, int64_t run_id, int grp, const int64_t *members,
		   const char *const *match, size_t n, struct wn_err *err)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(cat->db, "INSERT OR REPLACE INTO dup_groups (run_id, grp, image_id,"
			       " match, rank) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot record a group");
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		if (!members[i])
			continue;
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int(st, 2, grp);
		sqlite3_bind_int64(st, 3, members[i]);
		sqlite3_bind_text(st, 4, match[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, (int)i);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : catalog_fail(cat, err, "cannot record a group");
}

struct group_query {
	const char *path_prefix;
	int near_only;
	group_fn fn;
	void *data;
};

static int bind_groups(sqlite3_stmt *st, void *data)
{
	struct group_query *q = data;
	int rc = catalog_bind_prefix(st, 1, q->path_prefix);

	return rc ? rc : sqlite3_bind_int(st, 2, q->near_only);
}

static int group_row(sqlite3_stmt *st, void *data)
{
	struct group_query *q = data;

	return q->fn(sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
		     sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3),
		     (const char *)sqlite3_column_text(st, 4),
		     (const char *)sqlite3_column_text(st, 5),
		     (const char *)sqlite3_column_text(st, 6), q->data);
}

int dup_groups_foreach(struct catalog *cat, const char *path_prefix, int near_only, group_fn fn,
		       void *data, struct wn_err *err)
{
	static const char sql[] =
		"SELECT g.run_id, g.grp, g.rank, g.image_id, i.path, i.class, g.match"
		" FROM dup_groups g"
		" JOIN images i ON i.id = g.image_id"
		 " WHERE i.status = 'ok' AND (?2 = 0 OR g.match != 'exact')"
		"  AND (?1 IS NULL OR substr(i.path, 1, length(?1)) = ?1)"
		" ORDER BY g.run_id, g.grp, g.rank";
	struct group_query q = { path_prefix, near_only, fn, data };

	return catalog_foreach(cat, sql, "cannot list groups", bind_groups, group_row, &q, err);
}
