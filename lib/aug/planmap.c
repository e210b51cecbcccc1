/* Where an output pixel samples the source through a plan: its matrices
 * and grid meshes composed point by point, and row by row as warp pieces
 * (the warp_map_fn the warps call). */
#include <math.h>
#include <stdlib.h>

#include "aug/plan.h"

static inline double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* tile: which tile (x, y) fell in, and whether it was clamped there */
static inline void mesh_map(const struct aug_mesh *m, double x, double y, double *ox,
			    double *oy, unsigned *tile)
{
	int i = (int)clampd(floor(x * m->inv_w), 0, m->cols - 1);
	int j = (int)clampd(floor(y * m->inv_h), 0, m->rows - 1);
	double ru = (x - i * m->tile_w) * (i + 1 == m->cols ? m->inv_lw : m->inv_w);
	double rt = (y - j * m->tile_h) * (j + 1 == m->rows ? m->inv_lh : m->inv_h);
	double u = clampd(ru, 0, 1), t = clampd(rt, 0, 1);
	size_t stride = (size_t)m->cols + 1;
	const double *a = m->d + 2 * ((size_t)j * stride + (size_t)i), *b = a + 2 * stride;

	*ox = x + (1 - t) * ((1 - u) * a[0] + u * a[2]) + t * ((1 - u) * b[0] + u * b[2]);
	*oy = y + (1 - t) * ((1 - u) * a[1] + u * a[3]) + t * ((1 - u) * b[1] + u * b[3]);
	*tile = *tile * 263u + (unsigned)i * 131u + (unsigned)j * 2u + (u != ru || t != rt);
}

/* aug_plan_map(), and in *tiles a digest of the tile each mesh took the
 * point through: points with the same digest lie where the map is smooth. */
static int plan_map(const struct aug_plan *plan, double x, double y, double *sx, double *sy,
		    unsigned *tiles)
{
	*tiles = 0;
	if (mat3_apply(&plan->dst_to_src, x, y, &x, &y))
		return -1;
	for (size_t k = plan->n_mesh; k-- > 0;) {
		mesh_map(&plan->mesh[k], x, y, &x, &y, tiles);
		if (mat3_apply(&plan->mesh[k].before, x, y, &x, &y))
			return -1;
	}
	*sx = x;
	*sy = y;
	return 0;
}

int aug_plan_map(const struct aug_plan *plan, double x, double y, double *sx, double *sy)
{
	unsigned tiles;

	return plan_map(plan, x, y, sx, sy, &tiles);
}

/* Where the exact stretches of map_row_mesh1() do not apply (two meshes,
 * a perspective before a mesh), knots this far apart along a row are
 * mapped exactly and the pixels between them linearly, when both knots
 * went through the same mesh tiles: the chain is smooth there (a few
 * thousandths of a pixel off a line over 4 pixels, a few hundredths
 * under a strong perspective); across a tile edge, where it bends, every
 * pixel is mapped exactly. */
#define KNOT 4

/* Along a row, a coordinate of the mesh frame point is N(x) / W(x), both
 * lines in the pixel index x: N = P + D x, W = Pw + Dw x (W = 1 unless a
 * perspective comes after the mesh). */
struct line {
	double c0, c1;  /* c0 + c1 x */
};

/* Where the coordinate N / W crosses the tile lines k t (k = 0 .. n - 1)
 * and the frame's far edge `end`: the pixel positions x, into cut[].
 * @return how many. With W constant along the row they come in order,
 * rising with k when W / D > 0, and are put in increasing order. */
static int axis_cuts(struct line N, struct line W, double t, int n, double end, double *cut)
{
	int nc = 0;

	for (int k = 0; k <= n; k++) {
		double c = k < n ? k * t : end, den = N.c1 - c * W.c1;

		if (den != 0)
			cut[nc++] = (c * W.c0 - N.c0) / den;
	}
	if (W.c1 == 0 && (N.c1 < 0) != (W.c0 < 0))
		for (int i = 0; i < nc / 2; i++) {
			double v = cut[i];

			cut[i] = cut[nc - 1 - i];
			cut[nc - 1 - i] = v;
		}
	return nc;
}

