/* The resize run: stream the walk in batches (memory does not grow with
 * the number of files), decide each output's name and whether it is
 * already current, hand the rest to the pool, and record the results. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define BATCH 256

static void free_job(void *job)
{
	struct rs_job *j = job;

	derive_source_release(&j->src);
	free(j->out_disk);
	free(j->out_path);
	free(j->out_rel);
	memset(j, 0, sizeof(*j));
}

static int record_output(struct rs_run *r, struct rs_job *j, struct wn_err *err)
{
	struct image_row row;
	struct derivation d = { j->src.path, j->src.size, j->src.mtime_ns, r->recipe, NULL };
	int64_t id = 0;

	derive_image_row(&row, j->out_path, j->src.class_name, j->out_size, j->out_mtime,
			 &j->out_hash);
	row.has_fingerprint = 1;
	row.dhash = j->fp.dhash;
	memcpy(row.thumb, j->fp.thumb, THUMB_BYTES);
	row.quality = &j->quality;
	row.width = j->out_w;
	row.height = j->out_h;
	row.format = img_format_name(j->out_format);
	if (r->in_place) {
		/* The output replaced its source: it is its own stamp now. */
		d.source_size = j->out_size;
		d.source_mtime_ns = j->out_mtime;
	}
	if (images_upsert(r->cat, &row, &id, err))
		return -1;
	return derived_set(r->cat, id, &d, err);
}

/* A source that failed: reported; if it is the source's fault, catalogued
 * as corrupt and, with a quarantine, its move planned (rs_quarantine_moves()
 * carries it out once the plan is committed). */
static int record_failure(struct rs_run *r, struct rs_job *j, struct wn_err *err)
{
	struct image_row row;
	int64_t id = 0;

	r->failed++;
	derive_problem(r->on_problem, j->src.disk, wn_err_cause(&j->err, j->src.disk));
	if (!j->src_broken)
		return 0;
	derive_image_row(&row, j->src.path, j->src.class_name, j->src.size, j->src.mtime_ns,
			 &j->src_hash);
	row.has_xxh3 = j->has_src_hash;
	row.format = j->src_format == IMG_UNKNOWN ? NULL : img_format_name(j->src_format);
	row.status = IMAGE_CORRUPT;
	row.error = wn_err_cause(&j->err, j->src.disk);
	if (images_upsert(r->cat, &row, &id, err))
		return -1;
	if (!r->quarantine_real)
		return 0;
	return rs_plan_quarantine(r, j, id, row.error, err);
}

/* Each file about to be replaced (in place, or an output a re-run
 * remakes) is planned (and committed) first: a kill leaves plans that the
 * next writer settles, removing the run's temporary files beside them and
 * making each row describe the file on disk. A new output needs no plan:
 * it appears whole (write_file_atomic()) and is recorded after. The
 * batch runner's prepare hook. */
