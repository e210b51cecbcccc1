/* Stratified k-fold cross-validation of the softmax head, the penalty
 * chosen inside each fold by an inner cross-validation on log loss. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "learn/crossval.h"
#include "learn/knn.h"
#include "learn/mlp.h"
#include "learn/softreg.h"

/* The penalties the inner search tries, largest first: each fit starts
 * from the one before (a large penalty converges in a few steps, and its
 * weights are a good start for the next). */
static const double grid[] = { 10, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001 };
#define NGRID ((int)(sizeof(grid) / sizeof(grid[0])))
#define INNER 3              /* inner folds */
#define INNER_ROWS 3000      /* the inner search's rows at most */
#define INNER_ITER 200
#define WORSE 2              /* penalties in a row worse than the best: stop */

struct rank {
	uint64_t key;
	size_t i;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->i > y->i) - (x->i < y->i);
}

/* Stratified folds of the m rows rows[] (NULL: 0..m-1): each class's rows
 * in a seeded order, the j-th of a class to fold j % folds. */
static int deal(const struct train_set *t, const size_t *rows, size_t m, int folds, uint64_t seed,
		int *fold)
{
	struct rank *r = malloc((m ? m : 1) * sizeof(*r));

	if (!r)
		return -1;
	for (int c = 0; c < t->k; c++) {
		size_t q = 0;

		for (size_t j = 0; j < m; j++) {
			size_t i = rows ? rows[j] : j;

			if (t->y[i] == c) {
				r[q].i = j;
				r[q].key = XXH3_64bits_withSeed(&t->items[i].xxh3, 16, seed);
				q++;
			}
		}
		qsort(r, q, sizeof(*r), cmp_rank);
		for (size_t j = 0; j < q; j++)
			fold[r[j].i] = (int)(j % (size_t)folds);
	}
	free(r);
	return 0;
}

/* The mean log loss of probabilities p (m x k) of rows[] against t's labels. */
static double log_loss(const struct train_set *t, const size_t *rows, size_t m, const float *p)
{
	double s = 0;

	for (size_t j = 0; j < m; j++) {
		double q = p[j * (size_t)t->k + t->y[rows ? rows[j] : j]];

		s -= log(q > 1e-7 ? q : 1e-7);
	}
	return m ? s / (double)m : 0;
}

static int copy_fit(const struct softreg *a, struct softreg *b)
{
	size_t nw = (size_t)a->dim * (size_t)a->classes;

	softreg_free(b);
	*b = *a;
	b->mean = malloc((size_t)a->dim * sizeof(float));
	b->scale = malloc((size_t)a->dim * sizeof(float));
	b->w = malloc(nw * sizeof(float));
	b->b = malloc((size_t)a->classes * sizeof(float));
	if (!b->mean || !b->scale || !b->w || !b->b) {
		softreg_free(b);
		return -1;
	}
	memcpy(b->mean, a->mean, (size_t)a->dim * sizeof(float));
	memcpy(b->scale, a->scale, (size_t)a->dim * sizeof(float));
	memcpy(b->w, a->w, nw * sizeof(float));
	memcpy(b->b, a->b, (size_t)a->classes * sizeof(float));
	return 0;
}

/* One penalty's inner loss: each of the INNER folds of ifold (over tr)
 * fitted on the others from path[f] (its fit at the penalty before, or
 * zeros) and scored on itself; path[f] becomes the new fit.
 * @return the mean log loss over the rows scored (NAN: none), or -1 and err. */
static int inner_step(const struct train_set *t, const size_t *tr, size_t ntr, const int *ifold,
		      double l2, struct softreg *path, size_t *fit, size_t *test, float *p,
		      double *loss, struct wn_err *err)
{
	double sum = 0;
	size_t scored = 0;

	for (int i = 0; i < INNER; i++) {
		struct softreg next = { 0 };
		size_t nf = 0, nt = 0;

		for (size_t j = 0; j < ntr; j++)
			if (ifold[j] == i)
				test[nt++] = tr[j];
			else if (ifold[j] < INNER)
				fit[nf++] = tr[j];
		if (!nt || nf < 2)
			continue;
		if (softreg_fit_from(t->x, t->y, fit, nf, t->dim, t->k, l2, INNER_ITER,
				     path[i].w ? &path[i] : NULL, &next, err) ||
		    softreg_predict(&next, t->x, test, nt, p, err)) {
			softreg_free(&next);
			return -1;
		}
		sum += log_loss(t, test, nt, p) * (double)nt;
		scored += nt;
		softreg_free(&path[i]);
		path[i] = next;
	}
	*loss = scored ? sum / (double)scored : NAN;
	return 0;
}

