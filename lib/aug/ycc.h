/* RGB to the 4:2:0 YCbCr planes a JPEG stores (JFIF, full range), for
 * encoding without the encoder's own conversion. */
#ifndef WINNOW_YCC_H
#define WINNOW_YCC_H

#include "img/img.h"

/*
 * ycc420_from_rgb() : fills planes (from img_yuv420_alloc() for rgb's
 * size) from the RGB image rgb: Y per pixel (luma601()), Cb and Cr per 2x2
 * block from the block's mean colour (an odd last column or row counted
 * twice), with JFIF's weights and rounded once. (libjpeg converts each
 * pixel, then averages the block with a bias alternating 1 and 2: about
 * one chroma sample in twenty differs by 1.) AVX-512 sixteen pixels a row
 * at a time where the CPU has it (VBMI); the same bytes either way.
 */
void ycc420_from_rgb(const struct img *rgb, struct img planes[3]);

/*
 * ycc420_to_rgb() : the inverse, into rgb (allocated by the caller, the
 * size of planes[0]): chroma upsampled with libjpeg's "fancy" triangle
 * filter (each output pixel 9:3:3:1 from its four nearest chroma samples,
 * edges repeated), then JFIF's conversion, rounded and clipped as libjpeg
 * does: libjpeg's decoder makes the same bytes once the chroma is more
 * than 2 samples wide (below that it does not upsample "fancily").
 * AVX-512 where the CPU has it; the same bytes either way.
 */
void ycc420_to_rgb(const struct img planes[3], struct img *rgb);

#endif
