/* The pixel steps: each against its definition, and the folded lookup
 * tables equal to the same steps run one at a time. */
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aug/pixel.h"
#include "img/luma.h"
#include "aug/ycc.h"
#include "aug/yccpoint.h"
#include "tests/unit/unit.h"

/* A w x h RGB image of a smooth, colourful pattern. */
static void pattern(struct img *im, int w, int h)
{
	assert_int_equal(img_alloc(im, w, h, 3, NULL), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *p = im->pixels + (size_t)y * im->stride + (size_t)x * 3;

			p[0] = (uint8_t)(40 + x * 150 / w);
			p[1] = (uint8_t)(20 + y * 200 / h);
			p[2] = (uint8_t)((x * 7 + y * 3) % 256);
		}
}

static void copy(const struct img *a, struct img *b)
{
	assert_int_equal(img_alloc(b, a->width, a->height, 3, NULL), 0);
	for (int y = 0; y < a->height; y++)
		memcpy(b->pixels + (size_t)y * b->stride, a->pixels + (size_t)y * a->stride,
		       (size_t)a->width * 3);
}

static uint8_t *px(const struct img *im, int x, int y)
{
	return im->pixels + (size_t)y * im->stride + (size_t)x * 3;
}

/* The smallest and largest sample of channels c0 .. c1 - 1. */
static void sample_range(const struct img *im, int c0, int c1, int *lo, int *hi)
{
	*lo = 255;
	*hi = 0;
	for (int y = 0; y < im->height; y++)
		for (int x = 0; x < im->width; x++)
			for (int c = c0; c < c1; c++) {
				*lo = px(im, x, y)[c] < *lo ? px(im, x, y)[c] : *lo;
				*hi = px(im, x, y)[c] > *hi ? px(im, x, y)[c] : *hi;
			}
}

#define MAX_RUN 20

/* The steps (op, value) in order as one plan of a w x h image. */
struct run {
	struct aug_applied a[MAX_RUN];
	struct aug_step steps[MAX_RUN];
	struct aug_pipeline p;
	struct aug_plan pl;
};

static void plan(struct run *r, int w, int h, const enum aug_op *ops, const double *vals, int n)
{
	assert_in_range(n, 0, MAX_RUN);
	memset(r, 0, sizeof(*r));
	r->p = (struct aug_pipeline){ .steps = r->steps, .n = (size_t)n };
	r->pl = (struct aug_plan){ .width = w, .height = h, .applied = r->a, .n = (size_t)n };
	for (int i = 0; i < n; i++) {
		r->a[i].op = ops[i];
		r->a[i].step = (unsigned)i;
		r->a[i].n = 2;
		r->a[i].v[0] = vals[2 * i];
		r->a[i].v[1] = vals[2 * i + 1];
		r->steps[i].op = ops[i];
		r->steps[i].lo[1] = vals[2 * i];  /* black_and_white's threshold */
	}
}

/* Runs the steps (op, value) in order as one plan. */
static void run(struct img *im, const enum aug_op *ops, const double *vals, int n)
{
	struct run r;
	struct wn_err err = { 0 };

	plan(&r, im->width, im->height, ops, vals, n);
	if (aug_pixels_apply(im, &r.pl, &r.p, &err))
		fail_msg("%s", err.msg);
}

/* The same on 4:2:0 planes: aug_pixels_try_ycc420()'s answer. */
static int run_ycc(struct img planes[3], const enum aug_op *ops, const double *vals, int n)
{
	struct run r;

	plan(&r, planes[0].width, planes[0].height, ops, vals, n);
	return aug_pixels_try_ycc420(planes, &r.pl);
}

static void run1(struct img *im, enum aug_op op, double v0, double v1)
{
	double v[2] = { v0, v1 };

	run(im, &op, v, 1);
}

static void same(const struct img *a, const struct img *b)
{
	for (int y = 0; y < a->height; y++)
		assert_memory_equal(a->pixels + (size_t)y * a->stride,
				    b->pixels + (size_t)y * b->stride, (size_t)a->width * 3);
}

