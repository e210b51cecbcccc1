/* Outliers: images unlike the rest of their class folder (a document scan
 * among photos, a chart among drawings), by the classifier's embeddings. */
#ifndef WINNOW_LEARN_OUTLIER_H
#define WINNOW_LEARN_OUTLIER_H

#include <stddef.h>

#include "base/base.h"

struct catalog;

/* Classes smaller than this get no outlier scores (1 for each image):
 * too few to say what the class looks like. */
#define OUTLIER_MIN_CLASS 5

/* Which of the caller's n images a catalogued path is: its index, or -1
 * for an image the caller leaves out (not asked about, gone from disk). */
typedef ptrdiff_t (*outlier_index_fn)(const char *path, void *data);

/*
 * outlier_scores() : per image, how typical it is of its own class, 0..1,
 * lower is less typical. With each embedding L2-normalised, d the cosine
 * distance 1 - cos(x, m) of an image to its class's mean direction m, and
 * med the median d of the class, the score is min(1, med / d): 1 for the
 * typical half, 0.5 for an image twice the class's median distance from
 * its centre. (On bench/make-issues.py's set this ranked 9 of 10 planted
 * outliers among the first 20 of 500 images where a k-nearest-neighbour
 * distance ranked 3 to 6: planted outliers of one kind are each other's
 * neighbours.)
 *
 * The images are the rows of model_key/prep under prefix (NULL: all) that
 * sit in a class folder and that index_of() maps to one of the caller's n
 * images; rows whose embedding length differs from the first such row's
 * are left out. The embeddings are read in two passes over the catalog
 * (the class means, then each distance), never held together: memory is
 * a few values an image whatever the width of the embeddings.
 *
 * scores has n values: those of images without an embedding, and of
 * classes of fewer than OUTLIER_MIN_CLASS images, are 1. *scored is the
 * number of images with an embedding (0: none, so no outlier is known).
 * @return 0, or -1 with err set (WN_ENOMEM, the catalog's errors).
 */
int outlier_scores(struct catalog *cat, const char *model_key, const char *prep,
		   const char *prefix, outlier_index_fn index_of, void *data, size_t n,
		   double *scores, size_t *scored, struct wn_err *err);

#endif
