/* The eight orientations of a fingerprint, and the cross search that looks
 * up turned thumbnails in an index of upright ones. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hash/hash.h"
#include "img/img.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

/* The thumbnail of a turned image is the same turn of its thumbnail,
 * exactly, whatever the image's shape (sides that 16 does not divide). */
UNIT_TEST(test_thumb_turns_with_image)
{
	static const int sizes[][2] = { { 50, 37 }, { 33, 90 }, { 64, 64 } };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (int o = 1; o <= 8; o++) {
			struct img im = fx_pattern(sizes[s][0], sizes[s][1], 1, 5 + s);
			uint8_t upright[THUMB_BYTES], turned[THUMB_BYTES], want[THUMB_BYTES];

			thumb_compute(&im, upright);
			assert_int_equal(img_orient(&im, o, NULL), 0);
			thumb_compute(&im, want);
			thumb_orient(upright, o, turned);
			assert_memory_equal(turned, want, THUMB_BYTES);
			img_release(&im);
		}
}

/* Turns compose as they should: a quarter turn four times, a mirror twice,
 * and 6 after 8 give the thumbnail back; every orientation but 1 changes a
 * thumbnail with no symmetry. */
UNIT_TEST(test_thumb_turns_compose)
{
	struct img im = fx_pattern(40, 40, 1, 9);
	uint8_t t[THUMB_BYTES], a[THUMB_BYTES], b[THUMB_BYTES];

	thumb_compute(&im, t);
	thumb_orient(t, 6, a);
	for (int i = 0; i < 3; i++) {
		thumb_orient(a, 6, b);
		memcpy(a, b, sizeof(a));
	}
	assert_memory_equal(a, t, THUMB_BYTES);
	thumb_orient(t, 2, a);
	thumb_orient(a, 2, b);
	assert_memory_equal(b, t, THUMB_BYTES);
	thumb_orient(t, 8, a);
	thumb_orient(a, 6, b);
	assert_memory_equal(b, t, THUMB_BYTES);
	for (int o = 2; o <= 8; o++) {
		thumb_orient(t, o, a);
		assert_memory_not_equal(a, t, THUMB_BYTES);
	}
	img_release(&im);
}

/* thumb_dhash() and thumb_dhash_turned() are dHash's definition applied
 * to the thumbnail, upright and turned. */
UNIT_TEST(test_thumb_dhash)
{
	uint8_t t[THUMB_BYTES];
	struct img im = fx_pattern(120, 80, 1, 3), small = fx_pattern(16, 16, 1, 4);

	memcpy(t, small.pixels, THUMB_BYTES);
	assert_true(small.stride == THUMB_SIDE);
	assert_int_equal(thumb_dhash(t), dhash_compute(&small));
	for (int seed = 0; seed < 200; seed++)
		for (int o = 1; o <= 8; o++) {
			uint8_t turned[THUMB_BYTES];
			struct img timg = fx_pattern(16, 16, 1, 100 + seed);

			memcpy(t, timg.pixels, THUMB_BYTES);
			assert_int_equal(img_orient(&timg, o, NULL), 0);
			thumb_orient(t, o, turned);
			assert_memory_equal(turned, timg.pixels, THUMB_BYTES);
			assert_int_equal(thumb_dhash_turned(t, o), dhash_compute(&timg));
			img_release(&timg);
		}
	thumb_compute(&im, t);
	assert_true(dhash_distance(thumb_dhash(t), dhash_compute(&im)) <= 12);
	img_release(&im);
	img_release(&small);
}

#define NQ 1500
#define NI 2500

struct cross {
	pthread_mutex_t lock;
	uint8_t *seen;  /* NQ x NI */
	const uint64_t *q, *h;
	int radius, bad, dups;
	size_t count;
};

