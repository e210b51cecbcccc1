/* What resample.c and its vector passes (resample_simd.c) share: the
 * weight table of one axis and the passes' entry points. Not for use
 * outside lib/img. */
#ifndef WINNOW_RESAMPLE_TAPS_H
#define WINNOW_RESAMPLE_TAPS_H

#include <stdint.h>

#include "img/image.h"

#define PREC 14
#define ONE (1 << PREC)

/* For each output index: the first input index and count weights, in a
 * row of max_taps (a multiple of 16) int16 whose unused tail is zero, so
 * vector code may read 16 taps at a time: a zero weight times whatever
 * byte lies past the taps adds nothing. */
struct taps {
	int *first;
	int *count;
	int16_t *weights;  /* out_size * max_taps, row i at i * max_taps */
	int max_taps;
	int reach;         /* taps an output may have, before the rounding up */
};

/*
 * The vector passes, the same arithmetic as the plain loops of
 * resample.c (int32 sums of 8-bit samples times 14-bit weights, rounded
 * half up, clamped to 0..255), so the same bytes. Each returns the number
 * of leading outputs (columns, or bytes of a row) it did; the caller does
 * the rest with the plain loop. src comes from img_alloc() (16 readable
 * bytes past its last pixel).
 *   resample_h1_avx2(): one row of a one-channel horizontal pass.
 *   resample_v_avx2(), resample_v_avx512(): row y of the vertical pass,
 *   `len` bytes.
 */
int resample_h1_avx2(const uint8_t *s, uint8_t *d, int out_w, const struct taps *t);
int resample_h1_avx512(const uint8_t *s, uint8_t *d, int out_w, const struct taps *t);
size_t resample_v_avx2(const uint8_t *base, size_t stride, const int16_t *w, int n, uint8_t *d,
		       size_t len);
size_t resample_v_avx512(const uint8_t *base, size_t stride, const int16_t *w, int n, uint8_t *d,
			 size_t len);

#endif
