/* The quality signals on images whose answers are known by hand: steps,
 * ramps, flat fields, two-level images, grey stored as RGB, skin tones;
 * and the issues judged from them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality/quality.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static uint8_t *px(struct img *im, int x, int y)
{
	return im->pixels + (size_t)y * im->stride + (size_t)x * im->channels;
}

/* A grey w x h image: left half lo, right half hi (a vertical step). */
static struct img step(int w, int h, uint8_t lo, uint8_t hi)
{
	struct img im;

	assert_int_equal(img_alloc(&im, w, h, 1, NULL), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			*px(&im, x, y) = x < w / 2 ? lo : hi;
	return im;
}

/* A 3-tap box blur of each row, n times: a softer step. */
static void blur_rows(struct img *im, int n)
{
	while (n--)
		for (int y = 0; y < im->height; y++) {
			uint8_t *r = px(im, 0, y), prev = r[0];

			for (int x = 1; x + 1 < im->width; x++) {
				uint8_t here = r[x];

				r[x] = (uint8_t)((prev + here + r[x + 1] + 1) / 3);
				prev = here;
			}
		}
}

/* A 3-tap box blur of each column, n times. */
static void blur_cols(struct img *im, int n)
{
	while (n--)
		for (int x = 0; x < im->width; x++) {
			uint8_t prev = *px(im, x, 0);

			for (int y = 1; y + 1 < im->height; y++) {
				uint8_t here = *px(im, x, y);

				*px(im, x, y) = (uint8_t)((prev + here + *px(im, x, y + 1) + 1) / 3);
				prev = here;
			}
		}
}

/* Rectangles of random grey levels between lo and hi, with sharp edges. */
static struct img rectangles(int w, int h, int lo, int hi, uint64_t seed)
{
	struct img im;
	uint64_t s = seed;

