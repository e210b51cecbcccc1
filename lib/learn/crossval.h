/* Cross-validating a softmax head on a training set: every image gets
 * class probabilities from a head that never saw it (out of sample), the
 * input confident learning wants. The head's L2 penalty is chosen inside
 * each fold by a second, inner cross-validation on that fold's training
 * images alone (nested: no image's label chooses the penalty of the head
 * that scores it), on log loss. */
#ifndef WINNOW_LEARN_CROSSVAL_H
#define WINNOW_LEARN_CROSSVAL_H

#include <stdint.h>

#include "base/base.h"
#include "learn/mlp.h"
#include "learn/softreg.h"
#include "learn/trainset.h"

#define CROSSVAL_MAX_FOLDS 50
#define CROSSVAL_NESTED (-1.0)  /* crossval_opts.l2: choose it */
#define CROSSVAL_L2 0.01        /* the penalty when there is nothing to choose on */

struct crossval_opts {
	int folds;          /* 2..CROSSVAL_MAX_FOLDS */
	double l2;          /* the penalty, >= 0; CROSSVAL_NESTED: each fold's
			       chosen from 10, 3, 1, 0.3, ... 0.001 by 3 inner
			       folds over (a stratified sample of at most about
			       3,000 of) its training images, each fit started
			       from the one at the penalty before */
	uint64_t seed;      /* the folds' draw */
	int seeds;          /* draws of the folds (seed, seed + 1, ...) whose
			       probabilities are averaged; 0 or 1: one */
	const struct mlp_opts *mlp;  /* not NULL: an MLP head (mlp.h) in each fold
					instead of softmax; l2 is then unused */
	int knn;            /* neighbours voting (knn.h), 0: no vote */
	double knn_weight;  /* the vote's share of the probabilities, 0..1 */
	double power;       /* what the caller raised t's embeddings to
			       (train_set_power()), only reported; 0: 1 */
};

struct crossval_result {
	double l2;          /* for the head on every image: the folds' median */
	double fold_l2[CROSSVAL_MAX_FOLDS];  /* the first draw's; -1: a fold
						without images */
	double log_loss;    /* of the head's out-of-sample probabilities
			       against the labels, before any vote */
	int knn;            /* the vote's neighbours and share, as asked */
	double knn_weight;
	double power;       /* as asked (1 for 0) */
	struct softreg warm;/* a fold's head at l2 (the first draw's), a start
			       for the head on every image; the caller's, to
			       softreg_free() (zeroed when there is none) */
};

/*
 * crossval_run() : out-of-sample probabilities into oos (t->n x t->k,
 * caller-allocated) from o->folds stratified folds: each class's images
 * in an order drawn from the seed and their file hashes, dealt round, so
 * the same set and options give the same bytes. With o->knn, each row is
 * then (1 - w) times the head's plus w times the neighbours' vote. t->k >= 2.
 * @return 0, or -1 with err set (WN_ENOMEM; WN_EINVAL: folds out of
 * range, or from softreg_fit()); res->warm is then zeroed.
 */
int crossval_run(const struct train_set *t, const struct crossval_opts *o, float *oos,
		 struct crossval_result *res, struct wn_err *err);

/*
 * crossval_probs() : crossval_run() with one draw, a fixed penalty l2 and
 * no vote.
 */
int crossval_probs(const struct train_set *t, int folds, double l2, uint64_t seed, float *oos,
		   struct wn_err *err);

/*
 * crossval_choose_l2() : the penalty crossval_run() would choose in a fold,
 * chosen on all of t (3 inner folds over at most about 3,000 of its
 * images, dealt from seed), for a head fitted on other embeddings than
 * the ones cross-validated; warm gets the inner search's head at it (a
 * start for that head's fit; the caller's, to softreg_free(); zeroed when
 * there is none).
 * @return 0, or -1 with err set (WN_ENOMEM; from softreg_fit()).
 */
int crossval_choose_l2(const struct train_set *t, uint64_t seed, double *l2, struct softreg *warm,
		       struct wn_err *err);

/*
 * crossval_confusion() : counts each image under (its class, its likeliest
 * class in oos; the first on ties) into confusion (t->k x t->k, row-major,
 * caller-allocated and zeroed).
 * @return the share of images whose likeliest class is their own (0 when
 * the set is empty).
 */
double crossval_confusion(const struct train_set *t, const float *oos, long *confusion);

#endif