/* The two increasing lists a[na], b[nb] merged into out[]. */
static int merge_cuts(const double *a, int na, const double *b, int nb, double *out)
{
	int i = 0, j = 0, k = 0;

	while (i < na || j < nb)
		out[k++] = j == nb || (i < na && a[i] <= b[j]) ? a[i++] : b[j++];
	return k;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The tile coordinate along one axis for a stretch of the row, as
 * mesh_map() takes it: the tile index, and u's numerator over W, a line
 * (u constant, clamped, outside the frame). f_mid: the coordinate at the
 * stretch's middle. */
static struct line tile_axis(double f_mid, struct line N, struct line W, double t, double inv,
			     double inv_last, int n, int *i)
{
	double iv, u_mid, f = f_mid * inv;

	/* mesh_map()'s floor(f), clamped: a cast floors what is left */
	*i = f >= 0 ? (int)(f < n - 1 ? f : n - 1) : 0;
	iv = *i + 1 == n ? inv_last : inv;
	u_mid = (f_mid - *i * t) * iv;
	if (u_mid < 0 || u_mid > 1) {
		double u = clampd(u_mid, 0, 1);

		return (struct line){ u * W.c0, u * W.c1 };
	}
	return (struct line){ (N.c0 - *i * t * W.c0) * iv, (N.c1 - *i * t * W.c1) * iv };
}

/* a b: the product of two lines, a quadratic. */
static void times(struct line a, struct line b, double q[3])
{
	q[0] = a.c0 * b.c0;
	q[1] = a.c0 * b.c1 + a.c1 * b.c0;
	q[2] = a.c1 * b.c1;
}

/* Row y of a plan with one mesh before an affine or projective map and
 * after an affine one, exactly. Along the row the mesh frame point is
 * (Nx, Ny) / W, lines over a line, so within one tile the displacement,
 * bilinear in the tile, times W^2 is a quadratic in x, and so is the
 * source point times W^2: the row is cut where it crosses tile lines
 * (and where W is 0) and each stretch is a warp piece. */
static int map_row_mesh1(const struct aug_plan *plan, double s, int y, int width,
			 struct warp_piece *pc)
{
	const struct aug_mesh *m = &plan->mesh[0];
	const double *a = plan->dst_to_src.m, *b = m->before.m;
	const size_t stride = (size_t)m->cols + 1;
	double cy = s * (y + 0.5);
	struct line Nx = { a[0] * s * 0.5 + a[1] * cy + a[2], a[0] * s };
	struct line Ny = { a[3] * s * 0.5 + a[4] * cy + a[5], a[3] * s };
	struct line W = { a[6] * s * 0.5 + a[7] * cy + a[8], a[6] * s };
	double xcut[AUG_MAX_GRID + 1], ycut[AUG_MAX_GRID + 1], cut[2 * (AUG_MAX_GRID + 1) + 1];
	double ww[3], nw[2][3];
	int x = 0, k = 0, np = 0;
	int nx = axis_cuts(Nx, W, m->tile_w, m->cols, m->w, xcut);
	int ny = axis_cuts(Ny, W, m->tile_h, m->rows, m->h, ycut);
	int nc = merge_cuts(xcut, nx, ycut, ny, cut);

	if (W.c1 != 0) {
		/* a perspective's cuts, and its horizon, in any order */
		cut[nc++] = -W.c0 / W.c1;
		qsort(cut, (size_t)nc, sizeof(*cut), cmp_double);
	}
	times(W, W, ww);
	times(Nx, W, nw[0]);
	times(Ny, W, nw[1]);
	while (x < width) {
		double end = width, mid, wm, uv[3], uw[3], vw[3], c[2][3], q[2][3];
		const double *d00, *d01;
		struct line U, V;
		int i, j, stop;

		/* the stretch runs to the first cut after pixel x */
		while (k < nc && !(cut[k] > x))
			k++;
		if (k < nc && cut[k] < end)
			end = cut[k];
		stop = (int)ceil(end);
		if (stop <= x)
			stop = x + 1;
		if (stop > width)
			stop = width;
		mid = 0.5 * (x + stop - 1);
		wm = W.c0 + mid * W.c1;
		if (!(wm > 1e-12 || wm < -1e-12)) {
			/* at the horizon: no source, one constant piece */
			pc[np] = (struct warp_piece){ .x0 = x, .x1 = stop, .w = { 1, 0 } };
			pc[np].sx[0] = pc[np].sy[0] = INFINITY;
			np++;
			x = stop;
			continue;
		}
		U = tile_axis((Nx.c0 + mid * Nx.c1) / wm, Nx, W, m->tile_w, m->inv_w, m->inv_lw,
			      m->cols, &i);
		V = tile_axis((Ny.c0 + mid * Ny.c1) / wm, Ny, W, m->tile_h, m->inv_h, m->inv_lh,
			      m->rows, &j);
		d00 = m->d + 2 * ((size_t)j * stride + (size_t)i);
		d01 = d00 + 2 * stride;
		times(U, V, uv);
		times(U, W, uw);
		times(V, W, vw);
		/* (p + d) W^2, d bilinear in the tile: d00 + u a10 + v a01 + u v e */
		for (int r = 0; r < 2; r++) {
			double a10 = d00[2 + r] - d00[r], a01 = d01[r] - d00[r];
			double e = d01[2 + r] - d00[2 + r] - d01[r] + d00[r];

			for (int n = 0; n < 3; n++)
				c[r][n] = d00[r] * ww[n] + a10 * uw[n] + a01 * vw[n] + e * uv[n] + nw[r][n];
		}
		/* then the matrix before the mesh, its translation times W^2 */
		for (int n = 0; n < 3; n++) {
			q[0][n] = b[0] * c[0][n] + b[1] * c[1][n] + b[2] * ww[n];
			q[1][n] = b[3] * c[0][n] + b[4] * c[1][n] + b[5] * ww[n];
		}
		/* the piece's own origin: q and W about x */
		pc[np].x0 = x;
		pc[np].x1 = stop;
		for (int r = 0; r < 2; r++) {
			double *o = r ? pc[np].sy : pc[np].sx;

			o[0] = q[r][0] + x * (q[r][1] + x * q[r][2]);
			o[1] = q[r][1] + 2.0 * x * q[r][2];
			o[2] = q[r][2];
		}
		pc[np].w[0] = W.c1 == 0 ? W.c0 : W.c0 + x * W.c1;
		pc[np].w[1] = W.c1;
		np++;
		x = stop;
	}
	return np;
}

static int affine(const struct mat3 *a)
{
	return a->m[6] == 0 && a->m[7] == 0 && a->m[8] == 1;
}

/* A piece of one pixel: the point (x, y), or no source. */
static void point(struct warp_piece *pc, int x, int ok, double sx, double sy)
{
	pc->x0 = x;
	pc->x1 = x + 1;
	pc->sx[0] = ok ? sx : INFINITY;
	pc->sy[0] = ok ? sy : INFINITY;
	pc->sx[1] = pc->sx[2] = pc->sy[1] = pc->sy[2] = 0;
	pc->w[0] = 1;
	pc->w[1] = 0;
}

/* aug_plan_map() at the centres of row y of a grid s output pixels to a
 * cell, in cells (s = 1 for the output's pixels, 2 for 4:2:0 chroma), as
 * warp pieces. @return how many. */
static int map_row_scaled(const struct aug_plan *plan, double s, int y, int width,
			  struct warp_piece *pc)
{
	double cy = s * (y + 0.5), px = 0, py = 0, ex, ey;
	unsigned t0;
	int x = 0, np = 0, have;

	if (plan->n_mesh == 1 && affine(&plan->mesh[0].before)) {
		np = map_row_mesh1(plan, s, y, width, pc);
	} else {
		/* Otherwise knots every KNOT pixels, mapped exactly, and lines
		 * between them where both knots went through the same tiles
		 * (a smooth stretch); where they did not, every pixel exactly. */
		have = !plan_map(plan, s * 0.5, cy, &px, &py, &t0);
		if (have)
			for (; x + KNOT < width; x += KNOT) {
				unsigned t1;

				if (plan_map(plan, s * (x + KNOT + 0.5), cy, &ex, &ey, &t1))
					break;
				if (t1 != t0) {
					point(&pc[np++], x, 1, px, py);
					for (int k = 1; k < KNOT; k++) {
						double qx, qy;
						int ok = !aug_plan_map(plan, s * (x + k + 0.5), cy, &qx, &qy);

						point(&pc[np++], x + k, ok, qx, qy);
					}
				} else {
					pc[np] = (struct warp_piece){ .x0 = x, .x1 = x + KNOT, .w = { 1, 0 } };
					pc[np].sx[0] = px;
					pc[np].sy[0] = py;
					pc[np].sx[1] = (ex - px) / KNOT;
					pc[np].sy[1] = (ey - py) / KNOT;
					np++;
				}
				px = ex;
				py = ey;
				t0 = t1;
			}
		/* the knot reached, then the tail and any stretch near a point
		 * at infinity, exactly */
		if (have && x < width)
			point(&pc[np++], x++, 1, px, py);
		for (; x < width; x++) {
			double qx, qy;
			int ok = !aug_plan_map(plan, s * (x + 0.5), cy, &qx, &qy);

			point(&pc[np++], x, ok, qx, qy);
		}
	}
	if (s != 1)
		for (int i = 0; i < np; i++)
			for (int k = 0; k < 3; k++) {
				pc[i].sx[k] *= 1 / s;  /* s is 2: exact */
				pc[i].sy[k] *= 1 / s;
			}
	return np;
}

int aug_plan_map_row(void *ctx, int y, int width, struct warp_piece *pieces)
{
	return map_row_scaled(ctx, 1, y, width, pieces);
}

int aug_plan_map_row_half(void *ctx, int y, int width, struct warp_piece *pieces)
{
	return map_row_scaled(ctx, 2, y, width, pieces);
}
