/* The colour signals: chroma, colourfulness and skin colour in
 * log-opponent space (Fleck, Forsyth and Bregler 1996); the definitions
 * are in quality.h. Skin per pixel is three table lookups and a few
 * multiply-adds: the hue ranges are tested as half-planes, not with atan2,
 * and without a branch (a pixel's bounds are one expression of 0s and 1s,
 * which keeps the loop free of mispredicted jumps). */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

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

/* What the colour signals sum over an image's pixels. */
struct colour_sums {
	/* rg = R - G and 2 yb = R + G - 2 B, summed exactly */
	int64_t srg, syb2, qrg, qyb2;
	uint64_t skin;
	/* max - min of R, G, B: four histograms interleaved, so grey runs
	 * (max - min 0) do not wait on the increment before */
	uint32_t part[4][256];
};

/* Pixels x0..n-1 of the row p (RGB) into s, one at a time. */
static void row_plain(const uint8_t *p, int x0, int n, struct colour_sums *s)
{
	p += (size_t)x0 * 3;
	for (int x = x0; x < n; x++, p += 3) {
		int hi = p[0] > p[1] ? p[0] : p[1], lo = p[0] < p[1] ? p[0] : p[1];
		int rg = p[0] - p[1], yb2 = p[0] + p[1] - 2 * p[2];

		hi = hi > p[2] ? hi : p[2];
		lo = lo < p[2] ? lo : p[2];
		s->part[x & 3][hi - lo]++;
		s->srg += rg;
		s->syb2 += yb2;
		s->qrg += rg * rg;
		s->qyb2 += yb2 * yb2;
		s->skin += (uint64_t)is_skin(p[0], p[1], p[2]);
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The sum of the four 32-bit lanes of v. */
__attribute__((target("avx2")))
static int64_t lanes(__m128i v)
{
	return (int64_t)_mm_extract_epi32(v, 0) + _mm_extract_epi32(v, 1) +
	       _mm_extract_epi32(v, 2) + _mm_extract_epi32(v, 3);
}

/* Whether each of four pixels (r, g, b: their L(x) values) is of skin
 * colour, as lanes of all ones or zeros: is_skin()'s operations in its
 * order on each lane (AVX2 without FMA: nothing fused), so the same
 * answer to the bit. */
__attribute__((target("avx2")))
static __m256d skin4(__m256d lr, __m256d lg, __m256d lb)
{
	const __m256d zero = _mm256_setzero_pd();
	__m256d rg = _mm256_sub_pd(lr, lg);
	__m256d by = _mm256_sub_pd(lb, _mm256_mul_pd(_mm256_add_pd(lg, lr), _mm256_set1_pd(0.5)));
	__m256d sat2 = _mm256_add_pd(_mm256_mul_pd(rg, rg), _mm256_mul_pd(by, by));
	__m256d h[4], low, high;

	for (int i = 0; i < 4; i++)
		h[i] = _mm256_sub_pd(_mm256_mul_pd(_mm256_set1_pd(bound_cos[i]), rg),
				     _mm256_mul_pd(_mm256_set1_pd(bound_sin[i]), by));
	low = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(sat2, _mm256_set1_pd(20 * 20), _CMP_GE_OQ),
					  _mm256_cmp_pd(sat2, _mm256_set1_pd(60 * 60), _CMP_LE_OQ)),
			    _mm256_and_pd(_mm256_cmp_pd(h[0], zero, _CMP_GE_OQ),
					  _mm256_cmp_pd(h[2], zero, _CMP_LE_OQ)));
	high = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(sat2, _mm256_set1_pd(30 * 30), _CMP_GE_OQ),
					   _mm256_cmp_pd(sat2, _mm256_set1_pd(130 * 130), _CMP_LE_OQ)),
			     _mm256_and_pd(_mm256_cmp_pd(h[1], zero, _CMP_GE_OQ),
					   _mm256_cmp_pd(h[3], zero, _CMP_LE_OQ)));
	return _mm256_and_pd(_mm256_cmp_pd(rg, zero, _CMP_GT_OQ), _mm256_or_pd(low, high));
}

