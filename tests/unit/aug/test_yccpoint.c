/* ycc420_steps_apply() and ycc420_steps_stats(): the vector and plain
 * paths give the same bytes and statistics; both follow the definition
 * (box chroma, the steps on each pixel's colour, back through the block's
 * mean) within a rounding; no steps leave in-gamut planes as they were;
 * where nothing clips, brightness scales luma and chroma exactly. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "base/cpu.h"
#include "img/image.h"
#include "aug/yccpoint.h"
#include "tests/unit/unit.h"

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static uint8_t *at(struct img *p, int x, int y)
{
	return p->pixels + (size_t)y * p->stride + (size_t)x;
}

/* Planes of any bytes at all, or (tame) smooth ones whose colours are
 * all in gamut: luma 60..190, chroma 108..148. */
static void planes(struct img p[3], int w, int h, uint32_t *seed, int tame)
{
	assert_int_equal(img_yuv420_alloc(p, w, h, NULL), 0);
	for (int i = 0; i < 3; i++)
		for (int y = 0; y < p[i].height; y++)
			for (int x = 0; x < p[i].width; x++)
				*at(&p[i], x, y) = tame ? (uint8_t)(i ? 108 + (x * 3 + y * (i + 1) + (int)(lcg(seed) % 5)) % 41
								      : 60 + (x * 2 + y + (int)(lcg(seed) % 9)) % 131)
							: (uint8_t)lcg(seed);
}

static void copy(struct img a[3], struct img b[3])
{
	assert_int_equal(img_yuv420_alloc(b, a[0].width, a[0].height, NULL), 0);
	for (int i = 0; i < 3; i++)
		for (int y = 0; y < a[i].height; y++)
			memcpy(at(&b[i], 0, y), at(&a[i], 0, y), (size_t)a[i].width);
}

static void release(struct img p[3])
{
	for (int i = 0; i < 3; i++)
		img_release(&p[i]);
}

static int max_diff(struct img a[3], struct img b[3])
{
	int m = 0;

	for (int i = 0; i < 3; i++)
		for (int y = 0; y < a[i].height; y++)
			for (int x = 0; x < a[i].width; x++) {
				int d = abs(*at(&a[i], x, y) - *at(&b[i], x, y));

				m = d > m ? d : m;
			}
	return m;
}

/* The definition, in double precision. */
static double clipd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static double lumad(const double v[3])
{
	return 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2];
}

static void colour_of(struct img p[3], int x, int y, const struct ycc_step *s, size_t n, double v[3])
{
	double u = *at(&p[1], x / 2, y / 2) - 128.0, w = *at(&p[2], x / 2, y / 2) - 128.0;
	double Y = *at(&p[0], x, y);

	v[0] = clipd(Y + 1.402 * w, 0, 255);
	v[1] = clipd(Y - 0.344136 * u - 0.714136 * w, 0, 255);
	v[2] = clipd(Y + 1.772 * u, 0, 255);
	for (size_t i = 0; i < n; i++) {
		double g = lumad(v);

		for (int c = 0; c < 3; c++)
			v[c] = clipd(s[i].kind == YCC_COLOUR ? (v[c] - g) * s[i].a + g : v[c] * s[i].a + s[i].b,
				     s[i].lo, s[i].hi);
	}
}

static void reference(struct img in[3], struct img out[3], const struct ycc_step *s, size_t n)
{
	int w = in[0].width, h = in[0].height;

	copy(in, out);
	for (int by = 0; by < (h + 1) / 2; by++)
		for (int bx = 0; bx < (w + 1) / 2; bx++) {
			double sum[3] = { 0, 0, 0 };

			for (int k = 0; k < 4; k++) {
				int x = 2 * bx + k % 2, y = 2 * by + k / 2;
				double v[3];

				x = x < w ? x : w - 1;
				y = y < h ? y : h - 1;
				colour_of(in, x, y, s, n, v);
				*at(&out[0], x, y) = (uint8_t)lrint(clipd(lumad(v), 0, 255));
				for (int c = 0; c < 3; c++)
					sum[c] += v[c] / 4;
			}
			*at(&out[1], bx, by) = (uint8_t)lrint(clipd(
				128 - 0.168736 * sum[0] - 0.331264 * sum[1] + 0.5 * sum[2], 0, 255));
			*at(&out[2], bx, by) = (uint8_t)lrint(clipd(
				128 + 0.5 * sum[0] - 0.418688 * sum[1] - 0.081312 * sum[2], 0, 255));
		}
}

