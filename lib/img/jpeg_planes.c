/* Planes for a JPEG's Y, Cb and Cr at TurboJPEG's sizes, in a file of
 * their own: both 1/8 decodes (jpeg_coef.c, jpeg_dc.c) and the plain
 * planes decode (jpeg.c) allocate them, and jpeg_coef.c calls
 * jpeg_dc.c. */
#include <string.h>
#include <turbojpeg.h>

#include "img/jpeg_coef.h"

int jpeg_alloc_planes(int w, int hh, int ss, int n, struct img planes[3], struct wn_err *err)
{
	memset(planes, 0, 3 * sizeof(*planes));
	for (int i = 0; i < n; i++)
		if (img_alloc(&planes[i], tjPlaneWidth(i, w, ss), tjPlaneHeight(i, hh, ss), 1, err)) {
			for (int j = 0; j < i; j++)
				img_release(&planes[j]);
			return -1;
		}
	/* the luma plane is padded to whole chroma samples; the image is w x h */
	planes[0].width = w;
	planes[0].height = hh;
	return 0;
}
