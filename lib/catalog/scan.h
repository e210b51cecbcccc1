/* Cataloguing a tree: every image's size, mtime, XXH3-128, dHash,
 * thumbnail, quality signals, dimensions and format, or why it does not
 * decode. A re-run reads only files whose size or mtime changed, or whose
 * row lacks something this version records (a catalog from an older
 * version gets the quality signals so, each file read once). dedup,
 * resize and `db scan` share this. */
#ifndef WINNOW_SCAN_H
#define WINNOW_SCAN_H

#include <stdint.h>
#include <stdio.h>

#include "base/base.h"
#include "catalog/db.h"
#include "hash/hash.h"
#include "img/img.h"
#include "quality/quality.h"

/* Called on the calling thread, in path order, for each file that could
 * not be read (vanished, permission: unreadable set) or does not decode.
 * disk_path is as walked; cause is one line without the path. */
typedef void (*scan_problem_fn)(const char *disk_path, const char *cause, int unreadable,
				void *data);

struct scan_opts {
	int threads;             /* 0: all cores */
	FILE *progress;          /* where to draw a progress line, or NULL */
	struct img_limits limits;
	int rehash;              /* ignore size/mtime stamps: read everything */
	scan_problem_fn on_problem;
	void *data;
	struct shard shard;      /* scan_tree(): only this share of the files (by
	                            the path below the root, as every --shard
	                            command keys them); n 0: all */
};

/* scan_opts_init() : all cores, no progress, default limits. */
void scan_opts_init(struct scan_opts *opts);

struct scan_stats {
	uint64_t files;       /* regular, non-hidden files walked (of this shard) */
	uint64_t other_shards; /* walked, but other shards' share: not looked at */
	uint64_t hashed;      /* read and (re)catalogued this run */
	uint64_t unchanged;   /* same size and mtime as catalogued: not read */
	uint64_t corrupt;     /* catalogued with status corrupt */
	uint64_t unreadable;  /* could not be read; not catalogued */
	uint64_t bytes_read;
};

/* One file to catalogue, as a caller that walked the tree itself has it.
 * Strings are borrowed. */
struct scan_item {
	char *disk_path;     /* path to open */
	char *path;          /* catalog path (catalog_rel_path()) */
	char *class_name;    /* NULL: no class */
	int64_t size, mtime_ns;
};

/*
 * scan_decode() : what one decode of an in-memory image file tells: its
 * fingerprint (exactly fingerprint_decode()'s), its quality signals
 * (quality_measure() on the same decode, colour included) and, when info
 * is not NULL, its header. Thread-safe.
 * @return 0, or -1 with err set as img_decode() sets it.
 */
int scan_decode(const uint8_t *buf, size_t len, const struct img_limits *limits,
		struct fingerprint *fp, struct quality *q, struct img_info *info,
		struct wn_err *err);

/*
 * scan_items() : catalogues the n given files, reading only those whose
 * size or mtime differ from the catalog's. Adds to stats (zero it first).
 * @return 0, or -1 with err set when the catalog failed.
 */
int scan_items(struct catalog *cat, const struct scan_item *items, size_t n,
	       const struct scan_opts *opts, struct scan_stats *stats, struct wn_err *err);

/*
 * scan_tree() : catalogues every file under root (ROOT/<class>/...),
 * skipping the catalog itself and, with opts->shard, the files of other
 * shards (neither opened nor touched in the catalog). Rows are written in transactions of a few
 * hundred, so an interrupted scan keeps what it finished.
 * @return 0 when the walk completed (stats says what failed per file), or
 * -1 with err set when the root or the catalog failed.
 */
int scan_tree(struct catalog *cat, const char *root, const struct scan_opts *opts,
	      struct scan_stats *stats, struct wn_err *err);

#endif
