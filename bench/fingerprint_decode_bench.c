/* Times the fingerprint's decode of the files LIST names (one path a line,
 * all read into memory first) one way: `plain` is img_decode_grey_colour()
 * (TurboJPEG, a JPEG at the smallest DCT scale keeping 32 px a side),
 * `dct` is img_decode_grey_colour_dct() (the same pixels, a 1/8 JPEG made
 * from its coefficients, with the luma statistics for sharpness), `grey`
 * is img_decode() of grey alone (what the fingerprint needs, without the
 * quality signals' colour and statistics).
 *   fingerprint_decode_bench plain|dct|grey LIST [ROUNDS]
 * Prints "<way> <images> <CPU ms per image> <coefficient images> <MB
 * resident before decoding> <MB peak>": the peak less the first is what
 * one worker's decoding adds. Run each way in its own process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/files.h"
#include "img/image.h"

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Resident MB now (/proc/self/statm) and at the peak (getrusage). */
static double rss_now(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	if (f)
		fclose(f);
	return (double)resident * 4096 / 1e6;
}

static double rss_peak(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss * 1024 / 1e6;
}

int main(int argc, char **argv)
{
	struct img_decode_opts o;
	struct bench_file *files = NULL;
	size_t n = 0, coef = 0;
	int dct, grey_only, rounds = argc == 4 ? atoi(argv[3]) : 1;
	double t0, before;

	if ((argc != 3 && argc != 4) ||
	    (strcmp(argv[1], "plain") && strcmp(argv[1], "dct") && strcmp(argv[1], "grey")) ||
	    rounds < 1) {
		fprintf(stderr, "usage: fingerprint_decode_bench plain|dct|grey LIST [ROUNDS]\n");
		return 2;
	}
	dct = !strcmp(argv[1], "dct");
	grey_only = !strcmp(argv[1], "grey");
	if (bench_read_list(argv[2], &files, &n))
		return 3;
	img_decode_opts_init(&o);
	o.channels = 1;
	o.min_width = o.min_height = 32;
	before = rss_now();
	t0 = cpu_now();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			struct img grey, colour = { 0 };
			struct img_dct_stats st;
			struct wn_err err;
			int ret = grey_only ? img_decode(files[i].data, files[i].len, &o, &grey, NULL,
							 &err)
				  : dct ? img_decode_grey_colour_dct(files[i].data, files[i].len, &o,
								     &grey, &colour, NULL, &st, &err)
				  : img_decode_grey_colour(files[i].data, files[i].len, &o, &grey,
							   &colour, NULL, &err);

			if (ret) {
				fprintf(stderr, "file %zu: %s\n", i, err.msg);
				return 3;
			}
			coef += dct && st.blocks > 0 && r == 0;
			img_release(&grey);
			img_release(&colour);
		}
	printf("%s %zu %.3f %zu %.1f %.1f\n", argv[1], n, (cpu_now() - t0) * 1e3 / (double)n / rounds,
	       coef, before, rss_peak());
	bench_free_files(files, n);
	return 0;
}
