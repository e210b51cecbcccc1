/* 3x3 matrices and the single bilinear warp they drive. */
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "base/base.h"
#include "aug/warp.h"

void mat3_identity(struct mat3 *a)
{
	static const struct mat3 id = { { 1, 0, 0, 0, 1, 0, 0, 0, 1 } };

	*a = id;
}

void mat3_translate(struct mat3 *a, double tx, double ty)
{
	mat3_identity(a);
	a->m[2] = tx;
	a->m[5] = ty;
}

void mat3_scale(struct mat3 *a, double sx, double sy)
{
	mat3_identity(a);
	a->m[0] = sx;
	a->m[4] = sy;
}

void mat3_rotate(struct mat3 *a, double degrees)
{
	double r = degrees * M_PI / 180, c = cos(r), s = sin(r);

	/* y points down, so a counter-clockwise turn on screen is -r in
	 * the usual maths frame. Exact at multiples of 90. */
	if (fmod(degrees, 90) == 0) {
		long q = ((long)(degrees / 90) % 4 + 4) % 4;

		c = q == 0 ? 1 : q == 2 ? -1 : 0;
		s = q == 1 ? 1 : q == 3 ? -1 : 0;
	}
	mat3_identity(a);
	a->m[0] = c;
	a->m[1] = s;
	a->m[3] = -s;
	a->m[4] = c;
}

void mat3_shear(struct mat3 *a, double kx, double ky)
{
	mat3_identity(a);
	a->m[1] = kx;
	a->m[3] = ky;
}

void mat3_mul(struct mat3 *out, const struct mat3 *a, const struct mat3 *b)
{
	struct mat3 r;

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			r.m[3 * i + j] = a->m[3 * i] * b->m[j] + a->m[3 * i + 1] * b->m[3 + j] +
					 a->m[3 * i + 2] * b->m[6 + j];
	*out = r;
}

int mat3_invert(struct mat3 *out, const struct mat3 *a)
{
	const double *m = a->m;
	double c0 = m[4] * m[8] - m[5] * m[7];
	double c1 = m[5] * m[6] - m[3] * m[8];
	double c2 = m[3] * m[7] - m[4] * m[6];
	double det = m[0] * c0 + m[1] * c1 + m[2] * c2, s = 0;
	struct mat3 r;

	for (int i = 0; i < 9; i++)
		s = fmax(s, fabs(m[i]));
	if (!(fabs(det) > 1e-12 * s * s * s))
		return -1;
	r.m[0] = c0 / det;
	r.m[1] = (m[2] * m[7] - m[1] * m[8]) / det;
	r.m[2] = (m[1] * m[5] - m[2] * m[4]) / det;
	r.m[3] = c1 / det;
	r.m[4] = (m[0] * m[8] - m[2] * m[6]) / det;
	r.m[5] = (m[2] * m[3] - m[0] * m[5]) / det;
	r.m[6] = c2 / det;
	r.m[7] = (m[1] * m[6] - m[0] * m[7]) / det;
	r.m[8] = (m[0] * m[4] - m[1] * m[3]) / det;
	*out = r;
	return 0;
}

/* Solves the 8x8 system for h (h8 = 1) by Gaussian elimination with
 * partial pivoting. */
int mat3_perspective(struct mat3 *out, const double src[8], const double dst[8])
{
	double A[8][9];

	for (int i = 0; i < 4; i++) {
		double x = src[2 * i], y = src[2 * i + 1], u = dst[2 * i], v = dst[2 * i + 1];
		double r0[9] = { x, y, 1, 0, 0, 0, -u * x, -u * y, u };
		double r1[9] = { 0, 0, 0, x, y, 1, -v * x, -v * y, v };

		memcpy(A[2 * i], r0, sizeof(r0));
		memcpy(A[2 * i + 1], r1, sizeof(r1));
	}
	for (int c = 0; c < 8; c++) {
		int p = c;

		for (int r = c + 1; r < 8; r++)
			if (fabs(A[r][c]) > fabs(A[p][c]))
				p = r;
		if (fabs(A[p][c]) < 1e-12)
			return -1;
		if (p != c) {
			double t[9];

			memcpy(t, A[p], sizeof(t));
			memcpy(A[p], A[c], sizeof(t));
			memcpy(A[c], t, sizeof(t));
		}
		for (int r = 0; r < 8; r++) {
			double f;

			if (r == c)
				continue;
			f = A[r][c] / A[c][c];
			for (int k = c; k < 9; k++)
				A[r][k] -= f * A[c][k];
		}
	}
	for (int i = 0; i < 8; i++)
		out->m[i] = A[i][8] / A[i][i];
	out->m[8] = 1;
	return 0;
}

/* Maps an index outside [0, n) back inside, or -1 for the constant fill. */
static int edge(int i, int n, enum warp_fill fill)
{
	if (i >= 0 && i < n)
		return i;
	switch (fill) {
	case WARP_CONSTANT:
		return -1;
	case WARP_NEAREST:
		return i < 0 ? 0 : n - 1;
	case WARP_WRAP:
		i %= n;
		return i < 0 ? i + n : i;
	case WARP_REFLECT: {
		int period = 2 * n;

		i %= period;
		if (i < 0)
			i += period;
		return i < n ? i : period - 1 - i;
	}
	}
	return -1;
}

/* Sample positions are fixed point: pixel-corner based (the centre of
 * source pixel i is at i), FRAC fractional bits, so the bilinear weights
 * are integers, the SIMD and plain paths agree, and every machine makes
 * the same bytes. 6 bits (1/64 pixel) let a weight pair multiply bytes
 * in one instruction (pmaddubsw takes signed 8-bit weights, and 64 is the
 * largest power of two that fits); OpenCV keeps 5. A position of NOWHERE
 * has no source point (far off, or infinity). */
#define FRAC 6
#define ONE (1 << FRAC)
#define FAR 4.0e6  /* beyond this a sample is fill, and no int overflows */
#define NOWHERE INT32_MIN
#define ROUND (1u << (2 * FRAC - 1))

static int32_t to_fixed(double v)
{
	double g = (v - 0.5) * ONE;

	if (!(g > -FAR * ONE && g < FAR * ONE))
		return NOWHERE;
	return (int32_t)floor(g);
}

/* Projective rows are made in single precision: its division is the
 * row's cost, and a float is off the double result by about one float
 * step of the coordinate (2e-4 pixel measured over a 1,000 px row under a
 * strong perspective, about 1e-3 at 8,000 px), far under the 1/64 of a
 * position. Each vector path makes the same sums in
 * the same order (no fused multiply-adds: see the Makefile). */
#define FAR_F ((float)(FAR * ONE))
#define LIVE_F 1e-12f  /* |w| at or under this: a point at infinity */

static int32_t to_fixed_f(float v)
{
	float g = (v - 0.5f) * ONE;

	if (!(g > -FAR_F && g < FAR_F))
		return NOWHERE;
	return (int32_t)floorf(g);
}

/* The general tap: any channel count, any position, edges per fill. */
static void sample_edge(const struct img *src, int32_t fx, int32_t fy, enum warp_fill fill,
			const uint8_t *fill_px, uint8_t *out)
{
	int ch = src->channels, x0 = fx >> FRAC, y0 = fy >> FRAC;
	int32_t ax = fx & (ONE - 1), ay = fy & (ONE - 1);
	uint32_t acc[4] = { 0, 0, 0, 0 };

	for (int dy = 0; dy < 2; dy++) {
		int yy = edge(y0 + dy, src->height, fill);
		uint32_t wy = (uint32_t)(dy ? ay : ONE - ay);

		for (int dx = 0; dx < 2; dx++) {
			int xx = edge(x0 + dx, src->width, fill);
			uint32_t w = wy * (uint32_t)(dx ? ax : ONE - ax);
			const uint8_t *p = xx < 0 || yy < 0 ? fill_px :
				src->pixels + (size_t)yy * src->stride + (size_t)xx * (size_t)ch;

			for (int c = 0; c < ch; c++)
				acc[c] += w * p[c];
		}
	}
	for (int c = 0; c < ch; c++)
		out[c] = (uint8_t)((acc[c] + ROUND) >> (2 * FRAC));
}

