/* Drawing and composing a sample's geometry: deterministic, probabilities
 * as written, and each operation landing where its definition says. */
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include "aug/plan.h"
#include "tests/unit/unit.h"

static const uint8_t hash[16] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6 };

static void pipe(const char *text, struct aug_pipeline *p)
{
	struct wn_err err = { 0 };

	if (aug_pipeline_parse(text, strlen(text), "t", p, &err))
		fail_msg("%s", err.msg);
}

static void plan(const struct aug_pipeline *p, int w, int h, uint64_t seed, uint32_t sample,
		 struct aug_plan *out)
{
	struct wn_err err = { 0 };

	if (aug_plan_make(p, w, h, seed, hash, sample, out, &err))
		fail_msg("%s", err.msg);
}

static void maps(const struct aug_plan *pl, double x, double y, double wx, double wy)
{
	double sx = 0, sy = 0;

	assert_int_equal(mat3_apply(&pl->dst_to_src, x, y, &sx, &sy), 0);
	if (fabs(sx - wx) > 1e-9 || fabs(sy - wy) > 1e-9)
		fail_msg("(%g, %g) -> (%g, %g), wanted (%g, %g)", x, y, sx, sy, wx, wy);
}

UNIT_TEST(test_deterministic)
{
	struct aug_pipeline p;
	int differ = 0;

	assert_int_equal(aug_pipeline_load(SRCDIR "/examples/augmentor-seed003.pipeline", &p, NULL), 0);
	for (uint32_t k = 0; k < 50; k++) {
		struct aug_plan a, b, c;

		plan(&p, 320, 240, 1, k, &a);
		plan(&p, 320, 240, 1, k, &b);
		plan(&p, 320, 240, 2, k, &c);
		assert_int_equal(a.n, b.n);
		assert_memory_equal(&a.dst_to_src, &b.dst_to_src, sizeof(a.dst_to_src));
		assert_memory_equal(a.applied, b.applied, a.n * sizeof(*a.applied));
		differ += a.n != c.n || memcmp(&a.dst_to_src, &c.dst_to_src, sizeof(a.dst_to_src));
		aug_plan_release(&a);
		aug_plan_release(&b);
		aug_plan_release(&c);
	}
	assert_true(differ > 40);
	aug_pipeline_release(&p);

	/* Keras settings always apply; horizontal_flip half the time */
	assert_int_equal(aug_pipeline_load(SRCDIR "/examples/keras-seed002.pipeline", &p, NULL), 0);
	differ = 0;
	for (uint32_t k = 0; k < 200; k++) {
		struct aug_plan a;

		plan(&p, 320, 240, 1, k, &a);
		/* rotation, two shifts, shear, zoom, channel shift; the flip half the time */
		assert_true(a.n == 6 || a.n == 7);
		differ += a.n == 7;
		aug_plan_release(&a);
	}
	assert_true(differ > 70 && differ < 130);
	aug_pipeline_release(&p);
}

UNIT_TEST(test_probabilities_as_written)
{
	struct aug_pipeline p;
	int fired[3] = { 0, 0, 0 };
	const int n = 4000;

	pipe("flip_left_right probability=0\nflip_top_bottom probability=0.33\n"
	     "rotate180 probability=0.05\n", &p);
	for (uint32_t k = 0; k < (uint32_t)n; k++) {
		struct aug_plan a;

		plan(&p, 10, 10, 7, k, &a);
		for (size_t i = 0; i < a.n; i++)
			fired[a.applied[i].step]++;
		aug_plan_release(&a);
	}
	assert_int_equal(fired[0], 0);
	/* binomial sd: 30 and 14; 0.05 is not rounded to 0 or 0.1 */
	assert_true(fired[1] > 1320 - 150 && fired[1] < 1320 + 150);
	assert_true(fired[2] > 200 - 70 && fired[2] < 200 + 70);
	aug_pipeline_release(&p);
}

/* One geometric step on a 40 x 30 source (seed 1, sample 0): the output
 * frame, and an output point with the source point it comes from. */
static const struct geometry_case {
	const char *text;
	int width, height;
	double x, y, wx, wy;
} geometry[] = {
	{ "flip_left_right\n", 40, 30, 0.5, 3.5, 39.5, 3.5 },
	/* a quarter turn counter-clockwise: the top-right corner comes to
	 * the top left, and the frame turns */
	{ "rotate90\n", 30, 40, 0, 0, 40, 0 },
	{ "rotate90\n", 30, 40, 30, 40, 0, 30 },
	{ "crop_centre percentage_area=0.5\n", 20, 15, 0, 0, 10, 7 },
	{ "zoom min_factor=2 max_factor=2\n", 40, 30, 0, 0, 10, 7.5 },
	/* Keras zoom above 1 shows more of the image */
	{ "zoom_range=[2, 2]\n", 40, 30, 0, 0, -20, -15 },
};

