/* Format sniffing, dispatch to the per-format decoders, and pixel buffers. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "img.h"
#include "luma.h"

void img_decode_opts_init(struct img_decode_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
	opts->limits.max_pixels = IMG_DEFAULT_MAX_PIXELS;
	opts->channels = 3;
	memset(opts->background, 255, sizeof(opts->background));
}

enum img_format img_sniff(const uint8_t *buf, size_t len)
{
	static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

	if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
		return IMG_JPEG;
	if (len >= 8 && !memcmp(buf, png_sig, 8))
		return IMG_PNG;
	if (len >= 6 && (!memcmp(buf, "GIF87a", 6) || !memcmp(buf, "GIF89a", 6)))
		return IMG_GIF;
	if (len >= 12 && !memcmp(buf, "RIFF", 4) && !memcmp(buf + 8, "WEBP", 4))
		return IMG_WEBP;
	return IMG_UNKNOWN;
}

const char *img_format_name(enum img_format format)
{
	switch (format) {
	case IMG_JPEG: return "jpeg";
	case IMG_PNG: return "png";
	case IMG_GIF: return "gif";
	case IMG_WEBP: return "webp";
	case IMG_UNKNOWN: break;
	}
	return "unknown";
}

void img_describe_unknown(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	char shown[16];
	size_t i, n = 0;

	if (len == 0) {
		snprintf(out, outlen, "empty file");
		return;
	}
	/* Skip leading white space so "  <!DOCTYPE html>" reads as HTML. */
	for (i = 0; i < len && i < 64 && isspace(buf[i]); i++)
		;
	for (; i < len && n < 6; i++) {
		if (buf[i] < 0x20 || buf[i] >= 0x7f || buf[i] == '\'')
			break;
		shown[n++] = (char)buf[i];
	}
	shown[n] = '\0';
	if (n >= 2)
		snprintf(out, outlen, "not an image (starts with '%s')", shown);
	else
		snprintf(out, outlen, "not an image (starts with bytes %02x %02x)",
			 buf[0], len > 1 ? buf[1] : 0);
}

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

static int check_bytes(size_t len, const struct img_limits *limits, struct wn_err *err)
{
	if (len > limits->max_bytes)
		return wn_fail(err, WN_ELIMIT, "%zu bytes is over the limit of %zu",
			       len, limits->max_bytes);
	return 0;
}

static int unknown_format(const uint8_t *buf, size_t len, struct wn_err *err)
{
	char what[96];

	img_describe_unknown(buf, len, what, sizeof(what));
	return wn_fail(err, WN_EFORMAT, "%s", what);
}

int img_read_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		  struct img_info *info, struct wn_err *err)
{
	if (check_bytes(len, limits, err))
		return -1;
	switch (img_sniff(buf, len)) {
	case IMG_JPEG: return img_jpeg_info(buf, len, limits, info, err);
	case IMG_PNG: return img_png_info(buf, len, limits, info, err);
	case IMG_GIF: return img_gif_info(buf, len, limits, info, err);
	case IMG_WEBP: return img_webp_info(buf, len, limits, info, err);
	case IMG_UNKNOWN: break;
	}
	return unknown_format(buf, len, err);
}

int img_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
	       struct img *out, struct img_info *info, struct wn_err *err)
{
	struct img_info local;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (opts->channels != 1 && opts->channels != 3 && opts->channels != 4)
		return wn_fail(err, WN_EINVAL, "channels must be 1, 3 or 4");
	if (check_bytes(len, &opts->limits, err))
		return -1;
	switch (img_sniff(buf, len)) {
	case IMG_JPEG: ret = img_jpeg_decode(buf, len, opts, out, info, err); break;
	case IMG_PNG: ret = img_png_decode(buf, len, opts, out, info, err); break;
	case IMG_GIF: ret = img_gif_decode(buf, len, opts, out, info, err); break;
	case IMG_WEBP: ret = img_webp_decode(buf, len, opts, out, info, err); break;
	case IMG_UNKNOWN: return unknown_format(buf, len, err);
	}
	if (ret)
		goto fail;
	if (out->channels != opts->channels &&
	    img_convert(out, opts->channels, opts->background, err))
		goto fail;
	return 0;
fail:
	img_release(out);
	return -1;
}

int img_load_file(const char *path, const struct img_decode_opts *opts,
		  struct img *out, struct img_info *info, struct wn_err *err)
{
	uint8_t *buf = NULL;
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	if (read_file_limited(path, opts->limits.max_bytes, &buf, &len, err))
		return -1;
	ret = img_decode(buf, len, opts, out, info, err);
	free(buf);
	if (ret)
		wn_err_prefix(err, path);
	return ret;
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
