/* The crop search: candidate pairs from an index of the images' ORB
 * descriptors (exact 24-bit pieces of each, as in multi-index hashing;
 * a descriptor that shares a piece and is within MATCH_BITS of the query
 * votes once for its image), then the best candidates of each image
 * matched and checked by feat_match_crop(), on the pool. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "feat/feat.h"
#include "internal.h"

#define KEY_BYTES 3
#define NTABLES 10          /* pieces of a descriptor: 30 of its 32 bytes */
#define DIR_BITS 20         /* a table's directory: the key's first 20 bits
			     * (4 MiB: buckets of a few entries) */
#define BUCKET_CAP 16       /* a piece shared by more descriptors says little */
#define MATCH_BITS 40       /* of 256: ORB's true matches are mostly nearer,
			     * unrelated descriptors near 128 */
#define MIN_VOTES 4
#define TOP 3               /* candidates an image, upright and mirrored each */
#define CHUNK 32            /* images a pool job */

const char dupes_crop_search_version[] = "orb-pieces 10x24 cap 16, the nearest within 40 bits votes, 4 votes, top 3; "
	"verify 0.90 0.90 0.55; id order";

/* One table: entries key << 40 | descriptor, sorted by key, then
 * descriptor; dir[k] is the first entry whose key starts with the
 * DIR_BITS bits k. */
struct piece_table {
	uint64_t *e;
	uint32_t *dir;
};

struct index {
	struct piece_table t[NTABLES];
	size_t n;               /* descriptors, entries a table */
	uint8_t *desc;          /* every upright descriptor, image by image */
	uint32_t *image;        /* each one's image */
};

#define KEY_SHIFT 40
#define DESC_MASK ((UINT64_C(1) << KEY_SHIFT) - 1)

static uint32_t key_of(const uint8_t *desc, int t)
{
	const uint8_t *p = desc + t * KEY_BYTES;

	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Sorts by the 24-bit key, stably (descriptors stay in order): two
 * passes of 12 bits. */
static void radix_sort(uint64_t *e, uint64_t *tmp, size_t n)
{
	for (int shift = KEY_SHIFT; shift <= KEY_SHIFT + 12; shift += 12) {
		size_t count[4097] = { 0 };

		for (size_t k = 0; k < n; k++)
			count[((e[k] >> shift) & 4095) + 1]++;
		for (int b = 0; b < 4096; b++)
			count[b + 1] += count[b];
		for (size_t k = 0; k < n; k++)
			tmp[count[(e[k] >> shift) & 4095]++] = e[k];
		memcpy(e, tmp, n * sizeof(*e));
	}
}

static int index_build(struct index *ix, const struct feat *const *f, size_t nimg)
{
	uint64_t *tmp;
	size_t n = 0;

	for (size_t i = 0; i < nimg; i++)
		n += f[i] ? (size_t)f[i]->up.n : 0;
	ix->n = n;
	ix->desc = malloc((n + 1) * FEAT_DESC_BYTES);
	ix->image = malloc((n + 1) * sizeof(*ix->image));
	tmp = malloc((n + 1) * sizeof(*tmp));
	if (!tmp || !ix->desc || !ix->image) {
		free(tmp);
		return -1;
	}
	n = 0;
	for (size_t i = 0; i < nimg; i++)
		for (int d = 0; f[i] && d < f[i]->up.n; d++, n++) {
			memcpy(ix->desc + n * FEAT_DESC_BYTES, f[i]->up.desc + d * FEAT_DESC_BYTES,
			       FEAT_DESC_BYTES);
			ix->image[n] = (uint32_t)i;
		}
	for (int t = 0; t < NTABLES; t++) {
		struct piece_table *tb = &ix->t[t];
		size_t k = 0;

		tb->e = malloc((n + 1) * sizeof(*tb->e));
		tb->dir = calloc((1u << DIR_BITS) + 1, sizeof(*tb->dir));
		if (!tb->e || !tb->dir) {
			free(tmp);
			return -1;
		}
		for (k = 0; k < n; k++)
			tb->e[k] = (uint64_t)key_of(ix->desc + k * FEAT_DESC_BYTES, t) << KEY_SHIFT | k;
		radix_sort(tb->e, tmp, n);
		for (k = 0; k < n; k++)
			tb->dir[(tb->e[k] >> (KEY_SHIFT + 24 - DIR_BITS)) + 1]++;
		for (uint32_t b = 0; b < (1u << DIR_BITS); b++)
			tb->dir[b + 1] += tb->dir[b];
	}
	free(tmp);
	return 0;
}

static void index_free(struct index *ix)
{
	free(ix->desc);
	free(ix->image);
	for (int t = 0; t < NTABLES; t++) {
		free(ix->t[t].e);
		free(ix->t[t].dir);
	}
}

/* A worker's votes: per image, the votes of the query so far, the last
 * descriptor that voted for it, and the images voted for. */
struct votes {
	uint32_t *count;
	size_t *touched, ntouched;
	size_t *cand;           /* those with enough votes, best first */
	const int *side;        /* only pairs across sides, or NULL */
};

struct crop_job {
	const struct dupes_pairs_in *in;
	const struct index *ix;
	size_t lo, hi;          /* the images queried */
	struct dupes_pair *pair;
	size_t n, alloc;
	int failed;
	struct wn_err err;
};

/* The first entry of e[a..b) whose key is at least key (b when none). */
static size_t first_at_least(const uint64_t *e, size_t a, size_t b, uint32_t key)
{
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if ((uint32_t)(e[mid] >> KEY_SHIFT) < key)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/* Each of q's descriptors votes for the one image j > i (on the other
 * side, with sides) that holds its nearest descriptor within MATCH_BITS
 * among those sharing one of its pieces, in buckets not over the cap.
 * One vote a descriptor, to its nearest image only: a descriptor of
 * common texture, near something in many images, then weighs no more
 * than a distinctive one, and a copy's few true matches are not outvoted
 * by images that merely share texture. x86-64's baseline has no POPCNT:
 * a clone with it is picked at load time where the CPU has it. */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("popcnt", "default")))
