/* The files dedup works on: walked once, then matched with their catalog
 * rows. The full mode catalogues whatever changed (hashes, fingerprints);
 * --exact-only reads only files that share their size with another;
 * --catalog-only takes the catalog's rows as they are, reading no file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "hash/hash.h"
#include "img/img.h"
#include "catalog/catalog.h"
#include "internal.h"

struct walk_ctx {
	struct dupes *d;
	int root;
	const char *root_real;
	int oom;
};

static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !strcmp(dir, "/"));
}

static int add_file(const struct walk_entry *e, void *data)
{
	struct walk_ctx *w = data;
	struct dupes *d = w->d;
	struct strbuf cpath = STRBUF_INIT, abs = STRBUF_INIT;
	struct dupes_file *f;

	if (ARRAY_GROW(d->f, d->alloc, d->n, 1024))
		goto oom;
	if (catalog_rel_path(d->cat, w->root_real, e->rel, &cpath) ||
	    strbuf_addf(&abs, "%s/%s", w->root_real, e->rel))
		goto oom;
	f = &d->f[d->n];
	memset(f, 0, sizeof(*f));
	f->item.path = strbuf_detach(&cpath);
	f->item.disk_path = strdup(e->path);
	f->item.class_name = e->class_name ? strdup(e->class_name) : NULL;
	f->rel = strdup(e->rel);
	d->n++;
	if (!f->item.disk_path || !f->rel || (e->class_name && !f->item.class_name))
		goto oom;
	f->item.size = e->st.st_size;
	f->item.mtime_ns = (int64_t)e->st.st_mtim.tv_sec * 1000000000 + e->st.st_mtim.tv_nsec;
	f->root = w->root;
	f->order = d->n - 1;
	f->dev = e->st.st_dev;
	f->ino = e->st.st_ino;
	f->preferred = d->opt.prefer && under(abs.buf, d->opt.prefer);
	strbuf_release(&abs);
	return 0;
oom:
	strbuf_release(&cpath);
	strbuf_release(&abs);
	w->oom = 1;
	return -1;
}

static void walk_problem(const char *path, const char *cause, void *data)
{
	struct walk_ctx *w = data;

	w->d->unreadable++;
	dupes_problem(w->d, path, cause);
}

static int cmp_inode(const void *a, const void *b, void *ctx)
{
	const struct dupes_file *f = ctx, *x = &f[*(const size_t *)a], *y = &f[*(const size_t *)b];

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* One inode is one file: later paths of a hard-linked file are set aside
 * (never hashed, grouped, acted on or counted; the summary counts them). */
static int mark_links(struct dupes *d)
{
	size_t *idx = malloc((d->n ? d->n : 1) * sizeof(*idx));

	if (!idx)
		return -1;
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	qsort_r(idx, d->n, sizeof(*idx), cmp_inode, d->f);
	for (size_t i = 1, first = 0; i < d->n; i++) {
		if (d->f[idx[i]].dev != d->f[idx[i - 1]].dev ||
		    d->f[idx[i]].ino != d->f[idx[i - 1]].ino) {
			first = i;
			continue;
		}
		d->f[idx[i]].linked = 1;
		d->f[idx[i]].link_of = idx[first];
		d->links++;
	}
	free(idx);
	return 0;
}

static int fill_file(struct dupes *d, struct dupes_file *f, const struct image_row *r);

/* --catalog-only: one file a catalogued image under a root, as its row
 * has it; nothing is stat()ed, opened or read. */
struct rows_ctx {
	struct dupes *d;
	int root;
	const char *given;       /* the root as given */
	size_t prefix_len;       /* of its catalog path, "" or "dir/" */
	int oom;
};

