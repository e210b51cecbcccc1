/* img_decode_grey_colour_dct(): a JPEG made from its DCT coefficients is
 * the plain decode (img_decode_grey_colour()) to the bit, grey and colour,
 * over JPEGs of many kinds written by ImageMagick and by libjpeg-turbo
 * (baseline, progressive, arithmetic, restart markers, grey, 4:4:4, 4:2:2,
 * 4:2:0, 4:1:1, 4:4:0, quality 1 to 100, odd sizes, EXIF turns), and
 * what falls back to the plain decode still decodes the same. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#include "img/img.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

UNIT_GROUP(fx_dir_setup, fx_dir_teardown);

static void fingerprint_opts(struct img_decode_opts *o)
{
	img_decode_opts_init(o);
	o->channels = 1;
	o->min_width = 32;
	o->min_height = 32;
}

static void assert_same_img(const struct img *a, const struct img *b)
{
	assert_int_equal(a->width, b->width);
	assert_int_equal(a->height, b->height);
	assert_int_equal(a->channels, b->channels);
	assert_true((a->pixels == NULL) == (b->pixels == NULL));
	for (int y = 0; a->pixels && y < a->height; y++)
		assert_memory_equal(a->pixels + (size_t)y * a->stride,
				    b->pixels + (size_t)y * b->stride, (size_t)a->width * a->channels);
}

/* The luma statistics of buf from libjpeg's coefficient API, summed in
 * doubles over every step-th block column: what
 * img_decode_grey_colour_dct() must report. buf decodes. */
static void reference_stats(const uint8_t *buf, size_t len, unsigned step,
			    struct img_dct_stats *st)
{
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr e;
	jvirt_barray_ptr *arrays;
	const jpeg_component_info *luma;

	memset(st, 0, sizeof(*st));
	d.err = jpeg_std_error(&e);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, buf, (unsigned long)len);
	jpeg_read_header(&d, TRUE);
	arrays = jpeg_read_coefficients(&d);
	luma = &d.comp_info[0];
	for (JDIMENSION by = 0; by < luma->height_in_blocks; by++) {
		JBLOCKARRAY row = d.mem->access_virt_barray((j_common_ptr)&d, arrays[0], by, 1, FALSE);

		for (JDIMENSION bx = 0; bx < luma->width_in_blocks; bx += step, st->blocks++)
			for (int k = 1; k < 64; k++) {
				double c = row[0][bx][k] * (double)luma->quant_table->quantval[k];

				st->energy[k] += c * c;
			}
	}
	for (int k = 0; k < 64; k++)
		st->quant[k] = luma->quant_table->quantval[k];
	st->column_step = step;
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
}

/* The column step image.h promises for buf's luma: the least power of
 * two up to 64 keeping at most 512 blocks, or one column. */
static unsigned sample_step(const uint8_t *buf, size_t len)
{
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr e;
	uint64_t w, h;
	unsigned step = 1;

	d.err = jpeg_std_error(&e);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, buf, (unsigned long)len);
	jpeg_read_header(&d, TRUE);
	jpeg_calc_output_dimensions(&d);
	w = d.comp_info[0].width_in_blocks;
	h = d.comp_info[0].height_in_blocks;
	jpeg_destroy_decompress(&d);
	while (step < 64 && (w * h + step - 1) / step > 512 && 2 * step <= w)
		step *= 2;
	return step;
}

/* dct as the coefficient API says, the sums within float rounding. */
static void assert_stats(const uint8_t *buf, size_t len, const struct img_dct_stats *dct,
			 const char *what)
{
	struct img_dct_stats ref;

	reference_stats(buf, len, dct->column_step, &ref);
	assert_int_equal(dct->column_step, sample_step(buf, len));
	assert_int_equal(dct->blocks, ref.blocks);
	assert_memory_equal(dct->quant, ref.quant, sizeof(ref.quant));
	for (int k = 1; k < 64; k++)
		if (fabs(dct->energy[k] - ref.energy[k]) > 1e-5 * ref.energy[k])
			fail_msg("%s: energy[%d] %g, the coefficients say %g", what, k, dct->energy[k],
				 ref.energy[k]);
}

