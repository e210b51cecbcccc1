/* The loops of a convolution that are not sgemm: the depthwise
 * convolution and the epilogue that adds the bias and clamps (ReLU,
 * ReLU6) a convolution's output while it is still in cache. Each has a
 * plain loop and AVX2 and AVX-512 versions (cpu_level()); the vector
 * versions fuse the multiply-adds, so they differ from the plain loop by
 * rounding only (a few ulp). */
#include <immintrin.h>
#include <math.h>

#include "base/base.h"
#include "nn/internal.h"

#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#define AVX2 __attribute__((target("avx2,fma")))

/* What the epilogue does after the bias: nothing, or clamp to [lo, hi]
 * (max first: a NaN becomes lo, as the plain activation loops make it 0). */
struct clamp {
	int on;
	float lo, hi;
};

int nn_act_clamps(const struct nn_node *nd)
{
	return nd->act == ACT_LINEAR || nd->act == ACT_RELU || nd->act == ACT_RELU6 ||
	       (nd->act == ACT_RELU_GENERAL && nd->relu_slope == 0 && nd->relu_threshold == 0);
}

static struct clamp clamp_of(const struct nn_node *nd)
{
	struct clamp c = { 1, 0, INFINITY };

	if (nd->act == ACT_LINEAR || !nn_act_clamps(nd))
		c.on = 0;
	else if (nd->act == ACT_RELU6)
		c.hi = 6;
	else if (nd->act == ACT_RELU_GENERAL)
		c.hi = nd->relu_max;
	return c;
}

static int vector_level(void)
{
	static int fma = -1;

	if (fma < 0) {
		__builtin_cpu_init();
		fma = __builtin_cpu_supports("fma") ? 1 : 0;  /* a benign race: same value */
	}
	return fma ? cpu_level() : CPU_PLAIN;
}

/* The taps of kernel row/column range [*k0, *k1) that fall inside the
 * input for output position o. */
static void taps_inside(int o, int stride, int pad, int k, int size, int *k0, int *k1)
{
	int first = o * stride - pad;

	*k0 = first < 0 ? -first : 0;
	*k1 = size - first < k ? size - first : k;
}

static float clamp1(float v, struct clamp cl)
{
	if (!cl.on)
		return v;
	v = v > cl.lo ? v : cl.lo;
	return v < cl.hi ? v : cl.hi;
}

/* One output pixel's channels [k0, k1), plain. */
static void depthwise_pixel(const struct nn_node *nd, const struct nn_node *in, const float *src,
			    float *dst, int y, int x, int k0, int k1, struct clamp cl)
{
	const size_t c = (size_t)nd->c;
	float *o = dst + ((size_t)y * (size_t)nd->w + (size_t)x) * c;
	int ky0, ky1, kx0, kx1;

	taps_inside(y, nd->sh, nd->pad_t, nd->kh, in->h, &ky0, &ky1);
	taps_inside(x, nd->sw, nd->pad_l, nd->kw, in->w, &kx0, &kx1);
	for (int k = k0; k < k1; k++)
		o[k] = nd->bias ? nd->bias[k] : 0;
	for (int ky = ky0; ky < ky1; ky++)
		for (int kx = kx0; kx < kx1; kx++) {
			const float *s = src + ((size_t)(y * nd->sh + ky - nd->pad_t) * (size_t)in->w +
						(size_t)(x * nd->sw + kx - nd->pad_l)) * c;
			const float *w = nd->weight + ((size_t)ky * (size_t)nd->kw + (size_t)kx) * c;

			for (int k = k0; k < k1; k++)
				o[k] += s[k] * w[k];
		}
	for (int k = k0; k < k1; k++)
		o[k] = clamp1(o[k], cl);
}

static void depthwise_plain(const struct nn_node *nd, const struct nn_node *in, const float *src,
			    float *dst, struct clamp cl)
{
	for (int y = 0; y < nd->h; y++)
		for (int x = 0; x < nd->w; x++)
			depthwise_pixel(nd, in, src, dst, y, x, 0, nd->c, cl);
}

/* NB blocks of sixteen channels from k of one output pixel: NB sums in
 * registers, so the taps' multiply-adds do not wait on each other. NB is
 * a constant where this is inlined. */
