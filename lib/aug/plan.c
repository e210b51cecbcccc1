/* Drawing a sample's steps and composing its geometry into one matrix.
 * The forward map F takes source pixels to the current frame; each
 * geometric step multiplies it from the left in the frame it sees (its
 * centre, its size), and the warp uses F's inverse. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aug/plan.h"
#include "aug/rng.h"

struct frame {
	struct mat3 f;   /* source -> current */
	double w, h;     /* current size */
	int moved;
};

/* What drawing a step may end in, besides 0 (drawn and recorded). */
enum {
	DRAW_SKIP = 1,        /* it did not fire after all (a Keras flip) */
	DRAW_TOO_SMALL = -1,  /* it shrinks the frame below a pixel, or folds it */
	DRAW_NOMEM = -2
};

static void then(struct frame *fr, const struct mat3 *g)
{
	mat3_mul(&fr->f, g, &fr->f);
	fr->moved = 1;
}

/* g about the current centre. */
static void then_centred(struct frame *fr, const struct mat3 *g)
{
	struct mat3 a, b, m;

	mat3_translate(&a, -fr->w / 2, -fr->h / 2);
	mat3_translate(&b, fr->w / 2, fr->h / 2);
	mat3_mul(&m, g, &a);
	mat3_mul(&m, &b, &m);
	then(fr, &m);
}

/* A quarter turn counter-clockwise, k times; the frame turns with it. */
static void quarter_turns(struct frame *fr, int k)
{
	struct mat3 a, r, b, m;
	double nw = k % 2 ? fr->h : fr->w, nh = k % 2 ? fr->w : fr->h;

	mat3_translate(&a, -fr->w / 2, -fr->h / 2);
	mat3_rotate(&r, 90.0 * k);
	mat3_translate(&b, nw / 2, nh / 2);
	mat3_mul(&m, &r, &a);
	mat3_mul(&m, &b, &m);
	then(fr, &m);
	fr->w = nw;
	fr->h = nh;
}

static void flip(struct frame *fr, int top_bottom)
{
	struct mat3 s;

	mat3_scale(&s, top_bottom ? 1 : -1, top_bottom ? -1 : 1);
	then_centred(fr, &s);
}

/* Augmentor's skews: corners moved inward by d. kind 0..3 tilts an edge
 * (left, right, top, bottom); 4..11 moves one corner along one axis. */
static int skew(struct frame *fr, int kind, double d)
{
	double w = fr->w, h = fr->h;
	double src[8] = { 0, 0, w, 0, w, h, 0, h }, dst[8];
	struct mat3 g;

	memcpy(dst, src, sizeof(dst));
	switch (kind) {
	case 0: dst[1] += d; dst[7] -= d; break;   /* left edge shorter */
	case 1: dst[3] += d; dst[5] -= d; break;   /* right edge */
	case 2: dst[0] += d; dst[2] -= d; break;   /* top edge */
	case 3: dst[6] += d; dst[4] -= d; break;   /* bottom edge */
	default: {
		int corner = (kind - 4) / 2, axis = (kind - 4) % 2;
		double *c = dst + 2 * corner + axis;
		double mid = axis ? h / 2 : w / 2;

		*c += *c < mid ? d : -d;
	}
	}
	if (mat3_perspective(&g, src, dst))
		return -1;
	then(fr, &g);
	return 0;
}

/* The scale that keeps a w x h frame turned by deg free of fill. */
static double cover_scale(double w, double h, double deg)
{
	double r = fabs(deg) * M_PI / 180, c = cos(r), s = sin(r);

	return fmax(c + h / w * s, c + w / h * s);
}

/* Augmentor's gaussian_distortion: the spread of a vertex's displacement,
 * from a 2-D Gaussian over the (corner-mapped) unit square, normalised by
 * its range over a 50 x 50 sampling of the square, floored at 1%. */
