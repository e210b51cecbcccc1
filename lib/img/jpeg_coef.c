/* A JPEG at 1/8 scale from its DCT coefficients (libjpeg's coefficient
 * API): each block's DC made a pixel exactly as libjpeg's 1x1 inverse DCT
 * makes it, and the luma blocks' AC energy, which the 1/8 decode reads
 * anyway and throws away, kept for the sharpness signal. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>
#include <turbojpeg.h>

#include "img/jpeg_coef.h"

/* libjpeg's whole-image coefficient buffer: 128 bytes a block (3 bytes a
 * pixel for 4:2:0, 6 for 4:4:4). Past COEF_MAX_BYTES the plain 1/8 decode
 * is used instead. A file of one scan (baseline) takes this way only up
 * to COEF_MAX_ONE_SCAN: the plain decode needs no such buffer for it,
 * and filling and reading one that outgrows the caches costs a 12 MP
 * photo 2.8 times the plain decode (BENCHMARKS.md, "Session 11: blur from
 * DCT coefficients"), while its 1/8 decode (>= 150 px a side) already
 * keeps what a few pixels of blur do at a trainer's 224-320 px. A file of
 * several scans needs the buffer either way. */
#define COEF_MAX_BYTES (48u << 20)
#define COEF_MAX_ONE_SCAN (4u << 20)

/* TurboJPEG's TJFLAG_LIMITSCANS bound, for the same files to fail. */
#define MAX_SCANS 500

struct coef_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
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

static void coef_progress(j_common_ptr c)
{
	struct coef_err *e = (struct coef_err *)c->err;

	if (((j_decompress_ptr)c)->input_scan_number > MAX_SCANS) {
		snprintf(e->msg, sizeof(e->msg), "Progressive JPEG image has more than %d scans",
			 MAX_SCANS);
		longjmp(e->jump, 1);
	}
}

/* One block's DC as jpeg_idct_1x1() (jidctred.c) makes its pixel: the
 * product in the dequantisation table's type (short in a SIMD build),
 * descaled by 3 with rounding, range-limited through libjpeg's table,
 * which wraps values outside -512..511 (only corrupt data has them). */
static inline uint8_t dc_pixel(JCOEF dc, int16_t q)
{
	int v = dc * q;
	long d = ((long)v + 4) >> 3;
	int i = (int)(d & 1023);

	i = (i >= 512 ? i - 1024 : i) + 128;
	return (uint8_t)(i < 0 ? 0 : i > 255 ? 255 : i);
}

/* One row of blocks: the DC pixels of its first cols blocks into out,
 * and, with sq, the squared coefficients of its first n blocks summed by
 * position into sq, in one pass over the blocks (memory is the cost):
 * in floats along the row (vectorised, 8 a step where AVX2 is; exact
 * below 2^24 a term, and within 3e-5 over a row of 500 blocks), the
 * row's sums added in doubles. */
__attribute__((target_clones("avx2", "default")))
static void block_row(const JBLOCK *row, int cols, int16_t q, uint8_t *out, int n,
		      double *sq)
{
	float acc[64] = { 0 };

	for (int bx = 0; bx < cols; bx++) {
		out[bx] = dc_pixel(row[bx][0], q);
		if (sq && bx < n)
			for (int k = 0; k < 64; k++) {
				float c = row[bx][k];

				acc[k] += c * c;
			}
	}
	for (int k = 0; sq && k < 64; k++)
		sq[k] += acc[k];
}

/* Whether each of the n components had a scan: a file of several
 * sequential scans may end (EOI and all, no warning) before a
 * component's first one, whose quantisation table libjpeg then never
 * latched (NULL) and whose blocks it never wrote. The plain decode takes
 * such a file instead. */
static int all_scanned(j_decompress_ptr d, int n)
{
	for (int ci = 0; ci < n; ci++)
		if (!d->comp_info[ci].quant_table)
			return 0;
	return 1;
}

/* Component ci's plane: its blocks' DC pixels, padding included (the
 * coefficient arrays are padded to whole MCUs, as the plane is); for
 * luma, the blocks inside the picture summed into sq. */
static void dc_plane(j_decompress_ptr d, jvirt_barray_ptr arr, int ci, struct img *plane,
		     double sq[64])
{
	jpeg_component_info *comp = &d->comp_info[ci];
	int16_t q = (int16_t)comp->quant_table->quantval[0];

	for (int by = 0; by < plane->height; by++) {
		JBLOCKARRAY row = d->mem->access_virt_barray((j_common_ptr)d, arr, (JDIMENSION)by, 1,
							     FALSE);
		int inside = ci == 0 && (JDIMENSION)by < comp->height_in_blocks;

		block_row(row[0], plane->width, q, plane->pixels + (size_t)by * plane->stride,
			  (int)comp->width_in_blocks, inside ? sq : NULL);
	}
}

