/* Where one resize's time goes, on the files listed in LIST (one path a
 * line), all read into memory first, one thread, thread CPU time (so a
 * loaded machine moves the figures little):
 *   resize_stages_bench LIST ROUNDS HEIGHT
 * Per image, in ms: what `resize --geometry xHEIGHT` does to a file in
 * memory (img_transform_buffer(): decode, resample, encode), the output's
 * fingerprint decode (scan_decode()) and the two XXH3 hashes. Prints one
 * line: "<transform> <scan_decode> <hash> <images>". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/files.h"
#include "catalog/scan.h"
#include "img/geometry.h"
#include "img/transform.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct img_transform t = { .format = IMG_UNKNOWN, .quality = 90,
				   .limits = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS } };
	struct bench_file *files = NULL;
	double tf = 0, sd = 0, hs = 0;
	char geom[32];
	struct wn_err err;
	size_t n = 0;
	int rounds;

	if (argc != 4 || (rounds = atoi(argv[2])) < 1 || atoi(argv[3]) < 1) {
		fprintf(stderr, "usage: resize_stages_bench LIST ROUNDS HEIGHT\n");
		return 2;
	}
	snprintf(geom, sizeof(geom), "x%d", atoi(argv[3]));
	if (geometry_parse(geom, &t.geom, &err) || bench_read_list(argv[1], &files, &n))
		return 3;
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			struct img_info info;
			struct fingerprint fp;
			struct quality q;
			struct filehash h;
			enum img_format f;
			uint8_t *out = NULL;
			size_t olen = 0;
			int w, hh, broken;
			double t0 = cpu_now(), t1, t2;

			if (img_read_info(files[i].data, files[i].len, &t.limits, &info, &err) ||
			    img_transform_buffer(&t, files[i].data, files[i].len, &info, &out, &olen,
						 &w, &hh, &f, &broken, &err)) {
				fprintf(stderr, "file %zu: %s\n", i, err.msg);
				return 3;
			}
			t1 = cpu_now();
			if (scan_decode(out, olen, &t.limits, &fp, &q, NULL, &err)) {
				fprintf(stderr, "file %zu output: %s\n", i, err.msg);
				return 3;
			}
			t2 = cpu_now();
			filehash_buffer(files[i].data, files[i].len, &h);
			filehash_buffer(out, olen, &h);
			hs += cpu_now() - t2;
			tf += t1 - t0;
			sd += t2 - t1;
			if (out != files[i].data)
				free(out);
		}
	printf("%.3f %.3f %.3f %zu\n", 1e3 * tf / (double)(n * (size_t)rounds),
	       1e3 * sd / (double)(n * (size_t)rounds), 1e3 * hs / (double)(n * (size_t)rounds), n);
	bench_free_files(files, n);
	return 0;
}