static double bell(const struct aug_step *s, double x, double y)
{
	static const double quad[5][4] = {
		{ 0, 1, 0, 1 }, { 0.5, 1, 0.5, 1 }, { 0, 0.5, 0.5, 1 },   /* bell ul ur */
		{ 0.5, 1, 0, 0.5 }, { 0, 0.5, 0, 0.5 }                    /* dl dr */
	};
	const double *q = quad[(int)s->lo[4]];
	double mex = s->lo[6], mey = s->lo[7], sdx = s->lo[8], sdy = s->lo[9];
	double sign = s->lo[5] ? -1 : 1;  /* out : in */
	double lo = INFINITY, hi = -INFINITY, g;

	for (int j = 0; j < 50; j++)
		for (int i = 0; i < 50; i++) {
			double gx = i / 49.0, gy = j / 49.0;

			g = sign * exp(-((gx - mex) * (gx - mex) / sdx + (gy - mey) * (gy - mey) / sdy));
			lo = fmin(lo, g);
			hi = fmax(hi, g);
		}
	x = q[0] + x * (q[1] - q[0]);
	y = q[2] + y * (q[3] - q[2]);
	g = sign * exp(-((x - mex) * (x - mex) / sdx + (y - mey) * (y - mey) / sdy));
	g = hi > lo ? (g - lo) / (hi - lo) : 1;
	return fmax(g, 0.01) * s->lo[3];
}

/* A grid step: the segment composed so far is closed (its inverse kept as
 * the mesh's `before`), the vertices are drawn, and a new segment starts
 * in the same frame.
 * @return 0, DRAW_TOO_SMALL or DRAW_NOMEM. */
static int add_mesh(struct aug_plan *plan, struct frame *fr, const struct aug_step *s,
		    struct aug_rng *r)
{
	struct aug_mesh *m = &plan->mesh[plan->n_mesh];
	int cols = (int)s->lo[1], rows = (int)s->lo[2];

	/* Augmentor's tiles: floor(w / cols) wide, the last one taking the
	 * rest; never narrower than a pixel. */
	cols = cols > (int)fr->w ? (int)fr->w : cols;
	rows = rows > (int)fr->h ? (int)fr->h : rows;
	if (cols < 1 || rows < 1)
		return DRAW_TOO_SMALL;
	memset(m, 0, sizeof(*m));
	if (mat3_invert(&m->before, &fr->f))
		return DRAW_TOO_SMALL;
	m->d = calloc((size_t)(cols + 1) * (size_t)(rows + 1) * 2, sizeof(double));
	if (!m->d)
		return DRAW_NOMEM;
	plan->n_mesh++;
	m->cols = cols;
	m->rows = rows;
	m->w = fr->w;
	m->h = fr->h;
	m->tile_w = floor(fr->w / cols);
	m->tile_h = floor(fr->h / rows);
	m->inv_w = 1 / m->tile_w;
	m->inv_h = 1 / m->tile_h;
	m->inv_lw = 1 / (fr->w - (cols - 1) * m->tile_w);
	m->inv_lh = 1 / (fr->h - (rows - 1) * m->tile_h);
	for (int j = 1; j < rows; j++)
		for (int i = 1; i < cols; i++) {
			double *d = m->d + 2 * ((size_t)j * (size_t)(cols + 1) + (size_t)i);

			if (s->op == AUG_RANDOM_DISTORTION) {
				d[0] = (double)aug_rng_int(r, -(int64_t)s->lo[3], (int64_t)s->lo[3]);
				d[1] = (double)aug_rng_int(r, -(int64_t)s->lo[3], (int64_t)s->lo[3]);
			} else {
				double sd = bell(s, i * m->tile_w / fr->w, j * m->tile_h / fr->h);

				d[0] = aug_rng_normal(r, sd);
				d[1] = aug_rng_normal(r, sd);
			}
		}
	mat3_identity(&fr->f);
	fr->moved = 1;
	return 0;
}

/* What a step's draw function sees and fills. */
struct draw {
	const struct aug_step *s;
	struct aug_rng *r;         /* the step's own stream */
	struct frame *fr;          /* the frame the step sees; geometric steps move it */
	struct aug_plan *plan;     /* grid steps add their mesh */
	int a, b;                  /* the operation's constants from draws[] */
	double v[AUG_MAX_DRAWN];   /* the values recorded, v[0 .. n-1] */
	int n;
};

/* A draw function: @return 0 (the step is recorded), DRAW_SKIP,
 * DRAW_TOO_SMALL or DRAW_NOMEM. */
typedef int (*draw_fn)(struct draw *d);

/* v, recorded as the step's next value. */
static double keep(struct draw *d, double v)
{
	d->v[d->n++] = v;
	return v;
}

