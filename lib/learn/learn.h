/* learn: learning from a model's outputs. A softmax head trained on
 * embeddings with cross-validation (the training set, the folds, keeping
 * the head), outliers of a class by their embeddings, confident learning
 * to find the labels most likely wrong over the catalog's predictions
 * (suspects), the train/val/test split that
 * keeps groups of copies whole, and that split written as class folders
 * or WebDataset shards; and class activation maps of a trained head.
 *
 * Ownership: results have a *_free() or *_release(); arrays a function
 * fills are the caller's. Threads: one caller per result; the numeric
 * kernels use OpenBLAS' own threads. Errors: -1 with struct wn_err.
 * Depends on: base, nn, catalog; OpenBLAS, jansson, xxHash. */
#ifndef WINNOW_LEARN_H
#define WINNOW_LEARN_H

#include "learn/softreg.h"
#include "learn/cleanlab.h"
#include "learn/trainset.h"
#include "learn/crossval.h"
#include "learn/knn.h"
#include "learn/mlp.h"
#include "learn/head.h"
#include "learn/headlayers.h"
#include "learn/suspects.h"
#include "learn/split.h"
#include "learn/layout.h"
#include "learn/outlier.h"
#include "learn/issues.h"
#include "learn/cam.h"

#endif
