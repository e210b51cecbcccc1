/* Decoding, limits, orientation and encoding of every supported format. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "img/image.h"
#include "img/jpeg_markers.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

static const uint8_t *px(const struct img *im, int x, int y)
{
	return im->pixels + (size_t)y * im->stride + (size_t)x * im->channels;
}

static int near(int a, int b, int tol)
{
	return abs(a - b) <= tol;
}

static void decode_ok(const struct fx_buf *b, int channels, struct img *out, struct img_info *info)
{
	struct img_decode_opts o;
	struct wn_err err = { 0 };

	img_decode_opts_init(&o);
	o.channels = channels;
	if (img_decode(b->data, b->len, &o, out, info, &err))
		fail_msg("decode failed: %s", err.msg);
}

static enum wn_code decode_fails(const uint8_t *buf, size_t len, struct wn_err *err)
{
	struct img_decode_opts o;
	struct img out;

	img_decode_opts_init(&o);
	assert_int_equal(img_decode(buf, len, &o, &out, NULL, err), -1);
	assert_null(out.pixels);
	assert_true(err->msg[0] != '\0');
	assert_null(strchr(err->msg, '\n'));
	return err->code;
}

UNIT_TEST(test_sniff)
{
	assert_int_equal(img_sniff((const uint8_t *)"\xff\xd8\xff\xe0", 4), IMG_JPEG);
	assert_int_equal(img_sniff((const uint8_t *)"\x89PNG\r\n\x1a\n", 8), IMG_PNG);
	assert_int_equal(img_sniff((const uint8_t *)"GIF89a", 6), IMG_GIF);
	assert_int_equal(img_sniff((const uint8_t *)"RIFF\0\0\0\0WEBP", 12), IMG_WEBP);
	assert_int_equal(img_sniff((const uint8_t *)"RIFF\0\0\0\0WAVE", 12), IMG_UNKNOWN);
	assert_int_equal(img_sniff((const uint8_t *)"\xff\xd8", 2), IMG_UNKNOWN);
	assert_int_equal(img_sniff(NULL, 0), IMG_UNKNOWN);
}

UNIT_TEST(test_jpeg_roundtrip_and_info)
{
	struct img im = fx_pattern(97, 61, 3, 1), out;
	struct fx_buf b = fx_jpeg(&im, 95, 1);
	struct img_info info;
	long diff = 0;

	decode_ok(&b, 3, &out, &info);
	assert_int_equal(info.format, IMG_JPEG);
	assert_int_equal(out.width, 97);
	assert_int_equal(out.height, 61);
	assert_int_equal(info.orientation, 1);
	for (int y = 0; y < 61; y++)
		for (int x = 0; x < 97; x++)
			for (int c = 0; c < 3; c++)
				diff += abs(px(&out, x, y)[c] - px(&im, x, y)[c]);
	assert_true(diff / (97 * 61 * 3) < 4);
	img_release(&out);
	img_release(&im);
	fx_buf_free(&b);
}

/* A progressive encode leaves the next baseline ones as they were:
 * TurboJPEG 2.1.5 wrote broken files on a handle that once wrote a
 * progressive one (bad Huffman code, extraneous bytes). */
UNIT_TEST(test_jpeg_baseline_after_progressive)
{
	struct img im = fx_pattern(333, 271, 3, 5), out;
	struct img_decode_opts o;
	struct img_jpeg_opts jo;
	uint8_t *first = NULL, *prog = NULL, *again = NULL;
	size_t first_len = 0, prog_len = 0, again_len = 0;

	img_jpeg_opts_init(&jo);
	assert_int_equal(img_encode_jpeg(&im, &jo, &first, &first_len, NULL), 0);
	jo.progressive = 1;
	assert_int_equal(img_encode_jpeg(&im, &jo, &prog, &prog_len, NULL), 0);
	jo.progressive = 0;
	assert_int_equal(img_encode_jpeg(&im, &jo, &again, &again_len, NULL), 0);
	assert_int_equal(again_len, first_len);
	assert_memory_equal(again, first, first_len);
	img_decode_opts_init(&o);
	assert_int_equal(img_decode(prog, prog_len, &o, &out, NULL, NULL), 0);
	img_release(&out);
	assert_int_equal(img_decode(again, again_len, &o, &out, NULL, NULL), 0);
	img_release(&out);
	free(first);
	free(prog);
	free(again);
	img_release(&im);
}