/* Augmentor's factors: min_factor to max_factor. */
static double factor(struct draw *d)
{
	return aug_rng_uniform(d->r, d->s->lo[1], d->s->lo[2]);
}

/* A [lo, hi] parameter's range. */
static double in_pair(struct draw *d)
{
	return aug_rng_uniform(d->r, d->s->lo[1], d->s->hi[1]);
}

/* A Keras range: -value to value. */
static double symmetric(struct draw *d)
{
	return aug_rng_uniform(d->r, -d->s->lo[1], d->s->lo[1]);
}

/* Augmentor's rotate and shear: up to max_right (a whole number of
 * degrees) on the right, up to max_left on the left (negative). */
static double side_degrees(struct draw *d, int right)
{
	return right ? (double)aug_rng_int(d->r, 0, (int64_t)d->s->lo[2])
		     : -(double)aug_rng_int(d->r, 0, (int64_t)d->s->lo[1]);
}

static int draw_rotate(struct draw *d)
{
	/* Augmentor: a side, then an angle up to that side's limit. */
	int right = (int)aug_rng_int(d->r, 0, 1);
	double deg = side_degrees(d, right);
	double k = cover_scale(d->fr->w, d->fr->h, deg);
	struct mat3 rot, sc, g;

	/* As PIL's rotate(), which Augmentor calls: positive turns
	 * counter-clockwise, so a "left" draw (negative) turns clockwise. */
	mat3_rotate(&rot, deg);
	mat3_scale(&sc, k, k);
	mat3_mul(&g, &sc, &rot);
	then_centred(d->fr, &g);
	keep(d, deg);
	return 0;
}

/* a: how many quarter turns, 0 drawn from 1 to 3 (rotate_random_90) */
static int draw_quarter_turns(struct draw *d)
{
	int k = d->a ? d->a : (int)keep(d, (double)aug_rng_int(d->r, 1, 3));

	quarter_turns(d->fr, k);
	return 0;
}

/* a: 1 top to bottom, 0 left to right, -1 drawn (flip_random) */
static int draw_flip(struct draw *d)
{
	int top_bottom = d->a >= 0 ? d->a : (int)keep(d, (double)aug_rng_int(d->r, 0, 1));

	flip(d->fr, top_bottom);
	return 0;
}

/* a: 1 top to bottom, 0 left to right */
static int draw_keras_flip(struct draw *d)
{
	/* Keras flips half the time when the setting is True. */
	if (!d->s->lo[1] || !aug_rng_int(d->r, 0, 1))
		return DRAW_SKIP;
	flip(d->fr, d->a);
	return 0;
}

static int draw_zoom(struct draw *d)
{
	double z = keep(d, factor(d));
	struct mat3 g;

	mat3_scale(&g, z, z);
	then_centred(d->fr, &g);
	return 0;
}

/* zoom_random, crop_random and crop_centre: a share of each side, then
 * where (crop_centre: the middle); zoom_random scales the crop back to
 * the frame. */
static int draw_crop(struct draw *d)
{
	const struct aug_step *s = d->s;
	struct frame *fr = d->fr;
	double pa = s->lo[2] ? aug_rng_uniform(d->r, 0.1, s->lo[1]) : s->lo[1];
	double nw = floor(fr->w * pa), nh = floor(fr->h * pa), x0, y0;
	struct mat3 t, g;

	if (nw < 1 || nh < 1)
		return DRAW_TOO_SMALL;
	if (s->op == AUG_CROP_CENTRE) {
		x0 = floor((fr->w - nw) / 2);
		y0 = floor((fr->h - nh) / 2);
	} else {
		x0 = (double)aug_rng_int(d->r, 0, (int64_t)(fr->w - nw));
		y0 = (double)aug_rng_int(d->r, 0, (int64_t)(fr->h - nh));
	}
	mat3_translate(&t, -x0, -y0);
	if (s->op == AUG_ZOOM_RANDOM) {
		/* the crop is scaled back to the frame */
		mat3_scale(&g, fr->w / nw, fr->h / nh);
		mat3_mul(&t, &g, &t);
	} else {
		fr->w = nw;
		fr->h = nh;
	}
	then(fr, &t);
	keep(d, pa);
	keep(d, x0);
	keep(d, y0);
	return 0;
}

