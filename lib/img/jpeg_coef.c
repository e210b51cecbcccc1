/* A JPEG at 1/8 scale, with its luma DCT statistics: a sequential file by
 * our own entropy decoder (jpeg_dc.c), which stores only the sampled
 * blocks' AC values; the rest (and what that decoder leaves) by libjpeg.
 *
 * Below, libjpeg's way: through its own raw (YCbCr) decode, with the
 * luma blocks' DCT coefficients, which that decode reads anyway and
 * throws away, summed for the sharpness signal on the way: each luma
 * block passes through a wrapper around libjpeg's inverse DCT that adds
 * its squared coefficients and makes the block's pixel. No coefficient
 * buffer of our own (libjpeg keeps one for a file of several scans, as
 * in its plain decode) and no second pass over the blocks: the pixels
 * are libjpeg's, made as TurboJPEG's tjDecompressToYUVPlanes() makes
 * them. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jpegint.h>
#include <turbojpeg.h>

#include "img/jpeg_coef.h"
#include "img/jpeg_dc.h"

/* TurboJPEG's TJFLAG_LIMITSCANS bound, for the same files to fail. */
#define MAX_SCANS 500

/* Blocks summed in floats before the sums go to doubles: a term is exact
 * (|coefficient| < 2^12 in a valid file), 64 of them within 4e-6. */
#define FLUSH_BLOCKS 64

struct coef_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

/* What the wrappers need, reached through client_data. */
struct luma_sums {
	void (*entropy_start)(j_decompress_ptr d);  /* libjpeg's own, once wrapped */
	inverse_DCT_method_ptr idct;  /* libjpeg's own, for chroma at 4:2:0 */
	const JSAMPLE *range;         /* libjpeg's range limit, centred */
	int dc_quant;                 /* luma's DC dequantisation factor */
	float acc[DCTSIZE2];
	double sq[DCTSIZE2];
	int pending;
	JDIMENSION mask;  /* column_step - 1 */
	uint64_t summed;  /* blocks */
};

static void coef_error_exit(j_common_ptr c)
{
	struct coef_err *e = (struct coef_err *)c->err;

	c->err->format_message(c, e->msg);
	longjmp(e->jump, 1);
}

/* A warning stops the decode, as TJFLAG_STOPONWARNING does: a file the
 * plain decode refuses is refused here too, with the same words. */
static void coef_emit_message(j_common_ptr c, int level)
{
	if (level < 0)
		coef_error_exit(c);
}

/* libjpeg's sequential entropy decoder chooses at the start of each scan
 * which blocks' AC values to keep: at 1/8 scale only DCs (a 1x1 inverse
 * DCT needs no more), from each component's DCT size. Around that choice
 * luma's size is 8x8, so its AC values are kept; the inverse DCT, chosen
 * apart, stays 1x1. */
static void luma_entropy_start(j_decompress_ptr d)
{
	struct luma_sums *s = d->client_data;
	jpeg_component_info *luma = &d->comp_info[0];
	int size = luma->DCT_scaled_size;

	luma->DCT_scaled_size = DCTSIZE;
	s->entropy_start(d);
	luma->DCT_scaled_size = size;
}

/* libjpeg calls this before it reads the first byte of scan data (in
 * start_decompress for a file of several scans, in read_raw_data for
 * one), and on. The first time, the scan begun already chooses again and
 * every later scan goes through luma_entropy_start(). A progressive
 * decoder keeps every coefficient: left alone. Stops past MAX_SCANS. */
static void coef_progress(j_common_ptr c)
{
	struct coef_err *e = (struct coef_err *)c->err;
	j_decompress_ptr d = (j_decompress_ptr)c;
	struct luma_sums *s = d->client_data;

	if (d->input_scan_number > MAX_SCANS) {
		snprintf(e->msg, sizeof(e->msg), "Progressive JPEG image has more than %d scans",
			 MAX_SCANS);
		longjmp(e->jump, 1);
	}
	if (s && !s->entropy_start && !d->progressive_mode && d->entropy) {
		s->entropy_start = d->entropy->start_pass;
		d->entropy->start_pass = luma_entropy_start;
		luma_entropy_start(d);
	}
}