/* The smallest DCT scale that covers the request: 800x600 asked for 32x32
 * gives 1/8 (100x75); asked for 300x300 gives 1/2 (400x300). */
UNIT_TEST(test_jpeg_shrink_on_load)
{
	struct img im = fx_pattern(800, 600, 3, 2), out;
	struct fx_buf b = fx_jpeg(&im, 90, 0);
	struct img_decode_opts o;
	struct img_info info;

	img_decode_opts_init(&o);
	o.min_width = o.min_height = 32;
	assert_int_equal(img_decode(b.data, b.len, &o, &out, &info, NULL), 0);
	assert_int_equal(out.width, 100);
	assert_int_equal(out.height, 75);
	assert_int_equal(info.width, 800);  /* info is the full image */
	img_release(&out);
	o.min_width = o.min_height = 300;
	assert_int_equal(img_decode(b.data, b.len, &o, &out, NULL, NULL), 0);
	assert_int_equal(out.width, 400);
	assert_int_equal(out.height, 300);
	img_release(&out);
	o.min_width = 801;  /* larger than the image: full size, never enlarged */
	assert_int_equal(img_decode(b.data, b.len, &o, &out, NULL, NULL), 0);
	assert_int_equal(out.width, 800);
	img_release(&out);
	o.min_width = o.min_height = 0;
	o.channels = 1;
	assert_int_equal(img_decode(b.data, b.len, &o, &out, NULL, NULL), 0);
	assert_int_equal(out.channels, 1);
	assert_int_equal(out.width, 800);
	img_release(&out);
	img_release(&im);
	fx_buf_free(&b);
}

/*
 * EXIF 2.3, Orientation: where the stored image's first row and first
 * column end up when displayed. We mark the stored top-left 8x8 block red
 * and the stored top-right block green, and check which displayed corner
 * holds each: TL, TR, BR, BL numbered 0..3.
 */
UNIT_TEST(test_exif_orientation_all_8)
{
	/* [orientation] = { corner of stored TL, corner of stored TR } */
	static const int expect[9][2] = {
		{ 0, 0 }, { 0, 1 }, { 1, 0 }, { 2, 3 }, { 3, 2 },
		{ 0, 3 }, { 1, 2 }, { 2, 1 }, { 3, 0 },
	};
	static const uint8_t grey[4] = { 128, 128, 128, 255 };
	struct img im = fx_solid(32, 16, 3, grey);

	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++) {
			uint8_t *r = im.pixels + (size_t)y * im.stride + (size_t)x * 3;
			uint8_t *g = im.pixels + (size_t)y * im.stride + (size_t)(24 + x) * 3;

			r[0] = 255; r[1] = 0; r[2] = 0;
			g[0] = 0; g[1] = 255; g[2] = 0;
		}
	struct fx_buf plain = fx_jpeg(&im, 95, 1);

	for (int be = 0; be <= 1; be++)
		for (int o = 1; o <= 8; o++) {
			struct fx_buf b = fx_add_exif(&plain, o, be);
			struct img out;
			struct img_info info;
			int corner_x[4], corner_y[4];

			decode_ok(&b, 3, &out, &info);
			assert_int_equal(info.orientation, o);
			assert_int_equal(out.width, o >= 5 ? 16 : 32);
			assert_int_equal(out.height, o >= 5 ? 32 : 16);
			assert_int_equal(info.width, out.width);
			corner_x[0] = 3; corner_y[0] = 3;
			corner_x[1] = out.width - 4; corner_y[1] = 3;
			corner_x[2] = out.width - 4; corner_y[2] = out.height - 4;
			corner_x[3] = 3; corner_y[3] = out.height - 4;
			const uint8_t *red = px(&out, corner_x[expect[o][0]], corner_y[expect[o][0]]);
			const uint8_t *green = px(&out, corner_x[expect[o][1]], corner_y[expect[o][1]]);

			if (!(red[0] > 200 && red[1] < 60) || !(green[1] > 200 && green[0] < 60))
				fail_msg("orientation %d (%s): red %d,%d,%d green %d,%d,%d", o,
					 be ? "MM" : "II", red[0], red[1], red[2],
					 green[0], green[1], green[2]);
			img_release(&out);
			fx_buf_free(&b);
		}
	fx_buf_free(&plain);
	img_release(&im);
}

