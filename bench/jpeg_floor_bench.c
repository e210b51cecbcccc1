/* The JPEG work under every augment sample, on the files listed in LIST
 * (one path a line), all read into memory first:
 *   jpeg_floor_bench LIST ROUNDS
 * Times winnow's decode to 4:2:0 planes (img_jpeg_decode_yuv420) and its
 * encode from them at quality 90 (img_jpeg_encode_yuv420), what augment
 * does around its operations, and for comparison TurboJPEG's lossless
 * top-bottom flip of the same files (tjTransform, perfect only: the
 * entropy coding without the DCTs). Prints one line:
 *   "<decode ms> <encode ms> <transform ms> <images>", ms an image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

#include "bench/clock.h"
#include "bench/files.h"
#include "img/image.h"

int main(int argc, char **argv)
{
	struct img_limits limits = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS };
	struct bench_file *files = NULL;
	size_t n = 0, nt = 0;
	double dec = 0, enc = 0, xf = 0;
	tjhandle tj;
	int rounds;

	if (argc != 3 || (rounds = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: jpeg_floor_bench LIST ROUNDS\n");
		return 2;
	}
	if (bench_read_list(argv[1], &files, &n))
		return 3;
	tj = tjInitTransform();
	if (!tj)
		return 3;
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			struct img planes[3];
			struct wn_err err;
			tjtransform t = { .op = TJXOP_VFLIP, .options = TJXOPT_PERFECT };
			unsigned char *flipped = NULL;
			unsigned long flen = 0;
			uint8_t *out;
			size_t olen;
			double t0 = bench_now(), t1, t2, t3;

			if (img_jpeg_decode_yuv420(files[i].data, files[i].len, &limits, planes, &err)) {
				fprintf(stderr, "file %zu: not a 4:2:0 JPEG\n", i);
				return 3;
			}
			t1 = bench_now();
			if (img_jpeg_encode_yuv420(planes, 90, &out, &olen, &err)) {
				fprintf(stderr, "file %zu: %s\n", i, err.msg);
				return 3;
			}
			t2 = bench_now();
			if (!tjTransform(tj, files[i].data, files[i].len, 1, &flipped, &flen, &t, 0)) {
				t3 = bench_now();
				xf += t3 - t2;
				nt++;
			}
			dec += t1 - t0;
			enc += t2 - t1;
			tjFree(flipped);
			free(out);
			for (int p = 0; p < 3; p++)
				img_release(&planes[p]);
		}
	printf("%.3f %.3f %.3f %zu\n", 1e3 * dec / (double)(n * (size_t)rounds),
	       1e3 * enc / (double)(n * (size_t)rounds), nt ? 1e3 * xf / (double)nt : 0.0, n);
	tjDestroy(tj);
	bench_free_files(files, n);
	return 0;
}
