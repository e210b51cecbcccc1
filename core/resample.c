/* Separable resampling: a weight table per axis, a horizontal pass into an
 * 8-bit intermediate (as Pillow does), then a vertical pass that walks the
 * taps row by row so the inner loop runs over contiguous bytes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resample.h"

#define PREC 14
#define ONE (1 << PREC)

/* For each output index: the first input index and n weights. */
struct taps {
	int *first;
	int *count;
	int16_t *weights;  /* out_size * max_taps, row i at i * max_taps */
	int max_taps;
};

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

static double lanczos3(double x)
{
	return (x > -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0;
}

/* Fills w[] for output index i; returns the number of taps, first in *x0.
 * Coordinates are continuous, pixel j covering [j, j + 1). */
static int compute_taps(enum resample_kernel kernel, int in, double scale, int i,
			double *w, int *x0)
{
	double center = (i + 0.5) * scale;
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

static int taps_init(struct taps *t, enum resample_kernel kernel, int in, int out)
{
	double scale = (double)in / out;
	double *w;
	int i;

	t->max_taps = (int)ceil((kernel == RESAMPLE_AREA ? 1.0 : 6.0) *
				(scale > 1.0 ? scale : 1.0)) + 3;
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
		int n = compute_taps(kernel, in, scale, i, w, &t->first[i]);
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

static void pass_horizontal(const struct img *src, struct img *dst, const struct taps *t)
{
	int c = src->channels;

	for (int y = 0; y < src->height; y++) {
		const uint8_t *s = src->pixels + (size_t)y * src->stride;
		uint8_t *d = dst->pixels + (size_t)y * dst->stride;

		for (int x = 0; x < dst->width; x++) {
			const int16_t *w = t->weights + (size_t)x * t->max_taps;
			const uint8_t *p = s + (size_t)t->first[x] * c;
			int32_t acc[4] = { 0, 0, 0, 0 };

			for (int k = 0; k < t->count[x]; k++, p += c)
				for (int ch = 0; ch < c; ch++)
					acc[ch] += p[ch] * w[k];
			for (int ch = 0; ch < c; ch++)
				d[(size_t)x * c + ch] = clamp8(acc[ch]);
		}
	}
}

static void pass_vertical(const struct img *src, struct img *dst, const struct taps *t,
			  int32_t *acc)
{
	size_t row = (size_t)dst->width * dst->channels;

	for (int y = 0; y < dst->height; y++) {
		const int16_t *w = t->weights + (size_t)y * t->max_taps;
		uint8_t *d = dst->pixels + (size_t)y * dst->stride;

		memset(acc, 0, row * sizeof(*acc));
		for (int k = 0; k < t->count[y]; k++) {
			const uint8_t *s = src->pixels + (size_t)(t->first[y] + k) * src->stride;
			int32_t wk = w[k];

			for (size_t i = 0; i < row; i++)
				acc[i] += s[i] * wk;
		}
		for (size_t i = 0; i < row; i++)
			d[i] = clamp8(acc[i]);
	}
}

int img_resample(const struct img *src, int dst_w, int dst_h, enum resample_kernel kernel,
		 struct img *dst, struct wn_err *err)
{
	struct taps tx = { 0 }, ty = { 0 };
	struct img mid = { 0 };
	int32_t *acc = NULL;
	int ret = -1;

	memset(dst, 0, sizeof(*dst));
	if (dst_w <= 0 || dst_h <= 0 || src->width <= 0 || src->height <= 0)
		return wn_fail(err, WN_EINVAL, "cannot resample %dx%d to %dx%d",
			       src->width, src->height, dst_w, dst_h);
	if (taps_init(&tx, kernel, src->width, dst_w) || taps_init(&ty, kernel, src->height, dst_h)) {
		wn_fail(err, WN_ENOMEM, "out of memory for resampling weights");
		goto out;
	}
	if (img_alloc(&mid, dst_w, src->height, src->channels, err) ||
	    img_alloc(dst, dst_w, dst_h, src->channels, err))
		goto out;
	acc = malloc((size_t)dst_w * src->channels * sizeof(*acc));
	if (!acc) {
		wn_fail(err, WN_ENOMEM, "out of memory for resampling");
		goto out;
	}
	pass_horizontal(src, &mid, &tx);
	pass_vertical(&mid, dst, &ty, acc);
	ret = 0;
out:
	if (ret)
		img_release(dst);
	free(acc);
	img_release(&mid);
	taps_release(&tx);
	taps_release(&ty);
	return ret;
}
