/* Byte lookup tables over interleaved RGB: the one pass that applies a
 * folded run of per-channel steps (augpixel.c). */
#ifndef WINNOW_LUT_H
#define WINNOW_LUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * lut_apply_rgb() : maps n bytes of RGB pixels in place, byte i through
 * t[i % 3] (so p starts at a pixel). Vector code where cpu_level()
 * allows AVX-512 (VBMI) (a 256-entry lookup is two vpermi2b and a blend), else
 * one byte at a time; both give the same bytes.
 */
void lut_apply_rgb(uint8_t *p, size_t n, const uint8_t t[3][256]);

/*
 * lut_sums_rgb() : adds the bytes of each channel of n bytes of RGB pixels
 * (p starts at a pixel) to sums[0..2]. AVX-512 where the CPU has it.
 */
void lut_sums_rgb(const uint8_t *p, size_t n, uint64_t sums[3]);

#endif
