/* The augment run: count each class, stream the walk in batches, name
 * each source's samples and skip the ones already made, hand the rest to
 * the pool, and record every output with its lineage. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "augment.h"
#include "cli/cli.h"
#include "base/base.h"
#include "catalog/catalog.h"

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

uint64_t ag_samples_for(const struct ag_run *r, const struct ag_class *c, uint64_t i)
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
			c->planned += ag_samples_for(r, c, k);
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
	free(j->src_disk);
	free(j->src_path);
	free(j->class_name);
	memset(j, 0, sizeof(*j));
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void drop_names(struct ag_run *r)
{
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->names_dir);
	r->names = NULL;
	r->names_dir = NULL;
	r->nnames = 0;
}

/* Reads folder dir's names into r->names, sorted. @return 0, or -1 (the
 * caller then asks the file system name by name). */
static int load_names(struct ag_run *r, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e = NULL;
	size_t alloc = 0;

	drop_names(r);
	if (!d)
		return -1;
	r->names_dir = strdup(dir);
	while (r->names_dir && (e = readdir(d))) {
		if (r->nnames == alloc) {
			char **v = realloc(r->names, (alloc = alloc ? 2 * alloc : 64) * sizeof(*v));

			if (!v)
				break;
			r->names = v;
		}
		if (!(r->names[r->nnames] = strdup(e->d_name)))
			break;
		r->nnames++;
	}
	closedir(d);
	if (!r->names_dir || e) {  /* out of memory on the way */
		drop_names(r);
		return -1;
	}
	qsort(r->names, r->nnames, sizeof(*r->names), cmp_name);
	return 0;
}

/* Whether another file beside the source shares its stem (a.jpg and
 * a.png): then each takes its whole name as the stem (a.jpg_0.jpg), so
 * names never depend on which one is met first. disk[0, dot] is the path
 * up to the extension's dot. The folder's names are read once. */
static int stem_shared(struct ag_run *r, const char *disk, size_t dot)
{
	static const char *const exts[] = { "jpg", "jpeg", "png", "gif", "webp", "JPG", "JPEG",
					    "PNG", "GIF", "WEBP", "jpe", "bmp" };
	const char *slash = strrchr(disk, '/');
	size_t dlen = slash ? (size_t)(slash - disk) : 0;
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	int shared = 0, listed;

	/* the folder: "." for a bare name, "/" for one in the root */
	if (slash ? strbuf_add(&p, disk, dlen ? dlen : 1) : strbuf_addch(&p, '.'))
		return 0;
	listed = r->names_dir && !strcmp(r->names_dir, p.buf) ? 1 : !load_names(r, p.buf);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]) && !shared; i++) {
		strbuf_reset(&p);
		if (strbuf_add(&p, disk, dot + 1) || strbuf_addstr(&p, exts[i]))
			break;
		if (!strcmp(p.buf, disk))
			continue;
		if (listed) {
			const char *base = p.buf + (slash ? dlen + 1 : 0);

			shared = bsearch(&base, r->names, r->nnames, sizeof(*r->names), cmp_name) != NULL;
		} else {
			shared = !lstat(p.buf, &st);
		}
	}
	strbuf_release(&p);
	return shared;
}

/* Names sample k of job j; 1 when that output is already made, 0 when it
 * is to be made, -1 on a catalog error. A file of that name that winnow
 * did not make from this source is never overwritten: the sample fails. */
static int name_sample(struct ag_run *r, struct ag_job *j, const char *rel, uint32_t k,
		       struct ag_out *s, struct wn_err *err)
{
	const char *slash = strrchr(rel, '/'), *base = slash ? slash + 1 : rel;
	const char *dot = strrchr(base, '.');
	struct strbuf out = STRBUF_INIT, cpath = STRBUF_INIT, owner = STRBUF_INIT;
	char recipe[200];
	struct derivation d = { j->src_path, j->src_size, j->src_mtime, recipe, NULL };
	struct stat st;
	int ret = -1, found;
	size_t stem = dot && dot > base ? (size_t)(dot - rel) : strlen(rel);

