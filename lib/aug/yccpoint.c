/* Pointwise colour steps on 4:2:0 planes, plain and AVX-512: what the
 * header says, one 2x2 block (plain) or 32 columns of a row pair
 * (AVX-512, 32 lanes of 16 bits, the last step masked) at a time, in
 * place.
 *
 * Colours are 16-bit integers in 1/16 of a level (0..4080). Products are
 * vpmulhrsw's, (x k + 2^14) >> 15, with x the colour times 8 and k a
 * factor in 1/4096 (|k| < 8), or a chroma difference times 256 and k
 * JFIF's weight times 2048; the plain loops do exactly that arithmetic,
 * so both paths give the same bytes. Chroma goes back from 32-bit sums:
 * JFIF's weights in 1/16384 (each row of three summing to 0, so grey
 * stays grey), over 4 pixels and 16ths of a level, 2^20 in all. */
#include <math.h>

#include "base/base.h"
#include "aug/yccpoint.h"

#define ONE 16        /* a level */
#define TOP 4080      /* 255 levels */
#define FACTOR 4096   /* a factor of 1 */

/* JFIF's YCbCr to RGB: weights x 2048, for differences x 256 */
#define K_RV 2871     /* 1.402 */
#define K_GU -705     /* -0.344136 */
#define K_GV -1463    /* -0.714136 */
#define K_BU 3629     /* 1.772 */
/* luma: 0.299, 0.587, 0.114 x 4096, summing to 4096 */
#define K_YR 1225
#define K_YG 2404
#define K_YB 467
/* back to chroma: x 16384 */
#define K_UR -2765
#define K_UG -5427
#define K_UB 8192
#define K_VR 8192
#define K_VG -6860
#define K_VB -1332

/* A step as integers. */
struct istep {
	int colour;
	int a, b, lo, hi;  /* a in 1/4096, the rest in 1/16 of a level */
};

static int to_int(float v, float scale)
{
	return (int)lrintf(v * scale);
}

int ycc_step_fits(const struct ycc_step *s)
{
	return isfinite(s->lo) && isfinite(s->hi) && fabsf(s->a) <= YCC_MAX_FACTOR &&
	       (s->kind == YCC_COLOUR || fabsf(s->b) <= YCC_MAX_OFFSET);
}

static void istep_init(struct istep *t, const struct ycc_step *s)
{
	t->colour = s->kind == YCC_COLOUR;
	t->a = to_int(s->a, FACTOR);
	t->b = t->colour ? 0 : to_int(s->b, ONE);
	t->lo = to_int(s->lo, ONE);
	t->hi = to_int(s->hi, ONE);
	t->lo = t->lo < 0 ? 0 : t->lo > TOP ? TOP : t->lo;
	t->hi = t->hi < t->lo ? t->lo : t->hi > TOP ? TOP : t->hi;
}

static inline int mulhrs(int x, int k)
{
	return (x * k + 0x4000) >> 15;
}

