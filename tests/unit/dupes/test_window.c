/* dupes_window_search() across, queries against other hashes: past the
 * radius, up to reach, it reports a pair exactly when mih_meets() says
 * the multi-index join would, though it meets the hashes with their bits
 * shuffled. And on enough hashes that its sorts run in parts, the same
 * pairs whatever the thread count. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dupes/internal.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

#define N 64
#define RADIUS 7
#define REACH 9

struct seen {
	const uint64_t *q, *h;
	int found[N];            /* query i reported with entry i */
	int wrong;               /* reported pairs mih_meets() would not */
};

static int on_pair(size_t i, size_t j, int d, void *data)
{
	struct seen *s = data;

	if (i >= N || j >= N || d != __builtin_popcountll(s->q[i] ^ s->h[j]) ||
	    !mih_meets(s->q[i], s->h[j], RADIUS, REACH))
		s->wrong++;
	else if (i == j)
		s->found[i] = 1;
	return 0;
}

/* Bits of the four 16-bit chunks to flip: per chunk, how many (from the
 * chunk's low bit up). */
static uint64_t flips(int c0, int c1, int c2, int c3)
{
	int per[4] = { c0, c1, c2, c3 };
	uint64_t f = 0;

	for (int k = 0; k < 4; k++)
		for (int b = 0; b < per[k]; b++)
			f |= 1ull << (16 * k + 3 * b + k);
	return f;
}

/* Query i is entry i with 8 or 9 bits flipped: spread over all four
 * chunks (no chunk within the probe radius of 1 bit: not met) or left
 * out of one chunk (met); the other hashes are random, far apart. */
UNIT_TEST(test_window_across_meets_as_the_join)
{
	const uint64_t flip[4] = { flips(2, 2, 2, 2), flips(3, 3, 3, 0), flips(3, 2, 2, 2),
				   flips(0, 3, 3, 2) };
	uint64_t h[N], q[N], state = 21;

	for (int i = 0; i < N; i++) {
		h[i] = fx_rand(&state);
		q[i] = h[i] ^ flip[i % 4];
	}
	for (int threads = 1; threads <= 2; threads++) {
		struct seen s = { .q = q, .h = h };
		struct wn_err err;

		assert_int_equal(dupes_window_search(q, N, h, N, N, RADIUS, REACH, threads, on_pair,
						     &s, &err), 0);
		assert_int_equal(s.wrong, 0);
		for (int i = 0; i < N; i++)
			assert_int_equal(s.found[i], mih_meets(q[i], h[i], RADIUS, REACH));
		for (int i = 0; i < 4; i++)   /* the plan: two met, two not */
			assert_int_equal(mih_meets(q[i], h[i], RADIUS, REACH), i % 2);
	}
}

#define MANY 70000   /* past the size from which the orders sort in parts */

struct found {
	pthread_mutex_t lock;
	uint64_t *pair;          /* i << 40 | j << 8 | distance */
	size_t n;
};

static int on_many(size_t i, size_t j, int d, void *data)
{
	struct found *f = data;

	pthread_mutex_lock(&f->lock);
	f->pair[f->n++] = (uint64_t)i << 40 | (uint64_t)j << 8 | (uint64_t)d;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* A self-join of MANY hashes, every fourth a near copy of the one
 * before: its pairs, sorted, into f. */
static void many_pairs(const uint64_t *h, int threads, struct found *f)
{
	struct wn_err err;

	f->n = 0;
	assert_int_equal(dupes_window_search(h, MANY, h, MANY, MANY, 10, 10, threads, on_many, f,
					     &err), 0);
	qsort(f->pair, f->n, sizeof(*f->pair), cmp_u64);
}

UNIT_TEST(test_window_same_pairs_at_any_thread_count)
{
	uint64_t *h = malloc(MANY * sizeof(*h)), state = 5;
	struct found one = { PTHREAD_MUTEX_INITIALIZER, malloc(MANY * WINDOW_KEEP * sizeof(uint64_t)), 0 };
	struct found two = { PTHREAD_MUTEX_INITIALIZER, malloc(MANY * WINDOW_KEEP * sizeof(uint64_t)), 0 };

	assert_non_null(h);
	assert_non_null(one.pair);
	assert_non_null(two.pair);
	for (int i = 0; i < MANY; i++)
		h[i] = i % 4 == 3 ? h[i - 1] ^ (fx_rand(&state) & fx_rand(&state) &
						  fx_rand(&state) & fx_rand(&state))
				  : fx_rand(&state);
	many_pairs(h, 1, &one);
	many_pairs(h, 2, &two);
	assert_true(one.n >= MANY / 4 * 9 / 10);   /* the copies, most of them */
	assert_int_equal(two.n, one.n);
	assert_int_equal(memcmp(one.pair, two.pair, one.n * sizeof(*one.pair)), 0);
	free(one.pair);
	free(two.pair);
	free(h);
}
