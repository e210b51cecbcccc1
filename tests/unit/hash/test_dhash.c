/* dHash-64 and the 16x16 thumbnail against vectors from the independent
 * reference in tests/ref/dhash_ref.py. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hash/dhash.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

/* The same synthetic image as test_image() in the reference. */
static struct img ref_image(int w, int h)
{
	struct img im;

	assert_int_equal(img_alloc(&im, w, h, 3, NULL), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *p = im.pixels + (size_t)y * im.stride + (size_t)x * 3;

			p[0] = (uint8_t)((x * x * 3 + y * 11) % 256);
			p[1] = (uint8_t)((x * 13 + y * y) % 256);
			p[2] = (uint8_t)((x * y * 7) % 256);
		}
	return im;
}

static const struct {
	int w, h;
	uint64_t dhash;
	uint8_t thumb8[8];
	unsigned thumb_sum;
} vectors[] = {
	{ 37, 23, 0xf7e7efde99734e31ull, { 8, 33, 68, 114, 116, 146, 149, 160 }, 32323 },
	{ 9, 8, 0xfffffffffffefcfaull, { 0, 2, 9, 13, 19, 27, 31, 43 }, 20286 },
	{ 200, 120, 0xb4a65bb4a65987b2ull, { 94, 126, 142, 110, 136, 129, 116, 144 }, 32549 },
	{ 5, 3, 0xffffffffffffffffull, { 0, 0, 0, 7, 9, 9, 15, 19 }, 6799 },
};

UNIT_TEST(test_vectors)
{
	static const uint8_t white[3] = { 255, 255, 255 };

	for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
		struct img im = ref_image(vectors[v].w, vectors[v].h);
		uint8_t thumb[THUMB_BYTES];
		unsigned sum = 0;

		assert_int_equal(img_convert(&im, 1, white, NULL), 0);
		assert_int_equal(dhash_compute(&im), vectors[v].dhash);
		thumb_compute(&im, thumb);
		assert_memory_equal(thumb, vectors[v].thumb8, 8);
		for (int i = 0; i < THUMB_BYTES; i++)
			sum += thumb[i];
		assert_int_equal(sum, vectors[v].thumb_sum);
		img_release(&im);
	}
}

/* Through a lossless file, fingerprint_decode() gives the same values. */
UNIT_TEST(test_fingerprint_from_png)
{
	struct img im = ref_image(200, 120);
	struct fx_buf b = fx_png(&im, 8, 0);
	struct img_limits lim = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS };
	struct fingerprint fp;
	struct img_info info;

	assert_int_equal(fingerprint_decode(b.data, b.len, &lim, &fp, &info, NULL), 0);
	assert_int_equal(fp.dhash, vectors[2].dhash);
	assert_memory_equal(fp.thumb, vectors[2].thumb8, 8);
	assert_int_equal(info.width, 200);
	fx_buf_free(&b);
	img_release(&im);
}

UNIT_TEST(test_ramps_and_flat)
{
	static const uint8_t grey[4] = { 77, 77, 77, 255 };
	struct img up, down, flat = fx_solid(50, 40, 1, grey);
	uint8_t thumb[THUMB_BYTES];

	assert_int_equal(img_alloc(&up, 90, 40, 1, NULL), 0);
	assert_int_equal(img_alloc(&down, 90, 40, 1, NULL), 0);
	for (int y = 0; y < 40; y++)
		for (int x = 0; x < 90; x++) {
			up.pixels[y * 90 + x] = (uint8_t)(x * 2);
			down.pixels[y * 90 + x] = (uint8_t)(255 - x * 2);
		}
	assert_int_equal(dhash_compute(&up), 0xffffffffffffffffull);
	assert_int_equal(dhash_compute(&down), 0);
	assert_int_equal(dhash_compute(&flat), 0);
	thumb_compute(&flat, thumb);
	for (int i = 0; i < THUMB_BYTES; i++)
		assert_int_equal(thumb[i], 77);
	assert_int_equal(dhash_distance(0, 0xffffffffffffffffull), 64);
	assert_int_equal(dhash_distance(0xf0, 0x0f), 8);
	img_release(&up);
	img_release(&down);
	img_release(&flat);
}

/* The same picture as a large JPEG and as a 1/4-size PNG hashes within a
 * few bits: the reduced decode and the area average agree across scales. */