static inline int sat16(int v)
{
	return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

/* max then min, as vpmaxsw and vpminsw do */
static inline int clip(int v, int lo, int hi)
{
	v = v > lo ? v : lo;
	return v < hi ? v : hi;
}

static inline int luma(const int v[3])
{
	return mulhrs(v[0] * 8, K_YR) + mulhrs(v[1] * 8, K_YG) + mulhrs(v[2] * 8, K_YB);
}

/* luma to a byte, rounded */
static inline uint8_t luma_byte(int l)
{
	l = (l + ONE / 2) >> 4;
	return (uint8_t)(l < 0 ? 0 : l > 255 ? 255 : l);
}

/* a chroma sum (2^20 a level) to a byte, rounded */
static inline uint8_t chroma_byte(int32_t s)
{
	int32_t c = ((s + (1 << 19)) >> 20) + 128;

	return (uint8_t)(c < 0 ? 0 : c > 255 ? 255 : c);
}

/* The colour a block's chroma adds to its pixels' luma. */
static inline void offsets(uint8_t cb, uint8_t cr, int d[3])
{
	int u = (cb - 128) * 256, v = (cr - 128) * 256;

	d[0] = mulhrs(v, K_RV);
	d[1] = mulhrs(u, K_GU) + mulhrs(v, K_GV);
	d[2] = mulhrs(u, K_BU);
}

static void pixel(uint8_t y, const int d[3], const struct istep *s, size_t n, int v[3])
{
	for (int c = 0; c < 3; c++)
		v[c] = clip(y * ONE + d[c], 0, TOP);
	for (size_t i = 0; i < n; i++) {
		if (s[i].colour) {
			int l = luma(v);

			for (int c = 0; c < 3; c++)
				v[c] = clip(sat16(mulhrs((v[c] - l) * 8, s[i].a) + l), s[i].lo, s[i].hi);
		} else {
			for (int c = 0; c < 3; c++)
				v[c] = clip(sat16(mulhrs(v[c] * 8, s[i].a) + s[i].b), s[i].lo, s[i].hi);
		}
	}
}

/* Blocks from column x0 (even) to the end of rows a and b (b == a for an
 * odd last row, then written twice alike). */
static void rows_plain(uint8_t *ya, uint8_t *yb, uint8_t *cb, uint8_t *cr, int x0, int w,
		       const struct istep *s, size_t n)
{
	for (int x = x0; x < w; x += 2) {
		int x1 = x + 1 < w ? x + 1 : x;
		const uint8_t ys[4] = { ya[x], ya[x1], yb[x], yb[x1] };
		int d[3], p[4][3];
		int32_t u = 0, v = 0;

		offsets(cb[x / 2], cr[x / 2], d);
		for (int k = 0; k < 4; k++)
			pixel(ys[k], d, s, n, p[k]);
		yb[x] = luma_byte(luma(p[2]));
		yb[x1] = luma_byte(luma(p[3]));
		ya[x] = luma_byte(luma(p[0]));
		ya[x1] = luma_byte(luma(p[1]));
		for (int k = 0; k < 4; k++) {
			u += K_UR * p[k][0] + K_UG * p[k][1] + K_UB * p[k][2];
			v += K_VR * p[k][0] + K_VG * p[k][1] + K_VB * p[k][2];
		}
		cb[x / 2] = chroma_byte(u);
		cr[x / 2] = chroma_byte(v);
	}
}

static void stats_plain(const uint8_t *yrow, const uint8_t *cb, const uint8_t *cr, int x0, int w,
			const struct istep *s, size_t n, int what, uint64_t *sum, int *mn, int *mx)
{
	for (int x = x0; x < w; x++) {
		int d[3], v[3];

		offsets(cb[x / 2], cr[x / 2], d);
		pixel(yrow[x], d, s, n, v);
		if (what & YCC_MEAN)
			*sum += luma_byte(luma(v));
		for (int c = 0; c < 3 && (what & YCC_RANGE); c++) {
			*mn = v[c] < *mn ? v[c] : *mn;
			*mx = v[c] > *mx ? v[c] : *mx;
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX512_PATH 1

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

/* The steps, broadcast once. */
struct vsteps {
	__m512i a[YCC_MAX_STEPS], b[YCC_MAX_STEPS], lo[YCC_MAX_STEPS], hi[YCC_MAX_STEPS];
	int colour[YCC_MAX_STEPS];
	size_t n;
};

AVX512 static void vsteps_init(struct vsteps *vs, const struct istep *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vs->a[i] = _mm512_set1_epi16((short)s[i].a);
		vs->b[i] = _mm512_set1_epi16((short)s[i].b);
		vs->lo[i] = _mm512_set1_epi16((short)s[i].lo);
		vs->hi[i] = _mm512_set1_epi16((short)s[i].hi);
		vs->colour[i] = s[i].colour;
	}
	vs->n = n;
}

AVX512 static inline __m512i vclip(__m512i v, __m512i lo, __m512i hi)
{
	return _mm512_min_epi16(_mm512_max_epi16(v, lo), hi);
}

AVX512 static inline __m512i vmul(__m512i x, short k)
{
	return _mm512_mulhrs_epi16(x, _mm512_set1_epi16(k));
}

AVX512 static inline __m512i vluma(const __m512i v[3])
{
	return _mm512_add_epi16(_mm512_add_epi16(vmul(_mm512_slli_epi16(v[0], 3), K_YR),
						 vmul(_mm512_slli_epi16(v[1], 3), K_YG)),
				vmul(_mm512_slli_epi16(v[2], 3), K_YB));
}

/* 32 lumas to bytes, rounded */
AVX512 static inline __m256i vluma_bytes(__m512i l)
{
	l = _mm512_srai_epi16(_mm512_add_epi16(l, _mm512_set1_epi16(ONE / 2)), 4);
	return _mm512_cvtusepi16_epi8(_mm512_max_epi16(l, _mm512_setzero_si512()));
}

/* The offsets of sixteen blocks (those in cmask), each for its two
 * columns: 32 lanes. */
AVX512 static inline void voffsets(const uint8_t *cb, const uint8_t *cr, __mmask16 cmask, __m512i d[3])
{
	__m128i u8 = _mm_maskz_loadu_epi8(cmask, cb);
	__m128i v8 = _mm_maskz_loadu_epi8(cmask, cr);
	const __m512i c128 = _mm512_set1_epi16(128);
	__m512i u = _mm512_cvtepu8_epi16(_mm256_set_m128i(_mm_unpackhi_epi8(u8, u8), _mm_unpacklo_epi8(u8, u8)));
	__m512i v = _mm512_cvtepu8_epi16(_mm256_set_m128i(_mm_unpackhi_epi8(v8, v8), _mm_unpacklo_epi8(v8, v8)));

	u = _mm512_slli_epi16(_mm512_sub_epi16(u, c128), 8);
	v = _mm512_slli_epi16(_mm512_sub_epi16(v, c128), 8);
	d[0] = vmul(v, K_RV);
	d[1] = _mm512_add_epi16(vmul(u, K_GU), vmul(v, K_GV));
	d[2] = vmul(u, K_BU);
}

/* The colours of the 32 pixels at y (those in ymask) after the steps. */
AVX512 static inline void vpixels(const uint8_t *y, __mmask32 ymask, const __m512i d[3],
				  const struct vsteps *vs, __m512i v[3])
{
	const __m512i zero = _mm512_setzero_si512(), top = _mm512_set1_epi16(TOP);
	__m512i y16 = _mm512_slli_epi16(_mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(ymask, y)), 4);

	for (int c = 0; c < 3; c++)
		v[c] = vclip(_mm512_add_epi16(y16, d[c]), zero, top);
	for (size_t i = 0; i < vs->n; i++) {
		if (vs->colour[i]) {
			__m512i l = vluma(v);

			for (int c = 0; c < 3; c++)
				v[c] = _mm512_adds_epi16(_mm512_mulhrs_epi16(_mm512_slli_epi16(_mm512_sub_epi16(v[c], l), 3),
									    vs->a[i]), l);
		} else {
			for (int c = 0; c < 3; c++)
				v[c] = _mm512_adds_epi16(_mm512_mulhrs_epi16(_mm512_slli_epi16(v[c], 3), vs->a[i]),
							 vs->b[i]);
		}
		for (int c = 0; c < 3; c++)
			v[c] = vclip(v[c], vs->lo[i], vs->hi[i]);
	}
}

/* chroma bytes (those in cmask) from the 32-bit sums of their blocks */
AVX512 static inline void vstore_chroma(uint8_t *p, __mmask16 cmask, __m512i s)
{
	s = _mm512_add_epi32(_mm512_srai_epi32(_mm512_add_epi32(s, _mm512_set1_epi32(1 << 19)), 20),
			     _mm512_set1_epi32(128));
	_mm_mask_storeu_epi8(p, cmask, _mm512_cvtusepi32_epi8(_mm512_max_epi32(s, _mm512_setzero_si512())));
}

/* Columns 32 at a time, the last step masked, up to the last whole
 * block; @return the first column left to the plain loop (an odd last
 * one, whose block has a single column). */
AVX512 static int rows_avx512(uint8_t *ya, uint8_t *yb, uint8_t *cb, uint8_t *cr, int w,
			      const struct vsteps *vs)
{
	int x = 0, end = w & ~1;

	for (; x < end; x += 32) {
		int n = end - x < 32 ? end - x : 32;
		__mmask32 ym = (__mmask32)(n == 32 ? ~0u : (1u << n) - 1);
		__mmask16 cm = (__mmask16)((1u << (n / 2)) - 1);
		__m512i d[3], a[3], b[3], t[3], u, v;

		voffsets(cb + x / 2, cr + x / 2, cm, d);
		vpixels(ya + x, ym, d, vs, a);
		vpixels(yb + x, ym, d, vs, b);
		/* each block's two columns of the two rows, weighted, in 32 bits */
		for (int c = 0; c < 3; c++)
			t[c] = _mm512_add_epi16(a[c], b[c]);
		u = _mm512_add_epi32(_mm512_add_epi32(_mm512_madd_epi16(t[0], _mm512_set1_epi16(K_UR)),
						      _mm512_madd_epi16(t[1], _mm512_set1_epi16(K_UG))),
				     _mm512_madd_epi16(t[2], _mm512_set1_epi16(K_UB)));
		v = _mm512_add_epi32(_mm512_add_epi32(_mm512_madd_epi16(t[0], _mm512_set1_epi16(K_VR)),
						      _mm512_madd_epi16(t[1], _mm512_set1_epi16(K_VG))),
				     _mm512_madd_epi16(t[2], _mm512_set1_epi16(K_VB)));
		_mm256_mask_storeu_epi8(yb + x, ym, vluma_bytes(vluma(b)));
		_mm256_mask_storeu_epi8(ya + x, ym, vluma_bytes(vluma(a)));
		vstore_chroma(cb + x / 2, cm, u);
		vstore_chroma(cr + x / 2, cm, v);
	}
	return end;
}

/* Every column, 32 at a time, the last step masked (an odd last column
 * reads the chroma of its block, which is there); @return w. */
AVX512 static int stats_avx512(const uint8_t *yrow, const uint8_t *cb, const uint8_t *cr, int w,
			       const struct vsteps *vs, int what, uint64_t *sum, int *mn, int *mx)
{
	__m512i s = _mm512_setzero_si512();
	__m512i vmn = _mm512_set1_epi16((short)*mn), vmx = _mm512_set1_epi16((short)*mx);

	for (int x = 0; x < w; x += 32) {
		int n = w - x < 32 ? w - x : 32;
		__mmask32 ym = (__mmask32)(n == 32 ? ~0u : (1u << n) - 1);
		__mmask16 cm = (__mmask16)((1u << ((n + 1) / 2)) - 1);
		__m512i d[3], v[3];

		voffsets(cb + x / 2, cr + x / 2, cm, d);
		vpixels(yrow + x, ym, d, vs, v);
		if (what & YCC_MEAN)
			s = _mm512_add_epi32(s, _mm512_madd_epi16(_mm512_maskz_cvtepu8_epi16(ym, vluma_bytes(vluma(v))),
								  _mm512_set1_epi16(1)));
		for (int c = 0; c < 3 && (what & YCC_RANGE); c++) {
			vmn = _mm512_mask_min_epi16(vmn, ym, vmn, v[c]);
			vmx = _mm512_mask_max_epi16(vmx, ym, vmx, v[c]);
		}
	}
	*sum += (uint64_t)(uint32_t)_mm512_reduce_add_epi32(s);
	/* the sixteen-bit lanes folded into the 32-bit reductions */
	*mn = _mm512_reduce_min_epi32(_mm512_min_epi32(_mm512_srai_epi32(_mm512_slli_epi32(vmn, 16), 16),
						       _mm512_srai_epi32(vmn, 16)));
	*mx = _mm512_reduce_max_epi32(_mm512_max_epi32(_mm512_srai_epi32(_mm512_slli_epi32(vmx, 16), 16),
						       _mm512_srai_epi32(vmx, 16)));
	return w;
}
#endif

/* @return 0, or -1 when the steps are too many or one does not fit */
static int isteps(struct istep *t, const struct ycc_step *steps, size_t n)
{
	if (n > YCC_MAX_STEPS)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!ycc_step_fits(&steps[i]))
			return -1;
		istep_init(&t[i], &steps[i]);
	}
	return 0;
}

