/* Photometric and region steps on RGB pixels, and the pointwise ones on
 * 4:2:0 planes when a plan has only those (aug/yccpoint.c). The enhancement steps
 * follow PIL's ImageEnhance, which Augmentor calls: each blends the image
 * with a "degenerate" one by the drawn factor (black for brightness, the
 * mean grey for contrast, the greyscale image for colour), rounded and
 * clipped to 0..255. Grey is BT.601 luma (luma.h), as PIL's "L". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aug/pixel.h"
#include "aug/rng.h"
#include "aug/blend.h"
#include "aug/lut.h"
#include "img/img.h"
#include "aug/yccpoint.h"

static uint8_t clip8(double v)
{
	return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5);
}

/* A run of per-channel steps: t maps the image as it was when the run
 * began; hist is that image's histogram, made once when a step needs it. */
struct lut {
	uint8_t t[3][256];
	int active;
	uint32_t hist[3][256];
	int have_hist;
	size_t npix;
};

static void lut_reset(struct lut *l)
{
	for (int c = 0; c < 3; c++)
		for (int v = 0; v < 256; v++)
			l->t[c][v] = (uint8_t)v;
	l->active = 0;
	l->have_hist = 0;
}

static void lut_need_hist(struct lut *l, const struct img *im)
{
	if (l->have_hist)
		return;
	memset(l->hist, 0, sizeof(l->hist));
	for (int y = 0; y < im->height; y++) {
		const uint8_t *p = im->pixels + (size_t)y * im->stride;

		for (int x = 0; x < im->width; x++, p += 3) {
			l->hist[0][p[0]]++;
			l->hist[1][p[1]]++;
			l->hist[2][p[2]]++;
		}
	}
	l->npix = (size_t)im->width * (size_t)im->height;
	l->have_hist = 1;
}

/* Composes f after the table: t[c][v] = f(c, t[c][v]). */
static void lut_then(struct lut *l, uint8_t (*f)(int c, uint8_t v, const double *k), const double *k)
{
	for (int c = 0; c < 3; c++)
		for (int v = 0; v < 256; v++)
			l->t[c][v] = f(c, l->t[c][v], k);
	l->active = 1;
}

static void lut_flush(struct lut *l, struct img *im)
{
	if (l->active)
		for (int y = 0; y < im->height; y++)
			lut_apply_rgb(im->pixels + (size_t)y * im->stride, (size_t)im->width * 3,
				      (const uint8_t (*)[256])l->t);
	lut_reset(l);
}

static uint8_t f_scale(int c, uint8_t v, const double *k)
{
	(void)c;
	return clip8(v * k[0]);
}

static uint8_t f_blend_to(int c, uint8_t v, const double *k)
{
	(void)c;
	return clip8(k[1] + k[0] * (v - k[1]));
}

static uint8_t f_invert(int c, uint8_t v, const double *k)
{
	(void)c;
	(void)k;
	return (uint8_t)(255 - v);
}

static uint8_t f_shift_clip(int c, uint8_t v, const double *k)
{
	(void)c;
	return clip8(fmin(fmax(v + k[0], k[1]), k[2]));
}

/* PIL's contrast centre: the mean of the grey histogram, rounded. Here
 * from the channel means through the table (the grey of a mean is the
 * mean of the greys, up to per-pixel rounding). */
static double mean_grey(struct lut *l, const struct img *im)
{
	double m[3] = { 0, 0, 0 };

	if (!l->active && !l->have_hist) {
		/* no table yet: the channel sums straight off the bytes */
		uint64_t sums[3] = { 0, 0, 0 };
		double n = (double)im->width * im->height;

		for (int y = 0; y < im->height; y++)
			lut_sums_rgb(im->pixels + (size_t)y * im->stride, (size_t)im->width * 3, sums);
		for (int c = 0; c < 3; c++)
			m[c] = (double)sums[c] / (n ? n : 1);
		return floor(0.299 * m[0] + 0.587 * m[1] + 0.114 * m[2] + 0.5);
	}
	lut_need_hist(l, im);
	for (int c = 0; c < 3; c++) {
		for (int v = 0; v < 256; v++)
			m[c] += (double)l->hist[c][v] * l->t[c][v];
		m[c] /= (double)(l->npix ? l->npix : 1);
	}
	return floor(0.299 * m[0] + 0.587 * m[1] + 0.114 * m[2] + 0.5);
}

