/* Multi-index hashing (Norouzi, Punjani and Fleet, "Fast Search in Hamming
 * Space with Multi-Index Hashing", CVPR 2012) over 64-bit hashes: the hash
 * is cut into four 16-bit chunks, each indexed by its own table. Two hashes
 * within Hamming distance r differ in some chunk by at most floor(r / 4)
 * bits (pigeonhole), so probing every chunk value that close in each table
 * finds every pair, without comparing all pairs and without a tree.
 *
 * Each table is stored sorted by chunk value (counting sort into 65,536
 * buckets). The all-pairs search joins each bucket with the buckets whose
 * chunk value is within the probe radius, so every bucket is read from
 * cache a few hundred times rather than once per query from memory:
 * 1,000,000 random hashes at radius 10 take about 4 s on 2 cores
 * (bench/mih_bench.c). */
#ifndef WINNOW_MIH_H
#define WINNOW_MIH_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

struct mih;

#define MIH_MAX_RADIUS 15  /* floor(15 / 4) = 3 bits per chunk: 697 probes */

/*
 * mih_build() : indexes n hashes (the array is borrowed and must outlive
 * the index; ids are positions in it).
 * @return the index (free with mih_free()), or NULL when out of memory.
 */
struct mih *mih_build(const uint64_t *hashes, size_t n);

/* mih_free() : accepts NULL. */
void mih_free(struct mih *m);

/* Called once per pair (i < j) within the radius, with their distance.
 * Return 0 to go on, a positive value to stop. May run on several threads
 * at once (see mih_pairs()). */
typedef int (*mih_pair_fn)(size_t i, size_t j, int distance, void *data);

/*
 * mih_pairs() : every pair of indexed hashes at Hamming distance <= radius
 * (0..MIH_MAX_RADIUS), each reported exactly once. Items whose skip[] byte
 * is non-zero (skip may be NULL) take part in no pair. With threads > 1 the
 * buckets are split across threads and fn is called concurrently.
 * @return 0, fn's value when it stopped the search, or -1 with err set.
 */
int mih_pairs(const struct mih *m, int radius, const uint8_t *skip, int threads,
	      mih_pair_fn fn, void *data, struct wn_err *err);

/*
 * mih_cross() : every pair (i, j) of a query hash i (an id of queries) and
 * an indexed hash j (an id of index) at Hamming distance <= radius, each
 * reported exactly once; fn gets (i, j, distance). The same bucket join as
 * mih_pairs(), with the same threads and return values.
 */
int mih_cross(const struct mih *queries, const struct mih *index, int radius, int threads,
	      mih_pair_fn fn, void *data, struct wn_err *err);

/*
 * mih_cross_reach() : mih_cross() at `radius`, plus the pairs farther
 * apart, up to `reach` bits (radius..64), that the same bucket probes
 * meet: those with some chunk as close as its table's probe radius (for
 * radius 7, one bit in any of the four chunks). Every pair within radius
 * is found; one at distance d > radius is missed only when its differing
 * bits spread over all four chunks: for radius 7 and random bits, 5% of
 * pairs at 8 bits, 14% at 9, 26% at 10. The cost is radius's: only the
 * distance test changes (and fn sees the extra pairs). Each pair is
 * reported once, with the same threads and return values as mih_cross().
 */
int mih_cross_reach(const struct mih *queries, const struct mih *index, int radius, int reach,
		    int threads, mih_pair_fn fn, void *data, struct wn_err *err);

/* mih_meets() : whether mih_cross_reach() at radius and reach reports the
 * hashes a and b: within radius, or within reach with some chunk as close
 * as its table's probe radius. */
int mih_meets(uint64_t a, uint64_t b, int radius, int reach);

/*
 * mih_cost() : how many hash comparisons mih_cross() of the nq queries
 * against an index of the n hashes at `radius` would make (mih_pairs()
 * when queries == hashes: then half), from the bucket sizes alone, in a
 * few tens of milliseconds: the work of a search, to choose one before
 * paying for it. @return it, or -1 when out of memory or radius is out of
 * range.
 */
double mih_cost(const uint64_t *queries, size_t nq, const uint64_t *hashes, size_t n,
		int radius);

#endif