	if (dot && dot > base && stem_shared(r, j->src_disk, strlen(j->src_disk) - strlen(dot)))
		stem = strlen(rel);
	if (strbuf_add(&out, rel, stem) ||
	    strbuf_addf(&out, "_%u.%s", k, ag_extension(r->o.format)) ||
	    catalog_rel_path(r->cat, r->out_real, out.buf, &cpath)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	s->k = k;
	s->path = strbuf_detach(&cpath);
	strbuf_reset(&cpath);
	strbuf_addf(&cpath, "%s/%s", r->out_dir, out.buf);
	s->disk = strbuf_detach(&cpath);
	if (!s->path || !s->disk) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto done;
	}
	ret = 0;
	if (lstat(s->disk, &st))
		goto done;  /* a new name */
	ag_recipe(&r->o, k, recipe, sizeof(recipe));
	ret = derived_is_current(r->cat, s->path, st.st_size,
				 (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, &d,
				 err);
	if (ret)
		goto done;  /* made already, or an error */
	found = derived_source_of(r->cat, s->path, &owner, err);
	if (found < 0) {
		ret = -1;
	} else if (!found || strcmp(owner.buf, j->src_path)) {
		wn_fail(&s->err, WN_EIO, "%s: exists and was not made from %s; not overwritten",
			s->disk, j->src_disk);
		ret = 2;
	}
done:
	strbuf_release(&out);
	strbuf_release(&cpath);
	strbuf_release(&owner);
	return ret;
}

static int record(struct ag_run *r, struct ag_job *j, struct ag_out *s, struct wn_err *err)
{
	struct image_row row;
	char recipe[200];
	struct derivation d = { j->src_path, j->src_size, j->src_mtime, recipe, s->lineage };
	int64_t id = 0;

	ag_recipe(&r->o, s->k, recipe, sizeof(recipe));
	memset(&row, 0, sizeof(row));
	row.path = s->path;
	row.class_name = j->class_name;
	row.size = s->size;
	row.mtime_ns = s->mtime_ns;
	row.has_xxh3 = 1;
	memcpy(row.xxh3, s->hash.full, 16);
	memcpy(row.head_xxh3, s->hash.head, 16);
	/* No fingerprint: db scan or dedup adds it when asked, so a run that
	 * only augments decodes nothing twice. */
	row.width = s->width;
	row.height = s->height;
	row.format = img_format_name(r->o.format);
	row.status = IMAGE_OK;
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
		cli_file_error(j->src_disk, wn_err_cause(&j->err, j->src_disk));
		return 0;
	}
	for (size_t k = 0; k < j->nout; k++) {
		struct ag_out *s = &j->out[k];

		if (!s->done) {
			r->failed_outputs++;
			cli_file_error(s->disk, wn_err_cause(&s->err, s->disk));
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

/* Takes a source with samples to make, naming each (the ones made
 * already and the names taken by other files are settled here). */
static int add_source(void *data, void *job, const struct walk_entry *e, size_t index,
		      struct wn_err *err)
{
	struct ag_run *r = data;
	struct ag_class *c = find_class(r, e->class_name, 0);
	struct ag_job *j = job;
	struct strbuf cpath = STRBUF_INIT;
	uint64_t n;

	(void)index;
	if (!c)
		return 0;  /* appeared after the count: next run */
	n = ag_samples_for(r, c, c->seen++);
	r->sources++;
	if (!n)
		return 0;
	j->o = &r->o;
	j->prog = r->prog;
	if (catalog_rel_path(r->cat, r->in_real, e->rel, &cpath))
		goto oom;
	j->src_path = strbuf_detach(&cpath);
	j->src_disk = strdup(e->path);
	j->class_name = e->class_name ? strdup(e->class_name) : NULL;
	j->src_size = e->st.st_size;
	j->src_mtime = (int64_t)e->st.st_mtim.tv_sec * 1000000000 + e->st.st_mtim.tv_nsec;
	j->out = calloc(n, sizeof(*j->out));
	if (!j->src_path || !j->src_disk || (e->class_name && !j->class_name) || !j->out)
		goto oom;
	for (uint64_t k = 0; k < n; k++) {
		struct ag_out *s = &j->out[j->nout];
		int st = name_sample(r, j, e->rel, (uint32_t)k, s, err);

		if (st < 0)
			return -1;
		if (st == 1) {
			r->unchanged++;
			progress_add(r->prog, 1, 0);
		} else if (st == 2) {
			r->failed_outputs++;
			cli_file_error(s->disk, wn_err_cause(&s->err, s->disk));
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
	return 1;
oom:
	strbuf_release(&cpath);
	return wn_fail(err, WN_ENOMEM, "out of memory");
}

static void walk_problem(const char *path, const char *cause, void *data)
{
	struct ag_run *r = data;

	r->failed_sources++;
	cli_file_error(path, cause);
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
	drop_names(r);
	return rc;
}
