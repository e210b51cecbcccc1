/* feat: the features of a real photo (scikit-image's astronaut), crops of
 * it found (off centre, mirrored, either way round, rescaled), and what
 * must not be: a 40% crop, another photo, tiny and flat images; and the
 * check after RANSAC on thumbnails made from a known picture. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "img/img.h"
#include "feat/feat.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

#define SKD "/usr/lib/python3/dist-packages/skimage/data/"

static struct img photo(const char *name)
{
	struct img_decode_opts o;
	struct img im;

	img_decode_opts_init(&o);
	o.channels = 1;
	assert_int_equal(img_load_file(name, &o, &im, NULL, NULL), 0);
	return im;
}

/* The features of the window (x, y, w, h) of im, scaled to sw x sh. */
static void window_feat(const struct img *im, int x, int y, int w, int h, int sw, int sh,
			int mirror, struct feat *out)
{
	struct img view = *im, scaled;

	view.pixels = im->pixels + (size_t)y * im->stride + x;
	view.width = w;
	view.height = h;
	assert_int_equal(img_resample(&view, sw, sh, RESAMPLE_AREA, &scaled, NULL), 0);
	if (mirror)
		assert_int_equal(img_orient(&scaled, 2, NULL), 0);
	assert_int_equal(feat_compute(&scaled, out, NULL), 0);
	img_release(&scaled);
}

UNIT_TEST(test_features_of_a_photo)
{
	struct img im = photo(SKD "astronaut.png");
	struct img tiny = im;
	static const uint8_t grey[4] = { 120, 120, 120, 255 };
	struct img flat = fx_solid(300, 200, 1, grey);
	struct feat f;

	assert_int_equal(feat_compute(&im, &f, NULL), 0);
	assert_int_equal(f.width, FEAT_SIDE);
	assert_int_equal(f.height, FEAT_SIDE);
	assert_true(f.usable);
	assert_true(f.up.n > 200 && f.up.n <= FEAT_MAX);
	assert_true(f.mirror.n > 200 && f.mirror.n <= FEAT_MAX);
	feat_release(&f);
	tiny.width = FEAT_MIN_SIDE - 1;
	tiny.height = 100;
	assert_int_equal(feat_compute(&tiny, &f, NULL), 0);
	assert_false(f.usable);
	assert_int_equal(f.up.n, 0);
	feat_release(&f);
	assert_int_equal(feat_compute(&flat, &f, NULL), 0);
	assert_false(f.usable);
	assert_int_equal(f.width, 300);
	feat_release(&f);
	img_release(&flat);
	img_release(&im);
}

UNIT_TEST(test_crops_found_either_way_round)
{
	struct img im = photo(SKD "astronaut.png");
	struct feat src, off, flipped;
	struct feat_crop cr;

	window_feat(&im, 0, 0, 512, 512, 512, 512, 0, &src);
	/* 70% of each side off centre, shrunk to 300 px */
	window_feat(&im, 150, 20, 358, 358, 300, 300, 0, &off);
	assert_int_equal(feat_match_crop(&off, &src, 0, &cr, NULL), 1);
	assert_int_equal(cr.copy_is_b, 0);
	assert_true(fabs(cr.share_w - 0.7) < 0.03 && fabs(cr.share_h - 0.7) < 0.03);
	assert_true(cr.correlation > 0.95);
	assert_int_equal(feat_match_crop(&src, &off, 0, &cr, NULL), 1);
	assert_int_equal(cr.copy_is_b, 1);
	/* the same window mirrored: found by the mirror's features only */
	window_feat(&im, 150, 20, 358, 358, 400, 400, 1, &flipped);
	assert_int_equal(feat_match_crop(&flipped, &src, 0, &cr, NULL), 0);
	assert_int_equal(feat_match_crop(&flipped, &src, 1, &cr, NULL), 1);
	assert_true(cr.mirrored);
	assert_int_equal(cr.copy_is_b, 0);
	assert_int_equal(feat_match_crop(&src, &flipped, 1, &cr, NULL), 1);
	assert_int_equal(cr.copy_is_b, 1);
	assert_true(fabs(cr.share_w - 0.7) < 0.03);
	feat_release(&src);
	feat_release(&off);
	feat_release(&flipped);
	img_release(&im);
}

UNIT_TEST(test_no_crop_where_there_is_none)
{
	struct img im = photo(SKD "astronaut.png"), other = photo(SKD "coffee.png");
	struct feat src, small, cup;
	struct feat_crop cr;

	window_feat(&im, 0, 0, 512, 512, 512, 512, 0, &src);
	/* 40% of each side: too small a part of the frame */
	window_feat(&im, 200, 100, 205, 205, 300, 300, 0, &small);
	assert_int_equal(feat_match_crop(&small, &src, 0, &cr, NULL), 0);
	assert_int_equal(feat_match_crop(&src, &small, 0, &cr, NULL), 0);
	assert_int_equal(feat_compute(&other, &cup, NULL), 0);
	for (int m = 0; m < 2; m++) {
		assert_int_equal(feat_match_crop(&cup, &src, m, &cr, NULL), 0);
		assert_int_equal(feat_match_crop(&src, &cup, m, &cr, NULL), 0);
	}
	feat_release(&src);
	feat_release(&small);
	feat_release(&cup);
	img_release(&im);
	img_release(&other);
}

