/* The near-duplicate search alone on synthetic hashes: N random 64-bit
 * hashes with N/100 planted near pairs at distance 1..radius, searched
 * with mih_pairs(). Reports time and whether every planted pair was found.
 *   mih_bench [N] [RADIUS] [THREADS]     (defaults 1000000, 10, 2) */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/clock.h"
#include "hash/mih.h"

struct tally {
	_Atomic size_t pairs, planted;
	size_t n;
};

static int count(size_t i, size_t j, int d, void *data)
{
	struct tally *t = data;

	(void)d;
	atomic_fetch_add(&t->pairs, 1);
	/* Planted partners sit at i and i + n/2 for i < n/100. */
	if (i < t->n / 100 && j == i + t->n / 2)
		atomic_fetch_add(&t->planted, 1);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	int radius = argc > 2 ? atoi(argv[2]) : 10, threads = argc > 3 ? atoi(argv[3]) : 2;
	uint64_t *h = malloc(n * sizeof(*h)), s = 1;
	struct tally t = { 0, 0, n };
	struct mih *m;
	double t0, t1, t2;

	if (!h || n < 200)
		return 2;
	for (size_t i = 0; i < n; i++)
		h[i] = bench_rand(&s);
	for (size_t i = 0; i < n / 100; i++) {
		int flips = 1 + (int)(i % (size_t)radius);
		uint64_t v = h[i];

		/* exactly `flips` distinct bits */
		for (int f = 0; f < flips;) {
			uint64_t bit = 1ull << (bench_rand(&s) % 64);

			if ((v ^ h[i]) & bit)
				continue;
			v ^= bit;
			f++;
		}
		h[i + n / 2] = v;
	}
	t0 = bench_now();
	m = mih_build(h, n);
	t1 = bench_now();
	if (!m || mih_pairs(m, radius, NULL, threads, count, &t, NULL))
		return 3;
	t2 = bench_now();
	printf("%zu hashes, radius %d, %d threads: build %.2f s, search %.2f s, total %.2f s; "
	       "%zu pairs; planted found %zu/%zu\n", n, radius, threads, t1 - t0, t2 - t1, t2 - t0,
	       (size_t)t.pairs, (size_t)t.planted, n / 100);
	mih_free(m);
	free(h);
	return t.planted == n / 100 ? 0 : 1;
}
