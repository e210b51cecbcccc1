/* The mirrored-and-rotated search alone, on synthetic thumbnails: N
 * random 16x16 thumbnails (an 8x8 grid of random levels, bilinear, plus
 * noise), N/100 of them with a turned copy planted (mirrored or rotated,
 * with noise). Every thumbnail's eight dHashes are made on the pool and
 * its turned ones searched against the index of the upright ones with
 * mih_cross_reach(), as dedup does. Reports time and whether every
 * planted copy was found.
 *   orient_bench [N] [RADIUS] [THREADS] [REACH]   (defaults 1000000, 7, 2,
 *   9: dedup's DUPES_TURN_RADIUS and DUPES_TURN_REACH) */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/clock.h"
#include "hash/hash.h"

/* The turns searched: orientations 2..8, from every side, as dedup does. */
#define TURNS 7

struct tally {
	_Atomic size_t pairs, planted;
	_Atomic uint8_t *found;  /* n / 100 flags: each planted copy once */
	size_t n;
};

#define GRID 8

static void smooth_thumb(uint64_t *s, uint8_t *t)
{
	int g[GRID][GRID];

	for (int y = 0; y < GRID; y++)
		for (int x = 0; x < GRID; x++)
			g[y][x] = (int)(bench_rand(s) % 200) + 20;
	for (int y = 0; y < THUMB_SIDE; y++)
		for (int x = 0; x < THUMB_SIDE; x++) {
			double fy = y * (GRID - 1.0) / (THUMB_SIDE - 1);
			double fx = x * (GRID - 1.0) / (THUMB_SIDE - 1);
			int y0 = fy >= GRID - 1 ? GRID - 2 : (int)fy;
			int x0 = fx >= GRID - 1 ? GRID - 2 : (int)fx;
			double dy = fy - y0, dx = fx - x0;
			double v = g[y0][x0] * (1 - dx) * (1 - dy) + g[y0][x0 + 1] * dx * (1 - dy) +
				   g[y0 + 1][x0] * (1 - dx) * dy + g[y0 + 1][x0 + 1] * dx * dy;

			v += (double)(bench_rand(s) % 9) - 4;
			t[y * THUMB_SIDE + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
}

/* Query id q is thumbnail q % n turned by orientation 2 + q / n. Planted:
 * thumbnail n/2 + i is thumbnail i turned by 2 + i % 7, found from
 * either side. */
static int count(size_t q, size_t j, int d, void *data)
{
	struct tally *t = data;
	size_t i = q % t->n, half = t->n / 2;

	(void)d;
	if (i == j)
		return 0;  /* a symmetric thumbnail meets itself */
	atomic_fetch_add(&t->pairs, 1);
	if (i > j) {
		size_t swap = i;

		i = j;
		j = swap;
	}
	if (i < t->n / 100 && j == i + half && !atomic_exchange(&t->found[i], 1))
		atomic_fetch_add(&t->planted, 1);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	int radius = argc > 2 ? atoi(argv[2]) : 7, threads = argc > 3 ? atoi(argv[3]) : 2;
	int reach = argc > 4 ? atoi(argv[4]) : 9;
	static const int orient[1 + TURNS] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t *thumbs = malloc(n * THUMB_BYTES);
	uint64_t *up = malloc(n * (1 + TURNS) * sizeof(*up)), *q = up + n, s = 7;
	struct tally t = { 0, 0, calloc(n / 100 + 1, 1), n };
	struct mih *mi = NULL, *mq = NULL;
	double t0, th, t1, t2;

	if (!thumbs || !up || !t.found || n < 200)
		return 2;
	for (size_t i = 0; i < n; i++)
		smooth_thumb(&s, thumbs + i * THUMB_BYTES);
	for (size_t i = 0; i < n / 100; i++) {
		uint8_t *copy = thumbs + (n / 2 + i) * THUMB_BYTES;

		thumb_orient(thumbs + i * THUMB_BYTES, 2 + (int)(i % 7), copy);
		for (int k = 0; k < THUMB_BYTES; k++) {
			int v = copy[k] + (int)(bench_rand(&s) % 7) - 3;

			copy[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	}
	t0 = bench_now();
	thumb_dhash_orients(thumbs, n, orient, 1 + TURNS, threads, up);
	th = bench_now();
	mi = mih_build(up, n);
	mq = mih_build(q, n * TURNS);
	t1 = bench_now();
	if (!mi || !mq || mih_cross_reach(mq, mi, radius, reach, threads, count, &t, NULL))
		return 3;
	t2 = bench_now();
	printf("%zu thumbnails x %d turns, radius %d reach %d, %d threads: hash %.2f s, "
	       "build %.2f s, search %.2f s, total %.2f s; %zu pairs; planted found %zu/%zu\n", n,
	       TURNS, radius, reach, threads, th - t0, t1 - th, t2 - t1, t2 - t0, (size_t)t.pairs,
	       (size_t)t.planted, n / 100);
	mih_free(mi);
	mih_free(mq);
	free(thumbs);
	free(up);
	free((void *)t.found);
	return t.planted == n / 100 ? 0 : 1;
}
