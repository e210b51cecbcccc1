/* Keeping a trained head: the softmax or MLP head fitted on a whole
 * training set, and its cross-validated probabilities, in the catalog. */
#ifndef WINNOW_LEARN_HEAD_H
#define WINNOW_LEARN_HEAD_H

#include "base/base.h"
#include "learn/mlp.h"
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
 * head_save_mlp() : as head_save(), with an MLP fitted on all of t with
 * the options o (the cross-validation's), kept in the heads table with
 * its hidden layers (o->l2 as its penalty).
 * @return 0, or -1 with err set (WN_EINVAL, WN_ENOMEM from mlp_fit(), the
 * catalog's errors).
 */
int head_save_mlp(struct catalog *cat, const char *model_key, const char *prep,
		  const struct train_set *t, const float *oos, const struct mlp_opts *o,
		  int folds, double accuracy, struct wn_err *err);

#endif