UNIT_TEST(test_scale_stability)
{
	struct img big = fx_pattern(1600, 1200, 3, 21), small;
	struct fx_buf j = fx_jpeg(&big, 90, 0), p;
	struct img_limits lim = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS };
	struct fingerprint a, b;

	/* Quarter size by 4x4 averaging, done here independently. */
	assert_int_equal(img_alloc(&small, 400, 300, 3, NULL), 0);
	for (int y = 0; y < 300; y++)
		for (int x = 0; x < 400; x++)
			for (int c = 0; c < 3; c++) {
				int s = 0;

				for (int dy = 0; dy < 4; dy++)
					for (int dx = 0; dx < 4; dx++)
						s += big.pixels[(size_t)(4 * y + dy) * big.stride +
								(size_t)(4 * x + dx) * 3 + c];
				small.pixels[(size_t)y * small.stride + (size_t)x * 3 + c] =
					(uint8_t)((s + 8) / 16);
			}
	p = fx_png(&small, 8, 0);
	assert_int_equal(fingerprint_decode(j.data, j.len, &lim, &a, NULL, NULL), 0);
	assert_int_equal(fingerprint_decode(p.data, p.len, &lim, &b, NULL, NULL), 0);
	if (dhash_distance(a.dhash, b.dhash) > 4)
		fail_msg("distance %d", dhash_distance(a.dhash, b.dhash));
	fx_buf_free(&j);
	fx_buf_free(&p);
	img_release(&big);
	img_release(&small);
}

/* Similarity: 1 for itself and for brightness/contrast changes, higher
 * for a slightly cropped copy than for a different picture, 0 when flat. */
UNIT_TEST(test_similarity)
{
	struct img a = fx_pattern(160, 160, 1, 41), b = fx_pattern(160, 160, 1, 42);
	struct img crop;
	uint8_t ta[THUMB_BYTES], tb[THUMB_BYTES], tc[THUMB_BYTES], tl[THUMB_BYTES];
	uint8_t flat[THUMB_BYTES];

	thumb_compute(&a, ta);
	thumb_compute(&b, tb);
	/* 5 pixels (3%) off each side */
	assert_int_equal(img_alloc(&crop, 150, 150, 1, NULL), 0);
	for (int y = 0; y < 150; y++)
		memcpy(crop.pixels + (size_t)y * crop.stride, a.pixels + (size_t)(y + 5) * a.stride + 5, 150);
	thumb_compute(&crop, tc);
	for (int i = 0; i < THUMB_BYTES; i++)
		tl[i] = (uint8_t)(ta[i] * 3 / 4 + 40);  /* darker, less contrast */
	memset(flat, 200, sizeof(flat));
	assert_true(thumb_similarity(ta, ta) > 0.9999);
	assert_true(thumb_similarity(ta, tl) > 0.999);
	assert_true(thumb_similarity(ta, tc) > 0.97);
	assert_true(thumb_similarity(ta, tb) < 0.9);
	assert_true(thumb_similarity(ta, tc) == thumb_similarity(tc, ta));
	assert_true(thumb_similarity(ta, flat) == 0);
	assert_true(thumb_is_flat(flat));
	flat[17] = 230;  /* one brighter cell: std about 1.9, still flat */
	assert_true(thumb_is_flat(flat));
	assert_false(thumb_is_flat(ta));
	img_release(&a);
	img_release(&b);
	img_release(&crop);
}

/* The largest difference between two thumbnails' cells. */
static int max_cell_diff(const uint8_t *a, const uint8_t *b)
{
	int most = 0;

	for (int i = 0; i < THUMB_BYTES; i++)
		if (abs(a[i] - b[i]) > most)
			most = abs(a[i] - b[i]);
	return most;
}

/* A w x h grey picture with detail a few pixels across: random levels on
 * a grid of 6-pixel steps, bilinear between them. */
static struct img detailed(int w, int h, uint64_t seed)
{
	int gw = w / 6 + 2, gh = h / 6 + 2;
	uint8_t *g = malloc((size_t)gw * gh);
	struct img im;

	assert_non_null(g);
	for (int i = 0; i < gw * gh; i++)
		g[i] = (uint8_t)(fx_rand(&seed) % 256);
	assert_int_equal(img_alloc(&im, w, h, 1, NULL), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int cx = x / 6, cy = y / 6, fx = x % 6, fy = y % 6;
			int top = g[cy * gw + cx] * (6 - fx) + g[cy * gw + cx + 1] * fx;
			int bot = g[(cy + 1) * gw + cx] * (6 - fx) + g[(cy + 1) * gw + cx + 1] * fx;

			im.pixels[(size_t)y * im.stride + x] = (uint8_t)((top * (6 - fy) + bot * fy) / 36);
		}
	free(g);
	return im;
}

static struct fingerprint fingerprint_of(const struct fx_buf *b)
{
	struct img_limits lim = { IMG_DEFAULT_MAX_BYTES, IMG_DEFAULT_MAX_PIXELS };
	struct fingerprint fp;

	assert_int_equal(fingerprint_decode(b->data, b->len, &lim, &fp, NULL, NULL), 0);
	return fp;
}

/*
 * A JPEG decoded at 1/4 whose sides 4 does not divide ends in a column
 * and a row that stand for part of a block; a turned copy has them on
 * other sides. Counted as whole pixels they shifted the turned copy's
 * thumbnail by up to a quarter of a cell (mirrored and rotated copies
 * correlated at .78-.92 on the benchmark corpus; here at .94-.99, cells
 * up to 30 levels apart). Each turned copy's thumbnail is the turn of the
 * source's within JPEG's noise and the reduced IDCT's blur, whether the
 * pixels are turned or the file says so in EXIF.
 */
