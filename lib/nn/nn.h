/* nn: the neural-network engine. Loading a TensorFlow.js layers model
 * (nsfwjs' MobileNetV2 and InceptionV3) under size limits, running it on
 * the CPU (OpenBLAS for the convolutions), and preparing an image file as
 * the model's input tensor.
 *
 * Ownership: a loaded model is freed with nn_model_free(). Threads: a
 * model is read-only once loaded; threads share it and each runs its own
 * images with its own scratch. Errors: -1 with struct wn_err.
 * Depends on: base, img; jansson, OpenBLAS. */
#ifndef WINNOW_NN_H
#define WINNOW_NN_H

#include "nn/model.h"
#include "nn/prep.h"
#include "nn/registry.h"
#include "nn/save.h"

#endif