#endif
static void vote(const struct index *ix, const struct feat_points *q, size_t i,
		 struct votes *v)
{
	for (int d = 0; d < q->n; d++) {
		const uint8_t *desc = q->desc + d * FEAT_DESC_BYTES;
		size_t best_j = SIZE_MAX;
		int best = MATCH_BITS + 1;

		for (int t = 0; t < NTABLES; t++) {
			const struct piece_table *tb = &ix->t[t];
			uint32_t key = key_of(desc, t), top = key >> (24 - DIR_BITS);
			size_t s = first_at_least(tb->e, tb->dir[top], tb->dir[top + 1], key), e;

			for (e = s; e < tb->dir[top + 1] && e - s <= BUCKET_CAP &&
				    (uint32_t)(tb->e[e] >> KEY_SHIFT) == key; e++)
				;
			if (e - s > BUCKET_CAP)
				continue;
			for (size_t k = s; k < e; k++) {
				size_t at = tb->e[k] & DESC_MASK, j = ix->image[at];
				int dist;

				if (j <= i || (v->side && v->side[i] == v->side[j]))
					continue;
				dist = feat_distance(desc, ix->desc + at * FEAT_DESC_BYTES);
				/* ties go to the lower image: the same whatever the
				 * order the tables list them in */
				if (dist < best || (dist == best && j < best_j)) {
					best = dist;
					best_j = j;
				}
			}
		}
		if (best_j != SIZE_MAX && !v->count[best_j]++)
			v->touched[v->ntouched++] = best_j;
	}
}

static int add_pair(struct crop_job *job, size_t i, size_t j, size_t cropped)
{
	struct dupes_pair *p;

	if (ARRAY_GROW(job->pair, job->alloc, job->n, 64))
		return -1;
	p = &job->pair[job->n++];
	p->a = i;
	p->b = j;
	p->match = DUPES_CROP;
	p->distance = __builtin_popcountll(job->in->dhash[i] ^ job->in->dhash[j]);
	p->cropped = cropped;
	return 0;
}

