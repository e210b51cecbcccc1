/* The 1/8 JPEG decodes side by side on the files LIST names (one path a
 * line; those of at least 249 px a side, which the fingerprint decodes at
 * 1/8), all read into memory first, ROUNDS rounds: TurboJPEG's grey
 * decode (what the fingerprint needs without the signals), our entropy
 * decoder (jpeg_dc_planes(), with the sampled blocks' AC squares) and
 * libjpeg's raw path with the statistics (jpeg_coef_planes_libjpeg()).
 *   jpeg_dc_bench LIST [ROUNDS]
 * One line a round: "n=N tjgrey T ours O libjpeg-raw L ms/img" (CPU time),
 * then the medians of the ratios ours / tjgrey and libjpeg-raw / tjgrey. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

#include "img/jpeg_coef.h"
#include "img/jpeg_dc.h"

#define MAX_FILES 4000

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void nop(void *data)
{
	(void)data;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static unsigned char *bufs[MAX_FILES];
	static unsigned long lens[MAX_FILES];
	static int ws[MAX_FILES], hs[MAX_FILES];
	static double r_ours[100], r_lib[100];
	char line[4096];
	FILE *f = argc > 1 ? fopen(argv[1], "r") : NULL;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, n = 0;
	tjhandle h = tjInitDecompress();
	unsigned char *out;

	if (!f || !h || rounds < 1 || rounds > 100) {
		fprintf(stderr, "usage: jpeg_dc_bench LIST [ROUNDS (1..100)]\n");
		return 2;
	}
	while (n < MAX_FILES && fgets(line, sizeof(line), f)) {
		FILE *g;
		long len;
		int ss, cs;

		line[strcspn(line, "\n")] = 0;
		if (!(g = fopen(line, "rb")))
			continue;
		fseek(g, 0, SEEK_END);
		len = ftell(g);
		rewind(g);
		bufs[n] = malloc(len > 0 ? (size_t)len : 1);
		lens[n] = len > 0 && fread(bufs[n], 1, (size_t)len, g) == (size_t)len ? (unsigned long)len : 0;
		fclose(g);
		if (!lens[n] || tjDecompressHeader3(h, bufs[n], lens[n], &ws[n], &hs[n], &ss, &cs) ||
		    ws[n] < 249 || hs[n] < 249) {
			free(bufs[n]);
			continue;
		}
		n++;
	}
	fclose(f);
	out = malloc((size_t)4096 * 4096);
	if (!n || !out)
		return 1;
	for (int r = 0; r < rounds; r++) {
		double t0 = cpu_now(), t1, t2, t3;

		for (int i = 0; i < n; i++)
			tjDecompress2(h, bufs[i], lens[i], out, (ws[i] + 7) / 8, 0, (hs[i] + 7) / 8,
				      TJPF_GRAY, 0);
		t1 = cpu_now();
		for (int i = 0; i < n; i++) {
			struct img p[3];
			struct wn_err e;
			float acc[64] = { 0 };
			uint16_t q[64];
			unsigned step;
			int ss;

			if (!jpeg_dc_planes(bufs[i], lens[i], (ws[i] + 7) / 8, (hs[i] + 7) / 8, p, &ss,
					    acc, nop, NULL, &step, q, &e))
				for (int k = 0; k < 3; k++)
					img_release(&p[k]);
		}
		t2 = cpu_now();
		for (int i = 0; i < n; i++) {
			struct img p[3];
			struct img_dct_stats st;
			struct wn_err e;
			int ss;

			if (!jpeg_coef_planes_libjpeg(bufs[i], lens[i], (ws[i] + 7) / 8,
						      (hs[i] + 7) / 8, p, &ss, &st, &e))
				for (int k = 0; k < 3; k++)
					img_release(&p[k]);
		}
		t3 = cpu_now();
		printf("n=%d tjgrey %.3f ours %.3f libjpeg-raw %.3f ms/img\n", n, (t1 - t0) * 1e3 / n,
		       (t2 - t1) * 1e3 / n, (t3 - t2) * 1e3 / n);
		r_ours[r] = (t2 - t1) / (t1 - t0);
		r_lib[r] = (t3 - t2) / (t1 - t0);
	}
	qsort(r_ours, (size_t)rounds, sizeof(double), cmp_double);
	qsort(r_lib, (size_t)rounds, sizeof(double), cmp_double);
	printf("median ratio to tjgrey: ours %.3f, libjpeg-raw %.3f\n", r_ours[rounds / 2],
	       r_lib[rounds / 2]);
	free(out);
	return 0;
}
