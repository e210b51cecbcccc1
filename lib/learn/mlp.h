/* A small multilayer perceptron head on fixed embeddings: one or two
 * hidden layers of ReLUs with dropout while training, a softmax on top,
 * an L2 penalty on the first layer's weights; inputs standardised per
 * feature. Trained by Adam on minibatches, each batch's rows split into
 * fixed chunks run on the base pool's threads and their gradients added
 * in chunk order: the same seed gives the same bytes whatever the thread
 * count. */
#ifndef WINNOW_LEARN_MLP_H
#define WINNOW_LEARN_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define MLP_MAX_HIDDEN 2

struct mlp_opts {
	int hidden[MLP_MAX_HIDDEN];   /* each hidden layer's width, 1..4096 */
	int nhidden;                  /* 1 or 2 */
	double l2;                    /* on the first layer's weights */
	double dropout;               /* the share of hidden units dropped, 0..0.9 */
	int epochs;                   /* passes over the rows */
	int batch;                    /* rows a step */
	double rate;                  /* Adam's step size */
	uint64_t seed;                /* the weights' start, the order, the dropouts */
	int threads;                  /* 0: every core */
};

/* mlp_defaults() : 256 and 128 wide, l2 1e-3, dropout 0.3, 40 epochs of
 * batches of 32, rate 1e-3, seed 0, every core. */
struct mlp_opts mlp_defaults(void);

struct mlp {
	int layers;                   /* weight layers: nhidden + 1 */
	int width[MLP_MAX_HIDDEN + 2];/* width[0] the input's, width[layers] the classes' */
	float *mean, *scale;          /* x' = (x - mean) * scale */
	float *w[MLP_MAX_HIDDEN + 1]; /* layer l: width[l] x width[l + 1], row-major */
	float *b[MLP_MAX_HIDDEN + 1];
	double loss;                  /* the last epoch's mean training loss (with dropout) */
};

/*
 * mlp_fit() : fits m to n rows of x (row-major, dim wide): rows[0..n-1]
 * (indices into x), or x's first n rows when rows is NULL, labels y
 * (indexed as x) in 0..classes-1. Nothing is copied. m must be zeroed;
 * mlp_free() frees it.
 * @return 0, or -1 with err set (WN_EINVAL: n or classes below 2, a label
 * out of range, options out of range; WN_ENOMEM, also for threads).
 */
int mlp_fit(const float *x, const int *y, const size_t *rows, size_t n, int dim, int classes,
	    const struct mlp_opts *o, struct mlp *m, struct wn_err *err);

/* mlp_predict() : probabilities (n x classes) for n rows of x chosen as
 * in mlp_fit(), without dropout. @return 0, or -1 with err set (WN_ENOMEM). */
int mlp_predict(const struct mlp *m, const float *x, const size_t *rows, size_t n,
		float *probs, struct wn_err *err);

void mlp_free(struct mlp *m);

#endif