static int add_row(const struct image_row *r, void *data)
{
	struct rows_ctx *w = data;
	struct dupes *d = w->d;
	struct strbuf disk = STRBUF_INIT, abs = STRBUF_INIT;
	const char *rel = r->path + w->prefix_len, *slash = strchr(rel, '/');
	struct dupes_file *f;

	if (r->status == IMAGE_DELETED || r->status == IMAGE_QUARANTINED)
		return 0;
	if (ARRAY_GROW(d->f, d->alloc, d->n, 1024) ||
	    (strcmp(w->given, ".") && strbuf_addf(&disk, "%s/", w->given)) ||
	    strbuf_addstr(&disk, rel) || catalog_abs_path(d->cat, r->path, &abs))
		goto oom;
	f = &d->f[d->n++];
	memset(f, 0, sizeof(*f));
	f->item.disk_path = strbuf_detach(&disk);
	f->item.path = strdup(r->path);
	/* the class is the first folder below the root, as when walking */
	f->item.class_name = slash ? strndup(rel, (size_t)(slash - rel)) : NULL;
	f->rel = strdup(rel);
	if (!f->item.path || !f->rel || (slash && !f->item.class_name))
		goto oom;
	f->item.size = r->size;
	f->item.mtime_ns = r->mtime_ns;
	f->root = w->root;
	f->order = d->n - 1;
	f->image_id = r->id;
	f->preferred = d->opt.prefer && under(abs.buf, d->opt.prefer);
	strbuf_release(&abs);
	return fill_file(d, f, r) ? (w->oom = 1) : 0;
oom:
	strbuf_release(&disk);
	strbuf_release(&abs);
	return w->oom = 1;
}

static int collect_rows(struct dupes *d, struct wn_err *err)
{
	for (int r = 0; r < d->opt.nroots; r++) {
		struct strbuf prefix = STRBUF_INIT;
		struct image_filter filter = { NULL, -1, NULL };
		struct rows_ctx w = { d, r, d->opt.roots[r], 0, 0 };
		int rc;

		if (catalog_rel_prefix(d->cat, d->opt.roots[r], &prefix, err))
			return -1;
		filter.path_prefix = prefix.len ? prefix.buf : NULL;
		w.prefix_len = prefix.len;
		rc = images_foreach(d->cat, &filter, add_row, &w, err);
		strbuf_release(&prefix);
		if (w.oom)
			return wn_fail(err, WN_ENOMEM, "out of memory");
		if (rc < 0)
			return -1;
	}
	d->files = d->n;
	return 0;
}

int dupes_collect(struct dupes *d, struct wn_err *err)
{
	if (d->opt.catalog_only)
		return collect_rows(d, err);
	for (int r = 0; r < d->opt.nroots; r++) {
		struct walk_opts wo = { 0 };
		struct walk_ctx w = { d, r, NULL, 0 };
		char *real;
		int rc;

		d->root_fd[r] = dspath_open_root(d->opt.roots[r], 0, err);
		if (d->root_fd[r] < 0)
			return -1;
		real = realpath(d->opt.roots[r], NULL);
		if (!real)
			return wn_fail(err, WN_EIO, "%s: %s", d->opt.roots[r], strerror(errno));
		w.root_real = real;
		catalog_walk_opts(d->cat, &wo);
		wo.on_error = walk_problem;
		rc = walk_tree(d->opt.roots[r], &wo, add_file, &w, err);
		free(real);
		if (w.oom)
			return wn_fail(err, WN_ENOMEM, "out of memory walking %s", d->opt.roots[r]);
		if (rc < 0)
			return -1;
	}
	d->files = d->n;
	if (mark_links(d))
		return wn_fail(err, WN_ENOMEM, "out of memory");
	return 0;
}

/* Catalog rows arrive in path order; the files are walked in the same
 * order through a sorted index, and each row fills its file. */
struct join {
	struct dupes *d;
	size_t *idx;
	size_t at;
	int oom;
};

static int cmp_cpath(const void *a, const void *b, void *ctx)
{
	const struct dupes_file *f = ctx;

	return strcmp(f[*(const size_t *)a].item.path, f[*(const size_t *)b].item.path);
}

/* File f's hashes from its row r, which describes it (same size and
 * mtime). @return 0, or 1 when out of memory. */
