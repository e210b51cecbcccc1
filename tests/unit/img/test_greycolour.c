/* img_decode_grey_colour(): its grey is img_decode()'s grey to the bit
 * (the fingerprints depend on it), in every format and JPEG kind, and its
 * colour is the picture's colour. */
#include <stdlib.h>
#include <string.h>

#include "img/img.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static void fingerprint_opts(struct img_decode_opts *o)
{
	img_decode_opts_init(o);
	o->channels = 1;
	o->min_width = 32;
	o->min_height = 32;
}

/* Decodes b both ways: the greys must match; returns the colour. */
static struct img both(const struct fx_buf *b, int want_colour)
{
	struct img_decode_opts o;
	struct img plain, grey, colour;
	struct img_info a, c;

	fingerprint_opts(&o);
	assert_int_equal(img_decode(b->data, b->len, &o, &plain, &a, NULL), 0);
	assert_int_equal(img_decode_grey_colour(b->data, b->len, &o, &grey, &colour, &c, NULL), 0);
	assert_int_equal(grey.channels, 1);
	assert_int_equal(grey.width, plain.width);
	assert_int_equal(grey.height, plain.height);
	for (int y = 0; y < grey.height; y++)
		assert_memory_equal(grey.pixels + (size_t)y * grey.stride,
				    plain.pixels + (size_t)y * plain.stride, (size_t)grey.width);
	assert_memory_equal(&a, &c, sizeof(a));
	if (want_colour) {
		assert_non_null(colour.pixels);
		assert_int_equal(colour.channels, 3);
		assert_true(colour.width <= grey.width && colour.width >= grey.width / 2);
		assert_true(colour.height <= grey.height && colour.height >= grey.height / 2);
	} else {
		assert_null(colour.pixels);
	}
	img_release(&plain);
	img_release(&grey);
	return colour;
}

UNIT_TEST(test_grey_is_the_grey_decode_in_every_kind)
{
	struct img rgb = fx_pattern(300, 170, 3, 5), rgba = fx_pattern(90, 70, 4, 6);
	struct img grey = fx_pattern(120, 80, 1, 7), c;
	struct fx_buf b[] = {
		fx_jpeg(&rgb, 85, 0), fx_jpeg(&rgb, 90, 1), fx_jpeg(&grey, 80, 0),
		fx_png(&rgba, 8, 0), fx_png(&rgb, 16, 1), fx_webp(&rgb, 0), fx_webp(&rgba, 1),
		fx_gif(40, 30, 1, 0, 1),
	};
	struct fx_buf turned = fx_add_exif(&b[0], 6, 0);

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		c = both(&b[i], i != 2);
		img_release(&c);
		fx_buf_free(&b[i]);
	}
	c = both(&turned, 1);
	/* turned like the grey: 170 x 300 at 1/4 scale, chroma half that */
	assert_int_equal(c.width, 22);
	assert_int_equal(c.height, 38);
	img_release(&c);
	fx_buf_free(&turned);
	img_release(&rgb);
	img_release(&rgba);
	img_release(&grey);
}

UNIT_TEST(test_cmyk_jpeg_grey_is_the_grey_decode)
{
	uint8_t cmyk[64 * 48 * 4];
	struct fx_buf b;
	struct img c;

	for (size_t i = 0; i < sizeof(cmyk); i++)
		cmyk[i] = (uint8_t)(i * 7 % 251);
	b = fx_jpeg_cmyk(cmyk, 64, 48);
	c = both(&b, 1);
	img_release(&c);
	fx_buf_free(&b);
}

/* The colour of a JPEG is its colour, within JPEG's error; grey stored as
 * RGB stays grey. */
UNIT_TEST(test_colour_of_a_jpeg)
{
	static const uint8_t orange[4] = { 230, 120, 30, 255 }, mid[4] = { 128, 128, 128, 255 };
	struct img solid = fx_solid(64, 64, 3, orange), grey = fx_pattern(64, 64, 1, 3), rgb, c;
	struct fx_buf b = fx_jpeg(&solid, 95, 0), g;

	c = both(&b, 1);
	for (int i = 0; i < 3; i++)
		assert_true(abs(c.pixels[i] - orange[i]) <= 3);
	img_release(&c);
	fx_buf_free(&b);
	assert_int_equal(img_convert_to(&grey, 3, mid, &rgb, NULL), 0);
	g = fx_jpeg(&rgb, 75, 0);
	c = both(&g, 1);
	for (int y = 0; y < c.height; y++)
		for (int x = 0; x < c.width; x++) {
			const uint8_t *p = c.pixels + (size_t)y * c.stride + (size_t)x * 3;

			assert_int_equal(p[0], p[1]);
			assert_int_equal(p[1], p[2]);
		}
	img_release(&c);
	fx_buf_free(&g);
	img_release(&solid);
	img_release(&grey);
	img_release(&rgb);
}

UNIT_TEST(test_errors_leave_both_empty)
{
	static const uint8_t junk[] = "<html>not an image</html>";
	struct img_decode_opts o;
	struct img grey, colour;
	struct img rgb = fx_pattern(100, 80, 3, 9);
	struct fx_buf b = fx_jpeg(&rgb, 85, 0);
	struct wn_err err;

	fingerprint_opts(&o);
	assert_int_equal(img_decode_grey_colour(junk, sizeof(junk), &o, &grey, &colour, NULL, &err),
			 -1);
	assert_int_equal(err.code, WN_EFORMAT);
	assert_null(grey.pixels);
	assert_null(colour.pixels);
	/* cut in the middle of the scan */
	assert_int_equal(img_decode_grey_colour(b.data, b.len / 2, &o, &grey, &colour, NULL,
						&err), -1);
	assert_int_equal(err.code, WN_ECORRUPT);
	assert_null(grey.pixels);
	assert_null(colour.pixels);
	fx_buf_free(&b);
	img_release(&rgb);
}