static void flush(struct luma_sums *s)
{
	for (int k = 0; k < DCTSIZE2; k++) {
		s->sq[k] += s->acc[k];
		s->acc[k] = 0;
	}
	s->pending = 0;
}

/* The squares of one block's coefficients added by position (vectorised,
 * 8 a step where AVX2 is). */
__attribute__((target_clones("avx2", "default")))
static void add_squares(struct luma_sums *s, const JCOEF *blk)
{
	for (int k = 0; k < DCTSIZE2; k++) {
		float c = blk[k];

		s->acc[k] += c * c;
	}
	s->summed++;
	if (++s->pending == FLUSH_BLOCKS)
		flush(s);
}

/* libjpeg calls this for every luma block inside the picture, in the
 * place of its inverse DCT (jpegint.h's inverse_DCT_method_ptr); col is
 * the block's column at 1/8. A sampled block's squares are added; the
 * pixel is made as jpeg_idct_1x1() (jidctred.c) makes it: the DC times
 * its dequantisation factor (a short in a SIMD build), descaled by 3
 * with rounding, through libjpeg's own range-limit table, which wraps
 * values outside -512..511 (only corrupt data has them). */
static void luma_idct(j_decompress_ptr d, jpeg_component_info *comp, JCOEFPTR blk,
		      JSAMPARRAY out, JDIMENSION col)
{
	struct luma_sums *s = d->client_data;
	int v = blk[0] * s->dc_quant;

	if (!(col & s->mask))
		add_squares(s, blk);
	(void)comp;
	out[0][col] = s->range[((v + 4) >> 3) & (MAXJSAMPLE * 4 + 3)];
}

static void release_planes(struct img planes[3])
{
	for (int i = 0; i < 3; i++)
		img_release(&planes[i]);
}

/* TurboJPEG's subsampling of a grey or YCbCr file whose chroma is 1x1 and
 * luma one of the usual factors, or -1 (another kind: the plain decode). */
static int subsampling(j_decompress_ptr d)
{
	static const int factors[][3] = {
		{ 1, 1, TJSAMP_444 }, { 2, 1, TJSAMP_422 }, { 2, 2, TJSAMP_420 },
		{ 1, 2, TJSAMP_440 }, { 4, 1, TJSAMP_411 },
	};
	const jpeg_component_info *c = d->comp_info;

	if (d->num_components == 1 && d->jpeg_color_space == JCS_GRAYSCALE)
		return TJSAMP_GRAY;
	if (d->num_components != 3 || d->jpeg_color_space != JCS_YCbCr ||
	    c[1].h_samp_factor != 1 || c[1].v_samp_factor != 1 ||
	    c[2].h_samp_factor != 1 || c[2].v_samp_factor != 1)
		return -1;
	for (size_t i = 0; i < sizeof(factors) / sizeof(factors[0]); i++)
		if (c[0].h_samp_factor == factors[i][0] && c[0].v_samp_factor == factors[i][1])
			return factors[i][2];
	return -1;
}

/* The inverse DCTs the output pass chose, put right for raw planes and
 * the luma one wrapped. At 4:2:0 libjpeg makes the chroma's 2x upsampling
 * part of a larger inverse DCT; raw planes keep chroma at its own
 * resolution, so (as TurboJPEG does) chroma takes luma's 1/8 transform. */
