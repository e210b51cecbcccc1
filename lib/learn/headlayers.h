/* A kept head as plain dense layers, its input standardisation folded
 * into the first layer's weights and bias: what another engine (label
 * export's TensorFlow.js model) runs on the backbone's embedding. */
#ifndef WINNOW_LEARN_HEADLAYERS_H
#define WINNOW_LEARN_HEADLAYERS_H

#include "base/base.h"

struct catalog;

struct head_layer {
	int in, out;
	float *weight;            /* in x out, row-major */
	float *bias;              /* out */
	const char *activation;   /* "relu", or "softmax" for the last layer */
};

struct head_layers {
	char *model, *prep;       /* the embeddings it read: model key, preparation */
	char **classes;           /* k folder classes, in output order */
	int k;
	int dim;                  /* the embedding's length: layers[0].in */
	struct head_layer *layers;
	int n;
	int64_t images;           /* it was fitted on */
	double accuracy;          /* cross-validated */
};

/*
 * head_layers_load() : the head label train kept for model_key, as layers.
 * The softmax head x' = (x - mean) * scale, p = softmax(x' W + b) becomes
 * one layer: W'[i][c] = scale[i] W[i][c], b'[c] = b[c] - sum_i mean[i]
 * scale[i] W[i][c] (summed in double). An MLP head becomes its layers,
 * the first folded so, ReLU on each hidden one, softmax on the last
 * (dropout only acts in training). h must be zeroed;
 * head_layers_release() frees it, also after a failure. When there is no
 * head for model_key, others (when not NULL) gets the names of the heads
 * there are, ", " between them ("" for none).
 * @return 1 found, 0 no head for model_key, -1 with err set (WN_ENOMEM,
 * WN_ECORRUPT for a damaged head, the catalog's errors).
 */
int head_layers_load(struct catalog *cat, const char *model_key, struct head_layers *h,
		     struct strbuf *others, struct wn_err *err);

/* head_layers_release() : frees what h holds and zeroes it. */
void head_layers_release(struct head_layers *h);

#endif