static const struct ycc_step chains[][4] = {
	{ { YCC_AFFINE, 2.5f, 0.f, 0.f, 255.f } },                                   /* brightness */
	{ { YCC_AFFINE, 0.6f, 0.f, 0.f, 255.f }, { YCC_COLOUR, 2.2f, 0, 0.f, 255.f },
	  { YCC_AFFINE, 1.7f, 128.f * -0.7f, 0.f, 255.f } },                          /* seed 003's three */
	{ { YCC_AFFINE, 1.f, 17.f, 9.f, 231.f } },                                   /* channel shift */
	{ { YCC_COLOUR, 0.f, 0, 0.f, 255.f }, { YCC_AFFINE, -1.f, 255.f, 0.f, 255.f } }, /* grey, invert */
	/* the bounds: factors of 7.99 that leave dark pixels unclipped, one
	 * with an offset that saturates 16 bits on bright ones */
	{ { YCC_AFFINE, 7.99f, 100.f, 0.f, 255.f } },
	{ { YCC_AFFINE, 0.3f, 0.f, 0.f, 255.f }, { YCC_COLOUR, 7.99f, 0, 0.f, 255.f } },
	{ { YCC_AFFINE, -7.99f, 2047.f, 0.f, 255.f }, { YCC_AFFINE, 0.5f, 0.f, 0.f, 255.f } },
};
static const size_t chain_len[] = { 1, 3, 1, 2, 1, 2, 2 };

UNIT_TEST(test_vector_matches_plain)
{
	static const int sizes[][2] = { { 1, 1 }, { 2, 2 }, { 3, 5 }, { 16, 2 }, { 17, 9 },
					{ 33, 32 }, { 100, 77 }, { 161, 119 } };
	uint32_t seed = 5;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (size_t c = 0; c < sizeof(chains) / sizeof(chains[0]); c++) {
			struct img in[3], a[3], b[3];
			struct ycc_stats sa, sb;

			planes(in, sizes[i][0], sizes[i][1], &seed, (int)(i % 2));
			copy(in, a);
			copy(in, b);
			cpu_set_simd(CPU_PLAIN);
			ycc420_steps_apply(a, chains[c], chain_len[c]);
			ycc420_steps_stats(in, chains[c], chain_len[c], YCC_MEAN | YCC_RANGE, &sa);
			cpu_set_simd(CPU_AVX512);
			ycc420_steps_apply(b, chains[c], chain_len[c]);
			ycc420_steps_stats(in, chains[c], chain_len[c], YCC_MEAN | YCC_RANGE, &sb);
			assert_int_equal(max_diff(a, b), 0);
			assert_true(sa.luma_sum == sb.luma_sum && sa.n == sb.n);
			assert_true(sa.min == sb.min && sa.max == sb.max);
			assert_true(sa.n == (uint64_t)sizes[i][0] * (uint64_t)sizes[i][1]);
			release(in);
			release(a);
			release(b);
		}
}

UNIT_TEST(test_follows_definition)
{
	uint32_t seed = 11;

	for (int tame = 0; tame < 2; tame++)
		for (size_t c = 0; c < sizeof(chains) / sizeof(chains[0]); c++) {
			struct img in[3], got[3], want[3];

			planes(in, 161, 119, &seed, tame);
			copy(in, got);
			ycc420_steps_apply(got, chains[c], chain_len[c]);
			reference(in, want, chains[c], chain_len[c]);
			assert_in_range(max_diff(got, want), 0, 1);
			release(in);
			release(got);
			release(want);
		}
}

