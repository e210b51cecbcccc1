/* The features table: per image, the local features dedup --crops
 * matches (dupes; computed by feat), with the file hash they were made
 * from, so a changed file's are made again and a removed row's go with
 * it. The catalog keeps them as blobs and does not read them. */
#ifndef WINNOW_FEATURES_H
#define WINNOW_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/db.h"

/* One image's features. On write the caller keeps the arrays; on read
 * they point into SQLite's memory, valid during the callback only. */
struct feature_row {
	int64_t image_id;
	const uint8_t *xxh3;      /* 16 bytes: the file's, which they describe */
	int width, height;        /* the frame the points are in */
	int usable;               /* 0: too small or flat, never matched */
	const void *points, *desc;             /* upright: points, descriptors */
	size_t points_len, desc_len;           /* in bytes */
	const void *mirror_points, *mirror_desc;
	size_t mirror_points_len, mirror_desc_len;
	const void *thumb;
	size_t thumb_len;
};

/* features_set() : inserts or replaces the row of row->image_id.
 * Call inside catalog_begin()/catalog_commit() for speed.
 * @return 0, or -1 with err set. */
int features_set(struct catalog *cat, const struct feature_row *row, struct wn_err *err);

typedef int (*feature_fn)(const struct feature_row *row, void *data);

/* features_foreach() : calls fn for each row made from its image's
 * current file (the same XXH3-128 as the image row), by image id.
 * @return 0, fn's non-zero value, or -1 with err set. */
int features_foreach(struct catalog *cat, feature_fn fn, void *data, struct wn_err *err);

/* A crop pair a search found, by image ids: cropped is a or b. */
struct crop_pair_row {
	int64_t a, b, cropped;
	int distance;
};

/*
 * crop_pairs_get() : the pairs recorded for the search named by digest
 * (16 bytes) into *out (malloc'd, free() it; NULL when none) and *n.
 * @return 1 when that search was recorded, 0 when not, -1 with err set.
 */
int crop_pairs_get(struct catalog *cat, const uint8_t *digest, struct crop_pair_row **out,
		   size_t *n, struct wn_err *err);

/* crop_pairs_put() : records the search named by digest and its n pairs,
 * in one transaction, keeping the CROP_SEARCHES_KEPT newest searches.
 * @return 0, or -1 with err set. */
#define CROP_SEARCHES_KEPT 8
int crop_pairs_put(struct catalog *cat, const uint8_t *digest, const struct crop_pair_row *p,
		   size_t n, struct wn_err *err);

#endif
