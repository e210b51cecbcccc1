/* BT.601 luma in 16-bit fixed point, the one definition every grey
 * conversion and the perceptual hashes use:
 *   Y = (19595 R + 38470 G + 7471 B + 32768) >> 16
 * The weights are 0.299, 0.587, 0.114 scaled by 65536 and sum to 65536, so
 * grey stays grey. It equals the Y a JFIF JPEG stores. */
#ifndef WINNOW_LUMA_H
#define WINNOW_LUMA_H

#include <stdint.h>

static inline uint8_t luma601(uint8_t r, uint8_t g, uint8_t b)
{
	return (uint8_t)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
}

/* Straight alpha a over background bg, rounded: (v*a + bg*(255-a)) / 255. */
static inline uint8_t alpha_over(uint8_t v, uint8_t a, uint8_t bg)
{
	unsigned t = (unsigned)v * a + (unsigned)bg * (255u - a) + 128u;

	return (uint8_t)((t + (t >> 8)) >> 8);
}

#endif
