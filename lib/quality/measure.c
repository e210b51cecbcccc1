/* The signals of one image (definitions in quality.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quality/quality.h"

/* Every image is measured at about the same size: grey at a short side
 * of 64..127, colour (whose statistics need fewer pixels) of 16..31. */
#define REDUCED_SIDE 64
#define REDUCED_COLOUR_SIDE 16

/* The whole factor quality_reduce() divides im's sides by. */
static int reduce_factor(const struct img *im)
{
	int side = im->width < im->height ? im->width : im->height;
	int target = im->channels == 1 ? REDUCED_SIDE : REDUCED_COLOUR_SIDE;

	return side / target > 1 ? side / target : 1;
}

/* One output row from the f input rows starting at row y f: each
 * column's sum over the rows first (a run of contiguous samples, which
 * vectorises), then the sums of f columns, divided once. Inlined with c
 * a constant. */
static inline void reduce_row(const struct img *im, int y, int f, int c, int w, uint32_t *cols,
		       uint8_t *d)
{
	size_t span = (size_t)w * f * c;
	uint32_t area = (uint32_t)(f * f);

	memset(cols, 0, span * sizeof(*cols));
	for (int j = 0; j < f; j++) {
		const uint8_t *s = im->pixels + (size_t)(y * f + j) * im->stride;

		for (size_t i = 0; i < span; i++)
			cols[i] += s[i];
	}
	for (int x = 0; x < w; x++)
		for (int k = 0; k < c; k++) {
			const uint32_t *col = cols + (size_t)x * f * c + k;
			uint32_t sum = 0;

			for (int i = 0; i < f; i++)
				sum += col[(size_t)i * c];
			d[x * c + k] = (uint8_t)((sum + area / 2) / area);
		}
}

int quality_reduce(const struct img *im, struct img *out, struct wn_err *err)
{
	int f = reduce_factor(im), c = im->channels, w = im->width / f, h = im->height / f;
	uint32_t *cols;

	if (img_alloc(out, w, h, c, err))
		return -1;
	cols = malloc((size_t)w * f * c * sizeof(*cols));
	if (!cols) {
		img_release(out);
		return wn_fail(err, WN_ENOMEM, "out of memory for a %dx%d image", w, h);
	}
	for (int y = 0; y < h; y++) {
		uint8_t *d = out->pixels + (size_t)y * out->stride;

		if (c == 1)
			reduce_row(im, y, f, 1, w, cols, d);
		else if (c == 3)
			reduce_row(im, y, f, 3, w, cols, d);
		else
			reduce_row(im, y, f, c, w, cols, d);
	}
	free(cols);
	return 0;
}

/* im reduced as quality_reduce() says, in *tmp, or im itself when the
 * factor is 1: *use is what to measure. */
static int reduced(const struct img *im, struct img *tmp, const struct img **use,
		   struct wn_err *err)
{
	*use = im;
	if (reduce_factor(im) == 1)
		return 0;
	*use = tmp;
	return quality_reduce(im, tmp, err);
}

/* Pixels a row's sums stay in 32 bits for: a Laplacian is within
 * +-1020, its square under 2^20. */
#define SHARP_SPAN 1024

/* The Laplacian's and the gradient's squares over pixels x0..x1-1 of the
 * row p (n and s the rows above and below), added to *lap and *grad. In
 * 32 bits, so that the loop vectorises (8 pixels a step with AVX2). */
__attribute__((target_clones("avx2", "default")))
static void sharp_span(const uint8_t *n, const uint8_t *p, const uint8_t *s, int x0, int x1,
		       int64_t *lap, int64_t *grad)
{
	int32_t l2 = 0, g2 = 0;

	for (int x = x0; x < x1; x++) {
		int32_t l = 4 * p[x] - p[x - 1] - p[x + 1] - n[x] - s[x];
		int32_t dx = p[x + 1] - p[x - 1], dy = s[x] - n[x];

		l2 += l * l;
		g2 += dx * dx + dy * dy;
	}
	*lap += l2;
	*grad += g2;
}

double quality_sharpness(const struct img *grey)
{
	int64_t lap = 0, grad = 0;

	for (int y = 1; y + 1 < grey->height; y++) {
		const uint8_t *p = grey->pixels + (size_t)y * grey->stride;

		for (int x = 1; x + 1 < grey->width; x += SHARP_SPAN) {
			int end = grey->width - 1 - x > SHARP_SPAN ? x + SHARP_SPAN : grey->width - 1;

			sharp_span(p - grey->stride, p, p + grey->stride, x, end, &lap, &grad);
		}
	}
	return grad > 0 ? (double)lap / (double)grad : 0;
}

double quality_sharpness_dct(const struct img_dct_stats *dct, double pixel)
{
	double low = 0, high = 0;

	for (int v = 0; v < 8; v++)
		for (int u = 0; u < 8; u++) {
			if (u + v >= 3)
				high += dct->energy[v * 8 + u];
			else if (u + v >= 1)
				low += dct->energy[v * 8 + u];
		}
	if (low <= 0)
		return 0;
	return QUALITY_DCT_SCALE * high / low *
	       (pixel < QUALITY_DCT_SOFT_PIXELS ? pixel / QUALITY_DCT_SOFT_PIXELS : 1);
}

int quality_measure(const struct img *grey, const struct img *colour, struct quality *q,
		    struct wn_err *err)
{
	struct img g = { 0 }, c = { 0 };
	const struct img *use;
	int ret = -1;

	memset(q, 0, sizeof(*q));
	if (reduced(grey, &g, &use, err))
		goto out;
	q->sharpness = quality_sharpness(use);
	quality_luma_stats(use, &q->luma_p5, &q->luma_p99, &q->entropy);
	if (colour && colour->pixels) {
		if (reduced(colour, &c, &use, err))
			goto out;
		quality_colour_stats(use, &q->chroma, &q->colourfulness, &q->skin);
	}
	ret = 0;
out:
	img_release(&g);
	img_release(&c);
	return ret;
}
