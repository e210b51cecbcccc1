/* JPEG through TurboJPEG: DCT-scaled decode ("shrink on load"), EXIF
 * orientation, CMYK/YCCK to RGB, and encoding. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "img/image.h"
#include "img/jpeg_markers.h"
#include "img/jpeg_coef.h"
#include "img/jpeg_tj.h"

/* A TurboJPEG handle allocates its libjpeg state on creation; keep one per
 * thread and kind instead of one per image. Freed when the thread exits. */
static pthread_key_t tj_keys[2];
static pthread_once_t tj_once = PTHREAD_ONCE_INIT;

static void tj_destroy(void *handle)
{
	tjDestroy(handle);
}

static void tj_make_keys(void)
{
	pthread_key_create(&tj_keys[0], tj_destroy);
	pthread_key_create(&tj_keys[1], tj_destroy);
}

tjhandle jpeg_tj_handle(int compress)
{
	tjhandle h;

	pthread_once(&tj_once, tj_make_keys);
	h = pthread_getspecific(tj_keys[compress]);
	if (!h) {
		h = compress ? tjInitCompress() : tjInitDecompress();
		if (h)
			pthread_setspecific(tj_keys[compress], h);
	}
	return h;
}

int jpeg_header_check(const uint8_t *buf, size_t len, const struct img_limits *limits,
		       struct jpeg_markers *m, struct img_info *info, struct wn_err *err)
{
	if (jpeg_markers_read(buf, len, m, err))
		return -1;
	if (m->components != 1 && m->components != 3 && m->components != 4)
		return wn_fail(err, WN_ECORRUPT, "unsupported JPEG with %d components",
			       m->components);
	if (img_check_dims((uint64_t)m->width, (uint64_t)m->height, limits, err))
		return -1;
	memset(info, 0, sizeof(*info));
	info->format = IMG_JPEG;
	info->orientation = m->orientation;
	info->is_cmyk = m->components == 4;
	info->frames = 1;
	info->width = m->orientation >= 5 ? m->height : m->width;
	info->height = m->orientation >= 5 ? m->width : m->height;
	return 0;
}

int img_jpeg_info(const uint8_t *buf, size_t len, const struct img_limits *limits,
		   struct img_info *info, struct wn_err *err)
{
	struct jpeg_markers m;

	return jpeg_header_check(buf, len, limits, &m, info, err);
}

/* The smallest scaling factor <= 1 that keeps w x h at least min_w x min_h. */
tjscalingfactor jpeg_pick_scale(int w, int h, int min_w, int min_h)
{
	tjscalingfactor best = { 1, 1 }, *sf;
	int i, n = 0;

	if (min_w <= 0 && min_h <= 0)
		return best;
	sf = tjGetScalingFactors(&n);
	for (i = 0; sf && i < n; i++) {
		if (sf[i].num > sf[i].denom)
			continue;
		if (TJSCALED(w, sf[i]) < min_w || TJSCALED(h, sf[i]) < min_h)
			continue;
		if ((long)sf[i].num * best.denom < (long)best.num * sf[i].denom)
			best = sf[i];
	}
	return best;
}

/* TurboJPEG stores CMYK the Adobe way, inverted (255 = no ink), which is
 * what Adobe-marked files hold. Files without the Adobe marker hold plain
 * ink amounts. R = C * K / 255 on the inverted values. */
static void cmyk_to_rgb(struct img *im, const uint8_t *cmyk, int inverted)
{
	size_t i, n = (size_t)im->width * (size_t)im->height;

	for (i = 0; i < n; i++) {
		unsigned c = cmyk[4 * i], m = cmyk[4 * i + 1], y = cmyk[4 * i + 2], k = cmyk[4 * i + 3];

		if (!inverted) {
			c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
		}
		im->pixels[3 * i] = (uint8_t)((c * k + 127) / 255);
		im->pixels[3 * i + 1] = (uint8_t)((m * k + 127) / 255);
		im->pixels[3 * i + 2] = (uint8_t)((y * k + 127) / 255);
	}
}

int jpeg_tj_fail(tjhandle h, struct wn_err *err)
{
	/* With TJFLAG_STOPONWARNING a truncated file stops here too, with
	 * libjpeg's "Premature end of JPEG file". */
	return wn_fail(err, WN_ECORRUPT, "corrupt JPEG (%s)", tjGetErrorStr2(h));
}

