/* blend_grey_rgb(), plain and AVX-512 VBMI. */
#include "aug/blend.h"
#include "base/base.h"
#include "img/img.h"

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

#include "aug/rgb16.h"

#define VBMI RGB16_TARGET

/* One channel of sixteen pixels: y + k (c - y), rounded, clipped, bytes. */
VBMI static inline __m128i towards(__m512i c, __m512i y, __m512i k, __m512i half, __m512i zero,
				   __m512i top)
{
	__m512i t = _mm512_add_epi32(_mm512_slli_epi32(y, 16),
				     _mm512_mullo_epi32(k, _mm512_sub_epi32(c, y)));

	t = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(t, half), zero), top);
	return _mm512_cvtepi32_epi8(_mm512_srli_epi32(t, 16));
}

/* Sixteen pixels, split (rgb16.h), blended. */
VBMI static inline __m512i blend16(__m512i v, __m512i kk)
{
	const __m512i half = _mm512_set1_epi32(32768), top = _mm512_set1_epi32(255 << 16);
	const __m512i zero = _mm512_setzero_si512();
	__m512i r = rgb16_channel(v, 0), g = rgb16_channel(v, 1), b = rgb16_channel(v, 2);
	__m512i y = rgb16_luma(v), out;

	out = _mm512_castsi128_si512(towards(r, y, kk, half, zero, top));
	out = _mm512_inserti32x4(out, towards(g, y, kk, half, zero, top), 1);
	return _mm512_inserti32x4(out, towards(b, y, kk, half, zero, top), 2);
}

VBMI static void blend_vbmi(uint8_t *p, size_t npix, int32_t k)
{
	const __m512i kk = _mm512_set1_epi32(k);
	size_t i = 0;

	for (; i + 64 <= npix; i += 64, p += 192) {
		__m512i v[4];

		rgb64_load(p, v);
		for (int q = 0; q < 4; q++)
			v[q] = blend16(v[q], kk);
		rgb64_store(p, v);
	}
	for (; i + 16 <= npix; i += 16, p += 48)
		rgb16_store(p, blend16(rgb16_load(p), kk));
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
