/* dHash-64 and the 16x16 thumbnail (definition in dhash.h). */
#include <math.h>
#include <string.h>

#include "hash/dhash.h"

/*
 * One side of a decoded image, in integer units: n pixels, each `unit`
 * wide but one at an end, which covers `part` units (1..unit). A JPEG
 * decoded at k/8 of a side that 8/k does not divide ends in a pixel that
 * stands for part of a block (the rest is the encoder's padding); which
 * end depends on how the image was turned for display (part_first).
 */
struct side {
	uint64_t n, unit, part;
	int part_first;
};

/* Where pixel j (0..n) of the side starts; edge(s, n) is its length. */
static inline uint64_t edge(const struct side *s, uint64_t j)
{
	if (!j)
		return 0;
	if (s->part_first)
		return s->part + (j - 1) * s->unit;
	return j < s->n ? j * s->unit : (s->n - 1) * s->unit + s->part;
}

/*
 * Exact area average of a grey image onto a gw x gh grid, as integer sums.
 * Scaling x by gw and cell widths by the side's length L makes every
 * boundary an integer: source column j covers [edge(j)*gw, edge(j+1)*gw)
 * and cell i covers [i*L, (i+1)*L). sums[] gets, per cell, the sum of
 * luma * overlap area; all cells have the same area, so sums compare
 * directly and divide by Lx*Ly for means.
 */
static void area_sums(const uint8_t *pixels, size_t stride, const struct side *sx,
		      const struct side *sy, int gw, int gh, uint64_t *sums)
{
	uint64_t row[THUMB_SIDE];  /* gw <= 16: both grids are that narrow */
	uint64_t W = edge(sx, sx->n), H = edge(sy, sy->n);

	memset(sums, 0, (size_t)gw * gh * sizeof(*sums));
	for (uint64_t y = 0; y < sy->n; y++) {
		const uint8_t *p = pixels + (size_t)y * stride;

		memset(row, 0, (size_t)gw * sizeof(*row));
		for (uint64_t x = 0; x < sx->n; x++) {
			uint64_t a = edge(sx, x) * gw, b = edge(sx, x + 1) * gw;

			for (uint64_t i = a / W; a < b; i++) {
				uint64_t end = (i + 1) * W < b ? (i + 1) * W : b;

				row[i] += (uint64_t)p[x] * (end - a);
				a = end;
			}
		}
		/* Same split vertically. */
		uint64_t a = edge(sy, y) * gh, b = edge(sy, y + 1) * gh;

		for (uint64_t k = a / H; a < b; k++) {
			uint64_t end = (k + 1) * H < b ? (k + 1) * H : b;

			for (int i = 0; i < gw; i++)
				sums[k * gw + i] += row[i] * (end - a);
			a = end;
		}
	}
}

/* Every pixel whole: the definition's plain case. */
static void whole_sides(const struct img *grey, struct side *sx, struct side *sy)
{
	*sx = (struct side){ (uint64_t)grey->width, 1, 1, 0 };
	*sy = (struct side){ (uint64_t)grey->height, 1, 1, 0 };
}

static uint64_t dhash_of(const struct img *grey, const struct side *sx, const struct side *sy)
{
	uint64_t sums[9 * 8], hash = 0;

	area_sums(grey->pixels, grey->stride, sx, sy, 9, 8, sums);
	for (int r = 0; r < 8; r++)
		for (int c = 0; c < 8; c++)
			hash = hash << 1 | (sums[r * 9 + c] < sums[r * 9 + c + 1]);
	return hash;
}

static void thumb_of(const struct img *grey, const struct side *sx, const struct side *sy,
		     uint8_t thumb[THUMB_BYTES])
{
	uint64_t sums[THUMB_BYTES];
	uint64_t area = edge(sx, sx->n) * edge(sy, sy->n);

	area_sums(grey->pixels, grey->stride, sx, sy, THUMB_SIDE, THUMB_SIDE, sums);
	for (int i = 0; i < THUMB_BYTES; i++)
		thumb[i] = (uint8_t)((2 * sums[i] + area) / (2 * area));
}

uint64_t dhash_compute(const struct img *grey)
{
	struct side sx, sy;

	whole_sides(grey, &sx, &sy);
	return dhash_of(grey, &sx, &sy);
}

/* Thumbnail pixel (x, y) under orientation o is in[base + x * dx + y * dy]:
 * every turn of a square grid is affine. */
static void turn_map(int o, int *base, int *dx, int *dy)
{
	int x0, y0, x1, y1, x2, y2;

	img_orient_source(o, 0, 0, THUMB_SIDE, THUMB_SIDE, &x0, &y0);
	img_orient_source(o, 1, 0, THUMB_SIDE, THUMB_SIDE, &x1, &y1);
	img_orient_source(o, 0, 1, THUMB_SIDE, THUMB_SIDE, &x2, &y2);
	*base = y0 * THUMB_SIDE + x0;
	*dx = (y1 - y0) * THUMB_SIDE + (x1 - x0);
	*dy = (y2 - y0) * THUMB_SIDE + (x2 - x0);
}

