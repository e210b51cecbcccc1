/* dedup: what its modules share. files.c finds the files and their hashes,
 * keep.c ranks them, group.c forms exact and near groups, act.c deletes or
 * moves, report.c and html.c print. */
#ifndef WINNOW_DEDUP_H
#define WINNOW_DEDUP_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli/cli.h"
#include "hash/hash.h"
#include "catalog/catalog.h"

enum dd_match { MATCH_EXACT, MATCH_NEAR };
enum dd_action { ACT_NONE, ACT_KEEP, ACT_DELETE, ACT_MOVE, ACT_REPORT };
enum keep_rule { KEEP_PIXELS, KEEP_OLDEST, KEEP_NEWEST, KEEP_FIRST };

#define DD_DEFAULT_THRESHOLD 11
#define DD_DEFAULT_SIMILARITY 0.94

struct dd_file {
	struct scan_item item;   /* disk path, catalog path, class, size, mtime */
	char *rel;               /* path under its root, for --move-to */
	int root;                /* index into the roots */
	size_t order;            /* walk order, for --keep first */
	size_t link_of;          /* when linked: the file's first name */
	dev_t dev;
	ino_t ino;
	int64_t image_id;        /* catalog row, 0 when none */
	unsigned usable : 1;     /* hashes known for this very size and mtime */
	unsigned linked : 1;     /* a hard link to a file seen earlier */
	unsigned has_xxh3 : 1;
	unsigned has_fp : 1;
	unsigned flat : 1;
	unsigned preferred : 1;  /* under --prefer */
	unsigned corrupt : 1;    /* the catalog says it does not decode */
	unsigned fresh : 1;      /* hashed by this run (--exact-only) */
	unsigned written : 1;    /* its fresh digest is in the catalog */
	uint8_t xxh3[16];
	uint8_t head[16];
	uint64_t dhash;
	uint32_t thumb;          /* index into dedup.thumbs, when has_fp */
	int64_t pixels;
	size_t rank;             /* position in keeper order: 0 is kept first */
	int group;               /* 1-based, 0 when in none */
	int distance;            /* Hamming distance to its group's keeper */
	enum dd_action action;
};

struct dd_group {
	enum dd_match match;
	size_t *members;         /* file indexes, keeper first, then by rank */
	size_t n;
	int conflict;            /* members in more than one class */
};

struct dedup {
	/* options */
	const char *roots[2];
	int nroots;              /* 2 with --across */
	int exact_only;
	int threshold;
	double similarity;
	enum keep_rule keep;
	const char *prefer;      /* realpath of --prefer, or NULL */
	enum dd_action action;   /* ACT_REPORT, ACT_DELETE or ACT_MOVE */
	const char *move_to;
	char *move_to_real;      /* its realpath, made by dd_apply() */
	int move_to_fd;          /* it opened (dspath_open_root()), or -1 */
	int dry_run;
	int threads;
	FILE *progress;

	/* state */
	int root_fd[2];          /* each root opened by dd_collect(), or -1:
				  * every act resolves its file from there */
	struct catalog *cat;
	int64_t run_id;
	struct dd_file *f;
	size_t n, alloc;
	uint8_t *thumbs;         /* THUMB_BYTES per fingerprinted file */
	size_t nthumbs;
	struct dd_group *groups;
	size_t ngroups;

	/* counts for the summary and the run record */
	uint64_t files, unreadable, corrupt, flat, conflicts;
	uint64_t links;          /* other names of files seen (hard links) */
	uint64_t acted, acted_bytes, failed_actions;
	struct scan_stats scan;
};

/* files.c: open and walk the roots, then find every file's hashes
 * (catalogue what changed; with exact_only, hash only files that share a
 * size). dd_init() sets what dd_release() frees as not yet made. */
void dd_init(struct dedup *d);
int dd_collect(struct dedup *d, struct wn_err *err);
int dd_hash(struct dedup *d, struct wn_err *err);
void dd_release(struct dedup *d);

/* keep.c */
int dd_parse_keep(const char *s, enum keep_rule *out);
int dd_rank(struct dedup *d);   /* -1: out of memory */

/* group.c */
int dd_group_exact(struct dedup *d, struct wn_err *err);
int dd_group_near(struct dedup *d, struct wn_err *err);
void dd_assign_actions(struct dedup *d);
/* dd_record_conflicts() : every group (dup_groups, for label review) and
 * those that span class folders (conflicts, for label suspects) into the
 * catalog, replacing what earlier runs recorded for these files. Nothing
 * under --dry-run. */
int dd_record_conflicts(struct dedup *d, struct wn_err *err);

/* act.c */
int dd_apply(struct dedup *d, struct wn_err *err);

/* report.c */
int dd_report(const struct dedup *d, enum out_format fmt);
void dd_summary(const struct dedup *d);
void dd_counts_json(const struct dedup *d, char *buf, size_t len);

/* html.c */
int dd_html(const struct dedup *d, const char *path, struct wn_err *err);

#endif
