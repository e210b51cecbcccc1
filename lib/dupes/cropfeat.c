/* Crop features of catalogued images: read from the catalog when made
 * from the file as it is, else (when asked) computed from the file on the
 * pool and stored, so a second run reads no image data. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "img/img.h"
#include "hash/hash.h"
#include "feat/feat.h"
#include "catalog/catalog.h"
#include "internal.h"

#define CROP_BATCH 64

struct dupes_crops {
	struct feat *f;           /* n; usable 0 and no points when none */
	uint8_t *have;            /* n: 1 when f[i] holds the image's features */
	size_t n, computed, unusable;
};

/* Points as little-endian uint16 pairs in 1/POINT_SCALE pixel, whatever
 * the host: 4 bytes a point (the frame is at most FEAT_SIDE = 480 px a
 * side, 30,720 steps; ORB's own positions are no finer than a pixel of
 * its pyramid level). Rows written before hold float32 pairs, 8 bytes a
 * point: read as they are. */
#define POINT_SCALE 64
#define POINT_BYTES 4

static uint8_t *pack_points(const float *xy, int n)
{
	uint8_t *b = malloc((size_t)(n > 0 ? n : 1) * POINT_BYTES);

	if (!b)
		return NULL;
	for (int i = 0; i < 2 * n; i++) {
		float v = xy[i] * POINT_SCALE + 0.5f;
		uint16_t u = !(v >= 0) ? 0 : v >= 65535 ? 65535 : (uint16_t)v;

		b[2 * i] = (uint8_t)u;
		b[2 * i + 1] = (uint8_t)(u >> 8);
	}
	return b;
}

static float point_at(const uint8_t *b, size_t i, int wide)
{
	if (wide) {   /* float32, as rows before compact points */
		uint32_t u = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
			     (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
		float f;

		memcpy(&f, &u, 4);
		return f;
	}
	return (float)((uint32_t)b[2 * i] | (uint32_t)b[2 * i + 1] << 8) / POINT_SCALE;
}

static int unpack_points(const uint8_t *b, size_t len, const uint8_t *desc, size_t dlen,
			 struct feat_points *out)
{
	size_t n = dlen / FEAT_DESC_BYTES;
	int wide = len == n * 8;

	if (dlen % FEAT_DESC_BYTES || (len != n * POINT_BYTES && !wide) || n > FEAT_MAX)
		return 0;   /* not ours: treated as missing */
	out->xy = malloc((n ? n : 1) * 2 * sizeof(float));
	out->desc = malloc((n ? n : 1) * FEAT_DESC_BYTES);
	if (!out->xy || !out->desc)
		return -1;
	for (size_t i = 0; i < 2 * n; i++)
		out->xy[i] = point_at(b, i, wide);
	if (n)
		memcpy(out->desc, desc, n * FEAT_DESC_BYTES);
	out->n = (int)n;
	return 1;
}

/* The listed images in id order, for the join with the catalog's rows. */
struct crop_join {
	struct dupes_crops *c;
	const struct dupes_crop_image *img;
	size_t *idx, at;
	int oom;
};

static int cmp_id(const void *a, const void *b, void *ctx)
{
	const struct dupes_crop_image *img = ctx;
	int64_t x = img[*(const size_t *)a].id, y = img[*(const size_t *)b].id;

	return x < y ? -1 : x > y;
}

/* Row r into f; 1 when it is whole, 0 when it is not ours, -1 out of
 * memory. */
static int from_row(const struct feature_row *r, struct feat *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	if (r->thumb_len != sizeof(f->thumb) || r->width < 0 || r->height < 0)
		return 0;
	memcpy(f->thumb, r->thumb, sizeof(f->thumb));
	f->width = r->width;
	f->height = r->height;
	f->usable = r->usable;
	if (!r->usable)
		return 1;
	rc = unpack_points(r->points, r->points_len, r->desc, r->desc_len, &f->up);
	if (rc == 1)
		rc = unpack_points(r->mirror_points, r->mirror_points_len, r->mirror_desc,
				   r->mirror_desc_len, &f->mirror);
	if (rc != 1)
		feat_release(f);
	return rc;
}

static int take_row(const struct feature_row *r, void *data)
{
	struct crop_join *j = data;

	while (j->at < j->c->n && j->img[j->idx[j->at]].id < r->image_id)
		j->at++;
	for (; j->at < j->c->n && j->img[j->idx[j->at]].id == r->image_id; j->at++) {
		size_t i = j->idx[j->at];
		int rc;

		if (j->c->have[i] || memcmp(j->img[i].xxh3, r->xxh3, 16))
			continue;
		rc = from_row(r, &j->c->f[i]);
		if (rc < 0)
			return j->oom = 1;
		j->c->have[i] = (uint8_t)rc;
	}
	return 0;
}

static int read_catalogued(struct catalog *cat, struct dupes_crops *c,
			   const struct dupes_crop_image *img, struct wn_err *err)
{
	struct crop_join j = { c, img, malloc((c->n ? c->n : 1) * sizeof(size_t)), 0, 0 };
	int rc;

	if (!j.idx)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n; i++)
		j.idx[i] = i;
	qsort_r(j.idx, c->n, sizeof(*j.idx), cmp_id, (void *)img);
	rc = features_foreach(cat, take_row, &j, err);
	free(j.idx);
	if (j.oom)
		return wn_fail(err, WN_ENOMEM, "out of memory for the crop features");
	return rc ? -1 : 0;
}