/* An interior RGB tap (p: the top-left pixel, q: the one below). */
static inline void tap_rgb(const uint8_t *p, const uint8_t *q, uint32_t ax, uint32_t ay,
			   uint8_t *out)
{
	uint32_t bx = ONE - ax, by = ONE - ay;

	for (int c = 0; c < 3; c++) {
		uint32_t top = p[c] * bx + p[c + 3] * ax, bot = q[c] * bx + q[c + 3] * ax;

		out[c] = (uint8_t)((top * by + bot * ay + ROUND) >> (2 * FRAC));
	}
}

/* One output pixel from its fixed-point source position. Most pixels'
 * four taps lie inside the source: those take the short path. */
static inline void sample_one(const struct img *src, int32_t fx, int32_t fy, enum warp_fill fill,
			      const uint8_t *fill_px, uint8_t *out)
{
	const int ch = src->channels;
	const size_t stride = src->stride;
	int x0, y0;

	if (fx == NOWHERE || fy == NOWHERE) {
		/* No mode means anything there: the fill colour, whatever the
		 * mode. (Not a fixed 0: for a JPEG's chroma planes 0 is green.) */
		for (int c = 0; c < ch; c++)
			out[c] = fill_px[c];
		return;
	}
	x0 = fx >> FRAC;
	y0 = fy >> FRAC;
	if ((unsigned)x0 < (unsigned)(src->width - 1) && (unsigned)y0 < (unsigned)(src->height - 1)) {
		const uint8_t *p = src->pixels + (size_t)y0 * stride + (size_t)x0 * (size_t)ch;
		const uint8_t *q = p + stride;
		uint32_t ax = (uint32_t)fx & (ONE - 1), ay = (uint32_t)fy & (ONE - 1);
		uint32_t bx = ONE - ax, by = ONE - ay;

		if (ch == 3) {
			tap_rgb(p, q, ax, ay, out);
			return;
		}
		for (int c = 0; c < ch; c++) {
			uint32_t top = p[c] * bx + p[c + ch] * ax, bot = q[c] * bx + q[c + ch] * ax;

			out[c] = (uint8_t)((top * by + bot * ay + ROUND) >> (2 * FRAC));
		}
		return;
	}
	if (ch == 3) {
		int xa = edge(x0, src->width, fill), xb = edge(x0 + 1, src->width, fill);
		int ya = edge(y0, src->height, fill), yb = edge(y0 + 1, src->height, fill);

		if (xa >= 0 && xb >= 0 && ya >= 0 && yb >= 0) {
			const uint8_t *pa = src->pixels + (size_t)ya * stride;
			const uint8_t *pb = src->pixels + (size_t)yb * stride;
			uint8_t t[6], b[6];

			memcpy(t, pa + 3 * xa, 3);
			memcpy(t + 3, pa + 3 * xb, 3);
			memcpy(b, pb + 3 * xa, 3);
			memcpy(b + 3, pb + 3 * xb, 3);
			tap_rgb(t, b, (uint32_t)fx & (ONE - 1), (uint32_t)fy & (ONE - 1), out);
			return;
		}
	}
	sample_edge(src, fx, fy, fill, fill_px, out);
}


#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_PATH 1
#include <immintrin.h>

/* x0 into [0, n1 - 1] (n1 = n - 1) with the weight of the second tap
 * set to keep the nearest edge pixel whole. */
__attribute__((target("avx2")))
static inline void clamp(__m256i *x0, __m256i *ax, __m256i n1)
{
	__m256i low = _mm256_cmpgt_epi32(_mm256_setzero_si256(), *x0);
	__m256i high = _mm256_cmpgt_epi32(*x0, _mm256_sub_epi32(n1, _mm256_set1_epi32(1)));

	*x0 = _mm256_min_epi32(_mm256_max_epi32(*x0, _mm256_setzero_si256()),
			       _mm256_sub_epi32(n1, _mm256_set1_epi32(1)));
	*ax = _mm256_or_si256(_mm256_andnot_si256(_mm256_or_si256(low, high), *ax),
			      _mm256_and_si256(high, _mm256_set1_epi32(ONE)));
}

/* Eight pixels' positions: which are interior, and for nearest fill the
 * clamped taps (a tap off the left or top takes the first pixel whole,
 * weight 0 on the next; off the right or bottom the last, all the weight
 * on it, exactly as edge() makes the taps). @return 0 when the eight must
 * take the plain taps. */
__attribute__((target("avx2")))
static inline int positions8(const struct img *src, const int32_t *fx, const int32_t *fy,
			     int nearest, __m256i *x0, __m256i *y0, __m256i *ax, __m256i *ay)
{
	const __m256i w1 = _mm256_set1_epi32(src->width - 1), h1 = _mm256_set1_epi32(src->height - 1);
	const __m256i neg = _mm256_set1_epi32(-1), mask = _mm256_set1_epi32(ONE - 1);
	__m256i vx = _mm256_loadu_si256((const __m256i *)(const void *)fx);
	__m256i vy = _mm256_loadu_si256((const __m256i *)(const void *)fy);
	__m256i in, nowhere;

	*x0 = _mm256_srai_epi32(vx, FRAC);
	*y0 = _mm256_srai_epi32(vy, FRAC);
	*ax = _mm256_and_si256(vx, mask);
	*ay = _mm256_and_si256(vy, mask);
	in = _mm256_and_si256(
		_mm256_and_si256(_mm256_cmpgt_epi32(*x0, neg), _mm256_cmpgt_epi32(w1, *x0)),
		_mm256_and_si256(_mm256_cmpgt_epi32(*y0, neg), _mm256_cmpgt_epi32(h1, *y0)));
	if (_mm256_movemask_epi8(in) == -1)
		return 1;
	nowhere = _mm256_or_si256(_mm256_cmpeq_epi32(vx, _mm256_set1_epi32(NOWHERE)),
				  _mm256_cmpeq_epi32(vy, _mm256_set1_epi32(NOWHERE)));
	if (!nearest || _mm256_movemask_epi8(nowhere))
		return 0;
	clamp(x0, ax, w1);
	clamp(y0, ay, h1);
	return 1;
}

/* RGB rows eight pixels at a time where all eight are interior (or
 * clamped, for nearest fill): the four taps of the eight are gathered
 * four bytes each, weighted with pmaddubsw across and pmaddwd down, and
 * packed back to RGB. Gathers beat eight pairs of plain loads here (the
 * loads' address arithmetic costs more than the gathers' microcode). */