static void release_planes(struct img planes[3])
{
	for (int i = 0; i < 3; i++)
		img_release(&planes[i]);
}

int jpeg_alloc_planes(int w, int hh, int ss, int n, struct img planes[3], struct wn_err *err)
{
	memset(planes, 0, 3 * sizeof(*planes));
	for (int i = 0; i < n; i++)
		if (img_alloc(&planes[i], tjPlaneWidth(i, w, ss), tjPlaneHeight(i, hh, ss), 1, err)) {
			release_planes(planes);
			return -1;
		}
	/* the luma plane is padded to whole chroma samples; the image is w x h */
	planes[0].width = w;
	planes[0].height = hh;
	return 0;
}

/* Whether libjpeg's decode would smooth blocks (a progressive file whose
 * coefficients are not all complete): then its DCs are not the file's. */
static int would_smooth(j_decompress_ptr d)
{
	if (!d->progressive_mode || !d->coef_bits)
		return 0;
	for (int ci = 0; ci < d->num_components; ci++)
		for (int k = 0; k < DCTSIZE2; k++)
			if (d->coef_bits[ci][k] != 0)
				return 1;
	return 0;
}

static int padded(int n, int to)
{
	return (n + to - 1) / to * to;
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

/* Whether the file is one this way decodes as the plain decode does, its
 * planes of the sizes given, within the memory bound. */
static int fits(j_decompress_ptr d, struct img planes[3], int n)
{
	uint64_t bytes = 0;

	if (d->data_precision != 8)
		return 0;
	for (int ci = 0; ci < n; ci++) {
		jpeg_component_info *c = &d->comp_info[ci];
		int bw = padded((int)c->width_in_blocks, c->h_samp_factor);
		int bh = padded((int)c->height_in_blocks, c->v_samp_factor);

		if (bw < planes[ci].width || bh < planes[ci].height)
			return 0;
		bytes += (uint64_t)bw * (uint64_t)bh * sizeof(JBLOCK);
	}
	return bytes <= (jpeg_has_multiple_scans(d) ? COEF_MAX_BYTES : COEF_MAX_ONE_SCAN);
}

static void stats_fill(j_decompress_ptr d, const double sq[64], struct img_dct_stats *st)
{
	const JQUANT_TBL *qt = d->comp_info[0].quant_table;

	memset(st, 0, sizeof(*st));
	st->blocks = (uint64_t)d->comp_info[0].width_in_blocks * d->comp_info[0].height_in_blocks;
	for (int k = 1; k < 64; k++) {
		st->quant[k] = qt->quantval[k];
		st->energy[k] = sq[k] * qt->quantval[k] * qt->quantval[k];
	}
	st->quant[0] = qt->quantval[0];
}

int jpeg_coef_planes(const uint8_t *buf, size_t len, int w, int hh, struct img planes[3],
		     int *ss, struct img_dct_stats *st, struct wn_err *err)
{
	struct jpeg_decompress_struct d;
	struct coef_err e;
	double sq[64] = { 0 };
	struct jpeg_progress_mgr progress = { .progress_monitor = coef_progress };
	volatile int ret = 1, n = 0;
	jvirt_barray_ptr *arrays;

	memset(planes, 0, 3 * sizeof(*planes));
	d.err = jpeg_std_error(&e.pub);
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
	if (*ss < 0)
		goto out;
	n = *ss == TJSAMP_GRAY ? 1 : 3;
	if (jpeg_alloc_planes(w, hh, *ss, n, planes, err)) {
		ret = -1;
		goto out;
	}
	if (!fits(&d, planes, n))
		goto out;
	arrays = jpeg_read_coefficients(&d);
	if (would_smooth(&d) || !all_scanned(&d, n))
		goto out;
	for (int ci = 0; ci < n; ci++)
		dc_plane(&d, arrays[ci], ci, &planes[ci], sq);
	/* before finishing, which frees the saved quantisation tables */
	stats_fill(&d, sq, st);
	jpeg_finish_decompress(&d);
	ret = 0;
out:
	jpeg_destroy_decompress(&d);
	if (ret) {
		release_planes(planes);
		memset(st, 0, sizeof(*st));
	}
	return ret;
}
