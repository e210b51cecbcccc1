/* catalog_merge(): ATTACH the source and copy in SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/internal.h"
#include "catalog/merge.h"

static const char *const steps[] = {
	/* the signals go with their row (a row's are always of its xxh3) */
	"INSERT INTO images (path, class, size, mtime_ns, xxh3, head_xxh3, dhash, thumb, width,"
	"  height, format, status, error, source_url, added_ms, updated_ms, " SIGNAL_COLUMNS ")"
	" SELECT path, class, size, mtime_ns, xxh3, head_xxh3, dhash, thumb, width, height, format,"
	"  status, error, source_url, added_ms, updated_ms, " SIGNAL_COLUMNS
	" FROM src.images WHERE true"
	" ON CONFLICT(path) DO UPDATE SET class = excluded.class, size = excluded.size,"
	"  mtime_ns = excluded.mtime_ns, xxh3 = excluded.xxh3, head_xxh3 = excluded.head_xxh3,"
	"  dhash = excluded.dhash, thumb = excluded.thumb, width = excluded.width,"
	"  height = excluded.height, format = excluded.format, status = excluded.status,"
	"  error = excluded.error, source_url = coalesce(excluded.source_url, images.source_url),"
	"  updated_ms = excluded.updated_ms, " SIGNALS_KEPT
	" WHERE excluded.updated_ms >= images.updated_ms",
	/* a row kept here, of the same content, without the signals the
	 * shard's has: those */
	"UPDATE main.images SET sharpness = s.sharpness, luma_p5 = s.luma_p5,"
	"  luma_p99 = s.luma_p99, entropy = s.entropy, chroma = s.chroma,"
	"  colourfulness = s.colourfulness, skin = s.skin FROM src.images s"
	" WHERE s.path = images.path AND images.sharpness IS NULL AND s.sharpness IS NOT NULL"
	"  AND s.xxh3 = images.xxh3",
	"CREATE TEMP TABLE idmap (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)",
	"INSERT INTO idmap SELECT s.id, m.id FROM src.images s JOIN main.images m ON m.path = s.path",
	"CREATE TEMP TABLE offs AS SELECT"
	"  coalesce((SELECT max(seq) FROM main.reviews), 0) AS seq",
	/* runs: those not merged before (same command, arguments, folder and
	 * start), so merging a shard twice adds nothing */
	"INSERT INTO runs (command, argv, cwd, started_ms, finished_ms, exit_code, counts)"
	" SELECT command, argv, cwd, started_ms, finished_ms, exit_code, counts FROM src.runs s"
	" WHERE NOT EXISTS (SELECT 1 FROM main.runs m WHERE m.command = s.command"
	"  AND m.argv = s.argv AND m.started_ms = s.started_ms"
	"  AND coalesce(m.cwd, '') = coalesce(s.cwd, '')) ORDER BY s.id",
	"CREATE TEMP TABLE runmap (old INTEGER PRIMARY KEY, new INTEGER)",
	"INSERT INTO runmap SELECT s.id, (SELECT m.id FROM main.runs m WHERE m.command = s.command"
	"  AND m.argv = s.argv AND m.started_ms = s.started_ms"
	"  AND coalesce(m.cwd, '') = coalesce(s.cwd, '') ORDER BY m.id LIMIT 1) FROM src.runs s",
	"INSERT INTO events (run_id, image_id, action, path, dest, cause, at_ms, state, dest_class)"
	" SELECT r.new, m.new, e.action, e.path, e.dest, e.cause, e.at_ms, e.state, e.dest_class"
	" FROM src.events e"
	" LEFT JOIN idmap m ON m.old = e.image_id LEFT JOIN runmap r ON r.old = e.run_id"
	/* a plan is not yet history: a run that began acting after
	 * settle_source() looked has its plans settled in the shard, and they
	 * come with the next merge */
	" WHERE e.state <> 'planned'"
	" AND NOT EXISTS (SELECT 1 FROM main.events x WHERE x.run_id IS r.new"
	"  AND x.image_id IS m.new AND x.action = e.action AND x.path = e.path"
	"  AND x.at_ms = e.at_ms)",
	"INSERT OR REPLACE INTO derived (image_id, source, source_size, source_mtime_ns, recipe,"
	"  made_ms, lineage) SELECT m.new, d.source, d.source_size, d.source_mtime_ns, d.recipe,"
	"  d.made_ms, d.lineage FROM src.derived d JOIN idmap m ON m.old = d.image_id",
	"INSERT INTO urls (url, class, status, http_code, error_kind, error, transient, bytes,"
	"  final_url, content_type, attempts, first_ms, last_ms, image_id)"
	" SELECT u.url, u.class, u.status, u.http_code, u.error_kind, u.error, u.transient,"
	"  u.bytes, u.final_url, u.content_type, u.attempts, u.first_ms, u.last_ms, m.new"
	" FROM src.urls u LEFT JOIN idmap m ON m.old = u.image_id WHERE true"
	" ON CONFLICT(url) DO UPDATE SET class = excluded.class, status = excluded.status,"
	"  http_code = excluded.http_code, error_kind = excluded.error_kind,"
	"  error = excluded.error, transient = excluded.transient, bytes = excluded.bytes,"
	"  final_url = excluded.final_url, content_type = excluded.content_type,"
	"  attempts = urls.attempts + excluded.attempts,"
	"  first_ms = min(urls.first_ms, excluded.first_ms), last_ms = excluded.last_ms,"
	"  image_id = coalesce(excluded.image_id, urls.image_id)"
	"  WHERE coalesce(excluded.last_ms, 0) >= coalesce(urls.last_ms, 0)",
	"INSERT OR REPLACE INTO predictions (image_id, model, prep, xxh3, classes, probs,"
	"  embedding, made_ms) SELECT m.new, p.model, p.prep, p.xxh3, p.classes, p.probs,"
	"  p.embedding, p.made_ms FROM src.predictions p JOIN idmap m ON m.old = p.image_id",
	"INSERT OR REPLACE INTO heads SELECT * FROM src.heads",
	/* the crop features of the content the merged row now has (the
	 * recorded crop searches are named by the shard's ids: not carried,
	 * a first search here records its own) */
	"INSERT OR REPLACE INTO features (image_id, xxh3, width, height, usable, points,"
	"  descriptors, mirror_points, mirror_descriptors, thumb, made_ms) SELECT m.new, f.xxh3,"
	"  f.width, f.height, f.usable, f.points, f.descriptors, f.mirror_points,"
	"  f.mirror_descriptors, f.thumb, f.made_ms FROM src.features f"
	"  JOIN idmap m ON m.old = f.image_id JOIN main.images i ON i.id = m.new AND i.xxh3 = f.xxh3",
	"INSERT OR REPLACE INTO conflicts (run_id, grp, image_id, match)"
	" SELECT r.new, c.grp, m.new, c.match FROM src.conflicts c"
	" JOIN idmap m ON m.old = c.image_id JOIN runmap r ON r.old = c.run_id",
	"INSERT OR REPLACE INTO dup_groups (run_id, grp, image_id, match, rank)"
	" SELECT r.new, g.grp, m.new, g.match, g.rank FROM src.dup_groups g"
	" JOIN idmap m ON m.old = g.image_id JOIN runmap r ON r.old = g.run_id",
	/* a decision here that the shard's replaces: kept for undo, as
	 * replaced by the first action of the shard's chain on that image */
	"INSERT INTO reviews_replaced (image_id, queue, decision, new_class, seq, at_ms,"
	"  applied_ms, replaced_by) SELECT x.image_id, x.queue, x.decision, x.new_class, x.seq,"
	"  x.at_ms, x.applied_ms, coalesce((SELECT min(h.seq) FROM src.reviews_replaced h"
	"  WHERE h.image_id = r.image_id), r.seq) + (SELECT seq FROM offs)"
	" FROM src.reviews r JOIN idmap m ON m.old = r.image_id"
	" JOIN main.reviews x ON x.image_id = m.new"
	" WHERE NOT (x.at_ms = r.at_ms AND x.decision = r.decision)",
	"INSERT OR REPLACE INTO reviews (image_id, queue, decision, new_class, seq, at_ms,"
	"  applied_ms) SELECT m.new, r.queue, r.decision, r.new_class, r.seq + (SELECT seq FROM offs),"
	"  r.at_ms, r.applied_ms FROM src.reviews r JOIN idmap m ON m.old = r.image_id"
	" WHERE NOT EXISTS (SELECT 1 FROM main.reviews x WHERE x.image_id = m.new"
	"  AND x.at_ms = r.at_ms AND x.decision = r.decision)",
	/* the whole chain of what the shard's decisions replaced, on each
	 * image whose decision this merge copied (numbered past the offset,
	 * so only this merge made it), for undo */
	"INSERT INTO reviews_replaced (image_id, queue, decision, new_class, seq, at_ms,"
	"  applied_ms, replaced_by) SELECT m.new, r.queue, r.decision, r.new_class,"
	"  r.seq + (SELECT seq FROM offs), r.at_ms, r.applied_ms,"
	"  r.replaced_by + (SELECT seq FROM offs) FROM src.reviews_replaced r"
	"  JOIN idmap m ON m.old = r.image_id WHERE EXISTS (SELECT 1 FROM main.reviews x"
	"  WHERE x.image_id = m.new AND x.seq > (SELECT seq FROM offs))",
	"DROP TABLE temp.idmap",
	"DROP TABLE temp.runmap",
	"DROP TABLE temp.offs",
};