/* Keras' channel shift clips to the image's own range over all channels:
 * through the table when one is pending, else straight off the bytes (a
 * loop the compiler vectorises). */
static void value_range(struct lut *l, const struct img *im, double *lo, double *hi)
{
	uint8_t mn = 255, mx = 0;

	if (l->active) {
		*lo = 255;
		*hi = 0;
		lut_need_hist(l, im);
		for (int c = 0; c < 3; c++)
			for (int v = 0; v < 256; v++)
				if (l->hist[c][v]) {
					*lo = fmin(*lo, l->t[c][v]);
					*hi = fmax(*hi, l->t[c][v]);
				}
		return;
	}
	for (int y = 0; y < im->height; y++) {
		const uint8_t *p = im->pixels + (size_t)y * im->stride;
		size_t n = (size_t)im->width * 3;
		uint8_t a = 255, b = 0;

		for (size_t i = 0; i < n; i++) {
			a = p[i] < a ? p[i] : a;
			b = p[i] > b ? p[i] : b;
		}
		mn = a < mn ? a : mn;
		mx = b > mx ? b : mx;
	}
	*lo = mn;
	*hi = mx;
}

/* The whole-image steps that mix channels or look at neighbours. */

/* PIL's Color: g + f (v - g) with g the pixel's grey, in 16.16 fixed
 * point (aug/blend.c). */
static void colour(struct img *im, double f)
{
	const int32_t k = (int32_t)lrint(f * 65536);

	for (int y = 0; y < im->height; y++)
		blend_grey_rgb(im->pixels + (size_t)y * im->stride, (size_t)im->width, k);
}

static void grey(struct img *im, int threshold)
{
	for (int y = 0; y < im->height; y++) {
		uint8_t *p = im->pixels + (size_t)y * im->stride;

		for (int x = 0; x < im->width; x++, p += 3) {
			uint8_t g = luma601(p[0], p[1], p[2]);

			if (threshold >= 0)
				g = g < threshold ? 0 : 255;
			p[0] = p[1] = p[2] = g;
		}
	}
}

/* PIL's ImageOps.equalize, channel by channel. */
static void equalise(struct img *im)
{
	uint32_t h[3][256] = { { 0 } };
	uint8_t t[3][256];

	for (int y = 0; y < im->height; y++) {
		const uint8_t *p = im->pixels + (size_t)y * im->stride;

		for (int x = 0; x < im->width; x++, p += 3)
			for (int c = 0; c < 3; c++)
				h[c][p[c]]++;
	}
	for (int c = 0; c < 3; c++) {
		uint64_t total = 0, last = 0, step, n;

		for (int v = 0; v < 256; v++) {
			total += h[c][v];
			if (h[c][v])
				last = h[c][v];
		}
		step = (total - last) / 255;
		for (int v = 0; v < 256; v++)
			t[c][v] = (uint8_t)v;
		if (!step)
			continue;
		n = step / 2;
		for (int v = 0; v < 256; v++) {
			uint64_t o = n / step;

			t[c][v] = (uint8_t)(o > 255 ? 255 : o);
			n += h[c][v];
		}
	}
	for (int y = 0; y < im->height; y++) {
		uint8_t *p = im->pixels + (size_t)y * im->stride;

		for (int x = 0; x < im->width; x++, p += 3)
			for (int c = 0; c < 3; c++)
				p[c] = t[c][p[c]];
	}
}

/* Hue turned by deg about the grey axis in YIQ, luma kept: one colour
 * matrix for the whole image. Positive turns as HSV's hue does, red
 * toward yellow and green (clockwise from I to Q). */
static void hue(struct img *im, double deg)
{
	static const double to[9] = { 0.299, 0.587, 0.114, 0.596, -0.274, -0.322,
				      0.211, -0.523, 0.312 };
	static const double from[9] = { 1, 0.956, 0.621, 1, -0.272, -0.647, 1, -1.106, 1.703 };
	double r = -deg * M_PI / 180, c = cos(r), s = sin(r);
	double rot[9] = { 1, 0, 0, 0, c, -s, 0, s, c }, a[9], m[9];

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			a[3 * i + j] = 0;
			for (int k = 0; k < 3; k++)
				a[3 * i + j] += rot[3 * i + k] * to[3 * k + j];
		}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			m[3 * i + j] = 0;
			for (int k = 0; k < 3; k++)
				m[3 * i + j] += from[3 * i + k] * a[3 * k + j];
		}
	for (int y = 0; y < im->height; y++) {
		uint8_t *p = im->pixels + (size_t)y * im->stride;

		for (int x = 0; x < im->width; x++, p += 3) {
			double R = p[0], G = p[1], B = p[2];

			p[0] = clip8(m[0] * R + m[1] * G + m[2] * B);
			p[1] = clip8(m[3] * R + m[4] * G + m[5] * B);
			p[2] = clip8(m[6] * R + m[7] * G + m[8] * B);
		}
	}
}

