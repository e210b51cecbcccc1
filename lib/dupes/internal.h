/* dupes: what its modules share. run.c holds a run's life, files.c finds
 * the files and their hashes, keep.c ranks them, group.c forms exact and
 * near groups, act.c deletes or moves, report.c and html.c write what the
 * command prints. */
#ifndef WINNOW_DUPES_INTERNAL_H
#define WINNOW_DUPES_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "dupes/dupes.h"
#include "hash/hash.h"
#include "catalog/catalog.h"


struct dupes_file {
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
	unsigned small : 1;      /* under FINGERPRINT_MIN_SIDE pixels a side */
	unsigned preferred : 1;  /* under --prefer */
	unsigned corrupt : 1;    /* the catalog says it does not decode */
	unsigned fresh : 1;      /* hashed by this run (--exact-only) */
	unsigned written : 1;    /* its fresh digest is in the catalog */
	unsigned crop_source : 1;   /* matched as crop: its keeper is the crop
				     * of it (so it is only reported) */
	uint8_t xxh3[16];
	uint8_t head[16];
	uint64_t dhash;
	uint32_t thumb;          /* index into dupes.thumbs, when has_fp */
	int64_t pixels;
	size_t rank;             /* position in keeper order: 0 is kept first */
	int group;               /* 1-based, 0 when in none */
	/* as a copy in its group (not the keeper): how it matches the keeper,
	 * and the Hamming distance of their dHashes (of the turned thumbnail's
	 * when mirrored or rotated) */
	enum dupes_match match;
	int distance;
	enum dupes_action action;
};

struct dupes_group {
	enum dupes_match match;  /* exact, or how its first copy matches */
	size_t *members;         /* file indexes, keeper first, then by rank */
	size_t n;
	int conflict;            /* members in more than one class */
};

struct dupes {
	struct dupes_opts opt;
	char *move_to_real;      /* opt.move_to's realpath, made by dupes_apply() */
	int move_to_fd;          /* it opened (dspath_open_root()), or -1 */

	/* state */
	int root_fd[2];          /* each root opened by dupes_collect(), or -1:
				  * every act resolves its file from there */
	struct catalog *cat;
	int64_t run_id;
	struct dupes_file *f;
	size_t n, alloc;
	uint8_t *thumbs;         /* THUMB_BYTES per fingerprinted file */
	size_t nthumbs;
	struct dupes_group *groups;
	size_t ngroups;
	int64_t *apart;          /* image id pairs a person told apart (label
				  * review's split), 2 a pair, sorted */
	size_t napart;

	/* counts for the summary and the run record */
	uint64_t files, unreadable, corrupt, flat, small, conflicts;
	uint64_t links;          /* other names of files seen (hard links) */
	uint64_t acted, acted_bytes, failed_actions;
	uint64_t crop_made, crop_unusable;   /* crop features computed now; images
					      * too small or flat for them */
	struct scan_stats scan;
};

/* files.c: open and walk the roots, then find every file's hashes
 * (catalogue what changed; with exact_only, hash only files that share a
 * size). */
int dupes_collect(struct dupes *d, struct wn_err *err);
int dupes_hash(struct dupes *d, struct wn_err *err);

/* keep.c */
int dupes_rank(struct dupes *d);   /* -1: out of memory */

/* group.c: exact groups, then groups of visual copies (pairs.c), never
 * pairing files a person told apart (dupes_told_apart()). */
int dupes_told_apart(const struct dupes *d, size_t fa, size_t fb);
int dupes_group_exact(struct dupes *d, struct wn_err *err);
int dupes_group_near(struct dupes *d, struct wn_err *err);
void dupes_assign_actions(struct dupes *d);
/* dupes_record_conflicts() : every group (dup_groups, for label review) and
 * those that span class folders (conflicts, for label suspects) into the
 * catalog, replacing what earlier runs recorded for these files. Nothing
 * under dry_run. */
int dupes_record_conflicts(struct dupes *d, struct wn_err *err);

/* cropfeat.c: the crop features of the search ids' files rep[0..nrep),
 * from the catalog or computed (reporting the files that fail): *crops
 * owns them, (*ptrs)[k] is rep[k]'s or NULL (free() it). */
