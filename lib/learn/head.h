/* Keeping a trained head: the softmax head fitted on a whole training
 * set, and its cross-validated probabilities, in the catalog. */
#ifndef WINNOW_LEARN_HEAD_H
#define WINNOW_LEARN_HEAD_H

#include "base/base.h"
#include "learn/softreg.h"
#include "learn/trainset.h"

struct catalog;

/*
 * head_save() : fits a head on all of t (penalty l2; from init's weights
 * when not NULL, crossval_result.warm say) and, in one
 * transaction, records each image's out-of-sample probabilities (oos,
 * t->n x t->k, from crossval_probs()) as the predictions of model
 * "cv:<model_key>" and prep, and the head in the heads table under
 * model_key with folds, l2 and accuracy as given. Nothing is recorded
 * when it fails. t->k >= 2.
 * @return 0, or -1 with err set (WN_ENOMEM, WN_EINVAL from softreg_fit(),
 * the catalog's errors).
 */
int head_save(struct catalog *cat, const char *model_key, const char *prep,
	      const struct train_set *t, const float *oos, int folds, double l2, double accuracy,
	      const struct softreg *init, struct wn_err *err);

/*
 * head_save_probs() : only the probabilities of head_save(), for a head
 * the heads table cannot hold (an MLP's); the softmax head kept before,
 * if any, is removed in the same transaction (it was fitted to other
 * probabilities).
 * @return 0, or -1 with err set (WN_ENOMEM, the catalog's errors).
 */
int head_save_probs(struct catalog *cat, const char *model_key, const char *prep,
		    const struct train_set *t, const float *oos, struct wn_err *err);

#endif