/* Noise from its own stream, keyed by the seed the plan drew. */
static void noise(struct img *im, double sigma, uint64_t key, int x0, int y0, int w, int h,
		  int replace)
{
	struct aug_rng r;
	uint8_t hash[16] = { 0 };

	memcpy(hash, &key, sizeof(key));
	aug_rng_init(&r, key, hash, 0, 0);
	for (int y = y0; y < y0 + h; y++) {
		uint8_t *p = im->pixels + (size_t)y * im->stride + (size_t)x0 * 3;

		for (int x = 0; x < w * 3; x++)
			p[x] = replace ? (uint8_t)(aug_rng_next(&r) >> 56)
				       : clip8(p[x] + aug_rng_normal(&r, sigma));
	}
}

/* A separable Gaussian, radius ceil(3 sigma), edges clamped. */
static int blur(struct img *im, double sigma, struct wn_err *err)
{
	int rad = (int)ceil(3 * sigma), n = 2 * rad + 1;
	int w = im->width, h = im->height;
	float *k = malloc((size_t)n * sizeof(*k));
	float *tmp = malloc((size_t)w * (size_t)h * 3 * sizeof(*tmp));
	double sum = 0;

	if (!k || !tmp) {
		free(k);
		free(tmp);
		return wn_fail(err, WN_ENOMEM, "out of memory");
	}
	for (int i = 0; i < n; i++)
		sum += exp(-(double)(i - rad) * (i - rad) / (2 * sigma * sigma));
	for (int i = 0; i < n; i++)
		k[i] = (float)(exp(-(double)(i - rad) * (i - rad) / (2 * sigma * sigma)) / sum);
	for (int y = 0; y < h; y++) {
		const uint8_t *row = im->pixels + (size_t)y * im->stride;
		float *out = tmp + (size_t)y * (size_t)w * 3;

		for (int x = 0; x < w; x++)
			for (int c = 0; c < 3; c++) {
				float acc = 0;

				for (int i = 0; i < n; i++) {
					int xx = x + i - rad;

					xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
					acc += k[i] * row[xx * 3 + c];
				}
				out[x * 3 + c] = acc;
			}
	}
	for (int y = 0; y < h; y++) {
		uint8_t *row = im->pixels + (size_t)y * im->stride;

		for (int x = 0; x < w * 3; x++) {
			float acc = 0;

			for (int i = 0; i < n; i++) {
				int yy = y + i - rad;

				yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
				acc += k[i] * tmp[(size_t)yy * (size_t)w * 3 + (size_t)x];
			}
			row[x] = clip8(acc);
		}
	}
	free(k);
	free(tmp);
	return 0;
}

