/* Choosing the head: warm starts, the penalty by nested cross-validation,
 * the neighbours' vote, the MLP, the ranking by self-confidence. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "learn/cleanlab.h"
#include "learn/crossval.h"
#include "learn/knn.h"
#include "learn/mlp.h"
#include "learn/softreg.h"
#include "tests/unit/unit.h"

static double gauss(uint64_t *s)
{
	double u, v;

	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	u = ((double)(*s >> 11) + 1) / 9007199254740993.0;
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	v = (double)(*s >> 11) / 9007199254740992.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* A training set of n rows of dim features, k classes in turn, each
 * class's centre `sep` along its own axes; item hashes from the index. */
static void make_set(struct train_set *t, size_t n, int dim, int k, double sep, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	t->n = n;
	t->dim = dim;
	t->k = k;
	t->x = malloc(n * (size_t)dim * sizeof(float));
	t->y = malloc(n * sizeof(int));
	t->items = calloc(n, sizeof(*t->items));
	assert_non_null(t->x);
	assert_non_null(t->y);
	assert_non_null(t->items);
	for (size_t i = 0; i < n; i++) {
		t->y[i] = (int)(i % (size_t)k);
		memcpy(t->items[i].xxh3, &i, sizeof(i));
		for (int j = 0; j < dim; j++)
			t->x[i * (size_t)dim + (size_t)j] =
				(float)(gauss(&seed) + (j % k == t->y[i] ? sep : 0));
	}
}

static void free_set(struct train_set *t)
{
	free(t->x);
	free(t->y);
	free(t->items);
}

/* Started from a fit at another penalty, L-BFGS ends where it ends from
 * zeros, in fewer steps. */
UNIT_TEST(test_softreg_warm_start)
{
	struct train_set t;
	struct softreg cold = { 0 }, near = { 0 }, warm = { 0 };

	make_set(&t, 400, 20, 3, 1.0, 1);
	assert_int_equal(softreg_fit(t.x, t.y, NULL, t.n, t.dim, t.k, 0.1, 300, &cold, NULL), 0);
	assert_int_equal(softreg_fit(t.x, t.y, NULL, t.n, t.dim, t.k, 0.3, 300, &near, NULL), 0);
	assert_int_equal(softreg_fit_from(t.x, t.y, NULL, t.n, t.dim, t.k, 0.1, 300, &near, &warm,
					  NULL), 0);
	assert_true(fabs(cold.loss - warm.loss) < 1e-5 * (cold.loss + 1));
	if (warm.iterations >= cold.iterations)
		fail_msg("warm %d steps, cold %d", warm.iterations, cold.iterations);
	for (int i = 0; i < t.dim * t.k; i++)
		assert_true(fabs(cold.w[i] - warm.w[i]) < 1e-2);
	softreg_free(&cold);
	softreg_free(&near);
	softreg_free(&warm);
	free_set(&t);
}

/* Labels the features do not tell want a large penalty; many clean
 * ones a small one. Each fold chooses, the head takes their median. */
UNIT_TEST(test_nested_l2_follows_the_data)
{
	struct crossval_opts o = { .folds = 5, .l2 = CROSSVAL_NESTED, .seeds = 1 };
	struct crossval_result noisy, clean;
	struct train_set a, b;
	float *oa, *ob;

	make_set(&a, 60, 200, 3, 0.0, 2);  /* labels that the features do not tell */
	make_set(&b, 900, 5, 3, 4.0, 3);
	oa = malloc(a.n * 3 * sizeof(float));
	ob = malloc(b.n * 3 * sizeof(float));
	assert_int_equal(crossval_run(&a, &o, oa, &noisy, NULL), 0);
	assert_int_equal(crossval_run(&b, &o, ob, &clean, NULL), 0);
	if (!(noisy.l2 >= 1 && clean.l2 <= 0.03))
		fail_msg("noisy %g, clean %g", noisy.l2, clean.l2);
	for (int f = 0; f < 5; f++)
		assert_true(noisy.fold_l2[f] >= 0.001 && noisy.fold_l2[f] <= 10);
	assert_true(noisy.fold_l2[5] == -1);
	assert_non_null(noisy.warm.w);
	assert_true(clean.log_loss < noisy.log_loss);
	softreg_free(&noisy.warm);
	softreg_free(&clean.warm);
	free(oa);
	free(ob);
	free_set(&a);
	free_set(&b);
}

