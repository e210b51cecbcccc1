/* Separable resampling: a weight table per axis and two passes through an
 * 8-bit intermediate (as Pillow does). The vertical pass walks the taps
 * row by row so its inner loop runs over contiguous bytes and vectorises;
 * the horizontal pass is specialised per channel count. AVX2 and AVX-512
 * passes (resample_simd.c) where cpu_level() allows, SSE2 below that,
 * plain loops only when capped to CPU_PLAIN: the same bytes at every
 * level. Built with -O3 (see the Makefile). */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "img/resample.h"
#include "img/resample_taps.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static void taps_release(struct taps *t)
{
	free(t->first);
	free(t->count);
	free(t->weights);
}

static double sinc(double x)
{
	if (x == 0.0)
		return 1.0;
	x *= M_PI;
	return sin(x) / x;
}

static double lanczos3_exact(double x)
{
	return (x > -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0;
}

/* Lanczos3 sampled every 1/1024 on [0, 3] and interpolated linearly: two
 * sin() per tap per image showed in profiles, and the table's error
 * (under 1e-6) is far below the 14-bit weights'. */
#define LANCZOS_STEPS 1024
static float lanczos_table[3 * LANCZOS_STEPS + 2];
static pthread_once_t lanczos_once = PTHREAD_ONCE_INIT;

static void lanczos_fill(void)
{
	for (int i = 0; i <= 3 * LANCZOS_STEPS + 1; i++)
		lanczos_table[i] = (float)lanczos3_exact((double)i / LANCZOS_STEPS);
}

static double lanczos3(double x)
{
	double a = fabs(x) * LANCZOS_STEPS;
	int i = (int)a;

	if (i >= 3 * LANCZOS_STEPS)
		return 0.0;
	return lanczos_table[i] + (a - i) * (lanczos_table[i + 1] - lanczos_table[i]);
}

/* Fills w[] for output index i; returns the number of taps, first in *x0.
 * Coordinates are continuous, pixel j covering [j, j + 1). */
static int compute_taps(enum resample_kernel kernel, int in, const struct resample_axis *ax,
			int i, double *w, int *x0)
{
	double scale = ax->scale, center = (i + 0.5) * scale + ax->offset;
	int lo, hi, n = 0;

	if (kernel == RESAMPLE_AREA) {
		/* The output pixel's footprint is [center - s/2, center + s/2);
		 * when enlarging (s < 1) it is one input pixel wide instead. */
		double half = (scale > 1.0 ? scale : 1.0) / 2.0;
		double a = center - half, b = center + half;

		lo = (int)floor(a);
		hi = (int)ceil(b);
		if (lo < 0)
			lo = 0;
		if (hi > in)
			hi = in;
		for (int j = lo; j < hi; j++) {
			double l = a > j ? a : j, r = b < j + 1 ? b : j + 1;

			w[n++] = r > l ? r - l : 0.0;
		}
	} else {
		double fs = scale > 1.0 ? scale : 1.0;  /* widen to antialias */
		double support = 3.0 * fs;

		lo = (int)floor(center - support);
		hi = (int)ceil(center + support);
		if (lo < 0)
			lo = 0;
		if (hi > in)
			hi = in;
		for (int j = lo; j < hi; j++)
			w[n++] = lanczos3((j + 0.5 - center) / fs);
	}
	*x0 = lo;
	return n;
}

static int taps_init(struct taps *t, enum resample_kernel kernel, int in, int out,
		     const struct resample_axis *ax)
{
	pthread_once(&lanczos_once, lanczos_fill);
	double scale = ax->scale;
	double *w;
	int i;

	t->reach = (int)ceil((kernel == RESAMPLE_AREA ? 1.0 : 6.0) * (scale > 1.0 ? scale : 1.0)) + 3;
	t->max_taps = (t->reach + 15) / 16 * 16;  /* whole vectors; the tail stays 0 */
	t->first = calloc((size_t)out, sizeof(int));
	t->count = calloc((size_t)out, sizeof(int));
	t->weights = calloc((size_t)out * (size_t)t->max_taps, sizeof(int16_t));
	w = malloc((size_t)t->max_taps * sizeof(double));
	if (!t->first || !t->count || !t->weights || !w) {
		free(w);
		return -1;
	}
	for (i = 0; i < out; i++) {
		int16_t *q = t->weights + (size_t)i * t->max_taps;
		int n = compute_taps(kernel, in, ax, i, w, &t->first[i]);
		int sum = 0, biggest = 0;
		double total = 0.0;

		for (int k = 0; k < n; k++)
			total += w[k];
		if (n == 0 || total == 0.0) {
			/* Cannot happen for in >= 1, but never divide by zero. */
			t->first[i] = i * in / out;
			t->count[i] = 1;
			q[0] = ONE;
			continue;
		}
		for (int k = 0; k < n; k++) {
			q[k] = (int16_t)lround(w[k] / total * ONE);
			sum += q[k];
			if (abs(q[k]) > abs(q[biggest]))
				biggest = k;
		}
		/* Rounding may leave the sum a little off ONE: give the rest to
		 * the largest weight so flat areas stay exactly flat. */
		q[biggest] = (int16_t)(q[biggest] + ONE - sum);
		t->count[i] = n;
	}
	free(w);
	return 0;
}

static inline uint8_t clamp8(int32_t v)
{
	v = (v + (1 << (PREC - 1))) >> PREC;
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The horizontal pass for a fixed channel count: inlined into one copy
 * per count, so the per-channel loop unrolls into scalars. */
static inline __attribute__((always_inline)) void
horizontal_rows(const struct img *src, struct img *dst, const struct taps *t, const int c)
{
	for (int y = 0; y < src->height; y++) {
		const uint8_t *s = src->pixels + (size_t)y * src->stride;
		uint8_t *d = dst->pixels + (size_t)y * dst->stride;

		for (int x = 0; x < dst->width; x++) {
			const int16_t *w = t->weights + (size_t)x * t->max_taps;
			const uint8_t *p = s + (size_t)t->first[x] * c;
			int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;

			for (int k = 0; k < t->count[x]; k++, p += c) {
				a0 += p[0] * w[k];
				if (c > 1) {
					a1 += p[1] * w[k];
					a2 += p[2] * w[k];
				}
				if (c > 3)
					a3 += p[3] * w[k];
			}
			d[0] = clamp8(a0);
			if (c > 1) {
				d[1] = clamp8(a1);
				d[2] = clamp8(a2);
			}
			if (c > 3)
				d[3] = clamp8(a3);
			d += c;
		}
	}
}

#if defined(__SSE2__)
/* Four bytes of pixel p as 32 bits (for RGB the fourth is the next
 * pixel's red, carried along and never stored). */
static inline __m128i load_pixel(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return _mm_cvtsi32_si128(v);
}

/*
 * SSE2 (part of every x86-64): the channels of one pixel sit in one
 * register as 16-bit lanes, two taps are interleaved, and pmaddwd adds
 * both products per channel at once. Same arithmetic and rounding as the
 * scalar loop. c is 3 or 4.
 */
static inline __attribute__((always_inline)) void
horizontal_sse2(const struct img *src, struct img *dst, const struct taps *t, const int c)
{
	const __m128i zero = _mm_setzero_si128(), half = _mm_set1_epi32(1 << (PREC - 1));

	for (int y = 0; y < src->height; y++) {
		const uint8_t *s = src->pixels + (size_t)y * src->stride;
		uint8_t *d = dst->pixels + (size_t)y * dst->stride;

		for (int x = 0; x < dst->width; x++, d += c) {
			const int16_t *w = t->weights + (size_t)x * t->max_taps;
			const uint8_t *p = s + (size_t)t->first[x] * c;
			__m128i acc = _mm_setzero_si128();
			int32_t px;
			int k = 0;

			for (; k + 1 < t->count[x]; k += 2, p += 2 * c) {
				__m128i a = _mm_unpacklo_epi8(load_pixel(p), zero);
				__m128i b = _mm_unpacklo_epi8(load_pixel(p + c), zero);
				__m128i ww = _mm_set1_epi32((int32_t)((uint16_t)w[k] |
								      (uint32_t)(uint16_t)w[k + 1] << 16));

				acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_unpacklo_epi16(a, b), ww));
			}
			if (k < t->count[x]) {
				__m128i a = _mm_unpacklo_epi16(_mm_unpacklo_epi8(load_pixel(p), zero), zero);

				acc = _mm_add_epi32(acc, _mm_madd_epi16(a, _mm_set1_epi32((uint16_t)w[k])));
			}
			acc = _mm_srai_epi32(_mm_add_epi32(acc, half), PREC);
			acc = _mm_packs_epi32(acc, acc);
			px = _mm_cvtsi128_si32(_mm_packus_epi16(acc, acc));
			if (c == 4) {
				memcpy(d, &px, 4);
			} else {
				d[0] = (uint8_t)px;
				d[1] = (uint8_t)(px >> 8);
				d[2] = (uint8_t)(px >> 16);
			}
		}
	}
}
#endif

