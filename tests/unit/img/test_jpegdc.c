/* jpeg_dc_planes(), our own entropy decoder at 1/8: it takes the common
 * sequential files (every sampling, grey, restart markers, optimised
 * tables) and leaves the rest to libjpeg; whatever it takes is libjpeg's
 * raw decode to the bit, planes and statistics, and a damaged file ends
 * the same both ways (jpeg_coef_planes() against
 * jpeg_coef_planes_libjpeg()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <turbojpeg.h>

#include "img/img.h"
#include "img/jpeg_coef.h"
#include "img/jpeg_dc.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

UNIT_GROUP(NULL, NULL);

static void count_block(void *data)
{
	(*(int *)data)++;
}

/* The 1/8 size of buf from its header. */
static void eighth(const uint8_t *buf, size_t len, int *w, int *hh)
{
	tjhandle h = tjInitDecompress();
	int width = 0, height = 0, ss, cs;

	assert_non_null(h);
	if (tjDecompressHeader3(h, buf, (unsigned long)len, &width, &height, &ss, &cs))
		width = height = 8;  /* a damaged header: any size will do */
	tjDestroy(h);
	*w = (width + 7) / 8;
	*hh = (height + 7) / 8;
}

/* Whether our decoder takes buf. */
static int taken(const uint8_t *buf, size_t len)
{
	struct img planes[3];
	struct wn_err err;
	uint16_t quant[64];
	float acc[64] = { 0 };
	unsigned step;
	int w, hh, ss, blocks = 0, r;

	eighth(buf, len, &w, &hh);
	r = jpeg_dc_planes(buf, len, w, hh, planes, &ss, acc, count_block, &blocks, &step, quant,
			   &err);
	assert_true(r == 0 || r == 1);
	for (int i = 0; i < 3; i++)
		img_release(&planes[i]);
	if (r == 0)
		assert_true(blocks > 0);
	return r == 0;
}

/* buf through jpeg_coef_planes() and libjpeg alone: the same outcome,
 * planes and statistics to the bit. @return whether it decoded. */
static int same_both_ways(const uint8_t *buf, size_t len)
{
	struct img a[3], b[3];
	struct img_dct_stats sa, sb;
	struct wn_err ea = { 0 }, eb = { 0 };
	int w, hh, ssa = -1, ssb = -1, ra, rb;

	eighth(buf, len, &w, &hh);
	ra = jpeg_coef_planes(buf, len, w, hh, a, &ssa, &sa, &ea);
	rb = jpeg_coef_planes_libjpeg(buf, len, w, hh, b, &ssb, &sb, &eb);
	assert_int_equal(ra, rb);
	if (ra < 0) {
		assert_string_equal(ea.msg, eb.msg);
		return 0;
	}
	if (ra > 0)
		return 0;
	assert_int_equal(ssa, ssb);
	assert_memory_equal(&sa, &sb, sizeof(sa));
	for (int i = 0; i < (ssa == TJSAMP_GRAY ? 1 : 3); i++) {
		assert_int_equal(a[i].width, b[i].width);
		assert_int_equal(a[i].height, b[i].height);
		for (int y = 0; y < a[i].height; y++)
			assert_memory_equal(a[i].pixels + (size_t)y * a[i].stride,
					    b[i].pixels + (size_t)y * b[i].stride, (size_t)a[i].width);
	}
	for (int i = 0; i < 3; i++) {
		img_release(&a[i]);
		img_release(&b[i]);
	}
	return 1;
}

/* A picture with detail in every frequency, and black and white fields
 * whose DCs clip at low quality. */
static struct img busy(int w, int h, uint64_t seed)
{
	return fx_busy(w, h, seed, 30, 5);
}

enum { PLAIN, PROGRESSIVE, ARITHMETIC, THREE_SCANS };

