/* A nearest-neighbour vote in embedding space (fastdup's way of finding
 * wrong labels): an image whose closest images mostly sit in another
 * class folder is likely in the wrong one. */
#ifndef WINNOW_LEARN_KNN_H
#define WINNOW_LEARN_KNN_H

#include "base/base.h"
#include "learn/trainset.h"

#define KNN_MAX 100  /* neighbours at most */

/*
 * knn_vote() : for each of t's images, the given classes of its
 * `neighbours` (1..KNN_MAX) most similar other images (cosine similarity
 * of the embeddings standardised per feature; ties to the lower index),
 * each weighted by its similarity (those below 0 not at all), as
 * probabilities smoothed towards even: (votes_c + 1 / k) / (votes + 1),
 * into probs (t->n x t->k, caller-allocated). Brute force in blocks of
 * rows (OpenBLAS): time grows as n * n * dim; memory one standardised
 * copy of the embeddings.
 * @return 0, or -1 with err set (WN_ENOMEM; WN_EINVAL: neighbours out of
 * range).
 */
int knn_vote(const struct train_set *t, int neighbours, float *probs, struct wn_err *err);

/*
 * knn_mix() : probs (t->n x t->k) becomes (1 - w) * probs + w * the
 * vote of knn_vote(); w in 0..1.
 * @return as knn_vote().
 */
int knn_mix(const struct train_set *t, int neighbours, double w, float *probs,
	    struct wn_err *err);

#endif
