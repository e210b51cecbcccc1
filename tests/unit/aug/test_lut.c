/* lut_apply_rgb(): the vector path gives the plain loop's bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "base/cpu.h"
#include "aug/lut.h"
#include "tests/unit/unit.h"

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* Every length from 0 to 700 bytes (blocks of 64 and 192 and the tails),
 * one table for all channels and one each, against the definition. */
UNIT_TEST(test_vector_matches_plain)
{
	uint8_t t[3][256], *a = malloc(700), *b = malloc(700), *orig = malloc(700);
	uint32_t seed = 7;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(orig);
	for (int same = 0; same < 2; same++) {
		for (int c = 0; c < 3; c++)
			for (int v = 0; v < 256; v++)
				t[c][v] = same ? (uint8_t)(255 - v) : (uint8_t)lcg(&seed);
		if (same) {
			memcpy(t[1], t[0], 256);
			memcpy(t[2], t[0], 256);
		}
		for (size_t n = 0; n <= 700; n++) {
			for (size_t i = 0; i < n; i++)
				orig[i] = (uint8_t)lcg(&seed);
			memcpy(a, orig, n);
			memcpy(b, orig, n);
			cpu_set_simd(CPU_PLAIN);
			lut_apply_rgb(a, n, (const uint8_t (*)[256])t);
			cpu_set_simd(CPU_AVX512);
			lut_apply_rgb(b, n, (const uint8_t (*)[256])t);
			for (size_t i = 0; i < n; i++)
				assert_int_equal(a[i], t[i % 3][orig[i]]);
			if (n)
				assert_memory_equal(a, b, n);
		}
	}
	free(a);
	free(b);
	free(orig);
}

/* lut_sums_rgb(): every length up to 700 bytes, both paths, against the
 * plain sums. */
UNIT_TEST(test_sums)
{
	uint8_t *p = malloc(700);
	uint32_t seed = 5;

	assert_non_null(p);
	for (size_t n = 0; n <= 700; n++) {
		uint64_t want[3] = { 7, 8, 9 }, got[2][3] = { { 7, 8, 9 }, { 7, 8, 9 } };

		for (size_t i = 0; i < n; i++) {
			p[i] = (uint8_t)lcg(&seed);
			want[i % 3] += p[i];
		}
		for (int simd = 0; simd < 2; simd++) {
			cpu_set_simd(simd ? CPU_AVX512 : CPU_PLAIN);
			lut_sums_rgb(p, n, got[simd]);
			for (int c = 0; c < 3; c++)
				assert_int_equal(got[simd][c], want[c]);
		}
	}
	cpu_set_simd(CPU_AVX512);
	free(p);
}
