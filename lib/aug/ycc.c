/* ycc420_from_rgb(), plain and AVX-512 VBMI. */
#include "base/base.h"
#include "img/img.h"
#include "aug/ycc.h"

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

#include "aug/rgb16.h"

#define VBMI RGB16_TARGET

VBMI static inline __m128i luma16(__m512i v)
{
	return _mm512_cvtepi32_epi8(rgb16_luma(v));
}

/* Sums of horizontal pairs of one channel (lane a, lane b of the two
 * rows' rgb16 vectors): 8 x 32 bits. */
VBMI static inline __m256i pairs_of(__m128i a, __m128i b)
{
	const __m128i ones = _mm_set1_epi8(1);
	__m128i s = _mm_add_epi16(_mm_maddubs_epi16(a, ones), _mm_maddubs_epi16(b, ones));

	return _mm256_cvtepu16_epi32(s);
}

/* The lane must be a constant expression where the intrinsic is used (clang
 * checks this before inlining), hence a macro rather than a parameter. */
#define pairs(va, vb, c) pairs_of(_mm512_extracti32x4_epi32((va), (c)), \
				  _mm512_extracti32x4_epi32((vb), (c)))

VBMI static int rows_vbmi(const uint8_t *a, const uint8_t *b, int w, uint8_t *ya, uint8_t *yb,
			  uint8_t *cb, uint8_t *cr)
{
	const __m256i half = _mm256_set1_epi32((128 << 18) + (1 << 17) - 1);
	int x = 0;

	for (; x + 16 <= w; x += 16) {
		__m512i va = rgb16_load(a + 3 * x);
		__m512i vb = rgb16_load(b + 3 * x);
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
		if (cpu_level() >= CPU_AVX512)
			x = rows_vbmi(a, b, w, ya, yb, cb, cr);
#endif
		rows_plain(a, b, x, w, ya, yb, cb, cr);
	}
}

/* Upsampled chroma of one output row: the rows j (3/4) and jn (1/4) of a
 * chroma plane summed per column, then across, 3/4 and 1/4 again, with
 * libjpeg's biases (8 left of a sample's centre, 7 right of it). */
static inline int colsum(const uint8_t *a, const uint8_t *b, int i)
{
	return 3 * a[i] + b[i];
}

