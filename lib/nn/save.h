/* Writing a TensorFlow.js layers model (the format nn_model_load() reads
 * and tf.loadLayersModel() loads): a model's backbone with new dense
 * layers on its embedding, for label export. */
#ifndef WINNOW_NN_SAVE_H
#define WINNOW_NN_SAVE_H

#include "base/base.h"

/* One dense layer to put on top: out = activation(in x weight + bias). */
struct nn_dense_spec {
	int in, out;
	const float *weight;      /* in x out, row-major (Keras' kernel layout) */
	const float *bias;        /* out */
	const char *activation;   /* "relu", "linear" or "softmax" */
};

/* The shards' size, as tensorflowjs_converter splits them. */
#define NN_SHARD_BYTES (4u << 20)

/*
 * nn_save_with_head() : writes into the folder dir (a descriptor; path
 * names it in messages) model.json, group1-shard<I>of<N>.bin and
 * classes.txt: the layers of the model in folder src (as nn_model_load()
 * reads it) that its embedding (the last Flatten or global pooling before
 * the first Dense layer) depends on, then the n layers of head, each
 * reading the one before (head[0] the embedding), the last one named
 * "winnow_head". The kept layers' weights are copied as src stores them
 * (bytes, type, quantization); the new ones are float32. classes names
 * the last layer's outputs, one a line. metadata, when not NULL, is a
 * JSON object's text kept as userDefinedMetadata. src's training_config is
 * left out. Files are written with write_file_atomic_at().
 * @return 0, or -1 with err set: src's errors as nn_model_load() names
 * them, WN_EFORMAT (no embedding, not a functional model), WN_EINVAL
 * (layers that do not chain, a bad activation or metadata), WN_EIO.
 */
int nn_save_with_head(const char *src, int dir, const char *path,
		      const struct nn_dense_spec *head, int n, const char *const *classes,
		      const char *metadata, struct wn_err *err);

#endif
