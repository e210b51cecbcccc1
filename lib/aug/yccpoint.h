/* Pointwise colour steps (brightness, contrast, colour, invert, channel
 * shift, greyscale) applied straight to the 4:2:0 planes of a JPEG,
 * without making an RGB image and turning it back.
 *
 * Each pixel's colour is its luma plus its 2x2 block's chroma (the box
 * upsampling a decoder without "fancy" upsampling does), clipped to
 * 0..255 as a decoder clips it. The steps run on
 * that colour in order, each clipping to its range. The result goes back
 * as luma per pixel and chroma from the block's mean colour (an odd last
 * column or row counted twice, as aug/ycc.c counts it), rounded once.
 * Where nothing clips, this is exact: luma and chroma go through the
 * steps' affine maps and the chroma is not blurred by an upsampling
 * round trip.
 *
 * Colours are kept in 1/16 of a level, factors in 1/4096, in 16 bits:
 * rounding moves a result by a fraction of a level (the unit test holds
 * it to the definition in double precision within 1, at the bounds below
 * too). Plain loops and AVX-512 (cpu.h) do the
 * same integer arithmetic and give the same bytes.
 */
#ifndef WINNOW_YCCPOINT_H
#define WINNOW_YCCPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "img/img.h"

enum ycc_step_kind {
	YCC_AFFINE,  /* each channel v: v a + b */
	YCC_COLOUR   /* each channel v: (v - L) a + L, L the pixel's luma (a = 0: grey) */
};

struct ycc_step {
	enum ycc_step_kind kind;
	float a, b;
	float lo, hi;  /* then clipped to lo..hi */
};

/* At most this many steps in one call, each with |a| and |b| (for
 * YCC_AFFINE) at most these: what 16 bits hold (ycc_step_fits()). */
#define YCC_MAX_STEPS 16
#define YCC_MAX_FACTOR 7.99f
#define YCC_MAX_OFFSET 2047.f

/* ycc_step_fits() : 1 when s's numbers are finite and within those
 * bounds, else 0. */
int ycc_step_fits(const struct ycc_step *s);

struct ycc_stats {
	uint64_t luma_sum;  /* the pixels' luma, each rounded to 0..255, summed */
	uint64_t n;         /* pixels */
	float min, max;     /* over every channel of every pixel */
};

/*
 * ycc420_steps_apply() : runs steps[0..n) on the planes (from
 * img_yuv420_alloc(): Y, then Cb and Cr at half size, rounded up) in
 * place. @return 0, or -1 with the planes untouched when n exceeds
 * YCC_MAX_STEPS or a step does not fit.
 */
int ycc420_steps_apply(struct img planes[3], const struct ycc_step *steps, size_t n);

/* What ycc420_steps_stats() is to find. */
enum { YCC_MEAN = 1, YCC_RANGE = 2 };

/*
 * ycc420_steps_stats() : what the colours are after steps[0..n), without
 * changing the planes, over the real pixels: fills st->n, and
 * st->luma_sum for YCC_MEAN in what, st->min and st->max for YCC_RANGE
 * (else 0 and 255). For a step that needs the image as it is when it
 * comes: contrast's mean grey, the channel shift's range. @return 0, or
 * -1 (st untouched) as ycc420_steps_apply() refuses.
 */
int ycc420_steps_stats(const struct img planes[3], const struct ycc_step *steps, size_t n,
			int what, struct ycc_stats *st);

#endif
