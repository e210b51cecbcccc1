/* Resampling, tested by properties: flat stays flat, borders keep their
 * brightness, ramps stay monotonic, mirroring commutes (no half-pixel
 * shift), and box weights are exact area fractions. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
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

/* Every vector level makes the plain loops' bytes: images of 1 to 4
 * channels, sizes that leave tails at every vector width, shrinking by
 * little (16 taps a row) and by much (taps in several vectors), and
 * enlarging; and planes on grids of their own (img_resample_plane()). */
static const int level_sizes[][4] = {
	{ 372, 372, 320, 320 }, { 253, 253, 320, 320 }, { 641, 479, 320, 239 },
	{ 1000, 3, 7, 1 }, { 1, 1, 5, 5 }, { 97, 131, 13, 129 }, { 200, 67, 199, 66 },
	{ 1700, 1062, 512, 320 },
};

static struct img resampled_at(int level, const struct img *src, const int *size,
			       enum resample_kernel kernel)
{
	struct img dst;

	cpu_set_simd(level);
	assert_int_equal(img_resample(src, size[2], size[3], kernel, &dst, NULL), 0);
	cpu_set_simd(CPU_AVX512);
	return dst;
}

static void assert_same_image(const struct img *a, const struct img *b, const char *what, int level)
{
	assert_int_equal(a->width, b->width);
	assert_int_equal(a->height, b->height);
	for (int y = 0; y < a->height; y++)
		if (memcmp(a->pixels + (size_t)y * a->stride, b->pixels + (size_t)y * b->stride,
			   (size_t)a->width * (size_t)a->channels))
			fail_msg("%s: level %d differs from the plain loops in row %d", what,
				 level, y);
}

UNIT_TEST(test_vector_levels_make_the_plain_bytes)
{
	for (size_t s = 0; s < sizeof(level_sizes) / sizeof(level_sizes[0]); s++)
		for (int c = 1; c <= 4; c++)
			for (size_t k = 0; k < 2; k++) {
				struct img src = fx_pattern(level_sizes[s][0], level_sizes[s][1], c,
							   s * 4 + (uint64_t)c);
				struct img plain = resampled_at(CPU_PLAIN, &src, level_sizes[s],
								kernels[k]);
				char what[64];

				snprintf(what, sizeof(what), "size %zu, %d channels, kernel %zu", s,
					 c, k);
				for (int level = CPU_AVX2; level <= CPU_AVX512; level++) {
					struct img v = resampled_at(level, &src, level_sizes[s],
								    kernels[k]);

					assert_same_image(&plain, &v, what, level);
					img_release(&v);
				}
				img_release(&plain);
				img_release(&src);
			}
}

static struct img plane_at(int level, const struct img *src, int w, int h,
			   const struct resample_axis *ax, const struct resample_axis *ay)
{
	struct img dst;

	assert_int_equal(img_alloc(&dst, w, h, 1, NULL), 0);
	cpu_set_simd(level);
	assert_int_equal(img_resample_plane(src, &dst, ax, ay, NULL), 0);
	cpu_set_simd(CPU_AVX512);
	return dst;
}

UNIT_TEST(test_plane_levels_make_the_plain_bytes)
{
	/* chroma of a 373 x 255 image at 4:2:0 to that of 320 x 219, and
	 * flipped (offset half a chroma sample) */
	static const struct resample_axis axes[][2] = {
		{ { 373.0 / 320, 0.0 }, { 255.0 / 219, 0.0 } },
		{ { 373.0 / 320, 0.5 }, { 255.0 / 219, -0.5 } },
		{ { 0.7, 0.25 }, { 3.3, 0.0 } },
	};
	struct img src = fx_pattern(187, 128, 1, 7);

	for (size_t a = 0; a < sizeof(axes) / sizeof(axes[0]); a++) {
		struct img plain = plane_at(CPU_PLAIN, &src, 160, 110, &axes[a][0], &axes[a][1]);

		for (int level = CPU_AVX2; level <= CPU_AVX512; level++) {
			struct img v = plane_at(level, &src, 160, 110, &axes[a][0], &axes[a][1]);

			assert_same_image(&plain, &v, "plane", level);
			img_release(&v);
		}
		img_release(&plain);
	}
	img_release(&src);
}

/* An offset moves the samples: a plane shifted by one source pixel
 * resamples to the unshifted one with offset 1, away from the border. */
UNIT_TEST(test_plane_offset_shifts)
{
	struct img src = fx_pattern(100, 40, 1, 3), shifted, a, b;
	struct resample_axis ax = { 1.0, 0.0 }, ay = { 1.0, 0.0 }, ax1 = { 1.0, 1.0 };

	assert_int_equal(img_alloc(&shifted, 101, 40, 1, NULL), 0);
	for (int y = 0; y < 40; y++) {
		shifted.pixels[(size_t)y * shifted.stride] = 0;
		memcpy(shifted.pixels + (size_t)y * shifted.stride + 1,
		       src.pixels + (size_t)y * src.stride, 100);
	}
	assert_int_equal(img_alloc(&a, 100, 40, 1, NULL), 0);
	assert_int_equal(img_alloc(&b, 100, 40, 1, NULL), 0);
	assert_int_equal(img_resample_plane(&src, &a, &ax, &ay, NULL), 0);
	assert_int_equal(img_resample_plane(&shifted, &b, &ax1, &ay, NULL), 0);
	for (int y = 0; y < 40; y++)
		assert_memory_equal(a.pixels + (size_t)y * a.stride + 4,
				    b.pixels + (size_t)y * b.stride + 4, 90);
	img_release(&src);
	img_release(&shifted);
	img_release(&a);
	img_release(&b);
}

/* Planes resampled together (one weight table for Cb and Cr) are the
 * bytes each makes alone, with either pass first (shrinking: vertical
 * first; enlarging the height: horizontal first); planes of different
 * sizes are refused. */
UNIT_TEST(test_planes_together_make_each_alone)
{
	static const struct resample_axis axes[][2] = {
		{ { 373.0 / 320, 0.5 }, { 255.0 / 219, -0.5 } },
		{ { 373.0 / 320, 0.0 }, { 0.64, 0.25 } },
	};
	static const int out_h[] = { 110, 200 };
	struct img src[2] = { fx_pattern(187, 128, 1, 11), fx_pattern(187, 128, 1, 12) };
	struct img both[2], alone;
	struct wn_err err = { 0 };

	for (size_t a = 0; a < sizeof(axes) / sizeof(axes[0]); a++) {
		for (int i = 0; i < 2; i++)
			assert_int_equal(img_alloc(&both[i], 160, out_h[a], 1, NULL), 0);
		assert_int_equal(img_resample_planes(src, both, 2, &axes[a][0], &axes[a][1], NULL),
				 0);
		for (int i = 0; i < 2; i++) {
			alone = plane_at(CPU_AVX512, &src[i], 160, out_h[a], &axes[a][0],
					 &axes[a][1]);
			assert_same_image(&alone, &both[i], "planes together", i);
			img_release(&alone);
			img_release(&both[i]);
		}
	}
	img_release(&src[1]);
	src[1] = fx_pattern(186, 128, 1, 13);
	for (int i = 0; i < 2; i++)
		assert_int_equal(img_alloc(&both[i], 160, 110, 1, NULL), 0);
	assert_int_equal(img_resample_planes(src, both, 2, &axes[0][0], &axes[0][1], &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	for (int i = 0; i < 2; i++) {
		img_release(&both[i]);
		img_release(&src[i]);
	}
}
