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

/* The 256-bin histogram of grey's pixels. Four histograms interleaved, so
 * that a run of equal pixels (flat fields, cards) does not wait on the
 * increment of the one before. */
static void luma_histogram(const struct img *grey, uint64_t hist[256])
{
	uint32_t part[4][256] = { { 0 } };

	for (int y = 0; y < grey->height; y++) {
		const uint8_t *p = grey->pixels + (size_t)y * grey->stride;
		int x = 0;

		for (; x + 4 <= grey->width; x += 4) {
			part[0][p[x]]++;
			part[1][p[x + 1]]++;
			part[2][p[x + 2]]++;
			part[3][p[x + 3]]++;
		}
		for (; x < grey->width; x++)
			part[0][p[x]]++;
	}
	for (int v = 0; v < 256; v++)
		hist[v] = (uint64_t)part[0][v] + part[1][v] + part[2][v] + part[3][v];
}

void quality_luma_stats(const struct img *grey, double *p5, double *p99, double *entropy)
{
	uint64_t hist[256], total = (uint64_t)grey->width * (uint64_t)grey->height;

	luma_histogram(grey, hist);
	*p5 = quality_percentile(hist, total, 0.05);
	*p99 = quality_percentile(hist, total, 0.99);
	*entropy = entropy_of(hist, total);
}
