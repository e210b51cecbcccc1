/* blend_grey_rgb(): the definition, and the vector path's bytes equal
 * the plain loop's. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "base/cpu.h"
#include "aug/blend.h"
#include "img/luma.h"
#include "tests/unit/unit.h"

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

UNIT_TEST(test_vector_matches_plain)
{
	static const int32_t ks[] = { 0, 32768, 65536, 98304, 196608, -65536, 6553600, 8000000,
				      9000000 };
	uint8_t *a = malloc(3 * 100), *b = malloc(3 * 100), *orig = malloc(3 * 100);
	uint32_t seed = 11;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(orig);
	for (size_t q = 0; q < sizeof(ks) / sizeof(ks[0]); q++)
		for (size_t n = 0; n <= 100; n++) {
			for (size_t i = 0; i < 3 * n; i++)
				orig[i] = (uint8_t)lcg(&seed);
			memcpy(a, orig, 3 * n);
			memcpy(b, orig, 3 * n);
			cpu_set_simd(CPU_PLAIN);
			blend_grey_rgb(a, n, ks[q]);
			cpu_set_simd(CPU_AVX512);
			blend_grey_rgb(b, n, ks[q]);
			for (size_t i = 0; i < n; i++) {
				const uint8_t *o = orig + 3 * i;
				int64_t g = luma601(o[0], o[1], o[2]);

				for (int c = 0; c < 3; c++) {
					int64_t v = (g << 16) + (int64_t)ks[q] * (o[c] - g) + 32768;
					int want = v <= 0 ? 0 : v >= (255 << 16) ? 255 : (int)(v >> 16);

					assert_int_equal(a[3 * i + c], want);
				}
			}
			if (n)
				assert_memory_equal(a, b, 3 * n);
		}
	free(a);
	free(b);
	free(orig);
}
