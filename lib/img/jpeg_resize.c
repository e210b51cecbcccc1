/* A YCbCr JPEG resized as its planes: decoded at a DCT scale without
 * colour conversion or chroma upsampling, each plane turned upright and
 * resampled from its own grid to the output's 4:2:0 grid, encoded from
 * the planes. Half the samples of the RGB way and no conversion either
 * side. */
#include <string.h>

#include "img/image.h"
#include "img/jpeg_tj.h"
#include "img/resample.h"

/* How one displayed axis of the turned planes lies on the stored ones:
 * whether it runs backwards (its padding, the part of the last chroma
 * sample past the image, then comes first) and the chroma subsampling
 * along it. */
struct turned_axis {
	int reversed;
	int factor;    /* luma samples a chroma sample covers */
	int pad;       /* factor * chroma samples - luma samples */
};

static void turned_axes(int orientation, int sw, int sh, int ss, const struct img *chroma,
			struct turned_axis *ax, struct turned_axis *ay)
{
	int x0, y0, x1, y1, x2, y2, fx = tjMCUWidth[ss] / 8, fy = tjMCUHeight[ss] / 8;
	struct turned_axis sx = { 0, fx, fx * chroma->width - sw };
	struct turned_axis sy = { 0, fy, fy * chroma->height - sh };

	img_orient_source(orientation, 0, 0, sw, sh, &x0, &y0);
	img_orient_source(orientation, 1, 0, sw, sh, &x1, &y1);
	img_orient_source(orientation, 0, 1, sw, sh, &x2, &y2);
	*ax = x1 != x0 ? sx : sy;   /* displayed x runs along stored x or y */
	ax->reversed = x1 != x0 ? x1 < x0 : y1 < y0;
	*ay = y2 != y0 ? sy : sx;
	ay->reversed = y2 != y0 ? y2 < y0 : x2 < x0;
}

/* Output chroma sample i (4:2:0: two output pixels wide) centres on
 * output luma 2i + 1, source luma (2i + 1) * scale, which is chroma
 * coordinate (luma + padding first) / factor. */
static struct resample_axis chroma_axis(double scale, const struct turned_axis *t)
{
	struct resample_axis a = { 2.0 * scale / t->factor,
				   t->reversed ? (double)t->pad / t->factor : 0.0 };

	return a;
}

/* The turned source planes to the output's, which are allocated here. */
static int resample_planes(struct img src[3], int ow, int oh, const struct turned_axis *tx,
			   const struct turned_axis *ty, struct img dst[3], struct wn_err *err)
{
	struct resample_axis lx = { (double)src[0].width / ow, 0.0 };
	struct resample_axis ly = { (double)src[0].height / oh, 0.0 };
	struct resample_axis cx = chroma_axis(lx.scale, tx), cy = chroma_axis(ly.scale, ty);

	if (img_yuv420_alloc(dst, ow, oh, err))
		return -1;
	/* Cb and Cr lie on one grid: one set of weights for both. */
	if (img_resample_plane(&src[0], &dst[0], &lx, &ly, err) ||
	    img_resample_planes(&src[1], &dst[1], 2, &cx, &cy, err)) {
		jpeg_planes_release(dst);
		return -1;
	}
	return 0;
}

/* Decodes buf's planes at the scale r asks for and turns them upright.
 * @return 1 when buf is no YCbCr JPEG (planes untouched), 0, or -1. */
static int upright_planes(const uint8_t *buf, size_t len, const struct img_jpeg_resize *r,
			  struct img planes[3], struct turned_axis *tx, struct turned_axis *ty,
			  struct wn_err *err)
{
	tjhandle h = jpeg_tj_handle(0);
	struct jpeg_markers m;
	struct img_info info;
	tjscalingfactor sf;
	int w, hh, ss, cs, turn, fast;

	if (!h)
		return wn_fail(err, WN_ENOMEM, "cannot start the JPEG decoder");
	if (jpeg_header_check(buf, len, &r->limits, &m, &info, err))
		return -1;
	if (m.components != 3)
		return 1;
	if (tjDecompressHeader3(h, buf, len, &w, &hh, &ss, &cs))
		return jpeg_tj_fail(h, err);
	if (cs != TJCS_YCbCr || ss < 0 || ss == TJSAMP_GRAY)
		return 1;
	turn = m.orientation >= 5;
	sf = jpeg_pick_scale(m.width, m.height, turn ? r->min_height : r->min_width,
			     turn ? r->min_width : r->min_height);
	w = TJSCALED(m.width, sf);
	hh = TJSCALED(m.height, sf);
	/* libjpeg-turbo 2.1.5's fast DCT garbles DCT-scaled chroma of 4:2:0
	 * planes (test_planes_match_the_picture_dct_scaled): full size only. */
	fast = r->fast_dct && sf.num == sf.denom;
	if (jpeg_decode_planes(h, buf, len, w, hh, ss, fast ? TJFLAG_FASTDCT : 0, planes, err))
		goto fail;
	turned_axes(m.orientation, w, hh, ss, &planes[1], tx, ty);
	for (int i = 0; i < 3; i++)
		if (img_orient(&planes[i], m.orientation, err))
			goto fail;
	return 0;
fail:
	jpeg_planes_release(planes);
	return -1;
}

int img_jpeg_resize(const uint8_t *buf, size_t len, const struct img_jpeg_resize *r, uint8_t **out,
		    size_t *outlen, int *broken, struct wn_err *err)
{
	struct img src[3] = { { 0 } }, dst[3] = { { 0 } };
	struct turned_axis tx = { 0 }, ty = { 0 };
	int rc;

	*broken = 0;
	*out = NULL;
	*outlen = 0;
	if (r->width <= 0 || r->height <= 0)
		return wn_fail(err, WN_EINVAL, "cannot resize to %dx%d", r->width, r->height);
	rc = upright_planes(buf, len, r, src, &tx, &ty, err);
	if (rc) {
		*broken = rc < 0;  /* as a failed img_decode() */
		return rc;
	}
	rc = resample_planes(src, r->width, r->height, &tx, &ty, dst, err);
	if (!rc)
		rc = jpeg_encode_planes(dst, r->quality, r->fast_dct ? TJFLAG_FASTDCT : 0, out, outlen,
					err);
	jpeg_planes_release(src);
	jpeg_planes_release(dst);
	return rc;
}
