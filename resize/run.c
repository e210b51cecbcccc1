/* The resize run: stream the walk in batches (memory does not grow with
 * the number of files), decide each output's name and whether it is
 * already current, hand the rest to the pool, and record the results. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/base.h"
#include "catalog/catalog.h"
#include "run.h"

#define BATCH 256

static void free_job(void *job)
{
	struct rs_job *j = job;

	free(j->src_disk);
	free(j->src_path);
	free(j->class_name);
	free(j->rel);
	free(j->out_disk);
	free(j->out_path);
	free(j->out_rel);
	memset(j, 0, sizeof(*j));
}

/* The output's path below OUT: the source's, with the output format's
 * extension; `full` keeps the source's whole name ("a.png.jpg"), which
 * is what a second source mapping to the same name gets. */
static int output_rel(const struct rs_run *r, const struct rs_job *j, int full,
		      struct strbuf *out)
{
	enum img_format f = img_transform_format(&r->o.tf, j->src_format);
	const char *slash = strrchr(j->rel, '/'), *dot = strrchr(j->rel, '.');

	if (r->o.in_place || (r->o.tf.format == IMG_UNKNOWN && f == j->src_format))
		return strbuf_addstr(out, j->rel);
	if (full || !dot || (slash && dot < slash))
		return strbuf_addf(out, "%s.%s", j->rel, img_format_ext(f));
	return strbuf_add(out, j->rel, (size_t)(dot - j->rel)) ||
	       strbuf_addf(out, ".%s", img_format_ext(f));
}

/* Whether another job of this batch, or the catalog, already gives the
 * output at out_path to a different source. */
static int name_taken(struct rs_run *r, const struct rs_job *batch, size_t upto,
		      const char *out_path, const char *src, struct wn_err *err)
{
	struct strbuf owner = STRBUF_INIT;
	int found;

	for (size_t i = 0; i < upto; i++)
		if (batch[i].out_path && !strcmp(batch[i].out_path, out_path))
			return 1;
	found = derived_source_of(r->cat, out_path, &owner, err);
	if (found > 0)
		found = strcmp(owner.buf, src) != 0;
	strbuf_release(&owner);
	return found;
}

/* The format of the source rel below IN, by its magic bytes (read
 * through no symlink; unknown when it cannot be read). */
static int sniff_file(const struct rs_run *r, const char *rel)
{
	uint8_t head[16];
	struct stat st;
	int fd = dspath_open_file(r->o.in_root, rel, &st, NULL);
	ssize_t n = fd >= 0 ? read_full(fd, head, sizeof(head)) : 0;

	if (fd >= 0)
		close(fd);
	return img_sniff(head, n > 0 ? (size_t)n : 0);
}

/* lstat of rel below root, through no symlink. @return 0 or -1. */
static int stat_below(int root, const char *rel, struct stat *st)
{
	struct dspath p = DSPATH_INIT;
	int rc = dspath_resolve(root, rel, 0, &p, NULL) || dspath_stat(&p, st) ? -1 : 0;

	dspath_release(&p);
	return rc;
}

/* Whether a sibling of the source already has the name `rel` would give
 * it (a.png beside a.jpg, both becoming PNG): then the sibling keeps the
 * plain name and this source takes its full one ("a.jpg.png"). Decided on
 * the source folder alone, so the choice never depends on walk order. */
static int sibling_has(const struct rs_run *r, const struct rs_job *j, const char *rel)
{
	struct stat st;

	if (!strcmp(rel, j->rel))
		return 0;  /* that is this very source's name */
	return !stat_below(r->o.in_root, rel, &st);
}