UNIT_TEST(test_exif_parser_hostile)
{
	static const uint8_t short_tiff[] = "Exif\0\0MM\0\x2a\0\0\0\x08\0";
	static const uint8_t bad_offset[] = "Exif\0\0II\x2a\0\xff\xff\xff\x7f";
	static const uint8_t many[] = "Exif\0\0MM\0\x2a\0\0\0\x08\xff\xff";

	assert_int_equal(exif_orientation(short_tiff, sizeof(short_tiff) - 1), 1);
	assert_int_equal(exif_orientation(bad_offset, sizeof(bad_offset) - 1), 1);
	assert_int_equal(exif_orientation(many, sizeof(many) - 1), 1);
	assert_int_equal(exif_orientation((const uint8_t *)"Exif", 4), 1);
}

/* An Adobe CMYK JPEG holding pure red (no cyan, full magenta and yellow,
 * no black, stored inverted) must decode to red, not to its inverse. */
UNIT_TEST(test_cmyk_adobe)
{
	uint8_t cmyk[16 * 16 * 4];
	struct img out;
	struct img_info info;
	struct fx_buf b;

	for (int i = 0; i < 16 * 16; i++) {
		int left = (i % 16) < 8;

		/* left half red; right half 50% grey (K only, inverted 127) */
		cmyk[4 * i] = left ? 255 : 255;
		cmyk[4 * i + 1] = left ? 0 : 255;
		cmyk[4 * i + 2] = left ? 0 : 255;
		cmyk[4 * i + 3] = left ? 255 : 128;
	}
	b = fx_jpeg_cmyk(cmyk, 16, 16);
	decode_ok(&b, 3, &out, &info);
	assert_true(info.is_cmyk);
	const uint8_t *red = px(&out, 2, 8), *grey = px(&out, 13, 8);

	if (!(red[0] > 230 && red[1] < 25 && red[2] < 25))
		fail_msg("CMYK red decoded as %d,%d,%d", red[0], red[1], red[2]);
	if (!(near(grey[0], 128, 6) && near(grey[1], 128, 6) && near(grey[2], 128, 6)))
		fail_msg("CMYK grey decoded as %d,%d,%d", grey[0], grey[1], grey[2]);
	img_release(&out);
	fx_buf_free(&b);
}