/* The column step of the last statistics both() checked. */
static unsigned last_step;

/* Decodes buf both ways and compares, and the statistics against the
 * coefficient API's; returns whether there were any (dct.blocks > 0). */
static int both(const uint8_t *buf, size_t len, const char *what)
{
	struct img_decode_opts o;
	struct img g1, c1, g2, c2;
	struct img_info i1, i2;
	struct img_dct_stats dct;
	struct wn_err e1, e2;
	int r1, r2;

	fingerprint_opts(&o);
	r1 = img_decode_grey_colour(buf, len, &o, &g1, &c1, &i1, &e1);
	r2 = img_decode_grey_colour_dct(buf, len, &o, &g2, &c2, &i2, &dct, &e2);
	if (r1 != r2)
		fail_msg("%s: plain %d (%s), coefficients %d (%s)", what, r1, r1 ? e1.msg : "",
			 r2, r2 ? e2.msg : "");
	if (r1) {
		assert_string_equal(e1.msg, e2.msg);
		assert_int_equal(e1.code, e2.code);
		assert_int_equal(dct.blocks, 0);
		return 0;
	}
	assert_memory_equal(&i1, &i2, sizeof(i1));
	assert_same_img(&g1, &g2);
	assert_same_img(&c1, &c2);
	img_release(&g1);
	img_release(&c1);
	img_release(&g2);
	img_release(&c2);
	if (dct.blocks > 0)
		assert_stats(buf, len, &dct, what);
	last_step = dct.column_step;
	return dct.blocks > 0;
}

static struct fx_buf read_all(const char *path)
{
	struct fx_buf b = { 0 };
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	b.len = (size_t)ftell(f);
	rewind(f);
	b.data = malloc(b.len + 1);
	assert_non_null(b.data);
	assert_int_equal(fread(b.data, 1, b.len, f), b.len);
	fclose(f);
	return b;
}

/* A picture with detail in every frequency, and black and white fields
 * whose DCs clip at low quality. */
static struct img busy(int w, int h, uint64_t seed)
{
	return fx_busy(w, h, seed, 20, 6);
}

/* ImageMagick's writes of one PNG, each with its options. */
static const struct {
	const char *name, *opts;
	int coef;  /* decoded from the coefficients */
} magick[] = {
	{ "baseline-420", "-quality 85", 1 },
	{ "baseline-444", "-quality 92 -sampling-factor 1x1", 1 },
	{ "baseline-422", "-quality 80 -sampling-factor 2x1", 1 },
	{ "baseline-440", "-quality 80 -sampling-factor 1x2", 1 },
	{ "baseline-411", "-quality 75 -sampling-factor 4x1", 1 },
	{ "optimized", "-quality 90 -define jpeg:optimize-coding=true", 1 },
	{ "progressive-420", "-quality 85 -interlace JPEG", 1 },
	{ "progressive-444", "-quality 95 -interlace JPEG -sampling-factor 1x1", 1 },
	{ "grey", "-colorspace Gray -quality 85", 1 },
	{ "grey-progressive", "-colorspace Gray -quality 70 -interlace JPEG", 1 },
	{ "quality-1", "-quality 1", 1 },
	{ "quality-100", "-quality 100 -sampling-factor 1x1", 1 },
	{ "cmyk", "-colorspace CMYK -quality 85", 0 },
};

static const int sizes[][2] = { { 640, 480 }, { 257, 263 }, { 1001, 259 }, { 259, 1001 },
				{ 301, 517 }, { 200, 150 } };