int aug_pixels_apply(struct img *im, const struct aug_plan *plan,
		     const struct aug_pipeline *p, struct wn_err *err)
{
	struct lut l;

	if (im->channels != 3)
		return wn_fail(err, WN_EINVAL, "augment: pixels must be RGB, not %d channels",
			       im->channels);
	lut_reset(&l);
	for (size_t i = 0; i < plan->n; i++) {
		const struct aug_applied *a = &plan->applied[i];
		double k[3];

		switch (a->op) {
		case AUG_RANDOM_BRIGHTNESS:
		case AUG_K_BRIGHTNESS_RANGE:
			k[0] = a->v[0];
			lut_then(&l, f_scale, k);
			continue;
		case AUG_RANDOM_CONTRAST:
			k[0] = a->v[0];
			k[1] = mean_grey(&l, im);
			lut_then(&l, f_blend_to, k);
			continue;
		case AUG_INVERT:
			lut_then(&l, f_invert, k);
			continue;
		case AUG_K_CHANNEL_SHIFT_RANGE:
			k[0] = a->v[0];
			value_range(&l, im, &k[1], &k[2]);
			lut_then(&l, f_shift_clip, k);
			continue;
		default:
			break;
		}
		/* Everything else sees the pixels as they are by now. */
		if (aug_op_family(a->op) == AUG_PHOTOMETRIC || aug_op_family(a->op) == AUG_REGION)
			lut_flush(&l, im);
		switch (a->op) {
		case AUG_RANDOM_COLOR:
			colour(im, a->v[0]);
			break;
		case AUG_GREYSCALE:
			grey(im, -1);
			break;
		case AUG_BLACK_AND_WHITE:
			grey(im, (int)p->steps[a->step].lo[1]);
			break;
		case AUG_HISTOGRAM_EQUALISATION:
			equalise(im);
			break;
		case AUG_HUE_SHIFT:
			hue(im, a->v[0]);
			break;
		case AUG_PCA_LIGHTING:
			aug_pca_lighting(im, a->v);
			break;
		case AUG_GAUSSIAN_NOISE:
			noise(im, a->v[0], (uint64_t)a->v[1], 0, 0, im->width, im->height, 0);
			break;
		case AUG_RANDOM_ERASING: {
			int x0 = (int)a->v[0], y0 = (int)a->v[1], w = (int)a->v[2], h = (int)a->v[3];

			/* The plan drew the rectangle inside the output. */
			if (x0 >= 0 && y0 >= 0 && w > 0 && h > 0 && x0 + w <= im->width &&
			    y0 + h <= im->height)
				noise(im, 0, (uint64_t)a->v[4], x0, y0, w, h, 1);
			break;
		}
		case AUG_GAUSSIAN_BLUR:
			if (blur(im, a->v[0], err))
				return -1;
			break;
		default:
			break;  /* geometric, grid and encode steps act elsewhere */
		}
	}
	lut_flush(&l, im);
	return 0;
}

int aug_pixels_try_ycc420(struct img planes[3], const struct aug_plan *plan)
{
	struct ycc_step s[YCC_MAX_STEPS];
	struct ycc_stats st;
	size_t n = 0;

	for (size_t i = 0; i < plan->n; i++) {
		const struct aug_applied *a = &plan->applied[i];
		enum aug_family f = aug_op_family(a->op);
		struct ycc_step *t = &s[n];

		if (f != AUG_PHOTOMETRIC && f != AUG_REGION)
			continue;
		if (n == YCC_MAX_STEPS)
			return 0;
		*t = (struct ycc_step){ YCC_AFFINE, 1.f, 0.f, 0.f, 255.f };
		switch (a->op) {
		case AUG_RANDOM_BRIGHTNESS:
		case AUG_K_BRIGHTNESS_RANGE:
			t->a = (float)a->v[0];
			break;
		case AUG_RANDOM_CONTRAST: {
			double mean;

			if (ycc420_steps_stats(planes, s, n, YCC_MEAN, &st))  /* the colours so far */
				return 0;
			mean = floor((double)st.luma_sum / (double)(st.n ? st.n : 1) + 0.5);
			t->a = (float)a->v[0];
			t->b = (float)(mean * (1 - a->v[0]));
			break;
		}
		case AUG_INVERT:
			t->a = -1.f;
			t->b = 255.f;
			break;
		case AUG_K_CHANNEL_SHIFT_RANGE:
			if (ycc420_steps_stats(planes, s, n, YCC_RANGE, &st))
				return 0;
			t->b = (float)a->v[0];
			t->lo = st.min;
			t->hi = st.max;
			break;
		case AUG_RANDOM_COLOR:
			t->kind = YCC_COLOUR;
			t->a = (float)a->v[0];
			break;
		case AUG_GREYSCALE:
			t->kind = YCC_COLOUR;
			t->a = 0.f;
			break;
		default:
			return 0;  /* thresholds, histograms, neighbours, noise: RGB */
		}
		if (!ycc_step_fits(t))
			return 0;  /* a factor past what 16 bits hold */
		n++;
	}
	return !n || !ycc420_steps_apply(planes, s, n);
}

int aug_plan_quality(const struct aug_plan *plan, int fallback)
{
	int q = fallback;

	for (size_t i = 0; i < plan->n; i++)
		if (plan->applied[i].op == AUG_JPEG_QUALITY)
			q = (int)plan->applied[i].v[0];
	return q;
}