/* b: a copy of a with the one step (op, v0) applied. */
static void applied(const struct img *a, struct img *b, enum aug_op op, double v0)
{
	copy(a, b);
	run1(b, op, v0, 0);
}

/* The ITU-R 601 grey of a's pixel (x, y). */
static uint8_t grey(const struct img *a, int x, int y)
{
	return luma601(px(a, x, y)[0], px(a, x, y)[1], px(a, x, y)[2]);
}

UNIT_TEST(test_enhance_definitions)
{
	struct img a, b;

	pattern(&a, 64, 48);
	applied(&a, &b, AUG_RANDOM_BRIGHTNESS, 1.5);
	for (int y = 0; y < 48; y += 7)
		for (int x = 0; x < 64; x += 5)
			for (int c = 0; c < 3; c++) {
				double want = fmin(255, px(&a, x, y)[c] * 1.5);

				assert_true(fabs(px(&b, x, y)[c] - want) <= 0.5);
			}
	img_release(&b);

	/* contrast 0: every pixel the rounded mean grey */
	applied(&a, &b, AUG_RANDOM_CONTRAST, 0);
	{
		double sum = 0;
		uint8_t m;

		for (int y = 0; y < 48; y++)
			for (int x = 0; x < 64; x++)
				sum += 0.299 * px(&a, x, y)[0] + 0.587 * px(&a, x, y)[1] +
				       0.114 * px(&a, x, y)[2];
		m = (uint8_t)floor(sum / (64 * 48) + 0.5);
		for (int y = 0; y < 48; y++)
			for (int x = 0; x < 64; x++)
				for (int c = 0; c < 3; c++)
					assert_int_equal(px(&b, x, y)[c], m);
	}
	img_release(&b);

	/* colour 0: grey; colour 1: unchanged */
	applied(&a, &b, AUG_RANDOM_COLOR, 0);
	for (int y = 0; y < 48; y++)
		for (int x = 0; x < 64; x++)
			for (int c = 0; c < 3; c++)
				assert_int_equal(px(&b, x, y)[c], grey(&a, x, y));
	img_release(&b);
	applied(&a, &b, AUG_RANDOM_COLOR, 1);
	same(&a, &b);
	img_release(&b);

	/* black_and_white: grey thresholded */
	applied(&a, &b, AUG_BLACK_AND_WHITE, 100);
	for (int y = 0; y < 48; y++)
		for (int x = 0; x < 64; x++)
			assert_int_equal(px(&b, x, y)[1], grey(&a, x, y) < 100 ? 0 : 255);
	img_release(&b);
	img_release(&a);
}

/* The folded tables give exactly what the steps give one at a time. */
UNIT_TEST(test_folding_equals_sequence)
{
	static const enum aug_op ops[] = { AUG_RANDOM_BRIGHTNESS, AUG_RANDOM_CONTRAST,
					   AUG_INVERT, AUG_K_CHANNEL_SHIFT_RANGE,
					   AUG_RANDOM_CONTRAST, AUG_K_BRIGHTNESS_RANGE };
	static const double vals[] = { 1.3, 0, 1.8, 0, 0, 0, -25, 0, 0.6, 0, 0.9, 0 };
	struct img a, b;

	pattern(&a, 50, 40);
	copy(&a, &b);
	run(&a, ops, vals, 6);
	for (int i = 0; i < 6; i++)
		run1(&b, ops[i], vals[2 * i], 0);
	same(&a, &b);
	img_release(&a);
	img_release(&b);
}

UNIT_TEST(test_channel_shift_clips_to_range)
{
	struct img a;
	int lo, hi;

	pattern(&a, 30, 30);
	sample_range(&a, 0, 3, &lo, &hi);
	run1(&a, AUG_K_CHANNEL_SHIFT_RANGE, 500, 0);
	/* shifted past the top: everything at the image's own maximum */
	for (int y = 0; y < 30; y++)
		for (int x = 0; x < 30; x++)
			assert_int_equal(px(&a, x, y)[0], hi);
	img_release(&a);
}