/* The penalty for a head on other features than the ones cross-validated
 * (label train's middle layer): chosen on the whole set as a fold's is,
 * large for labels the features do not tell and small for clean ones,
 * with a start of the set's width. */
UNIT_TEST(test_choose_l2_on_the_whole_set)
{
	struct softreg wa = { 0 }, wb = { 0 };
	struct train_set a, b;
	double la = -1, lb = -1;

	make_set(&a, 60, 200, 3, 0.0, 2);
	make_set(&b, 900, 5, 3, 4.0, 3);
	assert_int_equal(crossval_choose_l2(&a, 0, &la, &wa, NULL), 0);
	assert_int_equal(crossval_choose_l2(&b, 0, &lb, &wb, NULL), 0);
	if (!(la >= 1 && lb <= 0.03))
		fail_msg("noisy %g, clean %g", la, lb);
	assert_non_null(wb.w);
	assert_int_equal(wb.dim, 5);
	assert_int_equal(wb.classes, 3);
	softreg_free(&wa);
	softreg_free(&wb);
	free_set(&a);
	free_set(&b);
}

/* The same options give the same bytes; a fixed penalty gives
 * crossval_probs()'s; three draws average to other probabilities that
 * still sum to 1. */
UNIT_TEST(test_crossval_repeatable)
{
	struct crossval_opts o = { .folds = 4, .l2 = CROSSVAL_NESTED, .seed = 9, .seeds = 1 };
	struct crossval_result r1, r2;
	struct train_set t;
	float *p1, *p2;

	make_set(&t, 240, 8, 3, 1.0, 4);
	p1 = malloc(t.n * 3 * sizeof(float));
	p2 = malloc(t.n * 3 * sizeof(float));
	assert_int_equal(crossval_run(&t, &o, p1, &r1, NULL), 0);
	assert_int_equal(crossval_run(&t, &o, p2, &r2, NULL), 0);
	assert_memory_equal(p1, p2, t.n * 3 * sizeof(float));
	softreg_free(&r1.warm);
	softreg_free(&r2.warm);
	o.l2 = 0.05;
	assert_int_equal(crossval_run(&t, &o, p1, &r1, NULL), 0);
	assert_int_equal(crossval_probs(&t, 4, 0.05, 9, p2, NULL), 0);
	assert_memory_equal(p1, p2, t.n * 3 * sizeof(float));
	assert_true(r1.l2 == 0.05);
	softreg_free(&r1.warm);
	o.seeds = 3;
	assert_int_equal(crossval_run(&t, &o, p2, &r1, NULL), 0);
	assert_memory_not_equal(p1, p2, t.n * 3 * sizeof(float));
	for (size_t i = 0; i < t.n; i++)
		assert_true(fabs(p2[i * 3] + p2[i * 3 + 1] + p2[i * 3 + 2] - 1) < 1e-5);
	softreg_free(&r1.warm);
	o.folds = 51;
	assert_int_equal(crossval_run(&t, &o, p2, &r1, NULL), -1);
	free(p1);
	free(p2);
	free_set(&t);
}

/* A row inside another class's cluster: its neighbours vote for that
 * class; rows in their own cluster vote for their own. */
