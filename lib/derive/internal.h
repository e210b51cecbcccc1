/* What lib/derive's files share: the jobs of each run (filled on the
 * calling thread, worked on a pool thread, recorded on the calling thread
 * again) and the source every job starts from. Not for use outside. */
#ifndef WINNOW_DERIVE_INTERNAL_H
#define WINNOW_DERIVE_INTERNAL_H

#include <stdint.h>
#include <sys/stat.h>

#include "derive/derive.h"

/* A file's mtime in nanoseconds, as the catalog keeps it. */
static inline int64_t derive_mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* A walked source: its names and the stamp its outputs' lineage records. */
struct derive_source {
	char *path;               /* catalog path; owns the names below too */
	const char *disk;         /* as walked: IN/<class>/<name> */
	const char *rel;          /* below IN */
	const char *class_name;   /* NULL: directly in IN */
	int64_t size, mtime_ns;
};

/* derive_source_take() : s filled from walked entry e of IN (whose
 * realpath is in_real). @return 0, or -1 out of memory (err set, s left
 * empty). Free with derive_source_release(). */
int derive_source_take(struct catalog *cat, const char *in_real, const struct walk_entry *e,
		       struct derive_source *s, struct wn_err *err);
void derive_source_release(struct derive_source *s);

/* derive_image_row() : row zeroed, then filled for a file made (or read)
 * whole: its catalog path, class, stamp and XXH3-128 (has_xxh3), status
 * ok. The strings are borrowed. */
void derive_image_row(struct image_row *row, const char *path, const char *class_name,
		      int64_t size, int64_t mtime_ns, const struct filehash *hash);

/* derive_problem() : fn(path, cause) unless fn is NULL. */
void derive_problem(derive_problem_fn fn, const char *path, const char *cause);

/* ---- resize ---------------------------------------------------------- */

enum rs_outcome { RS_RESIZED, RS_COPIED, RS_FAILED };

struct rs_job {
	const struct rs_run *run;         /* NULL: not run (its output is current) */
	/* in (owned by the batch) */
	struct derive_source src;
	char *out_disk, *out_path, *out_rel;            /* out_rel: below OUT */
	/* out */
	enum rs_outcome outcome;
	struct wn_err err;
	int src_broken;           /* the source itself is at fault (not the writing) */
	int passthrough;          /* the output is the source's own bytes */
	int has_src_hash;
	struct filehash src_hash;
	enum img_format src_format, out_format;
	int out_w, out_h;
	struct filehash out_hash;
	struct fingerprint fp;
	struct quality quality;
	int64_t out_size, out_mtime;
	/* the journal: the planned rewrite in place and quarantine move of
	 * this file, 0 when none */
	int replaces;             /* the output exists: it is rewritten */
	int64_t rewrite_event, quarantine_event;  /* the move goes to rel below
						   * the quarantine folder */
};

/* rs_run_job() : reads, checks, resizes (or copies), encodes and writes
 * one image atomically; a pool job. Never leaves a partial output, and
 * never reads or writes through a symlink below IN or OUT. */
void rs_run_job(void *arg);

/* rs_name_output() : names job i of the batch's output (out_disk,
 * out_path, out_rel) and sees whether one is there (replaces).
 * @return 1 when it is already current (skip it), 0 when it is to be
 * made, -1 with err set. */
int rs_name_output(const struct rs_run *r, struct rs_job *batch, size_t i, struct wn_err *err);

/* rs_open_quarantine() : r->quarantine (when set) made and opened, its
 * realpath kept, so a planned move can name its destination as a catalog
 * path. @return 0 or -1 with err set. */
int rs_open_quarantine(struct rs_run *r, struct wn_err *err);

/* rs_plan_quarantine() : plans (in the open transaction) the move of
 * job j's source, catalogued as image id, under the quarantine folder.
 * @return 0 or -1 with err set. */
int rs_plan_quarantine(struct rs_run *r, struct rs_job *j, int64_t id, const char *cause,
		       struct wn_err *err);

/* rs_quarantine_moves() : the batch runner's settle hook: the batch's
 * planned moves carried out, then settled in the journal. */
int rs_quarantine_moves(void *data, void *jobs, size_t n, struct wn_err *err);

/* ---- augment --------------------------------------------------------- */

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
	struct derive_source src;
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

/* ag_name_sample() : names sample k of job j (s->k, s->disk, s->path).
 * @return 1 when that output is already made, 0 when it is to be made,
 * 2 when a file of that name was not made from this source (s->err says
 * so: it is never overwritten), -1 with err set. */
int ag_name_sample(struct ag_run *r, struct ag_job *j, uint32_t k, struct ag_out *s,
		   struct wn_err *err);

/* ag_drop_names() : forgets the folder listing ag_name_sample() keeps. */
void ag_drop_names(struct ag_run *r);

#endif