int dupes_crop_features(struct dupes *d, const size_t *rep, size_t nrep,
			struct dupes_crops **crops, const struct feat ***ptrs,
			struct wn_err *err);

/* cropfeat.c: the crop pairs among the search ids' files rep[0..in->n)
 * with features (in->crops): those the catalog recorded for the same
 * search (the same images, files, sides and settings), or searched now
 * (dupes_crop_search()) and recorded; sorted by a, then b. Then
 * dupes_pairs_merge() adds them to the other kinds' pairs p (sorted, one
 * a couple), a couple's earlier kind winning. */
int dupes_crop_pairs(struct dupes *d, const struct dupes_pairs_in *in, const size_t *rep,
		     struct dupes_pair **out, size_t *n, struct wn_err *err);
int dupes_pairs_merge(struct dupes_pair **p, size_t *np, const struct dupes_pair *crop,
		      size_t ncrop);

/* The crop search's settings, as a string: part of a recorded search's
 * name, so that a change of them searches again. */
extern const char dupes_crop_search_version[];

/* crops.c: the crop pairs among in's images that have usable features
 * (in->crops), each once (a < b). @return 0 with *out (malloc'd) and *n
 * set, or -1 with err set. Deterministic whatever the thread count. */
int dupes_crop_search(const struct dupes_pairs_in *in, struct dupes_pair **out, size_t *n,
		      struct wn_err *err);

/* act.c */
int dupes_apply(struct dupes *d, struct wn_err *err);

/* How member i of g matches its keeper (the keeper: the group's kind),
 * and the distance of their dHashes (0 for the keeper and exact copies). */
static inline enum dupes_match dupes_member_match(const struct dupes *d,
						  const struct dupes_group *g, size_t i)
{
	return i ? d->f[g->members[i]].match : g->match;
}

static inline int dupes_member_distance(const struct dupes *d, const struct dupes_group *g,
					size_t i)
{
	return i && g->match != DUPES_EXACT ? d->f[g->members[i]].distance : 0;
}

/* A problem with the file at path, to opt.on_problem. */
static inline void dupes_problem(const struct dupes *d, const char *path, const char *cause)
{
	if (d->opt.on_problem)
		d->opt.on_problem(path, cause, d->opt.data);
}


/*
 * The bounded pair search (window.c), for when the exhaustive multi-index
 * one (mih.h) would cost too much: dHashes of smooth images crowd, so the
 * candidates within a radius grow as N^2 (0.1% of all pairs of photos are
 * within 11 bits). Instead, in each of WINDOW_ORDERS orders (the hashes
 * sorted with their bits shuffled, a different shuffle each), every query
 * meets the WINDOW_SIDE entries on each side of where it sorts, and of
 * all it met that qualify (within radius; across, as mih_cross_reach() at
 * radius and reach would report them) the WINDOW_KEEP nearest go to fn
 * once each, as mih_cross()'s would: a copy shares most of its source's
 * bits, so it sorts next to it in some order. The work is WINDOW_ORDERS
 * sorts and 2 * WINDOW_SIDE + 1 comparisons a query an order, and at most
 * WINDOW_KEEP calls of fn a query, however the hashes crowd; what it can
 * miss is a copy never met, or met with WINDOW_KEEP closer hashes. The
 * queries come in blocks of stride (at most 256 blocks), query x's turn
 * of image x % stride: an image's nearest are ranked over all its blocks.
 * With queries == hashes (nq == n) a self-join: fn gets i < j. Memory:
 * 65 bytes an image and 16 a query and an entry. @return 0, fn's value when it
 * stopped, or -1 with err set.
 */
#define WINDOW_ORDERS 16
#define WINDOW_SIDE 12
#define WINDOW_KEEP 8
typedef int (*window_fn)(size_t i, size_t j, int distance, void *data);
int dupes_window_search(const uint64_t *queries, size_t nq, const uint64_t *hashes, size_t n,
			size_t stride, int radius, int reach, int threads, window_fn fn,
			void *data, struct wn_err *err);

#endif
