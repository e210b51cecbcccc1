/* RGB pixels with AVX-512 VBMI: sixteen at a time, their 48 bytes split
 * into 16 R, 16 G and 16 B bytes (one vpermb) and joined back, or
 * sixty-four at a time as four such splits through whole vectors; and
 * their BT.601 luma (luma.h's weights) in 32-bit lanes. For aug/blend.c
 * and aug/ycc.c; include it inside their x86-64 blocks. */
#ifndef WINNOW_RGB16_H
#define WINNOW_RGB16_H

#include <immintrin.h>
#include <stdint.h>

#define RGB16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))

/* The permute tables, made by formula. For sixty-four pixels (192 bytes)
 * as four splits: split k, byte b (b < 48): byte 48 k + 3 (b % 16) + b / 16 of the 192,
 * taken from the vector pair (0, 1) for k < 2, else (1, 2). */
#define RGB64_SPLIT(k, b) \
	((b) < 48 ? 48 * (k) + 3 * ((b) % 16) + (b) / 16 - ((k) >= 2 ? 64 : 0) : 0)
/* Vector j, byte b: split (g / 48) byte 16 (o % 3) + o / 3, where g is
 * the byte's place in the 192 and o = g % 48; from the split pair (j, j + 1). */
#define RGB64_JOIN(j, b)                                                       \
	((((64 * (j) + (b)) / 48 - (j)) * 64) + 16 * (((64 * (j) + (b)) % 48) % 3) + \
	 ((64 * (j) + (b)) % 48) / 3)
#define RGB64_ROW4(f, k, b) f(k, b), f(k, (b) + 1), f(k, (b) + 2), f(k, (b) + 3)
#define RGB64_ROW16(f, k, b) \
	RGB64_ROW4(f, k, b), RGB64_ROW4(f, k, (b) + 4), RGB64_ROW4(f, k, (b) + 8), RGB64_ROW4(f, k, (b) + 12)
#define RGB64_ROW(f, k) \
	{ RGB64_ROW16(f, k, 0), RGB64_ROW16(f, k, 16), RGB64_ROW16(f, k, 32), RGB64_ROW16(f, k, 48) }

/* Sixteen pixels, one split: split byte b (b < 48) is byte 3 (b % 16) +
 * b / 16 of the 48, RGB64_SPLIT's k = 0; pixel byte b (b < 48) is split
 * byte 16 (b % 3) + b / 3. */
#define RGB16_JOIN(k, b) ((b) < 48 ? 16 * ((b) % 3) + (b) / 3 : 0)

/* byte b of a split: byte rgb16_split[b] of the pixels */
static const uint8_t rgb16_split[64] __attribute__((aligned(64))) = RGB64_ROW(RGB64_SPLIT, 0);

/* byte b of the pixels: byte rgb16_join[b] of a split */
static const uint8_t rgb16_join[64] __attribute__((aligned(64))) = RGB64_ROW(RGB16_JOIN, 0);

/* The 48 bytes at p, split. */
RGB16_TARGET static inline __m512i rgb16_load(const uint8_t *p)
{
	return _mm512_permutexvar_epi8(_mm512_load_si512((const void *)rgb16_split),
				       _mm512_maskz_loadu_epi8(0xffffffffffffull, p));
}

/* A split (R, G, B bytes in its first three lanes) stored as 48 bytes. */
RGB16_TARGET static inline void rgb16_store(uint8_t *p, __m512i split)
{
	_mm512_mask_storeu_epi8(p, 0xffffffffffffull,
				_mm512_permutexvar_epi8(_mm512_load_si512((const void *)rgb16_join),
							split));
}

/* Sixty-four pixels as four splits, through three whole vectors each
 * way. In-place loops want this: a 48-byte masked store followed by a
 * load from the rest of its cache line, as rgb16_store() and rgb16_load()
 * over consecutive pixels do, waits for the store, and serialises the
 * loop. */
