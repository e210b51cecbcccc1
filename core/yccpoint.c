/* Pointwise colour steps on 4:2:0 planes, plain and AVX-512: what the
 * header says, one 2x2 block (plain) or eight blocks (AVX-512) at a time,
 * in place. Every float operation below has its twin in the other path,
 * in the same order; the Makefile builds this file with
 * -ffp-contract=off so none is fused. */
#include <math.h>

#include "cpu.h"
#include "yccpoint.h"

/* JFIF's YCbCr to RGB and back, in single precision. */
#define K_RV 1.402f
#define K_GU -0.344136f
#define K_GV -0.714136f
#define K_BU 1.772f
#define K_YR 0.299f
#define K_YG 0.587f
#define K_YB 0.114f
#define K_UR -0.168736f
#define K_UG -0.331264f
#define K_UB 0.5f
#define K_VR 0.5f
#define K_VG -0.418688f
#define K_VB -0.081312f

/* The colour a block's chroma adds to its pixels' luma. */
static inline void offsets(uint8_t cb, uint8_t cr, float d[3])
{
	float u = (float)cb - 128.f, v = (float)cr - 128.f;

	d[0] = v * K_RV;
	d[1] = u * K_GU + v * K_GV;
	d[2] = u * K_BU;
}

/* max then min, as maxps and minps pick */
static inline float clip(float v, float lo, float hi)
{
	v = v > lo ? v : lo;
	return v < hi ? v : hi;
}

static inline float luma(const float v[3])
{
	return (v[0] * K_YR + v[1] * K_YG) + v[2] * K_YB;
}

/* to a byte: rounded to nearest (even on ties, as cvtps2dq), clipped */
static inline uint8_t byte(float v)
{
	long r = lrintf(v);

	return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

static void pixel(uint8_t y, const float d[3], const struct ycc_step *s, size_t n, float v[3])
{
	for (int c = 0; c < 3; c++)
		v[c] = clip((float)y + d[c], 0.f, 255.f);
	for (size_t i = 0; i < n; i++) {
		if (s[i].kind == YCC_COLOUR) {
			float l = luma(v);

			for (int c = 0; c < 3; c++)
				v[c] = (v[c] - l) * s[i].a + l;
		} else {
			for (int c = 0; c < 3; c++)
				v[c] = v[c] * s[i].a + s[i].b;
		}
		for (int c = 0; c < 3; c++)
			v[c] = clip(v[c], s[i].lo, s[i].hi);
	}
}

/* Cb and Cr from the sums of a block's four colours. */
static inline float chroma_u(const float s[3])
{
	return ((s[0] * K_UR + s[1] * K_UG) + s[2] * K_UB) * 0.25f + 128.f;
}

static inline float chroma_v(const float s[3])
{
	return ((s[0] * K_VR + s[1] * K_VG) + s[2] * K_VB) * 0.25f + 128.f;
}

/* Blocks from column x0 (even) to the end of rows a and b (b == a for an
 * odd last row, then written once). */
static void rows_plain(uint8_t *ya, uint8_t *yb, uint8_t *cb, uint8_t *cr, int x0, int w,
		       const struct ycc_step *s, size_t n)
{
	for (int x = x0; x < w; x += 2) {
		int x1 = x + 1 < w ? x + 1 : x;
		const uint8_t ys[4] = { ya[x], ya[x1], yb[x], yb[x1] };
		float d[3], p[4][3], sum[3];

		offsets(cb[x / 2], cr[x / 2], d);
		for (int k = 0; k < 4; k++)
			pixel(ys[k], d, s, n, p[k]);
		yb[x] = byte(luma(p[2]));
		yb[x1] = byte(luma(p[3]));
		ya[x] = byte(luma(p[0]));
		ya[x1] = byte(luma(p[1]));
		for (int c = 0; c < 3; c++)
			sum[c] = (p[0][c] + p[2][c]) + (p[1][c] + p[3][c]);
		cb[x / 2] = byte(chroma_u(sum));
		cr[x / 2] = byte(chroma_v(sum));
	}
}

static void stats_plain(const uint8_t *yrow, const uint8_t *cb, const uint8_t *cr, int x0, int w,
			const struct ycc_step *s, size_t n, struct ycc_stats *st)
{
	for (int x = x0; x < w; x++) {
		float d[3], v[3];

		offsets(cb[x / 2], cr[x / 2], d);
		pixel(yrow[x], d, s, n, v);
		st->luma_sum += byte(luma(v));
		for (int c = 0; c < 3; c++) {
			st->min = v[c] < st->min ? v[c] : st->min;
			st->max = v[c] > st->max ? v[c] : st->max;
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX512_PATH 1

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

/* The steps, broadcast once. */
struct vsteps {
	__m512 a[YCC_MAX_STEPS], b[YCC_MAX_STEPS], lo[YCC_MAX_STEPS], hi[YCC_MAX_STEPS];
	int colour[YCC_MAX_STEPS];
	size_t n;
};

AVX512 static void vsteps_init(struct vsteps *vs, const struct ycc_step *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vs->a[i] = _mm512_set1_ps(s[i].a);
		vs->b[i] = _mm512_set1_ps(s[i].b);
		vs->lo[i] = _mm512_set1_ps(s[i].lo);
		vs->hi[i] = _mm512_set1_ps(s[i].hi);
		vs->colour[i] = s[i].kind == YCC_COLOUR;
	}
	vs->n = n;
}

AVX512 static inline __m512 vclip(__m512 v, __m512 lo, __m512 hi)
{
	return _mm512_min_ps(_mm512_max_ps(v, lo), hi);
}

AVX512 static inline __m512 vluma(const __m512 v[3])
{
	return _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(v[0], _mm512_set1_ps(K_YR)),
					   _mm512_mul_ps(v[1], _mm512_set1_ps(K_YG))),
			     _mm512_mul_ps(v[2], _mm512_set1_ps(K_YB)));
}

/* 16 bytes as 32-bit integers, clipped to 0..255 */
AVX512 static inline __m512i vround(__m512 v)
{
	__m512i r = _mm512_cvtps_epi32(v);

	return _mm512_min_epi32(_mm512_max_epi32(r, _mm512_setzero_si512()), _mm512_set1_epi32(255));
}

/* The offsets of eight blocks, each for its two columns: 16 lanes. */
AVX512 static inline void voffsets(const uint8_t *cb, const uint8_t *cr, __m512 d[3])
{
	__m128i u8 = _mm_loadl_epi64((const __m128i *)(const void *)cb);
	__m128i v8 = _mm_loadl_epi64((const __m128i *)(const void *)cr);
	const __m512 c128 = _mm512_set1_ps(128.f);
	__m512 u = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(u8, u8))), c128);
	__m512 v = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(v8, v8))), c128);

	d[0] = _mm512_mul_ps(v, _mm512_set1_ps(K_RV));
	d[1] = _mm512_add_ps(_mm512_mul_ps(u, _mm512_set1_ps(K_GU)), _mm512_mul_ps(v, _mm512_set1_ps(K_GV)));
	d[2] = _mm512_mul_ps(u, _mm512_set1_ps(K_BU));
}

