/* 3x3 matrices and the single bilinear warp they drive. */
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "warp.h"

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
 * the same bytes. 7 bits keep the products in 16-bit lanes; OpenCV keeps
 * 5. A position of NOWHERE has no source point (far off, or infinity). */
#define FRAC 7
#define ONE (1 << FRAC)
#define FAR 4.0e6  /* beyond this a sample is fill, and no int overflows */
#define NOWHERE INT32_MIN
#define ROUND (1u << (2 * FRAC - 1))

static int32_t to_fixed(double v)
{
	double g = (v - 0.5) * ONE;

	if (!(g > -FAR * ONE && g < FAR * ONE))
		return NOWHERE;
	/* floor() by truncating a number made positive */
	return (int32_t)((int64_t)(g + 2.0 * FAR * ONE) - (int64_t)(2.0 * FAR * ONE));
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
		/* no mode means anything there: the constant, else black */
		for (int c = 0; c < ch; c++)
			out[c] = fill == WARP_CONSTANT ? fill_px[c] : 0;
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

static int simd_allowed = 1;

void warp_set_simd(int on)
{
	simd_allowed = on;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_PATH 1
#include <immintrin.h>

/* 8 bytes from p and 8 from q in one register (p low). */
__attribute__((target("avx2")))
static inline __m128i load_two(const uint8_t *p, const uint8_t *q)
{
	uint64_t a, b;

	memcpy(&a, p, 8);
	memcpy(&b, q, 8);
	return _mm_set_epi64x((long long)b, (long long)a);
}

/* Weights by fraction 0..ONE (ONE: all on the second tap, which nearest
 * fill's clamp uses). Horizontal: the first pixel's three channels get
 * ONE - a, the second's a; vertical: (ONE - a, a) pairs for a madd. */
#define WX(a) { ONE - (a), ONE - (a), ONE - (a), (a), (a), (a), 0, 0 }
#define WY(a) { ONE - (a), (a), ONE - (a), (a), ONE - (a), (a), ONE - (a), (a) }
#define R4(M, a) M(a), M((a) + 1), M((a) + 2), M((a) + 3)
#define R16(M, a) R4(M, a), R4(M, (a) + 4), R4(M, (a) + 8), R4(M, (a) + 12)
#define R64(M, a) R16(M, a), R16(M, (a) + 16), R16(M, (a) + 32), R16(M, (a) + 48)
static const int16_t wx_tab[ONE + 1][8] __attribute__((aligned(16))) = {
	R64(WX, 0), R64(WX, 64), WX(128)
};
static const int16_t wy_tab[ONE + 1][8] __attribute__((aligned(16))) = {
	R64(WY, 0), R64(WY, 64), WY(128)
};

/* Two RGB pixels' taps: t0/t1 hold each pixel's top two source pixels
 * (8 bytes from the first: RGB RGB and two spare), b0/b1 the bottom two.
 * tap_rgb()'s exact arithmetic; the result's lanes 0..2 of each half. */
__attribute__((target("avx2")))
static inline __m256i taps2(const uint8_t *t0, const uint8_t *t1, int ax0, int ax1, int ay0,
			    int ay1, size_t stride)
{
	__m256i t = _mm256_cvtepu8_epi16(load_two(t0, t1));
	__m256i b = _mm256_cvtepu8_epi16(load_two(t0 + stride, t1 + stride));
	__m256i wx = _mm256_set_m128i(_mm_load_si128((const __m128i *)(const void *)wx_tab[ax1]),
				      _mm_load_si128((const __m128i *)(const void *)wx_tab[ax0]));
	__m256i wy = _mm256_set_m128i(_mm_load_si128((const __m128i *)(const void *)wy_tab[ay1]),
				      _mm_load_si128((const __m128i *)(const void *)wy_tab[ay0]));

	t = _mm256_mullo_epi16(t, wx);
	b = _mm256_mullo_epi16(b, wx);
	t = _mm256_add_epi16(t, _mm256_srli_si256(t, 6));
	b = _mm256_add_epi16(b, _mm256_srli_si256(b, 6));
	t = _mm256_madd_epi16(_mm256_unpacklo_epi16(t, b), wy);
	return _mm256_srli_epi32(_mm256_add_epi32(t, _mm256_set1_epi32((int)ROUND)), 2 * FRAC);
}

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

/* RGB rows eight pixels at a time where all eight are interior (or
 * clamped, for nearest fill): each pixel's two tap rows are loaded,
 * weighted two pixels to a register, and packed back to RGB. */
__attribute__((target("avx2")))
static void sample_row_rgb_avx2(const struct img *src, const int32_t *fx, const int32_t *fy,
				int width, enum warp_fill fill, const uint8_t *fill_px, uint8_t *row)
{
	const __m256i w1 = _mm256_set1_epi32(src->width - 1), h1 = _mm256_set1_epi32(src->height - 1);
	const __m256i neg = _mm256_set1_epi32(-1), mask = _mm256_set1_epi32(ONE - 1);
	const __m256i three = _mm256_set1_epi32(3), stride = _mm256_set1_epi32((int)src->stride);
	const __m128i pick = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
	const int nearest = fill == WARP_NEAREST && src->width >= 2 && src->height >= 2;
	int x = 0;

	for (; x + 8 <= width; x += 8) {
		__m256i vx = _mm256_loadu_si256((const __m256i *)(const void *)(fx + x));
		__m256i vy = _mm256_loadu_si256((const __m256i *)(const void *)(fy + x));
		__m256i x0 = _mm256_srai_epi32(vx, FRAC), y0 = _mm256_srai_epi32(vy, FRAC);
		__m256i in = _mm256_and_si256(
			_mm256_and_si256(_mm256_cmpgt_epi32(x0, neg), _mm256_cmpgt_epi32(w1, x0)),
			_mm256_and_si256(_mm256_cmpgt_epi32(y0, neg), _mm256_cmpgt_epi32(h1, y0)));
		__m256i off;
		int32_t o[8], wa[8], wb[8];
		__m128i a, b;
		uint8_t *out = row + (size_t)x * 3;

		__m256i ax = _mm256_and_si256(vx, mask), ay = _mm256_and_si256(vy, mask);

		if (_mm256_movemask_epi8(in) != -1) {
			/* Nearest fill clamps in the vector too: a tap off the
			 * left or top takes the first pixel whole (weight 0 on
			 * the next), off the right or bottom the last (all the
			 * weight on it), exactly as edge() makes the taps. */
			__m256i nowhere = _mm256_or_si256(_mm256_cmpeq_epi32(vx, _mm256_set1_epi32(NOWHERE)),
							  _mm256_cmpeq_epi32(vy, _mm256_set1_epi32(NOWHERE)));

			if (!nearest || _mm256_movemask_epi8(nowhere)) {
				for (int k = 0; k < 8; k++)
					sample_one(src, fx[x + k], fy[x + k], fill, fill_px, out + 3 * k);
				continue;
			}
			clamp(&x0, &ax, w1);
			clamp(&y0, &ay, h1);
		}
		off = _mm256_add_epi32(_mm256_mullo_epi32(y0, stride), _mm256_mullo_epi32(x0, three));
		_mm256_storeu_si256((__m256i *)(void *)o, off);
		_mm256_storeu_si256((__m256i *)(void *)wa, ax);
		_mm256_storeu_si256((__m256i *)(void *)wb, ay);
		/* Plain loads, not gathers: 8 bytes per tap row cover both of
		 * its pixels (two past them: struct img keeps 16 at its end),
		 * and gathers are slow where microcode guards them. */
		{
			const uint8_t *px = src->pixels;
			size_t st = src->stride;
			__m256i v01 = taps2(px + o[0], px + o[1], wa[0], wa[1], wb[0], wb[1], st);
			__m256i v23 = taps2(px + o[2], px + o[3], wa[2], wa[3], wb[2], wb[3], st);
			__m256i v45 = taps2(px + o[4], px + o[5], wa[4], wa[5], wb[4], wb[5], st);
			__m256i v67 = taps2(px + o[6], px + o[7], wa[6], wa[7], wb[6], wb[7], st);
			/* per half: pixels (0, 2) and (1, 3); then in order */
			__m256i p = _mm256_packus_epi16(_mm256_packs_epi32(v01, v23),
							_mm256_packs_epi32(v45, v67));

			/* half 0: px0 px2 px4 px6 (4 bytes each), half 1: px1 px3 px5 px7 */
			a = _mm_unpacklo_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
			b = _mm_unpackhi_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
		}
		/* RGBx -> RGB: 12 bytes each, written exactly */
		a = _mm_shuffle_epi8(a, pick);
		b = _mm_shuffle_epi8(b, pick);
		_mm_storel_epi64((__m128i *)(void *)out, a);
		memcpy(out + 8, (const uint8_t *)&a + 8, 4);
		_mm_storel_epi64((__m128i *)(void *)(out + 12), b);
		memcpy(out + 20, (const uint8_t *)&b + 8, 4);
	}
	for (; x < width; x++)
		sample_one(src, fx[x], fy[x], fill, fill_px, row + (size_t)x * 3);
}
#endif

static void sample_row(const struct img *src, const int32_t *fx, const int32_t *fy, int width,
		       enum warp_fill fill, const uint8_t *fill_px, uint8_t *row)
{
#ifdef HAVE_AVX2_PATH
	static int avx2 = -1;

	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	if (avx2 && simd_allowed && src->channels == 3) {
		sample_row_rgb_avx2(src, fx, fy, width, fill, fill_px, row);
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

int warp_image(const struct img *src, struct img *dst, const struct mat3 *dst_to_src,
	       enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err)
{
	int px0, py0, dxx, dxy, dyx, dyy;
	const double *m = dst_to_src->m;
	int affine = m[6] == 0 && m[7] == 0 && m[8] == 1;
	int32_t *fx, *fy;

	if (src->channels != dst->channels || src->channels < 1 || src->channels > 4)
		return wn_fail(err, WN_EINVAL, "warp: channel counts differ (%d, %d)",
			       src->channels, dst->channels);
	if (simd_allowed && permutation(m, &px0, &py0, &dxx, &dxy, &dyx, &dyy) &&
	    fabs((double)px0) + dst->width + dst->height < 1e8 &&
	    fabs((double)py0) + dst->width + dst->height < 1e8) {
		copy_permuted(src, dst, px0, py0, dxx, dxy, dyx, dyy, fill, fill_px);
		return 0;
	}
	fx = malloc(2 * (size_t)(dst->width > 0 ? dst->width : 1) * sizeof(*fx));
	if (!fx)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	fy = fx + dst->width;
	for (int y = 0; y < dst->height; y++) {
		if (affine) {
			affine_row(m, y, dst->width, fx, fy);
		} else {
			/* projective: numerators and denominator step linearly */
			double cy = y + 0.5;
			double X = m[0] * 0.5 + m[1] * cy + m[2], Y = m[3] * 0.5 + m[4] * cy + m[5];
			double W = m[6] * 0.5 + m[7] * cy + m[8];

			for (int x = 0; x < dst->width; x++, X += m[0], Y += m[3], W += m[6]) {
				double r;

				if (!(W > 1e-12 || W < -1e-12)) {
					fx[x] = fy[x] = NOWHERE;
					continue;
				}
				r = 1 / W;
				fx[x] = to_fixed(X * r);
				fy[x] = to_fixed(Y * r);
			}
		}
		sample_row(src, fx, fy, dst->width, fill, fill_px,
			   dst->pixels + (size_t)y * dst->stride);
	}
	free(fx);
	return 0;
}

int warp_image_map(const struct img *src, struct img *dst, warp_map_fn *map, void *ctx,
		   enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err)
{
	double *sx, *sy;
	int32_t *fx, *fy;
	int ch = src->channels, w = dst->width > 0 ? dst->width : 1;

	if (ch != dst->channels || ch < 1 || ch > 4)
		return wn_fail(err, WN_EINVAL, "warp: channel counts differ (%d, %d)",
			       ch, dst->channels);
	sx = malloc(2 * (size_t)w * (sizeof(*sx) + sizeof(*fx)));
	if (!sx)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	sy = sx + w;
	fx = (int32_t *)(sy + w);
	fy = fx + w;
	for (int y = 0; y < dst->height; y++) {
		map(ctx, y, dst->width, sx, sy);
		for (int x = 0; x < dst->width; x++) {
			fx[x] = to_fixed(sx[x]);
			fy[x] = to_fixed(sy[x]);
		}
		sample_row(src, fx, fy, dst->width, fill, fill_px,
			   dst->pixels + (size_t)y * dst->stride);
	}
	free(sx);
	return 0;
}