int img_jpeg_decode(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
		struct img *out, struct img_info *info, struct wn_err *err)
{
	struct jpeg_markers m;
	tjscalingfactor sf;
	tjhandle h = jpeg_tj_handle(0);
	uint8_t *cmyk = NULL;
	int min_w, min_h, w, h_px, pf, channels, flags;

	if (!h)
		return wn_fail(err, WN_ENOMEM, "cannot start the JPEG decoder");
	if (jpeg_header_check(buf, len, &opts->limits, &m, info, err))
		return -1;
	/* The caller's minimum is in displayed orientation; the decoder's
	 * scaling is in stored orientation. */
	min_w = m.orientation >= 5 ? opts->min_height : opts->min_width;
	min_h = m.orientation >= 5 ? opts->min_width : opts->min_height;
	sf = jpeg_pick_scale(m.width, m.height, min_w, min_h);
	w = TJSCALED(m.width, sf);
	h_px = TJSCALED(m.height, sf);

	if (m.components == 4) {
		pf = TJPF_CMYK;
		channels = 3;
	} else if (opts->channels == 1) {
		pf = TJPF_GRAY;
		channels = 1;
	} else {
		pf = TJPF_RGB;
		channels = 3;
	}
	if (img_alloc(out, w, h_px, channels, err))
		return -1;
	flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
	if (opts->fast_dct)
		flags |= TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE;
	if (pf == TJPF_CMYK) {
		cmyk = malloc((size_t)w * (size_t)h_px * 4);
		if (!cmyk) {
			wn_fail(err, WN_ENOMEM, "out of memory for a %dx%d CMYK image", w, h_px);
			goto fail;
		}
		if (tjDecompress2(h, buf, len, cmyk, w, w * 4, h_px, pf, flags)) {
			jpeg_tj_fail(h, err);
			goto fail;
		}
		/* libjpeg treats every 4-component file as inverted when it
		 * carries the Adobe marker, which is what Photoshop writes. */
		cmyk_to_rgb(out, cmyk, m.adobe);
		free(cmyk);
		cmyk = NULL;
	} else if (tjDecompress2(h, buf, len, out->pixels, w, (int)out->stride, h_px, pf, flags)) {
		jpeg_tj_fail(h, err);
		goto fail;
	}
	if (!opts->ignore_orientation && img_orient(out, m.orientation, err))
		goto fail;
	return 0;
fail:
	free(cmyk);
	img_release(out);
	return -1;
}

