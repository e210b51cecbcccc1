/* Multi-index hashing against brute force: every pair within the radius,
 * each exactly once, whatever the radius and thread count. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hash/mih.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

#define N 3000

struct found {
	pthread_mutex_t lock;
	uint8_t *seen;  /* N x N */
	int dups, bad;
	const uint64_t *h;
	int radius;
	size_t count;
};

static int on_pair(size_t i, size_t j, int d, void *data)
{
	struct found *f = data;

	pthread_mutex_lock(&f->lock);
	if (i >= j || d != __builtin_popcountll(f->h[i] ^ f->h[j]) || d > f->radius)
		f->bad++;
	else if (f->seen[i * N + j]++)
		f->dups++;
	f->count++;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

/* Random hashes plus planted neighbours at every distance up to 15, and a
 * crowded bucket (many hashes sharing chunks), as real dHashes have. */
static void make_hashes(uint64_t *h)
{
	uint64_t s = 77;

	for (int i = 0; i < N; i++)
		h[i] = fx_rand(&s);
	for (int i = 0; i + 1 < N / 2; i += 2) {
		int flips = i % 16;

		h[i + 1] = h[i];
		for (int f = 0; f < flips; f++)
			h[i + 1] ^= 1ull << (fx_rand(&s) % 64);
	}
	for (int i = N - 300; i < N; i++)
		h[i] = 0xffff0000ffff0000ull ^ (1ull << (fx_rand(&s) % 64));
}

UNIT_TEST(test_matches_brute_force)
{
	static const int radii[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 15 };
	uint64_t *h = malloc(N * sizeof(*h));
	struct mih *m;
	struct found f;

	make_hashes(h);
	m = mih_build(h, N);
	assert_non_null(m);
	f.seen = calloc((size_t)N * N, 1);
	f.h = h;
	pthread_mutex_init(&f.lock, NULL);
	for (size_t r = 0; r < sizeof(radii) / sizeof(radii[0]); r++)
		for (int threads = 1; threads <= 3; threads += 2) {
			size_t want = 0;

			memset(f.seen, 0, (size_t)N * N);
			f.dups = f.bad = 0;
			f.count = 0;
			f.radius = radii[r];
			assert_int_equal(mih_pairs(m, radii[r], NULL, threads, on_pair, &f, NULL), 0);
			assert_int_equal(f.dups, 0);
			assert_int_equal(f.bad, 0);
			for (size_t i = 0; i < N; i++)
				for (size_t j = i + 1; j < N; j++) {
					int close = __builtin_popcountll(h[i] ^ h[j]) <= radii[r];

					want += close;
					if (close != f.seen[i * N + j])
						fail_msg("radius %d: pair %zu,%zu %s", radii[r], i, j,
							 close ? "missed" : "invented");
				}
			assert_int_equal(f.count, want);
		}
	free(f.seen);
	mih_free(m);
	free(h);
}

static int stop_at_third(size_t i, size_t j, int d, void *data)
{
	(void)i;
	(void)j;
	(void)d;
	return ++*(int *)data == 3 ? 9 : 0;
}

static int never(size_t i, size_t j, int d, void *data)
{
	(void)d;
	(void)data;
	return i == 0 || j == 0 || i == 1 || j == 1 ? 1 : 0;
}

UNIT_TEST(test_skip_stop_and_limits)
{
	uint64_t h[6] = { 0, 0, 1, 3, 7, 0xffffffffffffffffull };
	uint8_t skip[6] = { 1, 1, 0, 0, 0, 0 };
	struct mih *m = mih_build(h, 6);
	struct wn_err err;
	int calls = 0;

	assert_int_equal(mih_pairs(m, 3, skip, 1, never, NULL, NULL), 0);
	assert_int_equal(mih_pairs(m, 3, NULL, 1, stop_at_third, &calls, NULL), 9);
	assert_int_equal(mih_pairs(m, 16, NULL, 1, never, NULL, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	mih_free(m);
	m = mih_build(h, 0);
	assert_non_null(m);
	assert_int_equal(mih_pairs(m, 5, NULL, 2, never, NULL, NULL), 0);
	mih_free(m);
	mih_free(NULL);
}

/* The comparisons a join makes, counted pair by pair: per table, the
 * (query, hash) pairs whose chunks are as close as its probes look; in a
 * self-join each unordered pair (and each hash with itself) once. */
static double brute_cost(const uint64_t *q, size_t nq, const uint64_t *h, size_t n, int radius)
{
	double cost = 0;

	for (int k = 0; k < 4; k++) {
		int r = k <= radius % 4 ? radius / 4 : radius / 4 - 1;

		for (size_t i = 0; i < nq; i++)
			for (size_t j = 0; j < n; j++)
				cost += r >= 0 && __builtin_popcountll((q[i] ^ h[j]) >>
								       (16 * (3 - k)) & 0xffff) <= r;
	}
	return q == h ? cost / 2 : cost;
}

/* mih_cost() against that count, on hashes that crowd (few bits set, as
 * smooth images' dHashes share most bits) and on random ones. */
UNIT_TEST(test_cost_counts_the_comparisons)
{
	enum { NH = 600, NQC = 300 };
	static const int radii[] = { 0, 3, 7, 11, 15 };
	uint64_t h[NH], q[NQC], s = 5;

	for (int i = 0; i < NH; i++)
		h[i] = i % 2 ? fx_rand(&s) : fx_rand(&s) & fx_rand(&s) & fx_rand(&s);
	for (int i = 0; i < NQC; i++)
		q[i] = h[i] ^ (1ull << (fx_rand(&s) % 64));
	for (size_t r = 0; r < sizeof(radii) / sizeof(radii[0]); r++) {
		assert_true(mih_cost(h, NH, h, NH, radii[r]) == brute_cost(h, NH, h, NH, radii[r]));
		assert_true(mih_cost(q, NQC, h, NH, radii[r]) == brute_cost(q, NQC, h, NH, radii[r]));
	}
	assert_true(mih_cost(h, NH, h, NH, 16) == -1);
}