	assert_int_equal(img_alloc(&im, w, h, 1, NULL), 0);
	memset(im.pixels, lo, im.stride * (size_t)h);
	for (int i = 0; i < 60; i++) {
		int x0 = (int)(fx_rand(&s) % (uint64_t)w), y0 = (int)(fx_rand(&s) % (uint64_t)h);
		int rw = 8 + (int)(fx_rand(&s) % 80), rh = 8 + (int)(fx_rand(&s) % 80);
		int v = lo + (int)(fx_rand(&s) % (uint64_t)(hi - lo + 1));

		for (int y = y0; y < y0 + rh && y < h; y++)
			memset(px(&im, x0, y), v, (size_t)(x0 + rw < w ? rw : w - x0));
	}
	return im;
}

/* The sharpness of im written as a JPEG (quality 90) and decoded for
 * a fingerprint, from its DCT blocks. */
static double dct_sharpness(const struct img *im)
{
	struct img_jpeg_opts jo;
	struct img_decode_opts o;
	struct img grey, colour;
	struct img_dct_stats dct;
	uint8_t *buf = NULL;
	size_t len = 0;

	img_jpeg_opts_init(&jo);
	assert_int_equal(img_encode_jpeg(im, &jo, &buf, &len, NULL), 0);
	img_decode_opts_init(&o);
	o.min_width = o.min_height = 32;
	assert_int_equal(img_decode_grey_colour_dct(buf, len, &o, &grey, &colour, NULL, &dct, NULL),
			 0);
	assert_true(dct.blocks > 0);
	free(buf);
	img_release(&grey);
	img_release(&colour);
	return quality_sharpness_dct(&dct, 1);
}

/* A blur of sigma 2.4 px (a 1/8 decode keeps a third of a pixel of it) is blurry
 * (sharpness under 1/3, the default threshold) from the DCT blocks; the
 * sharp picture is not, at any contrast; a flat one is 0. */
UNIT_TEST(test_dct_sharpness_sees_a_mild_blur)
{
	static const uint8_t grey[4] = { 90, 90, 90, 255 };
	struct img sharp = rectangles(512, 384, 0, 255, 3), dim = rectangles(512, 384, 100, 140, 3);
	struct img blurred = rectangles(512, 384, 0, 255, 3), flat = fx_solid(512, 384, 1, grey);
	double s = dct_sharpness(&sharp), d = dct_sharpness(&dim), b;

	/* 3-tap box blurs n times: variance 2n/3 a direction */
	blur_rows(&blurred, 9);
	blur_cols(&blurred, 9);
	b = dct_sharpness(&blurred);
	print_message("sharp %.3f, dim %.3f, blurred %.3f\n", s, d, b);
	assert_true(s > 1.0 / 3);
	assert_true(d > 1.0 / 3);
	assert_true(fabs(d - s) < 0.25 * s);
	assert_true(b < 1.0 / 3);
	assert_float_equal(dct_sharpness(&flat), 0.0, 0);
	img_release(&sharp);
	img_release(&dim);
	img_release(&blurred);
	img_release(&flat);
}

/* Energy at u + v >= 3 over u + v = 1..2, scaled; the pixel measure
 * lowers it only where it too finds the picture soft. */
UNIT_TEST(test_dct_sharpness_is_a_ratio_of_bands)
{
	struct img_dct_stats d;

	memset(&d, 0, sizeof(d));
	d.blocks = 1;
	assert_float_equal(quality_sharpness_dct(&d, 1), 0.0, 0);
	d.energy[1] = 3;       /* u 1 v 0 */
	d.energy[8 + 1] = 1;   /* u 1 v 1 */
	d.energy[3] = 0.02;    /* u 3 */
	d.energy[8 * 7 + 7] = 0.02;
	assert_float_equal(quality_sharpness_dct(&d, 2), QUALITY_DCT_SCALE * 0.01, 1e-12);
	assert_float_equal(quality_sharpness_dct(&d, QUALITY_DCT_SOFT_PIXELS),
			   QUALITY_DCT_SCALE * 0.01, 1e-12);
	assert_float_equal(quality_sharpness_dct(&d, QUALITY_DCT_SOFT_PIXELS / 4),
			   QUALITY_DCT_SCALE * 0.0025, 1e-12);
}

UNIT_TEST(test_sharpness_of_a_step_is_one_whatever_its_contrast)
{
	/* Per row, the two pixels beside the edge give Laplacian +-d and
	 * gradient d each: 2 d^2 / 2 d^2. */
	struct img a = step(40, 40, 0, 100), b = step(40, 40, 120, 130);

	assert_float_equal(quality_sharpness(&a), 1.0, 1e-12);
	assert_float_equal(quality_sharpness(&b), 1.0, 1e-12);
	img_release(&a);
	img_release(&b);
}

/* The definition, summed the plain way in 64 bits. */
static double sharpness_by_definition(struct img *g)
{
	int64_t lap = 0, grad = 0;

	for (int y = 1; y + 1 < g->height; y++)
		for (int x = 1; x + 1 < g->width; x++) {
			int64_t l = 4 * *px(g, x, y) - *px(g, x - 1, y) - *px(g, x + 1, y) -
				    *px(g, x, y - 1) - *px(g, x, y + 1);
			int64_t dx = *px(g, x + 1, y) - *px(g, x - 1, y);
			int64_t dy = *px(g, x, y + 1) - *px(g, x, y - 1);

			lap += l * l;
			grad += dx * dx + dy * dy;
		}
	return grad > 0 ? (double)lap / (double)grad : 0;
}

/* Sums kept in 32 bits a run of pixels are the definition's to the bit:
 * noise, and a checkerboard of 0 and 255 (the largest Laplacian, in rows
 * longer than a run; a grey column in 7 for some gradient), at widths
 * around the run's. */
UNIT_TEST(test_sharpness_is_its_definition_on_wide_rows)
{
	static const int widths[] = { 3, 17, 1025, 1026, 4000 };
	uint64_t seed = 5;

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		struct img noise, board;

		assert_int_equal(img_alloc(&noise, widths[i], 9, 1, NULL), 0);
		assert_int_equal(img_alloc(&board, widths[i], 9, 1, NULL), 0);
		for (int y = 0; y < 9; y++)
			for (int x = 0; x < widths[i]; x++) {
				*px(&noise, x, y) = (uint8_t)fx_rand(&seed);
				*px(&board, x, y) = x % 7 == 0 ? 128 : (x + y) % 2 ? 255 : 0;
			}
		assert_true(quality_sharpness(&noise) == sharpness_by_definition(&noise));
		assert_true(quality_sharpness(&board) == sharpness_by_definition(&board));
		if (widths[i] > 3)
			assert_true(quality_sharpness(&board) > 1.0);
		img_release(&noise);
		img_release(&board);
	}
}

