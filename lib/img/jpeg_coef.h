/* The 1/8 JPEG decode that keeps luma's DCT statistics (jpeg_coef.c), apart from
 * jpeg_tj.h: it includes libjpeg's own jpeglib.h. Not for use outside
 * lib/img. */
#ifndef WINNOW_JPEG_COEF_H
#define WINNOW_JPEG_COEF_H

#include <stddef.h>
#include <stdint.h>

#include "img/image.h"

/* jpeg_alloc_planes() : n planes (1 or 3) for a w x hh image of
 * TurboJPEG subsampling ss (the caller releases them; planes[0] is w x hh,
 * its memory padded to whole chroma samples). @return 0, or -1 with err
 * set and every plane empty. */
int jpeg_alloc_planes(int w, int hh, int ss, int n, struct img planes[3], struct wn_err *err);

/*
 * jpeg_coef_planes() : a grey or YCbCr JPEG at 1/8 scale (w x hh) into
 * planes (1 for grey, 3 for YCbCr, from jpeg_alloc_planes(); the caller
 * releases them) by jpeg_dc_planes() or libjpeg's raw decode, so the
 * planes are what jpeg_decode_planes() (or a grey decode) gives at 1/8 to
 * the bit; *ss its TurboJPEG subsampling (TJSAMP_GRAY for grey); and the
 * statistics of its luma blocks in st (st->blocks 0 for a progressive
 * file libjpeg smooths and for a file that ended before its luma's first
 * scan). Warnings stop it as TJFLAG_STOPONWARNING does, and more than 500
 * scans as TJFLAG_LIMITSCANS does.
 * @return 0; 1 for a file this way does not decode (CMYK, RGB, unusual
 * sampling factors, 12-bit, a 1/8 size other than w x hh): planes empty,
 * st zeroed, decode it the plain way; -1 with err set (WN_ECORRUPT, with
 * libjpeg's words; WN_ENOMEM), planes empty.
 */
int jpeg_coef_planes(const uint8_t *buf, size_t len, int w, int hh, struct img planes[3],
		     int *ss, struct img_dct_stats *st, struct wn_err *err);

/* jpeg_coef_planes_libjpeg() : the same by libjpeg alone. jpeg_coef_planes()
 * first tries jpeg_dc_planes() (jpeg_dc.h), which takes most files for
 * less, and hands the rest to this; the tests compare the two. */
int jpeg_coef_planes_libjpeg(const uint8_t *buf, size_t len, int w, int hh,
			     struct img planes[3], int *ss, struct img_dct_stats *st,
			     struct wn_err *err);

#endif
