/* Derived images: the runs that write new images from a folder's sources
 * and catalogue their lineage. resize makes one output a source (smaller,
 * converted, or in place); augment makes samples through a pipeline.
 *
 * A run: the command fills a struct rs_run or ag_run (settings), opens the
 * catalog and begins its run row, calls rs_run() or ag_count() and
 * ag_run(), then reads the counts. Per-file problems come back through the
 * on_problem callback, the progress line goes to the FILE * given; nothing
 * else is printed. The sources are walked in batches (catalog/batch.h),
 * decoded and written on the worker pool, recorded on the calling thread.
 *
 * Errors: a function returns 0, or -1 with err (the caller's) set when the
 * run cannot go on (the catalog, the walk's root, memory); a file that
 * fails is counted and reported, and the run goes on.
 *
 * Threads: a run belongs to the thread that calls it; the callbacks below
 * say which thread calls them. */
#ifndef WINNOW_DERIVE_H
#define WINNOW_DERIVE_H

#include <stdint.h>
#include <stdio.h>

#include "aug/aug.h"
#include "base/base.h"
#include "img/img.h"
#include "catalog/catalog.h"

/* A file that failed: path as the user sees it (a source or an output
 * below the folders given) and the cause, one line. Called on the calling
 * thread, in walk order. cli_file_error() fits. */
typedef void (*derive_problem_fn)(const char *path, const char *cause);

/* ---- resize ---------------------------------------------------------- */

/*
 * One resize run. The command sets the settings and zeroes the rest;
 * rs_run() fills the counts. The strings are the command's and must
 * outlive the run.
 */
struct rs_run {
	/* settings */
	struct img_transform tf;          /* size, format, quality, limits */
	int in_place;                     /* outputs replace their sources (out_dir == in_dir) */
	const char *in_dir, *out_dir;     /* as given */
	char *in_real, *out_real;         /* realpath of each */
	const char *quarantine;           /* move sources that fail under it, or NULL */
	struct shard shard;               /* take only this share of the paths */
	const char *recipe;               /* what a re-run compares */
	int threads;                      /* pool workers; 0: all cores */
	FILE *progress;                   /* the progress line, or NULL */
	struct catalog *cat;              /* open for writing */
	int64_t run_id;                   /* run_begin()'s */
	derive_problem_fn on_problem;     /* NULL: problems are only counted */
	/* called on a worker right after each output is written (tests kill
	 * the process here), or NULL; must be thread-safe */
	void (*after_act)(void);

	/* counts */
	uint64_t files, resized, copied, unchanged, failed, quarantined;
	uint64_t bytes_in, bytes_out;

	/* state: the run's own while rs_run() runs */
	int in_root, out_root;            /* IN and OUT opened (dspath_open_root()):
					   * every read and write goes from there,
					   * never through a symlink */
	char *quarantine_real;            /* its realpath */
	int quarantine_fd;                /* it opened, or -1 */
	struct progress *prog;
};

/*
 * rs_run() : resizes every image under r->in_dir (walked in sorted order,
 * never the outputs or the quarantine) that has no current output: read,
 * checked, transformed, fingerprinted and written atomically; each output
 * catalogued with its derivation. A file about to be replaced is planned
 * in the journal first (a killed run is settled by the next writer); a
 * source at fault is catalogued as corrupt and, with a quarantine, moved
 * there through the journal.
 * @return 0 (per-file failures are counted in r->failed and reported), or
 * -1 with err set when the catalog or the walk failed.
 */
int rs_run(struct rs_run *r, struct wn_err *err);

/* ---- augment --------------------------------------------------------- */

/* What every sample of a run is made with. */
struct ag_opts {
	const struct aug_pipeline *pipe;  /* parsed; the command's */
	const char *pipeline_path;
	char pipeline_hash[17];   /* XXH3-64 of the pipeline file, hex */
	uint64_t seed;
	enum img_format format;   /* IMG_JPEG or IMG_PNG */
	int quality;              /* JPEG quality unless a jpeg_quality step draws one */
	struct img_limits limits;
};

/* A class and how many samples each of its sources gets (ag_count()). */
struct ag_class {
	char *name;               /* NULL: files directly in IN */
	uint64_t originals;       /* files found */
	uint64_t seen;            /* sources met so far in this run */
	uint64_t planned;         /* samples to exist when done */
};

/*
 * One augment run. The command sets the settings and zeroes the rest;
 * after the run (whatever it returned), ag_release() frees what the run
 * holds.
 */
struct ag_run {
	/* settings */
	struct ag_opts o;
	const char *in_dir, *out_dir;
	char *in_real, *out_real; /* realpath of each (OUT's as given in a dry run) */
	uint64_t samples;         /* samples a source, or 0 */
	uint64_t balance;         /* or: top each class up to this many, or 0 */
	int dry_run;              /* plan and count only: write nothing */
	int threads;
	FILE *progress;
	struct catalog *cat;
	int64_t run_id;
	derive_problem_fn on_problem;  /* NULL: problems are only counted */

	/* state */
	struct ag_class *classes; /* ag_count()'s, in walk order */
	size_t nclasses;
	struct progress *prog;
	struct wn_err err;        /* the count's, while walk_tree() runs */
	/* the names in the folder of the last source named, sorted: what
	 * the stem check looks in (one directory read per folder) */
	char *names_dir;
	char **names;
	size_t nnames;

	/* counts */
	uint64_t sources, made, unchanged, failed_sources, failed_outputs;
	uint64_t bytes_out;
};

/* ag_count() : walks IN once to count each class's files (for --balance
 * and the progress total) into r->classes. @return 0 or -1 with err set. */
int ag_count(struct ag_run *r, struct wn_err *err);

/*
 * ag_run() : after ag_count(), makes every sample each source is due that
 * is not made already (same recipe, same source stamp), never overwriting
 * a file it did not make from that source; records each with its lineage.
 * In a dry run, only names and counts them.
 * @return 0 (per-file failures are counted and reported), or -1 with err
 * set when the catalog or the walk failed.
 */
int ag_run(struct ag_run *r, struct wn_err *err);

/* ag_release() : frees the classes and what else the run holds (not the
 * settings: they are the command's). r can be run again after
 * ag_count(). */
void ag_release(struct ag_run *r);

#endif