UNIT_TEST(test_turned_jpeg_thumbnails_line_up)
{
	static const int inverse[9] = { 0, 1, 2, 3, 4, 5, 8, 7, 6 };
	struct img im = detailed(203, 150, 77);
	struct fx_buf j = fx_jpeg(&im, 95, 0);
	struct fingerprint up = fingerprint_of(&j), fp;
	uint8_t want[THUMB_BYTES];

	for (int o = 2; o <= 8; o++) {
		struct img t;
		struct fx_buf tj, ex;

		assert_int_equal(img_alloc(&t, im.width, im.height, 1, NULL), 0);
		for (int y = 0; y < im.height; y++)
			memcpy(t.pixels + (size_t)y * t.stride, im.pixels + (size_t)y * im.stride,
			       (size_t)im.width);
		assert_int_equal(img_orient(&t, o, NULL), 0);
		tj = fx_jpeg(&t, 95, 0);
		fp = fingerprint_of(&tj);
		thumb_orient(up.thumb, o, want);
		assert_true(max_cell_diff(want, fp.thumb) <= 10);
		assert_true(thumb_similarity(want, fp.thumb) >= 0.995);

		/* stored turned by o, shown upright by EXIF: the source again */
		ex = fx_add_exif(&tj, inverse[o], o % 2);
		fp = fingerprint_of(&ex);
		assert_true(max_cell_diff(up.thumb, fp.thumb) <= 10);
		assert_true(thumb_similarity(up.thumb, fp.thumb) >= 0.995);
		fx_buf_free(&tj);
		fx_buf_free(&ex);
		img_release(&t);
	}
	fx_buf_free(&j);
	img_release(&im);
}

/* A smooth random 16x16 field with grain, as photos' thumbnails look. */
static void smooth_thumb(unsigned *seed, uint8_t *t)
{
	int grid[5][5];

	for (int y = 0; y < 5; y++)
		for (int x = 0; x < 5; x++)
			grid[y][x] = 20 + (int)(rand_r(seed) % 216);
	for (int y = 0; y < THUMB_SIDE; y++)
		for (int x = 0; x < THUMB_SIDE; x++) {
			int gx = x / 4, gy = y / 4, fx = x % 4, fy = y % 4;
			int top = grid[gy][gx] * (4 - fx) + grid[gy][gx + 1] * fx;
			int bot = grid[gy + 1][gx] * (4 - fx) + grid[gy + 1][gx + 1] * fx;
			int v = (top * (4 - fy) + bot * fy) / 16 + (int)(rand_r(seed) % 9) - 4;

			t[y * THUMB_SIDE + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
}

/* Pearson correlation, in doubles. */
static double pearson(const uint8_t *a, const uint8_t *b)
{
	double ma = 0, mb = 0, ab = 0, aa = 0, bb = 0;

	for (int i = 0; i < THUMB_BYTES; i++) {
		ma += a[i] / (double)THUMB_BYTES;
		mb += b[i] / (double)THUMB_BYTES;
	}
	for (int i = 0; i < THUMB_BYTES; i++) {
		ab += (a[i] - ma) * (b[i] - mb);
		aa += (a[i] - ma) * (a[i] - ma);
		bb += (b[i] - mb) * (b[i] - mb);
	}
	return ab / sqrt(aa * bb);
}

/* The sketch's bound is never below the plain correlation, so it never
 * rules out a pair thumb_similar() accepts, turned or not; and it does
 * rule out most unrelated pairs. */
UNIT_TEST(test_sketch_bound)
{
	unsigned seed = 7;
	int ruled = 0, similar = 0, tries = 0;

	for (int k = 0; k < 3000; k++) {
		uint8_t a[THUMB_BYTES], b[THUMB_BYTES], turned[THUMB_BYTES];
		struct thumb_sketch sa, sb;
		int o = 1 + k % 8;
		double need = 0.5 + 0.05 * (k % 10);

		smooth_thumb(&seed, a);
		if (k % 2) {
			smooth_thumb(&seed, b);  /* unrelated */
		} else {
			/* a's turn with noise of growing strength: pairs near need */
			thumb_orient(a, o, b);
			for (int i = 0; i < THUMB_BYTES; i++) {
				int v = b[i] + (int)(rand_r(&seed) % (1 + 2 * (k % 97))) - k % 97;

				b[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
		thumb_sketch(a, &sa);
		thumb_sketch(b, &sb);
		thumb_orient(a, o, turned);
		tries++;
		/* ruled out only below need - 0.15: the bound is >= pearson */
		assert_false(thumb_sketch_rules_out(&sa, o, &sb, pearson(turned, b) + 0.15 - 1e-6));
		if (thumb_sketch_rules_out(&sa, o, &sb, need)) {
			ruled++;
			assert_false(thumb_similar(turned, b, need));
		}
		similar += thumb_similar(turned, b, need);
	}
	assert_true(similar > 200);
	assert_true(ruled > tries / 4);
}