static int fill_file(struct dupes *d, struct dupes_file *f, const struct image_row *r)
{
	if (r->status == IMAGE_CORRUPT) {
		f->corrupt = 1;
		return 0;
	}
	f->usable = r->status == IMAGE_OK;
	f->has_xxh3 = r->has_xxh3;
	memcpy(f->xxh3, r->xxh3, 16);
	memcpy(f->head, r->head_xxh3, 16);
	f->pixels = (int64_t)r->width * r->height;
	if (r->has_fingerprint && !d->opt.exact_only) {
		if (d->nthumbs % 1024 == 0) {
			uint8_t *t = realloc(d->thumbs, (d->nthumbs + 1024) * THUMB_BYTES);

			if (!t)
				return 1;
			d->thumbs = t;
		}
		memcpy(d->thumbs + d->nthumbs * THUMB_BYTES, r->thumb, THUMB_BYTES);
		f->thumb = (uint32_t)d->nthumbs++;
		f->has_fp = 1;
		f->dhash = r->dhash;
		/* dHash 0 (no left-right change anywhere) or a near-constant
		 * thumbnail: too little to tell two images apart. */
		f->flat = r->dhash == 0 || thumb_is_flat(r->thumb);
		/* Under 32 px a side a thumbnail cell holds less than
		 * two pixels: the fingerprint is mostly resampling. */
		f->small = r->width < FINGERPRINT_MIN_SIDE ||
			   r->height < FINGERPRINT_MIN_SIDE;
	}
	return 0;
}

static int fill_from_row(const struct image_row *r, void *data)
{
	struct join *j = data;
	struct dupes *d = j->d;

	while (j->at < d->n && strcmp(d->f[j->idx[j->at]].item.path, r->path) < 0)
		j->at++;
	while (j->at < d->n && !strcmp(d->f[j->idx[j->at]].item.path, r->path)) {
		struct dupes_file *f = &d->f[j->idx[j->at++]];

		f->image_id = r->id;
		/* Another name of a file seen before is never a member (its own
		 * row, from a `db scan`, would otherwise make it one). A row
		 * describes this file only if nothing changed since. */
		if (f->linked || r->size != f->item.size || r->mtime_ns != f->item.mtime_ns)
			continue;
		if (fill_file(d, f, r))
			return j->oom = 1;
	}
	return 0;
}

static int load_rows(struct dupes *d, struct wn_err *err)
{
	struct image_filter all = { NULL, -1, NULL };
	struct join j = { d, malloc((d->n ? d->n : 1) * sizeof(size_t)), 0, 0 };
	int rc;

	if (!j.idx)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < d->n; i++)
		j.idx[i] = i;
	qsort_r(j.idx, d->n, sizeof(*j.idx), cmp_cpath, d->f);
	rc = images_foreach(d->cat, &all, fill_from_row, &j, err);
	free(j.idx);
	if (j.oom)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	return rc ? -1 : 0;
}

static void scan_problem(const char *path, const char *cause, int unreadable, void *data)
{
	(void)unreadable;
	dupes_problem(data, path, cause);
}

/* Full mode: catalogue what changed (reporting what does not decode),
 * then read every file's row. */
static int hash_full(struct dupes *d, struct wn_err *err)
{
	struct scan_item *items = malloc((d->n ? d->n : 1) * sizeof(*items));
	struct scan_opts so;
	size_t n = 0;
	int rc;

	if (!items)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < d->n; i++)
		if (!d->f[i].linked)
			items[n++] = d->f[i].item;
	scan_opts_init(&so);
	so.threads = d->opt.threads;
	so.progress = d->opt.progress;
	so.on_problem = scan_problem;
	so.data = d;
	rc = scan_items(d->cat, items, n, &so, &d->scan, err);
	free(items);
	if (rc)
		return -1;
	return load_rows(d, err);
}

/* --exact-only hashes on the pool, through the batch runner: the first
 * 4 KiB, or the whole file. Reading a 4 KiB head takes microseconds, so
 * each job takes a chunk of files; one job per file spent most of its
 * time waking threads. */
#define HASH_CHUNK 32
#define CHUNKS_A_BATCH 64

struct hash_job {
	struct dupes_file *f;
	int failed;
	struct wn_err err;
};

