/* 3x3 matrices and the single bilinear warp they drive. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"

void mat3_identity(struct mat3 *a)
{
	static const struct mat3 id = { { 1, 0, 0, 0, 1, 0, 0, 0, 1 } };

	*a = id;
}

void mat3_translate(struct mat3 *a, double tx, double ty)
{
	mat3_identity(a);
	a->m[2] = tx;
	a->m[5] = ty;
}

void mat3_scale(struct mat3 *a, double sx, double sy)
{
	mat3_identity(a);
	a->m[0] = sx;
	a->m[4] = sy;
}

void mat3_rotate(struct mat3 *a, double degrees)
{
	double r = degrees * M_PI / 180, c = cos(r), s = sin(r);

	/* y points down, so a counter-clockwise turn on screen is -r in
	 * the usual maths frame. Exact at multiples of 90. */
	if (fmod(degrees, 90) == 0) {
		long q = ((long)(degrees / 90) % 4 + 4) % 4;

		c = q == 0 ? 1 : q == 2 ? -1 : 0;
		s = q == 1 ? 1 : q == 3 ? -1 : 0;
	}
	mat3_identity(a);
	a->m[0] = c;
	a->m[1] = s;
	a->m[3] = -s;
	a->m[4] = c;
}

void mat3_shear(struct mat3 *a, double kx, double ky)
{
	mat3_identity(a);
	a->m[1] = kx;
	a->m[3] = ky;
}

void mat3_mul(struct mat3 *out, const struct mat3 *a, const struct mat3 *b)
{
	struct mat3 r;

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			r.m[3 * i + j] = a->m[3 * i] * b->m[j] + a->m[3 * i + 1] * b->m[3 + j] +
					 a->m[3 * i + 2] * b->m[6 + j];
	*out = r;
}

int mat3_invert(struct mat3 *out, const struct mat3 *a)
{
	const double *m = a->m;
	double c0 = m[4] * m[8] - m[5] * m[7];
	double c1 = m[5] * m[6] - m[3] * m[8];
	double c2 = m[3] * m[7] - m[4] * m[6];
	double det = m[0] * c0 + m[1] * c1 + m[2] * c2, s = 0;
	struct mat3 r;

	for (int i = 0; i < 9; i++)
		s = fmax(s, fabs(m[i]));
	if (!(fabs(det) > 1e-12 * s * s * s))
		return -1;
	r.m[0] = c0 / det;
	r.m[1] = (m[2] * m[7] - m[1] * m[8]) / det;
	r.m[2] = (m[1] * m[5] - m[2] * m[4]) / det;
	r.m[3] = c1 / det;
	r.m[4] = (m[0] * m[8] - m[2] * m[6]) / det;
	r.m[5] = (m[2] * m[3] - m[0] * m[5]) / det;
	r.m[6] = c2 / det;
	r.m[7] = (m[1] * m[6] - m[0] * m[7]) / det;
	r.m[8] = (m[0] * m[4] - m[1] * m[3]) / det;
	*out = r;
	return 0;
}

int mat3_apply(const struct mat3 *a, double x, double y, double *ox, double *oy)
{
	const double *m = a->m;
	double w = m[6] * x + m[7] * y + m[8];

	if (fabs(w) < 1e-12)
		return -1;
	*ox = (m[0] * x + m[1] * y + m[2]) / w;
	*oy = (m[3] * x + m[4] * y + m[5]) / w;
	return 0;
}

/* Solves the 8x8 system for h (h8 = 1) by Gaussian elimination with
 * partial pivoting. */