/* A JPEG of im by libjpeg's encoder (malloc'd, *len bytes): quality, the
 * luma sampling (chroma 1x1) or grey, a restart interval of `restart` MCUs
 * (0: none), optimised Huffman tables or not, and the kind of file (one
 * of the enum). TurboJPEG's own encoder takes these from the environment
 * and keeps them on its handle. */
static uint8_t *encode_kind(const struct img *im, int quality, int h, int v, int grey,
			    int restart, int optimize, int kind, size_t *len)
{
	static jpeg_scan_info scans[3];
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *out = NULL;
	unsigned long size = 0;
	uint8_t *row = malloc((size_t)im->width * 3);

	assert_non_null(row);
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &size);
	c.image_width = (JDIMENSION)im->width;
	c.image_height = (JDIMENSION)im->height;
	c.input_components = grey ? 1 : 3;
	c.in_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	if (!grey) {
		c.comp_info[0].h_samp_factor = h;
		c.comp_info[0].v_samp_factor = v;
	}
	c.restart_interval = (unsigned)restart;
	c.optimize_coding = optimize;
	if (kind == PROGRESSIVE)
		jpeg_simple_progression(&c);
	c.arith_code = kind == ARITHMETIC;
	if (kind == THREE_SCANS && !grey) {
		for (int i = 0; i < 3; i++)
			scans[i] = (jpeg_scan_info){ 1, { i }, 0, 63, 0, 0 };
		c.scan_info = scans;
		c.num_scans = 3;
	}
	jpeg_start_compress(&c, TRUE);
	for (int y = 0; y < im->height; y++) {
		const uint8_t *p = im->pixels + (size_t)y * im->stride;
		JSAMPROW r = row;

		for (int x = 0; x < im->width; x++)
			if (grey)
				row[x] = (uint8_t)((p[3 * x] * 77 + p[3 * x + 1] * 150 + p[3 * x + 2] * 29) >> 8);
			else
				memcpy(row + 3 * x, p + 3 * x, 3);
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	*len = size;
	return out;
}

static uint8_t *encode(const struct img *im, int quality, int h, int v, int grey, int restart,
		       int optimize, size_t *len)
{
	return encode_kind(im, quality, h, v, grey, restart, optimize, PLAIN, len);
}

static const int sizes[][2] = { { 333, 271 }, { 257, 1001 }, { 1024, 640 }, { 265, 265 } };
static const int subs[][2] = { { 2, 2 }, { 2, 1 }, { 1, 1 }, { 1, 2 }, { 4, 1 } };

UNIT_TEST(test_sequential_files_are_taken_and_the_same)
{
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct img im = busy(sizes[s][0], sizes[s][1], 3 + s);

		for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]) + 1; i++) {
			int grey = i == sizeof(subs) / sizeof(subs[0]);
			int restart = s % 2 ? (i % 2 ? 1 : 7) : 0;
			size_t len;
			uint8_t *buf = encode(&im, 20 + 15 * (int)i, grey ? 1 : subs[i][0],
					      grey ? 1 : subs[i][1], grey, restart,
					      (int)(s + i) % 3 == 0, &len);

			assert_true(taken(buf, len));
			assert_true(same_both_ways(buf, len));
			free(buf);
		}
		img_release(&im);
	}
}

/* Progressive and arithmetic files, a file of one scan a component and a
 * CMYK one go to libjpeg. */
UNIT_TEST(test_other_files_are_left_to_libjpeg)
{
	struct img im = busy(300, 200, 7);
	uint8_t cmyk[64 * 48 * 4];
	struct fx_buf b;

	for (int kind = PROGRESSIVE; kind <= THREE_SCANS; kind++) {
		size_t len;
		uint8_t *buf = encode_kind(&im, 80, 2, 2, 0, 0, 0, kind, &len);

		assert_false(taken(buf, len));
		assert_true(same_both_ways(buf, len) || kind != THREE_SCANS);
		free(buf);
	}
	for (size_t i = 0; i < sizeof(cmyk); i++)
		cmyk[i] = (uint8_t)(i * 7);
	b = fx_jpeg_cmyk(cmyk, 64, 48);
	assert_false(taken(b.data, b.len));
	fx_buf_free(&b);
	img_release(&im);
}

