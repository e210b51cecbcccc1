/* Image rows of the catalog: one per file, keyed by its catalog path. */
#ifndef WINNOW_IMAGES_H
#define WINNOW_IMAGES_H

#include <stdint.h>

#include "catalog/db.h"
#include "hash/hash.h"
#include "quality/quality.h"

enum image_status {
	IMAGE_OK,
	IMAGE_CORRUPT,      /* read, but does not decode (error says why) */
	IMAGE_DELETED,      /* removed by a command; kept for the audit trail */
	IMAGE_QUARANTINED,  /* moved aside by a command */
};

/* image_status_name() : "ok", "corrupt", "deleted", "quarantined". */
const char *image_status_name(enum image_status s);
/* image_status_parse() : the status named s, or -1. */
int image_status_parse(const char *s);

/* A row as read or to be written. Strings are borrowed: on write the caller
 * keeps them; on read they point into SQLite's memory and are valid only
 * during the callback that receives the row. */
struct image_row {
	int64_t id;
	const char *path;
	const char *class_name;   /* NULL: no class */
	int64_t size;
	int64_t mtime_ns;
	int has_xxh3;
	uint8_t xxh3[16];
	uint8_t head_xxh3[16];
	int has_fingerprint;
	uint64_t dhash;
	uint8_t thumb[THUMB_BYTES];
	int width, height;        /* 0 when unknown */
	const char *format;       /* "jpeg", ...; NULL when unknown */
	enum image_status status;
	const char *error;
	const char *source_url;
	/* On write: the quality signals measured from this file, kept with
	 * its XXH3-128 (has_xxh3 needed). NULL: none measured now; the row
	 * keeps those it has when its xxh3 stays the same, and has none
	 * otherwise. On read: NULL. */
	const struct quality *quality;
};

/*
 * images_upsert() : inserts row, or updates the row with the same path
 * (keeping its id, added time and source URL when row has none). The
 * row's id goes to *id when id is not NULL. A row deleted or quarantined
 * is left as it is (and *id set to 0) unless the file is on disk at the
 * time of the call: a scan that read a file before another command
 * deleted it never brings its row back.
 * Call inside catalog_begin()/catalog_commit() for speed.
 * @return 0, or -1 with err set.
 */
int images_upsert(struct catalog *cat, const struct image_row *row, int64_t *id,
		  struct wn_err *err);

/* What an image was made from (resize, augment): a row of `derived`. */
struct derivation {
	const char *source;       /* catalog path of the source file */
	int64_t source_size, source_mtime_ns;
	const char *recipe;       /* the operation and its settings, as text;
				   * what a re-run compares */
	const char *lineage;      /* JSON detail (augment's draws); NULL: none */
};

/* derived_set() : records (or replaces) how image id was made. */
int derived_set(struct catalog *cat, int64_t id, const struct derivation *d,
		struct wn_err *err);

/*
 * derived_is_current() : whether the image at catalog path `path` was made
 * from `d->source` with `d->recipe` while the source had d's size and
 * mtime, and is itself still of size `size` and mtime `mtime_ns` with
 * status ok. @return 1 yes, 0 no, -1 error.
 */
int derived_is_current(struct catalog *cat, const char *path, int64_t size, int64_t mtime_ns,
		       const struct derivation *d, struct wn_err *err);

/* derived_source_of() : the source recorded for the image at path, copied
 * into out (empty when none). @return 1 found, 0 not, -1 error. */
int derived_source_of(struct catalog *cat, const char *path, struct strbuf *out,
		      struct wn_err *err);

/* images_set_status() : sets the status of row id (after a delete or a
 * move). @return 0, or -1 with err set. */
int images_set_status(struct catalog *cat, int64_t id, enum image_status status,
		      struct wn_err *err);

/* What a re-run needs to decide whether a file changed. */
struct image_stamp {
	int64_t id;
	int64_t size;
	int64_t mtime_ns;
	enum image_status status;
	int hashed;   /* xxh3, fingerprint and quality signals of that xxh3 (or
		       * the corrupt verdict) present */
};