UNIT_TEST(test_knn_vote)
{
	struct train_set t;
	float *p;
	struct wn_err err = { 0 };

	make_set(&t, 200, 6, 2, 6.0, 5);
	t.y[0] = 1;  /* sits in class 0's cluster */
	p = malloc(t.n * 2 * sizeof(float));
	assert_int_equal(knn_vote(&t, 10, p, NULL), 0);
	if (!(p[0 * 2 + 0] > 0.8))
		fail_msg("the row's vote for its cluster's class: %g", p[0]);
	for (size_t i = 1; i < t.n; i++) {
		assert_true(p[i * 2 + (size_t)t.y[i]] > 0.5);
		assert_true(fabs(p[i * 2] + p[i * 2 + 1] - 1) < 1e-5);
	}
	assert_int_equal(knn_vote(&t, 0, p, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	free(p);
	free_set(&t);
}

/* Power normalisation: signed, p = 1 a no-op, the inverse power gives
 * the values back to within float rounding. */
UNIT_TEST(test_train_set_power)
{
	struct train_set t;
	float *orig;

	make_set(&t, 50, 8, 2, 3.0, 11);
	orig = malloc(t.n * 8 * sizeof(float));
	assert_non_null(orig);
	memcpy(orig, t.x, t.n * 8 * sizeof(float));
	train_set_power(&t, 1);
	assert_memory_equal(orig, t.x, t.n * 8 * sizeof(float));
	train_set_power(&t, 0.5);
	for (size_t i = 0; i < t.n * 8; i++) {
		double want = orig[i] < 0 ? -sqrt(-orig[i]) : sqrt(orig[i]);

		if (fabs(t.x[i] - want) > 1e-6 * (1 + fabs(want)))
			fail_msg("value %zu: %g to the power 0.5 is %g, not %g", i, orig[i], t.x[i],
				 want);
	}
	train_set_power(&t, 2);
	for (size_t i = 0; i < t.n * 8; i++)
		assert_true(fabs(t.x[i] - orig[i]) <= 1e-6 * (1 + fabs(orig[i])));
	train_set_power(&t, 0.25);
	train_set_power(&t, 4);
	for (size_t i = 0; i < t.n * 8; i++)
		assert_true(fabs(t.x[i] - orig[i]) <= 1e-5 * (1 + fabs(orig[i])));
	free(orig);
	free_set(&t);
}

/* The MLP separates blobs no line can (XOR of two signs), the same seed
 * gives the same bytes on one thread or two, another seed other bytes. */
UNIT_TEST(test_mlp_learns_xor)
{
	enum { N = 400, D = 2 };
	struct mlp_opts o = mlp_defaults();
	struct mlp m1 = { 0 }, m2 = { 0 }, m3 = { 0 };
	float x[N * D], p[N * 2], q[N * 2];
	int y[N], right = 0;
	uint64_t s = 7;
	struct wn_err err = { 0 };

	for (int i = 0; i < N; i++) {
		x[i * D] = (float)gauss(&s);
		x[i * D + 1] = (float)gauss(&s);
		y[i] = (x[i * D] > 0) != (x[i * D + 1] > 0);
	}
	o.hidden[0] = 32;
	o.hidden[1] = 16;
	o.epochs = 60;
	o.dropout = 0.1;
	o.threads = 1;
	assert_int_equal(mlp_fit(x, y, NULL, N, D, 2, &o, &m1, NULL), 0);
	assert_int_equal(mlp_predict(&m1, x, NULL, N, p, NULL), 0);
	for (int i = 0; i < N; i++)
		right += (p[i * 2 + 1] > p[i * 2]) == y[i];
	if (right < N * 9 / 10)
		fail_msg("%d of %d right", right, N);
	o.threads = 2;
	assert_int_equal(mlp_fit(x, y, NULL, N, D, 2, &o, &m2, NULL), 0);
	assert_int_equal(mlp_predict(&m2, x, NULL, N, q, NULL), 0);
	assert_memory_equal(p, q, sizeof(p));
	o.seed = 1;
	assert_int_equal(mlp_fit(x, y, NULL, N, D, 2, &o, &m3, NULL), 0);
	assert_int_equal(mlp_predict(&m3, x, NULL, N, q, NULL), 0);
	assert_memory_not_equal(p, q, sizeof(p));
	o.nhidden = 3;
	mlp_free(&m3);
	assert_int_equal(mlp_fit(x, y, NULL, N, D, 2, &o, &m3, &err), -1);
	assert_int_equal(err.code, WN_EINVAL);
	mlp_free(&m1);
	mlp_free(&m2);
}

/* Ranked by self-confidence: a row whose own class is least likely comes
 * first even when no single other class is much likelier (the normalised
 * margin would put row 1 first). */
UNIT_TEST(test_cleanlab_ranks_by_self_confidence)
{
	float p[3 * 3] = { 0.30f, 0.35f, 0.35f, 0.35f, 0.65f, 0.00f, 0.90f, 0.05f, 0.05f };
	int y[3] = { 0, 0, 0 };
	struct cl_result res = { 0 };

	assert_int_equal(cl_find_issues(y, p, 3, 3, &res, NULL), 0);
	assert_int_equal(res.order[0], 0);
	assert_int_equal(res.order[1], 1);
	assert_true(fabs(res.score[0] - 0.70) < 1e-6);
	cl_free(&res);
}
