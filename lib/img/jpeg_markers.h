/* What a JPEG says before its first scan: frame size, components, the EXIF
 * orientation and the Adobe APP14 colour transform. TurboJPEG exposes
 * neither of the last two, so we read the marker segments ourselves. */
#ifndef WINNOW_JPEG_MARKERS_H
#define WINNOW_JPEG_MARKERS_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

struct jpeg_markers {
	int width, height;   /* as stored in SOFn, before orientation */
	int components;      /* 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK */
	int orientation;     /* EXIF 1..8, 1 when absent or out of range */
	int adobe;           /* an Adobe APP14 segment was seen */
	int adobe_transform; /* its transform byte: 0 none, 1 YCbCr, 2 YCCK */
};

/*
 * jpeg_markers_read() : walks the segments from SOI to the first SOS.
 * Every length is checked against the buffer; nothing is allocated.
 * @return 0, or -1 (WN_ECORRUPT) when there is no frame header before the
 * scan or a segment runs past the end of the data.
 */
int jpeg_markers_read(const uint8_t *buf, size_t len, struct jpeg_markers *m,
		      struct wn_err *err);

/* exif_orientation() : the Orientation tag (0x0112) of IFD0 in an APP1
 * payload that starts with "Exif\0\0"; 1 when absent or malformed. */
int exif_orientation(const uint8_t *p, size_t len);

#endif