static int plan_rewrites(void *data, void *jobs, size_t n, struct wn_err *err)
{
	struct rs_run *r = data;

	if (catalog_begin(r->cat, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct rs_job *j = (struct rs_job *)jobs + i;
		struct image_stamp s;
		struct journal_act a = { 0, "rewrite", j->src.path, NULL, j->src.class_name,
					 r->recipe };
		int found;

		if (!j->run || !j->replaces)
			continue;  /* current (not run), or a new file */
		a.path = j->out_path;
		found = images_stamp(r->cat, j->out_path, &s, err);
		if (found < 0)
			goto fail;
		a.image_id = found ? s.id : 0;
		if (journal_plan(r->cat, r->run_id, &a, &j->rewrite_event, err))
			goto fail;
	}
	return catalog_commit(r->cat, err);
fail:
	catalog_rollback(r->cat);
	return -1;
}

/* Records one job's outcome in the open transaction, on the calling
 * thread while the pool works on the batch's later jobs (commit_as_done):
 * it writes only the run's counters and the catalog, which no job
 * touches. */
static int record_job(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct rs_run *r = data;
	struct rs_job *j = (struct rs_job *)jobs + i;

	r->bytes_in += (uint64_t)j->src.size;
	if (j->outcome == RS_FAILED) {
		/* write_file_atomic() failed whole: the file is as it was. */
		if (j->rewrite_event && journal_drop(r->cat, j->rewrite_event, err))
			return -1;
		return record_failure(r, j, err);
	}
	r->bytes_out += (uint64_t)j->out_size;
	if (j->outcome == RS_RESIZED)
		r->resized++;
	else
		r->copied++;
	if (j->rewrite_event && journal_done(r->cat, j->rewrite_event, err))
		return -1;
	return record_output(r, j, err);
}

/* Whether job i runs: not when its output is already current. */
static int plan_job(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct rs_run *r = data;
	struct rs_job *j = (struct rs_job *)jobs + i;
	int current = rs_name_output(r, jobs, i, err);

	if (current < 0)
		return -1;
	j->outcome = current ? RS_COPIED : RS_FAILED;
	if (current) {
		r->unchanged++;
		progress_add(r->prog, 1, 0);
		return 0;
	}
	j->run = r;
	return 1;
}

static int add_source(void *data, void *job, const struct walk_entry *e, size_t index,
		      struct wn_err *err)
{
	struct rs_run *r = data;
	struct rs_job *j = job;

	(void)index;
	if (!shard_mine(&r->shard, e->rel, strlen(e->rel)))
		return 0;  /* another machine's: by a hash of the path below IN */
	r->files++;
	return derive_source_take(r->cat, r->in_real, e, &j->src, err) ? -1 : 1;
}

static void walk_problem(const char *path, const char *cause, void *data)
{
	struct rs_run *r = data;

	r->failed++;
	derive_problem(r->on_problem, path, cause);
}

static int count_one(const struct walk_entry *e, void *data)
{
	(void)e;
	(*(uint64_t *)data)++;
	return 0;
}

/* For the progress line's percentage and ETA: a walk is cheap next to
 * decoding. */
static uint64_t count_files(struct rs_run *r, const struct walk_opts *wo)
{
	struct walk_opts quiet = *wo;
	uint64_t n = 0;

	quiet.on_error = NULL;
	walk_tree(r->in_dir, &quiet, count_one, &n, NULL);
	return n;
}

/* IN and OUT (the user's: followed) opened as the roots of every read
 * and write, and the quarantine folder made and opened. */
static int open_roots(struct rs_run *r, struct wn_err *err)
{
	r->in_root = dspath_open_root(r->in_dir, 0, err);
	if (r->in_root < 0)
		return -1;
	r->out_root = dspath_open_root(r->out_dir, 0, err);
	if (r->out_root < 0)
		return -1;
	return rs_open_quarantine(r, err);
}

static void close_roots(struct rs_run *r)
{
	int *fd[] = { &r->in_root, &r->out_root, &r->quarantine_fd };

	for (size_t i = 0; i < sizeof(fd) / sizeof(fd[0]); i++) {
		if (*fd[i] >= 0)
			close(*fd[i]);
		*fd[i] = -1;
	}
}

int rs_run(struct rs_run *r, struct wn_err *err)
{
	struct walk_opts wo = { 0 };
	struct batch_ops ops = { .job_size = sizeof(struct rs_job), .batch = BATCH,
				 .threads = r->threads, .take = add_source, .plan = plan_job,
				 .prepare = plan_rewrites, .work = rs_run_job, .commit = record_job,
				 .commit_as_done = 1, .settle = rs_quarantine_moves, .release = free_job, .data = r };
	int rc = -1;

	r->in_root = r->out_root = r->quarantine_fd = -1;
	if (journal_start(r->cat, r->run_id, err) || open_roots(r, err))
		goto out;
	catalog_walk_opts(r->cat, &wo);
	wo.on_error = walk_problem;
	/* The outputs and the quarantine are never inputs, even inside IN. */
	if (!r->in_place)
		walk_skip_dir(&wo, r->out_dir);
	if (r->quarantine)
		walk_skip_dir(&wo, r->quarantine);
	r->prog = progress_start(r->progress, "resize", r->progress ? count_files(r, &wo) : 0);
	rc = batch_walk(r->cat, r->in_dir, &wo, &ops, err);
	progress_finish(r->prog);
	r->prog = NULL;
out:
	free(r->quarantine_real);
	close_roots(r);
	return rc;
}