/* Computing the missing ones: a job a file. */
struct crop_job {
	size_t i;
	char *path;               /* on disk */
	struct feat f;
	int failed;
	struct wn_err err;
};

struct crop_pass {
	struct catalog *cat;
	struct dupes_crops *c;
	const struct dupes_crop_image *img;
	const size_t *missing;
	dupes_problem_fn on_problem;
	void *data;
};

static int take_missing(void *data, void *job, const struct walk_entry *e, size_t index,
			struct wn_err *err)
{
	const struct crop_pass *p = data;
	struct crop_job *j = job;
	struct strbuf path = STRBUF_INIT;

	(void)e;
	j->i = p->missing[index];
	if (catalog_disk_path(p->cat, p->img[j->i].path, &path)) {
		strbuf_release(&path);
		wn_fail(err, WN_ENOMEM, "out of memory");
		return -1;
	}
	j->path = strbuf_detach(&path);
	return 1;
}

static void compute_one(void *job)
{
	struct crop_job *j = job;
	struct img_limits lim = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS };
	uint8_t *buf = NULL;
	size_t len;

	if (read_file_limited(j->path, lim.max_bytes, &buf, &len, &j->err)) {
		j->failed = 1;   /* the message names the file already */
	} else if (feat_load(buf, len, &lim, &j->f, &j->err)) {
		wn_err_prefix(&j->err, j->path);
		j->failed = 1;
	}
	free(buf);
}

static int store_one(void *data, void *jobs, size_t k, struct wn_err *err)
{
	const struct crop_pass *p = data;
	struct crop_job *j = (struct crop_job *)jobs + k;
	const struct feat *f = &j->f;
	uint8_t *up = NULL, *mirror = NULL;
	struct feature_row r;
	int rc = -1;

	if (j->failed)
		return 0;
	memset(&r, 0, sizeof(r));
	up = pack_points(f->up.xy, f->up.n);
	mirror = pack_points(f->mirror.xy, f->mirror.n);
	if (!up || !mirror) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	r.image_id = p->img[j->i].id;
	r.xxh3 = p->img[j->i].xxh3;
	r.width = f->width;
	r.height = f->height;
	r.usable = f->usable;
	if (f->usable) {
		r.points = up;
		r.points_len = (size_t)f->up.n * POINT_BYTES;
		r.desc = f->up.desc;
		r.desc_len = (size_t)f->up.n * FEAT_DESC_BYTES;
		r.mirror_points = mirror;
		r.mirror_points_len = (size_t)f->mirror.n * POINT_BYTES;
		r.mirror_desc = f->mirror.desc;
		r.mirror_desc_len = (size_t)f->mirror.n * FEAT_DESC_BYTES;
	}
	r.thumb = f->thumb;
	r.thumb_len = sizeof(f->thumb);
	rc = features_set(p->cat, &r, err);
out:
	free(up);
	free(mirror);
	return rc;
}

/* The batch is stored: its features move into the set; failures are
 * reported. */
