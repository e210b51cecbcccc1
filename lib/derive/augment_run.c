/* The augment run: count each class, stream the walk in batches, name
 * each source's samples and skip the ones already made, hand the rest to
 * the pool, and record every output with its lineage. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BATCH 64

static struct ag_class *find_class(struct ag_run *r, const char *name, int add)
{
	struct ag_class *c;

	for (size_t i = 0; i < r->nclasses; i++) {
		c = &r->classes[i];
		if (name ? c->name && !strcmp(c->name, name) : !c->name)
			return c;
	}
	if (!add)
		return NULL;
	c = realloc(r->classes, (r->nclasses + 1) * sizeof(*c));
	if (!c)
		return NULL;
	r->classes = c;
	c = &r->classes[r->nclasses];
	memset(c, 0, sizeof(*c));
	if (name && !(c->name = strdup(name)))
		return NULL;
	r->nclasses++;
	return c;
}

/* How many samples the i-th source (0-based, in walk order) of class c
 * gets. */
static uint64_t samples_for(const struct ag_run *r, const struct ag_class *c, uint64_t i)
{
	uint64_t need;

	if (!r->balance)
		return r->samples;
	if (r->balance <= c->originals || !c->originals)
		return 0;
	/* The shortfall shared out evenly; the first sources in walk order
	 * take one more until it is met. */
	need = r->balance - c->originals;
	return need / c->originals + (i < need % c->originals ? 1 : 0);
}

static void walk_setup(struct ag_run *r, struct walk_opts *wo)
{
	memset(wo, 0, sizeof(*wo));
	catalog_walk_opts(r->cat, wo);
	/* The outputs are never inputs, even when OUT is inside IN. */
	walk_skip_dir(wo, r->out_dir);
}

static int count_one(const struct walk_entry *e, void *data)
{
	struct ag_run *r = data;
	struct ag_class *c = find_class(r, e->class_name, 1);

	if (!c)
		return wn_fail(&r->err, WN_ENOMEM, "out of memory");
	c->originals++;
	return 0;
}

int ag_count(struct ag_run *r, struct wn_err *err)
{
	struct walk_opts wo;

	walk_setup(r, &wo);
	wn_err_clear(&r->err);
	if (walk_tree(r->in_dir, &wo, count_one, r, err)) {
		if (r->err.code)
			*err = r->err;
		return -1;
	}
	for (size_t i = 0; i < r->nclasses; i++) {
		struct ag_class *c = &r->classes[i];

		c->planned = 0;
		for (uint64_t k = 0; k < c->originals; k++)
			c->planned += samples_for(r, c, k);
	}
	return 0;
}

static void free_job(void *job)
{
	struct ag_job *j = job;

	for (size_t i = 0; i < j->nout; i++) {
		free(j->out[i].disk);
		free(j->out[i].path);
		free(j->out[i].lineage);
	}
	free(j->out);
	derive_source_release(&j->src);
	memset(j, 0, sizeof(*j));
}

static int record(struct ag_run *r, struct ag_job *j, struct ag_out *s, struct wn_err *err)
{
	struct image_row row;
	char recipe[200];
	struct derivation d = { j->src.path, j->src.size, j->src.mtime_ns, recipe, s->lineage };
	int64_t id = 0;

	ag_recipe(&r->o, s->k, recipe, sizeof(recipe));
	derive_image_row(&row, s->path, j->src.class_name, s->size, s->mtime_ns, &s->hash);
	/* No fingerprint: db scan or dedup adds it when asked, so a run that
	 * only augments decodes nothing twice. */
	row.width = s->width;
	row.height = s->height;
	row.format = img_format_name(r->o.format);
	return images_upsert(r->cat, &row, &id, err) || derived_set(r->cat, id, &d, err) ? -1 : 0;
}

/* Reports job i's failures and records its outputs, in the batch's
 * transaction. */
