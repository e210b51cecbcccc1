/* dupes: finding exact and near duplicates in a dataset and acting on
 * them. Exact copies share size and XXH3-128; near ones have dHash-64
 * within a radius and thumbnails that correlate; mirrored and rotated
 * ones have a turned thumbnail that does; cropped ones (--crops) share
 * local features under a similarity that keeps most of the source's
 * frame, confirmed on small thumbnails. Each group keeps one
 * copy by a rule; the others are reported, deleted or moved through the
 * catalog's journal, never a group's last copy, never anything outside
 * the roots.
 *
 * Errors: 0 / -1 with a caller-owned struct wn_err, as everywhere in the
 * library. Per-file problems (unreadable, vanished, an act refused) do
 * not stop a run: each goes to opts.on_problem, and dupes_some_failed()
 * says whether there were any.
 * Printing: none of its own; the report, contact sheet and summary are
 * written where the caller says.
 * Threads: a struct dupes belongs to one thread; dupes_run() uses a
 * worker pool of its own inside, and calls every callback on the thread
 * that called it.
 * Depends on: catalog, feat (and hash, img, base). */
#ifndef WINNOW_DUPES_H
#define WINNOW_DUPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"
#include "catalog/catalog.h"

enum dupes_action { DUPES_ACT_NONE, DUPES_ACT_KEEP, DUPES_ACT_DELETE, DUPES_ACT_MOVE,
		    DUPES_ACT_REPORT };
/* Which copy a group keeps: most pixels (then largest file, then shortest
 * path, then the path's bytes), oldest or newest mtime, first walked. */
enum dupes_keep { DUPES_KEEP_PIXELS, DUPES_KEEP_OLDEST, DUPES_KEEP_NEWEST, DUPES_KEEP_FIRST };

#define DUPES_DEFAULT_THRESHOLD 11
#define DUPES_DEFAULT_SIMILARITY 0.94

/* The kinds of copy a run looks for (struct dupes_opts.match), and how a
 * copy matches its group's keeper (the report's match column):
 * byte-identical; near (a dHash within the threshold); mirrored; rotated
 * by 90, 180 or 270 degrees (or mirrored and rotated). Near, mirrored and
 * rotated copies may also be rescaled and recompressed; all three are
 * confirmed on the thumbnails. A crop keeps FEAT_MIN_SHARE (60%) or more
 * of each side of its source, anywhere in the frame, and may also be
 * mirrored, turned, rescaled and recompressed (not looked for by
 * default: its features are computed and catalogued on first use). */
#define DUPES_MATCH_EXACT  (1u << 0)
#define DUPES_MATCH_NEAR   (1u << 1)
#define DUPES_MATCH_MIRROR (1u << 2)
#define DUPES_MATCH_ROTATE (1u << 3)
#define DUPES_MATCH_CROP   (1u << 4)
#define DUPES_MATCH_DEFAULT \
	(DUPES_MATCH_EXACT | DUPES_MATCH_NEAR | DUPES_MATCH_MIRROR | DUPES_MATCH_ROTATE)

/* The mirrored and rotated search (docs/internals.md): a copy's turned
 * thumbnail hash is found within DUPES_TURN_RADIUS bits of its source's,
 * and most of those within DUPES_TURN_REACH (mih_cross_reach(): the
 * radius's cost, a larger distance). */
#define DUPES_TURN_RADIUS 7
#define DUPES_TURN_REACH 9

/* How a copy matches its keeper, in order of preference when a pair
 * matches more than one way. */
enum dupes_match { DUPES_EXACT, DUPES_NEAR, DUPES_MIRROR, DUPES_ROTATE, DUPES_CROP };

/* dupes_match_name() : "exact", "near", "mirror", "rotate" or "crop". */
const char *dupes_match_name(enum dupes_match m);

/* A file the run could not use or act on; cause is one line without the
 * path. */
typedef void (*dupes_problem_fn)(const char *path, const char *cause, void *data);

/* A run's settings. Strings and the stream are borrowed: they must
 * outlive the struct dupes made with them. */