/* The vector level the passes use: -1 when capped to CPU_PLAIN (plain
 * loops only), else cpu_level() (CPU_PLAIN there still allows SSE2, part
 * of every x86-64). */
static int pass_level(void)
{
	return cpu_cap() == CPU_PLAIN ? -1 : cpu_level();
}

/* One channel (grey, or a plane of a JPEG): the vector pass for the
 * leading columns of each row, the plain loop for the rest. */
static void horizontal_one(const struct img *src, struct img *dst, const struct taps *t, int level)
{
	for (int y = 0; y < src->height; y++) {
		const uint8_t *s = src->pixels + (size_t)y * src->stride;
		uint8_t *d = dst->pixels + (size_t)y * dst->stride;
		int x = level >= CPU_AVX512 ? resample_h1_avx512(s, d, dst->width, t)
			: level >= CPU_AVX2 ? resample_h1_avx2(s, d, dst->width, t) : 0;

		for (; x < dst->width; x++) {
			const int16_t *w = t->weights + (size_t)x * t->max_taps;
			const uint8_t *p = s + t->first[x];
			int32_t a = 0;

			for (int k = 0; k < t->count[x]; k++)
				a += p[k] * w[k];
			d[x] = clamp8(a);
		}
	}
}

static void pass_horizontal(const struct img *src, struct img *dst, const struct taps *t, int level)
{
	if (src->channels == 1) {
		horizontal_one(src, dst, t, level);
		return;
	}
#if defined(__SSE2__)
	/* One copy per channel count, so stores are plain moves. */
	if (level >= 0 && src->channels == 3) {
		horizontal_sse2(src, dst, t, 3);
		return;
	}
	if (level >= 0 && src->channels == 4) {
		horizontal_sse2(src, dst, t, 4);
		return;
	}
#endif
	switch (src->channels) {
	case 3: horizontal_rows(src, dst, t, 3); break;
	case 4: horizontal_rows(src, dst, t, 4); break;
	default: {
		/* Two channels (grey and alpha): rare, done as general code. */
		int c = src->channels;

		for (int y = 0; y < src->height; y++) {
			const uint8_t *s = src->pixels + (size_t)y * src->stride;
			uint8_t *d = dst->pixels + (size_t)y * dst->stride;

			for (int x = 0; x < dst->width; x++)
				for (int ch = 0; ch < c; ch++) {
					const int16_t *w = t->weights + (size_t)x * t->max_taps;
					int32_t a = 0;

					for (int k = 0; k < t->count[x]; k++)
						a += s[(size_t)(t->first[x] + k) * c + ch] * w[k];
					d[(size_t)x * c + ch] = clamp8(a);
				}
		}
	}
	}
}

