/* Resampling, tested by properties: flat stays flat, borders keep their
 * brightness, ramps stay monotonic, mirroring commutes (no half-pixel
 * shift), and box weights are exact area fractions. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "img/resample.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static const enum resample_kernel kernels[] = { RESAMPLE_LANCZOS3, RESAMPLE_AREA };
static const int sizes[][4] = {
	{ 100, 80, 37, 23 }, { 320, 240, 320, 240 }, { 50, 50, 120, 90 },
	{ 1000, 3, 7, 1 }, { 1, 1, 5, 5 }, { 641, 479, 320, 239 },
};

UNIT_TEST(test_constant_stays_constant)
{
	static const uint8_t colour[4] = { 13, 200, 255, 77 };

	for (size_t k = 0; k < 2; k++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (int c = 1; c <= 4; c++) {
				struct img src = fx_solid(sizes[s][0], sizes[s][1], c, colour), dst;

				assert_int_equal(img_resample(&src, sizes[s][2], sizes[s][3],
							      kernels[k], &dst, NULL), 0);
				assert_int_equal(dst.width, sizes[s][2]);
				assert_int_equal(dst.height, sizes[s][3]);
				for (int y = 0; y < dst.height; y++)
					for (int x = 0; x < dst.width; x++)
						if (memcmp(dst.pixels + (size_t)y * dst.stride + (size_t)x * c,
							   colour, (size_t)c))
							fail_msg("kernel %zu size %zu ch %d: (%d,%d) changed",
								 k, s, c, x, y);
				img_release(&src);
				img_release(&dst);
			}
}

/* A horizontal ramp: every output row non-decreasing, and the first and
 * last columns close to the mean of the source columns they cover (a
 * border bug shows as a dark or bright edge). */
UNIT_TEST(test_ramp_monotonic_no_dark_border)
{
	struct img src, dst;

	assert_int_equal(img_alloc(&src, 1000, 60, 1, NULL), 0);
	for (int y = 0; y < 60; y++)
		for (int x = 0; x < 1000; x++)
			src.pixels[y * 1000 + x] = (uint8_t)(30 + x * 200 / 999);
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(img_resample(&src, 50, 13, kernels[k], &dst, NULL), 0);
		for (int y = 0; y < 13; y++) {
			const uint8_t *row = dst.pixels + (size_t)y * dst.stride;

			for (int x = 1; x < 50; x++)
				if (row[x] < row[x - 1])
					fail_msg("kernel %zu: row %d drops at %d", k, y, x);
			/* columns 0..19 average 30 + 9.5 * 200 / 999 ~ 32 */
			if (abs(row[0] - 32) > 2 || abs(row[49] - 228) > 2)
				fail_msg("kernel %zu: border %d .. %d", k, row[0], row[49]);
		}
		/* Every row equal: nothing changes vertically on this image. */
		for (int y = 1; y < 13; y++)
			assert_memory_equal(dst.pixels, dst.pixels + (size_t)y * dst.stride, 50);
		img_release(&dst);
	}
	img_release(&src);
}

static struct img mirrored(const struct img *im)
{
	struct img m;

	assert_int_equal(img_alloc(&m, im->width, im->height, im->channels, NULL), 0);
	for (int y = 0; y < im->height; y++)
		for (int x = 0; x < im->width; x++)
			memcpy(m.pixels + (size_t)y * m.stride + (size_t)x * m.channels,
			       im->pixels + (size_t)y * im->stride +
				       (size_t)(im->width - 1 - x) * im->channels,
			       (size_t)im->channels);
	return m;
}

UNIT_TEST(test_mirror_commutes)
{
	struct img src = fx_pattern(333, 211, 3, 5), flip = mirrored(&src);

	for (size_t k = 0; k < 2; k++) {
		struct img a, b, fa;

		assert_int_equal(img_resample(&src, 100, 64, kernels[k], &a, NULL), 0);
		assert_int_equal(img_resample(&flip, 100, 64, kernels[k], &b, NULL), 0);
		fa = mirrored(&a);
		for (size_t i = 0; i < b.stride * 64; i++)
			if (abs(fa.pixels[i] - b.pixels[i]) > 1)
				fail_msg("kernel %zu: mirror differs at %zu: %d vs %d", k, i,
					 fa.pixels[i], b.pixels[i]);
		img_release(&a);
		img_release(&b);
		img_release(&fa);
	}
	img_release(&src);
	img_release(&flip);
}

/* 3 pixels to 2 by area: out0 = (p0 + p1/2) / 1.5, out1 = (p1/2 + p2) / 1.5. */
UNIT_TEST(test_area_fractions)
{
	struct img src, dst;

	assert_int_equal(img_alloc(&src, 3, 1, 1, NULL), 0);
	src.pixels[0] = 0;
	src.pixels[1] = 150;
	src.pixels[2] = 240;
	assert_int_equal(img_resample(&src, 2, 1, RESAMPLE_AREA, &dst, NULL), 0);
	assert_int_equal(dst.pixels[0], 50);
	assert_int_equal(dst.pixels[1], 210);
	img_release(&dst);
	img_release(&src);
}

UNIT_TEST(test_bad_sizes)
{
	static const uint8_t c[4] = { 1, 2, 3, 4 };
	struct img src = fx_solid(10, 10, 3, c), dst;
	struct wn_err err;

	assert_int_equal(img_resample(&src, 0, 5, RESAMPLE_LANCZOS3, &dst, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	assert_null(dst.pixels);
	img_release(&src);
}
