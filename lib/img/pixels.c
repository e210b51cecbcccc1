/* Pixel buffers: allocation under limits, release, and conversion between
 * channel layouts. Below the codecs, which fill what img_alloc() gives. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "img/image.h"
#include "img/luma.h"

int img_check_dims(uint64_t width, uint64_t height, const struct img_limits *limits,
		   struct wn_err *err)
{
	if (width == 0 || height == 0)
		return wn_fail(err, WN_ECORRUPT, "image has zero width or height");
	if (width > INT32_MAX / 8 || height > INT32_MAX / 8 ||
	    width * height > limits->max_pixels)
		return wn_fail(err, WN_ELIMIT,
			       "%llux%llu pixels is over the limit of %llu megapixels",
			       (unsigned long long)width, (unsigned long long)height,
			       (unsigned long long)(limits->max_pixels / 1000000));
	return 0;
}

int img_alloc(struct img *out, int width, int height, int channels, struct wn_err *err)
{
	size_t stride;

	memset(out, 0, sizeof(*out));
	if (width <= 0 || height <= 0 || channels < 1 || channels > 4)
		return wn_fail(err, WN_EINVAL, "bad image size %dx%dx%d", width, height, channels);
	stride = (size_t)width * (size_t)channels;
	if ((uint64_t)stride * (uint64_t)height > ((uint64_t)1 << 31))
		return wn_fail(err, WN_ELIMIT, "%dx%d image is over 2 GiB", width, height);
	/* 16 bytes of slack: SIMD loops may read (never use) a little past
	 * the last pixel. */
	out->pixels = malloc(stride * (size_t)height + 16);
	if (!out->pixels)
		return wn_fail(err, WN_ENOMEM, "out of memory for a %dx%d image", width, height);
	out->width = width;
	out->height = height;
	out->channels = channels;
	out->stride = stride;
	return 0;
}

void img_release(struct img *im)
{
	if (!im)
		return;
	free(im->pixels);
	memset(im, 0, sizeof(*im));
}

/* One pixel from any layout (1 to 4 channels) to any other. */
static void convert_pixel(const uint8_t *s, int sc, uint8_t *d, int dc, const uint8_t bg[3])
{
	uint8_t r, g, b, a = 255;

	if (sc >= 3) {
		r = s[0]; g = s[1]; b = s[2];
		if (sc == 4)
			a = s[3];
	} else {
		r = g = b = s[0];
		if (sc == 2)
			a = s[1];
	}
	if (dc == 4) {
		d[0] = r; d[1] = g; d[2] = b; d[3] = a;
		return;
	}
	if (a != 255) {
		r = alpha_over(r, a, bg[0]);
		g = alpha_over(g, a, bg[1]);
		b = alpha_over(b, a, bg[2]);
	}
	if (dc == 3) {
		d[0] = r; d[1] = g; d[2] = b;
	} else {
		d[0] = (sc >= 3) ? luma601(r, g, b) : r;
	}
}

int img_convert_to(const struct img *src, int channels, const uint8_t background[3],
		   struct img *dst, struct wn_err *err)
{
	int x, y;

	if (img_alloc(dst, src->width, src->height, channels, err))
		return -1;
	for (y = 0; y < src->height; y++) {
		const uint8_t *s = src->pixels + (size_t)y * src->stride;
		uint8_t *d = dst->pixels + (size_t)y * dst->stride;

		for (x = 0; x < src->width; x++)
			convert_pixel(s + (size_t)x * src->channels, src->channels,
				      d + (size_t)x * channels, channels, background);
	}
	return 0;
}

int img_convert(struct img *im, int channels, const uint8_t background[3], struct wn_err *err)
{
	struct img dst;

	if (im->channels == channels)
		return 0;
	if (img_convert_to(im, channels, background, &dst, err))
		return -1;
	img_release(im);
	*im = dst;
	return 0;
}
