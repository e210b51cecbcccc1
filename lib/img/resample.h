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
 * @return 0, or -1 with err set (WN_EINVAL, WN_ENOMEM, WN_ELIMIT).
 */
int img_resample(const struct img *src, int dst_w, int dst_h, enum resample_kernel kernel,
		 struct img *dst, struct wn_err *err);

#endif