UNIT_TEST(test_coefficients_are_the_plain_decode_for_magick_jpegs)
{
	char src[4096], out[4096], cmd[16384];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct img im = busy(sizes[s][0], sizes[s][1], 11 + s);
		struct fx_buf png = fx_png(&im, 8, 0);

		snprintf(src, sizeof(src), "%s/src%zu.png", fx_dir, s);
		fx_write(src, png.data, png.len);
		for (size_t i = 0; i < sizeof(magick) / sizeof(magick[0]); i++) {
			struct fx_buf b, turned;
			/* below 249 px a side the fingerprint decodes at 1/4 */
			int eighth = sizes[s][0] >= 256 && sizes[s][1] >= 256;

			snprintf(out, sizeof(out), "%s/%s-%zu.jpg", fx_dir, magick[i].name, s);
			snprintf(cmd, sizeof(cmd), "convert '%s' %s '%s'", src, magick[i].opts, out);
			assert_int_equal(system(cmd), 0);
			b = read_all(out);
			assert_int_equal(both(b.data, b.len, out), magick[i].coef && eighth);
			turned = fx_add_exif(&b, (int)(i % 8) + 1, (int)(i % 2));
			assert_int_equal(both(turned.data, turned.len, out), magick[i].coef && eighth);
			fx_buf_free(&turned);
			fx_buf_free(&b);
		}
		fx_buf_free(&png);
		img_release(&im);
	}
}

/* libjpeg-turbo's encoder takes restart intervals and arithmetic coding
 * from the environment (TJ_RESTART, TJ_ARITHMETIC). Progressive files go
 * last: after one, TurboJPEG 2.1.5's compressor writes broken baseline
 * files on the same handle. */
UNIT_TEST(test_coefficients_are_the_plain_decode_for_restarts_and_arithmetic)
{
	static const char *const env[][2] = {
		{ "TJ_RESTART", "1B" }, { "TJ_RESTART", "3B" }, { "TJ_RESTART", "1" },
		{ "TJ_OPTIMIZE", "1" }, { "TJ_ARITHMETIC", "1" },
	};
	struct img im = busy(333, 271, 5);

	for (int prog = 0; prog < 2; prog++) {
		for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
			for (int sub = 0; sub < 3; sub++) {
				struct img_jpeg_opts jo;
				uint8_t *buf = NULL;
				size_t len = 0;

				img_jpeg_opts_init(&jo);
				jo.quality = 60 + 15 * sub;
				jo.subsampling = sub == 0 ? 420 : sub == 1 ? 422 : 444;
				jo.progressive = prog;
				assert_int_equal(setenv(env[i][0], env[i][1], 1), 0);
				assert_int_equal(img_encode_jpeg(&im, &jo, &buf, &len, NULL), 0);
				unsetenv(env[i][0]);
				assert_int_equal(both(buf, len, env[i][1]), 1);
				free(buf);
			}
	}
	img_release(&im);
}

/* Large pictures are sampled: a tall narrow one every 32nd block column
 * (its 63 columns allow no more), a wide one every 64th (the most).
 * ImageMagick writes them. */
UNIT_TEST(test_large_jpegs_sum_a_sample_of_columns)
{
	static const int dims[2][3] = { { 504, 8330, 32 }, { 4096, 2050, 64 } };
	char out[4096], cmd[8192];

	for (int i = 0; i < 2; i++) {
		struct fx_buf b;

		snprintf(out, sizeof(out), "%s/large-%d.jpg", fx_dir, i);
		snprintf(cmd, sizeof(cmd), "convert -size %dx%d pattern:hexagons -quality 90 '%s'",
			 dims[i][0], dims[i][1], out);
		assert_int_equal(system(cmd), 0);
		b = read_all(out);
		assert_int_equal(both(b.data, b.len, out), 1);
		assert_int_equal(last_step, dims[i][2]);
		fx_buf_free(&b);
	}
}

/* Cut or damaged files fail both ways with the same words; a cut
 * progressive file, which libjpeg would smooth, fails both ways too. */
UNIT_TEST(test_broken_jpegs_fail_the_same_both_ways)
{
	struct img im = busy(400, 300, 9);
	struct img_jpeg_opts jo;
	uint8_t *buf = NULL;
	size_t len = 0;

	for (int prog = 0; prog < 2; prog++) {
		img_jpeg_opts_init(&jo);
		jo.progressive = prog;
		assert_int_equal(img_encode_jpeg(&im, &jo, &buf, &len, NULL), 0);
		for (size_t cut = 2; cut < len; cut += len / 7)
			assert_int_equal(both(buf, cut, "cut"), 0);
		/* bytes of the scan turned to junk */
		for (size_t at = len / 3; at < len - 2; at += len / 5) {
			uint8_t keep[2] = { buf[at], buf[at + 1] };

			buf[at] = 0xFF;
			buf[at + 1] = 0xD9;
			(void)both(buf, len, "junk");
			memcpy(buf + at, keep, 2);
		}
		free(buf);
	}
	img_release(&im);
}

