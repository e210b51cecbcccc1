/* dupes_window_search() across, queries against other hashes: past the
 * radius, up to reach, it reports a pair exactly when mih_meets() says
 * the multi-index join would, though it meets the hashes with their bits
 * shuffled. */
#include <stdint.h>
#include <stdlib.h>

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