static int by_votes(const void *pa, const void *pb, void *ctx)
{
	const uint32_t *count = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	if (count[a] != count[b])
		return count[a] > count[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Image i's best candidates (upright, or its mirror) matched and checked. */
static int query(struct crop_job *job, size_t i, int mirrored, struct votes *v)
{
	const struct feat *const *f = job->in->crops;
	const struct feat_points *q = mirrored ? &f[i]->mirror : &f[i]->up;
	size_t m = 0;
	int rc = 0;

	v->ntouched = 0;
	vote(job->ix, q, i, v);
	for (size_t k = 0; k < v->ntouched; k++)
		if (v->count[v->touched[k]] >= MIN_VOTES)
			v->cand[m++] = v->touched[k];
	qsort_r(v->cand, m, sizeof(*v->cand), by_votes, v->count);
	for (size_t k = 0; k < m && k < TOP && !rc; k++) {
		size_t j = v->cand[k];
		struct feat_crop cr;
		int found = feat_match_crop(f[i], f[j], mirrored, &cr, &job->err);

		if (found < 0)
			rc = -1;
		else if (found && add_pair(job, i, j, cr.copy_is_b ? j : i))
			rc = wn_fail(&job->err, WN_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < v->ntouched; k++)
		v->count[v->touched[k]] = 0;
	return rc;
}

/* Whether some image of the job's has usable features. */
static int job_has_features(const struct crop_job *job)
{
	for (size_t i = job->lo; i < job->hi; i++)
		if (job->in->crops[i] && job->in->crops[i]->usable)
			return 1;
	return 0;
}

static void run_job(void *arg)
{
	struct crop_job *job = arg;
	const struct dupes_pairs_in *in = job->in;
	struct votes v = { NULL, NULL, 0, NULL, in->side };

	/* The vote arrays are as long as the whole set: a job of images
	 * without features (all of them, in a catalog without crop
	 * features) must not clear them, or the search costs n^2 / 32. */
	if (!job_has_features(job))
		return;
	v.count = calloc(in->n + 1, sizeof(uint32_t));
	v.touched = malloc((in->n + 1) * sizeof(size_t));
	v.cand = malloc((in->n + 1) * sizeof(size_t));
	if (!v.count || !v.touched || !v.cand) {
		wn_fail(&job->err, WN_ENOMEM, "out of memory for the crop search");
		job->failed = 1;
		goto out;
	}
	for (size_t i = job->lo; i < job->hi && !job->failed; i++) {
		const struct feat *fi = in->crops[i];

		if (!fi || !fi->usable)
			continue;
		if (query(job, i, 0, &v) || query(job, i, 1, &v))
			job->failed = 1;
	}
out:
	free(v.count);
	free(v.touched);
	free(v.cand);
}

int dupes_crop_search(const struct dupes_pairs_in *in, struct dupes_pair **out, size_t *n,
		      struct wn_err *err)
{
	size_t njobs = (in->n + CHUNK - 1) / CHUNK, total = 0;
	struct crop_job *jobs = calloc(njobs + 1, sizeof(*jobs));
	struct index ix;
	struct pool *pool = NULL;
	int ret = -1;

	memset(&ix, 0, sizeof(ix));
	*out = NULL;
	*n = 0;
	if (!jobs || index_build(&ix, in->crops, in->n)) {
		wn_fail(err, WN_ENOMEM, "out of memory for the crop index");
		goto out;
	}
	pool = pool_create(in->threads);
	if (!pool) {
		wn_fail(err, WN_ENOMEM, "cannot start the crop search's threads");
		goto out;
	}
	for (size_t k = 0; k < njobs; k++) {
		jobs[k] = (struct crop_job){ .in = in, .ix = &ix, .lo = k * CHUNK,
					     .hi = k * CHUNK + CHUNK < in->n ? k * CHUNK + CHUNK : in->n };
		pool_submit(pool, run_job, &jobs[k]);
	}
	pool_wait(pool);
	for (size_t k = 0; k < njobs; k++) {
		if (jobs[k].failed) {
			*err = jobs[k].err;
			goto out;
		}
		total += jobs[k].n;
	}
	*out = malloc((total + 1) * sizeof(**out));
	if (!*out) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < njobs; k++) {
		if (!jobs[k].n)
			continue;   /* pair may be NULL: memcpy() must not see it */
		memcpy(*out + *n, jobs[k].pair, jobs[k].n * sizeof(**out));
		*n += jobs[k].n;
	}
	ret = 0;
out:
	pool_free(pool);
	for (size_t k = 0; jobs && k < njobs; k++)
		free(jobs[k].pair);
	free(jobs);
	index_free(&ix);
	return ret;
}
