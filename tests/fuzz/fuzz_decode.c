/* libFuzzer target: any bytes through every decoder path (header only,
 * full size in each channel layout, shrink-on-load, the grey and colour
 * decode of a scan by pixels and by DCT coefficients) and the
 * fingerprint.
 * Build and run with `make fuzz` (clang); `make check` runs it for 30 s. */
#include <stddef.h>
#include <stdint.h>

#include "hash/dhash.h"
#include "img/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_decode_opts o;
	struct img_info info;
	struct fingerprint fp;
	struct img im, grey, colour;
	struct img_dct_stats dct;

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
