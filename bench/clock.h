/* What the bench programs share beside their input (files.h): a
 * monotonic clock and, for synthetic data, a seeded generator.
 * Header-only: each bench program is one source file. */
#ifndef WINNOW_BENCH_CLOCK_H
#define WINNOW_BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

/* bench_now() : seconds on the monotonic clock. */
static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* bench_rand() : the next value of SplitMix64 from state *s. */
static inline uint64_t bench_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