static int settle_missing(void *data, void *jobs, size_t n, struct wn_err *err)
{
	const struct crop_pass *p = data;
	struct crop_job *j = jobs;

	(void)err;
	for (size_t k = 0; k < n; k++) {
		if (j[k].failed) {
			if (p->on_problem)
				p->on_problem(j[k].path, wn_err_cause(&j[k].err, j[k].path), p->data);
			continue;
		}
		p->c->f[j[k].i] = j[k].f;
		memset(&j[k].f, 0, sizeof(j[k].f));
		p->c->have[j[k].i] = 1;
		p->c->computed++;
	}
	return 0;
}

static void release_job(void *job)
{
	struct crop_job *j = job;

	feat_release(&j->f);
	free(j->path);
}

static int compute_missing(struct catalog *cat, struct dupes_crops *c,
			   const struct dupes_crop_image *img, int threads,
			   dupes_problem_fn on_problem, void *data, struct wn_err *err)
{
	size_t *missing = malloc((c->n ? c->n : 1) * sizeof(*missing)), m = 0;
	struct crop_pass p = { cat, c, img, missing, on_problem, data };
	struct batch_ops ops = { .job_size = sizeof(struct crop_job), .batch = CROP_BATCH,
				 .threads = threads, .take = take_missing, .work = compute_one,
				 .commit = store_one, .settle = settle_missing,
				 .release = release_job, .data = &p };
	int rc;

	if (!missing)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n; i++)
		if (!c->have[i] && img[i].id)
			missing[m++] = i;
	rc = m ? batch_list(cat, m, &ops, err) : 0;
	free(missing);
	return rc;
}

int dupes_crops_load(struct catalog *cat, const struct dupes_crop_image *img, size_t n,
		     int compute, int threads, dupes_problem_fn on_problem, void *data,
		     struct dupes_crops **out, struct wn_err *err)
{
	struct dupes_crops *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c || !(c->f = calloc(n ? n : 1, sizeof(*c->f))) || !(c->have = calloc(n ? n : 1, 1))) {
		dupes_crops_free(c);
		return wn_fail(err, WN_ENOMEM, "out of memory for the crop features");
	}
	c->n = n;
	if (read_catalogued(cat, c, img, err) ||
	    (compute && compute_missing(cat, c, img, threads, on_problem, data, err))) {
		dupes_crops_free(c);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		c->unusable += c->have[i] && !c->f[i].usable;
	*out = c;
	return 0;
}

const struct feat *dupes_crops_get(const struct dupes_crops *c, size_t i)
{
	return c->have[i] ? &c->f[i] : NULL;
}

void dupes_crops_counts(const struct dupes_crops *c, size_t *computed, size_t *unusable)
{
	*computed = c->computed;
	*unusable = c->unusable;
}

void dupes_crops_free(struct dupes_crops *c)
{
	if (!c)
		return;
	/* Only the entries that hold features own anything (from_row() and
	 * the computed ones leave the others empty); the rest, 4 kB each,
	 * are never touched, so a catalog without crop features costs no
	 * memory for them (db split at 1M images: 4 GB less). */
	for (size_t i = 0; c->f && c->have && i < c->n; i++)
		if (c->have[i])
			feat_release(&c->f[i]);
	free(c->f);
	free(c->have);
	free(c);
}

int dupes_crop_features(struct dupes *d, const size_t *rep, size_t nrep,
			struct dupes_crops **crops, const struct feat ***ptrs,
			struct wn_err *err)
{
	struct dupes_crop_image *img = calloc(nrep + 1, sizeof(*img));
	size_t k = 0, made, unusable;

