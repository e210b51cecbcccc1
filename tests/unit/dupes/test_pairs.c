/* dupes_pairs(): the same pairs, kinds and distances whatever the thread
 * count, and the planted mirrored and rotated copies among them, some
 * beyond the turned search's probe radius. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dupes/dupes.h"
#include "hash/hash.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

#define SOURCES 1000
#define NOISY 14

/* A random thumbnail with no symmetry: an 8x8 grid of levels, bilinear. */
static void random_thumb(uint64_t *s, uint8_t *t)
{
	int g[8][8];

	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++)
			g[y][x] = (int)(fx_rand(s) % 200) + 20;
	for (int y = 0; y < THUMB_SIDE; y++)
		for (int x = 0; x < THUMB_SIDE; x++) {
			double fy = y * 7.0 / (THUMB_SIDE - 1), fx = x * 7.0 / (THUMB_SIDE - 1);
			int y0 = fy >= 7 ? 6 : (int)fy, x0 = fx >= 7 ? 6 : (int)fx;
			double dy = fy - y0, dx = fx - x0;

			t[y * THUMB_SIDE + x] = (uint8_t)(g[y0][x0] * (1 - dx) * (1 - dy) +
				g[y0][x0 + 1] * dx * (1 - dy) + g[y0 + 1][x0] * (1 - dx) * dy +
				g[y0 + 1][x0 + 1] * dx * dy);
		}
}

/* SOURCES random thumbnails, then each one's copy turned by orientation
 * 2 + k % 7 with noise of +-noise: a pair (k, SOURCES + k) of every kind. */
static uint8_t *make_thumbs(int noise)
{
	uint8_t *t = malloc((size_t)2 * SOURCES * THUMB_BYTES);
	uint64_t s = 9;

	assert_non_null(t);
	for (int k = 0; k < SOURCES; k++) {
		uint8_t *copy = t + (size_t)(SOURCES + k) * THUMB_BYTES;

		random_thumb(&s, t + (size_t)k * THUMB_BYTES);
		thumb_orient(t + (size_t)k * THUMB_BYTES, 2 + k % 7, copy);
		for (int i = 0; i < THUMB_BYTES; i++) {
			int v = copy[i] + (int)(fx_rand(&s) % (2 * noise + 1)) - noise;

			copy[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	}
	return t;
}

/* The pairs among the thumbnails, their dHashes taken as thumb_dhash(),
 * the exhaustive search given `budget` (0: the default). */
static struct dupes_pair *pairs_budget(const uint8_t *thumbs, int threads, double budget,
				       size_t *n)
{
	static uint64_t dh[2 * SOURCES];
	struct dupes_pairs_in in = {
		2 * SOURCES, dh, thumbs, NULL, DUPES_MATCH_NEAR | DUPES_MATCH_MIRROR | DUPES_MATCH_ROTATE,
		DUPES_DEFAULT_THRESHOLD, DUPES_DEFAULT_SIMILARITY, threads, NULL, budget,
	};
	struct dupes_pair *p = NULL;

	for (int i = 0; i < 2 * SOURCES; i++)
		dh[i] = thumb_dhash(thumbs + (size_t)i * THUMB_BYTES);
	assert_int_equal(dupes_pairs(&in, &p, n, NULL), 0);
	return p;
}

static struct dupes_pair *pairs_at(const uint8_t *thumbs, int threads, size_t *n)
{
	return pairs_budget(thumbs, threads, 0, n);
}

UNIT_TEST(test_pairs_same_at_any_thread_count)
{
	uint8_t *thumbs = make_thumbs(6);
	size_t n1, n, found = 0;
	struct dupes_pair *one, *p;

	one = pairs_at(thumbs, 1, &n1);
	for (size_t k = 0; k < n1; k++) {
		if (one[k].b != one[k].a + SOURCES)
			continue;
		found++;
		/* orientation 2 is a mirror; every other turn a rotate */
		assert_int_equal(one[k].match, one[k].a % 7 == 0 ? DUPES_MIRROR : DUPES_ROTATE);
	}
	assert_true(found >= SOURCES * 9 / 10);
	for (int round = 0; round < 20; round++) {
		p = pairs_at(thumbs, 2, &n);
		assert_int_equal(n, n1);
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(p[k].a, one[k].a);
			assert_int_equal(p[k].b, one[k].b);
			assert_int_equal(p[k].match, one[k].match);
			assert_int_equal(p[k].distance, one[k].distance);
		}
		free(p);
	}
	free(one);
	free(thumbs);
}

/* Noisier copies: some turned hashes land past the probe radius, and the
 * search still finds some of those (mih_cross_reach()), never past its
 * reach. */
UNIT_TEST(test_pairs_reach_past_radius)
{
	uint8_t *thumbs = make_thumbs(NOISY);
	size_t n, beyond = 0;
	struct dupes_pair *p;

	p = pairs_at(thumbs, 2, &n);
	for (size_t k = 0; k < n; k++) {
		if (p[k].b != p[k].a + SOURCES)
			continue;
		assert_true(p[k].distance <= DUPES_TURN_REACH);
		beyond += p[k].distance > DUPES_TURN_RADIUS;
	}
	assert_true(beyond > 0);
	free(p);
	free(thumbs);
}

/* The bounded search (a budget no search meets) finds what the exhaustive
 * one finds here, kinds and distances too, at any thread count: each copy
 * sorts next to its source in some order, and no crowd of closer hashes
 * pushes it out of the few kept. */
UNIT_TEST(test_pairs_bounded_search_finds_the_same)
{
	uint8_t *thumbs = make_thumbs(NOISY);
	size_t n, nb;
	struct dupes_pair *p = pairs_at(thumbs, 2, &n), *b;

	for (int threads = 1; threads <= 2; threads++) {
		b = pairs_budget(thumbs, threads, 1e-9, &nb);
		assert_int_equal(nb, n);
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(b[k].a, p[k].a);
			assert_int_equal(b[k].b, p[k].b);
			assert_int_equal(b[k].match, p[k].match);
			assert_int_equal(b[k].distance, p[k].distance);
		}
		free(b);
	}
	free(p);
	free(thumbs);
}
