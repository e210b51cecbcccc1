/* The colour signals: chroma, colourfulness and skin colour in
 * log-opponent space (Fleck, Forsyth and Bregler 1996); the definitions
 * are in quality.h. Skin per pixel is three table lookups and a few
 * multiply-adds: the hue ranges are tested as half-planes, not with atan2,
 * and without a branch (a pixel's bounds are one expression of 0s and 1s,
 * which keeps the loop free of mispredicted jumps). */
#include <math.h>
#include <pthread.h>
#include <stdint.h>

#include "base/base.h"
#include "quality/quality.h"

/* L(x) rounded to float (the values the definition was first measured
 * with), held as double: the arithmetic below is in double. */
static double log_table[256];
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

/* quality_is_skin() once the table is made: with rg = Rg and by = By,
 * the point (by, rg) has hue (atan2(rg, by)) within bounds lo..hi when
 * it is on the left of the ray at lo and on the right of the ray at hi
 * (rg > 0); 1 or 0. */
static inline int is_skin(unsigned r, unsigned g, unsigned b)
{
	double lr = log_table[r & 255], lg = log_table[g & 255];
	double rg = lr - lg, by = log_table[b & 255] - (lg + lr) / 2;
	double sat2 = rg * rg + by * by;
	int low = (sat2 >= 20 * 20) & (sat2 <= 60 * 60) &
		  (bound_cos[0] * rg - bound_sin[0] * by >= 0) &
		  (bound_cos[2] * rg - bound_sin[2] * by <= 0);
	int high = (sat2 >= 30 * 30) & (sat2 <= 130 * 130) &
		   (bound_cos[1] * rg - bound_sin[1] * by >= 0) &
		   (bound_cos[3] * rg - bound_sin[3] * by <= 0);

	return (rg > 0) & (low | high);
}

/* The skin pixels among n RGB pixels at p, one at a time. */
static uint64_t count_skin_plain(const uint8_t *p, int n)
{
	uint64_t skinny = 0;

	for (int x = 0; x < n; x++, p += 3)
		skinny += (uint64_t)is_skin(p[0], p[1], p[2]);
	return skinny;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* count_skin_plain() four pixels at a time: the same operations in the
 * same order on each lane (AVX2 without FMA: nothing fused), so the same
 * answer to the bit. */
__attribute__((target("avx2")))
static uint64_t count_skin_avx2(const uint8_t *p, int n)
{
	const __m256d zero = _mm256_setzero_pd(), half = _mm256_set1_pd(0.5);
	const __m256d s20 = _mm256_set1_pd(20 * 20), s30 = _mm256_set1_pd(30 * 30);
	const __m256d s60 = _mm256_set1_pd(60 * 60), s130 = _mm256_set1_pd(130 * 130);
	/* bytes 3i, 3i + 1 and 3i + 2 into 32-bit lane i (-1: a zero byte) */
	const __m128i pick_r = _mm_setr_epi8(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1);
	const __m128i pick_g = _mm_setr_epi8(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1);
	const __m128i pick_b = _mm_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
	__m256d c[4], s[4];
	uint64_t skinny = 0;
	int x = 0;

	for (int i = 0; i < 4; i++) {
		c[i] = _mm256_set1_pd(bound_cos[i]);
		s[i] = _mm256_set1_pd(bound_sin[i]);
	}
	/* 16 bytes read for 4 pixels' 12: while 6 pixels are left */
	for (; x + 6 <= n; x += 4, p += 12) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m256d lr = _mm256_i32gather_pd(log_table, _mm_shuffle_epi8(v, pick_r), 8);
		__m256d lg = _mm256_i32gather_pd(log_table, _mm_shuffle_epi8(v, pick_g), 8);
		__m256d lb = _mm256_i32gather_pd(log_table, _mm_shuffle_epi8(v, pick_b), 8);
		__m256d rg = _mm256_sub_pd(lr, lg);
		__m256d by = _mm256_sub_pd(lb, _mm256_mul_pd(_mm256_add_pd(lg, lr), half));
		__m256d sat2 = _mm256_add_pd(_mm256_mul_pd(rg, rg), _mm256_mul_pd(by, by));
		__m256d h[4], low, high;

		for (int i = 0; i < 4; i++)
			h[i] = _mm256_sub_pd(_mm256_mul_pd(c[i], rg), _mm256_mul_pd(s[i], by));
		low = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(sat2, s20, _CMP_GE_OQ),
						  _mm256_cmp_pd(sat2, s60, _CMP_LE_OQ)),
				    _mm256_and_pd(_mm256_cmp_pd(h[0], zero, _CMP_GE_OQ),
						  _mm256_cmp_pd(h[2], zero, _CMP_LE_OQ)));
		high = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(sat2, s30, _CMP_GE_OQ),
						   _mm256_cmp_pd(sat2, s130, _CMP_LE_OQ)),
				     _mm256_and_pd(_mm256_cmp_pd(h[1], zero, _CMP_GE_OQ),
						   _mm256_cmp_pd(h[3], zero, _CMP_LE_OQ)));
		low = _mm256_and_pd(_mm256_cmp_pd(rg, zero, _CMP_GT_OQ), _mm256_or_pd(low, high));
		skinny += (uint64_t)__builtin_popcount((unsigned)_mm256_movemask_pd(low));
	}
	return skinny + count_skin_plain(p, n - x);
}
#endif

/* The skin pixels of a row of n RGB pixels at p. */
static uint64_t count_skin(const uint8_t *p, int n)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (cpu_level() >= CPU_AVX2)
		return count_skin_avx2(p, n);
#endif
	return count_skin_plain(p, n);
}

int quality_is_skin(unsigned r, unsigned g, unsigned b)
{
	pthread_once(&log_once, make_log_table);
	return is_skin(r, g, b);
}

void quality_colour_stats(const struct img *rgb, double *chroma, double *colourfulness,
			  double *skin)
{
	uint64_t hist[256], total = (uint64_t)rgb->width * (uint64_t)rgb->height;
	/* four histograms interleaved: grey runs (max - min 0) do not wait on
	 * the increment before */
	uint32_t part[4][256] = { { 0 } };
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
			part[x & 3][hi - lo]++;
			srg += rg;
			syb2 += yb2;
			qrg += rg * rg;
			qyb2 += yb2 * yb2;
		}
		skinny += count_skin(rgb->pixels + (size_t)y * rgb->stride, rgb->width);
	}
	for (int v = 0; v < 256; v++)
		hist[v] = (uint64_t)part[0][v] + part[1][v] + part[2][v] + part[3][v];
	*chroma = quality_percentile(hist, total, 0.99);
	mrg = (double)srg / n;
	myb = (double)syb2 / n / 2;
	vrg = (double)qrg / n - mrg * mrg;
	vyb = (double)qyb2 / n / 4 - myb * myb;
	*colourfulness = sqrt(fmax(0, vrg) + fmax(0, vyb)) + 0.3 * sqrt(mrg * mrg + myb * myb);
	*skin = (double)skinny / n;
}