static int draw_distortion(struct draw *d)
{
	int rc = add_mesh(d->plan, d->fr, d->s, d->r);

	if (rc)
		return rc;
	keep(d, (double)(d->plan->n_mesh - 1));  /* which mesh */
	return 0;
}

/* a, b: the kinds of skew() drawn from */
static int draw_skew(struct draw *d)
{
	struct frame *fr = d->fr;
	/* Augmentor moves up to magnitude x the longer side; kept below half
	 * the shorter one so edges never cross. */
	double max = fmin(fmax(fr->w, fr->h) * d->s->lo[1], fmin(fr->w, fr->h) * 0.45);
	int kind = (int)aug_rng_int(d->r, d->a, d->b);
	double dist;

	keep(d, kind);
	dist = keep(d, max < 1 ? max : aug_rng_uniform(d->r, 1, max));
	return skew(fr, kind, dist) ? DRAW_TOO_SMALL : 0;
}

static int draw_shear(struct draw *d)
{
	int right = (int)aug_rng_int(d->r, 0, 1), axis = (int)aug_rng_int(d->r, 0, 1);
	double deg = side_degrees(d, right);
	double k = tan(deg * M_PI / 180);
	struct mat3 g;

	mat3_shear(&g, axis ? 0 : k, axis ? k : 0);
	then_centred(d->fr, &g);
	keep(d, deg);
	keep(d, axis);
	return 0;
}

static int draw_keras_rotation(struct draw *d)
{
	struct mat3 g;

	mat3_rotate(&g, keep(d, symmetric(d)));
	then_centred(d->fr, &g);
	return 0;
}

/* a: 1 width (x), 0 height (y) */
static int draw_keras_shift(struct draw *d)
{
	int horiz = d->a;
	double t = symmetric(d);
	struct mat3 g;

	if (d->s->lo[1] < 1)  /* a fraction of the side, else pixels */
		t *= horiz ? d->fr->w : d->fr->h;
	mat3_translate(&g, horiz ? t : 0, horiz ? 0 : t);
	then(d->fr, &g);
	keep(d, t);
	return 0;
}

static int draw_keras_shear(struct draw *d)
{
	struct mat3 g;

	mat3_shear(&g, tan(keep(d, symmetric(d)) * M_PI / 180), 0);
	then_centred(d->fr, &g);
	return 0;
}

static int draw_keras_zoom(struct draw *d)
{
	/* Keras draws x and y apart; above 1 shows more (zooms out). */
	double zx = keep(d, in_pair(d)), zy = keep(d, in_pair(d));
	struct mat3 g;

	mat3_scale(&g, 1 / zx, 1 / zy);
	then_centred(d->fr, &g);
	return 0;
}

/* random_brightness, random_color, random_contrast: the factor */
static int draw_factor(struct draw *d)
{
	keep(d, factor(d));
	return 0;
}

/* channel_shift_range: the intensity added to all channels */
static int draw_symmetric(struct draw *d)
{
	keep(d, symmetric(d));
	return 0;
}

/* brightness_range: the factor; gaussian_blur: sigma */
static int draw_in_pair(struct draw *d)
{
	keep(d, in_pair(d));
	return 0;
}

static int draw_noise(struct draw *d)
{
	keep(d, in_pair(d));                                /* sigma */
	keep(d, (double)(aug_rng_next(d->r) >> 32));        /* noise seed */
	return 0;
}

static int draw_jpeg_quality(struct draw *d)
{
	keep(d, (double)aug_rng_int(d->r, (int64_t)d->s->lo[1], (int64_t)d->s->hi[1]));
	return 0;
}

static int draw_hue_shift(struct draw *d)
{
	/* degrees=d: -d..d; degrees=[a, b]: a..b either way round */
	double m = d->s->lo[1] == d->s->hi[1] ? aug_rng_uniform(d->r, 0, d->s->lo[1])
					       : in_pair(d);

	keep(d, aug_rng_int(d->r, 0, 1) ? m : -m);
	return 0;
}

/* pca_lighting: one alpha per principal component, from N(0, alpha_std^2) */
static int draw_pca_lighting(struct draw *d)
{
	for (int i = 0; i < 3; i++)
		keep(d, aug_rng_normal(d->r, d->s->lo[1]));
	return 0;
}

/* Indexed by enum aug_op. Operations without a function (greyscale,
 * invert, black_and_white, histogram_equalisation) draw nothing;
 * random_erasing draws in draw_erasing(), in the output frame. */