UNIT_TEST(test_png_variants)
{
	struct img im = fx_pattern(33, 21, 3, 3), g = fx_pattern(33, 21, 1, 4);
	struct img rgba = fx_pattern(33, 21, 4, 5), out;
	struct fx_buf b;

	/* 16-bit and interlaced RGB are exact after decoding to 8 bits. */
	for (int depth = 8; depth <= 16; depth += 8)
		for (int il = 0; il <= 1; il++) {
			b = fx_png(&im, depth, il);
			decode_ok(&b, 3, &out, NULL);
			assert_int_equal(out.width, 33);
			assert_memory_equal(out.pixels, im.pixels, im.stride * 21);
			img_release(&out);
			fx_buf_free(&b);
		}
	/* Grey stays grey; decoded to one channel it is exact. */
	b = fx_png(&g, 8, 0);
	decode_ok(&b, 1, &out, NULL);
	assert_memory_equal(out.pixels, g.pixels, g.stride * 21);
	img_release(&out);
	fx_buf_free(&b);
	/* RGBA keeps alpha when asked for 4 channels. */
	b = fx_png(&rgba, 8, 1);
	decode_ok(&b, 4, &out, NULL);
	assert_memory_equal(out.pixels, rgba.pixels, rgba.stride * 21);
	img_release(&out);
	/* ... and flattens onto white when asked for 3: alpha 0 is white. */
	decode_ok(&b, 3, &out, NULL);
	assert_int_equal(px(&out, 0, 5)[0], 255);
	assert_int_equal(px(&out, 0, 5)[1], 255);
	assert_int_equal(px(&out, 32, 5)[0], px(&rgba, 32, 5)[0]);
	img_release(&out);
	fx_buf_free(&b);
	/* Palette with a transparent entry: stripe 0 is white, 1 is red. */
	b = fx_png_palette(32, 16);
	decode_ok(&b, 3, &out, NULL);
	assert_int_equal(px(&out, 2, 2)[0], 255);
	assert_int_equal(px(&out, 2, 2)[2], 255);
	assert_int_equal(px(&out, 10, 2)[0], 255);
	assert_int_equal(px(&out, 10, 2)[1], 0);
	img_release(&out);
	fx_buf_free(&b);
	img_release(&im);
	img_release(&g);
	img_release(&rgba);
}

UNIT_TEST(test_gif_first_frame)
{
	struct img out;
	struct img_info info;

	for (int il = 0; il <= 1; il++) {
		struct fx_buf b = fx_gif(32, 16, 3, il, 1);

		decode_ok(&b, 4, &out, &info);
		assert_int_equal(info.format, IMG_GIF);
		assert_int_equal(out.width, 32);
		assert_int_equal(out.height, 16);
		/* Frame 0: transparent left quarter, then row parity colours. */
		assert_int_equal(px(&out, 2, 0)[3], 0);
		assert_int_equal(px(&out, 20, 0)[0], 255);  /* colour 1: red */
		assert_int_equal(px(&out, 20, 0)[3], 255);
		assert_int_equal(px(&out, 20, 1)[1], 255);  /* colour 2: green */
		assert_int_equal(px(&out, 20, 9)[1], 255);
		img_release(&out);
		decode_ok(&b, 3, &out, NULL);               /* flattened: white */
		assert_int_equal(px(&out, 2, 0)[0], 255);
		assert_int_equal(px(&out, 2, 0)[1], 255);
		img_release(&out);
		fx_buf_free(&b);
	}
}

UNIT_TEST(test_webp)
{
	struct img rgba = fx_pattern(40, 30, 4, 9), rgb = fx_pattern(40, 30, 3, 10), out;
	struct fx_buf b = fx_webp(&rgba, 1);
	long diff = 0;

	decode_ok(&b, 4, &out, NULL);
	/* Lossless: exact wherever a pixel is visible (the encoder may
	 * rewrite the colour under alpha 0). */
	for (size_t i = 0; i < rgba.stride * 30; i += 4)
		if (rgba.pixels[i + 3])
			assert_memory_equal(out.pixels + i, rgba.pixels + i, 4);
		else
			assert_int_equal(out.pixels[i + 3], 0);
	img_release(&out);
	fx_buf_free(&b);
	b = fx_webp(&rgb, 0);
	decode_ok(&b, 3, &out, NULL);
	for (size_t i = 0; i < rgb.stride * 30; i++)
		diff += abs(out.pixels[i] - rgb.pixels[i]);
	assert_true(diff / (long)(rgb.stride * 30) < 8);
	img_release(&out);
	fx_buf_free(&b);
	img_release(&rgba);
	img_release(&rgb);
}

