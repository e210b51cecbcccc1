/* The signals of one image (definitions in quality.h). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "quality/quality.h"

/* Every image is measured at about the same size: short side 32..127. */
#define REDUCED_SIDE 64

int quality_reduce(const struct img *im, struct img *out, struct wn_err *err)
{
	int side = im->width < im->height ? im->width : im->height;
	int f = side / REDUCED_SIDE > 1 ? side / REDUCED_SIDE : 1;
	int c = im->channels, w = im->width / f, h = im->height / f;
	uint32_t half = (uint32_t)(f * f) / 2, area = (uint32_t)(f * f);

	if (img_alloc(out, w, h, c, err))
		return -1;
	for (int y = 0; y < h; y++) {
		uint8_t *d = out->pixels + (size_t)y * out->stride;

		for (int x = 0; x < w; x++)
			for (int k = 0; k < c; k++) {
				uint32_t sum = 0;

				for (int j = 0; j < f; j++) {
					const uint8_t *s = im->pixels + (size_t)(y * f + j) * im->stride +
							   (size_t)x * f * c + k;

					for (int i = 0; i < f; i++)
						sum += s[(size_t)i * c];
				}
				d[(size_t)x * c + k] = (uint8_t)((sum + half) / area);
			}
	}
	return 0;
}

double quality_sharpness(const struct img *grey)
{
	double lap = 0, grad = 0;

	for (int y = 1; y + 1 < grey->height; y++) {
		const uint8_t *p = grey->pixels + (size_t)y * grey->stride;
		const uint8_t *n = p - grey->stride, *s = p + grey->stride;

		for (int x = 1; x + 1 < grey->width; x++) {
			int l = 4 * p[x] - p[x - 1] - p[x + 1] - n[x] - s[x];
			int dx = p[x + 1] - p[x - 1], dy = s[x] - n[x];

			lap += (double)l * l;
			grad += (double)dx * dx + (double)dy * dy;
		}
	}
	return grad > 0 ? lap / grad : 0;
}

/* The smallest value v with at least share * total samples <= v. */
static double percentile(const uint64_t hist[256], uint64_t total, double share)
{
	uint64_t seen = 0;
	double need = share * (double)total;

	for (int v = 0; v < 256; v++) {
		seen += hist[v];
		if ((double)seen >= need && seen > 0)
			return v;
	}
	return 255;
}

static double entropy_of(const uint64_t hist[256], uint64_t total)
{
	double h = 0;

	for (int v = 0; v < 256; v++)
		if (hist[v]) {
			double p = (double)hist[v] / (double)total;

			h -= p * log2(p);
		}
	return h;
}

void quality_luma_stats(const struct img *grey, double *p5, double *p99, double *entropy)
{
	uint64_t hist[256] = { 0 }, total = (uint64_t)grey->width * (uint64_t)grey->height;

	for (int y = 0; y < grey->height; y++) {
		const uint8_t *p = grey->pixels + (size_t)y * grey->stride;

		for (int x = 0; x < grey->width; x++)
			hist[p[x]]++;
	}
	*p5 = percentile(hist, total, 0.05);
	*p99 = percentile(hist, total, 0.99);
	*entropy = entropy_of(hist, total);
}

void quality_colour_stats(const struct img *rgb, double *chroma, double *colourfulness,
			  double *skin)
{
	uint64_t hist[256] = { 0 }, total = (uint64_t)rgb->width * (uint64_t)rgb->height;
	uint64_t skinny = 0;
	double srg = 0, syb = 0, qrg = 0, qyb = 0, n = (double)total;

	for (int y = 0; y < rgb->height; y++) {
		const uint8_t *p = rgb->pixels + (size_t)y * rgb->stride;

		for (int x = 0; x < rgb->width; x++, p += 3) {
			int hi = p[0] > p[1] ? p[0] : p[1], lo = p[0] < p[1] ? p[0] : p[1];
			double rg = (double)p[0] - p[1], yb = ((double)p[0] + p[1]) / 2 - p[2];

			hi = hi > p[2] ? hi : p[2];
			lo = lo < p[2] ? lo : p[2];
			hist[hi - lo]++;
			srg += rg;
			syb += yb;
			qrg += rg * rg;
			qyb += yb * yb;
			skinny += (uint64_t)quality_is_skin(p[0], p[1], p[2]);
		}
	}
	*chroma = percentile(hist, total, 0.99);
	srg /= n;
	syb /= n;
	*colourfulness = sqrt(fmax(0, qrg / n - srg * srg) + fmax(0, qyb / n - syb * syb)) +
			 0.3 * sqrt(srg * srg + syb * syb);
	*skin = (double)skinny / n;
}

int quality_measure(const struct img *grey, const struct img *colour, struct quality *q,
		    struct wn_err *err)
{
	struct img g = { 0 }, c = { 0 };
	int ret = -1;

	memset(q, 0, sizeof(*q));
	if (quality_reduce(grey, &g, err))
		goto out;
	q->sharpness = quality_sharpness(&g);
	quality_luma_stats(&g, &q->luma_p5, &q->luma_p99, &q->entropy);
	if (colour && colour->pixels) {
		if (quality_reduce(colour, &c, err))
			goto out;
		quality_colour_stats(&c, &q->chroma, &q->colourfulness, &q->skin);
	}
	ret = 0;
out:
	img_release(&g);
	img_release(&c);
	return ret;
}
