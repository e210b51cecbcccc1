/* JPEG marker segments up to the first scan: SOFn, APP1 Exif, APP14 Adobe. */
#include <string.h>

#include "img/jpeg_markers.h"

static unsigned get16(const uint8_t *p, int big_endian)
{
	return big_endian ? (unsigned)(p[0] << 8 | p[1]) : (unsigned)(p[1] << 8 | p[0]);
}

static uint32_t get32(const uint8_t *p, int big_endian)
{
	if (big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int exif_orientation(const uint8_t *p, size_t len)
{
	const uint8_t *tiff;
	size_t tlen, ifd, i, count;
	int be;

	/* "Exif\0\0", then a TIFF header: byte order, 42, offset of IFD0. */
	if (len < 6 + 8 || memcmp(p, "Exif\0\0", 6))
		return 1;
	tiff = p + 6;
	tlen = len - 6;
	if (!memcmp(tiff, "MM", 2))
		be = 1;
	else if (!memcmp(tiff, "II", 2))
		be = 0;
	else
		return 1;
	if (get16(tiff + 2, be) != 42)
		return 1;
	ifd = get32(tiff + 4, be);
	if (ifd > tlen - 2 || ifd < 8)
		return 1;
	count = get16(tiff + ifd, be);
	for (i = 0; i < count; i++) {
		size_t e = ifd + 2 + i * 12;
		unsigned v;

		if (tlen < 12 || e > tlen - 12)
			return 1;
		if (get16(tiff + e, be) != 0x0112)
			continue;
		/* Type SHORT (3), count 1: the value sits in the first two bytes
		 * of the value field. */
		if (get16(tiff + e + 2, be) != 3 || get32(tiff + e + 4, be) != 1)
			return 1;
		v = get16(tiff + e + 8, be);
		return (v >= 1 && v <= 8) ? (int)v : 1;
	}
	return 1;
}

static int is_sof(uint8_t marker)
{
	/* C0-CF are frame headers, except DHT (C4), JPG (C8) and DAC (CC). */
	return marker >= 0xc0 && marker <= 0xcf &&
	       marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

int jpeg_markers_read(const uint8_t *buf, size_t len, struct jpeg_markers *m,
		      struct wn_err *err)
{
	size_t pos = 2;
	int seen_sof = 0;

	memset(m, 0, sizeof(*m));
	m->orientation = 1;
	if (len < 4 || buf[0] != 0xff || buf[1] != 0xd8)
		return wn_fail(err, WN_ECORRUPT, "not a JPEG (no SOI marker)");
	for (;;) {
		uint8_t marker;
		size_t seglen;
		const uint8_t *seg;

		/* Markers may be preceded by any number of 0xff fill bytes. */
		while (pos < len && buf[pos] == 0xff)
			pos++;
		if (pos >= len)
			return wn_fail(err, WN_ECORRUPT, "truncated JPEG (ends in the header)");
		if (buf[pos - 1] != 0xff)
			return wn_fail(err, WN_ECORRUPT,
				       "corrupt JPEG (garbage at byte %zu of the header)", pos);
		marker = buf[pos++];
		if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
			continue;  /* standalone markers carry no length */
		if (marker == 0xd9)
			return wn_fail(err, WN_ECORRUPT, "corrupt JPEG (no image data)");
		if (pos + 2 > len)
			return wn_fail(err, WN_ECORRUPT, "truncated JPEG (ends in the header)");
		seglen = (size_t)buf[pos] << 8 | buf[pos + 1];
		if (seglen < 2 || seglen > len - pos)
			return wn_fail(err, WN_ECORRUPT, "truncated JPEG (a segment runs past the end)");
		seg = buf + pos + 2;
		seglen -= 2;
		if (marker == 0xda) {
			if (!seen_sof)
				return wn_fail(err, WN_ECORRUPT, "corrupt JPEG (scan before frame header)");
			return 0;
		}
		if (is_sof(marker) && !seen_sof) {
			if (seglen < 6)
				return wn_fail(err, WN_ECORRUPT, "corrupt JPEG (short frame header)");
			m->height = seg[1] << 8 | seg[2];
			m->width = seg[3] << 8 | seg[4];
			m->components = seg[5];
			seen_sof = 1;
		} else if (marker == 0xe1 && m->orientation == 1) {
			m->orientation = exif_orientation(seg, seglen);
		} else if (marker == 0xee && seglen >= 12 && !memcmp(seg, "Adobe", 5)) {
			m->adobe = 1;
			m->adobe_transform = seg[11];
		}
		pos += 2 + seglen;
	}
}
