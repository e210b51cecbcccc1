/* Outliers: images unlike the rest of their class folder (a document scan
 * among photos, a chart among drawings), by the classifier's embeddings. */
#ifndef WINNOW_LEARN_OUTLIER_H
#define WINNOW_LEARN_OUTLIER_H

#include "base/base.h"
#include "learn/trainset.h"

/* Classes smaller than this get no outlier scores (1 for each image):
 * too few to say what the class looks like. */
#define OUTLIER_MIN_CLASS 5

/*
 * outlier_scores() : per image of t, how typical it is of its own class,
 * 0..1, lower is less typical. With each embedding L2-normalised, d the
 * cosine distance 1 - cos(x, m) of an image to its class's mean direction
 * m, and med the median d of the class, the score is min(1, med / d): 1
 * for the typical half, 0.5 for an image twice the class's median
 * distance from its centre. (On bench/make-issues.py's set this ranked 9
 * of 10 planted outliers among the first 20 of 500 images where a
 * k-nearest-neighbour distance ranked 3 to 6: planted outliers of one
 * kind are each other's neighbours.) scores has t->n values; a class of
 * fewer than OUTLIER_MIN_CLASS images scores 1 throughout.
 * @return 0, or -1 with err set (WN_ENOMEM).
 */
int outlier_scores(const struct train_set *t, double *scores, struct wn_err *err);

#endif
