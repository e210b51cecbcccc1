/* Matrices and the bilinear warp: exact where geometry says it must be
 * (identity, quarter turns, flips), each fill mode as Keras defines it. */
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include "base/cpu.h"
#include "aug/warp.h"
#include "tests/unit/unit.h"

static const uint8_t red[4] = { 200, 10, 20, 255 };

static void make(struct img *im, int w, int h, int ch)
{
	assert_int_equal(img_alloc(im, w, h, ch, NULL), 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int c = 0; c < ch; c++)
				im->pixels[(size_t)y * im->stride + (size_t)(x * ch + c)] =
					(uint8_t)(x * 40 + y * 7 + c * 3);
}

static uint8_t px(const struct img *im, int x, int y, int c)
{
	return im->pixels[(size_t)y * im->stride + (size_t)(x * im->channels + c)];
}

/* dst_to_src for "apply forward about the image centre". */
static void about_centre(struct mat3 *inv, const struct mat3 *fwd, double cx, double cy)
{
	struct mat3 t, u, m;

	mat3_translate(&t, -cx, -cy);
	mat3_translate(&u, cx, cy);
	mat3_mul(&m, fwd, &t);
	mat3_mul(&m, &u, &m);
	assert_int_equal(mat3_invert(inv, &m), 0);
}

UNIT_TEST(test_identity_is_exact)
{
	struct img s, d;
	struct mat3 id;

	make(&s, 7, 5, 3);
	assert_int_equal(img_alloc(&d, 7, 5, 3, NULL), 0);
	mat3_identity(&id);
	assert_int_equal(warp_image(&s, &d, &id, WARP_CONSTANT, red, NULL), 0);
	for (int y = 0; y < 5; y++)
		assert_memory_equal(s.pixels + (size_t)y * s.stride, d.pixels + (size_t)y * d.stride, 21);
	img_release(&s);
	img_release(&d);
}

UNIT_TEST(test_quarter_turn_and_flip)
{
	struct img s, d;
	struct mat3 f, inv;

	make(&s, 5, 5, 3);
	assert_int_equal(img_alloc(&d, 5, 5, 3, NULL), 0);
	/* 90 degrees counter-clockwise: source (i, j) lands on (j, 4 - i) */
	mat3_rotate(&f, 90);
	about_centre(&inv, &f, 2.5, 2.5);
	assert_int_equal(warp_image(&s, &d, &inv, WARP_CONSTANT, red, NULL), 0);
	for (int j = 0; j < 5; j++)
		for (int i = 0; i < 5; i++)
			for (int c = 0; c < 3; c++)
				assert_int_equal(px(&d, j, 4 - i, c), px(&s, i, j, c));
	/* left-right flip */
	mat3_scale(&f, -1, 1);
	about_centre(&inv, &f, 2.5, 2.5);
	assert_int_equal(warp_image(&s, &d, &inv, WARP_CONSTANT, red, NULL), 0);
	for (int j = 0; j < 5; j++)
		for (int i = 0; i < 5; i++)
			assert_int_equal(px(&d, 4 - i, j, 1), px(&s, i, j, 1));
	img_release(&s);
	img_release(&d);
}

UNIT_TEST(test_fill_modes)
{
	struct img s, d;
	struct mat3 shift;
	/* dst column 0 reads source column -2 */
	static const struct { enum warp_fill fill; int col; } want[] = {
		{ WARP_NEAREST, 0 }, { WARP_WRAP, 2 }, { WARP_REFLECT, 1 }, { WARP_CONSTANT, -1 },
	};

	make(&s, 4, 3, 3);
	assert_int_equal(img_alloc(&d, 4, 3, 3, NULL), 0);
	mat3_translate(&shift, -2, 0);
	for (size_t k = 0; k < 4; k++) {
		assert_int_equal(warp_image(&s, &d, &shift, want[k].fill, red, NULL), 0);
		for (int c = 0; c < 3; c++) {
			int v = want[k].col < 0 ? red[c] : px(&s, want[k].col, 1, c);

			assert_int_equal(px(&d, 0, 1, c), v);
			assert_int_equal(px(&d, 3, 1, c), px(&s, 1, 1, c));
		}
	}
	img_release(&s);
	img_release(&d);
}

UNIT_TEST(test_half_pixel_is_bilinear)
{
	struct img s, d;
	struct mat3 shift;

	make(&s, 4, 2, 1);
	assert_int_equal(img_alloc(&d, 4, 2, 1, NULL), 0);
	mat3_translate(&shift, 0.5, 0);
	assert_int_equal(warp_image(&s, &d, &shift, WARP_NEAREST, red, NULL), 0);
	/* halfway between 0 and 40, 40 and 80, ... and the last clamps */
	assert_int_equal(px(&d, 0, 0, 0), 20);
	assert_int_equal(px(&d, 1, 0, 0), 60);
	assert_int_equal(px(&d, 3, 0, 0), 120);
	img_release(&s);
	img_release(&d);
}