UNIT_TEST(test_sharpness_falls_with_blur_and_is_zero_when_flat)
{
	static const uint8_t grey[4] = { 90, 90, 90, 255 };
	struct img s = step(40, 40, 0, 200), b = step(40, 40, 0, 200), ramp, flat;

	blur_rows(&b, 3);
	assert_true(quality_sharpness(&b) < 0.3 * quality_sharpness(&s));
	assert_int_equal(img_alloc(&ramp, 40, 40, 1, NULL), 0);
	for (int y = 0; y < 40; y++)
		for (int x = 0; x < 40; x++)
			*px(&ramp, x, y) = (uint8_t)(x * 5);
	assert_float_equal(quality_sharpness(&ramp), 0.0, 0);
	flat = fx_solid(40, 40, 1, grey);
	assert_float_equal(quality_sharpness(&flat), 0.0, 0);
	img_release(&s);
	img_release(&b);
	img_release(&ramp);
	img_release(&flat);
}

UNIT_TEST(test_luma_percentiles_and_entropy)
{
	/* 1600 pixels, half 10 and half 200: one bit. */
	struct img two = step(40, 40, 10, 200), flat;
	static const uint8_t black[4] = { 0, 0, 0, 255 };
	double p5, p99, h;

	quality_luma_stats(&two, &p5, &p99, &h);
	assert_float_equal(p5, 10, 0);
	assert_float_equal(p99, 200, 0);
	assert_float_equal(h, 1.0, 1e-12);
	flat = fx_solid(10, 10, 1, black);
	quality_luma_stats(&flat, &p5, &p99, &h);
	assert_float_equal(p5, 0, 0);
	assert_float_equal(p99, 0, 0);
	assert_float_equal(h, 0.0, 0);
	img_release(&two);
	img_release(&flat);
}

UNIT_TEST(test_grey_stored_as_rgb_has_no_chroma)
{
	struct img g = fx_pattern(50, 40, 1, 7), rgb;
	double chroma, colourful, skin;

	assert_int_equal(img_convert_to(&g, 3, (const uint8_t[3]){ 255, 255, 255 }, &rgb, NULL), 0);
	quality_colour_stats(&rgb, &chroma, &colourful, &skin);
	assert_float_equal(chroma, 0, 0);
	assert_float_equal(colourful, 0, 0);
	assert_float_equal(skin, 0, 0);
	/* 2000 pixels: 20 red ones (1%) are not the 99th percentile, 21 are */
	for (int i = 0; i < 21; i++) {
		uint8_t *p = px(&rgb, i, 1);

		p[0] = 255;
		p[1] = p[2] = 0;
		quality_colour_stats(&rgb, &chroma, &colourful, &skin);
		if (i < 19)
			continue;
		assert_float_equal(chroma, i == 19 ? 0 : 255, 0);
	}
	assert_float_equal(chroma, 255, 0);
	assert_true(colourful > 0);
	img_release(&g);
	img_release(&rgb);
}