int mat3_perspective(struct mat3 *out, const double src[8], const double dst[8])
{
	double A[8][9];

	for (int i = 0; i < 4; i++) {
		double x = src[2 * i], y = src[2 * i + 1], u = dst[2 * i], v = dst[2 * i + 1];
		double r0[9] = { x, y, 1, 0, 0, 0, -u * x, -u * y, u };
		double r1[9] = { 0, 0, 0, x, y, 1, -v * x, -v * y, v };

		memcpy(A[2 * i], r0, sizeof(r0));
		memcpy(A[2 * i + 1], r1, sizeof(r1));
	}
	for (int c = 0; c < 8; c++) {
		int p = c;

		for (int r = c + 1; r < 8; r++)
			if (fabs(A[r][c]) > fabs(A[p][c]))
				p = r;
		if (fabs(A[p][c]) < 1e-12)
			return -1;
		if (p != c) {
			double t[9];

			memcpy(t, A[p], sizeof(t));
			memcpy(A[p], A[c], sizeof(t));
			memcpy(A[c], t, sizeof(t));
		}
		for (int r = 0; r < 8; r++) {
			double f;

			if (r == c)
				continue;
			f = A[r][c] / A[c][c];
			for (int k = c; k < 9; k++)
				A[r][k] -= f * A[c][k];
		}
	}
	for (int i = 0; i < 8; i++)
		out->m[i] = A[i][8] / A[i][i];
	out->m[8] = 1;
	return 0;
}

/* Maps an index outside [0, n) back inside, or -1 for the constant fill. */
static int edge(int i, int n, enum warp_fill fill)
{
	if (i >= 0 && i < n)
		return i;
	switch (fill) {
	case WARP_CONSTANT:
		return -1;
	case WARP_NEAREST:
		return i < 0 ? 0 : n - 1;
	case WARP_WRAP:
		i %= n;
		return i < 0 ? i + n : i;
	case WARP_REFLECT: {
		int period = 2 * n;

		i %= period;
		if (i < 0)
			i += period;
		return i < n ? i : period - 1 - i;
	}
	}
	return -1;
}

/* Sample positions are fixed point: pixel-corner based (the centre of
 * source pixel i is at i), 8 fractional bits, so the bilinear weights are
 * integers and every machine computes the same bytes. OpenCV keeps 5. */
#define FRAC 8
#define ONE (1 << FRAC)
#define FAR 4.0e6  /* beyond this a sample is fill, and no int overflows */

/* The general tap: any channel count, any position, edges per fill. */
static void sample_edge(const struct img *src, int32_t fx, int32_t fy, enum warp_fill fill,
			const uint8_t *fill_px, uint8_t *out)
{
	int ch = src->channels, x0 = fx >> FRAC, y0 = fy >> FRAC;
	int32_t ax = fx & (ONE - 1), ay = fy & (ONE - 1);
	uint32_t acc[4] = { 0, 0, 0, 0 };

	for (int dy = 0; dy < 2; dy++) {
		int yy = edge(y0 + dy, src->height, fill);
		uint32_t wy = (uint32_t)(dy ? ay : ONE - ay);

		for (int dx = 0; dx < 2; dx++) {
			int xx = edge(x0 + dx, src->width, fill);
			uint32_t w = wy * (uint32_t)(dx ? ax : ONE - ax);
			const uint8_t *p = xx < 0 || yy < 0 ? fill_px :
				src->pixels + (size_t)yy * src->stride + (size_t)xx * (size_t)ch;

			for (int c = 0; c < ch; c++)
				acc[c] += w * p[c];
		}
	}
	for (int c = 0; c < ch; c++)
		out[c] = (uint8_t)((acc[c] + (1u << (2 * FRAC - 1))) >> (2 * FRAC));
}

/* One output row from the source positions of its pixel centres. The
 * taps of most pixels lie inside the source: those take the short path
 * with no edge handling. */
static void sample_row(const struct img *src, const double *sx, const double *sy, int width,
		       enum warp_fill fill, const uint8_t *fill_px, uint8_t *row)
{
	const int ch = src->channels, w1 = src->width - 1, h1 = src->height - 1;
	const size_t stride = src->stride;