__attribute__((target("avx2")))
static void sample_row_rgb_avx2(const struct img *src, const int32_t *fx, const int32_t *fy,
				int width, enum warp_fill fill, const uint8_t *fill_px, uint8_t *row)
{
	const __m256i stride = _mm256_set1_epi32((int)src->stride);
	const __m256i round = _mm256_set1_epi32((int)ROUND);
	const __m256i pick = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
					      0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
	const __m256i gather = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
	const __m256i six = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
	const int nearest = fill == WARP_NEAREST && src->width >= 2 && src->height >= 2;
	int x = 0;

	for (; x + 8 <= width; x += 8) {
		uint8_t *out = row + (size_t)x * 3;
		__m256i x0, y0, ax, ay, off, tl, tr, bl, br, wx, wy, t0, t1, b0, b1, r0, r1, r2, r3, p;

		if (!positions8(src, fx + x, fy + x, nearest, &x0, &y0, &ax, &ay)) {
			for (int k = 0; k < 8; k++)
				sample_one(src, fx[x + k], fy[x + k], fill, fill_px, out + 3 * k);
			continue;
		}
		/* The four taps of eight pixels, four bytes each (RGB and the
		 * next byte, unused): the reads stay inside the 16 bytes
		 * struct img keeps past its end. */
		off = _mm256_add_epi32(_mm256_mullo_epi32(y0, stride),
				       _mm256_add_epi32(x0, _mm256_add_epi32(x0, x0)));
		tl = _mm256_i32gather_epi32((const int *)(const void *)src->pixels, off, 1);
		tr = _mm256_i32gather_epi32((const int *)(const void *)(src->pixels + 3), off, 1);
		bl = _mm256_i32gather_epi32((const int *)(const void *)(src->pixels + src->stride), off, 1);
		br = _mm256_i32gather_epi32((const int *)(const void *)(src->pixels + src->stride + 3),
					    off, 1);
		/* horizontal: (ONE - ax, ax) byte pairs against (left, right) */
		wx = _mm256_or_si256(_mm256_sub_epi32(_mm256_set1_epi32(ONE), ax), _mm256_slli_epi32(ax, 8));
		wx = _mm256_or_si256(wx, _mm256_slli_epi32(wx, 16));
		t0 = _mm256_maddubs_epi16(_mm256_unpacklo_epi8(tl, tr), _mm256_unpacklo_epi32(wx, wx));
		t1 = _mm256_maddubs_epi16(_mm256_unpackhi_epi8(tl, tr), _mm256_unpackhi_epi32(wx, wx));
		b0 = _mm256_maddubs_epi16(_mm256_unpacklo_epi8(bl, br), _mm256_unpacklo_epi32(wx, wx));
		b1 = _mm256_maddubs_epi16(_mm256_unpackhi_epi8(bl, br), _mm256_unpackhi_epi32(wx, wx));
		/* vertical: (ONE - ay, ay) word pairs against (top, bottom);
		 * t0 holds pixels 0, 1 (lane 0) and 4, 5 (lane 1) */
		wy = _mm256_or_si256(_mm256_sub_epi32(_mm256_set1_epi32(ONE), ay), _mm256_slli_epi32(ay, 16));
		r0 = _mm256_madd_epi16(_mm256_unpacklo_epi16(t0, b0), _mm256_shuffle_epi32(wy, 0x00));
		r1 = _mm256_madd_epi16(_mm256_unpackhi_epi16(t0, b0), _mm256_shuffle_epi32(wy, 0x55));
		r2 = _mm256_madd_epi16(_mm256_unpacklo_epi16(t1, b1), _mm256_shuffle_epi32(wy, 0xaa));
		r3 = _mm256_madd_epi16(_mm256_unpackhi_epi16(t1, b1), _mm256_shuffle_epi32(wy, 0xff));
		r0 = _mm256_srli_epi32(_mm256_add_epi32(r0, round), 2 * FRAC);
		r1 = _mm256_srli_epi32(_mm256_add_epi32(r1, round), 2 * FRAC);
		r2 = _mm256_srli_epi32(_mm256_add_epi32(r2, round), 2 * FRAC);
		r3 = _mm256_srli_epi32(_mm256_add_epi32(r3, round), 2 * FRAC);
		p = _mm256_packus_epi16(_mm256_packs_epi32(r0, r1), _mm256_packs_epi32(r2, r3));
		/* RGBx RGBx ... per lane -> 12 bytes each, then 24 in a row */
		p = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(p, pick), gather);
		if (x + 11 <= width)
			_mm256_storeu_si256((__m256i *)(void *)out, p);
		else
			_mm256_maskstore_epi32((int *)(void *)out, six, p);
	}
	for (; x < width; x++)
		sample_one(src, fx[x], fy[x], fill, fill_px, row + (size_t)x * 3);
}
#endif

#ifdef HAVE_AVX2_PATH
/* One-channel rows (the planes of a YCbCr JPEG), eight pixels at a
 * time: a gather per tap row brings each pixel's two taps (and two
 * unused bytes), pmaddubsw weighs them across, pmaddwd down. */
__attribute__((target("avx2")))
static void sample_row_grey_avx2(const struct img *src, const int32_t *fx, const int32_t *fy,
				 int width, enum warp_fill fill, const uint8_t *fill_px, uint8_t *row)
{
	const __m256i stride = _mm256_set1_epi32((int)src->stride);
	const __m256i round = _mm256_set1_epi32((int)ROUND), one = _mm256_set1_epi32(ONE);
	const __m256i low8 = _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1);
	const int nearest = fill == WARP_NEAREST && src->width >= 2 && src->height >= 2;
	int x = 0;

	for (; x + 8 <= width; x += 8) {
		__m256i x0, y0, ax, ay, off, t, b, wx, wy, r;

		if (!positions8(src, fx + x, fy + x, nearest, &x0, &y0, &ax, &ay)) {
			for (int k = 0; k < 8; k++)
				sample_one(src, fx[x + k], fy[x + k], fill, fill_px, row + x + k);
			continue;
		}
		off = _mm256_add_epi32(_mm256_mullo_epi32(y0, stride), x0);
		t = _mm256_i32gather_epi32((const int *)(const void *)src->pixels, off, 1);
		b = _mm256_i32gather_epi32((const int *)(const void *)(src->pixels + src->stride), off, 1);
		/* bytes (left, right, -, -) against (ONE - ax, ax, 0, 0): the
		 * top sum in the low word, the bottom one moved to the high */
		wx = _mm256_or_si256(_mm256_sub_epi32(one, ax), _mm256_slli_epi32(ax, 8));
		t = _mm256_maddubs_epi16(t, wx);
		b = _mm256_maddubs_epi16(b, wx);
		wy = _mm256_or_si256(_mm256_sub_epi32(one, ay), _mm256_slli_epi32(ay, 16));
		r = _mm256_madd_epi16(_mm256_or_si256(t, _mm256_slli_epi32(b, 16)), wy);
		r = _mm256_srli_epi32(_mm256_add_epi32(r, round), 2 * FRAC);
		r = _mm256_packus_epi16(_mm256_packus_epi32(r, r), r);
		r = _mm256_permutevar8x32_epi32(r, low8);
		_mm_storel_epi64((__m128i *)(void *)(row + x), _mm256_castsi256_si128(r));
	}
	for (; x < width; x++)
		sample_one(src, fx[x], fy[x], fill, fill_px, row + x);
}

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,avx2")))

/* x0 into [0, n1 - 1] with the second tap's weight keeping the nearest
 * edge pixel whole: clamp() in 512 bits. */
AVX512 static inline void clamp16(__m512i *x0, __m512i *ax, __m512i n1)
{
	__m512i last = _mm512_sub_epi32(n1, _mm512_set1_epi32(1));
	__mmask16 low = _mm512_cmplt_epi32_mask(*x0, _mm512_setzero_si512());
	__mmask16 high = _mm512_cmpgt_epi32_mask(*x0, last);

	*x0 = _mm512_min_epi32(_mm512_max_epi32(*x0, _mm512_setzero_si512()), last);
	*ax = _mm512_mask_mov_epi32(*ax, low, _mm512_setzero_si512());
	*ax = _mm512_mask_mov_epi32(*ax, high, _mm512_set1_epi32(ONE));
}

/* Sixteen pixels' positions: which are interior, and for nearest fill the
 * clamped taps. @return 0 when the sixteen must take the plain taps. */
AVX512 static inline int positions16_masked(const struct img *src, const int32_t *fx,
					    const int32_t *fy, __mmask16 live, int nearest, __m512i *x0,
					    __m512i *y0, __m512i *ax, __m512i *ay)
{
	const __m512i w1 = _mm512_set1_epi32(src->width - 1), h1 = _mm512_set1_epi32(src->height - 1);
	const __m512i mask = _mm512_set1_epi32(ONE - 1);
	/* lanes not live read as position 0, 0: a pixel like any other */
	__m512i vx = _mm512_maskz_loadu_epi32(live, fx), vy = _mm512_maskz_loadu_epi32(live, fy);
	__mmask16 in;

	*x0 = _mm512_srai_epi32(vx, FRAC);
	*y0 = _mm512_srai_epi32(vy, FRAC);
	*ax = _mm512_and_si512(vx, mask);
	*ay = _mm512_and_si512(vy, mask);
	in = _mm512_cmplt_epu32_mask(*x0, w1) & _mm512_cmplt_epu32_mask(*y0, h1);
	if (in == 0xffff)
		return 1;
	if (!nearest || _mm512_cmpeq_epi32_mask(vx, _mm512_set1_epi32(NOWHERE)) ||
	    _mm512_cmpeq_epi32_mask(vy, _mm512_set1_epi32(NOWHERE)))
		return 0;
	clamp16(x0, ax, w1);
	clamp16(y0, ay, h1);
	return 1;
}

AVX512 static inline int positions16(const struct img *src, const int32_t *fx, const int32_t *fy,
				     int nearest, __m512i *x0, __m512i *y0, __m512i *ax, __m512i *ay)
{
	return positions16_masked(src, fx, fy, 0xffff, nearest, x0, y0, ax, ay);
}

/* Pixel order after the packs below: lane k of the packed bytes holds
 * pixels 2k, 2k + 1, 2k + 8, 2k + 9 (four bytes each, RGB and a spare);
 * output byte 3p + c comes from byte rgb_order[3p + c]. */
