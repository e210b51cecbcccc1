/* What the quality signals cost beside the decode db scan makes anyway,
 * in CPU time of this process (steadier than wall time on a loaded
 * machine), each stage over every file of the list, ROUNDS rounds with
 * the stages alternating, medians printed in ms:
 *   grey      fingerprint_decode(): the grey-only decode and the
 *             fingerprint (what a scan without signals does);
 *   colour    img_decode_grey_colour() and the fingerprint (the decode a
 *             scan with signals makes);
 *   signals   quality_measure() on those decodes, kept in memory;
 * and the parts of `signals`.
 *   quality_bench LIST ROUNDS
 *   quality_bench --dump LIST    the signals of each file, full precision:
 *                                "path sharpness p5 p99 entropy chroma
 *                                colourfulness skin" (compare two builds)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/files.h"
#include "catalog/scan.h"
#include "hash/hash.h"
#include "quality/quality.h"

enum { ST_GREY, ST_COLOUR, ST_SIGNALS, ST_REDUCE, ST_SHARP, ST_LUMA, ST_CREDUCE, ST_CSTATS,
       ST_COUNT };
static const char *const names[ST_COUNT] = {
	"grey decode + fingerprint", "grey+colour decode + fingerprint", "signals (all)",
	"  reduce grey", "  sharpness", "  luma stats", "  reduce colour", "  colour stats",
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct decoded {
	struct img grey, colour;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int dump(const char *list)
{
	struct img_limits limits = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS };
	char line[4096];
	FILE *f = fopen(list, "r");

	if (!f) {
		perror(list);
		return 3;
	}
	while (fgets(line, sizeof(line), f)) {
		struct fingerprint fp;
		struct quality q;
		struct wn_err err;
		uint8_t *buf;
		size_t len;

		line[strcspn(line, "\n")] = '\0';
		if (read_file_limited(line, limits.max_bytes, &buf, &len, &err))
			continue;
		if (!scan_decode(buf, len, &limits, &fp, &q, NULL, &err))
			printf("%s %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n", line, q.sharpness,
			       q.luma_p5, q.luma_p99, q.entropy, q.chroma, q.colourfulness, q.skin);
		free(buf);
	}
	fclose(f);
	return 0;
}

/* One round of stage s over the n files (decodes d), CPU seconds. */
static double run_stage(int s, const struct bench_file *files, struct decoded *d, size_t n)
{
	struct img_limits limits = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS };
	struct img_decode_opts opts;
	volatile double sink = 0;
	double t0 = cpu_now();

	fingerprint_decode_opts(&limits, &opts);
	for (size_t i = 0; i < n; i++) {
		struct fingerprint fp;
		struct img_info info;
		struct quality q;
		struct wn_err err;
		struct img r = { 0 }, g, c;
		double a, b, e;

		switch (s) {
		case ST_GREY:
			fingerprint_decode(files[i].data, files[i].len, &limits, &fp, NULL, &err);
			break;
		case ST_COLOUR:
			if (!img_decode_grey_colour(files[i].data, files[i].len, &opts, &g, &c,
						    &info, &err)) {
				fingerprint_compute(&g, &info, &fp);
				img_release(&g);
				img_release(&c);
			}
			break;
		case ST_SIGNALS:
			quality_measure(&d[i].grey, &d[i].colour, &q, &err);
			sink += q.sharpness;
			break;
		case ST_REDUCE:
			quality_reduce(&d[i].grey, &r, &err);
			break;
		case ST_SHARP:
			sink += quality_sharpness(&d[i].grey);
			break;
		case ST_LUMA:
			quality_luma_stats(&d[i].grey, &a, &b, &e);
			break;
		case ST_CREDUCE:
			if (d[i].colour.pixels)
				quality_reduce(&d[i].colour, &r, &err);
			break;
		case ST_CSTATS:
			if (d[i].colour.pixels)
				quality_colour_stats(&d[i].colour, &a, &b, &e);
			break;
		}
		img_release(&r);
	}
	(void)sink;
	return cpu_now() - t0;
}

int main(int argc, char **argv)
{
	struct img_limits limits = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS };
	struct img_decode_opts opts;
	struct bench_file *files;
	struct decoded *d;
	double *t;
	size_t n, kept = 0;
	int rounds;

	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump(argv[2]);
	if (argc != 3 || (rounds = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: quality_bench LIST ROUNDS | --dump LIST\n");
		return 2;
	}
	if (bench_read_list(argv[1], &files, &n))
		return 3;
	d = calloc(n, sizeof(*d));
	t = calloc((size_t)rounds * ST_COUNT, sizeof(*t));
	if (!d || !t)
		return 3;
	fingerprint_decode_opts(&limits, &opts);
	for (size_t i = 0; i < n; i++) {
		struct img_info info;
		struct wn_err err;

		if (!img_decode_grey_colour(files[i].data, files[i].len, &opts, &d[kept].grey,
					    &d[kept].colour, &info, &err))
			kept++;
	}
	for (int r = 0; r < rounds; r++)
		for (int s = 0; s < ST_COUNT; s++)
			t[s * rounds + r] = run_stage(s, files, d, s < ST_SIGNALS ? n : kept);
	printf("%zu files (%zu decoded), medians of %d rounds, CPU ms:\n", n, kept, rounds);
	for (int s = 0; s < ST_COUNT; s++) {
		qsort(t + s * rounds, (size_t)rounds, sizeof(*t), cmp_double);
		printf("%-36s %8.2f\n", names[s], 1e3 * t[s * rounds + rounds / 2]);
	}
	for (size_t i = 0; i < kept; i++) {
		img_release(&d[i].grey);
		img_release(&d[i].colour);
	}
	free(d);
	free(t);
	bench_free_files(files, n);
	return 0;
}
