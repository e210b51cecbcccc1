/* The random numbers of one augmentation step. Each stream is keyed by
 * (seed, the source's content hash, sample index, step index) and nothing
 * else, so an output is the same whatever the thread count or file order,
 * and one output can be remade alone from its catalog row. The generator
 * is xoshiro256** seeded through SplitMix64 from an XXH3 of the key
 * written little-endian: the same numbers on every machine. */
#ifndef WINNOW_AUGRNG_H
#define WINNOW_AUGRNG_H

#include <stdint.h>

struct aug_rng {
	uint64_t s[4];
};

/* aug_rng_init() : keys r. hash is the source's 16-byte content hash. */
void aug_rng_init(struct aug_rng *r, uint64_t seed, const uint8_t hash[16],
		  uint32_t sample, uint32_t step);

/* aug_rng_next() : 64 random bits. */
uint64_t aug_rng_next(struct aug_rng *r);

/* aug_rng_uniform() : a double in [lo, hi) (lo when lo == hi). */
double aug_rng_uniform(struct aug_rng *r, double lo, double hi);

/* aug_rng_int() : an integer in [lo, hi], inclusive, without modulo bias. */
int64_t aug_rng_int(struct aug_rng *r, int64_t lo, int64_t hi);

/* aug_rng_normal() : a draw from N(0, sigma^2) (Box-Muller, one of the
 * pair; two 64-bit draws each call). */
double aug_rng_normal(struct aug_rng *r, double sigma);

#endif
