/* The catalog schema and its forward migrations. Migration N takes a
 * catalog from user_version N-1 to N inside one transaction; released
 * migrations are never edited, only new ones appended. */
#include <stdio.h>

#include "catalog/internal.h"

static const char *const migrations[] = {
	/* 1: images, runs, events. */
	"CREATE TABLE images ("
	"  id INTEGER PRIMARY KEY,"
	"  path TEXT NOT NULL UNIQUE,"   /* relative to the catalog's folder */
	"  class TEXT,"                  /* first-level folder; NULL for none */
	"  size INTEGER NOT NULL,"
	"  mtime_ns INTEGER NOT NULL,"
	"  xxh3 BLOB,"                   /* XXH3-128 of the file, canonical */
	"  head_xxh3 BLOB,"              /* XXH3-128 of its first 4 KiB */
	"  dhash INTEGER,"               /* dHash-64 as a signed 64-bit integer */
	"  thumb BLOB,"                  /* 16x16 luma, 256 bytes */
	"  width INTEGER,"
	"  height INTEGER,"
	"  format TEXT,"
	"  status TEXT NOT NULL DEFAULT 'ok'"
	"    CHECK (status IN ('ok', 'corrupt', 'deleted', 'quarantined')),"
	"  error TEXT,"                  /* why it is corrupt */
	"  source_url TEXT,"
	"  added_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL"
	");"
	"CREATE INDEX images_by_class ON images(class, status);"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  command TEXT NOT NULL,"       /* \"db scan\", \"dedup\" */
	"  argv TEXT NOT NULL,"          /* JSON array of the arguments */
	"  cwd TEXT,"
	"  started_ms INTEGER NOT NULL,"
	"  finished_ms INTEGER,"         /* NULL while running or after a crash */
	"  exit_code INTEGER,"
	"  counts TEXT"                  /* JSON object of what the run counted */
	");"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER REFERENCES runs(id),"
	"  image_id INTEGER REFERENCES images(id),"
	"  action TEXT NOT NULL"
	"    CHECK (action IN ('delete', 'move', 'relabel', 'quarantine', 'restore')),"
	"  path TEXT NOT NULL,"          /* where the file was */
	"  dest TEXT,"                   /* where it went, for moves */
	"  cause TEXT NOT NULL,"         /* why, in words a person can audit */
	"  at_ms INTEGER NOT NULL"
	");"
	"CREATE INDEX events_by_image ON events(image_id);",

	/* 2: where a made image came from, so a re-run can skip it. */
	"CREATE TABLE derived ("
	"  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,"
	"  source TEXT NOT NULL,"          /* catalog path of the source */
	"  source_size INTEGER NOT NULL,"
	"  source_mtime_ns INTEGER NOT NULL,"
	"  recipe TEXT NOT NULL,"          /* what was done: \"resize x320 jpeg q90\" */
	"  made_ms INTEGER NOT NULL"
	");"
	"CREATE INDEX derived_by_source ON derived(source);",

	/* 3: one row per URL the scraper was given, for resume and audit. */
	"CREATE TABLE urls ("
	"  id INTEGER PRIMARY KEY,"
	"  url TEXT NOT NULL UNIQUE,"
	"  class TEXT,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'done', 'failed', 'skipped')),"
	"  http_code INTEGER,"
	"  error_kind TEXT,"              /* timeout, http-404, not-image, ... */
	"  error TEXT,"
	"  transient INTEGER NOT NULL DEFAULT 0," /* worth retrying later */
	"  bytes INTEGER,"
	"  final_url TEXT,"
	"  content_type TEXT,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  first_ms INTEGER,"
	"  last_ms INTEGER,"
	"  image_id INTEGER REFERENCES images(id)"
	");"
	"CREATE INDEX urls_by_status ON urls(status);",

	/* 4: what an augmented image's random draws were (JSON), so one
	 * output can be remade alone and audited. */
	"ALTER TABLE derived ADD COLUMN lineage TEXT;",

	/* 5: what a classifier made of each image (label predict), and the
	 * out-of-sample probabilities of a trained head (label train). */
	"CREATE TABLE predictions ("
	"  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  model TEXT NOT NULL,"         /* \"mobilenet_v2\", or \"cv:<head>\" */
	"  prep TEXT NOT NULL,"          /* \"default\" or \"nsfwjs\" */
	"  xxh3 BLOB NOT NULL,"          /* the file's XXH3-128 when predicted */
	"  classes TEXT NOT NULL,"       /* JSON array, the order of probs */
	"  probs BLOB NOT NULL,"         /* float32 little-endian, one a class */
	"  embedding BLOB,"              /* float32 little-endian */
	"  made_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (image_id, model, prep)"
	");"
	"CREATE TABLE heads ("
	"  name TEXT PRIMARY KEY,"       /* the model it reads, \"mobilenet_v2\" */
	"  prep TEXT NOT NULL,"
	"  classes TEXT NOT NULL,"       /* JSON array of folder classes */
	"  dim INTEGER NOT NULL,"
	"  mean BLOB NOT NULL, scale BLOB NOT NULL,"  /* standardisation, float32 */
	"  weights BLOB NOT NULL, bias BLOB NOT NULL," /* dim x classes, classes */
	"  folds INTEGER NOT NULL, l2 REAL NOT NULL,"
	"  images INTEGER NOT NULL, accuracy REAL NOT NULL,"
	"  made_ms INTEGER NOT NULL"
	");"
	"CREATE INDEX images_by_xxh3 ON images(xxh3);"
	/* dedup's groups whose members sit in more than one class folder
	 * (label conflicts), as its last run over those images found them */
	"CREATE TABLE conflicts ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  grp INTEGER NOT NULL,"
	"  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  match TEXT NOT NULL CHECK (match IN ('exact', 'near')),"
	"  PRIMARY KEY (run_id, grp, image_id)"
	");"
	"CREATE INDEX conflicts_by_image ON conflicts(image_id);",

	/* 6: review sessions (label review): one decision per image, written
	 * the moment it is made, carried out by label apply; and every group
	 * dedup's last run over the images formed, with its proposed keeper. */
	"CREATE TABLE reviews ("
	"  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,"
	"  queue TEXT NOT NULL,"           /* suspects, conflicts, groups */
	"  decision TEXT NOT NULL CHECK (decision IN ('keep', 'delete', 'relabel', 'skip')),"
	"  new_class TEXT,"                /* for relabel */
	"  seq INTEGER NOT NULL,"          /* order of decisions, for undo */
	"  at_ms INTEGER NOT NULL,"
	"  applied_ms INTEGER"             /* when label apply carried it out */
	");"
	"CREATE TABLE dup_groups ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  grp INTEGER NOT NULL,"
	"  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  match TEXT NOT NULL CHECK (match IN ('exact', 'near')),"
	"  rank INTEGER NOT NULL,"         /* 0: the proposed keeper */
	"  PRIMARY KEY (run_id, grp, image_id)"
	");"
	"CREATE INDEX dup_groups_by_image ON dup_groups(image_id);",

	/* 7: decisions a later action replaced, so that undoing the action
	 * puts them back. */
	"CREATE TABLE reviews_replaced ("
	"  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  queue TEXT NOT NULL,"
	"  decision TEXT NOT NULL,"
	"  new_class TEXT,"
	"  seq INTEGER NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  applied_ms INTEGER,"
	"  replaced_by INTEGER NOT NULL"   /* the seq of the action that replaced it */
	");"
	"CREATE INDEX reviews_replaced_by ON reviews_replaced(replaced_by);",

	/* 8: the journal (catalog/journal.c). An event is written `planned` and
	 * committed before its act, then marked `done`, or `dropped` when the
	 * act did not happen; a killed run's plans are settled by the next
	 * writer. `rewrite` is a file replaced in place (resize --in-place);
	 * dest_class is the class a move or relabel gives the image. The
	 * CHECK on action changes, so the table is rebuilt. */
	"CREATE TABLE events_v8 ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER REFERENCES runs(id),"
	"  image_id INTEGER REFERENCES images(id),"
	"  action TEXT NOT NULL"
	"    CHECK (action IN ('delete', 'move', 'relabel', 'quarantine', 'restore', 'rewrite')),"
	"  path TEXT NOT NULL,"
	"  dest TEXT,"
	"  cause TEXT NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'done'"
	"    CHECK (state IN ('planned', 'done', 'dropped')),"
	"  dest_class TEXT"
	");"
	"INSERT INTO events_v8 (id, run_id, image_id, action, path, dest, cause, at_ms)"
	"  SELECT id, run_id, image_id, action, path, dest, cause, at_ms FROM events;"
	"DROP TABLE events;"
	"ALTER TABLE events_v8 RENAME TO events;"
	"CREATE INDEX events_by_image ON events(image_id);"
	"CREATE INDEX events_planned ON events(run_id) WHERE state = 'planned';",

	/* 9: a duplicate may also be a mirrored or rotated copy of its
	 * group's keeper ('crop' is reserved for crops, not yet looked for);
	 * the CHECKs on match change, so both tables are rebuilt. */
	"CREATE TABLE conflicts_v9 ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  grp INTEGER NOT NULL,"
	"  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  match TEXT NOT NULL"
	"    CHECK (match IN ('exact', 'near', 'mirror', 'rotate', 'crop')),"
	"  PRIMARY KEY (run_id, grp, image_id)"
	");"
	"INSERT INTO conflicts_v9 SELECT run_id, grp, image_id, match FROM conflicts;"
	"DROP TABLE conflicts;"
	"ALTER TABLE conflicts_v9 RENAME TO conflicts;"
	"CREATE INDEX conflicts_by_image ON conflicts(image_id);"
	"CREATE TABLE dup_groups_v9 ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  grp INTEGER NOT NULL,"
	"  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  match TEXT NOT NULL"
	"    CHECK (match IN ('exact', 'near', 'mirror', 'rotate', 'crop')),"
	"  rank INTEGER NOT NULL,"
	"  PRIMARY KEY (run_id, grp, image_id)"
	");"
	"INSERT INTO dup_groups_v9 SELECT run_id, grp, image_id, match, rank FROM dup_groups;"
	"DROP TABLE dup_groups;"
	"ALTER TABLE dup_groups_v9 RENAME TO dup_groups;"
	"CREATE INDEX dup_groups_by_image ON dup_groups(image_id);",

	/* 10: what an image's pixels say about it (quality/quality.h), as
	 * measured from the file whose XXH3-128 is xxh3: after the file
	 * changes they are not its own until a scan measures it again. Aspect
	 * ratio and size are images.width and height. */
	"CREATE TABLE quality ("
	"  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,"
	"  xxh3 BLOB NOT NULL,"
	"  sharpness REAL NOT NULL,"     /* Laplacian over gradient energy */
	"  luma_p5 REAL NOT NULL,"       /* percentiles of luma, 0..255 */
	"  luma_p99 REAL NOT NULL,"
	"  entropy REAL NOT NULL,"       /* of the luma histogram, bits */
	"  chroma REAL NOT NULL,"        /* p99 of max - min of R, G, B */
	"  colourfulness REAL NOT NULL," /* Hasler and Suesstrunk's M */
	"  skin REAL NOT NULL,"          /* share of skin-colour pixels */
	"  made_ms INTEGER NOT NULL"
	");",
	/* 11: the local features dedup --crops matches (catalog/features.h),
	 * made once per file content: xxh3 is the file's when they were made,
	 * and rows of another content are ignored (and replaced). */
	"CREATE TABLE features ("
	"  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,"
	"  xxh3 BLOB NOT NULL,"
	"  width INTEGER NOT NULL,"        /* the frame the points are in */
	"  height INTEGER NOT NULL,"
	"  usable INTEGER NOT NULL,"       /* 0: too small or flat for the method */
	"  points BLOB,"                   /* x, y little-endian uint16 pairs in 1/64 px
					    * (float32 pairs in rows made before
					    * compact points) */
	"  descriptors BLOB,"              /* 32 bytes a point (ORB) */
	"  mirror_points BLOB,"            /* the same for the mirrored image */
	"  mirror_descriptors BLOB,"
	"  thumb BLOB NOT NULL,"           /* grey thumbnail of the frame */
	"  made_ms INTEGER NOT NULL"
	");"
	/* the crop pairs a search found among a set of images, so that an
	 * unchanged re-run need not search again: digest names the set (its
	 * images, their files' hashes, the search's settings) */
	"CREATE TABLE crop_searches ("
	"  digest BLOB PRIMARY KEY,"
	"  made_ms INTEGER NOT NULL"
	");"
	"CREATE TABLE crop_pairs ("
	"  digest BLOB NOT NULL REFERENCES crop_searches(digest) ON DELETE CASCADE,"
	"  a INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  b INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  cropped INTEGER NOT NULL,"      /* a or b: the one that is the crop */
	"  distance INTEGER NOT NULL"      /* of their dHashes */
	");"
	"CREATE INDEX crop_pairs_by_digest ON crop_pairs(digest);",
	/* Reading at scale. A model's probabilities without its rows: a row
	 * with an embedding fills a page of its own, so reading the
	 * probabilities of 100k images (label suspects, db report) read 100k
	 * pages and more; this index holds what that reading needs in 2% of
	 * the room. */
	"CREATE INDEX predictions_probs ON predictions(model, prep, image_id, xxh3, classes,"
	"  probs);"
	/* The hashes whose copies sit in two classes, from this index alone
	 * (images_conflicts()), not from a lookup per image. */
	"DROP INDEX images_by_xxh3;"
	"CREATE INDEX images_by_xxh3 ON images(xxh3, status, class);",
	/* 13: a head may be a perceptron (label train --head mlp): its hidden
	 * layers' widths ("256,128"; "" for a softmax head), its layers'
	 * weights and biases one after the other in weights and bias. */
	"ALTER TABLE heads ADD COLUMN hidden TEXT NOT NULL DEFAULT '';",

	/* 14: the signals of 10 as columns of the image row, so a scan writes
	 * one row an image, not two (one B-tree write instead of two). They
	 * are always those of the row's xxh3: a write that changes the
	 * content without measuring it clears them (catalog/images.c). Only
	 * the signals of an image's current content are kept; the table goes
	 * (a shard is migrated before it is merged, db merge says so). */
	"ALTER TABLE images ADD COLUMN sharpness REAL;"
	"ALTER TABLE images ADD COLUMN luma_p5 REAL;"
	"ALTER TABLE images ADD COLUMN luma_p99 REAL;"
	"ALTER TABLE images ADD COLUMN entropy REAL;"
	"ALTER TABLE images ADD COLUMN chroma REAL;"
	"ALTER TABLE images ADD COLUMN colourfulness REAL;"
	"ALTER TABLE images ADD COLUMN skin REAL;"
	"UPDATE images SET sharpness = q.sharpness, luma_p5 = q.luma_p5, luma_p99 = q.luma_p99,"
	"  entropy = q.entropy, chroma = q.chroma, colourfulness = q.colourfulness, skin = q.skin"
	" FROM quality q WHERE q.image_id = images.id AND q.xxh3 = images.xxh3;"
	"DROP TABLE quality;",

	/* 15: a JPEG decoded at 1/8 for its fingerprint (249 px a side and
	 * more) now has its sharpness from its luma DCT blocks whatever its
	 * size; before, a one-scan file over about 1.3 MP had the pixel
	 * measure, which does not share the DCT one's scale. Their signals
	 * are cleared, so the next scan measures them again, reading each
	 * such file once. */
	"UPDATE images SET sharpness = NULL, luma_p5 = NULL, luma_p99 = NULL, entropy = NULL,"
	"  chroma = NULL, colourfulness = NULL, skin = NULL"
	" WHERE format = 'jpeg' AND width > 248 AND height > 248 AND sharpness IS NOT NULL;",
};