UNIT_TEST(test_invert_twice)
{
	struct img a, b;
	enum aug_op ops[] = { AUG_INVERT, AUG_INVERT };
	double vals[4] = { 0 };

	pattern(&a, 20, 20);
	applied(&a, &b, AUG_INVERT, 0);
	assert_int_equal(px(&b, 3, 4)[1], 255 - px(&a, 3, 4)[1]);
	run(&b, ops, vals, 2);
	run1(&b, AUG_INVERT, 0, 0);
	same(&a, &b);
	img_release(&a);
	img_release(&b);
}

/* PIL's equalize: a narrow histogram is spread over the whole range;
 * one value alone is left as it is. */
UNIT_TEST(test_equalise)
{
	struct img a;
	int lo, hi;

	assert_int_equal(img_alloc(&a, 64, 64, 3, NULL), 0);
	for (int y = 0; y < 64; y++)
		for (int x = 0; x < 64; x++)
			memset(px(&a, x, y), 100 + (x + y) % 10, 3);
	run1(&a, AUG_HISTOGRAM_EQUALISATION, 0, 0);
	sample_range(&a, 0, 1, &lo, &hi);
	assert_true(lo < 20 && hi > 200);
	for (int y = 0; y < 64; y++)
		for (int x = 0; x < 64; x++)
			memset(px(&a, x, y), 77, 3);
	run1(&a, AUG_HISTOGRAM_EQUALISATION, 0, 0);
	assert_int_equal(px(&a, 5, 5)[2], 77);
	img_release(&a);
}

UNIT_TEST(test_region_steps)
{
	struct img a, b;
	struct aug_applied ap = { .op = AUG_RANDOM_ERASING, .n = 5,
				  .v = { 10, 5, 8, 6, 12345 } };
	struct aug_step st = { .op = AUG_RANDOM_ERASING };
	struct aug_pipeline p = { .steps = &st, .n = 1 };
	struct aug_plan pl = { .applied = &ap, .n = 1 };
	int changed = 0;

	pattern(&a, 40, 30);
	copy(&a, &b);
	pl.width = 40;
	pl.height = 30;
	assert_int_equal(aug_pixels_apply(&b, &pl, &p, NULL), 0);
	for (int y = 0; y < 30; y++)
		for (int x = 0; x < 40; x++) {
			int inside = x >= 10 && x < 18 && y >= 5 && y < 11;

			if (!inside)
				assert_memory_equal(px(&a, x, y), px(&b, x, y), 3);
			else
				changed += memcmp(px(&a, x, y), px(&b, x, y), 3) != 0;
		}
	assert_true(changed > 40);
	img_release(&b);

	/* blur keeps a flat image flat and smooths an edge */
	for (int y = 0; y < 30; y++)
		for (int x = 0; x < 40; x++)
			memset(px(&a, x, y), x < 20 ? 0 : 200, 3);
	run1(&a, AUG_GAUSSIAN_BLUR, 2, 0);
	assert_int_equal(px(&a, 0, 15)[0], 0);
	assert_int_equal(px(&a, 39, 15)[0], 200);
	assert_true(px(&a, 19, 15)[0] > 50 && px(&a, 19, 15)[0] < 100);
	assert_true(px(&a, 20, 15)[0] > 100 && px(&a, 20, 15)[0] < 150);

	/* noise: same seed, same noise; mean kept */
	copy(&a, &b);
	run1(&a, AUG_GAUSSIAN_NOISE, 10, 99);
	run1(&b, AUG_GAUSSIAN_NOISE, 10, 99);
	same(&a, &b);
	img_release(&a);
	img_release(&b);
}