UNIT_TEST(test_geometry_lands_where_defined)
{
	for (size_t i = 0; i < sizeof(geometry) / sizeof(geometry[0]); i++) {
		const struct geometry_case *g = &geometry[i];
		struct aug_pipeline p;
		struct aug_plan a;

		pipe(g->text, &p);
		plan(&p, 40, 30, 1, 0, &a);
		assert_true(a.geometric);
		assert_int_equal(a.width, g->width);
		assert_int_equal(a.height, g->height);
		maps(&a, g->x, g->y, g->wx, g->wy);
		/* the zoom drawn is the one asked for */
		if (strncmp(g->text, "zoom ", 5) == 0) {
			assert_int_equal(a.n, 1);
			assert_true(a.applied[0].v[0] == 2);
		}
		aug_plan_release(&a);
		aug_pipeline_release(&p);
	}
}

UNIT_TEST(test_rotate_needs_no_fill)
{
	struct aug_pipeline p;

	pipe("rotate max_left_rotation=25 max_right_rotation=25\n", &p);
	for (uint32_t k = 0; k < 200; k++) {
		struct aug_plan a;
		const double corners[8] = { 0, 0, 64, 0, 64, 48, 0, 48 };

		plan(&p, 64, 48, 3, k, &a);
		assert_true(fabs(a.applied[0].v[0]) <= 25);
		for (int c = 0; c < 4; c++) {
			double sx = 0, sy = 0;

			mat3_apply(&a.dst_to_src, corners[2 * c], corners[2 * c + 1], &sx, &sy);
			assert_true(sx > -1e-9 && sx < 64 + 1e-9 && sy > -1e-9 && sy < 48 + 1e-9);
		}
		aug_plan_release(&a);
	}
	aug_pipeline_release(&p);

	/* Right-only draws turn counter-clockwise, as PIL's rotate(): what
	 * shows at the right edge's middle came from below the middle. */
	pipe("rotate max_left_rotation=0 max_right_rotation=25\n", &p);
	for (uint32_t k = 0; k < 20; k++) {
		struct aug_plan a;
		double sx = 0, sy = 0;

		plan(&p, 64, 48, 3, k, &a);
		mat3_apply(&a.dst_to_src, 64, 24, &sx, &sy);
		assert_true(a.applied[0].v[0] >= 0);
		assert_true(a.applied[0].v[0] == 0 || sy > 24);
		aug_plan_release(&a);
	}
	aug_pipeline_release(&p);
}

UNIT_TEST(test_pixel_values_drawn)
{
	struct aug_pipeline p;
	double seeds[2] = { 0, 0 };

	pipe("random_brightness min_factor=0.5 max_factor=3\nchannel_shift_range=20\n"
	     "random_erasing rectangle_area=0.5\nhue_shift degrees=30\n"
	     "jpeg_quality quality=[40, 90]\ngaussian_noise sigma=[1, 4]\n"
	     "crop_centre percentage_area=0.5\n", &p);
	for (uint32_t k = 0; k < 300; k++) {
		struct aug_plan a;
		const struct aug_applied *e;

		plan(&p, 40, 30, 5, k, &a);
		assert_int_equal(a.n, 7);
		assert_true(a.applied[0].n == 1 && a.applied[0].v[0] >= 0.5 && a.applied[0].v[0] < 3);
		assert_true(fabs(a.applied[1].v[0]) <= 20);
		/* the rectangle lies in the output (20 x 15), sides 10% to 50% */
		e = &a.applied[2];
		assert_int_equal(e->n, 5);
		assert_true(e->v[2] >= 2 && e->v[2] <= 10 && e->v[3] >= 1 && e->v[3] <= 7);
		assert_true(e->v[0] >= 0 && e->v[0] + e->v[2] <= 20);
		assert_true(e->v[1] >= 0 && e->v[1] + e->v[3] <= 15);
		assert_true(fabs(a.applied[3].v[0]) <= 30);
		assert_true(a.applied[4].v[0] >= 40 && a.applied[4].v[0] <= 90 &&
			    a.applied[4].v[0] == floor(a.applied[4].v[0]));
		assert_true(a.applied[5].v[0] >= 1 && a.applied[5].v[0] < 4);
		seeds[k % 2] = a.applied[5].v[1];
		aug_plan_release(&a);
	}
	assert_true(seeds[0] != seeds[1]);
	aug_pipeline_release(&p);
}

