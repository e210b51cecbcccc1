/* libFuzzer target: any bytes through every decoder path (header only,
 * full size in each channel layout, shrink-on-load, the grey and colour
 * decode of a scan by pixels and by DCT coefficients) and the
 * fingerprint; and the 1/8 JPEG decode by our own entropy decoder
 * against libjpeg's: any difference in outcome, planes or statistics
 * aborts.
 * Build and run with `make fuzz` (clang); `make check` runs it for 30 s. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "hash/dhash.h"
#include "img/image.h"
#include "img/jpeg_coef.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* jpeg_coef_planes() (our decoder first) and libjpeg alone agree. */
static void same_eighths(const uint8_t *data, size_t size)
{
	static tjhandle h;
	struct img a[3], b[3];
	struct img_dct_stats sa, sb;
	struct wn_err ea = { 0 }, eb = { 0 };
	int width, height, ss, cs, ra, rb, ssa = -1, ssb = -1;

	if (!h)
		h = tjInitDecompress();
	if (!h || tjDecompressHeader3(h, data, (unsigned long)size, &width, &height, &ss, &cs) ||
	    (uint64_t)width * (uint64_t)height > 4000000)
		return;
	ra = jpeg_coef_planes(data, size, (width + 7) / 8, (height + 7) / 8, a, &ssa, &sa, &ea);
	rb = jpeg_coef_planes_libjpeg(data, size, (width + 7) / 8, (height + 7) / 8, b, &ssb, &sb,
				      &eb);
	if (ra != rb || (ra < 0 && strcmp(ea.msg, eb.msg)))
		abort();
	if (ra)
		return;
	if (ssa != ssb || memcmp(&sa, &sb, sizeof(sa)))
		abort();
	for (int i = 0; i < (ssa == TJSAMP_GRAY ? 1 : 3); i++)
		for (int y = 0; y < a[i].height; y++)
			if (a[i].width != b[i].width ||
			    memcmp(a[i].pixels + (size_t)y * a[i].stride,
				   b[i].pixels + (size_t)y * b[i].stride, (size_t)a[i].width))
				abort();
	for (int i = 0; i < 3; i++) {
		img_release(&a[i]);
		img_release(&b[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_decode_opts o;
	struct img_info info;
	struct fingerprint fp;
	struct img im, grey, colour;
	struct img_dct_stats dct;

	same_eighths(data, size);
	img_decode_opts_init(&o);
	/* Small limits keep each input fast; the checks are the same. */
	o.limits.max_pixels = 4u * 1000 * 1000;
	img_read_info(data, size, &o.limits, &info, NULL);
	o.channels = size % 2 ? 3 : 4;
	if (!img_decode(data, size, &o, &im, NULL, NULL))
		img_release(&im);
	o.channels = 1;
	o.min_width = o.min_height = 16;
	if (!img_decode(data, size, &o, &im, NULL, NULL))
		img_release(&im);
	fingerprint_decode(data, size, &o.limits, &fp, NULL, NULL);
	o.min_width = o.min_height = 32;
	if (!img_decode_grey_colour(data, size, &o, &grey, &colour, &info, NULL)) {
		img_release(&grey);
		img_release(&colour);
	}
	if (!img_decode_grey_colour_dct(data, size, &o, &grey, &colour, &info, &dct, NULL)) {
		img_release(&grey);
		img_release(&colour);
	}
	return 0;
}