/* The folder a catalog file sits in, resolved. */
static char *folder_of(const char *file)
{
	char *copy = strdup(file), *slash, *real;

	if (!copy)
		return NULL;
	slash = strrchr(copy, '/');
	if (slash)
		*slash = 0;
	real = realpath(slash ? (*copy ? copy : "/") : ".", NULL);
	free(copy);
	return real;
}

/* Opening the source for writing settles what its killed runs left
 * (journal.h); a run still acting on it is refused: its plans would be
 * copied before they are settled. */
static int settle_source(const char *src_path, struct wn_err *err)
{
	struct catalog *src;
	uint64_t live;

	if (catalog_open(src_path, CATALOG_EXISTING, &src, err))
		return -1;
	live = catalog_recovered(src)->live;
	catalog_close(src);
	if (live)
		return wn_fail(err, WN_EDB, "%s: a run is still acting on it; merge it when "
			       "that run has finished", src_path);
	return 0;
}

int catalog_merge(struct catalog *cat, const char *src_path, struct wn_err *err)
{
	sqlite3_stmt *st;
	int version = -1, rc;
	char *here = folder_of(catalog_file(cat)), *there = folder_of(src_path);
	int same = here && there && !strcmp(here, there);

	free(here);
	free(there);
	/* paths are relative to each catalog's folder: only the same folder
	 * makes them mean the same files */
	if (!same)
		return wn_fail(err, WN_EDB, "%s: not in the folder of %s; catalog paths are "
			       "relative to it, so keep shard catalogs beside the merged one",
			       src_path, catalog_file(cat));

	if (sqlite3_prepare_v2(cat->db, "ATTACH DATABASE ?1 AS src", -1, &st, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot open the catalog to merge");
	sqlite3_bind_text(st, 1, src_path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return wn_fail(err, WN_EDB, "%s: cannot open: %s", src_path, sqlite3_errmsg(cat->db));
	if (sqlite3_prepare_v2(cat->db, "PRAGMA src.user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (version != catalog_version(cat)) {
		sqlite3_exec(cat->db, "DETACH DATABASE src", NULL, NULL, NULL);
		return wn_fail(err, WN_EDB, "%s: %s (schema %d; this is %d): run 'db --db %s init' "
			       "first", src_path, version <= 0 ? "not a winnow catalog" :
			       "an older catalog", version, catalog_version(cat), src_path);
	}
	if (settle_source(src_path, err) || catalog_begin(cat, err))
		goto detach;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (sqlite3_exec(cat->db, steps[i], NULL, NULL, NULL) != SQLITE_OK) {
			wn_fail(err, WN_EDB, "%s: cannot merge: %s", src_path, sqlite3_errmsg(cat->db));
			catalog_rollback(cat);
			sqlite3_exec(cat->db, "DROP TABLE IF EXISTS temp.idmap; DROP TABLE IF EXISTS "
				     "temp.runmap; DROP TABLE IF EXISTS temp.offs", NULL, NULL, NULL);
			goto detach;
		}
	if (catalog_commit(cat, err))
		goto detach;
	if (sqlite3_exec(cat->db, "DETACH DATABASE src", NULL, NULL, NULL) != SQLITE_OK)
		return catalog_fail(cat, err, "cannot close the merged catalog");
	return 0;
detach:
	sqlite3_exec(cat->db, "DETACH DATABASE src", NULL, NULL, NULL);
	return -1;
}
