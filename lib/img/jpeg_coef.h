/* The JPEG decode from DCT coefficients (jpeg_coef.c), apart from
 * jpeg_tj.h: it includes libjpeg's own jpeglib.h. Not for use outside
 * lib/img. */
#ifndef WINNOW_JPEG_COEF_H
#define WINNOW_JPEG_COEF_H

#include <stddef.h>
#include <stdint.h>

#include "img/image.h"

/*
 * jpeg_coef_planes() : a JPEG of n components (1 grey, or 3 YCbCr) at 1/8
 * scale into planes from jpeg_alloc_planes() (sized for it), each pixel
 * its block's DC exactly as libjpeg's 1x1 inverse DCT makes it, so the
 * planes are what jpeg_decode_planes() (or a grey decode) gives at 1/8 to
 * the bit; and the statistics of its luma blocks in st. Warnings stop it
 * as TJFLAG_STOPONWARNING does, and more than 500 scans as
 * TJFLAG_LIMITSCANS does.
 * @return 0; 1 for a file this way does not decode to the bit or within
 * its memory bound (another component count or precision, a progressive
 * file with incomplete coefficients, which libjpeg smooths, a
 * coefficient buffer over 48 MB): decode it the plain way; -1 with err
 * set (WN_ECORRUPT, with libjpeg's words).
 */
int jpeg_coef_planes(const uint8_t *buf, size_t len, struct img planes[3], int n,
		     struct img_dct_stats *st, struct wn_err *err);

#endif