static int record_job(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct ag_run *r = data;
	struct ag_job *j = (struct ag_job *)jobs + i;

	if (j->failed) {
		r->failed_sources++;
		derive_problem(r->on_problem, j->src.disk, wn_err_cause(&j->err, j->src.disk));
		return 0;
	}
	for (size_t k = 0; k < j->nout; k++) {
		struct ag_out *s = &j->out[k];

		if (!s->done) {
			r->failed_outputs++;
			derive_problem(r->on_problem, s->disk, wn_err_cause(&s->err, s->disk));
			continue;
		}
		r->made++;
		r->bytes_out += (uint64_t)s->size;
		if (record(r, j, s, err))
			return -1;
	}
	return 0;
}

/* A source runs when it has samples to make (never in a dry run). */
static int plan_job(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct ag_run *r = data;

	(void)err;
	return !r->dry_run && ((struct ag_job *)jobs)[i].nout;
}

/* Names the n samples job j is due; keeps in j->out those still to make
 * (the ones made already and the names taken by other files are settled
 * here). @return 0 or -1 with err set. */
static int name_samples(struct ag_run *r, struct ag_job *j, uint64_t n, struct wn_err *err)
{
	j->out = calloc(n, sizeof(*j->out));
	if (!j->out)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (uint64_t k = 0; k < n; k++) {
		struct ag_out *s = &j->out[j->nout];
		int st = ag_name_sample(r, j, (uint32_t)k, s, err);

		if (st < 0)
			return -1;
		if (st == 1) {
			r->unchanged++;
			progress_add(r->prog, 1, 0);
		} else if (st == 2) {
			r->failed_outputs++;
			derive_problem(r->on_problem, s->disk, wn_err_cause(&s->err, s->disk));
			progress_add(r->prog, 1, 1);
		} else {
			j->nout++;
			if (r->dry_run)
				r->made++;
			continue;
		}
		free(s->disk);
		free(s->path);
		memset(s, 0, sizeof(*s));
	}
	return 0;
}

/* Takes a source with samples to make. */
static int add_source(void *data, void *job, const struct walk_entry *e, size_t index,
		      struct wn_err *err)
{
	struct ag_run *r = data;
	struct ag_class *c = find_class(r, e->class_name, 0);
	struct ag_job *j = job;
	uint64_t n;

	(void)index;
	if (!c)
		return 0;  /* appeared after the count: next run */
	n = samples_for(r, c, c->seen++);
	r->sources++;
	if (!n)
		return 0;
	j->o = &r->o;
	j->prog = r->prog;
	if (derive_source_take(r->cat, r->in_real, e, &j->src, err) ||
	    name_samples(r, j, n, err))
		return -1;
	return 1;
}

static void walk_problem(const char *path, const char *cause, void *data)
{
	struct ag_run *r = data;

	r->failed_sources++;
	derive_problem(r->on_problem, path, cause);
}

int ag_run(struct ag_run *r, struct wn_err *err)
{
	struct walk_opts wo;
	/* a dry run passes no commit hook: it writes nothing */
	struct batch_ops ops = { .job_size = sizeof(struct ag_job), .batch = BATCH,
				 .threads = r->threads, .take = add_source, .plan = plan_job,
				 .work = ag_run_job, .commit = r->dry_run ? NULL : record_job,
				 .release = free_job, .data = r };
	uint64_t total = 0;
	int rc;

	for (size_t i = 0; i < r->nclasses; i++)
		total += r->classes[i].planned;
	walk_setup(r, &wo);
	wo.on_error = walk_problem;
	r->prog = progress_start(r->dry_run ? NULL : r->progress, "augment", total);
	rc = batch_walk(r->cat, r->in_dir, &wo, &ops, err);
	progress_finish(r->prog);
	r->prog = NULL;
	ag_drop_names(r);
	return rc;
}

void ag_release(struct ag_run *r)
{
	for (size_t i = 0; i < r->nclasses; i++)
		free(r->classes[i].name);
	free(r->classes);
	r->classes = NULL;
	r->nclasses = 0;
	ag_drop_names(r);
}
