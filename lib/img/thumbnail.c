/* Thumbnails: shrink on load, Lanczos3 to fit a square, JPEG. */
#include <stdlib.h>

#include "base/base.h"
#include "img/image.h"
#include "img/resample.h"
#include "img/thumbnail.h"

static void decode_opts(struct img_decode_opts *o, const struct img_limits *limits, int side)
{
	img_decode_opts_init(o);
	if (limits)
		o->limits = *limits;
	o->channels = 3;
	o->min_width = o->min_height = side;
}

/* src, which decode_opts() asked for, to the thumbnail's JPEG. */
static int shrink_encode(const struct img *src, int side, int quality, uint8_t **out,
			 size_t *outlen, struct wn_err *err)
{
	struct img dst = { 0 };
	struct img_jpeg_opts jo;
	int w = src->width, h = src->height, ret = -1;

	if (w > side || h > side) {
		if (w >= h) {
			h = (int)((double)h * side / w + 0.5);
			w = side;
		} else {
			w = (int)((double)w * side / h + 0.5);
			h = side;
		}
		w = w < 1 ? 1 : w;
		h = h < 1 ? 1 : h;
		if (img_resample(src, w, h, RESAMPLE_LANCZOS3, &dst, err))
			goto out;
	}
	img_jpeg_opts_init(&jo);
	jo.quality = quality;
	ret = img_encode_jpeg(dst.pixels ? &dst : src, &jo, out, outlen, err);
out:
	img_release(&dst);
	return ret;
}

int img_thumbnail(const uint8_t *buf, size_t len, const struct img_limits *limits, int side,
		  int quality, uint8_t **out, size_t *outlen, struct wn_err *err)
{
	struct img_decode_opts o;
	struct img src = { 0 };
	int ret;

	decode_opts(&o, limits, side);
	if (img_decode(buf, len, &o, &src, NULL, err))
		return -1;
	ret = shrink_encode(&src, side, quality, out, outlen, err);
	img_release(&src);
	return ret;
}

int img_thumbnail_file(const char *path, const struct img_limits *limits, int side,
		       int quality, uint8_t **out, size_t *outlen, struct wn_err *err)
{
	struct img_decode_opts o;
	struct img src = { 0 };
	int ret;

	decode_opts(&o, limits, side);
	if (img_load_file(path, &o, &src, NULL, err))
		return -1;
	ret = shrink_encode(&src, side, quality, out, outlen, err);
	img_release(&src);
	return ret;
}