struct hash_chunk {
	struct hash_job jobs[HASH_CHUNK];
	size_t n;
	int whole;
};

/* One pass: the files d->f[which[0 .. n)], HASH_CHUNK to a job. */
struct hash_pass {
	struct dupes *d;
	const size_t *which;
	size_t n;
	int whole;
};

static void hash_one(struct hash_job *j, int whole)
{
	struct filehash h;

	if (whole ? filehash_file(j->f->item.disk_path, &h, &j->err)
		  : filehash_head(j->f->item.disk_path, &h, &j->err)) {
		j->failed = 1;
		return;
	}
	/* Not decoded, but at least an image by its magic bytes: two copies
	 * of one HTML error page are not duplicate images. */
	if (img_sniff(h.magic, h.magic_len) == IMG_UNKNOWN) {
		j->f->corrupt = 1;
		return;
	}
	memcpy(j->f->head, h.head, 16);
	/* Up to 4 KiB the head digest is the whole file's. */
	if (whole || j->f->item.size <= FILEHASH_HEAD_BYTES) {
		memcpy(j->f->xxh3, whole ? h.full : h.head, 16);
		j->f->has_xxh3 = 1;
	}
	j->f->fresh = 1;
}

static int take_chunk(void *data, void *job, const struct walk_entry *e, size_t index,
		      struct wn_err *err)
{
	const struct hash_pass *p = data;
	struct hash_chunk *c = job;
	size_t at = index * HASH_CHUNK;

	(void)e;
	(void)err;
	c->n = p->n - at < HASH_CHUNK ? p->n - at : HASH_CHUNK;
	c->whole = p->whole;
	for (size_t i = 0; i < c->n; i++)
		c->jobs[i].f = &p->d->f[p->which[at + i]];
	return 1;
}

static void hash_chunk(void *job)
{
	struct hash_chunk *c = job;

	for (size_t i = 0; i < c->n; i++)
		hash_one(&c->jobs[i], c->whole);
}

static int write_row(struct dupes *d, struct dupes_file *f, struct wn_err *err);

/* The rows of a chunk's files whose digest is complete. */
static int commit_chunk(void *data, void *jobs, size_t i, struct wn_err *err)
{
	const struct hash_pass *p = data;
	struct hash_chunk *c = (struct hash_chunk *)jobs + i;

	for (size_t k = 0; k < c->n; k++)
		if (!c->jobs[k].failed && write_row(p->d, c->jobs[k].f, err))
			return -1;
	return 0;
}

/* Vanished or unreadable files: reported, never grouped. */
static int settle_chunks(void *data, void *jobs, size_t n, struct wn_err *err)
{
	const struct hash_pass *p = data;
	struct hash_chunk *c = jobs;

	(void)err;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < c[i].n; k++) {
			struct hash_job *j = &c[i].jobs[k];

			if (!j->failed)
				continue;
			j->f->corrupt = 1;
			j->f->has_xxh3 = 0;
			p->d->unreadable++;
			dupes_problem(p->d, j->f->item.disk_path,
				      wn_err_cause(&j->err, j->f->item.disk_path));
		}
	return 0;
}

/* Hashes the files d->f[which[0 .. n)]; with `write`, the rows of files
 * whose digest is complete go to the catalog, a transaction a batch. */
static int hash_some(struct dupes *d, const size_t *which, size_t n, int whole, int write,
		     struct wn_err *err)
{
	struct hash_pass p = { d, which, n, whole };
	struct batch_ops ops = { .job_size = sizeof(struct hash_chunk), .batch = CHUNKS_A_BATCH,
				 .threads = d->opt.threads, .take = take_chunk,
				 .work = hash_chunk, .commit = write ? commit_chunk : NULL,
				 .settle = settle_chunks, .data = &p };

	return batch_list(d->cat, (n + HASH_CHUNK - 1) / HASH_CHUNK, &ops, err);
}

/* Order by size, then by first-4-KiB digest (files not yet hashed have a
 * zero digest and sort together; only sizes matter for them). */