static inline uint8_t clip255(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* JFIF YCbCr to RGB in 16.16, as libjpeg's tables round it. */
static inline void ycc_pixel(int y, int cb, int cr, uint8_t *out)
{
	cb -= 128;
	cr -= 128;
	out[0] = clip255(y + ((91881 * cr + 32768) >> 16));
	out[1] = clip255(y + ((-22554 * cb - 46802 * cr + 32768) >> 16));
	out[2] = clip255(y + ((116130 * cb + 32768) >> 16));
}

/* Output pixels x0 .. w - 1 of a row; cw is the chroma width. */
static void to_rgb_plain(const uint8_t *yrow, const uint8_t *cba, const uint8_t *cbb,
			 const uint8_t *cra, const uint8_t *crb, int x0, int w, int cw, uint8_t *out)
{
	for (int x = x0; x < w; x++) {
		int i = x / 2, n = x % 2 ? (i + 1 < cw ? i + 1 : i) : (i > 0 ? i - 1 : 0);
		int bias = x % 2 ? 7 : 8;
		int cb = (3 * colsum(cba, cbb, i) + colsum(cba, cbb, n) + bias) >> 4;
		int cr = (3 * colsum(cra, crb, i) + colsum(cra, crb, n) + bias) >> 4;

		ycc_pixel(yrow[x], cb, cr, out + 3 * x);
	}
}

#ifdef HAVE_VBMI_PATH
/* 32 output pixels' bytes R (0-31) and G (32-63) in one register, B
 * (64-95 to vpermt2b) in another, joined to 96 bytes of RGB. */
static const uint8_t join0[64] __attribute__((aligned(64))) = {
	0, 32, 64, 1, 33, 65, 2, 34, 66, 3, 35, 67, 4, 36, 68, 5,
	37, 69, 6, 38, 70, 7, 39, 71, 8, 40, 72, 9, 41, 73, 10, 42,
	74, 11, 43, 75, 12, 44, 76, 13, 45, 77, 14, 46, 78, 15, 47, 79,
	16, 48, 80, 17, 49, 81, 18, 50, 82, 19, 51, 83, 20, 52, 84, 21,
};
static const uint8_t join1[64] __attribute__((aligned(64))) = {
	53, 85, 22, 54, 86, 23, 55, 87, 24, 56, 88, 25, 57, 89, 26, 58,
	90, 27, 59, 91, 28, 60, 92, 29, 61, 93, 30, 62, 94, 31, 63, 95,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* even and odd outputs in turn: word k of the result from word
 * interleave[k] of (even, odd) */
static const uint16_t interleave[32] __attribute__((aligned(64))) = {
	0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39,
	8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47,
};

/* 0 .. 31: word k of a vpermw from word k + n after adding n */
static const uint16_t iota16[32] __attribute__((aligned(64))) = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

/* Sixteen chroma columns i .. i + 15 (of rows a, b) upsampled to 32
 * output pixels, 16 bits each: (3 c + left + 8) >> 4, (3 c + right + 7) >> 4.
 * The column sums 3 a + b are made once for columns i - 1 .. i + 16 (a
 * masked load reads no further) and shifted a word and two to give the
 * centre and right columns. */
VBMI static inline __m512i up32(const uint8_t *a, const uint8_t *b, int i)
{
	const __m512i inter = _mm512_load_si512((const void *)interleave);
	const __m512i iota = _mm512_load_si512((const void *)iota16);
	const __m512i three = _mm512_set1_epi16(3);
	__m512i ca = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(0x3ffff, a + i - 1));
	__m512i cb = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(0x3ffff, b + i - 1));
	__m512i left = _mm512_add_epi16(_mm512_mullo_epi16(ca, three), cb);
	__m512i mid = _mm512_permutexvar_epi16(_mm512_add_epi16(iota, _mm512_set1_epi16(1)), left);
	__m512i right = _mm512_permutexvar_epi16(_mm512_add_epi16(iota, _mm512_set1_epi16(2)), left);
	__m512i even, odd;

	mid = _mm512_mullo_epi16(mid, three);
	even = _mm512_srli_epi16(_mm512_add_epi16(_mm512_add_epi16(mid, left), _mm512_set1_epi16(8)), 4);
	odd = _mm512_srli_epi16(_mm512_add_epi16(_mm512_add_epi16(mid, right), _mm512_set1_epi16(7)), 4);
	return _mm512_permutex2var_epi16(even, inter, odd);
}

/* (c k + 32768) >> 16 for 16-bit c and k, exactly: the high half of the
 * product plus the carry the rounding adds into it. */
VBMI static inline __m512i mul_round16(__m512i c, short k)
{
	__m512i kk = _mm512_set1_epi16(k);

	return _mm512_add_epi16(_mm512_mulhi_epi16(c, kk), _mm512_srli_epi16(_mm512_mullo_epi16(c, kk), 15));
}

/* Output pixels from 2 (chroma column 1) while chroma columns i - 1 ..
 * i + 16 exist; @return the first pixel left to the plain loop. JFIF's
 * products split so every term fits 16 bits: 91881 = 65536 + 26345,
 * 116130 = 2 x 65536 - 14942, -46802 = -65536 + 18734. */
