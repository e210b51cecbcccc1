/* Candidate pairs of visual copies, verified on the thumbnails: near ones
 * from the dHash index, mirrored and rotated ones from each thumbnail's
 * turned hashes looked up in an index of the upright ones. Each search is
 * exhaustive while its cost (mih_cost()) stays within the budget (up to
 * about 30,000 images of bench/make-catalog.py's); past it, where its candidates would grow as N^2,
 * the bounded search (window.c) takes over: linear work, the nearest few
 * candidates an image. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hash/hash.h"
#include "internal.h"

/* The turns looked up, as EXIF orientations: 2 mirrors, 3 rotates 180, 4
 * flips (mirror and 180), 5 and 7 mirror and rotate by 90 or 270, 6 and 8
 * rotate by 90 and 270. Each pair is looked for from both sides: a dHash
 * compares neighbours along rows, so a copy's turn back to its source and
 * the source's turn to the copy give different distances. */
static const int turns[] = { 2, 3, 4, 5, 6, 7, 8 };
#define NTURNS (sizeof(turns) / sizeof(turns[0]))

struct collect {
	const struct dupes_pairs_in *in;
	const int *turn;           /* the turns searched, for mih_cross() ids */
	struct thumb_sketch *sketch;   /* in->n: rules most candidates out */
	pthread_mutex_t lock;
	struct dupes_pair *pair;
	size_t n, alloc;
	int oom;
};

static const uint8_t *thumb_of(const struct dupes_pairs_in *in, size_t i)
{
	return in->thumbs + i * THUMB_BYTES;
}

/* The thumbnail similarity a near candidate at dHash distance `dist`
 * needs: the configured value from distance 4 on, 0.02 less per bit
 * below, since hashes that close already say much. */
static double required(double similarity, int dist)
{
	return dist >= 4 ? similarity : similarity - 0.02 * (4 - dist);
}

