/* Softmax regression's loss and gradient, one pass over the rows, on a
 * pool of workers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/softgrad.h"

#define CHUNKS 32   /* the most chunks; a function of n alone */
#define RUN 64      /* rows summed in float before they go into double */
#define LANES 16

struct chunk {
	struct softgrad *s;
	size_t r0, r1;
	float *acc;     /* k x dim: this run of rows */
	double *gw;     /* k x dim: this chunk */
	double *gb;     /* k */
	double *z;      /* k: one row's logits */
	float *g;       /* 4 x k: four rows' softmax minus one-hot */
	double loss;
};

struct softgrad {
	const float *x;
	const int *y;
	const size_t *rows; /* NULL: 0 .. n-1 */
	size_t n;
	int dim, k, simd;
	const float *mean, *scale;
	struct pool *pool;
	float *wt;          /* k x dim: the weights on raw rows, one class a row */
	double *b;          /* k: the biases on raw rows */
	struct chunk ch[CHUNKS];
	int nch;
};

/* The sixteen lanes of a sum added up pairwise, halves first: the same
 * order on every path. */
static inline __attribute__((always_inline)) float lanes_sum(const float *s)
{
	float t[8];

	for (int l = 0; l < 8; l++)
		t[l] = s[l] + s[l + 8];
	return ((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]));
}

/* The dot products of a row with four classes' weights at once, each in
 * sixteen lanes, added up the same way on every path: four independent
 * sums keep the adder busy. */
static inline __attribute__((always_inline)) void dot4(const float *x, const float *mu,
						      const float *w, int d, double *z)
{
	float s[4][LANES] = { { 0 } };
	int j = 0;

	for (; j + LANES <= d; j += LANES)
		for (int l = 0; l < LANES; l++) {
			const float v = x[j + l] - mu[j + l];

			s[0][l] = fmaf(v, w[j + l], s[0][l]);
			s[1][l] = fmaf(v, w[(size_t)d + (size_t)(j + l)], s[1][l]);
			s[2][l] = fmaf(v, w[2 * (size_t)d + (size_t)(j + l)], s[2][l]);
			s[3][l] = fmaf(v, w[3 * (size_t)d + (size_t)(j + l)], s[3][l]);
		}
	for (int c = 0; c < 4; c++) {
		float t = lanes_sum(s[c]);

		for (int r = j; r < d; r++)
			t = fmaf(x[r] - mu[r], w[(size_t)c * (size_t)d + (size_t)r], t);
		z[c] = t;
	}
}

static inline __attribute__((always_inline)) float dot1(const float *x, const float *mu,
						       const float *w, int d)
{
	float s[LANES] = { 0 };
	int j = 0;

	for (; j + LANES <= d; j += LANES)
		for (int l = 0; l < LANES; l++)
			s[l] = fmaf(x[j + l] - mu[j + l], w[j + l], s[l]);
	float t = lanes_sum(s);

	for (; j < d; j++)
		t = fmaf(x[j] - mu[j], w[j], t);
	return t;
}

/* Row i's logits into z, its loss into the chunk, and its softmax minus
 * one-hot into g (k floats); the biases into the chunk's sums. */
static inline __attribute__((always_inline)) const float *raw(const struct softgrad *s,
							      size_t i)
{
	return s->x + (s->rows ? s->rows[i] : i) * (size_t)s->dim;
}