/* pca_lighting draws three alphas from N(0, alpha_std^2): default 0.1. */
UNIT_TEST(test_pca_lighting_drawn)
{
	struct aug_pipeline p;
	double sum2[2] = { 0, 0 };

	pipe("pca_lighting\npca_lighting probability=1 alpha_std=2\n", &p);
	for (uint32_t k = 0; k < 400; k++) {
		struct aug_plan a;

		plan(&p, 40, 30, 5, k, &a);
		assert_int_equal(a.n, 2);
		for (int s = 0; s < 2; s++) {
			assert_int_equal(a.applied[s].n, 3);
			for (int i = 0; i < 3; i++)
				sum2[s] += a.applied[s].v[i] * a.applied[s].v[i];
		}
		aug_plan_release(&a);
	}
	/* sample standard deviations within 10% of 0.1 and 2 */
	assert_true(fabs(sqrt(sum2[0] / 1200) - 0.1) < 0.01);
	assert_true(fabs(sqrt(sum2[1] / 1200) - 2) < 0.2);
	aug_pipeline_release(&p);
}

static void maps_through(const struct aug_plan *pl, double x, double y, double wx, double wy,
			 double tol)
{
	double sx = 0, sy = 0;

	assert_int_equal(aug_plan_map(pl, x, y, &sx, &sy), 0);
	if (fabs(sx - wx) > tol || fabs(sy - wy) > tol)
		fail_msg("(%g, %g) -> (%g, %g), wanted (%g, %g)", x, y, sx, sy, wx, wy);
}

/* random_distortion: Augmentor's lattice, border fixed, each interior
 * vertex moved by whole pixels up to the magnitude, bilinear between. */
UNIT_TEST(test_random_distortion_mesh)
{
	struct aug_pipeline p = { 0 };
	int moved = 0;

	pipe("random_distortion probability=1 grid_width=4 grid_height=3 magnitude=8\n", &p);
	for (uint32_t k = 0; k < 20; k++) {
		struct aug_plan pl;
		const struct aug_mesh *m;

		plan(&p, 101, 60, 7, k, &pl);
		assert_int_equal(pl.n_mesh, 1);
		assert_true(pl.geometric);
		assert_int_equal(pl.width, 101);
		assert_int_equal(pl.height, 60);
		m = &pl.mesh[0];
		assert_int_equal(m->cols, 4);
		assert_int_equal(m->rows, 3);
		assert_true(m->tile_w == 25 && m->tile_h == 20);  /* floor(w / cols) */
		/* corners and edges stay put */
		maps_through(&pl, 0, 0, 0, 0, 1e-9);
		maps_through(&pl, 101, 60, 101, 60, 1e-9);
		maps_through(&pl, 50, 0, 50, 0, 1e-9);
		maps_through(&pl, 0, 33, 0, 33, 1e-9);
		for (int j = 1; j < 3; j++)
			for (int i = 1; i < 4; i++) {
				const double *d = m->d + 2 * (j * 5 + i);

				assert_true(fabs(d[0]) <= 8 && d[0] == floor(d[0]));
				assert_true(fabs(d[1]) <= 8 && d[1] == floor(d[1]));
				moved += d[0] != 0 || d[1] != 0;
				/* a vertex samples itself plus its displacement */
				maps_through(&pl, i * 25, j * 20, i * 25 + d[0], j * 20 + d[1], 1e-9);
			}
		{
			/* halfway between two vertices: the mean displacement */
			const double *a = m->d + 2 * (1 * 5 + 1), *b = m->d + 2 * (1 * 5 + 2);

			maps_through(&pl, 37.5, 20, 37.5 + (a[0] + b[0]) / 2, 20 + (a[1] + b[1]) / 2,
				     1e-9);
		}
		aug_plan_release(&pl);
	}
	assert_true(moved > 100);
	aug_pipeline_release(&p);
}

/* A mesh between matrices: each side is composed in its own frame. */
UNIT_TEST(test_mesh_between_matrices)
{
	struct aug_pipeline p = { 0 };
	struct aug_plan pl;

	pipe("rotate90 probability=1\n"
	     "gaussian_distortion probability=1 grid_width=4 grid_height=4 magnitude=5 corner=bell method=in\n"
	     "flip_left_right probability=1\n", &p);
	plan(&p, 80, 40, 3, 0, &pl);
	assert_int_equal(pl.n_mesh, 1);
	assert_int_equal(pl.width, 40);
	assert_int_equal(pl.height, 80);
	/* Output corners sit on the mesh border, so only the matrices act:
	 * flipped, then turned back a quarter clockwise. */
	maps_through(&pl, 0, 0, 80, 40, 1e-9);
	maps_through(&pl, 40, 0, 80, 0, 1e-9);
	maps_through(&pl, 0, 80, 0, 40, 1e-9);
	/* The centre vertex moves most under a centred bell; finite always. */
	{
		const struct aug_mesh *m = &pl.mesh[0];

		for (int v = 0; v < 25 * 2; v++)
			assert_true(isfinite(m->d[v]));
		assert_true(m->d[2 * (2 * 5 + 2)] != 0);
	}
	aug_plan_release(&pl);
	aug_pipeline_release(&p);
}