static const uint8_t rgb64_split[4][64] __attribute__((aligned(64))) = {
	RGB64_ROW(RGB64_SPLIT, 0), RGB64_ROW(RGB64_SPLIT, 1),
	RGB64_ROW(RGB64_SPLIT, 2), RGB64_ROW(RGB64_SPLIT, 3),
};
static const uint8_t rgb64_join[3][64] __attribute__((aligned(64))) = {
	RGB64_ROW(RGB64_JOIN, 0), RGB64_ROW(RGB64_JOIN, 1), RGB64_ROW(RGB64_JOIN, 2),
};

/* The 192 bytes at p as four splits. */
RGB16_TARGET static inline void rgb64_load(const uint8_t *p, __m512i split[4])
{
	__m512i v[3];

	for (int j = 0; j < 3; j++)
		v[j] = _mm512_loadu_si512((const void *)(p + 64 * j));
	for (int k = 0; k < 4; k++)
		split[k] = _mm512_permutex2var_epi8(v[k / 2], _mm512_load_si512((const void *)rgb64_split[k]),
						    v[k / 2 + 1]);
}

/* Four splits stored as the 192 bytes at p. */
RGB16_TARGET static inline void rgb64_store(uint8_t *p, const __m512i split[4])
{
	for (int j = 0; j < 3; j++)
		_mm512_storeu_si512((void *)(p + 64 * j),
				    _mm512_permutex2var_epi8(split[j], _mm512_load_si512((const void *)rgb64_join[j]),
							     split[j + 1]));
}

/* Channel c of a split, widened to 32 bits. */
RGB16_TARGET static inline __m512i rgb16_channel(__m512i split, int c)
{
	switch (c) {
	case 0: return _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(split, 0));
	case 1: return _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(split, 1));
	default: return _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(split, 2));
	}
}

/* byte b of the (R, 0, G, 0) dwords: byte rgb16_rg[b] of a split, and
 * of the (B, ...) dwords: byte rgb16_b[b]; the other bytes are masked */
#define RGB16_RG(b) ((b) % 4 == 0 ? (b) / 4 : (b) % 4 == 2 ? 16 + (b) / 4 : 0)
#define RGB16_B(b) ((b) % 4 == 0 ? 32 + (b) / 4 : 0)
#define RGB16_F(f, b) f(b)
static const uint8_t rgb16_rg[64] __attribute__((aligned(64))) = RGB64_ROW(RGB16_F, RGB16_RG);
static const uint8_t rgb16_b[64] __attribute__((aligned(64))) = RGB64_ROW(RGB16_F, RGB16_B);

/* luma601() of the sixteen pixels of a split, in 32-bit lanes, exactly:
 * (19595 R + 38470 G + 7471 B + 32768) >> 16 from two vpmaddwd. 38470
 * does not fit a signed word, so G takes -27066 and then 65536 G, which
 * is the (R, G) dword with its low word cleared; the B dword's high word
 * is 2, weighed 16384, for the rounding. */
RGB16_TARGET static inline __m512i rgb16_luma(__m512i split)
{
	__m512i rg = _mm512_maskz_permutexvar_epi8(0x5555555555555555ull,
						   _mm512_load_si512((const void *)rgb16_rg), split);
	__m512i b = _mm512_mask_permutexvar_epi8(_mm512_set1_epi32(2 << 16), 0x1111111111111111ull,
						 _mm512_load_si512((const void *)rgb16_b), split);
	__m512i y = _mm512_madd_epi16(rg, _mm512_set1_epi32((int)(19595u | (0xffffu & (unsigned)-27066) << 16)));

	y = _mm512_add_epi32(y, _mm512_and_si512(rg, _mm512_set1_epi32((int)0xffff0000u)));
	y = _mm512_add_epi32(y, _mm512_madd_epi16(b, _mm512_set1_epi32(7471 | 16384 << 16)));
	return _mm512_srli_epi32(y, 16);
}

#endif