UNIT_TEST(test_bad_inputs)
{
	struct img im = fx_pattern(64, 48, 3, 11);
	struct fx_buf j = fx_jpeg(&im, 90, 0), p = fx_png(&im, 8, 0);
	static const char html[] = "<!DOCTYPE html><html>";
	struct wn_err err;

	assert_int_equal(decode_fails((const uint8_t *)"", 0, &err), WN_EFORMAT);
	assert_string_equal(err.msg, "empty file");
	assert_int_equal(decode_fails((const uint8_t *)html, sizeof(html) - 1, &err), WN_EFORMAT);
	assert_non_null(strstr(err.msg, "'<!DOCT'"));
	/* Every truncation of a JPEG and a PNG fails cleanly. */
	for (size_t cut = 0; cut < j.len - 2; cut += 7)
		decode_fails(j.data, cut, &err);
	for (size_t cut = 0; cut < p.len - 1; cut += 5)
		decode_fails(p.data, cut, &err);
	assert_int_equal(decode_fails(j.data, j.len / 2, &err), WN_ECORRUPT);
	assert_non_null(strstr(err.msg, "JPEG"));
	/* A GIF header claiming a large screen and then nothing: refused. */
	{
		static const uint8_t gif[] = "GIF89a\xff\xff\xf5\x05\x00\x00\x00;";

		assert_int_equal(decode_fails(gif, sizeof(gif) - 1, &err), WN_ECORRUPT);
		assert_non_null(strstr(err.msg, "GIF"));
	}
	fx_buf_free(&j);
	fx_buf_free(&p);
	img_release(&im);
}

/* A header claiming 60000x60000 is refused from the header, and a byte
 * limit applies before any decoding. */
UNIT_TEST(test_limits)
{
	struct img im = fx_pattern(64, 48, 3, 12), out;
	struct fx_buf b = fx_jpeg(&im, 90, 0);
	struct img_decode_opts o;
	struct img_info info;
	struct wn_err err;

	for (size_t i = 2; i + 9 < b.len; i++)
		if (b.data[i] == 0xff && b.data[i + 1] == 0xc0) {
			b.data[i + 5] = 0xea; b.data[i + 6] = 0x60;
			b.data[i + 7] = 0xea; b.data[i + 8] = 0x60;
			break;
		}
	img_decode_opts_init(&o);
	assert_int_equal(img_decode(b.data, b.len, &o, &out, NULL, &err), -1);
	assert_int_equal(err.code, WN_ELIMIT);
	assert_non_null(strstr(err.msg, "60000x60000"));
	assert_int_equal(img_read_info(b.data, b.len, &o.limits, &info, &err), -1);
	assert_int_equal(err.code, WN_ELIMIT);
	fx_buf_free(&b);

	b = fx_jpeg(&im, 90, 0);
	o.limits.max_bytes = b.len - 1;
	assert_int_equal(img_decode(b.data, b.len, &o, &out, NULL, &err), -1);
	assert_int_equal(err.code, WN_ELIMIT);
	o.limits.max_bytes = b.len;
	o.limits.max_pixels = 64 * 48 - 1;
	assert_int_equal(img_decode(b.data, b.len, &o, &out, NULL, &err), -1);
	assert_int_equal(err.code, WN_ELIMIT);
	o.limits.max_pixels = 64 * 48;
	assert_int_equal(img_decode(b.data, b.len, &o, &out, NULL, &err), 0);
	img_release(&out);
	fx_buf_free(&b);
	img_release(&im);
}

