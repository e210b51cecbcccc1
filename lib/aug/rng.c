/* xoshiro256** (Blackman and Vigna), keyed per augmentation step. */
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "aug/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void aug_rng_init(struct aug_rng *r, uint64_t seed, const uint8_t hash[16],
		  uint32_t sample, uint32_t step)
{
	uint8_t key[24];
	uint64_t x;

	memcpy(key, hash, 16);
	put_le32(key + 16, sample);
	put_le32(key + 20, step);
	x = XXH3_64bits_withSeed(key, sizeof(key), seed);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t aug_rng_next(struct aug_rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double aug_rng_uniform(struct aug_rng *r, double lo, double hi)
{
	double u = (double)(aug_rng_next(r) >> 11) * 0x1.0p-53;

	return lo + (hi - lo) * u;
}

int64_t aug_rng_int(struct aug_rng *r, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo + 1, limit, x;

	if (hi <= lo)
		return lo;
	if (!span)  /* the whole 64-bit range */
		return (int64_t)aug_rng_next(r);
	/* Reject the top partial block so every value is equally likely. */
	limit = UINT64_MAX - UINT64_MAX % span;
	do
		x = aug_rng_next(r);
	while (x >= limit);
	return lo + (int64_t)(x % span);
}

double aug_rng_normal(struct aug_rng *r, double sigma)
{
	/* u1 in (0, 1] so the log is finite. */
	double u1 = 1.0 - aug_rng_uniform(r, 0, 1), u2 = aug_rng_uniform(r, 0, 1);

	return sigma * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
