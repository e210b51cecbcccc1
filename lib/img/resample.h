/* Separable resampling of 8-bit images: Lanczos3, or box ("area") which
 * averages the exact fractional footprint of each output pixel. */
#ifndef WINNOW_RESAMPLE_H
#define WINNOW_RESAMPLE_H

#include "img/image.h"

enum resample_kernel {
	RESAMPLE_LANCZOS3,
	RESAMPLE_AREA,
};

/*
 * img_resample() : scales src to dst_w x dst_h into dst (which the caller
 * releases). Pixel centres sit at i + 0.5 on both grids, so nothing
 * shifts by half a pixel; taps that would fall outside the image are
 * dropped and the rest renormalised, so borders keep their brightness.
 * Weights are 14-bit fixed point summing exactly to 1: a constant image
 * stays constant. Any channel count 1..4; alpha is filtered like colour.
 * Vector code as cpu_level() allows (none under cpu_set_simd(CPU_PLAIN)):
 * the same bytes at every level.
 * @return 0, or -1 with err set (WN_EINVAL, WN_ENOMEM, WN_ELIMIT).
 */
int img_resample(const struct img *src, int dst_w, int dst_h, enum resample_kernel kernel,
		 struct img *dst, struct wn_err *err);

/* How an output axis lies on the source's: output pixel i's centre is at
 * source coordinate (i + 0.5) * scale + offset, pixel j covering
 * [j, j + 1). img_resample() uses scale = in / out and offset 0. */
struct resample_axis {
	double scale, offset;
};

/*
 * img_resample_plane() : Lanczos3 of one 8-bit channel src (from
 * img_alloc()) into dst, which the caller allocated with one channel and
 * the output's size, along x and y as the axes say: for planes on a grid
 * of their own, such as a JPEG's chroma. Otherwise as img_resample().
 * @return 0, or -1 with err set (WN_EINVAL, WN_ENOMEM).
 */
int img_resample_plane(const struct img *src, struct img *dst, const struct resample_axis *x,
		       const struct resample_axis *y, struct wn_err *err);

/*
 * img_resample_planes() : img_resample_plane() of the n planes src[0..n)
 * into dst[0..n), all sources of one size and all outputs of one size, on
 * the same axes (a JPEG's Cb and Cr): the weights are computed once for
 * all. The same bytes as n calls of img_resample_plane().
 * @return 0, or -1 with err set (WN_EINVAL, WN_ENOMEM).
 */
int img_resample_planes(const struct img *src, struct img *dst, int n,
			const struct resample_axis *x, const struct resample_axis *y,
			struct wn_err *err);

#endif
