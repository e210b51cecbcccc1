/* What jpeg.c shares with jpeg_resize.c: TurboJPEG handles, the header,
 * the DCT scale, decoding to planes and encoding from them. Not for use
 * outside lib/img. */
#ifndef WINNOW_JPEG_TJ_H
#define WINNOW_JPEG_TJ_H

#include <stddef.h>
#include <stdint.h>
#include <turbojpeg.h>

#include "img/image.h"
#include "img/jpeg_markers.h"

/* jpeg_tj_handle() : this thread's decompressor (compress 0) or
 * compressor (1), made on first use; NULL when out of memory. */
tjhandle jpeg_tj_handle(int compress);

/* jpeg_header_check() : (not libjpeg's jpeg_read_header(), which
 * jpeg_coef.c calls) the markers and info of a JPEG, its size checked
 * against limits. @return 0, or -1 with err set. */
int jpeg_header_check(const uint8_t *buf, size_t len, const struct img_limits *limits,
		     struct jpeg_markers *m, struct img_info *info, struct wn_err *err);

/* jpeg_pick_scale() : the smallest DCT scale <= 1 that keeps w x h at
 * least min_w x min_h (stored orientation). */
tjscalingfactor jpeg_pick_scale(int w, int h, int min_w, int min_h);

/* jpeg_tj_fail() : err set from h's last error (WN_ECORRUPT); -1. */
int jpeg_tj_fail(tjhandle h, struct wn_err *err);

/* jpeg_decode_planes() : a YCbCr JPEG of subsampling ss decoded at the
 * scale that makes it w x hh, as its three planes (img_alloc()ed, the
 * caller releases them; planes[0] is w x hh, its memory padded to whole
 * chroma samples), TurboJPEG flags added to the usual ones. @return 0,
 * or -1 with err set. */
int jpeg_decode_planes(tjhandle h, const uint8_t *buf, size_t len, int w, int hh, int ss,
		       int flags, struct img planes[3], struct wn_err *err);

/* jpeg_planes_release() : img_release() of the three planes. */
static inline void jpeg_planes_release(struct img planes[3])
{
	for (int i = 0; i < 3; i++)
		img_release(&planes[i]);
}

/* jpeg_encode_planes() : img_jpeg_encode_yuv420() with TurboJPEG flags. */
int jpeg_encode_planes(struct img planes[3], int quality, int flags, uint8_t **out,
		       size_t *outlen, struct wn_err *err);

#endif