VBMI static int to_rgb_vbmi(const uint8_t *yrow, const uint8_t *cba, const uint8_t *cbb,
			    const uint8_t *cra, const uint8_t *crb, int w, int cw, uint8_t *out)
{
	const __m512i vj0 = _mm512_load_si512((const void *)join0);
	const __m512i vj1 = _mm512_load_si512((const void *)join1);
	const __m512i c128 = _mm512_set1_epi16(128), zero = _mm512_setzero_si512();
	int i = 1;

	for (;;) {
		__m512i y;
		if (!(i + 17 <= cw && 2 * i + 32 <= w)) {
			/* one more block, overlapping the last, up to the end */
			int last = cw - 17 < (w - 32) / 2 ? cw - 17 : (w - 32) / 2;

			if (last <= i - 16 || last < 1)
				break;
			i = last;
		}
		y = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(const void *)(yrow + 2 * i)));
		__m512i cb = _mm512_sub_epi16(up32(cba, cbb, i), c128);
		__m512i cr = _mm512_sub_epi16(up32(cra, crb, i), c128);
		__m512i r = _mm512_add_epi16(_mm512_add_epi16(y, cr), mul_round16(cr, 26345));
		__m512i b = _mm512_add_epi16(_mm512_add_epi16(y, _mm512_add_epi16(cb, cb)),
					     mul_round16(cb, -14942));
		/* green: (-22554 cb + 18734 cr + 32768) >> 16 - cr, in 32 bits */
		__m512i lo = _mm512_madd_epi16(_mm512_unpacklo_epi16(cb, cr),
					       _mm512_set1_epi32((int)(0xffffu & (unsigned)-22554) | (18734 << 16)));
		__m512i hi = _mm512_madd_epi16(_mm512_unpackhi_epi16(cb, cr),
					       _mm512_set1_epi32((int)(0xffffu & (unsigned)-22554) | (18734 << 16)));
		__m512i g;
		__m512i rg, bb;

		lo = _mm512_srai_epi32(_mm512_add_epi32(lo, _mm512_set1_epi32(32768)), 16);
		hi = _mm512_srai_epi32(_mm512_add_epi32(hi, _mm512_set1_epi32(32768)), 16);
		g = _mm512_add_epi16(_mm512_sub_epi16(y, cr), _mm512_packs_epi32(lo, hi));
		/* bytes, clipped: R then G in one register, B in the other */
		rg = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7),
					      _mm512_packus_epi16(r, g));
		bb = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7),
					      _mm512_packus_epi16(b, zero));
		_mm512_storeu_si512((void *)(out + 6 * i), _mm512_permutex2var_epi8(rg, vj0, bb));
		_mm256_storeu_si256((__m256i *)(void *)(out + 6 * i + 64),
				    _mm512_castsi512_si256(_mm512_permutex2var_epi8(rg, vj1, bb)));
		i += 16;
	}
	return 2 * i;
}
#endif

void ycc420_to_rgb(const struct img planes[3], struct img *rgb)
{
	int w = planes[0].width, h = planes[0].height, cw = planes[1].width, ch = planes[1].height;

	for (int y = 0; y < h; y++) {
		int j = y / 2, jn = y % 2 ? (j + 1 < ch ? j + 1 : j) : (j > 0 ? j - 1 : 0);
		const uint8_t *yrow = planes[0].pixels + (size_t)y * planes[0].stride;
		const uint8_t *cba = planes[1].pixels + (size_t)j * planes[1].stride;
		const uint8_t *cbb = planes[1].pixels + (size_t)jn * planes[1].stride;
		const uint8_t *cra = planes[2].pixels + (size_t)j * planes[2].stride;
		const uint8_t *crb = planes[2].pixels + (size_t)jn * planes[2].stride;
		uint8_t *out = rgb->pixels + (size_t)y * rgb->stride;
		int x = 0;

#ifdef HAVE_VBMI_PATH
		if (cpu_level() >= CPU_AVX512 && cw >= 18) {
			to_rgb_plain(yrow, cba, cbb, cra, crb, 0, 2, cw, out);
			x = to_rgb_vbmi(yrow, cba, cbb, cra, crb, w, cw, out);
		}
#endif
		to_rgb_plain(yrow, cba, cbb, cra, crb, x, w, cw, out);
	}
}