void thumb_orient(const uint8_t in[THUMB_BYTES], int orientation, uint8_t out[THUMB_BYTES])
{
	int base, dx, dy;

	turn_map(orientation, &base, &dx, &dy);
	for (int y = 0; y < THUMB_SIDE; y++)
		for (int x = 0; x < THUMB_SIDE; x++)
			out[y * THUMB_SIDE + x] = in[base + x * dx + y * dy];
}

/*
 * area_sums() on a 16x16 image onto the 9x8 grid, reading it turned: each
 * column overlaps one or two of the 9 cells (the same integer overlaps as
 * area_sums(), 9 units a column and 16 a cell), each row lies in one of
 * the 8 (rows 2k and 2k + 1). The sums are area_sums()'s divided by the
 * rows' common weight, so the bits are the same.
 */
uint64_t thumb_dhash_turned(const uint8_t thumb[THUMB_BYTES], int orientation)
{
	uint32_t sums[8][9] = { { 0 } };
	int cell[THUMB_SIDE], w0[THUMB_SIDE], base, dx, dy;
	uint64_t hash = 0;

	for (int x = 0; x < THUMB_SIDE; x++) {
		int a = x * 9, edge = (a / THUMB_SIDE + 1) * THUMB_SIDE;

		cell[x] = a / THUMB_SIDE;
		w0[x] = edge < a + 9 ? edge - a : 9;
	}
	turn_map(orientation, &base, &dx, &dy);
	for (int y = 0; y < THUMB_SIDE; y++) {
		uint32_t *row = sums[y / 2];

		for (int x = 0; x < THUMB_SIDE; x++) {
			uint32_t v = thumb[base + x * dx + y * dy];

			row[cell[x]] += v * (uint32_t)w0[x];
			if (w0[x] < 9)
				row[cell[x] + 1] += v * (uint32_t)(9 - w0[x]);
		}
	}
	for (int r = 0; r < 8; r++)
		for (int c = 0; c < 8; c++)
			hash = hash << 1 | (sums[r][c] < sums[r][c + 1]);
	return hash;
}

uint64_t thumb_dhash(const uint8_t thumb[THUMB_BYTES])
{
	return thumb_dhash_turned(thumb, 1);
}

void thumb_compute(const struct img *grey, uint8_t thumb[THUMB_BYTES])
{
	struct side sx, sy;

	whole_sides(grey, &sx, &sy);
	thumb_of(grey, &sx, &sy, thumb);
}

/* The displayed sides of a reduced JPEG decode (step 2's partial edge
 * pixels): stored W x H decoded to w x h, both rounded up from k/8 for
 * some k (TJSCALED), so the decode's last column covers W*k - 8*(w - 1)
 * eighths of a pixel, its last row likewise; the turn for display moves
 * them to the near or far side. A full-size decode fits k = 8: every
 * pixel whole, as when no k fits. */
static void decoded_sides(const struct img *grey, const struct img_info *info, struct side *sx,
			  struct side *sy)
{
	int o = info->orientation, swap = o >= 5 && o <= 8, x0, y0, x1, y1, x2, y2;
	uint64_t W = (uint64_t)(swap ? info->height : info->width);
	uint64_t H = (uint64_t)(swap ? info->width : info->height);
	uint64_t w = (uint64_t)(swap ? grey->height : grey->width);
	uint64_t h = (uint64_t)(swap ? grey->width : grey->height);
	struct side stored_x, stored_y;
	uint64_t k;

	whole_sides(grey, sx, sy);
	for (k = 8; k > 0; k--)  /* the largest: k = 8 for a full decode */
		if ((W * k + 7) / 8 == w && (H * k + 7) / 8 == h)
			break;
	if (!k || !w || !h)
		return;
	stored_x = (struct side){ w, 8, W * k - 8 * (w - 1), 0 };
	stored_y = (struct side){ h, 8, H * k - 8 * (h - 1), 0 };
	/* Displayed x runs along stored y when swapped, backwards when its
	 * first pixel comes from the stored far end. */
	img_orient_source(o, 0, 0, 2, 2, &x0, &y0);
	img_orient_source(o, 1, 0, 2, 2, &x1, &y1);
	img_orient_source(o, 0, 1, 2, 2, &x2, &y2);
	*sx = swap ? stored_y : stored_x;
	*sy = swap ? stored_x : stored_y;
	sx->part_first = swap ? y1 < y0 : x1 < x0;
	sy->part_first = swap ? x2 < x0 : y2 < y0;
}

