/* ycc420_from_rgb(), plain and AVX-512 VBMI. */
#include "luma.h"
#include "ycc.h"

static int simd_allowed = 1;

void ycc_set_simd(int on)
{
	simd_allowed = on;
}

/* Cb and Cr from the sums of four pixels (0..1020 each): JFIF's weights
 * in 16.16, divided by 4 more, rounded half down as libjpeg does. */
#define CB(r, g, b) ((-11059 * (r) - 21709 * (g) + 32768 * (b) + (128 << 18) + (1 << 17) - 1) >> 18)
#define CR(r, g, b) ((32768 * (r) - 27439 * (g) - 5329 * (b) + (128 << 18) + (1 << 17) - 1) >> 18)

/* Columns from x0 (even) to the end of row pair (a, b). */
static void rows_plain(const uint8_t *a, const uint8_t *b, int x0, int w, uint8_t *ya, uint8_t *yb,
		       uint8_t *cb, uint8_t *cr)
{
	for (int x = x0; x < w; x++) {
		ya[x] = luma601(a[3 * x], a[3 * x + 1], a[3 * x + 2]);
		if (yb)
			yb[x] = luma601(b[3 * x], b[3 * x + 1], b[3 * x + 2]);
	}
	for (int x = x0; x < w; x += 2) {
		int x1 = x + 1 < w ? x + 1 : x;
		int32_t s[3];

		for (int c = 0; c < 3; c++)
			s[c] = a[3 * x + c] + a[3 * x1 + c] + b[3 * x + c] + b[3 * x1 + c];
		cb[x / 2] = (uint8_t)CB(s[0], s[1], s[2]);
		cr[x / 2] = (uint8_t)CR(s[0], s[1], s[2]);
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_VBMI_PATH 1
#include <immintrin.h>

#define VBMI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))

/* 48 bytes of 16 pixels to 16 R, 16 G, 16 B (as blend.c splits them) */
static const uint8_t split[64] __attribute__((aligned(64))) = {
	0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45,
	1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46,
	2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 41, 44, 47,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

VBMI static inline __m128i luma16(__m512i v)
{
	__m512i r = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 0));
	__m512i g = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 1));
	__m512i b = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 2));
	__m512i y = _mm512_add_epi32(_mm512_mullo_epi32(r, _mm512_set1_epi32(19595)),
				     _mm512_mullo_epi32(g, _mm512_set1_epi32(38470)));

	y = _mm512_add_epi32(y, _mm512_mullo_epi32(b, _mm512_set1_epi32(7471)));
	return _mm512_cvtepi32_epi8(_mm512_srli_epi32(_mm512_add_epi32(y, _mm512_set1_epi32(32768)), 16));
}

/* Sums of horizontal pairs of one channel of two rows: 8 x 32 bits. */
VBMI static inline __m256i pairs(__m512i va, __m512i vb, int c)
{
	const __m128i ones = _mm_set1_epi8(1);
	__m128i s = _mm_add_epi16(_mm_maddubs_epi16(_mm512_extracti32x4_epi32(va, c), ones),
				  _mm_maddubs_epi16(_mm512_extracti32x4_epi32(vb, c), ones));

	return _mm256_cvtepu16_epi32(s);
}

VBMI static int rows_vbmi(const uint8_t *a, const uint8_t *b, int w, uint8_t *ya, uint8_t *yb,
			  uint8_t *cb, uint8_t *cr)
{
	const __mmask64 m48 = 0xffffffffffffull;
	const __m512i vsplit = _mm512_load_si512((const void *)split);
	const __m256i half = _mm256_set1_epi32((128 << 18) + (1 << 17) - 1);
	int x = 0;

	for (; x + 16 <= w; x += 16) {
		__m512i va = _mm512_permutexvar_epi8(vsplit, _mm512_maskz_loadu_epi8(m48, a + 3 * x));
		__m512i vb = _mm512_permutexvar_epi8(vsplit, _mm512_maskz_loadu_epi8(m48, b + 3 * x));
		__m256i r = pairs(va, vb, 0), g = pairs(va, vb, 1), bl = pairs(va, vb, 2);
		__m256i u = _mm256_add_epi32(_mm256_mullo_epi32(r, _mm256_set1_epi32(-11059)),
					     _mm256_mullo_epi32(g, _mm256_set1_epi32(-21709)));
		__m256i v = _mm256_add_epi32(_mm256_mullo_epi32(r, _mm256_set1_epi32(32768)),
					     _mm256_mullo_epi32(g, _mm256_set1_epi32(-27439)));

		u = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_mullo_epi32(bl, _mm256_set1_epi32(32768)), half));
		v = _mm256_add_epi32(v, _mm256_add_epi32(_mm256_mullo_epi32(bl, _mm256_set1_epi32(-5329)), half));
		_mm_storeu_si128((__m128i *)(void *)(ya + x), luma16(va));
		if (yb)
			_mm_storeu_si128((__m128i *)(void *)(yb + x), luma16(vb));
		_mm_storel_epi64((__m128i *)(void *)(cb + x / 2), _mm256_cvtepi32_epi8(_mm256_srai_epi32(u, 18)));
		_mm_storel_epi64((__m128i *)(void *)(cr + x / 2), _mm256_cvtepi32_epi8(_mm256_srai_epi32(v, 18)));
	}
	return x;
}

static int vbmi_ok(void)
{
	static int ok = -1;

	if (ok < 0)
		ok = __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw") &&
		     __builtin_cpu_supports("avx512vl") ? 1 : 0;
	return ok;
}
#endif

void ycc420_from_rgb(const struct img *rgb, struct img planes[3])
{
	int w = rgb->width, h = rgb->height;

	for (int y = 0; y < h; y += 2) {
		const uint8_t *a = rgb->pixels + (size_t)y * rgb->stride;
		const uint8_t *b = y + 1 < h ? a + rgb->stride : a;
		uint8_t *ya = planes[0].pixels + (size_t)y * planes[0].stride;
		uint8_t *yb = y + 1 < h ? ya + planes[0].stride : NULL;
		uint8_t *cb = planes[1].pixels + (size_t)(y / 2) * planes[1].stride;
		uint8_t *cr = planes[2].pixels + (size_t)(y / 2) * planes[2].stride;
		int x = 0;

#ifdef HAVE_VBMI_PATH
		if (simd_allowed && vbmi_ok())
			x = rows_vbmi(a, b, w, ya, yb, cb, cr);
#endif
		rows_plain(a, b, x, w, ya, yb, cb, cr);
	}
}