struct dupes_opts {
	const char *roots[2];    /* the dataset(s), laid out ROOT/<class>/file */
	int nroots;              /* 2: only pairs across the roots (leakage) */
	int exact_only;          /* byte-identical files only; reads no pixels */
	int catalog_only;        /* the files are the catalog's rows under the
				  * roots, their hashes as catalogued: no
				  * walk, no file read (crop features only
				  * where catalogued); report only */
	unsigned match;          /* DUPES_MATCH_* bits: what else is looked for */
	int threshold;           /* dHash distance of near candidates, 0..15 */
	double similarity;       /* thumbnail correlation a candidate needs */
	enum dupes_keep keep;
	const char *prefer;      /* a realpath: copies under it are kept first;
				  * NULL: none */
	enum dupes_action action;   /* DUPES_ACT_REPORT, _DELETE or _MOVE */
	const char *move_to;     /* the folder of DUPES_ACT_MOVE */
	int dry_run;             /* decide the actions, carry out none */
	int threads;             /* 0: all cores */
	FILE *progress;          /* where to draw a progress line, or NULL */
	dupes_problem_fn on_problem;   /* NULL: problems are only counted */
	void *data;                    /* for on_problem */
	/* Test hooks, or NULL: called right before each act on a file (a test
	 * stops the process there) and right after each one done (a test
	 * kills it there). */
	void (*before_act)(void);
	void (*after_act)(void);
	double pairs_budget;     /* dupes_pairs_in.budget (0: the default);
				  * tests and benchmarks force the bounded
				  * search with a small one */
};

/* dupes_opts_init() : no roots yet (the caller sets roots and nroots),
 * DUPES_MATCH_DEFAULT, report only, DUPES_KEEP_PIXELS, the default
 * threshold and similarity, all cores, no progress, no callbacks. */
void dupes_opts_init(struct dupes_opts *opts);

struct dupes;

/* dupes_new() : a run with a copy of opts. @return it (dupes_free()), or
 * NULL when out of memory. */
struct dupes *dupes_new(const struct dupes_opts *opts);

/*
 * dupes_run() : walks the roots, finds every file's hashes (catalogued
 * ones are reused when size and mtime match, new ones written to cat;
 * with catalog_only, takes the catalogued images under the roots instead),
 * ranks the files, forms the groups, records them (and those across
 * classes, as conflicts) under run run_id unless dry_run, and, with
 * DUPES_ACT_DELETE or _MOVE, carries out the acts through the journal of
 * run_id. cat must be open for writing; it is borrowed.
 * @return 0 when the run completed (per-file problems included), or -1
 * with err set when it stopped: a root or the catalog failed, out of
 * memory. Call it once per struct dupes.
 */
int dupes_run(struct dupes *d, struct catalog *cat, int64_t run_id, struct wn_err *err);

/* dupes_some_failed() : 1 when some file was unreadable or corrupt, or an
 * act failed (each went to on_problem), else 0. */
int dupes_some_failed(const struct dupes *d);

/* dupes_report() : one row per member of every group to out: in
 * FMT_TEXT the groups with their actions, then the flat images and the
 * hard links left alone; in CSV or JSON lines the columns group, match,
 * distance, class, path, action. @return 0, or -1 when writing failed. */
int dupes_report(const struct dupes *d, enum out_format fmt, FILE *out);

/* dupes_html() : a contact sheet of the near groups at path, written
 * atomically (thumbnails inlined). @return 0, or -1 with err set. */
int dupes_html(const struct dupes *d, const char *path, struct wn_err *err);

/* dupes_summary() : the counts and what was done (or would be), two
 * lines, each starting "prog: ", to out. */
void dupes_summary(const struct dupes *d, const char *prog, FILE *out);

/* dupes_counts_json() : the counts as a JSON object, for the run's
 * record, into buf (truncated to len). */
void dupes_counts_json(const struct dupes *d, char *buf, size_t len);

/*
 * The visual pair search alone, for callers that hold the fingerprints
 * themselves (db split): every pair of images that are near, mirrored or
 * rotated copies of each other, confirmed on the thumbnails, and with
 * crop features, crops.
 */
struct feat;
struct dupes_pairs_in {
	size_t n;
	const uint64_t *dhash;     /* n dHashes (the catalog's) */
	const uint8_t *thumbs;     /* n thumbnails, THUMB_BYTES each; none flat */
	const int *side;           /* n, or NULL: only pairs of different sides */
	unsigned match;            /* DUPES_MATCH_NEAR, _MIRROR, _ROTATE, _CROP bits */
	int threshold;             /* near: dHash distance, 0..15 */
	double similarity;         /* thumbnail correlation a pair needs */
	int threads;               /* 0: all cores */
	const struct feat *const *crops;  /* DUPES_MATCH_CROP: n feature sets
					   * (dupes_crops_get()), an entry NULL
					   * or unusable when there is none;
					   * NULL: no crop search */
	double budget;             /* hash comparisons an image the exhaustive
				    * search may make; 0: DUPES_PAIRS_BUDGET */
};

