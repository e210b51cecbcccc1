/* Times winnow's JPEG decoding of the files listed in LIST (one path a
 * line), all read into memory first so only decoding is timed.
 *   decode_bench [--scale 8] LIST
 * --scale 8 asks for the smallest DCT scaling (1/8); the default decodes
 * full size. Prints "<images/s> <images> <seconds>" on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/clock.h"
#include "bench/files.h"
#include "img/image.h"

int main(int argc, char **argv)
{
	struct img_decode_opts o;
	struct bench_file *files = NULL;
	size_t n = 0;
	double t0, t1;
	int scale8 = 0;

	if (argc == 4 && !strcmp(argv[1], "--scale") && !strcmp(argv[2], "8"))
		scale8 = 1;
	else if (argc != 2) {
		fprintf(stderr, "usage: decode_bench [--scale 8] LIST\n");
		return 2;
	}
	if (bench_read_list(argv[argc - 1], &files, &n))
		return 3;
	img_decode_opts_init(&o);
	if (scale8)
		o.min_width = o.min_height = 1;
	t0 = bench_now();
	for (size_t i = 0; i < n; i++) {
		struct img im;
		struct wn_err err;

		if (img_decode(files[i].data, files[i].len, &o, &im, NULL, &err)) {
			fprintf(stderr, "file %zu: %s\n", i, err.msg);
			return 3;
		}
		img_release(&im);
	}
	t1 = bench_now();
	printf("%.1f %zu %.3f\n", (double)n / (t1 - t0), n, t1 - t0);
	bench_free_files(files, n);
	return 0;
}