/* A smooth picture with detail at every scale the thumbnail sees. */
static double picture(double x, double y)
{
	return 128 + 50 * sin(x / 23.0) * cos(y / 17.0) + 40 * sin((x + 2 * y) / 41.0) +
	       20 * cos(x / 7.0 + y / 11.0);
}

/* A struct feat of w x h whose thumbnail shows picture() through m (from
 * its frame into the picture's), mirrored first when mirrored. */
static void thumb_feat(int w, int h, const double m[6], int mirrored, struct feat *f)
{
	memset(f, 0, sizeof(*f));
	f->width = w;
	f->height = h;
	f->usable = 1;
	for (int v = 0; v < FEAT_THUMB; v++)
		for (int u = 0; u < FEAT_THUMB; u++) {
			double x = (u + 0.5) * w / FEAT_THUMB, y = (v + 0.5) * h / FEAT_THUMB;

			if (mirrored)
				x = w - x;
			f->thumb[v * FEAT_THUMB + u] =
				(uint8_t)lrint(picture(m[0] * x + m[1] * y + m[2],
						       m[3] * x + m[4] * y + m[5]));
		}
}

UNIT_TEST(test_verify_on_thumbnails)
{
	static const double id[6] = { 1, 0, 0, 0, 1, 0 };
	/* a 65% window, at (100, 50), scaled by 0.65 / 0.8 into a 390 x 234 frame */
	const double k = 0.65 * 480 / 390;
	const double m[6] = { k, 0, 100, 0, k, 50 };
	struct feat src, copy, flipped, other;
	struct feat_crop cr;

	thumb_feat(480, 360, id, 0, &src);
	thumb_feat(390, 292, m, 0, &copy);
	assert_int_equal(feat_verify(&copy, &src, 0, m, &cr), 1);
	assert_true(fabs(cr.share_w - 0.65) < 0.01 && fabs(cr.share_h - k * 292 / 360) < 0.01);
	assert_true(cr.inside > 0.999 && cr.correlation > 0.97);
	/* mirrored: the same window, its thumbnail mirrored */
	thumb_feat(390, 292, m, 1, &flipped);
	assert_int_equal(feat_verify(&flipped, &src, 1, m, &cr), 1);
	assert_true(fabs(cr.share_w - 0.65) < 0.01);
	assert_int_equal(feat_verify(&flipped, &src, 0, m, &cr), 0);
	/* the map off by a third of the window: the pictures disagree */
	const double off[6] = { k, 0, 100 + 130, 0, k, 50 };
	assert_int_equal(feat_verify(&copy, &src, 0, off, &cr), 0);
	/* ... and the window half outside the source */
	const double out[6] = { k, 0, 300, 0, k, 50 };
	thumb_feat(390, 292, out, 0, &other);
	assert_int_equal(feat_verify(&other, &src, 0, out, &cr), 0);
	assert_true(cr.inside < 0.7);
	assert_true(cr.correlation > 0.9);   /* where it overlaps, it agrees */
	/* a 40% window: it agrees, but keeps too little of each side */
	const double small[6] = { 0.4 * 480 / 390, 0, 100, 0, 0.4 * 480 / 390, 50 };
	thumb_feat(390, 292, small, 0, &other);
	assert_int_equal(feat_verify(&other, &src, 0, small, &cr), 0);
	assert_true(cr.inside > 0.999 && cr.correlation > 0.97);
	assert_true(cr.share_w < 0.45);
}

UNIT_TEST(test_flat_thumbnail)
{
	uint8_t t[FEAT_THUMB * FEAT_THUMB];

	memset(t, 90, sizeof(t));
	assert_true(feat_thumb_flat(t));
	for (size_t i = 0; i < sizeof(t); i++)
		t[i] = (uint8_t)(90 + (i % 2) * 5);
	assert_true(feat_thumb_flat(t));     /* std 2.5 */
	for (size_t i = 0; i < sizeof(t); i++)
		t[i] = (uint8_t)(90 + (i % 2) * 8);
	assert_false(feat_thumb_flat(t));    /* std 4 */
}

/* ORB keeps every point tied at its cut-off: a checkerboard of 5 px
 * squares gives about a thousand. At most FEAT_MAX are kept (the
 * catalogue refuses more, and the search would skip the image). */
UNIT_TEST(test_at_most_feat_max_points)
{
	struct img im;
	struct feat f;

	assert_int_equal(img_alloc(&im, 480, 360, 1, NULL), 0);
	for (int y = 0; y < im.height; y++)
		for (int x = 0; x < im.width; x++)
			im.pixels[(size_t)y * im.stride + (size_t)x] =
				(uint8_t)(((x / 5) + (y / 5)) % 2 ? 230 : 20);
	assert_int_equal(feat_compute(&im, &f, NULL), 0);
	assert_true(f.usable);
	if (f.up.n != FEAT_MAX || f.mirror.n != FEAT_MAX)
		fail_msg("%d and %d points, want %d each", f.up.n, f.mirror.n, FEAT_MAX);
	feat_release(&f);
	img_release(&im);
}