UNIT_TEST(test_no_steps_keep_in_gamut_planes)
{
	uint32_t seed = 2;
	struct img in[3], out[3];
	struct ycc_stats st;

	planes(in, 161, 119, &seed, 1);
	copy(in, out);
	ycc420_steps_apply(out, NULL, 0);
	assert_int_equal(max_diff(in, out), 0);
	/* and the stats of no steps are those of the planes */
	ycc420_steps_stats(in, NULL, 0, YCC_MEAN | YCC_RANGE, &st);
	assert_true(st.min > 0 && st.max < 255);
	assert_in_range((long)(st.luma_sum / st.n), 60, 190);
	release(in);
	release(out);
}

UNIT_TEST(test_brightness_exact_without_clipping)
{
	const struct ycc_step dim = { YCC_AFFINE, 0.75f, 0.f, 0.f, 255.f };
	uint32_t seed = 8;
	struct img in[3], out[3];

	planes(in, 64, 48, &seed, 1);
	copy(in, out);
	ycc420_steps_apply(out, &dim, 1);
	for (int i = 0; i < 3; i++)
		for (int y = 0; y < in[i].height; y++)
			for (int x = 0; x < in[i].width; x++) {
				double v = *at(&in[i], x, y);
				double want = i ? 128 + 0.75 * (v - 128) : 0.75 * v;

				assert_true(fabs(*at(&out[i], x, y) - want) <= 0.5 + 1e-3);
			}
	release(in);
	release(out);
}

UNIT_TEST(test_stats_find_what_is_asked)
{
	const struct ycc_step shift = { YCC_AFFINE, 1.f, 30.f, 0.f, 255.f };
	uint32_t seed = 4;
	struct img in[3];
	struct ycc_stats both, mean, range;

	planes(in, 77, 51, &seed, 1);
	for (int simd = CPU_PLAIN; simd <= CPU_AVX512; simd += CPU_AVX512 - CPU_PLAIN) {
		cpu_set_simd(simd);
		assert_int_equal(ycc420_steps_stats(in, &shift, 1, YCC_MEAN | YCC_RANGE, &both), 0);
		assert_int_equal(ycc420_steps_stats(in, &shift, 1, YCC_MEAN, &mean), 0);
		assert_int_equal(ycc420_steps_stats(in, &shift, 1, YCC_RANGE, &range), 0);
		assert_true(mean.luma_sum == both.luma_sum && mean.min == 0.f && mean.max == 255.f);
		assert_true(range.luma_sum == 0 && range.min == both.min && range.max == both.max);
		assert_true(both.min > 30.f && both.max < 255.f && both.min < both.max);
	}
	release(in);
}

UNIT_TEST(test_bounds)
{
	const struct ycc_step ok = { YCC_AFFINE, -7.99f, 2047.f, 0.f, 255.f };
	const struct ycc_step big = { YCC_AFFINE, 8.5f, 0.f, 0.f, 255.f };
	const struct ycc_step far = { YCC_AFFINE, 1.f, -2100.f, 0.f, 255.f };
	const struct ycc_step colour = { YCC_COLOUR, 7.5f, 1e6f, 0.f, 255.f };  /* b unused */

	assert_true(ycc_step_fits(&ok));
	assert_false(ycc_step_fits(&big));
	assert_false(ycc_step_fits(&far));
	assert_true(ycc_step_fits(&colour));
	{
		struct ycc_step many[YCC_MAX_STEPS + 1], nan = ok;
		uint32_t seed = 1;
		struct img in[3], out[3];
		struct ycc_stats st;

		for (int i = 0; i <= YCC_MAX_STEPS; i++)
			many[i] = (struct ycc_step){ YCC_AFFINE, 1.1f, 0.f, 0.f, 255.f };
		nan.hi = NAN;
		assert_false(ycc_step_fits(&nan));
		planes(in, 40, 30, &seed, 0);
		copy(in, out);
		/* refused, and the planes untouched */
		assert_int_equal(ycc420_steps_apply(out, many, YCC_MAX_STEPS + 1), -1);
		assert_int_equal(ycc420_steps_apply(out, &big, 1), -1);
		assert_int_equal(ycc420_steps_stats(out, &far, 1, YCC_MEAN, &st), -1);
		assert_int_equal(max_diff(in, out), 0);
		assert_int_equal(ycc420_steps_apply(out, many, YCC_MAX_STEPS), 0);
		assert_true(max_diff(in, out) > 0);
		release(in);
		release(out);
	}
}