/* The steps as integers, and broadcast when the vector path runs. */
struct prepared {
	struct istep s[YCC_MAX_STEPS];
	size_t n;
	int vec;
#ifdef HAVE_AVX512_PATH
	struct vsteps vs;
#endif
};

/* @return 0, or -1 when the steps are too many or one does not fit */
static int prepare(struct prepared *p, const struct ycc_step *steps, size_t n)
{
	if (isteps(p->s, steps, n))
		return -1;
	p->n = n;
	p->vec = 0;
#ifdef HAVE_AVX512_PATH
	p->vec = cpu_level() >= CPU_AVX512;
	if (p->vec)
		vsteps_init(&p->vs, p->s, n);
#endif
	return 0;
}

int ycc420_steps_apply(struct img planes[3], const struct ycc_step *steps, size_t n)
{
	int w = planes[0].width, h = planes[0].height;
	struct prepared p;

	if (prepare(&p, steps, n))
		return -1;
	for (int y = 0; y < h; y += 2) {
		uint8_t *ya = planes[0].pixels + (size_t)y * planes[0].stride;
		uint8_t *yb = y + 1 < h ? ya + planes[0].stride : ya;
		uint8_t *cb = planes[1].pixels + (size_t)(y / 2) * planes[1].stride;
		uint8_t *cr = planes[2].pixels + (size_t)(y / 2) * planes[2].stride;
		int x = 0;

#ifdef HAVE_AVX512_PATH
		if (p.vec)
			x = rows_avx512(ya, yb, cb, cr, w, &p.vs);
#endif
		rows_plain(ya, yb, cb, cr, x, w, p.s, p.n);
	}
	return 0;
}