UNIT_TEST(test_hue)
{
	struct img a, b;

	pattern(&a, 32, 32);
	applied(&a, &b, AUG_HUE_SHIFT, 0);
	for (int y = 0; y < 32; y++)
		for (int x = 0; x < 32; x++)
			for (int c = 0; c < 3; c++)
				assert_true(abs(px(&a, x, y)[c] - px(&b, x, y)[c]) <= 1);
	img_release(&b);
	/* grey stays grey; red turns toward green at +120 */
	memset(px(&a, 0, 0), 128, 3);
	px(&a, 1, 0)[0] = 200;
	px(&a, 1, 0)[1] = 30;
	px(&a, 1, 0)[2] = 30;
	run1(&a, AUG_HUE_SHIFT, 120, 0);
	assert_true(abs(px(&a, 0, 0)[0] - 128) <= 1 && abs(px(&a, 0, 0)[2] - 128) <= 1);
	assert_true(px(&a, 1, 0)[1] > px(&a, 1, 0)[0] && px(&a, 1, 0)[1] > px(&a, 1, 0)[2]);
	img_release(&a);
}

/* A smooth image whose channels stay within 60..190, so that a clip to
 * the image's own range shows, as planes. */
static void narrow_planes(struct img planes[3], int w, int h)
{
	struct img rgb;

	assert_int_equal(img_alloc(&rgb, w, h, 3, NULL), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *p = px(&rgb, x, y);

			p[0] = (uint8_t)(60 + x * 130 / (w - 1));
			p[1] = (uint8_t)(60 + y * 130 / (h - 1));
			p[2] = (uint8_t)(190 - (x + y) * 130 / (w + h - 2));
		}
	assert_int_equal(img_yuv420_alloc(planes, w, h, NULL), 0);
	ycc420_from_rgb(&rgb, planes);
	img_release(&rgb);
}

static void copy_planes(struct img a[3], struct img b[3])
{
	assert_int_equal(img_yuv420_alloc(b, a[0].width, a[0].height, NULL), 0);
	for (int i = 0; i < 3; i++)
		for (int y = 0; y < a[i].height; y++)
			memcpy(b[i].pixels + (size_t)y * b[i].stride, a[i].pixels + (size_t)y * a[i].stride,
			       (size_t)a[i].width);
}

static void release_planes(struct img p[3])
{
	for (int i = 0; i < 3; i++)
		img_release(&p[i]);
}

static int planes_differ(struct img a[3], struct img b[3])
{
	for (int i = 0; i < 3; i++)
		for (int y = 0; y < a[i].height; y++)
			if (memcmp(a[i].pixels + (size_t)y * a[i].stride, b[i].pixels + (size_t)y * b[i].stride,
				   (size_t)a[i].width))
				return 1;
	return 0;
}

/* RGB from planes with box chroma (each 2x2 block's chroma for its four
 * pixels), JFIF's conversion in double precision, rounded and clipped. */
static void box_rgb(struct img planes[3], struct img *rgb)
{
	assert_int_equal(img_alloc(rgb, planes[0].width, planes[0].height, 3, NULL), 0);
	for (int y = 0; y < rgb->height; y++)
		for (int x = 0; x < rgb->width; x++) {
			double Y = planes[0].pixels[(size_t)y * planes[0].stride + (size_t)x];
			double u = planes[1].pixels[(size_t)(y / 2) * planes[1].stride + (size_t)(x / 2)] - 128.0;
			double v = planes[2].pixels[(size_t)(y / 2) * planes[2].stride + (size_t)(x / 2)] - 128.0;
			double c[3] = { Y + 1.402 * v, Y - 0.344136 * u - 0.714136 * v, Y + 1.772 * u };

			for (int k = 0; k < 3; k++)
				px(rgb, x, y)[k] = (uint8_t)lrint(c[k] < 0 ? 0 : c[k] > 255 ? 255 : c[k]);
		}
}

/* Pointwise steps on the planes against the same plan run the RGB way on
 * the same colours (box chroma) and turned back: contrast's centre, the
 * channel shift's range (60..190 here, not 0..255) and the order come
 * out the same, to within the RGB way's rounding after each step (half a
 * level that later factors multiply: up to 3 through 1.3, 2.2 and 1.8;
 * 0.1-0.5 on average). A centre off by a level or a range of 0..255 is
 * off by more. */