void fingerprint_compute(const struct img *grey, const struct img_info *header,
			 struct fingerprint *fp)
{
	struct side sx, sy;

	decoded_sides(grey, header, &sx, &sy);
	fp->dhash = dhash_of(grey, &sx, &sy);
	thumb_of(grey, &sx, &sy, fp->thumb);
}

int fingerprint_decode(const uint8_t *buf, size_t len, const struct img_limits *limits,
		       struct fingerprint *fp, struct img_info *info, struct wn_err *err)
{
	struct img_decode_opts opts;
	struct img_info header;
	struct img grey;

	fingerprint_decode_opts(limits, &opts);
	if (img_decode(buf, len, &opts, &grey, &header, err))
		return -1;
	fingerprint_compute(&grey, &header, fp);
	img_release(&grey);
	if (info)
		*info = header;
	return 0;
}

void fingerprint_decode_opts(const struct img_limits *limits, struct img_decode_opts *opts)
{
	img_decode_opts_init(opts);
	opts->limits = *limits;
	opts->channels = 1;
	opts->min_width = FINGERPRINT_MIN_SIDE;
	opts->min_height = FINGERPRINT_MIN_SIDE;
}

int thumb_is_flat(const uint8_t thumb[THUMB_BYTES])
{
	double sum = 0, sq = 0, mean;

	for (int i = 0; i < THUMB_BYTES; i++) {
		sum += thumb[i];
		sq += (double)thumb[i] * thumb[i];
	}
	mean = sum / THUMB_BYTES;
	return sq / THUMB_BYTES - mean * mean < THUMB_FLAT_STD * THUMB_FLAT_STD;
}

/* Mean-centred, unit-length copy of v; returns 0 when v is constant. */
static int normalise(const float *v, float *out)
{
	double mean = 0, norm = 0;

	for (int i = 0; i < THUMB_BYTES; i++)
		mean += v[i];
	mean /= THUMB_BYTES;
	for (int i = 0; i < THUMB_BYTES; i++) {
		out[i] = (float)(v[i] - mean);
		norm += (double)out[i] * out[i];
	}
	if (norm < 1e-9)
		return 0;
	norm = 1.0 / sqrt(norm);
	for (int i = 0; i < THUMB_BYTES; i++)
		out[i] = (float)(out[i] * norm);
	return 1;
}

/* Zooms a 16x16 thumbnail about its centre by z (> 1 magnifies, as if a
 * border had been cropped away), bilinear, with edge clamping. */
static void zoom(const uint8_t *t, double z, float *out)
{
	int x0[THUMB_SIDE], x1[THUMB_SIDE];
	float f[THUMB_SIDE];

	for (int i = 0; i < THUMB_SIDE; i++) {
		double c = (i + 0.5 - THUMB_SIDE / 2.0) / z + THUMB_SIDE / 2.0 - 0.5;

		c = c < 0 ? 0 : c > THUMB_SIDE - 1 ? THUMB_SIDE - 1 : c;
		x0[i] = (int)c;
		x1[i] = x0[i] + 1 < THUMB_SIDE ? x0[i] + 1 : THUMB_SIDE - 1;
		f[i] = (float)(c - x0[i]);
	}
	for (int y = 0; y < THUMB_SIDE; y++)
		for (int x = 0; x < THUMB_SIDE; x++) {
			const uint8_t *r0 = t + x0[y] * THUMB_SIDE, *r1 = t + x1[y] * THUMB_SIDE;
			float top = r0[x0[x]] * (1 - f[x]) + r0[x1[x]] * f[x];
			float bot = r1[x0[x]] * (1 - f[x]) + r1[x1[x]] * f[x];

			out[y * THUMB_SIDE + x] = top * (1 - f[y]) + bot * f[y];
		}
}

static float dot(const float *a, const float *b)
{
	float s = 0;

	for (int i = 0; i < THUMB_BYTES; i++)
		s += a[i] * b[i];
	return s;
}

/* Pearson correlation of two thumbnails in one integer pass; 0 when
 * either is constant. */
static double plain_correlation(const uint8_t *a, const uint8_t *b)
{
	uint32_t sa = 0, sb = 0;
	uint64_t saa = 0, sbb = 0, sab = 0;
	double va, vb;

	for (int i = 0; i < THUMB_BYTES; i++) {
		sa += a[i];
		sb += b[i];
		saa += (uint32_t)a[i] * a[i];
		sbb += (uint32_t)b[i] * b[i];
		sab += (uint32_t)a[i] * b[i];
	}
	va = (double)saa - (double)sa * sa / THUMB_BYTES;
	vb = (double)sbb - (double)sb * sb / THUMB_BYTES;
	if (va < 1e-9 || vb < 1e-9)
		return 0;
	return ((double)sab - (double)sa * sb / THUMB_BYTES) / sqrt(va * vb);
}