#define RGBO(p) (4 * (((p) % 8) / 2 * 4 + ((p) >= 8) * 2 + (p) % 2))
#define RGB3(p) RGBO(p), RGBO(p) + 1, RGBO(p) + 2
static const uint8_t rgb_order[64] __attribute__((aligned(64))) = {
	RGB3(0), RGB3(1), RGB3(2), RGB3(3), RGB3(4), RGB3(5), RGB3(6), RGB3(7),
	RGB3(8), RGB3(9), RGB3(10), RGB3(11), RGB3(12), RGB3(13), RGB3(14), RGB3(15)
};

/* Eight pixels' horizontal taps: each pixel's tap row is one 8-byte
 * gather (its two pixels, R0 G0 B0 R1 G1 B1, and two spare bytes),
 * reordered to R0 R1 G0 G1 B0 B1 and weighed with pmaddubsw against
 * (ONE - ax, ax) byte pairs: four words a pixel, R G B and 0. */
AVX512 static inline __m512i row_taps8(__m256i off, const uint8_t *base, __m512i wx)
{
	const __m512i order = _mm512_broadcast_i32x4(
		_mm_setr_epi8(0, 3, 1, 4, 2, 5, -1, -1, 8, 11, 9, 12, 10, 13, -1, -1));
	__m512i v = _mm512_i32gather_epi64(off, (const void *)base, 1);

	return _mm512_maddubs_epi16(_mm512_shuffle_epi8(v, order), wx);
}

/* sample_row_rgb_avx2() sixteen pixels at a time, but with one 8-byte
 * gather per tap row instead of two 4-byte ones: half the gathered
 * elements, which are what the loop waits for. */
AVX512 static void sample_row_rgb_avx512(const struct img *src, const int32_t *fx,
					 const int32_t *fy, int width, enum warp_fill fill,
					 const uint8_t *fill_px, uint8_t *row)
{
	const __m512i stride = _mm512_set1_epi32((int)src->stride);
	const __m512i round = _mm512_set1_epi32((int)ROUND), one = _mm512_set1_epi32(ONE);
	const __m512i order = _mm512_load_si512((const void *)rgb_order);
	const int nearest = fill == WARP_NEAREST && src->width >= 2 && src->height >= 2;
	const uint8_t *px = src->pixels;
	int x = 0;

	for (; x + 16 <= width; x += 16) {
		__m512i x0, y0, ax, ay, off, wxd, wyd, p, r[4];
		uint8_t *out = row + (size_t)x * 3;

		if (!positions16(src, fx + x, fy + x, nearest, &x0, &y0, &ax, &ay)) {
			for (int k = 0; k < 16; k++)
				sample_one(src, fx[x + k], fy[x + k], fill, fill_px, out + 3 * k);
			continue;
		}
		off = _mm512_add_epi32(_mm512_mullo_epi32(y0, stride),
				       _mm512_add_epi32(x0, _mm512_add_epi32(x0, x0)));
		/* per pixel: (ONE - ax, ax) as bytes, (ONE - ay, ay) as words */
		wxd = _mm512_or_si512(_mm512_sub_epi32(one, ax), _mm512_slli_epi32(ax, 8));
		wyd = _mm512_or_si512(_mm512_sub_epi32(one, ay), _mm512_slli_epi32(ay, 16));
		for (int h = 0; h < 2; h++) {  /* pixels 0..7, then 8..15 */
			__m256i o = h ? _mm512_extracti64x4_epi64(off, 1) : _mm512_castsi512_si256(off);
			__m512i d = _mm512_cvtepu32_epi64(h ? _mm512_extracti64x4_epi64(wxd, 1)
							    : _mm512_castsi512_si256(wxd));
			__m512i wy = _mm512_cvtepu32_epi64(h ? _mm512_extracti64x4_epi64(wyd, 1)
							     : _mm512_castsi512_si256(wyd));
			/* (ONE - ax, ax) three times, then two zero bytes */
			__m512i wx = _mm512_or_si512(_mm512_or_si512(d, _mm512_slli_epi64(d, 16)),
						     _mm512_slli_epi64(d, 32));
			__m512i t = row_taps8(o, px, wx), b = row_taps8(o, px + src->stride, wx);

			/* lane k: pixels 2k (low) and 2k + 1 (high) of this half */
			r[2 * h] = _mm512_madd_epi16(_mm512_unpacklo_epi16(t, b),
						     _mm512_shuffle_epi32(wy, 0x00));
			r[2 * h + 1] = _mm512_madd_epi16(_mm512_unpackhi_epi16(t, b),
							 _mm512_shuffle_epi32(wy, 0xaa));
		}
		for (int k = 0; k < 4; k++)
			r[k] = _mm512_srli_epi32(_mm512_add_epi32(r[k], round), 2 * FRAC);
		p = _mm512_packus_epi16(_mm512_packs_epi32(r[0], r[1]), _mm512_packs_epi32(r[2], r[3]));
		_mm512_mask_storeu_epi8(out, 0xffffffffffffull, _mm512_permutexvar_epi8(order, p));
	}
	if (x < width)
		sample_row_rgb_avx2(src, fx + x, fy + x, width - x, fill, fill_px, row + (size_t)x * 3);
}

AVX512 static void sample_row_grey_avx512(const struct img *src, const int32_t *fx,
					  const int32_t *fy, int width, enum warp_fill fill,
					  const uint8_t *fill_px, uint8_t *row)
{
	const __m512i stride = _mm512_set1_epi32((int)src->stride);
	const __m512i round = _mm512_set1_epi32((int)ROUND), one = _mm512_set1_epi32(ONE);
	const int nearest = fill == WARP_NEAREST && src->width >= 2 && src->height >= 2;
	const uint8_t *px = src->pixels;
	int x = 0;

	for (; x + 16 <= width; x += 16) {
		__m512i x0, y0, ax, ay, off, t, b, wx, wy, r;

		if (!positions16(src, fx + x, fy + x, nearest, &x0, &y0, &ax, &ay)) {
			for (int k = 0; k < 16; k++)
				sample_one(src, fx[x + k], fy[x + k], fill, fill_px, row + x + k);
			continue;
		}
		off = _mm512_add_epi32(_mm512_mullo_epi32(y0, stride), x0);
		t = _mm512_i32gather_epi32(off, (const void *)px, 1);
		b = _mm512_i32gather_epi32(off, (const void *)(px + src->stride), 1);
		wx = _mm512_or_si512(_mm512_sub_epi32(one, ax), _mm512_slli_epi32(ax, 8));
		t = _mm512_maddubs_epi16(t, wx);
		b = _mm512_maddubs_epi16(b, wx);
		wy = _mm512_or_si512(_mm512_sub_epi32(one, ay), _mm512_slli_epi32(ay, 16));
		r = _mm512_madd_epi16(_mm512_or_si512(t, _mm512_slli_epi32(b, 16)), wy);
		r = _mm512_srli_epi32(_mm512_add_epi32(r, round), 2 * FRAC);
		_mm_storeu_si128((__m128i *)(void *)(row + x), _mm512_cvtepi32_epi8(r));
	}
	if (x < width)
		sample_row_grey_avx2(src, fx + x, fy + x, width - x, fill, fill_px, row + x);
}

/* Row pairs: row y of a pair image holds source rows y and y + 1
 * interleaved (s[y][0] s[y+1][0] s[y][1] s[y+1][1] ...), so that a
 * one-channel pixel's four taps are four bytes in a row: one gather
 * instead of two. */
static const uint8_t pair_lo[64] __attribute__((aligned(64))) = {
#define PAIR(i) (i), 64 + (i)
	PAIR(0), PAIR(1), PAIR(2), PAIR(3), PAIR(4), PAIR(5), PAIR(6), PAIR(7),
	PAIR(8), PAIR(9), PAIR(10), PAIR(11), PAIR(12), PAIR(13), PAIR(14), PAIR(15),
	PAIR(16), PAIR(17), PAIR(18), PAIR(19), PAIR(20), PAIR(21), PAIR(22), PAIR(23),
	PAIR(24), PAIR(25), PAIR(26), PAIR(27), PAIR(28), PAIR(29), PAIR(30), PAIR(31)
};
static const uint8_t pair_hi[64] __attribute__((aligned(64))) = {
	PAIR(32), PAIR(33), PAIR(34), PAIR(35), PAIR(36), PAIR(37), PAIR(38), PAIR(39),
	PAIR(40), PAIR(41), PAIR(42), PAIR(43), PAIR(44), PAIR(45), PAIR(46), PAIR(47),
	PAIR(48), PAIR(49), PAIR(50), PAIR(51), PAIR(52), PAIR(53), PAIR(54), PAIR(55),
	PAIR(56), PAIR(57), PAIR(58), PAIR(59), PAIR(60), PAIR(61), PAIR(62), PAIR(63)
#undef PAIR
};