UNIT_TEST(test_skin_tones_are_skin_and_others_are_not)
{
	static const uint8_t skin[][3] = { { 141, 85, 36 }, { 198, 134, 66 }, { 224, 172, 140 },
					   { 180, 120, 90 }, { 90, 56, 37 } };
	static const uint8_t other[][3] = { { 0, 0, 255 }, { 0, 200, 0 }, { 128, 128, 128 },
					    { 255, 255, 255 }, { 255, 0, 0 }, { 20, 40, 200 } };
	struct img im;
	double chroma, colourful, share;

	/* hue and saturation of (224,172,140) are 142 and 19.6: just outside */
	for (size_t i = 0; i < sizeof(skin) / sizeof(skin[0]); i++)
		if (i != 2)
			assert_true(quality_is_skin(skin[i][0], skin[i][1], skin[i][2]));
	assert_false(quality_is_skin(224, 172, 140));
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_false(quality_is_skin(other[i][0], other[i][1], other[i][2]));
	/* 30 of 100 pixels skin: exactly seed 001's bar */
	assert_int_equal(img_alloc(&im, 10, 10, 3, NULL), 0);
	for (int i = 0; i < 100; i++)
		memcpy(im.pixels + 3 * i, i < 30 ? skin[0] : other[0], 3);
	quality_colour_stats(&im, &chroma, &colourful, &share);
	assert_float_equal(share, QUALITY_SKIN_HEAVY, 1e-12);
	img_release(&im);
}

/* A w x h image of c channels, all 9, reduces to ww x hh, still all 9. */
static void reduces_to(int w, int h, int c, int ww, int hh)
{
	struct img big, small;

	assert_int_equal(img_alloc(&big, w, h, c, NULL), 0);
	memset(big.pixels, 9, big.stride * (size_t)h);
	assert_int_equal(quality_reduce(&big, &small, NULL), 0);
	assert_int_equal(small.width, ww);
	assert_int_equal(small.height, hh);
	assert_int_equal(small.pixels[small.stride * (size_t)(hh - 1) + (size_t)ww * c - 1], 9);
	img_release(&small);
	img_release(&big);
}

UNIT_TEST(test_reduce_box_averages_to_a_fixed_size)
{
	struct img big, small;

	/* 300 x 130: f = 2, 150 x 65, each the rounded mean of 2 x 2 */
	assert_int_equal(img_alloc(&big, 300, 130, 1, NULL), 0);
	for (int y = 0; y < 130; y++)
		for (int x = 0; x < 300; x++)
			*px(&big, x, y) = (uint8_t)((x + y) % 2 ? 11 : 0);
	assert_int_equal(quality_reduce(&big, &small, NULL), 0);
	assert_int_equal(small.width, 150);
	assert_int_equal(small.height, 65);
	assert_int_equal(*px(&small, 0, 0), 6);      /* (0 + 11 + 11 + 0 + 2) / 4 */
	assert_int_equal(*px(&small, 149, 64), 6);
	img_release(&small);
	img_release(&big);
	/* grey under 128 on the short side, RGB under 32: as it is */
	reduces_to(500, 127, 1, 500, 127);
	reduces_to(500, 31, 3, 500, 31);
	reduces_to(500, 32, 3, 250, 16);
}

UNIT_TEST(test_measure_reads_grey_and_colour)
{
	struct img g = step(384, 200, 0, 200), c;
	struct quality q;

	assert_int_equal(img_convert_to(&g, 3, (const uint8_t[3]){ 0, 0, 0 }, &c, NULL), 0);
	assert_int_equal(quality_measure(&g, &c, &q, NULL), 0);
	assert_float_equal(q.sharpness, 1.0, 1e-12);  /* reduced by 3: still one step */
	assert_float_equal(q.entropy, 1.0, 1e-12);
	assert_float_equal(q.luma_p99, 200, 0);
	assert_float_equal(q.chroma, 0, 0);
	assert_int_equal(quality_measure(&g, NULL, &q, NULL), 0);
	assert_float_equal(q.skin, 0, 0);
	img_release(&g);
	img_release(&c);
}

static const struct quality clean = { 1.0, 20, 240, 7.0, 80, 40, 0 };