UNIT_TEST(test_encoders_roundtrip)
{
	struct img im = fx_pattern(50, 40, 3, 13), g = fx_pattern(50, 40, 1, 14), out;
	struct img_jpeg_opts jo;
	uint8_t *buf;
	size_t len;

	img_jpeg_opts_init(&jo);
	assert_int_equal(jo.quality, 90);
	assert_int_equal(jo.subsampling, 420);
	for (int prog = 0; prog <= 1; prog++) {
		jo.progressive = prog;
		assert_int_equal(img_encode_jpeg(&im, &jo, &buf, &len, NULL), 0);
		struct fx_buf b = { buf, len };

		decode_ok(&b, 3, &out, NULL);
		assert_int_equal(out.width, 50);
		img_release(&out);
		fx_buf_free(&b);
	}
	assert_int_equal(img_encode_jpeg(&g, &jo, &buf, &len, NULL), 0);
	free(buf);
	jo.quality = 0;
	assert_int_equal(img_encode_jpeg(&im, &jo, &buf, &len, NULL), -1);
	assert_int_equal(img_encode_png(&im, &buf, &len, NULL), 0);
	{
		struct fx_buf b = { buf, len };

		decode_ok(&b, 3, &out, NULL);
		assert_memory_equal(out.pixels, im.pixels, im.stride * 40);
		img_release(&out);
		fx_buf_free(&b);
	}
	assert_int_equal(img_encode_webp(&g, 80, 0, &buf, &len, NULL), 0);
	free(buf);
	img_release(&im);
	img_release(&g);
}

UNIT_TEST(test_load_file_names_path)
{
	struct img_decode_opts o;
	struct img out;
	struct wn_err err;

	img_decode_opts_init(&o);
	assert_int_equal(img_load_file("/nonexistent/x.jpg", &o, &out, NULL, &err), -1);
	assert_int_equal(err.code, WN_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/x.jpg: "));
}

/*
 * Seeded mutations of a valid file of each format (bytes flipped, runs
 * overwritten, cuts): every decode returns 0 or -1 with a message, never
 * crashes. Under ASan/UBSan this is a small deterministic fuzzer.
 */
UNIT_TEST(test_mutations)
{
	struct img im = fx_pattern(48, 40, 3, 31), rgba = fx_pattern(30, 20, 4, 32);
	struct fx_buf seeds[6], exif;
	struct img_decode_opts o;
	uint64_t s = 12345;
	struct fx_buf j;

	j = fx_jpeg(&im, 80, 0);
	exif = fx_add_exif(&j, 6, 1);
	seeds[0] = j;
	seeds[1] = exif;
	seeds[2] = fx_png(&rgba, 16, 1);
	seeds[3] = fx_gif(24, 16, 2, 1, 1);
	seeds[4] = fx_webp(&rgba, 1);
	seeds[5] = fx_webp(&im, 0);
	img_decode_opts_init(&o);
	for (int k = 0; k < 6; k++) {
		uint8_t *buf = malloc(seeds[k].len);

		for (int round = 0; round < 400; round++) {
			size_t len = seeds[k].len;
			int edits = 1 + (int)(fx_rand(&s) % 4);
			struct img out;
			struct wn_err err;

			memcpy(buf, seeds[k].data, len);
			for (int e = 0; e < edits; e++) {
				size_t at = fx_rand(&s) % len;

				switch (fx_rand(&s) % 3) {
				case 0: buf[at] ^= (uint8_t)(1u << (fx_rand(&s) % 8)); break;
				case 1: buf[at] = (uint8_t)fx_rand(&s); break;
				default: len = at > 4 ? at : len; break;
				}
			}
			o.min_width = o.min_height = (round % 2) ? 8 : 0;
			o.channels = 1 + 2 * (round % 2) + (round % 3 == 0);
			wn_err_clear(&err);
			if (img_decode(buf, len, &o, &out, NULL, &err) == 0)
				img_release(&out);
			else
				assert_true(err.msg[0] != '\0');
		}
		free(buf);
		fx_buf_free(&seeds[k]);
	}
	img_release(&im);
	img_release(&rgba);
}
