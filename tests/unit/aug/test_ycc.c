/* ycc420_from_rgb(): vector and plain paths give the same planes, and a
 * JPEG encoded from them decodes like one libjpeg converted itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "base/cpu.h"
#include "img/image.h"
#include "img/luma.h"
#include "aug/ycc.h"
#include "tests/unit/unit.h"

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* a smooth picture with some noise, so JPEG rounding stays small */
static void picture(struct img *im, int w, int h, uint32_t *seed)
{
	assert_int_equal(img_alloc(im, w, h, 3, NULL), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int c = 0; c < 3; c++)
				im->pixels[(size_t)y * im->stride + 3 * (size_t)x + (size_t)c] =
					(uint8_t)((x * (c + 2) + y * (3 - c) * 2) % 200 + lcg(seed) % 40);
}

UNIT_TEST(test_vector_matches_plain)
{
	static const int sizes[][2] = { { 1, 1 }, { 2, 2 }, { 3, 5 }, { 16, 2 }, { 17, 9 },
					{ 33, 32 }, { 100, 77 }, { 161, 119 } };
	uint32_t seed = 3;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int w = sizes[i][0], h = sizes[i][1];
		struct img rgb, a[3], b[3];

		picture(&rgb, w, h, &seed);
		for (size_t k = 0; k < (size_t)h * rgb.stride; k++)  /* any bytes at all */
			if (lcg(&seed) % 7 == 0)
				rgb.pixels[k] = (uint8_t)lcg(&seed);
		assert_int_equal(img_yuv420_alloc(a, w, h, NULL), 0);
		assert_int_equal(img_yuv420_alloc(b, w, h, NULL), 0);
		cpu_set_simd(CPU_PLAIN);
		ycc420_from_rgb(&rgb, a);
		cpu_set_simd(CPU_AVX512);
		ycc420_from_rgb(&rgb, b);
		for (int p = 0; p < 3; p++)
			for (int y = 0; y < a[p].height; y++)
				assert_memory_equal(a[p].pixels + (size_t)y * a[p].stride,
						    b[p].pixels + (size_t)y * b[p].stride,
						    (size_t)a[p].width);
		/* the definition at the last pixel and its block */
		{
			const uint8_t *q = rgb.pixels + (size_t)(h - 1) * rgb.stride + 3 * (size_t)(w - 1);

			assert_int_equal(a[0].pixels[(size_t)(h - 1) * a[0].stride + (size_t)(w - 1)],
					 luma601(q[0], q[1], q[2]));
		}
		for (int p = 0; p < 3; p++) {
			img_release(&a[p]);
			img_release(&b[p]);
		}
		img_release(&rgb);
	}
}

/* Encoded from our planes or by libjpeg from RGB, at quality 100: the
 * decoded pictures agree to rounding (planes within 2, so RGB within 4
 * at the edges, where upsampling stretches it, and within 2 but for
 * 0.1% of the bytes). */
UNIT_TEST(test_encodes_like_libjpeg)
{
	struct img_jpeg_opts jo;
	struct img_decode_opts dopt;
	uint32_t seed = 9;

	img_jpeg_opts_init(&jo);
	jo.quality = 100;
	img_decode_opts_init(&dopt);
	dopt.channels = 3;
	for (int odd = 0; odd < 2; odd++) {
		struct img rgb, planes[3], da, db;
		uint8_t *ja, *jb;
		size_t la, lb, big = 0;

		picture(&rgb, 96 + odd, 64 + odd, &seed);
		assert_int_equal(img_yuv420_alloc(planes, rgb.width, rgb.height, NULL), 0);
		ycc420_from_rgb(&rgb, planes);
		assert_int_equal(img_jpeg_encode_yuv420(planes, 100, &ja, &la, NULL), 0);
		assert_int_equal(img_encode_jpeg(&rgb, &jo, &jb, &lb, NULL), 0);
		assert_int_equal(img_decode(ja, la, &dopt, &da, NULL, NULL), 0);
		assert_int_equal(img_decode(jb, lb, &dopt, &db, NULL, NULL), 0);
		for (int y = 0; y < da.height; y++)
			for (int x = 0; x < 3 * da.width; x++) {
				int d = abs(da.pixels[(size_t)y * da.stride + (size_t)x] -
					    db.pixels[(size_t)y * db.stride + (size_t)x]);

				assert_true(d <= 4);
				big += d > 2;
			}
		assert_true(big < (size_t)da.width * (size_t)da.height * 3 / 100);
		free(ja);
		free(jb);
		img_release(&da);
		img_release(&db);
		for (int p = 0; p < 3; p++)
			img_release(&planes[p]);
		img_release(&rgb);
	}
}

/* planes -> RGB: the vector path's bytes equal the plain loop's, and a
 * decoded JPEG's planes make exactly what libjpeg's own decoder makes. */
UNIT_TEST(test_to_rgb)
{
	static const int sizes[][2] = { { 1, 1 }, { 2, 2 }, { 3, 5 }, { 20, 3 }, { 21, 9 },
					{ 33, 32 }, { 100, 77 }, { 161, 119 } };
	struct img_decode_opts dopt;
	uint32_t seed = 21;

	img_decode_opts_init(&dopt);
	dopt.channels = 3;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int w = sizes[i][0], h = sizes[i][1];
		struct img rgb, planes[3], a, b, lib;
		struct img_jpeg_opts jo;
		uint8_t *jpeg;
		size_t len, off = 0;

		picture(&rgb, w, h, &seed);
		img_jpeg_opts_init(&jo);
		assert_int_equal(img_encode_jpeg(&rgb, &jo, &jpeg, &len, NULL), 0);
		assert_int_equal(img_jpeg_decode_yuv420(jpeg, len, &dopt.limits, planes, NULL), 0);
		for (int p = 1; p < 3; p++)  /* chroma of every value, too */
			for (int y = 0; y < planes[p].height; y++)
				for (int x = 0; x < planes[p].width; x++)
					if (lcg(&seed) % 5 == 0)
						planes[p].pixels[(size_t)y * planes[p].stride + (size_t)x] =
							(uint8_t)lcg(&seed);
		assert_int_equal(img_alloc(&a, w, h, 3, NULL), 0);
		assert_int_equal(img_alloc(&b, w, h, 3, NULL), 0);
		cpu_set_simd(CPU_PLAIN);
		ycc420_to_rgb(planes, &a);
		cpu_set_simd(CPU_AVX512);
		ycc420_to_rgb(planes, &b);
		for (int y = 0; y < h; y++)
			assert_memory_equal(a.pixels + (size_t)y * a.stride, b.pixels + (size_t)y * b.stride,
					    (size_t)w * 3);
		/* unaltered planes against libjpeg's decoder */
		for (int p = 0; p < 3; p++)
			img_release(&planes[p]);
		assert_int_equal(img_jpeg_decode_yuv420(jpeg, len, &dopt.limits, planes, NULL), 0);
		ycc420_to_rgb(planes, &b);
		assert_int_equal(img_decode(jpeg, len, &dopt, &lib, NULL, NULL), 0);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < 3 * w; x++)
				off += b.pixels[(size_t)y * b.stride + (size_t)x] !=
				       lib.pixels[(size_t)y * lib.stride + (size_t)x];
		/* the same bytes once the chroma is more than 2 samples wide
		 * (libjpeg does not upsample "fancily" below that) */
		if (w >= 5)
			assert_int_equal(off, 0);
		free(jpeg);
		for (int p = 0; p < 3; p++)
			img_release(&planes[p]);
		img_release(&a);
		img_release(&b);
		img_release(&lib);
		img_release(&rgb);
	}
}
