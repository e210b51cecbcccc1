/* The one-pass softmax gradient: against a plain double computation,
 * against finite differences, and the same bytes on every path. */
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "learn/softgrad.h"
#include "tests/unit/unit.h"

/* Sizes that leave remainders everywhere: rows not a multiple of 4 or of
 * a run, a width not a multiple of 8, classes not a multiple of 4. */
#define N 2111
#define D 37
#define K 7

struct data {
	float x[N * D];
	int y[N];
	double w[D * K], b[K];
	float mean[D], scale[D];
	size_t rows[N];   /* every other row, backwards: a fold as indices */
};

#define M ((N + 1) / 2)

static struct data *make(void)
{
	struct data *s = calloc(1, sizeof(*s));
	uint32_t r = 7;

	assert_non_null(s);
	for (size_t i = 0; i < N * D; i++) {
		r = r * 1664525u + 1013904223u;
		s->x[i] = (float)((r >> 8) / 16777216.0 * 4 - 2);
	}
	for (int i = 0; i < N; i++)
		s->y[i] = (i * 5 + i / 3) % K;
	for (int i = 0; i < D * K; i++)
		s->w[i] = sin(i * 0.7) * 0.3;
	for (int c = 0; c < K; c++)
		s->b[c] = 0.1 * c - 0.3;
	for (int j = 0; j < D; j++) {
		s->mean[j] = (float)(0.25 * (j % 5) - 0.5);
		s->scale[j] = (float)(0.5 + 0.1 * (j % 7));
	}
	s->scale[3] = 0;   /* a constant feature, dropped */
	for (int i = 0; i < M; i++)
		s->rows[i] = (size_t)(N - 1 - 2 * i);
	return s;
}

/* The definition, in double, one standardised row at a time, over the
 * first n rows or rows[0..n-1]. */
static double reference(const struct data *s, const size_t *rows, int n, double *gw,
			double *gb)
{
	double loss = 0;

	memset(gw, 0, D * K * sizeof(double));
	memset(gb, 0, K * sizeof(double));
	for (int q = 0; q < n; q++) {
		size_t i = rows ? rows[q] : (size_t)q;
		double z[K], xs[D], mx = -INFINITY, sum = 0;

		for (int j = 0; j < D; j++)
			xs[j] = ((double)s->x[i * D + j] - s->mean[j]) * s->scale[j];
		for (int c = 0; c < K; c++) {
			z[c] = s->b[c];
			for (int j = 0; j < D; j++)
				z[c] += xs[j] * s->w[j * K + c];
			mx = z[c] > mx ? z[c] : mx;
		}
		for (int c = 0; c < K; c++)
			sum += exp(z[c] - mx);
		loss += log(sum) + mx - z[s->y[i]];
		for (int c = 0; c < K; c++) {
			double g = exp(z[c] - mx) / sum - (c == s->y[i]);

			gb[c] += g / n;
			for (int j = 0; j < D; j++)
				gw[j * K + c] += g * xs[j] / n;
		}
	}
	return loss / n;
}

static double eval_rows(const struct data *s, const size_t *rows, size_t n, int threads,
			double *gw, double *gb)
{
	struct softgrad *g = softgrad_new(s->x, s->y, rows, n, D, K, s->mean, s->scale, threads);
	double loss;

	assert_non_null(g);
	loss = softgrad_eval(g, s->w, s->b, gw, gb);
	softgrad_free(g);
	return loss;
}

static double eval(const struct data *s, int threads, double *gw, double *gb)
{
	return eval_rows(s, NULL, N, threads, gw, gb);
}

UNIT_TEST(test_softgrad_matches_definition)
{
	struct data *s = make();
	double gw[D * K], gb[K], rw[D * K], rb[K];
	for (int pass = 0; pass < 2; pass++) {
		const size_t *rows = pass ? s->rows : NULL;
		int n = pass ? M : N;
		double loss = eval_rows(s, rows, (size_t)n, 2, gw, gb);
		double want = reference(s, rows, n, rw, rb);

		assert_true(fabs(loss - want) < 1e-5);
		for (int i = 0; i < D * K; i++)
			if (fabs(gw[i] - rw[i]) > 1e-6)
				fail_msg("pass %d, weight %d: %.9g, the definition gives %.9g", pass,
					 i, gw[i], rw[i]);
		for (int c = 0; c < K; c++)
			assert_true(fabs(gb[c] - rb[c]) < 1e-6);
	}
	free(s);
}

/* The gradient is the loss's slope: a step along it lowers the loss by
 * what the gradient says, to first order. */
UNIT_TEST(test_softgrad_is_the_slope)
{
	struct data *s = make();
	double gw[D * K], gb[K], gw2[D * K], gb2[K], h = 1e-3;
	int idx[] = { 0, 5, 100, D * K - 1 };

	eval(s, 1, gw, gb);
	for (size_t t = 0; t < sizeof(idx) / sizeof(idx[0]); t++) {
		double keep = s->w[idx[t]], up, down;

		s->w[idx[t]] = keep + h;
		up = eval(s, 1, gw2, gb2);
		s->w[idx[t]] = keep - h;
		down = eval(s, 1, gw2, gb2);
		s->w[idx[t]] = keep;
		if (fabs((up - down) / (2 * h) - gw[idx[t]]) > 1e-4)
			fail_msg("weight %d: slope %.9g, gradient %.9g", idx[t],
				 (up - down) / (2 * h), gw[idx[t]]);
	}
	free(s);
}

/* One thread or two, AVX-512, AVX2 or plain loops: the same bytes. */
UNIT_TEST(test_softgrad_same_bytes_every_path)
{
	static const int caps[] = { CPU_AVX2, CPU_PLAIN, CPU_AVX512 };
	struct data *s = make();
	double gw1[D * K], gb1[K], gw2[D * K], gb2[K];
	double l1 = eval(s, 1, gw1, gb1), l2 = eval(s, 2, gw2, gb2);

	assert_memory_equal(&l1, &l2, sizeof(l1));
	assert_memory_equal(gw1, gw2, sizeof(gw1));
	assert_memory_equal(gb1, gb2, sizeof(gb1));
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		cpu_set_simd(caps[i]);
		l2 = eval(s, 2, gw2, gb2);
		assert_memory_equal(&l1, &l2, sizeof(l1));
		assert_memory_equal(gw1, gw2, sizeof(gw1));
		assert_memory_equal(gb1, gb2, sizeof(gb1));
	}
	free(s);
}
