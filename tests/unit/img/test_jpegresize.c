/* img_jpeg_resize(), the planes' way: for every chroma subsampling and
 * EXIF orientation, at odd sizes, shrinking and enlarging, the output
 * shows what the RGB way (decode, turn, resample the RGB) shows, and
 * JPEGs without YCbCr planes are left to the RGB way. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "img/resample.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

/* A displayed picture with colour everywhere: chroma that changes along
 * both axes, a few periods across the picture (slow enough that every
 * output's 4:2:0 chroma keeps it), so a chroma plane turned, scaled or
 * shifted wrongly shows. */
static struct img picture(int w, int h)
{
	struct img im;

	assert_int_equal(img_alloc(&im, w, h, 3, NULL), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *p = im.pixels + (size_t)y * im.stride + (size_t)x * 3;

			double u = 2 * M_PI * x / w, v = 2 * M_PI * y / h;

			p[0] = (uint8_t)(128 + 100 * sin(3 * u + v));
			p[1] = (uint8_t)(128 + 90 * cos(2 * v));
			p[2] = (uint8_t)(128 + 100 * sin(2 * u + 3 * v));
		}
	return im;
}

/* The picture stored so that orientation o displays it, as a JPEG of
 * subsampling ss with the EXIF tag. */
static struct fx_buf stored_jpeg(const struct img *shown, int o, int ss)
{
	int turn = o >= 5, sw = turn ? shown->height : shown->width;
	int sh = turn ? shown->width : shown->height;
	unsigned char *jpeg = NULL;
	unsigned long size = 0;
	struct fx_buf plain, tagged;
	struct img stored;
	tjhandle h = tjInitCompress();

	assert_int_equal(img_alloc(&stored, sw, sh, 3, NULL), 0);
	for (int y = 0; y < shown->height; y++)
		for (int x = 0; x < shown->width; x++) {
			int sx, sy;

			img_orient_source(o, x, y, sw, sh, &sx, &sy);
			memcpy(stored.pixels + (size_t)sy * stored.stride + (size_t)sx * 3,
			       shown->pixels + (size_t)y * shown->stride + (size_t)x * 3, 3);
		}
	assert_int_equal(tjCompress2(h, stored.pixels, sw, (int)stored.stride, sh, TJPF_RGB, &jpeg,
				     &size, ss, 97, 0), 0);
	plain.data = malloc(size);
	assert_non_null(plain.data);
	memcpy(plain.data, jpeg, size);
	plain.len = size;
	tagged = fx_add_exif(&plain, o, o % 2);
	tjFree(jpeg);
	tjDestroy(h);
	fx_buf_free(&plain);
	img_release(&stored);
	return tagged;
}

/* Mean absolute difference per sample of two RGB images of one size. */
static double mean_diff(const struct img *a, const struct img *b)
{
	double sum = 0;

	assert_int_equal(a->width, b->width);
	assert_int_equal(a->height, b->height);
	for (int y = 0; y < a->height; y++)
		for (int x = 0; x < a->width * 3; x++)
			sum += abs(a->pixels[(size_t)y * a->stride + x] - b->pixels[(size_t)y * b->stride + x]);
	return sum / (3.0 * a->width * a->height);
}

static const int samplings[] = { TJSAMP_444, TJSAMP_422, TJSAMP_420, TJSAMP_440, TJSAMP_411 };

/* The picture through each subsampling and orientation to tw x th, against
 * the picture resampled as RGB: within what the JPEG round trips cost. */
