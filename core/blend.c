/* blend_grey_rgb(), plain and AVX-512 VBMI. */
#include "blend.h"
#include "cpu.h"
#include "luma.h"

/* g << 16 + k (c - g) + 32768 stays inside 32 bits */
#define BLEND_SIMD_MAX_K 8000000

static void blend_plain(uint8_t *p, size_t npix, int32_t k)
{
	for (size_t i = 0; i < npix; i++, p += 3) {
		int32_t g = luma601(p[0], p[1], p[2]);

		for (int c = 0; c < 3; c++) {
			int64_t v = ((int64_t)g << 16) + (int64_t)k * (p[c] - g) + 32768;

			p[c] = v <= 0 ? 0 : v >= (255 << 16) ? 255 : (uint8_t)(v >> 16);
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_VBMI_PATH 1
#include <immintrin.h>

#define VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

/* Pixels 16 at a time: their 48 bytes split into 16 R, 16 G, 16 B (byte
 * b of the split is byte split[b] of the pixels) and joined back. */
static const uint8_t split[64] __attribute__((aligned(64))) = {
	0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45,
	1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46,
	2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 41, 44, 47,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
static const uint8_t join[64] __attribute__((aligned(64))) = {
	0, 16, 32, 1, 17, 33, 2, 18, 34, 3, 19, 35, 4, 20, 36, 5,
	21, 37, 6, 22, 38, 7, 23, 39, 8, 24, 40, 9, 25, 41, 10, 26,
	42, 11, 27, 43, 12, 28, 44, 13, 29, 45, 14, 30, 46, 15, 31, 47,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* One channel of sixteen pixels: y + k (c - y), rounded, clipped, bytes. */
VBMI static inline __m128i towards(__m512i c, __m512i y, __m512i k, __m512i half, __m512i zero,
				   __m512i top)
{
	__m512i t = _mm512_add_epi32(_mm512_slli_epi32(y, 16),
				     _mm512_mullo_epi32(k, _mm512_sub_epi32(c, y)));

	t = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(t, half), zero), top);
	return _mm512_cvtepi32_epi8(_mm512_srli_epi32(t, 16));
}

VBMI static void blend_vbmi(uint8_t *p, size_t npix, int32_t k)
{
	const __mmask64 m48 = 0xffffffffffffull;
	const __m512i kk = _mm512_set1_epi32(k), half = _mm512_set1_epi32(32768);
	const __m512i top = _mm512_set1_epi32(255 << 16), zero = _mm512_setzero_si512();
	const __m512i vsplit = _mm512_load_si512((const void *)split);
	const __m512i vjoin = _mm512_load_si512((const void *)join);
	size_t i = 0;

	for (; i + 16 <= npix; i += 16, p += 48) {
		__m512i v = _mm512_permutexvar_epi8(vsplit, _mm512_maskz_loadu_epi8(m48, p));
		__m512i r = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 0));
		__m512i g = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 1));
		__m512i b = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 2));
		__m512i y = _mm512_add_epi32(_mm512_mullo_epi32(r, _mm512_set1_epi32(19595)),
					     _mm512_mullo_epi32(g, _mm512_set1_epi32(38470)));
		__m512i out;
		__m128i bytes[3];

		y = _mm512_add_epi32(y, _mm512_mullo_epi32(b, _mm512_set1_epi32(7471)));
		y = _mm512_srli_epi32(_mm512_add_epi32(y, half), 16);
		bytes[0] = towards(r, y, kk, half, zero, top);
		bytes[1] = towards(g, y, kk, half, zero, top);
		bytes[2] = towards(b, y, kk, half, zero, top);
		out = _mm512_inserti32x4(_mm512_castsi128_si512(bytes[0]), bytes[1], 1);
		out = _mm512_inserti32x4(out, bytes[2], 2);
		_mm512_mask_storeu_epi8(p, m48, _mm512_permutexvar_epi8(vjoin, out));
	}
	blend_plain(p, npix - i, k);
}

#endif

void blend_grey_rgb(uint8_t *p, size_t npix, int32_t k)
{
#ifdef HAVE_VBMI_PATH
	if (cpu_level() >= CPU_AVX512 && k >= -BLEND_SIMD_MAX_K && k <= BLEND_SIMD_MAX_K) {
		blend_vbmi(p, npix, k);
		return;
	}
#endif
	blend_plain(p, npix, k);
}
