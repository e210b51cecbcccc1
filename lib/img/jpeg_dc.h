/* A baseline JPEG at 1/8 scale by an entropy decoder of our own, for
 * jpeg_coef.c: the DC of every block makes the picture, and only the
 * sampled luma blocks keep their AC values; libjpeg, asked for a 1/8
 * picture with luma's AC values, keeps every luma block's. Not for use
 * outside lib/img. */
#ifndef WINNOW_JPEG_DC_H
#define WINNOW_JPEG_DC_H

#include <stddef.h>
#include <stdint.h>

#include "img/image.h"

/* Called after each sampled luma block's AC values were added to the
 * sums, in libjpeg's order of its inverse DCTs. */
typedef void (*jpeg_dc_block_fn)(void *data);

/*
 * jpeg_dc_planes() : a grey or YCbCr JPEG of one sequential Huffman scan
 * at 1/8 scale (w x hh) into planes as jpeg_coef_planes() makes them (1
 * for grey, 3 for YCbCr, from jpeg_alloc_planes(); the caller releases
 * them), *ss its TurboJPEG subsampling. Every luma block inside the
 * picture whose column is a multiple of the step jpeg_sample_step() gives
 * for luma's blocks has the squares of its AC values (as floats, libjpeg's
 * coefficients in natural order) added to acc[], then fn(data) called;
 * *step is that step, quant[64] luma's quantisation table (natural
 * order).
 * Only what libjpeg would decode without a warning, to the same pixels:
 * anything else (progressive, arithmetic, several scans, restart markers
 * out of place, a bad Huffman code, data short or left over, Adobe or
 * unusual markers, a JFIF version libjpeg warns about) is left to it.
 * @return 0; 1 for a file this way leaves to libjpeg (planes empty; fn
 * may have been called: the caller starts its sums again); -1 with err
 * set (WN_ENOMEM), planes empty.
 */
int jpeg_dc_planes(const uint8_t *buf, size_t len, int w, int hh, struct img planes[3], int *ss,
		   float acc[64], jpeg_dc_block_fn fn, void *data, unsigned *step,
		   uint16_t quant[64],
		   struct wn_err *err);

/* jpeg_sample_step() : the step between luma's sampled block columns for
 * a picture of w x h blocks: the least power of two, up to 64, at which
 * the blocks over the step are at most 512, or which leaves one
 * column. */
unsigned jpeg_sample_step(uint64_t w, uint64_t h);

#endif