AVX512 static void make_pairs_avx512(const struct img *src, uint8_t *dst, size_t dstride)
{
	const __m512i lo = _mm512_load_si512((const void *)pair_lo);
	const __m512i hi = _mm512_load_si512((const void *)pair_hi);

	for (int y = 0; y + 1 < src->height; y++) {
		const uint8_t *a = src->pixels + (size_t)y * src->stride, *b = a + src->stride;
		uint8_t *d = dst + (size_t)y * dstride;
		int x = 0;

		for (; x + 64 <= src->width; x += 64) {
			__m512i va = _mm512_loadu_si512((const void *)(a + x));
			__m512i vb = _mm512_loadu_si512((const void *)(b + x));

			_mm512_storeu_si512((void *)(d + 2 * x), _mm512_permutex2var_epi8(va, lo, vb));
			_mm512_storeu_si512((void *)(d + 2 * x + 64), _mm512_permutex2var_epi8(va, hi, vb));
		}
		for (; x < src->width; x++) {
			d[2 * x] = a[x];
			d[2 * x + 1] = b[x];
		}
	}
}

/* sample_row_grey_avx512() with the row pairs: the gathered bytes are
 * (top left, bottom left, top right, bottom right); pmaddubsw weighs them
 * down, pmaddwd across, which sums the same products. */
AVX512 static void sample_row_pairs_avx512(const struct img *src, const uint8_t *pairs,
					   size_t pstride, const int32_t *fx, const int32_t *fy,
					   int width, enum warp_fill fill, const uint8_t *fill_px,
					   uint8_t *row)
{
	const __m512i stride = _mm512_set1_epi32((int)pstride);
	const __m512i round = _mm512_set1_epi32((int)ROUND), one = _mm512_set1_epi32(ONE);
	const int nearest = fill == WARP_NEAREST && src->width >= 2 && src->height >= 2;
	for (int x = 0; x < width; x += 16) {
		/* the last step takes the pixels left, as many as there are */
		int n = width - x < 16 ? width - x : 16;
		__mmask16 live = (__mmask16)((1u << n) - 1);
		__m512i x0, y0, ax, ay, off, v, wx, wy, r;

		if (!positions16_masked(src, fx + x, fy + x, live, nearest, &x0, &y0, &ax, &ay)) {
			for (int k = 0; k < n; k++)
				sample_one(src, fx[x + k], fy[x + k], fill, fill_px, row + x + k);
			continue;
		}
		off = _mm512_add_epi32(_mm512_mullo_epi32(y0, stride), _mm512_add_epi32(x0, x0));
		v = _mm512_i32gather_epi32(off, (const void *)pairs, 1);
		/* (ONE - ay, ay) byte pairs; (ONE - ax, ax) word pairs */
		wy = _mm512_or_si512(_mm512_sub_epi32(one, ay), _mm512_slli_epi32(ay, 8));
		wy = _mm512_or_si512(wy, _mm512_slli_epi32(wy, 16));
		wx = _mm512_or_si512(_mm512_sub_epi32(one, ax), _mm512_slli_epi32(ax, 16));
		r = _mm512_madd_epi16(_mm512_maddubs_epi16(v, wy), wx);
		r = _mm512_srli_epi32(_mm512_add_epi32(r, round), 2 * FRAC);
		_mm_mask_storeu_epi8(row + x, live, _mm512_cvtepi32_epi8(r));
	}
}



/* affine_row()'s positions sixteen at a time, the last step masked. */
AVX512 static void affine_row_avx512(int32_t X, int32_t Y, int32_t DX, int32_t DY, int width,
				     int32_t *fx, int32_t *fy)
{
	const __m512i k = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	__m512i vx = _mm512_add_epi32(_mm512_set1_epi32(X), _mm512_mullo_epi32(k, _mm512_set1_epi32(DX)));
	__m512i vy = _mm512_add_epi32(_mm512_set1_epi32(Y), _mm512_mullo_epi32(k, _mm512_set1_epi32(DY)));
	/* sums wrap in 32 bits past the row's end, never inside it (see
	 * affine_row()); the step is made unsigned for the same reason */
	__m512i sx = _mm512_set1_epi32((int32_t)((uint32_t)DX * 16u));
	__m512i sy = _mm512_set1_epi32((int32_t)((uint32_t)DY * 16u));

	for (int x = 0; x < width; x += 16) {
		__mmask16 live = width - x >= 16 ? 0xffff : (__mmask16)((1u << (width - x)) - 1);

		_mm512_mask_storeu_epi32(fx + x, live, _mm512_srai_epi32(vx, 16 - FRAC));
		_mm512_mask_storeu_epi32(fy + x, live, _mm512_srai_epi32(vy, 16 - FRAC));
		vx = _mm512_add_epi32(vx, sx);
		vy = _mm512_add_epi32(vy, sy);
	}
}

/* affine_row()'s positions: 16.16 sums, shifted to FRAC bits. */
__attribute__((target("avx2")))
static void affine_row_avx2(int32_t X, int32_t Y, int32_t DX, int32_t DY, int width,
			    int32_t *fx, int32_t *fy)
{
	const __m256i k = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	__m256i vx = _mm256_add_epi32(_mm256_set1_epi32(X), _mm256_mullo_epi32(k, _mm256_set1_epi32(DX)));
	__m256i vy = _mm256_add_epi32(_mm256_set1_epi32(Y), _mm256_mullo_epi32(k, _mm256_set1_epi32(DY)));
	__m256i sx = _mm256_set1_epi32(8 * DX), sy = _mm256_set1_epi32(8 * DY);
	int x = 0;

	for (; x + 8 <= width; x += 8) {
		_mm256_storeu_si256((__m256i *)(void *)(fx + x), _mm256_srai_epi32(vx, 16 - FRAC));
		_mm256_storeu_si256((__m256i *)(void *)(fy + x), _mm256_srai_epi32(vy, 16 - FRAC));
		vx = _mm256_add_epi32(vx, sx);
		vy = _mm256_add_epi32(vy, sy);
	}
	for (; x < width; x++) {
		fx[x] = (X + x * DX) >> (16 - FRAC);
		fy[x] = (Y + x * DY) >> (16 - FRAC);
	}
}
#endif

#ifdef HAVE_AVX2_PATH
/* A mask of four doubles as four 32-bit lanes. */
__attribute__((target("avx2")))
static inline __m128i mask4(__m256d m)
{
	return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(
		_mm256_castpd_si256(m), _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0)));
}

/* to_fixed() of four values: the same sums, truncated the same way. */
__attribute__((target("avx2")))
static inline __m128i to_fixed4(__m256d v)
{
	const __m256d one = _mm256_set1_pd(ONE), half = _mm256_set1_pd(0.5);
	const __m256d lo = _mm256_set1_pd(-FAR * ONE), hi = _mm256_set1_pd(FAR * ONE);
	__m256d g = _mm256_mul_pd(_mm256_sub_pd(v, half), one);
	__m256d ok = _mm256_and_pd(_mm256_cmp_pd(g, lo, _CMP_GT_OQ), _mm256_cmp_pd(g, hi, _CMP_LT_OQ));
	__m128i i = _mm256_cvttpd_epi32(_mm256_floor_pd(g));

	return _mm_blendv_epi8(_mm_set1_epi32(NOWHERE), i, mask4(ok));
}

