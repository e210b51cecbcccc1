/* EXIF orientation: turns the stored pixels into the displayed ones. */
#include <string.h>

#include "img/image.h"

/* Values follow the EXIF 2.3 table of Orientation: 2 mirrors, 3 rotates
 * 180, 4 flips, 5 transposes, 6 needs 90 degrees clockwise, 7 transverses,
 * 8 needs 90 degrees counter-clockwise. */
void img_orient_source(int orientation, int x, int y, int sw, int sh, int *sx, int *sy)
{
	switch (orientation) {
	case 2: *sx = sw - 1 - x; *sy = y; break;
	case 3: *sx = sw - 1 - x; *sy = sh - 1 - y; break;
	case 4: *sx = x; *sy = sh - 1 - y; break;
	case 5: *sx = y; *sy = x; break;
	case 6: *sx = y; *sy = sh - 1 - x; break;
	case 7: *sx = sw - 1 - y; *sy = sh - 1 - x; break;
	case 8: *sx = sw - 1 - y; *sy = x; break;
	default: *sx = x; *sy = y; break;
	}
}

int img_orient(struct img *im, int orientation, struct wn_err *err)
{
	struct img dst;
	int swap = orientation >= 5 && orientation <= 8;
	int x, y, c = im->channels;

	if (orientation < 2 || orientation > 8)
		return 0;
	if (img_alloc(&dst, swap ? im->height : im->width, swap ? im->width : im->height,
		      c, err))
		return -1;
	for (y = 0; y < dst.height; y++) {
		uint8_t *d = dst.pixels + (size_t)y * dst.stride;

		for (x = 0; x < dst.width; x++) {
			int sx, sy;

			img_orient_source(orientation, x, y, im->width, im->height, &sx, &sy);
			memcpy(d + (size_t)x * c, im->pixels + (size_t)sy * im->stride + (size_t)sx * c,
			       (size_t)c);
		}
	}
	img_release(im);
	*im = dst;
	return 0;
}
