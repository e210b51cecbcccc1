/* Walk, compare stamps, hash and fingerprint what changed on the worker
 * pool, and write the rows in batches from the calling thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hash/hash.h"
#include "base/base.h"
#include "catalog/batch.h"
#include "catalog/images.h"
#include "catalog/scan.h"

#define BATCH 256

/* The walked files of scan_tree(). Kept small: a 300,000-file tree holds
 * all of them. */
struct items {
	struct scan_item *v;
	size_t n, alloc;
	const struct catalog *cat;
	char *root_real;          /* realpath of the root */
	const struct scan_opts *opts;
	struct scan_stats *stats;
	int oom;
};

enum outcome { DONE_OK, DONE_CORRUPT, DONE_UNREADABLE };

/* The work on one file, done on a pool thread. */
struct job {
	const struct scan_item *item;
	const struct img_limits *limits;
	struct progress *prog;   /* counted by the worker, so the line moves */
	enum outcome outcome;
	struct filehash hash;
	struct fingerprint fp;
	struct quality quality;
	struct img_info info;
	enum img_format format;
	struct wn_err err;
};

void scan_opts_init(struct scan_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
	opts->limits.max_pixels = IMG_DEFAULT_MAX_PIXELS;
}

static int collect(const struct walk_entry *e, void *data)
{
	struct items *it = data;
	struct scan_item *x;
	struct strbuf path = STRBUF_INIT;

	if (!shard_mine(&it->opts->shard, e->rel, strlen(e->rel))) {
		it->stats->other_shards++;
		return 0;
	}
	if (ARRAY_GROW(it->v, it->alloc, it->n, 1024))
		goto oom;
	if (catalog_rel_path(it->cat, it->root_real, e->rel, &path))
		goto oom;
	x = &it->v[it->n];
	x->path = strbuf_detach(&path);
	x->disk_path = strdup(e->path);
	x->class_name = e->class_name ? strdup(e->class_name) : NULL;
	x->size = e->st.st_size;
	x->mtime_ns = (int64_t)e->st.st_mtim.tv_sec * 1000000000 + e->st.st_mtim.tv_nsec;
	it->n++;
	if (!x->disk_path || (e->class_name && !x->class_name))
		goto oom;
	return 0;
oom:
	strbuf_release(&path);
	it->oom = 1;
	return -1;
}

static void items_release(struct items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].disk_path);
		free(it->v[i].path);
		free(it->v[i].class_name);
	}
	free(it->v);
	free(it->root_real);
}

/* A folder that cannot be read is one problem, counted as unreadable. */
static void walk_problem(const char *path, const char *cause, void *data)
{
	struct items *it = data;

	it->stats->unreadable++;
	if (it->opts->on_problem)
		it->opts->on_problem(path, cause, 1, it->opts->data);
}

int scan_decode(const uint8_t *buf, size_t len, const struct img_limits *limits,
		struct fingerprint *fp, struct quality *q, struct img_info *info,
		struct wn_err *err)
{
	struct img_decode_opts opts;
	struct img_info header;
	struct img grey, colour;
	struct img_dct_stats dct;
	int ret;

	fingerprint_decode_opts(limits, &opts);
	if (img_decode_grey_colour_dct(buf, len, &opts, &grey, &colour, &header, &dct, err))
		return -1;
	if (info)
		*info = header;
	fingerprint_compute(&grey, &header, fp);
	ret = quality_measure(&grey, &colour, q, err);
	/* the blocks keep the blur the 1/8 decode erased */
	if (!ret && dct.blocks)
		q->sharpness = quality_sharpness_dct(&dct, q->sharpness);
	img_release(&grey);
	img_release(&colour);
	return ret;
}

static void run_job(void *arg)
{
	struct job *j = arg;
	uint8_t *buf = NULL;
	size_t len = 0;

	wn_err_clear(&j->err);
	j->format = IMG_UNKNOWN;
	if (read_file_limited(j->item->disk_path, j->limits->max_bytes, &buf, &len, &j->err)) {
		/* Too large to decode, but still hashed for exact duplicates. */
		if (j->err.code != WN_ELIMIT) {
			j->outcome = DONE_UNREADABLE;
		} else if (filehash_file(j->item->disk_path, &j->hash, &j->err)) {
			j->outcome = DONE_UNREADABLE;  /* err now says why hashing failed */
		} else {
			snprintf(j->err.msg, sizeof(j->err.msg), "%zu bytes is over the limit of %zu",
				 (size_t)j->hash.size, j->limits->max_bytes);
			j->outcome = DONE_CORRUPT;
		}
		progress_add(j->prog, 1, 1);
		return;
	}
	filehash_buffer(buf, len, &j->hash);
	j->format = img_sniff(buf, len);
	if (scan_decode(buf, len, j->limits, &j->fp, &j->quality, &j->info, &j->err))
		j->outcome = DONE_CORRUPT;
	else
		j->outcome = DONE_OK;
	free(buf);
	progress_add(j->prog, 1, j->outcome != DONE_OK);
}

