/* Pointwise colour steps (brightness, contrast, colour, invert, channel
 * shift, greyscale) applied straight to the 4:2:0 planes of a JPEG,
 * without making an RGB image and turning it back.
 *
 * Each pixel's colour is its luma plus its 2x2 block's chroma (the box
 * upsampling a decoder without "fancy" upsampling does), in single
 * precision, clipped to 0..255 as a decoder clips it. The steps run on
 * that colour in order, each clipping to its range. The result goes back
 * as luma per pixel and chroma from the block's mean colour (an odd last
 * column or row counted twice, as core/ycc.c counts it), rounded once.
 * Where nothing clips, this is exact: luma and chroma go through the
 * steps' affine maps and the chroma is not blurred by an upsampling
 * round trip.
 *
 * Plain loops and AVX-512 (cpu.h) give the same bytes: the same single
 * precision operations in the same order (this file is built without
 * fused multiply-adds).
 */
#ifndef WINNOW_YCCPOINT_H
#define WINNOW_YCCPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "img.h"

enum ycc_step_kind {
	YCC_AFFINE,  /* each channel v: v a + b */
	YCC_COLOUR   /* each channel v: (v - L) a + L, L the pixel's luma (a = 0: grey) */
};

struct ycc_step {
	enum ycc_step_kind kind;
	float a, b;
	float lo, hi;  /* then clipped to lo..hi */
};

/* At most this many steps in one call. */
#define YCC_MAX_STEPS 16

struct ycc_stats {
	uint64_t luma_sum;  /* the pixels' luma, each rounded to 0..255, summed */
	uint64_t n;         /* pixels */
	float min, max;     /* over every channel of every pixel */
};

/*
 * ycc420_steps_apply() : runs steps[0..n) (n <= YCC_MAX_STEPS) on the
 * planes (from img_yuv420_alloc(): Y, then Cb and Cr at half size,
 * rounded up) in place.
 */
void ycc420_steps_apply(struct img planes[3], const struct ycc_step *steps, size_t n);

/*
 * ycc420_steps_stats() : what the colours are after steps[0..n) (n <=
 * YCC_MAX_STEPS), without changing the planes: fills *st, over the real
 * pixels only. For a step that needs the image as it is when it comes:
 * contrast's mean grey, the channel shift's range.
 */
void ycc420_steps_stats(const struct img planes[3], const struct ycc_step *steps, size_t n,
			struct ycc_stats *st);

#endif