static uint8_t clamp255(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* One row of pixels to RGB, JFIF's YCbCr in 16-bit fixed point
 * (libjpeg's constants: 1.402, 0.344136, 0.714136 and 1.772 scaled by
 * 65536), rounded: y, cb and cr n samples each. A loop the vectoriser
 * takes (8 pixels a step with AVX2). */
__attribute__((target_clones("avx2", "default")))
static void ycc_row_to_rgb(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, int n,
			   uint8_t *rgb)
{
	for (int x = 0; x < n; x++) {
		int l = y[x], b = cb[x] - 128, r = cr[x] - 128;

		rgb[3 * x] = clamp255(l + ((91881 * r + 32768) >> 16));
		rgb[3 * x + 1] = clamp255(l + ((-22554 * b - 46802 * r + 32768) >> 16));
		rgb[3 * x + 2] = clamp255(l + ((116130 * b + 32768) >> 16));
	}
}

/* The colour of decoded planes at the chroma planes' size, each pixel's
 * luma the luma sample at its chroma sample's top left corner (chroma is
 * what the colour signals need; averaging luma would cost more than they). */
static int planes_to_rgb(const struct img *luma, const struct img *cb, const struct img *cr,
			 int sx, int sy, struct img *out, struct wn_err *err)
{
	uint8_t *row;

	if (img_alloc(out, cb->width, cb->height, 3, err))
		return -1;
	row = malloc((size_t)cb->width);
	if (!row) {
		img_release(out);
		return wn_fail(err, WN_ENOMEM, "out of memory for a %dx%d image", cb->width,
			       cb->height);
	}
	for (int y = 0; y < cb->height; y++) {
		int ly = y * sy < luma->height ? y * sy : luma->height - 1;
		const uint8_t *l = luma->pixels + (size_t)ly * luma->stride;

		for (int x = 0; x < cb->width; x++)
			row[x] = l[x * sx < luma->width ? x * sx : luma->width - 1];
		ycc_row_to_rgb(row, cb->pixels + (size_t)y * cb->stride,
			       cr->pixels + (size_t)y * cr->stride, cb->width,
			       out->pixels + (size_t)y * out->stride);
	}
	free(row);
	return 0;
}

/* A YCbCr JPEG as its Y, Cb and Cr planes at scale sf (w x h): one decode,
 * no colour conversion. Y is what a grey decode gives, to the bit. */
int jpeg_decode_planes(tjhandle h, const uint8_t *buf, size_t len, int w, int hh, int ss,
		       int flags, struct img planes[3], struct wn_err *err)
{
	unsigned char *dst[3];
	int strides[3];

	if (jpeg_alloc_planes(w, hh, ss, 3, planes, err))
		return -1;
	for (int i = 0; i < 3; i++) {
		dst[i] = planes[i].pixels;
		strides[i] = (int)planes[i].stride;
	}
	if (tjDecompressToYUVPlanes(h, buf, len, dst, w, strides, hh,
				    TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS | flags))
		return jpeg_tj_fail(h, err);
	return 0;
}

/* A grey or YCbCr JPEG at 1/8 scale (w x hh) with its luma DCT
 * statistics (jpeg_coef_planes()), oriented: grey, colour (none for grey)
 * and dct.
 * @return 0; 1 for a file that is not for that way, nothing made and dct
 * zeroed; -1 with err set. */
static int coef_grey_colour(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
			    const struct jpeg_markers *m, int w, int hh, struct img *grey,
			    struct img *colour, struct img_dct_stats *dct, struct wn_err *err)
{
	struct img planes[3];
	int ss, r = jpeg_coef_planes(buf, len, w, hh, planes, &ss, dct, err);

	if (r)
		return r;
	if (ss != TJSAMP_GRAY &&
	    planes_to_rgb(&planes[0], &planes[1], &planes[2], tjMCUWidth[ss] / 8,
			  tjMCUHeight[ss] / 8, colour, err))
		goto fail;
	*grey = planes[0];
	memset(&planes[0], 0, sizeof(planes[0]));
	if (!opts->ignore_orientation &&
	    (img_orient(grey, m->orientation, err) ||
	     (colour->pixels && img_orient(colour, m->orientation, err))))
		goto fail;
	jpeg_planes_release(planes);
	return 0;
fail:
	jpeg_planes_release(planes);
	img_release(grey);
	img_release(colour);
	memset(dct, 0, sizeof(*dct));
	return -1;
}

/* The grey and colour of a grey, CMYK or RGB JPEG: the plain decode
 * (grey has no colour). */
static int plain_grey_colour(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
			     int components, struct img *grey, struct img *colour,
			     struct img_info *info, struct wn_err *err)
{
	struct img_decode_opts o = *opts;

	o.channels = components == 1 ? 1 : 3;
	if (img_jpeg_decode(buf, len, &o, colour, info, err))
		return -1;
	if (components == 1) {
		*grey = *colour;
		memset(colour, 0, sizeof(*colour));
		return 0;
	}
	if (img_convert_to(colour, 1, opts->background, grey, err)) {
		img_release(colour);
		return -1;
	}
	return 0;
}

int img_jpeg_decode_grey_colour(const uint8_t *buf, size_t len, const struct img_decode_opts *opts,
				struct img *grey, struct img *colour, struct img_info *info,
				struct img_dct_stats *dct, struct wn_err *err)
{
	struct img planes[3] = { { 0 } };
	struct jpeg_markers m;
	tjscalingfactor sf;
	tjhandle h = jpeg_tj_handle(0);
	int w, hh, ss, cs, r, ret = -1;

	if (!h)
		return wn_fail(err, WN_ENOMEM, "cannot start the JPEG decoder");
	if (jpeg_header_check(buf, len, &opts->limits, &m, info, err))
		return -1;
	sf = jpeg_pick_scale(m.width, m.height, m.orientation >= 5 ? opts->min_height : opts->min_width,
			m.orientation >= 5 ? opts->min_width : opts->min_height);
	w = TJSCALED(m.width, sf);
	hh = TJSCALED(m.height, sf);
	/* Statistics at 1/8 only: that decode is what erases a small blur,
	 * and the measure is tuned on it. */
	if (dct && sf.num == 1 && sf.denom == 8 && m.components != 4 &&
	    (r = coef_grey_colour(buf, len, opts, &m, w, hh, grey, colour, dct, err)) <= 0)
		return r;
	if (m.components != 3 || tjDecompressHeader3(h, buf, len, &w, &hh, &ss, &cs) ||
	    cs != TJCS_YCbCr || ss < 0)
		return plain_grey_colour(buf, len, opts, m.components, grey, colour, info, err);
	w = TJSCALED(m.width, sf);
	hh = TJSCALED(m.height, sf);
	if (jpeg_decode_planes(h, buf, len, w, hh, ss, 0, planes, err) ||
	    planes_to_rgb(&planes[0], &planes[1], &planes[2], tjMCUWidth[ss] / 8,
			  tjMCUHeight[ss] / 8, colour, err))
		goto out;
	*grey = planes[0];
	memset(&planes[0], 0, sizeof(planes[0]));
	if (!opts->ignore_orientation &&
	    (img_orient(grey, m.orientation, err) || img_orient(colour, m.orientation, err)))
		goto out;
	ret = 0;
out:
	jpeg_planes_release(planes);
	if (ret) {
		img_release(grey);
		img_release(colour);
	}
	return ret;
}

void img_jpeg_opts_init(struct img_jpeg_opts *opts)
{
	opts->quality = 90;
	opts->subsampling = 420;
	opts->progressive = 0;
	opts->fast_dct = 0;
}

/* TurboJPEG's output copied to plain malloc'd memory, which callers
 * free(). @return 0, or -1 with err set (WN_ENOMEM). */
static int hand_back(const unsigned char *jpeg, unsigned long size, uint8_t **out,
		     size_t *outlen, struct wn_err *err)
{
	*out = malloc(size);
	if (!*out)
		return wn_fail(err, WN_ENOMEM, "out of memory for %lu bytes", size);
	memcpy(*out, jpeg, size);
	*outlen = size;
	return 0;
}

int img_encode_jpeg(const struct img *im, const struct img_jpeg_opts *opts,
		    uint8_t **out, size_t *outlen, struct wn_err *err)
{
	static const uint8_t white[3] = { 255, 255, 255 };
	tjhandle h;
	unsigned char *jpeg = NULL;
	unsigned long size = 0;
	struct img flat = { 0 };
	const struct img *src = im;
	int subsamp, pf, flags = 0, ret = -1;

	*out = NULL;
	*outlen = 0;
	if (opts->quality < 1 || opts->quality > 100)
		return wn_fail(err, WN_EINVAL, "JPEG quality %d is not in 1..100", opts->quality);
	/* TurboJPEG 2.1.5 writes broken baseline files on a handle that once
	 * wrote a progressive one: a progressive file gets a handle of its own. */
	h = opts->progressive ? tjInitCompress() : jpeg_tj_handle(1);
	if (!h)
		return wn_fail(err, WN_ENOMEM, "cannot start the JPEG encoder");
	if (im->channels == 4) {
		if (img_convert_to(im, 3, white, &flat, err))
			goto out;
		src = &flat;
	}
	switch (opts->subsampling) {
	case 444: subsamp = TJSAMP_444; break;
	case 422: subsamp = TJSAMP_422; break;
	case 420: subsamp = TJSAMP_420; break;
	default:
		wn_fail(err, WN_EINVAL, "JPEG subsampling %d is not 444, 422 or 420",
			opts->subsampling);
		goto out;
	}
	if (src->channels == 1) {
		pf = TJPF_GRAY;
		subsamp = TJSAMP_GRAY;
	} else {
		pf = TJPF_RGB;
	}
	if (opts->progressive)
		flags |= TJFLAG_PROGRESSIVE;
	if (opts->fast_dct)
		flags |= TJFLAG_FASTDCT;
	if (tjCompress2(h, src->pixels, src->width, (int)src->stride, src->height, pf,
			&jpeg, &size, subsamp, opts->quality, flags)) {
		wn_fail(err, WN_EINVAL, "JPEG encoding failed (%s)", tjGetErrorStr2(h));
		goto out;
	}
	ret = hand_back(jpeg, size, out, outlen, err);
out:
	tjFree(jpeg);
	img_release(&flat);
	if (opts->progressive)
		tjDestroy(h);
	return ret;
}

int img_yuv420_alloc(struct img planes[3], int w, int h, struct wn_err *err)
{
	return jpeg_alloc_planes(w, h, TJSAMP_420, 3, planes, err);
}

int img_jpeg_decode_yuv420(const uint8_t *buf, size_t len, const struct img_limits *limits,
			   struct img planes[3], struct wn_err *err)
{
	tjhandle h = jpeg_tj_handle(0);
	struct jpeg_markers m;
	struct img_info info;
	unsigned char *dst[3];
	int strides[3], w, hh, subsamp, cs;

	if (!h)
		return wn_fail(err, WN_ENOMEM, "cannot start the JPEG decoder");
	if (jpeg_header_check(buf, len, limits, &m, &info, err))
		return -1;
	if (m.components != 3 || m.orientation != 1)
		return 1;
	if (tjDecompressHeader3(h, buf, len, &w, &hh, &subsamp, &cs))
		return jpeg_tj_fail(h, err);
	if (subsamp != TJSAMP_420 || cs != TJCS_YCbCr)
		return 1;
	if (img_yuv420_alloc(planes, w, hh, err))
		return -1;
	for (int i = 0; i < 3; i++) {
		dst[i] = planes[i].pixels;
		strides[i] = (int)planes[i].stride;
	}
	if (tjDecompressToYUVPlanes(h, buf, len, dst, w, strides, hh,
				    TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS)) {
		jpeg_planes_release(planes);
		return jpeg_tj_fail(h, err);
	}
	return 0;
}

int jpeg_encode_planes(struct img planes[3], int quality, int flags, uint8_t **out,
		       size_t *outlen, struct wn_err *err)
{
	tjhandle h = jpeg_tj_handle(1);
	const unsigned char *src[3];
	unsigned char *jpeg = NULL;
	unsigned long size = 0;
	int strides[3], w = planes[0].width, hh = planes[0].height, ret = -1;

	*out = NULL;
	*outlen = 0;
	if (!h)
		return wn_fail(err, WN_ENOMEM, "cannot start the JPEG encoder");
	if (quality < 1 || quality > 100)
		return wn_fail(err, WN_EINVAL, "JPEG quality %d is not in 1..100", quality);
	for (int i = 0; i < 3; i++) {
		int pw = tjPlaneWidth(i, w, TJSAMP_420), ph = tjPlaneHeight(i, hh, TJSAMP_420);

		if (planes[i].channels != 1 || (int)planes[i].stride < pw ||
		    (i && (planes[i].width != pw || planes[i].height != ph)))
			return wn_fail(err, WN_EINVAL, "JPEG planes are not 4:2:0 of %dx%d", w, hh);
		src[i] = planes[i].pixels;
		strides[i] = (int)planes[i].stride;
	}
	/* the luma padding repeats the last column and row */
	if (w % 2)
		for (int y = 0; y < hh; y++) {
			uint8_t *row = planes[0].pixels + (size_t)y * planes[0].stride;

			row[w] = row[w - 1];
		}
	if (hh % 2)
		memcpy(planes[0].pixels + (size_t)hh * planes[0].stride,
		       planes[0].pixels + (size_t)(hh - 1) * planes[0].stride, (size_t)w + (w % 2));
	if (tjCompressFromYUVPlanes(h, src, w, strides, hh, TJSAMP_420, &jpeg, &size, quality,
				    flags)) {
		wn_fail(err, WN_EINVAL, "JPEG encoding failed (%s)", tjGetErrorStr2(h));
		goto out;
	}
	ret = hand_back(jpeg, size, out, outlen, err);
out:
	tjFree(jpeg);
	return ret;
}

int img_jpeg_encode_yuv420(struct img planes[3], int quality, uint8_t **out,
			   size_t *outlen, struct wn_err *err)
{
	return jpeg_encode_planes(planes, quality, 0, out, outlen, err);
}