/* piece_row() four pixels a step. */
__attribute__((target("avx2")))
static int piece_avx2(const struct warp_piece *p, int x, int end, int32_t *fx, int32_t *fy)
{
	const __m256d iota = _mm256_setr_pd(0, 1, 2, 3);
	const __m256d a0 = _mm256_set1_pd(p->sx[0]), a1 = _mm256_set1_pd(p->sx[1]);
	const __m256d a2 = _mm256_set1_pd(p->sx[2]), b0 = _mm256_set1_pd(p->sy[0]);
	const __m256d b1 = _mm256_set1_pd(p->sy[1]), b2 = _mm256_set1_pd(p->sy[2]);
	const __m256d w0 = _mm256_set1_pd(p->w[0]), w1 = _mm256_set1_pd(p->w[1]);
	const int plain = p->w[0] == 1 && p->w[1] == 0;

	for (; x + 4 <= end; x += 4) {
		__m256d t = _mm256_add_pd(_mm256_set1_pd((double)(x - p->x0)), iota);
		__m256d vx = _mm256_add_pd(a0, _mm256_mul_pd(t, _mm256_add_pd(a1, _mm256_mul_pd(t, a2))));
		__m256d vy = _mm256_add_pd(b0, _mm256_mul_pd(t, _mm256_add_pd(b1, _mm256_mul_pd(t, b2))));

		if (!plain) {
			__m256d r = _mm256_div_pd(_mm256_set1_pd(1), _mm256_add_pd(w0, _mm256_mul_pd(t, w1)));

			vx = _mm256_mul_pd(_mm256_mul_pd(vx, r), r);
			vy = _mm256_mul_pd(_mm256_mul_pd(vy, r), r);
		}

		_mm_storeu_si128((__m128i *)(void *)(fx + x), to_fixed4(vx));
		_mm_storeu_si128((__m128i *)(void *)(fy + x), to_fixed4(vy));
	}
	return x;
}
#endif

#ifdef HAVE_AVX2_PATH
/* to_fixed_f() of eight floats. */
__attribute__((target("avx2")))
static inline __m256i to_fixed8f(__m256 v)
{
	__m256 g = _mm256_mul_ps(_mm256_sub_ps(v, _mm256_set1_ps(0.5f)), _mm256_set1_ps(ONE));
	__m256 ok = _mm256_and_ps(_mm256_cmp_ps(g, _mm256_set1_ps(-FAR_F), _CMP_GT_OQ),
				  _mm256_cmp_ps(g, _mm256_set1_ps(FAR_F), _CMP_LT_OQ));
	__m256i i = _mm256_cvttps_epi32(_mm256_floor_ps(g));

	return _mm256_blendv_epi8(_mm256_set1_epi32(NOWHERE), i, _mm256_castps_si256(ok));
}

/* projective_row()'s single-precision loop, eight pixels a step. */
__attribute__((target("avx2")))
static int projective_avx2(const float *k, int width, int32_t *fx, int32_t *fy)
{
	const __m256 iota = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
	const __m256 X0 = _mm256_set1_ps(k[0]), Y0 = _mm256_set1_ps(k[1]), W0 = _mm256_set1_ps(k[2]);
	const __m256 m0 = _mm256_set1_ps(k[3]), m3 = _mm256_set1_ps(k[4]), m6 = _mm256_set1_ps(k[5]);
	int x = 0;

	for (; x + 8 <= width; x += 8) {
		__m256 t = _mm256_add_ps(_mm256_set1_ps((float)x), iota);
		__m256 X = _mm256_add_ps(X0, _mm256_mul_ps(t, m0));
		__m256 Y = _mm256_add_ps(Y0, _mm256_mul_ps(t, m3));
		__m256 W = _mm256_add_ps(W0, _mm256_mul_ps(t, m6));
		__m256 r = _mm256_div_ps(_mm256_set1_ps(1.0f), W);
		__m256 live = _mm256_or_ps(_mm256_cmp_ps(W, _mm256_set1_ps(LIVE_F), _CMP_GT_OQ),
					   _mm256_cmp_ps(W, _mm256_set1_ps(-LIVE_F), _CMP_LT_OQ));
		__m256i keep = _mm256_castps_si256(live), none = _mm256_set1_epi32(NOWHERE);

		_mm256_storeu_si256((__m256i *)(void *)(fx + x),
				    _mm256_blendv_epi8(none, to_fixed8f(_mm256_mul_ps(X, r)), keep));
		_mm256_storeu_si256((__m256i *)(void *)(fy + x),
				    _mm256_blendv_epi8(none, to_fixed8f(_mm256_mul_ps(Y, r)), keep));
	}
	return x;
}

/* to_fixed_f() of sixteen floats: the floor is the conversion's own
 * rounding. */