UNIT_TEST(test_planes_follow_rgb)
{
	static const struct {
		enum aug_op ops[3];
		double vals[6];
		int n;
	} chains[] = {
		{ { AUG_RANDOM_CONTRAST }, { 2.5, 0 }, 1 },
		{ { AUG_RANDOM_BRIGHTNESS, AUG_RANDOM_COLOR, AUG_RANDOM_CONTRAST }, { 1.3, 0, 2.2, 0, 1.8, 0 }, 3 },
		{ { AUG_K_CHANNEL_SHIFT_RANGE }, { 45, 0 }, 1 },
		{ { AUG_RANDOM_BRIGHTNESS, AUG_K_CHANNEL_SHIFT_RANGE }, { 0.8, 0, -40, 0 }, 2 },
		{ { AUG_K_CHANNEL_SHIFT_RANGE, AUG_K_BRIGHTNESS_RANGE }, { 50, 0, 1.2, 0 }, 2 },
		{ { AUG_INVERT, AUG_RANDOM_CONTRAST, AUG_GREYSCALE }, { 0, 0, 1.6, 0, 0, 0 }, 3 },
	};

	for (size_t c = 0; c < sizeof(chains) / sizeof(chains[0]); c++) {
		struct img in[3], out[3], want[3], rgb;
		double sum = 0;
		int worst = 0, n = 0;

		narrow_planes(in, 64, 48);
		copy_planes(in, out);
		box_rgb(in, &rgb);
		run(&rgb, chains[c].ops, chains[c].vals, chains[c].n);
		assert_int_equal(img_yuv420_alloc(want, 64, 48, NULL), 0);
		ycc420_from_rgb(&rgb, want);
		assert_int_equal(run_ycc(out, chains[c].ops, chains[c].vals, chains[c].n), 1);
		for (int i = 0; i < 3; i++)
			for (int y = 0; y < want[i].height; y++)
				for (int x = 0; x < want[i].width; x++, n++) {
					int d = abs(want[i].pixels[(size_t)y * want[i].stride + (size_t)x] -
						    out[i].pixels[(size_t)y * out[i].stride + (size_t)x]);

					sum += d;
					worst = d > worst ? d : worst;
				}
		if (sum / n > 0.75 || worst > 3)
			fail_msg("chain %zu: %.2f on average, %d at worst", c, sum / n, worst);
		release_planes(in);
		release_planes(out);
		release_planes(want);
		img_release(&rgb);
	}
}

/* A plan the planes cannot take is left to RGB whole, the planes
 * untouched; one without pixel steps is done at once. */
UNIT_TEST(test_planes_refuse_what_needs_rgb)
{
	enum aug_op hue[2] = { AUG_RANDOM_BRIGHTNESS, AUG_HUE_SHIFT };
	enum aug_op big = AUG_RANDOM_BRIGHTNESS, flip = AUG_FLIP_LEFT_RIGHT;
	enum aug_op many[MAX_RUN];
	double vals[4] = { 1.2, 0, 30, 0 }, nine[2] = { 9, 0 }, small[2 * MAX_RUN];
	struct img in[3], out[3];

	for (int i = 0; i < MAX_RUN; i++) {
		many[i] = AUG_RANDOM_BRIGHTNESS;
		small[2 * i] = 1.01;
		small[2 * i + 1] = 0;
	}
	narrow_planes(in, 33, 21);
	copy_planes(in, out);
	assert_int_equal(run_ycc(out, hue, vals, 2), 0);
	assert_int_equal(run_ycc(out, &big, nine, 1), 0);
	assert_int_equal(run_ycc(out, many, small, YCC_MAX_STEPS + 1), 0);
	assert_false(planes_differ(in, out));
	assert_int_equal(run_ycc(out, &flip, vals, 1), 1);
	assert_false(planes_differ(in, out));
	assert_int_equal(run_ycc(out, many, small, YCC_MAX_STEPS), 1);
	assert_true(planes_differ(in, out));
	release_planes(in);
	release_planes(out);
}