UNIT_TEST(test_matrices)
{
	struct mat3 a, b, inv, p, sing = { { 1, 2, 3, 2, 4, 6, 0, 0, 1 } };
	const double src[8] = { 0, 0, 100, 0, 100, 80, 0, 80 };
	const double dst[8] = { 10, 5, 90, 0, 100, 80, 0, 70 };
	double x = 0, y = 0;

	mat3_rotate(&a, 33);
	mat3_shear(&b, 0.2, -0.1);
	mat3_mul(&a, &a, &b);
	assert_int_equal(mat3_invert(&inv, &a), 0);
	mat3_mul(&b, &inv, &a);
	for (int i = 0; i < 9; i++)
		assert_true(fabs(b.m[i] - (i % 4 == 0)) < 1e-12);
	assert_int_equal(mat3_invert(&inv, &sing), -1);
	assert_int_equal(mat3_perspective(&p, src, dst), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(mat3_apply(&p, src[2 * i], src[2 * i + 1], &x, &y), 0);
		assert_true(fabs(x - dst[2 * i]) < 1e-9 && fabs(y - dst[2 * i + 1]) < 1e-9);
	}
	/* three points on a line: no perspective map */
	{
		const double bad[8] = { 0, 0, 1, 1, 2, 2, 0, 5 };

		assert_int_equal(mat3_perspective(&p, bad, dst), -1);
	}
}

/* A wobbling map for warp_image_map(): every point moved a little, as
 * pieces of every kind: quadratics, lines, single points, with and
 * without a denominator, 13 to 1 pixels long, so that vector loops and
 * their tails both run. */