/* The best correlation with either thumbnail zoomed; stops early once it
 * reaches `enough`. */
static double zoomed_correlation(const uint8_t *a, const uint8_t *b, double enough)
{
	static const double zooms[] = { 1.03, 1.064 };
	float raw[THUMB_BYTES], na[THUMB_BYTES], nb[THUMB_BYTES], nz[THUMB_BYTES];
	double best = -1;

	for (int i = 0; i < THUMB_BYTES; i++)
		raw[i] = a[i];
	if (!normalise(raw, na))
		return 0;
	for (int i = 0; i < THUMB_BYTES; i++)
		raw[i] = b[i];
	if (!normalise(raw, nb))
		return 0;
	for (size_t z = 0; z < sizeof(zooms) / sizeof(zooms[0]) && best < enough; z++) {
		zoom(a, zooms[z], raw);
		if (normalise(raw, nz) && dot(nz, nb) > best)
			best = dot(nz, nb);
		zoom(b, zooms[z], raw);
		if (normalise(raw, nz) && dot(na, nz) > best)
			best = dot(na, nz);
	}
	return best;
}

double thumb_similarity(const uint8_t a[THUMB_BYTES], const uint8_t b[THUMB_BYTES])
{
	double plain = plain_correlation(a, b), zoomed;

	if (plain == 0 && (thumb_is_flat(a) || thumb_is_flat(b)))
		return 0;
	zoomed = zoomed_correlation(a, b, 2.0);
	return zoomed > plain ? zoomed : plain;
}

/* A zoom of a few percent moves a correlation by a few hundredths: far
 * below the need, it is not worth trying (on the benchmark corpus the
 * largest gain was under 0.10). */
#define ZOOM_REACH 0.15

int thumb_similar(const uint8_t a[THUMB_BYTES], const uint8_t b[THUMB_BYTES], double need)
{
	double plain = plain_correlation(a, b);

	if (plain >= need)
		return 1;
	return plain >= need - ZOOM_REACH && zoomed_correlation(a, b, need) >= need;
}

void thumb_sketch(const uint8_t thumb[THUMB_BYTES], struct thumb_sketch *out)
{
	enum { CELLS = THUMB_SIDE / THUMB_SKETCH_SIDE };   /* a block's side */
	uint32_t sum[THUMB_SKETCH_SIDE * THUMB_SKETCH_SIDE] = { 0 }, total = 0;
	uint64_t sq = 0;
	double var, blocks_sq = 0;

	for (int y = 0; y < THUMB_SIDE; y++)
		for (int x = 0; x < THUMB_SIDE; x++) {
			uint32_t v = thumb[y * THUMB_SIDE + x];

			sum[(y / CELLS) * THUMB_SKETCH_SIDE + x / CELLS] += v;
			total += v;
			sq += v * v;
		}
	/* In integers made exact in doubles: the variance about the mean,
	 * and the part of it the block means do not explain. */
	var = (double)sq - (double)total * total / THUMB_BYTES;
	memset(out, 0, sizeof(*out));
	if (var < 1e-9)
		return;
	for (int k = 0; k < THUMB_SKETCH_SIDE * THUMB_SKETCH_SIDE; k++) {
		double mean = (double)sum[k] / (CELLS * CELLS) - (double)total / THUMB_BYTES;

		out->block[k] = (float)(CELLS * mean / sqrt(var));
		blocks_sq += (double)sum[k] * sum[k] / (CELLS * CELLS);
	}
	out->rest = (float)sqrt(fmax(0, ((double)sq - blocks_sq) / var));
}

/* Rounding in the floats above is far below this. */
#define SKETCH_SLACK 1e-3

int thumb_sketch_rules_out(const struct thumb_sketch *a, int orientation,
			   const struct thumb_sketch *b, double need)
{
	enum { S = THUMB_SKETCH_SIDE };
	int x0, y0, x1, y1, x2, y2, base, dx, dy;
	float dot = 0;

	img_orient_source(orientation, 0, 0, S, S, &x0, &y0);
	img_orient_source(orientation, 1, 0, S, S, &x1, &y1);
	img_orient_source(orientation, 0, 1, S, S, &x2, &y2);
	base = y0 * S + x0;
	dx = (y1 - y0) * S + (x1 - x0);
	dy = (y2 - y0) * S + (x2 - x0);
	for (int y = 0; y < S; y++)
		for (int x = 0; x < S; x++)
			dot += a->block[base + x * dx + y * dy] * b->block[y * S + x];
	/* thumb_similar() is 0 below need - ZOOM_REACH whatever the zoom */
	return dot + a->rest * b->rest < need - ZOOM_REACH - SKETCH_SLACK;
}