static const struct {
	draw_fn fn;
	int a, b;
} draws[AUG_OP_COUNT] = {
	[AUG_ROTATE] = { draw_rotate, 0, 0 },
	[AUG_ROTATE90] = { draw_quarter_turns, 1, 0 },
	[AUG_ROTATE180] = { draw_quarter_turns, 2, 0 },
	[AUG_ROTATE270] = { draw_quarter_turns, 3, 0 },
	[AUG_ROTATE_RANDOM_90] = { draw_quarter_turns, 0, 0 },
	[AUG_FLIP_LEFT_RIGHT] = { draw_flip, 0, 0 },
	[AUG_FLIP_TOP_BOTTOM] = { draw_flip, 1, 0 },
	[AUG_FLIP_RANDOM] = { draw_flip, -1, 0 },
	[AUG_ZOOM] = { draw_zoom, 0, 0 },
	[AUG_ZOOM_RANDOM] = { draw_crop, 0, 0 },
	[AUG_CROP_RANDOM] = { draw_crop, 0, 0 },
	[AUG_CROP_CENTRE] = { draw_crop, 0, 0 },
	[AUG_RANDOM_DISTORTION] = { draw_distortion, 0, 0 },
	[AUG_GAUSSIAN_DISTORTION] = { draw_distortion, 0, 0 },
	[AUG_SKEW_LEFT_RIGHT] = { draw_skew, 0, 1 },
	[AUG_SKEW_TOP_BOTTOM] = { draw_skew, 2, 3 },
	[AUG_SKEW_TILT] = { draw_skew, 0, 3 },
	[AUG_SKEW_CORNER] = { draw_skew, 4, 11 },
	[AUG_SKEW] = { draw_skew, 0, 11 },
	[AUG_SHEAR] = { draw_shear, 0, 0 },
	[AUG_RANDOM_BRIGHTNESS] = { draw_factor, 0, 0 },
	[AUG_RANDOM_COLOR] = { draw_factor, 0, 0 },
	[AUG_RANDOM_CONTRAST] = { draw_factor, 0, 0 },
	[AUG_K_ROTATION_RANGE] = { draw_keras_rotation, 0, 0 },
	[AUG_K_WIDTH_SHIFT_RANGE] = { draw_keras_shift, 1, 0 },
	[AUG_K_HEIGHT_SHIFT_RANGE] = { draw_keras_shift, 0, 0 },
	[AUG_K_SHEAR_RANGE] = { draw_keras_shear, 0, 0 },
	[AUG_K_ZOOM_RANGE] = { draw_keras_zoom, 0, 0 },
	[AUG_K_CHANNEL_SHIFT_RANGE] = { draw_symmetric, 0, 0 },
	[AUG_K_BRIGHTNESS_RANGE] = { draw_in_pair, 0, 0 },
	[AUG_K_HORIZONTAL_FLIP] = { draw_keras_flip, 0, 0 },
	[AUG_K_VERTICAL_FLIP] = { draw_keras_flip, 1, 0 },
	[AUG_GAUSSIAN_BLUR] = { draw_in_pair, 0, 0 },
	[AUG_GAUSSIAN_NOISE] = { draw_noise, 0, 0 },
	[AUG_JPEG_QUALITY] = { draw_jpeg_quality, 0, 0 },
	[AUG_HUE_SHIFT] = { draw_hue_shift, 0, 0 },
	[AUG_PCA_LIGHTING] = { draw_pca_lighting, 0, 0 },
};

/* Whose sample the streams are for: aug_plan_make()'s key. */
struct sample_key {
	uint64_t seed;
	const uint8_t *hash;
	uint32_t sample;
};

/* Step i: whether it fires (exactly the probability written: no rounding
 * to 0.1), then its draws, recorded in plan->applied.
 * @return 0, DRAW_TOO_SMALL or DRAW_NOMEM. */