static void check_sizes(int w, int h, int tw, int th, int min_side, double limit)
{
	struct img shown = picture(w, h), want, got;

	assert_int_equal(img_resample(&shown, tw, th, RESAMPLE_LANCZOS3, &want, NULL), 0);
	for (size_t s = 0; s < sizeof(samplings) / sizeof(samplings[0]); s++)
		for (int o = 1; o <= 8; o++) {
			struct img_jpeg_resize r = { { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS },
						     min_side ? 2 * tw : 0, min_side ? 2 * th : 0,
						     tw, th, 95, 1 };
			struct img_decode_opts opts;
			struct fx_buf src = stored_jpeg(&shown, o, samplings[s]);
			uint8_t *out = NULL;
			size_t len = 0;
			int broken = 1;
			double d;

			assert_int_equal(img_jpeg_resize(src.data, src.len, &r, &out, &len, &broken,
							 NULL), 0);
			assert_int_equal(broken, 0);
			img_decode_opts_init(&opts);
			assert_int_equal(img_decode(out, len, &opts, &got, NULL, NULL), 0);
			d = mean_diff(&want, &got);
			if (d > limit)
				fail_msg("%dx%d to %dx%d, subsampling %d, orientation %d: mean "
					 "difference %.2f over %.2f", w, h, tw, th, samplings[s], o, d,
					 limit);
			img_release(&got);
			free(out);
			fx_buf_free(&src);
		}
	img_release(&want);
	img_release(&shown);
}

UNIT_TEST(test_planes_match_the_picture_shrinking)
{
	check_sizes(333, 251, 161, 121, 1, 2.5);
}

UNIT_TEST(test_planes_match_the_picture_dct_scaled)
{
	/* decoded at 1/2 (DCT), then resampled */
	check_sizes(667, 501, 131, 99, 1, 2.5);
}

UNIT_TEST(test_planes_match_the_picture_enlarging)
{
	check_sizes(97, 61, 161, 101, 0, 4.5);
}

UNIT_TEST(test_planes_tiny_sizes)
{
	static const int sizes[][4] = { { 1, 1, 1, 1 }, { 7, 3, 320, 137 }, { 1000, 1, 320, 1 },
					{ 3, 7, 1, 3 } };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct img shown = picture(sizes[i][0], sizes[i][1]), got;
		struct img_jpeg_resize r = { { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS }, 0, 0,
					     sizes[i][2], sizes[i][3], 90, 1 };
		struct img_decode_opts opts;

		img_decode_opts_init(&opts);
		for (int o = 1; o <= 8; o++) {
			struct fx_buf src = stored_jpeg(&shown, o, TJSAMP_420);
			uint8_t *out = NULL;
			size_t len = 0;
			int broken;

			assert_int_equal(img_jpeg_resize(src.data, src.len, &r, &out, &len, &broken,
							 NULL), 0);
			assert_int_equal(img_decode(out, len, &opts, &got, NULL, NULL), 0);
			assert_int_equal(got.width, sizes[i][2]);
			assert_int_equal(got.height, sizes[i][3]);
			img_release(&got);
			free(out);
			fx_buf_free(&src);
		}
		img_release(&shown);
	}
}

/* Grey and CMYK JPEGs have no YCbCr planes: 1, nothing made; a broken
 * JPEG is the source's fault. */
UNIT_TEST(test_other_jpegs_are_left_alone)
{
	static const uint8_t grey[4] = { 90, 90, 90, 255 };
	struct img g = fx_solid(40, 30, 1, grey);
	uint8_t cmyk[40 * 30 * 4];
	struct fx_buf a = fx_jpeg(&g, 90, 0), b;
	struct img_jpeg_resize r = { { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS }, 0, 0, 20, 15,
				     90, 1 };
	struct img shown = picture(40, 30);
	struct fx_buf c = fx_jpeg(&shown, 90, 0);
	struct wn_err err;
	uint8_t *out = NULL;
	size_t len = 0;
	int broken = 1;

	memset(cmyk, 60, sizeof(cmyk));
	b = fx_jpeg_cmyk(cmyk, 40, 30);
	assert_int_equal(img_jpeg_resize(a.data, a.len, &r, &out, &len, &broken, NULL), 1);
	assert_null(out);
	assert_int_equal(broken, 0);
	assert_int_equal(img_jpeg_resize(b.data, b.len, &r, &out, &len, &broken, NULL), 1);
	assert_null(out);
	c.len /= 2;  /* truncated */
	assert_int_equal(img_jpeg_resize(c.data, c.len, &r, &out, &len, &broken, &err), -1);
	assert_int_equal(broken, 1);
	assert_null(out);
	fx_buf_free(&a);
	fx_buf_free(&b);
	fx_buf_free(&c);
	img_release(&g);
	img_release(&shown);
}
