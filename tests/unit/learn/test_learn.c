/* The head and confident learning on data whose answers are known. */
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/cleanlab.h"
#include "learn/softreg.h"
#include "tests/unit/unit.h"

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static double unit(uint32_t *s)
{
	return (double)lcg(s) / (1 << 24);
}

static double normal(uint32_t *s)
{
	double u = unit(s) + 1e-9, v = unit(s);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* k Gaussian blobs in dim dimensions, 100 points each, centres far apart */
static void blobs(float *x, int *y, int n, int dim, int k, uint32_t seed)
{
	for (int i = 0; i < n; i++) {
		y[i] = i % k;
		for (int j = 0; j < dim; j++)
			x[i * dim + j] = (float)(normal(&seed) * 0.5 + (j % k == y[i] ? 3.0 : 0.0) + 10.0);
	}
}

UNIT_TEST(test_softreg_separates_blobs)
{
	enum { N = 300, D = 12, K = 3 };
	float x[N * D], p[N * K];
	int y[N], right = 0;
	struct softreg r = { 0 };

	blobs(x, y, N, D, K, 1);
	assert_int_equal(softreg_fit(x, y, NULL, N, D, K, 0.01, 300, &r, NULL), 0);
	assert_int_equal(softreg_predict(&r, x, NULL, N, p, NULL), 0);
	for (int i = 0; i < N; i++) {
		int best = 0;
		double sum = 0;

		for (int c = 0; c < K; c++) {
			sum += p[i * K + c];
			best = p[i * K + c] > p[i * K + best] ? c : best;
		}
		assert_true(fabs(sum - 1) < 1e-5);
		right += best == y[i];
	}
	assert_int_equal(right, N);
	assert_true(r.iterations > 0 && r.iterations <= 300);
	softreg_free(&r);
}

/* A huge penalty leaves only the biases: the class priors. */
UNIT_TEST(test_softreg_l2_shrinks_to_priors)
{
	enum { N = 200, D = 4, K = 2 };
	float x[N * D], p[N * K];
	int y[N];
	struct softreg r = { 0 };

	blobs(x, y, N, D, K, 2);
	for (int i = 0; i < 50; i++)
		y[i] = 0;  /* priors 0.625 / 0.375 */
	assert_int_equal(softreg_fit(x, y, NULL, N, D, K, 1e6, 300, &r, NULL), 0);
	assert_int_equal(softreg_predict(&r, x, NULL, N, p, NULL), 0);
	for (int i = 0; i < N; i++)
		assert_true(fabs(p[i * K] - 0.625) < 0.01);
	softreg_free(&r);
}

/* Features whose mean dwarfs their spread (100 against 1e-4, a scale of
 * 1e4) fit as fast as centred ones: the mean must not cancel in float.
 * Four plain features and 13 such, each shifted by the class. */
UNIT_TEST(test_softreg_large_offsets)
{
	enum { N = 2000, D = 17, K = 3 };
	float *x = malloc(sizeof(float) * N * D);
	int y[N];
	uint32_t seed = 3;
	struct softreg r = { 0 };

	assert_non_null(x);
	for (int i = 0; i < N; i++) {
		y[i] = i % K;
		for (int j = 0; j < D; j++) {
			double v = normal(&seed) + (j % K == y[i]);

			x[i * D + j] = (float)(j < 4 ? v : 100 + 1e-4 * v);
		}
	}
	assert_int_equal(softreg_fit(x, y, NULL, N, D, K, 1e-3, 300, &r, NULL), 0);
	if (r.iterations > 50)
		fail_msg("%d iterations (centred features take about 15)", r.iterations);
	assert_true(r.loss < 0.5);
	softreg_free(&r);
	free(x);
}

UNIT_TEST(test_softreg_refuses_nonsense)
{
	float x[4] = { 1, 2, 3, 4 };
	int y[4] = { 0, 1, 0, 3 };
	struct softreg r = { 0 };
	struct wn_err err = { 0 };

	assert_int_equal(softreg_fit(x, y, NULL, 4, 1, 2, 0.1, 10, &r, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	assert_int_equal(softreg_fit(x, y, NULL, 4, 1, 1, 0.1, 10, &r, &err), -1);
}

/* Out-of-sample probabilities that know the truth, 10% of the given
 * labels flipped: confident learning flags the flips and ranks them first. */
UNIT_TEST(test_cleanlab_finds_flips)
{
	enum { N = 600, K = 3 };
	static float p[N * K];
	int y[N], truth[N], flips = 0, hit = 0, flagged_right = 0;
	struct cl_result res = { 0 };
	uint32_t seed = 5;

	for (int i = 0; i < N; i++) {
		double s = 0;

		truth[i] = i % K;
		for (int c = 0; c < K; c++) {
			p[i * K + c] = (float)(unit(&seed) * 0.3 + (c == truth[i] ? 0.9 + unit(&seed) : 0));
			s += p[i * K + c];
		}
		for (int c = 0; c < K; c++)
			p[i * K + c] = (float)(p[i * K + c] / s);
		y[i] = truth[i];
		if (lcg(&seed) % 10 == 0) {
			y[i] = (truth[i] + 1 + (int)(lcg(&seed) % 2)) % K;
			flips++;
		}
	}
	assert_int_equal(cl_find_issues(y, p, N, K, &res, NULL), 0);
	for (int i = 0; i < N; i++)
		if (res.flag[i])
			flagged_right += y[i] != truth[i];
	/* the first `flips` of the ranking are the flips */
	for (int r = 0; r < flips; r++)
		hit += y[res.order[r]] != truth[res.order[r]];
	assert_true(flips > 30);
	assert_int_equal(hit, flips);
	assert_true(res.flagged >= (size_t)flips * 9 / 10 && res.flagged <= (size_t)flips * 11 / 10);
	assert_true(flagged_right >= flips * 9 / 10);
	/* thresholds are the mean self-confidence per given class */
	{
		double t0 = 0;
		int n0 = 0;

		for (int i = 0; i < N; i++)
			if (y[i] == 0) {
				t0 += p[i * K];
				n0++;
			}
		assert_true(fabs(res.thresholds[0] - t0 / n0) < 1e-9);
	}
	/* scores fall along the order */
	for (int r = 1; r < N; r++)
		assert_true(res.score[res.order[r - 1]] >= res.score[res.order[r]]);
	cl_free(&res);
}

UNIT_TEST(test_cleanlab_clean_data)
{
	enum { N = 90, K = 3 };
	float p[N * K];
	int y[N];
	struct cl_result res = { 0 };
	struct wn_err err = { 0 };

	for (int i = 0; i < N; i++) {
		y[i] = i % K;
		for (int c = 0; c < K; c++)
			p[i * K + c] = c == y[i] ? 0.8f : 0.1f;
	}
	assert_int_equal(cl_find_issues(y, p, N, K, &res, NULL), 0);
	assert_int_equal(res.flagged, 0);
	cl_free(&res);
	y[3] = 7;
	assert_int_equal(cl_find_issues(y, p, N, K, &res, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
}
