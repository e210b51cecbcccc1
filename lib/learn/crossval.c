/* Stratified k-fold cross-validation of the softmax head. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "learn/crossval.h"
#include "learn/softreg.h"

struct rank {
	uint64_t key;
	size_t i;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->i > y->i) - (x->i < y->i);
}

/* Stratified folds: each class's images in a seeded order, dealt round. */
static void deal_folds(const struct train_set *t, int folds, uint64_t seed, int *fold)
{
	struct rank *r = malloc((t->n ? t->n : 1) * sizeof(*r));
	size_t m;

	if (!r) {
		for (size_t i = 0; i < t->n; i++)
			fold[i] = (int)(i % (size_t)folds);
		return;
	}
	for (int c = 0; c < t->k; c++) {
		m = 0;
		for (size_t i = 0; i < t->n; i++)
			if (t->y[i] == c) {
				r[m].i = i;
				r[m].key = XXH3_64bits_withSeed(&t->items[i].xxh3, 16, seed);
				m++;
			}
		qsort(r, m, sizeof(*r), cmp_rank);
		for (size_t j = 0; j < m; j++)
			fold[r[j].i] = (int)(j % (size_t)folds);
	}
	free(r);
}

int crossval_probs(const struct train_set *t, int folds, double l2, uint64_t seed, float *oos,
		   struct wn_err *err)
{
	int *fold = malloc((t->n ? t->n : 1) * sizeof(int));
	size_t *tr = malloc((t->n ? t->n : 1) * sizeof(size_t));
	size_t *te = malloc((t->n ? t->n : 1) * sizeof(size_t));
	float *pte = malloc((t->n ? t->n : 1) * (size_t)t->k * sizeof(float));
	int ret = -1;

	if (!fold || !tr || !te || !pte) {
		wn_fail(err, WN_ENOMEM, "out of memory");
		goto out;
	}
	deal_folds(t, folds, seed, fold);
	for (int f = 0; f < folds; f++) {
		struct softreg r = { 0 };
		size_t ntr = 0, nte = 0;

		/* the folds as lists of rows: the embeddings are never copied */
		for (size_t i = 0; i < t->n; i++) {
			if (fold[i] == f)
				te[nte++] = i;
			else
				tr[ntr++] = i;
		}
		if (!nte)
			continue;
		if (softreg_fit(t->x, t->y, tr, ntr, t->dim, t->k, l2, 300, &r, err) ||
		    softreg_predict(&r, t->x, te, nte, pte, err)) {
			softreg_free(&r);
			goto out;
		}
		for (size_t j = 0; j < nte; j++)
			memcpy(oos + te[j] * (size_t)t->k, pte + j * (size_t)t->k,
			       (size_t)t->k * sizeof(float));
		softreg_free(&r);
	}
	ret = 0;
out:
	free(fold);
	free(tr);
	free(te);
	free(pte);
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
