/* The check a RANSAC crop must pass: inlier counts alone overlap between
 * crops and unrelated photos (some of those reach 44 inliers on repeated
 * texture), so the copy's window is warped into the source's thumbnail
 * and must look the same there, and keep enough of each side. */
#include <math.h>
#include <string.h>

#include "feat/feat.h"

int feat_thumb_flat(const uint8_t *thumb)
{
	double sum = 0, sq = 0, mean;
	const int n = FEAT_THUMB * FEAT_THUMB;

	for (int i = 0; i < n; i++) {
		sum += thumb[i];
		sq += (double)thumb[i] * thumb[i];
	}
	mean = sum / n;
	return sq / n - mean * mean < 3.0 * 3.0;
}

static void apply(const double m[6], double x, double y, double *ox, double *oy)
{
	*ox = m[0] * x + m[1] * y + m[2];
	*oy = m[3] * x + m[4] * y + m[5];
}

/* The source's thumbnail at frame point (x, y), bilinear between cell
 * centres; -1 when the point lies outside the frame. */
static double sample(const struct feat *s, double x, double y)
{
	double u, v, fu, fv;
	int iu, iv, iu1, iv1;
	const uint8_t *t = s->thumb;

	/* written as "not inside" so that NaN (a degenerate transform, or a
	 * corrupt catalogued point) is outside too */
	if (!(x >= 0 && y >= 0 && x <= s->width && y <= s->height) || s->width <= 0 ||
	    s->height <= 0)
		return -1;
	u = x * FEAT_THUMB / s->width - 0.5;
	v = y * FEAT_THUMB / s->height - 0.5;
	u = u < 0 ? 0 : u > FEAT_THUMB - 1 ? FEAT_THUMB - 1 : u;
	v = v < 0 ? 0 : v > FEAT_THUMB - 1 ? FEAT_THUMB - 1 : v;
	iu = (int)u;
	iv = (int)v;
	iu1 = iu + 1 < FEAT_THUMB ? iu + 1 : iu;
	iv1 = iv + 1 < FEAT_THUMB ? iv + 1 : iv;
	fu = u - iu;
	fv = v - iv;
	return (1 - fv) * ((1 - fu) * t[iv * FEAT_THUMB + iu] + fu * t[iv * FEAT_THUMB + iu1]) +
	       fv * ((1 - fu) * t[iv1 * FEAT_THUMB + iu] + fu * t[iv1 * FEAT_THUMB + iu1]);
}

/* The shares of the source's sides covered by the copy's window: the
 * extent of its four corners, mapped. */
static void shares(const struct feat *c, const struct feat *s, const double m[6],
		   struct feat_crop *out)
{
	double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;

	for (int k = 0; k < 4; k++) {
		double x, y;

		apply(m, k & 1 ? c->width : 0, k & 2 ? c->height : 0, &x, &y);
		x0 = fmin(x0, x);
		x1 = fmax(x1, x);
		y0 = fmin(y0, y);
		y1 = fmax(y1, y);
	}
	out->share_w = (fmin(x1, s->width) - fmax(x0, 0)) / s->width;
	out->share_h = (fmin(y1, s->height) - fmax(y0, 0)) / s->height;
}

/* The copy is compared on a grid of half the thumbnail's resolution
 * (2x2 cells averaged) against the source's full thumbnail sampled where
 * each cell's centre falls: a crop keeping 60% of a side then spans cells
 * of about the source's size, so both sides are blurred alike (with equal
 * grids, the copy's sharper cells cost a detailed photo 0.05-0.1 of
 * correlation). */
#define GRID (FEAT_THUMB / 2)

static double copy_cell(const uint8_t *t, int u, int v)
{
	const uint8_t *p = t + 2 * v * FEAT_THUMB + 2 * u;

	return (p[0] + p[1] + p[FEAT_THUMB] + p[FEAT_THUMB + 1]) / 4.0;
}

/* Pearson correlation of the copy's cells with the source sampled where
 * they fall; sets out->inside to the share of cells that fall inside. */
static void correlate(const struct feat *c, const struct feat *s, int mirrored,
		      const double m[6], struct feat_crop *out)
{
	double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;

	for (int v = 0; v < GRID; v++)
		for (int u = 0; u < GRID; u++) {
			double x = (u + 0.5) * c->width / GRID;
			double y = (v + 0.5) * c->height / GRID, a, b;

			if (mirrored)
				x = c->width - x;
			apply(m, x, y, &x, &y);
			b = sample(s, x, y);
			if (b < 0)
				continue;
			a = copy_cell(c->thumb, u, v);
			sa += a;
			sb += b;
			saa += a * a;
			sbb += b * b;
			sab += a * b;
			n++;
		}
	out->inside = n / (GRID * GRID);
	out->correlation = 0;
	if (n < 2)
		return;
	double va = saa - sa * sa / n, vb = sbb - sb * sb / n;

	if (va > 0 && vb > 0)
		out->correlation = (sab - sa * sb / n) / sqrt(va * vb);
}

int feat_verify(const struct feat *copy, const struct feat *source, int mirrored,
		const double m[6], struct feat_crop *out)
{
	double mm[6];

	memcpy(out->m, m, sizeof(out->m));
	out->mirrored = mirrored;
	if (copy->width < 1 || copy->height < 1 || source->width < 1 || source->height < 1)
		return 0;
	memcpy(mm, m, sizeof(mm));
	if (mirrored) {  /* the corners: mirror first, then m */
		mm[0] = -m[0];
		mm[3] = -m[3];
		mm[2] = m[0] * copy->width + m[2];
		mm[5] = m[3] * copy->width + m[5];
	}
	shares(copy, source, mm, out);
	correlate(copy, source, mirrored, m, out);
	return out->share_w >= FEAT_MIN_SHARE - 0.05 && out->share_h >= FEAT_MIN_SHARE - 0.05 &&
	       out->inside >= FEAT_MIN_INSIDE && out->correlation >= FEAT_MIN_CORRELATION;
}