#if defined(__SSE2__)
/* 16 output bytes of the vertical pass: two source rows per pmaddwd. */
static inline void vertical_block(const uint8_t *base, size_t stride, const int16_t *w, int n,
				  uint8_t *d)
{
	const __m128i zero = _mm_setzero_si128(), half = _mm_set1_epi32(1 << (PREC - 1));
	__m128i a0 = zero, a1 = zero, a2 = zero, a3 = zero;

	for (int k = 0; k < n; k += 2) {
		__m128i r0 = _mm_loadu_si128((const __m128i *)(base + (size_t)k * stride));
		__m128i r1 = k + 1 < n ? _mm_loadu_si128((const __m128i *)(base + (size_t)(k + 1) * stride))
				       : zero;
		__m128i ww = _mm_set1_epi32((int32_t)((uint16_t)w[k] |
						      (uint32_t)(uint16_t)(k + 1 < n ? w[k + 1] : 0) << 16));
		__m128i lo0 = _mm_unpacklo_epi8(r0, zero), lo1 = _mm_unpacklo_epi8(r1, zero);
		__m128i hi0 = _mm_unpackhi_epi8(r0, zero), hi1 = _mm_unpackhi_epi8(r1, zero);

		a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi16(lo0, lo1), ww));
		a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi16(lo0, lo1), ww));
		a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_unpacklo_epi16(hi0, hi1), ww));
		a3 = _mm_add_epi32(a3, _mm_madd_epi16(_mm_unpackhi_epi16(hi0, hi1), ww));
	}
	a0 = _mm_srai_epi32(_mm_add_epi32(a0, half), PREC);
	a1 = _mm_srai_epi32(_mm_add_epi32(a1, half), PREC);
	a2 = _mm_srai_epi32(_mm_add_epi32(a2, half), PREC);
	a3 = _mm_srai_epi32(_mm_add_epi32(a3, half), PREC);
	_mm_storeu_si128((__m128i *)d, _mm_packus_epi16(_mm_packs_epi32(a0, a1),
							_mm_packs_epi32(a2, a3)));
}
#endif