static unsigned judge(const struct quality *q, int w, int h, double scores[QI_COUNT])
{
	static const int ws[] = { 640, 800, 500, 640 }, hs[] = { 480, 600, 375, 427 };
	double t[QI_COUNT];
	struct quality_set set;

	for (int i = 0; i < QI_COUNT; i++)
		t[i] = quality_default_threshold(i);
	assert_int_equal(quality_set_medians(ws, hs, 4, &set, NULL), 0);
	return quality_judge(q, w, h, &set, t, scores);
}

UNIT_TEST(test_judge_names_each_issue_and_spares_clean_images)
{
	double s[QI_COUNT];
	struct quality q;

	assert_int_equal(judge(&clean, 600, 450, s), 0);
	q = clean;
	q.sharpness = 0.1;
	assert_int_equal(judge(&q, 600, 450, s), 1u << QI_BLURRY);
	assert_float_equal(s[QI_BLURRY], 0.1 / 1.1, 1e-12);
	q = clean;
	q.luma_p99 = 40;
	assert_int_equal(judge(&q, 600, 450, s), 1u << QI_DARK);
	q = clean;
	q.luma_p5 = 230;
	assert_int_equal(judge(&q, 600, 450, s), 1u << QI_LIGHT);
	q = clean;
	q.chroma = 2;
	assert_int_equal(judge(&q, 600, 450, s), 1u << QI_GRAYSCALE);
	/* a 4:1 banner among 4:3 photos */
	assert_int_equal(judge(&clean, 1200, 300, s), 1u << QI_ODD_ASPECT_RATIO);
	assert_float_equal(s[QI_ODD_ASPECT_RATIO], (4.0 / 3) / 4, 1e-9);
	/* a quarter of the median side, and four times it */
	assert_int_equal(judge(&clean, 120, 90, s), 1u << QI_ODD_SIZE);
	assert_int_equal(judge(&clean, 2000, 1500, s), 0);
	assert_int_equal(judge(&clean, 2600, 1950, s), 1u << QI_ODD_SIZE);
}

UNIT_TEST(test_judge_flat_and_tiny_images_are_not_blurry)
{
	struct quality flat = { 0, 128, 128, 0, 0, 0, 0 }, small = clean;
	double s[QI_COUNT];

	/* flat: no gradient at all, sharpness 0, but low information */
	assert_int_equal(judge(&flat, 600, 450, s),
			 1u << QI_LOW_INFORMATION | 1u << QI_GRAYSCALE);
	small.sharpness = 0.05;
	/* too small to judge: odd_size, not blurry, whatever the set */
	assert_int_equal(judge(&small, 31, 40, s), 1u << QI_ODD_SIZE);
	assert_int_equal(judge(&small, 100, 80, s), 1u << QI_ODD_SIZE);
	/* large and blurry is blurry (and odd_size) */
	assert_int_equal(judge(&small, 4000, 3000, s), 1u << QI_BLURRY | 1u << QI_ODD_SIZE);
}

UNIT_TEST(test_judge_tiny_is_odd_size_even_among_tiny_images)
{
	static const int side[] = { 28, 28, 28 };
	struct quality q = clean;
	struct quality_set set;
	double t[QI_COUNT], s[QI_COUNT];

	for (int i = 0; i < QI_COUNT; i++)
		t[i] = quality_default_threshold(i);
	assert_int_equal(quality_set_medians(side, side, 3, &set, NULL), 0);
	assert_float_equal(set.median_side, 28, 1e-12);
	q.sharpness = 0.05;
	assert_int_equal(quality_judge(&q, 28, 28, &set, t, s), 1u << QI_ODD_SIZE);
	assert_float_equal(s[QI_ODD_SIZE], 1, 1e-12);
}

UNIT_TEST(test_issue_names_round_trip)
{
	for (int i = 0; i < QI_COUNT; i++)
		assert_int_equal(quality_issue_parse(quality_issue_name(i)), i);
	assert_int_equal(quality_issue_parse("outlier"), QI_OUTLIER);
	assert_int_equal(quality_issue_parse("outliers"), -1);
	assert_null(quality_issue_name(QI_COUNT));
}