static void wrap_idct(j_decompress_ptr d, int ss, struct luma_sums *s)
{
	struct jpeg_inverse_dct *idct = d->idct;

	/* the sharpness needs a sample of a photo's blocks, not all of them */
	s->mask = jpeg_sample_step(d->comp_info[0].width_in_blocks,
				   d->comp_info[0].height_in_blocks) - 1;
	s->range = d->sample_range_limit + CENTERJSAMPLE;
	/* no table latched (a file that ended before luma's first scan):
	 * libjpeg's factors stay 0 */
	s->dc_quant = d->comp_info[0].quant_table ?
			      (int16_t)d->comp_info[0].quant_table->quantval[0] : 0;
	s->idct = idct->inverse_DCT[0];
	for (int ci = 1; ss == TJSAMP_420 && ci < d->num_components; ci++) {
		jpeg_component_info *c = &d->comp_info[ci];

		c->DCT_scaled_size = 1;
		c->MCU_sample_width = tjMCUWidth[ss] / 8 * c->v_samp_factor / d->max_v_samp_factor;
		idct->inverse_DCT[ci] = s->idct;
	}
	idct->inverse_DCT[0] = luma_idct;
}

/* Row buffers for the raw decode: one iMCU row of each component, a
 * pixel a block at 1/8 (and margin), in one allocation. @return the
 * allocation, or NULL. */
static JSAMPLE *row_buffers(j_decompress_ptr d, int n, JSAMPROW ptrs[3][4], JSAMPARRAY rows[3])
{
	size_t wide = 0, at = 0;
	JSAMPLE *mem;

	for (int ci = 0; ci < n; ci++)
		wide += ((size_t)d->comp_info[ci].width_in_blocks + 16) * 4;
	mem = calloc(wide, 1);
	for (int ci = 0; mem && ci < n; ci++) {
		for (int j = 0; j < 4; j++) {
			ptrs[ci][j] = mem + at;
			at += d->comp_info[ci].width_in_blocks + 16;
		}
		rows[ci] = ptrs[ci];
	}
	return mem;
}

/* Whether libjpeg will smooth blocks (a progressive file whose
 * coefficients are not all complete): it then hands the inverse DCT
 * estimates, not the file's coefficients. */
static int would_smooth(j_decompress_ptr d)
{
	if (!d->coef_bits)
		return 0;
	for (int ci = 0; ci < d->num_components; ci++)
		for (int k = 0; k < DCTSIZE2; k++)
			if (d->coef_bits[ci][k] != 0)
				return 1;
	return 0;
}

/* The raw decode's iMCU rows into planes (TurboJPEG subsampling ss),
 * the rows and columns each plane holds. */
static void read_rows(j_decompress_ptr d, int n, int ss, JSAMPARRAY rows[3],
		      struct img planes[3])
{
	int step = d->max_v_samp_factor * d->min_DCT_scaled_size;

	for (int row = 0; row < (int)d->output_height; row += step) {
		jpeg_read_raw_data(d, rows, (JDIMENSION)step);
		for (int ci = 0; ci < n; ci++) {
			const jpeg_component_info *c = &d->comp_info[ci];
			int at = row * c->v_samp_factor / d->max_v_samp_factor;
			int ph = tjPlaneHeight(ci, (int)d->output_height, ss);
			size_t w = planes[ci].stride < c->width_in_blocks ? planes[ci].stride :
									      c->width_in_blocks;

			for (int j = 0; j < c->v_samp_factor && at + j < ph; j++)
				memcpy(planes[ci].pixels + (size_t)(at + j) * planes[ci].stride,
				       rows[ci][j], w);
		}
	}
}

/* The statistics of the sums at a column step, luma's quantisation
 * table quant (natural order) giving the energies' scale. */
static void stats_of(const struct luma_sums *s, unsigned step, const UINT16 *quant,
		     struct img_dct_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->blocks = s->summed;
	st->column_step = step;
	for (int k = 1; k < DCTSIZE2; k++) {
		st->quant[k] = quant[k];
		st->energy[k] = s->sq[k] * quant[k] * quant[k];
	}
	st->quant[0] = quant[0];
}