/* Damage of every kind, in the header and in the scan: cut short, bytes
 * changed, a marker put in, restart markers renumbered. Whatever our
 * decoder takes is what libjpeg makes of it; what it leaves, libjpeg
 * decides. */
UNIT_TEST(test_damaged_files_end_the_same_both_ways)
{
	struct img im = busy(200, 176, 21);
	uint64_t seed = 99;
	int decoded = 0, tried = 0;

	for (int kind = 0; kind < 4; kind++) {
		size_t len;
		uint8_t *buf = encode(&im, 50 + 10 * kind, 2, kind % 2 ? 1 : 2, kind == 3,
				      kind >= 2 ? 1 : 0, kind == 1, &len);
		uint8_t *cut = malloc(len);

		assert_non_null(cut);
		for (size_t at = 2; at < len; at += 1 + len / 61, tried++)
			decoded += same_both_ways(buf, at);
		for (int n = 0; n < 400; n++, tried++) {
			size_t at = 2 + fx_rand(&seed) % (len - 2);

			memcpy(cut, buf, len);
			switch (n % 4) {
			case 0: cut[at] = (uint8_t)fx_rand(&seed); break;
			case 1: cut[at] ^= (uint8_t)(1u << (fx_rand(&seed) % 8)); break;
			case 2:
				if (at + 1 < len) {
					cut[at] = 0xFF;
					cut[at + 1] = (uint8_t)(0xD0 + fx_rand(&seed) % 10);
				}
				break;
			default:
				/* a restart marker's number changed */
				for (size_t i = at; i + 1 < len; i++)
					if (cut[i] == 0xFF && cut[i + 1] >= 0xD0 && cut[i + 1] <= 0xD7) {
						cut[i + 1] = (uint8_t)(0xD0 + (cut[i + 1] - 0xD0 + 3) % 8);
						break;
					}
			}
			decoded += same_both_ways(cut, len);
		}
		free(cut);
		free(buf);
	}
	/* some damage still decodes (changed bits in the scan) */
	assert_true(decoded > 0 && decoded < tried);
	img_release(&im);
}

/* Files of many encoders in turn: each file's AC tables are its own
 * (optimised), more of them than a thread keeps built for reading
 * several symbols at once, and files come back after theirs were put
 * out; each decode is still libjpeg's. */
UNIT_TEST(test_tables_of_many_files_in_turn)
{
	enum { FILES = 7 };
	static const int order[] = { 0, 1, 2, 3, 4, 5, 6, 0, 6, 1, 1, 5, 2, 0, 3, 4, 6 };
	uint8_t *buf[FILES];
	size_t len[FILES];

	for (int i = 0; i < FILES; i++) {
		struct img im = busy(264 + 8 * i, 300, 40 + (uint64_t)i);

		buf[i] = encode(&im, 30 + 10 * i, 2, 2, i == 3, 0, 1, &len[i]);
		img_release(&im);
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		assert_true(taken(buf[order[i]], len[order[i]]));
		assert_true(same_both_ways(buf[order[i]], len[order[i]]));
	}
	for (int i = 0; i < FILES; i++)
		free(buf[i]);
}

UNIT_TEST(test_sample_step)
{
	assert_int_equal(jpeg_sample_step(20, 20), 1);       /* 400 blocks */
	assert_int_equal(jpeg_sample_step(40, 40), 4);       /* 1,600: 3.1 would do, 4 is a power */
	assert_int_equal(jpeg_sample_step(80, 60), 16);      /* 4,800 */
	assert_int_equal(jpeg_sample_step(63, 1042), 32);    /* as many columns as allow */
	assert_int_equal(jpeg_sample_step(512, 257), 64);    /* the most */
	assert_int_equal(jpeg_sample_step(1, 100000), 1);
}