AVX512 static inline __m512i to_fixed16f(__m512 v)
{
	__m512 g = _mm512_mul_ps(_mm512_sub_ps(v, _mm512_set1_ps(0.5f)), _mm512_set1_ps(ONE));
	__mmask16 ok = _mm512_cmp_ps_mask(g, _mm512_set1_ps(-FAR_F), _CMP_GT_OQ) &
		       _mm512_cmp_ps_mask(g, _mm512_set1_ps(FAR_F), _CMP_LT_OQ);

	return _mm512_mask_mov_epi32(_mm512_set1_epi32(NOWHERE), ok,
				     _mm512_cvt_roundps_epi32(g, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
}

/* projective_row()'s single-precision loop, sixteen pixels a step. */
AVX512 static int projective_avx512(const float *k, int width, int32_t *fx, int32_t *fy)
{
	const __m512 iota = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	const __m512 X0 = _mm512_set1_ps(k[0]), Y0 = _mm512_set1_ps(k[1]), W0 = _mm512_set1_ps(k[2]);
	const __m512 m0 = _mm512_set1_ps(k[3]), m3 = _mm512_set1_ps(k[4]), m6 = _mm512_set1_ps(k[5]);
	int x = 0;

	for (; x + 16 <= width; x += 16) {
		__m512 t = _mm512_add_ps(_mm512_set1_ps((float)x), iota);
		__m512 X = _mm512_add_ps(X0, _mm512_mul_ps(t, m0));
		__m512 Y = _mm512_add_ps(Y0, _mm512_mul_ps(t, m3));
		__m512 W = _mm512_add_ps(W0, _mm512_mul_ps(t, m6));
		__m512 r = _mm512_div_ps(_mm512_set1_ps(1.0f), W);
		__mmask16 live = _mm512_cmp_ps_mask(W, _mm512_set1_ps(LIVE_F), _CMP_GT_OQ) |
				 _mm512_cmp_ps_mask(W, _mm512_set1_ps(-LIVE_F), _CMP_LT_OQ);
		__m512i none = _mm512_set1_epi32(NOWHERE);

		_mm512_storeu_si512((void *)(fx + x),
				    _mm512_mask_mov_epi32(none, live, to_fixed16f(_mm512_mul_ps(X, r))));
		_mm512_storeu_si512((void *)(fy + x),
				    _mm512_mask_mov_epi32(none, live, to_fixed16f(_mm512_mul_ps(Y, r))));
	}
	return x;
}

/* to_fixed() of eight doubles: the floor is the conversion's rounding. */
AVX512 static inline __m256i to_fixed8d(__m512d v)
{
	__m512d g = _mm512_mul_pd(_mm512_sub_pd(v, _mm512_set1_pd(0.5)), _mm512_set1_pd(ONE));
	__mmask8 ok = _mm512_cmp_pd_mask(g, _mm512_set1_pd(-FAR * ONE), _CMP_GT_OQ) &
		      _mm512_cmp_pd_mask(g, _mm512_set1_pd(FAR * ONE), _CMP_LT_OQ);

	return _mm256_mask_mov_epi32(_mm256_set1_epi32(NOWHERE), ok,
				     _mm512_cvt_roundpd_epi32(g, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
}

/* piece_row() eight pixels a step, the last step masked. */
AVX512 static int piece_avx512(const struct warp_piece *p, int x, int end, int32_t *fx,
			       int32_t *fy)
{
	const __m512d iota = _mm512_setr_pd(0, 1, 2, 3, 4, 5, 6, 7);
	const __m512d a0 = _mm512_set1_pd(p->sx[0]), a1 = _mm512_set1_pd(p->sx[1]);
	const __m512d a2 = _mm512_set1_pd(p->sx[2]), b0 = _mm512_set1_pd(p->sy[0]);
	const __m512d b1 = _mm512_set1_pd(p->sy[1]), b2 = _mm512_set1_pd(p->sy[2]);
	const __m512d w0 = _mm512_set1_pd(p->w[0]), w1 = _mm512_set1_pd(p->w[1]);
	const int plain = p->w[0] == 1 && p->w[1] == 0;

	for (; x < end; x += 8) {
		__m512d t = _mm512_add_pd(_mm512_set1_pd((double)(x - p->x0)), iota);
		__m512d vx = _mm512_add_pd(a0, _mm512_mul_pd(t, _mm512_add_pd(a1, _mm512_mul_pd(t, a2))));
		__m512d vy = _mm512_add_pd(b0, _mm512_mul_pd(t, _mm512_add_pd(b1, _mm512_mul_pd(t, b2))));
		/* the last step stores only the pixels left */
		__mmask8 keep = end - x >= 8 ? 0xff : (__mmask8)((1u << (end - x)) - 1);

		if (!plain) {
			__m512d r = _mm512_div_pd(_mm512_set1_pd(1), _mm512_add_pd(w0, _mm512_mul_pd(t, w1)));

			vx = _mm512_mul_pd(_mm512_mul_pd(vx, r), r);
			vy = _mm512_mul_pd(_mm512_mul_pd(vy, r), r);
		}

		_mm256_mask_storeu_epi32(fx + x, keep, to_fixed8d(vx));
		_mm256_mask_storeu_epi32(fy + x, keep, to_fixed8d(vy));
	}
	return end;
}
#endif

/* One source and, for one channel with AVX-512, its row pairs. */
struct source {
	const struct img *im;
	uint8_t *pairs;   /* owned; NULL when not made */
	size_t pstride;
};

/* Makes s's row pairs where the pair kernel will run. A failed
 * allocation only means the kernel without them. */
static void source_init(struct source *s, const struct img *im)
{
	s->im = im;
	s->pairs = NULL;
	s->pstride = 0;
#ifdef HAVE_AVX2_PATH
	if (cpu_level() >= CPU_AVX512 && im->channels == 1 && im->height >= 2 &&
	    im->width >= 2) {
		s->pstride = 2 * (size_t)im->width;
		/* the gather reads up to 4 bytes from the last pair's pixel */
		s->pairs = malloc(s->pstride * (size_t)(im->height - 1) + 16);
		if (s->pairs)
			make_pairs_avx512(im, s->pairs, s->pstride);
	}
#endif
}

static void sample_row(const struct source *s, const int32_t *fx, const int32_t *fy, int width,
		       enum warp_fill fill, const uint8_t *fill_px, uint8_t *row)
{
	const struct img *src = s->im;

#ifdef HAVE_AVX2_PATH
	if (s->pairs) {
		sample_row_pairs_avx512(src, s->pairs, s->pstride, fx, fy, width, fill, fill_px, row);
		return;
	}
	if (cpu_level() >= CPU_AVX512 && src->channels == 3) {
		sample_row_rgb_avx512(src, fx, fy, width, fill, fill_px, row);
		return;
	}
	if (cpu_level() >= CPU_AVX512 && src->channels == 1) {
		sample_row_grey_avx512(src, fx, fy, width, fill, fill_px, row);
		return;
	}
	if (cpu_level() >= CPU_AVX2 && src->channels == 3) {
		sample_row_rgb_avx2(src, fx, fy, width, fill, fill_px, row);
		return;
	}
	if (cpu_level() >= CPU_AVX2 && src->channels == 1) {
		sample_row_grey_avx2(src, fx, fy, width, fill, fill_px, row);
		return;
	}
#endif
	for (int x = 0; x < width; x++, row += src->channels)
		sample_one(src, fx[x], fy[x], fill, fill_px, row);
}

/* Row y of an affine map: positions step linearly, so they are made in
 * 16.16 fixed point by one addition each, when the whole row is in range. */
static void affine_row(const double *m, int y, int width, int32_t *fx, int32_t *fy)
{
	double cy = y + 0.5;
	double x0 = m[0] * 0.5 + m[1] * cy + m[2] - 0.5, y0 = m[3] * 0.5 + m[4] * cy + m[5] - 0.5;
	double x1 = x0 + m[0] * (width - 1), y1 = y0 + m[3] * (width - 1);
	const double lim = FAR / 2;

	if (fabs(x0) < lim && fabs(x1) < lim && fabs(y0) < lim && fabs(y1) < lim) {
		int64_t X = llround(x0 * 65536), Y = llround(y0 * 65536);
		int64_t DX = llround(m[0] * 65536), DY = llround(m[3] * 65536);

#ifdef HAVE_AVX2_PATH
		/* the same sums in 32 bits, 16 or 8 at a time, when no value
		 * of the row can overflow them */
		if (cpu_level() >= CPU_AVX2 && fabs(x0) < 8192 && fabs(x1) < 8192 &&
		    fabs(y0) < 8192 && fabs(y1) < 8192 && llabs(DX) < (1 << 28) && llabs(DY) < (1 << 28)) {
			if (cpu_level() >= CPU_AVX512)
				affine_row_avx512((int32_t)X, (int32_t)Y, (int32_t)DX, (int32_t)DY, width,
						  fx, fy);
			else
				affine_row_avx2((int32_t)X, (int32_t)Y, (int32_t)DX, (int32_t)DY, width,
						fx, fy);
			return;
		}
#endif
		for (int x = 0; x < width; x++, X += DX, Y += DY) {
			fx[x] = (int32_t)(X >> (16 - FRAC));
			fy[x] = (int32_t)(Y >> (16 - FRAC));
		}
		return;
	}
	for (int x = 0; x < width; x++) {
		double cx = x + 0.5;

		fx[x] = to_fixed(m[0] * cx + m[1] * cy + m[2]);
		fy[x] = to_fixed(m[3] * cx + m[4] * cy + m[5]);
	}
}

/* Positions of pixels x .. end - 1 of piece p. */
static void piece_row(const struct warp_piece *p, int x, int end, int32_t *fx, int32_t *fy)
{
#ifdef HAVE_AVX2_PATH
	if (end > x && cpu_level() >= CPU_AVX512)
		x = piece_avx512(p, x, end, fx, fy);
	else if (end - x >= 4 && cpu_level() >= CPU_AVX2)
		x = piece_avx2(p, x, end, fx, fy);
#endif
	for (; x < end; x++) {
		double t = x - p->x0;
		double vx = p->sx[0] + t * (p->sx[1] + t * p->sx[2]);
		double vy = p->sy[0] + t * (p->sy[1] + t * p->sy[2]);

		if (!(p->w[0] == 1 && p->w[1] == 0)) {
			double r = 1 / (p->w[0] + t * p->w[1]);

			vx = vx * r * r;
			vy = vy * r * r;
		}
		fx[x] = to_fixed(vx);
		fy[x] = to_fixed(vy);
	}
}

/* A row's positions from its n pieces. Pieces are taken as they come:
 * one that runs back over pixels already made starts after them, and
 * pixels no piece covers have no source. */
static void pieces_row(const struct warp_piece *pc, int n, int width, int32_t *fx, int32_t *fy)
{
	int done = 0;

	for (int i = 0; i < n && done < width; i++) {
		int from = pc[i].x0 > done ? pc[i].x0 : done;
		int end = pc[i].x1 < width ? pc[i].x1 : width;

		for (; done < from && done < width; done++)
			fx[done] = fy[done] = NOWHERE;
		if (end > from) {
			piece_row(&pc[i], from, end, fx, fy);
			done = end;
		}
	}
	for (; done < width; done++)
		fx[done] = fy[done] = NOWHERE;
}

/* Row y of a projective map: X / W and Y / W at each pixel centre, in
 * single precision (see to_fixed_f()), the numerators and the
 * denominator evaluated at x directly, not summed. */
static void projective_row(const double *m, int y, int width, int32_t *fx, int32_t *fy)
{
	double cy = y + 0.5;
	/* X0, Y0, W0 at x = 0, then their steps per pixel */
	const float k[6] = { (float)(m[0] * 0.5 + m[1] * cy + m[2]),
			     (float)(m[3] * 0.5 + m[4] * cy + m[5]),
			     (float)(m[6] * 0.5 + m[7] * cy + m[8]),
			     (float)m[0], (float)m[3], (float)m[6] };
	int x = 0;

#ifdef HAVE_AVX2_PATH
	if (cpu_level() >= CPU_AVX512)
		x = projective_avx512(k, width, fx, fy);
	else if (cpu_level() >= CPU_AVX2)
		x = projective_avx2(k, width, fx, fy);
#endif
	for (; x < width; x++) {
		float t = (float)x, X = k[0] + t * k[3], Y = k[1] + t * k[4], W = k[2] + t * k[5], r;

		if (!(W > LIVE_F || W < -LIVE_F)) {
			fx[x] = fy[x] = NOWHERE;
			continue;
		}
		r = 1.0f / W;
		fx[x] = to_fixed_f(X * r);
		fy[x] = to_fixed_f(Y * r);
	}
}

/* Whether m takes pixel centres to pixel centres one to one (flips,
 * quarter turns, whole-pixel shifts and crops): then each output pixel
 * is a source pixel, which is what the taps give with zero weights, and
 * it is copied. dx/dy: the source step per output x; the origin is the
 * source pixel of output (0, 0). */
static int permutation(const double *m, int *x0, int *y0, int *dxx, int *dxy, int *dyx, int *dyy)
{
	double ox = m[0] * 0.5 + m[1] * 0.5 + m[2] - 0.5, oy = m[3] * 0.5 + m[4] * 0.5 + m[5] - 0.5;

	if (m[6] != 0 || m[7] != 0 || m[8] != 1)
		return 0;
	for (int i = 0; i < 5; i += (i == 1 ? 2 : 1))
		if (m[i] != 0 && m[i] != 1 && m[i] != -1)
			return 0;
	if (fabs(m[0]) + fabs(m[1]) != 1 || fabs(m[3]) + fabs(m[4]) != 1 ||
	    fabs(m[0]) + fabs(m[3]) != 1)
		return 0;
	if (!(fabs(ox) < 1e9 && fabs(oy) < 1e9) || ox != floor(ox) || oy != floor(oy))
		return 0;
	*x0 = (int)ox;
	*y0 = (int)oy;
	*dxx = (int)m[0];  /* source x per output x */
	*dxy = (int)m[3];  /* source y per output x */
	*dyx = (int)m[1];  /* source x per output y */
	*dyy = (int)m[4];
	return 1;
}

static void copy_permuted(const struct img *src, struct img *dst, int x0, int y0, int dxx,
			  int dxy, int dyx, int dyy, enum warp_fill fill, const uint8_t *fill_px)
{
	const int ch = src->channels;

	for (int y = 0; y < dst->height; y++) {
		uint8_t *row = dst->pixels + (size_t)y * dst->stride;
		int sx = x0 + dyx * y, sy = y0 + dyy * y, x = 0;

		/* A row that runs along a source row, inside it: one copy, or
		 * one reversed copy. */
		if (dxy == 0 && (unsigned)sy < (unsigned)src->height) {
			int last = sx + dxx * (dst->width - 1);

			if ((unsigned)sx < (unsigned)src->width && (unsigned)last < (unsigned)src->width) {
				const uint8_t *p = src->pixels + (size_t)sy * src->stride;

				if (dxx == 1) {
					memcpy(row, p + (size_t)sx * (size_t)ch,
					       (size_t)dst->width * (size_t)ch);
				} else if (ch == 3) {
					for (const uint8_t *q = p + (size_t)sx * 3; x < dst->width;
					     x++, q -= 3, row += 3) {
						row[0] = q[0];
						row[1] = q[1];
						row[2] = q[2];
					}
				} else if (ch == 1) {
					for (const uint8_t *q = p + sx; x < dst->width; x++)
						row[x] = q[-x];
				} else {
					for (; x < dst->width; x++, sx--, row += ch)
						memcpy(row, p + (size_t)sx * (size_t)ch, (size_t)ch);
				}
				continue;
			}
		}
		for (; x < dst->width; x++, sx += dxx, sy += dxy, row += ch) {
			if ((unsigned)sx < (unsigned)src->width && (unsigned)sy < (unsigned)src->height) {
				const uint8_t *q = src->pixels + (size_t)sy * src->stride +
						   (size_t)sx * (size_t)ch;

				for (int c = 0; c < ch; c++)
					row[c] = q[c];
			} else {
				sample_one(src, sx * ONE, sy * ONE, fill, fill_px, row);
			}
		}
	}
}

/* The images must pair up: the same channels each, every destination
 * the size of the first. */
static int check_images(const struct img *src, const struct img *dst, size_t n,
			struct wn_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (src[i].channels != dst[i].channels || src[i].channels < 1 || src[i].channels > 4)
			return wn_fail(err, WN_EINVAL, "warp: channel counts differ (%d, %d)",
				       src[i].channels, dst[i].channels);
		if (dst[i].width != dst[0].width || dst[i].height != dst[0].height)
			return wn_fail(err, WN_EINVAL, "warp: outputs of different sizes");
	}
	return 0;
}

int warp_images(const struct img *src, struct img *dst, size_t n, const struct mat3 *dst_to_src,
		enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err)
{
	int px0, py0, dxx, dxy, dyx, dyy;
	const double *m = dst_to_src->m;
	int affine = m[6] == 0 && m[7] == 0 && m[8] == 1, w = n ? dst[0].width : 0;
	struct source *srcs;
	int32_t *fx, *fy;

	if (check_images(src, dst, n, err))
		return -1;
	if (!n)
		return 0;
	if (cpu_cap() > CPU_PLAIN && permutation(m, &px0, &py0, &dxx, &dxy, &dyx, &dyy) &&
	    fabs((double)px0) + dst[0].width + dst[0].height < 1e8 &&
	    fabs((double)py0) + dst[0].width + dst[0].height < 1e8) {
		for (size_t i = 0; i < n; i++)
			copy_permuted(&src[i], &dst[i], px0, py0, dxx, dxy, dyx, dyy, fill, fill_px);
		return 0;
	}
	fx = malloc(2 * (size_t)(w > 0 ? w : 1) * sizeof(*fx) + n * sizeof(struct source));
	if (!fx)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	fy = fx + w;
	srcs = (struct source *)(void *)(fy + (w > 0 ? w : 1));
	for (size_t i = 0; i < n; i++)
		source_init(&srcs[i], &src[i]);
	for (int y = 0; y < dst[0].height; y++) {
		if (affine)
			affine_row(m, y, w, fx, fy);
		else
			projective_row(m, y, w, fx, fy);
		for (size_t i = 0; i < n; i++)
			sample_row(&srcs[i], fx, fy, w, fill, fill_px,
				   dst[i].pixels + (size_t)y * dst[i].stride);
	}
	for (size_t i = 0; i < n; i++)
		free(srcs[i].pairs);
	free(fx);
	return 0;
}

int warp_image(const struct img *src, struct img *dst, const struct mat3 *dst_to_src,
	       enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err)
{
	return warp_images(src, dst, 1, dst_to_src, fill, fill_px, err);
}

int warp_images_map(const struct img *src, struct img *dst, size_t n, warp_map_fn *map,
		    void *ctx, enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err)
{
	struct warp_piece *pieces;
	struct source *srcs;
	int32_t *fx, *fy;
	int w;

	if (check_images(src, dst, n, err))
		return -1;
	if (!n)
		return 0;
	w = dst[0].width > 0 ? dst[0].width : 1;
	pieces = malloc((size_t)w * (sizeof(*pieces) + 2 * sizeof(*fx)) + n * sizeof(struct source));
	if (!pieces)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	fx = (int32_t *)(void *)(pieces + w);
	fy = fx + w;
	srcs = (struct source *)(void *)(fy + w);
	for (size_t i = 0; i < n; i++)
		source_init(&srcs[i], &src[i]);
	for (int y = 0; y < dst[0].height; y++) {
		int np = map(ctx, y, dst[0].width, pieces);

		pieces_row(pieces, np < w ? np : w, dst[0].width, fx, fy);
		for (size_t i = 0; i < n; i++)
			sample_row(&srcs[i], fx, fy, dst[0].width, fill, fill_px,
				   dst[i].pixels + (size_t)y * dst[i].stride);
	}
	for (size_t i = 0; i < n; i++)
		free(srcs[i].pairs);
	free(pieces);
	return 0;
}

int warp_image_map(const struct img *src, struct img *dst, warp_map_fn *map, void *ctx,
		   enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err)
{
	return warp_images_map(src, dst, 1, map, ctx, fill, fill_px, err);
}
