/* The pictures of label cam: a class map laid over its image, and a
 * layer's channels as a grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/cam.h"

#define GRID_MIN_TILE 32
#define GRID_MAX_PIXELS (64u << 20)

int cam_picture(const uint8_t *buf, size_t len, const struct img_limits *limits, int side,
		struct img *out, struct wn_err *err)
{
	struct img_decode_opts o;
	struct img src = { 0 };
	double f;
	int w, h;

	img_decode_opts_init(&o);
	if (limits)
		o.limits = *limits;
	o.channels = 3;
	o.min_width = o.min_height = side;
	if (img_decode(buf, len, &o, &src, NULL, err))
		return -1;
	f = (double)side / (src.width > src.height ? src.width : src.height);
	if (f >= 1) {
		*out = src;
		return 0;
	}
	w = (int)lround(src.width * f);
	h = (int)lround(src.height * f);
	w = w < 1 ? 1 : w;
	h = h < 1 ? 1 : h;
	if (img_resample(&src, w, h, RESAMPLE_LANCZOS3, out, err)) {
		img_release(&src);
		return -1;
	}
	img_release(&src);
	return 0;
}

/* Jet: blue, cyan, yellow, red as t goes from 0 to 1. */
static float jet(float t, int channel)
{
	float v = 1.5f - fabsf(4 * t - (float)(3 - channel));

	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* Where output pixel i of n falls on a grid of m cells, centres aligned:
 * the cell *a, the next one *b and the weight of b. */
static float source(int i, int n, int m, int *a, int *b)
{
	float s = ((float)i + 0.5f) * (float)m / (float)n - 0.5f;

	s = s < 0 ? 0 : s > (float)(m - 1) ? (float)(m - 1) : s;
	*a = (int)s;
	*b = *a + 1 < m ? *a + 1 : *a;
	return s - (float)*a;
}

void cam_overlay(struct img *im, const float *map, int mh, int mw, float alpha)
{
	float lo = map[0], hi = map[0], span;

	for (int i = 1; i < mh * mw; i++) {
		lo = map[i] < lo ? map[i] : lo;
		hi = map[i] > hi ? map[i] : hi;
	}
	span = hi > lo ? hi - lo : 1;
	for (int y = 0; y < im->height; y++) {
		int y0, y1;
		float fy = source(y, im->height, mh, &y0, &y1);
		uint8_t *px = im->pixels + (size_t)y * im->stride;

		for (int x = 0; x < im->width; x++, px += 3) {
			int x0, x1;
			float fx = source(x, im->width, mw, &x0, &x1);
			float top = map[y0 * mw + x0] + (map[y0 * mw + x1] - map[y0 * mw + x0]) * fx;
			float bot = map[y1 * mw + x0] + (map[y1 * mw + x1] - map[y1 * mw + x0]) * fx;
			float t = (top + (bot - top) * fy - lo) / span;

			for (int ch = 0; ch < 3; ch++) {
				float v = (1 - alpha) * px[ch] + alpha * 255 * jet(t, ch);

				px[ch] = (uint8_t)(v + 0.5f);
			}
		}
	}
}

int cam_render(const struct img *picture, const struct cam_result *r, int j, struct img *out,
	       struct wn_err *err)
{
	if (img_alloc(out, picture->width, picture->height, 3, err))
		return -1;
	for (int y = 0; y < out->height; y++)
		memcpy(out->pixels + (size_t)y * out->stride,
		       picture->pixels + (size_t)y * picture->stride, (size_t)out->width * 3);
	cam_overlay(out, r->maps + (size_t)j * (size_t)r->h * (size_t)r->w, r->h, r->w, 0.5f);
	return 0;
}

/* One channel's tile at (ox, oy) of out, s pixels a cell. */
static void grid_tile(const float *acts, int h, int w, int c, int ch, int s, struct img *out,
		      int ox, int oy)
{
	float lo = acts[ch], hi = acts[ch], span;

	for (size_t p = 1; p < (size_t)h * (size_t)w; p++) {
		float v = acts[p * (size_t)c + (size_t)ch];

		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	span = hi > lo ? hi - lo : 0;
	for (int y = 0; y < h * s; y++) {
		uint8_t *px = out->pixels + (size_t)(oy + y) * out->stride + (size_t)ox * 3;

		for (int x = 0; x < w * s; x++, px += 3) {
			float v = acts[((size_t)(y / s) * (size_t)w + (size_t)(x / s)) * (size_t)c +
				       (size_t)ch];
			uint8_t g = span > 0 ? (uint8_t)((v - lo) / span * 255 + 0.5f) : 0;

			px[0] = px[1] = px[2] = g;
		}
	}
}

int cam_grid(const float *acts, int h, int w, int c, struct img *out, struct wn_err *err)
{
	int big = h > w ? h : w, s = big >= GRID_MIN_TILE ? 1 : (GRID_MIN_TILE + big - 1) / big;
	int cols = (int)ceil(sqrt((double)c)), rows = (c + cols - 1) / cols;
	uint64_t ow = (uint64_t)cols * (uint64_t)(w * s + 1) - 1;
	uint64_t oh = (uint64_t)rows * (uint64_t)(h * s + 1) - 1;

	if (ow * oh > GRID_MAX_PIXELS)
		return wn_fail(err, WN_ELIMIT, "a grid of %d channels of %dx%d is too large a picture",
			       c, w, h);
	if (img_alloc(out, (int)ow, (int)oh, 3, err))
		return -1;
	/* the gaps: a mid grey, so black and white tiles both show their edges */
	for (int y = 0; y < out->height; y++)
		memset(out->pixels + (size_t)y * out->stride, 128, (size_t)out->width * 3);
	for (int ch = 0; ch < c; ch++)
		grid_tile(acts, h, w, c, ch, s, out, (ch % cols) * (w * s + 1),
			  (ch / cols) * (h * s + 1));
	return 0;
}