static void pass_vertical(const struct img *src, struct img *dst, const struct taps *t,
			  int32_t *acc, int level)
{
	size_t row = (size_t)dst->width * dst->channels;

	for (int y = 0; y < dst->height; y++) {
		const int16_t *w = t->weights + (size_t)y * t->max_taps;
		const uint8_t *base = src->pixels + (size_t)t->first[y] * src->stride;
		uint8_t *d = dst->pixels + (size_t)y * dst->stride;
		size_t i = 0;

		if (level >= CPU_AVX512)
			i = resample_v_avx512(base, src->stride, w, t->count[y], d, row);
		if (level >= CPU_AVX2)
			i += resample_v_avx2(base + i, src->stride, w, t->count[y], d + i, row - i);
#if defined(__SSE2__)
		for (; level >= 0 && i + 16 <= row; i += 16)
			vertical_block(base + i, src->stride, w, t->count[y], d + i);
#endif
		memset(acc + i, 0, (row - i) * sizeof(*acc));
		for (int k = 0; k < t->count[y]; k++) {
			const uint8_t *s = src->pixels + (size_t)(t->first[y] + k) * src->stride;
			int32_t wk = w[k];

			for (size_t x = i; x < row; x++)
				acc[x] += s[x] * wk;
		}
		for (; i < row; i++)
			d[i] = clamp8(acc[i]);
	}
}

/* src[0..n) (of one size and channel count) through the passes into
 * dst[0..n) (allocated, each the output's size), in the cheaper order,
 * with one weight table an axis and one intermediate for all of them. */