const int CATALOG_SCHEMA_VERSION = (int)(sizeof(migrations) / sizeof(migrations[0]));

static int count_tables(struct catalog *cat, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int catalog_check_tables(struct catalog *cat, int version, struct wn_err *err)
{
	int n;

	/* Version 0 must be empty (a new file); later versions must hold the
	 * tables every version has had since the first. */
	if (version == 0)
		n = count_tables(cat, "SELECT count(*) = 0 FROM sqlite_master");
	else
		n = count_tables(cat, "SELECT count(*) = 3 FROM sqlite_master WHERE type = 'table'"
				      " AND name IN ('images', 'runs', 'events')");
	if (n < 0)
		return catalog_fail(cat, err, "not a catalog");
	if (n == 0)
		return wn_fail(err, WN_EDB, "%s: an SQLite file, but not a winnow catalog",
			       cat->file);
	return 0;
}

int catalog_migrate(struct catalog *cat, struct wn_err *err)
{
	int v = catalog_version(cat);

	while (v < CATALOG_SCHEMA_VERSION) {
		char pragma[64];

		if (catalog_begin(cat, err))
			return -1;
		/* Another process may have migrated while we waited for the lock. */
		v = catalog_version(cat);
		if (v >= CATALOG_SCHEMA_VERSION) {
			catalog_rollback(cat);
			break;
		}
		if (catalog_check_tables(cat, v, err)) {
			catalog_rollback(cat);
			return -1;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(cat->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(cat->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
			catalog_fail(cat, err, "schema migration failed");
			catalog_rollback(cat);
			return -1;
		}
		if (catalog_commit(cat, err))
			return -1;
		v++;
	}
	return 0;
}