static int wobble(void *ctx, int y, int width, struct warp_piece *pc)
{
	double k = *(double *)ctx;
	int np = 0;

	for (int x = 0; x < width; np++) {
		int len = 1 + (x / 3 + y) % 13;

		if (len > width - x)
			len = width - x;
		pc[np].x0 = x;
		pc[np].x1 = x + len;
		pc[np].sx[0] = x + 0.5 + k * sin(y * 0.3) - 2;
		pc[np].sx[1] = len > 1 ? 1 + k * 0.01 : 0;
		pc[np].sx[2] = len > 4 ? k * 1e-3 : 0;
		pc[np].sy[0] = y + 0.5 + k * cos(x * 0.2) + 1;
		pc[np].sy[1] = len > 1 ? k * 0.05 : 0;
		pc[np].sy[2] = len > 6 ? -k * 2e-3 : 0;
		/* every third row's pieces over a line squared, as a
		 * perspective after a mesh makes them */
		pc[np].w[0] = y % 3 ? 1 : 1 + k * 0.01;
		pc[np].w[1] = y % 3 ? 0 : k * 1e-3;
		x += len;
	}
	return np;
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static double unit(uint32_t *s)
{
	return (double)lcg(s) / (1 << 24);
}

/* The vector taps (AVX2 and AVX-512) and the pixel copies of whole-pixel
 * maps give exactly the plain taps, for RGB and one channel: any size (rows shorter and longer than a vector), any
 * matrix, every fill mode. */
UNIT_TEST(test_simd_matches_plain)
{
	static const int sizes[][2] = { { 1, 1 }, { 2, 2 }, { 1, 9 }, { 9, 1 }, { 17, 13 },
					{ 64, 40 }, { 101, 77 } };
	uint32_t seed = 12345;

	for (size_t i = 0; i < 2 * sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct img s;
		int w = sizes[i / 2][0], h = sizes[i / 2][1], ch = i % 2 ? 1 : 3;

		make(&s, w, h, ch);
		for (int y = 0; y < h; y++)  /* texture, so every weight shows */
			for (int x = 0; x < w * ch; x++)
				s.pixels[(size_t)y * s.stride + (size_t)x] = (uint8_t)lcg(&seed);
		for (int trial = 0; trial < 48; trial++) {
			enum warp_fill fill = (enum warp_fill)(trial % 4);
			struct mat3 m;
			struct img a, b;
			int dw = 1 + (int)(lcg(&seed) % 90), dh = 1 + (int)(lcg(&seed) % 60);
			double k = 3 * unit(&seed);

			if (trial % 4 == 3) {
				/* a flip or quarter turn and a whole-pixel shift: the
				 * copy path against the taps */
				struct mat3 r, f, t;

				if (trial % 8 == 3) {
					/* flips of the whole image, shifted by -1..1:
					 * mostly whole rows inside, copied at once */
					int fx = lcg(&seed) % 2, fy = lcg(&seed) % 2;

					mat3_scale(&f, fx ? -1 : 1, fy ? -1 : 1);
					mat3_translate(&t, (fx ? w : 0) + (int)(lcg(&seed) % 3) - 1,
						       (fy ? h : 0) + (int)(lcg(&seed) % 3) - 1);
					mat3_mul(&m, &t, &f);
					dw = w;
					dh = h;
				} else {
					mat3_rotate(&r, 90.0 * (lcg(&seed) % 4));
					mat3_scale(&f, lcg(&seed) % 2 ? -1 : 1, 1);
					mat3_translate(&t, (double)(lcg(&seed) % 40) - 20,
						       (double)(lcg(&seed) % 40) - 20);
					mat3_mul(&m, &f, &r);
					mat3_mul(&m, &t, &m);
				}
			} else if (trial % 12 == 6 || trial % 12 == 8) {
				/* a horizon through the output: w' is 1e-9 at the
				 * centres of column dw / 2 in double precision, 0
				 * or one float step (about 4e-9) in the warp's
				 * single precision, where x' (or y') runs from far
				 * below zero (top half) to far above (bottom
				 * half) while the other stays 0 */
				double kx, r[3];
				struct mat3 hz;

				dw = 16 + dw % 64;
				dh = 8 + dh;
				kx = dw / 2;
				r[0] = 1;
				r[1] = 0.1;
				r[2] = -(kx + 0.5) - 0.05 * dh;
				hz = (struct mat3){ { 0, 0, 0, 0, 0, 0, 1.0 / 1024, 0,
						      -(kx + 0.5) / 1024 + 1e-9 } };
				memcpy(hz.m + (trial % 12 == 6 ? 0 : 3), r, sizeof(r));

				m = hz;
			} else if (trial % 3 == 2) {
				double src[8] = { 0, 0, dw, 0, dw, dh, 0, dh }, dst[8];

				for (int j = 0; j < 8; j++)
					dst[j] = src[j] + (unit(&seed) - 0.5) * 0.4 * (j % 2 ? h : w) +
						 (j % 2 ? 0 : 0.3);
				if (mat3_perspective(&m, src, dst))
					continue;
			} else {
				struct mat3 r, sc, t;

				mat3_rotate(&r, 360 * unit(&seed));
				mat3_scale(&sc, 0.5 + unit(&seed), 0.5 + unit(&seed));
				mat3_translate(&t, (unit(&seed) - 0.3) * w, (unit(&seed) - 0.3) * h);
				mat3_mul(&m, &sc, &r);
				mat3_mul(&m, &t, &m);
			}
			assert_int_equal(img_alloc(&a, dw, dh, ch, NULL), 0);
			assert_int_equal(img_alloc(&b, dw, dh, ch, NULL), 0);
			for (int level = CPU_AVX2; level <= CPU_AVX512; level++) {
				cpu_set_simd(CPU_PLAIN);
				assert_int_equal(warp_image(&s, &a, &m, fill, red, NULL), 0);
				cpu_set_simd(level);
				assert_int_equal(warp_image(&s, &b, &m, fill, red, NULL), 0);
				for (int y = 0; y < dh; y++)
					assert_memory_equal(a.pixels + (size_t)y * a.stride,
							    b.pixels + (size_t)y * b.stride,
							    (size_t)dw * ch);
				cpu_set_simd(CPU_PLAIN);
				assert_int_equal(warp_image_map(&s, &a, wobble, &k, fill, red, NULL), 0);
				cpu_set_simd(level);
				assert_int_equal(warp_image_map(&s, &b, wobble, &k, fill, red, NULL), 0);
				for (int y = 0; y < dh; y++)
					assert_memory_equal(a.pixels + (size_t)y * a.stride,
							    b.pixels + (size_t)y * b.stride,
							    (size_t)dw * ch);
			}
			img_release(&a);
			img_release(&b);
		}
		img_release(&s);
	}
}

/* Two planes under one map make what each makes alone. */
UNIT_TEST(test_images_share_a_map)
{
	struct img s[2], a[2], b[2];
	struct mat3 r, t, m;
	double k = 1.7;
	uint32_t seed = 77;

	mat3_rotate(&r, 23);
	mat3_translate(&t, 3.25, -2.5);
	mat3_mul(&m, &t, &r);
	for (int i = 0; i < 2; i++) {
		make(&s[i], 53, 41, 1);
		for (int y = 0; y < 41; y++)
			for (int x = 0; x < 53; x++)
				s[i].pixels[(size_t)y * s[i].stride + (size_t)x] = (uint8_t)lcg(&seed);
		assert_int_equal(img_alloc(&a[i], 47, 39, 1, NULL), 0);
		assert_int_equal(img_alloc(&b[i], 47, 39, 1, NULL), 0);
	}
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(pass ? warp_images_map(s, a, 2, wobble, &k, WARP_REFLECT, red, NULL)
				      : warp_images(s, a, 2, &m, WARP_REFLECT, red, NULL), 0);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(pass ? warp_image_map(&s[i], &b[i], wobble, &k, WARP_REFLECT,
							       red, NULL)
					      : warp_image(&s[i], &b[i], &m, WARP_REFLECT, red, NULL), 0);
			for (int y = 0; y < 39; y++)
				assert_memory_equal(a[i].pixels + (size_t)y * a[i].stride,
						    b[i].pixels + (size_t)y * b[i].stride, 47);
		}
	}
	/* outputs of different sizes are refused */
	img_release(&a[1]);
	assert_int_equal(img_alloc(&a[1], 46, 39, 1, NULL), 0);
	assert_int_equal(warp_images(s, a, 2, &m, WARP_REFLECT, red, NULL), -1);
	for (int i = 0; i < 2; i++) {
		img_release(&s[i]);
		img_release(&a[i]);
		img_release(&b[i]);
	}
}