static inline __attribute__((always_inline)) void row(struct chunk *c, size_t i, float *g)
{
	const struct softgrad *s = c->s;
	const int d = s->dim, k = s->k, y = s->y[s->rows ? s->rows[i] : i];
	const float *xi = raw(s, i);
	double mx = -INFINITY, sum = 0;
	int cl = 0;

	for (; cl + 4 <= k; cl += 4)
		dot4(xi, s->mean, s->wt + (size_t)cl * (size_t)d, d, c->z + cl);
	for (; cl < k; cl++)
		c->z[cl] = dot1(xi, s->mean, s->wt + (size_t)cl * (size_t)d, d);
	for (cl = 0; cl < k; cl++) {
		c->z[cl] += s->b[cl];
		mx = c->z[cl] > mx ? c->z[cl] : mx;
	}
	for (cl = 0; cl < k; cl++)
		sum += exp(c->z[cl] - mx);
	c->loss += log(sum) + mx - c->z[y];
	for (cl = 0; cl < k; cl++) {
		double gd = exp(c->z[cl] - mx) / sum - (cl == y);

		c->gb[cl] += gd;
		g[cl] = (float)gd;
	}
}

/* Four rows' gradients into the run's sums: each class's sum is read and
 * written once for the four. */
static inline __attribute__((always_inline)) void add4(struct chunk *c, size_t i,
						      const float *g)
{
	const int d = c->s->dim, k = c->s->k;
	const float *x0 = raw(c->s, i), *x1 = raw(c->s, i + 1), *x2 = raw(c->s, i + 2),
		    *x3 = raw(c->s, i + 3), *mu = c->s->mean;

	for (int cl = 0; cl < k; cl++) {
		float *acc = c->acc + (size_t)cl * (size_t)d;
		const float g0 = g[cl], g1 = g[k + cl], g2 = g[2 * k + cl], g3 = g[3 * k + cl];

		for (int j = 0; j < d; j++)
			acc[j] = fmaf(g3, x3[j] - mu[j], fmaf(g2, x2[j] - mu[j],
				 fmaf(g1, x1[j] - mu[j], fmaf(g0, x0[j] - mu[j], acc[j]))));
	}
}

static inline __attribute__((always_inline)) void add1(struct chunk *c, size_t i,
						      const float *g)
{
	const int d = c->s->dim, k = c->s->k;
	const float *x = raw(c->s, i), *mu = c->s->mean;

	for (int cl = 0; cl < k; cl++) {
		float *acc = c->acc + (size_t)cl * (size_t)d;

		for (int j = 0; j < d; j++)
			acc[j] = fmaf(g[cl], x[j] - mu[j], acc[j]);
	}
}

static inline __attribute__((always_inline)) void chunk_body(struct chunk *c)
{
	const size_t m = (size_t)c->s->k * (size_t)c->s->dim;
	const int k = c->s->k;

	memset(c->gw, 0, m * sizeof(double));
	memset(c->gb, 0, (size_t)k * sizeof(double));
	c->loss = 0;
	for (size_t r = c->r0; r < c->r1; r += RUN) {
		size_t e = r + RUN < c->r1 ? r + RUN : c->r1, i = r;

		memset(c->acc, 0, m * sizeof(float));
		for (; i + 4 <= e; i += 4) {
			for (int q = 0; q < 4; q++)
				row(c, i + (size_t)q, c->g + (size_t)q * (size_t)k);
			add4(c, i, c->g);
		}
		for (; i < e; i++) {
			row(c, i, c->g);
			add1(c, i, c->g);
		}
		for (size_t j = 0; j < m; j++)
			c->gw[j] += c->acc[j];
	}
}

__attribute__((target("avx2,fma"))) static void chunk_avx2(struct chunk *c)
{
	chunk_body(c);
}

__attribute__((target("avx512f,avx512vl,avx2,fma")))
static void chunk_avx512(struct chunk *c)
{
	chunk_body(c);
}

static void chunk_plain(struct chunk *c)
{
	chunk_body(c);
}

static void chunk_job(void *arg)
{
	struct chunk *c = arg;

	if (c->s->simd >= CPU_AVX512)
		chunk_avx512(c);
	else if (c->s->simd >= CPU_AVX2)
		chunk_avx2(c);
	else
		chunk_plain(c);
}