AVX512 static inline void vpixels(const uint8_t *y, const __m512 d[3], const struct vsteps *vs,
				  __m512 v[3])
{
	const __m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(255.f);
	__m512 yf = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(const void *)y)));

	for (int c = 0; c < 3; c++)
		v[c] = vclip(_mm512_add_ps(yf, d[c]), zero, top);
	for (size_t i = 0; i < vs->n; i++) {
		if (vs->colour[i]) {
			__m512 l = vluma(v);

			for (int c = 0; c < 3; c++)
				v[c] = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(v[c], l), vs->a[i]), l);
		} else {
			for (int c = 0; c < 3; c++)
				v[c] = _mm512_add_ps(_mm512_mul_ps(v[c], vs->a[i]), vs->b[i]);
		}
		for (int c = 0; c < 3; c++)
			v[c] = vclip(v[c], vs->lo[i], vs->hi[i]);
	}
}

/* Eight chroma bytes from 16 lanes whose pairs hold the same value. */
AVX512 static inline void vstore_chroma(uint8_t *p, __m512 v)
{
	const __m128i even = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);

	_mm_storel_epi64((__m128i *)(void *)p, _mm_shuffle_epi8(_mm512_cvtepi32_epi8(vround(v)), even));
}

/* Sixteen columns at a time while they last; @return the first column
 * left to the plain loop. */