AVX512 static inline __attribute__((always_inline)) void
dw_blocks512(const struct nn_node *nd, const struct nn_node *in, const float *src, float *o,
	     int y, int x, int k, int nb, __mmask16 last, struct clamp cl)
{
	const size_t step = (size_t)nd->c;
	__m512 acc[4];
	int ky0, ky1, kx0, kx1;

	taps_inside(y, nd->sh, nd->pad_t, nd->kh, in->h, &ky0, &ky1);
	taps_inside(x, nd->sw, nd->pad_l, nd->kw, in->w, &kx0, &kx1);
	for (int j = 0; j < nb; j++)
		acc[j] = nd->bias ? _mm512_maskz_loadu_ps(j == nb - 1 ? last : 0xffff, nd->bias + k + 16 * j)
				  : _mm512_setzero_ps();
	for (int ky = ky0; ky < ky1; ky++) {
		const float *s = src + ((size_t)(y * nd->sh + ky - nd->pad_t) * (size_t)in->w +
					(size_t)(x * nd->sw + kx0 - nd->pad_l)) * step + (size_t)k;
		const float *w = nd->weight + ((size_t)ky * (size_t)nd->kw + (size_t)kx0) * step + (size_t)k;

		for (int kx = kx0; kx < kx1; kx++, s += step, w += step)
			for (int j = 0; j < nb; j++) {
				__mmask16 m = j == nb - 1 ? last : 0xffff;

				acc[j] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, s + 16 * j),
							 _mm512_maskz_loadu_ps(m, w + 16 * j), acc[j]);
			}
	}
	for (int j = 0; j < nb; j++) {
		if (cl.on)
			acc[j] = _mm512_min_ps(_mm512_max_ps(acc[j], _mm512_set1_ps(cl.lo)),
					       _mm512_set1_ps(cl.hi));
		_mm512_mask_storeu_ps(o + k + 16 * j, j == nb - 1 ? last : 0xffff, acc[j]);
	}
}

/* Per output pixel, its channels 64 at a time (then 32, then 16): the
 * taps are read in memory order. */
AVX512 static void depthwise_avx512(const struct nn_node *nd, const struct nn_node *in,
				    const float *src, float *dst, struct clamp cl)
{
	const int c = nd->c;
	const __mmask16 tail = c & 15 ? (__mmask16)((1u << (c & 15)) - 1) : (__mmask16)0xffff;
	float *o = dst;

	for (int y = 0; y < nd->h; y++)
		for (int x = 0; x < nd->w; x++, o += c) {
			int k = 0;

			for (; c - k >= 64; k += 64)
				dw_blocks512(nd, in, src, o, y, x, k, 4, 0xffff, cl);
			for (; c - k >= 32; k += 32)
				dw_blocks512(nd, in, src, o, y, x, k, 2, 0xffff, cl);
			for (; k < c; k += 16)
				dw_blocks512(nd, in, src, o, y, x, k, 1, c - k <= 16 ? tail : 0xffff, cl);
		}
}

/* The same eight channels at a time; the channels past the last eight
 * (none in the nsfwjs models) take the plain loop. */
AVX2 static void depthwise_avx2(const struct nn_node *nd, const struct nn_node *in,
				const float *src, float *dst, struct clamp cl)
{
	const int c = nd->c, c8 = c & ~7;
	const size_t step = (size_t)c;
	const __m256 lo = _mm256_set1_ps(cl.lo), hi = _mm256_set1_ps(cl.hi);

	for (int y = 0; y < nd->h; y++) {
		int ky0, ky1;

		taps_inside(y, nd->sh, nd->pad_t, nd->kh, in->h, &ky0, &ky1);
		for (int k = 0; k < c8; k += 8) {
			float *o = dst + (size_t)y * (size_t)nd->w * step + (size_t)k;
			__m256 b = nd->bias ? _mm256_loadu_ps(nd->bias + k) : _mm256_setzero_ps();

			for (int x = 0; x < nd->w; x++, o += step) {
				__m256 acc = b;
				int kx0, kx1;

				taps_inside(x, nd->sw, nd->pad_l, nd->kw, in->w, &kx0, &kx1);
				for (int ky = ky0; ky < ky1; ky++) {
					const float *s = src + ((size_t)(y * nd->sh + ky - nd->pad_t) * (size_t)in->w +
								(size_t)(x * nd->sw + kx0 - nd->pad_l)) * step + (size_t)k;
					const float *w = nd->weight + ((size_t)ky * (size_t)nd->kw + (size_t)kx0) * step +
							 (size_t)k;

					for (int kx = kx0; kx < kx1; kx++, s += step, w += step)
						acc = _mm256_fmadd_ps(_mm256_loadu_ps(s), _mm256_loadu_ps(w), acc);
				}
				if (cl.on)
					acc = _mm256_min_ps(_mm256_max_ps(acc, lo), hi);
				_mm256_storeu_ps(o, acc);
			}
		}
		if (c8 < c)
			for (int x = 0; x < nd->w; x++)
				depthwise_pixel(nd, in, src, dst, y, x, c8, c, cl);
	}
}

void nn_depthwise(const struct nn_node *nd, const struct nn_node *in, const float *src,
		  float *dst)
{
	struct clamp cl = clamp_of(nd);
	int level = vector_level();

	if (level >= CPU_AVX512)
		depthwise_avx512(nd, in, src, dst, cl);
	else if (level >= CPU_AVX2)
		depthwise_avx2(nd, in, src, dst, cl);
	else
		depthwise_plain(nd, in, src, dst, cl);
}

/* Rows of pixels a 1x1 tile holds: 6 rows of up to 4 vectors are 24 sums
 * in registers, with 4 for the weights and one for the pixel's value. */
#define TILE_ROWS 6

/* ROWS pixels' sums over every input channel for NB vectors of output
 * channels from co: the weights' row for an input channel is loaded once
 * for the ROWS pixels. ROWS and NB are constants where this is inlined. */