static int write_job(struct catalog *cat, const struct job *j, const struct scan_opts *opts,
		     struct scan_stats *stats, struct wn_err *err)
{
	struct image_row r;

	if (j->outcome == DONE_UNREADABLE) {
		stats->unreadable++;
		if (opts->on_problem)
			opts->on_problem(j->item->disk_path,
					 wn_err_cause(&j->err, j->item->disk_path), 1, opts->data);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.path = j->item->path;
	r.class_name = j->item->class_name;
	r.size = (int64_t)j->hash.size;
	r.mtime_ns = j->item->mtime_ns;
	r.has_xxh3 = 1;
	memcpy(r.xxh3, j->hash.full, 16);
	memcpy(r.head_xxh3, j->hash.head, 16);
	r.format = j->format == IMG_UNKNOWN ? NULL : img_format_name(j->format);
	stats->bytes_read += j->hash.size;
	if (j->outcome == DONE_OK) {
		r.has_fingerprint = 1;
		r.dhash = j->fp.dhash;
		memcpy(r.thumb, j->fp.thumb, THUMB_BYTES);
		r.quality = &j->quality;
		r.width = j->info.width;
		r.height = j->info.height;
		r.status = IMAGE_OK;
	} else {
		r.status = IMAGE_CORRUPT;
		r.error = j->err.msg;
		stats->corrupt++;
		if (opts->on_problem)
			opts->on_problem(j->item->disk_path, j->err.msg, 0, opts->data);
	}
	stats->hashed++;
	return images_upsert(cat, &r, NULL, err);
}

/* Marks which items need reading; returns how many. */
static int pick_changed(struct catalog *cat, const struct scan_item *v, size_t n, int rehash,
			char *stale, size_t *count, struct scan_stats *stats, struct wn_err *err)
{
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		struct image_stamp s;
		int found = images_stamp(cat, v[i].path, &s, err);

		if (found < 0)
			return -1;
		stale[i] = rehash || !found || !s.hashed || s.size != v[i].size ||
			  s.mtime_ns != v[i].mtime_ns ||
			  (s.status != IMAGE_OK && s.status != IMAGE_CORRUPT);
		if (stale[i])
			(*count)++;
		else
			stats->unchanged++;
	}
	return 0;
}

/* The batch runner's hooks: the stale items, read on the pool, written
 * in path order. */
struct scan_run {
	struct catalog *cat;
	const struct scan_item *items;
	const char *stale;
	const struct scan_opts *opts;
	struct scan_stats *stats;
	struct progress *prog;
};

static int take_stale(void *data, void *job, const struct walk_entry *e, size_t i,
		      struct wn_err *err)
{
	struct scan_run *s = data;
	struct job *j = job;

	(void)e;
	(void)err;
	if (!s->stale[i])
		return 0;
	j->item = &s->items[i];
	j->limits = &s->opts->limits;
	j->prog = s->prog;
	return 1;
}

static int commit_job(void *data, void *jobs, size_t i, struct wn_err *err)
{
	struct scan_run *s = data;

	return write_job(s->cat, (struct job *)jobs + i, s->opts, s->stats, err);
}

int scan_items(struct catalog *cat, const struct scan_item *items, size_t n,
	       const struct scan_opts *opts, struct scan_stats *stats, struct wn_err *err)
{
	struct scan_run s = { cat, items, NULL, opts, stats, NULL };
	struct batch_ops ops = { .job_size = sizeof(struct job), .batch = BATCH,
				 .threads = opts->threads, .take = take_stale, .work = run_job,
				 .commit = commit_job, .data = &s };
	char *stale = NULL;
	size_t nstale;
	int ret = -1;

	stats->files += n;
	stale = calloc(n + 1, 1);
	if (!stale) {
		wn_fail(err, WN_ENOMEM, "out of memory or threads");
		goto out;
	}
	if (pick_changed(cat, items, n, opts->rehash, stale, &nstale, stats, err))
		goto out;
	s.stale = stale;
	s.prog = progress_start(opts->progress, "scan", nstale);
	ret = batch_list(cat, n, &ops, err);
out:
	progress_finish(s.prog);
	free(stale);
	return ret;
}

int scan_tree(struct catalog *cat, const char *root, const struct scan_opts *opts,
	      struct scan_stats *stats, struct wn_err *err)
{
	struct items it = { NULL, 0, 0, cat, NULL, opts, stats, 0 };
	struct walk_opts wo = { 0 };
	int ret = -1;

	memset(stats, 0, sizeof(*stats));
	it.root_real = realpath(root, NULL);
	if (!it.root_real)
		return wn_fail(err, WN_EIO, "%s: %s", root, strerror(errno));
	catalog_walk_opts(cat, &wo);
	wo.on_error = walk_problem;
	if (walk_tree(root, &wo, collect, &it, err) < 0 || it.oom) {
		if (it.oom)
			wn_fail(err, WN_ENOMEM, "out of memory walking %s", root);
		goto out;
	}
	ret = scan_items(cat, it.v, it.n, opts, stats, err);
out:
	items_release(&it);
	return ret;
}