static void stats_fill(j_decompress_ptr d, const struct luma_sums *s, struct img_dct_stats *st)
{
	const JQUANT_TBL *qt = d->comp_info[0].quant_table;

	/* a file that ended before luma's first scan: no statistics */
	if (!qt)
		memset(st, 0, sizeof(*st));
	else
		stats_of(s, (unsigned)s->mask + 1, qt->quantval, st);
}

/* After jpeg_dc_planes() added a block's squares to acc: as add_squares()
 * ends. */
static void sampled_block(void *data)
{
	struct luma_sums *s = data;

	s->summed++;
	if (++s->pending == FLUSH_BLOCKS)
		flush(s);
}

int jpeg_coef_planes(const uint8_t *buf, size_t len, int w, int hh, struct img planes[3],
		     int *ss, struct img_dct_stats *st, struct wn_err *err)
{
	struct luma_sums sums = { 0 };
	UINT16 quant[DCTSIZE2];
	unsigned step;
	int r = jpeg_dc_planes(buf, len, w, hh, planes, ss, sums.acc, sampled_block, &sums, &step,
			       quant, err);

	if (r == 0) {
		flush(&sums);
		stats_of(&sums, step, quant, st);
	} else if (r < 0) {
		memset(st, 0, sizeof(*st));
	}
	return r <= 0 ? r : jpeg_coef_planes_libjpeg(buf, len, w, hh, planes, ss, st, err);
}

int jpeg_coef_planes_libjpeg(const uint8_t *buf, size_t len, int w, int hh,
			     struct img planes[3], int *ss, struct img_dct_stats *st,
			     struct wn_err *err)
{
	struct jpeg_decompress_struct d;
	struct coef_err e;
	struct luma_sums sums = { 0 };
	struct jpeg_progress_mgr progress = { .progress_monitor = coef_progress };
	JSAMPROW ptrs[3][4];
	JSAMPARRAY rows[3];
	JSAMPLE *volatile mem = NULL;
	volatile int ret = 1, n, whole;

	memset(planes, 0, 3 * sizeof(*planes));
	d.err = jpeg_std_error(&e.pub);
	d.client_data = NULL;  /* kept by jpeg_create_decompress() */
	e.pub.error_exit = coef_error_exit;
	e.pub.emit_message = coef_emit_message;
	if (setjmp(e.jump)) {
		ret = wn_fail(err, WN_ECORRUPT, "corrupt JPEG (%s)", e.msg);
		goto out;
	}
	jpeg_create_decompress(&d);
	d.progress = &progress;
	jpeg_mem_src(&d, buf, (unsigned long)len);
	jpeg_read_header(&d, TRUE);
	*ss = subsampling(&d);
	if (*ss < 0 || d.data_precision != 8)
		goto out;
	n = *ss == TJSAMP_GRAY ? 1 : 3;
	d.scale_num = 1;
	d.scale_denom = 8;
	d.raw_data_out = TRUE;
	jpeg_calc_output_dimensions(&d);
	if ((int)d.output_width != w || (int)d.output_height != hh)
		goto out;
	if (jpeg_alloc_planes(w, hh, *ss, n, planes, err)) {
		ret = -1;
		goto out;
	}
	mem = row_buffers(&d, n, ptrs, rows);
	if (!mem) {
		ret = wn_fail(err, WN_ENOMEM, "out of memory for a JPEG's rows");
		goto out;
	}
	d.client_data = &sums;  /* coef_progress() keeps luma's AC values */
	jpeg_start_decompress(&d);
	whole = !d.progressive_mode || !would_smooth(&d);
	wrap_idct(&d, *ss, &sums);
	read_rows(&d, n, *ss, rows, planes);
	flush(&sums);
	/* before finishing, which frees the saved quantisation tables */
	if (whole)
		stats_fill(&d, &sums, st);
	else
		memset(st, 0, sizeof(*st));
	jpeg_finish_decompress(&d);
	ret = 0;
out:
	jpeg_destroy_decompress(&d);
	free(mem);
	if (ret) {
		release_planes(planes);
		memset(st, 0, sizeof(*st));
	}
	return ret;
}
