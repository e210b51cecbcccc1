/* A small inference engine for TensorFlow.js layers models (the format
 * tensorflowjs_converter writes for Keras models): model.json, parsed
 * with jansson, and its binary weight shards, dequantized at load.
 * Tensors are float32, NHWC, one image at a time; a model is read-only
 * once loaded, so threads share it and each runs its own images.
 *
 * Layers: InputLayer, Conv2D (any kernel, stride, padding; dilation 1),
 * DepthwiseConv2D (depth multiplier 1), BatchNormalization (folded into
 * the convolution before it at load when it can be), ReLU (max_value,
 * negative_slope and threshold as Keras defines them; TensorFlow.js reads
 * only max_value), Activation (relu, relu6, softmax, linear,
 * sigmoid, tanh), ZeroPadding2D, Add, Concatenate (channels),
 * MaxPooling2D, AveragePooling2D (valid and same; same divides by the
 * taps inside the image, as TensorFlow does), GlobalAveragePooling2D,
 * Flatten, Dense, Dropout (identity). Convolutions and Dense layers are
 * sgemm calls on OpenBLAS (1x1 convolutions, with AVX-512, a kernel
 * here); depthwise convolutions and pooling are loops here. Anything
 * else is refused at load, naming the layer. */
#ifndef WINNOW_NN_MODEL_H
#define WINNOW_NN_MODEL_H

#include <stddef.h>

#include "base/base.h"

#define NN_MAX_CLASSES 1024
#define NN_MAX_JSON_BYTES (16u << 20)
#define NN_MAX_WEIGHT_BYTES (512u << 20)

struct nn_model;

/*
 * nn_model_load() : reads DIR/model.json and the shards it names (and
 * DIR/classes.txt, one class name a line, when present).
 * @return 0 with *out to free with nn_model_free(), or -1 with err set:
 * WN_EIO (a file is missing or unreadable), WN_ECORRUPT (malformed JSON,
 * shards of the wrong size), WN_EFORMAT (an unsupported layer or setting,
 * named), WN_ELIMIT, WN_ENOMEM. Messages start with the file's path.
 */
int nn_model_load(const char *dir, struct nn_model **out, struct wn_err *err);

void nn_model_free(struct nn_model *m);

/* The input's height and width (square for the nsfwjs models) and
 * channels; the number of outputs; the embedding's length (the Flatten
 * or global pooling output before the first Dense layer, 0 if none). */
int nn_input_height(const struct nn_model *m);
int nn_input_width(const struct nn_model *m);
int nn_input_channels(const struct nn_model *m);
int nn_classes(const struct nn_model *m);
int nn_embedding_size(const struct nn_model *m);

/* nn_class_name() : from classes.txt, else "class<i>". */
const char *nn_class_name(const struct nn_model *m, int i);

/*
 * nn_run() : runs one image. input is height x width x channels floats
 * (NHWC, no batch). out receives nn_classes() floats (the model's last
 * layer, probabilities for a softmax model); embedding, when not NULL,
 * nn_embedding_size() floats.
 * @return 0, or -1 with err set (WN_ENOMEM).
 */
int nn_run(const struct nn_model *m, const float *input, float *out, float *embedding,
	   struct wn_err *err);

/*
 * nn_blas_core() : the OpenBLAS kernels (an OPENBLAS_CORETYPE value) that
 * run this CPU's sgemm faster than the ones the loaded OpenBLAS picked, or
 * NULL when its pick is the best it has. Debian's OpenBLAS 0.3.21 falls
 * back to Prescott (SSE3) on CPU models newer than it knows and takes
 * AMD's Zen 4 and 5 for Haswell (AVX2), though they have AVX-512, where
 * its SkylakeX kernels run MobileNetV2 about a quarter faster. OpenBLAS
 * reads OPENBLAS_CORETYPE only when it loads: a program sets it and starts
 * itself again (label does, bench/nn_bench's script too).
 */
const char *nn_blas_core(void);

/* nn_layer_count() / nn_flops() : for messages and benchmarks. */
int nn_layer_count(const struct nn_model *m);
double nn_flops(const struct nn_model *m);

/* Looking inside (label cam). Layers are numbered 0 .. nn_layer_count() - 1
 * in the model's order, 0 the input; names are model.json's. */
const char *nn_layer_name(const struct nn_model *m, int layer);

/* nn_layer_find() : the layer called name, or -1. */
int nn_layer_find(const struct nn_model *m, const char *name);

/* nn_layer_shape() : the layer's output: height, width, channels. */
void nn_layer_shape(const struct nn_model *m, int layer, int *h, int *w, int *c);

/*
 * nn_layer_folded() : -1 when nn_run_layer() gives the layer's output as
 * the model defines it; else the layer it was folded with at load, whose
 * output is what the engine computes in its place: a convolution's
 * BatchNormalization and activation are computed with it (Conv_1 and
 * Conv_1_bn hold out_relu's output), a ZeroPadding2D inside the
 * convolution after it.
 */
int nn_layer_folded(const struct nn_model *m, int layer);

/*
 * nn_pooled_layer() : the layer whose activations the embedding is the
 * average of, over every position (a GlobalAveragePooling2D, or an
 * AveragePooling2D as large as its input, and Flatten): the last
 * convolution's activations, before pooling (out_relu in MobileNetV2,
 * mixed10 in InceptionV3). A linear head on the embedding is then a
 * linear map of each position's activations averaged, which is what a
 * class activation map shows. @return -1 when the embedding is not such
 * an average (or there is none).
 */
int nn_pooled_layer(const struct nn_model *m);

/*
 * nn_run_layer() : nn_run(), and when acts is not NULL the output of
 * layer (not folded: nn_layer_folded() -1) into acts, h x w x c floats
 * (NHWC) as nn_layer_shape() says.
 * @return 0, or -1 with err set (WN_ENOMEM; WN_EINVAL for a folded layer
 * or one out of range).
 */
int nn_run_layer(const struct nn_model *m, const float *input, float *out, float *embedding,
		 int layer, float *acts, struct wn_err *err);

#endif