static int draw_step(struct aug_plan *plan, struct frame *fr, const struct aug_pipeline *p,
		     size_t i, const struct sample_key *key)
{
	const struct aug_step *s = &p->steps[i];
	struct aug_rng r;
	struct draw d = { .s = s, .r = &r, .fr = fr, .plan = plan,
			  .a = draws[s->op].a, .b = draws[s->op].b };
	struct aug_applied *a;
	int rc = 0;

	aug_rng_init(&r, key->seed, key->hash, key->sample, (uint32_t)i);
	if (!(aug_rng_uniform(&r, 0, 1) < s->probability))
		return 0;
	if (draws[s->op].fn)
		rc = draws[s->op].fn(&d);
	if (rc)
		return rc == DRAW_SKIP ? 0 : rc;
	a = &plan->applied[plan->n++];
	a->op = s->op;
	a->step = (unsigned)i;
	a->n = d.n;
	memcpy(a->v, d.v, sizeof(*d.v) * (size_t)d.n);
	return 0;
}

/* Region steps act on the output, after the one warp: random_erasing's
 * rectangle is drawn in its frame (Augmentor's RandomErasing: each side
 * from 10% to rectangle_area of the side, anywhere), from the rest of the
 * stream that made the step fire. */
static void draw_erasing(struct aug_plan *plan, struct aug_applied *a, const struct aug_step *s,
			 const struct sample_key *key)
{
	struct aug_rng r;
	int64_t rw, rh;

	aug_rng_init(&r, key->seed, key->hash, key->sample, a->step);
	aug_rng_next(&r);  /* the draw that made it fire */
	rw = aug_rng_int(&r, (int64_t)(plan->width * 0.1), (int64_t)(plan->width * s->lo[1]));
	rh = aug_rng_int(&r, (int64_t)(plan->height * 0.1), (int64_t)(plan->height * s->lo[1]));
	rw = rw < 1 ? 1 : rw;
	rh = rh < 1 ? 1 : rh;
	a->v[0] = (double)aug_rng_int(&r, 0, plan->width - rw);
	a->v[1] = (double)aug_rng_int(&r, 0, plan->height - rh);
	a->v[2] = (double)rw;
	a->v[3] = (double)rh;
	a->v[4] = (double)(aug_rng_next(&r) >> 32);  /* noise seed */
	a->n = 5;
}

int aug_plan_make(const struct aug_pipeline *p, int w, int h, uint64_t seed,
		  const uint8_t hash[16], uint32_t sample, struct aug_plan *plan,
		  struct wn_err *err)
{
	const struct sample_key key = { seed, hash, sample };
	struct frame fr = { .w = w, .h = h, .moved = 0 };
	int rc = 0;

	memset(plan, 0, sizeof(*plan));
	plan->applied = calloc(p->n ? p->n : 1, sizeof(*plan->applied));
	plan->mesh = calloc(p->n ? p->n : 1, sizeof(*plan->mesh));
	if (!plan->applied || !plan->mesh)
		rc = DRAW_NOMEM;
	mat3_identity(&fr.f);
	for (size_t i = 0; i < p->n && !rc; i++)
		rc = draw_step(plan, &fr, p, i, &key);
	if (!rc && (fr.w < 1 || fr.h < 1))
		rc = DRAW_TOO_SMALL;
	if (rc) {
		aug_plan_release(plan);
		if (rc == DRAW_NOMEM)
			return wn_fail(err, WN_ENOMEM, "out of memory");
		return wn_fail(err, WN_EINVAL, "the steps shrink a %dx%d image below one pixel",
			       w, h);
	}
	plan->width = (int)fr.w;
	plan->height = (int)fr.h;
	for (size_t k = 0; k < plan->n; k++) {
		struct aug_applied *a = &plan->applied[k];

		if (a->op == AUG_RANDOM_ERASING)
			draw_erasing(plan, a, &p->steps[a->step], &key);
	}
	plan->geometric = fr.moved;
	if (mat3_invert(&plan->dst_to_src, &fr.f)) {
		aug_plan_release(plan);
		return wn_fail(err, WN_EINVAL, "the steps fold the image flat");
	}
	return 0;
}

void aug_plan_release(struct aug_plan *plan)
{
	for (size_t k = 0; k < plan->n_mesh; k++)
		free(plan->mesh[k].d);
	free(plan->mesh);
	free(plan->applied);
	memset(plan, 0, sizeof(*plan));
}