	for (int x = 0; x < width; x++, row += ch) {
		double gx = (sx[x] - 0.5) * ONE, gy = (sy[x] - 0.5) * ONE;
		int32_t fx, fy;
		int x0, y0;

		/* Far outside, or no point at all (NaN, infinity): the
		 * constant fill, else black; no mode means anything there. */
		if (!(gx > -FAR * ONE && gx < FAR * ONE && gy > -FAR * ONE && gy < FAR * ONE)) {
			for (int c = 0; c < ch; c++)
				row[c] = fill == WARP_CONSTANT ? fill_px[c] : 0;
			continue;
		}
		/* floor() by truncating a number made positive */
		fx = (int32_t)((int64_t)(gx + 2.0 * FAR * ONE) - (int64_t)(2.0 * FAR * ONE));
		fy = (int32_t)((int64_t)(gy + 2.0 * FAR * ONE) - (int64_t)(2.0 * FAR * ONE));
		x0 = fx >> FRAC;
		y0 = fy >> FRAC;
		if ((unsigned)x0 < (unsigned)w1 && (unsigned)y0 < (unsigned)h1) {
			const uint8_t *p = src->pixels + (size_t)y0 * stride + (size_t)x0 * (size_t)ch;
			const uint8_t *q = p + stride;
			uint32_t ax = (uint32_t)fx & (ONE - 1), ay = (uint32_t)fy & (ONE - 1);
			uint32_t bx = ONE - ax, by = ONE - ay;

			for (int c = 0; c < ch; c++) {
				uint32_t top = p[c] * bx + p[c + ch] * ax;
				uint32_t bot = q[c] * bx + q[c + ch] * ax;

				row[c] = (uint8_t)((top * by + bot * ay + (1u << (2 * FRAC - 1))) >>
						   (2 * FRAC));
			}
			continue;
		}
		sample_edge(src, fx, fy, fill, fill_px, row);
	}
}

int warp_image(const struct img *src, struct img *dst, const struct mat3 *dst_to_src,
	       enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err)
{
	const double *m = dst_to_src->m;
	int affine = m[6] == 0 && m[7] == 0 && m[8] == 1;
	double *sx, *sy;

	if (src->channels != dst->channels || src->channels < 1 || src->channels > 4)
		return wn_fail(err, WN_EINVAL, "warp: channel counts differ (%d, %d)",
			       src->channels, dst->channels);
	sx = malloc(2 * (size_t)(dst->width > 0 ? dst->width : 1) * sizeof(*sx));
	if (!sx)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	sy = sx + dst->width;
	for (int y = 0; y < dst->height; y++) {
		double cy = y + 0.5;

		for (int x = 0; x < dst->width; x++) {
			double cx = x + 0.5;

			if (affine) {
				sx[x] = m[0] * cx + m[1] * cy + m[2];
				sy[x] = m[3] * cx + m[4] * cy + m[5];
			} else if (mat3_apply(dst_to_src, cx, cy, &sx[x], &sy[x])) {
				sx[x] = sy[x] = INFINITY;
			}
		}
		sample_row(src, sx, sy, dst->width, fill, fill_px,
			   dst->pixels + (size_t)y * dst->stride);
	}
	free(sx);
	return 0;
}

int warp_image_map(const struct img *src, struct img *dst, warp_map_fn *map, void *ctx,
		   enum warp_fill fill, const uint8_t fill_px[4], struct wn_err *err)
{
	double *sx, *sy;
	int ch = src->channels;

	if (ch != dst->channels || ch < 1 || ch > 4)
		return wn_fail(err, WN_EINVAL, "warp: channel counts differ (%d, %d)",
			       ch, dst->channels);
	sx = malloc(2 * (size_t)(dst->width > 0 ? dst->width : 1) * sizeof(*sx));
	if (!sx)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	sy = sx + dst->width;
	for (int y = 0; y < dst->height; y++) {
		map(ctx, y, dst->width, sx, sy);
		sample_row(src, sx, sy, dst->width, fill, fill_px,
			   dst->pixels + (size_t)y * dst->stride);
	}
	free(sx);
	return 0;
}