static int cmp_size_head(const void *a, const void *b, void *ctx)
{
	const struct dupes_file *f = ctx, *x = &f[*(const size_t *)a], *y = &f[*(const size_t *)b];

	if (x->item.size != y->item.size)
		return x->item.size < y->item.size ? -1 : 1;
	return memcmp(x->head, y->head, 16);
}

/* From the runs of two or more equal keys in idx[0..n) (size, plus the
 * head digest when by_head), the files still lacking what the next step
 * computes: the head digest (need_whole 0) or the whole digest. */
static size_t pick(const struct dupes *d, const size_t *idx, size_t n, int by_head,
		   int need_whole, size_t *out)
{
	size_t m = 0;

	for (size_t a = 0, b; a < n; a = b) {
		const struct dupes_file *x = &d->f[idx[a]];

		for (b = a + 1; b < n; b++) {
			const struct dupes_file *y = &d->f[idx[b]];

			if (y->item.size != x->item.size || (by_head && memcmp(y->head, x->head, 16)))
				break;
		}
		for (size_t k = a; b - a >= 2 && k < b; k++) {
			const struct dupes_file *f = &d->f[idx[k]];

			if (f->corrupt || f->has_xxh3 || (!need_whole && f->fresh))
				continue;
			out[m++] = idx[k];
		}
	}
	return m;
}

/* Remembers a digest this run computed, for the next run (once). */
static int write_row(struct dupes *d, struct dupes_file *f, struct wn_err *err)
{
	struct image_row r;

	if (!f->fresh || !f->has_xxh3 || f->corrupt || f->written)
		return 0;
	memset(&r, 0, sizeof(r));
	r.path = f->item.path;
	r.class_name = f->item.class_name;
	r.size = f->item.size;
	r.mtime_ns = f->item.mtime_ns;
	r.has_xxh3 = 1;
	memcpy(r.xxh3, f->xxh3, 16);
	memcpy(r.head_xxh3, f->head, 16);
	f->written = 1;
	/* Its id, so that deleting it marks this very row. */
	return images_upsert(d->cat, &r, &f->image_id, err);
}

/* The jdupes way: size, then the first 4 KiB, then the whole file, each
 * step only for files still sharing their key with another, and nothing
 * read that the catalog already knows for this size and mtime. */
static int hash_exact_only(struct dupes *d, struct wn_err *err)
{
	size_t *idx = malloc((d->n ? d->n : 1) * sizeof(*idx));
	size_t *need = malloc((d->n ? d->n : 1) * sizeof(*need));
	size_t n = 0, m;
	int ret = -1;

	if (!idx || !need) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (load_rows(d, err))
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		struct dupes_file *f = &d->f[i];

		if (!f->usable)
			f->has_xxh3 = 0;  /* a stale row's digest does not count */
		if (!f->linked && !f->corrupt && f->item.size > 0)
			idx[n++] = i;
	}
	qsort_r(idx, n, sizeof(*idx), cmp_size_head, d->f);
	m = pick(d, idx, n, 0, 0, need);
	if (hash_some(d, need, m, 0, 0, err))
		goto out;
	qsort_r(idx, n, sizeof(*idx), cmp_size_head, d->f);
	m = pick(d, idx, n, 1, 1, need);
	/* The rows are written as the whole files are hashed, a batch at a
	 * time, then those of small files the head pass finished. */
	if (hash_some(d, need, m, 1, 1, err) || catalog_begin(d->cat, err))
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		struct dupes_file *f = &d->f[i];

		if (write_row(d, f, err)) {
			catalog_rollback(d->cat);
			goto out;
		}
		f->usable = f->has_xxh3 && !f->corrupt && !f->linked;
	}
	ret = catalog_commit(d->cat, err);
out:
	free(idx);
	free(need);
	return ret;
}

int dupes_hash(struct dupes *d, struct wn_err *err)
{
	if (d->opt.catalog_only)
		return 0;  /* the rows filled the files */
	return d->opt.exact_only ? hash_exact_only(d, err) : hash_full(d, err);
}
