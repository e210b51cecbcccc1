/* Class activation maps' parts on data whose answers are known: the head
 * kept in a catalog and read back folded gives the head's own
 * probabilities, and the pictures put the map's high end where it is. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "learn/cam.h"
#include "learn/softreg.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

/* A head fitted on n random rows of dim features (means far from 0 and
 * scales far from 1, so that the folding matters), kept as "m". */
static void keep_head(struct catalog *cat, float *x, int n, int dim, int k, struct softreg *r)
{
	static const char classes[] = "[\"a\",\"b\",\"c\"]";
	int y[64];
	uint64_t s = 7;
	struct head_row h;
	struct wn_err err;

	for (int i = 0; i < n; i++) {
		y[i] = i % k;
		for (int j = 0; j < dim; j++)
			x[i * dim + j] = (float)(fx_rand(&s) % 1000) / 100.0f * (float)(j + 1) + 50.0f +
					 (j % k == y[i] ? 5.0f : 0.0f);
	}
	if (softreg_fit(x, y, NULL, (size_t)n, dim, k, 0.01, 300, r, &err))
		fail_msg("fit: %s", err.msg);
	h = (struct head_row){ "m", "default", classes, dim, r->mean, r->scale, r->w, r->b, k,
			       5, 0.01, n, 1.0, 0, { 0 } };
	if (heads_set(cat, &h, &err))
		fail_msg("heads_set: %s", err.msg);
}

UNIT_TEST(test_folded_head_gives_the_heads_probabilities)
{
	enum { N = 60, D = 6, K = 3 };
	float x[N * D], p[N * K];
	struct softreg r = { 0 };
	struct cam_head h = { 0 };
	struct catalog *cat = NULL;
	struct wn_err err;
	char path[256];

	snprintf(path, sizeof(path), "%s/winnow.db", fx_dir);
	if (catalog_open(path, CATALOG_CREATE, &cat, &err))
		fail_msg("open: %s", err.msg);
	keep_head(cat, x, N, D, K, &r);
	assert_int_equal(cam_head_load(cat, "nosuch", &h, &err), 0);
	assert_int_equal(cam_head_load(cat, "m", &h, &err), 1);
	assert_int_equal(h.dim, D);
	assert_int_equal(h.k, K);
	assert_string_equal(h.classes[2], "c");
	assert_string_equal(h.prep, "default");
	assert_int_equal(cam_head_class(&h, "b"), 1);
	assert_int_equal(cam_head_class(&h, "z"), -1);
	assert_int_equal(softreg_predict(&r, x, NULL, N, p, NULL), 0);
	for (int i = 0; i < N; i++) {
		double z[K], mx = -INFINITY, sum = 0;

		for (int j = 0; j < K; j++) {
			z[j] = h.b[j];
			for (int c = 0; c < D; c++)
				z[j] += (double)x[i * D + c] * h.w[c * K + j];
			mx = z[j] > mx ? z[j] : mx;
		}
		for (int j = 0; j < K; j++)
			sum += exp(z[j] - mx);
		for (int j = 0; j < K; j++)
			assert_true(fabs(exp(z[j] - mx) / sum - p[i * K + j]) < 1e-5);
	}
	cam_head_release(&h);
	softreg_free(&r);
	catalog_close(cat);
}

UNIT_TEST(test_overlay_puts_red_where_the_map_is_high)
{
	static const uint8_t grey[4] = { 100, 100, 100, 255 };
	struct img im = fx_solid(40, 20, 3, grey);
	float map[2 * 4] = { 0, 0, 0, 9, 0, 0, 0, 0 };  /* 2 rows of 4: high at top right */
	const uint8_t *tr = im.pixels + 39 * 3, *bl = im.pixels + 19 * im.stride;

	cam_overlay(&im, map, 2, 4, 0.5f);
	/* half and half over grey: top right jet's top, dark red (0.5, 0, 0);
	 * bottom left its bottom, dark blue (0, 0, 0.5) */
	assert_int_equal(tr[0], 114);
	assert_int_equal(tr[1], 50);
	assert_int_equal(tr[2], 50);
	assert_int_equal(bl[0], 50);
	assert_int_equal(bl[1], 50);
	assert_int_equal(bl[2], 114);
	img_release(&im);
}

UNIT_TEST(test_grid_tiles_each_channel_between_its_own_ends)
{
	/* 3 channels of 2x2: a ramp, a constant, a single high cell */
	float acts[2 * 2 * 3] = { 0, 5, 0, 1, 5, 0, 2, 5, 0, 3, 5, 7 };
	struct img g = { 0 };
	struct wn_err err;

	assert_int_equal(cam_grid(acts, 2, 2, 3, &g, &err), 0);
	/* 2 tiles a row (ceil sqrt 3), 2 rows; 2x2 cells at 16 pixels, a pixel apart */
	assert_int_equal(g.width, 2 * 33 - 1);
	assert_int_equal(g.height, 2 * 33 - 1);
	assert_int_equal(g.pixels[0], 0);                                   /* ramp's low */
	assert_int_equal(g.pixels[(size_t)31 * g.stride + 31 * 3], 255);    /* its high */
	assert_int_equal(g.pixels[(size_t)10 * g.stride + 33 * 3], 0);      /* flat: black */
	assert_int_equal(g.pixels[32 * 3], 128);                            /* the gap */
	assert_int_equal(g.pixels[(size_t)(33 + 20) * g.stride + 20 * 3], 255); /* the high cell */
	assert_int_equal(g.pixels[(size_t)33 * g.stride], 0);
	img_release(&g);
}

UNIT_GROUP(fx_dir_setup, fx_dir_teardown)