#define NEVER 1000

/* buf cut before each of its scans but the first, an EOI put in its
 * place: each such file decodes to the bit as the plain decode does
 * (both() says so), with luma statistics only when scan number
 * stats_from (from 0; NEVER) came before the cut.
 * @return the number of scans buf holds. */
static int ended_early_same(const uint8_t *buf, size_t len, int stats_from, const char *what)
{
	uint8_t *cut = malloc(len + 2);
	int scans = 0;

	assert_non_null(cut);
	for (size_t at = 2; at + 1 < len; at++) {
		if (buf[at] != 0xFF || buf[at + 1] != 0xDA || !scans++)
			continue;
		memcpy(cut, buf, at);
		cut[at] = 0xFF;
		cut[at + 1] = 0xD9;
		assert_int_equal(both(cut, at + 2, what), scans - 1 > stats_from);
	}
	free(cut);
	return scans;
}

/* A progressive file that ends (EOI) before its last scans is whole to
 * libjpeg, which then smooths its blocks: the same pixels both ways, and
 * no statistics (smoothing makes up coefficients the file lacks). */
UNIT_TEST(test_progressive_file_ended_early_is_the_plain_decode)
{
	struct img im = busy(400, 300, 13);
	struct img_jpeg_opts jo;
	uint8_t *buf = NULL;
	size_t len = 0;

	img_jpeg_opts_init(&jo);
	jo.progressive = 1;
	assert_int_equal(img_encode_jpeg(&im, &jo, &buf, &len, NULL), 0);
	assert_true(ended_early_same(buf, len, NEVER, "ended early") > 3);
	assert_int_equal(both(buf, len, "whole"), 1);
	free(buf);
	img_release(&im);
}

/* A JPEG of three sequential scans, one a component (not progressive),
 * in the order of components given, 1024x768 4:2:0, in *out (malloc'd by
 * libjpeg). */
static void three_scans(const int order[3], unsigned char **out, unsigned long *len)
{
	static jpeg_scan_info scans[3];
	static unsigned char row[1024 * 3];
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;

	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, out, len);
	c.image_width = 1024;
	c.image_height = 768;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	for (int i = 0; i < 3; i++)
		scans[i] = (jpeg_scan_info){ 1, { order[i] }, 0, 63, 0, 0 };
	c.scan_info = scans;
	c.num_scans = 3;
	jpeg_start_compress(&c, TRUE);
	for (int y = 0; y < 768; y++) {
		JSAMPROW r = row;

		for (int x = 0; x < 1024 * 3; x++)
			row[x] = (unsigned char)(x * 3 + y * 5);
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
}

/* A file of several sequential scans, one a component (not progressive)
 * in the orders given, and cut (EOI, no warning) before each scan but the
 * first: the same pixels both ways, and luma statistics once luma's scan
 * came. Cut before luma's first scan, libjpeg never latched luma's
 * quantisation table (once read through, NULL): no statistics, no crash. */
UNIT_TEST(test_sequential_scans_ended_early_are_the_plain_decode)
{
	static const int orders[2][3] = { { 0, 1, 2 }, { 2, 1, 0 } };

	for (int i = 0; i < 2; i++) {
		unsigned char *buf = NULL;
		unsigned long len = 0;
		int luma_scan = orders[i][0] == 0 ? 0 : 2;

		three_scans(orders[i], &buf, &len);
		assert_int_equal(ended_early_same(buf, len, luma_scan, "sequential scans ended early"),
				 3);
		assert_int_equal(both(buf, len, "three sequential scans"), 1);
		free(buf);
	}
}