/* row_plain() four pixels at a time, in 32-bit lanes summed into s every
 * 1,024 steps (a lane's sum of (2 yb)^2 stays under 2^31). The sums are
 * exact, so their order does not matter. */
__attribute__((target("avx2")))
static void row_avx2(const uint8_t *p, int n, struct colour_sums *s)
{
	/* bytes 3i, 3i + 1 and 3i + 2 into 32-bit lane i (-1: a zero byte) */
	const __m128i pick_r = _mm_setr_epi8(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1);
	const __m128i pick_g = _mm_setr_epi8(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1);
	const __m128i pick_b = _mm_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
	int x = 0;

	/* 16 bytes read for 4 pixels' 12: while 6 pixels are left */
	while (x + 6 <= n) {
		__m128i srg = _mm_setzero_si128(), syb2 = srg, qrg = srg, qyb2 = srg;

		for (int k = 0; k < 1024 && x + 6 <= n; k++, x += 4) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 3 * x));
			__m128i r = _mm_shuffle_epi8(v, pick_r), g = _mm_shuffle_epi8(v, pick_g);
			__m128i b = _mm_shuffle_epi8(v, pick_b);
			__m128i rg = _mm_sub_epi32(r, g);
			__m128i yb2 = _mm_sub_epi32(_mm_add_epi32(r, g), _mm_add_epi32(b, b));
			__m128i d = _mm_sub_epi32(_mm_max_epi32(_mm_max_epi32(r, g), b),
						  _mm_min_epi32(_mm_min_epi32(r, g), b));
			__m256d in = skin4(_mm256_i32gather_pd(log_table, r, 8),
					   _mm256_i32gather_pd(log_table, g, 8),
					   _mm256_i32gather_pd(log_table, b, 8));

			srg = _mm_add_epi32(srg, rg);
			syb2 = _mm_add_epi32(syb2, yb2);
			qrg = _mm_add_epi32(qrg, _mm_mullo_epi32(rg, rg));
			qyb2 = _mm_add_epi32(qyb2, _mm_mullo_epi32(yb2, yb2));
			s->part[0][_mm_extract_epi32(d, 0)]++;
			s->part[1][_mm_extract_epi32(d, 1)]++;
			s->part[2][_mm_extract_epi32(d, 2)]++;
			s->part[3][_mm_extract_epi32(d, 3)]++;
			s->skin += (uint64_t)__builtin_popcount((unsigned)_mm256_movemask_pd(in));
		}
		s->srg += lanes(srg);
		s->syb2 += lanes(syb2);
		s->qrg += lanes(qrg);
		s->qyb2 += lanes(qyb2);
	}
	row_plain(p, x, n, s);
}
#endif

/* Row p of n RGB pixels into s. */
static void colour_row(const uint8_t *p, int n, struct colour_sums *s)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (cpu_level() >= CPU_AVX2) {
		row_avx2(p, n, s);
		return;
	}
#endif
	row_plain(p, 0, n, s);
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
	struct colour_sums s;
	double n = (double)total, mrg, myb, vrg, vyb;

	pthread_once(&log_once, make_log_table);
	memset(&s, 0, sizeof(s));
	for (int y = 0; y < rgb->height; y++)
		colour_row(rgb->pixels + (size_t)y * rgb->stride, rgb->width, &s);
	for (int v = 0; v < 256; v++)
		hist[v] = (uint64_t)s.part[0][v] + s.part[1][v] + s.part[2][v] + s.part[3][v];
	*chroma = quality_percentile(hist, total, 0.99);
	mrg = (double)s.srg / n;
	myb = (double)s.syb2 / n / 2;
	vrg = (double)s.qrg / n - mrg * mrg;
	vyb = (double)s.qyb2 / n / 4 - myb * myb;
	*colourfulness = sqrt(fmax(0, vrg) + fmax(0, vyb)) + 0.3 * sqrt(mrg * mrg + myb * myb);
	*skin = (double)s.skin / n;
}
