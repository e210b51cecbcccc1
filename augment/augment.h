/* augment: what its modules share. job.c turns one source into its
 * samples on a worker thread; run.c walks, decides how many samples each
 * source gets and which are already made, and writes the catalog;
 * main.c reads the command line. */
#ifndef WINNOW_AUGMENT_H
#define WINNOW_AUGMENT_H

#include <stdint.h>
#include <stdio.h>

#include "aug/aug.h"
#include "base/base.h"
#include "hash/hash.h"
#include "img/img.h"
#include "catalog/catalog.h"

struct progress;

struct ag_opts {
	const struct aug_pipeline *pipe;
	const char *pipeline_path;
	char pipeline_hash[17];   /* XXH3-64 of the pipeline file, hex */
	uint64_t seed;
	enum img_format format;   /* IMG_JPEG or IMG_PNG */
	int quality;              /* JPEG quality unless a jpeg_quality step draws one */
	struct img_limits limits;
};

/* One output of a source. */
struct ag_out {
	uint32_t k;               /* sample index */
	char *disk, *path;        /* where it goes: on disk, and its catalog path */
	/* out */
	int done;
	struct wn_err err;
	char *lineage;            /* JSON, malloc'd */
	struct filehash hash;
	int width, height;
	int64_t size, mtime_ns;
};

struct ag_job {
	const struct ag_opts *o;
	struct progress *prog;
	char *src_disk, *src_path, *class_name;
	int64_t src_size, src_mtime;
	struct ag_out *out;       /* the samples still to make */
	size_t nout;
	/* out */
	int failed;               /* the source could not be read or decoded */
	struct wn_err err;
};

/* ag_run_job() : reads and decodes the source once, then makes, encodes
 * and atomically writes each of its samples; a pool job. */
void ag_run_job(void *arg);

/* ag_recipe() : what a re-run compares for sample k: the pipeline's hash,
 * the seed, the sample index and the encoding. */
void ag_recipe(const struct ag_opts *o, uint32_t k, char *buf, size_t len);

/* ag_extension() : "jpg" or "png". */
const char *ag_extension(enum img_format f);

/* A class and how many samples each of its sources gets. */
struct ag_class {
	char *name;               /* NULL: files directly in IN */
	uint64_t originals;       /* files found */
	uint64_t seen;            /* sources met so far in this run */
	uint64_t planned;         /* samples to exist when done */
};

struct ag_run {
	/* settings */
	struct ag_opts o;
	const char *in_dir, *out_dir;
	char *in_real, *out_real;
	uint64_t samples;         /* --samples N, or 0 */
	uint64_t balance;         /* --balance N, or 0 */
	int dry_run;
	int threads;
	FILE *progress;
	struct catalog *cat;
	int64_t run_id;

	/* state */
	struct ag_class *classes;
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
 * and the progress total). @return 0 or -1 with err set. */
int ag_count(struct ag_run *r, struct wn_err *err);

/* ag_samples_for() : how many samples the i-th source (0-based, in walk
 * order) of class c gets. */
uint64_t ag_samples_for(const struct ag_run *r, const struct ag_class *c, uint64_t i);

/* ag_run() : the whole run. @return 0 (per-file failures are counted), or
 * -1 with err set when the catalog or the walk failed. */
int ag_run(struct ag_run *r, struct wn_err *err);

#endif