/* Past this many dHash comparisons an image (mih_cost()), the near and the
 * turned searches each give way to the bounded one (dupes_pairs()). */
#define DUPES_PAIRS_BUDGET 2000.0

struct dupes_pair {
	size_t a, b;               /* indexes into the input, a < b */
	enum dupes_match match;    /* near, mirror, rotate or crop */
	int distance;              /* of the dHashes (turned, when mirror or
				    * rotate: the smaller of the two sides'
				    * turns; as they are for a crop) */
	size_t cropped;            /* crop: a or b, the one that is the crop */
};

/* dupes_pairs() : the pairs, sorted by a then b, one a couple (the first
 * kind in enum dupes_match's order when several hold). Deterministic
 * whatever the thread count. @return 0 with *out (malloc'd, free() it)
 * and *n set, or -1 with err set (out of memory). */
int dupes_pairs(const struct dupes_pairs_in *in, struct dupes_pair **out, size_t *n,
		struct wn_err *err);

/*
 * Crop features for dupes_pairs_in.crops, from the catalog (db split):
 * the images' rows made from their current files, and, when compute is
 * set, the missing ones computed from the files (decoded on `threads`
 * workers, 0: all cores) and stored, a transaction a batch. A file that
 * cannot be read or decoded goes to on_problem (NULL: counted only) and
 * has none.
 */
struct dupes_crops;
struct dupes_crop_image {
	int64_t id;                /* the catalog's image row */
	const uint8_t *xxh3;       /* its file's XXH3-128, as the row has it */
	const char *path;          /* its catalog path */
};

/* dupes_crops_load() : @return 0 with *out set (dupes_crops_free()), or
 * -1 with err set (the catalog failed, out of memory). cat is borrowed. */
int dupes_crops_load(struct catalog *cat, const struct dupes_crop_image *img, size_t n,
		     int compute, int threads, dupes_problem_fn on_problem, void *data,
		     struct dupes_crops **out, struct wn_err *err);

/* dupes_crops_get() : image i's features (as listed to dupes_crops_load()),
 * or NULL when it has none. Valid until dupes_crops_free(). */
const struct feat *dupes_crops_get(const struct dupes_crops *c, size_t i);

/* dupes_crops_counts() : how many of the images were computed now, and
 * how many are too small or flat for the crop search. */
void dupes_crops_counts(const struct dupes_crops *c, size_t *computed, size_t *unusable);

/* dupes_crops_free() : NULL is fine. */
void dupes_crops_free(struct dupes_crops *c);

/*
 * dupes_crop_pairs_recorded() : the crop pairs among in's images with
 * usable features (in->crops; in->match is not read), as the catalog
 * recorded them for the same search, or else searched now (and, when
 * write, recorded). A search is named by its images' catalog rows ids[k],
 * their files' XXH3-128 (xxh3 + 16 k), their sides and the search's
 * settings; the images are searched in id order, so that callers listing
 * the same images in other orders (dedup, db split) find the same pairs
 * and share the record. Images with id 0 take no part. Fewer than two
 * images with features: no pairs, no search, nothing recorded.
 * @return 0 with *out (malloc'd, pairs as dupes_pairs() gives them, crops
 * only, sorted), *n and *searched (1 when it searched) set, or -1 with
 * err set (the catalog failed, out of memory).
 */
int dupes_crop_pairs_recorded(struct catalog *cat, const struct dupes_pairs_in *in,
			      const int64_t *ids, const uint8_t *xxh3, int write,
			      struct dupes_pair **out, size_t *n, int *searched,
			      struct wn_err *err);

/* dupes_free() : closes what the run opened and frees it; NULL is fine. */
void dupes_free(struct dupes *d);

/* dupes_parse_keep() : the rule "pixels", "oldest", "newest" or "first"
 * names. @return 0 with *out set, or -1 when s names none. */
int dupes_parse_keep(const char *s, enum dupes_keep *out);

/* dupes_parse_match() : the DUPES_MATCH_* bits of a comma-separated list
 * of "exact", "near", "mirror", "rotate" and "crop". @return 0 with *out set, or
 * -1 with *bad pointing at the first word that names none (or an empty
 * list). */
int dupes_parse_match(const char *s, unsigned *out, const char **bad);

#endif
