/* Multinomial logistic (softmax) regression on fixed feature vectors:
 * the "head" label trains on a classifier's embeddings. Inputs are
 * standardised per feature; the loss is the mean cross-entropy plus
 * l2 / 2 times the squared weights (not the biases), minimised by
 * full-batch L-BFGS, the loss and gradient from learn/softgrad.h on
 * every core. Deterministic: the same result for any thread count. */
#ifndef WINNOW_SOFTREG_H
#define WINNOW_SOFTREG_H

#include <stddef.h>

#include "base/base.h"

struct softreg {
	int dim, classes;
	float *mean, *scale;   /* x' = (x - mean) * scale */
	float *w;              /* dim x classes, row-major */
	float *b;              /* classes */
	int iterations;        /* what the fit took */
	double loss;           /* at the end, on the training set */
};

/*
 * softreg_fit() : fits r to n rows of x (row-major, dim wide): rows[0..n-1]
 * (indices into x), or x's first n rows when rows is NULL, with labels y
 * (indexed as x) in 0..classes-1. Nothing is copied. r must be zeroed;
 * softreg_free() frees it.
 * @return 0, or -1 with err set (WN_EINVAL: n or classes below 2, a label
 * out of range; WN_ENOMEM).
 */
int softreg_fit(const float *x, const int *y, const size_t *rows, size_t n, int dim,
		int classes, double l2, int max_iter, struct softreg *r, struct wn_err *err);

/*
 * softreg_fit_from() : softreg_fit() started from init's weights and
 * biases (a fit of the same dim and classes, on these rows or others:
 * along a path of penalties, say) instead of zeros; init NULL, or of
 * another shape, starts from zeros. It stops where a fit from zeros
 * would, in fewer steps the nearer init is. init may not be r.
 * @return as softreg_fit().
 */
int softreg_fit_from(const float *x, const int *y, const size_t *rows, size_t n, int dim,
		     int classes, double l2, int max_iter, const struct softreg *init,
		     struct softreg *r, struct wn_err *err);

/* softreg_predict() : probabilities (n x classes) for n rows of x, chosen
 * as in softreg_fit(). @return 0, or -1 with err set (WN_ENOMEM). */
int softreg_predict(const struct softreg *r, const float *x, const size_t *rows, size_t n,
		    float *probs, struct wn_err *err);

void softreg_free(struct softreg *r);

#endif