int ycc420_steps_stats(const struct img planes[3], const struct ycc_step *steps, size_t n,
		       int what, struct ycc_stats *st)
{
	int w = planes[0].width, h = planes[0].height, mn = TOP, mx = 0;
	struct prepared p;
	uint64_t sum = 0;

	if (prepare(&p, steps, n))
		return -1;
	for (int y = 0; y < h; y++) {
		const uint8_t *yrow = planes[0].pixels + (size_t)y * planes[0].stride;
		const uint8_t *cb = planes[1].pixels + (size_t)(y / 2) * planes[1].stride;
		const uint8_t *cr = planes[2].pixels + (size_t)(y / 2) * planes[2].stride;
		int x = 0;

#ifdef HAVE_AVX512_PATH
		if (p.vec)
			x = stats_avx512(yrow, cb, cr, w, &p.vs, what, &sum, &mn, &mx);
#endif
		stats_plain(yrow, cb, cr, x, w, p.s, p.n, what, &sum, &mn, &mx);
	}
	st->luma_sum = sum;
	st->n = (uint64_t)w * (uint64_t)h;
	st->min = what & YCC_RANGE ? (float)mn / ONE : 0.f;
	st->max = what & YCC_RANGE ? (float)mx / ONE : 255.f;
	return 0;
}