	*crops = NULL;
	*ptrs = calloc(nrep + 1, sizeof(**ptrs));
	if (!img || !*ptrs) {
		free(img);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	/* Files without a catalog row or digest have no features. */
	for (size_t i = 0; i < nrep; i++) {
		const struct dupes_file *f = &d->f[rep[i]];

		img[i].id = f->image_id && f->has_xxh3 ? f->image_id : 0;
		img[i].xxh3 = f->xxh3;
		img[i].path = f->item.path;
	}
	if (dupes_crops_load(d->cat, img, nrep, !d->opt.catalog_only, d->opt.threads, d->opt.on_problem,
			     d->opt.data, crops, err)) {
		free(img);
		return -1;
	}
	for (k = 0; k < nrep; k++)
		(*ptrs)[k] = img[k].id ? dupes_crops_get(*crops, k) : NULL;
	dupes_crops_counts(*crops, &made, &unusable);
	d->crop_made = made;
	d->crop_unusable = unusable;
	free(img);
	return 0;
}

/* A search's images: those of in with usable features, by catalog id
 * (so that dedup and db split, which list them in other orders, search
 * alike and share a record). */
struct searched {
	size_t *k;              /* m indexes into in, by id */
	struct dupes_pairs_in in;   /* theirs alone, in that order */
	const struct feat **crops;
	uint64_t *dhash;
	int *side;
	size_t m;
};

static void searched_free(struct searched *s)
{
	free(s->k);
	free(s->crops);
	free(s->dhash);
	free(s->side);
}

static int cmp_k_id(const void *a, const void *b, void *ctx)
{
	const int64_t *id = ctx;
	int64_t x = id[*(const size_t *)a], y = id[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

static int searched_make(const struct dupes_pairs_in *in, const int64_t *ids,
			 struct searched *s)
{
	memset(s, 0, sizeof(*s));
	s->k = malloc((in->n + 1) * sizeof(*s->k));
	s->crops = malloc((in->n + 1) * sizeof(*s->crops));
	s->dhash = malloc((in->n + 1) * sizeof(*s->dhash));
	s->side = malloc((in->n + 1) * sizeof(*s->side));
	if (!s->k || !s->crops || !s->dhash || !s->side)
		return -1;
	for (size_t k = 0; k < in->n; k++)
		if (in->crops[k] && in->crops[k]->usable && ids[k])
			s->k[s->m++] = k;
	qsort_r(s->k, s->m, sizeof(*s->k), cmp_k_id, (void *)ids);
	for (size_t j = 0; j < s->m; j++) {
		s->crops[j] = in->crops[s->k[j]];
		s->dhash[j] = in->dhash[s->k[j]];
		s->side[j] = in->side ? in->side[s->k[j]] : -1;
	}
	s->in = *in;
	s->in.n = s->m;
	s->in.crops = s->crops;
	s->in.dhash = s->dhash;
	s->in.side = in->side ? s->side : NULL;
	return 0;
}

/* The name of a search: its images (ids, files' hashes and sides, in id
 * order) and the search's settings. */
static int search_digest(const struct searched *s, const int64_t *ids, const uint8_t *xxh3,
			 uint8_t digest[16])
{
	size_t len = strlen(dupes_crop_search_version), at = len;
	uint8_t *buf = malloc(len + s->m * 28);
	struct filehash h;

	if (!buf)
		return -1;
	memcpy(buf, dupes_crop_search_version, len);
	for (size_t j = 0; j < s->m; j++) {
		int32_t side = s->side[j];

		memcpy(buf + at, &ids[s->k[j]], 8);
		memcpy(buf + at + 8, xxh3 + 16 * s->k[j], 16);
		memcpy(buf + at + 24, &side, 4);
		at += 28;
	}
	filehash_buffer(buf, at, &h);
	memcpy(digest, h.full, 16);
	free(buf);
	return 0;
}

struct id_at {
	int64_t id;
	size_t k;
};

static int cmp_id_at(const void *a, const void *b)
{
	int64_t x = ((const struct id_at *)a)->id, y = ((const struct id_at *)b)->id;

	return x < y ? -1 : x > y;
}

static int cmp_ab(const void *pa, const void *pb)
{
	const struct dupes_pair *a = pa, *b = pb;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->b > b->b) - (a->b < b->b);
}

/* The recorded pairs, from image ids back to indexes into in; pairs of
 * images no longer searched cannot be there (the name would differ). */
static int from_rows(const struct searched *s, const int64_t *ids,
		     const struct crop_pair_row *r, size_t nr, struct dupes_pair **out, size_t *n)
{
	struct id_at *at = malloc((s->m + 1) * sizeof(*at));
	size_t m = 0;

	*out = malloc((nr + 1) * sizeof(**out));
	if (!at || !*out) {
		free(at);
		return -1;
	}
	for (size_t j = 0; j < s->m; j++)
		at[j] = (struct id_at){ ids[s->k[j]], s->k[j] };
	for (size_t k = 0; k < nr; k++) {
		struct id_at ka = { r[k].a, 0 }, kb = { r[k].b, 0 };
		const struct id_at *a = bsearch(&ka, at, s->m, sizeof(*at), cmp_id_at);
		const struct id_at *b = bsearch(&kb, at, s->m, sizeof(*at), cmp_id_at);

		/* a corrupt catalog must not pair an image with itself (it would
		 * be its own group's copy: --delete would take the keeper) */
		if (!a || !b || a->k == b->k || (r[k].cropped != r[k].a && r[k].cropped != r[k].b))
			continue;
		(*out)[m] = (struct dupes_pair){ a->k < b->k ? a->k : b->k, a->k < b->k ? b->k : a->k,
						 DUPES_CROP, r[k].distance,
						 r[k].cropped == r[k].a ? a->k : b->k };
		m++;
	}
	free(at);
	qsort(*out, m, sizeof(**out), cmp_ab);
	*n = m;
	return 0;
}

/* The search's pairs (indexes into s's order) back to indexes into in,
 * a < b, sorted. */
static void to_input(const struct searched *s, struct dupes_pair *p, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		size_t a = s->k[p[k].a], b = s->k[p[k].b];

		p[k].cropped = s->k[p[k].cropped];
		p[k].a = a < b ? a : b;
		p[k].b = a < b ? b : a;
	}
	if (n)
		qsort(p, n, sizeof(*p), cmp_ab);
}

static int record(struct catalog *cat, const int64_t *ids, const uint8_t digest[16],
		  const struct dupes_pair *p, size_t n, struct wn_err *err)
{
	struct crop_pair_row *r = malloc((n + 1) * sizeof(*r));
	int rc;

	if (!r)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t k = 0; k < n; k++)
		r[k] = (struct crop_pair_row){ ids[p[k].a], ids[p[k].b], ids[p[k].cropped],
					       p[k].distance };
	rc = crop_pairs_put(cat, digest, r, n, err);
	free(r);
	return rc;
}

