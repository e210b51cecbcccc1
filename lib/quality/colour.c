/* The colour signals: chroma, colourfulness and skin colour in
 * log-opponent space (Fleck, Forsyth and Bregler 1996); the definitions
 * are in quality.h. Skin per pixel is three table lookups and a few
 * multiply-adds: the hue ranges are tested as half-planes, not with atan2. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>

#include "quality/quality.h"

static float log_table[256];
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void make_log_table(void)
{
	for (int x = 0; x < 256; x++)
		log_table[x] = (float)(105.0 * log10(x + 1.5));
}

/* cos and sin of the hue bounds 110, 130, 150 and 170 degrees */
static const double bound_cos[] = { -0.3420201433256687, -0.6427876096865393,
				    -0.8660254037844386, -0.9848077530122080 };
static const double bound_sin[] = { 0.9396926207859084, 0.7660444431189780, 0.5,
				    0.1736481776669304 };

/* Whether the point (by, rg), rg > 0, has hue (atan2(rg, by)) within
 * bounds lo..hi (indices above): on the left of the ray at lo and on the
 * right of the ray at hi. */
static int hue_within(double by, double rg, int lo, int hi)
{
	return bound_cos[lo] * rg - bound_sin[lo] * by >= 0 &&
	       bound_cos[hi] * rg - bound_sin[hi] * by <= 0;
}

/* quality_is_skin() once the table is made. */
static inline int is_skin(unsigned r, unsigned g, unsigned b)
{
	double lr, lg, rg, by, sat2;

	lr = log_table[r & 255];
	lg = log_table[g & 255];
	rg = lr - lg;
	if (rg <= 0)
		return 0;
	by = log_table[b & 255] - (lg + lr) / 2;
	sat2 = rg * rg + by * by;
	if (sat2 < 20 * 20 || sat2 > 130 * 130)
		return 0;
	if (sat2 <= 60 * 60 && hue_within(by, rg, 0, 2))
		return 1;
	return sat2 >= 30 * 30 && hue_within(by, rg, 1, 3);
}

int quality_is_skin(unsigned r, unsigned g, unsigned b)
{
	pthread_once(&log_once, make_log_table);
	return is_skin(r, g, b);
}

void quality_colour_stats(const struct img *rgb, double *chroma, double *colourfulness,
			  double *skin)
{
	uint64_t hist[256] = { 0 }, total = (uint64_t)rgb->width * (uint64_t)rgb->height;
	uint64_t skinny = 0;
	/* rg = R - G and 2 yb = R + G - 2 B, summed exactly */
	int64_t srg = 0, syb2 = 0, qrg = 0, qyb2 = 0;
	double n = (double)total, mrg, myb, vrg, vyb;

	pthread_once(&log_once, make_log_table);

	for (int y = 0; y < rgb->height; y++) {
		const uint8_t *p = rgb->pixels + (size_t)y * rgb->stride;

		for (int x = 0; x < rgb->width; x++, p += 3) {
			int hi = p[0] > p[1] ? p[0] : p[1], lo = p[0] < p[1] ? p[0] : p[1];
			int rg = p[0] - p[1], yb2 = p[0] + p[1] - 2 * p[2];

			hi = hi > p[2] ? hi : p[2];
			lo = lo < p[2] ? lo : p[2];
			hist[hi - lo]++;
			srg += rg;
			syb2 += yb2;
			qrg += rg * rg;
			qyb2 += yb2 * yb2;
			skinny += (uint64_t)is_skin(p[0], p[1], p[2]);
		}
	}
	*chroma = quality_percentile(hist, total, 0.99);
	mrg = (double)srg / n;
	myb = (double)syb2 / n / 2;
	vrg = (double)qrg / n - mrg * mrg;
	vyb = (double)qyb2 / n / 4 - myb * myb;
	*colourfulness = sqrt(fmax(0, vrg) + fmax(0, vyb)) + 0.3 * sqrt(mrg * mrg + myb * myb);
	*skin = (double)skinny / n;
}