/* Names job i's output; 1 when it is already current (skip it). */
static int plan(struct rs_run *r, struct rs_job *batch, size_t i, struct wn_err *err)
{
	struct rs_job *j = &batch[i];
	struct strbuf rel = STRBUF_INIT, disk = STRBUF_INIT, cpath = STRBUF_INIT;
	struct derivation d = { j->src_path, j->src_size, j->src_mtime, r->recipe, NULL };
	struct stat st;
	int ret = -1, taken;

	/* With --format keep the output's name depends on the source's format,
	 * known by its magic bytes; otherwise the job finds it out. */
	j->src_format = r->o.tf.format == IMG_UNKNOWN ? sniff_file(r, j->rel) : IMG_UNKNOWN;
	for (int full = 0; full <= 1; full++) {
		strbuf_reset(&rel);
		strbuf_reset(&cpath);
		if (output_rel(r, j, full, &rel) ||
		    catalog_rel_path(r->cat, r->out_real, rel.buf, &cpath)) {
			wn_fail(err, WN_ENOMEM, "out of memory");
			goto out;
		}
		taken = r->o.in_place ? 0 : sibling_has(r, j, rel.buf) ? 1 :
			name_taken(r, batch, i, cpath.buf, j->src_path, err);
		if (taken < 0)
			goto out;
		if (!taken)
			break;
	}
	if (strbuf_addf(&disk, "%s/%s", r->out_dir, rel.buf)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	j->out_disk = strbuf_detach(&disk);
	j->out_path = strbuf_detach(&cpath);
	j->out_rel = strbuf_detach(&rel);
	ret = 0;
	/* what is there now, seen through no symlink (a symlinked folder or
	 * file there is refused when the output is written) */
	if (!stat_below(r->o.out_root, j->out_rel, &st) && S_ISREG(st.st_mode)) {
		int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;

		j->replaces = 1;
		/* In place, the source is the output: its own stamp is recorded. */
		ret = derived_is_current(r->cat, j->out_path, st.st_size, mt, &d, err);
	}
out:
	strbuf_release(&rel);
	strbuf_release(&disk);
	strbuf_release(&cpath);
	return ret;
}

static int record_output(struct rs_run *r, struct rs_job *j, struct wn_err *err)
{
	struct image_row row;
	struct derivation d = { j->src_path, j->src_size, j->src_mtime, r->recipe, NULL };
	int64_t id = 0;

	memset(&row, 0, sizeof(row));
	row.path = j->out_path;
	row.class_name = j->class_name;
	row.size = j->out_size;
	row.mtime_ns = j->out_mtime;
	row.has_xxh3 = 1;
	memcpy(row.xxh3, j->out_hash.full, 16);
	memcpy(row.head_xxh3, j->out_hash.head, 16);
	row.has_fingerprint = 1;
	row.dhash = j->fp.dhash;
	memcpy(row.thumb, j->fp.thumb, THUMB_BYTES);
	row.width = j->out_w;
	row.height = j->out_h;
	row.format = img_format_name(j->out_format);
	row.status = IMAGE_OK;
	if (r->o.in_place) {
		/* The output replaced its source: it is its own stamp now. */
		d.source_size = j->out_size;
		d.source_mtime_ns = j->out_mtime;
	}
	if (images_upsert(r->cat, &row, &id, err))
		return -1;
	return derived_set(r->cat, id, &d, err);
}

/* A source that failed: reported; if it is the source's fault, catalogued
 * as corrupt and, with --quarantine, its move planned (quarantine_moves()
 * carries it out once the plan is committed). */
static int record_failure(struct rs_run *r, struct rs_job *j, struct wn_err *err)
{
	struct image_row row;
	struct strbuf cdest = STRBUF_INIT;
	struct journal_act a;
	int64_t id = 0;
	int ret = -1;

	r->failed++;
	cli_file_error(j->src_disk, wn_err_cause(&j->err, j->src_disk));
	if (!j->src_broken)
		return 0;
	memset(&row, 0, sizeof(row));
	row.path = j->src_path;
	row.class_name = j->class_name;
	row.size = j->src_size;
	row.mtime_ns = j->src_mtime;
	row.has_xxh3 = j->has_src_hash;
	memcpy(row.xxh3, j->src_hash.full, 16);
	memcpy(row.head_xxh3, j->src_hash.head, 16);
	row.format = j->src_format == IMG_UNKNOWN ? NULL : img_format_name(j->src_format);
	row.status = IMAGE_CORRUPT;
	row.error = wn_err_cause(&j->err, j->src_disk);
	if (images_upsert(r->cat, &row, &id, err))
		return -1;
	if (!r->quarantine_real)
		return 0;
	if (catalog_rel_path(r->cat, r->quarantine_real, j->rel, &cdest)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	a = (struct journal_act){ id, "quarantine", j->src_path, cdest.buf, NULL, row.error };
	if (journal_plan(r->cat, r->run_id, &a, &j->quarantine_event, err))
		goto out;
	ret = 0;
out:
	strbuf_release(&cdest);
	return ret;
}

/* Moves source j (rel below IN) to rel below the quarantine folder,
 * through no symlink on either side. @return 1 when moved, 0 when not
 * (reported). */
static int quarantine_one(struct rs_run *r, struct rs_job *j)
{
	struct dspath from = DSPATH_INIT, to = DSPATH_INIT;
	struct strbuf cause = STRBUF_INIT;
	struct wn_err why;
	int moved = 0;

	if (dspath_resolve(r->o.in_root, j->rel, 0, &from, &why))
		strbuf_addf(&cause, "not quarantined: %s", wn_err_cause(&why, j->rel));
	else if (dspath_resolve(r->quarantine_fd, j->rel, DSPATH_MKDIRS, &to, &why))
		strbuf_addf(&cause, "not quarantined: %s/%s", r->quarantine, why.msg);
	else if (move_at(from.dir, from.name, to.dir, to.name, &why))
		strbuf_addf(&cause, "not quarantined: %s", why.msg);
	else
		moved = 1;
	if (!moved)
		cli_file_error(j->src_disk, cause.len ? cause.buf : "not quarantined: out of memory");
	strbuf_release(&cause);
	dspath_release(&from);
	dspath_release(&to);
	return moved;
}

/* The planned quarantine moves of the batch, then their settling; the
 * batch runner's settle hook, once the plans are committed. */
static int quarantine_moves(void *data, void *jobs, size_t n, struct wn_err *err)
{
	struct rs_run *r = data;
	struct rs_job *batch = jobs;
	int *moved;

	if (!r->quarantine_real)
		return 0;
	moved = calloc(n ? n : 1, sizeof(*moved));
	if (!moved)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (batch[i].quarantine_event)
			moved[i] = quarantine_one(r, &batch[i]);
	if (catalog_begin(r->cat, err)) {
		free(moved);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct rs_job *j = &batch[i];

		if (!j->quarantine_event)
			continue;
		r->quarantined += (uint64_t)moved[i];
		if (moved[i] ? journal_done(r->cat, j->quarantine_event, err)
			     : journal_drop(r->cat, j->quarantine_event, err)) {
			catalog_rollback(r->cat);
			free(moved);
			return -1;
		}
	}
	free(moved);
	return catalog_commit(r->cat, err);
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
		struct journal_act a = { 0, "rewrite", j->src_path, NULL, j->class_name,
					 r->recipe };
		int found;

		if (!j->o || !j->replaces)
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

/* Records one job's outcome in the open transaction. */
static int record_job(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct rs_run *r = data;
	struct rs_job *j = (struct rs_job *)jobs + i;

	r->bytes_in += (uint64_t)j->src_size;
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
	int current = plan(r, jobs, i, err);

	if (current < 0)
		return -1;
	j->outcome = current ? RS_COPIED : RS_FAILED;
	if (current) {
		r->unchanged++;
		progress_add(r->prog, 1, 0);
		return 0;
	}
	j->o = &r->o;
	j->prog = r->prog;
	return 1;
}

static int add_source(void *data, void *job, const struct walk_entry *e, size_t index,
		      struct wn_err *err)
{
	struct rs_run *r = data;
	struct rs_job *j = job;
	struct strbuf cpath = STRBUF_INIT;

	(void)index;
	if (!shard_mine(&r->shard, e->rel, strlen(e->rel)))
		return 0;  /* another machine's: by a hash of the path below IN */
	if (catalog_rel_path(r->cat, r->in_real, e->rel, &cpath))
		goto oom;
	j->src_path = strbuf_detach(&cpath);
	j->src_disk = strdup(e->path);
	j->rel = strdup(e->rel);
	j->class_name = e->class_name ? strdup(e->class_name) : NULL;
	j->src_size = e->st.st_size;
	j->src_mtime = (int64_t)e->st.st_mtim.tv_sec * 1000000000 + e->st.st_mtim.tv_nsec;
	r->files++;
	if (!j->src_disk || !j->rel || (e->class_name && !j->class_name))
		goto oom;
	return 1;
oom:
	strbuf_release(&cpath);
	return wn_fail(err, WN_ENOMEM, "out of memory");
}

static void walk_problem(const char *path, const char *cause, void *data)
{
	struct rs_run *r = data;

	r->failed++;
	cli_file_error(path, cause);
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

/* The quarantine folder exists from the start, so a planned move can
 * name its destination as a catalog path. */
static int prepare_quarantine(struct rs_run *r, struct wn_err *err)
{
	if (!r->quarantine)
		return 0;
	r->quarantine_fd = dspath_open_root(r->quarantine, 1, err);
	if (r->quarantine_fd < 0)
		return -1;
	if (!(r->quarantine_real = realpath(r->quarantine, NULL)))
		return wn_fail(err, WN_EIO, "%s: %s", r->quarantine, strerror(errno));
	return 0;
}

/* IN and OUT (the user's: followed) opened as the roots of every read
 * and write, and the quarantine folder made and opened. */
static int open_roots(struct rs_run *r, struct wn_err *err)
{
	r->o.in_root = dspath_open_root(r->in_dir, 0, err);
	if (r->o.in_root < 0)
		return -1;
	r->o.out_root = dspath_open_root(r->out_dir, 0, err);
	if (r->o.out_root < 0)
		return -1;
	return prepare_quarantine(r, err);
}

static void close_roots(struct rs_run *r)
{
	int *fd[] = { &r->o.in_root, &r->o.out_root, &r->quarantine_fd };

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
				 .settle = quarantine_moves, .release = free_job, .data = r };
	int rc = -1;

	r->o.in_root = r->o.out_root = r->quarantine_fd = -1;
	if (journal_start(r->cat, r->run_id, err) || open_roots(r, err))
		goto out;
	catalog_walk_opts(r->cat, &wo);
	wo.on_error = walk_problem;
	/* The outputs and the quarantine are never inputs, even inside IN. */
	if (!r->o.in_place)
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
