/* The predictions table: per image and model, the class probabilities and
 * the embedding, with the file hash they were made from (label predict);
 * and, under model "cv:<model>", a trained head's out-of-sample
 * probabilities (label train). Floats are stored little-endian float32. */
#ifndef WINNOW_PREDICTIONS_H
#define WINNOW_PREDICTIONS_H

#include <stdint.h>

#include "catalog/db.h"

struct prediction {
	int64_t image_id;
	const char *model, *prep;
	uint8_t xxh3[16];
	const char *classes;      /* JSON array of names */
	const float *probs;
	int nprobs;
	const float *embedding;   /* NULL: none */
	int nembedding;
};

/* predictions_set() : inserts or replaces the row of (image, model, prep).
 * @return 0, or -1 with err set. */
int predictions_set(struct catalog *cat, const struct prediction *p, struct wn_err *err);

/*
 * predictions_get() : the probabilities of (image_id, model, prep) into
 * probs (at most max floats; *n gets how many), when the row was made
 * from a file with hash xxh3 (NULL: any).
 * @return 1 found and current, 0 not, -1 error.
 */
int predictions_get(struct catalog *cat, int64_t image_id, const char *model, const char *prep,
		    const uint8_t *xxh3, float *probs, int max, int *n, struct wn_err *err);

/* The rows of one model, joined with their images (status ok, optional
 * path prefix), by path. Strings and arrays are valid during the call. */
struct prediction_row {
	int64_t image_id;
	const char *path, *class_name;
	const uint8_t *xxh3;      /* the file's, which the row was made from */
	const float *probs;
	int nprobs;
	const float *embedding;
	int nembedding;
	const char *classes;
};
typedef int (*prediction_fn)(const struct prediction_row *row, void *data);

/* predictions_foreach() : the rows of model and prep whose image is ok
 * and unchanged since (same XXH3), under path_prefix (NULL: all), by
 * path. @return 0, fn's non-zero value, or -1. */
int predictions_foreach(struct catalog *cat, const char *model, const char *prep,
			const char *path_prefix, prediction_fn fn, void *data, struct wn_err *err);

/* predictions_probs_foreach() : the same rows without their embeddings
 * (row.embedding NULL, nembedding 0): read from an index, a small part
 * of what predictions_foreach() reads. */
int predictions_probs_foreach(struct catalog *cat, const char *model, const char *prep,
			      const char *path_prefix, prediction_fn fn, void *data,
			      struct wn_err *err);

#define HEADS_MAX_HIDDEN 4

/* A trained head, as label train keeps it (its floats are stored as
 * float32 LE blobs): a softmax on standardised inputs (nhidden 0), or a
 * perceptron whose hidden layers (ReLU) read the standardised inputs and
 * whose last layer is the softmax. Layer l maps width[l] inputs to
 * width[l + 1] outputs, width = dim, hidden[0..nhidden-1], classes_n. */
struct head_row {
	const char *name, *prep, *classes;
	int dim;
	const float *mean, *scale;   /* dim each */
	const float *weights;        /* each layer's width[l] x width[l + 1], row-major,
				      * one after the other (dim x classes_n when
				      * nhidden is 0) */
	const float *bias;           /* each layer's width[l + 1], one after the other */
	int classes_n;
	int folds;
	double l2;
	int64_t images;
	double accuracy;
	int nhidden;                 /* 0..HEADS_MAX_HIDDEN; 0: a softmax head */
	int hidden[HEADS_MAX_HIDDEN];/* the hidden layers' widths, 1..65536 */
};

/* head_row_sizes() : how many weights and biases h's layers hold, from
 * its dim, hidden widths and classes_n. */
void head_row_sizes(const struct head_row *h, int64_t *weights, int64_t *biases);

/* heads_set() : inserts or replaces the head of that name.
 * @return 0, or -1 with err set (WN_ENOMEM, WN_EDB). */
int heads_set(struct catalog *cat, const struct head_row *h, struct wn_err *err);

/* heads_delete() : removes the head of that name, if any.
 * @return 0, or -1 with err set (WN_EDB). */
int heads_delete(struct catalog *cat, const char *name, struct wn_err *err);

/* heads_foreach() : every head, by name; h and what it points to are
 * valid during fn's call only. A row whose blobs disagree with its dim
 * and classes is WN_ECORRUPT. @return 0, fn's non-zero value, or -1. */
typedef int (*head_fn)(const struct head_row *h, void *data);
int heads_foreach(struct catalog *cat, head_fn fn, void *data, struct wn_err *err);
/*
 * heads_get() : hands the head of that name to fn (its strings and floats
 * valid during the call only), which returns 0, or non-zero to fail the
 * call with err as fn set it.
 * @return 1 after fn, 0 when there is no such head, or -1 with err set
 * (WN_EDB; WN_ECORRUPT for blobs of the wrong sizes; fn's failure).
 */
int heads_get(struct catalog *cat, const char *name, head_fn fn, void *data, struct wn_err *err);

#endif