int dupes_crop_pairs_recorded(struct catalog *cat, const struct dupes_pairs_in *in,
			      const int64_t *ids, const uint8_t *xxh3, int write,
			      struct dupes_pair **out, size_t *n, int *searched,
			      struct wn_err *err)
{
	struct searched s;
	uint8_t digest[16];
	struct crop_pair_row *rows = NULL;
	size_t nrows;
	int found, rc = -1;

	*out = NULL;
	*n = 0;
	*searched = 0;
	if (searched_make(in, ids, &s) || search_digest(&s, ids, xxh3, digest)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (s.m < 2) {   /* nothing to search (db split on a catalog without features) */
		rc = 0;
		goto out;
	}
	found = crop_pairs_get(cat, digest, &rows, &nrows, err);
	if (found < 0)
		goto out;
	if (found) {
		if (from_rows(&s, ids, rows, nrows, out, n))
			wn_fail(err, WN_ENOMEM, "out of memory");
		else
			rc = 0;
		goto out;
	}
	if (dupes_crop_search(&s.in, out, n, err))
		goto out;
	*searched = 1;
	to_input(&s, *out, *n);
	rc = write ? record(cat, ids, digest, *out, *n, err) : 0;
out:
	free(rows);
	searched_free(&s);
	return rc;
}

int dupes_crop_pairs(struct dupes *d, const struct dupes_pairs_in *in, const size_t *rep,
		     struct dupes_pair **out, size_t *n, struct wn_err *err)
{
	int64_t *ids = malloc((in->n + 1) * sizeof(*ids));
	uint8_t *xxh3 = malloc((in->n + 1) * 16);
	int searched, rc = -1;

	if (!ids || !xxh3) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < in->n; k++) {
		ids[k] = d->f[rep[k]].image_id;
		memcpy(xxh3 + 16 * k, d->f[rep[k]].xxh3, 16);
	}
	rc = dupes_crop_pairs_recorded(d->cat, in, ids, xxh3, 1, out, n, &searched, err);
out:
	free(ids);
	free(xxh3);
	return rc;
}

int dupes_pairs_merge(struct dupes_pair **p, size_t *np, const struct dupes_pair *crop,
		      size_t ncrop)
{
	struct dupes_pair *all = malloc((*np + ncrop + 1) * sizeof(*all));
	size_t i = 0, j = 0, m = 0;

	if (!all)
		return -1;
	while (i < *np || j < ncrop) {
		int c = i == *np ? 1 : j == ncrop ? -1 : cmp_ab(&(*p)[i], &crop[j]);

		if (c <= 0)
			all[m++] = (*p)[i++];
		else
			all[m++] = crop[j++];
		if (!c)
			j++;   /* the couple's earlier kind stays */
	}
	free(*p);
	*p = all;
	*np = m;
	return 0;
}