struct softgrad *softgrad_new(const float *x, const int *y, const size_t *rows, size_t n,
			      int dim, int k, const float *mean, const float *scale, int threads)
{
	struct softgrad *s = calloc(1, sizeof(*s));
	size_t m = (size_t)k * (size_t)dim;

	if (!s)
		return NULL;
	*s = (struct softgrad){ .x = x, .y = y, .rows = rows, .n = n, .dim = dim, .k = k,
				.mean = mean, .scale = scale, .simd = cpu_level() };
	s->nch = n >= (size_t)CHUNKS * RUN ? CHUNKS : (int)((n + RUN - 1) / RUN);
	s->nch = s->nch ? s->nch : 1;
	s->wt = malloc(m * sizeof(float));
	s->b = malloc((size_t)k * sizeof(double));
	s->pool = pool_create(threads);
	if (!s->wt || !s->b || !s->pool)
		goto fail;
	for (int c = 0; c < s->nch; c++) {
		struct chunk *ch = &s->ch[c];

		ch->s = s;
		ch->r0 = n * (size_t)c / (size_t)s->nch;
		ch->r1 = n * (size_t)(c + 1) / (size_t)s->nch;
		ch->acc = malloc(m * sizeof(float));
		ch->gw = malloc(m * sizeof(double));
		ch->gb = malloc((size_t)k * sizeof(double));
		ch->z = malloc((size_t)k * sizeof(double));
		ch->g = malloc(4 * (size_t)k * sizeof(float));
		if (!ch->acc || !ch->gw || !ch->gb || !ch->z || !ch->g)
			goto fail;
	}
	return s;
fail:
	softgrad_free(s);
	return NULL;
}

double softgrad_eval(struct softgrad *s, const double *w, const double *b, double *gw,
		     double *gb)
{
	const int d = s->dim, k = s->k;
	const double inv = 1 / (double)s->n;
	double loss = 0;

	/* (x - mean) * scale . w + b = (x - mean) . (scale w) + b: the mean is
	 * subtracted in float inside the loops (folded into the bias, it would
	 * cancel badly for features whose mean dwarfs their spread) */
	for (int c = 0; c < k; c++)
		s->b[c] = b[c];
	for (int j = 0; j < d; j++)
		for (int c = 0; c < k; c++)
			s->wt[(size_t)c * (size_t)d + (size_t)j] =
				(float)(w[(size_t)j * (size_t)k + (size_t)c] * s->scale[j]);
	for (int c = 0; c < s->nch; c++)
		pool_submit(s->pool, chunk_job, &s->ch[c]);
	pool_wait(s->pool);
	memset(gw, 0, (size_t)d * (size_t)k * sizeof(double));
	memset(gb, 0, (size_t)k * sizeof(double));
	for (int c = 0; c < s->nch; c++) {   /* in order: the same sums every time */
		const struct chunk *ch = &s->ch[c];

		loss += ch->loss;
		for (int cl = 0; cl < k; cl++) {
			const double *g = ch->gw + (size_t)cl * (size_t)d;

			gb[cl] += ch->gb[cl];
			for (int j = 0; j < d; j++)
				gw[(size_t)j * (size_t)k + (size_t)cl] += g[j];
		}
	}
	/* back to standardised rows: sum g (x - mean) scale */
	for (int j = 0; j < d; j++)
		for (int c = 0; c < k; c++)
			gw[(size_t)j * (size_t)k + (size_t)c] *= s->scale[j] * inv;
	for (int cl = 0; cl < k; cl++)
		gb[cl] *= inv;
	return loss * inv;
}

void softgrad_free(struct softgrad *s)
{
	if (!s)
		return;
	for (int c = 0; c < CHUNKS; c++) {
		free(s->ch[c].acc);
		free(s->ch[c].gw);
		free(s->ch[c].gb);
		free(s->ch[c].z);
		free(s->ch[c].g);
	}
	pool_free(s->pool);
	free(s->wt);
	free(s->b);
	free(s);
}
