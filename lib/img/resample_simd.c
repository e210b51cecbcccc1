/* The resampling passes in AVX2 and AVX-512 (see resample_taps.h): the
 * same sums as the plain loops, so the same bytes; resample.c picks them
 * by cpu_level(). Built with -O3 (see the Makefile). */
#include <stddef.h>
#include <stdint.h>

#include "img/resample_taps.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2")))

/* Output x's sum as 8 int32 lanes: its taps 16 at a time (the weights'
 * zero tail covers the bytes read past them). */
AVX2 static inline __m256i dot_avx2(const uint8_t *p, const int16_t *w, int n)
{
	__m256i a = _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)p)),
				      _mm256_loadu_si256((const __m256i *)w));

	for (int c = 16; c < n; c += 16)
		a = _mm256_add_epi32(a, _mm256_madd_epi16(
			_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(p + c))),
			_mm256_loadu_si256((const __m256i *)(w + c))));
	return a;
}

/* Eight outputs' lanes summed, rounded, clamped and stored as 8 bytes. */
AVX2 static inline void store8_avx2(const __m256i a[8], uint8_t *d)
{
	const __m128i half = _mm_set1_epi32(1 << (PREC - 1));
	__m256i q0 = _mm256_hadd_epi32(_mm256_hadd_epi32(a[0], a[1]), _mm256_hadd_epi32(a[2], a[3]));
	__m256i q1 = _mm256_hadd_epi32(_mm256_hadd_epi32(a[4], a[5]), _mm256_hadd_epi32(a[6], a[7]));
	__m128i s0 = _mm_add_epi32(_mm256_castsi256_si128(q0), _mm256_extracti128_si256(q0, 1));
	__m128i s1 = _mm_add_epi32(_mm256_castsi256_si128(q1), _mm256_extracti128_si256(q1, 1));
	__m128i p;

	s0 = _mm_srai_epi32(_mm_add_epi32(s0, half), PREC);
	s1 = _mm_srai_epi32(_mm_add_epi32(s1, half), PREC);
	p = _mm_packs_epi32(s0, s1);
	_mm_storel_epi64((__m128i *)(void *)d, _mm_packus_epi16(p, p));
}

AVX2 int resample_h1_avx2(const uint8_t *s, uint8_t *d, int out_w, const struct taps *t)
{
	int x = 0;

	for (; x + 8 <= out_w; x += 8) {
		__m256i a[8];

		for (int j = 0; j < 8; j++)
			a[j] = dot_avx2(s + t->first[x + j], t->weights + (size_t)(x + j) * t->max_taps,
					t->count[x + j]);
		store8_avx2(a, d + x);
	}
	return x;
}

/* Two outputs' sums in one register (16 taps each, lanes 0-7 and 8-15),
 * for rows of exactly 16 weights: x's and x + 1's are contiguous. */
AVX512 static inline __m512i dot2_avx512(const uint8_t *p0, const uint8_t *p1, const int16_t *w)
{
	__m256i b = _mm256_inserti128_si256(_mm256_castsi128_si256(
		_mm_loadu_si128((const __m128i *)p0)), _mm_loadu_si128((const __m128i *)p1), 1);

	return _mm512_madd_epi16(_mm512_cvtepu8_epi16(b), _mm512_loadu_si512(w));
}

/* Eight outputs from four dot2_avx512() results, stored as 8 bytes. */
AVX512 static inline void store8_avx512(__m512i m0, __m512i m1, __m512i m2, __m512i m3,
					uint8_t *d)
{
	/* per 128-bit block: the 4 partial sums of one output, x + k in
	 * block k of s0 and x + 4 + k in block k of s1 */
	__m512i s0 = _mm512_add_epi32(_mm512_shuffle_i32x4(m0, m1, _MM_SHUFFLE(2, 0, 2, 0)),
				      _mm512_shuffle_i32x4(m0, m1, _MM_SHUFFLE(3, 1, 3, 1)));
	__m512i s1 = _mm512_add_epi32(_mm512_shuffle_i32x4(m2, m3, _MM_SHUFFLE(2, 0, 2, 0)),
				      _mm512_shuffle_i32x4(m2, m3, _MM_SHUFFLE(3, 1, 3, 1)));
	__m512i c = _mm512_add_epi32(_mm512_unpacklo_epi32(s0, s1), _mm512_unpackhi_epi32(s0, s1));
	const __m512i order = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);

	/* block k: [sum x+k, sum x+4+k, sum x+k, sum x+4+k] */
	c = _mm512_add_epi32(c, _mm512_shuffle_epi32(c, _MM_PERM_BADC));
	c = _mm512_add_epi32(c, _mm512_set1_epi32(1 << (PREC - 1)));
	c = _mm512_max_epi32(_mm512_srai_epi32(c, PREC), _mm512_setzero_si512());
	/* lanes 0, 4, 8, 12 are x .. x+3 and lanes 1, 5, 9, 13 x+4 .. x+7 */
	c = _mm512_permutexvar_epi32(order, c);
	_mm_storel_epi64((__m128i *)(void *)d, _mm512_cvtusepi32_epi8(c));
}

AVX512 int resample_h1_avx512(const uint8_t *s, uint8_t *d, int out_w, const struct taps *t)
{
	int x = 0;

	if (t->max_taps != 16)
		return resample_h1_avx2(s, d, out_w, t);
	for (; x + 8 <= out_w; x += 8) {
		const int *f = t->first + x;
		const int16_t *w = t->weights + (size_t)x * 16;

		store8_avx512(dot2_avx512(s + f[0], s + f[1], w),
			      dot2_avx512(s + f[2], s + f[3], w + 32),
			      dot2_avx512(s + f[4], s + f[5], w + 64),
			      dot2_avx512(s + f[6], s + f[7], w + 96), d + x);
	}
	return x;
}

