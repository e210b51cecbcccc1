/* The colour signals' fast paths give the plain answers to the bit: the
 * skin share with and without vector code, against quality_is_skin() on
 * every one of the 2^24 colours; chroma's histograms on grey runs. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "quality/quality.h"
#include "tests/unit/unit.h"

/* 251 wide (no multiple of 4 or 6: every path's tail runs), 262 rows:
 * pixel i the colour (r, i >> 8, i & 255) while i < 65536, black after. */
#define W 251
#define H 262

static void fill(struct img *im, unsigned r)
{
	for (int i = 0; i < W * H; i++) {
		uint8_t *p = im->pixels + (size_t)(i / W) * im->stride + (size_t)(i % W) * 3;

		p[0] = i < 65536 ? (uint8_t)r : 0;
		p[1] = i < 65536 ? (uint8_t)(i >> 8) : 0;
		p[2] = i < 65536 ? (uint8_t)(i & 255) : 0;
	}
}

UNIT_TEST(test_skin_share_is_the_same_on_every_path_for_every_colour)
{
	struct img im;
	uint64_t total = 0;

	assert_int_equal(img_alloc(&im, W, H, 3, NULL), 0);
	for (unsigned r = 0; r < 256; r++) {
		double chroma[2], colourful[2], share[2];
		uint64_t n = 0;

		fill(&im, r);
		for (int i = 0; i < 65536; i++)
			n += (uint64_t)quality_is_skin(r, (unsigned)i >> 8, (unsigned)i & 255);
		for (int plain = 0; plain < 2; plain++) {
			cpu_set_simd(plain ? CPU_PLAIN : CPU_AVX512);
			quality_colour_stats(&im, &chroma[plain], &colourful[plain], &share[plain]);
		}
		cpu_set_simd(CPU_AVX512);
		assert_memory_equal(share, share + 1, sizeof(share[0]));
		assert_memory_equal(chroma, chroma + 1, sizeof(chroma[0]));
		assert_memory_equal(colourful, colourful + 1, sizeof(colourful[0]));
		/* (0, 0, 0) is no skin: the black filling adds none */
		assert_true(share[0] == (double)n / (W * H));
		total += n;
	}
	/* skin is a real share of the cube, not none or all of it */
	assert_true(total > 100000 && total < (1u << 24) / 4);
	img_release(&im);
}

/* A grey image with a few coloured pixels: chroma is the 99th percentile
 * of max - min whatever the pixels' places (four histograms summed). */
UNIT_TEST(test_chroma_percentile_counts_every_pixel_once)
{
	struct img im;
	double chroma, colourful, skin;

	assert_int_equal(img_alloc(&im, 10, 10, 3, NULL), 0);
	for (int k = 0; k < 4; k++) {
		/* 2 of 100 pixels of max - min 50, 1 and 1 + k apart */
		memset(im.pixels, 100, im.stride * 10);
		im.pixels[3] = 150;
		im.pixels[(size_t)(1 + k + 1) * 3] = 150;
		quality_colour_stats(&im, &chroma, &colourful, &skin);
		assert_true(chroma == 50);
		/* 1 of 100: the 99th percentile is grey */
		im.pixels[3] = 100;
		quality_colour_stats(&im, &chroma, &colourful, &skin);
		assert_true(chroma == 0);
	}
	img_release(&im);
}

/* A row long enough that a 32-bit lane's sum of (2 yb)^2 would wrap
 * (510^2 a pixel, over 8,256 steps of four): the vector path's sums are
 * exact, as the plain path's. */
UNIT_TEST(test_long_rows_sum_exactly)
{
	struct img im;
	double chroma[2], colourful[2], share[2];

	assert_int_equal(img_alloc(&im, 40000, 1, 3, NULL), 0);
	for (int x = 0; x < 40000; x++) {
		im.pixels[3 * x] = im.pixels[3 * x + 1] = x % 7 ? 255 : 200;
		im.pixels[3 * x + 2] = 0;
	}
	for (int plain = 0; plain < 2; plain++) {
		cpu_set_simd(plain ? CPU_PLAIN : CPU_AVX512);
		quality_colour_stats(&im, &chroma[plain], &colourful[plain], &share[plain]);
	}
	cpu_set_simd(CPU_AVX512);
	assert_memory_equal(colourful, colourful + 1, sizeof(colourful[0]));
	assert_true(colourful[1] > 80 && colourful[1] < 100);  /* 19 + 0.3 x 247 */
	img_release(&im);
}