/* The penalty of the grid with the lowest inner log loss on the outer
 * fold's training rows tr (a stratified sample of at most about
 * INNER_ROWS of them), down the grid until WORSE penalties in a row lose
 * to the best; best gets inner fold 0's fit at it (a warm start). */
static int choose_l2(const struct train_set *t, const size_t *tr, size_t ntr, uint64_t seed,
		     double *l2, struct softreg *best, struct wn_err *err)
{
	struct softreg path[INNER];
	int *ifold = malloc((ntr ? ntr : 1) * sizeof(int));
	size_t *fit = malloc((ntr ? ntr : 1) * sizeof(size_t));
	size_t *test = malloc((ntr ? ntr : 1) * sizeof(size_t));
	float *p = malloc((ntr ? ntr : 1) * (size_t)t->k * sizeof(float));
	size_t m = INNER;
	double low = INFINITY, loss;
	int ret = -1, worse = 0;

	memset(path, 0, sizeof(path));
	*l2 = CROSSVAL_L2;
	if (!ifold || !fit || !test || !p) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (ntr > INNER_ROWS)
		m = (INNER * ntr + INNER_ROWS - 1) / INNER_ROWS;
	if (deal(t, tr, ntr, (int)m, seed, ifold)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (int g = 0; g < NGRID && worse < WORSE; g++) {
		if (inner_step(t, tr, ntr, ifold, grid[g], path, fit, test, p, &loss, err))
			goto out;
		if (!(loss < low)) {
			worse++;
			continue;
		}
		low = loss;
		*l2 = grid[g];
		worse = 0;
		if (path[0].w && copy_fit(&path[0], best)) {
			wn_fail(err, WN_ENOMEM, "out of memory");
			goto out;
		}
	}
	ret = 0;
out:
	for (int i = 0; i < INNER; i++)
		softreg_free(&path[i]);
	free(ifold);
	free(fit);
	free(test);
	free(p);
	return ret;
}

/* oos's rows te[] += share times pte (nte x k). */
static void add_share(const struct train_set *t, const size_t *te, size_t nte, const float *pte,
		      double share, float *oos)
{
	for (size_t j = 0; j < nte; j++)
		for (int c = 0; c < t->k; c++)
			oos[te[j] * (size_t)t->k + (size_t)c] +=
				(float)share * pte[j * (size_t)t->k + (size_t)c];
}

/* A fold's MLP head: fitted on tr (its seed drawn from the fold's),
 * probabilities for te into pte. */
static int mlp_fold(const struct train_set *t, const struct mlp_opts *mo, uint64_t seed,
		    const size_t *tr, size_t ntr, const size_t *te, size_t nte, float *pte,
		    struct wn_err *err)
{
	struct mlp_opts o = *mo;
	struct mlp m = { 0 };
	int ret;

	o.seed = mo->seed ^ XXH3_64bits(&seed, sizeof(seed));
	ret = mlp_fit(t->x, t->y, tr, ntr, t->dim, t->k, &o, &m, err) ||
	      mlp_predict(&m, t->x, te, nte, pte, err) ? -1 : 0;
	mlp_free(&m);
	return ret;
}

/* One draw of the folds: oos += share times each image's probabilities
 * from the head of the fold it is not in; fits (the first draw's, or
 * NULL) keeps each fold's head and res->fold_l2 its penalty. */
static int one_draw(const struct train_set *t, const struct crossval_opts *o, uint64_t seed,
		    double share, float *oos, struct softreg *fits, struct crossval_result *res,
		    struct wn_err *err)
{
	int *fold = malloc((t->n ? t->n : 1) * sizeof(int));
	size_t *tr = malloc((t->n ? t->n : 1) * sizeof(size_t));
	size_t *te = malloc((t->n ? t->n : 1) * sizeof(size_t));
	float *pte = malloc((t->n ? t->n : 1) * (size_t)t->k * sizeof(float));
	int ret = -1;

	if (!fold || !tr || !te || !pte || deal(t, NULL, t->n, o->folds, seed, fold)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	for (int f = 0; f < o->folds; f++) {
		struct softreg r = { 0 }, warm = { 0 };
		size_t ntr = 0, nte = 0;
		double l2 = o->l2;

		/* the folds as lists of rows: the embeddings are never copied */
		for (size_t i = 0; i < t->n; i++) {
			if (fold[i] == f)
				te[nte++] = i;
			else
				tr[ntr++] = i;
		}
		if (!nte)
			continue;
		if (o->mlp) {
			if (mlp_fold(t, o->mlp, seed + (uint64_t)f, tr, ntr, te, nte, pte, err))
				goto out;
			add_share(t, te, nte, pte, share, oos);
			continue;
		}
		if ((l2 < 0 && choose_l2(t, tr, ntr, seed + 0x9E3779B97F4A7C15ull * (uint64_t)(f + 1),
					 &l2, &warm, err)) ||
		    softreg_fit_from(t->x, t->y, tr, ntr, t->dim, t->k, l2, 300, warm.w ? &warm : NULL,
				     &r, err) ||
		    softreg_predict(&r, t->x, te, nte, pte, err)) {
			softreg_free(&warm);
			softreg_free(&r);
			goto out;
		}
		softreg_free(&warm);
		add_share(t, te, nte, pte, share, oos);
		if (fits) {
			res->fold_l2[f] = l2;
			fits[f] = r;
		} else {
			softreg_free(&r);
		}
	}
	ret = 0;
out:
	free(fold);
	free(tr);
	free(te);
	free(pte);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The penalty for the head on every image: the median of the folds'
 * (the larger of the middle two), and a fold's head at it as its start. */
static int final_l2(const struct crossval_opts *o, struct softreg *fits,
		    struct crossval_result *res)
{
	double v[CROSSVAL_MAX_FOLDS];
	int m = 0;

	for (int f = 0; f < o->folds; f++)
		if (res->fold_l2[f] >= 0)
			v[m++] = res->fold_l2[f];
	res->l2 = o->l2 >= 0 ? o->l2 : CROSSVAL_L2;
	if (!m)
		return 0;
	qsort(v, (size_t)m, sizeof(double), cmp_double);
	res->l2 = v[m / 2];
	for (int f = 0; f < o->folds; f++)
		if (res->fold_l2[f] == res->l2 && fits[f].w)
			return copy_fit(&fits[f], &res->warm);
	return 0;
}

int crossval_run(const struct train_set *t, const struct crossval_opts *o, float *oos,
		 struct crossval_result *res, struct wn_err *err)
{
	struct softreg fits[CROSSVAL_MAX_FOLDS];
	int seeds = o->seeds > 0 ? o->seeds : 1, ret = -1;

	memset(fits, 0, sizeof(fits));
	memset(res, 0, sizeof(*res));
	if (o->folds < 2 || o->folds > CROSSVAL_MAX_FOLDS)
		return wn_fail(err, WN_EINVAL, "%d folds: 2 to %d", o->folds, CROSSVAL_MAX_FOLDS);
	for (int f = 0; f < CROSSVAL_MAX_FOLDS; f++)
		res->fold_l2[f] = -1;
	memset(oos, 0, t->n * (size_t)t->k * sizeof(float));
	for (int s = 0; s < seeds; s++)
		if (one_draw(t, o, o->seed + (uint64_t)s, 1.0 / seeds, oos, s ? NULL : fits, res, err))
			goto out;
	res->log_loss = log_loss(t, NULL, t->n, oos);
	if (final_l2(o, fits, res)) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	if (o->knn > 0 && knn_mix(t, o->knn, o->knn_weight, oos, err))
		goto out;
	res->knn = o->knn > 0 ? o->knn : 0;
	res->knn_weight = o->knn_weight;
	res->power = o->power > 0 ? o->power : 1;
	ret = 0;
out:
	for (int f = 0; f < CROSSVAL_MAX_FOLDS; f++)
		softreg_free(&fits[f]);
	if (ret)
		softreg_free(&res->warm);
	return ret;
}

int crossval_choose_l2(const struct train_set *t, uint64_t seed, double *l2, struct softreg *warm,
		       struct wn_err *err)
{
	size_t *rows = malloc((t->n ? t->n : 1) * sizeof(size_t));
	int ret;

	memset(warm, 0, sizeof(*warm));
	if (!rows)
		return wn_fail(err, WN_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n; i++)
		rows[i] = i;
	ret = choose_l2(t, rows, t->n, seed, l2, warm, err);
	if (ret)
		softreg_free(warm);
	free(rows);
	return ret;
}

int crossval_probs(const struct train_set *t, int folds, double l2, uint64_t seed, float *oos,
		   struct wn_err *err)
{
	struct crossval_opts o = { .folds = folds, .l2 = l2, .seed = seed, .seeds = 1 };
	struct crossval_result res;
	int ret = crossval_run(t, &o, oos, &res, err);

	softreg_free(&res.warm);
	return ret;
}
double crossval_confusion(const struct train_set *t, const float *oos, long *confusion)
{
	size_t right = 0;

	for (size_t i = 0; i < t->n; i++) {
		const float *p = oos + i * (size_t)t->k;
		int best = 0;

		for (int c = 1; c < t->k; c++)
			if (p[c] > p[best])
				best = c;
		confusion[t->y[i] * t->k + best]++;
		right += best == t->y[i];
	}
	return t->n ? (double)right / (double)t->n : 0;
}