static int resample_into(const struct img *src, struct img *dst, int n,
			 enum resample_kernel kernel, const struct resample_axis *ax,
			 const struct resample_axis *ay, struct wn_err *err)
{
	struct taps tx = { 0 }, ty = { 0 };
	struct img mid = { 0 };
	int32_t *acc = NULL;
	int src_w = src->width, src_h = src->height, dst_w = dst->width, dst_h = dst->height;
	int level = pass_level(), ret = -1, vertical_first;

	if (taps_init(&tx, kernel, src_w, dst_w, ax) || taps_init(&ty, kernel, src_h, dst_h, ay)) {
		wn_fail(err, WN_ENOMEM, "out of memory for resampling weights");
		goto out;
	}
	/* The vertical pass vectorises (whole rows at once), the horizontal one
	 * less so: order them so the horizontal pass runs on fewer rows when
	 * that is cheaper. Costs: taps times samples, horizontal counted 4x. */
	vertical_first = 4.0 * dst_h * dst_w * tx.reach + (double)dst_h * src_w * ty.reach <
			 4.0 * src_h * dst_w * tx.reach + (double)dst_h * dst_w * ty.reach;
	if (img_alloc(&mid, vertical_first ? src_w : dst_w, vertical_first ? dst_h : src_h,
		      src->channels, err))
		goto out;
	acc = malloc((size_t)(dst_w > src_w ? dst_w : src_w) * src->channels * sizeof(*acc));
	if (!acc) {
		wn_fail(err, WN_ENOMEM, "out of memory for resampling");
		goto out;
	}
	/* Each pass writes every sample of its output: mid needs no clearing
	 * between images. */
	for (int i = 0; i < n; i++) {
		if (vertical_first) {
			pass_vertical(&src[i], &mid, &ty, acc, level);
			pass_horizontal(&mid, &dst[i], &tx, level);
		} else {
			pass_horizontal(&src[i], &mid, &tx, level);
			pass_vertical(&mid, &dst[i], &ty, acc, level);
		}
	}
	ret = 0;
out:
	free(acc);
	img_release(&mid);
	taps_release(&tx);
	taps_release(&ty);
	return ret;
}

int img_resample(const struct img *src, int dst_w, int dst_h, enum resample_kernel kernel,
		 struct img *dst, struct wn_err *err)
{
	struct resample_axis ax = { (double)src->width / dst_w, 0.0 };
	struct resample_axis ay = { (double)src->height / dst_h, 0.0 };

	memset(dst, 0, sizeof(*dst));
	if (dst_w <= 0 || dst_h <= 0 || src->width <= 0 || src->height <= 0)
		return wn_fail(err, WN_EINVAL, "cannot resample %dx%d to %dx%d",
			       src->width, src->height, dst_w, dst_h);
	if (img_alloc(dst, dst_w, dst_h, src->channels, err))
		return -1;
	if (resample_into(src, dst, 1, kernel, &ax, &ay, err)) {
		img_release(dst);
		return -1;
	}
	return 0;
}

int img_resample_planes(const struct img *src, struct img *dst, int n,
			const struct resample_axis *x, const struct resample_axis *y,
			struct wn_err *err)
{
	for (int i = 0; i < n; i++)
		if (src[i].channels != 1 || dst[i].channels != 1 || dst[i].width <= 0 ||
		    dst[i].height <= 0 || src[i].width <= 0 || src[i].height <= 0 ||
		    src[i].width != src[0].width || src[i].height != src[0].height ||
		    dst[i].width != dst[0].width || dst[i].height != dst[0].height ||
		    !(x->scale > 0) || !(y->scale > 0))
			return wn_fail(err, WN_EINVAL, "cannot resample a %dx%d plane to %dx%d",
				       src[i].width, src[i].height, dst[i].width, dst[i].height);
	return n > 0 ? resample_into(src, dst, n, RESAMPLE_LANCZOS3, x, y, err) : 0;
}

int img_resample_plane(const struct img *src, struct img *dst, const struct resample_axis *x,
		       const struct resample_axis *y, struct wn_err *err)
{
	return img_resample_planes(src, dst, 1, x, y, err);
}