UNIT_TEST(test_refuses_non_rgb)
{
	struct img a;
	struct aug_plan pl = { 0 };
	struct aug_pipeline p = { 0 };
	struct wn_err err = { 0 };

	assert_int_equal(img_alloc(&a, 4, 4, 4, NULL), 0);
	assert_int_equal(aug_pixels_apply(&a, &pl, &p, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	img_release(&a);
}

/* pca_lighting: two colours a and b, half the pixels each. Their
 * covariance (as 0..1, n - 1) is one component along b - a with variance
 * n / (4 (n - 1)) |b - a|^2, so the shift is alpha1 times that along the
 * unit vector of b - a (largest entry positive); the other alphas do
 * nothing. */
UNIT_TEST(test_pca_lighting_two_colours)
{
	const int a[3] = { 40, 100, 160 }, b[3] = { 200, 120, 60 };
	double d[3], len = 0, var, sign, want[3], alpha[3] = { 0.8, 5, -7 };
	struct img im;
	int n = 32 * 32;

	assert_int_equal(img_alloc(&im, 32, 32, 3, NULL), 0);
	for (int y = 0; y < 32; y++)
		for (int x = 0; x < 32; x++)
			for (int c = 0; c < 3; c++)
				px(&im, x, y)[c] = (uint8_t)(y < 16 ? a[c] : b[c]);
	for (int c = 0; c < 3; c++) {
		d[c] = (b[c] - a[c]) / 255.0;
		len += d[c] * d[c];
	}
	var = (double)n / (4.0 * (n - 1)) * len;
	len = sqrt(len);
	sign = d[0] < 0 ? -1 : 1;   /* |d[0]| is the largest entry */
	for (int c = 0; c < 3; c++)
		want[c] = 255.0 * alpha[0] * var * sign * d[c] / len;
	aug_pca_lighting(&im, alpha);
	for (int c = 0; c < 3; c++) {
		double wa = floor(a[c] + want[c] + 0.5), wb = floor(b[c] + want[c] + 0.5);

		wa = wa < 0 ? 0 : wa > 255 ? 255 : wa;
		wb = wb < 0 ? 0 : wb > 255 ? 255 : wb;
		if (px(&im, 0, 0)[c] != wa || px(&im, 0, 31)[c] != wb)
			fail_msg("channel %d: %d and %d, wanted %g and %g", c, px(&im, 0, 0)[c],
				 px(&im, 0, 31)[c], wa, wb);
	}
	assert_true(px(&im, 0, 0)[0] != a[0]);   /* it did move */
	img_release(&im);
}

/* A grey image has one component, the grey axis: it stays grey. A flat
 * image has none: it does not change. */
UNIT_TEST(test_pca_lighting_grey_and_flat)
{
	double alpha[3] = { 1.5, -2, 3 };
	struct img im;

	assert_int_equal(img_alloc(&im, 16, 16, 3, NULL), 0);
	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 16; x++)
			memset(px(&im, x, y), 10 + x * 12 + y, 3);
	aug_pca_lighting(&im, alpha);
	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 16; x++) {
			assert_int_equal(px(&im, x, y)[0], px(&im, x, y)[1]);
			assert_int_equal(px(&im, x, y)[1], px(&im, x, y)[2]);
		}
	assert_true(px(&im, 0, 0)[0] != 10);
	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 16; x++) {
			px(&im, x, y)[0] = 90;
			px(&im, x, y)[1] = 20;
			px(&im, x, y)[2] = 200;
		}
	aug_pca_lighting(&im, alpha);
	assert_int_equal(px(&im, 7, 7)[0], 90);
	assert_int_equal(px(&im, 7, 7)[1], 20);
	assert_int_equal(px(&im, 7, 7)[2], 200);
	img_release(&im);
}
