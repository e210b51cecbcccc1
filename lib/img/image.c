/* Format sniffing and dispatch to the per-format decoders. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "img/image.h"

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

int img_decode_grey_colour_dct(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
			       struct img *grey, struct img *colour, struct img_info *info,
			       struct img_dct_stats *dct, struct wn_err *err)
{
	struct img_decode_opts rgb = *opts;
	struct img_info local;

	memset(grey, 0, sizeof(*grey));
	memset(colour, 0, sizeof(*colour));
	if (dct)
		memset(dct, 0, sizeof(*dct));
	if (!info)
		info = &local;
	if (img_sniff(buf, len) == IMG_JPEG) {
		memset(info, 0, sizeof(*info));
		if (check_bytes(len, &opts->limits, err))
			return -1;
		return img_jpeg_decode_grey_colour(buf, len, opts, grey, colour, info, dct, err);
	}
	/* Converting the RGB to grey is what a grey decode does after
	 * flattening alpha: the same luma to the bit. */
	rgb.channels = 3;
	if (img_decode(buf, len, &rgb, colour, info, err))
		return -1;
	if (img_convert_to(colour, 1, opts->background, grey, err)) {
		img_release(colour);
		return -1;
	}
	return 0;
}

int img_decode_grey_colour(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
			   struct img *grey, struct img *colour, struct img_info *info,
			   struct wn_err *err)
{
	return img_decode_grey_colour_dct(buf, len, opts, grey, colour, info, NULL, err);
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
