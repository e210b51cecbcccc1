/* The transform resize and the scraper share: an image in memory to the
 * geometry and format asked for. Shrink on load (DCT scaling while at
 * least twice the target remains, as libvips does), Lanczos3 to the exact
 * size, EXIF orientation applied, encoded without metadata; an image
 * already within the size and format is its own output. */
#include <stdlib.h>

#include "base/base.h"
#include "img/image.h"
#include "img/resample.h"
#include "img/transform.h"

enum img_format img_transform_format(const struct img_transform *t, enum img_format f)
{
	if (t->format != IMG_UNKNOWN)
		return t->format;
	return f == IMG_GIF ? IMG_PNG : f;
}

const char *img_format_ext(enum img_format f)
{
	return f == IMG_PNG ? "png" : f == IMG_WEBP ? "webp" : "jpg";
}

static int encode(const struct img *im, enum img_format f, int quality, uint8_t **out,
		  size_t *len, struct wn_err *err)
{
	struct img_jpeg_opts jo;

	switch (f) {
	case IMG_PNG:
		return img_encode_png(im, out, len, err);
	case IMG_WEBP:
		return img_encode_webp(im, quality, 0, out, len, err);
	default:
		img_jpeg_opts_init(&jo);
		jo.quality = quality;
		jo.fast_dct = 1;  /* within SSIM's margin: see bench/resize.sh */
		return img_encode_jpeg(im, &jo, out, len, err);
	}
}

/* A YCbCr JPEG to a JPEG: by way of its planes (img_jpeg_resize()).
 * @return as img_jpeg_resize(): 1 when the file is of another kind. */
static int jpeg_to_jpeg(const struct img_transform *t, const uint8_t *buf, size_t len,
			const struct img_info *info, int tw, int th, uint8_t **out, size_t *outlen,
			int *broken, struct wn_err *err)
{
	struct img_jpeg_resize r = { t->limits, 0, 0, tw, th, t->quality, 1 };

	if (tw < info->width || th < info->height) {
		r.min_width = 2 * tw;
		r.min_height = 2 * th;
	}
	return img_jpeg_resize(buf, len, &r, out, outlen, broken, err);
}

/* Decodes src at the smallest scale that keeps twice the target, resizes
 * to tw x th and encodes. */
static int make_output(const struct img_transform *t, enum img_format format, const uint8_t *buf,
		       size_t len, const struct img_info *info, int tw, int th, uint8_t **out,
		       size_t *outlen, int *broken, struct wn_err *err)
{
	struct img_decode_opts o;
	struct img src = { 0 }, dst = { 0 };
	int keep_alpha = info->has_alpha && format != IMG_JPEG, ret = -1;

	if (info->format == IMG_JPEG && format == IMG_JPEG && !info->is_cmyk) {
		ret = jpeg_to_jpeg(t, buf, len, info, tw, th, out, outlen, broken, err);
		if (ret <= 0)
			return ret;
		ret = -1;  /* grey or RGB: the RGB way below */
	}
	img_decode_opts_init(&o);
	o.limits = t->limits;
	o.channels = keep_alpha ? 4 : 3;
	if (tw < info->width || th < info->height) {
		o.min_width = 2 * tw;
		o.min_height = 2 * th;
		/* Lanczos3 over at least 2x the pixels hides the fast DCT's and
		 * plain chroma upsampling's differences (SSIM, bench/resize.sh). */
		o.fast_dct = 1;
	}
	if (img_decode(buf, len, &o, &src, NULL, err)) {
		*broken = 1;
		return -1;
	}
	if ((src.width != tw || src.height != th) &&
	    img_resample(&src, tw, th, RESAMPLE_LANCZOS3, &dst, err))
		goto out;
	if (encode(dst.pixels ? &dst : &src, format, t->quality, out, outlen, err))
		goto out;
	ret = 0;
out:
	img_release(&src);
	img_release(&dst);
	return ret;
}

int img_transform_buffer(const struct img_transform *t, const uint8_t *buf, size_t len,
			 const struct img_info *info, uint8_t **out, size_t *outlen, int *w, int *h,
			 enum img_format *format, int *broken, struct wn_err *err)
{
	*broken = 0;
	geometry_apply(&t->geom, info->width, info->height, w, h);
	*format = img_transform_format(t, info->format);
	if (*w == info->width && *h == info->height && *format == info->format &&
	    info->orientation == 1) {
		*out = (uint8_t *)buf;  /* within the size already: the bytes are the output */
		*outlen = len;
		return 0;
	}
	return make_output(t, *format, buf, len, info, *w, *h, out, outlen, broken, err);
}