static int on_cross(size_t i, size_t j, int d, void *data)
{
	struct cross *c = data;

	pthread_mutex_lock(&c->lock);
	if (i >= NQ || j >= NI || d != __builtin_popcountll(c->q[i] ^ c->h[j]) || d > c->radius)
		c->bad++;
	else if (c->seen[i * NI + j]++)
		c->dups++;
	c->count++;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* The bucket probes radius r makes in table k (mih.c's refined bound). */
static int probe_radius(int r, int k)
{
	return k <= r % 4 ? r / 4 : r / 4 - 1;
}

/* Whether mih_cross_reach(radius, reach) must report q against h: within
 * reach, and in some chunk as close as that table's probes look (always
 * so within radius). */
static int within_reach(uint64_t q, uint64_t h, int radius, int reach)
{
	if (__builtin_popcountll(q ^ h) > reach)
		return 0;
	for (int k = 0; k < 4; k++)
		if (__builtin_popcountll((q ^ h) >> (16 * (3 - k)) & 0xffff) <=
		    probe_radius(radius, k))
			return 1;
	return 0;
}

/* NQ queries, a third of them an indexed hash with 0..15 bits flipped,
 * NI indexed hashes, and an index of each. */
struct cross_set {
	uint64_t *q, *h;
	struct mih *mq, *mi;
};

static void cross_set_make(struct cross_set *c)
{
	uint64_t s = 41;

	c->q = malloc(NQ * sizeof(*c->q));
	c->h = malloc(NI * sizeof(*c->h));
	assert_non_null(c->q);
	assert_non_null(c->h);
	for (int j = 0; j < NI; j++)
		c->h[j] = fx_rand(&s);
	for (int i = 0; i < NQ; i++) {
		c->q[i] = i % 3 ? fx_rand(&s) : c->h[i * 7 % NI];
		for (int f = 0; f < i % 16; f++)
			c->q[i] ^= 1ull << (fx_rand(&s) % 64);
	}
	c->mq = mih_build(c->q, NQ);
	c->mi = mih_build(c->h, NI);
	assert_non_null(c->mq);
	assert_non_null(c->mi);
}

static void cross_set_free(struct cross_set *c)
{
	mih_free(c->mq);
	mih_free(c->mi);
	free(c->q);
	free(c->h);
}

/* Runs the search at (radius, reach) on `threads` and checks it against
 * brute force; returns how many pairs it found. */
static size_t check_cross(const struct cross_set *set, int radius, int reach, int threads)
{
	struct cross c = { PTHREAD_MUTEX_INITIALIZER, calloc(NQ * NI, 1), set->q, set->h, reach,
			   0, 0, 0 };
	size_t want = 0;

	assert_non_null(c.seen);
	if (reach == radius)
		assert_int_equal(mih_cross(set->mq, set->mi, radius, threads, on_cross, &c, NULL), 0);
	else
		assert_int_equal(mih_cross_reach(set->mq, set->mi, radius, reach, threads, on_cross,
						 &c, NULL), 0);
	for (int i = 0; i < NQ; i++)
		for (int j = 0; j < NI; j++)
			if (within_reach(set->q[i], set->h[j], radius, reach)) {
				want++;
				assert_int_equal(c.seen[(size_t)i * NI + j], 1);
			}
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.dups, 0);
	assert_int_equal(c.count, want);
	free(c.seen);
	return want;
}

/* mih_cross() against brute force: every (query, indexed) pair within the
 * radius exactly once, at every radius and thread count; a query equal to
 * an indexed hash at the same position is a pair too (no self-skip). */
UNIT_TEST(test_cross_matches_brute_force)
{
	static const int radii[] = { 0, 3, 7, 8, 11, 15 };
	struct cross_set c;

	cross_set_make(&c);
	for (size_t r = 0; r < sizeof(radii) / sizeof(radii[0]); r++)
		for (int threads = 1; threads <= 2; threads++)
			/* the planted pairs at least */
			assert_true(check_cross(&c, radii[r], radii[r], threads) >= NQ / 48);
	cross_set_free(&c);
}

/* mih_cross_reach() against brute force: beyond the radius, exactly the
 * pairs within reach that the radius's probes meet, each once; more than
 * at the radius alone. Out-of-range reaches are refused. */
UNIT_TEST(test_cross_reach_matches_brute_force)
{
	static const int radius[] = { 3, 6, 7, 8, 7 }, reach[] = { 9, 9, 10, 12, 64 };
	struct wn_err err;
	struct cross_set c;

	cross_set_make(&c);
	for (size_t r = 0; r < sizeof(radius) / sizeof(radius[0]); r++)
		for (int threads = 1; threads <= 2; threads++) {
			size_t at_radius = check_cross(&c, radius[r], radius[r], threads);

			assert_true(check_cross(&c, radius[r], reach[r], threads) > at_radius);
		}
	assert_int_equal(mih_cross_reach(c.mq, c.mi, 7, 6, 1, on_cross, NULL, &err), -1);
	assert_int_equal(mih_cross_reach(c.mq, c.mi, 7, 65, 1, on_cross, NULL, &err), -1);
	cross_set_free(&c);
}

/* mih_meets() says what mih_cross_reach() reports, pair by pair. */
UNIT_TEST(test_meets_is_what_the_search_reports)
{
	static const int radius[] = { 3, 7, 7, 11 }, reach[] = { 9, 7, 9, 13 };
	struct cross_set c;

	cross_set_make(&c);
	for (size_t r = 0; r < sizeof(radius) / sizeof(radius[0]); r++)
		for (int i = 0; i < NQ; i++)
			for (int j = 0; j < NI; j++)
				assert_int_equal(mih_meets(c.q[i], c.h[j], radius[r], reach[r]),
						 within_reach(c.q[i], c.h[j], radius[r], reach[r]));
	cross_set_free(&c);
}

/* thumb_dhash_orients() is thumb_dhash_turned() for every thumbnail and
 * orientation, in its place, at any thread count (jobs of 8192: the count
 * here leaves a short last job). */
UNIT_TEST(test_dhash_orients_any_threads)
{
	static const int orient[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const size_t n = 3 * 8192 + 77, no = 8;
	uint8_t *t = malloc(n * THUMB_BYTES);
	uint64_t *out = malloc(n * no * sizeof(*out)), s = 5;

	assert_non_null(t);
	assert_non_null(out);
	for (size_t i = 0; i < n * THUMB_BYTES; i++)
		t[i] = (uint8_t)fx_rand(&s);
	for (int threads = 1; threads <= 3; threads++) {
		memset(out, 0, n * no * sizeof(*out));
		thumb_dhash_orients(t, n, orient, no, threads, out);
		for (size_t o = 0; o < no; o++)
			for (size_t i = 0; i < n; i++)
				assert_true(out[o * n + i] ==
					    thumb_dhash_turned(t + i * THUMB_BYTES, orient[o]));
	}
	free(t);
	free(out);
}