static int add(struct collect *c, size_t a, size_t b, enum dupes_match m, int dist)
{
	pthread_mutex_lock(&c->lock);
	if (ARRAY_GROW(c->pair, c->alloc, c->n, 1024)) {
		c->oom = 1;
		pthread_mutex_unlock(&c->lock);
		return 1;
	}
	c->pair[c->n].a = a < b ? a : b;
	c->pair[c->n].b = a < b ? b : a;
	c->pair[c->n].match = m;
	c->pair[c->n].distance = dist;
	c->pair[c->n].cropped = 0;
	c->n++;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int apart(const struct dupes_pairs_in *in, size_t a, size_t b)
{
	return !in->side || in->side[a] != in->side[b];
}

static int on_near(size_t i, size_t j, int dist, void *data)
{
	struct collect *c = data;
	const struct dupes_pairs_in *in = c->in;
	double need = required(in->similarity, dist);

	if (!apart(in, i, j) || thumb_sketch_rules_out(&c->sketch[i], 1, &c->sketch[j], need) ||
	    !thumb_similar(thumb_of(in, i), thumb_of(in, j), need))
		return 0;
	return add(c, i, j, DUPES_NEAR, dist);
}

/* Query q is thumbnail q % n read under turn c->turn[q / n]. */
static int on_turned(size_t q, size_t j, int dist, void *data)
{
	struct collect *c = data;
	const struct dupes_pairs_in *in = c->in;
	size_t i = q % in->n;
	int o = c->turn[q / in->n];
	uint8_t turned[THUMB_BYTES];

	if (i == j || !apart(in, i, j) ||
	    thumb_sketch_rules_out(&c->sketch[i], o, &c->sketch[j], in->similarity))
		return 0;
	thumb_orient(thumb_of(in, i), o, turned);
	if (!thumb_similar(turned, thumb_of(in, j), in->similarity))
		return 0;
	return add(c, i, j, o == 2 ? DUPES_MIRROR : DUPES_ROTATE, dist);
}

/* The turns the wanted kinds need; returns how many. */
static size_t pick_turns(unsigned match, int *out)
{
	size_t n = 0;

	for (size_t t = 0; t < NTURNS; t++)
		if (match & (turns[t] == 2 ? DUPES_MATCH_MIRROR : DUPES_MATCH_ROTATE))
			out[n++] = turns[t];
	return n;
}

/* Whether the exhaustive search of nq queries against n hashes at radius
 * stays within the budget (dupes_pairs_in.budget); else the bounded one
 * runs. */
static int exhaustive(const struct dupes_pairs_in *in, const uint64_t *q, size_t nq,
		      const uint64_t *h, size_t n, int radius)
{
	double per = in->budget > 0 ? in->budget : DUPES_PAIRS_BUDGET;
	double cost = mih_cost(q, nq, h, n, radius);

	return cost >= 0 && cost <= per * (double)(nq > n ? nq : n);
}

/* The mirrored and rotated search: an index of the 7N turned hashes
 * joined with one of the N upright ones (hash[0..n) upright, hash[n..)
 * turned, all hashed on the pool). The join probes as for
 * DUPES_TURN_RADIUS and reports up to DUPES_TURN_REACH (mih.h), or the
 * bounded search the same pairs it meets. */
static int search_turned(struct collect *c, struct wn_err *err)
{
	const struct dupes_pairs_in *in = c->in;
	int orient[1 + NTURNS] = { 1 };
	size_t nt = pick_turns(in->match, orient + 1);
	uint64_t *hash = malloc((in->n * (1 + nt) + 1) * sizeof(*hash));
	struct mih *mi = NULL, *mq = NULL;
	int ret = -1;

	if (!hash)
		goto oom;
	thumb_dhash_orients(in->thumbs, in->n, orient, 1 + nt, in->threads, hash);
	c->turn = orient + 1;
	if (!exhaustive(in, hash + in->n, in->n * nt, hash, in->n, DUPES_TURN_RADIUS)) {
		ret = dupes_window_search(hash + in->n, in->n * nt, hash, in->n, in->n,
					  DUPES_TURN_RADIUS, DUPES_TURN_REACH, in->threads, on_turned,
					  c, err) < 0
			      ? -1 : 0;
		goto out;
	}
	mi = mih_build(hash, in->n);
	mq = mih_build(hash + in->n, in->n * nt);
	if (!mi || !mq)
		goto oom;
	ret = mih_cross_reach(mq, mi, DUPES_TURN_RADIUS, DUPES_TURN_REACH, in->threads, on_turned,
			      c, err) < 0 ? -1 : 0;
	goto out;
oom:
	wn_fail(err, WN_ENOMEM, "out of memory for the mirrored and rotated search");
out:
	mih_free(mi);
	mih_free(mq);
	free(hash);
	return ret;
}

/* Crops (crops.c), found apart and added here in their order. */
static int search_crops(struct collect *c, struct wn_err *err)
{
	struct dupes_pair *p;
	size_t n;

	if (dupes_crop_search(c->in, &p, &n, err))
		return -1;
	for (size_t k = 0; k < n && !add(c, p[k].a, p[k].b, DUPES_CROP, p[k].distance); k++)
		c->pair[c->n - 1].cropped = p[k].cropped;
	free(p);
	return 0;
}

static int cmp_pair(const void *pa, const void *pb)
{
	const struct dupes_pair *a = pa, *b = pb;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	if (a->match != b->match)
		return a->match < b->match ? -1 : 1;
	return (a->distance > b->distance) - (a->distance < b->distance);
}

/* In one order whatever the threads did, one pair a couple: the kind
 * first in enum dupes_match's order (near before mirror), then the
 * smaller distance (a turned pair is found from both sides, each with
 * its own). */
static void settle(struct collect *c)
{
	size_t m = 0;

	if (!c->n)
		return;  /* pair may be NULL: qsort() must not see it */
	qsort(c->pair, c->n, sizeof(*c->pair), cmp_pair);
	for (size_t k = 0; k < c->n; k++)
		if (!m || c->pair[k].a != c->pair[m - 1].a || c->pair[k].b != c->pair[m - 1].b)
			c->pair[m++] = c->pair[k];
	c->n = m;
}

int dupes_pairs(const struct dupes_pairs_in *given, struct dupes_pair **out, size_t *n,
		struct wn_err *err)
{
	struct dupes_pairs_in all = *given, *in = &all;
	struct collect c = { in, NULL, NULL, PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0 };
	struct mih *m = NULL;

	if (all.threads < 1)
		all.threads = pool_cpu_count();

	*out = NULL;
	*n = 0;
	c.sketch = malloc((in->n + 1) * sizeof(*c.sketch));
	if (!c.sketch) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < in->n; i++)
		thumb_sketch(thumb_of(in, i), &c.sketch[i]);
	if ((in->match & DUPES_MATCH_NEAR) &&
	    !exhaustive(in, in->dhash, in->n, in->dhash, in->n, in->threshold)) {
		if (dupes_window_search(in->dhash, in->n, in->dhash, in->n, in->n, in->threshold,
					in->threshold, in->threads, on_near, &c, err) < 0)
			goto fail;
	} else if (in->match & DUPES_MATCH_NEAR) {
		m = mih_build(in->dhash, in->n);
		if (!m) {
			wn_fail(err, WN_ENOMEM, "out of memory for the near-duplicate index");
			goto fail;
		}
		if (mih_pairs(m, in->threshold, NULL, in->threads, on_near, &c, err) < 0)
			goto fail;
	}
	if ((in->match & (DUPES_MATCH_MIRROR | DUPES_MATCH_ROTATE)) && !c.oom &&
	    search_turned(&c, err))
		goto fail;
	if ((in->match & DUPES_MATCH_CROP) && in->crops && !c.oom && search_crops(&c, err))
		goto fail;
	if (c.oom) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto fail;
	}
	settle(&c);
	mih_free(m);
	free(c.sketch);
	*out = c.pair;
	*n = c.n;
	return 0;
fail:
	mih_free(m);
	free(c.sketch);
	free(c.pair);
	return -1;
}