/* Rows mapped a row at a time against aug_plan_map() at every pixel
 * centre, at full and at half resolution: exact for one mesh after an
 * affine map and before an affine or projective one (the row is cut at
 * tile lines, each stretch a quadratic over a line squared); where knots
 * every 4 pixels stand in (two meshes), within 0.15 px: lines only
 * between knots that went through the same tiles. */
static void check_rows(const struct aug_plan *pl, double tol)
{
	double sx[400], sy[400];
	struct warp_piece pc[400];

	for (int s = 1; s <= 2; s++) {
		int w = (pl->width + s - 1) / s, h = (pl->height + s - 1) / s;

		for (int y = 0; y < h; y++) {
			int np = (s == 1 ? aug_plan_map_row : aug_plan_map_row_half)((void *)pl, y, w, pc);
			int next = 0;

			/* the pieces cover the row in order, each as warp.h says */
			assert_true(np >= 1 && np <= w);
			for (int i = 0; i < np; i++) {
				assert_int_equal(pc[i].x0, next);
				assert_true(pc[i].x1 > pc[i].x0);
				for (int x = pc[i].x0; x < pc[i].x1; x++) {
					double t = x - pc[i].x0;

					double d = pc[i].w[0] + t * pc[i].w[1];

					sx[x] = (pc[i].sx[0] + t * (pc[i].sx[1] + t * pc[i].sx[2])) / (d * d);
					sy[x] = (pc[i].sy[0] + t * (pc[i].sy[1] + t * pc[i].sy[2])) / (d * d);
				}
				next = pc[i].x1;
			}
			assert_int_equal(next, w);
			for (int x = 0; x < w; x++) {
				double ex, ey;

				assert_int_equal(aug_plan_map(pl, s * (x + 0.5), s * (y + 0.5), &ex, &ey), 0);
				if (!(fabs(sx[x] - ex / s) <= tol && fabs(sy[x] - ey / s) <= tol))
					fail_msg("n_mesh=%zu s=%d x=%d y=%d: %.9f,%.9f against %.9f,%.9f", pl->n_mesh, s, x, y,
						 sx[x], sy[x], ex / s, ey / s);
			}
		}
	}
}

UNIT_TEST(test_mesh_rows)
{
	static const char *const pipes[] = {
		"random_distortion probability=1 grid_width=4 grid_height=4 magnitude=8\n",
		"rotate probability=1 max_left_rotation=25 max_right_rotation=25\n"
		"flip_left_right probability=0.5\nzoom probability=1 min_factor=1.1 max_factor=1.5\n"
		"random_distortion probability=1 grid_width=5 grid_height=3 magnitude=8\n"
		"rotation_range=20,\n",
		"rotate90 probability=1\n"
		"gaussian_distortion probability=1 grid_width=7 grid_height=4 magnitude=5 corner=bell method=in\n"
		"shear probability=1 max_shear_left=15 max_shear_right=15\n",
		"random_distortion probability=1 grid_width=4 grid_height=4 magnitude=8\n"
		"skew probability=1 magnitude=0.3\n",
		"zoom probability=1 min_factor=1.1 max_factor=1.5\n"
		"random_distortion probability=1 grid_width=6 grid_height=5 magnitude=8\n"
		"skew_corner probability=1 magnitude=1\n",
		"random_distortion probability=1 grid_width=3 grid_height=3 magnitude=6\n"
		"rotate probability=1 max_left_rotation=10 max_right_rotation=10\n"
		"random_distortion probability=1 grid_width=4 grid_height=2 magnitude=6\n",
	};

	for (size_t i = 0; i < sizeof(pipes) / sizeof(pipes[0]); i++) {
		struct aug_pipeline p = { 0 };

		pipe(pipes[i], &p);
		for (uint32_t k = 0; k < 6; k++) {
			struct aug_plan pl;

			plan(&p, 161 + 40 * (int)k, 121, 9, k, &pl);
			assert_true(pl.n_mesh >= 1);
			check_rows(&pl, i < 5 ? 1e-6 : 0.15);
			aug_plan_release(&pl);
		}
		aug_pipeline_release(&p);
	}
}

UNIT_TEST(test_too_small)
{
	struct aug_pipeline p;
	struct aug_plan a;
	struct wn_err err = { 0 };

	pipe("crop_centre percentage_area=0.1\n", &p);
	assert_int_equal(aug_plan_make(&p, 5, 5, 1, hash, 0, &a, &err), -1);
	assert_non_null(strstr(err.msg, "below one pixel"));
	assert_null(a.applied);
	aug_pipeline_release(&p);
}