AVX512 static int rows_avx512(uint8_t *ya, uint8_t *yb, uint8_t *cb, uint8_t *cr, int w,
			      const struct vsteps *vs)
{
	int x = 0;

	for (; x + 16 <= w; x += 16) {
		__m512 d[3], a[3], b[3], s[3], u, v;

		voffsets(cb + x / 2, cr + x / 2, d);
		vpixels(ya + x, d, vs, a);
		vpixels(yb + x, d, vs, b);
		/* lanes 2k and 2k + 1: (a0 + b0) + (a1 + b1), as the plain loop adds */
		for (int c = 0; c < 3; c++) {
			s[c] = _mm512_add_ps(a[c], b[c]);
			s[c] = _mm512_add_ps(s[c], _mm512_permute_ps(s[c], 0xb1));
		}
		u = _mm512_add_ps(_mm512_mul_ps(_mm512_add_ps(_mm512_add_ps(
					_mm512_mul_ps(s[0], _mm512_set1_ps(K_UR)),
					_mm512_mul_ps(s[1], _mm512_set1_ps(K_UG))),
					_mm512_mul_ps(s[2], _mm512_set1_ps(K_UB))), _mm512_set1_ps(0.25f)),
				  _mm512_set1_ps(128.f));
		v = _mm512_add_ps(_mm512_mul_ps(_mm512_add_ps(_mm512_add_ps(
					_mm512_mul_ps(s[0], _mm512_set1_ps(K_VR)),
					_mm512_mul_ps(s[1], _mm512_set1_ps(K_VG))),
					_mm512_mul_ps(s[2], _mm512_set1_ps(K_VB))), _mm512_set1_ps(0.25f)),
				  _mm512_set1_ps(128.f));
		_mm_storeu_si128((__m128i *)(void *)(yb + x), _mm512_cvtepi32_epi8(vround(vluma(b))));
		_mm_storeu_si128((__m128i *)(void *)(ya + x), _mm512_cvtepi32_epi8(vround(vluma(a))));
		vstore_chroma(cb + x / 2, u);
		vstore_chroma(cr + x / 2, v);
	}
	return x;
}

AVX512 static int stats_avx512(const uint8_t *yrow, const uint8_t *cb, const uint8_t *cr, int w,
			       const struct vsteps *vs, struct ycc_stats *st)
{
	__m512i sum = _mm512_setzero_si512();
	__m512 mn = _mm512_set1_ps(st->min), mx = _mm512_set1_ps(st->max);
	int x = 0;

	for (; x + 16 <= w; x += 16) {
		__m512 d[3], v[3];

		voffsets(cb + x / 2, cr + x / 2, d);
		vpixels(yrow + x, d, vs, v);
		sum = _mm512_add_epi32(sum, vround(vluma(v)));
		for (int c = 0; c < 3; c++) {
			mn = _mm512_min_ps(mn, v[c]);
			mx = _mm512_max_ps(mx, v[c]);
		}
	}
	st->luma_sum += (uint64_t)(uint32_t)_mm512_reduce_add_epi32(sum);
	st->min = _mm512_reduce_min_ps(mn);
	st->max = _mm512_reduce_max_ps(mx);
	return x;
}
#endif

void ycc420_steps_apply(struct img planes[3], const struct ycc_step *steps, size_t n)
{
	int w = planes[0].width, h = planes[0].height;
#ifdef HAVE_AVX512_PATH
	struct vsteps vs;
	int vec = cpu_level() >= CPU_AVX512;

	if (vec)
		vsteps_init(&vs, steps, n);
#endif

	for (int y = 0; y < h; y += 2) {
		uint8_t *ya = planes[0].pixels + (size_t)y * planes[0].stride;
		uint8_t *yb = y + 1 < h ? ya + planes[0].stride : ya;
		uint8_t *cb = planes[1].pixels + (size_t)(y / 2) * planes[1].stride;
		uint8_t *cr = planes[2].pixels + (size_t)(y / 2) * planes[2].stride;
		int x = 0;

#ifdef HAVE_AVX512_PATH
		if (vec)
			x = rows_avx512(ya, yb, cb, cr, w, &vs);
#endif
		rows_plain(ya, yb, cb, cr, x, w, steps, n);
	}
}

void ycc420_steps_stats(const struct img planes[3], const struct ycc_step *steps, size_t n,
			struct ycc_stats *st)
{
	int w = planes[0].width, h = planes[0].height;
#ifdef HAVE_AVX512_PATH
	struct vsteps vs;
	int vec = cpu_level() >= CPU_AVX512;

	if (vec)
		vsteps_init(&vs, steps, n);
#endif

	st->luma_sum = 0;
	st->n = (uint64_t)w * (uint64_t)h;
	st->min = 255.f;
	st->max = 0.f;
	for (int y = 0; y < h; y++) {
		const uint8_t *yrow = planes[0].pixels + (size_t)y * planes[0].stride;
		const uint8_t *cb = planes[1].pixels + (size_t)(y / 2) * planes[1].stride;
		const uint8_t *cr = planes[2].pixels + (size_t)(y / 2) * planes[2].stride;
		int x = 0;

#ifdef HAVE_AVX512_PATH
		if (vec)
			x = stats_avx512(yrow, cb, cr, w, &vs, st);
#endif
		stats_plain(yrow, cb, cr, x, w, steps, n, st);
	}
}
