/* One resampling pass for any chain of geometric operations: the chain is
 * composed into a single 3x3 matrix (affine or projective) and each output
 * pixel is sampled once from the source, bilinearly. Coordinates are pixel
 * centres at (x + 0.5, y + 0.5). */
#ifndef WINNOW_WARP_H
#define WINNOW_WARP_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "img/img.h"

/* Row-major: (x', y', w') = m * (x, y, 1), then x'/w', y'/w'. */
struct mat3 {
	double m[9];
};

/* How samples outside the source are filled, as Keras (scipy) names them:
 * constant: the fill colour; nearest: aaaa|abcd|dddd;
 * reflect: dcba|abcd|dcba; wrap: abcd|abcd|abcd. */
enum warp_fill { WARP_NEAREST, WARP_CONSTANT, WARP_REFLECT, WARP_WRAP };

void mat3_identity(struct mat3 *a);
void mat3_translate(struct mat3 *a, double tx, double ty);
void mat3_scale(struct mat3 *a, double sx, double sy);
/* Counter-clockwise on screen (y down) by `degrees`. */
void mat3_rotate(struct mat3 *a, double degrees);
/* x' = x + kx * y, y' = y + ky * x. */
void mat3_shear(struct mat3 *a, double kx, double ky);

/* mat3_mul() : out = a * b (apply b first, then a). out may alias either. */
void mat3_mul(struct mat3 *out, const struct mat3 *a, const struct mat3 *b);

/* mat3_invert() : @return 0, or -1 when a is singular (out untouched). */
int mat3_invert(struct mat3 *out, const struct mat3 *a);

/* mat3_apply() : maps (x, y) through a. @return -1 when the point maps to
 * infinity (w' near 0), else 0. Inline: warps call it per pixel. */
static inline int mat3_apply(const struct mat3 *a, double x, double y, double *ox, double *oy)
{
	const double *m = a->m;
	double w = m[6] * x + m[7] * y + m[8];

	if (!(w > 1e-12 || w < -1e-12))
		return -1;
	if (w == 1) {
		*ox = m[0] * x + m[1] * y + m[2];
		*oy = m[3] * x + m[4] * y + m[5];
		return 0;
	}
	*ox = (m[0] * x + m[1] * y + m[2]) / w;
	*oy = (m[3] * x + m[4] * y + m[5]) / w;
	return 0;
}

/* mat3_perspective() : the projective map taking the four points src[]
 * (x0,y0,...,x3,y3) to dst[]. @return 0, or -1 when they are degenerate. */
int mat3_perspective(struct mat3 *out, const double src[8], const double dst[8]);

/*
 * warp_image() : fills dst (allocated by the caller, same channels as src)
 * by sampling src bilinearly at dst_to_src of each output pixel's centre.
 * fill_px gives the constant fill, one byte per channel, and the colour of
 * a point with no source at all (at infinity, or millions of pixels off)
 * whatever the mode. src must keep
 * the 16 readable bytes past its last pixel that img_alloc() gives.
 * @return 0, or -1 with err set (WN_EINVAL: channel counts differ).
 */
int warp_image(const struct img *src, struct img *dst, const struct mat3 *dst_to_src,
	       enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err);

/* The warps use AVX2 or AVX-512 as cpu_level() allows (base/cpu.h), and
 * copy pixels outright when the map takes pixel centres to pixel centres
 * (flips, quarter turns, whole-pixel shifts) unless cpu_set_simd() capped
 * them to CPU_PLAIN; every way gives the same bytes. */

/* A stretch of an output row, pixels x0 .. x1 - 1, along which the
 * source point is a quadratic in t = x - x0 over the square of a line:
 *   source x = (sx[0] + t (sx[1] + t sx[2])) / W^2,  W = w[0] + t w[1],
 * source y likewise with sy. w = { 1, 0 } for a plain quadratic (a mesh
 * between affine maps gives one); a perspective after a mesh, in the
 * order a pipeline is written, needs W.
 * Lines have [2] = 0, single points [1] = [2] = 0, and a point with no
 * source an infinite [0]. */
struct warp_piece {
	int x0, x1;
	double sx[3], sy[3];
	double w[2];
};

/* Where the pixel centres of output row y sample the source: the row as
 * pieces in order, covering 0 .. width - 1, at most width of them.
 * @return how many were written. */
typedef int warp_map_fn(void *ctx, int y, int width, struct warp_piece *pieces);

/*
 * warp_image_map() : warp_image() for any map, a row at a time (mesh
 * warps). Same returns, plus WN_ENOMEM.
 */
int warp_image_map(const struct img *src, struct img *dst, warp_map_fn *map, void *ctx,
		   enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err);

/*
 * warp_images() / warp_images_map() : warp_image() / warp_image_map() for
 * n pairs of images under one map, all outputs of one size (the chroma
 * planes of a JPEG): the positions are made once a row. fill_px serves
 * every pair. Same returns, plus WN_EINVAL for outputs of different sizes.
 */
int warp_images(const struct img *src, struct img *dst, size_t n, const struct mat3 *dst_to_src,
		enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err);
int warp_images_map(const struct img *src, struct img *dst, size_t n, warp_map_fn *map,
		    void *ctx, enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err);

#endif
