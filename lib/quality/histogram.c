/* What a 256-bin histogram tells: percentiles and entropy, and the luma
 * signals read from one (definitions in quality.h). */
#include <math.h>
#include <stdint.h>

#include "quality/quality.h"

double quality_percentile(const uint64_t hist[256], uint64_t total, double share)
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
	*p5 = quality_percentile(hist, total, 0.05);
	*p99 = quality_percentile(hist, total, 0.99);
	*entropy = entropy_of(hist, total);
}