/* The names of the values each operation draws, in v[] order. */
static const char *const *drawn_names(enum aug_op op)
{
	static const char *const degrees[] = { "degrees", NULL };
	static const char *const turns[] = { "quarter_turns", NULL };
	static const char *const topbottom[] = { "top_bottom", NULL };
	static const char *const factor[] = { "factor", NULL };
	static const char *const crop[] = { "area", "x", "y", NULL };
	static const char *const skew[] = { "kind", "distance", NULL };
	static const char *const shear[] = { "degrees", "axis", NULL };
	static const char *const shift[] = { "pixels", NULL };
	static const char *const zoom2[] = { "zx", "zy", NULL };
	static const char *const intensity[] = { "intensity", NULL };
	static const char *const sigma[] = { "sigma", NULL };
	static const char *const noise[] = { "sigma", "noise_seed", NULL };
	static const char *const quality[] = { "quality", NULL };
	static const char *const erase[] = { "x", "y", "width", "height", "noise_seed", NULL };
	static const char *const mesh[] = { "mesh", NULL };
	static const char *const alphas[] = { "alpha1", "alpha2", "alpha3", NULL };
	static const char *const none[] = { NULL };

	switch (op) {
	case AUG_ROTATE: case AUG_K_ROTATION_RANGE: case AUG_K_SHEAR_RANGE: case AUG_HUE_SHIFT:
		return degrees;
	case AUG_ROTATE_RANDOM_90: return turns;
	case AUG_FLIP_RANDOM: return topbottom;
	case AUG_ZOOM: case AUG_RANDOM_BRIGHTNESS: case AUG_RANDOM_COLOR:
	case AUG_RANDOM_CONTRAST: case AUG_K_BRIGHTNESS_RANGE:
		return factor;
	case AUG_ZOOM_RANDOM: case AUG_CROP_RANDOM: case AUG_CROP_CENTRE: return crop;
	case AUG_SKEW_LEFT_RIGHT: case AUG_SKEW_TOP_BOTTOM: case AUG_SKEW_TILT:
	case AUG_SKEW_CORNER: case AUG_SKEW:
		return skew;
	case AUG_SHEAR: return shear;
	case AUG_K_WIDTH_SHIFT_RANGE: case AUG_K_HEIGHT_SHIFT_RANGE: return shift;
	case AUG_K_ZOOM_RANGE: return zoom2;
	case AUG_K_CHANNEL_SHIFT_RANGE: return intensity;
	case AUG_GAUSSIAN_BLUR: return sigma;
	case AUG_GAUSSIAN_NOISE: return noise;
	case AUG_JPEG_QUALITY: return quality;
	case AUG_PCA_LIGHTING: return alphas;
	case AUG_RANDOM_ERASING: return erase;
	case AUG_RANDOM_DISTORTION: case AUG_GAUSSIAN_DISTORTION: return mesh;
	default: return none;
	}
}

int aug_plan_json(const struct aug_plan *plan, const struct aug_pipeline *p, struct strbuf *out)
{
	int bad = strbuf_addch(out, '[');

	for (size_t i = 0; i < plan->n; i++) {
		const struct aug_applied *a = &plan->applied[i];
		const char *const *names = drawn_names(a->op);

		bad |= strbuf_addf(out, "%s{\"step\":%u,\"line\":%u,\"op\":\"%s\"", i ? "," : "",
				   a->step, p->steps[a->step].line, aug_op_name(a->op));
		for (int k = 0; k < a->n && names[k]; k++) {
			const struct aug_mesh *m;

			if (strcmp(names[k], "mesh")) {
				/* %.17g: the exact double, so a remake can use it */
				bad |= strbuf_addf(out, ",\"%s\":%.17g", names[k], a->v[k]);
				continue;
			}
			m = &plan->mesh[(size_t)a->v[k]];
			bad |= strbuf_addf(out, ",\"cols\":%d,\"rows\":%d,\"displacements\":[",
					   m->cols, m->rows);
			for (int j = 1; j < m->rows; j++)
				for (int c = 1; c < m->cols; c++) {
					const double *d = m->d + 2 * ((size_t)j * (size_t)(m->cols + 1) +
								      (size_t)c);

					bad |= strbuf_addf(out, "%s[%.17g,%.17g]",
							   j == 1 && c == 1 ? "" : ",", d[0], d[1]);
				}
			bad |= strbuf_addch(out, ']');
		}
		bad |= strbuf_addch(out, '}');
	}
	bad |= strbuf_addch(out, ']');
	return bad ? -1 : 0;
}
