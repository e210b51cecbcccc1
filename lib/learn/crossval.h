/* Cross-validating a softmax head on a training set: every image gets
 * class probabilities from a head that never saw it (out of sample), the
 * input confident learning wants. */
#ifndef WINNOW_LEARN_CROSSVAL_H
#define WINNOW_LEARN_CROSSVAL_H

#include <stdint.h>

#include "base/base.h"
#include "learn/trainset.h"

/*
 * crossval_probs() : out-of-sample probabilities into oos (t->n x t->k,
 * caller-allocated) from `folds` stratified folds: each class's images
 * in an order drawn from seed and their file hashes, dealt round, so the
 * same set and seed give the same folds. Each fold's head is
 * softreg_fit() with penalty l2. folds >= 2; t->k >= 2.
 * @return 0, or -1 with err set (WN_ENOMEM, WN_EINVAL from softreg_fit()).
 */
int crossval_probs(const struct train_set *t, int folds, double l2, uint64_t seed, float *oos,
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