/* images_stamp() : the stamp of path. @return 1 found, 0 not, -1 error. */
int images_stamp(struct catalog *cat, const char *path, struct image_stamp *out,
		 struct wn_err *err);

struct image_filter {
	const char *class_name;  /* NULL: any */
	int status;              /* -1: any */
	const char *path_prefix; /* NULL: any; "train/" limits to that folder */
};

/* Return 0 to go on, non-zero to stop with that value. */
typedef int (*image_fn)(const struct image_row *row, void *data);

/*
 * images_foreach() : calls fn for each row matching filter, by path.
 * @return 0, fn's non-zero value, or -1 with err set.
 */
int images_foreach(struct catalog *cat, const struct image_filter *filter, image_fn fn,
		   void *data, struct wn_err *err);

/* An ok image with quality signals measured from its current content.
 * Strings are SQLite's, valid during the callback only. */
struct image_quality {
	int64_t id;
	int64_t size, mtime_ns;   /* of the file the signals were measured on */
	const char *path;
	const char *class_name;   /* NULL: no class */
	int width, height;
	struct quality q;
};

/*
 * images_quality_foreach() : calls fn for each ok image under
 * filter->path_prefix (and of filter->class_name, when set) whose signals
 * were measured from its current content, by path; *missing (optional)
 * gets how many ok images there have none (a scan by an older version,
 * or a writer that does not decode).
 * @return 0, fn's non-zero value, or -1 with err set.
 */
int images_quality_foreach(struct catalog *cat, const struct image_filter *filter,
			   int (*fn)(const struct image_quality *iq, void *data), void *data,
			   int64_t *missing, struct wn_err *err);

/* Label conflicts: an ok image whose exact copy (same XXH3-128) sits in
 * another class folder, both under path_prefix (NULL: anywhere). One call
 * per (image, copy) pair, by path, then the copy's class and path. */
typedef int (*conflict_fn)(const char *path, const char *class_name, const char *other_path,
			   const char *other_class, void *data);
int images_conflicts(struct catalog *cat, const char *path_prefix, conflict_fn fn, void *data,
		     struct wn_err *err);

/* images_classes() : the classes of ok images under path_prefix (NULL:
 * all), by name; fn(NULL) never. @return 0, fn's value, or -1. */
int images_classes(struct catalog *cat, const char *path_prefix,
		   int (*fn)(const char *class_name, void *data), void *data, struct wn_err *err);

/* images_move() : the row of image id now lives at path in class. */
int images_move(struct catalog *cat, int64_t id, const char *path, const char *class_name,
		struct wn_err *err);

/* derived_counts() : images made by a recipe starting with `recipe`
 * ("augment "), counted per class of the made image. */
int derived_counts(struct catalog *cat, const char *recipe,
		   int (*fn)(const char *class_name, int64_t count, void *data), void *data,
		   struct wn_err *err);

/* conflicts_clear() : forgets the recorded conflicts of these images
 * (before a dedup run records what it found for them). */
int conflicts_clear(struct catalog *cat, const int64_t *ids, size_t n, struct wn_err *err);

/* conflicts_add() : records image id as a member of group grp whose
 * members sit in more than one class; match is how it matches the keeper,
 * as dup_groups_add() takes it. */
int conflicts_add(struct catalog *cat, int64_t run_id, int grp, int64_t id, const char *match,
		  struct wn_err *err);

/* conflicts_foreach() : recorded conflicts under path_prefix, one call per
 * (image, other member in another class), by path. */
int conflicts_foreach(struct catalog *cat, const char *path_prefix, conflict_fn fn, void *data,
		      struct wn_err *err);

/* Counts per (class, status), for `db stats`. class_name NULL: no class. */
typedef int (*image_stats_fn)(const char *class_name, enum image_status status,
			      int64_t count, int64_t bytes, void *data);
int images_stats(struct catalog *cat, image_stats_fn fn, void *data, struct wn_err *err);

#endif
