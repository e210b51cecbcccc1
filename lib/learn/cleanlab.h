/* Confident learning (Northcutt, Jiang and Chuang, "Confident Learning:
 * Estimating Uncertainty in Dataset Labels", JAIR 2021) on out-of-sample
 * predicted probabilities: per-class thresholds, the confident joint,
 * calibrated to the label counts, then pruning by noise rate; issues are
 * ranked by self-confidence (1 - p of the given class). */
#ifndef WINNOW_CLEANLAB_H
#define WINNOW_CLEANLAB_H

#include <stddef.h>

#include "base/base.h"

struct cl_result {
	int k;
	double *thresholds;   /* k: mean p_j over the examples labelled j */
	double *joint;        /* k x k confident joint, calibrated (given, true) */
	unsigned char *flag;  /* n: 1 when pruned as a likely label issue */
	double *score;        /* n: 1 - p_given, in [0, 1]; higher is more likely
			       * mislabelled */
	size_t *order;        /* n: indices by score, highest first (ties by index) */
	size_t flagged;
};

/*
 * cl_find_issues() : y[i] in 0..k-1 is the given label of example i;
 * probs is n x k, out-of-sample. res must be zeroed; cl_free() frees it.
 * @return 0, or -1 with err set (WN_EINVAL for k < 2 or a label out of
 * range, WN_ENOMEM).
 */
int cl_find_issues(const int *y, const float *probs, size_t n, int k, struct cl_result *res,
		   struct wn_err *err);

void cl_free(struct cl_result *res);

#endif
