/* PIL's ImageEnhance.Color on RGB: each pixel blended with its own grey
 * (BT.601 luma) by a factor, in 16-bit fixed point. */
#ifndef WINNOW_BLEND_H
#define WINNOW_BLEND_H

#include <stddef.h>
#include <stdint.h>

/*
 * blend_grey_rgb() : for npix RGB pixels in place, c = g + k (c - g) / 65536,
 * rounded and clipped to 0..255, g the pixel's luma601(). k is the factor
 * in 16.16 fixed point. AVX-512 (VBMI) sixteen pixels at a time where
 * cpu_level() allows it and |k| <= 8e6 (a factor up to 122), which keeps the sums in
 * 32 bits; the same bytes either way.
 */
void blend_grey_rgb(uint8_t *p, size_t npix, int32_t k);

#endif
