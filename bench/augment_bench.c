/* Times winnow's augmentation in memory, one thread: every image of LIST
 * (one path a line) is decoded first, then each sample is planned, warped
 * and given its pixel steps ROUNDS times over; nothing is encoded.
 *   augment_bench PIPELINE LIST ROUNDS
 * Prints "<seconds> <images>" on stdout, like augment_opencv.py --memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/clock.h"
#include "aug/pipe.h"
#include "aug/pixel.h"
#include "aug/plan.h"
#include "hash/filehash.h"
#include "img/image.h"
#include "aug/warp.h"

int main(int argc, char **argv)
{
	struct aug_pipeline p = { 0 };
	struct img_decode_opts o;
	struct img *imgs = NULL;
	uint8_t (*hash)[16] = NULL;
	size_t n = 0, alloc = 0;
	char line[4096];
	struct wn_err err;
	FILE *list;
	int rounds;
	double t0;
	uint8_t fill[4] = { 0, 0, 0, 0 };

	if (argc != 4) {
		fprintf(stderr, "usage: augment_bench PIPELINE LIST ROUNDS\n");
		return 2;
	}
	rounds = atoi(argv[3]);
	if (aug_pipeline_load(argv[1], &p, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	list = fopen(argv[2], "r");
	if (!list) {
		perror(argv[2]);
		return 1;
	}
	img_decode_opts_init(&o);
	o.channels = 3;
	while (fgets(line, sizeof(line), list)) {
		struct filehash h;

		line[strcspn(line, "\n")] = 0;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 256;
			imgs = realloc(imgs, alloc * sizeof(*imgs));
			hash = realloc(hash, alloc * sizeof(*hash));
			if (!imgs || !hash)
				return 1;
		}
		if (img_load_file(line, &o, &imgs[n], NULL, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			continue;
		}
		if (filehash_file(line, &h, &err))
			return 1;
		memcpy(hash[n], h.full, 16);
		n++;
	}
	fclose(list);
	t0 = bench_now();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			struct aug_plan plan;
			struct img dst = { 0 };

			if (aug_plan_make(&p, imgs[i].width, imgs[i].height, 0, hash[i], (uint32_t)r,
					  &plan, &err) ||
			    img_alloc(&dst, plan.width, plan.height, 3, &err))
				return 1;
			if (plan.n_mesh)
				warp_image_map(&imgs[i], &dst, aug_plan_map_row, &plan,
					       (enum warp_fill)p.fill, fill, &err);
			else
				warp_image(&imgs[i], &dst, &plan.dst_to_src, (enum warp_fill)p.fill,
					   fill, &err);
			aug_pixels_apply(&dst, &plan, &p, &err);
			img_release(&dst);
			aug_plan_release(&plan);
		}
	printf("%f %zu\n", bench_now() - t0, n * (size_t)rounds);
	for (size_t i = 0; i < n; i++)
		img_release(&imgs[i]);
	free(imgs);
	free(hash);
	aug_pipeline_release(&p);
	return 0;
}
