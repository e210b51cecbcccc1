/* WebP through libwebp: lossy, lossless and alpha; for an animation, the
 * first frame as the demuxer composes it. */
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

#include "img/image.h"

static int features(const uint8_t *buf, size_t len, const struct img_limits *limits,
		    WebPBitstreamFeatures *f, struct img_info *info, struct wn_err *err)
{
	VP8StatusCode st = WebPGetFeatures(buf, len, f);

	if (st == VP8_STATUS_NOT_ENOUGH_DATA)
		return wn_fail(err, WN_ECORRUPT, "truncated WebP");
	if (st != VP8_STATUS_OK)
		return wn_fail(err, WN_ECORRUPT, "corrupt WebP (status %d)", (int)st);
	if (img_check_dims((uint64_t)f->width, (uint64_t)f->height, limits, err))
		return -1;
	memset(info, 0, sizeof(*info));
	info->format = IMG_WEBP;
	info->width = f->width;
	info->height = f->height;
	info->orientation = 1;
	info->has_alpha = f->has_alpha;
	info->frames = 1;
	return 0;
}

int img_webp_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		   struct img_info *info, struct wn_err *err)
{
	WebPBitstreamFeatures f;

	return features(buf, len, limits, &f, info, err);
}

static int first_frame(const uint8_t *buf, size_t len, struct img *out, struct wn_err *err)
{
	WebPData data = { buf, len };
	WebPAnimDecoderOptions o;
	WebPAnimDecoder *dec;
	WebPAnimInfo ai;
	uint8_t *frame;
	int ts, ret = -1;

	if (!WebPAnimDecoderOptionsInit(&o))
		return wn_fail(err, WN_EINVAL, "libwebp version mismatch");
	o.color_mode = MODE_RGBA;
	o.use_threads = 0;
	dec = WebPAnimDecoderNew(&data, &o);
	if (!dec)
		return wn_fail(err, WN_ECORRUPT, "corrupt animated WebP");
	if (!WebPAnimDecoderGetInfo(dec, &ai) || (int)ai.canvas_width != out->width ||
	    (int)ai.canvas_height != out->height || !WebPAnimDecoderGetNext(dec, &frame, &ts)) {
		wn_fail(err, WN_ECORRUPT, "corrupt animated WebP");
		goto out;
	}
	memcpy(out->pixels, frame, out->stride * (size_t)out->height);
	ret = 0;
out:
	WebPAnimDecoderDelete(dec);
	return ret;
}

int img_webp_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
		struct img *out, struct img_info *info, struct wn_err *err)
{
	WebPBitstreamFeatures f;
	int channels;

	if (features(buf, len, &opts->limits, &f, info, err))
		return -1;
	channels = f.has_alpha || f.has_animation ? 4 : 3;
	if (img_alloc(out, f.width, f.height, channels, err))
		return -1;
	if (f.has_animation) {
		if (first_frame(buf, len, out, err))
			goto fail;
		return 0;
	}
	if (channels == 4 ? !WebPDecodeRGBAInto(buf, len, out->pixels,
						out->stride * (size_t)out->height, (int)out->stride)
			  : !WebPDecodeRGBInto(buf, len, out->pixels,
					       out->stride * (size_t)out->height, (int)out->stride)) {
		wn_fail(err, WN_ECORRUPT, "corrupt or truncated WebP");
		goto fail;
	}
	return 0;
fail:
	img_release(out);
	return -1;
}

int img_encode_webp(const struct img *im, int quality, int lossless,
		    uint8_t **out, size_t *outlen, struct wn_err *err)
{
	struct img tmp = { 0 };
	const struct img *src = im;
	uint8_t *enc = NULL;
	size_t n;
	int ret = -1;

	*out = NULL;
	*outlen = 0;
	if (quality < 0 || quality > 100)
		return wn_fail(err, WN_EINVAL, "WebP quality %d is not in 0..100", quality);
	if (im->channels == 1) {
		/* libwebp takes RGB or RGBA only. */
		static const uint8_t white[3] = { 255, 255, 255 };

		if (img_convert_to(im, 3, white, &tmp, err))
			return -1;
		src = &tmp;
	}
	if (src->channels == 4)
		n = lossless ? WebPEncodeLosslessRGBA(src->pixels, src->width, src->height,
						      (int)src->stride, &enc)
			     : WebPEncodeRGBA(src->pixels, src->width, src->height,
					      (int)src->stride, (float)quality, &enc);
	else
		n = lossless ? WebPEncodeLosslessRGB(src->pixels, src->width, src->height,
						     (int)src->stride, &enc)
			     : WebPEncodeRGB(src->pixels, src->width, src->height,
					     (int)src->stride, (float)quality, &enc);
	if (!n) {
		wn_fail(err, WN_EINVAL, "WebP encoding failed");
		goto out;
	}
	*out = malloc(n);
	if (!*out) {
		wn_fail(err, WN_ENOMEM, "out of memory for %zu bytes", n);
		goto out;
	}
	memcpy(*out, enc, n);
	*outlen = n;
	ret = 0;
out:
	WebPFree(enc);
	img_release(&tmp);
	return ret;
}