/* Pairs of taps k, k + 1 as one pmaddwd operand. */
static inline int32_t weight_pair(const int16_t *w, int k, int n)
{
	return (int32_t)((uint16_t)w[k] | (uint32_t)(uint16_t)(k + 1 < n ? w[k + 1] : 0) << 16);
}

/* Unpacking and packing stay within 128-bit lanes, so the bytes come
 * out in their order; the same steps as resample.c's SSE2 block. */
AVX2 size_t resample_v_avx2(const uint8_t *base, size_t stride, const int16_t *w, int n, uint8_t *d,
			    size_t len)
{
	const __m256i zero = _mm256_setzero_si256(), half = _mm256_set1_epi32(1 << (PREC - 1));
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		__m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero;

		for (int k = 0; k < n; k += 2) {
			const uint8_t *p = base + (size_t)k * stride + i;
			__m256i r0 = _mm256_loadu_si256((const __m256i *)p);
			__m256i r1 = k + 1 < n ? _mm256_loadu_si256((const __m256i *)(p + stride)) : zero;
			__m256i ww = _mm256_set1_epi32(weight_pair(w, k, n));
			__m256i lo0 = _mm256_unpacklo_epi8(r0, zero), lo1 = _mm256_unpacklo_epi8(r1, zero);
			__m256i hi0 = _mm256_unpackhi_epi8(r0, zero), hi1 = _mm256_unpackhi_epi8(r1, zero);

			a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi16(lo0, lo1), ww));
			a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi16(lo0, lo1), ww));
			a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi16(hi0, hi1), ww));
			a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi16(hi0, hi1), ww));
		}
		a0 = _mm256_srai_epi32(_mm256_add_epi32(a0, half), PREC);
		a1 = _mm256_srai_epi32(_mm256_add_epi32(a1, half), PREC);
		a2 = _mm256_srai_epi32(_mm256_add_epi32(a2, half), PREC);
		a3 = _mm256_srai_epi32(_mm256_add_epi32(a3, half), PREC);
		_mm256_storeu_si256((__m256i *)(void *)(d + i),
				    _mm256_packus_epi16(_mm256_packs_epi32(a0, a1),
							_mm256_packs_epi32(a2, a3)));
	}
	return i;
}

AVX512 size_t resample_v_avx512(const uint8_t *base, size_t stride, const int16_t *w, int n,
				uint8_t *d, size_t len)
{
	const __m512i zero = _mm512_setzero_si512(), half = _mm512_set1_epi32(1 << (PREC - 1));
	size_t i = 0;

	for (; i + 64 <= len; i += 64) {
		__m512i a0 = zero, a1 = zero, a2 = zero, a3 = zero;

		for (int k = 0; k < n; k += 2) {
			const uint8_t *p = base + (size_t)k * stride + i;
			__m512i r0 = _mm512_loadu_si512(p);
			__m512i r1 = k + 1 < n ? _mm512_loadu_si512(p + stride) : zero;
			__m512i ww = _mm512_set1_epi32(weight_pair(w, k, n));
			__m512i lo0 = _mm512_unpacklo_epi8(r0, zero), lo1 = _mm512_unpacklo_epi8(r1, zero);
			__m512i hi0 = _mm512_unpackhi_epi8(r0, zero), hi1 = _mm512_unpackhi_epi8(r1, zero);

			a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_unpacklo_epi16(lo0, lo1), ww));
			a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_unpackhi_epi16(lo0, lo1), ww));
			a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(_mm512_unpacklo_epi16(hi0, hi1), ww));
			a3 = _mm512_add_epi32(a3, _mm512_madd_epi16(_mm512_unpackhi_epi16(hi0, hi1), ww));
		}
		a0 = _mm512_srai_epi32(_mm512_add_epi32(a0, half), PREC);
		a1 = _mm512_srai_epi32(_mm512_add_epi32(a1, half), PREC);
		a2 = _mm512_srai_epi32(_mm512_add_epi32(a2, half), PREC);
		a3 = _mm512_srai_epi32(_mm512_add_epi32(a3, half), PREC);
		_mm512_storeu_si512(d + i, _mm512_packus_epi16(_mm512_packs_epi32(a0, a1),
							       _mm512_packs_epi32(a2, a3)));
	}
	return i;
}

#else

int resample_h1_avx2(const uint8_t *s, uint8_t *d, int out_w, const struct taps *t)
{
	(void)s, (void)d, (void)out_w, (void)t;
	return 0;
}

int resample_h1_avx512(const uint8_t *s, uint8_t *d, int out_w, const struct taps *t)
{
	(void)s, (void)d, (void)out_w, (void)t;
	return 0;
}

size_t resample_v_avx2(const uint8_t *base, size_t stride, const int16_t *w, int n, uint8_t *d,
		       size_t len)
{
	(void)base, (void)stride, (void)w, (void)n, (void)d, (void)len;
	return 0;
}

size_t resample_v_avx512(const uint8_t *base, size_t stride, const int16_t *w, int n, uint8_t *d,
			 size_t len)
{
	(void)base, (void)stride, (void)w, (void)n, (void)d, (void)len;
	return 0;
}

#endif
