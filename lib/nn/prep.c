/* Preprocessing for the classifier, in the two ways nn_prepare() offers. */
#include <math.h>
#include <stdlib.h>

#include "nn/prep.h"
#include "img/img.h"

/* tf.image.resizeBilinear(x, [h, w], alignCorners = true) on x / 255,
 * as tfjs' CPU kernel computes it: positions and blends in doubles from
 * float32 inputs, each result stored as float32. */
static void resize_align_corners(const struct img *im, int h, int w, float *out)
{
	double sy = h > 1 ? (double)(im->height - 1) / (h - 1) : (double)im->height / h;
	double sx = w > 1 ? (double)(im->width - 1) / (w - 1) : (double)im->width / w;

	for (int y = 0; y < h; y++) {
		double fy = sy * y;
		int y0 = (int)floor(fy), y1 = (int)fmin(im->height - 1, ceil(fy));
		double ry = fy - y0;
		const uint8_t *r0 = im->pixels + (size_t)y0 * im->stride;
		const uint8_t *r1 = im->pixels + (size_t)y1 * im->stride;

		for (int x = 0; x < w; x++) {
			double fx = sx * x;
			int x0 = (int)floor(fx), x1 = (int)fmin(im->width - 1, ceil(fx));
			double rx = fx - x0;

			for (int c = 0; c < 3; c++) {
				double tl = (float)(r0[3 * x0 + c] / 255.0), tr = (float)(r0[3 * x1 + c] / 255.0);
				double bl = (float)(r1[3 * x0 + c] / 255.0), br = (float)(r1[3 * x1 + c] / 255.0);
				double top = tl + (tr - tl) * rx, bot = bl + (br - bl) * rx;

				*out++ = (float)(top + (bot - top) * ry);
			}
		}
	}
}

int nn_prepare(const uint8_t *buf, size_t len, int height, int width, enum nn_prep mode,
	       const struct img_limits *limits, float *out, struct wn_err *err)
{
	struct img_decode_opts o;
	struct img src = { 0 }, dst = { 0 };
	const struct img *use;
	int ret = -1;

	img_decode_opts_init(&o);
	if (limits)
		o.limits = *limits;
	o.channels = 3;
	if (mode == NN_PREP_DEFAULT) {
		o.min_width = width;
		o.min_height = height;
	}
	if (img_decode(buf, len, &o, &src, NULL, err))
		return -1;
	if (mode == NN_PREP_NSFWJS) {
		if (src.width == width && src.height == height) {
			/* nsfwjs skips the resize when the size already fits */
			for (int y = 0; y < height; y++)
				for (int x = 0; x < 3 * width; x++)
					*out++ = (float)(src.pixels[(size_t)y * src.stride + (size_t)x] / 255.0);
		} else {
			resize_align_corners(&src, height, width, out);
		}
		ret = 0;
		goto done;
	}
	use = &src;
	if (src.width != width || src.height != height) {
		if (img_resample(&src, width, height, RESAMPLE_LANCZOS3, &dst, err))
			goto done;
		use = &dst;
	}
	for (int y = 0; y < height; y++)
		for (int x = 0; x < 3 * width; x++)
			*out++ = (float)use->pixels[(size_t)y * use->stride + (size_t)x] * (1.0f / 255.0f);
	ret = 0;
done:
	img_release(&src);
	img_release(&dst);
	return ret;
}