AVX512 static inline __attribute__((always_inline)) void
tile1x1_512(const float *in, int cin, const float *w, int cout, const float *bias, float *out,
	    int co, int rows, int nb, __mmask16 last, struct clamp cl)
{
	__m512 acc[TILE_ROWS][4], wv[4];

	for (int j = 0; j < nb; j++) {
		__m512 b = bias ? _mm512_maskz_loadu_ps(j == nb - 1 ? last : 0xffff, bias + co + 16 * j)
				: _mm512_setzero_ps();

		for (int r = 0; r < rows; r++)
			acc[r][j] = b;
	}
	for (int ci = 0; ci < cin; ci++) {
		for (int j = 0; j < nb; j++)
			wv[j] = _mm512_maskz_loadu_ps(j == nb - 1 ? last : 0xffff,
						      w + (size_t)ci * (size_t)cout + (size_t)co + 16 * (size_t)j);
		for (int r = 0; r < rows; r++) {
			__m512 x = _mm512_set1_ps(in[(size_t)r * (size_t)cin + (size_t)ci]);

			for (int j = 0; j < nb; j++)
				acc[r][j] = _mm512_fmadd_ps(x, wv[j], acc[r][j]);
		}
	}
	for (int r = 0; r < rows; r++)
		for (int j = 0; j < nb; j++) {
			__m512 v = acc[r][j];

			if (cl.on)
				v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(cl.lo)), _mm512_set1_ps(cl.hi));
			_mm512_mask_storeu_ps(out + (size_t)r * (size_t)cout + (size_t)co + 16 * (size_t)j,
					      j == nb - 1 ? last : 0xffff, v);
		}
}

/* NB vectors of output channels from co, for every pixel, TILE_ROWS at a
 * time then one at a time. */
AVX512 static inline __attribute__((always_inline)) void
cols1x1_512(const float *in, size_t pixels, int cin, const float *w, int cout, const float *bias,
	    float *out, int co, int nb, __mmask16 last, struct clamp cl)
{
	size_t p = 0;

	for (; p + TILE_ROWS <= pixels; p += TILE_ROWS)
		tile1x1_512(in + p * (size_t)cin, cin, w, cout, bias, out + p * (size_t)cout, co,
			    TILE_ROWS, nb, last, cl);
	for (; p < pixels; p++)
		tile1x1_512(in + p * (size_t)cin, cin, w, cout, bias, out + p * (size_t)cout, co, 1, nb,
			    last, cl);
}

AVX512 static void conv1x1_avx512(const struct nn_node *nd, int cin, const float *src, float *dst,
				  size_t pixels, struct clamp cl)
{
	const int cout = nd->c;
	const __mmask16 tail = cout & 15 ? (__mmask16)((1u << (cout & 15)) - 1) : (__mmask16)0xffff;
	int co = 0;

	for (; cout - co >= 64; co += 64)
		cols1x1_512(src, pixels, cin, nd->weight, cout, nd->bias, dst, co, 4, 0xffff, cl);
	if (cout - co > 48)
		cols1x1_512(src, pixels, cin, nd->weight, cout, nd->bias, dst, co, 4, tail, cl);
	else if (cout - co > 32)
		cols1x1_512(src, pixels, cin, nd->weight, cout, nd->bias, dst, co, 3, tail, cl);
	else if (cout - co > 16)
		cols1x1_512(src, pixels, cin, nd->weight, cout, nd->bias, dst, co, 2, tail, cl);
	else if (cout - co > 0)
		cols1x1_512(src, pixels, cin, nd->weight, cout, nd->bias, dst, co, 1, tail, cl);
}

int nn_conv1x1(const struct nn_node *nd, int cin, const float *src, float *dst, size_t pixels)
{
	if (vector_level() < CPU_AVX512)
		return -1;
	conv1x1_avx512(nd, cin, src, dst, pixels, clamp_of(nd));
	return 0;
}

AVX512 static void epilogue_avx512(float *x, size_t pixels, int c, const float *bias,
				   struct clamp cl)
{
	const __m512 lo = _mm512_set1_ps(cl.lo), hi = _mm512_set1_ps(cl.hi);

	for (size_t p = 0; p < pixels; p++, x += c)
		for (int k = 0; k < c; k += 16) {
			__mmask16 m = c - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (c - k)) - 1);
			__m512 v = _mm512_maskz_loadu_ps(m, x + k);

			if (bias)
				v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + k));
			if (cl.on)
				v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
			_mm512_mask_storeu_ps(x + k, m, v);
		}
}

void nn_epilogue(const struct nn_node *nd, float *x, size_t pixels)
{
	struct clamp cl = clamp_of(nd);
	const int c = nd->c;

	if (!nd->bias && !cl.on)
		return;
	if (vector_level() >= CPU_AVX512) {
		epilogue_avx512(x, pixels, c, nd->bias, cl);
		return;
	}
	for (size_t p = 0; p < pixels; p++, x += c)
		for (int k = 0; k < c; k++)
			x[k] = clamp1(nd->bias ? x[k] + nd->bias[k] : x[k], cl);
}
