/* Times image-row writes into a fresh catalog through images_upsert(), in
 * transactions of 50,000 as db scan batches them.
 *   catalog_bench ROWS DB
 * Prints "<rows/s> <rows> <seconds>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/clock.h"
#include "catalog/db.h"
#include "catalog/images.h"

int main(int argc, char **argv)
{
	static const char *const classes[] = { "drawings", "hentai", "neutral", "porn", "sexy" };
	struct catalog *cat;
	struct wn_err err;
	struct image_row r;
	char path[64];
	long rows;
	uint64_t s = 1;
	double t0, t1;

	if (argc != 3 || (rows = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: catalog_bench ROWS DB\n");
		return 2;
	}
	unlink(argv[2]);
	if (catalog_open(argv[2], CATALOG_CREATE, &cat, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 3;
	}
	memset(&r, 0, sizeof(r));
	r.path = path;
	r.has_xxh3 = r.has_fingerprint = 1;
	r.format = "jpeg";
	t0 = bench_now();
	for (long i = 0; i < rows; i++) {
		if (i % 50000 == 0 && (i ? catalog_commit(cat, &err) : 0) + catalog_begin(cat, &err))
			goto fail;
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		snprintf(path, sizeof(path), "train/%s/%016llx.jpg", classes[i % 5],
			 (unsigned long long)s);
		r.class_name = classes[i % 5];
		r.size = (int64_t)(s >> 44);
		r.mtime_ns = (int64_t)(s >> 2);
		memcpy(r.xxh3, &s, 8);
		memcpy(r.head_xxh3, &s, 8);
		r.dhash = s;
		memset(r.thumb, (int)(s & 0xff), THUMB_BYTES);
		r.width = 320;
		r.height = 240;
		if (images_upsert(cat, &r, NULL, &err))
			goto fail;
	}
	if (catalog_commit(cat, &err))
		goto fail;
	t1 = bench_now();
	printf("%.0f %ld %.3f\n", (double)rows / (t1 - t0), rows, t1 - t0);
	catalog_close(cat);
	return 0;
fail:
	fprintf(stderr, "%s\n", err.msg);
	catalog_close(cat);
	return 3;
}
